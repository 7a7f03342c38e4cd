-- Lambda functions, per account and region ($LATEST configuration).
CREATE TABLE lambda_function (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    runtime       TEXT,
    handler       TEXT,
    role          TEXT NOT NULL,
    memory_mb     INTEGER NOT NULL DEFAULT 128,
    timeout_s     INTEGER NOT NULL DEFAULT 3,
    code_sha256   TEXT NOT NULL,
    code_size     INTEGER NOT NULL,
    last_modified INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
