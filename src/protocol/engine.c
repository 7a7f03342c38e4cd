/* engine.c — the protocol engine's entry points (proto.h).
 *
 * The dispatcher calls proto_find_op, proto_parse, proto_serialize and
 * proto_write_error; each dispatches on the model's protocol to the per-
 * protocol files (internal.h). Validation against the input shape (required
 * members, enums, patterns, lengths, ranges) is written once here and runs after every
 * parser, so all protocols report the same AWS-style messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/id.h"
#include "protocol/internal.h"

int proto__fail(proto_fail_t *fail, arena_t *a, proto_fail_kind_t kind, const char *fmt, ...)
{
    if (!fail) return GR_ERR;
    va_list ap;
    va_start(ap, fmt);
    fail->kind = kind;
    fail->msg = arena_vprintf(a, fmt, ap);
    va_end(ap);
    if (!fail->msg) fail->msg = "invalid request";
    return GR_ERR;
}

/* ==== finding the operation ==== */

/* Value of `key` in an application/x-www-form-urlencoded string, decoded. */
static str_t form_param(arena_t *a, str_t form, const char *key)
{
    str_t rest = form, pair;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '&', &pair);
        str_t k;
        str_t v = str_cut(pair, '=', &k);
        str_t dk = wire_url_decode(a, k, true);
        if (dk.p && str_eq_c(dk, key)) return v.p ? wire_url_decode(a, v, true) : STR("");
    }
    return STR_NULL;
}

/* How specific a REST template is: literal query keys first, then literal
 * path characters, then fewer labels (a greedy label last). */
static long rest_specificity(const char *uri)
{
    long lit_path = 0, labels = 0, qkeys = 0, greedy = 0;
    const char *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    bool in_label = false;
    for (size_t i = 0; i < plen; i++) {
        if (uri[i] == '{') {
            in_label = true;
            labels++;
        } else if (uri[i] == '}') {
            in_label = false;
            if (i > 0 && uri[i - 1] == '+') greedy++;
        } else if (!in_label)
            lit_path++;
    }
    if (q)
        for (const char *p = q + 1; *p; p++)
            if (p == q + 1 || p[-1] == '&') qkeys++;
    return qkeys * 1000000L + lit_path * 1000L - labels * 10L - greedy;
}

/* Several operations can share method and template (S3: PutObject, CopyObject,
 * UploadPart, UploadPartCopy on PUT /{Bucket}/{Key+}); they differ in required
 * members bound to the query string or headers (partNumber + uploadId,
 * x-amz-copy-source). An op missing one of those ranks below every op that has
 * them all; then the template's specificity; then how many it uses. */
static long rest_score(const op_t *op, const wire_req_t *w, arena_t *a)
{
    long present = 0;
    bool missing = false;
    const shape_t *in = op->input;
    for (uint16_t i = 0; in && i < in->nmembers; i++) {
        const member_t *mb = &in->members[i];
        if (!(mb->flags & MF_REQUIRED)) continue;
        const char *ln = mb->loc_name ? mb->loc_name : mb->name;
        bool have;
        if (mb->location == LOC_QUERYSTRING)
            have = wire_query_param(w, a, ln).p != NULL;
        else if (mb->location == LOC_HEADER)
            have = wire_header(w, ln).p != NULL;
        else
            continue;
        if (have)
            present++;
        else
            missing = true;
    }
    return (missing ? 0 : 1L << 50) + rest_specificity(op->uri) * 100 + present;
}

/* Whether the request's SigV4 credential scope (Authorization header or
 * presigned X-Amz-Credential: AKID/date/region/SERVICE/aws4_request) names
 * another service than the model's signing name; false when unsigned. */
static bool other_scope(const svc_model_t *m, const wire_req_t *w, arena_t *a)
{
    str_t cred = STR_NULL, auth = wire_header(w, "authorization");
    for (size_t i = 0; auth.p && i + 11 <= auth.len; i++)
        if (memcmp(auth.p + i, "Credential=", 11) == 0) {
            cred = str_sub(auth, i + 11, auth.len - i - 11);
            long end = str_index(cred, ',');
            if (end >= 0) cred.len = (size_t)end;
            break;
        }
    if (!cred.p) cred = wire_query_param(w, a, "X-Amz-Credential");
    str_t part = STR_NULL;
    int n = 0;
    while (n < 4 && cred.p) {
        cred = str_cut(cred, '/', &part);
        n++;
    }
    return n == 4 && cred.p && part.len && m->signing_name && !str_eq_c(part, m->signing_name);
}

const op_t *proto_find_op(const svc_model_t *m, const wire_req_t *w, arena_t *a, str_t *name)
{
    str_t n = STR_NULL;
    if (name) *name = STR_NULL;
    switch (m->protocol) {
    case PROTO_JSON: {
        /* AWS: X-Amz-Target: DynamoDB_20120810.PutItem */
        str_t t = wire_header(w, "X-Amz-Target");
        if (!t.p) return NULL;
        long dot = -1;
        for (size_t i = 0; i < t.len; i++)
            if (t.p[i] == '.') dot = (long)i;
        n = dot >= 0 ? str_sub(t, (size_t)dot + 1, t.len - (size_t)dot - 1) : t;
        break;
    }
    case PROTO_RPCV2_CBOR: {
        /* AWS (Smithy): POST /service/{Service}/operation/{Operation} */
        str_t svc;
        if (!str_eq_c(w->method, "POST") || !proto_rpcv2_path(w->path, &svc, &n) || !m->target_prefix ||
            !str_eq_c(svc, m->target_prefix))
            return NULL;
        break;
    }
    case PROTO_QUERY:
    case PROTO_EC2:
        /* Action comes in the form body (POST) or the query string (GET). */
        n = form_param(a, w->body, "Action");
        if (!n.p) n = form_param(a, w->query, "Action");
        break;
    case PROTO_REST_JSON:
    case PROTO_REST_XML: {
        const op_t *best = NULL;
        long best_score = 0;
        const proto_rest_q_t *q = proto__rest_query(w, a);
        bool other = other_scope(m, w, a);
        for (uint32_t i = 0; i < m->nops; i++) {
            const op_t *op = &m->ops[i];
            if ((op->flags & OPF_OTHER_SCOPE) && !other) continue;
            if (!proto__rest_match(m, i, w, q)) continue;
            long sc = rest_score(op, w, a) + ((op->flags & OPF_OTHER_SCOPE) ? 1L << 51 : 0);
            /* ties go to the later name: S3's deprecated originals (GetBucketLifecycle)
             * sort before their replacements (GetBucketLifecycleConfiguration) */
            if (!best || sc >= best_score) {
                best = op;
                best_score = sc;
            }
        }
        if (best && name) *name = str_c(best->name);
        return best;
    }
    default: return NULL;
    }
    if (name) *name = n;
    return n.p ? model_find_op(m, n) : NULL;
}

/* ==== parse / serialize / errors ==== */

/* AWS: members marked idempotencyToken are filled by SDKs when the caller
 * leaves them out; clients that do not (curl) get one here, so a handler can
 * rely on the token being present (botocore serialize.py, idempotencyToken). */
static void fill_idempotency_tokens(const shape_t *s, val_t *in, arena_t *a)
{
    if (!s) return;
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mb = &s->members[i];
        if (!(mb->flags & MF_IDEMPOTENCY) || val_get(in, mb->name)) continue;
        char uuid[37];
        id_uuid(uuid);
        val_set_c(a, in, mb->name, val_strdup(a, str_c(uuid)));
    }
}

int proto_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t **in, proto_fail_t *fail)
{
    memset(fail, 0, sizeof *fail);
    val_t *v = val_new(a, VAL_STRUCT);
    if (!v) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
    *in = v;
    int rc;
    switch (m->protocol) {
    case PROTO_QUERY: rc = proto__query_parse(m, op, w, a, v, fail); break;
    case PROTO_EC2: rc = proto__ec2_parse(m, op, w, a, v, fail); break;
    case PROTO_JSON: rc = proto__json_parse(m, op, w, a, v, fail); break;
    case PROTO_REST_JSON: rc = proto__restjson_parse(m, op, w, a, v, fail); break;
    case PROTO_REST_XML: rc = proto__restxml_parse(m, op, w, a, v, fail); break;
    case PROTO_RPCV2_CBOR: rc = proto__rpcv2_parse(m, op, w, a, v, fail); break;
    default: return proto__fail(fail, a, PROTO_E_SYNTAX, "unsupported protocol");
    }
    if (rc != GR_OK) {
        if (!fail->kind) proto__fail(fail, a, PROTO_E_SYNTAX, "malformed request");
        return GR_ERR;
    }
    if (arena_failed(a)) return proto__fail(fail, a, PROTO_E_SYNTAX, "request too large");
    fill_idempotency_tokens(op->input, v, a);
    /* AWS: S3 does not check enum members against its model; it answers
     * values it does not know with its own errors (a LocationConstraint of
     * us-east-1 is InvalidLocationConstraint, not a validation error). */
    return op->input ? proto__validate(op->input, v, a, m->protocol != PROTO_REST_XML, fail) : GR_OK;
}

int proto_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *request_id, arena_t *a,
                    wire_resp_t *resp)
{
    switch (m->protocol) {
    case PROTO_QUERY: return proto__query_serialize(m, op, out, request_id, a, resp);
    case PROTO_EC2: return proto__ec2_serialize(m, op, out, request_id, a, resp);
    case PROTO_JSON: return proto__json_serialize(m, op, out, request_id, a, resp);
    case PROTO_REST_JSON: return proto__restjson_serialize(m, op, out, request_id, a, resp);
    case PROTO_REST_XML: return proto__restxml_serialize(m, op, out, request_id, a, resp);
    case PROTO_RPCV2_CBOR: return proto__rpcv2_serialize(m, op, out, request_id, a, resp);
    default: return GR_ERR;
    }
}

const member_t *proto__evs_member(const shape_t *out)
{
    if (!out) return NULL;
    if (out->payload) {
        const member_t *pm = model_member(out, out->payload);
        return pm && pm->shape && (pm->shape->flags & SF_EVENTSTREAM) ? pm : NULL;
    }
    for (uint16_t i = 0; i < out->nmembers; i++)
        if (out->members[i].shape && (out->members[i].shape->flags & SF_EVENTSTREAM)) return &out->members[i];
    return NULL;
}

int proto_serialize_event(const svc_model_t *m, const op_t *op, const val_t *event, arena_t *a, buf_t *b)
{
    const member_t *em = proto__evs_member(op->output);
    if (!em || (m->protocol != PROTO_REST_JSON && m->protocol != PROTO_JSON)) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    if (!list || val_push(a, list, (val_t *)event) != GR_OK) return GR_ERR;
    return proto__evs_write(b, a, em->shape, list, STR("application/json"), proto__json_event_struct);
}

int proto_write_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                      const char *request_id, arena_t *a, wire_resp_t *resp)
{
    if (!m) /* no service known: a generic JSON error */
        return proto__json_error(NULL, e, msg, extra, request_id, a, resp);
    switch (m->protocol) {
    case PROTO_QUERY: return proto__query_error(m, e, msg, extra, request_id, a, resp);
    case PROTO_EC2: return proto__ec2_error(m, e, msg, extra, request_id, a, resp);
    case PROTO_REST_XML: return proto__restxml_error(m, e, msg, extra, request_id, a, resp);
    case PROTO_RPCV2_CBOR: return proto__rpcv2_error(m, e, msg, extra, request_id, a, resp);
    default: return proto__json_error(m, e, msg, extra, request_id, a, resp);
    }
}

/* ==== validation ==== */

/* AWS (Coral) validation messages, e.g. DynamoDB:
 *   1 validation error detected: Value null at 'tableName' failed to satisfy
 *   constraint: Member must not be null
 * Several are joined with "; " after "N validation errors detected: ".
 * Paths use member names with a lower-case first letter and "N.member" (1-based)
 * for list elements. AWS: observed DynamoDB/Logs/Lambda ValidationException texts. */
typedef struct {
    arena_t *a;
    buf_t msgs;
    int count;
    proto_fail_kind_t first_kind;
    const char *first_member;
    bool check_enums;
} vctx_t;

#define MAX_VERRS 10

static void verr(vctx_t *c, proto_fail_kind_t kind, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verr(vctx_t *c, proto_fail_kind_t kind, const char *path, const char *fmt, ...)
{
    if (c->count == 0) {
        c->first_kind = kind;
        c->first_member = path;
    }
    /* AWS (Coral): at most ten are reported ("10 validation errors detected"
     * for 27 violations, the first ten in member order; dynalite's suite) */
    if (c->count == MAX_VERRS) return;
    if (c->count++) buf_puts(&c->msgs, "; ");
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(c->a, fmt, ap);
    va_end(ap);
    if (s) buf_puts(&c->msgs, s);
}

/* Where a value sits, rendered as AWS words it ("key.attributeValue",
 * "items.1.member") only when a message needs it: building the text for
 * every member of every request was a tenth of a small DynamoDB call. */
typedef struct vpath {
    const struct vpath *up; /* NULL at the root */
    enum { VP_MEMBER, VP_INDEX, VP_KEY } kind;
    const char *name; /* VP_MEMBER */
    str_t key;        /* VP_KEY */
    size_t idx;       /* VP_INDEX, 1-based */
} vpath_t;

static const char *path_str(arena_t *a, const vpath_t *p)
{
    if (!p) return "";
    const char *up = path_str(a, p->up);
    switch (p->kind) {
    case VP_MEMBER: {
        char *lc = arena_strdup(a, p->name);
        if (lc && lc[0] >= 'A' && lc[0] <= 'Z') lc[0] = (char)(lc[0] - 'A' + 'a');
        if (!*up) return lc ? lc : p->name;
        return arena_printf(a, "%s.%s", up, lc ? lc : p->name);
    }
    case VP_INDEX: return arena_printf(a, "%s.%zu.member", up, p->idx);
    default: return arena_printf(a, "%s.%.*s.member", up, STR_FMT(p->key));
    }
}

/* A value as Java's toString writes it inside AWS's messages: lists
 * "[a, b]", maps "{k=v}", structures "KeySchemaElement(attributeName=pk,
 * keyType=HASH)" with every member of the shape, absent ones null (AWS:
 * "Value '[KeySchemaElement(attributeName=pk, keyType=HASH), ...]' at
 * 'keySchema'", observed 2026; "Value '[]' at ..." in dynalite's suite). */
static void jtext(buf_t *b, const shape_t *s, const val_t *v, int depth)
{
    if (!v || v->kind == VAL_NULL) {
        buf_puts(b, "null");
        return;
    }
    switch (v->kind) {
    case VAL_STR: buf_put_str(b, v->u.s); return;
    case VAL_INT: buf_printf(b, "%lld", (long long)v->u.i); return;
    case VAL_FLOAT: buf_printf(b, "%g", v->u.f); return;
    case VAL_BOOL: buf_puts(b, v->u.b ? "true" : "false"); return;
    default: break;
    }
    if (depth > 8) {
        buf_puts(b, "...");
        return;
    }
    if (v->kind == VAL_LIST) {
        buf_puts(b, "[");
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) buf_puts(b, ", ");
            jtext(b, s && s->type == SH_LIST ? s->members[0].shape : NULL, v->u.list.v[i], depth + 1);
        }
        buf_puts(b, "]");
        return;
    }
    if (v->kind != VAL_STRUCT && v->kind != VAL_MAP) {
        buf_puts(b, "...");
        return;
    }
    if (s && s->type == SH_STRUCTURE) {
        buf_printf(b, "%s(", s->name);
        for (uint16_t i = 0; i < s->nmembers; i++) {
            const member_t *mb = &s->members[i];
            buf_printf(b, "%s%c%s=", i ? ", " : "",
                       mb->name[0] >= 'A' && mb->name[0] <= 'Z' ? mb->name[0] - 'A' + 'a' : mb->name[0], mb->name + 1);
            jtext(b, mb->shape, val_get(v, mb->name), depth + 1);
        }
        buf_puts(b, ")");
        return;
    }
    buf_puts(b, "{");
    for (size_t i = 0; i < v->u.obj.n; i++) {
        buf_printf(b, "%s%.*s=", i ? ", " : "", STR_FMT(v->u.obj.e[i].key));
        jtext(b, s && s->type == SH_MAP ? s->members[1].shape : NULL, v->u.obj.e[i].v, depth + 1);
    }
    buf_puts(b, "}");
}

/* A value for messages: quoted as AWS does, null bare. */
static const char *vtext(arena_t *a, const shape_t *s, const val_t *v)
{
    if (v->kind == VAL_NULL) return "null";
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "'");
    jtext(&b, s, v, 0);
    buf_puts(&b, "'");
    return buf_str(&b).p;
}

static void validate(vctx_t *c, const shape_t *s, const val_t *v, const vpath_t *vp);

static void check_len(vctx_t *c, const shape_t *s, const val_t *v, const vpath_t *vp, int64_t len)
{
    const char *path;
    if ((s->flags & SF_HAS_MIN) && len < s->min && (path = path_str(c->a, vp)))
        verr(c, PROTO_E_CONSTRAINT, path,
             "Value %s at '%s' failed to satisfy constraint: Member must have length greater than or equal to %lld",
             vtext(c->a, s, v), path, (long long)s->min);
    if ((s->flags & SF_HAS_MAX) && len > s->max && (path = path_str(c->a, vp)))
        verr(c, PROTO_E_CONSTRAINT, path,
             "Value %s at '%s' failed to satisfy constraint: Member must have length less than or equal to %lld",
             vtext(c->a, s, v), path, (long long)s->max);
}

static size_t utf8_chars(str_t s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.p[i] & 0xc0) != 0x80) n++;
    return n;
}

/* ==== maps, as Coral checks them ====
 * AWS (Coral): a map's keys, and its values' own length and pattern, are
 * constraints of the map: one message at the map's path that lists every
 * constraint of the key (or value) shape, e.g. "Value '{a=...}' at
 * 'requestItems' failed to satisfy constraint: Map keys must satisfy
 * constraint: [Member must have length less than or equal to 255, Member
 * must have length greater than or equal to 3, Member must satisfy regular
 * expression pattern: [a-zA-Z0-9_.-]+]" and "Map value must satisfy
 * constraint: [Member must have length less than or equal to 25, Member must
 * have length greater than or equal to 1]" (dynalite's suite, recorded
 * against DynamoDB: BatchGetItem, BatchWriteItem). What is inside a value
 * (a structure's members, a list's elements) is checked at its own path,
 * "requestItems.a.member.keys". */

/* Whether a key or value breaks its shape's own length or pattern (or enum). */
static bool breaks_own(const shape_t *s, const val_t *v)
{
    int64_t len;
    if (!v || v->kind == VAL_NULL) return false;
    if (s->type == SH_STRING && v->kind == VAL_STR) {
        if (s->nenums) {
            bool ok = false;
            for (uint16_t i = 0; i < s->nenums && !ok; i++) ok = str_eq_c(v->u.s, s->enums[i]);
            if (!ok) return true;
        }
        if (s->pattern && !((s->flags & SF_ARN_OK) && str_starts_with(v->u.s, STR("arn:"))) &&
            !proto__pattern_match(s->pattern, v->u.s))
            return true;
        len = (int64_t)utf8_chars(v->u.s);
    } else if (s->type == SH_LIST && v->kind == VAL_LIST) {
        len = (int64_t)v->u.list.n;
    } else if (s->type == SH_BLOB && (v->kind == VAL_BLOB || v->kind == VAL_STR)) {
        len = (int64_t)v->u.s.len;
    } else {
        return false;
    }
    return ((s->flags & SF_HAS_MIN) && len < s->min) || ((s->flags & SF_HAS_MAX) && len > s->max);
}

/* "[Member must have length less than or equal to N, ... greater than or
 * equal to M, Member must satisfy regular expression pattern: P]" */
static const char *own_constraints(arena_t *a, const shape_t *s)
{
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "[");
    const char *sep = "";
    if (s->flags & SF_HAS_MAX) {
        buf_printf(&b, "%sMember must have length less than or equal to %lld", sep, (long long)s->max);
        sep = ", ";
    }
    if (s->flags & SF_HAS_MIN) {
        buf_printf(&b, "%sMember must have length greater than or equal to %lld", sep, (long long)s->min);
        sep = ", ";
    }
    if (s->type == SH_STRING && s->pattern) {
        buf_printf(&b, "%sMember must satisfy regular expression pattern: %s", sep, s->pattern);
        sep = ", ";
    }
    if (s->type == SH_STRING && s->nenums) {
        buf_printf(&b, "%sMember must satisfy enum value set: [", sep);
        for (uint16_t i = 0; i < s->nenums; i++) buf_printf(&b, "%s%s", i ? ", " : "", s->enums[i]);
        buf_puts(&b, "]");
    }
    buf_puts(&b, "]");
    return buf_str(&b).p;
}

static void validate_map(vctx_t *c, const shape_t *s, const val_t *v, const vpath_t *vp)
{
    const shape_t *ks = s->members[0].shape, *vs = s->members[1].shape;
    bool bad_key = false, bad_value = false;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        val_t kv = {.kind = VAL_STR};
        kv.u.s = v->u.obj.e[i].key;
        bad_key = bad_key || breaks_own(ks, &kv);
        bad_value = bad_value || breaks_own(vs, v->u.obj.e[i].v);
    }
    const char *path = bad_key || bad_value ? path_str(c->a, vp) : NULL;
    if (bad_key)
        verr(c, PROTO_E_CONSTRAINT, path,
             "Value %s at '%s' failed to satisfy constraint: Map keys must satisfy constraint: %s", vtext(c->a, s, v),
             path, own_constraints(c->a, ks));
    if (bad_value)
        verr(c, PROTO_E_CONSTRAINT, path,
             "Value %s at '%s' failed to satisfy constraint: Map value must satisfy constraint: %s", vtext(c->a, s, v),
             path, own_constraints(c->a, vs));
    for (size_t i = 0; i < v->u.obj.n; i++) {
        vpath_t child = {.up = vp, .kind = VP_KEY, .key = v->u.obj.e[i].key};
        const val_t *mv = v->u.obj.e[i].v;
        if (!mv || mv->kind == VAL_NULL) continue;
        if (vs->type == SH_LIST && mv->kind == VAL_LIST) {
            for (size_t k = 0; k < mv->u.list.n; k++) {
                vpath_t el = {.up = &child, .kind = VP_INDEX, .idx = k + 1};
                validate(c, vs->members[0].shape, mv->u.list.v[k], &el);
            }
        } else if (vs->type != SH_STRING && vs->type != SH_BLOB) {
            validate(c, vs, mv, &child);
        }
    }
}

static void validate(vctx_t *c, const shape_t *s, const val_t *v, const vpath_t *vp)
{
    const char *path;
    if (!v || v->kind == VAL_NULL) return;
    switch (s->type) {
    case SH_STRUCTURE:
        if (v->kind != VAL_STRUCT || (s->flags & SF_DOCUMENT)) return;
        for (uint16_t i = 0; i < s->nmembers; i++) {
            const member_t *mb = &s->members[i];
            const val_t *mv = val_get(v, mb->name);
            vpath_t child = {.up = vp, .kind = VP_MEMBER, .name = mb->name};
            if ((mb->flags & MF_REQUIRED) && (!mv || mv->kind == VAL_NULL)) {
                /* streaming payloads arrive outside the value tree */
                if (mb->flags & MF_STREAMING) continue;
                const char *p = path_str(c->a, &child);
                verr(c, PROTO_E_REQUIRED, p, "Value null at '%s' failed to satisfy constraint: Member must not be null",
                     p);
                continue;
            }
            if (mv) validate(c, mb->shape, mv, &child);
        }
        return;
    case SH_LIST:
        if (v->kind != VAL_LIST) return;
        check_len(c, s, v, vp, (int64_t)v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) {
            vpath_t child = {.up = vp, .kind = VP_INDEX, .idx = i + 1};
            validate(c, s->members[0].shape, v->u.list.v[i], &child);
        }
        return;
    case SH_MAP:
        if (v->kind != VAL_MAP && v->kind != VAL_STRUCT) return;
        check_len(c, s, v, vp, (int64_t)v->u.obj.n);
        if (c->check_enums) {
            validate_map(c, s, v, vp);
            return;
        }
        for (size_t i = 0; i < v->u.obj.n; i++) {
            vpath_t child = {.up = vp, .kind = VP_KEY, .key = v->u.obj.e[i].key};
            val_t kv = {.kind = VAL_STR};
            kv.u.s = v->u.obj.e[i].key;
            validate(c, s->members[0].shape, &kv, &child);
            validate(c, s->members[1].shape, v->u.obj.e[i].v, &child);
        }
        return;
    case SH_STRING:
        if (v->kind != VAL_STR) return;
        if (s->nenums && c->check_enums) {
            bool ok = false;
            for (uint16_t i = 0; i < s->nenums && !ok; i++) ok = str_eq_c(v->u.s, s->enums[i]);
            if (!ok) {
                path = path_str(c->a, vp);
                buf_t set;
                buf_init(&set, c->a);
                for (uint16_t i = 0; i < s->nenums; i++) {
                    if (i) buf_puts(&set, ", ");
                    buf_puts(&set, s->enums[i]);
                }
                verr(c, PROTO_E_CONSTRAINT, path,
                     "Value %s at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
                     vtext(c->a, s, v), path, buf_str(&set).p);
            }
        }
        /* AWS (Coral): the pattern is reported before the length, e.g.
         * "Value 'a;' at 'tableName' failed to satisfy constraint: Member must
         * satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at
         * 'tableName' failed to satisfy constraint: Member must have length
         * greater than or equal to 3" (dynalite's suite, recorded against
         * DynamoDB). S3 (no check_enums) answers with its own errors. */
        if ((s->flags & SF_ARN_OK) && str_starts_with(v->u.s, STR("arn:"))) return;
        if (s->pattern && c->check_enums && !proto__pattern_match(s->pattern, v->u.s)) {
            path = path_str(c->a, vp);
            verr(c, PROTO_E_CONSTRAINT, path,
                 "Value %s at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
                 vtext(c->a, s, v), path, s->pattern);
        }
        check_len(c, s, v, vp, (int64_t)utf8_chars(v->u.s));
        return;
    case SH_BLOB:
        if (v->kind == VAL_BLOB || v->kind == VAL_STR) check_len(c, s, v, vp, (int64_t)v->u.s.len);
        return;
    case SH_INTEGER:
    case SH_LONG:
    case SH_FLOAT:
    case SH_DOUBLE: {
        double d;
        if (v->kind == VAL_INT)
            d = (double)v->u.i;
        else if (v->kind == VAL_FLOAT)
            d = v->u.f;
        else
            return;
        if ((s->flags & SF_HAS_MIN) && d < (double)s->min && (path = path_str(c->a, vp)))
            verr(c, PROTO_E_CONSTRAINT, path,
                 "Value %s at '%s' failed to satisfy constraint: Member must have value greater than or equal to %lld",
                 vtext(c->a, s, v), path, (long long)s->min);
        if ((s->flags & SF_HAS_MAX) && d > (double)s->max && (path = path_str(c->a, vp)))
            verr(c, PROTO_E_CONSTRAINT, path,
                 "Value %s at '%s' failed to satisfy constraint: Member must have value less than or equal to %lld",
                 vtext(c->a, s, v), path, (long long)s->max);
        return;
    }
    default: return;
    }
}

int proto__validate(const shape_t *s, const val_t *v, arena_t *a, bool check_enums, proto_fail_t *fail)
{
    vctx_t c = {.a = a, .check_enums = check_enums};
    buf_init(&c.msgs, a);
    validate(&c, s, v, NULL);
    if (!c.count) return GR_OK;
    proto__fail(fail, a, c.first_kind, "%d validation error%s detected: %s", c.count, c.count > 1 ? "s" : "",
                buf_str(&c.msgs).p);
    fail->member = c.first_member;
    return GR_ERR;
}
