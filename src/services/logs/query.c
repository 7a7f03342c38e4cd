/* query.c — CloudWatch Logs Insights: StartQuery, GetQueryResults,
 * DescribeQueries and StopQuery over a subset of the query language.
 *
 * Commands, joined by "|": fields and display (the output fields), filter
 * (comparisons =, !=, <, <=, >, >=, like "text", like /regex/, =~ /regex/,
 * ispresent(f), with and, or, not and parentheses), sort FIELD [asc|desc] and
 * limit N, and lookup TABLE field [as logfield] OUTPUT fields
 * (lookup.c's tables). A record's fields are @timestamp, @message, @logStream, @log,
 * @ingestionTime and, for a JSON message, its members flattened with "."
 * (AWS: fields are discovered in JSON logs). Other commands (stats, parse,
 * dedup, …) are refused as not run by gureum. A query runs within StartQuery
 * and is Complete when it answers; its rows are kept for GetQueryResults.
 * GetLogRecord reads the event a row's @ptr names, GetLogGroupFields counts
 * the fields of recent events the same way records get them. */
#define _GNU_SOURCE /* qsort_r, memmem */
#include <regex.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

#define MAX_FIELDS 64 /* fields kept per record */
#define DEFAULT_LIMIT 10000

/* ==== Records ==== */

typedef struct {
    int64_t ts;
    size_t n, cap;
    str_t *k, *v;
} rec_t;

static void rec_put(rec_t *r, str_t k, str_t v)
{
    if (r->n < r->cap) {
        r->k[r->n] = k;
        r->v[r->n++] = v;
    }
}

static const str_t *rec_get(const rec_t *r, str_t k)
{
    for (size_t i = 0; i < r->n; i++)
        if (str_eq(r->k[i], k)) return &r->v[i];
    return NULL;
}

static void flatten(arena_t *a, rec_t *r, str_t prefix, const json_t *j)
{
    if (j->type == JSON_OBJECT) {
        for (size_t i = 0; i < j->u.obj.n; i++) {
            str_t k = prefix.len ? str_c(arena_printf(a, "%.*s.%.*s", STR_FMT(prefix), STR_FMT(j->u.obj.k[i])))
                                 : j->u.obj.k[i];
            flatten(a, r, k, j->u.obj.v[i]);
        }
        return;
    }
    if (!prefix.len) return;
    if (j->type == JSON_STRING)
        rec_put(r, prefix, j->u.s);
    else {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_value(&w, j);
        rec_put(r, prefix, buf_str(&b));
    }
}

/* ==== Filter expressions ==== */

/* A value as a number (a whole decimal literal only). */
static bool as_number(str_t v, double *d)
{
    char buf[64], *end;
    if (!v.len || v.len >= sizeof buf) return false;
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    *d = strtod(buf, &end);
    return *end == '\0';
}

typedef enum { E_AND, E_OR, E_NOT, E_CMP, E_PRESENT } ekind_t;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_LIKE, OP_RE } cmp_t;

typedef struct expr {
    ekind_t kind;
    struct expr *l, *r;
    str_t field, value;
    cmp_t op;
    bool num;
    double d;
    regex_t *re;
} expr_t;

typedef struct {
    arena_t *a;
    str_t s;
    size_t i;
    const char *err;
} px_t;

static void skip_ws(px_t *p)
{
    while (p->i < p->s.len && (p->s.p[p->i] == ' ' || p->s.p[p->i] == '\t' || p->s.p[p->i] == '\n')) p->i++;
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' || c == '.' ||
           c == '_' || c == '$' || c == '-' || c == '`';
}

static str_t ident(px_t *p)
{
    skip_ws(p);
    size_t b = p->i;
    while (p->i < p->s.len && is_ident(p->s.p[p->i])) p->i++;
    str_t id = str_sub(p->s, b, p->i - b);
    if (id.len >= 2 && id.p[0] == '`' && id.p[id.len - 1] == '`') id = str_sub(id, 1, id.len - 2);
    return id;
}

static bool keyword(px_t *p, const char *kw)
{
    skip_ws(p);
    size_t n = strlen(kw);
    if (p->i + n > p->s.len || strncasecmp(p->s.p + p->i, kw, n) != 0) return false;
    if (p->i + n < p->s.len && is_ident(p->s.p[p->i + n])) return false;
    p->i += n;
    return true;
}

static bool punct(px_t *p, const char *t)
{
    skip_ws(p);
    size_t n = strlen(t);
    if (p->i + n > p->s.len || strncmp(p->s.p + p->i, t, n) != 0) return false;
    p->i += n;
    return true;
}

static expr_t *fail(px_t *p, const char *why)
{
    if (!p->err) p->err = arena_printf(p->a, "%s at position %zu", why, p->i + 1);
    return NULL;
}

/* A literal: "text", 'text', /regex/ (*is_re), or a number or bare word. */
static bool literal(px_t *p, str_t *out, bool *is_re)
{
    skip_ws(p);
    *is_re = false;
    if (p->i >= p->s.len) return false;
    char q = p->s.p[p->i];
    if (q == '"' || q == '\'' || q == '/') {
        size_t b = ++p->i;
        while (p->i < p->s.len && p->s.p[p->i] != q) p->i += p->s.p[p->i] == '\\' && q != '/' ? 2 : 1;
        if (p->i >= p->s.len) return false;
        *out = str_sub(p->s, b, p->i - b);
        p->i++;
        *is_re = q == '/';
        return true;
    }
    *out = ident(p);
    return out->len > 0;
}

static expr_t *or_expr(px_t *p);

static void re_free(void *re)
{
    regfree(re);
}

static expr_t *primary(px_t *p)
{
    expr_t *e = ARENA_NEW(p->a, expr_t);
    if (!e) return NULL;
    if (keyword(p, "not")) {
        e->kind = E_NOT;
        e->l = primary(p);
        return e->l ? e : NULL;
    }
    if (punct(p, "(")) {
        expr_t *in = or_expr(p);
        if (!in || !punct(p, ")")) return fail(p, "expected )");
        return in;
    }
    if (keyword(p, "ispresent")) {
        if (!punct(p, "(")) return fail(p, "expected (");
        e->kind = E_PRESENT;
        e->field = ident(p);
        if (!e->field.len || !punct(p, ")")) return fail(p, "expected a field");
        return e;
    }
    e->kind = E_CMP;
    e->field = ident(p);
    if (!e->field.len) return fail(p, "expected a field");
    static const struct {
        const char *t;
        cmp_t op;
    } ops[] = {{"=~", OP_RE}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"=", OP_EQ}, {"<", OP_LT}, {">", OP_GT}};
    bool have = false;
    if (keyword(p, "like")) {
        e->op = OP_LIKE;
        have = true;
    }
    for (size_t i = 0; !have && i < sizeof ops / sizeof ops[0]; i++)
        if (punct(p, ops[i].t)) {
            e->op = ops[i].op;
            have = true;
        }
    if (!have) return fail(p, "expected a comparison");
    bool is_re;
    if (!literal(p, &e->value, &is_re)) return fail(p, "expected a value");
    if (is_re) {
        if (e->op != OP_LIKE && e->op != OP_RE) return fail(p, "a regular expression needs like or =~");
        e->op = OP_RE;
        bool icase = str_starts_with(e->value, STR("(?i)"));
        str_t src = icase ? str_sub(e->value, 4, e->value.len - 4) : e->value;
        e->re = ARENA_NEW(p->a, regex_t);
        char *c = arena_strndup(p->a, src.p, src.len);
        if (!e->re || !c || regcomp(e->re, c, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)) != 0)
            return fail(p, "invalid regular expression");
        arena_defer(p->a, re_free, e->re);
    } else if (e->op == OP_RE)
        return fail(p, "=~ needs a regular expression");
    e->num = as_number(e->value, &e->d);
    return e;
}

static expr_t *and_expr(px_t *p)
{
    expr_t *l = primary(p);
    while (l && keyword(p, "and")) {
        expr_t *e = ARENA_NEW(p->a, expr_t);
        if (!e) return NULL;
        *e = (expr_t){.kind = E_AND, .l = l, .r = primary(p)};
        if (!e->r) return NULL;
        l = e;
    }
    return l;
}

static expr_t *or_expr(px_t *p)
{
    expr_t *l = and_expr(p);
    while (l && keyword(p, "or")) {
        expr_t *e = ARENA_NEW(p->a, expr_t);
        if (!e) return NULL;
        *e = (expr_t){.kind = E_OR, .l = l, .r = and_expr(p)};
        if (!e->r) return NULL;
        l = e;
    }
    return l;
}

static bool eval(arena_t *a, const expr_t *e, const rec_t *r)
{
    switch (e->kind) {
    case E_AND: return eval(a, e->l, r) && eval(a, e->r, r);
    case E_OR: return eval(a, e->l, r) || eval(a, e->r, r);
    case E_NOT: return !eval(a, e->l, r);
    case E_PRESENT: return rec_get(r, e->field) != NULL;
    default: break;
    }
    const str_t *v = rec_get(r, e->field);
    if (!v) return e->op == OP_NE;
    if (e->op == OP_RE) return regexec(e->re, arena_strndup(a, v->p, v->len), 0, NULL, 0) == 0;
    if (e->op == OP_LIKE) return v->len >= e->value.len && memmem(v->p, v->len, e->value.p, e->value.len) != NULL;
    double d = 0;
    bool num = e->num && as_number(*v, &d);
    int cmp = num ? (d < e->d ? -1 : d > e->d) : str_cmp(*v, e->value);
    switch (e->op) {
    case OP_EQ: return cmp == 0;
    case OP_NE: return cmp != 0;
    case OP_LT: return cmp < 0;
    case OP_LE: return cmp <= 0;
    case OP_GT: return cmp > 0;
    default: return cmp >= 0;
    }
}

/* ==== Queries ==== */

/* A lookup command: "lookup TABLE tf as lf [, …] OUTPUT of, …". */
#define MAX_LOOKUP_KEYS 8
typedef struct {
    str_t table;
    str_t tkey[MAX_LOOKUP_KEYS], lkey[MAX_LOOKUP_KEYS]; /* the table's field, the log event's */
    size_t nkeys;
    str_t out[MAX_FIELDS];
    size_t nout;
    size_t after;       /* the filters that run before it */
    logs_lookup_t data; /* loaded at StartQuery */
    int ikey[MAX_LOOKUP_KEYS], iout[MAX_FIELDS];
} lookup_t;

typedef struct {
    expr_t *filters[16];
    size_t nfilters;
    lookup_t *lookup;
    str_t fields[MAX_FIELDS];
    size_t nfields;
    str_t sort_field;
    bool sort_desc;
    int64_t limit;
} plan_t;

/* Splits q at "|" outside quotes and regular expressions; NULL + *err for
 * a query gureum cannot run. */
static const char *plan(arena_t *a, str_t q, plan_t *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->limit = -1;
    size_t b = 0;
    char in = 0;
    for (size_t i = 0; i <= q.len; i++) {
        char c = i < q.len ? q.p[i] : '|';
        if (in) {
            if (c == in) in = 0;
            continue;
        }
        if (c == '"' || c == '\'' || c == '/') {
            in = c;
            continue;
        }
        if (c != '|') continue;
        px_t p = {a, str_sub(q, b, i - b), 0, NULL};
        b = i + 1;
        str_t cmd = ident(&p);
        if (!cmd.len) return "unexpected symbol found | at line 1";
        if (str_eq_c(cmd, "fields") || str_eq_c(cmd, "display")) {
            do {
                str_t f = ident(&p);
                if (!f.len) return "expected a field name";
                if (pl->nfields < MAX_FIELDS) pl->fields[pl->nfields++] = f;
            } while (punct(&p, ","));
        } else if (str_eq_c(cmd, "filter")) {
            expr_t *e = or_expr(&p);
            if (!e) return p.err ? p.err : "invalid filter";
            if (pl->nfilters < 16) pl->filters[pl->nfilters++] = e;
        } else if (str_eq_c(cmd, "sort")) {
            pl->sort_field = ident(&p);
            if (!pl->sort_field.len) return "expected a field to sort by";
            pl->sort_desc = keyword(&p, "desc");
            if (!pl->sort_desc) keyword(&p, "asc");
        } else if (str_eq_c(cmd, "lookup")) {
            lookup_t *l = ARENA_NEW(a, lookup_t);
            if (!l || pl->lookup) return "gureum runs one lookup command per query";
            l->table = ident(&p);
            do {
                if (l->nkeys == MAX_LOOKUP_KEYS) return "too many lookup fields";
                l->tkey[l->nkeys] = ident(&p);
                l->lkey[l->nkeys] = keyword(&p, "as") ? ident(&p) : l->tkey[l->nkeys];
                if (!l->table.len || !l->tkey[l->nkeys].len || !l->lkey[l->nkeys].len)
                    return "lookup expects a table, a field and OUTPUT fields";
                l->nkeys++;
            } while (punct(&p, ","));
            if (!keyword(&p, "OUTPUT")) return "lookup expects OUTPUT";
            do {
                str_t f = ident(&p);
                if (!f.len) return "expected a field name";
                if (l->nout < MAX_FIELDS) l->out[l->nout++] = f;
            } while (punct(&p, ","));
            l->after = pl->nfilters;
            pl->lookup = l;
        } else if (str_eq_c(cmd, "limit")) {
            long long n;
            str_t v = ident(&p);
            if (!str_to_i64(v, &n) || n < 1 || n > 10000) return "limit must be between 1 and 10000";
            pl->limit = n;
        } else {
            /* AWS's other commands are valid queries gureum cannot run; any
             * other word is a syntax error, as Insights reports it. */
            static const char *const other[] = {"stats",  "parse",   "dedup", "pattern", "unmask",
                                                "unnest", "anomaly", "diff",  "SOURCE",  "filterIndex"};
            for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
                if (str_eq_c(cmd, other[k]))
                    return arena_printf(a, "gureum does not run the %.*s command", STR_FMT(cmd));
            return arena_printf(a, "unexpected symbol found %.*s at line 1 and position %zu", STR_FMT(cmd),
                                (size_t)(cmd.p - q.p) + 1);
        }
        skip_ws(&p);
        if (p.i != p.s.len) return arena_printf(a, "unexpected symbol found %.*s", (int)(p.s.len - p.i), p.s.p + p.i);
    }
    return NULL;
}

typedef struct {
    str_t key;
    bool desc;
} order_t;

static int by_field(const void *x, const void *y, void *ctx)
{
    const order_t *o = ctx;
    const rec_t *a = *(rec_t *const *)x, *b = *(rec_t *const *)y;
    int c;
    if (str_eq_c(o->key, "@timestamp"))
        c = (a->ts > b->ts) - (a->ts < b->ts);
    else {
        const str_t *va = rec_get(a, o->key), *vb = rec_get(b, o->key);
        double da, db;
        if (!va || !vb)
            c = !va ? (vb ? 1 : 0) : -1; /* records without the field come last */
        else if (as_number(*va, &da) && as_number(*vb, &db))
            c = (da > db) - (da < db);
        else
            c = str_cmp(*va, *vb);
    }
    return o->desc ? -c : c;
}

/* ==== Operations ==== */

static str_t ts_text(arena_t *a, int64_t ms)
{
    char iso[40];
    time_fmt_iso8601(iso, ms * 1000, true); /* 2026-01-02T03:04:05.678Z */
    iso[10] = ' ';
    iso[23] = '\0';
    return str_c(arena_strdup(a, iso));
}

/* One event's fields into x: AWS's @timestamp, @message, @logStream, @log,
 * @ingestionTime (as Insights shows times, or in epoch milliseconds as
 * GetLogRecord does: ms), then a JSON message's members flattened. */
static void event_fields(arena_t *t, rec_t *x, str_t account, str_t group, str_t stream, int64_t ingest_ms, str_t msg,
                         bool ms)
{
    rec_put(x, STR("@timestamp"), ms ? str_c(arena_printf(t, "%lld", (long long)x->ts)) : ts_text(t, x->ts));
    rec_put(x, STR("@message"), msg);
    rec_put(x, STR("@logStream"), stream);
    rec_put(x, STR("@log"), str_c(arena_printf(t, "%.*s:%.*s", STR_FMT(account), STR_FMT(group))));
    rec_put(x, STR("@ingestionTime"),
            ms ? str_c(arena_printf(t, "%lld", (long long)ingest_ms)) : ts_text(t, ingest_ms));
    const json_t *j = msg.len && msg.p[0] == '{' ? json_parse(t, msg, NULL) : NULL;
    if (j) flatten(t, x, STR(""), j);
}

/* A copy of record x, its fields and texts, in arena a (x lives in a
 * scratch arena freed after each event). NULL when a fails. */
static rec_t *keep_copy(arena_t *a, const rec_t *x)
{
    rec_t *c = ARENA_NEW(a, rec_t);
    if (!c) return NULL;
    *c = (rec_t){x->ts, x->n, x->n, ARENA_NEWN(a, str_t, x->n + 1), ARENA_NEWN(a, str_t, x->n + 1)};
    if (!c->k || !c->v) return NULL;
    for (size_t i = 0; i < x->n; i++) {
        c->k[i] = arena_str(a, x->k[i]);
        c->v[i] = arena_str(a, x->v[i]);
    }
    return c;
}

/* The records of groups gs[0..ng) in [from, to] that pass the plan's
 * filters, newest first per group, in *n (*matched counts them all; at most
 * keep_max are kept, the caller needing no more); NULL on failure. Each
 * event is read in a scratch arena, so a large group costs only what is kept. */
/* Sets k to v in r, replacing a value it has. */
static void rec_set(rec_t *r, str_t k, str_t v)
{
    for (size_t i = 0; i < r->n; i++)
        if (str_eq(r->k[i], k)) {
            r->v[i] = v;
            return;
        }
    rec_put(r, k, v);
}

/* AWS (lookup): the first table row whose fields equal the record's
 * (exactly, case-sensitively) adds its output fields, replacing a field of
 * the same name; no match adds none. */
static void lookup_apply(const lookup_t *l, rec_t *x)
{
    for (size_t i = 0; i < l->data.nrows; i++) {
        const str_t *row = l->data.rows[i];
        bool hit = true;
        for (size_t k = 0; hit && k < l->nkeys; k++) {
            const str_t *v = rec_get(x, l->lkey[k]);
            hit = v && str_eq(row[l->ikey[k]], *v);
        }
        if (!hit) continue;
        for (size_t o = 0; o < l->nout; o++) rec_set(x, l->out[o], row[l->iout[o]]);
        return;
    }
}

/* Loads the plan's lookup table; MalformedQueryException (r failed) when
 * the table or a field it names does not exist. */
static int lookup_load_or_fail(req_t *r, sqlite3 *db, lookup_t *l)
{
    int found = logs__lookup_load(db, r->arena, r->who.account, r->region, l->table, &l->data);
    if (found < 0) return GR_ERR;
    if (!found)
        return req_fail(r, &LOGS_ERR_MalformedQueryException, "Lookup table %.*s does not exist", STR_FMT(l->table));
    for (size_t k = 0; k < l->nkeys + l->nout; k++) {
        str_t f = k < l->nkeys ? l->tkey[k] : l->out[k - l->nkeys];
        int i = logs__lookup_field(&l->data, f);
        if (i < 0)
            return req_fail(r, &LOGS_ERR_MalformedQueryException, "Lookup table %.*s has no field %.*s",
                            STR_FMT(l->table), STR_FMT(f));
        if (k < l->nkeys)
            l->ikey[k] = i;
        else
            l->iout[k - l->nkeys] = i;
    }
    return GR_OK;
}

static rec_t **scan(req_t *r, sqlite3 *db, logs_group_t *gs, size_t ng, int64_t from, int64_t to, const plan_t *pl,
                    size_t keep_max, size_t *n, double *matched, double *scanned, double *bytes)
{
    arena_t *a = r->arena;
    size_t cap = 256;
    *n = 0;
    rec_t **recs = ARENA_NEWN(a, rec_t *, cap);
    str_t keys[MAX_FIELDS], vals[MAX_FIELDS];
    for (size_t g = 0; g < ng && recs; g++) {
        logs__expire(db, &gs[g]);
        sqlite3_stmt *st =
            store_stmt(db, "SELECT e.id, e.ts, e.ingest_ms, coalesce(e.masked, e.message), s.name FROM log_event e "
                           "JOIN log_stream s ON s.id = e.sid WHERE e.gid = ?1 AND e.ts >= ?2 "
                           "AND e.ts <= ?3 ORDER BY e.ts DESC, e.id DESC");
        if (!st) return NULL;
        sqlite3_bind_int64(st, 1, gs[g].id);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        while (recs && sqlite3_step(st) == SQLITE_ROW) {
            arena_t *t = arena_new(0);
            if (!t) {
                recs = NULL;
                break;
            }
            rec_t x = {sqlite3_column_int64(st, 1), 0, MAX_FIELDS, keys, vals};
            str_t msg = store_col_str(t, st, 3);
            (*scanned)++;
            *bytes += (double)msg.len;
            event_fields(t, &x, r->who.account, gs[g].name, store_col_str(t, st, 4), sqlite3_column_int64(st, 2), msg,
                         false);
            const char *ptr = arena_printf(t, "%lld:%lld", (long long)gs[g].id, (long long)sqlite3_column_int64(st, 0));
            rec_put(&x, STR("@ptr"), arena_base64(t, ptr, ptr ? strlen(ptr) : 0));
            bool keep = true;
            size_t before = pl->lookup ? pl->lookup->after : pl->nfilters;
            for (size_t f = 0; keep && f < before; f++) keep = eval(t, pl->filters[f], &x);
            if (keep && pl->lookup) lookup_apply(pl->lookup, &x);
            for (size_t f = before; keep && f < pl->nfilters; f++) keep = eval(t, pl->filters[f], &x);
            if (keep) (*matched)++;
            if (keep && *n < keep_max) {
                if (*n == cap) {
                    recs = arena_realloc(a, recs, cap * sizeof *recs, 2 * cap * sizeof *recs);
                    cap *= 2;
                }
                rec_t *c = recs ? keep_copy(a, &x) : NULL;
                if (c)
                    recs[(*n)++] = c;
                else
                    recs = NULL;
            }
            arena_free(t);
        }
        store_release(st);
    }
    return recs;
}

/* The rows GetQueryResults answers, [[[field, value], …], …]: the plan's
 * output fields (or AWS's defaults) that a record has, then its @ptr. */
static str_t rows_json(arena_t *a, rec_t **recs, size_t n, const plan_t *pl)
{
    const str_t defaults[] = {STR("@timestamp"), STR("@message"), STR("@logStream"), STR("@log")};
    const str_t *outf = pl->nfields ? pl->fields : defaults;
    size_t nout = pl->nfields ? pl->nfields : 4;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        json_w_arr_begin(&w);
        for (size_t f = 0; f < nout; f++) {
            const str_t *v = rec_get(recs[i], outf[f]);
            if (!v || str_eq_c(outf[f], "@ptr")) continue;
            json_w_arr_begin(&w);
            json_w_str(&w, outf[f]);
            json_w_str(&w, *v);
            json_w_arr_end(&w);
        }
        json_w_arr_begin(&w);
        json_w_str(&w, STR("@ptr"));
        json_w_str(&w, *rec_get(recs[i], STR("@ptr")));
        json_w_arr_end(&w);
        json_w_arr_end(&w);
    }
    json_w_arr_end(&w);
    return buf_str(&b);
}

int logs_start_query(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    /* the groups, by name or identifier */
    str_t names[50];
    size_t ng = 0;
    str_t one = val_get_str(in, "logGroupName");
    if (one.p) names[ng++] = one;
    const char *lists[] = {"logGroupNames", "logGroupIdentifiers"};
    for (size_t k = 0; k < 2; k++) {
        const val_t *l = val_get(in, lists[k]);
        for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n && ng < 50; i++)
            names[ng++] = l->u.list.v[i]->u.s;
    }
    if (!ng)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "One of logGroupName, logGroupNames or logGroupIdentifiers must be provided.");
    logs_group_t gs[50];
    for (size_t i = 0; i < ng; i++) {
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "logGroupIdentifier", val_str(a, names[i]));
        if (logs__group_or_fail(r, db, v, &gs[i]) != GR_OK) return GR_ERR;
    }
    str_t q = val_get_str(in, "queryString");
    plan_t pl;
    const char *why = plan(a, q, &pl);
    if (why) return req_fail(r, &LOGS_ERR_MalformedQueryException, "%s", why);
    if (pl.lookup && lookup_load_or_fail(r, db, pl.lookup) != GR_OK) return GR_ERR;
    int64_t limit = pl.limit > 0 ? pl.limit : val_get_int(in, "limit", DEFAULT_LIMIT);
    /* AWS (aws/aws-sdk#280, the CloudWatch team): the times are seconds taken
     * straight to milliseconds, both ends inclusive. */
    int64_t from = val_get_int(in, "startTime", 0) * 1000, to = val_get_int(in, "endTime", 0) * 1000;
    size_t n;
    double matched = 0, scanned = 0, bytes = 0;
    /* without a sort, one group's newest rows are the answer: no need to keep more */
    size_t keep_max = !pl.sort_field.len && ng == 1 ? (size_t)limit : SIZE_MAX;
    rec_t **recs = scan(r, db, gs, ng, from, to, &pl, keep_max, &n, &matched, &scanned, &bytes);
    if (!recs) return GR_ERR;
    if (pl.sort_field.len || ng > 1) { /* one group is already newest first */
        order_t o = {pl.sort_field.len ? pl.sort_field : STR("@timestamp"), pl.sort_field.len ? pl.sort_desc : true};
        qsort_r(recs, n, sizeof *recs, by_field, &o);
    }
    if ((int64_t)n > limit) n = (size_t)limit;
    str_t rows = rows_json(a, recs, n, &pl);
    char id[37];
    id_uuid(id);
    val_t *names_v = val_new(a, VAL_LIST);
    for (size_t i = 0; i < ng; i++) val_push(a, names_v, val_str(a, gs[i].name));
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO insights_query (id, account, region, query, group_name, status, "
                                      "created_ms, results, matched, scanned, bytes, groups) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, 'Complete', ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, str_c(id));
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    store_bind_str(st, 4, q);
    store_bind_str(st, 5, gs[0].name);
    sqlite3_bind_int64(st, 6, logs__now_ms());
    store_bind_str(st, 7, rows);
    sqlite3_bind_double(st, 8, matched);
    sqlite3_bind_double(st, 9, scanned);
    sqlite3_bind_double(st, 10, bytes);
    store_bind_str(st, 11, val_json_text(a, names_v));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    return val_set_c(a, out, "queryId", val_strdup(a, str_c(id)));
}

int logs_get_query_results(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT status, results, matched, scanned, bytes FROM insights_query "
                                      "WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "queryId"));
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_release(st);
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Query does not exist.");
    }
    val_set_c(a, out, "status", val_str(a, store_col_str(a, st, 0)));
    val_t *stats = val_new(a, VAL_STRUCT);
    val_set_c(a, stats, "recordsMatched", val_float(a, sqlite3_column_double(st, 2)));
    val_set_c(a, stats, "recordsScanned", val_float(a, sqlite3_column_double(st, 3)));
    val_set_c(a, stats, "bytesScanned", val_float(a, sqlite3_column_double(st, 4)));
    const json_t *rows = json_parse(a, store_col_str(a, st, 1), NULL);
    store_release(st);
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; rows && rows->type == JSON_ARRAY && i < rows->u.arr.n; i++) {
        const json_t *row = rows->u.arr.v[i];
        val_t *vr = val_new(a, VAL_LIST);
        for (size_t k = 0; row->type == JSON_ARRAY && k < row->u.arr.n; k++) {
            const json_t *kv = row->u.arr.v[k];
            if (kv->type != JSON_ARRAY || kv->u.arr.n != 2) continue;
            val_t *f = val_new(a, VAL_STRUCT);
            val_set_c(a, f, "field", val_str(a, kv->u.arr.v[0]->u.s));
            val_set_c(a, f, "value", val_str(a, kv->u.arr.v[1]->u.s));
            val_push(a, vr, f);
        }
        val_push(a, list, vr);
    }
    val_set_c(a, out, "results", list);
    return val_set_c(a, out, "statistics", stats);
}

/* A DescribeQueries item from a row (id, query, status, created_ms, group_name). */
static val_t *query_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    arena_t *a = r->arena;
    val_t *q = val_new(a, VAL_STRUCT);
    val_set_c(a, q, "queryId", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, q, "queryString", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, q, "status", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, q, "createTime", val_int(a, sqlite3_column_int64(st, 3)));
    val_set_c(a, q, "logGroupName", val_str(a, store_col_str(a, st, 4)));
    return q;
}

/* AWS: the account's queries of the last 30 days (here: all kept), newest
 * first, by group and status; maxResults 1..1000, our nextToken the offset. */
int logs_describe_queries(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t group = val_get_str(in, "logGroupName");
    int64_t limit = val_get_int(in, "maxResults", 1000);
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, query, status, created_ms, group_name FROM insights_query "
                                      "WHERE account = ?1 AND region = ?2 AND (?3 IS NULL OR group_name = ?3) "
                                      "AND (?4 IS NULL OR status = ?4) ORDER BY created_ms DESC, id "
                                      "LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, group);
    store_bind_str(st, 4, val_get_str(in, "status"));
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "queries", query_item, NULL);
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* Queries run to completion within StartQuery, so none is ever running to
 * stop: AWS's success is "true if the query was stopped by the StopQuery
 * operation", false here. */
int logs_stop_query(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT status FROM insights_query WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "queryId"));
    int s = sqlite3_step(st);
    store_release(st);
    if (s != SQLITE_ROW) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Query does not exist.");
    return val_set_c(r->arena, out, "success", val_bool(r->arena, false));
}

/* AWS: the @ptr of a GetQueryResults row names one event; its fields as a
 * map, times in epoch milliseconds. Our pointer is base64("GROUPID:EVENTID"),
 * honoured only for a group of the caller's account and region. */
int logs_get_log_record(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t raw;
    long long gid = 0, eid = 0;
    char tail = 0;
    if (!arena_unbase64(a, val_get_str(in, "logRecordPointer"), &raw) ||
        sscanf(arena_str(a, raw).p, "%lld:%lld%c", &gid, &eid, &tail) != 2)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "The specified log record pointer is not valid.");
    sqlite3_stmt *st =
        store_stmt(db, "SELECT e.ts, e.ingest_ms, coalesce(e.masked, e.message), s.name, g.name, e.message "
                       "FROM log_event e JOIN log_stream s ON s.id = e.sid JOIN log_group g ON g.id = e.gid "
                       "WHERE e.id = ?1 AND e.gid = ?2 AND g.account = ?3 AND g.region = ?4");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, eid);
    sqlite3_bind_int64(st, 2, gid);
    store_bind_str(st, 3, r->who.account);
    store_bind_str(st, 4, r->region);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_release(st);
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified log record does not exist.");
    }
    /* AWS: unmask=true shows what data protection masked, to a caller with logs:Unmask */
    int unmask = logs__unmask_or_fail(r, in, store_col_str(a, st, 4));
    if (unmask < 0) {
        store_release(st);
        return GR_ERR;
    }
    str_t keys[MAX_FIELDS], vals[MAX_FIELDS];
    rec_t x = {sqlite3_column_int64(st, 0), 0, MAX_FIELDS, keys, vals};
    event_fields(a, &x, r->who.account, store_col_str(a, st, 4), store_col_str(a, st, 3), sqlite3_column_int64(st, 1),
                 store_col_str(a, st, unmask ? 5 : 2), true);
    store_release(st);
    val_t *m = val_new(a, VAL_MAP);
    for (size_t i = 0; i < x.n; i++) val_set(a, m, x.k[i], val_str(a, x.v[i]));
    return val_set_c(a, out, "logRecord", m);
}

/* AWS: the fields of the group's events of the 15 minutes before now, or
 * of the 8 minutes either side of time (epoch seconds), each with the
 * percentage of those events that have it. */
int logs_get_log_group_fields(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    const val_t *t = val_get(in, "time");
    int64_t from = logs__now_ms() - 15 * 60000, to = logs__now_ms();
    if (t) {
        from = val_get_int(in, "time", 0) * 1000 - 8 * 60000;
        to = val_get_int(in, "time", 0) * 1000 + 8 * 60000;
    }
    sqlite3_stmt *st = store_stmt(
        db, "SELECT e.ts, e.ingest_ms, coalesce(e.masked, e.message), s.name FROM log_event e JOIN log_stream s "
            "ON s.id = e.sid WHERE e.gid = ?1 AND e.ts >= ?2 AND e.ts <= ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    str_t names[MAX_FIELDS];
    int64_t counts[MAX_FIELDS], total = 0;
    size_t nf = 0;
    str_t keys[MAX_FIELDS], vals[MAX_FIELDS];
    while (sqlite3_step(st) == SQLITE_ROW) {
        arena_t *s = arena_new(0);
        if (!s) break;
        rec_t x = {sqlite3_column_int64(st, 0), 0, MAX_FIELDS, keys, vals};
        event_fields(s, &x, r->who.account, g.name, store_col_str(s, st, 3), sqlite3_column_int64(st, 1),
                     store_col_str(s, st, 2), true);
        total++;
        for (size_t i = 0; i < x.n; i++) {
            size_t f = 0;
            while (f < nf && !str_eq(names[f], x.k[i])) f++;
            if (f == nf && nf < MAX_FIELDS) {
                names[nf] = arena_str(a, x.k[i]);
                counts[nf++] = 0;
            }
            if (f < nf) counts[f]++;
        }
        arena_free(s);
    }
    store_release(st);
    val_t *list = val_new(a, VAL_LIST);
    for (size_t f = 0; f < nf; f++) {
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "name", val_str(a, names[f]));
        val_set_c(a, v, "percent", val_int(a, (counts[f] * 100 + total / 2) / total));
        val_push(a, list, v);
    }
    return val_set_c(a, out, "logGroupFields", list);
}

/* AWS (ListLogGroupsForQuery): the groups a query ran on, as ARNs; a query
 * id the caller does not have → ResourceNotFoundException. Pages of
 * maxResults (50..500, default 50) by offset. */
static val_t *query_group_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return val_str(r->arena, logs__group_arn(r, store_col_str(r->arena, st, 0), false));
}

int logs_list_log_groups_for_query(req_t *r, const val_t *in, val_t *out)
{
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "maxResults", 50);
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t id = val_get_str(in, "queryId");
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM insights_query WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    if (!found) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Query does not exist: %.*s", STR_FMT(id));
    st = store_stmt(db,
                    "SELECT j.value FROM insights_query q, json_each(coalesce(q.groups, json_array(q.group_name))) j "
                    "WHERE q.account = ?1 AND q.region = ?2 AND q.id = ?3 ORDER BY j.key LIMIT ?4 OFFSET ?5");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    int64_t n = page_rows(r, st, limit, out, "logGroupIdentifiers", query_group_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}
