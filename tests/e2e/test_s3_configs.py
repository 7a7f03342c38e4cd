"""S3 bucket configurations kept by Id end to end, with boto3: analytics,
intelligent-tiering, inventory and metrics — Put (204), Get, Delete, List
(100 a page, in Id order) and S3's refusals (NoSuchConfiguration, a document
Id that differs from the query's, values outside a field's enumeration,
destination buckets that are not ARNs, archive-tier days) — and inventory
reports really written: CSV rows gzipped into the destination bucket with
AWS's manifest, checksum and Hive symlink. The server's days last one second
(test builds), so a report is due at once and daily ones follow.
"""
import csv
import gzip
import hashlib
import io
import json
import os
import time
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import remove_bucket, serve


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_S3_LIFECYCLE_DAY_SECONDS": "1"})


@pytest.fixture(scope="module")
def s3(g):
    return g.client("s3")


@pytest.fixture
def bucket(s3):
    b = "grc-%s" % os.urandom(4).hex()
    s3.create_bucket(Bucket=b)
    yield b
    remove_bucket(s3, b)


def refusal(call):
    with pytest.raises(ClientError) as e:
        call()
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message")


MALFORMED = ("MalformedXML", 400,
             "The XML you provided was not well-formed or did not validate against our published schema")
NO_CONFIG = ("NoSuchConfiguration", 404, "The specified configuration does not exist.")


def test_metrics_configurations(s3, bucket):
    cfg = {"Id": "EntireBucket", "Filter": {"Prefix": "logs/"}}
    r = s3.put_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket", MetricsConfiguration=cfg)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    got = s3.get_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket")
    assert got["MetricsConfiguration"] == cfg
    cfg["Filter"] = {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v2"}]}}
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket", MetricsConfiguration=cfg)
    assert s3.get_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket")["MetricsConfiguration"] == cfg

    # the document's Id must be the query's; a filter holds one predicate
    assert refusal(lambda: s3.put_bucket_metrics_configuration(
        Bucket=bucket, Id="other", MetricsConfiguration={"Id": "EntireBucket"})) == MALFORMED
    assert refusal(lambda: s3.put_bucket_metrics_configuration(
        Bucket=bucket, Id="x", MetricsConfiguration={
            "Id": "x", "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}})) == MALFORMED
    assert refusal(lambda: s3.get_bucket_metrics_configuration(Bucket=bucket, Id="nope")) == NO_CONFIG

    # 102 more: two pages of 100 and 3, in Id order, the token echoed
    for i in range(102):
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m%03d" % i, MetricsConfiguration={"Id": "m%03d" % i})
    p1 = s3.list_bucket_metrics_configurations(Bucket=bucket)
    ids = [c["Id"] for c in p1["MetricsConfigurationList"]]
    assert len(ids) == 100 and ids == sorted(ids) and ids[0] == "EntireBucket"
    assert p1["IsTruncated"] is True
    p2 = s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken=p1["NextContinuationToken"])
    assert [c["Id"] for c in p2["MetricsConfigurationList"]] == ["m099", "m100", "m101"]
    assert p2["IsTruncated"] is False and p2["ContinuationToken"] == p1["NextContinuationToken"]
    assert "NextContinuationToken" not in p2

    r = s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refusal(lambda: s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket")) == NO_CONFIG
    assert refusal(lambda: s3.get_bucket_metrics_configuration(Bucket=bucket, Id="EntireBucket")) == NO_CONFIG


def test_analytics_configurations(s3, bucket):
    cfg = {"Id": "a1", "Filter": {"Prefix": "test_ls"}, "StorageClassAnalysis": {"DataExport": {
        "OutputSchemaVersion": "V_1",
        "Destination": {"S3BucketDestination": {"Format": "CSV", "Bucket": "arn:aws:s3:::" + bucket,
                                                "Prefix": "test"}}}}}
    assert refusal(lambda: s3.put_bucket_analytics_configuration(
        Bucket=bucket, Id="different-id", AnalyticsConfiguration=cfg)) == MALFORMED
    assert refusal(lambda: s3.get_bucket_analytics_configuration(Bucket=bucket, Id="a1")) == NO_CONFIG
    assert refusal(lambda: s3.delete_bucket_analytics_configuration(Bucket=bucket, Id="a1")) == NO_CONFIG
    assert s3.list_bucket_analytics_configurations(Bucket=bucket).get("AnalyticsConfigurationList") is None

    r = s3.put_bucket_analytics_configuration(Bucket=bucket, Id="a1", AnalyticsConfiguration=cfg)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_analytics_configuration(Bucket=bucket, Id="a1")["AnalyticsConfiguration"] == cfg
    second = dict(cfg, Id="a0", Filter={"Prefix": "other"})
    s3.put_bucket_analytics_configuration(Bucket=bucket, Id="a0", AnalyticsConfiguration=second)
    listed = s3.list_bucket_analytics_configurations(Bucket=bucket)
    assert listed["AnalyticsConfigurationList"] == [second, cfg] and listed["IsTruncated"] is False

    bad = dict(cfg, StorageClassAnalysis={"DataExport": {
        "OutputSchemaVersion": "V_1", "Destination": {"S3BucketDestination": {"Format": "CSV", "Bucket": bucket}}}})
    assert refusal(lambda: s3.put_bucket_analytics_configuration(
        Bucket=bucket, Id="a1", AnalyticsConfiguration=bad)) == ("InvalidS3DestinationBucket", 400, "Invalid bucket ARN.")
    s3.delete_bucket_analytics_configuration(Bucket=bucket, Id="a1")
    assert [c["Id"] for c in s3.list_bucket_analytics_configurations(Bucket=bucket)["AnalyticsConfigurationList"]] == ["a0"]


def test_intelligent_tiering_configurations(s3, bucket):
    cfg = {"Id": "test1", "Filter": {"Prefix": "test1"}, "Status": "Enabled",
           "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}
    assert refusal(lambda: s3.put_bucket_intelligent_tiering_configuration(
        Bucket=bucket, Id="incorrect_id", IntelligentTieringConfiguration=cfg)) == MALFORMED
    r = s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="test1", IntelligentTieringConfiguration=cfg)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="test1")
    assert got["IntelligentTieringConfiguration"] == cfg

    def put_days(tier, days):
        c = dict(cfg, Tierings=[{"Days": days, "AccessTier": tier}])
        return refusal(lambda: s3.put_bucket_intelligent_tiering_configuration(
            Bucket=bucket, Id="test1", IntelligentTieringConfiguration=c))

    assert put_days("ARCHIVE_ACCESS", 1) == (
        "InvalidArgument", 400, "Days specified in ARCHIVE_ACCESS tier should not be less than 90.")
    assert put_days("DEEP_ARCHIVE_ACCESS", 90) == (
        "InvalidArgument", 400, "Days specified in DEEP_ARCHIVE_ACCESS tier should not be less than 180.")
    assert put_days("ARCHIVE_ACCESS", 731)[:2] == ("InvalidArgument", 400)
    assert put_days("COLD", 100) == MALFORMED

    s3.put_bucket_intelligent_tiering_configuration(
        Bucket=bucket, Id="test2", IntelligentTieringConfiguration=dict(cfg, Id="test2", Status="Disabled"))
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket)
    assert [(c["Id"], c["Status"]) for c in listed["IntelligentTieringConfigurationList"]] == [
        ("test1", "Enabled"), ("test2", "Disabled")]

    e = refusal(lambda: s3.delete_bucket_intelligent_tiering_configuration(
        Bucket="grc-no-such-bucket-%s" % os.urandom(4).hex(), Id="test1"))
    assert e[:2] == ("NoSuchBucket", 404)
    assert refusal(lambda: s3.delete_bucket_intelligent_tiering_configuration(
        Bucket=bucket, Id="non-existing-id")) == NO_CONFIG


def inventory(bucket, dest, id="test-inventory", **kw):
    c = {"Id": id, "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::" + dest, "Format": "CSV"}},
         "IsEnabled": True, "IncludedObjectVersions": "All", "Schedule": {"Frequency": "Daily"}}
    c.update(kw)
    return c


def test_inventory_configurations(s3, bucket):
    dest = "grc-dest-%s" % os.urandom(4).hex()
    s3.create_bucket(Bucket=dest)
    try:
        cfg = inventory(bucket, dest, OptionalFields=["Size", "ETag"])
        r = s3.put_bucket_inventory_configuration(Bucket=bucket, Id="test-inventory", InventoryConfiguration=cfg)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
        got = s3.get_bucket_inventory_configuration(Bucket=bucket, Id="test-inventory")
        assert got["InventoryConfiguration"] == cfg

        def put(c, id="test-inventory"):
            return refusal(lambda: s3.put_bucket_inventory_configuration(
                Bucket=bucket, Id=id, InventoryConfiguration=c))

        assert put(inventory(bucket, dest, id="test-inventorywrong")) == (
            "IdMismatch", 400, "Document ID does not match the specified configuration ID.")
        bad = inventory(bucket, dest)
        bad["Destination"]["S3BucketDestination"]["Bucket"] = dest
        assert put(bad) == ("InvalidS3DestinationBucket", 400, "Invalid bucket ARN.")
        bad = inventory(bucket, dest)
        bad["Destination"]["S3BucketDestination"]["Format"] = "WRONG-FORMAT"
        assert put(bad) == MALFORMED
        assert put(inventory(bucket, dest, Schedule={"Frequency": "Hourly"})) == MALFORMED
        assert put(inventory(bucket, dest, IncludedObjectVersions="Wrong")) == MALFORMED
        assert put(inventory(bucket, dest, OptionalFields=["TestField"])) == MALFORMED

        for i in ("z-test", "a-test"):
            s3.put_bucket_inventory_configuration(Bucket=bucket, Id=i, InventoryConfiguration=inventory(bucket, dest, id=i))
        ids = lambda: [c["Id"] for c in s3.list_bucket_inventory_configurations(Bucket=bucket).get(
            "InventoryConfigurationList", [])]
        assert ids() == ["a-test", "test-inventory", "z-test"]
        s3.delete_bucket_inventory_configuration(Bucket=bucket, Id="z-test")
        assert ids() == ["a-test", "test-inventory"]

        # a bucket deleted and made again starts with none
        for i in ("a-test", "test-inventory"):
            s3.delete_bucket_inventory_configuration(Bucket=bucket, Id=i)
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m", MetricsConfiguration={"Id": "m"})
        s3.delete_bucket(Bucket=bucket)
        s3.create_bucket(Bucket=bucket)
        assert s3.list_bucket_metrics_configurations(Bucket=bucket).get("MetricsConfigurationList") is None
    finally:
        remove_bucket(s3, dest)


def test_inventory_report_is_written(s3, bucket):
    dest = "grc-inv-%s" % os.urandom(4).hex()
    s3.create_bucket(Bucket=dest)
    try:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        v1 = s3.put_object(Bucket=bucket, Key="docs/a b.txt", Body=b"one")["VersionId"]
        v2 = s3.put_object(Bucket=bucket, Key="docs/a b.txt", Body=b"second")["VersionId"]
        v3 = s3.put_object(Bucket=bucket, Key="docs/q\"uote", Body=b"x" * 10)["VersionId"]
        s3.put_object(Bucket=bucket, Key="other/c", Body=b"c")
        mark = s3.delete_object(Bucket=bucket, Key="docs/gone")  # a marker for a key never written
        cfg = inventory(bucket, dest, id="daily-all", Filter={"Prefix": "docs/"},
                        OptionalFields=["ETag", "Size", "EncryptionStatus", "IsMultipartUploaded"])
        cfg["Destination"]["S3BucketDestination"]["Prefix"] = "reports"
        s3.put_bucket_inventory_configuration(Bucket=bucket, Id="daily-all", InventoryConfiguration=cfg)

        base = "reports/%s/daily-all/" % bucket
        deadline = time.time() + 20
        keys = []
        while time.time() < deadline:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=dest).get("Contents", [])]
            if any(k.endswith("manifest.checksum") for k in keys) and any("hive/" in k for k in keys):
                break
            time.sleep(0.2)
        manifest_key = next(k for k in keys if k.endswith("/manifest.json"))
        assert manifest_key.startswith(base)
        body = s3.get_object(Bucket=dest, Key=manifest_key)["Body"].read()
        checksum = s3.get_object(Bucket=dest, Key=manifest_key[:-len("json")] + "checksum")["Body"].read()
        assert checksum.decode() == hashlib.md5(body).hexdigest()
        m = json.loads(body)
        assert m["sourceBucket"] == bucket and m["destinationBucket"] == "arn:aws:s3:::" + dest
        assert m["fileFormat"] == "CSV" and m["version"] == "2016-11-30"
        assert m["fileSchema"] == ("Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ETag, "
                                   "IsMultipartUploaded, EncryptionStatus")
        rows = []
        for f in m["files"]:
            assert f["key"].startswith(base + "data/") and f["key"].endswith(".csv.gz")
            gz = s3.get_object(Bucket=dest, Key=f["key"])["Body"].read()
            assert len(gz) == f["size"] and hashlib.md5(gz).hexdigest() == f["MD5checksum"]
            rows += list(csv.reader(io.StringIO(gzip.decompress(gz).decode())))
        md5 = lambda b: hashlib.md5(b).hexdigest()
        got = sorted(rows, key=lambda r: (r[1], r[2]))
        want = sorted([
            [bucket, "docs/a+b.txt", v1, "false", "false", "3", md5(b"one"), "false", "SSE-S3"],
            [bucket, "docs/a+b.txt", v2, "true", "false", "6", md5(b"second"), "false", "SSE-S3"],
            [bucket, urllib.parse.quote('docs/q"uote'), v3, "true", "false", "10", md5(b"x" * 10), "false",
             "SSE-S3"],
            [bucket, "docs/gone", mark["VersionId"], "true", "true", "", "", "", ""],
        ], key=lambda r: (r[1], r[2]))
        assert got == want
        symlink_key = next(k for k in keys if k.startswith(base + "hive/dt=") and k.endswith("/symlink.txt"))
        links = s3.get_object(Bucket=dest, Key=symlink_key)["Body"].read().decode().split()
        assert links == ["s3://%s/%s" % (dest, f["key"]) for f in m["files"]]

        # a daily report follows a (one-second) day later
        first = len([k for k in keys if k.endswith("/manifest.json")])
        deadline = time.time() + 20
        while time.time() < deadline:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=dest).get("Contents", [])]
            if len([k for k in keys if k.endswith("/manifest.json")]) > first or \
                    len([k for k in keys if "/data/" in k]) > len(m["files"]):
                break
            time.sleep(0.2)
        assert len([k for k in keys if "/data/" in k]) > len(m["files"])
    finally:
        for k in [o["Key"] for o in s3.list_objects_v2(Bucket=dest).get("Contents", [])]:
            s3.delete_object(Bucket=dest, Key=k)
        s3.delete_bucket_inventory_configuration(Bucket=bucket, Id="daily-all")
        remove_bucket(s3, dest)


def test_deprecated_lifecycle_and_notification(g, s3, bucket):
    """PutBucketLifecycle and PutBucketNotification send the same requests as
    their replacements (rules with a top-level Prefix and one Transition;
    single Topic/Queue/CloudFunction configurations): the current operations
    read both forms and the old clients read the answers."""
    s3.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 30},
         "Transition": {"Days": 10, "StorageClass": "GLACIER"},
         "NoncurrentVersionTransition": {"NoncurrentDays": 5, "StorageClass": "GLACIER"}}]})
    cur = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert cur == [{"ID": "old", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 30},
                    "Transitions": [{"Days": 10, "StorageClass": "GLACIER"}],
                    "NoncurrentVersionTransitions": [{"NoncurrentDays": 5, "StorageClass": "GLACIER"}]}]
    old = s3.get_bucket_lifecycle(Bucket=bucket)["Rules"]
    assert old == [{"ID": "old", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 30},
                    "Transition": {"Days": 10, "StorageClass": "GLACIER"},
                    "NoncurrentVersionTransition": {"NoncurrentDays": 5, "StorageClass": "GLACIER"}}]
    assert refusal(lambda: s3.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"Prefix": "", "Status": "Enabled", "Expiration": {"Days": 0}}]}))[:2] == ("InvalidArgument", 400)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert refusal(lambda: s3.get_bucket_lifecycle(Bucket=bucket))[:2] == ("NoSuchLifecycleConfiguration", 404)

    sqs = g.client("sqs")
    qurl = sqs.create_queue(QueueName="grc-%s" % os.urandom(3).hex())["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=qurl, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": qarn}]})})
    s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={"QueueConfiguration": {
        "Id": "q", "Queue": qarn, "Events": ["s3:ObjectCreated:Put"]}})
    cur = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert cur == [{"Id": "q", "QueueArn": qarn, "Events": ["s3:ObjectCreated:Put"]}]
    old = s3.get_bucket_notification(Bucket=bucket)
    assert old["QueueConfiguration"]["Queue"] == qarn and old["QueueConfiguration"]["Id"] == "q"
    assert "TopicConfiguration" not in old
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    bodies, deadline = [], time.time() + 10
    while time.time() < deadline and not any("Records" in b for b in bodies):
        for m in sqs.receive_message(QueueUrl=qurl, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(json.loads(m["Body"]))
    rec = next(b for b in bodies if "Records" in b)["Records"][0]
    assert rec["eventName"] == "ObjectCreated:Put" and rec["s3"]["object"]["key"] == "k"
    s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={})
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations") is None
    sqs.delete_queue(QueueUrl=qurl)


def test_deprecated_notification_single_event(g, s3, bucket):
    """The old TopicConfiguration and CloudFunctionConfiguration name their
    event with the single Event member (an <Event> element, as Events' are):
    stored as the current configurations' Events, answered to old clients as
    both Event and Events; an unknown event is refused as by the current
    operation (InvalidArgument naming Event)."""
    sns = g.client("sns")
    topic = sns.create_topic(Name="grc-%s" % os.urandom(3).hex())["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sns:Publish",
            "Resource": topic}]}))
    fn = "arn:aws:lambda:us-east-1:000000000000:function:grc-old"
    s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={
        "TopicConfiguration": {"Id": "t", "Topic": topic, "Event": "s3:ReducedRedundancyLostObject"},
        "CloudFunctionConfiguration": {"Id": "f", "CloudFunction": fn, "Event": "s3:ObjectCreated:Put"}})
    cur = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert cur["TopicConfigurations"] == [{"Id": "t", "TopicArn": topic, "Events": ["s3:ReducedRedundancyLostObject"]}]
    assert cur["LambdaFunctionConfigurations"] == [
        {"Id": "f", "LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:Put"]}]
    old = s3.get_bucket_notification(Bucket=bucket)
    assert old["TopicConfiguration"] == {"Id": "t", "Topic": topic, "Event": "s3:ReducedRedundancyLostObject",
                                         "Events": ["s3:ReducedRedundancyLostObject"]}
    assert old["CloudFunctionConfiguration"]["CloudFunction"] == fn
    assert old["CloudFunctionConfiguration"]["Event"] == "s3:ObjectCreated:Put"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={
            "TopicConfiguration": {"Topic": topic, "Event": "s3:ObjectCreated:Bogus"}})
    assert e.value.response["Error"] == {
        "Code": "InvalidArgument", "Message": "The event is not supported for notifications",
        "ArgumentName": "Event", "ArgumentValue": "s3:ObjectCreated:Bogus"}
    assert s3.get_bucket_notification(Bucket=bucket)["TopicConfiguration"]["Id"] == "t"
    s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={})
    sns.delete_topic(TopicArn=topic)
