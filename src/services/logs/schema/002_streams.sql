-- Log groups get a row id (streams and events hang off it), streams and events.
CREATE TABLE lg (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    retention_days INTEGER,
    kms_key        TEXT,
    UNIQUE (account, region, name)
);
INSERT INTO lg (account, region, name, created_ms, retention_days)
    SELECT account, region, name, created_ms, retention_days FROM log_group;
DROP TABLE log_group;
ALTER TABLE lg RENAME TO log_group;

CREATE TABLE log_group_tag (
    gid   INTEGER NOT NULL REFERENCES log_group (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (gid, key)
) WITHOUT ROWID;

CREATE TABLE log_stream (
    id             INTEGER PRIMARY KEY,
    gid            INTEGER NOT NULL REFERENCES log_group (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    first_ts       INTEGER,
    last_ts        INTEGER,
    last_ingest_ms INTEGER,
    UNIQUE (gid, name)
);

-- One row per log event; (ts, id) is the order every read returns.
CREATE TABLE log_event (
    id        INTEGER PRIMARY KEY,
    gid       INTEGER NOT NULL,
    sid       INTEGER NOT NULL REFERENCES log_stream (id) ON DELETE CASCADE,
    ts        INTEGER NOT NULL,
    ingest_ms INTEGER NOT NULL,
    message   TEXT NOT NULL
);
CREATE INDEX log_event_by_stream ON log_event (sid, ts, id);
CREATE INDEX log_event_by_group ON log_event (gid, ts, id);
