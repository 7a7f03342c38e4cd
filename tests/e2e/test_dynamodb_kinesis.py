"""test_dynamodb_kinesis.py — DynamoDB's Kinesis streaming destinations end to
end: Enable/Describe/Update/Disable with AWS's answers and error texts (as
LocalStack's AWS-recorded test_kinesis_streaming_destination_crud shows
them), and every item change (PutItem, UpdateItem, DeleteItem, batches,
transactions, PartiQL) arriving in the stream in AWS's record format.
"""
import json

import botocore.exceptions
import pytest
from conftest import code_status_message as err

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def ddb(gureum):
    return gureum.client("dynamodb")


@pytest.fixture(scope="module")
def kin(gureum):
    return gureum.client("kinesis")


def make(ddb, kin, name):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    kin.create_stream(StreamName=name + "-s", ShardCount=1)
    return kin.describe_stream(StreamName=name + "-s")["StreamDescription"]["StreamARN"]


def records(kin, stream):
    it = kin.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [json.loads(r["Data"]) for r in kin.get_records(ShardIterator=it)["Records"]]


def test_destination_crud(ddb, kin):
    arn = make(ddb, kin, "crud")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.enable_kinesis_streaming_destination(TableName="bad-table", StreamArn=arn)
    assert err(e) == ("ResourceNotFoundException", 400, "Requested resource not found: Table: bad-table not found")
    r = ddb.enable_kinesis_streaming_destination(TableName="crud", StreamArn=arn)
    assert (r["TableName"], r["StreamArn"], r["DestinationStatus"]) == ("crud", arn, "ENABLING")
    d = ddb.describe_kinesis_streaming_destination(TableName="crud")
    assert d["TableName"] == "crud"
    assert d["KinesisDataStreamDestinations"] == [{"StreamArn": arn, "DestinationStatus": "ACTIVE"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.enable_kinesis_streaming_destination(TableName="crud", StreamArn=arn)
    assert err(e)[:2] == ("ValidationException", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.enable_kinesis_streaming_destination(TableName="crud",
                                                 StreamArn=arn.replace("crud-s", "no-such-stream"))
    assert err(e) == ("ValidationException", 400, "User does not have a permission to use kinesis stream")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.disable_kinesis_streaming_destination(TableName="bad-table", StreamArn=arn)
    assert err(e) == ("ResourceNotFoundException", 400, "Requested resource not found: Table: bad-table not found")
    r = ddb.disable_kinesis_streaming_destination(TableName="crud", StreamArn=arn)
    assert (r["TableName"], r["StreamArn"], r["DestinationStatus"]) == ("crud", arn, "DISABLING")
    d = ddb.describe_kinesis_streaming_destination(TableName="crud")
    assert d["KinesisDataStreamDestinations"] == [{"StreamArn": arn, "DestinationStatus": "DISABLED"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.disable_kinesis_streaming_destination(TableName="crud", StreamArn=arn)
    # AWS's words (probed 2026-10, DDB-TABLE-442), "enable" and all
    assert err(e) == ("ValidationException", 400,
                      "Table is not in a valid state to enable Kinesis Streaming Destination: "
                      "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
    # DescribeTable is as it was
    assert "KinesisDataStreamDestinations" not in ddb.describe_table(TableName="crud")["Table"]


def test_update_destination(ddb, kin):
    if "update_kinesis_streaming_destination" not in dir(ddb):
        pytest.skip("this botocore has no UpdateKinesisStreamingDestination")
    arn = make(ddb, kin, "upd")
    ddb.enable_kinesis_streaming_destination(TableName="upd", StreamArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_kinesis_streaming_destination(TableName="upd", StreamArn=arn,
                                                 UpdateKinesisStreamingConfiguration={})
    assert err(e) == ("ValidationException", 400,
                      "Streaming destination cannot be updated with given parameters: "
                      "UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
    bad = arn.replace("upd-s", "bad-stream")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_kinesis_streaming_destination(
            TableName="upd", StreamArn=bad,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert err(e) == ("ValidationException", 400,
                      "Table is not in a valid state to enable Kinesis Streaming Destination: No streaming "
                      "destination with streamArn: %s found for table with tableName: upd" % bad)
    r = ddb.update_kinesis_streaming_destination(
        TableName="upd", StreamArn=arn,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert r["DestinationStatus"] == "UPDATING"
    assert r["UpdateKinesisStreamingConfiguration"] == {"ApproximateCreationDateTimePrecision": "MICROSECOND"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_kinesis_streaming_destination(
            TableName="upd", StreamArn=arn,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    code, status, msg = err(e)
    assert (code, status) == ("ValidationException", 400)
    assert msg.startswith("Invalid Request: Precision is already set to the desired value of MICROSECOND for "
                          "tableId: ") and msg.endswith(", kdsArn: " + arn)
    d = ddb.describe_kinesis_streaming_destination(TableName="upd")["KinesisDataStreamDestinations"][0]
    assert d["ApproximateCreationDateTimePrecision"] == "MICROSECOND"
    ddb.put_item(TableName="upd", Item={"pk": {"S": "a"}})
    t = records(kin, "upd-s")[0]["dynamodb"]["ApproximateCreationDateTime"]
    assert t > 10**15  # microseconds


def test_changes_arrive_in_aws_format(ddb, kin):
    arn = make(ddb, kin, "deliv")
    ddb.put_item(TableName="deliv", Item={"pk": {"S": "before"}})  # before enabling: not delivered
    ddb.enable_kinesis_streaming_destination(TableName="deliv", StreamArn=arn)
    ddb.put_item(TableName="deliv", Item={"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\x01"}})
    ddb.update_item(TableName="deliv", Key={"pk": {"S": "a"}}, UpdateExpression="SET n = n + :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.put_item(TableName="deliv", Item={"pk": {"S": "a"}, "n": {"N": "2"}, "b": {"B": b"\x00\x01"}})  # no change
    ddb.delete_item(TableName="deliv", Key={"pk": {"S": "a"}})
    recs = records(kin, "deliv-s")
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    ins, mod, rem = recs
    for r in recs:
        assert r["awsRegion"] == "us-east-1" and r["eventSource"] == "aws:dynamodb"
        assert r["recordFormat"] == "application/json" and r["tableName"] == "deliv"
        assert r["userIdentity"] is None and len(r["eventID"]) == 36
        assert r["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
        assert r["dynamodb"]["SizeBytes"] > 0
        assert 10**12 < r["dynamodb"]["ApproximateCreationDateTime"] < 10**14  # milliseconds
    assert ins["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": "AAE="}}
    assert "OldImage" not in ins["dynamodb"]
    assert mod["dynamodb"]["OldImage"]["n"] == {"N": "1"} and mod["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert rem["dynamodb"]["OldImage"]["n"] == {"N": "2"} and "NewImage" not in rem["dynamodb"]
    # one item's records share a partition key
    it = kin.get_shard_iterator(StreamName="deliv-s", ShardId="shardId-000000000000",
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert len({r["PartitionKey"] for r in kin.get_records(ShardIterator=it)["Records"]}) == 1


def test_batches_transactions_partiql_deliver(ddb, kin):
    arn = make(ddb, kin, "bulk")
    ddb.enable_kinesis_streaming_destination(TableName="bulk", StreamArn=arn)
    ddb.batch_write_item(RequestItems={"bulk": [{"PutRequest": {"Item": {"pk": {"S": "b%d" % i}}}}
                                                for i in range(3)]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "bulk", "Item": {"pk": {"S": "t1"}}}},
        {"Delete": {"TableName": "bulk", "Key": {"pk": {"S": "b0"}}}}])
    # a transaction that fails delivers nothing
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "bulk", "Item": {"pk": {"S": "t2"}}}},
            {"ConditionCheck": {"TableName": "bulk", "Key": {"pk": {"S": "nope"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    ddb.execute_statement(Statement="INSERT INTO \"bulk\" VALUE {'pk': 'q1'}")
    got = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records(kin, "bulk-s")]
    assert got == [("INSERT", "b0"), ("INSERT", "b1"), ("INSERT", "b2"), ("INSERT", "t1"), ("REMOVE", "b0"),
                   ("INSERT", "q1")]
    # disabled: no more records
    ddb.disable_kinesis_streaming_destination(TableName="bulk", StreamArn=arn)
    ddb.put_item(TableName="bulk", Item={"pk": {"S": "after"}})
    assert len(records(kin, "bulk-s")) == 6


def test_ttl_deletion_delivered_as_service(ddb, kin):
    import time
    arn = make(ddb, kin, "ttl")
    ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.enable_kinesis_streaming_destination(TableName="ttl", StreamArn=arn)
    ddb.put_item(TableName="ttl", Item={"pk": {"S": "old"}, "exp": {"N": str(int(time.time()) - 60)}})
    deadline = time.time() + 20
    while time.time() < deadline:
        recs = records(kin, "ttl-s")
        if len(recs) == 2:
            break
        time.sleep(0.3)
    assert [r["eventName"] for r in recs] == ["INSERT", "REMOVE"]
    assert recs[1]["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert recs[1]["dynamodb"]["OldImage"]["pk"] == {"S": "old"}
