-- STS temporary credentials (AssumeRole, GetSessionToken), looked up by key
-- id on every request they sign. The principal is stored whole as issued:
-- later changes to the user or role do not rename a session, as on AWS.
-- Expired rows stay a while so their use is answered ExpiredToken, not
-- InvalidClientTokenId; issuing new credentials purges the long-expired.
CREATE TABLE sts_credential (
    key_id         TEXT PRIMARY KEY,
    secret         TEXT NOT NULL,
    token          TEXT NOT NULL,
    account        TEXT NOT NULL,
    arn            TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    user_name      TEXT NOT NULL DEFAULT '',
    root           INTEGER NOT NULL DEFAULT 0,
    session_policy TEXT,
    kind           TEXT NOT NULL,  -- 'AssumeRole' | 'GetSessionToken'
    created_us     INTEGER NOT NULL,
    expires_us     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sts_credential_expiry ON sts_credential (expires_us);
