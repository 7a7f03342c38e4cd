-- Security groups, their rules, network ACLs, key pairs and Elastic IPs, per
-- account and region (sg.c, nacl.c, keypair.c, address.c).
-- Security groups; is_default marks a VPC's "default" group.
CREATE TABLE sg (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    vpc_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    is_default  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX sg_by_name ON sg (account, region, vpc_id, name);
-- One rule per source: exactly one of cidr, cidr6, ref_group, prefix_list.
-- proto is "-1", "tcp", "udp", "icmp", "icmpv6" or a protocol number;
-- from_port/to_port -1 where AWS leaves them out.
CREATE TABLE sg_rule (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    egress      INTEGER NOT NULL,
    proto       TEXT NOT NULL,
    from_port   INTEGER NOT NULL,
    to_port     INTEGER NOT NULL,
    cidr        TEXT,
    cidr6       TEXT,
    ref_group   TEXT,
    prefix_list TEXT,
    description TEXT,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE INDEX sg_rule_by_group ON sg_rule (account, region, group_id, seq);
-- Key pairs: public is the OpenSSH public key line.
CREATE TABLE keypair (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public      TEXT NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
-- Elastic IPs; assoc_id/instance_id/eni_id set while associated.
CREATE TABLE address (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    id          TEXT NOT NULL,
    public_ip   TEXT NOT NULL,
    assoc_id    TEXT,
    instance_id TEXT,
    eni_id      TEXT,
    private_ip  TEXT,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX address_by_ip ON address (public_ip);
-- Network ACLs; is_default marks the VPC's default one.
CREATE TABLE nacl (
    account    TEXT NOT NULL,
    region     TEXT NOT NULL,
    id         TEXT NOT NULL,
    vpc_id     TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
-- Entries: proto a protocol number ("-1" all); from/to the port range or
-- the ICMP type/code (NULL when not given); number 32767 is the closing
-- "*" deny rule every ACL has.
CREATE TABLE nacl_entry (
    account  TEXT NOT NULL,
    region   TEXT NOT NULL,
    acl_id   TEXT NOT NULL,
    egress   INTEGER NOT NULL,
    number   INTEGER NOT NULL,
    proto    TEXT NOT NULL,
    action   TEXT NOT NULL,
    cidr     TEXT,
    cidr6    TEXT,
    from_val INTEGER,
    to_val   INTEGER,
    PRIMARY KEY (account, region, acl_id, egress, number)
) WITHOUT ROWID;
-- Every subnet is associated with exactly one ACL of its VPC.
CREATE TABLE nacl_assoc (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    id        TEXT NOT NULL,
    acl_id    TEXT NOT NULL,
    subnet_id TEXT NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX nacl_assoc_by_subnet ON nacl_assoc (account, region, subnet_id);
