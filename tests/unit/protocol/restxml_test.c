/* restxml_test.c — unit tests for src/protocol/restxml.c on the S3 model:
 * request bodies as botocore's RestXMLSerializer writes them (structure
 * payloads, flattened lists, xsi:type attributes, raw blob payloads),
 * malformed bodies refused, S3 response documents (root names, namespace,
 * GetBucketLocation's bare element, string payloads) and the S3 error
 * document with its request-id headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "protocol/xml.h"
#include "s3_model.h"

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
#define NS "http://s3.amazonaws.com/doc/2006-03-01/"

static const op_t *s3_op(const char *name)
{
    const op_t *op = model_find_op(&gen_model_s3, str_c(name));
    assert_non_null(op);
    return op;
}

static int parse(const char *op, const char *method, const char *path, const char *query, str_t body, val_t **in,
                 proto_fail_t *f)
{
    wire_req_t w = {.method = str_c(method), .path = str_c(path), .query = str_c(query), .body = body};
    *in = val_new(A, VAL_STRUCT);
    memset(f, 0, sizeof *f);
    return proto__restxml_parse(&gen_model_s3, s3_op(op), &w, A, *in, f);
}

static val_t *parse_ok(const char *op, const char *method, const char *path, const char *query, const char *body)
{
    val_t *in;
    proto_fail_t f;
    if (parse(op, method, path, query, str_c(body), &in, &f) != GR_OK) fail_msg("parse failed: %s", f.msg);
    return in;
}

static void test_create_bucket(void **st)
{
    val_t *in =
        parse_ok("CreateBucket", "PUT", "/b1", "",
                 "<CreateBucketConfiguration xmlns=\"" NS "\"><LocationConstraint>eu-west-1</LocationConstraint>"
                 "</CreateBucketConfiguration>");
    val_t *cfg = val_get(in, "CreateBucketConfiguration");
    assert_non_null(cfg);
    ASSERT_STR(val_get_str(cfg, "LocationConstraint"), "eu-west-1");
    /* no body: no configuration */
    in = parse_ok("CreateBucket", "PUT", "/b1", "", "");
    assert_null(val_get(in, "CreateBucketConfiguration"));
    in = parse_ok("CreateBucket", "PUT", "/b1", "", " \n");
    assert_null(val_get(in, "CreateBucketConfiguration"));
}

static void test_delete_objects(void **st)
{
    /* AWS: DeleteObjects lists <Object> flattened under <Delete> */
    val_t *in = parse_ok("DeleteObjects", "POST", "/b1", "delete",
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete xmlns=\"" NS "\">\n"
                         "  <Object><Key>a &amp; b</Key></Object>\n"
                         "  <Object><Key><![CDATA[c<d]]></Key><VersionId>v1</VersionId></Object>\n"
                         "  <Quiet> true </Quiet>\n</Delete>");
    val_t *d = val_get(in, "Delete");
    assert_non_null(d);
    val_t *objs = val_get(d, "Objects");
    assert_non_null(objs);
    assert_int_equal(val_len(objs), 2);
    ASSERT_STR(val_get_str(objs->u.list.v[0], "Key"), "a & b");
    ASSERT_STR(val_get_str(objs->u.list.v[1], "Key"), "c<d");
    ASSERT_STR(val_get_str(objs->u.list.v[1], "VersionId"), "v1");
    assert_true(val_get_bool(d, "Quiet", false));
}

static void test_acl_attribute(void **st)
{
    val_t *in = parse_ok("PutBucketAcl", "PUT", "/b1", "acl",
                         "<AccessControlPolicy xmlns=\"" NS "\"><AccessControlList><Grant>"
                         "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">"
                         "<ID>abc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList>"
                         "<Owner><ID>own</ID></Owner></AccessControlPolicy>");
    val_t *acp = val_get(in, "AccessControlPolicy");
    val_t *grants = val_get(acp, "Grants");
    assert_int_equal(val_len(grants), 1);
    val_t *g = val_get(grants->u.list.v[0], "Grantee");
    ASSERT_STR(val_get_str(g, "Type"), "CanonicalUser");
    ASSERT_STR(val_get_str(g, "ID"), "abc");
    ASSERT_STR(val_get_str(grants->u.list.v[0], "Permission"), "READ");
    ASSERT_STR(val_get_str(val_get(acp, "Owner"), "ID"), "own");
}

static void test_numbers_trimmed(void **st)
{
    val_t *in = parse_ok("RestoreObject", "POST", "/b1/k", "restore",
                         "<RestoreRequest xmlns=\"" NS "\"><Days>\n  5\n</Days></RestoreRequest>");
    assert_int_equal(val_get_int(val_get(in, "RestoreRequest"), "Days", -1), 5);
}

static void test_blob_payload(void **st)
{
    static const char bytes[] = "\x00\x01<not xml>";
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse("PutObject", "PUT", "/b1/k", "", str_n(bytes, sizeof bytes - 1), &in, &f), GR_OK);
    val_t *body = val_get(in, "Body");
    assert_non_null(body);
    assert_int_equal(body->kind, VAL_BLOB);
    assert_int_equal(body->u.s.len, sizeof bytes - 1);
    assert_memory_equal(body->u.s.p, bytes, sizeof bytes - 1);
}

static void test_malformed(void **st)
{
    val_t *in;
    proto_fail_t f;
    assert_int_equal(parse("PutBucketTagging", "PUT", "/b1", "tagging", STR("<Tagging><TagSet></Tagging>"), &in, &f),
                     GR_ERR);
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
    assert_non_null(strstr(f.msg, "not well-formed"));
    assert_int_equal(parse("PutBucketTagging", "PUT", "/b1", "tagging",
                           STR("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Tagging>&e;</Tagging>"), &in,
                           &f),
                     GR_ERR);
    assert_int_equal(f.kind, PROTO_E_SYNTAX);
    assert_int_equal(parse("RestoreObject", "POST", "/b1/k", "restore",
                           STR("<RestoreRequest><Days>five</Days></RestoreRequest>"), &in, &f),
                     GR_ERR);
    assert_int_equal(f.kind, PROTO_E_TYPE);
}

/* ==== responses ==== */

static void test_list_buckets(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *b = val_new(A, VAL_STRUCT);
    val_set_c(A, b, "Name", val_cstr(A, "b1"));
    val_set_c(A, b, "CreationDate", val_time(A, 1440938160000000LL));
    val_t *bs = val_new(A, VAL_LIST);
    val_push(A, bs, b);
    val_t *owner = val_new(A, VAL_STRUCT);
    val_set_c(A, owner, "ID", val_cstr(A, "own"));
    val_t *out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "Buckets", bs);
    val_set_c(A, out, "Owner", owner);
    assert_int_equal(proto__restxml_serialize(&gen_model_s3, s3_op("ListBuckets"), out, "rid", A, &r), GR_OK);
    assert_int_equal(r.status, 200);
    ASSERT_STR(wire_resp_get_header(&r, "x-amz-request-id"), "rid");
    assert_non_null(wire_resp_get_header(&r, "x-amz-id-2").p);
    ASSERT_STR(wire_resp_get_header(&r, "Content-Type"), "application/xml");
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<ListAllMyBucketsResult xmlns=\"" NS "\"><Buckets><Bucket><Name>b1</Name>"
                                            "<CreationDate>2015-08-30T12:36:00.000Z</CreationDate></Bucket></Buckets>"
                                            "<Owner><ID>own</ID></Owner></ListAllMyBucketsResult>");
}

static void test_bucket_location(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "LocationConstraint", val_cstr(A, "eu-west-1"));
    assert_int_equal(proto__restxml_serialize(&gen_model_s3, s3_op("GetBucketLocation"), out, "rid", A, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<LocationConstraint xmlns=\"" NS "\">eu-west-1</LocationConstraint>");
    wire_resp_init(&r, A);
    assert_int_equal(
        proto__restxml_serialize(&gen_model_s3, s3_op("GetBucketLocation"), val_new(A, VAL_STRUCT), "rid", A, &r),
        GR_OK);
    assert_string_equal(buf_str(&r.body).p,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" NS "\"/>");
}

static void test_tagging_and_policy(void **st)
{
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *tag = val_new(A, VAL_STRUCT);
    val_set_c(A, tag, "Key", val_cstr(A, "k"));
    val_set_c(A, tag, "Value", val_cstr(A, "v"));
    val_t *ts = val_new(A, VAL_LIST);
    val_push(A, ts, tag);
    val_t *out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "TagSet", ts);
    assert_int_equal(proto__restxml_serialize(&gen_model_s3, s3_op("GetBucketTagging"), out, "rid", A, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<Tagging xmlns=\"" NS "\"><TagSet><Tag><Key>k</Key><Value>v</Value>"
                                            "</Tag></TagSet></Tagging>");
    /* a string payload is the body itself */
    wire_resp_init(&r, A);
    out = val_new(A, VAL_STRUCT);
    val_set_c(A, out, "Policy", val_cstr(A, "{\"Version\":\"2012-10-17\"}"));
    assert_int_equal(proto__restxml_serialize(&gen_model_s3, s3_op("GetBucketPolicy"), out, "rid", A, &r), GR_OK);
    assert_string_equal(buf_str(&r.body).p, "{\"Version\":\"2012-10-17\"}");
}

static void test_error(void **st)
{
    /* AWS: S3 answers NoSuchKey with 404 (the 1.29 model carries no status for it) */
    static const aws_errdef_t nosuchkey = {"NoSuchKey", 404, true};
    wire_resp_t r;
    wire_resp_init(&r, A);
    val_t *extra = val_new(A, VAL_STRUCT);
    val_set_c(A, extra, "Key", val_cstr(A, "a<b"));
    assert_int_equal(
        proto__restxml_error(&gen_model_s3, &nosuchkey, "The specified key does not exist.", extra, "rid", A, &r),
        GR_OK);
    assert_int_equal(r.status, 404);
    ASSERT_STR(wire_resp_get_header(&r, "x-amz-request-id"), "rid");
    ASSERT_STR(wire_resp_get_header(&r, "x-amz-id-2"), "cmlk");
    assert_string_equal(buf_str(&r.body).p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                                            "</Message><Key>a&lt;b</Key><RequestId>rid</RequestId>"
                                            "<HostId>cmlk</HostId></Error>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_bucket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acl_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tagging_and_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("restxml", tests, NULL, NULL);
}
