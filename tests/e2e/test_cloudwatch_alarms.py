"""test_cloudwatch_alarms.py — CloudWatch alarms end to end: metric alarms that really evaluate
the data points PutMetricData stored (M out of N, TreatMissingData, AWS's reason texts and
StateReasonData), their actions (an SNS topic whose SQS subscription receives AWS's notification
JSON, a Lambda function that really runs with AWS's alarm event, an EventBridge rule), composite
alarms that follow their children, SetAlarmState, history, DescribeAlarms' filters and paging,
tags, AWS's refusals, and the Debian CLI v2. The server evaluates alarms every 300 ms
(GUREUM_CLOUDWATCH_ALARM_EVAL_MS, a test-build knob) instead of every minute. boto3 1.26 speaks
query; boto3 1.43 speaks json 1.0 to the json twin (see test_cloudwatch.py), so running this
file under both interpreters covers both wire forms; test_alarms_over_cbor hands boto3 1.43 the model
with smithy-rpc-v2-cbor only (test_cloudwatch_cbor.py's data path), as the CLI v2 speaks.
"""
import datetime
import json
import re
import time

import botocore.exceptions
import pytest

from conftest import lambda_role, lambda_zip, serve
from test_cloudwatch_cbor import cbor_client, cbor_data_path, needs_cbor  # noqa: F401 (a fixture)

UTC = datetime.timezone.utc
ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def gureum(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_TICK_MS": "100", "GUREUM_CLOUDWATCH_ALARM_EVAL_MS": "300"})


@pytest.fixture(scope="module")
def cw(gureum):
    return gureum.client("cloudwatch")


def arn(name):
    return "arn:aws:cloudwatch:%s:%s:alarm:%s" % (REGION, ACCOUNT, name)


def err(exc):
    e = exc.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message")


def alarm(cw, name, composite=False):
    r = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm" if composite else "MetricAlarm"])
    items = r["CompositeAlarms" if composite else "MetricAlarms"]
    assert len(items) == 1, r
    return items[0]


def wait_state(cw, name, state, composite=False, timeout=10):
    deadline = time.time() + timeout
    while True:
        a = alarm(cw, name, composite)
        if a["StateValue"] == state:
            return a
        if time.time() > deadline:
            raise AssertionError("%s stayed %s (%s), not %s" % (name, a["StateValue"], a["StateReason"], state))
        time.sleep(0.1)


def settle_minute():
    """Waits past the end of the minute when less than 15 s of it are left, so that a test's data
    points and the evaluations that read them fall in one minute."""
    now = datetime.datetime.now(UTC)
    if now.second >= 45:
        time.sleep(61 - now.second)
    return datetime.datetime.now(UTC)


def stamp(t):
    """A period's start as AWS's reason texts write it: (dd/mm/yy HH:MM:SS)."""
    return t.replace(second=0, microsecond=0).strftime("%d/%m/%y %H:%M:%S")


def history(cw, name, kind=None, **kw):
    args = {"AlarmName": name, **kw}
    if kind:
        args["HistoryItemType"] = kind
    return cw.describe_alarm_history(**args)["AlarmHistoryItems"]


def idle_alarm(cw, name):
    """A metric alarm on a metric nobody publishes, which keeps whatever state it is set to."""
    cw.put_metric_alarm(AlarmName=name, Namespace="E2E/None", MetricName="Nothing", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
                        TreatMissingData="ignore")


def queue_for_topic(sqs, topic, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": qarn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    return url, qarn


def receive(sqs, url, want, timeout=10):
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and len(got) < want:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        time.sleep(0.1)
    return got


# ==== Evaluation and the SNS action ====

def test_alarm_then_ok_notifies_sns(gureum, cw):
    sns, sqs = gureum.client("sns"), gureum.client("sqs")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    url, qarn = queue_for_topic(sqs, topic, "alarm-notes")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    t = settle_minute()
    cw.put_metric_alarm(AlarmName="errors-high", AlarmDescription="too many errors", Namespace="E2E/Alarm",
                        MetricName="Errors", Dimensions=[{"Name": "Svc", "Value": "api"}], Statistic="Minimum",
                        Period=60, EvaluationPeriods=1, Threshold=3.0, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[topic], OKActions=[topic])
    a = alarm(cw, "errors-high")
    assert a["StateValue"] == "INSUFFICIENT_DATA" and a["StateReason"] == "Unchecked: Initial alarm creation"
    assert a["AlarmArn"] == arn("errors-high") and a["ActionsEnabled"] is True
    assert (a["Period"], a["EvaluationPeriods"], a["Threshold"], a["Statistic"]) == (60, 1, 3.0, "Minimum")
    assert a["OKActions"] == [topic] and a["InsufficientDataActions"] == []
    cw.put_metric_data(Namespace="E2E/Alarm", MetricData=[
        {"MetricName": "Errors", "Dimensions": [{"Name": "Svc", "Value": "api"}], "Value": 5.0, "Timestamp": t}])
    a = wait_state(cw, "errors-high", "ALARM")
    assert a["StateReason"] == ("Threshold Crossed: 1 out of the last 1 datapoints [5.0 (%s)] was greater than the "
                                "threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition)." % stamp(t))
    data = json.loads(a["StateReasonData"])
    assert data["version"] == "1.0" and data["statistic"] == "Minimum" and data["period"] == 60
    assert data["recentDatapoints"] == [5.0] and data["threshold"] == 3.0
    assert data["evaluatedDatapoints"] == [{"timestamp": t.replace(second=0, microsecond=0).strftime(
        "%Y-%m-%dT%H:%M:%S.000+0000"), "sampleCount": 1.0, "value": 5.0}]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", data["queryDate"])
    # a lower value in the same minute: the minimum drops under the threshold
    cw.put_metric_data(Namespace="E2E/Alarm", MetricData=[
        {"MetricName": "Errors", "Dimensions": [{"Name": "Svc", "Value": "api"}], "Value": 1.0, "Timestamp": t}])
    a = wait_state(cw, "errors-high", "OK")
    assert a["StateReason"] == ("Threshold Crossed: 1 out of the last 1 datapoints [1.0 (%s)] was not greater than "
                                "the threshold (3.0) (minimum 1 datapoint for ALARM -> OK transition)." % stamp(t))
    notes = receive(sqs, url, 2)
    assert [n["Subject"] for n in notes] == ['ALARM: "errors-high" in US East (N. Virginia)',
                                             'OK: "errors-high" in US East (N. Virginia)']
    m = json.loads(notes[0]["Message"])
    assert list(m)[:11] == ["AlarmName", "AlarmDescription", "AWSAccountId", "AlarmConfigurationUpdatedTimestamp",
                            "NewStateValue", "NewStateReason", "StateChangeTime", "Region", "AlarmArn",
                            "OldStateValue", "OKActions"]
    assert (m["AlarmName"], m["AlarmDescription"], m["AWSAccountId"]) == ("errors-high", "too many errors", ACCOUNT)
    assert (m["OldStateValue"], m["NewStateValue"], m["Region"]) == ("INSUFFICIENT_DATA", "ALARM",
                                                                     "US East (N. Virginia)")
    assert m["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [5.0")
    assert m["AlarmArn"] == arn("errors-high") and m["AlarmActions"] == [topic]
    assert m["Trigger"] == {"MetricName": "Errors", "Namespace": "E2E/Alarm", "StatisticType": "Statistic",
                            "Statistic": "MINIMUM", "Unit": None, "Dimensions": [{"value": "api", "name": "Svc"}],
                            "Period": 60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
                            "Threshold": 3.0, "TreatMissingData": "", "EvaluateLowSampleCountPercentile": ""}
    assert json.loads(notes[1]["Message"])["OldStateValue"] == "ALARM"
    # history: the creation, two state updates, two actions (newest first)
    items = history(cw, "errors-high")
    kinds = [(i["HistoryItemType"], i["HistorySummary"]) for i in items]
    assert kinds[-1] == ("ConfigurationUpdate", 'Alarm "errors-high" created')
    assert ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM") in kinds
    assert ("StateUpdate", "Alarm updated from ALARM to OK") in kinds
    assert kinds.count(("Action", "Successfully executed action " + topic)) == 2
    upd = [i for i in items if i["HistorySummary"] == "Alarm updated from ALARM to OK"][0]
    hd = json.loads(upd["HistoryData"])
    assert hd["version"] == "1.0" and hd["oldState"]["stateValue"] == "ALARM"
    assert hd["newState"]["stateValue"] == "OK" and hd["newState"]["stateReasonData"]["recentDatapoints"] == [1.0]
    created = items[-1]["Timestamp"]
    assert history(cw, "errors-high", EndDate=created - datetime.timedelta(seconds=1)) == []
    assert len(history(cw, "errors-high", StartDate=created)) == len(items)
    asc = history(cw, "errors-high", ScanBy="TimestampAscending")
    assert asc[0]["HistorySummary"] == 'Alarm "errors-high" created'
    assert [i["HistorySummary"] for i in history(cw, "errors-high", "StateUpdate")] == [
        "Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"]
    page = cw.describe_alarm_history(AlarmName="errors-high", MaxRecords=2)
    assert len(page["AlarmHistoryItems"]) == 2 and page["NextToken"]
    rest = cw.describe_alarm_history(AlarmName="errors-high", NextToken=page["NextToken"])["AlarmHistoryItems"]
    assert len(page["AlarmHistoryItems"]) + len(rest) == len(items)


def test_m_out_of_n(cw):
    t = settle_minute()
    cw.put_metric_alarm(AlarmName="m-of-n", Namespace="E2E/MofN", MetricName="Lat", Statistic="Maximum", Period=60,
                        EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=10, ComparisonOperator=
                        "GreaterThanOrEqualToThreshold")
    prev = t - datetime.timedelta(minutes=1)
    cw.put_metric_data(Namespace="E2E/MofN", MetricData=[{"MetricName": "Lat", "Value": 12.5, "Timestamp": prev}])
    # one breaching point of two needed, the others missing and older than the point: not premature
    time.sleep(1.5)
    assert alarm(cw, "m-of-n")["StateValue"] == "OK"
    cw.put_metric_data(Namespace="E2E/MofN", MetricData=[{"MetricName": "Lat", "Value": 20.0, "Timestamp": t}])
    a = wait_state(cw, "m-of-n", "ALARM")
    assert a["StateReason"] == (
        "Threshold Crossed: 2 out of the last 3 datapoints [20.0 (%s), 12.5 (%s)] were greater than or equal to the "
        "threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition)." % (stamp(t), stamp(prev)))
    data = json.loads(a["StateReasonData"])
    assert data["recentDatapoints"] == [12.5, 20.0]
    assert [d.get("value") for d in data["evaluatedDatapoints"]] == [20.0, 12.5, None]
    assert a["DatapointsToAlarm"] == 2


def test_metric_math_alarm(cw):
    t = settle_minute()
    cw.put_metric_alarm(AlarmName="math", EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
                        Metrics=[{"Id": "m1", "ReturnData": False, "MetricStat": {
                            "Metric": {"Namespace": "E2E/Math", "MetricName": "Req"}, "Period": 60, "Stat": "Sum"}},
                                 {"Id": "e1", "Expression": "m1 * 2", "Label": "doubled", "ReturnData": True}])
    a = alarm(cw, "math")
    assert [q["Id"] for q in a["Metrics"]] == ["m1", "e1"] and "MetricName" not in a
    cw.put_metric_data(Namespace="E2E/Math", MetricData=[
        {"MetricName": "Req", "Value": 2.0, "Timestamp": t}, {"MetricName": "Req", "Value": 4.0, "Timestamp": t}])
    a = wait_state(cw, "math", "ALARM")
    assert a["StateReason"] == ("Threshold Crossed: 1 out of the last 1 datapoints [12.0 (%s)] was greater than the "
                                "threshold (10.0) (minimum 1 datapoint for OK -> ALARM transition)." % stamp(t))
    assert "statistic" not in json.loads(a["StateReasonData"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_alarm(AlarmName="math2", EvaluationPeriods=1, Threshold=1,
                            ComparisonOperator="GreaterThanThreshold",
                            Metrics=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "E2E/Math", "MetricName":
                                                                            "Req"}, "Period": 60, "Stat": "Sum"}},
                                     {"Id": "e1", "Expression": "m1 * 2"}])
    assert err(e) == ("ValidationError", 400,
                      "Metrics list must contain exactly one metric matching the ReturnData parameter")


def test_percentile_alarm(cw):
    t = settle_minute()
    cw.put_metric_alarm(AlarmName="p90", Namespace="E2E/Pct", MetricName="Lat", ExtendedStatistic="p90", Period=60,
                        EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold",
                        EvaluateLowSampleCountPercentile="evaluate")
    cw.put_metric_data(Namespace="E2E/Pct", MetricData=[
        {"MetricName": "Lat", "Values": [float(v) for v in range(1, 101)], "Timestamp": t}])
    a = wait_state(cw, "p90", "ALARM")
    assert a["ExtendedStatistic"] == "p90" and "Statistic" not in a
    # GetMetricStatistics' other extended statistics are accepted too
    cw.put_metric_alarm(AlarmName="tm90", Namespace="E2E/Pct", MetricName="Lat", ExtendedStatistic="tm90", Period=60,
                        EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold")
    assert a["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [90.")
    # too few samples for p99 (10 / (1 - 0.99) = 1000) with "ignore": the state stays
    cw.put_metric_alarm(AlarmName="p99-low", Namespace="E2E/Pct", MetricName="Lat", ExtendedStatistic="p99",
                        Period=60, EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold",
                        EvaluateLowSampleCountPercentile="ignore")
    cw.put_metric_alarm(AlarmName="p99-probe", Namespace="E2E/Pct", MetricName="Lat", ExtendedStatistic="p99",
                        Period=60, EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold")
    wait_state(cw, "p99-probe", "ALARM")
    time.sleep(0.7)
    assert alarm(cw, "p99-low")["StateValue"] == "INSUFFICIENT_DATA"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_alarm(AlarmName="bad-stat", Namespace="E2E/Pct", MetricName="Lat", ExtendedStatistic="p1000",
                            Period=60, EvaluationPeriods=1, Threshold=50, ComparisonOperator="GreaterThanThreshold")
    assert err(e)[:2] == ("InvalidParameterValue", 400)


@pytest.mark.parametrize("treat,state,reason", [
    ("breaching", "ALARM", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints "
                           "were treated as [Breaching]."),
    ("notBreaching", "OK", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints "
                           "were treated as [NonBreaching]."),
])
def test_treat_missing_data(cw, treat, state, reason):
    name = "missing-" + treat
    cw.put_metric_alarm(AlarmName=name, Namespace="E2E/None", MetricName="Nothing", Statistic="Sum", Period=60,
                        EvaluationPeriods=2, Threshold=1, ComparisonOperator="LessThanThreshold",
                        TreatMissingData=treat)
    a = wait_state(cw, name, state)
    assert a["StateReason"] == reason and a["TreatMissingData"] == treat


def test_missing_and_ignore_keep_insufficient_data(cw):
    for treat in ("missing", "ignore"):
        cw.put_metric_alarm(AlarmName="keep-" + treat, Namespace="E2E/None", MetricName="Nothing", Statistic="Sum",
                            Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
                            TreatMissingData=treat)
    # an alarm created after these two has been evaluated once they have been
    cw.put_metric_alarm(AlarmName="keep-probe", Namespace="E2E/None", MetricName="Nothing", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
                        TreatMissingData="breaching")
    wait_state(cw, "keep-probe", "ALARM")
    time.sleep(0.7)
    for treat in ("missing", "ignore"):
        a = alarm(cw, "keep-" + treat)
        assert a["StateValue"] == "INSUFFICIENT_DATA", a
    assert history(cw, "keep-missing", "StateUpdate") == []


# ==== SetAlarmState, updates, enabling actions ====

def test_set_alarm_state_holds_until_next_evaluation(cw):
    cw.put_metric_alarm(AlarmName="manual", Namespace="E2E/None", MetricName="Nothing", Statistic="Average",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="notBreaching")
    wait_state(cw, "manual", "OK")
    cw.set_alarm_state(AlarmName="manual", StateValue="ALARM", StateReason="testing",
                       StateReasonData=json.dumps({"why": "drill"}))
    # the next evaluation puts it back where its data says
    wait_state(cw, "manual", "OK")
    ups = history(cw, "manual", "StateUpdate", ScanBy="TimestampAscending")
    assert [u["HistorySummary"] for u in ups] == ["Alarm updated from INSUFFICIENT_DATA to OK",
                                                  "Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK"]
    hd = json.loads(ups[1]["HistoryData"])
    assert hd["newState"] == {"stateValue": "ALARM", "stateReason": "testing", "stateReasonData": {"why": "drill"}}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.set_alarm_state(AlarmName="manual", StateValue="ALARM", StateReason="x", StateReasonData="{not json")
    assert err(e)[:2] == ("InvalidFormat", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.set_alarm_state(AlarmName="no-such-alarm", StateValue="ALARM", StateReason="x")
    assert err(e)[:2] == ("ResourceNotFound", 404)


def test_update_keeps_state_and_actions_toggle(cw):
    kw = dict(AlarmName="kept", Namespace="E2E/None", MetricName="Nothing", Statistic="Sum", Period=60,
              EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold", TreatMissingData="ignore")
    cw.put_metric_alarm(**kw)
    cw.set_alarm_state(AlarmName="kept", StateValue="ALARM", StateReason="set by hand")
    before = alarm(cw, "kept")
    kw["Threshold"] = 7.5
    kw["AlarmDescription"] = "changed"
    cw.put_metric_alarm(**kw)
    time.sleep(0.5)
    a = alarm(cw, "kept")
    assert (a["StateValue"], a["StateReason"], a["Threshold"], a["AlarmDescription"]) == (
        "ALARM", "set by hand", 7.5, "changed")
    assert a["AlarmConfigurationUpdatedTimestamp"] >= before["AlarmConfigurationUpdatedTimestamp"]
    assert a["StateUpdatedTimestamp"] == before["StateUpdatedTimestamp"]
    assert [i["HistorySummary"] for i in history(cw, "kept", "ConfigurationUpdate")] == [
        'Alarm "kept" updated', 'Alarm "kept" created']
    cw.disable_alarm_actions(AlarmNames=["kept", "not-there"])
    assert alarm(cw, "kept")["ActionsEnabled"] is False
    cw.enable_alarm_actions(AlarmNames=["kept"])
    assert alarm(cw, "kept")["ActionsEnabled"] is True


# ==== Lambda and EventBridge actions ====

def test_lambda_action_runs_the_function(gureum, cw):
    iam, lam, logs = gureum.client("iam"), gureum.client("lambda"), gureum.client("logs")
    role = lambda_role(iam, "alarm-fn")
    fn = lam.create_function(FunctionName="alarm-fn", Runtime="python3.11", Role=role, Handler="handler.handler",
                             Code={"ZipFile": lambda_zip(
                                 "import json\ndef handler(e, c):\n    print('EVENT ' + json.dumps(e))\n")})[
        "FunctionArn"]
    kw = dict(Namespace="E2E/None", MetricName="Nothing", Statistic="Sum", Period=60, EvaluationPeriods=1,
              Threshold=1, ComparisonOperator="LessThanThreshold", TreatMissingData="breaching", AlarmActions=[fn])
    # without a resource policy for lambda.alarms.cloudwatch.amazonaws.com the action fails (AWS)
    cw.put_metric_alarm(AlarmName="to-lambda-denied", **kw)
    wait_state(cw, "to-lambda-denied", "ALARM")
    deadline = time.time() + 5
    while not history(cw, "to-lambda-denied", "Action") and time.time() < deadline:
        time.sleep(0.1)
    act = history(cw, "to-lambda-denied", "Action")
    assert len(act) == 1 and act[0]["HistorySummary"].startswith("Failed to execute action " + fn)
    assert json.loads(act[0]["HistoryData"])["actionState"] == "Failed"
    lam.add_permission(FunctionName="alarm-fn", StatementId="alarms", Action="lambda:InvokeFunction",
                       Principal="lambda.alarms.cloudwatch.amazonaws.com", SourceArn=arn("to-lambda"))
    cw.put_metric_alarm(AlarmName="to-lambda", AlarmDescription="calls a function", **kw)
    wait_state(cw, "to-lambda", "ALARM")
    events = []
    deadline = time.time() + 30
    while time.time() < deadline and not events:
        try:
            found = logs.filter_log_events(logGroupName="/aws/lambda/alarm-fn")["events"]
        except botocore.exceptions.ClientError:
            found = []
        events = [json.loads(e["message"].split("EVENT ", 1)[1]) for e in found if "EVENT " in e["message"]]
        time.sleep(0.2)
    assert len(events) == 1, events
    ev = events[0]
    assert (ev["source"], ev["alarmArn"], ev["accountId"], ev["region"]) == (
        "aws.cloudwatch", arn("to-lambda"), ACCOUNT, REGION)
    d = ev["alarmData"]
    assert d["alarmName"] == "to-lambda"
    assert d["state"]["value"] == "ALARM" and d["state"]["reason"].startswith("Threshold Crossed: no datapoints")
    assert d["previousState"]["value"] == "INSUFFICIENT_DATA"
    assert d["previousState"]["reason"] == "Unchecked: Initial alarm creation"
    assert d["configuration"]["description"] == "calls a function"
    m = d["configuration"]["metrics"][0]
    assert m["metricStat"] == {"metric": {"namespace": "E2E/None", "name": "Nothing", "dimensions": {}},
                               "period": 60, "stat": "Sum"}
    assert m["returnData"] is True
    act = history(cw, "to-lambda", "Action")
    assert [i["HistorySummary"] for i in act] == ["Successfully executed action " + fn]


def test_eventbridge_state_change_event(gureum, cw):
    ev, sqs = gureum.client("events"), gureum.client("sqs")
    url = sqs.create_queue(QueueName="alarm-events")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": qarn}]})})
    ev.put_rule(Name="alarms", EventPattern=json.dumps({
        "source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": ["evented"]}}))
    ev.put_targets(Rule="alarms", Targets=[{"Id": "q", "Arn": qarn}])
    cw.put_metric_alarm(AlarmName="evented", Namespace="E2E/None", MetricName="Nothing", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
                        TreatMissingData="breaching", ActionsEnabled=False)
    wait_state(cw, "evented", "ALARM")
    got = receive(sqs, url, 1)
    assert len(got) == 1
    e = got[0]
    assert (e["source"], e["detail-type"], e["resources"]) == ("aws.cloudwatch", "CloudWatch Alarm State Change",
                                                               [arn("evented")])
    assert e["detail"]["state"]["value"] == "ALARM" and e["detail"]["previousState"]["value"] == "INSUFFICIENT_DATA"
    # actions disabled: no Action history, the event still comes (AWS)
    assert history(cw, "evented", "Action") == []


# ==== Composite alarms ====

def test_composite_alarm_follows_children(cw):
    for n in ("child-a", "child-b"):
        idle_alarm(cw, n)
    cw.put_composite_alarm(AlarmName="parent", AlarmRule='ALARM("child-a") OR (ALARM(child-b) AND NOT OK(%s))'
                           % arn("child-a"), AlarmDescription="either child")
    p = wait_state(cw, "parent", "OK", composite=True)
    assert p["AlarmRule"].startswith('ALARM("child-a")') and p["AlarmArn"] == arn("parent")
    cw.set_alarm_state(AlarmName="child-a", StateValue="ALARM", StateReason="by hand")
    p = wait_state(cw, "parent", "ALARM", composite=True)
    assert re.fullmatch(re.escape(arn("child-a")) + r" transitioned to ALARM at \w+day \d{1,2} \w+, \d{4} "
                        r"\d\d:\d\d:\d\d UTC", p["StateReason"]), p["StateReason"]
    trig = json.loads(p["StateReasonData"])["triggeringAlarms"]
    assert {t["arn"]: t["state"]["value"] for t in trig} == {arn("child-a"): "ALARM",
                                                            arn("child-b"): "INSUFFICIENT_DATA"}
    cw.set_alarm_state(AlarmName="child-a", StateValue="OK", StateReason="by hand")
    wait_state(cw, "parent", "OK", composite=True)
    # without AlarmTypes DescribeAlarms lists metric alarms only (AWS)
    r = cw.describe_alarms(AlarmNames=["parent", "child-a"])
    assert [a["AlarmName"] for a in r["MetricAlarms"]] == ["child-a"] and "CompositeAlarms" not in r
    r = cw.describe_alarms(ChildrenOfAlarmName="parent", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert sorted(a["AlarmName"] for a in r["MetricAlarms"]) == ["child-a", "child-b"]
    r = cw.describe_alarms(ParentsOfAlarmName="child-b", AlarmTypes=["CompositeAlarm"])
    assert [a["AlarmName"] for a in r["CompositeAlarms"]] == ["parent"]
    hist = cw.describe_alarm_history(AlarmName="parent", AlarmTypes=["CompositeAlarm"],
                                     HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [h["AlarmType"] for h in hist] == ["CompositeAlarm"] * 3
    # a child cannot go while a composite alarm names it (AWS's text)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.delete_alarms(AlarmNames=["child-a"])
    assert err(e) == ("ValidationError", 400, "Cannot delete child-a as there are composite alarm(s) depending on it.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.delete_alarms(AlarmNames=["child-a", "child-b"])
    assert err(e)[2] == "Cannot delete child-a,child-b as there are composite alarm(s) depending on them."
    cw.delete_alarms(AlarmNames=["parent", "child-a", "child-b"])
    r = cw.describe_alarms(AlarmNamePrefix="child-", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert r["MetricAlarms"] == [] and r["CompositeAlarms"] == []
    # history outlives the alarm
    assert history(cw, "child-a", "ConfigurationUpdate")[0]["HistorySummary"] == 'Alarm "child-a" deleted'


def test_composite_actions_suppressor(cw):
    for n in ("sup-child", "suppressor"):
        idle_alarm(cw, n)
    action = "arn:aws:automate:%s:ec2:stop" % REGION
    cw.put_composite_alarm(AlarmName="suppressed", AlarmRule="ALARM(sup-child)", AlarmActions=[action],
                           OKActions=[action], ActionsSuppressor="suppressor", ActionsSuppressorWaitPeriod=0,
                           ActionsSuppressorExtensionPeriod=120)
    wait_state(cw, "suppressed", "OK", composite=True)
    # OK without a suppressor in ALARM: the EC2 action runs, and fails (gureum has no EC2 instances)
    act = history(cw, "suppressed", "Action", AlarmTypes=["CompositeAlarm"])
    assert [i["HistorySummary"].split(". ")[0] for i in act] == ["Failed to execute action " + action]
    cw.set_alarm_state(AlarmName="suppressor", StateValue="ALARM", StateReason="maintenance")
    c = alarm(cw, "suppressed", composite=True)
    assert (c["ActionsSuppressor"], c["ActionsSuppressorExtensionPeriod"], c["ActionsSuppressedBy"]) == (
        "suppressor", 120, "Alarm")
    cw.set_alarm_state(AlarmName="sup-child", StateValue="ALARM", StateReason="x")
    wait_state(cw, "suppressed", "ALARM", composite=True)
    # the suppressor leaves ALARM: the extension period still suppresses
    cw.set_alarm_state(AlarmName="suppressor", StateValue="OK", StateReason="done")
    assert alarm(cw, "suppressed", composite=True)["ActionsSuppressedBy"] == "ExtensionPeriod"
    cw.set_alarm_state(AlarmName="sup-child", StateValue="OK", StateReason="x")
    wait_state(cw, "suppressed", "OK", composite=True)
    assert len(history(cw, "suppressed", "Action", AlarmTypes=["CompositeAlarm"])) == 1
    cw.delete_alarms(AlarmNames=["suppressed"])
    cw.delete_alarms(AlarmNames=["sup-child", "suppressor"])


def test_composite_suppressor_wait_period(cw):
    for n in ("w-child", "w-sup"):
        idle_alarm(cw, n)
    action = "arn:aws:automate:%s:ec2:reboot" % REGION
    cw.put_composite_alarm(AlarmName="waiter", AlarmRule="ALARM(w-child)", AlarmActions=[action],
                           ActionsSuppressor="w-sup", ActionsSuppressorWaitPeriod=1,
                           ActionsSuppressorExtensionPeriod=0)
    wait_state(cw, "waiter", "OK", composite=True)
    acts = lambda: history(cw, "waiter", "Action", AlarmTypes=["CompositeAlarm"])
    # the composite alarm waits a second for its suppressor, then acts
    cw.set_alarm_state(AlarmName="w-child", StateValue="ALARM", StateReason="x")
    c = wait_state(cw, "waiter", "ALARM", composite=True)
    assert c["ActionsSuppressedBy"] == "WaitPeriod" and acts() == []
    deadline = time.time() + 5
    while not acts() and time.time() < deadline:
        time.sleep(0.1)
    assert [i["HistorySummary"].split(". ")[0] for i in acts()] == ["Failed to execute action " + action]
    assert "ActionsSuppressedBy" not in alarm(cw, "waiter", composite=True)
    # the suppressor goes into ALARM within the wait: the actions are dropped
    cw.set_alarm_state(AlarmName="w-child", StateValue="OK", StateReason="x")
    wait_state(cw, "waiter", "OK", composite=True)
    cw.set_alarm_state(AlarmName="w-child", StateValue="ALARM", StateReason="x")
    wait_state(cw, "waiter", "ALARM", composite=True)
    cw.set_alarm_state(AlarmName="w-sup", StateValue="ALARM", StateReason="x")
    time.sleep(1.5)
    assert len(acts()) == 1
    assert alarm(cw, "waiter", composite=True)["ActionsSuppressedBy"] == "Alarm"
    cw.delete_alarms(AlarmNames=["waiter"])
    cw.delete_alarms(AlarmNames=["w-child", "w-sup"])


def test_composite_alarm_refusals(cw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_composite_alarm(AlarmName="bad-rule", AlarmRule="ALARM(x) AND")
    assert err(e)[:2] == ("ValidationError", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_composite_alarm(AlarmName="bad-rule", AlarmRule="ALARM(ghost-1) OR OK(ghost-2)")
    assert err(e) == ("ValidationError", 400, "Could not save the composite alarm as alarms [ghost-1, ghost-2] in "
                                              "the alarm rule do not exist")
    cw.put_composite_alarm(AlarmName="always", AlarmRule="TRUE")
    assert wait_state(cw, "always", "ALARM", composite=True)["StateValue"] == "ALARM"
    cw.delete_alarms(AlarmNames=["always"])


# ==== Validation ====

BASE = dict(Namespace="E2E/V", MetricName="M", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold")


@pytest.mark.parametrize("change,code,message", [
    ({"Period": 300, "EvaluationPeriods": 289}, "ValidationError",
     "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)"),
    ({"ExtendedStatistic": "p99"}, "InvalidParameterCombination", None),
    ({"EvaluationPeriods": 2, "DatapointsToAlarm": 3}, "ValidationError", None),
    ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, "InvalidParameterValue", None),
    ({"Period": 45}, "InvalidParameterValue", None),
    ({"AlarmActions": ["arn:aws:sns:eu-west-1:000000000000:elsewhere"]}, "ValidationError", None),
    ({"TreatMissingData": "sometimes"}, "ValidationError", None),
    ({"AlarmName": "tab\there"}, "InvalidParameterValue",
     "The parameter AlarmName must not contain ASCII control characters."),
    ({"Statistic": None, "ExtendedStatistic": "p90", "EvaluateLowSampleCountPercentile": "unknown"}, "ValidationError",
     "Option unknown is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are "
     "evaluate and ignore."),
])
def test_put_metric_alarm_refusals(cw, change, code, message):
    kw = dict(BASE, AlarmName="refused")
    kw.update(change)
    kw = {k: v for k, v in kw.items() if v is not None}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_alarm(**kw)
    got = err(e)
    assert got[:2] == (code, 400), got
    if message:
        assert got[2] == message


# ==== Describing, paging, tags ====

def test_describe_filters_paging_and_tags(cw):
    topic = "arn:aws:sns:%s:%s:pager" % (REGION, ACCOUNT)
    for i in range(5):
        cw.put_metric_alarm(AlarmName="page-%d" % i, Dimensions=[{"Name": "N", "Value": str(i % 2)}],
                            AlarmActions=[topic] if i == 3 else [], TreatMissingData="ignore",
                            Tags=[{"Key": "team", "Value": "t%d" % i}], **BASE)
    names, token = [], None
    while True:
        kw = {"AlarmNamePrefix": "page-", "MaxRecords": 2}
        if token:
            kw["NextToken"] = token
        r = cw.describe_alarms(**kw)
        assert len(r["MetricAlarms"]) <= 2
        names += [a["AlarmName"] for a in r["MetricAlarms"]]
        token = r.get("NextToken")
        if not token:
            break
    assert names == ["page-%d" % i for i in range(5)]
    # AWS lists a one-metric alarm's Dimensions, empty when it has none
    cw.put_metric_alarm(AlarmName="undimensioned", **BASE)
    assert cw.describe_alarms(AlarmNames=["undimensioned"])["MetricAlarms"][0]["Dimensions"] == []
    cw.delete_alarms(AlarmNames=["undimensioned"])
    r = cw.describe_alarms(ActionPrefix="arn:aws:sns:%s:%s:pag" % (REGION, ACCOUNT))
    assert [a["AlarmName"] for a in r["MetricAlarms"]] == ["page-3"]
    cw.set_alarm_state(AlarmName="page-2", StateValue="ALARM", StateReason="x")
    r = cw.describe_alarms(AlarmNamePrefix="page-", StateValue="ALARM")
    assert [a["AlarmName"] for a in r["MetricAlarms"]] == ["page-2"]
    r = cw.describe_alarms_for_metric(Namespace="E2E/V", MetricName="M", Dimensions=[{"Name": "N", "Value": "1"}])
    assert sorted(a["AlarmName"] for a in r["MetricAlarms"]) == ["page-1", "page-3"]
    r = cw.describe_alarms_for_metric(Namespace="E2E/V", MetricName="M", Statistic="Average")
    assert r["MetricAlarms"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.describe_alarms(AlarmNames=["page-1"], AlarmNamePrefix="page-")
    assert err(e)[:2] == ("InvalidParameterCombination", 400)
    # tags by the alarm's ARN
    assert cw.list_tags_for_resource(ResourceARN=arn("page-1"))["Tags"] == [{"Key": "team", "Value": "t1"}]
    cw.tag_resource(ResourceARN=arn("page-1"), Tags=[{"Key": "env", "Value": "prod"}])
    cw.untag_resource(ResourceARN=arn("page-1"), TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn("page-1"))["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.list_tags_for_resource(ResourceARN=arn("no-such"))
    assert err(e)[0] == "ResourceNotFoundException"
    cw.delete_alarms(AlarmNames=["page-%d" % i for i in range(5)])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.list_tags_for_resource(ResourceARN=arn("page-1"))
    assert err(e)[0] == "ResourceNotFoundException"


def test_alarms_survive_a_restart(gureum_factory):
    env = {"GUREUM_TICK_MS": "100", "GUREUM_CLOUDWATCH_ALARM_EVAL_MS": "300"}
    g = gureum_factory(env=env)
    c = g.client("cloudwatch")
    c.put_metric_alarm(AlarmName="durable", TreatMissingData="ignore", Tags=[{"Key": "k", "Value": "v"}], **BASE)
    c.set_alarm_state(AlarmName="durable", StateValue="ALARM", StateReason="before the restart")
    g.restart()
    c = g.client("cloudwatch")
    a = alarm(c, "durable")
    assert (a["StateValue"], a["StateReason"], a["Threshold"]) == ("ALARM", "before the restart", 1.0)
    assert c.list_tags_for_resource(ResourceARN=arn("durable"))["Tags"] == [{"Key": "k", "Value": "v"}]
    # and the ticker evaluates it again: data under the threshold brings it back to OK
    c.put_metric_data(Namespace="E2E/V", MetricData=[{"MetricName": "M", "Value": 0.5}])
    wait_state(c, "durable", "OK")
    assert len(history(c, "durable", "StateUpdate")) == 2


# ==== Authorization ====

def test_authorization(gureum, cw):
    iam = gureum.client("iam")
    iam.create_user(UserName="alarm-ops")
    mine = "arn:aws:cloudwatch:%s:%s:alarm:ops-*" % (REGION, ACCOUNT)
    iam.put_user_policy(UserName="alarm-ops", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"},
            {"Effect": "Allow", "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
                                           "cloudwatch:SetAlarmState"], "Resource": mine}]}))
    key = iam.create_access_key(UserName="alarm-ops")["AccessKey"]
    u = gureum.client("cloudwatch", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    u.put_metric_alarm(AlarmName="ops-1", TreatMissingData="ignore", **BASE)
    cw.put_metric_alarm(AlarmName="other-1", TreatMissingData="ignore", **BASE)
    u.set_alarm_state(AlarmName="ops-1", StateValue="ALARM", StateReason="allowed")
    assert [a["AlarmName"] for a in u.describe_alarms(AlarmNames=["ops-1", "other-1"])["MetricAlarms"]] == [
        "ops-1", "other-1"]
    for call in (lambda: u.put_metric_alarm(AlarmName="other-2", **BASE),
                 lambda: u.set_alarm_state(AlarmName="other-1", StateValue="ALARM", StateReason="x"),
                 lambda: u.delete_alarms(AlarmNames=["ops-1", "other-1"]),
                 lambda: u.describe_alarm_history(AlarmName="ops-1")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert err(e)[:2] == ("AccessDenied", 403)
    # the refused delete deleted nothing; the allowed one deletes
    assert len(cw.describe_alarms(AlarmNames=["ops-1", "other-1"])["MetricAlarms"]) == 2
    u.delete_alarms(AlarmNames=["ops-1"])
    cw.delete_alarms(AlarmNames=["other-1"])
    # aws:ResourceTag: an alarm's tags authorize
    iam.put_user_policy(UserName="alarm-ops", PolicyName="tagged", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "cloudwatch:SetAlarmState", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "ops"}}}]}))
    cw.put_metric_alarm(AlarmName="tagged-ops", TreatMissingData="ignore", Tags=[{"Key": "team", "Value": "ops"}],
                        **BASE)
    cw.put_metric_alarm(AlarmName="tagged-web", TreatMissingData="ignore", Tags=[{"Key": "team", "Value": "web"}],
                        **BASE)
    u.set_alarm_state(AlarmName="tagged-ops", StateValue="ALARM", StateReason="tag allows")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        u.set_alarm_state(AlarmName="tagged-web", StateValue="ALARM", StateReason="tag refuses")
    assert err(e)[:2] == ("AccessDenied", 403)
    cw.delete_alarms(AlarmNames=["tagged-ops", "tagged-web"])


# ==== The AWS CLI ====

def test_cli_put_and_describe(gureum, cw, cli):
    name = "cli-%d" % (abs(hash(cli)) % 1000)
    r = gureum.aws("cloudwatch", "put-metric-alarm", "--alarm-name", name, "--namespace", "E2E/Cli", "--metric-name",
                   "Hits", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "2",
                   "--comparison-operator", "GreaterThanThreshold", "--treat-missing-data", "notBreaching",
                   "--dimensions", "Name=Host,Value=a", cli=cli)
    assert r.returncode == 0, r.stderr
    wait_state(cw, name, "OK")
    r = gureum.aws("cloudwatch", "describe-alarms", "--alarm-names", name, cli=cli)
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)["MetricAlarms"][0]
    assert (a["AlarmName"], a["StateValue"], a["Threshold"], a["Dimensions"]) == (
        name, "OK", 2.0, [{"Name": "Host", "Value": "a"}])
    r = gureum.aws("cloudwatch", "set-alarm-state", "--alarm-name", name, "--state-value", "ALARM",
                   "--state-reason", "cli", cli=cli)
    assert r.returncode == 0, r.stderr
    r = gureum.aws("cloudwatch", "describe-alarm-history", "--alarm-name", name, "--history-item-type",
                   "StateUpdate", cli=cli)
    assert r.returncode == 0, r.stderr
    assert "Alarm updated from OK to ALARM" in [i["HistorySummary"] for i in json.loads(r.stdout)["AlarmHistoryItems"]]
    r = gureum.aws("cloudwatch", "delete-alarms", "--alarm-names", name, cli=cli)
    assert r.returncode == 0, r.stderr


# ==== smithy-rpc-v2-cbor ====

@needs_cbor
def test_alarms_over_cbor(gureum, cbor_data_path):
    c = cbor_client(gureum, cbor_data_path)
    t = settle_minute()
    c.put_metric_alarm(AlarmName="cbor-alarm", Namespace="E2E/Cbor", MetricName="Q", Statistic="Maximum",
                       Period=60, EvaluationPeriods=1, Threshold=2.5, ComparisonOperator="GreaterThanThreshold",
                       Tags=[{"Key": "wire", "Value": "cbor"}])
    c.put_metric_data(Namespace="E2E/Cbor", MetricData=[{"MetricName": "Q", "Value": 4.0, "Timestamp": t}])
    a = wait_state(c, "cbor-alarm", "ALARM")
    assert a["Threshold"] == 2.5 and a["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints "
                                                                 "[4.0 (%s)]" % stamp(t))
    assert a["StateUpdatedTimestamp"].tzinfo is not None
    assert abs((a["StateUpdatedTimestamp"] - datetime.datetime.now(UTC)).total_seconds()) < 60
    items = c.describe_alarm_history(AlarmName="cbor-alarm", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from INSUFFICIENT_DATA to ALARM"]
    c.put_composite_alarm(AlarmName="cbor-parent", AlarmRule="ALARM(cbor-alarm)")
    assert wait_state(c, "cbor-parent", "ALARM", composite=True)["AlarmRule"] == "ALARM(cbor-alarm)"
    assert c.list_tags_for_resource(ResourceARN=arn("cbor-alarm"))["Tags"] == [{"Key": "wire", "Value": "cbor"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.set_alarm_state(AlarmName="cbor-alarm", StateValue="OK", StateReason="x", StateReasonData="{")
    assert err(e)[:2] == ("InvalidFormat", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.delete_alarms(AlarmNames=["cbor-alarm"])
    assert err(e)[:2] == ("ValidationError", 400)
    c.delete_alarms(AlarmNames=["cbor-parent", "cbor-alarm"])
