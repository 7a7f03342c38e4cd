"""Attribute-based access control: identity policies that decide by tags.
AWS (IAM User Guide, "Controlling access to AWS resources using tags"):
aws:ResourceTag/KEY is a tag of the resource acted on, aws:RequestTag/KEY a
tag the request carries and aws:TagKeys the keys the request names. Each is
tried here with a user whose policies use them, against SQS, SNS, DynamoDB,
Lambda, CloudWatch Logs, EventBridge and Kinesis resources tagged by the account's root, through boto3."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import lambda_role, lambda_zip


def code_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    return ei.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def user(gureum):
    """A user allowed everything except where its tag conditions say no."""
    iam = gureum.client("iam")
    iam.create_user(UserName="tagged-user")
    statements = [
        {"Effect": "Allow", "Action": ["sqs:*", "dynamodb:*", "iam:PassRole", "logs:*", "events:*", "kinesis:*"],
         "Resource": "*"},
        # a resource guardrail: production resources cannot be deleted
        {"Effect": "Deny", "Action": ["sqs:DeleteQueue", "logs:DeleteLogGroup", "events:DeleteRule",
                                      "kinesis:DeleteStream"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}},
        # only the team's topics and functions
        {"Effect": "Allow", "Action": ["sns:*", "lambda:*"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}},
        {"Effect": "Allow", "Action": ["sns:CreateTopic", "sns:ListTopics", "lambda:CreateFunction"], "Resource": "*"},
        # every new table names its owner
        {"Effect": "Deny", "Action": "dynamodb:CreateTable", "Resource": "*",
         "Condition": {"Null": {"aws:RequestTag/owner": "true"}}},
        # a tag nobody may set or remove
        {"Effect": "Deny", "Action": ["dynamodb:TagResource", "dynamodb:UntagResource"], "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["locked"]}}},
    ]
    iam.put_user_policy(UserName="tagged-user", PolicyName="abac",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    k = iam.create_access_key(UserName="tagged-user")["AccessKey"]
    return lambda svc: gureum.client(svc, aws_access_key_id=k["AccessKeyId"],
                                     aws_secret_access_key=k["SecretAccessKey"])


def test_resource_tag_denies_a_tagged_queue(gureum, user):
    sqs = gureum.client("sqs")
    prod = sqs.create_queue(QueueName="abac-prod", tags={"env": "prod"})["QueueUrl"]
    dev = sqs.create_queue(QueueName="abac-dev", tags={"env": "dev"})["QueueUrl"]
    mine = user("sqs")
    mine.send_message(QueueUrl=prod, MessageBody="still usable")
    assert code_of(lambda: mine.delete_queue(QueueUrl=prod)) == "AccessDenied"
    mine.delete_queue(QueueUrl=dev)
    # the tag decides as it is now
    sqs.untag_queue(QueueUrl=prod, TagKeys=["env"])
    mine.delete_queue(QueueUrl=prod)


def test_resource_tag_allows_only_the_teams_topics(gureum, user):
    sns = gureum.client("sns")
    blue = sns.create_topic(Name="abac-blue", Tags=[{"Key": "team", "Value": "blue"}])["TopicArn"]
    red = sns.create_topic(Name="abac-red", Tags=[{"Key": "team", "Value": "red"}])["TopicArn"]
    mine = user("sns")
    mine.publish(TopicArn=blue, Message="hello")
    assert code_of(lambda: mine.publish(TopicArn=red, Message="hello")) == "AuthorizationError"
    assert code_of(lambda: mine.delete_topic(TopicArn=red)) == "AuthorizationError"
    sns.tag_resource(ResourceArn=red, Tags=[{"Key": "team", "Value": "blue"}])
    mine.publish(TopicArn=red, Message="now allowed")


def test_request_tags_and_tag_keys(gureum, user):
    ddb = user("dynamodb")
    table = dict(AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    assert code_of(lambda: ddb.create_table(TableName="abac-untagged", **table)) == "AccessDeniedException"
    arn = ddb.create_table(TableName="abac-owned", Tags=[{"Key": "owner", "Value": "me"}],
                           **table)["TableDescription"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    assert code_of(lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "locked", "Value": "x"}])) == \
        "AccessDeniedException"
    gureum.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "locked", "Value": "x"}])
    assert code_of(lambda: ddb.untag_resource(ResourceArn=arn, TagKeys=["cost", "locked"])) == \
        "AccessDeniedException"
    ddb.untag_resource(ResourceArn=arn, TagKeys=["cost"])
    tags = gureum.client("dynamodb").list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(t["Key"] for t in tags) == ["locked", "owner"]


def test_resource_tag_on_functions(gureum, user):
    lam = gureum.client("lambda")
    role = lambda_role(gureum.client("iam"), "abac-fn-role")
    for name, team in (("abac-blue-fn", "blue"), ("abac-red-fn", "red")):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                            Code={"ZipFile": lambda_zip("def handler(e, c):\n    return 1\n")},
                            Tags={"team": team})
    mine = user("lambda")
    assert mine.get_function(FunctionName="abac-blue-fn")["Configuration"]["FunctionName"] == "abac-blue-fn"
    assert code_of(lambda: mine.get_function(FunctionName="abac-red-fn")) == "AccessDeniedException"


def test_resource_tag_guards_groups_rules_and_streams(gureum, user):
    logs, events, kin = gureum.client("logs"), gureum.client("events"), gureum.client("kinesis")
    for env in ("prod", "dev"):
        logs.create_log_group(logGroupName="abac-" + env, tags={"env": env})
        events.put_rule(Name="abac-" + env, ScheduleExpression="rate(1 hour)", Tags=[{"Key": "env", "Value": env}])
        kin.create_stream(StreamName="abac-" + env, ShardCount=1)
        kin.add_tags_to_stream(StreamName="abac-" + env, Tags={"env": env})
    ml, me, mk = user("logs"), user("events"), user("kinesis")
    assert code_of(lambda: ml.delete_log_group(logGroupName="abac-prod")) == "AccessDeniedException"
    assert code_of(lambda: me.delete_rule(Name="abac-prod")) == "AccessDeniedException"
    assert code_of(lambda: mk.delete_stream(StreamName="abac-prod")) == "AccessDeniedException"
    ml.delete_log_group(logGroupName="abac-dev")
    me.delete_rule(Name="abac-dev")
    mk.delete_stream(StreamName="abac-dev")
    # the untagged production resources are no longer guarded
    logs.untag_log_group(logGroupName="abac-prod", tags=["env"])
    ml.delete_log_group(logGroupName="abac-prod")
