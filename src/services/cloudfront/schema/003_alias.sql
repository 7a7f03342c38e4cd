-- CloudFront alternate domain names (Aliases): each one belongs to at most
-- one distribution, in any account (CNAMEAlreadyExists); lower-cased.
CREATE TABLE alias (
    name    TEXT PRIMARY KEY,
    dist_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX alias_by_dist ON alias (dist_id);
