"""S3 object data path end to end: bodies streamed to the blob store (never
whole in memory), checksums on streamed and aws-chunked bodies, GET across
multipart parts without copying, conditional and ranged reads, CopyObject
directives, object tagging, versioning and object lock — with boto3 (both
generations where the payload mode differs) and the AWS CLIs.
"""
import base64
import hashlib
import http.client
import os
import subprocess
import urllib.parse
import zlib
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

MiB = 1 << 20


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e


def bucket_name(tag):
    return ("gr-o-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


@pytest.fixture(scope="module")
def bucket(s3):
    b = bucket_name("data")
    s3.create_bucket(Bucket=b)
    return b


def blob_files(gureum):
    root = Path(gureum.data_dir) / "blobs"
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ==== streamed PUT ====

def test_put_streams_large_body(gureum, s3, bucket, tmp_path):
    """A 48 MiB single PUT (over the 32 MiB buffered-body limit) is accepted,
    read back byte-identical, and the ETag is its MD5."""
    data = os.urandom(48 * MiB)
    r = s3.put_object(Bucket=bucket, Key="big", Body=data)
    assert r["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["ContentLength"] == len(data)
    assert got["Body"].read() == data
    # A ranged read across the middle.
    got = s3.get_object(Bucket=bucket, Key="big", Range="bytes=%d-%d" % (20 * MiB, 20 * MiB + 99))
    assert got["Body"].read() == data[20 * MiB:20 * MiB + 100]
    assert got["ContentRange"] == "bytes %d-%d/%d" % (20 * MiB, 20 * MiB + 99, len(data))


def test_streamed_put_checksums(s3, bucket):
    data = b"streamed checksum body " * 1000
    crc32 = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    sha1 = base64.b64encode(hashlib.sha1(data).digest()).decode()
    sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
    r = s3.put_object(Bucket=bucket, Key="ck1", Body=data, ChecksumCRC32=crc32)
    assert r["ChecksumCRC32"] == crc32
    r = s3.put_object(Bucket=bucket, Key="ck2", Body=data, ChecksumSHA1=sha1)
    assert r["ChecksumSHA1"] == sha1
    r = s3.put_object(Bucket=bucket, Key="ck3", Body=data, ChecksumSHA256=sha256)
    assert r["ChecksumSHA256"] == sha256
    h = s3.head_object(Bucket=bucket, Key="ck3", ChecksumMode="ENABLED")
    assert h["ChecksumSHA256"] == sha256
    # CRC32C asked for by algorithm: the SDK computes it, we verify and return it.
    r = s3.put_object(Bucket=bucket, Key="ck4", Body=data, ChecksumAlgorithm="CRC32C")
    assert r["ChecksumCRC32C"]
    other_sha1 = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    code, status, _ = error_of(lambda: s3.put_object(Bucket=bucket, Key="ck5", Body=data, ChecksumSHA1=other_sha1))
    assert (code, status) == ("BadDigest", 400)
    # AWS: a value that is not base64 of the algorithm's size is InvalidRequest
    code, status, e = error_of(lambda: s3.put_object(Bucket=bucket, Key="ck5", Body=data, ChecksumSHA1=sha256[:28]))
    assert (code, status, e["Error"]["Message"]) == (
        "InvalidRequest", 400, "Value for x-amz-checksum-sha1 header is invalid.")
    bad_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    code, status, _ = error_of(lambda: s3.put_object(Bucket=bucket, Key="ck6", Body=data, ContentMD5=bad_md5))
    assert (code, status) == ("BadDigest", 400)
    # Nothing of a refused body is visible.
    assert "ck5" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="ck6"))[1] == 404


def test_cli_aws_chunked_trailer_upload(gureum, cli, bucket, tmp_path):
    """Both CLIs upload with their own payload mode (the newer one: aws-chunked
    with a CRC32 trailer); the object reads back identical."""
    src = tmp_path / "f.bin"
    data = os.urandom(3 * MiB + 17)
    src.write_bytes(data)
    p = gureum.aws("s3api", "put-object", "--bucket", bucket, "--key", "cli-chunked", "--body", str(src), cli=cli)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "o.bin"
    p = gureum.aws("s3api", "get-object", "--bucket", bucket, "--key", "cli-chunked", str(out), cli=cli)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == data


def test_signed_payload_hash_mismatch(gureum, s3, bucket):
    """x-amz-content-sha256 that does not match the streamed bytes: refused,
    and no object appears."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    body = b"x" * 5000
    url = "%s/%s/hash-mismatch" % (gureum.endpoint, bucket)
    req = botocore.awsrequest.AWSRequest(method="PUT", url=url, data=body)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(b"something else").hexdigest()
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    conn.request("PUT", "/%s/hash-mismatch" % bucket, body=body, headers=dict(req.headers))
    resp = conn.getresponse()
    text = resp.read().decode()
    assert resp.status == 400 and "XAmzContentSHA256Mismatch" in text
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="hash-mismatch"))[1] == 404


def test_unauthenticated_put_refused_before_body(gureum, bucket):
    """A streamed PUT with a bad key is answered from its headers (403)."""
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    conn.putrequest("PUT", "/%s/anon" % bucket)
    conn.putheader("Content-Length", str(100 * MiB))
    conn.putheader("Authorization", "AWS4-HMAC-SHA256 Credential=nobody/20240101/us-east-1/s3/aws4_request, "
                   "SignedHeaders=host, Signature=" + "0" * 64)
    conn.putheader("x-amz-date", "20240101T000000Z")
    conn.putheader("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
    conn.endheaders()
    resp = conn.getresponse()  # no body sent at all
    assert resp.status in (400, 403)
    resp.read()


# ==== multipart: the object is its parts ====

def test_multipart_object_is_its_parts(gureum, s3, bucket):
    """Completing copies no byte: the part blobs become the object's; GET and
    ranges stream across part boundaries."""
    before = set(blob_files(gureum))
    key = "mp-noncopy"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts, datas = [], []
    for n, size in ((1, 5 * MiB), (2, 5 * MiB + 3), (3, 12345)):
        d = os.urandom(size)
        datas.append(d)
        e = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=d)["ETag"]
        parts.append({"PartNumber": n, "ETag": e})
    part_blobs = set(blob_files(gureum)) - before
    assert len(part_blobs) == 3
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    md5s = b"".join(hashlib.md5(d).digest() for d in datas)
    assert r["ETag"] == '"%s-3"' % hashlib.md5(md5s).hexdigest()
    # The same three files, no new one.
    assert set(blob_files(gureum)) - before == part_blobs
    whole = b"".join(datas)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == whole
    lo, hi = 5 * MiB - 10, 10 * MiB + 10
    got = s3.get_object(Bucket=bucket, Key=key, Range="bytes=%d-%d" % (lo, hi))["Body"].read()
    assert got == whole[lo:hi + 1]
    got = s3.get_object(Bucket=bucket, Key=key, PartNumber=2)
    assert got["Body"].read() == datas[1] and got["PartsCount"] == 3
    got = s3.get_object(Bucket=bucket, Key=key, Range="bytes=-100")["Body"].read()
    assert got == whole[-100:]
    # Copy of a multipart object: a new single blob with the same bytes.
    s3.copy_object(Bucket=bucket, Key=key + "-copy", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key=key + "-copy")["Body"].read() == whole
    # Deleting both removes every file.
    s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_object(Bucket=bucket, Key=key + "-copy")
    assert set(blob_files(gureum)) - before == set()


def test_multipart_unchosen_parts_deleted(gureum, s3, bucket):
    before = set(blob_files(gureum))
    key = "mp-unchosen"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"a" * 100)["ETag"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=2, Body=b"b" * 100)
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
    assert len(set(blob_files(gureum)) - before) == 1
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"a" * 100
    s3.delete_object(Bucket=bucket, Key=key)
    assert set(blob_files(gureum)) - before == set()


def test_parts_body_twice_on_one_connection(gureum, s3, bucket):
    """A multipart object read twice on one keep-alive connection: the second
    answer waits until every piece of the first has gone."""
    key = "mp-keepalive"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    datas = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(777)]
    parts = []
    for i, d in enumerate(datas):
        e = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=i + 1, Body=d)["ETag"]
        parts.append({"PartNumber": i + 1, "ETag": e})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
    import botocore.config
    v4 = gureum.client("s3", config=botocore.config.Config(signature_version="s3v4"))
    url = urllib.parse.urlsplit(v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300))
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=60)
    for _ in range(2):
        conn.request("GET", url.path + "?" + url.query)
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read() == b"".join(datas)


# ==== versioning ====

def test_versioning_lifecycle(s3):
    b = bucket_name("vers")
    s3.create_bucket(Bucket=b)
    assert "Status" not in s3.get_bucket_versioning(Bucket=b)
    # Before versioning: the null version.
    s3.put_object(Bucket=b, Key="k", Body=b"v0")
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"v1")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"v2")["VersionId"]
    assert v1 != v2 and v1 != "null"
    got = s3.get_object(Bucket=b, Key="k")
    assert got["Body"].read() == b"v2" and got["VersionId"] == v2
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"v1"
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"v0"
    assert s3.head_object(Bucket=b, Key="k", VersionId=v1)["ContentLength"] == 2
    # A plain DELETE leaves a delete marker; the key is gone from listings.
    d = s3.delete_object(Bucket=b, Key="k")
    assert d["DeleteMarker"] is True and d["VersionId"]
    marker = d["VersionId"]
    assert error_of(lambda: s3.get_object(Bucket=b, Key="k"))[:2] == ("NoSuchKey", 404)
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    assert error_of(lambda: s3.head_object(Bucket=b, Key="k", VersionId=marker))[1] == 405
    lv = s3.list_object_versions(Bucket=b)
    assert [(v["VersionId"], v["IsLatest"]) for v in lv["Versions"]] == [(v2, False), (v1, False), ("null", False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in lv["DeleteMarkers"]] == [(marker, True)]
    # Deleting the marker brings v2 back.
    assert s3.delete_object(Bucket=b, Key="k", VersionId=marker)["DeleteMarker"] is True
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"v2"
    # Deleting the current version for good makes v1 current.
    s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"v1"
    code, status, _ = error_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId=v2))
    assert (code, status) == ("NoSuchVersion", 404)
    # The bucket is not empty while versions remain.
    s3.delete_object(Bucket=b, Key="k")
    assert error_of(lambda: s3.delete_bucket(Bucket=b))[0] == "BucketNotEmpty"
    for v in s3.list_object_versions(Bucket=b).get("Versions", []) + \
            s3.list_object_versions(Bucket=b).get("DeleteMarkers", []):
        s3.delete_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=b)


def test_versioning_suspended_null_version(gureum, s3):
    b = bucket_name("susp")
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    # AWS (ceph/s3-tests test_versioning_bucket_atomic_upload_return_version_id): no version id
    # is answered for a write in a suspended bucket; the object is the null version.
    assert "VersionId" not in s3.put_object(Bucket=b, Key="k", Body=b"two")
    s3.put_object(Bucket=b, Key="k", Body=b"three")  # replaces the null version
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == "null"
    ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=b)["Versions"]]
    assert ids == ["null", v1]
    d = s3.delete_object(Bucket=b, Key="k")
    assert d["DeleteMarker"] is True and d["VersionId"] == "null"
    lv = s3.list_object_versions(Bucket=b)
    assert [v["VersionId"] for v in lv["Versions"]] == [v1]
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"


def test_list_object_versions_pages(s3):
    b = bucket_name("lov")
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    want = []
    for k in ("a", "b/x", "b/y", "c"):
        for i in range(2):
            want.append((k, s3.put_object(Bucket=b, Key=k, Body=b"%d" % i)["VersionId"]))
    # Newest first within a key.
    want = sorted(want, key=lambda kv: (kv[0], -[w for w in want if w[0] == kv[0]].index(kv)))
    got, km, vm = [], None, None
    while True:
        kw = {"Bucket": b, "MaxKeys": 3}
        if km:
            kw.update(KeyMarker=km, VersionIdMarker=vm)
        page = s3.list_object_versions(**kw)
        got += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        km, vm = page["NextKeyMarker"], page["NextVersionIdMarker"]
    assert got == want
    page = s3.list_object_versions(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["b/"]
    assert sorted({v["Key"] for v in page["Versions"]}) == ["a", "c"]


# ==== tagging ====

def test_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="a=1&b=two%20words")
    assert s3.head_object(Bucket=bucket, Key="tagged")  # still readable
    assert s3.get_object(Bucket=bucket, Key="tagged")["TagCount"] == 2
    ts = s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in ts) == [("a", "1"), ("b", "two words")]
    s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "x", "Value": "y"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == [{"Key": "x", "Value": "y"}]
    # Copy keeps the tags by default, replaces them with the REPLACE directive.
    s3.copy_object(Bucket=bucket, Key="tagged2", CopySource={"Bucket": bucket, "Key": "tagged"})
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged2")["TagSet"] == [{"Key": "x", "Value": "y"}]
    s3.copy_object(Bucket=bucket, Key="tagged3", CopySource={"Bucket": bucket, "Key": "tagged"},
                   TaggingDirective="REPLACE", Tagging="n=m")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged3")["TagSet"] == [{"Key": "n", "Value": "m"}]
    s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
    too_many = {"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]}
    code, status, _ = error_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging=too_many))
    assert status == 400
    assert error_of(lambda: s3.get_object_tagging(Bucket=bucket, Key="nope"))[:2] == ("NoSuchKey", 404)


def test_multipart_tagging(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp-tag", Tagging="k=v")["UploadId"]
    e = s3.upload_part(Bucket=bucket, Key="mp-tag", UploadId=up, PartNumber=1, Body=b"x")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp-tag", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="mp-tag")["TagSet"] == [{"Key": "k", "Value": "v"}]


# ==== object lock ====

def test_object_lock(s3):
    import datetime
    b = bucket_name("lock")
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    cfg = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
    assert cfg["ObjectLockEnabled"] == "Enabled"
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    rule = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]["Rule"]
    assert rule["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}
    # Default retention applies to a new object.
    v = s3.put_object(Bucket=b, Key="g", Body=b"gov")["VersionId"]
    ret = s3.get_object_retention(Bucket=b, Key="g")["Retention"]
    assert ret["Mode"] == "GOVERNANCE"
    code, status, _ = error_of(lambda: s3.delete_object(Bucket=b, Key="g", VersionId=v))
    assert (code, status) == ("AccessDenied", 403)
    # A plain delete only adds a marker.
    assert s3.delete_object(Bucket=b, Key="g")["DeleteMarker"] is True
    # Governance yields to the bypass header.
    s3.delete_object(Bucket=b, Key="g", VersionId=v, BypassGovernanceRetention=True)
    # Compliance does not; and cannot be shortened.
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    v = s3.put_object(Bucket=b, Key="c", Body=b"comp", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=until)["VersionId"]
    assert error_of(lambda: s3.delete_object(Bucket=b, Key="c", VersionId=v,
                                             BypassGovernanceRetention=True))[:2] == ("AccessDenied", 403)
    shorter = until - datetime.timedelta(days=1)
    assert error_of(lambda: s3.put_object_retention(
        Bucket=b, Key="c", VersionId=v, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": shorter}))[1] == 403
    # Legal hold.
    v2 = s3.put_object(Bucket=b, Key="h", Body=b"hold")["VersionId"]
    s3.put_object_retention(Bucket=b, Key="h", VersionId=v2, BypassGovernanceRetention=True, Retention={})
    s3.put_object_legal_hold(Bucket=b, Key="h", VersionId=v2, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=b, Key="h", VersionId=v2)["LegalHold"]["Status"] == "ON"
    assert error_of(lambda: s3.delete_object(Bucket=b, Key="h", VersionId=v2))[1] == 403
    s3.put_object_legal_hold(Bucket=b, Key="h", VersionId=v2, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=b, Key="h", VersionId=v2)
    # Versioning cannot be suspended; a bucket without lock refuses lock calls.
    assert error_of(lambda: s3.put_bucket_versioning(
        Bucket=b, VersioningConfiguration={"Status": "Suspended"}))[0] == "InvalidBucketState"
    plain = bucket_name("nolock")
    s3.create_bucket(Bucket=plain)
    assert error_of(lambda: s3.get_object_lock_configuration(Bucket=plain))[:2] == \
        ("ObjectLockConfigurationNotFoundError", 404)
    assert error_of(lambda: s3.put_object(Bucket=plain, Key="x", Body=b"x", ObjectLockMode="GOVERNANCE",
                                          ObjectLockRetainUntilDate=until))[1] == 400


# ==== UploadPartCopy, GetObjectAttributes ====

def test_upload_part_copy_ranges_and_attributes(s3, bucket):
    src = os.urandom(6 * MiB + 100)
    s3.put_object(Bucket=bucket, Key="upc-src", Body=src)
    up = s3.create_multipart_upload(Bucket=bucket, Key="upc")["UploadId"]
    r1 = s3.upload_part_copy(Bucket=bucket, Key="upc", UploadId=up, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "upc-src"}, CopySourceRange="bytes=0-%d" % (5 * MiB - 1))
    assert r1["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(src[:5 * MiB]).hexdigest()
    r2 = s3.upload_part_copy(Bucket=bucket, Key="upc", UploadId=up, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "upc-src"},
                             CopySourceRange="bytes=%d-%d" % (5 * MiB, len(src) - 1))
    code, status, _ = error_of(lambda: s3.upload_part_copy(
        Bucket=bucket, Key="upc", UploadId=up, PartNumber=3, CopySource={"Bucket": bucket, "Key": "upc-src"},
        CopySourceRange="bytes=0-%d" % len(src)))
    assert status in (400, 416)
    s3.complete_multipart_upload(Bucket=bucket, Key="upc", UploadId=up, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="upc")["Body"].read() == src
    at = s3.get_object_attributes(Bucket=bucket, Key="upc",
                                  ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "ObjectParts"])
    assert at["ObjectSize"] == len(src) and at["ETag"].endswith("-2") and not at["ETag"].startswith('"')
    assert at["ObjectParts"]["TotalPartsCount"] == 2
    assert [p["Size"] for p in at["ObjectParts"]["Parts"]] == [5 * MiB, len(src) - 5 * MiB]


# ==== headers on refusals, conditional writes, completion retries ====

def test_refusal_headers_conditional_put_and_complete_retry(s3):
    b = bucket_name("hdr")
    s3.create_bucket(Bucket=b)
    etag = s3.put_object(Bucket=b, Key="k", Body=b"v1", Tagging="a=1&b=2")["ETag"]
    # HeadObject answers x-amz-tagging-count though its model has no member for it
    h = s3.head_object(Bucket=b, Key="k")["ResponseMetadata"]["HTTPHeaders"]
    assert h["x-amz-tagging-count"] == "2"
    # a 304 still names the ETag and Last-Modified
    code, status, e = error_of(lambda: s3.get_object(Bucket=b, Key="k", IfNoneMatch=etag))
    assert status == 304
    assert e["ResponseMetadata"]["HTTPHeaders"]["etag"] == etag
    assert "last-modified" in e["ResponseMetadata"]["HTTPHeaders"]
    # PutObject with a failing If-Match is 412 and writes nothing; If-None-Match: * on an existing key too
    def put_with(headers):
        def add(params, **kw):
            params["headers"].update(headers)
        s3.meta.events.register_first("before-call.s3.PutObject", add)
        try:
            return s3.put_object(Bucket=b, Key="k", Body=b"v2")
        finally:
            s3.meta.events.unregister("before-call.s3.PutObject", add)
    assert error_of(lambda: put_with({"If-Match": '"0000"'}))[:2] == ("PreconditionFailed", 412)
    assert error_of(lambda: put_with({"If-None-Match": "*"}))[:2] == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"v1"
    assert put_with({"If-Match": etag})["ETag"] != etag
    # an empty delimiter is no delimiter
    assert "Delimiter" not in s3.list_objects_v2(Bucket=b, Delimiter="")
    # the current version a delete marker: 404 with x-amz-delete-marker and its version id
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    dm = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    code, status, e = error_of(lambda: s3.head_object(Bucket=b, Key="k"))
    assert status == 404
    assert e["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    assert e["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"] == dm
    code, status, e = error_of(lambda: s3.head_object(Bucket=b, Key="k", VersionId=dm))
    assert status == 405 and e["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    # CompleteMultipartUpload sent again answers the same result
    uid = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    p = s3.upload_part(Bucket=b, Key="mp", UploadId=uid, PartNumber=1, Body=b"x")
    parts = {"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}
    first = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload=parts)
    again = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload=parts)
    assert (again["ETag"], again.get("VersionId")) == (first["ETag"], first.get("VersionId"))
    assert error_of(lambda: s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId="nope",
                                                        MultipartUpload=parts))[:2] == ("NoSuchUpload", 404)
    # x-amz-expected-bucket-owner naming another account is refused
    assert error_of(lambda: s3.list_objects_v2(Bucket=b, ExpectedBucketOwner="999999999999"))[:2] == \
        ("AccessDenied", 403)
    # Object Lock on an existing bucket: only once its versioning is Enabled
    lock_cfg = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    b2 = bucket_name("lock2")
    s3.create_bucket(Bucket=b2)
    assert error_of(lambda: s3.put_object_lock_configuration(
        Bucket=b2, ObjectLockConfiguration=lock_cfg))[:2] == ("InvalidBucketState", 409)
    s3.put_bucket_versioning(Bucket=b2, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=b2, ObjectLockConfiguration=lock_cfg)
    assert s3.get_object_lock_configuration(Bucket=b2)["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    assert error_of(lambda: s3.put_bucket_versioning(
        Bucket=b2, VersioningConfiguration={"Status": "Suspended"}))[:2] == ("InvalidBucketState", 409)


# ==== small objects kept in their rows ====

INLINE_MAX = 64 << 10  # S3_INLINE_MAX


def test_small_objects_inline(gureum_factory):
    """Objects up to 64 KiB live in their metadata rows (no blob file): every
    read path serves them as it serves blob objects — ranges, partNumber,
    conditions, versions, copies and UploadPartCopy — and they survive kill -9."""
    g = gureum_factory()
    s3 = g.client("s3")
    b = bucket_name("inline")
    s3.create_bucket(Bucket=b)
    sizes = [0, 1, 4096, INLINE_MAX, INLINE_MAX + 1]
    datas = {n: os.urandom(n) for n in sizes}
    for n, d in datas.items():
        r = s3.put_object(Bucket=b, Key="o%d" % n, Body=d, ContentType="text/x-%d" % n)
        assert r["ETag"] == '"%s"' % hashlib.md5(d).hexdigest()
    assert len(blob_files(g)) == 1  # only the one over 64 KiB
    for n, d in datas.items():
        got = s3.get_object(Bucket=b, Key="o%d" % n)
        assert got["Body"].read() == d and got["ContentLength"] == n and got["ContentType"] == "text/x-%d" % n
        h = s3.head_object(Bucket=b, Key="o%d" % n)
        assert h["ContentLength"] == n and h["ETag"] == '"%s"' % hashlib.md5(d).hexdigest()
    d = datas[4096]
    got = s3.get_object(Bucket=b, Key="o4096", Range="bytes=100-199")
    assert got["Body"].read() == d[100:200] and got["ContentRange"] == "bytes 100-199/4096"
    assert s3.get_object(Bucket=b, Key="o4096", Range="bytes=-10")["Body"].read() == d[-10:]
    assert s3.get_object(Bucket=b, Key="o4096", PartNumber=1)["Body"].read() == d
    code, status, _ = error_of(lambda: s3.get_object(Bucket=b, Key="o4096", Range="bytes=5000-"))
    assert (code, status) == ("InvalidRange", 416)
    etag = '"%s"' % hashlib.md5(d).hexdigest()
    code, status, _ = error_of(lambda: s3.get_object(Bucket=b, Key="o4096", IfNoneMatch=etag))
    assert status == 304
    # CopyObject to another key and onto itself (REPLACE), then UploadPartCopy
    # of a range of a small source into a multipart object.
    s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "o4096"})
    s3.copy_object(Bucket=b, Key="o4096", CopySource={"Bucket": b, "Key": "o4096"}, MetadataDirective="REPLACE",
                   ContentType="text/replaced")
    assert s3.get_object(Bucket=b, Key="copy")["Body"].read() == d
    got = s3.get_object(Bucket=b, Key="o4096")
    assert got["Body"].read() == d and got["ContentType"] == "text/replaced"
    up = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    p = s3.upload_part_copy(Bucket=b, Key="mp", UploadId=up, PartNumber=1, CopySource={"Bucket": b, "Key": "o4096"},
                            CopySourceRange="bytes=10-2057")
    assert p["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(d[10:2058]).hexdigest()
    s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=b, Key="mp")["Body"].read() == d[10:2058]
    # Versions: small, large, small again; each version reads back by id.
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    vs = []
    for body in (b"first", os.urandom(INLINE_MAX + 100), b"third"):
        vs.append((s3.put_object(Bucket=b, Key="v", Body=body)["VersionId"], body))
    for vid, body in vs:
        assert s3.get_object(Bucket=b, Key="v", VersionId=vid)["Body"].read() == body
    s3.delete_object(Bucket=b, Key="v", VersionId=vs[2][0])
    assert s3.get_object(Bucket=b, Key="v")["Body"].read() == vs[1][1]
    # Acknowledged small writes survive kill -9.
    s3.put_object(Bucket=b, Key="last", Body=b"acknowledged")
    g.restart(kill9=True)
    s3 = g.client("s3")
    assert s3.get_object(Bucket=b, Key="last")["Body"].read() == b"acknowledged"
    assert s3.get_object(Bucket=b, Key="o%d" % INLINE_MAX)["Body"].read() == datas[INLINE_MAX]
    for key in ("copy", "mp", "last") + tuple("o%d" % n for n in sizes):
        s3.delete_object(Bucket=b, Key=key)
    for v in s3.list_object_versions(Bucket=b).get("Versions", []):
        s3.delete_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])
    for m in s3.list_object_versions(Bucket=b).get("DeleteMarkers", []):
        s3.delete_object(Bucket=b, Key=m["Key"], VersionId=m["VersionId"])
    assert blob_files(g) == []
    s3.delete_bucket(Bucket=b)


def test_empty_put_then_put_on_one_connection(gureum):
    """boto3 sends Expect: 100-continue with every PutObject; an empty body
    still gets 100 Continue first, or botocore misreads the next PUT's answer
    on that connection (it waited out its read timeout, then retried)."""
    import botocore.config
    s3 = gureum.client("s3", config=botocore.config.Config(read_timeout=5, retries={"max_attempts": 1}))
    b = bucket_name("empty")
    s3.create_bucket(Bucket=b)
    for i in range(3):
        assert s3.put_object(Bucket=b, Key="e%d" % i, Body=b"")["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
        s3.put_object(Bucket=b, Key="f%d" % i, Body=b"x")
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 6
    for i in range(3):
        s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "e%d" % i}, {"Key": "f%d" % i}]})
    s3.delete_bucket(Bucket=b)
