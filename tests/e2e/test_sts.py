"""STS temporary credentials end to end: AssumeRole (trust policy, the
caller's own permission, session policy, duration limits, cross-account),
GetSessionToken, GetFederationToken, and the credentials themselves — ASIA… keys that SigV4
accepts only with their session token (else InvalidClientTokenId) and only
until they expire (then ExpiredToken).

Expiry is tested without waiting 15 minutes: test builds (-DGUREUM_TESTING)
honour GUREUM_STS_MIN_DURATION=N, which makes a request for exactly the
900-second minimum live N seconds; other durations are unaffected."""
import json
import re
import subprocess
import time
from datetime import datetime, timezone

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import CLIS

ACCT = "000000000000"
OTHER = "111111111111"

S3_RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
DDB_RO = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"


def error_of(call, **kw):
    with pytest.raises(ClientError) as ei:
        call(**kw)
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def trust(*principals):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}]})


def allow(action, resource="*"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


_n = [0]


def uniq(prefix):
    _n[0] += 1
    return "%s-%d-%d" % (prefix, int(time.time() * 1000) % 100000, _n[0])


def make_user(g, iam=None):
    iam = iam or g.client("iam")
    name = uniq("u")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return name, k["AccessKeyId"], k["SecretAccessKey"]


def make_role(g, trust_doc, iam=None, policies=(), **kw):
    iam = iam or g.client("iam")
    name = uniq("r")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc, **kw)["Role"]
    for p in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=p)
    return name, role["Arn"], role["RoleId"]


def client_as(g, service, key, secret, token=None, **kw):
    kw.setdefault("config", Config(retries={"total_max_attempts": 1}))
    return g.client(service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token, **kw)


def with_creds(g, service, creds, **kw):
    return client_as(g, service, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], **kw)


def user_arn(name, acct=ACCT):
    return "arn:aws:iam::%s:user/%s" % (acct, name)


def assumed_arn(role, session, acct=ACCT):
    return "arn:aws:sts::%s:assumed-role/%s/%s" % (acct, role, session)


def parse_time(t):
    return t if isinstance(t, datetime) else datetime.fromisoformat(t.replace("Z", "+00:00"))


# ==== AssumeRole ====

def test_assume_role_trusting_the_user(gureum):
    user, key, secret = make_user(gureum)
    role, role_arn, role_id = make_role(gureum, trust(user_arn(user)), policies=[S3_RO])
    sts = client_as(gureum, "sts", key, secret)
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="alice-session")
    c = out["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", c["AccessKeyId"])
    assert len(c["SecretAccessKey"]) == 40
    assert len(c["SessionToken"]) >= 100
    left = (parse_time(c["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 3500 < left <= 3601  # AWS default: one hour
    assert out["AssumedRoleUser"] == {"AssumedRoleId": role_id + ":alice-session",
                                      "Arn": assumed_arn(role, "alice-session")}
    assert "PackedPolicySize" not in out
    me = with_creds(gureum, "sts", c).get_caller_identity()
    assert (me["Arn"], me["UserId"], me["Account"]) == (assumed_arn(role, "alice-session"),
                                                        role_id + ":alice-session", ACCT)
    # the role's policies apply, not the user's
    assert with_creds(gureum, "s3", c).list_buckets()["Buckets"] == []
    code, _, msg = error_of(with_creds(gureum, "dynamodb", c).list_tables)
    assert code == "AccessDeniedException"
    assert msg.startswith("User: %s is not authorized to perform: dynamodb:ListTables" % assumed_arn(
        role, "alice-session"))
    code, _, _ = error_of(client_as(gureum, "s3", key, secret).list_buckets)
    assert code == "AccessDenied"


def test_trust_naming_the_account_needs_the_callers_permission(gureum):
    iam = gureum.client("iam")
    user, key, secret = make_user(gureum)
    role, role_arn, _ = make_role(gureum, trust("arn:aws:iam::%s:root" % ACCT))
    sts = client_as(gureum, "sts", key, secret)
    code, status, msg = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="s1")
    assert (code, status) == ("AccessDenied", 403)
    assert msg == "User: %s is not authorized to perform: sts:AssumeRole on resource: %s" % (user_arn(user), role_arn)
    iam.put_user_policy(UserName=user, PolicyName="may-assume", PolicyDocument=allow("sts:AssumeRole", role_arn))
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")
    assert out["AssumedRoleUser"]["Arn"] == assumed_arn(role, "s1")


def test_trust_not_naming_the_caller_refuses_even_with_permission(gureum):
    iam = gureum.client("iam")
    user, key, secret = make_user(gureum)
    other, _, _ = make_user(gureum)
    _, role_arn, _ = make_role(gureum, trust(user_arn(other)))
    iam.put_user_policy(UserName=user, PolicyName="assume-all", PolicyDocument=allow("sts:AssumeRole"))
    code, _, msg = error_of(client_as(gureum, "sts", key, secret).assume_role, RoleArn=role_arn,
                            RoleSessionName="nope")
    assert code == "AccessDenied"
    assert msg == "User: %s is not authorized to perform: sts:AssumeRole on resource: %s" % (user_arn(user), role_arn)


def test_explicit_deny_in_callers_policy_wins(gureum):
    iam = gureum.client("iam")
    user, key, secret = make_user(gureum)
    _, role_arn, _ = make_role(gureum, trust(user_arn(user)))
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]})
    iam.put_user_policy(UserName=user, PolicyName="never", PolicyDocument=deny)
    code, _, _ = error_of(client_as(gureum, "sts", key, secret).assume_role, RoleArn=role_arn, RoleSessionName="x1")
    assert code == "AccessDenied"


def test_root_unknown_role_and_bad_input(gureum):
    user, key, secret = make_user(gureum)
    _, role_arn, _ = make_role(gureum, trust("arn:aws:iam::%s:root" % ACCT))
    code, status, msg = error_of(gureum.client("sts").assume_role, RoleArn=role_arn, RoleSessionName="root-try")
    assert (code, status, msg) == ("AccessDenied", 403, "Roles may not be assumed by root accounts.")
    sts = client_as(gureum, "sts", key, secret)
    missing = "arn:aws:iam::%s:role/no-such-role" % ACCT
    code, _, msg = error_of(sts.assume_role, RoleArn=missing, RoleSessionName="s1")
    assert (code, msg) == ("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
                           % (user_arn(user), missing))
    code, status, msg = error_of(sts.assume_role, RoleArn="not-an-arn-at-all-really", RoleSessionName="s1")
    assert (code, status, msg) == ("ValidationError", 400, "Request ARN is invalid")
    code, _, msg = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="bad name")
    assert code == "ValidationError"
    assert msg == ("1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: "
                   "Member must satisfy regular expression pattern: [\\w+=,.@-]*")


def test_duration_limits(gureum):
    user, key, secret = make_user(gureum)
    role, role_arn, _ = make_role(gureum, trust(user_arn(user)))
    sts = client_as(gureum, "sts", key, secret)
    code, status, msg = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="long", DurationSeconds=7200)
    assert (code, status, msg) == ("ValidationError", 400,
                                   "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    raw = client_as(gureum, "sts", key, secret, config=Config(parameter_validation=False,
                                                               retries={"total_max_attempts": 1}))
    code, _, msg = error_of(raw.assume_role, RoleArn=role_arn, RoleSessionName="short", DurationSeconds=899)
    assert code == "ValidationError" and "greater than or equal to 900" in msg
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="min", DurationSeconds=900)
    left = (parse_time(out["Credentials"]["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 850 < left <= 901
    # a role that allows longer sessions
    _, long_arn, _ = make_role(gureum, trust(user_arn(user)), MaxSessionDuration=7200)
    out = sts.assume_role(RoleArn=long_arn, RoleSessionName="long", DurationSeconds=7200)
    left = (parse_time(out["Credentials"]["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 7100 < left <= 7201


def test_session_policy_narrows(gureum):
    user, key, secret = make_user(gureum)
    role, role_arn, _ = make_role(gureum, trust(user_arn(user)), policies=[S3_RO, DDB_RO])
    sts = client_as(gureum, "sts", key, secret)
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="narrow", Policy=allow("dynamodb:ListTables"))
    assert 0 < out["PackedPolicySize"] <= 100
    c = out["Credentials"]
    assert with_creds(gureum, "dynamodb", c).list_tables()["TableNames"] == []
    assert error_of(with_creds(gureum, "s3", c).list_buckets)[0] == "AccessDenied"
    # a session policy cannot grant what the role lacks
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="wide", Policy=allow("*"))
    c = out["Credentials"]
    assert with_creds(gureum, "s3", c).list_buckets()["Buckets"] == []
    assert error_of(with_creds(gureum, "ec2", c).describe_regions)[0] == "UnauthorizedOperation"
    code, status, _ = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="bad",
                               Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')
    assert (code, status) == ("MalformedPolicyDocument", 400)


def test_role_chaining(gureum):
    user, key, secret = make_user(gureum)
    first, first_arn, _ = make_role(gureum, trust(user_arn(user)),
                                    policies=["arn:aws:iam::aws:policy/AdministratorAccess"])
    second, second_arn, _ = make_role(gureum, trust(first_arn), MaxSessionDuration=7200)
    c = client_as(gureum, "sts", key, secret).assume_role(RoleArn=first_arn, RoleSessionName="hop1")["Credentials"]
    sts = with_creds(gureum, "sts", c)
    code, _, msg = error_of(sts.assume_role, RoleArn=second_arn, RoleSessionName="hop2", DurationSeconds=7200)
    assert code == "ValidationError" and "role chaining" in msg
    out = sts.assume_role(RoleArn=second_arn, RoleSessionName="hop2")
    me = with_creds(gureum, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == assumed_arn(second, "hop2")
    code, _, msg = error_of(sts.get_session_token)
    assert (code, msg) == ("AccessDenied", "Cannot call GetSessionToken with session credentials")
    # a role session's aws:PrincipalArn is its role's ARN
    def only_from(arn):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCT}, "Action": "sts:AssumeRole",
             "Condition": {"ArnEquals": {"aws:PrincipalArn": arn}}}]})
    _, yes_arn, _ = make_role(gureum, only_from(first_arn))
    _, no_arn, _ = make_role(gureum, only_from(second_arn))
    sts.assume_role(RoleArn=yes_arn, RoleSessionName="hop3")
    assert error_of(sts.assume_role, RoleArn=no_arn, RoleSessionName="hop3")[0] == "AccessDenied"


def test_session_token_must_be_sent_intact(gureum):
    user, key, secret = make_user(gureum)
    _, role_arn, _ = make_role(gureum, trust(user_arn(user)))
    c = client_as(gureum, "sts", key, secret).assume_role(RoleArn=role_arn, RoleSessionName="tok")["Credentials"]
    no_token = client_as(gureum, "sts", c["AccessKeyId"], c["SecretAccessKey"])
    code, status, msg = error_of(no_token.get_caller_identity)
    assert (code, status, msg) == ("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
    t = c["SessionToken"]
    tampered = t[:-1] + ("A" if t[-1] != "A" else "B")
    bad = client_as(gureum, "sts", c["AccessKeyId"], c["SecretAccessKey"], tampered)
    assert error_of(bad.get_caller_identity)[0] == "InvalidClientTokenId"
    wrong_secret = client_as(gureum, "sts", c["AccessKeyId"], "x" * 40, t)
    assert error_of(wrong_secret.get_caller_identity)[0] == "SignatureDoesNotMatch"
    assert with_creds(gureum, "sts", c).get_caller_identity()["Account"] == ACCT


# ==== GetSessionToken ====

def test_get_session_token(gureum):
    iam = gureum.client("iam")
    user, key, secret = make_user(gureum)
    out = client_as(gureum, "sts", key, secret).get_session_token()
    c = out["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", c["AccessKeyId"])
    left = (parse_time(c["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 43100 < left <= 43201  # AWS default: 12 hours
    me = with_creds(gureum, "sts", c).get_caller_identity()
    assert me["Arn"] == user_arn(user) and me["UserId"].startswith("AIDA")
    # the user's own policies apply, as they are now
    assert error_of(with_creds(gureum, "s3", c).list_buckets)[0] == "AccessDenied"
    iam.attach_user_policy(UserName=user, PolicyArn=S3_RO)
    assert with_creds(gureum, "s3", c).list_buckets()["Buckets"] == []
    out = client_as(gureum, "sts", key, secret).get_session_token(DurationSeconds=129600)
    left = (parse_time(out["Credentials"]["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 129500 < left <= 129601
    # root: allowed, at most one hour
    out = gureum.client("sts").get_session_token(DurationSeconds=7200)
    left = (parse_time(out["Credentials"]["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 3500 < left <= 3601
    assert with_creds(gureum, "sts", out["Credentials"]).get_caller_identity()["Arn"] == "arn:aws:iam::%s:root" % ACCT


# ==== GetFederationToken ====

def test_get_federation_token(gureum):
    """AWS: the caller needs sts:GetFederationToken; the federated user may do what both the
    user's policies and the session policy allow (nothing without one, but what a resource
    policy naming it grants); its session calls no IAM and no STS but GetCallerIdentity."""
    iam = gureum.client("iam")
    user, key, secret = make_user(gureum)
    sts = client_as(gureum, "sts", key, secret)
    assert error_of(sts.get_federation_token, Name="bob")[0] == "AccessDenied"
    iam.put_user_policy(UserName=user, PolicyName="fed", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:GetFederationToken", "s3:ListAllMyBuckets", "s3:CreateBucket",
                                           "iam:ListUsers", "sts:AssumeRole"], "Resource": "*"}]}))
    out = sts.get_federation_token(Name="bob", Policy=allow(["s3:ListAllMyBuckets", "iam:*", "sts:*"]))
    assert out["FederatedUser"] == {"FederatedUserId": "%s:bob" % ACCT,
                                    "Arn": "arn:aws:sts::%s:federated-user/bob" % ACCT}
    assert 0 < out["PackedPolicySize"] <= 100
    c = out["Credentials"]
    left = (parse_time(c["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 43100 < left <= 43201  # AWS default: 12 hours
    assert with_creds(gureum, "sts", c).get_caller_identity()["Arn"] == "arn:aws:sts::%s:federated-user/bob" % ACCT
    s3 = with_creds(gureum, "s3", c)
    assert s3.list_buckets()["Buckets"] == []
    assert error_of(s3.create_bucket, Bucket=uniq("fedb"))[0] == "AccessDenied"  # the session policy lacks it
    # no IAM, no STS but GetCallerIdentity, whatever the policies allow
    assert error_of(with_creds(gureum, "iam", c).list_users)[0] == "AccessDenied"
    fed_sts = with_creds(gureum, "sts", c)
    _, role_arn, _ = make_role(gureum, trust(user_arn(user)))
    assert error_of(fed_sts.assume_role, RoleArn=role_arn, RoleSessionName="fed")[0] == "AccessDenied"
    assert error_of(fed_sts.get_session_token)[0] == "AccessDenied"
    assert error_of(fed_sts.get_federation_token, Name="again")[0] == "AccessDenied"
    # without a session policy: no permissions
    bare = sts.get_federation_token(Name="bare", DurationSeconds=900)["Credentials"]
    assert error_of(with_creds(gureum, "s3", bare).list_buckets)[0] == "AccessDenied"
    # session credentials cannot get one
    st = sts.get_session_token()["Credentials"]
    assert error_of(with_creds(gureum, "sts", st).get_federation_token, Name="xy") == \
        ("AccessDenied", 403, "Cannot call GetFederationToken with session credentials")
    # root: at most one hour
    out = gureum.client("sts").get_federation_token(Name="rootfed", DurationSeconds=7200, Policy=allow("s3:*"))
    left = (parse_time(out["Credentials"]["Expiration"]) - datetime.now(timezone.utc)).total_seconds()
    assert 3500 < left <= 3601
    # AWS: the policy is at most 2048 characters (the model's limit)
    long_doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket-%04d/*" % i} for i in range(40)]})
    code, _, msg = error_of(sts.get_federation_token, Name="long", Policy=long_doc)
    assert code == "ValidationError" and "2048" in msg


# ==== Expiry, durability, accounts ====

def test_credentials_expire(gureum_factory):
    g = gureum_factory(env={"GUREUM_STS_MIN_DURATION": "5"})
    user, key, secret = make_user(g)
    _, role_arn, _ = make_role(g, trust(user_arn(user)), policies=[S3_RO])
    sts = client_as(g, "sts", key, secret)
    issued = time.time()
    role_c = sts.assume_role(RoleArn=role_arn, RoleSessionName="brief", DurationSeconds=900)["Credentials"]
    user_c = sts.get_session_token(DurationSeconds=900)["Credentials"]
    long_c = sts.assume_role(RoleArn=role_arn, RoleSessionName="longer", DurationSeconds=1000)["Credentials"]
    assert with_creds(g, "s3", role_c).list_buckets()["Buckets"] == []
    assert with_creds(g, "sts", user_c).get_caller_identity()["Arn"] == user_arn(user)
    time.sleep(max(0.0, 5.5 - (time.time() - issued)))
    code, _, msg = error_of(with_creds(g, "sts", role_c).get_caller_identity)
    assert (code, msg) == ("ExpiredToken", "The security token included in the request is expired")
    assert error_of(with_creds(g, "sts", user_c).get_caller_identity)[0] == "ExpiredToken"
    assert error_of(with_creds(g, "s3", role_c).list_buckets)[0] == "ExpiredToken"
    assert error_of(with_creds(g, "dynamodb", role_c).list_tables)[0] == "ExpiredToken"
    # only the minimum is shortened
    assert with_creds(g, "s3", long_c).list_buckets()["Buckets"] == []


def test_credentials_survive_restart(gureum_factory):
    g = gureum_factory()
    user, key, secret = make_user(g)
    role, role_arn, _ = make_role(g, trust(user_arn(user)))
    c = client_as(g, "sts", key, secret).assume_role(RoleArn=role_arn, RoleSessionName="durable",
                                                     Policy=allow("s3:ListAllMyBuckets"))["Credentials"]
    g.restart()
    assert with_creds(g, "sts", c).get_caller_identity()["Arn"] == assumed_arn(role, "durable")


def test_cross_account(gureum_factory):
    g = gureum_factory(env={"GUREUM_ACCOUNTS": "%s:OTHERROOTKEY:otherrootsecret" % OTHER})
    user, key, secret = make_user(g)
    other_iam = client_as(g, "iam", "OTHERROOTKEY", "otherrootsecret")
    role, role_arn, _ = make_role(g, trust("arn:aws:iam::%s:root" % ACCT), iam=other_iam, policies=[S3_RO])
    assert role_arn == "arn:aws:iam::%s:role/%s" % (OTHER, role)
    sts = client_as(g, "sts", key, secret)
    # across accounts the caller's own policies must allow too
    code, _, msg = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="xa")
    assert code == "AccessDenied" and msg.endswith("on resource: %s" % role_arn)
    g.client("iam").put_user_policy(UserName=user, PolicyName="cross",
                                    PolicyDocument=allow("sts:AssumeRole", role_arn))
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="xa")
    assert out["AssumedRoleUser"]["Arn"] == assumed_arn(role, "xa", OTHER)
    me = with_creds(g, "sts", out["Credentials"]).get_caller_identity()
    assert (me["Account"], me["Arn"]) == (OTHER, assumed_arn(role, "xa", OTHER))
    assert with_creds(g, "s3", out["Credentials"]).list_buckets()["Buckets"] == []
    # the role's trust decides: one trusting only its own account refuses us
    _, own_arn, _ = make_role(g, trust("arn:aws:iam::%s:root" % OTHER), iam=other_iam)
    g.client("iam").put_user_policy(UserName=user, PolicyName="cross", PolicyDocument=allow("sts:AssumeRole"))
    assert error_of(sts.assume_role, RoleArn=own_arn, RoleSessionName="xa")[0] == "AccessDenied"


# ==== The AWS CLIs ====

@pytest.mark.parametrize("cli", CLIS)
def test_cli_assume_role(gureum, cli):
    user, key, secret = make_user(gureum)
    role, role_arn, _ = make_role(gureum, trust(user_arn(user)), policies=[S3_RO])
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    p = gureum.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "cli-session",
                   "--output", "json", cli=cli, env=env)
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    temp = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}
    p = gureum.aws("sts", "get-caller-identity", "--output", "json", cli=cli, env=temp)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Arn"] == assumed_arn(role, "cli-session")
    p = gureum.aws("s3", "ls", cli=cli, env=temp)
    assert p.returncode == 0, p.stderr
    p = gureum.aws("dynamodb", "list-tables", cli=cli, env=temp)
    assert p.returncode != 0 and "AccessDeniedException" in p.stderr
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env=dict(temp, AWS_SESSION_TOKEN=None))
    assert p.returncode != 0 and "InvalidClientTokenId" in p.stderr
    p = gureum.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "too-long",
                   "--duration-seconds", "7200", cli=cli, env=env)
    assert p.returncode != 0 and "MaxSessionDuration" in p.stderr
    p = gureum.aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "root", cli=cli)
    assert p.returncode != 0 and "Roles may not be assumed by root accounts." in p.stderr


@pytest.mark.parametrize("cli", CLIS)
def test_cli_session_token_and_expiry(gureum_factory, cli):
    # 8 s: long enough for a slow CLI start on a loaded machine to use them first.
    g = gureum_factory(env={"GUREUM_STS_MIN_DURATION": "8"})
    user, key, secret = make_user(g)
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    p = g.aws("sts", "get-session-token", "--duration-seconds", "900", "--output", "json", cli=cli, env=env)
    issued = time.time()
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    temp = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}
    p = g.aws("sts", "get-caller-identity", "--output", "json", cli=cli, env=temp)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Arn"] == user_arn(user)
    time.sleep(max(0.0, 8.5 - (time.time() - issued)))
    p = g.aws("sts", "get-caller-identity", cli=cli, env=temp)
    assert p.returncode != 0 and "ExpiredToken" in p.stderr


# ==== Managed session policies, session tags, external ids ====

def test_managed_session_policies(gureum):
    user, key, secret = make_user(gureum)
    _, role_arn, _ = make_role(gureum, trust(user_arn(user)), policies=[S3_RO, DDB_RO])
    sts = client_as(gureum, "sts", key, secret)
    out = sts.assume_role(RoleArn=role_arn, RoleSessionName="managed", PolicyArns=[{"arn": DDB_RO}])
    assert 0 < out["PackedPolicySize"] <= 100
    c = out["Credentials"]
    assert with_creds(gureum, "dynamodb", c).list_tables()["TableNames"] == []
    assert error_of(with_creds(gureum, "s3", c).list_buckets)[0] == "AccessDenied"
    # inline and managed session policies together allow what either allows
    c = sts.assume_role(RoleArn=role_arn, RoleSessionName="both", PolicyArns=[{"arn": DDB_RO}],
                        Policy=allow("s3:ListAllMyBuckets"))["Credentials"]
    assert with_creds(gureum, "dynamodb", c).list_tables()["TableNames"] == []
    assert with_creds(gureum, "s3", c).list_buckets()["Buckets"] == []
    assert error_of(with_creds(gureum, "ec2", c).describe_regions)[0] == "UnauthorizedOperation"
    # a customer managed policy of the role's account
    iam = gureum.client("iam")
    own = iam.create_policy(PolicyName=uniq("p"), PolicyDocument=allow("s3:ListAllMyBuckets"))["Policy"]["Arn"]
    c = sts.assume_role(RoleArn=role_arn, RoleSessionName="own", PolicyArns=[{"arn": own}])["Credentials"]
    assert with_creds(gureum, "s3", c).list_buckets()["Buckets"] == []
    assert error_of(with_creds(gureum, "dynamodb", c).list_tables)[0] == "AccessDeniedException"
    code, _, msg = error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="nope",
                            PolicyArns=[{"arn": "arn:aws:iam::%s:policy/no-such-policy" % ACCT}])
    assert code == "ValidationError" and "no-such-policy" in msg


def test_session_tags_need_tag_session(gureum):
    user, key, secret = make_user(gureum)
    _, plain_arn, _ = make_role(gureum, trust(user_arn(user)))
    tagging = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn(user)}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
    _, tag_arn, _ = make_role(gureum, tagging)
    sts = client_as(gureum, "sts", key, secret)
    tags = [{"Key": "team", "Value": "blue"}]
    code, _, msg = error_of(sts.assume_role, RoleArn=plain_arn, RoleSessionName="tagged", Tags=tags)
    assert code == "AccessDenied" and "sts:TagSession on resource: %s" % plain_arn in msg
    out = sts.assume_role(RoleArn=tag_arn, RoleSessionName="tagged", Tags=tags)
    assert 0 < out["PackedPolicySize"] <= 100


def test_external_id_condition(gureum):
    user, key, secret = make_user(gureum)
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn(user)}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "Unique-ID-42"}}}]})
    _, role_arn, _ = make_role(gureum, doc)
    sts = client_as(gureum, "sts", key, secret)
    assert error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="ext")[0] == "AccessDenied"
    assert error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="ext", ExternalId="wrong-id")[0] == \
        "AccessDenied"
    sts.assume_role(RoleArn=role_arn, RoleSessionName="ext", ExternalId="Unique-ID-42")


def test_get_access_key_info(gureum_factory):
    """Keys gureum issued (an IAM user's, a session's) name their account; a
    key it does not know is read as AWS encodes accounts in key ids."""
    g = gureum_factory(env={"GUREUM_ACCOUNT": "123456789012"})
    iam, sts = g.client("iam"), g.client("sts")
    iam.create_user(UserName="keyed")
    k = iam.create_access_key(UserName="keyed")["AccessKey"]
    assert sts.get_access_key_info(AccessKeyId=k["AccessKeyId"])["Account"] == "123456789012"
    s = g.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    iam.attach_user_policy(UserName="keyed", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    tmp = s.get_session_token()["Credentials"]
    assert sts.get_access_key_info(AccessKeyId=tmp["AccessKeyId"])["Account"] == "123456789012"
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"
