/* sigv2_test.c — unit tests for src/auth/sigv2.c with the examples of AWS's
 * "Signing and authenticating REST requests" (S3, Signature Version 2):
 * the Authorization-header GET of photos/puppy.jpg and the query-string
 * (presigned) form, then the failure statuses: a changed request, an
 * expired URL, a skewed or missing date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/sigv2.h"
#include "core/arena.h"
#include "core/gtime.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static int64_t at(const char *d)
{
    int64_t us = 0;
    assert_true(time_parse(str_c(d), &us));
    return us;
}

static void test_header_example(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    kv_t h[] = {{STR("Host"), STR("awsexamplebucket1.s3.us-west-1.amazonaws.com")},
                {STR("Date"), STR("Tue, 27 Mar 2007 19:36:42 +0000")},
                {STR("Authorization"), STR("AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")}};
    wire_req_t w = {
        .method = STR("GET"), .path = STR("/awsexamplebucket1/photos/puppy.jpg"), .headers = h, .nheaders = 3};
    sigv2_t s;
    assert_true(sigv2_parse(&w, a, &s));
    assert_false(s.presigned);
    assert_true(str_eq_c(s.access_key, "AKIAIOSFODNN7EXAMPLE"));
    int64_t now = at("Tue, 27 Mar 2007 19:40:00 GMT");
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now, &s), SIGV2_OK);
    assert_true(
        str_eq_c(s.string_to_sign, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg"));
    /* another method, another key, the wrong secret */
    w.method = STR("DELETE");
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now, &s), SIGV2_MISMATCH);
    w.method = STR("GET");
    w.path = STR("/awsexamplebucket1/photos/kitten.jpg");
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now, &s), SIGV2_MISMATCH);
    w.path = STR("/awsexamplebucket1/photos/puppy.jpg");
    assert_int_equal(sigv2_verify(&w, a, STR("nope"), now, &s), SIGV2_MISMATCH);
    /* 15 minutes is the limit either way */
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now + 20LL * 60 * 1000000, &s), SIGV2_SKEWED);
    /* Go's RFC1123 in UTC ends in "UTC" (rclone): a valid date, so only the
     * signature (made over the "+0000" text) fails */
    h[1].value = STR("Tue, 27 Mar 2007 19:36:42 UTC");
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now, &s), SIGV2_MISMATCH);
    h[1].value = STR("Tue, 27 Mar 2007 19:36:42 +0000");
    h[1].name = STR("X-Other");
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), now, &s), SIGV2_NO_DATE);
    arena_free(a);
}

static void test_query_example(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    kv_t h[] = {{STR("Host"), STR("johnsmith.s3.amazonaws.com")}};
    wire_req_t w = {.method = STR("GET"),
                    .path = STR("/johnsmith/photos/puppy.jpg"),
                    .headers = h,
                    .nheaders = 1,
                    .query = STR("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature="
                                 "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D")};
    sigv2_t s;
    assert_true(sigv2_parse(&w, a, &s));
    assert_true(s.presigned);
    int64_t before = 1175139000LL * 1000000;
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), before, &s), SIGV2_OK);
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), 1175139621LL * 1000000, &s), SIGV2_EXPIRED);
    /* a sub-resource is signed: adding ?acl breaks the signature */
    w.query =
        STR("acl&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D");
    assert_true(sigv2_parse(&w, a, &s));
    assert_int_equal(sigv2_verify(&w, a, STR(SECRET), before, &s), SIGV2_MISMATCH);
    arena_free(a);
}

static void test_not_v2(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    kv_t h[] = {{STR("Authorization"), STR("AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/s3/aws4_request")}};
    wire_req_t w = {.method = STR("GET"), .path = STR("/b"), .headers = h, .nheaders = 1};
    sigv2_t s;
    assert_false(sigv2_parse(&w, a, &s));
    w.nheaders = 0;
    assert_false(sigv2_parse(&w, a, &s));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_example),
        cmocka_unit_test(test_query_example),
        cmocka_unit_test(test_not_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
