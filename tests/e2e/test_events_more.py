"""test_events_more.py — EventBridge beyond buses and rules: a bus's settings
(UpdateEventBus; KmsKeyIdentifier, DeadLetterConfig, LogConfig, and the bus's
dead-letter queue taking the events its key cannot encrypt), global endpoints
(CRUD, validation, PutEvents with an EndpointId reaching the primary bus and,
replicated, the secondary one), and partner event sources from both sides,
with PutPartnerEvents reaching a partner bus. UpdateEventBus and the bus
settings need boto3 1.43's model; those tests skip under an older one.
"""
import json
import time
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from conftest import queue_for_service, serve

ACCOUNT = "000000000000"
REGION = "us-east-1"
PARTNER = ("111111111111", "ALTACCESSKEY0000000E", "altsecret0000000000000000000000000000000E")
SOURCE = "aws.partner/example.com/123/orders"


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_ACCOUNTS": ":".join(PARTNER)})


@pytest.fixture(scope="module")
def events(g):
    return g.client("events")


@pytest.fixture(scope="module")
def sqs(g):
    return g.client("sqs")


def err(exc):
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def receive_all(sqs, url, wait=3, want=1):
    out, deadline = [], time.time() + wait
    while time.time() < deadline and len(out) < want:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def rule_to_queue(events, sqs, bus, name, region=REGION):
    url, arn = queue_for_service(sqs, name, "events.amazonaws.com", region, ACCOUNT)
    events.put_rule(Name=name, EventBusName=bus, EventPattern='{"source": [{"prefix": ""}]}')
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def needs_bus_settings(events):
    if "UpdateEventBus" not in events.meta.service_model.operation_names:
        pytest.skip("this botocore has no UpdateEventBus (boto3 1.43 has)")


# ==== Bus settings ====

def test_update_event_bus_settings(events):
    """UpdateEventBus stores what DescribeEventBus then reports; a member
    left out keeps its setting, except the key (AWS: without one, an AWS
    owned key); the default bus and buses by ARN can be updated too."""
    needs_bus_settings(events)
    dlq = "arn:aws:sqs:%s:%s:bus-dlq" % (REGION, ACCOUNT)
    r = events.create_event_bus(Name="conf", Description="d0", DeadLetterConfig={"Arn": dlq},
                                LogConfig={"Level": "ERROR", "IncludeDetail": "NONE"})
    assert r["Description"] == "d0" and r["DeadLetterConfig"] == {"Arn": dlq}
    assert r["LogConfig"] == {"Level": "ERROR", "IncludeDetail": "NONE"} and "KmsKeyIdentifier" not in r
    d = events.describe_event_bus(Name="conf")
    assert d["DeadLetterConfig"] == {"Arn": dlq} and d["LogConfig"]["Level"] == "ERROR"
    u = events.update_event_bus(Name="conf", Description="d1", KmsKeyIdentifier="alias/mine",
                                LogConfig={"Level": "TRACE", "IncludeDetail": "FULL"})
    assert u["Arn"] == r["EventBusArn"] and u["Name"] == "conf" and u["Description"] == "d1"
    assert u["KmsKeyIdentifier"] == "alias/mine" and u["DeadLetterConfig"] == {"Arn": dlq}
    d = events.describe_event_bus(Name=r["EventBusArn"])
    assert (d["Description"], d["KmsKeyIdentifier"], d["LogConfig"]) == (
        "d1", "alias/mine", {"Level": "TRACE", "IncludeDetail": "FULL"})
    assert d["LastModifiedTime"] >= d["CreationTime"]
    events.update_event_bus(Name="conf")
    d = events.describe_event_bus(Name="conf")
    assert "KmsKeyIdentifier" not in d and d["Description"] == "d1" and d["DeadLetterConfig"] == {"Arn": dlq}
    events.update_event_bus(Description="the default bus")
    assert events.describe_event_bus()["Description"] == "the default bus"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.update_event_bus(Name="nope", Description="x")
    assert err(e) == ("ResourceNotFoundException", "Event bus nope does not exist.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.update_event_bus(Name="conf", DeadLetterConfig={"Arn": "arn:aws:sns:us-east-1:000000000000:t"})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.update_event_bus(Name="conf", LogConfig={"Level": "LOUD"})
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_bus_with_a_customer_managed_key_delivers(events, sqs):
    """A bus given a customer managed key and a dead-letter queue keeps both and routes custom
    events to its rules: gureum has no KMS to find the key missing or disabled (AWS's only reason
    for the bus's dead-letter queue), so it takes the key as the usable one it is in the user's
    account."""
    needs_bus_settings(events)
    dlq_url, dlq_arn = queue_for_service(sqs, "kms-bus-dlq", "events.amazonaws.com", REGION, ACCOUNT)
    events.create_event_bus(Name="kms", KmsKeyIdentifier="alias/mine", DeadLetterConfig={"Arn": dlq_arn})
    url = rule_to_queue(events, sqs, "kms", "kms-all")
    entry = {"EventBusName": "kms", "Source": "app", "DetailType": "t", "Detail": '{"n": 1}'}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    [m] = receive_all(sqs, url)
    assert json.loads(m["Body"])["detail"] == {"n": 1}
    assert receive_all(sqs, dlq_url, wait=1) == []
    d = events.describe_event_bus(Name="kms")
    assert d["KmsKeyIdentifier"] == "alias/mine" and d["DeadLetterConfig"] == {"Arn": dlq_arn}


# ==== Global endpoints ====

def endpoint_args(name, primary="us-east-1", secondary="us-west-2", bus="global", **kw):
    args = {
        "Name": name,
        "RoutingConfig": {"FailoverConfig": {
            "Primary": {"HealthCheck": "arn:aws:route53:::healthcheck/abc-123"},
            "Secondary": {"Route": secondary}}},
        "EventBuses": [{"EventBusArn": "arn:aws:events:%s:%s:event-bus/%s" % (primary, ACCOUNT, bus)},
                       {"EventBusArn": "arn:aws:events:%s:%s:event-bus/%s" % (secondary, ACCOUNT, bus)}],
    }
    args.update(kw)
    return args


def test_endpoint_lifecycle(events):
    r = events.create_endpoint(**endpoint_args("ep1", Description="first", RoleArn="arn:aws:iam::%s:role/r" % ACCOUNT))
    assert r["State"] == "CREATING" and r["Arn"] == "arn:aws:events:%s:%s:endpoint/ep1" % (REGION, ACCOUNT)
    assert r["ReplicationConfig"] == {"State": "ENABLED"} and len(r["EventBuses"]) == 2
    assert "EndpointId" not in r
    d = events.describe_endpoint(Name="ep1")
    assert d["State"] == "ACTIVE" and d["Description"] == "first"
    assert d["EndpointUrl"] == "https://%s.endpoint.events.amazonaws.com" % d["EndpointId"]
    assert d["RoutingConfig"]["FailoverConfig"]["Secondary"] == {"Route": "us-west-2"}
    assert events.describe_endpoint(Name="ep1", HomeRegion=REGION)["EndpointId"] == d["EndpointId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_endpoint(**endpoint_args("ep1"))
    assert err(e) == ("ResourceAlreadyExistsException", "Endpoint ep1 already exists.")
    events.create_endpoint(**endpoint_args("ep2", ReplicationConfig={"State": "DISABLED"}))
    names = [x["Name"] for x in events.list_endpoints()["Endpoints"]]
    assert names == ["ep1", "ep2"]
    page = events.list_endpoints(MaxResults=1)
    assert [x["Name"] for x in page["Endpoints"]] == ["ep1"] and page["NextToken"]
    assert [x["Name"] for x in events.list_endpoints(NamePrefix="ep2")["Endpoints"]] == ["ep2"]
    assert events.list_endpoints(HomeRegion="eu-west-1")["Endpoints"] == []
    u = events.update_endpoint(Name="ep2", Description="second", ReplicationConfig={"State": "ENABLED"})
    assert u["State"] == "UPDATING" and u["EndpointId"] and u["ReplicationConfig"] == {"State": "ENABLED"}
    d = events.describe_endpoint(Name="ep2")
    assert d["Description"] == "second" and d["State"] == "ACTIVE"
    events.delete_endpoint(Name="ep2")
    for call in (events.describe_endpoint, events.delete_endpoint):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call(Name="ep2")
        assert err(e) == ("ResourceNotFoundException", "Endpoint ep2 does not exist.")


def test_endpoint_validation(events):
    bad = [
        endpoint_args("v1", secondary="us-east-1"),                    # both in one region
        endpoint_args("v2", primary="eu-west-1"),                      # none in the home region
        endpoint_args("v3", secondary="mars-north-1"),                 # not a region
        dict(endpoint_args("v4"), EventBuses=[                         # two names
            {"EventBusArn": "arn:aws:events:us-east-1:%s:event-bus/a" % ACCOUNT},
            {"EventBusArn": "arn:aws:events:us-west-2:%s:event-bus/b" % ACCOUNT}]),
    ]
    for args in bad:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            events.create_endpoint(**args)
        assert e.value.response["Error"]["Code"] == "ValidationException", args["Name"]
    assert events.list_endpoints(NamePrefix="v")["Endpoints"] == []


def signed_put_events(g, body):
    """PutEvents sent as a plain SigV4 request: botocore sends an EndpointId
    call to the endpoint's own host with SigV4a, which needs awscrt."""
    data = json.dumps(body).encode()
    req = botocore.awsrequest.AWSRequest(method="POST", url=g.endpoint + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "events", REGION).add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(req.url, data=data, headers=dict(req.headers.items()),
                                                       method="POST")) as resp:
        return json.loads(resp.read())


def test_put_events_through_endpoint(g, events, sqs):
    """Events sent to an endpoint reach its primary bus, in the home region;
    with replication enabled the secondary region's bus gets them too."""
    west = g.client("events", region_name="us-west-2")
    west_sqs = g.client("sqs", region_name="us-west-2")
    events.create_event_bus(Name="global")
    west.create_event_bus(Name="global")
    east_q = rule_to_queue(events, sqs, "global", "ep-east")
    west_q = rule_to_queue(west, west_sqs, "global", "ep-west", region="us-west-2")
    ep = events.create_endpoint(**endpoint_args("route"))
    eid = events.describe_endpoint(Name="route")["EndpointId"]
    entry = {"Source": "app", "DetailType": "t", "Detail": '{"via": "endpoint"}', "EventBusName": "global"}
    r = signed_put_events(g, {"EndpointId": eid, "Entries": [entry]})
    assert r["FailedEntryCount"] == 0 and r["Entries"][0]["EventId"]
    [m] = receive_all(sqs, east_q)
    body = json.loads(m["Body"])
    assert body["detail"] == {"via": "endpoint"} and body["region"] == REGION
    [m] = receive_all(west_sqs, west_q)
    assert json.loads(m["Body"])["id"] == body["id"]
    events.update_endpoint(Name="route", ReplicationConfig={"State": "DISABLED"})
    west_arn = "arn:aws:events:us-west-2:%s:event-bus/global" % ACCOUNT
    r = signed_put_events(g, {"EndpointId": eid, "Entries": [
        dict(entry, EventBusName=west_arn), dict(entry, EventBusName="other"),
        {k: v for k, v in entry.items() if k != "EventBusName"}]})
    assert r["FailedEntryCount"] == 2 and "EventId" in r["Entries"][0]
    assert [x.get("ErrorCode") for x in r["Entries"]] == [None, "InvalidArgument", "InvalidArgument"]
    assert len(receive_all(sqs, east_q)) == 1 and receive_all(west_sqs, west_q, wait=1) == []
    with pytest.raises(urllib.error.HTTPError) as e:
        signed_put_events(g, {"EndpointId": "nope.abc", "Entries": [entry]})
    assert json.loads(e.value.read())["__type"].endswith("ResourceNotFoundException")
    assert ep["Name"] == "route"


# ==== Partner event sources ====

def test_partner_event_source_lifecycle(g, events, sqs):
    """The partner makes a source for this account; it is PENDING until the
    account makes the partner bus, ACTIVE then, and the bus receives what
    PutPartnerEvents sends (as this account's event); deactivated, it gets
    nothing; deleted by the partner, the account sees it DELETED."""
    partner = g.client("events", aws_access_key_id=PARTNER[1], aws_secret_access_key=PARTNER[2])
    arn = "arn:aws:events:%s::event-source/%s" % (REGION, SOURCE)
    assert partner.create_partner_event_source(Name=SOURCE, Account=ACCOUNT)["EventSourceArn"] == arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        partner.create_partner_event_source(Name=SOURCE, Account=ACCOUNT)
    assert err(e) == ("ResourceAlreadyExistsException", "Event source %s already exists." % SOURCE)
    with pytest.raises(botocore.exceptions.ClientError) as e:  # another partner's name
        events.create_partner_event_source(Name=SOURCE, Account="222222222222")
    assert e.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    partner.create_partner_event_source(Name=SOURCE, Account="333333333333")
    d = partner.describe_partner_event_source(Name=SOURCE)
    assert (d["Arn"], d["Name"]) == (arn, SOURCE)
    srcs = partner.list_partner_event_sources(NamePrefix="aws.partner/example.com/")["PartnerEventSources"]
    assert srcs == [{"Arn": arn, "Name": SOURCE}]
    accts = partner.list_partner_event_source_accounts(EventSourceName=SOURCE)["PartnerEventSourceAccounts"]
    assert [(a["Account"], a["State"]) for a in accts] == [(ACCOUNT, "PENDING"), ("333333333333", "PENDING")]
    assert accts[0]["ExpirationTime"] > accts[0]["CreationTime"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_partner_event_source(Name=SOURCE)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"

    s = events.describe_event_source(Name=SOURCE)
    assert (s["Arn"], s["Name"], s["State"], s["CreatedBy"]) == (arn, SOURCE, "PENDING", "example.com")
    assert [x["Name"] for x in events.list_event_sources(NamePrefix="aws.partner/")["EventSources"]] == [SOURCE]
    with pytest.raises(botocore.exceptions.ClientError) as e:  # no such source for this account
        events.create_event_bus(Name="aws.partner/example.com/123/other",
                                EventSourceName="aws.partner/example.com/123/other")
    assert err(e) == ("ResourceNotFoundException", "Event source aws.partner/example.com/123/other does not exist.")
    bus = events.create_event_bus(Name=SOURCE, EventSourceName=SOURCE)["EventBusArn"]
    assert bus.endswith(":event-bus/" + SOURCE)
    assert events.describe_event_source(Name=SOURCE)["State"] == "ACTIVE"
    assert "ExpirationTime" not in events.describe_event_source(Name=SOURCE)
    url = rule_to_queue(events, sqs, SOURCE, "partner-all")

    entry = {"Source": SOURCE, "DetailType": "Order", "Detail": '{"order": 7}', "Resources": ["r1"]}
    r = partner.put_partner_events(Entries=[entry, dict(entry, Source="aws.partner/example.com/123/none"),
                                            dict(entry, Detail="[1]")])
    assert r["FailedEntryCount"] == 2 and r["Entries"][0]["EventId"]
    assert r["Entries"][1]["ErrorCode"] == "InvalidArgument" and r["Entries"][2]["ErrorCode"] == "MalformedDetail"
    [m] = receive_all(sqs, url)
    body = json.loads(m["Body"])
    assert (body["source"], body["account"], body["detail"], body["resources"]) == (
        SOURCE, ACCOUNT, {"order": 7}, ["r1"])
    r = events.put_partner_events(Entries=[entry])  # only the partner puts its source's events
    assert r["FailedEntryCount"] == 1 and r["Entries"][0]["ErrorCode"] == "InvalidArgument"

    events.deactivate_event_source(Name=SOURCE)
    assert events.describe_event_source(Name=SOURCE)["State"] == "PENDING"
    partner.put_partner_events(Entries=[entry])
    assert receive_all(sqs, url, wait=1) == []
    events.activate_event_source(Name=SOURCE)
    partner.put_partner_events(Entries=[entry])
    assert len(receive_all(sqs, url)) == 1

    partner.delete_partner_event_source(Name=SOURCE, Account=ACCOUNT)
    assert events.describe_event_source(Name=SOURCE)["State"] == "DELETED"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.activate_event_source(Name=SOURCE)
    assert e.value.response["Error"]["Code"] == "InvalidStateException"
    accts = partner.list_partner_event_source_accounts(EventSourceName=SOURCE)["PartnerEventSourceAccounts"]
    assert [a["Account"] for a in accts] == ["333333333333"]
    partner.delete_partner_event_source(Name=SOURCE, Account="333333333333")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        partner.describe_partner_event_source(Name=SOURCE)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_event_source(Name="aws.partner/example.com/9/none")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_partner_bus_deleted_leaves_source_pending(g, events):
    partner = g.client("events", aws_access_key_id=PARTNER[1], aws_secret_access_key=PARTNER[2])
    name = "aws.partner/example.com/123/again"
    partner.create_partner_event_source(Name=name, Account=ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_event_bus(Name=name + "x", EventSourceName=name)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    events.create_event_bus(Name=name, EventSourceName=name)
    assert events.describe_event_source(Name=name)["State"] == "ACTIVE"
    events.delete_event_bus(Name=name)
    assert events.describe_event_source(Name=name)["State"] == "PENDING"
