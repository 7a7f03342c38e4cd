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

/* The canonical text of a dimension set (sorted by name; each as
 * "<len>:<name><len>:<value>"), in a: equal sets give equal texts. dims is
 * sorted in place. */
str_t cw__dims_key(arena_t *a, cw__dim_t *dims, size_t n);

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

#endif
