/* route_test.c — request → service, by each rule AWS endpoints use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "route/route.h"

static route_t route(const char *method, const char *host, const char *path, const char *query, const char *body,
                     const char *target, const char *scope_service, wire_req_t *w, arena_t *a)
{
    static kv_t hdr[2];
    size_t n = 0;
    if (target) hdr[n++] = (kv_t){STR("X-Amz-Target"), str_c(target)};
    *w = (wire_req_t){.method = str_c(method),
                      .path = str_c(path),
                      .query = str_c(query ? query : ""),
                      .body = str_c(body ? body : ""),
                      .host = str_c(host),
                      .headers = hdr,
                      .nheaders = n};
    sigv4_t s = {.status = scope_service ? SIGV4_OK : SIGV4_NONE};
    if (scope_service) {
        s.service = str_c(scope_service);
        s.region = STR("ap-northeast-2");
    }
    route_t rt;
    route_request(w, &s, "us-east-1", a, &rt);
    return rt;
}

static void test_each_rule(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_req_t w;
    route_t rt = route("GET", "localhost:4566", "/_gureum/health", NULL, NULL, NULL, NULL, &w, a);
    assert_int_equal(rt.kind, ROUTE_INSPECT);

    rt = route("POST", "localhost:4566", "/", NULL, "{}", "DynamoDB_20120810.ListTables", "dynamodb", &w, a);
    assert_string_equal(rt.svc->name, "dynamodb");
    assert_true(str_eq_c(rt.region, "ap-northeast-2"));

    rt = route("POST", "localhost:4566", "/", NULL, "{}", "Logs_20140328.DescribeLogGroups", "logs", &w, a);
    assert_string_equal(rt.svc->name, "logs");

    rt = route("POST", "localhost:4566", "/", NULL, "Action=GetCallerIdentity&Version=2011-06-15", NULL, "sts", &w, a);
    assert_string_equal(rt.svc->name, "sts");

    /* Unsigned query call: the Version names the API. */
    rt = route("POST", "localhost:4566", "/", NULL, "Action=DescribeRegions&Version=2016-11-15", NULL, NULL, &w, a);
    assert_string_equal(rt.svc->name, "ec2");
    assert_true(str_eq_c(rt.region, "us-east-1"));

    rt = route("GET", "127.0.0.1:4566", "/2015-03-31/functions/", NULL, NULL, NULL, "lambda", &w, a);
    assert_string_equal(rt.svc->name, "lambda");

    /* Anonymous and unknown: S3 path-style, as s3.amazonaws.com. */
    rt = route("GET", "127.0.0.1:4566", "/bucket/key", NULL, NULL, NULL, NULL, &w, a);
    assert_string_equal(rt.svc->name, "s3");
    assert_true(str_eq_c(w.path, "/bucket/key"));
    arena_free(a);
}

/* A function URL's Host takes the whole request, whatever its path or
 * signature; anything else with ".lambda-url." in it does not. */
static void test_lambda_url_hosts(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_req_t w;
    route_t rt = route("POST", "Abc123.lambda-url.eu-west-1.localhost:4566", "/_gureum/health", "x=1", NULL,
                       "DynamoDB_20120810.ListTables", "dynamodb", &w, a);
    assert_int_equal(rt.kind, ROUTE_LAMBDA_URL);
    assert_true(str_eq_c(rt.url_id, "abc123"));
    assert_true(str_eq_c(rt.region, "eu-west-1"));
    assert_true(str_eq_c(w.path, "/_gureum/health"));
    const char *not_urls[] = {"lambda-url.eu-west-1.localhost", "x.lambda-url..localhost", "x.lambda-url.a.b.localhost",
                              "x.lambda-url.eu-west-1.on.aws", "x.y.lambda-url.eu-west-1.localhost"};
    for (size_t i = 0; i < sizeof not_urls / sizeof *not_urls; i++) {
        rt = route("GET", not_urls[i], "/", NULL, NULL, NULL, NULL, &w, a);
        assert_int_not_equal(rt.kind, ROUTE_LAMBDA_URL);
    }
    arena_free(a);
}

/* A distribution's edge Host (dXXXX.cloudfront.localhost, or its id) takes
 * the whole request, signed or not; the label is kept as sent (lower-case). */
static void test_cloudfront_hosts(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_req_t w;
    route_t rt = route("GET", "D1234abcd5678e.CloudFront.localhost:4566", "/img/a.png", "v=1", NULL, NULL, "s3", &w, a);
    assert_int_equal(rt.kind, ROUTE_CLOUDFRONT);
    assert_true(str_eq_c(rt.url_id, "d1234abcd5678e"));
    assert_true(str_eq_c(w.path, "/img/a.png"));
    const char *not_edges[] = {"cloudfront.localhost", ".cloudfront.localhost", "a.b.cloudfront.localhost",
                               "d1234.cloudfront.net", "d1234.cloudfront.localhost.evil"};
    for (size_t i = 0; i < sizeof not_edges / sizeof *not_edges; i++) {
        rt = route("GET", not_edges[i], "/", NULL, NULL, NULL, NULL, &w, a);
        assert_int_not_equal(rt.kind, ROUTE_CLOUDFRONT);
    }
    arena_free(a);
}

static void test_s3_virtual_hosts(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    wire_req_t w;
    struct {
        const char *host, *path, *want_path, *bucket;
        bool website;
    } cases[] = {
        {"my-bucket.s3.localhost:4566", "/a/b.txt", "/my-bucket/a/b.txt", "my-bucket", false},
        {"my.dotted.bucket.s3.ap-northeast-2.localhost:4566", "/k", "/my.dotted.bucket/k", "my.dotted.bucket", false},
        {"bucket.localhost:4566", "/", "/bucket", "bucket", false},
        {"BUCKET.localhost", "/x", "/bucket/x", "bucket", false},
        {"site.s3-website.ap-northeast-2.localhost:4566", "/", "/site", "site", true},
        {"site.s3-website-ap-northeast-2.localhost:4566", "/index.html", "/site/index.html", "site", true},
        {"s3.localhost:4566", "/b/k", "/b/k", NULL, false},
        {"s3.us-east-1.localhost:4566", "/b/k", "/b/k", NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        route_t rt = route("GET", cases[i].host, cases[i].path, NULL, NULL, NULL, "s3", &w, a);
        assert_string_equal(rt.svc->name, "s3");
        if (!str_eq_c(w.path, cases[i].want_path))
            fail_msg("case %zu: path %.*s, want %s", i, STR_FMT(w.path), cases[i].want_path);
        if (cases[i].bucket) assert_true(str_eq_c(rt.bucket, cases[i].bucket));
        assert_int_equal(rt.website, cases[i].website);
    }
    arena_free(a);
}

/* smithy-rpc-v2-cbor: the path's service name and smithy-protocol pick the
 * cbor twin, ahead of the signing name the service's rows all share. */
static const char *cbor_route(const char *method, const char *path, bool header, const char *target, arena_t *a)
{
    kv_t hdr[2];
    size_t n = 0;
    if (header) hdr[n++] = (kv_t){STR("smithy-protocol"), STR("rpc-v2-cbor")};
    if (target) hdr[n++] = (kv_t){STR("X-Amz-Target"), str_c(target)};
    wire_req_t w = {.method = str_c(method),
                    .path = str_c(path),
                    .query = STR(""),
                    .body = STR("\xa0"),
                    .host = STR("localhost:4566"),
                    .headers = hdr,
                    .nheaders = n};
    sigv4_t s = {.status = SIGV4_OK, .service = STR("monitoring"), .region = STR("us-east-1")};
    route_t rt;
    route_request(&w, &s, "us-east-1", a, &rt);
    return rt.svc ? rt.svc->name : "";
}

static void test_rpcv2_cbor(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const char P[] = "/service/GraniteServiceVersion20100801/operation/ListMetrics";
    assert_string_equal(cbor_route("POST", P, true, NULL, a), "cloudwatch-cbor");
    assert_string_equal(cbor_route("POST", "/x/service/GraniteServiceVersion20100801/operation/Y", true, NULL, a),
                        "cloudwatch-cbor");
    /* without the header, another method, or a service name no cbor row has: the signing name's row */
    assert_string_equal(cbor_route("POST", P, false, NULL, a), "cloudwatch");
    assert_string_equal(cbor_route("GET", P, true, NULL, a), "cloudwatch");
    assert_string_equal(cbor_route("POST", "/service/AmazonSQS/operation/ListQueues", true, NULL, a), "cloudwatch");
    /* X-Amz-Target finds the json twin, never the cbor one of the same name */
    assert_string_equal(cbor_route("POST", "/", false, "GraniteServiceVersion20100801.ListMetrics", a),
                        "cloudwatch-json");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_rule),        cmocka_unit_test(test_lambda_url_hosts),
        cmocka_unit_test(test_cloudfront_hosts), cmocka_unit_test(test_s3_virtual_hosts),
        cmocka_unit_test(test_rpcv2_cbor),
    };
    return cmocka_run_group_tests_name("route/route", tests, NULL, NULL);
}
