"""test_lambda_esm_streams.py — Lambda event source mappings of DynamoDB
streams and Kinesis streams, end to end with boto3: a Python function on a
table's NEW_AND_OLD_IMAGES stream gets INSERT, MODIFY and REMOVE in order; a
Kinesis mapping starting at LATEST; filters; a failing function retried
MaximumRetryAttempts times whose batch then goes to an SQS on-failure
destination; ReportBatchItemFailures; disabling a mapping; and
CreateEventSourceMapping's refusals (AWS's recorded messages). The functions
send each event they get to an SQS queue, which the test reads.
"""
import base64
import io
import json
import time
import zipfile

import botocore.exceptions
import pytest

from conftest import serve, lambda_role, wait_for

REGION = "ap-northeast-2"

RECORDER_PY = """
import base64, json, os, boto3
def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
    print("batch of", len(event["Records"]))
    mode = os.environ.get("MODE", "")
    if mode == "fail":
        raise Exception("I failed")
    if mode == "failbad" and any(base64.b64decode(r["kinesis"]["data"]) == b"bad" for r in event["Records"]):
        raise Exception("bad record")
    if mode == "partial":
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in event["Records"]
                                      if base64.b64decode(r["kinesis"]["data"]) == b"bad"]}
    return None
"""


AGE_SECOND_MS = 50  # a second of MaximumRecordAgeInSeconds: its minimum, 60 s, lasts 3 s


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_LAMBDA_RECORD_AGE_SECOND_MS": str(AGE_SECOND_MS)})


@pytest.fixture(scope="module")
def lam(g):
    return g.client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def role(g):
    iam = g.client("iam")
    arn = lambda_role(iam, "esm-role")
    iam.put_role_policy(RoleName="esm-role", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:*", "logs:*", "dynamodb:*", "kinesis:*"], "Resource": "*"}]}))
    return arn


@pytest.fixture(scope="module")
def sqs(g):
    return g.client("sqs", region_name=REGION)


@pytest.fixture(scope="module")
def ddb(g):
    return g.client("dynamodb", region_name=REGION)


@pytest.fixture(scope="module")
def kin(g):
    return g.client("kinesis", region_name=REGION)


def zip_of(source):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("app.py", source)
    return b.getvalue()


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def recorder(lam, role, sqs, name, mode=""):
    """A function that sends every event it gets to its own queue; the queue's URL."""
    url, _ = queue(sqs, name + "-out")
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler", Role=role,
                        Code={"ZipFile": zip_of(RECORDER_PY)}, Timeout=10,
                        Environment={"Variables": {"OUT": url, "MODE": mode}})
    return url


def drain(sqs, url, want, timeout=20):
    """The message bodies (parsed) of url until `want` of them came or time ran out."""
    got, deadline = [], time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def records(sqs, url, want, timeout=20):
    """The records of the events url got, in order, until `want` of them came."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        for ev in drain(sqs, url, 1, timeout=max(0.5, deadline - time.monotonic())):
            out.extend(ev["Records"])
    return out


def stream_table(ddb, name, view="NEW_AND_OLD_IMAGES"):
    t = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return t["TableDescription"]["LatestStreamArn"]


def kinesis_stream(kin, name, shards=1):
    kin.create_stream(StreamName=name, ShardCount=shards)
    return kin.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def wait_enabled(lam, uuid):
    deadline = time.monotonic() + 5
    while lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled" and time.monotonic() < deadline:
        time.sleep(0.2)


# ==== DynamoDB streams ====

def test_dynamodb_stream_delivers_insert_modify_remove_in_order(lam, role, sqs, ddb):
    out = recorder(lam, role, sqs, "ddb-rec")
    arn = stream_table(ddb, "orders")
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="ddb-rec", StartingPosition="TRIM_HORIZON")
    # AWS (recorded): a stream mapping answers its settings, defaults included
    assert m["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert m["State"] == "Creating" and m["StartingPosition"] == "TRIM_HORIZON" and m["BatchSize"] == 100
    assert (m["MaximumRetryAttempts"], m["MaximumRecordAgeInSeconds"], m["ParallelizationFactor"]) == (-1, -1, 1)
    assert m["BisectBatchOnFunctionError"] is False and m["TumblingWindowInSeconds"] == 0
    assert m["DestinationConfig"] == {"OnFailure": {}} and m["FunctionResponseTypes"] == []
    assert m["LastProcessingResult"] == "No records processed" and m["StateTransitionReason"] == "User action"
    ddb.put_item(TableName="orders", Item={"id": {"S": "o1"}, "qty": {"N": "1"}, "blob": {"B": b"foobar"}})
    ddb.update_item(TableName="orders", Key={"id": {"S": "o1"}}, UpdateExpression="SET qty = :q",
                    ExpressionAttributeValues={":q": {"N": "2"}})
    ddb.delete_item(TableName="orders", Key={"id": {"S": "o1"}})
    recs = records(sqs, out, 3)
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    ins, mod, rem = recs
    for r in recs:
        assert (r["eventSource"], r["eventVersion"], r["awsRegion"], r["eventSourceARN"]) == (
            "aws:dynamodb", "1.1", REGION, arn)
        assert r["dynamodb"]["Keys"] == {"id": {"S": "o1"}}
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(r["dynamodb"]["ApproximateCreationDateTime"], (int, float))
        assert isinstance(r["dynamodb"]["SizeBytes"], int) and len(r["eventID"]) == 32
    assert ins["dynamodb"]["NewImage"] == {"id": {"S": "o1"}, "qty": {"N": "1"}, "blob": {"B": "Zm9vYmFy"}}
    assert "OldImage" not in ins["dynamodb"]
    assert mod["dynamodb"]["OldImage"]["qty"] == {"N": "1"} and mod["dynamodb"]["NewImage"]["qty"] == {"N": "2"}
    assert "NewImage" not in rem["dynamodb"] and rem["dynamodb"]["OldImage"]["qty"] == {"N": "2"}
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    wait_enabled(lam, m["UUID"])
    # the function sent the records before it returned; the mapping notes
    # its result once it has
    got = wait_for(lambda: (g := lam.get_event_source_mapping(UUID=m["UUID"]))["LastProcessingResult"] == "OK" and g)
    assert got["State"] == "Enabled"
    # nothing is delivered twice
    assert drain(sqs, out, 1, timeout=1.5) == []


def test_dynamodb_latest_filter_and_disable(lam, role, sqs, ddb):
    out = recorder(lam, role, sqs, "ddb-filter")
    arn = stream_table(ddb, "users", view="NEW_IMAGE")
    ddb.put_item(TableName="users", Item={"id": {"S": "before"}})  # before the mapping: LATEST skips it
    pattern = json.dumps({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"vip": {"BOOL": [True]}}}})
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="ddb-filter", StartingPosition="LATEST",
                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert m["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    ddb.put_item(TableName="users", Item={"id": {"S": "plain"}, "vip": {"BOOL": False}})
    ddb.put_item(TableName="users", Item={"id": {"S": "star"}, "vip": {"BOOL": True}})
    ddb.update_item(TableName="users", Key={"id": {"S": "star"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "1"}})
    recs = records(sqs, out, 1)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in recs] == [("INSERT", "star")]
    assert drain(sqs, out, 1, timeout=1.5) == []
    # disabled: nothing is delivered until it is enabled again, then what was written meanwhile
    wait_enabled(lam, m["UUID"])
    u = lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    assert u["State"] == "Updating"
    assert lam.get_event_source_mapping(UUID=m["UUID"])["State"] == "Disabled"
    ddb.put_item(TableName="users", Item={"id": {"S": "later"}, "vip": {"BOOL": True}})
    assert drain(sqs, out, 1, timeout=1.5) == []
    lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    recs = records(sqs, out, 1)
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in recs] == ["later"]
    assert lam.delete_event_source_mapping(UUID=m["UUID"])["State"] == "Deleting"
    ddb.put_item(TableName="users", Item={"id": {"S": "gone"}, "vip": {"BOOL": True}})
    assert drain(sqs, out, 1, timeout=1.5) == []


def test_create_refusals(lam, role, sqs, ddb, kin):
    recorder(lam, role, sqs, "refused")
    arn = stream_table(ddb, "refusals")
    karn = kinesis_stream(kin, "refusals")
    _, qarn = queue(sqs, "refusals-q")

    def err(**kw):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_event_source_mapping(FunctionName="refused", **kw)
        return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]

    # AWS's recorded answers (LocalStack's AWS-validated ESM tests)
    null = ("InvalidParameterValueException", "1 validation error detected: Value null at 'startingPosition' "
            "failed to satisfy constraint: Member must not be null.")
    assert err(EventSourceArn=arn) == null
    assert err(EventSourceArn=karn) == null
    assert err(EventSourceArn=arn, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=1741010802) == (
        "InvalidParameterValueException", "Unsupported starting position for arn type: " + arn)
    missing = arn.replace("table/refusals", "table/nope")
    assert err(EventSourceArn=missing, StartingPosition="LATEST") == (
        "InvalidParameterValueException", "Stream not found: " + missing)
    kmissing = karn.replace("stream/refusals", "stream/nope")
    assert err(EventSourceArn=kmissing, StartingPosition="LATEST") == (
        "InvalidParameterValueException", "Stream not found: " + kmissing)
    assert err(EventSourceArn=arn, StartingPosition="LATEST", FilterCriteria={"Filters": [{"Pattern": "x"}]}) == (
        "InvalidParameterValueException", "Invalid filter pattern definition.")
    assert err(EventSourceArn=qarn, StartingPosition="LATEST") == (
        "InvalidParameterValueException", "StartingPosition is not valid for SQS event sources.")
    # not implemented, so refused rather than ignored
    assert err(EventSourceArn=arn, StartingPosition="LATEST", TumblingWindowInSeconds=60)[0] == (
        "InvalidParameterValueException")
    m = lam.create_event_source_mapping(FunctionName="refused", EventSourceArn=arn, StartingPosition="LATEST")
    code, msg = err(EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    assert code == "ResourceConflictException"
    assert msg == ('The event source arn (" %s ") and function (" refused ") provided mapping already exists. '
                   "Please update or delete the existing mapping with UUID %s" % (arn, m["UUID"]))


def test_role_must_be_able_to_read_the_stream(g, lam, sqs, ddb, kin):
    iam = g.client("iam")
    bare = lambda_role(iam, "esm-bare")
    iam.put_role_policy(RoleName="esm-bare", PolicyName="queues", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
    lam.create_function(FunctionName="bare", Runtime="python3.11", Handler="app.handler", Role=bare,
                        Code={"ZipFile": zip_of(RECORDER_PY)})
    arn = stream_table(ddb, "guarded")
    karn = kinesis_stream(kin, "guarded")
    for src in (arn, karn):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_event_source_mapping(FunctionName="bare", EventSourceArn=src, StartingPosition="LATEST")
        # AWS's wording
        assert e.value.response["Error"] == {
            "Code": "InvalidParameterValueException",
            "Message": "Cannot access stream %s. Please ensure the role can perform the GetRecords, "
                       "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM." % src}
    # allowed on this stream only: enough
    iam.put_role_policy(RoleName="esm-bare", PolicyName="stream", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": arn, "Action": [
            "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"]}]}))
    lam.create_event_source_mapping(FunctionName="bare", EventSourceArn=arn, StartingPosition="LATEST")


# ==== Kinesis ====

def test_kinesis_mapping_latest_two_shards(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-rec")
    arn = kinesis_stream(kin, "clicks", shards=2)
    kin.put_record(StreamName="clicks", Data=b"old", PartitionKey="p0")  # before the mapping
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-rec", StartingPosition="LATEST",
                                        BatchSize=10)
    assert m["StartingPosition"] == "LATEST" and m["MaximumBatchingWindowInSeconds"] == 0
    sent = {}
    for i in range(6):
        r = kin.put_record(StreamName="clicks", Data=b"click-%d" % i, PartitionKey="user-%d" % i)
        sent[r["SequenceNumber"]] = (r["ShardId"], b"click-%d" % i, "user-%d" % i)
    recs = records(sqs, out, 6)
    assert len(recs) == 6
    fn_role = lam.get_function(FunctionName="kin-rec")["Configuration"]["Role"]
    for r in recs:
        k = r["kinesis"]
        shard, data, pkey = sent[k["sequenceNumber"]]
        assert base64.b64decode(k["data"]) == data and k["partitionKey"] == pkey
        assert k["kinesisSchemaVersion"] == "1.0" and isinstance(k["approximateArrivalTimestamp"], float)
        assert r["eventID"] == "%s:%s" % (shard, k["sequenceNumber"])
        assert (r["eventName"], r["eventSource"], r["eventVersion"]) == ("aws:kinesis:record", "aws:kinesis", "1.0")
        assert (r["invokeIdentityArn"], r["awsRegion"], r["eventSourceARN"]) == (fn_role, REGION, arn)
    # each shard's records come in the order they were put
    for shard in {v[0] for v in sent.values()}:
        mine = [int(r["kinesis"]["sequenceNumber"]) for r in recs if sent[r["kinesis"]["sequenceNumber"]][0] == shard]
        assert mine == sorted(mine)


def test_kinesis_mapping_follows_a_split_shard_to_its_children(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-split")
    arn = kinesis_stream(kin, "split")
    for i in range(3):
        kin.put_record(StreamName="split", Data=b"parent-%d" % i, PartitionKey="k%d" % i)
    kin.split_shard(StreamName="split", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    deadline = time.monotonic() + 5
    while kin.describe_stream_summary(StreamName="split")["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    child = {}
    for i in range(6):
        r = kin.put_record(StreamName="split", Data=b"child-%d" % i, PartitionKey="k%d" % i)
        child[b"child-%d" % i] = r["ShardId"]
    assert set(child.values()) == {"shardId-000000000001", "shardId-000000000002"}
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-split", StartingPosition="TRIM_HORIZON",
                                    BatchSize=1)
    recs = records(sqs, out, 9)
    data = [base64.b64decode(r["kinesis"]["data"]) for r in recs]
    # AWS: the parent shard is read to its end before its children
    assert data[:3] == [b"parent-0", b"parent-1", b"parent-2"]
    assert sorted(data[3:]) == sorted(child)
    assert {r["eventID"].split(":")[0] for r in recs[3:]} == {"shardId-000000000001", "shardId-000000000002"}


def test_kinesis_mapping_at_timestamp(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-ts")
    arn = kinesis_stream(kin, "timed")
    kin.put_record(StreamName="timed", Data=b"earlier", PartitionKey="k")
    time.sleep(1.1)
    since = int(time.time())
    time.sleep(0.1)
    kin.put_record(StreamName="timed", Data=b"later", PartitionKey="k")
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-ts", StartingPosition="AT_TIMESTAMP",
                                        StartingPositionTimestamp=since)
    assert m["StartingPosition"] == "AT_TIMESTAMP" and int(m["StartingPositionTimestamp"].timestamp()) == since
    assert [base64.b64decode(r["kinesis"]["data"]) for r in records(sqs, out, 1)] == [b"later"]
    assert drain(sqs, out, 1, timeout=1.5) == []


def test_kinesis_filter_on_data(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-filter")
    arn = kinesis_stream(kin, "orders-stream")
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-filter", StartingPosition="TRIM_HORIZON",
                                    FilterCriteria={"Filters": [{"Pattern": json.dumps(
                                        {"data": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}})}]})
    for d in ({"kind": "order", "total": 5}, {"kind": "refund", "total": 50}, "not json",
              {"kind": "order", "total": 11}):
        kin.put_record(StreamName="orders-stream", Data=json.dumps(d).encode() if isinstance(d, dict) else d.encode(),
                       PartitionKey="k")
    recs = records(sqs, out, 1)
    assert [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in recs] == [{"kind": "order", "total": 11}]
    assert drain(sqs, out, 1, timeout=1.5) == []


def test_failing_function_retries_then_on_failure_destination(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-fail", mode="fail")
    dlq, dlq_arn = queue(sqs, "kin-fail-dlq")
    arn = kinesis_stream(kin, "failing")
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-fail", StartingPosition="TRIM_HORIZON",
                                        BatchSize=1, MaximumRetryAttempts=1,
                                        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    assert m["MaximumRetryAttempts"] == 1 and m["DestinationConfig"] == {"OnFailure": {"Destination": dlq_arn}}
    r1 = kin.put_record(StreamName="failing", Data=b"one", PartitionKey="k")
    r2 = kin.put_record(StreamName="failing", Data=b"two", PartitionKey="k")
    failures = drain(sqs, dlq, 2, timeout=30)
    assert len(failures) == 2
    f = failures[0]
    farn = lam.get_function(FunctionName="kin-fail")["Configuration"]["FunctionArn"]
    assert f["requestContext"]["functionArn"] == farn
    assert f["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert f["requestContext"]["approximateInvokeCount"] == 2
    assert f["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert f["version"] == "1.0" and f["timestamp"].endswith("Z")
    info = f["KinesisBatchInfo"]
    assert info["shardId"] == r1["ShardId"] and info["streamArn"] == arn and info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == r1["SequenceNumber"]
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert failures[1]["KinesisBatchInfo"]["startSequenceNumber"] == r2["SequenceNumber"]
    # each record was tried twice, in order: the shard waited for the first
    seen = [base64.b64decode(r["kinesis"]["data"]) for ev in drain(sqs, out, 4) for r in ev["Records"]]
    assert seen == [b"one", b"one", b"two", b"two"]
    assert lam.get_event_source_mapping(UUID=m["UUID"])["LastProcessingResult"] == "PROBLEM: Function call failed"


def test_report_batch_item_failures_checkpoints_at_first_failure(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-partial", mode="partial")
    dlq, dlq_arn = queue(sqs, "kin-partial-dlq")
    arn = kinesis_stream(kin, "partial")
    for d in (b"a", b"bad", b"c"):
        kin.put_record(StreamName="partial", Data=d, PartitionKey="k")
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-partial", StartingPosition="TRIM_HORIZON",
                                    BatchSize=10, MaximumRetryAttempts=1,
                                    FunctionResponseTypes=["ReportBatchItemFailures"],
                                    DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    failures = drain(sqs, dlq, 1, timeout=30)
    assert len(failures) == 1
    info = failures[0]["KinesisBatchInfo"]
    assert info["batchSize"] == 2  # "bad" and what followed it in the batch
    assert failures[0]["responseContext"]["functionError"] is None
    batches = [[base64.b64decode(r["kinesis"]["data"]) for r in ev["Records"]] for ev in drain(sqs, out, 2)]
    # the retry starts at the first failed record: "a" is not delivered again
    assert batches == [[b"a", b"bad", b"c"], [b"bad", b"c"]]


def test_bisect_batch_on_function_error_isolates_the_failing_record(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-bisect", mode="failbad")
    dlq, dlq_arn = queue(sqs, "kin-bisect-dlq")
    arn = kinesis_stream(kin, "bisect")
    seqs = {}
    for d in (b"a", b"b", b"bad", b"c"):
        seqs[d] = kin.put_record(StreamName="bisect", Data=d, PartitionKey="k")["SequenceNumber"]
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-bisect",
                                        StartingPosition="TRIM_HORIZON", BatchSize=10, MaximumRetryAttempts=1,
                                        BisectBatchOnFunctionError=True,
                                        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    assert m["BisectBatchOnFunctionError"] is True
    f = drain(sqs, dlq, 1, timeout=30)[0]
    # split in halves until "bad" is alone; splitting does not count as a retry
    info = f["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == seqs[b"bad"]
    assert f["requestContext"]["approximateInvokeCount"] == 2
    batches = [[base64.b64decode(r["kinesis"]["data"]) for r in ev["Records"]] for ev in drain(sqs, out, 6)]
    assert batches == [[b"a", b"b", b"bad", b"c"], [b"a", b"b"], [b"bad", b"c"], [b"bad"], [b"bad"], [b"c"]]


def test_records_past_maximum_age_are_not_sent(lam, role, sqs, kin):
    out = recorder(lam, role, sqs, "kin-age")
    dlq, dlq_arn = queue(sqs, "kin-age-dlq")
    arn = kinesis_stream(kin, "aging")
    old = kin.put_record(StreamName="aging", Data=b"stale", PartitionKey="k")
    time.sleep(60 * AGE_SECOND_MS / 1000 + 0.5)
    kin.put_record(StreamName="aging", Data=b"fresh", PartitionKey="k")
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="kin-age", StartingPosition="TRIM_HORIZON",
                                    MaximumRecordAgeInSeconds=60,
                                    DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    recs = records(sqs, out, 1)
    assert [base64.b64decode(r["kinesis"]["data"]) for r in recs] == [b"fresh"]
    f = drain(sqs, dlq, 1)[0]
    # AWS (recorded): no responseContext, the function never saw the record
    assert "responseContext" not in f
    assert f["requestContext"]["condition"] == "RecordAgeExceeded"
    assert f["requestContext"]["approximateInvokeCount"] == 1
    assert f["KinesisBatchInfo"]["startSequenceNumber"] == old["SequenceNumber"]
    assert f["KinesisBatchInfo"]["batchSize"] == 1


# ==== SQS filters ====

def test_sqs_mapping_filters_delete_what_they_do_not_match(lam, role, sqs):
    out = recorder(lam, role, sqs, "sqs-filter")
    url, arn = queue(sqs, "filtered-jobs")
    pattern = json.dumps({"body": {"kind": ["paid"]}})
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sqs-filter",
                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    assert m["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    for body in (json.dumps({"kind": "free"}), "plain text", json.dumps({"kind": "paid", "n": 1})):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    recs = records(sqs, out, 1)
    assert [json.loads(r["body"]) for r in recs] == [{"kind": "paid", "n": 1}]
    assert drain(sqs, out, 1, timeout=1.5) == []
    # AWS: the messages no filter matched were deleted, not left for another receive
    def left():
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
    wait_for(lambda: left() == 0, timeout=10)


# ==== Durability ====

def test_checkpoint_survives_a_restart(g, lam, role, sqs, ddb):
    out = recorder(lam, role, sqs, "ddb-restart")
    arn = stream_table(ddb, "ledger")
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="ddb-restart",
                                           StartingPosition="TRIM_HORIZON")["UUID"]
    ddb.put_item(TableName="ledger", Item={"id": {"S": "first"}})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records(sqs, out, 1)] == ["first"]
    # the checkpoint is written as the batch ends, just before its result is
    # reported: the function's output can come first on a loaded machine
    wait_for(lambda: lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK")
    g.restart()
    # the mapping polls again after the restart, from its stored checkpoint
    ddb.put_item(TableName="ledger", Item={"id": {"S": "second"}})
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records(sqs, out, 1)] == ["second"]
    assert drain(sqs, out, 1, timeout=1.5) == []
