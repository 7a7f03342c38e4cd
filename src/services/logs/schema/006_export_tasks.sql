-- Export tasks: a group's events of a time range written to an S3 bucket.
CREATE TABLE export_task (
    id            TEXT PRIMARY KEY, -- the taskId, a UUID
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT,
    group_name    TEXT NOT NULL,
    from_ms       INTEGER NOT NULL,
    to_ms         INTEGER NOT NULL,
    destination   TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    status        TEXT NOT NULL,
    message       TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    completed_ms  INTEGER
) WITHOUT ROWID;
CREATE INDEX export_task_by_account ON export_task (account, region, created_ms);
