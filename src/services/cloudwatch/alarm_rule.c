/* alarm_rule.c — composite alarms' AlarmRule: a recursive-descent parser
 * into a small tree, and its evaluation against the children's states.
 * PutCompositeAlarm parses (and so validates) the rule; alarm_eval.c parses
 * it again from the stored config whenever a child changes state.
 *
 * AWS (PutCompositeAlarm, AlarmRule): ALARM("name or ARN"), OK(…),
 * INSUFFICIENT_DATA(…), TRUE, FALSE, AND, OR, NOT and parentheses; NOT binds
 * tighter than AND, AND tighter than OR. The error texts below are ours:
 * AWS's are not on record. */
#include <string.h>

#include "core/buf.h"
#include "services/cloudwatch/alarm.h"

typedef enum { R_TRUE, R_FALSE, R_STATE, R_NOT, R_AND, R_OR } rkind_t;

struct cwa_rule {
    rkind_t kind;
    const char *state; /* R_STATE: "ALARM", "OK", "INSUFFICIENT_DATA" */
    str_t name;        /* R_STATE: the alarm's name */
    const cwa_rule_t *l, *r;
};

typedef struct {
    arena_t *a;
    str_t s;
    size_t i;
    str_t account, region;
    str_t *names;
    size_t nnames, cap;
    const char *err;
    int depth;
} parser_t;

static void skip_ws(parser_t *p)
{
    while (p->i < p->s.len &&
           (p->s.p[p->i] == ' ' || p->s.p[p->i] == '\t' || p->s.p[p->i] == '\n' || p->s.p[p->i] == '\r'))
        p->i++;
}

/* Whether the word w starts at the cursor and is not followed by a name
 * character; consumes it then. */
static bool word(parser_t *p, const char *w)
{
    skip_ws(p);
    size_t n = strlen(w);
    if (p->s.len - p->i < n || memcmp(p->s.p + p->i, w, n) != 0) return false;
    char c = p->i + n < p->s.len ? p->s.p[p->i + n] : ' ';
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') return false;
    p->i += n;
    return true;
}

static cwa_rule_t *node(parser_t *p, rkind_t k, const cwa_rule_t *l, const cwa_rule_t *r)
{
    cwa_rule_t *n = ARENA_NEW(p->a, cwa_rule_t);
    n->kind = k;
    n->l = l;
    n->r = r;
    return n;
}

static cwa_rule_t *fail(parser_t *p, const char *fmt, const char *what)
{
    if (!p->err) p->err = arena_printf(p->a, fmt, what, (unsigned)p->i);
    return NULL;
}

/* The alarm a state function names: a name, or this account's and region's
 * alarm ARN. */
static bool alarm_name(parser_t *p, str_t arg, str_t *name)
{
    str_t pre = STR("arn:aws:cloudwatch:");
    if (!str_starts_with(arg, pre)) {
        *name = arg;
        return arg.len > 0 && arg.len <= 255;
    }
    str_t rest = str_sub(arg, pre.len, arg.len - pre.len), region, account, kind;
    rest = str_cut(rest, ':', &region);
    rest = str_cut(rest, ':', &account);
    rest = str_cut(rest, ':', &kind);
    if (!str_eq(region, p->region) || !str_eq(account, p->account) || !str_eq_c(kind, "alarm") || !rest.len)
        return false;
    *name = rest;
    return true;
}

static cwa_rule_t *parse_or(parser_t *p);

static cwa_rule_t *parse_state(parser_t *p, const char *state)
{
    skip_ws(p);
    if (p->i >= p->s.len || p->s.p[p->i] != '(') return fail(p, "Expected '(' after %s at position %u.", state);
    p->i++;
    skip_ws(p);
    str_t arg;
    if (p->i < p->s.len && p->s.p[p->i] == '"') {
        size_t b = ++p->i;
        while (p->i < p->s.len && p->s.p[p->i] != '"') p->i++;
        if (p->i >= p->s.len) return fail(p, "Unterminated alarm name in %s at position %u.", state);
        arg = str_n(p->s.p + b, p->i - b);
        p->i++;
    } else {
        size_t b = p->i;
        while (p->i < p->s.len && p->s.p[p->i] != ')') p->i++;
        arg = str_trim(str_n(p->s.p + b, p->i - b));
    }
    skip_ws(p);
    if (p->i >= p->s.len || p->s.p[p->i] != ')')
        return fail(p, "Expected ')' after the alarm of %s at position %u.", state);
    p->i++;
    cwa_rule_t *n = node(p, R_STATE, NULL, NULL);
    n->state = state;
    if (!alarm_name(p, arg, &n->name)) {
        if (!p->err)
            p->err = arena_printf(p->a,
                                  "Invalid alarm reference '%.*s' in %s: an alarm name or an alarm ARN of this "
                                  "account and region.",
                                  STR_FMT(arg), state);
        return NULL;
    }
    for (size_t i = 0; i < p->nnames; i++)
        if (str_eq(p->names[i], n->name)) return n;
    if (p->nnames == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        str_t *m = ARENA_NEWN(p->a, str_t, cap);
        if (p->nnames) memcpy(m, p->names, p->nnames * sizeof *m);
        p->names = m;
        p->cap = cap;
    }
    p->names[p->nnames++] = n->name;
    return n;
}

static cwa_rule_t *parse_unary(parser_t *p)
{
    if (++p->depth > 100) return fail(p, "The AlarmRule nests too deeply%s at position %u.", "");
    cwa_rule_t *n = NULL;
    skip_ws(p);
    if (word(p, "NOT")) {
        const cwa_rule_t *x = parse_unary(p);
        n = x ? node(p, R_NOT, x, NULL) : NULL;
    } else if (word(p, "TRUE")) {
        n = node(p, R_TRUE, NULL, NULL);
    } else if (word(p, "FALSE")) {
        n = node(p, R_FALSE, NULL, NULL);
    } else if (word(p, "ALARM")) {
        n = parse_state(p, "ALARM");
    } else if (word(p, "OK")) {
        n = parse_state(p, "OK");
    } else if (word(p, "INSUFFICIENT_DATA")) {
        n = parse_state(p, "INSUFFICIENT_DATA");
    } else if (p->i < p->s.len && p->s.p[p->i] == '(') {
        p->i++;
        n = parse_or(p);
        skip_ws(p);
        if (n && (p->i >= p->s.len || p->s.p[p->i] != ')')) n = fail(p, "Expected ')'%s at position %u.", "");
        if (n) p->i++;
    } else {
        n = fail(p, "Expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '('%s at position %u.", "");
    }
    p->depth--;
    return n;
}

/* OR over ANDs over unary terms: level 0 parses an OR list, level 1 an AND list. */
static cwa_rule_t *parse_list(parser_t *p, int level)
{
    const char *op = level == 0 ? "OR" : "AND";
    rkind_t kind = level == 0 ? R_OR : R_AND;
    cwa_rule_t *l = level == 0 ? parse_list(p, 1) : parse_unary(p);
    while (l && word(p, op)) {
        cwa_rule_t *r = level == 0 ? parse_list(p, 1) : parse_unary(p);
        l = r ? node(p, kind, l, r) : NULL;
    }
    return l;
}

static cwa_rule_t *parse_or(parser_t *p)
{
    return parse_list(p, 0);
}

cwa_rule_t *cwa__rule_parse(arena_t *a, str_t rule, str_t account, str_t region, str_t **names, size_t *nnames,
                            const char **err)
{
    parser_t p = {.a = a, .s = rule, .account = account, .region = region};
    cwa_rule_t *r = parse_or(&p);
    skip_ws(&p);
    if (r && p.i < p.s.len) r = fail(&p, "Unexpected text%s at position %u of the AlarmRule.", "");
    *names = p.names;
    *nnames = p.nnames;
    *err = r ? NULL : p.err;
    return r;
}

bool cwa__rule_eval(const cwa_rule_t *n, const char *(*state)(str_t name, void *ctx), void *ctx)
{
    switch (n->kind) {
    case R_TRUE: return true;
    case R_FALSE: return false;
    case R_NOT: return !cwa__rule_eval(n->l, state, ctx);
    case R_AND: return cwa__rule_eval(n->l, state, ctx) && cwa__rule_eval(n->r, state, ctx);
    case R_OR: return cwa__rule_eval(n->l, state, ctx) || cwa__rule_eval(n->r, state, ctx);
    case R_STATE: {
        const char *s = state(n->name, ctx);
        return s && strcmp(s, n->state) == 0;
    }
    }
    return false;
}
