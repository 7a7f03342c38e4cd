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
    # AWS answers a synchronous invocation's payload as JSON
    assert out["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"


def test_publish_on_create_and_update_code(lam, role):
    made = lam.create_function(FunctionName="pub", Runtime="python3.12", Role=role, Handler="app.handler",
                               Code={"ZipFile": zip_of(ECHO % 1)}, Publish=True)
    # AWS: the answer is $LATEST's, but for Version (LocalStack's recorded
    # test_publish_version_on_create); UpdateFunctionCode's is the new version's
    assert made["Version"] == "1" and made["FunctionArn"].endswith(":function:pub")
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
                              Code={"ZipFile": zip_of(ECHO % 1)}, Publish=True)["FunctionArn"]
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


def test_latest_arn_and_qualifier_in_both_places(lam, role):
    lam.create_function(FunctionName="arns", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of(ECHO % 1)})
    lam.publish_version(FunctionName="arns")
    base = lam.get_function(FunctionName="arns")["Configuration"]["FunctionArn"]
    # AWS: named $LATEST is answered with ":$LATEST"; unqualified without
    assert lam.get_function(FunctionName="arns", Qualifier="$LATEST")["Configuration"]["FunctionArn"] == \
        base + ":$LATEST"
    arns = [v["FunctionArn"] for v in lam.list_versions_by_function(FunctionName="arns")["Versions"]]
    assert arns == [base + ":$LATEST", base + ":1"]
    # the same qualifier in the name and in Qualifier is fine; two different ones are not
    assert lam.get_function(FunctionName="arns:1", Qualifier="1")["Configuration"]["Version"] == "1"
    assert error_of(lam.get_function, FunctionName="arns:1", Qualifier="$LATEST") == (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")
    # ListFunctions with FunctionVersion ALL lists the versions too
    mine = [f["FunctionArn"] for f in lam.list_functions(FunctionVersion="ALL")["Functions"]
            if f["FunctionName"] == "arns"]
    assert mine == [base + ":$LATEST", base + ":1"]
    assert [f["FunctionArn"] for f in lam.list_functions()["Functions"] if f["FunctionName"] == "arns"] == [base]


def test_list_function_event_invoke_configs(lam, role):
    lam.create_function(FunctionName="eic", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of(ECHO % 1)})
    assert lam.list_function_event_invoke_configs(FunctionName="eic")["FunctionEventInvokeConfigs"] == []
    lam.put_function_event_invoke_config(FunctionName="eic", MaximumRetryAttempts=1)
    got = lam.list_function_event_invoke_configs(FunctionName="eic")["FunctionEventInvokeConfigs"]
    assert [(c["FunctionArn"].split(":", 6)[6], c["MaximumRetryAttempts"]) for c in got] == [("eic:$LATEST", 1)]


def test_layers_from_s3_architectures_numbers_and_policy(gureum, lam):
    s3 = gureum.client("s3", region_name="us-west-2")
    s3.create_bucket(Bucket="layers", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_object(Bucket="layers", Key="l.zip", Body=zip_of(ECHO % 0))
    one = lam.publish_layer_version(LayerName="lay", Content={"S3Bucket": "layers", "S3Key": "l.zip"},
                                    CompatibleArchitectures=["arm64"], CompatibleRuntimes=["python3.14"])
    assert one["Version"] == 1 and one["CompatibleArchitectures"] == ["arm64"]
    assert one["Content"]["CodeSize"] == len(zip_of(ECHO % 0))
    bare = lam.publish_layer_version(LayerName="lay", Content={"ZipFile": zip_of(ECHO % 0)})
    # AWS: a version's own answer has the empty lists and Description; list items only what is set
    assert (bare["Version"], bare["CompatibleArchitectures"], bare["CompatibleRuntimes"], bare["Description"]) == \
        (2, [], [], "")
    items = lam.list_layer_versions(LayerName="lay")["LayerVersions"]
    assert [sorted(set(i) - {"CreatedDate"}) for i in items] == [
        ["LayerVersionArn", "Version"],
        ["CompatibleArchitectures", "CompatibleRuntimes", "LayerVersionArn", "Version"]]
    assert error_of(lam.get_layer_version, LayerName="lay", VersionNumber=0) == \
        ("InvalidParameterValueException", "Layer Version Cannot be less than 1")
    # version numbers are never reused, even after every version is deleted
    lam.delete_layer_version(LayerName="lay", VersionNumber=1)
    lam.delete_layer_version(LayerName="lay", VersionNumber=2)
    assert lam.publish_layer_version(LayerName="lay", Content={"ZipFile": zip_of(ECHO % 0)})["Version"] == 3
    arn = "arn:aws:lambda:us-west-2:000000000000:layer:lay"
    assert error_of(lam.get_layer_version_policy, LayerName="lay", VersionNumber=3) == \
        ("ResourceNotFoundException", "No policy is associated with the given resource.")
    assert error_of(lam.add_layer_version_permission, LayerName="lay", VersionNumber=9, StatementId="s",
                    Action="lambda:GetLayerVersion", Principal="*") == \
        ("ResourceNotFoundException", "Layer version %s:9 does not exist." % arn)
    added = lam.add_layer_version_permission(LayerName="lay", VersionNumber=3, StatementId="s1",
                                             Action="lambda:GetLayerVersion", Principal="*")
    assert json.loads(added["Statement"]) == {"Sid": "s1", "Effect": "Allow", "Principal": "*",
                                              "Action": "lambda:GetLayerVersion", "Resource": arn + ":3"}
    assert error_of(lam.add_layer_version_permission, LayerName="lay", VersionNumber=3, StatementId="s1",
                    Action="lambda:GetLayerVersion", Principal="*")[0] == "ResourceConflictException"
    assert error_of(lam.add_layer_version_permission, LayerName="lay", VersionNumber=3, StatementId="s2",
                    Action="lambda:GetLayerVersion", Principal="*", RevisionId="nope")[0] == \
        "PreconditionFailedException"
    second = lam.add_layer_version_permission(LayerName="lay", VersionNumber=3, StatementId="s2",
                                              Action="lambda:GetLayerVersion", Principal="111122223333",
                                              RevisionId=added["RevisionId"])
    assert json.loads(second["Statement"])["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    got = lam.get_layer_version_policy(LayerName="lay", VersionNumber=3)
    assert got["RevisionId"] == second["RevisionId"]
    assert [s["Sid"] for s in json.loads(got["Policy"])["Statement"]] == ["s1", "s2"]
    lam.remove_layer_version_permission(LayerName="lay", VersionNumber=3, StatementId="s1")
    assert [s["Sid"] for s in json.loads(lam.get_layer_version_policy(
        LayerName="lay", VersionNumber=3)["Policy"])["Statement"]] == ["s2"]
    assert error_of(lam.remove_layer_version_permission, LayerName="lay", VersionNumber=3, StatementId="s1") == \
        ("ResourceNotFoundException", "Statement s1 is not found in resource policy.")


def test_qualified_resource_errors_as_aws_words_them(lam, role):
    """LocalStack's recorded answers: test_notfound_and_invalid_routingconfigs,
    test_permission_exceptions, test_tag_versions, test_function_concurrency_exceptions."""
    arn = lam.create_function(FunctionName="errs", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": zip_of(ECHO % 1)}, Publish=True)["FunctionArn"]
    assert error_of(lam.get_alias, FunctionName="errs", Name="nope") == \
        ("ResourceNotFoundException", "Cannot find alias arn: %s:nope" % arn)
    assert error_of(lam.update_alias, FunctionName="errs", Name="nope", FunctionVersion="1") == \
        ("ResourceNotFoundException", "Alias not found: %s:nope" % arn)
    assert error_of(lam.create_alias, FunctionName="errs", Name="w", FunctionVersion="$LATEST",
                    RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}) == \
        ("InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version")
    assert error_of(lam.add_permission, FunctionName="errs", StatementId="s", Action="lambda:InvokeFunction",
                    Principal="sns.amazonaws.com", Qualifier="nope") == \
        ("ResourceNotFoundException", "Cannot find alias arn: %s:nope" % arn)
    assert error_of(lam.remove_permission, FunctionName="errs:nope", StatementId="s") == \
        ("ResourceNotFoundException", "Cannot find alias arn: %s:nope" % arn)
    assert error_of(lam.tag_resource, Resource=arn + ":1", Tags={"a": "b"}) == \
        ("InvalidParameterValueException",
         "Tags on function aliases and versions are not supported. Please specify a function ARN.")
    assert error_of(lam.put_function_concurrency, FunctionName=arn + ":1", ReservedConcurrentExecutions=1)[1] == \
        ("This operation is permitted on Lambda functions only. Aliases and versions do not support this "
         "operation. Please specify either a function name or an unqualified function ARN.")


def test_remove_permission_without_policy_and_cross_account_role(lam, role):
    arn = lam.create_function(FunctionName="nopol", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": zip_of(ECHO % 1)})["FunctionArn"]
    # LocalStack's recorded test_permission_exceptions
    assert error_of(lam.remove_permission, FunctionName="nopol", StatementId="s") == \
        ("ResourceNotFoundException", "No policy is associated with the given resource.")
    assert error_of(lam.remove_permission, FunctionName="ghost", StatementId="s") == \
        ("ResourceNotFoundException", "No policy found for: %s" % arn.replace("nopol", "ghost"))
    assert error_of(lam.create_function, FunctionName="xacct", Runtime="python3.12", Handler="app.handler",
                    Role="arn:aws:iam::111111111111:role/other", Code={"ZipFile": zip_of(ECHO % 1)}) == \
        ("AccessDeniedException", "Cross-account pass role is not allowed.")


def test_add_permission_for_everyone(lam, role):
    """AWS: Principal "*" stays the string "*" in the statement (LocalStack's
    recorded test_lambda_url_invocation), not {"AWS": "*"}."""
    arn = lam.create_function(FunctionName="pol-any", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": zip_of(ECHO % 1)})["FunctionArn"]
    st = json.loads(lam.add_permission(FunctionName="pol-any", StatementId="any", Action="lambda:InvokeFunction",
                                       Principal="*")["Statement"])
    assert st == {"Sid": "any", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                  "Resource": arn}
    assert json.loads(lam.get_policy(FunctionName="pol-any")["Policy"])["Statement"] == [st]
