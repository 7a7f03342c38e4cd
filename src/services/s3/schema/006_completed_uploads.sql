-- Multipart uploads that completed, so that CompleteMultipartUpload sent
-- again for the same upload id answers the same result instead of
-- NoSuchUpload (a client retrying after a lost response). Rows older than a
-- day are dropped when another upload completes; DeleteBucket drops the
-- bucket's rows.
CREATE TABLE s3_completed_upload (
    id           TEXT PRIMARY KEY,
    bucket       TEXT NOT NULL,
    key          BLOB NOT NULL,
    etag         TEXT NOT NULL,
    version_id   TEXT,
    completed_us INTEGER NOT NULL
);
