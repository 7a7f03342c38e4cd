/* restjson.c — the AWS rest-json protocol (Lambda, …).
 *
 * The operation comes from method + URI template (rest.c); input members live
 * in URI labels, headers, the query string and a JSON body (or, with a
 * "payload" member, the raw body or a JSON document of that one member).
 * Responses mirror this; errors are X-Amzn-ErrorType plus a JSON body
 * (jsonproto.c: proto__json_error). Invariant: only LOC_BODY members are read
 * from or written to the JSON body. */
#include <string.h>

#include "protocol/internal.h"
#include "protocol/json.h"

static bool blank(str_t b)
{
    for (size_t i = 0; i < b.len; i++)
        if (!strchr(" \t\r\n", b.p[i])) return false;
    return true;
}

int proto__restjson_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                          proto_fail_t *fail)
{
    if (proto__rest_parse_nonbody(op, w, a, in, fail) != GR_OK) return GR_ERR;
    const shape_t *s = op->input;
    if (!s) return GR_OK;
    const member_t *pm = s->payload ? model_member(s, s->payload) : NULL;
    if (pm && (pm->shape->type == SH_BLOB || pm->shape->type == SH_STRING)) {
        /* raw payload (Lambda Invoke's Payload): the body bytes as they are */
        if (w->body.len) {
            val_t *v = pm->shape->type == SH_BLOB ? val_blob(a, w->body) : val_str(a, w->body);
            if (val_set_c(a, in, pm->name, v) != GR_OK) return proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
        }
        return GR_OK;
    }
    if (blank(w->body)) return GR_OK;
    const char *err = NULL;
    json_t *j = json_parse(a, w->body, &err);
    if (!j) return proto__fail(fail, a, PROTO_E_SYNTAX, "%s", err ? err : "invalid JSON");
    if (pm) {
        val_t *v;
        if (proto__json_to_val(pm->shape, pm, j, a, &v, fail, pm->name) != GR_OK) return GR_ERR;
        return val_set_c(a, in, pm->name, v) == GR_OK ? GR_OK : proto__fail(fail, a, PROTO_E_SYNTAX, "out of memory");
    }
    return proto__json_read_struct(s, j, a, in, true, fail, "");
}

int proto__restjson_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                              wire_resp_t *resp)
{
    resp->status = proto__rest_serialize_nonbody(op, out, a, resp);
    if (rid) wire_resp_header(resp, a, "x-amzn-RequestId", str_c(rid));
    const shape_t *s = op->output;
    const member_t *pm = s && s->payload ? model_member(s, s->payload) : NULL;
    json_w_t jw;
    json_w_init(&jw, &resp->body);
    if (pm) {
        const val_t *pv = out ? val_get(out, pm->name) : NULL;
        if (pm->shape->flags & SF_EVENTSTREAM) {
            /* events as a list of one-member structures, each one message;
             * none yet when the stream is answered as it is produced */
            wire_resp_header(resp, a, "Content-Type", STR("application/vnd.amazon.eventstream"));
            if (pv && proto__evs_write(&resp->body, a, pm->shape, pv, STR("application/json"),
                                       proto__json_event_struct) != GR_OK)
                return GR_ERR;
        } else if (pm->shape->type == SH_BLOB || pm->shape->type == SH_STRING) {
            if (pv && (pv->kind == VAL_BLOB || pv->kind == VAL_STR)) buf_put_str(&resp->body, pv->u.s);
            if (!wire_resp_get_header(resp, "Content-Type").p)
                wire_resp_header(resp, a, "Content-Type",
                                 pm->shape->type == SH_BLOB ? STR("application/octet-stream") : STR("text/plain"));
        } else {
            if (pv) proto__json_write_val(&jw, pm->shape, pm, pv, false);
            wire_resp_header(resp, a, "Content-Type", STR("application/json"));
        }
    } else {
        if (out && s)
            proto__json_write_val(&jw, s, NULL, out, true);
        else
            json_w_raw(&jw, STR("{}"));
        wire_resp_header(resp, a, "Content-Type", STR("application/json"));
    }
    return resp->body.failed ? GR_ERR : GR_OK;
}
