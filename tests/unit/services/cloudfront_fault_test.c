/* cloudfront_fault_test.c — the fault loop (fault_loop_test.c) on
 * CloudFront's CreateDistributionWithTags: run with its 1st, 2nd, … SQLite
 * allocation failing until a run completes. Each run answers 201 or AWS's
 * 500, and leaves the distribution whole or absent: creating it again with
 * the same CallerReference is refused (DistributionAlreadyExists) exactly
 * when the faulted run succeeded, and then carries its one tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/fault.h"
#include "harness/loopback.h"

int store__fault_sqlite_malloc(bool on);

static char last_body[4096];

static int call(loopback_t *lb, const char *method, const char *path, const char *query, const char *body)
{
    req_t *r = loopback_call(lb, &(lb_call_t){.method = method,
                                              .path = path,
                                              .query = query,
                                              .body = body,
                                              .headers = {"Content-Type: application/xml"},
                                              .service = "cloudfront",
                                              .region = "us-east-1"});
    int status = r->resp.status;
    str_t b = buf_str(&r->resp.body);
    snprintf(last_body, sizeof last_body, "%.*s", (int)b.len, b.p ? b.p : "");
    arena_free(r->arena);
    return status;
}

static const char CONFIG[] =
    "<DistributionConfigWithTags xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><DistributionConfig>"
    "<CallerReference>ref-%u</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>o1</Id>"
    "<DomainName>b.s3.amazonaws.com</DomainName><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity>"
    "</S3OriginConfig></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>o1</TargetOriginId>"
    "<ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL><ForwardedValues>"
    "<QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues>"
    "</DefaultCacheBehavior><Comment>c</Comment><Enabled>true</Enabled></DistributionConfig>"
    "<Tags><Items><Tag><Key>k</Key><Value>v</Value></Tag></Items></Tags></DistributionConfigWithTags>";

static void test_create_distribution_under_allocation_faults(void **state)
{
    (void)state;
    loopback_t *lb = loopback_new();
    /* Warm up: open and migrate the database outside the loop. */
    assert_int_equal(call(lb, "GET", "/2020-05-31/distribution", "", NULL), 200);
    unsigned runs = 0, failed = 0;
    for (unsigned n = 1; n < 5000; n++) {
        char body[2048];
        snprintf(body, sizeof body, CONFIG, n);
        fault_reset();
        fault_arm("sqlite.malloc", n);
        int st = call(lb, "POST", "/2020-05-31/distribution", "WithTags", body);
        unsigned fired = fault_fired();
        fault_reset();
        runs++;
        if (st != 201) {
            failed++;
            if (st != 500 || !strstr(last_body, "<Code>InternalError</Code>"))
                fail_msg("fault at allocation %u: status %d: %s", n, st, last_body);
        }
        int again = call(lb, "POST", "/2020-05-31/distribution", "WithTags", body);
        if (st == 201 && again != 409) fail_msg("created at %u, but a second create answered %d", n, again);
        if (st != 201 && again != 201)
            fail_msg("refused at %u, and then a clean create answered %d: %s", n, again, last_body);
        if (!fired) break; /* ran to the end with no fault left to fire */
    }
    printf("CreateDistributionWithTags: %u runs, %u answered 500\n", runs, failed);
    assert_true(runs > 1);
    assert_int_equal(call(lb, "GET", "/2020-05-31/distribution", "", NULL), 200);
    loopback_free(lb);
}

int main(void)
{
    if (store__fault_sqlite_malloc(true) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_distribution_under_allocation_faults),
    };
    return cmocka_run_group_tests_name("services/cloudfront_fault", tests, NULL, NULL);
}
