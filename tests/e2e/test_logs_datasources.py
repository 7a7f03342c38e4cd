"""test_logs_datasources.py — CloudWatch Logs data sources and bearer token
authentication (boto3 1.43; the older client lacks these operations and the
tests skip): a group's data source is what its cw:datasource:name and
cw:datasource:type tags say (AWS's custom sources); GetLogFields discovers
the typed fields of a source's stored JSON events, ListAggregateLogGroupSummaries
counts groups by source, ListLogGroups filters by source; and
PutBearerTokenAuthentication's switch is kept and reported by DescribeLogGroups;
DescribeConfigurationTemplates lists the templates of no delivery source.
"""
import json

import pytest

from test_logs_more import error_of, now_ms


@pytest.fixture(scope="module")
def logs(gureum):
    c = gureum.client("logs")
    if "GetLogFields" not in c.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs data source operations")
    return c


def source_group(logs, name, source=None, kind=None):
    tags = {}
    if source:
        tags["cw:datasource:name"] = source
    if kind:
        tags["cw:datasource:type"] = kind
    logs.create_log_group(logGroupName=name, **({"tags": tags} if tags else {}))
    logs.create_log_stream(logGroupName=name, logStreamName="s")


def put(logs, group, *messages):
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": t, "message": m} for m in messages])


def describe(logs, name):
    return logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]


def test_bearer_token_authentication_is_kept_and_reported(logs):
    source_group(logs, "/bt/a")
    assert describe(logs, "/bt/a")["bearerTokenAuthenticationEnabled"] is False
    logs.put_bearer_token_authentication(logGroupIdentifier="/bt/a", bearerTokenAuthenticationEnabled=True)
    assert describe(logs, "/bt/a")["bearerTokenAuthenticationEnabled"] is True
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/bt/a"
    logs.put_bearer_token_authentication(logGroupIdentifier=arn, bearerTokenAuthenticationEnabled=False)
    assert describe(logs, "/bt/a")["bearerTokenAuthenticationEnabled"] is False
    code, _ = error_of(logs.put_bearer_token_authentication, logGroupIdentifier="/bt/none",
                       bearerTokenAuthenticationEnabled=True)
    assert code == "ResourceNotFoundException"


def fields_by_name(fields):
    return {f["logFieldName"]: f["logFieldType"] for f in fields}


def test_get_log_fields_discovers_typed_fields(logs):
    source_group(logs, "/ds/app1", "myapp", "access")
    source_group(logs, "/ds/app2", "myapp", "access")
    source_group(logs, "/ds/plain")  # no data source: its events are not the source's
    put(logs, "/ds/app1",
        json.dumps({"status": 200, "path": "/a", "latency": 1.5, "user": {"id": "u1", "admin": False},
                    "tags": ["x", "y"]}),
        "plain text, no fields")
    put(logs, "/ds/app2", json.dumps({"status": 201, "latency": 2, "extra": None, "user": {"name": "n"},
                                      "mixed": 1}),
        json.dumps({"mixed": "one"}))
    put(logs, "/ds/plain", json.dumps({"notmine": 1}))
    got = fields_by_name(logs.get_log_fields(dataSourceName="myapp", dataSourceType="access")["logFields"])
    assert set(got) == {"status", "path", "latency", "user", "tags", "mixed"}
    assert got["status"] == {"type": "long"}
    assert got["path"] == {"type": "string"}
    assert got["latency"] == {"type": "double"}  # 1.5 and 2
    assert got["mixed"] == {"type": "string"}  # 1 and "one"
    assert got["tags"] == {"type": "array", "element": {"type": "string"}}
    assert got["user"]["type"] == "struct"
    assert fields_by_name(got["user"]["fields"]) == {"id": {"type": "string"}, "admin": {"type": "boolean"},
                                                     "name": {"type": "string"}}
    code, _ = error_of(logs.get_log_fields, dataSourceName="myapp", dataSourceType="nope")
    assert code == "ResourceNotFoundException"


def summaries(logs, **kw):
    out = logs.list_aggregate_log_group_summaries(**kw)
    return [({i["key"]: i["value"] for i in s["groupingIdentifiers"]}, s["logGroupCount"])
            for s in out["aggregateLogGroupSummaries"]], out.get("nextToken")


def test_aggregate_summaries_count_groups_by_source(logs):
    source_group(logs, "/agg/a1", "svc", "access")
    source_group(logs, "/agg/a2", "svc", "access")
    source_group(logs, "/agg/e1", "svc", "error")
    source_group(logs, "/agg/o1", "zother", "x")
    source_group(logs, "/agg/none")
    got, token = summaries(logs, groupBy="DATA_SOURCE_NAME_AND_TYPE", logGroupNamePattern="^/agg/")
    assert got == [({"dataSource.Name": "svc", "dataSource.Type": "access"}, 2),
                   ({"dataSource.Name": "svc", "dataSource.Type": "error"}, 1),
                   ({"dataSource.Name": "zother", "dataSource.Type": "x"}, 1)] and token is None
    got, _ = summaries(logs, groupBy="DATA_SOURCE_NAME_TYPE_AND_FORMAT", logGroupNamePattern="^/agg/",
                       dataSources=[{"name": "svc"}])
    assert [c for _, c in got] == [2, 1]
    got, _ = summaries(logs, groupBy="DATA_SOURCE_NAME_AND_TYPE", dataSources=[{"name": "svc", "type": "error"}])
    assert got == [({"dataSource.Name": "svc", "dataSource.Type": "error"}, 1)]
    got, _ = summaries(logs, groupBy="DATA_SOURCE_NAME_AND_TYPE", logGroupNamePattern="^/agg/",
                       logGroupClass="INFREQUENT_ACCESS")
    assert got == []
    first, token = summaries(logs, groupBy="DATA_SOURCE_NAME_AND_TYPE", logGroupNamePattern="^/agg/", limit=2)
    assert len(first) == 2 and token
    rest, token = summaries(logs, groupBy="DATA_SOURCE_NAME_AND_TYPE", logGroupNamePattern="^/agg/", limit=2,
                            nextToken=token)
    assert rest == [({"dataSource.Name": "zother", "dataSource.Type": "x"}, 1)] and token is None

    names = [g["logGroupName"] for g in logs.list_log_groups(dataSources=[{"name": "svc"}])["logGroups"]]
    assert names == ["/agg/a1", "/agg/a2", "/agg/e1"]
    names = [g["logGroupName"] for g in logs.list_log_groups(dataSources=[{"name": "svc", "type": "error"}],
                                                             logGroupNamePattern="^/agg/")["logGroups"]]
    assert names == ["/agg/e1"]


def test_configuration_templates_of_no_delivery_source(logs):
    """The templates are those of the delivery sources one can create; here
    PutDeliverySource creates none (no service gureum serves vends logs)."""
    assert logs.describe_configuration_templates()["configurationTemplates"] == []
    got = logs.describe_configuration_templates(service="cloudfront", logTypes=["ACCESS_LOGS"],
                                                deliveryDestinationTypes=["S3"], limit=5)
    assert got["configurationTemplates"] == [] and "nextToken" not in got
