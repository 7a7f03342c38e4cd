/* dispatch_test.c — the whole pipeline in process: a signed request in, an
 * AWS response out, for each protocol and each way a request can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "harness/loopback.h"

static const char FORM[] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";

static bool body_has(req_t *r, const char *needle) { return strstr(buf_str(&r->resp.body).p, needle) != NULL; }

static void test_sts_get_caller_identity(void **state)
{
    (void)state;
    req_t *r = loopback_call(lb, &(lb_call_t){.body = "Action=GetCallerIdentity&Version=2011-06-15",
                                              .headers = {FORM}, .service = "sts"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "<Arn>arn:aws:iam::000000000000:root</Arn>"));
    assert_true(body_has(r, "<Account>000000000000</Account>"));
    assert_true(body_has(r, r->id));
    arena_free(r->arena);
}

static void test_sts_failures(void **state)
{
    (void)state;
    struct {
        lb_call_t c;
        int status;
        const char *code;
    } cases[] = {
        {{.body = "Action=GetCallerIdentity&Version=2011-06-15", .headers = {FORM}, .service = "sts",
          .secret = "wrong"},
         403, "<Code>SignatureDoesNotMatch</Code>"},
        {{.body = "Action=GetCallerIdentity&Version=2011-06-15", .headers = {FORM}, .service = "sts",
          .key = "AKIAIOSFODNN7EXAMPLE"},
         403, "<Code>InvalidClientTokenId</Code>"},
        {{.body = "Action=GetCallerIdentity&Version=2011-06-15", .headers = {FORM}}, 403,
         "<Code>MissingAuthenticationToken</Code>"},
        {{.body = "Action=GetCallerIdentity&Version=2011-06-15", .headers = {FORM}, .service = "sts",
          .skew_s = 1200},
         400, "<Code>RequestExpired</Code>"},
        {{.body = "Action=Nope&Version=2011-06-15", .headers = {FORM}, .service = "sts"}, 400,
         "<Code>InvalidAction</Code>"},
        {{.body = "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=xyz", .headers = {FORM},
          .service = "sts"},
         501, "<Code>NotImplemented</Code>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        req_t *r = loopback_call(lb, &cases[i].c);
        if (r->resp.status != cases[i].status || !body_has(r, cases[i].code))
            fail_msg("case %zu: status %d body %s", i, r->resp.status, buf_str(&r->resp.body).p);
        arena_free(r->arena);
    }
}

static void test_json_and_rest_protocols(void **state)
{
    (void)state;
    req_t *r = loopback_call(lb, &(lb_call_t){.body = "{}",
                                              .headers = {"X-Amz-Target: DynamoDB_20120810.ListTables",
                                                          "Content-Type: application/x-amz-json-1.0"},
                                              .service = "dynamodb"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "\"TableNames\":[]"));
    arena_free(r->arena);

    r = loopback_call(lb, &(lb_call_t){.body = "{}",
                                       .headers = {"X-Amz-Target: DynamoDB_20120810.ListTables",
                                                   "Content-Type: application/x-amz-json-1.0"},
                                       .service = "dynamodb", .key = "AKIAIOSFODNN7EXAMPLE"});
    assert_int_equal(r->resp.status, 400);
    assert_true(body_has(r, "UnrecognizedClientException"));
    arena_free(r->arena);

    r = loopback_call(lb, &(lb_call_t){.method = "GET", .path = "/2015-03-31/functions/", .service = "lambda"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "\"Functions\":[]"));
    arena_free(r->arena);

    r = loopback_call(lb, &(lb_call_t){.method = "GET", .path = "/", .service = "s3"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "<ListAllMyBucketsResult"));
    arena_free(r->arena);

    r = loopback_call(lb, &(lb_call_t){.method = "GET", .path = "/", .service = "s3", .secret = "x"});
    assert_int_equal(r->resp.status, 403);
    assert_true(body_has(r, "<Code>SignatureDoesNotMatch</Code>"));
    assert_true(body_has(r, "<StringToSign>"));
    arena_free(r->arena);
}

static void test_ec2_zones_by_scope_region(void **state)
{
    (void)state;
    req_t *r = loopback_call(lb, &(lb_call_t){.body = "Action=DescribeAvailabilityZones&Version=2016-11-15",
                                              .headers = {FORM}, .service = "ec2", .region = "ap-northeast-2"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "<zoneName>ap-northeast-2d</zoneName>"));
    assert_false(body_has(r, "ap-northeast-2e"));
    arena_free(r->arena);
}

static void test_health(void **state)
{
    (void)state;
    req_t *r = loopback_call(lb, &(lb_call_t){.method = "GET", .path = "/_gureum/health"});
    assert_int_equal(r->resp.status, 200);
    assert_true(body_has(r, "\"sts\":{\"state\":\"running\""));
    arena_free(r->arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sts_get_caller_identity),
        cmocka_unit_test(test_sts_failures),
        cmocka_unit_test(test_json_and_rest_protocols),
        cmocka_unit_test(test_ec2_zones_by_scope_region),
        cmocka_unit_test(test_health),
    };
    return cmocka_run_group_tests_name("services/dispatch", tests, loopback_setup, loopback_teardown);
}
