/* metrics.h — CloudWatch's public C interface for metrics: other services
 * publish their own AWS/<Service> metrics here (Lambda Invocations, SQS
 * NumberOfMessagesSent, …) and alarms read statistics back, never through
 * CloudWatch's tables.
 *
 * No request exists on this path: each call takes the app, uses the calling
 * thread's store connection (store_db: any event loop, the ticker thread or a
 * runner thread of the caller's), and commits before returning. A published
 * data point is stored exactly as PutMetricData stores one (the same
 * aggregation, retention and ListMetrics visibility), without PutMetricData's
 * refusal of the "AWS/" namespace prefix: that is what these calls are for.
 * Strings are NUL-terminated and only read during the call. */
#ifndef GR_SERVICES_CLOUDWATCH_METRICS_H
#define GR_SERVICES_CLOUDWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

struct app;

/* One dimension. AWS: a metric has at most 30 dimensions; a name is 1-255
 * characters, a value 1-1024. */
typedef struct {
    const char *name;
    const char *value;
} cw_dim_t;

/* An aggregate of many observations of one metric in one period, as a
 * service that counts in memory publishes it (services/pubmetrics.h):
 * PutMetricData's StatisticValues, plus, when npairs > 0, the observed
 * values themselves as sorted (value, count) pairs (2 * npairs doubles,
 * ascending values) standing for `n` of them, for percentiles. */
typedef struct {
    double n, sum, min, max;
    const double *pairs;
    size_t npairs;
} cw_stats_t;

/* One data point for cw_publish_batch: the metric (within the batch's
 * namespace), its dimensions, and either one value (count 0 or 1) or one
 * value seen `count` times (PutMetricData's Values/Counts for one value). */
typedef struct {
    const char *metric;
    const cw_dim_t *dims;
    size_t ndims;
    double value;
    double count;     /* 0: 1 */
    const char *unit; /* AWS's StandardUnit ("Count", "Milliseconds", …); NULL: "None" */
    int64_t ts_ms;    /* wall-clock ms since the epoch; 0: now */
    int resolution;   /* StorageResolution: 1 (high resolution) or 60 (standard); 0: 60 */
    /* non-NULL: this aggregate instead of value and count */
    const cw_stats_t *stats;
} cw_datum_t;

/* Publishes one standard-resolution data point of metric `metric` in
 * namespace `ns` for (account, region). unit NULL: "None"; ts_ms 0: now.
 * GR_OK, or GR_ERR (logged) when the store fails or an argument is outside
 * AWS's limits (empty names, more than 30 dimensions, a non-finite value). */
int cw_publish(struct app *app, const char *account, const char *region, const char *ns, const char *metric,
               const cw_dim_t *dims, size_t ndims, double value, const char *unit, int64_t ts_ms);

/* Publishes n data points of namespace ns in one transaction (cheaper than n
 * cw_publish calls: use it from a tick that publishes many). All or none:
 * GR_ERR (logged) stores nothing. */
int cw_publish_batch(struct app *app, const char *account, const char *region, const char *ns, const cw_datum_t *d,
                     size_t n);

/* ==== Reading (alarms) ==== */

/* One period's statistic of one metric: ts_ms is the period's start. */
typedef struct {
    int64_t ts_ms;
    double value;
    double samples; /* SampleCount of the period (EvaluateLowSampleCountPercentile) */
} cw_point_t;

/* The statistic `stat` of one metric (exactly these dimensions, as
 * GetMetricStatistics matches them) for each period of period_s seconds
 * in [start_ms, end_ms) that has data, oldest first, as GetMetricStatistics
 * computes it. stat: "SampleCount", "Average", "Sum", "Minimum", "Maximum",
 * or an extended statistic ("p99", "p99.9", "tm90", "wm(10%:90%)", …). unit
 * NULL: every unit. *pts is in a; *n 0 when none. GR_OK; GR_ERR with *err
 * (AWS's message, static or in a) when stat or period_s is not valid, or
 * with *err NULL when the store fails (logged). */
int cw_metric_stats(struct app *app, arena_t *a, const char *account, const char *region, const char *ns,
                    const char *metric, const cw_dim_t *dims, size_t ndims, const char *unit, int64_t start_ms,
                    int64_t end_ms, int period_s, const char *stat, cw_point_t **pts, size_t *n, const char **err);

/* One result of cw_metric_data: as GetMetricData's MetricDataResults
 * (timestamps and values newest first, as ScanBy TimestampDescending). */
typedef struct {
    const char *id;
    const char *label;
    bool return_data;   /* the query's ReturnData (default true) */
    const char *status; /* "Complete", "PartialData", "Forbidden" or "InternalError" */
    size_t n;
    int64_t *ts_ms;
    double *values;
} cw_series_t;

struct val;
/* Evaluates GetMetricData's MetricDataQueries (a list of MetricDataQuery
 * values as the protocol parses them: Id, MetricStat, Expression, Label,
 * ReturnData, Period) over [start_ms, end_ms) in (account, region): the same
 * validation, metric math and results as GetMetricData without paging
 * (metric math alarms). *out (in a) has one series per query, in query
 * order. GR_OK; GR_ERR with *err (AWS's message) when the queries are not
 * valid, or *err NULL when the store fails (logged). */
int cw_metric_data(struct app *app, arena_t *a, const char *account, const char *region, const struct val *queries,
                   int64_t start_ms, int64_t end_ms, cw_series_t **out, size_t *n, const char **err);

/* ==== Tags (alarm.c shares them) ====
 * Tags by resource ARN, in the store's generic tag table. */

/* Replaces or adds tags (a list of {Key, Value} values) on arn. */
int cw_tags_put(struct app *app, const char *arn, const struct val *tags);
/* Removes every tag of arn (its resource was deleted). */
int cw_tags_drop(struct app *app, const char *arn);

/* For Auto Scaling's target tracking policies, which make and delete their
 * alarms: put is PutMetricAlarm with in as its input, as the account's root
 * (GR_OK, or GR_ERR with *err in a when refused); delete: DeleteAlarms of
 * names (a list), failures logged. */
int cloudwatch_alarm_put(struct app *app, str_t account, str_t region, const struct val *in, arena_t *a,
                         const char **err);
void cloudwatch_alarms_delete(struct app *app, str_t account, str_t region, const struct val *names);
/* For Auto Scaling's DescribePolicies: the names (in a) of the account's
 * alarms in region whose actions name arn; *n of them (0 on a failure). */
void cloudwatch_alarms_acting_on(struct app *app, arena_t *a, str_t account, str_t region, str_t arn, str_t **names,
                                 size_t *n);

struct req;
/* The registry's resource_tags hook (dashboard.c): a CloudWatch resource's
 * tags by ARN (a list of {Key, Value}; NULL when untagged), for
 * aws:ResourceTag. */
int cloudwatch_resource_tags(struct req *r, str_t resource, const struct val **tags);

/* The registry's tick hook (metrics.c): rolls data points up into coarser
 * resolutions and deletes what is past AWS's retention, a bounded batch per
 * call, on the ticker thread. */
unsigned cloudwatch_tick(struct app *app);

/* The alarms' tick hook (alarm_eval.c): evaluates the metric alarms whose
 * evaluation is due and moves their state (history, actions, events). */
unsigned cloudwatch_alarm_tick(struct app *app);

#endif
