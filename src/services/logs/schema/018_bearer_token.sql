-- PutBearerTokenAuthentication: whether the group takes events with a
-- bearer token (kept and reported by DescribeLogGroups).
ALTER TABLE log_group ADD COLUMN bearer_token INTEGER NOT NULL DEFAULT 0;
