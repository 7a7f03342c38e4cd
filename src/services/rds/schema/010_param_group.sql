-- DB parameter groups (param.c): a group of the caller's (the family's
-- default group, default.FAMILY, is not a row: it is always there and
-- holds no parameter of its own) and the parameters set in it, with how
-- each is applied (immediate or pending-reboot). version moves whenever
-- the group's parameters change, so the engine (engine.c) writes them into
-- the servers of its instances again. name is lower-cased, as RDS keeps it.
CREATE TABLE db_param_group (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    family      TEXT NOT NULL,
    description TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE TABLE db_param (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    grp     TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    method  TEXT NOT NULL,
    PRIMARY KEY (account, region, grp, name)
) WITHOUT ROWID;
-- An instance's group (NULL: its family's default group) and whether a
-- change waits for a reboot (param_status 'pending-reboot'; NULL: in-sync).
ALTER TABLE db_instance ADD COLUMN param_group TEXT;
ALTER TABLE db_instance ADD COLUMN param_status TEXT;
