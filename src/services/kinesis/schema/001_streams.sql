-- Kinesis data streams per account and region, their shards, records and tags.
CREATE TABLE kin_stream (
    id              INTEGER PRIMARY KEY,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    mode            TEXT NOT NULL,              -- PROVISIONED | ON_DEMAND
    retention_hours INTEGER NOT NULL DEFAULT 24,
    UNIQUE (account, region, name)
);

-- A shard owns the hash keys start..end (128-bit, decimal text as AWS writes them).
CREATE TABLE kin_shard (
    sid        INTEGER NOT NULL REFERENCES kin_stream (id) ON DELETE CASCADE,
    num        INTEGER NOT NULL,
    start_hash TEXT NOT NULL,
    end_hash   TEXT NOT NULL,
    PRIMARY KEY (sid, num)
) WITHOUT ROWID;

-- One row per record; the row id is the tail of its sequence number, so a
-- shard's records are read in (sid, shard, id) order.
CREATE TABLE kin_record (
    id         INTEGER PRIMARY KEY,
    sid        INTEGER NOT NULL REFERENCES kin_stream (id) ON DELETE CASCADE,
    shard      INTEGER NOT NULL,
    arrival_ms INTEGER NOT NULL,
    pkey       TEXT NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX kin_record_by_shard ON kin_record (sid, shard, id);
CREATE INDEX kin_record_by_arrival ON kin_record (sid, arrival_ms);

CREATE TABLE kin_tag (
    sid   INTEGER NOT NULL REFERENCES kin_stream (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (sid, key)
) WITHOUT ROWID;
