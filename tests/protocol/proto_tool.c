/* proto_tool.c — drives the protocol layer from JSON lines, for the botocore
 * round-trip tests (tests/protocol, pytest).
 *
 * Each stdin line is one command; each gets exactly one JSON line back:
 *   {"cmd":"parse","service","operation"?,"method","path","query","headers":[[k,v]],"body_b64"}
 *     -> {"operation","ok","value","error":{"kind","msg"}}   (value dumped as below)
 *   {"cmd":"serialize","service","operation","value"} -> {"status","headers":[[k,v]],"body_b64"}
 *   {"cmd":"error","service","code","status","sender","message"} -> same as serialize
 * Values: struct/map -> object, list -> array, blob -> {"$blob":b64},
 * timestamp -> {"$ts":seconds}; serialize takes JSON-protocol conventions
 * (blobs base64, timestamps epoch seconds). Services come from registry_find()
 * (build with -DPROTO_TOOL_STANDALONE to use the generated models directly). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/internal.h"
#include "protocol/json.h"

#ifdef PROTO_TOOL_STANDALONE
#define WEAKMODEL(n) extern const svc_model_t gen_model_##n __attribute__((weak));
WEAKMODEL(sts)
WEAKMODEL(ec2)
WEAKMODEL(dynamodb)
WEAKMODEL(logs)
WEAKMODEL(lambda)
WEAKMODEL(s3)
WEAKMODEL(iam)
static const svc_model_t *find_model(const char *name)
{
    const svc_model_t *all[] = {&gen_model_sts,    &gen_model_ec2, &gen_model_dynamodb, &gen_model_logs,
                                &gen_model_lambda, &gen_model_s3,  &gen_model_iam};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] && strcmp(all[i]->id, name) == 0) return all[i];
    return NULL;
}
#else
#include "services/registry.h"
static const svc_model_t *find_model(const char *name)
{
    const svc_entry_t *e = registry_find(name);
    if (e) return e->model;
    /* rows named by signing name (elasticloadbalancing) are found by their model's name (elb) */
    for (size_t i = 0; i < registry_count; i++)
        if (strcmp(registry[i].model->id, name) == 0) return registry[i].model;
    return NULL;
}
#endif

/* ==== value dump ==== */

static void dump(json_w_t *w, const val_t *v, arena_t *a)
{
    if (!v) {
        json_w_null(w);
        return;
    }
    switch (v->kind) {
    case VAL_NULL: json_w_null(w); break;
    case VAL_STRUCT:
    case VAL_MAP:
        json_w_obj_begin(w);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            json_w_key(w, v->u.obj.e[i].key);
            dump(w, v->u.obj.e[i].v, a);
        }
        json_w_obj_end(w);
        break;
    case VAL_LIST:
        json_w_arr_begin(w);
        for (size_t i = 0; i < v->u.list.n; i++) dump(w, v->u.list.v[i], a);
        json_w_arr_end(w);
        break;
    case VAL_STR: json_w_str(w, v->u.s); break;
    case VAL_INT: json_w_int(w, v->u.i); break;
    case VAL_FLOAT: json_w_double(w, v->u.f); break;
    case VAL_BOOL: json_w_bool(w, v->u.b); break;
    case VAL_BLOB:
        json_w_obj_begin(w);
        json_w_key(w, STR("$blob"));
        json_w_str(w, arena_base64(a, v->u.s.p, v->u.s.len));
        json_w_obj_end(w);
        break;
    case VAL_TIME: {
        json_w_obj_begin(w);
        json_w_key(w, STR("$ts"));
        char tmp[48];
        int64_t us = v->u.t;
        snprintf(tmp, sizeof tmp, "%s%lld.%06lld", us < 0 ? "-" : "", (long long)(llabs(us) / 1000000),
                 (long long)(llabs(us) % 1000000));
        json_w_raw(w, str_c(tmp));
        json_w_obj_end(w);
        break;
    }
    }
}

/* ==== JSON-convention value -> val_t by shape (member names, not wire names) ==== */

static val_t *from_json(const shape_t *s, const json_t *j, arena_t *a)
{
    if (!j || j->type == JSON_NULL) return NULL;
    if (s->flags & SF_DOCUMENT) {
        val_t *v;
        proto_fail_t f = {0};
        return proto__json_to_val(s, NULL, j, a, &v, &f, "") == GR_OK ? v : NULL;
    }
    if ((s->flags & SF_EVENTSTREAM) && j->type == JSON_ARRAY) {
        /* events: a list of one-member structures, as services hand them over */
        val_t *v = val_new(a, VAL_LIST);
        for (size_t i = 0; i < j->u.arr.n; i++) {
            val_t *ev = from_json(s, j->u.arr.v[i], a);
            if (ev) val_push(a, v, ev);
        }
        return v;
    }
    switch (s->type) {
    case SH_STRUCTURE: {
        val_t *v = val_new(a, VAL_STRUCT);
        for (uint16_t i = 0; i < s->nmembers; i++) {
            const member_t *mb = &s->members[i];
            val_t *mv = from_json(mb->shape, json_get(j, mb->name), a);
            if (mv) val_set_c(a, v, mb->name, mv);
        }
        return v;
    }
    case SH_LIST: {
        val_t *v = val_new(a, VAL_LIST);
        if (j->type == JSON_ARRAY)
            for (size_t i = 0; i < j->u.arr.n; i++) {
                val_t *e = from_json(s->members[0].shape, j->u.arr.v[i], a);
                if (e) val_push(a, v, e);
            }
        return v;
    }
    case SH_MAP: {
        val_t *v = val_new(a, VAL_MAP);
        if (j->type == JSON_OBJECT)
            for (size_t i = 0; i < j->u.obj.n; i++) {
                val_t *e = from_json(s->members[1].shape, j->u.obj.v[i], a);
                if (e) val_set(a, v, j->u.obj.k[i], e);
            }
        return v;
    }
    case SH_TIMESTAMP:
        if (j->type == JSON_INT) return val_time(a, j->u.i * 1000000);
        if (j->type == JSON_DOUBLE) return val_time(a, (int64_t)llround(j->u.d * 1e6));
        return NULL;
    default: {
        val_t *v;
        proto_fail_t f = {0};
        return proto__json_to_val(s, NULL, j, a, &v, &f, "") == GR_OK ? v : NULL;
    }
    }
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_get(o, k);
    return v && v->type == JSON_STRING ? v->u.s.p : NULL;
}

static void put_resp(json_w_t *w, wire_resp_t *r, arena_t *a)
{
    json_w_obj_begin(w);
    json_w_key(w, STR("status"));
    json_w_int(w, r->status);
    json_w_key(w, STR("headers"));
    json_w_arr_begin(w);
    for (size_t i = 0; i < r->nheaders; i++) {
        json_w_arr_begin(w);
        json_w_str(w, r->headers[i].name);
        json_w_str(w, r->headers[i].value);
        json_w_arr_end(w);
    }
    json_w_arr_end(w);
    json_w_key(w, STR("body_b64"));
    json_w_str(w, arena_base64(a, r->body.p, r->body.len));
    json_w_obj_end(w);
}

static void fail_line(json_w_t *w, const char *msg)
{
    json_w_obj_begin(w);
    json_w_key(w, STR("fatal"));
    json_w_str(w, str_c(msg));
    json_w_obj_end(w);
}

static const char *kind_name(proto_fail_kind_t k)
{
    static const char *const n[] = {"none", "syntax", "type", "required", "constraint"};
    return (unsigned)k < 5 ? n[k] : "?";
}

static void run(const json_t *cmd, json_w_t *w, arena_t *a)
{
    const char *c = jstr(cmd, "cmd"), *svc = jstr(cmd, "service");
    const svc_model_t *m = svc ? find_model(svc) : NULL;
    if (!c || !m) {
        fail_line(w, "bad cmd or unknown service");
        return;
    }
    if (strcmp(c, "parse") == 0) {
        wire_req_t req = {0};
        const char *s;
        req.method = str_c((s = jstr(cmd, "method")) ? s : "POST");
        req.path = str_c((s = jstr(cmd, "path")) ? s : "/");
        req.query = str_c((s = jstr(cmd, "query")) ? s : "");
        const json_t *hs = json_get(cmd, "headers");
        if (hs && hs->type == JSON_ARRAY) {
            req.headers = ARENA_NEWN(a, kv_t, hs->u.arr.n + 1);
            for (size_t i = 0; i < hs->u.arr.n; i++) {
                const json_t *p = hs->u.arr.v[i];
                if (p->type != JSON_ARRAY || p->u.arr.n != 2) continue;
                req.headers[req.nheaders++] = (kv_t){p->u.arr.v[0]->u.s, p->u.arr.v[1]->u.s};
            }
        }
        req.host = wire_header(&req, "Host");
        req.peer_ip = "127.0.0.1";
        if ((s = jstr(cmd, "body_b64")) && !proto__base64_decode(a, str_c(s), &req.body)) {
            fail_line(w, "bad body_b64");
            return;
        }
        str_t name;
        const op_t *op = proto_find_op(m, &req, a, &name);
        json_w_obj_begin(w);
        json_w_key(w, STR("operation"));
        if (op)
            json_w_str(w, str_c(op->name));
        else if (name.p)
            json_w_str(w, name);
        else
            json_w_null(w);
        val_t *in = NULL;
        proto_fail_t f = {0};
        int rc = GR_ERR;
        if (op)
            rc = proto_parse(m, op, &req, a, &in, &f);
        else
            f.msg = "operation not found";
        json_w_key(w, STR("ok"));
        json_w_bool(w, rc == GR_OK);
        json_w_key(w, STR("value"));
        dump(w, in, a);
        json_w_key(w, STR("error"));
        if (rc == GR_OK) {
            json_w_null(w);
        } else {
            json_w_obj_begin(w);
            json_w_key(w, STR("kind"));
            json_w_str(w, str_c(kind_name(f.kind)));
            json_w_key(w, STR("msg"));
            json_w_str(w, str_c(f.msg ? f.msg : ""));
            json_w_obj_end(w);
        }
        json_w_obj_end(w);
        return;
    }
    wire_resp_t resp;
    wire_resp_init(&resp, a);
    if (strcmp(c, "serialize") == 0) {
        const char *opn = jstr(cmd, "operation");
        const op_t *op = opn ? model_find_op(m, str_c(opn)) : NULL;
        if (!op) {
            fail_line(w, "unknown operation");
            return;
        }
        val_t *out = op->output ? from_json(op->output, json_get(cmd, "value"), a) : NULL;
        if (op->output && !out) out = val_new(a, VAL_STRUCT);
        if (proto_serialize(m, op, out, "11111111-2222-3333-4444-555555555555", a, &resp) != GR_OK) {
            fail_line(w, "serialize failed");
            return;
        }
    } else if (strcmp(c, "error") == 0) {
        const json_t *st = json_get(cmd, "status"), *sd = json_get(cmd, "sender");
        aws_errdef_t e = {jstr(cmd, "code") ? jstr(cmd, "code") : "InternalFailure",
                          st && st->type == JSON_INT ? (int)st->u.i : 400,
                          sd && sd->type == JSON_BOOL ? sd->u.b : true};
        if (proto_write_error(m, &e, jstr(cmd, "message"), NULL, "11111111-2222-3333-4444-555555555555", a, &resp) !=
            GR_OK) {
            fail_line(w, "error failed");
            return;
        }
    } else {
        fail_line(w, "unknown cmd");
        return;
    }
    put_resp(w, &resp, a);
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        arena_t *a = arena_new(0);
        buf_t out;
        buf_init(&out, a);
        json_w_t w;
        json_w_init(&w, &out);
        const char *err = NULL;
        json_t *cmd = json_parse(a, str_n(line, (size_t)n), &err);
        if (!cmd)
            fail_line(&w, err ? err : "bad json");
        else
            run(cmd, &w, a);
        buf_putc(&out, '\n');
        fwrite(out.p, 1, out.len, stdout);
        fflush(stdout);
        arena_free(a);
    }
    free(line);
    return 0;
}
