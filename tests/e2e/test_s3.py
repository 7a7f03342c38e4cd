"""S3 end to end: scenario B.1 of shared/SCENARIOS.md with both AWS CLIs
(Debian's v2 and the newer v1 that sends aws-chunked bodies with CRC32
trailers) and boto3 — buckets, objects, listings, multipart uploads, AWS's
error codes for each, and an acknowledged object surviving kill -9.
"""
import base64
import datetime
import hashlib
import os
import re
import time
import urllib.request
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import CLIS

MiB = 1 << 20


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def bucket_name(tag):
    return ("gr-%s-%s" % (tag, os.urandom(3).hex())).lower()


def empty_bucket(s3, b):
    for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
        s3.delete_object(Bucket=b, Key=o["Key"])
    for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=b, Key=u["Key"], UploadId=u["UploadId"])
    s3.delete_bucket(Bucket=b)


# ==== Scenario B.1 with the CLI ====

def test_scenario_b1_cli(gureum, cli, tmp_path):
    """`aws s3 ls/mb/sync/cp/rb` with the CLI's exact output lines."""
    b = bucket_name("cli")

    def aws(*args):
        p = gureum.aws(*args, cli=cli, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        return p.stdout

    before = aws("s3", "ls")
    assert b not in before
    assert aws("s3", "mb", "s3://" + b).strip() == "make_bucket: " + b
    lines = aws("s3", "ls").splitlines()
    mine = [ln for ln in lines if ln.endswith(" " + b)]
    assert len(mine) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d " + re.escape(b), mine[0]), lines

    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("hello\n")
    (d / "sub" / "b.txt").write_text("x\n")
    # S3 reports LastModified to the second, so to sync a file written in the
    # second of its upload looks newer than its copy (on AWS too): date the
    # files two seconds back
    for f in (d / "a.txt", d / "sub" / "b.txt"):
        os.utime(f, (time.time() - 2, time.time() - 2))
    out = aws("s3", "sync", "dir", "s3://" + b, "--no-progress")
    ups = sorted(ln for ln in out.splitlines() if ln.strip())
    assert ups == ["upload: dir/a.txt to s3://%s/a.txt" % b, "upload: dir/sub/b.txt to s3://%s/sub/b.txt" % b], out
    assert aws("s3", "sync", "dir", "s3://" + b, "--no-progress").strip() == ""
    # a changed file is uploaded again, alone
    (d / "a.txt").write_text("hello again\n")
    out = aws("s3", "sync", "dir", "s3://" + b, "--no-progress")
    assert out.strip() == "upload: dir/a.txt to s3://%s/a.txt" % b

    big = tmp_path / "big.bin"
    data = os.urandom(20 * MiB + 12345)
    big.write_bytes(data)
    out = aws("s3", "cp", "big.bin", "s3://%s/big.bin" % b, "--no-progress")
    assert out.strip() == "upload: ./big.bin to s3://%s/big.bin" % b
    head = gureum.client("s3").head_object(Bucket=b, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"'), head["ETag"]  # 8 MB parts: multipart
    aws("s3", "cp", "s3://%s/big.bin" % b, "back.bin", "--no-progress")
    assert (tmp_path / "back.bin").read_bytes() == data

    listing = aws("s3", "ls", "s3://%s/" % b)
    assert re.search(r"\s+PRE sub/", listing) and "a.txt" in listing and "big.bin" in listing

    out = aws("s3", "rb", "--force", "s3://" + b)
    assert out.splitlines()[-1] == "remove_bucket: " + b
    assert b not in aws("s3", "ls")


# ==== Buckets ====

def test_bucket_lifecycle_and_errors(gureum, s3):
    b = bucket_name("bk")
    s3.create_bucket(Bucket=b)
    s3.head_bucket(Bucket=b)
    assert b in [x["Name"] for x in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=b)["LocationConstraint"] is None
    # AWS: re-creating your own bucket in us-east-1 answers 200 (legacy)
    s3.create_bucket(Bucket=b)
    # … but BucketAlreadyOwnedByYou in any other region
    seoul = gureum.client("s3", region_name="ap-northeast-2")
    code, status, _ = error_of(lambda: seoul.create_bucket(
        Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"}))
    assert (code, status) == ("BucketAlreadyOwnedByYou", 409)

    s3.put_object(Bucket=b, Key="k", Body=b"x")
    code, status, e = error_of(lambda: s3.delete_bucket(Bucket=b))
    assert (code, status) == ("BucketNotEmpty", 409)
    assert e["Error"]["BucketName"] == b
    s3.delete_object(Bucket=b, Key="k")
    r = s3.delete_bucket(Bucket=b)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204

    code, status, e = error_of(lambda: s3.head_bucket(Bucket=b))
    assert (code, status) == ("404", 404)
    code, status, e = error_of(lambda: s3.list_objects_v2(Bucket=b))
    assert (code, status) == ("NoSuchBucket", 404)
    assert e["Error"]["BucketName"] == b
    code, status, _ = error_of(lambda: s3.delete_bucket(Bucket=b))
    assert (code, status) == ("NoSuchBucket", 404)


@pytest.mark.parametrize("name", ["ab", "a" * 64, "Upper", "a..b", "-ab", "ab-", "192.168.5.4", "xn--ab", "a_b"])
def test_invalid_bucket_names(s3, name):
    code, status, _ = error_of(lambda: s3.create_bucket(Bucket=name))
    assert (code, status) == ("InvalidBucketName", 400)


def test_location_constraint_us_east_1_named(s3):
    """AWS: naming us-east-1 as the LocationConstraint is InvalidLocationConstraint."""
    code, status, _ = error_of(lambda: s3.create_bucket(
        Bucket=bucket_name("loc"), CreateBucketConfiguration={"LocationConstraint": "us-east-1"}))
    assert (code, status) == ("InvalidLocationConstraint", 400)


def test_location_constraints(gureum, s3):
    b = bucket_name("loc")
    # us-east-1 takes no constraint; naming it is refused (AWS: InvalidLocationConstraint)
    code, status, _ = error_of(lambda: s3.create_bucket(
        Bucket=b, CreateBucketConfiguration={"LocationConstraint": "us-east-1"}))
    assert (code, status) == ("InvalidLocationConstraint", 400)
    # the us-east-1 endpoint creates a bucket in the region its constraint names
    # (AWS: moto's aws_verified test_create_bucket_in_regions_from_us_east_1)
    west = bucket_name("loc")
    s3.create_bucket(Bucket=west, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket=west)["LocationConstraint"] == "eu-west-1"
    s3.delete_bucket(Bucket=west)
    seoul = gureum.client("s3", region_name="ap-northeast-2")
    code, status, e = error_of(lambda: seoul.create_bucket(Bucket=b))
    assert (code, status) == ("IllegalLocationConstraintException", 400)
    assert "unspecified" in e["Error"]["Message"]
    seoul.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    assert s3.get_bucket_location(Bucket=b)["LocationConstraint"] == "ap-northeast-2"
    seoul.delete_bucket(Bucket=b)


# ==== Objects ====

@pytest.fixture(scope="module")
def bucket(s3):
    b = bucket_name("obj")
    s3.create_bucket(Bucket=b)
    yield b
    empty_bucket(s3, b)


def test_put_get_head_metadata(s3, bucket):
    body = b"hello world\n"
    r = s3.put_object(Bucket=bucket, Key="dir/hello.txt", Body=body, ContentType="text/plain",
                      Metadata={"Color": "blue"}, CacheControl="max-age=60", ContentDisposition="inline",
                      ContentLanguage="ko", StorageClass="STANDARD_IA")
    md5 = hashlib.md5(body).hexdigest()
    assert r["ETag"] == '"%s"' % md5
    g = s3.get_object(Bucket=bucket, Key="dir/hello.txt")
    assert g["Body"].read() == body
    assert g["ETag"] == '"%s"' % md5
    assert g["ContentType"] == "text/plain"
    assert g["ContentLength"] == len(body)
    assert g["Metadata"] == {"color": "blue"}
    assert g["CacheControl"] == "max-age=60" and g["ContentDisposition"] == "inline" and g["ContentLanguage"] == "ko"
    assert g["StorageClass"] == "STANDARD_IA"
    h = s3.head_object(Bucket=bucket, Key="dir/hello.txt")
    assert h["ContentLength"] == len(body) and h["ETag"] == g["ETag"] and h["Metadata"] == {"color": "blue"}
    assert isinstance(h["LastModified"], datetime.datetime)
    # defaults
    s3.put_object(Bucket=bucket, Key="plain", Body=b"")
    g = s3.get_object(Bucket=bucket, Key="plain")
    assert g["Body"].read() == b"" and g["ContentType"] == "binary/octet-stream"
    assert g["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_no_such_key(s3, bucket):
    code, status, e = error_of(lambda: s3.get_object(Bucket=bucket, Key="missing/key"))
    assert (code, status) == ("NoSuchKey", 404)
    assert e["Error"]["Key"] == "missing/key"
    code, status, _ = error_of(lambda: s3.head_object(Bucket=bucket, Key="missing/key"))
    assert (code, status) == ("404", 404)


def test_content_md5_and_checksums(s3, bucket):
    body = b"checked body"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    code, status, _ = error_of(lambda: s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=bad))
    assert (code, status) == ("BadDigest", 400)
    code, status, _ = error_of(lambda: s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5="notbase64!"))
    assert (code, status) == ("InvalidDigest", 400)
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    r = s3.put_object(Bucket=bucket, Key="crc", Body=body, ChecksumCRC32=crc)
    assert r["ChecksumCRC32"] == crc
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    r = s3.put_object(Bucket=bucket, Key="sha", Body=body, ChecksumSHA256=sha)
    assert r["ChecksumSHA256"] == sha
    g = s3.get_object(Bucket=bucket, Key="sha", ChecksumMode="ENABLED")
    assert g["ChecksumSHA256"] == sha and g["Body"].read() == body
    wrong = base64.b64encode(b"\0\0\0\0").decode()
    code, status, _ = error_of(lambda: s3.put_object(Bucket=bucket, Key="crc", Body=body, ChecksumCRC32=wrong))
    assert (code, status) == ("BadDigest", 400)
    # the object is unchanged by the refused PUTs
    assert s3.get_object(Bucket=bucket, Key="crc")["Body"].read() == body


def test_ranges(s3, bucket):
    body = bytes(range(256)) * 4
    s3.put_object(Bucket=bucket, Key="range", Body=body)
    g = s3.get_object(Bucket=bucket, Key="range", Range="bytes=10-19")
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert g["ContentRange"] == "bytes 10-19/1024" and g["ContentLength"] == 10
    assert g["Body"].read() == body[10:20]
    assert s3.get_object(Bucket=bucket, Key="range", Range="bytes=1000-")["Body"].read() == body[1000:]
    assert s3.get_object(Bucket=bucket, Key="range", Range="bytes=-24")["Body"].read() == body[-24:]
    assert s3.get_object(Bucket=bucket, Key="range", Range="bytes=1020-5000")["Body"].read() == body[1020:]
    code, status, e = error_of(lambda: s3.get_object(Bucket=bucket, Key="range", Range="bytes=1024-"))
    assert (code, status) == ("InvalidRange", 416)


def test_conditional_get(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="cond", Body=b"v1")
    etag = r["ETag"]
    assert s3.get_object(Bucket=bucket, Key="cond", IfMatch=etag)["Body"].read() == b"v1"
    code, status, _ = error_of(lambda: s3.get_object(Bucket=bucket, Key="cond", IfMatch='"nope"'))
    assert (code, status) == ("PreconditionFailed", 412)
    code, status, _ = error_of(lambda: s3.get_object(Bucket=bucket, Key="cond", IfNoneMatch=etag))
    assert status == 304
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    code, status, _ = error_of(lambda: s3.get_object(Bucket=bucket, Key="cond", IfModifiedSince=future))
    assert status == 304
    assert s3.get_object(Bucket=bucket, Key="cond", IfModifiedSince=past)["Body"].read() == b"v1"
    code, status, _ = error_of(lambda: s3.get_object(Bucket=bucket, Key="cond", IfUnmodifiedSince=past))
    assert (code, status) == ("PreconditionFailed", 412)
    code, status, _ = error_of(lambda: s3.head_object(Bucket=bucket, Key="cond", IfNoneMatch=etag))
    assert status == 304


def test_response_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="ovr", Body=b"x", ContentType="text/plain")
    g = s3.get_object(Bucket=bucket, Key="ovr", ResponseContentType="application/json",
                      ResponseContentDisposition="attachment; filename=x.json", ResponseCacheControl="no-cache")
    assert g["ContentType"] == "application/json"
    assert g["ContentDisposition"] == "attachment; filename=x.json" and g["CacheControl"] == "no-cache"
    # HeadObject takes them too (botocore 1.43's model; 1.26's has them for GetObject only)
    if "ResponseContentType" in s3.meta.service_model.operation_model("HeadObject").input_shape.members:
        h = s3.head_object(Bucket=bucket, Key="ovr", ResponseContentType="application/json",
                           ResponseCacheControl="no-cache")
        assert (h["ContentType"], h["CacheControl"]) == ("application/json", "no-cache")


def test_delete_object_and_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="del/1", Body=b"1")
    r = s3.delete_object(Bucket=bucket, Key="del/1")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    r = s3.delete_object(Bucket=bucket, Key="del/1")  # idempotent
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    for i in range(5):
        s3.put_object(Bucket=bucket, Key="del/%d" % i, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "del/%d" % i} for i in range(3)]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["del/0", "del/1", "del/2"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "del/3"}, {"Key": "del/4"}], "Quiet": True})
    assert "Deleted" not in r and "Errors" not in r
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="del/")


def test_copy_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"})
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Body"].read() == b"copy me" and g["Metadata"] == {"a": "1"} and g["ContentType"] == "text/plain"
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource="%s/src" % bucket, MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="application/x-new")
    g = s3.get_object(Bucket=bucket, Key="dst2")
    assert g["Metadata"] == {"b": "2"} and g["ContentType"] == "application/x-new"
    code, status, _ = error_of(lambda: s3.copy_object(Bucket=bucket, Key="src", CopySource="%s/src" % bucket))
    assert (code, status) == ("InvalidRequest", 400)
    s3.copy_object(Bucket=bucket, Key="src", CopySource="%s/src" % bucket, MetadataDirective="REPLACE",
                   Metadata={"c": "3"})
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"c": "3"}
    code, status, e = error_of(lambda: s3.copy_object(Bucket=bucket, Key="x", CopySource="%s/nope" % bucket))
    assert (code, status) == ("NoSuchKey", 404)
    code, status, _ = error_of(lambda: s3.copy_object(Bucket=bucket, Key="x", CopySource="%s/src" % bucket,
                                                      CopySourceIfMatch='"nope"'))
    assert (code, status) == ("PreconditionFailed", 412)


def test_binary_and_unicode_keys(s3, bucket):
    for k in ["sp ace/a+b", "한글/키", "q?x=1&y#z", "tilde~/%41"]:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()


# ==== Listing ====

@pytest.fixture(scope="module")
def listed(s3):
    b = bucket_name("list")
    s3.create_bucket(Bucket=b)
    keys = ["a", "a/b", "a/c/d", "b", "c/x", "c/y", "d!", "é", "Z", "~"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=b"")
    yield b, keys
    empty_bucket(s3, b)


def test_list_byte_order_and_v2_pages(s3, listed):
    b, keys = listed
    want = sorted(keys, key=lambda k: k.encode())
    r = s3.list_objects_v2(Bucket=b)
    assert [o["Key"] for o in r["Contents"]] == want and r["KeyCount"] == len(want)
    assert r["IsTruncated"] is False and r["MaxKeys"] == 1000
    got, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=b, MaxKeys=3, **kw)
        got += [o["Key"] for o in r.get("Contents", [])]
        assert r["KeyCount"] <= 3
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert got == want
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=b, PaginationConfig={"PageSize": 4})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == want
    r = s3.list_objects_v2(Bucket=b, StartAfter="c/x")
    assert [o["Key"] for o in r["Contents"]] == [k for k in want if k.encode() > b"c/x"]
    assert "Owner" not in r["Contents"][0]
    assert "Owner" in s3.list_objects_v2(Bucket=b, FetchOwner=True)["Contents"][0]


def test_list_delimiter_and_prefix(s3, listed):
    b, _ = listed
    r = s3.list_objects_v2(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "c/"]
    assert [o["Key"] for o in r["Contents"]] == ["Z", "a", "b", "d!", "~", "é"]
    r = s3.list_objects_v2(Bucket=b, Delimiter="/", Prefix="a/")
    assert [o["Key"] for o in r["Contents"]] == ["a/b"] and [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/c/"]
    # a common prefix counts once against MaxKeys and is not repeated on the next page
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=1, **kw)
        seen += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert seen == ["Z", "a", "a/", "b", "c/", "d!", "~", "é"]


def test_list_v1_markers_and_url_encoding(s3, listed):
    b, keys = listed
    want = sorted(keys, key=lambda k: k.encode())
    r = s3.list_objects(Bucket=b, MaxKeys=4)
    assert [o["Key"] for o in r["Contents"]] == want[:4] and r["IsTruncated"] is True
    assert "Owner" in r["Contents"][0]
    r2 = s3.list_objects(Bucket=b, Marker=r["Contents"][-1]["Key"])
    assert [o["Key"] for o in r2["Contents"]] == want[4:]
    pages = s3.get_paginator("list_objects").paginate(Bucket=b, PaginationConfig={"PageSize": 3})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == want
    # botocore asks for encoding-type=url and decodes it back
    r = s3.list_objects_v2(Bucket=b, Prefix="é")
    assert [o["Key"] for o in r["Contents"]] == ["é"]
    r = s3.list_objects_v2(Bucket=b, MaxKeys=0)
    assert "Contents" not in r and r["KeyCount"] == 0 and r["IsTruncated"] is False


# ==== Multipart ====

def test_multipart_upload(s3, bucket):
    key = "mp/object"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/x-mp", Metadata={"m": "1"})
    uid = up["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [uid]
    p1, p2, p3 = os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"
    etags = []
    for n, data in enumerate([p1, p2, p3], 1):
        etags.append(s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data)["ETag"])
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts] == [
        (1, 5 * MiB, etags[0]), (2, 5 * MiB, etags[1]), (3, 4, etags[2])]
    code, status, _ = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]}))
    assert (code, status) == ("InvalidPartOrder", 400)
    code, status, _ = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]}))
    assert (code, status) == ("InvalidPart", 400)
    code, status, _ = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 3, "ETag": etags[2]}, {"PartNumber": 4, "ETag": etags[2]}]}))
    assert (code, status) == ("InvalidPart", 400)
    r = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    md5s = b"".join(hashlib.md5(d).digest() for d in (p1, p2, p3))
    assert r["ETag"] == '"%s-3"' % hashlib.md5(md5s).hexdigest()
    g = s3.get_object(Bucket=bucket, Key=key)
    assert g["Body"].read() == p1 + p2 + p3
    assert g["ContentType"] == "application/x-mp" and g["Metadata"] == {"m": "1"} and g["ETag"] == r["ETag"]
    assert s3.get_object(Bucket=bucket, Key=key, Range="bytes=%d-%d" % (5 * MiB - 2, 5 * MiB + 1))["Body"].read() \
        == p1[-2:] + p2[:2]
    code, status, e = error_of(lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=uid))
    assert (code, status) == ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_multipart_small_part_and_abort(s3, bucket):
    key = "mp/small"
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2, Body=b"last")["ETag"]
    code, status, _ = error_of(lambda: s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}))
    assert (code, status) == ("EntityTooSmall", 400)
    r = s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    code, status, _ = error_of(lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"x"))
    assert (code, status) == ("NoSuchUpload", 404)
    code, status, _ = error_of(lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid))
    assert (code, status) == ("NoSuchUpload", 404)
    # a single small part is a valid object
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=b"only")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"only"


# ==== Durability and the blob store ====

def test_acknowledged_object_survives_kill9(gureum, s3):
    b = bucket_name("dur")
    s3.create_bucket(Bucket=b)
    data = os.urandom(MiB + 7)
    s3.put_object(Bucket=b, Key="durable", Body=data)
    s3.put_object(Bucket=b, Key="gone", Body=b"x")
    s3.delete_object(Bucket=b, Key="gone")
    gureum.restart(kill9=True)
    s3 = gureum.client("s3")
    assert s3.get_object(Bucket=b, Key="durable")["Body"].read() == data
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]] == ["durable"]
    empty_bucket(s3, b)


def test_deleted_objects_leave_no_blobs(gureum, s3):
    """Overwriting, deleting and completing uploads remove the old blobs; a
    small object (up to 64 KiB) is kept in its row and makes no file."""
    blobs = os.path.join(gureum.data_dir, "blobs")

    def count():
        return sum(len(f) for _, _, f in os.walk(blobs))

    b = bucket_name("gc")
    s3.create_bucket(Bucket=b)
    start = count()
    big1, big2 = os.urandom(65 << 10), os.urandom(80 << 10)
    s3.put_object(Bucket=b, Key="k", Body=big1)
    s3.put_object(Bucket=b, Key="k", Body=big2)
    assert count() == start + 1
    s3.copy_object(Bucket=b, Key="k2", CopySource="%s/k" % b)
    assert count() == start + 2
    s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k"}, {"Key": "k2"}]})
    assert count() == start
    # Small objects: no file when written, overwritten, copied, replaced by a
    # large one (whose blob then goes when a small one replaces it again).
    small = b"s" * (64 << 10)
    s3.put_object(Bucket=b, Key="s", Body=small)
    s3.put_object(Bucket=b, Key="s", Body=b"")
    s3.put_object(Bucket=b, Key="s", Body=small)
    s3.copy_object(Bucket=b, Key="s2", CopySource="%s/s" % b)
    assert count() == start
    assert s3.get_object(Bucket=b, Key="s2")["Body"].read() == small
    s3.put_object(Bucket=b, Key="s", Body=big1)
    assert count() == start + 1
    s3.put_object(Bucket=b, Key="s", Body=b"x")
    assert count() == start
    assert s3.get_object(Bucket=b, Key="s")["Body"].read() == b"x"
    s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "s"}, {"Key": "s2"}]})
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0
    uid = s3.create_multipart_upload(Bucket=b, Key="m")["UploadId"]
    e = s3.upload_part(Bucket=b, Key="m", UploadId=uid, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert count() == start + 1
    s3.delete_object(Bucket=b, Key="m")
    uid = s3.create_multipart_upload(Bucket=b, Key="m")["UploadId"]
    s3.upload_part(Bucket=b, Key="m", UploadId=uid, PartNumber=1, Body=b"p")
    s3.delete_bucket(Bucket=b)  # incomplete uploads go with the bucket
    assert count() == start


# ==== Authorization ====

def test_iam_user_needs_s3_permissions(gureum, s3):
    b = bucket_name("authz")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"x")
    iam = gureum.client("iam")
    user = "s3user-" + os.urandom(3).hex()
    iam.create_user(UserName=user)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    u = gureum.client("s3", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    code, status, _ = error_of(lambda: u.get_object(Bucket=b, Key="k"))
    assert (code, status) == ("AccessDenied", 403)
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],'
        '"Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"]}]}' % (b, b)))
    assert u.get_object(Bucket=b, Key="k")["Body"].read() == b"x"
    assert [o["Key"] for o in u.list_objects_v2(Bucket=b)["Contents"]] == ["k"]
    code, status, _ = error_of(lambda: u.put_object(Bucket=b, Key="k2", Body=b"y"))
    assert (code, status) == ("AccessDenied", 403)
    empty_bucket(s3, b)


# ==== Regions, v1 markers with a delimiter, presigned URLs ====

def test_cli_in_seoul(gureum, cli, tmp_path):
    """`aws s3 mb` outside us-east-1 sends the LocationConstraint of the CLI's region."""
    b = bucket_name("seoul")
    env = {"AWS_DEFAULT_REGION": "ap-northeast-2"}
    (tmp_path / "f.txt").write_text("annyeong\n")
    p = gureum.aws("s3", "mb", "s3://" + b, cli=cli, env=env)
    assert p.returncode == 0 and p.stdout.strip() == "make_bucket: " + b, p.stderr
    p = gureum.aws("s3", "cp", "f.txt", "s3://%s/f.txt" % b, "--no-progress", cli=cli, env=env, cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.strip() == "upload: ./f.txt to s3://%s/f.txt" % b, p.stderr
    p = gureum.aws("s3api", "get-bucket-location", "--bucket", b, cli=cli, env=env)
    assert p.returncode == 0 and '"ap-northeast-2"' in p.stdout, p.stderr
    p = gureum.aws("s3", "rb", "--force", "s3://" + b, cli=cli, env=env)
    assert p.returncode == 0 and p.stdout.splitlines()[-1] == "remove_bucket: " + b, p.stderr


def test_list_v1_next_marker_only_with_delimiter(s3, listed):
    b, _ = listed
    r = s3.list_objects(Bucket=b, MaxKeys=2)
    assert r["IsTruncated"] is True and "NextMarker" not in r
    r = s3.list_objects(Bucket=b, MaxKeys=2, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["Z", "a"] and r["NextMarker"] == "a"
    r = s3.list_objects(Bucket=b, MaxKeys=2, Delimiter="/", Marker="a")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/"] and [o["Key"] for o in r["Contents"]] == ["b"]
    assert r["NextMarker"] == "b"
    r = s3.list_objects(Bucket=b, Delimiter="/", Marker="a/")
    assert [p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["c/"]


def test_presigned_get_and_put(gureum, bucket):
    """SigV4 presigned URLs (X-Amz-Signature in the query), opened without any SDK."""
    import botocore.config
    s3 = gureum.client("s3", config=botocore.config.Config(signature_version="s3v4"))
    s3.put_object(Bucket=bucket, Key="pre/get", Body=b"presigned body")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/get"}, ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        assert r.status == 200 and r.read() == b"presigned body"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre/put"}, ExpiresIn=300)
    req = urllib.request.Request(url, data=b"put via url", method="PUT")
    with urllib.request.urlopen(req) as r:
        assert r.status == 200
    assert s3.get_object(Bucket=bucket, Key="pre/put")["Body"].read() == b"put via url"


def test_presigned_sigv2_default(s3, bucket):
    s3.put_object(Bucket=bucket, Key="pre/v2", Body=b"v2")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/v2"}, ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"v2"


def test_get_part_number(s3, bucket):
    """GET ?partNumber=N reads one part of a multipart object (a ranged GET)."""
    key = "mp/parts"
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    p1, p2 = os.urandom(5 * MiB), b"second part"
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    g = s3.get_object(Bucket=bucket, Key=key, PartNumber=2)
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206 and g["PartsCount"] == 2
    assert g["ContentRange"] == "bytes %d-%d/%d" % (len(p1), len(p1) + len(p2) - 1, len(p1) + len(p2))
    assert g["Body"].read() == p2
    h = s3.head_object(Bucket=bucket, Key=key, PartNumber=1)
    assert h["ContentLength"] == len(p1) and h["PartsCount"] == 2
    code, status, _ = error_of(lambda: s3.get_object(Bucket=bucket, Key=key, PartNumber=3))
    assert (code, status) == ("InvalidPartNumber", 416)
    s3.put_object(Bucket=bucket, Key="single", Body=b"whole")
    g = s3.get_object(Bucket=bucket, Key="single", PartNumber=1)
    assert g["Body"].read() == b"whole" and "PartsCount" not in g


def test_list_multipart_uploads_delimiter(s3, bucket):
    ids = {k: s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"] for k in ("up/a", "up/d/1", "up/d/2", "up/z")}
    try:
        r = s3.list_multipart_uploads(Bucket=bucket, Prefix="up/", Delimiter="/")
        assert [u["Key"] for u in r["Uploads"]] == ["up/a", "up/z"]
        assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["up/d/"]
        r = s3.list_multipart_uploads(Bucket=bucket, Prefix="up/", MaxUploads=2)
        assert [u["Key"] for u in r["Uploads"]] == ["up/a", "up/d/1"] and r["IsTruncated"] is True
        r = s3.list_multipart_uploads(Bucket=bucket, Prefix="up/", KeyMarker=r["NextKeyMarker"],
                                      UploadIdMarker=r["NextUploadIdMarker"])
        assert [u["Key"] for u in r["Uploads"]] == ["up/d/2", "up/z"]
    finally:
        for k, uid in ids.items():
            s3.abort_multipart_upload(Bucket=bucket, Key=k, UploadId=uid)
