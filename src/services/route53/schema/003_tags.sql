-- Tags of hosted zones and health checks (rtype "hostedzone" or
-- "healthcheck", rid the bare id), in the order first set.
CREATE TABLE tag (
    rtype TEXT NOT NULL,
    rid   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (rtype, rid, key)
) WITHOUT ROWID;
