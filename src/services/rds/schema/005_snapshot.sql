-- DB snapshots (snapshot.c), manual ones: a base backup of the instance's
-- running PostgreSQL server that the engine (engine.c) takes into the
-- snapshot's folder (DATA/rds/snapshots/ACCOUNT/REGION/ID), with the
-- instance's settings at that time, which a restore takes. id is kept
-- lower-cased, as RDS keeps it. status: creating until the copy is whole,
-- then available (failed when it could not be taken); deleted once
-- DeleteDBSnapshot took it, until the engine has removed its folder (no
-- longer while an instance being restored from it still copies it).
CREATE TABLE db_snapshot (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    id           TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    class        TEXT NOT NULL,
    engine       TEXT NOT NULL,
    version      TEXT NOT NULL,
    master_user  TEXT NOT NULL,
    db_name      TEXT,
    storage      INTEGER NOT NULL,
    storage_type TEXT NOT NULL,
    port         INTEGER NOT NULL,
    zone         TEXT NOT NULL,
    vpc_id       TEXT,
    instance_ms  INTEGER NOT NULL,
    status       TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE INDEX db_snapshot_by_instance ON db_snapshot (account, region, instance_id, status);
-- A DB instance restored from a snapshot: its data is that snapshot's copy,
-- made at its first boot.
ALTER TABLE db_instance ADD COLUMN snapshot TEXT;
