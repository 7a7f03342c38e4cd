"""test_kinesis_newer.py — Kinesis operations newer than Debian's boto3 1.26,
and reading through a consumer: TagResource/UntagResource/ListTagsForResource
on streams and consumers (the same tags AddTagsToStream and
RegisterStreamConsumer keep), resource policies (Put/Get/Delete, and their
enforcement for another account and for IAM users of the owner's),
UpdateMaxRecordSize and the larger records then taken, account settings and
warm throughput, and SubscribeToShard's event stream (records pushed as they
arrive, one subscription per consumer and shard, its end after the
subscription time, a closed shard's children).

The newer operations skip under boto3 1.26 (run them with the newer one:
PYTHONPATH=/tmp/pyx /root/.pyenv/shims/python3 -m pytest ...); the
enforcement tests put their policy with a raw signed request and
SubscribeToShard is in both models, so those run under both. One server
with a second root account (GUREUM_ACCOUNTS), a 100 ms retention hour and
7-second subscriptions.
"""
import json
import os
import time

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import code_status_message as err, serve, signed_json

ACCT = "000000000000"
ALT = ("111111111111", "ALTACCESSKEY0000000K", "altsecret000000000000000000000000000000K")
HOUR_MS = 100
SUBSCRIPTION_MS = 7000


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_ACCOUNTS": ":".join(ALT), "GUREUM_KINESIS_HOUR_MS": str(HOUR_MS),
                                        "GUREUM_KINESIS_SUBSCRIPTION_MS": str(SUBSCRIPTION_MS)})


@pytest.fixture(scope="module")
def kin(g):
    return g.client("kinesis", config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture(scope="module")
def alt(g):
    return g.client("kinesis", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2],
                    config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def new_api(kin):
    if not hasattr(kin, "tag_resource"):
        pytest.skip("boto3 %s has no newer Kinesis operations" % botocore.session.__version__)


def refusal(call):
    with pytest.raises(ClientError) as ei:
        call()
    return err(ei)


def raw(g, op, body, key="test", secret="test"):
    """A Kinesis JSON call signed by hand, for clients whose model lacks op:
    (HTTP status, decoded answer)."""
    return signed_json(g, "kinesis", "Kinesis_20131202", "1.1", op, body, key, secret)


def stream(kin, tag, shards=1):
    name = "kn-%s-%s" % (tag, os.urandom(3).hex())
    kin.create_stream(StreamName=name, ShardCount=shards)
    return name, "arn:aws:kinesis:us-east-1:%s:stream/%s" % (ACCT, name)


def doc(effect, principal, actions, resource):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Principal": {"AWS": principal}, "Action": actions, "Resource": resource}]}


def put_policy(g, arn, d):
    status, answer = raw(g, "PutResourcePolicy", {"ResourceARN": arn, "Policy": json.dumps(d)})
    assert status == 200, answer


# ==== Tags by ARN ====

def test_tags_by_arn_share_the_stream_and_consumer_tags(kin, new_api):
    name, arn = stream(kin, "tags")
    kin.add_tags_to_stream(StreamName=name, Tags={"a": "1"})
    kin.tag_resource(ResourceARN=arn, Tags={"b": "2", "c": "3"})
    assert kin.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]
    assert [t["Key"] for t in kin.list_tags_for_stream(StreamName=name)["Tags"]] == ["a", "b", "c"]
    kin.untag_resource(ResourceARN=arn, TagKeys=["a", "c"])
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == [{"Key": "b", "Value": "2"}]
    # AWS: at most 50 tags per resource
    assert refusal(lambda: kin.tag_resource(ResourceARN=arn, Tags={"k%d" % i: "v" for i in range(50)}))[:2] == \
        ("InvalidArgumentException", 400)
    # a consumer's tags: given at registration, then by its ARN
    carn = kin.register_stream_consumer(StreamARN=arn, ConsumerName="c1", Tags={"team": "x"})["Consumer"]["ConsumerARN"]
    kin.tag_resource(ResourceARN=carn, Tags={"env": "dev"})
    assert kin.list_tags_for_resource(ResourceARN=carn)["Tags"] == [
        {"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "x"}]
    kin.untag_resource(ResourceARN=carn, TagKeys=["team"])
    assert kin.list_tags_for_resource(ResourceARN=carn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    # the stream's tags are not the consumer's
    assert kin.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    # a consumer registered again under the same name starts without tags
    kin.deregister_stream_consumer(ConsumerARN=carn)
    carn2 = kin.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]["ConsumerARN"]
    assert kin.list_tags_for_resource(ResourceARN=carn2)["Tags"] == []
    gone = arn[:-3] + "zzz"
    assert refusal(lambda: kin.list_tags_for_resource(ResourceARN=gone)) == (
        "ResourceNotFoundException", 400, "Stream %s under account %s not found." % (gone, ACCT))
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


# ==== Resource policies ====

def test_resource_policy_crud(kin, new_api):
    name, arn = stream(kin, "pol")
    # AWS (LocalStack's recording): no policy reads as "{}"
    assert kin.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    d = doc("Allow", "arn:aws:iam::%s:root" % ALT[0], "kinesis:PutRecord", arn)
    kin.put_resource_policy(ResourceARN=arn, Policy=json.dumps(d))
    assert json.loads(kin.get_resource_policy(ResourceARN=arn)["Policy"]) == d
    d2 = doc("Allow", "arn:aws:iam::%s:root" % ALT[0], ["kinesis:PutRecord", "kinesis:GetRecords"], arn)
    kin.put_resource_policy(ResourceARN=arn, Policy=json.dumps(d2))
    assert json.loads(kin.get_resource_policy(ResourceARN=arn)["Policy"]) == d2
    kin.delete_resource_policy(ResourceARN=arn)
    assert kin.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    assert refusal(lambda: kin.delete_resource_policy(ResourceARN=arn))[:2] == ("ResourceNotFoundException", 400)
    missing = "arn:aws:kinesis:us-east-1:%s:stream/none-%s" % (ACCT, os.urandom(3).hex())
    assert refusal(lambda: kin.put_resource_policy(ResourceARN=missing, Policy=json.dumps(d)))[:2] == \
        ("ResourceNotFoundException", 400)
    # a policy must name its principals
    nop = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": arn}]}
    assert refusal(lambda: kin.put_resource_policy(ResourceARN=arn, Policy=json.dumps(nop)))[:2] == \
        ("InvalidArgumentException", 400)
    # a consumer has a policy of its own
    carn = kin.register_stream_consumer(StreamARN=arn, ConsumerName="pc")["Consumer"]["ConsumerARN"]
    cd = doc("Allow", ALT[0], ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"], carn)
    kin.put_resource_policy(ResourceARN=carn, Policy=json.dumps(cd))
    assert json.loads(kin.get_resource_policy(ResourceARN=carn)["Policy"]) == cd
    assert kin.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    kin.delete_resource_policy(ResourceARN=carn)
    assert kin.get_resource_policy(ResourceARN=carn)["Policy"] == "{}"
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


def test_another_account_by_stream_arn(g, kin, alt, new_api):
    name, arn = stream(kin, "xacct", shards=2)
    msg = refusal(lambda: alt.put_record(StreamARN=arn, Data=b"x", PartitionKey="k"))
    assert msg[:2] == ("AccessDeniedException", 400)
    assert msg[2] == ("User: arn:aws:iam::%s:root is not authorized to perform: kinesis:PutRecord on resource: %s"
                      % (ALT[0], arn))
    put_policy(g, arn, doc("Allow", "arn:aws:iam::%s:root" % ALT[0],
                           ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards",
                            "kinesis:GetShardIterator", "kinesis:GetRecords"], arn))
    put = alt.put_record(StreamARN=arn, Data=b"from-alt", PartitionKey="k")
    seq, shard = put["SequenceNumber"], put["ShardId"]
    alt.put_records(StreamARN=arn, Records=[{"Data": b"two", "PartitionKey": "k"}])
    assert len(alt.list_shards(StreamARN=arn)["Shards"]) == 2
    # paging ListShards names the stream by the token alone, and finds the shared one
    page = alt.list_shards(StreamARN=arn, MaxResults=1)
    assert alt.list_shards(NextToken=page["NextToken"])["Shards"][0]["ShardId"] == "shardId-000000000001"
    it = alt.get_shard_iterator(StreamARN=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = alt.get_records(ShardIterator=it)["Records"]
    assert [r["Data"] for r in recs] == [b"from-alt", b"two"] and recs[0]["SequenceNumber"] == seq
    # what the policy does not name stays refused, and the name alone is the caller's own stream
    assert refusal(lambda: alt.describe_stream_summary(StreamARN=arn))[:2] == ("AccessDeniedException", 400)
    assert refusal(lambda: alt.describe_stream_summary(StreamName=name))[0] == "ResourceNotFoundException"
    assert refusal(lambda: alt.delete_stream(StreamARN=arn))[0] == "AccessDeniedException"
    # the policy is the owner's to read and change, whatever it says
    status, answer = raw(g, "GetResourcePolicy", {"ResourceARN": arn}, ALT[1], ALT[2])
    assert status == 400 and answer["__type"].endswith("AccessDeniedException")
    # a Deny wins over the Allow
    d = doc("Allow", ALT[0], ["kinesis:PutRecord"], arn)
    d["Statement"].append({"Effect": "Deny", "Principal": {"AWS": ALT[0]}, "Action": "kinesis:PutRecord",
                           "Resource": arn})
    put_policy(g, arn, d)
    assert refusal(lambda: alt.put_record(StreamARN=arn, Data=b"x", PartitionKey="k"))[0] == "AccessDeniedException"
    kin.delete_stream(StreamName=name)


@pytest.fixture
def user(g):
    """A fresh IAM user of the owner's account with a key and no policy:
    (name, ARN, Kinesis client)."""
    iam = g.client("iam")
    name = "kn-user-%s" % os.urandom(3).hex()
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    k = iam.create_access_key(UserName=name)["AccessKey"]
    client = g.client("kinesis", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"],
                      config=Config(retries={"total_max_attempts": 1}))
    yield name, arn, client
    for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=p)
    iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=name)


def eventually(call):
    for _ in range(50):
        try:
            return call()
        except ClientError:
            time.sleep(0.1)
    return call()


def test_same_account_user_through_the_stream_policy(g, kin, user):
    uname, uarn, uk = user
    name, arn = stream(kin, "user")
    assert refusal(lambda: uk.put_record(StreamName=name, Data=b"x", PartitionKey="k"))[0] == "AccessDeniedException"
    # the stream's policy alone lets a user of its account in
    put_policy(g, arn, doc("Allow", uarn, ["kinesis:PutRecord", "kinesis:DescribeStreamSummary",
                                          "kinesis:GetShardIterator", "kinesis:GetRecords"], arn))
    eventually(lambda: uk.put_record(StreamName=name, Data=b"x", PartitionKey="k"))
    assert uk.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamName"] == name
    it = uk.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in uk.get_records(ShardIterator=it)["Records"]] == [b"x"]
    assert refusal(lambda: uk.list_shards(StreamName=name))[0] == "AccessDeniedException"
    # an identity policy allows everything; the stream's Deny still refuses
    g.client("iam").put_user_policy(UserName=uname, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}]}))
    eventually(lambda: uk.list_shards(StreamName=name))
    put_policy(g, arn, doc("Deny", uarn, ["kinesis:PutRecord"], arn))
    assert refusal(lambda: uk.put_record(StreamName=name, Data=b"x", PartitionKey="k"))[0] == "AccessDeniedException"
    uk.list_shards(StreamName=name)
    # the owner's root is not bound by the Deny
    kin.put_record(StreamName=name, Data=b"root", PartitionKey="k")
    kin.delete_stream(StreamName=name)


# ==== Record size ====

def test_update_max_record_size(kin, new_api):
    name, arn = stream(kin, "size")
    mib = 1 << 20
    s = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert s["MaxRecordSizeInKiB"] == 1024
    assert refusal(lambda: kin.put_record(StreamName=name, Data=b"a" * mib, PartitionKey="k")) == (
        "ValidationException", 400, "1 validation error detected: Value at 'data' failed to satisfy constraint: "
        "Member must have length less than or equal to 1048576")
    kin.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=2048)
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["MaxRecordSizeInKiB"] == 2048
    big = os.urandom(3 * mib // 2)
    seq = kin.put_record(StreamName=name, Data=big, PartitionKey="k")["SequenceNumber"]
    kin.put_records(StreamName=name, Records=[{"Data": big, "PartitionKey": "k"}])
    it = kin.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq)["ShardIterator"]
    assert [r["Data"] for r in kin.get_records(ShardIterator=it)["Records"]] == [big, big]
    assert refusal(lambda: kin.put_records(StreamName=name, Records=[
        {"Data": b"a" * (2 * mib), "PartitionKey": "k"}])) == (
        "ValidationException", 400, "1 validation error detected: Value at 'records.1.member.data' failed to satisfy "
        "constraint: Member must have length less than or equal to 2097152")
    # AWS: 1024..10240 KiB
    assert refusal(lambda: kin.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=10241))[:2] == \
        ("ValidationException", 400)
    kin.create_stream(StreamName=name + "-10", ShardCount=1, MaxRecordSizeInKiB=10240)
    s = kin.describe_stream_summary(StreamName=name + "-10")["StreamDescriptionSummary"]
    assert s["MaxRecordSizeInKiB"] == 10240
    kin.put_record(StreamName=name + "-10", Data=b"z" * (10 * mib - 1), PartitionKey="k")
    kin.delete_stream(StreamName=name + "-10")
    kin.delete_stream(StreamName=name)


# ==== Account settings and warm throughput ====

def test_account_settings_and_warm_throughput(kin, new_api):
    c = kin.describe_account_settings()["MinimumThroughputBillingCommitment"]
    assert c == {"Status": "DISABLED"}
    name = "kn-warm-%s" % os.urandom(3).hex()
    kin.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    # AWS: warm throughput needs the commitment, and an on-demand stream
    assert refusal(lambda: kin.update_stream_warm_throughput(StreamName=name, WarmThroughputMiBps=100))[:2] == \
        ("InvalidArgumentException", 400)
    c = kin.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})[
        "MinimumThroughputBillingCommitment"]
    assert c["Status"] == "ENABLED" and "EndedAt" not in c
    # the commitment lasts 24 hours (2.4 s here)
    assert abs((c["EarliestAllowedEndAt"] - c["StartedAt"]).total_seconds() - 24 * HOUR_MS / 1000) < 0.01
    w = kin.update_stream_warm_throughput(StreamName=name, WarmThroughputMiBps=100)
    assert w["StreamName"] == name and w["StreamARN"].endswith(":stream/" + name)
    assert w["WarmThroughput"] == {"TargetMiBps": 100, "CurrentMiBps": 100}
    s = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert s["WarmThroughput"] == {"TargetMiBps": 100, "CurrentMiBps": 100}
    assert refusal(lambda: kin.update_stream_warm_throughput(StreamName=name, WarmThroughputMiBps=10241))[:2] == \
        ("InvalidArgumentException", 400)
    prov, _ = stream(kin, "prov")
    assert refusal(lambda: kin.update_stream_warm_throughput(StreamName=prov, WarmThroughputMiBps=10))[:2] == \
        ("InvalidArgumentException", 400)
    created = "kn-warm2-%s" % os.urandom(3).hex()
    kin.create_stream(StreamName=created, StreamModeDetails={"StreamMode": "ON_DEMAND"}, WarmThroughputMiBps=50)
    assert kin.describe_stream_summary(StreamName=created)["StreamDescriptionSummary"]["WarmThroughput"] == \
        {"TargetMiBps": 50, "CurrentMiBps": 50}
    # disabled before its end: it ends by itself at EarliestAllowedEndAt
    c = kin.update_account_settings(MinimumThroughputBillingCommitment={"Status": "DISABLED"})[
        "MinimumThroughputBillingCommitment"]
    assert c["Status"] == "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
    time.sleep(24 * HOUR_MS / 1000 + 0.3)
    c = kin.describe_account_settings()["MinimumThroughputBillingCommitment"]
    assert c["Status"] == "DISABLED" and c["EndedAt"] == c["EarliestAllowedEndAt"]
    for n in (name, prov, created):
        kin.delete_stream(StreamName=n)


# ==== SubscribeToShard ====

def consumer(kin, arn, cname="sub"):
    # records outlive this module's short retention hours while subscriptions run
    kin.increase_stream_retention_period(StreamName=arn.rsplit("/", 1)[1], RetentionPeriodHours=8760)
    return kin.register_stream_consumer(StreamARN=arn, ConsumerName=cname)["Consumer"]["ConsumerARN"]


def events(stream_, want_records, limit=20):
    """SubscribeToShardEvents until want_records records came (or the stream ended)."""
    out, got = [], 0
    for ev in stream_:
        e = ev["SubscribeToShardEvent"]
        out.append(e)
        got += len(e["Records"])
        if got >= want_records or len(out) >= limit:
            break
    return out


def test_subscribe_to_shard_pushes_records(kin):
    name, arn = stream(kin, "sub")
    carn = consumer(kin, arn)
    kin.put_record(StreamName=name, Data=b"before-0", PartitionKey="k")
    kin.put_record(StreamName=name, Data=b"before-1", PartitionKey="k")
    res = kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                 StartingPosition={"Type": "TRIM_HORIZON"})
    assert res["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    es = res["EventStream"]
    first = events(es, 2)
    recs = [r for e in first for r in e["Records"]]
    assert [r["Data"] for r in recs] == [b"before-0", b"before-1"]
    assert first[-1]["ContinuationSequenceNumber"] == recs[-1]["SequenceNumber"]
    assert first[-1]["MillisBehindLatest"] == 0 and recs[0]["PartitionKey"] == "k"
    # a second subscription within 5 s of the first is refused
    assert refusal(lambda: kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                                  StartingPosition={"Type": "LATEST"}))[:2] == \
        ("ResourceInUseException", 400)
    # records arriving now are pushed
    kin.put_records(StreamName=name, Records=[{"Data": b"after-%d" % i, "PartitionKey": "k"} for i in range(3)])
    later = events(es, 3)
    assert [r["Data"] for e in later for r in e["Records"]] == [b"after-0", b"after-1", b"after-2"]
    # the subscription ends after its time (7 s here, 5 minutes on AWS)
    t0 = time.time()
    for _ in es:
        pass
    assert time.time() - t0 < SUBSCRIPTION_MS / 1000 + 6
    # and goes on from its continuation
    res = kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                 StartingPosition={"Type": "AFTER_SEQUENCE_NUMBER",
                                                   "SequenceNumber": recs[-1]["SequenceNumber"]})
    again = events(res["EventStream"], 3)
    assert [r["Data"] for e in again for r in e["Records"]] == [b"after-0", b"after-1", b"after-2"]
    res["EventStream"].close()
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


def test_subscribe_to_shard_refusals_and_a_closed_shard(kin):
    name, arn = stream(kin, "subx")
    carn = consumer(kin, arn)
    assert refusal(lambda: kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000009",
                                                  StartingPosition={"Type": "LATEST"})) == (
        "ResourceNotFoundException", 400,
        "Shard shardId-000000000009 in stream %s under account %s does not exist" % (name, ACCT))
    assert refusal(lambda: kin.subscribe_to_shard(ConsumerARN=carn + "0", ShardId="shardId-000000000000",
                                                  StartingPosition={"Type": "LATEST"}))[0] == \
        "ResourceNotFoundException"
    assert refusal(lambda: kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                                  StartingPosition={"Type": "AT_SEQUENCE_NUMBER"}))[:2] == \
        ("InvalidArgumentException", 400)
    kin.put_record(StreamName=name, Data=b"old", PartitionKey="k")
    kin.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    # a closed shard read to its end: its children, no continuation, and the end
    res = kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                 StartingPosition={"Type": "TRIM_HORIZON"})
    evs = [e["SubscribeToShardEvent"] for e in res["EventStream"]]
    assert [r["Data"] for e in evs for r in e["Records"]] == [b"old"]
    last = evs[-1]
    assert "ContinuationSequenceNumber" not in last
    assert sorted(c["ShardId"] for c in last["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
    assert last["ChildShards"][0]["ParentShards"] == ["shardId-000000000000"]
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


def test_subscribe_through_another_accounts_consumer_policy(g, kin, alt):
    name, arn = stream(kin, "subpol")
    carn = consumer(kin, arn)
    assert refusal(lambda: alt.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                                  StartingPosition={"Type": "TRIM_HORIZON"}))[0] == \
        "AccessDeniedException"
    put_policy(g, carn, doc("Allow", ALT[0], ["kinesis:SubscribeToShard"], carn))
    kin.put_record(StreamName=name, Data=b"shared", PartitionKey="k")
    res = alt.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                 StartingPosition={"Type": "TRIM_HORIZON"})
    assert [r["Data"] for e in events(res["EventStream"], 1) for r in e["Records"]] == [b"shared"]
    res["EventStream"].close()
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


def test_subscribe_to_shard_takes_over_after_five_seconds(kin):
    name, arn = stream(kin, "subtk")
    carn = consumer(kin, arn)
    first = kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                   StartingPosition={"Type": "LATEST"})["EventStream"]
    time.sleep(5.2)
    # AWS: 5 seconds or more later the second call takes over; the first connection ends
    second = kin.subscribe_to_shard(ConsumerARN=carn, ShardId="shardId-000000000000",
                                    StartingPosition={"Type": "LATEST"})["EventStream"]
    t0 = time.time()
    for _ in first:
        pass
    assert time.time() - t0 < 1.5
    kin.put_record(StreamName=name, Data=b"to-the-second", PartitionKey="k")
    assert [r["Data"] for e in events(second, 1) for r in e["Records"]] == [b"to-the-second"]
    # a consumer deregistered ends its subscriptions
    kin.deregister_stream_consumer(ConsumerARN=carn)
    t0 = time.time()
    for _ in second:
        pass
    assert time.time() - t0 < 1.5
    kin.delete_stream(StreamName=name)
