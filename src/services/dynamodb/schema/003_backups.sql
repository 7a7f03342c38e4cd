-- On-demand backups (CreateBackup). A backup is a snapshot: its own tid,
-- never a table's, under which the table's item and index rows were copied
-- in the CreateBackup transaction; def is the table's definition then.
-- Backups outlive their table, as on AWS.
CREATE TABLE ddb_backup (
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    arn              TEXT NOT NULL,
    name             TEXT NOT NULL,
    table_name       TEXT NOT NULL,
    table_id         TEXT NOT NULL,
    table_created_us INTEGER NOT NULL,
    tid              INTEGER NOT NULL,
    def              TEXT NOT NULL,
    created_us       INTEGER NOT NULL,
    size             INTEGER NOT NULL,
    items            INTEGER NOT NULL,
    PRIMARY KEY (account, region, arn)
) WITHOUT ROWID;
