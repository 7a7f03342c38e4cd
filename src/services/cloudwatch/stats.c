/* stats.c — statistics of stored data points: one metric's buckets gathered
 * into periods (cw__fetch), the statistics AWS computes from a period
 * (cw__stat: SampleCount … Maximum and the extended ones: pNN, tm, wm, tc,
 * ts, PR), GetMetricStatistics, and cw_metric_stats for alarms.
 *
 * A period keeps the exact SampleCount/Sum/Minimum/Maximum and the merged
 * (value, count) pairs of its buckets. Percentile-like statistics need those
 * values for every sample (AWS: "CloudWatch needs raw data points to
 * calculate percentiles"); a period with statistic sets that cannot be
 * expanded, or with a negative value, has none, as on AWS. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudwatch_model.h"
#include "core/gtime.h"
#include "services/app.h"
#include "services/cloudwatch/cloudwatch.h"

#define E_VALUE (&CLOUDWATCH_ERR_InvalidParameterValueException)
#define E_COMBO (&CLOUDWATCH_ERR_InvalidParameterCombinationException)

/* ==== Gathering periods ==== */

int cw__fetch(sqlite3 *db, arena_t *a, const cw__metric_t *m, str_t unit, int64_t start, int64_t end, int64_t period_ms,
              bool by_unit, cw__period_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t nd = m->ndims;
    cw__dim_t *dims = ARENA_NEWN(a, cw__dim_t, nd + 1);
    if (nd) memcpy(dims, m->dims, nd * sizeof *dims);
    str_t key = cw__dims_key(a, dims, nd);
    sqlite3_stmt *st = store_stmt(
        db,
        "SELECT p.ts_ms, p.unit, p.n, p.sum, p.min, p.max, p.raw, p.raw_n FROM metric m JOIN point p ON p.mid = m.id "
        "WHERE m.account = ?1 AND m.region = ?2 AND m.namespace = ?3 AND m.name = ?4 AND m.dims = ?5 "
        "AND p.ts_ms >= ?6 AND p.ts_ms < ?7 AND (?8 IS NULL OR p.unit = ?8) ORDER BY p.ts_ms");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, m->account);
    store_bind_str(st, 2, m->region);
    store_bind_str(st, 3, m->ns);
    store_bind_str(st, 4, m->name);
    store_bind_blob(st, 5, key);
    sqlite3_bind_int64(st, 6, start);
    sqlite3_bind_int64(st, 7, end);
    store_bind_str(st, 8, unit);
    size_t cap = 0;
    cw__period_t *p = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = start + cw__floor_to(sqlite3_column_int64(st, 0) - start, period_ms);
        str_t u = by_unit ? store_col_str(a, st, 1) : STR_NULL;
        cw__period_t *cur = NULL;
        /* Rows come in time order, so a period is the last or among the last
         * few (one per unit). */
        for (size_t i = *n; i > 0 && p[i - 1].ts_ms == ts; i--)
            if (!by_unit || str_eq(p[i - 1].unit, u)) {
                cur = &p[i - 1];
                break;
            }
        if (!cur) {
            if (*n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                cw__period_t *np = ARENA_NEWN(a, cw__period_t, nc);
                if (!np) break;
                if (*n) memcpy(np, p, *n * sizeof *p);
                p = np;
                cap = nc;
            }
            cur = &p[(*n)++];
            *cur = (cw__period_t){.ts_ms = ts, .unit = u, .min = INFINITY, .max = -INFINITY};
        }
        double bn = sqlite3_column_double(st, 2);
        cur->n += bn;
        cur->sum += sqlite3_column_double(st, 3);
        cur->min = fmin(cur->min, sqlite3_column_double(st, 4));
        cur->max = fmax(cur->max, sqlite3_column_double(st, 5));
        cur->raw_n += sqlite3_column_double(st, 7);
        size_t np = (size_t)sqlite3_column_bytes(st, 6) / (2 * sizeof(double));
        if (np) {
            double *bp = ARENA_NEWN(a, double, 2 * np);
            memcpy(bp, sqlite3_column_blob(st, 6), 2 * np * sizeof(double));
            cur->pairs = cw__pairs_merge(a, cur->pairs, cur->npairs, bp, np, &cur->npairs);
        }
    }
    if (store_release(st) != SQLITE_OK || rc != SQLITE_DONE) return GR_ERR;
    *out = p;
    return GR_OK;
}

/* ==== Statistics ==== */

/* A bound of an extended statistic: a percentage (pct) or a value. */
typedef struct {
    bool set, pct;
    double v;
} bound_t;

/* Reads "NN" / "NN.NN" (at most 2 decimals for p: AWS "p99.99") at s. */
static bool read_num(const char **s, double *v)
{
    char *e;
    if (!isdigit((unsigned char)**s) && **s != '.') return false;
    *v = strtod(*s, &e);
    if (e == *s) return false;
    *s = e;
    return true;
}

/* "(lo:hi)" with each side optional and a '%' marking a percentage. */
static bool read_range(const char *s, bound_t *lo, bound_t *hi)
{
    if (*s++ != '(') return false;
    bound_t *b[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        *b[i] = (bound_t){0};
        if (read_num(&s, &b[i]->v)) {
            b[i]->set = true;
            if (*s == '%') {
                b[i]->pct = true;
                s++;
            }
        }
        if (i == 0 && *s++ != ':') return false;
    }
    return *s++ == ')' && !*s && (lo->set || hi->set);
}

int cw__stat_parse(const char *s, cw__stat_t *st)
{
    *st = (cw__stat_t){0};
    static const char *const basic[] = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, basic[i])) {
            st->kind = CW_STAT_SAMPLECOUNT + i;
            return GR_OK;
        }
    static const struct {
        const char *name;
        int kind;
    } ext[] = {{"PR", CW_STAT_PR}, {"p", CW_STAT_P},   {"tm", CW_STAT_TM}, {"wm", CW_STAT_WM},
               {"tc", CW_STAT_TC}, {"ts", CW_STAT_TS}, {"IQM", CW_STAT_TM}};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t l = strlen(ext[i].name);
        if (strncmp(s, ext[i].name, l)) continue;
        const char *q = s + l;
        st->kind = ext[i].kind;
        if (!strcmp(ext[i].name, "IQM")) { /* AWS: IQM is tm(25%:75%) */
            if (*q) return GR_ERR;
            st->lo = 25, st->lo_set = st->lo_pct = true;
            st->hi = 75, st->hi_set = st->hi_pct = true;
            return GR_OK;
        }
        if (*q == '(') {
            if (st->kind == CW_STAT_P) return GR_ERR;
            bound_t lo, hi;
            if (!read_range(q, &lo, &hi)) return GR_ERR;
            /* AWS: PR's bounds are values; the others' either percentages or values. */
            if (st->kind == CW_STAT_PR && ((lo.set && lo.pct) || (hi.set && hi.pct))) return GR_ERR;
            st->lo = lo.v, st->lo_set = lo.set, st->lo_pct = lo.pct;
            st->hi = hi.v, st->hi_set = hi.set, st->hi_pct = hi.pct;
            if (lo.set && hi.set && lo.pct == hi.pct && lo.v > hi.v) return GR_ERR;
            if ((lo.pct && lo.v > 100) || (hi.pct && hi.v > 100)) return GR_ERR;
            return GR_OK;
        }
        /* The short forms: pNN, and tmNN = tm(0%:NN%) (AWS: "tm99 ... ignores
         * the highest 1%"). */
        if (st->kind == CW_STAT_PR) return GR_ERR;
        double v;
        const char *num = q;
        if (!read_num(&q, &v) || *q || v > 100) return GR_ERR;
        const char *dot = strchr(num, '.');
        if (dot && strlen(dot + 1) > 10) return GR_ERR;
        st->hi = v, st->hi_set = st->hi_pct = true;
        return GR_OK;
    }
    return GR_ERR;
}

/* The weight of pairs[i]'s samples that lie in the rank window [a, b)
 * (ranks 0..W of the sorted samples). */
static double overlap(double c0, double c1, double a, double b)
{
    double lo = fmax(c0, a), hi = fmin(c1, b);
    return hi > lo ? hi - lo : 0;
}

/* The value at rank fraction q (0..1], nearest rank. */
static double rank_value(const cw__period_t *p, double q)
{
    double W = p->raw_n, want = q * W, c = 0;
    for (size_t i = 0; i < p->npairs; i++) {
        c += p->pairs[2 * i + 1];
        if (c >= want - 1e-9 * W) return p->pairs[2 * i];
    }
    return p->npairs ? p->pairs[2 * (p->npairs - 1)] : NAN;
}

/* The rank window [a, b) a statistic's bounds give. */
static void window(const cw__period_t *p, const cw__stat_t *s, double *a, double *b)
{
    double W = p->raw_n;
    *a = 0;
    *b = W;
    if (s->lo_set) {
        if (s->lo_pct)
            *a = s->lo / 100 * W;
        else { /* a value: the samples above it (AWS: "(lo:hi)" exclusive low, inclusive high) */
            double c = 0;
            for (size_t i = 0; i < p->npairs && p->pairs[2 * i] <= s->lo; i++) c += p->pairs[2 * i + 1];
            *a = c;
        }
    }
    if (s->hi_set) {
        if (s->hi_pct)
            *b = s->hi / 100 * W;
        else {
            double c = 0;
            for (size_t i = 0; i < p->npairs && p->pairs[2 * i] <= s->hi; i++) c += p->pairs[2 * i + 1];
            *b = c;
        }
    }
}

bool cw__stat(const cw__period_t *p, const cw__stat_t *s, double *out)
{
    switch (s->kind) {
    case CW_STAT_SAMPLECOUNT: *out = p->n; return true;
    case CW_STAT_AVERAGE: *out = p->n > 0 ? p->sum / p->n : 0; return true;
    case CW_STAT_SUM: *out = p->sum; return true;
    case CW_STAT_MINIMUM: *out = p->min; return true;
    case CW_STAT_MAXIMUM: *out = p->max; return true;
    default: break;
    }
    /* AWS: percentiles need every sample's value, and "are not available for
     * metrics when any of the metric values are negative numbers". */
    if (!p->npairs || p->raw_n + 1e-9 < p->n || p->min < 0) return false;
    if (s->kind == CW_STAT_P) {
        *out = rank_value(p, s->hi / 100);
        return true;
    }
    double a, b;
    window(p, s, &a, &b);
    if (s->kind == CW_STAT_PR) { /* the percentage of samples in (lo, hi] */
        *out = p->raw_n > 0 ? 100 * (b > a ? b - a : 0) / p->raw_n : 0;
        return true;
    }
    double w = 0, ws = 0, c = 0;
    if (s->kind == CW_STAT_WM) { /* below/above the window: clamped to its edge values */
        double lov = rank_value(p, a / p->raw_n), hiv = rank_value(p, b / p->raw_n);
        for (size_t i = 0; i < p->npairs; i++) {
            double v = fmin(fmax(p->pairs[2 * i], lov), hiv), k = p->pairs[2 * i + 1];
            w += k;
            ws += v * k;
        }
        *out = w > 0 ? ws / w : 0;
        return w > 0;
    }
    for (size_t i = 0; i < p->npairs; i++) {
        double k = p->pairs[2 * i + 1], o = overlap(c, c + k, a, b);
        c += k;
        w += o;
        ws += o * p->pairs[2 * i];
    }
    switch (s->kind) {
    case CW_STAT_TC: *out = w; return true;
    case CW_STAT_TS: *out = ws; return true;
    default: *out = w > 0 ? ws / w : 0; return w > 0;
    }
}

/* ==== GetMetricStatistics ==== */

/* "1,441": AWS writes the datapoint counts with thousands separators. */
static const char *grouped(arena_t *a, int64_t v)
{
    char d[32], out[48];
    int n = snprintf(d, sizeof d, "%lld", (long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0 && d[i - 1] != '-') out[k++] = ',';
        out[k++] = d[i];
    }
    out[k] = 0;
    return arena_strdup(a, out);
}

int cw__check_range(req_t *r, int64_t start, int64_t end, int64_t period_s, int64_t limit)
{
    /* AWS's texts as clients record them (moto keeps the same). */
    if (start >= end) return req_fail(r, E_VALUE, "The parameter StartTime must be less than the parameter EndTime.");
    /* The text is not on record (other emulators write the same). */
    if (!cw__period_ok(period_s)) return req_fail(r, E_VALUE, "The parameter Period must be a multiple of 60.");
    int64_t want = (end - start) / (period_s * 1000);
    if (want > limit)
        return req_fail(r, E_COMBO,
                        "You have requested up to %s datapoints, which exceeds the limit of %s. You may reduce the "
                        "datapoints requested by increasing Period, or decreasing the time range.",
                        grouped(r->arena, want), grouped(r->arena, limit));
    return GR_OK;
}

int64_t cw__round_start(int64_t start, int64_t period_s, int64_t now)
{
    /* AWS: "Start time less than 15 days ago - Round down to the nearest
     * whole minute ... between 15 and 63 days ago - to the nearest 5-minute
     * clock interval ... greater than 63 days ago - to the nearest 1-hour
     * clock interval"; high-resolution periods keep their second. */
    int64_t age = now - start, step = 60000;
    if (period_s < 60) step = period_s * 1000;
    if (age > CW_KEEP_60S_MS) step = 300000;
    if (age > CW_KEEP_300S_MS) step = 3600000;
    return cw__floor_to(start, step);
}

bool cw__period_allowed(int64_t start, int64_t period_s, int64_t now)
{
    /* AWS: for a StartTime more than 3 hours ago the period must be a
     * multiple of 60 (15 days: 300; 63 days: 3600) "or no data points in
     * that time range is returned". */
    int64_t age = now - start;
    if (age > CW_KEEP_300S_MS) return period_s % 3600 == 0;
    if (age > CW_KEEP_60S_MS) return period_s % 300 == 0;
    if (age > CW_KEEP_1S_MS) return period_s % 60 == 0;
    return true;
}

int cloudwatch_get_metric_statistics(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *stats = val_get(in, "Statistics"), *ext = val_get(in, "ExtendedStatistics");
    /* AWS (recorded: the AWS SDK for iOS's tests, the CLI's answer) */
    if (!val_len(stats) && !val_len(ext))
        return req_fail(r, E_COMBO,
                        "At least one of the parameters Statistics and ExtendedStatistics must be specified.");
    /* AWS: "you must specify either Statistics or ExtendedStatistics, but
     * not both"; the text is not on record. */
    if (val_len(stats) && val_len(ext))
        return req_fail(
            r, E_COMBO,
            "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified "
            "both.");
    size_t next = val_len(ext);
    cw__stat_t *es = ARENA_NEWN(a, cw__stat_t, next + 1);
    for (size_t i = 0; i < next; i++) {
        str_t s = ext->u.list.v[i]->u.s;
        if (cw__stat_parse(arena_str(a, s).p, &es[i]) != GR_OK || es[i].kind < CW_STAT_P)
            return req_fail(r, E_VALUE, "The value %.*s for parameter ExtendedStatistics is not supported.",
                            STR_FMT(s));
    }
    int64_t now = cw__now_ms(), period = val_get_int(in, "Period", 60);
    int64_t start = val_get(in, "StartTime")->u.t / 1000, end = val_get(in, "EndTime")->u.t / 1000;
    if (cw__check_range(r, start, end, period, 1440) != GR_OK) return GR_ERR;
    start = cw__round_start(start, period, now);

    const val_t *dl = val_get(in, "Dimensions");
    cw__metric_t m = {r->who.account, r->region,  val_get_str(in, "Namespace"), val_get_str(in, "MetricName"),
                      NULL,           val_len(dl)};
    m.dims = cw__dims_of(a, dl);
    val_set_c(a, out, "Label", val_str(a, m.name));
    val_t *dps = val_new(a, VAL_LIST);
    val_set_c(a, out, "Datapoints", dps);
    if (!cw__period_allowed(start, period, now)) return GR_OK;
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    cw__period_t *p;
    size_t n;
    if (cw__fetch(db, a, &m, val_get_str(in, "Unit"), start, end, period * 1000, true, &p, &n) != GR_OK) return GR_ERR;
    static const char *const names[] = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"};
    for (size_t i = 0; i < n; i++) {
        val_t *dp = val_new(a, VAL_STRUCT);
        val_set_c(a, dp, "Timestamp", val_time(a, p[i].ts_ms * 1000));
        for (size_t k = 0; k < val_len(stats); k++) {
            str_t s = stats->u.list.v[k]->u.s;
            for (int j = 0; j < 5; j++)
                if (str_eq_c(s, names[j])) {
                    double v;
                    cw__stat(&p[i], &(cw__stat_t){.kind = CW_STAT_SAMPLECOUNT + j}, &v);
                    val_set_c(a, dp, names[j], val_float(a, v));
                }
        }
        if (next) {
            val_t *map = val_new(a, VAL_MAP);
            for (size_t k = 0; k < next; k++) {
                double v;
                if (cw__stat(&p[i], &es[k], &v)) val_set(a, map, ext->u.list.v[k]->u.s, val_float(a, v));
            }
            val_set_c(a, dp, "ExtendedStatistics", map);
        }
        val_set_c(a, dp, "Unit", val_str(a, p[i].unit));
        val_push(a, dps, dp);
    }
    return GR_OK;
}

/* ==== cw_metric_stats (metrics.h) ==== */

int cw_metric_stats(struct app *app, arena_t *a, const char *account, const char *region, const char *ns,
                    const char *metric, const cw_dim_t *dims, size_t ndims, const char *unit, int64_t start_ms,
                    int64_t end_ms, int period_s, const char *stat, cw_point_t **pts, size_t *n, const char **err)
{
    *pts = NULL;
    *n = 0;
    *err = NULL;
    cw__stat_t s;
    if (!stat || cw__stat_parse(stat, &s) != GR_OK) {
        *err = "The statistic is not supported.";
        return GR_ERR;
    }
    /* AWS: alarms also take 20-second periods ("Valid values are 10, 20,
     * 30, and any multiple of 60" for high-resolution alarms). */
    if (!cw__period_ok(period_s) && period_s != 20) {
        *err = "The parameter Period must be a multiple of 60.";
        return GR_ERR;
    }
    cw__dim_t *dv = ARENA_NEWN(a, cw__dim_t, ndims + 1);
    for (size_t i = 0; i < ndims; i++) dv[i] = (cw__dim_t){str_c(dims[i].name), str_c(dims[i].value)};
    cw__metric_t m = {str_c(account), str_c(region), str_c(ns), str_c(metric), dv, ndims};
    sqlite3 *db = cw__db(app);
    if (!db) return GR_ERR;
    cw__period_t *p;
    size_t np;
    if (cw__fetch(db, a, &m, unit ? str_c(unit) : STR_NULL, start_ms, end_ms, period_s * 1000LL, false, &p, &np) !=
        GR_OK)
        return GR_ERR;
    cw_point_t *o = ARENA_NEWN(a, cw_point_t, np + 1);
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        double v;
        if (!cw__stat(&p[i], &s, &v)) continue;
        o[k++] = (cw_point_t){p[i].ts_ms, v, p[i].n};
    }
    *pts = o;
    *n = k;
    return GR_OK;
}
