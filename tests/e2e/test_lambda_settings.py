"""test_lambda_settings.py — what Lambda keeps beside a function's configuration:
Put/GetFunctionRecursionConfig (AWS's recorded answers: LocalStack's TestLambdaRecursion)
and Put/GetRuntimeManagementConfig, stored per function and per version and gone with
them. Boto3 1.43 against a real server; boto3 1.26 predates the operations, so the tests
skip under it.
"""

import botocore.exceptions
import pytest
from conftest import lambda_zip, lambda_role

REGION = "us-east-1"
ACCOUNT = "000000000000"
RUNTIME_ARN = "arn:aws:lambda:us-east-1::runtime:0ab0bc3c6bde1a7a9ed5b2d7e8a3f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7"


@pytest.fixture(scope="module")
def lam(gureum):
    client = gureum.client("lambda", region_name=REGION)
    if not hasattr(client, "put_function_recursion_config"):
        pytest.skip("this botocore predates the recursion and runtime management operations")
    return client


@pytest.fixture(scope="module")
def role(gureum):
    return lambda_role(gureum.client("iam"), "settings-role")


def make_fn(lam, role, name):
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": lambda_zip("def handler(e, c):\n    return 1\n")})


def error_of(call, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**kw)
    err = e.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def test_recursion_config(lam, role):
    make_fn(lam, role, "rec-fn")
    # AWS: Terminate until set
    assert lam.get_function_recursion_config(FunctionName="rec-fn")["RecursiveLoop"] == "Terminate"
    put = lam.put_function_recursion_config(FunctionName="rec-fn", RecursiveLoop="Allow")
    assert put["RecursiveLoop"] == "Allow"
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert lam.get_function_recursion_config(FunctionName="rec-fn")["RecursiveLoop"] == "Allow"
    assert lam.put_function_recursion_config(FunctionName="rec-fn", RecursiveLoop="Terminate")["RecursiveLoop"] == \
        "Terminate"
    assert lam.get_function_recursion_config(FunctionName="rec-fn")["RecursiveLoop"] == "Terminate"
    # a function ARN names it too
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rec-fn"
    lam.put_function_recursion_config(FunctionName=arn, RecursiveLoop="Allow")
    assert lam.get_function_recursion_config(FunctionName="rec-fn")["RecursiveLoop"] == "Allow"


def test_recursion_config_errors(lam, role):
    make_fn(lam, role, "rec-err")
    # AWS: test_put_function_recursion_config_invalid_value
    assert error_of(lam.put_function_recursion_config, FunctionName="rec-err", RecursiveLoop="InvalidValue") == (
        400, "ValidationException",
        "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Terminate, Allow]")
    status, code, msg = error_of(lam.get_function_recursion_config, FunctionName="rec-none")
    assert (status, code) == (404, "ResourceNotFoundException")
    assert msg == f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:rec-none"


def test_recursion_config_goes_with_its_function(lam, role):
    make_fn(lam, role, "rec-gone")
    lam.put_function_recursion_config(FunctionName="rec-gone", RecursiveLoop="Allow")
    lam.delete_function(FunctionName="rec-gone")
    make_fn(lam, role, "rec-gone")
    assert lam.get_function_recursion_config(FunctionName="rec-gone")["RecursiveLoop"] == "Terminate"


def test_runtime_management_config(lam, role):
    make_fn(lam, role, "rt-fn")
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rt-fn"
    got = lam.get_runtime_management_config(FunctionName="rt-fn")
    assert got["UpdateRuntimeOn"] == "Auto" and got["FunctionArn"] == arn and "RuntimeVersionArn" not in got
    put = lam.put_runtime_management_config(FunctionName="rt-fn", UpdateRuntimeOn="Manual",
                                            RuntimeVersionArn=RUNTIME_ARN)
    assert (put["UpdateRuntimeOn"], put["RuntimeVersionArn"], put["FunctionArn"]) == ("Manual", RUNTIME_ARN, arn)
    got = lam.get_runtime_management_config(FunctionName="rt-fn", Qualifier="$LATEST")
    assert (got["UpdateRuntimeOn"], got["RuntimeVersionArn"]) == ("Manual", RUNTIME_ARN)
    # each version has its own
    lam.publish_version(FunctionName="rt-fn")
    got = lam.get_runtime_management_config(FunctionName="rt-fn", Qualifier="1")
    assert (got["UpdateRuntimeOn"], got["FunctionArn"]) == ("Auto", arn + ":1")
    lam.put_runtime_management_config(FunctionName="rt-fn", Qualifier="1", UpdateRuntimeOn="FunctionUpdate")
    assert lam.get_runtime_management_config(FunctionName="rt-fn", Qualifier="1")["UpdateRuntimeOn"] == \
        "FunctionUpdate"
    assert lam.get_runtime_management_config(FunctionName="rt-fn")["UpdateRuntimeOn"] == "Manual"
    # back to Auto: the pinned version is dropped
    lam.put_runtime_management_config(FunctionName="rt-fn", UpdateRuntimeOn="Auto")
    got = lam.get_runtime_management_config(FunctionName="rt-fn")
    assert got["UpdateRuntimeOn"] == "Auto" and "RuntimeVersionArn" not in got


def test_runtime_management_config_errors(lam, role):
    make_fn(lam, role, "rt-err")
    status, code, _ = error_of(lam.put_runtime_management_config, FunctionName="rt-err", UpdateRuntimeOn="Manual")
    assert (status, code) == (400, "InvalidParameterValueException")
    status, code, _ = error_of(lam.put_runtime_management_config, FunctionName="rt-err", UpdateRuntimeOn="Auto",
                               RuntimeVersionArn=RUNTIME_ARN)
    assert (status, code) == (400, "InvalidParameterValueException")
    status, code, _ = error_of(lam.put_runtime_management_config, FunctionName="rt-err", UpdateRuntimeOn="Manual",
                               RuntimeVersionArn=RUNTIME_ARN.replace("us-east-1", "eu-west-1"))
    assert (status, code) == (400, "InvalidParameterValueException")
    status, code, _ = error_of(lam.put_runtime_management_config, FunctionName="rt-err", UpdateRuntimeOn="Never")
    assert (status, code) == (400, "ValidationException")
    status, code, msg = error_of(lam.get_runtime_management_config, FunctionName="rt-err", Qualifier="7")
    assert (status, code) == (404, "ResourceNotFoundException")
    status, code, _ = error_of(lam.get_runtime_management_config, FunctionName="rt-none")
    assert (status, code) == (404, "ResourceNotFoundException")
