/* logs_test.c — CloudWatch Logs' call from other services (logs.h):
 * logs_append from threads that are not the server's, as Lambda calls it,
 * then the events read back through the whole pipeline (json 1.1 over the
 * loopback harness): group and stream created on first use, order kept,
 * later appends to the same stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "harness/loopback.h"
#include "services/logs/logs.h"

/* One Logs call; asserts HTTP 200 and returns the body (static). */
static const char *logs_call(const char *op, const char *body)
{
    static char last[16384];
    char target[96];
    snprintf(target, sizeof target, "X-Amz-Target: Logs_20140328.%s", op);
    lb_call_t c = {.body = body, .headers = {"Content-Type: application/x-amz-json-1.1", target}, .service = "logs"};
    req_t *r = loopback_call(lb, &c);
    str_t b = buf_str(&r->resp.body);
    snprintf(last, sizeof last, "%.*s", (int)b.len, b.p);
    if (r->resp.status != 200) fail_msg("%s: status %d: %s", op, r->resp.status, last);
    arena_free(r->arena);
    return last;
}

typedef struct {
    const char *stream;
    int64_t t0;
    int rc;
} job_t;

static void *append_job(void *arg)
{
    job_t *j = arg;
    logs_event_t ev[3] = {{j->t0, STR("START RequestId: 1")},
                          {j->t0 + 1, STR("hello from the function")},
                          {j->t0 + 2, STR("END RequestId: 1")}};
    j->rc =
        logs_append(&lb->app, STR("000000000000"), STR("us-east-1"), STR("/aws/lambda/fn"), str_c(j->stream), ev, 3);
    return NULL;
}

static void append_creates_group_and_stream_from_any_thread(void **state)
{
    (void)state;
    int64_t t0 = time_now_us() / 1000 - 5000;
    job_t jobs[2] = {{"2026/01/01/[$LATEST]a", t0, -9}, {"2026/01/01/[$LATEST]b", t0 + 10, -9}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(0, pthread_create(&th[i], NULL, append_job, &jobs[i]));
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(GR_OK, jobs[i].rc);
    }
    const char *g = logs_call("DescribeLogGroups", "{\"logGroupNamePrefix\": \"/aws/lambda/\"}");
    assert_non_null(strstr(g, "\"logGroupName\":\"/aws/lambda/fn\""));
    const char *s = logs_call("DescribeLogStreams", "{\"logGroupName\": \"/aws/lambda/fn\"}");
    assert_non_null(strstr(s, "[$LATEST]a"));
    assert_non_null(strstr(s, "[$LATEST]b"));
    const char *e = logs_call("GetLogEvents", "{\"logGroupName\": \"/aws/lambda/fn\", \"logStreamName\": "
                                              "\"2026/01/01/[$LATEST]a\", \"startFromHead\": true}");
    const char *p1 = strstr(e, "START RequestId"), *p2 = strstr(e, "hello from the function"),
               *p3 = strstr(e, "END RequestId");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(p3);
    assert_true(p1 < p2 && p2 < p3);
    /* a second append goes to the same stream */
    logs_event_t more = {t0 + 3, STR("again")};
    assert_int_equal(GR_OK, logs_append(&lb->app, STR("000000000000"), STR("us-east-1"), STR("/aws/lambda/fn"),
                                        STR("2026/01/01/[$LATEST]a"), &more, 1));
    e = logs_call("FilterLogEvents", "{\"logGroupName\": \"/aws/lambda/fn\", \"filterPattern\": \"again\"}");
    assert_non_null(strstr(e, "\"message\":\"again\""));
    assert_non_null(strstr(e, "\"logStreamName\":\"2026/01/01/[$LATEST]a\""));
    /* empty names are refused */
    assert_int_equal(GR_ERR, logs_append(&lb->app, STR("000000000000"), STR("us-east-1"), STR(""), STR("s"), &more, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_creates_group_and_stream_from_any_thread),
    };
    return cmocka_run_group_tests(tests, loopback_setup, loopback_teardown);
}
