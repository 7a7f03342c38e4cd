"""test_sns_delivery_status.py — SNS delivery status logging: a topic whose SQSSuccessFeedbackRoleArn /
SQSFailureFeedbackRoleArn (and the Lambda ones) name a role gets a CloudWatch Logs record of each
delivery, in sns/REGION/ACCOUNT/TOPIC (sampled by SQSSuccessFeedbackSampleRate) and
sns/REGION/ACCOUNT/TOPIC/Failure (always), with AWS's record layout.
"""
import io
import json
import time
import zipfile

from conftest import LAMBDA_TRUST, lambda_role
from test_sns import ACCOUNT, queue_for

REGION = "us-east-1"
SNS_TRUST = LAMBDA_TRUST.replace("lambda.amazonaws.com", "sns.amazonaws.com")


def records(logs, group, want, wait=5):
    deadline = time.time() + wait
    while True:
        try:
            got = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            got = []
        if len(got) >= want or time.time() > deadline:
            return got
        time.sleep(0.1)


def test_sqs_delivery_status_logs(gureum):
    sns, sqs, logs, iam = (gureum.client(s) for s in ("sns", "sqs", "logs", "iam"))
    role = iam.create_role(RoleName="sns-feedback", AssumeRolePolicyDocument=SNS_TRUST)["Role"]["Arn"]
    topic = sns.create_topic(Name="audited")["TopicArn"]
    for k, v in {"SQSSuccessFeedbackRoleArn": role, "SQSSuccessFeedbackSampleRate": "100",
                 "SQSFailureFeedbackRoleArn": role}.items():
        sns.set_topic_attributes(TopicArn=topic, AttributeName=k, AttributeValue=v)
    url, qarn = queue_for(sqs, topic, "audited-q")
    closed = sqs.create_queue(QueueName="closed-q")["QueueUrl"]  # no policy: SNS may not send to it
    carn = sqs.get_queue_attributes(QueueUrl=closed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=carn)
    mid = sns.publish(TopicArn=topic, Message="hello")["MessageId"]

    ok = records(logs, "sns/%s/%s/audited" % (REGION, ACCOUNT), 1)
    assert len(ok) == 1
    r = ok[0]
    assert r["status"] == "SUCCESS"
    assert r["notification"]["messageId"] == mid and r["notification"]["topicArn"] == topic
    assert r["notification"]["messageMD5Sum"] == "5d41402abc4b2a76b9719d911017c592"  # md5("hello")
    assert r["delivery"]["destination"] == qarn and r["delivery"]["statusCode"] == 200
    assert r["delivery"]["attempts"] == 1 and r["delivery"]["dwellTimeMs"] >= 0
    sent = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]["MessageId"]
    assert json.loads(r["delivery"]["providerResponse"])["sqsMessageId"] == sent

    bad = records(logs, "sns/%s/%s/audited/Failure" % (REGION, ACCOUNT), 1)
    assert [(b["status"], b["delivery"]["destination"], b["delivery"]["statusCode"]) for b in bad] == \
        [("FAILURE", carn, 403)]

    # a sample rate of 0 logs no success; failures are always logged
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SQSSuccessFeedbackSampleRate", AttributeValue="0")
    sns.publish(TopicArn=topic, Message="again")
    assert len(records(logs, "sns/%s/%s/audited/Failure" % (REGION, ACCOUNT), 2)) == 2
    assert len(records(logs, "sns/%s/%s/audited" % (REGION, ACCOUNT), 2, wait=0.5)) == 1


def test_no_role_no_logs(gureum):
    sns, sqs, logs = (gureum.client(s) for s in ("sns", "sqs", "logs"))
    topic = sns.create_topic(Name="unaudited")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SQSFailureFeedbackRoleArn",
                             AttributeValue="arn:aws:iam::%s:role/missing" % ACCOUNT)
    closed = sqs.create_queue(QueueName="closed-too")["QueueUrl"]
    carn = sqs.get_queue_attributes(QueueUrl=closed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=carn)
    sns.publish(TopicArn=topic, Message="x")
    time.sleep(0.3)
    groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="sns/")["logGroups"]]
    assert not [g for g in groups if "unaudited" in g]  # the role does not exist: nothing is written


def test_lambda_delivery_status_logs(gureum):
    sns, lam, logs, iam = (gureum.client(s) for s in ("sns", "lambda", "logs", "iam"))
    role = iam.create_role(RoleName="sns-feedback-l", AssumeRolePolicyDocument=SNS_TRUST)["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async () => 'ok';")
    fn = lam.create_function(FunctionName="audited-fn", Runtime="nodejs20.x", Handler="index.handler",
                             Role=lambda_role(iam, "audited-fn-role"), Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    topic = sns.create_topic(Name="audited-l")["TopicArn"]
    lam.add_permission(FunctionName="audited-fn", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    for k, v in {"LambdaSuccessFeedbackRoleArn": role, "LambdaSuccessFeedbackSampleRate": "100"}.items():
        sns.set_topic_attributes(TopicArn=topic, AttributeName=k, AttributeValue=v)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    sns.publish(TopicArn=topic, Message="to a function")
    got = records(logs, "sns/%s/%s/audited-l" % (REGION, ACCOUNT), 1)
    assert [(r["status"], r["delivery"]["destination"], r["delivery"]["statusCode"]) for r in got] == \
        [("SUCCESS", fn, 202)]
    assert "lambdaRequestId" in json.loads(got[0]["delivery"]["providerResponse"])
