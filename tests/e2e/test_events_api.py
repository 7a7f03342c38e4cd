"""test_events_api.py — EventBridge connections and API destinations end to
end: the connection and destination operations (states, secrets never shown,
AWS's recorded errors), and rules whose target is an API destination, with
events really sent to an HTTP server thread on 127.0.0.1: Basic, API key and
OAuth client-credentials authorization (the token fetched once and reused),
connection and target HTTP parameters, path wildcards, input transformers, the
rate limit, retries and the dead-letter queue.
"""
import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions
import pytest

from conftest import queue_for_service

ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def events(gureum):
    return gureum.client("events")


@pytest.fixture(scope="module")
def sqs(gureum):
    return gureum.client("sqs")


class Endpoint:
    """An HTTP server on 127.0.0.1 recording each request; status decides the
    answer (a number, or a list consumed one per request)."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.token_calls = 0
        ep = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                u = urllib.parse.urlsplit(self.path)
                if u.path == "/oauth/token":
                    ep.token_calls += 1
                    ep.requests.append(("token", self.command, u.path, dict(urllib.parse.parse_qsl(u.query)),
                                        dict(self.headers), body, time.time()))
                    out = json.dumps({"access_token": "tok-%d" % ep.token_calls, "token_type": "Bearer",
                                      "expires_in": 3600}).encode()
                    status = 200
                else:
                    ep.requests.append(("call", self.command, u.path, dict(urllib.parse.parse_qsl(u.query)),
                                        dict(self.headers), body, time.time()))
                    st = ep.status
                    status = st.pop(0) if isinstance(st, list) else st
                    out = b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def calls(self, want, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = [r for r in self.requests if r[0] == "call"]
            if len(got) >= want:
                return got
            time.sleep(0.05)
        return [r for r in self.requests if r[0] == "call"]


@pytest.fixture
def endpoint():
    ep = Endpoint()
    yield ep
    ep.server.shutdown()
    ep.server.server_close()


def err(exc):
    e = exc.value.response["Error"]
    return e["Code"], e["Message"]


def api_key_connection(events, name, **extra):
    return events.create_connection(Name=name, AuthorizationType="API_KEY", AuthParameters=dict(
        ApiKeyAuthParameters={"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}, **extra))


def rule_to(events, rule, arn, source, **target):
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=rule, Targets=[dict(Id="t", Arn=arn, **target)])


def put(events, source, detail):
    r = events.put_events(Entries=[{"Source": source, "DetailType": "d", "Detail": json.dumps(detail)}])
    assert r["FailedEntryCount"] == 0


# ==== Connections ====

def test_connection_lifecycle_keeps_secrets(events):
    r = events.create_connection(
        Name="basic-conn", Description="d", AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "user", "Password": "pw"},
                        "InvocationHttpParameters": {"HeaderParameters": [
                            {"Key": "h1", "Value": "v1", "IsValueSecret": False},
                            {"Key": "h2", "Value": "hidden", "IsValueSecret": True}]}})
    assert r["ConnectionArn"].startswith("arn:aws:events:%s:%s:connection/basic-conn/" % (REGION, ACCOUNT))
    assert r["ConnectionState"] == "AUTHORIZED" and "LastAuthorizedTime" not in r
    d = events.describe_connection(Name="basic-conn")
    assert d["AuthParameters"] == {"BasicAuthParameters": {"Username": "user"},
                                   "InvocationHttpParameters": {"HeaderParameters": [
                                       {"Key": "h1", "Value": "v1", "IsValueSecret": False},
                                       {"Key": "h2", "IsValueSecret": True}]}}
    assert d["SecretArn"].startswith("arn:aws:secretsmanager:%s:%s:secret:events!connection/basic-conn/"
                                     % (REGION, ACCOUNT))
    assert d["ConnectionState"] == "AUTHORIZED" and d["Description"] == "d" and "LastAuthorizedTime" in d

    # Update merges: a new password keeps the username.
    u = events.update_connection(Name="basic-conn", AuthParameters={"BasicAuthParameters": {"Password": "pw2"}})
    assert u["ConnectionState"] == "AUTHORIZED"
    assert events.describe_connection(Name="basic-conn")["AuthParameters"]["BasicAuthParameters"] == {
        "Username": "user"}

    assert events.deauthorize_connection(Name="basic-conn")["ConnectionState"] == "DEAUTHORIZING"
    assert events.describe_connection(Name="basic-conn")["ConnectionState"] == "DEAUTHORIZED"
    listed = events.list_connections(ConnectionState="DEAUTHORIZED")["Connections"]
    assert [c["Name"] for c in listed] == ["basic-conn"]
    assert events.list_connections(NamePrefix="zzz")["Connections"] == []

    dl = events.delete_connection(Name="basic-conn")
    assert dl["ConnectionState"] == "DELETING" and dl["ConnectionArn"] == r["ConnectionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_connection(Name="basic-conn")
    assert err(e) == ("ResourceNotFoundException",
                      "Failed to describe the connection(s). Connection 'basic-conn' does not exist.")


def test_connection_errors(events):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_connection(Name="bad name!", AuthorizationType="BASIC",
                                 AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    assert err(e)[0] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_connection(Name="no-params", AuthorizationType="BASIC",
                                 AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    assert err(e)[0] == "ValidationException"
    api_key_connection(events, "dup-conn")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        api_key_connection(events, "dup-conn")
    assert err(e)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.update_connection(Name="nope")
    assert err(e) == ("ResourceNotFoundException",
                      "Failed to update the connection(s). Connection 'nope' does not exist.")
    events.delete_connection(Name="dup-conn")


# ==== API destinations ====

def test_api_destination_lifecycle(events):
    carn = api_key_connection(events, "dest-conn")["ConnectionArn"]
    r = events.create_api_destination(Name="dest", Description="first", ConnectionArn=carn,
                                      InvocationEndpoint="https://example.com/api", HttpMethod="POST")
    assert r["ApiDestinationArn"].startswith("arn:aws:events:%s:%s:api-destination/dest/" % (REGION, ACCOUNT))
    assert r["ApiDestinationState"] == "ACTIVE"
    d = events.describe_api_destination(Name="dest")
    assert d["InvocationRateLimitPerSecond"] == 300 and d["HttpMethod"] == "POST" and d["ConnectionArn"] == carn
    events.update_api_destination(Name="dest", HttpMethod="PUT", InvocationRateLimitPerSecond=5)
    d = events.describe_api_destination(Name="dest")
    assert (d["HttpMethod"], d["InvocationRateLimitPerSecond"], d["Description"]) == ("PUT", 5, "first")
    listed = events.list_api_destinations(ConnectionArn=carn)["ApiDestinations"]
    assert [x["Name"] for x in listed] == ["dest"] and "Description" not in listed[0]

    # A destination is ACTIVE only while its connection is AUTHORIZED.
    events.deauthorize_connection(Name="dest-conn")
    assert events.describe_api_destination(Name="dest")["ApiDestinationState"] == "INACTIVE"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_api_destination(Name="d2", ConnectionArn=carn, InvocationEndpoint="http://example.com/",
                                      HttpMethod="POST")
    assert err(e) == ("ValidationException",
                      "Failed to create the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: "
                      "Endpoint 'http://example.com/' is invalid, please provide a valid HTTPS endpoint URL.")
    with pytest.raises(botocore.exceptions.ClientError) as e:  # parameters belong in the connection or target
        events.create_api_destination(Name="d2", ConnectionArn=carn, InvocationEndpoint="https://example.com/x?a=b",
                                      HttpMethod="POST")
    assert err(e)[0] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.create_api_destination(Name="d2", ConnectionArn=carn, InvocationEndpoint="https://example.com/",
                                      HttpMethod="POST", InvocationRateLimitPerSecond=301)
    assert err(e)[0] == "LimitExceededException"
    events.delete_api_destination(Name="dest")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        events.describe_api_destination(Name="dest")
    assert err(e) == ("ResourceNotFoundException",
                      "Failed to describe the api-destination(s). An api-destination 'dest' does not exist.")
    events.delete_connection(Name="dest-conn")


# ==== Invocation ====

def test_basic_auth_parameters_and_path(events, endpoint):
    carn = events.create_connection(
        Name="inv-basic", AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "user", "Password": "pass"},
                        "InvocationHttpParameters": {
                            "HeaderParameters": [{"Key": "conn-h", "Value": "c"}, {"Key": "both", "Value": "conn"}],
                            "QueryStringParameters": [{"Key": "cq", "Value": "1"}, {"Key": "bq", "Value": "conn"}],
                            "BodyParameters": [{"Key": "cb", "Value": "body"}]}})["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-basic", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationEndpoint=endpoint.url + "/orders/*/items/*")["ApiDestinationArn"]
    rule_to(events, "inv-basic", darn, "test.basic",
            HttpParameters={"PathParameterValues": ["o1", "i 2"],
                            "HeaderParameters": {"target-h": "t", "both": "target"},
                            "QueryStringParameters": {"tq": "2", "bq": "target"}},
            InputTransformer={"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"number": <n>}'})
    put(events, "test.basic", {"n": 7})
    (_, method, path, query, headers, body, _), = endpoint.calls(1)
    assert method == "POST" and path == "/orders/o1/items/i%202"
    assert query == {"cq": "1", "tq": "2", "bq": "conn"}
    h = {k.lower(): v for k, v in headers.items()}
    assert h["authorization"] == "Basic " + base64.b64encode(b"user:pass").decode()
    assert h["conn-h"] == "c" and h["target-h"] == "t" and h["both"] == "conn"
    assert h["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert h["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {"number": 7, "cb": "body"}


def test_api_key_auth_and_get(events, endpoint):
    carn = api_key_connection(events, "inv-key")["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-key", ConnectionArn=carn, HttpMethod="GET",
                                         InvocationEndpoint=endpoint.url + "/hook")["ApiDestinationArn"]
    rule_to(events, "inv-key", darn, "test.key")
    put(events, "test.key", {"a": 1})
    (_, method, path, _, headers, body, _), = endpoint.calls(1)
    assert (method, path, body) == ("GET", "/hook", b"")
    assert {k.lower(): v for k, v in headers.items()}["x-api-key"] == "s3cret"


def test_oauth_token_fetched_and_cached(events, endpoint):
    r = events.create_connection(
        Name="inv-oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={"OAuthParameters": {
            "AuthorizationEndpoint": endpoint.url + "/oauth/token", "HttpMethod": "POST",
            "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
            "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}],
                                    "HeaderParameters": [{"Key": "oauth-h", "Value": "v"}],
                                    "QueryStringParameters": [{"Key": "aud", "Value": "x"}]}}})
    assert r["ConnectionState"] == "AUTHORIZING"
    deadline = time.time() + 5
    while events.describe_connection(Name="inv-oauth")["ConnectionState"] != "AUTHORIZED":
        assert time.time() < deadline
        time.sleep(0.05)
    d = events.describe_connection(Name="inv-oauth")
    assert "ClientSecret" not in d["AuthParameters"]["OAuthParameters"]["ClientParameters"]
    (_, method, _, query, headers, body, _), = [x for x in endpoint.requests if x[0] == "token"]
    h = {k.lower(): v for k, v in headers.items()}
    assert method == "POST" and query == {"aud": "x"} and h["oauth-h"] == "v"
    assert h["authorization"] == "Basic " + base64.b64encode(b"id:secret").decode()
    assert dict(urllib.parse.parse_qsl(body.decode())) == {"grant_type": "client_credentials"}

    darn = events.create_api_destination(Name="inv-oauth", ConnectionArn=r["ConnectionArn"], HttpMethod="POST",
                                         InvocationEndpoint=endpoint.url + "/hook")["ApiDestinationArn"]
    rule_to(events, "inv-oauth", darn, "test.oauth")
    put(events, "test.oauth", {"i": 1})
    put(events, "test.oauth", {"i": 2})
    calls = endpoint.calls(2)
    assert [{k.lower(): v for k, v in c[4].items()}["authorization"] for c in calls] == ["Bearer tok-1"] * 2
    assert endpoint.token_calls == 1  # kept until it expires

    # A 401 makes EventBridge fetch a new token, and the retry uses it.
    endpoint.status = [401, 200]
    put(events, "test.oauth", {"i": 3})
    calls = endpoint.calls(4)
    assert [{k.lower(): v for k, v in c[4].items()}["authorization"] for c in calls[2:]] == [
        "Bearer tok-1", "Bearer tok-2"]
    assert endpoint.token_calls == 2


def test_rate_limit(events, endpoint):
    carn = api_key_connection(events, "inv-rate")["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-rate", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationRateLimitPerSecond=2,
                                         InvocationEndpoint=endpoint.url + "/rate")["ApiDestinationArn"]
    rule_to(events, "inv-rate", darn, "test.rate")
    events.put_events(Entries=[{"Source": "test.rate", "DetailType": "d", "Detail": json.dumps({"i": i})}
                               for i in range(5)])
    calls = endpoint.calls(5)
    assert len(calls) == 5
    # Two a second: the fifth is sent at least 1.5 s after the first.
    assert calls[-1][6] - calls[0][6] >= 1.5


def test_retries_then_dead_letter(events, sqs, endpoint):
    url, qarn = queue_for_service(sqs, "api-dlq", "events.amazonaws.com", REGION, ACCOUNT)
    carn = api_key_connection(events, "inv-fail")["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-fail", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationEndpoint=endpoint.url + "/fail")["ApiDestinationArn"]
    rule_to(events, "inv-fail", darn, "test.fail", DeadLetterConfig={"Arn": qarn},
            RetryPolicy={"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60})

    # 503 is retried (once, as the policy allows), then the event is dead-lettered.
    endpoint.status = 503
    put(events, "test.fail", {"k": "retry"})
    assert len(endpoint.calls(2)) == 2
    m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"][0]
    attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
    assert attrs["TARGET_ARN"] == darn and attrs["ERROR_CODE"] == "SDK_CLIENT_ERROR"
    assert attrs["RULE_ARN"] == "arn:aws:events:%s:%s:rule/inv-fail" % (REGION, ACCOUNT)
    assert "503" in attrs["ERROR_MESSAGE"] and json.loads(m["Body"])["detail"] == {"k": "retry"}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    # 400 is not retried.
    endpoint.status = 400
    put(events, "test.fail", {"k": "client"})
    m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"][0]
    assert json.loads(m["Body"])["detail"] == {"k": "client"}
    assert len(endpoint.calls(3)) == 3


def test_https_destination(gureum_tls, test_ca):
    """An https:// API destination is called over TLS, the server's chain
    verified (the test's CA, given to gureum as SSL_CERT_FILE); one whose
    certificate is self-signed fails to the dead-letter queue, saying why."""
    events, sqs = gureum_tls.client("events"), gureum_tls.client("sqs")
    ep = Endpoint()
    ep.server.shutdown()
    ep.server.server_close()
    ep.requests.clear()
    handler = ep.server.RequestHandlerClass
    srv, bad = test_ca.serve(handler), test_ca.serve(handler, self_signed=True)
    try:
        url, qarn = queue_for_service(sqs, "api-dlq-tls", "events.amazonaws.com", REGION, ACCOUNT)
        carn = api_key_connection(events, "inv-tls")["ConnectionArn"]
        darn = events.create_api_destination(Name="inv-tls", ConnectionArn=carn, HttpMethod="POST",
                                             InvocationEndpoint="https://127.0.0.1:%d/tls" % srv.server_address[1]
                                             )["ApiDestinationArn"]
        rule_to(events, "inv-tls", darn, "test.tls", DeadLetterConfig={"Arn": qarn})
        put(events, "test.tls", {"t": 1})
        call = ep.calls(1)[0]
        assert call[1:3] == ("POST", "/tls") and json.loads(call[5])["detail"] == {"t": 1}
        assert call[4]["x-api-key"] == "s3cret"
        darn = events.create_api_destination(Name="inv-self", ConnectionArn=carn, HttpMethod="POST",
                                             InvocationEndpoint="https://127.0.0.1:%d/x" % bad.server_address[1]
                                             )["ApiDestinationArn"]
        rule_to(events, "inv-self", darn, "test.self", DeadLetterConfig={"Arn": qarn},
                RetryPolicy={"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60})
        put(events, "test.self", {"s": 1})
        m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"][0]
        assert "not trusted" in m["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]
        assert len(ep.calls(1, timeout=0.2)) == 1
    finally:
        srv.shutdown()
        bad.shutdown()


def test_only_loopback(events, sqs):
    """gureum sends only to loopback: other hosts fail at once, to the DLQ (an
    address literal here; a name other than localhost is not even looked up)."""
    url, qarn = queue_for_service(sqs, "api-dlq-remote", "events.amazonaws.com", REGION, ACCOUNT)
    carn = api_key_connection(events, "inv-remote")["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-remote", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationEndpoint="https://192.0.2.1/x")["ApiDestinationArn"]
    rule_to(events, "inv-remote", darn, "test.remote", DeadLetterConfig={"Arn": qarn})
    put(events, "test.remote", {"r": 1})
    m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MessageAttributeNames=["All"])["Messages"][0]
    assert "loopback" in m["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]


def test_targets_keep_http_parameters(events):
    carn = api_key_connection(events, "keep-conn")["ConnectionArn"]
    darn = events.create_api_destination(Name="keep", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationEndpoint="https://example.com/*")["ApiDestinationArn"]
    hp = {"PathParameterValues": ["a"], "HeaderParameters": {"h": "v"}, "QueryStringParameters": {"q": "1"}}
    rule_to(events, "keep", darn, "test.keep", HttpParameters=hp)
    (t,) = events.list_targets_by_rule(Rule="keep")["Targets"]
    assert t["HttpParameters"] == hp
    assert events.list_rule_names_by_target(TargetArn=darn)["RuleNames"] == ["keep"]


def test_answer_on_a_connection_left_open(events):
    """An endpoint that answers with a Content-Length and keeps the connection
    open does not hold an invoker until its timeout (5 s)."""
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    got, held = [], []

    def serve():
        while len(got) < 3:
            c, _ = srv.accept()
            data = b""
            while b"\r\n\r\n" not in data:
                data += c.recv(4096)
            got.append(time.time())
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            held.append(c)  # never closed by the server

    threading.Thread(target=serve, daemon=True).start()
    carn = api_key_connection(events, "inv-open")["ConnectionArn"]
    darn = events.create_api_destination(Name="inv-open", ConnectionArn=carn, HttpMethod="POST",
                                         InvocationEndpoint="http://127.0.0.1:%d/" % srv.getsockname()[1])
    rule_to(events, "inv-open", darn["ApiDestinationArn"], "test.open")
    t0 = time.time()
    events.put_events(Entries=[{"Source": "test.open", "DetailType": "d", "Detail": "{}"}] * 3)
    deadline = time.time() + 10
    while len(got) < 3 and time.time() < deadline:
        time.sleep(0.05)
    assert len(got) == 3 and got[-1] - t0 < 3
    for c in held:
        c.close()
    srv.close()


def test_archive_and_connection_customer_managed_keys(events):
    """AWS: KmsKeyIdentifier on CreateArchive / CreateConnection is kept and
    described; an Update naming none goes back to an AWS owned key (as
    UpdateEventBus), and an UpdateArchive may change the key alone."""
    if "KmsKeyIdentifier" not in events.meta.service_model.operation_model("CreateArchive").input_shape.members:
        pytest.skip("this botocore has no KmsKeyIdentifier for archives")
    key = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    bus = events.describe_event_bus()["Arn"]
    events.create_archive(ArchiveName="kms-arch", EventSourceArn=bus, KmsKeyIdentifier=key)
    assert events.describe_archive(ArchiveName="kms-arch")["KmsKeyIdentifier"] == key
    events.update_archive(ArchiveName="kms-arch", Description="no key named")
    assert "KmsKeyIdentifier" not in events.describe_archive(ArchiveName="kms-arch")
    events.update_archive(ArchiveName="kms-arch", KmsKeyIdentifier="alias/archives")
    assert events.describe_archive(ArchiveName="kms-arch")["KmsKeyIdentifier"] == "alias/archives"
    events.delete_archive(ArchiveName="kms-arch")
    events.create_connection(Name="kms-conn", AuthorizationType="API_KEY", KmsKeyIdentifier=key, AuthParameters={
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}})
    assert events.describe_connection(Name="kms-conn")["KmsKeyIdentifier"] == key
    events.update_connection(Name="kms-conn", Description="d")
    assert "KmsKeyIdentifier" not in events.describe_connection(Name="kms-conn")
    events.delete_connection(Name="kms-conn")
