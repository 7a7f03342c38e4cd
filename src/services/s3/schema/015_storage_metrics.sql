-- 015_storage_metrics.sql — the day (its start, ms since the epoch) whose
-- daily storage metrics (AWS/S3 BucketSizeBytes, NumberOfObjects) were last
-- published to CloudWatch (metrics.c): one row, so a restart the same day
-- does not publish that day's again.
CREATE TABLE s3_storage_metrics (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    day_ms INTEGER NOT NULL
);
