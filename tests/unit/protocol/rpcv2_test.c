/* rpcv2_test.c — the smithy-rpc-v2-cbor protocol (src/protocol/rpcv2.c)
 * over a hand-written model: the operation from the request path, CBOR
 * bodies of every member type into val_t (indefinite lengths, every integer
 * width, half floats, tag-1 timestamps, byte-string blobs, null members),
 * the refusals (malformed CBOR, wrong types, untagged timestamps, duplicate
 * members, another content type), responses and errors as botocore 1.43's
 * RpcV2CBORParser reads them, and round trips through the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/cbor.h"
#include "protocol/internal.h"

/* ==== a small cbor model ==== */
static const shape_t S_STR = {.name = "String", .type = SH_STRING};
static const shape_t S_INT = {.name = "Int", .type = SH_INTEGER};
static const shape_t S_LONG = {.name = "Long", .type = SH_LONG};
static const shape_t S_DBL = {.name = "Dbl", .type = SH_DOUBLE};
static const shape_t S_FLT = {.name = "Flt", .type = SH_FLOAT};
static const shape_t S_BOOL = {.name = "Bool", .type = SH_BOOLEAN};
static const shape_t S_TS = {.name = "Ts", .type = SH_TIMESTAMP};
static const shape_t S_BLOB = {.name = "Blob", .type = SH_BLOB};
static const member_t M_LIST[] = {{.name = "member", .shape = &S_DBL}};
static const shape_t S_LIST = {.name = "Values", .type = SH_LIST, .nmembers = 1, .members = M_LIST};
static const member_t M_MAP[] = {{.name = "key", .shape = &S_STR}, {.name = "value", .shape = &S_STR}};
static const shape_t S_MAP = {.name = "Tags", .type = SH_MAP, .nmembers = 2, .members = M_MAP};
static const member_t M_DIM[] = {{.name = "Name", .shape = &S_STR, .flags = MF_REQUIRED},
                                 {.name = "Value", .shape = &S_STR}};
static const shape_t S_DIM = {.name = "Dimension", .type = SH_STRUCTURE, .nmembers = 2, .members = M_DIM};
static const member_t M_DIMS[] = {{.name = "member", .shape = &S_DIM}};
static const shape_t S_DOC = {.name = "Document", .type = SH_STRUCTURE, .flags = SF_DOCUMENT};
static const shape_t S_DIMS = {.name = "Dimensions", .type = SH_LIST, .nmembers = 1, .members = M_DIMS};
static const member_t M_IO[] = {
    {.name = "Namespace", .shape = &S_STR, .flags = MF_REQUIRED},
    {.name = "Count", .shape = &S_INT},
    {.name = "Big", .shape = &S_LONG},
    {.name = "Ratio", .shape = &S_DBL},
    {.name = "Small", .shape = &S_FLT},
    {.name = "On", .shape = &S_BOOL},
    {.name = "When", .shape = &S_TS},
    {.name = "Data", .shape = &S_BLOB},
    {.name = "Values", .shape = &S_LIST},
    {.name = "Tags", .shape = &S_MAP},
    {.name = "Dimensions", .shape = &S_DIMS},
    {.name = "Doc", .shape = &S_DOC},
};
static const shape_t S_IO = {.name = "PutIn", .type = SH_STRUCTURE, .nmembers = 12, .members = M_IO};
static const aws_errdef_t E_NOTFOUND = {"ResourceNotFound", 404, true};
static const aws_errdef_t E_INTERNAL = {"InternalServiceError", 500, false};
static const shape_t S_ERR = {
    .name = "ResourceNotFoundException", .type = SH_STRUCTURE, .flags = SF_EXCEPTION, .err = &E_NOTFOUND};
static const shape_t *const ERRS[] = {&S_ERR};
static const op_t OPS[] = {
    {"ListThings", "POST", "/", 200, NULL, NULL, NULL, NULL, 0, NULL, 0},
    {"PutThing", "POST", "/", 200, &S_IO, &S_IO, NULL, ERRS, 1, NULL, 0},
};
static const svc_model_t CM = {.id = "cloudwatch",
                               .protocol = PROTO_RPCV2_CBOR,
                               .target_prefix = "GraniteServiceVersion20100801",
                               .signing_name = "monitoring",
                               .ops = OPS,
                               .nops = 2,
                               .errors = ERRS,
                               .nerrors = 1,
                               .query_compat = true};

static kv_t H[3];

static wire_req_t req(const char *path, str_t body)
{
    H[0] = (kv_t){STR("smithy-protocol"), STR("rpc-v2-cbor")};
    H[1] = (kv_t){STR("Content-Type"), STR("application/cbor")};
    wire_req_t w = {
        .method = STR("POST"), .path = str_c(path), .query = STR(""), .headers = H, .nheaders = 2, .body = body};
    return w;
}
#define PUT(lit) req("/service/GraniteServiceVersion20100801/operation/PutThing", str_n((lit), sizeof(lit) - 1))

static int parse(arena_t *a, wire_req_t w, val_t **in, proto_fail_t *f)
{
    str_t name;
    const op_t *op = proto_find_op(&CM, &w, a, &name);
    assert_non_null(op);
    return proto_parse(&CM, op, &w, a, in, f);
}

/* ==== finding the operation ==== */

static void test_finds_op_by_path(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    str_t name;
    wire_req_t w = req("/service/GraniteServiceVersion20100801/operation/ListThings", STR(""));
    const op_t *op = proto_find_op(&CM, &w, a, &name);
    assert_non_null(op);
    assert_string_equal(op->name, "ListThings");
    /* an endpoint path prefix is the endpoint's */
    w.path = STR("/prefix/service/GraniteServiceVersion20100801/operation/PutThing");
    assert_string_equal(proto_find_op(&CM, &w, a, &name)->name, "PutThing");
    /* an unknown operation is named for the error message */
    w.path = STR("/service/GraniteServiceVersion20100801/operation/Nope");
    assert_null(proto_find_op(&CM, &w, a, &name));
    assert_int_equal(name.len, 4);
    static const char *const bad[] = {"/service/Other/operation/PutThing",
                                      "/service/GraniteServiceVersion20100801",
                                      "/service/GraniteServiceVersion20100801/operation/",
                                      "/service//operation/PutThing",
                                      "/service/GraniteServiceVersion20100801/operation/PutThing/x",
                                      "/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w.path = str_c(bad[i]);
        if (proto_find_op(&CM, &w, a, &name)) fail_msg("%s found an operation", bad[i]);
    }
    w = req("/service/GraniteServiceVersion20100801/operation/PutThing", STR(""));
    w.method = STR("GET");
    assert_null(proto_find_op(&CM, &w, a, &name));
    str_t s, o;
    assert_true(proto_rpcv2_path(STR("/service/A/operation/B"), &s, &o));
    assert_true(str_eq_c(s, "A") && str_eq_c(o, "B"));
    arena_free(a);
}

/* ==== parsing ==== */

static void test_parses_every_type(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    /* {_ "Namespace": "ns", "Count": -1000, "Big": 2^40, "Ratio": 1.5 (half),
     *    "Small": 100000.0 (single), "On": true, "When": 1(1363896240),
     *    "Data": h'00ff', "Values": [_ 1.1, 2, -3], "Tags": {_ "k": (_ "v", "w")},
     *    "Dimensions": [{"Name": "d", "Value": null}], "Unknown": 0 } */
    static const char body[] = "\xbf"
                               "\x69Namespace\x62ns"
                               "\x65"
                               "Count\x39\x03\xe7"
                               "\x63"
                               "Big\x1b\x00\x00\x01\x00\x00\x00\x00\x00"
                               "\x65Ratio\xf9\x3e\x00"
                               "\x65Small\xfa\x47\xc3\x50\x00"
                               "\x62On\xf5"
                               "\x64When\xc1\x1a\x51\x4b\x67\xb0"
                               "\x64"
                               "Data\x42\x00\xff"
                               "\x66Values\x9f\xfb\x3f\xf1\x99\x99\x99\x99\x99\x9a\x02\x22\xff"
                               "\x64Tags\xbf\x61k\x7f\x61v\x61w\xff\xff"
                               "\x6a"
                               "Dimensions\x81\xa2\x64Name\x61"
                               "d\x65Value\xf6"
                               "\x67Unknown\x00"
                               "\xff";
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse(a, PUT(body), &in, &f), GR_OK);
    assert_true(str_eq_c(val_get_str(in, "Namespace"), "ns"));
    assert_int_equal(val_get_int(in, "Count", 0), -1000);
    assert_true(val_get_int(in, "Big", 0) == (1LL << 40));
    assert_true(val_get(in, "Ratio")->u.f == 1.5);
    assert_true(val_get(in, "Small")->u.f == 100000.0);
    assert_true(val_get_bool(in, "On", false));
    assert_int_equal(val_get(in, "When")->kind, VAL_TIME);
    assert_true(val_get(in, "When")->u.t == 1363896240LL * 1000000);
    assert_int_equal(val_get(in, "Data")->kind, VAL_BLOB);
    assert_memory_equal(val_get(in, "Data")->u.s.p, "\x00\xff", 2);
    const val_t *vals = val_get(in, "Values");
    assert_int_equal(vals->u.list.n, 3);
    assert_true(vals->u.list.v[0]->u.f == 1.1);
    assert_true(vals->u.list.v[1]->u.f == 2.0); /* an integer for a double */
    assert_true(vals->u.list.v[2]->u.f == -3.0);
    assert_true(str_eq_c(val_get_str(val_get(in, "Tags"), "k"), "vw"));
    const val_t *dim = val_get(in, "Dimensions")->u.list.v[0];
    assert_true(str_eq_c(val_get_str(dim, "Name"), "d"));
    assert_null(val_get(dim, "Value")); /* null is absent */
    assert_null(val_get(in, "Unknown"));
    arena_free(a);
}

static void test_timestamps_and_empty_bodies(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *in;
    proto_fail_t f;
    /* a fractional timestamp: 1(1363896240.5) */
    assert_int_equal(parse(a, PUT("\xa2\x69Namespace\x61n\x64When\xc1\xfb\x41\xd4\x52\xd9\xec\x20\x00\x00"), &in, &f),
                     GR_OK);
    assert_true(val_get(in, "When")->u.t == 1363896240500000LL);
    /* before the epoch: 1(-1) */
    assert_int_equal(parse(a, PUT("\xa2\x69Namespace\x61n\x64When\xc1\x20"), &in, &f), GR_OK);
    assert_true(val_get(in, "When")->u.t == -1000000);
    /* an operation without input: no body, or an empty map */
    wire_req_t w = req("/service/GraniteServiceVersion20100801/operation/ListThings", STR(""));
    w.nheaders = 1; /* no Content-Type with no body */
    assert_int_equal(parse(a, w, &in, &f), GR_OK);
    assert_int_equal(in->u.obj.n, 0);
    w.body = STR("\xa0");
    assert_int_equal(parse(a, w, &in, &f), GR_OK);
    arena_free(a);
}

static void test_refusals(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const struct {
        const char *body;
        size_t n;
        proto_fail_kind_t kind;
        const char *says;
    } bad[] = {
#define B(lit) lit, sizeof(lit) - 1
        {B("\xa1\x69Namespace"), PROTO_E_SYNTAX, "unexpected end"},
        {B("\xa1\x69Namespace\x61n\x00"), PROTO_E_SYNTAX, "bytes after"},
        {B("\xbf\x69Namespace\x61n"), PROTO_E_SYNTAX, "unexpected end"},
        {B("\xa1\x69Namespace\x62\xc3\x28"), PROTO_E_SYNTAX, "invalid UTF-8"},
        {B("\x81\x00"), PROTO_E_TYPE, "Expected a map for 'input', found array"},
        {B("\xa1\x69Namespace\x01"), PROTO_E_TYPE, "Expected a text string for 'Namespace', found unsigned integer"},
        {B("\xa2\x69Namespace\x61n\x65"
           "Count\x1a\x80\x00\x00\x00"),
         PROTO_E_TYPE, "Expected an integer for 'Count'"},
        {B("\xa2\x69Namespace\x61n\x63"
           "Big\x3b\x80\x00\x00\x00\x00\x00\x00\x00"),
         PROTO_E_TYPE, "'Big'"},
        {B("\xa2\x69Namespace\x61n\x65"
           "Count\xf9\x3c\x00"),
         PROTO_E_TYPE, "found float"},
        {B("\xa2\x69Namespace\x61n\x64When\x1a\x51\x4b\x67\xb0"), PROTO_E_TYPE, "Expected a timestamp (tag 1)"},
        {B("\xa2\x69Namespace\x61n\x64When\xc0\x61x"), PROTO_E_TYPE, "timestamp"},
        {B("\xa2\x69Namespace\x61n\x64When\xc1\xf9\x7c\x00"), PROTO_E_TYPE, "timestamp"}, /* infinity */
        {B("\xa2\x69Namespace\x61n\x64"
           "Data\x62hi"),
         PROTO_E_TYPE, "Expected a byte string for 'Data'"},
        {B("\xa2\x69Namespace\x61n\x62On\x01"), PROTO_E_TYPE, "Expected a boolean for 'On'"},
        {B("\xa2\x69Namespace\x61n\x66Values\xa0"), PROTO_E_TYPE, "Expected an array for 'Values'"},
        {B("\xa2\x69Namespace\x61n\x64Tags\xa1\x01\x61v"), PROTO_E_TYPE, "found unsigned integer"},
        {B("\xa1\x01\x61n"), PROTO_E_TYPE, "keys must be text strings"},
        {B("\xa2\x69Namespace\x61n\x69Namespace\x61m"), PROTO_E_SYNTAX, "Duplicate member 'Namespace'"},
        {B("\xa1\x6a"
           "Dimensions\x81\xa0"),
         PROTO_E_REQUIRED, "2 validation errors detected"},
#undef B
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        val_t *in;
        proto_fail_t f;
        wire_req_t w = req("/service/GraniteServiceVersion20100801/operation/PutThing", str_n(bad[i].body, bad[i].n));
        if (parse(a, w, &in, &f) != GR_ERR) fail_msg("case %zu parsed", i);
        if (f.kind != bad[i].kind) fail_msg("case %zu: kind %d, wanted %d (%s)", i, f.kind, bad[i].kind, f.msg);
        if (!strstr(f.msg, bad[i].says)) fail_msg("case %zu: '%s' does not say '%s'", i, f.msg, bad[i].says);
    }
    /* no body: no Namespace either */
    val_t *none;
    proto_fail_t nf;
    assert_int_equal(parse(a, PUT(""), &none, &nf), GR_ERR);
    assert_int_equal(nf.kind, PROTO_E_REQUIRED);
    /* another Content-Type with a body */
    wire_req_t w = PUT("\xa1\x69Namespace\x61n");
    H[1].value = STR("application/json");
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse(a, w, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
    assert_non_null(strstr(f.msg, "application/cbor"));
    arena_free(a);
}

/* ==== responses and errors ==== */

static str_t hdr(const wire_resp_t *r, const char *n)
{
    return wire_resp_get_header(r, n);
}

static void test_serializes_output(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *out = val_new(a, VAL_STRUCT);
    val_set_c(a, out, "Namespace", val_cstr(a, "ns"));
    val_set_c(a, out, "Count", val_int(a, -5));
    val_set_c(a, out, "Ratio", val_float(a, 0.1));
    val_set_c(a, out, "On", val_bool(a, false));
    val_set_c(a, out, "When", val_time(a, 1700000000LL * 1000000));
    val_set_c(a, out, "Data", val_blob(a, str_n("\x01\x00", 2)));
    val_set_c(a, out, "Tags", val_new(a, VAL_NULL)); /* null: left out */
    val_t *vals = val_new(a, VAL_LIST);
    val_push(a, vals, val_int(a, 3)); /* an integer for a double */
    val_set_c(a, out, "Values", vals);
    wire_resp_t resp;
    wire_resp_init(&resp, a);
    assert_int_equal(proto_serialize(&CM, &OPS[1], out, "rid-1", a, &resp), GR_OK);
    assert_int_equal(resp.status, 200);
    assert_true(str_eq_c(hdr(&resp, "smithy-protocol"), "rpc-v2-cbor"));
    assert_true(str_eq_c(hdr(&resp, "Content-Type"), "application/cbor"));
    assert_true(str_eq_c(hdr(&resp, "x-amzn-RequestId"), "rid-1"));
    cbor_t *c = cbor_decode(a, buf_str(&resp.body), NULL);
    assert_non_null(c);
    assert_int_equal(c->type, CBOR_MAP);
    assert_int_equal(c->u.map.n, 7);
    /* in model order */
    assert_string_equal(c->u.map.k[0]->u.s.p, "Namespace");
    assert_string_equal(c->u.map.k[6]->u.s.p, "Values");
    assert_int_equal(cbor_get(c, "Count")->type, CBOR_NINT);
    assert_true(cbor_get(c, "Ratio")->u.f == 0.1);
    assert_int_equal(cbor_get(c, "On")->type, CBOR_FALSE);
    const cbor_t *when = cbor_get(c, "When");
    assert_int_equal(when->type, CBOR_TAG);
    assert_true(when->u.tag.num == 1);
    assert_int_equal(when->u.tag.item->type, CBOR_UINT);
    assert_true(when->u.tag.item->u.u == 1700000000);
    assert_int_equal(cbor_get(c, "Data")->type, CBOR_BYTES);
    assert_int_equal(cbor_get(c, "Values")->u.arr.v[0]->type, CBOR_FLOAT);
    assert_null(cbor_get(c, "Tags"));
    /* milliseconds: a float */
    val_set_c(a, out, "When", val_time(a, 1700000000123000LL));
    wire_resp_init(&resp, a);
    assert_int_equal(proto_serialize(&CM, &OPS[1], out, "rid-1", a, &resp), GR_OK);
    c = cbor_decode(a, buf_str(&resp.body), NULL);
    assert_int_equal(cbor_get(c, "When")->u.tag.item->type, CBOR_FLOAT);
    assert_true(fabs(cbor_get(c, "When")->u.tag.item->u.f - 1700000000.123) < 1e-6);
    /* no output: an empty map, which botocore's parser reads */
    wire_resp_init(&resp, a);
    assert_int_equal(proto_serialize(&CM, &OPS[0], NULL, "rid-2", a, &resp), GR_OK);
    assert_int_equal(resp.body.len, 1);
    assert_int_equal((unsigned char)resp.body.p[0], 0xa0);
    arena_free(a);
}

static void test_errors(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_resp_t resp;
    wire_resp_init(&resp, a);
    assert_int_equal(proto_write_error(&CM, &E_NOTFOUND, "no such thing", NULL, "rid", a, &resp), GR_OK);
    assert_int_equal(resp.status, 404);
    assert_true(str_eq_c(hdr(&resp, "smithy-protocol"), "rpc-v2-cbor"));
    assert_true(str_eq_c(hdr(&resp, "Content-Type"), "application/cbor"));
    assert_true(str_eq_c(hdr(&resp, "x-amzn-query-error"), "ResourceNotFound;Sender"));
    cbor_t *c = cbor_decode(a, buf_str(&resp.body), NULL);
    assert_non_null(c);
    assert_string_equal(cbor_get(c, "__type")->u.s.p, "com.amazonaws.cloudwatch#ResourceNotFoundException");
    assert_string_equal(cbor_get(c, "message")->u.s.p, "no such thing");
    /* an error the model does not list: its bare code; a server fault */
    wire_resp_init(&resp, a);
    val_t *extra = val_new(a, VAL_STRUCT);
    val_set_c(a, extra, "Detail", val_int(a, 7));
    assert_int_equal(proto_write_error(&CM, &E_INTERNAL, NULL, extra, "rid", a, &resp), GR_OK);
    assert_int_equal(resp.status, 500);
    assert_true(str_eq_c(hdr(&resp, "x-amzn-query-error"), "InternalServiceError;Receiver"));
    c = cbor_decode(a, buf_str(&resp.body), NULL);
    assert_int_equal(c->u.map.n, 2);
    assert_string_equal(cbor_get(c, "__type")->u.s.p, "InternalServiceError");
    assert_null(cbor_get(c, "message"));
    assert_true(cbor_get(c, "Detail")->u.u == 7);
    /* without query compatibility, no x-amzn-query-error */
    svc_model_t plain = CM;
    plain.query_compat = false;
    wire_resp_init(&resp, a);
    assert_int_equal(proto_write_error(&plain, &E_NOTFOUND, "x", NULL, "rid", a, &resp), GR_OK);
    assert_null(hdr(&resp, "x-amzn-query-error").p);
    arena_free(a);
}

/* A document member: the item by its own types, and written back so. */
static void test_documents(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    /* {"Namespace": "n", "Doc": {"a": [1, -2, 1.5, "x", true, null], "b": {}}} */
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse(a,
                           PUT("\xa2\x69Namespace\x61n\x63"
                               "Doc\xa2\x61\x61\x86\x01\x21\xf9\x3e\x00\x61x\xf5\xf6\x61\x62\xa0"),
                           &in, &f),
                     GR_OK);
    const val_t *doc = val_get(in, "Doc");
    assert_int_equal(doc->kind, VAL_MAP);
    const val_t *arr = val_get(doc, "a");
    assert_int_equal(arr->u.list.n, 6);
    assert_int_equal(arr->u.list.v[0]->u.i, 1);
    assert_int_equal(arr->u.list.v[1]->u.i, -2);
    assert_true(arr->u.list.v[2]->u.f == 1.5);
    assert_true(str_eq_c(arr->u.list.v[3]->u.s, "x"));
    assert_true(arr->u.list.v[4]->u.b);
    assert_int_equal(arr->u.list.v[5]->kind, VAL_NULL);
    assert_int_equal(val_get(doc, "b")->kind, VAL_MAP);
    /* a map with a key that is no text is no document */
    assert_int_equal(parse(a,
                           PUT("\xa2\x69Namespace\x61n\x63"
                               "Doc\xa1\x01\x02"),
                           &in, &f),
                     GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    /* written back by its own kinds: the same document */
    val_t *out = val_new(a, VAL_STRUCT);
    val_set_c(a, out, "Doc", (val_t *)doc);
    wire_resp_t resp;
    wire_resp_init(&resp, a);
    assert_int_equal(proto_serialize(&CM, &OPS[1], out, NULL, a, &resp), GR_OK);
    cbor_t *c = cbor_decode(a, buf_str(&resp.body), NULL);
    const cbor_t *ca = cbor_get(cbor_get(c, "Doc"), "a");
    assert_int_equal(ca->u.arr.n, 6); /* a document's null element is kept */
    assert_int_equal(ca->u.arr.v[1]->type, CBOR_NINT);
    assert_int_equal(ca->u.arr.v[5]->type, CBOR_NULL);
    assert_int_equal(cbor_get(cbor_get(c, "Doc"), "b")->type, CBOR_MAP);
    arena_free(a);
}

/* What the serializer writes, the parser reads back the same. */
static void test_roundtrip_through_the_model(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Namespace", val_cstr(a, "AWS/EC2 ☃"));
    val_set_c(a, v, "Count", val_int(a, INT32_MIN));
    val_set_c(a, v, "Big", val_int(a, INT64_MAX));
    val_set_c(a, v, "Ratio", val_float(a, -1e-300));
    val_set_c(a, v, "Small", val_float(a, 0.5));
    val_set_c(a, v, "On", val_bool(a, true));
    val_set_c(a, v, "When", val_time(a, -86400LL * 1000000 + 250000));
    val_set_c(a, v, "Data", val_blob(a, STR("")));
    val_t *vals = val_new(a, VAL_LIST);
    for (int i = 0; i < 30; i++) val_push(a, vals, val_float(a, i * 1000.25));
    val_set_c(a, v, "Values", vals);
    val_t *tags = val_new(a, VAL_MAP);
    val_set_c(a, tags, "a", val_cstr(a, ""));
    val_set_c(a, v, "Tags", tags);
    val_t *dims = val_new(a, VAL_LIST), *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "Name", val_cstr(a, "InstanceId"));
    val_set_c(a, d, "Value", val_cstr(a, "i-1"));
    val_push(a, dims, d);
    val_set_c(a, v, "Dimensions", dims);
    wire_resp_t resp;
    wire_resp_init(&resp, a);
    assert_int_equal(proto_serialize(&CM, &OPS[1], v, NULL, a, &resp), GR_OK);
    val_t *back;
    proto_fail_t f;
    wire_req_t w = req("/service/GraniteServiceVersion20100801/operation/PutThing", buf_str(&resp.body));
    assert_int_equal(parse(a, w, &back, &f), GR_OK);
    assert_true(val_equal(v, back));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_op_by_path),
        cmocka_unit_test(test_parses_every_type),
        cmocka_unit_test(test_timestamps_and_empty_bodies),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_serializes_output),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_roundtrip_through_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
