-- Classic load balancers (lb.c), per account and region; address is the
-- host loopback address its listeners listen on (127.201.0.0/16); hc_* is
-- its health check (AWS's defaults until ConfigureHealthCheck).
CREATE TABLE lb (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    dns          TEXT NOT NULL,
    scheme       TEXT NOT NULL,
    vpc_id       TEXT,
    address      TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    hc_target    TEXT NOT NULL,
    hc_interval  INTEGER NOT NULL,
    hc_timeout   INTEGER NOT NULL,
    hc_unhealthy INTEGER NOT NULL,
    hc_healthy   INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX lb_by_address ON lb (address);
CREATE TABLE lb_listener (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    lb            TEXT NOT NULL,
    lb_port       INTEGER NOT NULL,
    protocol      TEXT NOT NULL,
    instance_port INTEGER NOT NULL,
    instance_protocol TEXT NOT NULL,
    PRIMARY KEY (account, region, lb, lb_port)
) WITHOUT ROWID;
-- Its zones, with the subnet when it was made in subnets.
CREATE TABLE lb_zone (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    lb      TEXT NOT NULL,
    zone    TEXT NOT NULL,
    subnet  TEXT,
    PRIMARY KEY (account, region, lb, zone)
) WITHOUT ROWID;
CREATE TABLE lb_sg (
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    lb       TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (account, region, lb, group_id)
) WITHOUT ROWID;
CREATE TABLE lb_instance (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    lb          TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, lb, instance_id)
) WITHOUT ROWID;
CREATE TABLE lb_tag (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    lb      TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, lb, key)
) WITHOUT ROWID;
