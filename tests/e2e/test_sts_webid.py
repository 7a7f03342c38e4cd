"""test_sts_webid.py — STS AssumeRoleWithWebIdentity end to end: an OpenID
Connect issuer run here over HTTPS on a loopback address (its discovery
document and JWKS, a throwaway CA), registered with IAM as an OIDC provider;
ID tokens signed here (RS256, ES256) exchanged with boto3 (unsigned, as AWS
serves the call) and the AWS CLI for role sessions, the trust policy's
conditions on ISSUER:aud and ISSUER:sub enforced, and each refusal: an
unknown issuer, a wrong audience, an expired token, a bad signature, an
unknown key, an unsupported algorithm, a trust policy that does not allow it.
The issuer listens on 127.0.0.N:443, since IAM's provider URLs take no port
(AWS's rule); the test skips where it cannot bind that.
"""
import base64
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler

import botocore
import botocore.config
import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from conftest import LoopbackCA, serve

ACCOUNT = "000000000000"


def _pick_ip():
    for _ in range(20):
        ip = "127.0.%d.%d" % (random.randint(1, 254), random.randint(2, 254))
        s = socket.socket()
        try:
            s.bind((ip, 443))
            s.close()
            return ip
        except OSError:
            s.close()
    return None


IP = _pick_ip()
pytestmark = pytest.mark.skipif(IP is None, reason="cannot bind a loopback address on port 443")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def int_b64u(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(size, "big"))


class Issuer:
    def __init__(self, ca):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.url = "https://%s/oidc" % IP
        self.fetches = 0
        self.delay = 0.0  # seconds each answer waits
        pub, ecpub = self.rsa.public_key().public_numbers(), self.ec.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "kid": "r1", "use": "sig", "alg": "RS256", "n": int_b64u(pub.n),
                          "e": int_b64u(pub.e)},
                         {"kty": "EC", "kid": "e1", "use": "sig", "crv": "P-256", "x": int_b64u(ecpub.x, 32),
                          "y": int_b64u(ecpub.y, 32)}]}
        conf = {"issuer": self.url, "jwks_uri": self.url + "/keys"}
        iss = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = {"/oidc/.well-known/openid-configuration": conf, "/oidc/keys": jwks}.get(self.path)
                iss.fetches += 1
                time.sleep(iss.delay)
                out = json.dumps(body).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = ca.serve(Handler, addr=(IP, 443))

    def token(self, alg="RS256", kid=None, key=None, **claims):
        now = int(time.time())
        body = {"iss": self.url, "sub": "repo:me/app", "aud": "sts.amazonaws.com", "iat": now, "exp": now + 600}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        head = {"alg": alg, "typ": "JWT", "kid": kid or ("e1" if alg.startswith("ES") else "r1")}
        data = (b64u(json.dumps(head).encode()) + "." + b64u(json.dumps(body).encode())).encode()
        if alg == "ES256":
            r, s = decode_dss_signature((key or self.ec).sign(data, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = (key or self.rsa).sign(data, padding.PKCS1v15(), hashes.SHA256())
        return data.decode() + "." + b64u(sig)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    return LoopbackCA(tmp_path_factory.mktemp("ca"), ips=("127.0.0.1", IP))


@pytest.fixture(scope="module")
def gureum(tmp_path_factory, test_ca):
    yield from serve(tmp_path_factory, env={"SSL_CERT_FILE": test_ca.ca_file})


@pytest.fixture(scope="module")
def issuer(test_ca):
    i = Issuer(test_ca)
    yield i
    i.server.shutdown()
    i.server.server_close()


@pytest.fixture(scope="module")
def role(gureum, issuer, test_ca):
    return make_role(gureum, issuer, test_ca)


def make_role(gureum, issuer, test_ca):
    iam = gureum.client("iam")
    parn = iam.create_open_id_connect_provider(Url=issuer.url, ClientIDList=["sts.amazonaws.com"],
                                               ThumbprintList=[test_ca.thumbprint()])["OpenIDConnectProviderArn"]
    host = issuer.url[len("https://"):]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": parn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {host + ":aud": "sts.amazonaws.com"},
                      "StringLike": {host + ":sub": "repo:me/*"}}}]}
    arn = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="web", PolicyName="sqs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
    return arn, parn


def unsigned_sts(gureum):
    return gureum.client("sts", config=botocore.config.Config(signature_version=botocore.UNSIGNED))


def err(exc):
    e = exc.value.response["Error"]
    return e["Code"], e["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_assume_role_with_web_identity(gureum, issuer, role):
    arn, parn = role
    sts = unsigned_sts(gureum)
    for alg in ("RS256", "ES256"):
        r = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="gh-" + alg,
                                              WebIdentityToken=issuer.token(alg), DurationSeconds=900)
        assert r["SubjectFromWebIdentityToken"] == "repo:me/app"
        assert r["Provider"] == issuer.url and r["Audience"] == "sts.amazonaws.com"
        assert r["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/web/gh-%s" % (ACCOUNT, alg)
        c = r["Credentials"]
        assert c["AccessKeyId"].startswith("ASIA") and c["SessionToken"]
    # the session acts as the role elsewhere
    who = gureum.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"]).get_caller_identity()
    assert who["Arn"] == "arn:aws:sts::%s:assumed-role/web/gh-ES256" % ACCOUNT
    sqs = gureum.client("sqs", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"])
    assert sqs.create_queue(QueueName="from-webid")["QueueUrl"].endswith("/from-webid")
    # a session policy narrows the session as AssumeRole's does
    r = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="narrow", WebIdentityToken=issuer.token(),
                                          Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                                              {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]}))
    assert "PackedPolicySize" in r
    n = r["Credentials"]
    narrow = gureum.client("sqs", aws_access_key_id=n["AccessKeyId"], aws_secret_access_key=n["SecretAccessKey"],
                           aws_session_token=n["SessionToken"])
    narrow.list_queues()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        narrow.create_queue(QueueName="not-allowed")
    assert e.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")
    # keys are kept: two fetches (discovery, JWKS) for all of the above
    assert issuer.fetches == 2
    # the CLI, without credentials
    p = gureum.aws("sts", "assume-role-with-web-identity", "--role-arn", arn, "--role-session-name", "cli",
                   "--web-identity-token", issuer.token(), "--no-sign-request")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["AssumedRoleUser"]["Arn"].endswith(":assumed-role/web/cli")


def test_refusals(gureum, issuer, role):
    arn, _ = role
    sts = unsigned_sts(gureum)

    def refused(token, **kw):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.assume_role_with_web_identity(RoleArn=kw.pop("RoleArn", arn), RoleSessionName="ss",
                                              WebIdentityToken=token, **kw)
        return err(e)

    assert refused("not.a.jwt!")[0] == "InvalidIdentityToken"
    assert refused(issuer.token(iss="https://127.0.0.1/nobody"))[:2] == (
        "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://127.0.0.1/nobody")
    assert refused(issuer.token(aud="someone-else"))[:2] == ("InvalidIdentityToken", "Incorrect token audience")
    code, msg, status = refused(issuer.token(exp=int(time.time()) - 60))
    assert code == "ExpiredTokenException" and msg.startswith("Token expired: current date/time ") and status == 400
    assert refused(issuer.token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)))[0] == \
        "InvalidIdentityToken"
    fetched = issuer.fetches
    assert refused(issuer.token(kid="nope"))[0] == "InvalidIdentityToken"
    assert issuer.fetches == fetched + 2  # an unknown kid fetches the keys again (a rotation), once
    head = b64u(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    assert refused(head + "." + issuer.token().split(".", 1)[1])[0] == "InvalidIdentityToken"
    # the trust policy's conditions: sub must match repo:me/*
    assert refused(issuer.token(sub="repo:other/x"))[:2] == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    assert refused(issuer.token(), RoleArn=arn.replace("/web", "/nobody"))[0] == "AccessDenied"


def test_session_tags_from_the_token(gureum, issuer, role):
    """AWS ("Passing session tags using AssumeRoleWithWebIdentity"): the
    token's https://aws.amazon.com/tags claim gives the session's tags, which
    need sts:TagSession in the trust policy and are its aws:PrincipalTag keys."""
    _, parn = role
    iam = gureum.client("iam")
    fed = {"Federated": parn}
    for name, actions in (("web-tags", ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]),
                          ("web-notags", ["sts:AssumeRoleWithWebIdentity"])):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": fed, "Action": actions}]}))
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
                                                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}))
    sts = unsigned_sts(gureum)
    tags = {"https://aws.amazon.com/tags": {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]}}

    def sqs(role_name, token):
        c = sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::%s:role/%s" % (ACCOUNT, role_name),
                                              RoleSessionName="tags", WebIdentityToken=token)["Credentials"]
        return gureum.client("sqs", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                             aws_session_token=c["SessionToken"])

    sqs("web-tags", issuer.token(**tags)).list_queues()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs("web-tags", issuer.token()).list_queues()
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs("web-notags", issuer.token(**tags))
    assert e.value.response["Error"]["Code"] == "AccessDenied"  # no sts:TagSession


@pytest.fixture(scope="module")
def untrusting(tmp_path_factory):
    """A gureum that does not trust the test's CA: only thumbprints can."""
    yield from serve(tmp_path_factory)


def test_thumbprint_pins_the_issuer(untrusting, issuer, test_ca):
    """Without the CA in the trust store, the provider's ThumbprintList (the
    SHA-1 of the top certificate the issuer presents: here its CA) is what
    lets gureum fetch the keys; a wrong thumbprint cannot reach them."""
    iam, sts = untrusting.client("iam"), unsigned_sts(untrusting)
    parn = iam.create_open_id_connect_provider(Url=issuer.url, ClientIDList=["sts.amazonaws.com"],
                                               ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": parn}, "Action": "sts:AssumeRoleWithWebIdentity"}]}
    arn = iam.create_role(RoleName="pinned", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="pin", WebIdentityToken=issuer.token())
    assert err(e)[0] == "IDPCommunicationError"
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=parn,
                                                   ThumbprintList=[test_ca.thumbprint().upper()])
    r = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="pin", WebIdentityToken=issuer.token())
    assert r["AssumedRoleUser"]["Arn"].endswith(":assumed-role/pinned/pin")


def test_a_slow_issuer_holds_up_no_other_request(tmp_path_factory, issuer, test_ca):
    """The JWKS fetch runs off the request's event loop: with one loop, a
    request sent while AssumeRoleWithWebIdentity waits for a slow issuer is
    answered at once, and the exchange still succeeds once the keys come."""
    for g in serve(tmp_path_factory, env={"SSL_CERT_FILE": test_ca.ca_file, "GUREUM_THREADS": "1"}):
        arn, _ = make_role(g, issuer, test_ca)
        sts = unsigned_sts(g)
        got = {}

        def exchange():
            got["r"] = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="slow",
                                                         WebIdentityToken=issuer.token())
        issuer.delay = 1.5
        try:
            t = threading.Thread(target=exchange)
            t.start()
            time.sleep(0.3)  # the exchange is waiting for the issuer now
            began = time.monotonic()
            assert g.client("sts").get_caller_identity()["Account"] == ACCOUNT
            took = time.monotonic() - began
            t.join(20)
        finally:
            issuer.delay = 0.0
        assert took < 1.0, took
        assert got["r"]["AssumedRoleUser"]["Arn"].endswith(":assumed-role/web/slow")
