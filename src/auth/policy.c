/* policy.c — IAM policy documents: parse + validate into a compiled form, and evaluate.
 *
 * Sits in auth: the IAM service validates documents with policy_parse when they are
 * stored, and the dispatcher calls policy_evaluate for every request of a non-root
 * principal. Parsing compiles everything that does not depend on the request
 * (wildcard patterns as token arrays, numbers, dates, CIDRs, principals split into
 * account/name), so evaluation only reads the policy and the request: it allocates
 * nothing (stack only) and is safe from any number of threads. */
#include "auth/policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/gtime.h"
#include "core/json.h"

/* ==== compiled form ==== */

/* A pattern token: a byte (< 256) or a wildcard. */
typedef uint16_t tok_t;
enum {
    TOK_STAR = 0x100,     /* any run of characters */
    TOK_QMARK = 0x101,    /* any one character */
    TOK_STAR_SEG = 0x102, /* any run without ':' (ARN resource, mid-segment star) */
};
#define PAT_MAX 4096 /* tokens in a pattern after variable expansion */

typedef struct {
    const tok_t *t; /* literal part: tokens; NULL for a variable */
    uint32_t n;
    str_t key; /* variable: its key ("aws:username") */
    str_t def; /* variable: the default after the comma, or STR_NULL */
} part_t;

typedef struct {
    const part_t *parts;
    uint32_t nparts;
    bool vars; /* has a variable part (only then expansion is needed) */
    bool seg;  /* has TOK_STAR_SEG: needs the NFA matcher */
} pat_t;

typedef enum {
    OP_STR_EQ,
    OP_STR_LIKE,
    OP_NUM_EQ,
    OP_NUM_LT,
    OP_NUM_LE,
    OP_NUM_GT,
    OP_NUM_GE,
    OP_DATE_EQ,
    OP_DATE_LT,
    OP_DATE_LE,
    OP_DATE_GT,
    OP_DATE_GE,
    OP_BOOL,
    OP_BIN_EQ,
    OP_IP,
    OP_ARN_LIKE,
    OP_NULL,
} op_t;

enum { SET_NONE, SET_ALL, SET_ANY };

typedef struct {
    pat_t pat;      /* string, ARN, bool and binary values */
    double num;     /* numeric */
    int64_t us;     /* date */
    bool valid;     /* numeric/date/ip value parsed */
    bool b;         /* Null: true means "key absent" */
    uint8_t family; /* ip: 4 or 6 */
    uint8_t prefix; /* ip: prefix length */
    uint8_t ip[16];
} cval_t;

typedef struct {
    op_t op;
    uint8_t set;
    bool neg;      /* Not… operator: true when no value matches */
    bool fold;     /* IgnoreCase (and Bool) */
    bool ifexists; /* …IfExists: true when the key is absent */
    str_t key;
    const cval_t *v;
    uint32_t nv;
} cond_t;

typedef enum { PR_ANY, PR_ACCOUNT, PR_ARN, PR_ROLE, PR_SERVICE } prkind_t;

typedef struct {
    prkind_t kind;
    str_t account; /* PR_ACCOUNT, PR_ROLE */
    str_t name;    /* PR_ROLE: role name (last path element) */
    str_t arn;     /* PR_ARN: exact ARN; PR_SERVICE: the service/federated/canonical id */
} prin_t;

typedef struct {
    bool deny;
    bool not_action, not_resource, not_principal;
    bool has_principal, has_resource;
    const pat_t *act; /* tokens lower-cased */
    uint32_t nact;
    const pat_t *res;
    uint32_t nres;
    const prin_t *prin;
    uint32_t nprin;
    const cond_t *cond;
    uint32_t ncond;
} stmt_t;

struct policy {
    arena_t *a;
    policy_kind_t kind;
    bool v2012; /* Version 2012-10-17: policy variables are expanded */
    const stmt_t *st;
    size_t nst;
};

/* ==== matching (no allocation) ==== */

static inline int fold_c(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline bool tok_eq(tok_t t, unsigned char c, bool fold)
{
    if (t == TOK_QMARK) return true;
    if (t >= 0x100) return false;
    return fold ? fold_c(t) == fold_c(c) : t == c;
}

/* Greedy wildcard match with one backtrack point: exact for patterns whose only
 * star is TOK_STAR (a later star subsumes any earlier choice), O(n*m) worst case. */
static bool glob(const tok_t *p, size_t m, const char *s, size_t n, bool fold)
{
    size_t i = 0, j = 0, si = SIZE_MAX, sj = 0;
    while (j < n) {
        if (i < m && p[i] == TOK_STAR) {
            si = i++;
            sj = j;
        } else if (i < m && tok_eq(p[i], (unsigned char)s[j], fold)) {
            i++;
            j++;
        } else if (si != SIZE_MAX) {
            i = si + 1;
            j = ++sj;
        } else {
            return false;
        }
    }
    while (i < m && p[i] == TOK_STAR) i++;
    return i == m;
}

/* Bit-parallel NFA for patterns with colon-bounded stars; state i = "p[0..i) matched". */
static bool glob_nfa(const tok_t *p, size_t m, const char *s, size_t n, bool fold)
{
    enum { W = (PAT_MAX + 1 + 63) / 64 };
    uint64_t cur[W], nxt[W];
    size_t w = (m + 1 + 63) / 64;
    memset(cur, 0, w * sizeof cur[0]);
    cur[0] = 1;
    for (size_t i = 0; i < m; i++) /* closure: a star matches the empty run */
        if ((cur[i / 64] >> (i % 64) & 1) && (p[i] == TOK_STAR || p[i] == TOK_STAR_SEG))
            cur[(i + 1) / 64] |= 1ull << ((i + 1) % 64);
    for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        bool any = false;
        memset(nxt, 0, w * sizeof nxt[0]);
        for (size_t k = 0; k < w; k++) {
            uint64_t bits = cur[k];
            while (bits) {
                size_t i = k * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (i >= m) continue;
                if (p[i] == TOK_STAR || (p[i] == TOK_STAR_SEG && c != ':'))
                    nxt[i / 64] |= 1ull << (i % 64);
                else if (tok_eq(p[i], c, fold))
                    nxt[(i + 1) / 64] |= 1ull << ((i + 1) % 64);
            }
        }
        for (size_t i = 0; i < m; i++)
            if ((nxt[i / 64] >> (i % 64) & 1) && (p[i] == TOK_STAR || p[i] == TOK_STAR_SEG))
                nxt[(i + 1) / 64] |= 1ull << ((i + 1) % 64);
        for (size_t k = 0; k < w; k++) {
            cur[k] = nxt[k];
            any |= nxt[k] != 0;
        }
        if (!any) return false;
    }
    return cur[m / 64] >> (m % 64) & 1;
}

static long find(str_t s, str_t needle)
{
    for (size_t i = 0; i + needle.len <= s.len; i++)
        if (memcmp(s.p + i, needle.p, needle.len) == 0) return (long)i;
    return -1;
}

/* The values of a request key (case-insensitive), falling back on what the
 * principal says for the identity keys; *one is storage for that fallback. */
static size_t ctx_lookup(const policy_req_t *req, str_t key, str_t *one, const str_t **vals)
{
    for (size_t i = 0; i < req->nctx; i++)
        if (str_eq_nocase(req->ctx[i].key, key)) {
            *vals = req->ctx[i].values;
            return req->ctx[i].values ? req->ctx[i].nvalues : 0;
        }
    const principal_t *w = req->who;
    if (!w || w->anonymous) return 0;
    /* AWS: aws:username is present only for IAM users (Policy variables, "Request information") */
    if (str_eq_nocase(key, STR("aws:username")) && w->user_name.len && !w->root)
        *one = w->user_name;
    else if (str_eq_nocase(key, STR("aws:userid")) && w->user_id.len)
        *one = w->user_id;
    else if (str_eq_nocase(key, STR("aws:PrincipalAccount")) && w->account.len)
        *one = w->account;
    /* a user's or the root's own ARN; a role session's is the role ARN, which the dispatcher supplies */
    else if (str_eq_nocase(key, STR("aws:PrincipalArn")) && w->arn.len && find(w->arn, STR(":assumed-role/")) < 0)
        *one = w->arn;
    else
        return 0;
    *vals = one;
    return 1;
}

/* Expands variables into buf; false if a variable has no value and no default
 * (AWS: the element then does not match). Substituted text is literal: a '*' in a
 * user name is not a wildcard. */
static bool pat_expand(const pat_t *pt, const policy_req_t *req, tok_t *buf, size_t *m)
{
    size_t n = 0;
    for (uint32_t i = 0; i < pt->nparts; i++) {
        const part_t *pp = &pt->parts[i];
        if (pp->t) {
            if (n + pp->n > PAT_MAX) return false;
            memcpy(buf + n, pp->t, pp->n * sizeof(tok_t));
            n += pp->n;
            continue;
        }
        str_t one, v;
        const str_t *vals = NULL;
        size_t nv = ctx_lookup(req, pp->key, &one, &vals);
        if (nv == 1)
            v = vals[0];
        else if (!str_is_null(pp->def))
            v = pp->def;
        else
            return false;
        if (n + v.len > PAT_MAX) return false;
        for (size_t k = 0; k < v.len; k++) buf[n++] = (unsigned char)v.p[k];
    }
    *m = n;
    return true;
}

static bool pat_match(const pat_t *pt, const policy_req_t *req, str_t s, bool fold)
{
    const tok_t *t;
    size_t m;
    tok_t buf[PAT_MAX];
    if (!pt->vars) {
        if (pt->nparts == 0) return s.len == 0;
        t = pt->parts[0].t;
        m = pt->parts[0].n;
    } else {
        if (!pat_expand(pt, req, buf, &m)) return false;
        t = buf;
    }
    return pt->seg ? glob_nfa(t, m, s.p, s.len, fold) : glob(t, m, s.p, s.len, fold);
}

/* ArnEquals/ArnLike: AWS: "Each of the six colon-delimited components of the ARN is
 * checked separately" (IAM User Guide, Condition operators, ARN). */
static bool arn_like(const pat_t *pt, const policy_req_t *req, str_t s)
{
    const tok_t *t;
    size_t m;
    tok_t buf[PAT_MAX];
    if (pt->vars) {
        if (!pat_expand(pt, req, buf, &m)) return false;
        t = buf;
    } else {
        if (pt->nparts == 0) return false;
        t = pt->parts[0].t;
        m = pt->parts[0].n;
    }
    size_t pi = 0, sj = 0;
    for (int seg = 0; seg < 6; seg++) {
        size_t pe = pi, se = sj;
        if (seg < 5) {
            while (pe < m && t[pe] != ':') pe++;
            while (se < s.len && s.p[se] != ':') se++;
            if (pe == m || se == s.len) return false;
        } else {
            pe = m;
            se = s.len;
        }
        if (!glob(t + pi, pe - pi, s.p + sj, se - sj, false)) return false;
        pi = pe + 1;
        sj = se + 1;
    }
    return true;
}

static bool parse_num(str_t s, double *out)
{
    char b[64];
    if (s.len == 0 || s.len >= sizeof b) return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!(isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
    }
    memcpy(b, s.p, s.len);
    b[s.len] = 0;
    char *end;
    *out = strtod(b, &end);
    return end == b + s.len;
}

/* AWS: date values are ISO 8601 (with or without time) or epoch seconds
 * (Condition operators, "Date condition operators"). */
static bool parse_date(str_t s, int64_t *us)
{
    bool digits = s.len > 0;
    for (size_t i = 0; i < s.len; i++)
        if (!isdigit((unsigned char)s.p[i]) && s.p[i] != '.') digits = false;
    if (digits) {
        double d;
        if (!parse_num(s, &d) || d > 9.2e12) return false;
        *us = (int64_t)(d * 1e6);
        return true;
    }
    if (s.len == 10 && s.p[4] == '-' && s.p[7] == '-') {
        char b[32];
        memcpy(b, s.p, 10);
        memcpy(b + 10, "T00:00:00Z", 10);
        return time_parse(str_n(b, 20), us);
    }
    return time_parse(s, us);
}

/* "10.0.0.0/8", "2001:db8::/32" or a bare address. */
static bool parse_ip(str_t s, uint8_t *ip, uint8_t *family, uint8_t *prefix, bool cidr)
{
    char b[64];
    str_t addr = s;
    long slash = str_index(s, '/');
    long long pl = -1;
    if (slash >= 0) {
        if (!cidr) return false;
        addr = str_sub(s, 0, (size_t)slash);
        str_t ps = str_sub(s, (size_t)slash + 1, s.len - (size_t)slash - 1);
        if (ps.len == 0 || ps.len > 3 || !str_to_i64(ps, &pl) || pl < 0) return false;
    }
    if (addr.len == 0 || addr.len >= sizeof b) return false;
    memcpy(b, addr.p, addr.len);
    b[addr.len] = 0;
    memset(ip, 0, 16);
    if (inet_pton(AF_INET, b, ip) == 1) {
        *family = 4;
        if (pl > 32) return false;
        *prefix = (uint8_t)(pl < 0 ? 32 : pl);
        return true;
    }
    if (inet_pton(AF_INET6, b, ip) == 1) {
        *family = 6;
        if (pl > 128) return false;
        *prefix = (uint8_t)(pl < 0 ? 128 : pl);
        return true;
    }
    return false;
}

static bool ip_in(const cval_t *v, str_t s)
{
    uint8_t ip[16], fam, pre;
    if (!v->valid || !parse_ip(s, ip, &fam, &pre, false) || fam != v->family) return false;
    unsigned bits = v->prefix;
    for (unsigned i = 0; i < 16 && bits; i++) {
        unsigned take = bits >= 8 ? 8 : bits;
        uint8_t mask = (uint8_t)(0xff00 >> take);
        if ((ip[i] & mask) != (v->ip[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

/* Does one request value match one policy value (the positive form of the operator)? */
static bool val_match(const cond_t *c, const cval_t *v, const policy_req_t *req, str_t s)
{
    switch (c->op) {
    case OP_STR_EQ:
    case OP_STR_LIKE:
    case OP_BOOL:
    case OP_BIN_EQ: return pat_match(&v->pat, req, s, c->fold);
    case OP_ARN_LIKE: return arn_like(&v->pat, req, s);
    case OP_IP: return ip_in(v, s);
    case OP_NUM_EQ:
    case OP_NUM_LT:
    case OP_NUM_LE:
    case OP_NUM_GT:
    case OP_NUM_GE: {
        double d;
        if (!v->valid || !parse_num(s, &d)) return false;
        switch (c->op) {
        case OP_NUM_EQ: return d == v->num;
        case OP_NUM_LT: return d < v->num;
        case OP_NUM_LE: return d <= v->num;
        case OP_NUM_GT: return d > v->num;
        default: return d >= v->num;
        }
    }
    case OP_DATE_EQ:
    case OP_DATE_LT:
    case OP_DATE_LE:
    case OP_DATE_GT:
    case OP_DATE_GE: {
        int64_t us;
        if (!v->valid || !parse_date(s, &us)) return false;
        switch (c->op) {
        case OP_DATE_EQ: return us == v->us;
        case OP_DATE_LT: return us < v->us;
        case OP_DATE_LE: return us <= v->us;
        case OP_DATE_GT: return us > v->us;
        default: return us >= v->us;
        }
    }
    case OP_NULL: return false;
    }
    return false;
}

/* One condition (operator + key + values).
 * AWS (Condition operators): a key absent from the request makes the condition false,
 * except negated operators (true), …IfExists (true) and Null. ForAllValues is true
 * when the key is absent or empty; ForAnyValue is then false. Several policy values
 * are ORed; for a negated operator that means "matches none of them". */
static bool cond_true(const cond_t *c, const policy_req_t *req)
{
    str_t one;
    const str_t *vals = NULL;
    size_t n = ctx_lookup(req, c->key, &one, &vals);
    if (c->op == OP_NULL) {
        for (uint32_t i = 0; i < c->nv; i++)
            if (c->v[i].b == (n == 0)) return true;
        return false;
    }
    /* AWS: ForAllValues is also true when the key "resolves to a null dataset, such as an empty string" */
    if (c->set == SET_ALL && n > 0) {
        size_t k = 0;
        while (k < n && vals[k].len == 0) k++;
        if (k == n) return true;
    }
    if (n == 0) {
        if (c->ifexists || c->set == SET_ALL) return true;
        if (c->set == SET_ANY) return false;
        return c->neg;
    }
    bool all = true, any = false;
    for (size_t k = 0; k < n; k++) {
        bool m = false;
        for (uint32_t i = 0; i < c->nv && !m; i++) m = val_match(c, &c->v[i], req, vals[k]);
        bool p = c->neg ? !m : m;
        all &= p;
        any |= p;
    }
    if (c->set == SET_ALL) return all;
    if (c->set == SET_ANY) return any;
    return c->neg ? all : any;
}

/* ---- principals ---- */

/* How an entry names the caller: 0 not at all, 1 through its account, 2 through its
 * role (caller is a session of it), 3 exactly (its own ARN, or "*"). */
static int prin_match(const prin_t *e, const principal_t *w)
{
    if (e->kind == PR_ANY) return 3;
    if (!w || w->anonymous) return 0;
    switch (e->kind) {
    case PR_ACCOUNT: return str_eq(e->account, w->account) ? (w->root ? 3 : 1) : 0;
    case PR_ARN:
    case PR_SERVICE: return str_eq(e->arn, w->arn) ? 3 : 0;
    case PR_ROLE: {
        /* caller arn:aws:sts::ACCT:assumed-role/ROLE/SESSION; the role ARN may carry a
         * path the session ARN drops, so compare account and role name. */
        str_t rest;
        long k = find(w->arn, STR(":assumed-role/"));
        if (k < 0 || !str_eq(e->account, w->account)) return 0;
        rest = str_sub(w->arn, (size_t)k + 14, w->arn.len - (size_t)k - 14);
        long sl = str_index(rest, '/');
        str_t role = sl < 0 ? rest : str_sub(rest, 0, (size_t)sl);
        return str_eq(role, e->name) ? 2 : 0;
    }
    default: return 0;
    }
}

/* The strongest way the statement's Principal names the caller (0: it does not).
 * NotPrincipal: AWS checks the account, then the user — or the role, then the
 * session — so the caller is excluded only when its account is listed too: user
 * ARN and account; role ARN (or the session ARN) and account (IAM User Guide,
 * NotPrincipal, "Key points"). */
static int stmt_principal(const stmt_t *st, const principal_t *w)
{
    if (!st->has_principal) return 3;
    if (!st->not_principal) {
        int best = 0;
        for (uint32_t i = 0; i < st->nprin; i++) {
            int q = prin_match(&st->prin[i], w);
            if (q > best) best = q;
        }
        return best;
    }
    bool acct = false, exact = false, role = false, any = false;
    for (uint32_t i = 0; i < st->nprin; i++) {
        const prin_t *e = &st->prin[i];
        if (e->kind == PR_ANY) any = true;
        int q = prin_match(e, w);
        if (q == 3 && e->kind != PR_ANY) exact = true;
        if (q == 1 || (e->kind == PR_ACCOUNT && q)) acct = true;
        if (q == 2) role = true;
    }
    if (any) return 0;
    if (!w || w->anonymous) return 3;
    bool session = find(w->arn, STR(":assumed-role/")) >= 0;
    bool excluded = w->root ? acct : session ? acct && (role || exact) : acct && exact;
    return excluded ? 0 : 3;
}

static bool stmt_action(const stmt_t *st, const policy_req_t *req)
{
    bool m = false;
    for (uint32_t i = 0; i < st->nact && !m; i++) m = pat_match(&st->act[i], req, req->action, true);
    return st->not_action ? !m : m;
}

static bool stmt_resource(const stmt_t *st, const policy_req_t *req)
{
    if (!st->has_resource) return true; /* trust policies, queue statements without one: what it is attached to */
    bool m = false;
    for (uint32_t i = 0; i < st->nres && !m; i++) m = pat_match(&st->res[i], req, req->resource, false);
    return st->not_resource ? !m : m;
}

/* The policy's verdict; *quality: the best principal match among Allow statements. */
static policy_result_t eval_policy(const policy_t *p, const policy_req_t *req, int *quality)
{
    policy_result_t r = POLICY_IMPLICIT_DENY;
    int best = 0;
    for (size_t i = 0; i < p->nst; i++) {
        const stmt_t *st = &p->st[i];
        if (!stmt_action(st, req) || !stmt_resource(st, req)) continue;
        int q = stmt_principal(st, req->who);
        if (!q) continue;
        bool ok = true;
        for (uint32_t k = 0; k < st->ncond && ok; k++) ok = cond_true(&st->cond[k], req);
        if (!ok) continue;
        if (st->deny) return POLICY_EXPLICIT_DENY;
        r = POLICY_ALLOW;
        if (q > best) best = q;
    }
    if (quality) *quality = best;
    return r;
}

policy_result_t policy_eval_one(const policy_t *p, const policy_req_t *req)
{
    if (!p || !req) return POLICY_IMPLICIT_DENY;
    return eval_policy(p, req, NULL);
}

/* AWS: "Policy evaluation logic" and "Cross-account policy evaluation logic".
 * Within one account a resource policy that names the caller's own ARN (user, role
 * session) or "*" allows on its own; one that names the role ARN is still limited
 * by a session policy; one that names the account delegates to the caller's
 * identity policies. The root user bypasses identity policies. */
policy_result_t policy_evaluate(const policy_req_t *req, const policy_t *const *identity, size_t nidentity,
                                const policy_t *session, const policy_t *resource, bool same_account)
{
    return policy_evaluate_bounded(req, identity, nidentity, session, NULL, resource, same_account);
}

/* AWS ("Permissions boundaries for IAM entities"): the boundary limits what
 * identity policies allow, and what a resource policy allows through the
 * role's ARN, exactly as a session policy does; a resource policy naming the
 * user or the session itself is not limited by it. */
policy_result_t policy_evaluate_bounded(const policy_req_t *req, const policy_t *const *identity, size_t nidentity,
                                        const policy_t *session, const policy_t *boundary, const policy_t *resource,
                                        bool same_account)
{
    const principal_t *w = req->who;
    bool anon = !w || w->anonymous;
    bool id_allow = false;
    for (size_t i = 0; i < nidentity; i++) {
        if (!identity[i]) continue;
        policy_result_t r = eval_policy(identity[i], req, NULL);
        if (r == POLICY_EXPLICIT_DENY) return r;
        if (r == POLICY_ALLOW) id_allow = true;
    }
    bool sess_allow = true;
    const policy_t *limits[2] = {session, boundary};
    for (size_t i = 0; i < 2; i++) {
        if (!limits[i]) continue;
        policy_result_t r = eval_policy(limits[i], req, NULL);
        if (r == POLICY_EXPLICIT_DENY) return r;
        sess_allow = sess_allow && r == POLICY_ALLOW;
    }
    int q = 0;
    bool res_allow = false;
    if (resource) {
        policy_result_t r = eval_policy(resource, req, &q);
        if (r == POLICY_EXPLICIT_DENY) return r;
        res_allow = r == POLICY_ALLOW;
    }
    /* AWS: AssumeRole always needs the role's trust policy to allow */
    if (resource && resource->kind == POLICY_TRUST && !res_allow) return POLICY_IMPLICIT_DENY;
    /* anonymous callers and AWS service principals (no account) have no identity policies */
    if (anon || w->account.len == 0) return res_allow ? POLICY_ALLOW : POLICY_IMPLICIT_DENY;
    /* AWS STS: "Roles may not be assumed by root accounts." */
    if (w->root && resource && resource->kind == POLICY_TRUST) return POLICY_IMPLICIT_DENY;
    if (w->root) {
        if (same_account || res_allow) return POLICY_ALLOW;
        return POLICY_IMPLICIT_DENY;
    }
    bool ident = id_allow && sess_allow;
    /* AWS: cross-account, the resource policy and the caller's identity policies must both allow */
    if (!same_account) return res_allow && ident ? POLICY_ALLOW : POLICY_IMPLICIT_DENY;
    if (res_allow) {
        if (q == 3) return POLICY_ALLOW;
        if (q == 2 && sess_allow) return POLICY_ALLOW;
    }
    return ident ? POLICY_ALLOW : POLICY_IMPLICIT_DENY;
}

/* ==== parsing and validation ==== */

typedef struct {
    arena_t *a;
    policy_kind_t kind;
    bool v2012;
    char *err;
    size_t err_len;
    bool failed;
} pctx_t;

static bool fail(pctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(pctx_t *c, const char *fmt, ...)
{
    if (!c->failed && c->err && c->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->err_len, fmt, ap);
        va_end(ap);
    }
    c->failed = true;
    return false;
}

#define SYNTAX "Syntax errors in policy."

typedef enum { PM_LITERAL, PM_GLOB, PM_ARN } pmode_t;

/* Compiles s into tokens; with v2012, "${key}", "${key, 'default'}", "${*}", "${?}"
 * and "${$}" become variables / literal characters (AWS: Policy variables). In
 * PM_ARN a star inside one of the first five segments that is not its last
 * character cannot cross ':' (AWS: Resource, "Using wildcards in resource ARNs"). */
static bool pat_compile(pctx_t *c, str_t s, pmode_t mode, bool lower, pat_t *out)
{
    if (s.len > PAT_MAX) return fail(c, SYNTAX);
    tok_t *buf = ARENA_NEWN(c->a, tok_t, s.len + 1);
    part_t *parts = ARENA_NEWN(c->a, part_t, s.len + 1);
    if (!buf || !parts) return fail(c, SYNTAX);
    uint32_t np = 0, n = 0, start = 0, colons = 0;
    bool vars = false, seg = false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (c->v2012 && ch == '$' && i + 1 < s.len && s.p[i + 1] == '{') {
            const char *close = memchr(s.p + i + 2, '}', s.len - i - 2);
            if (close) {
                str_t in = str_trim(str_n(s.p + i + 2, (size_t)(close - s.p) - i - 2));
                size_t next = (size_t)(close - s.p);
                if (in.len == 1 && (in.p[0] == '*' || in.p[0] == '?' || in.p[0] == '$')) {
                    buf[n++] = (unsigned char)in.p[0]; /* literal, never a wildcard */
                    i = next;
                    continue;
                }
                str_t key, def = STR_NULL;
                str_t after = str_cut(in, ',', &key);
                key = str_trim(key);
                if (!str_is_null(after)) {
                    after = str_trim(after);
                    if (after.len < 2 || after.p[0] != '\'' || after.p[after.len - 1] != '\'') return fail(c, SYNTAX);
                    def = str_sub(after, 1, after.len - 2);
                }
                if (key.len == 0) return fail(c, SYNTAX);
                if (n > start) parts[np++] = (part_t){.t = buf + start, .n = n - start};
                parts[np++] = (part_t){.key = key, .def = def};
                start = n;
                vars = true;
                i = next;
                continue;
            }
        }
        if (ch == ':') colons++;
        if (mode != PM_LITERAL && ch == '*') {
            bool last = i + 1 == s.len || s.p[i + 1] == ':';
            if (mode == PM_ARN && colons < 5 && !last) {
                buf[n++] = TOK_STAR_SEG;
                seg = true;
            } else {
                buf[n++] = TOK_STAR;
            }
        } else if (mode != PM_LITERAL && ch == '?') {
            buf[n++] = TOK_QMARK;
        } else {
            buf[n++] = lower ? (tok_t)fold_c(ch) : ch;
        }
    }
    if (n > start || np == 0) parts[np++] = (part_t){.t = buf + start, .n = n - start};
    *out = (pat_t){.parts = parts, .nparts = np, .vars = vars, .seg = seg};
    return true;
}

/* A string or an array of strings (the Action/Resource/principal value shapes).
 * AWS IAM also takes nulls in an identity policy's lists; callers skip them. */
static bool str_list(pctx_t *c, const json_t *j, const json_t *const **items, size_t *n, const json_t **one)
{
    if (j->type == JSON_STRING) {
        *one = j;
        *items = one;
        *n = 1;
        return true;
    }
    if (j->type != JSON_ARRAY) return fail(c, SYNTAX);
    for (size_t i = 0; i < j->u.arr.n; i++)
        if (j->u.arr.v[i]->type != JSON_STRING && !(j->u.arr.v[i]->type == JSON_NULL && c->kind == POLICY_IDENTITY))
            return fail(c, SYNTAX);
    *items = (const json_t *const *)j->u.arr.v;
    *n = j->u.arr.n;
    return true;
}

static bool parse_actions(pctx_t *c, const json_t *j, stmt_t *st)
{
    const json_t *const *it, *one;
    size_t n;
    if (!str_list(c, j, &it, &n, &one)) return false;
    if (n == 0) return fail(c, "Policy statement must contain actions.");
    pat_t *a = ARENA_NEWN(c->a, pat_t, n);
    if (!a) return fail(c, SYNTAX);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i]->type == JSON_NULL) continue;
        str_t s = it[i]->u.s;
        if (!str_eq_c(s, "*")) {
            long k = str_index(s, ':');
            /* AWS IAM messages for "s3GetObject" and "s3:Get:Object" */
            if (k <= 0) return fail(c, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
            if (str_index(str_sub(s, (size_t)k + 1, s.len - (size_t)k - 1), ':') >= 0)
                return fail(c, "Actions/Condition can contain only one colon.");
            /* AWS IAM takes "s3.s:ListBucket" in an identity policy */
            for (long q = 0; q < k; q++)
                if (!isalnum((unsigned char)s.p[q]) && s.p[q] != '-' && !(s.p[q] == '.' && c->kind == POLICY_IDENTITY))
                    return fail(c, "Vendor %.*s is not valid", (int)k, s.p);
        }
        /* actions never take variables; compile with v2012 off */
        bool v = c->v2012;
        c->v2012 = false;
        bool ok = pat_compile(c, s, PM_GLOB, true, &a[m++]);
        c->v2012 = v;
        if (!ok) return false;
    }
    /* a list of nulls is an empty one: no statement may match every action by it */
    if (m == 0) return fail(c, "Policy statement must contain actions.");
    st->act = a;
    st->nact = (uint32_t)m;
    return true;
}

static bool parse_resources(pctx_t *c, const json_t *j, stmt_t *st)
{
    const json_t *const *it, *one;
    size_t n;
    if (!str_list(c, j, &it, &n, &one)) return false;
    if (n == 0) return fail(c, "Policy statement must contain resources.");
    pat_t *r = ARENA_NEWN(c->a, pat_t, n);
    if (!r) return fail(c, SYNTAX);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i]->type == JSON_NULL) continue;
        str_t s = it[i]->u.s;
        size_t colons = 0;
        for (size_t k = 0; k < s.len; k++) colons += s.p[k] == ':';
        /* AWS IAM: "Resource bucket must be in ARN format or \"*\"." ("arn:aws:ec2:*" is accepted: a
         * trailing star spans the remaining segments) */
        if (c->kind != POLICY_QUEUE && !str_eq_c(s, "*") && (!str_starts_with(s, STR("arn:")) || colons < 2))
            return fail(c, "Resource %.*s must be in ARN format or \"*\".", STR_FMT(s));
        if (!pat_compile(c, s, PM_ARN, false, &r[m++])) return false;
    }
    if (m == 0) return fail(c, "Policy statement must contain resources.");
    st->res = r;
    st->nres = (uint32_t)m;
    return true;
}

static bool all_digits(str_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!isdigit((unsigned char)s.p[i])) return false;
    return s.len > 0;
}

/* One "AWS" principal: "*", an account id, or an IAM/STS ARN of a root, user, role,
 * assumed-role session or federated user (AWS: Principal element). */
static bool aws_principal(pctx_t *c, str_t s, prin_t *e)
{
    if (str_eq_c(s, "*")) {
        e->kind = PR_ANY;
        return true;
    }
    if (s.len == 12 && all_digits(s)) { /* AWS: an account id means arn:aws:iam::ID:root */
        *e = (prin_t){.kind = PR_ACCOUNT, .account = s};
        return true;
    }
    /* arn:PARTITION:iam|sts::ACCOUNT:RESOURCE */
    str_t f[6], rest = s;
    for (int i = 0; i < 5; i++) {
        long k = str_index(rest, ':');
        if (k < 0) goto bad;
        f[i] = str_sub(rest, 0, (size_t)k);
        rest = str_sub(rest, (size_t)k + 1, rest.len - (size_t)k - 1);
    }
    f[5] = rest;
    if (!str_eq_c(f[0], "arn") || f[1].len == 0 || f[3].len != 0 || f[4].len != 12 || !all_digits(f[4])) goto bad;
    if (memchr(s.p, '*', s.len) || memchr(s.p, '?', s.len)) goto bad; /* AWS: no partial wildcards */
    if (str_eq_c(f[2], "iam")) {
        if (str_eq_c(f[5], "root")) {
            *e = (prin_t){.kind = PR_ACCOUNT, .account = f[4]};
            return true;
        }
        if (str_starts_with(f[5], STR("role/")) && f[5].len > 5) {
            str_t name = f[5];
            while (str_index(name, '/') >= 0) name = str_cut(name, '/', &(str_t){0});
            if (name.len == 0) goto bad;
            *e = (prin_t){.kind = PR_ROLE, .account = f[4], .name = name};
            return true;
        }
        if (str_starts_with(f[5], STR("user/")) && f[5].len > 5) {
            *e = (prin_t){.kind = PR_ARN, .arn = s};
            return true;
        }
        goto bad;
    }
    if (str_eq_c(f[2], "sts") &&
        (str_starts_with(f[5], STR("assumed-role/")) || str_starts_with(f[5], STR("federated-user/")))) {
        *e = (prin_t){.kind = PR_ARN, .arn = s};
        return true;
    }
bad:
    return fail(c, "Invalid principal in policy: \"AWS\":\"%.*s\"", STR_FMT(s));
}

static bool parse_principal(pctx_t *c, const json_t *j, stmt_t *st)
{
    if (j->type == JSON_STRING) {
        if (!str_eq_c(j->u.s, "*")) return fail(c, "Invalid principal in policy: \"%.*s\"", STR_FMT(j->u.s));
        prin_t *e = ARENA_NEW(c->a, prin_t);
        if (!e) return fail(c, SYNTAX);
        e->kind = PR_ANY;
        st->prin = e;
        st->nprin = 1;
        return true;
    }
    if (j->type != JSON_OBJECT || j->u.obj.n == 0) return fail(c, SYNTAX);
    size_t total = 0;
    for (size_t i = 0; i < j->u.obj.n; i++) {
        const json_t *const *it, *one;
        size_t n;
        if (!str_list(c, j->u.obj.v[i], &it, &n, &one)) return false;
        total += n;
    }
    prin_t *e = ARENA_NEWN(c->a, prin_t, total + 1);
    if (!e) return fail(c, SYNTAX);
    size_t ne = 0;
    for (size_t i = 0; i < j->u.obj.n; i++) {
        str_t type = j->u.obj.k[i];
        const json_t *const *it, *one;
        size_t n;
        str_list(c, j->u.obj.v[i], &it, &n, &one);
        bool aws = str_eq_c(type, "AWS");
        if (!aws && !str_eq_c(type, "Service") && !str_eq_c(type, "Federated") && !str_eq_c(type, "CanonicalUser"))
            return fail(c, "Invalid principal in policy: \"%.*s\"", STR_FMT(type));
        for (size_t k = 0; k < n; k++) {
            str_t s = it[k]->u.s;
            if (aws) {
                if (!aws_principal(c, s, &e[ne])) return false;
            } else {
                if (s.len == 0 || (memchr(s.p, '*', s.len) && !str_eq_c(s, "*")))
                    return fail(c, "Invalid principal in policy: \"%.*s\":\"%.*s\"", STR_FMT(type), STR_FMT(s));
                e[ne] = (prin_t){.kind = str_eq_c(s, "*") ? PR_ANY : PR_SERVICE, .arn = s};
            }
            ne++;
        }
    }
    st->prin = e;
    st->nprin = (uint32_t)ne;
    return true;
}

static const struct {
    const char *name;
    op_t op;
    bool neg, fold;
} OPS[] = {
    {"StringEquals", OP_STR_EQ, false, false},
    {"StringNotEquals", OP_STR_EQ, true, false},
    {"StringEqualsIgnoreCase", OP_STR_EQ, false, true},
    {"StringNotEqualsIgnoreCase", OP_STR_EQ, true, true},
    {"StringLike", OP_STR_LIKE, false, false},
    {"StringNotLike", OP_STR_LIKE, true, false},
    {"NumericEquals", OP_NUM_EQ, false, false},
    {"NumericNotEquals", OP_NUM_EQ, true, false},
    {"NumericLessThan", OP_NUM_LT, false, false},
    {"NumericLessThanEquals", OP_NUM_LE, false, false},
    {"NumericGreaterThan", OP_NUM_GT, false, false},
    {"NumericGreaterThanEquals", OP_NUM_GE, false, false},
    {"DateEquals", OP_DATE_EQ, false, false},
    {"DateNotEquals", OP_DATE_EQ, true, false},
    {"DateLessThan", OP_DATE_LT, false, false},
    {"DateLessThanEquals", OP_DATE_LE, false, false},
    {"DateGreaterThan", OP_DATE_GT, false, false},
    {"DateGreaterThanEquals", OP_DATE_GE, false, false},
    {"Bool", OP_BOOL, false, true},
    {"BinaryEquals", OP_BIN_EQ, false, false},
    {"IpAddress", OP_IP, false, false},
    {"NotIpAddress", OP_IP, true, false},
    {"ArnEquals", OP_ARN_LIKE, false, false},
    {"ArnLike", OP_ARN_LIKE, false, false},
    {"ArnNotEquals", OP_ARN_LIKE, true, false},
    {"ArnNotLike", OP_ARN_LIKE, true, false},
    {"Null", OP_NULL, false, false},
};

/* A condition value as text: strings as they are, numbers as written, booleans. */
static bool value_text(pctx_t *c, const json_t *j, str_t *out)
{
    switch (j->type) {
    case JSON_STRING: *out = j->u.s; return true;
    case JSON_INT:
    case JSON_DOUBLE: *out = j->raw; return true;
    case JSON_BOOL: *out = j->u.b ? STR("true") : STR("false"); return true;
    default: return fail(c, SYNTAX);
    }
}

static bool parse_cond_values(pctx_t *c, cond_t *cd, const json_t *j)
{
    const json_t *const *it = &j;
    size_t n = 1;
    if (j->type == JSON_ARRAY) {
        it = (const json_t *const *)j->u.arr.v;
        n = j->u.arr.n;
    }
    /* AWS IAM accepts an empty list in an identity policy: no value matches */
    if (n == 0 && c->kind != POLICY_IDENTITY) return fail(c, SYNTAX);
    cval_t *v = ARENA_NEWN(c->a, cval_t, n + 1);
    if (!v) return fail(c, SYNTAX);
    for (size_t i = 0; i < n; i++) {
        str_t s;
        if (!value_text(c, it[i], &s)) return false;
        bool v2012 = c->v2012, ok = true;
        switch (cd->op) {
        case OP_STR_EQ: ok = pat_compile(c, s, PM_LITERAL, false, &v[i].pat); break;
        case OP_STR_LIKE:
        case OP_ARN_LIKE: ok = pat_compile(c, s, PM_GLOB, false, &v[i].pat); break;
        case OP_BOOL:
        case OP_BIN_EQ:
            c->v2012 = cd->op == OP_BOOL && v2012;
            ok = pat_compile(c, s, PM_LITERAL, false, &v[i].pat);
            c->v2012 = v2012;
            break;
        case OP_NULL:
            if (str_eq_nocase(s, STR("true")))
                v[i].b = true;
            else if (str_eq_nocase(s, STR("false")))
                v[i].b = false;
            else
                return fail(c, SYNTAX);
            break;
        case OP_IP: v[i].valid = parse_ip(s, v[i].ip, &v[i].family, &v[i].prefix, true); break;
        case OP_NUM_EQ:
        case OP_NUM_LT:
        case OP_NUM_LE:
        case OP_NUM_GT:
        case OP_NUM_GE: v[i].valid = parse_num(s, &v[i].num); break;
        default: v[i].valid = parse_date(s, &v[i].us); break;
        }
        if (!ok) return false;
    }
    cd->v = v;
    cd->nv = (uint32_t)n;
    return true;
}

static bool parse_conditions(pctx_t *c, const json_t *j, stmt_t *st)
{
    if (j->type != JSON_OBJECT) return fail(c, SYNTAX);
    size_t total = 0;
    for (size_t i = 0; i < j->u.obj.n; i++) {
        if (j->u.obj.v[i]->type != JSON_OBJECT) return fail(c, SYNTAX);
        total += j->u.obj.v[i]->u.obj.n;
    }
    cond_t *cd = ARENA_NEWN(c->a, cond_t, total + 1);
    if (!cd) return fail(c, SYNTAX);
    size_t nc = 0;
    for (size_t i = 0; i < j->u.obj.n; i++) {
        str_t name = j->u.obj.k[i], base = name;
        uint8_t set = SET_NONE;
        if (str_starts_with(name, STR("ForAllValues:"))) {
            set = SET_ALL;
            base = str_sub(name, 13, name.len - 13);
        } else if (str_starts_with(name, STR("ForAnyValue:"))) {
            set = SET_ANY;
            base = str_sub(name, 12, name.len - 12);
        }
        bool ifexists = false;
        if (str_ends_with(base, STR("IfExists")) && base.len > 8) {
            ifexists = true;
            base.len -= 8;
        }
        size_t k = 0;
        while (k < sizeof OPS / sizeof OPS[0] && !str_eq_c(base, OPS[k].name)) k++;
        const json_t *keys = j->u.obj.v[i];
        bool iam = c->kind == POLICY_IDENTITY;
        /* AWS IAM ignores an unknown operator with nothing under it in an identity policy */
        if (iam && k == sizeof OPS / sizeof OPS[0] && keys->u.obj.n == 0) continue;
        /* AWS IAM: "Invalid Condition type : StringEqualz" */
        if (k == sizeof OPS / sizeof OPS[0] || (OPS[k].op == OP_NULL && (ifexists || set != SET_NONE)))
            return fail(c, "Invalid Condition type : %.*s", STR_FMT(name));
        for (size_t q = 0; q < keys->u.obj.n; q++) {
            str_t key = keys->u.obj.k[q];
            /* AWS IAM takes a key without a vendor in an identity policy (it never matches a request's key) */
            if (!iam && str_index(key, ':') <= 0)
                return fail(c, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
            cond_t *x = &cd[nc++];
            *x = (cond_t){
                .op = OPS[k].op, .set = set, .neg = OPS[k].neg, .fold = OPS[k].fold, .ifexists = ifexists, .key = key};
            if (!parse_cond_values(c, x, keys->u.obj.v[q])) return false;
        }
    }
    st->cond = cd;
    st->ncond = (uint32_t)nc;
    return true;
}

static bool sid_ok(str_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!isalnum((unsigned char)s.p[i])) return false;
    return true;
}

static bool parse_statement(pctx_t *c, const json_t *j, stmt_t *st)
{
    if (j->type != JSON_OBJECT) return fail(c, SYNTAX);
    static const char *const known[] = {"Sid",       "Effect",   "Principal",   "NotPrincipal", "Action",
                                        "NotAction", "Resource", "NotResource", "Condition"};
    for (size_t i = 0; i < j->u.obj.n; i++) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && !str_eq_c(j->u.obj.k[i], known[k])) k++;
        if (k == sizeof known / sizeof known[0]) return fail(c, SYNTAX);
    }
    const json_t *sid = json_get(j, "Sid"), *eff = json_get(j, "Effect");
    const json_t *pr = json_get(j, "Principal"), *npr = json_get(j, "NotPrincipal");
    const json_t *ac = json_get(j, "Action"), *nac = json_get(j, "NotAction");
    const json_t *rs = json_get(j, "Resource"), *nrs = json_get(j, "NotResource");
    const json_t *cn = json_get(j, "Condition");
    bool iam = c->kind == POLICY_IDENTITY || c->kind == POLICY_TRUST;
    if (sid && sid->type != JSON_STRING) return fail(c, SYNTAX);
    /* AWS IAM: "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies
     * the regular expression [0-9A-Za-z]*" (bucket/queue policies allow more) */
    if (sid && iam && !sid_ok(sid->u.s))
        return fail(c, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
                       "expression [0-9A-Za-z]*");
    if (!eff) return fail(c, "Missing required field Effect");
    if (eff->type != JSON_STRING) return fail(c, SYNTAX);
    if (str_eq_c(eff->u.s, "Deny"))
        st->deny = true;
    else if (!str_eq_c(eff->u.s, "Allow"))
        return fail(c, "Invalid effect: %.*s", STR_FMT(eff->u.s));
    /* principals */
    if (pr && npr) return fail(c, SYNTAX);
    if (c->kind == POLICY_IDENTITY || c->kind == POLICY_SESSION) {
        if (pr || npr) return fail(c, "Policy document should not specify a principal.");
    } else {
        if (!pr && !npr) return fail(c, "Missing required field Principal");
        /* AWS: trust policies cannot use NotPrincipal */
        if (npr && c->kind == POLICY_TRUST) return fail(c, "Has prohibited field NotPrincipal");
        /* AWS: "NotPrincipal must be used with "Effect":"Deny"" (the message is not documented) */
        if (npr && !st->deny) return fail(c, SYNTAX);
        st->has_principal = true;
        st->not_principal = npr != NULL;
        if (!parse_principal(c, pr ? pr : npr, st)) return false;
    }
    /* actions */
    if (ac && nac) return fail(c, SYNTAX);
    if (!ac && !nac) return fail(c, "Policy statement must contain actions.");
    st->not_action = nac != NULL;
    if (!parse_actions(c, ac ? ac : nac, st)) return false;
    /* resources */
    if (rs && nrs) return fail(c, SYNTAX);
    if (c->kind == POLICY_TRUST) {
        if (rs) return fail(c, "Has prohibited field Resource");
        if (nrs) return fail(c, "Has prohibited field NotResource");
    } else if (c->kind == POLICY_QUEUE && !rs && !nrs) {
        /* AWS: SQS stores such a statement (a user's report in
         * terraform-provider-aws#42209); like a trust policy's, it is about
         * the resource it is attached to */
    } else {
        if (!rs && !nrs) return fail(c, "Policy statement must contain resources.");
        st->has_resource = true;
        st->not_resource = nrs != NULL;
        if (!parse_resources(c, rs ? rs : nrs, st)) return false;
    }
    if (cn && !parse_conditions(c, cn, st)) return false;
    return true;
}

static void free_deferred(void *p)
{
    policy_free(p);
}

policy_t *policy_parse_in(arena_t *a, str_t json, policy_kind_t kind, char *err, size_t err_len)
{
    policy_t *p = policy_parse(json, kind, err, err_len);
    if (p && arena_defer(a, free_deferred, p) != 0) {
        policy_free(p);
        if (err && err_len) err[0] = 0;
        return NULL;
    }
    return p;
}

policy_t *policy_parse(str_t json, policy_kind_t kind, char *err, size_t err_len)
{
    if (err && err_len) err[0] = 0;
    arena_t *a = arena_new(0);
    if (!a) {
        if (err && err_len) snprintf(err, err_len, SYNTAX);
        return NULL;
    }
    pctx_t c = {.a = a, .kind = kind, .err = err, .err_len = err_len};
    policy_t *p = ARENA_NEW(a, policy_t);
    str_t text = arena_str(a, json); /* the tree points into it: the policy owns its bytes */
    const json_t *root = p && text.p ? json_parse(a, text, NULL) : NULL;
    if (!root || root->type != JSON_OBJECT) {
        fail(&c, SYNTAX);
        goto out;
    }
    for (size_t i = 0; i < root->u.obj.n; i++) {
        str_t k = root->u.obj.k[i];
        if (!str_eq_c(k, "Version") && !str_eq_c(k, "Id") && !str_eq_c(k, "Statement")) {
            fail(&c, SYNTAX);
            goto out;
        }
    }
    const json_t *ver = json_get(root, "Version"), *id = json_get(root, "Id"), *sts = json_get(root, "Statement");
    if (ver) {
        /* AWS: an unknown Version is "The policy failed legacy parsing" */
        if (ver->type != JSON_STRING || (!str_eq_c(ver->u.s, "2012-10-17") && !str_eq_c(ver->u.s, "2008-10-17"))) {
            fail(&c, "The policy failed legacy parsing");
            goto out;
        }
        c.v2012 = str_eq_c(ver->u.s, "2012-10-17");
    }
    if ((id && id->type != JSON_STRING) || !sts) {
        fail(&c, SYNTAX);
        goto out;
    }
    const json_t *const *items = &sts;
    size_t n = 1;
    if (sts->type == JSON_ARRAY) {
        items = (const json_t *const *)sts->u.arr.v;
        n = sts->u.arr.n;
    }
    if (n == 0) {
        fail(&c, SYNTAX);
        goto out;
    }
    stmt_t *st = ARENA_NEWN(a, stmt_t, n);
    if (!st) {
        fail(&c, SYNTAX);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parse_statement(&c, items[i], &st[i])) goto out;
        /* AWS IAM: "Statement IDs (SID) in a single policy must be unique." */
        const json_t *sid = items[i]->type == JSON_OBJECT ? json_get(items[i], "Sid") : NULL;
        if (sid && sid->u.s.len && (kind == POLICY_IDENTITY || kind == POLICY_TRUST))
            for (size_t k = 0; k < i; k++) {
                const json_t *o = json_get(items[k], "Sid");
                if (o && str_eq(o->u.s, sid->u.s)) {
                    fail(&c, "Statement IDs (SID) in a single policy must be unique.");
                    goto out;
                }
            }
    }
    if (arena_failed(a)) {
        fail(&c, SYNTAX);
        goto out;
    }
    p->a = a;
    p->kind = kind;
    p->v2012 = c.v2012;
    p->st = st;
    p->nst = n;
    return p;
out:
    arena_free(a);
    return NULL;
}

void policy_free(policy_t *p)
{
    if (p) arena_free(p->a);
}
