"""test_logs_new.py — CloudWatch Logs operations newer than Debian's botocore
(boto3 1.26), driven by a client whose model has them (boto3 1.43): the newer
ListLogGroups listing and its filters, deletion protection (and DeleteLogGroup
refused under it), a group's class. Under the older client the tests of
operations it lacks skip.
"""
import json
import time

import pytest

from test_logs_more import error_of, now_ms


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


def needs(logs, op):
    if op not in logs.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs %s" % op)


def test_list_log_groups_filters_and_paging(logs):
    """ListLogGroups: name order, summaries (name, ARN without ':*', class),
    the '^prefix|substring' pattern, class and tag filters, and paging by
    limit and nextToken."""
    needs(logs, "ListLogGroups")
    logs.create_log_group(logGroupName="/lg/app-one", tags={"team": "a"})
    logs.create_log_group(logGroupName="/lg/app-two", tags={"team": "b", "env": "prod"})
    logs.create_log_group(logGroupName="/lg/other", logGroupClass="INFREQUENT_ACCESS")
    logs.create_log_group(logGroupName="/zz/app-three")
    got = logs.list_log_groups(logGroupNamePattern="^/lg/")["logGroups"]
    assert got == [
        {"logGroupName": "/lg/app-one", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/app-one",
         "logGroupClass": "STANDARD"},
        {"logGroupName": "/lg/app-two", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/app-two",
         "logGroupClass": "STANDARD"},
        {"logGroupName": "/lg/other", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/other",
         "logGroupClass": "INFREQUENT_ACCESS"}]
    names = lambda **kw: [g["logGroupName"] for g in logs.list_log_groups(**kw)["logGroups"]]
    assert names(logGroupNamePattern="app") == ["/lg/app-one", "/lg/app-two", "/zz/app-three"]
    assert names(logGroupNamePattern="^/zz|other") == ["/lg/other", "/zz/app-three"]
    assert names(logGroupNamePattern="APP") == []  # case-sensitive
    assert names(logGroupClass="INFREQUENT_ACCESS") == ["/lg/other"]
    assert names(logGroupTags=[{"key": "team"}]) == ["/lg/app-one", "/lg/app-two"]
    assert names(logGroupTags=[{"key": "team", "values": ["b", "c"]}]) == ["/lg/app-two"]
    assert names(logGroupTags=[{"key": "team"}, {"key": "env", "values": ["prod"]}]) == ["/lg/app-two"]
    assert names(dataSources=[{"name": "amazon_vpc", "type": "flow"}]) == []
    p1 = logs.list_log_groups(logGroupNamePattern="^/lg/", limit=2)
    assert [g["logGroupName"] for g in p1["logGroups"]] == ["/lg/app-one", "/lg/app-two"]
    p2 = logs.list_log_groups(logGroupNamePattern="^/lg/", limit=2, nextToken=p1["nextToken"])
    assert [g["logGroupName"] for g in p2["logGroups"]] == ["/lg/other"] and "nextToken" not in p2
    # the pattern's own form is checked by the model (3..24 characters an alternative)
    assert error_of(logs.list_log_groups, logGroupNamePattern="a*b")[0] in ("InvalidParameterException",
                                                                          "ValidationException")
    d = logs.describe_log_groups(logGroupNamePattern="app-t")["logGroups"]
    assert [g["logGroupName"] for g in d] == ["/lg/app-two", "/zz/app-three"]
    d = logs.describe_log_groups(logGroupClass="INFREQUENT_ACCESS")["logGroups"]
    assert [(g["logGroupName"], g["logGroupClass"]) for g in d] == [("/lg/other", "INFREQUENT_ACCESS")]
    d = logs.describe_log_groups(logGroupIdentifiers=[
        "/lg/app-one", "arn:aws:logs:us-east-1:000000000000:log-group:/zz/app-three"])["logGroups"]
    assert [g["logGroupName"] for g in d] == ["/lg/app-one", "/zz/app-three"]
    for n in ("/lg/app-one", "/lg/app-two", "/lg/other", "/zz/app-three"):
        logs.delete_log_group(logGroupName=n)


def test_deletion_protection(logs):
    """PutLogGroupDeletionProtection (or CreateLogGroup's flag): reported by
    DescribeLogGroups; DeleteLogGroup is then refused with AWS's
    ValidationException until protection is turned off."""
    needs(logs, "PutLogGroupDeletionProtection")
    logs.create_log_group(logGroupName="/protected/a", deletionProtectionEnabled=True)
    logs.create_log_group(logGroupName="/protected/b")
    desc = lambda n: logs.describe_log_groups(logGroupNamePrefix=n)["logGroups"][0]["deletionProtectionEnabled"]
    assert (desc("/protected/a"), desc("/protected/b")) == (True, False)
    logs.put_log_group_deletion_protection(logGroupIdentifier="/protected/b", deletionProtectionEnabled=True)
    assert desc("/protected/b") is True
    assert error_of(logs.delete_log_group, logGroupName="/protected/b") == (
        "ValidationException",
        "Cannot delete log group with deletion protection enabled. Disable deletion protection first.")
    assert desc("/protected/b") is True
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/protected/b"
    logs.put_log_group_deletion_protection(logGroupIdentifier=arn, deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName="/protected/b")
    assert error_of(logs.put_log_group_deletion_protection, logGroupIdentifier="/protected/none",
                    deletionProtectionEnabled=True)[0] == "ResourceNotFoundException"
    logs.put_log_group_deletion_protection(logGroupIdentifier="/protected/a", deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName="/protected/a")


def put_events(logs, group, stream, messages):
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t + i, "message": m} for i, m in enumerate(messages)])


def dp_policy(identifiers, extra=None):
    doc = {"Name": "dp", "Version": "2021-06-01", "Statement": [
        {"Sid": "audit", "DataIdentifier": identifiers, "Operation": {"Audit": {"FindingsDestination": {}}}},
        {"Sid": "redact", "DataIdentifier": identifiers, "Operation": {"Deidentify": {"MaskConfig": {}}}}]}
    doc.update(extra or {})
    return json.dumps(doc)


EMAIL = "arn:aws:dataprotection::aws:data-identifier/EmailAddress"


def test_data_protection_masks_at_ingestion(logs):
    """Put/Get/DeleteDataProtectionPolicy (in both clients' models): stored and
    reported; events ingested after it have their sensitive data replaced by
    asterisks in GetLogEvents and FilterLogEvents, unmask=true shows them
    (the caller may logs:Unmask), events from before the policy stay as they
    were, and a policy that is not AWS's two-statement form is refused."""
    g = "/dp/app"
    logs.create_log_group(logGroupName=g)
    assert logs.get_data_protection_policy(logGroupIdentifier=g)["logGroupIdentifier"].endswith(":log-group:/dp/app")
    put_events(logs, g, "before", ["mail bob@example.com"])
    custom = {"Configuration": {"CustomDataIdentifier": [{"Name": "EmployeeId", "Regex": "EMP-\\d{6}"}]}}
    doc = dp_policy([EMAIL, "EmployeeId"], custom)
    put = logs.put_data_protection_policy(logGroupIdentifier=g, policyDocument=doc)
    assert put["policyDocument"] == doc and put["lastUpdatedTime"] > 0
    got = logs.get_data_protection_policy(logGroupIdentifier=g)
    assert (got["policyDocument"], got["lastUpdatedTime"]) == (doc, put["lastUpdatedTime"])
    put_events(logs, g, "after", ["user alice@example.org logged in as EMP-123456", "nothing here"])
    put_events(logs, g, "nul", ["a\u0000 zed@example.com"])  # a NUL before it hides nothing
    assert logs.get_log_events(logGroupName=g, logStreamName="nul")["events"][0]["message"] == \
        "a\u0000 " + "*" * len("zed@example.com")
    ev = logs.get_log_events(logGroupName=g, logStreamName="after", startFromHead=True)["events"]
    assert [e["message"] for e in ev] == ["user ***************** logged in as **********", "nothing here"]
    ev = logs.get_log_events(logGroupName=g, logStreamName="after", startFromHead=True, unmask=True)["events"]
    assert ev[0]["message"] == "user alice@example.org logged in as EMP-123456"
    ev = logs.filter_log_events(logGroupName=g)["events"]
    assert [e["message"] for e in ev][:3] == ["mail bob@example.com", "user ***************** logged in as **********",
                                              "nothing here"]
    assert logs.filter_log_events(logGroupName=g, unmask=True)["events"][1]["message"].startswith("user alice@")
    t = int(time.time())
    qid = logs.start_query(logGroupName=g, startTime=t - 60, endTime=t + 60,
                           queryString="fields @message | filter @message like /logged/")["queryId"]
    row = logs.get_query_results(queryId=qid)["results"][0]
    assert {f["field"]: f["value"] for f in row}["@message"] == "user ***************** logged in as **********"
    ptr = {f["field"]: f["value"] for f in row}["@ptr"]
    assert logs.get_log_record(logRecordPointer=ptr)["logRecord"]["@message"].startswith("user *****")
    assert logs.get_log_record(logRecordPointer=ptr, unmask=True)["logRecord"]["@message"].startswith("user alice@")
    for bad in (json.dumps({"Name": "x", "Statement": []}),
                dp_policy(["arn:aws:dataprotection::aws:data-identifier/NoSuchThing"]),
                "not json"):
        assert error_of(logs.put_data_protection_policy, logGroupIdentifier=g,
                        policyDocument=bad)[0] == "InvalidParameterException"
    logs.delete_data_protection_policy(logGroupIdentifier=g)
    assert "policyDocument" not in logs.get_data_protection_policy(logGroupIdentifier=g)
    assert error_of(logs.delete_data_protection_policy, logGroupIdentifier=g)[0] == "ResourceNotFoundException"
    put_events(logs, g, "later", ["again carol@example.net"])
    assert logs.get_log_events(logGroupName=g, logStreamName="later")["events"][0]["message"] == \
        "again carol@example.net"
    logs.delete_log_group(logGroupName=g)


def test_account_policies(logs):
    """Put/Describe/DeleteAccountPolicy: kept per type and name with scope and
    selection criteria; an account data protection policy masks every
    group's new events; the one-per-account quota; ResourceNotFound for a
    name that is not there."""
    needs(logs, "PutAccountPolicy")
    doc = dp_policy([EMAIL])
    p = logs.put_account_policy(policyName="acct-dp", policyDocument=doc, policyType="DATA_PROTECTION_POLICY",
                                scope="ALL")["accountPolicy"]
    assert (p["policyName"], p["policyType"], p["scope"], p["accountId"]) == (
        "acct-dp", "DATA_PROTECTION_POLICY", "ALL", "000000000000")
    assert error_of(logs.put_account_policy, policyName="second", policyDocument=doc,
                    policyType="DATA_PROTECTION_POLICY")[0] == "LimitExceededException"
    g = "/acct/any"
    logs.create_log_group(logGroupName=g)
    put_events(logs, g, "s", ["to dave@example.com"])
    assert logs.get_log_events(logGroupName=g, logStreamName="s")["events"][0]["message"] == "to " + "*" * len("dave@example.com")
    got = logs.describe_account_policies(policyType="DATA_PROTECTION_POLICY")["accountPolicies"]
    assert [(x["policyName"], x["policyDocument"]) for x in got] == [("acct-dp", doc)]
    idx = json.dumps({"Fields": ["RequestId"]})
    logs.put_account_policy(policyName="idx-a", policyDocument=idx, policyType="FIELD_INDEX_POLICY",
                            selectionCriteria='LogGroupNamePrefix IN ["/acct"]')
    got = logs.describe_account_policies(policyType="FIELD_INDEX_POLICY", policyName="idx-a")["accountPolicies"]
    assert got[0]["selectionCriteria"] == 'LogGroupNamePrefix IN ["/acct"]'
    assert error_of(logs.put_account_policy, policyName="bad", policyDocument=idx, policyType="FIELD_INDEX_POLICY",
                    selectionCriteria="whatever")[0] == "InvalidParameterException"
    pol = logs.describe_index_policies(logGroupIdentifiers=[g])["indexPolicies"]
    assert [(x["policyName"], x["source"]) for x in pol] == [("idx-a", "ACCOUNT")]
    assert [x["logGroupName"] for x in logs.list_log_groups(fieldIndexNames=["RequestId"])["logGroups"]] == [g]
    assert error_of(logs.describe_account_policies, policyType="FIELD_INDEX_POLICY",
                    policyName="nope")[0] == "ResourceNotFoundException"
    logs.delete_account_policy(policyName="acct-dp", policyType="DATA_PROTECTION_POLICY")
    logs.delete_account_policy(policyName="idx-a", policyType="FIELD_INDEX_POLICY")
    assert error_of(logs.delete_account_policy, policyName="idx-a",
                    policyType="FIELD_INDEX_POLICY")[0] == "ResourceNotFoundException"
    assert logs.describe_account_policies(policyType="DATA_PROTECTION_POLICY")["accountPolicies"] == []
    logs.delete_log_group(logGroupName=g)


def test_index_policies_and_field_indexes(logs):
    """PutIndexPolicy / DescribeIndexPolicies / DeleteIndexPolicy on a group,
    DescribeFieldIndexes from the events ingested since, and ListLogGroups'
    fieldIndexNames filter."""
    needs(logs, "PutIndexPolicy")
    g = "/idx/app"
    logs.create_log_group(logGroupName=g)
    doc = json.dumps({"Fields": ["RequestId", "user.id"]})
    p = logs.put_index_policy(logGroupIdentifier=g, policyDocument=doc)["indexPolicy"]
    assert (p["policyDocument"], p["source"], "policyName" in p) == (doc, "LOG_GROUP", False)
    assert p["logGroupIdentifier"] == "arn:aws:logs:us-east-1:000000000000:log-group:/idx/app"
    put_events(logs, g, "s", [json.dumps({"RequestId": "r1"}), "plain", json.dumps({"user": {"id": 7}})])
    fi = logs.describe_field_indexes(logGroupIdentifiers=[g])["fieldIndexes"]
    assert [(f["fieldIndexName"], f["type"]) for f in fi] == [("RequestId", "FIELD_INDEX"), ("user.id", "FIELD_INDEX")]
    assert fi[0]["firstEventTime"] == fi[0]["lastEventTime"] and fi[1]["firstEventTime"] > fi[0]["firstEventTime"]
    assert [x["logGroupName"] for x in logs.list_log_groups(fieldIndexNames=["RequestId"])["logGroups"]] == [g]
    assert logs.list_log_groups(fieldIndexNames=["Other"])["logGroups"] == []
    assert error_of(logs.put_index_policy, logGroupIdentifier=g,
                    policyDocument=json.dumps({"Fields": "x"}))[0] == "InvalidParameterException"
    assert logs.describe_index_policies(logGroupIdentifiers=[g])["indexPolicies"][0]["policyDocument"] == doc
    logs.delete_index_policy(logGroupIdentifier=g)
    assert logs.describe_index_policies(logGroupIdentifiers=[g])["indexPolicies"] == []
    assert error_of(logs.delete_index_policy, logGroupIdentifier=g)[0] == "ResourceNotFoundException"
    assert error_of(logs.describe_field_indexes, logGroupIdentifiers=["/idx/none"])[0] == "ResourceNotFoundException"
    logs.delete_log_group(logGroupName=g)


def test_transformers(logs):
    """Put/Get/DeleteTransformer and TestTransformer: parseJSON, parseKeyValue
    and csv parsers, then key and string processors; events ingested into
    the group are stored transformed; the first processor must be a parser."""
    needs(logs, "PutTransformer")
    cfg = [{"parseJSON": {}},
           {"addKeys": {"entries": [{"key": "env", "value": "prod"}]}},
           {"renameKeys": {"entries": [{"key": "lvl", "renameTo": "level"}]}},
           {"copyValue": {"entries": [{"source": "user.name", "target": "who"}]}},
           {"upperCaseString": {"withKeys": ["level"]}},
           {"trimString": {"withKeys": ["who"]}},
           {"deleteKeys": {"withKeys": ["secret"]}}]
    out = logs.test_transformer(transformerConfig=cfg, logEventMessages=[
        json.dumps({"lvl": "warn", "user": {"name": " ann "}, "secret": "x"}), "not json"])["transformedLogs"]
    assert out[0]["eventNumber"] == 1
    assert json.loads(out[0]["transformedEventMessage"]) == {
        "level": "WARN", "user": {"name": " ann "}, "env": "prod", "who": "ann"}
    assert out[1]["transformedEventMessage"] == "not json"
    kv = logs.test_transformer(transformerConfig=[{"parseKeyValue": {"destination": "kv"}},
                                                  {"lowerCaseString": {"withKeys": ["kv.A"]}}],
                               logEventMessages=["A=X&b=2"])["transformedLogs"][0]
    assert json.loads(kv["transformedEventMessage"]) == {"kv": {"A": "x", "b": "2"}}
    csv = logs.test_transformer(transformerConfig=[{"csv": {"columns": ["ip", "path"]}}],
                                logEventMessages=['1.2.3.4,"/a,b"'])["transformedLogs"][0]
    assert json.loads(csv["transformedEventMessage"]) == {"ip": "1.2.3.4", "path": "/a,b"}
    assert error_of(logs.test_transformer, transformerConfig=[{"addKeys": {"entries": [{"key": "k", "value": "v"}]}}],
                    logEventMessages=["x"])[0] == "InvalidParameterException"
    g = "/tr/app"
    logs.create_log_group(logGroupName=g)
    logs.put_transformer(logGroupIdentifier=g, transformerConfig=cfg)
    got = logs.get_transformer(logGroupIdentifier=g)
    assert got["transformerConfig"] == cfg and got["creationTime"] > 0
    assert got["logGroupIdentifier"] == "arn:aws:logs:us-east-1:000000000000:log-group:/tr/app"
    put_events(logs, g, "s", [json.dumps({"lvl": "info", "user": {"name": "bo"}, "secret": 1})])
    m = logs.get_log_events(logGroupName=g, logStreamName="s")["events"][0]["message"]
    assert json.loads(m) == {"level": "INFO", "user": {"name": "bo"}, "env": "prod", "who": "bo"}
    logs.delete_transformer(logGroupIdentifier=g)
    assert error_of(logs.get_transformer, logGroupIdentifier=g)[0] == "ResourceNotFoundException"
    logs.delete_log_group(logGroupName=g)


def test_delivery_destinations_and_policies(logs):
    """PutDeliveryDestination (type from the resource ARN, a log group that
    must exist, update by name), Get/Describe/DeleteDeliveryDestination and
    the destination policy; delivery sources need a service that vends logs,
    which gureum does not serve, so PutDeliverySource refuses and the source
    and delivery operations answer as for an account without any."""
    needs(logs, "PutDeliveryDestination")
    logs.create_log_group(logGroupName="/dlv/target")
    garn = "arn:aws:logs:us-east-1:000000000000:log-group:/dlv/target"
    d = logs.put_delivery_destination(name="to-cwl", deliveryDestinationConfiguration={
        "destinationResourceArn": garn}, tags={"k": "v"})["deliveryDestination"]
    assert d == {"name": "to-cwl", "arn": "arn:aws:logs:us-east-1:000000000000:delivery-destination:to-cwl",
                 "deliveryDestinationType": "CWL", "deliveryDestinationConfiguration": {"destinationResourceArn": garn},
                 "tags": {"k": "v"}}
    s3 = logs.put_delivery_destination(name="to-s3", outputFormat="json", deliveryDestinationConfiguration={
        "destinationResourceArn": "arn:aws:s3:::my-bucket"})["deliveryDestination"]
    assert (s3["deliveryDestinationType"], s3["outputFormat"]) == ("S3", "json")
    assert error_of(logs.put_delivery_destination, name="bad", deliveryDestinationConfiguration={
        "destinationResourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:/dlv/none"})[0] == \
        "ResourceNotFoundException"
    assert error_of(logs.put_delivery_destination, name="bad", deliveryDestinationType="S3",
                    deliveryDestinationConfiguration={"destinationResourceArn": garn})[0] == "ValidationException"
    assert logs.get_delivery_destination(name="to-cwl")["deliveryDestination"] == d
    assert [x["name"] for x in logs.describe_delivery_destinations()["deliveryDestinations"]] == ["to-cwl", "to-s3"]
    page = logs.describe_delivery_destinations(limit=1)
    assert [x["name"] for x in page["deliveryDestinations"]] == ["to-cwl"]
    assert [x["name"] for x in logs.describe_delivery_destinations(limit=1, nextToken=page["nextToken"])[
        "deliveryDestinations"]] == ["to-s3"]
    pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"},
                                                              "Action": "logs:CreateDelivery", "Resource": d["arn"]}]})
    assert logs.get_delivery_destination_policy(deliveryDestinationName="to-cwl")["policy"] == {}
    assert logs.put_delivery_destination_policy(deliveryDestinationName="to-cwl", deliveryDestinationPolicy=pol)[
        "policy"] == {"deliveryDestinationPolicy": pol}
    assert logs.get_delivery_destination_policy(deliveryDestinationName="to-cwl")["policy"] == {
        "deliveryDestinationPolicy": pol}
    assert error_of(logs.put_delivery_destination_policy, deliveryDestinationName="to-cwl",
                    deliveryDestinationPolicy="nope")[0] == "ValidationException"
    assert error_of(logs.put_delivery_destination_policy, deliveryDestinationName="none",
                    deliveryDestinationPolicy=pol)[0] == "ResourceNotFoundException"
    logs.delete_delivery_destination_policy(deliveryDestinationName="to-cwl")
    assert logs.get_delivery_destination_policy(deliveryDestinationName="to-cwl")["policy"] == {}
    # sources: no served service vends logs
    assert error_of(logs.put_delivery_source, name="src", logType="ACCESS_LOGS",
                    resourceArn="arn:aws:cloudfront::000000000000:distribution/E1")[0] == "ResourceNotFoundException"
    assert error_of(logs.put_delivery_source, name="src", logType="APPLICATION_LOGS",
                    resourceArn="arn:aws:s3:::a-bucket")[0] == "ResourceNotFoundException"
    assert logs.describe_delivery_sources()["deliverySources"] == []
    assert error_of(logs.get_delivery_source, name="src")[0] == "ResourceNotFoundException"
    assert error_of(logs.create_delivery, deliverySourceName="src",
                    deliveryDestinationArn=d["arn"])[0] == "ResourceNotFoundException"
    assert logs.describe_deliveries()["deliveries"] == []
    assert error_of(logs.get_delivery, id="abc")[0] == "ResourceNotFoundException"
    logs.delete_delivery_destination(name="to-cwl")
    logs.delete_delivery_destination(name="to-s3")
    assert error_of(logs.get_delivery_destination, name="to-cwl")[0] == "ResourceNotFoundException"
    assert error_of(logs.delete_delivery_destination, name="to-cwl")[0] == "ResourceNotFoundException"
    logs.delete_log_group(logGroupName="/dlv/target")


def test_list_log_groups_for_query(logs):
    """ListLogGroupsForQuery: the ARNs of every group a StartQuery ran on,
    paged by maxResults; an unknown query id is ResourceNotFoundException."""
    needs(logs, "ListLogGroupsForQuery")
    for n in ("/q/a", "/q/b"):
        logs.create_log_group(logGroupName=n)
    t = int(time.time())
    qid = logs.start_query(logGroupNames=["/q/a", "/q/b"], startTime=t - 60, endTime=t,
                           queryString="fields @message")["queryId"]
    got = logs.list_log_groups_for_query(queryId=qid)
    assert got["logGroupIdentifiers"] == ["arn:aws:logs:us-east-1:000000000000:log-group:/q/a",
                                          "arn:aws:logs:us-east-1:000000000000:log-group:/q/b"]
    assert "nextToken" not in got
    assert error_of(logs.list_log_groups_for_query, queryId="00000000-0000-0000-0000-000000000000")[0] == \
        "ResourceNotFoundException"
    for n in ("/q/a", "/q/b"):
        logs.delete_log_group(logGroupName=n)


def test_data_protection_audit_findings(logs):
    """The Audit statement's FindingsDestination.CloudWatchLogs group (which
    must exist) gets one findings report per event with sensitive data, in
    AWS's documented form (auditTimestamp, resourceArn, dataIdentifiers with
    count and start/end detections)."""
    logs.create_log_group(logGroupName="/audit/findings")
    logs.create_log_group(logGroupName="/audit/app")
    dest = {"CloudWatchLogs": {"LogGroup": "/audit/findings"}}
    doc = json.loads(dp_policy([EMAIL]))
    doc["Statement"][0]["Operation"]["Audit"]["FindingsDestination"] = dest
    logs.put_data_protection_policy(logGroupIdentifier="/audit/app", policyDocument=json.dumps(doc))
    doc["Statement"][0]["Operation"]["Audit"]["FindingsDestination"] = {"CloudWatchLogs": {"LogGroup": "/audit/none"}}
    assert error_of(logs.put_data_protection_policy, logGroupIdentifier="/audit/app",
                    policyDocument=json.dumps(doc))[0] == "InvalidParameterException"
    put_events(logs, "/audit/app", "s", ["a@example.com and b@example.com", "clean"])
    ev = logs.filter_log_events(logGroupName="/audit/findings")["events"]
    assert len(ev) == 1
    rep = json.loads(ev[0]["message"])
    assert rep["resourceArn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/audit/app:*"
    assert rep["dataIdentifiers"] == [{"name": "EmailAddress", "count": 2,
                                       "detections": [{"start": 0, "end": 13}, {"start": 18, "end": 31}]}]
    assert rep["auditTimestamp"].endswith("Z")
    logs.delete_log_group(logGroupName="/audit/app")
    logs.delete_log_group(logGroupName="/audit/findings")


def test_subscriptions_read_original_or_transformed(gureum, logs):
    """applyOnTransformedLogs on subscription and metric filters: stored and
    reported; a subscription without it gets the events as they arrived, one
    with it gets them as the transformer left them (masked either way when
    a data protection policy applies)."""
    needs(logs, "PutTransformer")
    import gzip
    kin = gureum.client("kinesis")
    g = "/subtr/app"
    logs.create_log_group(logGroupName=g)
    logs.put_transformer(logGroupIdentifier=g, transformerConfig=[
        {"parseKeyValue": {}}, {"addKeys": {"entries": [{"key": "t", "value": "yes"}]}}])
    logs.put_data_protection_policy(logGroupIdentifier=g, policyDocument=dp_policy([EMAIL]))
    role = "arn:aws:iam::000000000000:role/cwl-to-kinesis"
    arns = {}
    for name, on in (("orig", False), ("tr", True)):
        kin.create_stream(StreamName="subtr-" + name, ShardCount=1)
        arns[name] = kin.describe_stream(StreamName="subtr-" + name)["StreamDescription"]["StreamARN"]
        logs.put_subscription_filter(logGroupName=g, filterName=name, filterPattern="", destinationArn=arns[name],
                                     roleArn=role, applyOnTransformedLogs=on)
    got = logs.describe_subscription_filters(logGroupName=g)["subscriptionFilters"]
    assert [(f["filterName"], f["applyOnTransformedLogs"]) for f in got] == [("orig", False), ("tr", True)]
    logs.put_metric_filter(logGroupName=g, filterName="m", filterPattern="", applyOnTransformedLogs=True,
                           metricTransformations=[{"metricName": "n", "metricNamespace": "ns", "metricValue": "1"}])
    assert logs.describe_metric_filters(logGroupName=g)["metricFilters"][0]["applyOnTransformedLogs"] is True
    put_events(logs, g, "s", ["a=1&mail=x@example.com"])
    stored = logs.get_log_events(logGroupName=g, logStreamName="s")["events"][0]["message"]
    assert json.loads(stored) == {"a": "1", "mail": "*************", "t": "yes"}

    def delivered(name):
        it = kin.get_shard_iterator(StreamName="subtr-" + name, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        recs = kin.get_records(ShardIterator=it)["Records"]
        return [e["message"] for e in json.loads(gzip.decompress(recs[0]["Data"]))["logEvents"]]
    assert delivered("orig") == ["a=1&mail=*************"]
    assert [json.loads(m) for m in delivered("tr")] == [json.loads(stored)]
    logs.delete_log_group(logGroupName=g)


def test_account_subscription_filter_policy(gureum, logs):
    """An account SUBSCRIPTION_FILTER_POLICY sends the matching events of
    every group its selection criteria do not leave out to its destination,
    checked when put (the Kinesis stream must exist, with a role)."""
    needs(logs, "PutAccountPolicy")
    import gzip
    kin = gureum.client("kinesis")
    kin.create_stream(StreamName="acct-sub", ShardCount=1)
    sarn = kin.describe_stream(StreamName="acct-sub")["StreamDescription"]["StreamARN"]
    role = "arn:aws:iam::000000000000:role/cwl-to-kinesis"
    doc = {"DestinationArn": sarn, "RoleArn": role, "FilterPattern": "ERROR", "Distribution": "Random"}
    assert error_of(logs.put_account_policy, policyName="sub", policyType="SUBSCRIPTION_FILTER_POLICY",
                    policyDocument=json.dumps(dict(doc, DestinationArn=sarn + "-nope")))[0] == \
        "InvalidParameterException"
    assert error_of(logs.put_account_policy, policyName="sub", policyType="SUBSCRIPTION_FILTER_POLICY",
                    policyDocument=json.dumps({"DestinationArn": sarn}))[0] == "InvalidParameterException"
    logs.put_account_policy(policyName="sub", policyType="SUBSCRIPTION_FILTER_POLICY", policyDocument=json.dumps(doc),
                            selectionCriteria='LogGroupName NOT IN ["/asub/skip"]')
    for n in ("/asub/in", "/asub/skip"):
        logs.create_log_group(logGroupName=n)
        put_events(logs, n, "s", ["ok", "ERROR in " + n])
    it = kin.get_shard_iterator(StreamName="acct-sub", ShardId="shardId-000000000000",
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = [json.loads(gzip.decompress(x["Data"])) for x in kin.get_records(ShardIterator=it)["Records"]]
    assert [(d["logGroup"], d["subscriptionFilters"], [e["message"] for e in d["logEvents"]]) for d in recs] == [
        ("/asub/in", ["sub"], ["ERROR in /asub/in"])]
    logs.delete_account_policy(policyName="sub", policyType="SUBSCRIPTION_FILTER_POLICY")
    for n in ("/asub/in", "/asub/skip"):
        logs.delete_log_group(logGroupName=n)


def test_lookup_tables(logs):
    """Create/Get/Update/Describe/DeleteLookupTable: the CSV kept as given, its
    header's fields and record count reported, named by ARN; a second create
    of the name is ResourceAlreadyExistsException."""
    needs(logs, "CreateLookupTable")
    body = "id,name\n1,alpha\n2,beta\n"
    c = logs.create_lookup_table(lookupTableName="hosts", tableBody=body, description="d")
    arn = "arn:aws:logs:us-east-1:000000000000:lookup-table:hosts"
    assert c["lookupTableArn"] == arn and c["createdAt"] > 0
    assert error_of(logs.create_lookup_table, lookupTableName="hosts", tableBody=body)[0] == \
        "ResourceAlreadyExistsException"
    assert error_of(logs.create_lookup_table, lookupTableName="bad", tableBody=",x\n")[0] == \
        "InvalidParameterException"
    g = logs.get_lookup_table(lookupTableArn=arn)
    assert (g["lookupTableName"], g["tableBody"], g["description"], g["sizeBytes"]) == ("hosts", body, "d", len(body))
    logs.create_lookup_table(lookupTableName="other", tableBody="k\nv\n")
    d = logs.describe_lookup_tables(lookupTableNamePrefix="ho")["lookupTables"]
    assert [(t["lookupTableName"], t["tableFields"], t["recordsCount"]) for t in d] == [("hosts", ["id", "name"], 2)]
    assert len(logs.describe_lookup_tables()["lookupTables"]) == 2
    u = logs.update_lookup_table(lookupTableArn=arn, tableBody="id,name,zone\n1,a,z\n")
    assert u["lookupTableArn"] == arn and u["lastUpdatedTime"] >= c["createdAt"]
    d = logs.describe_lookup_tables(lookupTableNamePrefix="hosts")["lookupTables"][0]
    assert (d["tableFields"], d["recordsCount"], d["description"]) == (["id", "name", "zone"], 1, "d")
    # Logs Insights joins events against it
    logs.create_log_group(logGroupName="/lk/app")
    put_events(logs, "/lk/app", "s", [json.dumps({"hid": "1", "msg": "a"}), json.dumps({"hid": "9", "msg": "b"})])
    t = int(time.time())

    def query(q):
        qid = logs.start_query(logGroupName="/lk/app", startTime=t - 60, endTime=t + 60, queryString=q)["queryId"]
        res = logs.get_query_results(queryId=qid)
        return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in res["results"]]
    assert query("fields msg, name, zone | lookup hosts id as hid OUTPUT name, zone | sort msg asc") == [
        {"msg": "a", "name": "a", "zone": "z"}, {"msg": "b"}]
    assert query("lookup hosts id as hid OUTPUT zone | filter zone = 'z' | fields msg") == [{"msg": "a"}]
    assert error_of(logs.start_query, logGroupName="/lk/app", startTime=t - 60, endTime=t,
                    queryString="lookup nope id as hid OUTPUT name")[0] == "MalformedQueryException"
    assert error_of(logs.start_query, logGroupName="/lk/app", startTime=t - 60, endTime=t,
                    queryString="lookup hosts nofield as hid OUTPUT name")[0] == "MalformedQueryException"
    logs.delete_log_group(logGroupName="/lk/app")
    logs.delete_lookup_table(lookupTableArn=arn)
    logs.delete_lookup_table(lookupTableArn=arn.replace("hosts", "other"))
    for fn in (logs.get_lookup_table, logs.delete_lookup_table):
        assert error_of(fn, lookupTableArn=arn)[0] == "ResourceNotFoundException"
    assert error_of(logs.update_lookup_table, lookupTableArn=arn, tableBody="a\n")[0] == "ResourceNotFoundException"


def test_transformer_grok_and_more_processors(logs):
    """grok (its common patterns, as a parser), substituteString,
    splitString, typeConverter and listToMap, run by TestTransformer; an
    unknown grok pattern or processor gureum does not run is refused."""
    needs(logs, "TestTransformer")

    def run(cfg, msg):
        out = logs.test_transformer(transformerConfig=cfg, logEventMessages=[msg])["transformedLogs"][0]
        return out["transformedEventMessage"]
    cfg = [{"grok": {"match": "%{IP:client} %{WORD:method} %{URIPATHPARAM:path} %{NUMBER:status} %{GREEDYDATA:rest}"}},
           {"typeConverter": {"entries": [{"key": "status", "type": "integer"}]}},
           {"substituteString": {"entries": [{"source": "path", "from": "\\d+", "to": "N"}]}},
           {"splitString": {"entries": [{"source": "rest", "delimiter": ","}]}}]
    assert json.loads(run(cfg, "10.0.0.1 GET /items/42?x=7 404 a,b,c")) == {
        "client": "10.0.0.1", "method": "GET", "path": "/items/N?x=N", "status": 404, "rest": ["a", "b", "c"]}
    assert run(cfg, "no match here") == "no match here"
    ltm = [{"parseJSON": {}}, {"listToMap": {"source": "tags", "key": "k", "valueKey": "v", "target": "m"}},
           {"listToMap": {"source": "tags", "key": "k", "valueKey": "v", "flatten": True,
                          "flattenedElement": "last"}},
           {"deleteKeys": {"withKeys": ["tags"]}}]
    got = json.loads(run(ltm, json.dumps({"tags": [{"k": "a", "v": "1"}, {"k": "b", "v": "2"}, {"k": "b", "v": "3"}]})))
    assert got == {"m": {"a": ["1"], "b": ["2", "3"]}, "a": "1", "b": "3"}
    lvl = [{"grok": {"match": "\\[%{LOGLEVEL:level}\\] %{GREEDYDATA:msg}"}},
           {"typeConverter": {"entries": [{"key": "level", "type": "boolean"}]}}]
    assert json.loads(run(lvl, "[ERROR] disk full")) == {"level": "ERROR", "msg": "disk full"}
    dt = [{"parseJSON": {}},
          {"dateTimeConverter": {"source": "t", "target": "iso", "matchPatterns": ["dd/MMM/yyyy:HH:mm:ss Z",
                                                                                   "yyyy-MM-dd HH:mm:ss"]}},
          {"dateTimeConverter": {"source": "t", "target": "local", "matchPatterns": ["yyyy-MM-dd HH:mm:ss"],
                                 "sourceTimezone": "+02:00", "targetFormat": "EEE hh:mm a XXX",
                                 "targetTimezone": "-05:00"}}]
    assert json.loads(run(dt, json.dumps({"t": "10/Oct/2025:13:55:36 -0700"}))) == {
        "t": "10/Oct/2025:13:55:36 -0700", "iso": "2025-10-10T20:55:36.000Z"}
    assert json.loads(run(dt, json.dumps({"t": "2025-01-02 03:04:05"}))) == {
        "t": "2025-01-02 03:04:05", "iso": "2025-01-02T03:04:05.000Z", "local": "Wed 08:04 PM -05:00"}
    for bad in ([{"grok": {"match": "%{NOSUCHPATTERN:x}"}}], [{"parseVPC": {}}],
                [{"grok": {"match": "%{WORD:x}"}}, {"dateTimeConverter": {"source": "x", "target": "y",
                                                                          "matchPatterns": ["yyyy"],
                                                                          "sourceTimezone": "Europe/Paris"}}],
                [{"grok": {"match": "%{WORD:x}"}}, {"dateTimeConverter": {"source": "x", "target": "y",
                                                                          "matchPatterns": ["yyyy QQQ"]}}]):
        assert error_of(logs.test_transformer, transformerConfig=bad, logEventMessages=["x"])[0] == \
            "InvalidParameterException"


def test_unmask_needs_permission(gureum, logs):
    """unmask=true needs logs:Unmask on the group: a user allowed to read but
    not to unmask is refused (AccessDeniedException), one allowed both
    sees the original text."""
    iam = gureum.client("iam")
    g = "/dp/perm"
    logs.create_log_group(logGroupName=g)
    logs.put_data_protection_policy(logGroupIdentifier=g, policyDocument=dp_policy([EMAIL]))
    put_events(logs, g, "s", ["hi eve@example.com"])
    users = {}
    for name, actions in (("reader", ["logs:GetLogEvents"]), ("unmasker", ["logs:GetLogEvents", "logs:Unmask"])):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        k = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = gureum.client("logs", aws_access_key_id=k["AccessKeyId"],
                                    aws_secret_access_key=k["SecretAccessKey"])
    kw = dict(logGroupName=g, logStreamName="s")
    assert users["reader"].get_log_events(**kw)["events"][0]["message"] == "hi " + "*" * 15
    assert error_of(users["reader"].get_log_events, unmask=True, **kw)[0] == "AccessDeniedException"
    assert users["unmasker"].get_log_events(unmask=True, **kw)["events"][0]["message"] == "hi eve@example.com"
    logs.delete_log_group(logGroupName=g)


def test_tags_of_delivery_destinations_and_lookup_tables(logs):
    """TagResource, UntagResource and ListTagsForResource reach delivery
    destinations and lookup tables by ARN (their create-time tags too)."""
    needs(logs, "CreateLookupTable")
    d = logs.put_delivery_destination(name="tagged", deliveryDestinationConfiguration={
        "destinationResourceArn": "arn:aws:s3:::b"}, tags={"a": "1"})["deliveryDestination"]["arn"]
    t = logs.create_lookup_table(lookupTableName="tagged", tableBody="k\nv\n", tags={"x": "y"})["lookupTableArn"]
    assert logs.list_tags_for_resource(resourceArn=d)["tags"] == {"a": "1"}
    assert logs.list_tags_for_resource(resourceArn=t)["tags"] == {"x": "y"}
    logs.tag_resource(resourceArn=d, tags={"b": "2", "a": "9"})
    logs.untag_resource(resourceArn=t, tagKeys=["x"])
    assert logs.list_tags_for_resource(resourceArn=d)["tags"] == {"a": "9", "b": "2"}
    assert logs.get_delivery_destination(name="tagged")["deliveryDestination"]["tags"] == {"a": "9", "b": "2"}
    assert logs.list_tags_for_resource(resourceArn=t)["tags"] == {}
    assert error_of(logs.tag_resource, resourceArn=d + "x", tags={"k": "v"})[0] == "ResourceNotFoundException"
    assert error_of(logs.tag_resource, resourceArn=d, tags={"k%d" % i: "v" for i in range(50)})[0] == \
        "TooManyTagsException"
    logs.delete_delivery_destination(name="tagged")
    logs.delete_lookup_table(lookupTableArn=t)
