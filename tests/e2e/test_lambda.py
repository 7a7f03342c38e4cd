"""test_lambda.py — Lambda end to end (scenario C of shared/SCENARIOS.md):
functions created from zips with Debian's `aws` CLI and boto3, run by the
machine's node and python3 through our Runtime API bootstraps and by a shell
`bootstrap` (provided.al2); the v2 JS SDK's own errors; role credentials and
gureum's endpoint inside the function; timeouts; CloudWatch Logs output;
SQS event source mappings; the sandbox hiding gureum's data directory.
"""
import base64
import io
import json
import os
import re
import subprocess
import time
import urllib.request
import zipfile

import botocore.exceptions
import pytest

from conftest import serve, lambda_role, wait_for

AWS = "/usr/bin/aws"
SDK_V2 = "/usr/local/lib/gureum/lambda/nodejs16/node_modules/aws-sdk"

# Scenario C.1, written as a user would for nodejs16.x (the v2 SDK is there on AWS).
SMS_JS = """
const AWS = require('aws-sdk');
exports.handler = (event, context, callback) => {
  console.log('sending', event.number);
  const params = { Message: event.text, PhoneNumber: event.number };
  new AWS.SNS({ apiVersion: '2010-03-31', region: 'ap-northeast-1' }).publish(params).promise()
    .then((data) => callback(null, 'Sent message ' + data.MessageId))
    .catch((err) => callback(err));
};
"""

BOTO_PY = """
import os, boto3
def handler(event, context):
    print("python got", event)
    ident = boto3.client("sts").get_caller_identity()
    return {"arn": ident["Arn"], "name": context.function_name,
            "region": os.environ["AWS_REGION"], "memory": context.memory_limit_in_mb}
"""

SHELL_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "shell saw $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" >/dev/null
done
"""

SLEEP_PY = """
import time
def handler(event, context):
    print("going to sleep")
    time.sleep(30)
"""

SNOOP_PY = """
import os
def handler(event, context):
    out = {}
    for p in event["paths"]:
        try:
            with open(p, "rb") as f:
                out[p] = "read %d bytes" % len(f.read(16))
        except Exception as e:
            out[p] = type(e).__name__
    try:
        out["listing"] = os.listdir(event["data"])
    except Exception as e:
        out["listing"] = type(e).__name__
    with open("/tmp/mine", "w") as f:
        f.write("x")
    out["tmp"] = os.listdir("/tmp")
    out["uid"] = os.getuid()
    return out
"""

SQS_PY = """
import json
def handler(event, context):
    failures = []
    for r in event["Records"]:
        print("record", r["body"], r["eventSource"])
        if r["body"] == "poison":
            failures.append({"itemIdentifier": r["messageId"]})
    return {"batchItemFailures": failures}
"""


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            z.writestr(info, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    """A server whose Event retries come after 0.3 s instead of AWS's minutes, and whose
    schedules' minute lasts 0.4 s."""
    yield from serve(tmp_path_factory, {"GUREUM_LAMBDA_RETRY_MS": "300", "GUREUM_EVENTS_MINUTE_MS": "400"})


@pytest.fixture(scope="module")
def lam(g):
    return g.client("lambda", region_name="ap-northeast-2")


@pytest.fixture(scope="module")
def role(g):
    iam = g.client("iam")
    arn = lambda_role(iam, "sms-role")
    iam.put_role_policy(RoleName="sms-role", PolicyName="sns", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sns:Publish", "sqs:*", "logs:*"], "Resource": "*"}]}))
    return arn


def cli(g, *args, region="ap-northeast-2"):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=region,
               AWS_CONFIG_FILE=g.aws_config, AWS_SHARED_CREDENTIALS_FILE=g.aws_credentials, AWS_PAGER="")
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    return subprocess.run([AWS, "--endpoint-url", g.endpoint, *args], capture_output=True, text=True, env=env,
                          timeout=60)


def create(lam, role, name, runtime, handler, files, **kw):
    return lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=role,
                               Code={"ZipFile": zip_of(files)}, **kw)


def invoke(lam, name, payload, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kw)
    return r, r["Payload"].read()


# ==== Scenario C: the SMS function, with Debian's aws CLI ====

@pytest.mark.skipif(not os.path.isdir(SDK_V2), reason="v2 aws-sdk not installed (scripts/install-deps.sh)")
def test_nodejs16_sms_function_with_the_cli(g, role, tmp_path):
    (tmp_path / "fn.zip").write_bytes(zip_of({"index.js": (SMS_JS, 0o644)}))
    r = cli(g, "lambda", "create-function", "--function-name", "send-sms", "--runtime", "nodejs16.x",
            "--handler", "index.handler", "--role", role, "--zip-file", "fileb://%s" % (tmp_path / "fn.zip"))
    assert r.returncode == 0, r.stderr
    created = json.loads(r.stdout)
    assert created["State"] == "Pending" and created["Runtime"] == "nodejs16.x"
    got = json.loads(cli(g, "lambda", "get-function", "--function-name", "send-sms").stdout)
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    # The zip downloads from Code.Location
    # C.3: without text, the v2 SDK refuses the publish: its own error type and message
    out = tmp_path / "out.json"
    r = cli(g, "lambda", "invoke", "--function-name", "send-sms", "--cli-binary-format", "raw-in-base64-out",
            "--payload", json.dumps({"number": "+821012345678"}), str(out))
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert meta["StatusCode"] == 200 and meta["FunctionError"] == "Unhandled"
    err = json.loads(out.read_text())
    assert err["errorType"] == "MissingRequiredParameter"
    assert err["errorMessage"] == "Missing required key 'Message' in params"
    assert any("param_validator" in line for line in err["trace"])
    # C.2: with text, the callback's string, and the SMS in gureum's outbox
    r = cli(g, "lambda", "invoke", "--function-name", "send-sms", "--cli-binary-format", "raw-in-base64-out",
            "--payload", json.dumps({"text": "hello", "number": "+821012345678"}), str(out))
    assert r.returncode == 0, r.stderr
    assert "FunctionError" not in json.loads(r.stdout), out.read_text()
    result = json.loads(out.read_text())
    assert result.startswith("Sent message ")
    msg_id = result[len("Sent message "):]
    sms = json.loads(urllib.request.urlopen(g.endpoint + "/_gureum/sns/sms", timeout=5).read())
    mine = [m for m in sms if m["messageId"] == msg_id]
    assert len(mine) == 1, sms
    assert mine[0]["phoneNumber"] == "+821012345678" and mine[0]["message"] == "hello" and mine[0]["time"]


# Scenario C.4: the same function in Python with boto3.
SMS_PY = """
import boto3
def handler(event, context):
    r = boto3.client("sns", region_name="ap-northeast-1").publish(Message=event.get("text"),
                                                                 PhoneNumber=event["number"])
    return "Sent message " + r["MessageId"]
"""


def test_python311_sms_function_with_the_cli(g, role, tmp_path):
    (tmp_path / "py.zip").write_bytes(zip_of({"app.py": (SMS_PY, 0o644)}))
    r = cli(g, "lambda", "create-function", "--function-name", "send-sms-py", "--runtime", "python3.11",
            "--handler", "app.handler", "--role", role, "--zip-file", "fileb://%s" % (tmp_path / "py.zip"))
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out.json"
    # without text, boto3 refuses the publish before sending: its own error type
    r = cli(g, "lambda", "invoke", "--function-name", "send-sms-py", "--cli-binary-format", "raw-in-base64-out",
            "--payload", json.dumps({"number": "+821012345678"}), str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["FunctionError"] == "Unhandled"
    err = json.loads(out.read_text())
    assert err["errorType"] == "ParamValidationError", err
    assert "Invalid type for parameter Message" in err["errorMessage"], err
    r = cli(g, "lambda", "invoke", "--function-name", "send-sms-py", "--cli-binary-format", "raw-in-base64-out",
            "--payload", json.dumps({"text": "hello from python", "number": "+821012345679"}), str(out))
    assert r.returncode == 0, r.stderr
    assert "FunctionError" not in json.loads(r.stdout), out.read_text()
    result = json.loads(out.read_text())
    assert result.startswith("Sent message ")
    sms = json.loads(urllib.request.urlopen(g.endpoint + "/_gureum/sns/sms", timeout=5).read())
    mine = [m for m in sms if m["messageId"] == result[len("Sent message "):]]
    assert len(mine) == 1 and mine[0]["phoneNumber"] == "+821012345679", sms
    assert mine[0]["message"] == "hello from python"


# ==== Python with boto3, provided.al2 ====

def test_python311_boto3_uses_role_credentials_and_gureum(lam, role):
    create(lam, role, "py-boto", "python3.11", "app.handler", {"app.py": (BOTO_PY, 0o600)}, MemorySize=256)
    r, body = invoke(lam, "py-boto", {"k": "v"}, LogType="Tail")
    assert r["StatusCode"] == 200 and "FunctionError" not in r, body
    out = json.loads(body)
    # the SDK inside signed with the role's session, against gureum
    assert out["arn"] == "arn:aws:sts::000000000000:assumed-role/sms-role/py-boto"
    assert out == dict(out, name="py-boto", region="ap-northeast-2", memory="256")
    tail = base64.b64decode(r["LogResult"]).decode()
    assert "START RequestId: %s Version: $LATEST" % r["ResponseMetadata"]["RequestId"] in tail
    assert "python got {'k': 'v'}" in tail
    assert "REPORT RequestId:" in tail and "Memory Size: 256 MB" in tail and "Init Duration:" in tail
    # warm: the same process answers, no Init Duration
    r2, _ = invoke(lam, "py-boto", {}, LogType="Tail")
    assert "Init Duration" not in base64.b64decode(r2["LogResult"]).decode()


V3_MJS = """
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
export const handler = async (event, context) => {
  const r = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  return { arn: r.Arn, stream: context.logStreamName };
};
"""


@pytest.mark.skipif(not os.path.isdir("/usr/local/lib/gureum/lambda/nodejs18/node_modules/@aws-sdk/client-sts"),
                    reason="v3 SDK not installed (scripts/install-deps.sh)")
def test_nodejs20_esm_with_sdk_v3(lam, role):
    create(lam, role, "v3", "nodejs20.x", "index.handler", {"index.mjs": (V3_MJS, 0o644)})
    r, body = invoke(lam, "v3", {})
    assert "FunctionError" not in r, body
    out = json.loads(body)
    assert out["arn"] == "arn:aws:sts::000000000000:assumed-role/sms-role/v3"
    assert out["stream"].startswith(time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()))


def test_concurrent_invokes_get_their_own_processes(g, lam, role):
    import concurrent.futures
    create(lam, role, "par", "python3.11", "app.handler",
           {"app.py": ("import time\ndef handler(e, c):\n    time.sleep(0.5)\n    return c.log_stream_name\n", 0o644)})
    invoke(lam, "par", {})  # one warm process
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        streams = list(ex.map(lambda i: json.loads(
            g.client("lambda", region_name="ap-northeast-2").invoke(FunctionName="par")["Payload"].read()), range(3)))
    assert len(set(streams)) == 3


def test_provided_al2_shell_bootstrap(lam, role):
    create(lam, role, "shell", "provided.al2", "my.handler", {"bootstrap": (SHELL_BOOTSTRAP, 0o755)})
    r, body = invoke(lam, "shell", {"n": 7})
    assert "FunctionError" not in r, body
    assert json.loads(body) == {"echo": {"n": 7}, "handler": "my.handler"}


def test_provided_without_bootstrap_is_invalid_entrypoint(lam, role):
    create(lam, role, "no-boot", "provided.al2023", "x", {"readme.txt": ("nothing", 0o644)})
    r, body = invoke(lam, "no-boot", {})
    assert r["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "Runtime.InvalidEntrypoint"


# ==== Errors, timeouts, logs ====

def test_python_error_payload(lam, role):
    create(lam, role, "py-err", "python3.12", "app.handler",
           {"app.py": ("def handler(e, c):\n    raise ValueError('bad input')\n", 0o644)})
    r, body = invoke(lam, "py-err", {})
    assert r["FunctionError"] == "Unhandled"
    err = json.loads(body)
    assert err["errorType"] == "ValueError" and err["errorMessage"] == "bad input"
    assert any("raise ValueError" in line for line in err["stackTrace"])
    create(lam, role, "py-missing", "python3.9", "nope.handler", {"app.py": ("x = 1\n", 0o644)})
    r, body = invoke(lam, "py-missing", {})
    err = json.loads(body)
    assert err["errorType"] == "Runtime.ImportModuleError"
    assert err["errorMessage"] == "Unable to import module 'nope': No module named 'nope'"


def test_timeout_kills_and_reports(g, lam, role):
    create(lam, role, "sleepy", "python3.11", "app.handler", {"app.py": (SLEEP_PY, 0o644)}, Timeout=1)
    t0 = time.monotonic()
    r, body = invoke(lam, "sleepy", {}, LogType="Tail")
    assert time.monotonic() - t0 < 10
    assert r["FunctionError"] == "Unhandled"
    err = json.loads(body)
    assert err["errorType"] == "Sandbox.Timedout"
    assert err["errorMessage"].endswith("Task timed out after 1.00 seconds")
    tail = base64.b64decode(r["LogResult"]).decode()
    assert "going to sleep" in tail and "Task timed out after 1.00 seconds" in tail
    # the next call gets a fresh process and times out again, not a stuck one
    r, body = invoke(lam, "sleepy", {})
    assert json.loads(body)["errorType"] == "Sandbox.Timedout"


def test_logs_tail_shows_output(g, lam, role):
    create(lam, role, "printer", "python3.10", "app.handler",
           {"app.py": ("import logging\ndef handler(e, c):\n    print('printed', e['x'])\n"
                       "    logging.getLogger().warning('careful %s', e['x'])\n    return 1\n", 0o644)})
    r, _ = invoke(lam, "printer", {"x": "marker-42"})
    rid = r["ResponseMetadata"]["RequestId"]
    deadline = time.monotonic() + 10
    while True:
        r = cli(g, "logs", "tail", "/aws/lambda/printer")
        if "printed marker-42" in r.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "printed marker-42" in r.stdout, r.stdout + r.stderr
    assert "REPORT RequestId:" in r.stdout
    # AWS's Python runtime: the root logger writes [LEVEL]<tab>time<tab>request id<tab>message
    assert re.search(r"\[WARNING\]\t\d{4}-\d\d-\d\dT[\d:.]+Z\t%s\tcareful marker-42" % rid, r.stdout), r.stdout
    streams = g.client("logs", region_name="ap-northeast-2").describe_log_streams(
        logGroupName="/aws/lambda/printer")["logStreams"]
    assert streams and "/[$LATEST]" in streams[0]["logStreamName"]


def test_event_invoke_retries_then_dead_letter_queue(g, lam, role):
    sqs = g.client("sqs", region_name="ap-northeast-2")
    q = sqs.create_queue(QueueName="fn-dlq")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    create(lam, role, "always-fails", "python3.11", "app.handler",
           {"app.py": ("def handler(e, c):\n    print('attempt')\n    raise RuntimeError('no')\n", 0o644)},
           DeadLetterConfig={"TargetArn": qarn})
    r = lam.invoke(FunctionName="always-fails", InvocationType="Event", Payload=b'{"id": 1}')
    assert r["StatusCode"] == 202
    msgs = []
    deadline = time.monotonic() + 20
    while not msgs and time.monotonic() < deadline:
        msgs = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
    assert msgs, "the failed event never reached the DLQ"
    assert json.loads(msgs[0]["Body"]) == {"id": 1}
    assert "RuntimeError" in msgs[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
    # Function output reaches Logs in batches (every 50 ms), so the last
    # attempt's lines may land just after the DLQ message: wait for them.
    logs = g.client("logs", region_name="ap-northeast-2")
    starts, deadline = 0, time.monotonic() + 5
    while starts < 3 and time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName="/aws/lambda/always-fails")["events"]
        starts = sum(1 for e in events if e["message"].startswith("START "))
        time.sleep(0.1)
    assert starts == 3  # the call and two retries


def test_event_invoke_destinations(g, lam, role):
    sqs = g.client("sqs", region_name="ap-northeast-2")
    qs = {}
    for n in ("ok-dest", "fail-dest"):
        url = sqs.create_queue(QueueName=n)["QueueUrl"]
        qs[n] = (url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    create(lam, role, "dest", "python3.11", "app.handler",
           {"app.py": ("def handler(e, c):\n    if e.get('fail'): raise KeyError('k')\n    return {'got': e}\n", 0o644)})
    cfg = lam.put_function_event_invoke_config(
        FunctionName="dest", MaximumRetryAttempts=0, DestinationConfig={
            "OnSuccess": {"Destination": qs["ok-dest"][1]}, "OnFailure": {"Destination": qs["fail-dest"][1]}})
    assert cfg["MaximumRetryAttempts"] == 0 and cfg["DestinationConfig"]["OnFailure"]["Destination"] == qs["fail-dest"][1]
    lam.invoke(FunctionName="dest", InvocationType="Event", Payload=b'{"n": 1}')
    lam.invoke(FunctionName="dest", InvocationType="Event", Payload=b'{"fail": true}')

    def one(q):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages", [])
            if m:
                return json.loads(m[0]["Body"])
        raise AssertionError("no invocation record")
    ok, ko = one(qs["ok-dest"][0]), one(qs["fail-dest"][0])
    assert ok["requestContext"]["condition"] == "Success" and ok["requestPayload"] == {"n": 1}
    assert ok["responsePayload"] == {"got": {"n": 1}} and ok["responseContext"]["executedVersion"] == "$LATEST"
    assert ko["requestContext"]["condition"] == "RetriesExhausted"
    assert ko["requestContext"]["approximateInvokeCount"] == 1  # MaximumRetryAttempts 0: no retry
    assert ko["responseContext"]["functionError"] == "Unhandled" and ko["responsePayload"]["errorType"] == "KeyError"
    lam.delete_function_event_invoke_config(FunctionName="dest")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function_event_invoke_config(FunctionName="dest")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_dry_run_and_not_found(lam):
    assert lam.invoke(FunctionName="py-boto", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="nope", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert e.value.response["Error"]["Message"] == \
        "Function not found: arn:aws:lambda:ap-northeast-2:000000000000:function:nope"


# ==== Function management and AWS's validation ====

def test_create_validation(lam, role):
    def code_of(**kw):
        args = dict(FunctionName="v", Runtime="python3.11", Handler="a.h", Role=role,
                    Code={"ZipFile": zip_of({"a.py": ("", 0o644)})})
        args.update(kw)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_function(**args)
        return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]
    c, m = code_of(Runtime="nodejs12.x")
    assert c == "InvalidParameterValueException" and "nodejs12.x is no longer supported" in m
    c, m = code_of(Role="arn:aws:iam::000000000000:role/nobody")
    assert (c, m) == ("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
    c, m = code_of(Environment={"Variables": {"AWS_REGION": "x"}})
    assert c == "InvalidParameterValueException" and m.endswith("Reserved keys used in this request: AWS_REGION")
    c, m = code_of(Code={"ZipFile": b"not a zip"})
    assert c == "InvalidParameterValueException" and m.startswith("Could not unzip uploaded file.")
    c, _ = code_of(Timeout=901)
    assert c == "ValidationException"
    c, m = code_of(FunctionName="py-boto")
    assert c == "ResourceConflictException" and m == "Function already exist: py-boto"


def test_update_configuration_and_code_reach_the_next_invoke(lam, role):
    create(lam, role, "upd", "python3.11", "app.handler",
           {"app.py": ("import os\ndef handler(e, c):\n    return ['v1', os.environ.get('COLOR')]\n", 0o644)})
    assert json.loads(invoke(lam, "upd", {})[1]) == ["v1", None]
    cfg = lam.update_function_configuration(FunctionName="upd", Environment={"Variables": {"COLOR": "blue"}})
    assert cfg["LastUpdateStatus"] == "InProgress"
    assert json.loads(invoke(lam, "upd", {})[1]) == ["v1", "blue"]
    lam.update_function_code(FunctionName="upd", ZipFile=zip_of(
        {"app.py": ("import os\ndef handler(e, c):\n    return ['v2', os.environ.get('COLOR')]\n", 0o644)}))
    assert json.loads(invoke(lam, "upd", {})[1]) == ["v2", "blue"]
    got = lam.get_function(FunctionName="upd")
    z = urllib.request.urlopen(got["Code"]["Location"], timeout=5).read() if got["Code"]["Location"] else b""
    assert b"v2" in zipfile.ZipFile(io.BytesIO(z)).read("app.py")
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "upd" in names and "py-boto" in names
    lam.delete_function(FunctionName="upd")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function(FunctionName="upd")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_code_from_s3(g, lam, role):
    s3 = g.client("s3", region_name="ap-northeast-2")
    s3.create_bucket(Bucket="code-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.put_object(Bucket="code-bucket", Key="fn.zip",
                  Body=zip_of({"app.py": ("def handler(e, c):\n    return 'from s3'\n", 0o644)}))
    lam.create_function(FunctionName="from-s3", Runtime="python3.11", Handler="app.handler", Role=role,
                        Code={"S3Bucket": "code-bucket", "S3Key": "fn.zip"})
    assert json.loads(invoke(lam, "from-s3", {})[1]) == "from s3"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_function_code(FunctionName="from-s3", S3Bucket="code-bucket", S3Key="missing.zip")
    assert e.value.response["Error"]["Message"] == ("Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                                                    "S3 Error Message: The specified key does not exist.")


def test_permissions_tags_concurrency(lam, role):
    arn = lam.get_function(FunctionName="py-boto")["Configuration"]["FunctionArn"]
    st = json.loads(lam.add_permission(FunctionName="py-boto", StatementId="sns", Action="lambda:InvokeFunction",
                                       Principal="sns.amazonaws.com",
                                       SourceArn="arn:aws:sns:ap-northeast-2:000000000000:t")["Statement"])
    assert st["Principal"] == {"Service": "sns.amazonaws.com"} and st["Resource"] == arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.add_permission(FunctionName="py-boto", StatementId="sns", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    pol = json.loads(lam.get_policy(FunctionName="py-boto")["Policy"])
    assert [s["Sid"] for s in pol["Statement"]] == ["sns"]
    lam.remove_permission(FunctionName="py-boto", StatementId="sns")
    with pytest.raises(botocore.exceptions.ClientError):
        lam.get_policy(FunctionName="py-boto")
    lam.tag_resource(Resource=arn, Tags={"team": "sms"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "sms"}
    lam.put_function_concurrency(FunctionName="py-boto", ReservedConcurrentExecutions=0)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="py-boto", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "TooManyRequestsException"
    lam.delete_function_concurrency(FunctionName="py-boto")
    assert lam.invoke(FunctionName="py-boto", Payload=b"{}")["StatusCode"] == 200
    # AWS: reservations together must leave 100 of the account's 1000
    # unreserved; GetAccountSettings reports the pool and the account's usage
    lam.put_function_concurrency(FunctionName="py-boto", ReservedConcurrentExecutions=500)
    others = [f["FunctionName"] for f in lam.list_functions()["Functions"] if f["FunctionName"] != "py-boto"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.put_function_concurrency(FunctionName=others[0], ReservedConcurrentExecutions=401)
    assert e.value.response["Error"]["Message"] == (
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
        "below its minimum value of [100].")
    lam.put_function_concurrency(FunctionName="py-boto", ReservedConcurrentExecutions=600)  # its own 500 freed
    st = lam.get_account_settings()
    assert st["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert st["AccountLimit"]["UnreservedConcurrentExecutions"] == 400
    fns = lam.list_functions()["Functions"]
    assert st["AccountUsage"]["FunctionCount"] == len(fns)
    assert st["AccountUsage"]["TotalCodeSize"] >= sum(f["CodeSize"] for f in fns) > 0
    lam.delete_function_concurrency(FunctionName="py-boto")
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


# ==== Sandbox ====

def test_function_cannot_read_gureum_data_dir(g, lam, role):
    create(lam, role, "snoop", "python3.11", "app.handler", {"app.py": (SNOOP_PY, 0o644)})
    marker = "/tmp/gureum-host-marker-%d" % os.getpid()
    open(marker, "w").close()
    data = os.path.realpath(g.data_dir)
    secret = os.path.join(data, "meta", "iam.db")
    assert os.path.exists(secret)
    r, body = invoke(lam, "snoop", {"paths": [secret, "/proc/1/root" + secret], "data": data})
    os.unlink(marker)
    out = json.loads(body)
    assert out[secret] in ("FileNotFoundError", "PermissionError"), out
    assert out["/proc/1/root" + secret] in ("FileNotFoundError", "PermissionError"), out
    assert out["listing"] in (["task"], "PermissionError", "FileNotFoundError"), out
    # a private /tmp: the host's files are not there (only the path down to a
    # data directory that lived under /tmp, empty)
    assert "mine" in out["tmp"] and os.path.basename(marker) not in out["tmp"], out["tmp"]
    assert out["uid"] == 65534


def test_memory_limit(lam, role):
    create(lam, role, "hog", "python3.11", "app.handler",
           {"app.py": ("def handler(e, c):\n    x = bytearray(400 << 20)\n    x[::4096] = b'1' * len(x[::4096])\n"
                       "    return len(x)\n", 0o644)}, MemorySize=128)
    r, body = invoke(lam, "hog", {})
    assert r["FunctionError"] == "Unhandled", body
    err = json.loads(body)
    # the cgroup kills the process (AWS: Runtime.ExitError "signal: killed"); under RLIMIT_AS Python refuses
    assert err["errorType"] in ("Runtime.ExitError", "MemoryError"), err
    if err["errorType"] == "Runtime.ExitError":
        assert err["errorMessage"].endswith("Error: Runtime exited with error: signal: killed"), err


# ==== Schedule (EventBridge) ====

def test_schedule_triggers_function(g, lam, role):
    create(lam, role, "cron", "python3.11", "app.handler",
           {"app.py": ("def handler(e, c):\n    print('tick', e['detail-type'], e['source'])\n", 0o644)})
    ev = g.client("events", region_name="ap-northeast-2")
    rule = ev.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")["RuleArn"]
    fn = lam.get_function(FunctionName="cron")["Configuration"]["FunctionArn"]
    lam.add_permission(FunctionName="cron", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule)
    ev.put_targets(Rule="every-minute", Targets=[{"Id": "fn", "Arn": fn}])
    logs = g.client("logs", region_name="ap-northeast-2")
    deadline, ticks = time.monotonic() + 15, []
    while time.monotonic() < deadline and not ticks:
        time.sleep(0.3)
        try:
            ticks = [e for e in logs.filter_log_events(logGroupName="/aws/lambda/cron")["events"]
                     if "tick" in e["message"]]
        except botocore.exceptions.ClientError:
            pass
    ev.remove_targets(Rule="every-minute", Ids=["fn"])
    assert ticks and "tick Scheduled Event aws.events" in ticks[0]["message"]


# ==== SQS event source mapping ====

def test_sqs_event_source_mapping_needs_a_role_that_can_read_the_queue(g, lam):
    """AWS checks the execution role on CreateEventSourceMapping: ReceiveMessage,
    DeleteMessage and GetQueueAttributes on the queue, naming the first it lacks."""
    iam = g.client("iam")
    sqs = g.client("sqs", region_name="ap-northeast-2")
    q = sqs.create_queue(QueueName="unread")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    arn = lambda_role(iam, "esm-weak")
    create(lam, arn, "weak", "python3.11", "app.handler", {"app.py": (SQS_PY, 0o644)})
    for allowed, missing in [([], "ReceiveMessage"), (["sqs:ReceiveMessage"], "DeleteMessage"),
                             (["sqs:ReceiveMessage", "sqs:DeleteMessage"], "GetQueueAttributes")]:
        if allowed:
            iam.put_role_policy(RoleName="esm-weak", PolicyName="q", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": allowed, "Resource": qarn}]}))
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="weak")
        e = ei.value.response["Error"]
        assert (e["Code"], e["Message"]) == (
            "InvalidParameterValueException",
            "The function execution role does not have permissions to call %s on SQS" % missing)
    iam.put_role_policy(RoleName="esm-weak", PolicyName="q", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": qarn}]}))
    m = lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="weak")
    lam.delete_event_source_mapping(UUID=m["UUID"])
    lam.delete_function(FunctionName="weak")


def test_sqs_event_source_mapping_with_partial_batch_response(g, lam, role):
    sqs = g.client("sqs", region_name="ap-northeast-2")
    q = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    create(lam, role, "worker", "python3.11", "app.handler", {"app.py": (SQS_PY, 0o644)})
    m = lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="worker", BatchSize=5,
                                        FunctionResponseTypes=["ReportBatchItemFailures"])
    assert m["State"] == "Creating" and m["BatchSize"] == 5
    for body in ("one", "two", "poison"):
        sqs.send_message(QueueUrl=q, MessageBody=body)
    logs = g.client("logs", region_name="ap-northeast-2")
    deadline = time.monotonic() + 15
    seen = set()
    while time.monotonic() < deadline:
        try:
            ev = logs.filter_log_events(logGroupName="/aws/lambda/worker")["events"]
        except botocore.exceptions.ClientError:
            ev = []
        seen = {e["message"] for e in ev if e["message"].startswith("record ")}
        left = int(sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["ApproximateNumberOfMessages",
                                            "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
                   ["ApproximateNumberOfMessages"])
        if {"record one aws:sqs", "record two aws:sqs"} <= seen and left + 0 <= 1:
            break
        time.sleep(0.3)
    assert {"record one aws:sqs", "record two aws:sqs", "record poison aws:sqs"} <= seen
    # the poison message was reported failed, so it stays; the others were deleted
    # (a batch deletes its messages once the function has returned, after its logs)
    lam.delete_event_source_mapping(UUID=m["UUID"])

    def total():
        attrs = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
    wait_for(lambda: total() == 1, timeout=10)
    time.sleep(1.5)
    assert total() == 1
    assert [x["UUID"] for x in lam.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"]] == []


# ==== Versions and aliases ====

def test_versions_and_weighted_alias(lam, role):
    src = "import os\ndef handler(e, c):\n    return ['%s', os.environ['AWS_LAMBDA_FUNCTION_VERSION']]\n"
    create(lam, role, "ver", "python3.11", "app.handler", {"app.py": (src % "one", 0o644)})
    v1 = lam.publish_version(FunctionName="ver")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(":function:ver:1")
    assert lam.publish_version(FunctionName="ver")["Version"] == "1"  # unchanged $LATEST: the same version
    lam.update_function_code(FunctionName="ver", ZipFile=zip_of({"app.py": (src % "two", 0o644)}))
    assert lam.publish_version(FunctionName="ver", Description="second")["Version"] == "2"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]] == \
        ["$LATEST", "1", "2"]
    r, body = invoke(lam, "ver", {}, Qualifier="1")
    assert json.loads(body) == ["one", "1"] and r["ExecutedVersion"] == "1"
    assert json.loads(invoke(lam, "ver:2", {})[1]) == ["two", "2"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="ver", Qualifier="9", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    a = lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert a["AliasArn"].endswith(":function:ver:live") and a["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.5}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    seen = {lam.invoke(FunctionName="ver", Qualifier="live", Payload=b"{}")["ExecutedVersion"] for _ in range(16)}
    assert seen == {"1", "2"}
    lam.update_alias(FunctionName="ver", Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {}})
    assert lam.get_alias(FunctionName="ver", Name="live")["FunctionVersion"] == "2"
    assert json.loads(invoke(lam, "ver:live", {})[1]) == ["two", "2"]
    assert [x["Name"] for x in lam.list_aliases(FunctionName="ver")["Aliases"]] == ["live"]
    lam.delete_alias(FunctionName="ver", Name="live")
    lam.delete_function(FunctionName="ver", Qualifier="1")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]] == ["$LATEST", "2"]


# ==== Layers ====

def test_layers_under_opt(lam, role):
    l1 = lam.publish_layer_version(LayerName="helpers", Content={"ZipFile": zip_of(
        {"python/helper.py": ("WHO = 'layer one'\n", 0o644), "data/x.txt": ("one", 0o644)})},
        CompatibleRuntimes=["python3.11"])
    assert l1["Version"] == 1 and l1["LayerVersionArn"].endswith(":layer:helpers:1")
    l2 = lam.publish_layer_version(LayerName="more", Content={"ZipFile": zip_of({"data/x.txt": ("two", 0o644)})})
    create(lam, role, "layered", "python3.11", "app.handler",
           {"app.py": ("import helper\ndef handler(e, c):\n    return [helper.WHO, open('/opt/data/x.txt').read()]\n",
                       0o644)}, Layers=[l1["LayerVersionArn"], l2["LayerVersionArn"]])
    cfg = lam.get_function_configuration(FunctionName="layered")
    assert [x["Arn"] for x in cfg["Layers"]] == [l1["LayerVersionArn"], l2["LayerVersionArn"]]
    assert json.loads(invoke(lam, "layered", {})[1]) == ["layer one", "two"]  # the later layer wins
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_function_configuration(FunctionName="layered", Layers=[l1["LayerArn"] + ":9"])
    assert e.value.response["Error"]["Message"] == "Layer version %s:9 does not exist." % l1["LayerArn"]
    assert [x["LayerName"] for x in lam.list_layers()["Layers"]] == ["helpers", "more"]
