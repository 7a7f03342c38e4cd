"""Tag-based authorization for IAM's own resources, and STS session tags.
AWS (IAM User Guide, "Controlling access to IAM users and roles using tags",
"IAM and AWS STS condition context keys", "Pass session tags in AWS STS"):
aws:ResourceTag/KEY is a tag of the IAM role, user, managed policy, instance
profile, OIDC provider or MFA device an IAM action names, iam:ResourceTag/KEY
the same for users and roles only; a role session's aws:PrincipalTag/KEY is
the role's tags overridden by the session tags AssumeRole passed, with the
transitive ones carried along a role chain. Driven through boto3."""
import json

import pytest
from botocore.exceptions import ClientError

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def code_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    return ei.value.response["Error"]["Code"]


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def user_with(gureum, name, *statements):
    """A client factory for a new user whose one inline policy is statements."""
    iam = gureum.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda svc: gureum.client(svc, aws_access_key_id=k["AccessKeyId"],
                                     aws_secret_access_key=k["SecretAccessKey"])


def session(gureum, creds):
    return lambda svc: gureum.client(svc, aws_access_key_id=creds["AccessKeyId"],
                                     aws_secret_access_key=creds["SecretAccessKey"],
                                     aws_session_token=creds["SessionToken"])


@pytest.fixture(scope="module")
def account(gureum):
    return gureum.client("sts").get_caller_identity()["Account"]


def test_resource_tag_on_roles(gureum, account):
    iam = gureum.client("iam")
    for name, team in (("abac-blue", "blue"), ("abac-red", "red")):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trusting(account), Tags=[{"Key": "team", "Value": team}])
    iam.create_role(RoleName="abac-untagged", AssumeRolePolicyDocument=trusting(account))
    mine = user_with(gureum, "abac-roles", {"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
                                            "Resource": "*",
                                            "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}})("iam")
    pol = doc({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    mine.put_role_policy(RoleName="abac-blue", PolicyName="p", PolicyDocument=pol)
    assert code_of(lambda: mine.put_role_policy(RoleName="abac-red", PolicyName="p",
                                                PolicyDocument=pol)) == "AccessDenied"
    assert code_of(lambda: mine.put_role_policy(RoleName="abac-untagged", PolicyName="p",
                                                PolicyDocument=pol)) == "AccessDenied"
    # the tag decides as it is now
    iam.tag_role(RoleName="abac-red", Tags=[{"Key": "team", "Value": "blue"}])
    mine.put_role_policy(RoleName="abac-red", PolicyName="p", PolicyDocument=pol)
    iam.untag_role(RoleName="abac-blue", TagKeys=["team"])
    assert code_of(lambda: mine.delete_role_policy(RoleName="abac-blue", PolicyName="p")) == "AccessDenied"
    mine.delete_role_policy(RoleName="abac-red", PolicyName="p")


def test_iam_resource_tag_names_users_and_roles_only(gureum, account):
    iam = gureum.client("iam")
    iam.create_user(UserName="abac-target", Tags=[{"Key": "team", "Value": "blue"}])
    iam.create_user(UserName="abac-other", Tags=[{"Key": "team", "Value": "red"}])
    arn = iam.create_policy(PolicyName="abac-pol", PolicyDocument=doc(ALLOW_ALL),
                            Tags=[{"Key": "team", "Value": "blue"}])["Policy"]["Arn"]
    mine = user_with(gureum, "abac-iamkey", {"Effect": "Allow", "Action": ["iam:GetUser", "iam:GetPolicy"],
                                             "Resource": "*",
                                             "Condition": {"StringEquals": {"iam:ResourceTag/team": "blue"}}})("iam")
    assert mine.get_user(UserName="abac-target")["User"]["UserName"] == "abac-target"
    assert code_of(lambda: mine.get_user(UserName="abac-other")) == "AccessDenied"
    # a managed policy has aws:ResourceTag but no iam:ResourceTag
    assert code_of(lambda: mine.get_policy(PolicyArn=arn)) == "AccessDenied"
    other = user_with(gureum, "abac-awskey", {"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": "*",
                                              "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}})("iam")
    assert other.get_policy(PolicyArn=arn)["Policy"]["PolicyName"] == "abac-pol"


def test_resource_tag_on_other_iam_resources(gureum, account):
    iam = gureum.client("iam")
    locked = [{"Key": "locked", "Value": "yes"}]
    iam.create_instance_profile(InstanceProfileName="abac-ip-locked", Tags=locked)
    iam.create_instance_profile(InstanceProfileName="abac-ip-open")
    pol = iam.create_policy(PolicyName="abac-locked", PolicyDocument=doc(ALLOW_ALL), Path="/team/",
                            Tags=locked)["Policy"]["Arn"]
    oidc = iam.create_open_id_connect_provider(Url="https://abac.example.com", ThumbprintList=["a" * 40],
                                               Tags=locked)["OpenIDConnectProviderArn"]
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="abac-mfa",
                                        Tags=locked)["VirtualMFADevice"]["SerialNumber"]
    mine = user_with(gureum, "abac-guard", ALLOW_ALL,
                     {"Effect": "Deny", "Action": "iam:*", "Resource": "*",
                      "Condition": {"StringEquals": {"aws:ResourceTag/locked": "yes"}}})("iam")
    mine.get_instance_profile(InstanceProfileName="abac-ip-open")
    assert code_of(lambda: mine.get_instance_profile(InstanceProfileName="abac-ip-locked")) == "AccessDenied"
    assert code_of(lambda: mine.list_policy_tags(PolicyArn=pol)) == "AccessDenied"
    assert code_of(lambda: mine.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc)) == "AccessDenied"
    assert code_of(lambda: mine.list_mfa_device_tags(SerialNumber=mfa)) == "AccessDenied"
    iam.untag_policy(PolicyArn=pol, TagKeys=["locked"])
    assert mine.list_policy_tags(PolicyArn=pol)["Tags"] == []
    # a policy that names no tag key is untouched: listing is allowed
    assert any(p["InstanceProfileName"] == "abac-ip-locked" for p in mine.list_instance_profiles()["InstanceProfiles"])


@pytest.fixture(scope="module")
def assumer(gureum):
    return user_with(gureum, "abac-assumer", {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                                              "Resource": "*"})


def trusting(account, *conditions_for_tag_session):
    tag = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:TagSession"}
    if conditions_for_tag_session:
        tag["Condition"] = conditions_for_tag_session[0]
    return doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"},
               tag)


def test_session_tags_override_role_tags(gureum, account, assumer):
    iam = gureum.client("iam")
    arn = iam.create_role(RoleName="abac-session", AssumeRolePolicyDocument=trusting(account),
                          Tags=[{"Key": "team", "Value": "red"}, {"Key": "Dept", "Value": "x"}])["Role"]["Arn"]
    iam.put_role_policy(RoleName="abac-session", PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}},
        {"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/dept": "x"}}}))
    sts = assumer("sts")
    plain = session(gureum, sts.assume_role(RoleArn=arn, RoleSessionName="sess")["Credentials"])("sqs")
    assert code_of(plain.list_queues) == "AccessDenied"  # the role's own team=red
    plain.create_queue(QueueName="abac-role-tag")
    tagged = session(gureum, sts.assume_role(RoleArn=arn, RoleSessionName="sess",
                                             Tags=[{"Key": "TEAM", "Value": "blue"}])["Credentials"])("sqs")
    tagged.list_queues()  # the session tag overrides the role's, whatever the key's case
    tagged.create_queue(QueueName="abac-role-tag-2")  # and the role's other tags stay
    # the first session, of the same name and ARN, keeps its own tags
    assert code_of(plain.list_queues) == "AccessDenied"
    # a session tag overriding Dept takes the role's away
    other = session(gureum, sts.assume_role(RoleArn=arn, RoleSessionName="sess",
                                            Tags=[{"Key": "dept", "Value": "y"}])["Credentials"])("sqs")
    assert code_of(lambda: other.create_queue(QueueName="abac-role-tag-3")) == "AccessDenied"


def test_trust_policy_sees_the_session_tags_passed(gureum, account, assumer):
    iam = gureum.client("iam")
    arn = iam.create_role(RoleName="abac-trust", AssumeRolePolicyDocument=trusting(account, {
        "StringEquals": {"aws:RequestTag/project": "alpha"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["project"]}}))["Role"]["Arn"]
    sts = assumer("sts")
    sts.assume_role(RoleArn=arn, RoleSessionName="ok", Tags=[{"Key": "project", "Value": "alpha"}])
    assert code_of(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="no",
                                           Tags=[{"Key": "project", "Value": "beta"}])) == "AccessDenied"
    assert code_of(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="no", Tags=[
        {"Key": "project", "Value": "alpha"}, {"Key": "extra", "Value": "1"}])) == "AccessDenied"
    # no tags: sts:TagSession is not asked for
    sts.assume_role(RoleArn=arn, RoleSessionName="plain")


def test_transitive_tags_carry_into_role_chaining(gureum, account, assumer):
    iam = gureum.client("iam")
    first = iam.create_role(RoleName="abac-hop1", AssumeRolePolicyDocument=trusting(account))["Role"]["Arn"]
    iam.put_role_policy(RoleName="abac-hop1", PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"}))
    second = iam.create_role(RoleName="abac-hop2", AssumeRolePolicyDocument=trusting(account))["Role"]["Arn"]
    iam.put_role_policy(RoleName="abac-hop2", PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}},
        {"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/cost": "1"}}}))
    hop1 = session(gureum, assumer("sts").assume_role(
        RoleArn=first, RoleSessionName="h1", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "1"}],
        TransitiveTagKeys=["team"])["Credentials"])("sts")
    hop2 = session(gureum, hop1.assume_role(RoleArn=second, RoleSessionName="h2")["Credentials"])("sqs")
    hop2.list_queues()  # team, transitive, came along
    assert code_of(lambda: hop2.create_queue(QueueName="abac-hop")) == "AccessDenied"  # cost did not
    # AWS: a session tag with the key of an inherited transitive tag fails the call
    assert code_of(lambda: hop1.assume_role(RoleArn=second, RoleSessionName="h3",
                                            Tags=[{"Key": "Team", "Value": "red"}])) == "InvalidParameterValue"
    hop3 = session(gureum, hop1.assume_role(RoleArn=second, RoleSessionName="h3",
                                            Tags=[{"Key": "cost", "Value": "1"}])["Credentials"])("sqs")
    hop3.list_queues()
    hop3.create_queue(QueueName="abac-hop")


def test_federation_token_session_tags(gureum):
    fed = user_with(gureum, "abac-fed", {"Effect": "Allow", "Action": ["sts:GetFederationToken", "sts:TagSession"],
                                         "Resource": "*"},
                    {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}})("sts")
    everything = doc(ALLOW_ALL)
    plain = session(gureum, fed.get_federation_token(Name="fed-plain", Policy=everything)["Credentials"])("sqs")
    assert code_of(plain.list_queues) == "AccessDenied"
    tagged = session(gureum, fed.get_federation_token(Name="fed-tagged", Policy=everything,
                                                      Tags=[{"Key": "team", "Value": "blue"}])["Credentials"])("sqs")
    tagged.list_queues()


def test_trust_policy_sees_the_callers_principal_tags(gureum, account, assumer):
    """The caller's aws:PrincipalTag keys (a user's tags, a session's tags) in
    the trust policy of the role it assumes."""
    iam = gureum.client("iam")
    gate = iam.create_role(RoleName="abac-gate", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))["Role"]["Arn"]
    hop = iam.create_role(RoleName="abac-gate-hop", AssumeRolePolicyDocument=trusting(account))["Role"]["Arn"]
    iam.put_role_policy(RoleName="abac-gate-hop", PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
    assert code_of(lambda: assumer("sts").assume_role(RoleArn=gate, RoleSessionName="uu")) == "AccessDenied"
    iam.tag_user(UserName="abac-assumer", Tags=[{"Key": "team", "Value": "blue"}])
    assumer("sts").assume_role(RoleArn=gate, RoleSessionName="uu")
    iam.untag_user(UserName="abac-assumer", TagKeys=["team"])
    plain = session(gureum, assumer("sts").assume_role(RoleArn=hop, RoleSessionName="pp")["Credentials"])("sts")
    assert code_of(lambda: plain.assume_role(RoleArn=gate, RoleSessionName="p2")) == "AccessDenied"
    blue = session(gureum, assumer("sts").assume_role(RoleArn=hop, RoleSessionName="bb",
                                                      Tags=[{"Key": "team", "Value": "blue"}])["Credentials"])("sts")
    blue.assume_role(RoleArn=gate, RoleSessionName="b2")
