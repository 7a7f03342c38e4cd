"""test_ec2_vpc.py — EC2 networking end to end, Scenario F's EC2 part: the region's default VPC
as AWS makes it, WEB-VPC with four subnets in different zones, the WEB-IGW internet gateway
attached, route table WEB-IGW-VPC sending 0.0.0.0/0 to it and associated with ELB-SUBNET, Name
tags and filters; AWS's refusals (out-of-range and overlapping CIDRs, unknown ids, deleting what
still has dependencies), paging, and the AWS CLIs' output.
"""
import json

import pytest

from conftest import refused


def name_tag(name, kind):
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def test_default_vpc(ec2):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    v = vpcs[0]
    assert (v["CidrBlock"], v["IsDefault"], v["State"], v["InstanceTenancy"]) == ("172.31.0.0/16", True, "available",
                                                                                 "default")
    assert v["DhcpOptionsId"].startswith("dopt-") and v["OwnerId"] == "000000000000"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [v["VpcId"]]}])["Subnets"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(zones)
    s = next(s for s in subnets if s["CidrBlock"] == "172.31.0.0/20")
    assert s["DefaultForAz"] and s["MapPublicIpOnLaunch"] and s["AvailableIpAddressCount"] == 4091
    assert s["AvailabilityZoneId"].startswith("use1-az")
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [v["VpcId"]]}])
    igw_id = igw["InternetGateways"][0]["InternetGatewayId"]
    rt = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [v["VpcId"]]},
                                            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert [(r["DestinationCidrBlock"], r["GatewayId"]) for r in rt[0]["Routes"]] == [
        ("172.31.0.0/16", "local"), ("0.0.0.0/0", igw_id)]
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attrs[0]["AttributeValues"] == [{"AttributeValue": v["VpcId"]}]
    err, status = refused(ec2.create_default_vpc)
    assert (err["Code"], status) == ("DefaultVpcAlreadyExists", 400)


def test_vpc_lab(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=name_tag("WEB-VPC", "vpc"))["Vpc"]
    vid = vpc["VpcId"]
    assert vid.startswith("vpc-") and len(vid) == 21 and vpc["Tags"] == [{"Key": "Name", "Value": "WEB-VPC"}]
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    subnets = {}
    for name, cidr, zone in (("ELB-SUBNET", "10.0.2.0/24", "us-east-1a"), ("WEB-SUBNET", "10.0.1.0/24", "us-east-1a"),
                             ("RDS-MASTER-SUBNET", "10.0.100.0/24", "us-east-1b"),
                             ("RDS-SLAVE-SUBNET", "10.0.200.0/24", "us-east-1c")):
        s = ec2.create_subnet(VpcId=vid, CidrBlock=cidr, AvailabilityZone=zone,
                              TagSpecifications=name_tag(name, "subnet"))["Subnet"]
        assert (s["VpcId"], s["AvailabilityZone"], s["AvailableIpAddressCount"], s["DefaultForAz"]) == (vid, zone, 251,
                                                                                                        False)
        subnets[name] = s["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=name_tag("WEB-IGW", "internet-gateway"))["InternetGateway"]
    assert igw["Attachments"] == []
    ec2.attach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vid)
    rt = ec2.create_route_table(VpcId=vid, TagSpecifications=name_tag("WEB-IGW-VPC", "route-table"))["RouteTable"]
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["Origin"]) for r in rt["Routes"]] == [
        ("10.0.0.0/16", "local", "CreateRouteTable")]
    assert ec2.create_route(RouteTableId=rt["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                            GatewayId=igw["InternetGatewayId"])["Return"] is True
    assoc = ec2.associate_route_table(RouteTableId=rt["RouteTableId"], SubnetId=subnets["ELB-SUBNET"])
    assert assoc["AssociationId"].startswith("rtbassoc-") and assoc["AssociationState"] == {"State": "associated"}
    got = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id",
                                              "Values": [subnets["ELB-SUBNET"]]}])["RouteTables"]
    assert [t["RouteTableId"] for t in got] == [rt["RouteTableId"]]
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in got[0]["Routes"]] == [
        ("10.0.0.0/16", "local", "active"), ("0.0.0.0/0", igw["InternetGatewayId"], "active")]
    # Filters by tag and wildcard.
    named = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["RDS-*"]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in named) == ["10.0.100.0/24", "10.0.200.0/24"]
    gw = ec2.describe_internet_gateways(InternetGatewayIds=[igw["InternetGatewayId"]])["InternetGateways"][0]
    assert gw["Attachments"] == [{"State": "available", "VpcId": vid}]
    # Dependencies, in AWS's words.
    err, _ = refused(ec2.delete_vpc, VpcId=vid)
    assert err == {"Code": "DependencyViolation",
                   "Message": "The vpc '%s' has dependencies and cannot be deleted." % vid}
    err, _ = refused(ec2.delete_internet_gateway, InternetGatewayId=igw["InternetGatewayId"])
    assert err["Code"] == "DependencyViolation"
    err, _ = refused(ec2.delete_route_table, RouteTableId=rt["RouteTableId"])
    assert err["Code"] == "DependencyViolation"
    # Taking it all down in order works.
    ec2.disassociate_route_table(AssociationId=assoc["AssociationId"])
    ec2.delete_route_table(RouteTableId=rt["RouteTableId"])
    ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vid)
    ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    for sid in subnets.values():
        ec2.delete_subnet(SubnetId=sid)
    ec2.delete_vpc(VpcId=vid)
    err, _ = refused(ec2.describe_vpcs, VpcIds=[vid])
    assert err == {"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID '%s' does not exist" % vid}
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vid]}])["Tags"] == []


def test_cidr_refusals(ec2):
    err, _ = refused(ec2.create_vpc, CidrBlock="10.0.0.0/8")
    assert err == {"Code": "InvalidVpc.Range", "Message": "The CIDR '10.0.0.0/8' is invalid."}
    err, _ = refused(ec2.create_vpc, CidrBlock="10.0.0.0/33")
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == "Value (10.0.0.0/33) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    vid = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vid, CidrBlock="10.9.1.0/24")
    err, _ = refused(ec2.create_subnet, VpcId=vid, CidrBlock="10.9.1.128/25")
    assert err == {"Code": "InvalidSubnet.Conflict", "Message": "The CIDR '10.9.1.128/25' conflicts with another subnet"}
    err, _ = refused(ec2.create_subnet, VpcId=vid, CidrBlock="10.8.1.0/24")
    assert err == {"Code": "InvalidSubnet.Range", "Message": "The CIDR '10.8.1.0/24' is invalid."}
    err, _ = refused(ec2.create_subnet, VpcId=vid, CidrBlock="10.9.2.0/24", AvailabilityZone="us-east-1z")
    assert err["Code"] == "InvalidParameterValue" and "us-east-1a, us-east-1b" in err["Message"]
    err, _ = refused(ec2.create_subnet, VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.2.0/24")
    assert err["Code"] == "InvalidVpcID.NotFound"
    # A second block widens where subnets may go.
    assoc = ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.10.0.0/16")["CidrBlockAssociation"]
    ec2.create_subnet(VpcId=vid, CidrBlock="10.10.5.0/24")
    err, _ = refused(ec2.disassociate_vpc_cidr_block, AssociationId=assoc["AssociationId"])
    assert err["Code"] == "DependencyViolation"
    err, _ = refused(ec2.describe_vpcs, Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert err == {"Code": "InvalidParameterValue", "Message": "The filter 'no-such-filter' is invalid"}


def test_routes_and_tags(ec2):
    vid = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    err, _ = refused(ec2.create_route, RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert err["Code"] == "InvalidParameterValue" and "belong to different networks" in err["Message"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    err, _ = refused(ec2.attach_internet_gateway, InternetGatewayId=igw, VpcId=other)
    assert err == {"Code": "Resource.AlreadyAssociated",
                   "Message": "resource %s is already attached to network %s" % (igw, vid)}
    err, _ = refused(ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=other)
    assert err["Code"] == "Gateway.NotAttached"
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    err, _ = refused(ec2.create_route, RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert err == {"Code": "RouteAlreadyExists", "Message": "The route identified by 0.0.0.0/0 already exists."}
    ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
    err, _ = refused(ec2.delete_route, RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
    assert err["Code"] == "InvalidRoute.NotFound"
    err, _ = refused(ec2.delete_route_table, RouteTableId="rtb-0123456789abcdef0")
    assert err == {"Code": "InvalidRouteTableID.NotFound",
                   "Message": "The routeTable ID 'rtb-0123456789abcdef0' does not exist"}
    # Tags: CreateTags on several resources, DescribeTags filters, DeleteTags by key and value.
    ec2.create_tags(Resources=[vid, rt], Tags=[{"Key": "env", "Value": "lab"}, {"Key": "team", "Value": "a"}])
    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]},
                                      {"Name": "resource-id", "Values": [vid, rt]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Value"]) for t in tags) == sorted(
        [(vid, "vpc", "lab"), (rt, "route-table", "lab")])
    ec2.delete_tags(Resources=[vid], Tags=[{"Key": "env", "Value": "other"}, {"Key": "team"}])
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Tags"] == [{"Key": "env", "Value": "lab"}]
    err, _ = refused(ec2.create_tags, Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert err["Code"] == "InvalidVpcID.NotFound"
    err, _ = refused(ec2.create_tags, Resources=["nothing-1"], Tags=[{"Key": "k", "Value": "v"}])
    assert err == {"Code": "InvalidID", "Message": "The ID 'nothing-1' is not valid"}


def test_paging_and_attributes(ec2):
    vid = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    for i in range(7):
        ec2.create_subnet(VpcId=vid, CidrBlock="10.30.%d.0/24" % i)
    flt = [{"Name": "vpc-id", "Values": [vid]}]
    first = ec2.describe_subnets(Filters=flt, MaxResults=5)
    rest = ec2.describe_subnets(Filters=flt, MaxResults=5, NextToken=first["NextToken"])
    assert len(first["Subnets"]) == 5 and len(rest["Subnets"]) == 2 and "NextToken" not in rest
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {
        "Value": True}
    assert ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"] == {"Value": True}
    sid = first["Subnets"][0]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["MapPublicIpOnLaunch"] is True


def test_other_region_has_its_own_default_vpc(gureum):
    ec2 = gureum.client("ec2", region_name="eu-west-1")
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs if v["IsDefault"]] == ["172.31.0.0/16"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_default_subnets(gureum):
    # A region of its own: this test takes its default VPC apart.
    ec2 = gureum.client("ec2", region_name="us-west-2")
    vid = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    b = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": ["us-west-2b"]},
                                      {"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    assert b["CidrBlock"] == "172.31.16.0/20"
    err, status = refused(ec2.create_default_subnet, AvailabilityZone="us-west-2b")
    assert (err["Code"], status) == ("DefaultSubnetAlreadyExistsInAvailabilityZone", 400)
    err, _ = refused(ec2.create_default_subnet, AvailabilityZone="us-east-1a")
    assert err["Code"] == "InvalidParameterValue" and "us-west-2a, us-west-2b" in err["Message"]
    # Gone, then made again: the first /20 of 172.31.0.0/16 no subnet holds.
    ec2.delete_subnet(SubnetId=b["SubnetId"])
    s = ec2.create_default_subnet(AvailabilityZone="us-west-2b")["Subnet"]
    assert (s["VpcId"], s["CidrBlock"], s["AvailabilityZone"], s["DefaultForAz"], s["MapPublicIpOnLaunch"],
            s["AvailableIpAddressCount"]) == (vid, "172.31.16.0/20", "us-west-2b", True, True, 4091)
    assert s["SubnetId"] != b["SubnetId"] and s["AvailabilityZoneId"] == "usw2-az2"
    # Without the default VPC there is nowhere to make one.
    for sub in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=sub["SubnetId"])
    for g in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vid]}])[
            "InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=g["InternetGatewayId"], VpcId=vid)
        ec2.delete_internet_gateway(InternetGatewayId=g["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vid)
    err, _ = refused(ec2.create_default_subnet, AvailabilityZone="us-west-2a")
    assert err["Code"] == "DefaultVpcDoesNotExist"
    assert ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"][0][
        "AttributeValues"] == [{"AttributeValue": "none"}]
    new = ec2.create_default_vpc()["Vpc"]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [new]}])["Subnets"]
    assert sorted(x["CidrBlock"] for x in subnets) == ["172.31.%d.0/20" % (16 * k) for k in range(4)]


def test_blackhole_route(ec2):
    vid = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    def states():
        routes = ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Routes"]
        return [(r["GatewayId"], r["State"]) for r in routes]

    assert states() == [("local", "active"), (igw, "active")]
    # AWS: a route whose gateway is detached (or deleted) is a blackhole.
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    assert states() == [("local", "active"), (igw, "blackhole")]
    flt = [{"Name": "route.state", "Values": ["blackhole"]}, {"Name": "vpc-id", "Values": [vid]}]
    assert [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=flt)["RouteTables"]] == [rt]
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    assert states() == [("local", "active"), (igw, "blackhole")]


def test_dhcp_options(ec2):
    # The set every VPC of the region starts with: AWS's domain name for us-east-1 and its DNS.
    vid = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    first = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"]
    d = ec2.describe_dhcp_options(DhcpOptionsIds=[first])["DhcpOptions"][0]
    assert d["DhcpConfigurations"] == [
        {"Key": "domain-name", "Values": [{"Value": "ec2.internal"}]},
        {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]}]
    made = ec2.create_dhcp_options(
        DhcpConfigurations=[{"Key": "domain-name-servers", "Values": ["10.2.5.1", "10.2.5.2"]},
                            {"Key": "domain-name", "Values": ["lab.example"]}],
        TagSpecifications=name_tag("LAB-DHCP", "dhcp-options"))["DhcpOptions"]
    did = made["DhcpOptionsId"]
    assert did.startswith("dopt-") and made["Tags"] == [{"Key": "Name", "Value": "LAB-DHCP"}]
    assert made["DhcpConfigurations"] == [
        {"Key": "domain-name-servers", "Values": [{"Value": "10.2.5.1"}, {"Value": "10.2.5.2"}]},
        {"Key": "domain-name", "Values": [{"Value": "lab.example"}]}]
    found = ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["10.2.5.*"]}])["DhcpOptions"]
    assert [x["DhcpOptionsId"] for x in found] == [did]
    ec2.associate_dhcp_options(DhcpOptionsId=did, VpcId=vid)
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"] == did
    err, _ = refused(ec2.delete_dhcp_options, DhcpOptionsId=did)
    assert err["Code"] == "DependencyViolation"
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vid)
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"] == "default"
    ec2.delete_dhcp_options(DhcpOptionsId=did)
    err, _ = refused(ec2.describe_dhcp_options, DhcpOptionsIds=[did])
    assert err == {"Code": "InvalidDhcpOptionID.NotFound", "Message": "The dhcpOption ID '%s' does not exist" % did}
    err, _ = refused(ec2.create_dhcp_options, DhcpConfigurations=[{"Key": "no-such-key", "Values": ["x"]}])
    assert err["Code"] == "InvalidParameterValue"
    ec2.delete_vpc(VpcId=vid)


def test_cli(gureum, cli):
    p = gureum.aws("ec2", "create-vpc", "--cidr-block", "10.50.0.0/16", "--tag-specifications",
                   "ResourceType=vpc,Tags=[{Key=Name,Value=WEB-VPC}]", cli=cli)
    assert p.returncode == 0, p.stderr
    vid = json.loads(p.stdout)["Vpc"]["VpcId"]
    p = gureum.aws("ec2", "create-subnet", "--vpc-id", vid, "--cidr-block", "10.50.2.0/24", "--availability-zone",
                   "us-east-1b", "--query", "Subnet.[CidrBlock,AvailabilityZone]", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["10.50.2.0/24", "us-east-1b"]
    p = gureum.aws("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=WEB-VPC", "Name=vpc-id,Values=" + vid,
                   "--query", "Vpcs[].CidrBlock", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["10.50.0.0/16"]
    p = gureum.aws("ec2", "delete-vpc", "--vpc-id", vid, cli=cli)
    assert p.returncode != 0 and "DependencyViolation" in p.stderr


def test_dry_run(gureum, ec2):
    """AWS: DryRun checks the permission and answers DryRunOperation (412) instead of acting, or
    UnauthorizedOperation for a caller who may not."""
    before = len(ec2.describe_vpcs()["Vpcs"])
    err, status = refused(ec2.create_vpc, CidrBlock="10.60.0.0/16", DryRun=True)
    assert (err["Code"], status) == ("DryRunOperation", 412)
    assert err["Message"] == "Request would have succeeded, but DryRun flag is set."
    assert len(ec2.describe_vpcs()["Vpcs"]) == before
    iam = gureum.client("iam")
    iam.create_user(UserName="dry-runner")
    key = iam.create_access_key(UserName="dry-runner")["AccessKey"]
    other = gureum.client("ec2", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    err, _ = refused(other.create_vpc, CidrBlock="10.61.0.0/16", DryRun=True)
    assert err["Code"] == "UnauthorizedOperation"
