/* cloudwatch.h — what the CloudWatch files share: the store connection, the
 * canonical form of a metric's identity, and the aggregation of data points
 * (metrics.c); statistics and queries (stats.c, query.c, math.c); dashboards
 * and tags (dashboard.c). The public interface for other services is
 * metrics.h, included here.
 *
 * Every handler is protocol-agnostic: the same cloudwatch_* functions serve
 * the query model (cloudwatch_model) and its json 1.0 twin
 * (cloudwatchjson_model). A metric is identified by (account, region,
 * namespace, name, dimension set); a data point belongs to a metric, a unit,
 * a resolution and a time bucket. Times are wall-clock ms (time_now_us,
 * fakeable). */
#ifndef GR_SERVICES_CLOUDWATCH_CLOUDWATCH_H
#define GR_SERVICES_CLOUDWATCH_CLOUDWATCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"
#include "store/store.h"
#include "services/cloudwatch/metrics.h"

/* AWS: "Metric data is kept for 15 months": 1-second points 3 hours, 60-second
 * points 15 days, 5-minute points 63 days, 1-hour points 455 days
 * (CloudWatch User Guide, "Metrics retention"). */
#define CW_KEEP_1S_MS (3LL * 3600 * 1000)
#define CW_KEEP_60S_MS (15LL * 86400 * 1000)
#define CW_KEEP_300S_MS (63LL * 86400 * 1000)
#define CW_KEEP_3600S_MS (455LL * 86400 * 1000)

/* A dimension as handlers read it from the parsed input. */
typedef struct {
    str_t name, value;
} cw__dim_t;

/* The aggregate of the values one publication adds to a bucket: n samples
 * with their sum, minimum and maximum, and, when the values themselves are
 * known (Value, Values/Counts; not StatisticValues), npairs (value, count)
 * pairs sorted by value for percentiles. */
typedef struct {
    double n, sum, min, max;
    const double *pairs; /* 2 * npairs doubles: value, count, value, count, … */
    size_t npairs;
} cw__agg_t;

/* This thread's CloudWatch database; NULL on failure (logged by the store). */
sqlite3 *cw__db(struct app *app);
int64_t cw__now_ms(void);
/* BEGIN IMMEDIATE / COMMIT or ROLLBACK (GR_OK only when committed). */
int cw__begin(sqlite3 *db);
int cw__end(sqlite3 *db, bool ok);

/* ts rounded down to a multiple of step (also for times before 1970). */
int64_t cw__floor_to(int64_t ts, int64_t step);
/* AWS (GetMetricStatistics, MetricStat): a period "can be 1, 5, 10, 30, 60,
 * or any multiple of 60" seconds. */
bool cw__period_ok(int64_t period_s);

/* The canonical text of a dimension set (sorted by name; each as
 * "<len>:<name><len>:<value>"), in a: equal sets give equal texts. dims is
 * sorted in place. */
str_t cw__dims_key(arena_t *a, cw__dim_t *dims, size_t n);
/* A key's dimensions back (*out in a); their number. */
size_t cw__dims_parse(arena_t *a, str_t key, cw__dim_t **out);

/* Adds agg to the bucket of (metric, unit, res, ts_ms) inside the caller's
 * transaction, creating the metric row when absent; res is 1 or 60 (the
 * StorageResolution). The metric's last_ms becomes now. GR_OK / GR_ERR
 * (logged). */
int cw__store(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t ns, str_t metric, cw__dim_t *dims,
              size_t ndims, str_t unit, int res, int64_t ts_ms, const cw__agg_t *agg);

/* The merged (value, count) pairs of two sorted sets, bounded to
 * CW_MAX_PAIRS by merging the closest neighbours (a bucket then keeps an
 * approximate distribution, as AWS's own percentiles are approximations).
 * Result in a, *n pairs. */
#define CW_MAX_PAIRS 2048
double *cw__pairs_merge(arena_t *a, const double *x, size_t nx, const double *y, size_t ny, size_t *n);

/* One metric as a request names it: (account, region, namespace, name) and
 * exactly these dimensions. */
typedef struct {
    str_t account, region, ns, name;
    cw__dim_t *dims;
    size_t ndims;
} cw__metric_t;

/* A Dimensions list of the parsed input as cw__dim_t (in a). */
cw__dim_t *cw__dims_of(arena_t *a, const val_t *list);

/* One period of one metric (and one unit, when gathered by unit): exact
 * SampleCount, Sum, Minimum, Maximum; the (value, count) pairs of raw_n of
 * its n samples. */
typedef struct {
    int64_t ts_ms; /* the period's start */
    str_t unit;    /* STR_NULL when not gathered by unit */
    double n, sum, min, max, raw_n;
    double *pairs;
    size_t npairs;
} cw__period_t;

/* m's data points with ts in [start, end) gathered into periods of
 * period_ms aligned to start, oldest first (only periods with data), one per
 * unit when by_unit; unit (STR_NULL: any) filters. *out in a. GR_OK/GR_ERR. */
int cw__fetch(sqlite3 *db, arena_t *a, const cw__metric_t *m, str_t unit, int64_t start, int64_t end, int64_t period_ms,
              bool by_unit, cw__period_t **out, size_t *n);

/* A statistic, parsed: one of the five, or an extended one with its bounds
 * (p: hi is the percentile; tm/wm/tc/ts/PR: (lo:hi), percentages or values). */
enum {
    CW_STAT_SAMPLECOUNT,
    CW_STAT_AVERAGE,
    CW_STAT_SUM,
    CW_STAT_MINIMUM,
    CW_STAT_MAXIMUM,
    CW_STAT_P,
    CW_STAT_TM,
    CW_STAT_WM,
    CW_STAT_TC,
    CW_STAT_TS,
    CW_STAT_PR,
};
typedef struct {
    int kind;
    double lo, hi;
    bool lo_set, hi_set, lo_pct, hi_pct;
} cw__stat_t;

/* GR_OK when s names a statistic AWS knows ("Average", "p99.9", "tm(10%:90%)",
 * "IQM", "PR(:300)", …). */
int cw__stat_parse(const char *s, cw__stat_t *st);
/* The statistic of period p; false when it has none (percentiles without
 * every sample's value). */
bool cw__stat(const cw__period_t *p, const cw__stat_t *s, double *out);

/* GetMetricStatistics' and GetMetricData's checks of a time range and a
 * period (ms, s): start before end, a valid period, at most `limit` periods.
 * GR_OK or r failed. */
int cw__check_range(req_t *r, int64_t start, int64_t end, int64_t period_s, int64_t limit);
/* StartTime rounded down as AWS documents (a minute, 5 minutes or an hour by age). */
int64_t cw__round_start(int64_t start, int64_t period_s, int64_t now);
/* Whether a period may read data starting that long ago (AWS: else no data). */
bool cw__period_allowed(int64_t start, int64_t period_s, int64_t now);

/* ==== Tags (dashboard.c) ====
 * Inside the caller's transaction: adds or replaces tags (a list of {Key,
 * Value}) of arn; drops all of arn's; lists them ({Key, Value} sorted by
 * key, in r's arena). */
int cw__tags_put(sqlite3 *db, str_t arn, const val_t *tags);
int cw__tags_drop(sqlite3 *db, str_t arn);
int cw__tags_list(req_t *r, sqlite3 *db, str_t arn, val_t **tags);

/* ==== Metric math (query.c, math.c) ==== */

/* One time series: n points, oldest first. */
typedef struct {
    int64_t *ts;
    double *v;
    size_t n;
    str_t label; /* STR_NULL: the query's own */
} cw__series_t;

/* A metric math value: a scalar, one series, or an array of n series. */
enum { CW_V_SCALAR, CW_V_SERIES, CW_V_ARRAY };
typedef struct {
    int kind;
    double x;        /* CW_V_SCALAR */
    cw__series_t *s; /* CW_V_SERIES: one; CW_V_ARRAY: n */
    size_t n;
} cw__value_t;

/* The evaluation of one request's queries (query.c). */
typedef struct cw__eval cw__eval_t;
/* Query i's value, evaluated on first use; GR_ERR with the refusal recorded
 * (a cycle, an invalid query) or the store failed. */
int cw__eval_query(cw__eval_t *e, size_t i, cw__value_t **out);
/* The index of the query with this Id, or -1. */
long cw__query_index(cw__eval_t *e, str_t id);
size_t cw__query_count(cw__eval_t *e);
str_t cw__query_id(cw__eval_t *e, size_t i);
bool cw__query_is_metric(cw__eval_t *e, size_t i);
/* Query i's period in seconds, and the request's [start, end) in ms. */
int64_t cw__eval_period(cw__eval_t *e, size_t i);
void cw__eval_range(cw__eval_t *e, int64_t *start, int64_t *end);
arena_t *cw__eval_arena(cw__eval_t *e);
/* Records the refusal of query i's expression (arena text). */
void cw__eval_refuse(cw__eval_t *e, const char *msg);

/* The evaluation of queries (a MetricDataQueries list) over [start, end):
 * cw__eval_new prepares it; cw__eval_seed gives query i a value instead of
 * evaluating it (tests, fuzzing); cw__eval_all checks the queries as AWS
 * does and evaluates every one (GR_ERR with *err AWS's text, or *err NULL
 * when the store failed); cw__eval_out is query i's answer (a scalar spread
 * over the range's periods). db may be NULL when no MetricStat query is left
 * to evaluate. */
cw__eval_t *cw__eval_new(arena_t *a, sqlite3 *db, str_t account, str_t region, const val_t *queries, int64_t start,
                         int64_t end);
void cw__eval_seed(cw__eval_t *e, size_t i, const cw__value_t *v);
int cw__eval_all(cw__eval_t *e, const char **err);
const cw__value_t *cw__eval_out(cw__eval_t *e, size_t i);

/* Evaluates query i's Expression (math.c). GR_ERR with the refusal recorded. */
int cw__math(cw__eval_t *e, size_t i, str_t expr, cw__value_t *out);
/* A Metrics Insights query (SELECT … FROM …) as query i's value, an array
 * of one series per group (insights.c). GR_ERR with *err (arena) for a
 * query it cannot read, GR_ERR with *err NULL when the store failed. */
int cw__insights(cw__eval_t *e, size_t i, str_t text, cw__value_t *out, const char **err);
/* The store and the caller's scope of an evaluation, and its clock. */
sqlite3 *cw__eval_scope(cw__eval_t *e, str_t *account, str_t *region, int64_t *now);

/* ==== Alarms (alarm.c) ==== */

/* Whether arn names an alarm of r's account and region (TagResource,
 * UntagResource, ListTagsForResource): 1, 0, or -1 when the store fails. */
int cw__alarm_exists(req_t *r, sqlite3 *db, str_t arn);

#endif
