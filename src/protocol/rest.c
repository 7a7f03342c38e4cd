/* rest.c — what rest-json and rest-xml share: URI templates, headers, query
 * strings and the status code.
 *
 * proto_find_op asks proto__rest_match which operations' requestUri templates
 * ("/{Bucket}/{Key+}?tagging") fit a request; the REST parsers then call
 * proto__rest_parse_nonbody to read labels (percent-decoded, {Key+} spanning
 * slashes), headers (incl. prefix maps such as x-amz-meta-*) and query
 * parameters, and serializers call proto__rest_serialize_nonbody for output
 * headers and the status. Invariant: body members are never touched here. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/internal.h"
#include "protocol/json.h"

/* ==== URI templates ==== */

typedef struct {
    const char *name; /* label name without braces or '+' */
    size_t nlen;
    str_t raw; /* still percent-encoded */
} label_t;

#define MAX_LABELS 8

/* Matches template t[0..tn) against path p[0..pn) entirely, capturing labels.
 * A label takes one or more characters, not '/' unless greedy ({Key+}). */
static bool match_path(const char *t, size_t tn, const char *p, size_t pn, label_t *lab, int *nlab)
{
    size_t ti = 0, pi = 0;
    while (ti < tn) {
        if (t[ti] == '{') {
            const char *close = memchr(t + ti, '}', tn - ti);
            if (!close) return false;
            size_t nlen = (size_t)(close - (t + ti)) - 1;
            const char *name = t + ti + 1;
            bool greedy = nlen > 0 && name[nlen - 1] == '+';
            if (greedy) nlen--;
            size_t rest_t = (size_t)(close + 1 - t);
            size_t maxe = pi;
            while (maxe < pn && (greedy || p[maxe] != '/')) maxe++;
            int slot = *nlab;
            if (slot >= MAX_LABELS) return false;
            /* greedy: longest first; plain: shortest first */
            for (size_t k = 0; k + pi < maxe; k++) {
                size_t e = greedy ? maxe - k : pi + k + 1;
                *nlab = slot + 1;
                lab[slot] = (label_t){name, nlen, str_n(p + pi, e - pi)};
                if (match_path(t + rest_t, tn - rest_t, p + e, pn - e, lab, nlab)) return true;
            }
            *nlab = slot;
            return false;
        }
        /* A trailing slash is optional on either side: "/bucket/" matches "/{Bucket}", and
         * newer Lambda models write "/2015-03-31/functions" where older ones end in '/'. */
        if (pi == pn && ti + 1 == tn && t[ti] == '/') return true;
        if (pi >= pn || t[ti] != p[pi]) return false;
        ti++;
        pi++;
    }
    return pi == pn || (pi + 1 == pn && p[pi] == '/');
}

/* ==== query strings ==== */

typedef struct {
    str_t k, v;
} qpair_t;

static size_t parse_query(arena_t *a, str_t q, qpair_t **out)
{
    size_t n = 0, cap = 0;
    qpair_t *v = NULL;
    str_t rest = q, part;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '&', &part);
        if (!part.len) continue;
        str_t k;
        str_t val = str_cut(part, '=', &k);
        str_t dk = wire_url_decode(a, k, true);
        str_t dv = val.p ? wire_url_decode(a, val, true) : STR("");
        if (!dk.p || !dv.p) continue; /* a bad escape: ignored, as the key cannot be named */
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            v = arena_realloc(a, v, cap * sizeof *v, nc * sizeof *v);
            if (!v) return 0;
            cap = nc;
        }
        v[n++] = (qpair_t){dk, dv};
    }
    *out = v;
    return n;
}

/* The request's query, decoded once: every operation of a REST service is
 * tried against each request, and most are ruled out by a query key. */
struct proto_rest_q {
    qpair_t *p;
    size_t n;
    uint64_t keys; /* key_bit of every key: most templates' literal keys are ruled out without a scan */
};

static uint64_t key_bit(str_t k)
{
    return 1ULL << ((k.len * 7 + (k.len ? (unsigned char)k.p[0] : 0)) & 63);
}

proto_rest_q_t *proto__rest_query(const wire_req_t *w, arena_t *a)
{
    proto_rest_q_t *q = arena_zalloc(a, sizeof *q);
    if (!q) return NULL;
    q->n = parse_query(a, w->query, &q->p);
    for (size_t i = 0; i < q->n; i++) q->keys |= key_bit(q->p[i].k);
    return q;
}

static str_t query_value(const proto_rest_q_t *q, str_t key)
{
    if (!(q->keys & key_bit(key))) return STR_NULL;
    for (size_t i = 0; i < q->n; i++)
        if (str_eq(q->p[i].k, key)) return q->p[i].v;
    return STR_NULL;
}

static bool match_op(const op_t *op, const wire_req_t *w, const proto_rest_q_t *qs, label_t *lab, int *nlab)
{
    /* every operation of the service is tried: the first letter rules most out cheaply */
    if (!w->method.len || w->method.p[0] != op->method[0] || !str_eq_c(w->method, op->method)) return false;
    const char *q = strchr(op->uri, '?');
    size_t tn = q ? (size_t)(q - op->uri) : strlen(op->uri);
    if (q) {
        /* literal query keys: "?tagging", "?list-type=2", "?find=LayerVersion";
         * checked first, as they rule out most operations at once */
        str_t rest = str_c(q + 1), part;
        while (rest.p && rest.len) {
            rest = str_cut(rest, '&', &part);
            str_t key;
            str_t val = str_cut(part, '=', &key);
            str_t got = qs ? query_value(qs, key) : STR_NULL;
            if (!got.p) return false;
            if (val.p && val.len && val.p[0] != '{' && !str_eq(got, val)) return false;
        }
    }
    *nlab = 0;
    return match_path(op->uri, tn, w->path.p ? w->path.p : "", w->path.len, lab, nlab);
}

/* What each operation's template requires of every request, worked out once
 * per model: proto_find_op tries all of a service's operations (S3 has about
 * a hundred) on each request, and parsing each template's query part again
 * for every request was most of that. keys: the key_bit of each literal
 * query key, so a request missing one is ruled out with a mask. */
typedef struct {
    uint64_t keys;
} rest_pre_t;

#define REST_MODELS 64
static struct {
    const svc_model_t *m;
    const rest_pre_t *pre;
} rest_reg[REST_MODELS];
static _Atomic int rest_nreg;
static pthread_mutex_t rest_reg_mu = PTHREAD_MUTEX_INITIALIZER;

static const rest_pre_t *rest_pre_build(const svc_model_t *m)
{
    rest_pre_t *pre = calloc(m->nops ? m->nops : 1, sizeof *pre);
    if (!pre) return NULL;
    for (uint32_t i = 0; i < m->nops; i++) {
        const char *q = strchr(m->ops[i].uri, '?');
        str_t rest = q ? str_c(q + 1) : STR_NULL, part;
        while (rest.p && rest.len) {
            rest = str_cut(rest, '&', &part);
            str_t key;
            str_cut(part, '=', &key);
            pre[i].keys |= key_bit(key);
        }
    }
    return pre;
}

/* The model's table, built by the first request that needs it; NULL only
 * when out of memory (every operation is then tried the long way). */
static const rest_pre_t *rest_pre(const svc_model_t *m)
{
    int n = atomic_load_explicit(&rest_nreg, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (rest_reg[i].m == m) return rest_reg[i].pre;
    pthread_mutex_lock(&rest_reg_mu);
    const rest_pre_t *pre = NULL;
    n = atomic_load_explicit(&rest_nreg, memory_order_relaxed);
    for (int i = 0; i < n && !pre; i++)
        if (rest_reg[i].m == m) pre = rest_reg[i].pre;
    if (!pre && n < REST_MODELS && (pre = rest_pre_build(m))) {
        rest_reg[n].m = m;
        rest_reg[n].pre = pre;
        atomic_store_explicit(&rest_nreg, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&rest_reg_mu);
    return pre;
}

bool proto__rest_match(const svc_model_t *m, uint32_t i, const wire_req_t *w, const proto_rest_q_t *q)
{
    const op_t *op = &m->ops[i];
    if (!w->method.len || w->method.p[0] != op->method[0]) return false;
    const rest_pre_t *pre = rest_pre(m);
    if (pre && pre[i].keys && (!q || (q->keys & pre[i].keys) != pre[i].keys)) return false;
    label_t lab[MAX_LABELS];
    int n;
    return match_op(op, w, q, lab, &n);
}

/* ==== reading members ==== */

static ts_format_t ts_for(const member_t *mb, ts_format_t def)
{
    if (mb->ts_format != TS_DEFAULT) return (ts_format_t)mb->ts_format;
    if (mb->shape->ts_format != TS_DEFAULT) return (ts_format_t)mb->shape->ts_format;
    return def;
}

static const char *lname(const member_t *mb)
{
    return mb->loc_name ? mb->loc_name : mb->name;
}

/* A header value for member mb: scalars, comma-separated lists, jsonvalue. */
static val_t *header_val(const member_t *mb, str_t text, arena_t *a, proto_fail_t *fail)
{
    const shape_t *s = mb->shape;
    if (s->type == SH_LIST) {
        val_t *l = val_new(a, VAL_LIST);
        const member_t *em = &s->members[0];
        str_t rest = text, part;
        while (l && rest.p) {
            rest = str_cut(rest, ',', &part);
            part = str_trim(part);
            val_t *e = proto__scalar_parse(em->shape, part, ts_for(em, TS_RFC822), a, fail, mb->name);
            if (!e) return NULL;
            val_push(a, l, e);
        }
        return l;
    }
    if (mb->flags & MF_JSONVALUE) {
        /* AWS: base64 of a JSON document; kept as the JSON text */
        str_t js;
        if (!proto__base64_decode(a, text, &js)) {
            proto__fail(fail, a, PROTO_E_TYPE, "Header '%s' is not valid base64-encoded JSON", lname(mb));
            return NULL;
        }
        return val_str(a, js);
    }
    return proto__scalar_parse(s, text, ts_for(mb, TS_RFC822), a, fail, mb->name);
}

int proto__rest_parse_nonbody(const op_t *op, const wire_req_t *w, arena_t *a, val_t *in, proto_fail_t *fail)
{
    const shape_t *s = op->input;
    if (!s) return GR_OK;
    label_t lab[MAX_LABELS];
    int nlab = 0;
    proto_rest_q_t *q = proto__rest_query(w, a);
    bool matched = match_op(op, w, q, lab, &nlab);
    qpair_t *qp = q ? q->p : NULL;
    size_t nq = q ? q->n : 0;
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mb = &s->members[i];
        val_t *v = NULL;
        switch (mb->location) {
        case LOC_URI: {
            if (!matched) break;
            const char *ln = lname(mb);
            for (int k = 0; k < nlab; k++) {
                if (lab[k].nlen != strlen(ln) || memcmp(lab[k].name, ln, lab[k].nlen) != 0) continue;
                str_t dec = wire_url_decode(a, lab[k].raw, false);
                if (!dec.p) return proto__fail(fail, a, PROTO_E_SYNTAX, "Invalid percent-encoding in the URI");
                if (!(v = proto__scalar_parse(mb->shape, dec, ts_for(mb, TS_ISO8601), a, fail, mb->name)))
                    return GR_ERR;
                break;
            }
            break;
        }
        case LOC_HEADER: {
            str_t h = wire_header(w, lname(mb));
            if (!h.p) break;
            if (!(v = header_val(mb, h, a, fail))) return GR_ERR;
            break;
        }
        case LOC_HEADERS: {
            /* prefix map (x-amz-meta-*): keys keep the client's spelling after the prefix */
            str_t pre = str_c(mb->loc_name ? mb->loc_name : "");
            for (size_t k = 0; k < w->nheaders; k++) {
                str_t hn = w->headers[k].name;
                if (hn.len < pre.len || !str_eq_nocase(str_n(hn.p, pre.len), pre)) continue;
                if (!v && !(v = val_new(a, VAL_MAP))) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
                val_set(a, v, str_n(hn.p + pre.len, hn.len - pre.len), val_str(a, w->headers[k].value));
            }
            break;
        }
        case LOC_QUERYSTRING: {
            const shape_t *ms = mb->shape;
            if (ms->type == SH_MAP) {
                /* AWS: a querystring map takes every parameter no other member names */
                const member_t *vm = &ms->members[1];
                for (size_t k = 0; k < nq; k++) {
                    bool named = false;
                    for (uint16_t o = 0; o < s->nmembers && !named; o++)
                        named = s->members[o].location == LOC_QUERYSTRING && s->members[o].shape->type != SH_MAP &&
                                str_eq_c(qp[k].k, lname(&s->members[o]));
                    if (named) continue;
                    if (!v && !(v = val_new(a, VAL_MAP))) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
                    if (vm->shape->type == SH_LIST) {
                        val_t *l = val_get_s(v, qp[k].k);
                        if (!l) {
                            l = val_new(a, VAL_LIST);
                            val_set(a, v, qp[k].k, l);
                        }
                        val_push(a, l, val_str(a, qp[k].v));
                    } else {
                        val_t *e = proto__scalar_parse(vm->shape, qp[k].v, ts_for(vm, TS_ISO8601), a, fail, mb->name);
                        if (!e) return GR_ERR;
                        val_set(a, v, qp[k].k, e);
                    }
                }
                break;
            }
            const char *ln = lname(mb);
            for (size_t k = 0; k < nq; k++) {
                if (!str_eq_c(qp[k].k, ln)) continue;
                if (ms->type == SH_LIST) {
                    const member_t *em = &ms->members[0];
                    if (!v && !(v = val_new(a, VAL_LIST))) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
                    val_t *e = proto__scalar_parse(em->shape, qp[k].v, ts_for(em, TS_ISO8601), a, fail, mb->name);
                    if (!e) return GR_ERR;
                    val_push(a, v, e);
                } else {
                    if (!(v = proto__scalar_parse(ms, qp[k].v, ts_for(mb, TS_ISO8601), a, fail, mb->name)))
                        return GR_ERR;
                    break; /* the first occurrence wins */
                }
            }
            break;
        }
        default: break;
        }
        if (v && val_set_c(a, in, mb->name, v) != GR_OK) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
    }
    return GR_OK;
}

/* ==== writing output headers ==== */

static str_t header_text(const member_t *mb, const val_t *v, arena_t *a)
{
    const shape_t *s = mb->shape;
    if (v->kind == VAL_LIST) {
        const member_t *em = s->type == SH_LIST ? &s->members[0] : mb;
        buf_t b;
        buf_init(&b, a);
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) buf_putc(&b, ',');
            buf_put_str(&b, proto__scalar_text(em->shape, v->u.list.v[i], ts_for(em, TS_RFC822), a));
        }
        return buf_str(&b);
    }
    if ((mb->flags & MF_JSONVALUE) && v->kind == VAL_STR) return arena_base64(a, v->u.s.p, v->u.s.len);
    return proto__scalar_text(s, v, ts_for(mb, TS_RFC822), a);
}

int proto__rest_serialize_nonbody(const op_t *op, const val_t *out, arena_t *a, wire_resp_t *resp)
{
    int status = op->status ? op->status : 200;
    const shape_t *s = op->output;
    if (!s || !out) return status;
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mb = &s->members[i];
        const val_t *v = val_get(out, mb->name);
        if (!v || v->kind == VAL_NULL) continue;
        switch (mb->location) {
        case LOC_HEADER: {
            str_t t = header_text(mb, v, a);
            if (t.p) wire_resp_header(resp, a, lname(mb), t);
            break;
        }
        case LOC_HEADERS:
            if (v->kind != VAL_MAP && v->kind != VAL_STRUCT) break;
            for (size_t k = 0; k < v->u.obj.n; k++) {
                const val_t *e = v->u.obj.e[k].v;
                if (!e || e->kind != VAL_STR) continue;
                const char *name =
                    arena_printf(a, "%s%.*s", mb->loc_name ? mb->loc_name : "", STR_FMT(v->u.obj.e[k].key));
                if (name) wire_resp_header(resp, a, name, e->u.s);
            }
            break;
        case LOC_STATUSCODE:
            if (v->kind == VAL_INT && v->u.i >= 100 && v->u.i <= 599) status = (int)v->u.i;
            break;
        default: break;
        }
    }
    return status;
}
