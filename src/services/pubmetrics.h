/* pubmetrics.h — the AWS/<Service> metrics gureum's services publish to
 * CloudWatch by themselves (AWS/Lambda Invocations, AWS/SQS
 * NumberOfMessagesSent, AWS/DynamoDB ConsumedReadCapacityUnits, …), counted
 * in memory on the request path and written to CloudWatch's store by the
 * ticker.
 *
 * A request path calls pubm_add: it adds one observation to the aggregate of
 * (account, region, namespace, metric, dimensions, unit, minute) in the
 * calling thread's own table (one per event loop, runtime or sender thread;
 * its lock is only ever contended by the flush), so a hot path pays a hash
 * lookup and no store write. The ticker (services/ticker.c) calls
 * pubm_flush, which takes every thread's table and publishes each aggregate
 * as one statistic set (with its sampled values for percentiles) through
 * cloudwatch/metrics.h, one transaction per namespace. Invariant: an
 * observation is published once, in the minute it was made. */
#ifndef GR_SERVICES_PUBMETRICS_H
#define GR_SERVICES_PUBMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

struct app;
typedef struct pubm pubm_t;

/* One dimension: AWS's name and the resource's value. */
typedef struct {
    const char *name;
    str_t value;
} pubm_dim_t;

/* The aggregates of one server (app_t.metrics). pubm_free drops what was not
 * flushed. */
pubm_t *pubm_new(void);
void pubm_free(pubm_t *m);

/* Adds one observation `value` of metric (ns, metric, dims, unit) made now
 * in (account, region) to this thread's aggregate of the current minute.
 * keep: the value is also kept (a bounded uniform sample of each minute) for
 * percentiles — Duration and latencies; counts need not. Any thread; never
 * fails (out of memory drops the observation). A no-op when app has no
 * aggregates (in-process harnesses). ns, metric, unit and dimension names
 * are static strings. */
void pubm_add(struct app *app, str_t account, str_t region, const char *ns, const char *metric, const pubm_dim_t *dims,
              size_t ndims, const char *unit, double value, bool keep);

/* Publishes every thread's aggregates when the flush period has passed since
 * the last flush (60 s: once a minute, as AWS's standard resolution; test
 * builds read GUREUM_METRICS_FLUSH_MS), or now when force. Ticker thread (or
 * main, once the ticker stopped). Returns the ms until the next flush is due. */
unsigned pubm_flush(struct app *app, bool force);

/* The region, account and resource of an ARN
 * ("arn:aws:sns:REGION:ACCOUNT:RESOURCE"), for publishing a metric in the
 * resource owner's account; false when arn has fewer than six fields. */
bool pubm_arn_scope(str_t arn, str_t *region, str_t *account, str_t *resource);

/* The flush period in ms (60000; GUREUM_METRICS_FLUSH_MS in test builds):
 * a service's sampled gauges (SQS queue depths) are measured as often. */
unsigned pubm_period_ms(void);

/* Whether (account, region, ns, dims) had any metric published by a flush
 * within the last within_ms (the ticker's own gauges ask: AWS publishes a
 * queue's gauges while it is active). Ticker thread. */
bool pubm_recent(struct app *app, str_t account, str_t region, const char *ns, const pubm_dim_t *dims, size_t ndims,
                 int64_t within_ms);

#endif
