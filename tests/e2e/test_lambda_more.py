"""test_lambda_more.py — Lambda management behaviour that moto's Lambda tests
(tests/README.md, "moto's Lambda tests") found missing: the current Python
runtimes, CreateFunction's and UpdateFunctionCode's Publish, and resource
policies of a version or an alias (AddPermission with a Qualifier) with
AddPermission's condition members. Boto3 against a real server.
"""
import io
import json
import zipfile

import botocore.exceptions
import pytest

ROLE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def zip_of(text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", text)
    return buf.getvalue()


ECHO = "def handler(e, c):\n    return {'v': %d, 'e': e}\n"


@pytest.fixture(scope="module")
def lam(gureum):
    return gureum.client("lambda", region_name="us-west-2")


@pytest.fixture(scope="module")
def role(gureum):
    return gureum.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=ROLE_TRUST)["Role"]["Arn"]


def error_of(fn, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(**kw)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


@pytest.mark.parametrize("runtime", ["python3.13", "python3.14"])
def test_current_python_runtimes_run(lam, role, runtime):
    name = "rt-" + runtime.replace(".", "")
    lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of(ECHO % 1)})
    assert lam.get_function(FunctionName=name)["Configuration"]["Runtime"] == runtime
    out = lam.invoke(FunctionName=name, Payload=b'{"a": 1}')
    assert json.loads(out["Payload"].read()) == {"v": 1, "e": {"a": 1}}


def test_publish_on_create_and_update_code(lam, role):
    made = lam.create_function(FunctionName="pub", Runtime="python3.12", Role=role, Handler="app.handler",
                               Code={"ZipFile": zip_of(ECHO % 1)}, Publish=True)
    # AWS: the answer is version 1's configuration
    assert made["Version"] == "1" and made["FunctionArn"].endswith(":function:pub:1")
    upd = lam.update_function_code(FunctionName="pub", ZipFile=zip_of(ECHO % 2), Publish=True)
    assert upd["Version"] == "2" and upd["FunctionArn"].endswith(":function:pub:2")
    assert upd["CodeSha256"] != made["CodeSha256"]
    assert lam.get_function(FunctionName="pub", Qualifier="2")["Configuration"]["CodeSha256"] == upd["CodeSha256"]
    # publishing an unchanged $LATEST answers the last version again
    assert lam.publish_version(FunctionName="pub")["Version"] == "2"
    # an update without Publish answers $LATEST and publishes nothing
    plain = lam.update_function_code(FunctionName="pub", ZipFile=zip_of(ECHO % 2))
    assert plain["Version"] == "$LATEST"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="pub")["Versions"]] == \
        ["$LATEST", "1", "2"]
    assert json.loads(lam.invoke(FunctionName="pub", Qualifier="1")["Payload"].read())["v"] == 1


def test_qualified_policies_and_conditions(lam, role):
    arn = lam.create_function(FunctionName="pol", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": zip_of(ECHO % 1)}, Publish=True)["FunctionArn"][:-2]
    lam.create_alias(FunctionName="pol", Name="live", FunctionVersion="1")
    st = json.loads(lam.add_permission(FunctionName="pol", StatementId="v1", Action="lambda:InvokeFunction",
                                       Principal="sns.amazonaws.com", Qualifier="1", SourceAccount="123412341234",
                                       EventSourceToken="tok", SourceArn="arn:aws:sns:us-west-2:123412341234:t",
                                       )["Statement"])
    assert st["Resource"] == arn + ":1"
    assert st["Condition"] == {"StringEquals": {"AWS:SourceAccount": "123412341234",
                                                "lambda:EventSourceToken": "tok"},
                               "ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-west-2:123412341234:t"}}
    st = json.loads(lam.add_permission(FunctionName=arn, StatementId="org", Action="lambda:InvokeFunction",
                                       Principal="111122223333", PrincipalOrgID="o-a1b2c3d4e5",
                                       Qualifier="live")["Statement"])
    assert st["Resource"] == arn + ":live"
    assert st["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    # each policy is its own: the version's, the alias's, and none on the function
    v1 = json.loads(lam.get_policy(FunctionName="pol", Qualifier="1")["Policy"])
    assert [s["Sid"] for s in v1["Statement"]] == ["v1"]
    live = json.loads(lam.get_policy(FunctionName="pol:live")["Policy"])
    assert [s["Sid"] for s in live["Statement"]] == ["org"]
    assert error_of(lam.get_policy, FunctionName="pol") == \
        ("ResourceNotFoundException", "The resource you requested does not exist.")
    assert error_of(lam.add_permission, FunctionName="pol", StatementId="x", Action="lambda:InvokeFunction",
                    Principal="sns.amazonaws.com", Qualifier="5") == \
        ("ResourceNotFoundException", "Function not found: %s:5" % arn)
    lam.remove_permission(FunctionName="pol", StatementId="v1", Qualifier="1")
    assert error_of(lam.get_policy, FunctionName="pol", Qualifier="1")[0] == "ResourceNotFoundException"
    assert error_of(lam.remove_permission, FunctionName="pol", StatementId="org")[0] == "ResourceNotFoundException"
    lam.remove_permission(FunctionName="pol", StatementId="org", Qualifier="live")
