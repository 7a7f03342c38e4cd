"""test_dynamodb_items.py — DynamoDB item operations, Query, Scan and batches held to AWS's
answers where they are easy to get wrong: the order of AWS's checks (what is refused before a
table is looked up), SerializationException texts for lists, maps and structures, the shape of
ConsumedCapacity, ExclusiveStartKey rules, key attributes in projections, filters and updates,
and list appends in UpdateItem. Sources: DynamoDB's API reference, dynalite's suite (written
against DynamoDB) and other emulators' records of DynamoDB's answers; boto3 and signed raw
requests (for bodies boto3 would refuse to send).
"""
import json
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

PVI = "One or more parameter values were invalid: "
MISSING = "no-such-table"


@pytest.fixture(scope="module")
def ddb(gureum):
    c = gureum.client("dynamodb")
    key = lambda n, t: {"AttributeName": n, "AttributeType": t}  # noqa: E731
    c.create_table(TableName="it-hash", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[key("pk", "S")],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    c.create_table(TableName="it-range", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[key("pk", "S"), key("sk", "S"), key("g", "S")],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                   GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    return c


def err(exc):
    e = exc.value.response["Error"]
    return e["Code"], e["Message"]


def refused(call, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    return err(e)


def raw(gureum, op, body):
    """A signed DynamoDB request with any JSON body: (status, decoded answer)."""
    data = json.dumps(body)
    req = botocore.awsrequest.AWSRequest(method="POST", url=gureum.endpoint + "/", data=data, headers={
        "X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "dynamodb", "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=data.encode(), headers=dict(req.headers), method="POST")
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


NS = "com.amazonaws.dynamodb.v20120810."
CAST = ("class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class "
        "(sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base "
        "of loader 'bootstrap')")


@pytest.mark.parametrize("op,body,msg", [
    ("PutItem", {"Item": []}, "Unrecognized collection type java.util.Map<java.lang.String, " + NS + "AttributeValue>"),
    ("PutItem", {"Item": {"a": []}}, "Unrecognized collection type class " + NS + "AttributeValue"),
    ("PutItem", {"Item": {"a": 23}}, "Unexpected value type in payload"),
    ("PutItem", {"Expected": {"a": True}}, "Unexpected value type in payload"),
    ("PutItem", {"Expected": {"a": {"Value": 23}}}, "Unexpected field type"),
    ("PutItem", {"ExpressionAttributeNames": []},
     "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"),
    ("PutItem", {"Item": {"a": {"B": "+/+="}}}, "Invalid last non-pad Base64 character dectected"),
    ("PutItem", {"Item": {"a": {"B": "23456"}}}, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"),
    ("PutItem", {"Item": {"a": {"BOOL": "23"}}}, "Unexpected token received from parser"),
    ("BatchWriteItem", {"RequestItems": []}, "Unrecognized collection type java.util.Map<java.lang.String, "
                                             "java.util.List<" + NS + "WriteRequest>>"),
    ("BatchWriteItem", {"RequestItems": {"t": "x"}}, CAST),
    ("BatchWriteItem", {"RequestItems": {"t": [{"PutRequest": []}]}},
     "Unrecognized collection type class " + NS + "PutRequest"),
    ("BatchGetItem", {"RequestItems": {"t": {"Keys": [23]}}}, CAST),
    ("Query", {"KeyConditions": {"a": 23}}, "Unexpected value type in payload"),
])
def test_serialization_texts(gureum, op, body, msg):
    """A member of the wrong JSON type is named by the Java class Coral wanted, and a scalar is
    worded by where it stands (a list or map element, or a structure's field)."""
    status, got = raw(gureum, op, dict({"TableName": "abc"}, **body))
    assert (status, got) == (400, {"__type": "com.amazon.coral.service#SerializationException", "Message": msg})


def test_boolean_strings_read_as_booleans(gureum, ddb):
    status, _ = raw(gureum, "PutItem", {"TableName": "it-hash", "Item": {"pk": {"S": "bool"}, "b": {"BOOL": "yes"}}})
    assert status == 200
    assert ddb.get_item(TableName="it-hash", Key={"pk": {"S": "bool"}})["Item"]["b"] == {"BOOL": True}
    status, got = raw(gureum, "PutItem", {"TableName": "it-hash", "Item": {"pk": {"S": "n"}, "n": {"NULL": "no"}}})
    assert (status, got["message"]) == (400, PVI + "Null attribute value types must have the value of true")


def test_checks_before_the_table_is_looked_up(ddb):
    """AWS refuses a malformed request whether or not its table exists."""
    v = "ValidationException"
    assert refused(ddb.put_item, TableName=MISSING, Item={"a": {"N": "x"}}) == (
        v, "The parameter cannot be converted to a numeric value: x")
    assert refused(ddb.put_item, TableName=MISSING, Item={"a": {"S": "a" * (400 * 1024)}}) == (
        v, "Item size has exceeded the maximum allowed size")
    assert refused(ddb.get_item, TableName=MISSING, Key={"a": {"SS": []}}) == (
        v, PVI + "An string set  may not be empty")
    assert refused(ddb.delete_item, TableName=MISSING, Key={"a": {"S": "x"}}, ConditionExpression="a = :b",
                   ExpressionAttributeValues={":a": {"S": "x"}}) == (
        v, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
           "attribute value: :b")
    assert refused(ddb.query, TableName=MISSING, KeyConditionExpression="a = :a OR b = :a",
                   ExpressionAttributeValues={":a": {"S": "x"}}) == (
        v, "Invalid operator used in KeyConditionExpression: OR")
    # Since multi-attribute GSI keys (up to 4 + 4 attributes), only more
    # than eight conditions can be refused before the index is known.
    nine = " and ".join(f"a{i} = :a" for i in range(9))
    assert refused(ddb.query, TableName=MISSING, KeyConditionExpression=nine,
                   ExpressionAttributeValues={":a": {"S": "x"}}) == (v, "Conditions can be of length 1 or 2 only")
    assert refused(ddb.scan, TableName=MISSING, FilterExpression="") == (
        v, "Invalid FilterExpression: The expression can not be empty;")
    assert refused(ddb.batch_write_item, RequestItems={MISSING: [{"PutRequest": {"Item": {"a": {"NS": []}}}}]}) == (
        v, PVI + "An number set  may not be empty")
    assert refused(ddb.batch_get_item, RequestItems={MISSING: {"Keys": [{"a": {"S": "x"}}, {"a": {"S": "x"}}]}}) == (
        v, "Provided list of item keys contains duplicates")


def test_expression_parameter_rules(ddb):
    v = "ValidationException"
    assert refused(ddb.query, TableName=MISSING, FilterExpression="x = :x", AttributesToGet=["x"],
                   QueryFilter={"x": {"ComparisonOperator": "NULL"}}) == (
        v, "Can not use both expression and non-expression parameters in the same request: Non-expression "
           "parameters: {AttributesToGet, QueryFilter} Expression parameters: {FilterExpression}")
    assert refused(ddb.update_item, TableName=MISSING, Key={"a": {"S": "x"}},
                   ExpressionAttributeValues={":a": {"S": "x"}}) == (
        v, "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and "
           "ConditionExpression are null")
    assert refused(ddb.scan, TableName=MISSING, ExpressionAttributeValues={":a": {"S": "x"}}) == (
        v, "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null")
    assert refused(ddb.get_item, TableName=MISSING, Key={"a": {"S": "x"}}, ProjectionExpression="#a",
                   ExpressionAttributeNames={"a": "a"}) == (
        v, 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"')


def test_consumed_capacity_shapes(ddb):
    """Single-item operations, Query, Scan and batches report CapacityUnits alone; transactions
    split Read/WriteCapacityUnits."""
    item = {"pk": {"S": "cap"}, "sk": {"S": "1"}, "g": {"S": "x"}}
    cc = ddb.put_item(TableName="it-range", Item=item, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert cc == {"TableName": "it-range", "CapacityUnits": 2.0}  # the table and its index
    cc = ddb.get_item(TableName="it-range", Key={"pk": item["pk"], "sk": item["sk"]},
                      ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc == {"TableName": "it-range", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.5}}
    cc = ddb.query(TableName="it-range", IndexName="by-g", KeyConditionExpression="g = :g",
                   ExpressionAttributeValues={":g": {"S": "x"}}, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc == {"TableName": "it-range", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
                  "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 0.5}}}
    cc = ddb.batch_get_item(RequestItems={"it-range": {"Keys": [{"pk": item["pk"], "sk": item["sk"]},
                                                                 {"pk": item["pk"], "sk": {"S": "2"}}]}},
                            ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert cc == [{"TableName": "it-range", "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}]
    cc = ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "it-hash", "Item": {"pk": {"S": "tx"}}}}],
                                  ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert cc == [{"TableName": "it-hash", "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}]


def test_query_start_key_rules(ddb):
    q = dict(TableName="it-range", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "b"}})
    v = "ValidationException"
    assert refused(ddb.query, ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": "a"}}, **q) == (
        v, "The provided starting key is outside query boundaries based on provided conditions")
    q2 = dict(q, KeyConditionExpression="pk = :p and sk > :p")
    assert refused(ddb.query, ExclusiveStartKey={"pk": {"S": "b"}, "sk": {"S": "a"}}, **q2) == (
        v, "The provided starting key does not match the range key predicate")
    assert refused(ddb.query, ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"S": "c"}}, **q2) == (
        v, "The query can return at most one row and cannot be restarted")
    # the hash key's condition is checked before the range key's start value
    assert refused(ddb.query, TableName="it-range", KeyConditionExpression="z = :p",
                   ExpressionAttributeValues={":p": {"S": "b"}},
                   ExclusiveStartKey={"pk": {"S": "a"}, "sk": {"N": "1"}}) == (
        v, "Query condition missed key schema element: pk")
    assert refused(ddb.query, TableName="it-hash", KeyConditionExpression=":a > pk",
                   ExpressionAttributeValues={":a": {"N": "1"}}) == (
        v, PVI + "Condition parameter type does not match schema type")
    assert refused(ddb.query, FilterExpression="sk = :p", **q) == (
        v, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk")


def test_scan_start_key_from_another_segment(ddb):
    for i in range(8):
        ddb.put_item(TableName="it-hash", Item={"pk": {"S": "seg%d" % i}})
    page = ddb.scan(TableName="it-hash", Segment=1, TotalSegments=2)
    assert page["Count"] > 0
    assert refused(ddb.scan, TableName="it-hash", Segment=0, TotalSegments=2,
                   ExclusiveStartKey={"pk": page["Items"][0]["pk"]}) == (
        "ValidationException", "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
                               "ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 0")


def test_scan_segments_are_aws_hash_buckets(ddb):
    """An item's Scan segment is its share of 4096 buckets of MD5("Outliers" + key bytes), as on
    DynamoDB: the same keys land in the same segments (dynalite's suite asserts these against it)."""
    ddb.create_table(TableName="it-num", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "n", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "n", "KeyType": "HASH"}])
    for k in ["3635", "228", "1668", "3435"]:
        ddb.put_item(TableName="it-hash", Item={"pk": {"S": k}})
    for k in ["251", "2388"]:
        ddb.put_item(TableName="it-num", Item={"n": {"N": k}})

    def seg(table, n):
        return ddb.scan(TableName=table, Segment=n, TotalSegments=4096)["Items"]
    assert {"pk": {"S": "3635"}} in seg("it-hash", 0) and {"pk": {"S": "228"}} in seg("it-hash", 0)
    assert {"pk": {"S": "1668"}} in seg("it-hash", 1)
    assert {"pk": {"S": "3435"}} in seg("it-hash", 4)
    assert {"n": {"N": "251"}} in seg("it-num", 1)
    assert {"n": {"N": "2388"}} in seg("it-num", 4095)


def test_key_attributes_are_scalars(ddb):
    msg = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
    assert refused(ddb.get_item, TableName="it-hash", Key={"pk": {"S": "x"}}, ProjectionExpression="pk.a") == (
        "ValidationException", msg + "Key: pk")
    assert refused(ddb.update_item, TableName="it-range", Key={"pk": {"S": "x"}, "sk": {"S": "y"}},
                   UpdateExpression="set e = g[1]") == ("ValidationException", msg + "IndexKey: g")


def test_update_item_index_keys_and_lists(ddb):
    key = {"pk": {"S": "upd"}, "sk": {"S": "1"}}
    assert refused(ddb.update_item, TableName="it-range", Key=key, UpdateExpression="set g = :n",
                   ExpressionAttributeValues={":n": {"N": "1"}}) == (
        "ValidationException", PVI + "Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g")
    ddb.update_item(TableName="it-range", Key=key, UpdateExpression="set n = :n, l = :l",
                    ExpressionAttributeValues={":n": {"N": "1"}, ":l": {"L": [{"N": "1"}, {"N": "3"}]}})
    assert refused(ddb.update_item, TableName="it-range", Key=key, UpdateExpression="set g = n") == (
        "ValidationException", "The update expression attempted to update the secondary index key to unsupported type")
    # elements set past the end of a list are appended in index order
    ddb.update_item(TableName="it-range", Key=key, UpdateExpression="set l[4] = :a, l[2] = :b",
                    ExpressionAttributeValues={":a": {"S": "four"}, ":b": {"S": "two"}})
    item = ddb.get_item(TableName="it-range", Key=key)["Item"]
    assert item["l"] == {"L": [{"N": "1"}, {"N": "3"}, {"S": "two"}, {"S": "four"}]}
    assert refused(ddb.update_item, TableName="it-range", Key=key, UpdateExpression="delete n.x :s",
                   ExpressionAttributeValues={":s": {"SS": ["a"]}}) == (
        "ValidationException", "The document path provided in the update expression is invalid for update")


def test_batch_write_key_wording(ddb):
    assert refused(ddb.batch_write_item, RequestItems={"it-range": [{"PutRequest": {"Item": {"pk": {"S": "x"}}}}]}) == (
        "ValidationException", "The provided key element does not match the schema")
    assert refused(ddb.put_item, TableName="it-range", Item={"pk": {"S": "x"}}) == (
        "ValidationException", PVI + "Missing the key sk in the item")


def test_map_keys_and_values_are_constraints_of_the_map(gureum):
    """Coral checks a map's keys, and its values' own length, as constraints of the map: one
    message at the map's path listing every constraint of the key or value shape; what is inside
    a value is checked at its own path (dynalite's suite, recorded against DynamoDB)."""
    keys = ("Map keys must satisfy constraint: [Member must have length less than or equal to 255, "
            "Member must have length greater than or equal to 3, "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")
    status, got = raw(gureum, "BatchWriteItem", {"RequestItems": {"a": []}})
    assert status == 400 and got["__type"] == "com.amazon.coral.validate#ValidationException"
    assert got["message"] == (
        "2 validation errors detected: Value '{a=[]}' at 'requestItems' failed to satisfy constraint: " + keys +
        "; Value '{a=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
    status, got = raw(gureum, "BatchGetItem", {"RequestItems": {"a;": {"Keys": []}}})
    assert status == 400
    assert got["message"] == (
        "2 validation errors detected: Value '{a;=KeysAndAttributes(keys=[], attributesToGet=null, "
        "consistentRead=null, projectionExpression=null, expressionAttributeNames=null)}' at 'requestItems' "
        "failed to satisfy constraint: " + keys + "; Value '[]' at 'requestItems.a;.member.keys' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1")


def test_transaction_cancelled_by_a_mistyped_key(ddb):
    """A key attribute of the wrong type cancels a transaction with a ValidationError reason; the
    other actions' reasons are None and nothing is written."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "it-hash", "Item": {"pk": {"S": "tx-ok"}}}},
            {"Put": {"TableName": "it-hash", "Item": {"pk": {"N": "1"}}}},
            {"Delete": {"TableName": "it-hash", "Key": {"pk": {"B": b"x"}}}}])
    r = e.value.response
    assert r["Error"]["Code"] == "TransactionCanceledException"
    assert r["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                                     "[None, ValidationError, ValidationError]")
    assert r["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": PVI + "Type mismatch for key pk expected: S actual: N"},
        {"Code": "ValidationError", "Message": "The provided key element does not match the schema"}]
    assert "Item" not in ddb.get_item(TableName="it-hash", Key={"pk": {"S": "tx-ok"}})
    # an empty key value is refused before the transaction runs
    assert refused(ddb.transact_write_items,
                   TransactItems=[{"Put": {"TableName": "it-hash", "Item": {"pk": {"S": ""}}}}]) == (
        "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute "
                               "cannot contain an empty string value. Key: pk")


# ==== Found by moto's DynamoDB tests (tests/README.md "moto's DynamoDB tests") ====

def test_batch_get_stops_at_16_mb(ddb):
    """AWS: BatchGetItem answers at most 16 MB of items and names the rest in
    UnprocessedKeys, with the table's read parameters, so the answer can be sent
    back as it is (BatchGetItem API reference; moto's 300 KB items: 55 fit)."""
    big = "x" * 300000
    for i in range(57):
        ddb.put_item(TableName="it-hash", Item={"pk": {"S": "big%02d" % i}, "v": {"S": big}})
    keys = [{"pk": {"S": "big%02d" % i}} for i in range(57)]
    r = ddb.batch_get_item(RequestItems={"it-hash": {"Keys": keys, "ConsistentRead": True}})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = sorted(i["pk"]["S"] for i in r["Responses"]["it-hash"])
    left = r["UnprocessedKeys"]["it-hash"]
    assert len(got) == 55 and left["ConsistentRead"] is True
    assert sorted(got + [k["pk"]["S"] for k in left["Keys"]]) == ["big%02d" % i for i in range(57)]
    again = ddb.batch_get_item(RequestItems=r["UnprocessedKeys"])
    assert len(again["Responses"]["it-hash"]) == 2 and again["UnprocessedKeys"] == {}
    ddb.batch_write_item(RequestItems={"it-hash": [{"DeleteRequest": {"Key": k}} for k in keys[:25]]})
    ddb.batch_write_item(RequestItems={"it-hash": [{"DeleteRequest": {"Key": k}} for k in keys[25:50]]})
    ddb.batch_write_item(RequestItems={"it-hash": [{"DeleteRequest": {"Key": k}} for k in keys[50:]]})


def test_query_refuses_an_empty_key_value(ddb):
    """AWS: a key condition on an empty string key value is refused, not
    answered with nothing (moto's test_query_empty_key_exception)."""
    empty = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain " \
            "an empty string value. Key: %s"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.query(TableName="it-range", KeyConditionExpression="pk = :v", ExpressionAttributeValues={":v": {"S": ""}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err(e) == ("ValidationException", empty % "pk")
    assert refused(ddb.query, TableName="it-range", KeyConditionExpression="pk = :p AND sk = :v",
                   ExpressionAttributeValues={":p": {"S": "a"}, ":v": {"S": ""}}) == ("ValidationException", empty % "sk")


def test_index_keys_have_the_key_size_limits(gureum):
    """AWS: a value for an index key has the table's key size limits: 2048
    bytes for a partition key, 1024 for a sort key, with the same messages."""
    c = gureum.client("dynamodb")
    key = lambda n: {"AttributeName": n, "AttributeType": "S"}  # noqa: E731
    c.create_table(TableName="it-gsi-size", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[key("pk"), key("g"), key("r")],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                          {"AttributeName": "r", "KeyType": "RANGE"}]}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.put_item(TableName="it-gsi-size", Item={"pk": {"S": "a"}, "g": {"S": "g"}, "r": {"S": "y" * 1025}})
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err(e) == ("ValidationException",
                      PVI + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
    assert refused(c.put_item, TableName="it-gsi-size", Item={"pk": {"S": "a"}, "g": {"S": "g" * 2049}}) == \
        ("ValidationException", PVI + "Size of hashkey has exceeded the maximum size limit of2048 bytes")
    c.put_item(TableName="it-gsi-size", Item={"pk": {"S": "a"}, "g": {"S": "g" * 2048}, "r": {"S": "y" * 1024}})


def test_partiql_writes_answer_empty_items(ddb):
    """AWS: ExecuteStatement answers {"Items": []} to an INSERT, UPDATE or
    DELETE (moto's AWS-verified test_insert_data)."""
    for stmt in ("INSERT INTO \"it-hash\" VALUE {'pk': 'pq1', 'n': 1}",
                 "UPDATE \"it-hash\" SET n = 2 WHERE pk = 'pq1'",
                 "DELETE FROM \"it-hash\" WHERE pk = 'pq1'"):
        r = ddb.execute_statement(Statement=stmt)
        assert r["Items"] == [], stmt


def test_partiql_return_values_on_condition_check_failure(ddb):
    """AWS (2023): ReturnValuesOnConditionCheckFailure ALL_OLD on
    ExecuteStatement, BatchExecuteStatement's statements and
    ExecuteTransaction's puts the stored item in the failure."""
    if "ReturnValuesOnConditionCheckFailure" not in \
            ddb.meta.service_model.operation_model("ExecuteStatement").input_shape.members:
        pytest.skip("this botocore has no ReturnValuesOnConditionCheckFailure for PartiQL")
    ddb.put_item(TableName="it-hash", Item={"pk": {"S": "rv1"}, "n": {"N": "1"}})
    stored = {"pk": {"S": "rv1"}, "n": {"N": "1"}}
    stmt = "UPDATE \"it-hash\" SET n = 5 WHERE pk = 'rv1' AND n = 9"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.execute_statement(Statement=stmt, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert e.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert e.value.response["Item"] == stored
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.execute_statement(Statement=stmt)
    assert "Item" not in e.value.response
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": stmt, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}, {"Statement": stmt}])["Responses"]
    assert r[0]["Error"]["Code"] == "ConditionalCheckFailed" and r[0]["Error"]["Item"] == stored
    assert "Item" not in r[1]["Error"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": "DELETE FROM \"it-hash\" WHERE pk = 'rv1' AND n = 9",
             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}])
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed" and reasons[0]["Item"] == stored
    assert ddb.get_item(TableName="it-hash", Key={"pk": {"S": "rv1"}})["Item"] == stored


def test_size_of_a_string_counts_utf16_units(ddb):
    # dynalite's scan "should calculate size function correctly" (recorded against DynamoDB):
    # size("abÿ") is 3, not its 4 UTF-8 bytes; a character beyond the BMP is a surrogate pair
    # (ExtendDB issue #60: size("é𝄞") = 3 against DynamoDB). Binary stays its byte length.
    for pk, v in (("sz-s", {"S": "abÿ"}), ("sz-astral", {"S": "é𝄞"}), ("sz-b", {"B": b"ab\xc3\xbf"})):
        ddb.put_item(TableName="it-hash", Item={"pk": {"S": pk}, "v": v})
    for pk, n in (("sz-s", "3"), ("sz-astral", "3"), ("sz-b", "4")):
        ddb.update_item(TableName="it-hash", Key={"pk": {"S": pk}}, UpdateExpression="SET t = :t",
                        ConditionExpression="size(v) = :n", ExpressionAttributeValues={":n": {"N": n}, ":t": {"N": "1"}})
    got = ddb.scan(TableName="it-hash", FilterExpression="begins_with(pk, :p) AND size(v) = :n",
                   ExpressionAttributeValues={":p": {"S": "sz-"}, ":n": {"N": "3"}})["Items"]
    assert sorted(i["pk"]["S"] for i in got) == ["sz-astral", "sz-s"]
