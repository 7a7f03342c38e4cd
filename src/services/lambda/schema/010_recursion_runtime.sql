-- Settings AWS keeps beside a function's configuration (settings.c): its
-- recursive loop detection (one per function; no row: Terminate) and the
-- runtime management of each version ($LATEST or a number; no row: Auto).
CREATE TABLE lambda_recursion (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    recursive_loop TEXT NOT NULL, -- Allow | Terminate
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE lambda_runtime_mgmt (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL, -- $LATEST or a published version's number
    update_on   TEXT NOT NULL, -- Auto | FunctionUpdate | Manual
    version_arn TEXT NOT NULL DEFAULT '', -- Manual's runtime version ARN
    PRIMARY KEY (account, region, name, version)
) WITHOUT ROWID;
