"""test_logs_live.py — CloudWatch Logs StartLiveTail (boto3 1.43; the older
client lacks it and these tests skip): the event stream's sessionStart, then
a sessionUpdate a second with the events put meanwhile by another thread,
narrowed by streams, stream prefixes and the filter pattern; the refusals
(names instead of ARNs, '*' ARNs, streams with several groups, both stream
selectors, a missing group); and the session's end after its 3 hours (a
server whose hour is short) with a SessionTimeoutException in the stream.

StartLiveTail's model injects the host prefix "stream-", which a loopback
endpoint cannot take: the clients here turn host prefix injection off.
"""
import threading
import time

import botocore.config
import botocore.exceptions
import pytest

from test_logs_more import error_of, now_ms

ARN = "arn:aws:logs:us-east-1:000000000000:log-group:"


def client(g):
    return g.client("logs", config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                          inject_host_prefix=False, read_timeout=30))


@pytest.fixture(scope="module")
def logs(gureum):
    c = client(gureum)
    if "StartLiveTail" not in c.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs StartLiveTail")
    return c


def put(logs, group, stream, *messages):
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for m in messages])


def collect(stream, want, timeout=15):
    """Reads the stream's events until `want` log events arrived (or timeout):
    (the sessionStart, the updates read, the log events in them)."""
    start, updates, events = None, [], []
    deadline = time.time() + timeout
    for ev in stream:
        if "sessionStart" in ev:
            start = ev["sessionStart"]
        elif "sessionUpdate" in ev:
            updates.append(ev["sessionUpdate"])
            events += ev["sessionUpdate"]["sessionResults"]
        if len(events) >= want or time.time() > deadline:
            break
    return start, updates, events


def test_live_tail_streams_events_put_meanwhile(logs):
    """Events put while the session is open arrive in sessionUpdates (those
    put before it do not); each carries its stream, group ARN, message and
    times; the sessionStart echoes the request; an idle second still sends
    an empty update."""
    logs.create_log_group(logGroupName="/live/a")
    logs.create_log_stream(logGroupName="/live/a", logStreamName="s1")
    put(logs, "/live/a", "s1", "before the session")
    resp = logs.start_live_tail(logGroupIdentifiers=[ARN + "/live/a"])
    stream = resp["responseStream"]
    it = iter(stream)
    first = next(it)
    assert set(first) == {"sessionStart"}
    s = first["sessionStart"]
    assert s["logGroupIdentifiers"] == [ARN + "/live/a"]
    assert s["sessionId"] and s["requestId"]
    idle = next(it)["sessionUpdate"]  # nothing ingested in that second
    assert idle["sessionResults"] == [] and idle["sessionMetadata"] == {"sampled": False}

    def writer():
        time.sleep(0.3)
        put(logs, "/live/a", "s1", "hello one", "hello two")
    threading.Thread(target=writer).start()
    _, _, events = collect(it, 2)
    stream.close()
    assert [e["message"] for e in events] == ["hello one", "hello two"]
    for e in events:
        assert e["logStreamName"] == "s1"
        assert e["logGroupIdentifier"] == ARN + "/live/a"
        assert e["timestamp"] > 0 and e["ingestionTime"] >= e["timestamp"] - 1000


def test_live_tail_filters_streams_prefixes_and_pattern(logs):
    """logStreamNames, logStreamNamePrefixes and logEventFilterPattern (the
    filter-pattern syntax FilterLogEvents takes) narrow what is sent; two
    groups in one session each report their own ARN."""
    for gname in ("/live/f", "/live/g"):
        logs.create_log_group(logGroupName=gname)
        for s in ("app-1", "app-2", "web"):
            logs.create_log_stream(logGroupName=gname, logStreamName=s)

    def run(writes, want, **kw):
        stream = logs.start_live_tail(**kw)["responseStream"]
        it = iter(stream)
        assert "sessionStart" in next(it)

        def writer():
            time.sleep(0.3)
            for group, s, msg in writes:
                put(logs, group, s, msg)
        threading.Thread(target=writer).start()
        _, _, events = collect(it, want, timeout=6)
        stream.close()
        return sorted((e["logGroupIdentifier"].rsplit(":", 1)[1], e["logStreamName"], e["message"]) for e in events)

    writes = [("/live/f", "app-1", "ERROR one"), ("/live/f", "web", "ERROR web"), ("/live/f", "app-2", "INFO two")]
    assert run(writes, 1, logGroupIdentifiers=[ARN + "/live/f"], logStreamNames=["web"]) == \
        [("/live/f", "web", "ERROR web")]
    assert run(writes, 2, logGroupIdentifiers=[ARN + "/live/f"], logStreamNamePrefixes=["app-"]) == \
        [("/live/f", "app-1", "ERROR one"), ("/live/f", "app-2", "INFO two")]
    writes2 = writes + [("/live/g", "web", "ERROR in g"), ("/live/g", "app-1", "INFO in g")]
    assert run(writes2, 3, logGroupIdentifiers=[ARN + "/live/f", ARN + "/live/g"], logEventFilterPattern="ERROR") == \
        [("/live/f", "app-1", "ERROR one"), ("/live/f", "web", "ERROR web"), ("/live/g", "web", "ERROR in g")]


def test_live_tail_samples_a_busy_second(logs):
    """More than 500 matching events in a second: an update holds 500 of
    them, in order, with sessionMetadata.sampled true."""
    logs.create_log_group(logGroupName="/live/busy")
    logs.create_log_stream(logGroupName="/live/busy", logStreamName="s")
    stream = logs.start_live_tail(logGroupIdentifiers=[ARN + "/live/busy"])["responseStream"]
    it = iter(stream)
    next(it)
    put(logs, "/live/busy", "s", *["m%04d" % i for i in range(1200)])
    _, updates, _ = collect(it, 500, timeout=6)
    stream.close()
    busy = [u for u in updates if u["sessionResults"]][0]
    msgs = [e["message"] for e in busy["sessionResults"]]
    assert busy["sessionMetadata"]["sampled"] is True
    assert len(msgs) == 500 and msgs == sorted(msgs)


def test_live_tail_refusals(logs):
    """AWS takes groups by ARN (no trailing '*'), up to 10; stream names or
    prefixes (not both) only with one group; a missing group is not found;
    an invalid filter pattern is refused."""
    logs.create_log_group(logGroupName="/live/r1")
    logs.create_log_group(logGroupName="/live/r2")
    cases = [
        (dict(logGroupIdentifiers=["/live/r1"]), "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r1:*"]), "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r1", ARN + "/live/r2"], logStreamNames=["s"]),
         "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r1", ARN + "/live/r2"], logStreamNamePrefixes=["s"]),
         "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r1"], logStreamNames=["s"], logStreamNamePrefixes=["s"]),
         "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r%d" % i for i in range(11)]), "InvalidParameterException"),
        (dict(logGroupIdentifiers=[ARN + "/live/none"]), "ResourceNotFoundException"),
        (dict(logGroupIdentifiers=[ARN.replace("000000000000", "111111111111") + "/live/r1"]),
         "ResourceNotFoundException"),
        (dict(logGroupIdentifiers=[ARN + "/live/r1"], logEventFilterPattern='{ $.a = '), "InvalidParameterException"),
    ]
    for kw, code in cases:
        assert error_of(lambda: logs.start_live_tail(**kw))[0] == code, kw


def test_live_tail_session_times_out(gureum_factory):
    """After the session's 3 hours (here 3 s) the stream
    carries a SessionTimeoutException and ends."""
    import botocore.exceptions
    g = gureum_factory(env={"GUREUM_LOGS_LIVE_TAIL_MS": "3000"})
    c = client(g)
    if "StartLiveTail" not in c.meta.service_model.operation_names:
        pytest.skip("this boto3 has no CloudWatch Logs StartLiveTail")
    c.create_log_group(logGroupName="/live/t")
    stream = c.start_live_tail(logGroupIdentifiers=[ARN + "/live/t"])["responseStream"]
    seen = []
    with pytest.raises(botocore.exceptions.EventStreamError) as e:
        for ev in stream:
            seen.append(next(iter(ev)))
    assert e.value.response["Error"]["Code"] == "SessionTimeoutException"
    assert seen[0] == "sessionStart" and 2 <= seen.count("sessionUpdate") <= 4


def test_live_tail_concurrent_session_quota(gureum, logs):
    """15 open sessions per account and region (AWS's default quota); the
    16th is refused with LimitExceededException, and a closed one frees its
    place."""
    c = gureum.client("logs", config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                            inject_host_prefix=False, max_pool_connections=20))
    c.create_log_group(logGroupName="/live/q")
    streams = []
    for _ in range(15):
        s = c.start_live_tail(logGroupIdentifiers=[ARN + "/live/q"])["responseStream"]
        assert "sessionStart" in next(iter(s))
        streams.append(s)
    assert error_of(lambda: c.start_live_tail(logGroupIdentifiers=[ARN + "/live/q"]))[0] == "LimitExceededException"
    streams.pop().close()
    deadline = time.time() + 5
    while True:
        try:
            s = c.start_live_tail(logGroupIdentifiers=[ARN + "/live/q"])["responseStream"]
            break
        except botocore.exceptions.ClientError:
            assert time.time() < deadline
            time.sleep(0.2)
    streams.append(s)
    for s in streams:
        s.close()
