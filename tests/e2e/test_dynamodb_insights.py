"""test_dynamodb_insights.py — CloudWatch Contributor Insights for DynamoDB against a real server:
UpdateContributorInsights answers ENABLING / DISABLING, DescribeContributorInsights then shows
ENABLED with the rules AWS names (PKC/PKT, and SKC/SKT for a key with a sort key, TABLE or
TABLE-INDEX, the creation time in milliseconds) or DISABLED, per table and per global secondary
index (asking for the state it is in changes nothing and answers that state); ListContributorInsights
lists the tables and indexes that have it on, by TableName and in pages; a missing table or index is
ResourceNotFoundException.
"""
import datetime
import re

import botocore.exceptions
import pytest


@pytest.fixture(scope="module")
def ddb(gureum):
    d = gureum.client("dynamodb")
    d.create_table(TableName="ci-a", BillingMode="PAY_PER_REQUEST",
                   KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
                   AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                                         {"AttributeName": "s", "AttributeType": "S"},
                                         {"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    d.create_table(TableName="ci-b", BillingMode="PAY_PER_REQUEST",
                   KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    return d


def err(f, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        f(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def test_enable_describe_disable_table_and_index(ddb):
    before = ddb.describe_contributor_insights(TableName="ci-a")
    assert (before["TableName"], before["ContributorInsightsStatus"]) == ("ci-a", "DISABLED")
    assert "ContributorInsightsRuleList" not in before and "LastUpdateDateTime" not in before
    up = ddb.update_contributor_insights(TableName="ci-a", ContributorInsightsAction="ENABLE")
    assert (up["TableName"], up["ContributorInsightsStatus"]) == ("ci-a", "ENABLING") and "IndexName" not in up
    d = ddb.describe_contributor_insights(TableName="ci-a")
    assert d["ContributorInsightsStatus"] == "ENABLED"
    assert isinstance(d["LastUpdateDateTime"], datetime.datetime)
    rules = d["ContributorInsightsRuleList"]
    assert [re.sub(r"-\d{13}$", "-T", x) for x in rules] == [
        "DynamoDBContributorInsights-%s-ci-a-T" % k for k in ("PKC", "PKT", "SKC", "SKT")]
    assert len({x.rsplit("-", 1)[1] for x in rules}) == 1
    # the index is its own resource: still off, then on with its own two rules (no sort key)
    assert ddb.describe_contributor_insights(TableName="ci-a", IndexName="by-g")["ContributorInsightsStatus"] == \
        "DISABLED"
    up = ddb.update_contributor_insights(TableName="ci-a", IndexName="by-g", ContributorInsightsAction="ENABLE")
    assert (up["IndexName"], up["ContributorInsightsStatus"]) == ("by-g", "ENABLING")
    g = ddb.describe_contributor_insights(TableName="ci-a", IndexName="by-g")
    assert (g["IndexName"], g["ContributorInsightsStatus"]) == ("by-g", "ENABLED")
    assert [re.sub(r"-\d{13}$", "-T", x) for x in g["ContributorInsightsRuleList"]] == [
        "DynamoDBContributorInsights-PKC-ci-a-by-g-T", "DynamoDBContributorInsights-PKT-ci-a-by-g-T"]
    # enabling again keeps the rules; disabling turns only that resource off
    # (enabling what is on is a no-op answering ENABLED: AWS, probed 2026-10, DDB-TABLE-091)
    again = ddb.update_contributor_insights(TableName="ci-a", ContributorInsightsAction="ENABLE")
    assert again["ContributorInsightsStatus"] == "ENABLED"
    assert ddb.describe_contributor_insights(TableName="ci-a")["ContributorInsightsRuleList"] == rules
    down = ddb.update_contributor_insights(TableName="ci-a", ContributorInsightsAction="DISABLE")
    assert down["ContributorInsightsStatus"] == "DISABLING"
    off = ddb.describe_contributor_insights(TableName="ci-a")
    assert off["ContributorInsightsStatus"] == "DISABLED" and "ContributorInsightsRuleList" not in off
    assert off["LastUpdateDateTime"] >= d["LastUpdateDateTime"]
    assert ddb.describe_contributor_insights(TableName="ci-a", IndexName="by-g")["ContributorInsightsStatus"] == \
        "ENABLED"
    # a table ARN names the table too
    arn = ddb.describe_table(TableName="ci-b")["Table"]["TableArn"]
    assert ddb.describe_contributor_insights(TableName=arn)["TableName"] == "ci-b"


def test_list_contributor_insights(ddb):
    ddb.update_contributor_insights(TableName="ci-a", ContributorInsightsAction="DISABLE")
    ddb.update_contributor_insights(TableName="ci-a", IndexName="by-g", ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName="ci-b", ContributorInsightsAction="ENABLE")
    listed = ddb.list_contributor_insights()["ContributorInsightsSummaries"]
    mine = [(s["TableName"], s.get("IndexName"), s["ContributorInsightsStatus"]) for s in listed
            if s["TableName"].startswith("ci-")]
    # AWS (probed 2026-10, DDB-TABLE-095, -343): what is DISABLED is not listed
    assert mine == [("ci-a", "by-g", "ENABLED"), ("ci-b", None, "ENABLED")]
    one = ddb.list_contributor_insights(TableName="ci-a")["ContributorInsightsSummaries"]
    assert [(s["TableName"], s.get("IndexName")) for s in one] == [("ci-a", "by-g")]
    seen, kw = [], {}
    while True:
        page = ddb.list_contributor_insights(MaxResults=1, **kw)
        assert len(page["ContributorInsightsSummaries"]) == 1
        seen += [(s["TableName"], s.get("IndexName")) for s in page["ContributorInsightsSummaries"]]
        if "NextToken" not in page:
            break
        kw["NextToken"] = page["NextToken"]
    assert seen == [(s["TableName"], s.get("IndexName")) for s in listed]


def test_missing_table_or_index(ddb):
    assert err(ddb.describe_contributor_insights, TableName="ci-none") == ("ResourceNotFoundException", 400)
    assert err(ddb.update_contributor_insights, TableName="ci-none", ContributorInsightsAction="ENABLE") == \
        ("ResourceNotFoundException", 400)
    assert err(ddb.describe_contributor_insights, TableName="ci-a", IndexName="no-idx") == \
        ("ResourceNotFoundException", 400)
    assert err(ddb.update_contributor_insights, TableName="ci-a", IndexName="no-idx",
               ContributorInsightsAction="ENABLE") == ("ResourceNotFoundException", 400)
    assert err(ddb.list_contributor_insights, TableName="ci-none") == ("ResourceNotFoundException", 400)


def test_contributor_insights_mode(ddb):
    """AWS (2025): ContributorInsightsMode — every access and throttle by
    default, or throttled keys only (then only the throttled-key rules); an
    ENABLE naming another mode changes it."""
    if "ContributorInsightsMode" not in \
            ddb.meta.service_model.operation_model("UpdateContributorInsights").input_shape.members:
        pytest.skip("this botocore has no ContributorInsightsMode")
    ddb.create_table(TableName="ci-mode", AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    r = ddb.update_contributor_insights(TableName="ci-mode", ContributorInsightsAction="ENABLE",
                                        ContributorInsightsMode="THROTTLED_KEYS")
    assert (r["ContributorInsightsStatus"], r["ContributorInsightsMode"]) == ("ENABLING", "THROTTLED_KEYS")
    d = ddb.describe_contributor_insights(TableName="ci-mode")
    assert d["ContributorInsightsMode"] == "THROTTLED_KEYS"
    assert [x.split("-")[1] for x in d["ContributorInsightsRuleList"]] == ["PKT"]
    r = ddb.update_contributor_insights(TableName="ci-mode", ContributorInsightsAction="ENABLE")
    assert (r["ContributorInsightsStatus"], r["ContributorInsightsMode"]) == ("ENABLED", "THROTTLED_KEYS")
    ddb.update_contributor_insights(TableName="ci-mode", ContributorInsightsAction="ENABLE",
                                    ContributorInsightsMode="ACCESSED_AND_THROTTLED_KEYS")
    d = ddb.describe_contributor_insights(TableName="ci-mode")
    assert d["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    assert [x.split("-")[1] for x in d["ContributorInsightsRuleList"]] == ["PKC", "PKT"]
    s = [x for x in ddb.list_contributor_insights()["ContributorInsightsSummaries"] if x["TableName"] == "ci-mode"]
    assert s[0]["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    ddb.delete_table(TableName="ci-mode")
