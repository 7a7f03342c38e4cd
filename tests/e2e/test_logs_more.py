"""CloudWatch Logs end to end, the rest of the API: destinations (a Kinesis
stream other accounts subscribe their groups to, as the access policy lets
them), saved Insights queries, StopQuery, GetLogRecord and GetLogGroupFields
from the stored events, TestMetricFilter with the filter-pattern code, and
a group's KMS key."""
import base64
import gzip
import json
import time

import botocore.exceptions
import pytest

ALT = ("111111111111", "altkey", "altsecret")


def error_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["Error"].get("Message", "")


def now_ms():
    return int(time.time() * 1000)


def test_destinations_cross_account(gureum_factory):
    g = gureum_factory(env={"GUREUM_ACCOUNTS": ":".join(ALT)})
    owner_logs, kin = g.client("logs"), g.client("kinesis")
    other = g.client("logs", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    kin.create_stream(StreamName="central", ShardCount=1)
    sarn = kin.describe_stream(StreamName="central")["StreamDescription"]["StreamARN"]
    role = "arn:aws:iam::000000000000:role/cwl-to-kinesis"
    assert error_of(owner_logs.put_destination, destinationName="d", targetArn=sarn + "-nope",
                    roleArn=role)[0] == "InvalidParameterException"
    d = owner_logs.put_destination(destinationName="central", targetArn=sarn, roleArn=role,
                                   tags={"team": "ops"})["destination"]
    darn = "arn:aws:logs:us-east-1:000000000000:destination:central"
    assert (d["arn"], d["targetArn"], d["roleArn"], d["destinationName"]) == (darn, sarn, role, "central")
    assert "accessPolicy" not in d and d["creationTime"] <= now_ms()
    assert owner_logs.list_tags_for_resource(resourceArn=darn)["tags"] == {"team": "ops"}

    other.create_log_group(logGroupName="/app")
    other.create_log_stream(logGroupName="/app", logStreamName="s")
    code, msg = error_of(other.put_subscription_filter, logGroupName="/app", filterName="f", filterPattern="ERROR",
                         destinationArn=darn)
    assert (code, msg) == ("AccessDeniedException", "User with accountId: 111111111111 is not authorized to perform: "
                           f"logs:PutSubscriptionFilter on resource: {darn}")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALT[0]},
                                                      "Action": "logs:PutSubscriptionFilter", "Resource": darn}]}
    owner_logs.put_destination_policy(destinationName="central", accessPolicy=json.dumps(policy))
    [listed] = owner_logs.describe_destinations(DestinationNamePrefix="cen")["destinations"]
    assert json.loads(listed["accessPolicy"]) == policy
    other.put_subscription_filter(logGroupName="/app", filterName="f", filterPattern="ERROR", destinationArn=darn)
    other.put_log_events(logGroupName="/app", logStreamName="s",
                         logEvents=[{"timestamp": now_ms(), "message": "ok"},
                                    {"timestamp": now_ms(), "message": "ERROR boom"}])
    it = kin.get_shard_iterator(StreamName="central", ShardId="shardId-000000000000",
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = kin.get_records(ShardIterator=it)["Records"]
    assert len(recs) == 1
    data = json.loads(gzip.decompress(recs[0]["Data"]))
    assert (data["owner"], data["logGroup"], [e["message"] for e in data["logEvents"]]) == (
        ALT[0], "/app", ["ERROR boom"])

    assert owner_logs.describe_destinations(DestinationNamePrefix="x")["destinations"] == []
    owner_logs.delete_destination(destinationName="central")
    assert error_of(owner_logs.delete_destination, destinationName="central")[0] == "ResourceNotFoundException"
    assert error_of(owner_logs.put_destination_policy, destinationName="central",
                    accessPolicy=json.dumps(policy))[0] == "ResourceNotFoundException"


def test_query_definitions(gureum):
    logs = gureum.client("logs")
    qid = logs.put_query_definition(name="errors/recent", queryString="fields @message | filter @message like /E/",
                                    logGroupNames=["/a", "/b"])["queryDefinitionId"]
    other = logs.put_query_definition(name="all", queryString="fields @message")["queryDefinitionId"]
    got = logs.describe_query_definitions()["queryDefinitions"]
    assert [q["queryDefinitionId"] for q in got] == [other, qid]
    assert got[1]["logGroupNames"] == ["/a", "/b"] and "logGroupNames" not in got[0]
    assert logs.put_query_definition(queryDefinitionId=qid, name="errors/recent",
                                     queryString="fields @timestamp")["queryDefinitionId"] == qid
    [q] = logs.describe_query_definitions(queryDefinitionNamePrefix="errors")["queryDefinitions"]
    assert q["queryString"] == "fields @timestamp" and "logGroupNames" not in q
    assert len(logs.describe_query_definitions(maxResults=1)["queryDefinitions"]) == 1
    assert logs.delete_query_definition(queryDefinitionId=qid)["success"] is True
    assert error_of(logs.delete_query_definition, queryDefinitionId=qid)[0] == "ResourceNotFoundException"
    assert error_of(logs.put_query_definition, queryDefinitionId=qid, name="x",
                    queryString="fields @message")[0] == "ResourceNotFoundException"


def test_log_record_fields_and_stop_query(gureum):
    logs = gureum.client("logs")
    logs.create_log_group(logGroupName="/q")
    logs.create_log_stream(logGroupName="/q", logStreamName="s")
    t = now_ms()
    logs.put_log_events(logGroupName="/q", logStreamName="s", logEvents=[
        {"timestamp": t, "message": json.dumps({"level": "ERROR", "user": {"id": 7}})},
        {"timestamp": t + 1, "message": "plain text"}])
    qid = logs.start_query(logGroupName="/q", startTime=t // 1000 - 60, endTime=t // 1000 + 60,
                           queryString="fields @message | filter level = 'ERROR'")["queryId"]
    res = logs.get_query_results(queryId=qid)
    [row] = res["results"]
    ptr = {f["field"]: f["value"] for f in row}["@ptr"]
    rec = logs.get_log_record(logRecordPointer=ptr)["logRecord"]
    assert rec == {"@timestamp": str(t), "@ingestionTime": rec["@ingestionTime"], "@log": "000000000000:/q",
                   "@logStream": "s", "@message": json.dumps({"level": "ERROR", "user": {"id": 7}}),
                   "level": "ERROR", "user.id": "7"}
    assert error_of(logs.get_log_record, logRecordPointer=base64.b64encode(b"999:999").decode())[0] == \
        "ResourceNotFoundException"
    assert error_of(logs.get_log_record, logRecordPointer="bm9wZQ==")[0] == "InvalidParameterException"
    assert logs.stop_query(queryId=qid)["success"] is False  # it ran to completion within StartQuery
    assert error_of(logs.stop_query, queryId="nope")[0] == "ResourceNotFoundException"
    fields = {f["name"]: f["percent"] for f in logs.get_log_group_fields(logGroupName="/q")["logGroupFields"]}
    assert fields == {"@timestamp": 100, "@message": 100, "@logStream": 100, "@log": 100, "@ingestionTime": 100,
                      "level": 50, "user.id": 50}
    assert logs.get_log_group_fields(logGroupName="/q", time=t // 1000 - 3600)["logGroupFields"] == []
    assert error_of(logs.get_log_group_fields, logGroupName="/nope")[0] == "ResourceNotFoundException"


def test_test_metric_filter(gureum):
    logs = gureum.client("logs")
    msgs = ["127.0.0.1 alice GET 200 512", "10.0.0.2 bob POST 500 12", "not a request"]
    got = logs.test_metric_filter(filterPattern="[ip, user, verb, status=5*, bytes]", logEventMessages=msgs)
    assert got["matches"] == [{"eventNumber": 2, "eventMessage": msgs[1], "extractedValues": {
        "$ip": "10.0.0.2", "$user": "bob", "$verb": "POST", "$status": "500", "$bytes": "12"}}]
    got = logs.test_metric_filter(filterPattern="GET", logEventMessages=msgs)["matches"]
    assert [(m["eventNumber"], m["extractedValues"]) for m in got] == [(1, {})]
    assert error_of(logs.test_metric_filter, filterPattern="{ $.a = ", logEventMessages=msgs)[0] == \
        "InvalidParameterException"


def test_kms_key(gureum):
    logs = gureum.client("logs")
    logs.create_log_group(logGroupName="/k")
    key = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    logs.associate_kms_key(logGroupName="/k", kmsKeyId=key)
    [g] = logs.describe_log_groups(logGroupNamePrefix="/k")["logGroups"]
    assert g["kmsKeyId"] == key
    logs.disassociate_kms_key(logGroupName="/k")
    [g] = logs.describe_log_groups(logGroupNamePrefix="/k")["logGroups"]
    assert "kmsKeyId" not in g
    assert error_of(logs.associate_kms_key, logGroupName="/k", kmsKeyId="alias/mine")[0] == \
        "InvalidParameterException"
    assert error_of(logs.associate_kms_key, logGroupName="/nope", kmsKeyId=key)[0] == "ResourceNotFoundException"
