"""test_cloudwatch.py — CloudWatch metrics end to end: PutMetricData (Value, Values/Counts,
StatisticValues, gzip'd bodies) and AWS's refusals, GetMetricStatistics (statistics, percentiles,
units, the 1,440-datapoint limit), GetMetricData (metric math, paging, ScanBy), ListMetrics
(filters, paging), dashboards and their tags, authorization, the retention roll-up, and both AWS
CLIs. boto3 1.26 speaks query; boto3 1.43 resolves CloudWatch's protocols list to json 1.0
(botocore's PRIORITY_ORDERED_SUPPORTED_PROTOCOLS puts json before smithy-rpc-v2-cbor), which the
server's json twin answers — so this file covers both wire forms, run under each interpreter.
Values are checked, not only status codes.
"""
import datetime
import gzip
import json
import time
import urllib.parse
import urllib.request

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from conftest import serve

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def cw(gureum):
    return gureum.client("cloudwatch")


def minute(offset=0):
    """The start of the current minute, offset minutes later (negative: earlier)."""
    now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    return now + datetime.timedelta(minutes=offset)


def err(exc):
    e = exc.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message")


def stats(cw, ns, name, dims=(), **kw):
    kw.setdefault("StartTime", minute(-30))
    kw.setdefault("EndTime", minute(2))
    kw.setdefault("Period", 60)
    r = cw.get_metric_statistics(Namespace=ns, MetricName=name, Dimensions=list(dims), **kw)
    return sorted(r["Datapoints"], key=lambda d: (d["Timestamp"], d.get("Unit", ""))), r["Label"]


# ==== PutMetricData and GetMetricStatistics ====

def test_values_counts_statistics_and_percentiles(cw):
    t = minute(-5)
    dims = [{"Name": "Svc", "Value": "api"}]
    # 1..100 once each, across two requests of the same minute
    cw.put_metric_data(Namespace="E2E/Lat", MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": t, "Unit": "Milliseconds",
         "Values": [float(v) for v in range(1, 51)]}])
    cw.put_metric_data(Namespace="E2E/Lat", MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": t + datetime.timedelta(seconds=30),
         "Unit": "Milliseconds", "Values": [float(v) for v in range(51, 101)]}])
    dps, label = stats(cw, "E2E/Lat", "Latency", dims, Statistics=["Sum", "Average", "SampleCount", "Minimum",
                                                                    "Maximum"])
    assert label == "Latency"
    assert len(dps) == 1
    d = dps[0]
    assert d["Timestamp"] == t and d["Unit"] == "Milliseconds"
    assert (d["Sum"], d["Average"], d["SampleCount"], d["Minimum"], d["Maximum"]) == (5050, 50.5, 100, 1, 100)
    dps, _ = stats(cw, "E2E/Lat", "Latency", dims,
                   ExtendedStatistics=["p50", "p90", "p99", "p100", "tm(10%:90%)", "tc(10%:90%)", "ts(10%:90%)",
                                       "IQM", "PR(:25)", "wm(10%:90%)"])
    e = dps[0]["ExtendedStatistics"]
    assert e["p50"] == 50 and e["p90"] == 90 and e["p99"] == 99 and e["p100"] == 100
    # the middle 80 samples: 11..90
    assert e["tm(10%:90%)"] == pytest.approx(50.5) and e["tc(10%:90%)"] == pytest.approx(80)
    assert e["ts(10%:90%)"] == pytest.approx(sum(range(11, 91)))
    assert e["IQM"] == pytest.approx(50.5)
    assert e["PR(:25)"] == pytest.approx(25)
    # winsorized: below 10 -> 10, above 90 -> 90
    w = [min(max(v, 10), 90) for v in range(1, 101)]
    assert e["wm(10%:90%)"] == pytest.approx(sum(w) / 100)
    # dimensions must match exactly: the metric without them has no data
    assert stats(cw, "E2E/Lat", "Latency", Statistics=["Sum"])[0] == []


def test_counts_weight_values(cw):
    t = minute(-4)
    cw.put_metric_data(Namespace="E2E/Counts", MetricData=[
        {"MetricName": "M", "Timestamp": t, "Values": [1, 10], "Counts": [3, 1]},
        {"MetricName": "M", "Timestamp": t, "Value": 100}])
    d = stats(cw, "E2E/Counts", "M", Statistics=["Sum", "SampleCount", "Average", "Maximum"],
              StartTime=t, EndTime=t + datetime.timedelta(minutes=1))[0][0]
    assert (d["Sum"], d["SampleCount"], d["Maximum"]) == (113, 5, 100)
    assert d["Average"] == pytest.approx(113 / 5)


def test_statistic_sets_and_percentiles(cw):
    t = minute(-3)
    cw.put_metric_data(Namespace="E2E/Set", MetricData=[
        {"MetricName": "Mixed", "Timestamp": t,
         "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4}},
        {"MetricName": "Uniform", "Timestamp": t,
         "StatisticValues": {"SampleCount": 5, "Sum": 35, "Minimum": 7, "Maximum": 7}}])
    d = stats(cw, "E2E/Set", "Mixed", Statistics=["Sum", "SampleCount", "Minimum", "Maximum"])[0][0]
    assert (d["Sum"], d["SampleCount"], d["Minimum"], d["Maximum"]) == (10, 4, 1, 4)
    # AWS: no percentiles from a statistic set whose samples are not known ...
    d = stats(cw, "E2E/Set", "Mixed", ExtendedStatistics=["p50"])[0][0]
    assert "p50" not in d.get("ExtendedStatistics", {})
    # ... unless Minimum = Maximum and Sum = Minimum × SampleCount
    d = stats(cw, "E2E/Set", "Uniform", ExtendedStatistics=["p50"])[0][0]
    assert d["ExtendedStatistics"]["p50"] == 7


def test_units_are_kept_apart_and_filter(cw):
    t = minute(-6)
    cw.put_metric_data(Namespace="E2E/Units", MetricData=[
        {"MetricName": "Size", "Timestamp": t, "Value": 5, "Unit": "Bytes"},
        {"MetricName": "Size", "Timestamp": t, "Value": 7, "Unit": "Kilobytes"},
        {"MetricName": "Size", "Timestamp": t, "Value": 1}])
    dps, _ = stats(cw, "E2E/Units", "Size", Statistics=["Sum"])
    assert sorted((d["Unit"], d["Sum"]) for d in dps) == [("Bytes", 5), ("Kilobytes", 7), ("None", 1)]
    dps, _ = stats(cw, "E2E/Units", "Size", Statistics=["Sum"], Unit="Kilobytes")
    assert [(d["Unit"], d["Sum"]) for d in dps] == [("Kilobytes", 7)]
    assert stats(cw, "E2E/Units", "Size", Statistics=["Sum"], Unit="Seconds")[0] == []


def test_periods_and_high_resolution(cw):
    base = minute(-2)
    cw.put_metric_data(Namespace="E2E/Hi", MetricData=[
        {"MetricName": "H", "Timestamp": base + datetime.timedelta(seconds=s), "Value": s, "StorageResolution": 1}
        for s in (0, 1, 2, 12, 31)])
    dps, _ = stats(cw, "E2E/Hi", "H", Statistics=["Sum"], Period=1, StartTime=base,
                   EndTime=base + datetime.timedelta(seconds=60))
    assert [(int((d["Timestamp"] - base).total_seconds()), d["Sum"]) for d in dps] == \
        [(0, 0), (1, 1), (2, 2), (12, 12), (31, 31)]
    dps, _ = stats(cw, "E2E/Hi", "H", Statistics=["Sum"], Period=10, StartTime=base,
                   EndTime=base + datetime.timedelta(seconds=60))
    assert [(int((d["Timestamp"] - base).total_seconds()), d["Sum"]) for d in dps] == [(0, 3), (10, 12), (30, 31)]
    dps, _ = stats(cw, "E2E/Hi", "H", Statistics=["Sum"], Period=60, StartTime=base,
                   EndTime=base + datetime.timedelta(seconds=60))
    assert [d["Sum"] for d in dps] == [46]


def test_get_metric_statistics_refusals(cw):
    t = minute()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                 EndTime=t, Period=60)
    assert err(e) == ("InvalidParameterCombination", 400,
                      "At least one of the parameters Statistics and ExtendedStatistics must be specified.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t - datetime.timedelta(days=2),
                                 EndTime=t, Period=60, Statistics=["Sum"])
    assert err(e) == ("InvalidParameterCombination", 400,
                      "You have requested up to 2,880 datapoints, which exceeds the limit of 1,440. You may reduce "
                      "the datapoints requested by increasing Period, or decreasing the time range.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t, EndTime=t, Period=60,
                                 Statistics=["Sum"])
    assert err(e)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                 EndTime=t, Period=61, Statistics=["Sum"])
    assert err(e)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                 EndTime=t, Period=60, ExtendedStatistics=["p101"])
    assert err(e)[:2] == ("InvalidParameterValue", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_metric_statistics(Namespace="E2E/x", MetricName="m", StartTime=t - datetime.timedelta(hours=1),
                                 EndTime=t, Period=60, Statistics=["Sum"], ExtendedStatistics=["p99"])
    assert err(e)[:2] == ("InvalidParameterCombination", 400)


@pytest.mark.parametrize("datum,code,msg", [
    ({"MetricName": "m", "Values": [1.0] * 151}, "InvalidParameterValue",
     "The collection MetricData.member.1.Values must not have a size greater than 150."),
    ({"MetricName": "m", "Values": [1, 2], "Counts": [1]}, "InvalidParameterValue",
     "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size."),
    ({"MetricName": "m", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}},
     "InvalidParameterCombination",
     "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive "
     "and you have specified both."),
    ({"MetricName": "m"}, "InvalidParameterCombination",
     "At least one of the parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues must be "
     "specified."),
    ({"MetricName": "m", "Value": 1, "Timestamp": datetime.datetime.now(UTC) - datetime.timedelta(days=15)},
     "InvalidParameterValue", "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks."),
    ({"MetricName": "m", "Value": 1, "Timestamp": datetime.datetime.now(UTC) + datetime.timedelta(hours=3)},
     "InvalidParameterValue", "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks."),
    ({"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "N", "Value": "B"}, {"Name": "N", "Value": "C"}]},
     "InvalidParameterValue", "No metric may specify the same dimension name twice."),
    ({"MetricName": "m", "Value": 1e200}, "InvalidParameterValue",
     "The value 1e+200 for parameter MetricData.member.1.Value is invalid."),
    ({"MetricName": "m", "Value": 1, "StorageResolution": 5}, "InvalidParameterValue",
     "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ]."),
    ({"MetricName": "m", "Value": 1, "StorageResolution": 123}, "InvalidParameterValue",
     "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ]."),
])
def test_put_metric_data_refusals(cw, datum, code, msg):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="E2E/Bad", MetricData=[datum])
    assert err(e) == (code, 400, msg)
    # the request as a whole stores nothing
    assert cw.list_metrics(Namespace="E2E/Bad")["Metrics"] == []


def test_dimensions_limit(cw):
    # the model's own limit (Dimensions: at most 30), checked before the operation
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="E2E/Bad", MetricData=[
            {"MetricName": "m", "Value": 1, "Dimensions": [{"Name": "d%d" % i, "Value": "v"} for i in range(31)]}])
    code, status, msg = err(e)
    assert (code, status) == ("InvalidParameterValue", 400) and "less than or equal to 30" in msg


def test_reserved_namespace_and_limits(cw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}])
    assert err(e) == ("InvalidParameterValue", 400, "The value AWS/ for parameter Namespace is invalid.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="E2E/Many", MetricData=[{"MetricName": "m%d" % i, "Value": 1}
                                                              for i in range(1001)])
    assert err(e) == ("InvalidParameterValue", 400,
                      "The collection MetricData must not have a size greater than 1000.")
    # the first datum fine, the second refused: nothing stored
    with pytest.raises(botocore.exceptions.ClientError):
        cw.put_metric_data(Namespace="E2E/Atomic", MetricData=[{"MetricName": "ok", "Value": 1},
                                                               {"MetricName": "bad", "Values": [1], "Counts": [1, 2]}])
    assert cw.list_metrics(Namespace="E2E/Atomic")["Metrics"] == []


def signed_post(gureum, body, headers, target=None):
    """A SigV4-signed POST to the server (query form, or json 1.0 with X-Amz-Target)."""
    url = gureum.endpoint + "/"
    req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "monitoring",
                            "us-east-1").add_auth(req)
    p = req.prepare()
    r = urllib.request.Request(url, data=body, headers=dict(p.headers), method="POST")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_gzip_bodies(gureum, cw):
    """The SDKs gzip PutMetricData (Content-Encoding: gzip); the server inflates it, for both
    wire forms."""
    t = int(minute(-7).timestamp())
    form = {"Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "E2E/Gzip",
            "MetricData.member.1.MetricName": "Q", "MetricData.member.1.Value": "4",
            "MetricData.member.1.Timestamp": str(t)}
    body = gzip.compress(urllib.parse.urlencode(form).encode())
    status, text = signed_post(gureum, body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                              "Content-Encoding": "gzip"})
    assert status == 200, text
    doc = {"Namespace": "E2E/Gzip", "MetricData": [{"MetricName": "J", "Value": 6, "Timestamp": t}]}
    status, text = signed_post(gureum, gzip.compress(json.dumps(doc).encode()), {
        "Content-Type": "application/x-amz-json-1.0", "Content-Encoding": "gzip",
        "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData"})
    assert status == 200, text
    start = datetime.datetime.fromtimestamp(t, UTC)
    for name, want in (("Q", 4), ("J", 6)):
        d = stats(cw, "E2E/Gzip", name, Statistics=["Sum"], StartTime=start,
                  EndTime=start + datetime.timedelta(minutes=1))[0]
        assert [x["Sum"] for x in d] == [want]
    # AWS: "Each PutMetricData request is limited to 1 MB"
    big = urllib.parse.urlencode(dict(form, Pad="x" * (1 << 20))).encode()
    status, _ = signed_post(gureum, big, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert status == 413
    # not gzip at all: refused, nothing stored
    status, _ = signed_post(gureum, b"not gzip", {"Content-Type": "application/x-www-form-urlencoded",
                                                  "Content-Encoding": "gzip"})
    assert status >= 400


def test_sdk_compresses_put_metric_data(gureum):
    """botocore 1.43 gzips PutMetricData bodies over its threshold by itself."""
    import botocore.config

    if not hasattr(botocore.config.Config(), "request_min_compression_size_bytes"):
        pytest.skip("botocore %s has no request compression (1.31+)" % botocore.__version__)
    cw = gureum.client("cloudwatch", config=botocore.config.Config(
        request_min_compression_size_bytes=1, retries={"total_max_attempts": 1}))
    seen = []
    cw.meta.events.register("before-send.cloudwatch.PutMetricData",
                            lambda request, **kw: seen.append(request.headers.get("Content-Encoding")))
    t = minute(-8)
    cw.put_metric_data(Namespace="E2E/SdkGzip", MetricData=[{"MetricName": "Z", "Value": 9, "Timestamp": t}])
    assert seen and seen[0] in (b"gzip", "gzip")
    d = stats(cw, "E2E/SdkGzip", "Z", Statistics=["Sum"], StartTime=t, EndTime=t + datetime.timedelta(minutes=1))[0]
    assert [x["Sum"] for x in d] == [9]


def test_entity_metric_data(gureum, cw):
    """EntityMetricData (botocore 1.43's model): its MetricData is stored like the request's own."""
    if "EntityMetricData" not in cw.meta.service_model.operation_model("PutMetricData").input_shape.members:
        pytest.skip("botocore %s's model has no EntityMetricData" % botocore.__version__)
    t = minute(-9)
    cw.put_metric_data(Namespace="E2E/Entity", EntityMetricData=[{
        "Entity": {"KeyAttributes": {"Type": "Service", "Name": "svc", "Environment": "prod"}},
        "MetricData": [{"MetricName": "Calls", "Value": 3, "Timestamp": t}]}])
    d = stats(cw, "E2E/Entity", "Calls", Statistics=["Sum"], StartTime=t, EndTime=t + datetime.timedelta(minutes=1))[0]
    assert [x["Sum"] for x in d] == [3]


# ==== GetMetricData ====

@pytest.fixture(scope="module")
def series(cw):
    """A = 1..5 and B = 10,20,… at five consecutive minutes."""
    t0 = minute(-12)
    data = []
    for k in range(5):
        t = t0 + datetime.timedelta(minutes=k)
        data += [{"MetricName": "A", "Timestamp": t, "Value": k + 1},
                 {"MetricName": "B", "Timestamp": t, "Value": 10 * (k + 1)}]
    cw.put_metric_data(Namespace="E2E/Math", MetricData=data)
    return t0


def mq(qid, name, stat="Sum", **kw):
    q = {"Id": qid, "MetricStat": {"Metric": {"Namespace": "E2E/Math", "MetricName": name}, "Period": 60,
                                   "Stat": stat}}
    q.update(kw)
    return q


def gmd(cw, t0, queries, **kw):
    r = cw.get_metric_data(MetricDataQueries=queries, StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5),
                           **kw)
    return {x["Id"]: x for x in r["MetricDataResults"]}, r


def test_metric_stat_and_arithmetic(cw, series):
    res, r = gmd(cw, series, [mq("a", "A"), mq("b", "B", ReturnData=False),
                              {"Id": "e1", "Expression": "a * 2 + b", "Label": "double"},
                              {"Id": "e2", "Expression": "b / a"}, {"Id": "e3", "Expression": "-a ^ 2"}],
                 ScanBy="TimestampAscending")
    assert set(res) == {"a", "e1", "e2", "e3"}  # b has ReturnData false
    assert res["a"]["Values"] == [1, 2, 3, 4, 5] and res["a"]["Label"] == "A"
    assert [t.astimezone(UTC) for t in res["a"]["Timestamps"]] == \
        [series + datetime.timedelta(minutes=k) for k in range(5)]
    assert res["e1"]["Values"] == [12, 24, 36, 48, 60] and res["e1"]["Label"] == "double"
    assert res["e2"]["Values"] == [10, 10, 10, 10, 10] and res["e2"]["Label"] == "e2"
    assert res["e3"]["Values"] == [-1, -4, -9, -16, -25]
    assert all(x["StatusCode"] == "Complete" for x in res.values())
    assert r["Messages"] == []
    # TimestampDescending is the default
    res, _ = gmd(cw, series, [mq("a", "A")])
    assert res["a"]["Values"] == [5, 4, 3, 2, 1]


def test_functions(cw, series):
    qs = [mq("a", "A"), mq("b", "B"),
          {"Id": "s", "Expression": "SUM(METRICS())"},
          {"Id": "avg", "Expression": "AVG(a)"},
          {"Id": "avg2", "Expression": "SUM(avg) * 2"},
          {"Id": "mx", "Expression": "MAX([a, b])"},
          {"Id": "sd", "Expression": "STDDEV(a)"},
          {"Id": "rate", "Expression": "RATE(a)"},
          {"Id": "diff", "Expression": "DIFF(b)"},
          {"Id": "f", "Expression": "FILL(a, 0)"}]
    r = cw.get_metric_data(MetricDataQueries=qs, StartTime=series - datetime.timedelta(minutes=2),
                           EndTime=series + datetime.timedelta(minutes=5), ScanBy="TimestampAscending")
    res = {x["Id"]: x for x in r["MetricDataResults"]}
    assert res["s"]["Values"] == [11, 22, 33, 44, 55]  # a and b at each minute
    assert res["mx"]["Values"] == [10, 20, 30, 40, 50]
    # a scalar holds at every period of the range (7 minutes here)
    assert res["avg"]["Values"] == [3] * 7
    assert res["avg2"]["Values"] == [6] * 7  # an expression naming a scalar sees the scalar
    assert res["sd"]["Values"][0] == pytest.approx(2 ** 0.5)
    assert res["rate"]["Values"] == pytest.approx([1 / 60] * 4)
    assert res["diff"]["Values"] == [10, 10, 10, 10]
    assert res["f"]["Values"] == [0, 0, 1, 2, 3, 4, 5]


def test_fill_repeat_and_metrics_filter(cw):
    t0 = minute(-20)
    cw.put_metric_data(Namespace="E2E/Gap", MetricData=[
        {"MetricName": "G", "Timestamp": t0, "Value": 5},
        {"MetricName": "G", "Timestamp": t0 + datetime.timedelta(minutes=3), "Value": 8}])
    q = {"Id": "g", "MetricStat": {"Metric": {"Namespace": "E2E/Gap", "MetricName": "G"}, "Period": 60,
                                   "Stat": "Average"}, "ReturnData": False}
    r = cw.get_metric_data(MetricDataQueries=[q, {"Id": "r", "Expression": "FILL(g, REPEAT)"},
                                              {"Id": "l", "Expression": "FILL(g, LINEAR)"}],
                           StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5), ScanBy="TimestampAscending")
    res = {x["Id"]: x["Values"] for x in r["MetricDataResults"]}
    assert res["r"] == [5, 5, 5, 8, 8]
    assert res["l"] == [5, 6, 7, 8, 8]


def test_dynamic_labels(cw, series):
    res, _ = gmd(cw, series, [
        mq("a", "A", Label="${PROP('Namespace')}/${PROP('MetricName')} ${PROP('Stat')}@${PROP('Period')} "
                            "avg ${AVG} max ${MAX} min ${MIN} sum ${SUM} n ${DATAPOINT_COUNT} last ${LAST} "
                            "first ${FIRST} [${LABEL}] ${UNKNOWN}"),
        {"Id": "e1", "Expression": "a * 2", "Label": "${LABEL}: ${MIN_MAX_RANGE}"}],
        LabelOptions={"Timezone": "+0130"})
    assert res["a"]["Label"] == "E2E/Math/A Sum@60 avg 3 max 5 min 1 sum 15 n 5 last 5 first 1 [A] ${UNKNOWN}"
    assert res["e1"]["Label"] == "e1: 8"


def test_paging_and_partial_data(cw, series):
    qs = [mq("a", "A"), mq("b", "B")]
    seen = {"a": [], "b": []}
    token, pages = None, 0
    while True:
        kw = {"MaxDatapoints": 3}
        if token:
            kw["NextToken"] = token
        res, r = gmd(cw, series, qs, **kw)
        pages += 1
        for k, x in res.items():
            seen[k] += x["Values"]
        token = r.get("NextToken")
        if not token:
            break
        assert any(x["StatusCode"] == "PartialData" for x in res.values())
    assert pages == 4
    assert seen == {"a": [5, 4, 3, 2, 1], "b": [50, 40, 30, 20, 10]}


def test_get_metric_data_refusals(cw, series):
    for expr, part in (("FOO(a)", "FOO"), ("SELECT AVG(m) FROM ns WHERE a = 'x' OR b = 'y'", "end of the query"),
                       ("SELECT MEDIAN(m) FROM ns", "AVG, SUM, MIN, MAX and COUNT"),
                       ("zz + 1", "zz"), ("a +", "end of expression")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            gmd(cw, series, [mq("a", "A"), {"Id": "e1", "Expression": expr}])
        code, status, msg = err(e)
        assert (code, status) == ("ValidationError", 400) and part in msg, msg
    # neither MetricStat nor Expression: AWS's text (moto's record of it), its line break included
    with pytest.raises(botocore.exceptions.ClientError) as e:
        gmd(cw, series, [mq("a", "A"), {"Id": "e1", "Label": "x"}])
    assert err(e) == ("ValidationError", 400, "The parameter MetricDataQueries.member.2.MetricStat is required.\n")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        gmd(cw, series, [mq("A1", "A")])
    assert err(e)[:2] == ("ValidationError", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        gmd(cw, series, [mq("a", "A"), mq("a", "B")])
    assert err(e)[:2] == ("ValidationError", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        gmd(cw, series, [{"Id": "x", "Expression": "y"}, {"Id": "y", "Expression": "x"}])
    assert err(e)[:2] == ("ValidationError", 400) and "Circular" in err(e)[2]


# ==== ListMetrics ====

def test_list_metrics_filters_and_paging(cw):
    t = minute(-1)
    cw.put_metric_data(Namespace="E2E/List", MetricData=[
        {"MetricName": "Cpu", "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Az", "Value": "a"}],
         "Value": 1, "Timestamp": t},
        {"MetricName": "Cpu", "Dimensions": [{"Name": "Host", "Value": "h2"}], "Value": 1, "Timestamp": t},
        {"MetricName": "Mem", "Dimensions": [{"Name": "Host", "Value": "h1"}], "Value": 1, "Timestamp": t},
        {"MetricName": "Mem", "Value": 1, "Timestamp": t}])

    def names(**kw):
        ms = cw.list_metrics(Namespace="E2E/List", **kw)["Metrics"]
        return sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
                      for m in ms)

    assert names() == [("Cpu", (("Az", "a"), ("Host", "h1"))), ("Cpu", (("Host", "h2"),)),
                       ("Mem", ()), ("Mem", (("Host", "h1"),))]
    assert names(MetricName="Cpu") == [("Cpu", (("Az", "a"), ("Host", "h1"))), ("Cpu", (("Host", "h2"),))]
    assert names(Dimensions=[{"Name": "Host", "Value": "h1"}]) == [("Cpu", (("Az", "a"), ("Host", "h1"))),
                                                                     ("Mem", (("Host", "h1"),))]
    assert names(Dimensions=[{"Name": "Az"}]) == [("Cpu", (("Az", "a"), ("Host", "h1")))]
    assert names(RecentlyActive="PT3H") == names()
    r = cw.list_metrics(Namespace="E2E/List", IncludeLinkedAccounts=True)
    assert r["OwningAccounts"] == ["000000000000"] * 4
    assert cw.list_metrics(Namespace="E2E/List", OwningAccount="111111111111")["Metrics"] == []
    # 500 a page
    cw.put_metric_data(Namespace="E2E/Page", MetricData=[{"MetricName": "m%03d" % i, "Value": 1} for i in range(600)])
    r = cw.list_metrics(Namespace="E2E/Page")
    assert len(r["Metrics"]) == 500 and r["NextToken"]
    r2 = cw.list_metrics(Namespace="E2E/Page", NextToken=r["NextToken"])
    assert len(r2["Metrics"]) == 100 and "NextToken" not in r2
    assert {m["MetricName"] for m in r["Metrics"] + r2["Metrics"]} == {"m%03d" % i for i in range(600)}


# ==== Dashboards and tags ====

BODY = json.dumps({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
    "metrics": [["E2E/Lat", "Latency", "Svc", "api"]], "period": 60, "stat": "Average", "region": "us-east-1"}}]})


def test_dashboards(cw):
    assert cw.put_dashboard(DashboardName="ops-main", DashboardBody=BODY)["DashboardValidationMessages"] == []
    cw.put_dashboard(DashboardName="ops-db", DashboardBody=BODY)
    cw.put_dashboard(DashboardName="dev", DashboardBody=BODY)
    g = cw.get_dashboard(DashboardName="ops-main")
    assert g["DashboardBody"] == BODY and g["DashboardName"] == "ops-main"
    assert g["DashboardArn"] == "arn:aws:cloudwatch::000000000000:dashboard/ops-main"
    es = cw.list_dashboards(DashboardNamePrefix="ops-")["DashboardEntries"]
    assert [e["DashboardName"] for e in es] == ["ops-db", "ops-main"]
    assert es[0]["Size"] == len(BODY.encode())
    assert {e["DashboardName"] for e in cw.list_dashboards()["DashboardEntries"]} >= {"ops-db", "ops-main", "dev"}
    # all or nothing: one missing name deletes none
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.delete_dashboards(DashboardNames=["ops-db", "missing"])
    assert err(e) == ("ResourceNotFound", 404, "Dashboard does not exist")
    assert cw.get_dashboard(DashboardName="ops-db")["DashboardName"] == "ops-db"
    cw.delete_dashboards(DashboardNames=["ops-db", "dev"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_dashboard(DashboardName="dev")
    assert err(e) == ("ResourceNotFound", 404, "Dashboard does not exist")


@pytest.mark.parametrize("body,msg", [
    ("{not json", "The field DashboardBody must be a valid JSON object"),
    ("[1]", "The field DashboardBody must be a valid JSON object"),
    ('{"start": "-PT3H"}', "The dashboard body is invalid, there are 1 validation errors:\n[\n  {\n    "
                           "\"dataPath\": \"\",\n    \"message\": \"Should have required property 'widgets'\"\n  }\n]"),
    ('{"widgets": [{"properties": {}}]}', "Should have required property 'type'"),
])
def test_dashboard_body_refusals(cw, body, msg):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_dashboard(DashboardName="bad", DashboardBody=body)
    code, status, text = err(e)
    assert (code, status) == ("InvalidParameterInput", 400) and msg in text
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_dashboard(DashboardName="bad name!", DashboardBody=BODY)
    assert err(e)[:2] == ("InvalidParameterInput", 400)


def test_tags(cw):
    cw.put_dashboard(DashboardName="tagged", DashboardBody=BODY)
    arn = "arn:aws:cloudwatch::000000000000:dashboard/tagged"
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}])
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "b"}])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "prod"},
                                                                   {"Key": "team", "Value": "b"}]
    cw.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "b"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.list_tags_for_resource(ResourceARN="arn:aws:cloudwatch::000000000000:dashboard/none")
    assert err(e)[:2] == ("ResourceNotFoundException", 404)
    # deleting the dashboard drops its tags
    cw.delete_dashboards(DashboardNames=["tagged"])
    cw.put_dashboard(DashboardName="tagged", DashboardBody=BODY)
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_put_dashboard_tags(cw):
    if "Tags" not in cw.meta.service_model.operation_model("PutDashboard").input_shape.members:
        pytest.skip("botocore %s's model has no PutDashboard Tags" % botocore.__version__)
    cw.put_dashboard(DashboardName="with-tags", DashboardBody=BODY, Tags=[{"Key": "k", "Value": "v"}])
    assert cw.list_tags_for_resource(ResourceARN="arn:aws:cloudwatch::000000000000:dashboard/with-tags")["Tags"] == \
        [{"Key": "k", "Value": "v"}]


# ==== Authorization ====

def test_authorization(gureum):
    iam = gureum.client("iam")
    iam.create_user(UserName="cw-reader")
    iam.put_user_policy(UserName="cw-reader", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": ["cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
             "Resource": "arn:aws:cloudwatch::000000000000:dashboard/mine-*"}]}))
    key = iam.create_access_key(UserName="cw-reader")["AccessKey"]
    root = gureum.client("cloudwatch")
    root.put_dashboard(DashboardName="mine-1", DashboardBody=BODY)
    root.put_dashboard(DashboardName="theirs", DashboardBody=BODY)
    u = gureum.client("cloudwatch", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    u.list_metrics()
    assert u.get_dashboard(DashboardName="mine-1")["DashboardName"] == "mine-1"
    for call in (lambda: u.put_metric_data(Namespace="E2E/Auth", MetricData=[{"MetricName": "m", "Value": 1}]),
                 lambda: u.get_dashboard(DashboardName="theirs"),
                 lambda: u.delete_dashboards(DashboardNames=["mine-1", "theirs"])):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert err(e)[:2] == ("AccessDenied", 403)
    # the refused delete deleted nothing
    assert root.get_dashboard(DashboardName="mine-1")["DashboardName"] == "mine-1"


# ==== Both CLIs ====

def test_cli(gureum, cli):
    ns = "E2E/Cli%d" % (abs(hash(cli)) % 10000)
    t = minute(-3)
    data = json.dumps([{"MetricName": "Req", "Dimensions": [{"Name": "Svc", "Value": "web"}], "Timestamp": t.isoformat(),
                        "Values": [1, 2, 3, 4], "Counts": [1, 1, 1, 1], "Unit": "Count"}])
    p = gureum.aws("cloudwatch", "put-metric-data", "--namespace", ns, "--metric-data", data, cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "Req", "--dimensions",
                   "Svc=web", "--value", "10", "--unit", "Count", "--timestamp", t.isoformat(), cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Req", "--dimensions",
                   "Name=Svc,Value=web", "--start-time", t.isoformat(),
                   "--end-time", (t + datetime.timedelta(minutes=1)).isoformat(), "--period", "60",
                   "--statistics", "Sum", "Average", "SampleCount", cli=cli)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)["Datapoints"]
    assert len(d) == 1 and (d[0]["Sum"], d[0]["SampleCount"], d[0]["Average"], d[0]["Unit"]) == (20, 5, 4, "Count")
    p = gureum.aws("cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Req", "--dimensions",
                   "Name=Svc,Value=web", "--start-time", t.isoformat(),
                   "--end-time", (t + datetime.timedelta(minutes=1)).isoformat(), "--period", "60",
                   "--extended-statistics", "p50", "p80", cli=cli)
    assert p.returncode == 0, p.stderr
    e = json.loads(p.stdout)["Datapoints"][0]["ExtendedStatistics"]
    assert (e["p50"], e["p80"]) == (3, 4)
    p = gureum.aws("cloudwatch", "list-metrics", "--namespace", ns, cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Metrics"] == [{"Namespace": ns, "MetricName": "Req",
                                                "Dimensions": [{"Name": "Svc", "Value": "web"}]}]
    queries = json.dumps([{"Id": "r", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Req",
                                                                "Dimensions": [{"Name": "Svc", "Value": "web"}]},
                                                     "Period": 60, "Stat": "Maximum"}},
                          {"Id": "e", "Expression": "r * 3"}])
    p = gureum.aws("cloudwatch", "get-metric-data", "--metric-data-queries", queries, "--start-time", t.isoformat(),
                   "--end-time", (t + datetime.timedelta(minutes=1)).isoformat(), cli=cli)
    assert p.returncode == 0, p.stderr
    res = {x["Id"]: x["Values"] for x in json.loads(p.stdout)["MetricDataResults"]}
    assert res == {"r": [10], "e": [30]}
    p = gureum.aws("cloudwatch", "put-metric-data", "--namespace", "AWS/Lambda", "--metric-name", "x", "--value", "1",
                   cli=cli)
    assert p.returncode != 0 and "InvalidParameterValue" in p.stderr


# ==== Retention: the tick rolls data points up ====

@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    """A server whose CloudWatch "hour" lasts 1 s: 1-second points roll up after 3 s."""
    yield from serve(tmp_path_factory, env={"GUREUM_CLOUDWATCH_HOUR_MS": "1000", "GUREUM_TICK_MS": "200"})


def test_high_resolution_points_roll_up(fast):
    cw = fast.client("cloudwatch")
    base = minute(-1)
    cw.put_metric_data(Namespace="E2E/Roll", MetricData=[
        {"MetricName": "R", "Timestamp": base + datetime.timedelta(seconds=s), "Value": s + 1,
         "StorageResolution": 1} for s in range(0, 40, 10)])
    q = dict(Statistics=["Sum", "SampleCount", "Maximum"], Period=1, StartTime=base,
             EndTime=base + datetime.timedelta(seconds=60))
    deadline = time.time() + 20
    while True:
        dps, _ = stats(cw, "E2E/Roll", "R", **q)
        if len(dps) == 1 or time.time() > deadline:
            break
        time.sleep(0.5)
    # the four 1-second buckets became one 60-second bucket with the same statistics
    assert len(dps) == 1
    d = dps[0]
    assert d["Timestamp"] == base and (d["Sum"], d["SampleCount"], d["Maximum"]) == (1 + 11 + 21 + 31, 4, 31)
    d = stats(cw, "E2E/Roll", "R", ExtendedStatistics=["p50"], Period=60, StartTime=base,
              EndTime=base + datetime.timedelta(seconds=60))[0][0]
    assert d["ExtendedStatistics"]["p50"] == 11


def test_metrics_insights(cw):
    """SELECT FUNC(metric) FROM ns | SCHEMA(ns, dims) WHERE … GROUP BY … ORDER BY … LIMIT n."""
    t0 = minute(-10)
    data = []
    for k in range(3):
        t = t0 + datetime.timedelta(minutes=k)
        for host, az, v in (("h1", "a", 1), ("h2", "a", 3), ("h3", "b", 10)):
            data.append({"MetricName": "Lat", "Timestamp": t, "Value": v * (k + 1),
                         "Dimensions": [{"Name": "Host", "Value": host}, {"Name": "AZ", "Value": az}]})
        data.append({"MetricName": "Lat", "Timestamp": t, "Value": 100, "Dimensions": [{"Name": "Host", "Value": "h9"}]})
    cw.put_metric_data(Namespace="E2E/Ins", MetricData=data)

    def run(expr, **q):
        r = cw.get_metric_data(MetricDataQueries=[dict({"Id": "q", "Expression": expr, "Period": 60}, **q)],
                               StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=3), ScanBy="TimestampAscending")
        return [(x["Label"], x["Values"]) for x in r["MetricDataResults"]]

    # every metric of the namespace: one series, the query's Id as its label
    assert run('SELECT MAX(Lat) FROM "E2E/Ins"') == [("q", [100, 100, 100])]
    # SCHEMA: exactly these dimensions (h9 has only Host); AVG over the samples
    assert run("SELECT AVG(Lat) FROM SCHEMA(\"E2E/Ins\", Host, AZ)") == [("q", [14 / 3, 28 / 3, 14])]
    assert run("SELECT COUNT(Lat) FROM SCHEMA(\"E2E/Ins\", Host)") == [("q", [1, 1, 1])]
    assert run("SELECT SUM(Lat) FROM \"E2E/Ins\" WHERE AZ = 'a'") == [("q", [4, 8, 12])]
    assert run("SELECT SUM(Lat) FROM \"E2E/Ins\" WHERE AZ = 'a' AND Host != 'h1'") == [("q", [3, 6, 9])]
    # GROUP BY: one series per group, labelled by its value; ordered and limited
    assert run("SELECT SUM(Lat) FROM SCHEMA(\"E2E/Ins\", Host, AZ) GROUP BY AZ") == [
        ("a", [4, 8, 12]), ("b", [10, 20, 30])]
    assert run("SELECT MIN(Lat) FROM \"E2E/Ins\" GROUP BY Host ORDER BY MIN() DESC LIMIT 2") == [
        ("h9", [100, 100, 100]), ("h3", [10, 20, 30])]
    # a Label names the result
    assert run("SELECT SUM(Lat) FROM \"E2E/Ins\" GROUP BY AZ LIMIT 1", Label="top") == [("top", [4, 8, 12])]
    # nothing matches: no result at all (AWS's answer while its data is not in yet, as moto's aws_verified
    # test_get_metric_data_with_expressive_expression records it)
    assert run("SELECT SUM(Lat) FROM \"E2E/Ins\" WHERE AZ = 'zz'") == []
