-- Policy documents of one log group, by AWS's policyType name:
-- FIELD_INDEX_POLICY (PutIndexPolicy), DATA_PROTECTION_POLICY
-- (PutDataProtectionPolicy), TRANSFORMER_POLICY (PutTransformer); each as given.
CREATE TABLE log_group_policy (
    gid        INTEGER NOT NULL REFERENCES log_group (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    document   TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (gid, type)
) WITHOUT ROWID;

-- Account-level policies (PutAccountPolicy): per account, region, type and
-- name, with the selection criteria that say which groups they reach.
CREATE TABLE account_policy (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    type       TEXT NOT NULL,
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    scope      TEXT NOT NULL,
    selection  TEXT,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, type, name)
) WITHOUT ROWID;
