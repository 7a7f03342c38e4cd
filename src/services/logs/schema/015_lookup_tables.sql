-- Lookup tables (CreateLookupTable): CSV data Logs Insights queries join
-- against, kept as given.
CREATE TABLE lookup_table (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    body        TEXT NOT NULL,
    kms_key     TEXT,
    tags        TEXT NOT NULL,   -- a JSON object
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
