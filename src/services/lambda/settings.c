/* settings.c — what AWS keeps beside a function's configuration:
 * Put/GetFunctionRecursionConfig (the function's recursive loop detection,
 * lambda_recursion) and Put/GetRuntimeManagementConfig (each version's
 * runtime update mode, lambda_runtime_mgmt). The dispatcher has parsed and
 * validated the input by the model; these load the function, check what
 * the model cannot, and store or report the setting. A function without a
 * row has AWS's defaults: Terminate, and Auto. Both go with their function
 * (and a version's with the version: lambda__forget).
 * AWS: Lambda developer guide, "Recursive loop detection", "Runtime updates";
 * LocalStack's recorded TestLambdaRecursion. */
#include <sqlite3.h>
#include <string.h>

#include "lambda_model.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

/* ==== Recursive loop detection ==== */

int lambda_put_function_recursion_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t loop = val_get_str(in, "RecursiveLoop");
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "INSERT INTO lambda_recursion (account, region, name, recursive_loop) VALUES "
                           "(?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET recursive_loop = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, loop);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    val_set_c(a, out, "RecursiveLoop", val_str(a, loop));
    return GR_OK;
}

int lambda_get_function_recursion_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "SELECT recursive_loop FROM lambda_recursion WHERE account = ?1 AND region = ?2 AND "
                           "name = ?3",
                           &st) != GR_OK)
        return GR_ERR;
    int rc = sqlite3_step(st);
    /* AWS (recorded test_put_function_recursion_config_default_terminate) */
    str_t loop = rc == SQLITE_ROW ? lambda__col(a, st, 0) : STR("Terminate");
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "RecursiveLoop", val_str(a, loop));
    return GR_OK;
}

/* ==== Runtime management ==== */

/* The version in's FunctionName and Qualifier name ($LATEST without one),
 * loaded into f, and its ARN as these operations answer it. */
static int version_or_fail(req_t *r, const val_t *in, lambda__fn_t *f, str_t *arn)
{
    arena_t *a = r->arena;
    if (lambda__load_target_or_fail(r, in, f) != GR_OK) return GR_ERR;
    str_t base = lambda__arn(a, f->region, f->account, f->name);
    *arn = str_eq_c(f->version, "$LATEST") ? base
                                           : str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(base), STR_FMT(f->version)));
    return arn->p ? GR_OK : GR_ERR;
}

static void runtime_value(arena_t *a, val_t *out, str_t arn, str_t update_on, str_t version_arn)
{
    val_set_c(a, out, "UpdateRuntimeOn", val_str(a, update_on));
    /* AWS: the runtime version's ARN only in Manual mode (null otherwise) */
    if (version_arn.len) val_set_c(a, out, "RuntimeVersionArn", val_str(a, version_arn));
    val_set_c(a, out, "FunctionArn", val_str(a, arn));
}

int lambda_put_runtime_management_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t arn, on = val_get_str(in, "UpdateRuntimeOn"), version_arn = val_get_str(in, "RuntimeVersionArn");
    if (version_or_fail(r, in, &f, &arn) != GR_OK) return GR_ERR;
    /* AWS ("Runtime updates", "Using manual mode"): Manual pins the version
     * RuntimeVersionArn names, which the other modes choose themselves */
    bool manual = str_eq_c(on, "Manual");
    if (manual && !version_arn.len)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "RuntimeVersionArn must be specified when UpdateRuntimeOn is Manual.");
    if (!manual && version_arn.len)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "RuntimeVersionArn can only be specified when UpdateRuntimeOn is Manual.");
    /* arn:aws:lambda:REGION::runtime:ID — a runtime version of this region */
    str_t prefix = str_c(arena_printf(a, "arn:aws:lambda:%.*s::runtime:", STR_FMT(r->region)));
    if (manual && (!str_starts_with(version_arn, prefix) || version_arn.len == prefix.len))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid RuntimeVersionArn: %.*s",
                        STR_FMT(version_arn));
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "INSERT INTO lambda_runtime_mgmt (account, region, name, version, update_on, version_arn) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET update_on = ?5, "
                           "version_arn = ?6",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, f.version);
    lambda__bind_s(st, 5, on);
    lambda__bind_s(st, 6, version_arn);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    runtime_value(a, out, arn, on, version_arn);
    return GR_OK;
}

int lambda_get_runtime_management_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t arn;
    if (version_or_fail(r, in, &f, &arn) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "SELECT update_on, version_arn FROM lambda_runtime_mgmt WHERE account = ?1 AND "
                           "region = ?2 AND name = ?3 AND version = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, f.version);
    int rc = sqlite3_step(st);
    str_t on = rc == SQLITE_ROW ? lambda__col(a, st, 0) : STR("Auto");
    str_t version_arn = rc == SQLITE_ROW ? lambda__col(a, st, 1) : STR_NULL;
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    runtime_value(a, out, arn, on, version_arn);
    return GR_OK;
}
