"""test_cloudwatch_service_metrics.py — the AWS/<Service> metrics gureum's services publish to
CloudWatch by themselves, read back with GetMetricStatistics as users and alarms read them: after
real traffic (a Lambda function invoked twice, once failing; SQS messages sent, received and
deleted; SNS publishes delivered to a queue; DynamoDB writes, reads, a failed condition and a user
error; S3 objects), AWS/Lambda, AWS/SQS, AWS/SNS, AWS/DynamoDB and AWS/S3 answer AWS's numbers
under AWS's names, dimensions and units (and a Kinesis mapping its IteratorAge). The server flushes its in-memory aggregates every 300 ms
(GUREUM_METRICS_FLUSH_MS; AWS: once a minute), and an S3 "day" lasts 2 s
(GUREUM_S3_LIFECYCLE_DAY_SECONDS), so a daily storage metric appears in seconds. Debian's CLI
reads one metric, boto3 (either generation) the rest.
"""
import datetime
import json
import time

import pytest

from conftest import lambda_role, lambda_zip, serve

UTC = datetime.timezone.utc
REGION = "us-east-1"

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_METRICS_FLUSH_MS": "300", "GUREUM_S3_LIFECYCLE_DAY_SECONDS": "2"})


@pytest.fixture(scope="module")
def cw(g):
    return g.client("cloudwatch", region_name=REGION)


def stats(cw, ns, name, dims, stat_list=("Sum", "SampleCount", "Maximum", "Minimum")):
    """GetMetricStatistics over the last 30 minutes by minute, the data points merged: the sum of
    Sum and SampleCount, the extremes of Maximum and Minimum, and the units seen."""
    now = datetime.datetime.now(UTC)
    r = cw.get_metric_statistics(Namespace=ns, MetricName=name,
                                 Dimensions=[{"Name": k, "Value": v} for k, v in dims],
                                 StartTime=now - datetime.timedelta(minutes=30),
                                 EndTime=now + datetime.timedelta(minutes=2), Period=60,
                                 Statistics=list(stat_list))
    pts = r["Datapoints"]
    out = {"units": {p["Unit"] for p in pts}, "n": len(pts)}
    if pts:
        if "Sum" in stat_list:
            out["Sum"] = sum(p["Sum"] for p in pts)
        if "SampleCount" in stat_list:
            out["SampleCount"] = sum(p["SampleCount"] for p in pts)
        if "Maximum" in stat_list:
            out["Maximum"] = max(p["Maximum"] for p in pts)
        if "Minimum" in stat_list:
            out["Minimum"] = min(p["Minimum"] for p in pts)
    return out


def wait_for(cw, ns, name, dims, key, want, timeout=20.0):
    """Polls until the metric's merged statistic `key` equals want (the flush runs every 300 ms)
    and returns the merged statistics; fails with the last ones seen."""
    deadline = time.time() + timeout
    while True:
        s = stats(cw, ns, name, dims)
        if s.get(key) == want or time.time() > deadline:
            assert s.get(key) == want, (ns, name, dims, s)
            return s
        time.sleep(0.3)


# ==== AWS/Lambda ====

def test_lambda_invocations_errors_duration(g, cw):
    iam = g.client("iam", region_name=REGION)
    lam = g.client("lambda", region_name=REGION)
    role = lambda_role(iam, "metrics-role")
    lam.create_function(FunctionName="mfn", Runtime="python3.11", Handler="handler.handler", Role=role,
                        Code={"ZipFile": lambda_zip(HANDLER)})
    ok = lam.invoke(FunctionName="mfn", Payload=b"{}")
    assert "FunctionError" not in ok
    bad = lam.invoke(FunctionName="mfn", Payload=json.dumps({"fail": True}).encode())
    assert bad["FunctionError"] == "Unhandled"

    fn = [("FunctionName", "mfn")]
    inv = wait_for(cw, "AWS/Lambda", "Invocations", fn, "Sum", 2.0)
    assert inv["units"] == {"Count"}
    # AWS: Errors is a binary indicator per invocation: Sum 1 of 2 samples, Average the error rate
    err = wait_for(cw, "AWS/Lambda", "Errors", fn, "Sum", 1.0)
    assert err["SampleCount"] == 2.0 and err["Minimum"] == 0.0 and err["Maximum"] == 1.0
    dur = wait_for(cw, "AWS/Lambda", "Duration", fn, "SampleCount", 2.0)
    assert dur["units"] == {"Milliseconds"}
    assert 0 < dur["Minimum"] <= dur["Maximum"] < 3000  # the function's 3 s timeout bounds it
    # the account's totals have no dimensions; a concurrency was seen
    assert wait_for(cw, "AWS/Lambda", "Invocations", [], "Sum", 2.0)["units"] == {"Count"}
    assert stats(cw, "AWS/Lambda", "ConcurrentExecutions", [])["Maximum"] >= 1


def test_lambda_version_resource_dimension(g, cw):
    lam = g.client("lambda", region_name=REGION)
    v = lam.publish_version(FunctionName="mfn")["Version"]
    lam.create_alias(FunctionName="mfn", Name="live", FunctionVersion=v)
    lam.invoke(FunctionName="mfn", Qualifier="live", Payload=b"{}")
    # AWS: FunctionName + Resource "NAME:ALIAS", and + ExecutedVersion for the version the alias ran
    wait_for(cw, "AWS/Lambda", "Invocations", [("FunctionName", "mfn"), ("Resource", "mfn:live")], "Sum", 1.0)
    wait_for(cw, "AWS/Lambda", "Invocations",
             [("FunctionName", "mfn"), ("Resource", "mfn:live"), ("ExecutedVersion", v)], "Sum", 1.0)
    # and the function's own count includes it
    wait_for(cw, "AWS/Lambda", "Invocations", [("FunctionName", "mfn")], "Sum", 3.0)


def test_lambda_throttles(g, cw):
    lam = g.client("lambda", region_name=REGION)
    lam.put_function_concurrency(FunctionName="mfn", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName="mfn", Payload=b"{}")
    lam.delete_function_concurrency(FunctionName="mfn")
    wait_for(cw, "AWS/Lambda", "Throttles", [("FunctionName", "mfn")], "Sum", 1.0)
    # a throttled request is no invocation (AWS)
    assert stats(cw, "AWS/Lambda", "Invocations", [("FunctionName", "mfn")])["Sum"] == 3.0


def test_lambda_iterator_age_of_a_stream_mapping(g, cw):
    iam = g.client("iam", region_name=REGION)
    lam = g.client("lambda", region_name=REGION)
    kin = g.client("kinesis", region_name=REGION)
    role = lambda_role(iam, "metrics-esm-role")
    iam.put_role_policy(RoleName="metrics-esm-role", PolicyName="kinesis", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kinesis:*", "logs:*"],
                                                "Resource": "*"}]}))
    lam.create_function(FunctionName="mfn-stream", Runtime="python3.11", Handler="handler.handler", Role=role,
                        Code={"ZipFile": lambda_zip(HANDLER)})
    kin.create_stream(StreamName="metrics-stream", ShardCount=1)
    arn = kin.describe_stream(StreamName="metrics-stream")["StreamDescription"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="mfn-stream", StartingPosition="TRIM_HORIZON")
    kin.put_record(StreamName="metrics-stream", Data=b"{}", PartitionKey="p")
    # AWS: the age of the batch's last record when the mapping sent it, in milliseconds
    age = wait_for(cw, "AWS/Lambda", "IteratorAge", [("FunctionName", "mfn-stream")], "SampleCount", 1.0)
    assert age["units"] == {"Milliseconds"} and 0 <= age["Minimum"] < 60000
    wait_for(cw, "AWS/Lambda", "Invocations", [("FunctionName", "mfn-stream")], "Sum", 1.0)


# ==== AWS/SQS ====

def test_sqs_counts_and_gauges(g, cw):
    sqs = g.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="mq")["QueueUrl"]
    bodies = ["a" * 10, "b" * 20, "c" * 30]
    for b in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=b)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
    while len(got) < 3:  # a receive may return fewer than asked (AWS too); count them all
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
    for m in got[:2]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)  # one in flight

    q = [("QueueName", "mq")]
    wait_for(cw, "AWS/SQS", "NumberOfMessagesSent", q, "Sum", 3.0)
    wait_for(cw, "AWS/SQS", "NumberOfMessagesReceived", q, "Sum", 3.0)
    wait_for(cw, "AWS/SQS", "NumberOfMessagesDeleted", q, "Sum", 2.0)
    wait_for(cw, "AWS/SQS", "NumberOfEmptyReceives", q, "Sum", 1.0)
    size = wait_for(cw, "AWS/SQS", "SentMessageSize", q, "Sum", 60.0)
    assert size["units"] == {"Bytes"} and size["Minimum"] == 10.0 and size["Maximum"] == 30.0
    # the sampled gauges: the samples taken from now on see one message in flight. A minute's data
    # point also holds the samples taken before the receive (0 in flight), so the test reads the
    # latest point twice a second apart: the samples added in between must each be 1.
    def latest():
        pts = cw.get_metric_statistics(
            Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesNotVisible", Dimensions=[
                {"Name": "QueueName", "Value": "mq"}],
            StartTime=datetime.datetime.now(UTC) - datetime.timedelta(minutes=5),
            EndTime=datetime.datetime.now(UTC) + datetime.timedelta(minutes=1), Period=60,
            Statistics=["Minimum", "Maximum", "Sum", "SampleCount"])["Datapoints"]
        return max(pts, key=lambda p: p["Timestamp"]) if pts else None

    deadline = time.time() + 20
    while True:
        before = latest()
        time.sleep(1.0)
        after = latest()
        if before and after and after["Timestamp"] == before["Timestamp"]:
            added = after["SampleCount"] - before["SampleCount"]
            if added > 0:
                assert after["Sum"] - before["Sum"] == added, (before, after)
                break
        elif after and after["Minimum"] == 1.0:  # a new minute: all its samples came after the receive
            break
        assert time.time() < deadline, (before, after)
    assert after["Maximum"] >= 1.0 and after["Unit"] == "Count", after
    assert stats(cw, "AWS/SQS", "ApproximateNumberOfMessagesDelayed", q)["Maximum"] == 0.0
    age = wait_for(cw, "AWS/SQS", "ApproximateAgeOfOldestMessage", q, "units", {"Seconds"})
    assert age["Minimum"] >= 0


def test_sqs_metric_with_debian_cli(g, cw):
    """Debian's CLI v2 (query protocol) reads what the queue published, as a user types it."""
    r = g.aws("cloudwatch", "get-metric-statistics", "--namespace", "AWS/SQS",
              "--metric-name", "NumberOfMessagesSent", "--dimensions", "Name=QueueName,Value=mq",
              "--start-time", (datetime.datetime.now(UTC) - datetime.timedelta(minutes=30)).isoformat(),
              "--end-time", (datetime.datetime.now(UTC) + datetime.timedelta(minutes=2)).isoformat(),
              "--period", "3600", "--statistics", "Sum", "--region", REGION, "--output", "json",
              cli="/usr/bin/aws")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["Label"] == "NumberOfMessagesSent"
    assert sum(p["Sum"] for p in out["Datapoints"]) == 3.0
    assert {p["Unit"] for p in out["Datapoints"]} == {"Count"}


def test_metrics_listed(cw):
    r = cw.list_metrics(Namespace="AWS/SQS", Dimensions=[{"Name": "QueueName", "Value": "mq"}])
    names = {m["MetricName"] for m in r["Metrics"]}
    assert {"NumberOfMessagesSent", "NumberOfMessagesReceived", "NumberOfMessagesDeleted", "NumberOfEmptyReceives",
            "SentMessageSize", "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "ApproximateAgeOfOldestMessage"} <= names


# ==== AWS/SNS ====

def test_sns_published_and_delivered(g, cw):
    sns = g.client("sns", region_name=REGION)
    sqs = g.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="mt")["TopicArn"]
    url = sqs.create_queue(QueueName="mt-sub")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": qarn}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="hello")
    sns.publish(TopicArn=topic, Message="hello, world")

    t = [("TopicName", "mt")]
    wait_for(cw, "AWS/SNS", "NumberOfMessagesPublished", t, "Sum", 2.0)
    size = wait_for(cw, "AWS/SNS", "PublishSize", t, "Sum", 17.0)
    assert size["units"] == {"Bytes"} and size["Maximum"] == 12.0
    wait_for(cw, "AWS/SNS", "NumberOfNotificationsDelivered", t, "Sum", 2.0)
    assert stats(cw, "AWS/SNS", "NumberOfNotificationsFailed", t)["n"] == 0
    # the queue counts what SNS sent it (AWS: a subscription's delivery is a send)
    wait_for(cw, "AWS/SQS", "NumberOfMessagesSent", [("QueueName", "mt-sub")], "Sum", 2.0)


def test_sns_failed_delivery(g, cw):
    sns = g.client("sns", region_name=REGION)
    sqs = g.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="mt-fail")["TopicArn"]
    url = sqs.create_queue(QueueName="mt-closed")["QueueUrl"]  # no policy: SNS may not send to it
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.publish(TopicArn=topic, Message="x")
    wait_for(cw, "AWS/SNS", "NumberOfNotificationsFailed", [("TopicName", "mt-fail")], "Sum", 1.0)


# ==== AWS/DynamoDB ====

def test_dynamodb_capacity_latency_and_errors(g, cw):
    ddb = g.client("dynamodb", region_name=REGION)
    ddb.create_table(TableName="mtab", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ddb.put_item(TableName="mtab", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="mtab", Item={"pk": {"S": "b"}, "v": {"N": "2"}})
    ddb.get_item(TableName="mtab", Key={"pk": {"S": "a"}}, ConsistentRead=True)  # 1 RCU
    ddb.get_item(TableName="mtab", Key={"pk": {"S": "b"}})  # 0.5 RCU
    assert ddb.query(TableName="mtab", KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "a"}})["Count"] == 1  # 0.5 RCU
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})

    tab = [("TableName", "mtab")]
    w = wait_for(cw, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", tab, "Sum", 2.0)
    assert w["units"] == {"Count"}
    wait_for(cw, "AWS/DynamoDB", "ConsumedReadCapacityUnits", tab, "Sum", 2.0)
    lat = wait_for(cw, "AWS/DynamoDB", "SuccessfulRequestLatency", tab + [("Operation", "PutItem")],
                   "SampleCount", 2.0)
    assert lat["units"] == {"Milliseconds"} and lat["Minimum"] > 0
    wait_for(cw, "AWS/DynamoDB", "SuccessfulRequestLatency", tab + [("Operation", "GetItem")], "SampleCount", 2.0)
    rc = wait_for(cw, "AWS/DynamoDB", "ReturnedItemCount", tab + [("Operation", "Query")], "Sum", 1.0)
    assert rc["SampleCount"] == 1.0
    # AWS: UserErrors is the account's 400s, without dimensions
    wait_for(cw, "AWS/DynamoDB", "UserErrors", [], "Sum", 1.0)


def test_dynamodb_conditional_check_failed(g, cw):
    ddb = g.client("dynamodb", region_name=REGION)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="mtab", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    wait_for(cw, "AWS/DynamoDB", "ConditionalCheckFailedRequests", [("TableName", "mtab")], "Sum", 1.0)
    # AWS: a failed condition is not a user error
    time.sleep(1)
    assert stats(cw, "AWS/DynamoDB", "UserErrors", [])["Sum"] == 1.0


# ==== AWS/S3 ====

def test_s3_daily_storage_metrics(g, cw):
    s3 = g.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="metrics-bucket")
    s3.put_object(Bucket="metrics-bucket", Key="a", Body=b"x" * 10)
    s3.put_object(Bucket="metrics-bucket", Key="b", Body=b"y" * 20)
    b = [("BucketName", "metrics-bucket")]
    # a scaled day passes every 2 s: the next day's measurement sees both objects
    size = wait_for(cw, "AWS/S3", "BucketSizeBytes", b + [("StorageType", "StandardStorage")], "Maximum", 30.0)
    assert size["units"] == {"Bytes"}
    objs = wait_for(cw, "AWS/S3", "NumberOfObjects", b + [("StorageType", "AllStorageTypes")], "Maximum", 2.0)
    assert objs["units"] == {"Count"}


def test_s3_request_metrics_with_a_metrics_configuration(g, cw):
    s3 = g.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="reqmetrics-bucket")
    s3.put_object(Bucket="reqmetrics-bucket", Key="before", Body=b"z")  # no configuration yet: not counted
    s3.put_bucket_metrics_configuration(Bucket="reqmetrics-bucket", Id="EntireBucket",
                                        MetricsConfiguration={"Id": "EntireBucket"})
    s3.put_bucket_metrics_configuration(Bucket="reqmetrics-bucket", Id="logs",
                                        MetricsConfiguration={"Id": "logs", "Filter": {"Prefix": "logs/"}})
    s3.put_object(Bucket="reqmetrics-bucket", Key="logs/a", Body=b"x" * 100)
    s3.put_object(Bucket="reqmetrics-bucket", Key="data/b", Body=b"y" * 50)
    assert s3.get_object(Bucket="reqmetrics-bucket", Key="logs/a")["Body"].read() == b"x" * 100
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="reqmetrics-bucket", Key="logs/missing")
    s3.list_objects_v2(Bucket="reqmetrics-bucket")

    whole = [("BucketName", "reqmetrics-bucket"), ("FilterId", "EntireBucket")]
    logs = [("BucketName", "reqmetrics-bucket"), ("FilterId", "logs")]
    # the configurations' own Puts (answered once stored), then 2 puts, 2 gets and a list (AWS: every
    # request to the bucket; AWS itself starts counting some minutes after the configuration)
    wait_for(cw, "AWS/S3", "AllRequests", whole, "Sum", 7.0)
    wait_for(cw, "AWS/S3", "PutRequests", whole, "Sum", 2.0)
    wait_for(cw, "AWS/S3", "GetRequests", whole, "Sum", 2.0)
    wait_for(cw, "AWS/S3", "ListRequests", whole, "Sum", 1.0)
    e4 = wait_for(cw, "AWS/S3", "4xxErrors", whole, "Sum", 1.0)
    assert e4["SampleCount"] == 7.0  # 0 or 1 per request
    wait_for(cw, "AWS/S3", "BytesUploaded", whole, "Sum", 150.0)
    wait_for(cw, "AWS/S3", "BytesDownloaded", whole, "Sum", 100.0)
    lat = wait_for(cw, "AWS/S3", "FirstByteLatency", whole, "SampleCount", 7.0)
    assert lat["units"] == {"Milliseconds"}
    # the prefix filter sees only logs/: a put and two gets
    wait_for(cw, "AWS/S3", "AllRequests", logs, "Sum", 3.0)
    wait_for(cw, "AWS/S3", "BytesUploaded", logs, "Sum", 100.0)
