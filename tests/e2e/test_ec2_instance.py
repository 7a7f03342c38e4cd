"""test_ec2_instance.py — EC2 instances that really run, Scenario E.1 and E.5: an instance from
the region's Amazon Linux image in the default VPC, with a key pair and a security group, whose
user data starts an HTTP server on port 8001; the page is fetched from the host at the instance's
public address (a loopback address: gureum forwards the ports the security group opens); the
console output; stop/start (a new public address, per-boot scripts run again, the user data not),
reboot, terminate; the machine's confinement (no data directory, read-only /usr); AWS's refusals;
the AWS CLIs.
"""
import base64
import json
import os
import socket
import subprocess
import urllib.request

import pytest

from conftest import machines_supported, refused, serve, wait_for


MACHINES = machines_supported()


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_METRICS_FLUSH_MS": "1000"})


@pytest.fixture(scope="module")
def web_sg(ec2):
    g = ec2.create_security_group(GroupName="web-8001", Description="web on 8001")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8001, "ToPort": 8001, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}])
    return g


# A per-boot script serves /srv/www on 8001 at every boot; the user data writes the page, installs
# the script and starts it once, and reports what the machine sees of the host.
USER_DATA = """#!/bin/bash
mkdir -p /srv/www
echo "hello from $(hostname)" > /srv/www/index.html
cat > /var/lib/cloud/scripts/per-boot/web.sh <<'EOF'
#!/bin/bash
echo "hello from $(hostname)" > /srv/www/index.html
cd /srv/www && nohup python3 -m http.server 8001 >/var/log/web.log 2>&1 &
EOF
chmod +x /var/lib/cloud/scripts/per-boot/web.sh
/var/lib/cloud/scripts/per-boot/web.sh
echo "KEY=$(cut -d' ' -f1 /home/ec2-user/.ssh/authorized_keys)"
test -e "$GUREUM_DATA_PROBE" && echo DATA-VISIBLE || echo DATA-HIDDEN
touch /usr/gureum-probe 2>/dev/null && echo USR-WRITABLE || echo USR-READONLY
echo "USERDATA-RAN"
"""


def instance(ec2, iid):
    return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]


def fetch(ip, port=8001):
    try:
        with urllib.request.urlopen("http://%s:%d/" % (ip, port), timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


def console(ec2, iid):
    # botocore decodes the base64 Output itself (as the CLI does)
    return ec2.get_console_output(InstanceId=iid).get("Output", "")


def test_images(ec2, image):
    assert image.startswith("ami-0") and len(image) == 21
    [im] = ec2.describe_images(ImageIds=[image])["Images"]
    assert (im["OwnerId"], im["ImageOwnerAlias"], im["State"], im["Architecture"], im["RootDeviceType"],
            im["Public"]) == ("137112412989", "amazon", "available", "x86_64", "ebs", True)
    err, status = refused(ec2.describe_images, ImageIds=["ami-0123456789abcdef0"])
    assert (err["Code"], status) == ("InvalidAMIID.NotFound", 400)
    assert err["Message"] == "The image id '[ami-0123456789abcdef0]' does not exist"
    err, _ = refused(ec2.describe_images, ImageIds=["image-1"])
    assert err["Code"] == "InvalidAMIID.Malformed"
    assert ec2.describe_images(Owners=["self"])["Images"] == []


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_web_server_instance(gureum, ec2, image, web_sg):
    key = ec2.create_key_pair(KeyName="lab-key")
    data = USER_DATA.replace("$GUREUM_DATA_PROBE", os.path.abspath(gureum.data_dir))
    res = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro", KeyName="lab-key",
                            SecurityGroupIds=[web_sg], UserData=data,
                            TagSpecifications=[{"ResourceType": "instance",
                                                "Tags": [{"Key": "Name", "Value": "web-1"}]}])
    [i] = res["Instances"]
    iid = i["InstanceId"]
    assert iid.startswith("i-") and len(iid) == 19 and res["ReservationId"].startswith("r-")
    assert i["State"] == {"Code": 0, "Name": "pending"}
    assert (i["ImageId"], i["InstanceType"], i["KeyName"]) == (image, "t2.micro", "lab-key")
    assert i["SecurityGroups"] == [{"GroupName": "web-8001", "GroupId": web_sg}]
    assert i["PrivateIpAddress"].startswith("172.31.") and i["PrivateDnsName"] == \
        "ip-%s.ec2.internal" % i["PrivateIpAddress"].replace(".", "-")
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    i = instance(ec2, iid)
    assert i["State"] == {"Code": 16, "Name": "running"}
    assert i["Tags"] == [{"Key": "Name", "Value": "web-1"}]
    pub = i["PublicIpAddress"]
    assert pub.startswith("127.200.") and i["PublicDnsName"] == "ec2-%s.compute-1.amazonaws.com" % pub.replace(".", "-")
    page = wait_for(lambda: fetch(pub))
    assert page == "hello from ip-%s.ec2.internal\n" % i["PrivateIpAddress"].replace(".", "-")
    out = wait_for(lambda: "USERDATA-RAN" in console(ec2, iid) and console(ec2, iid))
    assert key["KeyName"] == "lab-key" and "KEY=ssh-rsa" in out  # the key pair's public key for ec2-user
    assert "DATA-HIDDEN" in out and "USR-READONLY" in out
    # Only what the group opens is forwarded.
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((pub, 8002)) != 0
    st = ec2.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"]
    assert [(x["InstanceState"]["Name"], x["InstanceStatus"]["Status"], x["SystemStatus"]["Status"]) for x in st] == \
        [("running", "ok", "ok")]
    assert ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web-1"]},
                                           {"Name": "instance-state-name", "Values": ["running"]}]
                                  )["Reservations"][0]["Instances"][0]["InstanceId"] == iid

    # Stop: the machine and its forward end, the public address goes back to the pool.
    ch = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"]
    assert ch == [{"CurrentState": {"Code": 64, "Name": "stopping"}, "InstanceId": iid,
                   "PreviousState": {"Code": 16, "Name": "running"}}]
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    i = instance(ec2, iid)
    assert "PublicIpAddress" not in i and i["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert i["StateTransitionReason"].startswith("User initiated (")
    assert fetch(pub) is None
    # Start: booted again, the per-boot script serves again, the user data is not run twice.
    ec2.start_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    pub2 = instance(ec2, iid)["PublicIpAddress"]
    assert wait_for(lambda: fetch(pub2)).startswith("hello from ip-")
    out = wait_for(lambda: console(ec2, iid).count("booting") == 2 and console(ec2, iid))
    assert out.count("USERDATA-RAN") == 1
    # Reboot keeps the state and boots the machine again.
    ec2.reboot_instances(InstanceIds=[iid])
    wait_for(lambda: console(ec2, iid).count("booting") == 3)
    assert wait_for(lambda: fetch(pub2))
    # Terminate.
    ch = ec2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"]
    assert ch[0]["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert wait_for(lambda: fetch(pub2) is None)
    i = instance(ec2, iid)
    assert i["State"]["Name"] == "terminated" and "PrivateIpAddress" not in i and i["NetworkInterfaces"] == []
    err, _ = refused(ec2.start_instances, InstanceIds=[iid])
    assert (err["Code"], err["Message"]) == ("IncorrectInstanceState",
                                             "The instance '%s' is not in a state from which it can be started." % iid)
    err, _ = refused(ec2.stop_instances, InstanceIds=[iid])
    assert err["Message"] == "This instance '%s' is not in a state from which it can be stopped." % iid
    # Terminating again answers terminated → terminated.
    again = ec2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"][0]
    assert again["PreviousState"]["Name"] == again["CurrentState"]["Name"] == "terminated"


def test_elastic_ip(ec2, image, web_sg):
    """Scenario E.5: an Elastic IP stays with an instance across stop/start; without one the public
    address changes."""
    run = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SecurityGroupIds=[web_sg],
                            UserData="#!/bin/sh\ncd /srv && echo eip > index.html && "
                                     "(python3 -m http.server 8001 >/dev/null 2>&1 &)\n")
    iid = run["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    auto = instance(ec2, iid)["PublicIpAddress"]
    eip = ec2.allocate_address(Domain="vpc")
    assert eip["PublicIp"].startswith("127.202.")
    assoc = ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=iid)["AssociationId"]
    assert assoc.startswith("eipassoc-")
    i = instance(ec2, iid)
    assert i["PublicIpAddress"] == eip["PublicIp"]
    assert i["NetworkInterfaces"][0]["Association"]["IpOwnerId"] == "000000000000"
    [a] = ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"]
    assert (a["InstanceId"], a["AssociationId"], a["PrivateIpAddress"], a["NetworkInterfaceId"]) == (
        iid, assoc, i["PrivateIpAddress"], i["NetworkInterfaces"][0]["NetworkInterfaceId"])
    err, _ = refused(ec2.release_address, AllocationId=eip["AllocationId"])
    assert err["Code"] == "InvalidIPAddress.InUse"
    if MACHINES:
        assert wait_for(lambda: fetch(eip["PublicIp"])) == "eip\n"
        assert wait_for(lambda: fetch(auto) is None)
    ec2.stop_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert instance(ec2, iid)["PublicIpAddress"] == eip["PublicIp"]  # kept while stopped
    ec2.start_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert instance(ec2, iid)["PublicIpAddress"] == eip["PublicIp"]
    ec2.disassociate_address(AssociationId=assoc)
    new = wait_for(lambda: instance(ec2, iid).get("PublicIpAddress"))
    assert new.startswith("127.200.") and new != eip["PublicIp"]
    assert "InstanceId" not in ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    # Terminating an instance gives its Elastic IP back.
    ec2.associate_address(PublicIp=eip["PublicIp"], InstanceId=iid)
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert "InstanceId" not in ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    err, _ = refused(ec2.associate_address, AllocationId=eip["AllocationId"], InstanceId=iid)
    assert err["Code"] == "IncorrectInstanceState"
    ec2.release_address(AllocationId=eip["AllocationId"])


def test_image_from_instance(ec2, image, web_sg):
    """Scenario E.2: an image made from the web server instance; two instances launched from it serve
    without user data of their own (the image holds the per-boot script)."""
    src = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SecurityGroupIds=[web_sg],
                            UserData=USER_DATA.replace("$GUREUM_DATA_PROBE", "/nonexistent"))["Instances"][0]
    ec2.get_waiter("instance_running").wait(InstanceIds=[src["InstanceId"]],
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    if MACHINES:
        assert wait_for(lambda: fetch(instance(ec2, src["InstanceId"])["PublicIpAddress"]))
    ami = ec2.create_image(InstanceId=src["InstanceId"], Name="web-image", Description="web on 8001",
                           TagSpecifications=[{"ResourceType": "image",
                                               "Tags": [{"Key": "Name", "Value": "WEB-AMI"}]}])["ImageId"]
    assert ami.startswith("ami-") and len(ami) == 21
    ec2.get_waiter("image_available").wait(ImageIds=[ami], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    [im] = ec2.describe_images(Owners=["self"])["Images"]
    assert (im["ImageId"], im["Name"], im["Description"], im["State"], im["OwnerId"], im["Public"],
            im["Tags"]) == (ami, "web-image", "web on 8001", "available", "000000000000", False,
                            [{"Key": "Name", "Value": "WEB-AMI"}])
    assert [x["ImageId"] for x in ec2.describe_images(Filters=[{"Name": "name", "Values": ["web-*"]}])["Images"]] \
        == [ami]
    err, _ = refused(ec2.create_image, InstanceId=src["InstanceId"], Name="web-image")
    assert (err["Code"], err["Message"]) == ("InvalidAMIName.Duplicate",
                                             "AMI name web-image is already in use by AMI %s" % ami)
    two = ec2.run_instances(ImageId=ami, MinCount=2, MaxCount=2, SecurityGroupIds=[web_sg])["Instances"]
    ids = [i["InstanceId"] for i in two]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    for i in map(lambda x: instance(ec2, x), ids):
        assert i["ImageId"] == ami
        if MACHINES:
            assert wait_for(lambda: fetch(i["PublicIpAddress"])) == "hello from %s\n" % i["PrivateDnsName"]
    ec2.deregister_image(ImageId=ami)
    err, _ = refused(ec2.describe_images, ImageIds=[ami])
    assert err["Code"] == "InvalidAMIID.NotFound"
    err, _ = refused(ec2.run_instances, ImageId=ami, MinCount=1, MaxCount=1)
    assert (err["Code"], err["Message"]) == ("InvalidAMIID.NotFound", "The image id '[%s]' does not exist" % ami)
    err, _ = refused(ec2.deregister_image, ImageId=image)
    assert err["Code"] == "AuthFailure"
    ec2.terminate_instances(InstanceIds=ids + [src["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids + [src["InstanceId"]],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_cpu_utilization(gureum, ec2, image):
    """AWS/EC2 CPUUtilization measured from the machine's processes (Scenario G's signal): a busy
    loop on a one-vCPU instance shows high, an idle instance low."""
    import datetime
    busy = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                             UserData="#!/bin/sh\n(while :; do :; done) >/dev/null 2>&1 &\n")["Instances"][0]
    idle = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro")["Instances"][0]
    ids = [busy["InstanceId"], idle["InstanceId"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    cw = gureum.client("cloudwatch")

    def peak(iid):
        now = datetime.datetime.now(datetime.timezone.utc)
        pts = cw.get_metric_statistics(Namespace="AWS/EC2", MetricName="CPUUtilization",
                                       Dimensions=[{"Name": "InstanceId", "Value": iid}],
                                       StartTime=now - datetime.timedelta(minutes=10),
                                       EndTime=now + datetime.timedelta(minutes=1), Period=60,
                                       Statistics=["Maximum", "Minimum", "SampleCount"])["Datapoints"]
        n = sum(p["SampleCount"] for p in pts)
        return (max(p["Maximum"] for p in pts), min(p["Minimum"] for p in pts), n) if pts else (None, None, 0)

    # The idle one's first samples hold its boot (host keys are made then), which a loaded host
    # stretches over several samples: its quietest sample counts, once it has settled.
    def settled():
        hot, cold = peak(busy["InstanceId"]), peak(idle["InstanceId"])
        return hot[2] >= 3 and cold[2] >= 3 and hot[0] > 30 and cold[1] < 20
    wait_for(settled, timeout=60, step=0.5)
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_instance_survives_server_restart(gureum, image, web_sg):
    """A running instance stays running across kill -9 of the server: its machine dies with the server
    and boots again (per-boot scripts run, the user data not) at the same addresses."""
    ec2 = gureum.client("ec2")
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SecurityGroupIds=[web_sg],
                            UserData=USER_DATA.replace("$GUREUM_DATA_PROBE", "/nonexistent"))["Instances"][0][
        "InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    i = instance(ec2, iid)
    assert wait_for(lambda: fetch(i["PublicIpAddress"]))
    gureum.restart(kill9=True)
    ec2 = gureum.client("ec2")
    j = instance(ec2, iid)
    assert (j["State"]["Name"], j["PublicIpAddress"], j["PrivateIpAddress"]) == (
        "running", i["PublicIpAddress"], i["PrivateIpAddress"])
    assert wait_for(lambda: fetch(i["PublicIpAddress"])).startswith("hello from ip-")
    out = wait_for(lambda: console(ec2, iid).count("booting") == 2 and console(ec2, iid))
    assert out.count("USERDATA-RAN") == 1
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def test_refusals(ec2, image, web_sg):
    cases = [
        (dict(ImageId="ami-0123456789abcdef0"), "InvalidAMIID.NotFound", None),
        (dict(ImageId=image, KeyName="no-such-key"), "InvalidKeyPair.NotFound", "The key pair 'no-such-key' does not exist"),
        (dict(ImageId=image, SecurityGroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound", None),
        (dict(ImageId=image, SubnetId="subnet-0123456789abcdef0"), "InvalidSubnetID.NotFound",
         "The subnet ID 'subnet-0123456789abcdef0' does not exist"),
        (dict(ImageId=image, UserData="x" * 17000), "InvalidParameterValue", "User data is limited to 16384 bytes"),
    ]
    for kw, code, msg in cases:
        err, status = refused(ec2.run_instances, MinCount=1, MaxCount=1, **kw)
        assert (err["Code"], status) == (code, 400), kw
        if msg:
            assert err["Message"] == msg
    err, _ = refused(ec2.run_instances, ImageId=image, MinCount=21, MaxCount=21)
    assert err["Code"] == "InstanceLimitExceeded"
    err, _ = refused(ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"])
    assert (err["Code"], err["Message"]) == ("InvalidInstanceID.NotFound",
                                             "The instance ID 'i-0123456789abcdef0' does not exist")
    err, _ = refused(ec2.terminate_instances, InstanceIds=["i-0123456789abcdef0", "i-0123456789abcdef1"])
    assert err["Message"] == "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist"


def test_launch_in_a_vpc_subnet(ec2, image):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    a = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, SubnetId=sub, ClientToken="tok-1")
    ips = sorted(i["PrivateIpAddress"] for i in a["Instances"])
    assert ips == ["10.0.1.4", "10.0.1.5"]  # AWS keeps .0-.3
    assert all("PublicIpAddress" not in i for i in a["Instances"])  # the subnet maps no public addresses
    assert [i["AmiLaunchIndex"] for i in a["Instances"]] == [0, 1]
    # The same ClientToken answers the first launch again.
    b = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, SubnetId=sub, ClientToken="tok-1")
    assert b["ReservationId"] == a["ReservationId"]
    err, _ = refused(ec2.run_instances, ImageId=image, MinCount=1, MaxCount=1, SubnetId=sub,
                     PrivateIpAddress="10.0.1.4")
    assert (err["Code"], err["Message"]) == ("InvalidIPAddress.InUse", "Address 10.0.1.4 is in use.")
    c = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": sub, "AssociatePublicIpAddress": True}])["Instances"][0]
    assert c["PrivateIpAddress"] == "10.0.1.6" and c["VpcId"] == vpc
    ids = [i["InstanceId"] for i in a["Instances"]] + [c["InstanceId"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    # The subnet and the VPC's default group are in use.
    err, _ = refused(ec2.delete_subnet, SubnetId=sub)
    assert (err["Code"], err["Message"]) == ("DependencyViolation",
                                             "The subnet '%s' has dependencies and cannot be deleted." % sub)
    g = ec2.create_security_group(GroupName="in-use", Description="x", VpcId=vpc)["GroupId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=sub, SecurityGroupIds=[g])
    err, _ = refused(ec2.delete_security_group, GroupId=g)
    assert (err["Code"], err["Message"]) == ("DependencyViolation", "resource %s has a dependent object" % g)
    ids += [i["InstanceId"] for r in ec2.describe_instances(Filters=[{"Name": "instance.group-id", "Values": [g]}]
                                                            )["Reservations"] for i in r["Instances"]]
    assert instance(ec2, c["InstanceId"])["PublicIpAddress"].startswith("127.200.")
    got = ec2.describe_instances(Filters=[{"Name": "subnet-id", "Values": [sub]}])["Reservations"]
    assert sorted(i["InstanceId"] for r in got for i in r["Instances"]) == sorted(ids)
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ec2.delete_security_group(GroupId=g)
    ec2.delete_subnet(SubnetId=sub)


def test_cli(gureum, image, tmp_path, cli):
    ud = tmp_path / "ud.sh"
    ud.write_text("#!/bin/sh\necho CLI-USERDATA\n")
    p = gureum.aws("ec2", "run-instances", "--image-id", image, "--count", "1", "--instance-type", "t3.micro",
                   "--user-data", "file://%s" % ud, cli=cli)
    assert p.returncode == 0, p.stderr
    iid = json.loads(p.stdout)["Instances"][0]["InstanceId"]
    p = gureum.aws("ec2", "wait", "instance-running", "--instance-ids", iid, cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("ec2", "describe-instances", "--instance-ids", iid, "--query",
                   "Reservations[0].Instances[0].State.Name", "--output", "text", cli=cli)
    assert p.stdout.strip() == "running"
    if MACHINES:
        def said():
            p = gureum.aws("ec2", "get-console-output", "--instance-id", iid, "--output", "text", "--query", "Output",
                           cli=cli)
            return "CLI-USERDATA" in p.stdout
        wait_for(said, timeout=30, step=0.5)
    p = gureum.aws("ec2", "terminate-instances", "--instance-ids", iid, cli=cli)
    assert p.returncode == 0 and json.loads(p.stdout)["TerminatingInstances"][0]["InstanceId"] == iid


def test_instance_attributes(ec2, image, web_sg):
    """Changing the type of a stopped instance (a lab step), termination and stop protection, the
    user data and the groups, in both ModifyInstanceAttribute forms."""
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                            UserData="#!/bin/sh\necho attr\n", DisableApiTermination=True)["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    got = ec2.describe_instance_attribute(InstanceId=iid, Attribute="instanceType")
    assert got["InstanceType"] == {"Value": "t2.micro"}
    ud = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")["UserData"]["Value"]
    assert base64.b64decode(ud) == b"#!/bin/sh\necho attr\n"
    assert ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")[
        "DisableApiTermination"] == {"Value": True}
    err, _ = refused(ec2.modify_instance_attribute, InstanceId=iid, InstanceType={"Value": "t3.large"})
    assert (err["Code"], err["Message"]) == ("IncorrectInstanceState",
                                             "The instance '%s' is not in the 'stopped' state." % iid)
    err, _ = refused(ec2.terminate_instances, InstanceIds=[iid])
    assert (err["Code"], err["Message"]) == (
        "OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' "
        "instance attribute and try again." % iid)
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiStop={"Value": True})
    err, _ = refused(ec2.stop_instances, InstanceIds=[iid])
    assert err["Code"] == "OperationNotPermitted"
    ec2.modify_instance_attribute(InstanceId=iid, Attribute="disableApiStop", Value="false")
    ec2.stop_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ec2.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.large"})
    ec2.modify_instance_attribute(InstanceId=iid, Groups=[web_sg])
    i = instance(ec2, iid)
    assert i["InstanceType"] == "t3.large" and [g["GroupId"] for g in i["SecurityGroups"]] == [web_sg]
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
    ec2.terminate_instances(InstanceIds=[iid])



IMDS_PROBE = """#!/bin/sh
python3 - <<'EOF'
import json, urllib.request as u, urllib.error
base = "http://169.254.169.254/latest/"
t = u.urlopen(u.Request(base + "api/token", method="PUT",
                        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})).read().decode()
def g(p, tok=t):
    return u.urlopen(u.Request(base + p, headers={"X-aws-ec2-metadata-token": tok})).read().decode()
print("IMDS instance-id=" + g("meta-data/instance-id"))
print("IMDS local-ipv4=" + g("meta-data/local-ipv4"))
print("IMDS zone=" + g("meta-data/placement/availability-zone"))
print("IMDS public-ipv4=" + g("meta-data/public-ipv4"))
print("IMDS key=" + g("meta-data/public-keys/0/openssh-key").split()[0])
print("IMDS listing=" + ",".join(g("meta-data/").split()))
print("IMDS doc=" + json.loads(g("dynamic/instance-identity/document"))["instanceId"])
print("IMDS userdata-first=" + g("user-data").splitlines()[0])
print("IMDS unsigned=" + u.urlopen(base + "meta-data/instance-type").read().decode())
for p, tok in (("meta-data/nothing-here", t), ("meta-data/instance-id", "wrong")):
    try:
        g(p, tok)
    except urllib.error.HTTPError as e:
        print("IMDS status=%d" % e.code)
EOF
"""


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_instance_metadata(ec2, image):
    """The instance metadata service at 169.254.169.254, as an instance's own scripts read it (IMDSv2
    token, the values, a directory listing, the identity document, the user data, AWS's 404 and 401)."""
    ec2.create_key_pair(KeyName="imds-key", KeyType="ed25519")
    i = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.nano", KeyName="imds-key",
                          UserData=IMDS_PROBE)["Instances"][0]
    iid = i["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    i = instance(ec2, iid)
    out = wait_for(lambda: console(ec2, iid).count("IMDS status=") == 2 and console(ec2, iid), timeout=30)
    said = dict(line[5:].split("=", 1) for line in out.splitlines() if line.startswith("IMDS ") and "status" not in line)
    assert said == {"instance-id": iid, "local-ipv4": i["PrivateIpAddress"],
                    "zone": i["Placement"]["AvailabilityZone"], "public-ipv4": i["PublicIpAddress"],
                    "key": "ssh-ed25519", "doc": iid, "userdata-first": "#!/bin/sh", "unsigned": "t3.nano",
                    "listing": said["listing"]}
    listing = said["listing"].split(",")
    assert "instance-id" in listing and "placement/" in listing and "network/" in listing
    assert [line for line in out.splitlines() if "status=" in line] == ["IMDS status=404", "IMDS status=401"]
    ec2.terminate_instances(InstanceIds=[iid])


def _host_port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


# A host sshd on 0.0.0.0:22 would hold the port every instance's 22 is forwarded at.
@pytest.mark.skipif(not MACHINES or not os.path.exists("/usr/sbin/sshd") or not _host_port_free(22),
                    reason="no machines, no sshd, or the host's own sshd holds port 22")
def test_ssh_as_ec2_user(ec2, image, tmp_path):
    """`ssh -i key.pem ec2-user@PUBLIC-IP`, as the labs connect: the key pair's private key logs in as
    ec2-user (the public key AWS puts in authorized_keys), the host keys are the instance's own (their
    fingerprints on the console), passwords are refused, and only a group that opens 22 lets it in."""
    key = ec2.create_key_pair(KeyName="ssh-key")
    pem = tmp_path / "ssh-key.pem"
    pem.write_text(key["KeyMaterial"])
    pem.chmod(0o600)
    g = ec2.create_security_group(GroupName="ssh-in", Description="ssh")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, KeyName="ssh-key",
                            SecurityGroupIds=[g])["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    pub = instance(ec2, iid)["PublicIpAddress"]
    out = wait_for(lambda: "END SSH HOST KEY FINGERPRINTS" in console(ec2, iid) and console(ec2, iid))
    assert "ED25519" in out

    def ssh(*cmd, key_file=pem):
        return subprocess.run(["ssh", "-i", str(key_file), "-o", "StrictHostKeyChecking=no", "-o",
                               "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                               "ec2-user@" + pub] + list(cmd), capture_output=True, text=True, timeout=30)

    p = wait_for(lambda: (lambda p: p if p.returncode == 0 else None)(ssh("id -un; hostname; pwd")), timeout=20,
                 step=0.5)
    assert p.stdout.split() == ["ec2-user", instance(ec2, iid)["PrivateDnsName"], "/home/ec2-user"]
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    p = ssh("true", key_file=other)
    assert p.returncode == 255 and "Permission denied" in p.stderr
    # Without the rule, port 22 is not reachable.
    ec2.revoke_security_group_ingress(GroupId=g, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    assert wait_for(lambda: ssh("true").returncode == 255)
    ec2.terminate_instances(InstanceIds=[iid])
