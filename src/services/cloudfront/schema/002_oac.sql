-- CloudFront origin access controls: config is the OriginAccessControlConfig
-- as sent (JSON); names are unique in an account; seq orders the listing.
CREATE TABLE oac (
    id      TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    name    TEXT NOT NULL,
    config  TEXT NOT NULL,
    etag    TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    UNIQUE (account, name)
);
