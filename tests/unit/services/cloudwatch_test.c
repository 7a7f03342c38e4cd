/* cloudwatch_test.c — CloudWatch's C interface (metrics.h) and its
 * statistics: cw_publish from threads that are not the server's, as other
 * services publish their AWS/<Service> metrics, read back through the whole pipeline
 * (GetMetricStatistics over the query protocol, loopback harness) and
 * through cw_metric_stats and cw_metric_data, as alarms read them; the
 * extended statistics (stats.c) on a known distribution; the bound on a
 * bucket's kept values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "harness/loopback.h"
#include "services/cloudwatch/cloudwatch.h"

/* One query-protocol call; asserts HTTP 200 and returns the body (static). */
static const char *cw_call(const char *form)
{
    static char last[16384];
    lb_call_t c = {.method = "POST",
                   .body = form,
                   .headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"},
                   .service = "monitoring"};
    req_t *r = loopback_call(lb, &c);
    str_t b = buf_str(&r->resp.body);
    snprintf(last, sizeof last, "%.*s", (int)b.len, b.p);
    if (r->resp.status != 200) fail_msg("status %d: %s", r->resp.status, last);
    arena_free(r->arena);
    return last;
}

/* The number in the first <name> element of an XML answer (NaN if none). */
static double elem(const char *body, const char *name)
{
    char open[64];
    snprintf(open, sizeof open, "<%s>", name);
    const char *p = strstr(body, open);
    return p ? strtod(p + strlen(open), NULL) : NAN;
}

typedef struct {
    int64_t ts;
    int base, rc;
} job_t;

/* 50 data points of AWS/Test Calls{Fn=f}, values base+1 .. base+50. */
static void *publish_job(void *arg)
{
    job_t *j = arg;
    cw_dim_t dim = {"Fn", "f"};
    for (int i = 1; i <= 50 && j->rc == GR_OK; i++)
        j->rc = cw_publish((struct app *)&lb->app, "000000000000", "us-east-1", "AWS/Test", "Calls", &dim, 1,
                           j->base + i, "Count", j->ts);
    return NULL;
}

static void test_publish_from_threads(void **state)
{
    (void)state;
    int64_t minute = time_now_us() / 60000000 * 60000 - 120000; /* two minutes ago, on the minute */
    job_t jobs[2] = {{minute + 5000, 0, GR_OK}, {minute + 40000, 50, GR_OK}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, publish_job, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    assert_int_equal(jobs[0].rc, GR_OK);
    assert_int_equal(jobs[1].rc, GR_OK);

    /* 1..100 in one minute, through the wire */
    char form[1024], s[32], e[32];
    time_fmt_iso8601(s, minute * 1000, false);
    time_fmt_iso8601(e, (minute + 60000) * 1000, false);
    snprintf(form, sizeof form,
             "Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%%2FTest&MetricName=Calls"
             "&Dimensions.member.1.Name=Fn&Dimensions.member.1.Value=f&StartTime=%s&EndTime=%s&Period=60"
             "&Statistics.member.1=Sum&Statistics.member.2=SampleCount&Statistics.member.3=Maximum",
             s, e);
    const char *body = cw_call(form);
    assert_true(elem(body, "Sum") == 5050);
    assert_true(elem(body, "SampleCount") == 100);
    assert_true(elem(body, "Maximum") == 100);
    assert_non_null(strstr(body, "<Unit>Count</Unit>"));

    /* and as an alarm reads it */
    arena_t *a = arena_new(0);
    cw_dim_t dim = {"Fn", "f"};
    cw_point_t *p;
    size_t n;
    const char *err;
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Calls", &dim,
                                     1, NULL, minute, minute + 60000, 60, "p90", &p, &n, &err),
                     GR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].ts_ms, minute);
    assert_true(p[0].value == 90);
    assert_true(p[0].samples == 100);
    /* standard resolution: one 60-second bucket, which a 30-second period cannot split */
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Calls", &dim,
                                     1, "Count", minute, minute + 60000, 30, "Average", &p, &n, &err),
                     GR_OK);
    assert_int_equal(n, 1);
    assert_true(p[0].ts_ms == minute && p[0].value == 50.5);
    /* high resolution (cw_publish_batch's StorageResolution 1): 30-second periods apart */
    cw_datum_t hi[3] = {{.metric = "Hi", .value = 2, .ts_ms = minute + 5000, .resolution = 1},
                        {.metric = "Hi", .value = 4, .count = 3, .ts_ms = minute + 6000, .resolution = 1},
                        {.metric = "Hi", .value = 9, .ts_ms = minute + 40000, .resolution = 1}};
    assert_int_equal(cw_publish_batch((struct app *)&lb->app, "000000000000", "us-east-1", "AWS/Test", hi, 3), GR_OK);
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Hi", NULL, 0,
                                     NULL, minute, minute + 60000, 30, "Sum", &p, &n, &err),
                     GR_OK);
    assert_int_equal(n, 2);
    assert_true(p[0].ts_ms == minute && p[0].value == 14 && p[0].samples == 4);
    assert_true(p[1].ts_ms == minute + 30000 && p[1].value == 9);
    /* another unit: nothing; no dimensions: another metric */
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Calls", &dim,
                                     1, "Seconds", minute, minute + 60000, 60, "Sum", &p, &n, &err),
                     GR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Calls", NULL,
                                     0, NULL, minute, minute + 60000, 60, "Sum", &p, &n, &err),
                     GR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(cw_metric_stats((struct app *)&lb->app, a, "000000000000", "us-east-1", "AWS/Test", "Calls", &dim,
                                     1, NULL, minute, minute + 60000, 7, "Sum", &p, &n, &err),
                     GR_ERR);
    assert_non_null(err);

    /* metric math, as a metric-math alarm evaluates it */
    char q[512];
    snprintf(
        q, sizeof q,
        "[{\"Id\":\"m\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/Test\",\"MetricName\":\"Calls\","
        "\"Dimensions\":[{\"Name\":\"Fn\",\"Value\":\"f\"}]},\"Period\":60,\"Stat\":\"Sum\"},\"ReturnData\":false},"
        "{\"Id\":\"e\",\"Expression\":\"m / 10\"}]");
    const json_t *j = json_parse(a, str_c(q), NULL);
    assert_non_null(j);
    const val_t *queries = val_from_json(a, j);
    cw_series_t *out;
    assert_int_equal(cw_metric_data((struct app *)&lb->app, a, "000000000000", "us-east-1", queries, minute,
                                    minute + 60000, &out, &n, &err),
                     GR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[1].id, "e");
    assert_false(out[0].return_data);
    assert_int_equal(out[1].n, 1);
    assert_true(out[1].values[0] == 505);
    arena_free(a);
}

static void test_publish_refuses(void **state)
{
    (void)state;
    assert_int_equal(
        cw_publish((struct app *)&lb->app, "000000000000", "us-east-1", "AWS/Test", "", NULL, 0, 1, NULL, 0), GR_ERR);
    assert_int_equal(
        cw_publish((struct app *)&lb->app, "000000000000", "us-east-1", "AWS/Test", "m", NULL, 0, NAN, NULL, 0),
        GR_ERR);
}

/* A period of the values 1..100, once each. */
static cw__period_t hundred(arena_t *a)
{
    cw__period_t p = {.n = 100, .sum = 5050, .min = 1, .max = 100, .raw_n = 100, .npairs = 100};
    p.pairs = ARENA_NEWN(a, double, 200);
    for (int i = 0; i < 100; i++) {
        p.pairs[2 * i] = i + 1;
        p.pairs[2 * i + 1] = 1;
    }
    return p;
}

static double stat_of(const cw__period_t *p, const char *s)
{
    cw__stat_t st;
    assert_int_equal(cw__stat_parse(s, &st), GR_OK);
    double v = NAN;
    assert_true(cw__stat(p, &st, &v));
    return v;
}

static void test_extended_statistics(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    cw__period_t p = hundred(a);
    assert_true(stat_of(&p, "p50") == 50);
    assert_true(stat_of(&p, "p99.9") == 100);
    assert_true(stat_of(&p, "p0.5") == 1);
    assert_true(fabs(stat_of(&p, "tm90") - 45.5) < 1e-9); /* 1..90 */
    assert_true(fabs(stat_of(&p, "tm(10%:90%)") - 50.5) < 1e-9);
    assert_true(fabs(stat_of(&p, "tc(:50%)") - 50) < 1e-9);
    assert_true(fabs(stat_of(&p, "ts(90%:)") - (91 + 100) * 5) < 1e-9);
    assert_true(fabs(stat_of(&p, "tm(20:30)") - 25.5) < 1e-9); /* values in (20, 30] */
    assert_true(fabs(stat_of(&p, "PR(:25)") - 25) < 1e-9);
    assert_true(fabs(stat_of(&p, "PR(50:60)") - 10) < 1e-9);
    assert_true(fabs(stat_of(&p, "IQM") - 50.5) < 1e-9);
    cw__stat_t st;
    const char *bad[] = {"p101", "p", "pp50", "tm(10%:)x", "PR(10%:20%)", "tm(90%:10%)", "Median", "p(50)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cw__stat_parse(bad[i], &st) == GR_OK) fail_msg("%s accepted", bad[i]);
    /* a statistic set without its values: no percentile */
    p.raw_n = 0;
    p.npairs = 0;
    assert_int_equal(cw__stat_parse("p50", &st), GR_OK);
    double v;
    assert_false(cw__stat(&p, &st, &v));
    assert_int_equal(cw__stat_parse("Average", &st), GR_OK);
    assert_true(cw__stat(&p, &st, &v) && v == 50.5);
    arena_free(a);
}

static void test_pairs_bound(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    size_t n = 3 * CW_MAX_PAIRS;
    double *x = ARENA_NEWN(a, double, 2 * n);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = (double)i;
        x[2 * i + 1] = 2;
    }
    size_t k;
    double *m = cw__pairs_merge(a, x, n, NULL, 0, &k);
    assert_true(k <= CW_MAX_PAIRS);
    double total = 0, prev = -1;
    for (size_t i = 0; i < k; i++) {
        total += m[2 * i + 1];
        assert_true(m[2 * i] > prev); /* still sorted */
        prev = m[2 * i];
    }
    assert_true(total == 2.0 * (double)n);
    /* equal values are merged into one pair */
    double y[4] = {5, 1, 5, 2};
    m = cw__pairs_merge(a, y, 1, y + 2, 1, &k);
    assert_int_equal(k, 1);
    assert_true(m[0] == 5 && m[1] == 3);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_from_threads),
        cmocka_unit_test(test_publish_refuses),
        cmocka_unit_test(test_extended_statistics),
        cmocka_unit_test(test_pairs_bound),
    };
    return cmocka_run_group_tests(tests, loopback_setup, loopback_teardown);
}
