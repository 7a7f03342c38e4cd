"""test_logs_new.py — CloudWatch Logs operations newer than Debian's botocore
(boto3 1.26), driven by a client whose model has them (boto3 1.43): the newer
ListLogGroups listing and its filters, deletion protection (and DeleteLogGroup
refused under it), a group's class. Under the older client the tests of
operations it lacks skip.
"""
import pytest

from test_logs_more import error_of, now_ms


@pytest.fixture(scope="module")
def logs(gureum):
    return gureum.client("logs")


def needs(logs, op):
    if op not in logs.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs %s" % op)


def test_list_log_groups_filters_and_paging(logs):
    """ListLogGroups: name order, summaries (name, ARN without ':*', class),
    the '^prefix|substring' pattern, class and tag filters, and paging by
    limit and nextToken."""
    needs(logs, "ListLogGroups")
    logs.create_log_group(logGroupName="/lg/app-one", tags={"team": "a"})
    logs.create_log_group(logGroupName="/lg/app-two", tags={"team": "b", "env": "prod"})
    logs.create_log_group(logGroupName="/lg/other", logGroupClass="INFREQUENT_ACCESS")
    logs.create_log_group(logGroupName="/zz/app-three")
    got = logs.list_log_groups(logGroupNamePattern="^/lg/")["logGroups"]
    assert got == [
        {"logGroupName": "/lg/app-one", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/app-one",
         "logGroupClass": "STANDARD"},
        {"logGroupName": "/lg/app-two", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/app-two",
         "logGroupClass": "STANDARD"},
        {"logGroupName": "/lg/other", "logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:/lg/other",
         "logGroupClass": "INFREQUENT_ACCESS"}]
    names = lambda **kw: [g["logGroupName"] for g in logs.list_log_groups(**kw)["logGroups"]]
    assert names(logGroupNamePattern="app") == ["/lg/app-one", "/lg/app-two", "/zz/app-three"]
    assert names(logGroupNamePattern="^/zz|other") == ["/lg/other", "/zz/app-three"]
    assert names(logGroupNamePattern="APP") == []  # case-sensitive
    assert names(logGroupClass="INFREQUENT_ACCESS") == ["/lg/other"]
    assert names(logGroupTags=[{"key": "team"}]) == ["/lg/app-one", "/lg/app-two"]
    assert names(logGroupTags=[{"key": "team", "values": ["b", "c"]}]) == ["/lg/app-two"]
    assert names(logGroupTags=[{"key": "team"}, {"key": "env", "values": ["prod"]}]) == ["/lg/app-two"]
    assert names(dataSources=[{"name": "amazon_vpc", "type": "flow"}]) == []
    p1 = logs.list_log_groups(logGroupNamePattern="^/lg/", limit=2)
    assert [g["logGroupName"] for g in p1["logGroups"]] == ["/lg/app-one", "/lg/app-two"]
    p2 = logs.list_log_groups(logGroupNamePattern="^/lg/", limit=2, nextToken=p1["nextToken"])
    assert [g["logGroupName"] for g in p2["logGroups"]] == ["/lg/other"] and "nextToken" not in p2
    # the pattern's own form is checked by the model (3..24 characters an alternative)
    assert error_of(logs.list_log_groups, logGroupNamePattern="a*b")[0] in ("InvalidParameterException",
                                                                          "ValidationException")
    d = logs.describe_log_groups(logGroupNamePattern="app-t")["logGroups"]
    assert [g["logGroupName"] for g in d] == ["/lg/app-two", "/zz/app-three"]
    d = logs.describe_log_groups(logGroupClass="INFREQUENT_ACCESS")["logGroups"]
    assert [(g["logGroupName"], g["logGroupClass"]) for g in d] == [("/lg/other", "INFREQUENT_ACCESS")]
    d = logs.describe_log_groups(logGroupIdentifiers=[
        "/lg/app-one", "arn:aws:logs:us-east-1:000000000000:log-group:/zz/app-three"])["logGroups"]
    assert [g["logGroupName"] for g in d] == ["/lg/app-one", "/zz/app-three"]
    for n in ("/lg/app-one", "/lg/app-two", "/lg/other", "/zz/app-three"):
        logs.delete_log_group(logGroupName=n)


def test_deletion_protection(logs):
    """PutLogGroupDeletionProtection (or CreateLogGroup's flag): reported by
    DescribeLogGroups; DeleteLogGroup is then refused with AWS's
    ValidationException until protection is turned off."""
    needs(logs, "PutLogGroupDeletionProtection")
    logs.create_log_group(logGroupName="/protected/a", deletionProtectionEnabled=True)
    logs.create_log_group(logGroupName="/protected/b")
    desc = lambda n: logs.describe_log_groups(logGroupNamePrefix=n)["logGroups"][0]["deletionProtectionEnabled"]
    assert (desc("/protected/a"), desc("/protected/b")) == (True, False)
    logs.put_log_group_deletion_protection(logGroupIdentifier="/protected/b", deletionProtectionEnabled=True)
    assert desc("/protected/b") is True
    assert error_of(logs.delete_log_group, logGroupName="/protected/b") == (
        "ValidationException",
        "Cannot delete log group with deletion protection enabled. Disable deletion protection first.")
    assert desc("/protected/b") is True
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/protected/b"
    logs.put_log_group_deletion_protection(logGroupIdentifier=arn, deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName="/protected/b")
    assert error_of(logs.put_log_group_deletion_protection, logGroupIdentifier="/protected/none",
                    deletionProtectionEnabled=True)[0] == "ResourceNotFoundException"
    logs.put_log_group_deletion_protection(logGroupIdentifier="/protected/a", deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName="/protected/a")
