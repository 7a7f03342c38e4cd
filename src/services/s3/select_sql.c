/* select_sql.c — the SQL of S3 Select: lexer, recursive-descent parser to a
 * tree, and its evaluator over records (select_sql.h has the contract).
 *
 * The dialect is AWS's "SQL reference for Amazon S3 Select": one SELECT with
 * a list (or *) FROM S3Object[*].path [[AS] alias] [WHERE] [LIMIT]; operators
 * (arithmetic, ||, comparisons, AND/OR/NOT, LIKE … ESCAPE, BETWEEN, IN,
 * IS [NOT] NULL/MISSING), CASE, CAST, COALESCE, NULLIF, string and date
 * functions, and the aggregates COUNT/SUM/AVG/MIN/MAX. Values are PartiQL's:
 * MISSING (no such field), NULL, booleans, integers, floats, strings,
 * timestamps and nested JSON. A CSV field is a string; where a number is
 * compared or computed with it, it is read as one (our choice, the reading
 * the documentation's examples assume). The evaluator never aborts on a bad
 * record: errors come back as AWS codes. */
#include "select_sql.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"

/* ==== values ==== */

typedef enum { V_MISSING, V_NULL, V_BOOL, V_INT, V_FLOAT, V_STR, V_TIME, V_JSON } vk_t;

/* A timestamp: the instant (UTC seconds and nanoseconds), the offset it was
 * written with, and its precision, so it prints back as written. */
typedef struct {
    int64_t sec;
    int32_t nano;
    int16_t tz;   /* minutes east of UTC */
    uint8_t prec; /* 0 year, 1 month, 2 day, 3 minute, 4 second, 5 fraction */
    uint8_t ndig; /* fraction digits when prec is 5 */
} ts_t;

typedef struct {
    vk_t k;
    union {
        bool b;
        int64_t i;
        double f;
        str_t s;
        ts_t t;
        const json_t *j; /* an array or object */
    } u;
} v_t;

static const v_t MISSING = {.k = V_MISSING}, VNULL = {.k = V_NULL};

static v_t vbool(bool b)
{
    return (v_t){.k = V_BOOL, .u.b = b};
}
static v_t vint(int64_t i)
{
    return (v_t){.k = V_INT, .u.i = i};
}
static v_t vfloat(double f)
{
    return (v_t){.k = V_FLOAT, .u.f = f};
}
static v_t vstr(str_t s)
{
    return (v_t){.k = V_STR, .u.s = s};
}

static bool absent(v_t v)
{
    return v.k == V_MISSING || v.k == V_NULL;
}

static v_t of_json(const json_t *j)
{
    if (!j) return MISSING;
    switch (j->type) {
    case JSON_NULL: return VNULL;
    case JSON_BOOL: return vbool(j->u.b);
    case JSON_INT: return vint(j->u.i);
    case JSON_DOUBLE: return vfloat(j->u.d);
    case JSON_STRING: return vstr(j->u.s);
    default: return (v_t){.k = V_JSON, .u.j = j};
    }
}

/* ==== lexer ==== */

typedef enum { T_EOF, T_ID, T_QID, T_STR, T_INT, T_FLOAT, T_TS, T_OP } tk_t;

typedef struct {
    tk_t t;
    str_t s; /* identifier, literal text (unescaped) or operator */
} tok_t;

typedef struct {
    arena_t *a;
    tok_t *tk;
    size_t n, i;
    sel_err_t *err;
    bool csv;
    int depth;
} ps_t;

static int fail(sel_err_t *e, const char *code, const char *msg)
{
    if (!e->code) e->code = code, e->msg = msg;
    return -1;
}

static int lex(ps_t *p, str_t sql)
{
    size_t cap = 16, n = 0;
    tok_t *v = ARENA_NEWN(p->a, tok_t, cap);
    const char *s = sql.p, *end = sql.p + sql.len;
    while (v) {
        while (s < end && isspace((unsigned char)*s)) s++;
        if (n + 1 >= cap) {
            tok_t *nv = ARENA_NEWN(p->a, tok_t, cap * 2);
            if (!nv) return -1;
            memcpy(nv, v, n * sizeof *v);
            v = nv, cap *= 2;
        }
        tok_t *t = &v[n++];
        if (s >= end) {
            t->t = T_EOF;
            break;
        }
        const char *b = s;
        if (isalpha((unsigned char)*s) || *s == '_') {
            while (s < end && (isalnum((unsigned char)*s) || *s == '_')) s++;
            *t = (tok_t){T_ID, str_n(b, (size_t)(s - b))};
        } else if (isdigit((unsigned char)*s) || (*s == '.' && s + 1 < end && isdigit((unsigned char)s[1]))) {
            bool fl = false;
            while (s < end && isdigit((unsigned char)*s)) s++;
            if (s < end && *s == '.') {
                fl = true;
                for (s++; s < end && isdigit((unsigned char)*s);) s++;
            }
            if (s < end && (*s == 'e' || *s == 'E')) {
                const char *q = s + 1;
                if (q < end && (*q == '+' || *q == '-')) q++;
                if (q < end && isdigit((unsigned char)*q)) {
                    fl = true;
                    for (s = q; s < end && isdigit((unsigned char)*s);) s++;
                }
            }
            *t = (tok_t){fl ? T_FLOAT : T_INT, str_n(b, (size_t)(s - b))};
        } else if (*s == '\'' || *s == '"' || *s == '`') {
            /* 'string' ('' is a quote), "identifier" ("" likewise), `timestamp` */
            char q = *s++;
            buf_t o;
            buf_init(&o, p->a);
            for (;;) {
                if (s >= end)
                    return fail(p->err, "ParseUnexpectedToken", "The SQL expression contains an unterminated literal.");
                if (*s == q) {
                    if (s + 1 < end && s[1] == q && q != '`') {
                        buf_putc(&o, q);
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                buf_putc(&o, *s++);
            }
            *t = (tok_t){q == '\'' ? T_STR : q == '"' ? T_QID : T_TS, buf_str(&o)};
            if (!t->s.p) t->s = STR("");
        } else {
            static const char *const two[] = {"<=", ">=", "<>", "!=", "||"};
            size_t k = 1;
            for (size_t i = 0; i < 5; i++)
                if (end - s >= 2 && !memcmp(s, two[i], 2)) k = 2;
            if (k == 1 && !strchr("=<>+-*/%(),.[];", *s))
                return fail(p->err, "LexerInvalidChar", "The SQL expression contains an invalid character.");
            s += k;
            *t = (tok_t){T_OP, str_n(b, k)};
        }
    }
    if (!v) return -1;
    p->tk = v, p->n = n, p->i = 0;
    return 0;
}

/* ==== parse tree ==== */

typedef enum { S_NAME, S_INDEX, S_WILD } sk_t;
typedef struct {
    sk_t k;
    bool quoted;
    str_t name;
    int64_t idx;
} step_t;

typedef enum {
    N_LIT,
    N_PATH,
    N_NEG,
    N_NOT,
    N_AND,
    N_OR,
    N_CMP,
    N_ARITH,
    N_CONCAT,
    N_LIKE,
    N_BETWEEN,
    N_IN,
    N_IS,
    N_CASE,
    N_CAST,
    N_FN,
    N_AGG,
} nk_t;

typedef enum {
    F_CHAR_LENGTH,
    F_LOWER,
    F_UPPER,
    F_SUBSTRING,
    F_TRIM,
    F_COALESCE,
    F_NULLIF,
    F_UTCNOW,
    F_TO_TIMESTAMP,
    F_TO_STRING,
    F_EXTRACT,
    F_DATE_ADD,
    F_DATE_DIFF
} fn_t;
typedef enum { A_COUNT, A_SUM, A_AVG, A_MIN, A_MAX } agg_t;

typedef struct node node_t;
struct node {
    nk_t k;
    int op;   /* N_CMP/N_ARITH: the operator's first char or code; N_FN: fn_t; N_AGG: agg_t; N_CAST: type; N_IS */
    bool neg; /* NOT LIKE / NOT BETWEEN / NOT IN / IS NOT */
    node_t *a, *b, *c;
    node_t **args; /* N_FN, N_IN, N_CASE (when/then pairs) */
    int nargs;
    int height; /* of the tree below, this node included (a, b, args) */
    v_t lit;
    step_t *steps;
    int nsteps;
    /* aggregate state */
    int64_t count, isum;
    double fsum;
    bool is_float, seen;
    v_t best;
};

struct sel_query {
    arena_t *a;
    bool csv, star, agg;
    node_t **items;
    str_t *names; /* output names (JSON) */
    int nitems;
    node_t *where;
    int64_t limit; /* -1: none */
    int64_t emitted;
    str_t alias;
    str_t row_name; /* no alias: the FROM path's last name, or _1 after a wildcard */
    step_t *from;
    int nfrom;
};

enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum { K_INT, K_FLOAT, K_STRING, K_BOOL, K_TIMESTAMP };

static tok_t *peek(ps_t *p)
{
    return &p->tk[p->i];
}
static bool is_kw(const tok_t *t, const char *kw)
{
    return t->t == T_ID && str_eq_nocase(t->s, str_c(kw));
}
static bool is_op(const tok_t *t, const char *op)
{
    return t->t == T_OP && str_eq_c(t->s, op);
}
static bool accept_kw(ps_t *p, const char *kw)
{
    if (!is_kw(peek(p), kw)) return false;
    p->i++;
    return true;
}
static bool accept_op(ps_t *p, const char *op)
{
    if (!is_op(peek(p), op)) return false;
    p->i++;
    return true;
}
static int unexpected(ps_t *p)
{
    if (peek(p)->t == T_EOF)
        return fail(p->err, "ParseExpectedExpression", "The SQL expression is incomplete: an expression was expected.");
    return fail(p->err, "ParseUnexpectedToken", "The SQL expression contains an unexpected token.");
}
static int expect_op(ps_t *p, const char *op)
{
    return accept_op(p, op) ? 0 : unexpected(p);
}
static int expect_kw(ps_t *p, const char *kw)
{
    return accept_kw(p, kw) ? 0 : fail(p->err, "ParseExpectedKeyword", "The SQL expression is missing a keyword.");
}

/* The parser's recursion and the tree's height are both bounded: the
 * evaluator recurses over the tree, and a 256 KB expression could
 * otherwise nest (or chain a + a + …) deep enough to exhaust a stack. */
#define MAX_DEPTH 200
#define MAX_HEIGHT 1000

static bool deeper(ps_t *p)
{
    if (++p->depth <= MAX_DEPTH) return true;
    fail(p->err, "ParseUnsupportedSyntax", "The SQL expression is nested too deeply.");
    return false;
}

static bool too_tall(ps_t *p, const node_t *n)
{
    if (!n || n->height <= MAX_HEIGHT) return false;
    fail(p->err, "ParseUnsupportedSyntax", "The SQL expression is nested too deeply.");
    return true;
}

/* A child set after mk: the node's height counts it; NULL passes through. */
static node_t *child(ps_t *p, node_t *n, node_t *c)
{
    if (c && c->height + 1 > n->height) n->height = c->height + 1;
    return c && !too_tall(p, n) ? c : NULL;
}

static node_t *mk(ps_t *p, nk_t k, node_t *a, node_t *b)
{
    node_t *n = ARENA_NEW(p->a, node_t);
    if (!n) return NULL;
    n->k = k, n->a = a, n->b = b;
    int ha = a ? a->height : 0, hb = b ? b->height : 0;
    n->height = 1 + (ha > hb ? ha : hb);
    return too_tall(p, n) ? NULL : n;
}

/* Words that end an expression or a list item and so are never paths. */
static const char *const reserved[] = {"select",  "from",     "where",  "limit",   "and",      "or",     "not",
                                       "as",      "like",     "escape", "between", "in",       "is",     "null",
                                       "missing", "true",     "false",  "case",    "when",     "then",   "else",
                                       "end",     "cast",     "group",  "order",   "by",       "having", "join",
                                       "union",   "distinct", "for",    "leading", "trailing", "both",   "offset"};
static bool reserved_word(const tok_t *t)
{
    if (t->t != T_ID) return false;
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (str_eq_nocase(t->s, str_c(reserved[i]))) return true;
    return false;
}

static node_t *expr(ps_t *p);

static int parse_steps(ps_t *p, node_t *n, bool first_done)
{
    size_t cap = 4;
    n->steps = ARENA_NEWN(p->a, step_t, cap);
    if (!n->steps) return -1;
    for (;;) {
        step_t st = {0};
        if (!first_done) {
            tok_t *t = peek(p);
            st = (step_t){S_NAME, t->t == T_QID, t->s, 0};
            p->i++;
            first_done = true;
        } else if (accept_op(p, ".")) {
            tok_t *t = peek(p);
            if (is_op(t, "*")) {
                p->i++;
                st.k = S_WILD;
            } else if (t->t == T_ID || t->t == T_QID) {
                st = (step_t){S_NAME, t->t == T_QID, t->s, 0};
                p->i++;
            } else {
                return fail(p->err, "ParseInvalidPathComponent",
                            "The SQL expression contains an invalid path component.");
            }
        } else if (accept_op(p, "[")) {
            tok_t *t = peek(p);
            long long x;
            if (accept_op(p, "*")) {
                st.k = S_WILD;
            } else if (t->t == T_INT && str_to_i64(t->s, &x)) {
                st.k = S_INDEX, st.idx = x;
                p->i++;
            } else if (t->t == T_STR) {
                st = (step_t){S_NAME, true, t->s, 0};
                p->i++;
            } else {
                return fail(p->err, "ParseInvalidPathComponent",
                            "The SQL expression contains an invalid path component.");
            }
            if (expect_op(p, "]")) return -1;
        } else {
            return 0;
        }
        if (n->nsteps == (int)cap) {
            step_t *ns = ARENA_NEWN(p->a, step_t, cap * 2);
            if (!ns) return -1;
            memcpy(ns, n->steps, cap * sizeof *ns);
            n->steps = ns, cap *= 2;
        }
        n->steps[n->nsteps++] = st;
    }
}

static int push_arg(ps_t *p, node_t *n, node_t *arg)
{
    if (!arg) return -1;
    node_t **v = ARENA_NEWN(p->a, node_t *, (size_t)n->nargs + 1);
    if (!v) return -1;
    if (n->nargs) memcpy(v, n->args, (size_t)n->nargs * sizeof *v);
    v[n->nargs++] = arg;
    n->args = v;
    if (arg->height + 1 > n->height) n->height = arg->height + 1;
    return too_tall(p, n) ? -1 : 0;
}

static node_t *lit(ps_t *p, v_t v)
{
    node_t *n = mk(p, N_LIT, NULL, NULL);
    if (n) n->lit = v;
    return n;
}

static bool parse_ts(str_t s, ts_t *out);

static const struct {
    const char *name;
    fn_t fn;
    int min, max;
} fns[] = {
    {"char_length", F_CHAR_LENGTH, 1, 1},
    {"character_length", F_CHAR_LENGTH, 1, 1},
    {"lower", F_LOWER, 1, 1},
    {"upper", F_UPPER, 1, 1},
    {"substring", F_SUBSTRING, 2, 3},
    {"trim", F_TRIM, 1, 2},
    {"coalesce", F_COALESCE, 1, 64},
    {"nullif", F_NULLIF, 2, 2},
    {"utcnow", F_UTCNOW, 0, 0},
    {"to_timestamp", F_TO_TIMESTAMP, 1, 1},
    {"to_string", F_TO_STRING, 2, 2},
    {"extract", F_EXTRACT, 2, 2},
    {"date_add", F_DATE_ADD, 3, 3},
    {"date_diff", F_DATE_DIFF, 3, 3},
};
static const char *const aggs[] = {"count", "sum", "avg", "min", "max"};
static const char *const dateparts[] = {"year",   "month",  "day",           "hour",
                                        "minute", "second", "timezone_hour", "timezone_minute"};

static node_t *datepart(ps_t *p)
{
    tok_t *t = peek(p);
    for (int i = 0; i < 8; i++)
        if (is_kw(t, dateparts[i])) {
            p->i++;
            return lit(p, vint(i));
        }
    fail(p->err, "ParseExpectedDatePart", "The SQL expression is missing a date part.");
    return NULL;
}

static node_t *call(ps_t *p, str_t name)
{
    p->i++; /* "(" */
    for (int i = 0; i < 5; i++) {
        if (!str_eq_nocase(name, str_c(aggs[i]))) continue;
        node_t *n = mk(p, N_AGG, NULL, NULL);
        if (!n) return NULL;
        n->op = i;
        if (i == A_COUNT && accept_op(p, "*")) {
            n->a = NULL;
        } else if (!(n->a = child(p, n, expr(p)))) {
            return NULL;
        }
        if (expect_op(p, ")")) return NULL;
        return n;
    }
    const size_t nf = sizeof fns / sizeof *fns;
    size_t f = nf;
    for (size_t i = 0; i < nf; i++)
        if (str_eq_nocase(name, str_c(fns[i].name))) f = i;
    if (f == nf) {
        fail(p->err, "UnsupportedFunction", "The SQL expression contains an unsupported function.");
        return NULL;
    }
    node_t *n = mk(p, N_FN, NULL, NULL);
    if (!n) return NULL;
    n->op = fns[f].fn;
    if (n->op == F_EXTRACT) {
        /* EXTRACT(part FROM ts) */
        if (push_arg(p, n, datepart(p)) || expect_kw(p, "from") || push_arg(p, n, expr(p))) return NULL;
    } else if (n->op == F_DATE_ADD || n->op == F_DATE_DIFF) {
        if (push_arg(p, n, datepart(p)) || expect_op(p, ",")) return NULL;
        if (push_arg(p, n, expr(p)) || expect_op(p, ",") || push_arg(p, n, expr(p))) return NULL;
    } else if (n->op == F_TRIM) {
        /* TRIM([[LEADING|TRAILING|BOTH] [chars] FROM] s): args = s, chars; c->op = side */
        int side = 0;
        if (accept_kw(p, "leading"))
            side = 1;
        else if (accept_kw(p, "trailing"))
            side = 2;
        else if (accept_kw(p, "both"))
            side = 3;
        node_t *chars = NULL, *s;
        if (side && accept_kw(p, "from")) {
            s = expr(p);
        } else {
            s = expr(p);
            if (s && accept_kw(p, "from"))
                chars = s, s = expr(p);
            else if (side) {
                fail(p->err, "ParseExpectedKeyword", "The SQL expression is missing a keyword.");
                return NULL;
            }
        }
        if (push_arg(p, n, s)) return NULL;
        if (chars && push_arg(p, n, chars)) return NULL;
        n->neg = false;
        n->lit = vint(side ? side : 3);
    } else if (n->op == F_SUBSTRING) {
        if (push_arg(p, n, expr(p))) return NULL;
        bool sql = accept_kw(p, "from");
        if (!sql && expect_op(p, ",")) return NULL;
        if (push_arg(p, n, expr(p))) return NULL;
        if (sql ? accept_kw(p, "for") : accept_op(p, ","))
            if (push_arg(p, n, expr(p))) return NULL;
    } else if (!is_op(peek(p), ")")) {
        do {
            if (push_arg(p, n, expr(p))) return NULL;
        } while (accept_op(p, ","));
    }
    if (n->nargs < fns[f].min || n->nargs > fns[f].max) {
        fail(p->err, "EvaluatorInvalidArguments",
             "Incorrect number of arguments in the function call in the SQL expression.");
        return NULL;
    }
    if (expect_op(p, ")")) return NULL;
    return n;
}

static node_t *primary(ps_t *p)
{
    tok_t *t = peek(p);
    if (!deeper(p)) return NULL;
    node_t *n = NULL;
    if (t->t == T_INT) {
        long long x;
        p->i++;
        n = str_to_i64(t->s, &x) ? lit(p, vint(x)) : lit(p, vfloat(strtod(arena_str(p->a, t->s).p, NULL)));
    } else if (t->t == T_FLOAT) {
        p->i++;
        str_t z = arena_str(p->a, t->s);
        n = z.p ? lit(p, vfloat(strtod(z.p, NULL))) : NULL;
    } else if (t->t == T_STR) {
        p->i++;
        n = lit(p, vstr(t->s));
    } else if (t->t == T_TS) {
        ts_t ts;
        p->i++;
        if (!parse_ts(t->s, &ts)) {
            fail(p->err, "LexerInvalidLiteral", "The SQL expression contains an invalid literal.");
            return NULL;
        }
        n = lit(p, (v_t){.k = V_TIME, .u.t = ts});
    } else if (accept_kw(p, "true") || accept_kw(p, "false")) {
        n = lit(p, vbool(is_kw(t, "true")));
    } else if (accept_kw(p, "null")) {
        n = lit(p, VNULL);
    } else if (accept_kw(p, "missing")) {
        n = lit(p, MISSING);
    } else if (accept_op(p, "(")) {
        n = expr(p);
        if (n && expect_op(p, ")")) n = NULL;
    } else if (accept_kw(p, "cast")) {
        static const struct {
            const char *name;
            int k;
        } types[] = {{"int", K_INT},
                     {"integer", K_INT},
                     {"float", K_FLOAT},
                     {"decimal", K_FLOAT},
                     {"numeric", K_FLOAT},
                     {"real", K_FLOAT},
                     {"double", K_FLOAT},
                     {"string", K_STRING},
                     {"varchar", K_STRING},
                     {"char", K_STRING},
                     {"bool", K_BOOL},
                     {"boolean", K_BOOL},
                     {"timestamp", K_TIMESTAMP}};
        if (!accept_op(p, "(")) {
            fail(p->err, "ParseExpectedLeftParenAfterCast",
                 "The SQL expression is missing a left parenthesis after CAST.");
            return NULL;
        }
        node_t *e = expr(p);
        if (!e || expect_kw(p, "as")) return NULL;
        n = mk(p, N_CAST, e, NULL);
        tok_t *ty = peek(p);
        int k = -1;
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (is_kw(ty, types[i].name)) k = types[i].k;
        if (k < 0) {
            fail(p->err, "ParseExpectedTypeName",
                 "The SQL expression is missing a type name or has an unsupported one.");
            return NULL;
        }
        p->i++;
        if (accept_op(p, "(")) { /* DECIMAL(p, s), VARCHAR(n): parameters accepted, unused */
            while (!is_op(peek(p), ")") && peek(p)->t != T_EOF) p->i++;
            if (expect_op(p, ")")) return NULL;
        }
        if (!n || expect_op(p, ")")) return NULL;
        n->op = k;
    } else if (accept_kw(p, "case")) {
        n = mk(p, N_CASE, NULL, NULL);
        if (!n) return NULL;
        if (!is_kw(peek(p), "when") && !is_kw(peek(p), "end") && !is_kw(peek(p), "else") &&
            !(n->a = child(p, n, expr(p))))
            return NULL;
        if (!is_kw(peek(p), "when")) {
            fail(p->err, "ParseExpectedWhenClause", "The SQL expression is missing a WHEN clause in a CASE.");
            return NULL;
        }
        while (accept_kw(p, "when")) {
            if (push_arg(p, n, expr(p)) || expect_kw(p, "then") || push_arg(p, n, expr(p))) return NULL;
        }
        if (accept_kw(p, "else") && !(n->b = child(p, n, expr(p)))) return NULL;
        if (expect_kw(p, "end")) return NULL;
    } else if ((t->t == T_ID && !reserved_word(t)) || t->t == T_QID) {
        if (t->t == T_ID && is_op(&p->tk[p->i + 1], "(")) {
            p->i++;
            n = call(p, t->s);
        } else {
            n = mk(p, N_PATH, NULL, NULL);
            if (n && parse_steps(p, n, false)) n = NULL;
        }
    } else if (is_op(t, "*")) {
        fail(p->err, "ParseAsteriskIsNotAloneInSelectList",
             "Other expressions are not allowed in the SELECT list when '*' is used without dot notation in the SQL "
             "expression.");
    } else {
        unexpected(p);
    }
    p->depth--;
    return n;
}

static node_t *unary(ps_t *p)
{
    if (accept_op(p, "-")) {
        if (!deeper(p)) return NULL;
        node_t *e = unary(p);
        p->depth--;
        if (e && e->k == N_LIT && e->lit.k == V_INT && e->lit.u.i != INT64_MIN) return e->lit.u.i = -e->lit.u.i, e;
        if (e && e->k == N_LIT && e->lit.k == V_FLOAT) return e->lit.u.f = -e->lit.u.f, e;
        return e ? mk(p, N_NEG, e, NULL) : NULL;
    }
    if (accept_op(p, "+")) {
        if (!deeper(p)) return NULL;
        node_t *e = unary(p);
        p->depth--;
        return e;
    }
    return primary(p);
}

static node_t *binary_level(ps_t *p, int level);

/* levels: 0 multiplicative, 1 additive, 2 concatenation */
static node_t *binary_level(ps_t *p, int level)
{
    static const char *const ops[3][3] = {{"*", "/", "%"}, {"+", "-", NULL}, {"||", NULL, NULL}};
    node_t *l = level ? binary_level(p, level - 1) : unary(p);
    while (l) {
        const char *hit = NULL;
        for (int i = 0; i < 3; i++)
            if (ops[level][i] && is_op(peek(p), ops[level][i])) hit = ops[level][i];
        if (!hit) break;
        p->i++;
        node_t *r = level ? binary_level(p, level - 1) : unary(p);
        if (!r) return NULL;
        l = mk(p, level == 2 ? N_CONCAT : N_ARITH, l, r);
        if (l) l->op = hit[0];
    }
    return l;
}

static node_t *comparison(ps_t *p)
{
    node_t *l = binary_level(p, 2);
    if (!l) return NULL;
    static const struct {
        const char *op;
        int c;
    } cmps[] = {{"=", C_EQ}, {"!=", C_NE}, {"<>", C_NE}, {"<", C_LT}, {"<=", C_LE}, {">", C_GT}, {">=", C_GE}};
    /* comparisons associate to the left, as PartiQL's: a = b = true */
    bool compared = false;
    for (size_t i = 0; i < sizeof cmps / sizeof *cmps; i++)
        if (accept_op(p, cmps[i].op)) {
            node_t *n = mk(p, N_CMP, l, binary_level(p, 2));
            if (!n || !n->b) return NULL;
            n->op = cmps[i].c;
            l = n, compared = true, i = (size_t)-1;
        }
    if (compared) return l;
    if (accept_kw(p, "is")) {
        node_t *n = mk(p, N_IS, l, NULL);
        if (!n) return NULL;
        n->neg = accept_kw(p, "not");
        if (accept_kw(p, "null"))
            n->op = 0;
        else if (accept_kw(p, "missing"))
            n->op = 1;
        else {
            unexpected(p);
            return NULL;
        }
        return n;
    }
    bool neg = accept_kw(p, "not");
    node_t *n = NULL;
    if (accept_kw(p, "like")) {
        n = mk(p, N_LIKE, l, binary_level(p, 2));
        if (n && n->b && accept_kw(p, "escape")) n->c = child(p, n, binary_level(p, 2));
        if (n && (!n->b || (n->c == NULL && p->err->code))) return NULL;
    } else if (accept_kw(p, "between")) {
        n = mk(p, N_BETWEEN, l, binary_level(p, 2));
        if (!n || !n->b || expect_kw(p, "and") || !(n->c = child(p, n, binary_level(p, 2)))) return NULL;
    } else if (accept_kw(p, "in")) {
        if (expect_op(p, "(")) return NULL;
        n = mk(p, N_IN, l, NULL);
        if (!n) return NULL;
        do {
            if (push_arg(p, n, expr(p))) return NULL;
        } while (accept_op(p, ","));
        if (expect_op(p, ")")) return NULL;
    } else if (neg) {
        unexpected(p);
        return NULL;
    } else {
        return l;
    }
    if (n) n->neg = neg;
    return n;
}

static node_t *not_expr(ps_t *p)
{
    if (accept_kw(p, "not")) {
        if (!deeper(p)) return NULL;
        node_t *e = not_expr(p);
        p->depth--;
        return e ? mk(p, N_NOT, e, NULL) : NULL;
    }
    return comparison(p);
}

/* level 0: ORs of level 1, ANDs of NOT expressions */
static node_t *logical(ps_t *p, int level)
{
    node_t *l = level ? not_expr(p) : logical(p, 1);
    while (l && accept_kw(p, level ? "and" : "or")) {
        node_t *r = level ? not_expr(p) : logical(p, 1);
        l = r ? mk(p, level ? N_AND : N_OR, l, r) : NULL;
    }
    return l;
}

static node_t *expr(ps_t *p)
{
    if (!deeper(p)) return NULL;
    node_t *l = logical(p, 0);
    p->depth--;
    return l;
}

static bool has_agg(const node_t *n)
{
    if (!n) return false;
    if (n->k == N_AGG) return true;
    for (int i = 0; i < n->nargs; i++)
        if (has_agg(n->args[i])) return true;
    return has_agg(n->a) || has_agg(n->b) || has_agg(n->c);
}

sel_query_t *sel_parse(arena_t *a, str_t sql, bool csv, sel_err_t *err)
{
    ps_t p = {.a = a, .err = err, .csv = csv};
    sel_query_t *q = ARENA_NEW(a, sel_query_t);
    if (!q || lex(&p, sql)) return NULL;
    q->a = a, q->csv = csv, q->limit = -1;
    if (!accept_kw(&p, "select")) {
        fail(err, "ParseUnsupportedSelect", "The SQL expression contains an unsupported use of SELECT.");
        return NULL;
    }
    if (is_kw(peek(&p), "distinct")) {
        fail(err, "ParseUnsupportedSyntax", "The SQL expression contains unsupported syntax (DISTINCT).");
        return NULL;
    }
    if (is_kw(peek(&p), "from") || peek(&p)->t == T_EOF) {
        fail(err, "ParseEmptySelect", "The SQL expression contains an empty SELECT.");
        return NULL;
    }
    if (accept_op(&p, "*")) {
        q->star = true;
        if (is_op(peek(&p), ",")) {
            fail(err, "ParseAsteriskIsNotAloneInSelectList",
                 "Other expressions are not allowed in the SELECT list when '*' is used without dot notation in the "
                 "SQL expression.");
            return NULL;
        }
    } else {
        node_t holder = {0};
        str_t names[1024];
        do {
            node_t *e = expr(&p);
            if (!e) return NULL;
            if (holder.nargs == 1024) {
                fail(err, "ParseUnsupportedSyntax", "The SELECT list is too long.");
                return NULL;
            }
            str_t name = STR_NULL;
            tok_t *t = peek(&p);
            if (accept_kw(&p, "as") || ((t->t == T_ID && !reserved_word(t)) || t->t == T_QID)) {
                t = peek(&p);
                if (t->t != T_ID && t->t != T_QID) {
                    fail(err, "ParseExpectedIdentForAlias",
                         "The SQL expression is missing an identifier for an alias.");
                    return NULL;
                }
                name = t->s;
                p.i++;
            } else if (e->k == N_PATH && e->nsteps && e->steps[e->nsteps - 1].k == S_NAME) {
                name = e->steps[e->nsteps - 1].name;
            }
            names[holder.nargs] = name;
            if (push_arg(&p, &holder, e)) return NULL;
        } while (accept_op(&p, ","));
        q->items = holder.args, q->nitems = holder.nargs;
        q->names = ARENA_NEWN(a, str_t, (size_t)q->nitems);
        if (!q->names) return NULL;
        for (int i = 0; i < q->nitems; i++) {
            q->names[i] = names[i].p ? names[i] : str_c(arena_printf(a, "_%d", i + 1));
            if (has_agg(q->items[i])) q->agg = true;
        }
    }
    if (!accept_kw(&p, "from")) {
        if (peek(&p)->t == T_EOF)
            fail(err, "ParseSelectMissingFrom", "The SQL expression contains a missing FROM after SELECT list.");
        else
            unexpected(&p);
        return NULL;
    }
    tok_t *src = peek(&p);
    if (src->t != T_ID || !str_eq_nocase(src->s, STR("s3object"))) {
        fail(err, "InvalidDataSource", "Invalid data source type. Only CSV, JSON, and Parquet are supported.");
        return NULL;
    }
    node_t from = {0};
    if (parse_steps(&p, &from, false)) return NULL;
    q->from = from.steps + 1, q->nfrom = from.nsteps - 1;
    tok_t *t = peek(&p);
    if (accept_kw(&p, "as") || (t->t == T_ID && !reserved_word(t)) || t->t == T_QID) {
        t = peek(&p);
        if (t->t != T_ID && t->t != T_QID) {
            fail(err, "ParseExpectedIdentForAlias", "The SQL expression is missing an identifier for an alias.");
            return NULL;
        }
        q->alias = t->s;
        p.i++;
    }
    if (!q->alias.len && q->nfrom > 0) {
        const step_t *last = &q->from[q->nfrom - 1];
        q->row_name = last->k == S_NAME ? last->name : STR("_1");
    }
    if (accept_kw(&p, "where")) {
        if (!(q->where = expr(&p))) return NULL;
        if (has_agg(q->where)) {
            fail(err, "ParseUnsupportedSyntax", "Aggregate functions are not allowed in the WHERE clause.");
            return NULL;
        }
    }
    if (accept_kw(&p, "limit")) {
        long long x;
        tok_t *l = peek(&p);
        if (l->t != T_INT || !str_to_i64(l->s, &x)) {
            fail(err, "ParseExpectedNumber", "The SQL expression is missing a number after LIMIT.");
            return NULL;
        }
        q->limit = x;
        p.i++;
    }
    /* a statement may end in one ";" (our leniency: AWS's grammar has none) */
    if (is_op(peek(&p), ";") && p.tk[p.i + 1].t == T_EOF) p.i++;
    t = peek(&p);
    if (t->t != T_EOF) {
        if (is_kw(t, "group") || is_kw(t, "order") || is_kw(t, "having") || is_kw(t, "join") || is_kw(t, "union"))
            fail(err, "ParseUnsupportedSyntax", "The SQL expression contains unsupported syntax.");
        else
            unexpected(&p);
        return NULL;
    }
    return q;
}

/* ==== timestamps ==== */

static bool digits(const char **s, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (*s >= end || !isdigit((unsigned char)**s)) return false;
        v = v * 10 + (**s - '0');
    }
    *out = v;
    return true;
}

/* AWS: "Timestamp literals": YYYY T, YYYY-MM T, YYYY-MM-DD [T], YYYY-MM-DDThh:mm±tz,
 * YYYY-MM-DDThh:mm:ss[.fff]±tz, where tz is Z or hh:mm. */
static bool parse_ts(str_t str, ts_t *out)
{
    const char *s = str.p, *end = str.p + str.len;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, tzh = 0, tzm = 0;
    int32_t nano = 0;
    uint8_t prec = 0, nd = 0;
    int sign = 1;
    if (!digits(&s, end, 4, &y)) return false;
    if (s < end && *s == '-') {
        s++;
        if (!digits(&s, end, 2, &mo)) return false;
        prec = 1;
        if (s < end && *s == '-') {
            s++;
            if (!digits(&s, end, 2, &d)) return false;
            prec = 2;
        }
    }
    /* a date alone may leave out the T */
    if (s < end && *s++ != 'T') return false;
    if (s == end && prec < 2 && s[-1] != 'T') return false;
    if (s < end && prec == 2) {
        if (!digits(&s, end, 2, &h) || s >= end || *s++ != ':' || !digits(&s, end, 2, &mi)) return false;
        prec = 3;
        if (s < end && *s == ':') {
            s++;
            if (!digits(&s, end, 2, &sec)) return false;
            prec = 4;
            if (s < end && *s == '.') {
                s++;
                prec = 5;
                while (s < end && isdigit((unsigned char)*s)) {
                    if (nd < 9) nano = nano * 10 + (*s - '0'), nd++;
                    s++;
                }
                if (!nd) return false;
                for (int i = nd; i < 9; i++) nano *= 10;
            }
        }
        if (s < end && *s == 'Z') {
            s++;
        } else if (s < end && (*s == '+' || *s == '-')) {
            sign = *s++ == '-' ? -1 : 1;
            if (!digits(&s, end, 2, &tzh) || s >= end || *s++ != ':' || !digits(&s, end, 2, &tzm)) return false;
        }
    }
    if (s != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || tzh > 23 || tzm > 59)
        return false;
    int16_t tz = (int16_t)(sign * (tzh * 60 + tzm));
    *out = (ts_t){time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - tz * 60, nano, tz, prec, nd};
    return true;
}

static void ts_fields(const ts_t *t, struct tm *tm)
{
    time_split(t->sec + t->tz * 60, tm);
}

static void fmt_tz(buf_t *b, int tz)
{
    if (!tz) {
        buf_putc(b, 'Z');
        return;
    }
    buf_printf(b, "%c%02d:%02d", tz < 0 ? '-' : '+', abs(tz) / 60, abs(tz) % 60);
}

static void fmt_ts(buf_t *b, const ts_t *t)
{
    struct tm tm;
    ts_fields(t, &tm);
    buf_printf(b, "%04d", tm.tm_year + 1900);
    if (t->prec == 0) return buf_putc(b, 'T');
    buf_printf(b, "-%02d", tm.tm_mon + 1);
    if (t->prec == 1) return buf_putc(b, 'T');
    buf_printf(b, "-%02d", tm.tm_mday);
    if (t->prec == 2) return buf_putc(b, 'T');
    buf_printf(b, "T%02d:%02d", tm.tm_hour, tm.tm_min);
    if (t->prec >= 4) buf_printf(b, ":%02d", tm.tm_sec);
    if (t->prec == 5) {
        char f[16];
        snprintf(f, sizeof f, "%09d", t->nano);
        buf_printf(b, ".%.*s", t->ndig ? t->ndig : 9, f);
    }
    fmt_tz(b, t->tz);
}

/* TO_STRING's patterns (AWS: "Timestamp format patterns"): runs of one letter,
 * 'quoted' text, anything else copied. */
static void fmt_pattern(buf_t *b, const ts_t *t, str_t pat)
{
    static const char *const mon[] = {"January", "February", "March",     "April",   "May",      "June",
                                      "July",    "August",   "September", "October", "November", "December"};
    struct tm tm;
    ts_fields(t, &tm);
    for (size_t i = 0; i < pat.len;) {
        char c = pat.p[i];
        size_t n = 1;
        while (i + n < pat.len && pat.p[i + n] == c) n++;
        if (c == '\'') {
            size_t j = i + 1;
            while (j < pat.len && pat.p[j] != '\'') buf_putc(b, pat.p[j++]);
            i = j + 1;
            continue;
        }
        int v = -1;
        switch (c) {
        case 'y': v = n == 2 ? (tm.tm_year + 1900) % 100 : tm.tm_year + 1900; break;
        case 'M':
            if (n >= 3) {
                buf_printf(b, "%.*s", n == 3 ? 3 : 20, mon[tm.tm_mon]);
                if (n > 4) buf_printf(b, "%.0s", "");
            } else {
                v = tm.tm_mon + 1;
            }
            break;
        case 'd': v = tm.tm_mday; break;
        case 'H': v = tm.tm_hour; break;
        case 'h': v = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12; break;
        case 'm': v = tm.tm_min; break;
        case 's': v = tm.tm_sec; break;
        case 'a': buf_puts(b, tm.tm_hour < 12 ? "AM" : "PM"); break;
        case 'n': buf_printf(b, "%d", t->nano); break;
        case 'S': {
            char f[16];
            snprintf(f, sizeof f, "%09d", t->nano);
            for (size_t k = 0; k < n; k++) buf_putc(b, k < 9 ? f[k] : '0');
            break;
        }
        case 'X':
        case 'x':
            if (c == 'X' && !t->tz) {
                buf_putc(b, 'Z');
            } else {
                int a = abs(t->tz);
                buf_printf(b, "%c%02d", t->tz < 0 ? '-' : '+', a / 60);
                if (n == 2 || (n == 1 && a % 60))
                    buf_printf(b, "%02d", a % 60);
                else if (n >= 3)
                    buf_printf(b, ":%02d", a % 60);
            }
            break;
        default:
            for (size_t k = 0; k < n; k++) buf_putc(b, c);
        }
        if (v >= 0) buf_printf(b, "%0*d", (int)n, v);
        i += n;
    }
}

/* ==== evaluation ==== */

/* AWS: a row whose FROM path led nowhere after a wildcard: MISSING, written
 * as an empty record and skipped by aggregates. */
static const json_t missing_row = {.type = JSON_NULL};

typedef struct {
    sel_query_t *q;
    arena_t *a; /* scratch */
    const json_t *rec;
    sel_err_t *err;
} ev_t;

static v_t eval(ev_t *e, node_t *n);
static v_t ev_fail(ev_t *e, const char *code, const char *msg)
{
    fail(e->err, code, msg);
    return VNULL;
}
#define FAILED(e) ((e)->err->code != NULL)

static const json_t *member(const json_t *j, const step_t *st, bool csv)
{
    if (!j) return NULL;
    if (st->k == S_INDEX) {
        if (j->type == JSON_ARRAY) return st->idx >= 0 && (size_t)st->idx < j->u.arr.n ? j->u.arr.v[st->idx] : NULL;
        /* AWS: a CSV record's fields by position, s[0] */
        if (csv && j->type == JSON_OBJECT)
            return st->idx >= 0 && (size_t)st->idx < j->u.obj.n ? j->u.obj.v[st->idx] : NULL;
        return NULL;
    }
    if (j->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < j->u.obj.n; i++)
        if (st->quoted ? str_eq(j->u.obj.k[i], st->name) : str_eq_nocase(j->u.obj.k[i], st->name)) return j->u.obj.v[i];
    /* AWS: _1, _2 … name a CSV record's columns by position */
    long long x;
    if (csv && st->name.len > 1 && st->name.p[0] == '_' && str_to_i64(str_sub(st->name, 1, st->name.len - 1), &x) &&
        x >= 1 && (size_t)x <= j->u.obj.n)
        return j->u.obj.v[x - 1];
    return NULL;
}

static v_t eval_path(ev_t *e, node_t *n)
{
    const step_t *st = n->steps;
    int k = n->nsteps;
    if (!e->rec || e->rec == &missing_row) return MISSING;
    if (k && st[0].k == S_NAME && !st[0].quoted &&
        ((e->q->alias.len && str_eq_nocase(st[0].name, e->q->alias)) || str_eq_nocase(st[0].name, STR("s3object"))))
        st++, k--;
    else if (k && st[0].k == S_NAME && st[0].quoted && e->q->alias.len && str_eq(st[0].name, e->q->alias))
        st++, k--;
    else if (k && st[0].k == S_NAME && e->q->row_name.len && str_eq_nocase(st[0].name, e->q->row_name) &&
             !(e->rec->type == JSON_OBJECT && member(e->rec, &st[0], false)))
        st++, k--; /* AWS: with no alias, the FROM path's last name (or _1) is the row */
    const json_t *j = e->rec;
    for (int i = 0; i < k && j; i++) {
        if (st[i].k == S_WILD)
            return ev_fail(e, "ParseInvalidContextForWildcardInSelectList",
                           "Invalid use of a wildcard in the SQL expression: only the FROM clause may use [*] here.");
        j = member(j, &st[i], e->q->csv && i == 0);
    }
    return of_json(j);
}

static bool to_num(v_t v, v_t *out)
{
    if (v.k == V_INT || v.k == V_FLOAT) return *out = v, true;
    if (v.k != V_STR) return false;
    str_t s = str_trim(v.u.s);
    long long x;
    if (str_to_i64(s, &x)) return *out = vint(x), true;
    char tmp[64];
    if (!s.len || s.len >= sizeof tmp) return false;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    char *endp;
    double d = strtod(tmp, &endp);
    if (*endp || isalpha((unsigned char)tmp[0]) || (tmp[0] == '-' && isalpha((unsigned char)tmp[1]))) return false;
    return *out = vfloat(d), true;
}

static double as_f(v_t v)
{
    return v.k == V_INT ? (double)v.u.i : v.u.f;
}

static int64_t ts_nanos_cmp(const ts_t *a, const ts_t *b)
{
    if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
    return a->nano < b->nano ? -1 : a->nano > b->nano;
}

/* -1/0/1, or 2 when the two cannot be compared */
static int cmp(v_t a, v_t b)
{
    v_t x, y;
    if ((a.k == V_INT || a.k == V_FLOAT || b.k == V_INT || b.k == V_FLOAT) && to_num(a, &x) && to_num(b, &y)) {
        if (x.k == V_INT && y.k == V_INT) return x.u.i < y.u.i ? -1 : x.u.i > y.u.i;
        double p = as_f(x), q = as_f(y);
        return p < q ? -1 : p > q;
    }
    if (a.k == V_STR && b.k == V_STR) {
        int c = str_cmp(a.u.s, b.u.s);
        return c < 0 ? -1 : c > 0;
    }
    if (a.k == V_BOOL && b.k == V_BOOL) return (int)a.u.b - (int)b.u.b;
    if (a.k == V_TIME || b.k == V_TIME) {
        ts_t p, q;
        if (a.k == V_TIME)
            p = a.u.t;
        else if (a.k != V_STR || !parse_ts(a.u.s, &p))
            return 2;
        if (b.k == V_TIME)
            q = b.u.t;
        else if (b.k != V_STR || !parse_ts(b.u.s, &q))
            return 2;
        return (int)ts_nanos_cmp(&p, &q);
    }
    if ((a.k == V_BOOL && b.k == V_STR) || (a.k == V_STR && b.k == V_BOOL)) {
        v_t s = a.k == V_STR ? a : b, o = a.k == V_STR ? b : a;
        bool t = str_eq_nocase(s.u.s, STR("true"));
        if (!t && !str_eq_nocase(s.u.s, STR("false"))) return 2;
        return a.k == V_STR ? (int)t - (int)o.u.b : (int)o.u.b - (int)t;
    }
    return 2;
}

/* Three-valued truth: 1 true, 0 false, -1 unknown (NULL/MISSING) */
static int truth(v_t v)
{
    if (v.k == V_BOOL) return v.u.b;
    if (v.k == V_STR) {
        if (str_eq_nocase(v.u.s, STR("true"))) return 1;
        if (str_eq_nocase(v.u.s, STR("false"))) return 0;
    }
    return -1;
}
static v_t tri(int t)
{
    return t < 0 ? VNULL : vbool(t);
}

static bool like(str_t s, str_t pat, int esc)
{
    size_t i = 0, j = 0, star_j = (size_t)-1, star_i = 0;
    while (i < s.len) {
        if (j < pat.len && esc >= 0 && pat.p[j] == (char)esc && j + 1 < pat.len) {
            if (pat.p[j + 1] == s.p[i]) {
                i++, j += 2;
                continue;
            }
        } else if (j < pat.len && pat.p[j] == '%') {
            star_j = j++, star_i = i;
            continue;
        } else if (j < pat.len && (pat.p[j] == '_' || pat.p[j] == s.p[i])) {
            if (pat.p[j] == '_') /* one character: a whole UTF-8 sequence */
                while (i + 1 < s.len && ((unsigned char)s.p[i + 1] & 0xC0) == 0x80) i++;
            i++, j++;
            continue;
        }
        if (star_j == (size_t)-1) return false;
        j = star_j + 1, i = ++star_i;
    }
    while (j < pat.len && pat.p[j] == '%') j++;
    return j == pat.len;
}

static str_t to_text(ev_t *e, v_t v)
{
    buf_t b;
    switch (v.k) {
    case V_STR: return v.u.s;
    case V_INT: return str_c(arena_printf(e->a, "%lld", (long long)v.u.i));
    case V_FLOAT: {
        char t[40];
        snprintf(t, sizeof t, "%.15g", v.u.f);
        if (strtod(t, NULL) != v.u.f) snprintf(t, sizeof t, "%.17g", v.u.f);
        return arena_str(e->a, str_c(t));
    }
    case V_BOOL: return v.u.b ? STR("true") : STR("false");
    case V_TIME:
        buf_init(&b, e->a);
        fmt_ts(&b, &v.u.t);
        return buf_str(&b);
    case V_JSON: {
        buf_init(&b, e->a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_value(&w, v.u.j);
        return buf_str(&b);
    }
    default: return STR_NULL;
    }
}

static v_t cast(ev_t *e, v_t v, int k)
{
    v_t n;
    if (absent(v)) return v;
    switch (k) {
    case K_INT:
        if (v.k == V_BOOL) return vint(v.u.b);
        if (!to_num(v, &n)) break;
        if (n.k == V_FLOAT) {
            if (!(n.u.f > -9.2e18 && n.u.f < 9.2e18)) break;
            return vint((int64_t)n.u.f);
        }
        return n;
    case K_FLOAT:
        if (v.k == V_BOOL) return vfloat(v.u.b);
        if (!to_num(v, &n)) break;
        return vfloat(as_f(n));
    case K_STRING:
        if (v.k == V_JSON) break;
        return vstr(to_text(e, v));
    case K_BOOL:
        if (v.k == V_BOOL) return v;
        if (v.k == V_INT || v.k == V_FLOAT) return vbool(as_f(v) != 0);
        if (truth(v) >= 0) return vbool(truth(v));
        break;
    case K_TIMESTAMP: {
        ts_t t;
        if (v.k == V_TIME) return v;
        if (v.k == V_STR && parse_ts(str_trim(v.u.s), &t)) return (v_t){.k = V_TIME, .u.t = t};
        break;
    }
    }
    return ev_fail(e, "CastFailed",
                   "Attempt to convert from one data type to another using CAST failed in the SQL expression.");
}

static v_t arith(ev_t *e, int op, v_t a, v_t b)
{
    v_t x, y;
    if (absent(a) || absent(b)) return VNULL;
    if (!to_num(a, &x) || !to_num(b, &y))
        return ev_fail(e, "InvalidDataType",
                       "The SQL expression contains an invalid data type for an arithmetic operator.");
    if (x.k == V_INT && y.k == V_INT) {
        int64_t r;
        switch (op) {
        case '+':
            if (!__builtin_add_overflow(x.u.i, y.u.i, &r)) return vint(r);
            break;
        case '-':
            if (!__builtin_sub_overflow(x.u.i, y.u.i, &r)) return vint(r);
            break;
        case '*':
            if (!__builtin_mul_overflow(x.u.i, y.u.i, &r)) return vint(r);
            break;
        case '/':
        case '%':
            if (y.u.i == 0) return ev_fail(e, "DivideByZero", "Division by zero in the SQL expression.");
            if (x.u.i == INT64_MIN && y.u.i == -1) break;
            return vint(op == '/' ? x.u.i / y.u.i : x.u.i % y.u.i);
        }
        return ev_fail(e, "IntegerOverflow", "Integer overflow or underflow in the SQL expression.");
    }
    double p = as_f(x), q = as_f(y);
    switch (op) {
    case '+': return vfloat(p + q);
    case '-': return vfloat(p - q);
    case '*': return vfloat(p * q);
    case '/':
        if (q == 0) return ev_fail(e, "DivideByZero", "Division by zero in the SQL expression.");
        return vfloat(p / q);
    default:
        if (q == 0) return ev_fail(e, "DivideByZero", "Division by zero in the SQL expression.");
        return vfloat(fmod(p, q));
    }
}

static size_t utf8_len(str_t s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

/* byte offset of character number c (0-based) in s, or s.len */
static size_t utf8_at(str_t s, int64_t c)
{
    size_t i = 0;
    for (; i < s.len && c > 0; i++)
        if (i + 1 >= s.len || ((unsigned char)s.p[i + 1] & 0xC0) != 0x80) c--;
    return i;
}

static bool need_str(ev_t *e, v_t v)
{
    if (v.k == V_STR) return true;
    fail(e->err, "IncorrectSqlFunctionArgumentType",
         "Incorrect type of arguments in function call in the SQL expression.");
    return false;
}

static bool need_ts(ev_t *e, v_t *v)
{
    ts_t t;
    if (v->k == V_TIME) return true;
    if (v->k == V_STR && parse_ts(str_trim(v->u.s), &t)) return *v = (v_t){.k = V_TIME, .u.t = t}, true;
    fail(e->err, "IncorrectSqlFunctionArgumentType",
         "Incorrect type of arguments in function call in the SQL expression.");
    return false;
}

static bool need_int(ev_t *e, v_t v, int64_t *out)
{
    v_t n;
    if (to_num(v, &n) && n.k == V_INT) return *out = n.u.i, true;
    fail(e->err, "IncorrectSqlFunctionArgumentType",
         "Incorrect type of arguments in function call in the SQL expression.");
    return false;
}

static ts_t ts_add_months(ts_t t, int64_t months)
{
    struct tm tm;
    ts_fields(&t, &tm);
    int64_t m = (int64_t)tm.tm_year * 12 + tm.tm_mon + months;
    int64_t y = (m >= 0 ? m / 12 : -((-m + 11) / 12)) + 1900; /* floor: years before 1900 */
    int mo = (int)(m - (y - 1900) * 12) + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    int d = tm.tm_mday > dim ? dim : tm.tm_mday;
    t.sec = time_days_from_civil(y, mo, d) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - t.tz * 60;
    return t;
}

static v_t eval_fn(ev_t *e, node_t *n)
{
    v_t a[3] = {VNULL, VNULL, VNULL};
    if (n->op == F_COALESCE) {
        for (int i = 0; i < n->nargs; i++) {
            v_t v = eval(e, n->args[i]);
            if (!absent(v) || FAILED(e)) return v;
        }
        return VNULL;
    }
    for (int i = 0; i < n->nargs && i < 3; i++) {
        a[i] = eval(e, n->args[i]);
        if (FAILED(e)) return VNULL;
    }
    if (n->op == F_NULLIF) return cmp(a[0], a[1]) == 0 ? VNULL : a[0];
    if (n->op == F_UTCNOW) {
        int64_t us = time_now_us();
        return (v_t){.k = V_TIME, .u.t = {us / 1000000, (int32_t)(us % 1000000) * 1000, 0, 5, 3}};
    }
    if (n->op == F_EXTRACT || n->op == F_DATE_ADD || n->op == F_DATE_DIFF) {
        int part = (int)n->args[0]->lit.u.i;
        if (n->op == F_EXTRACT) {
            if (absent(a[1])) return VNULL;
            if (!need_ts(e, &a[1])) return VNULL;
            struct tm tm;
            ts_fields(&a[1].u.t, &tm);
            int v[] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,       tm.tm_hour,
                       tm.tm_min,         tm.tm_sec,     a[1].u.t.tz / 60, a[1].u.t.tz % 60};
            return vint(v[part]);
        }
        if (absent(a[1]) || absent(a[2])) return VNULL;
        if (part > 5) return ev_fail(e, "ParseExpectedDatePart", "The SQL expression contains an invalid date part.");
        if (n->op == F_DATE_ADD) {
            int64_t q;
            if (!need_int(e, a[1], &q) || !need_ts(e, &a[2])) return VNULL;
            ts_t t = a[2].u.t;
            static const int64_t unit[] = {0, 0, 86400, 3600, 60, 1};
            /* beyond ±1,000,000 years there is no timestamp to answer (nor int64 room) */
            if (q > 12000000 * 31 * 86400LL / (part <= 1 ? 31 * 86400 * (part ? 1 : 12) : unit[part]) ||
                q < -12000000 * 31 * 86400LL / (part <= 1 ? 31 * 86400 * (part ? 1 : 12) : unit[part]))
                return ev_fail(e, "IntegerOverflow", "The result of DATE_ADD is out of the timestamp range.");
            if (part <= 1)
                t = ts_add_months(t, part == 0 ? q * 12 : q);
            else
                t.sec += q * unit[part];
            /* the result is as precise as the part added */
            uint8_t need = part <= 2 ? (uint8_t)part : part <= 4 ? 3 : 4;
            if (t.prec < need) t.prec = need;
            return (v_t){.k = V_TIME, .u.t = t};
        }
        if (!need_ts(e, &a[1]) || !need_ts(e, &a[2])) return VNULL;
        ts_t x = a[1].u.t, y = a[2].u.t;
        if (part <= 1) {
            struct tm p, q;
            ts_fields(&x, &p);
            ts_fields(&y, &q);
            int64_t months = ((int64_t)q.tm_year - p.tm_year) * 12 + q.tm_mon - p.tm_mon;
            /* whole units only: a month not yet complete does not count */
            int64_t rx = ((int64_t)p.tm_mday * 86400 + p.tm_hour * 3600 + p.tm_min * 60 + p.tm_sec);
            int64_t ry = ((int64_t)q.tm_mday * 86400 + q.tm_hour * 3600 + q.tm_min * 60 + q.tm_sec);
            if (months > 0 && ry < rx)
                months--;
            else if (months < 0 && ry > rx)
                months++;
            return vint(part == 0 ? months / 12 : months);
        }
        static const int64_t unit[] = {0, 0, 86400, 3600, 60, 1};
        return vint((y.sec - x.sec) / unit[part]);
    }
    if (absent(a[0])) return VNULL;
    switch ((fn_t)n->op) {
    case F_CHAR_LENGTH:
        if (!need_str(e, a[0])) return VNULL;
        return vint((int64_t)utf8_len(a[0].u.s));
    case F_LOWER:
    case F_UPPER: {
        if (!need_str(e, a[0])) return VNULL;
        char *o = arena_alloc(e->a, a[0].u.s.len + 1);
        if (!o) return VNULL;
        for (size_t i = 0; i < a[0].u.s.len; i++)
            o[i] = (char)(n->op == F_LOWER ? tolower((unsigned char)a[0].u.s.p[i])
                                           : toupper((unsigned char)a[0].u.s.p[i]));
        return vstr(str_n(o, a[0].u.s.len));
    }
    case F_SUBSTRING: {
        int64_t st, len = INT64_MAX;
        if (!need_str(e, a[0]) || !need_int(e, a[1], &st) || (n->nargs == 3 && !need_int(e, a[2], &len))) return VNULL;
        if (len < 0) return ev_fail(e, "InvalidArgument", "SUBSTRING's length must not be negative.");
        /* SQL-92: characters from start (1-based) for len; a start before 1 eats into len */
        int64_t from = st - 1, to = len == INT64_MAX ? INT64_MAX : from + len;
        if (from < 0) from = 0;
        if (to <= from) return vstr(STR(""));
        str_t s = a[0].u.s;
        size_t b = utf8_at(s, from), z = to == INT64_MAX ? s.len : utf8_at(s, to);
        return vstr(str_sub(s, b, z - b));
    }
    case F_TRIM: {
        str_t chars = STR(" ");
        if (!need_str(e, a[0])) return VNULL;
        if (n->nargs == 2) {
            if (absent(a[1])) return VNULL;
            if (!need_str(e, a[1])) return VNULL;
            chars = a[1].u.s;
        }
        str_t s = a[0].u.s;
        int side = (int)n->lit.u.i;
        if (side & 1)
            while (s.len && memchr(chars.p, s.p[0], chars.len)) s.p++, s.len--;
        if (side & 2)
            while (s.len && memchr(chars.p, s.p[s.len - 1], chars.len)) s.len--;
        return vstr(s);
    }
    case F_TO_TIMESTAMP: {
        ts_t t;
        if (a[0].k == V_TIME) return a[0];
        if (!need_str(e, a[0])) return VNULL;
        if (!parse_ts(str_trim(a[0].u.s), &t))
            return ev_fail(e, "CastFailed",
                           "Attempt to convert from one data type to another using CAST failed in the SQL expression.");
        return (v_t){.k = V_TIME, .u.t = t};
    }
    case F_TO_STRING: {
        if (!need_ts(e, &a[0]) || absent(a[1]) || !need_str(e, a[1])) return VNULL;
        buf_t b;
        buf_init(&b, e->a);
        fmt_pattern(&b, &a[0].u.t, a[1].u.s);
        return vstr(buf_str(&b).p ? buf_str(&b) : STR(""));
    }
    default: return VNULL;
    }
}

static v_t agg_value(node_t *n)
{
    switch ((agg_t)n->op) {
    case A_COUNT: return vint(n->count);
    case A_SUM:
        if (!n->count) return VNULL;
        return n->is_float ? vfloat(n->fsum + (double)n->isum) : vint(n->isum);
    case A_AVG: return n->count ? vfloat((n->fsum + (double)n->isum) / (double)n->count) : VNULL;
    default: return n->seen ? n->best : VNULL;
    }
}

/* Copies a value's bytes out of the scratch arena (MIN/MAX keep one). */
static v_t keep(arena_t *a, v_t v)
{
    if (v.k == V_STR) v.u.s = arena_str(a, v.u.s);
    if (v.k == V_JSON) v = VNULL; /* not comparable: never the best */
    return v;
}

static void agg_step(ev_t *e, node_t *n)
{
    if (!n->a) {
        n->count++;
        return;
    }
    v_t v = eval(e, n->a);
    if (FAILED(e) || absent(v)) return;
    if (n->op == A_COUNT) {
        n->count++;
        return;
    }
    if (n->op == A_SUM || n->op == A_AVG) {
        v_t x;
        if (!to_num(v, &x)) {
            fail(e->err, "InvalidDataType",
                 "The SQL expression contains an invalid data type for an aggregate function.");
            return;
        }
        n->count++;
        if (x.k == V_INT && !n->is_float && !__builtin_add_overflow(n->isum, x.u.i, &n->isum)) return;
        if (!n->is_float) n->fsum = (double)n->isum, n->isum = 0, n->is_float = true;
        n->fsum += as_f(x);
        return;
    }
    v_t x = v;
    if (e->q->csv && v.k == V_STR) to_num(v, &x);
    if (!n->seen) {
        n->best = keep(e->q->a, x), n->seen = true;
        return;
    }
    int c = cmp(x, n->best);
    if (c == 2) return;
    if ((n->op == A_MIN && c < 0) || (n->op == A_MAX && c > 0)) n->best = keep(e->q->a, x);
}

static void agg_walk(ev_t *e, node_t *n)
{
    if (!n) return;
    if (n->k == N_AGG) return agg_step(e, n);
    for (int i = 0; i < n->nargs; i++) agg_walk(e, n->args[i]);
    agg_walk(e, n->a);
    agg_walk(e, n->b);
    agg_walk(e, n->c);
}

static v_t eval(ev_t *e, node_t *n)
{
    if (FAILED(e)) return VNULL;
    switch (n->k) {
    case N_LIT: return n->lit;
    case N_PATH: return eval_path(e, n);
    case N_AGG: return agg_value(n);
    case N_NEG: {
        v_t v = eval(e, n->a);
        return arith(e, '-', vint(0), v);
    }
    case N_NOT: {
        int t = truth(eval(e, n->a));
        return tri(t < 0 ? -1 : !t);
    }
    case N_AND: {
        int x = truth(eval(e, n->a));
        if (x == 0) return vbool(false);
        int y = truth(eval(e, n->b));
        return tri(y == 0 ? 0 : x < 0 || y < 0 ? -1 : 1);
    }
    case N_OR: {
        int x = truth(eval(e, n->a));
        if (x == 1) return vbool(true);
        int y = truth(eval(e, n->b));
        return tri(y == 1 ? 1 : x < 0 || y < 0 ? -1 : 0);
    }
    case N_CMP: {
        v_t x = eval(e, n->a), y = eval(e, n->b);
        if (absent(x) || absent(y)) return VNULL;
        int c = cmp(x, y);
        if (c == 2) return n->op == C_EQ ? vbool(false) : n->op == C_NE ? vbool(true) : VNULL;
        switch (n->op) {
        case C_EQ: return vbool(c == 0);
        case C_NE: return vbool(c != 0);
        case C_LT: return vbool(c < 0);
        case C_LE: return vbool(c <= 0);
        case C_GT: return vbool(c > 0);
        default: return vbool(c >= 0);
        }
    }
    case N_ARITH: {
        v_t x = eval(e, n->a), y = eval(e, n->b);
        return FAILED(e) ? VNULL : arith(e, n->op, x, y);
    }
    case N_CONCAT: {
        v_t x = eval(e, n->a), y = eval(e, n->b);
        if (absent(x) || absent(y)) return VNULL;
        str_t p = to_text(e, x), q = to_text(e, y);
        char *o = arena_alloc(e->a, p.len + q.len + 1);
        if (!o) return VNULL;
        memcpy(o, p.p, p.len);
        memcpy(o + p.len, q.p, q.len);
        return vstr(str_n(o, p.len + q.len));
    }
    case N_LIKE: {
        v_t s = eval(e, n->a), pat = eval(e, n->b), esc = n->c ? eval(e, n->c) : VNULL;
        if (absent(s) || absent(pat)) return VNULL;
        if (s.k != V_STR || pat.k != V_STR || (n->c && (esc.k != V_STR || esc.u.s.len != 1)))
            return ev_fail(e, "LikeInvalidInputs", "Invalid argument given to the LIKE clause in the SQL expression.");
        return vbool(like(s.u.s, pat.u.s, n->c ? (unsigned char)esc.u.s.p[0] : -1) != n->neg);
    }
    case N_BETWEEN: {
        v_t x = eval(e, n->a), lo = eval(e, n->b), hi = eval(e, n->c);
        if (absent(x) || absent(lo) || absent(hi)) return VNULL;
        int c1 = cmp(x, lo), c2 = cmp(x, hi);
        if (c1 == 2 || c2 == 2) return VNULL;
        return vbool((c1 >= 0 && c2 <= 0) != n->neg);
    }
    case N_IN: {
        v_t x = eval(e, n->a);
        if (absent(x)) return VNULL;
        bool unknown = false;
        for (int i = 0; i < n->nargs; i++) {
            v_t y = eval(e, n->args[i]);
            if (absent(y))
                unknown = true;
            else if (cmp(x, y) == 0)
                return vbool(!n->neg);
        }
        return unknown ? VNULL : vbool(n->neg);
    }
    case N_IS: {
        v_t x = eval(e, n->a);
        bool r = n->op == 0 ? absent(x) : x.k == V_MISSING;
        return vbool(r != n->neg);
    }
    case N_CASE: {
        v_t subj = n->a ? eval(e, n->a) : VNULL;
        for (int i = 0; i + 1 < n->nargs; i += 2) {
            v_t w = eval(e, n->args[i]);
            bool hit = n->a ? (!absent(subj) && !absent(w) && cmp(subj, w) == 0) : truth(w) == 1;
            if (hit) return eval(e, n->args[i + 1]);
        }
        return n->b ? eval(e, n->b) : VNULL;
    }
    case N_CAST: return cast(e, eval(e, n->a), n->op);
    case N_FN: return eval_fn(e, n);
    }
    return VNULL;
}

/* ==== output ==== */

static void csv_field(buf_t *b, const sel_fmt_t *f, str_t s)
{
    bool q = f->quote_always;
    for (size_t i = 0; !q && i < s.len; i++) {
        str_t rest = str_sub(s, i, s.len - i);
        q = s.p[i] == f->quote || s.p[i] == '\n' || s.p[i] == '\r' ||
            (f->field_delim.len && str_starts_with(rest, f->field_delim)) ||
            (f->rec_delim.len && str_starts_with(rest, f->rec_delim));
    }
    if (!q) return buf_put_str(b, s);
    buf_putc(b, f->quote);
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == f->quote) buf_putc(b, f->escape);
        buf_putc(b, s.p[i]);
    }
    buf_putc(b, f->quote);
}

static void json_v(ev_t *e, json_w_t *w, v_t v)
{
    switch (v.k) {
    case V_NULL: json_w_null(w); break;
    case V_BOOL: json_w_bool(w, v.u.b); break;
    case V_INT: json_w_int(w, v.u.i); break;
    case V_FLOAT: json_w_raw(w, to_text(e, v)); break;
    case V_JSON: json_w_value(w, v.u.j); break;
    default: json_w_str(w, to_text(e, v));
    }
}

static int emit(ev_t *e, const sel_fmt_t *f, buf_t *out, int n, const str_t *names, const v_t *vals)
{
    if (f->json) {
        json_w_t w;
        json_w_init(&w, out);
        json_w_obj_begin(&w);
        for (int i = 0; i < n; i++) {
            if (vals[i].k == V_MISSING) continue; /* AWS: MISSING leaves the member out */
            json_w_key(&w, names[i]);
            json_v(e, &w, vals[i]);
        }
        json_w_obj_end(&w);
    } else {
        for (int i = 0; i < n; i++) {
            if (i) buf_put_str(out, f->field_delim);
            if (!absent(vals[i])) csv_field(out, f, to_text(e, vals[i]));
        }
    }
    buf_put_str(out, f->rec_delim);
    e->q->emitted++;
    return out->failed ? -1 : 0;
}

static int emit_row(ev_t *e, const sel_fmt_t *f, buf_t *out)
{
    sel_query_t *q = e->q;
    if (q->star) {
        const json_t *r = e->rec;
        if (r == &missing_row) return emit(e, f, out, 0, NULL, NULL);
        if (r->type != JSON_OBJECT) {
            v_t v = of_json(r);
            str_t name = STR("_1");
            return emit(e, f, out, 1, &name, &v);
        }
        v_t *vals = ARENA_NEWN(e->a, v_t, r->u.obj.n + 1);
        if (!vals) return -1;
        for (size_t i = 0; i < r->u.obj.n; i++) vals[i] = of_json(r->u.obj.v[i]);
        return emit(e, f, out, (int)r->u.obj.n, r->u.obj.k, vals);
    }
    v_t *vals = ARENA_NEWN(e->a, v_t, (size_t)q->nitems);
    if (!vals) return -1;
    for (int i = 0; i < q->nitems; i++) {
        vals[i] = eval(e, q->items[i]);
        if (FAILED(e)) return -1;
    }
    return emit(e, f, out, q->nitems, q->names, vals);
}

/* One record after the FROM path: WHERE, then a row or the aggregates. */
static int one(ev_t *e, const sel_fmt_t *f, buf_t *out)
{
    sel_query_t *q = e->q;
    if (e->rec == &missing_row && q->agg) return 0;
    if (q->where) {
        v_t w = eval(e, q->where);
        if (FAILED(e)) return -1;
        if (truth(w) != 1) return 0;
    }
    if (q->agg) {
        for (int i = 0; i < q->nitems; i++) agg_walk(e, q->items[i]);
        return FAILED(e) ? -1 : 0;
    }
    if (q->limit >= 0 && q->emitted >= q->limit) return 1;
    if (emit_row(e, f, out)) return -1;
    return q->limit >= 0 && q->emitted >= q->limit ? 1 : 0;
}

/* The FROM path's steps from k on, a wildcard visiting every element.
 * AWS: "Wildcard characters always emit at least one record. If no record
 * matches, then Amazon S3 Select emits the value MISSING." */
static int walk_from(ev_t *e, const json_t *j, int k, bool wild, const sel_fmt_t *f, buf_t *out)
{
    sel_query_t *q = e->q;
    for (; j && k < q->nfrom; k++) {
        const step_t *st = &q->from[k];
        if (st->k != S_WILD) {
            j = member(j, st, false);
            continue;
        }
        if (k == 0) continue; /* S3Object[*]: each top-level value, which j already is */
        size_t n = j->type == JSON_ARRAY ? j->u.arr.n : j->type == JSON_OBJECT ? j->u.obj.n : 0;
        if (!n) return walk_from(e, NULL, q->nfrom, true, f, out);
        for (size_t i = 0; i < n; i++) {
            int rc = walk_from(e, j->type == JSON_ARRAY ? j->u.arr.v[i] : j->u.obj.v[i], k + 1, true, f, out);
            if (rc) return rc;
        }
        return 0;
    }
    if (!j && !wild) return 0;
    e->rec = j ? j : &missing_row;
    return one(e, f, out);
}

int sel_feed(sel_query_t *q, arena_t *scratch, const json_t *rec, const sel_fmt_t *fmt, buf_t *out, sel_err_t *err)
{
    ev_t e = {q, scratch, rec, err};
    if (q->limit >= 0 && q->emitted >= q->limit && !q->agg) return 1;
    return walk_from(&e, rec, 0, false, fmt, out);
}

int sel_finish(sel_query_t *q, arena_t *scratch, const sel_fmt_t *fmt, buf_t *out, sel_err_t *err)
{
    ev_t e = {q, scratch, NULL, err};
    if (!q->agg || q->limit == 0) return 0;
    return emit_row(&e, fmt, out) < 0 ? -1 : 0;
}
