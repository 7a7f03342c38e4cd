-- When an MFA code authenticated the session (GetSessionToken or AssumeRole
-- with SerialNumber and TokenCode), for aws:MultiFactorAuthPresent and
-- aws:MultiFactorAuthAge; 0 when none did.
ALTER TABLE sts_credential ADD COLUMN mfa_us INTEGER NOT NULL DEFAULT 0;
