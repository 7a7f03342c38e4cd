/* api.c — EC2's C interface for services that launch and end instances on
 * an account's behalf (Auto Scaling). Each call is EC2's own operation
 * (RunInstances, TerminateInstances) run as the account's root by an
 * internal request (services/ownreq.h), so an instance launched this way is
 * launched, checked and refused exactly as one a client asks for. */
#include <string.h>

#include "core/log.h"
#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/ownreq.h"

/* The refusal's text in a, or the internal failure's. */
static const char *refusal(arena_t *a, const req_t *r)
{
    if (!r->err) return NULL;
    return arena_printf(a, "%s: %s", r->err->code, r->err_msg ? r->err_msg : "");
}

int ec2_launch(struct app *app, str_t account, str_t region, const val_t *run, arena_t *a, ec2_launched_t *out,
               const char **err)
{
    *err = NULL;
    req_t *r = ownreq_new(app, account, region, "ec2-launch");
    if (!r) return -1;
    val_t *in = val_copy(r->arena, run), *res = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, in, "MinCount", val_int(r->arena, 1));
    val_set_c(r->arena, in, "MaxCount", val_int(r->arena, 1));
    int rc = -1;
    if (ec2_run_instances(r, in, res) == GR_OK) {
        const val_t *insts = val_get(res, "Instances");
        const val_t *i = val_len(insts) ? insts->u.list.v[0] : NULL;
        if (i) {
            out->id = arena_strdup(a, ec2__cstr(r->arena, val_get_str(i, "InstanceId")));
            out->type = arena_strdup(a, ec2__cstr(r->arena, val_get_str(i, "InstanceType")));
            out->zone = arena_strdup(a, ec2__cstr(r->arena, val_get_str(val_get(i, "Placement"), "AvailabilityZone")));
            rc = 1;
        }
    } else if (r->err) {
        *err = arena_strdup(a, refusal(r->arena, r));
        rc = 0;
    }
    arena_free(r->arena);
    return rc;
}

int ec2_terminate(struct app *app, str_t account, str_t region, str_t id)
{
    req_t *r = ownreq_new(app, account, region, "ec2-terminate");
    if (!r) return -1;
    val_t *in = val_new(r->arena, VAL_STRUCT), *ids = val_new(r->arena, VAL_LIST), *res = val_new(r->arena, VAL_STRUCT);
    val_push(r->arena, ids, val_strdup(r->arena, id));
    val_set_c(r->arena, in, "InstanceIds", ids);
    int rc = ec2_terminate_instances(r, in, res) == GR_OK ? 1 : r->err ? 0 : -1;
    if (rc == 0) log_info("ec2: terminating %.*s for a service: %s", STR_FMT(id), refusal(r->arena, r));
    arena_free(r->arena);
    return rc;
}
