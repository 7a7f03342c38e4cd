#!/usr/bin/env python3
"""gen_models.py — botocore service-2.json -> compact C tables (build/gen/<svc>_model.{c,h}).

Runs at build time only: the binary interprets these tables (src/protocol/model.h) and never needs
Python or the model files. Every shape reachable from any operation (implemented or not) and every
exception shape is emitted; operations listed in the service's .ops X-macro file get a handler
prototype `<svc>_<xform_name>` and their flags. Output is deterministic: same inputs, same bytes.

usage: gen_models.py --botocore DIR --service ID [--ops FILE] --out DIR
       [--as-json-target PREFIX | --as-cbor SERVICE] [--name ID]

--as-json-target serves a query service's model a second time as json 1.0 with that X-Amz-Target
prefix (SQS: newer SDKs send AmazonSQS.<Op> with the same shapes; AWS marks such services
awsQueryCompatible). --as-cbor serves it as smithy-rpc-v2-cbor, requests naming SERVICE (the Smithy
service shape's name, botocore's targetPrefix: CloudWatch's GraniteServiceVersion20100801) in their
path /service/SERVICE/operation/<Op>. The variant is emitted as <name>_model.{c,h}, its handlers keep
the service's own names (<service>_<op>), and a query service's errors carry the query code in
x-amzn-query-error.
"""
import argparse
import json
import os
import re
import sys


S3_ERROR_STATUS = {
    "NoSuchBucket": 404, "NoSuchKey": 404, "NoSuchUpload": 404,
    "BucketAlreadyExists": 409, "BucketAlreadyOwnedByYou": 409,
    "InvalidObjectState": 403, "ObjectAlreadyInActiveTierError": 403, "ObjectNotInActiveTierError": 403,
}


def xform_name(name):
    """botocore.xform_name (CamelCase -> snake_case); botocore's own when importable."""
    try:
        if "/usr/lib/python3/dist-packages" not in sys.path:
            sys.path.append("/usr/lib/python3/dist-packages")
        from botocore import xform_name as bx  # noqa: PLC0415

        return bx(name)
    except Exception:  # pragma: no cover - fallback written from botocore's documented behaviour
        s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
        s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
        return s.lower()


class GenError(Exception):
    pass


def latest_model(botodir, svc):
    base = os.path.join(botodir, svc)
    if not os.path.isdir(base):
        raise GenError(f"no botocore model directory {base}")
    vers = sorted(v for v in os.listdir(base) if os.path.isfile(os.path.join(base, v, "service-2.json")))
    if not vers:
        raise GenError(f"no service-2.json under {base}")
    with open(os.path.join(base, vers[-1], "service-2.json"), encoding="utf-8") as f:
        return json.load(f)


def merge_newer(model, path):
    """Adds the operations, shapes, members and enum values of
    src/services/<svc>/<svc>.model.json (newer than Debian's botocore) to
    model; what the model already has stays as it is."""
    if not path or not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        extra = json.load(f)
    for key in ("operations", "shapes"):
        for name, v in extra.get(key, {}).items():
            model[key].setdefault(name, v)
    # An operation the model has gains what it lacks (ListBuckets' input).
    for name, v in extra.get("operations", {}).items():
        for k, x in v.items():
            model["operations"][name].setdefault(k, x)
    # Members newer than the model's shapes ({"Shape": {"Member": {...}}}),
    # appended after the shape's own, and enum values added to its enums.
    for name, members in extra.get("members", {}).items():
        for m, v in members.items():
            model["shapes"][name]["members"].setdefault(m, v)
    # Members whose shape the newer model loosened in one place only
    # ({"Shape": {"Member": "NewShape"}}): DynamoDB's GSI KeySchema lost
    # its two-element limit (multi-attribute keys) while the table's and
    # an LSI's kept it, so those members point at a shape of their own.
    for name, members in extra.get("member_shapes", {}).items():
        for m, target in members.items():
            model["shapes"][name]["members"][m] = dict(model["shapes"][name]["members"][m], shape=target)
    for name, values in extra.get("enums", {}).items():
        enum = model["shapes"][name].setdefault("enum", [])
        enum.extend(x for x in values if x not in enum)
    # Required lists the newer model relaxed ({"Shape": [...]}): a member
    # that became optional there (Kinesis' StreamName once StreamARN may name
    # the stream instead) must not be refused as missing.
    for name, required in extra.get("required", {}).items():
        model["shapes"][name]["required"] = list(required)
    # Patterns the newer model tightened ({"Shape": "regex"}): AWS refuses
    # there what the older pattern let through (Lambda's FunctionUrlQualifier).
    for name, pattern in extra.get("patterns", {}).items():
        model["shapes"][name]["pattern"] = pattern


def botocore_version(botodir):
    try:
        with open(os.path.join(botodir, "..", "__init__.py"), encoding="utf-8") as f:
            m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read())
            if m:
                return m.group(1)
    except OSError:
        pass
    return "unknown"


def read_ops(path):
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    ops = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        # OP(Name, FLAGS) or OP(Name, FLAGS, "iam:Action" or NULL, "resource template" or NULL)
        m = re.fullmatch(
            r'OP\(\s*([A-Za-z0-9_]+)\s*,\s*([^,]*?)\s*'
            r'(?:,\s*("(?:[^"\\]|\\.)*"|NULL)\s*,\s*("(?:[^"\\]|\\.)*"|NULL)\s*)?\)\s*;?',
            line,
        )
        if not m:
            raise GenError(f"{path}: cannot parse line: {line}")
        ops.append((m.group(1), (m.group(2) or "0", m.group(3) or "NULL", m.group(4) or "NULL")))
    return ops


def cstr(s):
    if s is None:
        return "NULL"
    out = ['"']
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    out.append('"')
    return "".join(out)


def cident(s):
    return re.sub(r"[^A-Za-z0-9_]", "_", s)


def cint64(v):
    v = int(v)
    if v == -(2**63):
        return "(-9223372036854775807LL - 1)"
    return f"{v}LL"


SH_TYPES = {
    "structure": "SH_STRUCTURE",
    "list": "SH_LIST",
    "map": "SH_MAP",
    "string": "SH_STRING",
    "integer": "SH_INTEGER",
    "long": "SH_LONG",
    "float": "SH_FLOAT",
    "double": "SH_DOUBLE",
    "boolean": "SH_BOOLEAN",
    "timestamp": "SH_TIMESTAMP",
    "blob": "SH_BLOB",
    "byte": "SH_INTEGER",
    "short": "SH_INTEGER",
    "bigdecimal": "SH_DOUBLE",
    "biginteger": "SH_LONG",
}
LOCS = {
    None: "LOC_BODY",
    "header": "LOC_HEADER",
    "headers": "LOC_HEADERS",
    "uri": "LOC_URI",
    "querystring": "LOC_QUERYSTRING",
    "statusCode": "LOC_STATUSCODE",
}
TSF = {None: "TS_DEFAULT", "iso8601": "TS_ISO8601", "rfc822": "TS_RFC822", "unixTimestamp": "TS_UNIX"}


# AWS: patterns of Debian's botocore that AWS has relaxed since (botocore 1.43's
# models accept more: Lambda's "$LATEST.PUBLISHED" qualifiers, dotted function
# names, -iso regions and kafka:// destinations; EventBridge's region part;
# EC2 instance types with '-'; a Logs query definition name has none). The
# server validates with the old model, so it must not enforce these patterns or
# it would refuse requests today's AWS and today's SDKs send.
PATTERN_RELAXED = {
    "lambda": {"FunctionName", "NamespacedFunctionName", "Qualifier", "Version", "DestinationArn", "FunctionArn",
               "FileSystemArn"},
    "events": {"EventBusNameOrArn", "NonPartnerEventBusArn", "NonPartnerEventBusNameOrArn"},
    "ec2": {"PlacementGroupArn", "ExcludedInstanceType", "AllowedInstanceType"},
    "logs": {"QueryDefinitionName"},
}

# AWS: members Debian's botocore requires that AWS has made optional since
# (botocore 1.43): an OIDC provider's ThumbprintList (AWS then uses the
# IdP's certificate or its own trusted CAs); Logs' logGroupName where
# logGroupIdentifier (a name or an ARN) may name the group instead — the
# handlers ask for one of the two (logs__group_or_fail).
REQUIRED_RELAXED = {
    "iam": {("CreateOpenIDConnectProviderRequest", "ThumbprintList")},
    "logs": {("DescribeLogStreamsRequest", "logGroupName"), ("FilterLogEventsRequest", "logGroupName"),
             ("GetLogEventsRequest", "logGroupName"), ("GetLogGroupFieldsRequest", "logGroupName")},
}

# AWS: DynamoDB's TableName also takes a table ARN today (TableArn, 1-1024
# characters, no pattern, in botocore 1.43); a plain name is still checked as
# before ("Value '' at 'tableName' ... length greater than or equal to 3; ...
# regular expression pattern: [a-zA-Z0-9_.-]+", observed DescribeTable 2026).
# SF_ARN_OK: a value starting "arn:" skips the pattern and length checks.
PATTERN_ARN_OK = {("dynamodb", "TableName")}

# AWS: DynamoDB lists an enum's values in validation messages in its own
# order, not the model's ("Member must satisfy enum value set: [B, N, S]";
# dynalite's suite, recorded against DynamoDB; [B, N, S] and StreamViewType's
# order observed again in 2026). Only the order of the values changes.
ENUM_ORDER = {
    ("dynamodb", "ScalarAttributeType"): ["B", "N", "S"],
    ("dynamodb", "ProjectionType"): ["ALL", "INCLUDE", "KEYS_ONLY"],
    ("dynamodb", "ReturnValue"): ["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"],
    ("dynamodb", "ComparisonOperator"): ["IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE",
                                         "LE", "BEGINS_WITH", "GE", "CONTAINS"],
    ("dynamodb", "ConditionalOperator"): ["OR", "AND"],
    ("dynamodb", "Select"): ["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"],
    ("dynamodb", "StreamViewType"): ["OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"],
    # AWS: LocalStack's recorded test_put_function_recursion_config_invalid_value
    ("lambda", "RecursiveLoop"): ["Terminate", "Allow"],
}


def twin(model, svc, protocol, target):
    """The model again for another protocol: same shapes and operations, the service named by target
    (json: the X-Amz-Target prefix; smithy-rpc-v2-cbor: the service name of its paths). Member names
    are the keys on both wires, so a query model loses its query wire names."""
    model = dict(model)
    was_query = model["metadata"].get("protocol") == "query"
    model["metadata"] = dict(model["metadata"], protocol=protocol, targetPrefix=target, jsonVersion="1.0")
    if was_query:
        # AWS: a service that moved off query keeps its query-era error codes (awsQueryCompatible).
        model["metadata"]["awsQueryCompatible"] = {}
    # AWS: newer SDKs ask for message system attributes with
    # MessageSystemAttributeNames (botocore >= 1.34's SQS model); the
    # query-era model only has AttributeNames, so the twins get both.
    rm = model["shapes"].get("ReceiveMessageRequest")
    if svc == "sqs" and rm and "MessageSystemAttributeNames" not in rm["members"]:
        model["shapes"] = dict(model["shapes"])
        model["shapes"]["ReceiveMessageRequest"] = dict(rm, members=dict(
            rm["members"], MessageSystemAttributeNames={"shape": "AttributeNameList"}))
    # The query model's locationNames ("MessageAttribute", "Attribute") are
    # query wire names; on json the key is the member name.
    if was_query:
        model["shapes"] = {
            n: dict(sh, members={k: {x: y for x, y in m.items() if x not in ("locationName", "flattened")}
                                 for k, m in sh["members"].items()}) if "members" in sh else sh
            for n, sh in model["shapes"].items()
        }
    return model


def generate(model, svc, ops_list, bver, has_svc_header, name=None, json_target=None, cbor_service=None):
    name = name or svc
    if json_target:
        model = twin(model, svc, "json", json_target)
    elif cbor_service:
        model = twin(model, svc, "smithy-rpc-v2-cbor", cbor_service)
    shapes = model["shapes"]
    meta = model["metadata"]
    operations = model["operations"]
    prefix = cident(name).upper()
    for oname, _ in ops_list:
        if oname not in operations:
            raise GenError(f"operation {oname} listed in the .ops file is not in the {svc} model")
    op_flags = dict(ops_list)

    # ---- reachable shapes, in a deterministic (sorted) order
    reach = set()
    stack = []
    for oname in sorted(operations):
        op = operations[oname]
        for k in ("input", "output"):
            if k in op:
                stack.append(op[k]["shape"])
        for e in op.get("errors", []):
            stack.append(e["shape"])
    for sname in sorted(shapes):
        if shapes[sname].get("exception"):
            stack.append(sname)
    while stack:
        n = stack.pop()
        if n in reach:
            continue
        if n not in shapes:
            raise GenError(f"shape {n} referenced but not defined")
        reach.add(n)
        s = shapes[n]
        for m in s.get("members", {}).values():
            stack.append(m["shape"])
        for k in ("member", "key", "value"):
            if k in s:
                stack.append(s[k]["shape"])
    order = sorted(reach)
    idx = {n: i for i, n in enumerate(order)}

    def shref(n):
        return f"&SH[{idx[n]}]"

    # ---- members (deduplicated lists)
    member_rows = []  # flattened rows
    member_lists = {}  # tuple(rows) -> start index

    def member_row(mname, mref, required, parent_payload=None):
        target = shapes[mref["shape"]]
        flags = []
        if required:
            flags.append("MF_REQUIRED")
        if mref.get("flattened"):
            flags.append("MF_FLATTENED")
        if mref.get("xmlAttribute"):
            flags.append("MF_XMLATTRIBUTE")
        if mref.get("idempotencyToken"):
            flags.append("MF_IDEMPOTENCY")
        if mref.get("hostLabel"):
            flags.append("MF_HOSTLABEL")
        if mref.get("jsonvalue"):
            flags.append("MF_JSONVALUE")
        if (mref.get("streaming") or target.get("streaming")) and parent_payload == mname:
            flags.append("MF_STREAMING")
        if mref.get("deprecated"):
            flags.append("MF_DEPRECATED")
        if mref.get("eventpayload"):
            flags.append("MF_EVENTPAYLOAD")
        ns = mref.get("xmlNamespace") or {}
        return "{%s, %s, %s, %s, %s, %s, %s, %s, %s}" % (
            cstr(mname),
            cstr(mref.get("locationName")),
            cstr(mref.get("queryName")),
            shref(mref["shape"]),
            cstr(ns.get("uri")),
            cstr(ns.get("prefix")),
            LOCS[mref.get("location")],
            TSF[mref.get("timestampFormat")],
            "|".join(flags) or "0",
        )

    def add_members(rows):
        key = tuple(rows)
        if not rows:
            return "NULL"
        if key not in member_lists:
            member_lists[key] = len(member_rows)
            member_rows.extend(rows)
        return f"&MB[{member_lists[key]}]"

    enum_rows = []
    enum_lists = {}

    def add_enums(vals):
        key = tuple(vals)
        if not vals:
            return "NULL"
        if key not in enum_lists:
            enum_lists[key] = len(enum_rows)
            enum_rows.extend(vals)
        return f"&EN[{enum_lists[key]}]"

    # AWS: the S3 model gives most error shapes no httpStatusCode; these are
    # the statuses S3 answers with (S3 API reference, "Error responses").
    status_fix = S3_ERROR_STATUS if svc == "s3" else {}
    errdefs = {}  # shape name -> (cname, code, status, sender)
    for n in order:
        s = shapes[n]
        if s.get("exception"):
            err = s.get("error", {})
            code = err.get("code", n)
            fault = s.get("fault", False)
            status = err.get("httpStatusCode", status_fix.get(n, 500 if fault else 400))
            sender = err.get("senderFault", not fault)
            errdefs[n] = (f"{prefix}_ERR_{cident(n)}", code, status, bool(sender))

    shape_rows = []
    for n in order:
        s = shapes[n]
        t = s["type"]
        flags = []
        if s.get("flattened"):
            flags.append("SF_FLATTENED")
        if s.get("streaming"):
            flags.append("SF_STREAMING")
        if s.get("exception"):
            flags.append("SF_EXCEPTION")
        if s.get("union"):
            flags.append("SF_UNION")
        if s.get("document"):
            flags.append("SF_DOCUMENT")
        if s.get("sensitive"):
            flags.append("SF_SENSITIVE")
        if s.get("eventstream"):
            flags.append("SF_EVENTSTREAM")
        if "min" in s:
            flags.append("SF_HAS_MIN")
        if "max" in s:
            flags.append("SF_HAS_MAX")
        rows = []
        if t == "structure":
            req = set(s.get("required", [])) - {m for (sh, m) in REQUIRED_RELAXED.get(svc, ()) if sh == n}
            for mname, mref in s.get("members", {}).items():
                rows.append(member_row(mname, mref, mname in req, s.get("payload")))
        elif t == "list":
            rows.append(member_row("member", s["member"], False))
        elif t == "map":
            k = dict(s["key"])
            v = dict(s["value"])
            k.setdefault("locationName", "key")
            v.setdefault("locationName", "value")
            rows.append(member_row("key", k, False))
            rows.append(member_row("value", v, False))
        mptr = add_members(rows)
        ns = s.get("xmlNamespace") or {}
        # AWS: SQS checks attribute names itself (InvalidAttributeName) and accepts
        # message system attribute names in ReceiveMessage's AttributeNames, which
        # the model types as QueueAttributeName: its enums are not constraints.
        # Lambda: Debian's model predates nodejs20.x, python3.10-3.12 and
        # provided.al2023; the service checks Runtime against today's list.
        enums = [] if svc == "sqs" or (svc == "lambda" and n == "Runtime") else s.get("enum", [])
        if (svc, n) in ENUM_ORDER and sorted(ENUM_ORDER[(svc, n)]) == sorted(enums):
            enums = ENUM_ORDER[(svc, n)]
        err = "&" + errdefs[n][0] if n in errdefs else "NULL"
        pattern = None if n in PATTERN_RELAXED.get(svc, ()) else s.get("pattern")
        if (svc, n) in PATTERN_ARN_OK:
            flags.append("SF_ARN_OK")
        shape_rows.append(
            "{%s, %s, %s, %s, %d, %s, %s, %s, %s, %s, %s, %s, %d, %s, %s}"
            % (
                cstr(n),
                SH_TYPES[t],
                TSF[s.get("timestampFormat")],
                "|".join(flags) or "0",
                len(rows),
                mptr,
                cstr(s.get("payload")),
                cstr(ns.get("uri")),
                cstr(s.get("locationName")),
                cint64(s.get("min", 0)),
                cint64(s.get("max", 0)),
                add_enums(enums),
                len(enums),
                err,
                cstr(pattern),
            )
        )

    # ---- operations
    operr_rows = []
    operr_lists = {}

    def add_operrs(names):
        key = tuple(names)
        if not names:
            return "NULL"
        if key not in operr_lists:
            operr_lists[key] = len(operr_rows)
            operr_rows.extend(shref(x) for x in names)
        return f"&OE[{operr_lists[key]}]"

    op_rows = []
    handlers = []
    for oname in sorted(operations, key=lambda x: x.encode("utf-8")):
        op = operations[oname]
        http = op.get("http", {})
        inp = shref(op["input"]["shape"]) if "input" in op else "NULL"
        out = shref(op["output"]["shape"]) if "output" in op else "NULL"
        rw = op.get("output", {}).get("resultWrapper")
        errs = [e["shape"] for e in op.get("errors", [])]
        if oname in op_flags:
            h = f"{svc}_{xform_name(oname)}"
            handlers.append(h)
            flags, action, resource = op_flags[oname]
        else:
            h, flags, action, resource = "NULL", "0", "NULL", "NULL"
        op_rows.append(
            "{%s, %s, %s, %d, %s, %s, %s, %s, %d, %s, %s, %s, %s}"
            % (
                cstr(oname),
                cstr(http.get("method", "POST")),
                cstr(http.get("requestUri", "/")),
                int(http.get("responseCode", 200)),
                inp,
                out,
                cstr(rw),
                add_operrs(errs),
                len(errs),
                h,
                flags,
                action,
                resource,
            )
        )

    # ---- service
    proto = meta.get("protocol")
    if not proto:
        proto = meta.get("protocols", ["json"])[0]
    pk = {"query": "PROTO_QUERY", "ec2": "PROTO_EC2", "json": "PROTO_JSON", "rest-json": "PROTO_REST_JSON",
          "rest-xml": "PROTO_REST_XML", "smithy-rpc-v2-cbor": "PROTO_RPCV2_CBOR"}
    if proto not in pk:
        raise GenError(f"unsupported protocol {proto}")
    api = meta.get("apiVersion", "")
    xmlns = None
    if proto == "query":
        xmlns = meta.get("xmlNamespace") or f"https://{svc}.amazonaws.com/doc/{api}/"
    elif proto == "ec2":
        xmlns = f"http://ec2.amazonaws.com/doc/{api}/"
    elif proto == "rest-xml":
        xmlns = "http://s3.amazonaws.com/doc/2006-03-01/" if svc == "s3" else meta.get("xmlNamespace")
    svc_errs = sorted(errdefs, key=lambda n: (errdefs[n][1].encode("utf-8"), n.encode("utf-8")))

    banner = f"/* generated by tools/gen_models.py from botocore {bver} — do not edit */\n"
    guard = f"GR_GEN_{cident(name).upper()}_MODEL_H"
    h = [banner, f"#ifndef {guard}\n#define {guard}\n\n#include \"protocol/model.h\"\n\nstruct req;\n\n"]
    h.append(f"extern const svc_model_t gen_model_{cident(name)};\n\n")
    for n in sorted(errdefs):
        h.append(f"extern const aws_errdef_t {errdefs[n][0]};\n")
    h.append("\n")
    for hn in sorted(handlers):
        h.append(f"int {hn}(struct req *r, const val_t *in, val_t *out);\n")
    h.append(f"\n#endif\n")

    c = [banner, f"#include \"{name}_model.h\"\n"]
    if has_svc_header:
        c.append(f"#include \"services/{svc}/{svc}.h\" /* op flag macros */\n")
    c.append("\n")
    for n in sorted(errdefs):
        cn, code, status, sender = errdefs[n]
        c.append(f"const aws_errdef_t {cn} = {{{cstr(code)}, {status}, {'true' if sender else 'false'}}};\n")
    c.append(f"\nstatic const shape_t SH[{len(shape_rows)}];\n\n")
    if member_rows:
        c.append(f"static const member_t MB[{len(member_rows)}] = {{\n")
        c.extend(f"    {r},\n" for r in member_rows)
        c.append("};\n\n")
    if enum_rows:
        c.append(f"static const char *const EN[{len(enum_rows)}] = {{\n")
        c.extend(f"    {cstr(r)},\n" for r in enum_rows)
        c.append("};\n\n")
    c.append(f"static const shape_t SH[{len(shape_rows)}] = {{\n")
    c.extend(f"    {r},\n" for r in shape_rows)
    c.append("};\n\n")
    if operr_rows:
        c.append(f"static const shape_t *const OE[{len(operr_rows)}] = {{\n")
        c.extend(f"    {r},\n" for r in operr_rows)
        c.append("};\n\n")
    c.append(f"static const op_t OPS[{len(op_rows)}] = {{\n")
    c.extend(f"    {r},\n" for r in op_rows)
    c.append("};\n\n")
    if svc_errs:
        c.append(f"static const shape_t *const ERRS[{len(svc_errs)}] = {{\n")
        c.extend(f"    {shref(n)},\n" for n in svc_errs)
        c.append("};\n\n")
    c.append(f"const svc_model_t gen_model_{cident(name)} = {{\n")
    fields = [
        ("id", cstr(svc)),
        ("protocol", pk[proto]),
        ("api_version", cstr(api)),
        ("endpoint_prefix", cstr(meta.get("endpointPrefix"))),
        ("signing_name", cstr(meta.get("signingName") or meta.get("endpointPrefix"))),
        ("target_prefix", cstr(meta.get("targetPrefix"))),
        ("json_version", cstr(meta.get("jsonVersion"))),
        ("xml_namespace", cstr(xmlns)),
        ("botocore_version", cstr(bver)),
        ("ops", "OPS"),
        ("nops", str(len(op_rows))),
        ("errors", "ERRS" if svc_errs else "NULL"),
        ("nerrors", str(len(svc_errs))),
    ]
    if "awsQueryCompatible" in meta:
        fields.append(("query_compat", "true"))
    for k, v in fields:
        c.append(f"    .{k} = {v},\n")
    c.append("};\n")
    return "".join(c), "".join(h)


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    write_file(path, text)


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--botocore", required=True, help="botocore data directory")
    ap.add_argument("--service", required=True)
    ap.add_argument("--ops", default=None, help="X-macro list of implemented operations")
    ap.add_argument("--out", required=True)
    ap.add_argument("--as-json-target", default=None, help="emit a json 1.0 variant with this target prefix")
    ap.add_argument("--as-cbor", default=None, help="emit a smithy-rpc-v2-cbor variant for this service name")
    ap.add_argument("--name", default=None, help="output name of the variant (default: the service)")
    a = ap.parse_args(argv)
    try:
        model = latest_model(a.botocore, a.service)
        merge_newer(model, a.ops and os.path.join(os.path.dirname(a.ops), f"{a.service}.model.json"))
        ops = read_ops(a.ops)
        has_hdr = bool(a.ops) and os.path.isfile(os.path.join(os.path.dirname(a.ops), f"{a.service}.h"))
        c, h = generate(model, a.service, ops, botocore_version(a.botocore), has_hdr, a.name, a.as_json_target,
                        a.as_cbor)
    except (GenError, OSError, ValueError, KeyError) as e:
        print(f"gen_models.py: {a.service}: {e}", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    # The header only when it changed (its includers need not rebuild); the .c
    # always, so make sees the target newer than the .ops file it came from.
    name = a.name or a.service
    write_if_changed(os.path.join(a.out, f"{name}_model.h"), h)
    write_file(os.path.join(a.out, f"{name}_model.c"), c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
