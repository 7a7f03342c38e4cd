-- Lambda: provisioned concurrency configurations (one per published version
-- or alias: qualifier is a version number or an alias name), code signing
-- configurations (csc-ID, with their allowed signing profiles as a JSON
-- array) and which configuration each function uses.
CREATE TABLE lambda_provisioned (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    name      TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    requested INTEGER NOT NULL,
    modified  INTEGER NOT NULL, -- ms
    PRIMARY KEY (account, region, name, qualifier)
) WITHOUT ROWID;

CREATE TABLE lambda_csc (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL, -- csc- and 17 lowercase alphanumerics
    description TEXT NOT NULL DEFAULT '',
    profiles    TEXT NOT NULL, -- ["arn:aws:signer:…", …]
    policy      TEXT NOT NULL, -- Warn | Enforce
    modified    INTEGER NOT NULL, -- ms
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;

CREATE TABLE lambda_function_csc (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    csc_id  TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE INDEX lambda_function_csc_by_csc ON lambda_function_csc (account, region, csc_id, name);
