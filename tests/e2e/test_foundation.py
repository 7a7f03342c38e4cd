"""The foundation, end to end: a real `gureum serve` driven by the real AWS
CLIs (Debian's v2 and the newer v1 where present) and boto3.

One request path through every protocol: STS GetCallerIdentity (query), EC2
regions and zones (ec2), DynamoDB ListTables (json 1.0), CloudWatch Logs
DescribeLogGroups (json 1.1), Lambda ListFunctions (rest-json), S3
ListBuckets (rest-xml); SigV4 failures in each service's own error format;
the inspection endpoint, the access log, and a clean SIGTERM.
"""
import datetime
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from unittest import mock

import boto3
import botocore
import botocore.auth
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import CLIS

ROOT_ARN = "arn:aws:iam::000000000000:root"


def cli_json(gureum, cli, *args, region="us-east-1"):
    p = gureum.aws(*args, cli=cli, env={"AWS_DEFAULT_REGION": region})
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout) if p.stdout.strip() else None


def client(gureum, service, key="test", secret="test", region="us-east-1", **kw):
    return boto3.client(service, endpoint_url=gureum.endpoint, region_name=region,
                        aws_access_key_id=key, aws_secret_access_key=secret, **kw)


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


# ==== inspection ====

def test_health_names_every_service(gureum):
    with urllib.request.urlopen(gureum.endpoint + "/_gureum/health") as r:
        assert r.status == 200
        h = json.load(r)
    for svc in ("sts", "ec2", "dynamodb", "logs", "lambda", "s3", "kinesis"):
        assert h["services"][svc]["state"] == "running"
        assert h["services"][svc]["operations"] >= h["services"][svc]["implemented"] >= 1
    # every DynamoDB operation of the model (and its newer ones) is implemented
    assert h["services"]["dynamodb"]["operations"] == h["services"]["dynamodb"]["implemented"]
    assert h["services"]["ec2"]["operations"] > h["services"]["ec2"]["implemented"]


# ==== STS (query) ====

@pytest.mark.parametrize("cli", CLIS)
def test_sts_get_caller_identity_cli(gureum, cli):
    out = cli_json(gureum, cli, "sts", "get-caller-identity")
    assert out == {"UserId": "000000000000", "Account": "000000000000", "Arn": ROOT_ARN}


def test_sts_get_caller_identity_boto3(gureum):
    r = client(gureum, "sts").get_caller_identity()
    assert r["Account"] == "000000000000"
    assert r["Arn"] == ROOT_ARN
    assert len(r["ResponseMetadata"]["RequestId"]) == 36


@pytest.mark.parametrize("cli", CLIS)
def test_sts_auth_failures_cli(gureum, cli):
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert p.returncode != 0 and "SignatureDoesNotMatch" in p.stderr
    p = gureum.aws("sts", "get-caller-identity", cli=cli, env={"AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000000"})
    assert p.returncode != 0 and "InvalidClientTokenId" in p.stderr
    p = gureum.aws("sts", "get-caller-identity", "--no-sign-request", cli=cli)
    assert p.returncode != 0 and "MissingAuthenticationToken" in p.stderr


def test_sts_auth_failures_boto3(gureum):
    assert error_of(client(gureum, "sts", secret="wrong").get_caller_identity)[:2] == ("SignatureDoesNotMatch", 403)
    code, status, msg = error_of(client(gureum, "sts", key="AKIAUNKNOWNKEY000000").get_caller_identity)
    assert (code, status) == ("InvalidClientTokenId", 403)
    assert msg == "The security token included in the request is invalid."
    unsigned = client(gureum, "sts", config=Config(signature_version=UNSIGNED))
    assert error_of(unsigned.get_caller_identity)[:2] == ("MissingAuthenticationToken", 403)


def test_sts_clock_skew_is_refused(gureum):
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)

    class Past(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return old

        @classmethod
        def now(cls, tz=None):
            return old.replace(tzinfo=tz) if tz else old

    with mock.patch.object(botocore.auth.datetime, "datetime", Past):
        code, status, _ = error_of(client(gureum, "sts").get_caller_identity)
    assert (code, status) == ("RequestExpired", 400)


def test_sts_not_implemented_and_unknown_action(gureum):
    sts = client(gureum, "sts")
    code, status, msg = error_of(lambda: sts.decode_authorization_message(EncodedMessage="xyz"))
    assert (code, status) == ("NotImplemented", 501) and "DecodeAuthorizationMessage" in msg
    # A well-signed request for an action STS does not have.
    req = AWSRequest(method="POST", url=gureum.endpoint + "/", data="Action=NoSuchAction&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(req)
    body, status = send(req)
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body and b"<Type>Sender</Type>" in body


def send(req):
    p = req.prepare()
    body = p.body.encode() if isinstance(p.body, str) else p.body
    r = urllib.request.Request(p.url, data=body, method=p.method, headers=dict(p.headers))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.read(), resp.status
    except urllib.error.HTTPError as e:
        return e.read(), e.code


# ==== EC2 (ec2) ====

@pytest.mark.parametrize("cli", CLIS)
def test_ec2_availability_zones_seoul(gureum, cli):
    out = cli_json(gureum, cli, "ec2", "describe-availability-zones", "--region", "ap-northeast-2",
                   region="ap-northeast-2")
    zones = out["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c",
                                             "ap-northeast-2d"]
    assert [z["ZoneId"] for z in zones] == ["apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"]
    assert all(z["State"] == "available" and z["RegionName"] == "ap-northeast-2" for z in zones)


def test_ec2_zone_filters_and_errors(gureum):
    ec2 = client(gureum, "ec2", region="ap-northeast-2")
    r = ec2.describe_availability_zones(Filters=[{"Name": "zone-name", "Values": ["*2c", "*2d"]}])
    assert [z["ZoneName"] for z in r["AvailabilityZones"]] == ["ap-northeast-2c", "ap-northeast-2d"]
    r = ec2.describe_availability_zones(ZoneNames=["ap-northeast-2b"])
    assert [z["ZoneName"] for z in r["AvailabilityZones"]] == ["ap-northeast-2b"]
    code, status, _ = error_of(lambda: ec2.describe_availability_zones(ZoneNames=["ap-northeast-2z"]))
    assert (code, status) == ("InvalidParameterValue", 400)
    code, _, msg = error_of(lambda: ec2.describe_availability_zones(Filters=[{"Name": "bogus", "Values": ["x"]}]))
    assert code == "InvalidParameterValue" and "bogus" in msg


@pytest.mark.parametrize("cli", CLIS)
def test_ec2_regions(gureum, cli):
    names = [r["RegionName"] for r in cli_json(gureum, cli, "ec2", "describe-regions")["Regions"]]
    assert "us-east-1" in names and "ap-northeast-2" in names
    assert "af-south-1" not in names  # opt-in regions only with --all-regions
    every = cli_json(gureum, cli, "ec2", "describe-regions", "--all-regions")["Regions"]
    assert {"RegionName": "af-south-1", "Endpoint": "ec2.af-south-1.amazonaws.com",
            "OptInStatus": "not-opted-in"} in every


def test_ec2_auth_failure_format(gureum):
    code, status, _ = error_of(client(gureum, "ec2", key="AKIAUNKNOWNKEY000000").describe_regions)
    assert (code, status) == ("AuthFailure", 401)


# ==== DynamoDB (json 1.0), Logs (json 1.1), Lambda (rest-json) ====

@pytest.mark.parametrize("cli", CLIS)
def test_empty_listings(gureum, cli):
    assert cli_json(gureum, cli, "dynamodb", "list-tables") == {"TableNames": []}
    assert cli_json(gureum, cli, "logs", "describe-log-groups") == {"logGroups": []}
    assert cli_json(gureum, cli, "lambda", "list-functions") == {"Functions": []}


def test_json_auth_failures(gureum):
    ddb = client(gureum, "dynamodb", key="AKIAUNKNOWNKEY000000")
    assert error_of(ddb.list_tables)[:2] == ("UnrecognizedClientException", 400)
    ddb = client(gureum, "dynamodb", secret="wrong")
    assert error_of(ddb.list_tables)[:2] == ("InvalidSignatureException", 400)
    lam = client(gureum, "lambda", secret="wrong")
    assert error_of(lam.list_functions)[:2] == ("InvalidSignatureException", 403)


def test_json_validation(gureum):
    # Client-side validation off, so the server's own checks answer.
    ddb = client(gureum, "dynamodb", config=Config(parameter_validation=False))
    code, status, msg = error_of(lambda: ddb.list_tables(Limit=0))
    assert (code, status) == ("ValidationException", 400)
    logs = client(gureum, "logs", config=Config(parameter_validation=False))
    code, status, _ = error_of(lambda: logs.describe_log_groups(limit=51))
    assert (code, status) == ("InvalidParameterException", 400)


# ==== S3 (rest-xml) ====

@pytest.mark.parametrize("cli", CLIS)
def test_s3_ls_empty(gureum, cli):
    p = gureum.aws("s3", "ls", cli=cli)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    out = cli_json(gureum, cli, "s3api", "list-buckets")
    assert out["Buckets"] == []
    assert len(out["Owner"]["ID"]) == 64


def test_s3_auth_failures_are_xml(gureum):
    s3 = client(gureum, "s3", secret="wrong")
    assert error_of(s3.list_buckets)[:2] == ("SignatureDoesNotMatch", 403)
    s3 = client(gureum, "s3", key="AKIAUNKNOWNKEY000000")
    assert error_of(s3.list_buckets)[:2] == ("InvalidAccessKeyId", 403)
    # Anonymous: S3's own XML error document.
    try:
        urllib.request.urlopen(gureum.endpoint + "/")
        raise AssertionError("anonymous ListBuckets succeeded")
    except urllib.error.HTTPError as e:
        body = e.read()
        assert e.code == 403
        assert body.startswith(b"<?xml") and b"<Error><Code>AccessDenied</Code>" in body
        assert e.headers["x-amz-request-id"]


def test_s3_presigned_url(gureum):
    # boto3 1.26 presigns S3 with SigV2 unless told s3v4; SigV2 comes with the S3 issue.
    s3 = client(gureum, "s3", config=Config(signature_version="s3v4"))
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=60)
    with urllib.request.urlopen(url) as r:
        assert r.status == 200 and b"<ListAllMyBucketsResult" in r.read()
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)

    class Past(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return old

        @classmethod
        def now(cls, tz=None):
            return old.replace(tzinfo=tz) if tz else old

    with mock.patch.object(botocore.auth.datetime, "datetime", Past):
        url = s3.generate_presigned_url("list_buckets", ExpiresIn=60)
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(url)
    assert ei.value.code == 403 and b"<Code>AccessDenied</Code>" in ei.value.read()


# ==== the binary ====

def test_gureum_aws_wrapper(gureum):
    env = dict(os.environ, GUREUM_PORT=str(gureum.port), AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_PAGER="")
    p = subprocess.run([gureum.binary, "aws", "sts", "get-caller-identity"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Arn"] == ROOT_ARN


def test_version(gureum):
    p = subprocess.run([gureum.binary, "version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("gureum ")


def test_access_log_line(gureum):
    rid = client(gureum, "sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
    # An event loop writes its access lines after the round of events that
    # answered them, so the line may land a moment after the client has its answer.
    deadline = time.time() + 5
    while True:
        lines = [l for l in gureum.log_text().splitlines() if rid in l]
        if lines or time.time() > deadline:
            break
        time.sleep(0.02)
    assert len(lines) == 1
    assert "sts GetCallerIdentity 200" in lines[0] and "ms" in lines[0]


def test_port_in_use_exits_cleanly(gureum, tmp_path):
    # The start hooks' threads were still opening databases when the store
    # closed: a heap-use-after-free under ASan (found by a dynalite run).
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        for i in range(3):
            p = subprocess.run([gureum.binary, "serve", "--host", "127.0.0.1", "--port", str(taken.getsockname()[1]),
                                "--data", str(tmp_path / str(i))], capture_output=True, text=True, timeout=30)
            assert p.returncode == 1 and "cannot listen" in p.stderr
            assert "Sanitizer" not in p.stderr, p.stderr
    finally:
        taken.close()


def test_refuses_public_bind_without_keys(gureum, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUREUM_")}
    p = subprocess.run([gureum.binary, "serve", "--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path)],
                       env=env, capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "GUREUM_ROOT_ACCESS_KEY" in p.stderr


# ==== accounts ====

def test_several_accounts_from_env_and_config_file(gureum_factory, tmp_path):
    cfg = tmp_path / "gureum.json"
    cfg.write_text(json.dumps({"accounts": [
        {"id": "000000000000", "access_key": "test", "secret_key": "test"},
        {"id": "222222222222", "access_key": "AKIASECONDACCOUNT000", "secret_key": "second-secret"},
    ]}))
    g = gureum_factory(args=["--config", str(cfg)],
                       env={"GUREUM_ACCOUNTS": "333333333333:AKIATHIRDACCOUNT0000:third-secret"})
    for key, secret, acct in (("test", "test", "000000000000"),
                              ("AKIASECONDACCOUNT000", "second-secret", "222222222222"),
                              ("AKIATHIRDACCOUNT0000", "third-secret", "333333333333")):
        r = g.client("sts", aws_access_key_id=key, aws_secret_access_key=secret).get_caller_identity()
        assert (r["Account"], r["Arn"]) == (acct, "arn:aws:iam::%s:root" % acct)
    code, _, _ = error_of(g.client("sts", aws_access_key_id="AKIASECONDACCOUNT000",
                                   aws_secret_access_key="test").get_caller_identity)
    assert code == "SignatureDoesNotMatch"


def test_bad_account_config_is_refused(gureum, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUREUM_")}
    env["GUREUM_ACCOUNTS"] = "12345:key:secret"
    p = subprocess.run([gureum.binary, "serve", "--port", "0", "--data", str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "12 digits" in p.stderr
