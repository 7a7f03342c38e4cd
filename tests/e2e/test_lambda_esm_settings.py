"""test_lambda_esm_settings.py — the event source mapping members newer than Debian's
botocore: ScalingConfig (MaximumConcurrency), KMSKeyArn and MetricsConfig are kept on
CreateEventSourceMapping, replaced (or, given empty, removed) by UpdateEventSourceMapping
and answered by Get/List; every mapping answers its EventSourceMappingArn. Boto3 1.43
against a real server; 1.26 predates the members, so the tests skip under it.
"""
import json

import pytest
from conftest import lambda_zip, lambda_role

REGION = "us-east-1"
ACCOUNT = "000000000000"
KMS = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CODE = "def handler(e, c):\n    return 1\n"


@pytest.fixture(scope="module")
def lam(gureum):
    client = gureum.client("lambda", region_name=REGION)
    members = client.meta.service_model.operation_model("CreateEventSourceMapping").input_shape.members
    if "MetricsConfig" not in members:
        pytest.skip("this botocore predates the event source mappings' MetricsConfig")
    return client


@pytest.fixture(scope="module")
def queue_arn(gureum, lam):
    iam = gureum.client("iam")
    sqs = gureum.client("sqs", region_name=REGION)
    q = sqs.create_queue(QueueName="esm-settings")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    role = lambda_role(iam, "esm-settings-role")
    iam.put_role_policy(RoleName="esm-settings-role", PolicyName="q", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": qarn}]}))
    lam.create_function(FunctionName="esm-settings-fn", Runtime="python3.12", Role=role,
                        Handler="handler.handler", Code={"ZipFile": lambda_zip(CODE)})
    return qarn


def test_new_members_are_kept_and_answered(lam, queue_arn):
    m = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="esm-settings-fn",
                                        ScalingConfig={"MaximumConcurrency": 5}, KMSKeyArn=KMS,
                                        MetricsConfig={"Metrics": ["EventCount"]})
    uuid = m["UUID"]
    try:
        arn = "arn:aws:lambda:%s:%s:event-source-mapping:%s" % (REGION, ACCOUNT, uuid)
        for got in (m, lam.get_event_source_mapping(UUID=uuid),
                    lam.list_event_source_mappings(FunctionName="esm-settings-fn")["EventSourceMappings"][0]):
            assert got["EventSourceMappingArn"] == arn
            assert got["ScalingConfig"] == {"MaximumConcurrency": 5}
            assert got["KMSKeyArn"] == KMS
            assert got["MetricsConfig"] == {"Metrics": ["EventCount"]}
        # an update replaces only what it names
        u = lam.update_event_source_mapping(UUID=uuid, ScalingConfig={"MaximumConcurrency": 10})
        assert u["ScalingConfig"] == {"MaximumConcurrency": 10} and u["KMSKeyArn"] == KMS
        assert u["MetricsConfig"] == {"Metrics": ["EventCount"]}
        # AWS: "To remove the configuration, pass an empty value"
        u = lam.update_event_source_mapping(UUID=uuid, ScalingConfig={}, KMSKeyArn="",
                                            MetricsConfig={"Metrics": []})
        got = lam.get_event_source_mapping(UUID=uuid)
        for k in ("ScalingConfig", "KMSKeyArn", "MetricsConfig"):
            assert k not in u and k not in got
        assert got["EventSourceMappingArn"] == arn
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_a_mapping_without_them_answers_none(lam, queue_arn):
    m = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="esm-settings-fn")
    try:
        for k in ("ScalingConfig", "KMSKeyArn", "MetricsConfig"):
            assert k not in m
        assert m["EventSourceMappingArn"].endswith(":event-source-mapping:" + m["UUID"])
    finally:
        lam.delete_event_source_mapping(UUID=m["UUID"])


def test_tags_of_a_mapping(lam, queue_arn):
    """CreateEventSourceMapping's Tags, then TagResource, UntagResource and ListTags
    by the mapping's ARN; a mapping that is gone is not found."""
    m = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="esm-settings-fn",
                                        Tags={"team": "a", "env": "dev"})
    arn = m["EventSourceMappingArn"]
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "dev"}
    lam.tag_resource(Resource=arn, Tags={"env": "prod", "cost": "1"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "prod", "cost": "1"}
    lam.untag_resource(Resource=arn, TagKeys=["team", "cost"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod"}
    # the function's own tags are apart from its mapping's
    fn_arn = lam.get_function(FunctionName="esm-settings-fn")["Configuration"]["FunctionArn"]
    assert lam.list_tags(Resource=fn_arn)["Tags"] == {}
    lam.delete_event_source_mapping(UUID=m["UUID"])
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_tags(Resource=arn)


def test_maximum_concurrency_is_refused_out_of_range(gureum, queue_arn):
    """The model's 2..1000, checked by the server too (botocore's own check turned off)."""
    import botocore.config
    raw = gureum.client("lambda", region_name=REGION,
                        config=botocore.config.Config(parameter_validation=False))
    for bad in (1, 1001):
        with pytest.raises(raw.exceptions.ClientError) as ei:
            raw.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="esm-settings-fn",
                                            ScalingConfig={"MaximumConcurrency": bad})
        e = ei.value.response["Error"]
        assert e["Code"] == "ValidationException" and "scalingConfig.maximumConcurrency" in e["Message"]
    assert raw.list_event_source_mappings(FunctionName="esm-settings-fn")["EventSourceMappings"] == []
