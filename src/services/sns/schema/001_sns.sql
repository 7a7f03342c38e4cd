-- SNS topics, subscriptions, the SMS settings and the outboxes, per account
-- and region. Attributes are kept as AWS shows them (strings); the computed
-- ones (Owner, TopicArn, Subscriptions*, EffectiveDeliveryPolicy) are not.
CREATE TABLE topic (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    arn        TEXT NOT NULL UNIQUE,
    fifo       INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    deleted_subs INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, region, name)
);
CREATE TABLE topic_attr (
    tid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tid, name)
) WITHOUT ROWID;
CREATE TABLE topic_tag (
    tid   INTEGER NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tid, key)
) WITHOUT ROWID;
-- token: the confirmation token of a pending subscription (NULL once confirmed).
CREATE TABLE subscription (
    id         INTEGER PRIMARY KEY,
    arn        TEXT NOT NULL UNIQUE,
    tid        INTEGER NOT NULL,
    owner      TEXT NOT NULL,
    protocol   TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    confirmed  INTEGER NOT NULL DEFAULT 0,
    token      TEXT,
    authenticated INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
CREATE INDEX subscription_by_topic ON subscription (tid);
CREATE INDEX subscription_by_token ON subscription (token);
CREATE TABLE sub_attr (
    sid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (sid, name)
) WITHOUT ROWID;
-- FIFO topics: deduplication ids seen in the last five minutes.
CREATE TABLE dedup (
    tid        INTEGER NOT NULL,
    dedup_id   TEXT NOT NULL,
    msg_id     TEXT NOT NULL,
    seq        TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (tid, dedup_id)
) WITHOUT ROWID;
CREATE TABLE fifo_seq (
    tid INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
CREATE TABLE sms_attr (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE TABLE opted_out (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    phone   TEXT NOT NULL,
    PRIMARY KEY (account, region, phone)
) WITHOUT ROWID;
-- Every SMS "sent": what `gureum sms` and GET /_gureum/sns/sms show.
CREATE TABLE sms_outbox (
    id        INTEGER PRIMARY KEY,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    phone     TEXT NOT NULL,
    message   TEXT NOT NULL,
    sender_id TEXT,
    sms_type  TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    topic_arn TEXT,
    time_ms   INTEGER NOT NULL
);
-- Every email / email-json "sent" (GET /_gureum/sns/email).
CREATE TABLE email_outbox (
    id        INTEGER PRIMARY KEY,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    address   TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    topic_arn TEXT NOT NULL,
    msg_id    TEXT NOT NULL,
    time_ms   INTEGER NOT NULL
);
