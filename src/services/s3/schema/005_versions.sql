-- Versioning, object tagging and object lock. s3_object keeps the current
-- version of each key (so listings read one row per key); every older
-- version and every delete marker lives in s3_version, ordered by seq
-- (larger = newer). When no s3_object row exists, the newest s3_version row
-- of the key, a delete marker, is the latest. version_id NULL is the null
-- version (unversioned or suspended bucket).
ALTER TABLE s3_object ADD COLUMN version_id TEXT;
ALTER TABLE s3_object ADD COLUMN tags TEXT;             -- "k=v&k2=v2", URL-encoded as in x-amz-tagging
ALTER TABLE s3_object ADD COLUMN lock_mode TEXT;        -- GOVERNANCE | COMPLIANCE
ALTER TABLE s3_object ADD COLUMN lock_until_us INTEGER;
ALTER TABLE s3_object ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE s3_upload ADD COLUMN tags TEXT;
ALTER TABLE s3_upload ADD COLUMN lock_mode TEXT;
ALTER TABLE s3_upload ADD COLUMN lock_until_us INTEGER;
ALTER TABLE s3_upload ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;

CREATE TABLE s3_version (
    bucket        TEXT NOT NULL,
    key           BLOB NOT NULL,
    seq           INTEGER NOT NULL,
    delete_marker INTEGER NOT NULL DEFAULT 0,
    blob          TEXT,              -- NULL for a delete marker
    size          INTEGER NOT NULL DEFAULT 0,
    etag          TEXT,
    modified_us   INTEGER NOT NULL,
    parts         INTEGER NOT NULL DEFAULT 0,
    part_sizes    TEXT,
    part_blobs    TEXT,
    content_type  TEXT,
    content_encoding TEXT,
    content_disposition TEXT,
    content_language TEXT,
    cache_control TEXT,
    expires_us    INTEGER,
    storage_class TEXT,
    meta          TEXT,
    checksum_algo TEXT,
    checksum      TEXT,
    version_id    TEXT,
    tags          TEXT,
    lock_mode     TEXT,
    lock_until_us INTEGER,
    legal_hold    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, key, seq)
) WITHOUT ROWID;
CREATE INDEX s3_version_by_id ON s3_version(bucket, key, version_id);

-- Versioning state of a bucket (no row: never versioned) and its object lock
-- configuration (lock = 1 only for buckets created with object lock).
CREATE TABLE s3_bucket_versioning (
    bucket     TEXT PRIMARY KEY,
    status     TEXT,                 -- Enabled | Suspended | NULL
    mfa_delete TEXT,
    lock       INTEGER NOT NULL DEFAULT 0,
    lock_mode  TEXT,                 -- default retention
    lock_days  INTEGER,
    lock_years INTEGER
) WITHOUT ROWID;
