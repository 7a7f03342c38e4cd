"""S3 end to end with the other clients users point at S3: s3cmd and rclone
(Debian packages; scripts/install-deps.sh installs them), each configured only
through its own temporary config file aimed at the test server, path-style.
What users do with them — buckets, small and multipart uploads, listings,
syncing both ways with deletes, metadata, server-side copies, presigned URLs
fetched with curl, versions, Requester Pays across accounts — checked byte for
byte and listing for listing, with boto3 as the independent observer of what
the server stored. Several assertions pin server bugs these clients found:
s3cmd info/payer/accesslog met NotImplemented, rclone's presigned PUTs (two
Content-Length headers) and --s3-v2-auth (a Date ending in "UTC") were refused.
"""
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

MiB = 1 << 20
TOOL_TIMEOUT = 60  # seconds; every invocation fails fast (no client retries)

# File names that commonly break request signing or listing encodings.
ODD_NAMES = [
    "a b.txt", "plus+sign.txt", "pct%41.txt", "tilde~.txt", "ünï cödé.txt", "semi;colon=eq&amp.txt",
    "star*(paren)'.txt", "hash#.txt", "comma,at@dollar$.txt", "dir with space/q?mark.txt",
]


def need(tool):
    path = shutil.which(tool)
    if not path:
        pytest.skip("%s is not installed (scripts/install-deps.sh installs it)" % tool)
    return path


def uniq(tag):
    return "gr-c-%s-%s" % (tag, os.urandom(3).hex())


def write_tree(root, files):
    """files: {relative path: bytes}. Returns root."""
    for rel, data in files.items():
        p = Path(root) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return Path(root)


def read_tree(root):
    root = Path(root)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def stored(s3, bucket, prefix=""):
    """{key: bytes} of everything under prefix, read back with boto3."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix):]] = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


def bucket_names(s3):
    return {b["Name"] for b in s3.list_buckets()["Buckets"]}


def new_bucket(s3, tag):
    b = uniq(tag)
    s3.create_bucket(Bucket=b)
    return b


def drop_bucket(s3, b):
    """Empties and deletes a bucket with boto3 (s3cmd is slow to start, so the
    tests use it for what they test and boto3 for the rest)."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b):
        for o in page.get("Contents", []):
            s3.delete_object(Bucket=b, Key=o["Key"])
    s3.delete_bucket(Bucket=b)


def error_code(call):
    with pytest.raises(ClientError) as ei:
        call()
    return ei.value.response["Error"]["Code"]


def md5(data):
    return hashlib.md5(data).hexdigest()


@pytest.fixture(scope="module")
def s3(gureum):
    return gureum.client("s3")


@pytest.fixture(scope="module")
def big():
    """12 MiB of random bytes: three 5 MiB parts for both clients."""
    return os.urandom(12 * MiB)


# ==== s3cmd ====

class S3cmd:
    """Runs s3cmd with a config file of its own: the test keys, the server as
    host_base and host_bucket without %(bucket)s (so path-style), no retries."""

    def __init__(self, gureum, work):
        self.bin = need("s3cmd")
        self.gureum = gureum
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.cfg = self.work / "s3cfg"
        hostport = "127.0.0.1:%d" % gureum.port
        self.cfg.write_text("\n".join([
            "[default]",
            "access_key = test",
            "secret_key = test",
            "host_base = " + hostport,
            "host_bucket = " + hostport,
            "bucket_location = us-east-1",
            "use_https = False",
            "signature_v2 = False",
            "progress_meter = False",
            "max_retries = 1",
            "socket_timeout = 30",
            "",
        ]))

    def run(self, *args, check=True, input=None):
        env = self.gureum.client_env({"HOME": str(self.work)})
        p = subprocess.run([self.bin, "-c", str(self.cfg)] + [str(a) for a in args], capture_output=True,
                           text=True, env=env, timeout=TOOL_TIMEOUT, input=input, cwd=str(self.work))
        if check:
            assert p.returncode == 0, "s3cmd %s -> %d\n%s\n%s" % (args, p.returncode, p.stdout, p.stderr)
        return p

    def ls(self, *args):
        """s3cmd ls/la lines as (size, 'DIR' or 'BUCKET', uri)."""
        out = []
        for line in self.run(*args).stdout.splitlines():
            if not line.strip():
                continue
            parts = line.split(None, 1)
            if parts[0] == "DIR":
                out.append(("DIR", parts[1]))
                continue
            rest = line.split(None, 2)[2]  # after date and time
            if rest.startswith("s3://"):
                out.append(("BUCKET", rest))
            else:
                size, uri = rest.split(None, 1)
                out.append((int(size), uri))
        return out

    def info(self, uri):
        """s3cmd info as {field: value} (first occurrence of each field)."""
        fields = {}
        for line in self.run("info", uri).stdout.splitlines():
            if ":" in line and line.startswith("   "):
                k, v = line.strip().split(":", 1)
                fields.setdefault(k.strip(), v.strip())
        return fields


@pytest.fixture(scope="module")
def s3cmd(gureum, tmp_path_factory):
    return S3cmd(gureum, tmp_path_factory.mktemp("s3cmd"))


def test_s3cmd_bucket_put_get_ls_info_del(gureum, s3, s3cmd, tmp_path):
    b = uniq("s3cmd")
    assert "created" in s3cmd.run("mb", "s3://" + b).stdout
    assert b in bucket_names(s3)
    assert ("BUCKET", "s3://" + b) in s3cmd.ls("ls")

    small = tmp_path / "hello.txt"
    small.write_bytes(b"hello from s3cmd\n")
    s3cmd.run("put", small, "s3://%s/docs/hello.txt" % b)
    assert s3cmd.ls("ls", "s3://%s/docs/" % b) == [(17, "s3://%s/docs/hello.txt" % b)]
    assert s3cmd.ls("ls", "s3://%s" % b) == [("DIR", "s3://%s/docs/" % b)]
    assert s3cmd.ls("ls", "-r", "s3://%s" % b) == [(17, "s3://%s/docs/hello.txt" % b)]
    assert (17, "s3://%s/docs/hello.txt" % b) in s3cmd.ls("la", "-r")

    got = tmp_path / "got.txt"
    s3cmd.run("get", "s3://%s/docs/hello.txt" % b, got)
    assert got.read_bytes() == small.read_bytes()

    info = s3cmd.info("s3://%s/docs/hello.txt" % b)
    assert info["File size"] == "17"
    assert info["MD5 sum"] == md5(small.read_bytes())
    assert info["MIME type"] == "text/plain"
    assert info["Storage"] == "STANDARD"
    head = s3.head_object(Bucket=b, Key="docs/hello.txt")
    assert head["ETag"] == '"%s"' % md5(small.read_bytes())
    # s3cmd keeps the file's attributes in its own metadata header
    assert "md5:" + md5(small.read_bytes()) in head["Metadata"]["s3cmd-attrs"]

    binfo = s3cmd.info("s3://" + b)
    assert binfo["Location"] == "us-east-1"
    assert binfo["Payer"] == "BucketOwner"  # GetBucketRequestPayment; AWS answers BucketOwner by default
    assert binfo["Policy"] == "none" and binfo["CORS"] == "none"

    # rb of a bucket with objects fails with AWS's BucketNotEmpty
    p = s3cmd.run("rb", "s3://" + b, check=False)
    assert p.returncode != 0 and "BucketNotEmpty" in p.stderr
    s3cmd.run("del", "s3://%s/docs/hello.txt" % b)
    assert stored(s3, b) == {}
    s3cmd.run("rb", "s3://" + b)
    assert b not in bucket_names(s3)


def test_s3cmd_multipart_upload(gureum, s3, s3cmd, big, tmp_path):
    b = new_bucket(s3, "s3cmd-mp")
    src = tmp_path / "big.bin"
    src.write_bytes(big)
    s3cmd.run("put", "--multipart-chunk-size-mb=5", src, "s3://%s/big.bin" % b)
    head = s3.head_object(Bucket=b, Key="big.bin")
    assert head["ContentLength"] == len(big)
    assert head["ETag"].endswith('-3"')  # 5 + 5 + 2 MiB parts, completed as one object
    assert s3.get_object(Bucket=b, Key="big.bin")["Body"].read() == big
    got = tmp_path / "back.bin"
    s3cmd.run("get", "s3://%s/big.bin" % b, got)
    assert got.read_bytes() == big
    assert s3.list_multipart_uploads(Bucket=b).get("Uploads", []) == []  # none left behind
    assert s3cmd.info("s3://%s/big.bin" % b)["MD5 sum"] == md5(big)  # from s3cmd's attrs header
    drop_bucket(s3, b)


def test_s3cmd_sync_both_ways_with_deletes(gureum, s3, s3cmd, tmp_path):
    b = new_bucket(s3, "s3cmd-sync")
    files = {"a.txt": b"alpha\n", "sub/b.json": b'{"b": 1}\n', "sub/deeper/c.html": b"<p>c</p>\n",
             "empty.dat": b""}
    files.update({n: ("name " + n).encode() for n in ODD_NAMES})
    local = write_tree(tmp_path / "up", files)
    s3cmd.run("sync", str(local) + "/", "s3://%s/site/" % b)
    assert stored(s3, b, "site/") == files
    assert s3.head_object(Bucket=b, Key="site/sub/b.json")["ContentType"] == "application/json"

    # Change one, remove one, add one: --delete-removed mirrors exactly.
    (local / "a.txt").write_bytes(b"alpha, changed\n")
    (local / "sub/b.json").unlink()
    (local / "new.txt").write_bytes(b"new\n")
    out = s3cmd.run("sync", "--delete-removed", str(local) + "/", "s3://%s/site/" % b).stdout
    assert "delete: 's3://%s/site/sub/b.json'" % b in out
    assert stored(s3, b, "site/") == read_tree(local)
    # A second sync has nothing to do (s3cmd compares sizes and ETag MD5s).
    out = s3cmd.run("sync", "--delete-removed", str(local) + "/", "s3://%s/site/" % b).stdout
    assert "upload:" not in out and "delete:" not in out

    down = tmp_path / "down"
    down.mkdir()
    s3cmd.run("sync", "s3://%s/site/" % b, str(down) + "/")
    assert read_tree(down) == read_tree(local)
    s3.delete_object(Bucket=b, Key="site/new.txt")
    s3.put_object(Bucket=b, Key="site/remote-only.txt", Body=b"from elsewhere\n")
    s3cmd.run("sync", "--delete-removed", "s3://%s/site/" % b, str(down) + "/")
    want = read_tree(local)
    del want["new.txt"]
    want["remote-only.txt"] = b"from elsewhere\n"
    assert read_tree(down) == want

    s3cmd.run("del", "--recursive", "--force", "s3://" + b)
    assert stored(s3, b) == {}
    s3cmd.run("rb", "s3://" + b)


def test_s3cmd_metadata_copy_move_du(gureum, s3, s3cmd, tmp_path):
    b = new_bucket(s3, "s3cmd-meta")
    f = tmp_path / "doc.bin"
    f.write_bytes(b"\x00\x01binary\xff")
    s3cmd.run("put", "--mime-type=application/x-custom", "--add-header=x-amz-meta-color:blue",
              "--add-header=Cache-Control:max-age=60", "--add-header=Content-Disposition:attachment", f,
              "s3://%s/doc.bin" % b)
    h = s3.head_object(Bucket=b, Key="doc.bin")
    assert h["ContentType"] == "application/x-custom"
    assert h["CacheControl"] == "max-age=60"
    assert h["ContentDisposition"] == "attachment"
    assert h["Metadata"]["color"] == "blue"
    info = s3cmd.info("s3://%s/doc.bin" % b)
    assert info["MIME type"] == "application/x-custom" and info["x-amz-meta-color"] == "blue"

    # modify = CopyObject onto itself with REPLACE: old metadata kept by s3cmd, new added
    s3cmd.run("modify", "--add-header=x-amz-meta-shape:round", "s3://%s/doc.bin" % b)
    h = s3.head_object(Bucket=b, Key="doc.bin")
    assert h["Metadata"]["shape"] == "round" and h["Metadata"]["color"] == "blue"
    assert h["ContentType"] == "application/x-custom"

    s3cmd.run("cp", "s3://%s/doc.bin" % b, "s3://%s/copy.bin" % b)
    s3cmd.run("mv", "s3://%s/copy.bin" % b, "s3://%s/moved/doc.bin" % b)
    assert stored(s3, b) == {"doc.bin": f.read_bytes(), "moved/doc.bin": f.read_bytes()}
    assert s3.head_object(Bucket=b, Key="moved/doc.bin")["Metadata"]["shape"] == "round"
    du = s3cmd.run("du", "s3://" + b).stdout.split()
    assert du[:3] == [str(2 * len(f.read_bytes())), "2", "objects"]
    drop_bucket(s3, b)


def curl(url, *args):
    """curl -s -i URL → (status, {lower header: value}, body bytes)."""
    p = subprocess.run([need("curl"), "-s", "-i", "--max-time", "20"] + list(args) + [url], capture_output=True,
                       timeout=30)
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def test_s3cmd_signurl_with_curl(gureum, s3, s3cmd):
    b = new_bucket(s3, "s3cmd-sign")
    body = os.urandom(4096)
    keys = ["a b+c%d ü.bin", "plain.bin"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=body, ContentType="application/x-test", Metadata={"m": "v"})
        url = s3cmd.run("signurl", "s3://%s/%s" % (b, k), "+300").stdout.strip()
        assert "Signature=" in url and "Expires=" in url  # s3cmd presigns with signature version 2
        status, hdrs, got = curl(url)
        assert status == 200 and got == body, (k, status, got[:300])
        assert hdrs["content-type"] == "application/x-test"
        assert hdrs["x-amz-meta-m"] == "v"
        assert hdrs["etag"] == '"%s"' % md5(body)

    # The signature covers the method, key and expiry (url is plain.bin's).
    status, _, err = curl(url, "-I")
    assert status == 403
    status, _, err = curl(url.replace("plain.bin", "other.bin"))
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in err
    expired = s3cmd.run("signurl", "s3://%s/plain.bin" % b, str(int(time.time()) - 5)).stdout.strip()
    status, _, err = curl(expired)
    assert status == 403 and b"<Code>AccessDenied</Code>" in err and b"Request has expired" in err
    drop_bucket(s3, b)


def test_s3cmd_signature_v2_requests(gureum, s3, s3cmd, tmp_path):
    """s3cmd --signature-v2 signs every request the old way (still accepted by S3)."""
    b = new_bucket(s3, "s3cmd-v2")
    f = tmp_path / "v2 file+.txt"
    f.write_bytes(b"signed with v2\n")
    s3cmd.run("--signature-v2", "put", f, "s3://%s/dir/v2 file+.txt" % b)
    assert s3cmd.ls("--signature-v2", "ls", "-r", "s3://" + b) == [(15, "s3://%s/dir/v2 file+.txt" % b)]
    assert s3cmd.run("--signature-v2", "get", "s3://%s/dir/v2 file+.txt" % b, "-").stdout == "signed with v2\n"
    s3cmd.run("--signature-v2", "del", "s3://%s/dir/v2 file+.txt" % b)
    assert stored(s3, b) == {}
    drop_bucket(s3, b)


def test_s3cmd_bucket_configuration_commands(gureum, s3, s3cmd, tmp_path):
    b = new_bucket(s3, "s3cmd-cfg")
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "pub", "Effect": "Allow", "Principal": "*",
                                                      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b}]}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    s3cmd.run("setpolicy", tmp_path / "policy.json", "s3://" + b)
    assert json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]) == policy
    (tmp_path / "cors.xml").write_text(
        "<CORSConfiguration><CORSRule><AllowedOrigin>http://example.com</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>")
    s3cmd.run("setcors", tmp_path / "cors.xml", "s3://" + b)
    assert s3.get_bucket_cors(Bucket=b)["CORSRules"] == [
        {"AllowedOrigins": ["http://example.com"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 300}]
    info = s3cmd.info("s3://" + b)  # reads both back
    assert json.loads(info["Policy"]) == policy
    assert info["CORS"].startswith("<?xml")  # the document follows on the next line
    s3cmd.run("delpolicy", "s3://" + b)
    s3cmd.run("delcors", "s3://" + b)
    assert error_code(lambda: s3.get_bucket_policy(Bucket=b)) == "NoSuchBucketPolicy"
    assert error_code(lambda: s3.get_bucket_cors(Bucket=b)) == "NoSuchCORSConfiguration"

    s3cmd.run("expire", "--expiry-days=3", "--expiry-prefix=logs/", "s3://" + b)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
    assert len(rules) == 1 and rules[0]["Expiration"] == {"Days": 3} and rules[0]["Status"] == "Enabled"
    s3cmd.run("dellifecycle", "s3://" + b)
    assert error_code(lambda: s3.get_bucket_lifecycle_configuration(Bucket=b)) == "NoSuchLifecycleConfiguration"

    s3cmd.run("ws-create", "--ws-index=index.html", "--ws-error=err.html", "s3://" + b)
    ws = s3cmd.run("ws-info", "s3://" + b).stdout
    assert "Index document:   index.html" in ws and "Error document:   err.html" in ws
    s3cmd.run("ws-delete", "s3://" + b)
    assert error_code(lambda: s3.get_bucket_website(Bucket=b)) == "NoSuchWebsiteConfiguration"

    # Access logging (GetBucketLogging): off, and turning it off is accepted.
    assert "Logging Enabled: False" in s3cmd.run("accesslog", "s3://" + b).stdout
    s3cmd.run("accesslog", "--no-access-logging", "s3://" + b)
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=b)

    # An upload in progress is listed, its parts too, and abortmp removes it.
    up = s3.create_multipart_upload(Bucket=b, Key="mp/obj")["UploadId"]
    s3.upload_part(Bucket=b, Key="mp/obj", UploadId=up, PartNumber=1, Body=b"x" * 100)
    lines = s3cmd.run("multipart", "s3://" + b).stdout.strip().splitlines()
    assert lines[2].split("\t")[1:] == ["s3://%s/mp/obj" % b, up]
    parts = s3cmd.run("listmp", "s3://%s/mp/obj" % b, up).stdout.strip().splitlines()
    assert parts[1].split("\t")[1:] == ["1", '"%s"' % md5(b"x" * 100), "100"]
    s3cmd.run("abortmp", "s3://%s/mp/obj" % b, up)
    assert s3.list_multipart_uploads(Bucket=b).get("Uploads", []) == []
    drop_bucket(s3, b)


# ==== rclone ====

class Rclone:
    """Runs rclone with a config file of its own: remote "gr", an S3 remote of
    provider Other at the server, path-style, no retries."""

    def __init__(self, gureum, work):
        self.bin = need("rclone")
        self.gureum = gureum
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.cfg = self.work / "rclone.conf"
        self.cfg.write_text("\n".join([
            "[gr]",
            "type = s3",
            "provider = Other",
            "access_key_id = test",
            "secret_access_key = test",
            "region = us-east-1",
            "endpoint = " + gureum.endpoint,
            "force_path_style = true",
            "",
        ]))

    def run(self, *args, check=True, input=None, text=True):
        # The scrubbed client environment matters: rclone's SDK honours AWS_CA_BUNDLE.
        # TZ=UTC: lsjson prints modification times in local time
        env = self.gureum.client_env({"HOME": str(self.work), "RCLONE_CONFIG": str(self.cfg), "TZ": "UTC"})
        cmd = [self.bin, "--config", str(self.cfg), "--retries", "1", "--low-level-retries", "1",
               "--contimeout", "10s", "--timeout", "30s"] + [str(a) for a in args]
        p = subprocess.run(cmd, capture_output=True, text=text, env=env, timeout=TOOL_TIMEOUT, input=input,
                           cwd=str(self.work))
        if check:
            assert p.returncode == 0, "rclone %s -> %d\n%s\n%s" % (args, p.returncode, p.stdout, p.stderr)
        return p

    def lsjson(self, *args):
        return json.loads(self.run("lsjson", *args).stdout)

    def lsf(self, *args):
        return sorted(self.run("lsf", *args).stdout.splitlines())


@pytest.fixture(scope="module")
def rclone(gureum, tmp_path_factory):
    return Rclone(gureum, tmp_path_factory.mktemp("rclone"))


def test_rclone_copy_ls_md5sum_check(gureum, s3, rclone, tmp_path):
    b = uniq("rclone")
    rclone.run("mkdir", "gr:" + b)
    assert b in bucket_names(s3)
    assert b in [d["Name"] for d in rclone.lsjson("gr:")]
    files = {"a.txt": b"alpha\n", "sub/b.json": b'{"b": 1}\n', "sub/deeper/c.bin": os.urandom(3000)}
    files.update({n: ("name " + n).encode() for n in ODD_NAMES})
    local = write_tree(tmp_path / "src", files)
    rclone.run("copy", local, "gr:%s/data" % b)
    assert stored(s3, b, "data/") == files

    assert rclone.lsf("-R", "--files-only", "gr:%s/data" % b) == sorted(files)
    top = {k for k in files if "/" not in k} | {k.split("/")[0] + "/" for k in files if "/" in k}
    assert rclone.lsf("gr:%s/data" % b) == sorted(top)
    ls = rclone.run("ls", "gr:%s/data" % b).stdout.splitlines()
    assert sorted((int(l.split(None, 1)[0]), l.split(None, 1)[1]) for l in ls) == sorted(
        (len(v), k) for k, v in files.items())
    entries = {e["Path"]: e for e in rclone.lsjson("-R", "--files-only", "--hash", "gr:%s/data" % b)}
    assert set(entries) == set(files)
    for k, v in files.items():
        assert entries[k]["Size"] == len(v)
        assert entries[k]["Hashes"]["md5"] == md5(v)
        assert entries[k]["Tier"] == "STANDARD"
    assert entries["sub/b.json"]["MimeType"] == "application/json"
    # rclone keeps the local modification time in x-amz-meta-mtime and reads it back
    mt = (local / "a.txt").stat().st_mtime
    assert entries["a.txt"]["ModTime"][:19] == time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(mt))
    sums = dict(reversed(l.split("  ", 1)) for l in rclone.run("md5sum", "gr:%s/data" % b).stdout.splitlines())
    assert sums == {k: md5(v) for k, v in files.items()}
    rclone.run("check", local, "gr:%s/data" % b)
    rclone.run("check", "--download", local, "gr:%s/data" % b)
    assert rclone.run("cat", "gr:%s/data/sub/deeper/c.bin" % b, text=False).stdout == files["sub/deeper/c.bin"]

    # check notices a difference made behind its back
    s3.put_object(Bucket=b, Key="data/a.txt", Body=b"alpha!\n")
    p = rclone.run("check", local, "gr:%s/data" % b, check=False)
    assert p.returncode != 0 and "1 differences found" in p.stderr
    rclone.run("purge", "gr:" + b)
    assert b not in bucket_names(s3)


def test_rclone_multipart_upload(gureum, s3, rclone, big, tmp_path):
    b = uniq("rclone-mp")
    rclone.run("mkdir", "gr:" + b)
    src = tmp_path / "big.bin"
    src.write_bytes(big)
    rclone.run("copyto", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", src, "gr:%s/big.bin" % b)
    head = s3.head_object(Bucket=b, Key="big.bin")
    assert head["ContentLength"] == len(big) and head["ETag"].endswith('-3"')
    # rclone stores the whole object's MD5 beside a multipart ETag
    assert head["Metadata"]["md5chksum"]
    assert s3.get_object(Bucket=b, Key="big.bin")["Body"].read() == big
    sums = rclone.run("md5sum", "gr:%s/big.bin" % b).stdout.split()
    assert sums == [md5(big), "big.bin"]
    assert rclone.run("cat", "gr:%s/big.bin" % b, text=False).stdout == big
    # streamed upload of unknown size (rcat) goes multipart as well
    rclone.run("rcat", "--s3-chunk-size", "5M", "--streaming-upload-cutoff", "1M", "gr:%s/streamed.bin" % b,
               input=big, text=False)
    assert s3.get_object(Bucket=b, Key="streamed.bin")["Body"].read() == big
    rclone.run("purge", "gr:" + b)


def test_rclone_sync_both_ways_with_deletes(gureum, s3, rclone, tmp_path):
    b = uniq("rclone-sync")
    rclone.run("mkdir", "gr:" + b)
    files = {"keep.txt": b"keep\n", "change.txt": b"v1\n", "gone.txt": b"bye\n", "d/e/f.txt": b"deep\n"}
    local = write_tree(tmp_path / "up", files)
    rclone.run("sync", local, "gr:%s/mirror" % b)
    assert stored(s3, b, "mirror/") == files

    (local / "change.txt").write_bytes(b"version two\n")
    (local / "gone.txt").unlink()
    (local / "added.txt").write_bytes(b"added\n")
    out = rclone.run("sync", "-v", local, "gr:%s/mirror" % b).stderr
    assert "gone.txt: Deleted" in out
    assert stored(s3, b, "mirror/") == read_tree(local)

    # and back: remote changes (made with boto3) land locally, extra local files go
    down = write_tree(tmp_path / "down", {"stale.txt": b"stale\n"})
    s3.put_object(Bucket=b, Key="mirror/d/remote.txt", Body=b"from the server\n")
    rclone.run("sync", "gr:%s/mirror" % b, down)
    want = read_tree(local)
    want["d/remote.txt"] = b"from the server\n"
    assert read_tree(down) == want
    rclone.run("check", down, "gr:%s/mirror" % b)
    rclone.run("purge", "gr:" + b)


def test_rclone_server_side_copyto_moveto_delete_purge(gureum, s3, rclone, tmp_path):
    b = uniq("rclone-cp")
    rclone.run("mkdir", "gr:" + b)
    f = tmp_path / "orig.dat"
    f.write_bytes(os.urandom(5000))
    os.utime(f, (1600000000, 1600000000))
    rclone.run("copyto", f, "gr:%s/orig.dat" % b)
    rclone.run("copyto", "gr:%s/orig.dat" % b, "gr:%s/copy/one.dat" % b)
    rclone.run("moveto", "gr:%s/copy/one.dat" % b, "gr:%s/moved/two.dat" % b)
    assert rclone.lsf("-R", "--files-only", "gr:" + b) == ["moved/two.dat", "orig.dat"]
    entries = {e["Path"]: e for e in rclone.lsjson("-R", "--files-only", "--hash", "-M", "gr:" + b)}
    for k in ("orig.dat", "moved/two.dat"):
        # CopyObject kept rclone's mtime metadata: the modification time survives
        assert entries[k]["ModTime"].startswith("2020-09-13T12:26:40"), entries[k]
        assert entries[k]["Hashes"]["md5"] == md5(f.read_bytes())
    assert s3.get_object(Bucket=b, Key="moved/two.dat")["Body"].read() == f.read_bytes()

    rclone.run("touch", "gr:%s/touched.txt" % b)
    assert s3.head_object(Bucket=b, Key="touched.txt")["ContentLength"] == 0
    rclone.run("settier", "STANDARD_IA", "gr:%s/touched.txt" % b)
    assert s3.head_object(Bucket=b, Key="touched.txt")["StorageClass"] == "STANDARD_IA"
    assert rclone.lsjson("gr:%s/touched.txt" % b)[0]["Tier"] == "STANDARD_IA"
    rclone.run("delete", "gr:%s/touched.txt" % b)
    size = json.loads(rclone.run("size", "--json", "gr:" + b).stdout)
    assert size["count"] == 2 and size["bytes"] == 2 * 5000
    assert rclone.run("backend", "versioning", "gr:" + b).stdout.strip() == "Unversioned"

    # rmdir of a non-empty bucket is refused with BucketNotEmpty; purge empties and removes it
    p = rclone.run("rmdir", "gr:" + b, check=False)
    assert p.returncode != 0 and "BucketNotEmpty" in p.stderr
    rclone.run("purge", "gr:" + b)
    assert b not in bucket_names(s3)


def test_rclone_versions(gureum, s3, rclone):
    """rclone on a versioned bucket: turning versioning on, listing old
    versions, reading the object as it was, removing the old versions."""
    b = new_bucket(s3, "rclone-ver")
    rclone.run("backend", "versioning", "gr:" + b, "Enabled")
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    rclone.run("rcat", "gr:%s/f.txt" % b, input="one\n")
    first = s3.head_object(Bucket=b, Key="f.txt")["LastModified"]
    time.sleep(1.1)  # rclone names versions to the second
    rclone.run("rcat", "gr:%s/f.txt" % b, input="two\n")
    listed = rclone.lsjson("--s3-versions", "gr:" + b)
    assert len(listed) == 2
    old = [e["Path"] for e in listed if e["Path"] != "f.txt"]
    assert len(old) == 1 and old[0].startswith("f-v")  # f-vYYYY-MM-DD-HHMMSS-mmm.txt
    assert rclone.run("cat", "--s3-versions", "gr:%s/%s" % (b, old[0])).stdout == "one\n"
    at = first.strftime("%Y-%m-%dT%H:%M:%S.999Z")
    assert rclone.run("cat", "--s3-version-at", at, "gr:%s/f.txt" % b).stdout == "one\n"
    assert rclone.run("cat", "gr:%s/f.txt" % b).stdout == "two\n"
    rclone.run("delete", "gr:%s/f.txt" % b)  # a delete marker on top
    assert rclone.lsf("gr:" + b) == []
    rclone.run("backend", "cleanup-hidden", "gr:" + b)  # removes every old version and marker
    v = s3.list_object_versions(Bucket=b)
    assert v.get("Versions", []) == [] and v.get("DeleteMarkers", []) == []
    s3.delete_bucket(Bucket=b)


def test_rclone_v2_auth_and_presigned_requests(gureum, s3, rclone, tmp_path):
    b = new_bucket(s3, "rclone-sig")
    f = tmp_path / "f.txt"
    f.write_bytes(b"signed two ways\n")
    # --s3-v2-auth signs with signature version 2 and a Date header in Go's
    # RFC1123 form, "… UTC" (was refused: no valid Date)
    rclone.run("copyto", "--s3-v2-auth", f, "gr:%s/v2/f.txt" % b)
    assert rclone.lsf("--s3-v2-auth", "-R", "--files-only", "gr:" + b) == ["v2/f.txt"]
    assert rclone.run("cat", "--s3-v2-auth", "gr:%s/v2/f.txt" % b).stdout == "signed two ways\n"
    # --s3-use-presigned-request PUTs through presigned URLs and sends
    # Content-Length twice; the signature covers it once (was SignatureDoesNotMatch)
    rclone.run("copyto", "--s3-use-presigned-request", f, "gr:%s/pre/f.txt" % b)
    assert s3.get_object(Bucket=b, Key="pre/f.txt")["Body"].read() == f.read_bytes()
    drop_bucket(s3, b)


@pytest.mark.parametrize("listing", [["--s3-list-version", "1"],
                                     ["--s3-list-version", "2", "--s3-list-url-encode", "true"],
                                     ["--s3-list-version", "2", "--s3-list-url-encode", "false"]],
                         ids=["v1", "v2-url", "v2-plain"])
def test_rclone_paged_listings(gureum, s3, rclone, listing):
    """Small pages (Marker/NextMarker, ContinuationToken) over names that need
    encoding, in every listing mode rclone has."""
    b = uniq("rclone-ls")
    s3.create_bucket(Bucket=b)
    keys = sorted(ODD_NAMES + ["p/%02d" % i for i in range(7)])
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=k.encode())
    args = listing + ["--s3-list-chunk", "3"]
    assert rclone.lsf(*(args + ["-R", "--files-only", "gr:" + b])) == keys
    top = rclone.lsf(*(args + ["gr:" + b]))
    assert top == sorted([k for k in ODD_NAMES if "/" not in k] + ["dir with space/", "p/"])
    sums = rclone.run(*(args + ["md5sum", "gr:" + b])).stdout.splitlines()
    assert sorted(l.split("  ", 1)[1] for l in sums) == keys
    for k in keys:
        s3.delete_object(Bucket=b, Key=k)
    s3.delete_bucket(Bucket=b)


def test_rclone_link_presigned_v4_with_curl(gureum, s3, rclone):
    b = uniq("rclone-link")
    s3.create_bucket(Bucket=b)
    body = os.urandom(2048)
    for k in ["plain.bin", "dir/ü space+plus.bin"]:
        s3.put_object(Bucket=b, Key=k, Body=body)
        url = rclone.run("link", "--expire", "1h", "gr:%s/%s" % (b, k)).stdout.strip()
        assert "X-Amz-Signature=" in url  # query-string SigV4
        status, hdrs, got = curl(url)
        assert status == 200 and got == body, (k, status, got[:300])
        assert hdrs["content-length"] == str(len(body))
    status, _, err = curl(url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"))
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in err
    for k in ["plain.bin", "dir/ü space+plus.bin"]:
        s3.delete_object(Bucket=b, Key=k)
    s3.delete_bucket(Bucket=b)


# ==== Requester Pays across accounts (both clients' requester-pays switches) ====

ALT = ("111111111111", "ALTACCESSKEY0000000B", "altsecret0000000000000000000000000000000B")


def test_requester_pays_with_both_clients(gureum_factory, tmp_path):
    need("s3cmd")
    need("rclone")
    g = gureum_factory(env={"GUREUM_ACCOUNTS": ":".join(ALT)})
    owner = g.client("s3")
    b = new_bucket(owner, "payer")
    owner.put_object(Bucket=b, Key="data/x.bin", Body=b"paid for\n")
    owner.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ALT[0]},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::" + b, "arn:aws:s3:::%s/*" % b]}]}))
    s3cmd = S3cmd(g, tmp_path / "owner")
    s3cmd.run("payer", "--requester-pays", "s3://" + b)
    assert owner.get_bucket_request_payment(Bucket=b)["Payer"] == "Requester"
    # the owner's own requests need no confirmation
    assert owner.get_object(Bucket=b, Key="data/x.bin")["Body"].read() == b"paid for\n"

    alt = Rclone(g, tmp_path / "alt")
    alt.cfg.write_text(alt.cfg.read_text().replace("access_key_id = test", "access_key_id = " + ALT[1])
                       .replace("secret_access_key = test", "secret_access_key = " + ALT[2]))
    p = alt.run("lsf", "gr:" + b, check=False)
    assert p.returncode != 0 and "AccessDenied" in p.stderr
    # AWS: a requester from another account confirms with x-amz-request-payer: requester
    assert alt.run("lsf", "-R", "--files-only", "--s3-requester-pays", "gr:" + b).stdout.split() == ["data/x.bin"]
    assert alt.run("cat", "--s3-requester-pays", "gr:%s/data/x.bin" % b).stdout == "paid for\n"
    altboto = g.client("s3", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    got = altboto.get_object(Bucket=b, Key="data/x.bin", RequestPayer="requester")
    assert got["RequestCharged"] == "requester"
    assert error_code(lambda: altboto.get_object(Bucket=b, Key="data/x.bin")) == "AccessDenied"
    # a presigned URL carries the confirmation as a query parameter
    url = altboto.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "data/x.bin",
                                                               "RequestPayer": "requester"})
    assert "x-amz-request-payer=requester" in url
    status, hdrs, body = curl(url)
    assert (status, body, hdrs.get("x-amz-request-charged")) == (200, b"paid for\n", "requester")
    status, _, _ = curl(altboto.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "data/x.bin"}))
    assert status == 403
    # anonymous requests are refused outright, even where the policy is public
    owner.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b}]}))
    status, _, err = curl("%s/%s/data/x.bin" % (g.endpoint, b))
    assert status == 403 and b"<Code>AccessDenied</Code>" in err
    s3cmd.run("payer", "s3://" + b)
    assert owner.get_bucket_request_payment(Bucket=b)["Payer"] == "BucketOwner"
    assert curl("%s/%s/data/x.bin" % (g.endpoint, b))[2] == b"paid for\n"
    # only the owner manages the setting
    assert error_code(lambda: altboto.put_bucket_request_payment(
        Bucket=b, RequestPaymentConfiguration={"Payer": "Requester"})) == "AccessDenied"
    drop_bucket(owner, b)
