-- Outbound web identity federation (EnableOutboundWebIdentityFederation):
-- per account, the id that names its token issuer (AWS's IssuerIdentifier
-- is https://ID.tokens.sts.global.api.aws; gureum's is
-- http://HOST:PORT/_gureum/sts/issuer/ID, see sts/outbound.c) and whether
-- GetWebIdentityToken is enabled. The id is made at the first Enable and
-- kept when the feature is disabled, so the tokens issued before stay
-- verifiable at the same issuer (AWS: disabling "does not affect tokens
-- that were issued before").
CREATE TABLE iam_outbound_federation (
    account    TEXT PRIMARY KEY,
    issuer_id  TEXT NOT NULL UNIQUE,
    enabled    INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
) WITHOUT ROWID;
