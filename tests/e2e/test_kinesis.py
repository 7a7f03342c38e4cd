"""test_kinesis.py — Kinesis Data Streams end to end: stream lifecycle (by
name and by ARN), shards splitting the hash key range, PutRecord/PutRecords
routed by MD5 of the partition key or ExplicitHashKey, iterators of every
type, GetRecords paging and MillisBehindLatest, iterator expiry, tags,
retention (records really expire: GUREUM_KINESIS_HOUR_MS shortens an hour),
SplitShard/MergeShards/UpdateShardCount, capacity mode changes, enhanced monitoring, stream encryption, enhanced fan-out
consumers, record size limits, errors with code, status and message, a kill -9
after PutRecord, and the AWS CLI.
"""
import base64
import datetime
import hashlib
import json
import time

import botocore.exceptions
import pytest

from conftest import CLIS, code_status_message as err, serve

ACCOUNT = "000000000000"
HOUR_MS = 100  # a retention hour in this module's server: 24 h pass in 2.4 s


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_KINESIS_HOUR_MS": str(HOUR_MS)})


@pytest.fixture(scope="module")
def kin(gureum):
    return gureum.client("kinesis")


def all_records(kin, name, shard_id, it_type="TRIM_HORIZON", **kw):
    it = kin.get_shard_iterator(StreamName=name, ShardId=shard_id, ShardIteratorType=it_type, **kw)["ShardIterator"]
    return kin.get_records(ShardIterator=it)["Records"]


# ==== Streams ====

def test_create_describe_list_delete(kin):
    kin.create_stream(StreamName="life", ShardCount=3)
    d = kin.describe_stream(StreamName="life")["StreamDescription"]
    assert d["StreamStatus"] == "ACTIVE"
    assert d["StreamARN"] == "arn:aws:kinesis:us-east-1:%s:stream/life" % ACCOUNT
    assert d["RetentionPeriodHours"] == 24 and d["HasMoreShards"] is False
    assert d["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    ids = [s["ShardId"] for s in d["Shards"]]
    assert ids == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]
    # the 128-bit hash key range split evenly, as AWS splits it
    ranges = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
              for s in d["Shards"]]
    assert ranges[0][0] == 0 and ranges[-1][1] == 2**128 - 1
    assert ranges[0][1] == 2**128 // 3 - 1 and ranges[1][0] == 2**128 // 3
    assert all(ranges[i][1] + 1 == ranges[i + 1][0] for i in range(2))
    s = kin.describe_stream_summary(StreamName="life")["StreamDescriptionSummary"]
    assert s["OpenShardCount"] == 3 and s["StreamStatus"] == "ACTIVE" and s["ConsumerCount"] == 0
    assert "life" in kin.list_streams()["StreamNames"]
    kin.get_waiter("stream_exists").wait(StreamName="life")
    kin.delete_stream(StreamName="life")
    assert "life" not in kin.list_streams()["StreamNames"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.describe_stream(StreamName="life")
    assert err(e) == ("ResourceNotFoundException", 400, "Stream life under account %s not found." % ACCOUNT)


def test_on_demand_and_default_mode(kin):
    kin.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    d = kin.describe_stream(StreamName="od")["StreamDescription"]
    assert d["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and len(d["Shards"]) == 4
    kin.create_stream(StreamName="dflt")
    assert len(kin.describe_stream(StreamName="dflt")["StreamDescription"]["Shards"]) == 4
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.create_stream(StreamName="od2", ShardCount=2, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert err(e)[:2] == ("InvalidArgumentException", 400)
    kin.delete_stream(StreamName="od")
    kin.delete_stream(StreamName="dflt")


def test_create_errors(kin):
    kin.create_stream(StreamName="dup", ShardCount=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.create_stream(StreamName="dup", ShardCount=1)
    assert err(e) == ("ResourceInUseException", 400, "Stream dup under account %s already exists." % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.create_stream(StreamName="huge", ShardCount=1000)
    code, status, msg = err(e)
    assert (code, status) == ("LimitExceededException", 400)
    assert msg.startswith("This request would exceed the shard limit for the account %s in us-east-1." % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.delete_stream(StreamName="nope")
    assert err(e) == ("ResourceNotFoundException", 400, "Stream nope under account %s not found." % ACCOUNT)
    kin.delete_stream(StreamName="dup")


def test_list_streams_pages(kin):
    for i in range(5):
        kin.create_stream(StreamName="pg-%d" % i, ShardCount=1)
    names = []
    r = kin.list_streams(Limit=2)
    assert r["HasMoreStreams"] is True and len(r["StreamNames"]) == 2
    names += r["StreamNames"]
    while r["HasMoreStreams"]:
        r = kin.list_streams(Limit=2, ExclusiveStartStreamName=names[-1])
        names += r["StreamNames"]
    assert [n for n in names if n.startswith("pg-")] == ["pg-%d" % i for i in range(5)]
    for i in range(5):
        kin.delete_stream(StreamName="pg-%d" % i)


def test_list_shards(kin):
    kin.create_stream(StreamName="ls", ShardCount=5)
    r = kin.list_shards(StreamName="ls", MaxResults=2)
    assert [s["ShardId"] for s in r["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    r2 = kin.list_shards(NextToken=r["NextToken"], MaxResults=2)
    assert [s["ShardId"] for s in r2["Shards"]] == ["shardId-000000000002", "shardId-000000000003"]
    r3 = kin.list_shards(NextToken=r2["NextToken"])
    assert [s["ShardId"] for s in r3["Shards"]] == ["shardId-000000000004"] and "NextToken" not in r3
    r = kin.list_shards(StreamName="ls", ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000002"})
    assert [s["ShardId"] for s in r["Shards"]] == ["shardId-000000000003", "shardId-000000000004"]
    assert len(kin.list_shards(StreamName="ls", ShardFilter={"Type": "AT_TRIM_HORIZON"})["Shards"]) == 5
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.list_shards(StreamName="ls", NextToken=r2["NextToken"])
    assert err(e) == ("InvalidArgumentException", 400, "NextToken and StreamName cannot be provided together.")
    kin.delete_stream(StreamName="ls")


# ==== Records ====

def shard_for(d, key):
    h = int.from_bytes(hashlib.md5(key.encode()).digest(), "big")
    for s in d["Shards"]:
        if int(s["HashKeyRange"]["StartingHashKey"]) <= h <= int(s["HashKeyRange"]["EndingHashKey"]):
            return s["ShardId"]


def test_put_get_across_shards(kin):
    kin.create_stream(StreamName="rec", ShardCount=4)
    d = kin.describe_stream(StreamName="rec")["StreamDescription"]
    sent = {}
    for i in range(40):
        key = "key-%d" % i
        r = kin.put_record(StreamName="rec", Data=b"data-%d" % i, PartitionKey=key)
        assert r["ShardId"] == shard_for(d, key)
        assert len(r["SequenceNumber"]) == 56 and r["SequenceNumber"].isdigit()
        sent.setdefault(r["ShardId"], []).append((r["SequenceNumber"], b"data-%d" % i, key))
    assert len(sent) == 4
    for sid, want in sent.items():
        got = all_records(kin, "rec", sid)
        assert [(g["SequenceNumber"], g["Data"], g["PartitionKey"]) for g in got] == want
        seqs = [int(g["SequenceNumber"]) for g in got]
        assert seqs == sorted(seqs)
        assert all(isinstance(g["ApproximateArrivalTimestamp"], datetime.datetime) for g in got)
    # ExplicitHashKey picks the shard whatever the partition key
    r = kin.put_record(StreamName="rec", Data=b"x", PartitionKey="any", ExplicitHashKey=str(2**128 - 1))
    assert r["ShardId"] == "shardId-000000000003"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.put_record(StreamName="rec", Data=b"x", PartitionKey="any", ExplicitHashKey=str(2**128))
    assert err(e) == ("InvalidArgumentException", 400,
                      "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                      "Specified value was %d" % 2**128)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.put_record(StreamName="gone", Data=b"x", PartitionKey="k")
    assert err(e) == ("ResourceNotFoundException", 400, "Stream gone under account %s not found." % ACCOUNT)
    kin.delete_stream(StreamName="rec")


def test_put_records_batch(kin):
    kin.create_stream(StreamName="batch", ShardCount=2)
    recs = [{"Data": b"b%d" % i, "PartitionKey": "p%d" % i} for i in range(20)]
    r = kin.put_records(StreamName="batch", Records=recs)
    assert r["FailedRecordCount"] == 0 and len(r["Records"]) == 20
    assert all("SequenceNumber" in x and "ShardId" in x and "ErrorCode" not in x for x in r["Records"])
    got = []
    for sid in ("shardId-000000000000", "shardId-000000000001"):
        got += [g["Data"] for g in all_records(kin, "batch", sid)]
    assert sorted(got) == sorted(x["Data"] for x in recs)
    kin.delete_stream(StreamName="batch")


def test_iterator_types(kin):
    kin.create_stream(StreamName="its", ShardCount=1)
    sid = "shardId-000000000000"
    seqs = [kin.put_record(StreamName="its", Data=b"%d" % i, PartitionKey="k")["SequenceNumber"] for i in range(3)]
    latest = kin.get_shard_iterator(StreamName="its", ShardId=sid, ShardIteratorType="LATEST")["ShardIterator"]
    time.sleep(1.2)  # botocore 1.26 sends whole seconds
    mid = datetime.datetime.now(datetime.timezone.utc)
    seqs.append(kin.put_record(StreamName="its", Data=b"3", PartitionKey="k")["SequenceNumber"])
    assert [r["Data"] for r in all_records(kin, "its", sid)] == [b"0", b"1", b"2", b"3"]
    assert [r["Data"] for r in kin.get_records(ShardIterator=latest)["Records"]] == [b"3"]
    assert [r["Data"] for r in all_records(kin, "its", sid, "AT_SEQUENCE_NUMBER",
                                           StartingSequenceNumber=seqs[1])] == [b"1", b"2", b"3"]
    assert [r["Data"] for r in all_records(kin, "its", sid, "AFTER_SEQUENCE_NUMBER",
                                           StartingSequenceNumber=seqs[1])] == [b"2", b"3"]
    assert [r["Data"] for r in all_records(kin, "its", sid, "AT_TIMESTAMP", Timestamp=mid)] == [b"3"]
    # paging with Limit, NextShardIterator and MillisBehindLatest
    it = kin.get_shard_iterator(StreamName="its", ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = kin.get_records(ShardIterator=it, Limit=3)
    assert len(r["Records"]) == 3 and r["MillisBehindLatest"] >= 0
    r = kin.get_records(ShardIterator=r["NextShardIterator"], Limit=3)
    assert [x["Data"] for x in r["Records"]] == [b"3"] and r["MillisBehindLatest"] == 0
    r = kin.get_records(ShardIterator=r["NextShardIterator"])
    assert r["Records"] == [] and r["NextShardIterator"]
    # a shard the stream lacks, a sequence number without a type that takes one
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_shard_iterator(StreamName="its", ShardId="shardId-000000000009", ShardIteratorType="LATEST")
    assert err(e) == ("ResourceNotFoundException", 400, "Shard shardId-000000000009 in stream its under account "
                      "%s does not exist" % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_shard_iterator(StreamName="its", ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert err(e)[:2] == ("InvalidArgumentException", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_records(ShardIterator="bm90IGFuIGl0ZXJhdG9y")
    assert err(e) == ("InvalidArgumentException", 400, "Invalid ShardIterator.")
    kin.delete_stream(StreamName="its")


def test_expired_iterator(kin):
    kin.create_stream(StreamName="exp", ShardCount=1)
    s = kin.describe_stream(StreamName="exp")["StreamDescription"]
    # an iterator issued six minutes ago (ours are readable: see record.c)
    old = int(time.time() * 1000) - 360000
    text = ("it1/%s/0/0/%d/exp" % (int(s["Shards"][0]["SequenceNumberRange"]
                                        ["StartingSequenceNumber"][2:14]), old)).encode()
    it = base64.b64encode((b"\0" * 7 + b"\1" + text).ljust(152, b"\0")).decode()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_records(ShardIterator=it)
    code, status, msg = err(e)
    assert (code, status) == ("ExpiredIteratorException", 400)
    assert msg.startswith("Iterator expired. The iterator was created at time ")
    assert msg.endswith("which is further in the future than the tolerated delay of 300000 milliseconds.")
    kin.delete_stream(StreamName="exp")


def test_stream_arn_names_the_stream(kin):
    kin.create_stream(StreamName="byarn", ShardCount=1)
    arn = kin.describe_stream(StreamName="byarn")["StreamDescription"]["StreamARN"]
    arn_kin = kin
    if "StreamARN" not in kin.meta.service_model.operation_model("PutRecord").input_shape.members:
        pytest.skip("this botocore's Kinesis model has no StreamARN members")
    r = arn_kin.put_record(StreamARN=arn, Data=b"a", PartitionKey="k")
    it = arn_kin.get_shard_iterator(StreamARN=arn, ShardId=r["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [x["Data"] for x in arn_kin.get_records(ShardIterator=it, StreamARN=arn)["Records"]] == [b"a"]
    assert arn_kin.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["StreamName"] == "byarn"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        arn_kin.describe_stream(StreamARN=arn.replace("byarn", "other"))
    assert err(e) == ("ResourceNotFoundException", 400, "Stream other under account %s not found." % ACCOUNT)
    summaries = arn_kin.list_streams()["StreamSummaries"]
    assert any(x["StreamARN"] == arn and x["StreamStatus"] == "ACTIVE" for x in summaries)
    arn_kin.delete_stream(StreamARN=arn)


# ==== Tags and retention ====

def test_tags(kin):
    kin.create_stream(StreamName="tg", ShardCount=1)
    kin.add_tags_to_stream(StreamName="tg", Tags={"a": "1", "b": "2", "c": "3"})
    r = kin.list_tags_for_stream(StreamName="tg")
    assert r["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]
    assert r["HasMoreTags"] is False
    r = kin.list_tags_for_stream(StreamName="tg", Limit=1, ExclusiveStartTagKey="a")
    assert r["Tags"] == [{"Key": "b", "Value": "2"}] and r["HasMoreTags"] is True
    kin.remove_tags_from_stream(StreamName="tg", TagKeys=["a", "c"])
    assert kin.list_tags_for_stream(StreamName="tg")["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.add_tags_to_stream(StreamName="nope", Tags={"a": "1"})
    assert err(e)[0] == "ResourceNotFoundException"
    kin.delete_stream(StreamName="tg")


def test_retention(kin):
    kin.create_stream(StreamName="ret", ShardCount=1)
    kin.increase_stream_retention_period(StreamName="ret", RetentionPeriodHours=48)
    assert kin.describe_stream(StreamName="ret")["StreamDescription"]["RetentionPeriodHours"] == 48
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.increase_stream_retention_period(StreamName="ret", RetentionPeriodHours=30)
    assert err(e) == ("InvalidArgumentException", 400,
                      "Requested retention period (30 hours) for stream ret can not be shorter than existing "
                      "retention period (48 hours). Use DecreaseRetentionPeriod API.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.increase_stream_retention_period(StreamName="ret", RetentionPeriodHours=9000)
    assert err(e) == ("InvalidArgumentException", 400, "Maximum allowed retention period is 8760 hours. "
                      "Requested retention period (9000 hours) is too long.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.decrease_stream_retention_period(StreamName="ret", RetentionPeriodHours=12)
    assert err(e) == ("InvalidArgumentException", 400, "Minimum allowed retention period is 24 hours. "
                      "Requested retention period (12 hours) is too short.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.decrease_stream_retention_period(StreamName="ret", RetentionPeriodHours=72)
    assert err(e) == ("InvalidArgumentException", 400,
                      "Requested retention period (72 hours) for stream ret can not be longer than existing "
                      "retention period (48 hours). Use IncreaseRetentionPeriod API.")
    kin.decrease_stream_retention_period(StreamName="ret", RetentionPeriodHours=24)
    kin.decrease_stream_retention_period(StreamName="ret", RetentionPeriodHours=24)  # the same value: a no-op
    # records really expire: 24 "hours" here are 2.4 s
    kin.put_record(StreamName="ret", Data=b"old", PartitionKey="k")
    time.sleep(24 * HOUR_MS / 1000 + 0.5)
    kin.put_record(StreamName="ret", Data=b"new", PartitionKey="k")
    assert [r["Data"] for r in all_records(kin, "ret", "shardId-000000000000")] == [b"new"]
    kin.delete_stream(StreamName="ret")


def test_split_and_merge_shards(kin):
    kin.create_stream(StreamName="reshard", ShardCount=2)
    old = kin.put_record(StreamName="reshard", Data=b"before", PartitionKey="k")
    half = 2**127
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.split_shard(StreamName="reshard", ShardToSplit="shardId-000000000009", NewStartingHashKey=str(half))
    assert err(e) == ("ResourceNotFoundException", 400,
                      "Could not find shard shardId-000000000009 in stream reshard under account %s." % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:  # the shard's own first key: a child with no keys
        kin.split_shard(StreamName="reshard", ShardToSplit="shardId-000000000001", NewStartingHashKey=str(half))
    assert err(e)[:2] == ("InvalidArgumentException", 400)
    kin.split_shard(StreamName="reshard", ShardToSplit="shardId-000000000001", NewStartingHashKey=str(half + 2**126))
    shards = kin.describe_stream(StreamName="reshard")["StreamDescription"]["Shards"]
    assert [s["ShardId"][-1] for s in shards] == ["0", "1", "2", "3"]
    assert "EndingSequenceNumber" in shards[1]["SequenceNumberRange"]
    assert [s.get("ParentShardId") for s in shards] == [None, None, "shardId-000000000001", "shardId-000000000001"]
    assert [(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"]) for s in shards[2:]] == [
        (str(half), str(half + 2**126 - 1)), (str(half + 2**126), str(2**128 - 1))]
    summary = kin.describe_stream_summary(StreamName="reshard")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 3
    assert [s["ShardId"] for s in kin.list_shards(StreamName="reshard", ShardFilter={"Type": "AT_LATEST"})[
        "Shards"]] == ["shardId-000000000000", "shardId-000000000002", "shardId-000000000003"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.split_shard(StreamName="reshard", ShardToSplit="shardId-000000000001", NewStartingHashKey=str(half + 5))
    assert err(e) == ("InvalidArgumentException", 400,
                      "Shard shardId-000000000001 in stream reshard under account %s has already been merged or "
                      "split, and thus is not eligible for merging or splitting." % ACCOUNT)
    # new records go to the open children only
    for i in range(40):
        assert kin.put_record(StreamName="reshard", Data=b"x", PartitionKey=str(i))["ShardId"] != "shardId-000000000001"
    with pytest.raises(botocore.exceptions.ClientError) as e:  # 0 and 3 are not adjacent
        kin.merge_shards(StreamName="reshard", ShardToMerge="shardId-000000000000",
                         AdjacentShardToMerge="shardId-000000000003")
    assert err(e)[:2] == ("InvalidArgumentException", 400)
    kin.merge_shards(StreamName="reshard", ShardToMerge="shardId-000000000000",
                     AdjacentShardToMerge="shardId-000000000002")
    child = kin.describe_stream(StreamName="reshard")["StreamDescription"]["Shards"][4]
    assert (child["ShardId"], child["ParentShardId"], child["AdjacentParentShardId"]) == (
        "shardId-000000000004", "shardId-000000000000", "shardId-000000000002")
    assert (child["HashKeyRange"]["StartingHashKey"], child["HashKeyRange"]["EndingHashKey"]) == (
        "0", str(half + 2**126 - 1))
    # a closed shard keeps its records; read to its end, it has no next iterator
    it = kin.get_shard_iterator(StreamName="reshard", ShardId=old["ShardId"],
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = kin.get_records(ShardIterator=it)
    assert [r["Data"] for r in got["Records"]][:1] == [b"before"] and "NextShardIterator" not in got
    kin.delete_stream(StreamName="reshard")


@pytest.mark.parametrize("initial,target,total", [(2, 4, 6), (4, 5, 15), (10, 13, 37), (4, 2, 6), (5, 3, 7)])
def test_update_shard_count(kin, initial, target, total):
    # the shard totals AWS's UNIFORM_SCALING leaves (split all, then merge pairs; or merge pairs)
    name = "usc-%d-%d" % (initial, target)
    kin.create_stream(StreamName=name, ShardCount=initial)
    r = kin.update_shard_count(StreamName=name, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    assert (r["StreamName"], r["CurrentShardCount"], r["TargetShardCount"]) == (name, initial, target)
    shards = kin.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
    open_ = sorted((int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
                   for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"])
    assert len(shards) == total and len(open_) == target
    # the open shards still cover every hash key once
    assert open_[0][0] == 0 and open_[-1][1] == 2**128 - 1
    assert all(open_[i][1] + 1 == open_[i + 1][0] for i in range(target - 1))
    kin.delete_stream(StreamName=name)


def test_update_shard_count_limits(kin):
    kin.create_stream(StreamName="usc", ShardCount=4)
    for t in (9, 1):  # more than double, less than half
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kin.update_shard_count(StreamName="usc", TargetShardCount=t, ScalingType="UNIFORM_SCALING")
        assert err(e)[:2] == ("LimitExceededException", 400)
    kin.delete_stream(StreamName="usc")
    kin.create_stream(StreamName="usc-od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.update_shard_count(StreamName="usc-od", TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    assert err(e) == ("ValidationException", 400,
                      "Request is invalid. Stream usc-od under account %s is in On-Demand mode." % ACCOUNT)
    kin.delete_stream(StreamName="usc-od")


# ==== AWS's answers as kinesalite's suite (run against AWS) recorded them ====

def test_shard_ids_are_read_as_aws_reads_them(kin):
    """ShardId is the digits after its first '-' (or the whole id): "1", "shardId-1" and
    "x-0001" name shardId-000000000001; a ShardId that names no shard at all fails before
    the stream is looked up, and GetShardIterator reports an absent stream as its shard's
    absence."""
    kin.create_stream(StreamName="sid", ShardCount=3)
    third = 2**128 // 3
    r = kin.put_record(StreamName="sid", Data=b"one", PartitionKey="k", ExplicitHashKey=str(third + 5))
    assert r["ShardId"] == "shardId-000000000001"
    for sid in ("1", "shardId-1", "x-0001", "-00001"):
        assert [x["Data"] for x in all_records(kin, "sid", sid)] == [b"one"]
    cases = [("sid", "shardId-5", "Shard shardId-000000000005 in stream sid under account %s does not exist"),
             ("nope", "2147483647", "Shard shardId-002147483647 in stream nope under account %s does not exist"),
             ("nope", "2147483648", "Could not find shard 2147483648 in stream nope under account %s."),
             ("nope", "ABKLFD8", "Could not find shard ABKLFD8 in stream nope under account %s."),
             ("nope", "2.14E4", "Could not find shard 2.14E4 in stream nope under account %s.")]
    for stream, sid, msg in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kin.get_shard_iterator(StreamName=stream, ShardId=sid, ShardIteratorType="LATEST")
        assert err(e) == ("ResourceNotFoundException", 400, msg % ACCOUNT)
    # the iterator has the shape of AWS's: 00 … 01, 152 bytes or more in steps of 16
    it = kin.get_shard_iterator(StreamName="sid", ShardId="0", ShardIteratorType="LATEST")["ShardIterator"]
    raw = base64.b64decode(it)
    assert raw[:8] == b"\0" * 7 + b"\1" and len(raw) >= 152 and (len(raw) - 152) % 16 == 0
    # SplitShard and MergeShards: the same reading, then the stream
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.split_shard(StreamName="nope", ShardToSplit="shardId-0", NewStartingHashKey="5")
    assert err(e) == ("ResourceNotFoundException", 400, "Stream nope under account %s not found." % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.merge_shards(StreamName="nope", ShardToMerge="0", AdjacentShardToMerge="shardId-002147483648")
    assert err(e) == ("ResourceNotFoundException", 400,
                      "Could not find shard shardId-002147483648 in stream nope under account %s." % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.split_shard(StreamName="sid", ShardToSplit="shardId-5", NewStartingHashKey="5")
    assert err(e) == ("ResourceNotFoundException", 400,
                      "Could not find shard shardId-000000000005 in stream sid under account %s." % ACCOUNT)
    # NewStartingHashKey above StartingHashKey + 1 and below EndingHashKey
    end0 = int(kin.describe_stream(StreamName="sid")["StreamDescription"]["Shards"][0]["HashKeyRange"][
        "EndingHashKey"])
    for key in ("1", str(end0)):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kin.split_shard(StreamName="sid", ShardToSplit="shard-0", NewStartingHashKey=key)
        assert err(e) == ("InvalidArgumentException", 400,
                          "NewStartingHashKey %s used in SplitShard() on shard shardId-000000000000 in stream sid "
                          "under account %s is not both greater than one plus the shard's StartingHashKey 0 and less "
                          "than the shard's EndingHashKey %d." % (key, ACCOUNT, end0))
    # MergeShards takes the pair in order: ShardToMerge's range first
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.merge_shards(StreamName="sid", ShardToMerge="x-1", AdjacentShardToMerge="x-0")
    assert err(e) == ("InvalidArgumentException", 400,
                      "Shards shardId-000000000001 and shardId-000000000000 in stream sid under account %s are not "
                      "an adjacent pair of shards eligible for merging" % ACCOUNT)
    kin.merge_shards(StreamName="sid", ShardToMerge="x-0", AdjacentShardToMerge="x-1")
    kin.split_shard(StreamName="sid", ShardToSplit="2", NewStartingHashKey=str(2 * third + 10))
    # an iterator of a stream deleted since: its shard does not exist
    it = kin.get_shard_iterator(StreamName="sid", ShardId="shardId-2", ShardIteratorType="LATEST")["ShardIterator"]
    kin.delete_stream(StreamName="sid")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_records(ShardIterator=it)
    assert err(e) == ("ResourceNotFoundException", 400,
                      "Shard shardId-000000000002 in stream sid under account %s does not exist" % ACCOUNT)


def test_get_shard_iterator_argument_errors(kin):
    kin.create_stream(StreamName="gsi", ShardCount=1)
    head = ("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
            "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. ")
    for typ, seq, tail in [("AT_SEQUENCE_NUMBER", None, "Request specified AT_SEQUENCE_NUMBER and no "
                                                        "StartingSequenceNumber."),
                           ("AFTER_SEQUENCE_NUMBER", None, "Request specified AFTER_SEQUENCE_NUMBER and no "
                                                           "StartingSequenceNumber."),
                           ("LATEST", "5", "Request specified LATEST and also a StartingSequenceNumber."),
                           ("TRIM_HORIZON", "5", "Request specified TRIM_HORIZON and also a StartingSequenceNumber.")]:
        kw = {"StartingSequenceNumber": seq} if seq else {}
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kin.get_shard_iterator(StreamName="gsi", ShardId="shardId-0", ShardIteratorType=typ, **kw)
        assert err(e) == ("InvalidArgumentException", 400, head + tail)
    future = int(time.time()) + 60  # whole seconds: what boto3 sends either way
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.get_shard_iterator(StreamName="gsi", ShardId="0", ShardIteratorType="AT_TIMESTAMP", Timestamp=future)
    code, status, msg = err(e)
    assert (code, status) == ("InvalidArgumentException", 400)
    prefix = ("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
              "timestampInMillis: %d, currentTimestampInMillis: " % (future * 1000))
    assert msg.startswith(prefix) and 0 < future * 1000 - int(msg[len(prefix):]) <= 61000
    kin.get_shard_iterator(StreamName="gsi", ShardId="0", ShardIteratorType="AT_TIMESTAMP", Timestamp=time.time() - 5)
    kin.delete_stream(StreamName="gsi")


def test_tag_characters_and_limits(kin):
    kin.create_stream(StreamName="tc", ShardCount=1)
    invalid = ("InvalidArgumentException", 400, "Some tags contain invalid characters. Valid characters: Unicode "
               "letters, digits, white space, _ . / = + - % @.")
    for tags in ({"abc;def": "1"}, {"a\tb": "1"}, {"a,b": "1"}, {"a": "x\ny"}, {"a": "x;y", "b%": "1"}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kin.add_tags_to_stream(StreamName="tc", Tags=tags)
        assert err(e) == invalid
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.remove_tags_from_stream(StreamName="tc", TagKeys=["ok", "a;b"])
    assert err(e) == invalid
    allowed = "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.add_tags_to_stream(StreamName="tc", Tags={"a": "50%"})
    assert err(e) == ("InvalidArgumentException", 400, "Failed to add tags to stream tc under account %s because "
                      "some tags contained illegal characters. %s" % (ACCOUNT, allowed))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.remove_tags_from_stream(StreamName="tc", TagKeys=["%"])
    assert err(e) == ("InvalidArgumentException", 400, "Failed to remove tags from stream tc under account %s "
                      "because some tags contained illegal characters. %s" % (ACCOUNT, allowed))
    assert kin.list_tags_for_stream(StreamName="tc")["Tags"] == []
    kin.add_tags_to_stream(StreamName="tc", Tags={"ü0 _.": "a", "/=+-@": "a", "b": "ü0 _./=+-@", "c": ""})
    for i in range(0, 46, 10):
        kin.add_tags_to_stream(StreamName="tc", Tags={"k%02d" % j: "v" for j in range(i, min(i + 10, 46))})
    # no Limit: all of them (50)
    r = kin.list_tags_for_stream(StreamName="tc")
    assert len(r["Tags"]) == 50 and r["HasMoreTags"] is False
    assert {"Key": "ü0 _.", "Value": "a"} in r["Tags"] and {"Key": "c", "Value": ""} in r["Tags"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.add_tags_to_stream(StreamName="tc", Tags={"one-more": "x"})
    assert err(e) == ("InvalidArgumentException", 400, "Failed to add tags to stream tc under account %s because a "
                      "given stream cannot have more than 50 tags associated with it." % ACCOUNT)
    kin.delete_stream(StreamName="tc")


# ==== Capacity mode, enhanced monitoring, encryption, consumers ====

def test_update_stream_mode(kin):
    kin.create_stream(StreamName="modes", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    arn = kin.describe_stream_summary(StreamName="modes")["StreamDescriptionSummary"]["StreamARN"]
    seq = kin.put_record(StreamName="modes", Data=b"x", PartitionKey="k")
    kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    s = kin.describe_stream_summary(StreamName="modes")["StreamDescriptionSummary"]
    # the shards and their records stay
    assert s["StreamModeDetails"] == {"StreamMode": "PROVISIONED"} and s["OpenShardCount"] == 4
    assert [r["SequenceNumber"] for r in all_records(kin, "modes", seq["ShardId"])] == [seq["SequenceNumber"]]
    assert kin.describe_limits()["OnDemandStreamCount"] == 0
    kin.delete_stream(StreamName="modes")


def test_enhanced_monitoring(kin):
    kin.create_stream(StreamName="mon", ShardCount=1)
    arn = "arn:aws:kinesis:us-east-1:%s:stream/mon" % ACCOUNT

    def metrics():
        return kin.describe_stream(StreamName="mon")["StreamDescription"]["EnhancedMonitoring"][0]["ShardLevelMetrics"]

    assert metrics() == []
    r = kin.enable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["IncomingBytes", "OutgoingBytes"])
    assert (r["StreamName"], r["CurrentShardLevelMetrics"]) == ("mon", [])
    assert r["DesiredShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes"]
    assert r.get("StreamARN", arn) == arn  # older botocore models lack the member
    r = kin.enable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["IncomingBytes", "IncomingRecords"])
    assert r["DesiredShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes", "IncomingRecords"]
    r = kin.disable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["OutgoingBytes"])
    assert r["CurrentShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes", "IncomingRecords"]
    assert metrics() == ["IncomingBytes", "IncomingRecords"]
    # ALL stays ALL; disabling one of ALL leaves the other six
    assert kin.enable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["ALL"])[
        "DesiredShardLevelMetrics"] == ["ALL"]
    r = kin.disable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["IteratorAgeMilliseconds"])
    assert len(r["DesiredShardLevelMetrics"]) == 6 and "IteratorAgeMilliseconds" not in metrics()
    kin.disable_enhanced_monitoring(StreamName="mon", ShardLevelMetrics=["ALL"])
    assert metrics() == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.enable_enhanced_monitoring(StreamName="nope", ShardLevelMetrics=["ALL"])
    assert err(e) == ("ResourceNotFoundException", 400, "Stream nope under account %s not found." % ACCOUNT)
    kin.delete_stream(StreamName="mon")


def test_stream_encryption(kin):
    kin.create_stream(StreamName="enc", ShardCount=1)
    d = kin.describe_stream(StreamName="enc")["StreamDescription"]
    assert d["EncryptionType"] == "NONE" and "KeyId" not in d
    kin.start_stream_encryption(StreamName="enc", EncryptionType="KMS", KeyId="alias/aws/kinesis")
    d = kin.describe_stream_summary(StreamName="enc")["StreamDescriptionSummary"]
    assert (d["EncryptionType"], d["KeyId"]) == ("KMS", "alias/aws/kinesis")
    # records read back as written either way
    kin.put_record(StreamName="enc", Data=b"secret", PartitionKey="k")
    assert [r["Data"] for r in all_records(kin, "enc", "shardId-000000000000")] == [b"secret"]
    kin.stop_stream_encryption(StreamName="enc", EncryptionType="KMS", KeyId="alias/aws/kinesis")
    d = kin.describe_stream(StreamName="enc")["StreamDescription"]
    assert d["EncryptionType"] == "NONE" and "KeyId" not in d
    kin.delete_stream(StreamName="enc")


def test_stream_consumers(kin):
    kin.create_stream(StreamName="fan", ShardCount=1)
    arn = kin.describe_stream(StreamName="fan")["StreamDescription"]["StreamARN"]
    assert kin.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    c = kin.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]
    # AWS: STREAM-ARN/consumer/NAME:CREATION-EPOCH-SECONDS
    assert c["ConsumerARN"] == "%s/consumer/c1:%d" % (arn, int(c["ConsumerCreationTimestamp"].timestamp()))
    assert (c["ConsumerName"], c["ConsumerStatus"]) == ("c1", "ACTIVE")
    kin.register_stream_consumer(StreamARN=arn, ConsumerName="c2")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.register_stream_consumer(StreamARN=arn, ConsumerName="c1")
    assert err(e)[:2] == ("ResourceInUseException", 400)
    d = kin.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])["ConsumerDescription"]
    assert (d["ConsumerName"], d["StreamARN"], d["ConsumerARN"]) == ("c1", arn, c["ConsumerARN"])
    assert kin.describe_stream_consumer(StreamARN=arn, ConsumerName="c1")["ConsumerDescription"] == d
    assert kin.describe_stream_summary(StreamName="fan")["StreamDescriptionSummary"]["ConsumerCount"] == 2
    page = kin.list_stream_consumers(StreamARN=arn, MaxResults=1)
    assert [x["ConsumerName"] for x in page["Consumers"]] == ["c1"]
    rest = kin.list_stream_consumers(StreamARN=arn, NextToken=page["NextToken"])
    assert [x["ConsumerName"] for x in rest["Consumers"]] == ["c2"] and "NextToken" not in rest
    kin.deregister_stream_consumer(ConsumerARN=c["ConsumerARN"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])
    assert err(e) == ("ResourceNotFoundException", 400,
                      "Consumer %s, account %s not found." % (c["ConsumerARN"], ACCOUNT))
    # a stream with consumers goes only with EnforceConsumerDeletion, and takes them along
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.delete_stream(StreamName="fan")
    assert err(e)[:2] == ("ResourceInUseException", 400)
    kin.delete_stream(StreamName="fan", EnforceConsumerDeletion=True)
    kin.create_stream(StreamName="fan", ShardCount=1)
    assert kin.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    kin.delete_stream(StreamName="fan")


def test_record_size_limits(kin):
    kin.create_stream(StreamName="big", ShardCount=1)
    mib = 1 << 20
    # data and partition key together: at most 1 MiB
    kin.put_records(StreamName="big", Records=[{"Data": b"a" * (mib - 3), "PartitionKey": "key"}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.put_records(StreamName="big", Records=[{"Data": b"a", "PartitionKey": "k"},
                                                  {"Data": b"a" * (mib - 2), "PartitionKey": "key"}])
    assert err(e) == ("ValidationException", 400,
                      "1 validation error detected: Value at 'records.2.member.data' failed to satisfy constraint: "
                      "Member must have length less than or equal to 1048576")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.put_record(StreamName="big", Data=b"a" * (mib - 2), PartitionKey="key")
    assert err(e)[:2] == ("ValidationException", 400)
    # a request's records: at most 10 MiB in all (AWS's PutRecords since large records)
    kin.put_records(StreamName="big", Records=[{"Data": b"a" * (mib - 3), "PartitionKey": "key"}] * 10)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kin.put_records(StreamName="big", Records=[{"Data": b"a" * (mib - 3), "PartitionKey": "key"}] * 10
                        + [{"Data": b"a", "PartitionKey": "k"}])
    assert err(e) == ("InvalidArgumentException", 400, "Records size exceeds 10 MB limit")
    kin.delete_stream(StreamName="big")


# ==== Durability and the CLIs ====

def test_put_record_survives_kill9(gureum, kin):
    kin.create_stream(StreamName="dur", ShardCount=1)
    seq = kin.put_record(StreamName="dur", Data=b"kept", PartitionKey="k")["SequenceNumber"]
    gureum.restart(kill9=True, env={"GUREUM_KINESIS_HOUR_MS": str(HOUR_MS)})
    got = all_records(gureum.client("kinesis"), "dur", "shardId-000000000000")
    assert [(r["SequenceNumber"], r["Data"]) for r in got] == [(seq, b"kept")]
    gureum.client("kinesis").delete_stream(StreamName="dur")


@pytest.mark.parametrize("cli", CLIS, ids=lambda c: c.split("/")[-2] if "/" in c else c)
def test_cli(gureum, cli):
    name = "cli-%d" % (abs(hash(cli)) % 10000)
    p = gureum.aws("kinesis", "create-stream", "--stream-name", name, "--shard-count", "1", cli=cli)
    assert p.returncode == 0, p.stderr
    # this module's hours are 100 ms: keep the record longer than a CLI starts
    p = gureum.aws("kinesis", "increase-stream-retention-period", "--stream-name", name,
                   "--retention-period-hours", "8760", cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("kinesis", "put-record", "--stream-name", name, "--partition-key", "k",
                   "--data", base64.b64encode(b"hello").decode(), cli=cli)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
                   "--shard-iterator-type", "TRIM_HORIZON", cli=cli)
    it = json.loads(p.stdout)["ShardIterator"]
    p = gureum.aws("kinesis", "get-records", "--shard-iterator", it, cli=cli)
    assert p.returncode == 0, p.stderr
    recs = json.loads(p.stdout)["Records"]
    assert [base64.b64decode(r["Data"]) for r in recs] in ([b"hello"], [base64.b64encode(b"hello")])
    p = gureum.aws("kinesis", "describe-stream", "--stream-name", "missing", cli=cli)
    assert p.returncode != 0 and "Stream missing under account %s not found." % ACCOUNT in p.stderr
    assert gureum.aws("kinesis", "delete-stream", "--stream-name", name, cli=cli).returncode == 0
