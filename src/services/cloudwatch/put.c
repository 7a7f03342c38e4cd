/* put.c — PutMetricData: validation as AWS does it, then cw__store per datum. */
#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

int cloudwatch_put_metric_data(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}
