/* cwmath_fuzz.c — libFuzzer target for CloudWatch's metric math and
 * statistic names (src/services/cloudwatch: math.c, query.c, stats.c).
 *
 * The input is lines. The first is a statistic name: parsed, and when
 * accepted computed on a fixed period of known values, where a percentile
 * must lie between the period's minimum and maximum. The next (up to six)
 * are GetMetricData expressions e1..e6, evaluated with two MetricStat
 * queries m1 and m2 given fixed series (m1 with gaps) instead of stored data,
 * so no store is needed. Any input: no crash, leak or sanitizer report; a
 * refusal has a message; every answered series has strictly increasing
 * timestamps inside the request's range. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/cloudwatch/cloudwatch.h"

#define START_MS 1700000000000LL /* 2023-11-14T22:13:20Z */
#define END_MS (START_MS + 20 * 60000LL)

static void check_stat(arena_t *a, const char *name)
{
    cw__stat_t st;
    if (cw__stat_parse(name, &st) != GR_OK) return;
    cw__period_t p = {.n = 10, .raw_n = 10, .npairs = 5, .min = -INFINITY};
    p.pairs = ARENA_NEWN(a, double, 10);
    double vals[5] = {1, 2, 2.5, 7, 100}, counts[5] = {1, 4, 2, 2, 1};
    p.min = 1;
    p.max = 100;
    for (int i = 0; i < 5; i++) {
        p.pairs[2 * i] = vals[i];
        p.pairs[2 * i + 1] = counts[i];
        p.sum += vals[i] * counts[i];
    }
    double v;
    if (cw__stat(&p, &st, &v) && st.kind == CW_STAT_P && (v < p.min || v > p.max)) abort();
}

/* A series at every other minute of the range (m1) or every minute (m2). */
static cw__value_t series(arena_t *a, int step, double scale)
{
    cw__series_t *s = ARENA_NEWN(a, cw__series_t, 1);
    s->ts = ARENA_NEWN(a, int64_t, 32);
    s->v = ARENA_NEWN(a, double, 32);
    int64_t t0 = START_MS / 3600000 * 3600000;
    for (int k = 0; k < 30; k += step) {
        s->ts[s->n] = t0 + k * 60000LL;
        s->v[s->n++] = scale * (k % 7 - 2);
    }
    s->label = str_c(step == 1 ? "M2" : "M1");
    return (cw__value_t){.kind = CW_V_SERIES, .s = s, .n = 1};
}

static val_t *metric_query(arena_t *a, const char *id)
{
    val_t *q = val_new(a, VAL_STRUCT), *ms = val_new(a, VAL_STRUCT), *m = val_new(a, VAL_STRUCT);
    val_set_c(a, m, "Namespace", val_cstr(a, "F"));
    val_set_c(a, m, "MetricName", val_cstr(a, id));
    val_set_c(a, ms, "Metric", m);
    val_set_c(a, ms, "Period", val_int(a, 60));
    val_set_c(a, ms, "Stat", val_cstr(a, "Sum"));
    val_set_c(a, q, "Id", val_cstr(a, id));
    val_set_c(a, q, "MetricStat", ms);
    return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(64u << 20);
    if (!a) return 0;
    const char *p = (const char *)data, *end = p + size;
    const char *nl = memchr(p, '\n', size);
    size_t first = nl ? (size_t)(nl - p) : size;
    check_stat(a, arena_strndup(a, p, first));
    p = nl ? nl + 1 : end;

    val_t *queries = val_new(a, VAL_LIST);
    val_push(a, queries, metric_query(a, "m1"));
    val_push(a, queries, metric_query(a, "m2"));
    for (int i = 1; i <= 6 && p < end; i++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        val_t *q = val_new(a, VAL_STRUCT);
        val_set_c(a, q, "Id", val_cstr(a, arena_printf(a, "e%d", i)));
        val_set_c(a, q, "Expression", val_str(a, str_c(arena_strndup(a, p, len))));
        val_push(a, queries, q);
        p = nl ? nl + 1 : end;
    }
    cw__eval_t *e = cw__eval_new(a, NULL, str_c("000000000000"), str_c("us-east-1"), queries, START_MS, END_MS);
    cw__value_t m1 = series(a, 2, 1), m2 = series(a, 1, 0.5);
    cw__eval_seed(e, 0, &m1);
    cw__eval_seed(e, 1, &m2);
    const char *err;
    if (cw__eval_all(e, &err) != GR_OK) {
        if (!err || !*err) abort();
    } else {
        for (size_t i = 0; i < val_len(queries); i++) {
            const cw__value_t *v = cw__eval_out(e, i);
            for (size_t k = 0; k < v->n; k++)
                for (size_t j = 0; j < v->s[k].n; j++) {
                    if (j && v->s[k].ts[j] <= v->s[k].ts[j - 1]) abort();
                    if (v->s[k].ts[j] >= END_MS) abort();
                }
        }
    }
    arena_free(a);
    return 0;
}
