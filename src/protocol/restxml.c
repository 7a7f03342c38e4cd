/* restxml.c — the rest-xml protocol (S3; also Route 53 and CloudFront shapes).
 *
 * Everything outside the body (URI labels, headers, query string, status) is
 * rest.c's; this file reads and writes the body. A request body is either the
 * payload member (a structure as an XML document whose root is named by its
 * locationName, or a blob/string taken raw) or, with no payload, the input
 * structure itself as the root element. Responses mirror that, with S3's root
 * element names from the table below, since its model leaves them out.
 * Names are matched without namespace prefixes, as botocore does. */
#include "protocol/xml.h"

/* ==== reading a body by the model ==== */

typedef struct {
    arena_t *a;
    proto_fail_t *fail;
} rctx_t;

static bool flattened(const member_t *m)
{
    return (m->flags & MF_FLATTENED) || (m->shape && (m->shape->flags & SF_FLATTENED));
}

static ts_format_t ts_of(const member_t *m)
{
    if (m->ts_format != TS_DEFAULT) return (ts_format_t)m->ts_format;
    if (m->shape && m->shape->ts_format != TS_DEFAULT) return (ts_format_t)m->shape->ts_format;
    return TS_ISO8601;
}

static int read_value(const rctx_t *r, const member_t *m, const xml_node_t *n, val_t **out);
static int read_map_entry(const rctx_t *r, const shape_t *s, const xml_node_t *e, val_t *v);

static str_t trim_ws(str_t s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\n' || s.p[0] == '\r')) s = str_sub(s, 1, s.len - 1);
    while (s.len &&
           (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' || s.p[s.len - 1] == '\n' || s.p[s.len - 1] == '\r'))
        s.len--;
    return s;
}

static val_t *read_scalar(const rctx_t *r, const member_t *m, str_t text)
{
    const shape_t *s = m->shape;
    /* Strings keep every byte; numbers, booleans and dates tolerate the
     * indentation a pretty-printing client puts around them. */
    if (s->type != SH_STRING && s->type != SH_BLOB) text = trim_ws(text);
    return proto__scalar_parse(s, text, ts_of(m), r->a, r->fail, m->name);
}

static int read_struct(const rctx_t *r, const shape_t *s, const xml_node_t *n, val_t *v)
{
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *mm = &s->members[i];
        if (mm->location != LOC_BODY || !mm->shape) continue;
        val_t *mv = NULL;
        if (mm->flags & MF_XMLATTRIBUTE) {
            str_t t = xml_attr(n, str_c(mm->loc_name ? mm->loc_name : mm->name));
            if (!t.p) continue;
            if (!(mv = read_scalar(r, mm, t))) return GR_ERR;
        } else {
            str_t name = proto__xml_member_name(mm);
            bool flat = flattened(mm) && (mm->shape->type == SH_LIST || mm->shape->type == SH_MAP);
            if (flat) {
                /* a flattened list or map is every child of that name */
                if (!xml_child(n, name)) continue;
                if (!(mv = val_new(r->a, mm->shape->type == SH_LIST ? VAL_LIST : VAL_MAP))) return GR_ERR;
                for (xml_node_t *c = n->child; c; c = c->next) {
                    if (!str_eq(xml_local(c->name), name)) continue;
                    if (mm->shape->type == SH_LIST) {
                        val_t *ev = NULL;
                        if (!mm->shape->nmembers || read_value(r, &mm->shape->members[0], c, &ev)) return GR_ERR;
                        if (ev && val_push(r->a, mv, ev)) return GR_ERR;
                    } else if (mm->shape->nmembers >= 2 && read_map_entry(r, mm->shape, c, mv)) {
                        return GR_ERR;
                    }
                }
            } else {
                xml_node_t *c = xml_child(n, name);
                if (!c) continue;
                if (read_value(r, mm, c, &mv)) return GR_ERR;
            }
        }
        if (mv && val_set_c(r->a, v, mm->name, mv)) return GR_ERR;
    }
    return GR_OK;
}

static int read_map_entry(const rctx_t *r, const shape_t *s, const xml_node_t *e, val_t *v)
{
    const member_t *km = &s->members[0], *vm = &s->members[1];
    str_t kn = str_c(km->loc_name ? km->loc_name : "key");
    str_t vn = str_c(vm->loc_name ? vm->loc_name : "value");
    xml_node_t *k = xml_child(e, kn), *vv = xml_child(e, vn);
    if (!k) return GR_OK;
    val_t *ev = NULL;
    if (vv && read_value(r, vm, vv, &ev)) return GR_ERR;
    if (!ev && !(ev = val_new(r->a, VAL_NULL))) return GR_ERR;
    return val_set(r->a, v, k->text, ev);
}

static int read_value(const rctx_t *r, const member_t *m, const xml_node_t *n, val_t **out)
{
    const shape_t *s = m->shape;
    val_t *v;
    *out = NULL;
    switch (s->type) {
    case SH_STRUCTURE:
        if (!(v = val_new(r->a, VAL_STRUCT)) || read_struct(r, s, n, v)) return GR_ERR;
        break;
    case SH_LIST:
        if (!(v = val_new(r->a, VAL_LIST))) return GR_ERR;
        if (!s->nmembers) break;
        if (flattened(m)) { /* reached only for a flattened list inside a flattened list */
            val_t *ev = NULL;
            if (read_value(r, &s->members[0], n, &ev)) return GR_ERR;
            if (ev && val_push(r->a, v, ev)) return GR_ERR;
            break;
        }
        /* AWS: botocore reads every child of the wrapper whatever its name */
        for (xml_node_t *c = n->child; c; c = c->next) {
            val_t *ev = NULL;
            if (read_value(r, &s->members[0], c, &ev)) return GR_ERR;
            if (ev && val_push(r->a, v, ev)) return GR_ERR;
        }
        break;
    case SH_MAP:
        if (!(v = val_new(r->a, VAL_MAP))) return GR_ERR;
        if (s->nmembers < 2) break;
        if (flattened(m)) {
            if (read_map_entry(r, s, n, v)) return GR_ERR;
            break;
        }
        for (xml_node_t *c = n->child; c; c = c->next)
            if (str_eq(xml_local(c->name), STR("entry")) && read_map_entry(r, s, c, v)) return GR_ERR;
        break;
    default:
        if (!(v = read_scalar(r, m, n->text))) return GR_ERR;
    }
    *out = v;
    return GR_OK;
}

static bool has_body_members(const shape_t *s)
{
    for (uint16_t i = 0; s && i < s->nmembers; i++)
        if (s->members[i].location == LOC_BODY) return true;
    return false;
}

static bool blank(str_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n') return false;
    return true;
}

static int parse_doc(const rctx_t *r, str_t body, xml_node_t **root)
{
    const char *err = NULL;
    if (xml_parse(r->a, body, root, &err) == GR_OK) return GR_OK;
    /* AWS: S3 answers MalformedXML "The XML you provided was not well-formed
     * or did not validate against our published schema" */
    return proto__fail(r->fail, r->a, PROTO_E_SYNTAX,
                       "The XML you provided was not well-formed or did not validate against our published schema (%s)",
                       err ? err : "malformed");
}

int proto__restxml_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                         proto_fail_t *fail)
{
    if (proto__rest_parse_nonbody(op, w, a, in, fail)) return GR_ERR;
    const shape_t *s = op->input;
    if (!s) return GR_OK;
    rctx_t r = {a, fail};
    xml_node_t *root;
    if (s->payload) {
        const member_t *pm = model_member(s, s->payload);
        if (!pm || !pm->shape) return GR_OK;
        if (pm->shape->type == SH_BLOB || pm->shape->type == SH_STRING) {
            /* AWS: botocore sends a blob/string payload as the raw body. An
             * absent body (object data streamed elsewhere) leaves it unset. */
            if (!w->body.p || !w->body.len) return GR_OK;
            val_t *v = pm->shape->type == SH_BLOB ? val_blob(a, w->body) : val_str(a, w->body);
            return v ? val_set_c(a, in, pm->name, v) : GR_ERR;
        }
        if (pm->shape->type != SH_STRUCTURE || blank(w->body)) return GR_OK;
        if (parse_doc(&r, w->body, &root)) return GR_ERR;
        val_t *v = NULL;
        if (read_value(&r, pm, root, &v)) return GR_ERR;
        return val_set_c(a, in, pm->name, v);
    }
    if (!has_body_members(s) || blank(w->body)) return GR_OK;
    if (parse_doc(&r, w->body, &root)) return GR_ERR;
    return read_struct(&r, s, root, in);
}

/* ==== writing a response ==== */

/* AWS: S3 API reference, response syntax of each operation — root element
 * names its model does not carry. */
static const struct {
    const char *op, *root;
} s3_roots[] = {
    {"CompleteMultipartUpload", "CompleteMultipartUploadResult"},
    {"CreateMultipartUpload", "InitiateMultipartUploadResult"},
    {"DeleteObjects", "DeleteResult"},
    {"GetBucketAccelerateConfiguration", "AccelerateConfiguration"},
    {"GetBucketAcl", "AccessControlPolicy"},
    {"GetBucketCors", "CORSConfiguration"},
    {"GetBucketLifecycle", "LifecycleConfiguration"},
    {"GetBucketLifecycleConfiguration", "LifecycleConfiguration"},
    {"GetBucketLogging", "BucketLoggingStatus"},
    {"GetBucketNotification", "NotificationConfiguration"},
    {"GetBucketNotificationConfiguration", "NotificationConfiguration"},
    {"GetBucketRequestPayment", "RequestPaymentConfiguration"},
    {"GetBucketTagging", "Tagging"},
    {"GetBucketVersioning", "VersioningConfiguration"},
    {"GetBucketWebsite", "WebsiteConfiguration"},
    {"GetObjectAcl", "AccessControlPolicy"},
    {"GetObjectAttributes", "GetObjectAttributesResponse"},
    {"GetObjectTagging", "Tagging"},
    {"ListBucketAnalyticsConfigurations", "ListBucketAnalyticsConfigurationResult"},
    {"ListBucketIntelligentTieringConfigurations", "ListBucketIntelligentTieringConfigurationsOutput"},
    {"ListBucketInventoryConfigurations", "ListInventoryConfigurationsResult"},
    {"ListBucketMetricsConfigurations", "ListMetricsConfigurationsResult"},
    {"ListBuckets", "ListAllMyBucketsResult"},
    {"ListDirectoryBuckets", "ListAllMyDirectoryBucketsResult"},
    {"ListMultipartUploads", "ListMultipartUploadsResult"},
    {"ListObjectVersions", "ListVersionsResult"},
    {"ListObjects", "ListBucketResult"},
    {"ListObjectsV2", "ListBucketResult"},
    {"ListParts", "ListPartsResult"},
};

static str_t root_name(const svc_model_t *m, const op_t *op, arena_t *a)
{
    if (op->output->loc_name) return str_c(op->output->loc_name);
    for (size_t i = 0; i < sizeof s3_roots / sizeof s3_roots[0]; i++)
        if (!strcmp(s3_roots[i].op, op->name)) return str_c(s3_roots[i].root);
    return str_c(arena_printf(a, "%sResult", op->name));
}

static bool is_s3(const svc_model_t *m)
{
    return m->id && !strcmp(m->id, "s3");
}

static void id_headers(const svc_model_t *m, arena_t *a, wire_resp_t *resp, const char *rid)
{
    str_t id = arena_str(a, str_c(rid ? rid : ""));
    if (is_s3(m)) {
        /* AWS: S3 names the request x-amz-request-id and x-amz-id-2 (host id) */
        wire_resp_header(resp, a, "x-amz-request-id", id);
        wire_resp_header(resp, a, "x-amz-id-2", arena_base64(a, id.p, id.len));
    } else {
        wire_resp_header(resp, a, "x-amzn-RequestId", id);
    }
}

/* AWS: S3 "Appendix: SelectObjectContent Response" — a Stats or Progress
 * event's payload is <Stats xmlns=""><BytesScanned>… (the shape's name) */
static void write_event_struct(buf_t *b, arena_t *a, const shape_t *s, const val_t *v)
{
    str_t name = str_c(s->loc_name ? s->loc_name : s->name);
    xml_open_start(b, name);
    xml_attr_put(b, STR("xmlns"), STR(""));
    xml_open_end(b);
    proto__xml_write_members(b, a, s, v);
    xml_close(b, name);
}

static int serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                     wire_resp_t *resp)
{
    if (!resp->body.a) buf_init(&resp->body, a);
    resp->status = proto__rest_serialize_nonbody(op, out, a, resp);
    id_headers(m, a, resp, rid);
    const shape_t *s = op->output;
    if (!s) return arena_failed(a) ? GR_ERR : GR_OK;
    buf_t *b = &resp->body;
    const char *ns = proto__xml_namespace(m, a);
    if (s->payload) {
        const member_t *pm = model_member(s, s->payload);
        val_t *pv = pm ? val_get(out, pm->name) : NULL;
        if (!pm || !pm->shape || !pv || pv->kind == VAL_NULL) return arena_failed(a) ? GR_ERR : GR_OK;
        if (pm->shape->flags & SF_EVENTSTREAM) {
            /* events as a list of one-member structures, each one message */
            wire_resp_header(resp, a, "Content-Type", STR("application/vnd.amazon.eventstream"));
            return proto__evs_write(b, a, pm->shape, pv, STR("text/xml"), write_event_struct);
        } else if (pm->shape->type == SH_BLOB || pm->shape->type == SH_STRING) {
            if (pv->kind == VAL_STR || pv->kind == VAL_BLOB) buf_put_str(b, pv->u.s);
        } else if (pm->shape->type == SH_STRUCTURE && pv->kind == VAL_STRUCT) {
            /* AWS: a structure payload is the document; its root is named by the member */
            str_t name = proto__xml_member_name(pm);
            wire_resp_header(resp, a, "Content-Type", STR("application/xml"));
            xml_decl(b);
            xml_open_start(b, name);
            const char *uri = pm->xmlns_uri ? pm->xmlns_uri : pm->shape->xmlns_uri ? pm->shape->xmlns_uri : ns;
            xml_attr_put(b, STR("xmlns"), str_c(uri));
            proto__xml_write_attrs(b, a, pm->shape, pv);
            xml_open_end(b);
            proto__xml_write_members(b, a, pm->shape, pv);
            xml_close(b, name);
        }
        return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
    }
    if (!has_body_members(s)) return arena_failed(a) ? GR_ERR : GR_OK;
    wire_resp_header(resp, a, "Content-Type", STR("application/xml"));
    xml_decl(b);
    if (is_s3(m) && !strcmp(op->name, "GetBucketLocation")) {
        /* AWS: GetBucketLocation's document is the bare <LocationConstraint>
         * element (empty for us-east-1); botocore's
         * parse_get_bucket_location handler reads the root's text. */
        str_t loc = val_get_str(out, "LocationConstraint");
        xml_open_start(b, STR("LocationConstraint"));
        xml_attr_put(b, STR("xmlns"), str_c(ns));
        if (loc.len) {
            xml_open_end(b);
            xml_escape(b, loc, false);
            xml_close(b, STR("LocationConstraint"));
        } else {
            buf_puts(b, "/>");
        }
        return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
    }
    str_t name = root_name(m, op, a);
    xml_open_start(b, name);
    xml_attr_put(b, STR("xmlns"), str_c(s->xmlns_uri ? s->xmlns_uri : ns));
    proto__xml_write_attrs(b, a, s, out);
    xml_open_end(b);
    proto__xml_write_members(b, a, s, out);
    xml_close(b, name);
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}

int proto__restxml_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                             wire_resp_t *resp)
{
    proto__xml_ts_millis(true);
    int rc = serialize(m, op, out, rid, a, resp);
    proto__xml_ts_millis(false);
    return rc;
}

int proto__restxml_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                         const char *rid, arena_t *a, wire_resp_t *resp)
{
    if (!resp->body.a) buf_init(&resp->body, a);
    resp->status = e->status ? e->status : 400;
    id_headers(m, a, resp, rid);
    wire_resp_header(resp, a, "Content-Type", STR("application/xml"));
    buf_t *b = &resp->body;
    xml_decl(b);
    str_t id = str_c(rid ? rid : "");
    if (is_s3(m)) {
        /* AWS: S3 "Error responses": <Error><Code/><Message/>…<RequestId/><HostId/></Error>,
         * no namespace (botocore RestXMLParser checks root.tag == 'Error'). */
        xml_open(b, STR("Error"));
        xml_text_elem(b, STR("Code"), str_c(e->code));
        if (msg) xml_text_elem(b, STR("Message"), str_c(msg));
        proto__xml_write_error_extra(b, a, m, e, extra);
        xml_text_elem(b, STR("RequestId"), id);
        xml_text_elem(b, STR("HostId"), arena_base64(a, id.p, id.len));
        xml_close(b, STR("Error"));
    } else {
        /* AWS: Route 53 / CloudFront: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/> */
        xml_open_start(b, STR("ErrorResponse"));
        xml_attr_put(b, STR("xmlns"), str_c(proto__xml_namespace(m, a)));
        xml_open_end(b);
        xml_open(b, STR("Error"));
        xml_text_elem(b, STR("Type"), e->sender ? STR("Sender") : STR("Receiver"));
        xml_text_elem(b, STR("Code"), str_c(e->code));
        if (msg) xml_text_elem(b, STR("Message"), str_c(msg));
        proto__xml_write_error_extra(b, a, m, e, extra);
        xml_close(b, STR("Error"));
        xml_text_elem(b, STR("RequestId"), id);
        xml_close(b, STR("ErrorResponse"));
    }
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}
