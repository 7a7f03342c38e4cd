/* query.c — the AWS query protocol (STS, IAM, SNS, SQS of old clients, …).
 *
 * Requests are forms (Action=…&Version=…&Member.member.1=…) in the body or
 * the query string; responses are XML documents <OpResponse><OpResult>…
 * </OpResult><ResponseMetadata/></OpResponse>. The form reader here is shared
 * with ec2.c, which differs only in naming. The reader first sorts the
 * decoded keys into a tree of dotted segments and then walks the input shape
 * over it, so its cost is O(n log n) in the number of pairs whatever the
 * input, and unknown keys are ignored as AWS ignores them. */
#include <stdlib.h>

#include "protocol/xml.h"

/* ==== form keys as a tree of dotted segments ==== */

typedef struct qnode qnode_t;
struct qnode {
    str_t seg;   /* one dotted segment: "member", "1", "Key" */
    str_t path;  /* the whole key up to this segment, for messages */
    str_t value; /* STR_NULL when no pair ends here */
    qnode_t *child, *last, *next;
};

typedef struct {
    str_t key, value;
    size_t ord; /* arrival order: of duplicate keys the last one wins */
} pair_t;

/* Orders keys segment by segment: '.' sorts below every other byte, so all
 * keys below one segment are contiguous and a child is always the last one
 * added to its parent. */
static int seg_cmp(const void *pa, const void *pb)
{
    const pair_t *x = pa, *y = pb;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    for (size_t i = 0; i < n; i++) {
        int cx = x->key.p[i] == '.' ? 0 : (unsigned char)x->key.p[i] + 1;
        int cy = y->key.p[i] == '.' ? 0 : (unsigned char)y->key.p[i] + 1;
        if (cx != cy) return cx - cy;
    }
    if (x->key.len != y->key.len) return (x->key.len > y->key.len) - (x->key.len < y->key.len);
    return (x->ord > y->ord) - (x->ord < y->ord);
}

static int add_pairs(arena_t *a, str_t src, pair_t **pairs, size_t *n, size_t *cap)
{
    str_t rest = src, part;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '&', &part);
        if (!part.len) continue;
        str_t k, v = str_cut(part, '=', &k);
        str_t dk = wire_url_decode(a, k, true);
        str_t dv = v.p ? wire_url_decode(a, v, true) : STR("");
        if (!dk.p || !dv.p) return GR_ERR;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            pair_t *np = arena_realloc(a, *pairs, *cap * sizeof *np, nc * sizeof *np);
            if (!np) return GR_ERR;
            *pairs = np;
            *cap = nc;
        }
        (*pairs)[(*n)++] = (pair_t){dk, dv};
    }
    return GR_OK;
}

static qnode_t *build_tree(arena_t *a, pair_t *pairs, size_t n)
{
    qnode_t *root = ARENA_NEW(a, qnode_t);
    if (!root) return NULL;
    for (size_t i = 0; i < n; i++) pairs[i].ord = i;
    qsort(pairs, n, sizeof *pairs, seg_cmp);
    for (size_t i = 0; i < n; i++) {
        qnode_t *cur = root;
        str_t key = pairs[i].key;
        size_t start = 0;
        for (;;) {
            size_t end = start;
            while (end < key.len && key.p[end] != '.') end++;
            str_t seg = str_sub(key, start, end - start);
            qnode_t *c = cur->last;
            if (!c || !str_eq(c->seg, seg)) {
                c = ARENA_NEW(a, qnode_t);
                if (!c) return NULL;
                c->seg = seg;
                c->path = str_sub(key, 0, end);
                c->value = STR_NULL;
                if (cur->last)
                    cur->last->next = c;
                else
                    cur->child = c;
                cur->last = c;
            }
            cur = c;
            if (end >= key.len) break;
            start = end + 1;
        }
        cur->value = pairs[i].value;
    }
    return root;
}

static qnode_t *q_child(const qnode_t *n, str_t seg)
{
    for (qnode_t *c = n ? n->child : NULL; c; c = c->next)
        if (str_eq(c->seg, seg)) return c;
    return NULL;
}

/* ==== walking the input shape ==== */

/* Recursive shapes could otherwise follow a hostile key of many dots as deep
 * as it goes; no AWS query input nests anywhere near this. */
#define FORM_MAX_DEPTH 64

typedef struct {
    arena_t *a;
    proto_fail_t *fail;
    form_naming_t naming;
    int depth;
} qctx_t;

static const char *loc_name(const member_t *m)
{
    if (m->loc_name) return m->loc_name;
    return m->shape ? m->shape->loc_name : NULL;
}

static bool flattened(const member_t *m)
{
    return (m->flags & MF_FLATTENED) || (m->shape && (m->shape->flags & SF_FLATTENED));
}

/* The serialized name of a member, or def when the model gives none.
 * AWS: botocore QuerySerializer/EC2Serializer._get_serialized_name. */
static str_t ser_name(const qctx_t *q, const member_t *m, const char *def)
{
    if (q->naming == FORM_EC2) {
        if (m->query_name) return str_c(m->query_name);
        const char *ln = loc_name(m);
        if (ln && *ln) {
            /* AWS: a locationName is always capitalized on input for ec2 */
            char *c = arena_strdup(q->a, ln);
            if (!c) return str_c(ln);
            if (c[0] >= 'a' && c[0] <= 'z') c[0] = (char)(c[0] - 'a' + 'A');
            return str_c(c);
        }
        return str_c(def);
    }
    const char *ln = loc_name(m);
    return str_c(ln ? ln : def);
}

static ts_format_t ts_of(const member_t *m)
{
    if (m->ts_format != TS_DEFAULT) return (ts_format_t)m->ts_format;
    if (m->shape && m->shape->ts_format != TS_DEFAULT) return (ts_format_t)m->shape->ts_format;
    return TS_ISO8601;
}

typedef struct {
    long long idx;
    qnode_t *n;
} idx_t;

static int idx_cmp(const void *pa, const void *pb)
{
    const idx_t *x = pa, *y = pb;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The numbered children of n (Name.1, Name.2, …) in numeric order; others are ignored. */
static idx_t *numbered(const qctx_t *q, const qnode_t *n, size_t *count)
{
    size_t c = 0;
    for (qnode_t *k = n ? n->child : NULL; k; k = k->next) c++;
    *count = 0;
    if (!c) return NULL;
    idx_t *v = ARENA_NEWN(q->a, idx_t, c);
    if (!v) return NULL;
    for (qnode_t *k = n->child; k; k = k->next) {
        long long i;
        if (str_to_i64(k->seg, &i) && i >= 1) v[(*count)++] = (idx_t){i, k};
    }
    qsort(v, *count, sizeof *v, idx_cmp);
    return v;
}

static int read_value(const qctx_t *q, const member_t *m, const qnode_t *n, val_t **out);

static int read_struct(const qctx_t *q, const shape_t *s, const qnode_t *n, val_t *v)
{
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mm = &s->members[i];
        str_t name = ser_name(q, mm, mm->name);
        if (q->naming == FORM_QUERY && mm->shape && mm->shape->type == SH_LIST && flattened(mm) &&
            mm->shape->nmembers && loc_name(&mm->shape->members[0])) {
            /* AWS: botocore replaces the last segment of a flattened list's
             * prefix with its member's locationName. */
            name = ser_name(q, &mm->shape->members[0], "");
        }
        qnode_t *c = q_child(n, name);
        if (!c) continue;
        val_t *mv = NULL;
        if (read_value(q, mm, c, &mv)) return GR_ERR;
        if (mv && val_set_c(q->a, v, mm->name, mv)) return GR_ERR;
    }
    return GR_OK;
}

static int read_list(const qctx_t *q, const member_t *m, const qnode_t *n, val_t *v)
{
    const shape_t *s = m->shape;
    if (!s->nmembers) return GR_OK;
    const member_t *el = &s->members[0];
    const qnode_t *items = n;
    if (q->naming == FORM_QUERY && !flattened(m)) items = q_child(n, ser_name(q, el, "member"));
    size_t cnt;
    idx_t *ix = numbered(q, items, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        val_t *ev = NULL;
        if (read_value(q, el, ix[i].n, &ev)) return GR_ERR;
        if (ev && val_push(q->a, v, ev)) return GR_ERR;
    }
    return GR_OK;
}

static int read_map(const qctx_t *q, const member_t *m, const qnode_t *n, val_t *v)
{
    const shape_t *s = m->shape;
    if (s->nmembers < 2) return GR_OK;
    const member_t *km = &s->members[0], *vm = &s->members[1];
    const qnode_t *entries = flattened(m) ? n : q_child(n, STR("entry"));
    str_t kn = ser_name(q, km, "key"), vn = ser_name(q, vm, "value");
    size_t cnt;
    idx_t *ix = numbered(q, entries, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        qnode_t *k = q_child(ix[i].n, kn), *vv = q_child(ix[i].n, vn);
        if (!k || !k->value.p) continue;
        val_t *ev = NULL;
        if (vv && read_value(q, vm, vv, &ev)) return GR_ERR;
        if (!ev) ev = val_new(q->a, VAL_NULL);
        if (val_set(q->a, v, k->value, ev)) return GR_ERR;
    }
    return GR_OK;
}

static int read_value_at(const qctx_t *q, const member_t *m, const qnode_t *n, val_t **out);

static int read_value(const qctx_t *q, const member_t *m, const qnode_t *n, val_t **out)
{
    if (q->depth >= FORM_MAX_DEPTH) {
        *out = NULL;
        return proto__fail(q->fail, q->a, PROTO_E_SYNTAX, "The parameter %.*s is nested too deeply",
                           (int)(n->path.len > 200 ? 200 : n->path.len), n->path.p);
    }
    qctx_t deeper = *q;
    deeper.depth++;
    return read_value_at(&deeper, m, n, out);
}

static int read_value_at(const qctx_t *q, const member_t *m, const qnode_t *n, val_t **out)
{
    const shape_t *s = m->shape;
    val_t *v;
    *out = NULL;
    if (!s) return GR_OK;
    switch (s->type) {
    case SH_STRUCTURE:
        if (!(v = val_new(q->a, VAL_STRUCT))) return GR_ERR;
        if (read_struct(q, s, n, v)) return GR_ERR;
        break;
    case SH_LIST:
        /* AWS: botocore's QuerySerializer sends "Name=" for an empty list */
        if (!(v = val_new(q->a, VAL_LIST))) return GR_ERR;
        if (read_list(q, m, n, v)) return GR_ERR;
        break;
    case SH_MAP:
        if (!(v = val_new(q->a, VAL_MAP))) return GR_ERR;
        if (read_map(q, m, n, v)) return GR_ERR;
        break;
    default:
        if (!n->value.p) return GR_OK; /* only deeper keys: not a value for a scalar */
        v = proto__scalar_parse(s, n->value, ts_of(m), q->a, q->fail, arena_strndup(q->a, n->path.p, n->path.len));
        if (!v) return GR_ERR;
    }
    *out = v;
    return GR_OK;
}

int proto__form_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                      proto_fail_t *fail, form_naming_t naming)
{
    pair_t *pairs = NULL;
    size_t n = 0, cap = 0;
    if (add_pairs(a, w->query, &pairs, &n, &cap) || add_pairs(a, w->body, &pairs, &n, &cap)) {
        if (arena_failed(a)) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
        return proto__fail(fail, a, PROTO_E_SYNTAX, "The query string is malformed: invalid percent-encoding");
    }
    if (!op->input) return GR_OK;
    qnode_t *root = build_tree(a, pairs, n);
    if (!root) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
    qctx_t q = {a, fail, naming, 0};
    if (read_struct(&q, op->input, root, in)) {
        if (fail->kind == PROTO_E_NONE) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
        return GR_ERR;
    }
    return GR_OK;
}

int proto__query_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                       proto_fail_t *fail)
{
    return proto__form_parse(m, op, w, a, in, fail, FORM_QUERY);
}

/* ==== responses ==== */

static void resp_start(wire_resp_t *resp, arena_t *a, const char *rid)
{
    if (!resp->body.a) buf_init(&resp->body, a);
    wire_resp_header(resp, a, "Content-Type", STR("text/xml"));
    wire_resp_header(resp, a, "x-amzn-RequestId", arena_str(a, str_c(rid ? rid : "")));
}

int proto__query_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                           wire_resp_t *resp)
{
    resp->status = op->status ? op->status : 200;
    resp_start(resp, a, rid);
    buf_t *b = &resp->body;
    str_t top = str_c(arena_printf(a, "%sResponse", op->name));
    xml_open_start(b, top);
    xml_attr_put(b, STR("xmlns"), str_c(proto__xml_namespace(m, a)));
    xml_open_end(b);
    if (op->output) {
        /* AWS: query outputs sit in <OpResult> (the model's resultWrapper) */
        if (op->result_wrapper) xml_open(b, str_c(op->result_wrapper));
        proto__xml_write_members(b, a, op->output, out);
        if (op->result_wrapper) xml_close(b, str_c(op->result_wrapper));
    }
    xml_open(b, STR("ResponseMetadata"));
    xml_text_elem(b, STR("RequestId"), str_c(rid ? rid : ""));
    xml_close(b, STR("ResponseMetadata"));
    xml_close(b, top);
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}

void proto__xml_write_error_extra(buf_t *b, arena_t *a, const svc_model_t *m, const aws_errdef_t *e, const val_t *extra)
{
    if (!extra || (extra->kind != VAL_STRUCT && extra->kind != VAL_MAP)) return;
    const shape_t *s = model_find_error(m, str_c(e->code));
    for (size_t i = 0; i < extra->u.obj.n; i++) {
        str_t k = extra->u.obj.e[i].key;
        const val_t *v = extra->u.obj.e[i].v;
        if (str_eq_c(k, "Code") || str_eq_c(k, "Message") || str_eq_c(k, "message")) continue;
        const member_t *mm = NULL;
        for (uint16_t j = 0; s && j < s->nmembers; j++)
            if (str_eq_c(k, s->members[j].name)) mm = &s->members[j];
        if (mm && mm->location == LOC_BODY)
            proto__xml_write_member(b, a, mm, proto__xml_member_name(mm), v);
        else if (!mm)
            proto__xml_write_untyped(b, a, k, v);
    }
}

int proto__query_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                       const char *rid, arena_t *a, wire_resp_t *resp)
{
    resp->status = e->status ? e->status : 400;
    resp_start(resp, a, rid);
    buf_t *b = &resp->body;
    /* AWS: <ErrorResponse xmlns=…><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
     * (STS/IAM error responses; botocore QueryParser._do_error_parse) */
    xml_open_start(b, STR("ErrorResponse"));
    xml_attr_put(b, STR("xmlns"), str_c(proto__xml_namespace(m, a)));
    xml_open_end(b);
    xml_open(b, STR("Error"));
    xml_text_elem(b, STR("Type"), e->sender ? STR("Sender") : STR("Receiver"));
    xml_text_elem(b, STR("Code"), str_c(e->code));
    if (msg) xml_text_elem(b, STR("Message"), str_c(msg));
    proto__xml_write_error_extra(b, a, m, e, extra);
    xml_close(b, STR("Error"));
    xml_text_elem(b, STR("RequestId"), str_c(rid ? rid : ""));
    xml_close(b, STR("ErrorResponse"));
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}
