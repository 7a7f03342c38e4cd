"""test_events.py — EventBridge end to end: buses, rules, targets, the event
pattern language through TestEventPattern, PutEvents delivered to SQS (with
Input, InputPath and InputTransformer), schedules (a rate(1 minute) rule in
real time, and faster ones on a server whose rate() minute is shortened by the
test-only GUREUM_EVENTS_MINUTE_MS), and the CLIs.
"""
import json
import time

import botocore.exceptions
import pytest

from conftest import CLIS, lambda_zip, queue_for_service

ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def events(gureum):
    return gureum.client("events")


@pytest.fixture(scope="module")
def sqs(gureum):
    return gureum.client("sqs")


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def queue_for_events(sqs, name, service="events.amazonaws.com"):
    """A queue whose policy lets EventBridge (or SNS) send to it (AWS requires this)."""
    return queue_for_service(sqs, name, service, REGION, ACCOUNT)


def receive_all(sqs, url, wait=1, want=None):
    out, deadline = [], time.time() + wait
    while time.time() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            out.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if want is not None and len(out) >= want:
            break
    return out


# ==== A real-time schedule, started first and checked last ====

REALTIME = {}


def start_realtime(events, sqs):
    if REALTIME:
        return
    url, arn = queue_for_events(sqs, "sched-realtime")
    events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="every-minute", Targets=[{"Id": "q", "Arn": arn}])
    curl, carn = queue_for_events(sqs, "sched-cron")
    events.put_rule(Name="cron-minute", ScheduleExpression="cron(* * ? * * *)")
    events.put_targets(Rule="cron-minute", Targets=[{"Id": "q", "Arn": carn, "InputTransformer": {
        "InputPathsMap": {"t": "$.time"}, "InputTemplate": '{"at": <t>, "rule": "<aws.events.rule-arn>"}'}}])
    REALTIME.update(url=url, cron_url=curl, started=time.time())


def test_start_realtime_schedule(events, sqs):
    start_realtime(events, sqs)
    r = events.describe_rule(Name="every-minute")
    assert r["ScheduleExpression"] == "rate(1 minute)" and r["State"] == "ENABLED"
    assert r["Arn"] == "arn:aws:events:%s:%s:rule/every-minute" % (REGION, ACCOUNT)


# ==== Buses ====

def test_buses(events):
    d = events.describe_event_bus()
    assert d["Name"] == "default" and d["Arn"] == "arn:aws:events:%s:%s:event-bus/default" % (REGION, ACCOUNT)
    arn = events.create_event_bus(Name="orders", Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    assert arn == "arn:aws:events:%s:%s:event-bus/orders" % (REGION, ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_event_bus(Name="orders")
    assert code_of(e) == "ResourceAlreadyExistsException"
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default", "orders"]
    assert events.describe_event_bus(Name=arn)["Name"] == "orders"
    # another account's or region's bus ARN names no bus here (it once reached our own "orders")
    for other in (arn.replace(ACCOUNT, "111111111111"), arn.replace(REGION, "eu-west-1")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            events.describe_event_bus(Name=other)
        assert code_of(e) == "ResourceNotFoundException", other
    events.put_rule(Name="on-orders", EventBusName=arn, EventPattern='{"source": ["shop"]}')
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_rule(Name="on-orders", EventBusName=arn.replace(ACCOUNT, "111111111111"))
    assert code_of(e) == "ResourceNotFoundException"
    events.delete_rule(Name="on-orders", EventBusName=arn)
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_event_bus(Name="nope")
    assert code_of(e) == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.delete_event_bus(Name="default")
    assert code_of(e) == "ValidationException"
    events.delete_event_bus(Name="orders")
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]


# ==== Rules ====

def test_rules_crud_and_validation(events):
    pat = json.dumps({"source": ["my.app"]})
    arn = events.put_rule(Name="r1", EventPattern=pat, Description="d")["RuleArn"]
    assert arn == "arn:aws:events:%s:%s:rule/r1" % (REGION, ACCOUNT)
    d = events.describe_rule(Name="r1")
    assert (d["EventPattern"], d["State"], d["Description"], d["EventBusName"]) == (pat, "ENABLED", "d", "default")
    events.disable_rule(Name="r1")
    assert events.describe_rule(Name="r1")["State"] == "DISABLED"
    events.enable_rule(Name="r1")
    assert "r1" in [r["Name"] for r in events.list_rules(NamePrefix="r")["Rules"]]
    events.create_event_bus(Name="bus2")
    a2 = events.put_rule(Name="r1", EventBusName="bus2", EventPattern=pat)["RuleArn"]
    assert a2 == "arn:aws:events:%s:%s:rule/bus2/r1" % (REGION, ACCOUNT)
    assert [r["Name"] for r in events.list_rules(EventBusName="bus2")["Rules"]] == ["r1"]

    def err(**kw):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            events.put_rule(**kw)
        return code_of(e), e.value.response["Error"]["Message"]

    assert err(Name="x") == ("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
    assert err(Name="x", ScheduleExpression="rate(1 minutes)") == \
        ("ValidationException", "Parameter ScheduleExpression is not valid.")
    assert err(Name="x", ScheduleExpression="rate(5 minute)")[0] == "ValidationException"
    assert err(Name="x", ScheduleExpression="cron(0 12 * * * *)")[0] == "ValidationException"  # dom and dow both set
    assert err(Name="x", ScheduleExpression="cron(0 12 * *)")[0] == "ValidationException"
    assert err(Name="x", ScheduleExpression="rate(1 hour)", EventBusName="bus2") == \
        ("ValidationException", "ScheduleExpression is supported only on the default event bus.")
    assert err(Name="x", EventPattern="{}")[0] == "InvalidEventPatternException"
    assert err(Name="x", EventPattern=json.dumps({"source": "x"})) == (
        "InvalidEventPatternException", 'Event pattern is not valid. Reason: "source" must be an object or an array')
    assert err(Name="x", EventPattern=json.dumps({"source": [{"foo": "x"}]}))[1] == \
        "Event pattern is not valid. Reason: Unrecognized match type foo"
    assert err(Name="x", EventPattern=json.dumps({"a": [{"numeric": [">", "x"]}]}))[1].endswith(
        "Value of > must be numeric")
    assert err(Name="x", EventPattern=json.dumps({"a": [{"exists": "yes"}]}))[1].endswith(
        "exists match pattern must be either true or false.")
    assert err(Name="x", EventPattern=json.dumps({"a": [{"anything-but": ["a", 1]}]}))[1].endswith(
        "Inside anything but list, either all values are number or string, mixed type is not supported")
    assert err(Name="x", EventPattern=json.dumps({"$or": [{"a": ["b"]}]}))[1].endswith(
        "There must have at least 2 Objects in $or relationship.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_rule(Name="nope")
    assert code_of(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "Rule nope does not exist on EventBus default."
    for expr in ["rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "cron(0 10 * * ? *)", "cron(15 10 ? * 6L 2026-2030)",
                 "cron(0/15 * ? * MON-FRI *)", "cron(0 8 1W * ? *)", "cron(0 9 ? * 2#1 *)", "cron(0 18 L * ? *)"]:
        events.put_rule(Name="s", ScheduleExpression=expr, State="DISABLED")
        assert events.describe_rule(Name="s")["ScheduleExpression"] == expr
    events.delete_rule(Name="s")


def test_targets_and_delete(events, sqs):
    _, arn = queue_for_events(sqs, "tq")
    events.put_rule(Name="rt", EventPattern=json.dumps({"source": ["t"]}))
    events.put_targets(Rule="rt", Targets=[
        {"Id": "a", "Arn": arn},
        {"Id": "b", "Arn": arn, "InputPath": "$.detail"},
        {"Id": "c", "Arn": arn, "InputTransformer": {"InputPathsMap": {"x": "$.detail.x"}, "InputTemplate": "<x>"}}])
    ts = events.list_targets_by_rule(Rule="rt")["Targets"]
    assert [t["Id"] for t in ts] == ["a", "b", "c"]
    assert ts[1]["InputPath"] == "$.detail"
    assert ts[2]["InputTransformer"] == {"InputPathsMap": {"x": "$.detail.x"}, "InputTemplate": "<x>"}
    assert events.list_rule_names_by_target(TargetArn=arn)["RuleNames"] == ["rt"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_targets(Rule="rt", Targets=[{"Id": "d", "Arn": arn, "Input": "{}", "InputPath": "$"}])
    assert code_of(e) == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_targets(Rule="rt", Targets=[{"Id": "t%d" % i, "Arn": arn} for i in range(3)])
    assert code_of(e) == "LimitExceededException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.delete_rule(Name="rt")
    assert e.value.response["Error"]["Message"] == "Rule can't be deleted since it has targets."
    r = events.remove_targets(Rule="rt", Ids=["a", "b", "c"])
    assert r["FailedEntryCount"] == 0
    events.delete_rule(Name="rt")
    assert "rt" not in [r["Name"] for r in events.list_rules()["Rules"]]


# ==== The pattern language ====

EVENT = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated", "count": 7, "ratio": 0.5,
               "ip": "10.0.1.17", "ipv6": "2001:db8::1", "tags": ["prod", "web"], "flag": True, "nothing": None,
               "items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 5}], "file": "photo.PNG"},
}

PATTERNS = [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"source": ["aws.s3", "aws.ec2"]}, True),
    ({"detail": {"state": ["terminated"]}}, True),
    ({"detail": {"count": [7.0]}}, True),
    ({"detail": {"flag": [True]}}, True),
    ({"detail": {"nothing": [None]}}, True),
    ({"detail": {"tags": ["web"]}}, True),
    ({"detail": {"items": {"name": ["b"]}}}, True),
    ({"detail": {"state": [{"prefix": "term"}]}}, True),
    ({"detail": {"state": [{"prefix": {"equals-ignore-case": "TERM"}}]}}, True),
    ({"detail": {"file": [{"suffix": ".png"}]}}, False),
    ({"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}}, True),
    ({"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}}, True),
    ({"detail": {"state": [{"anything-but": "running"}]}}, True),
    ({"detail": {"state": [{"anything-but": ["running", "terminated"]}]}}, False),
    ({"detail": {"count": [{"anything-but": [1, 2]}]}}, True),
    ({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"suffix": "ing"}}]}}, True),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING"]}}]}}, True),
    ({"detail": {"state": [{"anything-but": {"wildcard": "term*"}}]}}, False),
    ({"detail": {"count": [{"numeric": [">", 5, "<=", 7]}]}}, True),
    ({"detail": {"count": [{"numeric": ["<", 7]}]}}, False),
    ({"detail": {"ratio": [{"numeric": ["=", 0.5]}]}}, True),
    ({"detail": {"state": [{"exists": True}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail": {"instance-id": [{"wildcard": "i-*abc*"}]}}, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*xyz"}]}}, False),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/16"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.1.0.0/16"}]}}, False),
    ({"detail": {"ipv6": [{"cidr": "2001:db8::/32"}]}}, True),
    ({"source": ["aws.ec2"], "$or": [{"detail": {"state": ["running"]}}, {"detail": {"count": [{"numeric": [">", 1]}]}}]}, True),
    ({"$or": [{"source": ["x"]}, {"detail-type": [{"prefix": "S3"}]}]}, False),
    ({"detail": {"missing": ["x"]}}, False),
    ({"detail": {"state": ["terminated"], "count": [8]}}, False),
]


@pytest.mark.parametrize("pattern,expected", PATTERNS, ids=[str(i) for i in range(len(PATTERNS))])
def test_event_pattern(events, pattern, expected):
    r = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert r["Result"] is expected


def test_event_pattern_errors(events):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.test_event_pattern(EventPattern=json.dumps({"source": [{"prefix": 1}]}), Event=json.dumps(EVENT))
    assert code_of(e) == "InvalidEventPatternException"
    assert e.value.response["Error"]["Message"] == "Event pattern is not valid. Reason: prefix match pattern must be a string"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.test_event_pattern(EventPattern=json.dumps({"source": ["x"]}), Event=json.dumps({"source": "x"}))
    assert code_of(e) == "ValidationException"


# ==== PutEvents delivered to SQS ====

def test_put_events_to_sqs(events, sqs):
    url, arn = queue_for_events(sqs, "orders-q")
    events.put_rule(Name="orders", EventPattern=json.dumps(
        {"source": ["shop"], "detail-type": ["Order Placed"], "detail": {"total": [{"numeric": [">", 100]}]}}))
    events.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": arn}])
    r = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"id": 1, "total": 250}),
         "Resources": ["arn:aws:shop:order/1"]},
        {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"id": 2, "total": 50})},
        {"Source": "other", "DetailType": "Order Placed", "Detail": json.dumps({"id": 3, "total": 500})},
    ])
    assert r["FailedEntryCount"] == 0 and len(r["Entries"]) == 3 and all("EventId" in e for e in r["Entries"])
    got = [json.loads(b) for b in receive_all(sqs, url, wait=2)]
    assert len(got) == 1  # the non-matching two are not delivered
    ev = got[0]
    assert ev["id"] == r["Entries"][0]["EventId"]
    assert (ev["version"], ev["source"], ev["detail-type"], ev["account"], ev["region"]) == \
        ("0", "shop", "Order Placed", ACCOUNT, REGION)
    assert ev["detail"] == {"id": 1, "total": 250} and ev["resources"] == ["arn:aws:shop:order/1"]
    assert len(ev["time"]) == 20 and ev["time"].endswith("Z")
    # a disabled rule delivers nothing
    events.disable_rule(Name="orders")
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Order Placed", "Detail": '{"total": 999}'}])
    assert receive_all(sqs, url, wait=1) == []


def test_queue_without_policy_goes_to_dlq(events, sqs):
    url = sqs.create_queue(QueueName="no-policy")["QueueUrl"]
    dlq_url, dlq_arn = queue_for_events(sqs, "np-dlq")
    target = "arn:aws:sqs:%s:%s:no-policy" % (REGION, ACCOUNT)
    rule_arn = events.put_rule(Name="np", EventPattern=json.dumps({"source": ["np"]}))["RuleArn"]
    events.put_targets(Rule="np", Targets=[{"Id": "q", "Arn": target, "DeadLetterConfig": {"Arn": dlq_arn},
                                           "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}}])
    t = events.list_targets_by_rule(Rule="np")["Targets"][0]
    assert t["DeadLetterConfig"] == {"Arn": dlq_arn}
    assert t["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}
    assert events.put_events(Entries=[{"Source": "np", "DetailType": "t", "Detail": "{}"}])["FailedEntryCount"] == 0
    assert receive_all(sqs, url, wait=1) == []  # AWS: the queue's policy must allow EventBridge
    r = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"], WaitTimeSeconds=2)
    m = r["Messages"][0]
    assert json.loads(m["Body"])["source"] == "np"
    attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
    assert attrs["RULE_ARN"] == rule_arn and attrs["TARGET_ARN"] == target and attrs["ERROR_CODE"] == "NO_PERMISSIONS"
    assert "ERROR_MESSAGE" in attrs


def test_input_forms(events, sqs):
    url, arn = queue_for_events(sqs, "input-q")
    events.put_rule(Name="inp", EventPattern=json.dumps({"source": ["inp"]}))
    events.put_targets(Rule="inp", Targets=[
        {"Id": "const", "Arn": arn, "Input": '{"fixed": true}'},
        {"Id": "path", "Arn": arn, "InputPath": "$.detail.user"},
        {"Id": "json", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"name": "$.detail.user.name", "n": "$.detail.n", "src": "$.source"},
            "InputTemplate": '{"who": <name>, "count": <n>, "msg": "hi <name> from <src>", "rule": "<aws.events.rule-name>"}'}},
        {"Id": "text", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"name": "$.detail.user.name"}, "InputTemplate": '"Hello <name>"'}},
    ])
    events.put_events(Entries=[{"Source": "inp", "DetailType": "t",
                                "Detail": json.dumps({"user": {"name": "kim", "id": 3}, "n": 4})}])
    bodies = receive_all(sqs, url, wait=3, want=4)
    assert len(bodies) == 4
    parsed = sorted((json.loads(b) for b in bodies), key=json.dumps)
    assert {"fixed": True} in parsed
    assert {"name": "kim", "id": 3} in parsed
    assert {"who": "kim", "count": 4, "msg": "hi kim from inp", "rule": "inp"} in parsed
    assert "Hello kim" in parsed


def test_sns_target(gureum, events, sqs):
    sns = gureum.client("sns")
    topic = sns.create_topic(Name="ev-topic")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                               "Action": "sns:Publish", "Resource": topic}]}))
    url, qarn = queue_for_events(sqs, "via-sns", service="sns.amazonaws.com")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    events.put_rule(Name="to-sns", EventPattern=json.dumps({"source": ["sns.test"]}))
    events.put_targets(Rule="to-sns", Targets=[{"Id": "t", "Arn": topic}])
    events.put_events(Entries=[{"Source": "sns.test", "DetailType": "t", "Detail": '{"via": "sns"}'}])
    got = receive_all(sqs, url, wait=3, want=1)
    assert [json.loads(b)["detail"] for b in got] == [{"via": "sns"}]


def test_lambda_target(gureum, events):
    iam, lam, logs = gureum.client("iam"), gureum.client("lambda"), gureum.client("logs")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="ev-fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event['detail']))\n    return 1\n"
    fn = lam.create_function(FunctionName="evfn", Runtime="python3.11", Role=role, Handler="handler.handler",
                             Code={"ZipFile": lambda_zip(code)})["FunctionArn"]
    rule_arn = events.put_rule(Name="to-fn", EventPattern=json.dumps({"source": ["fn.test"]}))["RuleArn"]
    lam.add_permission(FunctionName="evfn", StatementId="ev", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule="to-fn", Targets=[{"Id": "f", "Arn": fn}])
    events.put_events(Entries=[{"Source": "fn.test", "DetailType": "t", "Detail": '{"n": 42}'}])
    deadline, msgs = time.time() + 30, []
    while time.time() < deadline and not msgs:
        try:
            r = logs.filter_log_events(logGroupName="/aws/lambda/evfn", filterPattern='"EVENT"')
            msgs = [e["message"].strip() for e in r["events"]]
        except logs.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.5)
    assert msgs == ['EVENT {"n": 42}']


def test_put_events_validation(events):
    r = events.put_events(Entries=[
        {"Source": "s", "DetailType": "t", "Detail": "{}"},
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "s", "DetailType": "t", "Detail": "not json"},
        {"Source": "s", "DetailType": "t", "Detail": "{}", "EventBusName": "nope"},
        {"Source": "s", "DetailType": "t", "Detail": ""},
    ])
    assert r["FailedEntryCount"] == 3
    assert r["Entries"][4] == {"ErrorCode": "InvalidArgument",
                               "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument."}
    assert "EventId" in r["Entries"][0]
    assert r["Entries"][1] == {"ErrorCode": "InvalidArgument",
                               "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}
    assert r["Entries"][2]["ErrorCode"] == "MalformedDetail"
    assert "EventId" in r["Entries"][3]  # AWS accepts events for a bus that does not exist, and drops them
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": "{}"}] * 11)
    assert code_of(e) == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": json.dumps({"x": "y" * 140000})}] * 2)
    assert code_of(e) == "ValidationException"


# ==== Schedules on a server with a shortened rate() minute ====

def test_schedule_fast(gureum_factory):
    g = gureum_factory(env={"GUREUM_EVENTS_MINUTE_MS": "1000"})
    events, sqs = g.client("events"), g.client("sqs")
    url, arn = queue_for_events(sqs, "fast")
    t0 = time.time()
    events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": arn}])
    got = receive_all(sqs, url, wait=5, want=2)
    assert len(got) >= 2, got
    assert time.time() - t0 >= 1.0
    ev = json.loads(got[0])
    assert (ev["detail-type"], ev["source"], ev["detail"]) == ("Scheduled Event", "aws.events", {})
    assert ev["resources"] == ["arn:aws:events:%s:%s:rule/tick" % (REGION, ACCOUNT)]
    # the schedule survives a restart of the server
    g.restart()
    receive_all(sqs, url, wait=0.5)
    assert len(receive_all(sqs, url, wait=4, want=1)) >= 1
    events.disable_rule(Name="tick")
    time.sleep(0.3)
    receive_all(sqs, url, wait=1)
    assert receive_all(sqs, url, wait=2) == []  # disabled: no more firings


# ==== The CLIs ====

def test_cli(gureum, cli, sqs, events):
    name = "cli%d" % (CLIS.index(cli) if cli in CLIS else 0)
    url, arn = queue_for_events(sqs, name)
    if cli == "/usr/bin/aws":  # a pattern passed through the CLI's JSON-string parameter
        r = gureum.aws("events", "put-rule", "--name", name, "--event-pattern", json.dumps({"source": [name]}), cli=cli)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["RuleArn"].endswith(":rule/" + name)
    else:
        events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))
    events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": arn}])
    entries = json.dumps([{"Source": name, "DetailType": "cli", "Detail": '{"k": "v"}'}])
    r = gureum.aws("events", "put-events", "--entries", entries, cli=cli)
    assert r.returncode == 0 and json.loads(r.stdout)["FailedEntryCount"] == 0, r.stderr
    got = receive_all(sqs, url, wait=2, want=1)
    assert [json.loads(b)["detail"] for b in got] == [{"k": "v"}]


# ==== The real-time schedule, checked last ====

@pytest.mark.slow
def test_realtime_schedule_fired(events, sqs):
    start_realtime(events, sqs)
    # AWS fires a rate(1 minute) rule about a minute after it is created
    remaining = REALTIME["started"] + 75 - time.time()
    got = receive_all(sqs, REALTIME["url"], wait=max(remaining, 1), want=1)
    assert len(got) >= 1
    elapsed = time.time() - REALTIME["started"]
    assert elapsed >= 55, elapsed
    ev = json.loads(got[0])
    assert ev["detail-type"] == "Scheduled Event" and ev["source"] == "aws.events"
    # the cron rule fired at a minute boundary (it had at most a minute to wait)
    got = receive_all(sqs, REALTIME["cron_url"], wait=2, want=1)
    assert got, "cron(* * ? * * *) did not fire"
    c = json.loads(got[0])
    assert c["at"].endswith(":00Z") and c["rule"].endswith(":rule/cron-minute"), c


# ==== Bus times, archives and replays ====

def test_bus_creation_time(events):
    """AWS (recorded DescribeEventBus answers): CreationTime and LastModifiedTime,
    the default bus's too; a Description given at creation comes back. Only
    clients whose model has the members (boto3 1.43) send and read them."""
    members = events.meta.service_model.shape_for("DescribeEventBusResponse").members
    if "CreationTime" not in members:
        pytest.skip("this boto3's model has no bus CreationTime")
    d = events.describe_event_bus()
    assert d["CreationTime"] and d["LastModifiedTime"]
    events.create_event_bus(Name="described", Description="for the test")
    d = events.describe_event_bus(Name="described")
    assert d["Description"] == "for the test" and d["CreationTime"] <= d["LastModifiedTime"]
    buses = {b["Name"]: b for b in events.list_event_buses()["EventBuses"]}
    assert buses["described"]["Description"] == "for the test" and "CreationTime" in buses["default"]
    events.delete_event_bus(Name="described")


def test_archive_and_replay(events, sqs):
    """An archive keeps what its pattern matches on its bus (through the
    managed rule AWS shows), a replay sends it back with a new id and
    "replay-name", and replayed events are not archived again."""
    bus_arn = events.create_event_bus(Name="archived")["EventBusArn"]
    url, qarn = queue_for_events(sqs, "archive-target")
    events.put_rule(Name="to-q", EventBusName="archived", EventPattern='{"source": ["app"]}')
    events.put_targets(Rule="to-q", EventBusName="archived", Targets=[{"Id": "q", "Arn": qarn}])
    r = events.create_archive(ArchiveName="a1", EventSourceArn=bus_arn, EventPattern='{"source": ["app"]}',
                              Description="app events")
    archive_arn = "arn:aws:events:%s:%s:archive/a1" % (REGION, ACCOUNT)
    assert r["ArchiveArn"] == archive_arn and r["State"] == "ENABLED"
    rule = events.describe_rule(Name="Events-Archive-a1", EventBusName="archived")
    assert rule["ManagedBy"] == "prod.vhs.events.aws.internal"
    assert json.loads(rule["EventPattern"]) == {"source": ["app"], "replay-name": [{"exists": False}]}
    target = events.list_targets_by_rule(Rule="Events-Archive-a1", EventBusName="archived")["Targets"][0]
    assert target["Arn"] == "arn:aws:events:%s:::" % REGION and archive_arn in target["InputTransformer"]["InputTemplate"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.delete_rule(Name="Events-Archive-a1", EventBusName="archived")
    assert code_of(e) == "ManagedRuleException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_archive(ArchiveName="a1", EventSourceArn=bus_arn)
    assert code_of(e) == "ResourceAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_archive(ArchiveName="a2", EventSourceArn=bus_arn.replace("archived", "nope"))
    assert e.value.response["Error"]["Message"] == "Event bus nope does not exist."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.update_archive(ArchiveName="a1")
    assert e.value.response["Error"]["Message"] == \
        "At least one of EventPattern, RetentionDays or Description must be provided."

    t0 = time.time()
    sent = events.put_events(Entries=[
        {"EventBusName": "archived", "Source": "app", "DetailType": "t", "Detail": '{"n": 1}'},
        {"EventBusName": "archived", "Source": "app", "DetailType": "t", "Detail": '{"n": 2}'},
        {"EventBusName": "archived", "Source": "other", "DetailType": "t", "Detail": '{"n": 3}'}])
    ids = {e["EventId"] for e in sent["Entries"][:2]}
    assert len(receive_all(sqs, url, wait=3, want=2)) == 2
    d = events.describe_archive(ArchiveName="a1")
    assert (d["EventCount"], d["Description"], d["RetentionDays"]) == (2, "app events", 0) and d["SizeBytes"] > 0
    listed = events.list_archives(EventSourceArn=bus_arn)["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["a1"] and "ArchiveArn" not in listed[0]

    window = dict(EventStartTime=t0 - 60, EventEndTime=time.time() + 60)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.start_replay(ReplayName="bad", EventSourceArn=archive_arn, Destination={"Arn": bus_arn},
                            EventStartTime=t0, EventEndTime=t0 - 1)
    assert e.value.response["Error"]["Message"] == \
        "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."
    default_arn = "arn:aws:events:%s:%s:event-bus/default" % (REGION, ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.start_replay(ReplayName="bad", EventSourceArn=archive_arn, Destination={"Arn": default_arn}, **window)
    assert e.value.response["Error"]["Message"] == \
        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
    r = events.start_replay(ReplayName="r1", EventSourceArn=archive_arn, Description="again",
                            Destination={"Arn": bus_arn,
                                         "FilterArns": ["arn:aws:events:%s:%s:rule/archived/to-q" % (REGION, ACCOUNT)]},
                            **window)
    assert r["State"] == "STARTING" and r["ReplayArn"].endswith(":replay/r1")
    bodies = [json.loads(b) for b in receive_all(sqs, url, wait=5, want=2)]
    assert sorted(b["detail"]["n"] for b in bodies) == [1, 2]
    assert all(b["replay-name"] == "r1" and b["id"] not in ids for b in bodies)
    assert list(bodies[0])[:8] == ["version", "id", "detail-type", "source", "account", "time", "region",
                                   "replay-name"]
    for _ in range(50):
        d = events.describe_replay(ReplayName="r1")
        if d["State"] == "COMPLETED":
            break
        time.sleep(0.1)
    assert d["State"] == "COMPLETED" and d["Description"] == "again" and "ReplayEndTime" in d
    assert d["Destination"]["Arn"] == bus_arn and d["EventSourceArn"] == archive_arn
    assert [x["ReplayName"] for x in events.list_replays(EventSourceArn=archive_arn)["Replays"]] == ["r1"]
    assert events.describe_archive(ArchiveName="a1")["EventCount"] == 2  # replays are not archived again
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.cancel_replay(ReplayName="r1")
    assert code_of(e) == "IllegalStatusException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.start_replay(ReplayName="r1", EventSourceArn=archive_arn, Destination={"Arn": bus_arn}, **window)
    assert code_of(e) == "ResourceAlreadyExistsException"

    events.delete_archive(ArchiveName="a1")
    assert [x["Name"] for x in events.list_rules(EventBusName="archived")["Rules"]] == ["to-q"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_archive(ArchiveName="a1")
    assert e.value.response["Error"]["Message"] == "Archive a1 does not exist."
    events.remove_targets(Rule="to-q", EventBusName="archived", Ids=["q"])
    events.delete_rule(Name="to-q", EventBusName="archived")
    events.delete_event_bus(Name="archived")


def test_log_group_target(gureum, events):
    """A log group as a target (AWS's CloudWatch Logs permissions): delivered
    only when the account's logs resource policy lets events.amazonaws.com
    create streams and put events there; one log event per event, at the
    event's time, in a stream named by the event's id."""
    logs = gureum.client("logs")
    logs.create_log_group(logGroupName="/aws/events/ev-target")
    garn = "arn:aws:logs:%s:%s:log-group:/aws/events/ev-target" % (REGION, ACCOUNT)
    events.put_rule(Name="to-logs", EventPattern='{"source": ["logs.test"]}')
    events.put_targets(Rule="to-logs", Targets=[{"Id": "l", "Arn": garn}])
    entry = {"Source": "logs.test", "DetailType": "t", "Detail": '{"n": 1}'}
    events.put_events(Entries=[entry])  # no resource policy yet: not delivered
    assert logs.filter_log_events(logGroupName="/aws/events/ev-target")["events"] == []
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": garn + ":*"}]}
    logs.put_resource_policy(policyName="events-to-logs", policyDocument=json.dumps(policy))
    t = time.time() - 30
    eid = events.put_events(Entries=[dict(entry, Detail='{"n": 2}', Time=t)])["Entries"][0]["EventId"]
    got = logs.filter_log_events(logGroupName="/aws/events/ev-target")["events"]
    assert len(got) == 1 and got[0]["logStreamName"] == eid and got[0]["timestamp"] == int(t) * 1000
    body = json.loads(got[0]["message"])
    assert (body["id"], body["detail"]) == (eid, {"n": 2})
    events.remove_targets(Rule="to-logs", Ids=["l"])
    events.delete_rule(Name="to-logs")
    logs.delete_resource_policy(policyName="events-to-logs")


ALT = ("111111111111", "ALTACCESSKEY0000000E", "altsecret0000000000000000000000000000000E")


def test_bus_permissions_and_cross_account_put(gureum_factory):
    """PutPermission / RemovePermission build the bus's policy as AWS records
    it, DescribeEventBus shows it, and another account's PutEvents to the
    bus's ARN is delivered (keeping the sender's account) only while the
    policy allows that account."""
    g = gureum_factory(env={"GUREUM_ACCOUNTS": ":".join(ALT)})
    ev, sqs = g.client("events"), g.client("sqs")
    alt = g.client("events", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    bus_arn = ev.create_event_bus(Name="shared")["EventBusArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ev.put_permission(EventBusName="nope", Action="events:PutEvents", Principal=ALT[0], StatementId="a")
    assert e.value.response["Error"]["Message"] == "Event bus nope does not exist."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ev.remove_permission(EventBusName="shared", StatementId="missing")
    assert (code_of(e), e.value.response["Error"]["Message"]) == (
        "ResourceNotFoundException", "Statement with the provided id does not exist.")
    url, qarn = queue_for_events(sqs, "shared-target")
    ev.put_rule(Name="all", EventBusName="shared", EventPattern='{"source": ["alt.app"]}')
    ev.put_targets(Rule="all", EventBusName="shared", Targets=[{"Id": "q", "Arn": qarn}])
    entry = {"EventBusName": bus_arn, "Source": "alt.app", "DetailType": "t", "Detail": "{}"}
    r = alt.put_events(Entries=[entry])  # no policy yet
    assert r["FailedEntryCount"] == 1 and r["Entries"][0]["ErrorCode"] == "AccessDeniedException"
    ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=ALT[0], StatementId="alt")
    ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal="*", StatementId="all")
    ev.put_permission(EventBusName="shared", Action="events:PutEvents", Principal=ALT[0], StatementId="alt")
    pol = json.loads(ev.describe_event_bus(Name="shared")["Policy"])
    assert pol["Version"] == "2012-10-17" and [s["Sid"] for s in pol["Statement"]] == ["all", "alt"]
    assert pol["Statement"][1] == {"Sid": "alt", "Effect": "Allow",
                                   "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]},
                                   "Action": "events:PutEvents", "Resource": bus_arn}
    ev.remove_permission(EventBusName="shared", StatementId="all")
    assert alt.put_events(Entries=[entry])["FailedEntryCount"] == 0
    body = json.loads(receive_all(sqs, url, wait=3, want=1)[0])
    assert body["account"] == ALT[0] and body["source"] == "alt.app"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ev.put_permission(EventBusName="shared", Action="events:PutRule", Principal=ALT[0], StatementId="x")
    assert e.value.response["Error"]["Message"] == "Provided value in parameter 'action' is not supported."
    ev.remove_permission(EventBusName="shared", StatementId="alt")
    assert "Policy" not in ev.describe_event_bus(Name="shared")
    assert alt.put_events(Entries=[entry])["FailedEntryCount"] == 1
    ev.put_permission(EventBusName="shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "doc", "Effect": "Allow", "Principal": {"AWS": ALT[0]}, "Action": "events:PutEvents",
        "Resource": bus_arn}]}))
    assert alt.put_events(Entries=[entry])["FailedEntryCount"] == 0
    ev.remove_permission(EventBusName="shared", RemoveAllPermissions=True)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ev.remove_permission(EventBusName="shared", RemoveAllPermissions=True)
    assert code_of(e) == "ResourceNotFoundException"


def test_put_targets_validation(events):
    """AWS's ValidationException texts for a target whose Arn is no ARN and
    for a FIFO queue without SqsParameters (checked before the rule)."""
    for targets, msg in [
        ([{"Id": "x", "Arn": "test-bucket"}],
         "Parameter test-bucket is not valid. Reason: Provided Arn is not in correct format."),
        ([{"Id": "fifo", "Arn": "arn:aws:sqs:%s:%s:q.fifo" % (REGION, ACCOUNT)}],
         "Parameter(s) SqsParameters must be specified for target: fifo.")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            events.put_targets(Rule="no-such-rule", Targets=targets)
        assert (code_of(e), e.value.response["Error"]["Message"]) == ("ValidationException", msg)
