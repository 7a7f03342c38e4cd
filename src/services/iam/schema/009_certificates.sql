-- X.509 certificates IAM keeps (cert.c): users' signing certificates (at
-- most two per user; user '' is the root user's) and server certificates
-- (for load balancers), each stored as the PEM text the client uploaded.
CREATE TABLE iam_signing_cert (
    account     TEXT NOT NULL,
    id          TEXT NOT NULL,
    user        TEXT NOT NULL COLLATE NOCASE,
    body        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    uploaded_us INTEGER NOT NULL,
    PRIMARY KEY (account, id)
); -- with a rowid: a user's certificates list in upload order
CREATE INDEX iam_signing_cert_user ON iam_signing_cert (account, user);

CREATE TABLE iam_server_cert (
    account     TEXT NOT NULL,
    name        TEXT NOT NULL COLLATE NOCASE,
    path        TEXT NOT NULL,
    id          TEXT NOT NULL,
    body        TEXT NOT NULL,
    chain       TEXT,
    uploaded_us INTEGER NOT NULL,
    expires_us  INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
