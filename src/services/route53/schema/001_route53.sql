-- Amazon Route 53 hosted zones and their record sets. Route 53 is global:
-- zones belong to an account, not a region.
-- zone: name is absolute, lower-cased, with its final dot; seq orders zones
-- by creation (the DNS server prefers the oldest of two equal names).
CREATE TABLE zone (
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    name      TEXT NOT NULL,
    caller    TEXT NOT NULL,
    comment   TEXT,
    private   INTEGER NOT NULL,
    vpc_id    TEXT,
    vpc_region TEXT,
    seq       INTEGER NOT NULL,
    UNIQUE (account, caller)
);
CREATE INDEX zone_by_name ON zone (name, seq);
-- rrset: one record set; name as the zone's (absolute, lower-case, final
-- dot, '*' kept as '*'); rkey: the name's labels reversed, for AWS's listing
-- order; set_id '' for a set without SetIdentifier; vals: the values, one
-- per line; alias_*: an alias record's target.
CREATE TABLE rrset (
    zone_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    rkey       TEXT NOT NULL,
    type       TEXT NOT NULL,
    set_id     TEXT NOT NULL,
    ttl        INTEGER,
    vals       TEXT,
    weight     INTEGER,
    failover   TEXT,
    multivalue INTEGER,
    region     TEXT,
    health_id  TEXT,
    alias_zone TEXT,
    alias_name TEXT,
    alias_eval INTEGER,
    PRIMARY KEY (zone_id, rkey, type, set_id)
) WITHOUT ROWID;
CREATE INDEX rrset_by_name ON rrset (name, type);
-- change: a ChangeResourceRecordSets (or zone creation/deletion), for GetChange.
CREATE TABLE change (
    id           TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    comment      TEXT
);
