-- Bucket configurations (tagging, CORS, policy, ACL, website, lifecycle,
-- notification, encryption, public access block, ownership controls): one
-- row per bucket and kind, the parsed input document stored as JSON
-- (bucket_config.c). Object ACLs live beside, keyed by bucket and key.
CREATE TABLE s3_bucket_config (
    bucket TEXT NOT NULL,
    kind   TEXT NOT NULL,
    doc    TEXT NOT NULL,
    PRIMARY KEY (bucket, kind)
) WITHOUT ROWID;

CREATE TABLE s3_object_acl (
    bucket TEXT NOT NULL,
    key    BLOB NOT NULL,
    doc    TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
