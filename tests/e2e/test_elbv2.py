"""test_elbv2.py — Elastic Load Balancing v2 that really balances (Scenario E.3 as today's console
builds it): an application load balancer over two subnets, a target group on port 8001 with an
HTTP health check, two instances serving their host names registered as targets, a listener on
port 80 forwarding to the group; the load balancer's DNS name answered by gureum's DNS server;
requests reach both instances; a stopped instance is taken out; an Auto Scaling group registers
its instances in the group (TargetGroupARNs); a listener moved to another port (ModifyListener);
a network load balancer over TCP; attributes (deletion protection refusing the deletion); tags;
AWS's refusals; the classic API on the same endpoint still answered by the classic service; the CLIs.
"""
import subprocess
import urllib.request

import pytest

from conftest import machines_supported, refused, serve, wait_for


MACHINES = machines_supported()
needs_machines = pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_ELB_SECOND_MS": "100"})


@pytest.fixture(scope="module")
def elbv2(gureum):
    return gureum.client("elbv2")


@pytest.fixture(scope="module")
def net(ec2):
    """The default VPC and two of its subnets in two zones."""
    subs = sorted(ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"],
                  key=lambda s: s["AvailabilityZone"])[:2]
    return subs[0]["VpcId"], [s["SubnetId"] for s in subs]


WEB = """#!/bin/bash
mkdir -p /srv/www && hostname > /srv/www/index.html
cd /srv/www && nohup python3 -m http.server 8001 >/dev/null 2>&1 &
"""


def resolve(gureum, name):
    p = subprocess.run(["dig", "+short", "@127.0.0.1", "-p", str(gureum.port), name, "A"], capture_output=True,
                       text=True, timeout=10)
    return p.stdout.split()


def fetch(ip, port=80):
    try:
        with urllib.request.urlopen("http://%s:%d/" % (ip, port), timeout=3) as r:
            return r.read().decode().strip()
    except OSError:
        return None


def launch(ec2, image, subnet, n=1):
    """Instances serving their host names on 8001, without public addresses: only the load
    balancer reaches them."""
    ids = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=image, MinCount=n, MaxCount=n, InstanceType="t2.micro", UserData=WEB,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": False}])["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return ids


def health(elbv2, tg):
    return {d["Target"]["Id"]: d["TargetHealth"]["State"]
            for d in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}


@needs_machines
def test_application_load_balancer_balances(gureum, elbv2, ec2, net, image):
    vpc, subnets = net
    lb = elbv2.create_load_balancer(Name="web-alb", Subnets=subnets, Tags=[{"Key": "tier", "Value": "web"}])[
        "LoadBalancers"][0]
    assert lb["Type"] == "application" and lb["Scheme"] == "internet-facing" and lb["VpcId"] == vpc
    assert lb["State"]["Code"] == "provisioning" and lb["DNSName"].startswith("web-alb-")
    assert lb["DNSName"].endswith(".us-east-1.elb.amazonaws.com") and lb["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert lb["LoadBalancerArn"].startswith("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web-alb/")
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(subnets)
    got = elbv2.describe_load_balancers(Names=["web-alb"])["LoadBalancers"][0]
    assert got["State"]["Code"] == "active"
    [addr] = resolve(gureum, lb["DNSName"])
    assert addr.startswith("127.204.")

    tg = elbv2.create_target_group(Name="web-tg", Protocol="HTTP", Port=8001, VpcId=vpc, HealthCheckPath="/",
                                   HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                   HealthyThresholdCount=2, UnhealthyThresholdCount=2)["TargetGroups"][0]
    arn = tg["TargetGroupArn"]
    assert tg["HealthCheckPort"] == "traffic-port" and tg["Matcher"] == {"HttpCode": "200"}
    assert tg["TargetType"] == "instance" and tg["LoadBalancerArns"] == []
    ids = launch(ec2, image, subnets[0]) + launch(ec2, image, subnets[1])
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i} for i in ids])
    # registered, but no listener uses the group yet
    assert set(health(elbv2, arn).values()) == {"unused"}
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                     DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}])["Listeners"][0]
    assert listener["ListenerArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web-alb/")
    assert elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]["LoadBalancerArns"] == [
        lb["LoadBalancerArn"]]
    wait_for(lambda: health(elbv2, arn) == {i: "healthy" for i in ids}, timeout=30)
    # both instances answer behind the load balancer
    names = {i: ec2.describe_instances(InstanceIds=[i])["Reservations"][0]["Instances"][0]["PrivateDnsName"]
             for i in ids}
    seen = {fetch(addr) for _ in range(12)}
    assert {n.split(".")[0] for n in names.values()} <= {s.split(".")[0] for s in seen if s}, seen

    # a stopped instance is taken out: the other one serves alone
    ec2.stop_instances(InstanceIds=[ids[0]])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[ids[0]], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    wait_for(lambda: health(elbv2, arn)[ids[0]] == "unused", timeout=20)
    d = [x for x in elbv2.describe_target_health(TargetGroupArn=arn, Targets=[{"Id": ids[0]}])[
        "TargetHealthDescriptions"]][0]["TargetHealth"]
    assert d == {"State": "unused", "Reason": "Target.InvalidState", "Description": "Target is in the stopped state"}
    only = names[ids[1]].split(".")[0]
    assert all((fetch(addr) or "").split(".")[0] == only for _ in range(6))

    # the listener moved to another port: the load balancer serves there, and no longer on 80
    moved = elbv2.modify_listener(ListenerArn=listener["ListenerArn"], Port=8080)["Listeners"][0]
    assert (moved["Port"], moved["DefaultActions"]) == (8080, listener["DefaultActions"])
    wait_for(lambda: (fetch(addr, 8080) or "").split(".")[0] == only, timeout=10)
    wait_for(lambda: fetch(addr) is None, timeout=10)

    # a target group in use is not deleted
    err, code = refused(elbv2.delete_target_group, TargetGroupArn=arn)
    assert (code, err["Code"]) == (400, "ResourceInUse")
    elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
    elbv2.delete_target_group(TargetGroupArn=arn)
    elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
    wait_for(lambda: fetch(addr, 8080) is None, timeout=10)
    ec2.terminate_instances(InstanceIds=ids)


@needs_machines
def test_auto_scaling_group_registers_in_a_target_group(gureum, elbv2, ec2, net, image):
    vpc, subnets = net
    asg = gureum.client("autoscaling")
    lb = elbv2.create_load_balancer(Name="asg-alb", Subnets=subnets)["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="asg-tg", Protocol="HTTP", Port=8001, VpcId=vpc,
                                   HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                   HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    import base64
    tid = ec2.create_launch_template(LaunchTemplateName="asg-web", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t2.micro", "UserData": base64.b64encode(WEB.encode()).decode()})[
        "LaunchTemplate"]["LaunchTemplateId"]
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", MinSize=2, MaxSize=2,
                                  LaunchTemplate={"LaunchTemplateId": tid}, VPCZoneIdentifier=",".join(subnets),
                                  TargetGroupARNs=[tg])
    assert asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])["AutoScalingGroups"][0][
        "TargetGroupARNs"] == [tg]
    wait_for(lambda: len(health(elbv2, tg)) == 2 and set(health(elbv2, tg).values()) == {"healthy"}, timeout=60)
    [addr] = resolve(gureum, lb["DNSName"])
    assert wait_for(lambda: fetch(addr), timeout=10)
    asg.delete_auto_scaling_group(AutoScalingGroupName="web-asg", ForceDelete=True)
    wait_for(lambda: health(elbv2, tg) == {}, timeout=60)


@needs_machines
def test_network_load_balancer_over_tcp(gureum, elbv2, ec2, net, image):
    vpc, subnets = net
    lb = elbv2.create_load_balancer(Name="tcp-nlb", Subnets=subnets[:1], Type="network")["LoadBalancers"][0]
    assert lb["Type"] == "network" and ".elb.us-east-1.amazonaws.com" in lb["DNSName"]
    assert lb["LoadBalancerArn"].split(":")[5].startswith("loadbalancer/net/tcp-nlb/")
    tg = elbv2.create_target_group(Name="tcp-tg", Protocol="TCP", Port=8001, VpcId=vpc,
                                   HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                   HealthyThresholdCount=2)["TargetGroups"][0]
    assert tg["HealthCheckProtocol"] == "TCP" and "Matcher" not in tg
    ids = launch(ec2, image, subnets[0])
    elbv2.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": ids[0]}])
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=9000,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    wait_for(lambda: health(elbv2, tg["TargetGroupArn"]) == {ids[0]: "healthy"}, timeout=30)
    [addr] = resolve(gureum, lb["DNSName"])
    assert wait_for(lambda: fetch(addr, 9000), timeout=10)
    # AWS: a terminated instance is deregistered by itself
    ec2.terminate_instances(InstanceIds=ids)
    wait_for(lambda: health(elbv2, tg["TargetGroupArn"]) == {}, timeout=30)


def test_refusals_and_tags(gureum, elbv2, net):
    vpc, subnets = net
    err, code = refused(elbv2.create_load_balancer, Name="one-zone", Subnets=subnets[:1])
    assert (code, err["Code"]) == (400, "ValidationError")
    assert err["Message"] == "At least two subnets in two different Availability Zones must be specified"
    err, _ = refused(elbv2.create_load_balancer, Name="bad", Subnets=["subnet-0123456789abcdef0", subnets[0]])
    assert (err["Code"], err["Message"]) == ("SubnetNotFound", "The subnet ID 'subnet-0123456789abcdef0' is not valid")
    lb = elbv2.create_load_balancer(Name="dup", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    err, _ = refused(elbv2.create_load_balancer, Name="dup", Subnets=subnets)
    assert (err["Code"], err["Message"]) == ("DuplicateLoadBalancerName",
                                             "A load balancer with the same name 'dup' exists")
    err, _ = refused(elbv2.describe_load_balancers, Names=["nope"])
    assert (err["Code"], err["Message"]) == ("LoadBalancerNotFound", "One or more load balancers not found")
    tg = elbv2.create_target_group(Name="r-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    assert (tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"], tg["HealthyThresholdCount"],
            tg["UnhealthyThresholdCount"], tg["HealthCheckPath"]) == (30, 5, 5, 2, "/")
    # the same name and settings answer the same group; other settings are refused
    again = elbv2.create_target_group(Name="r-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    assert again["TargetGroupArn"] == tg["TargetGroupArn"]
    err, _ = refused(elbv2.create_target_group, Name="r-tg", Protocol="HTTP", Port=81, VpcId=vpc)
    assert err["Code"] == "DuplicateTargetGroupName"
    err, _ = refused(elbv2.register_targets, TargetGroupArn=tg["TargetGroupArn"],
                     Targets=[{"Id": "i-0123456789abcdef0"}])
    assert (err["Code"], err["Message"]) == (
        "InvalidTarget", "The following targets are not in a running state and cannot be registered: "
                         "'i-0123456789abcdef0'")
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8080,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    err, _ = refused(elbv2.create_listener, LoadBalancerArn=lb, Protocol="HTTP", Port=8080,
                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    assert (err["Code"], err["Message"]) == ("DuplicateListener",
                                             "A listener already exists on this port for this load balancer")
    err, _ = refused(elbv2.create_listener, LoadBalancerArn=lb, Protocol="HTTPS", Port=443,
                     DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    assert err["Code"] == "UnsupportedProtocol"
    err, _ = refused(elbv2.describe_target_groups, Names=["nope"])
    assert (err["Code"], err["Message"]) == ("TargetGroupNotFound", "One or more target groups not found")
    elbv2.add_tags(ResourceArns=[lb, tg["TargetGroupArn"]], Tags=[{"Key": "env", "Value": "dev"}])
    tags = elbv2.describe_tags(ResourceArns=[lb])["TagDescriptions"][0]
    assert tags == {"ResourceArn": lb, "Tags": [{"Key": "env", "Value": "dev"}]}
    elbv2.remove_tags(ResourceArns=[lb], TagKeys=["env"])
    assert elbv2.describe_tags(ResourceArns=[lb])["TagDescriptions"][0]["Tags"] == []
    # the classic API on the same endpoint and signing name is the classic service's
    classic = gureum.client("elb")
    assert classic.describe_load_balancers()["LoadBalancerDescriptions"] == []
    elbv2.delete_load_balancer(LoadBalancerArn=lb)
    elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])


def test_attributes(elbv2, net):
    """AWS's attribute keys and defaults per kind of load balancer and target group; values kept and
    reported; deletion protection refuses the deletion; other kinds' keys and bad values refused."""
    vpc, subnets = net
    alb = elbv2.create_load_balancer(Name="attr-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    nlb = elbv2.create_load_balancer(Name="attr-nlb", Subnets=subnets, Type="network")["LoadBalancers"][0][
        "LoadBalancerArn"]

    def attrs(call, **kw):
        return {a["Key"]: a["Value"] for a in call(**kw)["Attributes"]}

    got = attrs(elbv2.describe_load_balancer_attributes, LoadBalancerArn=alb)
    assert (got["idle_timeout.timeout_seconds"], got["deletion_protection.enabled"], got["routing.http2.enabled"],
            got["load_balancing.cross_zone.enabled"]) == ("60", "false", "true", "true")
    assert attrs(elbv2.describe_load_balancer_attributes, LoadBalancerArn=nlb)[
        "load_balancing.cross_zone.enabled"] == "false"
    got = attrs(elbv2.modify_load_balancer_attributes, LoadBalancerArn=alb, Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "120"}, {"Key": "deletion_protection.enabled", "Value": "true"}])
    assert (got["idle_timeout.timeout_seconds"], got["deletion_protection.enabled"]) == ("120", "true")
    assert attrs(elbv2.describe_load_balancer_attributes, LoadBalancerArn=alb)["idle_timeout.timeout_seconds"] == "120"
    err, _ = refused(elbv2.delete_load_balancer, LoadBalancerArn=alb)
    assert (err["Code"], err["Message"]) == (
        "OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled" % alb)
    for arn, key, value in [(nlb, "routing.http2.enabled", "true"), (alb, "no.such.key", "1")]:
        err, _ = refused(elbv2.modify_load_balancer_attributes, LoadBalancerArn=arn,
                         Attributes=[{"Key": key, "Value": value}])
        assert (err["Code"], err["Message"]) == ("InvalidConfigurationRequest", "Key %s not valid" % key)
    for value in ("0", "4001", "soon"):
        err, _ = refused(elbv2.modify_load_balancer_attributes, LoadBalancerArn=alb,
                         Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": value}])
        assert err["Code"] == "InvalidConfigurationRequest", value
    tg = elbv2.create_target_group(Name="attr-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"]
    got = attrs(elbv2.describe_target_group_attributes, TargetGroupArn=tg)
    assert (got["deregistration_delay.timeout_seconds"], got["stickiness.enabled"], got["stickiness.type"]) == (
        "300", "false", "lb_cookie")
    got = attrs(elbv2.modify_target_group_attributes, TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    assert got["deregistration_delay.timeout_seconds"] == "30"
    err, _ = refused(elbv2.modify_target_group_attributes, TargetGroupArn=tg,
                     Attributes=[{"Key": "stickiness.type", "Value": "source_ip"}])
    assert err["Code"] == "InvalidConfigurationRequest"
    tcp = elbv2.create_target_group(Name="attr-tcp", Protocol="TCP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"]
    assert attrs(elbv2.describe_target_group_attributes, TargetGroupArn=tcp)["stickiness.type"] == "source_ip"
    err, _ = refused(elbv2.describe_target_group_attributes, TargetGroupArn=tg.replace("attr-tg", "nope-tg"))
    assert err["Code"] == "TargetGroupNotFound"
    # a listener moved onto a port another one listens on is refused
    a = elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=81,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp}])["Listeners"][0]["ListenerArn"]
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=82,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp}])
    err, _ = refused(elbv2.modify_listener, ListenerArn=a, Port=82)
    assert err["Code"] == "DuplicateListener"
    err, _ = refused(elbv2.modify_listener, ListenerArn=a, Protocol="HTTP")
    assert err["Code"] == "UnsupportedProtocol"
    assert elbv2.modify_listener(ListenerArn=a, Port=83)["Listeners"][0]["Port"] == 83
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=alb, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "false"}])
    for arn in (alb, nlb):
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
    for arn in (tg, tcp):
        elbv2.delete_target_group(TargetGroupArn=arn)


def test_cli(gureum, cli, net):
    vpc, subnets = net
    p = gureum.aws("elbv2", "create-target-group", "--name", "cli-tg", "--protocol", "HTTP", "--port", "8001",
                   "--vpc-id", vpc, "--query", "TargetGroups[0].TargetGroupName", "--output", "text", cli=cli)
    assert p.returncode == 0 and p.stdout.strip() == "cli-tg", p.stderr
    p = gureum.aws("elbv2", "describe-target-groups", "--names", "cli-tg", "--query",
                   "TargetGroups[0].TargetGroupArn", "--output", "text", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("elbv2", "delete-target-group", "--target-group-arn", p.stdout.strip(), cli=cli)
    assert p.returncode == 0, p.stderr
