-- Lambda: published versions (frozen copies of $LATEST's code and
-- configuration) and aliases (a name for a version, optionally weighted
-- towards a second one).
CREATE TABLE lambda_version (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    runtime       TEXT NOT NULL,
    handler       TEXT NOT NULL,
    role          TEXT NOT NULL,
    memory_mb     INTEGER NOT NULL,
    timeout_s     INTEGER NOT NULL,
    code_sha256   TEXT NOT NULL,
    code_size     INTEGER NOT NULL,
    code_id       TEXT NOT NULL,
    description   TEXT NOT NULL,
    env_json      TEXT NOT NULL,
    dlq_arn       TEXT NOT NULL,
    ephemeral_mb  INTEGER NOT NULL,
    revision      TEXT NOT NULL,
    from_revision TEXT NOT NULL, -- $LATEST's revision when published
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (account, region, name, version)
) WITHOUT ROWID;

CREATE TABLE lambda_alias (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    name         TEXT NOT NULL,
    alias        TEXT NOT NULL,
    version      TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    weights_json TEXT NOT NULL DEFAULT '', -- {"2": 0.1}
    revision     TEXT NOT NULL,
    PRIMARY KEY (account, region, name, alias)
) WITHOUT ROWID;
