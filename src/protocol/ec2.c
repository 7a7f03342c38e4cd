/* ec2.c — the EC2 protocol: query-style forms in, EC2's own XML out.
 *
 * Input is read by query.c's form reader with EC2 naming (queryName, else the
 * capitalized locationName; lists always flattened as Name.N). Output is
 * <OpResponse xmlns=…><requestId/>members…</OpResponse>, members named by
 * their (lower-case-first) locationName and lists wrapped as <x><item/></x>
 * — all of which the model's locationNames already say. Errors are the
 * <Response><Errors><Error/></Errors><RequestID/></Response> document. */
#include "protocol/xml.h"

int proto__ec2_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                     proto_fail_t *fail)
{
    return proto__form_parse(m, op, w, a, in, fail, FORM_EC2);
}

static void resp_start(wire_resp_t *resp, arena_t *a, const char *rid)
{
    if (!resp->body.a) buf_init(&resp->body, a);
    /* AWS: EC2 answers Content-Type: text/xml;charset=UTF-8 */
    wire_resp_header(resp, a, "Content-Type", STR("text/xml;charset=UTF-8"));
    wire_resp_header(resp, a, "x-amzn-RequestId", arena_str(a, str_c(rid ? rid : "")));
}

int proto__ec2_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                         wire_resp_t *resp)
{
    resp->status = op->status ? op->status : 200;
    resp_start(resp, a, rid);
    buf_t *b = &resp->body;
    str_t top = str_c(arena_printf(a, "%sResponse", op->name));
    xml_decl(b);
    xml_open_start(b, top);
    xml_attr_put(b, STR("xmlns"), str_c(proto__xml_namespace(m, a)));
    xml_open_end(b);
    /* AWS: botocore EC2QueryParser reads the request id from <requestId> */
    xml_text_elem(b, STR("requestId"), str_c(rid ? rid : ""));
    proto__xml_ts_millis(true);
    if (op->output) proto__xml_write_members(b, a, op->output, out);
    proto__xml_ts_millis(false);
    xml_close(b, top);
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}

int proto__ec2_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra, const char *rid,
                     arena_t *a, wire_resp_t *resp)
{
    resp->status = e->status ? e->status : 400;
    resp_start(resp, a, rid);
    buf_t *b = &resp->body;
    /* AWS: EC2 API reference "Error responses": RequestID, not RequestId */
    xml_decl(b);
    xml_open(b, STR("Response"));
    xml_open(b, STR("Errors"));
    xml_open(b, STR("Error"));
    xml_text_elem(b, STR("Code"), str_c(e->code));
    if (msg) xml_text_elem(b, STR("Message"), str_c(msg));
    proto__xml_write_error_extra(b, a, m, e, extra);
    xml_close(b, STR("Error"));
    xml_close(b, STR("Errors"));
    xml_text_elem(b, STR("RequestID"), str_c(rid ? rid : ""));
    xml_close(b, STR("Response"));
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}
