"""test_lambda_logging.py — Lambda's LoggingConfig (advanced logging controls):
every function configuration answers it ({Text, /aws/lambda/NAME} by default; JSON
adds INFO levels), UpdateFunctionConfiguration merges it member by member as AWS's
recorded answers show (LocalStack's TestLoggingConfig), and it is enforced: the
function's output goes to the group it names, and with the JSON format the platform
lines are JSON records the SystemLogLevel can drop. Boto3 1.43 (1.26 predates
LoggingConfig: the tests skip under it).
"""
import json
import time

import botocore.exceptions
import pytest
from conftest import lambda_zip, lambda_role

CODE = "def handler(e, c):\n    print('hello from', e.get('who'))\n    return 1\n"


@pytest.fixture(scope="module")
def lam(gureum):
    client = gureum.client("lambda")
    if "LoggingConfig" not in client.meta.service_model.operation_model("CreateFunction").input_shape.members:
        pytest.skip("this botocore predates LoggingConfig")
    return client


@pytest.fixture(scope="module")
def role(gureum):
    return lambda_role(gureum.client("iam"), "logging-role")


def make_fn(lam, role, name, **kw):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                               Code={"ZipFile": lambda_zip(CODE)}, **kw)


def messages(logs, group, want, timeout=10):
    """The messages of group's events once `want` of them arrived."""
    deadline = time.time() + timeout
    while True:
        try:
            got = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
        except botocore.exceptions.ClientError:
            got = []
        if len(got) >= want or time.time() > deadline:
            return got
        time.sleep(0.2)


def test_defaults_and_partial_updates(lam, role):
    make_fn(lam, role, "lc-defaults")
    conf = lam.get_function_configuration(FunctionName="lc-defaults")["LoggingConfig"]
    assert conf == {"LogFormat": "Text", "LogGroup": "/aws/lambda/lc-defaults"}
    up = lam.update_function_configuration(FunctionName="lc-defaults", LoggingConfig={"LogFormat": "JSON"})
    assert up["LoggingConfig"] == {"ApplicationLogLevel": "INFO", "LogFormat": "JSON",
                                   "LogGroup": "/aws/lambda/lc-defaults", "SystemLogLevel": "INFO"}
    up = lam.update_function_configuration(FunctionName="lc-defaults",
                                           LoggingConfig={"ApplicationLogLevel": "DEBUG"})
    assert up["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG" and up["LoggingConfig"]["LogFormat"] == "JSON"
    up = lam.update_function_configuration(FunctionName="lc-defaults", LoggingConfig={"LogFormat": "Text"})
    assert up["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/lc-defaults"}
    up = lam.update_function_configuration(FunctionName="lc-defaults", LoggingConfig={"LogGroup": "cool_lambda"})
    assert up["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "cool_lambda"}
    assert lam.get_function(FunctionName="lc-defaults")["Configuration"]["LoggingConfig"]["LogGroup"] == "cool_lambda"
    # a published version keeps the configuration it was published with
    v = lam.publish_version(FunctionName="lc-defaults")
    assert v["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "cool_lambda"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_function_configuration(FunctionName="lc-defaults", LoggingConfig={"SystemLogLevel": "WARN"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert e.value.response["Error"]["Message"].startswith("LogLevel is not supported when LogFormat is set to")


def test_output_goes_to_the_named_group_in_json(gureum, lam, role):
    logs = gureum.client("logs")
    make_fn(lam, role, "lc-json", LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/lc-json"})
    lam.invoke(FunctionName="lc-json", Payload=json.dumps({"who": "json"}))
    got = messages(logs, "/custom/lc-json", 3)
    records = [json.loads(m) for m in got if m.startswith("{")]
    types = [r["type"] for r in records]
    assert types == ["platform.start", "platform.report"], got
    start, report = records
    assert start["record"]["version"] == "$LATEST" and start["record"]["requestId"]
    assert report["record"]["requestId"] == start["record"]["requestId"]
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) >= {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"}
    assert any("hello from json" in m for m in got)
    # the function's own group stays empty
    assert messages(logs, "/aws/lambda/lc-json", 1, timeout=1) == []
    # SystemLogLevel WARN drops the INFO platform records
    lam.update_function_configuration(FunctionName="lc-json", LoggingConfig={"SystemLogLevel": "WARN",
                                                                             "LogGroup": "/custom/lc-warn"})
    lam.invoke(FunctionName="lc-json", Payload=json.dumps({"who": "quiet"}))
    got = messages(logs, "/custom/lc-warn", 1)
    assert got and all("platform." not in m for m in got) and any("hello from quiet" in m for m in got)


def test_text_format_keeps_the_classic_lines(gureum, lam, role):
    logs = gureum.client("logs")
    make_fn(lam, role, "lc-text")
    lam.invoke(FunctionName="lc-text", Payload=json.dumps({"who": "text"}))
    got = messages(logs, "/aws/lambda/lc-text", 4)
    assert got[0].startswith("START RequestId: ") and any(m.startswith("REPORT RequestId: ") for m in got)


PY_LOGS = """import logging
log = logging.getLogger()
def handler(e, c):
    log.debug("debug line")
    log.info("info line")
    log.warning("warn line")
    print("plain print")
    return 1
"""

NODE_LOGS = """exports.handler = async () => {
  console.debug('debug line');
  console.log('info line');
  console.error('error line');
  return 1;
};
"""


def zip_of(name, code):
    import io
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr(name, code)
    return b.getvalue()


@pytest.mark.parametrize("runtime,file,code,handler", [
    ("python3.12", "handler.py", PY_LOGS, "handler.handler"),
    ("nodejs20.x", "index.js", NODE_LOGS, "index.handler"),
])
def test_json_application_logs_and_levels(gureum, lam, role, runtime, file, code, handler):
    """AWS: with the JSON format the runtime writes its logging calls as JSON
    records {timestamp, level, message, requestId} and leaves out those below
    ApplicationLogLevel; Python's print() stays plain text."""
    logs = gureum.client("logs")
    name = "lc-app-" + runtime.replace(".", "")
    lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler=handler,
                        Code={"ZipFile": zip_of(file, code)},
                        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    lam.invoke(FunctionName=name, Payload=b"{}")
    got = messages(logs, "/aws/lambda/" + name, 5)
    recs = [json.loads(m) for m in got if m.startswith("{") and '"level"' in m]
    assert [r["message"] for r in recs] == ["info line", "warn line" if runtime.startswith("python") else "error line"]
    assert all(r["requestId"] and r["timestamp"].endswith("Z") for r in recs)
    assert [r["level"] for r in recs] == ["INFO", "WARNING" if runtime.startswith("python") else "ERROR"]
    if runtime.startswith("python"):
        assert "plain print" in got
