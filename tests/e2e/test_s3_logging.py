"""S3 server access logging against a real `gureum serve`: PutBucketLogging /
GetBucketLogging round trips and refusals (AWS's code, status, message and
extra members), and real delivery — after some requests and a short delivery
interval (GUREUM_S3_LOG_DELIVERY_SECONDS=1) the target bucket holds log
objects whose records parse into AWS's fields ("Amazon S3 server access log
format"), under SimplePrefix or PartitionedPrefix keys; records buffered at
a clean shutdown are delivered, a deleted source's configuration is gone.
boto3 1.26 and newer alike; the AWS CLI for one round trip.
"""
import json
import os
import re
import shlex
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import CLIS, remove_bucket, serve
from conftest import refused as error

# TargetObjectKeyFormat (2023-11) is known to the CLI v1 with botocore 1.43,
# not to Debian's boto3 1.26 and CLI v2.
NEW_CLI = next((c for c in CLIS if c != "/usr/bin/aws"), None)
needs_new_cli = pytest.mark.skipif(NEW_CLI is None, reason="no AWS CLI v1 with botocore >= 1.33")

ACCT = "000000000000"
ALT = ("111111111111", "ALTACCESSKEY0000000L", "altsecret0000000000000000000000000000000L")
FIELDS = ["BucketOwner", "Bucket", "Time", "RemoteIP", "Requester", "RequestID", "Operation", "Key", "RequestURI",
          "HTTPStatus", "ErrorCode", "BytesSent", "ObjectSize", "TotalTime", "TurnAroundTime", "Referer",
          "UserAgent", "VersionId", "HostId", "SignatureVersion", "CipherSuite", "AuthenticationType",
          "HostHeader", "TLSVersion", "AccessPointArn", "AclRequired"]


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_ACCOUNTS": ":".join(ALT), "GUREUM_S3_LOG_DELIVERY_SECONDS": "1"})


@pytest.fixture(scope="module")
def s3(g):
    return g.client("s3")


@pytest.fixture(scope="module")
def alt(g):
    return g.client("s3", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])


def name(tag):
    return ("grm-log-%s-%s" % (tag, os.urandom(3).hex())).lower()


@pytest.fixture
def buckets(s3):
    made = []

    def make(tag, client=None):
        b = name(tag)
        (client or s3).create_bucket(Bucket=b)
        made.append((client or s3, b))
        return b

    yield make
    for c, b in reversed(made):
        try:
            remove_bucket(c, b)
        except ClientError:
            pass


def allow_log_delivery(s3, target, source, prefix="", account=ACCT):
    """AWS's documented target bucket policy for the logging service principal."""
    s3.put_bucket_policy(Bucket=target, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::%s/%s*" % (target, prefix),
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::%s" % source},
                          "StringEquals": {"aws:SourceAccount": account}}}]}))


def log_keys(s3, target, prefix=""):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=target, Prefix=prefix).get("Contents", [])]


def wait_for_logs(s3, target, prefix="", want=1, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        keys = log_keys(s3, target, prefix)
        if len(keys) >= want:
            return keys
        time.sleep(0.3)
    raise AssertionError("no access log delivered to %s/%s" % (target, prefix))


def parse(line):
    """One record into AWS's named fields (the time's brackets make it one field)."""
    chunks = shlex.split(line.replace("[", '"').replace("]", '"'))
    assert len(chunks) == len(FIELDS), line
    return dict(zip(FIELDS, chunks))


def records(s3, target, keys):
    out = []
    for k in keys:
        out += [parse(l) for l in s3.get_object(Bucket=target, Key=k)["Body"].read().decode().splitlines()]
    return out


def owner_id(s3):
    return s3.list_buckets()["Owner"]["ID"]


# ==== configuration ====

def test_round_trip(s3, buckets):
    src, dst = buckets("src"), buckets("dst")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=src)
    allow_log_delivery(s3, dst, src)
    grants = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
               "Permission": "READ"}]
    for enabled in ({"TargetBucket": dst, "TargetPrefix": "log"},  # AWS (recorded): nothing added
                    {"TargetBucket": dst, "TargetPrefix": "logs/", "TargetGrants": grants},
                    {"TargetBucket": dst, "TargetPrefix": ""}):
        s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": enabled})
        assert s3.get_bucket_logging(Bucket=src)["LoggingEnabled"] == enabled
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=src)


def put_logging_cli(g, bucket, enabled):
    return g.aws("s3api", "put-bucket-logging", "--bucket", bucket, "--bucket-logging-status",
                 json.dumps({"LoggingEnabled": enabled}), cli=NEW_CLI)


@needs_new_cli
def test_round_trip_key_formats(g, s3, buckets):
    src, dst = buckets("src"), buckets("dst")
    allow_log_delivery(s3, dst, src)
    for enabled in ({"TargetBucket": dst, "TargetPrefix": "logs/", "TargetObjectKeyFormat": {"SimplePrefix": {}}},
                    {"TargetBucket": dst, "TargetPrefix": "p/",
                     "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}},
                    {"TargetBucket": dst, "TargetPrefix": "",
                     "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}}}):
        p = put_logging_cli(g, src, enabled)
        assert p.returncode == 0, p.stderr
        p = g.aws("s3api", "get-bucket-logging", "--bucket", src, cli=NEW_CLI)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == {"LoggingEnabled": enabled}
    # an unknown date source does not validate against the schema
    p = put_logging_cli(g, src, {"TargetBucket": dst, "TargetPrefix": "",
                                 "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "Nope"}}})
    assert p.returncode != 0 and "MalformedXML" in p.stderr, p.stderr


def test_round_trip_cli(g, s3, buckets, cli):
    src, dst = buckets("src"), buckets("dst")
    allow_log_delivery(s3, dst, src)
    status = {"LoggingEnabled": {"TargetBucket": dst, "TargetPrefix": "cli/"}}
    p = g.aws("s3api", "put-bucket-logging", "--bucket", src, "--bucket-logging-status", json.dumps(status), cli=cli)
    assert p.returncode == 0, p.stderr
    p = g.aws("s3api", "get-bucket-logging", "--bucket", src, cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == status


def test_refusals(s3, alt, buckets):
    src, dst = buckets("src"), buckets("dst")
    missing = name("nope")
    assert error(s3.put_bucket_logging, Bucket=src,
                 BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": missing, "TargetPrefix": "l/"}}) == (
        {"Code": "InvalidTargetBucketForLogging", "Message": "The target bucket for logging does not exist",
         "TargetBucket": missing}, 400)
    # another account's bucket: AWS — the owners must be the same
    theirs = buckets("alt", alt)
    allow_log_delivery(alt, theirs, src)
    assert error(s3.put_bucket_logging, Bucket=src,
                 BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": theirs, "TargetPrefix": "l/"}}) == (
        {"Code": "InvalidTargetBucketForLogging",
         "Message": "The owner for the bucket to be logged and the target bucket must be the same.",
         "TargetBucket": theirs}, 400)
    # a target with ACLs that neither grants LogDelivery nor has a policy for the service
    assert error(s3.put_bucket_logging, Bucket=src,
                 BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst, "TargetPrefix": "l/"}}) == (
        {"Code": "InvalidTargetBucketForLogging",
         "Message": "You must give the log-delivery group WRITE and READ_ACP permissions to the target bucket",
         "TargetBucket": dst}, 400)
    # ...the LogDelivery group's WRITE and READ_ACP are enough
    s3.put_bucket_acl(Bucket=dst, GrantWrite='uri="http://acs.amazonaws.com/groups/s3/LogDelivery"',
                      GrantReadACP='uri="http://acs.amazonaws.com/groups/s3/LogDelivery"',
                      GrantFullControl="id=" + owner_id(s3))
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst,
                                                                              "TargetPrefix": "l/"}})
    # TargetGrants on a target whose ACLs are disabled
    enforced = buckets("enf")
    s3.put_bucket_ownership_controls(Bucket=enforced, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    grants = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
               "Permission": "WRITE"}]
    assert error(s3.put_bucket_logging, Bucket=src, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": enforced, "TargetPrefix": "l/", "TargetGrants": grants}}) == (
        {"Code": "AccessControlListNotSupported",
         "Message": "Target grants not allowed for bucket owner enforced buckets"}, 400)
    # ...without TargetGrants it is accepted even without a policy (AWS, recorded): deliveries need one
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": enforced,
                                                                              "TargetPrefix": "l/"}})
    # only the bucket owner sets or clears it, whatever the bucket policy says
    s3.put_bucket_policy(Bucket=src, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:PutBucketLogging",
        "Resource": "arn:aws:s3:::%s" % src}]}))
    code, status = error(alt.put_bucket_logging, Bucket=src, BucketLoggingStatus={})
    assert (code["Code"], status) == ("AccessDenied", 403)
    assert error(s3.get_bucket_logging, Bucket=missing)[0]["Code"] == "NoSuchBucket"


# ==== delivery ====

def test_delivery_simple_prefix(g, s3, buckets):
    src, dst = buckets("src"), buckets("dst")
    allow_log_delivery(s3, dst, src, "logs/")
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": dst, "TargetPrefix": "logs/"}})
    s3.put_object(Bucket=src, Key="a key", Body=b"hello")
    s3.get_object(Bucket=src, Key="a key")
    s3.head_object(Bucket=src, Key="a key")
    with pytest.raises(ClientError):
        s3.get_object(Bucket=src, Key="missing")
    s3.list_objects_v2(Bucket=src)
    try:  # anonymous: refused, still logged, requester "-"
        urllib.request.urlopen(urllib.request.Request("%s/%s/a%%20key" % (g.endpoint, src)))
    except urllib.error.HTTPError as e:
        assert e.code == 403
    keys = wait_for_logs(s3, dst, "logs/")
    assert all(re.fullmatch(r"logs/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9A-F]{16}", k) for k in keys), keys
    time.sleep(1.5)  # every record of the requests above is in
    recs = [r for r in records(s3, dst, log_keys(s3, dst, "logs/")) if r["Operation"] != "REST.PUT.LOGGING_STATUS"]
    me = owner_id(s3)
    ops = [(r["Operation"], r["Key"], r["HTTPStatus"], r["ErrorCode"], r["Requester"]) for r in recs]
    root = "arn:aws:iam::%s:root" % ACCT
    assert ops == [("REST.PUT.OBJECT", "a%20key", "200", "-", root),
                   ("REST.GET.OBJECT", "a%20key", "200", "-", root),
                   ("REST.HEAD.OBJECT", "a%20key", "200", "-", root),
                   ("REST.GET.OBJECT", "missing", "404", "NoSuchKey", root),
                   ("REST.GET.BUCKET", "-", "200", "-", root),
                   ("REST.GET.OBJECT", "a%20key", "403", "AccessDenied", "-")]
    put, get, head = recs[0], recs[1], recs[2]
    assert {r["BucketOwner"] for r in recs} == {me} and {r["Bucket"] for r in recs} == {src}
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", put["Time"])
    assert put["RemoteIP"] == "127.0.0.1"
    assert put["RequestURI"] == "PUT /%s/a%%20key HTTP/1.1" % src
    assert (put["BytesSent"], put["ObjectSize"]) == ("-", "5")
    assert (get["BytesSent"], get["ObjectSize"]) == ("5", "5")
    assert (head["BytesSent"], head["ObjectSize"]) == ("-", "5")
    assert put["SignatureVersion"] == "SigV4" and put["AuthenticationType"] == "AuthHeader"
    assert recs[-1]["SignatureVersion"] == "-" and recs[-1]["AuthenticationType"] == "-"
    assert put["UserAgent"].startswith("Boto3/") and put["Referer"] == "-"
    assert put["HostHeader"].startswith("127.0.0.1:") and put["HostId"] != "-"
    assert len({r["RequestID"] for r in recs}) == len(recs)
    assert int(put["TotalTime"]) >= 0
    assert (put["CipherSuite"], put["TLSVersion"], put["AccessPointArn"]) == ("-", "-", "-")
    # written as the log-delivery service would: the target's owner owns the object
    acl = s3.get_object_acl(Bucket=dst, Key=keys[0])
    assert acl["Owner"]["ID"] == me


@needs_new_cli
@pytest.mark.parametrize("source", ["EventTime", "DeliveryTime"])
def test_delivery_partitioned_prefix(g, s3, buckets, source):
    src, dst = buckets("src"), buckets("dst")
    allow_log_delivery(s3, dst, src, "part/")
    p = put_logging_cli(g, src, {"TargetBucket": dst, "TargetPrefix": "part/",
                                 "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": source}}})
    assert p.returncode == 0, p.stderr
    s3.put_object(Bucket=src, Key="k", Body=b"x")
    keys = wait_for_logs(s3, dst, "part/")
    for _ in range(30):  # PutBucketLogging's own record may come in a delivery of its own
        if "REST.PUT.OBJECT" in [r["Operation"] for r in records(s3, dst, keys)]:
            break
        time.sleep(0.3)
        keys = log_keys(s3, dst, "part/")
    now = time.gmtime()
    m = re.fullmatch(r"part/(\d{12})/([a-z0-9-]+)/([^/]+)/(\d{4})/(\d\d)/(\d\d)/"
                     r"(\d{4})-(\d\d)-(\d\d)-(\d\d-\d\d-\d\d)-[0-9A-F]{16}", keys[0])
    assert m, keys[0]
    assert m.group(1, 2, 3) == (ACCT, "us-east-1", src)
    assert int(m.group(4)) == now.tm_year and m.group(4, 5, 6) == m.group(7, 8, 9)
    if source == "EventTime":  # the event's day, its time of day zero
        assert m.group(10) == "00-00-00"
    assert "REST.PUT.OBJECT" in [r["Operation"] for r in records(s3, dst, keys)]


def test_no_delivery_without_permission(g, s3, buckets):
    """An ownership-enforced target without a policy for the service accepts
    the configuration (AWS) but gets no logs; granting it later lets the next
    records through."""
    src, dst = buckets("src"), buckets("dst")
    s3.put_bucket_ownership_controls(Bucket=dst, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst,
                                                                              "TargetPrefix": "x/"}})
    s3.put_object(Bucket=src, Key="before", Body=b"x")
    time.sleep(2.5)
    assert log_keys(s3, dst) == []
    allow_log_delivery(s3, dst, src, "x/")
    s3.put_object(Bucket=src, Key="after", Body=b"x")
    keys = wait_for_logs(s3, dst)
    assert "before" not in [r["Key"] for r in records(s3, dst, keys)]


def test_target_logging_into_itself(s3, buckets):
    """AWS logs requests to a bucket that logs into itself, but not the
    deliveries: with no more requests, no more log objects appear."""
    b = buckets("self")
    allow_log_delivery(s3, b, b, "self/")
    s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": b,
                                                                            "TargetPrefix": "self/"}})
    s3.put_object(Bucket=b, Key="data", Body=b"x")
    time.sleep(3.5)  # three delivery rounds; the first delivers the two records above
    keys = log_keys(s3, b, "self/")
    assert len(keys) == 1, keys


def test_delete_bucket_drops_configuration(s3, buckets):
    src, dst = name("src"), buckets("dst")
    s3.create_bucket(Bucket=src)
    allow_log_delivery(s3, dst, src)
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst,
                                                                              "TargetPrefix": "gone/"}})
    s3.delete_bucket(Bucket=src)
    s3.create_bucket(Bucket=src)
    try:
        assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=src)
        s3.put_object(Bucket=src, Key="k", Body=b"x")
        time.sleep(2.5)
        assert log_keys(s3, dst, "gone/") == []
    finally:
        remove_bucket(s3, src)


def test_deleted_target_drops_records(g, s3, buckets):
    src, dst = buckets("src"), name("dst")
    s3.create_bucket(Bucket=dst)
    allow_log_delivery(s3, dst, src)
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst,
                                                                              "TargetPrefix": ""}})
    remove_bucket(s3, dst)
    s3.put_object(Bucket=src, Key="k", Body=b"x")
    time.sleep(2.5)
    assert "access logs of bucket %s for %s dropped: the target bucket does not exist" % (src, dst) in g.log_text()
    s3.create_bucket(Bucket=dst)  # the same name again: nothing of before comes back
    try:
        assert log_keys(s3, dst) == []
    finally:
        remove_bucket(s3, dst)


def test_clean_shutdown_delivers(gureum_factory):
    """Records still buffered when the server stops (default interval: minutes)
    are delivered before it exits, and are there after a restart."""
    srv = gureum_factory()
    s3 = srv.client("s3")
    src, dst = name("src"), name("dst")
    s3.create_bucket(Bucket=src)
    s3.create_bucket(Bucket=dst)
    allow_log_delivery(s3, dst, src)
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": dst,
                                                                              "TargetPrefix": "s/"}})
    s3.put_object(Bucket=src, Key="k", Body=b"x")
    assert log_keys(s3, dst) == []
    srv.restart()
    keys = log_keys(s3, dst, "s/")
    assert len(keys) == 1
    assert [r["Operation"] for r in records(s3, dst, keys)] == ["REST.PUT.LOGGING_STATUS", "REST.PUT.OBJECT"]
