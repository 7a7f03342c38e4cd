-- Lambda layers: versions of a zip extracted under /opt for the functions
-- that name them; a function keeps its layers as JSON [{"Arn","CodeSize","CodeId"}].
CREATE TABLE lambda_layer (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    code_id     TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    code_size   INTEGER NOT NULL,
    runtimes    TEXT NOT NULL DEFAULT '', -- JSON array
    license     TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name, version)
) WITHOUT ROWID;
ALTER TABLE lambda_function ADD COLUMN layers TEXT NOT NULL DEFAULT '';
