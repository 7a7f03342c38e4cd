"""test_https_delivery.py — gureum's outbound HTTPS (services/httpsend.c): an SNS
https subscription and an EventBridge API destination deliver to a loopback HTTPS
server whose certificate a throwaway CA signed, when the server process trusts that
CA (SSL_CERT_FILE, OpenSSL's standard variable); without it, or for a certificate that
names another host, nothing is delivered. The CA and certificates are made with the
openssl command; the endpoint is Python's http.server wrapped in ssl.
"""
import http.server
import json
import ssl
import subprocess
import threading
import time

import pytest


def run(*args, cwd):
    subprocess.run(list(args), cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, and server certificates for 127.0.0.1 and for another name."""
    d = tmp_path_factory.mktemp("pki")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gureum test CA",
        "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, san in (("good", "IP:127.0.0.1,DNS:localhost"), ("other", "DNS:other.example")):
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", name + ".key",
            "-out", name + ".csr", cwd=d)
        (d / (name + ".ext")).write_text("subjectAltName=%s\n" % san)
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem", cwd=d)
    return d


class Hook(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Hook.posts.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture
def https_server(pki):
    def start(cert):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(pki / (cert + ".pem")), str(pki / (cert + ".key")))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return "https://127.0.0.1:%d" % srv.server_address[1]
    servers = []
    Hook.posts.clear()
    yield start
    for s in servers:
        s.shutdown()


def wait_posts(n, timeout=6):
    deadline = time.time() + timeout
    while time.time() < deadline and len(Hook.posts) < n:
        time.sleep(0.05)
    return list(Hook.posts)


def test_sns_https_subscription(gureum_factory, pki, https_server):
    g = gureum_factory(env={"SSL_CERT_FILE": str(pki / "ca.pem")})
    sns = g.client("sns")
    base = https_server("good")
    topic = sns.create_topic(Name="tls")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=base + "/hook")["SubscriptionArn"] == \
        "pending confirmation"
    path, headers, body = wait_posts(1)[0]
    assert path == "/hook" and headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    token = json.loads(body)["Token"]
    sns.confirm_subscription(TopicArn=topic, Token=token)
    sns.publish(TopicArn=topic, Message="over tls")
    posts = wait_posts(2)
    assert json.loads(posts[1][2])["Message"] == "over tls"
    # a certificate for another name is not delivered to
    Hook.posts.clear()
    other = https_server("other")
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=other + "/hook")
    assert wait_posts(1, timeout=2) == []


def test_untrusted_ca_is_not_delivered_to(gureum_factory, https_server):
    g = gureum_factory()  # the system's trust store knows nothing of the test CA
    sns = g.client("sns")
    base = https_server("good")
    topic = sns.create_topic(Name="tls-untrusted")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=base + "/hook")
    assert wait_posts(1, timeout=2) == []


def test_api_destination_over_https(gureum_factory, pki, https_server):
    g = gureum_factory(env={"SSL_CERT_FILE": str(pki / "ca.pem")})
    events = g.client("events")
    base = https_server("good")
    conn = events.create_connection(Name="tls-conn", AuthorizationType="API_KEY", AuthParameters={
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}})["ConnectionArn"]
    dest = events.create_api_destination(Name="tls-dest", ConnectionArn=conn, InvocationEndpoint=base + "/events",
                                         HttpMethod="POST")["ApiDestinationArn"]
    role = g.client("iam").create_role(RoleName="ev-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    events.put_rule(Name="tls-rule", EventPattern=json.dumps({"source": ["tls.test"]}))
    events.put_targets(Rule="tls-rule", Targets=[{"Id": "t", "Arn": dest, "RoleArn": role}])
    events.put_events(Entries=[{"Source": "tls.test", "DetailType": "d", "Detail": json.dumps({"n": 1})}])
    path, headers, body = wait_posts(1)[0]
    assert path == "/events" and headers["x-api-key"] == "s3cret"
    assert json.loads(body)["detail"] == {"n": 1}
