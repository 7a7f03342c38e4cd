-- Mobile push: platform applications (one per push service and app), their
-- endpoints (one per device token), and every push "sent" to an endpoint
-- (GET /_gureum/sns/push). The credentials are kept but never shown, as on
-- AWS; an endpoint's Enabled is its attribute as set ("true"/"false").
CREATE TABLE platform_app (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    platform   TEXT NOT NULL,
    name       TEXT NOT NULL,
    arn        TEXT NOT NULL UNIQUE,
    principal  TEXT,
    credential TEXT,
    created_ms INTEGER NOT NULL
);
CREATE TABLE platform_app_attr (
    app_id INTEGER NOT NULL,
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (app_id, name)
) WITHOUT ROWID;
CREATE TABLE platform_endpoint (
    id          INTEGER PRIMARY KEY,
    app_id      INTEGER NOT NULL,
    arn         TEXT NOT NULL UNIQUE,
    token       TEXT NOT NULL,
    enabled     TEXT NOT NULL,
    custom_data TEXT,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX platform_endpoint_by_app ON platform_endpoint (app_id, token);
CREATE TABLE push_outbox (
    id           INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    endpoint_arn TEXT NOT NULL,
    platform     TEXT NOT NULL,
    token        TEXT NOT NULL,
    message      TEXT NOT NULL,
    msg_id       TEXT NOT NULL,
    topic_arn    TEXT,
    time_ms      INTEGER NOT NULL
);
