-- CloudWatch alarms (alarm.c, alarm_eval.c), per account and region.
-- config: the PutMetricAlarm / PutCompositeAlarm input as JSON (Tags left
-- out: they live in the tag table by the alarm's ARN), which DescribeAlarms
-- answers from and the ticker evaluates; ns and metric repeat a metric
-- alarm's Namespace and MetricName for DescribeAlarmsForMetric.
-- state_ms: StateUpdatedTimestamp; transitioned_ms: StateTransitionedTimestamp
-- (the last change of the state value); next_eval_ms: when the ticker
-- evaluates a metric alarm next (0 for composite alarms, which are
-- evaluated when a child changes state); pending: a composite alarm's
-- actions waiting out ActionsSuppressorWaitPeriod until pending_ms (the
-- transition they belong to, as JSON; 0: none).
CREATE TABLE alarm (
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    name            TEXT NOT NULL,
    composite       INTEGER NOT NULL,
    config          TEXT NOT NULL,
    actions_enabled INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    reason_data     TEXT,
    state_ms        INTEGER NOT NULL,
    transitioned_ms INTEGER NOT NULL,
    next_eval_ms    INTEGER NOT NULL,
    ns              TEXT,
    metric          TEXT,
    pending         TEXT,
    pending_ms      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, name)
) WITHOUT ROWID;
CREATE INDEX alarm_due ON alarm (next_eval_ms) WHERE composite = 0;
CREATE INDEX alarm_pending ON alarm (pending_ms) WHERE pending_ms > 0;
CREATE INDEX alarm_by_metric ON alarm (account, region, ns, metric);
-- A composite alarm's rule names these alarms (ChildrenOfAlarmName,
-- ParentsOfAlarmName, DeleteAlarms' refusal, re-evaluation of parents).
CREATE TABLE alarm_child (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    child   TEXT NOT NULL,
    parent  TEXT NOT NULL,
    PRIMARY KEY (account, region, child, parent)
) WITHOUT ROWID;
CREATE INDEX alarm_child_by_parent ON alarm_child (account, region, parent);
-- DescribeAlarmHistory: AWS keeps 30 days (the ticker deletes older items);
-- items outlive their alarm, as on AWS.
CREATE TABLE alarm_history (
    id        INTEGER PRIMARY KEY,
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    name      TEXT NOT NULL,
    composite INTEGER NOT NULL,
    type      TEXT NOT NULL,
    ts_ms     INTEGER NOT NULL,
    summary   TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX alarm_history_by_name ON alarm_history (account, region, name, ts_ms);
CREATE INDEX alarm_history_by_time ON alarm_history (ts_ms);
