-- Instances (instance.c): one row each, kept an hour after termination as
-- AWS keeps them visible. state is AWS's state name; the ticker moves
-- pending → running, stopping → stopped and shutting-down → terminated
-- once the machine has really booted or ended. user_data is the base64
-- text given; public_ip is NULL without a public address.
CREATE TABLE instance (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    id             TEXT NOT NULL,
    reservation    TEXT NOT NULL,
    image_id       TEXT NOT NULL,
    type           TEXT NOT NULL,
    key_name       TEXT,
    subnet_id      TEXT NOT NULL,
    vpc_id         TEXT NOT NULL,
    zone           TEXT NOT NULL,
    private_ip     TEXT NOT NULL,
    public_ip      TEXT,
    eni_id         TEXT NOT NULL,
    mac            TEXT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    state_code     TEXT,
    state_message  TEXT,
    launched       INTEGER NOT NULL,
    ended          INTEGER,
    user_data      TEXT,
    client_token   TEXT,
    launch_index   INTEGER NOT NULL,
    public_wanted  INTEGER NOT NULL DEFAULT 0,
    shutdown_terminates INTEGER NOT NULL DEFAULT 0,
    no_termination INTEGER NOT NULL DEFAULT 0,
    monitoring     INTEGER NOT NULL DEFAULT 0,
    ebs_optimized  INTEGER NOT NULL DEFAULT 0,
    source_dest    INTEGER NOT NULL DEFAULT 1,
    seq            INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE INDEX instance_by_subnet ON instance (account, region, subnet_id);
CREATE TABLE instance_sg (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, instance_id, group_id)
) WITHOUT ROWID;
CREATE INDEX instance_sg_by_group ON instance_sg (account, region, group_id);
