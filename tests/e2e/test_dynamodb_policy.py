"""DynamoDB resource-based policies end to end: PutResourcePolicy,
GetResourcePolicy and DeleteResourcePolicy with their revisions and refusals
(AWS's texts from moto's suite, which was checked against AWS), and their
enforcement — an IAM user with no identity policy reading through the
table's policy, an explicit Deny stopping an allowed user and the owner's
root, and another account reading and writing the table by its ARN once the
policy lets it in.

The three operations are newer than Debian's boto3 1.26: the tests of the
operations themselves skip there (run them with the newer boto3:
PYTHONPATH=/tmp/pyx /root/.pyenv/shims/python3 -m pytest ...); the
enforcement tests put their policy with a raw signed request, so they run
under both. One server with a second root account (GUREUM_ACCOUNTS).
"""
import json
import os
import time

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import serve, signed_json

ACCT = "000000000000"
ALT = ("111111111111", "ALTACCESSKEY0000000B", "altsecret0000000000000000000000000000000B")


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_ACCOUNTS": ":".join(ALT)})


@pytest.fixture(scope="module")
def ddb(g):
    return g.client("dynamodb")


@pytest.fixture(scope="module")
def alt(g):
    return g.client("dynamodb", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])


@pytest.fixture
def new_api(ddb):
    if not hasattr(ddb, "put_resource_policy"):
        pytest.skip("boto3 %s has no DynamoDB resource policy operations" % botocore.session.__version__)


def refusal(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def raw(g, op, body, key="test", secret="test"):
    """A DynamoDB JSON call signed by hand, for clients whose model lacks op:
    (HTTP status, decoded answer)."""
    return signed_json(g, "dynamodb", "DynamoDB_20120810", "1.0", op, body, key, secret)


def put_policy(g, arn, doc):
    status, answer = raw(g, "PutResourcePolicy", {"ResourceArn": arn, "Policy": json.dumps(doc)})
    assert status == 200, answer
    return answer["RevisionId"]


def table(ddb, tag):
    name = "pol-%s-%s" % (tag, os.urandom(3).hex())
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    ddb.put_item(TableName=name, Item={"k": {"S": "1"}, "v": {"S": "one"}})
    return name, "arn:aws:dynamodb:us-east-1:%s:table/%s" % (ACCT, name)


def doc(effect, principal, actions, resource):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Principal": {"AWS": principal}, "Action": actions, "Resource": resource}]}


@pytest.fixture
def user(g):
    """A fresh IAM user of the first account with a key and no policy:
    (name, ARN, DynamoDB client, (key, secret))."""
    iam = g.client("iam")
    name = "pol-user-%s" % os.urandom(3).hex()
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    k = iam.create_access_key(UserName=name)["AccessKey"]
    client = g.client("dynamodb", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"],
                      config=Config(retries={"total_max_attempts": 1}))
    yield name, arn, client, (k["AccessKeyId"], k["SecretAccessKey"])
    for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=p)
    iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=name)


# ==== the operations (newer boto3) ====

def test_put_get_delete_with_revisions(ddb, new_api):
    name, arn = table(ddb, "rev")
    code, status, msg = refusal(lambda: ddb.get_resource_policy(ResourceArn=arn))
    assert (code, status) == ("PolicyNotFoundException", 400)
    assert msg == "Resource-based policy not found for the provided ResourceArn: " + arn
    text = json.dumps(doc("Allow", ACCT, ["dynamodb:*"], "*"))
    rev1 = ddb.put_resource_policy(ResourceArn=arn, Policy=text)["RevisionId"]
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert got == {"Policy": text, "RevisionId": rev1, "ResponseMetadata": got["ResponseMetadata"]}
    # the same document again keeps its revision; another one is a later one
    assert ddb.put_resource_policy(ResourceArn=arn, Policy=text)["RevisionId"] == rev1
    text2 = json.dumps(doc("Allow", ACCT, ["dynamodb:GetItem"], arn))
    rev2 = ddb.put_resource_policy(ResourceArn=arn, Policy=text2, ExpectedRevisionId=rev1)["RevisionId"]
    assert int(rev2) > int(rev1)
    code, _, msg = refusal(lambda: ddb.put_resource_policy(ResourceArn=arn, Policy=text, ExpectedRevisionId=rev1))
    assert code == "PolicyNotFoundException"
    assert msg == ("Resource-based policy not found for the provided ResourceArn: Requested update for policy with "
                   "revision id %s, but the policy associated to target table %s has revision id %s." % (rev1, name, rev2))
    code, _, msg = refusal(lambda: ddb.put_resource_policy(ResourceArn=arn, Policy=text, ExpectedRevisionId="NO_POLICY"))
    assert msg == ("Resource-based policy not found for the provided ResourceArn: Requested policy update expecting "
                   "none to be present for table %s, but a policy exists with revision id %s." % (name, rev2))
    code, _, msg = refusal(lambda: ddb.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId="unknown"))
    assert code == "PolicyNotFoundException" and "revision id unknown, but" in msg
    assert ddb.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=rev2)["RevisionId"] == rev2
    assert refusal(lambda: ddb.get_resource_policy(ResourceArn=arn))[0] == "PolicyNotFoundException"
    # deleting no policy is no error; NO_POLICY puts only where there is none
    ddb.delete_resource_policy(ResourceArn=arn)
    ddb.put_resource_policy(ResourceArn=arn, Policy=text, ExpectedRevisionId="NO_POLICY")
    ddb.delete_table(TableName=name)


def test_missing_table_and_bad_documents(ddb, new_api):
    name, arn = table(ddb, "bad")
    for call in (lambda: ddb.get_resource_policy(ResourceArn=arn + "x"),
                 lambda: ddb.delete_resource_policy(ResourceArn=arn + "x"),
                 lambda: ddb.put_resource_policy(ResourceArn=arn + "x", Policy="{}")):
        code, status, msg = refusal(call)
        assert (code, status, msg) == ("ResourceNotFoundException", 400,
                                       "Requested resource not found: Table: %sx not found" % name)
    code, _, msg = refusal(lambda: ddb.put_resource_policy(
        ResourceArn=arn, Policy=json.dumps(doc("Allow", ACCT, ["dynamodb:GetRecords", "dynamodb:ListStreams"], "*"))))
    assert code == "ValidationException"
    assert msg == ("One or more parameter values were invalid: Invalid policy document: The following action names "
                   "are invalid: \"dynamodb:GetRecords\", \"dynamodb:ListStreams\"")
    code, _, msg = refusal(lambda: ddb.put_resource_policy(
        ResourceArn=arn, Policy=json.dumps(doc("Allow", ACCT, ["s3:GetObject"], "*"))))
    assert code == "ValidationException" and "\"s3:GetObject\"" in msg
    other = "arn:aws:dynamodb:us-east-1:%s:table/some-other" % ACCT
    code, _, msg = refusal(lambda: ddb.put_resource_policy(
        ResourceArn=arn, Policy=json.dumps(doc("Allow", ACCT, ["dynamodb:GetItem"], other))))
    assert code == "ValidationException" and other in msg
    code, _, msg = refusal(lambda: ddb.put_resource_policy(
        ResourceArn=arn, Policy=json.dumps(doc("Allow", "not-a-principal", ["dynamodb:GetItem"], arn))))
    assert (code, msg) == ("ValidationException",
                           "One or more parameter values were invalid: Invalid principal in policy document.")
    big = doc("Allow", ACCT, ["dynamodb:GetItem"], [arn + "/index/i%05d" % i for i in range(700)])
    assert len(json.dumps(big)) > 20480
    code, _, msg = refusal(lambda: ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(big)))
    assert code == "ValidationException" and "20480" in msg
    # an index's ARN is the table's to govern
    ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(
        doc("Allow", ACCT, ["dynamodb:Query"], [arn, arn + "/index/*"])))
    ddb.delete_table(TableName=name)


def test_create_table_with_policy_and_stream_policy(ddb, new_api):
    name = "pol-ct-%s" % os.urandom(3).hex()
    arn = "arn:aws:dynamodb:us-east-1:%s:table/%s" % (ACCT, name)
    text = json.dumps(doc("Allow", ACCT, ["dynamodb:GetItem"], arn))
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", ResourcePolicy=text,
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert ddb.get_resource_policy(ResourceArn=arn)["Policy"] == text
    stream = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert refusal(lambda: ddb.get_resource_policy(ResourceArn=stream))[0] == "PolicyNotFoundException"
    code, _, msg = refusal(lambda: ddb.put_resource_policy(
        ResourceArn=stream, Policy=json.dumps(doc("Allow", ACCT, ["dynamodb:GetItem"], stream))))
    assert code == "ValidationException" and "\"dynamodb:GetItem\"" in msg
    stext = json.dumps(doc("Allow", ACCT, ["dynamodb:GetRecords", "dynamodb:DescribeStream"], stream))
    rev = ddb.put_resource_policy(ResourceArn=stream, Policy=stext)["RevisionId"]
    got = ddb.get_resource_policy(ResourceArn=stream)
    assert (got["Policy"], got["RevisionId"]) == (stext, rev)
    assert ddb.get_resource_policy(ResourceArn=arn)["Policy"] == text  # the table's stays its own
    ddb.delete_table(TableName=name)


# ==== enforcement (any boto3: the policy goes in by a raw request) ====

def test_user_without_identity_policy_reads_through_the_table_policy(g, ddb, user):
    uname, uarn, me, _ = user
    name, arn = table(ddb, "grant")
    code, status, msg = refusal(lambda: me.get_item(TableName=name, Key={"k": {"S": "1"}}))
    assert (code, status) == ("AccessDeniedException", 400)
    put_policy(g, arn, doc("Allow", uarn, ["dynamodb:GetItem", "dynamodb:Query"], arn))
    assert me.get_item(TableName=name, Key={"k": {"S": "1"}})["Item"]["v"] == {"S": "one"}
    assert me.get_item(TableName=arn, Key={"k": {"S": "1"}})["Item"]["v"] == {"S": "one"}
    # only what the policy names
    assert refusal(lambda: me.put_item(TableName=name, Item={"k": {"S": "2"}}))[0] == "AccessDeniedException"
    assert refusal(lambda: me.scan(TableName=name))[0] == "AccessDeniedException"
    ddb.delete_table(TableName=name)


def test_explicit_deny_in_the_table_policy_wins(g, ddb, user):
    uname, uarn, me, _ = user
    name, arn = table(ddb, "deny")
    g.client("iam").put_user_policy(UserName=uname, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    assert me.get_item(TableName=name, Key={"k": {"S": "1"}})["Item"]["v"] == {"S": "one"}
    put_policy(g, arn, doc("Deny", uarn, ["dynamodb:GetItem", "dynamodb:BatchGetItem"], "*"))
    code, status, msg = refusal(lambda: me.get_item(TableName=name, Key={"k": {"S": "1"}}))
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == ("User: %s is not authorized to perform: dynamodb:GetItem on resource: %s with an explicit deny in "
                   "a resource-based policy" % (uarn, arn))
    code, _, _ = refusal(lambda: me.batch_get_item(RequestItems={name: {"Keys": [{"k": {"S": "1"}}]}}))
    assert code == "AccessDeniedException"
    me.put_item(TableName=name, Item={"k": {"S": "2"}})  # not denied
    # a Deny binds the owner's root too, except for deleting the policy
    put_policy(g, arn, doc("Deny", ACCT, ["dynamodb:Scan", "dynamodb:DeleteResourcePolicy"], "*"))
    assert refusal(lambda: ddb.scan(TableName=name))[0] == "AccessDeniedException"
    status, _ = raw(g, "DeleteResourcePolicy", {"ResourceArn": arn})
    assert status == 200
    assert ddb.scan(TableName=name)["Count"] == 2
    ddb.delete_table(TableName=name)


def test_another_account_by_table_arn(g, ddb, alt):
    name, arn = table(ddb, "xacct")
    key = {"k": {"S": "1"}}
    code, status, msg = refusal(lambda: alt.get_item(TableName=arn, Key=key))
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg.endswith("on resource: %s because no resource-based policy allows the dynamodb:GetItem action" % arn)
    put_policy(g, arn, doc("Allow", "arn:aws:iam::%s:root" % ALT[0],
                           ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan",
                            "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem",
                            "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"], arn))
    assert alt.get_item(TableName=arn, Key=key)["Item"]["v"] == {"S": "one"}
    alt.put_item(TableName=arn, Item={"k": {"S": "from-alt"}})
    alt.update_item(TableName=arn, Key=key, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "1b"}})
    assert ddb.get_item(TableName=name, Key={"k": {"S": "from-alt"}})["Item"] == {"k": {"S": "from-alt"}}
    assert ddb.get_item(TableName=name, Key=key)["Item"]["v"] == {"S": "1b"}
    assert alt.query(TableName=arn, KeyConditionExpression="k = :k",
                     ExpressionAttributeValues={":k": {"S": "1"}})["Count"] == 1
    assert alt.scan(TableName=arn)["Count"] == 2
    got = alt.batch_get_item(RequestItems={arn: {"Keys": [key]}})["Responses"]
    assert list(got.values())[0][0]["v"] == {"S": "1b"}
    alt.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"k": {"S": "b"}}}}]})
    assert alt.describe_table(TableName=arn)["Table"]["TableArn"] == arn
    alt.delete_item(TableName=arn, Key={"k": {"S": "b"}})
    assert ddb.scan(TableName=name)["Count"] == 2
    # the policy does not make it the other account's own: its own name is its own table
    assert refusal(lambda: alt.get_item(TableName=name, Key=key))[0] == "ResourceNotFoundException"
    # nor let it manage the table
    assert refusal(lambda: alt.delete_table(TableName=arn))[0] == "AccessDeniedException"
    # what the policy does not name stays refused
    put_policy(g, arn, doc("Allow", ALT[0], ["dynamodb:GetItem"], arn))
    assert alt.get_item(TableName=arn, Key=key)["Item"]["v"] == {"S": "1b"}
    assert refusal(lambda: alt.put_item(TableName=arn, Item={"k": {"S": "x"}}))[0] == "AccessDeniedException"
    ddb.delete_table(TableName=name)


def test_another_accounts_user_needs_both_sides(g, ddb):
    name, arn = table(ddb, "xuser")
    iam = g.client("iam", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    uname = "pol-alt-%s" % os.urandom(3).hex()
    uarn = iam.create_user(UserName=uname)["User"]["Arn"]
    k = iam.create_access_key(UserName=uname)["AccessKey"]
    bob = g.client("dynamodb", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    put_policy(g, arn, doc("Allow", uarn, ["dynamodb:GetItem"], arn))
    # the table's side allows, the user's own account does not yet
    assert refusal(lambda: bob.get_item(TableName=arn, Key={"k": {"S": "1"}}))[0] == "AccessDeniedException"
    iam.put_user_policy(UserName=uname, PolicyName="get", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn}]}))
    for _ in range(50):
        try:
            assert bob.get_item(TableName=arn, Key={"k": {"S": "1"}})["Item"]["v"] == {"S": "one"}
            break
        except ClientError:
            time.sleep(0.1)
    else:
        raise AssertionError("GetItem stayed refused")
    iam.delete_user_policy(UserName=uname, PolicyName="get")
    iam.delete_access_key(UserName=uname, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=uname)
    ddb.delete_table(TableName=name)


def test_stream_policy_grants_and_denies(g, ddb, user):
    uname, uarn, _, (key, secret) = user
    name = "pol-st-%s" % os.urandom(3).hex()
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    stream = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    streams = g.client("dynamodbstreams")
    # the user has no identity policy: the stream's policy lets it describe the stream
    me = g.client("dynamodbstreams", aws_access_key_id=key, aws_secret_access_key=secret)
    assert refusal(lambda: me.describe_stream(StreamArn=stream))[0] == "AccessDeniedException"
    put_policy(g, stream, doc("Allow", uarn, ["dynamodb:DescribeStream"], stream))
    assert me.describe_stream(StreamArn=stream)["StreamDescription"]["StreamArn"] == stream
    # a Deny there binds the owner's root
    put_policy(g, stream, doc("Deny", ACCT, ["dynamodb:GetShardIterator"], stream))
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    code, _, msg = refusal(lambda: streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                                              ShardIteratorType="TRIM_HORIZON"))
    assert code == "AccessDeniedException" and "with an explicit deny in a resource-based policy" in msg
    # the table's own policy is another one
    status, answer = raw(g, "GetResourcePolicy", {"ResourceArn": stream.split("/stream/")[0]})
    assert (status, answer["__type"].split("#")[-1]) == (400, "PolicyNotFoundException")
    ddb.delete_table(TableName=name)


def test_policy_locking_the_caller_out_needs_confirmation(g, ddb):
    name, arn = table(ddb, "lock")
    deny_self = json.dumps(doc("Deny", ACCT, ["dynamodb:PutResourcePolicy"], arn))
    status, answer = raw(g, "PutResourcePolicy", {"ResourceArn": arn, "Policy": deny_self})
    assert (status, answer["__type"].split("#")[-1]) == (400, "ValidationException")
    assert "ConfirmRemoveSelfResourceAccess" in answer["message"]
    status, answer = raw(g, "PutResourcePolicy", {"ResourceArn": arn, "Policy": deny_self,
                                                  "ConfirmRemoveSelfResourceAccess": True})
    assert status == 200 and answer["RevisionId"]
    # now even the root may not change it, but may delete it
    status, answer = raw(g, "PutResourcePolicy", {"ResourceArn": arn, "Policy": json.dumps(
        doc("Allow", ACCT, ["dynamodb:GetItem"], arn))})
    assert (status, answer["__type"].split("#")[-1]) == (400, "AccessDeniedException")
    assert raw(g, "DeleteResourcePolicy", {"ResourceArn": arn})[0] == 200
    ddb.delete_table(TableName=name)
