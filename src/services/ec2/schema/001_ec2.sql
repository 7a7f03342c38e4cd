-- Amazon EC2's networking resources, per account and region.
-- region_init: the regions whose default VPC exists (made on first use, as
-- every AWS account has one in each region), and the DHCP options set every
-- VPC of the region starts with.
CREATE TABLE region_init (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    dhcp_id TEXT NOT NULL,
    PRIMARY KEY (account, region)
) WITHOUT ROWID;
CREATE TABLE vpc (
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    id            TEXT NOT NULL,
    cidr          TEXT NOT NULL, -- the primary IPv4 block
    is_default    INTEGER NOT NULL,
    tenancy       TEXT NOT NULL,
    dhcp_id       TEXT NOT NULL,
    dns_support   INTEGER NOT NULL,
    dns_hostnames INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
-- Every IPv4 block of a VPC, the primary one included, in association order.
CREATE TABLE vpc_cidr (
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    assoc_id TEXT NOT NULL,
    vpc_id   TEXT NOT NULL,
    cidr     TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (account, region, assoc_id)
) WITHOUT ROWID;
CREATE INDEX vpc_cidr_by_vpc ON vpc_cidr (account, region, vpc_id, seq);
CREATE TABLE subnet (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    id             TEXT NOT NULL,
    vpc_id         TEXT NOT NULL,
    cidr           TEXT NOT NULL,
    zone           TEXT NOT NULL,
    default_for_az INTEGER NOT NULL,
    map_public     INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE INDEX subnet_by_vpc ON subnet (account, region, vpc_id);
-- Internet gateways; vpc_id is the attached VPC or NULL.
CREATE TABLE igw (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    vpc_id  TEXT,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE TABLE rtb (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    vpc_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
-- Routes: target is a gateway id or "local"; origin CreateRouteTable (the
-- local routes and the default VPC's) or CreateRoute.
CREATE TABLE route (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    rtb_id  TEXT NOT NULL,
    dest    TEXT NOT NULL,
    target  TEXT NOT NULL,
    origin  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, rtb_id, dest)
) WITHOUT ROWID;
-- Route table associations: a subnet's (subnet_id set) or the VPC's main one
-- (main = 1, subnet_id NULL).
CREATE TABLE rtb_assoc (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    id        TEXT NOT NULL,
    rtb_id    TEXT NOT NULL,
    vpc_id    TEXT NOT NULL,
    subnet_id TEXT,
    main      INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX rtb_assoc_by_subnet ON rtb_assoc (account, region, subnet_id) WHERE subnet_id IS NOT NULL;
-- Tags of every EC2 resource, by resource id, in the order first set.
CREATE TABLE tag (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    res_id  TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, res_id, key)
) WITHOUT ROWID;
