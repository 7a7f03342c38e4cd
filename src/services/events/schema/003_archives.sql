-- Buses keep a description and when they last changed; rules say which
-- service manages them (an archive's rule); archives keep the events their
-- rule matched, and replays send them back to the bus.
ALTER TABLE event_bus ADD COLUMN description TEXT;
ALTER TABLE event_bus ADD COLUMN modified_ms INTEGER;
ALTER TABLE rule ADD COLUMN managed_by TEXT;

CREATE TABLE archive (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    bus            TEXT NOT NULL,
    pattern        TEXT,              -- as given; the rule's pattern adds replay-name
    description    TEXT,
    retention_days INTEGER NOT NULL,  -- 0: kept indefinitely
    state          TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    rule_id        INTEGER REFERENCES rule (id) ON DELETE SET NULL,
    UNIQUE (account, region, name)
);

-- One archived event: its JSON as the bus saw it, at the event's own time.
CREATE TABLE archive_event (
    id         INTEGER PRIMARY KEY,
    archive_id INTEGER NOT NULL REFERENCES archive (id) ON DELETE CASCADE,
    ts_ms      INTEGER NOT NULL,
    stored_ms  INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX archive_event_by_time ON archive_event (archive_id, ts_ms, id);

CREATE TABLE replay (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    archive_arn   TEXT NOT NULL,
    archive_id    INTEGER,           -- NULL once the archive is deleted
    description   TEXT,
    start_ms      INTEGER NOT NULL,  -- EventStartTime
    end_ms        INTEGER NOT NULL,  -- EventEndTime
    bus_arn       TEXT NOT NULL,     -- Destination.Arn
    filter_arns   TEXT,              -- Destination.FilterArns as a JSON array
    state         TEXT NOT NULL,
    reason        TEXT,
    began_ms      INTEGER NOT NULL,  -- ReplayStartTime
    ended_ms      INTEGER,           -- ReplayEndTime
    last_event_ms INTEGER,           -- EventLastReplayedTime
    UNIQUE (account, region, name)
);
CREATE INDEX replay_pending ON replay (state) WHERE state IN ('STARTING', 'CANCELLING');
