/* query.c — GetMetricData and cw_metric_data: MetricDataQueries evaluated
 * into time series, then (GetMetricData only) ordered and paged.
 *
 * A MetricStat query is one metric's statistic per period (stats.c); an
 * Expression query is metric math over the other queries' results (math.c),
 * evaluated on demand with each query's result kept, so an expression may
 * name another expression and a cycle is refused. Metrics Insights
 * (SELECT … FROM …) is refused clearly: gureum does not implement it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudwatch_model.h"
#include "services/app.h"
#include "services/cloudwatch/cloudwatch.h"

/* AWS: GetMetricData's invalid queries are answered 400 ValidationError
 * (the model lists no error shape for them). */
#define E_VALID (&ERR_ValidationError)

/* AWS: "A GetMetricData operation ... can retrieve as many as 500 different
 * metrics in a single request, with a total of as many as 100,800 data
 * points"; MaxDatapoints defaults to 100,800. */
#define MAX_QUERIES 500
#define MAX_POINTS 100800

/* The evaluation state of one request. */
struct cw__eval {
    arena_t *a;
    sqlite3 *db;
    str_t account, region;
    const val_t *queries;
    size_t n;
    int64_t start, end, now;
    int *state;          /* per query: 0 not yet, 1 in progress, 2 done */
    cw__value_t *result; /* per query, as expressions see it */
    cw__value_t *out;    /* per query, as answered: a scalar spread over the range */
    const char *err;     /* the refusal's text (arena) */
};

/* The period of query i: MetricStat.Period, else the query's Period, else
 * the smallest period of the metrics it uses (AWS: "the period of the
 * expression is the period of the metrics it uses"); 60 if none. */
static int64_t query_period(cw__eval_t *e, size_t i, int depth);

static const val_t *query(cw__eval_t *e, size_t i)
{
    return e->queries->u.list.v[i];
}

long cw__query_index(cw__eval_t *e, str_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (str_eq(val_get_str(query(e, i), "Id"), id)) return (long)i;
    return -1;
}

static int64_t query_period(cw__eval_t *e, size_t i, int depth)
{
    const val_t *q = query(e, i), *ms = val_get(q, "MetricStat");
    if (ms) return val_get_int(ms, "Period", 60);
    int64_t p = val_get_int(q, "Period", 0);
    if (p > 0 || depth > 8) return p > 0 ? p : 60;
    /* the smallest period among the ids the expression names */
    str_t ex = val_get_str(q, "Expression");
    int64_t best = 0;
    for (size_t k = 0; k < e->n; k++) {
        if (k == i) continue;
        str_t id = val_get_str(query(e, k), "Id");
        for (size_t at = 0; id.len && at + id.len <= ex.len; at++) {
            if (memcmp(ex.p + at, id.p, id.len)) continue;
            bool left = at == 0 || !(isalnum((unsigned char)ex.p[at - 1]) || ex.p[at - 1] == '_');
            bool right =
                at + id.len == ex.len || !(isalnum((unsigned char)ex.p[at + id.len]) || ex.p[at + id.len] == '_');
            if (left && right) {
                int64_t kp = query_period(e, k, depth + 1);
                if (!best || kp < best) best = kp;
                break;
            }
        }
    }
    return best ? best : 60;
}

int64_t cw__eval_period(cw__eval_t *e, size_t i)
{
    return query_period(e, i, 0);
}

void cw__eval_range(cw__eval_t *e, int64_t *start, int64_t *end)
{
    *start = e->start;
    *end = e->end;
}

sqlite3 *cw__eval_scope(cw__eval_t *e, str_t *account, str_t *region, int64_t *now)
{
    *account = e->account;
    *region = e->region;
    *now = e->now;
    return e->db;
}

void cw__eval_refuse(cw__eval_t *e, const char *msg)
{
    e->err = msg;
}

arena_t *cw__eval_arena(cw__eval_t *e)
{
    return e->a;
}

/* MetricStat query i's series. */
static int metric_stat(cw__eval_t *e, size_t i, cw__value_t *out)
{
    const val_t *q = query(e, i), *ms = val_get(q, "MetricStat"), *m = val_get(ms, "Metric");
    const char *stat = arena_str(e->a, val_get_str(ms, "Stat")).p;
    cw__stat_t st;
    if (cw__stat_parse(stat, &st) != GR_OK) {
        e->err = arena_printf(e->a,
                              "The value %s for parameter MetricDataQueries.member.%zu.MetricStat.Stat is not "
                              "supported.",
                              stat, i + 1);
        return GR_ERR;
    }
    int64_t period = val_get_int(ms, "Period", 60);
    if (!cw__period_ok(period)) {
        e->err = arena_printf(e->a,
                              "The parameter MetricDataQueries.member.%zu.MetricStat.Period must be 1, 5, 10, "
                              "30, or a multiple of 60.",
                              i + 1);
        return GR_ERR;
    }
    const val_t *dl = val_get(m, "Dimensions");
    cw__metric_t mt = {
        e->account, e->region, val_get_str(m, "Namespace"), val_get_str(m, "MetricName"), cw__dims_of(e->a, dl),
        val_len(dl)};
    int64_t start = cw__round_start(e->start, period, e->now);
    *out = (cw__value_t){.kind = CW_V_SERIES, .n = 1};
    out->s = ARENA_NEWN(e->a, cw__series_t, 1);
    str_t label = val_get_str(q, "Label");
    out->s->label = label.p ? label : mt.name;
    if (!cw__period_allowed(start, period, e->now)) return GR_OK;
    cw__period_t *p;
    size_t np;
    if (cw__fetch(e->db, e->a, &mt, val_get_str(ms, "Unit"), start, e->end, period * 1000, false, &p, &np) != GR_OK)
        return GR_ERR;
    out->s->ts = ARENA_NEWN(e->a, int64_t, np + 1);
    out->s->v = ARENA_NEWN(e->a, double, np + 1);
    for (size_t k = 0; k < np; k++) {
        double v;
        if (!cw__stat(&p[k], &st, &v)) continue;
        out->s->ts[out->s->n] = p[k].ts_ms;
        out->s->v[out->s->n++] = v;
    }
    return GR_OK;
}

int cw__eval_query(cw__eval_t *e, size_t i, cw__value_t **out)
{
    if (e->state[i] == 2) {
        *out = &e->result[i];
        return GR_OK;
    }
    if (e->state[i] == 1) {
        e->err =
            arena_printf(e->a, "Circular dependency detected on metric: %.*s", STR_FMT(val_get_str(query(e, i), "Id")));
        return GR_ERR;
    }
    e->state[i] = 1;
    const val_t *q = query(e, i);
    int rc;
    if (val_get(q, "MetricStat"))
        rc = metric_stat(e, i, &e->result[i]);
    else
        rc = cw__math(e, i, val_get_str(q, "Expression"), &e->result[i]);
    if (rc != GR_OK) return GR_ERR;
    e->state[i] = 2;
    *out = &e->result[i];
    return GR_OK;
}

bool cw__query_is_metric(cw__eval_t *e, size_t i)
{
    return val_get(query(e, i), "MetricStat") != NULL;
}

str_t cw__query_id(cw__eval_t *e, size_t i)
{
    return val_get_str(query(e, i), "Id");
}

size_t cw__query_count(cw__eval_t *e)
{
    return e->n;
}

/* Checks the queries as AWS does before evaluating any. */
static int check_queries(cw__eval_t *e)
{
    if (e->n > MAX_QUERIES) {
        e->err = "The collection MetricDataQueries must not have a size greater than 500.";
        return GR_ERR;
    }
    for (size_t i = 0; i < e->n; i++) {
        const val_t *q = query(e, i);
        str_t id = val_get_str(q, "Id");
        /* AWS: "The first character must be a lowercase letter" and the Id
         * "can include only numbers, letters, or underscore". */
        bool ok = id.len && islower((unsigned char)id.p[0]);
        for (size_t k = 0; ok && k < id.len; k++) ok = isalnum((unsigned char)id.p[k]) || id.p[k] == '_';
        if (!ok) {
            e->err = arena_printf(e->a,
                                  "Invalid metric identifier: %.*s. The identifier must start with a lowercase "
                                  "letter and may only contain letters, numbers and underscores.",
                                  STR_FMT(id));
            return GR_ERR;
        }
        for (size_t k = 0; k < i; k++)
            if (str_eq(id, val_get_str(query(e, k), "Id"))) {
                e->err = arena_printf(e->a, "The value %.*s for field Id must be unique.", STR_FMT(id));
                return GR_ERR;
            }
        bool has_stat = val_get(q, "MetricStat") != NULL, has_expr = val_get_str(q, "Expression").p != NULL;
        /* AWS: "Within one MetricDataQuery object, you must specify either
         * Expression or MetricStat but not both." Neither: AWS's text as
         * moto records it, its trailing line break included (AWS ends each
         * of its joined validation messages with one). Both: not on record. */
        if (!has_stat && !has_expr) {
            e->err = arena_printf(e->a, "The parameter MetricDataQueries.member.%zu.MetricStat is required.\n", i + 1);
            return GR_ERR;
        }
        if (has_stat && has_expr) {
            e->err = arena_printf(e->a,
                                  "Exactly one element of the Expression and MetricStat fields must be set for "
                                  "metric %.*s.",
                                  STR_FMT(id));
            return GR_ERR;
        }
        int64_t period = cw__eval_period(e, i);
        int64_t start = cw__round_start(e->start, period, e->now);
        if ((e->end - start) / (period * 1000) > MAX_POINTS) {
            e->err =
                arena_printf(e->a, "The query %.*s would return more than %d data points.", STR_FMT(id), MAX_POINTS);
            return GR_ERR;
        }
    }
    return GR_OK;
}

cw__eval_t *cw__eval_new(arena_t *a, sqlite3 *db, str_t account, str_t region, const val_t *queries, int64_t start,
                         int64_t end)
{
    cw__eval_t *e = ARENA_NEW(a, cw__eval_t);
    *e = (cw__eval_t){a, db, account, region, queries, val_len(queries), start, end, cw__now_ms()};
    e->state = ARENA_NEWN(a, int, e->n + 1);
    e->result = ARENA_NEWN(a, cw__value_t, e->n + 1);
    e->out = ARENA_NEWN(a, cw__value_t, e->n + 1);
    return e;
}

void cw__eval_seed(cw__eval_t *e, size_t i, const cw__value_t *v)
{
    e->result[i] = *v;
    e->state[i] = 2;
}

const cw__value_t *cw__eval_out(cw__eval_t *e, size_t i)
{
    return &e->out[i];
}

int cw__eval_all(cw__eval_t *e, const char **err)
{
    *err = NULL;
    if (check_queries(e) != GR_OK) {
        *err = e->err;
        return GR_ERR;
    }
    for (size_t i = 0; i < e->n; i++) {
        cw__value_t *v;
        if (cw__eval_query(e, i, &v) != GR_OK) {
            *err = e->err;
            return GR_ERR;
        }
        e->out[i] = *v;
        if (v->kind != CW_V_SCALAR) continue;
        /* a constant result: its value at every period of the range (an
         * expression that names it still sees the scalar) */
        int64_t period = cw__eval_period(e, i) * 1000, s = cw__round_start(e->start, period / 1000, e->now);
        cw__series_t *ser = ARENA_NEWN(e->a, cw__series_t, 1);
        size_t np = e->end > s ? (size_t)((e->end - s + period - 1) / period) : 0;
        ser->ts = ARENA_NEWN(e->a, int64_t, np + 1);
        ser->v = ARENA_NEWN(e->a, double, np + 1);
        for (int64_t t = s; t < e->end; t += period) {
            ser->ts[ser->n] = t;
            ser->v[ser->n++] = v->x;
        }
        e->out[i] = (cw__value_t){.kind = CW_V_SERIES, .s = ser, .n = 1};
    }
    return GR_OK;
}

/* The evaluation of every query; NULL with *err set when refused (or *err
 * NULL when the store failed). */
static cw__eval_t *evaluate(arena_t *a, sqlite3 *db, str_t account, str_t region, const val_t *queries, int64_t start,
                            int64_t end, const char **err)
{
    cw__eval_t *e = cw__eval_new(a, db, account, region, queries, start, end);
    return cw__eval_all(e, err) == GR_OK ? e : NULL;
}

/* A number in a dynamic label (AWS's format is not on record: the shortest
 * text that reads back as the value). */
static void put_num(buf_t *b, double v)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    buf_puts(b, tmp);
}

/* The value of one dynamic-label field of series s of query i, appended to
 * b; false when gureum does not know the field (it stays as written). AWS
 * ("Use dynamic labels"): ${AVG} ${MIN} ${MAX} ${SUM} ${FIRST} ${LAST}
 * ${DATAPOINT_COUNT} ${MIN_MAX_RANGE} ${FIRST_LAST_RANGE} over the series'
 * data points in the range, ${LABEL} the default label, ${PROP('…')} the
 * metric's AccountId, Region, Namespace, MetricName, Period, Stat or
 * Dim.NAME. The *_TIME fields are not implemented. */
static bool label_field(cw__eval_t *e, size_t i, const cw__series_t *s, str_t f, str_t dflt, buf_t *b)
{
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t k = 0; k < s->n; k++) {
        sum += s->v[k];
        mn = fmin(mn, s->v[k]);
        mx = fmax(mx, s->v[k]);
    }
    static const char *const stats[] = {"AVG",   "MIN",  "MAX",           "SUM",
                                        "FIRST", "LAST", "MIN_MAX_RANGE", "FIRST_LAST_RANGE"};
    for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++) {
        if (!str_eq_c(f, stats[k])) continue;
        if (!s->n) return true; /* no data: nothing to show */
        double v[] = {sum / (double)s->n, mn, mx, sum, s->v[0], s->v[s->n - 1], mx - mn, s->v[s->n - 1] - s->v[0]};
        put_num(b, v[k]);
        return true;
    }
    if (str_eq_c(f, "DATAPOINT_COUNT")) {
        buf_printf(b, "%zu", s->n);
        return true;
    }
    if (str_eq_c(f, "LABEL")) {
        buf_put_str(b, dflt);
        return true;
    }
    if (f.len < 9 || memcmp(f.p, "PROP(", 5) || f.p[f.len - 1] != ')') return false;
    str_t arg = str_sub(f, 5, f.len - 6);
    if (arg.len < 2 || (arg.p[0] != '\'' && arg.p[0] != '"') || arg.p[arg.len - 1] != arg.p[0]) return false;
    arg = str_sub(arg, 1, arg.len - 2);
    const val_t *ms = val_get(query(e, i), "MetricStat"), *m = val_get(ms, "Metric");
    if (str_eq_c(arg, "AccountId"))
        buf_put_str(b, e->account);
    else if (str_eq_c(arg, "Region"))
        buf_put_str(b, e->region);
    else if (str_eq_c(arg, "Namespace"))
        buf_put_str(b, val_get_str(m, "Namespace"));
    else if (str_eq_c(arg, "MetricName"))
        buf_put_str(b, val_get_str(m, "MetricName"));
    else if (str_eq_c(arg, "Stat"))
        buf_put_str(b, val_get_str(ms, "Stat"));
    else if (str_eq_c(arg, "Period"))
        buf_printf(b, "%lld", (long long)cw__eval_period(e, i));
    else if (arg.len > 4 && !memcmp(arg.p, "Dim.", 4)) {
        const val_t *dl = val_get(m, "Dimensions");
        for (size_t k = 0; k < val_len(dl); k++)
            if (str_eq(val_get_str(dl->u.list.v[k], "Name"), str_sub(arg, 4, arg.len - 4)))
                buf_put_str(b, val_get_str(dl->u.list.v[k], "Value"));
    } else
        return false;
    return true;
}

/* The label of a result of query i (AWS: the query's Label, with its
 * dynamic fields filled in; else a MetricStat's metric name and an
 * expression's Id; the series of an array keep their own labels). */
static str_t label_of(cw__eval_t *e, size_t i, const cw__series_t *s, size_t nseries)
{
    const val_t *q = query(e, i);
    str_t l = val_get_str(q, "Label");
    /* A Metrics Insights group keeps its label unless the query names one
     * (AWS: "the group value … if the query contains a GROUP BY clause"). */
    str_t ex = str_trim(val_get_str(q, "Expression"));
    bool insights = ex.len >= 6 && str_eq_nocase(str_n(ex.p, 6), str_c("SELECT"));
    if (s->label.p && (nseries > 1 || (insights && !l.p))) return s->label;
    str_t dflt = cw__query_is_metric(e, i) ? val_get_str(val_get(val_get(q, "MetricStat"), "Metric"), "MetricName")
                                           : val_get_str(q, "Id");
    if (!l.p) return dflt;
    buf_t b;
    buf_init(&b, e->a);
    for (size_t k = 0; k < l.len; k++) {
        const char *close =
            l.p[k] == '$' && k + 1 < l.len && l.p[k + 1] == '{' ? memchr(l.p + k + 2, '}', l.len - k - 2) : NULL;
        if (close) {
            str_t f = str_n(l.p + k + 2, (size_t)(close - (l.p + k + 2)));
            if (label_field(e, i, s, f, dflt, &b)) {
                k = (size_t)(close - l.p);
                continue;
            }
        }
        buf_putc(&b, l.p[k]);
    }
    return buf_str(&b);
}

/* ==== cw_metric_data (metrics.h) ==== */

int cw_metric_data(struct app *app, arena_t *a, const char *account, const char *region, const struct val *queries,
                   int64_t start_ms, int64_t end_ms, cw_series_t **out, size_t *n, const char **err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = cw__db(app);
    if (!db) {
        *err = NULL;
        return GR_ERR;
    }
    cw__eval_t *e = evaluate(a, db, str_c(account), str_c(region), queries, start_ms, end_ms, err);
    if (!e) return GR_ERR;
    size_t total = 0;
    for (size_t i = 0; i < e->n; i++) total += e->out[i].n;
    cw_series_t *o = ARENA_NEWN(a, cw_series_t, total + 1);
    for (size_t i = 0; i < e->n; i++)
        for (size_t k = 0; k < e->out[i].n; k++) {
            const cw__series_t *s = &e->out[i].s[k];
            cw_series_t *d = &o[(*n)++];
            d->id = arena_str(a, val_get_str(query(e, i), "Id")).p;
            d->label = arena_str(a, label_of(e, i, s, e->out[i].n)).p;
            d->return_data = val_get_bool(query(e, i), "ReturnData", true);
            d->status = "Complete";
            d->n = s->n;
            d->ts_ms = ARENA_NEWN(a, int64_t, s->n + 1);
            d->values = ARENA_NEWN(a, double, s->n + 1);
            for (size_t j = 0; j < s->n; j++) { /* newest first */
                d->ts_ms[j] = s->ts[s->n - 1 - j];
                d->values[j] = s->v[s->n - 1 - j];
            }
        }
    *out = o;
    return GR_OK;
}

/* ==== GetMetricData ==== */

int cloudwatch_get_metric_data(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t start = val_get(in, "StartTime")->u.t / 1000, end = val_get(in, "EndTime")->u.t / 1000;
    /* AWS (moto keeps the same texts) */
    if (start > end) return req_fail(r, E_VALID, "The parameter EndTime must be greater than StartTime.");
    if (start == end) return req_fail(r, E_VALID, "The parameter StartTime must not equal parameter EndTime.");
    long long off = 0;
    str_t tok = val_get_str(in, "NextToken");
    if (tok.p && (!str_to_i64(tok, &off) || off < 0))
        return req_fail(r, &CLOUDWATCH_ERR_InvalidNextToken, "The service returned an invalid NextToken.");
    int64_t max = val_get_int(in, "MaxDatapoints", MAX_POINTS);
    if (max < 1) max = MAX_POINTS;
    bool asc = str_eq_c(val_get_str(in, "ScanBy"), "TimestampAscending");

    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    const char *err;
    cw__eval_t *e = evaluate(a, db, r->who.account, r->region, val_get(in, "MetricDataQueries"), start, end, &err);
    if (!e) return err ? req_fail(r, E_VALID, "%s", err) : GR_ERR;

    /* Every returned series' points in query order form one sequence; a
     * page is max of them from offset off (the token). */
    val_t *results = val_new(a, VAL_LIST);
    int64_t seen = 0, listed = 0;
    bool more = false;
    for (size_t i = 0; i < e->n; i++) {
        if (!val_get_bool(query(e, i), "ReturnData", true)) continue;
        for (size_t k = 0; k < e->out[i].n && !more; k++) {
            const cw__series_t *s = &e->out[i].s[k];
            /* listed whole on an earlier page */
            if (off > 0 && seen + (int64_t)s->n <= off) {
                seen += (int64_t)s->n;
                continue;
            }
            val_t *res = val_new(a, VAL_STRUCT), *ts = val_new(a, VAL_LIST), *vs = val_new(a, VAL_LIST);
            val_set_c(a, res, "Id", val_str(a, val_get_str(query(e, i), "Id")));
            val_set_c(a, res, "Label", val_str(a, label_of(e, i, s, e->out[i].n)));
            for (size_t j = 0; j < s->n; j++, seen++) {
                if (seen < off) continue;
                if (listed == max) {
                    more = true;
                    break;
                }
                size_t at = asc ? j : s->n - 1 - j;
                val_push(a, ts, val_time(a, s->ts[at] * 1000));
                val_push(a, vs, val_float(a, s->v[at]));
                listed++;
            }
            val_set_c(a, res, "Timestamps", ts);
            val_set_c(a, res, "Values", vs);
            /* AWS: "PartialData means that an incomplete set of data points
             * were returned. You can use the NextToken value ... to return
             * more data points." */
            val_set_c(a, res, "StatusCode", val_cstr(a, more ? "PartialData" : "Complete"));
            val_set_c(a, res, "Messages", val_new(a, VAL_LIST));
            val_push(a, results, res);
        }
        if (more) break;
    }
    val_set_c(a, out, "MetricDataResults", results);
    val_set_c(a, out, "Messages", val_new(a, VAL_LIST));
    if (more) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + listed)));
    return GR_OK;
}
