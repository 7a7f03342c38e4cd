"""IAM end to end: scenario A's first two steps (a user with AWS managed
policies attached by ARN, an access key, `aws configure` fed on standard
input, and `aws sts get-caller-identity` naming the user), AWS's refusals
(NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded,
MalformedPolicyDocument, ValidationError), pagination, policy versions,
the AWS managed policies, and everything surviving a restart."""
import json
import re
import sqlite3
import urllib.parse

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import CLIS

ACCOUNT = "000000000000"
AWS_POLICIES = [
    "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBReadOnlyAccess", "AmazonRDSFullAccess", "AmazonSNSFullAccess", "AmazonSQSFullAccess",
    "AWSLambda_FullAccess", "AWSLambdaBasicExecutionRole", "CloudWatchFullAccess", "CloudWatchLogsFullAccess",
    "ElasticLoadBalancingFullAccess", "AutoScalingFullAccess", "AmazonRoute53FullAccess", "CloudFrontFullAccess",
    "IAMReadOnlyAccess", "AmazonSNSReadOnlyAccess", "AmazonSQSReadOnlyAccess", "CloudWatchLogsReadOnlyAccess",
    "CloudWatchReadOnlyAccess", "AWSLambda_ReadOnlyAccess", "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaDynamoDBExecutionRole", "AWSLambdaRole",
]
SCENARIO_A_POLICIES = ["AmazonS3FullAccess", "AmazonEC2FullAccess", "AmazonDynamoDBFullAccess", "AmazonRDSFullAccess"]
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def iam(gureum, **kw):
    return gureum.client("iam", **kw)


def error_of(fn, *a, **kw):
    with pytest.raises(ClientError) as ei:
        fn(*a, **kw)
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def cli_json(gureum, cli, *args, env=None, input=None):
    p = gureum.aws(*args, cli=cli, env=env, input=input)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout) if p.stdout.strip() else {}


def user_env(home):
    """A client with no keys of its own: only what `aws configure` wrote into HOME."""
    return {"HOME": str(home), "AWS_CONFIG_FILE": None, "AWS_SHARED_CREDENTIALS_FILE": None,
            "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_DEFAULT_REGION": None}


# ==== Scenario A, steps 1 and 2 ====

@pytest.mark.parametrize("cli", CLIS)
def test_scenario_a_user_key_configure(gureum, cli, tmp_path):
    name = "dev-" + ("debian" if cli == "/usr/bin/aws" else "path")
    user = cli_json(gureum, cli, "iam", "create-user", "--user-name", name)["User"]
    assert user["Arn"] == "arn:aws:iam::%s:user/%s" % (ACCOUNT, name)
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user["UserId"])
    assert user["Path"] == "/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)", user["CreateDate"])
    for p in SCENARIO_A_POLICIES:
        cli_json(gureum, cli, "iam", "attach-user-policy", "--user-name", name,
                 "--policy-arn", "arn:aws:iam::aws:policy/" + p)
    attached = cli_json(gureum, cli, "iam", "list-attached-user-policies", "--user-name", name)["AttachedPolicies"]
    assert sorted(a["PolicyName"] for a in attached) == sorted(SCENARIO_A_POLICIES)
    assert all(a["PolicyArn"] == "arn:aws:iam::aws:policy/" + a["PolicyName"] for a in attached)

    key = cli_json(gureum, cli, "iam", "create-access-key", "--user-name", name)["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert re.fullmatch(r"[A-Za-z0-9/+]{40}", key["SecretAccessKey"])
    assert key["Status"] == "Active" and key["UserName"] == name

    # Step 2: `aws configure` answered on standard input, in a HOME of the user's own.
    home = tmp_path / "home"
    home.mkdir()
    answers = "%s\n%s\nap-northeast-2\njson\n" % (key["AccessKeyId"], key["SecretAccessKey"])
    p = gureum.aws("configure", cli=cli, env=user_env(home), input=answers)
    assert p.returncode == 0, p.stderr
    creds = (home / ".aws" / "credentials").read_text()
    assert key["AccessKeyId"] in creds and key["SecretAccessKey"] in creds
    assert "ap-northeast-2" in (home / ".aws" / "config").read_text()
    who = cli_json(gureum, cli, "sts", "get-caller-identity", env=user_env(home))
    assert who == {"UserId": user["UserId"], "Account": ACCOUNT, "Arn": user["Arn"]}
    # GetUser needs iam:GetUser even for oneself (none of the attached policies grants it) …
    p = gureum.aws("iam", "get-user", cli=cli, env=user_env(home))
    assert p.returncode != 0 and "AccessDenied" in p.stderr
    cli_json(gureum, cli, "iam", "put-user-policy", "--user-name", name, "--policy-name", "self",
             "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "iam:GetUser",
                  "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    # … and then, without a name, answers for the calling user.
    me = cli_json(gureum, cli, "iam", "get-user", env=user_env(home))["User"]
    assert me["UserName"] == name and me["UserId"] == user["UserId"]
    # The policy names only the caller's own user.
    p = gureum.aws("iam", "get-user", "--user-name", "someone-else", cli=cli, env=user_env(home))
    assert p.returncode != 0 and "AccessDenied" in p.stderr


def test_get_user_as_root(gureum):
    u = iam(gureum).get_user()["User"]
    assert u["Arn"] == "arn:aws:iam::%s:root" % ACCOUNT and u["UserId"] == ACCOUNT
    assert "UserName" not in u


# ==== Access keys ====

def test_access_keys_lifecycle(gureum):
    c = iam(gureum)
    c.create_user(UserName="keys")
    k1 = c.create_access_key(UserName="keys")["AccessKey"]
    k2 = c.create_access_key(UserName="keys")["AccessKey"]
    code, status, msg = error_of(c.create_access_key, UserName="keys")
    assert (code, status) == ("LimitExceeded", 409)
    assert msg == "Cannot exceed quota for AccessKeysPerUser: 2"
    listed = c.list_access_keys(UserName="keys")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([k1["AccessKeyId"], k2["AccessKeyId"]])
    assert all("SecretAccessKey" not in k for k in listed)

    sts = gureum.client("sts", aws_access_key_id=k1["AccessKeyId"], aws_secret_access_key=k1["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::%s:user/keys" % ACCOUNT
    bad = gureum.client("sts", aws_access_key_id=k1["AccessKeyId"], aws_secret_access_key="x" * 40)
    assert error_of(bad.get_caller_identity)[:2] == ("SignatureDoesNotMatch", 403)

    last = c.get_access_key_last_used(AccessKeyId=k1["AccessKeyId"])
    assert last["UserName"] == "keys"
    assert last["AccessKeyLastUsed"]["ServiceName"] == "N/A" and last["AccessKeyLastUsed"]["Region"] == "N/A"

    c.update_access_key(UserName="keys", AccessKeyId=k1["AccessKeyId"], Status="Inactive")
    assert {k["AccessKeyId"]: k["Status"] for k in c.list_access_keys(UserName="keys")["AccessKeyMetadata"]}[
        k1["AccessKeyId"]] == "Inactive"
    assert error_of(sts.get_caller_identity)[:2] == ("InvalidClientTokenId", 403)
    c.update_access_key(UserName="keys", AccessKeyId=k1["AccessKeyId"], Status="Active")
    assert sts.get_caller_identity()["Arn"].endswith(":user/keys")

    code, status, msg = error_of(c.delete_user, UserName="keys")
    assert (code, status) == ("DeleteConflict", 409)
    assert msg == "Cannot delete entity, must delete access keys first."
    for k in (k1, k2):
        c.delete_access_key(UserName="keys", AccessKeyId=k["AccessKeyId"])
    assert error_of(sts.get_caller_identity)[:2] == ("InvalidClientTokenId", 403)
    code, _, msg = error_of(c.delete_access_key, UserName="keys", AccessKeyId=k1["AccessKeyId"])
    assert code == "NoSuchEntity" and msg == "The Access Key with id %s cannot be found." % k1["AccessKeyId"]
    c.delete_user(UserName="keys")


# ==== Refusals ====

def test_root_access_keys(gureum_factory):
    """AWS: CreateAccessKey without a UserName, called by the root user, makes
    a root access key; it signs as the root user and is managed the same way.
    A role session must name the user."""
    g = gureum_factory()
    c = iam(g)
    k = c.create_access_key()["AccessKey"]
    assert "UserName" not in k and k["Status"] == "Active" and re.fullmatch(r"AKIA[A-Z2-7]{16}", k["AccessKeyId"])
    assert [m["AccessKeyId"] for m in c.list_access_keys()["AccessKeyMetadata"]] == [k["AccessKeyId"]]
    sts = g.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::%s:root" % ACCOUNT
    as_root = iam(g, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    as_root.create_user(UserName="made-by-root-key")
    assert c.list_users()["Users"][0]["UserName"] == "made-by-root-key"
    c.update_access_key(AccessKeyId=k["AccessKeyId"], Status="Inactive")
    assert error_of(sts.get_caller_identity)[0] == "InvalidClientTokenId"
    c.delete_access_key(AccessKeyId=k["AccessKeyId"])
    assert c.list_access_keys()["AccessKeyMetadata"] == []
    assert error_of(c.delete_access_key, AccessKeyId=k["AccessKeyId"])[:2] == ("NoSuchEntity", 404)
    c.create_role(RoleName="keyless", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/made-by-root-key" % ACCOUNT},
         "Action": "sts:AssumeRole"}]}))
    c.attach_role_policy(RoleName="keyless", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    c.attach_user_policy(UserName="made-by-root-key", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    uk = c.create_access_key(UserName="made-by-root-key")["AccessKey"]
    creds = g.client("sts", aws_access_key_id=uk["AccessKeyId"], aws_secret_access_key=uk["SecretAccessKey"]) \
        .assume_role(RoleArn="arn:aws:iam::%s:role/keyless" % ACCOUNT, RoleSessionName="ss")["Credentials"]
    as_role = iam(g, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])
    for call in (as_role.create_access_key, as_role.list_access_keys, as_role.get_user):
        assert error_of(call) == ("ValidationError", 400, "Must specify userName when calling with non-User credentials")


def test_account_password_policy(gureum_factory):
    """AWS: the account password policy is read back with AWS's defaults for
    what the update left out, login profiles' passwords must satisfy it
    (PasswordPolicyViolation), and they are not kept as written."""
    g = gureum_factory()
    c = iam(g)
    assert error_of(c.get_account_password_policy) == \
        ("NoSuchEntity", 404, "The Password Policy with domain name %s cannot be found." % ACCOUNT)
    c.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True,
                                     RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                     AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=5)
    assert c.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 12, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True,
        "ExpirePasswords": True, "MaxPasswordAge": 90, "PasswordReusePrevention": 5}
    c.create_user(UserName="console")
    refused = ("PasswordPolicyViolation", 400, "Password does not conform to the account password policy.")
    for weak in ("Sh0rt!pass", "no-upper-case-1", "NO-LOWER-CASE-1", "No-digits-at-all", "NoSymbols123456"):
        assert error_of(c.create_login_profile, UserName="console", Password=weak) == refused, weak
    c.create_login_profile(UserName="console", Password="Str0ng-enough-pass")
    assert error_of(c.update_login_profile, UserName="console", Password="weakweakweakweak") == refused
    c.update_login_profile(UserName="console", Password="An0ther-str0ng-one")
    c.update_account_password_policy()  # everything back to AWS's defaults
    assert c.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6, "RequireSymbols": False, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False, "ExpirePasswords": False}
    c.delete_account_password_policy()
    assert error_of(c.delete_account_password_policy)[:2] == ("NoSuchEntity", 404)
    c.update_login_profile(UserName="console", Password="weakweakweakweak")
    db = sqlite3.connect(g.data_dir + "/meta/iam.db")
    stored = db.execute("SELECT password FROM iam_login_profile").fetchall()
    db.close()
    assert len(stored) == 1 and stored[0][0].startswith("pbkdf2-sha256$") and "weak" not in stored[0][0]


def test_change_password_and_reuse_prevention(gureum_factory):
    """An IAM user changes its own password with the old one: allowed for
    every user by the policy's AllowUsersToChangePassword, else only with
    iam:ChangePassword; the new one must satisfy the policy and, with
    PasswordReusePrevention N, differ from the user's last N."""
    g = gureum_factory()
    c = iam(g)
    c.create_user(UserName="pw-user")
    c.create_login_profile(UserName="pw-user", Password="First-pass-1", PasswordResetRequired=True)
    key = c.create_access_key(UserName="pw-user")["AccessKey"]
    me = iam(g, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    # no password policy and no permission: refused
    assert error_of(me.change_password, OldPassword="First-pass-1", NewPassword="Second-pass-2")[:2] == \
        ("AccessDenied", 403)
    c.update_account_password_policy(AllowUsersToChangePassword=True, PasswordReusePrevention=2,
                                     MinimumPasswordLength=8)
    assert error_of(me.change_password, OldPassword="wrong-old-1", NewPassword="Second-pass-2") == \
        ("AccessDenied", 403, "The old password is incorrect.")
    refused = ("PasswordPolicyViolation", 400, "Password does not conform to the account password policy.")
    assert error_of(me.change_password, OldPassword="First-pass-1", NewPassword="short") == refused
    me.change_password(OldPassword="First-pass-1", NewPassword="Second-pass-2")
    assert c.get_login_profile(UserName="pw-user")["LoginProfile"]["PasswordResetRequired"] is False
    # the last two passwords may not come back; the third-last may
    assert error_of(me.change_password, OldPassword="Second-pass-2", NewPassword="First-pass-1") == refused
    me.change_password(OldPassword="Second-pass-2", NewPassword="Third-pass-3")
    assert error_of(c.update_login_profile, UserName="pw-user", Password="Second-pass-2") == refused
    c.update_login_profile(UserName="pw-user", Password="First-pass-1")
    # root is no IAM user
    assert error_of(c.change_password, OldPassword="x", NewPassword="Another-pass-4")[0] == "InvalidUserType"
    # without AllowUsersToChangePassword, iam:ChangePassword on oneself does it
    c.update_account_password_policy(MinimumPasswordLength=8)
    assert error_of(me.change_password, OldPassword="First-pass-1", NewPassword="Fourth-pass-4")[0] == "AccessDenied"
    c.put_user_policy(UserName="pw-user", PolicyName="own-password", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ChangePassword",
                                                "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    me.change_password(OldPassword="First-pass-1", NewPassword="Fourth-pass-4")


def test_policy_simulator(gureum):
    """SimulateCustomPolicy and SimulatePrincipalPolicy decide with the
    evaluator that authorizes requests: explicit denies win, conditions read
    the context entries given, and a principal's groups and permissions
    boundary count."""
    c = iam(gureum)
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret*"}]})
    got = c.simulate_custom_policy(PolicyInputList=[doc], ActionNames=["s3:GetObject", "s3:PutObject"],
                                   ResourceArns=["arn:aws:s3:::b/x", "arn:aws:s3:::b/secret1"])["EvaluationResults"]
    assert [(e["EvalActionName"], e["EvalResourceName"], e["EvalDecision"]) for e in got] == [
        ("s3:GetObject", "arn:aws:s3:::b/x", "allowed"), ("s3:GetObject", "arn:aws:s3:::b/secret1", "explicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::b/x", "implicitDeny"), ("s3:PutObject", "arn:aws:s3:::b/secret1", "implicitDeny")]
    regional = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]})
    for region, want in (("eu-west-1", "allowed"), ("us-east-1", "implicitDeny")):
        got = c.simulate_custom_policy(PolicyInputList=[regional], ActionNames=["ec2:RunInstances"], ContextEntries=[
            {"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": [region], "ContextKeyType": "string"}])
        assert got["EvaluationResults"][0]["EvalDecision"] == want
    assert error_of(c.simulate_custom_policy, PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])[:2] == \
        ("InvalidInput", 400)

    c.create_user(UserName="simulated")
    c.create_group(GroupName="readers")
    c.add_user_to_group(GroupName="readers", UserName="simulated")
    c.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    arn = c.get_user(UserName="simulated")["User"]["Arn"]
    got = c.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject", "s3:PutObject"])
    assert [e["EvalDecision"] for e in got["EvaluationResults"]] == ["allowed", "implicitDeny"]
    c.put_user_permissions_boundary(UserName="simulated",
                                    PermissionsBoundary="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    got = c.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject"])
    assert got["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert error_of(c.simulate_principal_policy, PolicySourceArn="arn:aws:iam::%s:user/nobody" % ACCOUNT,
                    ActionNames=["s3:GetObject"]) == ("NoSuchEntity", 404, "The user with name nobody cannot be found.")


def test_credential_report(gureum_factory):
    """The report is a CSV of AWS's columns, root first, with each user's
    password and access keys as they were when it was generated; AWS keeps
    a report four hours, so generating again at once answers COMPLETE."""
    import csv
    import io
    c = iam(gureum_factory())
    assert error_of(c.get_credential_report) == \
        ("ReportNotPresent", 410,
         "The credential report does not exist. Use GenerateCredentialReport to create a new report.")
    c.create_user(UserName="alice")
    c.create_login_profile(UserName="alice", Password="Passw0rd!x")
    c.create_access_key(UserName="alice")
    c.create_user(UserName="bob", Path="/ops/")
    assert c.generate_credential_report()["State"] == "STARTED"
    assert c.generate_credential_report()["State"] == "COMPLETE"
    got = c.get_credential_report()
    assert got["ReportFormat"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(got["Content"].decode())))
    assert [r["user"] for r in rows] == ["<root_account>", "alice", "bob"]
    assert rows[0]["arn"] == "arn:aws:iam::%s:root" % ACCOUNT and rows[0]["password_enabled"] == "not_supported"
    alice, bob = rows[1], rows[2]
    assert alice["arn"] == "arn:aws:iam::%s:user/alice" % ACCOUNT and alice["password_enabled"] == "true"
    assert alice["access_key_1_active"] == "true" and alice["access_key_1_last_rotated"].endswith("+00:00")
    assert alice["access_key_2_active"] == "false" and alice["access_key_2_last_rotated"] == "N/A"
    assert bob["arn"] == "arn:aws:iam::%s:user/ops/bob" % ACCOUNT and bob["password_enabled"] == "false"
    assert bob["password_last_changed"] == "N/A" and bob["access_key_1_active"] == "false"


def test_user_errors(gureum):
    c = iam(gureum)
    code, status, msg = error_of(c.get_user, UserName="nobody")
    assert (code, status, msg) == ("NoSuchEntity", 404, "The user with name nobody cannot be found.")
    c.create_user(UserName="dup")
    code, status, msg = error_of(c.create_user, UserName="dup")
    assert (code, status, msg) == ("EntityAlreadyExists", 409, "User with name dup already exists.")
    # names are unique without regard to case
    assert error_of(c.create_user, UserName="DUP")[0] == "EntityAlreadyExists"
    code, status, msg = error_of(c.attach_user_policy, UserName="dup",
                                 PolicyArn="arn:aws:iam::aws:policy/NoSuchManagedPolicy")
    assert (code, status) == ("NoSuchEntity", 404)
    assert msg == "Policy arn:aws:iam::aws:policy/NoSuchManagedPolicy does not exist or is not attachable."
    raw = iam(gureum, config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
    code, status, _ = error_of(raw.create_user, UserName="x" * 65)
    assert (code, status) == ("ValidationError", 400)
    code, status, _ = error_of(raw.create_user)
    assert (code, status) == ("ValidationError", 400)
    code, status, msg = error_of(c.create_user, UserName="a b")
    assert (code, status) == ("ValidationError", 400)
    assert msg == ("1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: "
                   "Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    code, status, msg = error_of(c.create_user, UserName="p", Path="noslash")
    assert (code, status) == ("ValidationError", 400) and "at 'path'" in msg
    c.put_user_policy(UserName="dup", PolicyName="inline", PolicyDocument=json.dumps(DOC))
    code, _, msg = error_of(c.delete_user, UserName="dup")
    assert code == "DeleteConflict" and msg == "Cannot delete entity, must delete policies first."
    c.delete_user_policy(UserName="dup", PolicyName="inline")
    c.delete_user(UserName="dup")
    assert error_of(c.delete_user, UserName="dup")[0] == "NoSuchEntity"


@pytest.mark.parametrize("doc", ["not json", "{}", '{"Version": "2012-10-17", "Statement": []}',
                                 '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*",'
                                 ' "Resource": "*"}]}'])
def test_malformed_policy_document(gureum, doc):
    code, status, _ = error_of(iam(gureum).create_policy, PolicyName="bad", PolicyDocument=doc)
    assert (code, status) == ("MalformedPolicyDocument", 400)


def _stmt(**kw):
    return {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
                                                   "Resource": "arn:aws:s3:::b", **kw}}


IAM_PATH_MSG = ('IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, '
                'instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, '
                'oidc-provider/, report/, access-report/.')


# AWS reports the first failing stage of IAM's validation: syntax, a managed policy's version,
# legacy parsing, SID uniqueness, actions, resource format, action vendors, resources.
@pytest.mark.parametrize("doc,msg", [
    ({"Statement": {"Effect": "denY", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}},
     "Policy document must be version 2012-10-17 or greater."),
    ({**_stmt(), "Version": "2008-10-17"}, "Policy document must be version 2012-10-17 or greater."),
    ({**_stmt(), "Version": "2013-10-17"}, "Syntax errors in policy."),
    (_stmt(Effect="invalid"), "Syntax errors in policy."),
    (_stmt(Effect="aLLow"), "The policy failed legacy parsing"),
    (_stmt(Condition={"x": {"a": "1"}}), "Syntax errors in policy."),
    (_stmt(Condition={"DateGreaterThan": {"a": "sdfdsf"}}), "The policy failed legacy parsing"),
    (_stmt(Condition={"DateLessThan": {"a": "9223372036854775808"}}), "The policy failed legacy parsing"),
    (_stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}),
     "The policy failed legacy parsing"),
    (_stmt(Resource="arn:aws:s3::b"), "The policy failed legacy parsing"),
    (_stmt(Resource="aws:s3:::b"), 'Partition "s3" is not valid for resource "arn:s3:::b:*".'),
    (_stmt(Resource="a:bsdf"), 'Partition "bsdf" is not valid for resource "arn:bsdf:*:*:*:*".'),
    (_stmt(Resource="arn:aws"), "Resource vendor must be fully qualified and cannot contain regexes."),
    (_stmt(Resource="sdfsadf", Action="s:3:ListBucket"), 'Resource sdfsadf must be in ARN format or "*".'),
    (_stmt(Resource="arn:aws:iam:::b"), IAM_PATH_MSG),
    (_stmt(Resource="arn:aws:iam:us-east-1::user/b"),
     "IAM resource arn:aws:iam:us-east-1::user/b cannot contain region information."),
    (_stmt(Resource="arn:aws:s3:us-east-1::b"), "Resource arn:aws:s3:us-east-1::b can not contain region information."),
    ({"Version": "2012-10-17", "Statement": [{**_stmt()["Statement"], "Sid": "s"}, {"Sid": "s", "Effect": "Allow"}]},
     "Statement IDs (SID) in a single policy must be unique."),
    (_stmt(Action="s:3:ListBucket"), "Actions/Condition can contain only one colon."),
    (_stmt(Action="s3_x:ListBucket"), "Vendor s3_x is not valid"),
])
def test_policy_validation_stages(gureum, doc, msg):
    code, status, got = error_of(iam(gureum).create_policy, PolicyName="bad", PolicyDocument=json.dumps(doc))
    assert (code, status, got) == ("MalformedPolicyDocument", 400, msg)


def test_policy_documents_iam_accepts(gureum):
    """What AWS IAM takes though it looks odd: a condition key without a vendor (it never matches),
    an empty value list, an unknown operator with nothing under it, a dotted vendor, a null
    resource; an inline policy may still use Version 2008-10-17."""
    c = iam(gureum)
    for i, doc in enumerate([
        _stmt(Condition={"DateGreaterThan": {"a": []}}),
        _stmt(Condition={"x": {}, "y": {}}),
        _stmt(Condition={"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}),
        _stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}}),
        _stmt(Condition={"DateLessThan": {"a": "-292275054"}}),
        _stmt(Action="s3.s:ListBucket"),
        _stmt(Resource=["arn:aws:s3:::b", None]),
        _stmt(Resource="arn:aws:s3:us-west-2:123456789012:accesspoint/ap"),
    ]):
        c.create_policy(PolicyName=f"accepted{i}", PolicyDocument=json.dumps(doc))
    c.create_user(UserName="legacy-doc")
    c.put_user_policy(UserName="legacy-doc", PolicyName="old", PolicyDocument=json.dumps({**_stmt(), "Version": "2008-10-17"}))
    # AWS: a Sid is [0-9A-Za-z]* in an IAM policy
    code, _, msg = error_of(c.create_policy, PolicyName="sid",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": {**_stmt()["Statement"],
                                                                                              "Sid": "a_b"}}))
    assert code == "MalformedPolicyDocument" and msg.startswith("Statement IDs (SID) must be alpha-numeric.")


def test_condition_key_without_vendor_never_matches(gureum):
    """A user whose only Allow has a condition on key "a" (which no request carries) is refused."""
    c = iam(gureum)
    c.create_user(UserName="novendor")
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                                                  "Condition": {"StringEquals": {"a": "x"}}}}
    c.put_user_policy(UserName="novendor", PolicyName="p", PolicyDocument=json.dumps(doc))
    k = c.create_access_key(UserName="novendor")["AccessKey"]
    u = iam(gureum, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    assert error_of(u.list_users)[0] == "AccessDenied"
    doc["Statement"]["Condition"] = {"StringNotEquals": {"a": []}}  # matches none of no values: true
    c.put_user_policy(UserName="novendor", PolicyName="p", PolicyDocument=json.dumps(doc))
    u.list_users()


def test_tag_rules(gureum):
    """AWS IAM: tag keys are case-insensitive, so one request may not name a key twice
    (InvalidInput); keys and values match [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]; a refused
    Create* creates nothing."""
    c = iam(gureum)
    dup = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    for tags in ([{"Key": "k", "Value": ""}, {"Key": "k", "Value": ""}], [{"Key": "a", "Value": ""}, {"Key": "A", "Value": ""}]):
        assert error_of(c.create_policy, PolicyName="tagdup", PolicyDocument=json.dumps(DOC), Tags=tags) == \
            ("InvalidInput", 400, dup)
        assert error_of(c.create_user, UserName="tagdup", Tags=tags) == ("InvalidInput", 400, dup)
    assert error_of(c.get_user, UserName="tagdup")[0] == "NoSuchEntity"
    assert not [p for p in c.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == "tagdup"]
    code, status, msg = error_of(c.create_role, RoleName="tagbad", AssumeRolePolicyDocument=json.dumps(TRUST),
                                 Tags=[{"Key": "ok", "Value": "v"}, {"Key": "NOWAY!", "Value": ""}])
    assert (code, status, msg) == ("ValidationError", 400, "1 validation error detected: Value 'NOWAY!' at "
                                   "'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular "
                                   "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")
    c.create_instance_profile(InstanceProfileName="tagrules-ip")
    code, _, msg = error_of(c.tag_instance_profile, InstanceProfileName="tagrules-ip",
                            Tags=[{"Key": "k", "Value": "no!"}])
    assert code == "ValidationError" and "at 'tags.1.member.value'" in msg
    c.tag_instance_profile(InstanceProfileName="tagrules-ip", Tags=[{"Key": "Team é", "Value": "a b:c/d"}])
    # AWS: GetInstanceProfile names the profile's tags
    assert c.get_instance_profile(InstanceProfileName="tagrules-ip")["InstanceProfile"]["Tags"] == \
        [{"Key": "Team é", "Value": "a b:c/d"}]


def test_policy_attributes_per_operation(gureum):
    """AWS (aws_verified in moto's test_iam_response_attributes.py): CreatePolicy leaves out the
    Description and names Tags only when it set some; GetPolicy has the Description and always
    Tags; ListPolicies neither."""
    c = iam(gureum)
    p = c.create_policy(PolicyName="attrs", PolicyDocument=json.dumps(DOC), Description="d")["Policy"]
    assert "Description" not in p and "Tags" not in p
    got = c.get_policy(PolicyArn=p["Arn"])["Policy"]
    assert got["Description"] == "d" and got["Tags"] == []
    p = c.create_policy(PolicyName="attrs2", PolicyDocument=json.dumps(DOC), Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    assert p["Tags"] == [{"Key": "k", "Value": "v"}] and "Description" not in c.get_policy(PolicyArn=p["Arn"])["Policy"]
    listed = [x for x in c.list_policies(Scope="Local")["Policies"] if x["PolicyName"].startswith("attrs")]
    assert len(listed) == 2 and all("Tags" not in x and "Description" not in x for x in listed)


def _self_signed(tmp_path, name):
    """A PEM certificate and its private key (openssl, as a user makes one)."""
    import subprocess
    key, crt = tmp_path / f"{name}.key", tmp_path / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "30", "-subj", f"/CN={name}.example.com"], check=True, capture_output=True)
    return crt.read_text(), key.read_text()


def test_signing_certificates(gureum_factory, tmp_path):
    """AWS (aws_verified in moto): a user's X.509 signing certificates, two at most; what is not a PEM
    certificate is MalformedCertificate; they show in the credential report and block DeleteUser."""
    import csv
    import io
    c = iam(gureum_factory())
    c.create_user(UserName="signer")
    (one, _), (two, _), (three, _) = (_self_signed(tmp_path, n) for n in ("one", "two", "three"))
    cert = c.upload_signing_certificate(UserName="signer", CertificateBody=one)["Certificate"]
    assert (cert["UserName"], cert["Status"], cert["CertificateBody"]) == ("signer", "Active", one)
    assert re.fullmatch(r"[A-Z0-9]{32}", cert["CertificateId"])
    c.update_signing_certificate(UserName="signer", CertificateId=cert["CertificateId"], Status="Inactive")
    c.upload_signing_certificate(UserName="signer", CertificateBody=two)
    assert error_of(c.upload_signing_certificate, UserName="signer", CertificateBody=three) == \
        ("LimitExceeded", 409, "Cannot exceed quota for CertificatesPerUser: 2")
    listed = c.list_signing_certificates(UserName="signer")["Certificates"]
    assert [(x["CertificateBody"], x["Status"]) for x in listed] == [(one, "Inactive"), (two, "Active")]
    assert error_of(c.upload_signing_certificate, UserName="nobody", CertificateBody=three) == \
        ("NoSuchEntity", 404, "The user with name nobody cannot be found.")
    code, status, _ = error_of(c.upload_signing_certificate, UserName="signer", CertificateBody="notacert")
    assert (code, status) == ("MalformedCertificate", 400)
    assert error_of(c.update_signing_certificate, UserName="signer", CertificateId="x" * 32, Status="Active") == \
        ("NoSuchEntity", 404, "The Certificate with id %s cannot be found." % ("x" * 32))
    c.generate_credential_report()
    row = [r for r in csv.DictReader(io.StringIO(c.get_credential_report()["Content"].decode()))
           if r["user"] == "signer"][0]
    assert (row["cert_1_active"], row["cert_2_active"]) == ("false", "true")
    assert row["cert_1_last_rotated"].endswith("+00:00")
    assert error_of(c.delete_user, UserName="signer")[0] == "DeleteConflict"
    for x in listed:
        c.delete_signing_certificate(UserName="signer", CertificateId=x["CertificateId"])
    c.delete_user(UserName="signer")


def test_server_certificates(gureum, tmp_path):
    """UploadServerCertificate keeps a PEM certificate whose private key belongs to it; the metadata
    carries the certificate's own expiry; AWS's NoSuchEntity and MalformedCertificate texts."""
    import datetime
    c = iam(gureum)
    crt, key = _self_signed(tmp_path, "web")
    _, other_key = _self_signed(tmp_path, "other")
    code, _, msg = error_of(c.upload_server_certificate, ServerCertificateName="bad", CertificateBody="certbody",
                            PrivateKey=key)
    assert (code, msg) == ("MalformedCertificate",
                           "Unable to parse certificate. Please ensure the certificate is in PEM format.")
    assert error_of(c.upload_server_certificate, ServerCertificateName="bad", CertificateBody=crt,
                    PrivateKey=other_key)[0] == "MalformedCertificate"
    meta = c.upload_server_certificate(ServerCertificateName="web", Path="/lb/", CertificateBody=crt, PrivateKey=key,
                                       CertificateChain=crt)["ServerCertificateMetadata"]
    assert meta["Arn"] == "arn:aws:iam::%s:server-certificate/lb/web" % ACCOUNT
    assert meta["ServerCertificateId"].startswith("ASCA")
    left = meta["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=29) < left <= datetime.timedelta(days=30)
    assert error_of(c.upload_server_certificate, ServerCertificateName="WEB", CertificateBody=crt,
                    PrivateKey=key)[0] == "EntityAlreadyExists"
    got = c.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got["CertificateBody"] == crt and got["CertificateChain"] == crt and "Tags" not in got
    assert [m["ServerCertificateName"] for m in c.list_server_certificates(PathPrefix="/lb/")
            ["ServerCertificateMetadataList"]] == ["web"]
    c.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="web2", NewPath="/")
    assert c.get_server_certificate(ServerCertificateName="web2")["ServerCertificate"][
        "ServerCertificateMetadata"]["Path"] == "/"
    assert c.get_account_summary()["SummaryMap"]["ServerCertificates"] == 1
    c.delete_server_certificate(ServerCertificateName="web2")
    for op in (c.get_server_certificate, c.delete_server_certificate):
        assert error_of(op, ServerCertificateName="web2") == \
            ("NoSuchEntity", 404, "The Server Certificate with name web2 cannot be found.")


def test_delete_conflicts(gureum):
    c = iam(gureum)
    c.create_user(UserName="dc")
    c.create_group(GroupName="dcg")
    c.add_user_to_group(GroupName="dcg", UserName="dc")
    assert error_of(c.delete_user, UserName="dc")[0] == "DeleteConflict"
    assert error_of(c.delete_group, GroupName="dcg")[0] == "DeleteConflict"
    c.remove_user_from_group(GroupName="dcg", UserName="dc")
    c.attach_user_policy(UserName="dc", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    code, _, msg = error_of(c.delete_user, UserName="dc")
    assert code == "DeleteConflict" and msg == "Cannot delete entity, must detach all policies first."
    c.detach_user_policy(UserName="dc", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    c.create_login_profile(UserName="dc", Password="Secret-123456")
    assert error_of(c.create_login_profile, UserName="dc", Password="x")[0] == "EntityAlreadyExists"
    assert c.get_login_profile(UserName="dc")["LoginProfile"]["UserName"] == "dc"
    assert error_of(c.delete_user, UserName="dc")[0] == "DeleteConflict"
    c.delete_login_profile(UserName="dc")
    assert error_of(c.get_login_profile, UserName="dc")[0] == "NoSuchEntity"
    c.delete_user(UserName="dc")
    c.delete_group(GroupName="dcg")


# ==== Pagination ====

def test_list_users_pagination(gureum):
    c = iam(gureum)
    names = ["pg%02d" % i for i in range(7)]
    for n in names:
        c.create_user(UserName=n, Path="/paged/")
    seen, marker = [], None
    while True:
        kw = {"PathPrefix": "/paged/", "MaxItems": 3}
        if marker:
            kw["Marker"] = marker
        page = c.list_users(**kw)
        assert len(page["Users"]) <= 3
        seen += [u["UserName"] for u in page["Users"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert seen == names
    got = [u["UserName"] for p in c.get_paginator("list_users").paginate(PathPrefix="/paged/",
                                                                          PaginationConfig={"PageSize": 2})
           for u in p["Users"]]
    assert got == names
    assert all(u["Arn"] == "arn:aws:iam::%s:user/paged/%s" % (ACCOUNT, u["UserName"])
               for u in c.list_users(PathPrefix="/paged/")["Users"])
    for n in names:
        c.delete_user(UserName=n)


# ==== Customer managed policies and versions ====

def test_policy_versions(gureum):
    c = iam(gureum)
    p = c.create_policy(PolicyName="versioned", Path="/team/", PolicyDocument=json.dumps(DOC),
                        Description="five at most")["Policy"]
    arn = "arn:aws:iam::%s:policy/team/versioned" % ACCOUNT
    assert p["Arn"] == arn and p["DefaultVersionId"] == "v1" and re.fullmatch(r"ANPA[A-Z2-7]{17}", p["PolicyId"])
    assert error_of(c.create_policy, PolicyName="versioned", PolicyDocument=json.dumps(DOC))[0] == \
        "EntityAlreadyExists"
    for i in range(2, 6):
        v = c.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC), SetAsDefault=(i == 3))
        assert v["PolicyVersion"]["VersionId"] == "v%d" % i
    code, status, msg = error_of(c.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(DOC))
    assert (code, status) == ("LimitExceeded", 409)
    assert msg.startswith("A managed policy can have up to 5 versions.")
    assert c.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    versions = c.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v3"]
    code, _, msg = error_of(c.delete_policy_version, PolicyArn=arn, VersionId="v3")
    assert code == "DeleteConflict" and msg == "Cannot delete the default version of a policy."
    c.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    got = c.get_policy_version(PolicyArn=arn, VersionId="v5")["PolicyVersion"]
    assert got["Document"] == DOC and got["IsDefaultVersion"]
    assert error_of(c.get_policy_version, PolicyArn=arn, VersionId="v9")[0] == "NoSuchEntity"
    c.delete_policy_version(PolicyArn=arn, VersionId="v1")
    c.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOC))  # room again: v6
    c.create_user(UserName="pv")
    c.attach_user_policy(UserName="pv", PolicyArn=arn)
    assert c.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    ents = c.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in ents["PolicyUsers"]] == ["pv"] and ents["PolicyRoles"] == []
    assert error_of(c.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    c.detach_user_policy(UserName="pv", PolicyArn=arn)
    assert error_of(c.detach_user_policy, UserName="pv", PolicyArn=arn)[0] == "NoSuchEntity"
    assert error_of(c.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"  # versions besides the default
    for v in c.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not v["IsDefaultVersion"]:
            c.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
    c.delete_policy(PolicyArn=arn)
    code, _, msg = error_of(c.get_policy, PolicyArn=arn)
    assert code == "NoSuchEntity" and msg == "Policy %s was not found." % arn
    c.delete_user(UserName="pv")


def test_policy_document_is_url_encoded_on_the_wire(gureum):
    """AWS answers documents percent-encoded; botocore decodes them. Check the raw XML."""
    c = iam(gureum)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a b"}]}
    c.create_user(UserName="enc")
    c.put_user_policy(UserName="enc", PolicyName="p", PolicyDocument=json.dumps(doc))
    raw = {}
    c.meta.events.register("after-call.iam.GetUserPolicy", lambda http_response, **kw: raw.update(b=http_response.text))
    assert c.get_user_policy(UserName="enc", PolicyName="p")["PolicyDocument"] == doc
    m = re.search(r"<PolicyDocument>(.*)</PolicyDocument>", raw["b"])
    assert m and "{" not in m.group(1) and json.loads(urllib.parse.unquote(m.group(1))) == doc
    c.delete_user_policy(UserName="enc", PolicyName="p")
    c.delete_user(UserName="enc")


# ==== AWS managed policies ====

@pytest.mark.parametrize("cli", CLIS)
def test_aws_managed_policies_listed(gureum, cli):
    out = cli_json(gureum, cli, "iam", "list-policies", "--scope", "AWS")
    names = {p["PolicyName"]: p for p in out["Policies"]}
    assert set(AWS_POLICIES) <= set(names)
    for p in names.values():
        assert re.fullmatch(r"ANPA[A-Z0-9]{17}", p["PolicyId"])
        assert p["Arn"] == "arn:aws:iam::aws:policy%s%s" % (p["Path"], p["PolicyName"])
        assert p["IsAttachable"] and re.fullmatch(r"v\d+", p["DefaultVersionId"])
    assert names["AWSLambdaBasicExecutionRole"]["Path"] == "/service-role/"
    assert names["AdministratorAccess"]["PolicyId"] == "ANPAIWMBCKSKIEE64ZLYK"
    local = cli_json(gureum, cli, "iam", "list-policies", "--scope", "Local")["Policies"]
    assert all(not p["Arn"].startswith("arn:aws:iam::aws:") for p in local)


def test_aws_managed_policy_documents(gureum):
    c = iam(gureum)
    admin = c.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")["Policy"]
    assert admin["Description"] == "Provides full access to AWS services and resources."
    doc = c.get_policy_version(PolicyArn=admin["Arn"], VersionId=admin["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert doc["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}] or \
        doc["Statement"][0] == {"Action": "*", "Resource": "*", "Effect": "Allow"}
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    p = c.get_policy(PolicyArn=arn)["Policy"]
    doc = c.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert sorted(doc["Statement"][0]["Action"]) == ["logs:CreateLogGroup", "logs:CreateLogStream",
                                                     "logs:PutLogEvents"]
    s3 = c.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")["Policy"]
    doc = c.get_policy_version(PolicyArn=s3["Arn"], VersionId=s3["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert "s3:*" in json.dumps(doc)
    assert error_of(c.get_policy, PolicyArn="arn:aws:iam::aws:policy/Nope")[0] == "NoSuchEntity"
    assert error_of(c.delete_policy, PolicyArn=s3["Arn"])[1] in (400, 403)
    # attachable to groups and roles too, and listed as attached
    c.create_group(GroupName="mg")
    c.attach_group_policy(GroupName="mg", PolicyArn=arn)
    attached = c.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert "AWSLambdaBasicExecutionRole" in [x["PolicyName"] for x in attached]
    c.detach_group_policy(GroupName="mg", PolicyArn=arn)
    c.delete_group(GroupName="mg")


# ==== Groups, roles, instance profiles, inline policies, tags, aliases ====

def test_groups_and_membership(gureum):
    c = iam(gureum)
    g = c.create_group(GroupName="devs", Path="/eng/")["Group"]
    assert re.fullmatch(r"AGPA[A-Z2-7]{17}", g["GroupId"]) and g["Arn"] == "arn:aws:iam::%s:group/eng/devs" % ACCOUNT
    assert error_of(c.create_group, GroupName="devs")[:2] == ("EntityAlreadyExists", 409)
    c.create_user(UserName="gm")
    c.add_user_to_group(GroupName="devs", UserName="gm")
    got = c.get_group(GroupName="devs")
    assert got["Group"]["GroupName"] == "devs" and [u["UserName"] for u in got["Users"]] == ["gm"]
    assert [x["GroupName"] for x in c.list_groups_for_user(UserName="gm")["Groups"]] == ["devs"]
    c.put_group_policy(GroupName="devs", PolicyName="gp", PolicyDocument=json.dumps(DOC))
    assert c.list_group_policies(GroupName="devs")["PolicyNames"] == ["gp"]
    assert c.get_group_policy(GroupName="devs", PolicyName="gp")["PolicyDocument"] == DOC
    code, _, msg = error_of(c.get_group_policy, GroupName="devs", PolicyName="none")
    assert code == "NoSuchEntity" and msg == "The group policy with name none cannot be found."
    assert error_of(c.add_user_to_group, GroupName="nogroup", UserName="gm")[2] == \
        "The group with name nogroup cannot be found."
    c.delete_group_policy(GroupName="devs", PolicyName="gp")
    c.remove_user_from_group(GroupName="devs", UserName="gm")
    c.delete_group(GroupName="devs")
    c.delete_user(UserName="gm")


def test_update_group_renames_and_moves(gureum):
    c = iam(gureum)
    c.create_group(GroupName="before", Path="/a/")
    c.create_user(UserName="member")
    c.add_user_to_group(GroupName="before", UserName="member")
    c.put_group_policy(GroupName="before", PolicyName="gp", PolicyDocument=json.dumps(DOC))
    c.attach_group_policy(GroupName="before", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    gid = c.get_group(GroupName="before")["Group"]["GroupId"]
    c.update_group(GroupName="before", NewGroupName="after", NewPath="/b/")
    got = c.get_group(GroupName="after")
    assert got["Group"]["GroupId"] == gid and got["Group"]["Arn"] == "arn:aws:iam::%s:group/b/after" % ACCOUNT
    assert [u["UserName"] for u in got["Users"]] == ["member"]
    assert c.list_group_policies(GroupName="after")["PolicyNames"] == ["gp"]
    assert [p["PolicyName"] for p in c.list_attached_group_policies(GroupName="after")["AttachedPolicies"]] == \
        ["ReadOnlyAccess"]
    assert [g["GroupName"] for g in c.list_groups_for_user(UserName="member")["Groups"]] == ["after"]
    assert error_of(c.get_group, GroupName="before")[:2] == ("NoSuchEntity", 404)
    c.create_group(GroupName="taken")
    assert error_of(c.update_group, GroupName="after", NewGroupName="TAKEN") == \
        ("EntityAlreadyExists", 409, "Group with name TAKEN already exists.")


def test_account_summary_counts(gureum_factory):
    c = iam(gureum_factory())
    before = c.get_account_summary()["SummaryMap"]
    assert before["Users"] == 0 and before["UsersQuota"] == 5000 and before["AccessKeysPerUserQuota"] == 2
    assert before["AttachedPoliciesPerRoleQuota"] == 10 and before["VersionsPerPolicyQuota"] == 5
    c.create_user(UserName="s1")
    c.create_group(GroupName="s1")
    c.create_role(RoleName="s1", AssumeRolePolicyDocument=json.dumps(TRUST))
    c.create_policy(PolicyName="s1", PolicyDocument=json.dumps(DOC))
    c.create_open_id_connect_provider(Url="https://issuer.example.com", ThumbprintList=["a" * 40])
    after = c.get_account_summary()["SummaryMap"]
    assert {k: after[k] for k in ("Users", "Groups", "Roles", "Policies", "Providers")} == \
        {"Users": 1, "Groups": 1, "Roles": 1, "Policies": 1, "Providers": 1}


def test_account_summary_mfa_and_sts_token_version(gureum_factory):
    """GetAccountSummary counts the account's MFA devices and those assigned, and reports the
    session-token version SetSecurityTokenServicePreferences chose (1 until one is set)."""
    c = iam(gureum_factory())
    keys = ("MFADevices", "MFADevicesInUse", "AccountMFAEnabled", "GlobalEndpointTokenVersion")
    assert {k: c.get_account_summary()["SummaryMap"][k] for k in keys} == \
        {"MFADevices": 0, "MFADevicesInUse": 0, "AccountMFAEnabled": 0, "GlobalEndpointTokenVersion": 1}
    c.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    c.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    summary = c.get_account_summary()["SummaryMap"]
    assert (summary["MFADevices"], summary["MFADevicesInUse"], summary["GlobalEndpointTokenVersion"]) == (1, 0, 2)
    assert error_of(c.set_security_token_service_preferences, GlobalEndpointTokenVersion="v3Token")[:2] == \
        ("ValidationError", 400)
    c.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert c.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 1


def test_list_policies_granting_service_access(gureum):
    """The policies of a user, its groups and a role that can grant each service asked about:
    Action patterns by their service part, NotAction unless it excludes the whole service; inline
    policies name their owner, managed ones their ARN (AWS IAM API reference)."""
    c = iam(gureum)
    user = c.create_user(UserName="granted")["User"]["Arn"]
    c.create_group(GroupName="granted-devs")
    c.add_user_to_group(GroupName="granted-devs", UserName="granted")
    allow = lambda **st: json.dumps({"Version": "2012-10-17", "Statement": [dict(Effect="Allow", Resource="*", **st)]})
    c.put_user_policy(UserName="granted", PolicyName="reads", PolicyDocument=allow(Action=["S3:Get*", "sqs:Receive*"]))
    c.put_group_policy(GroupName="granted-devs", PolicyName="all-but-iam", PolicyDocument=allow(NotAction="iam:*"))
    c.put_user_policy(UserName="granted", PolicyName="deny-only", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}))
    managed = c.create_policy(PolicyName="granted-ddb", PolicyDocument=allow(Action="dynamodb:*"))["Policy"]["Arn"]
    c.attach_user_policy(UserName="granted", PolicyArn=managed)
    c.attach_group_policy(GroupName="granted-devs", PolicyArn=managed)
    got = c.list_policies_granting_service_access(Arn=user, ServiceNamespaces=["s3", "iam", "dynamodb", "sqs"])
    assert got["IsTruncated"] is False
    by_ns = {e["ServiceNamespace"]: [p["PolicyName"] for p in e["Policies"]]
             for e in got["PoliciesGrantingServiceAccess"]}
    assert by_ns == {"s3": ["reads", "all-but-iam"], "iam": [], "dynamodb": ["granted-ddb", "all-but-iam"],
                     "sqs": ["reads", "all-but-iam"]}
    entries = {p["PolicyName"]: p for e in got["PoliciesGrantingServiceAccess"] for p in e["Policies"]}
    assert entries["reads"] == {"PolicyName": "reads", "PolicyType": "INLINE", "EntityType": "USER",
                                "EntityName": "granted"}
    assert entries["all-but-iam"]["EntityType"] == "GROUP"
    assert entries["granted-ddb"] == {"PolicyName": "granted-ddb", "PolicyType": "MANAGED", "PolicyArn": managed}
    role = c.create_role(RoleName="granted-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    c.attach_role_policy(RoleName="granted-role", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    got = c.list_policies_granting_service_access(Arn=role, ServiceNamespaces=["s3", "lambda"])
    assert [[p["PolicyName"] for p in e["Policies"]] for e in got["PoliciesGrantingServiceAccess"]] == \
        [["AmazonS3ReadOnlyAccess"], []]
    assert error_of(c.list_policies_granting_service_access, Arn=user.replace("granted", "nobody"),
                    ServiceNamespaces=["s3"])[:2] == ("NoSuchEntity", 404)
    assert error_of(c.list_policies_granting_service_access, Arn=managed, ServiceNamespaces=["s3"])[:2] == \
        ("InvalidInput", 400)


def test_service_last_accessed(gureum):
    """Access advisor: a user's attempts (allowed or denied) are recorded per service and, for
    IAM/EC2/Lambda/S3 management actions, per action; a report lists the services the entity's
    policies can grant, with the last attempt, its region and entity (IAM API reference)."""
    c = iam(gureum)
    user = c.create_user(UserName="advised")["User"]["Arn"]
    c.create_group(GroupName="advised-group")
    c.add_user_to_group(GroupName="advised-group", UserName="advised")
    c.put_user_policy(UserName="advised", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "iam:GetUser", "sqs:*"], "Resource": "*"}]}))
    key = c.create_access_key(UserName="advised")["AccessKey"]
    creds = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    gureum.client("s3", region_name="eu-west-1", **creds).list_buckets()
    gureum.client("iam", **creds).get_user()
    with pytest.raises(ClientError):  # attempted, refused, and not granted: not listed
        gureum.client("dynamodb", **creds).list_tables()
    job = c.generate_service_last_accessed_details(Arn=user, Granularity="ACTION_LEVEL")["JobId"]
    got = c.get_service_last_accessed_details(JobId=job)
    assert (got["JobStatus"], got["JobType"], got["IsTruncated"]) == ("COMPLETED", "ACTION_LEVEL", False)
    svc = {s["ServiceNamespace"]: s for s in got["ServicesLastAccessed"]}
    assert set(svc) == {"s3", "iam", "sqs"}
    assert svc["s3"]["ServiceName"] == "Amazon S3" and svc["s3"]["LastAuthenticatedRegion"] == "eu-west-1"
    assert svc["s3"]["LastAuthenticatedEntity"] == user and svc["s3"]["TotalAuthenticatedEntities"] == 1
    assert [a["ActionName"] for a in svc["s3"]["TrackedActionsLastAccessed"]] == ["ListAllMyBuckets"]
    assert [a["ActionName"] for a in svc["iam"]["TrackedActionsLastAccessed"]] == ["GetUser"]
    assert "LastAuthenticated" not in svc["sqs"] and svc["sqs"]["TotalAuthenticatedEntities"] == 0
    # the group's report covers its members; one page at a time
    job = c.generate_service_last_accessed_details(
        Arn=user.replace(":user/advised", ":group/advised-group"))["JobId"]
    got = c.get_service_last_accessed_details(JobId=job)
    assert got["JobType"] == "SERVICE_LEVEL" and got["ServicesLastAccessed"] == []  # the group has no policy
    job = c.generate_service_last_accessed_details(Arn=user)["JobId"]
    first = c.get_service_last_accessed_details(JobId=job, MaxItems=2)
    assert first["IsTruncated"] and len(first["ServicesLastAccessed"]) == 2
    rest = c.get_service_last_accessed_details(JobId=job, Marker=first["Marker"])
    assert len(rest["ServicesLastAccessed"]) == 1 and "TrackedActionsLastAccessed" not in rest["ServicesLastAccessed"][0]
    ents = c.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="s3")["EntityDetailsList"]
    assert [(e["EntityInfo"]["Arn"], e["EntityInfo"]["Type"], "LastAuthenticated" in e) for e in ents] == \
        [(user, "USER", True)]
    assert error_of(c.get_service_last_accessed_details, JobId="00000000-0000-0000-0000-000000000000")[:2] == \
        ("NoSuchEntity", 404)
    assert error_of(c.generate_service_last_accessed_details, Arn=user.replace("advised", "nobody"))[:2] == \
        ("NoSuchEntity", 404)



def test_service_last_accessed_route53_rds(gureum):
    """Route 53 and RDS are listed under AWS's names once a policy can grant them."""
    c = iam(gureum)
    user = c.create_user(UserName="dns-admin")["User"]["Arn"]
    c.put_user_policy(UserName="dns-admin", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["route53:ListHostedZones", "rds:Describe*"], "Resource": "*"}]}))
    key = c.create_access_key(UserName="dns-admin")["AccessKey"]
    creds = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert gureum.client("route53", **creds).list_hosted_zones()["HostedZones"] == []
    job = c.generate_service_last_accessed_details(Arn=user)["JobId"]
    svc = {s["ServiceNamespace"]: s for s in c.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]}
    assert {k: v["ServiceName"] for k, v in svc.items()} == {"route53": "Amazon Route 53", "rds": "Amazon RDS"}
    assert svc["route53"]["LastAuthenticatedEntity"] == user and "LastAuthenticated" not in svc["rds"]


def test_service_last_accessed_cloudwatch(gureum):
    """CloudWatch signs as monitoring, but its actions and its access-advisor namespace are cloudwatch."""
    c = iam(gureum)
    user = c.create_user(UserName="metrics-writer")["User"]["Arn"]
    c.put_user_policy(UserName="metrics-writer", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}]}))
    key = c.create_access_key(UserName="metrics-writer")["AccessKey"]
    cw = gureum.client("cloudwatch", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    cw.put_metric_data(Namespace="Advised", MetricData=[{"MetricName": "m", "Value": 1}])
    job = c.generate_service_last_accessed_details(Arn=user)["JobId"]
    svc = c.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]
    assert [(s["ServiceNamespace"], s["ServiceName"], s["LastAuthenticatedEntity"]) for s in svc] == \
        [("cloudwatch", "Amazon CloudWatch", user)]


OIDC_THUMB = "6938FD4D98BAB03FAADB97B34396831E3780AEA1"


def test_oidc_provider_lifecycle(gureum):
    """An OIDC identity provider as GitHub Actions federation creates it: named
    by its URL without the scheme, thumbprints kept in lowercase, client ids
    added and removed idempotently, tags, and AWS's refusals."""
    c = iam(gureum)
    url = "https://token.actions.githubusercontent.com"
    r = c.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[OIDC_THUMB],
                                          Tags=[{"Key": "team", "Value": "ci"}])
    arn = r["OpenIDConnectProviderArn"]
    assert arn == "arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % ACCOUNT
    assert r["Tags"] == [{"Key": "team", "Value": "ci"}]
    assert {"Arn": arn} in c.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    got = c.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.actions.githubusercontent.com"
    assert got["ClientIDList"] == ["sts.amazonaws.com"] and got["ThumbprintList"] == [OIDC_THUMB.lower()]
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}] and got["CreateDate"]
    assert error_of(c.create_open_id_connect_provider, Url=url, ThumbprintList=[]) == \
        ("EntityAlreadyExists", 409, "Provider with url %s already exists." % url)

    c.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="second")
    c.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="second")
    c.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    c.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="never-added")
    c.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40, "c" * 40])
    c.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    c.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["team"])
    got = c.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["second"] and got["ThumbprintList"] == ["b" * 40, "c" * 40]
    assert c.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == \
        [{"Key": "env", "Value": "dev"}]
    assert error_of(c.update_open_id_connect_provider_thumbprint, OpenIDConnectProviderArn=arn,
                    ThumbprintList=[]) == ("InvalidInput", 400, "Thumbprint list must contain at least one entry.")

    c.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert arn not in [p["Arn"] for p in c.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert error_of(c.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == \
        ("NoSuchEntity", 404, "OpenIDConnect Provider not found for arn " + arn)
    assert error_of(c.delete_open_id_connect_provider, OpenIDConnectProviderArn=arn) == \
        ("NoSuchEntity", 404, "OpenId connect Provider %s cannot be found." % arn)
    assert error_of(c.add_client_id_to_open_id_connect_provider, OpenIDConnectProviderArn=arn,
                    ClientID="x")[:2] == ("NoSuchEntity", 404)


@pytest.mark.parametrize("url,code,msg", [
    ("example.com", "ValidationError", "Invalid Open ID Connect Provider URL"),
    ("https://", "ValidationError", "Invalid Open ID Connect Provider URL"),
    ("http://example.com", "InvalidInput", "Invalid Open ID Connect Provider URL. The URL must begin with https://."),
    ("https://user:pass@example.com", "InvalidInput", "Invalid Open ID Connect Provider URL."),
    ("https://example.com?x=1", "InvalidInput", "Invalid Open ID Connect Provider URL."),
    ("https://example.com#f", "InvalidInput", "Invalid Open ID Connect Provider URL."),
    ("https://example.com:8443", "InvalidInput", "Invalid Open ID Connect Provider URL."),
    ("https://exa_mple.com", "InvalidInput", "Invalid Open ID Connect Provider URL."),
])
def test_oidc_provider_url_refusals(gureum, url, code, msg):
    assert error_of(iam(gureum).create_open_id_connect_provider, Url=url, ThumbprintList=[]) == (code, 400, msg)


def test_oidc_provider_limits(gureum):
    raw = iam(gureum, config=Config(parameter_validation=False))
    url = "https://limits.example.com/path/"
    assert error_of(raw.create_open_id_connect_provider, Url=url, ThumbprintList=["a" * 40] * 6) == \
        ("InvalidInput", 400, "Thumbprint list must contain fewer than 5 entries.")
    assert error_of(raw.create_open_id_connect_provider, Url=url, ThumbprintList=["a" * 39])[0] == "ValidationError"
    assert error_of(raw.create_open_id_connect_provider, Url=url, ThumbprintList=[],
                    ClientIDList=[str(i) for i in range(101)]) == \
        ("LimitExceeded", 409, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
    assert error_of(raw.get_open_id_connect_provider, OpenIDConnectProviderArn="arn:aws:iam::%s:role/abcdefgh" %
                    ACCOUNT) == ("ValidationError", 400, "Invalid resource type in ARN")
    # today's AWS (and SDK) no longer require a thumbprint; five are allowed
    arn = raw.create_open_id_connect_provider(Url=url)["OpenIDConnectProviderArn"]
    assert arn.endswith(":oidc-provider/limits.example.com/path/")
    assert raw.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == []
    raw.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["d" * 40] * 5)


def test_roles_and_instance_profiles(gureum):
    c = iam(gureum)
    r = c.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST), Description="the app",
                      MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "a"}])["Role"]
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", r["RoleId"]) and r["Arn"] == "arn:aws:iam::%s:role/app" % ACCOUNT
    got = c.get_role(RoleName="app")["Role"]
    assert got["AssumeRolePolicyDocument"] == TRUST and got["MaxSessionDuration"] == 7200
    assert got["Description"] == "the app" and got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert error_of(c.create_role, RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))[0] == \
        "EntityAlreadyExists"
    assert error_of(c.create_role, RoleName="bad", AssumeRolePolicyDocument="{")[0] == "MalformedPolicyDocument"
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    assert error_of(c.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps(no_principal))[0] == \
        "MalformedPolicyDocument"
    code, _, msg = error_of(c.put_role_policy, RoleName="app", PolicyName="p", PolicyDocument=json.dumps(TRUST))
    assert code == "MalformedPolicyDocument"  # an identity policy names no principal
    assert error_of(c.get_role, RoleName="nope")[2] == "The role with name nope cannot be found."
    c.update_role(RoleName="app", MaxSessionDuration=3600)
    assert c.get_role(RoleName="app")["Role"]["MaxSessionDuration"] == 3600
    c.put_role_policy(RoleName="app", PolicyName="rp", PolicyDocument=json.dumps(DOC))
    assert c.get_role_policy(RoleName="app", PolicyName="rp")["PolicyDocument"] == DOC
    c.attach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert [p["PolicyName"] for p in c.list_attached_role_policies(RoleName="app")["AttachedPolicies"]] == [
        "AmazonS3ReadOnlyAccess"]
    ip = c.create_instance_profile(InstanceProfileName="app-ip")["InstanceProfile"]
    assert re.fullmatch(r"AIPA[A-Z2-7]{17}", ip["InstanceProfileId"]) and ip["Roles"] == []
    c.add_role_to_instance_profile(InstanceProfileName="app-ip", RoleName="app")
    assert [x["RoleName"] for x in c.get_instance_profile(InstanceProfileName="app-ip")["InstanceProfile"]["Roles"]] \
        == ["app"]
    assert [x["InstanceProfileName"] for x in c.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]] \
        == ["app-ip"]
    assert error_of(c.add_role_to_instance_profile, InstanceProfileName="app-ip", RoleName="app")[0] == \
        "LimitExceeded"
    code, _, msg = error_of(c.delete_role, RoleName="app")
    assert code == "DeleteConflict" and msg == "Cannot delete entity, must remove roles from instance profile first."
    details = c.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    d = [x for x in details if x["RoleName"] == "app"][0]
    assert d["AssumeRolePolicyDocument"] == TRUST and d["RolePolicyList"][0]["PolicyDocument"] == DOC
    assert d["InstanceProfileList"][0]["InstanceProfileName"] == "app-ip"
    c.remove_role_from_instance_profile(InstanceProfileName="app-ip", RoleName="app")
    c.delete_instance_profile(InstanceProfileName="app-ip")
    c.detach_role_policy(RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert error_of(c.delete_role, RoleName="app")[0] == "DeleteConflict"
    c.delete_role_policy(RoleName="app", PolicyName="rp")
    c.delete_role(RoleName="app")


def test_tags(gureum):
    c = iam(gureum)
    c.create_user(UserName="tagged", Tags=[{"Key": "a", "Value": "1"}])
    c.tag_user(UserName="tagged", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert c.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    c.untag_user(UserName="tagged", TagKeys=["a"])
    assert c.get_user(UserName="tagged")["User"]["Tags"] == [{"Key": "b", "Value": "2"}]
    assert error_of(c.tag_user, UserName="ghost", Tags=[{"Key": "k", "Value": "v"}])[0] == "NoSuchEntity"
    p = c.create_policy(PolicyName="tp", PolicyDocument=json.dumps(DOC))["Policy"]
    c.tag_policy(PolicyArn=p["Arn"], Tags=[{"Key": "x", "Value": "y"}])
    assert c.list_policy_tags(PolicyArn=p["Arn"])["Tags"] == [{"Key": "x", "Value": "y"}]
    c.untag_user(UserName="tagged", TagKeys=["b"])
    c.delete_user(UserName="tagged")
    c.delete_policy(PolicyArn=p["Arn"])
    ip = c.create_instance_profile(InstanceProfileName="tagged-ip", Tags=[{"Key": "env", "Value": "dev"}])
    assert ip["InstanceProfile"]["Tags"] == [{"Key": "env", "Value": "dev"}]
    c.tag_instance_profile(InstanceProfileName="tagged-ip", Tags=[{"Key": "team", "Value": "web"}])
    c.untag_instance_profile(InstanceProfileName="tagged-ip", TagKeys=["env"])
    assert c.list_instance_profile_tags(InstanceProfileName="tagged-ip")["Tags"] == [{"Key": "team", "Value": "web"}]
    c.delete_instance_profile(InstanceProfileName="tagged-ip")
    c.create_instance_profile(InstanceProfileName="tagged-ip")  # a new profile of that name has no old tags
    assert c.list_instance_profile_tags(InstanceProfileName="tagged-ip")["Tags"] == []
    c.delete_instance_profile(InstanceProfileName="tagged-ip")
    c.create_role(RoleName="described", AssumeRolePolicyDocument=json.dumps(TRUST))
    r = c.update_role_description(RoleName="described", Description="serves the web tier")["Role"]
    assert r["RoleName"] == "described" and r["Description"] == "serves the web tier"
    assert c.get_role(RoleName="described")["Role"]["Description"] == "serves the web tier"
    c.delete_role(RoleName="described")


def test_account_alias_and_details(gureum):
    c = iam(gureum)
    assert c.list_account_aliases()["AccountAliases"] == []
    c.create_account_alias(AccountAlias="my-company")
    assert c.list_account_aliases()["AccountAliases"] == ["my-company"]
    assert error_of(c.delete_account_alias, AccountAlias="other")[0] == "NoSuchEntity"
    c.delete_account_alias(AccountAlias="my-company")
    c.create_user(UserName="det")
    c.attach_user_policy(UserName="det", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    d = c.get_account_authorization_details()
    u = [x for x in d["UserDetailList"] if x["UserName"] == "det"][0]
    assert u["AttachedManagedPolicies"] == [{"PolicyName": "IAMFullAccess",
                                             "PolicyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}]
    pol = [p for p in d["Policies"] if p["PolicyName"] == "IAMFullAccess"][0]
    assert pol["PolicyVersionList"][0]["IsDefaultVersion"] and "iam:*" in json.dumps(
        pol["PolicyVersionList"][0]["Document"])
    c.detach_user_policy(UserName="det", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    c.delete_user(UserName="det")


def test_update_user_rename_keeps_keys(gureum):
    c = iam(gureum)
    c.create_user(UserName="old")
    k = c.create_access_key(UserName="old")["AccessKey"]
    c.update_user(UserName="old", NewUserName="new", NewPath="/moved/")
    assert error_of(c.get_user, UserName="old")[0] == "NoSuchEntity"
    sts = gureum.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::%s:user/moved/new" % ACCOUNT
    c.delete_access_key(UserName="new", AccessKeyId=k["AccessKeyId"])
    c.delete_user(UserName="new")


# ==== Durability ====

def test_iam_survives_restart(gureum):
    c = iam(gureum)
    c.create_user(UserName="durable", Path="/d/")
    k = c.create_access_key(UserName="durable")["AccessKey"]
    c.attach_user_policy(UserName="durable", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    gureum.restart(kill9=True)
    c = iam(gureum)
    assert c.get_user(UserName="durable")["User"]["Arn"] == "arn:aws:iam::%s:user/d/durable" % ACCOUNT
    sts = gureum.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"].endswith(":user/d/durable")
    assert c.list_attached_user_policies(UserName="durable")["AttachedPolicies"][0]["PolicyName"] == "ReadOnlyAccess"


# ==== Accounts ====

def test_other_account_ids_in_arns(gureum_factory):
    """Everything IAM stores is the account's own: ARNs name the server's account."""
    g = gureum_factory(env={"GUREUM_ACCOUNT": "111122223333"})
    c = g.client("iam")
    u = c.create_user(UserName="acct")["User"]
    assert u["Arn"] == "arn:aws:iam::111122223333:user/acct"
    p = c.create_policy(PolicyName="mine", PolicyDocument=json.dumps(DOC))["Policy"]
    assert p["Arn"] == "arn:aws:iam::111122223333:policy/mine"
    # another account's policy ARN is not this account's
    assert error_of(c.attach_user_policy, UserName="acct",
                    PolicyArn="arn:aws:iam::000000000000:policy/mine")[0] == "NoSuchEntity"
    c.attach_user_policy(UserName="acct", PolicyArn=p["Arn"])
    k = c.create_access_key(UserName="acct")["AccessKey"]
    sts = g.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    assert sts.get_caller_identity()["Account"] == "111122223333"


# ==== Virtual MFA devices and MFA-authenticated sessions ====

def totp(seed_b32, step):
    """RFC 6238's code (HMAC-SHA1, 30-second steps, six digits), as an authenticator app computes it."""
    import base64
    import hashlib
    import hmac
    import struct
    mac = hmac.new(base64.b32decode(seed_b32), struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000)


def png_size(png):
    """The PNG's width and height, after checking its chunks' CRCs and that its pixels inflate."""
    import struct
    import zlib
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", None
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + data)
        if kind == b"IHDR":
            size = struct.unpack(">II", data[:8])
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    assert len(zlib.decompress(idat)) == size[1] * (size[0] + 1)
    return size


def test_virtual_mfa_device_and_mfa_sessions(gureum, tmp_path):
    """The AWS CLI MFA tutorial: a virtual MFA device (its seed and QR code),
    enabled with two consecutive TOTP codes; a policy that allows only with
    aws:MultiFactorAuthPresent; GetSessionToken with the device's current
    code gives a session that policy allows, a wrong or reused code none."""
    import time
    adm = iam(gureum)
    adm.create_user(UserName="mfa-user")
    adm.put_user_policy(UserName="mfa-user", PolicyName="need-mfa", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*",
                                                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    key = adm.create_access_key(UserName="mfa-user")["AccessKey"]
    dev = adm.create_virtual_mfa_device(VirtualMFADeviceName="mfa-user-phone", Path="/team/")["VirtualMFADevice"]
    serial = dev["SerialNumber"]
    assert serial == "arn:aws:iam::000000000000:mfa/team/mfa-user-phone"
    seed = dev["Base32StringSeed"].decode()
    assert re.fullmatch(r"[A-Z2-7]{32}", seed)
    w, h = png_size(dev["QRCodePNG"])
    assert w == h and w >= 29 * 4
    assert error_of(adm.create_virtual_mfa_device, VirtualMFADeviceName="mfa-user-phone")[:2] == \
        ("EntityAlreadyExists", 409)

    now = int(time.time()) // 30
    assert error_of(adm.enable_mfa_device, UserName="mfa-user", SerialNumber=serial,
                    AuthenticationCode1=totp(seed, now - 2), AuthenticationCode2=totp(seed, now - 4)) == \
        ("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
    adm.enable_mfa_device(UserName="mfa-user", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, now - 2), AuthenticationCode2=totp(seed, now - 1))
    devs = adm.list_mfa_devices(UserName="mfa-user")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devs] == [("mfa-user", serial)]
    assigned = adm.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [(d["SerialNumber"], d["User"]["UserName"]) for d in assigned] == [(serial, "mfa-user")]
    assert adm.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []

    user = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    # long-term keys: aws:MultiFactorAuthPresent is absent, so the Bool condition fails
    assert error_of(gureum.client("s3", **user).list_buckets)[0] == "AccessDenied"
    sts = gureum.client("sts", **user)
    plain = sts.get_session_token()["Credentials"]
    assert error_of(gureum.client("s3", aws_access_key_id=plain["AccessKeyId"],
                                  aws_secret_access_key=plain["SecretAccessKey"],
                                  aws_session_token=plain["SessionToken"]).list_buckets)[0] == "AccessDenied"
    wrong = "%06d" % ((int(totp(seed, now)) + 1) % 1000000)
    assert error_of(sts.get_session_token, SerialNumber=serial, TokenCode=wrong)[:2] == ("AccessDenied", 403)
    code = totp(seed, int(time.time()) // 30)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=900)["Credentials"]
    s3 = gureum.client("s3", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    assert "Buckets" in s3.list_buckets()
    # a code is good once
    assert error_of(sts.get_session_token, SerialNumber=serial, TokenCode=code)[:2] == ("AccessDenied", 403)
    # a role whose trust policy asks for MFA: refused to the user's keys, assumed from the MFA session
    adm.create_role(RoleName="mfa-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": "arn:aws:iam::000000000000:user/mfa-user"},
                                                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    adm.put_user_policy(UserName="mfa-user", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    role_arn = "arn:aws:iam::000000000000:role/mfa-role"
    assert error_of(sts.assume_role, RoleArn=role_arn, RoleSessionName="ss")[:2] == ("AccessDenied", 403)
    mfa_sts = gureum.client("sts", aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    assumed = mfa_sts.assume_role(RoleArn=role_arn, RoleSessionName="ss")["AssumedRoleUser"]
    assert assumed["Arn"] == "arn:aws:sts::000000000000:assumed-role/mfa-role/ss"

    assert error_of(adm.delete_virtual_mfa_device, SerialNumber=serial)[:2] == ("DeleteConflict", 409)
    report = adm.generate_credential_report() and adm.get_credential_report()["Content"].decode().splitlines()
    cols = report[0].split(",")
    row = next(line.split(",") for line in report if line.startswith("mfa-user,"))
    assert row[cols.index("mfa_active")] == "true"
    adm.deactivate_mfa_device(UserName="mfa-user", SerialNumber=serial)
    assert adm.list_mfa_devices(UserName="mfa-user")["MFADevices"] == []
    adm.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(adm.delete_virtual_mfa_device, SerialNumber=serial)[:2] == ("NoSuchEntity", 404)


def test_get_mfa_device(gureum):
    """GetMFADevice (boto3 1.43; older botocore lacks it): the device assigned
    to the user, with its EnableDate; NoSuchEntity for one not assigned, for
    another user's, for an unknown serial or user; the caller's own by default."""
    import time
    adm = iam(gureum)
    if not hasattr(adm, "get_mfa_device"):
        pytest.skip("this botocore predates GetMFADevice")
    adm.create_user(UserName="gm-user")
    adm.create_user(UserName="gm-other")
    dev = adm.create_virtual_mfa_device(VirtualMFADeviceName="gm-phone")["VirtualMFADevice"]
    serial, seed = dev["SerialNumber"], dev["Base32StringSeed"].decode()
    missing = "VirtualMFADevice with serial number %s doesn't exist." % serial
    assert error_of(adm.get_mfa_device, SerialNumber=serial, UserName="gm-user") == ("NoSuchEntity", 404, missing)
    now = int(time.time()) // 30
    adm.enable_mfa_device(UserName="gm-user", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, now - 2), AuthenticationCode2=totp(seed, now - 1))
    listed = adm.list_mfa_devices(UserName="gm-user")["MFADevices"][0]
    got = adm.get_mfa_device(SerialNumber=serial, UserName="gm-user")
    assert (got["UserName"], got["SerialNumber"], got["EnableDate"]) == ("gm-user", serial, listed["EnableDate"])
    assert "Certifications" not in got  # AWS has them for FIDO security keys only
    assert error_of(adm.get_mfa_device, SerialNumber=serial, UserName="gm-other") == ("NoSuchEntity", 404, missing)
    assert error_of(adm.get_mfa_device, SerialNumber=serial, UserName="gm-nobody")[:2] == ("NoSuchEntity", 404)
    unknown = "arn:aws:iam::000000000000:mfa/none"
    assert error_of(adm.get_mfa_device, SerialNumber=unknown, UserName="gm-user")[:2] == ("NoSuchEntity", 404)
    # without UserName, the caller's own device: the user may read it with iam:GetMFADevice on itself
    adm.put_user_policy(UserName="gm-user", PolicyName="self", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetMFADevice",
                                                "Resource": "arn:aws:iam::000000000000:user/gm-user"}]}))
    key = adm.create_access_key(UserName="gm-user")["AccessKey"]
    own = gureum.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert own.get_mfa_device(SerialNumber=serial)["UserName"] == "gm-user"
    assert error_of(own.get_mfa_device, SerialNumber=serial, UserName="gm-other")[:2] == ("AccessDenied", 403)
    adm.deactivate_mfa_device(UserName="gm-user", SerialNumber=serial)
    assert error_of(adm.get_mfa_device, SerialNumber=serial, UserName="gm-user")[:2] == ("NoSuchEntity", 404)
    adm.delete_virtual_mfa_device(SerialNumber=serial)


@pytest.mark.parametrize("cli", CLIS)
def test_cli_writes_the_qr_code(gureum, cli, tmp_path):
    """`aws iam create-virtual-mfa-device --outfile … --bootstrap-method QRCodePNG`
    writes the QR code as a PNG file; Base32StringSeed writes the seed."""
    name = "cli-mfa-%d" % CLIS.index(cli)
    png, seed = tmp_path / "qr.png", tmp_path / "seed.txt"
    out = cli_json(gureum, cli, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", name,
                   "--outfile", png, "--bootstrap-method", "QRCodePNG")
    assert out["VirtualMFADevice"]["SerialNumber"].endswith(":mfa/" + name)
    png_size(png.read_bytes())
    cli_json(gureum, cli, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", name + "-b",
             "--outfile", seed, "--bootstrap-method", "Base32StringSeed")
    assert re.fullmatch(r"[A-Z2-7]{32}", seed.read_text())
    for n in (name, name + "-b"):
        gureum.aws("iam", "delete-virtual-mfa-device", "--serial-number", "arn:aws:iam::000000000000:mfa/" + n, cli=cli)


# ==== Service-linked roles ====

def test_service_linked_roles(gureum):
    """The workshop idiom `aws iam get-role --role-name AWSServiceRoleForElasticLoadBalancing ||
    aws iam create-service-linked-role --aws-service-name elasticloadbalancing.amazonaws.com`:
    the role gets AWS's name, path and trust policy, is protected from the ordinary role
    operations, and goes only through DeleteServiceLinkedRole, whose task reports SUCCEEDED."""
    c = iam(gureum)
    name = "AWSServiceRoleForElasticLoadBalancing"
    assert error_of(c.get_role, RoleName=name)[:2] == ("NoSuchEntity", 404)
    role = c.create_service_linked_role(AWSServiceName="elasticloadbalancing.amazonaws.com")["Role"]
    assert role["RoleName"] == name and role["Path"] == "/aws-service-role/elasticloadbalancing.amazonaws.com/"
    assert role["Arn"] == "arn:aws:iam::000000000000:role/aws-service-role/elasticloadbalancing.amazonaws.com/" + name
    trust = c.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": ["elasticloadbalancing.amazonaws.com"]}
    assert error_of(c.create_service_linked_role, AWSServiceName="elasticloadbalancing.amazonaws.com") == (
        "InvalidInput", 400, "Service role name %s has been taken in this account, please try a different suffix."
        % name)
    protected = ("UnmodifiableEntity", 400, "Cannot perform the operation on the protected role '%s' - this role is "
                 "only modifiable by AWS" % name)
    assert error_of(c.delete_role, RoleName=name) == protected
    assert error_of(c.update_assume_role_policy, RoleName=name, PolicyDocument=json.dumps(TRUST)) == protected
    assert error_of(c.put_role_policy, RoleName=name, PolicyName="p", PolicyDocument=json.dumps(DOC)) == protected
    asg = c.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web",
                                       Description="for the web tier")["Role"]
    assert asg["RoleName"] == "AWSServiceRoleForAutoScaling_web" and asg["Description"] == "for the web tier"
    assert error_of(c.create_service_linked_role, AWSServiceName="not-a-service")[:2] == ("InvalidInput", 400)
    assert error_of(c.delete_service_linked_role, RoleName="no-such-role")[:2] == ("NoSuchEntity", 404)
    for n in (name, asg["RoleName"]):
        task = c.delete_service_linked_role(RoleName=n)["DeletionTaskId"]
        assert task.startswith("task/aws-service-role/") and ("/%s/" % n) in task
        assert c.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
        assert error_of(c.get_role, RoleName=n)[:2] == ("NoSuchEntity", 404)


def test_organizations_root_access_without_an_organization(gureum):
    """Centralized root access (2024-11) acts on the caller's organization;
    gureum's accounts are standalone, so each call is refused as AWS refuses
    an account with no organization — after authorization, as any IAM call."""
    iam = gureum.client("iam")
    if "ListOrganizationsFeatures" not in iam.meta.service_model.operation_names:
        pytest.skip("this botocore predates centralized root access")
    calls = [iam.enable_organizations_root_credentials_management, iam.disable_organizations_root_credentials_management,
             iam.enable_organizations_root_sessions, iam.disable_organizations_root_sessions,
             iam.list_organizations_features]
    for call in calls:
        with pytest.raises(ClientError) as ei:
            call()
        e = ei.value.response
        assert e["Error"]["Code"] == "OrganizationNotFoundException", e
        assert e["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert e["Error"]["Message"] == \
            "The request was rejected because no organization is associated with your account."
    iam.create_user(UserName="no-org")
    k = iam.create_access_key(UserName="no-org")["AccessKey"]
    user = gureum.client("iam", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    with pytest.raises(ClientError) as ei:
        user.list_organizations_features()
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
