"""S3 behaviour outside the everyday object path, end to end with boto3 1.26 and
the AWS CLI: server-side encryption (SSE-S3 by default on every object, a
bucket's default SSE-KMS, SSE-C keys that reads must present, and the header
conflicts AWS refuses). One server for the module.
"""
import base64
import datetime
import hashlib
import json
import os
import re

import pytest
from botocore.exceptions import ClientError

from conftest import remove_bucket


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def name(tag):
    return ("grm-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture
def bucket(s3):
    b = name("b")
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def err(call, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response["Error"]["Code"]


def sse(resp):
    return resp["ResponseMetadata"]["HTTPHeaders"].get("x-amz-server-side-encryption")


def with_headers(s3, event, headers):
    """Adds raw headers to one operation's requests (members boto3 1.26 lacks)."""
    def add(params, **_):
        params["headers"].update(headers)
    s3.meta.events.register("before-call.s3." + event, add)
    return lambda: s3.meta.events.unregister("before-call.s3." + event, add)


# ==== SSE-S3 by default ====
# AWS: since January 5, 2023 every new object is encrypted with SSE-S3 unless
# the request or the bucket's default names another method; responses say so.

def test_every_write_and_read_says_aes256(s3, bucket):
    assert sse(s3.put_object(Bucket=bucket, Key="a", Body=b"x")) == "AES256"
    assert sse(s3.get_object(Bucket=bucket, Key="a")) == "AES256"
    assert s3.head_object(Bucket=bucket, Key="a")["ServerSideEncryption"] == "AES256"
    assert s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})[
        "ServerSideEncryption"] == "AES256"
    up = s3.create_multipart_upload(Bucket=bucket, Key="m")
    assert up["ServerSideEncryption"] == "AES256"
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=up["UploadId"], PartNumber=1, Body=b"p")
    assert part["ServerSideEncryption"] == "AES256"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ServerSideEncryption"] == "AES256"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_cli_put_object_reports_encryption(gureum, cli, s3, bucket, tmp_path):
    f = tmp_path / "body"
    f.write_bytes(b"cli")
    p = gureum.aws("s3api", "put-object", "--bucket", bucket, "--key", "c", "--body", str(f), cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["ServerSideEncryption"] == "AES256"
    p = gureum.aws("s3api", "head-object", "--bucket", bucket, "--key", "c", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["ServerSideEncryption"] == "AES256"


def test_bucket_default_kms_and_explicit_methods(s3, bucket):
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "key-1"},
        "BucketKeyEnabled": True}]})
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"], put["BucketKeyEnabled"]) == ("aws:kms", "key-1", True)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", "key-1")
    # the request's own method wins over the bucket's default
    assert s3.put_object(Bucket=bucket, Key="s", Body=b"x", ServerSideEncryption="AES256")[
        "ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="s")["ServerSideEncryption"] == "AES256"
    s3.delete_bucket_encryption(Bucket=bucket)
    assert sse(s3.put_object(Bucket=bucket, Key="d", Body=b"x")) == "AES256"
    # aws:kms without a key id uses the account's AWS managed key
    put = s3.put_object(Bucket=bucket, Key="m", Body=b"x", ServerSideEncryption="aws:kms")
    assert put["SSEKMSKeyId"].endswith(":alias/aws/s3")


def test_bad_or_conflicting_encryption_headers(s3, bucket):
    undo = with_headers(s3, "PutObject", {"x-amz-server-side-encryption": "aes:kms"})
    try:
        assert err(s3.put_object, Bucket=bucket, Key="x", Body=b"x") == (400, "InvalidArgument")
    finally:
        undo()
    assert err(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="AES256",
               SSEKMSKeyId="key-1") == (400, "InvalidArgument")
    assert err(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="AES256",
               SSECustomerAlgorithm="AES256", SSECustomerKey=b"k" * 32) == (400, "InvalidArgument")
    s3.put_object(Bucket=bucket, Key="x", Body=b"x")
    # an SSE header on a read is refused
    undo = with_headers(s3, "HeadObject", {"x-amz-server-side-encryption": "AES256"})
    try:
        assert err(s3.head_object, Bucket=bucket, Key="x")[0] == 400
    finally:
        undo()


# ==== SSE-C ====

KEY, OTHER = b"k" * 32, b"o" * 32


def test_sse_c_reads_need_the_key(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"secret", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
    assert (put["SSECustomerAlgorithm"], put["SSECustomerKeyMD5"]) == ("AES256", md5)
    assert "ServerSideEncryption" not in put
    assert err(s3.get_object, Bucket=bucket, Key="c") == (400, "InvalidRequest")
    assert err(s3.get_object, Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256",
               SSECustomerKey=OTHER) == (403, "AccessDenied")
    got = s3.get_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    assert got["Body"].read() == b"secret" and got["SSECustomerKeyMD5"] == md5
    assert s3.head_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256",
                          SSECustomerKey=KEY)["SSECustomerAlgorithm"] == "AES256"
    # a copy reads its source with the source's key
    assert err(s3.copy_object, Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "c"})[0] == 400
    cp = s3.copy_object(Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "c"},
                        CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=KEY)
    assert cp["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"secret"
    # a key that is not 256 bits, or whose MD5 is wrong
    assert err(s3.put_object, Bucket=bucket, Key="e", Body=b"x", SSECustomerAlgorithm="AES256",
               SSECustomerKey=b"short") == (400, "InvalidArgument")
    assert err(s3.put_object, Bucket=bucket, Key="e", Body=b"x", SSECustomerAlgorithm="AES256",
               SSECustomerKey=KEY.decode(), SSECustomerKeyMD5="AAAAAAAAAAAAAAAAAAAAAA==") == (400, "InvalidArgument")


def test_sse_c_upload_parts_carry_the_key(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="m", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    assert up["SSECustomerAlgorithm"] == "AES256"
    uid = up["UploadId"]
    assert err(s3.upload_part, Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p")[0] == 400
    assert err(s3.upload_part, Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p",
               SSECustomerAlgorithm="AES256", SSECustomerKey=OTHER)[0] == 400
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p",
                          SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    # a completion that names a key must name the upload's
    assert err(s3.complete_multipart_upload, Bucket=bucket, Key="m", UploadId=uid, SSECustomerAlgorithm="AES256",
               SSECustomerKey=base64.b64encode(OTHER).decode(),
               SSECustomerKeyMD5=base64.b64encode(hashlib.md5(OTHER).digest()).decode(), MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})[0] == 400
    s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert err(s3.head_object, Bucket=bucket, Key="m")[0] == 400
    assert s3.get_object(Bucket=bucket, Key="m", SSECustomerAlgorithm="AES256",
                         SSECustomerKey=KEY)["Body"].read() == b"p"


# ==== lifecycle configuration ====

def test_lifecycle_rule_ids_and_midnight_dates(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"Expiration": {"Days": 31}, "Filter": {"Prefix": "a/"}, "Status": "Enabled"},
        {"ID": "mine", "Expiration": {"Days": 9}, "Filter": {"Prefix": "b/"}, "Status": "Enabled"}]})
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    # AWS makes up an ID for a rule put without one
    assert rules[0]["ID"] and rules[1]["ID"] == "mine"
    # AWS: "'Date' must be at midnight GMT" (Expiration and Transitions)
    for rule in ({"Expiration": {"Date": "2030-01-01T12:00:00Z"}},
                 {"Transitions": [{"Date": "2030-01-01T00:00:01Z", "StorageClass": "GLACIER"}]}):
        rule.update({"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled"})
        assert err(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                   LifecycleConfiguration={"Rules": [rule]}) == (400, "InvalidArgument")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "r", "Expiration": {"Date": "2030-01-01T00:00:00Z"}, "Filter": {"Prefix": ""}, "Status": "Enabled"}]})
    s3.delete_bucket_lifecycle(Bucket=bucket)


def test_expiration_header_names_the_rule(s3, bucket):
    """AWS: PutObject, CopyObject, GetObject and HeadObject answer
    x-amz-expiration: expiry-date="<midnight after creation + Days>",
    rule-id="<ID>" for the earliest enabled expiration rule that matches the
    object (prefix, tags), and nothing when none does."""
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "late", "Expiration": {"Days": 30}, "Filter": {"Prefix": "a/"}, "Status": "Enabled"},
        {"ID": "soon", "Expiration": {"Days": 2}, "Filter": {"Prefix": "a/x"}, "Status": "Enabled"},
        {"ID": "off", "Expiration": {"Days": 1}, "Filter": {"Prefix": ""}, "Status": "Disabled"},
        {"ID": "tagged", "Expiration": {"Days": 5},
         "Filter": {"And": {"Prefix": "t/", "Tags": [{"Key": "k", "Value": "v"}]}}, "Status": "Enabled"}]})
    put = s3.put_object(Bucket=bucket, Key="a/xy", Body=b"1")
    exp = put["Expiration"]
    created = datetime.datetime.utcnow()
    m = re.fullmatch(r'expiry-date="(.+)", rule-id="(.+)"', exp)
    assert m and m.group(2) == "soon"
    when = datetime.datetime.strptime(m.group(1), "%a, %d %b %Y %H:%M:%S GMT")
    assert (when.hour, when.minute, when.second) == (0, 0, 0)
    assert datetime.timedelta(days=2) < when - created <= datetime.timedelta(days=3)
    assert s3.head_object(Bucket=bucket, Key="a/xy")["Expiration"] == exp
    assert s3.get_object(Bucket=bucket, Key="a/xy")["Expiration"] == exp
    assert 'rule-id="late"' in s3.copy_object(Bucket=bucket, Key="a/b", CopySource="%s/a/xy" % bucket)["Expiration"]
    assert "Expiration" not in s3.put_object(Bucket=bucket, Key="b/1", Body=b"1")
    # a tag filter: only once the object carries the tag
    assert "Expiration" not in s3.put_object(Bucket=bucket, Key="t/1", Body=b"1")
    s3.put_object_tagging(Bucket=bucket, Key="t/1", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert 'rule-id="tagged"' in s3.head_object(Bucket=bucket, Key="t/1")["Expiration"]
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="a/xy")


# ==== checksums of multipart uploads ====

def test_multipart_composite_checksum(s3, bucket):
    """AWS: an upload created with a ChecksumAlgorithm completes with the
    algorithm over its parts' binary checksums, then "-N"; each part's checksum
    must be repeated in the completion, and a wrong whole checksum is BadDigest."""
    body = [b"a" * (5 << 20), b"b" * 100]
    digests = [hashlib.sha256(p).digest() for p in body]
    part_b64 = [base64.b64encode(d).decode() for d in digests]
    composite = base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode() + "-2"
    uid = s3.create_multipart_upload(Bucket=bucket, Key="ck", ChecksumAlgorithm="SHA256")["UploadId"]
    parts = []
    for i, p in enumerate(body, 1):
        r = s3.upload_part(Bucket=bucket, Key="ck", UploadId=uid, PartNumber=i, Body=p, ChecksumAlgorithm="SHA256")
        assert r["ChecksumSHA256"] == part_b64[i - 1]
        parts.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumSHA256": r["ChecksumSHA256"]})
    bare = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
    assert err(s3.complete_multipart_upload, Bucket=bucket, Key="ck", UploadId=uid,
               MultipartUpload={"Parts": bare}) == (400, "InvalidRequest")
    assert err(s3.complete_multipart_upload, Bucket=bucket, Key="ck", UploadId=uid, ChecksumSHA256="bad",
               MultipartUpload={"Parts": parts}) == (400, "BadDigest")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="ck", UploadId=uid, ChecksumSHA256=composite,
                                        MultipartUpload={"Parts": parts})
    assert done["ChecksumSHA256"] == composite
    # a retried completion answers the same
    again = s3.complete_multipart_upload(Bucket=bucket, Key="ck", UploadId=uid, MultipartUpload={"Parts": parts})
    assert (again["ETag"], again["ChecksumSHA256"]) == (done["ETag"], composite)
    assert "ChecksumSHA256" not in s3.head_object(Bucket=bucket, Key="ck")
    head = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == composite
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "COMPOSITE"
    put = s3.put_object(Bucket=bucket, Key="whole", Body=b"w", ChecksumAlgorithm="SHA256")
    assert put["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "FULL_OBJECT"
    # a part's read with ChecksumMode answers that part's checksum
    p2 = s3.get_object(Bucket=bucket, Key="ck", PartNumber=2, ChecksumMode="ENABLED")
    assert (p2["Body"].read(), p2["ChecksumSHA256"]) == (body[1], part_b64[1])
    assert p2["ResponseMetadata"]["HTTPHeaders"]["x-amz-checksum-type"] == "COMPOSITE"
    attrs = s3.get_object_attributes(Bucket=bucket, Key="ck", ObjectAttributes=["Checksum", "ObjectParts"])
    assert attrs["Checksum"]["ChecksumSHA256"] == composite
    assert [(p["PartNumber"], p["Size"], p["ChecksumSHA256"]) for p in attrs["ObjectParts"]["Parts"]] == \
        [(1, 5 << 20, part_b64[0]), (2, 100, part_b64[1])]


# ==== conditional writes ====

def _complete(s3, bucket, key, body, headers):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=body)["ETag"]
    undo = with_headers(s3, "CompleteMultipartUpload", headers)
    try:
        return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    finally:
        undo()
        for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])


def test_conditional_complete_multipart_upload(s3, bucket):
    """AWS: CompleteMultipartUpload honours If-None-Match: * and If-Match as
    PutObject does (boto3 1.26 has no such members: raw headers)."""
    first = _complete(s3, bucket, "k", b"one", {"If-None-Match": "*"})["ETag"]
    with pytest.raises(ClientError) as e:
        _complete(s3, bucket, "k", b"two", {"If-None-Match": "*"})
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(ClientError) as e:
        _complete(s3, bucket, "k", b"two", {"If-Match": '"nope"'})
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    second = _complete(s3, bucket, "k", b"two", {"If-Match": first})["ETag"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two" and second != first
    with pytest.raises(ClientError) as e:
        _complete(s3, bucket, "none", b"x", {"If-Match": '"abc"'})
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    # AWS: If-Match: *, If-None-Match with an ETag, or both, are 501 naming the header
    for headers, named, extra in [
            ({"If-Match": "*"}, "If-Match", "We don't accept the provided value of If-Match header for this API"),
            ({"If-None-Match": second}, "If-None-Match",
             "We don't accept the provided value of If-None-Match header for this API"),
            ({"If-Match": second, "If-None-Match": "*"}, "If-Match,If-None-Match",
             "Multiple conditional request headers present in the request")]:
        undo = with_headers(s3, "PutObject", headers)
        try:
            with pytest.raises(ClientError) as e:
                s3.put_object(Bucket=bucket, Key="k", Body=b"3")
        finally:
            undo()
        got = e.value.response
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 501 and got["Error"]["Code"] == "NotImplemented"
        assert (got["Error"]["Header"], got["Error"]["additionalMessage"]) == (named, extra)


def bdecode(b, i=0):
    """A bencoded value at b[i:] and the index after it (BitTorrent's BEP 3)."""
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c in (b"l", b"d"):
        i, items = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            items.append(v)
        if c == b"l":
            return items, i + 1
        keys = items[0::2]
        assert keys == sorted(keys), "bencoded keys must be sorted"
        return dict(zip(keys, items[1::2])), i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


def test_object_torrent(gureum, s3, bucket):
    data = os.urandom(600 * 1024 + 7)
    s3.put_object(Bucket=bucket, Key="movies/Avatar 2.mpg", Body=data)
    t, end = bdecode(s3.get_object_torrent(Bucket=bucket, Key="movies/Avatar 2.mpg")["Body"].read())
    info = t[b"info"]
    assert info[b"length"] == len(data) and info[b"name"] == b"Avatar 2.mpg"
    assert info[b"piece length"] == 262144
    pieces = [hashlib.sha1(data[k:k + 262144]).digest() for k in range(0, len(data), 262144)]
    assert info[b"pieces"] == b"".join(pieces) and len(pieces) == 3
    assert info[b"x-amz-bucket"] == bucket.encode() and info[b"x-amz-key"] == b"movies/Avatar 2.mpg"
    assert t[b"url-list"] == ("%s/%s/movies/Avatar%%202.mpg" % (gureum.endpoint, bucket)).encode()

    # a multipart object hashes across its parts; an empty one has one empty piece
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [os.urandom(5 * 1024 * 1024 + 100), os.urandom(1000)]
    etags = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=i + 1, Body=p)["ETag"]
             for i, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    whole = b"".join(parts)
    info = bdecode(s3.get_object_torrent(Bucket=bucket, Key="mp")["Body"].read())[0][b"info"]
    assert info[b"pieces"] == b"".join(hashlib.sha1(whole[k:k + 262144]).digest()
                                        for k in range(0, len(whole), 262144))
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    info = bdecode(s3.get_object_torrent(Bucket=bucket, Key="empty")["Body"].read())[0][b"info"]
    assert info[b"length"] == 0 and info[b"pieces"] == hashlib.sha1(b"").digest()

    with pytest.raises(ClientError) as e:
        s3.get_object_torrent(Bucket=bucket, Key="missing")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def refused(call):
    with pytest.raises(ClientError) as e:
        call()
    r = e.value.response
    return dict(r["Error"], status=r["ResponseMetadata"]["HTTPStatusCode"])


def test_refusals_name_their_argument(s3, bucket):
    """AWS's InvalidArgument answers name the argument at fault (ArgumentName,
    ArgumentValue); a version id S3 could not have made is InvalidArgument,
    not NoSuchVersion."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789")
    fake = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    bad_vid = {"Code": "InvalidArgument", "Message": "Invalid version id specified", "ArgumentName": "versionId",
               "ArgumentValue": fake, "status": 400}
    # a bucket never versioned has no version but "null"
    assert refused(lambda: s3.get_object(Bucket=bucket, Key="k", VersionId=fake)) == bad_vid
    assert refused(lambda: s3.delete_object(Bucket=bucket, Key="k", VersionId=fake)) == bad_vid
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"0123456789"

    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e = refused(lambda: s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1,
                                            CopySource="%s/k" % bucket, CopySourceRange="0-8"))
    assert (e["Code"], e["ArgumentName"], e["ArgumentValue"]) == ("InvalidArgument", "x-amz-copy-source-range", "0-8")
    e = refused(lambda: s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1,
                                            CopySource="%s/k" % bucket, CopySourceRange="bytes=100-200"))
    assert e == {"Code": "InvalidRequest", "Message": "The specified copy range is invalid for the source object size",
                 "status": 400}
    assert refused(lambda: s3.list_multipart_uploads(Bucket=bucket, KeyMarker="mp", UploadIdMarker="zzz")) == {
        "Code": "InvalidArgument", "Message": "Invalid uploadId marker", "ArgumentName": "upload-id-marker",
        "ArgumentValue": "zzz", "status": 400}
    listed = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="mp", UploadIdMarker=uid)
    assert listed.get("Uploads", []) == []  # the marker's own upload is past
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid)
    assert refused(lambda: s3.list_object_versions(Bucket=bucket, VersionIdMarker="abc")) == {
        "Code": "InvalidArgument", "Message": "A version-id marker cannot be specified without a key marker.",
        "ArgumentName": "version-id-marker", "ArgumentValue": "abc", "status": 400}

    # a versioned bucket: an altered id is invalid, a delete marker cannot be copied by its id
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    altered = v[:-4] + ("ABCD" if v[-4:] != "ABCD" else "WXYZ")
    assert refused(lambda: s3.delete_object(Bucket=bucket, Key="k", VersionId=altered))["Code"] == "InvalidArgument"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v)["Body"].read() == b"x"
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    assert refused(lambda: s3.copy_object(Bucket=bucket, Key="t", CopySource={
        "Bucket": bucket, "Key": "k", "VersionId": marker})) == {
        "Code": "InvalidRequest", "status": 400,
        "Message": "The source of a copy request may not specifically refer to a delete marker by version id."}
    assert refused(lambda: s3.copy_object(Bucket=bucket, Key="t", CopySource={"Bucket": bucket, "Key": "k"}))[
        "Code"] == "NoSuchKey"


def test_refusals_as_aws_words_them(s3, bucket):
    """S3's answers to malformed ACLs, tags, storage classes, policies,
    notification ARNs, lock modes and expected owners, with AWS's codes,
    texts and extra fields."""
    owner = s3.list_buckets()["Owner"]
    fake = "http://acs.amazonaws.com/groups/s3/FakeGroup"
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite='uri="%s"' % fake)) == {
        "Code": "InvalidArgument", "Message": "Invalid group uri", "ArgumentName": "uri", "ArgumentValue": fake,
        "status": 400}
    e = refused(lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite='fakekey="1234"'))
    assert (e["Message"], e["ArgumentName"]) == ("Argument format not recognized", "x-amz-grant-write")
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite='id="wrong-id"'))["Message"] == "Invalid id"
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket)) == {
        "Code": "MissingSecurityHeader", "Message": "Your request was missing a required header",
        "MissingHeaderName": "x-amz-acl", "status": 400}
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket, ACL="private", AccessControlPolicy={
        "Owner": owner, "Grants": []}))["Code"] == "UnexpectedContent"
    grant = {"Grantee": {"URI": fake, "Type": "Group"}, "Permission": "WRITE"}
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Grants": [grant]}))["Code"] == "MalformedACLError"
    assert refused(lambda: s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": owner, "Grants": [grant]}))["ArgumentName"] == "Group/URI"

    assert refused(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
        {"Key": "aws:prefixed", "Value": "x"}]})) == {
        "Code": "InvalidTag", "Message": "System tags cannot be added/updated by requester", "TagKey": "aws:prefixed",
        "status": 400}
    assert refused(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
        {"Key": "Key1", "Value": "Val1,Val2"}]})) == {
        "Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagKey": "Key1",
        "TagValue": "Val1,Val2", "status": 400}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert refused(lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [
        {"Key": "aws:prefixed", "Value": "x"}]}))["Message"] == "Your TagKey cannot be prefixed with aws:"

    assert refused(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="OUTPOSTS")) == {
        "Code": "InvalidStorageClass", "Message": "The storage class you specified is not valid",
        "StorageClassRequested": "OUTPOSTS", "status": 400}
    assert refused(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="BAD-VALUE",
                                         ObjectLockRetainUntilDate=datetime.datetime(2030, 1, 1)))[
        "Message"] == "Unknown wormMode directive."
    assert refused(lambda: s3.delete_object(Bucket=bucket, Key="k", BypassGovernanceRetention=True))[
        "Message"] == "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets."
    assert refused(lambda: s3.get_bucket_acl(Bucket=bucket, ExpectedBucketOwner="abcd")) == {
        "Code": "InvalidBucketOwnerAWSAccountID", "status": 400,
        "Message": "The value of the expected bucket owner parameter must be an AWS Account ID... [abcd]"}
    assert refused(lambda: s3.get_bucket_acl(Bucket=bucket, ExpectedBucketOwner="999999999999"))[
        "Code"] == "AccessDenied"

    for text, msg in [("", "Policies must be valid JSON and the first byte must be '{'"),
                      ("randomstring", "Policies must be valid JSON and the first byte must be '{'"),
                      ("{}", "Missing required field Statement")]:
        assert refused(lambda: s3.put_bucket_policy(Bucket=bucket, Policy=text)) == {
            "Code": "MalformedPolicy", "Message": msg, "status": 400}
    assert refused(lambda: s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": "invalid-topic", "Events": ["s3:ObjectCreated:*"]}]})) == {
        "Code": "InvalidArgument", "Message": "The ARN could not be parsed", "ArgumentName": "Topic",
        "ArgumentValue": "invalid-topic", "status": 400}
    assert refused(lambda: s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "a", "Status": "Enabled", "Expiration": {"Days": 1}, "Filter": {"And": {"Tags": [
            {"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}}}]})) == {
        "Code": "InvalidRequest", "Message": "Duplicate Tag Keys are not allowed.", "status": 400}
    assert refused(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", ContentMD5="MTIz")) == {
        "Code": "InvalidDigest", "Message": "The Content-MD5 you specified was invalid.", "Content-MD5": "MTIz",
        "status": 400}


# ==== UpdateObjectEncryption (2026) ====

def test_update_object_encryption(gureum, s3, bucket):
    """AWS: an SSE-S3 or SSE-KMS object moves to SSE-KMS with a key of the
    bucket owner's account, keeping its ETag, dates and bytes; SSE-C
    objects, keys of other accounts, malformed ARNs and objects under
    Object Lock are refused with the API reference's texts."""
    if not hasattr(s3, "update_object_encryption"):
        pytest.skip("this boto3 has no UpdateObjectEncryption")
    account = gureum.client("sts").get_caller_identity()["Account"]
    arn = "arn:aws:kms:us-east-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % account
    put = s3.put_object(Bucket=bucket, Key="o", Body=b"data", Metadata={"m": "1"})
    before = s3.head_object(Bucket=bucket, Key="o")
    r = s3.update_object_encryption(Bucket=bucket, Key="o",
                                    ObjectEncryption={"SSEKMS": {"KMSKeyArn": arn, "BucketKeyEnabled": True}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    h = s3.head_object(Bucket=bucket, Key="o")
    assert (h["ServerSideEncryption"], h["SSEKMSKeyId"], h["BucketKeyEnabled"]) == ("aws:kms", arn, True)
    assert (h["ETag"], h["LastModified"], h["Metadata"]) == (put["ETag"], before["LastModified"], {"m": "1"})
    assert s3.get_object(Bucket=bucket, Key="o")["Body"].read() == b"data"

    def refused(key, enc, status, code, msg):
        with pytest.raises(ClientError) as e:
            s3.update_object_encryption(Bucket=bucket, Key=key, ObjectEncryption=enc)
        got = e.value.response
        assert (got["ResponseMetadata"]["HTTPStatusCode"], got["Error"]["Code"], got["Error"]["Message"]) == (
            status, code, msg)

    other = arn.replace(account, "999999999999")
    refused("o", {"SSEKMS": {"KMSKeyArn": other}}, 403, "AccessDenied",
            "The Amazon Web Services KMS key in the request must be owned by the same account as the bucket. "
            "Modify the request to specify a KMS key from the same account, and then try again.")
    refused("o", {"SSEKMS": {"KMSKeyArn": "alias/aws/s3-but-longer"}}, 400, "InvalidRequest",
            "Requests that modify an object's encryption type to SSE-KMS require a valid Amazon Web Services KMS "
            "key Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS key ARN in your "
            "request, and then try again.")
    refused("missing", {"SSEKMS": {"KMSKeyArn": arn}}, 404, "NoSuchKey", "The specified key does not exist.")
    s3.put_object(Bucket=bucket, Key="c", Body=b"x", SSECustomerAlgorithm="AES256", SSECustomerKey=KEY)
    refused("c", {"SSEKMS": {"KMSKeyArn": arn}}, 400, "InvalidRequest",
            "The UpdateObjectEncryption operation doesn't support source objects with the encryption type DSSE-KMS "
            "or SSE-C. Only source objects encrypted with SSE-S3 or SSE-KMS are supported.")


def test_update_object_encryption_under_object_lock(gureum, s3):
    if not hasattr(s3, "update_object_encryption"):
        pytest.skip("this boto3 has no UpdateObjectEncryption")
    b = name("lk")
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    v = s3.put_object(Bucket=b, Key="o", Body=b"x")["VersionId"]
    try:
        s3.put_object_legal_hold(Bucket=b, Key="o", LegalHold={"Status": "ON"})
        account = gureum.client("sts").get_caller_identity()["Account"]
        arn = "arn:aws:kms:us-east-1:%s:key/k1" % account
        with pytest.raises(ClientError) as e:
            s3.update_object_encryption(Bucket=b, Key="o", ObjectEncryption={"SSEKMS": {"KMSKeyArn": arn}})
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert "protected by S3 Object Lock" in e.value.response["Error"]["Message"]
        s3.put_object_legal_hold(Bucket=b, Key="o", LegalHold={"Status": "OFF"})
        s3.update_object_encryption(Bucket=b, Key="o", VersionId=v, ObjectEncryption={"SSEKMS": {"KMSKeyArn": arn}})
        assert s3.head_object(Bucket=b, Key="o", VersionId=v)["SSEKMSKeyId"] == arn
    finally:
        s3.put_object_legal_hold(Bucket=b, Key="o", LegalHold={"Status": "OFF"})
        s3.delete_object(Bucket=b, Key="o", VersionId=v)
        s3.delete_bucket(Bucket=b)
