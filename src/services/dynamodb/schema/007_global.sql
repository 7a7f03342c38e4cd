-- 007_global.sql — global tables (global.c): a replication group is one
-- table name of one account, replicated in several regions. version is
-- '2019.11.21' (made by UpdateTable's ReplicaUpdates) or '2017.11.29'
-- (CreateGlobalTable); one row a region in ddb_global_replica, with the
-- members of the ReplicaUpdate that made it (KMSMasterKeyId,
-- ProvisionedThroughputOverride, ...) as JSON. Each member table's stored
-- definition also says "GlobalTable": version, so a write to a table that is
-- in no group never reads these rows.
CREATE TABLE ddb_global (
    account    TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
CREATE TABLE ddb_global_replica (
    account    TEXT NOT NULL,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    def        TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (account, name, region)
) WITHOUT ROWID;
