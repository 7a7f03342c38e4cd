/* stats.c — GetMetricStatistics and cw_metric_stats: per-period statistics of one metric. */
#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

int cloudwatch_get_metric_statistics(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cw_metric_stats(struct app *app, arena_t *a, const char *account, const char *region, const char *ns,
                    const char *metric, const cw_dim_t *dims, size_t ndims, const char *unit, int64_t start_ms,
                    int64_t end_ms, int period_s, const char *stat, cw_point_t **pts, size_t *n, const char **err)
{
    *pts = NULL;
    *n = 0;
    *err = "not implemented yet";
    return GR_ERR;
}
