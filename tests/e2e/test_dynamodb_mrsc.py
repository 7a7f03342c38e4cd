"""test_dynamodb_mrsc.py — DynamoDB global tables with multi-Region strong consistency (MRSC),
against one server with clients of several regions: UpdateTable with MultiRegionConsistency
STRONG making a group of three regions (a replica and a witness, or two replicas) from an empty
table, DescribeTable's MultiRegionConsistency and GlobalTableWitnesses in every replica, writes
seen at once by strongly consistent reads in the other replica, what an MRSC table refuses
(adding or deleting one member, DeleteTable, a mode change, transactions, TTL) and its teardown
by one UpdateTable deleting every replica and the witness. The refusal texts are AWS's answers
recorded in ACK's DynamoDB notes (probed 2026-10), but for the empty-table, LSI, TTL and
transaction ones (gureum's wording). The members are botocore 1.43's: skipped with older clients.
"""
import botocore.exceptions
import botocore.session
import pytest

_UPDATE = botocore.session.get_session().get_service_model("dynamodb").operation_model("UpdateTable")
pytestmark = pytest.mark.skipif("GlobalTableWitnessUpdates" not in _UPDATE.input_shape.members,
                                reason="this botocore has no MRSC members (boto3 1.43 has)")

E1, E2, W2 = "us-east-1", "us-east-2", "us-west-2"
STRONG = "MultiRegionConsistency set to STRONG"


@pytest.fixture(scope="module")
def ddb(gureum):
    return {r: gureum.client("dynamodb", region_name=r) for r in (E1, E2, W2, "us-west-1", "ap-south-1")}


def make_table(client, name, **kw):
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if kw.pop("lsi", False):
        attrs += [{"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}]
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        kw["LocalSecondaryIndexes"] = [{"IndexName": "by-l", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}]
    client.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=keys, BillingMode="PAY_PER_REQUEST",
                        **kw)


def error(exc):
    e = exc.value.response
    return e["Error"]["Code"], e["Error"]["Message"]


def refused(call, message=None, code="ValidationException"):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    got = error(e)
    assert got[0] == code, got
    if message is not None:
        assert got[1] == message, got
    return got[1]


def get(client, table, pk):
    return client.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def witness(region):
    return [{"Create": {"RegionName": region}}]


def test_replica_and_witness(ddb):
    make_table(ddb[E1], "mrsc1", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    d = ddb[E1].update_table(TableName="mrsc1", MultiRegionConsistency="STRONG",
                             ReplicaUpdates=[{"Create": {"RegionName": E2}}],
                             GlobalTableWitnessUpdates=witness(W2))["TableDescription"]
    assert d["TableStatus"] == "UPDATING"
    assert d["MultiRegionConsistency"] == "STRONG" and d["GlobalTableVersion"] == "2019.11.21"
    assert [(x["RegionName"], x["ReplicaStatus"]) for x in d["Replicas"]] == [(E2, "CREATING")]
    assert d["GlobalTableWitnesses"] == [{"RegionName": W2, "WitnessStatus": "CREATING"}]
    # every replica reports the mode and the witness; the witness holds no table
    for here, other in ((E1, E2), (E2, E1)):
        t = ddb[here].describe_table(TableName="mrsc1")["Table"]
        assert t["MultiRegionConsistency"] == "STRONG"
        assert [(x["RegionName"], x["ReplicaStatus"]) for x in t["Replicas"]] == [(other, "ACTIVE")]
        assert t["GlobalTableWitnesses"] == [{"RegionName": W2, "WitnessStatus": "ACTIVE"}]
    refused(lambda: ddb[W2].describe_table(TableName="mrsc1"), code="ResourceNotFoundException")
    assert "mrsc1" not in ddb[W2].list_tables()["TableNames"]
    # AWS (DDB-TABLE-259): a table of the same name may be made in the witness's region; it is no replica
    make_table(ddb[W2], "mrsc1")

    # a write in either replica is read at once, strongly consistent, in the other
    ddb[E2].put_item(TableName="mrsc1", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    assert get(ddb[E1], "mrsc1", "a") == {"pk": {"S": "a"}, "v": {"N": "1"}}
    ddb[E1].update_item(TableName="mrsc1", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = v + :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})
    assert get(ddb[E2], "mrsc1", "a")["v"] == {"N": "2"}
    ddb[E2].put_item(TableName="mrsc1", Item={"pk": {"S": "a"}, "v": {"N": "3"}},
                     ConditionExpression="v = :two", ExpressionAttributeValues={":two": {"N": "2"}})
    assert get(ddb[E1], "mrsc1", "a")["v"] == {"N": "3"}
    assert ddb[W2].scan(TableName="mrsc1")["Count"] == 0
    ddb[E1].batch_write_item(RequestItems={"mrsc1": [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
    assert get(ddb[E2], "mrsc1", "b") == {"pk": {"S": "b"}}
    ddb[E1].delete_item(TableName="mrsc1", Key={"pk": {"S": "b"}})
    assert get(ddb[E2], "mrsc1", "b") is None

    # what MRSC does not support
    tx = "Transactions are not supported for global tables with " + STRONG + "."
    refused(lambda: ddb[E1].transact_write_items(TransactItems=[
        {"Put": {"TableName": "mrsc1", "Item": {"pk": {"S": "t"}}}}]), tx)
    refused(lambda: ddb[E2].transact_get_items(TransactItems=[
        {"Get": {"TableName": "mrsc1", "Key": {"pk": {"S": "a"}}}}]), tx)
    for stmt in ("INSERT INTO mrsc1 VALUE {'pk': 't'}", "SELECT * FROM mrsc1 WHERE pk = 'a'"):
        refused(lambda: ddb[E1].execute_transaction(TransactStatements=[{"Statement": stmt}]), tx)
    # PartiQL's single statements are no transactions
    ddb[E1].execute_statement(Statement="UPDATE mrsc1 SET w = 1 WHERE pk = 'a'")
    assert get(ddb[E2], "mrsc1", "a")["w"] == {"N": "1"}
    assert get(ddb[E2], "mrsc1", "t") is None
    refused(lambda: ddb[E1].update_time_to_live(TableName="mrsc1", TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"}), "Time to Live is not supported for global tables with " + STRONG + ".")

    # its members and mode are frozen
    only = "Deletion of only one table replica is not supported for global tables with " + STRONG + "."
    for region in (E1, E2):
        refused(lambda: ddb[region].delete_table(TableName="mrsc1"), only)
    refused(lambda: ddb[E1].update_table(TableName="mrsc1", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
            "Cannot add replicas to a global table with strong MultiRegionConsistency")
    refused(lambda: ddb[E1].update_table(TableName="mrsc1", ReplicaUpdates=[{"Delete": {"RegionName": E2}}]),
            "Update table delete operation does not include all witnesses.")
    refused(lambda: ddb[E1].update_table(TableName="mrsc1", MultiRegionConsistency="EVENTUAL",
                                         ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
            "MultiRegionConsistency parameter is unsupported on existing global table")
    refused(lambda: ddb[E1].update_table(TableName="mrsc1", MultiRegionConsistency="STRONG",
                                         ReplicaUpdates=[{"Delete": {"RegionName": E2}}]),
            "Only Replica Create actions are supported when MultiRegionConsistency parameter is provided.")
    msg = refused(lambda: ddb[E1].update_table(TableName="mrsc1",
                                               GlobalTableWitnessUpdates=[{"Delete": {"RegionName": W2}}]))
    assert msg.startswith("At least one of ProvisionedThroughput")
    refused(lambda: ddb[E1].update_table(TableName="mrsc1", ReplicaUpdates=[{"Delete": {"RegionName": E2}}],
                                         GlobalTableWitnessUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]),
            "Update global table operation failed because one or more witnesses were not part of the global table. "
            "Please retry the request without these witnesses: [eu-west-1].")
    assert ddb[E2].describe_table(TableName="mrsc1")["Table"]["MultiRegionConsistency"] == "STRONG"

    # one request deleting every replica and the witness ends the group
    d = ddb[E1].update_table(TableName="mrsc1", ReplicaUpdates=[{"Delete": {"RegionName": E2}}],
                             GlobalTableWitnessUpdates=[{"Delete": {"RegionName": W2}}])["TableDescription"]
    # AWS (DDB-TABLE-261): the answer still shows the group, UPDATING
    assert d["TableStatus"] == "UPDATING" and d["MultiRegionConsistency"] == "STRONG"
    assert [(x["RegionName"], x["ReplicaStatus"]) for x in d["Replicas"]] == [(E2, "ACTIVE")]
    assert d["GlobalTableWitnesses"] == [{"RegionName": W2, "WitnessStatus": "ACTIVE"}]
    t = ddb[E1].describe_table(TableName="mrsc1")["Table"]
    for k in ("Replicas", "GlobalTableWitnesses", "MultiRegionConsistency", "GlobalTableVersion"):
        assert k not in t
    assert t["StreamSpecification"]["StreamEnabled"] is True
    refused(lambda: ddb[E2].describe_table(TableName="mrsc1"), code="ResourceNotFoundException")
    assert get(ddb[E1], "mrsc1", "a")["v"] == {"N": "3"}
    assert ddb[W2].describe_table(TableName="mrsc1")["Table"]["TableStatus"] == "ACTIVE"
    # a plain table again: transactions, TTL and DeleteTable are allowed
    ddb[E1].transact_write_items(TransactItems=[{"Put": {"TableName": "mrsc1", "Item": {"pk": {"S": "t"}}}}])
    ddb[E1].delete_table(TableName="mrsc1")


def test_three_replicas(ddb):
    make_table(ddb[E2], "mrsc3")
    d = ddb[E2].update_table(TableName="mrsc3", MultiRegionConsistency="STRONG",
                             ReplicaUpdates=[{"Create": {"RegionName": E1}},
                                             {"Create": {"RegionName": W2}}])["TableDescription"]
    assert d["MultiRegionConsistency"] == "STRONG"
    assert sorted((x["RegionName"], x["ReplicaStatus"]) for x in d["Replicas"]) == [(E1, "CREATING"), (W2, "CREATING")]
    t = ddb[W2].describe_table(TableName="mrsc3")["Table"]
    assert t["MultiRegionConsistency"] == "STRONG" and "GlobalTableWitnesses" not in t
    assert sorted(x["RegionName"] for x in t["Replicas"]) == [E1, E2]
    ddb[W2].put_item(TableName="mrsc3", Item={"pk": {"S": "x"}})
    assert get(ddb[E1], "mrsc3", "x") and get(ddb[E2], "mrsc3", "x")
    only = "Deletion of only one table replica is not supported for global tables with " + STRONG + "."
    refused(lambda: ddb[E2].update_table(TableName="mrsc3", ReplicaUpdates=[{"Delete": {"RegionName": W2}}]), only)
    refused(lambda: ddb[E1].delete_table(TableName="mrsc3"), only)
    ddb[E2].update_table(TableName="mrsc3", ReplicaUpdates=[{"Delete": {"RegionName": W2}},
                                                           {"Delete": {"RegionName": E1}}])
    assert "Replicas" not in ddb[E2].describe_table(TableName="mrsc3")["Table"]
    for region in (E1, W2):
        refused(lambda: ddb[region].describe_table(TableName="mrsc3"), code="ResourceNotFoundException")
    ddb[E2].delete_table(TableName="mrsc3")


def test_creation_refusals(ddb):
    make_table(ddb[E1], "shape")
    up = lambda **kw: ddb[E1].update_table(TableName="shape", **kw)  # noqa: E731
    create = lambda *rs: [{"Create": {"RegionName": r}} for r in rs]  # noqa: E731
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2)),
            "Unsupported replica count for global tables with " + STRONG + ".")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2, W2), GlobalTableWitnessUpdates=
                       witness("eu-west-1")), "Unsupported replica count for global tables with " + STRONG + ".")
    # witness updates alone are no change; the list then leaves out the member the request has
    msg = refused(lambda: up(MultiRegionConsistency="STRONG", GlobalTableWitnessUpdates=witness(W2)))
    assert msg.startswith("At least one of ProvisionedThroughput") and "MultiRegionConsistency" not in msg
    for mode in ({}, {"MultiRegionConsistency": "EVENTUAL"}):
        refused(lambda: up(ReplicaUpdates=create(E2), GlobalTableWitnessUpdates=witness(W2), **mode),
                "MultiRegionConsistency must be set as STRONG when GlobalTableWitnessUpdates parameter is present.")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2), GlobalTableWitnessUpdates=
                       witness(E2)), "Cannot target multiple regions with the same action")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2), GlobalTableWitnessUpdates=
                       witness(E1)), "Cannot add a witness in the same region as an existing replica when creating "
            "a global table with " + STRONG + ".")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create("us-west-1"),
                       GlobalTableWitnessUpdates=witness(W2)),
            "Unsupported Region(s) specified for global tables with " + STRONG + ": [us-west-1].")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2), DeletionProtectionEnabled=True,
                       GlobalTableWitnessUpdates=witness(W2)),
            "Requests that modify replicas or witnesses must not also modify other fields")
    msg = refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2), GlobalTableWitnessUpdates=
                             witness(W2) + witness("eu-west-1")))
    assert msg.endswith("at 'globalTableWitnessUpdates' failed to satisfy constraint: Member must have length less "
                        "than or equal to 1")
    refused(lambda: up(MultiRegionConsistency="STRONG", ReplicaUpdates=create(E2), GlobalTableWitnessUpdates=[{}]),
            "One or more parameter values were invalid: One of GlobalTableWitnessGroupUpdate.Create, "
            "GlobalTableWitnessGroupUpdate.Delete must not be null")
    # without STRONG, one replica created a request (AWS, DDB-TABLE-258)
    refused(lambda: up(ReplicaUpdates=create(E2, W2)),
            "Update table operation with more than one create or delete replica actions not allowed")
    # the asking region must be one MRSC runs in
    make_table(ddb["ap-south-1"], "shape")
    refused(lambda: ddb["ap-south-1"].update_table(TableName="shape", MultiRegionConsistency="STRONG",
                                                   ReplicaUpdates=create(E1, E2)),
            "Unsupported Region(s) specified for global tables with " + STRONG + ": [ap-south-1].")
    # nothing was made by the refused requests
    assert "Replicas" not in ddb[E1].describe_table(TableName="shape")["Table"]
    refused(lambda: ddb[E2].describe_table(TableName="shape"), code="ResourceNotFoundException")


def test_what_cannot_become_mrsc(ddb):
    strong = dict(MultiRegionConsistency="STRONG", ReplicaUpdates=[{"Create": {"RegionName": E2}}],
                  GlobalTableWitnessUpdates=witness(W2))
    make_table(ddb[E1], "full")
    ddb[E1].put_item(TableName="full", Item={"pk": {"S": "a"}})
    assert "empty" in refused(lambda: ddb[E1].update_table(TableName="full", **strong))
    make_table(ddb[E1], "withlsi", lsi=True)
    assert "Local secondary indexes" in refused(lambda: ddb[E1].update_table(TableName="withlsi", **strong))
    make_table(ddb[E1], "withttl")
    ddb[E1].update_time_to_live(TableName="withttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "e"})
    assert "Time to Live" in refused(lambda: ddb[E1].update_table(TableName="withttl", **strong))
    # an EVENTUAL global table stays EVENTUAL: the mode is not reported, and cannot be set later
    make_table(ddb[E1], "mrec")
    ddb[E1].update_table(TableName="mrec", ReplicaUpdates=[{"Create": {"RegionName": E2}}])
    t = ddb[E2].describe_table(TableName="mrec")["Table"]
    assert "MultiRegionConsistency" not in t and "GlobalTableWitnesses" not in t
    refused(lambda: ddb[E1].update_table(TableName="mrec", MultiRegionConsistency="STRONG",
                                         ReplicaUpdates=[{"Create": {"RegionName": W2}}],
                                         GlobalTableWitnessUpdates=witness("eu-west-1")),
            "MultiRegionConsistency parameter is unsupported on existing global table")
    ddb[E1].transact_write_items(TransactItems=[{"Put": {"TableName": "mrec", "Item": {"pk": {"S": "t"}}}}])
    assert get(ddb[E2], "mrec", "t") == {"pk": {"S": "t"}}
