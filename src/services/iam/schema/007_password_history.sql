-- The hashes of a user's last console passwords (newest seq last), for the
-- account password policy's PasswordReusePrevention (at most 24 on AWS):
-- written whenever a login profile's password is set, kept 24 deep, gone
-- with the login profile.
CREATE TABLE iam_password_history (
    account TEXT NOT NULL,
    user    TEXT NOT NULL COLLATE NOCASE,
    seq     INTEGER NOT NULL,
    hash    TEXT NOT NULL,
    PRIMARY KEY (account, user, seq)
) WITHOUT ROWID;
