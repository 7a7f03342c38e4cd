-- RDS events (events.c): what happened to DB instances and snapshots, as
-- DescribeEvents lists them; kept 14 days, as AWS keeps them. categories is
-- a comma-separated list of AWS's event categories.
CREATE TABLE event (
    seq         INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    categories  TEXT NOT NULL,
    message     TEXT NOT NULL,
    ms          INTEGER NOT NULL
);
CREATE INDEX event_by_time ON event (account, region, ms);
