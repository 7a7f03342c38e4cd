/* rpcv2.c — the smithy-rpc-v2-cbor protocol (CloudWatch's newest wire).
 *
 * AWS (Smithy's "RPC v2 CBOR" specification, and botocore 1.43's
 * RpcV2CBORSerializer/RpcV2CBORParser): a request is POST
 * /service/{Service}/operation/{Operation} with `smithy-protocol:
 * rpc-v2-cbor` and, when there is input, Content-Type application/cbor and
 * a CBOR map of the input members as its body; {Service} is the service
 * shape's name, which botocore takes from the model's targetPrefix. The
 * response is a CBOR map of the output members with the same two headers;
 * an error is a CBOR map with "__type" (the error's shape ID) and "message".
 * Timestamps are tag 1 around epoch seconds, blobs byte strings. Event
 * stream outputs are not written in cbor (no cbor service gureum serves has
 * one). Invariant: a body botocore serializes parses back to the value
 * botocore was given (tests/protocol). */
#include <math.h>
#include <string.h>

#include "core/cbor.h"
#include "protocol/internal.h"

/* ==== the request path ==== */

bool proto_rpcv2_path(str_t path, str_t *service, str_t *operation)
{
    /* AWS (Smithy): the path ends in /service/{Service}/operation/{Operation};
     * whatever precedes it is the endpoint's own path prefix. */
    static const str_t svc_lit = STR("/service/"), op_lit = STR("/operation/");
    long at = -1;
    for (size_t i = 0; i + svc_lit.len <= path.len; i++)
        if (memcmp(path.p + i, svc_lit.p, svc_lit.len) == 0) at = (long)i;
    if (at < 0) return false;
    str_t rest = str_sub(path, (size_t)at + svc_lit.len, path.len - (size_t)at - svc_lit.len);
    long slash = str_index(rest, '/');
    if (slash <= 0) return false;
    str_t tail = str_sub(rest, (size_t)slash, rest.len - (size_t)slash);
    if (!str_starts_with(tail, op_lit) || tail.len == op_lit.len) return false;
    str_t op = str_sub(tail, op_lit.len, tail.len - op_lit.len);
    if (str_index(op, '/') >= 0) return false;
    *service = str_sub(rest, 0, (size_t)slash);
    *operation = op;
    return true;
}

/* ==== CBOR -> val_t ==== */

/* How a reader fails: the request's arena and failure record. AWS's own
 * wording for a body of the wrong types is not on record; these messages
 * name the member, what the model wants and what came. */
typedef struct {
    arena_t *a;
    proto_fail_t *fail;
} crd_t;

static const char *wanted(const shape_t *s)
{
    switch (s->type) {
    case SH_STRUCTURE:
    case SH_MAP: return "a map";
    case SH_LIST: return "an array";
    case SH_STRING: return "a text string";
    case SH_INTEGER:
    case SH_LONG: return "an integer";
    case SH_FLOAT:
    case SH_DOUBLE: return "a number";
    case SH_BOOLEAN: return "a boolean";
    case SH_TIMESTAMP: return "a timestamp (tag 1)";
    default: return "a byte string";
    }
}

static int type_fail(const crd_t *c, const shape_t *s, const cbor_t *x, const char *path)
{
    proto__fail(c->fail, c->a, PROTO_E_TYPE, "Expected %s for '%s', found %s", wanted(s),
                path && *path ? path : "input", cbor_type_name(x->type));
    c->fail->member = path;
    return GR_ERR;
}

static bool absent(const cbor_t *x)
{
    return x->type == CBOR_NULL || x->type == CBOR_UNDEFINED;
}

/* The value of an integer item, false when it does not fit int64. */
static bool int_of(const cbor_t *x, int64_t *out)
{
    if (x->u.u > (uint64_t)INT64_MAX) return false;
    *out = x->type == CBOR_UINT ? (int64_t)x->u.u : -1 - (int64_t)x->u.u;
    return true;
}

/* A document member: the item as val_t by its own types (maps need text
 * keys; tags other than timestamps have no value form). NULL on failure. */
static val_t *doc_to_val(const crd_t *c, const cbor_t *x)
{
    arena_t *a = c->a;
    val_t *v;
    int64_t i;
    switch (x->type) {
    case CBOR_UINT:
    case CBOR_NINT:
        return int_of(x, &i) ? val_int(a, i)
                             : val_float(a, x->type == CBOR_UINT ? (double)x->u.u : -1.0 - (double)x->u.u);
    case CBOR_BYTES: return val_blob(a, x->u.s);
    case CBOR_TEXT: return val_str(a, x->u.s);
    case CBOR_FALSE:
    case CBOR_TRUE: return val_bool(a, x->type == CBOR_TRUE);
    case CBOR_NULL:
    case CBOR_UNDEFINED: return val_new(a, VAL_NULL);
    case CBOR_FLOAT: return val_float(a, x->u.f);
    case CBOR_ARRAY:
        if (!(v = val_new(a, VAL_LIST))) return NULL;
        for (size_t k = 0; k < x->u.arr.n; k++) {
            val_t *e = doc_to_val(c, x->u.arr.v[k]);
            if (!e || val_push(a, v, e) != GR_OK) return NULL;
        }
        return v;
    case CBOR_MAP:
        if (!(v = val_new(a, VAL_MAP))) return NULL;
        for (size_t k = 0; k < x->u.map.n; k++) {
            val_t *e;
            if (x->u.map.k[k]->type != CBOR_TEXT || !(e = doc_to_val(c, x->u.map.v[k])) ||
                val_set(a, v, x->u.map.k[k]->u.s, e) != GR_OK)
                return NULL;
        }
        return v;
    default: return NULL;
    }
}

static int to_val(const crd_t *c, const shape_t *s, const cbor_t *x, val_t **out, const char *path);

static const member_t *body_member(const shape_t *s, str_t key)
{
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mb = &s->members[i];
        if (str_eq_c(key, mb->loc_name && mb->location == LOC_BODY ? mb->loc_name : mb->name)) return mb;
    }
    return NULL;
}

/* The members of structure s in map x. Keys the shape does not name are
 * ignored, as the JSON protocols ignore them; a member given twice is
 * malformed (RFC 8949 §5.6: a map with duplicate keys is not valid). */
static int read_struct(const crd_t *c, const shape_t *s, const cbor_t *x, val_t *in, const char *path)
{
    arena_t *a = c->a;
    if (x->type != CBOR_MAP) return type_fail(c, s, x, path);
    for (size_t i = 0; i < x->u.map.n; i++) {
        const cbor_t *k = x->u.map.k[i], *mx = x->u.map.v[i];
        if (k->type != CBOR_TEXT)
            return proto__fail(c->fail, a, PROTO_E_TYPE, "Structure keys must be text strings, found %s",
                               cbor_type_name(k->type));
        const member_t *mb = body_member(s, k->u.s);
        if (!mb) continue;
        if (val_get(in, mb->name))
            return proto__fail(c->fail, a, PROTO_E_SYNTAX, "Duplicate member '%s' in a map", mb->name);
        if (absent(mx)) continue; /* AWS: a null member is the same as an absent one */
        const char *p = path && *path ? arena_printf(a, "%s.%s", path, mb->name) : mb->name;
        val_t *mv;
        if (to_val(c, mb->shape, mx, &mv, p) != GR_OK) return GR_ERR;
        if (val_set_c(a, in, mb->name, mv) != GR_OK) return proto__fail(c->fail, a, PROTO_E_SYNTAX, "out of memory");
    }
    return GR_OK;
}

/* AWS (Smithy): a timestamp is tag 1 around epoch seconds, an integer or a
 * float (botocore sends integers; other SDKs send fractions). */
static val_t *timestamp(const crd_t *c, const cbor_t *x)
{
    if (x->type != CBOR_TAG || x->u.tag.num != 1) return NULL;
    const cbor_t *t = x->u.tag.item;
    int64_t secs;
    if ((t->type == CBOR_UINT || t->type == CBOR_NINT) && int_of(t, &secs) && secs > -10000000000000LL &&
        secs < 10000000000000LL)
        return val_time(c->a, secs * 1000000);
    if (t->type == CBOR_FLOAT && isfinite(t->u.f) && fabs(t->u.f) < 1e13)
        return val_time(c->a, (int64_t)llround(t->u.f * 1e6));
    return NULL;
}

static int to_val(const crd_t *c, const shape_t *s, const cbor_t *x, val_t **out, const char *path)
{
    arena_t *a = c->a;
    val_t *v = NULL;
    int64_t i;
    *out = NULL;
    if (s->flags & SF_DOCUMENT) {
        if (!(*out = doc_to_val(c, x))) return type_fail(c, s, x, path);
        return GR_OK;
    }
    switch (s->type) {
    case SH_STRUCTURE:
        if (!(v = val_new(a, VAL_STRUCT))) break;
        if (read_struct(c, s, x, v, path) != GR_OK) return GR_ERR;
        break;
    case SH_LIST:
        if (x->type != CBOR_ARRAY) return type_fail(c, s, x, path);
        if (!(v = val_new(a, VAL_LIST))) break;
        for (size_t k = 0; k < x->u.arr.n; k++) {
            val_t *e;
            if (absent(x->u.arr.v[k])) continue;
            if (to_val(c, s->members[0].shape, x->u.arr.v[k], &e, path) != GR_OK) return GR_ERR;
            if (val_push(a, v, e) != GR_OK) return proto__fail(c->fail, a, PROTO_E_SYNTAX, "out of memory");
        }
        break;
    case SH_MAP:
        if (x->type != CBOR_MAP) return type_fail(c, s, x, path);
        if (!(v = val_new(a, VAL_MAP))) break;
        for (size_t k = 0; k < x->u.map.n; k++) {
            val_t *e;
            if (x->u.map.k[k]->type != CBOR_TEXT) return type_fail(c, s->members[0].shape, x->u.map.k[k], path);
            if (absent(x->u.map.v[k])) continue;
            if (to_val(c, s->members[1].shape, x->u.map.v[k], &e, path) != GR_OK) return GR_ERR;
            if (val_set(a, v, x->u.map.k[k]->u.s, e) != GR_OK)
                return proto__fail(c->fail, a, PROTO_E_SYNTAX, "out of memory");
        }
        break;
    case SH_STRING:
        if (x->type != CBOR_TEXT) return type_fail(c, s, x, path);
        v = val_str(a, x->u.s);
        break;
    case SH_INTEGER:
    case SH_LONG:
        if ((x->type != CBOR_UINT && x->type != CBOR_NINT) || !int_of(x, &i) ||
            (s->type == SH_INTEGER && (i < INT32_MIN || i > INT32_MAX)))
            return type_fail(c, s, x, path);
        v = val_int(a, i);
        break;
    case SH_FLOAT:
    case SH_DOUBLE:
        if (x->type == CBOR_FLOAT)
            v = val_float(a, x->u.f);
        else if (x->type == CBOR_UINT)
            v = val_float(a, (double)x->u.u);
        else if (x->type == CBOR_NINT)
            v = val_float(a, -1.0 - (double)x->u.u);
        else
            return type_fail(c, s, x, path);
        break;
    case SH_BOOLEAN:
        if (x->type != CBOR_TRUE && x->type != CBOR_FALSE) return type_fail(c, s, x, path);
        v = val_bool(a, x->type == CBOR_TRUE);
        break;
    case SH_TIMESTAMP:
        if (!(v = timestamp(c, x))) return type_fail(c, s, x, path);
        break;
    case SH_BLOB:
        if (x->type != CBOR_BYTES) return type_fail(c, s, x, path);
        v = val_blob(a, x->u.s);
        break;
    default: return type_fail(c, s, x, path);
    }
    if (!v) return proto__fail(c->fail, a, PROTO_E_SYNTAX, "out of memory");
    *out = v;
    return GR_OK;
}

int proto__rpcv2_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                       proto_fail_t *fail)
{
    (void)m;
    /* AWS (Smithy): an operation without input may be sent with no body */
    if (!w->body.len) return GR_OK;
    str_t ct = wire_header(w, "content-type"), mime;
    str_cut(ct, ';', &mime);
    if (ct.p && !str_eq_nocase(str_trim(mime), STR("application/cbor")))
        return proto__fail(fail, a, PROTO_E_SYNTAX, "Unsupported Content-Type %.*s: expected application/cbor",
                           STR_FMT(ct));
    const char *err = NULL;
    cbor_t *x = cbor_decode(a, w->body, &err);
    if (!x) return proto__fail(fail, a, PROTO_E_SYNTAX, "%s", err);
    crd_t c = {a, fail};
    static const shape_t empty = {.name = "Unit", .type = SH_STRUCTURE};
    return read_struct(&c, op->input ? op->input : &empty, x, in, "");
}

/* ==== val_t -> CBOR ==== */

static void write_val(buf_t *b, const shape_t *s, const val_t *v);

static bool present(const val_t *v)
{
    return v && v->kind != VAL_NULL;
}

/* A structure's members in model order; a map's entries; a value with no
 * shape (documents, errors' extra members) by its own kinds. Lengths are
 * definite: counted first. */
static void write_obj(buf_t *b, const shape_t *s, const val_t *v)
{
    if (s && s->type == SH_STRUCTURE) {
        uint64_t n = 0;
        for (uint16_t i = 0; i < s->nmembers; i++) n += present(val_get(v, s->members[i].name));
        cbor_w_map(b, n);
        for (uint16_t i = 0; i < s->nmembers; i++) {
            const member_t *mb = &s->members[i];
            const val_t *mv = val_get(v, mb->name);
            if (!present(mv)) continue;
            cbor_w_text(b, str_c(mb->loc_name && mb->location == LOC_BODY ? mb->loc_name : mb->name));
            write_val(b, mb->shape, mv);
        }
        return;
    }
    const shape_t *vs = s && s->type == SH_MAP ? s->members[1].shape : NULL;
    uint64_t n = 0;
    for (size_t i = 0; i < v->u.obj.n; i++) n += present(v->u.obj.e[i].v);
    cbor_w_map(b, n);
    for (size_t i = 0; i < v->u.obj.n; i++) {
        if (!present(v->u.obj.e[i].v)) continue;
        cbor_w_text(b, v->u.obj.e[i].key);
        write_val(b, vs, v->u.obj.e[i].v);
    }
}

/* AWS (Smithy): tag 1 around epoch seconds, an integer when whole, else a
 * double with the fraction. */
static void write_time(buf_t *b, int64_t us)
{
    cbor_w_tag(b, 1);
    if (us % 1000000 == 0)
        cbor_w_int(b, us / 1000000);
    else
        cbor_w_double(b, (double)us / 1e6);
}

static void write_val(buf_t *b, const shape_t *s, const val_t *v)
{
    if (s && (s->flags & SF_DOCUMENT)) s = NULL;
    int t = s ? s->type : -1;
    switch (v ? v->kind : VAL_NULL) {
    case VAL_NULL: cbor_w_null(b); return;
    case VAL_STRUCT:
    case VAL_MAP: write_obj(b, s, v); return;
    case VAL_LIST: {
        const shape_t *es = t == SH_LIST ? s->members[0].shape : NULL;
        cbor_w_array(b, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) write_val(b, es, v->u.list.v[i]);
        return;
    }
    case VAL_STR:
        if (t == SH_BLOB)
            cbor_w_bytes(b, v->u.s);
        else
            cbor_w_text(b, v->u.s);
        return;
    case VAL_INT:
        if (t == SH_FLOAT || t == SH_DOUBLE)
            cbor_w_double(b, (double)v->u.i);
        else if (t == SH_TIMESTAMP) /* epoch seconds */
            write_time(b, v->u.i * 1000000);
        else
            cbor_w_int(b, v->u.i);
        return;
    case VAL_FLOAT:
        if ((t == SH_INTEGER || t == SH_LONG) && v->u.f == floor(v->u.f) && fabs(v->u.f) < 9e18)
            cbor_w_int(b, (int64_t)v->u.f);
        else
            cbor_w_double(b, v->u.f);
        return;
    case VAL_BOOL: cbor_w_bool(b, v->u.b); return;
    case VAL_BLOB:
        if (t == SH_STRING)
            cbor_w_text(b, v->u.s);
        else
            cbor_w_bytes(b, v->u.s);
        return;
    case VAL_TIME: write_time(b, v->u.t); return;
    }
}

static void put_headers(const char *rid, arena_t *a, wire_resp_t *resp)
{
    wire_resp_header(resp, a, "smithy-protocol", STR("rpc-v2-cbor"));
    wire_resp_header(resp, a, "Content-Type", STR("application/cbor"));
    if (rid) wire_resp_header(resp, a, "x-amzn-RequestId", str_c(rid));
}

int proto__rpcv2_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                           wire_resp_t *resp)
{
    (void)m;
    /* An empty map when there is no output: botocore 1.43's parser walks
     * the body of any operation with an output shape, and an empty body is
     * no map. */
    if (op->output && out)
        write_obj(&resp->body, op->output, out);
    else
        cbor_w_map(&resp->body, 0);
    resp->status = op->status ? op->status : 200;
    put_headers(rid, a, resp);
    return resp->body.failed ? GR_ERR : GR_OK;
}

int proto__rpcv2_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                       const char *rid, arena_t *a, wire_resp_t *resp)
{
    buf_t *b = &resp->body;
    bool has_extra = extra && (extra->kind == VAL_STRUCT || extra->kind == VAL_MAP);
    uint64_t n = 1 + (msg != NULL);
    for (size_t i = 0; has_extra && i < extra->u.obj.n; i++) n += present(extra->u.obj.e[i].v);
    cbor_w_map(b, n);
    cbor_w_text(b, STR("__type"));
    /* AWS (Smithy): "__type" is the error shape's ID; botocore keeps what follows '#' */
    cbor_w_text(b, str_c(proto__error_shape_id(m, e, a)));
    if (msg) {
        cbor_w_text(b, STR("message"));
        cbor_w_text(b, str_c(msg));
    }
    for (size_t i = 0; has_extra && i < extra->u.obj.n; i++) {
        if (!present(extra->u.obj.e[i].v)) continue;
        cbor_w_text(b, extra->u.obj.e[i].key);
        write_val(b, NULL, extra->u.obj.e[i].v);
    }
    resp->status = e->status ? e->status : 400;
    put_headers(rid, a, resp);
    /* AWS (Smithy's awsQueryCompatible trait): CloudWatch over cbor keeps
     * its query-era codes, as SQS over json does */
    proto__query_error_header(m, e, a, resp);
    return b->failed ? GR_ERR : GR_OK;
}
