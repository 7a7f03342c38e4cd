"""S3 answers that moto's S3 test suite (run against gureum, see tests/README.md
"moto's S3 tests") showed to differ from AWS, each checked against AWS's own
answers (moto's aws_verified tests, LocalStack's recordings, the API reference):
schema errors inside XML bodies, malformed ranges, HeadObject's Content-Range,
bucket tagging, part numbers, ListParts' marker, public access blocks, Select
on a missing key and CopyObject's storage class. One server for the module,
boto3 1.26.
"""
import base64
import hashlib
import http.client
import os

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

from conftest import remove_bucket

SCHEMA = "The XML you provided was not well-formed or did not validate against our published schema"


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


@pytest.fixture
def bucket(s3):
    b = ("grm-moto-%s" % os.urandom(3).hex()).lower()
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def refused(call, **kw):
    """(HTTP status, error code, message, the whole Error) of a call that must fail."""
    with pytest.raises(ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"], r["Error"]


def test_missing_element_inside_a_body_is_malformed_xml(gureum, s3, bucket):
    """AWS: a required element missing inside an XML body is MalformedXML,
    checked before the bucket is looked up."""
    assert refused(s3.delete_objects, Bucket=bucket, Delete={"Objects": []})[:3] == (400, "MalformedXML", SCHEMA)
    assert refused(s3.delete_objects, Bucket=bucket + "-none", Delete={"Objects": []})[:3] == \
        (400, "MalformedXML", SCHEMA)
    assert refused(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": []})[:3] == \
        (400, "MalformedXML", SCHEMA)
    # boto3 checks a Tag's Key and Value itself: the XML goes signed by hand
    body = b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>'
    status, text = signed(gureum, "PUT", "/%s?tagging" % bucket, body)
    assert status == 400 and "<Code>MalformedXML</Code>" in text and "<Message>%s</Message>" % SCHEMA in text


def signed(gureum, method, path, body=b"", headers=None):
    """(status, text) of a request with an XML body signed by hand, for what
    boto3 checks or lacks itself."""
    hdrs = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
            "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    hdrs.update(headers or {})
    req = botocore.awsrequest.AWSRequest(method=method, url=gureum.endpoint + path, data=body, headers=hdrs)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    p = req.prepare()
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=10)
    conn.request(method, p.url[len(gureum.endpoint):], body=body, headers=dict(p.headers))
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, text


def test_malformed_range_is_served_whole(s3, bucket):
    """AWS ignores a Range it cannot read ("bytes=0--1", "bytes=-1-"): 200 and
    every byte."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789")
    for rng in ("bytes=0--1", "bytes=-1-", "bytes=1-0"):
        got = s3.get_object(Bucket=bucket, Key="k", Range=rng)
        assert (got["ResponseMetadata"]["HTTPStatusCode"], got["Body"].read()) == (200, b"0123456789"), rng
        assert "ContentRange" not in got
    got = s3.get_object(Bucket=bucket, Key="k", Range="bytes=2-3")
    assert (got["ResponseMetadata"]["HTTPStatusCode"], got["ContentRange"]) == (206, "bytes 2-3/10")


def test_head_object_answers_content_range(s3, bucket):
    """AWS (moto's aws_verified test_head_object*): HeadObject with a Range or a
    partNumber is 206 with Content-Range; without, no Content-Range."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789")
    headers = lambda **kw: s3.head_object(Bucket=bucket, Key="k", **kw)["ResponseMetadata"]
    plain = headers()
    assert plain["HTTPStatusCode"] == 200 and "content-range" not in plain["HTTPHeaders"]
    part = headers(PartNumber=1)
    assert (part["HTTPStatusCode"], part["HTTPHeaders"]["content-range"]) == (206, "bytes 0-9/10")
    ranged = headers(Range="bytes=0-")
    assert (ranged["HTTPStatusCode"], ranged["HTTPHeaders"]["content-range"],
            ranged["HTTPHeaders"]["content-length"]) == (206, "bytes 0-9/10", "10")


def test_put_bucket_tagging_is_204_and_empty_deletes(s3, bucket):
    """AWS (LocalStack's recorded test_bucket_tagging_crud): PutBucketTagging is
    204 No Content; an empty TagSet deletes the tagging."""
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "a", "Value": "1"}]
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": []})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refused(s3.get_bucket_tagging, Bucket=bucket)[:3] == (404, "NoSuchTagSet", "The TagSet does not exist")


def test_part_number_out_of_range_names_the_argument(s3, bucket):
    """AWS (LocalStack's recorded test_complete_multipart_parts_order)."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    for n in (-1, 10001):
        status, code, msg, e = refused(s3.upload_part, Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=b"x")
        assert (status, code, msg, e["ArgumentName"], e["ArgumentValue"]) == \
            (400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", "partNumber", str(n))
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid)


def test_list_parts_always_answers_next_marker(s3, bucket):
    """AWS (LocalStack's recorded test_multipart_and_list_parts): 0 before any
    part, then the last part listed."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["NextPartNumberMarker"] == 0
    s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"x")
    s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=2, Body=b"y")
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["NextPartNumberMarker"] == 2
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid)


def test_public_access_block_defaults(s3, bucket):
    """AWS: a flag left out of the configuration reads as false; a configuration
    with none is refused."""
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    assert refused(s3.put_public_access_block, Bucket=bucket, PublicAccessBlockConfiguration={})[:3] == \
        (400, "InvalidRequest", "Must specify at least one configuration.")


def test_select_on_a_missing_key_is_no_such_key(s3, bucket):
    """AWS (moto's aws_verified test_select_unknown_key): NoSuchKey naming the
    key, even for an input gureum cannot read (BZIP2)."""
    status, code, msg, e = refused(
        s3.select_object_content, Bucket=bucket, Key="unknown", Expression="SELECT count(*) FROM S3Object",
        ExpressionType="SQL", InputSerialization={"CSV": {}, "CompressionType": "BZIP2"},
        OutputSerialization={"CSV": {}})
    assert (status, code, msg, e["Key"]) == (404, "NoSuchKey", "The specified key does not exist.", "unknown")


def test_copy_is_standard_unless_told(s3, bucket):
    """AWS (CopyObject, x-amz-storage-class): "If the x-amz-storage-class header
    is not used, the copied object will be stored in the STANDARD Storage Class
    by default"."""
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "ia"})
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="copy")
    s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "ia"}, StorageClass="ONEZONE_IA")
    assert s3.head_object(Bucket=bucket, Key="copy2")["StorageClass"] == "ONEZONE_IA"


def test_copy_in_place_with_bucket_encryption(s3, bucket):
    """AWS (LocalStack's recorded test_copy_in_place_with_bucket_encryption and
    test_s3_copy_object_in_place): copying an object onto itself unchanged is
    illegal, unless the bucket has a default encryption put on it."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    status, code, msg, _ = refused(s3.copy_object, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"})
    assert (status, code) == (400, "InvalidRequest") and msg.startswith("This copy request is illegal")
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]})
    got = s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"})
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200 and got["ServerSideEncryption"] == "AES256"


def test_copy_of_a_missing_version_is_no_such_version(s3, bucket):
    """AWS: a copy source naming a version that does not exist is answered as
    GetObject answers it, 404 NoSuchVersion naming Key and VersionId."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    vid = s3.put_object(Bucket=bucket, Key="a", Body=b"x")["VersionId"]
    for call in (lambda: s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "nope", "VersionId": vid}),
                 lambda: s3.get_object(Bucket=bucket, Key="nope", VersionId=vid)):
        status, code, msg, e = refused(call)
        assert (status, code, msg, e["Key"], e["VersionId"]) == \
            (404, "NoSuchVersion", "The specified version does not exist.", "nope", vid)


def test_object_lock_configuration_without_a_body(s3, bucket):
    """AWS (moto's aws_verified test_put_object_lock_misconfiguration): no body
    is MissingRequestBodyError, an empty configuration MalformedXML."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert refused(s3.put_object_lock_configuration, Bucket=bucket)[:3] == \
        (400, "MissingRequestBodyError", "Request Body is empty")
    assert refused(s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration={})[:3] == \
        (400, "MalformedXML", SCHEMA)


def test_list_object_versions_encodes_prefix_and_markers(s3, bucket):
    """AWS (ListObjectVersions): with encoding-type=url (boto3 asks for it)
    KeyMarker, Prefix and Delimiter come back encoded too, so boto3's decoding
    gives back what was sent ("+" is no space)."""
    s3.put_object(Bucket=bucket, Key="file+else.txt", Body=b"x")
    got = s3.list_object_versions(Bucket=bucket, Prefix="file+else", Delimiter="+", KeyMarker="a+b")
    assert (got["Prefix"], got["Delimiter"], got["KeyMarker"]) == ("file+else", "+", "a+b")
    got = s3.list_object_versions(Bucket=bucket, Prefix="file+else")
    assert [v["Key"] for v in got["Versions"]] == ["file+else.txt"]


def test_tagging_a_delete_marker_names_method_and_resource(s3, bucket):
    """AWS (moto's aws_verified test_put_object_tagging_on_deleted_version,
    LocalStack's recorded put-acl-delete-marker): 405 naming Method and ResourceType."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    status, code, msg, e = refused(s3.put_object_tagging, Bucket=bucket, Key="k", VersionId=marker,
                                   Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert (status, code, msg, e["Method"], e["ResourceType"]) == \
        (405, "MethodNotAllowed", "The specified method is not allowed against this resource.", "PUT", "DeleteMarker")


def test_if_match_takes_an_etag_without_its_quotes(s3, bucket):
    # AWS (moto's aws_verified test_put_object_if_match): a PutObject If-Match
    # with the ETag unquoted, or with one quote left off, still matches; a
    # wrong one is 412, and on a missing key NoSuchKey. boto3 1.26 has no
    # IfMatch member on PutObject, so the header is added before signing.
    def put(key, body, if_match):
        def add(request, **_):
            request.headers["If-Match"] = if_match

        s3.meta.events.register_first("before-sign.s3.PutObject", add)
        try:
            return s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
        finally:
            s3.meta.events.unregister("before-sign.s3.PutObject", add)

    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"test")["ETag"]
    with pytest.raises(ClientError) as e:
        put("k", b"x", '"0123"')
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    etag2 = put("k", b"test2", etag.strip('"'))
    etag3 = put("k", b"test3", etag2[1:])
    put("k", b"test4", etag3[:-1])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"test4"
    # GetObject's If-Match compares the same way
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=s3.head_object(Bucket=bucket, Key="k")["ETag"][1:])
    with pytest.raises(ClientError) as e:
        put("unknown", b"x", "test")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"


def test_conditional_deletes(gureum, s3, bucket):
    # AWS (conditional deletes, general purpose buckets since 2025-09; moto's
    # aws_verified test_delete_object_if_match): DeleteObject with If-Match
    # deletes only the current version with that ETag (or any, for *); a
    # wrong ETag is 412 PreconditionFailed naming If-Match, a missing key
    # NoSuchKey. boto3 1.26 lacks the member: the header goes in before signing.
    def delete(key, if_match, **kw):
        def add(request, **_):
            request.headers["If-Match"] = if_match

        s3.meta.events.register_first("before-sign.s3.DeleteObject", add)
        try:
            return s3.delete_object(Bucket=bucket, Key=key, **kw)
        finally:
            s3.meta.events.unregister("before-sign.s3.DeleteObject", add)

    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"test")["ETag"]
    status, code, msg, err = refused(delete, key="k", if_match="test")
    assert (status, code, msg, err["Condition"]) == \
        (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "If-Match")
    assert s3.head_object(Bucket=bucket, Key="k")["ETag"] == etag
    assert delete("k", etag)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refused(delete, key="k", if_match="test")[:2] == (404, "NoSuchKey")
    assert refused(delete, key="k", if_match="*")[:2] == (404, "NoSuchKey")
    s3.put_object(Bucket=bucket, Key="k", Body=b"again")
    delete("k", "*")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    # a delete marker is no current object to match
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="v", Body=b"one")
    assert delete("v", v1["ETag"])["DeleteMarker"] is True
    assert refused(delete, key="v", if_match="*")[:2] == (404, "NoSuchKey")
    # the size and time conditions are for directory buckets only: 501
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    status, text = signed(gureum, "DELETE", "/%s/d" % bucket, headers={"x-amz-if-match-size": "1"})
    assert status == 501 and "<Header>x-amz-if-match-size</Header>" in text
    assert s3.head_object(Bucket=bucket, Key="d")

    # DeleteObjects: the ETag element of each object is its condition
    a = s3.put_object(Bucket=bucket, Key="a", Body=b"a")["ETag"]
    s3.put_object(Bucket=bucket, Key="b", Body=b"b")
    body = ('<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            '<Object><Key>a</Key><ETag>%s</ETag></Object>'
            '<Object><Key>b</Key><ETag>"0123"</ETag></Object>'
            '<Object><Key>none</Key><ETag>*</ETag></Object></Delete>' % a).encode()
    status, text = signed(gureum, "POST", "/%s?delete" % bucket, body)
    assert status == 200
    assert "<Deleted><Key>a</Key>" in text
    assert "<Error><Key>b</Key><Code>PreconditionFailed</Code>" in text
    assert "<Error><Key>none</Key><Code>NoSuchKey</Code>" in text
    keys = {o["Key"] for o in s3.list_object_versions(Bucket=bucket).get("Versions", []) if o["IsLatest"]}
    assert "b" in keys and "a" not in keys
