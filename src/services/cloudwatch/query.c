/* query.c — GetMetricData and cw_metric_data: MetricDataQueries with MetricStat and metric math. */
#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

int cloudwatch_get_metric_data(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cw_metric_data(struct app *app, arena_t *a, const char *account, const char *region, const struct val *queries,
                   int64_t start_ms, int64_t end_ms, cw_series_t **out, size_t *n, const char **err)
{
    *out = NULL;
    *n = 0;
    *err = "not implemented yet";
    return GR_ERR;
}
