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


# ==== ACK's API notes (probed against DynamoDB 2026-10): tags, ARNs, not-found texts, UpdateTable {} ====

@pytest.fixture(scope="module")
def ack_table(ddb, hash_table):
    return ddb.describe_table(TableName=hash_table)["Table"]["TableArn"]


def tags_of(g, arn):
    status, body = call(g, "ListTagsOfResource", {"ResourceArn": arn})
    assert status == 200, body
    return {t["Key"]: t["Value"] for t in body["Tags"]}


def test_tag_texts(gureum, ack_table):
    arn = ack_table

    def tag(*tags):
        return call(gureum, "TagResource", {"ResourceArn": arn, "Tags": list(tags)})

    k129, v257 = "k" * 129, "v" * 257
    # AWS (probed 2026-10, DDB-TABLE-105, -107, -372): each refusal a ValidationException in these words,
    # ahead of the model's length checks, and nothing of the request applied (the good tag first)
    for tags, text in (
            ([{"Key": "good", "Value": "v"}, {"Key": "aws:zzz", "Value": "v"}],
             "Tag Key cannot be prefixed with aws:, Key: aws:zzz"),
            ([{"Key": "AWS:foo", "Value": "v"}], "Tag Key cannot be prefixed with aws:, Key: AWS:foo"),
            ([{"Key": "good", "Value": "v"}, {"Key": k129, "Value": "v"}], f"The Tag Key provided is invalid, Key: {k129}"),
            ([{"Key": "k", "Value": v257}], f"The Tag Value provided is invalid, Value: {v257}"),
            ([{"Key": "", "Value": "v"}], "The Tag Key provided is invalid, Key: "),
            ([{"Key": "k"}], "The Tag Value provided is invalid, Value: null"),
            ([{"Value": "v"}], "The Tag Key provided is invalid, Key: null"),
            ([{}], "The Tag Key provided is invalid, Key: null"),
            ([{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
             "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"),
            ([{"Key": "bad#char", "Value": "v"}], "The Tag Key provided is invalid, Key: bad#char"),
            ([{"Key": "k", "Value": "bad#char"}], "The Tag Value provided is invalid, Value: bad#char"),
            ([{"Key": "\U0001f511", "Value": "v"}], "The Tag Key provided is invalid, Key: \U0001f511")):
        assert error(tag(*tags)) == ("ValidationException", text), tags
    for v in ("100%", "a,b", "it's", "(x)[y]{z}", "a&b", "a*b", "a;b", "a?b", "a|b", "a\\b", "<a>", "~a", "\U0001f511"):
        assert error(tag({"Key": "k", "Value": v})) == ("ValidationException", f"The Tag Value provided is invalid, Value: {v}")
    assert tags_of(gureum, arn) == {}
    # letters of any script, spaces and + - = . _ : / @ are taken; an empty value too; 128/256 is the limit
    for k, v in (("myaws:foo", "x"), ("ключ", "café"), ("表", "a+b-c=d.e_f:g/h@i"), (" lead", "\u00a0x"),
                 ("Env", ""), ("k" * 128, "v" * 256)):
        assert tag({"Key": k, "Value": v})[0] == 200, (k, v)
    assert tags_of(gureum, arn)["Env"] == ""
    # UntagResource: an absent key is a no-op, but 'aws:', bad lengths and more than 50 keys are refused
    untag = lambda keys: call(gureum, "UntagResource", {"ResourceArn": arn, "TagKeys": keys})  # noqa: E731
    assert untag(["absent", "myaws:foo"])[0] == 200
    assert "myaws:foo" not in tags_of(gureum, arn)
    assert error(untag(["aws:foo"])) == ("ValidationException", "Tag Key cannot be prefixed with aws:, Key: aws:foo")
    assert error(untag([k129])) == ("ValidationException", f"The Tag Key provided is invalid, Key: {k129}")
    assert error(untag([""])) == ("ValidationException", "The Tag Key provided is invalid, Key: ")
    assert error(untag([f"k{i}" for i in range(51)])) == \
        ("ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn")
    untag(list(tags_of(gureum, arn)))


def test_fifty_tags_counted_after_the_merge(gureum, ack_table):
    arn, over = ack_table, ("ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn")

    def tag(tags):
        return call(gureum, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags]})

    # AWS (probed 2026-10, DDB-TABLE-108): ValidationException, never LimitExceededException
    assert error(tag([(f"z{i:02}", "v") for i in range(51)])) == over
    assert tag([(f"k{i:02}", "v") for i in range(50)])[0] == 200
    assert error(tag([("k51", "v")])) == over
    assert error(tag([("k01", "new"), ("k51", "v")])) == over
    assert tag([("k01", "new")])[0] == 200
    assert tag([(f"k{i:02}", "b") for i in range(50)])[0] == 200
    status, body = call(gureum, "ListTagsOfResource", {"ResourceArn": arn})
    assert len(body["Tags"]) == 50 and "NextToken" not in body
    call(gureum, "UntagResource", {"ResourceArn": arn, "TagKeys": [f"k{i:02}" for i in range(50)]})


def test_tag_resource_arn_shapes(gureum, ack_table):
    arn, nf = ack_table, "ResourceNotFoundException"
    # AWS (probed 2026-10, DDB-TABLE-071, DDB-BACKUP-013, DDB-TABLE-442's catalogue)
    idx = arn + "/index/gsi1"
    assert error(call(gureum, "ListTagsOfResource", {"ResourceArn": idx})) == (
        "ValidationException", "One or more parameter values were invalid: Invalid resource arn provided, only table "
        f"or stream is accepted. Provided resource arn: {idx}")
    backup = arn + "/backup/01700000000000-abcdef12"
    for op, extra in (("ListTagsOfResource", {}), ("TagResource", {"Tags": [{"Key": "k", "Value": "v"}]}),
                      ("UntagResource", {"TagKeys": ["k"]})):
        assert error(call(gureum, op, dict(extra, ResourceArn=backup))) == (
            "ValidationException",
            f"One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: {backup}")
    # a stream ARN and the table's ARN in capitals are not found (the recorded text is cut after the
    # table's name; " not found" after the ARN is gureum's, as for a missing table)
    for other in (arn + "/stream/2026-10-08T00:00:00.000", arn.upper()):
        assert error(call(gureum, "ListTagsOfResource", {"ResourceArn": other})) == (
            nf, f"Requested resource not found: ResourceArn: {other} not found")


def test_table_name_as_an_arn(gureum, ddb, ack_table):
    arn = ack_table
    # AWS (probed 2026-10, DDB-TABLE-011): the table's own ARN works wherever TableName goes, and
    # answers carry the bare name
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == "conf-hash"
    for op in ("DescribeTimeToLive", "DescribeContinuousBackups", "DescribeContributorInsights",
               "DescribeKinesisStreamingDestination"):
        assert call(gureum, op, {"TableName": arn})[0] == 200, op
    ddb.put_item(TableName=arn, Item={"pk": {"S": "a"}})
    # another region's ARN is invalid, for the table operations and the backup family alike
    west = arn.replace(":us-east-1:", ":us-west-2:")
    for op in ("DescribeTable", "DescribeTimeToLive", "DescribeContinuousBackups", "DescribeContributorInsights"):
        assert error(call(gureum, op, {"TableName": west})) == (
            "ValidationException", f"1 validation error detected: Invalid AWS region in '{west}'"), op
    # another account's: "Access is denied"
    foreign = arn.replace(":000000000000:", ":111122223333:")
    assert error(call(gureum, "DescribeTable", {"TableName": foreign})) == ("AccessDeniedException", "Access is denied")
    # an index or stream ARN is a ValidationException (its text is not recorded; gureum's is not asserted)
    for other in (arn + "/index/gsi1", arn + "/stream/2026-10-08T00:00:00.000"):
        assert error(call(gureum, "DescribeTable", {"TableName": other}))[0] == "ValidationException"
    # a TableId is no name
    tid = ddb.describe_table(TableName=arn)["Table"]["TableId"]
    assert error(call(gureum, "DescribeTable", {"TableName": tid})) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {tid} not found")


def test_sub_resource_not_found_texts(gureum):
    m = "ack-missing"
    rnf = ("ResourceNotFoundException", f"Requested resource not found: Table: {m} not found")
    tnf = ("TableNotFoundException", f"Table not found: {m}")
    # AWS (probed 2026-10, DDB-TABLE-098, -070, -118)
    for op, extra, want in (
            ("UpdateTimeToLive", {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": "x"}}, rnf),
            ("DescribeTimeToLive", {}, rnf),
            ("DescribeContributorInsights", {}, rnf),
            ("UpdateContributorInsights", {"ContributorInsightsAction": "ENABLE"}, rnf),
            ("ListContributorInsights", {}, rnf),
            ("DescribeKinesisStreamingDestination", {}, rnf),
            ("DescribeContinuousBackups", {}, tnf),
            ("UpdateContinuousBackups", {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}, tnf),
            ("CreateBackup", {"BackupName": "bkp"}, tnf),
            ("DescribeTableReplicaAutoScaling", {},
             ("ResourceNotFoundException", f"Global table with name: '{m}' does not exist."))):
        assert error(call(gureum, op, dict(extra, TableName=m))) == want, op
    assert error(call(gureum, "RestoreTableToPointInTime", {"SourceTableName": m, "TargetTableName": "ack-tgt",
                                                            "UseLatestRestorableTime": True})) == tnf
    status, body = call(gureum, "ListBackups", {"TableName": m})
    assert (status, body.get("BackupSummaries")) == (200, [])


def test_update_table_empty_warm_throughput(gureum, ddb, ack_table):
    # AWS (probed 2026-10, DDB-TABLE-456, -448): WarmThroughput {} alone is HTTP 500 InternalFailure with
    # an empty message; with another member it is dropped, not refused as a second change
    status, body = call(gureum, "UpdateTable", {"TableName": "conf-hash", "WarmThroughput": {}})
    assert status == 500 and body["__type"].split("#")[-1] == "InternalFailure", body
    assert body.get("message", body.get("Message", "")) == ""
    status, body = call(gureum, "UpdateTable", {"TableName": "conf-hash", "WarmThroughput": {},
                                                "DeletionProtectionEnabled": False})
    assert status == 200, body
    # ... so the provisioned-throughput rule speaks first on an on-demand table
    assert error(call(gureum, "UpdateTable", {"TableName": "conf-hash", "WarmThroughput": {},
                                              "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                        "WriteCapacityUnits": 1}})) == (
        "ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
    # AWS (DDB-TABLE-449): the 'at least one' list as DynamoDB words it today
    assert error(call(gureum, "UpdateTable", {"TableName": "conf-hash"})) == (
        "ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
        "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, "
        "WarmThroughput or TableClass is required")


def test_sub_resource_texts(gureum, ddb, hash_table):
    t = hash_table
    # AWS (probed 2026-10, DDB-TABLE-446, -457): Contributor Insights on an index the table lacks, and an
    # IndexName no index can have
    for op, extra in (("DescribeContributorInsights", {}), ("UpdateContributorInsights",
                                                            {"ContributorInsightsAction": "ENABLE"})):
        assert error(call(gureum, op, dict(extra, TableName=t, IndexName="ghost"))) == (
            "ResourceNotFoundException", f"Requested resource not found: Index: ghost not found for table: {t}")
        assert error(call(gureum, op, dict(extra, TableName=t, IndexName=""))) == (
            "ValidationException", "IndexName must be at least 3 characters long and at most 255 characters long")
    # AWS (DDB-TABLE-442's catalogue): the rest of the synchronous texts of the sub-resources
    assert error(call(gureum, "UpdateContinuousBackups", {"TableName": t, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": False, "RecoveryPeriodInDays": 7}})) == (
        "ValidationException", "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time "
        "recovery.")
    assert error(call(gureum, "ListBackups", {"TimeRangeLowerBound": 1800000000, "TimeRangeUpperBound": 1700000000})) == (
        "ValidationException", "One or more parameter values were invalid: Time range lower bound must be less than or "
        "equal to upper bound")
    assert error(call(gureum, "UpdateTable", {"TableName": t, "SSESpecification": {}})) == (
        "ValidationException", "One or more parameter values were invalid: Table is already encrypted by default")
    ddb.update_time_to_live(TableName=t, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    try:
        assert error(call(gureum, "UpdateTimeToLive", {"TableName": t, "TimeToLiveSpecification": {
            "Enabled": True, "AttributeName": "other"}})) == (
            "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is ttl")
    finally:
        ddb.update_time_to_live(TableName=t, TimeToLiveSpecification={"Enabled": False, "AttributeName": "ttl"})
    # RestoreTableToPointInTime: a SourceTableArn that is no ARN, and another account's
    assert error(call(gureum, "RestoreTableToPointInTime", {"SourceTableArn": t, "TargetTableName": "ack-tgt",
                                                            "UseLatestRestorableTime": True})) == (
        "ValidationException", f"One or more parameter values were invalid: ARNs must start with 'arn:': {t}")
    foreign = f"arn:aws:dynamodb:us-east-1:111122223333:table/{t}"
    assert error(call(gureum, "RestoreTableToPointInTime", {"SourceTableArn": foreign, "TargetTableName": "ack-tgt",
                                                            "UseLatestRestorableTime": True})) == (
        "ValidationException", "This action is only supported by accounts that match the resource owner\u2019s account.")


def test_resource_policy_arn_shapes(gureum, ack_table):
    arn, t = ack_table, "conf-hash"
    # AWS (probed 2026-10, DDB-TABLE-011, -446 and DDB-TABLE-442's catalogue)
    west = arn.replace(":us-east-1:", ":us-west-2:")
    for res, want in (
            (t, ("ValidationException", f"One or more parameter values were invalid: ARNs must start with 'arn:': {t}")),
            (west, ("ValidationException", f"One or more parameter values were invalid: Invalid resource Arn: {west}")),
            (arn + "/index/gsi1", ("ValidationException", "One or more parameter values were invalid: Invalid resource "
                                   f"arn provided, only table or stream is accepted. Provided resource arn: {arn}/index/gsi1")),
            (arn + "/stream/2026-10-08T00:00:00.000", ("ResourceNotFoundException", "Requested resource not found: "
                                                       f"Stream: 2026-10-08T00:00:00.000 not found for Table: {t}"))):
        assert error(call(gureum, "GetResourcePolicy", {"ResourceArn": res})) == want, res


def test_contributor_insights_settled_state_and_ghost_index_warm_throughput(gureum, ddb, hash_table):
    t = hash_table
    # AWS (probed 2026-10, DDB-TABLE-091): DISABLE of a table never configured is a no-op answering
    # DISABLED; (DDB-TABLE-095) a DISABLED table is not listed
    up = ddb.update_contributor_insights(TableName=t, ContributorInsightsAction="DISABLE")
    assert up["ContributorInsightsStatus"] == "DISABLED"
    assert ddb.list_contributor_insights(TableName=t)["ContributorInsightsSummaries"] == []
    # AWS (probed 2026-10, DDB-TABLE-161, -456): a WarmThroughput update of an index the table lacks is
    # HTTP 500 InternalFailure with an empty message
    status, body = call(gureum, "UpdateTable", {"TableName": t, "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "ghost", "WarmThroughput": {"ReadUnitsPerSecond": 13000}}}]})
    assert status == 500 and body["__type"].split("#")[-1] == "InternalFailure", body


def test_job_and_backup_arn_shapes(gureum, ack_table):
    arn = ack_table
    # AWS (probed 2026-10, DDB-IMPORT-010; "Invalid Export ARN" from DDB-TABLE-442's catalogue): a table ARN
    # to DescribeImport/DescribeExport is invalid input; a well-formed one that names nothing is not found
    assert error(call(gureum, "DescribeImport", {"ImportArn": arn})) == ("ValidationException", "Invalid Import ARN")
    assert error(call(gureum, "DescribeExport", {"ExportArn": arn})) == ("ValidationException", "Invalid Export ARN")
    imp = arn + "/import/01700000000000-abcdef12"
    assert error(call(gureum, "DescribeImport", {"ImportArn": imp}))[0] == "ImportNotFoundException"
    assert error(call(gureum, "DescribeImport", {"ImportArn": imp.replace(":us-east-1:", ":us-west-2:")}))[0] == \
        "ImportNotFoundException"
    # (DDB-TABLE-442's catalogue) ListBackups starting after another region's backup
    west = arn.replace(":us-east-1:", ":us-west-2:") + "/backup/01700000000000-abcdef12"
    assert error(call(gureum, "ListBackups", {"ExclusiveStartBackupArn": west})) == (
        "ValidationException", "Invalid Request: The supplied ExclusiveStartBackupArn does not match the region")


def test_replica_auto_scaling_of_a_regional_table(gureum, hash_table):
    # AWS (probed 2026-10, DDB-TABLE-446): a table without replicas is no global table
    assert error(call(gureum, "DescribeTableReplicaAutoScaling", {"TableName": hash_table})) == (
        "ResourceNotFoundException", f"Global table with name: '{hash_table}' does not exist.")
