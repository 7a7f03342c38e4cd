"""test_ec2_sg.py — EC2 security groups end to end, Scenario F's WEB-SG: each VPC's "default"
group as AWS makes it (self-referencing ingress, all egress, not deletable), a new group's default
egress rule, SSH allowed only from ELB-SUBNET's 10.0.2.0/24 (both the IpPermissions and the legacy
flat form), the rules' sgr- ids, filters, revoking, group references and AWS's refusals; the AWS
CLIs' output.
"""
import json

import pytest

from conftest import refused


@pytest.fixture(scope="module")
def vpc(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}


def test_default_groups(ec2, vpc):
    gs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    assert len(gs) == 1
    g = gs[0]
    assert (g["GroupName"], g["Description"], g["OwnerId"]) == ("default", "default VPC security group",
                                                                "000000000000")
    assert g["IpPermissions"] == [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                   "UserIdGroupPairs": [{"GroupId": g["GroupId"], "UserId": "000000000000"}]}]
    assert g["IpPermissionsEgress"] == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                                         "PrefixListIds": [], "UserIdGroupPairs": []}]
    err, status = refused(ec2.delete_security_group, GroupId=g["GroupId"])
    assert (err["Code"], status) == ("CannotDelete", 400)
    assert err["Message"] == f'the specified group: "{g["GroupId"]}" name: "default" cannot be deleted by a user'
    # The default VPC's default group is found by name, as on AWS.
    d = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert len(d) == 1 and d[0]["VpcId"] != vpc


def test_web_sg(ec2, vpc):
    g = ec2.create_security_group(GroupName="WEB-SG", Description="web servers", VpcId=vpc,
                                  TagSpecifications=[{"ResourceType": "security-group",
                                                      "Tags": [{"Key": "Name", "Value": "WEB-SG"}]}])
    gid = g["GroupId"]
    assert gid.startswith("sg-") and len(gid) == 20
    out = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[SSH])
    assert out["Return"] is True
    if "SecurityGroupRules" in ec2.meta.service_model.operation_model(
            "AuthorizeSecurityGroupIngress").output_shape.members:
        [rule] = out["SecurityGroupRules"]
        assert rule["SecurityGroupRuleId"].startswith("sgr-")
        assert (rule["GroupId"], rule["IsEgress"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"],
                rule["CidrIpv4"]) == (gid, False, "tcp", 22, 22, "10.0.2.0/24")
    [got] = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert got["GroupName"] == "WEB-SG" and got["VpcId"] == vpc and got["Tags"] == [{"Key": "Name",
                                                                                      "Value": "WEB-SG"}]
    assert got["IpPermissions"] == [{"FromPort": 22, "ToPort": 22, "IpProtocol": "tcp",
                                     "IpRanges": [{"CidrIp": "10.0.2.0/24"}], "Ipv6Ranges": [], "PrefixListIds": [],
                                     "UserIdGroupPairs": []}]
    assert [p["IpRanges"] for p in got["IpPermissionsEgress"]] == [[{"CidrIp": "0.0.0.0/0"}]]
    err, status = refused(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[SSH])
    assert (err["Code"], status) == ("InvalidPermission.Duplicate", 400)
    assert err["Message"] == ('the specified rule "peer: 10.0.2.0/24, TCP, from port: 22, to port: 22, ALLOW" '
                              'already exists')
    err, _ = refused(ec2.create_security_group, GroupName="WEB-SG", Description="again", VpcId=vpc)
    assert err == {"Code": "InvalidGroup.Duplicate",
                   "Message": f"The security group 'WEB-SG' already exists for VPC '{vpc}'"}
    # Filters on the rules and names.
    for flt, want in (([{"Name": "ip-permission.cidr", "Values": ["10.0.2.0/24"]}], [gid]),
                      ([{"Name": "ip-permission.from-port", "Values": ["22"]}, {"Name": "vpc-id", "Values": [vpc]}],
                       [gid]),
                      ([{"Name": "group-name", "Values": ["WEB-*"]}], [gid]),
                      ([{"Name": "tag:Name", "Values": ["WEB-SG"]}], [gid]),
                      ([{"Name": "ip-permission.cidr", "Values": ["0.0.0.0/0"]}], [])):
        got = ec2.describe_security_groups(Filters=flt)["SecurityGroups"]
        assert [g["GroupId"] for g in got] == want, flt
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
    assert sorted((r["IsEgress"], r["IpProtocol"], r.get("CidrIpv4")) for r in rules) == [
        (False, "tcp", "10.0.2.0/24"), (True, "-1", "0.0.0.0/0")]
    # Revoke by value, then it is gone; a second revoke is refused.
    assert ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[SSH])["Return"] is True
    err, _ = refused(ec2.revoke_security_group_ingress, GroupId=gid, IpPermissions=[SSH])
    assert err["Code"] == "InvalidPermission.NotFound"
    # The legacy flat form adds the same rule.
    ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="10.0.2.0/24")
    [got] = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert [(p["IpProtocol"], p["FromPort"], p["IpRanges"]) for p in got["IpPermissions"]] == [
        ("tcp", 22, [{"CidrIp": "10.0.2.0/24"}])]


def test_references_and_delete(ec2, vpc):
    a = ec2.create_security_group(GroupName="ELB-SG", Description="lb", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName="APP-SG", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=b, IpPermissions=[
        {"IpProtocol": "6", "FromPort": 80, "ToPort": 80,
         "UserIdGroupPairs": [{"GroupId": a, "Description": "from the LB"}]},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
    [got] = ec2.describe_security_groups(GroupIds=[b])["SecurityGroups"]
    assert got["IpPermissions"][0]["UserIdGroupPairs"] == [{"Description": "from the LB", "GroupId": a,
                                                            "UserId": "000000000000"}]
    assert got["IpPermissions"][1]["Ipv6Ranges"] == [{"CidrIpv6": "2001:db8::/32"}]
    err, _ = refused(ec2.delete_security_group, GroupId=a)
    assert err == {"Code": "DependencyViolation", "Message": f"resource {a} has a dependent object"}
    err, _ = refused(ec2.delete_vpc, VpcId=vpc)
    assert err["Code"] == "DependencyViolation"
    ec2.delete_security_group(GroupId=b)
    ec2.delete_security_group(GroupId=a)
    err, _ = refused(ec2.describe_security_groups, GroupIds=[a])
    assert err == {"Code": "InvalidGroup.NotFound", "Message": f"The security group '{a}' does not exist"}
    err, _ = refused(ec2.delete_security_group, GroupId=a)
    assert err["Code"] == "InvalidGroup.NotFound"


def test_refusals(ec2, vpc):
    gid = ec2.create_security_group(GroupName="X-SG", Description="x", VpcId=vpc)["GroupId"]
    for perm, code, msg in (
            ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.2.0/33"}]},
             "InvalidParameterValue", "CIDR block 10.0.2.0/33 is malformed"),
            ({"IpProtocol": "foo", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
             "InvalidParameterValue", "Invalid value 'foo' for IP protocol. Unknown protocol."),
            ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
             "InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for "
             "portRange."),
            ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1, "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]},
             "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist")):
        err, status = refused(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[perm])
        assert (err["Code"], err["Message"], status) == (code, msg, 400)
    err, _ = refused(ec2.create_security_group, GroupName="sg-web", Description="x", VpcId=vpc)
    assert err == {"Code": "InvalidParameterValue", "Message": "Group names may not be in the format sg-*"}
    err, _ = refused(ec2.describe_security_groups, GroupNames=["nope"])
    assert err["Code"] == "InvalidGroup.NotFound" and "does not exist in default VPC" in err["Message"]
    # All traffic (-1) and a protocol number without ports: AWS keeps no ports.
    ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "50", "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}])
    [got] = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert [p["IpProtocol"] for p in got["IpPermissionsEgress"]] == ["-1", "50"]
    assert "FromPort" not in got["IpPermissionsEgress"][1]
    ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    [got] = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert [p["IpProtocol"] for p in got["IpPermissionsEgress"]] == ["50"]


def test_cli(gureum, cli):
    p = gureum.aws("ec2", "create-security-group", "--group-name", "CLI-SG", "--description", "cli", cli=cli)
    assert p.returncode == 0, p.stderr
    gid = json.loads(p.stdout)["GroupId"]
    p = gureum.aws("ec2", "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp", "--port", "22",
                   "--cidr", "10.0.2.0/24", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("ec2", "describe-security-groups", "--group-names", "CLI-SG", "--query",
                   "SecurityGroups[0].IpPermissions[0].[IpProtocol,FromPort,ToPort,IpRanges[0].CidrIp]",
                   "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["tcp", "22", "22", "10.0.2.0/24"]
    p = gureum.aws("ec2", "delete-security-group", "--group-id", gid, cli=cli)
    assert p.returncode == 0, p.stderr


# ==== Network ACLs ====

def entries(acl):
    return [(e["RuleNumber"], e["Egress"], e["Protocol"], e["RuleAction"], e.get("CidrBlock"),
             e.get("PortRange")) for e in acl["Entries"]]


def test_default_acl(ec2):
    vid = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vid, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    [acl] = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vid]}])["NetworkAcls"]
    assert acl["IsDefault"] is True and acl["NetworkAclId"].startswith("acl-")
    assert entries(acl) == [(100, True, "-1", "allow", "0.0.0.0/0", None), (32767, True, "-1", "deny", "0.0.0.0/0",
                                                                            None),
                            (100, False, "-1", "allow", "0.0.0.0/0", None), (32767, False, "-1", "deny", "0.0.0.0/0",
                                                                             None)]
    assert [(x["SubnetId"], x["NetworkAclId"]) for x in acl["Associations"]] == [(s1, acl["NetworkAclId"])]
    assert x_assoc_id(acl).startswith("aclassoc-")
    # The default VPC's subnets are all associated with its default ACL.
    dv = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    [dacl] = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [dv]},
                                                {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [dv]}])["Subnets"]
    assert sorted(x["SubnetId"] for x in dacl["Associations"]) == sorted(s["SubnetId"] for s in subnets)
    err, _ = refused(ec2.delete_network_acl, NetworkAclId=acl["NetworkAclId"])
    assert err == {"Code": "InvalidParameterValue",
                   "Message": f"cannot delete default network ACL {acl['NetworkAclId']}"}
    ec2.delete_subnet(SubnetId=s1)
    [acl] = ec2.describe_network_acls(NetworkAclIds=[acl["NetworkAclId"]])["NetworkAcls"]
    assert acl["Associations"] == []
    ec2.delete_vpc(VpcId=vid)
    err, _ = refused(ec2.describe_network_acls, NetworkAclIds=[acl["NetworkAclId"]])
    assert err == {"Code": "InvalidNetworkAclID.NotFound",
                   "Message": f"The networkAcl ID '{acl['NetworkAclId']}' does not exist"}


def x_assoc_id(acl):
    return acl["Associations"][0]["NetworkAclAssociationId"]


def test_custom_acl(ec2):
    vid = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.2.2.0/24")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=vid, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "WEB-ACL"}]}])["NetworkAcl"]
    aid = acl["NetworkAclId"]
    assert acl["IsDefault"] is False and acl["Tags"] == [{"Key": "Name", "Value": "WEB-ACL"}]
    assert entries(acl) == [(32767, True, "-1", "deny", "0.0.0.0/0", None),
                            (32767, False, "-1", "deny", "0.0.0.0/0", None)]
    # SSH allowed from ELB-SUBNET only, everything else from 10.0.0.0/8 denied; replies out.
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock="10.0.2.0/24", PortRange={"From": 22, "To": 22})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=200, Protocol="-1", RuleAction="deny", Egress=False,
                                 CidrBlock="10.0.0.0/8")
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="tcp", RuleAction="allow", Egress=True,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    err, status = refused(ec2.create_network_acl_entry, NetworkAclId=aid, RuleNumber=100, Protocol="-1",
                          RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")
    assert (err, status) == ({"Code": "NetworkAclEntryAlreadyExists",
                              "Message": "The network acl entry identified by 100 already exists."}, 400)
    err, _ = refused(ec2.create_network_acl_entry, NetworkAclId=aid, RuleNumber=32767, Protocol="-1",
                     RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")
    assert err["Code"] == "InvalidParameterValue"
    ec2.replace_network_acl_entry(NetworkAclId=aid, RuleNumber=200, Protocol="-1", RuleAction="deny", Egress=False,
                                  CidrBlock="10.0.0.0/16")
    [acl] = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"]
    assert entries(acl) == [(100, True, "6", "allow", "0.0.0.0/0", {"From": 1024, "To": 65535}),
                            (32767, True, "-1", "deny", "0.0.0.0/0", None),
                            (100, False, "6", "allow", "10.0.2.0/24", {"From": 22, "To": 22}),
                            (200, False, "-1", "deny", "10.0.0.0/16", None),
                            (32767, False, "-1", "deny", "0.0.0.0/0", None)]
    got = ec2.describe_network_acls(Filters=[{"Name": "entry.rule-action", "Values": ["deny"]},
                                             {"Name": "entry.cidr", "Values": ["10.0.0.0/16"]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in got] == [aid]
    # Move the subnet to it, then back; while associated it cannot be deleted.
    [dacl] = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [sid]}])["NetworkAcls"]
    old = next(x["NetworkAclAssociationId"] for x in dacl["Associations"] if x["SubnetId"] == sid)
    new = ec2.replace_network_acl_association(AssociationId=old, NetworkAclId=aid)["NewAssociationId"]
    assert new.startswith("aclassoc-") and new != old
    [acl] = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"]
    assert [(x["SubnetId"], x["NetworkAclAssociationId"]) for x in acl["Associations"]] == [(sid, new)]
    err, _ = refused(ec2.delete_network_acl, NetworkAclId=aid)
    assert err["Code"] == "DependencyViolation"
    err, _ = refused(ec2.replace_network_acl_association, AssociationId=old, NetworkAclId=aid)
    assert err == {"Code": "InvalidAssociationID.NotFound", "Message": f"The association ID '{old}' does not exist"}
    ec2.replace_network_acl_association(AssociationId=new, NetworkAclId=dacl["NetworkAclId"])
    err, _ = refused(ec2.replace_network_acl_entry, NetworkAclId=aid, RuleNumber=300, Protocol="-1",
                     RuleAction="deny", Egress=True, CidrBlock="0.0.0.0/0")
    assert err == {"Code": "InvalidNetworkAclEntry.NotFound", "Message": "no egress entry with number 300"}
    ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=200, Egress=False)
    err, _ = refused(ec2.delete_network_acl_entry, NetworkAclId=aid, RuleNumber=200, Egress=False)
    assert err == {"Code": "InvalidNetworkAclEntry.NotFound", "Message": "no ingress entry with number 200"}
    err, _ = refused(ec2.delete_vpc, VpcId=vid)
    assert err["Code"] == "DependencyViolation"
    ec2.delete_network_acl(NetworkAclId=aid)
    ec2.delete_subnet(SubnetId=sid)
    ec2.delete_vpc(VpcId=vid)


def test_modify_rules_and_descriptions(ec2, vpc):
    if "ModifySecurityGroupRules" not in ec2.meta.service_model.operation_names:
        pytest.skip("ModifySecurityGroupRules is not in this botocore's model")
    gid = ec2.create_security_group(GroupName="MOD-SG", Description="m", VpcId=vpc)["GroupId"]
    [rule] = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[SSH])["SecurityGroupRules"]
    ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.2.0/24", "Description": "SSH from ELB-SUBNET"}]}])
    [got] = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])["SecurityGroupRules"]
    assert got["Description"] == "SSH from ELB-SUBNET"
    ec2.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
        {"SecurityGroupRuleId": rule["SecurityGroupRuleId"],
         "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222, "CidrIpv4": "10.0.2.0/24"}}])
    [g] = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert [(p["FromPort"], p["IpRanges"]) for p in g["IpPermissions"]] == [(2222, [{"CidrIp": "10.0.2.0/24"}])]
    err, _ = refused(ec2.modify_security_group_rules, GroupId=gid, SecurityGroupRules=[
        {"SecurityGroupRuleId": "sgr-0123456789abcdef0",
         "SecurityGroupRule": {"IpProtocol": "-1", "CidrIpv4": "10.0.0.0/8"}}])
    assert err["Code"] == "InvalidSecurityGroupRuleId.NotFound"
    err, _ = refused(ec2.describe_security_group_rules, SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    assert err["Code"] == "InvalidSecurityGroupRuleId.NotFound"


def test_authorization_by_group_arn(gureum, ec2, vpc):
    """ec2:AuthorizeSecurityGroupIngress on one group's ARN allows that group only."""
    import time
    from botocore.config import Config
    iam = gureum.client("iam")
    mine = ec2.create_security_group(GroupName="AUTHZ-A", Description="a", VpcId=vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="AUTHZ-B", Description="b", VpcId=vpc)["GroupId"]
    iam.create_user(UserName="sg-admin")
    key = iam.create_access_key(UserName="sg-admin")["AccessKey"]
    iam.put_user_policy(UserName="sg-admin", PolicyName="one-group", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "ec2:AuthorizeSecurityGroupIngress",
            "Resource": f"arn:aws:ec2:us-east-1:000000000000:security-group/{mine}"}]}))
    user = gureum.client("ec2", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                         config=Config(retries={"max_attempts": 1}))
    for _ in range(50):
        try:
            user.authorize_security_group_ingress(GroupId=mine, IpPermissions=[SSH])
            break
        except Exception:
            time.sleep(0.1)
    else:
        raise AssertionError("the allowed group stayed refused")
    err, status = refused(user.authorize_security_group_ingress, GroupId=other, IpPermissions=[SSH])
    assert (err["Code"], err["Message"], status) == ("UnauthorizedOperation",
                                                     "You are not authorized to perform this operation.", 403)
    [g] = ec2.describe_security_groups(GroupIds=[other])["SecurityGroups"]
    assert g["IpPermissions"] == []
