/* dashboard.c — dashboards (PutDashboard, GetDashboard, ListDashboards, DeleteDashboards) and tags by ARN. */
#include "cloudwatch_model.h"
#include "services/cloudwatch/cloudwatch.h"

int cloudwatch_put_dashboard(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_get_dashboard(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_list_dashboards(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_delete_dashboards(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cloudwatch_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)out;
    return req_fail(r, &ERR_NotImplemented, "The operation %s is not implemented by gureum yet.", r->op->name);
}

int cw_tags_put(struct app *app, const char *arn, const struct val *tags)
{
    return GR_ERR;
}

int cw_tags_drop(struct app *app, const char *arn)
{
    return GR_ERR;
}
