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

from conftest import lambda_role


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
    return lambda_role(gureum.client("iam"), "fn-role")


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


# ==== GetLayerVersionByArn, provisioned concurrency, code signing ====

ALT = ("111111111111", "ALTACCESSKEY0000000L", "altsecret0000000000000000000000000000000L")


def test_get_layer_version_by_arn(gureum_factory):
    """The same answer as GetLayerVersion (LocalStack's recorded
    test_layer_lifecycle); a missing version is ResourceNotFoundException
    (test_layer_exceptions); another account reads a version, and uses it in
    a function, only once the version's policy grants it lambda:GetLayerVersion."""
    g = gureum_factory(env={"GUREUM_ACCOUNTS": ":".join(ALT)})
    lam = g.client("lambda")
    alt = g.client("lambda", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2])
    made = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": zip_of(ECHO % 0)},
                                     CompatibleRuntimes=["python3.12"], Description="d", LicenseInfo="MIT")
    arn = made["LayerVersionArn"]
    by_arn = lam.get_layer_version_by_arn(Arn=arn)
    by_name = lam.get_layer_version(LayerName="shared", VersionNumber=1)
    for r in (by_arn, by_name, made):
        r.pop("ResponseMetadata")
    assert by_arn == by_name == made
    assert by_arn["LayerArn"] + ":1" == arn and by_arn["LicenseInfo"] == "MIT"
    assert error_of(lam.get_layer_version_by_arn, Arn=arn[:-1] + "7") == \
        ("ResourceNotFoundException", "The resource you requested does not exist.")
    assert error_of(lam.get_layer_version_by_arn, Arn=made["LayerArn"])[0] == "ValidationException"
    # another account: refused until the layer's policy grants it
    assert error_of(alt.get_layer_version_by_arn, Arn=arn)[0] == "AccessDeniedException"
    role = lambda_role(g.client("iam", aws_access_key_id=ALT[1], aws_secret_access_key=ALT[2]), "alt-fn")
    fn = dict(FunctionName="uses-layer", Runtime="python3.12", Role=role, Handler="app.handler",
              Code={"ZipFile": zip_of(ECHO % 1)}, Layers=[arn])
    assert error_of(alt.create_function, **fn)[0] == "AccessDeniedException"
    lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="alt",
                                     Action="lambda:GetLayerVersion", Principal=ALT[0])
    assert alt.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
    assert alt.create_function(**fn)["Layers"][0]["Arn"] == arn


def test_provisioned_concurrency(lam, role):
    """LocalStack's recorded TestLambdaProvisionedConcurrency: only a
    published version or an alias, AWS's words for what is missing, 202
    IN_PROGRESS then READY, the account's limits, a version and its alias
    not both, deleting the alias deletes its configuration."""
    lam.create_function(FunctionName="prov", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of(ECHO % 1)})
    ver = lam.publish_version(FunctionName="prov")["Version"]
    fn_arn = "arn:aws:lambda:us-west-2:000000000000:function:"
    put = lam.put_provisioned_concurrency_config
    assert error_of(lam.get_provisioned_concurrency_config, FunctionName="prov", Qualifier=ver) == \
        ("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function")
    assert error_of(put, FunctionName="prov", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == \
        ("InvalidParameterValueException",
         "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    assert error_of(lam.get_provisioned_concurrency_config, FunctionName="prov", Qualifier="$LATEST") == \
        ("InvalidParameterValueException", "The function resource provided must be an alias or a published version.")
    assert error_of(put, FunctionName="prov", Qualifier="noalias", ProvisionedConcurrentExecutions=1) == \
        ("ResourceNotFoundException", "Cannot find alias arn: %sprov:noalias" % fn_arn)
    assert error_of(put, FunctionName="prov", Qualifier="10", ProvisionedConcurrentExecutions=1) == \
        ("ResourceNotFoundException", "Function not found: %sprov:10" % fn_arn)
    assert error_of(lam.list_provisioned_concurrency_configs, FunctionName="nope") == \
        ("ResourceNotFoundException", "Function not found: %snope" % fn_arn)
    assert lam.list_provisioned_concurrency_configs(FunctionName="prov")["ProvisionedConcurrencyConfigs"] == []
    assert error_of(put, FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=1001) == \
        ("InvalidParameterValueException",
         "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [1000].")
    assert error_of(put, FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=1000) == \
        ("InvalidParameterValueException", "Specified ConcurrentExecutions for function decreases account's "
         "UnreservedConcurrentExecution below its minimum value of [100].")
    first = put(FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=2)
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (first["Status"], first["RequestedProvisionedConcurrentExecutions"],
            first["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 2, 0)
    got = lam.get_provisioned_concurrency_config(FunctionName="prov", Qualifier=ver)
    assert (got["Status"], got["AllocatedProvisionedConcurrentExecutions"],
            got["AvailableProvisionedConcurrentExecutions"]) == ("READY", 2, 2)
    # it comes out of the account's unreserved pool
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 998
    items = lam.list_provisioned_concurrency_configs(FunctionName="prov")["ProvisionedConcurrencyConfigs"]
    assert [(i["FunctionArn"], i["Status"]) for i in items] == [(fn_arn + "prov:" + ver, "READY")]
    # reserved concurrency cannot go below it (recorded, spaces and all)
    assert error_of(lam.put_function_concurrency, FunctionName="prov", ReservedConcurrentExecutions=1) == \
        ("InvalidParameterValueException",
         " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].")
    lam.put_function_concurrency(FunctionName="prov", ReservedConcurrentExecutions=2)
    assert error_of(put, FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=3) == \
        ("InvalidParameterValueException",
         "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function")
    # all of the reserved provisioned: $LATEST is throttled, the version runs
    # (recorded test_lambda_concurrency_block)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="prov", Qualifier="$LATEST", Payload=b"{}")
    assert (e.value.response["Error"], e.value.response["Reason"]) == (
        {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."},
        "ReservedFunctionConcurrentInvocationLimitExceeded")
    assert json.loads(lam.invoke(FunctionName="prov", Qualifier=ver, Payload=b"{}")["Payload"].read())["v"] == 1
    lam.put_function_concurrency(FunctionName="prov", ReservedConcurrentExecutions=3)
    assert json.loads(lam.invoke(FunctionName="prov", Payload=b"{}")["Payload"].read())["v"] == 1
    lam.delete_function_concurrency(FunctionName="prov")
    # an alias of $LATEST is not published either
    lam.create_alias(FunctionName="prov", Name="head", FunctionVersion="$LATEST")
    assert error_of(put, FunctionName="prov", Qualifier="head", ProvisionedConcurrentExecutions=1) == \
        ("InvalidParameterValueException",
         "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    lam.create_alias(FunctionName="prov", Name="live", FunctionVersion=ver)
    assert error_of(put, FunctionName="prov", Qualifier="live", ProvisionedConcurrentExecutions=1) == \
        ("ResourceConflictException",
         "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
    assert lam.delete_provisioned_concurrency_config(FunctionName="prov", Qualifier=ver)[
        "ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.delete_provisioned_concurrency_config(FunctionName="prov", Qualifier=ver)[
        "ResponseMetadata"]["HTTPStatusCode"] == 204  # nothing to delete is fine
    put(FunctionName="prov", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert error_of(put, FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=1) == \
        ("ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias")
    lam.delete_alias(FunctionName="prov", Name="live")
    assert error_of(lam.get_provisioned_concurrency_config, FunctionName="prov", Qualifier="live") == \
        ("ResourceNotFoundException", "Cannot find alias arn: %sprov:live" % fn_arn)
    assert lam.list_provisioned_concurrency_configs(FunctionName="prov")["ProvisionedConcurrencyConfigs"] == []
    # deleting the function takes its configurations with it
    put(FunctionName="prov", Qualifier=ver, ProvisionedConcurrentExecutions=5)
    lam.delete_function(FunctionName="prov")
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


SIGNER = "arn:aws:signer:us-west-2:000000000000:/signing-profiles/test"
UNSIGNED = ("CodeVerificationFailedException", "Lambda cannot deploy the function. The function or layer might be "
            "signed using a signature that the client is not configured to accept. Check the provided signature "
            "for %s.")


def test_code_signing_configs(lam, role):
    """LocalStack's recorded TestCodeSigningConfig, and the effect AWS
    documents: under Enforce a deployment of code (or layers) not signed by
    an allowed profile is refused — and nothing here is signed, gureum has
    no AWS Signer — under Warn it goes ahead; code already deployed stays."""
    made = lam.create_code_signing_config(Description="Testing CodeSigning Config",
                                          AllowedPublishers={"SigningProfileVersionArns": [SIGNER]},
                                          CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    csc = made["CodeSigningConfig"]
    arn = csc["CodeSigningConfigArn"]
    assert arn == "arn:aws:lambda:us-west-2:000000000000:code-signing-config:" + csc["CodeSigningConfigId"]
    assert len(csc["CodeSigningConfigId"]) == 21 and csc["AllowedPublishers"]["SigningProfileVersionArns"] == [SIGNER]
    bad = arn[:-1] + ("x" if arn[-1] != "x" else "y")
    assert error_of(lam.get_code_signing_config, CodeSigningConfigArn=bad) == \
        ("ResourceNotFoundException", "The Lambda code signing configuration %s can not be found." % bad)
    # a configuration that does not exist, before the function is looked for
    assert error_of(lam.put_function_code_signing_config, FunctionName="nope", CodeSigningConfigArn=bad) == \
        ("CodeSigningConfigNotFoundException",
         "The code signing configuration cannot be found. Check that the provided configuration is not deleted: "
         "%s." % bad)
    fn = dict(Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": zip_of(ECHO % 1)})
    assert error_of(lam.create_function, FunctionName="signed", CodeSigningConfigArn=arn, **fn) == \
        (UNSIGNED[0], UNSIGNED[1] % "signed")
    with pytest.raises(botocore.exceptions.ClientError):
        lam.get_function(FunctionName="signed")
    # a function deployed before keeps its code; new code is refused
    lam.create_function(FunctionName="later", **fn)
    assert lam.get_function_code_signing_config(FunctionName="later")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "CodeSigningConfigArn" not in lam.get_function_code_signing_config(FunctionName="later")
    put = lam.put_function_code_signing_config(FunctionName="later", CodeSigningConfigArn=arn)
    assert (put["CodeSigningConfigArn"], put["FunctionName"]) == (arn, "later")
    got = lam.get_function_code_signing_config(FunctionName="later")
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (arn, "later")
    assert json.loads(lam.invoke(FunctionName="later")["Payload"].read())["v"] == 1
    assert error_of(lam.update_function_code, FunctionName="later", ZipFile=zip_of(ECHO % 2)) == \
        (UNSIGNED[0], UNSIGNED[1] % "later")
    layer = lam.publish_layer_version(LayerName="unsigned", Content={"ZipFile": zip_of(ECHO % 0)})["LayerVersionArn"]
    assert error_of(lam.update_function_configuration, FunctionName="later", Layers=[layer]) == \
        (UNSIGNED[0], UNSIGNED[1] % layer)
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == \
        ["arn:aws:lambda:us-west-2:000000000000:function:later"]
    assert error_of(lam.delete_code_signing_config, CodeSigningConfigArn=arn)[0] == "ResourceConflictException"
    # Warn: deployed (with a warning on the server's log)
    upd = lam.update_code_signing_config(CodeSigningConfigArn=arn,
                                         CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"})
    assert upd["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    assert upd["CodeSigningConfig"]["Description"] == "Testing CodeSigning Config"
    lam.update_function_code(FunctionName="later", ZipFile=zip_of(ECHO % 2))
    assert json.loads(lam.invoke(FunctionName="later")["Payload"].read())["v"] == 2
    lam.create_function(FunctionName="warned", CodeSigningConfigArn=arn, **fn)
    assert lam.get_function_code_signing_config(FunctionName="warned")["CodeSigningConfigArn"] == arn
    # an update naming nothing changes nothing (recorded)
    same = lam.update_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"]
    assert same == upd["CodeSigningConfig"]
    assert arn in [c["CodeSigningConfigArn"] for c in lam.list_code_signing_configs()["CodeSigningConfigs"]]
    # removing it, twice; a deleted function no longer holds it
    for _ in range(2):
        r = lam.delete_function_code_signing_config(FunctionName="later")
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    lam.delete_function(FunctionName="warned")
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == []
    assert error_of(lam.get_function_code_signing_config, FunctionName="nope") == \
        ("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-west-2:000000000000:function:nope")
    assert lam.delete_code_signing_config(CodeSigningConfigArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lam.delete_code_signing_config, CodeSigningConfigArn=arn)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("op", ["get_function", "get_function_configuration", "get_function_code_signing_config",
                                "get_function_event_invoke_config", "get_function_concurrency", "delete_function",
                                "invoke"])
def test_function_arn_of_another_region(lam, op):
    # AWS (LocalStack's recorded test_get_function_wrong_region): every
    # function operation answers an ARN of another region alike
    arn = "arn:aws:lambda:eu-central-1:000000000000:function:anywhere"
    assert error_of(getattr(lam, op), FunctionName=arn) == \
        ("ResourceNotFoundException", "Functions from 'eu-central-1' are not reachable in this region ('us-west-2')")


def test_invoke_async_runs_the_function(gureum, lam, role):
    """The deprecated InvokeAsync: 202 {"Status": 202}, the function runs
    with InvokeArgs as its event (its log line reaches CloudWatch Logs), a
    missing function is ResourceNotFoundException."""
    import time
    lam.create_function(FunctionName="old-async", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zip_of("def handler(e, c):\n    print('EVENT', e['n'])\n")})
    r = lam.invoke_async(FunctionName="old-async", InvokeArgs=json.dumps({"n": 42}))
    assert (r["Status"], r["ResponseMetadata"]["HTTPStatusCode"]) == (202, 202)
    logs = gureum.client("logs", region_name="us-west-2")
    seen, deadline = [], time.time() + 15
    while time.time() < deadline and not any("EVENT 42" in m for m in seen):
        time.sleep(0.3)
        try:
            streams = logs.describe_log_streams(logGroupName="/aws/lambda/old-async")["logStreams"]
        except botocore.exceptions.ClientError:
            continue
        seen = [e["message"] for s in streams for e in logs.get_log_events(
            logGroupName="/aws/lambda/old-async", logStreamName=s["logStreamName"])["events"]]
    assert any("EVENT 42" in m for m in seen)
    assert error_of(lam.invoke_async, FunctionName="nowhere", InvokeArgs="{}") == \
        ("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-west-2:000000000000:function:nowhere")
