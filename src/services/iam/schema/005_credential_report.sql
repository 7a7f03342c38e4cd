-- The account's latest credential report (GenerateCredentialReport): the
-- CSV as generated, kept until the next generation.
CREATE TABLE iam_credential_report (
    account      TEXT PRIMARY KEY,
    generated_us INTEGER NOT NULL,
    content      TEXT NOT NULL
) WITHOUT ROWID;
