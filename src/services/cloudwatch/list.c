/* list.c — ListMetrics: metrics by namespace, name and dimensions, paged. */
#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

int cloudwatch_list_metrics(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}
