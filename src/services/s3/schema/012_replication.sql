-- 012_replication.sql — an object version's replication status
-- (x-amz-replication-status): COMPLETED or FAILED on a source bucket's
-- version that a replication rule covered, REPLICA on the copy in the
-- destination bucket (replication.c); NULL: not replicated.
ALTER TABLE s3_object ADD COLUMN replication TEXT;
ALTER TABLE s3_version ADD COLUMN replication TEXT;
