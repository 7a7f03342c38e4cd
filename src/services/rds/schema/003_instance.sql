-- DB instances (instance.c), each a machine running its engine (engine.c).
-- id is the identifier lower-cased, as RDS keeps it; status is AWS's
-- (creating, available, stopping, stopped, starting, rebooting,
-- resetting-master-credentials, deleting); address is the host loopback
-- address the engine's port is forwarded at (the endpoint); password holds
-- a master password until the engine has taken it, then NULL.
CREATE TABLE db_instance (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    id           TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    class        TEXT NOT NULL,
    engine       TEXT NOT NULL,
    version      TEXT NOT NULL,
    master_user  TEXT NOT NULL,
    password     TEXT,
    db_name      TEXT,
    storage      INTEGER NOT NULL,
    storage_type TEXT NOT NULL,
    port         INTEGER NOT NULL,
    subnet_group TEXT,
    vpc_id       TEXT,
    zone         TEXT NOT NULL,
    second_zone  TEXT,
    multi_az     INTEGER NOT NULL,
    public       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    address      TEXT NOT NULL,
    private_ip   TEXT NOT NULL,
    backup_days  INTEGER NOT NULL,
    protected    INTEGER NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX db_instance_by_address ON db_instance (address);
CREATE TABLE db_instance_sg (
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    db_id    TEXT NOT NULL,
    group_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (account, region, db_id, group_id)
) WITHOUT ROWID;
