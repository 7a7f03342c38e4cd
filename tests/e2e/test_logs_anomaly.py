"""test_logs_anomaly.py — CloudWatch Logs anomaly detection (boto3 1.43; the
older client lacks these operations and the tests skip): detectors kept and
reported with AWS's members (Create/Get/List/Update/Delete), their tags, and
detection as gureum does it (src/services/logs/anomaly.c): the patterns of
the group's events before the detector and during its training are the
baseline, a pattern first seen after it is an anomaly (ListAnomalies), the
filter pattern narrows what is examined, and UpdateAnomaly suppresses an
anomaly or a pattern (LIMITED, INFINITE), ends the suppression, or
baselines it. The server's training period is 1.5 s here
(GUREUM_LOGS_ANOMALY_TRAIN_MS; AWS's is longer and undocumented).
"""
import json
import re
import time

import pytest

from conftest import serve
from test_logs_more import error_of, now_ms

ARN = "arn:aws:logs:us-east-1:000000000000:log-group:"
TRAIN_S = 1.5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serve(tmp_path_factory, env={"GUREUM_LOGS_ANOMALY_TRAIN_MS": str(int(TRAIN_S * 1000))})


@pytest.fixture(scope="module")
def logs(server):
    c = server.client("logs")
    if "CreateLogAnomalyDetector" not in c.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs anomaly detection")
    return c


def put(logs, group, *messages, stream="s"):
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for m in messages])


def group(logs, name):
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    return ARN + name


def trained(logs, arn):
    deadline = time.time() + 10
    while logs.get_log_anomaly_detector(anomalyDetectorArn=arn)["anomalyDetectorStatus"] == "TRAINING":
        assert time.time() < deadline
        time.sleep(0.2)


def test_detector_lifecycle(logs):
    """A detector is kept with what it was given (AWS's defaults otherwise:
    FIVE_MIN), TRAINING first, then ANALYZING, PAUSED while disabled;
    listed (by group too), tagged on its ARN, updated, deleted."""
    g = group(logs, "/ad/life")
    other = group(logs, "/ad/other")
    arn = logs.create_log_anomaly_detector(
        logGroupArnList=[g], detectorName="demo", tags={"team": "a"},
        kmsKeyId="arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )["anomalyDetectorArn"]
    assert re.fullmatch(r"arn:aws:logs:us-east-1:000000000000:anomaly-detector:[0-9a-f-]{36}", arn)
    d = logs.get_log_anomaly_detector(anomalyDetectorArn=arn)
    d.pop("ResponseMetadata")
    assert d["detectorName"] == "demo" and d["logGroupArnList"] == [g]
    assert d["evaluationFrequency"] == "FIVE_MIN" and d["anomalyDetectorStatus"] == "TRAINING"
    assert d["kmsKeyId"].endswith(":key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert 7 <= d["anomalyVisibilityTime"] <= 90
    assert d["creationTimeStamp"] == d["lastModifiedTimeStamp"] and abs(d["creationTimeStamp"] - now_ms()) < 60000
    assert "filterPattern" not in d
    trained(logs, arn)
    assert logs.get_log_anomaly_detector(anomalyDetectorArn=arn)["anomalyDetectorStatus"] == "ANALYZING"

    arn2 = logs.create_log_anomaly_detector(logGroupArnList=[other], evaluationFrequency="ONE_HOUR",
                                            filterPattern="ERROR", anomalyVisibilityTime=30)["anomalyDetectorArn"]
    listed = logs.list_log_anomaly_detectors()["anomalyDetectors"]
    assert [x["anomalyDetectorArn"] for x in listed] == [arn, arn2]
    assert listed[1]["filterPattern"] == "ERROR" and listed[1]["anomalyVisibilityTime"] == 30
    assert "detectorName" not in listed[1]
    only = logs.list_log_anomaly_detectors(filterLogGroupArn=other)["anomalyDetectors"]
    assert [x["anomalyDetectorArn"] for x in only] == [arn2]
    page = logs.list_log_anomaly_detectors(limit=1)
    assert len(page["anomalyDetectors"]) == 1 and page["nextToken"]
    rest = logs.list_log_anomaly_detectors(limit=1, nextToken=page["nextToken"])
    assert [x["anomalyDetectorArn"] for x in rest["anomalyDetectors"]] == [arn2] and "nextToken" not in rest

    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}
    logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a", "env": "dev"}

    time.sleep(0.01)
    logs.update_log_anomaly_detector(anomalyDetectorArn=arn, enabled=False, evaluationFrequency="TEN_MIN",
                                     filterPattern="WARN", anomalyVisibilityTime=14)
    d = logs.get_log_anomaly_detector(anomalyDetectorArn=arn)
    assert d["anomalyDetectorStatus"] == "PAUSED" and d["evaluationFrequency"] == "TEN_MIN"
    assert d["filterPattern"] == "WARN" and d["anomalyVisibilityTime"] == 14
    assert d["lastModifiedTimeStamp"] > d["creationTimeStamp"] and d["detectorName"] == "demo"
    logs.update_log_anomaly_detector(anomalyDetectorArn=arn, enabled=True)
    d = logs.get_log_anomaly_detector(anomalyDetectorArn=arn)
    assert d["anomalyDetectorStatus"] == "ANALYZING" and d["filterPattern"] == "WARN"

    logs.delete_log_anomaly_detector(anomalyDetectorArn=arn)
    code, _ = error_of(logs.get_log_anomaly_detector, anomalyDetectorArn=arn)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(logs.delete_log_anomaly_detector, anomalyDetectorArn=arn)
    assert code == "ResourceNotFoundException"
    logs.delete_log_anomaly_detector(anomalyDetectorArn=arn2)
    assert logs.list_log_anomaly_detectors()["anomalyDetectors"] == []


def test_create_refusals(logs):
    g = group(logs, "/ad/refuse")
    code, _ = error_of(logs.create_log_anomaly_detector, logGroupArnList=[g, g])
    assert code == "InvalidParameterException"  # AWS: "You can specify only one log group ARN."
    code, _ = error_of(logs.create_log_anomaly_detector, logGroupArnList=[ARN + "/ad/none"])
    assert code == "ResourceNotFoundException"
    code, _ = error_of(logs.create_log_anomaly_detector, logGroupArnList=[g], filterPattern="{ $.x = ")
    assert code == "InvalidParameterException"
    code, _ = error_of(logs.update_log_anomaly_detector,
                       anomalyDetectorArn="arn:aws:logs:us-east-1:000000000000:anomaly-detector:nope", enabled=True)
    assert code == "ResourceNotFoundException"


def anomalies(logs, arn, **kw):
    return logs.list_anomalies(anomalyDetectorArn=arn, **kw)["anomalies"]


def test_new_pattern_after_training_is_an_anomaly(logs):
    """Events stored before the detector and put while it trains make its
    baseline; afterwards a known pattern with new values is normal and a new
    pattern is an anomaly, reported with AWS's members."""
    g = group(logs, "/ad/detect")
    put(logs, "/ad/detect", "GET /index.html 200 in 12 ms", "GET /index.html 200 in 15 ms")
    arn = logs.create_log_anomaly_detector(logGroupArnList=[g], evaluationFrequency="ONE_MIN")["anomalyDetectorArn"]
    put(logs, "/ad/detect", "user 42 logged in from 10.1.2.3")
    assert anomalies(logs, arn) == []
    trained(logs, arn)
    put(logs, "/ad/detect", "GET /index.html 200 in 99 ms", "user 7 logged in from 192.168.0.1")
    assert anomalies(logs, arn) == []
    before = now_ms()
    put(logs, "/ad/detect",
        "ERROR disk 10.0.0.1 full request 3f2a9c1e-1234-4abc-9def-0123456789ab",
        "ERROR disk 10.0.0.2 full request 3f2a9c1e-1234-4abc-9def-0123456789ab")
    got = anomalies(logs, arn)
    assert len(got) == 1
    a = got[0]
    assert re.fullmatch(r"[0-9a-f-]{36}", a["anomalyId"]) and re.fullmatch(r"[0-9a-f]{32}", a["patternId"])
    assert a["anomalyDetectorArn"] == arn and a["logGroupArnList"] == [g]
    assert a["patternString"] == "ERROR disk <*> full request <*>"
    assert a["patternRegex"] == r"\QERROR disk \E.*\Q full request \E.*"
    assert a["priority"] == "HIGH" and a["state"] == "Active" and a["active"] is True
    assert a["firstSeen"] == a["lastSeen"] and a["firstSeen"] % 60000 == 0 and a["firstSeen"] <= before
    assert a["histogram"] == {str(a["firstSeen"]): 2}
    assert [s["message"] for s in a["logSamples"]] == [
        "ERROR disk 10.0.0.1 full request 3f2a9c1e-1234-4abc-9def-0123456789ab",
        "ERROR disk 10.0.0.2 full request 3f2a9c1e-1234-4abc-9def-0123456789ab"]
    dyn = [t for t in a["patternTokens"] if t["isDynamic"]]
    assert [t["dynamicTokenPosition"] for t in dyn] == [1, 2]
    assert [t["inferredTokenName"] for t in dyn] == ["IPAddress-1", "UUID-2"]
    assert dyn[0]["enumerations"] == {"10.0.0.1": 1, "10.0.0.2": 1}
    assert dyn[1]["enumerations"] == {"3f2a9c1e-1234-4abc-9def-0123456789ab": 2}
    static = [t for t in a["patternTokens"] if not t["isDynamic"]]
    assert static[0] == {"dynamicTokenPosition": 0, "isDynamic": False, "tokenString": "ERROR", "enumerations": {}}
    assert "".join(t["tokenString"] for t in a["patternTokens"]) == a["patternString"]
    assert a["suppressed"] is False and a["suppressedDate"] == 0 and a["suppressedUntil"] == 0
    assert a["isPatternLevelSuppression"] is False and a["description"]

    put(logs, "/ad/detect", "WARN slow reply 5000 ms", "ERROR disk 10.0.0.3 full request 0a")
    got = anomalies(logs, arn)
    assert [x["patternString"] for x in got] == ["ERROR disk <*> full request <*>", "WARN slow reply <*> ms"]
    assert got[0]["histogram"] == {str(got[0]["firstSeen"]): 3} and len(got[0]["logSamples"]) == 3
    assert got[1]["priority"] == "MEDIUM"
    page = logs.list_anomalies(anomalyDetectorArn=arn, limit=1)
    assert len(page["anomalies"]) == 1 and page["nextToken"]
    assert logs.list_anomalies(limit=1, nextToken=page["nextToken"], anomalyDetectorArn=arn)["anomalies"][0][
        "patternString"] == "WARN slow reply <*> ms"
    # every detector's anomalies without the ARN; a paused detector sees nothing
    assert {x["anomalyId"] for x in logs.list_anomalies()["anomalies"]} >= {x["anomalyId"] for x in got}
    logs.update_log_anomaly_detector(anomalyDetectorArn=arn, enabled=False)
    put(logs, "/ad/detect", "panic: never seen before")
    assert len(anomalies(logs, arn)) == 2
    logs.delete_log_anomaly_detector(anomalyDetectorArn=arn)
    code, _ = error_of(logs.list_anomalies, anomalyDetectorArn=arn)
    assert code == "ResourceNotFoundException"


def test_filter_pattern_narrows_detection(logs):
    g = group(logs, "/ad/filter")
    arn = logs.create_log_anomaly_detector(logGroupArnList=[g], filterPattern="ERROR")["anomalyDetectorArn"]
    trained(logs, arn)
    put(logs, "/ad/filter", "INFO started worker 3", "ERROR worker 3 crashed")
    assert [x["patternString"] for x in anomalies(logs, arn)] == ["ERROR worker <*> crashed"]


def test_update_anomaly_suppresses_and_baselines(logs):
    g = group(logs, "/ad/suppress")
    arn = logs.create_log_anomaly_detector(logGroupArnList=[g])["anomalyDetectorArn"]
    trained(logs, arn)
    put(logs, "/ad/suppress", "ERROR one 1", "ERROR two 2")
    one, two = anomalies(logs, arn)

    logs.update_anomaly(anomalyDetectorArn=arn, anomalyId=one["anomalyId"], suppressionType="INFINITE")
    sup = anomalies(logs, arn, suppressionState="SUPPRESSED")
    assert [x["anomalyId"] for x in sup] == [one["anomalyId"]]
    s = sup[0]
    assert s["suppressed"] is True and s["state"] == "Suppressed" and s["suppressedUntil"] == 0
    assert abs(s["suppressedDate"] - now_ms()) < 60000 and s["isPatternLevelSuppression"] is False
    assert [x["anomalyId"] for x in anomalies(logs, arn, suppressionState="UNSUPPRESSED")] == [two["anomalyId"]]
    # a suppressed anomaly is not updated with new data
    put(logs, "/ad/suppress", "ERROR one 11")
    assert anomalies(logs, arn, suppressionState="SUPPRESSED")[0]["logSamples"] == one["logSamples"]
    logs.update_anomaly(anomalyDetectorArn=arn, anomalyId=one["anomalyId"])  # no type: suppression ends
    assert anomalies(logs, arn, suppressionState="SUPPRESSED") == []

    t0 = now_ms()
    logs.update_anomaly(anomalyDetectorArn=arn, patternId=two["patternId"], suppressionType="LIMITED",
                        suppressionPeriod={"value": 1, "suppressionUnit": "SECONDS"})
    s = anomalies(logs, arn, suppressionState="SUPPRESSED")
    assert [x["patternId"] for x in s] == [two["patternId"]] and s[0]["isPatternLevelSuppression"] is True
    assert t0 + 1000 <= s[0]["suppressedUntil"] <= now_ms() + 1000
    time.sleep(1.2)
    assert anomalies(logs, arn, suppressionState="SUPPRESSED") == []

    logs.update_anomaly(anomalyDetectorArn=arn, anomalyId=two["anomalyId"], baseline=True)
    assert {x["anomalyId"]: x["state"] for x in anomalies(logs, arn)} == {one["anomalyId"]: "Active",
                                                                         two["anomalyId"]: "Baseline"}

    for kw, want in [({"anomalyId": one["anomalyId"], "patternId": one["patternId"]}, "InvalidParameterException"),
                     ({}, "InvalidParameterException"),
                     ({"anomalyId": one["anomalyId"], "suppressionType": "LIMITED"}, "InvalidParameterException"),
                     ({"anomalyId": "00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException"),
                     ({"patternId": "0" * 32}, "ResourceNotFoundException")]:
        code, _ = error_of(logs.update_anomaly, anomalyDetectorArn=arn, **kw)
        assert code == want, kw


def test_masked_text_is_what_detection_sees(logs):
    """AWS: "Any parts of log events that are masked as sensitive data are
    not scanned for anomalies": the detector sees the asterisks, which vary
    as the hidden text does, and its samples show no unmasked data."""
    g = group(logs, "/ad/masked")
    ident = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
    logs.put_data_protection_policy(logGroupIdentifier="/ad/masked", policyDocument=json.dumps(
        {"Name": "dp", "Version": "2021-06-01", "Statement": [
            {"Sid": "audit", "DataIdentifier": ident, "Operation": {"Audit": {"FindingsDestination": {}}}},
            {"Sid": "redact", "DataIdentifier": ident, "Operation": {"Deidentify": {"MaskConfig": {}}}}]}))
    arn = logs.create_log_anomaly_detector(logGroupArnList=[g])["anomalyDetectorArn"]
    put(logs, "/ad/masked", "mail sent to bob@example.com")
    trained(logs, arn)
    put(logs, "/ad/masked", "mail sent to alice.long@example.org", "mail bounced from carol@example.net")
    got = anomalies(logs, arn)
    assert [a["patternString"] for a in got] == ["mail bounced from <*>"]
    assert got[0]["logSamples"][0]["message"] == "mail bounced from " + "*" * len("carol@example.net")
    assert [t["inferredTokenName"] for t in got[0]["patternTokens"] if t["isDynamic"]] == ["Masked-1"]
