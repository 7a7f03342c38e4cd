"""test_sns.py — SNS end to end with both AWS CLIs and boto3: topics and their
attributes, fan-out to SQS queues with filter policies (attributes and body),
the SQS envelope and its signature, HTTP subscriptions confirmed and delivered
to a loopback server started here, email and SMS outboxes (HTTP and `gureum
sms`), mobile push (platform applications and endpoints, the push outbox),
FIFO topics, PublishBatch, dead-letter queues and AWS's validation errors.
"""
import base64
import http.client
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import botocore.config
import botocore.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def sns(gureum):
    return gureum.client("sns")


@pytest.fixture(scope="module")
def sqs(gureum):
    return gureum.client("sqs")


def err_of(exc):
    e = exc.value.response["Error"]
    return e["Code"], e["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def queue_for(sqs, topic_arn, name, raw=False):
    """A queue whose policy lets the topic send to it (as AWS requires)."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def drain(sqs, url, want=1, wait=2):
    got = []
    deadline = time.time() + wait
    while time.time() < deadline and len(got) < want:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                MessageAttributeNames=["All"])
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(got) < want:
            time.sleep(0.05)
    return got


def fetch(gureum, path):
    c = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def verify_signature(gureum, doc, fields):
    """Checks an SNS signature as a subscriber does: the certificate from
    SigningCertURL, the canonical "Name\\nvalue\\n" string of `fields`."""
    assert doc["SigningCertURL"].startswith(gureum.endpoint + "/_gureum/sns/")
    pem = urllib.request.urlopen(doc["SigningCertURL"], timeout=5).read()
    cert = x509.load_pem_x509_certificate(pem)
    text = "".join("%s\n%s\n" % (k, doc[k]) for k in fields if k in doc)
    algo = hashes.SHA1() if doc["SignatureVersion"] == "1" else hashes.SHA256()
    cert.public_key().verify(base64.b64decode(doc["Signature"]), text.encode(), padding.PKCS1v15(), algo)


# ==== Topics ====

def test_topic_lifecycle_cli(gureum, sns, cli):
    name = "t-cli-%d" % (abs(hash(cli)) % 1000)
    r = gureum.aws("sns", "create-topic", "--name", name, "--attributes", "DisplayName=Hello",
                   "--tags", "Key=team,Value=blue", cli=cli)
    assert r.returncode == 0, r.stderr
    arn = json.loads(r.stdout)["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:%s:%s" % (ACCOUNT, name)
    # idempotent with the same attributes, refused with others
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "Hello"})["TopicArn"] == arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name=name, Attributes={"DisplayName": "Other"})
    assert err_of(e) == ("InvalidParameter",
                         "Invalid parameter: Attributes Reason: Topic already exists with different attributes", 400)
    assert {"TopicArn": arn} in sns.list_topics()["Topics"]
    attrs = json.loads(gureum.aws("sns", "get-topic-attributes", "--topic-arn", arn, cli=cli).stdout)["Attributes"]
    assert attrs["DisplayName"] == "Hello" and attrs["Owner"] == ACCOUNT and attrs["TopicArn"] == arn
    assert attrs["SubscriptionsConfirmed"] == "0" and attrs["SubscriptionsPending"] == "0"
    assert attrs["SubscriptionsDeleted"] == "0"
    pol = json.loads(attrs["Policy"])
    assert pol["Id"] == "__default_policy_ID" and pol["Statement"][0]["Resource"] == arn
    assert pol["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    eff = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert eff["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Changed")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Changed"
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Duplicated keys are not allowed.", 400)
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_topic_attributes(TopicArn=arn)
    assert err_of(e) == ("NotFound", "Topic does not exist", 404)


def test_list_topics_pages(gureum):
    sns = gureum.client("sns", region_name="eu-west-1")  # a region of its own
    made = [sns.create_topic(Name="page-%03d" % i)["TopicArn"] for i in range(105)]
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and first["NextToken"]
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert [t["TopicArn"] for t in first["Topics"] + second["Topics"]] == made
    assert made[0] == "arn:aws:sns:eu-west-1:%s:page-000" % ACCOUNT


def test_topic_errors(sns):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="bad name!")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Topic Name", 400)
    # AWS (recorded): a .fifo name needs FifoTopic=true and FifoTopic=true a .fifo name; 1-256 characters
    for name, attrs in [("nofifo", {"FifoTopic": "true"}), ("test.fifo", {}), ("", {}), ("a" * 257, {}),
                        ("a" * 252 + ".fifo", {"FifoTopic": "true"})]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.create_topic(Name=name, Attributes=attrs)
        assert err_of(e) == ("InvalidParameter", "Invalid parameter: Topic Name", 400), name
    assert sns.create_topic(Name="a" * 256)["TopicArn"].endswith(":" + "a" * 256)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_topic_attributes(TopicArn="arn:aws:sns:us-east-1:%s:missing" % ACCOUNT)
    assert err_of(e) == ("NotFound", "Topic does not exist", 404)
    # malformed ARNs, worded as AWS words them
    for bad, n in [("not-an-arn", 1), ("arn:aws:sns:us-east-1:x", 5)]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.get_topic_attributes(TopicArn=bad)
        assert err_of(e) == ("InvalidParameter",
                             "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not %d" % n,
                             400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn="", Message="m")
    assert err_of(e)[1] == "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_topic_attributes(TopicArn="arn:aws:sns:eu-west-1:%s:other-region" % ACCOUNT)
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: TopicArn", 400)
    for bad, msg in [("randomstring", "SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"),
                     ("arn:aws:sns:us-east-1:%s:t" % ACCOUNT, "SubscriptionId")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.unsubscribe(SubscriptionArn=bad)
        assert err_of(e) == ("InvalidParameter", "Invalid parameter: " + msg, 400)
    arn = sns.create_topic(Name="t-attr")["TopicArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: AttributeName", 400)
    # AddPermission / RemovePermission edit the policy document
    # (one principal or action is a string, several a list, as AWS writes them)
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111122223333"], ActionName=["Publish"])
    sns.add_permission(TopicArn=arn, Label="two", AWSAccountId=["111122223333", "444455556666"],
                       ActionName=["Publish", "Subscribe"])
    pol = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    st = [s for s in pol["Statement"] if s.get("Sid") == "pub"][0]
    assert st["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"} and st["Action"] == "SNS:Publish"
    st = [s for s in pol["Statement"] if s.get("Sid") == "two"][0]
    assert st["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}
    assert st["Action"] == ["SNS:Publish", "SNS:Subscribe"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111122223333"], ActionName=["Publish"])
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Statement already exists", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.add_permission(TopicArn=arn, Label="new", AWSAccountId=["111122223333"], ActionName=["Bogus"])
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Policy statement action out of service scope!", 400)
    sns.remove_permission(TopicArn=arn, Label="pub")
    pol = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    assert [s for s in pol["Statement"] if s.get("Sid") == "pub"] == []


# ==== Fan-out to SQS ====

def test_fanout_filter_policy_cli(gureum, sns, sqs, cli):
    suffix = "%d" % (abs(hash(cli)) % 1000)
    topic = sns.create_topic(Name="fan-" + suffix)["TopicArn"]
    url_all, arn_all = queue_for(sqs, topic, "fan-all-" + suffix)
    url_red, arn_red = queue_for(sqs, topic, "fan-red-" + suffix)
    sub_all = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn_all)["SubscriptionArn"]
    assert sub_all.startswith(topic + ":")
    r = gureum.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", arn_red,
                   "--attributes", json.dumps({"FilterPolicy": json.dumps({"color": ["red"]}),
                                               "RawMessageDelivery": "true"}), cli=cli)
    assert r.returncode == 0, r.stderr
    r = gureum.aws("sns", "publish", "--topic-arn", topic, "--message", "blue one", "--subject", "S1",
                   "--message-attributes", json.dumps({"color": {"DataType": "String", "StringValue": "blue"}}),
                   cli=cli)
    assert r.returncode == 0, r.stderr
    mid = json.loads(r.stdout)["MessageId"]
    sns.publish(TopicArn=topic, Message="red one",
                MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    got_all = drain(sqs, url_all, want=2)
    got_red = drain(sqs, url_red, want=1)
    assert len(got_all) == 2
    assert [m["Body"] for m in got_red] == ["red one"]  # raw delivery, blue one filtered out
    assert got_red[0]["MessageAttributes"]["color"]["StringValue"] == "red"
    env = [json.loads(m["Body"]) for m in got_all]
    first = [d for d in env if d["MessageId"] == mid][0]
    assert list(first) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                           "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"]
    assert first["Type"] == "Notification" and first["TopicArn"] == topic and first["Subject"] == "S1"
    assert first["Message"] == "blue one"
    assert first["MessageAttributes"] == {"color": {"Type": "String", "Value": "blue"}}
    verify_signature(gureum, first, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])
    # the subscriptions as listed
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert sorted(s["Endpoint"] for s in subs["Subscriptions"]) == sorted([arn_all, arn_red])
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub_all)["Attributes"]
    assert attrs["PendingConfirmation"] == "false" and attrs["RawMessageDelivery"] == "false"
    assert attrs["Protocol"] == "sqs" and attrs["Endpoint"] == arn_all and attrs["TopicArn"] == topic
    # as AWS shows an sqs subscription (recorded): who subscribed, and no EffectiveDeliveryPolicy
    assert attrs["SubscriptionPrincipal"] == "arn:aws:iam::%s:root" % ACCOUNT
    assert "EffectiveDeliveryPolicy" not in attrs
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub_all, AttributeName="SubscriptionPrincipal",
                                        AttributeValue="arn:aws:iam::%s:user/x" % ACCOUNT)
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: AttributeName", 400)
    # UnsubscribeURL works without credentials, as on AWS
    status, body = fetch(gureum, urllib.parse.urlsplit(first["UnsubscribeURL"])._replace(scheme="", netloc="")
                         .geturl())
    assert status == 200 and b"UnsubscribeResponse" in body
    assert sub_all not in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsDeleted"] == "1"


def test_queue_policy_required(sns, sqs):
    """AWS delivers to a queue only when its policy lets sns.amazonaws.com send."""
    topic = sns.create_topic(Name="nopolicy")["TopicArn"]
    url = sqs.create_queue(QueueName="nopolicy-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="dropped")
    assert drain(sqs, url, want=1, wait=0.5) == []


FILTER_CASES = [
    # (name, policy, scope, messages that must match, messages that must not); a message is (body, attrs)
    ("prefix", {"store": [{"prefix": "exa"}]}, None,
     [("m", {"store": "example"})], [("m", {"store": "other"}), ("m", {})]),
    ("anything-but", {"n": [{"anything-but": ["a", "b"]}]}, None,
     [("m", {"n": "c"})], [("m", {"n": "a"}), ("m", {})]),
    ("numeric", {"price": [{"numeric": [">", 10, "<=", 20]}]}, None,
     [("m", {"price": ("Number", "15")})], [("m", {"price": ("Number", "25")}), ("m", {"price": "15"})]),
    # numbers are compared to five digits after the decimal point (AWS's filter policy constraints)
    ("five-digits", {"price": [100.123456789]}, None,
     [("m", {"price": ("Number", "100.1234567")}), ("m", {"price": ("String.Array", "[100.1234567, 50]")})],
     [("m", {"price": ("Number", "100.1235")})]),
    ("five-digits-body", {"price": [{"numeric": ["=", 100.123456789]}]}, "MessageBody",
     [('{"price": 100.1234567}', {})], [('{"price": 100.12}', {})]),
    ("exists-false", {"k": [{"exists": False}]}, None, [("m", {})], [("m", {"k": "x"})]),
    ("ignore-case", {"k": [{"equals-ignore-case": "HeLLo"}]}, None, [("m", {"k": "hello"})], [("m", {"k": "hell"})]),
    ("suffix-array", {"k": [{"suffix": ".png"}]}, None,
     [("m", {"k": ("String.Array", '["a.jpg","b.png"]')})], [("m", {"k": ("String.Array", '["a.jpg"]')})]),
    ("body-nested-or", {"$or": [{"a": {"b": [1]}}, {"c": ["x"]}]}, "MessageBody",
     [('{"a":{"b":1}}', {}), ('{"c":"x"}', {}), ('{"a":[{"b":1}]}', {})], [('{"a":{"b":2}}', {}), ("not json", {})]),
]


def test_filter_policy_language(sns, sqs):
    queues, topics = {}, {}
    for name, policy, scope, _, _ in FILTER_CASES:
        topic = topics[name] = sns.create_topic(Name="flt-" + name)["TopicArn"]
        url, arn = queue_for(sqs, topic, "flt-" + name)
        attrs = {"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"}
        if scope:
            attrs["FilterPolicyScope"] = scope
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attrs)
        queues[name] = url
    sent = []
    for name, _, _, yes, no in FILTER_CASES:
        for i, (body, attrs) in enumerate(yes + no):
            tag = "%s-%s-%d" % (name, "yes" if i < len(yes) else "no", i)
            ma = {}
            for k, v in attrs.items():
                t, s = v if isinstance(v, tuple) else ("String", v)
                ma[k] = {"DataType": t, "StringValue": s}
            ma["tag"] = {"DataType": "String", "StringValue": tag}
            sns.publish(TopicArn=topics[name], Message=body, MessageAttributes=ma)
            sent.append(tag)
    for name, _, _, yes, no in FILTER_CASES:
        got = sorted(m["MessageAttributes"]["tag"]["StringValue"] for m in drain(sqs, queues[name], want=len(yes)))
        want = sorted("%s-yes-%d" % (name, i) for i in range(len(yes)))
        assert got == want, name


@pytest.mark.parametrize("policy,scope,message", [
    ({"a": "x"}, None, 'Invalid parameter: FilterPolicy: "a" must be an object or an array'),
    ({"a": []}, None, "Invalid parameter: FilterPolicy: Empty arrays are not allowed"),
    ({"a": [{"prefx": "x"}]}, None, "Invalid parameter: FilterPolicy: Unrecognized match type prefx"),
    ({"a": [{"numeric": [">", "x"]}]}, None, "Invalid parameter: FilterPolicy: Value of > must be numeric"),
    ({"a": [{"numeric": [">", 5, "<", 1]}]}, None, "Invalid parameter: FilterPolicy: Bottom must be less than top"),
    ({"a": [{"exists": "yes"}]}, None,
     "Invalid parameter: FilterPolicy: exists match pattern must be either true or false."),
    ({k: ["v"] for k in "abcdef"}, None, "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"),
    ({"a": {"b": ["c"]}}, None,
     "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"),
])
def test_filter_policy_validation(sns, policy, scope, message):
    topic = sns.create_topic(Name="fv")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:fv" % ACCOUNT)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"], AttributeName="FilterPolicy",
                                        AttributeValue=json.dumps(policy))
    assert err_of(e) == ("InvalidParameter", message, 400)
    # Subscribe reports the same with "Attributes Reason:"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:fv2" % ACCOUNT,
                      Attributes={"FilterPolicy": json.dumps(policy)})
    assert err_of(e)[1] == message.replace("Invalid parameter: ", "Invalid parameter: Attributes Reason: ", 1)


# ==== HTTP subscriptions ====

class Recorder(http.server.BaseHTTPRequestHandler):
    posts = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.posts.append((dict(self.headers), body))
        self.send_response(Recorder.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def wait_posts(n, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline and len(Recorder.posts) < n:
        time.sleep(0.05)
    return Recorder.posts


def test_http_subscription(gureum, sns, sqs):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        Recorder.posts.clear()
        endpoint = "http://127.0.0.1:%d/hook" % srv.server_address[1]
        topic = sns.create_topic(Name="web")["TopicArn"]
        r = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)
        assert r["SubscriptionArn"] == "pending confirmation"
        assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "1"
        headers, body = wait_posts(1)[0]
        assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
        assert headers["x-amz-sns-topic-arn"] == topic
        assert headers["User-Agent"] == "Amazon Simple Notification Service Agent"
        conf = json.loads(body)
        assert conf["Type"] == "SubscriptionConfirmation" and conf["TopicArn"] == topic and conf["Token"]
        verify_signature(gureum, conf, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                                        "Type"])
        listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert listed[0]["SubscriptionArn"] == "PendingConfirmation"
        # Visiting SubscribeURL confirms, as on AWS
        page = urllib.request.urlopen(conf["SubscribeURL"], timeout=5).read().decode()
        assert "<ConfirmSubscriptionResult><SubscriptionArn>%s:" % topic in page
        sub = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"]
        assert sub.startswith(topic + ":")
        # AWS's answers (recorded): a token not shaped as SNS's, one nobody has; the token finds the
        # subscription, so a TopicArn of its region that names no topic still confirms
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.confirm_subscription(TopicArn=topic, Token="nope")
        assert err_of(e) == ("InvalidParameter", "Invalid token", 400)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.confirm_subscription(TopicArn=topic, Token="51b2ff3edb475b7d")
        assert err_of(e) == ("InvalidParameter", "Invalid parameter: Token", 400)
        assert sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])["SubscriptionArn"] == sub
        assert sns.confirm_subscription(TopicArn=topic + "x", Token=conf["Token"])["SubscriptionArn"] == sub
        base = conf["SubscribeURL"].split("?")[0]
        for q, msg in [("TopicArn=not-an-arn&Token=" + conf["Token"], "Invalid parameter: Topic"),
                       ("TopicArn=%s&Token=abc123" % topic, "Invalid parameter: Token"),
                       ("TopicArn=%s&Token=%s" % (topic.replace("us-east-1", "eu-west-1"), conf["Token"]),
                        "Invalid parameter: Topic")]:
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(base + "?" + q, timeout=5)
            assert e.value.code == 400 and "<Message>%s</Message>" % msg in e.value.read().decode()
        mid = sns.publish(TopicArn=topic, Message="to the web", Subject="Hi")["MessageId"]
        headers, body = wait_posts(2)[1]
        assert headers["x-amz-sns-message-type"] == "Notification"
        assert headers["x-amz-sns-message-id"] == mid
        assert headers["x-amz-sns-subscription-arn"] == sub
        note = json.loads(body)
        assert note["Message"] == "to the web" and note["Subject"] == "Hi"
        verify_signature(gureum, note, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])
        eff = json.loads(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["EffectiveDeliveryPolicy"])
        assert eff["healthyRetryPolicy"]["numRetries"] == 3  # http/https subscriptions show one
        # raw delivery; then a failing endpoint retried per the delivery policy and sent to the DLQ
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
        sns.publish(TopicArn=topic, Message="raw body")
        headers, body = wait_posts(3)[2]
        assert body == b"raw body" and headers["x-amz-sns-rawdelivery"] == "true"
        dlq_url, dlq_arn = queue_for(sqs, topic, "web-dlq")
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy",
                                        AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1},
             "requestPolicy": {"headerContentType": "application/json"}}))
        Recorder.status = 500
        sns.publish(TopicArn=topic, Message="will fail")
        wait_posts(5, timeout=6)
        assert [b for _, b in Recorder.posts[3:5]] == [b"will fail", b"will fail"]  # first try + one retry
        assert Recorder.posts[0][0]["Content-Type"] == "text/plain; charset=UTF-8"
        assert Recorder.posts[3][0]["Content-Type"] == "application/json"
        assert [m["Body"] for m in drain(sqs, dlq_url, want=1, wait=3)] == ["will fail"]
    finally:
        Recorder.status = 200
        srv.shutdown()


def test_https_subscription(gureum_tls, test_ca):
    """https:// endpoints get the confirmation and notifications over TLS, the
    server's certificate verified against the trust store (the test's CA, as
    SSL_CERT_FILE); a self-signed endpoint is never delivered to."""
    sns = gureum_tls.client("sns")
    srv = test_ca.serve(Recorder)
    bad = test_ca.serve(Recorder, self_signed=True)
    try:
        Recorder.posts.clear()
        topic = sns.create_topic(Name="tls")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://127.0.0.1:%d/bad" % bad.server_address[1])
        endpoint = "https://localhost:%d/hook" % srv.server_address[1]
        assert sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint)["SubscriptionArn"] == \
            "pending confirmation"
        headers, body = wait_posts(1)[0]
        conf = json.loads(body)
        assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation" and conf["TopicArn"] == topic
        sub = sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])["SubscriptionArn"]
        mid = sns.publish(TopicArn=topic, Message="over TLS")["MessageId"]
        headers, body = wait_posts(2)[1]
        assert headers["x-amz-sns-message-id"] == mid and headers["x-amz-sns-subscription-arn"] == sub
        assert json.loads(body)["Message"] == "over TLS"
        time.sleep(0.5)
        assert len(Recorder.posts) == 2  # nothing reached the self-signed endpoint
    finally:
        srv.shutdown()
        bad.shutdown()


def test_https_and_protocol_errors(sns):
    topic = sns.create_topic(Name="proto")["TopicArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x")
    assert err_of(e) == ("InvalidParameter",
                         "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="https://x.example")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:%s:q.fifo" % ACCOUNT)
    assert "FIFO SQS Queues can not be subscribed to standard SNS topics" in err_of(e)[1]


# ==== Email ====

def test_email_outbox(gureum, sns):
    topic = sns.create_topic(Name="mail")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ann@example.com")["SubscriptionArn"] == \
        "pending confirmation"
    status, body = fetch(gureum, "/_gureum/sns/email?address=ann%40example.com")
    mails = json.loads(body)
    assert status == 200 and mails[0]["type"] == "SubscriptionConfirmation"
    link = [w for w in mails[0]["body"].split() if "/_gureum/sns/confirm?" in w][0]
    assert urllib.request.urlopen(link, timeout=5).status == 200
    sns.publish(TopicArn=topic, Message="mail body", Subject="Mail subject")
    mails = json.loads(fetch(gureum, "/_gureum/sns/email?address=ann%40example.com")[1])
    assert (mails[-1]["subject"], mails[-1]["body"], mails[-1]["type"]) == ("Mail subject", "mail body", "email")
    # email-json: the confirmation and the notifications are the JSON documents
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bob@example.com")
    conf = json.loads(json.loads(fetch(gureum, "/_gureum/sns/email?address=bob%40example.com")[1])[0]["body"])
    assert conf["Type"] == "SubscriptionConfirmation" and conf["TopicArn"] == topic
    sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
    mid = sns.publish(TopicArn=topic, Message="as json")["MessageId"]
    note = json.loads(json.loads(fetch(gureum, "/_gureum/sns/email?address=bob%40example.com")[1])[-1]["body"])
    assert (note["Type"], note["MessageId"], note["Message"]) == ("Notification", mid, "as json")


# ==== SMS ====

def test_sms_publish_cli_and_outbox(gureum, cli):
    r = gureum.aws("sns", "publish", "--phone-number", "+821012345678", "--message", "hello", cli=cli)
    assert r.returncode == 0, r.stderr
    mid = json.loads(r.stdout)["MessageId"]
    status, body = fetch(gureum, "/_gureum/sns/sms?phoneNumber=%2B821012345678")
    assert status == 200
    sms = [m for m in json.loads(body) if m["messageId"] == mid]
    assert len(sms) == 1 and sms[0]["phoneNumber"] == "+821012345678" and sms[0]["message"] == "hello"
    assert sms[0]["time"].endswith("Z") and sms[0]["smsType"] == "Promotional"
    out = subprocess.run([os.environ.get("GUREUM_BIN") or "build/test/gureum", "sms"],
                         env=dict(os.environ, GUREUM_PORT=str(gureum.port)), capture_output=True, text=True,
                         timeout=20)
    assert out.returncode == 0, out.stderr
    line = [ln for ln in out.stdout.splitlines() if mid in ln][0]
    assert line.split("\t")[1:] == ["+821012345678", "-", mid, "hello"]
    out = subprocess.run([os.environ.get("GUREUM_BIN") or "build/test/gureum", "sms", "--port", str(gureum.port),
                          "--json"], capture_output=True, text=True, timeout=20)
    assert mid in [m["messageId"] for m in json.loads(out.stdout)]
    out = subprocess.run([os.environ.get("GUREUM_BIN") or "build/test/gureum", "sms", "--port", str(gureum.port),
                          "--phone", "+821012345678"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0 and mid in out.stdout, out.stderr
    out = subprocess.run([os.environ.get("GUREUM_BIN") or "build/test/gureum", "sms", "--port", str(gureum.port),
                          "--phone", "+15550000000"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0 and out.stdout == "", out.stderr


def test_sms_attributes_and_errors(gureum, sns):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(PhoneNumber="12x", Message="m")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: PhoneNumber Reason: 12x is not valid to publish to",
                         400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(PhoneNumber="+15555550100", Message="")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Empty message", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.check_if_phone_number_is_opted_out(phoneNumber="abc")
    assert err_of(e)[1] == "Invalid parameter: PhoneNumber Reason: input incorrectly formatted"
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    sns.set_sms_attributes(attributes={"DefaultSenderID": "Gureum", "DefaultSMSType": "Transactional"})
    assert sns.get_sms_attributes(attributes=["DefaultSMSType"])["attributes"] == {"DefaultSMSType": "Transactional"}
    mid = sns.publish(PhoneNumber="+15555550100", Message="with sender", MessageAttributes={
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "MyBrand"}})["MessageId"]
    mid2 = sns.publish(PhoneNumber="+15555550100", Message="default sender")["MessageId"]
    sms = {m["messageId"]: m for m in json.loads(fetch(gureum, "/_gureum/sns/sms")[1])}
    assert (sms[mid]["senderId"], sms[mid]["smsType"]) == ("MyBrand", "Transactional")
    assert sms[mid2]["senderId"] == "Gureum"
    # an sms subscription of a topic lands in the same outbox; its endpoint may
    # group the digits with single '.', '/' or '-', as AWS accepts
    topic = sns.create_topic(Name="texts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550101")
    sub = sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+1555/555-01.02")["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["Endpoint"] == "+1555/555-01.02"
    for bad in ["+15--551234567", "+15551234567.", "/+15551234567", "NAA+15551234567"]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=bad)
        assert err_of(e) == ("InvalidParameter", "Invalid SMS endpoint: " + bad, 400)
    mid3 = sns.publish(TopicArn=topic, Message="via topic")["MessageId"]
    sms = [m for m in json.loads(fetch(gureum, "/_gureum/sns/sms")[1]) if m["messageId"] == mid3]
    assert sorted(m["phoneNumber"] for m in sms) == ["+15555550101", "+15555550102"]
    assert sms[0]["topicArn"] == topic
    # a recipient's STOP (simulated): opted out, nothing delivered, then opted in again
    c = http.client.HTTPConnection("127.0.0.1", gureum.port, timeout=5)
    c.request("POST", "/_gureum/sns/sms/opt-out?phoneNumber=%2B15555550100")
    assert c.getresponse().status == 200
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is True
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == ["+15555550100"]
    mid4 = sns.publish(PhoneNumber="+15555550100", Message="not sent")["MessageId"]
    assert mid4 not in [m["messageId"] for m in json.loads(fetch(gureum, "/_gureum/sns/sms")[1])]
    sns.opt_in_phone_number(phoneNumber="+15555550100")
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False


# ==== FIFO, batches, validation ====

def test_fifo_topic_and_batch(sns, sqs):
    topic = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "false"
    url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn}]})})
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                        Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
    # a FIFO queue's subscription needs a FIFO dead-letter queue (AWS's recorded answer)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RedrivePolicy", AttributeValue=json.dumps(
            {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:%s:standard-dlq" % ACCOUNT}))
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a "
                         "FIFO Subscription to a FIFO Topic.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=topic, Message="m")
    assert err_of(e)[1] == "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=topic, Message="m", MessageGroupId="g")
    assert "ContentBasedDeduplication" in err_of(e)[1]
    r1 = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g", MessageDeduplicationId="d1")
    r2 = sns.publish(TopicArn=topic, Message="one again", MessageGroupId="g", MessageDeduplicationId="d1")
    assert r1["MessageId"] == r2["MessageId"] and len(r1["SequenceNumber"]) == 20
    # an entry AWS refuses fails the whole batch: nothing of it is published
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "not sent", "MessageGroupId": "g", "MessageDeduplicationId": "d0"},
            {"Id": "b", "Message": "bad"}])
    assert err_of(e) == ("InvalidParameter",
                         "Invalid parameter: The MessageGroupId parameter is required for FIFO topics", 400)
    b = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "two", "MessageGroupId": "g", "MessageDeduplicationId": "d2"}])
    assert [s["Id"] for s in b["Successful"]] == ["a"] and b["Failed"] == []
    assert [m["Body"] for m in drain(sqs, url, want=2)] == ["one", "two"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "x", "Message": "1"},
                                                                      {"Id": "x", "Message": "2"}])
    assert err_of(e)[0] == "BatchEntryIdsNotDistinct"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "some id", "Message": "1"}])
    assert err_of(e) == ("InvalidBatchEntryId",
                         "The Id of a batch entry in the batch request contains an impermissible character: some id",
                         400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "i" * 81, "Message": "1"}])
    assert err_of(e) == ("InvalidBatchEntryId",
                         "The Id of a batch entry in the batch request is too long: " + "i" * 81, 400)


def test_fifo_throughput_scope(sns, sqs):
    # booleans in any case (str(True) / str(False)); deduplication per message group
    topic = sns.create_topic(Name="groups.fifo", Attributes={
        "FifoTopic": "True", "ContentBasedDeduplication": "False", "FifoThroughputScope": "MessageGroup"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert (attrs["FifoTopic"], attrs["ContentBasedDeduplication"], attrs["FifoThroughputScope"]) == (
        "true", "false", "MessageGroup")
    # (the queue too deduplicates per group, or it would drop b1 itself)
    url = sqs.create_queue(QueueName="groups.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})[
        "QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    r1 = sns.publish(TopicArn=topic, Message="a1", MessageGroupId="a", MessageDeduplicationId="same")
    r2 = sns.publish(TopicArn=topic, Message="b1", MessageGroupId="b", MessageDeduplicationId="same")
    r3 = sns.publish(TopicArn=topic, Message="a2", MessageGroupId="a", MessageDeduplicationId="same")
    assert r1["MessageId"] != r2["MessageId"] and r3["MessageId"] == r1["MessageId"]
    assert sorted(m["Body"] for m in drain(sqs, url, want=2)) == ["a1", "b1"]
    # the default scope (Topic) deduplicates across groups
    sns.set_topic_attributes(TopicArn=topic, AttributeName="FifoThroughputScope", AttributeValue="Topic")
    r4 = sns.publish(TopicArn=topic, Message="c1", MessageGroupId="c", MessageDeduplicationId="other")
    r5 = sns.publish(TopicArn=topic, Message="d1", MessageGroupId="d", MessageDeduplicationId="other")
    assert r4["MessageId"] == r5["MessageId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="FifoThroughputScope", AttributeValue="Queue")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: FifoThroughputScope", 400)


def test_signature_version_2(gureum, sns, sqs):
    topic = sns.create_topic(Name="sig2", Attributes={"SignatureVersion": "2"})["TopicArn"]
    url, arn = queue_for(sqs, topic, "sig2-q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "dflt", "sqs": "for sqs"}))
    doc = json.loads(drain(sqs, url)[0]["Body"])
    assert doc["SignatureVersion"] == "2" and doc["Message"] == "for sqs"
    verify_signature(gureum, doc, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])


def test_publish_validation(gureum, sns):
    topic = sns.create_topic(Name="val")["TopicArn"]
    # message attributes: names, types and the field of each type (AWS's recorded answers)
    cases = [
        ({"a1": {"DataType": "String", "StringValue": ""}},
         "The message attribute 'a1' must contain non-empty message attribute value for message attribute type "
         "'String'."),
        ({"a1": {"DataType": "String", "BinaryValue": b"123"}},
         "The message attribute 'a1' with type 'String' must use field 'String'."),
        ({"a1": {"DataType": "Number", "BinaryValue": b"123"}},
         "The message attribute 'a1' with type 'Number' must use field 'String'."),
        ({"a1": {"DataType": "Binary", "StringValue": "123"}},
         "The message attribute 'a1' with type 'Binary' must use field 'Binary'."),
        ({"a1": {"DataType": "Stringprefixed", "StringValue": "x"}},
         "The message attribute 'a1' has an invalid message attribute type, the set of supported type prefixes is "
         "Binary, Number, and String."),
        ({"a1": {"DataType": "String.", "StringValue": "x"}},
         "The message attribute 'a1' has an invalid message attribute type, the set of supported type prefixes is "
         "Binary, Number, and String."),
        ({"a^*?": {"DataType": "String", "StringValue": "x"}},
         "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include "
         "alphanumeric characters, hyphens, underscores, or dots."),
        ({".abc": {"DataType": "String", "StringValue": "x"}},
         "Invalid message attribute name starting with character '.' was found."),
        ({"abc.": {"DataType": "String", "StringValue": "x"}},
         "Invalid message attribute name ending with character '.' was found."),
        ({"a..bc": {"DataType": "String", "StringValue": "x"}},
         "Message attribute name can not have successive '.' character."),
        ({"a" * 257: {"DataType": "String", "StringValue": "x"}},
         "Length of message attribute name must be less than 256 bytes."),
    ]
    for attrs, msg in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.publish(TopicArn=topic, Message="m", MessageAttributes=attrs)
        assert err_of(e) == ("ParameterValueInvalid", msg, 400)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
                {"Id": "1", "Message": "m", "MessageAttributes": attrs}, {"Id": "2", "Message": "ok"}])
        assert err_of(e) == ("ParameterValueInvalid", msg, 400)
    sns.publish(TopicArn=topic, Message="m", MessageAttributes={
        "a.b-c_d": {"DataType": "String.  prefixed.", "StringValue": "x"}})
    # a missing DataType is the model's required member: ValidationError, as AWS answers
    raw = gureum.client("sns", config=botocore.config.Config(parameter_validation=False))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        raw.publish(TopicArn=topic, Message="m", MessageAttributes={"attr1": {"StringValue": "v"}})
    assert err_of(e) == ("ValidationError", "1 validation error detected: Value null at "
                         "'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be "
                         "null", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes={"n": {"DataType": "Number", "StringValue": "x"}})
    assert err_of(e) == ("ParameterValueInvalid", "Could not cast message attribute 'n' value to number.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=topic, Message="{}", MessageStructure="json")
    assert err_of(e)[1] == "Invalid parameter: Message Structure - No default entry in JSON message body"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn=topic, Message="m", Subject="line\nbreak")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Subject", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TopicArn="arn:aws:sns:us-east-1:%s:nope" % ACCOUNT, Message="m")
    assert err_of(e) == ("NotFound", "Topic does not exist", 404)


# ==== Lambda subscriptions ====

def test_lambda_subscription(gureum, sns):
    import io
    import zipfile
    iam, lam, logs = gureum.client("iam"), gureum.client("lambda"), gureum.client("logs")
    role = iam.create_role(RoleName="sns-fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "import json\ndef handler(e, c):\n    print('EVENT ' + json.dumps(e))\n")
    fn = lam.create_function(FunctionName="sns-fn", Runtime="python3.11", Role=role, Handler="h.handler",
                             Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    topic = sns.create_topic(Name="to-lambda")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    assert sub.startswith(topic + ":")  # confirmed at once
    # without a resource policy that lets SNS invoke, nothing runs (AWS)
    sns.publish(TopicArn=topic, Message="refused")
    lam.add_permission(FunctionName="sns-fn", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    mid = sns.publish(TopicArn=topic, Message="to lambda", Subject="S",
                      MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}})["MessageId"]
    events = []
    deadline = time.time() + 20
    while time.time() < deadline and not events:
        try:
            found = logs.filter_log_events(logGroupName="/aws/lambda/sns-fn")["events"]
        except botocore.exceptions.ClientError:
            found = []
        events = [json.loads(e["message"].split("EVENT ", 1)[1]) for e in found if "EVENT " in e["message"]]
        time.sleep(0.2)
    assert len(events) == 1, events
    rec = events[0]["Records"][0]
    assert rec["EventSource"] == "aws:sns" and rec["EventSubscriptionArn"] == sub
    s = rec["Sns"]
    assert (s["MessageId"], s["Message"], s["Subject"], s["TopicArn"]) == (mid, "to lambda", "S", topic)
    assert s["MessageAttributes"] == {"a": {"Type": "String", "Value": "b"}}
    assert s["SigningCertUrl"].endswith("/_gureum/sns/SimpleNotificationService.pem")


def test_cross_account_topic_policy(gureum_factory):
    other = "222233334444"
    g = gureum_factory(env={"GUREUM_ACCOUNTS": "%s:OTHERSNSKEY:othersnssecret" % other})
    mine = g.client("sns")
    theirs = g.client("sns", aws_access_key_id="OTHERSNSKEY", aws_secret_access_key="othersnssecret")
    topic = mine.create_topic(Name="shared")["TopicArn"]
    # the default policy lets no other account publish
    with pytest.raises(botocore.exceptions.ClientError) as e:
        theirs.publish(TopicArn=topic, Message="m")
    assert err_of(e) == ("AuthorizationError", "User: arn:aws:iam::%s:root is not authorized to perform: SNS:Publish "
                         "on resource: %s" % (other, topic), 403)
    mine.add_permission(TopicArn=topic, Label="other", AWSAccountId=[other], ActionName=["Publish"])
    assert theirs.publish(TopicArn=topic, Message="m")["MessageId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:  # only Publish was granted
        theirs.get_topic_attributes(TopicArn=topic)
    assert err_of(e)[0] == "AuthorizationError"
    # nor may another account delete, tag or end the owner's subscriptions
    q = g.client("sqs").create_queue(QueueName="mine")["QueueUrl"]
    qarn = g.client("sqs").get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = mine.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True)["SubscriptionArn"]
    for call, action in [(lambda: theirs.delete_topic(TopicArn=topic), "DeleteTopic"),
                         (lambda: theirs.tag_resource(ResourceArn=topic, Tags=[{"Key": "k", "Value": "v"}]),
                          "TagResource"),
                         (lambda: theirs.list_tags_for_resource(ResourceArn=topic), "ListTagsForResource")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert err_of(e) == ("AuthorizationError", "User: arn:aws:iam::%s:root is not authorized to perform: SNS:%s "
                             "on resource: %s" % (other, action, topic), 403)
    for call in (lambda: theirs.unsubscribe(SubscriptionArn=sub),
                 lambda: theirs.get_subscription_attributes(SubscriptionArn=sub),
                 lambda: theirs.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                                            AttributeValue="true")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert err_of(e)[:1] == ("AuthorizationError",)
    assert mine.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == "false"
    assert topic in [t["TopicArn"] for t in mine.list_topics()["Topics"]]


# ==== Durability (last: restarts the module's server) ====

# ==== Mobile push: platform applications and endpoints ====

def test_platform_applications(gureum, sns):
    arn = sns.create_platform_application(Name="app.one", Platform="APNS", Attributes={
        "PlatformPrincipal": "cert", "PlatformCredential": "key"})["PlatformApplicationArn"]
    assert arn == "arn:aws:sns:us-east-1:%s:app/APNS/app.one" % ACCOUNT
    # the credentials are never shown; a new application is enabled
    assert sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"] == {"Enabled": "true"}
    sns.set_platform_application_attributes(PlatformApplicationArn=arn, Attributes={"SuccessFeedbackSampleRate": "50"})
    assert sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"] == {
        "Enabled": "true", "SuccessFeedbackSampleRate": "50"}
    fcm = sns.create_platform_application(Name="fcm", Platform="GCM", Attributes={
        "PlatformCredential": "server-key"})["PlatformApplicationArn"]
    listed = {a["PlatformApplicationArn"]: a["Attributes"] for a in sns.list_platform_applications()[
        "PlatformApplications"]}
    assert set(listed) >= {arn, fcm} and listed[fcm] == {"Enabled": "true"}
    # AWS's refusals (LocalStack's recorded answers)
    cases = [
        (dict(Name="x", Platform="ADM", Attributes={"PlatformPrincipal": "p"}), "InvalidParameter",
         "Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential"),
        (dict(Name="x", Platform="ADM", Attributes={"PlatformCredential": "c"}), "InvalidParameter",
         "Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal"),
        (dict(Name="x", Platform="ADM", Attributes={}), "ValidationError",
         "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: "
         "Member must not be null"),
        (dict(Name="@name", Platform="ADM", Attributes={"PlatformCredential": "c", "PlatformPrincipal": "p"}),
         "InvalidParameter", "Invalid parameter: @name Reason: must contain only characters 'a'-'z', 'A'-'Z', "
         "'0'-'9', '_', '-', and '.'"),
        (dict(Name="x", Platform="AAA", Attributes={"PlatformCredential": "c", "PlatformPrincipal": "p"}),
         "InvalidParameter", "Invalid parameter: Platform Reason: AAA is not supported"),
    ]
    for kw, code, msg in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.create_platform_application(**kw)
        assert err_of(e) == (code, msg, 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_platform_application_attributes(PlatformApplicationArn="invalid-arn")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: PlatformApplicationArn Reason: An ARN must have at "
                         "least 6 elements, not 1", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_platform_application_attributes(
            PlatformApplicationArn="arn:aws:sns:us-east-1:%s:app/ADM/NonExistingApp" % ACCOUNT)
    assert err_of(e) == ("NotFound", "PlatformApplication does not exist", 404)
    sns.delete_platform_application(PlatformApplicationArn=fcm)
    sns.delete_platform_application(PlatformApplicationArn=fcm)  # idempotent
    assert fcm not in [a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]]


def test_platform_endpoints_and_push(gureum, sns, cli):
    app = sns.create_platform_application(Name="fcm-app", Platform="GCM", Attributes={
        "PlatformCredential": "server-key"})["PlatformApplicationArn"]
    ep = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1")["EndpointArn"]
    assert ep.startswith("arn:aws:sns:us-east-1:%s:endpoint/GCM/fcm-app/" % ACCOUNT)
    # idempotent for the same token and attributes; other attributes are refused
    assert sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                        Attributes={"Enabled": "true"})["EndpointArn"] == ep
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="x")
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: Token Reason: Endpoint %s already exists with the "
                         "same Token, but different attributes." % ep, 400)
    # CustomUserData as a parameter and as an attribute: the attribute wins
    ep2 = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-2", CustomUserData="bar",
                                       Attributes={"CustomUserData": "foo"})["EndpointArn"]
    assert sns.get_endpoint_attributes(EndpointArn=ep2)["Attributes"] == {
        "CustomUserData": "foo", "Enabled": "true", "Token": "device-2"}
    for attrs, msg in [({"PlatformPrincipal": "p"}, "Invalid attribute name: PlatformPrincipal"),
                       ({"CustomUserData": "A" * 2050}, "Invalid value for attribute: CustomUserData: must be at "
                        "most 2048 bytes long in UTF-8 encoding")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.set_endpoint_attributes(EndpointArn=ep2, Attributes=attrs)
        assert err_of(e) == ("InvalidParameter", "Invalid parameter: Attributes Reason: " + msg, 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_endpoint_attributes(EndpointArn="arn:aws:sns:us-east-1:%s:endpoint/GCM/x" % ACCOUNT,
                                    Attributes={"Enabled": "false"})
    assert err_of(e) == ("InvalidParameter", "Invalid parameter: EndpointArn Reason: Wrong number of slashes in "
                         "relative portion of the ARN.", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_endpoint_attributes(EndpointArn="arn:aws:sns:us-east-1:%s:endpoint/GCM/fcm-app/nope" % ACCOUNT)
    assert err_of(e) == ("NotFound", "Endpoint does not exist", 404)
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [x["EndpointArn"] for x in listed] == [ep, ep2]
    assert listed[0]["Attributes"] == {"Enabled": "true", "Token": "device-1"}

    # Publish to an endpoint: its platform's member of a json structure lands in the push outbox
    msg = json.dumps({"default": "plain", "GCM": json.dumps({"notification": {"title": "hi"}})})
    mid = sns.publish(TargetArn=ep, Message=msg, MessageStructure="json")["MessageId"]
    push = json.loads(fetch(gureum, "/_gureum/sns/push?endpointArn=" + urllib.parse.quote(ep))[1])
    assert [(p["messageId"], p["platform"], p["token"], json.loads(p["message"])) for p in push] == [
        (mid, "GCM", "device-1", {"notification": {"title": "hi"}})]
    # a topic's application subscription delivers there too, with the CLI
    topic = sns.create_topic(Name="pushes")["TopicArn"]
    sub = gureum.aws("sns", "subscribe", "--topic-arn", topic, "--protocol", "application",
                     "--notification-endpoint", ep2, cli=cli)
    assert sub.returncode == 0, sub.stderr
    assert json.loads(sub.stdout)["SubscriptionArn"].startswith(topic + ":")
    mid2 = sns.publish(TopicArn=topic, Message="to all devices")["MessageId"]
    push = json.loads(fetch(gureum, "/_gureum/sns/push?endpointArn=" + urllib.parse.quote(ep2))[1])
    assert [(p["messageId"], p["message"], p["topicArn"]) for p in push] == [(mid2, "to all devices", topic)]

    # a disabled endpoint is refused before its message is read; an unknown one is not found
    sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "false"})
    assert sns.get_endpoint_attributes(EndpointArn=ep)["Attributes"]["Enabled"] == "false"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TargetArn=ep, Message="not json", MessageStructure="json")
    assert err_of(e) == ("EndpointDisabled", "Endpoint is disabled", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.publish(TargetArn=ep[:-4] + "0000", Message="m")
    assert err_of(e) == ("InvalidParameter",
                         "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified", 400)

    # DeleteEndpoint is idempotent and leaves subscriptions; a deleted endpoint cannot be subscribed
    sns.delete_endpoint(EndpointArn=ep)
    sns.delete_endpoint(EndpointArn=ep)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=ep)
    assert err_of(e) == ("InvalidParameter",
                         "Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn" + ep, 400)
    # deleting the application deletes its endpoints
    sns.delete_platform_application(PlatformApplicationArn=app)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.get_endpoint_attributes(EndpointArn=ep2)
    assert err_of(e) == ("NotFound", "Endpoint does not exist", 404)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)
    assert err_of(e) == ("NotFound", "PlatformApplication does not exist", 404)


def test_sms_sandbox_numbers(gureum, sns):
    # gureum texts any number, as an account out of the sandbox; the sandbox's numbers still verify
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is False
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550199", LanguageCode="en-US")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [
        {"PhoneNumber": "+15555550199", "Status": "Pending"}]
    texts = json.loads(fetch(gureum, "/_gureum/sns/sms?phoneNumber=%2B15555550199")[1])
    otp = texts[-1]["message"].rsplit(" ", 1)[1]
    assert len(otp) == 6 and otp.isdigit()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword="000000" if otp != "000000"
                                            else "111111")
    assert err_of(e)[0] == "VerificationException" and e.value.response["Error"]["Status"] == "Invalid"
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword=otp)
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [
        {"PhoneNumber": "+15555550199", "Status": "Verified"}]
    sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert err_of(e)[0] == "ResourceNotFound"


def test_sms_attribute_answers(sns):
    # AWS's recorded answers: the default spend limit shows before anything is set
    assert sns.get_sms_attributes()["attributes"]["MonthlySpendLimit"] == "1"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_sms_attributes(attributes={"InvalidAttribute": "x"})
    assert err_of(e) == ("InvalidParameter", "InvalidAttribute is not a valid attribute", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.set_sms_attributes(attributes={"DefaultSMSType": "invalid"})
    assert err_of(e) == ("InvalidParameter", "DefaultSMSType is invalid", 400)


def test_outbox_survives_kill9(gureum, sns):
    mid = sns.publish(PhoneNumber="+821099998888", Message="kept")["MessageId"]
    topic = sns.create_topic(Name="kept")["TopicArn"]
    gureum.restart(kill9=True)
    sms = json.loads(fetch(gureum, "/_gureum/sns/sms?phoneNumber=%2B821099998888")[1])
    assert [m["messageId"] for m in sms] == [mid]
    assert {"TopicArn": topic} in gureum.client("sns").list_topics()["Topics"]


DP_POLICY = {
    "Name": "data_protection_policy", "Description": "Test Policy", "Version": "2021-06-01",
    "Statement": [{"Sid": "test-statement", "DataDirection": "Inbound", "Principal": ["*"],
                   "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
                   "Operation": {"Deny": {}}}],
}


def test_data_protection_policy(sns):
    """AWS (LocalStack's recording of test_data_protection_policy_crud): a
    topic answers an empty policy until one is put, then the policy as put;
    GetTopicAttributes does not show it. CreateTopic may set it too; a policy
    that breaks the documented structure is refused."""
    arn = sns.create_topic(Name="dp-topic")["TopicArn"]
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == ""
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=json.dumps(DP_POLICY))
    got = sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]
    assert json.loads(got) == DP_POLICY
    assert "DataProtectionPolicy" not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    arn2 = sns.create_topic(Name="dp-topic-2", DataProtectionPolicy=json.dumps(DP_POLICY))["TopicArn"]
    assert json.loads(sns.get_data_protection_policy(ResourceArn=arn2)["DataProtectionPolicy"]) == DP_POLICY
    bad = [
        "not json",
        dict(DP_POLICY, Version="2012-10-17"),
        dict(DP_POLICY, Statement=[]),
        dict(DP_POLICY, Statement=[dict(DP_POLICY["Statement"][0], DataDirection="Sideways")]),
        dict(DP_POLICY, Statement=[dict(DP_POLICY["Statement"][0], Operation={"Deny": {}, "Audit": {}})]),
        dict(DP_POLICY, Statement=[dict(DP_POLICY["Statement"][0], DataIdentifier=[])]),
    ]
    for doc in bad:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=doc if isinstance(doc, str)
                                           else json.dumps(doc))
        code, msg, status = err_of(e)
        assert (code, status) == ("InvalidParameter", 400) and msg.startswith(
            "Invalid parameter: DataProtectionPolicy Reason: "), doc
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.create_topic(Name="dp-topic-3", DataProtectionPolicy="{}")
    assert err_of(e)[0] == "InvalidParameter"
    assert json.loads(sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]) == DP_POLICY
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy="")
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == ""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.put_data_protection_policy(ResourceArn=arn + "-gone", DataProtectionPolicy=json.dumps(DP_POLICY))
    assert err_of(e)[0] == "NotFound"


def test_list_origination_numbers(sns):
    """An account without origination numbers (a gureum account cannot buy
    any) lists none; a NextToken cannot be one that was handed out."""
    r = sns.list_origination_numbers()
    assert r["PhoneNumbers"] == [] and "NextToken" not in r
    assert sns.list_origination_numbers(MaxResults=5)["PhoneNumbers"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sns.list_origination_numbers(NextToken="abc")
    assert err_of(e)[:2] == ("InvalidParameter", "Invalid parameter: NextToken")
