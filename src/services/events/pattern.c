/* pattern.c — EventBridge event patterns: checking a pattern as AWS does
 * (InvalidEventPatternException reasons) and matching events against it.
 *
 * A pattern is a JSON object: a key maps to a nested object (match inside
 * that field) or to an array of matchers, any of which may match; "$or"
 * takes an array of at least two sub-patterns. Matchers: exact values
 * (string, number compared numerically, true, false, null), prefix, suffix,
 * equals-ignore-case, wildcard, anything-but (value, list, or prefix /
 * suffix / equals-ignore-case / wildcard), numeric ranges, exists, cidr.
 * An array in the event matches when any element does (AWS flattens arrays). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "events_int.h"
#include "services/events/events.h"

/* ==== Checking ==== */

typedef struct {
    arena_t *a;
    const char *err;
} chk_t;

static bool fail(chk_t *c, const char *msg)
{
    if (!c->err) c->err = msg;
    return false;
}

static bool is_num(const json_t *j)
{
    return j && (j->type == JSON_INT || j->type == JSON_DOUBLE);
}

static double num_of(const json_t *j)
{
    return j->type == JSON_INT ? (double)j->u.i : j->u.d;
}

/* AWS (event-ruler wildcard parser): "**" is refused. */
static bool check_wildcard(chk_t *c, str_t s)
{
    for (size_t i = 0; i + 1 < s.len; i++) {
        if (s.p[i] == '\\') {
            i++;
            continue;
        }
        if (s.p[i] == '*' && s.p[i + 1] == '*')
            return fail(c, arena_printf(c->a, "Consecutive wildcard characters at pos %zu", i + 1));
    }
    return true;
}

static bool parse_cidr(str_t s, int *fam, unsigned char addr[16], int *bits)
{
    char buf[64];
    long slash = str_index(s, '/');
    if (slash < 0 || s.len >= sizeof buf) return false;
    memcpy(buf, s.p, (size_t)slash);
    buf[slash] = 0;
    long long b;
    if (!str_to_i64(str_sub(s, (size_t)slash + 1, s.len - (size_t)slash - 1), &b)) return false;
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *fam = 4;
        if (b < 0 || b > 32) return false;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *fam = 6;
        if (b < 0 || b > 128) return false;
    } else
        return false;
    *bits = (int)b;
    return true;
}

/* A value as the pattern parser's token text names it in a message. */
static str_t token_text(const json_t *j)
{
    switch (j->type) {
    case JSON_NULL: return STR("null");
    case JSON_BOOL: return j->u.b ? STR("true") : STR("false");
    case JSON_ARRAY: return STR("[");
    case JSON_OBJECT: return STR("{");
    case JSON_STRING: return j->u.s;
    default: return j->raw;
    }
}

static bool check_numeric(chk_t *c, const json_t *arr)
{
    if (!arr || arr->type != JSON_ARRAY) return fail(c, "Value of numeric must be an array.");
    size_t n = arr->u.arr.n, i = 0;
    if (!n) return fail(c, "Invalid member in numeric match: ]");
    int terms = 0;
    while (i < n) {
        const json_t *op = arr->u.arr.v[i];
        if (op->type != JSON_STRING)
            return fail(c, arena_printf(c->a, "%s%.*s",
                                        terms ? "Bad value in numeric range: " : "Invalid member in numeric match: ",
                                        STR_FMT(token_text(op))));
        str_t o = op->u.s;
        bool known = str_eq_c(o, "=") || str_eq_c(o, "<") || str_eq_c(o, "<=") || str_eq_c(o, ">") || str_eq_c(o, ">=");
        if (!known)
            return fail(c,
                        arena_printf(c->a, "%s%.*s",
                                     terms ? "Bad numeric range operator: " : "Unrecognized numeric range operator: ",
                                     STR_FMT(o)));
        if (terms == 1 && !str_eq_c(o, "<") && !str_eq_c(o, "<="))
            return fail(c, arena_printf(c->a, "Bad numeric range operator: %.*s", STR_FMT(o)));
        if (i + 1 >= n || !is_num(arr->u.arr.v[i + 1]))
            return fail(
                c, arena_printf(c->a, "Value of %.*s must be numeric", STR_FMT(str_eq_c(o, "=") ? STR("equals") : o)));
        i += 2;
        terms++;
        bool closed = str_eq_c(o, "=") || str_eq_c(o, "<") || str_eq_c(o, "<=");
        if ((closed || terms == 2) && i < n)
            return fail(c, terms == 2 ? "Too many terms in numeric range expression"
                                      : "Too many elements in numeric expression");
    }
    return true;
}

static bool check_str_or_list(chk_t *c, const json_t *v, const char *what, bool allow_empty)
{
    if (v->type == JSON_STRING) {
        if (!allow_empty && !v->u.s.len) return fail(c, "Null prefix/suffix not allowed");
        return true;
    }
    if (v->type != JSON_ARRAY) return fail(c, "Value of anything-but must be an array or single string/number value.");
    for (size_t i = 0; i < v->u.arr.n; i++) {
        if (v->u.arr.v[i]->type != JSON_STRING) return fail(c, what);
        if (!allow_empty && !v->u.arr.v[i]->u.s.len) return fail(c, "Null prefix/suffix not allowed");
    }
    return true;
}

static bool check_anything_but(chk_t *c, const json_t *v)
{
    if (v->type == JSON_OBJECT) {
        if (v->u.obj.n != 1) return fail(c, "Anything-But expression name not found");
        str_t k = v->u.obj.k[0];
        const json_t *x = v->u.obj.v[0];
        if (str_eq_c(k, "prefix") || str_eq_c(k, "suffix"))
            return check_str_or_list(c, x, "prefix/suffix match pattern must be a string", false);
        if (str_eq_c(k, "equals-ignore-case"))
            return check_str_or_list(
                c, x, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", true);
        if (str_eq_c(k, "wildcard")) {
            if (!check_str_or_list(c, x, "wildcard match pattern must be a string", true)) return false;
            if (x->type == JSON_STRING) return check_wildcard(c, x->u.s);
            for (size_t i = 0; i < x->u.arr.n; i++)
                if (!check_wildcard(c, x->u.arr.v[i]->u.s)) return false;
            return true;
        }
        return fail(c, arena_printf(c->a, "Unsupported anything-but pattern: %.*s", STR_FMT(k)));
    }
    if (v->type == JSON_STRING || is_num(v)) return true;
    if (v->type != JSON_ARRAY) return fail(c, "Value of anything-but must be an array or single string/number value.");
    bool num = false, str = false;
    for (size_t i = 0; i < v->u.arr.n; i++) {
        const json_t *x = v->u.arr.v[i];
        if (x->type == JSON_STRING)
            str = true;
        else if (is_num(x))
            num = true;
        else
            return fail(c, "Inside anything but list, start|null|boolean is not supported.");
    }
    if (num == str)
        return fail(c, "Inside anything but list, either all values are number or string, mixed type is not supported");
    return true;
}

static bool check_matcher(chk_t *c, const json_t *m)
{
    if (m->type != JSON_OBJECT) {
        if (m->type == JSON_ARRAY) return fail(c, "Match value must be String, number, true, false, or null");
        return true;
    }
    if (m->u.obj.n == 0) return fail(c, "Match expression name not found");
    if (m->u.obj.n > 1) return fail(c, "Only one key allowed in match expression");
    str_t k = m->u.obj.k[0];
    const json_t *v = m->u.obj.v[0];
    if (str_eq_c(k, "prefix") || str_eq_c(k, "suffix")) {
        if (v->type == JSON_OBJECT) {
            if (v->u.obj.n != 1 || !str_eq_c(v->u.obj.k[0], "equals-ignore-case"))
                return fail(c, arena_printf(c->a, "Unsupported %.*s pattern: %.*s", STR_FMT(k),
                                            STR_FMT(v->u.obj.n ? v->u.obj.k[0] : STR(""))));
            if (v->u.obj.v[0]->type != JSON_STRING) return fail(c, "equals-ignore-case match pattern must be a string");
            return true;
        }
        if (v->type != JSON_STRING)
            return fail(c, arena_printf(c->a, "%.*s match pattern must be a string", STR_FMT(k)));
        return true;
    }
    if (str_eq_c(k, "equals-ignore-case"))
        return v->type == JSON_STRING || fail(c, "equals-ignore-case match pattern must be a string");
    if (str_eq_c(k, "wildcard"))
        return v->type == JSON_STRING ? check_wildcard(c, v->u.s) : fail(c, "wildcard match pattern must be a string");
    if (str_eq_c(k, "exists"))
        return v->type == JSON_BOOL || fail(c, "exists match pattern must be either true or false.");
    if (str_eq_c(k, "numeric")) return check_numeric(c, v);
    if (str_eq_c(k, "anything-but")) return check_anything_but(c, v);
    if (str_eq_c(k, "cidr")) {
        if (v->type != JSON_STRING) return fail(c, "prefix match pattern must be a string");
        int fam, bits;
        unsigned char addr[16];
        if (!parse_cidr(v->u.s, &fam, addr, &bits))
            return fail(c, arena_printf(c->a, "Nonstandard IP address: %.*s", STR_FMT(v->u.s)));
        return true;
    }
    return fail(c, arena_printf(c->a, "Unrecognized match type %.*s", STR_FMT(k)));
}

static bool check_object(chk_t *c, const json_t *o, bool in_or)
{
    if (o->u.obj.n == 0) return fail(c, "Empty objects are not allowed");
    for (size_t i = 0; i < o->u.obj.n; i++) {
        str_t k = o->u.obj.k[i];
        const json_t *v = o->u.obj.v[i];
        if (str_eq_c(k, "$or")) {
            if (v->type != JSON_ARRAY) return fail(c, "It must be an Array followed with $or.");
            for (size_t j = 0; j < v->u.arr.n; j++) {
                if (v->u.arr.v[j]->type != JSON_OBJECT)
                    return fail(c, "Only JSON object is allowed in array of $or relationship.");
                if (!check_object(c, v->u.arr.v[j], true)) return false;
            }
            if (v->u.arr.n < 2) return fail(c, "There must have at least 2 Objects in $or relationship.");
            continue;
        }
        (void)in_or;
        if (v->type == JSON_OBJECT) {
            if (!check_object(c, v, in_or)) return false;
        } else if (v->type == JSON_ARRAY) {
            if (v->u.arr.n == 0) return fail(c, "Empty arrays are not allowed");
            for (size_t j = 0; j < v->u.arr.n; j++)
                if (!check_matcher(c, v->u.arr.v[j])) return false;
        } else
            return fail(c, arena_printf(c->a, "\"%.*s\" must be an object or an array", STR_FMT(k)));
    }
    return true;
}

/* AWS: InvalidEventPatternException "Event pattern is not valid. Reason: …"
 * with event-ruler's reason (AWS's own pattern library, open source). */
const char *events__pattern_check(arena_t *a, str_t pattern, const json_t **out)
{
    const char *jerr = NULL;
    json_t *j = json_parse(a, pattern, &jerr);
    chk_t c = {a, NULL};
    if (!j)
        c.err = arena_printf(a, "Unexpected character or end of input (%s)", jerr ? jerr : "invalid JSON");
    else if (j->type != JSON_OBJECT)
        c.err = "Filter is not an object";
    else
        check_object(&c, j, false);
    if (c.err) return arena_printf(a, "Event pattern is not valid. Reason: %s", c.err);
    if (out) *out = j;
    return NULL;
}

/* ==== Matching ==== */

static bool glob_match(str_t pat, str_t s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < s.len) {
        if (pi < pat.len && pat.p[pi] == '*') {
            star = pi++;
            mark = si;
            continue;
        }
        if (pi < pat.len) {
            char want = pat.p[pi];
            size_t adv = 1;
            if (want == '\\' && pi + 1 < pat.len) { /* \* is a literal star */
                want = pat.p[pi + 1];
                adv = 2;
            }
            if (want == s.p[si]) {
                pi += adv;
                si++;
                continue;
            }
        }
        if (star == (size_t)-1) return false;
        pi = star + 1;
        si = ++mark;
    }
    while (pi < pat.len && pat.p[pi] == '*') pi++;
    return pi == pat.len;
}

static bool ieq(str_t a, str_t b)
{
    return a.len == b.len && strncasecmp(a.p, b.p, a.len) == 0;
}

static bool ends_nocase(str_t s, str_t suf)
{
    return s.len >= suf.len && strncasecmp(s.p + s.len - suf.len, suf.p, suf.len) == 0;
}

static bool numeric_ok(const json_t *arr, double x)
{
    for (size_t i = 0; i + 1 < arr->u.arr.n; i += 2) {
        str_t o = arr->u.arr.v[i]->u.s;
        double y = num_of(arr->u.arr.v[i + 1]);
        bool ok = str_eq_c(o, "=")    ? x == y
                  : str_eq_c(o, "<")  ? x < y
                  : str_eq_c(o, "<=") ? x <= y
                  : str_eq_c(o, ">")  ? x > y
                                      : x >= y;
        if (!ok) return false;
    }
    return true;
}

static bool in_cidr(str_t range, str_t ip)
{
    int fam, bits;
    unsigned char net[16], addr[16];
    char buf[64];
    if (!parse_cidr(range, &fam, net, &bits) || ip.len >= sizeof buf) return false;
    memcpy(buf, ip.p, ip.len);
    buf[ip.len] = 0;
    if (inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, addr) != 1) return false;
    for (int i = 0; i < bits; i++) {
        int m = 0x80 >> (i % 8);
        if ((net[i / 8] & m) != (addr[i / 8] & m)) return false;
    }
    return true;
}

/* One value (a leaf of the event) against one literal. */
static bool equals_literal(const json_t *lit, const json_t *v)
{
    switch (lit->type) {
    case JSON_STRING: return v->type == JSON_STRING && str_eq(lit->u.s, v->u.s);
    case JSON_INT:
    case JSON_DOUBLE: return is_num(v) && num_of(lit) == num_of(v);
    case JSON_BOOL: return v->type == JSON_BOOL && v->u.b == lit->u.b;
    case JSON_NULL: return v->type == JSON_NULL;
    default: return false;
    }
}

/* str_fn: 0 exact, 1 prefix, 2 suffix, 3 ignore case, 4 wildcard */
static bool str_test(int fn, str_t p, const json_t *v)
{
    if (v->type != JSON_STRING) return false;
    str_t s = v->u.s;
    switch (fn) {
    case 1: return str_starts_with(s, p);
    case 2: return str_ends_with(s, p);
    case 3: return ieq(s, p);
    case 4: return glob_match(p, s);
    default: return str_eq(s, p);
    }
}

static bool one_or_list(int fn, const json_t *x, const json_t *v)
{
    if (x->type == JSON_STRING) return str_test(fn, x->u.s, v);
    for (size_t i = 0; i < x->u.arr.n; i++)
        if (str_test(fn, x->u.arr.v[i]->u.s, v)) return true;
    return false;
}

static bool matcher_ok(const json_t *m, const json_t *v)
{
    if (m->type != JSON_OBJECT) return equals_literal(m, v);
    str_t k = m->u.obj.k[0];
    const json_t *x = m->u.obj.v[0];
    if (str_eq_c(k, "prefix") || str_eq_c(k, "suffix")) {
        bool pre = k.p[0] == 'p';
        if (x->type == JSON_OBJECT) {
            str_t p = x->u.obj.v[0]->u.s;
            if (v->type != JSON_STRING) return false;
            return pre ? v->u.s.len >= p.len && strncasecmp(v->u.s.p, p.p, p.len) == 0 : ends_nocase(v->u.s, p);
        }
        return str_test(pre ? 1 : 2, x->u.s, v);
    }
    if (str_eq_c(k, "equals-ignore-case")) return str_test(3, x->u.s, v);
    if (str_eq_c(k, "wildcard")) return str_test(4, x->u.s, v);
    if (str_eq_c(k, "numeric")) return is_num(v) && numeric_ok(x, num_of(v));
    if (str_eq_c(k, "cidr")) return v->type == JSON_STRING && in_cidr(x->u.s, v->u.s);
    if (str_eq_c(k, "anything-but")) {
        if (x->type == JSON_OBJECT) {
            str_t op = x->u.obj.k[0];
            int fn = str_eq_c(op, "prefix") ? 1 : str_eq_c(op, "suffix") ? 2 : str_eq_c(op, "wildcard") ? 4 : 3;
            return v->type == JSON_STRING && !one_or_list(fn, x->u.obj.v[0], v);
        }
        if (x->type != JSON_ARRAY) return !equals_literal(x, v);
        for (size_t i = 0; i < x->u.arr.n; i++)
            if (equals_literal(x->u.arr.v[i], v)) return false;
        return true;
    }
    return false; /* exists is handled by the caller */
}

/* Collects the leaves at a field (arrays flattened, nested arrays too). */
static void leaves(const json_t *v, const json_t **out, size_t *n, size_t cap)
{
    if (!v) return;
    if (v->type == JSON_ARRAY) {
        for (size_t i = 0; i < v->u.arr.n; i++) leaves(v->u.arr.v[i], out, n, cap);
        return;
    }
    if (v->type == JSON_OBJECT) return;
    if (*n < cap) out[(*n)++] = v;
}

static const json_t *member(const json_t *obj, str_t k)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    const json_t *hit = NULL;
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (str_eq(obj->u.obj.k[i], k)) hit = obj->u.obj.v[i];
    return hit;
}

#define MAX_LEAVES 256

static bool match_obj(const json_t *p, const json_t *ev);

static bool match_field(const json_t *pv, const json_t *fv)
{
    if (pv->type == JSON_OBJECT) {
        /* A nested pattern: the field's object, or any object in its array. */
        if (fv && fv->type == JSON_ARRAY) {
            for (size_t i = 0; i < fv->u.arr.n; i++)
                if (match_obj(pv, fv->u.arr.v[i])) return true;
            return false;
        }
        return match_obj(pv, fv);
    }
    const json_t *vals[MAX_LEAVES];
    size_t nv = 0;
    leaves(fv, vals, &nv, MAX_LEAVES);
    for (size_t j = 0; j < pv->u.arr.n; j++) {
        const json_t *m = pv->u.arr.v[j];
        if (m->type == JSON_OBJECT && str_eq_c(m->u.obj.k[0], "exists")) {
            if (m->u.obj.v[0]->u.b == (nv > 0)) return true;
            continue;
        }
        for (size_t i = 0; i < nv; i++)
            if (matcher_ok(m, vals[i])) return true;
    }
    return false;
}

static bool match_obj(const json_t *p, const json_t *ev)
{
    for (size_t i = 0; i < p->u.obj.n; i++) {
        str_t k = p->u.obj.k[i];
        const json_t *pv = p->u.obj.v[i];
        if (str_eq_c(k, "$or")) {
            bool any = false;
            for (size_t j = 0; !any && j < pv->u.arr.n; j++) any = match_obj(pv->u.arr.v[j], ev);
            if (!any) return false;
            continue;
        }
        if (!match_field(pv, member(ev, k))) return false;
    }
    return true;
}

bool events__pattern_match(const json_t *pattern, const json_t *event)
{
    return pattern && pattern->type == JSON_OBJECT && match_obj(pattern, event);
}

/* ==== events.h ==== */

const char *events_pattern_parse(arena_t *a, str_t pattern, const json_t **out)
{
    return events__pattern_check(a, pattern, out);
}

bool events_pattern_matches(const json_t *pattern, const json_t *doc)
{
    return events__pattern_match(pattern, doc);
}
