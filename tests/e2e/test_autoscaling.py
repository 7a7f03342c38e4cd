"""test_autoscaling.py — Amazon EC2 Auto Scaling that really scales (Scenario G): a launch
configuration from the region's image whose user data serves on port 8001, a group (min 1, max 3)
over two subnets of two zones; its instances really run and serve, are spread over the zones,
replaced when terminated behind the group's back, added and removed with the desired capacity;
scaling policies executed by hand and by CloudWatch alarms on the group's real average
CPUUtilization (the instances' own load raises it, the alarm adds instances; when the load stops,
a second alarm removes them); activities with AWS's texts; AWS's refusals; the AWS CLIs.
"""
import base64
import datetime
import json
import time
import urllib.request

import pytest

from conftest import machines_supported, refused, serve, wait_for


MACHINES = machines_supported()
needs_machines = pytest.mark.skipif(not MACHINES, reason="this host runs no machines (root and namespaces needed)")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "200", "GUREUM_METRICS_FLUSH_MS": "1000",
                                            "GUREUM_CLOUDWATCH_ALARM_EVAL_MS": "1000", "GUREUM_ELB_SECOND_MS": "100"})


@pytest.fixture(scope="module")
def asg(gureum):
    return gureum.client("autoscaling")


@pytest.fixture(scope="module")
def subnets(ec2):
    """Two default subnets in two zones: 'subnet-a,subnet-b' and their zones."""
    subs = sorted(ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"],
                  key=lambda s: s["AvailabilityZone"])[:2]
    return ",".join(s["SubnetId"] for s in subs), [s["AvailabilityZone"] for s in subs]


@pytest.fixture(scope="module")
def web_sg(ec2):
    g = ec2.create_security_group(GroupName="asg-web", Description="web on 8001")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8001, "ToPort": 8001, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return g


WEB = """#!/bin/bash
mkdir -p /srv/www && echo "hello from $(hostname)" > /srv/www/index.html
cd /srv/www && nohup python3 -m http.server 8001 >/dev/null 2>&1 &
"""


def fetch(ip):
    try:
        with urllib.request.urlopen("http://%s:8001/" % ip, timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


def group(asg, name):
    return asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]


def in_service(asg, name, n):
    """The group's instances once exactly n are InService and none is pending or leaving."""
    def check():
        g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        insts = g[0]["Instances"] if g else []
        return insts if len(insts) == n and all(i["LifecycleState"] == "InService" for i in insts) else None
    return wait_for(check, timeout=60, step=0.3)


def activities(asg, name):
    return asg.describe_scaling_activities(AutoScalingGroupName=name)["Activities"]


@needs_machines
def test_group_keeps_its_capacity_with_real_instances(asg, ec2, image, subnets, web_sg):
    ids, zones = subnets
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=image, InstanceType="t2.micro",
                                    SecurityGroups=[web_sg], UserData=WEB, AssociatePublicIpAddress=True)
    lc = asg.describe_launch_configurations(LaunchConfigurationNames=["web-lc"])["LaunchConfigurations"][0]
    assert lc["ImageId"] == image and lc["SecurityGroups"] == [web_sg]
    assert lc["LaunchConfigurationARN"].startswith("arn:aws:autoscaling:us-east-1:000000000000:launchConfiguration:")
    asg.create_auto_scaling_group(AutoScalingGroupName="web", LaunchConfigurationName="web-lc", MinSize=1, MaxSize=3,
                                  VPCZoneIdentifier=ids,
                                  Tags=[{"Key": "tier", "Value": "web", "PropagateAtLaunch": True},
                                        {"Key": "owner", "Value": "me", "PropagateAtLaunch": False}])
    g = group(asg, "web")
    assert g["DesiredCapacity"] == 1 and g["MinSize"] == 1 and g["MaxSize"] == 3
    assert sorted(g["AvailabilityZones"]) == sorted(zones) and g["VPCZoneIdentifier"] == ids
    assert g["HealthCheckType"] == "EC2" and g["DefaultCooldown"] == 300 and g["TerminationPolicies"] == ["Default"]
    assert g["AutoScalingGroupARN"].endswith(":autoScalingGroupName/web")

    [one] = in_service(asg, "web", 1)
    i = ec2.describe_instances(InstanceIds=[one["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert i["State"]["Name"] == "running"
    tags = {t["Key"]: t["Value"] for t in i["Tags"]}
    assert tags["aws:autoscaling:groupName"] == "web" and tags["tier"] == "web" and "owner" not in tags
    # the instance really serves what its launch configuration's user data started
    assert wait_for(lambda: fetch(i["PublicIpAddress"]), timeout=20).startswith("hello from")
    [launch] = activities(asg, "web")
    assert launch["Description"] == "Launching a new EC2 instance: %s" % one["InstanceId"]
    assert "a user request created an AutoScalingGroup changing the desired capacity from 0 to 1." in launch["Cause"]
    assert "an instance was started in response to a difference between desired and actual capacity, " \
           "increasing the capacity from 0 to 1." in launch["Cause"]
    assert wait_for(lambda: activities(asg, "web")[0]["StatusCode"] == "Successful")

    # three instances, spread over both zones
    asg.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=3)
    three = in_service(asg, "web", 3)
    assert sorted({x["AvailabilityZone"] for x in three}) == sorted(zones)
    inst = asg.describe_auto_scaling_instances(InstanceIds=[three[0]["InstanceId"]])["AutoScalingInstances"]
    assert inst[0]["AutoScalingGroupName"] == "web" and inst[0]["HealthStatus"] == "HEALTHY"

    # an instance terminated behind the group's back fails the EC2 health check and is replaced
    gone = three[1]["InstanceId"]
    ec2.terminate_instances(InstanceIds=[gone])
    again = wait_for(lambda: (lambda l: l if l and gone not in [x["InstanceId"] for x in l] else None)(
        in_service(asg, "web", 3)), timeout=60)
    assert len(again) == 3
    causes = [a["Cause"] for a in activities(asg, "web")]
    assert any("an instance was taken out of service in response to an EC2 health check indicating it has been "
               "terminated or stopped." in c for c in causes)

    # scaling in: two terminated for real, as AWS words it
    asg.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    [left] = in_service(asg, "web", 1)
    leaving = [x for x in again if x["InstanceId"] != left["InstanceId"]]
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[x["InstanceId"] for x in leaving],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    a = activities(asg, "web")[0]
    assert a["Description"].startswith("Terminating EC2 instance: ")
    assert "a user request explicitly set group desired capacity changing the desired capacity from 3 to 1." \
        in a["Cause"] and "shrinking the capacity from 3 to 1." in a["Cause"]

    # TerminateInstanceInAutoScalingGroup, decrementing below the minimum, is refused
    err, code = refused(asg.terminate_instance_in_auto_scaling_group, InstanceId=left["InstanceId"],
                        ShouldDecrementDesiredCapacity=True)
    assert code == 400 and err["Code"] == "ValidationError"
    # the group is in use: deleting it needs ForceDelete, which terminates its instances
    err, code = refused(asg.delete_auto_scaling_group, AutoScalingGroupName="web")
    assert (code, err["Code"]) == (400, "ResourceInUse")
    assert err["Message"] == ("You cannot delete an AutoScalingGroup while there are instances or pending Spot "
                              "instance request(s) still in the group.")
    err, code = refused(asg.delete_launch_configuration, LaunchConfigurationName="web-lc")
    assert (code, err["Code"]) == (400, "ResourceInUse")
    asg.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[left["InstanceId"]],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    wait_for(lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"])
    asg.delete_launch_configuration(LaunchConfigurationName="web-lc")
    assert asg.describe_launch_configurations()["LaunchConfigurations"] == []


# A server that answers with its host's name, and exits after answering /die.
MORTAL = """#!/bin/bash
cat > /srv/web.py <<'PY'
import http.server, os, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s" % socket.gethostname()).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if self.path == "/die":
            os._exit(0)
http.server.HTTPServer(("", 8001), H).serve_forever()
PY
nohup python3 /srv/web.py >/dev/null 2>&1 &
"""


@needs_machines
def test_load_balancer_and_elb_health_checks(gureum, asg, ec2, image, subnets, web_sg):
    """The group's instances are registered with its classic load balancer once in service; with
    HealthCheckType ELB, one whose server stops failing the load balancer's checks is replaced."""
    ids, _ = subnets
    elb = gureum.client("elb")
    elb.create_load_balancer(LoadBalancerName="asg-lb", Subnets=ids.split(","), Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8001}])
    elb.configure_health_check(LoadBalancerName="asg-lb", HealthCheck={
        "Target": "HTTP:8001/", "Interval": 5, "Timeout": 2, "UnhealthyThreshold": 2, "HealthyThreshold": 2})
    asg.create_launch_configuration(LaunchConfigurationName="mortal-lc", ImageId=image, InstanceType="t2.micro",
                                    SecurityGroups=[web_sg], UserData=MORTAL, AssociatePublicIpAddress=True)
    asg.create_auto_scaling_group(AutoScalingGroupName="lbg", LaunchConfigurationName="mortal-lc", MinSize=2,
                                  MaxSize=2, VPCZoneIdentifier=ids, LoadBalancerNames=["asg-lb"],
                                  HealthCheckType="ELB", HealthCheckGracePeriod=15)
    two = in_service(asg, "lbg", 2)
    mine = sorted(x["InstanceId"] for x in two)

    def lb_states():
        return {h["InstanceId"]: h["State"] for h in elb.describe_instance_health(LoadBalancerName="asg-lb")[
            "InstanceStates"]}
    # (the grace period covers a slow boot on a loaded machine)
    wait_for(lambda: lb_states() == {i: "InService" for i in mine}, timeout=30)
    # one instance's server stops: the load balancer's checks fail and the group replaces it
    victim = mine[0]
    ip = ec2.describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0]["PublicIpAddress"]
    try:
        urllib.request.urlopen("http://%s:8001/die" % ip, timeout=3).read()
    except OSError:
        pass
    wait_for(lambda: victim not in [x["InstanceId"] for x in group(asg, "lbg")["Instances"]], timeout=60)
    now = sorted(x["InstanceId"] for x in in_service(asg, "lbg", 2))
    assert victim not in now and mine[1] in now
    causes = [a["Cause"] for a in activities(asg, "lbg")]
    assert any("an instance was taken out of service in response to an ELB system health check failure." in c
               for c in causes), causes
    # the replacement is registered with the load balancer, the victim deregistered
    wait_for(lambda: sorted(lb_states()) == now, timeout=30)
    asg.delete_auto_scaling_group(AutoScalingGroupName="lbg", ForceDelete=True)
    wait_for(lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=["lbg"])["AutoScalingGroups"],
             timeout=60)
    assert lb_states() == {}
    elb.delete_load_balancer(LoadBalancerName="asg-lb")
    asg.delete_launch_configuration(LaunchConfigurationName="mortal-lc")


# Each instance burns its vCPU for 25 s after it boots, then idles.
BURN = """#!/bin/bash
nohup timeout 25 sh -c 'while :; do :; done' >/dev/null 2>&1 &
"""


@needs_machines
def test_cloudwatch_alarms_scale_on_real_cpu(gureum, asg, ec2, image, subnets):
    ids, _ = subnets
    # Scenario G: a launch template from the image
    tid = ec2.create_launch_template(LaunchTemplateName="burn-tpl", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t2.micro", "UserData": base64.b64encode(BURN.encode()).decode()})[
        "LaunchTemplate"]["LaunchTemplateId"]
    asg.create_auto_scaling_group(AutoScalingGroupName="burn", MinSize=1, MaxSize=3, DesiredCapacity=1,
                                  LaunchTemplate={"LaunchTemplateName": "burn-tpl", "Version": "$Latest"},
                                  VPCZoneIdentifier=ids)
    assert group(asg, "burn")["LaunchTemplate"] == {"LaunchTemplateId": tid, "LaunchTemplateName": "burn-tpl",
                                                    "Version": "$Latest"}
    up = asg.put_scaling_policy(AutoScalingGroupName="burn", PolicyName="up", AdjustmentType="ChangeInCapacity",
                                ScalingAdjustment=1, Cooldown=0)
    down = asg.put_scaling_policy(AutoScalingGroupName="burn", PolicyName="down", PolicyType="StepScaling",
                                  AdjustmentType="ChangeInCapacity",
                                  StepAdjustments=[{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}])
    assert up["PolicyARN"].startswith("arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:")
    assert up["PolicyARN"].endswith(":autoScalingGroupName/burn:policyName/up") and up["Alarms"] == []
    cw = gureum.client("cloudwatch")
    dims = [{"Name": "AutoScalingGroupName", "Value": "burn"}]
    cw.put_metric_alarm(AlarmName="burn-high", Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=dims,
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=50,
                        ComparisonOperator="GreaterThanThreshold", AlarmActions=[up["PolicyARN"]])
    cw.put_metric_alarm(AlarmName="burn-low", Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=dims,
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=20,
                        ComparisonOperator="LessThanThreshold", AlarmActions=[down["PolicyARN"]])
    pol = {p["PolicyName"]: p for p in asg.describe_policies(AutoScalingGroupName="burn")["ScalingPolicies"]}
    assert [a["AlarmName"] for a in pol["up"]["Alarms"]] == ["burn-high"]
    assert pol["down"]["PolicyType"] == "StepScaling" and pol["down"]["MetricAggregationType"] == "Average"

    [first] = in_service(asg, "burn", 1)
    assert first["LaunchTemplate"]["LaunchTemplateId"] == tid
    tags = {t["Key"]: t["Value"] for t in ec2.describe_instances(InstanceIds=[first["InstanceId"]])[
        "Reservations"][0]["Instances"][0]["Tags"]}
    assert tags["aws:ec2launchtemplate:id"] == tid and tags["aws:autoscaling:groupName"] == "burn"
    # the first instance's load raises the group's average CPU: the alarm fires and keeps firing
    # while it stays in ALARM, and each new instance (burning too) is added once the last one is in
    # service, up to MaxSize
    wait_for(lambda: group(asg, "burn")["DesiredCapacity"] == 3, timeout=90, step=0.5)
    in_service(asg, "burn", 3)
    causes = [a["Cause"] for a in activities(asg, "burn")]
    assert any("a monitor alarm burn-high in state ALARM triggered policy up changing the desired capacity "
               "from 1 to 2." in c for c in causes), causes
    hist = cw.describe_alarm_history(AlarmName="burn-high", HistoryItemType="Action")["AlarmHistoryItems"]
    assert any(h["HistorySummary"] == "Successfully executed action %s" % up["PolicyARN"] for h in hist)
    # the load stops: the low alarm removes instances down to MinSize
    wait_for(lambda: group(asg, "burn")["DesiredCapacity"] == 1, timeout=150, step=1)
    in_service(asg, "burn", 1)
    causes = [a["Cause"] for a in activities(asg, "burn")]
    assert any("a monitor alarm burn-low in state ALARM triggered policy down changing the desired capacity "
               "from 3 to 2." in c for c in causes), causes
    cw.delete_alarms(AlarmNames=["burn-high", "burn-low"])
    asg.delete_auto_scaling_group(AutoScalingGroupName="burn", ForceDelete=True)


def test_policies_executed_by_hand(asg, image, subnets):
    """ExecutePolicy changes the desired capacity as AWS computes it."""
    ids, _ = subnets
    asg.create_launch_configuration(LaunchConfigurationName="hand-lc", ImageId=image, InstanceType="t2.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="hand", LaunchConfigurationName="hand-lc", MinSize=0,
                                  MaxSize=10, DesiredCapacity=0, VPCZoneIdentifier=ids)
    asg.put_scaling_policy(AutoScalingGroupName="hand", PolicyName="exact", AdjustmentType="ExactCapacity",
                           ScalingAdjustment=0)
    asg.put_scaling_policy(AutoScalingGroupName="hand", PolicyName="pct", AdjustmentType="PercentChangeInCapacity",
                           ScalingAdjustment=50, MinAdjustmentMagnitude=2)
    step = asg.put_scaling_policy(AutoScalingGroupName="hand", PolicyName="step", PolicyType="StepScaling",
                                  AdjustmentType="ChangeInCapacity",
                                  StepAdjustments=[{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10,
                                                    "ScalingAdjustment": 1},
                                                   {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3}])
    # MetricValue 75 against 60: 15 above, the second step (+3)
    asg.execute_policy(AutoScalingGroupName="hand", PolicyName=step["PolicyARN"], MetricValue=75,
                       BreachThreshold=60)
    assert group(asg, "hand")["DesiredCapacity"] == 3
    # 50 % of 3 is 1.5, rounded down to 1, raised to the minimum magnitude 2
    asg.execute_policy(AutoScalingGroupName="hand", PolicyName="pct")
    assert group(asg, "hand")["DesiredCapacity"] == 5
    asg.execute_policy(AutoScalingGroupName="hand", PolicyName="exact")
    assert group(asg, "hand")["DesiredCapacity"] == 0
    err, code = refused(asg.execute_policy, AutoScalingGroupName="hand", PolicyName="step")
    assert (code, err["Code"]) == (400, "ValidationError")
    got = asg.describe_policies(AutoScalingGroupName="hand", PolicyTypes=["StepScaling"])["ScalingPolicies"]
    assert [p["PolicyName"] for p in got] == ["step"]
    assert got[0]["StepAdjustments"][1] == {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 3}
    asg.delete_policy(AutoScalingGroupName="hand", PolicyName="pct")
    assert sorted(p["PolicyName"] for p in asg.describe_policies(AutoScalingGroupName="hand")["ScalingPolicies"]) == \
        ["exact", "step"]
    # the tick may have launched instances for the capacities in between: they go with the group
    asg.delete_auto_scaling_group(AutoScalingGroupName="hand", ForceDelete=True)
    wait_for(lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=["hand"])["AutoScalingGroups"])
    asg.delete_launch_configuration(LaunchConfigurationName="hand-lc")


@needs_machines
def test_target_tracking_makes_its_alarms_and_scales(gureum, asg, image, subnets):
    ids, _ = subnets
    cw = gureum.client("cloudwatch")
    asg.create_launch_configuration(LaunchConfigurationName="tt-lc", ImageId=image, InstanceType="t2.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="tt", LaunchConfigurationName="tt-lc", MinSize=0, MaxSize=4,
                                  DesiredCapacity=0, VPCZoneIdentifier=ids)
    # the console's "Target tracking scaling policy: Average CPU utilization"
    cpu = asg.put_scaling_policy(AutoScalingGroupName="tt", PolicyName="cpu50", PolicyType="TargetTrackingScaling",
                                 TargetTrackingConfiguration={"PredefinedMetricSpecification": {
                                     "PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": 50})
    names = sorted(a["AlarmName"] for a in cpu["Alarms"])
    assert len(names) == 2 and names[0].startswith("TargetTracking-tt-AlarmHigh-") and \
        names[1].startswith("TargetTracking-tt-AlarmLow-")
    al = {a["AlarmName"].split("-")[2]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    assert (al["AlarmHigh"]["Threshold"], al["AlarmHigh"]["ComparisonOperator"], al["AlarmHigh"]["EvaluationPeriods"]) \
        == (50.0, "GreaterThanThreshold", 3)
    assert (al["AlarmLow"]["Threshold"], al["AlarmLow"]["ComparisonOperator"], al["AlarmLow"]["EvaluationPeriods"]) \
        == (45.0, "LessThanThreshold", 15)
    assert al["AlarmHigh"]["Namespace"] == "AWS/EC2" and al["AlarmHigh"]["MetricName"] == "CPUUtilization"
    assert al["AlarmHigh"]["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "tt"}]
    assert al["AlarmHigh"]["AlarmActions"] == [cpu["PolicyARN"]]
    assert al["AlarmHigh"]["AlarmDescription"] == \
        "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy %s." % cpu["PolicyARN"]
    got = asg.describe_policies(AutoScalingGroupName="tt", PolicyNames=["cpu50"])["ScalingPolicies"][0]
    assert got["TargetTrackingConfiguration"]["TargetValue"] == 50.0
    assert sorted(a["AlarmName"] for a in got["Alarms"]) == names
    err, _ = refused(asg.execute_policy, AutoScalingGroupName="tt", PolicyName="cpu50")
    assert err["Code"] == "ValidationError"
    asg.delete_policy(AutoScalingGroupName="tt", PolicyName="cpu50")
    assert cw.describe_alarms(AlarmNames=names)["MetricAlarms"] == []

    # a custom metric's policy, its alarms driven by hand: the capacity that brings the metric to
    # the target (0 → 1, then 1 × 180 / 60 = 3), then in one at a time
    load = asg.put_scaling_policy(AutoScalingGroupName="tt", PolicyName="load", PolicyType="TargetTrackingScaling",
                                  TargetTrackingConfiguration={"CustomizedMetricSpecification": {
                                      "Namespace": "App/Test", "MetricName": "Load", "Statistic": "Average"},
                                      "TargetValue": 60})
    high = [a["AlarmName"] for a in load["Alarms"] if "-AlarmHigh-" in a["AlarmName"]][0]
    low = [a["AlarmName"] for a in load["Alarms"] if "-AlarmLow-" in a["AlarmName"]][0]

    def fire(alarm, value, threshold):
        cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test",
                           StateReasonData=json.dumps({"recentDatapoints": [value], "threshold": threshold}))
    fire(high, 90, 60)
    assert wait_for(lambda: group(asg, "tt")["DesiredCapacity"] == 1)
    in_service(asg, "tt", 1)
    cw.set_alarm_state(AlarmName=high, StateValue="OK", StateReason="test")
    fire(high, 180, 60)
    assert wait_for(lambda: group(asg, "tt")["DesiredCapacity"] == 3)
    in_service(asg, "tt", 3)
    fire(low, 10, 54)
    assert wait_for(lambda: group(asg, "tt")["DesiredCapacity"] == 2)
    causes = [a["Cause"] for a in activities(asg, "tt")]
    assert any("a monitor alarm %s in state ALARM triggered policy load changing the desired capacity from 1 to 3."
               % high in c for c in causes), causes
    asg.delete_auto_scaling_group(AutoScalingGroupName="tt", ForceDelete=True)
    # the group's policies and their alarms go with it
    assert cw.describe_alarms(AlarmNames=[high, low])["MetricAlarms"] == []
    wait_for(lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=["tt"])["AutoScalingGroups"])
    asg.delete_launch_configuration(LaunchConfigurationName="tt-lc")


def test_tags_and_group_metrics(gureum, asg, image, subnets):
    ids, _ = subnets
    asg.create_launch_configuration(LaunchConfigurationName="m-lc", ImageId=image, InstanceType="t2.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="m", LaunchConfigurationName="m-lc", MinSize=0, MaxSize=5,
                                  DesiredCapacity=0, VPCZoneIdentifier=ids,
                                  Tags=[{"Key": "env", "Value": "dev", "PropagateAtLaunch": True}])
    ref = {"ResourceId": "m", "ResourceType": "auto-scaling-group"}
    asg.create_or_update_tags(Tags=[dict(ref, Key="team", Value="web", PropagateAtLaunch=False),
                                    dict(ref, Key="env", Value="prod", PropagateAtLaunch=True)])
    got = asg.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": ["m"]}])["Tags"]
    assert [(t["Key"], t["Value"], t["PropagateAtLaunch"]) for t in got] == [("env", "prod", True),
                                                                          ("team", "web", False)]
    got = asg.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert [t["ResourceId"] for t in got] == ["m"]
    asg.delete_tags(Tags=[dict(ref, Key="team")])
    assert [t["Key"] for t in group(asg, "m")["Tags"]] == ["env"]
    err, _ = refused(asg.create_or_update_tags, Tags=[{"ResourceId": "nope", "ResourceType": "auto-scaling-group",
                                                       "Key": "k", "Value": "v", "PropagateAtLaunch": False}])
    assert err["Message"] == "AutoScalingGroup name not found - AutoScalingGroup 'nope' not found"

    # group metrics: enabled, listed, and published to CloudWatch every minute
    types = asg.describe_metric_collection_types()
    assert {"Metric": "GroupDesiredCapacity"} in types["Metrics"] and types["Granularities"] == [
        {"Granularity": "1Minute"}]
    asg.enable_metrics_collection(AutoScalingGroupName="m", Granularity="1Minute",
                                  Metrics=["GroupMaxSize", "GroupDesiredCapacity"])
    assert sorted(x["Metric"] for x in group(asg, "m")["EnabledMetrics"]) == ["GroupDesiredCapacity", "GroupMaxSize"]
    cw = gureum.client("cloudwatch")

    def maximum(metric):
        now = datetime.datetime.now(datetime.timezone.utc)
        pts = cw.get_metric_statistics(Namespace="AWS/AutoScaling", MetricName=metric,
                                       Dimensions=[{"Name": "AutoScalingGroupName", "Value": "m"}],
                                       StartTime=now - datetime.timedelta(minutes=5),
                                       EndTime=now + datetime.timedelta(minutes=1), Period=60,
                                       Statistics=["Maximum"])["Datapoints"]
        return max(p["Maximum"] for p in pts) if pts else None
    assert wait_for(lambda: maximum("GroupMaxSize") == 5.0, timeout=20)
    assert maximum("GroupDesiredCapacity") == 0.0
    assert maximum("GroupMinSize") is None
    asg.disable_metrics_collection(AutoScalingGroupName="m", Metrics=["GroupMaxSize"])
    assert [x["Metric"] for x in group(asg, "m")["EnabledMetrics"]] == ["GroupDesiredCapacity"]
    asg.delete_auto_scaling_group(AutoScalingGroupName="m", ForceDelete=True)
    wait_for(lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=["m"])["AutoScalingGroups"])
    asg.delete_launch_configuration(LaunchConfigurationName="m-lc")


def test_refusals(gureum, asg, image, subnets):
    ids, _ = subnets
    asg.create_launch_configuration(LaunchConfigurationName="r-lc", ImageId=image, InstanceType="t2.micro")
    err, code = refused(asg.create_launch_configuration, LaunchConfigurationName="r-lc", ImageId=image,
                        InstanceType="t2.micro")
    assert (code, err["Code"]) == (400, "AlreadyExists")
    assert err["Message"] == ("Launch Configuration by this name already exists - A launch configuration already "
                              "exists with the name r-lc")
    base = dict(LaunchConfigurationName="r-lc", VPCZoneIdentifier=ids)
    err, code = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=1, MaxSize=3,
                        DesiredCapacity=5, **base)
    assert (code, err["Code"]) == (400, "ValidationError")
    assert err["Message"] == "Desired capacity:5 must be between the specified min size:1 and max size:3"
    err, _ = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=1, MaxSize=3,
                     LaunchConfigurationName="nope", VPCZoneIdentifier=ids)
    assert err["Message"] == "Launch configuration name not found - Launch configuration nope not found"
    err, _ = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=1,
                     LaunchConfigurationName="r-lc")
    assert err["Message"] == "At least one Availability Zone or VPC Subnet is required."
    err, _ = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=1,
                     VPCZoneIdentifier=ids)
    assert err["Message"] == ("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
                              "InstanceId or MixedInstancesPolicy parameter.")
    err, _ = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=1,
                     LaunchTemplate={"LaunchTemplateId": "lt-0123456789abcdef0"}, VPCZoneIdentifier=ids)
    assert err["Code"] == "ValidationError" and "lt-0123456789abcdef0" in err["Message"]
    err, _ = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=1,
                     LoadBalancerNames=["no-such-lb"], **base)
    assert err["Message"] == "Provided Load Balancers may not be valid. Please ensure they exist and try again."
    asg.create_auto_scaling_group(AutoScalingGroupName="r", MinSize=0, MaxSize=2, **base)
    err, code = refused(asg.create_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=2, **base)
    assert (code, err["Code"]) == (400, "AlreadyExists")
    assert err["Message"] == "AutoScalingGroup by this name already exists - A group with the name r already exists"
    err, _ = refused(asg.set_desired_capacity, AutoScalingGroupName="r", DesiredCapacity=3)
    assert err["Message"] == "New SetDesiredCapacity value 3 is above max value 2 for the AutoScalingGroup."
    err, _ = refused(asg.update_auto_scaling_group, AutoScalingGroupName="r", MinSize=0, MaxSize=1,
                     DesiredCapacity=2)
    assert err["Message"] == "Desired capacity:2 must be between the specified min size:0 and max size:1"
    err, _ = refused(asg.delete_auto_scaling_group, AutoScalingGroupName="nope")
    assert err["Message"] == "AutoScalingGroup name not found - AutoScalingGroup 'nope' not found"
    err, _ = refused(asg.put_scaling_policy, AutoScalingGroupName="nope", PolicyName="p",
                     AdjustmentType="ChangeInCapacity", ScalingAdjustment=1)
    assert err["Code"] == "ValidationError"
    err, _ = refused(asg.terminate_instance_in_auto_scaling_group, InstanceId="i-0123456789abcdef0",
                     ShouldDecrementDesiredCapacity=False)
    assert err["Message"] == "Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0"
    # an alarm may only execute a policy of its own account
    pol = asg.put_scaling_policy(AutoScalingGroupName="r", PolicyName="up", AdjustmentType="ChangeInCapacity",
                                 ScalingAdjustment=1)["PolicyARN"]
    other = pol.replace(":000000000000:", ":111111111111:")
    cw = gureum.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="foreign", Namespace="App/Test", MetricName="M", Statistic="Average", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[other])
    cw.set_alarm_state(AlarmName="foreign", StateValue="ALARM", StateReason="test")
    hist = wait_for(lambda: cw.describe_alarm_history(AlarmName="foreign", HistoryItemType="Action")[
        "AlarmHistoryItems"])
    assert hist[0]["HistorySummary"].startswith("Failed to execute action %s" % other), hist
    assert group(asg, "r")["DesiredCapacity"] == 0
    cw.delete_alarms(AlarmNames=["foreign"])
    # MaxSize lowered below the desired capacity lowers it
    asg.update_auto_scaling_group(AutoScalingGroupName="r", MinSize=0, MaxSize=0)
    assert group(asg, "r")["DesiredCapacity"] == 0
    asg.delete_auto_scaling_group(AutoScalingGroupName="r")
    types = asg.describe_adjustment_types()["AdjustmentTypes"]
    assert [t["AdjustmentType"] for t in types] == ["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"]
    assert "Default" in asg.describe_termination_policy_types()["TerminationPolicyTypes"]
    assert asg.describe_account_limits()["MaxNumberOfAutoScalingGroups"] == 500


def test_cli(gureum, cli, image):
    p = gureum.aws("autoscaling", "create-launch-configuration", "--launch-configuration-name", "cli-lc",
                   "--image-id", image, "--instance-type", "t2.micro", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "cli-g",
                   "--launch-configuration-name", "cli-lc", "--min-size", "0", "--max-size", "2",
                   "--availability-zones", "us-east-1a", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "cli-g",
                   "--query", "AutoScalingGroups[0].[AutoScalingGroupName,MinSize,MaxSize,DesiredCapacity]",
                   "--output", "text", cli=cli)
    assert p.returncode == 0 and p.stdout.split() == ["cli-g", "0", "2", "0"], p.stderr
    p = gureum.aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "cli-g", cli=cli)
    assert p.returncode == 0, p.stderr
    wait_for(lambda: "cli-g" not in gureum.aws("autoscaling", "describe-auto-scaling-groups", cli=cli).stdout)
    p = gureum.aws("autoscaling", "delete-launch-configuration", "--launch-configuration-name", "cli-lc", cli=cli)
    assert p.returncode == 0, p.stderr
