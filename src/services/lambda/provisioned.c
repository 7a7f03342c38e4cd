/* provisioned.c — provisioned concurrency configurations: Put, Get, Delete
 * and ListProvisionedConcurrencyConfigs over lambda_provisioned, one row per
 * published version or alias (never $LATEST).
 *
 * What a configuration commits is accounted as AWS does: it comes out of the
 * function's reserved concurrency when the function has one, else out of the
 * account's unreserved pool, which must keep its minimum of 100
 * (lambda__committed_by_others, function.c); a version and an alias pointing
 * at it cannot both have one; when the configurations take all of the
 * function's reserved concurrency, $LATEST is throttled (invoke.c). gureum
 * does not start environments ahead of calls: a version's environments
 * start on its first calls and then stay warm, as every function's do, so a
 * configuration is only bookkeeping of the concurrency it commits. PutProvisionedConcurrencyConfig answers
 * IN_PROGRESS (202, nothing allocated yet, as AWS's first answer does) and
 * every later read finds it READY with all of it allocated.
 * AWS: Lambda developer guide, "Configuring provisioned concurrency";
 * LocalStack's recorded TestLambdaProvisionedConcurrency. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "lambda_model.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

int64_t lambda__provisioned_total(req_t *r, const lambda__fn_t *f, str_t except)
{
    sqlite3_stmt *st;
    if (lambda__fn_prepare(
            r, f,
            "SELECT COALESCE(SUM(requested), 0) FROM lambda_provisioned WHERE account = ?1 AND region = ?2 "
            "AND name = ?3 AND qualifier IS NOT ?4",
            &st) != GR_OK)
        return -1;
    lambda__bind_s(st, 4, except.p ? except : STR(""));
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return v;
}

int lambda__forget(app_t *app, str_t account, str_t region, str_t name, str_t qualifier)
{
    /* the first two are per version or alias (?4), the rest per function */
    const char *sqls[] = {
        "DELETE FROM lambda_provisioned WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
        "(?4 IS NULL OR qualifier = ?4)",
        "DELETE FROM lambda_runtime_mgmt WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
        "(?4 IS NULL OR version = ?4)",
        qualifier.p ? NULL : "DELETE FROM lambda_function_csc WHERE account = ?1 AND region = ?2 AND name = ?3",
        qualifier.p ? NULL : "DELETE FROM lambda_recursion WHERE account = ?1 AND region = ?2 AND name = ?3"};
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        sqlite3_stmt *st;
        if (!sqls[i]) continue;
        if (lambda__prepare(app, sqls[i], account, region, name, &st) != GR_OK) return GR_ERR;
        if (i < 2 && qualifier.p) lambda__bind_s(st, 4, qualifier);
        if (lambda__step_done(st) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

/* The version or alias in's FunctionName and Qualifier name, loaded into f;
 * *qual the qualifier. AWS: $LATEST is refused with `latest_msg`, then a
 * missing function, version or alias as the policy operations word it. */
static int target_or_fail(req_t *r, const val_t *in, lambda__fn_t *f, str_t *qual, const char *latest_msg)
{
    str_t name, q;
    *qual = val_get_str(in, "Qualifier");
    if (!qual->len && lambda__parse_name(val_get_str(in, "FunctionName"), &name, &q, NULL, NULL)) *qual = q;
    if (!qual->len || str_eq_c(*qual, "$LATEST"))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "%s", latest_msg);
    if (lambda__load_target_or_fail(r, in, f) != GR_OK) return GR_ERR;
    *qual = f->qualifier;
    return GR_OK;
}

static const char UNPUBLISHED[] = "Provisioned Concurrency Configs cannot be applied to unpublished function versions.";
static const char NOT_PUBLISHED[] = "The function resource provided must be an alias or a published version.";

/* The configuration's value; `fresh` for Put's answer, before anything is
 * allocated. */
static val_t *config_value(arena_t *a, int64_t requested, int64_t modified_ms, bool fresh)
{
    val_t *v = val_new(a, VAL_STRUCT);
    int64_t allocated = fresh ? 0 : requested;
    val_set_c(a, v, "RequestedProvisionedConcurrentExecutions", val_int(a, requested));
    val_set_c(a, v, "AvailableProvisionedConcurrentExecutions", val_int(a, allocated));
    val_set_c(a, v, "AllocatedProvisionedConcurrentExecutions", val_int(a, allocated));
    val_set_c(a, v, "Status", val_cstr(a, fresh ? "IN_PROGRESS" : "READY"));
    val_set_c(a, v, "LastModified", lambda__time_value(a, modified_ms));
    return v;
}

/* AWS (recorded): a version and an alias pointing at it cannot both have
 * provisioned concurrency, whichever comes second is refused. */
static int conflict_or_fail(req_t *r, const lambda__fn_t *f, str_t qual)
{
    bool alias = false;
    for (size_t i = 0; i < qual.len; i++) alias |= qual.p[i] < '0' || qual.p[i] > '9';
    sqlite3_stmt *st;
    if (lambda__fn_prepare(
            r, f,
            alias ? "SELECT 1 FROM lambda_provisioned p JOIN lambda_alias x ON x.account = p.account AND "
                    "x.region = p.region AND x.name = p.name AND p.qualifier = x.version WHERE p.account = ?1 "
                    "AND p.region = ?2 AND p.name = ?3 AND x.alias = ?4"
                  : "SELECT 1 FROM lambda_provisioned p JOIN lambda_alias x ON x.account = p.account AND "
                    "x.region = p.region AND x.name = p.name AND p.qualifier = x.alias WHERE p.account = ?1 "
                    "AND p.region = ?2 AND p.name = ?3 AND x.version = ?4",
            &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, qual);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc == SQLITE_DONE) return GR_OK;
    if (rc != SQLITE_ROW) return GR_ERR;
    return req_fail(r, &LAMBDA_ERR_ResourceConflictException, "%s",
                    alias ? "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned "
                            "version"
                          : "Version is pointed by a Provisioned Concurrency alias");
}

/* AWS (recorded test_provisioned_concurrency_limits,
 * test_reserved_provisioned_overlap): within the function's reserved
 * concurrency when it has one; else within the account's unreserved pool,
 * which must keep its minimum. */
static int limits_or_fail(req_t *r, const lambda__fn_t *f, str_t qual, int64_t n)
{
    int64_t mine = lambda__provisioned_total(r, f, qual), others = lambda__committed_by_others(r, f->name);
    if (mine < 0 || others < 0) return GR_ERR;
    if (f->reserved >= 0) {
        if (mine + n > f->reserved)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Requested Provisioned Concurrency should not be greater than the "
                            "reservedConcurrentExecution for function");
        return GR_OK;
    }
    int64_t unreserved = LAMBDA__ACCOUNT_CONCURRENCY - others - mine;
    if (n > unreserved)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Specified ConcurrentExecutions for function is greater than account's unreserved "
                        "concurrency [%lld].",
                        (long long)unreserved);
    if (unreserved - n < LAMBDA__UNRESERVED_MIN)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Specified ConcurrentExecutions for function decreases account's "
                        "UnreservedConcurrentExecution below its minimum value of [%d].",
                        LAMBDA__UNRESERVED_MIN);
    return GR_OK;
}

int lambda_put_provisioned_concurrency_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    str_t qual;
    if (target_or_fail(r, in, &f, &qual, UNPUBLISHED) != GR_OK) return GR_ERR;
    /* AWS: "You can't allocate provisioned concurrency on an alias that
     * points to the unpublished version ($LATEST)" */
    if (str_eq_c(f.version, "$LATEST"))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "%s", UNPUBLISHED);
    int64_t n = val_get_int(in, "ProvisionedConcurrentExecutions", 0);
    if (conflict_or_fail(r, &f, qual) != GR_OK || limits_or_fail(r, &f, qual, n) != GR_OK) return GR_ERR;
    int64_t now = time_now_us() / 1000;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(
            r, &f,
            "INSERT INTO lambda_provisioned (account, region, name, qualifier, requested, modified) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET requested = ?5, modified = ?6",
            &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, qual);
    sqlite3_bind_int64(st, 5, n);
    sqlite3_bind_int64(st, 6, now);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    *out = *config_value(r->arena, n, now, true);
    return GR_OK;
}

int lambda_get_provisioned_concurrency_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    str_t qual;
    if (target_or_fail(r, in, &f, &qual, NOT_PUBLISHED) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "SELECT requested, modified FROM lambda_provisioned WHERE account = ?1 AND region = ?2 AND "
                           "name = ?3 AND qualifier = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, qual);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = *config_value(r->arena, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), false);
    store_release(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, &LAMBDA_ERR_ProvisionedConcurrencyConfigNotFoundException,
                        "No Provisioned Concurrency Config found for this function");
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

/* AWS: deleting a configuration that does not exist succeeds (204). */
int lambda_delete_provisioned_concurrency_config(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    lambda__fn_t f;
    str_t qual;
    if (target_or_fail(r, in, &f, &qual, NOT_PUBLISHED) != GR_OK) return GR_ERR;
    return lambda__forget(r->app, f.account, f.region, f.name, qual);
}

/* A list item: the configuration and its qualified FunctionArn (ctx: the
 * function's ARN, a C string). */
static val_t *list_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    arena_t *a = r->arena;
    val_t *item = config_value(a, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), false);
    val_set_c(a, item, "FunctionArn",
              val_cstr(a, arena_printf(a, "%s:%s", (const char *)ctx, (const char *)sqlite3_column_text(st, 0))));
    return item;
}

/* AWS: at most 50 a page. */
int lambda_list_provisioned_concurrency_configs(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t name, q;
    str_t fname = val_get_str(in, "FunctionName");
    if (lambda__parse_name(fname, &name, &q, NULL, NULL) && q.len)
        fname = str_c(arena_printf(a, "%.*s", (int)(fname.len - q.len - 1), fname.p));
    if (lambda__load_or_fail(r, fname, &f) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "MaxItems", 50);
    if (limit > 50) limit = 50;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "SELECT qualifier, requested, modified FROM lambda_provisioned WHERE account = ?1 AND "
                           "region = ?2 AND name = ?3 AND qualifier > ?4 ORDER BY qualifier LIMIT ?5",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, val_get_str(in, "Marker"));
    sqlite3_bind_int64(st, 5, limit + 1);
    str_t arn = lambda__arn(a, f.region, f.account, f.name);
    return lambda__page(r, st, limit, out, "ProvisionedConcurrencyConfigs", list_item, (void *)arn.p);
}
