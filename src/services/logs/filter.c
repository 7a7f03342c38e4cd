/* filter.c — CloudWatch Logs filter patterns, compiled once per
 * FilterLogEvents call and matched against each event's message.
 *
 * Three forms, as AWS documents them ("Filter pattern syntax for metric
 * filters, subscription filters, filter log events"): terms (ERROR,
 * "quoted phrase", -excluded, ?optional), JSON ({ $.a.b[0] = "x*" && $.n > 3 },
 * IS TRUE/FALSE/NULL, NOT EXISTS) and space-delimited ([ip, user, ...,
 * status = 4*, bytes > 1000]), each value or term possibly a %regex%. A message that is not JSON never matches a
 * JSON pattern. The compiled form lives in the request arena. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <regex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"

typedef enum { K_ALL, K_TERMS, K_JSON, K_SPACE } kind_t;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_TRUE, OP_FALSE, OP_NULL, OP_NEXISTS, OP_EXISTS } op_t;

typedef struct {
    str_t s;
    bool num; /* value is a number: numeric comparison */
    double d;
    regex_t *re; /* %regex%: a POSIX extended regex search instead of s */
} lit_t;

typedef struct path_el {
    str_t key; /* member name, or STR_NULL for an index */
    long idx;
} path_el_t;

typedef struct node node_t;
struct node {
    enum { N_AND, N_OR, N_CMP } t;
    node_t *l, *r;
    /* N_CMP */
    path_el_t *path; /* JSON selector */
    size_t npath;
    int field; /* space-delimited: field index */
    op_t op;
    lit_t v;
};

typedef struct {
    lit_t v;
    char mode; /* '+' required, '-' excluded, '?' optional */
} term_t;

typedef struct {
    str_t name;
    bool ellipsis;
} sfield_t;

struct logs_filter {
    kind_t kind;
    term_t *terms;
    size_t nterms;
    node_t *expr; /* JSON and space-delimited conditions */
    sfield_t *fields;
    size_t nfields;
};

typedef struct {
    arena_t *a;
    const char *p, *end;
    const char *err;
    logs_filter_t *f;
} parser_t;

/* ==== Lexing helpers ==== */

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && isspace((unsigned char)*ps->p)) ps->p++;
}

static bool eat(parser_t *ps, const char *tok)
{
    skip_ws(ps);
    size_t n = strlen(tok);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, tok, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static bool eat_word(parser_t *ps, const char *w)
{
    skip_ws(ps);
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) >= n && strncasecmp(ps->p, w, n) == 0 &&
        (ps->p + n == ps->end || !isalnum((unsigned char)ps->p[n]))) {
        ps->p += n;
        return true;
    }
    return false;
}

static bool is_number(str_t s, double *d)
{
    if (!s.len || s.len > 60) return false;
    char buf[64];
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    char *e;
    *d = strtod(buf, &e);
    return *e == 0 && isfinite(*d) &&
           (isdigit((unsigned char)buf[0]) || buf[0] == '-' || buf[0] == '+' || buf[0] == '.');
}

static void free_regex(void *re)
{
    regfree(re);
}

/* AWS (filter pattern syntax, "Using regular expressions"): %regex% anywhere
 * a term or value may stand; ours is POSIX extended syntax. */
static bool read_regex(parser_t *ps, lit_t *v)
{
    const char *b = ++ps->p;
    while (ps->p < ps->end && *ps->p != '%') ps->p++;
    if (ps->p >= ps->end || ps->p == b) {
        ps->err = "Invalid filter pattern: a regular expression must be enclosed in %";
        return false;
    }
    char *src = arena_strndup(ps->a, b, (size_t)(ps->p - b));
    ps->p++;
    regex_t *re = arena_alloc(ps->a, sizeof *re);
    if (!src || !re) return false;
    if (regcomp(re, src, REG_EXTENDED | REG_NOSUB) != 0) {
        ps->err = "Invalid filter pattern: invalid regular expression";
        return false;
    }
    if (arena_defer(ps->a, free_regex, re) < 0) {
        regfree(re);
        return false;
    }
    *v = (lit_t){.s = str_c(src), .re = re};
    return true;
}

static bool regex_hit(arena_t *a, const regex_t *re, str_t s)
{
    char *z = arena_strndup(a, s.p ? s.p : "", s.len);
    return z && regexec(re, z, 0, NULL, 0) == 0;
}

/* A "quoted string" (backslash escapes the next byte) or a bare word ending at
 * whitespace or one of `stop`. */
static bool read_value(parser_t *ps, const char *stop, lit_t *v)
{
    *v = (lit_t){0};
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '"') {
        char *o = arena_alloc(ps->a, (size_t)(ps->end - ps->p) + 1);
        if (!o) return false;
        size_t n = 0;
        for (ps->p++; ps->p < ps->end && *ps->p != '"'; ps->p++) {
            if (*ps->p == '\\' && ps->p + 1 < ps->end) ps->p++;
            o[n++] = *ps->p;
        }
        if (ps->p >= ps->end) {
            ps->err = "Invalid filter pattern: unterminated quoted string";
            return false;
        }
        ps->p++;
        o[n] = 0;
        v->s = str_n(o, n);
        v->num = false;
        return true;
    }
    if (ps->p < ps->end && *ps->p == '%') return read_regex(ps, v);
    const char *b = ps->p;
    while (ps->p < ps->end && !isspace((unsigned char)*ps->p) && !strchr(stop, *ps->p)) ps->p++;
    if (ps->p == b) {
        ps->err = "Invalid filter pattern: a value is missing";
        return false;
    }
    v->s = str_n(b, (size_t)(ps->p - b));
    v->num = is_number(v->s, &v->d);
    return true;
}

static bool read_op(parser_t *ps, op_t *op)
{
    skip_ws(ps);
    static const struct {
        const char *t;
        op_t op;
    } ops[] = {{"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"=", OP_EQ}, {"<", OP_LT}, {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (eat(ps, ops[i].t)) {
            *op = ops[i].op;
            return true;
        }
    ps->err = "Invalid filter pattern: expected a comparison operator";
    return false;
}

static node_t *mk(parser_t *ps, int t, node_t *l, node_t *r)
{
    node_t *n = ARENA_NEW(ps->a, node_t);
    if (!n) return NULL;
    n->t = t;
    n->l = l;
    n->r = r;
    return n;
}

/* ==== JSON patterns ==== */

static node_t *json_or(parser_t *ps);

/* A JSON selector's members and indexes after its '$' (.a.b[0]), into n. */
static bool read_path(parser_t *ps, node_t *n)
{
    path_el_t *els = ARENA_NEWN(ps->a, path_el_t, 64);
    if (!els) return false;
    while (ps->p < ps->end && n->npath < 64) {
        if (*ps->p == '.') {
            const char *b = ++ps->p;
            while (ps->p < ps->end &&
                   (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '-' || *ps->p == '$' || *ps->p == '@'))
                ps->p++;
            if (ps->p == b) break;
            els[n->npath++] = (path_el_t){str_n(b, (size_t)(ps->p - b)), 0};
        } else if (*ps->p == '[') {
            char *e;
            long i = strtol(ps->p + 1, &e, 10);
            if (e >= ps->end || *e != ']' || e == ps->p + 1) {
                ps->err = "Invalid filter pattern: bad array index";
                return false;
            }
            els[n->npath++] = (path_el_t){STR_NULL, i};
            ps->p = e + 1;
        } else
            break;
    }
    n->path = els;
    return true;
}

static node_t *json_cmp(parser_t *ps)
{
    skip_ws(ps);
    if (eat(ps, "(")) {
        node_t *n = json_or(ps);
        if (!n) return NULL;
        if (!eat(ps, ")")) {
            ps->err = "Invalid filter pattern: missing ')'";
            return NULL;
        }
        return n;
    }
    if (!eat(ps, "$")) {
        ps->err = "Invalid filter pattern: a JSON selector must start with '$'";
        return NULL;
    }
    node_t *n = mk(ps, N_CMP, NULL, NULL);
    if (!n || !read_path(ps, n)) return NULL;
    if (eat_word(ps, "IS")) {
        if (eat_word(ps, "TRUE"))
            n->op = OP_TRUE;
        else if (eat_word(ps, "FALSE"))
            n->op = OP_FALSE;
        else if (eat_word(ps, "NULL"))
            n->op = OP_NULL;
        else {
            ps->err = "Invalid filter pattern: IS must be followed by TRUE, FALSE or NULL";
            return NULL;
        }
        return n;
    }
    if (eat_word(ps, "NOT")) {
        if (!eat_word(ps, "EXISTS")) {
            ps->err = "Invalid filter pattern: NOT must be followed by EXISTS";
            return NULL;
        }
        n->op = OP_NEXISTS;
        return n;
    }
    if (eat_word(ps, "EXISTS")) {
        n->op = OP_EXISTS;
        return n;
    }
    if (!read_op(ps, &n->op) || !read_value(ps, "&|)}", &n->v)) return NULL;
    if (!n->v.num && n->op != OP_EQ && n->op != OP_NE) {
        ps->err = "Invalid filter pattern: only = and != compare strings";
        return NULL;
    }
    return n;
}

static node_t *json_and(parser_t *ps)
{
    node_t *l = json_cmp(ps);
    while (l && eat(ps, "&&")) {
        node_t *r = json_cmp(ps);
        l = r ? mk(ps, N_AND, l, r) : NULL;
    }
    return l;
}

static node_t *json_or(parser_t *ps)
{
    node_t *l = json_and(ps);
    while (l && eat(ps, "||")) {
        node_t *r = json_and(ps);
        l = r ? mk(ps, N_OR, l, r) : NULL;
    }
    return l;
}

/* ==== Space-delimited patterns ==== */

static int field_index(const logs_filter_t *f, str_t name)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (!f->fields[i].ellipsis && str_eq(f->fields[i].name, name)) return (int)i;
    return -1;
}

/* One field's condition chain: op value, then (&& | ||) [name] op value ...
 * (a later clause may name the same or another field). */
static node_t *space_cond(parser_t *ps, int field, bool named)
{
    node_t *n = mk(ps, N_CMP, NULL, NULL);
    if (!n) return NULL;
    n->field = field;
    if (named) {
        skip_ws(ps);
        const char *b = ps->p;
        while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_')) ps->p++;
        int fi = field_index(ps->f, str_n(b, (size_t)(ps->p - b)));
        if (fi >= 0) n->field = fi;
    }
    if (!read_op(ps, &n->op) || !read_value(ps, ",]&|", &n->v)) return NULL;
    int join = eat(ps, "&&") ? N_AND : eat(ps, "||") ? N_OR : -1;
    if (join < 0) return n;
    node_t *rest = space_cond(ps, field, true);
    return rest ? mk(ps, join, n, rest) : NULL;
}

static bool parse_space(parser_t *ps)
{
    logs_filter_t *f = ps->f;
    f->fields = ARENA_NEWN(ps->a, sfield_t, 256);
    if (!f->fields) return false;
    ps->p++; /* '[' */
    skip_ws(ps);
    if (eat(ps, "]")) return true;
    for (;;) {
        if (f->nfields == 256) {
            ps->err = "Invalid filter pattern: too many fields";
            return false;
        }
        skip_ws(ps);
        if (eat(ps, "...")) {
            f->fields[f->nfields++] = (sfield_t){STR_NULL, true};
        } else {
            const char *b = ps->p;
            while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_')) ps->p++;
            if (ps->p == b) {
                ps->err = "Invalid filter pattern: a field name is missing";
                return false;
            }
            int idx = (int)f->nfields;
            f->fields[f->nfields++] = (sfield_t){str_n(b, (size_t)(ps->p - b)), false};
            skip_ws(ps);
            if (ps->p < ps->end && strchr("=!<>", *ps->p)) {
                node_t *c = space_cond(ps, idx, false);
                if (!c) return false;
                f->expr = f->expr ? mk(ps, N_AND, f->expr, c) : c;
            }
        }
        if (eat(ps, ",")) continue;
        if (eat(ps, "]")) return true;
        ps->err = "Invalid filter pattern: expected ',' or ']'";
        return false;
    }
}

/* ==== Terms ==== */

static bool parse_terms(parser_t *ps)
{
    logs_filter_t *f = ps->f;
    size_t cap = (size_t)(ps->end - ps->p) / 2 + 1;
    f->terms = ARENA_NEWN(ps->a, term_t, cap);
    if (!f->terms) return false;
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end) return true;
        char mode = '+';
        if (*ps->p == '-' || *ps->p == '?') mode = *ps->p++;
        lit_t v;
        if (!read_value(ps, "", &v)) return false;
        f->terms[f->nterms++] = (term_t){v, mode};
    }
}

logs_filter_t *logs__filter_compile(arena_t *a, str_t pattern, const char **err)
{
    logs_filter_t *f = ARENA_NEW(a, logs_filter_t);
    if (!f) return NULL;
    str_t t = str_trim(pattern);
    while (t.len && (t.p[t.len - 1] == '\n' || t.p[t.len - 1] == '\r')) t.len--;
    parser_t ps = {a, t.p, t.p + t.len, NULL, f};
    bool ok;
    if (!t.len) {
        f->kind = K_ALL;
        return f;
    } else if (t.p[0] == '{') {
        f->kind = K_JSON;
        ps.p++;
        f->expr = json_or(&ps);
        ok = f->expr && eat(&ps, "}");
        if (f->expr && !ok) ps.err = "Invalid filter pattern: expected '}'";
    } else if (t.p[0] == '[') {
        f->kind = K_SPACE;
        ok = parse_space(&ps);
    } else {
        f->kind = K_TERMS;
        ok = parse_terms(&ps);
    }
    skip_ws(&ps);
    if (ok && ps.p != ps.end) {
        ok = false;
        ps.err = "Invalid filter pattern: unexpected text after the pattern";
    }
    if (!ok) {
        if (err) *err = ps.err ? ps.err : "Invalid filter pattern";
        return NULL;
    }
    return f;
}

/* ==== Matching ==== */

/* '*' matches any run of bytes. */
static bool glob(str_t pat, str_t s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < s.len) {
        if (pi < pat.len && pat.p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pat.len && pat.p[pi] == s.p[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else
            return false;
    }
    while (pi < pat.len && pat.p[pi] == '*') pi++;
    return pi == pat.len;
}

static bool has_sub(str_t s, str_t t)
{
    return t.len == 0 || (t.len <= s.len && memmem(s.p, s.len, t.p, t.len) != NULL);
}

static bool cmp_num(op_t op, double x, double y)
{
    switch (op) {
    case OP_EQ: return x == y;
    case OP_NE: return x != y;
    case OP_LT: return x < y;
    case OP_GT: return x > y;
    case OP_LE: return x <= y;
    case OP_GE: return x >= y;
    default: return false;
    }
}

/* A scalar seen as text (and number when it is one) against v. */
static bool cmp_value(arena_t *a, op_t op, const lit_t *v, str_t text, bool isnum, double d)
{
    if (v->re) {
        bool hit = regex_hit(a, v->re, text);
        return op == OP_EQ ? hit : op == OP_NE ? !hit : false;
    }
    if (v->num) {
        if (!isnum) return op == OP_NE;
        return cmp_num(op, d, v->d);
    }
    bool eq = glob(v->s, text);
    return op == OP_EQ ? eq : op == OP_NE ? !eq : false;
}

static const json_t *select_json(const json_t *j, const node_t *n)
{
    for (size_t i = 0; j && i < n->npath; i++) {
        const path_el_t *e = &n->path[i];
        if (e->key.p) {
            if (j->type != JSON_OBJECT) return NULL;
            const json_t *hit = NULL;
            for (size_t k = 0; k < j->u.obj.n; k++)
                if (str_eq(j->u.obj.k[k], e->key)) hit = j->u.obj.v[k];
            j = hit;
        } else {
            if (j->type != JSON_ARRAY || e->idx < 0 || (size_t)e->idx >= j->u.arr.n) return NULL;
            j = j->u.arr.v[e->idx];
        }
    }
    return j;
}

static bool eval_json(arena_t *a, const node_t *n, const json_t *doc)
{
    if (n->t == N_AND) return eval_json(a, n->l, doc) && eval_json(a, n->r, doc);
    if (n->t == N_OR) return eval_json(a, n->l, doc) || eval_json(a, n->r, doc);
    const json_t *j = select_json(doc, n);
    switch (n->op) {
    case OP_NEXISTS: return j == NULL;
    case OP_EXISTS: return j != NULL;
    case OP_TRUE: return j && j->type == JSON_BOOL && j->u.b;
    case OP_FALSE: return j && j->type == JSON_BOOL && !j->u.b;
    case OP_NULL: return j && j->type == JSON_NULL;
    default: break;
    }
    if (!j) return false;
    switch (j->type) {
    case JSON_STRING: return cmp_value(a, n->op, &n->v, j->u.s, false, 0);
    case JSON_INT: return cmp_value(a, n->op, &n->v, j->raw, true, (double)j->u.i);
    case JSON_DOUBLE: return cmp_value(a, n->op, &n->v, j->raw, true, j->u.d);
    case JSON_BOOL: return cmp_value(a, n->op, &n->v, j->u.b ? STR("true") : STR("false"), false, 0);
    default: return false;
    }
}

static bool eval_space(arena_t *a, const node_t *n, const str_t *vals)
{
    if (n->t == N_AND) return eval_space(a, n->l, vals) && eval_space(a, n->r, vals);
    if (n->t == N_OR) return eval_space(a, n->l, vals) || eval_space(a, n->r, vals);
    double d = 0;
    str_t s = vals[n->field];
    bool isnum = is_number(s, &d); /* before reading d: argument order is unspecified */
    return cmp_value(a, n->op, &n->v, s, isnum, d);
}

/* Splits a message into fields at spaces; "…" and […] are one field each (without their delimiters). */
static size_t split_fields(arena_t *a, str_t m, str_t **out)
{
    str_t *f = ARENA_NEWN(a, str_t, m.len / 2 + 2);
    *out = f;
    if (!f) return 0;
    size_t n = 0, i = 0;
    while (i < m.len) {
        while (i < m.len && m.p[i] == ' ') i++;
        if (i >= m.len) break;
        char close = m.p[i] == '"' ? '"' : m.p[i] == '[' ? ']' : 0;
        size_t b = i;
        if (close) {
            const char *e = memchr(m.p + i + 1, close, m.len - i - 1);
            if (e) {
                f[n++] = str_n(m.p + i + 1, (size_t)(e - m.p - i - 1));
                i = (size_t)(e - m.p) + 1;
                continue;
            }
        }
        while (i < m.len && m.p[i] != ' ') i++;
        f[n++] = str_n(m.p + b, i - b);
    }
    *out = f;
    return n;
}

/* Assigns message fields to pattern fields (an ellipsis takes any number,
 * and otherwise the counts must be equal): false when they cannot be. */
static bool assign_fields(const logs_filter_t *f, arena_t *a, str_t m, str_t *vals)
{
    str_t *mf = NULL;
    size_t nm = split_fields(a, m, &mf);
    size_t before = 0, after = 0, ell = f->nfields;
    for (size_t i = 0; i < f->nfields; i++)
        if (f->fields[i].ellipsis) {
            ell = i;
            break;
        }
    if (ell == f->nfields) {
        if (nm != f->nfields) return false;
        for (size_t i = 0; i < nm; i++) vals[i] = mf[i];
    } else {
        before = ell;
        after = f->nfields - ell - 1;
        if (nm < before + after) return false;
        for (size_t i = 0; i < before; i++) vals[i] = mf[i];
        for (size_t i = 0; i < after; i++) vals[ell + 1 + i] = mf[nm - after + i];
        vals[ell] = STR("");
    }
    return true;
}

static bool match_space(const logs_filter_t *f, arena_t *a, str_t m)
{
    if (!f->nfields) return true;
    str_t *vals = ARENA_NEWN(a, str_t, f->nfields);
    if (!vals || !assign_fields(f, a, m, vals)) return false;
    return !f->expr || eval_space(a, f->expr, vals);
}

val_t *logs__filter_extract(const logs_filter_t *f, arena_t *a, str_t m)
{
    val_t *map = val_new(a, VAL_MAP);
    str_t *vals = f->kind == K_SPACE && f->nfields ? ARENA_NEWN(a, str_t, f->nfields) : NULL;
    if (!vals || !assign_fields(f, a, m, vals)) return map;
    for (size_t i = 0; i < f->nfields; i++)
        if (!f->fields[i].ellipsis)
            val_set(a, map, str_c(arena_printf(a, "$%.*s", STR_FMT(f->fields[i].name))), val_str(a, vals[i]));
    return map;
}

bool logs__filter_match(const logs_filter_t *f, arena_t *a, str_t m)
{
    switch (f->kind) {
    case K_ALL: return true;
    case K_TERMS: {
        bool any_opt = false, opt_hit = false;
        for (size_t i = 0; i < f->nterms; i++) {
            const lit_t *t = &f->terms[i].v;
            bool hit = t->re ? regex_hit(a, t->re, m) : has_sub(m, t->s);
            if (f->terms[i].mode == '+' && !hit) return false;
            if (f->terms[i].mode == '-' && hit) return false;
            if (f->terms[i].mode == '?') {
                any_opt = true;
                opt_hit |= hit;
            }
        }
        return !any_opt || opt_hit;
    }
    case K_JSON: {
        json_t *doc = json_parse(a, m, NULL);
        return doc && eval_json(a, f->expr, doc);
    }
    case K_SPACE: return match_space(f, a, m);
    }
    return false;
}

bool logs__filter_structured(const logs_filter_t *f)
{
    return f->kind == K_JSON || f->kind == K_SPACE;
}

str_t logs__filter_value(const logs_filter_t *f, arena_t *a, str_t m, str_t selector)
{
    if (selector.len < 2 || selector.p[0] != '$') return selector;
    if (selector.p[1] == '.' || selector.p[1] == '[') {
        parser_t ps = {.a = a, .p = selector.p + 1, .end = selector.p + selector.len};
        node_t n = {.t = N_CMP};
        if (!read_path(&ps, &n) || ps.p != ps.end) return STR_NULL;
        const json_t *doc = json_parse(a, m, NULL);
        const json_t *j = doc ? select_json(doc, &n) : NULL;
        if (!j) return STR_NULL;
        switch (j->type) {
        case JSON_STRING: return j->u.s;
        case JSON_INT:
        case JSON_DOUBLE: return j->raw;
        case JSON_BOOL: return j->u.b ? STR("true") : STR("false");
        default: return STR_NULL;
        }
    }
    /* $name: a field of the space-delimited pattern */
    if (f->kind != K_SPACE || !f->nfields) return STR_NULL;
    str_t *vals = ARENA_NEWN(a, str_t, f->nfields);
    if (!vals || !assign_fields(f, a, m, vals)) return STR_NULL;
    str_t name = str_n(selector.p + 1, selector.len - 1);
    for (size_t i = 0; i < f->nfields; i++)
        if (!f->fields[i].ellipsis && str_eq(f->fields[i].name, name)) return vals[i];
    return STR_NULL;
}
