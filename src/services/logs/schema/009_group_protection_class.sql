-- A log group's deletion protection (PutLogGroupDeletionProtection, or set at
-- creation) and its class (STANDARD, INFREQUENT_ACCESS, DELIVERY), both as
-- CreateLogGroup gave them and DescribeLogGroups/ListLogGroups report them.
ALTER TABLE log_group ADD COLUMN deletion_protection INTEGER NOT NULL DEFAULT 0;
ALTER TABLE log_group ADD COLUMN class TEXT NOT NULL DEFAULT 'STANDARD';
