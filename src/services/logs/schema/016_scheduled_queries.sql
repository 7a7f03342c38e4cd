-- Scheduled queries (CreateScheduledQuery): a Logs Insights query run on a
-- schedule by the ticker (scheduled.c), each run kept for
-- GetScheduledQueryHistory.
CREATE TABLE scheduled_query (
    id           INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    config       TEXT NOT NULL,   -- the request's members as AWS reports them, a JSON object
    state        TEXT NOT NULL,   -- ENABLED, DISABLED
    tags         TEXT NOT NULL,   -- a JSON object
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    base_ms      INTEGER NOT NULL, -- what a rate() counts from: the last put or enabling
    next_ms      INTEGER,          -- the next run; NULL: none due (disabled, past its end)
    last_ms      INTEGER,
    last_status  TEXT,
    UNIQUE (account, region, name)
);
CREATE INDEX scheduled_query_due ON scheduled_query (next_ms);

CREATE TABLE scheduled_query_run (
    id           INTEGER PRIMARY KEY,
    qid          INTEGER NOT NULL REFERENCES scheduled_query (id) ON DELETE CASCADE,
    query_id     TEXT,
    status       TEXT NOT NULL,
    triggered_ms INTEGER NOT NULL,
    error        TEXT,
    destinations TEXT              -- a JSON array of ScheduledQueryDestination
);
CREATE INDEX scheduled_query_run_by_query ON scheduled_query_run (qid, triggered_ms);
