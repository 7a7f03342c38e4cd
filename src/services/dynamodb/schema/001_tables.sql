-- DynamoDB tables, per account and region. The item storage comes with the
-- DynamoDB issue; this is the catalogue ListTables reads.
CREATE TABLE ddb_table (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'ACTIVE',
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
