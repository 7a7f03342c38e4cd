-- A stream's enhanced shard-level metrics (comma-separated, in the order
-- enabled), its server-side encryption, and its enhanced fan-out consumers.
ALTER TABLE kin_stream ADD COLUMN metrics TEXT NOT NULL DEFAULT '';
ALTER TABLE kin_stream ADD COLUMN encryption TEXT NOT NULL DEFAULT 'NONE'; -- NONE | KMS
ALTER TABLE kin_stream ADD COLUMN key_id TEXT;

CREATE TABLE kin_consumer (
    sid        INTEGER NOT NULL REFERENCES kin_stream (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_s  INTEGER NOT NULL, -- the consumer ARN's tail
    PRIMARY KEY (sid, name)
) WITHOUT ROWID;
