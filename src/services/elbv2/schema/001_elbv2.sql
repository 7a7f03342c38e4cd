-- Elastic Load Balancing v2 (lb.c, tg.c): application and network load
-- balancers, each with an address of its own on the host's loopback
-- (127.204.0.0/16) where balance.c listens on its listeners' ports;
-- target groups and their registered targets; listeners with their
-- default actions (JSON, as given); tags by ARN.
CREATE TABLE lb2 (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    arn        TEXT NOT NULL,
    type       TEXT NOT NULL,
    scheme     TEXT NOT NULL,
    vpc_id     TEXT,
    dns        TEXT NOT NULL,
    address    TEXT NOT NULL,
    ip_type    TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX lb2_by_arn ON lb2 (arn);
CREATE UNIQUE INDEX lb2_by_address ON lb2 (address);

CREATE TABLE lb2_zone (
    lb_arn TEXT NOT NULL,
    zone   TEXT NOT NULL,
    subnet TEXT NOT NULL,
    PRIMARY KEY (lb_arn, zone)
) WITHOUT ROWID;

CREATE TABLE lb2_sg (
    lb_arn   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (lb_arn, group_id)
) WITHOUT ROWID;

CREATE TABLE tg (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    arn          TEXT NOT NULL,
    protocol     TEXT,
    port         INTEGER,
    vpc_id       TEXT,
    target_type  TEXT NOT NULL,
    hc_protocol  TEXT,
    hc_port      TEXT NOT NULL,
    hc_enabled   INTEGER NOT NULL,
    hc_interval  INTEGER NOT NULL,
    hc_timeout   INTEGER NOT NULL,
    hc_healthy   INTEGER NOT NULL,
    hc_unhealthy INTEGER NOT NULL,
    hc_path      TEXT,
    matcher      TEXT,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tg_by_arn ON tg (arn);

CREATE TABLE tg_target (
    tg_arn    TEXT NOT NULL,
    target_id TEXT NOT NULL,
    port      INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (tg_arn, target_id, port)
) WITHOUT ROWID;

CREATE TABLE listener (
    arn      TEXT NOT NULL PRIMARY KEY,
    lb_arn   TEXT NOT NULL,
    port     INTEGER NOT NULL,
    protocol TEXT NOT NULL,
    actions  TEXT NOT NULL,
    seq      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX listener_by_port ON listener (lb_arn, port);

CREATE TABLE lb2_tag (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
