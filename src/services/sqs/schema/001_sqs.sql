-- SQS queues and their messages, per account and region. Attributes are kept as
-- AWS shows them (strings), defaults written at CreateQueue; computed ones
-- (QueueArn, Approximate*, timestamps) are not stored.
CREATE TABLE queue (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    purged_ms   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, region, name)
);
CREATE TABLE queue_attr (
    qid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (qid, name)
) WITHOUT ROWID;
CREATE TABLE queue_tag (
    qid   INTEGER NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (qid, key)
) WITHOUT ROWID;
-- visible_ms: when the message may next be received (send time + delay, or
-- receive time + visibility timeout). receive_count 0 and visible_ms in the
-- future means delayed; receive_count > 0 and in the future means in flight.
CREATE TABLE message (
    id            INTEGER PRIMARY KEY,
    qid           INTEGER NOT NULL,
    msg_id        TEXT NOT NULL,
    body          BLOB NOT NULL,
    md5_body      TEXT NOT NULL,
    md5_attrs     TEXT,
    sent_ms       INTEGER NOT NULL,
    visible_ms    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_recv_ms INTEGER NOT NULL DEFAULT 0,
    receipt       TEXT,
    group_id      TEXT,
    dedup_id      TEXT,
    sender        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX message_by_queue ON message (qid, visible_ms);
CREATE INDEX message_by_receipt ON message (receipt);
CREATE TABLE msg_attr (
    mid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    type  TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (mid, name)
) WITHOUT ROWID;
-- FIFO deduplication ids seen in the last five minutes.
CREATE TABLE dedup (
    qid        INTEGER NOT NULL,
    dedup_id   TEXT NOT NULL,
    msg_id     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (qid, dedup_id)
) WITHOUT ROWID;
