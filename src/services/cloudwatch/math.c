/* math.c — CloudWatch metric math: a GetMetricData Expression parsed and
 * evaluated over the request's other queries (query.c).
 *
 * Implemented (AWS: "Metric math syntax and functions"): numbers, query
 * ids, + - * / ^ and unary minus, parentheses, arrays [a, b], and the
 * functions SUM AVG MIN MAX STDDEV (one series: a scalar over its points;
 * an array: a series point by point), METRICS() and METRICS('text'),
 * FILL(x, value | REPEAT | LINEAR), RATE, DIFF, DIFF_TIME, ABS, CEIL, FLOOR,
 * PERIOD. Series combine at the timestamps both have; a point divided by zero
 * has no value. A Metrics Insights query (SELECT …) goes to insights.c.
 * Everything else (SEARCH, ANOMALY_DETECTION_BAND,
 * IF, …) is refused with a ValidationError naming it. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/cloudwatch/cloudwatch.h"

typedef struct {
    cw__eval_t *e;
    arena_t *a;
    size_t self;
    const char *p, *end;
    str_t id; /* the expression's query Id, for messages */
    bool failed;
} parser_t;

static int fail(parser_t *ps, const char *fmt, const char *what)
{
    if (!ps->failed)
        cw__eval_refuse(ps->e, arena_printf(ps->a, "Error in expression '%.*s': %s", STR_FMT(ps->id),
                                            arena_printf(ps->a, fmt, what)));
    ps->failed = true;
    return GR_ERR;
}

static void skip(parser_t *ps)
{
    while (ps->p < ps->end && isspace((unsigned char)*ps->p)) ps->p++;
}

static bool eat(parser_t *ps, char c)
{
    skip(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static str_t word(parser_t *ps)
{
    skip(ps);
    const char *s = ps->p;
    while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_')) ps->p++;
    return str_n(s, (size_t)(ps->p - s));
}

/* ==== Values ==== */

static cw__series_t *series_new(arena_t *a, size_t cap)
{
    cw__series_t *s = ARENA_NEWN(a, cw__series_t, 1);
    s->ts = ARENA_NEWN(a, int64_t, cap + 1);
    s->v = ARENA_NEWN(a, double, cap + 1);
    return s;
}

static double apply(char op, double x, double y, bool *ok)
{
    *ok = true;
    switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
        if (y == 0) *ok = false;
        return y == 0 ? 0 : x / y;
    default: {
        double r = pow(x, y);
        *ok = isfinite(r);
        return r;
    }
    }
}

/* x op y for two series (matching timestamps), or a series and a scalar
 * (sx/sy NULL: the scalar kx/ky). */
static cw__series_t *series_op(arena_t *a, char op, const cw__series_t *sx, double kx, const cw__series_t *sy,
                               double ky)
{
    size_t cap = sx ? sx->n : sy->n;
    cw__series_t *o = series_new(a, cap);
    size_t i = 0, j = 0;
    while ((sx ? i < sx->n : true) && (sy ? j < sy->n : true)) {
        int64_t t;
        if (sx && sy) {
            if (sx->ts[i] < sy->ts[j]) {
                i++;
                continue;
            }
            if (sx->ts[i] > sy->ts[j]) {
                j++;
                continue;
            }
            t = sx->ts[i];
        } else {
            t = sx ? sx->ts[i] : sy->ts[j];
        }
        bool ok;
        double v = apply(op, sx ? sx->v[i] : kx, sy ? sy->v[j] : ky, &ok);
        if (ok) {
            o->ts[o->n] = t;
            o->v[o->n++] = v;
        }
        if (sx) i++;
        if (sy) j++;
        if (!sx && !sy) break;
    }
    return o;
}

static int binop(parser_t *ps, char op, const cw__value_t *x, const cw__value_t *y, cw__value_t *out)
{
    arena_t *a = ps->a;
    if (x->kind == CW_V_SCALAR && y->kind == CW_V_SCALAR) {
        bool ok;
        double v = apply(op, x->x, y->x, &ok);
        if (!ok) return fail(ps, "%s", "Division by zero.");
        *out = (cw__value_t){.kind = CW_V_SCALAR, .x = v};
        return GR_OK;
    }
    if (x->kind == CW_V_ARRAY && y->kind == CW_V_ARRAY)
        return fail(ps, "%s", "Operations between two arrays of time series are not supported.");
    const cw__value_t *arr = x->kind == CW_V_ARRAY ? x : y->kind == CW_V_ARRAY ? y : NULL;
    size_t n = arr ? arr->n : 1;
    cw__series_t *res = ARENA_NEWN(a, cw__series_t, n + 1);
    for (size_t k = 0; k < n; k++) {
        const cw__series_t *sx = x->kind == CW_V_SCALAR ? NULL : &x->s[x->kind == CW_V_ARRAY ? k : 0];
        const cw__series_t *sy = y->kind == CW_V_SCALAR ? NULL : &y->s[y->kind == CW_V_ARRAY ? k : 0];
        res[k] = *series_op(a, op, sx, x->x, sy, y->x);
        res[k].label = arr ? arr->s[k].label : STR_NULL;
    }
    *out = (cw__value_t){.kind = arr ? CW_V_ARRAY : CW_V_SERIES, .s = res, .n = n};
    return GR_OK;
}

/* ==== Functions ==== */

static double reduce(const char *f, const double *v, size_t n)
{
    double s = 0, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        mn = fmin(mn, v[i]);
        mx = fmax(mx, v[i]);
    }
    if (!strcmp(f, "SUM")) return s;
    if (!strcmp(f, "AVG")) return s / (double)n;
    if (!strcmp(f, "MIN")) return mn;
    if (!strcmp(f, "MAX")) return mx;
    double m = s / (double)n, q = 0; /* STDDEV: the population's */
    for (size_t i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
    return sqrt(q / (double)n);
}

/* SUM/AVG/MIN/MAX/STDDEV: of one series, a scalar; of an array, a series
 * of the values the series have at each timestamp. */
static int aggregate(parser_t *ps, const char *f, const cw__value_t *x, cw__value_t *out)
{
    arena_t *a = ps->a;
    if (x->kind == CW_V_SCALAR) {
        *out = *x;
        return GR_OK;
    }
    if (x->kind == CW_V_SERIES) {
        if (!x->s->n) return fail(ps, "%s", "The function needs at least one data point.");
        *out = (cw__value_t){.kind = CW_V_SCALAR, .x = reduce(f, x->s->v, x->s->n)};
        return GR_OK;
    }
    size_t cap = 0;
    for (size_t k = 0; k < x->n; k++) cap += x->s[k].n;
    cw__series_t *o = series_new(a, cap);
    size_t *at = ARENA_NEWN(a, size_t, x->n + 1);
    double *vals = ARENA_NEWN(a, double, x->n + 1);
    for (;;) {
        int64_t t = INT64_MAX;
        for (size_t k = 0; k < x->n; k++)
            if (at[k] < x->s[k].n && x->s[k].ts[at[k]] < t) t = x->s[k].ts[at[k]];
        if (t == INT64_MAX) break;
        size_t m = 0;
        for (size_t k = 0; k < x->n; k++)
            if (at[k] < x->s[k].n && x->s[k].ts[at[k]] == t) vals[m++] = x->s[k].v[at[k]++];
        o->ts[o->n] = t;
        o->v[o->n++] = reduce(f, vals, m);
    }
    *out = (cw__value_t){.kind = CW_V_SERIES, .s = o, .n = 1};
    return GR_OK;
}

/* RATE, DIFF, DIFF_TIME, ABS, CEIL, FLOOR over each series of x. */
static int per_series(parser_t *ps, const char *f, const cw__value_t *x, cw__value_t *out)
{
    arena_t *a = ps->a;
    if (x->kind == CW_V_SCALAR) {
        if (!strcmp(f, "ABS") || !strcmp(f, "CEIL") || !strcmp(f, "FLOOR")) {
            double v = !strcmp(f, "ABS") ? fabs(x->x) : !strcmp(f, "CEIL") ? ceil(x->x) : floor(x->x);
            *out = (cw__value_t){.kind = CW_V_SCALAR, .x = v};
            return GR_OK;
        }
        return fail(ps, "The function %s needs a time series.", f);
    }
    cw__series_t *res = ARENA_NEWN(a, cw__series_t, x->n + 1);
    for (size_t k = 0; k < x->n; k++) {
        const cw__series_t *s = &x->s[k];
        cw__series_t *o = series_new(a, s->n);
        for (size_t i = 0; i < s->n; i++) {
            double v = s->v[i];
            if (!strcmp(f, "ABS"))
                v = fabs(v);
            else if (!strcmp(f, "CEIL"))
                v = ceil(v);
            else if (!strcmp(f, "FLOOR"))
                v = floor(v);
            else {
                /* AWS: RATE "returns the rate of change of the metric per
                 * second ... calculated as the difference between the latest
                 * data point value and the previous data point value, divided
                 * by the time difference in seconds"; the first point has none. */
                if (i == 0) continue;
                double dt = (double)(s->ts[i] - s->ts[i - 1]) / 1000;
                if (!strcmp(f, "DIFF"))
                    v = s->v[i] - s->v[i - 1];
                else if (!strcmp(f, "DIFF_TIME"))
                    v = dt;
                else
                    v = (s->v[i] - s->v[i - 1]) / dt;
            }
            o->ts[o->n] = s->ts[i];
            o->v[o->n++] = v;
        }
        o->label = s->label;
        res[k] = *o;
    }
    *out = (cw__value_t){.kind = x->kind, .s = res, .n = x->n};
    return GR_OK;
}

/* FILL(x, value | REPEAT | LINEAR): x's series at every period of the
 * request's range. AWS: REPEAT "fills missing values with the most recent
 * actual value", LINEAR interpolates (ends: the nearest value). */
static int fill(parser_t *ps, const cw__value_t *x, int how, double with, cw__value_t *out)
{
    arena_t *a = ps->a;
    if (x->kind == CW_V_SCALAR) return fail(ps, "%s", "The first argument of FILL must be a time series.");
    int64_t start, end, period = cw__eval_period(ps->e, ps->self) * 1000;
    cw__eval_range(ps->e, &start, &end);
    start = cw__round_start(start, period / 1000, cw__now_ms());
    size_t np = (size_t)((end - start + period - 1) / period);
    cw__series_t *res = ARENA_NEWN(a, cw__series_t, x->n + 1);
    for (size_t k = 0; k < x->n; k++) {
        const cw__series_t *s = &x->s[k];
        cw__series_t *o = series_new(a, np + s->n);
        size_t j = 0;
        for (int64_t t = start; t < end; t += period) {
            while (j < s->n && s->ts[j] < t) j++;
            double v;
            if (j < s->n && s->ts[j] == t)
                v = s->v[j];
            else if (how == 0)
                v = with;
            else if (!s->n)
                continue;
            else if (how == 1) { /* REPEAT: nothing before the first value */
                if (j == 0) continue;
                v = s->v[j - 1];
            } else { /* LINEAR */
                if (j == 0)
                    v = s->v[0];
                else if (j == s->n)
                    v = s->v[s->n - 1];
                else
                    v = s->v[j - 1] +
                        (s->v[j] - s->v[j - 1]) * (double)(t - s->ts[j - 1]) / (double)(s->ts[j] - s->ts[j - 1]);
            }
            o->ts[o->n] = t;
            o->v[o->n++] = v;
        }
        o->label = s->label;
        res[k] = *o;
    }
    *out = (cw__value_t){.kind = x->kind, .s = res, .n = x->n};
    return GR_OK;
}

/* METRICS() / METRICS('text'): every MetricStat query's series (those whose
 * label contains text). */
static int metrics(parser_t *ps, str_t text, cw__value_t *out)
{
    size_t n = cw__query_count(ps->e), k = 0;
    cw__series_t *res = ARENA_NEWN(ps->a, cw__series_t, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (i == ps->self || !cw__query_is_metric(ps->e, i)) continue;
        cw__value_t *v;
        if (cw__eval_query(ps->e, i, &v) != GR_OK) {
            ps->failed = true;
            return GR_ERR;
        }
        cw__series_t s = *v->s;
        if (text.p && (!s.label.p || !memmem(s.label.p, s.label.len, text.p, text.len))) continue;
        res[k++] = s;
    }
    *out = (cw__value_t){.kind = CW_V_ARRAY, .s = res, .n = k};
    return GR_OK;
}

/* ==== Parser ==== */

static int expr(parser_t *ps, cw__value_t *out);

static int call(parser_t *ps, str_t name, cw__value_t *out)
{
    char f[32];
    snprintf(f, sizeof f, "%.*s", (int)(name.len < 31 ? name.len : 31), name.p);
    for (char *c = f; *c; c++) *c = (char)toupper((unsigned char)*c);
    if (!strcmp(f, "METRICS")) {
        str_t text = STR_NULL;
        skip(ps);
        if (ps->p < ps->end && (*ps->p == '\'' || *ps->p == '"')) {
            char q = *ps->p++;
            const char *s = ps->p;
            while (ps->p < ps->end && *ps->p != q) ps->p++;
            if (ps->p == ps->end) return fail(ps, "%s", "Unterminated string.");
            text = str_n(s, (size_t)(ps->p++ - s));
        }
        if (!eat(ps, ')')) return fail(ps, "%s", "Expected ')'.");
        return metrics(ps, text, out);
    }
    bool known = !strcmp(f, "SUM") || !strcmp(f, "AVG") || !strcmp(f, "MIN") || !strcmp(f, "MAX") ||
                 !strcmp(f, "STDDEV") || !strcmp(f, "FILL") || !strcmp(f, "RATE") || !strcmp(f, "DIFF") ||
                 !strcmp(f, "DIFF_TIME") || !strcmp(f, "ABS") || !strcmp(f, "CEIL") || !strcmp(f, "FLOOR") ||
                 !strcmp(f, "PERIOD");
    if (!known) return fail(ps, "The function %s is not supported by gureum.", f);
    cw__value_t x;
    if (expr(ps, &x) != GR_OK) return GR_ERR;
    if (!strcmp(f, "FILL")) {
        if (!eat(ps, ',')) return fail(ps, "%s", "FILL takes two arguments.");
        const char *save = ps->p;
        str_t w = word(ps);
        int how = 0;
        double with = 0;
        if (str_eq_nocase(w, str_c("REPEAT")))
            how = 1;
        else if (str_eq_nocase(w, str_c("LINEAR")))
            how = 2;
        else {
            ps->p = save;
            cw__value_t y;
            if (expr(ps, &y) != GR_OK) return GR_ERR;
            if (y.kind != CW_V_SCALAR)
                return fail(ps, "%s", "The second argument of FILL must be a number, REPEAT or LINEAR.");
            with = y.x;
        }
        if (!eat(ps, ')')) return fail(ps, "%s", "Expected ')'.");
        return fill(ps, &x, how, with, out);
    }
    if (!eat(ps, ')')) return fail(ps, "%s", "Expected ')'.");
    if (!strcmp(f, "PERIOD")) {
        *out = (cw__value_t){.kind = CW_V_SCALAR, .x = (double)cw__eval_period(ps->e, ps->self)};
        return GR_OK;
    }
    if (!strcmp(f, "SUM") || !strcmp(f, "AVG") || !strcmp(f, "MIN") || !strcmp(f, "MAX") || !strcmp(f, "STDDEV"))
        return aggregate(ps, f, &x, out);
    return per_series(ps, f, &x, out);
}

static int primary(parser_t *ps, cw__value_t *out)
{
    skip(ps);
    if (ps->p >= ps->end) return fail(ps, "%s", "Unexpected end of expression.");
    char c = *ps->p;
    if (c == '(') {
        ps->p++;
        if (expr(ps, out) != GR_OK) return GR_ERR;
        return eat(ps, ')') ? GR_OK : fail(ps, "%s", "Expected ')'.");
    }
    if (c == '[') { /* an array: the series of each element */
        ps->p++;
        size_t cap = 8, n = 0;
        cw__series_t *s = ARENA_NEWN(ps->a, cw__series_t, cap);
        do {
            cw__value_t x;
            if (expr(ps, &x) != GR_OK) return GR_ERR;
            if (x.kind == CW_V_SCALAR) return fail(ps, "%s", "An array may only hold time series.");
            for (size_t k = 0; k < x.n; k++) {
                if (n == cap) {
                    cw__series_t *ns = ARENA_NEWN(ps->a, cw__series_t, 2 * cap);
                    memcpy(ns, s, n * sizeof *s);
                    s = ns;
                    cap *= 2;
                }
                s[n++] = x.s[k];
            }
        } while (eat(ps, ','));
        if (!eat(ps, ']')) return fail(ps, "%s", "Expected ']'.");
        *out = (cw__value_t){.kind = CW_V_ARRAY, .s = s, .n = n};
        return GR_OK;
    }
    if (isdigit((unsigned char)c) || c == '.') {
        char *e;
        double v = strtod(ps->p, &e);
        if (e == ps->p || e > ps->end) return fail(ps, "%s", "Invalid number.");
        ps->p = e;
        *out = (cw__value_t){.kind = CW_V_SCALAR, .x = v};
        return GR_OK;
    }
    str_t w = word(ps);
    if (!w.len) return fail(ps, "Unexpected character '%s'.", arena_strndup(ps->a, ps->p, 1));
    if (eat(ps, '(')) return call(ps, w, out);
    long i = cw__query_index(ps->e, w);
    if (i < 0) return fail(ps, "Unrecognized metric id or keyword: %s", arena_str(ps->a, w).p);
    if ((size_t)i == ps->self) return fail(ps, "%s", "An expression may not refer to itself.");
    cw__value_t *v;
    if (cw__eval_query(ps->e, (size_t)i, &v) != GR_OK) {
        ps->failed = true;
        return GR_ERR;
    }
    *out = *v;
    return GR_OK;
}

static int unary(parser_t *ps, cw__value_t *out)
{
    if (eat(ps, '-')) {
        cw__value_t x, zero = {.kind = CW_V_SCALAR, .x = 0};
        if (unary(ps, &x) != GR_OK) return GR_ERR;
        return binop(ps, '-', &zero, &x, out);
    }
    if (primary(ps, out) != GR_OK) return GR_ERR;
    if (eat(ps, '^')) {
        cw__value_t y, x = *out;
        if (unary(ps, &y) != GR_OK) return GR_ERR;
        return binop(ps, '^', &x, &y, out);
    }
    return GR_OK;
}

static int term(parser_t *ps, cw__value_t *out)
{
    if (unary(ps, out) != GR_OK) return GR_ERR;
    for (;;) {
        char op = eat(ps, '*') ? '*' : eat(ps, '/') ? '/' : 0;
        if (!op) return GR_OK;
        cw__value_t x = *out, y;
        if (unary(ps, &y) != GR_OK || binop(ps, op, &x, &y, out) != GR_OK) return GR_ERR;
    }
}

static int expr(parser_t *ps, cw__value_t *out)
{
    if (term(ps, out) != GR_OK) return GR_ERR;
    for (;;) {
        char op = eat(ps, '+') ? '+' : eat(ps, '-') ? '-' : 0;
        if (!op) return GR_OK;
        cw__value_t x = *out, y;
        if (term(ps, &y) != GR_OK || binop(ps, op, &x, &y, out) != GR_OK) return GR_ERR;
    }
}

int cw__math(cw__eval_t *e, size_t i, str_t text, cw__value_t *out)
{
    arena_t *a = cw__eval_arena(e);
    str_t t = str_trim(text);
    parser_t ps = {e, a, i, t.p, t.p + t.len, STR_NULL, false};
    ps.id = cw__query_id(e, i);
    /* AWS: a Metrics Insights query is another language (insights.c). */
    if (t.len >= 6 && str_eq_nocase(str_n(t.p, 6), str_c("SELECT"))) {
        const char *why = NULL;
        if (cw__insights(e, i, t, out, &why) == GR_OK) return GR_OK;
        return why ? fail(&ps, "%s", why) : GR_ERR;
    }
    if (expr(&ps, out) != GR_OK) return GR_ERR;
    skip(&ps);
    if (ps.p != ps.end) return fail(&ps, "Unexpected '%s'.", arena_strndup(a, ps.p, (size_t)(ps.end - ps.p)));
    return GR_OK;
}
