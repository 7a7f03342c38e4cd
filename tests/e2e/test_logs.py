"""test_logs.py — CloudWatch Logs end to end: groups, streams, retention, tags,
PutLogEvents batch rules, GetLogEvents tokens, FilterLogEvents with filter
patterns, and `aws logs tail` (with and without --follow) from the CLIs.
"""
import json
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from conftest import CLIS, lambda_zip


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def now_ms():
    return int(time.time() * 1000)


def put(logs, group, stream, messages, ts=None):
    base = ts or now_ms()
    return logs.put_log_events(logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": base + i, "message": m} for i, m in enumerate(messages)])


def make(logs, group, stream=None):
    logs.create_log_group(logGroupName=group)
    if stream:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)


# ==== Groups, streams, retention, tags ====

def test_groups_and_streams(logs):
    logs.create_log_group(logGroupName="/app/g1", tags={"team": "a"})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_group(logGroupName="/app/g1")
    assert code_of(e) == "ResourceAlreadyExistsException"
    groups = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/app/g1"]
    assert groups[0]["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/g1:*"
    logs.create_log_stream(logGroupName="/app/g1", logStreamName="s-b")
    logs.create_log_stream(logGroupName="/app/g1", logStreamName="s-a")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_stream(logGroupName="/app/g1", logStreamName="s-a")
    assert code_of(e) == "ResourceAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_log_stream(logGroupName="/nope", logStreamName="s")
    assert code_of(e) == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
    streams = logs.describe_log_streams(logGroupName="/app/g1")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s-a", "s-b"]
    put(logs, "/app/g1", "s-b", ["x"])
    st = logs.describe_log_streams(logGroupName="/app/g1", orderBy="LastEventTime", descending=True)["logStreams"]
    assert st[0]["logStreamName"] == "s-b" and "lastEventTimestamp" in st[0]
    # tags, both forms
    assert logs.list_tags_log_group(logGroupName="/app/g1")["tags"] == {"team": "a"}
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/app/g1"
    logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a", "env": "dev"}
    logs.untag_log_group(logGroupName="/app/g1", tags=["team"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    logs.delete_log_stream(logGroupName="/app/g1", logStreamName="s-a")
    logs.delete_log_group(logGroupName="/app/g1")
    assert logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.delete_log_group(logGroupName="/app/g1")
    assert code_of(e) == "ResourceNotFoundException"


def test_retention_removes_old_events(logs):
    make(logs, "ret", "s")
    old = now_ms() - 3 * 86400000
    put(logs, "ret", "s", ["old-1", "old-2"], ts=old)
    put(logs, "ret", "s", ["new"])
    assert len(logs.get_log_events(logGroupName="ret", logStreamName="s")["events"]) == 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_retention_policy(logGroupName="ret", retentionInDays=2)
    assert code_of(e) == "InvalidParameterException"
    before = logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]["storedBytes"]
    assert before == len("old-1old-2new")
    logs.put_retention_policy(logGroupName="ret", retentionInDays=1)
    g = logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]
    assert g["retentionInDays"] == 1 and g["storedBytes"] == len("new")
    ev = logs.get_log_events(logGroupName="ret", logStreamName="s")["events"]
    assert [e["message"] for e in ev] == ["new"]
    # events older than the retention are now rejected as expired
    r = put(logs, "ret", "s", ["too-old"], ts=old)
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}
    logs.delete_retention_policy(logGroupName="ret")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]


# ==== PutLogEvents ====

def test_put_batch_rules(logs):
    make(logs, "batch", "s")
    t = now_ms()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="batch", logStreamName="s",
                            logEvents=[{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}])
    assert code_of(e) == "InvalidParameterException"
    assert "chronological order" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="batch", logStreamName="s",
                            logEvents=[{"timestamp": t - 25 * 3600000, "message": "a"}, {"timestamp": t, "message": "b"}])
    assert "24 hours" in e.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="batch", logStreamName="s",
                            logEvents=[{"timestamp": t, "message": "x" * 200000}] * 6)
    assert code_of(e) == "InvalidParameterException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_log_events(logGroupName="batch", logStreamName="nope", logEvents=[{"timestamp": t, "message": "x"}])
    assert code_of(e) == "ResourceNotFoundException"
    # too old (>14 days) and too new (>2 h ahead) are reported, the rest stored; the
    # 24 h span rule keeps them in separate batches
    r = logs.put_log_events(logGroupName="batch", logStreamName="s", sequenceToken="ignored",
                            logEvents=[{"timestamp": t - 15 * 86400000, "message": "old"},
                                       {"timestamp": t - 15 * 86400000 + 1, "message": "old2"}])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    r = logs.put_log_events(logGroupName="batch", logStreamName="s",
                            logEvents=[{"timestamp": t, "message": "ok"},
                                       {"timestamp": t + 3 * 3600000, "message": "future"}])
    assert r["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    assert "nextSequenceToken" in r
    ev = logs.get_log_events(logGroupName="batch", logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in ev] == ["ok"]


# ==== GetLogEvents ====

def test_get_tokens(logs):
    make(logs, "get", "s")
    t = now_ms() - 60000
    put(logs, "get", "s", ["m%d" % i for i in range(10)], ts=t)
    r = logs.get_log_events(logGroupName="get", logStreamName="s", limit=3)
    assert [e["message"] for e in r["events"]] == ["m7", "m8", "m9"]  # newest by default
    b = logs.get_log_events(logGroupName="get", logStreamName="s", limit=3, nextToken=r["nextBackwardToken"])
    assert [e["message"] for e in b["events"]] == ["m4", "m5", "m6"]
    assert b["nextBackwardToken"].startswith("b/") and b["nextForwardToken"].startswith("f/")
    f = logs.get_log_events(logGroupName="get", logStreamName="s", limit=2, nextToken=b["nextForwardToken"])
    assert [e["message"] for e in f["events"]] == ["m7", "m8"]
    h = logs.get_log_events(logGroupName="get", logStreamName="s", limit=4, startFromHead=True)
    assert [e["message"] for e in h["events"]] == ["m0", "m1", "m2", "m3"]
    # walking forward to the end returns the same token once nothing is left
    tok, seen = h["nextForwardToken"], 4
    while True:
        p = logs.get_log_events(logGroupName="get", logStreamName="s", limit=4, nextToken=tok)
        seen += len(p["events"])
        if p["nextForwardToken"] == tok:
            break
        tok = p["nextForwardToken"]
    assert seen == 10
    # later events appear after the last forward token
    put(logs, "get", "s", ["late"])
    p = logs.get_log_events(logGroupName="get", logStreamName="s", nextToken=tok)
    assert [e["message"] for e in p["events"]] == ["late"]
    w = logs.get_log_events(logGroupName="get", logStreamName="s", startTime=t + 2, endTime=t + 4, startFromHead=True)
    assert [e["message"] for e in w["events"]] == ["m2", "m3"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.get_log_events(logGroupName="get", logStreamName="s", nextToken="garbage")
    assert code_of(e) == "InvalidParameterException"


# ==== FilterLogEvents ====

def filt(logs, group, pattern, **kw):
    return [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern=pattern, **kw)["events"]]


def test_filter_patterns(logs):
    make(logs, "flt", "a")
    logs.create_log_stream(logGroupName="flt", logStreamName="b")
    t = now_ms() - 10000
    msgs = ["ERROR disk full", "WARN disk slow", "INFO all good", "ERROR Exiting now",
            json.dumps({"eventType": "UpdateTrail", "n": 5, "user": {"id": 7, "name": "kim"}, "ok": True}),
            json.dumps({"eventType": "Other", "n": 50, "arr": [1, "x"], "z": None}),
            '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /a.gif HTTP/1.0" 200 1534',
            '10.0.0.2 - bob [10/Oct/2000:13:26:15 -0700] "POST /b HTTP/1.0" 404 12']
    put(logs, "flt", "a", msgs[:4], ts=t)
    put(logs, "flt", "b", msgs[4:], ts=t + 100)
    assert filt(logs, "flt", "") == msgs
    assert filt(logs, "flt", "ERROR") == ["ERROR disk full", "ERROR Exiting now"]
    assert filt(logs, "flt", "ERROR disk") == ["ERROR disk full"]
    assert filt(logs, "flt", '"disk full"') == ["ERROR disk full"]
    assert filt(logs, "flt", "ERROR -Exiting") == ["ERROR disk full"]
    assert filt(logs, "flt", "?WARN ?INFO") == ["WARN disk slow", "INFO all good"]
    assert filt(logs, "flt", '{ $.eventType = "UpdateTrail" }') == [msgs[4]]
    assert filt(logs, "flt", '{ $.n > 10 }') == [msgs[5]]
    assert filt(logs, "flt", '{ $.n >= 5 && $.user.name = "k*" }') == [msgs[4]]
    assert filt(logs, "flt", '{ ($.n = 50) || ($.user.id = 7) }') == [msgs[4], msgs[5]]
    assert filt(logs, "flt", '{ $.arr[1] = "x" }') == [msgs[5]]
    assert filt(logs, "flt", '{ $.ok IS TRUE }') == [msgs[4]]
    assert filt(logs, "flt", '{ $.z IS NULL }') == [msgs[5]]
    assert filt(logs, "flt", '{ $.user NOT EXISTS }') == [msgs[5]]
    assert filt(logs, "flt", '{ $.eventType != "Other" }') == [msgs[4]]
    assert filt(logs, "flt", "[ip, user, username, timestamp, request, status_code, bytes]") == msgs[6:]
    assert filt(logs, "flt", "[ip, user, username, timestamp, request, status_code = 4*, bytes]") == [msgs[7]]
    assert filt(logs, "flt", "[ip = 127.*, ...]") == [msgs[6]]
    assert filt(logs, "flt", "[..., status_code >= 200 && status_code < 300, bytes > 1000]") == [msgs[6]]
    assert filt(logs, "flt", '[ip, user, username = "bob", ...]') == [msgs[7]]
    assert filt(logs, "flt", "%disk (full|slow)%") == ["ERROR disk full", "WARN disk slow"]
    assert filt(logs, "flt", "ERROR -%Exit[a-z]+%") == ["ERROR disk full"]
    assert filt(logs, "flt", '{ $.user.name = %^k.m$% }') == [msgs[4]]
    assert filt(logs, "flt", "[ip = %^10\\.%, ...]") == [msgs[7]]
    assert filt(logs, "flt", "", logStreamNames=["b"]) == msgs[4:]
    assert filt(logs, "flt", "", logStreamNamePrefix="a") == msgs[:4]
    assert filt(logs, "flt", "", startTime=t + 100, endTime=t + 101) == msgs[4:6]
    r = logs.filter_log_events(logGroupName="flt", filterPattern="ERROR")["events"][0]
    assert r["logStreamName"] == "a" and r["timestamp"] == t and len(r["eventId"]) == 56
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.filter_log_events(logGroupName="flt", filterPattern="{ $.x = ")
    assert code_of(e) == "InvalidParameterException"


def test_filter_pagination(logs):
    make(logs, "pag", "s")
    t = now_ms() - 10000
    put(logs, "pag", "s", ["e%d" % i for i in range(25)], ts=t)
    got, tok = [], None
    while True:
        kw = {"nextToken": tok} if tok else {}
        r = logs.filter_log_events(logGroupName="pag", limit=10, **kw)
        got += [e["message"] for e in r["events"]]
        tok = r.get("nextToken")
        if not tok:
            break
    assert got == ["e%d" % i for i in range(25)]
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName="pag",
                                                                  PaginationConfig={"PageSize": 7}))
    assert sum(len(p["events"]) for p in pages) == 25


# ==== The CLIs ====

def test_cli_put(gureum, cli, logs):
    g = "cli-%d" % CLIS.index(cli)
    make(logs, g, "s")
    ev = json.dumps([{"timestamp": now_ms(), "message": "hello from cli"}])
    r = gureum.aws("logs", "put-log-events", "--log-group-name", g, "--log-stream-name", "s", "--log-events", ev, cli=cli)
    assert r.returncode == 0, r.stderr
    assert "nextSequenceToken" in json.loads(r.stdout)
    assert filt(logs, g, "hello") == ["hello from cli"]


def tail_clis():
    """`aws logs tail` exists in CLI v2 only (Debian's /usr/bin/aws); v1 has no such command."""
    return [c for c in CLIS if c == "/usr/bin/aws"]


def test_tail(gureum, logs):
    make(logs, "/aws/lambda/tailfn", "2026/01/01/[$LATEST]abc")
    put(logs, "/aws/lambda/tailfn", "2026/01/01/[$LATEST]abc", ["START", "hello tail", "END"], ts=now_ms() - 5000)
    clis = tail_clis()
    if not clis:
        pytest.skip("no AWS CLI with `logs tail`")
    for cli in clis:
        r = gureum.aws("logs", "tail", "/aws/lambda/tailfn", "--since", "1h", cli=cli)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert len(lines) == 3 and lines[1].endswith("2026/01/01/[$LATEST]abc hello tail"), r.stdout


def test_tail_follow(gureum, logs):
    clis = tail_clis()
    if not clis:
        pytest.skip("no AWS CLI with `logs tail`")
    make(logs, "follow", "s")
    put(logs, "follow", "s", ["before"])
    cmd = [clis[0], "--endpoint-url", gureum.endpoint, "logs", "tail", "follow", "--follow", "--format", "short",
           "--filter-pattern=-skip"]
    p = subprocess.Popen(cmd, env=gureum.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(p.stdout.readline, "")), daemon=True)
    reader.start()

    def wait_for(n, timeout):
        deadline = time.time() + timeout
        while len(lines) < n and time.time() < deadline and p.poll() is None:
            time.sleep(0.1)

    try:
        wait_for(1, 30)  # the CLI is up and has read what was there
        put(logs, "follow", "s", ["after-1", "skip-me", "after-2"])
        wait_for(3, 15)  # it polls every 5 s
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
        reader.join(5)
    msgs = [ln.rstrip("\n").split(" ", 1)[1] for ln in lines if " " in ln]
    assert msgs == ["before", "after-1", "after-2"], (lines, err)


def test_group_arn_of_another_account_or_region(gureum, logs):
    """logGroupIdentifier as an ARN names a group of the caller's account and
    region only; another account's or region's is not found (it once reached
    the caller's own group of that name). Debian's model still marks
    logGroupName required, so the client skips its own validation."""
    import botocore.config
    make(logs, "arn-group", "s1")
    logs = gureum.client("logs", config=botocore.config.Config(parameter_validation=False,
                                                              retries={"total_max_attempts": 1}))
    put(logs, "arn-group", "s1", ["hello"])
    own = "arn:aws:logs:us-east-1:000000000000:log-group:arn-group"
    got = logs.filter_log_events(logGroupIdentifier=own)["events"]
    assert [e["message"] for e in got] == ["hello"]
    for other in (own.replace("000000000000", "111111111111"), own.replace("us-east-1", "eu-west-1")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            logs.filter_log_events(logGroupIdentifier=other)
        assert code_of(e) == "ResourceNotFoundException", other
    logs.delete_log_group(logGroupName="arn-group")


def test_describe_group_members(logs):
    """AWS (recorded DescribeLogGroups answers): logGroupArn is the ARN without
    ":*", with logGroupClass STANDARD and deletionProtectionEnabled false; only
    boto3 models that know the members (1.43) read them."""
    make(logs, "/described/group")
    g = logs.describe_log_groups(logGroupNamePrefix="/described/")["logGroups"][0]
    assert g["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/described/group:*"
    if "logGroupArn" not in logs.meta.service_model.shape_for("LogGroup").members:
        return
    assert g["logGroupArn"] == g["arn"][:-2]
    assert (g["logGroupClass"], g["deletionProtectionEnabled"]) == ("STANDARD", False)
    assert logs.describe_log_streams(logGroupIdentifier=g["logGroupArn"])["logStreams"] == []
    logs.delete_log_group(logGroupName="/described/group")


def test_metric_filters(logs):
    """PutMetricFilter / DescribeMetricFilters / DeleteMetricFilter: kept per
    group (and counted in metricFilterCount), replaced by name, the pattern
    checked as FilterLogEvents checks it, gone with the group."""
    make(logs, "/metrics/a")
    make(logs, "/metrics/b")
    t = [{"metricName": "Errors", "metricNamespace": "App", "metricValue": "1", "defaultValue": 0}]
    logs.put_metric_filter(logGroupName="/metrics/a", filterName="errors", filterPattern="ERROR",
                           metricTransformations=t)
    logs.put_metric_filter(logGroupName="/metrics/a", filterName="latency", filterPattern="{ $.ms > 100 }",
                           metricTransformations=[{"metricName": "Slow", "metricNamespace": "App",
                                                   "metricValue": "$.ms", "dimensions": {"Op": "$.op"}}])
    logs.put_metric_filter(logGroupName="/metrics/b", filterName="errors", filterPattern="ERROR",
                           metricTransformations=t)
    got = logs.describe_metric_filters(logGroupName="/metrics/a")["metricFilters"]
    assert [(f["logGroupName"], f["filterName"]) for f in got] == [("/metrics/a", "errors"), ("/metrics/a", "latency")]
    assert got[0]["metricTransformations"] == [{"metricName": "Errors", "metricNamespace": "App",
                                                "metricValue": "1", "defaultValue": 0.0}]
    assert got[1]["metricTransformations"][0]["dimensions"] == {"Op": "$.op"}
    assert got[1]["filterPattern"] == "{ $.ms > 100 }" and got[0]["creationTime"] > 0
    by_metric = logs.describe_metric_filters(metricName="Errors", metricNamespace="App")["metricFilters"]
    assert [(f["logGroupName"], f["filterName"]) for f in by_metric] == [("/metrics/a", "errors"),
                                                                         ("/metrics/b", "errors")]
    page = logs.describe_metric_filters(limit=2)
    rest = logs.describe_metric_filters(limit=2, nextToken=page["nextToken"])
    assert len(page["metricFilters"]) == 2 and [f["filterName"] for f in rest["metricFilters"]] == ["errors"]
    assert "nextToken" not in rest
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix="/metrics/")["logGroups"]}
    assert (groups["/metrics/a"]["metricFilterCount"], groups["/metrics/b"]["metricFilterCount"]) == (2, 1)
    logs.put_metric_filter(logGroupName="/metrics/a", filterName="errors", filterPattern="FATAL",
                           metricTransformations=t)
    assert logs.describe_metric_filters(logGroupName="/metrics/a", filterNamePrefix="err")["metricFilters"][0][
        "filterPattern"] == "FATAL"
    for kw, code in [(dict(logGroupName="/metrics/none", filterName="x", filterPattern="", metricTransformations=t),
                      "ResourceNotFoundException"),
                     (dict(logGroupName="/metrics/a", filterName="x", filterPattern="{ $.a = ", metricTransformations=t),
                      "InvalidParameterException")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            logs.put_metric_filter(**kw)
        assert code_of(e) == code
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.describe_metric_filters(logGroupName="/metrics/none")
    assert code_of(e) == "ResourceNotFoundException"
    logs.delete_metric_filter(logGroupName="/metrics/a", filterName="errors")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.delete_metric_filter(logGroupName="/metrics/a", filterName="errors")
    assert code_of(e) == "ResourceNotFoundException"
    logs.delete_log_group(logGroupName="/metrics/a")
    assert [f["logGroupName"] for f in logs.describe_metric_filters()["metricFilters"]] == ["/metrics/b"]
    logs.delete_log_group(logGroupName="/metrics/b")


def test_subscription_filters(gureum, logs):
    """Subscription filters send the matching events of each write, gzipped
    as AWS's DATA_MESSAGE: a Kinesis record keyed by the stream, and a Lambda
    invocation {"awslogs": {"data": ...}} allowed by the function's policy."""
    import base64
    import gzip
    kin, iam, lam = gureum.client("kinesis"), gureum.client("iam"), gureum.client("lambda")
    make(logs, "/subs/app", "s1")
    kin.create_stream(StreamName="logs-sub", ShardCount=1)
    sarn = kin.describe_stream(StreamName="logs-sub")["StreamDescription"]["StreamARN"]
    role = "arn:aws:iam::000000000000:role/cwl-to-kinesis"
    for kw, code, msg in [
        (dict(destinationArn=sarn), "InvalidParameterException",
         "destinationArn for vendor kinesis cannot be used without roleArn"),
        (dict(destinationArn="arn:aws:lambda:us-east-1:123456789012:function:x"), "AccessDeniedException",
         "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross "
         "account lambda triggers."),
        (dict(destinationArn=sarn + "-nope", roleArn=role), "InvalidParameterException", None)]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            logs.put_subscription_filter(logGroupName="/subs/app", filterName="f", filterPattern="", **kw)
        assert code_of(e) == code and (msg is None or e.value.response["Error"]["Message"] == msg)
    logs.put_subscription_filter(logGroupName="/subs/app", filterName="errors", filterPattern="ERROR",
                                 destinationArn=sarn, roleArn=role)

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    frole = iam.create_role(RoleName="sub-fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = ("import base64, gzip, json\ndef handler(event, context):\n"
            "    d = json.loads(gzip.decompress(base64.b64decode(event['awslogs']['data'])))\n"
            "    print('GOT ' + d['logGroup'] + ' ' + ','.join(e['message'] for e in d['logEvents']))\n")
    fn = lam.create_function(FunctionName="subfn", Runtime="python3.11", Role=frole, Handler="handler.handler",
                             Code={"ZipFile": lambda_zip(code)})["FunctionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:  # no permission for the logs service yet
        logs.put_subscription_filter(logGroupName="/subs/app", filterName="all", filterPattern="", destinationArn=fn)
    assert code_of(e) == "InvalidParameterException"
    lam.add_permission(FunctionName="subfn", StatementId="cwl", Action="lambda:InvokeFunction",
                       Principal="logs.us-east-1.amazonaws.com",
                       SourceArn="arn:aws:logs:us-east-1:000000000000:log-group:/subs/app:*")
    logs.put_subscription_filter(logGroupName="/subs/app", filterName="all", filterPattern="", destinationArn=fn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_subscription_filter(logGroupName="/subs/app", filterName="third", filterPattern="",
                                     destinationArn=fn)
    assert code_of(e) == "LimitExceededException"
    got = logs.describe_subscription_filters(logGroupName="/subs/app")["subscriptionFilters"]
    assert [(f["filterName"], f["destinationArn"], f["distribution"]) for f in got] == [
        ("all", fn, "ByLogStream"), ("errors", sarn, "ByLogStream")]
    assert got[1]["roleArn"] == role and got[1]["filterPattern"] == "ERROR"

    put(logs, "/subs/app", "s1", ["ok one", "ERROR bad", "ok two", "ERROR worse"])
    it = kin.get_shard_iterator(StreamName="logs-sub", ShardId="shardId-000000000000",
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = kin.get_records(ShardIterator=it)["Records"]
    assert len(recs) == 1 and recs[0]["PartitionKey"] == "s1"
    d = json.loads(gzip.decompress(recs[0]["Data"]))
    assert (d["messageType"], d["owner"], d["logGroup"], d["logStream"], d["subscriptionFilters"]) == (
        "DATA_MESSAGE", "000000000000", "/subs/app", "s1", ["errors"])
    assert [e["message"] for e in d["logEvents"]] == ["ERROR bad", "ERROR worse"]
    assert len(d["logEvents"][0]["id"]) == 56
    ids = [e["eventId"] for e in logs.filter_log_events(logGroupName="/subs/app", filterPattern="ERROR")["events"]]
    assert [e["id"] for e in d["logEvents"]] == ids
    deadline, msgs = time.time() + 30, []
    while time.time() < deadline and not msgs:
        try:
            r = logs.filter_log_events(logGroupName="/aws/lambda/subfn", filterPattern='"GOT"')
            msgs = [e["message"].strip() for e in r["events"]]
        except logs.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.5)
    assert msgs == ["GOT /subs/app ok one,ERROR bad,ok two,ERROR worse"]

    logs.delete_subscription_filter(logGroupName="/subs/app", filterName="all")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.delete_subscription_filter(logGroupName="/subs/app", filterName="all")
    assert e.value.response["Error"]["Message"] == "The specified subscription filter does not exist."
    logs.delete_log_group(logGroupName="/subs/app")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.describe_subscription_filters(logGroupName="/subs/app")
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_resource_policies(logs):
    """Put/Describe/DeleteResourcePolicy as AWS recorded them: replaced by
    name, ten per account and region, listed in the order made."""
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"}, "Action": "logs:PutLogEvents",
        "Resource": "arn:aws:logs:us-east-1:000000000000:log-group:/r53/*"}]})
    p = logs.put_resource_policy(policyName="p0", policyDocument=doc)["resourcePolicy"]
    assert (p["policyName"], p["policyDocument"]) == ("p0", doc) and p["lastUpdatedTime"] <= now_ms()
    for i in range(1, 10):
        logs.put_resource_policy(policyName="p%d" % i, policyDocument=doc)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_resource_policy(policyName="p10", policyDocument=doc)
    assert (code_of(e), e.value.response["Error"]["Message"]) == ("LimitExceededException", "Resource limit exceeded.")
    logs.put_resource_policy(policyName="p3", policyDocument=doc.replace("route53", "events"))
    got = logs.describe_resource_policies()["resourcePolicies"]
    assert [x["policyName"] for x in got] == ["p%d" % i for i in range(10)] and "events" in got[3]["policyDocument"]
    page = logs.describe_resource_policies(limit=4)
    assert len(page["resourcePolicies"]) == 4 and page["nextToken"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_resource_policy(policyName="bad", policyDocument="not json")
    assert code_of(e) == "InvalidParameterException"
    # AWS (recorded): kept as given, a Resource that is no ARN and a missing Version too
    loose = '{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":"*","Resource":"log_arn"}]}'
    logs.delete_resource_policy(policyName="p9")
    assert logs.put_resource_policy(policyName="p9", policyDocument=loose)["resourcePolicy"]["policyDocument"] == loose
    for i in range(10):
        logs.delete_resource_policy(policyName="p%d" % i)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.delete_resource_policy(policyName="p0")
    assert e.value.response["Error"]["Message"] == "Policy with name [p0] does not exist."
    assert logs.describe_resource_policies()["resourcePolicies"] == []


def test_export_task(gureum, logs):
    """CreateExportTask writes the range's events, one gzipped file per
    stream (PREFIX/TASK/STREAM/000000.gz, lines "<time> <message>"), after the
    "aws-logs-write-test" check, into a bucket whose policy lets the logs
    service write (AWS's export guide); the messages of AWS's refusals."""
    import gzip
    s3 = gureum.client("s3")
    make(logs, "/export/app", "a")
    logs.create_log_stream(logGroupName="/export/app", logStreamName="b")
    base = now_ms() - 60000
    put(logs, "/export/app", "a", ["one", "two"], ts=base)
    put(logs, "/export/app", "b", ["three"], ts=base + 10)
    put(logs, "/export/app", "b", ["late"], ts=base + 50000)
    s3.create_bucket(Bucket="log-exports")
    args = dict(logGroupName="/export/app", fromTime=base, to=base + 1000, destination="log-exports")
    with pytest.raises(botocore.exceptions.ClientError) as e:  # no bucket policy for the logs service yet
        logs.create_export_task(**args)
    assert e.value.response["Error"]["Message"].startswith("GetBucketAcl call on the given bucket failed.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.create_export_task(**dict(args, destination="no-such-bucket-here"))
    assert e.value.response["Error"]["Message"] == \
        "The given bucket does not exist. Please make sure the bucket is valid."
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": "arn:aws:s3:::log-exports"},
        {"Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::log-exports/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceAccount": ["000000000000"]},
                       "ArnLike": {"aws:SourceArn": ["arn:aws:logs:us-east-1:000000000000:log-group:*"]}}}]}
    s3.put_bucket_policy(Bucket="log-exports", Policy=json.dumps(policy))
    task = logs.create_export_task(taskName="t1", **args)["taskId"]
    assert s3.get_object(Bucket="log-exports", Key="aws-logs-write-test")["Body"].read() == \
        b"Permission Check Successful"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="log-exports", Prefix="exportedlogs/")["Contents"])
    assert keys == ["exportedlogs/%s/a/000000.gz" % task, "exportedlogs/%s/b/000000.gz" % task]
    lines = gzip.decompress(s3.get_object(Bucket="log-exports", Key=keys[0])["Body"].read()).decode().splitlines()
    assert [x.split(" ", 1)[1] for x in lines] == ["one", "two"] and lines[0].startswith(
        time.strftime("%Y-%m-%dT", time.gmtime(base / 1000)))
    lines = gzip.decompress(s3.get_object(Bucket="log-exports", Key=keys[1])["Body"].read()).decode().splitlines()
    assert [x.split(" ", 1)[1] for x in lines] == ["three"]
    t = logs.describe_export_tasks(taskId=task)["exportTasks"][0]
    assert (t["taskName"], t["logGroupName"], t["destination"], t["destinationPrefix"], t["from"], t["to"]) == (
        "t1", "/export/app", "log-exports", "exportedlogs", base, base + 1000)
    assert t["status"] == {"code": "COMPLETED", "message": "Completed successfully"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.cancel_export_task(taskId=task)
    assert (code_of(e), e.value.response["Error"]["Message"]) == (
        "InvalidOperationException", "The specified export task has already finished")
    for call in (logs.cancel_export_task, logs.describe_export_tasks):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call(taskId="00000000-0000-0000-0000-000000000000")
        assert e.value.response["Error"]["Message"] == "The specified export task does not exist."
    logs.delete_log_group(logGroupName="/export/app")


def test_insights_queries(logs):
    """Logs Insights over the subset gureum runs: fields, filter (comparisons,
    like, regular expressions, JSON fields, and/or/not), sort and limit; rows
    carry @ptr; DescribeQueries lists the query; a command gureum does not
    run, or a word that is no command, is a MalformedQueryException."""
    make(logs, "/insights/app", "web")
    base = now_ms() - 5000
    msgs = ['{"level": "ERROR", "ms": 250, "user": {"id": "u1"}}', '{"level": "INFO", "ms": 20}',
            "plain ERROR line", '{"level": "ERROR", "ms": 90, "user": {"id": "u2"}}']
    put(logs, "/insights/app", "web", msgs, ts=base)
    window = dict(startTime=base // 1000 - 5, endTime=base // 1000 + 10)

    def run(q, **kw):
        qid = logs.start_query(logGroupName="/insights/app", queryString=q, **dict(window, **kw))["queryId"]
        r = logs.get_query_results(queryId=qid)
        assert r["status"] == "Complete"
        return [{f["field"]: f["value"] for f in row} for row in r["results"]], r

    rows, r = run("fields @message")
    assert [x["@message"] for x in rows] == list(reversed(msgs))  # newest first
    assert all(set(x) == {"@message", "@ptr"} for x in rows) and r["statistics"]["recordsScanned"] == 4.0
    rows, _ = run('filter level = "ERROR" and ms > 100 | fields user.id, ms')
    assert [(x["user.id"], x["ms"]) for x in rows] == [("u1", "250")]
    rows, _ = run("filter @message like /ERROR/ | sort ms asc | fields @message | limit 2")
    assert [x["@message"] for x in rows] == [msgs[3], msgs[0]]  # by number: 90, 250, then no ms
    rows, _ = run('filter not ispresent(level) or level != "ERROR" | display @message, @logStream')
    assert sorted(x["@message"] for x in rows) == sorted([msgs[1], msgs[2]]) and rows[0]["@logStream"] == "web"
    rows, r = run("fields @message | limit 1")  # the newest only, every match still counted
    assert [x["@message"] for x in rows] == [msgs[3]] and r["statistics"]["recordsMatched"] == 4.0
    rows, _ = run("fields @timestamp, @log", limit=1)
    assert len(rows) == 1 and rows[0]["@log"] == "000000000000:/insights/app" and len(rows[0]["@timestamp"]) == 23
    queries = logs.describe_queries(logGroupName="/insights/app")["queries"]
    assert len(queries) == 6 and {q["status"] for q in queries} == {"Complete"}
    assert logs.describe_queries(logGroupName="/insights/app", status="Running")["queries"] == []
    for q in ("stats count(*) by bin(5m)", "test", 'filter level = '):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            logs.start_query(logGroupName="/insights/app", queryString=q, **window)
        assert code_of(e) == "MalformedQueryException", q
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.start_query(logGroupName="/insights/none", queryString="fields @message", **window)
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
    logs.delete_log_group(logGroupName="/insights/app")
