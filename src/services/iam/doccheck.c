/* doccheck.c — IAM's own validation of an identity policy document, in the
 * stages AWS runs it, before auth/policy.c compiles the document
 * (iam__check_doc, for CreatePolicy, CreatePolicyVersion and Put*Policy).
 *
 * AWS reports only the first failing stage, so which message a client sees
 * depends on the order: syntax ("Syntax errors in policy."), the version of a
 * managed policy, "legacy parsing" (exact Effect case, date condition values,
 * resources with too few ARN segments), SID uniqueness, actions present, the
 * first resource-format error, action vendors, resources present. The
 * evaluator's parser then checks what it needs itself (e.g. no Principal). */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "services/iam/iam_int.h"

#define SYNTAX "Syntax errors in policy."
#define LEGACY "The policy failed legacy parsing"

static const char *const OPERATORS[] = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
};

static const char *const PARTITIONS[] = {"aws",       "aws-cn",    "aws-us-gov", "aws-iso",
                                         "aws-iso-b", "aws-iso-e", "aws-iso-f",  "aws-eusc"};

/* AWS's message lists these prefixes for the resource part of an IAM ARN. */
static const char *const IAM_PATHS[] = {"user/",
                                        "federated-user/",
                                        "role/",
                                        "group/",
                                        "instance-profile/",
                                        "mfa/",
                                        "server-certificate/",
                                        "policy/",
                                        "sms-mfa/",
                                        "saml-provider/",
                                        "oidc-provider/",
                                        "report/",
                                        "access-report/"};

#define N(x) (sizeof(x) / sizeof((x)[0]))

static bool in_list(str_t s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq_c(s, list[i])) return true;
    return false;
}

/* A condition operator without one ForAnyValue:/ForAllValues: prefix and one IfExists suffix. */
static str_t op_base(str_t name)
{
    if (str_starts_with(name, STR("ForAnyValue:")))
        name = str_sub(name, 12, name.len - 12);
    else if (str_starts_with(name, STR("ForAllValues:")))
        name = str_sub(name, 13, name.len - 13);
    if (str_ends_with(name, STR("IfExists"))) name.len -= 8;
    return name;
}

/* The items of a string-or-array member (NULL items for JSON nulls). */
static size_t items(const json_t *j, const json_t *const **it)
{
    if (j->type == JSON_ARRAY) {
        *it = (const json_t *const *)j->u.arr.v;
        return j->u.arr.n;
    }
    return 0;
}

static bool list_syntax_ok(const json_t *j)
{
    if (!j || j->type == JSON_STRING) return true;
    if (j->type != JSON_ARRAY) return false;
    for (size_t i = 0; i < j->u.arr.n; i++)
        if (j->u.arr.v[i]->type != JSON_STRING && j->u.arr.v[i]->type != JSON_NULL) return false;
    return true;
}

static bool cond_syntax_ok(const json_t *cn)
{
    if (cn->type != JSON_OBJECT) return false;
    for (size_t i = 0; i < cn->u.obj.n; i++) {
        const json_t *block = cn->u.obj.v[i];
        if (block->type != JSON_OBJECT) return false;
        for (size_t k = 0; k < block->u.obj.n; k++) {
            json_type_t t = block->u.obj.v[k]->type;
            if (t == JSON_OBJECT || t == JSON_NULL) return false;
        }
        /* AWS accepts an unknown operator only with nothing under it */
        if (!in_list(op_base(cn->u.obj.k[i]), OPERATORS, N(OPERATORS)) && block->u.obj.n) return false;
    }
    return true;
}

static bool stmt_syntax_ok(const json_t *s)
{
    static const char *const known[] = {"Sid",       "Effect",   "Principal",   "NotPrincipal", "Action",
                                        "NotAction", "Resource", "NotResource", "Condition"};
    if (s->type != JSON_OBJECT) return false;
    for (size_t i = 0; i < s->u.obj.n; i++)
        if (!in_list(s->u.obj.k[i], known, N(known))) return false;
    if ((json_get(s, "Action") && json_get(s, "NotAction")) || (json_get(s, "Resource") && json_get(s, "NotResource")))
        return false;
    const json_t *eff = json_get(s, "Effect"), *sid = json_get(s, "Sid"), *cn = json_get(s, "Condition");
    /* the Effect's case is only checked later, by "legacy parsing" */
    if (!eff || eff->type != JSON_STRING ||
        (!str_eq_nocase(eff->u.s, STR("Allow")) && !str_eq_nocase(eff->u.s, STR("Deny"))))
        return false;
    if (sid && sid->type != JSON_STRING) return false;
    if (cn && !cond_syntax_ok(cn)) return false;
    return list_syntax_ok(json_get(s, "Action")) && list_syntax_ok(json_get(s, "NotAction")) &&
           list_syntax_ok(json_get(s, "Resource")) && list_syntax_ok(json_get(s, "NotResource"));
}

/* ==== legacy parsing of date condition values ==== */

/* s is a decimal integer (optional sign) within [lo, hi]. */
static bool int_in(str_t s, long long lo, long long hi)
{
    size_t i = 0;
    bool neg = false;
    if (i < s.len && (s.p[i] == '-' || s.p[i] == '+')) neg = s.p[i++] == '-';
    if (i == s.len || s.len - i > 19) return false; /* 19 digits fit unsigned 64 bits */
    unsigned long long v = 0;
    for (; i < s.len; i++) {
        if (!isdigit((unsigned char)s.p[i])) return false;
        v = v * 10 + (unsigned)(s.p[i] - '0');
    }
    if (v > (unsigned long long)LLONG_MAX) return false; /* LLONG_MIN is never a bound here */
    long long x = neg ? -(long long)v : (long long)v;
    return x >= lo && x <= hi;
}

/* Splits s at the first c: the part before it (all of s when absent); *rest
 * after it, and *found. */
static str_t part(str_t s, char c, str_t *rest, bool *found)
{
    long k = str_index(s, c);
    *found = k >= 0;
    if (k < 0) {
        *rest = str_n(s.p + s.len, 0);
        return s;
    }
    *rest = str_sub(s, (size_t)k + 1, s.len - (size_t)k - 1);
    return str_sub(s, 0, (size_t)k);
}

/* An ISO 8601 date-time as IAM's legacy parser takes it (lower-cased, any
 * prefix of date and time), with the ranges of a 64-bit millisecond clock. */
static bool iso_ok(str_t s)
{
    bool f;
    str_t time, date = part(s, 't', &time, &f), rest;
    bool neg = date.len && date.p[0] == '-';
    if (neg) date = str_sub(date, 1, date.len - 1);
    str_t year = part(date, '-', &rest, &f);
    if (neg) year = str_n(year.p - 1, year.len + 1);
    if (!int_in(year, -292275054, 292278993)) return false;
    if (f) {
        str_t month = part(rest, '-', &rest, &f);
        if (!int_in(month, 1, 12)) return false;
        if (f) {
            str_t day = part(rest, '-', &rest, &f);
            if (!int_in(day, 1, 31) || f) return false;
        }
    }
    str_t hours = part(time, ':', &rest, &f);
    if (hours.len && !int_in(hours, 0, 23)) return false;
    if (!f) return true;
    str_t minutes = part(rest, ':', &rest, &f);
    if (!int_in(minutes, 0, 59)) return false;
    if (!f) return true;
    str_t secs = part(rest, ':', &(str_t){0}, &f), zone;
    bool z, plus;
    str_t sec = part(secs, 'z', &zone, &z);
    if (z) {
        if (zone.len) return false;
    } else {
        sec = part(secs, '+', &zone, &plus);
        if (plus) {
            str_t zm, zh = part(zone, ':', &zm, &f);
            if (zh.len != 2 || !int_in(zh, 0, 23)) return false;
            if (f && (zm.len != 2 || !int_in(zm, 0, 59))) return false;
        }
    }
    str_t frac, whole = part(sec, '.', &frac, &f);
    if (!int_in(whole, 0, 59)) return false;
    return !f || int_in(frac, 0, 999999999);
}

static bool date_ok(arena_t *a, const json_t *v)
{
    if (v->type == JSON_INT) return v->u.i >= 0;
    if (v->type != JSON_STRING) return false;
    char *low = arena_printf(a, "%.*s", STR_FMT(v->u.s));
    if (!low) return false;
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    str_t s = str_c(low);
    if (strchr(low, 't') || strchr(low, '-')) return iso_ok(s);
    return int_in(s, 0, 9223372036854775807LL);
}

static bool stmt_legacy_ok(arena_t *a, const json_t *s)
{
    const json_t *eff = json_get(s, "Effect"), *cn = json_get(s, "Condition");
    if (!str_eq_c(eff->u.s, "Allow") && !str_eq_c(eff->u.s, "Deny")) return false;
    for (size_t i = 0; cn && i < cn->u.obj.n; i++) {
        if (!str_starts_with(op_base(cn->u.obj.k[i]), STR("Date"))) continue;
        const json_t *block = cn->u.obj.v[i];
        for (size_t k = 0; k < block->u.obj.n; k++) {
            const json_t *v = block->u.obj.v[k], *const *it = &v;
            size_t n = v->type == JSON_ARRAY ? items(v, &it) : 1;
            for (size_t q = 0; q < n; q++)
                if (!date_ok(a, it[q])) return false;
        }
    }
    return true;
}

/* ==== resources ==== */

/* AWS's message for a resource that is not an ARN IAM can use, or NULL. */
static const char *resource_error(arena_t *a, str_t r)
{
    if (str_eq_c(r, "*")) return NULL;
    bool f;
    str_t rest, pt;
    part(r, ':', &rest, &f);
    if (!f) return arena_printf(a, "Resource %.*s must be in ARN format or \"*\".", STR_FMT(r));
    pt = part(rest, ':', &rest, &f);
    if (!str_eq_c(pt, "*") && !in_list(pt, PARTITIONS, N(PARTITIONS))) {
        /* AWS spells the resource out as six segments, "*" for the missing ones */
        str_t seg[3], tail = rest;
        bool more = f;
        for (int i = 0; i < 3; i++) {
            bool had = more;
            seg[i] = had ? part(tail, ':', &tail, &more) : STR("*");
            if (i == 0 && had && seg[0].len == 0 && !more) seg[0] = STR("*");
        }
        return arena_printf(a, "Partition \"%.*s\" is not valid for resource \"arn:%.*s:%.*s:%.*s:%.*s:%.*s\".",
                            STR_FMT(pt), STR_FMT(pt), STR_FMT(seg[0]), STR_FMT(seg[1]), STR_FMT(seg[2]),
                            STR_FMT(more ? tail : STR("*")));
    }
    if (!f) return "Resource vendor must be fully qualified and cannot contain regexes.";
    str_t after, service = part(rest, ':', &after, &f), id;
    bool region = after.len && after.p[0] != ':';
    part(after, ':', &after, &f);
    part(after, ':', &id, &f);
    if (region && str_eq_c(service, "iam"))
        return arena_printf(a, "IAM resource %.*s cannot contain region information.", STR_FMT(r));
    if (region && str_eq_c(service, "s3") && !str_starts_with(id, STR("accesspoint/")))
        return arena_printf(a, "Resource %.*s can not contain region information.", STR_FMT(r));
    if (str_eq_c(service, "iam") && !(id.len && id.p[0] == '*')) {
        for (size_t i = 0; i < N(IAM_PATHS); i++)
            if (str_starts_with(id, str_c(IAM_PATHS[i]))) return NULL;
        return "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, "
               "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
               "report/, access-report/.";
    }
    return NULL;
}

/* Legacy parsing of an ARN: fewer than six segments only without "::", and a service. */
static bool resource_legacy_ok(str_t r)
{
    if (str_eq_c(r, "*")) return true;
    size_t colons = 0;
    for (size_t i = 0; i < r.len; i++) colons += r.p[i] == ':';
    if (colons < 5 && memmem(r.p, r.len, "::", 2)) return false;
    bool f;
    str_t rest;
    part(r, ':', &rest, &f);
    part(rest, ':', &rest, &f);
    if (!f) return false;
    return part(rest, ':', &rest, &f).len > 0;
}

static int cmp_str(const void *x, const void *y)
{
    str_t a = *(const str_t *)x, b = *(const str_t *)y;
    int c = memcmp(a.p, b.p, a.len < b.len ? a.len : b.len);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* The statement's Resource/NotResource strings (nulls left out), sorted. */
static size_t resources(arena_t *a, const json_t *s, const char *key, str_t **out)
{
    const json_t *j = json_get(s, key), *const *it = &j;
    if (!j) return 0;
    size_t n = j->type == JSON_ARRAY ? items(j, &it) : 1, m = 0;
    str_t *v = ARENA_NEWN(a, str_t, n + 1);
    if (!v) return 0;
    for (size_t i = 0; i < n; i++)
        if (it[i]->type == JSON_STRING) v[m++] = it[i]->u.s;
    qsort(v, m, sizeof *v, cmp_str);
    *out = v;
    return m;
}

/* A present Action/NotAction (or Resource/NotResource) that is not an empty list. */
static bool has_list(const json_t *s, const char *k1, const char *k2)
{
    const json_t *j = json_get(s, k1);
    if (!j) j = json_get(s, k2);
    return j && !(j->type == JSON_ARRAY && j->u.arr.n == 0);
}

static const char *action_error(arena_t *a, const json_t *s)
{
    const json_t *j = json_get(s, "Action");
    if (!j) j = json_get(s, "NotAction");
    const json_t *const *it = &j;
    size_t n = j->type == JSON_ARRAY ? items(j, &it) : 1;
    for (size_t i = 0; i < n; i++) {
        if (it[i]->type != JSON_STRING || str_eq_c(it[i]->u.s, "*")) continue;
        str_t act = it[i]->u.s, rest;
        bool f;
        str_t vendor = part(act, ':', &rest, &f);
        if (!f) return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
        if (str_index(rest, ':') >= 0) return "Actions/Condition can contain only one colon.";
        if (str_eq_c(vendor, "*")) continue;
        for (size_t k = 0; k < vendor.len; k++)
            if (!isalnum((unsigned char)vendor.p[k]) && vendor.p[k] != '-' && vendor.p[k] != '.')
                return arena_printf(a, "Vendor %.*s is not valid", STR_FMT(vendor));
    }
    return NULL;
}

const char *iam__doc_error(arena_t *a, str_t doc, bool managed)
{
    const json_t *root = json_parse(a, doc, NULL);
    if (!root || root->type != JSON_OBJECT) return SYNTAX;
    for (size_t i = 0; i < root->u.obj.n; i++)
        if (!in_list(root->u.obj.k[i], (const char *const[]){"Version", "Id", "Statement"}, 3)) return SYNTAX;
    const json_t *ver = json_get(root, "Version"), *id = json_get(root, "Id"), *sts = json_get(root, "Statement");
    if (ver && (ver->type != JSON_STRING || (!str_eq_c(ver->u.s, "2012-10-17") && !str_eq_c(ver->u.s, "2008-10-17"))))
        return SYNTAX;
    if ((id && id->type != JSON_STRING) || !sts) return SYNTAX;
    const json_t *const *st = &sts;
    size_t n = sts->type == JSON_ARRAY ? items(sts, &st) : 1;
    if (n == 0 || (sts->type != JSON_ARRAY && sts->type != JSON_OBJECT)) return SYNTAX;
    for (size_t i = 0; i < n; i++)
        if (!stmt_syntax_ok(st[i])) return SYNTAX;
    /* AWS: a managed policy must use the current language version */
    if (managed && !(ver && str_eq_c(ver->u.s, "2012-10-17")))
        return "Policy document must be version 2012-10-17 or greater.";
    for (size_t i = 0; i < n; i++)
        if (!stmt_legacy_ok(a, st[i])) return LEGACY;
    /* resources: the first format error is reported later; without one, legacy parsing */
    const char *res_err = NULL;
    for (size_t i = 0; i < n; i++) {
        static const char *const keys[] = {"Resource", "NotResource"};
        for (size_t k = 0; k < 2; k++) {
            str_t *v = NULL;
            size_t m = resources(a, st[i], keys[k], &v);
            for (size_t q = 0; q < m && !res_err; q++) res_err = resource_error(a, v[q]);
            for (size_t q = 0; q < m && !res_err; q++)
                if (!resource_legacy_ok(v[q])) return LEGACY;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *sid = json_get(st[i], "Sid");
        if (!sid || !sid->u.s.len) continue;
        for (size_t k = 0; k < i; k++) {
            const json_t *o = json_get(st[k], "Sid");
            if (o && str_eq(o->u.s, sid->u.s)) return "Statement IDs (SID) in a single policy must be unique.";
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!has_list(st[i], "Action", "NotAction")) return "Policy statement must contain actions.";
    if (res_err) return res_err;
    for (size_t i = 0; i < n; i++) {
        const char *e = action_error(a, st[i]);
        if (e) return e;
    }
    for (size_t i = 0; i < n; i++)
        if (!has_list(st[i], "Resource", "NotResource")) return "Policy statement must contain resources.";
    return NULL;
}
