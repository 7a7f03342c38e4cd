-- Route 53 health checks (healthcheck.c). Config members are columns; the
-- checker (route53_tick) writes status/checked_ms/streak after each probe.
-- status: the last observation as GetHealthCheckStatus reports it
-- ("Success: ..." / "Failure: ..."); healthy: after FailureThreshold equal
-- results in a row (streak counts them), as AWS decides.
CREATE TABLE healthcheck (
    id         TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    caller     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    type       TEXT NOT NULL,
    ip         TEXT,
    port       INTEGER,
    path       TEXT,
    fqdn       TEXT,
    search     TEXT,
    interval_s INTEGER NOT NULL,
    threshold  INTEGER NOT NULL,
    inverted   INTEGER NOT NULL,
    disabled   INTEGER NOT NULL,
    latency    INTEGER NOT NULL,
    sni        INTEGER,
    children   TEXT,
    child_min  INTEGER,
    status     TEXT,
    checked_ms INTEGER,
    next_ms    INTEGER NOT NULL,
    healthy    INTEGER NOT NULL,
    streak     INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    UNIQUE (account, caller)
);
