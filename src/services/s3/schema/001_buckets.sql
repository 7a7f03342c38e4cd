-- S3 buckets. Bucket names are global (one namespace across accounts and
-- regions), as on AWS, so the name alone is the key.
CREATE TABLE s3_bucket (
    name       TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX s3_bucket_by_account ON s3_bucket(account, name);
