-- Resource policies of streams and consumers (their JSON text, NULL: none),
-- a stream's largest record (MaxRecordSizeInKiB) and warm throughput (MiB/s,
-- NULL: never set), a consumer's tags, and the account's minimum throughput
-- billing commitment.
ALTER TABLE kin_stream ADD COLUMN policy TEXT;
ALTER TABLE kin_stream ADD COLUMN max_record_kib INTEGER NOT NULL DEFAULT 1024;
ALTER TABLE kin_stream ADD COLUMN warm_mibps INTEGER;
ALTER TABLE kin_consumer ADD COLUMN policy TEXT;

CREATE TABLE kin_consumer_tag (
    sid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (sid, name, key),
    FOREIGN KEY (sid, name) REFERENCES kin_consumer (sid, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE kin_account (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    status      TEXT NOT NULL, -- ENABLED | DISABLED
    started_ms  INTEGER,
    ended_ms    INTEGER,
    earliest_ms INTEGER,
    PRIMARY KEY (account, region)
) WITHOUT ROWID;
