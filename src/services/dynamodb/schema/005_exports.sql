-- 005_exports.sql — exports to S3 (ExportTableToPointInTime, export.c):
-- the ExportDescription as JSON, by ARN; token is the request's ClientToken
-- (same token within 8 hours: the same export).
CREATE TABLE ddb_export (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    arn         TEXT NOT NULL,
    table_arn   TEXT NOT NULL,
    token       TEXT,
    created_us  INTEGER NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (account, region, arn)
) WITHOUT ROWID;
