-- The SMS sandbox's destination numbers per account and region: Pending with
-- the one-time password sent to the number (the SMS outbox shows it), then
-- Verified once VerifySMSSandboxPhoneNumber presents it.
CREATE TABLE sms_sandbox (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    phone      TEXT NOT NULL,
    status     TEXT NOT NULL,
    otp        TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, phone)
) WITHOUT ROWID;
