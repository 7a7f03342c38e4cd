-- EventBridge: event buses, rules and their targets, tags, per account and region.
-- The default bus is not stored: it exists in every account and region.
CREATE TABLE event_bus (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

CREATE TABLE rule (
    id           INTEGER PRIMARY KEY,
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,
    bus          TEXT NOT NULL,
    name         TEXT NOT NULL,
    pattern      TEXT,
    schedule     TEXT,
    state        TEXT NOT NULL,
    description  TEXT,
    role_arn     TEXT,
    created_ms   INTEGER NOT NULL,
    next_fire_ms INTEGER, -- schedule rules: when the scheduler fires next
    UNIQUE (account, region, bus, name)
);
CREATE INDEX rule_due ON rule (next_fire_ms) WHERE schedule IS NOT NULL;

CREATE TABLE target (
    rule_id     INTEGER NOT NULL REFERENCES rule (id) ON DELETE CASCADE,
    tid         TEXT NOT NULL,
    arn         TEXT NOT NULL,
    role_arn    TEXT,
    input       TEXT,
    input_path  TEXT,
    paths_map   TEXT, -- InputTransformer.InputPathsMap as JSON
    template    TEXT, -- InputTransformer.InputTemplate
    sqs_group   TEXT, -- SqsParameters.MessageGroupId
    pos         INTEGER NOT NULL,
    PRIMARY KEY (rule_id, tid)
) WITHOUT ROWID;

CREATE TABLE tag (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
