-- 006_imports.sql — imports from S3 (ImportTable, import.c): the
-- ImportTableDescription as JSON, by ARN; token is the request's ClientToken
-- (same token within 8 hours: the same import).
CREATE TABLE ddb_import (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    arn         TEXT NOT NULL,
    table_arn   TEXT NOT NULL,
    token       TEXT,
    created_us  INTEGER NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (account, region, arn)
) WITHOUT ROWID;
