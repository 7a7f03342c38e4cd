/* insights.c — CloudWatch Metrics Insights: a GetMetricData Expression that
 * is a query (SELECT … FROM …), evaluated over the stored metrics.
 *
 * Called by math.c (cw__math) for an Expression starting with SELECT; the
 * answer is an array of series, one per group, that query.c labels and
 * answers like any expression's. Implemented (AWS: "Metrics Insights query
 * components and syntax"): SELECT AVG|SUM|MIN|MAX|COUNT(metric) FROM
 * namespace | SCHEMA(namespace[, dimension…]) [WHERE dim = 'v' | dim != 'v'
 * [AND …]] [GROUP BY dim[, dim…]] [ORDER BY FUNC() [ASC|DESC]] [LIMIT n].
 * Names may be "double-quoted". Every metric of the name that the FROM and
 * WHERE clauses admit contributes its data points; a group's function runs
 * over all of its metrics' samples per period (AVG: the samples' mean, not a
 * mean of means). Not implemented: OR, IN, LIKE, the schema's wildcard,
 * metric names as a group key; refused with a ValidationError. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "services/cloudwatch/cloudwatch.h"

enum { F_AVG, F_SUM, F_MIN, F_MAX, F_COUNT };

typedef struct {
    str_t name, value;
    bool neq;
} cond_t;

typedef struct {
    arena_t *a;
    const char *p, *end;
    const char *err;
    int func;
    str_t metric, ns;
    bool schema;
    str_t *schema_dims;
    size_t nschema;
    cond_t *conds;
    size_t nconds;
    str_t *group;
    size_t ngroup;
    bool order, desc;
    long long limit;
} q_t;

static void sp(q_t *q)
{
    while (q->p < q->end && isspace((unsigned char)*q->p)) q->p++;
}

/* The next word (letters, digits, _ . / - : #) or "quoted name". */
static str_t name(q_t *q)
{
    sp(q);
    if (q->p < q->end && *q->p == '"') {
        const char *s = ++q->p;
        while (q->p < q->end && *q->p != '"') q->p++;
        str_t r = str_n(s, (size_t)(q->p - s));
        if (q->p < q->end) q->p++;
        return r;
    }
    const char *s = q->p;
    while (q->p < q->end && (isalnum((unsigned char)*q->p) || strchr("_./-:#", *q->p))) q->p++;
    return str_n(s, (size_t)(q->p - s));
}

static bool kw(q_t *q, const char *k)
{
    sp(q);
    size_t n = strlen(k);
    if ((size_t)(q->end - q->p) < n || !str_eq_nocase(str_n(q->p, n), str_c(k))) return false;
    if (q->p + n < q->end && (isalnum((unsigned char)q->p[n]) || q->p[n] == '_')) return false;
    q->p += n;
    return true;
}

static bool punct(q_t *q, const char *c)
{
    sp(q);
    size_t n = strlen(c);
    if ((size_t)(q->end - q->p) < n || memcmp(q->p, c, n)) return false;
    q->p += n;
    return true;
}

static int bad(q_t *q, const char *what)
{
    if (!q->err) q->err = what;
    return GR_ERR;
}

static int func(q_t *q, int *f)
{
    static const char *const names[] = {"AVG", "SUM", "MIN", "MAX", "COUNT"};
    for (int k = 0; k < 5; k++)
        if (kw(q, names[k])) {
            *f = k;
            return GR_OK;
        }
    return bad(q, "Metrics Insights supports the functions AVG, SUM, MIN, MAX and COUNT.");
}

/* A comma-separated list of names into *out. */
static void names(q_t *q, str_t **out, size_t *n)
{
    size_t cap = 8;
    *out = ARENA_NEWN(q->a, str_t, cap);
    *n = 0;
    do {
        str_t s = name(q);
        if (!s.len) return;
        if (*n == cap) {
            str_t *m = ARENA_NEWN(q->a, str_t, cap * 2);
            memcpy(m, *out, cap * sizeof *m);
            *out = m;
            cap *= 2;
        }
        (*out)[(*n)++] = s;
    } while (punct(q, ","));
}

static int parse(q_t *q)
{
    if (!kw(q, "SELECT") || func(q, &q->func) != GR_OK) return bad(q, "A query starts with SELECT FUNCTION(metric).");
    if (!punct(q, "(") || !(q->metric = name(q)).len || !punct(q, ")"))
        return bad(q, "SELECT names one metric: SELECT FUNCTION(metric).");
    if (!kw(q, "FROM")) return bad(q, "FROM is missing.");
    if (kw(q, "SCHEMA")) {
        q->schema = true;
        if (!punct(q, "(") || !(q->ns = name(q)).len) return bad(q, "SCHEMA names a namespace first.");
        if (punct(q, ",")) names(q, &q->schema_dims, &q->nschema);
        if (!punct(q, ")")) return bad(q, "SCHEMA(...) is not closed.");
    } else if (!(q->ns = name(q)).len)
        return bad(q, "FROM names a namespace or SCHEMA(namespace, dimensions).");
    if (kw(q, "WHERE")) {
        size_t cap = 16;
        q->conds = ARENA_NEWN(q->a, cond_t, cap);
        do {
            if (q->nconds == cap) return bad(q, "Too many WHERE conditions.");
            cond_t *c = &q->conds[q->nconds++];
            c->name = name(q);
            c->neq = punct(q, "!=");
            if (!c->name.len || (!c->neq && !punct(q, "=")))
                return bad(q, "WHERE supports dimension = 'value' and dimension != 'value', joined by AND.");
            sp(q);
            if (q->p >= q->end || *q->p != '\'') return bad(q, "A WHERE value is a 'quoted string'.");
            const char *s = ++q->p;
            while (q->p < q->end && *q->p != '\'') q->p++;
            if (q->p >= q->end) return bad(q, "A WHERE value is not closed.");
            c->value = str_n(s, (size_t)(q->p++ - s));
        } while (kw(q, "AND"));
    }
    if (kw(q, "GROUP")) {
        if (!kw(q, "BY")) return bad(q, "GROUP is followed by BY.");
        names(q, &q->group, &q->ngroup);
        if (!q->ngroup) return bad(q, "GROUP BY names dimensions.");
    }
    if (kw(q, "ORDER")) {
        int f;
        if (!kw(q, "BY") || func(q, &f) != GR_OK || !punct(q, "(") || !punct(q, ")"))
            return bad(q, "ORDER BY takes FUNCTION() [ASC|DESC].");
        (void)f; /* AWS: ORDER BY's function orders by the SELECT's metric */
        q->order = true;
        /* ASC unless DESC (the default is not on record) */
        q->desc = !kw(q, "ASC") && kw(q, "DESC");
    }
    if (kw(q, "LIMIT")) {
        sp(q);
        const char *s = q->p;
        while (q->p < q->end && isdigit((unsigned char)*q->p)) q->p++;
        if (!str_to_i64(str_n(s, (size_t)(q->p - s)), &q->limit) || q->limit < 1)
            return bad(q, "LIMIT takes a positive number.");
    }
    sp(q);
    if (q->p != q->end) return bad(q, "Unexpected text at the end of the query.");
    return GR_OK;
}

static const str_t *dim_value(const cw__dim_t *d, size_t n, str_t name)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(d[i].name, name)) return &d[i].value;
    return NULL;
}

/* Whether the FROM and WHERE clauses admit a metric with these dimensions. */
static bool admitted(const q_t *q, const cw__dim_t *d, size_t n)
{
    /* AWS: SCHEMA(ns, d1, d2) is the metrics with exactly those dimensions. */
    if (q->schema) {
        if (n != q->nschema) return false;
        for (size_t k = 0; k < q->nschema; k++)
            if (!dim_value(d, n, q->schema_dims[k])) return false;
    }
    for (size_t k = 0; k < q->nconds; k++) {
        const str_t *v = dim_value(d, n, q->conds[k].name);
        bool eq = v && str_eq(*v, q->conds[k].value);
        if (eq == q->conds[k].neq) return false;
    }
    return true;
}

typedef struct {
    str_t label;
    cw__period_t *p; /* merged by period, oldest first */
    size_t n, cap;
    double total_n, total_sum, total_min, total_max;
} group_t;

static double value(int f, double n, double sum, double mn, double mx)
{
    switch (f) {
    case F_AVG: return sum / n;
    case F_SUM: return sum;
    case F_MIN: return mn;
    case F_MAX: return mx;
    default: return n;
    }
}

/* Adds one metric's periods to group g (both oldest first). */
static void merge(arena_t *a, group_t *g, const cw__period_t *p, size_t np)
{
    cw__period_t *m = ARENA_NEWN(a, cw__period_t, g->n + np + 1);
    size_t i = 0, j = 0, k = 0;
    while (i < g->n || j < np) {
        if (j == np || (i < g->n && g->p[i].ts_ms < p[j].ts_ms))
            m[k++] = g->p[i++];
        else if (i == g->n || p[j].ts_ms < g->p[i].ts_ms)
            m[k++] = p[j++];
        else {
            cw__period_t x = g->p[i++];
            const cw__period_t *y = &p[j++];
            x.n += y->n;
            x.sum += y->sum;
            x.min = x.min < y->min ? x.min : y->min;
            x.max = x.max > y->max ? x.max : y->max;
            m[k++] = x;
        }
    }
    g->p = m;
    g->n = k;
    for (size_t t = 0; t < np; t++) {
        bool first = g->total_n == 0;
        g->total_n += p[t].n;
        g->total_sum += p[t].sum;
        g->total_min = first || p[t].min < g->total_min ? p[t].min : g->total_min;
        g->total_max = first || p[t].max > g->total_max ? p[t].max : g->total_max;
    }
}

/* Whether group x comes before y: by the function over the whole range
 * when ordered (ASC unless DESC), then by label. */
static bool before(const group_t *x, const group_t *y, int f, bool desc)
{
    if (f >= 0) {
        double vx = value(f, x->total_n, x->total_sum, x->total_min, x->total_max);
        double vy = value(f, y->total_n, y->total_sum, y->total_min, y->total_max);
        if (vx != vy) return desc ? vx > vy : vx < vy;
    }
    size_t n = x->label.len < y->label.len ? x->label.len : y->label.len;
    int c = n ? memcmp(x->label.p, y->label.p, n) : 0;
    return c ? c < 0 : x->label.len < y->label.len;
}

int cw__insights(cw__eval_t *e, size_t i, str_t text, cw__value_t *out, const char **err)
{
    arena_t *a = cw__eval_arena(e);
    q_t q = {.a = a, .p = text.p, .end = text.p + text.len};
    if (parse(&q) != GR_OK) {
        *err = q.err;
        return GR_ERR;
    }
    str_t account, region;
    int64_t start, end, now;
    sqlite3 *db = cw__eval_scope(e, &account, &region, &now);
    cw__eval_range(e, &start, &end);
    int64_t period = cw__eval_period(e, i);
    start = cw__round_start(start, period, now);
    *out = (cw__value_t){.kind = CW_V_ARRAY};
    if (!cw__period_allowed(start, period, now)) return GR_OK;

    sqlite3_stmt *st = store_stmt(db, "SELECT dims FROM metric WHERE account = ?1 AND region = ?2 AND namespace = ?3 "
                                      "AND name = ?4 ORDER BY dims");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, q.ns);
    store_bind_str(st, 4, q.metric);
    size_t ng = 0, gcap = 16;
    group_t *g = ARENA_NEWN(a, group_t, gcap);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t key = arena_str(a, str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)));
        cw__dim_t *d;
        size_t nd = cw__dims_parse(a, key, &d);
        if (!admitted(&q, d, nd)) continue;
        /* The group: the GROUP BY dimensions' values, space-separated (a
         * metric without one of them is left out; not on record). */
        buf_t b;
        buf_init(&b, a);
        bool in = true;
        for (size_t k = 0; in && k < q.ngroup; k++) {
            const str_t *v = dim_value(d, nd, q.group[k]);
            if (!v)
                in = false;
            else {
                if (k) buf_putc(&b, ' ');
                buf_put_str(&b, *v);
            }
        }
        if (!in) continue;
        str_t label = q.ngroup ? buf_str(&b) : STR_NULL;
        size_t at = 0;
        while (at < ng && !(q.ngroup ? str_eq(g[at].label, label) : true)) at++;
        if (at == ng) {
            if (ng == gcap) {
                group_t *m = ARENA_NEWN(a, group_t, gcap * 2);
                memcpy(m, g, gcap * sizeof *m);
                g = m;
                gcap *= 2;
            }
            g[ng++] = (group_t){.label = label};
        }
        cw__metric_t mt = {account, region, q.ns, q.metric, d, nd};
        cw__period_t *p;
        size_t np;
        ok = cw__fetch(db, a, &mt, STR_NULL, start, end, period * 1000, false, &p, &np) == GR_OK;
        if (ok) merge(a, &g[at], p, np);
    }
    ok = store_release(st) == SQLITE_OK && ok;
    if (!ok) return GR_ERR;

    for (size_t k = 1; k < ng; k++) /* insertion sort: a few groups */
        for (size_t j = k; j > 0 && before(&g[j], &g[j - 1], q.order ? q.func : -1, q.desc); j--) {
            group_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
    if (q.limit && (size_t)q.limit < ng) ng = (size_t)q.limit;
    out->s = ARENA_NEWN(a, cw__series_t, ng + 1);
    for (size_t k = 0; k < ng; k++) {
        cw__series_t *s = &out->s[out->n++];
        s->label = g[k].label;
        s->ts = ARENA_NEWN(a, int64_t, g[k].n + 1);
        s->v = ARENA_NEWN(a, double, g[k].n + 1);
        for (size_t t = 0; t < g[k].n; t++) {
            const cw__period_t *p = &g[k].p[t];
            s->ts[s->n] = p->ts_ms;
            s->v[s->n++] = value(q.func, p->n, p->sum, p->min, p->max);
        }
    }
    return GR_OK;
}
