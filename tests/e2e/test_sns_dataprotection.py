"""test_sns_dataprotection.py — SNS message data protection enforced end to
end with boto3: a topic's data protection policy (PutDataProtectionPolicy)
de-identifies (masks, redacts) what subscribers receive, denies a Publish
(inbound) or one subscription's delivery (outbound), and audits messages
into a CloudWatch Logs group and an S3 bucket; identifiers outside AWS's
catalogue, and destinations gureum does not serve, are refused when the
policy is put. Detection is the shared services/dataident.c (CloudWatch Logs masks with
it too)."""
import json
import time

import botocore.exceptions
import pytest

from test_sns import drain, err_of, queue_for, sns, sqs  # noqa: F401 (sns, sqs: the module's fixtures)

ACCOUNT = "000000000000"
IDENT = "arn:aws:dataprotection::aws:data-identifier/"
# a Visa number that passes the Luhn check and is not one of the numbers card
# issuers reserve for testing (4111 1111 1111 1111 is, and AWS does not report it)
CARD = "4539 1488 0343 6467"
NOT_CARD = "4539 1488 0343 6468"  # fails the Luhn check
EMAIL = "jane.doe@example.com"


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


def policy(*statements, **extra):
    return json.dumps(dict({"Name": "dp", "Description": "test", "Version": "2021-06-01",
                            "Statement": list(statements)}, **extra))


def stmt(direction, op, idents, principal=("*",)):
    return {"DataDirection": direction, "Principal": list(principal),
            "DataIdentifier": [i if i.startswith("arn:") or i.startswith("Custom") else IDENT + i for i in idents],
            "Operation": op}


def topic_with_queues(sns, sqs, name, n=1, raw=True):
    arn = sns.create_topic(Name=name)["TopicArn"]
    queues = []
    for i in range(n):
        url, qarn = queue_for(sqs, arn, f"{name}-q{i}")
        sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                            Attributes={"RawMessageDelivery": "true" if raw else "false"})["SubscriptionArn"]
        queues.append((url, qarn, sub))
    return arn, queues


def bodies(sqs, url, want, wait=2):
    return [m["Body"] for m in drain(sqs, url, want=want, wait=wait)]


def test_deidentify_inbound_masks_card_and_email(sns, sqs):
    """An Inbound Deidentify with MaskConfig {} replaces each character of a
    card number (one that passes the Luhn check) and an email address with
    an asterisk in what every subscription receives; a message without
    sensitive data, and digits that fail the Luhn check, pass untouched."""
    arn, [(raw_url, _, _)] = topic_with_queues(sns, sqs, "dp-mask")
    env_url, env_qarn = queue_for(sqs, arn, "dp-mask-env")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=env_qarn)
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Deidentify": {"MaskConfig": {}}}, ["CreditCardNumber", "EmailAddress"])))
    sns.publish(TopicArn=arn, Message=f"card {CARD} mail {EMAIL} end")
    want = f"card {'*' * len(CARD)} mail {'*' * len(EMAIL)} end"
    assert bodies(sqs, raw_url, 1) == [want]
    envelope = json.loads(bodies(sqs, env_url, 1)[0])
    assert envelope["Message"] == want
    for clean in ("nothing sensitive here: order 1234", f"not a card {NOT_CARD}"):
        sns.publish(TopicArn=arn, Message=clean)
        assert bodies(sqs, raw_url, 1) == [clean]
        assert json.loads(bodies(sqs, env_url, 1)[0])["Message"] == clean


def test_deidentify_mask_character_redact_and_custom(sns, sqs):
    """MaskWithCharacter picks the mask; RedactConfig removes the data; a
    CustomDataIdentifier of the policy's Configuration (AWS's regex syntax,
    \\d) is detected like a managed one; statements apply in order."""
    arn, [(url, _, _)] = topic_with_queues(sns, sqs, "dp-redact")
    doc = policy(
        stmt("Inbound", {"Deidentify": {"MaskConfig": {"MaskWithCharacter": "#"}}}, ["CreditCardNumber"]),
        stmt("Inbound", {"Deidentify": {"RedactConfig": {}}}, ["EmailAddress", "CustomEmployeeId"]),
        Configuration={"CustomDataIdentifier": [{"Name": "CustomEmployeeId", "Regex": "EMP-\\d{6}"}]})
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=doc)
    sns.publish(TopicArn=arn, Message=f"[visa {CARD}] [{EMAIL}] [EMP-123456] [EMP-12]")
    assert bodies(sqs, url, 1) == [f"[visa {'#' * len(CARD)}] [] [] [EMP-12]"]


def test_deidentify_outbound_per_subscription(sns, sqs):
    """An Outbound Deidentify applies to the subscriptions its Principal
    names (here one queue's endpoint ARN) and to no other."""
    arn, [(url0, qarn0, _), (url1, _, _)] = topic_with_queues(sns, sqs, "dp-out-mask", n=2)
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Outbound", {"Deidentify": {"RedactConfig": {}}}, ["EmailAddress"], principal=[qarn0])))
    sns.publish(TopicArn=arn, Message=f"to {EMAIL}.")
    assert bodies(sqs, url0, 1) == ["to ."]
    assert bodies(sqs, url1, 1) == [f"to {EMAIL}."]


def test_deny_inbound_refuses_publish(sns, sqs):
    """An Inbound Deny refuses a Publish whose message holds the identifier
    with AuthorizationError (403); nothing is delivered. A clean message is
    published. In PublishBatch the denied entry is Failed, the other
    published."""
    arn, [(url, _, _)] = topic_with_queues(sns, sqs, "dp-deny")
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Deny": {}}, ["CreditCardNumber"])))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=arn, Message=f"pay with card {CARD}")
    code, msg, status = err_of(e)
    assert (code, status) == ("AuthorizationError", 403)
    assert "CreditCardNumber" in msg
    sns.publish(TopicArn=arn, Message=f"digits {NOT_CARD} only")
    assert bodies(sqs, url, 2) == [f"digits {NOT_CARD} only"]
    r = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "bad", "Message": f"card {CARD}"}, {"Id": "good", "Message": "hello"}])
    assert [s["Id"] for s in r["Successful"]] == ["good"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in r["Failed"]] == [("bad", "AuthorizationError", True)]
    assert bodies(sqs, url, 2) == ["hello"]


def test_deny_inbound_by_principal(gureum, sns, sqs):
    """A Deny statement applies to the publishers its Principal names: the
    IAM user it names is refused, the account's root is not."""
    iam = gureum.client("iam")
    arn, [(url, _, _)] = topic_with_queues(sns, sqs, "dp-deny-who")
    iam.create_user(UserName="dp-publisher")
    iam.put_user_policy(UserName="dp-publisher", PolicyName="pub", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="dp-publisher")["AccessKey"]
    user = gureum.client("sns", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Deny": {}}, ["EmailAddress"], principal=[f"arn:aws:iam::{ACCOUNT}:user/dp-publisher"])))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.publish(TopicArn=arn, Message=f"from {EMAIL}")
    assert err_of(e)[0] == "AuthorizationError"
    user.publish(TopicArn=arn, Message="no address")
    sns.publish(TopicArn=arn, Message=f"root {EMAIL}")
    assert sorted(bodies(sqs, url, 2)) == ["no address", f"root {EMAIL}"]


def test_deny_outbound_skips_one_subscription(sns, sqs):
    """An Outbound Deny fails the delivery to the subscription it names (by
    subscription ARN or endpoint) and not to the others; the Publish itself
    succeeds, and a clean message reaches every subscription."""
    arn, [(url0, _, sub0), (url1, _, _), (url2, qarn2, _)] = topic_with_queues(sns, sqs, "dp-out-deny", n=3)
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Outbound", {"Deny": {}}, ["Ssn-US"], principal=[sub0, qarn2])))
    assert sns.publish(TopicArn=arn, Message="ssn 123-45-6789")["MessageId"]
    assert bodies(sqs, url1, 1) == ["ssn 123-45-6789"]
    assert bodies(sqs, url0, 1, wait=0.5) == [] and bodies(sqs, url2, 1, wait=0.5) == []
    sns.publish(TopicArn=arn, Message="ssn unknown")
    for url in (url0, url1, url2):
        assert bodies(sqs, url, 1) == ["ssn unknown"]


def events_of(logs, group, want, wait=3):
    deadline = time.time() + wait
    got = []
    while time.time() < deadline:
        try:
            got = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            got = []
        if len(got) >= want:
            break
        time.sleep(0.1)
    return got


def test_audit_writes_findings_to_logs(gureum, sns, sqs, logs):
    """Audit (SampleRate 99) reports each sampled message: AWS's findings
    report (messageId, auditTimestamp, callerPrincipal, resourceArn,
    dataIdentifiers with name, count and detections) in the
    FindingsDestination log group when something was found, in the
    NoFindingsDestination group when not. The messages are delivered as
    published."""
    arn, [(url, _, _)] = topic_with_queues(sns, sqs, "dp-audit")
    found, clean = "/aws/vendedlogs/sns-audit-found", "/aws/vendedlogs/sns-audit-clean"
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Audit": {"SampleRate": "99",
                                   "FindingsDestination": {"CloudWatchLogs": {"LogGroup": found}},
                                   "NoFindingsDestination": {"CloudWatchLogs": {"LogGroup": clean}}}},
             ["EmailAddress", "CreditCardNumber"])))
    sensitive = f"to {EMAIL} card {CARD}"
    ids = {sns.publish(TopicArn=arn, Message=sensitive)["MessageId"] for _ in range(3)}
    clean_ids = {sns.publish(TopicArn=arn, Message="all clear")["MessageId"] for _ in range(3)}
    assert sorted(bodies(sqs, url, 6)) == ["all clear"] * 3 + [sensitive] * 3
    reports = events_of(logs, found, 3)
    assert reports and {r["messageId"] for r in reports} <= ids  # 99%: each is sampled with that chance
    r = reports[0]
    assert r["resourceArn"] == arn and r["callerPrincipal"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert r["auditTimestamp"].endswith("Z")
    start = sensitive.index(EMAIL)
    assert r["dataIdentifiers"] == [
        {"name": "EmailAddress", "count": 1, "detections": [{"start": start, "end": start + len(EMAIL)}]},
        {"name": "CreditCardNumber", "count": 1,
         "detections": [{"start": sensitive.index(CARD), "end": sensitive.index(CARD) + len(CARD)}]}]
    none = events_of(logs, clean, 3)
    assert none and {n["messageId"] for n in none} <= clean_ids
    assert none[0]["dataIdentifiers"] == []
    streams = logs.describe_log_streams(logGroupName=found)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["dp-audit"]


def test_audit_writes_findings_to_s3(gureum, sns):
    """An S3 FindingsDestination receives one JSON report per audited
    message, in a bucket of the topic's account."""
    s3 = gureum.client("s3")
    s3.create_bucket(Bucket="dp-audit-bucket")
    arn = sns.create_topic(Name="dp-audit-s3")["TopicArn"]
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Audit": {"FindingsDestination": {"S3": {"Bucket": "dp-audit-bucket"}}}}, ["Ssn-US"])))
    mid = sns.publish(TopicArn=arn, Message="ssn 123-45-6789")["MessageId"]
    sns.publish(TopicArn=arn, Message="nothing")  # no NoFindingsDestination: no report
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="dp-audit-bucket").get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"AWSLogs/{ACCOUNT}/SNSDataProtection/us-east-1/dp-audit-s3/")
    assert keys[0].endswith(f"/{mid}.json")
    report = json.loads(s3.get_object(Bucket="dp-audit-bucket", Key=keys[0])["Body"].read())
    assert report["messageId"] == mid and report["dataIdentifiers"] == [
        {"name": "Ssn-US", "count": 1, "detections": [{"start": 4, "end": 15}]}]


def test_policy_gureum_cannot_enforce_is_refused(sns):
    """A policy is refused (InvalidParameter, "Invalid parameter:
    DataProtectionPolicy Reason: …") rather than stored and not enforced
    when it names an identifier outside AWS's catalogue or a Firehose
    destination; AWS's documented constraints are checked too: a log group
    under /aws/vendedlogs/, SampleRate 0–99, one of MaskConfig or
    RedactConfig, a one-character mask. Both ARN forms of a managed
    identifier are taken."""
    arn = sns.create_topic(Name="dp-refuse")["TopicArn"]
    audit = {"Audit": {"SampleRate": "10", "FindingsDestination": {
        "CloudWatchLogs": {"LogGroup": "/aws/vendedlogs/x"}}}}
    bad = {
        "not detected": policy(stmt("Inbound", {"Deny": {}}, ["NoSuchThing"])),
        "unknown custom": policy(stmt("Inbound", {"Deny": {}}, ["CustomThing"])),
        "firehose": policy(stmt("Inbound", {"Audit": {"FindingsDestination": {
            "Firehose": {"DeliveryStream": "s"}}}}, ["EmailAddress"])),
        "group name": policy(stmt("Inbound", {"Audit": {"FindingsDestination": {
            "CloudWatchLogs": {"LogGroup": "plain-group"}}}}, ["EmailAddress"])),
        "rate": policy(stmt("Inbound", {"Audit": dict(audit["Audit"], SampleRate="100")}, ["EmailAddress"])),
        "no destination": policy(stmt("Inbound", {"Audit": {"SampleRate": "5"}}, ["EmailAddress"])),
        "outbound audit": policy(stmt("Outbound", audit, ["EmailAddress"])),
        "two configs": policy(stmt("Inbound", {"Deidentify": {"MaskConfig": {}, "RedactConfig": {}}},
                                   ["EmailAddress"])),
        "mask": policy(stmt("Inbound", {"Deidentify": {"MaskConfig": {"MaskWithCharacter": "**"}}},
                            ["EmailAddress"])),
        "bad regex": policy(stmt("Inbound", {"Deny": {}}, ["CustomX"]),
                            Configuration={"CustomDataIdentifier": [{"Name": "CustomX", "Regex": "a(b"}]}),
    }
    for why, doc in bad.items():
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=doc)
        code, msg, status = err_of(e)
        assert (code, status) == ("InvalidParameter", 400), why
        assert msg.startswith("Invalid parameter: DataProtectionPolicy Reason: "), why
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="dp-refuse-2", DataProtectionPolicy=bad["not detected"])
    assert "NoSuchThing is neither a managed data identifier" in err_of(e)[1]
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == ""
    ok = policy(stmt("Inbound", audit, ["EmailAddress"]),
                stmt("Outbound", {"Deny": {}}, ["arn:aws:dataprotection:us-east-1::data-identifier/Ssn-US"]))
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=ok)
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == ok


def test_removed_policy_is_no_longer_enforced(sns, sqs):
    """Putting an empty policy removes it: messages pass untouched again."""
    arn, [(url, _, _)] = topic_with_queues(sns, sqs, "dp-remove")
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy(
        stmt("Inbound", {"Deny": {}}, ["EmailAddress"])))
    with pytest.raises(botocore.exceptions.ClientError):
        sns.publish(TopicArn=arn, Message=EMAIL)
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy="")
    sns.publish(TopicArn=arn, Message=EMAIL)
    assert bodies(sqs, url, 1) == [EMAIL]
