"""test_cloudwatch_cbor.py — CloudWatch over smithy-rpc-v2-cbor, end to end.

botocore 1.43's CloudWatch model lists smithy-rpc-v2-cbor, json and query, and botocore 1.43.11 itself
ranks json first (utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS: json, rest-json, rest-xml,
smithy-rpc-v2-cbor, query), so boto3 and the CLI v1 speak json 1.0 to it (test_cloudwatch.py); clients
that rank cbor first (the AWS CLI v2 since aws/aws-cli#9388) send cbor. Here boto3 1.43 and the newer
CLI v1 are handed that model with cbor as its only protocol (a data directory on AWS_DATA_PATH), so
their own RpcV2CBOR serializer and parser talk to gureum: metric data put and read back as statistics
and as GetMetricData, timestamps both ways (tag 1 epoch seconds), an error's code and class (the
query-era code from x-amzn-query-error). The boto3 tests skip under Debian's boto3 (no cbor
protocol); the CLI v1 test (the model taken from the newer botocore) and the raw-request tests, which
check the wire itself (headers, a CBOR error document, malformed bodies refused) with a CBOR codec
written here, run under either interpreter.
"""
import copy
import datetime
import http.client
import json
import os
import shutil
import struct
import subprocess

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.serialize
import botocore.session
import pytest

from conftest import CLIS

UTC = datetime.timezone.utc
SERVICE = "GraniteServiceVersion20100801"
HAS_CBOR = "smithy-rpc-v2-cbor" in botocore.serialize.SERIALIZERS
needs_cbor = pytest.mark.skipif(not HAS_CBOR, reason=f"botocore {botocore.__version__} has no smithy-rpc-v2-cbor")


# ==== a small CBOR codec (RFC 8949), independent of the server's ====

def enc(v):
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for ai, w in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * w):
                return bytes([major << 5 | ai]) + n.to_bytes(w, "big")
        raise ValueError(n)
    if v is None:
        return b"\xf6"
    if v is True or v is False:
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, datetime.datetime):
        return b"\xc1" + enc(v.timestamp())
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(enc(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(enc(k) + enc(x) for k, x in v.items())
    raise TypeError(type(v))


def dec(b):
    """The one data item of b (definite lengths, as the server writes), timestamps as ("tag1", value)."""
    pos = 0

    def arg(ai):
        nonlocal pos
        if ai < 24:
            return ai
        w = 1 << (ai - 24)
        v = int.from_bytes(b[pos:pos + w], "big")
        pos += w
        return v

    def item():
        nonlocal pos
        ib = b[pos]
        pos += 1
        major, ai = ib >> 5, ib & 31
        if major == 7:
            if ai in (20, 21, 22):
                return {20: False, 21: True, 22: None}[ai]
            w, fmt = {25: (2, ">e"), 26: (4, ">f"), 27: (8, ">d")}[ai]
            pos += w
            return struct.unpack(fmt, b[pos - w:pos])[0]
        n = arg(ai)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            pos += n
            s = b[pos - n:pos]
            return s.decode() if major == 3 else s
        if major == 4:
            return [item() for _ in range(n)]
        if major == 5:
            return {item(): item() for _ in range(n)}
        return ("tag%d" % n, item())

    v = item()
    assert pos == len(b), "bytes after the data item"
    return v


def raw(gureum, op, body, headers=None):
    """A signed rpc-v2-cbor request; (status, headers, body bytes)."""
    path = f"/service/{SERVICE}/operation/{op}"
    h = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"}
    h.update(headers or {})
    req = botocore.awsrequest.AWSRequest(method="POST", url=gureum.endpoint + path, data=body, headers=h)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "monitoring", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request("POST", path, body=body, headers=dict(req.headers))
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def minute(dt):
    return dt.replace(second=0, microsecond=0)


# ==== boto3 1.43 ====

def cloudwatch_model():
    """botocore's CloudWatch model with smithy-rpc-v2-cbor among its protocols: this interpreter's, else
    that of the newer python3 on PATH (the CLI v1's botocore); None when neither has it."""
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("cloudwatch", "service-2")
    if "smithy-rpc-v2-cbor" in model["metadata"].get("protocols", []):
        return copy.deepcopy(model)
    exe = shutil.which("python3", path=os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if "pyenv" in p))
    if not exe:
        return None
    r = subprocess.run([exe, "-c", "import botocore.loaders, json; print(json.dumps("
                        "botocore.loaders.Loader().load_service_model('cloudwatch', 'service-2')))"],
                       capture_output=True, text=True, timeout=60)
    model = json.loads(r.stdout) if r.returncode == 0 else None
    return model if model and "smithy-rpc-v2-cbor" in model["metadata"].get("protocols", []) else None


@pytest.fixture(scope="module")
def cbor_data_path(tmp_path_factory):
    """A botocore data directory whose CloudWatch model speaks smithy-rpc-v2-cbor only."""
    model = cloudwatch_model()
    if model is None:
        pytest.skip("no botocore whose CloudWatch model lists smithy-rpc-v2-cbor")
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
    root = tmp_path_factory.mktemp("cbor-models")
    d = root / "cloudwatch" / model["metadata"]["apiVersion"]
    d.mkdir(parents=True)
    (d / "service-2.json").write_text(json.dumps(model))
    return str(root)


def cbor_client(gureum, cbor_data_path):
    """A boto3 CloudWatch client of gureum's that speaks smithy-rpc-v2-cbor (test_cloudwatch_alarms.py
    uses it too); c.sent lists each request's URL and headers."""
    import boto3
    import botocore.config

    bs = botocore.session.Session()
    bs.set_config_variable("config_file", gureum.aws_config)
    bs.set_config_variable("credentials_file", gureum.aws_credentials)
    bs.set_config_variable("profile", "default")
    bs.set_config_variable("data_path", cbor_data_path)
    c = boto3.session.Session(botocore_session=bs).client(
        "cloudwatch", endpoint_url=gureum.endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=botocore.config.Config(retries={"total_max_attempts": 1}))
    assert c.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    c.sent = []
    c.meta.events.register("before-send.cloudwatch.*",
                           lambda request, **kw: c.sent.append((request.url, dict(request.headers))))
    return c


@pytest.fixture
def cw(gureum, cbor_data_path):
    return cbor_client(gureum, cbor_data_path)


def assert_cbor(c):
    """Every request the client sent was rpc-v2-cbor."""
    assert c.sent
    for url, headers in c.sent:
        assert f"/service/{SERVICE}/operation/" in url, url
        assert headers.get("smithy-protocol") in ("rpc-v2-cbor", b"rpc-v2-cbor"), headers


@needs_cbor
def test_put_metric_data_then_statistics(cw):
    t = minute(datetime.datetime.now(UTC) - datetime.timedelta(minutes=5))
    dims = [{"Name": "InstanceId", "Value": "i-cbor"}]
    cw.put_metric_data(Namespace="Cbor/Test", MetricData=[
        {"MetricName": "Load", "Dimensions": dims, "Timestamp": t + datetime.timedelta(seconds=10), "Value": 1.5,
         "Unit": "Percent"},
        {"MetricName": "Load", "Dimensions": dims, "Timestamp": t + datetime.timedelta(seconds=20),
         "Values": [2.0, 4.0], "Counts": [1.0, 3.0], "Unit": "Percent"},
        {"MetricName": "Load", "Dimensions": dims, "Timestamp": t + datetime.timedelta(seconds=30),
         "StatisticValues": {"SampleCount": 2.0, "Sum": 0.5, "Minimum": 0.125, "Maximum": 0.375}, "Unit": "Percent"},
    ])
    r = cw.get_metric_statistics(Namespace="Cbor/Test", MetricName="Load", Dimensions=dims, StartTime=t,
                                 EndTime=t + datetime.timedelta(minutes=1), Period=60,
                                 Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    assert r["Label"] == "Load"
    assert len(r["Datapoints"]) == 1, r
    p = r["Datapoints"][0]
    # 1.5 once, 2.0 once and 4.0 three times, then a statistic set of two values summing to 0.5
    assert p["SampleCount"] == 7.0
    assert p["Sum"] == 1.5 + 2.0 + 12.0 + 0.5
    assert p["Average"] == pytest.approx(16.0 / 7)
    assert p["Minimum"] == 0.125 and p["Maximum"] == 4.0
    assert p["Unit"] == "Percent"
    assert p["Timestamp"] == t  # a tag-1 timestamp read back as the same instant
    assert_cbor(cw)


@needs_cbor
def test_gzipped_put_metric_data(cw):
    """botocore gzips a PutMetricData body of 10 KB or more (requestcompression), cbor too."""
    t = minute(datetime.datetime.now(UTC) - datetime.timedelta(minutes=4))
    values = [float(i) for i in range(150)]
    cw.put_metric_data(Namespace="Cbor/Gzip", MetricData=[
        {"MetricName": "Big", "Timestamp": t, "Values": values, "Counts": [1.0] * 150,
         "Dimensions": [{"Name": "n%d" % k, "Value": "v" * 200} for k in range(10)]}] * 4)
    assert any(h.get("Content-Encoding") in ("gzip", b"gzip") for _, h in cw.sent), cw.sent
    r = cw.get_metric_statistics(Namespace="Cbor/Gzip", MetricName="Big", StartTime=t,
                                 Dimensions=[{"Name": "n%d" % k, "Value": "v" * 200} for k in range(10)],
                                 EndTime=t + datetime.timedelta(minutes=1), Period=60, Statistics=["Sum", "SampleCount"])
    (p,) = r["Datapoints"]
    assert p["Sum"] == 4 * sum(values) and p["SampleCount"] == 600.0
    assert_cbor(cw)


@needs_cbor
def test_get_metric_data_timestamps(cw):
    t = minute(datetime.datetime.now(UTC) - datetime.timedelta(minutes=10))
    cw.put_metric_data(Namespace="Cbor/Ts", MetricData=[
        {"MetricName": "M", "Timestamp": t + datetime.timedelta(minutes=i, seconds=5), "Value": float(i + 1)}
        for i in range(3)])
    r = cw.get_metric_data(
        MetricDataQueries=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "Cbor/Ts", "MetricName": "M"},
                                                       "Period": 60, "Stat": "Sum"}}],
        StartTime=t, EndTime=t + datetime.timedelta(minutes=3), ScanBy="TimestampAscending")
    res = r["MetricDataResults"][0]
    assert res["Id"] == "m1" and res["StatusCode"] == "Complete"
    assert res["Timestamps"] == [t + datetime.timedelta(minutes=i) for i in range(3)]
    assert all(ts.tzinfo is not None for ts in res["Timestamps"])
    assert res["Values"] == [1.0, 2.0, 3.0]
    assert_cbor(cw)


@needs_cbor
def test_error_code_and_class(cw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.get_dashboard(DashboardName="no-such-dashboard")
    # botocore picks the class by code; two CloudWatch shapes share ResourceNotFound
    assert type(e.value).__name__ in ("ResourceNotFound", "DashboardNotFoundError")
    err = e.value.response
    assert err["Error"]["Code"] == "ResourceNotFound"  # the query-era code, from x-amzn-query-error
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err["Error"]["Message"]
    assert err["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"] == "ResourceNotFound;Sender"
    assert err["ResponseMetadata"]["RequestId"]
    assert_cbor(cw)


@needs_cbor
def test_list_metrics_and_dashboards(cw):
    cw.put_metric_data(Namespace="Cbor/List", MetricData=[{"MetricName": "A", "Value": 1.0,
                                                            "Dimensions": [{"Name": "d", "Value": "v"}]}])
    metrics = cw.list_metrics(Namespace="Cbor/List")["Metrics"]
    assert metrics == [{"Namespace": "Cbor/List", "MetricName": "A", "Dimensions": [{"Name": "d", "Value": "v"}]}]
    body = '{"widgets": []}'
    assert cw.put_dashboard(DashboardName="cbor-dash", DashboardBody=body)["DashboardValidationMessages"] == []
    d = cw.get_dashboard(DashboardName="cbor-dash")
    assert d["DashboardName"] == "cbor-dash" and d["DashboardBody"] == body
    entries = cw.list_dashboards()["DashboardEntries"]
    assert [x["DashboardName"] for x in entries] == ["cbor-dash"]
    assert isinstance(entries[0]["LastModified"], datetime.datetime)
    cw.delete_dashboards(DashboardNames=["cbor-dash"])
    assert cw.list_dashboards()["DashboardEntries"] == []
    assert_cbor(cw)


def test_cli_v1_over_cbor(gureum, cbor_data_path):
    newer = [c for c in CLIS if c != "/usr/bin/aws"]
    if not newer:
        pytest.skip("no newer AWS CLI v1 on PATH")
    cli = newer[0]
    env = {"AWS_DATA_PATH": cbor_data_path}
    p = gureum.aws("cloudwatch", "put-metric-data", "--namespace", "Cbor/Cli", "--metric-name", "Hits",
                   "--value", "3", "--unit", "Count", "--debug", cli=cli, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    if f"/service/{SERVICE}/operation/PutMetricData" not in p.stderr:
        pytest.skip(f"{cli} does not speak smithy-rpc-v2-cbor to CloudWatch")
    now = datetime.datetime.now(UTC)
    p = gureum.aws("cloudwatch", "get-metric-statistics", "--namespace", "Cbor/Cli", "--metric-name", "Hits",
                   "--start-time", (now - datetime.timedelta(minutes=5)).isoformat(),
                   "--end-time", (now + datetime.timedelta(minutes=1)).isoformat(),
                   "--period", "3600", "--statistics", "Sum", "SampleCount", "--output", "json", cli=cli, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    points = json.loads(p.stdout)["Datapoints"]
    assert len(points) == 1 and points[0]["Sum"] == 3.0 and points[0]["SampleCount"] == 1.0
    assert points[0]["Unit"] == "Count"
    p = gureum.aws("cloudwatch", "get-dashboard", "--dashboard-name", "nope", cli=cli, env=env)
    assert p.returncode == 255 and "ResourceNotFound" in p.stderr


# ==== the wire itself (either boto3) ====

def test_raw_roundtrip_and_headers(gureum):
    t = minute(datetime.datetime.now(UTC) - datetime.timedelta(minutes=3))
    status, h, body = raw(gureum, "PutMetricData", enc({
        "Namespace": "Cbor/Raw",
        # a fractional tag-1 timestamp; a half-precision value
        "MetricData": [{"MetricName": "R", "Timestamp": t + datetime.timedelta(seconds=7.25), "Value": 2.5}]}))
    assert status == 200, dec(body)
    assert h["smithy-protocol"] == "rpc-v2-cbor" and h["content-type"] == "application/cbor"
    assert h["x-amzn-requestid"]
    assert dec(body) == {}  # no output: an empty map
    half = b"\xa6" + enc("Namespace") + enc("Cbor/Raw") + enc("MetricName") + enc("R") + \
        enc("StartTime") + b"\xc1" + enc(int(t.timestamp())) + enc("EndTime") + enc(t + datetime.timedelta(minutes=1)) + \
        enc("Period") + b"\x18\x3c" + enc("Statistics") + b"\x9f" + enc("Sum") + enc("Maximum") + b"\xff"
    status, h, body = raw(gureum, "GetMetricStatistics", half)
    assert status == 200, dec(body)
    out = dec(body)
    assert out["Label"] == "R"
    (p,) = out["Datapoints"]
    assert p["Sum"] == 2.5 and p["Maximum"] == 2.5
    assert p["Timestamp"][0] == "tag1" and p["Timestamp"][1] == t.timestamp()


def test_raw_errors(gureum):
    # malformed CBOR: a map that promises a value it does not have
    status, h, body = raw(gureum, "ListMetrics", b"\xa1\x69Namespace")
    doc = dec(body)
    assert status == 400
    assert doc["__type"].split("#")[-1] == "SerializationException"
    assert "CBOR" in doc["message"]
    assert h["smithy-protocol"] == "rpc-v2-cbor" and h["content-type"] == "application/cbor"
    assert h["x-amzn-query-error"] == "SerializationException;Sender"
    # bytes after the data item, and a wrong type
    for bad in (enc({}) + b"\x00", enc({"Namespace": 5})):
        status, h, body = raw(gureum, "ListMetrics", bad)
        assert status == 400 and dec(body)["__type"].split("#")[-1] == "SerializationException", dec(body)
    # a modeled error: the shape's ID and the query code
    status, h, body = raw(gureum, "GetDashboard", enc({"DashboardName": "absent"}))
    assert status == 404
    # one of the two shapes whose code is ResourceNotFound (DashboardNotFoundError, ResourceNotFound)
    assert dec(body)["__type"] in ("com.amazonaws.cloudwatch#DashboardNotFoundError",
                                   "com.amazonaws.cloudwatch#ResourceNotFound")
    assert h["x-amzn-query-error"] == "ResourceNotFound;Sender"
    # a required member missing
    status, h, body = raw(gureum, "GetMetricStatistics", enc({"MetricName": "x"}))
    assert status == 400
    assert h["x-amzn-query-error"].startswith("MissingParameter;Sender"), h
    # an operation the service does not have
    status, h, body = raw(gureum, "NoSuchOperation", enc({}))
    assert status == 400 and "UnknownOperation" in dec(body)["__type"]
    # another content type
    status, h, body = raw(gureum, "ListMetrics", b"{}", headers={"Content-Type": "application/json"})
    assert status == 400 and dec(body)["__type"].split("#")[-1] == "SerializationException"


def test_raw_unsigned_is_refused(gureum):
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request("POST", f"/service/{SERVICE}/operation/ListMetrics", body=enc({}),
                 headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"})
    resp = conn.getresponse()
    doc = dec(resp.read())
    assert resp.status in (400, 403)
    assert "MissingAuthenticationToken" in doc["__type"]
    assert resp.getheader("smithy-protocol") == "rpc-v2-cbor"
