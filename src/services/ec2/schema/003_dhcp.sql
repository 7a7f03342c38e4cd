-- DHCP options sets: the one each region's VPCs start with (made with the
-- region's default VPC: a trigger on region_init, the domain name AWS gives
-- the region and AmazonProvidedDNS) and those CreateDhcpOptions makes; a
-- set's keys and values are kept in the order given.
CREATE TABLE dopt (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    id      TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)
) WITHOUT ROWID;
CREATE TABLE dopt_conf (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    dopt_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (account, region, dopt_id, seq)
) WITHOUT ROWID;
-- AWS: "domain-name: ec2.internal in us-east-1, region.compute.internal
-- elsewhere; domain-name-servers: AmazonProvidedDNS" (Amazon VPC User
-- Guide, "DHCP option sets").
CREATE TRIGGER region_init_dopt AFTER INSERT ON region_init BEGIN
    INSERT INTO dopt (account, region, id, seq) VALUES (NEW.account, NEW.region, NEW.dhcp_id, 0);
    INSERT INTO dopt_conf (account, region, dopt_id, seq, key, value) VALUES
        (NEW.account, NEW.region, NEW.dhcp_id, 0, 'domain-name',
         CASE NEW.region WHEN 'us-east-1' THEN 'ec2.internal' ELSE NEW.region || '.compute.internal' END),
        (NEW.account, NEW.region, NEW.dhcp_id, 1, 'domain-name-servers', 'AmazonProvidedDNS');
END;
-- The regions already made before this schema.
INSERT INTO dopt (account, region, id, seq) SELECT account, region, dhcp_id, 0 FROM region_init;
INSERT INTO dopt_conf (account, region, dopt_id, seq, key, value)
    SELECT account, region, dhcp_id, 0, 'domain-name',
           CASE region WHEN 'us-east-1' THEN 'ec2.internal' ELSE region || '.compute.internal' END FROM region_init;
INSERT INTO dopt_conf (account, region, dopt_id, seq, key, value)
    SELECT account, region, dhcp_id, 1, 'domain-name-servers', 'AmazonProvidedDNS' FROM region_init;
