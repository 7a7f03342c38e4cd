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
import urllib.parse

try:
    import pytest
except ImportError:  # the --child run in another interpreter needs no pytest
    pytest = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.handlers  # noqa: E402

import protohelp  # noqa: E402

SERVICES = ("sts", "iam", "ec2", "s3", "sns", "cloudwatch", "rds", "route53", "cloudfront", "elb", "autoscaling", "elbv2")
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
    # RDS SourceRegion is a client-side member: botocore's inject_presigned_url_rds handler turns it
    # into PreSignedUrl and removes it, so it never reaches any server.
    return [p for p in problems if "$.RequestRoute: missing on the left" not in p
            and not (sm.service_name == "rds" and "$.SourceRegion: missing on the right" in p)]


def run_output(tool, sm, op, seed, both=None):
    if sm.service_name == "s3" and op == "GetBucketLocation":
        return check_bucket_location(tool, sm)
    return protohelp.check_output(tool, sm, op, seed=seed, both=both, gen=gen_for(sm, "output", seed))


# ==== the whole client: handlers, validation, signing, then our parser and serializer ====

# Realistic calls a user makes (values the clients' own handlers accept unchanged).
CLIENT_CALLS = {
    "sts": [
        ("GetCallerIdentity", {}),
        ("AssumeRole", {"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "s1+=,.@-",
                        "DurationSeconds": 900, "Tags": [{"Key": "k", "Value": "v é"}], "TransitiveTagKeys": ["k"],
                        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}),
    ],
    "iam": [
        ("CreateUser", {"UserName": "alice", "Path": "/eng/", "Tags": [{"Key": "team", "Value": "a&b <c>"}]}),
        ("ListUsers", {"PathPrefix": "/", "MaxItems": 10}),
        ("PutUserPolicy", {"UserName": "alice", "PolicyName": "p",
                           "PolicyDocument": '{"Version":"2012-10-17","Statement":[]}'}),
        ("ListAttachedRolePolicies", {"RoleName": "r"}),
    ],
    "ec2": [
        ("DescribeInstances", {"Filters": [{"Name": "instance-state-name", "Values": ["running", "stopped"]}],
                               "InstanceIds": ["i-1", "i-2"], "DryRun": False}),
        ("CreateTags", {"Resources": ["vpc-1"], "Tags": [{"Key": "Name", "Value": "web"}]}),
        ("CreateVpc", {"CidrBlock": "10.0.0.0/16", "TagSpecifications": [
            {"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}]}),
        ("AuthorizeSecurityGroupIngress", {"GroupId": "sg-1", "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    ],
    "cloudwatch": [
        ("PutMetricData", {"Namespace": "App/x", "MetricData": [
            {"MetricName": "m é", "Dimensions": [{"Name": "d", "Value": "a&b <c>"}], "Values": [1.5, 2],
             "Counts": [1, 3], "Unit": "Milliseconds", "StorageResolution": 1},
            {"MetricName": "n", "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}}]}),
        ("GetMetricData", {"MetricDataQueries": [
            {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "App/x", "MetricName": "n"}, "Period": 60,
                                        "Stat": "p99.9"}},
            {"Id": "e1", "Expression": "FILL(m1, 0) * 2", "Label": "x"}],
            "StartTime": 1700000000, "EndTime": 1700003600, "ScanBy": "TimestampAscending"}),
        ("PutDashboard", {"DashboardName": "d-1", "DashboardBody": '{"widgets":[]}'}),
    ],
    "sns": [
        ("CreateTopic", {"Name": "t", "Attributes": {"DisplayName": "a&b <c>"}, "Tags": [{"Key": "k", "Value": "v"}]}),
        ("Publish", {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "m é", "MessageAttributes": {
            "n": {"DataType": "Number", "StringValue": "1"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}}),
        ("SetSMSAttributes", {"attributes": {"DefaultSMSType": "Transactional"}}),
    ],
    "rds": [
        ("CreateDBSubnetGroup", {"DBSubnetGroupName": "g", "DBSubnetGroupDescription": "a & <b>",
                                 "SubnetIds": ["subnet-1", "subnet-2"], "Tags": [{"Key": "k", "Value": "v"}]}),
        ("DescribeDBSubnetGroups", {"MaxRecords": 20, "Marker": "20"}),
        ("RemoveTagsFromResource", {"ResourceName": "arn:aws:rds:us-east-1:000000000000:subgrp:g", "TagKeys": ["k"]}),
    ],
    "route53": [
        ("CreateHostedZone", {"Name": "example.com", "CallerReference": "r-1",
                              "HostedZoneConfig": {"Comment": "a & <b>", "PrivateZone": False}}),
        ("ChangeResourceRecordSets", {"HostedZoneId": "Z1", "ChangeBatch": {"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "127.0.0.1"}]}}]}}),
        ("ListResourceRecordSets", {"HostedZoneId": "Z1", "StartRecordName": "a.example.com", "MaxItems": "5"}),
        ("GetChange", {"Id": "C1"}),
        ("ChangeTagsForResource", {"ResourceType": "hostedzone", "ResourceId": "Z1",
                                   "AddTags": [{"Key": "k", "Value": "a & <b>"}], "RemoveTagKeys": ["x"]}),
        ("CreateHealthCheck", {"CallerReference": "h-1", "HealthCheckConfig": {
            "IPAddress": "127.0.0.1", "Port": 8080, "Type": "HTTP_STR_MATCH", "ResourcePath": "/a?b=<c>",
            "SearchString": "ok & up", "RequestInterval": 10, "FailureThreshold": 2}}),
        ("UpdateHealthCheck", {"HealthCheckId": "h1", "HealthCheckVersion": 2, "Inverted": True,
                               "ResetElements": ["ResourcePath"]}),
        ("ListHealthChecks", {"Marker": "h1", "MaxItems": "2"}),
    ],
    "elb": [
        ("CreateLoadBalancer", {"LoadBalancerName": "lb", "Listeners": [
            {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8001}], "AvailabilityZones": ["us-east-1a"],
            "Tags": [{"Key": "k", "Value": "a & <b>"}]}),
        ("RegisterInstancesWithLoadBalancer", {"LoadBalancerName": "lb", "Instances": [{"InstanceId": "i-1"}]}),
        ("ConfigureHealthCheck", {"LoadBalancerName": "lb", "HealthCheck": {
            "Target": "HTTP:8001/a?b=<c>", "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 2,
            "HealthyThreshold": 2}}),
    ],
    "elbv2": [
        ("CreateTargetGroup", {"Name": "tg", "Protocol": "HTTP", "Port": 8001, "VpcId": "vpc-1",
                               "HealthCheckPath": "/a?b=<c>", "Matcher": {"HttpCode": "200-299"}}),
        ("CreateListener", {"LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/a/1",
                            "Port": 80, "Protocol": "HTTP", "DefaultActions": [{"Type": "forward", "ForwardConfig": {
                                "TargetGroups": [{"TargetGroupArn": "arn:x", "Weight": 2}]}}]}),
        ("AddTags", {"ResourceArns": ["arn:x"], "Tags": [{"Key": "k", "Value": "a & <b>"}]}),
    ],
    "autoscaling": [
        ("CreateAutoScalingGroup", {"AutoScalingGroupName": "g", "LaunchTemplate": {
            "LaunchTemplateName": "tpl", "Version": "$Latest"}, "MinSize": 1, "MaxSize": 3,
            "VPCZoneIdentifier": "subnet-1,subnet-2", "Tags": [{"Key": "k", "Value": "a & <b>",
                                                                "PropagateAtLaunch": True}]}),
        ("PutScalingPolicy", {"AutoScalingGroupName": "g", "PolicyName": "p", "PolicyType": "StepScaling",
                              "AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
                                  {"MetricIntervalLowerBound": 0.5, "ScalingAdjustment": 1}]}),
        ("DescribeScalingActivities", {"AutoScalingGroupName": "g", "MaxRecords": 5, "NextToken": "5"}),
    ],
    "cloudfront": [
        ("CreateInvalidation", {"DistributionId": "E1", "InvalidationBatch": {
            "Paths": {"Quantity": 2, "Items": ["/a & <b>", "/img/*"]}, "CallerReference": "r-1"}}),
        ("ListDistributions", {"Marker": "E1", "MaxItems": "2"}),
        ("UpdateDistribution", {"Id": "E1", "IfMatch": "E2", "DistributionConfig": {
            "CallerReference": "r-1", "Comment": "a & <b>", "Enabled": False,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o1", "DomainName": "b.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all",
                                     "MinTTL": 0}}}),
        ("UntagResource", {"Resource": "arn:aws:cloudfront::000000000000:distribution/E1",
                           "TagKeys": {"Items": ["k"]}}),
        ("CreateOriginAccessControl", {"OriginAccessControlConfig": {
            "Name": "a & <b>", "SigningProtocol": "sigv4", "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3"}}),
    ],
    "s3": [
        ("CreateBucket", {"Bucket": "bucket-1",
                          "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
        ("ListBuckets", {}),
        ("PutObject", {"Bucket": "bucket-1", "Key": "dir/a key+é.txt", "Body": b"hello",
                       "Metadata": {"m1": "v1"}, "ContentType": "text/plain"}),
        ("GetObject", {"Bucket": "bucket-1", "Key": "dir/a key+é.txt", "Range": "bytes=0-1"}),
        ("HeadObject", {"Bucket": "bucket-1", "Key": "k"}),
        ("ListObjectsV2", {"Bucket": "bucket-1", "Prefix": "dir/", "Delimiter": "/", "MaxKeys": 5}),
        ("DeleteObjects", {"Bucket": "bucket-1", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b&c"}],
                                                            "Quiet": True}}),
        ("PutBucketTagging", {"Bucket": "bucket-1", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}),
        ("GetBucketTagging", {"Bucket": "bucket-1"}),
        ("GetBucketLocation", {"Bucket": "bucket-1"}),
        ("GetBucketAcl", {"Bucket": "bucket-1"}),
        ("CompleteMultipartUpload", {"Bucket": "bucket-1", "Key": "k", "UploadId": "u-1", "MultipartUpload": {
            "Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]}}),
    ],
}


class _Raw:
    def __init__(self, body):
        import io

        self._b = io.BytesIO(body)

    def stream(self, **kw):
        yield self._b.read()

    def read(self, *a, **kw):
        return self._b.read(*a)


def subset(a, b, path="$"):
    """Where canonical value a is not contained in b (b may hold more: members a client handler adds)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                return f"{path}.{k}: not read back"
            d = subset(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = subset(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if protohelp.same(a, b) else f"{path}: {a!r} != {b!r}"[:300]


def check_client(tool, service, seed=5):
    """Each call of CLIENT_CALLS through a real botocore client whose HTTP send is replaced by
    proto_tool: what the client sends must parse to the call's parameters, and what we answer
    (a generated output) must come out of the client as that value."""
    import botocore.awsrequest
    import botocore.config
    import botocore.session

    kw = {}
    try:  # newer botocore: no checksum trailers/aws-chunked bodies (http/auth's business, not ours)
        kw["config"] = botocore.config.Config(request_checksum_calculation="when_required",
                                              response_checksum_validation="when_required")
    except TypeError:
        pass
    client = botocore.session.get_session().create_client(
        service, region_name="us-east-1", endpoint_url="http://127.0.0.1:4566", aws_access_key_id="test",
        aws_secret_access_key="test", **kw)
    sm = client.meta.service_model
    old = protohelp.service_model(service, protohelp.DEBIAN_BOTOCORE_DATA)
    problems = []
    state = {}

    def send(request, **kwargs):
        op = state["op"]
        u = urllib.parse.urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = [[k, v.decode() if isinstance(v, bytes) else str(v)] for k, v in request.headers.items()]
        headers.append(["Host", u.netloc])
        got = tool.call({"cmd": "parse", "service": service, "method": request.method, "path": u.path,
                         "query": u.query, "headers": headers, "body_b64": base64.b64encode(body).decode()})
        om = sm.operation_model(op)
        if got.get("operation") != op or not got.get("ok"):
            problems.append(f"{op}: request: {got.get('operation')!r} {got.get('error')}")
        elif om.input_shape is not None:
            d = subset(protohelp.canon(om.input_shape, state["params"]),
                       protohelp.canon_dump(om.input_shape, got.get("value") or {}))
            if d:
                problems.append(f"{op}: request read back wrong: {d}")
        resp = tool.call({"cmd": "serialize", "service": service, "operation": op, "value": state["out_json"]})
        return botocore.awsrequest.AWSResponse(request.url, resp["status"], dict(resp["headers"]),
                                               _Raw(base64.b64decode(resp["body_b64"])))

    client.meta.events.register("before-send", send)
    for op, params in CLIENT_CALLS[service]:
        om = sm.operation_model(op)
        oo = old.operation_model(op)
        sh = om.output_shape
        value = {}
        if sh is not None and oo.output_shape is not None and not event_stream_output(om):
            value = gen_for(sm, "output", seed).structure(sh, 0, oo.output_shape)
            # headers of these shapes the http layer owns (and clients compute from the body)
            for k in ("ContentLength", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA1", "ChecksumSHA256",
                      "ChecksumCRC64NVME", "ChecksumType", "ContentEncoding"):
                value.pop(k, None)
            if op == "GetBucketLocation":
                value = {"LocationConstraint": "eu-west-1"}
        state.update(op=op, params=params, out_json=protohelp.to_tool_json(sh, value) if sh else {})
        try:
            parsed = getattr(client, botocore.xform_name(op))(**params)
        except Exception as e:  # noqa: BLE001 — the client refusing our answer is the failure
            problems.append(f"{op}: client raised {type(e).__name__}: {e}")
            continue
        if sh is not None:
            if "Body" in parsed and hasattr(parsed["Body"], "read"):
                parsed["Body"] = parsed["Body"].read()
            d = protohelp.diff(protohelp.canon(sh, value), protohelp.canon(sh, parsed))
            if d:
                problems.append(f"{op}: response read back wrong: {d}")
    return problems


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


class _RawStream:
    """The body as botocore's EventStream reads it (urllib3's stream()), in
    uneven chunks so messages straddle reads."""

    def __init__(self, data):
        self.data = data

    def stream(self):
        for i in range(0, len(self.data), 7):
            yield self.data[i:i + 7]

    def close(self):
        pass


def check_event_stream(tool, sm, op):
    """Every event of the operation's event stream (a blob payload, structure
    payloads, events with none) written by proto_tool and read back by
    botocore's EventStream, which checks both CRCs of each message."""
    om = sm.operation_model(op)
    sh = om.output_shape
    name = sh.serialization["payload"]
    es = sh.members[name]
    events, want = [], []
    for ev_name, ev in es.members.items():
        value = {}
        for mname, m in ev.members.items():
            if m.type_name == "blob":
                raw = ("records of %s <&> é\n" % ev_name).encode() * 3
                value[mname] = base64.b64encode(raw).decode()
                want.append({ev_name: {mname: raw}})
            elif m.type_name == "structure":
                d = {k: 1000 + i for i, k in enumerate(m.members)}
                value[mname] = d
                want.append({ev_name: {mname: d}})
        if not ev.members:
            want.append({ev_name: {}})
        events.append({ev_name: value})
    resp = tool.call({"cmd": "serialize", "service": sm.service_name, "operation": op, "value": {name: events}})
    if "fatal" in resp:
        return [f"{op}: proto_tool: {resp['fatal']}"]
    problems = []
    ctype = [v for k, v in resp["headers"] if k.lower() == "content-type"]
    if ctype != ["application/vnd.amazon.eventstream"]:
        problems.append(f"{op}: Content-Type {ctype}")
    r = protohelp.http_response(resp)
    r["body"] = _RawStream(r["body"])
    r["context"] = {"operation_name": op}
    parsed = protohelp.botocore.parsers.create_parser(sm.metadata["protocol"]).parse(r, sh)
    have = list(parsed[name])
    if have != want:
        problems.append(f"{op}: events {have!r} != {want!r}")
    return problems


@pytest.mark.parametrize("service,op", list(_params()))
def test_output(tool, service, op):
    sm = protohelp.service_model(service)
    if event_stream_output(sm.operation_model(op)):
        problems = check_event_stream(tool, sm, op)
        assert not problems, "\n".join(problems)
        return
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


@pytest.mark.parametrize("service", SERVICES)
def test_client(tool, service):
    problems = check_client(tool, service)
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
    other = new.metadata.get("protocol") != old.metadata.get("protocol")
    if other:
        # A newer model that lists several protocols (CloudWatch: smithy-rpc-v2-cbor, json, query):
        # the query one is what this server row speaks; the others have their own tests.
        from botocore.model import ServiceModel

        d = dict(new._service_description, metadata=dict(new.metadata, protocol=old.metadata["protocol"]))
        new = ServiceModel(d, service_name=service)
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
        # (a client of that botocore speaks its preferred protocol, another row's: not here)
        p = [] if other else check_client(tool, service)
        counts["client_calls"] = 0 if other else len(CLIENT_CALLS[service])
        counts["failed"] += len(p)
        problems += p
        problems += protohelp.check_shared_errors(tool, new, old, counts)
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
