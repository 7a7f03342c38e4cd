-- Virtual MFA devices, per account. serial is the device's ARN
-- (arn:aws:iam::ACCT:mfa{path}{name}), its serial number in every API.
-- seed is the TOTP secret (20 random bytes; clients get it in base32);
-- user is NULL until EnableMFADevice assigns the device. last_step is the
-- last TOTP time step (30 s) whose code was accepted: a code is good once.
CREATE TABLE iam_mfa (
    account    TEXT NOT NULL,
    serial     TEXT NOT NULL,
    path       TEXT NOT NULL,
    name       TEXT NOT NULL,
    seed       BLOB NOT NULL,
    user       TEXT,
    enabled_us INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, serial)
) WITHOUT ROWID;
