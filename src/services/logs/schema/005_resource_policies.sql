-- The account's (per region) resource policies: who else may write its groups.
CREATE TABLE resource_policy (
    id         INTEGER PRIMARY KEY, -- the order DescribeResourcePolicies lists them in
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE (account, region, name)
);
