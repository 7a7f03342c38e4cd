/* fault_loop_test.c — SQLite's fault-loop idea applied to whole requests:
 * each mutating operation is run with its 1st, 2nd, … SQLite allocation
 * failing, until a run completes with no fault left to fire. Every run must
 * answer success or AWS's 500, leak nothing (ASan), leave the state old or
 * new (the entity exists iff the request succeeded, or consistently absent),
 * and the server must serve normally right after. */
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

static const char FORM[] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";

static char last_body[2048];

static int call_status(loopback_t *lb, const char *body, bool *internal)
{
    req_t *r = loopback_call(lb, &(lb_call_t){.body = body, .headers = {FORM}, .service = "iam"});
    int status = r->resp.status;
    snprintf(last_body, sizeof last_body, "%s", buf_str(&r->resp.body).p);
    if (internal) *internal = strstr(buf_str(&r->resp.body).p, "<Code>InternalError</Code>") != NULL;
    arena_free(r->arena);
    return status;
}

static void loop(loopback_t *lb, const char *what, const char *fmt_do, const char *fmt_check)
{
    unsigned runs = 0, failed = 0;
    for (unsigned n = 1; n < 5000; n++) {
        char body[512], check[512];
        snprintf(body, sizeof body, fmt_do, n);
        snprintf(check, sizeof check, fmt_check, n);
        fault_reset();
        fault_arm("sqlite.malloc", n);
        bool internal = false;
        int st = call_status(lb, body, &internal);
        unsigned fired = fault_fired();
        fault_reset();
        runs++;
        if (st != 200) {
            failed++;
            if (st != 500 || !internal) fail_msg("%s, fault at allocation %u: status %d: %s", what, n, st, last_body);
        }
        int after = call_status(lb, check, NULL);
        if (st == 200 && after != 200) fail_msg("%s succeeded at %u but the entity is missing (%d)", what, n, after);
        if (after != 200 && after != 404) fail_msg("%s at %u: check answered %d", what, n, after);
        if (!fired) break; /* ran to the end with no fault left to fire */
    }
    printf("%s: %u runs, %u answered 500\n", what, runs, failed);
    assert_true(runs > 1);
}

static void test_create_user_and_policy_under_allocation_faults(void **state)
{
    (void)state;
    loopback_t *lb = loopback_new();
    /* Warm up: open and migrate the database outside the loop. */
    assert_int_equal(call_status(lb, "Action=ListUsers&Version=2010-05-08", NULL), 200);
    loop(lb, "CreateUser", "Action=CreateUser&Version=2010-05-08&UserName=u%u",
         "Action=GetUser&Version=2010-05-08&UserName=u%u");
    assert_int_equal(call_status(lb, "Action=CreateUser&Version=2010-05-08&UserName=owner", NULL), 200);
    loop(lb, "PutUserPolicy",
         "Action=PutUserPolicy&Version=2010-05-08&UserName=owner&PolicyName=p%u&PolicyDocument="
         "%%7B%%22Version%%22%%3A%%222012-10-17%%22%%2C%%22Statement%%22%%3A%%5B%%7B%%22Effect%%22%%3A%%22Allow%%22"
         "%%2C%%22Action%%22%%3A%%22s3%%3A*%%22%%2C%%22Resource%%22%%3A%%22*%%22%%7D%%5D%%7D",
         "Action=GetUserPolicy&Version=2010-05-08&UserName=owner&PolicyName=p%u");
    assert_int_equal(call_status(lb, "Action=ListUsers&Version=2010-05-08", NULL), 200);
    loopback_free(lb);
}

int main(void)
{
    if (store__fault_sqlite_malloc(true) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_user_and_policy_under_allocation_faults),
    };
    return cmocka_run_group_tests_name("services/fault_loop", tests, NULL, NULL);
}
