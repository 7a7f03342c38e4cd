-- Amazon CloudFront distributions, their invalidations and tags. CloudFront
-- is global: a distribution belongs to an account, not a region.
-- dist: config is the DistributionConfig as the client sent it (JSON of the
-- parsed value, returned as given); etag changes with every update; seq
-- orders ListDistributions; deployed_ms is when Status turns Deployed.
CREATE TABLE dist (
    id          TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    caller      TEXT NOT NULL,
    domain      TEXT NOT NULL UNIQUE,
    config      TEXT NOT NULL,
    etag        TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    deployed_ms INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    UNIQUE (account, caller)
);
-- inv: one invalidation batch; paths one per line; done_ms when Completed.
CREATE TABLE inv (
    id         TEXT PRIMARY KEY,
    dist_id    TEXT NOT NULL,
    caller     TEXT NOT NULL,
    paths      TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    done_ms    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    UNIQUE (dist_id, caller)
);
-- tag: a distribution's tags by its ARN.
CREATE TABLE tag (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
