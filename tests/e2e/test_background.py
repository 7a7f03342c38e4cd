"""test_background.py — work that happens while nobody calls the service, done by
the server's background ticker (src/services/ticker.c): DynamoDB TTL deletions,
SQS retention and message move tasks, S3 lifecycle expirations and CloudWatch
Logs retention. One server for the module with test-only time hooks: the ticker
ticks every 100 ms (GUREUM_TICK_MS), a second of SQS retention lasts 20 ms
(GUREUM_SQS_RETENTION_SECOND_MS, so the minimum 60 s is 1.2 s) and an S3
lifecycle day lasts one second (GUREUM_S3_LIFECYCLE_DAY_SECONDS).

With a ticker running, no request does this work any more (the request paths
keep it only for in-process harnesses without a ticker), so what a test sees
go is the ticker's doing. Where AWS hides expired data from reads anyway (SQS
messages past retention, log events past retention), the test looks at the
service's own database file — read-only — to see that the rows are really gone
without a single request to that service in between.
"""
import json
import os
import sqlite3
import time
import urllib.request
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import pytest

from conftest import Gureum, _binary, _start_with_port_retry, _teardown


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    work = tmp_path_factory.mktemp("gureum")
    srv = Gureum(_binary(), work / "data", work,
                 env={"GUREUM_TICK_MS": "100", "GUREUM_SQS_RETENTION_SECOND_MS": "20",
                      "GUREUM_S3_LIFECYCLE_DAY_SECONDS": "1"})
    _start_with_port_retry(srv)
    try:
        yield srv
    finally:
        _teardown(srv)  # also asserts the ticker was joined: exit 0, no sanitizer report


def name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def stored(g, svc, sql):
    """One number from the service's database file, opened read-only (WAL lets
    it be read while the server writes)."""
    path = os.path.join(str(g.data_dir), "meta", "%s.db" % svc)
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def wait_for(pred, timeout=10.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(every)
    return pred()


# ==== DynamoDB TTL ====

def test_dynamodb_ttl_deletes_in_background(g):
    ddb = g.client("dynamodb")
    t = name("ttl")
    ddb.create_table(TableName=t, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    ddb.update_time_to_live(TableName=t, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    # More expired items than one sweep deletes from a table (256): the rest go in the next batches.
    for i in range(0, 300, 25):
        ddb.batch_write_item(RequestItems={t: [
            {"PutRequest": {"Item": {"pk": {"S": "old%03d" % k}, "exp": {"N": str(now - 5)}}}}
            for k in range(i, i + 25)]})
    ddb.put_item(TableName=t, Item={"pk": {"S": "live"}, "exp": {"N": str(now + 3600)}})
    ddb.put_item(TableName=t, Item={"pk": {"S": "no-ttl"}})

    # AWS: expired items "still appear in reads, queries, and scans" until deleted. No DynamoDB
    # request until the rows are gone from the table's storage: only the ticker can have done it.
    rows = "SELECT count(*) FROM ddb_item WHERE tid = (SELECT tid FROM ddb_table WHERE name = '%s')" % t
    assert stored(g, "dynamodb", rows) > 2
    assert wait_for(lambda: stored(g, "dynamodb", rows) == 2, timeout=15), stored(g, "dynamodb", rows)
    items, kw = [], {}
    while True:
        page = ddb.scan(TableName=t, **kw)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(i["pk"]["S"] for i in items) == ["live", "no-ttl"]
    # each deletion left its REMOVE record, as any delete does
    streams = g.client("dynamodbstreams")
    arn = ddb.describe_table(TableName=t)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    removes = 0
    while it:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        removes += sum(1 for r in page["Records"] if r["eventName"] == "REMOVE")
        it = page.get("NextShardIterator") if page["Records"] else None
    assert removes == 300


# ==== SQS ====

def sqs_json(g, op, body):
    """An SQS json 1.0 call signed by hand: Debian's boto3 1.26 predates the
    message move task operations."""
    data = json.dumps(body).encode()
    req = AWSRequest(method="POST", url=g.endpoint + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + op})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(g.endpoint + "/", data=data, headers=dict(req.headers),
                                                       method="POST"), timeout=10) as r:
        return json.loads(r.read() or b"{}")


def test_sqs_retention_deletes_in_background(g):
    sqs = g.client("sqs")
    short = sqs.create_queue(QueueName=name("ret"), Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    keep = sqs.create_queue(QueueName=name("keep"))["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=short, MessageBody="m%d" % i,
                         MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    sqs.send_message(QueueUrl=keep, MessageBody="kept")
    sent = time.time()
    qid = "(SELECT id FROM queue WHERE name = '%s')" % short.rsplit("/", 1)[1]
    assert stored(g, "sqs", "SELECT count(*) FROM message WHERE qid = %s" % qid) == 3
    # 60 s of retention last 1.2 s here; no SQS request until the rows are gone
    assert wait_for(lambda: stored(g, "sqs", "SELECT count(*) FROM message WHERE qid = %s" % qid) == 0)
    assert time.time() - sent >= 1.1
    assert stored(g, "sqs", "SELECT count(*) FROM msg_attr WHERE mid NOT IN (SELECT id FROM message)") == 0
    attrs = sqs.get_queue_attributes(QueueUrl=short, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert sqs.receive_message(QueueUrl=short).get("Messages", []) == []
    # a queue with the default period (four days) keeps its message
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=keep)["Messages"]] == ["kept"]


def test_sqs_move_task_moves_while_a_consumer_waits(g):
    """A rate-limited move task goes on by itself: a long poll on the destination
    is woken by the second message's move, with no other request to drive it."""
    sqs = g.client("sqs")
    dlq = sqs.create_queue(QueueName=name("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=name("src"), Attributes={
        "RedrivePolicy": '{"deadLetterTargetArn":"%s","maxReceiveCount":"1"}' % dlq_arn})
    dest = sqs.create_queue(QueueName=name("dest"))["QueueUrl"]
    dest_arn = sqs.get_queue_attributes(QueueUrl=dest, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for i in range(2):
        sqs.send_message(QueueUrl=dlq, MessageBody="d%d" % i)
    sqs_json(g, "StartMessageMoveTask", {"SourceArn": dlq_arn, "DestinationArn": dest_arn,
                                         "MaxNumberOfMessagesPerSecond": 1})
    first = sqs.receive_message(QueueUrl=dest, WaitTimeSeconds=5)["Messages"]  # the first goes at once
    assert [m["Body"] for m in first] == ["d0"]
    t0 = time.time()
    second = sqs.receive_message(QueueUrl=dest, WaitTimeSeconds=10).get("Messages", [])
    assert [m["Body"] for m in second] == ["d1"]
    assert time.time() - t0 < 5  # woken by the move about a second in, not by the poll's end
    task = sqs_json(g, "ListMessageMoveTasks", {"SourceArn": dlq_arn})["Results"][0]
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 2


# ==== S3 lifecycle ====

def test_s3_lifecycle_expires_in_background(g):
    s3 = g.client("s3")
    b = name("lc")
    s3.create_bucket(Bucket=b)
    for k in ("tmp/a", "tmp/b", "keep/c"):
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]})
    put = time.time()
    # A day lasts a second here. No S3 request until the rows are gone: the bucket's objects, as
    # S3's own table holds them.
    rows = "SELECT count(*) FROM s3_object WHERE bucket = '%s'" % b
    assert stored(g, "s3", rows) == 3
    assert wait_for(lambda: stored(g, "s3", rows) == 1)
    assert time.time() - put >= 0.9
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])) == ["keep/c"]
    s3.delete_object(Bucket=b, Key="keep/c")
    s3.delete_bucket(Bucket=b)


# ==== CloudWatch Logs retention ====

def test_logs_retention_deletes_in_background(g):
    logs = g.client("logs")
    grp = name("/bg/grp")
    logs.create_log_group(logGroupName=grp)
    logs.put_retention_policy(logGroupName=grp, retentionInDays=1)
    logs.create_log_stream(logGroupName=grp, logStreamName="s")
    now_ms = int(time.time() * 1000)
    # one event 1.5 s short of the one-day retention, one from now
    logs.put_log_events(logGroupName=grp, logStreamName="s", logEvents=[
        {"timestamp": now_ms - 86400000 + 1500, "message": "old"},
        {"timestamp": now_ms, "message": "new"}])
    gid = "(SELECT id FROM log_group WHERE name = '%s')" % grp
    assert stored(g, "logs", "SELECT count(*) FROM log_event WHERE gid = %s" % gid) == 2
    assert wait_for(lambda: stored(g, "logs", "SELECT count(*) FROM log_event WHERE gid = %s" % gid) == 1)
    assert time.time() * 1000 - now_ms >= 1400
    assert [e["message"] for e in logs.get_log_events(logGroupName=grp, logStreamName="s")["events"]] == ["new"]
