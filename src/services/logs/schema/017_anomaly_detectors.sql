-- Log anomaly detectors (CreateLogAnomalyDetector) and the patterns each has
-- seen in its group's events (anomaly.c): a pattern first seen after the
-- detector's training is an anomaly (anomaly_id set).
CREATE TABLE anomaly_detector (
    id              INTEGER PRIMARY KEY,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,    -- the UUID that ends the ARN
    detector_name   TEXT,
    grp             TEXT NOT NULL,    -- the watched group's name
    group_arn       TEXT NOT NULL,    -- as the request gave it
    frequency       TEXT NOT NULL,
    filter          TEXT,
    kms_key         TEXT,
    visibility_days INTEGER NOT NULL,
    enabled         INTEGER NOT NULL,
    tags            TEXT NOT NULL,    -- a JSON object
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    trained_ms      INTEGER NOT NULL, -- the end of its training period
    UNIQUE (account, region, name)
);
CREATE INDEX anomaly_detector_by_group ON anomaly_detector (account, region, grp);

CREATE TABLE anomaly_pattern (
    id          INTEGER PRIMARY KEY,
    did         INTEGER NOT NULL REFERENCES anomaly_detector (id) ON DELETE CASCADE,
    pattern     TEXT NOT NULL,
    pattern_id  TEXT NOT NULL,     -- hex MD5 of the pattern
    count       INTEGER NOT NULL,
    anomaly_id  TEXT,              -- NULL: learned while training (baseline)
    first_ms    INTEGER NOT NULL,  -- evaluation periods (their start) of the first and last sighting
    last_ms     INTEGER NOT NULL,
    histogram   TEXT NOT NULL,     -- a JSON object: period start -> events
    samples     TEXT NOT NULL,     -- a JSON array of {timestamp, message}
    enums       TEXT NOT NULL,     -- a JSON array, per dynamic token an object: value -> count
    baseline    INTEGER NOT NULL DEFAULT 0, -- UpdateAnomaly baseline=true
    sup_ms      INTEGER,           -- the anomaly suppressed at, until (0: INFINITE)
    sup_until   INTEGER,
    psup_ms     INTEGER,           -- the pattern suppressed at, until (0: INFINITE)
    psup_until  INTEGER,
    UNIQUE (did, pattern)
);
CREATE INDEX anomaly_pattern_by_id ON anomaly_pattern (did, pattern_id);
