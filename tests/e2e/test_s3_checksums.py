"""S3 checksums end to end: CRC64NVME on PutObject (header and aws-chunked
trailer), HeadObject/GetObject with ChecksumMode, CopyObject, multipart uploads
with full-object checksums (CRC64NVME, CRC32, CRC32C combined from their parts'
CRCs) and AWS's errors for checksum types; then Expect: 100-continue answered
with the final status when a PUT is refused on its headers. Clients: the newer
AWS CLI v1 first on PATH (botocore 1.43, which knows CRC64NVME and
x-amz-checksum-type), boto3 1.26 with raw headers, raw signed requests and a
raw socket. One server for the module.
"""
import base64
import hashlib
import http.client
import io
import json
import os
import socket
import subprocess
import zlib

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import CLIS, remove_bucket

# The CLI v1 with botocore 1.43 (the one that is not Debian's CLI v2).
NEW_CLI = next((c for c in CLIS if c != "/usr/bin/aws"), None)
MIB5 = 5 << 20


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


def name(tag):
    return ("grm-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture
def bucket(s3):
    b = name("ck")
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def crc64nvme(data):
    """CRC-64/NVME, bitwise (small bodies only): reflected 0x9A6C9329AC4BC9B5."""
    c = 0xFFFFFFFFFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x9A6C9329AC4BC9B5 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFFFFFFFFFF


def b64(n, width):
    return base64.b64encode(n.to_bytes(width, "big")).decode()


def signed(gureum, method, path, headers=None, body=b""):
    """A SigV4-signed request sent as is (members boto3 1.26 lacks): status,
    lower-case headers, body."""
    h = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
    h.update(headers or {})
    req = AWSRequest(method=method, url=gureum.endpoint + path, data=body, headers=h)
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def trailer_put(gureum, path, chunks, trailer, value):
    """A PUT of STREAMING-UNSIGNED-PAYLOAD-TRAILER: the chunks, then the
    trailer header x-amz-trailer announced."""
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    chunked += b"0\r\n%s:%s\r\n\r\n" % (trailer.encode(), value.encode())
    return signed(gureum, "PUT", path, {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(sum(len(c) for c in chunks)),
        "x-amz-trailer": trailer,
    }, chunked)


def code_msg(body):
    text = body.decode()
    code = text.split("<Code>")[1].split("</Code>")[0]
    msg = text.split("<Message>")[1].split("</Message>")[0]
    return code, msg


def new_cli(gureum, *args):
    if not NEW_CLI:
        pytest.skip("no AWS CLI v1 on PATH")
    p = gureum.aws(*args, cli=NEW_CLI)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout) if p.stdout.strip() else {}


# ==== CRC64NVME on single objects ====

def test_put_crc64nvme_header_then_read_it_back(gureum, bucket):
    """AWS: x-amz-checksum-crc64nvme is verified and stored; reads answer it
    (and x-amz-checksum-type: FULL_OBJECT) only with x-amz-checksum-mode:
    ENABLED. Value from ceph/s3-tests (1024 'A's)."""
    body = b"A" * 1024
    assert b64(crc64nvme(body), 8) == "Qeh8oXvGiSo="
    st, h, _ = signed(gureum, "PUT", "/%s/a" % bucket, {"x-amz-checksum-crc64nvme": "Qeh8oXvGiSo="}, body)
    assert st == 200
    assert h["x-amz-checksum-crc64nvme"] == "Qeh8oXvGiSo="
    assert h["x-amz-checksum-type"] == "FULL_OBJECT"
    st, h, _ = signed(gureum, "HEAD", "/%s/a" % bucket)
    assert st == 200 and "x-amz-checksum-crc64nvme" not in h
    for method in ("HEAD", "GET"):
        st, h, data = signed(gureum, method, "/%s/a" % bucket, {"x-amz-checksum-mode": "ENABLED"})
        assert st == 200
        assert h["x-amz-checksum-crc64nvme"] == "Qeh8oXvGiSo="
        assert h["x-amz-checksum-type"] == "FULL_OBJECT"
    assert data == body


def test_put_crc64nvme_mismatch_is_bad_digest(gureum, bucket):
    body = b"some bytes"
    wrong = b64(crc64nvme(b"other bytes"), 8)
    st, _, data = signed(gureum, "PUT", "/%s/bad" % bucket, {"x-amz-checksum-crc64nvme": wrong}, body)
    assert st == 400
    assert code_msg(data) == ("BadDigest", "The CRC64NVME you specified did not match the calculated checksum.")
    st, _, _ = signed(gureum, "HEAD", "/%s/bad" % bucket)
    assert st == 404  # nothing was stored


def test_put_crc64nvme_in_aws_chunked_trailer(gureum, bucket):
    """AWS: STREAMING-UNSIGNED-PAYLOAD-TRAILER with x-amz-trailer:
    x-amz-checksum-crc64nvme — the trailer after the last chunk is checked."""
    data = os.urandom(3000)

    def put(key, value):
        return trailer_put(gureum, "/%s/%s" % (bucket, key), (data[:2000], data[2000:]), "x-amz-checksum-crc64nvme",
                           value)

    good = b64(crc64nvme(data), 8)
    st, h, _ = put("t", good)
    assert st == 200 and h["x-amz-checksum-crc64nvme"] == good
    st, h, body = signed(gureum, "GET", "/%s/t" % bucket, {"x-amz-checksum-mode": "ENABLED"})
    assert body == data and h["x-amz-checksum-crc64nvme"] == good
    st, _, body = put("t2", b64(crc64nvme(data[1:]), 8))
    assert st == 400 and code_msg(body)[0] == "BadDigest"


def test_cli_v1_put_head_and_copy_with_crc64nvme(gureum, bucket, tmp_path):
    """The CLI v1 (botocore 1.43) sends --checksum-crc64nvme and reads the
    member back from PutObject, HeadObject --checksum-mode and CopyObject."""
    f = tmp_path / "f"
    body = b"hello crc64 " * 50
    f.write_bytes(body)
    want = b64(crc64nvme(body), 8)
    out = new_cli(gureum, "s3api", "put-object", "--bucket", bucket, "--key", "c", "--body", str(f),
                  "--checksum-crc64-nvme", want)
    assert out["ChecksumCRC64NVME"] == want and out["ChecksumType"] == "FULL_OBJECT"
    out = new_cli(gureum, "s3api", "head-object", "--bucket", bucket, "--key", "c", "--checksum-mode", "ENABLED")
    assert out["ChecksumCRC64NVME"] == want and out["ChecksumType"] == "FULL_OBJECT"
    out = new_cli(gureum, "s3api", "copy-object", "--bucket", bucket, "--key", "c2", "--copy-source",
                  "%s/c" % bucket)
    assert out["CopyObjectResult"]["ChecksumCRC64NVME"] == want
    assert out["CopyObjectResult"]["ChecksumType"] == "FULL_OBJECT"


# ==== multipart: checksum types and full-object checksums ====

# ceph/s3-tests' values: three 5 MiB parts of 'A', 'B', 'C', each part's
# checksum and the whole object's (test_multipart_use_cksum_helper_*).
FULL = {
    "CRC64NVME": (["L/E4WYn8v98=", "xW1l19VobYM=", "cK5MnNaWrW4="], "i+6LR0y3eFo="),
    "CRC32C": (["MDaLrw==", "TH4EZg==", "Z7mBIQ=="], "xU+Krw=="),
}


def test_full_object_multipart_with_cli_v1(gureum, bucket, tmp_path):
    """AWS: a FULL_OBJECT upload completes with the CRC of the whole object
    (not "…-N"), made from the parts' CRCs; CRC64NVME uploads are FULL_OBJECT
    by default. ListParts, GetObjectAttributes, HeadObject and a part's read
    report the type (the CLI v1 parses ChecksumType and ChecksumCRC64NVME)."""
    parts, whole = FULL["CRC64NVME"]
    up = new_cli(gureum, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "m",
                 "--checksum-algorithm", "CRC64NVME")
    assert up["ChecksumAlgorithm"] == "CRC64NVME" and up["ChecksumType"] == "FULL_OBJECT"
    uid = up["UploadId"]
    done = []
    for i, ck in enumerate(parts):
        f = tmp_path / ("p%d" % i)
        f.write_bytes(bytes([ord("A") + i]) * MIB5)
        out = new_cli(gureum, "s3api", "upload-part", "--bucket", bucket, "--key", "m", "--upload-id", uid,
                      "--part-number", str(i + 1), "--body", str(f), "--checksum-crc64-nvme", ck)
        assert out["ChecksumCRC64NVME"] == ck
        done.append({"PartNumber": i + 1, "ETag": out["ETag"], "ChecksumCRC64NVME": ck})
    lp = new_cli(gureum, "s3api", "list-parts", "--bucket", bucket, "--key", "m", "--upload-id", uid)
    assert lp["ChecksumType"] == "FULL_OBJECT"
    assert [p["ChecksumCRC64NVME"] for p in lp["Parts"]] == parts
    out = new_cli(gureum, "s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "m", "--upload-id",
                  uid, "--multipart-upload", json.dumps({"Parts": done}), "--checksum-crc64-nvme", whole,
                  "--checksum-type", "FULL_OBJECT", "--mpu-object-size", str(3 * MIB5))
    assert out["ChecksumCRC64NVME"] == whole and out["ChecksumType"] == "FULL_OBJECT"
    out = new_cli(gureum, "s3api", "get-object-attributes", "--bucket", bucket, "--key", "m",
                  "--object-attributes", "Checksum", "ObjectParts")
    assert out["Checksum"] == {"ChecksumCRC64NVME": whole, "ChecksumType": "FULL_OBJECT"}
    assert [p["ChecksumCRC64NVME"] for p in out["ObjectParts"]["Parts"]] == parts
    st, h, _ = signed(gureum, "HEAD", "/%s/m" % bucket, {"x-amz-checksum-mode": "ENABLED"})
    assert (h["x-amz-checksum-crc64nvme"], h["x-amz-checksum-type"]) == (whole, "FULL_OBJECT")
    st, h, _ = signed(gureum, "HEAD", "/%s/m?partNumber=2" % bucket, {"x-amz-checksum-mode": "ENABLED"})
    assert st == 206 and h["x-amz-checksum-crc64nvme"] == parts[1]
    assert h["x-amz-checksum-type"] == "FULL_OBJECT"


def test_full_object_crc32c_multipart(gureum, bucket):
    """The same for CRC32C, which is COMPOSITE unless the upload asks for
    FULL_OBJECT; the parts' checksums may be left out of the completion."""
    parts, whole = FULL["CRC32C"]
    st, h, body = signed(gureum, "POST", "/%s/c?uploads" % bucket,
                         {"x-amz-checksum-algorithm": "CRC32C", "x-amz-checksum-type": "FULL_OBJECT"})
    assert st == 200 and h["x-amz-checksum-type"] == "FULL_OBJECT"
    uid = body.decode().split("<UploadId>")[1].split("</UploadId>")[0]
    xml = "<CompleteMultipartUpload>"
    for i, ck in enumerate(parts):
        st, h, _ = signed(gureum, "PUT", "/%s/c?partNumber=%d&uploadId=%s" % (bucket, i + 1, uid),
                          {"x-amz-checksum-crc32c": ck}, bytes([ord("A") + i]) * MIB5)
        assert st == 200 and h["x-amz-checksum-crc32c"] == ck
        xml += "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>" % (i + 1, h["etag"])
    xml += "</CompleteMultipartUpload>"
    st, h, body = signed(gureum, "POST", "/%s/c?uploadId=%s" % (bucket, uid), {"x-amz-checksum-crc32c": whole},
                         xml.encode())
    assert st == 200, body
    assert "<ChecksumCRC32C>%s</ChecksumCRC32C>" % whole in body.decode()
    st, h, _ = signed(gureum, "HEAD", "/%s/c" % bucket, {"x-amz-checksum-mode": "ENABLED"})
    assert (h["x-amz-checksum-crc32c"], h["x-amz-checksum-type"]) == (whole, "FULL_OBJECT")


def test_full_object_crc32_with_unequal_parts(gureum, s3, bucket):
    """The combination uses each part's own length: a short last part, the
    whole CRC32 checked against zlib's over the object's bytes (boto3 1.26
    with the type as a raw header). A part copied with UploadPartCopy gets the
    upload's checksum too."""
    data = os.urandom(MIB5) + os.urandom(12345)
    pieces = [data[:MIB5], data[MIB5:]]
    whole = b64(zlib.crc32(data), 4)
    add = lambda params, **_: params["headers"].update({"x-amz-checksum-type": "FULL_OBJECT"})
    s3.meta.events.register("before-call.s3.CreateMultipartUpload", add)
    try:
        uid = s3.create_multipart_upload(Bucket=bucket, Key="u", ChecksumAlgorithm="CRC32")["UploadId"]
    finally:
        s3.meta.events.unregister("before-call.s3.CreateMultipartUpload", add)
    # part 1 copied from another object (its CRC32 computed as it is copied), part 2 uploaded
    s3.put_object(Bucket=bucket, Key="src", Body=b"x" + pieces[0] + b"y")
    r = s3.upload_part_copy(Bucket=bucket, Key="u", UploadId=uid, PartNumber=1, CopySource="%s/src" % bucket,
                            CopySourceRange="bytes=1-%d" % MIB5)["CopyPartResult"]
    assert r["ChecksumCRC32"] == b64(zlib.crc32(pieces[0]), 4)
    done = [{"PartNumber": 1, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]}]
    r = s3.upload_part(Bucket=bucket, Key="u", UploadId=uid, PartNumber=2, Body=pieces[1],
                       ChecksumCRC32=b64(zlib.crc32(pieces[1]), 4))
    done.append({"PartNumber": 2, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    r = s3.complete_multipart_upload(Bucket=bucket, Key="u", UploadId=uid, MultipartUpload={"Parts": done},
                                     ChecksumCRC32=whole)
    assert r["ChecksumCRC32"] == whole
    h = s3.head_object(Bucket=bucket, Key="u", ChecksumMode="ENABLED")["ResponseMetadata"]["HTTPHeaders"]
    assert (h["x-amz-checksum-crc32"], h["x-amz-checksum-type"]) == (whole, "FULL_OBJECT")
    assert s3.get_object(Bucket=bucket, Key="u")["Body"].read() == data


def test_copy_with_another_checksum_algorithm(gureum, s3, bucket):
    """CopyObject keeps the source's checksum unless x-amz-checksum-algorithm
    names another; then the copy gets that one, computed over its bytes, for a
    small object, a large one, a multipart one and a copy onto itself (which
    is how an object's checksum is changed)."""
    small, large = b"hello checksum", os.urandom(MIB5 + 777)
    s3.put_object(Bucket=bucket, Key="small", Body=small, ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key="large", Body=large)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=large[o:o + MIB5] or b"")
             for n, o in ((1, 0), (2, MIB5))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": n + 1, "ETag": p["ETag"]} for n, p in enumerate(parts)]})

    kept = s3.copy_object(Bucket=bucket, Key="kept", CopySource="%s/small" % bucket)["CopyObjectResult"]
    assert kept["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(small).digest()).decode()
    for src, data in (("small", small), ("large", large), ("mp", large)):
        r = s3.copy_object(Bucket=bucket, Key=src + "-c", CopySource="%s/%s" % (bucket, src),
                           ChecksumAlgorithm="CRC32")["CopyObjectResult"]
        assert r["ChecksumCRC32"] == b64(zlib.crc32(data), 4), src
        h = s3.head_object(Bucket=bucket, Key=src + "-c", ChecksumMode="ENABLED")
        assert h["ChecksumCRC32"] == r["ChecksumCRC32"] and "ChecksumSHA256" not in h, src
        assert s3.get_object(Bucket=bucket, Key=src + "-c")["Body"].read() == data
    # onto itself: only the checksum changes
    r = s3.copy_object(Bucket=bucket, Key="large", CopySource="%s/large" % bucket,
                       ChecksumAlgorithm="SHA1")["CopyObjectResult"]
    assert r["ChecksumSHA1"] == base64.b64encode(hashlib.sha1(large).digest()).decode()
    assert s3.head_object(Bucket=bucket, Key="large", ChecksumMode="ENABLED")["ChecksumSHA1"] == r["ChecksumSHA1"]
    assert s3.get_object(Bucket=bucket, Key="large")["Body"].read() == large


def test_checksum_type_errors(gureum, bucket):
    """AWS: SHA checksums cannot be FULL_OBJECT, CRC64NVME cannot be
    COMPOSITE, x-amz-checksum-type needs x-amz-checksum-algorithm, and both
    must be values S3 knows (InvalidRequest, 400)."""
    cases = [
        ({"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "FULL_OBJECT"},
         "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm."),
        ({"x-amz-checksum-algorithm": "SHA1", "x-amz-checksum-type": "FULL_OBJECT"},
         "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm."),
        ({"x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE"},
         "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."),
        ({"x-amz-checksum-type": "FULL_OBJECT"},
         "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."),
        ({"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "PARTIAL"},
         "Value for x-amz-checksum-type header is invalid."),
        ({"x-amz-checksum-algorithm": "MD4"},
         "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
         "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"),
    ]
    for headers, msg in cases:
        st, _, body = signed(gureum, "POST", "/%s/e?uploads" % bucket, headers)
        assert (st,) + code_msg(body) == (400, "InvalidRequest", msg), headers
    # CRC32 allows both; SHA256 defaults to COMPOSITE
    for algo, typ, want in (("CRC32", "COMPOSITE", "COMPOSITE"), ("CRC32", None, "COMPOSITE"),
                            ("SHA256", None, "COMPOSITE"), ("CRC64NVME", None, "FULL_OBJECT")):
        h = {"x-amz-checksum-algorithm": algo}
        if typ:
            h["x-amz-checksum-type"] = typ
        st, hh, _ = signed(gureum, "POST", "/%s/e?uploads" % bucket, h)
        assert st == 200 and hh["x-amz-checksum-type"] == want, (algo, typ)
    # ListMultipartUploads names each upload's algorithm and type
    st, _, body = signed(gureum, "GET", "/%s?uploads" % bucket)
    text = body.decode()
    assert st == 200 and text.count("<ChecksumType>FULL_OBJECT</ChecksumType>") == 1
    assert text.count("<ChecksumType>COMPOSITE</ChecksumType>") == 3
    assert text.count("<ChecksumAlgorithm>CRC32</ChecksumAlgorithm>") == 2


def test_full_object_completion_errors(gureum, s3, bucket):
    """A part with another checksum algorithm than the upload's, or none, is
    InvalidRequest; at completion a wrong whole checksum is BadDigest, and
    another checksum type or x-amz-mp-object-size than the upload's is
    InvalidRequest."""
    st, _, body = signed(gureum, "POST", "/%s/f?uploads" % bucket, {"x-amz-checksum-algorithm": "CRC64NVME"})
    uid = body.decode().split("<UploadId>")[1].split("</UploadId>")[0]
    data = b"tail part bytes"
    ck = b64(crc64nvme(data), 8)
    # AWS: each part carries a checksum of the upload's algorithm
    for headers, got in (({"x-amz-checksum-crc32": b64(zlib.crc32(data), 4)}, "crc32"), ({}, "null")):
        st, _, body = signed(gureum, "PUT", "/%s/f?partNumber=1&uploadId=%s" % (bucket, uid), headers, data)
        assert (st,) + code_msg(body) == (
            400, "InvalidRequest",
            "Checksum Type mismatch occurred, expected checksum Type: crc64nvme, actual checksum Type: %s" % got)
    st, h, _ = signed(gureum, "PUT", "/%s/f?partNumber=1&uploadId=%s" % (bucket, uid),
                      {"x-amz-checksum-crc64nvme": ck}, data)
    assert st == 200 and h["x-amz-checksum-crc64nvme"] == ck
    xml = ("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
           "</CompleteMultipartUpload>" % h["etag"]).encode()
    path = "/%s/f?uploadId=%s" % (bucket, uid)
    st, _, body = signed(gureum, "POST", path, {"x-amz-checksum-crc64nvme": b64(crc64nvme(b"x"), 8)}, xml)
    assert (st,) + code_msg(body) == (
        400, "BadDigest", "The CRC64NVME you specified did not match the calculated checksum.")
    st, _, body = signed(gureum, "POST", path, {"x-amz-checksum-type": "COMPOSITE"}, xml)
    assert (st,) + code_msg(body) == (
        400, "InvalidRequest",
        "The upload was created using the FULL_OBJECT checksum mode. The complete request must use the same "
        "checksum mode.")
    st, _, body = signed(gureum, "POST", path, {"x-amz-mp-object-size": "99"}, xml)
    assert (st,) + code_msg(body) == (
        400, "InvalidRequest",
        "The provided 'x-amz-mp-object-size' header value 99 does not match what was computed: %d" % len(data))
    # a single part: the whole object's CRC is that part's
    st, h, body = signed(gureum, "POST", path, {"x-amz-checksum-crc64nvme": ck}, xml)
    assert st == 200
    assert "<ChecksumCRC64NVME>%s</ChecksumCRC64NVME>" % ck in body.decode()
    assert "<ChecksumType>FULL_OBJECT</ChecksumType>" in body.decode()


# ==== Expect: 100-continue ====

def expect_put(gureum, path, length=123):
    """An anonymous PUT with Expect: 100-continue (ceph/s3-tests' request): the
    first response bytes."""
    s = socket.create_connection(("127.0.0.1", gureum.port), timeout=5)
    try:
        s.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\nContent-Length: %d\r\n"
                   "Expect: 100-continue\r\n\r\n" % (path, length)).encode())
        return s.recv(4096).decode(errors="replace")
    finally:
        s.close()


def test_expect_continue_answers_refusals_first(gureum, s3, bucket):
    """AWS: a PUT refused on its headers (anonymous to a private bucket, a
    missing bucket) gets its final status instead of 100 Continue, and the
    connection closes; once the bucket is public-read-write the same PUT gets
    100 Continue (ceph/s3-tests test_100_continue)."""
    head = expect_put(gureum, "/%s/obj" % bucket)
    assert head.startswith("HTTP/1.1 403 "), head
    assert "Connection: close" in head
    head = expect_put(gureum, "/%s-missing/obj" % bucket)
    assert head.startswith("HTTP/1.1 404 ") and "<Code>NoSuchBucket</Code>" in head, head
    head = expect_put(gureum, "/%s/obj" % bucket, length=0)  # even an empty body
    assert head.startswith("HTTP/1.1 403 ") and "Connection: close" in head, head
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert expect_put(gureum, "/%s/obj" % bucket) == "HTTP/1.1 100 Continue\r\n\r\n"


def test_boto3_after_a_refused_expect_put_the_connection_works(gureum, s3, bucket):
    """botocore sends file bodies with Expect: 100-continue; a PUT to a missing
    bucket is 404 NoSuchBucket, and the next requests on the same client
    (its pooled connection) work (ceph/s3-tests test_100_continue_error_retry)."""
    for body in (io.BytesIO(b"bar"), io.BytesIO(b""), b"bar"):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket + "-missing", Key="foo", Body=body)
        assert e.value.response["Error"]["Code"] == "NoSuchBucket"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        s3.put_object(Bucket=bucket, Key="foo", Body=io.BytesIO(b"bar"))
        assert s3.get_object(Bucket=bucket, Key="foo")["Body"].read() == b"bar"
    # a wrong secret is refused on the headers too; the good client goes on
    bad = gureum.client("s3", aws_secret_access_key="wrong")
    with pytest.raises(ClientError) as e:
        bad.put_object(Bucket=bucket, Key="foo", Body=io.BytesIO(b"x" * 1000))
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    s3.put_object(Bucket=bucket, Key="foo2", Body=io.BytesIO(b"y" * 1000))


def expect_signed(gureum, method, path, body, secret="test"):
    """A signed request's headers with Expect: 100-continue, its body held
    back: the first response bytes."""
    h = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(), "Content-Length": str(len(body))}
    req = AWSRequest(method=method, url=gureum.endpoint + path, data=body, headers=h)
    SigV4Auth(Credentials("test", secret), "s3", "us-east-1").add_auth(req)
    s = socket.create_connection(("127.0.0.1", gureum.port), timeout=5)
    try:
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (method, path, gureum.port)
        head += "".join("%s: %s\r\n" % kv for kv in req.headers.items()) + "Expect: 100-continue\r\n\r\n"
        s.sendall(head.encode())
        return s.recv(4096).decode(errors="replace")
    finally:
        s.close()


def test_expect_continue_on_buffered_requests(gureum, bucket):
    """Requests read whole (not streamed) that wait for 100 Continue: a
    signature that fails on the headers is answered at once; a good one gets
    100 Continue. A request without credentials to a service that needs them
    too (SQS)."""
    xml = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"
    head = expect_signed(gureum, "PUT", "/%s?tagging" % bucket, xml, secret="wrong")
    assert head.startswith("HTTP/1.1 403 ") and "SignatureDoesNotMatch" in head, head
    assert expect_signed(gureum, "PUT", "/%s?tagging" % bucket, xml) == "HTTP/1.1 100 Continue\r\n\r\n"
    # SQS: a signature that names an unknown key is refused before the body
    s = socket.create_connection(("127.0.0.1", gureum.port), timeout=5)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"X-Amz-Date: 20300101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=NOSUCHKEY/20300101/"
                  b"us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64 +
                  b"\r\nContent-Length: 40\r\nExpect: 100-continue\r\n\r\n")
        head = s.recv(4096).decode(errors="replace")
    finally:
        s.close()
    assert head.startswith("HTTP/1.1 4") and "Connection: close" in head, head


# ==== The algorithms of 2026: MD5, SHA512, XXHASH64, XXHASH3, XXHASH128 ====

def digest_2026(algo, data):
    """The raw value of AWS's x-amz-checksum-<algo>: hashlib for MD5 and
    SHA512, Debian's xxhsum (canonical, big-endian) for the xxHashes."""
    if algo in ("MD5", "SHA512"):
        return hashlib.new(algo.lower(), data).digest()
    flag = {"XXHASH64": "-H1", "XXHASH3": "-H3", "XXHASH128": "-H2"}[algo]
    out = subprocess.run(["xxhsum", flag, "-"], input=data, capture_output=True, check=True).stdout.decode()
    hexval = out.split("=")[-1].split()[0] if "=" in out else out.split()[0]
    return bytes.fromhex(hexval)


ALGOS_2026 = ("MD5", "SHA512", "XXHASH64", "XXHASH3", "XXHASH128")


@pytest.mark.parametrize("algo", ALGOS_2026)
def test_put_2026_checksum_header_verified_stored_and_listed(gureum, bucket, algo):
    """AWS: each x-amz-checksum-* is verified (BadDigest when it differs),
    must be base64 of the algorithm's size (InvalidRequest), is stored and
    answered with ChecksumMode, GetObjectAttributes and in listings."""
    hdr = "x-amz-checksum-" + algo.lower()
    body = b"hello world"
    good = base64.b64encode(digest_2026(algo, body)).decode()
    if algo == "XXHASH64":
        assert digest_2026(algo, body).hex() == "45ab6734b21e6968"  # xxhsum's value of "hello world"
    st, h, _ = signed(gureum, "PUT", "/%s/k" % bucket, {hdr: good}, body)
    assert st == 200
    assert (h[hdr], h["x-amz-checksum-type"]) == (good, "FULL_OBJECT")
    for method in ("HEAD", "GET"):
        st, h, data = signed(gureum, method, "/%s/k" % bucket, {"x-amz-checksum-mode": "ENABLED"})
        assert st == 200 and h[hdr] == good
    assert data == body
    st, _, data = signed(gureum, "GET", "/%s/k?attributes" % bucket, {"x-amz-object-attributes": "Checksum"})
    assert st == 200 and "<Checksum%s>%s</Checksum%s>" % (algo, good, algo) in data.decode()
    st, _, data = signed(gureum, "GET", "/%s?list-type=2" % bucket)
    assert "<ChecksumAlgorithm>%s</ChecksumAlgorithm>" % algo in data.decode()
    wrong = base64.b64encode(digest_2026(algo, b"hello there")).decode()
    st, _, data = signed(gureum, "PUT", "/%s/bad" % bucket, {hdr: wrong}, body)
    assert (st,) + code_msg(data) == (400, "BadDigest",
                                      "The %s you specified did not match the calculated checksum." % algo)
    st, _, data = signed(gureum, "PUT", "/%s/bad" % bucket, {hdr: base64.b64encode(b"abc").decode()}, body)
    assert (st,) + code_msg(data) == (400, "InvalidRequest", "Value for %s header is invalid." % hdr)
    st, _, _ = signed(gureum, "HEAD", "/%s/bad" % bucket)
    assert st == 404


def test_put_xxhash128_in_aws_chunked_trailer(gureum, bucket):
    data = os.urandom(3000)

    def put(key, value):
        return trailer_put(gureum, "/%s/%s" % (bucket, key), (data,), "x-amz-checksum-xxhash128", value)

    good = base64.b64encode(digest_2026("XXHASH128", data)).decode()
    st, h, _ = put("t", good)
    assert st == 200 and h["x-amz-checksum-xxhash128"] == good
    st, _, body = put("t2", base64.b64encode(digest_2026("XXHASH128", data[1:])).decode())
    assert st == 400 and code_msg(body)[0] == "BadDigest"


def test_boto3_sha512_checksum_algorithm(s3, bucket):
    """The SDK computes SHA512 itself (botocore 1.43; older ones lack it)
    and validates the value GetObject answers."""
    import botocore.httpchecksum as hc
    if "sha512" not in getattr(hc, "_CHECKSUM_CLS", {}):
        pytest.skip("this botocore has no SHA512 checksums")
    body = os.urandom(70000)
    r = s3.put_object(Bucket=bucket, Key="s", Body=body, ChecksumAlgorithm="SHA512")
    want = base64.b64encode(hashlib.sha512(body).digest()).decode()
    assert r["ChecksumSHA512"] == want
    got = s3.get_object(Bucket=bucket, Key="s", ChecksumMode="ENABLED")
    assert got["ChecksumSHA512"] == want and got["Body"].read() == body


def test_multipart_2026_algorithms_are_composite(gureum, bucket):
    """MD5, SHA512 and the xxHashes cannot be combined from their parts'
    values: COMPOSITE only, the value over the parts' raw checksums, "-N"."""
    st, _, body = signed(gureum, "POST", "/%s/m?uploads" % bucket,
                         {"x-amz-checksum-algorithm": "SHA512", "x-amz-checksum-type": "FULL_OBJECT"})
    assert (st,) + code_msg(body) == (
        400, "InvalidRequest", "The FULL_OBJECT checksum type cannot be used with the sha512 checksum algorithm.")
    for algo in ("SHA512", "XXHASH3"):
        hdr = "x-amz-checksum-" + algo.lower()
        st, h, body = signed(gureum, "POST", "/%s/m?uploads" % bucket, {"x-amz-checksum-algorithm": algo})
        assert st == 200 and h["x-amz-checksum-type"] == "COMPOSITE"
        uid = body.decode().split("<UploadId>")[1].split("</UploadId>")[0]
        xml, raw = "<CompleteMultipartUpload>", b""
        for i, data in enumerate((b"a" * MIB5, b"b" * 1000)):
            d = digest_2026(algo, data)
            raw += d
            ck = base64.b64encode(d).decode()
            st, h, _ = signed(gureum, "PUT", "/%s/m?partNumber=%d&uploadId=%s" % (bucket, i + 1, uid), {hdr: ck}, data)
            assert st == 200 and h[hdr] == ck
            xml += "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag><Checksum%s>%s</Checksum%s></Part>" % (
                i + 1, h["etag"], algo, ck, algo)
        xml += "</CompleteMultipartUpload>"
        st, h, body = signed(gureum, "POST", "/%s/m?uploadId=%s" % (bucket, uid), {}, xml.encode())
        assert st == 200, body
        whole = base64.b64encode(digest_2026(algo, raw)).decode() + "-2"
        assert "<Checksum%s>%s</Checksum%s>" % (algo, whole, algo) in body.decode()
        st, h, _ = signed(gureum, "HEAD", "/%s/m" % bucket, {"x-amz-checksum-mode": "ENABLED"})
        assert (h[hdr], h["x-amz-checksum-type"]) == (whole, "COMPOSITE")
