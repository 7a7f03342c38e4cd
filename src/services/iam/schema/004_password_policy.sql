-- The account password policy (UpdateAccountPasswordPolicy); no row: none.
-- Every column holds what the request gave or AWS's default for it.
CREATE TABLE iam_password_policy (
    account        TEXT PRIMARY KEY,
    min_length     INTEGER NOT NULL,
    symbols        INTEGER NOT NULL,
    numbers        INTEGER NOT NULL,
    uppercase      INTEGER NOT NULL,
    lowercase      INTEGER NOT NULL,
    allow_change   INTEGER NOT NULL,
    max_age        INTEGER,
    reuse          INTEGER,
    hard_expiry    INTEGER
) WITHOUT ROWID;
