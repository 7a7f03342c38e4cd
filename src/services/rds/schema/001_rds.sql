-- Amazon RDS, per account and region. subnet_group: the DB subnet groups
-- (name kept lower-cased, as RDS keeps it); subnet_group_subnet: their
-- subnets with the zone each was in when the group last took it (EC2 owns
-- the subnet; RDS answers what it recorded, as a group's Subnets list does).
CREATE TABLE subnet_group (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    vpc_id      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE TABLE subnet_group_subnet (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    name      TEXT NOT NULL,
    subnet_id TEXT NOT NULL,
    zone      TEXT NOT NULL,
    PRIMARY KEY (account, region, name, subnet_id)
) WITHOUT ROWID;
-- Tags of any RDS resource, by ARN.
CREATE TABLE tag (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
