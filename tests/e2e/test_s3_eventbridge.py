"""test_s3_eventbridge.py — S3 event notifications to EventBridge: with
EventBridgeConfiguration set on a bucket, every object event goes to the
default bus of the bucket's region (source aws.s3, detail-type "Object
Created" / "Object Deleted"), where a rule delivers it to an SQS queue.
Shapes: AWS "EventBridge event message structure" (S3 User Guide) and
LocalStack's recorded AWS answers (test_s3_notifications_eventbridge).
"""
import json
import time
import uuid

import pytest

from conftest import CLIS, queue_for_service

ACCOUNT = "000000000000"


def name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def receive_all(sqs, url, want, wait=5):
    out, deadline = [], time.time() + wait
    while time.time() < deadline and len(out) < want:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def queue_for(sqs, service, region="us-east-1"):
    return queue_for_service(sqs, name("ebq"), service, region, ACCOUNT)


def eventbridge_bucket(gureum, region="us-east-1", detail_types=("Object Created", "Object Deleted"), versioned=False):
    """A bucket with EventBridgeConfiguration, and a rule on the default bus
    of region that sends its aws.s3 events to a queue."""
    s3, events, sqs = (gureum.client(s, region_name=region) for s in ("s3", "events", "sqs"))
    bucket, rule = name("ebb"), name("ebr")
    kw = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **kw)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    url, qarn = queue_for(sqs, "events.amazonaws.com", region)
    pattern = {"source": ["aws.s3"], "detail-type": list(detail_types), "detail": {"bucket": {"name": [bucket]}}}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": qarn}])
    s3.put_bucket_notification_configuration(Bucket=bucket,
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    return s3, sqs, bucket, url


def check_envelope(ev, bucket, detail_type, region="us-east-1"):
    assert ev["version"] == "0"
    assert ev["source"] == "aws.s3"
    assert ev["detail-type"] == detail_type
    assert ev["account"] == ACCOUNT
    assert ev["region"] == region
    assert ev["resources"] == ["arn:aws:s3:::%s" % bucket]
    assert ev["time"].endswith("Z") and len(ev["id"]) == 36
    d = ev["detail"]
    assert d["version"] == "0"
    assert d["bucket"] == {"name": bucket}
    assert d["request-id"] and d["requester"] == ACCOUNT
    assert d["source-ip-address"] == "127.0.0.1"
    assert len(d["object"]["sequencer"]) == 16


def test_get_answers_eventbridge_configuration_back(gureum):
    s3 = gureum.client("s3")
    bucket = name("ebget")
    s3.create_bucket(Bucket=bucket)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "EventBridgeConfiguration" not in got
    s3.put_bucket_notification_configuration(Bucket=bucket,
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["EventBridgeConfiguration"] == {}
    assert "QueueConfigurations" not in got
    # an empty configuration turns it off again
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)


@pytest.mark.parametrize("cli", CLIS or [None])
def test_cli_puts_and_gets_eventbridge_configuration(gureum, cli):
    if cli is None:
        pytest.skip("no AWS CLI installed")
    bucket = name("ebcli")
    gureum.client("s3").create_bucket(Bucket=bucket)
    p = gureum.aws("s3api", "put-bucket-notification-configuration", "--bucket", bucket,
                   "--notification-configuration", '{"EventBridgeConfiguration": {}}', cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("s3api", "get-bucket-notification-configuration", "--bucket", bucket, "--output", "json", cli=cli)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["EventBridgeConfiguration"] == {}


def test_object_created_and_deleted(gureum):
    s3, sqs, bucket, url = eventbridge_bucket(gureum)
    put = s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"data")
    s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/a b.txt"})
    up = s3.create_multipart_upload(Bucket=bucket, Key="mpu.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mpu.bin", UploadId=up, PartNumber=1, Body=b"x" * 100)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mpu.bin", UploadId=up,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.delete_object(Bucket=bucket, Key="copy.txt")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "mpu.bin"}]})
    evs = receive_all(sqs, url, 5)
    assert len(evs) == 5, evs
    by_reason = {e["detail"]["reason"]: e for e in evs}
    assert sorted(by_reason) == ["CompleteMultipartUpload", "CopyObject", "DeleteObject", "DeleteObjects",
                                 "PutObject"]

    e = by_reason["PutObject"]
    check_envelope(e, bucket, "Object Created")
    # the key as it is, not URL-encoded as in the SQS/SNS/Lambda records
    assert e["detail"]["object"]["key"] == "dir/a b.txt"
    assert e["detail"]["object"]["size"] == 4
    assert e["detail"]["object"]["etag"] == put["ETag"].strip('"')
    assert "deletion-type" not in e["detail"] and "version-id" not in e["detail"]["object"]

    e = by_reason["CopyObject"]
    check_envelope(e, bucket, "Object Created")
    assert e["detail"]["object"]["key"] == "copy.txt" and e["detail"]["object"]["size"] == 4

    e = by_reason["CompleteMultipartUpload"]
    check_envelope(e, bucket, "Object Created")
    assert e["detail"]["object"]["size"] == 100
    assert e["detail"]["object"]["etag"] == done["ETag"].strip('"')

    for reason, key in (("DeleteObject", "copy.txt"), ("DeleteObjects", "mpu.bin")):
        e = by_reason[reason]
        check_envelope(e, bucket, "Object Deleted")
        assert e["detail"]["deletion-type"] == "Permanently Deleted"
        assert set(e["detail"]["object"]) == {"key", "sequencer"}
        assert e["detail"]["object"]["key"] == key


def test_versioned_delete_marker_and_version(gureum):
    s3, sqs, bucket, url = eventbridge_bucket(gureum, versioned=True)
    v = s3.put_object(Bucket=bucket, Key="k", Body=b"abc")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v)
    evs = receive_all(sqs, url, 3)
    assert [e["detail-type"] for e in evs] == ["Object Created", "Object Deleted", "Object Deleted"]
    assert evs[0]["detail"]["object"]["version-id"] == v
    assert evs[1]["detail"]["deletion-type"] == "Delete Marker Created"
    assert evs[1]["detail"]["object"]["version-id"] == marker
    assert evs[2]["detail"]["deletion-type"] == "Permanently Deleted"
    assert evs[2]["detail"]["object"]["version-id"] == v


def test_rule_pattern_filters_detail_type(gureum):
    s3, sqs, bucket, url = eventbridge_bucket(gureum, detail_types=("Object Deleted",))
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    s3.delete_object(Bucket=bucket, Key="k")
    evs = receive_all(sqs, url, 2, wait=3)
    assert [e["detail-type"] for e in evs] == ["Object Deleted"]


def test_bucket_region_bus(gureum):
    s3, sqs, bucket, url = eventbridge_bucket(gureum, region="eu-west-1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    evs = receive_all(sqs, url, 1)
    assert len(evs) == 1
    check_envelope(evs[0], bucket, "Object Created", region="eu-west-1")


def test_without_configuration_nothing_is_sent(gureum):
    s3, sqs, bucket, url = eventbridge_bucket(gureum)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    assert receive_all(sqs, url, 1, wait=2) == []


def test_queue_configuration_still_delivered_alongside(gureum):
    """The SQS path is unchanged when EventBridge is on too."""
    s3, sqs, bucket, url = eventbridge_bucket(gureum)
    durl, darn = queue_for(sqs, "s3.amazonaws.com")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "EventBridgeConfiguration": {},
        "QueueConfigurations": [{"QueueArn": darn, "Events": ["s3:ObjectCreated:*"]}]})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["EventBridgeConfiguration"] == {} and len(got["QueueConfigurations"]) == 1
    s3.put_object(Bucket=bucket, Key="a b", Body=b"abc")
    direct_msgs = [m for m in receive_all(sqs, durl, 2) if "Records" in m]
    assert [m["Records"][0]["eventName"] for m in direct_msgs] == ["ObjectCreated:Put"]
    assert direct_msgs[0]["Records"][0]["s3"]["object"]["key"] == "a+b"
    evs = receive_all(sqs, url, 1)
    assert [e["detail"]["object"]["key"] for e in evs] == ["a b"]


def test_tags_and_acl_events(gureum):
    """Object Tags Added / Deleted and Object ACL Updated carry the key and
    etag (and version-id), no size, sequencer or reason (LocalStack's
    recorded test_object_put_acl)."""
    s3, sqs, bucket, url = eventbridge_bucket(
        gureum, detail_types=("Object Tags Added", "Object Tags Deleted", "Object ACL Updated"), versioned=True)
    put = s3.put_object(Bucket=bucket, Key="t", Body=b"abc")
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    s3.put_object_acl(Bucket=bucket, Key="t", ACL="public-read")
    evs = receive_all(sqs, url, 3)
    assert [e["detail-type"] for e in evs] == ["Object Tags Added", "Object Tags Deleted", "Object ACL Updated"]
    for e in evs:
        check_envelope(dict(e, detail=dict(e["detail"], object=dict(e["detail"]["object"], sequencer="0" * 16))),
                       bucket, e["detail-type"])
        assert e["detail"]["object"] == {"key": "t", "etag": put["ETag"].strip('"'), "version-id": put["VersionId"]}
        assert "reason" not in e["detail"]


def test_tagging_event_reaches_a_queue_configuration(gureum):
    """s3:ObjectTagging:* and s3:ObjectAcl:Put, accepted in a configuration
    before, now also reach the SQS path."""
    s3, sqs = gureum.client("s3"), gureum.client("sqs")
    bucket = name("ebtag")
    s3.create_bucket(Bucket=bucket)
    url, arn = queue_for(sqs, "s3.amazonaws.com")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectTagging:*", "s3:ObjectAcl:Put"]}]})
    receive_all(sqs, url, 1, wait=2)  # the s3:TestEvent
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    recs = [m["Records"][0] for m in receive_all(sqs, url, 2)]
    assert [x["eventName"] for x in recs] == ["ObjectTagging:Put", "ObjectAcl:Put"]
    assert recs[0]["s3"]["object"]["key"] == "k"
