-- Connections (the authorization for HTTP targets) and API destinations (an
-- HTTP endpoint reached through a connection); targets keep HttpParameters.
-- auth is the connection's AuthParameters as given, secrets included: AWS
-- keeps them in a Secrets Manager secret (secret_arn), gureum keeps them here.
CREATE TABLE connection (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    arn           TEXT NOT NULL UNIQUE,
    secret_arn    TEXT NOT NULL,
    description   TEXT,
    auth_type     TEXT NOT NULL,
    auth          TEXT NOT NULL,
    state         TEXT NOT NULL,
    state_reason  TEXT,
    created_ms    INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL,
    authorized_ms INTEGER,
    token         TEXT,    -- OAuth: the access token last fetched
    token_exp_ms  INTEGER, -- and when it expires
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE api_destination (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    arn         TEXT NOT NULL UNIQUE,
    description TEXT,
    conn_arn    TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    method      TEXT NOT NULL,
    rate        INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

ALTER TABLE target ADD COLUMN http_params TEXT; -- HttpParameters as JSON
