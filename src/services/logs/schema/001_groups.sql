-- CloudWatch Logs log groups, per account and region.
CREATE TABLE log_group (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_ms     INTEGER NOT NULL,
    retention_days INTEGER,
    stored_bytes   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
