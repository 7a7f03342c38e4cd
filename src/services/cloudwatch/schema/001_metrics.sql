-- CloudWatch metrics, dashboards and tags, per account and region.
-- metric: one row per (namespace, name, dimension set); dims is the canonical
-- form of the dimension set (sorted by name, "Name=Value" lines joined by
-- "\n"), so equal sets compare equal; last_ms is the newest data point's
-- arrival (ListMetrics RecentlyActive PT3H).
CREATE TABLE metric (
    id        INTEGER PRIMARY KEY,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name      TEXT NOT NULL,
    dims      TEXT NOT NULL,
    ndims     INTEGER NOT NULL,
    last_ms   INTEGER NOT NULL,
    UNIQUE (account, region, namespace, name, dims)
);
CREATE INDEX metric_by_name ON metric (account, region, name);
-- The dimensions again, one row each, for ListMetrics' Dimensions filter.
CREATE TABLE metric_dim (
    mid   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (mid, name)
) WITHOUT ROWID;
CREATE INDEX metric_dim_by_name ON metric_dim (name, value);
-- Aggregated data points: one row per metric, unit, resolution (seconds per
-- bucket: 1, 60, 300, 3600) and bucket start (ts_ms, a multiple of res).
-- raw: the bucket's values for percentiles, as sorted (value, count) pairs
-- of little-endian doubles, bounded in size (metrics.c merges the closest
-- pairs beyond the bound); raw_n: the count those pairs stand for, which is
-- less than n when statistic sets were published (no percentiles then).
CREATE TABLE point (
    mid    INTEGER NOT NULL,
    unit   TEXT NOT NULL,
    res    INTEGER NOT NULL,
    ts_ms  INTEGER NOT NULL,
    n      REAL NOT NULL,
    sum    REAL NOT NULL,
    min    REAL NOT NULL,
    max    REAL NOT NULL,
    raw    BLOB,
    raw_n  REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (mid, res, ts_ms, unit)
) WITHOUT ROWID;
CREATE INDEX point_by_age ON point (res, ts_ms);
-- Dashboards belong to the account, not a region (their ARN has none).
CREATE TABLE dashboard (
    account     TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
-- Tags of any CloudWatch resource by its ARN (dashboards; alarms later).
CREATE TABLE tag (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
