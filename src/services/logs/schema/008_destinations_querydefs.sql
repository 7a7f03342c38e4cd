-- Destinations (destination.c): a Kinesis stream other accounts' log groups
-- may subscribe to, as far as the access policy allows them.
CREATE TABLE log_destination (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    target_arn TEXT NOT NULL,
    role_arn   TEXT NOT NULL,
    policy     TEXT, -- the access policy, as given
    created_ms INTEGER NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE log_destination_tag (
    did   INTEGER NOT NULL REFERENCES log_destination (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (did, key)
) WITHOUT ROWID;

-- Saved Logs Insights queries (query.c); groups is a JSON array of names.
CREATE TABLE query_definition (
    id          TEXT PRIMARY KEY, -- a UUID
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    groups      TEXT NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX query_definition_by_account ON query_definition (account, region, name);
