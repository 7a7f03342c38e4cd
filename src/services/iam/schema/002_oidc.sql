-- OpenID Connect identity providers, per account. url is the provider's
-- URL without "https://" (as AWS answers it and names it in the ARN,
-- arn:aws:iam::ACCT:oidc-provider/URL); a trailing slash makes another
-- provider. Its client ids and thumbprints are rows of iam_oidc_item, in
-- the order they were added.
CREATE TABLE iam_oidc_provider (
    account    TEXT NOT NULL,
    url        TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, url)
) WITHOUT ROWID;

CREATE TABLE iam_oidc_item (
    account TEXT NOT NULL,
    url     TEXT NOT NULL,
    kind    TEXT NOT NULL, -- 'client' | 'thumbprint'
    value   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, url, kind, value)
) WITHOUT ROWID;
