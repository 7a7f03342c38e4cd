-- A bus's customer managed key, dead-letter queue and log configuration
-- (CreateEventBus / UpdateEventBus); global endpoints; partner event sources.
ALTER TABLE event_bus ADD COLUMN kms_key TEXT;
ALTER TABLE event_bus ADD COLUMN dlq_arn TEXT;     -- DeadLetterConfig.Arn
ALTER TABLE event_bus ADD COLUMN log_level TEXT;   -- LogConfig.Level
ALTER TABLE event_bus ADD COLUMN log_detail TEXT;  -- LogConfig.IncludeDetail

-- A global endpoint: two buses of one name in two regions; events sent to it
-- go to the primary (the endpoint's home region) and, replication enabled,
-- to the secondary too.
CREATE TABLE endpoint (
    account      TEXT NOT NULL,
    region       TEXT NOT NULL,             -- the home (primary) region
    name         TEXT NOT NULL,
    endpoint_id  TEXT NOT NULL UNIQUE,      -- "abcde12345.xyz"
    description  TEXT,
    health_check TEXT NOT NULL,             -- RoutingConfig.FailoverConfig.Primary.HealthCheck
    secondary    TEXT NOT NULL,             -- RoutingConfig.FailoverConfig.Secondary.Route
    replication  TEXT NOT NULL,             -- ReplicationConfig.State
    bus_arns     TEXT NOT NULL,             -- EventBuses' ARNs as a JSON array
    role_arn     TEXT,
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;

-- A partner event source: made by the partner's account (partner) for one
-- receiving account (account); a name may be given to several accounts.
-- state: PENDING until the receiving account makes the partner bus, ACTIVE
-- after, PENDING again when deactivated; DELETED once the partner deletes it
-- (the receiving account still sees it). A source PENDING for 14 days
-- counts as deleted (state_ms: when it last changed state).
CREATE TABLE partner_source (
    region     TEXT NOT NULL,
    name       TEXT NOT NULL,
    account    TEXT NOT NULL,
    partner    TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    state_ms   INTEGER NOT NULL,
    PRIMARY KEY (region, name, account)
) WITHOUT ROWID;
