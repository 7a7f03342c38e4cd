-- SAML identity providers (saml.c), users' SSH public keys (ssh.c) and
-- service-specific credentials (ssc.c), per account.
-- A SAML provider keeps its metadata document as uploaded; valid_until_us
-- is the document's validUntil (or AWS's default when it has none).
CREATE TABLE iam_saml_provider (
    account        TEXT NOT NULL,
    name           TEXT NOT NULL,
    metadata       TEXT NOT NULL,
    valid_until_us INTEGER NOT NULL,
    created_us     INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;

-- An SSH public key as uploaded (body, in OpenSSH's one-line form or PEM)
-- and its key blob's MD5 fingerprint; listed in upload order.
CREATE TABLE iam_ssh_key (
    account     TEXT NOT NULL,
    id          TEXT NOT NULL,
    user        TEXT NOT NULL COLLATE NOCASE,
    body        TEXT NOT NULL,
    blob        TEXT NOT NULL, -- base64
    fingerprint TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    uploaded_us INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX iam_ssh_key_user ON iam_ssh_key (account, user);

-- A service-specific credential: the password is answered once (create,
-- reset) and kept only as a salted hash.
CREATE TABLE iam_service_cred (
    account     TEXT NOT NULL,
    id          TEXT NOT NULL,
    user        TEXT NOT NULL COLLATE NOCASE,
    service     TEXT NOT NULL,
    pw_hash     TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_us  INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX iam_service_cred_user ON iam_service_cred (account, user);
