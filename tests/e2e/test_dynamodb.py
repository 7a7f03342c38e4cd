"""test_dynamodb.py — DynamoDB end to end with boto3 and the aws CLIs: tables (create/describe/
update/delete, indexes, billing, tags, TTL settings, limits), items (put/get/update/delete with
conditions, expressions, ReturnValues, capacity), Query and Scan, batches, transactions, streams,
scenario D, and durability across kill -9. Error messages are AWS's (checked against DynamoDB's
documentation and dynalite's assertions).
"""
import json
import threading

import botocore.exceptions
import pytest


@pytest.fixture(scope="module")
def ddb(gureum):
    return gureum.client("dynamodb")


def err(exc):
    e = exc.value.response["Error"]
    return e["Code"], e["Message"]


def make_table(ddb, name, sk=True, **kw):
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sk:
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    attrs += kw.pop("extra_attrs", [])
    kw.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=keys, **kw)["TableDescription"]


# ==== Tables ====

def test_create_describe_list_delete(ddb):
    d = make_table(ddb, "t-basic", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
                   BillingMode="PROVISIONED", Tags=[{"Key": "env", "Value": "test"}])
    assert d["TableStatus"] == "CREATING"
    assert d["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/t-basic"
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert d["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    ddb.get_waiter("table_exists").wait(TableName="t-basic", WaiterConfig={"Delay": 0.1})
    t = ddb.describe_table(TableName="t-basic")["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["ItemCount"] == 0 and t["TableSizeBytes"] == 0
    assert len(t["TableId"]) == 36
    assert t["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert "t-basic" in ddb.list_tables()["TableNames"]
    tags = ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"]
    assert tags == [{"Key": "env", "Value": "test"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        make_table(ddb, "t-basic")
    assert err(e) == ("ResourceInUseException", "Table already exists: t-basic")
    assert ddb.delete_table(TableName="t-basic")["TableDescription"]["TableStatus"] == "DELETING"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.describe_table(TableName="t-basic")
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found: Table: t-basic not found")


@pytest.mark.parametrize("kw,msg", [
    # an empty AttributeDefinitions list (the message once read past a buffer); more keys
    # than definitions is the terse message (dynalite's suite, recorded against DynamoDB)
    (dict(AttributeDefinitions=[], KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}]),
     "Invalid KeySchema: Some index key attribute have no definition"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "b", "KeyType": "HASH"}]),
     "One or more parameter values were invalid: Some index key attributes are not defined in "
     "AttributeDefinitions. Keys: [b], AttributeDefinitions: [a]"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}]),
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number "
     "of attributes defined in AttributeDefinitions"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "HASH"}]),
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]),
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}]),
     "Invalid KeySchema: Some index key attribute have no definition"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}], BillingMode="PROVISIONED"),
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified "
     "when BillingMode is PROVISIONED"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
     "when BillingMode is PAY_PER_REQUEST"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
          LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                                                                    {"AttributeName": "b", "KeyType": "RANGE"}],
                                  "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when "
     "specifying a LocalSecondaryIndex"),
    (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}],
          KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
          GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}],
                                   "Projection": {"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["x"]}}]),
     "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
])
def test_create_table_validation(ddb, kw, msg):
    kw.setdefault("BillingMode", "PAY_PER_REQUEST")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.create_table(TableName="t-invalid", **kw)
    assert err(e) == ("ValidationException", msg)


def test_index_added_to_hash_only_table_is_backfilled(ddb):
    """A GSI added to a table without a sort key indexes the items already
    there (their stored sort key is the empty blob, which once reached the
    index row as NULL and failed the UpdateTable)."""
    ddb.create_table(TableName="t-hash-gsi", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    for i in range(3):
        ddb.put_item(TableName="t-hash-gsi", Item={"k": {"S": "k%d" % i}, "c": {"S": "red" if i else "blue"}})
    ddb.update_table(TableName="t-hash-gsi", AttributeDefinitions=[{"AttributeName": "c", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "by-c", "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "ALL"}}}])
    got = ddb.query(TableName="t-hash-gsi", IndexName="by-c", KeyConditionExpression="c = :c",
                    ExpressionAttributeValues={":c": {"S": "red"}})["Items"]
    assert sorted(i["k"]["S"] for i in got) == ["k1", "k2"]
    ddb.delete_table(TableName="t-hash-gsi")


def test_indexes_update_table_tags_ttl(ddb):
    make_table(ddb, "t-idx", extra_attrs=[{"AttributeName": "g", "AttributeType": "S"},
                                          {"AttributeName": "l", "AttributeType": "N"}],
               LocalSecondaryIndexes=[{"IndexName": "by-l", "KeySchema": [
                   {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                   "Projection": {"ProjectionType": "KEYS_ONLY"}}],
               GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
               StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    t = ddb.describe_table(TableName="t-idx")["Table"]
    assert t["LocalSecondaryIndexes"][0]["IndexName"] == "by-l"
    assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert t["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert t["LatestStreamArn"].startswith(t["TableArn"] + "/stream/")
    for i in range(3):
        ddb.put_item(TableName="t-idx", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "h": {"S": "x%d" % (i % 2)}})
    # a GSI added later is backfilled from the existing items
    d = ddb.update_table(TableName="t-idx", AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "by-h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}}])["TableDescription"]
    assert {g["IndexName"]: g["IndexStatus"] for g in d["GlobalSecondaryIndexes"]} == {
        "by-g": "ACTIVE", "by-h": "CREATING"}
    t = ddb.describe_table(TableName="t-idx")["Table"]
    assert t["ItemCount"] == 3
    assert [g["ItemCount"] for g in t["GlobalSecondaryIndexes"] if g["IndexName"] == "by-h"] == [3]
    ddb.update_table(TableName="t-idx", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    t = ddb.describe_table(TableName="t-idx")["Table"]
    assert [g["IndexName"] for g in t["GlobalSecondaryIndexes"]] == ["by-h"]
    # billing mode and throughput
    ddb.update_table(TableName="t-idx", BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
                     GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "by-h", "ProvisionedThroughput": {
                         "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}])
    t = ddb.describe_table(TableName="t-idx")["Table"]
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName="t-idx", ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    assert err(e) == ("ValidationException", "The provisioned throughput for the table will not change. The requested "
                      "value equals the current value. Current ReadCapacityUnits provisioned for the table: 3. Requested "
                      "ReadCapacityUnits: 3. Current WriteCapacityUnits provisioned for the table: 4. Requested "
                      "WriteCapacityUnits: 4. Refer to the Amazon DynamoDB Developer Guide for current limits and how "
                      "to request higher limits.")
    assert t["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    # tags
    arn = t["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    # TTL settings
    assert ddb.describe_time_to_live(TableName="t-idx")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    ddb.update_time_to_live(TableName="t-idx", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName="t-idx")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_time_to_live(TableName="t-idx", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert err(e) == ("ValidationException", "TimeToLive is already enabled")


def test_limits_endpoints(ddb):
    l = ddb.describe_limits()
    assert l["AccountMaxReadCapacityUnits"] == 80000 and l["TableMaxWriteCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


def test_cli_items(gureum, ddb, cli):
    name = "t-cli-%d" % abs(hash(cli))
    ddb.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=name, Item={"id": {"S": "1"}, "n": {"N": "1.50"}})
    out = gureum.aws("dynamodb", "get-item", "--table-name", name, "--key", '{"id": {"S": "1"}}', cli=cli)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Item"] == {"id": {"S": "1"}, "n": {"N": "1.5"}}


# ==== Items ====

def test_put_get_delete(ddb):
    make_table(ddb, "t-items")
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "s": {"S": ""}, "b": {"B": b"\x00\xff"}, "ss": {"SS": ["x", "y"]},
            "m": {"M": {"l": {"L": [{"N": "1.0"}, {"NULL": True}, {"BOOL": False}]}}}}
    r = ddb.put_item(TableName="t-items", Item=item, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": "t-items", "CapacityUnits": 1.0}
    got = ddb.get_item(TableName="t-items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ConsistentRead=True,
                       ReturnConsumedCapacity="TOTAL")
    item["m"]["M"]["l"]["L"][0] = {"N": "1"}
    assert got["Item"] == item
    assert got["ConsumedCapacity"]["CapacityUnits"] == 1.0
    ev = ddb.get_item(TableName="t-items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
    assert ev["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert "Item" not in ddb.get_item(TableName="t-items", Key={"pk": {"S": "a"}, "sk": {"N": "2"}})
    old = ddb.put_item(TableName="t-items", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "2"}},
                       ReturnValues="ALL_OLD")["Attributes"]
    assert old == item
    d = ddb.delete_item(TableName="t-items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert d["Attributes"] == {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "2"}}
    assert "Item" not in ddb.get_item(TableName="t-items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    # a large item: 5 KB costs 5 write units, 2 read units
    big = {"pk": {"S": "big"}, "sk": {"N": "1"}, "d": {"S": "x" * 5000}}
    assert ddb.put_item(TableName="t-items", Item=big, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"][
        "CapacityUnits"] == 5.0
    assert ddb.get_item(TableName="t-items", Key={"pk": {"S": "big"}, "sk": {"N": "1"}}, ConsistentRead=True,
                        ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"] == 2.0


@pytest.mark.parametrize("call,kw,msg", [
    ("put_item", dict(Item={"pk": {"S": "a"}}), "One or more parameter values were invalid: Missing the key sk in the item"),
    ("put_item", dict(Item={"pk": {"S": "a"}, "sk": {"S": "1"}}),
     "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"),
    ("put_item", dict(Item={"pk": {"S": ""}, "sk": {"N": "1"}}),
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
     "string value. Key: pk"),
    ("put_item", dict(Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "y" * 410000}}),
     "Item size has exceeded the maximum allowed size"),
    ("put_item", dict(Item={"pk": {"S": "a" * 2049}, "sk": {"N": "1"}}),
     "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"),
    ("put_item", dict(Item={"pk": {"S": "a"}, "sk": {"N": "1"}}, ReturnValues="ALL_NEW"),
     "ReturnValues can only be ALL_OLD or NONE"),
    ("get_item", dict(Key={"pk": {"S": "a"}}), "The provided key element does not match the schema"),
    ("get_item", dict(Key={"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "1"}}),
     "The provided key element does not match the schema"),
    ("delete_item", dict(Key={"pk": {"N": "1"}, "sk": {"N": "1"}}), "The provided key element does not match the schema"),
    ("put_item", dict(Item={"pk": {"S": "a"}, "sk": {"N": "1"}}, ExpressionAttributeValues={":v": {"S": "x"}}),
     "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
])
def test_item_validation(ddb, call, kw, msg):
    try:
        make_table(ddb, "t-val")
    except botocore.exceptions.ClientError:
        pass
    with pytest.raises(botocore.exceptions.ClientError) as e:
        getattr(ddb, call)(TableName="t-val", **kw)
    assert err(e) == ("ValidationException", msg)


def test_missing_table(ddb):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.get_item(TableName="t-nope", Key={"pk": {"S": "a"}})
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_put_survives_kill9(gureum_factory):
    g = gureum_factory()
    c = g.client("dynamodb")
    make_table(c, "t-durable", sk=False)
    c.put_item(TableName="t-durable", Item={"pk": {"S": "k"}, "v": {"N": "42"}})
    g.restart(kill9=True)
    c = g.client("dynamodb")
    assert c.get_item(TableName="t-durable", Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}, "v": {"N": "42"}}


# ==== Scan, batches, transactions ====

def test_scan_pagination_segments(ddb):
    make_table(ddb, "t-scan")
    with ddb_batch(ddb, "t-scan") as put:
        for p in range(10):
            for s in range(5):
                put({"pk": {"S": "p%d" % p}, "sk": {"N": str(s)}, "v": {"S": "x" * 100}})
    seen, start, pages = [], None, 0
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName="t-scan", Limit=7, **kw)
        pages += 1
        assert page["ScannedCount"] == page["Count"] <= 7
        seen += [(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert len(seen) == 50 and len(set(seen)) == 50 and pages == 8
    segs = [ddb.scan(TableName="t-scan", Segment=i, TotalSegments=3)["Items"] for i in range(3)]
    keys = [(i["pk"]["S"], i["sk"]["N"]) for s in segs for i in s]
    assert sorted(keys) == sorted(seen)
    # a partition is never split between segments
    for s in segs:
        parts = {i["pk"]["S"] for i in s}
        assert sum(len(x) for x in segs) == 50 and all(
            sum(1 for i in s if i["pk"]["S"] == p) == 5 for p in parts)
    c = ddb.scan(TableName="t-scan", Select="COUNT")
    assert c["Count"] == 50 and "Items" not in c
    for kw, msg in ((dict(Select="COUNT", ProjectionExpression="pk"),
                     "Cannot specify the ProjectionExpression when choosing to get only the Count"),
                    (dict(Select="SPECIFIC_ATTRIBUTES"),
                     "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"),
                    (dict(Select="ALL_PROJECTED_ATTRIBUTES"),
                     "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.scan(TableName="t-scan", **kw)
        assert err(e) == ("ValidationException", msg)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.scan(TableName="t-scan", Segment=3, TotalSegments=3)
    assert err(e) == ("ValidationException", "The Segment parameter is zero-based and must be less than parameter "
                      "TotalSegments: Segment: 3 is not less than TotalSegments: 3")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.scan(TableName="t-scan", Segment=1)
    assert err(e)[1] == ("The TotalSegments parameter is required but was not present in the request when Segment "
                         "parameter is present")


class ddb_batch:
    """Puts items through BatchWriteItem in chunks of 25."""

    def __init__(self, ddb, table):
        self.ddb, self.table, self.buf = ddb, table, []

    def __enter__(self):
        return self.buf.append

    def __exit__(self, *exc):
        for i in range(0, len(self.buf), 25):
            r = self.ddb.batch_write_item(RequestItems={self.table: [
                {"PutRequest": {"Item": it}} for it in self.buf[i:i + 25]]})
            assert r["UnprocessedItems"] == {}


def test_batch_get_write(ddb):
    make_table(ddb, "t-batch", sk=False)
    r = ddb.batch_write_item(RequestItems={"t-batch": [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}}
                                                       for i in range(25)]}, ReturnConsumedCapacity="TOTAL")
    assert r["UnprocessedItems"] == {}
    assert r["ConsumedCapacity"] == [{"TableName": "t-batch", "CapacityUnits": 25.0}]
    got = ddb.batch_get_item(RequestItems={"t-batch": {"Keys": [{"pk": {"S": str(i)}} for i in range(0, 30, 3)]}})
    assert sorted(i["pk"]["S"] for i in got["Responses"]["t-batch"]) == sorted(str(i) for i in range(0, 25, 3))
    assert got["UnprocessedKeys"] == {}
    ddb.batch_write_item(RequestItems={"t-batch": [{"DeleteRequest": {"Key": {"pk": {"S": "0"}}}}]})
    assert "Item" not in ddb.get_item(TableName="t-batch", Key={"pk": {"S": "0"}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_write_item(RequestItems={"t-batch": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}] * 2})
    assert err(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_get_item(RequestItems={"t-batch": {"Keys": [{"pk": {"S": "a"}}] * 2}})
    assert err(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_get_item(RequestItems={"t-batch": {"Keys": [{"pk": {"S": str(i)}} for i in range(60)]},
                                         "t-batch2": {"Keys": [{"pk": {"S": str(i)}} for i in range(41)]}})
    assert err(e) == ("ValidationException", "Too many items requested for the BatchGetItem call")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_write_item(RequestItems={"t-batch": [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}}
                                                       for i in range(26)]})
    assert err(e)[0] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.batch_get_item(RequestItems={"t-none": {"Keys": [{"pk": {"S": "a"}}]}})
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_transact_write_get(ddb):
    make_table(ddb, "t-tx", sk=False)
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}},
        {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "b"}, "n": {"N": "2"}}}},
    ], ClientRequestToken="tok-1")
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "t-tx", "Key": {"pk": {"S": k}}}}
                                                for k in ("a", "b", "c")])["Responses"]
    assert got[0]["Item"]["n"] == {"N": "1"} and got[1]["Item"]["n"] == {"N": "2"} and got[2] == {}
    # the same token and request within 10 minutes does nothing again
    ddb.delete_item(TableName="t-tx", Key={"pk": {"S": "a"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}},
        {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "b"}, "n": {"N": "2"}}}},
    ], ClientRequestToken="tok-1")
    assert "Item" not in ddb.get_item(TableName="t-tx", Key={"pk": {"S": "a"}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "z"}}}}], ClientRequestToken="tok-1")
    assert err(e) == ("IdempotentParameterMismatchException",
                      "The request uses the same client token as a previous, but non-identical request.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t-tx", "Item": {"pk": {"S": "a"}}}},
            {"Delete": {"TableName": "t-tx", "Key": {"pk": {"S": "a"}}}}])
    assert err(e) == ("ValidationException", "Transaction request cannot include multiple operations on one item")


# ==== Streams ====

def test_streams(ddb, gureum):
    streams = gureum.client("dynamodbstreams")
    make_table(ddb, "t-stream", sk=False,
               StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = ddb.describe_table(TableName="t-stream")["Table"]["LatestStreamArn"]
    ddb.put_item(TableName="t-stream", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="t-stream", Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    ddb.delete_item(TableName="t-stream", Key={"pk": {"S": "a"}})
    listed = streams.list_streams(TableName="t-stream")["Streams"]
    assert [s["StreamArn"] for s in listed] == [arn]
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "ENABLED" and d["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # the same ARN in another account names no stream here
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.describe_stream(StreamArn=arn.replace(":000000000000:", ":111111111111:"))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert d["TableName"] == "t-stream" and len(d["Shards"]) == 1
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=d["Shards"][0]["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    recs = r["Records"]
    assert [x["eventName"] for x in recs] == ["INSERT", "MODIFY", "REMOVE"]
    assert recs[0]["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in recs[0]["dynamodb"]
    assert recs[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"} and recs[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert recs[2]["dynamodb"]["Keys"] == {"pk": {"S": "a"}} and "NewImage" not in recs[2]["dynamodb"]
    seqs = [x["dynamodb"]["SequenceNumber"] for x in recs]
    assert seqs == sorted(seqs) and recs[0]["eventSource"] == "aws:dynamodb"
    # the next iterator sees only new records
    assert streams.get_records(ShardIterator=r["NextShardIterator"])["Records"] == []
    ddb.put_item(TableName="t-stream", Item={"pk": {"S": "b"}})
    assert [x["eventName"] for x in streams.get_records(ShardIterator=r["NextShardIterator"])["Records"]] == ["INSERT"]
    after = streams.get_shard_iterator(StreamArn=arn, ShardId=d["Shards"][0]["ShardId"],
                                       ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[1])
    assert [x["eventName"] for x in streams.get_records(ShardIterator=after["ShardIterator"])["Records"]] == [
        "REMOVE", "INSERT"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.describe_stream(StreamArn=arn + "x")
    assert err(e)[0] == "ResourceNotFoundException"
    for spec, msg in (({"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
                       "Table already has an enabled stream: TableName: t-stream"),
                      ({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
                       "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType "
                       "must not be specified")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.update_table(TableName="t-stream", StreamSpecification=spec)
        assert err(e) == ("ValidationException", msg)
    ddb.update_table(TableName="t-stream", StreamSpecification={"StreamEnabled": False})
    t = ddb.describe_table(TableName="t-stream")["Table"]
    assert "StreamSpecification" not in t and t["LatestStreamArn"] == arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName="t-stream", StreamSpecification={"StreamEnabled": False})
    assert err(e) == ("ValidationException", "Table has no stream to disable: TableName: t-stream")


def test_ttl_removes_expired_items(ddb, gureum):
    import time
    make_table(ddb, "t-ttl", sk=False, StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    ddb.update_time_to_live(TableName="t-ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    ddb.put_item(TableName="t-ttl", Item={"pk": {"S": "old"}, "exp": {"N": str(now - 10)}})
    ddb.put_item(TableName="t-ttl", Item={"pk": {"S": "new"}, "exp": {"N": str(now + 3600)}})
    ddb.put_item(TableName="t-ttl", Item={"pk": {"S": "str"}, "exp": {"S": str(now - 10)}})
    ddb.put_item(TableName="t-ttl", Item={"pk": {"S": "ancient"}, "exp": {"N": str(now - 6 * 365 * 86400)}})
    deadline = time.time() + 5
    while time.time() < deadline:
        if "Item" not in ddb.get_item(TableName="t-ttl", Key={"pk": {"S": "old"}}):
            break
        time.sleep(0.2)
    keys = sorted(i["pk"]["S"] for i in ddb.scan(TableName="t-ttl")["Items"])
    assert keys == ["ancient", "new", "str"]
    # the stream says who deleted it
    streams = gureum.client("dynamodbstreams")
    arn = ddb.describe_table(TableName="t-ttl")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    removes = [x for x in streams.get_records(ShardIterator=it)["Records"] if x["eventName"] == "REMOVE"]
    assert len(removes) == 1 and removes[0]["dynamodb"]["OldImage"]["pk"] == {"S": "old"}
    assert removes[0]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


# ==== Expressions on items ====

def test_conditions_updates_return_values(ddb):
    make_table(ddb, "t-expr", sk=False)
    key = {"pk": {"S": "k"}}
    ddb.put_item(TableName="t-expr", Item={"pk": {"S": "k"}, "n": {"N": "1"}, "l": {"L": [{"S": "a"}]}},
                 ConditionExpression="attribute_not_exists(pk)")
    # boto3 1.26's model predates ReturnValuesOnConditionCheckFailure on PutItem: add it as newer SDKs send it
    def add_rv(request, **kw):
        body = json.loads(request.body)
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        request.data = json.dumps(body).encode()
    raw = []

    def keep_body(response_dict=None, **kw):
        raw.append(json.loads(response_dict["body"]))
    ddb.meta.events.register("before-sign.dynamodb.PutItem", add_rv)
    ddb.meta.events.register("response-received.dynamodb.PutItem", keep_body)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.put_item(TableName="t-expr", Item={"pk": {"S": "k"}}, ConditionExpression="attribute_not_exists(pk)")
    finally:
        ddb.meta.events.unregister("before-sign.dynamodb.PutItem", add_rv)
        ddb.meta.events.unregister("response-received.dynamodb.PutItem", keep_body)
    assert err(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert raw[-1]["Item"]["n"] == {"N": "1"}
    # its value is one of the enum's (ALL_OLD, NONE), as the newer model says
    def add_bad_rv(request, **kw):
        body = json.loads(request.body)
        body["ReturnValuesOnConditionCheckFailure"] = "UPDATED_OLD"
        request.data = json.dumps(body).encode()
    ddb.meta.events.register("before-sign.dynamodb.PutItem", add_bad_rv)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.put_item(TableName="t-expr", Item={"pk": {"S": "k"}}, ConditionExpression="attribute_not_exists(pk)")
    finally:
        ddb.meta.events.unregister("before-sign.dynamodb.PutItem", add_bad_rv)
    assert err(e)[0] == "ValidationException" and "returnValuesOnConditionCheckFailure" in err(e)[1]
    r = ddb.update_item(TableName="t-expr", Key=key,
                        UpdateExpression="SET n = n + :one, #t = if_not_exists(#t, :t), l = list_append(l, :l) "
                                         "ADD s :s REMOVE gone",
                        ConditionExpression="n = :one", ExpressionAttributeNames={"#t": "title"},
                        ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"S": "x"}, ":l": {"L": [{"S": "b"}]},
                                                   ":s": {"SS": ["p", "q"]}},
                        ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"n": {"N": "2"}, "title": {"S": "x"}, "l": {"L": [{"S": "a"}, {"S": "b"}]},
                               "s": {"SS": ["p", "q"]}}
    r = ddb.update_item(TableName="t-expr", Key=key, UpdateExpression="REMOVE l[0] DELETE s :p",
                        ExpressionAttributeValues={":p": {"SS": ["p"]}}, ReturnValues="ALL_NEW")
    assert r["Attributes"] == {"pk": {"S": "k"}, "n": {"N": "2"}, "title": {"S": "x"}, "l": {"L": [{"S": "b"}]},
                               "s": {"SS": ["q"]}}
    r = ddb.update_item(TableName="t-expr", Key=key, UpdateExpression="SET n = :v",
                        ExpressionAttributeValues={":v": {"N": "7"}}, ReturnValues="UPDATED_OLD")
    assert r["Attributes"] == {"n": {"N": "2"}}
    r = ddb.update_item(TableName="t-expr", Key=key, UpdateExpression="SET n = :v",
                        ExpressionAttributeValues={":v": {"N": "8"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"]["n"] == {"N": "7"}
    got = ddb.get_item(TableName="t-expr", Key=key, ProjectionExpression="#n, l[0]",
                       ExpressionAttributeNames={"#n": "n"})["Item"]
    assert got == {"n": {"N": "8"}, "l": {"L": [{"S": "b"}]}}
    # UpdateItem on a missing item creates it
    ddb.update_item(TableName="t-expr", Key={"pk": {"S": "new"}}, UpdateExpression="SET a = :a",
                    ExpressionAttributeValues={":a": {"BOOL": True}})
    assert ddb.get_item(TableName="t-expr", Key={"pk": {"S": "new"}})["Item"] == {"pk": {"S": "new"}, "a": {"BOOL": True}}
    # conditional delete
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.delete_item(TableName="t-expr", Key=key, ConditionExpression="n > :v",
                        ExpressionAttributeValues={":v": {"N": "100"}})
    assert err(e)[0] == "ConditionalCheckFailedException"


@pytest.mark.parametrize("kw,msg", [
    (dict(UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
    (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": {"S": "x"}, ":w": {"S": "y"}}),
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": {"S": "x"}},
          ExpressionAttributeNames={"#x": "x"}),
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"),
    (dict(UpdateExpression="SET a = :v", AttributeUpdates={"a": {"Value": {"S": "x"}}},
          ExpressionAttributeValues={":v": {"S": "x"}}),
     "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
     "{AttributeUpdates} Expression parameters: {UpdateExpression}"),
])
def test_update_validation(ddb, kw, msg):
    try:
        make_table(ddb, "t-uval", sk=False)
    except botocore.exceptions.ClientError:
        pass
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_item(TableName="t-uval", Key={"pk": {"S": "k"}}, **kw)
    assert err(e) == ("ValidationException", msg)


def test_legacy_parameters(ddb):
    make_table(ddb, "t-legacy", sk=False)
    ddb.put_item(TableName="t-legacy", Item={"pk": {"S": "k"}, "n": {"N": "1"}},
                 Expected={"pk": {"Exists": False}})
    ddb.update_item(TableName="t-legacy", Key={"pk": {"S": "k"}},
                    AttributeUpdates={"n": {"Action": "ADD", "Value": {"N": "2"}}},
                    Expected={"n": {"Value": {"N": "1"}}})
    got = ddb.get_item(TableName="t-legacy", Key={"pk": {"S": "k"}}, AttributesToGet=["n"])["Item"]
    assert got == {"n": {"N": "3"}}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.put_item(TableName="t-legacy", Item={"pk": {"S": "k"}}, Expected={"pk": {"Exists": False}})
    assert err(e)[0] == "ConditionalCheckFailedException"


# ==== Query ====

def test_query_table_and_indexes(ddb):
    make_table(ddb, "t-q", extra_attrs=[{"AttributeName": "g", "AttributeType": "S"},
                                        {"AttributeName": "l", "AttributeType": "S"}],
               LocalSecondaryIndexes=[{"IndexName": "by-l", "KeySchema": [
                   {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                   "Projection": {"ProjectionType": "KEYS_ONLY"}}],
               GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [
                   {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                   "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}])
    with ddb_batch(ddb, "t-q") as put:
        for p in ("a", "b"):
            for s in range(20):
                it = {"pk": {"S": p}, "sk": {"N": str(s)}, "v": {"N": str(s % 3)}, "w": {"S": "w"},
                      "l": {"S": "%02d" % (19 - s)}}
                if s % 2 == 0:
                    it["g"] = {"S": "even"}
                put(it)

    def q(**kw):
        return ddb.query(TableName="t-q", **kw)

    ev = {":p": {"S": "a"}}
    r = q(KeyConditionExpression="pk = :p", ExpressionAttributeValues=ev)
    assert [i["sk"]["N"] for i in r["Items"]] == [str(i) for i in range(20)]
    r = q(KeyConditionExpression="pk = :p AND sk BETWEEN :x AND :y", ScanIndexForward=False,
          ExpressionAttributeValues={**ev, ":x": {"N": "3"}, ":y": {"N": "6"}})
    assert [i["sk"]["N"] for i in r["Items"]] == ["6", "5", "4", "3"]
    for op, want in (("<", 3), ("<=", 4), (">", 16), (">=", 17), ("=", 1)):
        r = q(KeyConditionExpression="pk = :p AND sk %s :x" % op, ExpressionAttributeValues={**ev, ":x": {"N": "3"}},
              Select="COUNT")
        assert r["Count"] == want, op
    r = q(KeyConditionExpression="pk = :p AND begins_with(l, :b)", IndexName="by-l",
          ExpressionAttributeValues={**ev, ":b": {"S": "1"}})
    assert [i["l"]["S"] for i in r["Items"]] == ["%02d" % i for i in range(10, 20)]
    assert set(r["Items"][0]) == {"pk", "sk", "l"}  # KEYS_ONLY
    # filter and pagination: Limit counts evaluated items
    r = q(KeyConditionExpression="pk = :p", FilterExpression="v = :z", Limit=6,
          ExpressionAttributeValues={**ev, ":z": {"N": "0"}})
    assert r["ScannedCount"] == 6 and r["Count"] == 2
    assert r["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "5"}}
    r2 = q(KeyConditionExpression="pk = :p", ExclusiveStartKey=r["LastEvaluatedKey"], ExpressionAttributeValues=ev)
    assert r2["Items"][0]["sk"] == {"N": "6"} and "LastEvaluatedKey" not in r2
    # GSI: sparse, projected, paginated with the index key in LastEvaluatedKey
    r = q(IndexName="by-g", KeyConditionExpression="g = :g AND sk > :s", Limit=5,
          ExpressionAttributeValues={":g": {"S": "even"}, ":s": {"N": "10"}})
    assert [i["sk"]["N"] for i in r["Items"]] == ["12", "12", "14", "14", "16"]
    assert set(r["Items"][0]) == {"pk", "sk", "g", "v"}
    assert set(r["LastEvaluatedKey"]) == {"pk", "sk", "g"}
    r2 = q(IndexName="by-g", KeyConditionExpression="g = :g AND sk > :s", ExclusiveStartKey=r["LastEvaluatedKey"],
           ExpressionAttributeValues={":g": {"S": "even"}, ":s": {"N": "10"}})
    assert [i["sk"]["N"] for i in r2["Items"]] == ["16", "18", "18"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        q(IndexName="by-g", KeyConditionExpression="g = :g", ConsistentRead=True,
          ExpressionAttributeValues={":g": {"S": "even"}})
    assert err(e) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        q(IndexName="nope", KeyConditionExpression="pk = :p", ExpressionAttributeValues=ev)
    assert err(e) == ("ValidationException", "The table does not have the specified index: nope")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        q(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"N": "1"}})
    assert err(e) == ("ValidationException",
                      "One or more parameter values were invalid: Condition parameter type does not match schema type")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.query(TableName="t-q")
    assert err(e) == ("ValidationException",
                      "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
    # legacy KeyConditions + QueryFilter
    r = q(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "b"}]},
                         "sk": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "5"}]}},
          QueryFilter={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})
    assert [i["sk"]["N"] for i in r["Items"]] == ["1", "4"]
    # scan with a filter on an index
    r = ddb.scan(TableName="t-q", IndexName="by-g", FilterExpression="pk = :p", ExpressionAttributeValues=ev)
    assert r["Count"] == 10
    # capacity by index: a write is charged to the table and each index holding the item
    cc = ddb.put_item(TableName="t-q", Item={"pk": {"S": "c"}, "sk": {"N": "1"}, "g": {"S": "odd"}},
                      ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc["CapacityUnits"] == 2.0 and cc["Table"]["CapacityUnits"] == 1.0
    assert cc["GlobalSecondaryIndexes"] == {"by-g": {"CapacityUnits": 1.0}}
    assert "LocalSecondaryIndexes" not in cc
    cc = q(IndexName="by-g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "odd"}},
           ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc["Table"]["CapacityUnits"] == 0 and cc["GlobalSecondaryIndexes"]["by-g"]["CapacityUnits"] == 0.5


def test_query_pages_at_1mb(ddb):
    make_table(ddb, "t-big")
    blob = "x" * 100000
    with ddb_batch(ddb, "t-big") as put:
        for s in range(15):
            put({"pk": {"S": "p"}, "sk": {"N": str(s)}, "d": {"S": blob}})
    r = ddb.query(TableName="t-big", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                  ProjectionExpression="sk")
    assert r["Count"] == 11 and r["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "10"}}


# ==== Transactions with conditions ====

def test_transaction_cancelled_and_never_half_visible(ddb):
    make_table(ddb, "t-tx2", sk=False)
    ddb.put_item(TableName="t-tx2", Item={"pk": {"S": "acct-a"}, "bal": {"N": "100"}})
    ddb.put_item(TableName="t-tx2", Item={"pk": {"S": "acct-b"}, "bal": {"N": "0"}})

    def transfer(n):
        return ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "t-tx2", "Key": {"pk": {"S": "acct-a"}},
                        "UpdateExpression": "SET bal = bal - :n", "ConditionExpression": "bal >= :n",
                        "ExpressionAttributeValues": {":n": {"N": str(n)}}}},
            {"Update": {"TableName": "t-tx2", "Key": {"pk": {"S": "acct-b"}},
                        "UpdateExpression": "SET bal = bal + :n", "ExpressionAttributeValues": {":n": {"N": str(n)}}}},
        ])

    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": "t-tx2", "Key": {"pk": {"S": "acct-a"}},
                                "ConditionExpression": "bal > :n", "ExpressionAttributeValues": {":n": {"N": "1000"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Put": {"TableName": "t-tx2", "Item": {"pk": {"S": "c"}}}}])
    assert err(e) == ("TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for "
                      "specific reasons [ConditionalCheckFailed, None]")
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed" and reasons[0]["Item"]["bal"] == {"N": "100"}
    assert reasons[1] == {"Code": "None"}
    assert "Item" not in ddb.get_item(TableName="t-tx2", Key={"pk": {"S": "c"}})

    # readers never see money in flight
    stop, bad = threading.Event(), []

    def reader():
        c = ddb
        while not stop.is_set():
            got = c.transact_get_items(TransactItems=[
                {"Get": {"TableName": "t-tx2", "Key": {"pk": {"S": k}}}} for k in ("acct-a", "acct-b")])["Responses"]
            total = sum(int(x["Item"]["bal"]["N"]) for x in got)
            if total != 100:
                bad.append(total)
    th = threading.Thread(target=reader)
    th.start()
    try:
        for _ in range(20):
            transfer(5)
    finally:
        stop.set()
        th.join()
    assert bad == []
    got = ddb.get_item(TableName="t-tx2", Key={"pk": {"S": "acct-a"}})["Item"]["bal"]
    assert got == {"N": "0"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        transfer(1)
    assert err(e)[0] == "TransactionCanceledException"


# ==== Scenario D ====

def test_scenario_d(gureum, ddb):
    """An application's data: a table with a partition and sort key, put/get/query/update/conditional
    writes/scan with filters and pagination, a GSI queried, and media in S3 next to it."""
    s3 = gureum.client("s3")
    s3.create_bucket(Bucket="media-d")
    ddb.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                                           {"AttributeName": "order_id", "AttributeType": "S"},
                                           {"AttributeName": "status", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                                {"AttributeName": "order_id", "KeyType": "RANGE"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by-status", "KeySchema": [
                         {"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}])
    ddb.get_waiter("table_exists").wait(TableName="Orders", WaiterConfig={"Delay": 0.1})
    for c in ("alice", "bob"):
        for i in range(6):
            key = "receipts/%s/%03d.pdf" % (c, i)
            s3.put_object(Bucket="media-d", Key=key, Body=b"%PDF " + key.encode())
            ddb.put_item(TableName="Orders", Item={
                "customer": {"S": c}, "order_id": {"S": "%03d" % i}, "status": {"S": "NEW"},
                "total": {"N": str(10 * i + 0.5)}, "receipt": {"S": key}})
    got = ddb.get_item(TableName="Orders", Key={"customer": {"S": "alice"}, "order_id": {"S": "003"}})["Item"]
    assert got["total"] == {"N": "30.5"}
    body = s3.get_object(Bucket="media-d", Key=got["receipt"]["S"])["Body"].read()
    assert body == b"%PDF receipts/alice/003.pdf"
    r = ddb.query(TableName="Orders", KeyConditionExpression="customer = :c AND order_id >= :o",
                  ExpressionAttributeValues={":c": {"S": "alice"}, ":o": {"S": "002"}})
    assert [i["order_id"]["S"] for i in r["Items"]] == ["002", "003", "004", "005"]
    ddb.update_item(TableName="Orders", Key={"customer": {"S": "alice"}, "order_id": {"S": "003"}},
                    UpdateExpression="SET #s = :shipped", ConditionExpression="#s = :new",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":shipped": {"S": "SHIPPED"}, ":new": {"S": "NEW"}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_item(TableName="Orders", Key={"customer": {"S": "alice"}, "order_id": {"S": "003"}},
                        UpdateExpression="SET #s = :shipped", ConditionExpression="#s = :new",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":shipped": {"S": "SHIPPED"}, ":new": {"S": "NEW"}})
    assert err(e)[0] == "ConditionalCheckFailedException"
    shipped = ddb.query(TableName="Orders", IndexName="by-status", KeyConditionExpression="#s = :v",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":v": {"S": "SHIPPED"}})["Items"]
    assert [(i["customer"]["S"], i["order_id"]["S"]) for i in shipped] == [("alice", "003")]
    pages = ddb.get_paginator("scan").paginate(TableName="Orders", FilterExpression="#t > :t",
                                               ExpressionAttributeNames={"#t": "total"},
                                               ExpressionAttributeValues={":t": {"N": "20"}},
                                               PaginationConfig={"PageSize": 4})
    found = sorted((i["customer"]["S"], i["order_id"]["S"]) for p in pages for i in p["Items"])
    assert found == [(c, "%03d" % i) for c in ("alice", "bob") for i in range(2, 6)]
    # the same from the CLI
    out = gureum.aws("dynamodb", "query", "--table-name", "Orders", "--key-condition-expression", "customer = :c",
                     "--expression-attribute-values", '{":c": {"S": "bob"}}', "--select", "COUNT")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Count"] == 6


# ==== PartiQL ====

def test_partiql(ddb):
    make_table(ddb, "t-pq")
    ex = ddb.execute_statement
    ex(Statement="INSERT INTO \"t-pq\" VALUE {'pk': 'a', 'sk': 1, 'n': 5, 'tags': <<'x', 'y'>>, 'm': {'k': [1, 'two']}}")
    ex(Statement="INSERT INTO \"t-pq\" VALUE {'pk': ?, 'sk': ?, 'n': ?}",
       Parameters=[{"S": "a"}, {"N": "2"}, {"N": "7"}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ex(Statement="INSERT INTO \"t-pq\" VALUE {'pk': 'a', 'sk': 1}")
    assert err(e) == ("DuplicateItemException", "Duplicate primary key exists in table")
    items = ex(Statement="SELECT * FROM \"t-pq\" WHERE pk = 'a'")["Items"]
    assert [i["sk"]["N"] for i in items] == ["1", "2"]
    assert items[0]["tags"] == {"SS": ["x", "y"]} and items[0]["m"] == {"M": {"k": {"L": [{"N": "1"}, {"S": "two"}]}}}
    got = ex(Statement="SELECT n FROM \"t-pq\" WHERE pk = 'a' AND n > ?", Parameters=[{"N": "6"}])["Items"]
    assert got == [{"n": {"N": "7"}}]
    ex(Statement="UPDATE \"t-pq\" SET n = 9 SET extra = 'e' REMOVE tags WHERE pk = 'a' AND sk = 1")
    it = ddb.get_item(TableName="t-pq", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    assert it["n"] == {"N": "9"} and it["extra"] == {"S": "e"} and "tags" not in it
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ex(Statement="UPDATE \"t-pq\" SET n = 1 WHERE pk = 'zz' AND sk = 1")
    assert err(e)[0] == "ConditionalCheckFailedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ex(Statement="DELETE FROM \"t-pq\" WHERE pk = 'a'")
    assert err(e) == ("ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
    ex(Statement="DELETE FROM \"t-pq\" WHERE pk = 'a' AND sk = 2")
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO \"t-pq\" VALUE {'pk': 'b', 'sk': 1}"},
        {"Statement": "INSERT INTO \"t-pq\" VALUE {'pk': 'a', 'sk': 1}"},
    ])["Responses"]
    assert "Error" not in r[0] and r[1]["Error"]["Code"] == "DuplicateItem"
    assert sorted((i["pk"]["S"], i["sk"]["N"]) for i in ddb.scan(TableName="t-pq")["Items"]) == [("a", "1"), ("b", "1")]
    page = ex(Statement="SELECT pk FROM \"t-pq\"", Limit=1)
    assert len(page["Items"]) == 1 and page["NextToken"]
    rest = ex(Statement="SELECT pk FROM \"t-pq\"", NextToken=page["NextToken"])
    assert sorted(i["pk"]["S"] for i in page["Items"] + rest["Items"]) == ["a", "b"]


def test_partiql_transaction(ddb):
    # AWS: ExecuteTransaction — all writes as one transaction, or all reads
    # (one item each, by its whole key) from one snapshot
    make_table(ddb, "t-pqx")
    tx = ddb.execute_transaction
    tx(TransactStatements=[
        {"Statement": "INSERT INTO \"t-pqx\" VALUE {'pk': 'a', 'sk': 1, 'n': 1}"},
        {"Statement": "INSERT INTO \"t-pqx\" VALUE {'pk': ?, 'sk': ?, 'n': ?}",
         "Parameters": [{"S": "b"}, {"N": "1"}, {"N": "2"}]}])
    got = tx(TransactStatements=[
        {"Statement": "SELECT * FROM \"t-pqx\" WHERE pk = 'a' AND sk = 1"},
        {"Statement": "SELECT n FROM \"t-pqx\" WHERE pk = ? AND sk = 1", "Parameters": [{"S": "b"}]},
        {"Statement": "SELECT * FROM \"t-pqx\" WHERE pk = 'none' AND sk = 1"}])["Responses"]
    assert got == [{"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "1"}}}, {"Item": {"n": {"N": "2"}}}, {}]
    # an INSERT of an existing key cancels the whole transaction: the UPDATE is not applied
    with pytest.raises(botocore.exceptions.ClientError) as e:
        tx(TransactStatements=[
            {"Statement": "UPDATE \"t-pqx\" SET n = 5 WHERE pk = 'a' AND sk = 1"},
            {"Statement": "INSERT INTO \"t-pqx\" VALUE {'pk': 'b', 'sk': 1}"}])
    assert err(e) == ("TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons "
                      "for specific reasons [None, DuplicateItem]")
    assert e.value.response["CancellationReasons"][1]["Code"] == "DuplicateItem"
    assert ddb.get_item(TableName="t-pqx", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]["n"] == {"N": "1"}
    for bad, msg in [
            ([{"Statement": "SELECT * FROM \"t-pqx\" WHERE pk = 'a' AND sk = 1"},
              {"Statement": "DELETE FROM \"t-pqx\" WHERE pk = 'a' AND sk = 1"}],
             "Transaction statements must be all reads or all writes"),
            ([{"Statement": "SELECT * FROM \"t-pqx\" WHERE pk = 'a'"}],
             "Where clause does not contain a mandatory equality on all key attributes")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            tx(TransactStatements=bad)
        assert err(e) == ("ValidationException", msg)
    writes = [{"Statement": "UPDATE \"t-pqx\" SET n = n + 12, m = 3 SET o = n -1 WHERE pk = 'a' AND sk = 1"},
              {"Statement": "DELETE FROM \"t-pqx\" WHERE pk = 'b' AND sk = 1"}]
    tx(TransactStatements=writes, ClientRequestToken="once")
    tx(TransactStatements=writes, ClientRequestToken="once")  # idempotent: applied once
    items = ddb.scan(TableName="t-pqx")["Items"]
    assert items == [{"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "13"}, "m": {"N": "3"}, "o": {"N": "0"}}]


@pytest.mark.parametrize("body,msg", [
    ({"Limit": "23"}, "STRING_VALUE cannot be converted to Integer"),
    ({"ConsistentRead": "23"}, "Unexpected token received from parser"),
    ({"ConsistentRead": 23}, "NUMBER_VALUE cannot be converted to Boolean"),
    ({"TableName": 34.56}, "DECIMAL_VALUE cannot be converted to String"),
    ({"TableName": []}, "Unrecognized collection type class java.lang.String"),
    ({"TableName": {}}, "Start of structure or map found where not expected"),
    ({"ExclusiveStartKey": 23}, "Unexpected field type"),
    ({"ExclusiveStartKey": {"a": 23}}, "Unexpected value type in payload"),
])
def test_serialization_errors(gureum, body, msg):
    """A member of the wrong JSON type: SerializationException with Coral's
    wording and its capitalised "Message" key (dynalite's suite asserts these
    against DynamoDB)."""
    import urllib.error
    import urllib.request
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    data = json.dumps(dict({"TableName": "t-ser"}, **body))
    req = botocore.awsrequest.AWSRequest(method="POST", url=gureum.endpoint + "/", data=data, headers={
        "X-Amz-Target": "DynamoDB_20120810.Scan", "Content-Type": "application/x-amz-json-1.0"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "dynamodb", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=data.encode(), headers=dict(req.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(r, timeout=10)
    assert e.value.code == 400
    assert json.loads(e.value.read()) == {"__type": "com.amazon.coral.service#SerializationException", "Message": msg}


def test_attributes_to_get_duplicate_names_the_attribute(ddb):
    make_table(ddb, "t-atg-dup")
    msg = "One or more parameter values were invalid: Duplicate value in attribute name: a"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.get_item(TableName="t-atg-dup", Key={"pk": {"S": "x"}, "sk": {"N": "1"}}, AttributesToGet=["a", "b", "a"])
    assert err(e) == ("ValidationException", msg)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.query(TableName="t-atg-dup", KeyConditions={"pk": {"AttributeValueList": [{"S": "x"}],
                                                               "ComparisonOperator": "EQ"}}, AttributesToGet=["a", "a"])
    assert err(e) == ("ValidationException", msg)
