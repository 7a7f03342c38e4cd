-- Subscription filters of a log group: where matching events are sent.
CREATE TABLE subscription_filter (
    gid          INTEGER NOT NULL REFERENCES log_group (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    pattern      TEXT NOT NULL,
    dest_arn     TEXT NOT NULL,
    role_arn     TEXT,
    distribution TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (gid, name)
) WITHOUT ROWID;
