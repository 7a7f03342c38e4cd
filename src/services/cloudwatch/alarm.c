/* alarm.c — the CloudWatch alarm operations: PutMetricAlarm,
 * PutCompositeAlarm, DescribeAlarms, DescribeAlarmsForMetric, DeleteAlarms,
 * SetAlarmState, EnableAlarmActions, DisableAlarmActions and
 * DescribeAlarmHistory. Handlers validate as AWS does, keep an alarm's
 * configuration as its Put*Alarm input (JSON in the alarm table) and answer
 * DescribeAlarms from it; evaluation, state changes and actions are
 * alarm_eval.c's.
 *
 * Invariant: an alarm row exists with a state from creation on
 * (INSUFFICIENT_DATA, "Unchecked: Initial alarm creation"); an update
 * replaces the configuration and keeps the state, as AWS does. */
#include <stdlib.h>
#include <string.h>

#include "cloudwatch_model.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/ownreq.h"
#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/cloudwatch.h"

#define E_VALUE (&CLOUDWATCH_ERR_InvalidParameterValueException)
#define E_COMBO (&CLOUDWATCH_ERR_InvalidParameterCombinationException)
#define E_MISSING (&CLOUDWATCH_ERR_MissingRequiredParameterException)
#define E_NOTFOUND (&CLOUDWATCH_ERR_ResourceNotFound)
#define E_FORMAT (&CLOUDWATCH_ERR_InvalidFormatFault)
#define E_TOKEN (&CLOUDWATCH_ERR_InvalidNextToken)

static const char *const INITIAL_REASON = "Unchecked: Initial alarm creation"; /* AWS's text */

/* ==== Validation ==== */

/* AWS (PutMetricAlarm, AlarmActions): "arn:aws:automate:region:ec2:stop |
 * terminate | reboot | recover", "arn:aws:swf:region:account-id:action/
 * actions/AWS_EC2.InstanceId.Stop/1.0" (…Terminate, Reboot), Auto Scaling
 * "arn:aws:autoscaling:region:account-id:scalingPolicy:…", SNS topics,
 * Lambda functions, "arn:aws:ssm:region:account-id:opsitem:severity" and
 * "arn:aws:ssm-incidents::account-id:responseplan/name". The refusal's text
 * is ours (AWS's is not on record). */
static bool action_ok(str_t arn, str_t region)
{
    if (str_starts_with(arn, STR("arn:aws:ssm-incidents::"))) return str_index(arn, '/') > 0;
    if (str_starts_with(arn, STR("arn:aws:automate:"))) {
        str_t tail = str_sub(arn, 17, arn.len - 17), reg;
        tail = str_cut(tail, ':', &reg);
        return str_eq(reg, region) && (str_eq_c(tail, "ec2:stop") || str_eq_c(tail, "ec2:terminate") ||
                                       str_eq_c(tail, "ec2:reboot") || str_eq_c(tail, "ec2:recover"));
    }
    const char *known[] = {"arn:aws:sns:", "arn:aws:lambda:", "arn:aws:autoscaling:", "arn:aws:swf:", "arn:aws:ssm:"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        str_t pre = str_c(known[i]);
        if (!str_starts_with(arn, pre)) continue;
        str_t tail = str_sub(arn, pre.len, arn.len - pre.len), reg, acct;
        tail = str_cut(tail, ':', &reg);
        tail = str_cut(tail, ':', &acct);
        return str_eq(reg, region) && acct.len == 12 && tail.len > 0;
    }
    return false;
}

/* AWS (PutMetricAlarm, AlarmName): "The name must contain only UTF-8
 * characters, and can't contain ASCII control characters" (the protocol
 * layer has checked UTF-8). The refusal's text is ours. */
static int name_or_fail(req_t *r, const val_t *in)
{
    str_t n = val_get_str(in, "AlarmName");
    for (size_t i = 0; i < n.len; i++)
        if ((unsigned char)n.p[i] < 0x20 || n.p[i] == 0x7f)
            return req_fail(r, E_VALUE, "The parameter AlarmName must not contain ASCII control characters.");
    return GR_OK;
}

static int actions_or_fail(req_t *r, const val_t *in)
{
    if (name_or_fail(r, in) != GR_OK) return GR_ERR;
    static const char *const keys[] = {"AlarmActions", "OKActions", "InsufficientDataActions"};
    for (size_t k = 0; k < 3; k++) {
        const val_t *l = val_get(in, keys[k]);
        for (size_t i = 0; i < val_len(l); i++)
            if (!action_ok(l->u.list.v[i]->u.s, r->region))
                return req_fail(r, &ERR_ValidationError, "Invalid arn syntax: %.*s", STR_FMT(l->u.list.v[i]->u.s));
    }
    return GR_OK;
}

/* AWS (PutMetricAlarm, Period): "Valid values are 10, 20, 30, and any multiple of 60." */
static bool period_ok(int64_t p)
{
    return p == 10 || p == 20 || p == 30 || (p >= 60 && p % 60 == 0);
}

/* A percentile, p0.0 to p100 (EvaluateLowSampleCountPercentile applies to these only). */
static bool percentile_ok(str_t s)
{
    if (s.len < 2 || s.p[0] != 'p') return false;
    char *end;
    char *t = strndup(s.p + 1, s.len - 1);
    if (!t) return false;
    double q = strtod(t, &end);
    bool ok = *end == 0 && end != t && q >= 0 && q <= 100;
    free(t);
    return ok;
}

static bool is_anomaly_op(str_t op)
{
    return str_eq_c(op, "LessThanLowerOrGreaterThanUpperThreshold") || str_eq_c(op, "LessThanLowerThreshold") ||
           str_eq_c(op, "GreaterThanUpperThreshold");
}

/* PutMetricAlarm's checks beyond the model's. Texts marked AWS are on
 * record; the others are ours. */
static int metric_alarm_or_fail(req_t *r, const val_t *in)
{
    const val_t *metrics = val_get(in, "Metrics");
    str_t stat = val_get_str(in, "Statistic"), ext = val_get_str(in, "ExtendedStatistic");
    str_t op = val_get_str(in, "ComparisonOperator");
    int64_t n = val_get_int(in, "EvaluationPeriods", 1);
    if (is_anomaly_op(op) || val_get(in, "ThresholdMetricId"))
        return req_fail(r, E_VALUE,
                        "Anomaly detection alarms (ComparisonOperator %.*s, ThresholdMetricId) are not implemented "
                        "by gureum.",
                        STR_FMT(op));
    if (!val_get(in, "Threshold")) return req_fail(r, E_MISSING, "The parameter Threshold is required.");
    int64_t period;
    if (metrics) {
        static const char *const single[] = {"MetricName", "Namespace", "Statistic", "ExtendedStatistic",
                                             "Dimensions", "Period",    "Unit"};
        for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
            if (val_get(in, single[i]))
                return req_fail(r, E_COMBO, "The parameters Metrics and %s are mutually exclusive.", single[i]);
        size_t nret = 0;
        period = 0;
        for (size_t i = 0; i < val_len(metrics); i++) {
            const val_t *q = metrics->u.list.v[i];
            if (val_get_bool(q, "ReturnData", true)) nret++;
            const val_t *ms = val_get(q, "MetricStat");
            int64_t qp = ms ? val_get_int(ms, "Period", 0) : val_get_int(q, "Period", 0);
            if (ms && !period_ok(qp))
                return req_fail(r, E_VALUE, "The parameter MetricStat.Period must be 10, 20, 30 or a multiple of 60.");
            if (qp && (!period || val_get_bool(q, "ReturnData", true))) period = qp;
            if (!ms && !val_get(q, "Expression"))
                return req_fail(r, &ERR_ValidationError, "Each metric must have either Expression or MetricStat.");
        }
        /* AWS: "Metrics list must contain exactly one metric matching the ReturnData parameter" (recalled). */
        if (nret != 1)
            return req_fail(r, &ERR_ValidationError,
                            "Metrics list must contain exactly one metric matching the ReturnData parameter");
        if (!period) period = 60;
        /* Evaluation reads the series through GetMetricData's own checks. */
        cw_series_t *s;
        size_t ns;
        const char *err = NULL;
        int64_t now = cw__now_ms();
        if (cw_metric_data(r->app, r->arena, arena_strndup(r->arena, r->who.account.p, r->who.account.len),
                           arena_strndup(r->arena, r->region.p, r->region.len), metrics, now - period * 1000, now, &s,
                           &ns, &err) != GR_OK)
            return err ? req_fail(r, &ERR_ValidationError, "%s", err) : GR_ERR;
    } else {
        if (!val_get(in, "MetricName")) return req_fail(r, E_MISSING, "The parameter MetricName is required.");
        if (!val_get(in, "Namespace")) return req_fail(r, E_MISSING, "The parameter Namespace is required.");
        if (stat.p && ext.p)
            return req_fail(r, E_COMBO, "The parameters Statistic and ExtendedStatistic are mutually exclusive.");
        if (!stat.p && !ext.p)
            return req_fail(r, E_MISSING, "One of the parameters Statistic or ExtendedStatistic is required.");
        if (!val_get(in, "Period")) return req_fail(r, E_MISSING, "The parameter Period is required.");
        period = val_get_int(in, "Period", 60);
        if (!period_ok(period))
            return req_fail(r, E_VALUE, "The parameter Period must be 10, 20, 30 or a multiple of 60.");
        if (ext.p) {
            /* Any extended statistic GetMetricStatistics takes (p99, tm90, wm(10%:90%), …): ask it. */
            cw_point_t *pts;
            size_t np;
            const char *err = NULL;
            int64_t now = cw__now_ms();
            arena_t *a = r->arena;
            if (cw_metric_stats(r->app, a, arena_strndup(a, r->who.account.p, r->who.account.len),
                                arena_strndup(a, r->region.p, r->region.len), "-", "-", NULL, 0, NULL, now - 60000, now,
                                60, arena_strndup(a, ext.p, ext.len), &pts, &np, &err) != GR_OK)
                return err ? req_fail(r, E_VALUE, "The value %.*s for parameter ExtendedStatistic is not supported.",
                                      STR_FMT(ext))
                           : GR_ERR;
        }
    }
    /* AWS: "Metrics cannot be checked across more than a day (EvaluationPeriods
     * * Period must be <= 86400)"; an alarm with a period of an hour or more
     * may look back 7 days (PutMetricAlarm, EvaluationPeriods). */
    if (period < 3600 && n * period > 86400)
        return req_fail(
            r, &ERR_ValidationError,
            "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)");
    if (period >= 3600 && n * period > 7 * 86400)
        return req_fail(r, &ERR_ValidationError,
                        "Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= "
                        "604800)");
    int64_t m = val_get_int(in, "DatapointsToAlarm", n);
    if (m > n)
        return req_fail(r, &ERR_ValidationError, "DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
    str_t tmd = val_get_str(in, "TreatMissingData");
    if (tmd.p && !str_eq_c(tmd, "missing") && !str_eq_c(tmd, "ignore") && !str_eq_c(tmd, "breaching") &&
        !str_eq_c(tmd, "notBreaching"))
        return req_fail(r, &ERR_ValidationError,
                        "Invalid value '%.*s' for TreatMissingData: one of missing, ignore, breaching, notBreaching.",
                        STR_FMT(tmd));
    str_t low = val_get_str(in, "EvaluateLowSampleCountPercentile");
    if (low.p && !str_eq_c(low, "evaluate") && !str_eq_c(low, "ignore"))
        /* AWS's text as moto and LocalStack record it */
        return req_fail(r, &ERR_ValidationError,
                        "Option %.*s is not supported. Supported options for parameter "
                        "EvaluateLowSampleCountPercentile are evaluate and ignore.",
                        STR_FMT(low));
    if (low.p && !(ext.p && percentile_ok(ext)))
        return req_fail(r, &ERR_ValidationError,
                        "EvaluateLowSampleCountPercentile is only valid with a percentile ExtendedStatistic.");
    return actions_or_fail(r, in);
}

/* ==== Storing ==== */

/* Binds s, or SQL NULL when s is absent. */
static void bind_opt(sqlite3_stmt *st, int i, str_t s)
{
    if (s.p)
        store_bind_str(st, i, s);
    else
        sqlite3_bind_null(st, i);
}

/* The input without Tags (kept in the tag table by ARN), as JSON. */
static str_t config_text(arena_t *a, const val_t *in)
{
    val_t *c = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < in->u.obj.n; i++)
        if (!str_eq_c(in->u.obj.e[i].key, "Tags")) val_set(a, c, in->u.obj.e[i].key, in->u.obj.e[i].v);
    return val_json_text(a, c);
}

typedef struct {
    bool found, composite;
    str_t config;
} existing_t;

static int existing(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, existing_t *e)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT composite, config FROM alarm WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    cwa__bind_key(st, account, region, name);
    int rc = sqlite3_step(st);
    e->found = rc == SQLITE_ROW;
    if (e->found) {
        e->composite = sqlite3_column_int(st, 0);
        e->config = store_col_str(a, st, 1);
    }
    return store_release(st) == SQLITE_OK && (rc == SQLITE_ROW || rc == SQLITE_DONE) ? GR_OK : GR_ERR;
}

/* Creates or updates the row (in the caller's transaction) and writes the
 * ConfigurationUpdate history item. AWS: HistorySummary `Alarm "NAME"
 * created` / `Alarm "NAME" updated`; HistoryData {"version":"1.0","type":
 * "Create","createdAlarm":{…}} / {"type":"Update","originalAlarm":…,
 * "updatedAlarm":…} (the alarm objects' members are ours: the Put input). */
static int save(req_t *r, sqlite3 *db, const val_t *in, bool composite, const existing_t *old)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "AlarmName"), cfg = config_text(a, in);
    int64_t now = cw__now_ms();
    sqlite3_stmt *st = store_stmt(
        db, old->found
                ? "UPDATE alarm SET config = ?4, actions_enabled = ?5, updated_ms = ?6, next_eval_ms = 0, ns = ?7, "
                  "metric = ?8 WHERE account = ?1 AND region = ?2 AND name = ?3"
                : "INSERT INTO alarm (account, region, name, composite, config, actions_enabled, updated_ms, state, "
                  "reason, state_ms, transitioned_ms, next_eval_ms, ns, metric) VALUES (?1, ?2, ?3, ?9, ?4, ?5, ?6, "
                  "'INSUFFICIENT_DATA', ?10, ?6, ?6, 0, ?7, ?8)");
    if (!st) return GR_ERR;
    cwa__bind_key(st, r->who.account, r->region, name);
    store_bind_str(st, 4, cfg);
    sqlite3_bind_int(st, 5, val_get_bool(in, "ActionsEnabled", true));
    sqlite3_bind_int64(st, 6, now);
    str_t ns = val_get_str(in, "Namespace"), metric = val_get_str(in, "MetricName");
    bind_opt(st, 7, ns);
    bind_opt(st, 8, metric);
    if (!old->found) {
        sqlite3_bind_int(st, 9, composite);
        sqlite3_bind_text(st, 10, INITIAL_REASON, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK || rc != SQLITE_DONE) return GR_ERR;
    buf_t b;
    buf_init(&b, a);
    if (old->found) {
        buf_puts(&b, "{\"version\":\"1.0\",\"type\":\"Update\",\"originalAlarm\":");
        buf_put_str(&b, old->config);
        buf_puts(&b, ",\"updatedAlarm\":");
    } else {
        buf_puts(&b, "{\"version\":\"1.0\",\"type\":\"Create\",\"createdAlarm\":");
    }
    buf_put_str(&b, cfg);
    buf_putc(&b, '}');
    str_t summary = str_c(arena_printf(a, "Alarm \"%.*s\" %s", STR_FMT(name), old->found ? "updated" : "created"));
    if (cwa__history(db, r->who.account, r->region, name, composite, "ConfigurationUpdate", now, summary,
                     buf_str(&b)) != GR_OK)
        return GR_ERR;
    /* AWS: "If you are using this operation to update an existing alarm, any
     * tags you specify in this parameter are ignored." */
    if (!old->found && val_get(in, "Tags"))
        return cw__tags_put(db, cwa__arn(a, r->who.account, r->region, name), val_get(in, "Tags"));
    return GR_OK;
}

int cloudwatch_put_metric_alarm(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    if (metric_alarm_or_fail(r, in) != GR_OK) return GR_ERR;
    sqlite3 *db = cw__db(r->app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    existing_t old;
    bool ok = existing(db, r->arena, r->who.account, r->region, val_get_str(in, "AlarmName"), &old) == GR_OK;
    if (ok && old.found && old.composite) {
        cw__end(db, false);
        return req_fail(r, &ERR_ValidationError, "The alarm %.*s is a composite alarm.",
                        STR_FMT(val_get_str(in, "AlarmName")));
    }
    ok = ok && save(r, db, in, false, &old) == GR_OK;
    /* The ticker evaluates it next (next_eval_ms 0). */
    return cw__end(db, ok);
}

int cloudwatch_put_composite_alarm(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "AlarmName");
    str_t *names;
    size_t nn;
    const char *err;
    if (!cwa__rule_parse(a, val_get_str(in, "AlarmRule"), r->who.account, r->region, &names, &nn, &err))
        return req_fail(r, &ERR_ValidationError, "%s", err);
    if (actions_or_fail(r, in) != GR_OK) return GR_ERR;
    str_t sup = val_get_str(in, "ActionsSuppressor");
    if (!sup.p && (val_get(in, "ActionsSuppressorWaitPeriod") || val_get(in, "ActionsSuppressorExtensionPeriod")))
        return req_fail(r, &ERR_ValidationError,
                        "ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod require ActionsSuppressor.");
    sqlite3 *db = cw__db(r->app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    existing_t old;
    bool ok = existing(db, a, r->who.account, r->region, name, &old) == GR_OK;
    if (ok && old.found && !old.composite) {
        cw__end(db, false);
        return req_fail(r, &ERR_ValidationError, "The alarm %.*s is a metric alarm.", STR_FMT(name));
    }
    /* AWS: "Could not save the composite alarm as alarms [a, b] in the alarm rule do not exist". */
    buf_t missing;
    buf_init(&missing, a);
    sqlite3_stmt *st =
        ok ? store_stmt(db, "SELECT 1 FROM alarm WHERE account = ?1 AND region = ?2 AND name = ?3") : NULL;
    ok = st != NULL;
    for (size_t i = 0; ok && i < nn; i++) {
        sqlite3_reset(st);
        cwa__bind_key(st, r->who.account, r->region, names[i]);
        int rc = sqlite3_step(st);
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
        if (rc == SQLITE_DONE && !str_eq(names[i], name)) {
            buf_puts(&missing, missing.len ? ", " : "");
            buf_put_str(&missing, names[i]);
        }
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    if (ok && missing.len) {
        cw__end(db, false);
        return req_fail(r, &ERR_ValidationError,
                        "Could not save the composite alarm as alarms [%.*s] in the alarm rule do not exist",
                        STR_FMT(buf_str(&missing)));
    }
    ok = ok && save(r, db, in, true, &old) == GR_OK;
    st = ok ? store_stmt(db, "DELETE FROM alarm_child WHERE account = ?1 AND region = ?2 AND parent = ?3") : NULL;
    if (st) {
        cwa__bind_key(st, r->who.account, r->region, name);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    } else {
        ok = false;
    }
    st = ok ? store_stmt(db, "INSERT OR IGNORE INTO alarm_child (account, region, child, parent) VALUES (?1, ?2, ?3, "
                             "?4)")
            : NULL;
    ok = st != NULL;
    for (size_t i = 0; ok && i < nn; i++) {
        sqlite3_reset(st);
        cwa__bind_key(st, r->who.account, r->region, names[i]);
        store_bind_str(st, 4, name);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    if (cw__end(db, ok) != GR_OK) return GR_ERR;
    /* AWS: a composite alarm is evaluated as soon as it is saved. */
    cwa__eval_composite(r->app, a, r->who.account, r->region, name, 0);
    return GR_OK;
}

/* ==== Describing ==== */

static val_t *tsval(arena_t *a, int64_t ms)
{
    return val_time(a, ms * 1000);
}

static val_t *list_or_empty(arena_t *a, const val_t *v)
{
    return v && v->kind == VAL_LIST ? (val_t *)v : val_new(a, VAL_LIST);
}

/* One alarm as DescribeAlarms answers it, from a row of
 * "SELECT name, composite, config, actions_enabled, updated_ms, state,
 * reason, reason_data, state_ms, transitioned_ms". */
static val_t *alarm_item(req_t *r, sqlite3 *db, sqlite3_stmt *st, bool *composite)
{
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0);
    *composite = sqlite3_column_int(st, 1);
    json_t *j = json_parse(a, store_col_str(a, st, 2), NULL);
    val_t *c = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "AlarmName", val_str(a, name));
    val_set_c(a, o, "AlarmArn", val_str(a, cwa__arn(a, r->who.account, r->region, name)));
    if (val_get(c, "AlarmDescription")) val_set_c(a, o, "AlarmDescription", val_get(c, "AlarmDescription"));
    val_set_c(a, o, "AlarmConfigurationUpdatedTimestamp", tsval(a, sqlite3_column_int64(st, 4)));
    val_set_c(a, o, "ActionsEnabled", val_bool(a, sqlite3_column_int(st, 3)));
    val_set_c(a, o, "OKActions", list_or_empty(a, val_get(c, "OKActions")));
    val_set_c(a, o, "AlarmActions", list_or_empty(a, val_get(c, "AlarmActions")));
    val_set_c(a, o, "InsufficientDataActions", list_or_empty(a, val_get(c, "InsufficientDataActions")));
    val_set_c(a, o, "StateValue", val_str(a, store_col_str(a, st, 5)));
    val_set_c(a, o, "StateReason", val_str(a, store_col_str(a, st, 6)));
    str_t rd = store_col_str(a, st, 7);
    if (rd.p) val_set_c(a, o, "StateReasonData", val_str(a, rd));
    val_set_c(a, o, "StateUpdatedTimestamp", tsval(a, sqlite3_column_int64(st, 8)));
    if (*composite) {
        val_set_c(a, o, "AlarmRule", val_get(c, "AlarmRule"));
        val_set_c(a, o, "StateTransitionedTimestamp", tsval(a, sqlite3_column_int64(st, 9)));
        str_t sup = val_get_str(c, "ActionsSuppressor");
        if (sup.p) {
            val_set_c(a, o, "ActionsSuppressor", val_str(a, sup));
            /* AWS's defaults when ActionsSuppressor is given. */
            val_set_c(a, o, "ActionsSuppressorWaitPeriod",
                      val_int(a, (int64_t)cwa__num(c, "ActionsSuppressorWaitPeriod", 60)));
            val_set_c(a, o, "ActionsSuppressorExtensionPeriod",
                      val_int(a, (int64_t)cwa__num(c, "ActionsSuppressorExtensionPeriod", 60)));
            const char *by = cwa__suppressed_by(db, a, r->who.account, r->region, name, c, cw__now_ms());
            if (by) {
                val_set_c(a, o, "ActionsSuppressedBy", val_cstr(a, by));
                /* The reason's text is ours (AWS's is not on record). */
                val_set_c(
                    a, o, "ActionsSuppressedReason",
                    val_cstr(a, arena_printf(a,
                                             strcmp(by, "Alarm") == 0        ? "Alarm %.*s is in ALARM state."
                                             : strcmp(by, "WaitPeriod") == 0 ? "Waiting for alarm %.*s to go into "
                                                                               "ALARM state."
                                                                             : "Alarm %.*s left the ALARM state less "
                                                                               "than ActionsSuppressorExtensionPeriod "
                                                                               "seconds ago.",
                                             STR_FMT(sup))));
            }
        }
        return o;
    }
    static const char *const copy[] = {"MetricName",
                                       "Namespace",
                                       "Statistic",
                                       "ExtendedStatistic",
                                       "Dimensions",
                                       "Unit",
                                       "ComparisonOperator",
                                       "TreatMissingData",
                                       "Metrics",
                                       "EvaluateLowSampleCountPercentile"};
    for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++)
        if (val_get(c, copy[i])) val_set_c(a, o, copy[i], val_get(c, copy[i]));
    /* AWS (describe-alarms as recorded): an alarm on one metric lists its
     * Dimensions, empty when it has none. */
    if (val_get(c, "MetricName") && !val_get(c, "Dimensions")) val_set_c(a, o, "Dimensions", val_new(a, VAL_LIST));
    if (val_get(c, "Period")) val_set_c(a, o, "Period", val_int(a, (int64_t)cwa__num(c, "Period", 60)));
    val_set_c(a, o, "EvaluationPeriods", val_int(a, (int64_t)cwa__num(c, "EvaluationPeriods", 1)));
    if (val_get(c, "DatapointsToAlarm"))
        val_set_c(a, o, "DatapointsToAlarm", val_int(a, (int64_t)cwa__num(c, "DatapointsToAlarm", 1)));
    if (val_get(c, "Threshold")) val_set_c(a, o, "Threshold", val_float(a, cwa__num(c, "Threshold", 0)));
    /* Metric alarms have these two in 1.43's model; older models skip them. */
    val_set_c(a, o, "StateTransitionedTimestamp", tsval(a, sqlite3_column_int64(st, 9)));
    return o;
}

#define ALARM_COLS                                                                                                     \
    "name, composite, config, actions_enabled, updated_ms, state, reason, reason_data, state_ms, "                     \
    "transitioned_ms"

static bool in_list(const val_t *l, str_t s)
{
    for (size_t i = 0; i < val_len(l); i++)
        if (str_eq(l->u.list.v[i]->u.s, s)) return true;
    return false;
}

/* Whether any of the alarm's actions starts with prefix (DescribeAlarms' ActionPrefix). */
static bool has_action_prefix(req_t *r, sqlite3_stmt *st, str_t prefix)
{
    json_t *j = json_parse(r->arena, store_col_str(r->arena, st, 2), NULL);
    val_t *c = j ? val_from_json(r->arena, j) : NULL;
    static const char *const keys[] = {"AlarmActions", "OKActions", "InsufficientDataActions"};
    for (size_t k = 0; c && k < 3; k++) {
        const val_t *l = val_get(c, keys[k]);
        for (size_t i = 0; i < val_len(l); i++)
            if (str_starts_with(l->u.list.v[i]->u.s, prefix)) return true;
    }
    return false;
}

/* The names related to `of` through alarm_child (children: of is the parent). */
static int related(req_t *r, sqlite3 *db, str_t of, bool children, val_t *names)
{
    sqlite3_stmt *st = store_stmt(db, children ? "SELECT child FROM alarm_child WHERE account = ?1 AND region = ?2 "
                                                 "AND parent = ?3"
                                               : "SELECT parent FROM alarm_child WHERE account = ?1 AND region = ?2 "
                                                 "AND child = ?3");
    if (!st) return GR_ERR;
    cwa__bind_key(st, r->who.account, r->region, of);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        val_push(r->arena, names, val_str(r->arena, store_col_str(r->arena, st, 0)));
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

static int offset_or_fail(req_t *r, const val_t *in, long long *off)
{
    str_t tok = val_get_str(in, "NextToken");
    *off = 0;
    if (tok.p && (!str_to_i64(tok, off) || *off < 0))
        return req_fail(r, E_TOKEN, "The service cannot process the NextToken %.*s.", STR_FMT(tok));
    return GR_OK;
}

int cloudwatch_describe_alarms(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *names = val_get(in, "AlarmNames");
    str_t prefix = val_get_str(in, "AlarmNamePrefix"), state = val_get_str(in, "StateValue");
    str_t action = val_get_str(in, "ActionPrefix");
    str_t children_of = val_get_str(in, "ChildrenOfAlarmName"), parents_of = val_get_str(in, "ParentsOfAlarmName");
    const val_t *types = val_get(in, "AlarmTypes");
    /* AWS (DescribeAlarms): AlarmNames and AlarmNamePrefix exclude each
     * other; ChildrenOfAlarmName and ParentsOfAlarmName take no other
     * filter; without AlarmTypes only metric alarms are returned. */
    if (names && prefix.p) return req_fail(r, E_COMBO, "AlarmNames and AlarmNamePrefix cannot be used together.");
    if ((children_of.p || parents_of.p) &&
        (names || prefix.p || state.p || action.p || (children_of.p && parents_of.p)))
        return req_fail(r, E_COMBO,
                        "ChildrenOfAlarmName and ParentsOfAlarmName cannot be used with any other filter but "
                        "AlarmTypes, MaxRecords and NextToken.");
    bool want_metric = !types || in_list(types, STR("MetricAlarm"));
    bool want_composite = types ? in_list(types, STR("CompositeAlarm")) : false;
    if (children_of.p || parents_of.p) {
        /* AWS: ChildrenOfAlarmName names a composite alarm; both list every type asked. */
        if (!types) want_composite = true;
    }
    int64_t limit = val_get_int(in, "MaxRecords", 50);
    long long off;
    if (offset_or_fail(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    val_t *rel = NULL;
    if (children_of.p || parents_of.p) {
        rel = val_new(a, VAL_LIST);
        if (related(r, db, children_of.p ? children_of : parents_of, children_of.p != NULL, rel) != GR_OK)
            return GR_ERR;
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT " ALARM_COLS " FROM alarm WHERE account = ?1 AND region = ?2 "
                                      "ORDER BY name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *metric = val_new(a, VAL_LIST), *composite = val_new(a, VAL_LIST);
    int64_t seen = 0, listed = 0;
    int rc;
    bool more = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t name = store_col_str(a, st, 0);
        bool comp = sqlite3_column_int(st, 1);
        if (comp ? !want_composite : !want_metric) continue;
        if (names && !in_list(names, name)) continue;
        if (rel && !in_list(rel, name)) continue;
        if (prefix.p && !str_starts_with(name, prefix)) continue;
        if (state.p && !str_eq(store_col_str(a, st, 5), state)) continue;
        if (action.p && !has_action_prefix(r, st, action)) continue;
        if (seen++ < off) continue;
        if (listed == limit) {
            more = true;
            break;
        }
        listed++;
        val_t *item = alarm_item(r, db, st, &comp);
        val_push(a, comp ? composite : metric, item);
    }
    if (store_release(st) != SQLITE_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE)) return GR_ERR;
    if (want_metric) val_set_c(a, out, "MetricAlarms", metric);
    if (want_composite) val_set_c(a, out, "CompositeAlarms", composite);
    if (more) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + limit)));
    return GR_OK;
}

static bool dims_equal(const val_t *x, const val_t *y)
{
    if (val_len(x) != val_len(y)) return false;
    for (size_t i = 0; i < val_len(x); i++) {
        bool found = false;
        for (size_t j = 0; !found && j < val_len(y); j++)
            found = str_eq(val_get_str(x->u.list.v[i], "Name"), val_get_str(y->u.list.v[j], "Name")) &&
                    str_eq(val_get_str(x->u.list.v[i], "Value"), val_get_str(y->u.list.v[j], "Value"));
        if (!found) return false;
    }
    return true;
}

int cloudwatch_describe_alarms_for_metric(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT " ALARM_COLS " FROM alarm WHERE account = ?1 AND region = ?2 AND "
                                      "ns = ?3 AND metric = ?4 AND composite = 0 ORDER BY name");
    if (!st) return GR_ERR;
    cwa__bind_key(st, r->who.account, r->region, val_get_str(in, "Namespace"));
    store_bind_str(st, 4, val_get_str(in, "MetricName"));
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool comp;
        val_t *item = alarm_item(r, db, st, &comp);
        static const char *const same[] = {"Statistic", "ExtendedStatistic", "Unit"};
        bool keep = true;
        for (size_t i = 0; keep && i < 3; i++)
            if (val_get(in, same[i])) keep = str_eq(val_get_str(in, same[i]), val_get_str(item, same[i]));
        if (keep && val_get(in, "Period")) keep = val_get_int(in, "Period", 0) == val_get_int(item, "Period", -1);
        if (keep && val_get(in, "Dimensions"))
            keep = dims_equal(val_get(in, "Dimensions"), val_get(item, "Dimensions"));
        if (keep) val_push(a, list, item);
    }
    if (store_release(st) != SQLITE_OK || rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "MetricAlarms", list);
    return GR_OK;
}

/* ==== Changing ==== */

/* Each named alarm authorized for action (the op table cannot name a list). */
static int each_authorized(req_t *r, const val_t *names, const char *action)
{
    for (size_t i = 0; i < val_len(names); i++) {
        str_t arn = cwa__arn(r->arena, r->who.account, r->region, names->u.list.v[i]->u.s);
        if (authz_check_resource(r, ((app_t *)r->app)->authz, str_c(action), arn, r->who.account, NULL) != GR_OK)
            return GR_ERR;
    }
    return GR_OK;
}

int cloudwatch_delete_alarms(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    const val_t *names = val_get(in, "AlarmNames");
    if (each_authorized(r, names, "cloudwatch:DeleteAlarms") != GR_OK) return GR_ERR;
    sqlite3 *db = cw__db(r->app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    /* AWS: "Cannot delete a,b as there are composite alarm(s) depending on
     * them." (ValidationError; "on it" for one), unless the parents go too. */
    buf_t held;
    buf_init(&held, a);
    size_t nheld = 0;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT parent FROM alarm_child WHERE account = ?1 AND region = ?2 AND child = ?3");
    bool ok = st != NULL;
    for (size_t i = 0; ok && i < val_len(names); i++) {
        sqlite3_reset(st);
        cwa__bind_key(st, r->who.account, r->region, names->u.list.v[i]->u.s);
        int rc;
        bool dep = false;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            if (!in_list(names, store_col_str(a, st, 0))) dep = true;
        ok = rc == SQLITE_DONE;
        if (dep) {
            buf_puts(&held, nheld++ ? "," : "");
            buf_put_str(&held, names->u.list.v[i]->u.s);
        }
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    if (ok && nheld) {
        cw__end(db, false);
        return req_fail(r, &ERR_ValidationError, "Cannot delete %.*s as there are composite alarm(s) depending on %s.",
                        STR_FMT(buf_str(&held)), nheld > 1 ? "them" : "it");
    }
    /* AWS deletes what exists of the list; a name that is not there is no error. */
    static const char *const sql[] = {
        "DELETE FROM alarm WHERE account = ?1 AND region = ?2 AND name = ?3 RETURNING composite",
        "DELETE FROM alarm_child WHERE account = ?1 AND region = ?2 AND parent = ?3",
    };
    int64_t now = cw__now_ms();
    for (size_t i = 0; ok && i < val_len(names); i++) {
        str_t name = names->u.list.v[i]->u.s;
        int composite = -1;
        for (size_t k = 0; ok && k < 2; k++) {
            st = store_stmt(db, sql[k]);
            if (!(ok = st != NULL)) break;
            cwa__bind_key(st, r->who.account, r->region, name);
            int rc = sqlite3_step(st);
            if (k == 0 && rc == SQLITE_ROW) {
                composite = sqlite3_column_int(st, 0);
                rc = sqlite3_step(st);
            }
            ok = store_release(st) == SQLITE_OK && rc == SQLITE_DONE;
        }
        if (ok && composite >= 0) {
            ok = cw__tags_drop(db, cwa__arn(a, r->who.account, r->region, name)) == GR_OK &&
                 cwa__history(db, r->who.account, r->region, name, composite, "ConfigurationUpdate", now,
                              str_c(arena_printf(a, "Alarm \"%.*s\" deleted", STR_FMT(name))),
                              STR("{\"version\":\"1.0\",\"type\":\"Delete\"}")) == GR_OK;
        }
    }
    return cw__end(db, ok);
}

int cloudwatch_set_alarm_state(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t name = val_get_str(in, "AlarmName"), data = val_get_str(in, "StateReasonData");
    /* AWS: InvalidFormat when StateReasonData is not JSON (text ours). */
    if (data.p && !json_parse(r->arena, data, NULL)) return req_fail(r, E_FORMAT, "StateReasonData is not valid JSON.");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    existing_t old;
    if (existing(db, r->arena, r->who.account, r->region, name, &old) != GR_OK) return GR_ERR;
    /* AWS: ResourceNotFound (text not on record). */
    if (!old.found) return req_fail(r, E_NOTFOUND, "Alarm %.*s not found", STR_FMT(name));
    /* The state holds until the next evaluation (the ticker's), as on AWS. */
    str_t state = val_get_str(in, "StateValue");
    return cwa__transition(r->app, r->arena, r->who.account, r->region, name,
                           arena_strndup(r->arena, state.p, state.len), val_get_str(in, "StateReason"),
                           data.p ? data : STR_NULL, 0);
}

static int set_actions(req_t *r, const val_t *in, bool enabled)
{
    const val_t *names = val_get(in, "AlarmNames");
    if (each_authorized(r, names, enabled ? "cloudwatch:EnableAlarmActions" : "cloudwatch:DisableAlarmActions") !=
        GR_OK)
        return GR_ERR;
    sqlite3 *db = cw__db(r->app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "UPDATE alarm SET actions_enabled = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3");
    bool ok = st != NULL;
    for (size_t i = 0; ok && i < val_len(names); i++) {
        sqlite3_reset(st);
        cwa__bind_key(st, r->who.account, r->region, names->u.list.v[i]->u.s);
        sqlite3_bind_int(st, 4, enabled);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    return cw__end(db, ok);
}

int cloudwatch_enable_alarm_actions(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_actions(r, in, true);
}

int cloudwatch_disable_alarm_actions(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_actions(r, in, false);
}

/* ==== History ==== */

int cloudwatch_describe_alarm_history(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "AlarmName"), type = val_get_str(in, "HistoryItemType");
    const val_t *types = val_get(in, "AlarmTypes");
    bool asc = str_eq_c(val_get_str(in, "ScanBy"), "TimestampAscending");
    int64_t limit = val_get_int(in, "MaxRecords", 100);
    const val_t *sd = val_get(in, "StartDate"), *ed = val_get(in, "EndDate");
    long long off;
    if (offset_or_fail(r, in, &off) != GR_OK) return GR_ERR;
    /* AWS: without AlarmTypes, only metric alarms' history. */
    bool want_metric = !types || in_list(types, STR("MetricAlarm"));
    bool want_composite = types && in_list(types, STR("CompositeAlarm"));
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(
        db, asc ? "SELECT name, composite, type, ts_ms, summary, data FROM alarm_history WHERE account = ?1 AND "
                  "region = ?2 AND (?3 IS NULL OR name = ?3) AND (?4 IS NULL OR type = ?4) AND ts_ms >= ?5 AND "
                  "ts_ms <= ?6 AND ((composite = 0 AND ?7) OR (composite = 1 AND ?8)) ORDER BY ts_ms, id "
                  "LIMIT ?9 OFFSET ?10"
                : "SELECT name, composite, type, ts_ms, summary, data FROM alarm_history WHERE account = ?1 AND "
                  "region = ?2 AND (?3 IS NULL OR name = ?3) AND (?4 IS NULL OR type = ?4) AND ts_ms >= ?5 AND "
                  "ts_ms <= ?6 AND ((composite = 0 AND ?7) OR (composite = 1 AND ?8)) ORDER BY ts_ms DESC, id DESC "
                  "LIMIT ?9 OFFSET ?10");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    bind_opt(st, 3, name);
    bind_opt(st, 4, type);
    sqlite3_bind_int64(st, 5, sd && sd->kind == VAL_TIME ? sd->u.t / 1000 : INT64_MIN);
    sqlite3_bind_int64(st, 6, ed && ed->kind == VAL_TIME ? ed->u.t / 1000 : INT64_MAX);
    sqlite3_bind_int(st, 7, want_metric);
    sqlite3_bind_int(st, 8, want_composite);
    sqlite3_bind_int64(st, 9, limit + 1);
    sqlite3_bind_int64(st, 10, off);
    val_t *items = val_new(a, VAL_LIST);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "AlarmName", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, o, "AlarmType", val_cstr(a, sqlite3_column_int(st, 1) ? "CompositeAlarm" : "MetricAlarm"));
        val_set_c(a, o, "Timestamp", tsval(a, sqlite3_column_int64(st, 3)));
        val_set_c(a, o, "HistoryItemType", val_str(a, store_col_str(a, st, 2)));
        val_set_c(a, o, "HistorySummary", val_str(a, store_col_str(a, st, 4)));
        val_set_c(a, o, "HistoryData", val_str(a, store_col_str(a, st, 5)));
        val_push(a, items, o);
    }
    if (store_release(st) != SQLITE_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE)) return GR_ERR;
    val_set_c(a, out, "AlarmHistoryItems", items);
    if (n > limit) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + limit)));
    return GR_OK;
}

/* ==== Tags (dashboard.c asks) ==== */

int cw__alarm_exists(req_t *r, sqlite3 *db, str_t arn)
{
    str_t pre = cwa__arn(r->arena, r->who.account, r->region, STR(""));
    if (!str_starts_with(arn, pre) || arn.len == pre.len) return 0;
    existing_t e;
    if (existing(db, r->arena, r->who.account, r->region, str_sub(arn, pre.len, arn.len - pre.len), &e) != GR_OK)
        return -1;
    return e.found;
}

/* ==== For Auto Scaling ==== */

void cloudwatch_alarms_acting_on(struct app *app, arena_t *a, str_t account, str_t region, str_t arn, str_t **names,
                                 size_t *n)
{
    *n = 0;
    *names = NULL;
    sqlite3 *db = cw__db(app);
    sqlite3_stmt *st =
        db ? store_stmt(db, "SELECT DISTINCT name FROM alarm, json_each(alarm.config, '$.AlarmActions') AS x WHERE "
                            "account = ?1 AND region = ?2 AND x.value = ?3 UNION SELECT name FROM alarm, "
                            "json_each(alarm.config, '$.OKActions') AS y WHERE account = ?1 AND region = ?2 AND "
                            "y.value = ?3 ORDER BY name LIMIT 100")
           : NULL;
    if (!st) return;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, arn);
    *names = ARENA_NEWN(a, str_t, 100);
    while (*names && *n < 100 && sqlite3_step(st) == SQLITE_ROW) (*names)[(*n)++] = store_col_str(a, st, 0);
    store_release(st);
}

int cloudwatch_alarm_put(struct app *app, str_t account, str_t region, const val_t *in, arena_t *a, const char **err)
{
    *err = NULL;
    req_t *r = ownreq_new(app, account, region, "cloudwatch-alarm");
    if (!r) return GR_ERR;
    int rc = cloudwatch_put_metric_alarm(r, in, val_new(r->arena, VAL_STRUCT));
    if (rc != GR_OK && r->err) *err = arena_printf(a, "%s: %s", r->err->code, r->err_msg ? r->err_msg : "");
    arena_free(r->arena);
    return rc;
}

void cloudwatch_alarms_delete(struct app *app, str_t account, str_t region, const val_t *names)
{
    req_t *r = ownreq_new(app, account, region, "cloudwatch-alarm");
    if (!r) return;
    val_t *in = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, in, "AlarmNames", val_copy(r->arena, names));
    if (val_len(names) && cloudwatch_delete_alarms(r, in, val_new(r->arena, VAL_STRUCT)) != GR_OK)
        log_warn("cloudwatch: deleting alarms for a service failed: %s", r->err_msg ? r->err_msg : "internal");
    arena_free(r->arena);
}
