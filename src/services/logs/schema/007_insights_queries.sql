-- Logs Insights queries: run at StartQuery, their rows kept for GetQueryResults.
CREATE TABLE insights_query (
    id         TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    query      TEXT NOT NULL,
    group_name TEXT NOT NULL, -- the first group queried, as DescribeQueries shows it
    status     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    results    TEXT NOT NULL, -- [[[field, value], …], …]
    matched    REAL NOT NULL,
    scanned    REAL NOT NULL,
    bytes      REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX insights_query_by_account ON insights_query (account, region, created_ms);
