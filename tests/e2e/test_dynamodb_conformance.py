"""test_dynamodb_conformance.py — DynamoDB answers that nubo-db's conformance suite (vitest and the
AWS SDK for JavaScript v3, recorded against DynamoDB in 2026; tests/README.md) showed gureum
getting wrong: ItemCollectionMetrics for tables with a local secondary index, UpdateTable naming
the billing mode it has with the same throughput, a PartiQL SELECT of a nested path, the tag
operations on a malformed ARN and on another account's table, the texts DynamoDB checks before its
model's validation (empty RequestItems, BatchGetItem's key count, Query's Limit, PutItem's empty
TableName), and a TransactGetItems key that does not match the schema. boto3 drives what it can
send; raw signed requests (conftest.signed_json) send what its own validation would stop.
"""
import botocore.exceptions
import pytest

from conftest import signed_json

TARGET = "DynamoDB_20120810"


def call(g, op, body):
    return signed_json(g, "dynamodb", TARGET, "1.0", op, body)


def error(resp):
    status, body = resp
    assert status == 400, body
    return body["__type"].split("#")[-1], body.get("message", body.get("Message"))


@pytest.fixture(scope="module")
def ddb(gureum):
    return gureum.client("dynamodb")


@pytest.fixture(scope="module")
def lsi_table(ddb):
    name = "conf-lsi"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "lsk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "by-lsk", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "lsk", "KeyType": "RANGE"}]}])
    return name


@pytest.fixture(scope="module")
def hash_table(ddb):
    name = "conf-hash"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return name


# ==== ItemCollectionMetrics ====

def test_item_collection_metrics_on_a_table_with_an_lsi(ddb, lsi_table):
    want = {"ItemCollectionKey": {"pk": {"S": "icm"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    out = ddb.put_item(TableName=lsi_table, Item={"pk": {"S": "icm"}, "sk": {"S": "a"}, "lsk": {"S": "x"}},
                       ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == want
    out = ddb.update_item(TableName=lsi_table, Key={"pk": {"S": "icm"}, "sk": {"S": "a"}},
                          UpdateExpression="SET d = :v", ExpressionAttributeValues={":v": {"S": "v"}},
                          ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == want
    out = ddb.delete_item(TableName=lsi_table, Key={"pk": {"S": "icm"}, "sk": {"S": "a"}},
                          ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == want
    out = ddb.put_item(TableName=lsi_table, Item={"pk": {"S": "icm"}, "sk": {"S": "b"}},
                       ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in out


def test_no_item_collection_metrics_without_an_lsi(ddb, hash_table):
    out = ddb.put_item(TableName=hash_table, Item={"pk": {"S": "icm"}}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in out


# ==== UpdateTable ====

def test_update_table_same_billing_mode_and_throughput_is_refused(ddb):
    ddb.create_table(TableName="conf-prov", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName="conf-prov", BillingMode="PROVISIONED",
                         ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    err = e.value.response["Error"]
    assert err["Code"] == "ValidationException"
    assert err["Message"].startswith("The provisioned throughput for the table will not change.")
    # a change of the values with the same billing mode named is still taken
    out = ddb.update_table(TableName="conf-prov", BillingMode="PROVISIONED",
                           ProvisionedThroughput={"ReadCapacityUnits": 6, "WriteCapacityUnits": 5})
    assert out["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 6


# ==== PartiQL ====

def test_partiql_select_of_a_nested_path(ddb, hash_table):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "nested"}, "m": {"M": {"n": {"S": "deep"}}},
                                             "l": {"L": [{"S": "first"}]}, "x": {"S": "other"}})
    out = ddb.execute_statement(Statement=f'SELECT m.n, pk FROM "{hash_table}" WHERE pk = \'nested\'')
    assert out["Items"] == [{"n": {"S": "deep"}, "pk": {"S": "nested"}}]
    # a path ending in an index keeps the projection's shape
    out = ddb.execute_statement(Statement=f'SELECT l[0] FROM "{hash_table}" WHERE pk = \'nested\'')
    assert out["Items"] == [{"l": {"L": [{"S": "first"}]}}]
    out = ddb.execute_transaction(TransactStatements=[
        {"Statement": f'SELECT m.n FROM "{hash_table}" WHERE pk = \'nested\''}])
    assert out["Responses"] == [{"Item": {"n": {"S": "deep"}}}]


# ==== tags ====

def test_tag_resource_refuses_a_string_that_is_no_arn(gureum):
    assert error(call(gureum, "TagResource", {"ResourceArn": "not-a-valid-arn",
                                              "Tags": [{"Key": "k", "Value": "v"}]})) == \
        ("ValidationException", "One or more parameter values were invalid: ARNs must start with 'arn:': not-a-valid-arn")
    # so is a table's bare name to ListTagsOfResource (probed 2026-10); an ARN-like string stays IAM's
    # refusal (dynalite's suite)
    assert error(call(gureum, "ListTagsOfResource", {"ResourceArn": "my-table"})) == \
        ("ValidationException", "One or more parameter values were invalid: ARNs must start with 'arn:': my-table")
    code, _ = error(call(gureum, "TagResource", {"ResourceArn": "a:b:c:d:e/f", "Tags": [{"Key": "k", "Value": "v"}]}))
    assert code == "AccessDeniedException"


def test_tag_operations_on_another_accounts_table_are_denied(gureum, hash_table):
    for name in (hash_table, "no-such-table"):
        arn = f"arn:aws:dynamodb:us-east-1:111111111111:table/{name}"
        for op, extra in (("ListTagsOfResource", {}), ("TagResource", {"Tags": [{"Key": "k", "Value": "v"}]}),
                          ("UntagResource", {"TagKeys": ["k"]})):
            assert error(call(gureum, op, dict(extra, ResourceArn=arn))) == (
                "AccessDeniedException",
                f"User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:{op} on resource: "
                f"{arn} because no resource-based policy allows the dynamodb:{op} action")
    # the caller's own missing table is still not found
    own = "arn:aws:dynamodb:us-east-1:000000000000:table/no-such-table"
    assert error(call(gureum, "ListTagsOfResource", {"ResourceArn": own}))[0] == "ResourceNotFoundException"


# ==== what DynamoDB checks before its model's validation ====

def test_empty_request_items(gureum):
    for op in ("BatchGetItem", "BatchWriteItem"):
        assert error(call(gureum, op, {"RequestItems": {}})) == \
            ("ValidationException", f"The requestItems parameter is required for {op}")


def test_batch_get_item_more_than_100_keys_of_one_table(gureum, hash_table):
    keys = [{"pk": {"S": f"k{i}"}} for i in range(101)]
    assert error(call(gureum, "BatchGetItem", {"RequestItems": {hash_table: {"Keys": keys}}})) == (
        "ValidationException",
        f"1 validation error detected: Value at 'RequestItems.{hash_table}.member.Keys' failed to satisfy "
        "constraint: Member must have length less than or equal to 100")


def test_query_limit_zero_and_scan_limit_zero(gureum, hash_table):
    assert error(call(gureum, "Query", {"TableName": hash_table, "KeyConditionExpression": "pk = :v",
                                        "ExpressionAttributeValues": {":v": {"S": "a"}}, "Limit": 0})) == (
        "ValidationException",
        "1 validation error detected: Value at 'Limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1")
    # Scan keeps the model's older wording (recorded by the same suite)
    assert error(call(gureum, "Scan", {"TableName": hash_table, "Limit": 0})) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1")


def test_put_item_empty_table_name(gureum):
    for body in ({"TableName": "", "Item": {"pk": {"S": "a"}}},
                 {"TableName": "", "Item": {"pk": {"S": "a"}}, "ReturnValues": "INVALID"}):
        assert error(call(gureum, "PutItem", body)) == (
            "ValidationException",
            "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1")
    # without an Item: dynalite's older recording, the model's checks
    assert error(call(gureum, "PutItem", {"TableName": ""})) == (
        "ValidationException",
        "3 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'tableName' failed to satisfy constraint: Member "
        "must have length greater than or equal to 3; Value null at 'item' failed to satisfy constraint: Member must "
        "not be null")


# ==== TransactGetItems ====

def test_transact_get_items_key_not_matching_the_schema_cancels(ddb, hash_table):
    for bad in ({}, {"other": {"S": "a"}}, {"pk": {"N": "1"}}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.transact_get_items(TransactItems=[{"Get": {"TableName": hash_table, "Key": {"pk": {"S": "ok"}}}},
                                                  {"Get": {"TableName": hash_table, "Key": bad}}])
        err = e.value.response
        assert err["Error"]["Code"] == "TransactionCanceledException"
        assert err["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific "
                                           "reasons [None, ValidationError]")
        assert [r["Code"] for r in err["CancellationReasons"]] == ["None", "ValidationError"]
        assert err["CancellationReasons"][1]["Message"] == "The provided key element does not match the schema"


@pytest.mark.parametrize("extra,text", [
    ({"SSESpecification": {"Enabled": True}, "DeletionProtectionEnabled": True},
     "One or more parameter values were invalid: Server-Side Encryption modification must be the only operation "
     "in the request"),
    ({"TableClass": "STANDARD_INFREQUENT_ACCESS", "DeletionProtectionEnabled": True},
     "One or more parameter values were invalid: TableClass modification must be the only operation in the request"),
    ({"DeletionProtectionEnabled": True, "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
     "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the "
     "request"),
    ({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
      "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
     "You cannot modify stream status while updating table IOPS"),
    ({"ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
      "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
      "GlobalSecondaryIndexUpdates": [{"Create": {
          "IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
          "Projection": {"ProjectionType": "ALL"},
          "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]},
     "You cannot create or delete index while updating table IOPS"),
])
def test_update_table_makes_one_kind_of_change(gureum, ddb, extra, text):
    # AWS refuses these pairs whole (probed 2026-10): nothing is applied
    name = "one-change-%d" % (abs(hash(text)) % 100000)
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    # sent by hand: boto3 1.26's model has no DeletionProtectionEnabled on UpdateTable
    status, answer = signed_json(gureum, "dynamodb", "DynamoDB_20120810", "1.0", "UpdateTable",
                                 dict(extra, TableName=name))
    assert status == 400 and answer["__type"].endswith("#ValidationException")
    assert answer["message"] == text
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 1 and not t.get("DeletionProtectionEnabled")
    assert "StreamSpecification" not in t and "GlobalSecondaryIndexes" not in t
    # the billing mode goes with a stream switch
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" and t["StreamSpecification"]["StreamEnabled"]
