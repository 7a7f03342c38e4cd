"""test_xml_roundtrip.py — botocore <-> our query, ec2 and rest-xml protocol code, every operation.

For EVERY operation of STS and IAM (query), EC2 (ec2) and S3 (rest-xml):
  * botocore serializes a generated input covering every member; proto_tool must find the
    operation and parse it back to exactly those values;
  * proto_tool serializes a generated output; botocore's parser must read the same value back;
  * for every error shape, botocore must read our error document's code, message and status.
The checks, value generator and proto_tool runner are the shared ones in protohelp.py; this file
adds what the XML protocols need on top (XmlGen below) and S3's GetBucketLocation, whose document
botocore reads with a handler rather than its parser. It runs with the Debian botocore (the
interpreter running pytest) and, when `python3` on PATH has another botocore, once more in that
interpreter (this file as a script with --child), restricted to what both models know.

Run: PROTO_TOOL=build/test/proto_tool /usr/bin/python3 -m pytest tests/protocol/test_xml_roundtrip.py
"""
import base64
import json
import os
import shutil
import subprocess
import sys

try:
    import pytest
except ImportError:  # the --child run in another interpreter needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.handlers  # noqa: E402

import protohelp  # noqa: E402

SERVICES = ("sts", "iam", "ec2", "s3")
SEEDS = (1, 2, 3)

if pytest is None:  # decorators below still need a name

    class _NoPytest:
        class mark:
            @staticmethod
            def parametrize(*a, **k):
                return lambda f: f

        @staticmethod
        def param(*a, **k):
            return a

    pytest = _NoPytest


# ==== what the XML protocols add to the shared generator ====


def xml_name(name, m):
    """The element a body member travels in (botocore _member_key_name)."""
    if m.type_name == "list" and m.serialization.get("flattened") and m.member.serialization.get("name"):
        return m.member.serialization["name"]
    return m.serialization.get("name", name)


class XmlGen(protohelp.ValueGen):
    """protohelp.ValueGen with the two things an XML wire cannot carry left out:
    * two members of one structure that share an element name (S3's deprecated
      CloudFunctionConfiguration.Event and the flattened Events list are both <Event>):
      botocore writes and reads every <Event> into both, so neither is set;
    * empty structures, maps and (ec2) lists in requests: the query serializers send
      nothing for them, so there is nothing to read back. Query sends an empty list as
      "Name=", which is kept. In responses, empty flattened lists and maps have no element."""

    def __init__(self, seed, protocol, direction, **kw):
        super().__init__(seed, protocol, **kw)
        self.direction = direction

    def structure(self, sh, depth, both=None):
        out = super().structure(sh, depth, both)
        names = {}
        for k, m in sh.members.items():
            if not m.serialization.get("location"):
                names.setdefault(xml_name(k, m), []).append(k)
        for ks in names.values():
            if len(ks) > 1:
                for k in ks:
                    out.pop(k, None)
        for k in list(out):
            m = sh.members[k]
            if self._unsendable(m, out[k]):
                del out[k]
        if self.direction == "input":
            # a required member emptied above would be missing on the wire: give it a full value
            # (required in either model: our tables are the older one's)
            required = set(sh.required_members) | set(getattr(both, "required_members", None) or ())
            for k in sorted(required & set(sh.members)):
                m = sh.members[k]
                if k not in out and m.serialization.get("location") in (None, "headers") and \
                        m.type_name in ("structure", "list", "map"):
                    ob = both.members.get(k) if both is not None else None
                    if both is not None and ob is None:
                        continue
                    where = "headers" if m.serialization.get("location") == "headers" else "body"
                    for _ in range(3):
                        v = self.gen(m, where, 0, ob)
                        if m.type_name == "list" and not v:
                            v = [self.gen(m.member, where, 1, ob.member if ob is not None else None)]
                        if not self._unsendable(m, v):
                            out[k] = v
                            break
        return out

    def _unsendable(self, m, v):
        flat_empty = bool(m.serialization.get("flattened")) and isinstance(v, (list, dict)) and not v
        if self.direction == "input" and self.protocol in ("query", "ec2"):
            if isinstance(v, list):
                v[:] = [e for e in v if e != {}]
                return (self.protocol == "ec2" and not v) or (v == [] and m.type_name != "list")
            if isinstance(v, dict):
                return not v
            return False
        if self.direction == "input":  # rest-xml
            return flat_empty or (m.serialization.get("location") == "headers" and not v)
        return flat_empty

    def timestamp(self, sh, where):
        v = super().timestamp(sh, where)
        if sh.serialization.get("timestampFormat") in ("rfc822", "unixTimestamp"):
            v = v.replace(microsecond=0)  # botocore writes both in whole seconds
        return v

    def gen(self, sh, where="body", depth=0, both=None, loc=None):
        v = super().gen(sh, where, depth, both, loc)
        if self.direction == "input" and self.protocol in ("query", "ec2"):
            if sh.type_name == "list":
                v = [e for e in v if e != {}]
            elif sh.type_name == "map":
                v = {k: e for k, e in v.items() if e != {}}
        return v


def gen_for(sm, direction, seed):
    protocol = sm.metadata["protocol"]
    if direction == "input":
        return XmlGen(seed, protocol, "input")
    # protohelp's check_output seeds outputs with seed + 7919 and keeps sub-second timestamps
    return XmlGen(seed + 7919, protocol, "output", whole_seconds=False)


class _FakeHTTPResponse:
    def __init__(self, body):
        self.raw = True
        self.content = body


def check_bucket_location(tool, sm):
    """S3 GetBucketLocation answers a bare <LocationConstraint> element that botocore's
    parse_get_bucket_location handler reads (its output shape cannot describe it)."""
    om = sm.operation_model("GetBucketLocation")
    problems = []
    for want in ("eu-west-1", None):
        value = {"LocationConstraint": want} if want else {}
        resp = tool.call({"cmd": "serialize", "service": "s3", "operation": "GetBucketLocation", "value": value})
        if "fatal" in resp:
            return [f"GetBucketLocation: proto_tool: {resp['fatal']}"]
        parsed = protohelp.botocore.parsers.create_parser("rest-xml").parse(
            protohelp.http_response(resp), om.output_shape
        )
        botocore.handlers.parse_get_bucket_location(parsed, _FakeHTTPResponse(base64.b64decode(resp["body_b64"])))
        if parsed.get("LocationConstraint") != want:
            problems.append(f"GetBucketLocation: read {parsed.get('LocationConstraint')!r}, want {want!r}")
    return problems


def run_input(tool, sm, op, seed, both=None):
    problems = protohelp.check_input(tool, sm, op, seed=seed, both=both, gen=gen_for(sm, "input", seed))
    # S3 WriteGetObjectResponse.RequestRoute is a host label AND the x-amz-request-route header:
    # protohelp.canon drops host labels from what was sent, but the header reads back (correctly)
    return [p for p in problems if "$.RequestRoute: missing on the left" not in p]


def run_output(tool, sm, op, seed, both=None):
    if sm.service_name == "s3" and op == "GetBucketLocation":
        return check_bucket_location(tool, sm)
    return protohelp.check_output(tool, sm, op, seed=seed, both=both, gen=gen_for(sm, "output", seed))


# ==== pytest ====


def _ops(service):
    return sorted(protohelp.service_model(service).operation_names)


def _params():
    for s in SERVICES:
        for op in _ops(s):
            yield pytest.param(s, op, id=f"{s}:{op}")


def _errs():
    for s in SERVICES:
        for sh in protohelp.error_shapes(protohelp.service_model(s)):
            yield pytest.param(s, sh.name, id=f"{s}:{sh.name}")


@pytest.mark.parametrize("service,op", list(_params()))
def test_input(tool, service, op):
    sm = protohelp.service_model(service)
    problems = []
    for seed in SEEDS:
        problems += run_input(tool, sm, op, seed)
    assert not problems, "\n".join(problems)


def event_stream_output(om):
    sh = om.output_shape
    return sh is not None and any(m.serialization.get("eventstream") for m in sh.members.values())


@pytest.mark.parametrize("service,op", list(_params()))
def test_output(tool, service, op):
    sm = protohelp.service_model(service)
    if event_stream_output(sm.operation_model(op)):
        pytest.skip("event-stream output (S3 SelectObjectContent): not written by the XML protocols yet")
    problems = []
    for seed in SEEDS:
        problems += run_output(tool, sm, op, seed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service,shape", list(_errs()))
def test_error(tool, service, shape):
    sm = protohelp.service_model(service)
    assert not protohelp.check_error(tool, sm, sm.shape_for(shape))


@pytest.mark.parametrize("service", SERVICES)
def test_error_common(tool, service):
    """Errors every service answers (not in its model): code, message, status and the request id."""
    sm = protohelp.service_model(service)
    problems = []
    for code, status, sender in (("AccessDenied", 403, True), ("InternalError", 500, False),
                                 ("ValidationError", 400, True)):
        msg = f"{code}: <&> \"q\" é"
        resp = tool.call({"cmd": "error", "service": service, "code": code, "status": status, "sender": sender,
                          "message": msg})
        parsed = protohelp.botocore.parsers.create_parser(sm.metadata["protocol"]).parse(
            protohelp.http_response(resp), None)
        meta = parsed.get("ResponseMetadata", {})
        if parsed.get("Error", {}).get("Code") != code or parsed["Error"].get("Message") != msg:
            problems.append(f"{code}: read {parsed.get('Error')}")
        if meta.get("HTTPStatusCode") != status or not meta.get("RequestId"):
            problems.append(f"{code}: metadata {meta}")
    assert not problems, "\n".join(problems)


def _newer_python():
    """`python3` on PATH when its botocore differs from ours, else None."""
    exe = shutil.which("python3")
    if not exe or os.path.realpath(exe) == os.path.realpath(sys.executable):
        return None
    try:
        v = subprocess.run([exe, "-c", "import botocore;print(botocore.__version__)"], capture_output=True,
                           text=True, timeout=60)
    except OSError:
        return None
    if v.returncode != 0 or v.stdout.strip() == protohelp.botocore.__version__:
        return None
    return exe, v.stdout.strip()


@pytest.mark.parametrize("service", SERVICES)
def test_newer_botocore(service):
    newer = _newer_python()
    if newer is None:
        pytest.skip("no other botocore on PATH (python3)")
    exe, ver = newer
    if not os.environ.get("PROTO_TOOL"):
        pytest.fail("PROTO_TOOL is not set")
    r = subprocess.run([exe, os.path.abspath(__file__), "--child", service], capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0 and r.stdout.strip(), f"child failed ({r.returncode}):\n{r.stderr[-4000:]}"
    res = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"botocore {ver} {service}: {json.dumps(res['counts'])}")
    assert not res["problems"], f"botocore {ver}: " + "\n".join(res["problems"][:50])
    assert res["counts"]["input"] > 0


def child(service):
    """Runs in the other interpreter: its botocore, its model, restricted to what both models know."""
    new = protohelp.service_model(service)
    old = protohelp.service_model(service, protohelp.DEBIAN_BOTOCORE_DATA)
    problems = []
    counts = {"botocore": protohelp.botocore.__version__, "input": 0, "output": 0, "error": 0, "failed": 0,
              "skipped_new_ops": len(set(new.operation_names) - set(old.operation_names))}
    with protohelp.ProtoTool() as tool:
        for op in sorted(set(new.operation_names) & set(old.operation_names)):
            on, oo = new.operation_model(op), old.operation_model(op)
            if event_stream_output(on):
                continue
            for kind, check, b in (("input", run_input, oo.input_shape or protohelp.EMPTY_SHAPE),
                                   ("output", run_output, oo.output_shape or protohelp.EMPTY_SHAPE)):
                p = []
                try:
                    for seed in SEEDS[:2]:
                        p += check(tool, new, op, seed, both=b)
                except Exception as e:  # a crash in botocore or the tool is a failure, not an abort
                    p.append(f"{op}: {kind}: {type(e).__name__}: {e}")
                counts[kind] += 1
                if p:
                    counts["failed"] += 1
                problems += p
        old_errs = {sh.name for sh in protohelp.error_shapes(old)}
        for sh in protohelp.error_shapes(new):
            if sh.name in old_errs:
                counts["error"] += 1
                p = protohelp.check_error(tool, new, sh)
                counts["failed"] += bool(p)
                problems += p
        rc, err = tool.close()
        if rc != 0:
            problems.append(f"proto_tool exited {rc}: {err[-2000:]}")
    print(json.dumps({"counts": counts, "problems": problems}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        print("usage: test_xml_roundtrip.py --child SERVICE (normally run by pytest)", file=sys.stderr)
        sys.exit(2)
