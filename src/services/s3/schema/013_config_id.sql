-- 013_config_id.sql — the bucket configurations kept by Id, many per bucket
-- (idconfig.c): kind is analytics, intelligent-tiering, inventory or
-- metrics; doc the parsed input document as JSON, as s3_bucket_config's;
-- done_us when an inventory's last report was written (inventory.c; 0:
-- none yet, so the first is due).
CREATE TABLE s3_bucket_config_id (
    bucket TEXT NOT NULL,
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    doc    TEXT NOT NULL,
    done_us INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, kind, id)
) WITHOUT ROWID;
