/* cbor_fuzz.c — libFuzzer target for the CBOR decoder/encoder and the
 * smithy-rpc-v2-cbor protocol parser.
 *
 * 1. cbor_decode must never crash; whatever it accepts, the encoder's output
 *    (definite lengths, preferred forms) must decode again to the same tree.
 * 2. The bytes after the first as an rpc-v2-cbor request body for the
 *    operation the first byte picks, read by DynamoDB's shapes (the richest
 *    served: nested maps, lists, blobs, numbers) with the protocol set to
 *    cbor: any input gives GR_OK or a failure with a message, and a parsed
 *    value written as that operation's output must decode again. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cbor.h"
#include "dynamodb_model.h"
#include "protocol/proto.h"

static void write_tree(buf_t *b, const cbor_t *c)
{
    switch (c->type) {
    case CBOR_UINT: cbor_w_head(b, 0, c->u.u); break;
    case CBOR_NINT: cbor_w_head(b, 1, c->u.u); break;
    case CBOR_BYTES: cbor_w_bytes(b, c->u.s); break;
    case CBOR_TEXT: cbor_w_text(b, c->u.s); break;
    case CBOR_ARRAY:
        cbor_w_array(b, c->u.arr.n);
        for (size_t i = 0; i < c->u.arr.n; i++) write_tree(b, c->u.arr.v[i]);
        break;
    case CBOR_MAP:
        cbor_w_map(b, c->u.map.n);
        for (size_t i = 0; i < c->u.map.n; i++) {
            write_tree(b, c->u.map.k[i]);
            write_tree(b, c->u.map.v[i]);
        }
        break;
    case CBOR_TAG:
        cbor_w_tag(b, c->u.tag.num);
        write_tree(b, c->u.tag.item);
        break;
    case CBOR_FALSE: cbor_w_bool(b, false); break;
    case CBOR_TRUE: cbor_w_bool(b, true); break;
    case CBOR_NULL: cbor_w_null(b); break;
    case CBOR_UNDEFINED: cbor_w_head(b, 7, 23); break;
    case CBOR_FLOAT: cbor_w_double(b, c->u.f); break;
    }
}

static bool same_tree(const cbor_t *x, const cbor_t *y)
{
    if (x->type != y->type) return false;
    switch (x->type) {
    case CBOR_UINT:
    case CBOR_NINT: return x->u.u == y->u.u;
    case CBOR_BYTES:
    case CBOR_TEXT: return str_eq(x->u.s, y->u.s);
    case CBOR_ARRAY:
        if (x->u.arr.n != y->u.arr.n) return false;
        for (size_t i = 0; i < x->u.arr.n; i++)
            if (!same_tree(x->u.arr.v[i], y->u.arr.v[i])) return false;
        return true;
    case CBOR_MAP:
        if (x->u.map.n != y->u.map.n) return false;
        for (size_t i = 0; i < x->u.map.n; i++)
            if (!same_tree(x->u.map.k[i], y->u.map.k[i]) || !same_tree(x->u.map.v[i], y->u.map.v[i])) return false;
        return true;
    case CBOR_TAG: return x->u.tag.num == y->u.tag.num && same_tree(x->u.tag.item, y->u.tag.item);
    case CBOR_FLOAT:
        if (isnan(x->u.f)) return isnan(y->u.f);
        return x->u.f == y->u.f && signbit(x->u.f) == signbit(y->u.f);
    default: return true;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(1 << 24);
    cbor_t *c = cbor_decode(a, str_n((const char *)data, size), NULL);
    if (c) {
        buf_t b;
        buf_init(&b, a);
        write_tree(&b, c);
        if (!b.failed) {
            cbor_t *k = cbor_decode(a, buf_str(&b), NULL);
            if (!k || !same_tree(c, k)) abort();
        }
    }
    svc_model_t m = gen_model_dynamodb;
    m.protocol = PROTO_RPCV2_CBOR;
    if (size > 0 && m.nops > 0) {
        const op_t *op = &m.ops[data[0] % m.nops];
        kv_t h[2] = {{STR("smithy-protocol"), STR("rpc-v2-cbor")}, {STR("Content-Type"), STR("application/cbor")}};
        wire_req_t req = {.method = STR("POST"),
                          .path = STR("/service/DynamoDB_20120810/operation/X"),
                          .query = STR(""),
                          .headers = h,
                          .nheaders = 2,
                          .body = str_n((const char *)data + 1, size - 1)};
        val_t *v = NULL;
        proto_fail_t f;
        if (proto_parse(&m, op, &req, a, &v, &f) != GR_OK && !f.msg) abort();
        if (v && op->output) {
            wire_resp_t r;
            wire_resp_init(&r, a);
            if (proto_serialize(&m, op, v, "rid", a, &r) == GR_OK && !r.body.failed &&
                !cbor_decode(a, buf_str(&r.body), NULL))
                abort();
        }
    }
    arena_free(a);
    return 0;
}
