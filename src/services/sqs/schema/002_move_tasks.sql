-- Message move tasks (StartMessageMoveTask), the queue a dead-lettered
-- message came from (where a move task without a destination returns it),
-- and recently deleted queue names (QueueDeletedRecently).
ALTER TABLE message ADD COLUMN src_qid INTEGER;
-- A message's attributes go with it, whoever deletes it (retention sweep,
-- purge, DeleteQueue, DeleteMessage).
CREATE TRIGGER message_attrs_gone AFTER DELETE ON message BEGIN
    DELETE FROM msg_attr WHERE mid = old.id;
END;
CREATE TABLE move_task (
    id          INTEGER PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    src_qid     INTEGER NOT NULL,
    source_arn  TEXT NOT NULL,
    dest_arn    TEXT,                 -- NULL: each message back to the queue it came from
    rate        INTEGER,              -- messages per second; NULL: as fast as it goes
    status      TEXT NOT NULL,        -- RUNNING, COMPLETED, CANCELLED, FAILED
    last_mid    INTEGER NOT NULL,     -- messages up to this row id were there at the start
    moved       INTEGER NOT NULL DEFAULT 0,
    to_move     INTEGER NOT NULL,
    started_ms  INTEGER NOT NULL,
    failure     TEXT
);
CREATE INDEX move_task_by_source ON move_task (src_qid, id);
CREATE TABLE deleted_queue (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    deleted_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
