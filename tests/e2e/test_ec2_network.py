"""test_ec2_network.py — the network between instances of a VPC, Scenario F: a bastion in the
public ELB subnet is reached with ssh from the host; the web servers in WEB-SUBNET are reached only
through it (`ssh` with the bastion as ProxyCommand, as the lab does), because WEB-SG lets SSH in
from 10.0.2.0/24 only. Security groups allow (by address range or by group), network ACLs deny
between subnets (stateless: the answer's ephemeral ports too), and whatever is not allowed is
refused inside the instance's own network; pings are answered where the groups allow ICMP. The
web servers reach the lab's RDS database at its endpoint.
"""
import os
import shutil
import subprocess

import pytest

from conftest import machines_supported, serve, wait_for


def veth_supported():
    """Whether a veth pair can be made in a network namespace, as each machine's link is."""
    if not machines_supported():
        return False
    return subprocess.run(["unshare", "--net", "ip", "link", "add", "name", "va", "type", "veth", "peer", "name", "vb"],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not veth_supported(), reason="machines need root, namespaces and veth pairs")

WEB = """#!/bin/bash
mkdir -p /srv/www && echo "web $(hostname)" > /srv/www/index.html
cd /srv/www && nohup python3 -m http.server 8001 >/var/log/web.log 2>&1 &
"""


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100"})


@pytest.fixture(scope="module")
def lab(gureum, ec2, image, tmp_path_factory):
    """The VPC lab: WEB-VPC, ELB-SUBNET (public, with WEB-IGW) and WEB-SUBNET, a bastion, two
    web servers in WEB-SG and a third instance in WEB-SUBNET outside it."""
    key = ec2.create_key_pair(KeyName="lab-key")
    pem = tmp_path_factory.mktemp("keys") / "lab-key.pem"
    pem.write_text(key["KeyMaterial"])
    pem.chmod(0o600)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    elb = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
    web = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=zones[1])["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rt, SubnetId=elb)
    bastion_sg = ec2.create_security_group(GroupName="BASTION-SG", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=bastion_sg, IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="0.0.0.0/0")
    web_sg = ec2.create_security_group(GroupName="WEB-SG", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.2.0/24"}]},
        {"IpProtocol": "tcp", "FromPort": 8001, "ToPort": 8001, "UserIdGroupPairs": [{"GroupId": web_sg}]}])
    other_sg = ec2.create_security_group(GroupName="OTHER-SG", Description="other", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=other_sg, IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="10.0.2.0/24")
    bastion = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, KeyName="lab-key", NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": elb, "AssociatePublicIpAddress": True, "Groups": [bastion_sg]}]
    )["Instances"][0]["InstanceId"]
    webs = [i["InstanceId"] for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, KeyName="lab-key",
                                                       SubnetId=web, SecurityGroupIds=[web_sg],
                                                       UserData=WEB)["Instances"]]
    other = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, KeyName="lab-key", SubnetId=web,
                              SecurityGroupIds=[other_sg], UserData=WEB)["Instances"][0]["InstanceId"]
    ids = [bastion] + webs + [other]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    got = {i["InstanceId"]: i for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
           for i in r["Instances"]}
    lab = {"pem": pem, "vpc": vpc, "elb": elb, "web": web, "bastion": got[bastion]["PublicIpAddress"],
           "bastion_ip": got[bastion]["PrivateIpAddress"], "webs": [got[i]["PrivateIpAddress"] for i in webs],
           "web_names": [got[i]["PrivateDnsName"] for i in webs], "other": got[other]["PrivateIpAddress"]}
    assert lab["bastion_ip"].startswith("10.0.2.") and all(w.startswith("10.0.1.") for w in lab["webs"])
    # every sshd has made its host keys (a loaded machine takes a while)
    for i in ids:
        wait_for(lambda: "END SSH HOST KEY FINGERPRINTS" in ec2.get_console_output(InstanceId=i).get("Output", ""),
                 timeout=90, step=0.5)
    # each has its way out (a link that could not be made leaves the machine on its loopback)
    assert "has no way out" not in gureum.log_text(), gureum.log_tail(200)
    yield lab
    ec2.terminate_instances(InstanceIds=ids)


SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"]


def ssh(lab, cmd, via=None):
    """Runs cmd on the bastion, or with via (a private address) on that instance through the
    bastion, as `ssh -o ProxyCommand='ssh -W %h:%p ec2-user@BASTION' ec2-user@PRIVATE-IP`."""
    base = ["ssh", "-i", str(lab["pem"])] + SSH_OPTS
    if via is None:
        return subprocess.run(base + ["ec2-user@" + lab["bastion"], cmd], capture_output=True, text=True,
                              timeout=30)
    proxy = " ".join(base + ["-W", "%h:%p", "ec2-user@" + lab["bastion"]])
    return subprocess.run(base + ["-o", "ProxyCommand=" + proxy, "ec2-user@" + via, cmd], capture_output=True,
                          text=True, timeout=30)


def probe(ip, port):
    """Shell text that prints open or closed for a TCP connection to ip:port."""
    return "timeout 5 bash -c 'echo > /dev/tcp/%s/%d' 2>/dev/null && echo open || echo closed" % (ip, port)


def ok(p):
    return p if p.returncode == 0 else None


def until_ok(run, timeout=60):
    """Runs run() (an ssh) until it exits 0; on timeout the last output is in the failure."""
    last = []

    def attempt():
        p = run()
        last[:] = [p]
        return ok(p)
    try:
        return wait_for(attempt, timeout=timeout, step=0.5)
    except AssertionError:
        raise AssertionError("ssh never succeeded: rc=%s stdout=%r stderr=%r" % (
            last[0].returncode, last[0].stdout, last[0].stderr)) from None


def test_ssh_through_the_bastion(lab):
    """The lab's way in: ssh to the bastion's public address, and from it to each web server's
    private address (WEB-SG: SSH from 10.0.2.0/24)."""
    p = until_ok(lambda: ssh(lab, "hostname; id -un"))
    assert p.stdout.split() == ["ip-" + lab["bastion_ip"].replace(".", "-") + ".ec2.internal", "ec2-user"]
    for ip, name in zip(lab["webs"], lab["web_names"]):
        p = until_ok(lambda: ssh(lab, "hostname; id -un", via=ip))
        assert p.stdout.split() == [name, "ec2-user"]


def test_groups_allow_and_refuse(lab):
    """From a web server: the other web server's 8001 is open (WEB-SG lets its own members in), its
    22 is not (10.0.1.0/24 is not the bastion's range); the instance outside WEB-SG is reached
    on nothing from here; the bastion lets SSH in from anywhere."""
    w0, w1 = lab["webs"]
    script = "; ".join([probe(w1, 8001), probe(w1, 22), probe(lab["other"], 8001), probe(lab["other"], 22),
                        probe(lab["bastion_ip"], 22), "curl -s --max-time 5 http://%s:8001/" % w1])
    p = until_ok(lambda: ssh(lab, script, via=w0))
    assert p.stdout.split("\n")[:5] == ["open", "closed", "closed", "closed", "open"]
    assert p.stdout.split("\n")[5] == "web " + lab["web_names"][1]
    # From the bastion (10.0.2.0/24): SSH everywhere it is allowed, not the web port.
    p = until_ok(lambda: ssh(lab, "; ".join([probe(lab["other"], 22), probe(w0, 8001)])))
    assert p.stdout.split() == ["open", "closed"]


def test_public_addresses(lab):
    """Through the Internet: the bastion, with a public address in a subnet whose route table sends
    0.0.0.0/0 to WEB-IGW, reaches its own public address where its group lets the world in (22,
    not 8001); a web server, with no public address, reaches no public address."""
    p = until_ok(lambda: ssh(lab, "; ".join([probe(lab["bastion"], 22), probe(lab["bastion"], 8001)])))
    assert p.stdout.split() == ["open", "closed"]
    p = until_ok(lambda: ssh(lab, probe(lab["bastion"], 22), via=lab["webs"][0]))
    assert p.stdout.split() == ["closed"]


def test_network_acls_deny_between_subnets(ec2, lab):
    """A network ACL on WEB-SUBNET that denies SSH from the bastion's subnet (rule 90 before the
    allow-all 100) cuts the way in; a stateless ACL that lets port 22 in but not the answer out
    to the ephemeral ports cuts it too; traffic within the subnet passes no ACL."""
    acl = ec2.create_network_acl(VpcId=lab["vpc"])["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="10.0.2.0/24", PortRange={"From": 22, "To": 22})
    assoc = [a["NetworkAclAssociationId"] for a in ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [lab["web"]]}])["NetworkAcls"][0]["Associations"]
        if a["SubnetId"] == lab["web"]][0]
    back = ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)["NewAssociationId"]
    w0, w1 = lab["webs"]
    assert wait_for(lambda: ssh(lab, probe(w0, 22)).stdout.split() == ["closed"], timeout=30)
    # Within the subnet no ACL applies.
    ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Egress=False)
    p = until_ok(lambda: ssh(lab, probe(w1, 8001), via=w0))
    assert p.stdout.split() == ["open"]
    # Stateless: the answers to the bastion's ephemeral ports must be let out too.
    ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=True,
                                  CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    assert wait_for(lambda: ssh(lab, probe(w0, 22)).stdout.split() == ["closed"], timeout=30)
    ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=True,
                                  CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    assert wait_for(lambda: ssh(lab, probe(w0, 22)).stdout.split() == ["open"], timeout=30)
    default = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [lab["vpc"]]},
                                                 {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    ec2.replace_network_acl_association(AssociationId=back, NetworkAclId=default["NetworkAclId"])
    ec2.delete_network_acl(NetworkAclId=acl)


def test_ping_as_groups_allow(ec2, lab):
    """ping answers where the target's groups let ICMP echo in from the source (and the ACLs pass
    it both ways), as on AWS; WEB-SG has no ICMP rule at first, so the bastion's pings go
    unanswered; an address no instance has never answers."""
    w0 = lab["webs"][0]
    ping = "ping -c 1 -W 2 %s >/dev/null 2>&1 && echo answered || echo silent"
    p = until_ok(lambda: ssh(lab, "; ".join([ping % w0, ping % "10.0.1.99"])))
    assert p.stdout.split() == ["silent", "silent"]
    web_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["WEB-SG"]}])[
        "SecurityGroups"][0]["GroupId"]
    icmp = [{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}]
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=icmp)
    assert wait_for(lambda: ssh(lab, ping % w0).stdout.split() == ["answered"], timeout=30)
    p = ssh(lab, "ping -c 2 -i 0.2 %s" % w0)
    assert p.returncode == 0 and ("64 bytes from %s: icmp_seq=1" % w0) in p.stdout
    # the other web server is in WEB-SG too, but 10.0.1.0/24 is not the rule's range
    assert ssh(lab, ping % w0, via=lab["webs"][1]).stdout.split() == ["silent"]
    ec2.revoke_security_group_ingress(GroupId=web_sg, IpPermissions=icmp)
    assert wait_for(lambda: ssh(lab, ping % w0).stdout.split() == ["silent"], timeout=30)


def test_rules_follow_changes(ec2, lab):
    """Revoking the rule closes the port within a moment; authorizing it again opens it."""
    w0 = lab["webs"][0]
    web_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["WEB-SG"]}])[
        "SecurityGroups"][0]["GroupId"]
    ec2.revoke_security_group_ingress(GroupId=web_sg, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.2.0/24")
    assert wait_for(lambda: ssh(lab, probe(w0, 22)).stdout.split() == ["closed"], timeout=30)
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="10.0.2.0/24")
    assert wait_for(lambda: ssh(lab, probe(w0, 22)).stdout.split() == ["open"], timeout=30)


PSQL = shutil.which("psql")


@pytest.mark.skipif(not (PSQL and os.path.isdir("/usr/lib/postgresql")), reason="no PostgreSQL server on this host")
def test_web_servers_reach_the_database(gureum, ec2, lab):
    """The VPC lab's database: a DB instance in a DB subnet group over RDS-MASTER-SUBNET and
    RDS-SLAVE-SUBNET whose DB-SG lets 5432 in from WEB-SG only. A web server connects with psql
    to the endpoint address RDS gives, as the host does; the bastion, outside WEB-SG, is refused.
    The same with a mysql instance at 3306 and the mysql client."""
    rds = gureum.client("rds")
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets = [ec2.create_subnet(VpcId=lab["vpc"], CidrBlock=cidr, AvailabilityZone=z)["Subnet"]["SubnetId"]
               for cidr, z in (("10.0.100.0/24", zones[0]), ("10.0.200.0/24", zones[1]))]
    rds.create_db_subnet_group(DBSubnetGroupName="lab-db", DBSubnetGroupDescription="lab", SubnetIds=subnets)
    web_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["WEB-SG"]}])[
        "SecurityGroups"][0]["GroupId"]
    db_sg = ec2.create_security_group(GroupName="DB-SG", Description="db", VpcId=lab["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web_sg}]}])
    rds.create_db_instance(DBInstanceIdentifier="labdb", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName="lab-db", DBName="app", VpcSecurityGroupIds=[db_sg])
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="labdb",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    ep = rds.describe_db_instances(DBInstanceIdentifier="labdb")["DBInstances"][0]["Endpoint"]
    w0 = lab["webs"][0]
    sql = "PGPASSWORD=secret-pass1 PGCONNECT_TIMEOUT=5 psql -X -A -t -h %s -p %d -U dbadmin -d app -c 'select 40 + 2'"
    p = until_ok(lambda: ssh(lab, sql % (ep["Address"], ep["Port"]), via=w0))
    assert p.stdout.strip() == "42"
    p = ssh(lab, probe(ep["Address"], ep["Port"]))
    assert p.stdout.split() == ["closed"]
    rds.delete_db_instance(DBInstanceIdentifier="labdb", SkipFinalSnapshot=True)
    if not (shutil.which("mariadb") and os.path.exists("/usr/sbin/mariadbd")):
        return
    # the lab's other engine: MySQL, at 3306, with the mysql client on the web server
    ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "UserIdGroupPairs": [{"GroupId": web_sg}]}])
    rds.create_db_instance(DBInstanceIdentifier="labmysql", Engine="mysql", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin", MasterUserPassword="secret-pass1", AllocatedStorage=20,
                           DBSubnetGroupName="lab-db", DBName="app", VpcSecurityGroupIds=[db_sg])
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="labmysql",
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    ep = rds.describe_db_instances(DBInstanceIdentifier="labmysql")["DBInstances"][0]["Endpoint"]
    sql = "mysql --no-defaults --connect-timeout=5 -N -h %s -P %d -u admin -psecret-pass1 app -e 'select 40 + 2'"
    p = until_ok(lambda: ssh(lab, sql % (ep["Address"], ep["Port"]), via=w0))
    assert p.stdout.strip() == "42"
    assert ssh(lab, probe(ep["Address"], ep["Port"])).stdout.split() == ["closed"]
    rds.delete_db_instance(DBInstanceIdentifier="labmysql", SkipFinalSnapshot=True)
