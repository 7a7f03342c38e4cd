"""Scenario A, step 3: an IAM user's requests are authorized by the policies
attached to it, and every refusal comes back in the asked service's own
error format — AccessDenied (query, S3), AccessDeniedException (JSON),
UnauthorizedOperation (EC2); a wrong secret is SignatureDoesNotMatch; an
inactive or deleted key is InvalidClientTokenId / InvalidAccessKeyId."""
import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import CLIS

ACCT = "000000000000"


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


@pytest.fixture
def alice(gureum):
    """A fresh user with one access key and no policy; removed afterwards."""
    iam = gureum.client("iam")
    name = "alice-%d" % id(object())
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    yield name, key["AccessKeyId"], key["SecretAccessKey"]
    for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=name, PolicyArn=p["PolicyArn"])
    for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=p)
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=name)


def once_allowed(call, what):
    """call's answer once a policy just put reaches authorization (within
    moments); AssertionError if it stays refused."""
    for _ in range(50):
        try:
            return call()
        except ClientError:
            time.sleep(0.1)
    raise AssertionError("%s stayed refused" % what)


def hash_table(ddb, name):
    """An on-demand table keyed by one string attribute, k."""
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])


def as_user(gureum, key, secret, service, region="us-east-1"):
    return gureum.client(service, aws_access_key_id=key, aws_secret_access_key=secret, region_name=region,
                         config=Config(retries={"max_attempts": 1}))


def test_no_policy_is_refused_in_each_format(gureum, alice):
    name, key, secret = alice
    arn = "arn:aws:iam::%s:user/%s" % (ACCT, name)
    # GetCallerIdentity needs no permission: it names the user.
    me = as_user(gureum, key, secret, "sts").get_caller_identity()
    assert me["Arn"] == arn and me["UserId"].startswith("AIDA")
    code, status, msg = error_of(as_user(gureum, key, secret, "s3").list_buckets)
    assert (code, status, msg) == ("AccessDenied", 403, "Access Denied")
    code, status, msg = error_of(as_user(gureum, key, secret, "dynamodb").list_tables)
    assert (code, status) == ("AccessDeniedException", 400)
    assert msg == ("User: %s is not authorized to perform: dynamodb:ListTables on resource: "
                   "arn:aws:dynamodb:us-east-1:%s:table/*" % (arn, ACCT))
    code, status, _ = error_of(as_user(gureum, key, secret, "ec2").describe_regions)
    assert (code, status) == ("UnauthorizedOperation", 403)
    code, status, msg = error_of(as_user(gureum, key, secret, "iam").list_users)
    assert (code, status) == ("AccessDenied", 403)
    assert msg.startswith("User: %s is not authorized to perform: iam:ListUsers" % arn)
    code, status, _ = error_of(as_user(gureum, key, secret, "lambda").list_functions)
    assert (code, status) == ("AccessDeniedException", 403)


def test_managed_policies_grant_by_arn(gureum, alice):
    name, key, secret = alice
    iam = gureum.client("iam")
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert as_user(gureum, key, secret, "s3").list_buckets()["Buckets"] == []
    assert error_of(as_user(gureum, key, secret, "dynamodb").list_tables)[0] == "AccessDeniedException"
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    assert as_user(gureum, key, secret, "dynamodb").list_tables()["TableNames"] == []
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
    zones = as_user(gureum, key, secret, "ec2", "ap-northeast-2").describe_availability_zones()
    assert len(zones["AvailabilityZones"]) == 4


def test_inline_deny_wins_and_conditions_apply(gureum, alice):
    name, key, secret = alice
    iam = gureum.client("iam")
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert as_user(gureum, key, secret, "dynamodb").list_tables()["TableNames"] == []
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "ap-northeast-2"}}}]}
    iam.put_user_policy(UserName=name, PolicyName="no-seoul-dynamo", PolicyDocument=json.dumps(deny))
    assert as_user(gureum, key, secret, "dynamodb").list_tables()["TableNames"] == []  # us-east-1: allowed
    code, _, _ = error_of(as_user(gureum, key, secret, "dynamodb", "ap-northeast-2").list_tables)
    assert code == "AccessDeniedException"


def test_group_policies_apply(gureum, alice):
    name, key, secret = alice
    iam = gureum.client("iam")
    iam.create_group(GroupName="readers-%s" % name)
    try:
        iam.attach_group_policy(GroupName="readers-%s" % name,
                                PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        iam.add_user_to_group(GroupName="readers-%s" % name, UserName=name)
        assert as_user(gureum, key, secret, "s3").list_buckets()["Buckets"] == []
        iam.remove_user_from_group(GroupName="readers-%s" % name, UserName=name)
        assert error_of(as_user(gureum, key, secret, "s3").list_buckets)[0] == "AccessDenied"
    finally:
        iam.detach_group_policy(GroupName="readers-%s" % name,
                                PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        iam.delete_group(GroupName="readers-%s" % name)


@pytest.mark.parametrize("cli", CLIS)
def test_key_refusals_cli(gureum, alice, cli):
    name, key, secret = alice
    iam = gureum.client("iam")
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "wrong" + secret[5:]}
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env=env)
    assert p.returncode != 0 and "SignatureDoesNotMatch" in p.stderr
    env["AWS_SECRET_ACCESS_KEY"] = secret
    p = gureum.aws("s3", "ls", cli=cli, env=env)
    assert p.returncode != 0 and "AccessDenied" in p.stderr
    iam.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env=env)
    assert p.returncode != 0 and "InvalidClientTokenId" in p.stderr
    p = gureum.aws("s3api", "list-buckets", cli=cli, env=env)
    assert p.returncode != 0 and "InvalidAccessKeyId" in p.stderr
    iam.update_access_key(UserName=name, AccessKeyId=key, Status="Active")
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env=env)
    assert p.returncode == 0, p.stderr
    iam.delete_access_key(UserName=name, AccessKeyId=key)
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env=env)
    assert p.returncode != 0 and "InvalidClientTokenId" in p.stderr


def test_principal_tags_in_conditions(gureum, alice):
    name, key, secret = alice
    iam = gureum.client("iam")
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    iam.put_user_policy(UserName=name, PolicyName="team-blue", PolicyDocument=json.dumps(doc))
    ddb = as_user(gureum, key, secret, "dynamodb")
    assert error_of(ddb.list_tables)[0] == "AccessDeniedException"  # no tag yet
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "blue"}])
    assert ddb.list_tables()["TableNames"] == []
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "red"}])
    assert error_of(ddb.list_tables)[0] == "AccessDeniedException"
    iam.untag_user(UserName=name, TagKeys=["team"])


def test_sns_identity_denial_is_authorization_error(gureum, alice):
    """SNS answers an identity policy's denial with its own AuthorizationError
    (403), naming the action as SNS:Publish, as AWS does."""
    topic = gureum.client("sns").create_topic(Name="authz-sns")["TopicArn"]
    name, key, secret = alice
    sns = as_user(gureum, key, secret, "sns")
    code, status, msg = error_of(lambda: sns.publish(TopicArn=topic, Message="m"))
    assert (code, status) == ("AuthorizationError", 403)
    assert msg == "User: arn:aws:iam::000000000000:user/%s is not authorized to perform: SNS:Publish on resource: %s" % (
        name, topic)
    gureum.client("iam").put_user_policy(UserName=name, PolicyName="pub", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}]}))
    assert sns.publish(TopicArn=topic, Message="m")["MessageId"]


def test_logs_policy_scoped_to_a_log_group(gureum, alice):
    """Logs operations are authorized on the ARNs AWS uses ("…:log-group:NAME:log-stream:" for a group,
    "…:log-stream:STREAM" for a stream), so the usual "log-group:NAME:*" policy allows that group only."""
    name, key, secret = alice
    group = "/app/%s" % name
    gureum.client("iam").put_user_policy(UserName=name, PolicyName="logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:GetLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:%s:log-group:%s:*" % (ACCT, group)}]}))
    logs = as_user(gureum, key, secret, "logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    logs.put_log_events(logGroupName=group, logStreamName="s1",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    got = logs.get_log_events(logGroupName=group, logStreamName="s1", startFromHead=True)["events"]
    assert [e["message"] for e in got] == ["hello"]
    code, status, msg = error_of(lambda: logs.create_log_group(logGroupName=group + "-other"))
    assert code == "AccessDeniedException"
    assert msg == ("User: arn:aws:iam::%s:user/%s is not authorized to perform: logs:CreateLogGroup on resource: "
                   "arn:aws:logs:us-east-1:%s:log-group:%s-other:log-stream:" % (ACCT, name, ACCT, group))
    code, _, _ = error_of(lambda: logs.delete_log_group(logGroupName=group))  # not granted
    assert code == "AccessDeniedException"


def test_same_account_bucket_policy_naming_the_user_allows(gureum, alice):
    """AWS: within one account a bucket policy that names the user (or "*")
    allows on its own; one that names the account only delegates to the
    user's identity policies; its Deny binds whatever the identity allows."""
    name, key, secret = alice
    s3, mine = gureum.client("s3"), as_user(gureum, key, secret, "s3")
    bucket = "named-%d" % id(object())
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")

    def grant(principal, effect="Allow", action="s3:GetObject"):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": effect, "Principal": {"AWS": principal}, "Action": action,
             "Resource": "arn:aws:s3:::%s/*" % bucket}]}))

    assert error_of(lambda: mine.get_object(Bucket=bucket, Key="k"))[:2] == ("AccessDenied", 403)
    grant("arn:aws:iam::%s:user/%s" % (ACCT, name))
    assert mine.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(lambda: mine.put_object(Bucket=bucket, Key="k2", Body=b""))[:2] == ("AccessDenied", 403)
    grant(ACCT)
    assert error_of(lambda: mine.get_object(Bucket=bucket, Key="k"))[:2] == ("AccessDenied", 403)
    grant("*")
    assert mine.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    gureum.client("iam").attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    grant("arn:aws:iam::%s:user/%s" % (ACCT, name), effect="Deny")
    assert error_of(lambda: mine.get_object(Bucket=bucket, Key="k"))[:2] == ("AccessDenied", 403)
    s3.delete_bucket_policy(Bucket=bucket)
    assert mine.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_copy_needs_read_of_the_source(gureum, alice):
    """CopyObject is authorized as a write of the destination and a read of
    the source: a user allowed to write one bucket cannot copy out of another
    bucket of its account without s3:GetObject there."""
    name, key, secret = alice
    s3, mine = gureum.client("s3"), as_user(gureum, key, secret, "s3")
    src, dst = "copy-src-%d" % id(object()), "copy-dst-%d" % id(object())
    for b in (src, dst):
        s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=src, Key="secret", Body=b"s")
    iam = gureum.client("iam")
    iam.put_user_policy(UserName=name, PolicyName="write-dst", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::%s/*" % dst}]}))
    copy = lambda: mine.copy_object(Bucket=dst, Key="stolen", CopySource={"Bucket": src, "Key": "secret"})
    assert error_of(copy)[:2] == ("AccessDenied", 403)
    s3.put_bucket_policy(Bucket=src, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/%s" % (ACCT, name)}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/*" % src}]}))
    copy()
    assert s3.get_object(Bucket=dst, Key="stolen")["Body"].read() == b"s"
    for b, k in ((src, "secret"), (dst, "stolen")):
        s3.delete_object(Bucket=b, Key=k)
        s3.delete_bucket_policy(Bucket=b)
        s3.delete_bucket(Bucket=b)


def test_permissions_boundary_caps_identity_policies(gureum, alice):
    """AWS: a permissions boundary caps what identity policies allow (an
    administrator bounded by S3 read-only may only read S3); a bucket policy
    that names the user is not capped by it; removing it restores the rest.
    A boundary must name an existing policy."""
    name, key, secret = alice
    iam, s3 = gureum.client("iam"), gureum.client("s3")
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert error_of(lambda: iam.put_user_permissions_boundary(
        UserName=name, PermissionsBoundary="arn:aws:iam::aws:policy/NoSuchPolicy")) == \
        ("NoSuchEntity", 404, "Scope ARN: arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")
    iam.put_user_permissions_boundary(UserName=name,
                                      PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsPolicy",
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
    bucket = "bounded-%d" % id(object())
    s3.create_bucket(Bucket=bucket)
    mine_s3, mine_iam = as_user(gureum, key, secret, "s3"), as_user(gureum, key, secret, "iam")
    assert mine_s3.list_objects(Bucket=bucket)["Name"] == bucket
    assert error_of(lambda: mine_s3.put_object(Bucket=bucket, Key="k", Body=b""))[:2] == ("AccessDenied", 403)
    assert error_of(mine_iam.list_users)[:2] == ("AccessDenied", 403)
    sts_mine = as_user(gureum, key, secret, "sts")
    assert sts_mine.get_caller_identity()["Arn"].endswith(":user/" + name)  # needs no permission
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    assert error_of(lambda: mine_s3.list_objects(Bucket=bucket))[:2] == ("AccessDenied", 403)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/%s" % (ACCT, name)}, "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::%s" % bucket}]}))
    assert mine_s3.list_objects(Bucket=bucket)["Name"] == bucket
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    assert mine_iam.list_users()["Users"]
    s3.delete_bucket_policy(Bucket=bucket)
    s3.delete_bucket(Bucket=bucket)


def test_role_boundary_caps_sessions(gureum):
    iam = gureum.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCT}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="bounded-role", AssumeRolePolicyDocument=json.dumps(trust),
                           PermissionsBoundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    iam.attach_role_policy(RoleName="bounded-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_user(UserName="assumer")
    iam.attach_user_policy(UserName="assumer", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    k = iam.create_access_key(UserName="assumer")["AccessKey"]
    creds = as_user(gureum, k["AccessKeyId"], k["SecretAccessKey"], "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="capped")["Credentials"]
    sess = gureum.client("iam", aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                         config=Config(retries={"max_attempts": 1}))
    assert sess.get_role(RoleName="bounded-role")["Role"]["RoleName"] == "bounded-role"
    assert error_of(lambda: sess.create_user(UserName="nope"))[:2] == ("AccessDenied", 403)
    # the assuming user's own boundary applies to sts:AssumeRole
    iam.put_user_permissions_boundary(UserName="assumer",
                                      PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert error_of(lambda: as_user(gureum, k["AccessKeyId"], k["SecretAccessKey"], "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="capped"))[:2] == ("AccessDenied", 403)
    iam.delete_role_permissions_boundary(RoleName="bounded-role")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded-role")["Role"]


def test_dynamodb_table_arn_as_table_name_is_authorized_as_that_table(gureum, alice):
    """A policy on a table's ARN covers requests that name the table by its
    ARN; an ARN of another account's table of the same name is refused."""
    name, key, secret = alice
    ddb = gureum.client("dynamodb")
    hash_table(ddb, "authz-arn")
    ddb.put_item(TableName="authz-arn", Item={"k": {"S": "1"}})
    arn = "arn:aws:dynamodb:us-east-1:%s:table/authz-arn" % ACCT
    gureum.client("iam").put_user_policy(UserName=name, PolicyName="one-table", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": arn}]}))
    me = as_user(gureum, key, secret, "dynamodb")
    for table in ("authz-arn", arn):
        item = once_allowed(lambda: me.get_item(TableName=table, Key={"k": {"S": "1"}}), "GetItem on " + table)
        assert item["Item"] == {"k": {"S": "1"}}
    other = "arn:aws:dynamodb:us-east-1:111111111111:table/authz-arn"
    code, status, msg = error_of(lambda: me.get_item(TableName=other, Key={"k": {"S": "1"}}))
    assert (code, status) == ("AccessDeniedException", 400) and other in msg
    ddb.delete_table(TableName="authz-arn")


def test_partiql_statements_are_authorized_as_what_they_do(gureum, alice):
    """AWS: each PartiQL statement needs dynamodb:PartiQLSelect, -Insert,
    -Update or -Delete on its table (a SELECT from an index, on the index),
    in ExecuteStatement, BatchExecuteStatement and ExecuteTransaction alike."""
    name, key, secret = alice
    ddb = gureum.client("dynamodb")
    hash_table(ddb, "authz-pq")
    ddb.put_item(TableName="authz-pq", Item={"k": {"S": "1"}})
    arn = "arn:aws:dynamodb:us-east-1:%s:table/authz-pq" % ACCT
    gureum.client("iam").put_user_policy(UserName=name, PolicyName="select-insert", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert"], "Resource": arn}]}))
    me = as_user(gureum, key, secret, "dynamodb")
    assert once_allowed(lambda: me.execute_statement(Statement="SELECT * FROM \"authz-pq\" WHERE k = '1'"),
                        "SELECT")["Items"]
    me.execute_statement(Statement="INSERT INTO \"authz-pq\" VALUE {'k': '2'}")
    code, status, msg = error_of(lambda: me.execute_statement(Statement="DELETE FROM \"authz-pq\" WHERE k = '1'"))
    assert (code, status) == ("AccessDeniedException", 400) and "dynamodb:PartiQLDelete" in msg and arn in msg
    r = me.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO \"authz-pq\" VALUE {'k': '3'}"},
        {"Statement": "UPDATE \"authz-pq\" SET v = 1 WHERE k = '1'"}])["Responses"]
    assert "Error" not in r[0] and r[1]["Error"]["Code"] == "AccessDenied"
    code, _, msg = error_of(lambda: me.execute_transaction(TransactStatements=[
        {"Statement": "INSERT INTO \"authz-pq\" VALUE {'k': '4'}"},
        {"Statement": "DELETE FROM \"authz-pq\" WHERE k = '2'"}]))
    assert code == "AccessDeniedException" and "dynamodb:PartiQLDelete" in msg
    keys = sorted(i["k"]["S"] for i in ddb.scan(TableName="authz-pq")["Items"])
    assert keys == ["1", "2", "3"]  # the refused transaction wrote nothing
    ddb.delete_table(TableName="authz-pq")


def test_dynamodb_export_needs_s3_put_object(gureum, alice):
    """An IAM user's export writes to S3 as that user: without s3:PutObject
    on the bucket the export fails with S3's AccessDenied; with it, it
    completes."""
    name, key, secret = alice
    root_ddb, iam = gureum.client("dynamodb"), gureum.client("iam")
    gureum.client("s3").create_bucket(Bucket="authz-exports")
    hash_table(root_ddb, "authz-exp")
    root_ddb.update_continuous_backups(TableName="authz-exp",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    arn = "arn:aws:dynamodb:us-east-1:%s:table/authz-exp" % ACCT
    statements = [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]
    iam.put_user_policy(UserName=name, PolicyName="ddb", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    ddb = as_user(gureum, key, secret, "dynamodb")
    first = once_allowed(lambda: ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="authz-exports"),
                         "ExportTableToPointInTime")["ExportDescription"]
    failed = ddb.describe_export(ExportArn=first["ExportArn"])["ExportDescription"]
    assert (failed["ExportStatus"], failed["FailureCode"]) == ("FAILED", "S3AccessDenied")
    statements.append({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::authz-exports/*"})
    iam.put_user_policy(UserName=name, PolicyName="ddb", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    for _ in range(50):
        done = ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket="authz-exports")["ExportDescription"]
        done = ddb.describe_export(ExportArn=done["ExportArn"])["ExportDescription"]
        if done["ExportStatus"] == "COMPLETED":
            break
        time.sleep(0.1)
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 0
    root_ddb.delete_table(TableName="authz-exp")


def test_dynamodb_import_needs_s3_list_and_get(gureum, alice):
    """An IAM user's import reads S3 as that user: ImportTable is authorized on the table it
    creates (TableCreationParameters.TableName); without s3:ListBucket on the bucket the import
    fails with S3's AccessDenied and leaves no table; with it an empty prefix imports, but objects
    need s3:GetObject too; with both the import completes."""
    name, key, secret = alice
    root_ddb, iam = gureum.client("dynamodb"), gureum.client("iam")
    s3 = gureum.client("s3")
    s3.create_bucket(Bucket="authz-imports")
    s3.put_object(Bucket="authz-imports", Key="in/a.json", Body=b'{"Item":{"k":{"S":"a"}}}\n')
    ddb = as_user(gureum, key, secret, "dynamodb")

    def policy(statements):
        iam.put_user_policy(UserName=name, PolicyName="imp", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))

    def start(table="authz-imp", prefix="in/"):
        first = ddb.import_table(S3BucketSource={"S3Bucket": "authz-imports", "S3KeyPrefix": prefix},
                                 InputFormat="DYNAMODB_JSON", TableCreationParameters={
                                     "TableName": table, "BillingMode": "PAY_PER_REQUEST",
                                     "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                                     "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}]})
        return ddb.describe_import(ImportArn=first["ImportTableDescription"]["ImportArn"])["ImportTableDescription"]

    def until(table, prefix, status):
        """The import's description once the policy just put applies (within moments)."""
        for _ in range(50):
            d = once_allowed(lambda: start(table, prefix), "ImportTable")
            if d["ImportStatus"] == status:
                return d
            time.sleep(0.1)
        raise AssertionError("%s stayed %s" % (table, d["ImportStatus"]))

    policy([{"Effect": "Allow", "Action": "dynamodb:ImportTable",
             "Resource": "arn:aws:dynamodb:us-east-1:%s:table/other" % ACCT}])
    time.sleep(0.3)
    code, status, msg = error_of(start)
    assert (code, status) == ("AccessDeniedException", 400)
    assert "dynamodb:ImportTable on resource: arn:aws:dynamodb:us-east-1:%s:table/authz-imp" % ACCT in msg
    statements = [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]
    policy(statements)
    d = once_allowed(start, "ImportTable")
    assert (d["ImportStatus"], d["FailureCode"], d["FailureMessage"]) == ("FAILED", "S3AccessDenied", "Access Denied")
    assert error_of(lambda: root_ddb.describe_table(TableName="authz-imp"))[0] == "ResourceNotFoundException"
    statements.append({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::authz-imports"})
    policy(statements)
    empty = until("authz-imp-empty", "none/", "COMPLETED")  # listing allowed: nothing to read
    assert (empty["ProcessedItemCount"], empty["ImportedItemCount"]) == (0, 0)
    d = start()
    assert (d["ImportStatus"], d["FailureCode"]) == ("FAILED", "S3AccessDenied")  # the object's GetObject
    statements.append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::authz-imports/in/*"})
    policy(statements)
    d = until("authz-imp", "in/", "COMPLETED")
    assert (d["ImportedItemCount"], d["ErrorCount"]) == (1, 0)
    assert root_ddb.get_item(TableName="authz-imp", Key={"k": {"S": "a"}})["Item"] == {"k": {"S": "a"}}
    for t in ("authz-imp", "authz-imp-empty"):
        root_ddb.delete_table(TableName=t)


def test_eventbridge_names_its_resources(gureum, alice):
    """AWS (Service Authorization Reference, EventBridge): a rule on the default
    bus is rule/NAME, on another bus rule/BUS/NAME; a bus is event-bus/NAME."""
    name, key, secret = alice
    base = "arn:aws:events:us-east-1:%s:" % ACCT
    gureum.client("iam").put_user_policy(UserName=name, PolicyName="rules", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["events:DescribeRule", "events:DeleteRule"],
             "Resource": base + "rule/orders/allowed"},
            {"Effect": "Allow", "Action": "events:DescribeEventBus", "Resource": base + "event-bus/orders"}]}))
    root = gureum.client("events")
    root.create_event_bus(Name="orders")
    for bus, rule in (("orders", "allowed"), ("orders", "other"), ("default", "allowed")):
        root.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["x"]}))
    ev = as_user(gureum, key, secret, "events")
    got = once_allowed(lambda: ev.describe_rule(Name="allowed", EventBusName="orders"), "DescribeRule")
    assert got["Arn"] == base + "rule/orders/allowed"
    assert ev.describe_rule(Name="allowed", EventBusName=base + "event-bus/orders")["Name"] == "allowed"
    assert ev.describe_event_bus(Name="orders")["Name"] == "orders"
    for call in (lambda: ev.describe_rule(Name="other", EventBusName="orders"),
                 lambda: ev.describe_rule(Name="allowed"),
                 lambda: ev.delete_rule(Name="allowed", EventBusName="default"),
                 lambda: ev.describe_event_bus(Name="default")):
        assert error_of(call)[:2] == ("AccessDeniedException", 400)
    ev.delete_rule(Name="allowed", EventBusName="orders")
