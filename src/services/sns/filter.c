/* filter.c — SNS subscription filter policies: validation (Subscribe,
 * SetSubscriptionAttributes) and matching (every delivery, publish.c).
 *
 * A policy is a JSON object: each key names a message attribute (scope
 * MessageAttributes) or a body property (scope MessageBody, where objects
 * nest); its value is an array of rules, any of which may match, and every
 * key must match ("$or" takes alternatives of whole sub-policies). Rules:
 * exact strings, numbers, true/false/null (body), and the operators prefix,
 * suffix, equals-ignore-case, anything-but, numeric, exists and cidr
 * (AWS: Amazon SNS Developer Guide, "Amazon SNS subscription filter policies").
 * Invariant: matching only ever sees policies that passed validation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "services/sns/sns_int.h"

/* ==== Validation ==== */

typedef struct {
    arena_t *a;
    const char *prefix; /* "Invalid parameter: " or "Invalid parameter: Attributes Reason: " */
    const char *err;
    bool body;
} vctx_t;

static bool vfail(vctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool vfail(vctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = arena_vprintf(c->a, fmt, ap);
    va_end(ap);
    c->err = arena_printf(c->a, "%sFilterPolicy: %s", c->prefix, m ? m : "");
    return false;
}

static bool is_num(const json_t *j)
{
    return j->type == JSON_INT || j->type == JSON_DOUBLE;
}
static double num(const json_t *j)
{
    return j->type == JSON_INT ? (double)j->u.i : j->u.d;
}

static bool valid_cidr(vctx_t *c, const json_t *v)
{
    /* AWS: a non-string cidr is reported as the prefix error. */
    if (v->type != JSON_STRING) return vfail(c, "prefix match pattern must be a string");
    str_t s = v->u.s, ip;
    str_t mask = str_cut(s, '/', &ip);
    if (!mask.p) return vfail(c, "Malformed CIDR, one '/' required");
    long long bits;
    if (!str_to_i64(mask, &bits)) return vfail(c, "Malformed CIDR, mask bits must be an integer");
    unsigned parts = 0, val = 0, dots = 0;
    bool ok = ip.len > 0 && bits >= 0 && bits <= 32;
    for (size_t i = 0; ok && i < ip.len; i++) {
        if (ip.p[i] == '.') {
            ok = parts > 0 && val <= 255;
            dots++, parts = 0, val = 0;
        } else if (ip.p[i] >= '0' && ip.p[i] <= '9') {
            val = val * 10 + (unsigned)(ip.p[i] - '0');
            parts++;
            ok = parts <= 3;
        } else
            ok = false;
    }
    if (!ok || dots != 3 || parts == 0 || val > 255) return vfail(c, "Nonstandard IP address: %.*s", STR_FMT(ip));
    return true;
}

static bool valid_numeric(vctx_t *c, const json_t *v)
{
    if (v->type != JSON_ARRAY || v->u.arr.n == 0) return vfail(c, "Invalid member in numeric match: ]");
    const json_t *const *e = (const json_t *const *)v->u.arr.v;
    size_t n = v->u.arr.n;
    if (e[0]->type != JSON_STRING)
        return vfail(c, "Invalid member in numeric match: %.*s", STR_FMT(e[0]->raw.p ? e[0]->raw : STR("?")));
    str_t op = e[0]->u.s;
    if (!str_eq_c(op, "<") && !str_eq_c(op, "<=") && !str_eq_c(op, "=") && !str_eq_c(op, ">") && !str_eq_c(op, ">="))
        return vfail(c, "Unrecognized numeric range operator: %.*s", STR_FMT(op));
    if (n < 2 || !is_num(e[1])) return vfail(c, "Value of %s must be numeric", str_eq_c(op, "=") ? "equals" : op.p);
    if (n == 2) return true;
    if (!str_eq_c(op, ">") && !str_eq_c(op, ">=")) return vfail(c, "Too many elements in numeric expression");
    if (e[2]->type != JSON_STRING)
        return vfail(c, "Bad value in numeric range: %.*s", STR_FMT(e[2]->raw.p ? e[2]->raw : STR("?")));
    str_t op2 = e[2]->u.s;
    if (!str_eq_c(op2, "<") && !str_eq_c(op2, "<=")) return vfail(c, "Bad numeric range operator: %.*s", STR_FMT(op2));
    if (n < 4 || !is_num(e[3])) return vfail(c, "Value of %s must be numeric", op2.p);
    if (num(e[3]) <= num(e[1])) return vfail(c, "Bottom must be less than top");
    if (n > 4) return vfail(c, "Too many terms in numeric range expression");
    return true;
}

static bool valid_rule(vctx_t *c, const json_t *r)
{
    switch (r->type) {
    case JSON_NULL:
    case JSON_BOOL:
    case JSON_STRING:
    case JSON_INT:
    case JSON_DOUBLE: return true;
    case JSON_ARRAY: return vfail(c, "Match value must be String, number, true, false, or null");
    case JSON_OBJECT: break;
    }
    if (r->u.obj.n != 1) return vfail(c, "Only one key allowed in match expression");
    str_t op = r->u.obj.k[0];
    const json_t *v = r->u.obj.v[0];
    if (str_eq_c(op, "prefix") || str_eq_c(op, "suffix") || str_eq_c(op, "equals-ignore-case")) {
        if (v->type != JSON_STRING) return vfail(c, "%.*s match pattern must be a string", STR_FMT(op));
        return true;
    }
    if (str_eq_c(op, "anything-but")) {
        if (v->type == JSON_ARRAY) {
            for (size_t i = 0; i < v->u.arr.n; i++) {
                const json_t *e = v->u.arr.v[i];
                if (e->type != JSON_STRING && !is_num(e))
                    return vfail(c, "Inside anything but list, start|null|boolean is not supported.");
            }
            return true;
        }
        if (v->type == JSON_OBJECT) {
            if (v->u.obj.n != 1) return vfail(c, "Only one key allowed in match expression");
            str_t inner = v->u.obj.k[0];
            if (!str_eq_c(inner, "prefix") && !str_eq_c(inner, "suffix"))
                return vfail(c, "Unsupported anything-but pattern: %.*s", STR_FMT(inner));
            if (v->u.obj.v[0]->type != JSON_STRING)
                return vfail(c, "%.*s match pattern must be a string", STR_FMT(inner));
            return true;
        }
        if (v->type == JSON_STRING || is_num(v)) return true;
        return vfail(c, "Inside anything but list, start|null|boolean is not supported.");
    }
    if (str_eq_c(op, "exists")) {
        if (v->type != JSON_BOOL) return vfail(c, "exists match pattern must be either true or false.");
        return true;
    }
    if (str_eq_c(op, "numeric")) return valid_numeric(c, v);
    if (str_eq_c(op, "cidr")) return valid_cidr(c, v);
    return vfail(c, "Unrecognized match type %.*s", STR_FMT(op));
}

/* Validates one (sub-)policy object; *comb gets its number of combinations
 * (AWS's complexity measure: the product over keys of the number of values,
 * "$or" branches adding up). */
static bool valid_obj(vctx_t *c, const json_t *o, int depth, double *comb)
{
    double total = 1;
    for (size_t i = 0; i < o->u.obj.n; i++) {
        str_t k = o->u.obj.k[i];
        const json_t *v = o->u.obj.v[i];
        if (v->type == JSON_OBJECT) {
            if (!c->body) {
                c->err = arena_printf(c->a,
                                      "%sFilter policy scope MessageAttributes does not support nested filter "
                                      "policy",
                                      c->prefix);
                return false;
            }
            double sub = 1;
            if (!valid_obj(c, v, depth + 1, &sub)) return false;
            total *= sub;
        } else if (v->type == JSON_ARRAY) {
            if (v->u.arr.n == 0) return vfail(c, "Empty arrays are not allowed");
            if (str_eq_c(k, "$or")) {
                if (v->u.arr.n < 2) return vfail(c, "$or requires at least two alternatives");
                double sum = 0;
                for (size_t j = 0; j < v->u.arr.n; j++) {
                    const json_t *alt = v->u.arr.v[j];
                    if (alt->type != JSON_OBJECT) return vfail(c, "\"$or\" must be an array of objects");
                    double sub = 1;
                    if (!valid_obj(c, alt, depth, &sub)) return false;
                    sum += sub;
                }
                total *= sum;
            } else {
                for (size_t j = 0; j < v->u.arr.n; j++)
                    if (!valid_rule(c, v->u.arr.v[j])) return false;
                total *= (double)v->u.arr.n * depth;
            }
        } else
            return vfail(c, "\"%.*s\" must be an object or an array", STR_FMT(k));
    }
    *comb = total;
    return true;
}

int sns__filter_validate(arena_t *a, str_t policy, bool body_scope, const char *prefix, const char **err)
{
    vctx_t c = {.a = a, .prefix = prefix, .body = body_scope};
    json_t *j = json_parse(a, policy, NULL);
    if (!j) {
        vfail(&c, "failed to parse JSON.");
        *err = c.err;
        return GR_ERR;
    }
    if (j->type != JSON_OBJECT) {
        vfail(&c, "Filter policy must be a JSON object");
        *err = c.err;
        return GR_ERR;
    }
    /* AWS: at most five keys (for a nested policy, the top-level ones) and
     * at most 150 combinations. */
    if (j->u.obj.n > 5) {
        vfail(&c, "Filter policy can not have more than 5 keys");
        *err = c.err;
        return GR_ERR;
    }
    double comb = 1;
    if (!valid_obj(&c, j, 1, &comb)) {
        *err = c.err;
        return GR_ERR;
    }
    if (comb > 150) {
        vfail(&c, "Filter policy is too complex");
        *err = c.err;
        return GR_ERR;
    }
    return GR_OK;
}

/* ==== Matching ==== */

/* The values a key has in the message: 0 when absent. */
typedef struct {
    const json_t **v;
    size_t n, cap;
    arena_t *a;
} vals_t;

static void vals_push(vals_t *vs, const json_t *j)
{
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 8;
        const json_t **nv = arena_realloc(vs->a, vs->v, vs->cap * sizeof *nv, cap * sizeof *nv);
        if (!nv) return;
        vs->v = nv, vs->cap = cap;
    }
    vs->v[vs->n++] = j;
}

static json_t *mk(arena_t *a, json_type_t t)
{
    json_t *j = ARENA_NEW(a, json_t);
    if (j) j->type = t;
    return j;
}

/* A message attribute as JSON values: String → string, Number → number,
 * String.Array → its elements; Binary attributes are never matched. */
static bool attr_values(arena_t *a, const val_t *attrs, str_t name, vals_t *out)
{
    const val_t *v = attrs ? val_get_s(attrs, name) : NULL;
    if (!v) return false;
    str_t type = val_get_str(v, "DataType"), sv = val_get_str(v, "StringValue");
    if (str_starts_with(type, STR("String.Array"))) {
        json_t *j = json_parse(a, sv, NULL);
        if (j && j->type == JSON_ARRAY) {
            for (size_t i = 0; i < j->u.arr.n; i++) vals_push(out, j->u.arr.v[i]);
        } else {
            json_t *s = mk(a, JSON_STRING);
            if (s) s->u.s = sv, vals_push(out, s);
        }
    } else if (str_starts_with(type, STR("Number"))) {
        json_t *n = mk(a, JSON_DOUBLE);
        char *z = arena_strndup(a, sv.p ? sv.p : "", sv.len);
        if (n && z) {
            char *end;
            n->u.d = strtod(z, &end);
            n->raw = sv;
            if (end != z) vals_push(out, n);
        }
    } else if (str_starts_with(type, STR("String"))) {
        json_t *s = mk(a, JSON_STRING);
        if (s) s->u.s = sv, vals_push(out, s);
    }
    return true;
}

/* Body values at a key path: arrays are flattened. */
static void body_values(const json_t *at, vals_t *out)
{
    if (at->type == JSON_ARRAY)
        for (size_t i = 0; i < at->u.arr.n; i++) body_values(at->u.arr.v[i], out);
    else
        vals_push(out, at);
}

static bool cidr_match(str_t cidr, str_t ip)
{
    str_t net;
    str_t mask = str_cut(cidr, '/', &net);
    long long bits = 0;
    str_to_i64(mask, &bits);
    unsigned long a[2] = {0, 0};
    str_t s[2] = {net, ip};
    for (int k = 0; k < 2; k++) {
        unsigned long part = 0;
        int dots = 0;
        for (size_t i = 0; i < s[k].len; i++) {
            char ch = s[k].p[i];
            if (ch == '.') {
                a[k] = (a[k] << 8) | part;
                part = 0;
                dots++;
            } else if (ch >= '0' && ch <= '9')
                part = part * 10 + (unsigned long)(ch - '0');
            else
                return false;
        }
        if (dots != 3 || part > 255) return false;
        a[k] = (a[k] << 8) | part;
    }
    unsigned long m = bits == 0 ? 0 : (0xffffffffUL << (32 - bits)) & 0xffffffffUL;
    return (a[0] & m) == (a[1] & m);
}

/* AWS: filter policies compare numbers "with five digits of accuracy after
 * the decimal point" (Amazon SNS Developer Guide, "Filter policy
 * constraints"), so 100.123456789 and 100.1234567 are equal. Values are
 * within ±10^9, so the scaled value is exact in a double. */
static double fixed5(double x)
{
    return nearbyint(x * 1e5);
}

static bool numeric_match(const json_t *spec, double x)
{
    x = fixed5(x);
    for (size_t i = 0; i + 1 < spec->u.arr.n; i += 2) {
        str_t op = spec->u.arr.v[i]->u.s;
        double y = fixed5(num(spec->u.arr.v[i + 1]));
        bool ok = str_eq_c(op, "<")    ? x < y
                  : str_eq_c(op, "<=") ? x <= y
                  : str_eq_c(op, "=")  ? x == y
                  : str_eq_c(op, ">")  ? x > y
                                       : x >= y;
        if (!ok) return false;
    }
    return true;
}

static bool scalar_eq(const json_t *rule, const json_t *v)
{
    if (rule->type == JSON_STRING) return v->type == JSON_STRING && str_eq(rule->u.s, v->u.s);
    if (is_num(rule)) return is_num(v) && fixed5(num(v)) == fixed5(num(rule));
    if (rule->type == JSON_BOOL) return v->type == JSON_BOOL && v->u.b == rule->u.b;
    if (rule->type == JSON_NULL) return v->type == JSON_NULL;
    return false;
}

/* One rule against one present value. */
static bool rule_match(const json_t *rule, const json_t *v)
{
    if (rule->type != JSON_OBJECT) return scalar_eq(rule, v);
    str_t op = rule->u.obj.k[0];
    const json_t *x = rule->u.obj.v[0];
    if (str_eq_c(op, "prefix")) return v->type == JSON_STRING && str_starts_with(v->u.s, x->u.s);
    if (str_eq_c(op, "suffix")) return v->type == JSON_STRING && str_ends_with(v->u.s, x->u.s);
    if (str_eq_c(op, "equals-ignore-case")) return v->type == JSON_STRING && str_eq_nocase(v->u.s, x->u.s);
    if (str_eq_c(op, "numeric")) return is_num(v) && numeric_match(x, num(v));
    if (str_eq_c(op, "cidr")) return v->type == JSON_STRING && cidr_match(x->u.s, v->u.s);
    if (str_eq_c(op, "anything-but")) {
        if (x->type == JSON_ARRAY) {
            for (size_t i = 0; i < x->u.arr.n; i++)
                if (scalar_eq(x->u.arr.v[i], v)) return false;
            return true;
        }
        if (x->type == JSON_OBJECT) {
            str_t inner = x->u.obj.k[0];
            str_t p = x->u.obj.v[0]->u.s;
            if (v->type != JSON_STRING) return true;
            if (str_eq_c(inner, "prefix")) return !str_starts_with(v->u.s, p);
            return !str_ends_with(v->u.s, p);
        }
        return !scalar_eq(x, v);
    }
    return false;
}

/* The rules of one key against its values (present = the key exists). */
static bool rules_match(const json_t *rules, bool present, const vals_t *vs)
{
    for (size_t i = 0; i < rules->u.arr.n; i++) {
        const json_t *r = rules->u.arr.v[i];
        if (r->type == JSON_OBJECT && str_eq_c(r->u.obj.k[0], "exists")) {
            if (r->u.obj.v[0]->u.b == present) return true;
            continue;
        }
        if (!present) continue;
        for (size_t k = 0; k < vs->n; k++)
            if (rule_match(r, vs->v[k])) return true;
    }
    return false;
}

typedef struct {
    arena_t *a;
    bool body;
    const val_t *attrs;
} mctx_t;

/* `at`: the body object this (sub-)policy applies to (body scope), or NULL. */
static bool obj_match(mctx_t *c, const json_t *pol, const json_t *at)
{
    for (size_t i = 0; i < pol->u.obj.n; i++) {
        str_t k = pol->u.obj.k[i];
        const json_t *v = pol->u.obj.v[i];
        if (str_eq_c(k, "$or") && v->type == JSON_ARRAY) {
            bool any = false;
            for (size_t j = 0; j < v->u.arr.n && !any; j++) any = obj_match(c, v->u.arr.v[j], at);
            if (!any) return false;
            continue;
        }
        vals_t vs = {.a = c->a};
        bool present;
        if (!c->body)
            present = attr_values(c->a, c->attrs, k, &vs);
        else {
            /* Body: the key's value in the object (or in each object of an array). */
            vals_t objs = {.a = c->a};
            if (at) body_values(at, &objs);
            present = false;
            for (size_t j = 0; j < objs.n; j++) {
                const json_t *o = objs.v[j];
                if (o->type != JSON_OBJECT) continue;
                char *key = arena_strndup(c->a, k.p, k.len);
                const json_t *m = key ? json_get(o, key) : NULL;
                if (m) {
                    present = true;
                    if (v->type == JSON_OBJECT)
                        vals_push(&vs, m);
                    else
                        body_values(m, &vs);
                }
            }
        }
        if (v->type == JSON_OBJECT) {
            /* Nested policy: some value at this key must match it. */
            bool any = false;
            for (size_t j = 0; j < vs.n && !any; j++) any = obj_match(c, v, vs.v[j]);
            if (!any) return false;
        } else if (!rules_match(v, present, &vs))
            return false;
    }
    return true;
}

bool sns__filter_match(arena_t *a, str_t policy, bool body_scope, const val_t *attrs, str_t message)
{
    json_t *pol = json_parse(a, policy, NULL);
    if (!pol || pol->type != JSON_OBJECT) return false;
    mctx_t c = {.a = a, .body = body_scope, .attrs = attrs};
    const json_t *body = NULL;
    if (body_scope) {
        /* AWS: with scope MessageBody a body that is not a JSON object matches nothing. */
        body = json_parse(a, message, NULL);
        if (!body || body->type != JSON_OBJECT) return false;
    }
    return obj_match(&c, pol, body);
}
