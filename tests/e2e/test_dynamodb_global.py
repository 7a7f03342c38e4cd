"""test_dynamodb_global.py — DynamoDB global tables against one server, with clients of
two or three regions: version 2019.11.21 replicas made by UpdateTable's ReplicaUpdates (the
table's items copied, DescribeTable's Replicas in every region, a deleted replica leaving the
others), writes in any region applied to the others (PutItem, UpdateItem, DeleteItem,
BatchWriteItem, TransactWriteItems, PartiQL) and shown in each replica's own stream; version
2017.11.29's CreateGlobalTable / UpdateGlobalTable / Describe / List / settings with their
refusals and the aws:rep:* attributes it adds; replica auto scaling settings.
"""
import botocore.exceptions
import pytest

ACCOUNT = "000000000000"
R1, R2, R3 = "us-east-1", "eu-west-1", "ap-south-1"


@pytest.fixture(scope="module")
def ddb(gureum):
    return {r: gureum.client("dynamodb", region_name=r) for r in (R1, R2, R3)}


def make_table(client, name, stream=None, sk=False, gsi=False, billing="PAY_PER_REQUEST"):
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    kw = {}
    if sk:
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
    if gsi:
        attrs.append({"AttributeName": "g", "AttributeType": "S"})
        kw["GlobalSecondaryIndexes"] = [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                         "Projection": {"ProjectionType": "ALL"}}]
        if billing == "PROVISIONED":
            kw["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] = {"ReadCapacityUnits": 3,
                                                                         "WriteCapacityUnits": 4}
    if stream:
        kw["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    if billing == "PROVISIONED":
        kw["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6}
    client.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=keys, BillingMode=billing, **kw)


def error(exc):
    e = exc.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def get(client, table, pk):
    return client.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def stream_records(gureum, region, table):
    ddb = gureum.client("dynamodb", region_name=region)
    streams = gureum.client("dynamodbstreams", region_name=region)
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert f":{region}:" in arn
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            r = streams.get_records(ShardIterator=it)
            out += r["Records"]
            if not r["Records"]:
                break
            it = r.get("NextShardIterator")
    return out


# ==== version 2019.11.21 ====

@pytest.fixture(scope="module")
def music(ddb):
    """A table in R1 with a GSI and two items, replicated to R2 and R3."""
    make_table(ddb[R1], "music", gsi=True)
    ddb[R1].put_item(TableName="music", Item={"pk": {"S": "a"}, "g": {"S": "x"}, "n": {"N": "1"}})
    ddb[R1].put_item(TableName="music", Item={"pk": {"S": "b"}, "g": {"S": "y"}})
    r = ddb[R1].update_table(TableName="music", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    d = r["TableDescription"]
    assert d["TableStatus"] == "UPDATING"
    assert d["GlobalTableVersion"] == "2019.11.21"
    assert d["Replicas"] == [{"RegionName": R2, "ReplicaStatus": "CREATING"}]
    ddb[R1].update_table(TableName="music", ReplicaUpdates=[{"Create": {"RegionName": R3, "KMSMasterKeyId": "k3"}}])
    return "music"


def test_replica_has_schema_indexes_and_existing_items(ddb, music):
    d2 = ddb[R2].describe_table(TableName=music)["Table"]
    d1 = ddb[R1].describe_table(TableName=music)["Table"]
    assert d2["TableArn"] == f"arn:aws:dynamodb:{R2}:{ACCOUNT}:table/music"
    assert d2["KeySchema"] == d1["KeySchema"]
    assert d2["AttributeDefinitions"] == d1["AttributeDefinitions"]
    assert [x["IndexName"] for x in d2["GlobalSecondaryIndexes"]] == ["by-g"]
    assert d2["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert d2["ItemCount"] == 2
    assert get(ddb[R2], music, "a") == {"pk": {"S": "a"}, "g": {"S": "x"}, "n": {"N": "1"}}
    assert get(ddb[R3], music, "b") == {"pk": {"S": "b"}, "g": {"S": "y"}}
    # the copied index answers queries in the replica
    q = ddb[R3].query(TableName=music, IndexName="by-g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "x"}})
    assert [i["pk"]["S"] for i in q["Items"]] == ["a"]
    # AWS turns the stream on (new and old images) for a table that gets replicas
    assert d1["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert d2["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert d1["LatestStreamArn"] != d2["LatestStreamArn"]
    assert music in ddb[R2].list_tables()["TableNames"]


def test_describe_table_lists_the_other_replicas_in_every_region(ddb, music):
    for region in (R1, R2, R3):
        t = ddb[region].describe_table(TableName=music)["Table"]
        assert t["GlobalTableVersion"] == "2019.11.21"
        others = sorted({R1, R2, R3} - {region})
        assert sorted(x["RegionName"] for x in t["Replicas"]) == others
        assert all(x["ReplicaStatus"] == "ACTIVE" for x in t["Replicas"])
        r3 = [x for x in t["Replicas"] if x["RegionName"] == R3]
        if r3:
            assert r3[0]["KMSMasterKeyId"] == "k3"


def test_put_update_delete_in_each_region_reach_the_others(ddb, music):
    ddb[R2].put_item(TableName=music, Item={"pk": {"S": "p2"}, "v": {"S": "from-r2"}})
    for region in (R1, R3):
        assert get(ddb[region], music, "p2") == {"pk": {"S": "p2"}, "v": {"S": "from-r2"}}
    ddb[R3].update_item(TableName=music, Key={"pk": {"S": "p2"}}, UpdateExpression="SET c = :c",
                        ExpressionAttributeValues={":c": {"N": "7"}})
    for region in (R1, R2):
        assert get(ddb[region], music, "p2") == {"pk": {"S": "p2"}, "v": {"S": "from-r2"}, "c": {"N": "7"}}
    ddb[R1].delete_item(TableName=music, Key={"pk": {"S": "p2"}})
    for region in (R1, R2, R3):
        assert get(ddb[region], music, "p2") is None


def test_last_writer_wins(ddb, music):
    ddb[R1].put_item(TableName=music, Item={"pk": {"S": "lww"}, "v": {"N": "1"}})
    ddb[R2].put_item(TableName=music, Item={"pk": {"S": "lww"}, "v": {"N": "2"}})
    for region in (R1, R2, R3):
        assert get(ddb[region], music, "lww")["v"] == {"N": "2"}


def test_batch_transaction_and_partiql_writes_replicate(ddb, music):
    ddb[R2].batch_write_item(RequestItems={music: [
        {"PutRequest": {"Item": {"pk": {"S": "b1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b2"}, "g": {"S": "z"}}}},
    ]})
    ddb[R3].transact_write_items(TransactItems=[
        {"Put": {"TableName": music, "Item": {"pk": {"S": "t1"}, "v": {"S": "tx"}}}},
        {"Delete": {"TableName": music, "Key": {"pk": {"S": "b1"}}}},
    ])
    ddb[R1].execute_statement(Statement=f"INSERT INTO \"{music}\" VALUE {{'pk': 'q1', 'v': 'sql'}}")
    for region in (R1, R2, R3):
        c = ddb[region]
        assert get(c, music, "b1") is None
        assert get(c, music, "b2") == {"pk": {"S": "b2"}, "g": {"S": "z"}}
        assert get(c, music, "t1") == {"pk": {"S": "t1"}, "v": {"S": "tx"}}
        assert get(c, music, "q1") == {"pk": {"S": "q1"}, "v": {"S": "sql"}}
        q = c.query(TableName=music, IndexName="by-g", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "z"}})
        assert [i["pk"]["S"] for i in q["Items"]] == ["b2"]


def test_replicated_write_is_in_the_replica_stream(gureum, ddb):
    make_table(ddb[R1], "streamed", stream="NEW_AND_OLD_IMAGES")
    ddb[R1].update_table(TableName="streamed", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    ddb[R1].put_item(TableName="streamed", Item={"pk": {"S": "s"}, "v": {"N": "1"}})
    ddb[R1].put_item(TableName="streamed", Item={"pk": {"S": "s"}, "v": {"N": "2"}})
    ddb[R2].delete_item(TableName="streamed", Key={"pk": {"S": "s"}})
    for region in (R1, R2):
        recs = stream_records(gureum, region, "streamed")
        assert [x["eventName"] for x in recs] == ["INSERT", "MODIFY", "REMOVE"], region
        assert all(x["awsRegion"] == region for x in recs)
        assert recs[1]["dynamodb"]["OldImage"] == {"pk": {"S": "s"}, "v": {"N": "1"}}
        assert recs[1]["dynamodb"]["NewImage"] == {"pk": {"S": "s"}, "v": {"N": "2"}}
        assert recs[2]["dynamodb"]["Keys"] == {"pk": {"S": "s"}}


def test_replica_refusals(ddb, music):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_table(TableName=music, ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    assert error(e) == ("ValidationException",
                        "Failed to create a the new replica of table with name: 'music' because one or more replicas "
                        "already existed as tables.", 400)
    # the table's own region, created or deleted through ReplicaUpdates
    local = ("ValidationException", "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, "
             "DeleteTable, or UpdateTable as required.", 400)
    for update in ({"Create": {"RegionName": R2}}, {"Delete": {"RegionName": R2}}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb[R2].update_table(TableName=music, ReplicaUpdates=[update])
        assert error(e) == local
    # a replica keeps its stream
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R3].update_table(TableName=music, StreamSpecification={"StreamEnabled": False})
    assert error(e) == ("ValidationException", "One or more parameter values were invalid: Disabling Stream is not "
                        "allowed for a Global Table replica.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_table(TableName=music, ReplicaUpdates=[{"Delete": {"RegionName": "sa-east-1"}}])
    assert error(e) == ("ValidationException",
                        "Update global table operation failed because one or more replicas were not part of the "
                        "global table.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_table(TableName="nope", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    assert error(e) == ("ResourceNotFoundException", "Requested resource not found: Table: nope not found", 400)
    # a table of that name in the target region already
    make_table(ddb[R2], "taken")
    make_table(ddb[R1], "taken")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_table(TableName="taken", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    assert "already existed as tables" in error(e)[1]
    assert "Replicas" not in ddb[R1].describe_table(TableName="taken")["Table"]


def test_keys_only_stream_is_kept_and_replicates(gureum, ddb):
    # AWS (observed by ScyllaDB's tests): a KEYS_ONLY stream stays KEYS_ONLY
    make_table(ddb[R1], "keysonly", stream="KEYS_ONLY")
    ddb[R1].update_table(TableName="keysonly", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    for region in (R1, R2):
        assert ddb[region].describe_table(TableName="keysonly")["Table"]["StreamSpecification"] == {
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    ddb[R1].put_item(TableName="keysonly", Item={"pk": {"S": "k"}, "v": {"S": "x"}})
    assert get(ddb[R2], "keysonly", "k") == {"pk": {"S": "k"}, "v": {"S": "x"}}
    recs = stream_records(gureum, R2, "keysonly")
    assert [(x["eventName"], x["dynamodb"]["Keys"]) for x in recs] == [("INSERT", {"pk": {"S": "k"}})]
    assert "NewImage" not in recs[0]["dynamodb"]


def test_update_table_on_a_replica_reaches_the_others(ddb):
    make_table(ddb[R1], "evolving")
    ddb[R1].put_item(TableName="evolving", Item={"pk": {"S": "a"}, "h": {"S": "x"}})
    ddb[R1].update_table(TableName="evolving", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    ddb[R2].update_table(TableName="evolving", AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "by-h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    for region in (R1, R2):
        q = ddb[region].query(TableName="evolving", IndexName="by-h", KeyConditionExpression="h = :h",
                              ExpressionAttributeValues={":h": {"S": "x"}})
        assert q["Items"] == [{"pk": {"S": "a"}, "h": {"S": "x"}}], region
    ddb[R1].update_table(TableName="evolving", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-h"}}])
    assert "GlobalSecondaryIndexes" not in ddb[R2].describe_table(TableName="evolving")["Table"]


def test_ttl_setting_reaches_the_other_replicas(ddb):
    # AWS: version 2019.11.21 replicas are kept aligned for TTL settings
    make_table(ddb[R1], "ttl-aligned")
    ddb[R1].update_table(TableName="ttl-aligned", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    ddb[R2].update_time_to_live(TableName="ttl-aligned", TimeToLiveSpecification={"Enabled": True,
                                                                                  "AttributeName": "exp"})
    assert ddb[R1].describe_time_to_live(TableName="ttl-aligned")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}


def test_ttl_deletes_replicate(gureum, ddb):
    import time
    # a 2017.11.29 global table: TTL is each replica's own, so here only in R1, and R2 loses
    # the expired item only by replication
    for region in (R1, R2):
        make_table(ddb[region], "expiring", stream="NEW_AND_OLD_IMAGES")
    ddb[R1].create_global_table(GlobalTableName="expiring", ReplicationGroup=[{"RegionName": R1},
                                                                             {"RegionName": R2}])
    ddb[R1].update_time_to_live(TableName="expiring", TimeToLiveSpecification={"Enabled": True,
                                                                               "AttributeName": "exp"})
    assert ddb[R2].describe_time_to_live(TableName="expiring")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    ddb[R1].put_item(TableName="expiring", Item={"pk": {"S": "old"}, "exp": {"N": str(int(time.time()) - 10)}})
    assert get(ddb[R2], "expiring", "old") is not None
    deadline = time.time() + 20
    while time.time() < deadline and get(ddb[R1], "expiring", "old") is not None:
        time.sleep(0.3)
    assert get(ddb[R1], "expiring", "old") is None
    assert get(ddb[R2], "expiring", "old") is None
    assert [x["eventName"] for x in stream_records(gureum, R2, "expiring")] == ["INSERT", "REMOVE"]


def test_delete_replica_and_delete_table_leave_the_group(ddb):
    make_table(ddb[R1], "trio", sk=True)
    ddb[R1].put_item(TableName="trio", Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    # AWS (DDB-TABLE-258): one replica created a request, but for an MRSC group's making
    for region in (R2, R3):
        ddb[R1].update_table(TableName="trio", ReplicaUpdates=[{"Create": {"RegionName": region}}])
    assert ddb[R3].get_item(TableName="trio", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    # UpdateTable's Delete removes the replica's table
    ddb[R1].update_table(TableName="trio", ReplicaUpdates=[{"Delete": {"RegionName": R3}}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R3].describe_table(TableName="trio")
    assert error(e)[0] == "ResourceNotFoundException"
    assert [x["RegionName"] for x in ddb[R1].describe_table(TableName="trio")["Table"]["Replicas"]] == [R2]
    assert [x["RegionName"] for x in ddb[R2].describe_table(TableName="trio")["Table"]["Replicas"]] == [R1]
    # DeleteTable of a replica: the other stays, without replicas, and no longer replicates
    ddb[R2].delete_table(TableName="trio")
    t = ddb[R1].describe_table(TableName="trio")["Table"]
    assert "Replicas" not in t and "GlobalTableVersion" not in t
    ddb[R1].put_item(TableName="trio", Item={"pk": {"S": "b"}, "sk": {"N": "2"}})
    assert ddb[R1].scan(TableName="trio")["Count"] == 2
    # the name can be replicated again
    ddb[R1].update_table(TableName="trio", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    assert ddb[R2].scan(TableName="trio")["Count"] == 2


def test_replica_auto_scaling_settings(ddb):
    make_table(ddb[R1], "scaled", gsi=True, billing="PROVISIONED")
    ddb[R1].update_table(TableName="scaled", ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    policy = {"PolicyName": "p", "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}
    r = ddb[R1].update_table_replica_auto_scaling(
        TableName="scaled",
        ProvisionedWriteCapacityAutoScalingUpdate={"MinimumUnits": 5, "MaximumUnits": 50,
                                                   "ScalingPolicyUpdate": policy},
        ReplicaUpdates=[{"RegionName": R2,
                         "ReplicaProvisionedReadCapacityAutoScalingUpdate": {"MinimumUnits": 2, "MaximumUnits": 20}}],
    )["TableAutoScalingDescription"]
    assert r["TableName"] == "scaled"
    d = ddb[R2].describe_table_replica_auto_scaling(TableName="scaled")["TableAutoScalingDescription"]
    assert d == r
    reps = {x["RegionName"]: x for x in d["Replicas"]}
    assert sorted(reps) == sorted([R1, R2])
    w = reps[R1]["ReplicaProvisionedWriteCapacityAutoScalingSettings"]
    assert (w["MinimumUnits"], w["MaximumUnits"]) == (5, 50)
    assert w["ScalingPolicies"] == [{"PolicyName": "p",
                                     "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}]
    assert reps[R2]["ReplicaProvisionedReadCapacityAutoScalingSettings"] == {"MinimumUnits": 2, "MaximumUnits": 20}
    assert "ReplicaProvisionedReadCapacityAutoScalingSettings" not in reps[R1]
    assert [x["IndexName"] for x in reps[R2]["GlobalSecondaryIndexes"]] == ["by-g"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].describe_table_replica_auto_scaling(TableName="nope")
    assert error(e)[0] == "ResourceNotFoundException"


# ==== version 2017.11.29 ====

@pytest.fixture(scope="module")
def legacy(ddb):
    for region in (R1, R2):
        make_table(ddb[region], "legacy", stream="NEW_AND_OLD_IMAGES", billing="PROVISIONED", gsi=True)
    d = ddb[R1].create_global_table(GlobalTableName="legacy", ReplicationGroup=[{"RegionName": R1},
                                                                                {"RegionName": R2}])
    d = d["GlobalTableDescription"]
    assert d["GlobalTableName"] == "legacy"
    assert d["GlobalTableStatus"] == "CREATING"
    assert d["GlobalTableArn"] == f"arn:aws:dynamodb::{ACCOUNT}:global-table/legacy"
    assert sorted(x["RegionName"] for x in d["ReplicationGroup"]) == sorted([R1, R2])
    return "legacy"


def test_legacy_describe_and_list(ddb, legacy):
    d = ddb[R2].describe_global_table(GlobalTableName=legacy)["GlobalTableDescription"]
    assert d["GlobalTableStatus"] == "ACTIVE"
    assert sorted(x["RegionName"] for x in d["ReplicationGroup"]) == sorted([R1, R2])
    # a 2017.11.29 replica's DescribeTable says nothing of it
    assert "GlobalTableVersion" not in ddb[R1].describe_table(TableName=legacy)["Table"]
    names = [g["GlobalTableName"] for g in ddb[R1].list_global_tables()["GlobalTables"]]
    assert legacy in names
    assert "music" not in names  # version 2019.11.21 tables are not listed
    in_r3 = ddb[R1].list_global_tables(RegionName=R3)["GlobalTables"]
    assert legacy not in [g["GlobalTableName"] for g in in_r3]
    assert all({"RegionName": R3} in g["ReplicationGroup"] for g in in_r3)
    assert legacy in [g["GlobalTableName"] for g in ddb[R1].list_global_tables(RegionName=R2)["GlobalTables"]]


def test_legacy_list_pages(ddb):
    for name in ("page-a", "page-b", "page-c"):
        make_table(ddb[R3], name, stream="NEW_AND_OLD_IMAGES")
        ddb[R3].create_global_table(GlobalTableName=name, ReplicationGroup=[{"RegionName": R3}])
    r = ddb[R3].list_global_tables(RegionName=R3, Limit=2)
    assert [g["GlobalTableName"] for g in r["GlobalTables"]] == ["page-a", "page-b"]
    assert r["LastEvaluatedGlobalTableName"] == "page-b"
    r = ddb[R3].list_global_tables(RegionName=R3, Limit=2, ExclusiveStartGlobalTableName="page-b")
    assert [g["GlobalTableName"] for g in r["GlobalTables"]] == ["page-c"]
    assert "LastEvaluatedGlobalTableName" not in r
    assert r["GlobalTables"][0]["ReplicationGroup"] == [{"RegionName": R3}]


def test_legacy_writes_replicate_with_rep_attributes(ddb, legacy):
    ddb[R2].put_item(TableName=legacy, Item={"pk": {"S": "k"}, "v": {"S": "1"}})
    for region in (R1, R2):
        item = get(ddb[region], legacy, "k")
        assert item["v"] == {"S": "1"}
        assert item["aws:rep:updateregion"] == {"S": R2}
        assert item["aws:rep:deleting"] == {"BOOL": False}
        assert float(item["aws:rep:updatetime"]["N"]) > 1.5e9
    ddb[R1].update_item(TableName=legacy, Key={"pk": {"S": "k"}}, UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"S": "2"}})
    assert get(ddb[R2], legacy, "k")["aws:rep:updateregion"] == {"S": R1}
    assert get(ddb[R2], legacy, "k")["v"] == {"S": "2"}
    ddb[R2].delete_item(TableName=legacy, Key={"pk": {"S": "k"}})
    assert get(ddb[R1], legacy, "k") is None


def test_legacy_create_refusals(ddb, legacy):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].create_global_table(GlobalTableName=legacy, ReplicationGroup=[{"RegionName": R1}])
    assert error(e) == ("GlobalTableAlreadyExistsException", "Global table with this name already exists", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].create_global_table(GlobalTableName="absent", ReplicationGroup=[{"RegionName": R1}])
    assert error(e) == ("TableNotFoundException",
                        f"Table not found: Table: 'absent' not found in region: '{R1}'.", 400)
    make_table(ddb[R1], "nostream")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].create_global_table(GlobalTableName="nostream", ReplicationGroup=[{"RegionName": R1}])
    assert error(e)[0] == "ValidationException"
    make_table(ddb[R1], "full", stream="NEW_AND_OLD_IMAGES")
    ddb[R1].put_item(TableName="full", Item={"pk": {"S": "x"}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].create_global_table(GlobalTableName="full", ReplicationGroup=[{"RegionName": R1}])
    assert error(e)[0] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].describe_global_table(GlobalTableName="full")
    assert error(e) == ("GlobalTableNotFoundException", "Global table with name 'full' does not exist.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R2].create_global_table(GlobalTableName=legacy, ReplicationGroup=[{"RegionName": R3}])
    assert error(e)[0] == "GlobalTableAlreadyExistsException"


def test_legacy_operations_do_not_see_2019_global_tables(ddb, music):
    # AWS (observed by ScyllaDB's tests): a version 2019.11.21 table is no 2017.11.29 global table
    calls = [
        lambda: ddb[R1].describe_global_table(GlobalTableName=music),
        lambda: ddb[R1].describe_global_table_settings(GlobalTableName=music),
        lambda: ddb[R1].update_global_table(GlobalTableName=music, ReplicaUpdates=[{"Delete": {"RegionName": R2}}]),
        lambda: ddb[R1].update_global_table_settings(GlobalTableName=music, GlobalTableBillingMode="PAY_PER_REQUEST"),
    ]
    for call in calls:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error(e) == ("GlobalTableNotFoundException", "Global table with name 'music' does not exist.", 400)


def test_legacy_update_global_table(ddb, legacy):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table(GlobalTableName=legacy, ReplicaUpdates=[{"Create": {"RegionName": R2}}])
    assert error(e)[0] == "ReplicaAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table(GlobalTableName=legacy, ReplicaUpdates=[{"Delete": {"RegionName": R3}}])
    assert error(e)[0] == "ReplicaNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table(GlobalTableName=legacy, ReplicaUpdates=[{"Create": {"RegionName": R3}}])
    assert error(e)[0] == "TableNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table(GlobalTableName="absent", ReplicaUpdates=[{"Create": {"RegionName": R3}}])
    assert error(e)[0] == "GlobalTableNotFoundException"
    make_table(ddb[R3], legacy, stream="NEW_AND_OLD_IMAGES", billing="PROVISIONED", gsi=True)
    d = ddb[R1].update_global_table(GlobalTableName=legacy, ReplicaUpdates=[{"Create": {"RegionName": R3}}])
    assert sorted(x["RegionName"] for x in d["GlobalTableDescription"]["ReplicationGroup"]) == sorted([R1, R2, R3])
    ddb[R3].put_item(TableName=legacy, Item={"pk": {"S": "from3"}})
    assert get(ddb[R1], legacy, "from3")["aws:rep:updateregion"] == {"S": R3}
    d = ddb[R1].update_global_table(GlobalTableName=legacy, ReplicaUpdates=[{"Delete": {"RegionName": R3}}])
    assert sorted(x["RegionName"] for x in d["GlobalTableDescription"]["ReplicationGroup"]) == sorted([R1, R2])
    # the table that left stays, and no longer replicates
    ddb[R3].put_item(TableName=legacy, Item={"pk": {"S": "alone"}})
    assert get(ddb[R1], legacy, "alone") is None
    ddb[R1].delete_item(TableName=legacy, Key={"pk": {"S": "from3"}})
    assert get(ddb[R3], legacy, "from3") is not None


def test_legacy_settings(ddb, legacy):
    s = ddb[R1].describe_global_table_settings(GlobalTableName=legacy)
    assert s["GlobalTableName"] == legacy
    reps = {x["RegionName"]: x for x in s["ReplicaSettings"]}
    assert sorted(reps) == sorted([R1, R2])
    assert reps[R2]["ReplicaProvisionedReadCapacityUnits"] == 5
    assert reps[R2]["ReplicaProvisionedWriteCapacityUnits"] == 6
    assert reps[R2]["ReplicaBillingModeSummary"] == {"BillingMode": "PROVISIONED"}
    assert reps[R2]["ReplicaGlobalSecondaryIndexSettings"][0]["IndexName"] == "by-g"
    s = ddb[R1].update_global_table_settings(
        GlobalTableName=legacy, GlobalTableProvisionedWriteCapacityUnits=9,
        GlobalTableGlobalSecondaryIndexSettingsUpdate=[{"IndexName": "by-g", "ProvisionedWriteCapacityUnits": 8}],
        ReplicaSettingsUpdate=[{"RegionName": R2, "ReplicaProvisionedReadCapacityUnits": 11}])
    reps = {x["RegionName"]: x for x in s["ReplicaSettings"]}
    assert reps[R2]["ReplicaProvisionedReadCapacityUnits"] == 11
    assert reps[R1]["ReplicaProvisionedReadCapacityUnits"] == 5
    assert reps[R1]["ReplicaProvisionedWriteCapacityUnits"] == 9
    assert reps[R2]["ReplicaGlobalSecondaryIndexSettings"][0]["ProvisionedWriteCapacityUnits"] == 8
    pt = ddb[R2].describe_table(TableName=legacy)["Table"]["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (11, 9)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table_settings(GlobalTableName=legacy, ReplicaSettingsUpdate=[
            {"RegionName": "sa-east-1", "ReplicaProvisionedReadCapacityUnits": 1}])
    assert error(e)[0] == "ReplicaNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].update_global_table_settings(GlobalTableName=legacy, GlobalTableGlobalSecondaryIndexSettingsUpdate=[
            {"IndexName": "nope", "ProvisionedWriteCapacityUnits": 1}])
    assert error(e)[0] == "IndexNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb[R1].describe_global_table_settings(GlobalTableName="absent")
    assert error(e)[0] == "GlobalTableNotFoundException"


def test_replica_creation_needs_create_table_replica(gureum, ddb):
    """AWS: adding a replica takes dynamodb:CreateTableReplica on the table besides
    dynamodb:UpdateTable (developer guide, global tables IAM)."""
    import json
    import time
    from botocore.config import Config
    iam = gureum.client("iam")
    iam.create_user(UserName="replicator")
    k = iam.create_access_key(UserName="replicator")["AccessKey"]
    arn = f"arn:aws:dynamodb:{R1}:{ACCOUNT}:table/guarded"
    iam.put_user_policy(UserName="replicator", PolicyName="update", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:UpdateTable", "Resource": arn}]}))
    make_table(ddb[R1], "guarded")
    me = gureum.client("dynamodb", region_name=R1, aws_access_key_id=k["AccessKeyId"],
                       aws_secret_access_key=k["SecretAccessKey"], config=Config(retries={"max_attempts": 1}))
    create = [{"Create": {"RegionName": R2}}]
    for _ in range(50):  # until the policy reaches authorization
        try:
            me.update_table(TableName="guarded", ReplicaUpdates=create)
        except botocore.exceptions.ClientError as e:
            if "dynamodb:CreateTableReplica" in e.response["Error"]["Message"]:
                break
        time.sleep(0.1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        me.update_table(TableName="guarded", ReplicaUpdates=create)
    code, msg, status = error(e)
    assert (code, status) == ("AccessDeniedException", 400)
    assert "dynamodb:CreateTableReplica" in msg and arn in msg
    with pytest.raises(botocore.exceptions.ClientError):
        ddb[R2].describe_table(TableName="guarded")
    iam.put_user_policy(UserName="replicator", PolicyName="replica", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:CreateTableReplica", "Resource": arn}]}))
    for _ in range(50):
        try:
            me.update_table(TableName="guarded", ReplicaUpdates=create)
            break
        except botocore.exceptions.ClientError:
            time.sleep(0.1)
    assert [x["RegionName"] for x in ddb[R1].describe_table(TableName="guarded")["Table"]["Replicas"]] == [R2]


def test_restored_replica_is_a_table_of_its_own(ddb, music):
    arn = ddb[R1].create_backup(TableName=music, BackupName="music-b")["BackupDetails"]["BackupArn"]
    ddb[R1].restore_table_from_backup(TargetTableName="music-restored", BackupArn=arn)
    t = ddb[R1].describe_table(TableName="music-restored")["Table"]
    assert "Replicas" not in t and "GlobalTableVersion" not in t
    ddb[R1].put_item(TableName="music-restored", Item={"pk": {"S": "only-here"}})
    ddb[R1].put_item(TableName=music, Item={"pk": {"S": "everywhere"}})
    for region in (R2, R3):
        assert get(ddb[region], music, "everywhere") is not None
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb[region].describe_table(TableName="music-restored")
        assert error(e)[0] == "ResourceNotFoundException"


def test_cli_replica_and_legacy_global_table(gureum, ddb, cli):
    import json
    name = "cli-global-%d" % abs(hash(cli))
    make_table(ddb[R1], name)
    out = gureum.aws("dynamodb", "update-table", "--region", R1, "--table-name", name, "--replica-updates",
                     json.dumps([{"Create": {"RegionName": R3}}]), cli=cli)
    assert out.returncode == 0, out.stderr
    ddb[R1].put_item(TableName=name, Item={"pk": {"S": "c"}})
    out = gureum.aws("dynamodb", "describe-table", "--region", R3, "--table-name", name, cli=cli)
    assert out.returncode == 0, out.stderr
    t = json.loads(out.stdout)["Table"]
    assert (t["GlobalTableVersion"], t["Replicas"], t["ItemCount"]) == (
        "2019.11.21", [{"RegionName": R1, "ReplicaStatus": "ACTIVE"}], 1)
    out = gureum.aws("dynamodb", "describe-global-table", "--region", R1, "--global-table-name", name, cli=cli)
    assert out.returncode != 0 and "GlobalTableNotFoundException" in out.stderr
