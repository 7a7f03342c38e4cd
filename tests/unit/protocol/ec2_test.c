/* ec2_test.c — unit tests for src/protocol/ec2.c: forms named as botocore's
 * EC2Serializer names them (queryName, capitalized locationName, lists
 * always Name.N), the <OpResponse><requestId/>…</OpResponse> document with
 * lower-case-first element names and <item> lists, and the
 * <Response><Errors> error document with RequestID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ec2_model.h"
#include "protocol/xml.h"

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

static const op_t *ec2_op(const char *name)
{
    const op_t *op = model_find_op(&gen_model_ec2, str_c(name));
    assert_non_null(op);
    return op;
}

static val_t *parse_ok(const char *op, const char *body)
{
    wire_req_t w = {.method = STR("POST"), .path = STR("/"), .body = str_c(body)};
    val_t *in = val_new(A, VAL_STRUCT);
    proto_fail_t f = {0};
    if (proto__ec2_parse(&gen_model_ec2, ec2_op(op), &w, A, in, &f) != GR_OK) fail_msg("parse failed: %s", f.msg);
    return in;
}

static void test_describe_instances(void **st)
{
    /* as botocore sends ec2.describe_instances(Filters=[…], InstanceIds=[…], DryRun=True, MaxResults=5) */
    val_t *in = parse_ok("DescribeInstances", "Action=DescribeInstances&Version=2016-11-15"
                                              "&Filter.1.Name=instance-state-name&Filter.1.Value.1=running"
                                              "&Filter.1.Value.2=stopped&Filter.2.Name=tag%3Aa&InstanceId.1=i-1"
                                              "&InstanceId.2=i-2&DryRun=true&MaxResults=5");
    val_t *f = val_get(in, "Filters");
    assert_int_equal(val_len(f), 2);
    ASSERT_STR(val_get_str(f->u.list.v[0], "Name"), "instance-state-name");
    val_t *vals = val_get(f->u.list.v[0], "Values");
    assert_int_equal(val_len(vals), 2);
    ASSERT_STR(vals->u.list.v[1]->u.s, "stopped");
    ASSERT_STR(val_get_str(f->u.list.v[1], "Name"), "tag:a");
    assert_int_equal(val_len(val_get(in, "InstanceIds")), 2);
    assert_true(val_get_bool(in, "DryRun", false));
    assert_int_equal(val_get_int(in, "MaxResults", 0), 5);
}

static void test_create_tags(void **st)
{
    val_t *in = parse_ok("CreateTags", "Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-1&Tag.1.Key=Name"
                                       "&Tag.1.Value=web");
    val_t *r = val_get(in, "Resources");
    assert_int_equal(val_len(r), 1);
    ASSERT_STR(r->u.list.v[0]->u.s, "vpc-1");
    val_t *t = val_get(in, "Tags");
    ASSERT_STR(val_get_str(t->u.list.v[0], "Key"), "Name");
    ASSERT_STR(val_get_str(t->u.list.v[0], "Value"), "web");
}

static void test_query_style_names_ignored(void **st)
{
    /* the query protocol's .member. form is not EC2's: no values come out of it */
    val_t *in = parse_ok("CreateTags", "ResourceId.member.1=vpc-1&Resources.1=x");
    assert_int_equal(val_len(val_get(in, "Resources")), 0);
}

/* Elements come in the model's member order, whatever order the service set them in. */
static void test_serialize(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *state = val_new(A, VAL_STRUCT);
    val_set_c(A, state, "Code", val_int(A, 16));
    val_set_c(A, state, "Name", val_cstr(A, "running"));
    val_t *inst = val_new(A, VAL_STRUCT);
    val_set_c(A, inst, "InstanceId", val_cstr(A, "i-1"));
    val_set_c(A, inst, "State", state);
    val_t *insts = val_new(A, VAL_LIST);
    val_push(A, insts, inst);
    val_t *res = val_new(A, VAL_STRUCT);
    val_set_c(A, res, "ReservationId", val_cstr(A, "r-1"));
    val_set_c(A, res, "Instances", insts);
    val_t *ress = val_new(A, VAL_LIST);
    val_push(A, ress, res);
    val_t *out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "Reservations", ress);
    assert_int_equal(proto__ec2_serialize(&gen_model_ec2, ec2_op("DescribeInstances"), out, "rid", A, &r), GR_OK);
    assert_int_equal(r.status, 200);
    ASSERT_STR(wire_resp_get_header(&r, "Content-Type"), "text/xml;charset=UTF-8");
    assert_string_equal(buf_str(&r.body).p,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                        "<requestId>rid</requestId><reservationSet><item>"
                        "<instancesSet><item><instanceId>i-1</instanceId>"
                        "<instanceState><code>16</code><name>running</name></instanceState>"
                        "</item></instancesSet><reservationId>r-1</reservationId></item></reservationSet>"
                        "</DescribeInstancesResponse>");
}

static void test_serialize_no_output(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    assert_int_equal(proto__ec2_serialize(&gen_model_ec2, ec2_op("CreateTags"), NULL, "rid", A, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<CreateTagsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                                            "<requestId>rid</requestId></CreateTagsResponse>");
}

static void test_error(void **st)
{
    static const aws_errdef_t notfound = {"InvalidInstanceID.NotFound", 400, true};
    wire_resp_t r;
    wire_resp_init(&r, A);
    assert_int_equal(
        proto__ec2_error(&gen_model_ec2, &notfound, "The instance ID 'i-1' does not exist", NULL, "rid", A, &r), GR_OK);
    assert_int_equal(r.status, 400);
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
                                            "<Message>The instance ID 'i-1' does not exist</Message></Error></Errors>"
                                            "<RequestID>rid</RequestID></Response>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_describe_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_style_names_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serialize_no_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("ec2", tests, NULL, NULL);
}
