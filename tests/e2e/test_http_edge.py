"""What a service answers at the HTTP level in a way of its own (services/registry.h's
svc_edge_t): DynamoDB's content codings (gzip and deflate request bodies inflated, answers
of 4 KB or more compressed for an Accept-Encoding that asks), its 16 MB request limit, its
Server header and bodiless TagResource; the Date header on every answer; a coral service's
date check before the rest of the signature; strict base64 and bare SerializationException
in DynamoDB's JSON. AWS's answers as ScyllaDB's Alternator suite, written to pass against
DynamoDB, expects them."""
import base64
import binascii
import gzip
import http.client
import json
import zlib

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def _signed(g, op, body, extra=None, service="dynamodb", target="DynamoDB_20120810", version="1.0"):
    """Headers of a DynamoDB call signed over body (bytes), plus extra headers added
    after signing, as a client compressing its body or adding Accept-Encoding does."""
    req = AWSRequest(method="POST", url=g.endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-amz-json-" + version,
                              "X-Amz-Target": target + "." + op})
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(req)
    h = dict(req.headers.items())
    h.update(extra or {})
    return h


def _post(g, headers, body):
    """(status, headers (lower-case names), body bytes) of one POST / on a new connection."""
    c = http.client.HTTPConnection("127.0.0.1", g.port, timeout=30)
    try:
        c.request("POST", "/", body=body, headers=headers)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def _call(g, op, doc, coding=None, extra=None):
    raw = json.dumps(doc).encode()
    body = raw
    hdrs = dict(extra or {})
    if coding == "gzip":
        body = gzip.compress(raw)
    elif coding == "deflate":
        body = zlib.compress(raw)
    if coding:
        hdrs["Content-Encoding"] = coding
    return _post(g, _signed(g, op, body, hdrs), body)


@pytest.fixture(scope="module")
def table(gureum):
    ddb = gureum.client("dynamodb")
    ddb.create_table(TableName="edge", KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    return ddb


def _item(ddb, p):
    return ddb.get_item(TableName="edge", Key={"p": {"S": p}}, ConsistentRead=True).get("Item")


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_compressed_request_bodies_are_inflated(gureum, table, coding):
    doc = {"TableName": "edge", "Item": {"p": {"S": "c-" + coding}, "v": {"S": "x" * 5000}}}
    status, _, body = _call(gureum, "PutItem", doc, coding)
    assert status == 200, body
    assert _item(table, "c-" + coding)["v"]["S"] == "x" * 5000


def test_gzip_members_one_after_another_and_trailing_bytes(gureum, table):
    # gzip(1) reads concatenated members as one stream; bytes after the last member that
    # start no member are ignored, as DynamoDB ignores them
    raw = json.dumps({"TableName": "edge", "Item": {"p": {"S": "two"}, "v": {"N": "2"}}}).encode()
    body = gzip.compress(raw[:20]) + gzip.compress(raw[20:])
    status, _, _ = _post(gureum, _signed(gureum, "PutItem", body, {"Content-Encoding": "gzip"}), body)
    assert status == 200
    assert _item(table, "two")["v"] == {"N": "2"}
    raw = json.dumps({"TableName": "edge", "Item": {"p": {"S": "junk"}}}).encode()
    body = gzip.compress(raw) + b"junk"
    status, _, _ = _post(gureum, _signed(gureum, "PutItem", body, {"Content-Encoding": "gzip"}), body)
    assert status == 200 and _item(table, "junk")


@pytest.mark.parametrize("coding,mangle", [
    ("garbage", lambda b: b),                  # a coding DynamoDB does not read
    ("gzip", lambda b: gzip.compress(b)[:-1]),  # a member cut short
    ("gzip", lambda b: b""),                   # nothing at all
    ("deflate", lambda b: b),                  # plain bytes called deflate
])
def test_undecodable_bodies_are_internal_server_errors(gureum, table, coding, mangle):
    key = "bad-%s-%d" % (coding, len(mangle(b"xy")))
    raw = json.dumps({"TableName": "edge", "Item": {"p": {"S": key}}}).encode()
    body = mangle(raw)
    status, _, answer = _post(gureum, _signed(gureum, "PutItem", body, {"Content-Encoding": coding}), body)
    assert status == 500
    assert json.loads(answer)["__type"].endswith("#InternalServerError")
    assert _item(table, key) is None


def test_content_encoding_of_other_services_is_not_decoded(gureum):
    # only DynamoDB's edge inflates: an SQS JSON body called gzip is read as it is
    raw = json.dumps({"QueueName": "edge-q"}).encode()
    h = _signed(gureum, "CreateQueue", raw, {"Content-Encoding": "gzip"}, service="sqs", target="AmazonSQS")
    status, _, body = _post(gureum, h, raw)
    assert status == 200, body


def test_large_answers_are_compressed_for_accept_encoding(gureum, table):
    table.put_item(TableName="edge", Item={"p": {"S": "big"}, "a": {"S": "y" * 3000}, "b": {"S": "y" * 3000}})
    get = {"TableName": "edge", "Key": {"p": {"S": "big"}}, "ConsistentRead": True}
    # without Accept-Encoding (or with identity, as botocore sends): plain JSON
    for extra in ({}, {"Accept-Encoding": "identity"}):
        status, h, body = _call(gureum, "GetItem", get, extra=extra)
        assert status == 200 and "content-encoding" not in h
        assert json.loads(body)["Item"]["a"]["S"] == "y" * 3000
    for coding, inflate in (("gzip", gzip.decompress), ("deflate", zlib.decompress)):
        status, h, body = _call(gureum, "GetItem", get, extra={"Accept-Encoding": coding})
        assert status == 200 and h["content-encoding"] == coding
        assert len(body) < 200
        assert json.loads(inflate(body))["Item"]["b"]["S"] == "y" * 3000
        # the checksum covers the bytes sent: botocore checks it before decoding anything
        assert int(h["x-amz-crc32"]) == binascii.crc32(body)
    # an answer under 4 KB is sent as it is
    small = dict(get, ProjectionExpression="a")
    status, h, body = _call(gureum, "GetItem", small, extra={"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in h and json.loads(body)["Item"]["a"]


@pytest.mark.parametrize("accept,chosen", [
    ("gzip, deflate", "gzip"),
    ("br, identity, deflate, gzip", "deflate"),
    ("gzip;q=0.8, deflate;q=0.5", "gzip"),
    ("*", "gzip"),
    ("*, gzip;q=0.5", "deflate"),
    ("*;q=0", None),
    ("x-gzip", None),
    ("gzip;q=0", None),
])
def test_accept_encoding_is_weighed(gureum, table, accept, chosen):
    table.put_item(TableName="edge", Item={"p": {"S": "weigh"}, "a": {"S": "z" * 5000}})
    get = {"TableName": "edge", "Key": {"p": {"S": "weigh"}}}
    status, h, _ = _call(gureum, "GetItem", get, extra={"Accept-Encoding": accept})
    assert status == 200 and h.get("content-encoding") == chosen


def test_request_over_16_mb_is_413(gureum, table):
    body = b'{"TableName": "edge", ' + b" " * (17 << 20) + b'"Item": {"p": {"S": "huge"}}}'
    c = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    try:
        c.putrequest("POST", "/")
        for k, v in _signed(gureum, "PutItem", body).items():
            c.putheader(k, v)
        c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        try:
            c.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered before the body was read, and the connection closed
        assert c.getresponse().status == 413
    finally:
        c.close()
    assert _item(table, "huge") is None


def test_chunked_request_over_16_mb_is_413(gureum, table):
    body = b'{"TableName": "edge", ' + b" " * (17 << 20) + b'"Item": {"p": {"S": "huge2"}}}'
    h = _signed(gureum, "PutItem", body)
    h.pop("Content-Length", None)
    c = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    try:
        c.putrequest("POST", "/")
        for k, v in h.items():
            c.putheader(k, v)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        try:
            for i in range(0, len(body), 1 << 20):
                piece = body[i:i + (1 << 20)]
                c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            c.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert c.getresponse().status == 413
    finally:
        c.close()
    assert _item(table, "huge2") is None


def test_server_and_date_headers(gureum, table):
    r = table.describe_table(TableName="edge")
    h = r["ResponseMetadata"]["HTTPHeaders"]
    assert h["server"] == "Server" and h["date"].endswith(" GMT")
    with pytest.raises(ClientError) as e:
        table.describe_table(TableName="nope")
    h = e.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert h["server"] == "Server" and "date" in h
    h = gureum.client("s3").list_buckets()["ResponseMetadata"]["HTTPHeaders"]
    assert h["server"] == "AmazonS3" and "date" in h
    h = gureum.client("sqs").list_queues()["ResponseMetadata"]["HTTPHeaders"]
    assert "date" in h


def test_tag_operations_answer_no_body(gureum, table):
    arn = table.describe_table(TableName="edge")["Table"]["TableArn"]
    for op, doc in (("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}),
                    ("UntagResource", {"ResourceArn": arn, "TagKeys": ["k"]})):
        status, h, body = _call(gureum, op, doc)
        assert status == 200 and body == b"" and h["x-amz-crc32"] == "0"
    # and botocore reads that as the empty answer it is
    table.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    assert table.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "b"}]


@pytest.mark.parametrize("date,text", [("20170101T010101Z", "Signature expired"),
                                       ("30200101T010101Z", "Signature not yet current")])
def test_signature_date_is_judged_first(gureum, date, text):
    # a malformed Authorization of an unknown key, dated out of the window: the date is what
    # DynamoDB answers about
    h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": date,
         "X-Amz-Target": "DynamoDB_20120810.DescribeEndpoints",
         "Authorization": "AWS4-HMAC-SHA256 Credential=nobody/2/3/4/aws4_request "
                          "SignedHeaders=x-amz-date;host Signature=123"}
    status, _, body = _post(gureum, h, b"{}")
    answer = json.loads(body)
    assert status == 400 and answer["__type"].endswith("InvalidSignatureException")
    assert answer["message"].startswith(text + ": " + date)


def test_base64_without_padding_is_a_serialization_error(gureum, table):
    doc = {"TableName": "edge", "Item": {"p": {"S": "b64"}, "b": {"B": "YWJjZGVmZ2g"}}}
    status, _, body = _call(gureum, "PutItem", doc)
    answer = json.loads(body)
    assert status == 400 and answer["__type"].endswith("SerializationException")
    assert answer["Message"] == "Base64 encoded length is expected a multiple of 4 bytes but found: 11"
    doc["Item"]["b"]["B"] = base64.b64encode(b"abcdefgh").decode()
    assert _call(gureum, "PutItem", doc)[0] == 200


def test_body_that_is_no_json_is_a_bare_serialization_error(gureum):
    h = _signed(gureum, "PutItem", b"{broken json")
    status, _, body = _post(gureum, h, b"{broken json")
    assert status == 400
    assert json.loads(body) == {"__type": "com.amazon.coral.service#SerializationException"}


def _nested(levels):
    """A map attribute value with `levels` levels of nesting, the value itself the first."""
    v = {"S": "leaf"}
    for _ in range(levels - 1):
        v = {"M": {"a": v}}
    return v


def test_thirty_two_levels_of_nesting(gureum, table):
    table.put_item(TableName="edge", Item={"p": {"S": "deep"}, "n": _nested(32)})
    assert _item(table, "deep")["n"] == _nested(32)
    with pytest.raises(ClientError) as e:
        table.put_item(TableName="edge", Item={"p": {"S": "deeper"}, "n": _nested(33)})
    assert "nested levels beyond supported limit" in str(e.value)
    with pytest.raises(ClientError) as e:
        table.put_item(TableName="edge", Item={"p": {"S": "deeper"}, "n": _nested(50)})
    assert "ValidationException" in str(e.value) and "nested" in str(e.value)


def _raw(g, method, path="/", headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", g.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"


def test_preflight_to_the_api_endpoint(gureum):
    # what a browser sends before the JavaScript SDK's first DynamoDB, SQS, ... call
    asked = "content-type,x-amz-target,x-amz-date,authorization,amz-sdk-invocation-id,amz-sdk-request"
    status, h, body = _raw(gureum, "OPTIONS", headers={"Origin": "https://app.example",
                                                      "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": asked})
    assert status == 200 and body == b""
    assert h["access-control-allow-origin"] == "*"
    assert h["access-control-allow-methods"] == "POST"
    assert h["access-control-allow-headers"] == asked
    assert h["access-control-expose-headers"] == EXPOSE
    assert h["access-control-max-age"] == "172800"
    # a bucket's preflight is still the bucket's CORS configuration's to answer
    status, h, _ = _raw(gureum, "OPTIONS", "/no-such-cors-bucket/k",
                        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert status == 403 and "access-control-allow-origin" not in h


def test_browser_requests_get_cors_headers(gureum, table):
    origin = {"Origin": "https://app.example"}
    status, h, _ = _call(gureum, "ListTables", {}, extra=origin)
    assert status == 200 and h["access-control-allow-origin"] == "*"
    assert h["access-control-expose-headers"] == EXPOSE
    # an error too: the page must be able to read it
    status, h, _ = _call(gureum, "DescribeTable", {"TableName": "nope"}, extra=origin)
    assert status == 400 and h["access-control-allow-origin"] == "*"
    # Kinesis and Lambda expose a few more headers of their own
    h = _signed(gureum, "ListStreams", b"{}", origin, service="kinesis", target="Kinesis_20131202", version="1.1")
    status, hd, _ = _post(gureum, h, b"{}")
    assert status == 200 and "x-amz-id-2" in hd["access-control-expose-headers"]
    # no Origin, no CORS headers
    status, h, _ = _call(gureum, "ListTables", {})
    assert status == 200 and "access-control-allow-origin" not in h


def test_browser_requests_get_cors_headers_from_query_and_rest_services(gureum):
    for service in ("sqs", "sts", "lambda"):
        c = gureum.client(service)
        seen = {}

        def add_origin(request, **kw):
            request.headers["Origin"] = "https://app.example"

        c.meta.events.register("before-sign", add_origin)
        c.meta.events.register("response-received", lambda response_dict=None, **kw:
                               seen.update({k.lower(): v for k, v in response_dict["headers"].items()}))
        {"sqs": lambda: c.list_queues(), "sts": lambda: c.get_caller_identity(),
         "lambda": lambda: c.list_functions()}[service]()
        assert seen["access-control-allow-origin"] == "*", service
        if service == "lambda":
            assert seen["access-control-expose-headers"].endswith("x-amz-log-result,x-amz-function-error")


@pytest.mark.parametrize("ctype,body,code", [
    ("application/x-amz-json-1.0", b"hi", "SerializationException"),
    ("application/json; charset=utf-8", b"hi", "SerializationException"),
    ("application/x-amz-json-1.0", b"{}", "UnknownOperationException"),
    (None, b"", "UnknownOperationException"),
])
def test_unsigned_json_post_to_the_root_is_a_json_endpoints(gureum, ctype, body, code):
    # S3 takes no POST at "/": one that speaks JSON (or nothing) without naming a service is
    # answered as DynamoDB's endpoint answers it, the body judged before the operation
    headers = {"Content-Type": ctype} if ctype else {}
    status, h, answer = _raw(gureum, "POST", headers=headers, body=body)
    assert status == 400
    assert json.loads(answer) == {"__type": "com.amazon.coral.service#" + code}
    assert len(h["x-amzn-requestid"]) == 52


def test_json_services_answer_void_operations_with_no_body(gureum):
    # Kinesis as DynamoDB (kinesalite's suite, run against AWS): an operation without output has no body,
    # and an error without a message has no message member
    body = json.dumps({"StreamName": "void-body", "ShardCount": 1}).encode()
    h = _signed(gureum, "CreateStream", body, service="kinesis", target="Kinesis_20131202", version="1.1")
    status, _, answer = _post(gureum, h, body)
    assert status == 200 and answer == b""
    h = _signed(gureum, "NoSuchOperation", b"{}", service="kinesis", target="Kinesis_20131202", version="1.1")
    status, _, answer = _post(gureum, h, b"{}")
    assert status == 400 and json.loads(answer) == {"__type": "UnknownOperationException"}  # Kinesis: unqualified
