"""test_logs_metric_filters.py — CloudWatch Logs metric filters publish to CloudWatch: events put
with PutLogEvents (and a Lambda function's own output) that match a group's filter become data points
of the filter's metric, read back with GetMetricStatistics: literal values, "$.field" values of JSON
events, "$field" values of space-delimited ones, dimensions taken from the events, the default value
for a batch where nothing matched, and PutMetricFilter's refusals of dimensions it cannot take. Also
the embedded metric format: events carrying their own metric definitions (`_aws`) publish them when
Lambda writes them, and through PutLogEvents when sent with `x-amzn-logs-format: json/emf`.
"""
import json
import datetime
import io
import time
import zipfile

import botocore.exceptions
import pytest

from conftest import lambda_role

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


@pytest.fixture(scope="module")
def cw(gureum):
    return gureum.client("cloudwatch")


def now_ms():
    return int(time.time() * 1000)


def stats(cw, ns, name, dims=(), stat=("Sum", "SampleCount", "Maximum")):
    """One period over the last hour: the statistics of every data point, or None when there is none."""
    end = datetime.datetime.now(UTC) + datetime.timedelta(minutes=2)
    r = cw.get_metric_statistics(Namespace=ns, MetricName=name, Dimensions=[{"Name": k, "Value": v} for k, v in dims],
                                 StartTime=end - datetime.timedelta(hours=1), EndTime=end, Period=3600,
                                 Statistics=list(stat))
    pts = r["Datapoints"]
    assert len(pts) <= 1
    return pts[0] if pts else None


def group(logs, name):
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")


def put(logs, name, *messages):
    t = now_ms()
    logs.put_log_events(logGroupName=name, logStreamName="s",
                        logEvents=[{"timestamp": t + i, "message": m} for i, m in enumerate(messages)])


def test_literal_json_and_space_delimited_values(logs, cw):
    group(logs, "/mf/app")
    logs.put_metric_filter(logGroupName="/mf/app", filterName="errors", filterPattern="ERROR",
                           metricTransformations=[{"metricName": "Errors", "metricNamespace": "MF/App",
                                                   "metricValue": "1", "unit": "Count"}])
    logs.put_metric_filter(logGroupName="/mf/app", filterName="latency", filterPattern="{ $.latency = * }",
                           metricTransformations=[{"metricName": "Latency", "metricNamespace": "MF/App",
                                                   "metricValue": "$.latency", "unit": "Milliseconds",
                                                   "dimensions": {"Route": "$.route"}}])
    logs.put_metric_filter(logGroupName="/mf/app", filterName="bytes", filterPattern="[ip, user, status=2*, bytes]",
                           metricTransformations=[{"metricName": "Bytes", "metricNamespace": "MF/App",
                                                   "metricValue": "$bytes", "dimensions": {"Status": "$status"}}])
    put(logs, "/mf/app", "ERROR disk full", "all good", "ERROR again",
        '{"latency": 120, "route": "/a"}', '{"latency": 80.5, "route": "/a"}', '{"latency": 7, "route": "/b"}',
        '{"latency": "slow", "route": "/b"}', '{"latency": 9}',
        "10.0.0.1 alice 200 512", "10.0.0.2 bob 204 100", "10.0.0.3 carol 500 999")
    e = stats(cw, "MF/App", "Errors")
    assert (e["Sum"], e["SampleCount"], e["Unit"]) == (2.0, 2.0, "Count")
    a = stats(cw, "MF/App", "Latency", [("Route", "/a")])
    assert (a["Sum"], a["SampleCount"], a["Maximum"], a["Unit"]) == (200.5, 2.0, 120.0, "Milliseconds")
    # "slow" is not a number and the last event lacks the dimension's field: neither publishes
    b = stats(cw, "MF/App", "Latency", [("Route", "/b")])
    assert (b["Sum"], b["SampleCount"]) == (7.0, 1.0)
    assert stats(cw, "MF/App", "Latency") is None
    ok = stats(cw, "MF/App", "Bytes", [("Status", "200")])
    assert (ok["Sum"], ok["SampleCount"]) == (512.0, 1.0)
    assert stats(cw, "MF/App", "Bytes", [("Status", "204")])["Sum"] == 100.0
    assert stats(cw, "MF/App", "Bytes", [("Status", "500")]) is None
    names = {(m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
             for m in cw.list_metrics(Namespace="MF/App")["Metrics"]}
    assert names == {("Errors", ()), ("Latency", (("Route", "/a"),)), ("Latency", (("Route", "/b"),)),
                     ("Bytes", (("Status", "200"),)), ("Bytes", (("Status", "204"),))}


def test_default_value_and_deleted_filter(logs, cw):
    group(logs, "/mf/default")
    logs.put_metric_filter(logGroupName="/mf/default", filterName="fatal", filterPattern="FATAL",
                           metricTransformations=[{"metricName": "Fatal", "metricNamespace": "MF/Default",
                                                   "metricValue": "1", "defaultValue": 0}])
    put(logs, "/mf/default", "starting", "still fine")
    d = stats(cw, "MF/Default", "Fatal")
    assert (d["Sum"], d["SampleCount"]) == (0.0, 1.0)
    put(logs, "/mf/default", "FATAL one", "FATAL two", "fine")
    d = stats(cw, "MF/Default", "Fatal")
    assert (d["Sum"], d["SampleCount"]) == (2.0, 3.0)
    logs.delete_metric_filter(logGroupName="/mf/default", filterName="fatal")
    put(logs, "/mf/default", "FATAL three")
    assert stats(cw, "MF/Default", "Fatal")["Sum"] == 2.0


def make_function(gureum, name, source):
    lam = gureum.client("lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", source)
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=lambda_role(gureum.client("iam"), name + "-role"),
                        Handler="index.handler", Code={"ZipFile": buf.getvalue()})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return lam


def wait_sum(cw, ns, name, dims, want):
    deadline = time.time() + 20
    while True:
        s = stats(cw, ns, name, dims)
        if (s and s["Sum"] == want) or time.time() > deadline:
            return s
        time.sleep(0.3)


def test_lambda_output_through_a_metric_filter(gureum, logs, cw):
    """A function's log lines reach its /aws/lambda group through Lambda's own writer; a metric filter
    there counts them as it counts PutLogEvents' events."""
    lam = make_function(gureum, "mf-fn", "exports.handler = async (e) => { console.log('ORDER placed ' + e.n); return e.n; };")
    g = "/aws/lambda/mf-fn"
    try:
        logs.create_log_group(logGroupName=g)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.put_metric_filter(logGroupName=g, filterName="orders", filterPattern="ORDER",
                           metricTransformations=[{"metricName": "Orders", "metricNamespace": "MF/Lambda",
                                                   "metricValue": "1"}])
    for n in range(3):
        assert lam.invoke(FunctionName="mf-fn", Payload=b'{"n": %d}' % n)["StatusCode"] == 200
    s = wait_sum(cw, "MF/Lambda", "Orders", (), 3.0)
    assert s and s["Sum"] == 3.0


@pytest.mark.parametrize("pattern,transform,msg", [
    ("ERROR", {"metricValue": "1", "dimensions": {"Host": "$.host"}},
     "The specified filter pattern does not support dimensions"),
    ("{ $.host = * }", {"metricValue": "1", "dimensions": {"Host": "$.host"}, "defaultValue": 0},
     "Invalid metric transformation: dimensions and default value are mutually exclusive properties"),
])
def test_dimension_refusals(logs, pattern, transform, msg):
    if not logs.describe_log_groups(logGroupNamePrefix="/mf/refused")["logGroups"]:
        group(logs, "/mf/refused")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_metric_filter(logGroupName="/mf/refused", filterName="f", filterPattern=pattern,
                               metricTransformations=[dict(metricName="M", metricNamespace="MF/R", **transform)])
    err = e.value.response["Error"]
    assert (err["Code"], err["Message"]) == ("InvalidParameterException", msg)
    assert logs.describe_metric_filters(logGroupName="/mf/refused")["metricFilters"] == []


def emf(ns, **values):
    doc = {"_aws": {"Timestamp": now_ms(), "CloudWatchMetrics": [{
        "Namespace": ns, "Dimensions": [["Service"], ["Service", "Op"]],
        "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}, {"Name": "Hits", "Unit": "Count"}]}]},
        "Service": "shop", "Op": "buy", "note": "not a metric"}
    doc.update(values)
    return json.dumps(doc)


def test_embedded_metric_format_through_put_log_events(gureum, cw):
    """With x-amzn-logs-format: json/emf each dimension set publishes each metric (a list is one data
    point per value); without the header the same events are only log events."""
    plain, agent = gureum.client("logs"), gureum.client("logs")
    agent.meta.events.register("before-sign.cloudwatch-logs.PutLogEvents",
                               lambda request, **_: request.headers.add_header("x-amzn-logs-format", "json/emf"))
    group(plain, "/emf/app")
    put(plain, "/emf/app", emf("EMF/Plain", Latency=5, Hits=1))
    assert cw.list_metrics(Namespace="EMF/Plain")["Metrics"] == []
    put(agent, "/emf/app", emf("EMF/App", Latency=[10, 20, 30], Hits=1), emf("EMF/App", Latency=40, Hits=1),
        "plain text line", '{"_aws": {"Timestamp": "soon", "CloudWatchMetrics": []}}',
        emf("EMF/App", Latency="fast", Hits=2))
    s = stats(cw, "EMF/App", "Latency", [("Service", "shop")])
    assert (s["Sum"], s["SampleCount"], s["Maximum"], s["Unit"]) == (100.0, 4.0, 40.0, "Milliseconds")
    s = stats(cw, "EMF/App", "Latency", [("Service", "shop"), ("Op", "buy")])
    assert (s["Sum"], s["SampleCount"]) == (100.0, 4.0)
    assert stats(cw, "EMF/App", "Hits", [("Service", "shop")])["Sum"] == 4.0
    assert stats(cw, "EMF/App", "note", [("Service", "shop")]) is None
    # the events are stored as they came, EMF or not
    got = plain.get_log_events(logGroupName="/emf/app", logStreamName="s")["events"]
    assert len(got) == 6 and got[3]["message"] == "plain text line"


def test_embedded_metric_format_from_lambda(gureum, cw):
    """Lambda extracts EMF from a function's output by itself (what the EMF libraries and Powertools
    write to stdout), with no metric filter and no header."""
    src = ("exports.handler = async (e) => { process.stdout.write(JSON.stringify({_aws: {Timestamp: Date.now(), "
           "CloudWatchMetrics: [{Namespace: 'EMF/Fn', Dimensions: [['Fn']], Metrics: [{Name: 'Items', Unit: 'Count'}]}]},"
           " Fn: 'emf-fn', Items: e.items}) + '\\n'); return 'ok'; };")
    lam = make_function(gureum, "emf-fn", src)
    for items in (2, 5):
        assert lam.invoke(FunctionName="emf-fn", Payload=json.dumps({"items": items}))["StatusCode"] == 200
    s = wait_sum(cw, "EMF/Fn", "Items", [("Fn", "emf-fn")], 7.0)
    assert s and (s["Sum"], s["SampleCount"], s["Unit"]) == (7.0, 2.0, "Count")
