/* query_test.c — unit tests for src/protocol/query.c: form requests as
 * botocore's QuerySerializer writes them (Member.member.N, flattened lists,
 * maps as Name.entry.N.key/value or flattened, empty lists as "Name="), read
 * into values by the STS model and hand-built shapes; the response and error
 * documents written exactly; and the refusals (bad escapes, bad numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "protocol/xml.h"
#include "sts_model.h"

static arena_t *A;

static int setup(void **st)
{
    A = arena_new(0);
    return A ? 0 : -1;
}

static int teardown(void **st)
{
    arena_free(A);
    return 0;
}

#define ASSERT_STR(s, lit) assert_string_equal(arena_strndup(A, (s).p, (s).len), (lit))

static val_t *parse_ok(const svc_model_t *m, const op_t *op, const char *query, const char *body)
{
    wire_req_t w = {.method = STR("POST"), .path = STR("/"), .query = str_c(query), .body = str_c(body)};
    val_t *in = val_new(A, VAL_STRUCT);
    proto_fail_t f = {0};
    int rc = proto__query_parse(m, op, &w, A, in, &f);
    if (rc != GR_OK) fail_msg("parse failed: %s", f.msg);
    return in;
}

static proto_fail_t parse_fail(const svc_model_t *m, const op_t *op, const char *body)
{
    wire_req_t w = {.method = STR("POST"), .path = STR("/"), .body = str_c(body)};
    val_t *in = val_new(A, VAL_STRUCT);
    proto_fail_t f = {0};
    assert_int_equal(proto__query_parse(m, op, &w, A, in, &f), GR_ERR);
    assert_non_null(f.msg);
    return f;
}

static const op_t *sts_op(const char *name)
{
    const op_t *op = model_find_op(&gen_model_sts, str_c(name));
    assert_non_null(op);
    return op;
}

static void test_sts_assume_role(void **st)
{
    /* as botocore 1.29 sends sts.assume_role(...) */
    val_t *in = parse_ok(&gen_model_sts, sts_op("AssumeRole"), "",
                         "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr"
                         "&RoleSessionName=s+1&PolicyArns.member.1.arn=arn%3Ap1&PolicyArns.member.2.arn=arn%3Ap2"
                         "&DurationSeconds=900&Tags.member.1.Key=k&Tags.member.1.Value=&TransitiveTagKeys.member.1=k");
    ASSERT_STR(val_get_str(in, "RoleArn"), "arn:aws:iam::000000000000:role/r");
    ASSERT_STR(val_get_str(in, "RoleSessionName"), "s 1");
    assert_int_equal(val_get_int(in, "DurationSeconds", -1), 900);
    val_t *pa = val_get(in, "PolicyArns");
    assert_non_null(pa);
    assert_int_equal(pa->kind, VAL_LIST);
    assert_int_equal(val_len(pa), 2);
    ASSERT_STR(val_get_str(pa->u.list.v[0], "arn"), "arn:p1");
    ASSERT_STR(val_get_str(pa->u.list.v[1], "arn"), "arn:p2");
    val_t *tags = val_get(in, "Tags");
    assert_int_equal(val_len(tags), 1);
    ASSERT_STR(val_get_str(tags->u.list.v[0], "Key"), "k");
    ASSERT_STR(val_get_str(tags->u.list.v[0], "Value"), "");
    assert_int_equal(val_len(val_get(in, "TransitiveTagKeys")), 1);
    assert_null(val_get(in, "Action")); /* not a member */
    assert_null(val_get(in, "Policy"));
}

static void test_order_and_query_string(void **st)
{
    /* numeric order, not text order; sparse indices; values from the query string too */
    val_t *in = parse_ok(&gen_model_sts, sts_op("AssumeRole"), "RoleArn=q",
                         "TransitiveTagKeys.member.10=ten&TransitiveTagKeys.member.2=two&TransitiveTagKeys.member.1=one"
                         "&TransitiveTagKeys.member.x=ignored&RoleSessionName=a&RoleSessionName=b");
    val_t *l = val_get(in, "TransitiveTagKeys");
    assert_int_equal(val_len(l), 3);
    ASSERT_STR(l->u.list.v[0]->u.s, "one");
    ASSERT_STR(l->u.list.v[1]->u.s, "two");
    ASSERT_STR(l->u.list.v[2]->u.s, "ten");
    ASSERT_STR(val_get_str(in, "RoleArn"), "q");
    ASSERT_STR(val_get_str(in, "RoleSessionName"), "b"); /* the last duplicate wins */
}

static void test_empty_list(void **st)
{
    /* AWS: botocore's QuerySerializer sends an empty list as "Name=" */
    val_t *in = parse_ok(&gen_model_sts, sts_op("AssumeRole"), "", "RoleArn=r&RoleSessionName=s&Tags=");
    val_t *tags = val_get(in, "Tags");
    assert_non_null(tags);
    assert_int_equal(tags->kind, VAL_LIST);
    assert_int_equal(val_len(tags), 0);
}

static void test_refusals(void **st)
{
    proto_fail_t f = parse_fail(&gen_model_sts, sts_op("AssumeRole"), "RoleArn=%zz");
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
    f = parse_fail(&gen_model_sts, sts_op("AssumeRole"), "DurationSeconds=12x");
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_string_equal(f.member, "DurationSeconds");
}

/* ==== hand-built shapes: maps and flattened lists ==== */

static const shape_t S_STR = {.name = "S", .type = SH_STRING};
static const shape_t S_BOOL = {.name = "B", .type = SH_BOOLEAN};
static const shape_t S_TS = {.name = "T", .type = SH_TIMESTAMP};
static const shape_t S_BLOB = {.name = "Bl", .type = SH_BLOB};
static const member_t MAP_KV[] = {{.name = "key", .loc_name = "Name", .shape = &S_STR},
                                  {.name = "value", .loc_name = "Value", .shape = &S_STR}};
static const shape_t S_MAP = {.name = "M", .type = SH_MAP, .nmembers = 2, .members = MAP_KV};
static const member_t MAP_DEF[] = {{.name = "key", .shape = &S_STR}, {.name = "value", .shape = &S_BOOL}};
static const shape_t S_MAP2 = {.name = "M2", .type = SH_MAP, .nmembers = 2, .members = MAP_DEF};
static const member_t EL_NAMED[] = {{.name = "member", .loc_name = "Item", .shape = &S_STR}};
static const shape_t S_FLAT = {.name = "F", .type = SH_LIST, .flags = SF_FLATTENED, .nmembers = 1, .members = EL_NAMED};
static const member_t EL_PLAIN[] = {{.name = "member", .shape = &S_STR}};
static const shape_t S_FLAT2 = {.name = "F2", .type = SH_LIST, .nmembers = 1, .members = EL_PLAIN};
static const member_t IN_M[] = {
    {.name = "Attributes", .loc_name = "Attribute", .shape = &S_MAP, .flags = MF_FLATTENED},
    {.name = "Flags", .shape = &S_MAP2},
    {.name = "Items", .shape = &S_FLAT},
    {.name = "Plain", .shape = &S_FLAT2, .flags = MF_FLATTENED},
    {.name = "When", .shape = &S_TS},
    {.name = "Data", .shape = &S_BLOB},
};
static const shape_t S_IN = {.name = "In", .type = SH_STRUCTURE, .nmembers = 6, .members = IN_M};
static const op_t OP_X = {.name = "DoThing",
                          .method = "POST",
                          .uri = "/",
                          .input = &S_IN,
                          .output = &S_IN,
                          .result_wrapper = "DoThingResult"};
static const svc_model_t M_X = {
    .id = "x", .protocol = PROTO_QUERY, .api_version = "2020-01-01", .endpoint_prefix = "x", .ops = &OP_X, .nops = 1};

static void test_maps_and_flattened(void **st)
{
    /* the names botocore's QuerySerializer gives these shapes */
    val_t *in = parse_ok(&M_X, &OP_X, "",
                         "Attribute.1.Name=a&Attribute.1.Value=1&Attribute.2.Name=b&Attribute.2.Value=2"
                         "&Flags.entry.1.key=on&Flags.entry.1.value=true"
                         "&Item.1=x&Item.2=y&Plain.1=p"
                         "&When=2015-08-30T12%3A36%3A00.5Z&Data=aGk%3D");
    val_t *m = val_get(in, "Attributes");
    assert_non_null(m);
    assert_int_equal(m->kind, VAL_MAP);
    assert_int_equal(val_len(m), 2);
    ASSERT_STR(val_get_str(m, "a"), "1");
    ASSERT_STR(val_get_str(m, "b"), "2");
    assert_true(val_get_bool(val_get(in, "Flags"), "on", false));
    val_t *items = val_get(in, "Items");
    assert_int_equal(val_len(items), 2);
    ASSERT_STR(items->u.list.v[1]->u.s, "y");
    assert_int_equal(val_len(val_get(in, "Plain")), 1);
    val_t *when = val_get(in, "When");
    assert_int_equal(when->kind, VAL_TIME);
    assert_int_equal(when->u.t, 1440938160500000LL);
    val_t *data = val_get(in, "Data");
    assert_int_equal(data->kind, VAL_BLOB);
    ASSERT_STR(data->u.s, "hi");
}

/* a recursive shape cannot be followed down a key of any length */
extern const shape_t S_NODE;
static const member_t NODE_M[] = {{.name = "Next", .shape = &S_NODE}, {.name = "V", .shape = &S_STR}};
const shape_t S_NODE = {.name = "Node", .type = SH_STRUCTURE, .nmembers = 2, .members = NODE_M};
static const op_t OP_NODE = {.name = "Deep", .method = "POST", .uri = "/", .input = &S_NODE};

static void test_depth_limit(void **st)
{
    buf_t b;
    buf_init(&b, A);
    for (int i = 0; i < 10; i++) buf_puts(&b, "Next.");
    buf_puts(&b, "V=ok");
    val_t *in = parse_ok(&M_X, &OP_NODE, "", buf_str(&b).p);
    for (int i = 0; i < 10; i++) in = val_get(in, "Next");
    ASSERT_STR(val_get_str(in, "V"), "ok");
    buf_init(&b, A);
    for (int i = 0; i < 1000; i++) buf_puts(&b, "Next.");
    buf_puts(&b, "V=deep");
    proto_fail_t f = parse_fail(&M_X, &OP_NODE, buf_str(&b).p);
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
}

/* ==== responses ==== */

static void test_serialize(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "UserId", val_cstr(A, "AIDA<1>"));
    val_set_c(A, out, "Account", val_cstr(A, "000000000000"));
    val_set_c(A, out, "Arn", val_cstr(A, "arn:aws:iam::000000000000:root"));
    assert_int_equal(proto__query_serialize(&gen_model_sts, sts_op("GetCallerIdentity"), out, "rid-1", A, &r), GR_OK);
    assert_int_equal(r.status, 200);
    ASSERT_STR(wire_resp_get_header(&r, "Content-Type"), "text/xml");
    ASSERT_STR(wire_resp_get_header(&r, "x-amzn-RequestId"), "rid-1");
    assert_string_equal(buf_str(&r.body).p,
                        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                        "<GetCallerIdentityResult><UserId>AIDA&lt;1&gt;</UserId><Account>000000000000</Account>"
                        "<Arn>arn:aws:iam::000000000000:root</Arn></GetCallerIdentityResult>"
                        "<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>"
                        "</GetCallerIdentityResponse>");
}

static void test_serialize_shapes(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *out = val_new(A, VAL_STRUCT);
    val_t *m = val_new(A, VAL_MAP);
    val_set_c(A, m, "a", val_cstr(A, "1"));
    val_set_c(A, out, "Attributes", m);
    val_t *items = val_new(A, VAL_LIST);
    val_push(A, items, val_cstr(A, "x"));
    val_set_c(A, out, "Items", items);
    val_set_c(A, out, "When", val_time(A, 1440938160000000LL));
    assert_int_equal(proto__query_serialize(&M_X, &OP_X, out, "r", A, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "<DoThingResponse xmlns=\"http://x.amazonaws.com/doc/2020-01-01/\">"
                                            "<DoThingResult><Attribute><Name>a</Name><Value>1</Value></Attribute>"
                                            "<Item>x</Item><When>2015-08-30T12:36:00Z</When></DoThingResult>"
                                            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                                            "</DoThingResponse>");
}

static void test_error(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *extra = val_new(A, VAL_STRUCT);
    val_set_c(A, extra, "Detail", val_cstr(A, "d"));
    assert_int_equal(proto__query_error(&gen_model_sts, &ERR_AccessDenied, "no & no", extra, "rid-2", A, &r), GR_OK);
    assert_int_equal(r.status, ERR_AccessDenied.status);
    ASSERT_STR(wire_resp_get_header(&r, "x-amzn-RequestId"), "rid-2");
    assert_string_equal(buf_str(&r.body).p, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                                            "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                            "<Message>no &amp; no</Message><Detail>d</Detail></Error>"
                                            "<RequestId>rid-2</RequestId></ErrorResponse>");
    wire_resp_init(&r, A);
    assert_int_equal(proto__query_error(&gen_model_sts, &ERR_InternalFailure, NULL, NULL, "r", A, &r), GR_OK);
    assert_non_null(strstr(buf_str(&r.body).p, "<Type>Receiver</Type><Code>InternalFailure</Code></Error>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sts_assume_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_query_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maps_and_flattened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialize_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
