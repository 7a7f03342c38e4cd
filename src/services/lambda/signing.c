/* signing.c — code signing for Lambda: code signing configurations
 * (Create/Get/Update/Delete/ListCodeSigningConfigs over lambda_csc), the one
 * a function uses (Put/Get/DeleteFunctionCodeSigningConfig and
 * ListFunctionsByCodeSigningConfig over lambda_function_csc), and what a
 * configuration does to a deployment (lambda__deploy_check, called by
 * CreateFunction, UpdateFunctionCode and UpdateFunctionConfiguration).
 *
 * AWS verifies, at deployment only, that a function's new code and the
 * layers it adds are signed by one of the configuration's allowed signing
 * profiles (AWS Signer); with UntrustedArtifactOnDeployment Enforce a
 * package that fails is refused, with Warn (the default) it is deployed
 * and a warning issued. Code already deployed keeps running. gureum has no
 * AWS Signer, so nothing it stores carries a signature: Enforce refuses every
 * deployment, Warn logs the warning on the server's log. AWS: Lambda
 * developer guide, "Using code signing to verify code integrity with
 * Lambda"; LocalStack's recorded TestCodeSigningConfig. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "lambda_model.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

/* Prepares sql with ?1 and ?2 bound to r's account and region. */
static int prepare(req_t *r, const char *sql, sqlite3_stmt **st)
{
    return lambda__prepare(r->app, sql, r->who.account, r->region, STR_NULL, st);
}

static str_t csc_arn(req_t *r, str_t id)
{
    return str_c(arena_printf(r->arena, "arn:aws:lambda:%.*s:%.*s:code-signing-config:%.*s", STR_FMT(r->region),
                              STR_FMT(r->who.account), STR_FMT(id)));
}

/* The id of a configuration ARN of r's account and region, or STR_NULL. */
static str_t arn_id(req_t *r, str_t arn)
{
    str_t prefix = csc_arn(r, STR(""));
    return str_starts_with(arn, prefix) ? str_n(arn.p + prefix.len, arn.len - prefix.len) : STR_NULL;
}

#define C_COLS "id, description, profiles, policy, modified"

static val_t *csc_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT), *pub = val_new(a, VAL_STRUCT), *pol = val_new(a, VAL_STRUCT);
    str_t id = lambda__col(a, st, 0);
    val_set_c(a, v, "CodeSigningConfigId", val_str(a, id));
    val_set_c(a, v, "CodeSigningConfigArn", val_str(a, csc_arn(r, id)));
    val_set_c(a, v, "Description", val_str(a, lambda__col(a, st, 1)));
    val_t *arns = val_new(a, VAL_LIST);
    const json_t *j = json_parse(a, lambda__col(a, st, 2), NULL);
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++)
        if (j->u.arr.v[i]->type == JSON_STRING) val_push(a, arns, val_str(a, j->u.arr.v[i]->u.s));
    val_set_c(a, pub, "SigningProfileVersionArns", arns);
    val_set_c(a, v, "AllowedPublishers", pub);
    val_set_c(a, pol, "UntrustedArtifactOnDeployment", val_str(a, lambda__col(a, st, 3)));
    val_set_c(a, v, "CodeSigningPolicies", pol);
    val_set_c(a, v, "LastModified", lambda__time_value(a, sqlite3_column_int64(st, 4)));
    return v;
}

/* The row of configuration `id` of r's account and region in *out (the
 * caller releases it): 1, 0 when there is none, -1 on error. */
static int csc_get(req_t *r, str_t id, sqlite3_stmt **out)
{
    sqlite3_stmt *st;
    if (prepare(r, "SELECT " C_COLS " FROM lambda_csc WHERE account = ?1 AND region = ?2 AND id = ?3", &st) != GR_OK)
        return -1;
    lambda__bind_s(st, 3, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = st;
        return 1;
    }
    store_release(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The configuration in's CodeSigningConfigArn names, or r failed as AWS
 * words it for the configuration operations (recorded). */
static int csc_or_fail(req_t *r, const val_t *in, sqlite3_stmt **st)
{
    str_t arn = val_get_str(in, "CodeSigningConfigArn");
    str_t id = arn_id(r, arn);
    int rc = id.p ? csc_get(r, id, st) : 0;
    if (rc < 0) return GR_ERR;
    if (!rc)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException,
                        "The Lambda code signing configuration %.*s can not be found.", STR_FMT(arn));
    return GR_OK;
}

/* The same for the function operations and CreateFunction: the id, or
 * CodeSigningConfigNotFoundException (recorded). */
static int csc_id_or_fail(req_t *r, str_t arn, str_t *id, str_t *policy)
{
    sqlite3_stmt *st;
    *id = arn_id(r, arn);
    int rc = id->p ? csc_get(r, *id, &st) : 0;
    if (rc < 0) return GR_ERR;
    if (!rc)
        return req_fail(r, &LAMBDA_ERR_CodeSigningConfigNotFoundException,
                        "The code signing configuration cannot be found. Check that the provided configuration is "
                        "not deleted: %.*s.",
                        STR_FMT(arn));
    if (policy) *policy = lambda__col(r->arena, st, 3);
    store_release(st);
    return GR_OK;
}

static str_t profiles_json(arena_t *a, const val_t *pub)
{
    const val_t *arns = val_get(pub, "SigningProfileVersionArns");
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; i < val_len(arns); i++) json_w_str(&w, arns->u.list.v[i]->u.s);
    json_w_arr_end(&w);
    return buf_str(&b);
}

/* AWS: UntrustedArtifactOnDeployment is Warn unless the request says Enforce. */
static str_t policy_of(const val_t *in, str_t current)
{
    const val_t *p = val_get(in, "CodeSigningPolicies");
    str_t v = p ? val_get_str(p, "UntrustedArtifactOnDeployment") : STR_NULL;
    return v.len ? v : current;
}

/* ==== Configurations ==== */

int lambda_create_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    char tail[18];
    id_random_chars(tail, 17, "abcdefghijklmnopqrstuvwxyz0123456789");
    str_t id = str_c(arena_printf(r->arena, "csc-%s", tail));
    sqlite3_stmt *st;
    if (prepare(r,
                "INSERT INTO lambda_csc (account, region, id, description, profiles, policy, modified) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING " C_COLS,
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, id);
    lambda__bind_s(st, 4, val_get_str(in, "Description"));
    lambda__bind_s(st, 5, profiles_json(r->arena, val_get(in, "AllowedPublishers")));
    lambda__bind_s(st, 6, policy_of(in, STR("Warn")));
    sqlite3_bind_int64(st, 7, time_now_us() / 1000);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) val_set_c(r->arena, out, "CodeSigningConfig", csc_value(r, st));
    store_release(st);
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

int lambda_get_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st;
    if (csc_or_fail(r, in, &st) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "CodeSigningConfig", csc_value(r, st));
    store_release(st);
    return GR_OK;
}

/* AWS: only what the request names changes; an update naming nothing
 * answers the configuration as it is (recorded update_csc_noupdate_response). */
int lambda_update_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (csc_or_fail(r, in, &st) != GR_OK) return GR_ERR;
    str_t id = lambda__col(a, st, 0), desc = lambda__col(a, st, 1), profiles = lambda__col(a, st, 2),
          policy = lambda__col(a, st, 3);
    int64_t modified = sqlite3_column_int64(st, 4);
    store_release(st);
    bool changed = false;
    if (val_get_str(in, "Description").p) {
        desc = val_get_str(in, "Description");
        changed = true;
    }
    if (val_get(in, "AllowedPublishers")) {
        profiles = profiles_json(a, val_get(in, "AllowedPublishers"));
        changed = true;
    }
    if (val_get(in, "CodeSigningPolicies")) {
        policy = policy_of(in, policy);
        changed = true;
    }
    if (prepare(r,
                "UPDATE lambda_csc SET description = ?4, profiles = ?5, policy = ?6, modified = ?7 "
                "WHERE account = ?1 AND region = ?2 AND id = ?3 RETURNING " C_COLS,
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, id);
    lambda__bind_s(st, 4, desc);
    lambda__bind_s(st, 5, profiles);
    lambda__bind_s(st, 6, policy);
    sqlite3_bind_int64(st, 7, changed ? time_now_us() / 1000 : modified);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) val_set_c(a, out, "CodeSigningConfig", csc_value(r, st));
    store_release(st);
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

/* AWS: "You can delete the code signing configuration only if no function
 * is using it" (DeleteCodeSigningConfig: ResourceConflictException). */
int lambda_delete_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3_stmt *st;
    if (csc_or_fail(r, in, &st) != GR_OK) return GR_ERR;
    str_t id = lambda__col(r->arena, st, 0);
    store_release(st);
    if (prepare(r,
                "SELECT name FROM lambda_function_csc WHERE account = ?1 AND region = ?2 AND csc_id = ?3 "
                "LIMIT 1",
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, id);
    int rc = sqlite3_step(st);
    str_t user = rc == SQLITE_ROW ? lambda__col(r->arena, st, 0) : STR_NULL;
    store_release(st);
    if (rc == SQLITE_ROW)
        return req_fail(r, &LAMBDA_ERR_ResourceConflictException,
                        "The code signing configuration %.*s is used by function %.*s. Remove it from every "
                        "function that uses it before deleting it.",
                        STR_FMT(val_get_str(in, "CodeSigningConfigArn")), STR_FMT(user));
    if (rc != SQLITE_DONE ||
        prepare(r, "DELETE FROM lambda_csc WHERE account = ?1 AND region = ?2 AND id = ?3", &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, id);
    return lambda__step_done(st);
}

static val_t *csc_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return csc_value(r, st);
}

static val_t *function_arn_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    return val_str(r->arena, lambda__arn(r->arena, r->region, r->who.account, lambda__col(r->arena, st, 0)));
}

/* AWS: at most 50 a page. */
static int64_t page_limit(const val_t *in)
{
    int64_t limit = val_get_int(in, "MaxItems", 50);
    return limit > 50 ? 50 : limit;
}

int lambda_list_code_signing_configs(req_t *r, const val_t *in, val_t *out)
{
    int64_t limit = page_limit(in);
    sqlite3_stmt *st;
    if (prepare(r,
                "SELECT " C_COLS " FROM lambda_csc WHERE account = ?1 AND region = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, val_get_str(in, "Marker"));
    sqlite3_bind_int64(st, 4, limit + 1);
    return lambda__page(r, st, limit, out, "CodeSigningConfigs", csc_item, NULL);
}

/* ==== Functions ==== */

int lambda__link_csc(req_t *r, str_t name, str_t arn)
{
    sqlite3_stmt *st;
    if (prepare(r,
                "INSERT INTO lambda_function_csc (account, region, name, csc_id) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT DO UPDATE SET csc_id = ?4",
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, name);
    lambda__bind_s(st, 4, arn_id(r, arn));
    return lambda__step_done(st);
}

/* The id of the configuration function `name` uses, STR_NULL when none. */
static int function_csc(req_t *r, str_t name, str_t *id)
{
    sqlite3_stmt *st;
    *id = STR_NULL;
    if (prepare(r, "SELECT csc_id FROM lambda_function_csc WHERE account = ?1 AND region = ?2 AND name = ?3", &st) !=
        GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = lambda__col(r->arena, st, 0);
    store_release(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* AWS: the message Lambda refuses an unsigned package with under Enforce
 * (as CloudFormation relays it: aws-cdk#29474, aws-sam-cli#2424). */
static int untrusted(req_t *r, str_t policy, str_t what, str_t csc_id)
{
    if (str_eq_c(policy, "Enforce"))
        return req_fail(r, &LAMBDA_ERR_CodeVerificationFailedException,
                        "Lambda cannot deploy the function. The function or layer might be signed using a signature "
                        "that the client is not configured to accept. Check the provided signature for %.*s.",
                        STR_FMT(what));
    log_warn("lambda: %.*s is not signed by an allowed signing profile of code signing configuration %.*s "
             "(UntrustedArtifactOnDeployment Warn: deployed)",
             STR_FMT(what), STR_FMT(csc_id));
    return GR_OK;
}

int lambda__deploy_check(req_t *r, str_t name, str_t arn, bool code, const val_t *layers)
{
    str_t id, policy = STR_NULL;
    if (arn.p) {
        if (csc_id_or_fail(r, arn, &id, &policy) != GR_OK) return GR_ERR;
    } else {
        if (function_csc(r, name, &id) != GR_OK) return GR_ERR;
        if (!id.p) return GR_OK;
        sqlite3_stmt *st;
        int rc = csc_get(r, id, &st);
        if (rc < 0) return GR_ERR;
        if (!rc) return GR_OK; /* cannot happen: a configuration in use is never deleted */
        policy = lambda__col(r->arena, st, 3);
        store_release(st);
    }
    if (code && untrusted(r, policy, name, id) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(layers); i++)
        if (untrusted(r, policy, layers->u.list.v[i]->u.s, id) != GR_OK) return GR_ERR;
    return GR_OK;
}

/* AWS: the configuration is checked before the function (recorded
 * put_function_csc_invalid_both); code already deployed is not checked
 * again ("Code signing configurations only prevent new deployments"). */
int lambda_put_function_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t arn = val_get_str(in, "CodeSigningConfigArn"), id;
    if (csc_id_or_fail(r, arn, &id, NULL) != GR_OK) return GR_ERR;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    if (lambda__link_csc(r, f.name, arn) != GR_OK) return GR_ERR;
    val_set_c(a, out, "CodeSigningConfigArn", val_str(a, arn));
    val_set_c(a, out, "FunctionName", val_str(a, f.name));
    return GR_OK;
}

/* AWS: a function without a configuration answers an empty document
 * (recorded get_function_csc_fnwithoutcsc). */
int lambda_get_function_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t id;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    if (function_csc(r, f.name, &id) != GR_OK) return GR_ERR;
    if (!id.p) return GR_OK;
    val_set_c(a, out, "CodeSigningConfigArn", val_str(a, csc_arn(r, id)));
    val_set_c(a, out, "FunctionName", val_str(a, f.name));
    return GR_OK;
}

/* AWS: removing a configuration the function does not have succeeds (204). */
int lambda_delete_function_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    return lambda__fn_exec(r, &f, "DELETE FROM lambda_function_csc WHERE account = ?1 AND region = ?2 AND name = ?3");
}

int lambda_list_functions_by_code_signing_config(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (csc_or_fail(r, in, &st) != GR_OK) return GR_ERR;
    str_t id = lambda__col(a, st, 0);
    store_release(st);
    int64_t limit = page_limit(in);
    if (prepare(r,
                "SELECT name FROM lambda_function_csc WHERE account = ?1 AND region = ?2 AND csc_id = ?3 "
                "AND name > ?4 ORDER BY name LIMIT ?5",
                &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 3, id);
    lambda__bind_s(st, 4, val_get_str(in, "Marker"));
    sqlite3_bind_int64(st, 5, limit + 1);
    return lambda__page(r, st, limit, out, "FunctionArns", function_arn_item, NULL);
}
