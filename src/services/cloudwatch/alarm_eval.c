/* alarm_eval.c — alarms that evaluate and act: the ticker's hook
 * (cloudwatch_alarm_tick) evaluates each metric alarm at its period
 * boundaries from the statistics metrics.h serves, and every state change
 * (evaluation, SetAlarmState, a composite alarm's rule) goes through
 * cwa__transition: the history item, then the new state's actions (SNS
 * topics through sns.h, Lambda functions through lambda.h; Auto Scaling,
 * EC2 and Systems Manager actions are recorded as failed: gureum has none of
 * those services), the EventBridge event, and the composite parents.
 *
 * Runs on the ticker thread or a request's loop, each with its own store
 * connection; an evaluation reads the alarm, then moves it in its own
 * transaction, which re-reads the state it moves from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/autoscaling/autoscaling.h"
#include "services/cloudwatch/alarm.h"
#include "services/cloudwatch/cloudwatch.h"
#include "services/events/events.h"
#include "services/lambda/lambda.h"
#include "services/sns/sns.h"

/* ==== Texts ==== */

str_t cwa__arn(arena_t *a, str_t account, str_t region, str_t name)
{
    return str_c(
        arena_printf(a, "arn:aws:cloudwatch:%.*s:%.*s:alarm:%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(name)));
}

void cwa__fmt_time(char *out, int64_t ms)
{
    struct tm tm;
    int64_t s = ms / 1000 - (ms % 1000 < 0);
    time_split(s, &tm);
    /* each field reduced to its width, so the compiler sees the text fits */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03u+0000", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, (unsigned)(ms - s * 1000) % 1000u);
}

void cwa__put_num(buf_t *b, double d)
{
    if (!isfinite(d)) {
        buf_puts(b, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    double ad = fabs(d);
    char tmp[48];
    if (d == 0 || (ad >= 1e-3 && ad < 1e7)) {
        /* Java's Double.toString: the shortest digits that read back, at least one after the point. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*f", prec, d);
            if (strtod(tmp, NULL) == d) break;
        }
        size_t n = strlen(tmp);
        while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.') tmp[--n] = 0;
        buf_puts(b, tmp);
        return;
    }
    /* Otherwise Java writes "1.0E7", "1.5E-4": a mantissa with a point and E. */
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char *e = strchr(tmp, 'e');
    if (!e) {
        buf_puts(b, tmp);
        return;
    }
    *e = 0;
    buf_puts(b, tmp);
    if (!strchr(tmp, '.')) buf_puts(b, ".0");
    buf_printf(b, "E%d", atoi(e + 1));
}

double cwa__num(const val_t *obj, const char *key, double def)
{
    const val_t *v = val_get(obj, key);
    if (!v) return def;
    if (v->kind == VAL_INT) return (double)v->u.i;
    if (v->kind == VAL_FLOAT) return v->u.f;
    return def;
}

static void jnum(json_w_t *w, arena_t *a, double d)
{
    buf_t b;
    buf_init(&b, a);
    cwa__put_num(&b, d);
    if (isfinite(d))
        json_w_raw(w, buf_str(&b));
    else
        json_w_str(w, buf_str(&b));
}

static void jtime(json_w_t *w, int64_t ms)
{
    char t[32];
    cwa__fmt_time(t, ms);
    json_w_str(w, str_c(t));
}

static void jkey_str(json_w_t *w, const char *k, str_t v)
{
    json_w_key(w, str_c(k));
    if (v.p)
        json_w_str(w, v);
    else
        json_w_null(w);
}

/* AWS's display names of its regions, which alarm notifications carry
 * ("Region": "US East (N. Virginia)", and the Subject). */
static const char *region_display(str_t region)
{
    static const struct {
        const char *code, *name;
    } names[] = {
        {"af-south-1", "Africa (Cape Town)"},
        {"ap-east-1", "Asia Pacific (Hong Kong)"},
        {"ap-northeast-1", "Asia Pacific (Tokyo)"},
        {"ap-northeast-2", "Asia Pacific (Seoul)"},
        {"ap-northeast-3", "Asia Pacific (Osaka)"},
        {"ap-south-1", "Asia Pacific (Mumbai)"},
        {"ap-south-2", "Asia Pacific (Hyderabad)"},
        {"ap-southeast-1", "Asia Pacific (Singapore)"},
        {"ap-southeast-2", "Asia Pacific (Sydney)"},
        {"ap-southeast-3", "Asia Pacific (Jakarta)"},
        {"ap-southeast-4", "Asia Pacific (Melbourne)"},
        {"ca-central-1", "Canada (Central)"},
        {"ca-west-1", "Canada West (Calgary)"},
        {"eu-central-1", "EU (Frankfurt)"},
        {"eu-central-2", "EU (Zurich)"},
        {"eu-north-1", "EU (Stockholm)"},
        {"eu-south-1", "EU (Milan)"},
        {"eu-south-2", "EU (Spain)"},
        {"eu-west-1", "EU (Ireland)"},
        {"eu-west-2", "EU (London)"},
        {"eu-west-3", "EU (Paris)"},
        {"il-central-1", "Israel (Tel Aviv)"},
        {"me-central-1", "Middle East (UAE)"},
        {"me-south-1", "Middle East (Bahrain)"},
        {"sa-east-1", "South America (Sao Paulo)"},
        {"us-east-1", "US East (N. Virginia)"},
        {"us-east-2", "US East (Ohio)"},
        {"us-west-1", "US West (N. California)"},
        {"us-west-2", "US West (Oregon)"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (str_eq_c(region, names[i].code)) return names[i].name;
    return NULL;
}

void cwa__bind_key(sqlite3_stmt *st, str_t account, str_t region, str_t name)
{
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
}

/* ==== History ==== */

int cwa__history(sqlite3 *db, str_t account, str_t region, str_t name, bool composite, const char *type, int64_t ts_ms,
                 str_t summary, str_t data)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO alarm_history (account, region, name, composite, type, ts_ms, "
                                      "summary, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st) return GR_ERR;
    cwa__bind_key(st, account, region, name);
    sqlite3_bind_int(st, 4, composite);
    sqlite3_bind_text(st, 5, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, ts_ms);
    store_bind_str(st, 7, summary);
    store_bind_str(st, 8, data);
    int rc = sqlite3_step(st);
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* ==== One alarm as the transition sees it ==== */

typedef struct {
    str_t account, region, name, arn;
    bool composite, actions_enabled;
    val_t *config;
    int64_t updated_ms;
    str_t state, reason, reason_data; /* before the transition */
    int64_t state_ms;
} alarm_t;

static val_t *config_of(arena_t *a, str_t text)
{
    json_t *j = json_parse(a, text, NULL);
    return j ? val_from_json(a, j) : NULL;
}

static bool load(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, alarm_t *al)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT composite, config, actions_enabled, updated_ms, state, reason, "
                       "reason_data, state_ms FROM alarm WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return false;
    cwa__bind_key(st, account, region, name);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        al->account = account;
        al->region = region;
        al->name = name;
        al->arn = cwa__arn(a, account, region, name);
        al->composite = sqlite3_column_int(st, 0);
        al->config = config_of(a, store_col_str(a, st, 1));
        al->actions_enabled = sqlite3_column_int(st, 2);
        al->updated_ms = sqlite3_column_int64(st, 3);
        al->state = store_col_str(a, st, 4);
        al->reason = store_col_str(a, st, 5);
        al->reason_data = store_col_str(a, st, 6);
        al->state_ms = sqlite3_column_int64(st, 7);
    }
    store_release(st);
    return found && al->config;
}

/* ==== Actions ==== */

static const char *upper_stat(str_t s)
{
    static const char *m[][2] = {{"SampleCount", "SAMPLE_COUNT"},
                                 {"Average", "AVERAGE"},
                                 {"Sum", "SUM"},
                                 {"Minimum", "MINIMUM"},
                                 {"Maximum", "MAXIMUM"}};
    for (size_t i = 0; i < 5; i++)
        if (str_eq_c(s, m[i][0])) return m[i][1];
    return NULL;
}

static void jlist(json_w_t *w, const char *key, const val_t *l)
{
    json_w_key(w, str_c(key));
    json_w_arr_begin(w);
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) json_w_str(w, l->u.list.v[i]->u.s);
    json_w_arr_end(w);
}

/* AWS's alarm notification (the SNS message body; AWS CloudWatch User
 * Guide, "Amazon SNS notifications"): the members in AWS's order. */
static str_t notification(arena_t *a, const alarm_t *al, const char *state, str_t reason, int64_t now)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    const val_t *c = al->config;
    json_w_obj_begin(&w);
    jkey_str(&w, "AlarmName", al->name);
    jkey_str(&w, "AlarmDescription", val_get_str(c, "AlarmDescription"));
    jkey_str(&w, "AWSAccountId", al->account);
    json_w_key(&w, STR("AlarmConfigurationUpdatedTimestamp"));
    jtime(&w, al->updated_ms);
    jkey_str(&w, "NewStateValue", str_c(state));
    jkey_str(&w, "NewStateReason", reason);
    json_w_key(&w, STR("StateChangeTime"));
    jtime(&w, now);
    const char *rd = region_display(al->region);
    jkey_str(&w, "Region", rd ? str_c(rd) : al->region);
    jkey_str(&w, "AlarmArn", al->arn);
    jkey_str(&w, "OldStateValue", al->state);
    jlist(&w, "OKActions", val_get(c, "OKActions"));
    jlist(&w, "AlarmActions", val_get(c, "AlarmActions"));
    jlist(&w, "InsufficientDataActions", val_get(c, "InsufficientDataActions"));
    if (al->composite) {
        jkey_str(&w, "AlarmRule", val_get_str(c, "AlarmRule"));
    } else {
        json_w_key(&w, STR("Trigger"));
        json_w_obj_begin(&w);
        const val_t *metrics = val_get(c, "Metrics");
        if (!metrics) {
            jkey_str(&w, "MetricName", val_get_str(c, "MetricName"));
            jkey_str(&w, "Namespace", val_get_str(c, "Namespace"));
            str_t stat = val_get_str(c, "Statistic");
            jkey_str(&w, "StatisticType", str_c(stat.p ? "Statistic" : "ExtendedStatistic"));
            if (stat.p) {
                const char *u = upper_stat(stat);
                jkey_str(&w, "Statistic", u ? str_c(u) : stat);
            } else {
                jkey_str(&w, "ExtendedStatistic", val_get_str(c, "ExtendedStatistic"));
            }
            jkey_str(&w, "Unit", val_get_str(c, "Unit"));
            json_w_key(&w, STR("Dimensions"));
            json_w_arr_begin(&w);
            const val_t *d = val_get(c, "Dimensions");
            for (size_t i = 0; d && d->kind == VAL_LIST && i < d->u.list.n; i++) {
                json_w_obj_begin(&w);
                jkey_str(&w, "value", val_get_str(d->u.list.v[i], "Value"));
                jkey_str(&w, "name", val_get_str(d->u.list.v[i], "Name"));
                json_w_obj_end(&w);
            }
            json_w_arr_end(&w);
            json_w_key(&w, STR("Period"));
            json_w_int(&w, (int64_t)cwa__num(c, "Period", 0));
        } else {
            json_w_key(&w, STR("Metrics"));
            val_json_write(&w, metrics);
        }
        json_w_key(&w, STR("EvaluationPeriods"));
        json_w_int(&w, (int64_t)cwa__num(c, "EvaluationPeriods", 1));
        if (val_get(c, "DatapointsToAlarm")) {
            json_w_key(&w, STR("DatapointsToAlarm"));
            json_w_int(&w, (int64_t)cwa__num(c, "DatapointsToAlarm", 1));
        }
        jkey_str(&w, "ComparisonOperator", val_get_str(c, "ComparisonOperator"));
        json_w_key(&w, STR("Threshold"));
        jnum(&w, a, cwa__num(c, "Threshold", 0));
        str_t tmd = val_get_str(c, "TreatMissingData");
        jkey_str(&w, "TreatMissingData", tmd.p ? tmd : STR(""));
        str_t low = val_get_str(c, "EvaluateLowSampleCountPercentile");
        jkey_str(&w, "EvaluateLowSampleCountPercentile", low.p ? low : STR(""));
        json_w_obj_end(&w);
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

static void jstate(json_w_t *w, const char *key, str_t value, str_t reason, str_t reason_data, int64_t ts)
{
    json_w_key(w, str_c(key));
    json_w_obj_begin(w);
    jkey_str(w, "value", value);
    jkey_str(w, "reason", reason);
    if (reason_data.len) jkey_str(w, "reasonData", reason_data);
    json_w_key(w, STR("timestamp"));
    jtime(w, ts);
    json_w_obj_end(w);
}

/* The "configuration" of AWS's alarm event (Lambda alarm actions and the
 * EventBridge "CloudWatch Alarm State Change" event): camel-case metrics. */
static void jconfiguration(json_w_t *w, arena_t *a, const alarm_t *al)
{
    const val_t *c = al->config;
    json_w_key(w, STR("configuration"));
    json_w_obj_begin(w);
    str_t desc = val_get_str(c, "AlarmDescription");
    if (desc.p) jkey_str(w, "description", desc);
    if (al->composite) {
        jkey_str(w, "alarmRule", val_get_str(c, "AlarmRule"));
        str_t sup = val_get_str(c, "ActionsSuppressor");
        if (sup.p) jkey_str(w, "actionsSuppressor", sup);
        json_w_obj_end(w);
        return;
    }
    json_w_key(w, STR("metrics"));
    json_w_arr_begin(w);
    const val_t *metrics = val_get(c, "Metrics");
    size_t n = metrics ? val_len(metrics) : 1;
    for (size_t i = 0; i < n; i++) {
        const val_t *q = metrics ? metrics->u.list.v[i] : NULL;
        const val_t *ms = q ? val_get(q, "MetricStat") : c;
        const val_t *m = q && ms ? val_get(ms, "Metric") : c;
        json_w_obj_begin(w);
        char id[37];
        id_uuid(id);
        jkey_str(w, "id", q ? val_get_str(q, "Id") : str_c(id));
        if (q && val_get(q, "Expression")) jkey_str(w, "expression", val_get_str(q, "Expression"));
        if (q && val_get(q, "Label")) jkey_str(w, "label", val_get_str(q, "Label"));
        if (ms) {
            json_w_key(w, STR("metricStat"));
            json_w_obj_begin(w);
            json_w_key(w, STR("metric"));
            json_w_obj_begin(w);
            jkey_str(w, "namespace", val_get_str(m, "Namespace"));
            jkey_str(w, "name", val_get_str(m, "MetricName"));
            json_w_key(w, STR("dimensions"));
            json_w_obj_begin(w);
            const val_t *d = val_get(m, "Dimensions");
            for (size_t j = 0; d && d->kind == VAL_LIST && j < d->u.list.n; j++)
                jkey_str(
                    w, arena_strndup(a, val_get_str(d->u.list.v[j], "Name").p, val_get_str(d->u.list.v[j], "Name").len),
                    val_get_str(d->u.list.v[j], "Value"));
            json_w_obj_end(w);
            json_w_obj_end(w);
            json_w_key(w, STR("period"));
            json_w_int(w, (int64_t)cwa__num(ms, "Period", 0));
            str_t stat = q ? val_get_str(ms, "Stat") : val_get_str(c, "Statistic");
            if (!stat.p) stat = val_get_str(c, "ExtendedStatistic");
            jkey_str(w, "stat", stat);
            str_t unit = val_get_str(ms, "Unit");
            if (unit.p) jkey_str(w, "unit", unit);
            json_w_obj_end(w);
        }
        json_w_key(w, STR("returnData"));
        json_w_bool(w, q ? val_get_bool(q, "ReturnData", true) : true);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
    json_w_obj_end(w);
}

/* AWS's alarm state change data (the EventBridge event's detail; the
 * Lambda event's alarmData). */
static str_t alarm_data(arena_t *a, const alarm_t *al, const char *state, str_t reason, str_t reason_data, int64_t now)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    jkey_str(&w, "alarmName", al->name);
    jstate(&w, "state", str_c(state), reason, reason_data, now);
    jstate(&w, "previousState", al->state, al->reason, al->reason_data, al->state_ms);
    jconfiguration(&w, a, al);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* AWS's Lambda alarm event (CloudWatch User Guide, "Lambda alarm actions"). */
static str_t lambda_event(arena_t *a, const alarm_t *al, str_t data, int64_t now)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    jkey_str(&w, "source", STR("aws.cloudwatch"));
    jkey_str(&w, "alarmArn", al->arn);
    jkey_str(&w, "accountId", al->account);
    json_w_key(&w, STR("time"));
    jtime(&w, now);
    jkey_str(&w, "region", al->region);
    json_w_key(&w, STR("alarmData"));
    json_w_raw(&w, data);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* Records the outcome of one action. AWS's summaries: "Successfully executed
 * action ARN" / "Failed to execute action ARN. Received error: "…"" (the
 * HistoryData members are as AWS writes them for SNS; the rest is ours). */
static void action_done(struct app *app, arena_t *a, const alarm_t *al, str_t arn, const char *err, str_t published,
                        int64_t now)
{
    sqlite3 *db = cw__db(app);
    if (!db) return;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    jkey_str(&w, "actionState", str_c(err ? "Failed" : "Succeeded"));
    json_w_key(&w, STR("stateUpdateTimestamp"));
    json_w_int(&w, now);
    if (err) {
        jkey_str(&w, "error", str_c(err));
    } else {
        jkey_str(&w, "notificationResource", arn);
        if (published.p) jkey_str(&w, "publishedMessage", published);
    }
    json_w_obj_end(&w);
    str_t summary =
        str_c(err ? arena_printf(a, "Failed to execute action %.*s. Received error: \"%s\"", STR_FMT(arn), err)
                  : arena_printf(a, "Successfully executed action %.*s", STR_FMT(arn)));
    if (cwa__history(db, al->account, al->region, al->name, al->composite, "Action", now, summary, buf_str(&b)) !=
        GR_OK)
        log_error("cloudwatch: alarm %.*s: recording an action failed", STR_FMT(al->name));
}

const char *cwa__suppressed_by(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, const val_t *config,
                               int64_t now)
{
    str_t sup = val_get_str(config, "ActionsSuppressor");
    if (!sup.p) return NULL;
    bool waiting = false;
    sqlite3_stmt *st = store_stmt(db, "SELECT pending_ms FROM alarm WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return NULL;
    cwa__bind_key(st, account, region, name);
    if (sqlite3_step(st) == SQLITE_ROW) waiting = sqlite3_column_int64(st, 0) > now;
    store_release(st);
    str_t pre = cwa__arn(a, account, region, STR(""));
    if (str_starts_with(sup, pre)) sup = str_sub(sup, pre.len, sup.len - pre.len);
    st = store_stmt(db, "SELECT state, transitioned_ms, (SELECT summary FROM alarm_history h WHERE "
                        "h.account = ?1 AND h.region = ?2 AND h.name = ?3 AND h.type = 'StateUpdate' "
                        "ORDER BY ts_ms DESC, id DESC LIMIT 1) FROM alarm WHERE account = ?1 AND "
                        "region = ?2 AND name = ?3");
    if (!st) return NULL;
    cwa__bind_key(st, account, region, sup);
    const char *by = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        str_t state = store_col_str(a, st, 0), last = store_col_str(a, st, 2);
        int64_t since = sqlite3_column_int64(st, 1);
        int64_t ext = (int64_t)cwa__num(config, "ActionsSuppressorExtensionPeriod", 60) * 1000;
        if (str_eq_c(state, "ALARM"))
            by = "Alarm";
        else if (waiting)
            by = "WaitPeriod";
        else if (now - since < ext && str_starts_with(last, STR("Alarm updated from ALARM to ")))
            by = "ExtensionPeriod";
    }
    store_release(st);
    return by;
}

/* Holds a composite alarm's actions for ActionsSuppressorWaitPeriod: the
 * transition they belong to, for the tick to act on (wait_done). */
static void wait_for_suppressor(sqlite3 *db, arena_t *a, const alarm_t *al, const char *state, str_t reason,
                                str_t reason_data, int64_t now, int64_t until)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    jkey_str(&w, "state", str_c(state));
    jkey_str(&w, "reason", reason);
    jkey_str(&w, "reasonData", reason_data);
    json_w_key(&w, STR("at"));
    json_w_int(&w, now);
    jkey_str(&w, "oldState", al->state);
    jkey_str(&w, "oldReason", al->reason);
    jkey_str(&w, "oldReasonData", al->reason_data);
    json_w_key(&w, STR("oldStateMs"));
    json_w_int(&w, al->state_ms);
    json_w_obj_end(&w);
    sqlite3_stmt *st = store_stmt(db, "UPDATE alarm SET pending = ?4, pending_ms = ?5 WHERE account = ?1 AND "
                                      "region = ?2 AND name = ?3 AND state = ?6");
    if (!st) return;
    cwa__bind_key(st, al->account, al->region, al->name);
    store_bind_str(st, 4, buf_str(&b));
    sqlite3_bind_int64(st, 5, until);
    sqlite3_bind_text(st, 6, state, -1, SQLITE_STATIC);
    sqlite3_step(st);
    store_release(st);
}

/* An Auto Scaling policy executed for the alarm: with the newest data
 * point and the threshold of the alarm's StateReasonData (a step scaling
 * policy picks its step by them). */
static void scaling_action(struct app *app, arena_t *a, const alarm_t *al, str_t arn, str_t reason_data, int64_t now)
{
    json_t *d = reason_data.len ? json_parse(a, reason_data, NULL) : NULL;
    const json_t *pts = d ? json_get(d, "recentDatapoints") : NULL, *thr = d ? json_get(d, "threshold") : NULL;
    double value = 0, threshold = cwa__num(al->config, "Threshold", 0);
    if (thr && thr->type == JSON_INT) threshold = (double)thr->u.i;
    if (thr && thr->type == JSON_DOUBLE) threshold = thr->u.d;
    if (pts && pts->type == JSON_ARRAY && pts->u.arr.n) {
        const json_t *last = pts->u.arr.v[pts->u.arr.n - 1];
        value = last->type == JSON_INT ? (double)last->u.i : last->type == JSON_DOUBLE ? last->u.d : 0;
    }
    const char *err = NULL;
    if (asg_execute_alarm_policy(app, a, al->account, al->region, arn, al->name, value, threshold, &err) != GR_OK &&
        !err)
        err = "Internal error executing the policy";
    action_done(app, a, al, arn, err, STR_NULL, now);
}

/* AWS (CloudWatch User Guide, "Alarm actions"): an alarm invokes its
 * actions when its state changes, except Auto Scaling actions, which it
 * invokes again at every evaluation while it stays in the state. */
static void repeat_scaling(struct app *app, arena_t *a, const alarm_t *al, str_t reason_data, int64_t now)
{
    const char *key = str_eq_c(al->state, "ALARM") ? "AlarmActions"
                      : str_eq_c(al->state, "OK")  ? "OKActions"
                                                   : "InsufficientDataActions";
    const val_t *l = val_get(al->config, key);
    for (size_t i = 0; al->actions_enabled && i < val_len(l); i++)
        if (str_starts_with(l->u.list.v[i]->u.s, STR("arn:aws:autoscaling:")))
            scaling_action(app, a, al, l->u.list.v[i]->u.s, reason_data, now);
}

static void run_actions(struct app *app, arena_t *a, const alarm_t *al, const char *state, str_t reason,
                        str_t reason_data, int64_t now, bool waited)
{
    /* AWS (PutCompositeAlarm, ActionsSuppressor): no actions while the
     * suppressor is in ALARM, nor for ActionsSuppressorExtensionPeriod
     * seconds after it left ALARM; and first, for up to
     * ActionsSuppressorWaitPeriod seconds (default 60), the composite alarm
     * waits for the suppressor to go into ALARM. */
    const char *key = strcmp(state, "ALARM") == 0 ? "AlarmActions"
                      : strcmp(state, "OK") == 0  ? "OKActions"
                                                  : "InsufficientDataActions";
    const val_t *l = val_get(al->config, key);
    if (!l || l->kind != VAL_LIST || !l->u.list.n) return;
    sqlite3 *db = cw__db(app);
    if (al->composite && db && val_get(al->config, "ActionsSuppressor")) {
        int64_t t = cw__now_ms();
        if (cwa__suppressed_by(db, a, al->account, al->region, al->name, al->config, t)) return;
        int64_t wait = (int64_t)cwa__num(al->config, "ActionsSuppressorWaitPeriod", 60) * 1000;
        if (!waited && wait > 0) {
            wait_for_suppressor(db, a, al, state, reason, reason_data, now, t + wait);
            return;
        }
    }
    str_t message = STR_NULL, event = STR_NULL;
    for (size_t i = 0; i < l->u.list.n; i++) {
        str_t arn = l->u.list.v[i]->u.s;
        const char *err = NULL;
        if (str_starts_with(arn, STR("arn:aws:sns:"))) {
            if (!message.p) message = notification(a, al, state, reason, now);
            /* AWS: the subject is `ALARM: "name" in US East (N. Virginia)`, cut to SNS's 100 characters. */
            const char *rd = region_display(al->region);
            char *subject = arena_printf(a, "%s: \"%.*s\" in %s", state, STR_FMT(al->name),
                                         rd ? rd : arena_strndup(a, al->region.p, al->region.len));
            if (strlen(subject) > 100) subject[100] = 0;
            str_t mid;
            if (sns_publish_internal(app, a, arn, str_c(subject), message, NULL, STR_NULL, STR_NULL, &mid, &err) !=
                    GR_OK &&
                !err)
                err = "Internal error publishing to the topic";
            action_done(app, a, al, arn, err, message, now);
        } else if (str_starts_with(arn, STR("arn:aws:lambda:"))) {
            if (!event.p) event = lambda_event(a, al, alarm_data(a, al, state, reason, reason_data, now), now);
            /* AWS: the function's resource policy must allow this principal, with the alarm as source. */
            if (lambda_invoke_event(app, a, arn, event, STR("lambda.alarms.cloudwatch.amazonaws.com"), al->arn, &err) !=
                    GR_OK &&
                !err)
                err = "Internal error invoking the function";
            action_done(app, a, al, arn, err, STR_NULL, now);
        } else if (str_starts_with(arn, STR("arn:aws:autoscaling:"))) {
            scaling_action(app, a, al, arn, reason_data, now);
        } else {
            /* EC2 (arn:aws:automate / swf), Systems
             * Manager OpsItems and incidents: gureum serves none of these, so
             * the action fails as AWS's would for a resource that is not there. */
            action_done(app, a, al, arn, "gureum has no service to carry out this action", STR_NULL, now);
        }
    }
}

/* ==== Transitions ==== */

static str_t state_json(arena_t *a, str_t value, str_t reason, str_t reason_data)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    jkey_str(&w, "stateValue", value);
    jkey_str(&w, "stateReason", reason);
    if (reason_data.len) {
        json_t *j = json_parse(a, reason_data, NULL);
        json_w_key(&w, STR("stateReasonData"));
        if (j)
            json_w_value(&w, j);
        else
            json_w_str(&w, reason_data);
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

int cwa__transition(struct app *app, arena_t *a, str_t account, str_t region, str_t name, const char *state,
                    str_t reason, str_t reason_data, int depth)
{
    sqlite3 *db = cw__db(app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    alarm_t al;
    if (!load(db, a, account, region, name, &al) || str_eq_c(al.state, state)) {
        cw__end(db, false);
        return GR_OK;
    }
    int64_t now = cw__now_ms();
    sqlite3_stmt *st = store_stmt(
        db, "UPDATE alarm SET state = ?4, reason = ?5, reason_data = ?6, state_ms = ?7, "
            "transitioned_ms = ?7, pending = NULL, pending_ms = 0 WHERE account = ?1 AND region = ?2 AND name = ?3");
    bool ok = st != NULL;
    if (ok) {
        cwa__bind_key(st, account, region, name);
        sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
        store_bind_str(st, 5, reason);
        if (reason_data.len)
            store_bind_str(st, 6, reason_data);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_int64(st, 7, now);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (ok) {
        /* AWS: HistorySummary "Alarm updated from OK to ALARM"; HistoryData
         * {"version":"1.0","oldState":{…},"newState":{…}}. */
        buf_t b;
        buf_init(&b, a);
        buf_puts(&b, "{\"version\":\"1.0\",\"oldState\":");
        buf_put_str(&b, state_json(a, al.state, al.reason, al.reason_data));
        buf_puts(&b, ",\"newState\":");
        buf_put_str(&b, state_json(a, str_c(state), reason, reason_data));
        buf_putc(&b, '}');
        str_t summary = str_c(arena_printf(a, "Alarm updated from %.*s to %s", STR_FMT(al.state), state));
        ok = cwa__history(db, account, region, name, al.composite, "StateUpdate", now, summary, buf_str(&b)) == GR_OK;
    }
    if (cw__end(db, ok) != GR_OK) return GR_ERR;

    if (al.actions_enabled) run_actions(app, a, &al, state, reason, reason_data, now, false);
    /* AWS: every state change is an event on the default bus, actions enabled or not. */
    json_t *detail = json_parse(a, alarm_data(a, &al, state, reason, reason_data, now), NULL);
    if (detail)
        events_put_service_event(app, a, account, region, STR("aws.cloudwatch"), STR("CloudWatch Alarm State Change"),
                                 &al.arn, 1, detail);

    if (depth >= 10) return GR_OK;
    st = store_stmt(db, "SELECT parent FROM alarm_child WHERE account = ?1 AND region = ?2 AND child = ?3");
    if (!st) return GR_ERR;
    cwa__bind_key(st, account, region, name);
    str_t parents[64];
    size_t np = 0;
    while (np < 64 && sqlite3_step(st) == SQLITE_ROW) parents[np++] = store_col_str(a, st, 0);
    store_release(st);
    for (size_t i = 0; i < np; i++) cwa__eval_composite(app, a, account, region, parents[i], depth + 1);
    return GR_OK;
}

/* ==== Composite alarms ==== */

typedef struct {
    str_t name, arn, state;
    int64_t ts;
} child_t;

typedef struct {
    child_t *c;
    size_t n;
} children_t;

static const char *child_state(str_t name, void *ctx)
{
    children_t *k = ctx;
    for (size_t i = 0; i < k->n; i++)
        if (str_eq(k->c[i].name, name)) return k->c[i].state.p;
    return NULL;
}

/* "Saturday 28 November, 2026 12:00:00 UTC", as AWS dates a composite
 * alarm's reason. */
static void fmt_long_date(char *out, size_t n, int64_t ms)
{
    static const char *days[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};
    static const char *months[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
    struct tm tm;
    int64_t s = ms / 1000;
    time_split(s, &tm);
    int64_t d = s / 86400;
    snprintf(out, n, "%s %d %s, %04d %02d:%02d:%02d UTC", days[((d % 7) + 7) % 7], tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int cwa__eval_composite(struct app *app, arena_t *a, str_t account, str_t region, str_t name, int depth)
{
    sqlite3 *db = cw__db(app);
    if (!db) return GR_ERR;
    alarm_t al;
    if (!load(db, a, account, region, name, &al) || !al.composite) return GR_OK;
    str_t *names;
    size_t nn;
    const char *err;
    cwa_rule_t *rule = cwa__rule_parse(a, val_get_str(al.config, "AlarmRule"), account, region, &names, &nn, &err);
    if (!rule) return GR_OK;
    children_t k = {ARENA_NEWN(a, child_t, nn + 1), 0};
    sqlite3_stmt *st = store_stmt(db, "SELECT state, transitioned_ms FROM alarm WHERE account = ?1 AND region = ?2 "
                                      "AND name = ?3");
    if (!st) return GR_ERR;
    for (size_t i = 0; i < nn; i++) {
        sqlite3_reset(st);
        cwa__bind_key(st, account, region, names[i]);
        if (sqlite3_step(st) != SQLITE_ROW) continue;
        child_t *c = &k.c[k.n++];
        c->name = names[i];
        c->arn = cwa__arn(a, account, region, names[i]);
        c->state = store_col_str(a, st, 0);
        c->ts = sqlite3_column_int64(st, 1);
    }
    store_release(st);
    const char *state = cwa__rule_eval(rule, child_state, &k) ? "ALARM" : "OK";
    if (str_eq_c(al.state, state)) return GR_OK;
    /* AWS: the reason names the child whose transition triggered the
     * change, "ARN transitioned to ALARM at <date>"; the data lists the
     * triggering alarms with their states. */
    const child_t *last = NULL;
    for (size_t i = 0; i < k.n; i++)
        if (!last || k.c[i].ts > last->ts) last = &k.c[i];
    str_t reason;
    if (last) {
        char date[64];
        fmt_long_date(date, sizeof date, last->ts);
        reason =
            str_c(arena_printf(a, "%.*s transitioned to %.*s at %s", STR_FMT(last->arn), STR_FMT(last->state), date));
    } else {
        reason = STR("The alarm rule holds without any child alarm");
    }
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("triggeringAlarms"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < k.n; i++) {
        json_w_obj_begin(&w);
        jkey_str(&w, "arn", k.c[i].arn);
        json_w_key(&w, STR("state"));
        json_w_obj_begin(&w);
        jkey_str(&w, "value", k.c[i].state);
        json_w_key(&w, STR("timestamp"));
        jtime(&w, k.c[i].ts);
        json_w_obj_end(&w);
        json_w_obj_end(&w);
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    return cwa__transition(app, a, account, region, name, state, reason, buf_str(&b), depth);
}

/* ==== Metric alarms ==== */

/* How often a metric alarm is evaluated. AWS: every minute, or every period
 * for high-resolution alarms (10 s, 20 s, 30 s). GUREUM_TESTING builds may make it
 * shorter with GUREUM_CLOUDWATCH_ALARM_EVAL_MS, so e2e tests need not wait
 * for the minute. */
static int64_t eval_every_ms(int64_t period_ms)
{
    static _Atomic int64_t unit;
    int64_t every = time_test_unit_ms(&unit, "GUREUM_CLOUDWATCH_ALARM_EVAL_MS", 60000);
    return period_ms < every ? period_ms : every;
}

static const char *op_text(str_t op)
{
    if (str_eq_c(op, "GreaterThanOrEqualToThreshold")) return "greater than or equal to";
    if (str_eq_c(op, "GreaterThanThreshold")) return "greater than";
    if (str_eq_c(op, "LessThanThreshold")) return "less than";
    if (str_eq_c(op, "LessThanOrEqualToThreshold")) return "less than or equal to";
    return NULL;
}

static bool breaches(str_t op, double v, double t)
{
    if (str_eq_c(op, "GreaterThanOrEqualToThreshold")) return v >= t;
    if (str_eq_c(op, "GreaterThanThreshold")) return v > t;
    if (str_eq_c(op, "LessThanThreshold")) return v < t;
    return v <= t;
}

typedef struct {
    int64_t ts;
    double v, samples;
    bool has;
} slot_t;

/* The data points of the alarm's metric, or of its metric math's ReturnData
 * expression, for the periods [start, end). GR_ERR when they cannot be read
 * (logged). */
static int read_points(struct app *app, arena_t *a, const alarm_t *al, int64_t start, int64_t end, int period_s,
                       cw_point_t **pts, size_t *n)
{
    const val_t *c = al->config;
    const char *err = NULL;
    const char *acc = arena_strndup(a, al->account.p, al->account.len);
    const char *reg = arena_strndup(a, al->region.p, al->region.len);
    const val_t *metrics = val_get(c, "Metrics");
    if (metrics) {
        cw_series_t *s;
        size_t ns;
        if (cw_metric_data(app, a, acc, reg, metrics, start, end, &s, &ns, &err) != GR_OK) goto failed;
        for (size_t i = 0; i < ns; i++) {
            if (!s[i].return_data) continue;
            *pts = ARENA_NEWN(a, cw_point_t, s[i].n + 1);
            *n = s[i].n;
            for (size_t j = 0; j < s[i].n; j++) /* the series is newest first */
                (*pts)[s[i].n - 1 - j] = (cw_point_t){s[i].ts_ms[j], s[i].values[j], 0};
            return GR_OK;
        }
        *n = 0;
        return GR_OK;
    }
    const val_t *d = val_get(c, "Dimensions");
    size_t nd = d && d->kind == VAL_LIST ? d->u.list.n : 0;
    cw_dim_t *dims = ARENA_NEWN(a, cw_dim_t, nd + 1);
    for (size_t i = 0; i < nd; i++) {
        str_t k = val_get_str(d->u.list.v[i], "Name"), v = val_get_str(d->u.list.v[i], "Value");
        dims[i] = (cw_dim_t){arena_strndup(a, k.p, k.len), arena_strndup(a, v.p, v.len)};
    }
    str_t stat = val_get_str(c, "Statistic");
    if (!stat.p) stat = val_get_str(c, "ExtendedStatistic");
    str_t ns = val_get_str(c, "Namespace"), mn = val_get_str(c, "MetricName"), unit = val_get_str(c, "Unit");
    if (cw_metric_stats(app, a, acc, reg, arena_strndup(a, ns.p, ns.len), arena_strndup(a, mn.p, mn.len), dims, nd,
                        unit.p ? arena_strndup(a, unit.p, unit.len) : NULL, start, end, period_s,
                        arena_strndup(a, stat.p, stat.len), pts, n, &err) == GR_OK)
        return GR_OK;
failed:
    log_warn("cloudwatch: alarm %.*s: reading its data failed: %s", STR_FMT(al->name), err ? err : "store error");
    return GR_ERR;
}

/* The period of a metric math alarm: its ReturnData query's. */
static int math_period(const val_t *metrics)
{
    int p = 0;
    for (size_t i = 0; i < val_len(metrics); i++) {
        const val_t *q = metrics->u.list.v[i];
        int qp = (int)cwa__num(q, "Period", 0);
        const val_t *ms = val_get(q, "MetricStat");
        if (!qp && ms) qp = (int)cwa__num(ms, "Period", 0);
        if (qp && (!p || val_get_bool(q, "ReturnData", true))) p = qp;
    }
    return p ? p : 60;
}

static void put_point(buf_t *b, const slot_t *s)
{
    struct tm tm;
    cwa__put_num(b, s->v);
    time_split(s->ts / 1000, &tm);
    buf_printf(b, " (%02d/%02d/%02d %02d:%02d:%02d)", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100, tm.tm_hour,
               tm.tm_min, tm.tm_sec);
}

/* Evaluates one metric alarm at now (AWS CloudWatch User Guide, "Evaluating
 * an alarm" and "Configuring how CloudWatch alarms treat missing data"). */
static void eval_metric(struct app *app, arena_t *a, alarm_t *al, int64_t now)
{
    const val_t *c = al->config;
    const val_t *metrics = val_get(c, "Metrics");
    int period_s = metrics ? math_period(metrics) : (int)cwa__num(c, "Period", 60);
    if (period_s <= 0) period_s = 60;
    int64_t p = period_s * 1000LL;
    int n = (int)cwa__num(c, "EvaluationPeriods", 1);
    if (n < 1) n = 1;
    int m = (int)cwa__num(c, "DatapointsToAlarm", n);
    if (m < 1 || m > n) m = n;
    double thr = cwa__num(c, "Threshold", 0);
    str_t op = val_get_str(c, "ComparisonOperator");
    if (!op_text(op)) return; /* anomaly detection: refused by PutMetricAlarm */
    str_t tmd = val_get_str(c, "TreatMissingData");
    if (!tmd.p) tmd = STR("missing");

    int64_t cur = now / p * p;
    cw_point_t *pts = NULL;
    size_t np = 0;
    if (read_points(app, a, al, cur - n * p, cur + p, period_s, &pts, &np) != GR_OK) return;
    /* n + 1 periods up to the one in progress: when that one has no data yet,
     * the alarm looks at the n complete ones before it, so a period that has
     * just begun does not count as missing. */
    slot_t *s = ARENA_NEWN(a, slot_t, n + 1);
    for (int i = 0; i <= n; i++) s[i].ts = cur - (n - i) * p;
    for (size_t j = 0; j < np; j++) {
        int64_t i = (pts[j].ts_ms - (cur - n * p)) / p;
        if (i < 0 || i > n || !isfinite(pts[j].value)) continue;
        s[i].v = pts[j].value;
        s[i].samples = pts[j].samples;
        s[i].has = true;
    }
    slot_t *w = s[n].has ? s + 1 : s; /* the n evaluated periods, oldest first */

    /* AWS: EvaluateLowSampleCountPercentile "ignore" keeps the state while a
     * percentile rests on fewer than 10/(1-percentile) samples. */
    str_t ext = val_get_str(c, "ExtendedStatistic");
    if (ext.p && ext.len > 1 && ext.p[0] == 'p' &&
        str_eq_c(val_get_str(c, "EvaluateLowSampleCountPercentile"), "ignore")) {
        double q = strtod(arena_strndup(a, ext.p + 1, ext.len - 1), NULL) / 100;
        for (int i = 0; i < n; i++)
            if (w[i].has && q < 1 && w[i].samples < 10 / (1 - q)) return;
    }

    int present = 0, breach = 0;
    for (int i = 0; i < n; i++) {
        if (!w[i].has) continue;
        present++;
        breach += breaches(op, w[i].v, thr);
    }
    const char *state;
    buf_t r;
    buf_init(&r, a);
    if (!present) {
        /* AWS: "no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching]." */
        const char *as;
        if (str_eq_c(tmd, "ignore")) return;
        if (str_eq_c(tmd, "breaching")) {
            state = "ALARM";
            as = "Breaching";
            buf_puts(&r, "Threshold Crossed: ");
        } else if (str_eq_c(tmd, "notBreaching")) {
            state = "OK";
            as = "NonBreaching";
            buf_puts(&r, "Threshold Crossed: ");
        } else {
            state = "INSUFFICIENT_DATA";
            as = "Missing";
            buf_puts(&r, "Insufficient Data: ");
        }
        buf_printf(&r, "no datapoints were received for %d period%s and %d missing datapoint%s treated as [%s].", n,
                   n > 1 ? "s" : "", n, n > 1 ? "s were" : " was", as);
    } else {
        int missing = n - present;
        int counted = breach + (str_eq_c(tmd, "breaching") ? missing : 0);
        bool alarm = counted >= m;
        if (!alarm && (str_eq_c(tmd, "missing") || str_eq_c(tmd, "ignore"))) {
            /* AWS ("Avoiding premature transitions to alarm state"): ALARM
             * when the oldest present point is breaching, at least m periods
             * old, and every more recent point is breaching or missing. */
            int oldest = 0;
            while (!w[oldest].has) oldest++;
            alarm = oldest <= n - m && breach == present;
        }
        state = alarm ? "ALARM" : "OK";
        int shown = alarm ? breach : present - breach;
        buf_printf(&r, "Threshold Crossed: %d out of the last %d datapoints [", shown, n);
        bool first = true;
        for (int i = n - 1; i >= 0; i--) {
            if (!w[i].has || breaches(op, w[i].v, thr) != alarm) continue;
            if (!first) buf_puts(&r, ", ");
            first = false;
            put_point(&r, &w[i]);
        }
        buf_printf(&r, "] %s %s%s the threshold (", shown == 1 ? "was" : "were", alarm ? "" : "not ", op_text(op));
        cwa__put_num(&r, thr);
        buf_putc(&r, ')');
        /* Missing points counted by TreatMissingData: not on record, said in AWS's bracket style. */
        if (missing && (str_eq_c(tmd, "breaching") || str_eq_c(tmd, "notBreaching")))
            buf_printf(&r, " and %d missing datapoint%s treated as [%s]", missing, missing > 1 ? "s were" : " was",
                       str_eq_c(tmd, "breaching") ? "Breaching" : "NonBreaching");
        if (alarm)
            buf_printf(&r, " (minimum %d datapoint%s for OK -> ALARM transition).", m, m > 1 ? "s" : "");
        else
            buf_puts(&r, " (minimum 1 datapoint for ALARM -> OK transition).");
    }

    /* AWS's StateReasonData for a threshold alarm. */
    buf_t b;
    buf_init(&b, a);
    json_w_t jw;
    json_w_init(&jw, &b);
    json_w_obj_begin(&jw);
    jkey_str(&jw, "version", STR("1.0"));
    json_w_key(&jw, STR("queryDate"));
    jtime(&jw, now);
    json_w_key(&jw, STR("startDate"));
    jtime(&jw, w[0].ts);
    if (!metrics) {
        str_t stat = val_get_str(c, "Statistic");
        jkey_str(&jw, "statistic", stat.p ? stat : ext);
    }
    str_t unit = val_get_str(c, "Unit");
    if (unit.p) jkey_str(&jw, "unit", unit);
    json_w_key(&jw, STR("period"));
    json_w_int(&jw, period_s);
    json_w_key(&jw, STR("recentDatapoints"));
    json_w_arr_begin(&jw);
    for (int i = 0; i < n; i++)
        if (w[i].has) jnum(&jw, a, w[i].v);
    json_w_arr_end(&jw);
    json_w_key(&jw, STR("threshold"));
    jnum(&jw, a, thr);
    json_w_key(&jw, STR("evaluatedDatapoints"));
    json_w_arr_begin(&jw);
    for (int i = n - 1; i >= 0; i--) {
        json_w_obj_begin(&jw);
        json_w_key(&jw, STR("timestamp"));
        jtime(&jw, w[i].ts);
        if (w[i].has) {
            if (!metrics) {
                json_w_key(&jw, STR("sampleCount"));
                jnum(&jw, a, w[i].samples);
            }
            json_w_key(&jw, STR("value"));
            jnum(&jw, a, w[i].v);
        }
        json_w_obj_end(&jw);
    }
    json_w_arr_end(&jw);
    json_w_obj_end(&jw);
    if (str_eq_c(al->state, state)) {
        repeat_scaling(app, a, al, buf_str(&b), now);
        return;
    }
    cwa__transition(app, a, al->account, al->region, al->name, state, buf_str(&r), buf_str(&b), 0);
}

/* ==== The tick ==== */

#define HISTORY_KEEP_MS (30LL * 86400 * 1000) /* AWS: "CloudWatch retains alarm history for 30 days" */
#define EVAL_BATCH 64                         /* the LIMIT below */

/* The composite alarms whose ActionsSuppressorWaitPeriod is over: their
 * held actions run now, unless the suppressor went into ALARM meanwhile or
 * the alarm has left the state they were for. */
static void wait_done(struct app *app, sqlite3 *db, arena_t *a, int64_t now)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, name, pending FROM alarm WHERE pending_ms > 0 AND "
                                      "pending_ms <= ?1 LIMIT 64");
    if (!st) return;
    sqlite3_bind_int64(st, 1, now);
    str_t due[EVAL_BATCH][4];
    size_t n = 0;
    while (n < EVAL_BATCH && sqlite3_step(st) == SQLITE_ROW) {
        for (int k = 0; k < 4; k++) due[n][k] = store_col_str(a, st, k);
        n++;
    }
    store_release(st);
    for (size_t i = 0; i < n; i++) {
        st = store_stmt(db, "UPDATE alarm SET pending = NULL, pending_ms = 0 WHERE account = ?1 AND region = ?2 AND "
                            "name = ?3");
        if (!st) return;
        cwa__bind_key(st, due[i][0], due[i][1], due[i][2]);
        sqlite3_step(st);
        store_release(st);
        alarm_t al;
        json_t *p = json_parse(a, due[i][3], NULL);
        if (!p || !load(db, a, due[i][0], due[i][1], due[i][2], &al) || !al.actions_enabled) continue;
        const json_t *state = json_get(p, "state"), *reason = json_get(p, "reason"), *rd = json_get(p, "reasonData");
        const json_t *at = json_get(p, "at"), *os = json_get(p, "oldState"), *orr = json_get(p, "oldReason");
        const json_t *ord = json_get(p, "oldReasonData"), *oms = json_get(p, "oldStateMs");
        if (!state || state->type != JSON_STRING || !str_eq(al.state, state->u.s)) continue;
        al.state = os && os->type == JSON_STRING ? os->u.s : STR_NULL;
        al.reason = orr && orr->type == JSON_STRING ? orr->u.s : STR_NULL;
        al.reason_data = ord && ord->type == JSON_STRING ? ord->u.s : STR_NULL;
        al.state_ms = oms && oms->type == JSON_INT ? oms->u.i : 0;
        run_actions(app, a, &al, state->u.s.p, reason && reason->type == JSON_STRING ? reason->u.s : STR_NULL,
                    rd && rd->type == JSON_STRING ? rd->u.s : STR_NULL, at && at->type == JSON_INT ? at->u.i : now,
                    true);
    }
}

unsigned cloudwatch_alarm_tick(struct app *app)
{
    sqlite3 *db = cw__db(app);
    if (!db) return 0;
    int64_t now = cw__now_ms();
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM alarm_history WHERE id IN (SELECT id FROM alarm_history WHERE "
                                      "ts_ms < ?1 LIMIT 1000)");
    if (st) {
        sqlite3_bind_int64(st, 1, now - HISTORY_KEEP_MS);
        sqlite3_step(st);
        store_release(st);
    }
    arena_t *a = arena_new(0);
    if (!a) return 0;
    wait_done(app, db, a, now);
    st = store_stmt(db, "SELECT account, region, name FROM alarm WHERE composite = 0 AND next_eval_ms <= ?1 "
                        "ORDER BY next_eval_ms LIMIT 64");
    str_t due[EVAL_BATCH][3];
    size_t n = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        while (n < EVAL_BATCH && sqlite3_step(st) == SQLITE_ROW) {
            for (int k = 0; k < 3; k++) due[n][k] = store_col_str(a, st, k);
            n++;
        }
        store_release(st);
    }
    for (size_t i = 0; i < n; i++) {
        alarm_t al;
        if (!load(db, a, due[i][0], due[i][1], due[i][2], &al)) continue;
        const val_t *metrics = val_get(al.config, "Metrics");
        int64_t p = (metrics ? math_period(metrics) : (int)cwa__num(al.config, "Period", 60)) * 1000LL;
        int64_t every = eval_every_ms(p > 0 ? p : 60000);
        st = store_stmt(db, "UPDATE alarm SET next_eval_ms = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3");
        if (st) {
            cwa__bind_key(st, al.account, al.region, al.name);
            sqlite3_bind_int64(st, 4, (now / every + 1) * every);
            sqlite3_step(st);
            store_release(st);
        }
        eval_metric(app, a, &al, now);
    }
    arena_free(a);
    return 0;
}
