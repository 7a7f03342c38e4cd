-- The keys GetWebIdentityToken signs with (outbound.c): one per account and
-- algorithm (RS256: RSA 2048; ES384: EC P-384), made when first needed and
-- kept, so tokens stay verifiable after a restart. pem is the private key
-- (PKCS#8, unencrypted: the data directory is the server's own); kid is the
-- public key's RFC 7638 thumbprint, the kid of its JWK and of the tokens.
CREATE TABLE sts_signing_key (
    account    TEXT NOT NULL,
    alg        TEXT NOT NULL,
    kid        TEXT NOT NULL,
    pem        TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (account, alg)
) WITHOUT ROWID;
