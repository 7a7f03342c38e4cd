/* json_fuzz.c — libFuzzer target for the JSON parser/writer and the json protocol parser.
 *
 * 1. json_parse must never crash; whatever it accepts, the writer's output must
 *    parse again to the same tree (parse -> write -> parse is a fixed point).
 * 2. The same bytes as a DynamoDB request body (the operation picked by the
 *    first byte) go through proto_parse: any input gives GR_OK or a failure
 *    with a message, never a crash, leak or sanitizer report.
 * 3. As a Lambda (rest-json) request "METHOD path?query\nheader: value\n\nbody":
 *    URI template matching, labels, headers, query strings and the JSON body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynamodb_model.h"
#include "lambda_model.h"
#include "protocol/json.h"

static void write_tree(json_w_t *w, const json_t *j)
{
    switch (j->type) {
    case JSON_NULL: json_w_null(w); break;
    case JSON_BOOL: json_w_bool(w, j->u.b); break;
    case JSON_INT: json_w_int(w, j->u.i); break;
    case JSON_DOUBLE: json_w_double(w, j->u.d); break;
    case JSON_STRING: json_w_str(w, j->u.s); break;
    case JSON_ARRAY:
        json_w_arr_begin(w);
        for (size_t i = 0; i < j->u.arr.n; i++) write_tree(w, j->u.arr.v[i]);
        json_w_arr_end(w);
        break;
    case JSON_OBJECT:
        json_w_obj_begin(w);
        for (size_t i = 0; i < j->u.obj.n; i++) {
            json_w_key(w, j->u.obj.k[i]);
            write_tree(w, j->u.obj.v[i]);
        }
        json_w_obj_end(w);
        break;
    }
}

static bool same_tree(const json_t *x, const json_t *y)
{
    /* the writer turns non-finite doubles into strings; parse overflow gives inf */
    if (x->type == JSON_DOUBLE && (x->u.d != x->u.d || x->u.d - x->u.d != 0)) return y->type == JSON_STRING;
    if (x->type != y->type) return false;
    switch (x->type) {
    case JSON_NULL: return true;
    case JSON_BOOL: return x->u.b == y->u.b;
    case JSON_INT: return x->u.i == y->u.i;
    case JSON_DOUBLE: return x->u.d == y->u.d;
    case JSON_STRING: return str_eq(x->u.s, y->u.s);
    case JSON_ARRAY:
        if (x->u.arr.n != y->u.arr.n) return false;
        for (size_t i = 0; i < x->u.arr.n; i++)
            if (!same_tree(x->u.arr.v[i], y->u.arr.v[i])) return false;
        return true;
    case JSON_OBJECT:
        if (x->u.obj.n != y->u.obj.n) return false;
        for (size_t i = 0; i < x->u.obj.n; i++)
            if (!str_eq(x->u.obj.k[i], y->u.obj.k[i]) || !same_tree(x->u.obj.v[i], y->u.obj.v[i])) return false;
        return true;
    }
    return false;
}

/* "METHOD /path?query\nName: value\n...\n\nbody" against the Lambda model. */
static void rest_case(arena_t *a, const uint8_t *data, size_t size)
{
    str_t rest = str_n((const char *)data, size), line;
    rest = str_cut(rest, '\n', &line);
    str_t method, target;
    target = str_cut(line, ' ', &method);
    if (!target.p) return;
    str_t path, query = str_cut(target, '?', &path);
    kv_t h[8];
    size_t nh = 0;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '\n', &line);
        if (!line.len) break;
        str_t name, value = str_cut(line, ':', &name);
        if (value.p && nh < 8) h[nh++] = (kv_t){name, str_trim(value)};
    }
    wire_req_t req = {.method = method,
                      .path = path,
                      .query = query.p ? query : STR(""),
                      .headers = h,
                      .nheaders = nh,
                      .body = rest.p ? rest : STR("")};
    str_t name;
    const op_t *op = proto_find_op(&gen_model_lambda, &req, a, &name);
    if (!op) return;
    val_t *v = NULL;
    proto_fail_t f;
    if (proto_parse(&gen_model_lambda, op, &req, a, &v, &f) != GR_OK && !f.msg) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(1 << 24);
    str_t in = str_n((const char *)data, size);
    json_t *j = json_parse(a, in, NULL);
    if (j) {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        write_tree(&w, j);
        if (!b.failed) {
            const char *err = NULL;
            json_t *k = json_parse(a, buf_str(&b), &err);
            if (!k || !same_tree(j, k)) abort();
        }
    }
    /* as a DynamoDB request body */
    const svc_model_t *m = &gen_model_dynamodb;
    if (size > 0 && m->nops > 0) {
        const op_t *op = &m->ops[data[0] % m->nops];
        kv_t h[1] = {{STR("X-Amz-Target"), STR("DynamoDB_20120810.X")}};
        wire_req_t req = {.method = STR("POST"),
                          .path = STR("/"),
                          .query = STR(""),
                          .headers = h,
                          .nheaders = 1,
                          .body = str_n((const char *)data + 1, size - 1)};
        val_t *v = NULL;
        proto_fail_t f;
        if (proto_parse(m, op, &req, a, &v, &f) != GR_OK && !f.msg) abort();
        if (v && op->output) {
            /* and the parsed value written as that operation's output must not crash either */
            wire_resp_t r;
            wire_resp_init(&r, a);
            proto_serialize(m, op, v, "rid", a, &r);
        }
    }
    rest_case(a, data, size);
    arena_free(a);
    return 0;
}
