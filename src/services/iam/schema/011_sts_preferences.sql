-- SetSecurityTokenServicePreferences: the version of the session tokens
-- STS's global endpoint issues for the account (1: v1Token, AWS's default;
-- 2: v2Token). No row: the default. GetAccountSummary reports it as
-- GlobalEndpointTokenVersion.
CREATE TABLE iam_sts_pref (
    account       TEXT PRIMARY KEY,
    token_version INTEGER NOT NULL
) WITHOUT ROWID;
