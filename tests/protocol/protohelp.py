"""protohelp.py — shared helpers for the botocore round-trip tests (every protocol).

How the round trip works (tests/protocol/test_*_roundtrip.py):
  input:  ValueGen(seed).gen(input_shape) -> botocore serializer -> request dict
          -> tool_parse_cmd() -> proto_tool "parse" -> canon_dump(value) must equal canon(shape, input)
  output: ValueGen.gen(output_shape) -> to_tool_json() -> proto_tool "serialize"
          -> http_response() -> botocore parser -> canon(shape, parsed) must equal canon(shape, value)
  errors: proto_tool "error" -> botocore parser (shape None) -> Error.Code / Error.Message / status

Using it for another protocol (query, ec2, rest-xml):
  from protohelp import (ValueGen, ProtoTool, check_input, check_output, check_error,
                         service_model, error_shapes)
  sm = service_model("sts")                       # the running interpreter's botocore
  with ProtoTool() as tool:                       # PROTO_TOOL env var, fails if missing
      problems = check_input(tool, sm, "AssumeRole", seed=1)   # [] when it round-trips
  check_input/check_output/check_error return a list of human-readable problems. They use
  botocore.serialize.create_serializer(protocol) / botocore.parsers.create_parser(protocol), so
  any protocol botocore knows works; per-protocol quirks go in ValueGen options:
    ValueGen(seed, protocol="query")  -> timestamps keep microseconds (iso8601 on the wire)
    protocol "json"/"rest-json"       -> body timestamps whole seconds (botocore 1.29 truncates)
  Header, URI-label and querystring members get wire-safe values (ASCII, non-empty, whole-second
  header timestamps) automatically; `both=` restricts values to members two models share
  (used for the newer botocore run). All randomness comes from the seed: failures reproduce.

Canonical form (canon/canon_dump): structures/maps -> dict without None, lists -> list,
blobs -> {"$blob": base64}, timestamps -> {"$ts": microseconds}, bools kept distinct from ints.
"""
import base64
import datetime
import json
import os
import random
import re
import subprocess
import zlib

import botocore
import botocore.parsers
import botocore.serialize
import botocore.session

try:  # the regex parser behind re, to generate values that match a model's pattern
    import re._parser as _sre_parse
except ImportError:  # Python < 3.11
    import sre_parse as _sre_parse

UTC = datetime.timezone.utc
DEBIAN_BOTOCORE_DATA = "/usr/lib/python3/dist-packages/botocore/data"

_SESSION = None


def session():
    global _SESSION
    if _SESSION is None:
        _SESSION = botocore.session.get_session()
    return _SESSION


def service_model(name, data_dir=None):
    """ServiceModel of `name` from this interpreter's botocore, or from data_dir (another
    botocore's data directory) read with this botocore's loader."""
    if data_dir is None:
        return session().get_service_model(name)
    from botocore.loaders import Loader
    from botocore.model import ServiceModel

    loader = Loader(extra_search_paths=[data_dir], include_default_search_paths=False)
    return ServiceModel(loader.load_service_model(name, "service-2"), service_name=name)


def error_shapes(sm):
    """Every exception shape of a service (shape names sorted)."""
    out = []
    for name in sorted(sm.shape_names):
        sh = sm.shape_for(name)
        if sh.metadata.get("exception"):
            out.append(sh)
    return out


def error_code_status(sh):
    err = sh.metadata.get("error", {})
    fault = sh.metadata.get("fault", False)
    code = err.get("code", sh.name)
    status = err.get("httpStatusCode", 500 if fault else 400)
    sender = err.get("senderFault", not fault)
    return code, status, bool(sender)


# ==== value generation ====

def _in_class(items, ch):
    """Whether ch is in a parsed character class (sre IN node)."""
    neg, hit = False, False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            neg = True
        elif name == "LITERAL":
            hit |= ord(ch) == av
        elif name == "RANGE":
            hit |= av[0] <= ord(ch) <= av[1]
        elif name == "CATEGORY":
            cat = str(av)
            probe = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_WORD": r"\w",
                     "CATEGORY_NOT_WORD": r"\W", "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S"}.get(cat)
            hit |= bool(probe and re.fullmatch(probe, ch, re.ASCII))
    return hit != neg


_BODY_CHARS = "abcXYZ019 -_.~/é☃𝄞\"\\\n\t<>&'%+="
_SAFE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


class ValueGen:
    """Deterministic values for botocore shapes, valid against the model's constraints."""

    def __init__(self, seed, protocol="json", max_depth=4, whole_seconds=None):
        self.r = random.Random(seed)
        self.protocol = protocol
        self.max_depth = max_depth
        if whole_seconds is None:
            whole_seconds = protocol in ("json", "rest-json")
        self.whole_seconds = whole_seconds
        self._both = None

    # -- scalars
    def _meta(self, sh, key):
        """min/max of sh, narrowed by the same shape of the second model when there is one."""
        vals = [x.metadata.get(key) for x in (sh, self._both) if x is not None]
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return max(vals) if key == "min" else min(vals)

    def _len(self, sh, lo_default, hi_default):
        lo = self._meta(sh, "min")
        lo = int(lo if lo is not None else lo_default)
        hi = self._meta(sh, "max")
        hi = int(hi if hi is not None else max(lo, hi_default))
        hi = min(hi, max(lo, hi_default))
        return self.r.randint(lo, max(lo, hi))

    def string(self, sh, where):
        enum = sh.enum
        if enum:
            return self.r.choice(list(enum))
        n = self._len(sh, 0, 10)
        if where != "body":
            n = max(n, 1)
            chars = _SAFE_CHARS
            if where in ("uri", "querystring"):
                chars = _SAFE_CHARS + " é/:+"
        else:
            chars = _BODY_CHARS
        s = "".join(self.r.choice(chars) for _ in range(n))
        if where == "uri" and s.strip("/") == "":
            s = "a" * n
        # the pattern of the model the server was built from (both=, else sh)
        pat = (self._both if self._both is not None else sh).metadata.get("pattern")
        if pat:  # the server checks the model's pattern (src/protocol/pattern.c)
            s = self._patterned(pat, s, sh, where)
        return s

    def _patterned(self, pat, s, sh, where):
        """s when it matches the Java pattern pat, else a value generated from pat that
        does and fits the shape's length (s when Python cannot read pat: \\p{..})."""
        try:
            rx = re.compile(pat)
            tree = _sre_parse.parse(pat)
        except (re.error, ValueError, OverflowError):
            return s
        if rx.fullmatch(s):
            return s
        lo = int(self._meta(sh, "min") or 0)
        hi = self._meta(sh, "max")
        hi = int(hi) if hi is not None else 1 << 30
        if where != "body":
            lo = max(lo, 1)
        self._rep_max = max(3, lo)  # repeats long enough to reach the shape's minimum length
        for _ in range(200):
            try:
                v = self._from_tree(tree)
            except ValueError:
                return s
            if lo <= len(v) <= hi and rx.fullmatch(v):
                return v
        return s

    def _from_tree(self, tree):
        out = []
        for op, av in tree:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(av))
            elif name == "NOT_LITERAL":
                out.append(self.r.choice([c for c in _SAFE_CHARS if ord(c) != av]))
            elif name == "ANY":
                out.append(self.r.choice(_SAFE_CHARS))
            elif name == "IN":
                cands = [chr(c) for c in range(0x20, 0x7F) if _in_class(av, chr(c))]
                if not cands:
                    raise ValueError("empty class")
                out.append(self.r.choice(cands))
            elif name == "BRANCH":
                out.append(self._from_tree(self.r.choice(av[1])))
            elif name == "SUBPATTERN":
                out.append(self._from_tree(av[-1]))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                rlo, rhi, sub = av
                n = self.r.randint(rlo, max(rlo, min(rhi, rlo + self._rep_max)))
                out.extend(self._from_tree(sub) for _ in range(n))
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                pass
            else:
                raise ValueError(f"unsupported regex node {name}")
        return "".join(out)

    def number(self, sh, where, kind):
        lo = self._meta(sh, "min")
        hi = self._meta(sh, "max")
        if kind == "integer":
            lo = int(lo) if lo is not None else -(2**31)
            hi = int(hi) if hi is not None else 2**31 - 1
        elif kind == "long":
            lo = int(lo) if lo is not None else -(2**62)
            hi = int(hi) if hi is not None else 2**62
        else:
            lo = float(lo) if lo is not None else -1e6
            hi = float(hi) if hi is not None else 1e6
        pick = self.r.random()
        if kind in ("integer", "long"):
            if pick < 0.2:
                v = lo
            elif pick < 0.4:
                v = hi
            else:
                v = self.r.randint(max(lo, -1000), min(hi, 100000)) if lo <= 100000 and hi >= -1000 else lo
            return int(v)
        # eighths are exact in float32 and float64
        v = round(self.r.uniform(max(lo, -1e6), min(hi, 1e6)) * 8) / 8
        v = min(max(v, lo), hi)
        return float(v)

    def timestamp(self, sh, where):
        sec = self.r.randint(0, 4102444800)  # 1970 .. 2100
        us = 0
        if where == "body" and not self.whole_seconds:
            us = self.r.choice([0, 123000, 5000, 999000, 1])
        elif where == "querystring":
            us = self.r.choice([0, 250000])
        return datetime.datetime.fromtimestamp(sec, UTC).replace(microsecond=us)

    def blob(self, sh, where):
        n = self._len(sh, 0, 12)
        if where != "body":
            n = max(n, 1)
        if where == "payload":  # botocore decodes a non-streaming payload blob as UTF-8 text
            return "".join(self.r.choice(_SAFE_CHARS) for _ in range(n)).encode()
        return bytes(self.r.randrange(256) for _ in range(n))

    # -- composite
    def gen(self, sh, where="body", depth=0, both=None, loc=None):
        """A value for shape sh. where: body|header|uri|querystring|headers|statusCode.
        both: the same shape in a second model; only members/enums both know are used."""
        t = sh.type_name
        self._both = both if both is not None and both.type_name == t else None
        if loc == "statusCode":
            return self.r.choice([200, 202])
        if t == "structure":
            return self.structure(sh, depth, both)
        if t == "list":
            n = self._len(sh, 0, 2)
            if depth >= self.max_depth:
                n = int(sh.metadata.get("min", 0))
            if where == "header" or where == "querystring":
                n = max(n, 1)
            ob = both.member if both is not None and both.type_name == "list" else None
            return [self.gen(sh.member, where, depth + 1, ob) for _ in range(n)]
        if t == "map":
            n = self._len(sh, 0, 2)
            if depth >= self.max_depth:
                n = int(sh.metadata.get("min", 0))
            ob = both.value if both is not None and both.type_name == "map" else None
            kw = "header" if where == "headers" else where
            out = {}
            for _ in range(n * 3):
                if len(out) >= n:
                    break
                self._both = both.key if both is not None and both.type_name == "map" else None
                k = self.string(sh.key, kw if kw != "body" else "mapkey")
                if where == "headers":
                    k = k.lower()
                out[k] = self.gen(sh.value, kw, depth + 1, ob)
            return out
        if t == "string":
            if both is not None and sh.enum and both.enum:
                common = [e for e in sh.enum if e in set(both.enum)]
                if common:
                    return self.r.choice(common)
            if sh.serialization.get("jsonvalue"):
                return {"k": self.string(sh, "header")}
            return self.string(sh, where)
        if t in ("integer", "long", "float", "double", "byte", "short"):
            return self.number(sh, where, "integer" if t in ("byte", "short") else t)
        if t == "boolean":
            return self.r.random() < 0.5
        if t == "timestamp":
            return self.timestamp(sh, where)
        if t == "blob":
            return self.blob(sh, where)
        raise ValueError(f"unsupported shape type {t}")

    def structure(self, sh, depth, both=None):
        out = {}
        req = set(sh.required_members)
        names = list(sh.members)
        if both is not None:
            names = [n for n in names if n in both.members and both.members[n].type_name == sh.members[n].type_name]
        if sh.metadata.get("union"):
            names = [self.r.choice(names)] if names else []
        for name in names:
            m = sh.members[name]
            if skip_member(m):
                continue
            if depth >= self.max_depth and name not in req:
                continue
            loc = m.serialization.get("location")
            where = {"header": "header", "headers": "headers", "uri": "uri", "querystring": "querystring"}.get(
                loc, "body"
            )
            if m.serialization.get("hostLabel"):
                where = "header"  # must be a valid DNS label
            if m.type_name == "structure" and m.serialization.get("eventstream"):
                continue
            if name == sh.serialization.get("payload") and m.type_name == "blob":
                where = "payload"
            ob = both.members[name] if both is not None else None
            out[name] = self.gen(m, where, depth + 1, ob, loc)
        return out


# A `both` shape with no members: the other model has no input/output for the operation.
EMPTY_SHAPE = type("EmptyShape", (), {"members": {}, "type_name": "structure", "metadata": {}})()


def skip_member(m):
    """Members the generator leaves out: event streams and documents."""
    if m.type_name == "structure" and (m.serialization.get("eventstream") or m.metadata.get("eventstream")):
        return True
    if m.metadata.get("document"):
        return True
    return False


# ==== canonical forms ====


def _ts_us(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        d = v - datetime.datetime(1970, 1, 1, tzinfo=UTC)
        return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds
    if isinstance(v, (int, float)):
        return round(v * 1000000)
    raise TypeError(f"timestamp {v!r}")


def canon(sh, v):
    """A botocore-side value (input params or parsed output) in canonical form."""
    if v is None:
        return None
    t = sh.type_name
    if t == "structure":
        out = {}
        for k, mv in v.items():
            if k == "ResponseMetadata" or k not in sh.members or mv is None:
                continue
            if skip_member(sh.members[k]) or sh.members[k].serialization.get("hostLabel"):
                continue  # host labels travel in the Host name, which the tool does not see
            out[k] = canon(sh.members[k], mv)
        return out
    if t == "list":
        return [canon(sh.member, e) for e in v]
    if t == "map":
        return {k: canon(sh.value, e) for k, e in v.items()}
    if t == "blob":
        if hasattr(v, "read"):
            v = v.read()
        if isinstance(v, str):
            v = v.encode("utf-8")
        return {"$blob": base64.b64encode(bytes(v)).decode()}
    if t == "timestamp":
        return {"$ts": _ts_us(v)}
    if t in ("float", "double"):
        return float(v)
    if t == "string" and sh.serialization.get("jsonvalue") and not isinstance(v, str):
        return json.dumps(v, sort_keys=True)
    return v


def canon_dump(sh, v):
    """proto_tool's value dump in canonical form (by shape, so bools/ints/floats line up)."""
    if v is None:
        return None
    t = sh.type_name
    if t == "structure":
        return {k: canon_dump(sh.members[k], mv) if k in sh.members else mv for k, mv in v.items() if mv is not None}
    if t == "list":
        return [canon_dump(sh.member, e) for e in v]
    if t == "map":
        return {k: canon_dump(sh.value, e) for k, e in v.items()}
    if t == "timestamp" and isinstance(v, dict) and "$ts" in v:
        return {"$ts": round(v["$ts"] * 1000000)}
    if t in ("float", "double") and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if t == "string" and sh.serialization.get("jsonvalue") and isinstance(v, str):
        try:
            return json.dumps(json.loads(v), sort_keys=True)
        except ValueError:
            return v
    return v


def same(a, b):
    """Deep equality that keeps bool apart from int."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) in (int, float) and type(b) in (int, float) and a == b or a == b and type(a) is type(b)


def diff(a, b, path="$"):
    """First difference between two canonical values, as text."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                return f"{path}.{k}: missing on the left, right={b[k]!r}"[:400]
            if k not in b:
                return f"{path}.{k}: missing on the right, left={a[k]!r}"[:400]
            d = diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: list lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if same(a, b) else f"{path}: {a!r} != {b!r}"[:400]


def restrict(sh, v, both):
    """Drops from canonical value v what the second model (`both`) does not have."""
    if both is None or v is None:
        return v
    t = sh.type_name
    if t == "structure" and isinstance(v, dict):
        return {k: restrict(sh.members[k], mv, both.members[k]) for k, mv in v.items() if k in both.members}
    if t == "list" and isinstance(v, list) and both.type_name == "list":
        return [restrict(sh.member, e, both.member) for e in v]
    if t == "map" and isinstance(v, dict) and both.type_name == "map":
        return {k: restrict(sh.value, e, both.value) for k, e in v.items()}
    return v


def to_tool_json(sh, v):
    """A botocore-side value in JSON-protocol conventions, for proto_tool serialize."""
    t = sh.type_name
    if v is None:
        return None
    if t == "structure":
        return {k: to_tool_json(sh.members[k], mv) for k, mv in v.items() if k in sh.members}
    if t == "list":
        return [to_tool_json(sh.member, e) for e in v]
    if t == "map":
        return {k: to_tool_json(sh.value, e) for k, e in v.items()}
    if t == "blob":
        return base64.b64encode(v).decode()
    if t == "timestamp":
        return _ts_us(v) / 1000000
    if t == "string" and sh.serialization.get("jsonvalue") and not isinstance(v, str):
        return json.dumps(v)
    return v


# ==== proto_tool ====


class ProtoTool:
    """One long-running proto_tool process (PROTO_TOOL env var): one JSON line per command."""

    def __init__(self, path=None):
        path = path or os.environ.get("PROTO_TOOL")
        if not path or not os.access(path, os.X_OK):
            raise RuntimeError(f"PROTO_TOOL is not set to an executable proto_tool (got {path!r})")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.p = subprocess.Popen(
            [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, cmd):
        line = json.dumps(cmd, ensure_ascii=True) + "\n"
        try:
            self.p.stdin.write(line.encode())
            self.p.stdin.flush()
        except BrokenPipeError:
            pass
        out = self.p.stdout.readline()
        if not out:
            err = self.p.stderr.read().decode(errors="replace")
            raise RuntimeError(f"proto_tool died on {line[:300]!r}:\n{err[-4000:]}")
        return json.loads(out)

    def close(self):
        """Ends the process; returns (exit code, stderr). Sanitizer reports make it non-zero."""
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.wait(timeout=60)
        err = self.p.stderr.read().decode(errors="replace")
        return self.p.returncode, err


def tool_parse_cmd(service, req):
    """A botocore serialized request dict -> proto_tool parse command."""
    path = req.get("url_path", "/")
    query = ""
    if "?" in path:  # literal query in the template: "/2018-10-31/layers?find=LayerVersion"
        path, query = path.split("?", 1)
    qs = req.get("query_string")
    if isinstance(qs, dict) and qs:
        from botocore.utils import percent_encode_sequence

        extra = percent_encode_sequence(qs)
        query = f"{query}&{extra}" if query else extra
    elif isinstance(qs, str) and qs:
        query = f"{query}&{qs}" if query else qs
    body = req.get("body", b"")
    if isinstance(body, dict):  # query protocol: a form dict
        from botocore.utils import percent_encode_sequence

        body = percent_encode_sequence(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if hasattr(body, "read"):
        body = body.read()
    headers = [[k, v.decode() if isinstance(v, bytes) else str(v)] for k, v in req.get("headers", {}).items()]
    return {
        "cmd": "parse",
        "service": service,
        "method": req.get("method", "POST"),
        "path": path,
        "query": query,
        "headers": headers,
        "body_b64": base64.b64encode(body or b"").decode(),
    }


def http_response(resp, streaming=False):
    """proto_tool's response -> the dict botocore parsers take."""
    from botocore.awsrequest import HeadersDict

    h = HeadersDict()
    for k, v in resp["headers"]:
        h[k] = v
    body = base64.b64decode(resp["body_b64"])
    if streaming:
        import io

        from botocore.response import StreamingBody

        body = StreamingBody(io.BytesIO(body), len(body))
    return {"status_code": resp["status"], "headers": h, "body": body}


# ==== the three checks ====


def _serializer(sm):
    return botocore.serialize.create_serializer(sm.metadata["protocol"], include_validation=False)


def _parser(sm):
    return botocore.parsers.create_parser(sm.metadata["protocol"])


def check_input(tool, sm, op_name, seed=0, tool_service=None, both=None, gen=None):
    """botocore serializes a generated input; proto_tool must parse it back to the same value.
    both: the operation's input shape in the model proto_tool was built from (another botocore)."""
    om = sm.operation_model(op_name)
    svc = tool_service or sm.service_name
    g = gen or ValueGen(seed, sm.metadata["protocol"])
    params = g.structure(om.input_shape, 0, both) if om.input_shape is not None else {}
    req = _serializer(sm).serialize_to_request(params, om)
    got = tool.call(tool_parse_cmd(svc, req))
    problems = []
    if got.get("operation") != op_name:
        found = got.get("operation")
        if found in sm.operation_names and om.deprecated and \
                sm.operation_model(found).http.get("requestUri") == om.http.get("requestUri") and \
                sm.operation_model(found).http.get("method") == om.http.get("method"):
            # S3's deprecated GetBucketLifecycle & co. send the very same request as their
            # replacements; the server cannot tell them apart and answers the replacement.
            return problems
        problems.append(f"{op_name}: proto_find_op found {found!r}")
        return problems
    if not got.get("ok"):
        problems.append(f"{op_name}: parse failed: {got.get('error')} (request {json.dumps(req, default=str)[:600]})")
        return problems
    if om.input_shape is None:
        return problems
    want = canon(om.input_shape, params)
    have = canon_dump(om.input_shape, got.get("value") or {})
    d = diff(want, have)
    if d:
        problems.append(f"{op_name}: input mismatch (sent / parsed): {d}")
    return problems


def check_output(tool, sm, op_name, seed=0, tool_service=None, both=None, gen=None):
    """proto_tool serializes a generated output; botocore must parse it to the same value."""
    om = sm.operation_model(op_name)
    svc = tool_service or sm.service_name
    # outputs carry sub-second timestamps in every protocol (botocore parses them all)
    g = gen or ValueGen(seed + 7919, sm.metadata["protocol"], whole_seconds=False)
    sh = om.output_shape
    value = g.structure(sh, 0, both) if sh is not None else {}
    resp = tool.call(
        {"cmd": "serialize", "service": svc, "operation": op_name, "value": to_tool_json(sh, value) if sh else {}}
    )
    if "fatal" in resp:
        return [f"{op_name}: proto_tool: {resp['fatal']}"]
    streaming = bool(sh is not None and sh.serialization.get("payload") and
                     sh.members[sh.serialization["payload"]].serialization.get("streaming"))
    problems = []
    crc = [v for k, v in resp["headers"] if k.lower() == "x-amz-crc32"]
    if crc and int(crc[0]) != zlib.crc32(base64.b64decode(resp["body_b64"])):
        problems.append(f"{op_name}: x-amz-crc32 {crc[0]} does not match the body")
    parsed = _parser(sm).parse(http_response(resp, streaming), sh)
    if sh is None:
        return problems
    want = canon(sh, value)
    have = restrict(sh, canon(sh, parsed), both)
    d = diff(want, have)
    return problems + ([f"{op_name}: output mismatch (generated / botocore parsed): {d}"] if d else [])


def check_shared_errors(tool, new, old, counts, tool_service=None):
    """check_error for every error shape of model new that model old (another botocore's) has too;
    counts["error"] and counts["failed"] go up; returns the problems."""
    problems = []
    old_errs = {sh.name for sh in error_shapes(old)}
    for sh in error_shapes(new):
        if sh.name in old_errs:
            counts["error"] += 1
            p = check_error(tool, new, sh, tool_service=tool_service)
            counts["failed"] += bool(p)
            problems += p
    return problems


def check_error(tool, sm, shape, tool_service=None):
    """proto_tool writes the error; botocore must read its code, message and status."""
    code, status, sender = error_code_status(shape)
    msg = f"message for {code} <&> \"q\" é"
    resp = tool.call(
        {"cmd": "error", "service": tool_service or sm.service_name, "code": code, "status": status,
         "sender": sender, "message": msg}
    )
    if "fatal" in resp:
        return [f"{shape.name}: proto_tool: {resp['fatal']}"]
    parsed = _parser(sm).parse(http_response(resp), None)
    err = parsed.get("Error", {})
    problems = []
    if err.get("Code") != code:
        problems.append(f"{shape.name}: Code {err.get('Code')!r} != {code!r}")
    if err.get("Message") != msg:
        problems.append(f"{shape.name}: Message {err.get('Message')!r} != {msg!r}")
    if parsed.get("ResponseMetadata", {}).get("HTTPStatusCode") != status:
        problems.append(f"{shape.name}: status {parsed.get('ResponseMetadata')} != {status}")
    return problems
