-- Metric filters of a log group; metricTransformations as the JSON array given.
CREATE TABLE metric_filter (
    gid        INTEGER NOT NULL REFERENCES log_group (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    pattern    TEXT NOT NULL,
    transforms TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (gid, name)
) WITHOUT ROWID;
