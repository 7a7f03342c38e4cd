"""test_ec2_template.py — EC2 launch templates: create with tags and a ClientToken, versions (a
source version's data with the request's on top), $Latest and $Default, the default changed,
versions and templates deleted; RunInstances from a template (the image, type and user data
come from it, the request overrides what it gives, the instance carries the template's id and
version) and the instance really serves what the template's user data started; AWS's refusals;
the AWS CLIs.
"""
import base64
import datetime
import json
import urllib.request

import pytest

from conftest import machines_supported, refused, serve, wait_for


MACHINES = machines_supported()


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100"})


WEB = """#!/bin/bash
mkdir -p /srv/www && echo "from the template" > /srv/www/index.html
cd /srv/www && nohup python3 -m http.server 8001 >/dev/null 2>&1 &
"""


def b64(s):
    return base64.b64encode(s.encode()).decode()


def test_templates_and_versions(ec2, image):
    t = ec2.create_launch_template(LaunchTemplateName="web-tpl", VersionDescription="first",
                                   LaunchTemplateData={"ImageId": image, "InstanceType": "t2.micro",
                                                       "Monitoring": {"Enabled": True}},
                                   TagSpecifications=[{"ResourceType": "launch-template",
                                                       "Tags": [{"Key": "team", "Value": "web"}]}],
                                   ClientToken="tok-1")["LaunchTemplate"]
    assert t["LaunchTemplateId"].startswith("lt-") and t["LaunchTemplateName"] == "web-tpl"
    assert t["DefaultVersionNumber"] == 1 and t["LatestVersionNumber"] == 1
    assert t["CreatedBy"] == "arn:aws:iam::000000000000:root" and t["Tags"] == [{"Key": "team", "Value": "web"}]
    # the same ClientToken answers the same template
    again = ec2.create_launch_template(LaunchTemplateName="web-tpl", LaunchTemplateData={"ImageId": image},
                                       ClientToken="tok-1")["LaunchTemplate"]
    assert again["LaunchTemplateId"] == t["LaunchTemplateId"]
    tid = t["LaunchTemplateId"]
    v2 = ec2.create_launch_template_version(LaunchTemplateId=tid, SourceVersion="1", VersionDescription="bigger",
                                            LaunchTemplateData={"InstanceType": "t3.small"})["LaunchTemplateVersion"]
    assert v2["VersionNumber"] == 2 and v2["DefaultVersion"] is False
    # the same ClientToken answers the version it made
    again = ec2.create_launch_template_version(LaunchTemplateId=tid, ClientToken="tok-v2", SourceVersion="1",
                                               LaunchTemplateData={"InstanceType": "t3.small"})
    assert again["LaunchTemplateVersion"]["VersionNumber"] == 3
    again = ec2.create_launch_template_version(LaunchTemplateId=tid, ClientToken="tok-v2",
                                               LaunchTemplateData={"InstanceType": "t3.large"})
    assert again["LaunchTemplateVersion"]["VersionNumber"] == 3
    assert again["LaunchTemplateVersion"]["LaunchTemplateData"]["InstanceType"] == "t3.small"
    # deleting the latest version: $Latest is the highest one left, and 3 is not made again
    ec2.delete_launch_template_versions(LaunchTemplateId=tid, Versions=["3"])
    [latest] = ec2.describe_launch_template_versions(LaunchTemplateId=tid, Versions=["$Latest"])[
        "LaunchTemplateVersions"]
    assert latest["VersionNumber"] == 2
    assert ec2.describe_launch_templates(LaunchTemplateIds=[tid])["LaunchTemplates"][0]["LatestVersionNumber"] == 2
    v4 = ec2.create_launch_template_version(LaunchTemplateId=tid, LaunchTemplateData={"InstanceType": "t3.nano"})
    assert v4["LaunchTemplateVersion"]["VersionNumber"] == 4
    ec2.delete_launch_template_versions(LaunchTemplateId=tid, Versions=["4"])
    # the source version's data with the request's members on top
    assert v2["LaunchTemplateData"] == {"ImageId": image, "InstanceType": "t3.small", "Monitoring": {"Enabled": True}}
    vs = ec2.describe_launch_template_versions(LaunchTemplateName="web-tpl")["LaunchTemplateVersions"]
    # newest first, as AWS's DescribeLaunchTemplateVersions example lists them
    assert [(v["VersionNumber"], v["DefaultVersion"]) for v in vs] == [(2, False), (1, True)]
    # more versions asked than a fixed array held (256 before): the last one is still checked
    err, _ = refused(ec2.describe_launch_template_versions, LaunchTemplateId=tid, Versions=["1"] * 300 + ["7"])
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateId.VersionNotFound",
        "Could not find the specified version 7 for the launch template with ID %s." % tid)
    f = ec2.describe_launch_template_versions(LaunchTemplateId=tid, Filters=[
        {"Name": "instance-type", "Values": ["t3.*"]}])["LaunchTemplateVersions"]
    assert [v["VersionNumber"] for v in f] == [2]
    f = ec2.describe_launch_template_versions(LaunchTemplateId=tid, Filters=[
        {"Name": "is-default-version", "Values": ["true"]}])["LaunchTemplateVersions"]
    assert [v["VersionNumber"] for v in f] == [1]
    err, _ = refused(ec2.describe_launch_template_versions, LaunchTemplateId=tid,
                     Filters=[{"Name": "no-such", "Values": ["x"]}])
    assert (err["Code"], err["Message"]) == ("InvalidParameterValue", "The filter 'no-such' is invalid")
    latest = ec2.describe_launch_template_versions(LaunchTemplateId=tid, Versions=["$Latest"])
    assert [v["VersionNumber"] for v in latest["LaunchTemplateVersions"]] == [2]
    dflt = ec2.describe_launch_template_versions(LaunchTemplateId=tid, Versions=["$Default"])
    assert [v["VersionNumber"] for v in dflt["LaunchTemplateVersions"]] == [1]
    m = ec2.modify_launch_template(LaunchTemplateId=tid, DefaultVersion="2")["LaunchTemplate"]
    assert m["DefaultVersionNumber"] == 2
    got = ec2.describe_launch_templates(LaunchTemplateNames=["web-tpl"])["LaunchTemplates"]
    assert [x["LaunchTemplateId"] for x in got] == [tid] and got[0]["LatestVersionNumber"] == 2
    got = ec2.describe_launch_templates(Filters=[{"Name": "tag:team", "Values": ["web"]}])["LaunchTemplates"]
    assert [x["LaunchTemplateName"] for x in got] == ["web-tpl"]
    # the default version is not deleted; another is
    d = ec2.delete_launch_template_versions(LaunchTemplateId=tid, Versions=["2", "1", "9"])
    assert [x["VersionNumber"] for x in d["SuccessfullyDeletedLaunchTemplateVersions"]] == [1]
    bad = {x["VersionNumber"]: x["ResponseError"]["Code"] for x in d["UnsuccessfullyDeletedLaunchTemplateVersions"]}
    assert bad == {2: "launchTemplateVersionIsDefaultVersion", 9: "launchTemplateVersionDoesNotExist"}
    gone = ec2.delete_launch_template(LaunchTemplateName="web-tpl")["LaunchTemplate"]
    assert gone["LaunchTemplateId"] == tid
    assert ec2.describe_launch_templates()["LaunchTemplates"] == []


def test_refusals(ec2, image):
    ec2.create_launch_template(LaunchTemplateName="r-tpl", LaunchTemplateData={"ImageId": image})
    err, code = refused(ec2.create_launch_template, LaunchTemplateName="r-tpl", LaunchTemplateData={"ImageId": image})
    assert (code, err["Code"], err["Message"]) == (400, "InvalidLaunchTemplateName.AlreadyExistsException",
                                                   "Launch template name already in use.")
    err, code = refused(ec2.create_launch_template, LaunchTemplateName="bad name!", LaunchTemplateData={"ImageId": image})
    assert code == 400 and "at 'launchTemplateName' failed to satisfy constraint" in err["Message"]
    err, _ = refused(ec2.create_launch_template, LaunchTemplateName="bad-ud",
                     LaunchTemplateData={"ImageId": image, "UserData": "not base64 encoded"})
    assert (err["Code"], err["Message"]) == ("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.")
    err, _ = refused(ec2.describe_launch_templates, LaunchTemplateIds=["lt-0123456789abcdef0"])
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateId.NotFound",
        "The specified launch template, with template ID lt-0123456789abcdef0, does not exist.")
    err, _ = refused(ec2.describe_launch_templates, LaunchTemplateNames=["nope"])
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateName.NotFoundException",
        "At least one of the launch templates specified in the request does not exist.")
    err, _ = refused(ec2.create_launch_template_version, LaunchTemplateName="r-tpl", SourceVersion="7",
                     LaunchTemplateData={"InstanceType": "t2.nano"})
    assert err["Code"] == "InvalidLaunchTemplateId.VersionNotFound"
    err, _ = refused(ec2.run_instances, MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "nope"})
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template, with template name nope, does not exist.")
    err, _ = refused(ec2.create_tags, Resources=["lt-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert err["Code"] == "InvalidLaunchTemplateId.NotFound"
    # AWS's texts (moto's AWS-verified tests recorded them)
    err, _ = refused(ec2.describe_launch_template_versions, LaunchTemplateName="r-tpl", Versions=["3"])
    tid = ec2.describe_launch_templates(LaunchTemplateNames=["r-tpl"])["LaunchTemplates"][0]["LaunchTemplateId"]
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateId.VersionNotFound",
        "Could not find the specified version 3 for the launch template with ID %s." % tid)
    err, _ = refused(ec2.describe_launch_template_versions)
    assert err["Code"] == "MissingParameter" and err["Message"].startswith(
        "To describe the launch template data for all your launch templates, for \u2018--versions\u2019 specify "
        "\u2018$Latest\u2019, \u2018$Default\u2019, or both")
    err2, _ = refused(ec2.describe_launch_template_versions, Versions=["1"])
    assert (err2["Code"], err2["Message"]) == ("InvalidParameterValue", err["Message"])
    assert err["Message"].endswith("or one or more version numbers.")
    err, _ = refused(ec2.modify_launch_template, LaunchTemplateId="template_n", LaunchTemplateName="r-tpl",
                     DefaultVersion="2")
    assert (err["Code"], err["Message"]) == (
        "InvalidParameterCombination",
        "Either provide launch template ID or launch template name to modify the template.")
    err, _ = refused(ec2.modify_launch_template, LaunchTemplateName="r-tpl", DefaultVersion="2")
    assert (err["Code"], err["Message"]) == (
        "InvalidLaunchTemplateId.VersionNotFound",
        "The launch template version 2 is not found for the specified launch template.")
    ec2.delete_launch_template(LaunchTemplateName="r-tpl")


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_run_instances_from_a_template(ec2, image):
    g = ec2.create_security_group(GroupName="tpl-web", Description="web on 8001")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8001, "ToPort": 8001, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    t = ec2.create_launch_template(LaunchTemplateName="run-tpl", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t2.micro", "UserData": b64(WEB), "SecurityGroupIds": [g],
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "from", "Value": "template"}]}]})
    tid = t["LaunchTemplate"]["LaunchTemplateId"]
    i = ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateId": tid},
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "w"}]}])[
        "Instances"][0]
    assert i["ImageId"] == image and i["InstanceType"] == "t2.micro"
    assert [x["GroupId"] for x in i["SecurityGroups"]] == [g]
    iid = i["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    d = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    tags = {x["Key"]: x["Value"] for x in d["Tags"]}
    assert tags == {"from": "template", "Name": "w", "aws:ec2launchtemplate:id": tid,
                    "aws:ec2launchtemplate:version": "1"}

    def page():
        try:
            with urllib.request.urlopen("http://%s:8001/" % d["PublicIpAddress"], timeout=2) as r:
                return r.read().decode()
        except OSError:
            return None
    assert wait_for(page, timeout=20).strip() == "from the template"
    # the request's own members win over the template's
    j = ec2.run_instances(MinCount=1, MaxCount=1, InstanceType="t3.micro",
                          LaunchTemplate={"LaunchTemplateName": "run-tpl", "Version": "$Latest"})["Instances"][0]
    assert j["InstanceType"] == "t3.micro" and j["ImageId"] == image
    ec2.terminate_instances(InstanceIds=[iid, j["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid, j["InstanceId"]],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ec2.delete_launch_template(LaunchTemplateId=tid)


def test_template_interface_and_request_groups(ec2, image):
    """A template's primary network interface takes the request's subnet and groups (one request may
    not name an interface and instance-level groups together, but the template's interface is not the
    request's)."""
    g1 = ec2.create_security_group(GroupName="lt-ni-1", Description="one")["GroupId"]
    g2 = ec2.create_security_group(GroupName="lt-ni-2", Description="two")["GroupId"]
    subs = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    a, b = sorted(subs, key=lambda x: x["AvailabilityZone"])[:2]
    tid = ec2.create_launch_template(LaunchTemplateName="ni-tpl", LaunchTemplateData={
        "ImageId": image, "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": [g1], "SubnetId": a["SubnetId"],
                                                 "AssociatePublicIpAddress": False}]})["LaunchTemplate"][
        "LaunchTemplateId"]
    [i] = ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateId": tid})["Instances"]
    assert ([g["GroupId"] for g in i["SecurityGroups"]], i["SubnetId"]) == ([g1], a["SubnetId"])
    assert "PublicIpAddress" not in i
    [j] = ec2.run_instances(MinCount=1, MaxCount=1, SecurityGroupIds=[g2], SubnetId=b["SubnetId"],
                            LaunchTemplate={"LaunchTemplateId": tid})["Instances"]
    assert ([g["GroupId"] for g in j["SecurityGroups"]], j["SubnetId"]) == ([g2], b["SubnetId"])
    ids = [i["InstanceId"], j["InstanceId"]]
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ec2.delete_launch_template(LaunchTemplateId=tid)
    ec2.delete_security_group(GroupId=g1)
    ec2.delete_security_group(GroupId=g2)


def test_data_kept_as_given(ec2):
    """Every kind of member comes back as given, the one timestamp (SpotOptions.ValidUntil) too."""
    until = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    data = {"InstanceType": "t3.micro", "EbsOptimized": True, "RamDiskId": "ari-12345678",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 16, "VolumeType": "gp3"}}],
            "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
            "InstanceMarketOptions": {"MarketType": "spot", "SpotOptions": {"MaxPrice": "0.05",
                                                                             "ValidUntil": until}}}
    tid = ec2.create_launch_template(LaunchTemplateName="kept-tpl", LaunchTemplateData=data)["LaunchTemplate"][
        "LaunchTemplateId"]
    [v] = ec2.describe_launch_template_versions(LaunchTemplateId=tid)["LaunchTemplateVersions"]
    assert v["LaunchTemplateData"] == data
    ec2.delete_launch_template(LaunchTemplateId=tid)


def test_many_templates(ec2):
    """More templates than a fixed array held (1024 before): every one is listed."""
    names = ["many-%04d" % i for i in range(1030)]
    for n in names:
        ec2.create_launch_template(LaunchTemplateName=n, LaunchTemplateData={"InstanceType": "t3.nano"})
    got = [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]]
    assert [n for n in got if n.startswith("many-")] == names
    vs = ec2.describe_launch_template_versions(Versions=["$Latest"])["LaunchTemplateVersions"]
    assert [v["LaunchTemplateName"] for v in vs if v["LaunchTemplateName"].startswith("many-")] == names
    for n in names:
        ec2.delete_launch_template(LaunchTemplateName=n)


def test_cli(gureum, cli, image):
    data = json.dumps({"ImageId": image, "InstanceType": "t2.micro"})
    p = gureum.aws("ec2", "create-launch-template", "--launch-template-name", "cli-tpl", "--launch-template-data",
                   data, cli=cli)
    assert p.returncode == 0, p.stderr
    tid = json.loads(p.stdout)["LaunchTemplate"]["LaunchTemplateId"]
    p = gureum.aws("ec2", "describe-launch-template-versions", "--launch-template-id", tid, "--query",
                   "LaunchTemplateVersions[0].LaunchTemplateData.InstanceType", "--output", "text", cli=cli)
    assert p.returncode == 0 and p.stdout.strip() == "t2.micro", p.stderr
    p = gureum.aws("ec2", "delete-launch-template", "--launch-template-id", tid, cli=cli)
    assert p.returncode == 0, p.stderr
