"""test_elb.py — Scenario E.3 with a classic load balancer (`aws elb`): two instances from the
region's image serve their host names on 8001; a load balancer listening on 80 forwards to 8001
with an HTTP health check; repeated requests reach both; a stopped instance is taken out; its
DNSName is answered by gureum's DNS server (and an alias record in a hosted zone, Scenario E.4);
AWS's refusals; the CLIs.
"""
import json
import subprocess
import urllib.request

import pytest

from conftest import machines_supported, refused, serve, wait_for

MACHINES = machines_supported()

WEB = """#!/bin/sh
mkdir -p /srv/www && cd /srv/www && hostname > index.html && (python3 -m http.server 8001 >/dev/null 2>&1 &)
"""


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_ELB_SECOND_MS": "100"})


@pytest.fixture(scope="module")
def elb(gureum):
    return gureum.client("elb")


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


@pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")
def test_balances_over_healthy_instances(gureum, elb, ec2):
    [im] = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-*"]}])["Images"]
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=im["ImageId"], MinCount=2, MaxCount=2,
                                                       UserData=WEB)["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    names = {i: "ip-%s.ec2.internal" % ec2.describe_instances(InstanceIds=[i])["Reservations"][0]["Instances"][0][
        "PrivateIpAddress"].replace(".", "-") for i in ids}
    dns = elb.create_load_balancer(LoadBalancerName="web-lb", AvailabilityZones=["us-east-1a", "us-east-1b"],
                                   Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80,
                                               "InstanceProtocol": "HTTP", "InstancePort": 8001}])["DNSName"]
    assert dns.startswith("web-lb-") and dns.endswith(".us-east-1.elb.amazonaws.com")
    hc = elb.configure_health_check(LoadBalancerName="web-lb", HealthCheck={
        "Target": "HTTP:8001/index.html", "Interval": 5, "Timeout": 2, "UnhealthyThreshold": 2,
        "HealthyThreshold": 2})["HealthCheck"]
    assert hc["Target"] == "HTTP:8001/index.html"
    got = elb.register_instances_with_load_balancer(LoadBalancerName="web-lb",
                                                    Instances=[{"InstanceId": i} for i in ids])["Instances"]
    assert sorted(x["InstanceId"] for x in got) == sorted(ids)

    def states():
        return {s["InstanceId"]: s["State"] for s in
                elb.describe_instance_health(LoadBalancerName="web-lb")["InstanceStates"]}
    wait_for(lambda: set(states().values()) == {"InService"}, timeout=30)
    [addr] = resolve(gureum, dns)
    assert addr.startswith("127.201.")
    seen = {fetch(addr) for _ in range(12)}
    assert seen == set(names.values()), seen
    [d] = elb.describe_load_balancers(LoadBalancerNames=["web-lb"])["LoadBalancerDescriptions"]
    assert (d["DNSName"], d["CanonicalHostedZoneNameID"], d["Scheme"], sorted(d["AvailabilityZones"])) == (
        dns, "Z35SXDOTRQ7X7K", "internet-facing", ["us-east-1a", "us-east-1b"])
    assert d["ListenerDescriptions"][0]["Listener"] == {"Protocol": "HTTP", "LoadBalancerPort": 80,
                                                         "InstanceProtocol": "HTTP", "InstancePort": 8001}

    # Scenario E.4: www in a hosted zone, an alias to the load balancer.
    r53 = gureum.client("route53")
    zid = r53.create_hosted_zone(Name="gureum.test", CallerReference="lb-zone")["HostedZone"]["Id"]
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www.gureum.test", "Type": "A", "AliasTarget": {"HostedZoneId": d["CanonicalHostedZoneNameID"],
                                                                "DNSName": dns, "EvaluateTargetHealth": False}}}]})
    assert resolve(gureum, "www.gureum.test") == [addr]

    # A stopped instance is taken out; all requests reach the other.
    ec2.stop_instances(InstanceIds=[ids[0]])
    wait_for(lambda: states()[ids[0]] == "OutOfService", timeout=30)
    [h] = [s for s in elb.describe_instance_health(LoadBalancerName="web-lb", Instances=[{"InstanceId": ids[0]}])[
        "InstanceStates"]]
    assert (h["ReasonCode"], h["Description"]) == ("Instance", "Instance is in stopped state.")
    assert {fetch(addr) for _ in range(6)} == {names[ids[1]]}
    elb.delete_load_balancer(LoadBalancerName="web-lb")
    wait_for(lambda: fetch(addr) is None)
    ec2.terminate_instances(InstanceIds=ids)


def test_refusals(elb, ec2):
    err, _ = refused(elb.describe_load_balancers, LoadBalancerNames=["nope"])
    assert (err["Code"], err["Message"]) == ("LoadBalancerNotFound", "There is no ACTIVE Load Balancer named 'nope'")
    err, _ = refused(elb.create_load_balancer, LoadBalancerName="-bad", AvailabilityZones=["us-east-1a"],
                     Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    assert err["Code"] == "ValidationError"
    err, _ = refused(elb.create_load_balancer, LoadBalancerName="nozones",
                     Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    assert (err["Code"], err["Message"]) == ("ValidationError",
                                             "Either AvailabilityZones or SubnetIds must be specified")
    elb.create_load_balancer(LoadBalancerName="lb2", AvailabilityZones=["us-east-1a"],
                             Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 8081, "InstancePort": 8001}])
    err, _ = refused(elb.register_instances_with_load_balancer, LoadBalancerName="lb2",
                     Instances=[{"InstanceId": "i-0123456789abcdef0"}])
    assert err["Code"] == "InvalidInstance"
    err, _ = refused(elb.configure_health_check, LoadBalancerName="lb2", HealthCheck={
        "Target": "HTTP:80", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 2})
    assert err["Code"] == "ValidationError"
    elb.add_tags(LoadBalancerNames=["lb2"], Tags=[{"Key": "env", "Value": "lab"}])
    assert elb.describe_tags(LoadBalancerNames=["lb2"])["TagDescriptions"][0]["Tags"] == [{"Key": "env", "Value": "lab"}]
    elb.delete_load_balancer(LoadBalancerName="lb2")
    elb.delete_load_balancer(LoadBalancerName="lb2")  # AWS: deleting what is gone succeeds


def test_cli(gureum, cli):
    p = gureum.aws("elb", "create-load-balancer", "--load-balancer-name", "cli-lb", "--listeners",
                   "Protocol=HTTP,LoadBalancerPort=8082,InstanceProtocol=HTTP,InstancePort=8001",
                   "--availability-zones", "us-east-1a", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["DNSName"].startswith("cli-lb-")
    p = gureum.aws("elb", "describe-load-balancers", "--query", "LoadBalancerDescriptions[].LoadBalancerName",
                   "--output", "text", cli=cli)
    assert "cli-lb" in p.stdout.split()
    p = gureum.aws("elb", "delete-load-balancer", "--load-balancer-name", "cli-lb", cli=cli)
    assert p.returncode == 0, p.stderr
