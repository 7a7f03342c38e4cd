"""test_logs_scheduled.py — CloudWatch Logs scheduled queries (boto3 1.43;
the older client lacks them and these tests skip): Create/Get/List/Update/
Delete keep and report the configuration; the ticker really runs an enabled
query on its rate() schedule (a server whose minute is 1 s) through Logs
Insights, writes the results into the S3 destination and records each run
for GetScheduledQueryHistory (Complete, InvalidQuery); refusals (a bad
schedule, a duplicate name, a missing query).
"""
import json
import time

import pytest

from conftest import serve
from test_logs_more import error_of, now_ms

ROLE = "arn:aws:iam::000000000000:role/sq"
ARN = "arn:aws:logs:us-east-1:000000000000:scheduled-query:"


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    yield from serve(tmp_path_factory, {"GUREUM_EVENTS_MINUTE_MS": "1000", "GUREUM_TICK_MS": "200"})


@pytest.fixture(scope="module")
def logs(g):
    c = g.client("logs")
    if "CreateScheduledQuery" not in c.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs scheduled queries")
    return c


def test_scheduled_query_crud(logs):
    """The configuration is kept and reported as given; Update replaces it
    (PUT semantics); List filters by state and pages; Delete removes it."""
    got = logs.create_scheduled_query(
        name="errors-hourly", description="d", queryLanguage="CWLI", queryString="fields @message | limit 5",
        logGroupIdentifiers=["/sq/none-needed"], scheduleExpression="cron(0 * * * ? *)", startTimeOffset=3600,
        executionRoleArn=ROLE, state="DISABLED", tags={"team": "a"},
        destinationConfiguration={"s3Configuration": {"destinationIdentifier": "s3://bucket-x/p", "roleArn": ROLE}})
    assert got["scheduledQueryArn"] == ARN + "errors-hourly" and got["state"] == "DISABLED"
    q = logs.get_scheduled_query(identifier="errors-hourly")
    for k, v in {"name": "errors-hourly", "description": "d", "queryLanguage": "CWLI",
                 "queryString": "fields @message | limit 5", "logGroupIdentifiers": ["/sq/none-needed"],
                 "scheduleExpression": "cron(0 * * * ? *)", "startTimeOffset": 3600, "executionRoleArn": ROLE,
                 "state": "DISABLED"}.items():
        assert q[k] == v, k
    assert q["destinationConfiguration"]["s3Configuration"]["destinationIdentifier"] == "s3://bucket-x/p"
    assert q["creationTime"] > 0 and q["lastUpdatedTime"] >= q["creationTime"] and "lastTriggeredTime" not in q
    assert logs.get_scheduled_query(identifier=ARN + "errors-hourly")["name"] == "errors-hourly"
    assert logs.list_tags_for_resource(resourceArn=ARN + "errors-hourly")["tags"] == {"team": "a"}

    up = logs.update_scheduled_query(identifier="errors-hourly", queryLanguage="CWLI", queryString="fields @message",
                                     logGroupIdentifiers=["/sq/other"], scheduleExpression="rate(5 minutes)",
                                     executionRoleArn=ROLE)
    assert up["scheduleExpression"] == "rate(5 minutes)" and up["state"] == "DISABLED"
    assert "description" not in up and "destinationConfiguration" not in up and "startTimeOffset" not in up
    logs.create_scheduled_query(name="b-second", queryLanguage="CWLI", queryString="fields @message",
                                logGroupIdentifiers=["/sq/x"], scheduleExpression="rate(1 day)",
                                executionRoleArn=ROLE)
    listed = logs.list_scheduled_queries()["scheduledQueries"]
    assert [s["name"] for s in listed] == ["b-second", "errors-hourly"]
    assert listed[0]["state"] == "ENABLED" and listed[0]["scheduleExpression"] == "rate(1 day)"
    assert "queryString" not in listed[0]
    assert [s["name"] for s in logs.list_scheduled_queries(state="DISABLED")["scheduledQueries"]] == ["errors-hourly"]
    page = logs.list_scheduled_queries(maxResults=1)
    assert len(page["scheduledQueries"]) == 1 and page["nextToken"]
    rest = logs.list_scheduled_queries(maxResults=1, nextToken=page["nextToken"])
    assert [s["name"] for s in rest["scheduledQueries"]] == ["errors-hourly"] and "nextToken" not in rest

    logs.delete_scheduled_query(identifier="errors-hourly")
    logs.delete_scheduled_query(identifier=ARN + "b-second")
    assert logs.list_scheduled_queries()["scheduledQueries"] == []
    assert error_of(lambda: logs.get_scheduled_query(identifier="errors-hourly"))[0] == "ResourceNotFoundException"


def test_scheduled_query_refusals(logs):
    base = dict(queryLanguage="CWLI", queryString="fields @message", logGroupIdentifiers=["/sq/a"],
                executionRoleArn=ROLE)
    assert error_of(lambda: logs.create_scheduled_query(name="bad", scheduleExpression="every minute", **base))[0] \
        == "ValidationException"
    assert error_of(lambda: logs.create_scheduled_query(name="bad", scheduleExpression="cron(0 * * *)", **base))[0] \
        == "ValidationException"
    logs.create_scheduled_query(name="dup", scheduleExpression="rate(1 hour)", state="DISABLED", **base)
    assert error_of(lambda: logs.create_scheduled_query(name="dup", scheduleExpression="rate(1 hour)", **base))[0] \
        == "ConflictException"
    for op in (lambda: logs.delete_scheduled_query(identifier="nope"),
               lambda: logs.get_scheduled_query_history(identifier="nope", startTime=0, endTime=now_ms()),
               lambda: logs.update_scheduled_query(identifier="nope", scheduleExpression="rate(1 hour)", **base)):
        assert error_of(op)[0] == "ResourceNotFoundException"
    logs.delete_scheduled_query(identifier="dup")


def test_scheduled_query_runs_delivers_and_records(g, logs):
    """An enabled rate(1 minute) query (a minute of 1 s here) runs on its own:
    each run is in the history with its queryId (whose results
    GetQueryResults answers) and the S3 object it wrote; lastTriggeredTime and
    lastExecutionStatus follow; a query that does not parse records
    InvalidQuery; a disabled one does not run."""
    s3 = g.client("s3")
    s3.create_bucket(Bucket="sq-results")
    logs.create_log_group(logGroupName="/sq/app")
    logs.create_log_stream(logGroupName="/sq/app", logStreamName="s")
    t = now_ms()
    logs.put_log_events(logGroupName="/sq/app", logStreamName="s",
                        logEvents=[{"timestamp": t - 1000, "message": "ERROR boom"},
                                   {"timestamp": t - 900, "message": "INFO fine"}])
    logs.create_scheduled_query(
        name="errs", queryLanguage="CWLI", queryString="fields @message | filter @message like /ERROR/",
        logGroupIdentifiers=["/sq/app"], scheduleExpression="rate(1 minute)", startTimeOffset=3600,
        executionRoleArn=ROLE,
        destinationConfiguration={"s3Configuration": {"destinationIdentifier": "s3://sq-results/out/",
                                                      "roleArn": ROLE}})
    logs.create_scheduled_query(name="broken", queryLanguage="CWLI", queryString="stats nonsense((",
                                logGroupIdentifiers=["/sq/app"], scheduleExpression="rate(1 minute)",
                                executionRoleArn=ROLE)
    logs.create_scheduled_query(name="off", queryLanguage="CWLI", queryString="fields @message",
                                logGroupIdentifiers=["/sq/app"], scheduleExpression="rate(1 minute)",
                                executionRoleArn=ROLE, state="DISABLED")
    deadline = time.time() + 20
    while True:
        hist = logs.get_scheduled_query_history(identifier="errs", startTime=0, endTime=now_ms() + 60000)
        if len(hist["triggerHistory"]) >= 2 or time.time() > deadline:
            break
        time.sleep(0.5)
    runs = hist["triggerHistory"]
    assert hist["name"] == "errs" and hist["scheduledQueryArn"] == ARN + "errs"
    assert len(runs) >= 2
    assert runs[0]["triggeredTimestamp"] >= runs[1]["triggeredTimestamp"]  # newest first
    run = runs[-1]
    assert run["executionStatus"] == "Complete" and run["queryId"]
    res = logs.get_query_results(queryId=run["queryId"])
    assert res["status"] == "Complete"
    assert [{f["field"]: f["value"] for f in row}["@message"] for row in res["results"]] == ["ERROR boom"]
    dest = run["destinations"][0]
    assert dest["destinationType"] == "S3" and dest["status"] == "COMPLETE"
    assert dest["destinationIdentifier"] == "s3://sq-results/out/"
    key = dest["processedIdentifier"][len("s3://sq-results/"):]
    assert key == "out/errs/%s.json" % run["queryId"]
    body = json.loads(s3.get_object(Bucket="sq-results", Key=key)["Body"].read())
    assert [{f["field"]: f["value"] for f in row}["@message"] for row in body] == ["ERROR boom"]

    q = logs.get_scheduled_query(identifier="errs")
    assert q["lastExecutionStatus"] == "Complete" and q["lastTriggeredTime"] >= run["triggeredTimestamp"]
    assert logs.get_scheduled_query_history(identifier="errs", startTime=0, endTime=now_ms() + 60000,
                                            executionStatuses=["Failed"])["triggerHistory"] == []
    broken = logs.get_scheduled_query_history(identifier="broken", startTime=0, endTime=now_ms() + 60000)
    assert broken["triggerHistory"] and broken["triggerHistory"][0]["executionStatus"] == "InvalidQuery"
    assert broken["triggerHistory"][0]["errorMessage"] and "queryId" not in broken["triggerHistory"][0]
    assert logs.get_scheduled_query(identifier="broken")["lastExecutionStatus"] == "InvalidQuery"
    assert logs.get_scheduled_query_history(identifier="off", startTime=0,
                                            endTime=now_ms() + 60000)["triggerHistory"] == []
    page = logs.get_scheduled_query_history(identifier="errs", startTime=0, endTime=now_ms() + 60000, maxResults=1)
    assert len(page["triggerHistory"]) == 1 and page["nextToken"]
    for n in ("errs", "broken", "off"):
        logs.delete_scheduled_query(identifier=n)
