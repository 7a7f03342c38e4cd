"""test_rds.py — Amazon RDS DB subnet groups end to end, as Scenario F uses them: a group over two
subnets of a VPC in different availability zones, AWS's refusals (one zone only, subnets that do
not exist or are in two VPCs, a name taken), paging, tags by ARN, and the AWS CLIs' output. The
subnets are real EC2 subnets made through gureum's EC2 first, as RDS asks EC2 about them.
"""
import json

import pytest

from conftest import refused


@pytest.fixture(scope="module")
def lab(ec2):
    """Scenario F's VPC with its two RDS subnets (zones a and b) and a third in zone a."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    master = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.100.0/24", AvailabilityZone="us-east-1a")
    slave = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.200.0/24", AvailabilityZone="us-east-1b")
    web = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    far = ec2.create_subnet(VpcId=other, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1c")
    return {"vpc": vpc, "master": master["Subnet"]["SubnetId"], "slave": slave["Subnet"]["SubnetId"],
            "web": web["Subnet"]["SubnetId"], "far": far["Subnet"]["SubnetId"]}


def test_create_describe_delete(rds, lab):
    g = rds.create_db_subnet_group(DBSubnetGroupName="RDS-Subnet-Group", DBSubnetGroupDescription="lab",
                                   SubnetIds=[lab["master"], lab["slave"]],
                                   Tags=[{"Key": "Name", "Value": "rds"}])["DBSubnetGroup"]
    # AWS keeps the name lower-cased.
    assert g["DBSubnetGroupName"] == "rds-subnet-group"
    assert g["VpcId"] == lab["vpc"] and g["SubnetGroupStatus"] == "Complete"
    assert g["DBSubnetGroupArn"] == "arn:aws:rds:us-east-1:000000000000:subgrp:rds-subnet-group"
    assert sorted((s["SubnetIdentifier"], s["SubnetAvailabilityZone"]["Name"], s["SubnetStatus"])
                  for s in g["Subnets"]) == sorted([(lab["master"], "us-east-1a", "Active"),
                                                    (lab["slave"], "us-east-1b", "Active")])
    got = rds.describe_db_subnet_groups(DBSubnetGroupName="rds-SUBNET-group")["DBSubnetGroups"]
    assert got == [g]
    tags = rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"]
    assert tags == [{"Key": "Name", "Value": "rds"}]
    rds.delete_db_subnet_group(DBSubnetGroupName="rds-subnet-group")
    err, status = refused(rds.describe_db_subnet_groups, DBSubnetGroupName="rds-subnet-group")
    assert (err["Code"], status) == ("DBSubnetGroupNotFoundFault", 404)
    assert err["Message"] == "DB subnet group 'rds-subnet-group' does not exist."
    err, status = refused(rds.delete_db_subnet_group, DBSubnetGroupName="rds-subnet-group")
    assert (err["Code"], status) == ("DBSubnetGroupNotFoundFault", 404)


def test_refusals(rds, lab):
    # AWS (recorded): a group must cover two availability zones.
    err, status = refused(rds.create_db_subnet_group, DBSubnetGroupName="one-zone", DBSubnetGroupDescription="d",
                          SubnetIds=[lab["master"], lab["web"]])
    assert (err["Code"], status) == ("DBSubnetGroupDoesNotCoverEnoughAZs", 400)
    assert err["Message"] == ("The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
                              "Current AZ coverage: us-east-1a. Add subnets to cover at least 2 AZs.")
    err, status = refused(rds.create_db_subnet_group, DBSubnetGroupName="ghost", DBSubnetGroupDescription="d",
                          SubnetIds=[lab["master"], "subnet-0123456789abcdef0"])
    assert (err["Code"], status) == ("InvalidParameterValue", 400)
    assert err["Message"] == "Some input subnets in :[subnet-0123456789abcdef0] are invalid."
    err, status = refused(rds.create_db_subnet_group, DBSubnetGroupName="two-vpcs", DBSubnetGroupDescription="d",
                          SubnetIds=[lab["master"], lab["far"]])
    assert (err["Code"], status) == ("InvalidSubnet", 400)
    err, _ = refused(rds.create_db_subnet_group, DBSubnetGroupName="bad/name", DBSubnetGroupDescription="d",
                     SubnetIds=[lab["master"], lab["slave"]])
    assert err["Code"] == "InvalidParameterValue"
    # Nothing was made by the refusals.
    assert [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
            if g["DBSubnetGroupName"] in ("one-zone", "ghost", "two-vpcs")] == []
    rds.create_db_subnet_group(DBSubnetGroupName="taken", DBSubnetGroupDescription="d",
                               SubnetIds=[lab["master"], lab["slave"]])
    err, status = refused(rds.create_db_subnet_group, DBSubnetGroupName="TAKEN", DBSubnetGroupDescription="d",
                          SubnetIds=[lab["master"], lab["slave"]])
    assert (err, status) == ({"Code": "DBSubnetGroupAlreadyExists", "Type": "Sender",
                              "Message": "The DB subnet group 'taken' already exists."}, 400)
    rds.delete_db_subnet_group(DBSubnetGroupName="taken")


def test_modify_and_tags(rds, lab):
    arn = rds.create_db_subnet_group(DBSubnetGroupName="mod", DBSubnetGroupDescription="before",
                                     SubnetIds=[lab["master"], lab["slave"]])["DBSubnetGroup"]["DBSubnetGroupArn"]
    g = rds.modify_db_subnet_group(DBSubnetGroupName="mod", SubnetIds=[lab["web"], lab["slave"]])["DBSubnetGroup"]
    assert g["DBSubnetGroupDescription"] == "before"
    assert sorted(s["SubnetIdentifier"] for s in g["Subnets"]) == sorted([lab["web"], lab["slave"]])
    err, _ = refused(rds.modify_db_subnet_group, DBSubnetGroupName="mod", SubnetIds=[lab["web"]])
    assert err["Code"] == "DBSubnetGroupDoesNotCoverEnoughAZs"
    g = rds.modify_db_subnet_group(DBSubnetGroupName="mod", DBSubnetGroupDescription="after",
                                   SubnetIds=[lab["web"], lab["slave"]])["DBSubnetGroup"]
    assert g["DBSubnetGroupDescription"] == "after"
    err, status = refused(rds.modify_db_subnet_group, DBSubnetGroupName="nope", SubnetIds=[lab["web"]])
    assert (err["Code"], status) == ("DBSubnetGroupNotFoundFault", 404)
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "a", "Value": "3"}])
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["b"])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "a", "Value": "3"}]
    err, _ = refused(rds.list_tags_for_resource, ResourceName="arn:aws:rds:eu-west-1:000000000000:subgrp:mod")
    assert err == {"Code": "InvalidParameterValue", "Type": "Sender",
                   "Message": "The specified resource name does not match an RDS resource in this region."}
    rds.delete_db_subnet_group(DBSubnetGroupName="mod")
    # The group's tags went with it: a new group of the same name starts untagged.
    rds.create_db_subnet_group(DBSubnetGroupName="mod", DBSubnetGroupDescription="again",
                               SubnetIds=[lab["master"], lab["slave"]])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == []
    rds.delete_db_subnet_group(DBSubnetGroupName="mod")


def test_paging(rds, lab):
    names = ["page-%02d" % i for i in range(23)]
    for n in names:
        rds.create_db_subnet_group(DBSubnetGroupName=n, DBSubnetGroupDescription="p",
                                   SubnetIds=[lab["master"], lab["slave"]])
    first = rds.describe_db_subnet_groups(MaxRecords=20)
    assert len(first["DBSubnetGroups"]) == 20 and first["Marker"]
    rest = rds.describe_db_subnet_groups(MaxRecords=20, Marker=first["Marker"])
    assert "Marker" not in rest
    seen = [g["DBSubnetGroupName"] for g in first["DBSubnetGroups"] + rest["DBSubnetGroups"]]
    assert [s for s in seen if s.startswith("page-")] == names
    err, _ = refused(rds.describe_db_subnet_groups, MaxRecords=5)
    assert err["Code"] == "InvalidParameterValue"
    for n in names:
        rds.delete_db_subnet_group(DBSubnetGroupName=n)


def test_cli(gureum, lab, cli):
    name = "cli-%d" % (abs(hash(cli)) % 10000)
    p = gureum.aws("rds", "create-db-subnet-group", "--db-subnet-group-name", name, "--db-subnet-group-description",
                   "RDS subnets", "--subnet-ids", lab["master"], lab["slave"], cli=cli)
    assert p.returncode == 0, p.stderr
    g = json.loads(p.stdout)["DBSubnetGroup"]
    assert g["DBSubnetGroupName"] == name and g["SupportedNetworkTypes"] == ["IPV4"]
    p = gureum.aws("rds", "describe-db-subnet-groups", "--db-subnet-group-name", name, "--query",
                   "DBSubnetGroups[0].Subnets[].SubnetAvailabilityZone.Name", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.split()) == ["us-east-1a", "us-east-1b"]
    p = gureum.aws("rds", "create-db-subnet-group", "--db-subnet-group-name", name + "-x",
                   "--db-subnet-group-description", "d", "--subnet-ids", lab["master"], cli=cli)
    assert p.returncode != 0 and "DBSubnetGroupDoesNotCoverEnoughAZs" in p.stderr
    p = gureum.aws("rds", "delete-db-subnet-group", "--db-subnet-group-name", name, cli=cli)
    assert p.returncode == 0, p.stderr


def test_subnets_made_without_a_zone(ec2, rds):
    """EC2 spreads subnets made without a zone over the region's zones, so two of them make a
    valid group; the group answers its subnets in the order the request named them."""
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.2.0/24")["Subnet"]
    assert a["AvailabilityZone"] != b["AvailabilityZone"]
    g = rds.create_db_subnet_group(DBSubnetGroupName="spread", DBSubnetGroupDescription="d",
                                   SubnetIds=[b["SubnetId"], a["SubnetId"]])["DBSubnetGroup"]
    assert [s["SubnetIdentifier"] for s in g["Subnets"]] == [b["SubnetId"], a["SubnetId"]]
    rds.delete_db_subnet_group(DBSubnetGroupName="spread")
