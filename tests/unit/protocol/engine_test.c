/* engine_test.c — the protocol engine over hand-written models: operation
 * lookup (X-Amz-Target, REST templates and their specificity), validation
 * messages, json 1.0 parsing/serializing/errors, and rest-json labels,
 * headers, query strings, payloads and status codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/internal.h"
#include "protocol/json.h"

/* ==== a small json model ==== */
static const char *const KIND_ENUM[] = {"HASH", "RANGE"};
static const shape_t S_NAME = {.name = "Name", .type = SH_STRING, .flags = SF_HAS_MIN | SF_HAS_MAX, .min = 3, .max = 5};
static const shape_t S_KIND = {.name = "Kind", .type = SH_STRING, .enums = KIND_ENUM, .nenums = 2};
static const shape_t S_COUNT = {
    .name = "Count", .type = SH_INTEGER, .flags = SF_HAS_MIN | SF_HAS_MAX, .min = 1, .max = 10};
static const shape_t S_STR = {.name = "String", .type = SH_STRING};
static const shape_t S_TS = {.name = "Ts", .type = SH_TIMESTAMP};
static const shape_t S_BLOB = {.name = "Blob", .type = SH_BLOB};
static const shape_t S_DBL = {.name = "Dbl", .type = SH_DOUBLE};
static const shape_t S_BOOL = {.name = "Bool", .type = SH_BOOLEAN};
static const shape_t S_INT = {.name = "Int", .type = SH_INTEGER};
static const member_t M_LIST[] = {{.name = "member", .shape = &S_NAME}};
static const shape_t S_LIST = {
    .name = "Names", .type = SH_LIST, .flags = SF_HAS_MIN, .min = 1, .nmembers = 1, .members = M_LIST};
static const member_t M_MAP[] = {{.name = "key", .loc_name = "key", .shape = &S_STR},
                                 {.name = "value", .loc_name = "value", .shape = &S_COUNT}};
static const shape_t S_MAP = {.name = "Counts", .type = SH_MAP, .nmembers = 2, .members = M_MAP};
static const member_t M_IN[] = {
    {.name = "Name", .shape = &S_NAME, .flags = MF_REQUIRED},
    {.name = "Kind", .shape = &S_KIND},
    {.name = "Count", .shape = &S_COUNT},
    {.name = "Names", .shape = &S_LIST},
    {.name = "Counts", .shape = &S_MAP},
    {.name = "When", .shape = &S_TS},
    {.name = "Data", .shape = &S_BLOB},
    {.name = "Ratio", .shape = &S_DBL},
    {.name = "Token", .shape = &S_STR, .flags = MF_IDEMPOTENCY},
};
static const shape_t S_IN = {.name = "In", .type = SH_STRUCTURE, .nmembers = 9, .members = M_IN};
static const member_t M_OUT[] = {
    {.name = "Name", .shape = &S_STR},  {.name = "When", .shape = &S_TS}, {.name = "Data", .shape = &S_BLOB},
    {.name = "Ratio", .shape = &S_DBL}, {.name = "Ok", .shape = &S_BOOL}, {.name = "Names", .shape = &S_LIST},
};
static const shape_t S_OUT = {.name = "Out", .type = SH_STRUCTURE, .nmembers = 6, .members = M_OUT};
static const aws_errdef_t E_NOTFOUND = {"ResourceNotFoundException", 400, true};
static const shape_t S_ERR = {
    .name = "ResourceNotFoundException", .type = SH_STRUCTURE, .flags = SF_EXCEPTION, .err = &E_NOTFOUND};
static const shape_t *const ERRS[] = {&S_ERR};
static const op_t JOPS[] = {
    {"Do", "POST", "/", 200, &S_IN, &S_OUT, NULL, ERRS, 1, NULL, 0},
    {"DoMore", "POST", "/", 200, NULL, NULL, NULL, NULL, 0, NULL, 0},
};
static const svc_model_t JM = {.id = "test",
                               .protocol = PROTO_JSON,
                               .target_prefix = "DynamoDB_20120810",
                               .json_version = "1.0",
                               .ops = JOPS,
                               .nops = 2,
                               .errors = ERRS,
                               .nerrors = 1};
static const svc_model_t LM = {.id = "logsish",
                               .protocol = PROTO_JSON,
                               .target_prefix = "Logs_20140328",
                               .json_version = "1.1",
                               .ops = JOPS,
                               .nops = 2,
                               .errors = ERRS,
                               .nerrors = 1};

static wire_req_t jreq(const char *target, const char *body)
{
    static kv_t h[1];
    h[0] = (kv_t){STR("X-Amz-Target"), str_c(target)};
    wire_req_t w = {
        .method = STR("POST"), .path = STR("/"), .query = STR(""), .headers = h, .nheaders = 1, .body = str_c(body)};
    return w;
}

static void test_json_find_op(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    str_t name;
    wire_req_t w = jreq("DynamoDB_20120810.DoMore", "{}");
    assert_ptr_equal(proto_find_op(&JM, &w, a, &name), &JOPS[1]);
    w = jreq("DynamoDB_20120810.Nope", "{}");
    assert_null(proto_find_op(&JM, &w, a, &name));
    assert_true(str_eq_c(name, "Nope"));
    w.nheaders = 0;
    assert_null(proto_find_op(&JM, &w, a, &name));
    arena_free(a);
}

static int parse(const char *body, arena_t *a, val_t **in, proto_fail_t *f)
{
    wire_req_t w = jreq("DynamoDB_20120810.Do", body);
    return proto_parse(&JM, &JOPS[0], &w, a, in, f);
}

static void test_json_parse_values(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse("{\"Name\":\"abcd\",\"Kind\":\"HASH\",\"Count\":3,\"Names\":[\"xyz\"],\"Counts\":{\"k\":2},"
                           "\"When\":1440938160.5,\"Data\":\"Zm9v\",\"Ratio\":2,\"Unknown\":[1,{}],\"Token\":null}",
                           a, &in, &f),
                     GR_OK);
    assert_true(str_eq_c(val_get_str(in, "Name"), "abcd"));
    assert_int_equal(val_get_int(in, "Count", 0), 3);
    assert_int_equal(val_len(val_get(in, "Names")), 1);
    assert_int_equal(val_get(val_get(in, "Counts"), "k")->u.i, 2);
    assert_int_equal(val_get(in, "When")->kind, VAL_TIME);
    assert_int_equal(val_get(in, "When")->u.t, 1440938160500000LL);
    assert_true(str_eq_c(val_get(in, "Data")->u.s, "foo"));
    assert_int_equal(val_get(in, "Ratio")->kind, VAL_FLOAT);
    assert_null(val_get(in, "Unknown"));
    /* the idempotency token was filled (null counts as absent) */
    assert_int_equal(val_get_str(in, "Token").len, 36);
    arena_free(a);
}

static void test_json_validation_messages(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse("{}", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_REQUIRED);
    /* AWS: DynamoDB's wording, camelCase member path */
    assert_string_equal(f.msg, "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
                               "Member must not be null");
    assert_int_equal(parse("{\"Name\":\"ab\",\"Kind\":\"X\",\"Count\":11,\"Names\":[]}", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_CONSTRAINT);
    assert_string_equal(f.msg,
                        "4 validation errors detected: Value 'ab' at 'name' failed to satisfy constraint: Member must "
                        "have length greater than or equal to 3; Value 'X' at 'kind' failed to satisfy constraint: "
                        "Member must satisfy enum value set: [HASH, RANGE]; Value '11' at 'count' failed to satisfy "
                        "constraint: Member must have value less than or equal to 10; Value '[]' at 'names' failed "
                        "to satisfy constraint: Member must have length greater than or equal to 1");
    assert_int_equal(parse("{\"Name\":\"abc\",\"Names\":[\"toolong\"]}", a, &in, &f), GR_ERR);
    assert_non_null(strstr(f.msg, "at 'names.1.member' failed"));
    arena_free(a);
}

static void test_json_type_and_syntax_errors(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse("{\"Name\":5}", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_string_equal(f.msg, "NUMBER_VALUE cannot be converted to String");
    assert_int_equal(parse("{\"Name\":\"abc\",\"Count\":\"3\"}", a, &in, &f), GR_ERR);
    assert_string_equal(f.msg, "STRING_VALUE cannot be converted to Integer");
    assert_int_equal(parse("{\"Name\":{}}", a, &in, &f), GR_ERR);
    assert_string_equal(f.msg, "Start of structure or map found where not expected");
    assert_int_equal(parse("{\"Name\":\"abc\",\"Count\":4294967296}", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_int_equal(parse("{\"Name\":\"abc\",\"Data\":\"!!\"}", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_int_equal(parse("[]", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_int_equal(parse("{\"Name\":", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
    /* an empty body is an empty input */
    assert_int_equal(parse("", a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_REQUIRED);
    arena_free(a);
}

static str_t hdr(const wire_resp_t *r, const char *n)
{
    return wire_resp_get_header(r, n);
}

static void test_json_serialize_and_errors(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *out = val_new(a, VAL_STRUCT);
    val_set_c(a, out, "Ratio", val_float(a, 0.5));
    val_set_c(a, out, "Name", val_cstr(a, "n\"1"));
    val_set_c(a, out, "When", val_time(a, 1440938160123000LL));
    val_set_c(a, out, "Data", val_blob(a, STR("foo")));
    val_set_c(a, out, "Ok", val_bool(a, true));
    val_set_c(a, out, "Names", val_new(a, VAL_LIST));
    wire_resp_t r;
    wire_resp_init(&r, a);
    assert_int_equal(proto_serialize(&JM, &JOPS[0], out, "rid", a, &r), GR_OK);
    assert_int_equal(r.status, 200);
    /* model order, whatever order the service set them in */
    assert_string_equal(buf_str(&r.body).p,
                        "{\"Name\":\"n\\\"1\",\"When\":1440938160.123,\"Data\":\"Zm9v\",\"Ratio\":0.5,\"Ok\":true,"
                        "\"Names\":[]}");
    assert_true(str_eq_c(hdr(&r, "Content-Type"), "application/x-amz-json-1.0"));
    assert_true(str_eq_c(hdr(&r, "x-amzn-RequestId"), "rid"));
    assert_non_null(hdr(&r, "x-amz-crc32").p);

    wire_resp_init(&r, a);
    assert_int_equal(proto_write_error(&JM, &E_NOTFOUND, "gone", NULL, "rid", a, &r), GR_OK);
    assert_int_equal(r.status, 400);
    assert_string_equal(buf_str(&r.body).p,
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
                        "\"message\":\"gone\"}");
    wire_resp_init(&r, a);
    assert_int_equal(proto_write_error(&JM, &ERR_ValidationException, "bad", NULL, "rid", a, &r), GR_OK);
    assert_non_null(strstr(buf_str(&r.body).p, "com.amazon.coral.validate#ValidationException"));
    wire_resp_init(&r, a);
    assert_int_equal(proto_write_error(&LM, &E_NOTFOUND, "gone", NULL, "rid", a, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "{\"__type\":\"ResourceNotFoundException\",\"message\":\"gone\"}");
    assert_true(str_eq_c(hdr(&r, "Content-Type"), "application/x-amz-json-1.1"));
    wire_resp_init(&r, a);
    assert_int_equal(proto_write_error(NULL, &ERR_InternalFailure, "oops", NULL, "rid", a, &r), GR_OK);
    assert_int_equal(r.status, ERR_InternalFailure.status);
    assert_non_null(strstr(buf_str(&r.body).p, "\"__type\":\"InternalFailure\""));
    arena_free(a);
}

/* ==== a small rest-json model ==== */
static const member_t M_GETB[] = {
    {.name = "Bucket", .loc_name = "Bucket", .shape = &S_STR, .location = LOC_URI, .flags = MF_REQUIRED}};
static const shape_t S_GETB = {.name = "GetB", .type = SH_STRUCTURE, .nmembers = 1, .members = M_GETB};
static const shape_t S_HMAP_V = {.name = "V", .type = SH_STRING};
static const member_t M_HMAP[] = {{.name = "key", .loc_name = "key", .shape = &S_STR},
                                  {.name = "value", .loc_name = "value", .shape = &S_HMAP_V}};
static const shape_t S_HMAP = {.name = "Meta", .type = SH_MAP, .nmembers = 2, .members = M_HMAP};
static const member_t M_INTS[] = {{.name = "member", .shape = &S_INT}};
static const shape_t S_INTS = {.name = "Ints", .type = SH_LIST, .nmembers = 1, .members = M_INTS};
static const member_t M_PUTK[] = {
    {.name = "Bucket", .loc_name = "Bucket", .shape = &S_STR, .location = LOC_URI, .flags = MF_REQUIRED},
    {.name = "Key", .loc_name = "Key", .shape = &S_STR, .location = LOC_URI, .flags = MF_REQUIRED},
    {.name = "Since", .loc_name = "X-Since", .shape = &S_TS, .location = LOC_HEADER},
    {.name = "Flag", .loc_name = "x-flag", .shape = &S_BOOL, .location = LOC_HEADER},
    {.name = "Meta", .loc_name = "x-amz-meta-", .shape = &S_HMAP, .location = LOC_HEADERS},
    {.name = "Max", .loc_name = "max-items", .shape = &S_INT, .location = LOC_QUERYSTRING},
    {.name = "Ids", .loc_name = "id", .shape = &S_INTS, .location = LOC_QUERYSTRING},
    {.name = "Name", .shape = &S_STR},
    {.name = "Ratio", .loc_name = "ratio", .shape = &S_DBL},
};
static const shape_t S_PUTK = {.name = "PutK", .type = SH_STRUCTURE, .nmembers = 9, .members = M_PUTK};
static const member_t M_INV[] = {
    {.name = "Fn", .loc_name = "Fn", .shape = &S_STR, .location = LOC_URI},
    {.name = "Payload", .shape = &S_BLOB},
};
static const shape_t S_INV = {
    .name = "Inv", .type = SH_STRUCTURE, .nmembers = 2, .members = M_INV, .payload = "Payload"};
static const member_t M_INVO[] = {
    {.name = "StatusCode", .shape = &S_INT, .location = LOC_STATUSCODE},
    {.name = "Err", .loc_name = "X-Amz-Function-Error", .shape = &S_STR, .location = LOC_HEADER},
    {.name = "Payload", .shape = &S_BLOB},
};
static const shape_t S_INVO = {
    .name = "InvO", .type = SH_STRUCTURE, .nmembers = 3, .members = M_INVO, .payload = "Payload"};
static const op_t ROPS[] = {
    {"GetBucket", "GET", "/{Bucket}", 200, &S_GETB, NULL, NULL, NULL, 0, NULL, 0},
    {"GetBucketAcl", "GET", "/{Bucket}?acl", 200, &S_GETB, NULL, NULL, NULL, 0, NULL, 0},
    {"GetObject", "GET", "/{Bucket}/{Key+}", 200, &S_PUTK, NULL, NULL, NULL, 0, NULL, 0},
    {"Invoke", "POST", "/fn/{Fn}/invocations", 200, &S_INV, &S_INVO, NULL, NULL, 0, NULL, 0},
    {"ListV2", "GET", "/{Bucket}?list-type=2", 200, &S_GETB, NULL, NULL, NULL, 0, NULL, 0},
    {"PutObject", "PUT", "/{Bucket}/{Key+}", 204, &S_PUTK, NULL, NULL, NULL, 0, NULL, 0},
};
static const svc_model_t RM = {.id = "rest", .protocol = PROTO_REST_JSON, .ops = ROPS, .nops = 6};

static const char *find(const char *method, const char *path, const char *query)
{
    arena_t *a = arena_new(0);
    wire_req_t w = {.method = str_c(method), .path = str_c(path), .query = str_c(query)};
    str_t name;
    const op_t *op = proto_find_op(&RM, &w, a, &name);
    arena_free(a);
    return op ? op->name : "-"; /* op names are static */
}

static void test_rest_find_op(void **state)
{
    (void)state;
    assert_string_equal(find("GET", "/b", ""), "GetBucket");
    assert_string_equal(find("GET", "/b/", ""), "GetBucket");
    assert_string_equal(find("GET", "/b", "acl"), "GetBucketAcl");
    assert_string_equal(find("GET", "/b", "acl="), "GetBucketAcl");
    assert_string_equal(find("GET", "/b", "list-type=2&prefix=x"), "ListV2");
    assert_string_equal(find("GET", "/b", "list-type=1"), "GetBucket");
    assert_string_equal(find("GET", "/b/k", ""), "GetObject");
    assert_string_equal(find("GET", "/b/k/x/y", "acl"), "GetObject");
    assert_string_equal(find("PUT", "/b/k", ""), "PutObject");
    assert_string_equal(find("POST", "/fn/f/invocations", ""), "Invoke");
    assert_string_equal(find("POST", "/fn/f/g/invocations", ""), "-");
    assert_string_equal(find("DELETE", "/b", ""), "-");
    assert_string_equal(find("GET", "/", ""), "-");
}

/* Two operations of one method and path, told apart by the credential scope
 * (S3's ListBuckets and ListDirectoryBuckets, the latter signed for s3express). */
static const op_t SOPS[] = {
    {"ListBuckets", "GET", "/", 200, NULL, NULL, NULL, NULL, 0, NULL, 0},
    {"ListDirectoryBuckets", "GET", "/", 200, NULL, NULL, NULL, NULL, 0, NULL, OPF_OTHER_SCOPE},
};
static const svc_model_t SM = {
    .id = "scoped", .protocol = PROTO_REST_XML, .signing_name = "s3", .ops = SOPS, .nops = 2};

static const char *find_scoped(const char *auth, const char *query)
{
    arena_t *a = arena_new(0);
    kv_t h = {STR("Authorization"), str_c(auth ? auth : "")};
    wire_req_t w = {
        .method = STR("GET"), .path = STR("/"), .query = str_c(query), .headers = &h, .nheaders = auth ? 1 : 0};
    str_t name;
    const op_t *op = proto_find_op(&SM, &w, a, &name);
    arena_free(a);
    return op ? op->name : "-";
}

static void test_rest_find_op_by_scope(void **state)
{
    (void)state;
#define AUTH(cred) "AWS4-HMAC-SHA256 Credential=" cred ", SignedHeaders=host, Signature=00"
    assert_string_equal(find_scoped(NULL, ""), "ListBuckets");
    assert_string_equal(find_scoped(AUTH("AK/20261128/us-east-1/s3/aws4_request"), ""), "ListBuckets");
    assert_string_equal(find_scoped(AUTH("AK/20261128/us-east-1/s3express/aws4_request"), ""), "ListDirectoryBuckets");
    assert_string_equal(find_scoped(AUTH("s3express"), ""), "ListBuckets"); /* no scope to read */
#undef AUTH
    assert_string_equal(
        find_scoped(NULL, "X-Amz-Credential=AK%2F20261128%2Fus-east-1%2Fs3express%2Faws4_request&X-Amz-Signature=00"),
        "ListDirectoryBuckets");
    assert_string_equal(find_scoped(NULL, "X-Amz-Credential=AK%2F20261128%2Fus-east-1%2Fs3%2Faws4_request"),
                        "ListBuckets");
}

static void test_rest_parse(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    kv_t h[] = {{STR("x-since"), STR("Sun, 30 Aug 2015 12:36:00 GMT")},
                {STR("X-Flag"), STR("true")},
                {STR("X-Amz-Meta-Color"), STR("blue")},
                {STR("x-amz-meta-size"), STR("L")}};
    wire_req_t w = {.method = STR("PUT"),
                    .path = STR("/b%20c/dir/a%2Fb%20c"),
                    .query = STR("max-items=7&id=1&id=2"),
                    .headers = h,
                    .nheaders = 4,
                    .body = STR("{\"Name\":\"n\",\"ratio\":1.25,\"Bucket\":\"no\"}")};
    str_t name;
    const op_t *op = proto_find_op(&RM, &w, a, &name);
    assert_non_null(op);
    assert_string_equal(op->name, "PutObject");
    val_t *in;
    proto_fail_t f;
    assert_int_equal(proto_parse(&RM, op, &w, a, &in, &f), GR_OK);
    assert_true(str_eq_c(val_get_str(in, "Bucket"), "b c")); /* labels are percent-decoded; the body cannot override */
    assert_true(str_eq_c(val_get_str(in, "Key"), "dir/a/b c"));
    assert_int_equal(val_get(in, "Since")->u.t, 1440938160LL * 1000000);
    assert_true(val_get_bool(in, "Flag", false));
    val_t *meta = val_get(in, "Meta");
    assert_int_equal(val_len(meta), 2);
    assert_true(str_eq_c(val_get_str(meta, "Color"), "blue"));
    assert_int_equal(val_get_int(in, "Max", 0), 7);
    assert_int_equal(val_len(val_get(in, "Ids")), 2);
    assert_true(str_eq_c(val_get_str(in, "Name"), "n"));
    assert_true(val_get(in, "Ratio")->u.f == 1.25);

    w.query = STR("max-items=seven");
    assert_int_equal(proto_parse(&RM, op, &w, a, &in, &f), GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
    arena_free(a);
}

static void test_rest_payload_and_status(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_req_t w = {
        .method = STR("POST"), .path = STR("/fn/f/invocations"), .query = STR(""), .body = STR("{\"raw\":1}")};
    val_t *in;
    proto_fail_t f;
    assert_int_equal(proto_parse(&RM, &ROPS[3], &w, a, &in, &f), GR_OK);
    assert_true(str_eq_c(val_get(in, "Payload")->u.s, "{\"raw\":1}"));
    val_t *out = val_new(a, VAL_STRUCT);
    val_set_c(a, out, "StatusCode", val_int(a, 202));
    val_set_c(a, out, "Err", val_cstr(a, "Unhandled"));
    val_set_c(a, out, "Payload", val_blob(a, STR("hello")));
    wire_resp_t r;
    wire_resp_init(&r, a);
    assert_int_equal(proto_serialize(&RM, &ROPS[3], out, "rid", a, &r), GR_OK);
    assert_int_equal(r.status, 202);
    assert_string_equal(buf_str(&r.body).p, "hello");
    assert_true(str_eq_c(wire_resp_get_header(&r, "X-Amz-Function-Error"), "Unhandled"));
    /* no output: the op's response code and an empty JSON object */
    wire_resp_init(&r, a);
    assert_int_equal(proto_serialize(&RM, &ROPS[5], NULL, "rid", a, &r), GR_OK);
    assert_int_equal(r.status, 204);
    /* rest-json errors: X-Amzn-ErrorType and Lambda's body */
    wire_resp_init(&r, a);
    assert_int_equal(proto_write_error(&RM, &E_NOTFOUND, "Function not found", NULL, "rid", a, &r), GR_OK);
    assert_true(str_eq_c(wire_resp_get_header(&r, "X-Amzn-ErrorType"), "ResourceNotFoundException"));
    assert_string_equal(buf_str(&r.body).p, "{\"Type\":\"User\",\"message\":\"Function not found\"}");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_find_op),
        cmocka_unit_test(test_json_parse_values),
        cmocka_unit_test(test_json_validation_messages),
        cmocka_unit_test(test_json_type_and_syntax_errors),
        cmocka_unit_test(test_json_serialize_and_errors),
        cmocka_unit_test(test_rest_find_op),
        cmocka_unit_test(test_rest_find_op_by_scope),
        cmocka_unit_test(test_rest_parse),
        cmocka_unit_test(test_rest_payload_and_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
