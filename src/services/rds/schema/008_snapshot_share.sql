-- Shared DB snapshots (ModifyDBSnapshotAttribute's restore attribute,
-- snapshot.c): the accounts a manual snapshot is shared with, 'all' for a
-- public one. Another account may then describe, copy and restore it by its
-- ARN. What it reads is the owner's copy (DATA/rds/snapshots/OWNER/…), so
-- a restore (db_instance.snapshot_account) or a copy (source_account) names
-- the owning account when it is not its own; NULL is its own.
CREATE TABLE db_snapshot_share (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    shared_with TEXT NOT NULL,
    PRIMARY KEY (account, region, id, shared_with)
) WITHOUT ROWID;
CREATE INDEX db_snapshot_share_by_grantee ON db_snapshot_share (shared_with, region);
ALTER TABLE db_instance ADD COLUMN snapshot_account TEXT;
ALTER TABLE db_snapshot ADD COLUMN source_account TEXT;
