-- S3 objects and multipart uploads. Keys are BLOBs so that ORDER BY key is
-- byte order (memcmp), which is AWS's listing order. An object row points at
-- one blob (DATA/blobs); the blob is committed before the row.
CREATE TABLE s3_object (
    bucket        TEXT NOT NULL,
    key           BLOB NOT NULL,
    blob          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    etag          TEXT NOT NULL,     -- quoted, as sent in ETag headers
    modified_us   INTEGER NOT NULL,
    content_type  TEXT,
    content_encoding TEXT,
    content_disposition TEXT,
    content_language TEXT,
    cache_control TEXT,
    expires_us    INTEGER,
    storage_class TEXT,
    meta          TEXT,              -- user metadata, "name:value\n" lines
    checksum_algo TEXT,              -- CRC32 | CRC32C | SHA1 | SHA256
    checksum      TEXT,              -- base64, as in x-amz-checksum-*
    parts         INTEGER NOT NULL DEFAULT 0,
    part_sizes    TEXT,              -- "n1,n2,…" of a completed multipart upload (GET ?partNumber=)
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE s3_upload (
    id            TEXT PRIMARY KEY,
    bucket        TEXT NOT NULL,
    key           BLOB NOT NULL,
    initiated_us  INTEGER NOT NULL,
    initiator     TEXT NOT NULL,
    content_type  TEXT,
    content_encoding TEXT,
    content_disposition TEXT,
    content_language TEXT,
    cache_control TEXT,
    expires_us    INTEGER,
    storage_class TEXT,
    meta          TEXT,
    checksum_algo TEXT,
    checksum      TEXT               -- unused until composite checksums
) WITHOUT ROWID;
CREATE INDEX s3_upload_by_bucket ON s3_upload(bucket, key, id);

CREATE TABLE s3_part (
    upload      TEXT NOT NULL,
    num         INTEGER NOT NULL,
    blob        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    modified_us INTEGER NOT NULL,
    PRIMARY KEY (upload, num)
) WITHOUT ROWID;
