"""test_xml_roundtrip.py — botocore against our XML protocols, every operation.

For sts and iam (query), ec2 (ec2) and s3 (rest-xml), and for EVERY operation:
  * botocore serializes a generated input that sets every member; proto_tool
    parse must read back exactly those values;
  * proto_tool serialize writes a generated output value; botocore's parser
    must read back the same value;
  * every error shape the operation declares round-trips code and message
    (and the request id) through botocore's error parser.
Both client generations are covered: the Debian botocore (1.29, the
interpreter pytest runs under) in-process, and the newer one (`python3` on
PATH, 1.43) by running this file as a worker script under it. The newer
client's models know members and operations our (1.29-generated) tables do
not; the worker restricts generated values to what both models share.

Run: PROTO_TOOL=build/test/proto_tool python3 -m pytest tests/protocol/test_xml_roundtrip.py
"""
import base64
import calendar
import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys
import urllib.parse

import botocore
import botocore.awsrequest
import botocore.handlers
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.serialize

SERVICES = ["sts", "iam", "ec2", "s3"]
OLD_DATA = "/usr/lib/python3/dist-packages/botocore/data"
RID = "11111111-2222-3333-4444-555555555555"
UTC = datetime.timezone.utc

# ==== proto_tool ====


class Tool:
    """One proto_tool process speaking JSON lines."""

    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def call(self, cmd):
        self.p.stdin.write((json.dumps(cmd) + "\n").encode())
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("proto_tool died on %r" % (cmd,))
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ==== models ====


def load_model(service, data_dir=None):
    """The botocore ServiceModel (of the running botocore, or from data_dir)."""
    if data_dir is None:
        loader = botocore.loaders.Loader()
        return botocore.model.ServiceModel(loader.load_service_model(service, "service-2"), service)
    d = os.path.join(data_dir, service)
    d = os.path.join(d, sorted(os.listdir(d))[-1])
    for name in ("service-2.json", "service-2.json.gz"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with (gzip.open(p) if p.endswith(".gz") else open(p, "rb")) as f:
                return botocore.model.ServiceModel(json.load(f), service)
    raise FileNotFoundError(d)


def streaming_event(shape):
    return shape is not None and any(m.serialization.get("eventstream") for m in shape.members.values())


# ==== value generation ====

TS_BODY = datetime.datetime(2015, 8, 30, 12, 36, 0, 500000, tzinfo=UTC)
TS_WHOLE = datetime.datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)


class Gen:
    """Generates a value for a shape that sets every member (within the
    model's constraints, which our parser validates). `old` is the matching
    shape of the model our tables were generated from: members it lacks are
    left out. `where` says where the value travels (body, header, uri,
    querystring), which limits the characters it may hold."""

    def __init__(self, protocol, output=False):
        self.protocol = protocol
        self.output = output

    def text(self, shape, name, where, old=None):
        enum = old.enum if old is not None and old.enum else shape.enum
        if enum:
            # the older model's values: a newer client's additions are unknown to our tables
            return enum[len(name) % len(enum)]
        if where == "header":
            s = "h-%s-v1" % name
        elif where == "uri":
            s = "u-%s" % name.lower()
        elif where == "payload":
            s = "payload %s é" % name
        else:
            s = " %s & <v> \"q\" 'é' ü\n/+= " % name
        lo = shape.metadata.get("min", 0)
        hi = shape.metadata.get("max")
        while len(s) < lo:
            s += "x"
        if hi is not None and len(s) > hi:
            s = s[: max(hi, lo)]
        return s

    def number(self, shape, base):
        lo = shape.metadata.get("min")
        hi = shape.metadata.get("max")
        v = base
        if lo is not None and v < lo:
            v = lo
        if hi is not None and v > hi:
            v = hi
        return v

    def value(self, shape, old, name, where, depth):
        t = shape.type_name
        if t == "structure":
            return self.struct(shape, old, where, depth)
        if t == "list":
            if where == "header":
                return [self.value(shape.member, old.member if old else None, name + "1", where, depth + 1)]
            return [
                self.value(shape.member, old.member if old else None, name + str(i), where, depth + 1) for i in (1, 2)
            ]
        if t == "map":
            keys = ["k1", "k2"] if where != "headers" else ["meta-a", "meta-b"]
            kenum = old.key.enum if old is not None and old.key.enum else shape.key.enum
            if kenum:
                keys = list(kenum[:2])
            return {
                k: self.value(shape.value, old.value if old else None, name + k, "body" if where != "headers" else "header", depth + 1)
                for k in keys
            }
        if t == "string":
            return self.text(shape, name, where, old)
        if t in ("integer", "long"):
            return self.number(shape, 7 + len(name) % 5)
        if t in ("float", "double"):
            return float(self.number(shape, 1.5))
        if t == "boolean":
            return True
        if t == "timestamp":
            return TS_WHOLE if where in ("header", "uri", "querystring") else TS_BODY
        if t == "blob":
            if where == "payload":
                return b"payload-bytes-" + name.encode()
            return b"\x00\x01bin\xff" + name.encode()
        raise AssertionError("unknown type " + t)

    @staticmethod
    def xml_name(mname, m):
        if m.type_name == "list" and m.serialization.get("flattened") and m.member.serialization.get("name"):
            return m.member.serialization["name"]
        return m.serialization.get("name", mname)

    def xml_name_taken(self, shape, mname, m):
        """S3's deprecated CloudFunctionConfiguration.Event and the flattened
        Events list share the element name <Event>: botocore reads every
        <Event> into both, so neither can round-trip and neither is set."""
        if m.serialization.get("location"):
            return False
        mine = self.xml_name(mname, m)
        for other, om in shape.members.items():
            if other != mname and not om.serialization.get("location") and self.xml_name(other, om) == mine:
                return True
        return False

    def struct(self, shape, old, where, depth):
        out = {}
        if depth > 6:
            return out
        members = list(shape.members.items())
        if shape.is_tagged_union if hasattr(shape, "is_tagged_union") else shape.metadata.get("union"):
            members = members[:1]
        for mname, m in members:
            om = None
            if old is not None:
                om = old.members.get(mname)
                if om is None or om.type_name != m.type_name:
                    continue
            if m.serialization.get("eventstream") or m.metadata.get("eventstream"):
                continue
            loc = m.serialization.get("location") or "body"
            if loc == "statusCode":
                continue
            if depth == 0 and shape.serialization.get("payload") == mname and m.type_name in ("blob", "string"):
                loc = "payload"
            if m.serialization.get("hostLabel"):
                out[mname] = "label-%s" % mname.lower()  # goes to the Host, not compared
                continue
            if self.xml_name_taken(shape, mname, m):
                continue
            if m.type_name in ("structure", "list", "map") and depth >= 6:
                continue
            out[mname] = self.value(m, om, mname, loc, depth + 1)
        return prune(out) if depth == 0 else out


def prune(v):
    """Drops empty structures (and lists/maps left empty by that): the query
    serializers send nothing for them, so they cannot round-trip."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = prune(x)
            if x == {} or x == []:
                continue
            out[k] = x
        return out
    if isinstance(v, list):
        return [y for y in (prune(x) for x in v) if y != {} and y != []]
    return v


def first_diff(want, got, path=""):
    """The first place two normalised values differ, for a readable failure."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                return "%s.%s missing (want %s)" % (path, k, json.dumps(want[k], ensure_ascii=False)[:300])
            if k not in want:
                return "%s.%s unexpected (got %s)" % (path, k, json.dumps(got[k], ensure_ascii=False)[:300])
            d = first_diff(want[k], got[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return "%s: %d elements, want %d" % (path, len(got), len(want))
        for i, (a, b) in enumerate(zip(want, got)):
            d = first_diff(a, b, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if want != got:
        return "%s: got %r, want %r" % (path, got, want)
    return None


# ==== normalisation: botocore values and proto_tool dumps to one form ====


def epoch(dt):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return calendar.timegm(dt.utctimetuple()) + dt.microsecond / 1e6


def norm_py(shape, v):
    """A Python (botocore-side) value by shape -> comparable JSON-ish form."""
    t = shape.type_name
    if t == "structure":
        return {
            k: norm_py(shape.members[k], x)
            for k, x in v.items()
            if k in shape.members and not shape.members[k].serialization.get("hostLabel")
        }
    if t == "list":
        return [norm_py(shape.member, x) for x in v]
    if t == "map":
        return {k: norm_py(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return round(epoch(v), 6)
    if t == "blob":
        if isinstance(v, str):
            v = v.encode()
        if hasattr(v, "read"):
            v = v.read()
        return "blob:" + base64.b64encode(v).decode()
    if t in ("float", "double"):
        return float(v)
    return v


def norm_dump(shape, v):
    """A proto_tool value dump by shape -> the same form."""
    t = shape.type_name
    if v is None:
        return None
    if t == "structure":
        return {
            k: norm_dump(shape.members[k], x)
            for k, x in v.items()
            if k in shape.members and not shape.members[k].serialization.get("hostLabel")
        }
    if t == "list":
        return [norm_dump(shape.member, x) for x in v]
    if t == "map":
        return {k: norm_dump(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return round(float(v["$ts"]), 6)
    if t == "blob":
        if isinstance(v, dict):
            return "blob:" + v["$blob"]
        return "blob:" + base64.b64encode(v.encode()).decode()
    if t in ("float", "double"):
        return float(v)
    return v


def to_json_convention(shape, v):
    """Python value -> what proto_tool serialize takes (blobs base64, timestamps epoch)."""
    t = shape.type_name
    if t == "structure":
        return {k: to_json_convention(shape.members[k], x) for k, x in v.items()}
    if t == "list":
        return [to_json_convention(shape.member, x) for x in v]
    if t == "map":
        return {k: to_json_convention(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return epoch(v)
    if t == "blob":
        return base64.b64encode(v).decode()
    return v


# ==== the three checks for one operation ====


def check_input(tool, service, op, old_op):
    shape = op.input_shape
    if old_op is not None and old_op.input_shape is None:
        shape = None  # our tables know no input for it
    params = Gen(op.metadata["protocol"]).struct(shape, old_op.input_shape if old_op else None, "body", 0) if shape else {}
    ser = botocore.serialize.create_serializer(op.metadata["protocol"], include_validation=False)
    req = ser.serialize_to_request(params, op)
    botocore.awsrequest.prepare_request_dict(req, endpoint_url="http://127.0.0.1:4566")
    prepared = botocore.awsrequest.create_request_object(req).prepare()
    u = urllib.parse.urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    if hasattr(body, "read"):
        body = body.read()
    headers = [[k, v if isinstance(v, str) else v.decode()] for k, v in prepared.headers.items()]
    headers.append(["Host", "127.0.0.1:4566"])
    res = tool.call(
        {
            "cmd": "parse",
            "service": service,
            "operation": op.name,
            "method": prepared.method,
            "path": u.path,
            "query": u.query,
            "headers": headers,
            "body_b64": base64.b64encode(body).decode(),
        }
    )
    if res.get("operation") != op.name:
        # routing, not body parsing: reported under its own name
        raise RouteError("routed to %r (%s)" % (res.get("operation"), res.get("error") or res.get("fatal")))
    if not res.get("ok"):
        return "parse failed: %r\nrequest: %s %s\n%s" % (res.get("error"), prepared.method, prepared.url, body[:2000])
    if not shape:
        return None
    want = norm_py(shape, params)
    got = norm_dump(shape, res.get("value") or {})
    if want != got:
        return "input mismatch: %s\nrequest: %s %s\n%s" % (
            first_diff(want, got),
            prepared.method,
            prepared.url,
            body[:1500],
        )
    return None


class RouteError(Exception):
    pass


class FakeHTTPResponse:
    def __init__(self, body):
        self.raw = True
        self.content = body


def check_output(tool, service, op, old_op):
    shape = op.output_shape
    if old_op is not None and old_op.output_shape is None:
        shape = None
    value = Gen(op.metadata["protocol"], output=True).struct(shape, old_op.output_shape if old_op else None, "body", 0) if shape else {}
    res = tool.call(
        {"cmd": "serialize", "service": service, "operation": op.name, "value": to_json_convention(shape, value) if shape else {}}
    )
    if "fatal" in res:
        return "serialize failed: " + res["fatal"]
    body = base64.b64decode(res["body_b64"])
    headers = botocore.awsrequest.HeadersDict()
    for k, v in res["headers"]:
        headers[k] = v
    parser = botocore.parsers.create_parser(op.metadata["protocol"])
    try:
        parsed = parser.parse({"status_code": res["status"], "headers": headers, "body": body}, shape)
    except Exception as e:  # noqa: BLE001 — report the document botocore could not read
        return "botocore could not parse: %r\n%s" % (e, body[:3000])
    if service == "s3" and op.name == "GetBucketLocation":
        botocore.handlers.parse_get_bucket_location(parsed, FakeHTTPResponse(body))
    meta = parsed.pop("ResponseMetadata", {})
    if meta.get("RequestId") != RID:
        return "request id not read back: %r" % (meta,)
    if not shape:
        return None
    want = norm_py(shape, value)
    got = norm_py(shape, parsed)
    if want != got:
        return "output mismatch: %s\ndocument: %s" % (first_diff(want, got), body[:1500])
    return None


def check_errors(tool, service, op):
    problems = []
    parser = botocore.parsers.create_parser(op.metadata["protocol"])
    shapes = list(op.error_shapes) or [None]
    for es in shapes:
        if es is None:
            code, status, sender = "ValidationError", 400, True
        else:
            err = es.metadata.get("error", {})
            code = err.get("code", es.name)
            status = err.get("httpStatusCode", 400)
            sender = err.get("senderFault", True)
        msg = "message for %s & <%s>" % (code, op.name)
        res = tool.call({"cmd": "error", "service": service, "code": code, "status": status, "sender": sender, "message": msg})
        if "fatal" in res:
            problems.append("%s: %s" % (code, res["fatal"]))
            continue
        body = base64.b64decode(res["body_b64"])
        headers = botocore.awsrequest.HeadersDict()
        for k, v in res["headers"]:
            headers[k] = v
        if res["status"] != status:
            problems.append("%s: status %s, want %s" % (code, res["status"], status))
        parsed = parser.parse({"status_code": res["status"], "headers": headers, "body": body}, op.output_shape)
        e = parsed.get("Error", {})
        if e.get("Code") != code or e.get("Message") != msg:
            problems.append("%s: botocore read %r from %s" % (code, e, body))
        if parsed.get("ResponseMetadata", {}).get("RequestId") != RID:
            problems.append("%s: request id %r" % (code, parsed.get("ResponseMetadata")))
    return "; ".join(problems) or None


def run_service(tool_path, service, old_data=None):
    """Runs the three checks for every operation; {op: {check: None|problem}}."""
    model = load_model(service)
    old = load_model(service, old_data) if old_data else None
    tool = Tool(tool_path)
    results = {}
    try:
        for name in model.operation_names:
            op = model.operation_model(name)
            if old is not None and name not in old.operation_names:
                results[name] = {"skipped": "not in the model our tables come from"}
                continue
            old_op = old.operation_model(name) if old is not None else None
            if streaming_event(op.output_shape):
                results[name] = {"skipped": "event stream output"}
                continue
            r = {}
            for check, fn in (("input", check_input), ("output", check_output)):
                try:
                    r[check] = fn(tool, service, op, old_op)
                except RouteError as e:
                    r["route"] = str(e)
                except Exception as e:  # noqa: BLE001
                    r[check] = "exception: %r" % (e,)
            try:
                r["errors"] = check_errors(tool, service, op)
            except Exception as e:  # noqa: BLE001
                r["errors"] = "exception: %r" % (e,)
            results[name] = r
    finally:
        tool.close()
    return results


# ==== pytest ====

try:
    import pytest
except ImportError:  # the worker runs under an interpreter without pytest
    pytest = None

if pytest is not None and __name__ != "__main__":

    TOOL = os.environ.get("PROTO_TOOL")
    needs_tool = pytest.mark.skipif(not TOOL or not os.path.exists(TOOL), reason="PROTO_TOOL not built")

    _cache = {}

    def _results(service):
        if service not in _cache:
            _cache[service] = run_service(TOOL, service)
        return _cache[service]

    def _ops(service):
        try:
            return load_model(service).operation_names
        except Exception:  # noqa: BLE001
            return []

    def _params():
        out = []
        for s in SERVICES:
            for op in _ops(s):
                out.append(pytest.param(s, op, id="%s.%s" % (s, op)))
        return out

    @needs_tool
    @pytest.mark.parametrize("service,op", _params())
    def test_roundtrip(service, op):
        r = _results(service)[op]
        if "skipped" in r:
            pytest.skip(r["skipped"])
        problems = ["%s: %s" % (k, v) for k, v in r.items() if v]
        assert not problems, "\n".join(problems)

    def _newer_python():
        for p in os.environ.get("PATH", "").split(os.pathsep):
            exe = os.path.join(p, "python3")
            if os.path.isfile(exe) and os.access(exe, os.X_OK) and os.path.realpath(exe) != os.path.realpath(sys.executable):
                try:
                    v = subprocess.run(
                        [exe, "-c", "import botocore;print(botocore.__version__)"], capture_output=True, text=True, timeout=60
                    )
                except Exception:  # noqa: BLE001
                    continue
                if v.returncode == 0 and v.stdout.strip() != botocore.__version__:
                    return exe, v.stdout.strip()
        return None, None

    @needs_tool
    @pytest.mark.parametrize("service", SERVICES)
    def test_roundtrip_newer_botocore(service):
        exe, ver = _newer_python()
        if not exe:
            pytest.skip("no newer botocore on PATH")
        p = subprocess.run(
            [exe, os.path.abspath(__file__), TOOL, service], capture_output=True, text=True, timeout=900
        )
        assert p.returncode == 0, p.stderr[-3000:]
        res = json.loads(p.stdout)
        failed = {op: r for op, r in res.items() if "skipped" not in r and any(r.values())}
        ran = sum(1 for r in res.values() if "skipped" not in r)
        print("botocore %s %s: %d operations checked, %d failed" % (ver, service, ran, len(failed)))
        assert not failed, "\n".join(
            "%s.%s %s: %s" % (service, op, k, v) for op, r in sorted(failed.items()) for k, v in r.items() if v
        )[:20000]

if __name__ == "__main__":
    # worker mode: python3 test_xml_roundtrip.py PROTO_TOOL SERVICE -> JSON results on stdout
    print(json.dumps(run_service(sys.argv[1], sys.argv[2], OLD_DATA)))
