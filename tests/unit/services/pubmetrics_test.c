/* pubmetrics_test.c — services' own CloudWatch metrics (services/pubmetrics.c)
 * over the loopback harness's app and store: observations from two threads
 * aggregate into one data point per metric and minute (count, sum, min, max
 * exactly), kept values become a bounded sample that still stands for every
 * observation, a flush publishes through CloudWatch's store and empties the
 * tables, pubm_recent remembers what was published, and an app without
 * aggregates ignores observations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness/loopback.h"
#include "schemas.h"
#include "services/pubmetrics.h"
#include "store/store.h"

static int setup(void **state)
{
    if (loopback_setup(state) != 0) return -1;
    lb->app.metrics = pubm_new();
    return lb->app.metrics ? 0 : -1;
}

static int teardown(void **state)
{
    pubm_free(lb->app.metrics);
    lb->app.metrics = NULL;
    return loopback_teardown(state);
}

/* The stored point of metric `name` (summed over its minutes): n, sum, min,
 * max, raw_n and the size of its sample in pairs; false when absent. */
typedef struct {
    double n, sum, min, max, raw_n;
    int pairs, rows;
    char unit[32];
} point_t;

static point_t point(const char *ns, const char *name)
{
    sqlite3 *db = store_db(lb->app.store, &schema_cloudwatch);
    sqlite3_stmt *st;
    assert_int_equal(SQLITE_OK,
                     store_prepare(db,
                                   "SELECT sum(p.n), sum(p.sum), min(p.min), max(p.max), sum(p.raw_n), "
                                   "sum(length(p.raw)) / 16, count(*), max(p.unit) FROM point p JOIN metric m ON "
                                   "m.id = p.mid WHERE m.namespace = ?1 AND m.name = ?2",
                                   -1, &st, NULL));
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    point_t p = {0};
    assert_int_equal(SQLITE_ROW, sqlite3_step(st));
    p.n = sqlite3_column_double(st, 0);
    p.sum = sqlite3_column_double(st, 1);
    p.min = sqlite3_column_double(st, 2);
    p.max = sqlite3_column_double(st, 3);
    p.raw_n = sqlite3_column_double(st, 4);
    p.pairs = sqlite3_column_int(st, 5);
    p.rows = sqlite3_column_int(st, 6);
    snprintf(p.unit, sizeof p.unit, "%s", sqlite3_column_text(st, 7) ? (const char *)sqlite3_column_text(st, 7) : "");
    store_release(st);
    return p;
}

static const pubm_dim_t Q = {"QueueName", {"q1", 2}};

static void *add_half(void *arg)
{
    (void)arg;
    for (int i = 51; i <= 100; i++)
        pubm_add(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", "Sent", &Q, 1, "Count", i, false);
    return NULL;
}

static void two_threads_one_point(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(0, pthread_create(&t, NULL, add_half, NULL));
    for (int i = 1; i <= 50; i++)
        pubm_add(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", "Sent", &Q, 1, "Count", i, false);
    pthread_join(t, NULL);
    pubm_flush(&lb->app, true);
    point_t p = point("Test/Svc", "Sent");
    assert_int_equal(100, (int)p.n);
    assert_int_equal(5050, (int)p.sum);
    assert_int_equal(1, (int)p.min);
    assert_int_equal(100, (int)p.max);
    assert_int_equal(0, p.pairs); /* counts keep no sample */
    assert_string_equal("Count", p.unit);
    assert_true(p.rows >= 1 && p.rows <= 2); /* one minute, or two across a minute's end */
    /* a second flush finds the tables empty: nothing is published twice */
    pubm_flush(&lb->app, true);
    assert_int_equal(100, (int)point("Test/Svc", "Sent").n);
}

static void kept_values_are_a_bounded_sample(void **state)
{
    (void)state;
    for (int i = 1; i <= 5000; i++)
        pubm_add(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", "Latency", &Q, 1, "Milliseconds",
                 i % 1000, true);
    pubm_flush(&lb->app, true);
    point_t p = point("Test/Svc", "Latency");
    assert_int_equal(5000, (int)p.n);
    assert_int_equal(0, (int)p.min);
    assert_int_equal(999, (int)p.max);
    assert_int_equal(5000, (int)(p.raw_n + 0.5)); /* the sample stands for every observation */
    assert_true(p.pairs > 0 && p.pairs <= 2 * 256);
    assert_string_equal("Milliseconds", p.unit);
}

static void recent_and_arn_scope(void **state)
{
    (void)state;
    pubm_dim_t other = {"QueueName", {"q2", 2}};
    assert_true(pubm_recent(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", &Q, 1, 60000));
    assert_false(pubm_recent(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", &other, 1, 60000));
    assert_false(pubm_recent(&lb->app, STR("000000000000"), STR("eu-west-1"), "Test/Svc", &Q, 1, 60000));
    str_t region, account, rest;
    assert_true(pubm_arn_scope(STR("arn:aws:sns:us-east-1:123456789012:my-topic"), &region, &account, &rest));
    assert_true(str_eq_c(region, "us-east-1"));
    assert_true(str_eq_c(account, "123456789012"));
    assert_true(str_eq_c(rest, "my-topic"));
    assert_false(pubm_arn_scope(STR("arn:aws:sns:us-east-1"), &region, &account, &rest));
}

static void no_aggregates_no_op(void **state)
{
    (void)state;
    pubm_t *m = lb->app.metrics;
    lb->app.metrics = NULL;
    pubm_add(&lb->app, STR("000000000000"), STR("us-east-1"), "Test/Svc", "Ignored", NULL, 0, "Count", 1, false);
    pubm_flush(&lb->app, true);
    lb->app.metrics = m;
    pubm_flush(&lb->app, true);
    assert_int_equal(0, point("Test/Svc", "Ignored").rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_one_point),
        cmocka_unit_test(kept_values_are_a_bounded_sample),
        cmocka_unit_test(recent_and_arn_scope),
        cmocka_unit_test(no_aggregates_no_op),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
