"""test_sts_outbound.py — IAM outbound web identity federation and STS
GetWebIdentityToken end to end, with boto3 1.43 (older botocore lacks the
operations: the module skips). The account's switch (Enable, Disable,
GetOutboundWebIdentityFederationInfo and their FeatureEnabled/FeatureDisabled
refusals); tokens minted with RS256 and ES384 whose signatures are verified
here against the JWKS gureum serves at the issuer (fetched over HTTP through
its discovery document, as an external verifier does); the claims AWS
documents (iss, aud, sub, iat, exp, jti and the https://sts.amazonaws.com/
namespace); IAM authorization of a user (sts:GetWebIdentityToken with its
sts:IdentityTokenAudience key, sts:TagGetWebIdentityToken for tags); a role
session's subject and its duration limit; keys that survive a restart.
"""
import base64
import json
import re
import time
import urllib.request
from datetime import datetime, timezone

import botocore.session
import pytest
from botocore.config import Config
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conftest import refused, serve

ACCT = "000000000000"
NS = "https://sts.amazonaws.com/"

pytestmark = pytest.mark.skipif(
    "GetWebIdentityToken" not in botocore.session.get_session().get_service_model("sts").operation_names,
    reason="this botocore predates GetWebIdentityToken")


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    # a session's lifetime is what the role-session test escalates against
    yield from serve(tmp_path_factory, env={"GUREUM_STS_MIN_DURATION": "120"})


@pytest.fixture(scope="module")
def iam(gureum):
    return gureum.client("iam")


@pytest.fixture(scope="module")
def sts(gureum):
    return gureum.client("sts")


def error_of(call, **kw):
    err, status = refused(call, **kw)
    return err["Code"], status, err.get("Message", "")


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def int_of(s):
    return int.from_bytes(b64d(s), "big")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        return json.loads(r.read())


def verify(token, issuer):
    """The token's header and claims once its signature checks out with the
    key its kid names in the JWKS the issuer's discovery document points at."""
    conf = get_json(issuer + "/.well-known/openid-configuration")
    assert conf["issuer"] == issuer
    jwks = get_json(conf["jwks_uri"])
    h64, c64, s64 = token.split(".")
    header, claims, sig = json.loads(b64d(h64)), json.loads(b64d(c64)), b64d(s64)
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert jwk["alg"] == header["alg"] and jwk["use"] == "sig"
    data = (h64 + "." + c64).encode()
    if header["alg"] == "RS256":
        pub = rsa.RSAPublicNumbers(int_of(jwk["e"]), int_of(jwk["n"])).public_key()
        pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "ES384" and jwk["crv"] == "P-384" and len(sig) == 96
        pub = ec.EllipticCurvePublicNumbers(int_of(jwk["x"]), int_of(jwk["y"]), ec.SECP384R1()).public_key()
        der = encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big"))
        pub.verify(der, data, ec.ECDSA(hashes.SHA384()))
    return header, claims


def client_as(g, service, key, secret, token=None):
    return g.client(service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                    config=Config(retries={"total_max_attempts": 1}))


def test_off_until_enabled(iam, sts):
    assert error_of(iam.get_outbound_web_identity_federation_info)[:2] == ("FeatureDisabled", 404)
    assert error_of(iam.disable_outbound_web_identity_federation)[:2] == ("FeatureDisabled", 404)
    code, status, _ = error_of(sts.get_web_identity_token, Audience=["https://api.example.com"],
                               SigningAlgorithm="RS256")
    assert (code, status) == ("OutboundWebIdentityFederationDisabledException", 403)


def test_enable_gives_the_issuer(gureum, iam):
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert re.fullmatch(r"http://127\.0\.0\.1:%d/_gureum/sts/issuer/[0-9a-f-]{36}" % gureum.port, issuer)
    assert error_of(iam.enable_outbound_web_identity_federation)[:2] == ("FeatureEnabled", 409)
    info = iam.get_outbound_web_identity_federation_info()
    assert info["IssuerIdentifier"] == issuer and info["JwtVendingEnabled"] is True


def test_discovery_document_and_jwks(iam):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    conf = get_json(issuer + "/.well-known/openid-configuration")
    assert conf["issuer"] == issuer
    assert conf["jwks_uri"] == issuer + "/.well-known/jwks.json"
    assert set(conf["id_token_signing_alg_values_supported"]) == {"RS256", "ES384"}
    keys = {k["alg"]: k for k in get_json(conf["jwks_uri"])["keys"]}
    assert keys["RS256"]["kty"] == "RSA" and int_of(keys["RS256"]["n"]).bit_length() == 2048
    assert keys["ES384"]["kty"] == "EC" and keys["ES384"]["crv"] == "P-384"
    assert keys["RS256"]["kid"] != keys["ES384"]["kid"]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(issuer.rsplit("/", 1)[0] + "/no-such-issuer/.well-known/jwks.json", timeout=10)
    assert e.value.code == 404


def test_rs256_token_for_root(iam, sts):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    before = int(time.time())
    out = sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256",
                                     Tags=[{"Key": "job-id", "Value": "job-1"}, {"Key": "team", "Value": "data"}])
    header, claims = verify(out["WebIdentityToken"], issuer)
    assert header["typ"] == "JWT"
    assert claims["iss"] == issuer
    assert claims["aud"] == "https://api.example.com"
    assert claims["sub"] == "arn:aws:iam::%s:root" % ACCT
    assert before - 1 <= claims["iat"] <= time.time() + 1
    assert claims["exp"] - claims["iat"] == 300  # AWS's default duration
    assert out["Expiration"] == datetime.fromtimestamp(claims["exp"], timezone.utc)
    assert re.fullmatch(r"[0-9a-f-]{36}", claims["jti"])
    ns = claims[NS]
    assert ns["aws_account"] == ACCT and ns["source_region"] == "us-east-1"
    assert ns["request_tags"] == {"job-id": "job-1", "team": "data"}
    again = sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256")
    assert verify(again["WebIdentityToken"], issuer)[1]["jti"] != claims["jti"]


def test_es384_token_with_audiences_and_duration(iam, sts):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    out = sts.get_web_identity_token(Audience=["a.example", "b.example"], SigningAlgorithm="ES384",
                                     DurationSeconds=60)
    header, claims = verify(out["WebIdentityToken"], issuer)
    assert header["alg"] == "ES384"
    assert claims["aud"] == ["a.example", "b.example"]
    assert claims["exp"] - claims["iat"] == 60
    assert "request_tags" not in claims[NS]


def test_refused_inputs(gureum):
    # botocore would refuse the out-of-range durations itself
    sts = gureum.client("sts", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    aud = ["x.example"]
    for d in (59, 3601):
        code, status, _ = error_of(sts.get_web_identity_token, Audience=aud, SigningAlgorithm="RS256",
                                   DurationSeconds=d)
        assert (code, status) == ("ValidationError", 400)
    code, status, msg = error_of(sts.get_web_identity_token, Audience=aud, SigningAlgorithm="HS256")
    assert (code, status) == ("ValidationError", 400) and "RS256, ES384" in msg
    code, status, _ = error_of(sts.get_web_identity_token, Audience=aud, SigningAlgorithm="RS256",
                               Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}])
    assert (code, status) == ("ValidationError", 400)


def test_user_needs_permission(gureum, iam):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    iam.create_user(UserName="minter")
    iam.tag_user(UserName="minter", Tags=[{"Key": "env", "Value": "prod"}])
    k = iam.create_access_key(UserName="minter")["AccessKey"]
    sts = client_as(gureum, "sts", k["AccessKeyId"], k["SecretAccessKey"])
    assert error_of(sts.get_web_identity_token, Audience=["api.example"], SigningAlgorithm="RS256")[:2] == \
        ("AccessDenied", 403)
    iam.put_user_policy(UserName="minter", PolicyName="mint", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"sts:IdentityTokenAudience": "api.example"},
                          "NumericLessThanEquals": {"sts:DurationSeconds": "600"}}}]}))
    out = sts.get_web_identity_token(Audience=["api.example"], SigningAlgorithm="ES384")
    claims = verify(out["WebIdentityToken"], issuer)[1]
    assert claims["sub"] == "arn:aws:iam::%s:user/minter" % ACCT
    assert claims[NS]["principal_tags"] == {"env": "prod"}
    assert error_of(sts.get_web_identity_token, Audience=["other.example"], SigningAlgorithm="RS256")[:2] == \
        ("AccessDenied", 403)
    assert error_of(sts.get_web_identity_token, Audience=["api.example"], SigningAlgorithm="RS256",
                    DurationSeconds=900)[:2] == ("AccessDenied", 403)
    # tags in the token need sts:TagGetWebIdentityToken as well
    tags = [{"Key": "job", "Value": "7"}]
    assert error_of(sts.get_web_identity_token, Audience=["api.example"], SigningAlgorithm="RS256",
                    Tags=tags)[:2] == ("AccessDenied", 403)
    iam.put_user_policy(UserName="minter", PolicyName="tag", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*"}]}))
    out = sts.get_web_identity_token(Audience=["api.example"], SigningAlgorithm="RS256", Tags=tags)
    assert verify(out["WebIdentityToken"], issuer)[1][NS]["request_tags"] == {"job": "7"}


def test_role_session_subject_and_lifetime(gureum, iam, sts):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    user = iam.create_user(UserName="assumer")["User"]["Arn"]
    k = iam.create_access_key(UserName="assumer")["AccessKey"]
    iam.put_user_policy(UserName="assumer", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    role = iam.create_role(RoleName="minting-role", Path="/team/", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="minting-role", PolicyName="mint", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}]}))
    # GUREUM_STS_MIN_DURATION=120: a 900-second session lives 120 seconds
    sts = client_as(gureum, "sts", k["AccessKeyId"], k["SecretAccessKey"])
    c = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="s1", DurationSeconds=900)["Credentials"]
    session = client_as(gureum, "sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    out = session.get_web_identity_token(Audience=["api.example"], SigningAlgorithm="RS256", DurationSeconds=60)
    claims = verify(out["WebIdentityToken"], issuer)[1]
    assert claims["sub"] == "arn:aws:iam::%s:role/team/minting-role" % ACCT
    assert claims[NS]["principal_id"] == claims["sub"]
    code, status, _ = error_of(session.get_web_identity_token, Audience=["api.example"], SigningAlgorithm="RS256",
                               DurationSeconds=3600)
    assert (code, status) == ("SessionDurationEscalationException", 403)


def test_keys_survive_a_restart(gureum, iam, sts):
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    token = sts.get_web_identity_token(Audience=["api.example"], SigningAlgorithm="ES384")["WebIdentityToken"]
    kids = {k["kid"] for k in get_json(issuer + "/.well-known/jwks.json")["keys"]}
    gureum.restart()
    assert {k["kid"] for k in get_json(issuer + "/.well-known/jwks.json")["keys"]} == kids
    verify(token, issuer)


def test_disable_refuses_new_tokens_but_keeps_the_keys(gureum):
    iam, sts = gureum.client("iam"), gureum.client("sts")
    issuer = iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"]
    token = sts.get_web_identity_token(Audience=["api.example"], SigningAlgorithm="RS256")["WebIdentityToken"]
    iam.disable_outbound_web_identity_federation()
    code, status, _ = error_of(sts.get_web_identity_token, Audience=["api.example"], SigningAlgorithm="RS256")
    assert (code, status) == ("OutboundWebIdentityFederationDisabledException", 403)
    assert error_of(iam.get_outbound_web_identity_federation_info)[:2] == ("FeatureDisabled", 404)
    verify(token, issuer)  # AWS: disabling "does not affect tokens that were issued before"
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer
