/* function.c — Lambda functions over lambda_function (schema/): create, read,
 * update, delete and list them, their resource policy, tags and reserved
 * concurrency. Invocation is invoke.c; code files are code.c.
 *
 * Invariant: a row's revision changes with every change to its code or
 * configuration, and the runtime's warm environments are keyed by it, so an
 * invocation after an update never reaches a process of the old revision. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/req.h"
#include "lambda_model.h"
#include "schemas.h"
#include "services/grant.h"
#include "services/iam/iam.h"
#include "services/s3/s3.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

sqlite3 *lambda__db(app_t *app)
{
    return store_db(app->store, &schema_lambda);
}

void lambda__bind_s(sqlite3_stmt *st, int i, str_t s)
{
    sqlite3_bind_text(st, i, s.p ? s.p : "", (int)s.len, SQLITE_TRANSIENT);
}

str_t lambda__col(arena_t *a, sqlite3_stmt *st, int i)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return arena_str(a, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, i)));
}

void lambda__read_config(arena_t *a, sqlite3_stmt *st, lambda__fn_t *f)
{
    f->runtime = lambda__col(a, st, 1);
    f->handler = lambda__col(a, st, 2);
    f->role = lambda__col(a, st, 3);
    f->memory_mb = sqlite3_column_int64(st, 4);
    f->timeout_s = sqlite3_column_int64(st, 5);
    f->code_sha256 = lambda__col(a, st, 6);
    f->code_size = sqlite3_column_int64(st, 7);
    f->last_modified = sqlite3_column_int64(st, 8);
    f->description = lambda__col(a, st, 9);
    f->env_json = lambda__col(a, st, 10);
    f->code_id = lambda__col(a, st, 11);
    f->revision = lambda__col(a, st, 12);
    f->policy = lambda__col(a, st, 13);
    f->dlq_arn = lambda__col(a, st, 14);
    f->ephemeral_mb = sqlite3_column_int64(st, 15);
    f->logging = lambda__col(a, st, 16);
}

/* $LATEST's row: the configuration, and what only $LATEST has. */
#define FN_COLS "name, " LAMBDA__CONFIG_COLS ", tags_json, reserved, layers"

static void read_fn(arena_t *a, sqlite3_stmt *st, lambda__fn_t *f)
{
    f->name = lambda__col(a, st, 0);
    lambda__read_config(a, st, f);
    f->tags_json = lambda__col(a, st, 17);
    f->reserved = sqlite3_column_int64(st, 18);
    f->layers = lambda__col(a, st, 19);
}

int lambda__load(app_t *app, arena_t *a, str_t account, str_t region, str_t name, lambda__fn_t *f)
{
    sqlite3_stmt *st;
    if (lambda__prepare(app, "SELECT " FN_COLS " FROM lambda_function WHERE account = ?1 AND region = ?2 AND name = ?3",
                        account, region, name, &st) != GR_OK)
        return -1;
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        memset(f, 0, sizeof *f);
        f->version = STR("$LATEST");
        f->account = arena_str(a, account);
        f->region = arena_str(a, region);
        read_fn(a, st, f);
        found = 1;
    } else if (rc != SQLITE_DONE)
        found = -1;
    store_release(st);
    return found;
}

str_t lambda__arn(arena_t *a, str_t region, str_t account, str_t name)
{
    return str_c(
        arena_printf(a, "arn:aws:lambda:%.*s:%.*s:function:%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(name)));
}

/* AWS: FunctionName may be "name", "name:qualifier", "ACCOUNT:function:name"
 * or "arn:aws:lambda:REGION:ACCOUNT:function:name[:qualifier]". */
bool lambda__parse_name(str_t in, str_t *name, str_t *qualifier, str_t *account, str_t *region)
{
    str_t parts[8];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= in.len && n < 8; i++)
        if (i == in.len || in.p[i] == ':') {
            parts[n++] = str_n(in.p + start, i - start);
            start = i + 1;
        }
    *qualifier = STR_NULL;
    if (account) *account = STR_NULL;
    if (region) *region = STR_NULL;
    if (n >= 7 && str_eq_c(parts[0], "arn") && str_eq_c(parts[5], "function")) {
        if (region) *region = parts[3];
        if (account) *account = parts[4];
        *name = parts[6];
        if (n == 8) *qualifier = parts[7];
        return n <= 8 && name->len;
    }
    if (n >= 3 && str_eq_c(parts[1], "function")) {
        if (account) *account = parts[0];
        *name = parts[2];
        if (n == 4) *qualifier = parts[3];
        return n <= 4 && name->len;
    }
    *name = parts[0];
    if (n == 2) *qualifier = parts[1];
    return n <= 2 && name->len;
}

val_t *lambda__time_value(arena_t *a, int64_t ms)
{
    /* AWS writes these times as strings: 2019-01-01T00:00:00.000+0000 */
    char ts[40];
    time_fmt_iso8601(ts, ms * 1000, true);
    ts[23] = 0;
    return val_cstr(a, arena_printf(a, "%s+0000", ts));
}

int lambda__load_or_fail(req_t *r, str_t fname, lambda__fn_t *f)
{
    str_t name, q, acct, region;
    if (!lambda__parse_name(fname, &name, &q, &acct, &region))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid function name: %.*s", STR_FMT(fname));
    /* AWS (LocalStack's recorded test_get_function_wrong_region, every
     * function operation alike) */
    if (region.len && !str_eq(region, r->region))
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException,
                        "Functions from '%.*s' are not reachable in this region ('%.*s')", STR_FMT(region),
                        STR_FMT(r->region));
    if (acct.len && !str_eq(acct, r->who.account))
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Function not found: %.*s", STR_FMT(fname));
    int rc = lambda__load_q(r->app, r->arena, r->who.account, r->region, name, q, f);
    if (rc < 0) return GR_ERR;
    if (rc == 0)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Function not found: %s%s%.*s",
                        lambda__arn(r->arena, r->region, r->who.account, name).p, q.len ? ":" : "", STR_FMT(q));
    return GR_OK;
}

static val_t *json_to_map(arena_t *a, str_t text)
{
    val_t *m = val_new(a, VAL_MAP);
    if (!text.len) return m;
    const json_t *j = json_parse(a, text, NULL);
    if (!j || j->type != JSON_OBJECT) return m;
    for (size_t i = 0; i < j->u.obj.n; i++)
        if (j->u.obj.v[i]->type == JSON_STRING) val_set(a, m, j->u.obj.k[i], val_str(a, j->u.obj.v[i]->u.s));
    return m;
}

str_t lambda__map_json(arena_t *a, const val_t *m)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    for (size_t i = 0; m && i < m->u.obj.n; i++) {
        json_w_key(&w, m->u.obj.e[i].key);
        json_w_str(&w, m->u.obj.e[i].v->kind == VAL_STR ? m->u.obj.e[i].v->u.s : STR(""));
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

val_t *lambda__config_value(arena_t *a, const lambda__fn_t *f)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "FunctionName", val_str(a, f->name));
    bool latest = !f->version.len || str_eq_c(f->version, "$LATEST");
    str_t arn = lambda__arn(a, f->region, f->account, f->name);
    if (!latest || f->named_latest) arn = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(arn), STR_FMT(f->version)));
    val_set_c(a, v, "FunctionArn", val_str(a, arn));
    if (f->runtime.len) val_set_c(a, v, "Runtime", val_str(a, f->runtime));
    val_set_c(a, v, "Role", val_str(a, f->role));
    if (f->handler.len) val_set_c(a, v, "Handler", val_str(a, f->handler));
    val_set_c(a, v, "CodeSize", val_int(a, f->code_size));
    val_set_c(a, v, "Description", val_str(a, f->description));
    val_set_c(a, v, "Timeout", val_int(a, f->timeout_s));
    val_set_c(a, v, "MemorySize", val_int(a, f->memory_mb));
    val_set_c(a, v, "LastModified", lambda__time_value(a, f->last_modified));
    val_set_c(a, v, "CodeSha256", val_str(a, f->code_sha256));
    val_set_c(a, v, "Version", latest ? val_cstr(a, "$LATEST") : val_str(a, f->version));
    if (f->env_json.len) {
        val_t *env = val_new(a, VAL_STRUCT);
        val_set_c(a, env, "Variables", json_to_map(a, f->env_json));
        val_set_c(a, v, "Environment", env);
    }
    if (f->dlq_arn.len) {
        val_t *d = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "TargetArn", val_str(a, f->dlq_arn));
        val_set_c(a, v, "DeadLetterConfig", d);
    }
    const json_t *lj = f->layers.len ? json_parse(a, f->layers, NULL) : NULL;
    if (lj && lj->type == JSON_ARRAY && lj->u.arr.n) {
        val_t *ls = val_new(a, VAL_LIST);
        for (size_t i = 0; i < lj->u.arr.n; i++) {
            const json_t *arn = json_get(lj->u.arr.v[i], "Arn"), *size = json_get(lj->u.arr.v[i], "CodeSize");
            val_t *l = val_new(a, VAL_STRUCT);
            val_set_c(a, l, "Arn", val_str(a, arn && arn->type == JSON_STRING ? arn->u.s : STR("")));
            val_set_c(a, l, "CodeSize", val_int(a, size && size->type == JSON_INT ? size->u.i : 0));
            val_push(a, ls, l);
        }
        val_set_c(a, v, "Layers", ls);
    }
    val_t *tr = val_new(a, VAL_STRUCT);
    val_set_c(a, tr, "Mode", val_cstr(a, "PassThrough"));
    val_set_c(a, v, "TracingConfig", tr);
    val_set_c(a, v, "RevisionId", val_str(a, f->revision));
    val_set_c(a, v, "State", val_cstr(a, "Active"));
    val_set_c(a, v, "LastUpdateStatus", val_cstr(a, "Successful"));
    val_set_c(a, v, "PackageType", val_cstr(a, "Zip"));
    val_t *arch = val_new(a, VAL_LIST);
    val_push(a, arch, val_cstr(a, "x86_64"));
    val_set_c(a, v, "Architectures", arch);
    val_t *eph = val_new(a, VAL_STRUCT);
    val_set_c(a, eph, "Size", val_int(a, f->ephemeral_mb));
    val_set_c(a, v, "EphemeralStorage", eph);
    /* AWS (recorded, LocalStack's TestLoggingConfig): every configuration
     * has LoggingConfig, {Text, /aws/lambda/NAME} by default; JSON adds the
     * two levels, INFO unless set */
    val_t *lc = val_new(a, VAL_STRUCT);
    lambda__log_t lg = lambda__logging(a, f);
    if (lg.json) val_set_c(a, lc, "ApplicationLogLevel", val_str(a, lg.app_level));
    val_set_c(a, lc, "LogFormat", val_cstr(a, lg.json ? "JSON" : "Text"));
    val_set_c(a, lc, "LogGroup", val_str(a, lg.group));
    if (lg.json) val_set_c(a, lc, "SystemLogLevel", val_str(a, lg.sys_level));
    val_set_c(a, v, "LoggingConfig", lc);
    val_t *ss = val_new(a, VAL_STRUCT);
    val_set_c(a, ss, "ApplyOn", val_cstr(a, "None"));
    val_set_c(a, ss, "OptimizationStatus", val_cstr(a, "Off"));
    val_set_c(a, v, "SnapStart", ss);
    return v;
}

/* ==== LoggingConfig ==== */

static const char *const LOG_KEYS[4] = {"LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup"};

/* f's LoggingConfig members as set (STR_NULL where not), LOG_KEYS' order;
 * the stored JSON is parsed once. */
static void log_set(arena_t *a, const lambda__fn_t *f, str_t v[4])
{
    const json_t *j = f->logging.len ? json_parse(a, f->logging, NULL) : NULL;
    for (int i = 0; i < 4; i++) {
        const json_t *x = j && j->type == JSON_OBJECT ? json_get(j, LOG_KEYS[i]) : NULL;
        v[i] = x && x->type == JSON_STRING ? x->u.s : STR_NULL;
    }
}

lambda__log_t lambda__logging(arena_t *a, const lambda__fn_t *f)
{
    str_t v[4];
    log_set(a, f, v);
    return (lambda__log_t){
        .json = str_eq_c(v[0], "JSON"),
        .app_level = v[1].len ? v[1] : STR("INFO"),
        .sys_level = v[2].len ? v[2] : STR("INFO"),
        .group = v[3].len ? v[3] : str_c(arena_printf(a, "/aws/lambda/%.*s", STR_FMT(f->name))),
    };
}

/* UpdateFunctionConfiguration / CreateFunction's LoggingConfig merged into
 * f's, member by member (AWS, recorded: {LogGroup} alone keeps the format;
 * {LogFormat: JSON} gets INFO levels; back to Text drops the levels).
 * Levels with the Text format are refused, in AWS's words. */
static int apply_logging(req_t *r, const val_t *lc, lambda__fn_t *f)
{
    arena_t *a = r->arena;
    str_t v[4];
    log_set(a, f, v);
    for (int i = 0; i < 4; i++) {
        str_t asked = val_get_str(lc, LOG_KEYS[i]);
        if (asked.p) v[i] = asked;
    }
    bool json = str_eq_c(v[0], "JSON");
    bool levels_asked = val_get(lc, "ApplicationLogLevel") || val_get(lc, "SystemLogLevel");
    if (!json && levels_asked)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your "
                        "request or change the LogFormat to \"Json\" and try again.");
    if (!json) v[1] = v[2] = STR_NULL; /* Text keeps no levels */
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    for (int i = 0; i < 4; i++) {
        if (!v[i].len) continue;
        json_w_key(&w, str_c(LOG_KEYS[i]));
        json_w_str(&w, v[i]);
    }
    json_w_obj_end(&w);
    f->logging = buf_str(&b);
    return GR_OK;
}

/* ==== Validation shared by create and update ==== */

/* AWS: "Lambda was unable to configure your environment variables because the
 * environment variables you have provided contains reserved keys that are
 * currently not supported for modification. Reserved keys used in this
 * request: AWS_REGION" (Lambda developer guide, reserved environment variables). */
static const char *const RESERVED_ENV[] = {"_HANDLER",
                                           "_X_AMZN_TRACE_ID",
                                           "AWS_DEFAULT_REGION",
                                           "AWS_REGION",
                                           "AWS_EXECUTION_ENV",
                                           "AWS_LAMBDA_FUNCTION_NAME",
                                           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                           "AWS_LAMBDA_FUNCTION_VERSION",
                                           "AWS_LAMBDA_INITIALIZATION_TYPE",
                                           "AWS_LAMBDA_LOG_GROUP_NAME",
                                           "AWS_LAMBDA_LOG_STREAM_NAME",
                                           "AWS_ACCESS_KEY",
                                           "AWS_ACCESS_KEY_ID",
                                           "AWS_SECRET_ACCESS_KEY",
                                           "AWS_SESSION_TOKEN",
                                           "AWS_LAMBDA_RUNTIME_API",
                                           "LAMBDA_TASK_ROOT",
                                           "LAMBDA_RUNTIME_DIR",
                                           NULL};

static const aws_errdef_t E_Validation = {"ValidationException", 400, true};

static int check_config(req_t *r, const val_t *in, lambda__fn_t *f)
{
    arena_t *a = r->arena;
    /* AWS: Timeout 1..900 s (Debian's model still says no maximum) */
    int64_t t = val_get_int(in, "Timeout", 3);
    if (t > 900)
        return req_fail(r, &E_Validation,
                        "1 validation error detected: Value '%lld' at 'timeout' failed to satisfy constraint: Member "
                        "must have value less than or equal to 900",
                        (long long)t);
    str_t rt = val_get_str(in, "Runtime");
    if (rt.p) {
        if (lambda__runtime_deprecated(rt))
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "The runtime parameter of %.*s is no longer supported for creating or updating AWS "
                            "Lambda functions. We recommend you use a supported runtime while creating or updating "
                            "functions.",
                            STR_FMT(rt));
        if (!lambda__runtime_supported(rt))
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Value %.*s at 'runtime' failed to satisfy constraint: gureum runs nodejs16.x-"
                            "nodejs22.x, python3.9-python3.14, provided, provided.al2 and provided.al2023",
                            STR_FMT(rt));
        f->runtime = rt;
    }
    const val_t *env = val_get(in, "Environment");
    if (env) {
        const val_t *vars = val_get(env, "Variables");
        buf_t used;
        buf_init(&used, a);
        for (size_t i = 0; vars && i < vars->u.obj.n; i++)
            for (const char *const *k = RESERVED_ENV; *k; k++)
                if (str_eq_c(vars->u.obj.e[i].key, *k)) {
                    if (used.len) buf_puts(&used, ", ");
                    buf_puts(&used, *k);
                }
        if (used.len)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Lambda was unable to configure your environment variables because the environment "
                            "variables you have provided contains reserved keys that are currently not supported "
                            "for modification. Reserved keys used in this request: %s",
                            buf_str(&used).p);
        /* AWS: the variables together may not exceed 4 KB */
        str_t j = vars && vars->u.obj.n ? lambda__map_json(a, vars) : STR("");
        if (j.len > 4096)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Lambda was unable to configure your environment variables because the environment "
                            "variables you have provided exceeded the 4KB limit. String measured: %.*s",
                            STR_FMT(j));
        f->env_json = j;
    }
    str_t role = val_get_str(in, "Role");
    /* AWS: arn:aws:iam::OTHER:role/x → AccessDeniedException (as moto and
     * AWS's other PassRole services word it) */
    str_t rparts[5];
    size_t rn = 0, rstart = 0;
    for (size_t i = 0; role.p && i <= role.len && rn < 5; i++)
        if (i == role.len || role.p[i] == ':') {
            rparts[rn++] = str_n(role.p + rstart, i - rstart);
            rstart = i + 1;
        }
    if (rn == 5 && rparts[4].len && !str_eq(rparts[4], r->who.account))
        return req_fail(r, &ERR_AccessDeniedException, "Cross-account pass role is not allowed.");
    if (role.p) {
        /* AWS: the role must exist and trust lambda.amazonaws.com */
        const char *res = NULL;
        size_t slash = 0;
        for (size_t i = role.len; i > 0; i--)
            if (role.p[i - 1] == '/') {
                slash = i;
                break;
            }
        str_t rname = str_n(role.p + slash, role.len - slash);
        iam_role_info_t info;
        int found = slash ? iam_role_for_assume(r->app, r->who.account, rname, a, &info) : 0;
        if (found < 0) return GR_ERR;
        if (!found || !strstr(arena_printf(a, "%.*s", STR_FMT(info.trust)), "lambda.amazonaws.com"))
            res = "The role defined for the function cannot be assumed by Lambda.";
        if (res) return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "%s", res);
        f->role = role;
    }
    str_t handler = val_get_str(in, "Handler");
    if (handler.p) f->handler = handler;
    str_t desc = val_get_str(in, "Description");
    if (desc.p) f->description = desc;
    f->timeout_s = val_get_int(in, "Timeout", f->timeout_s);
    f->memory_mb = val_get_int(in, "MemorySize", f->memory_mb);
    const val_t *eph = val_get(in, "EphemeralStorage");
    if (eph) f->ephemeral_mb = val_get_int(eph, "Size", f->ephemeral_mb);
    const val_t *lc = val_get(in, "LoggingConfig");
    if (lc && apply_logging(r, lc, f) != GR_OK) return GR_ERR;
    const val_t *layers = val_get(in, "Layers");
    if (layers && lambda__resolve_layers(r, layers, f) != GR_OK) return GR_ERR;
    const val_t *dlq = val_get(in, "DeadLetterConfig");
    if (dlq) f->dlq_arn = val_get_str(dlq, "TargetArn");
    if (!f->dlq_arn.p) f->dlq_arn = STR("");
    return GR_OK;
}

static int save(req_t *r, const lambda__fn_t *f, bool insert)
{
    if (f->version.len && !str_eq_c(f->version, "$LATEST"))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "A published version is immutable; change $LATEST and publish again.");
    sqlite3_stmt *st;
    const char *sql =
        insert ? "INSERT INTO lambda_function (account, region, name, runtime, handler, role, memory_mb, timeout_s, "
                 "code_sha256, code_size, last_modified, description, env_json, code_id, revision, policy, "
                 "tags_json, reserved, dlq_arn, ephemeral_mb, layers, logging) VALUES "
                 "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,nullif(?22,''))"
               : "UPDATE lambda_function SET runtime=?4, handler=?5, role=?6, memory_mb=?7, timeout_s=?8, "
                 "code_sha256=?9, code_size=?10, last_modified=?11, description=?12, env_json=?13, code_id=?14, "
                 "revision=?15, policy=?16, tags_json=?17, reserved=?18, dlq_arn=?19, ephemeral_mb=?20, layers=?21, "
                 "logging=nullif(?22,'') WHERE account=?1 AND region=?2 AND name=?3";
    if (lambda__fn_prepare(r, f, sql, &st) != GR_OK) return GR_ERR;
    lambda__bind_s(st, 4, f->runtime);
    lambda__bind_s(st, 5, f->handler);
    lambda__bind_s(st, 6, f->role);
    sqlite3_bind_int64(st, 7, f->memory_mb);
    sqlite3_bind_int64(st, 8, f->timeout_s);
    lambda__bind_s(st, 9, f->code_sha256);
    sqlite3_bind_int64(st, 10, f->code_size);
    sqlite3_bind_int64(st, 11, f->last_modified);
    lambda__bind_s(st, 12, f->description);
    lambda__bind_s(st, 13, f->env_json);
    lambda__bind_s(st, 14, f->code_id);
    lambda__bind_s(st, 15, f->revision);
    lambda__bind_s(st, 16, f->policy);
    lambda__bind_s(st, 17, f->tags_json);
    sqlite3_bind_int64(st, 18, f->reserved);
    lambda__bind_s(st, 19, f->dlq_arn);
    sqlite3_bind_int64(st, 20, f->ephemeral_mb);
    lambda__bind_s(st, 21, f->layers);
    lambda__bind_s(st, 22, f->logging);
    int rc = sqlite3_step(st);
    store_release(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return req_fail(r, &LAMBDA_ERR_ResourceConflictException, "Function already exist: %.*s", STR_FMT(f->name));
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int lambda__code_bytes(req_t *r, const val_t *src, str_t *zip)
{
    const val_t *z = val_get(src, "ZipFile");
    if (z && z->kind == VAL_BLOB) {
        *zip = z->u.s;
        return GR_OK;
    }
    str_t bucket = val_get_str(src, "S3Bucket"), key = val_get_str(src, "S3Key");
    if (!bucket.p || !key.p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Please provide a source for function code.");
    const char *code, *msg;
    if (s3_read_object(r, bucket, key, 50u << 20, zip, &code, &msg) != GR_OK) {
        if (!code) return GR_ERR;
        /* AWS: "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not
         * exist." */
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", code, msg);
    }
    return GR_OK;
}

static void touch(req_t *r, lambda__fn_t *f)
{
    char id[37];
    id_uuid(id);
    f->revision = str_c(arena_strdup(r->arena, id));
    f->last_modified = time_now_us() / 1000;
}

/* ==== Operations ==== */

int lambda_create_function(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f = {.account = r->who.account,
                      .region = r->region,
                      .name = val_get_str(in, "FunctionName"),
                      .memory_mb = 128,
                      .timeout_s = 3,
                      .ephemeral_mb = 512,
                      .reserved = -1,
                      .description = STR(""),
                      .env_json = STR(""),
                      .policy = STR(""),
                      .tags_json = STR(""),
                      .runtime = STR(""),
                      .handler = STR(""),
                      .dlq_arn = STR("")};
    str_t q;
    if (!lambda__parse_name(f.name, &f.name, &q, NULL, NULL) || q.p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid function name: %.*s",
                        STR_FMT(val_get_str(in, "FunctionName")));
    str_t pt = val_get_str(in, "PackageType");
    if (pt.p && str_eq_c(pt, "Image"))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "gureum runs functions from .zip archives only (PackageType Zip)");
    if (!val_get_str(in, "Runtime").p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Runtime and Handler are mandatory parameters for functions created with deployment "
                        "packages.");
    if (check_config(r, in, &f) != GR_OK) return GR_ERR;
    if (!str_starts_with(f.runtime, STR("provided")) && !f.handler.len)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Runtime and Handler are mandatory parameters for functions created with deployment "
                        "packages.");
    lambda__fn_t existing;
    int ex = lambda__load(r->app, a, f.account, f.region, f.name, &existing);
    if (ex < 0) return GR_ERR;
    if (ex) return req_fail(r, &LAMBDA_ERR_ResourceConflictException, "Function already exist: %.*s", STR_FMT(f.name));
    /* AWS: with a code signing configuration, the code and layers must be
     * signed by one of its profiles (signing.c) */
    str_t csc = val_get_str(in, "CodeSigningConfigArn");
    if (csc.p && lambda__deploy_check(r, f.name, csc, true, val_get(in, "Layers")) != GR_OK) return GR_ERR;
    str_t zip;
    if (lambda__code_bytes(r, val_get(in, "Code"), &zip) != GR_OK) return GR_ERR;
    if (lambda__store_code(r, zip, &f) != GR_OK) return GR_ERR;
    const val_t *tags = val_get(in, "Tags");
    if (tags && tags->u.obj.n) f.tags_json = lambda__map_json(a, tags);
    touch(r, &f);
    if (save(r, &f, true) != GR_OK) return GR_ERR;
    if (csc.p && lambda__link_csc(r, f.name, csc) != GR_OK) return GR_ERR;
    val_t *cfg = lambda__config_value(a, &f);
    /* AWS: with Publish the answer is $LATEST's but for Version, "1" (LocalStack's
     * recorded test_publish_version_on_create) */
    if (val_get_bool(in, "Publish", false)) {
        lambda__fn_t v = f;
        if (lambda__publish(r, &v, STR_NULL) != GR_OK) return GR_ERR;
        val_set_c(a, cfg, "Version", val_str(a, v.version));
    }
    /* AWS: CreateFunction answers State Pending ("The function is being
     * created."); ours becomes Active as soon as the code is extracted, which
     * happens before this answer, so GetFunction already says Active. */
    val_set_c(a, cfg, "State", val_cstr(a, "Pending"));
    val_set_c(a, cfg, "StateReason", val_cstr(a, "The function is being created."));
    val_set_c(a, cfg, "StateReasonCode", val_cstr(a, "Creating"));
    *out = *cfg;
    return GR_OK;
}

static int load_qualified_or_fail(req_t *r, const val_t *in, lambda__fn_t *f);

/* The same for the policy operations, which word a missing alias as AWS does
 * there (LocalStack's recorded test_permission_exceptions). */
int lambda__load_target_or_fail(req_t *r, const val_t *in, lambda__fn_t *f)
{
    if (load_qualified_or_fail(r, in, f) == GR_OK) return GR_OK;
    str_t qual = val_get_str(in, "Qualifier"), name, q;
    if (!lambda__parse_name(val_get_str(in, "FunctionName"), &name, &q, NULL, NULL)) return GR_ERR;
    if (!qual.len) qual = q;
    if (r->err != &LAMBDA_ERR_ResourceNotFoundException || !qual.len || str_eq_c(qual, "$LATEST")) return GR_ERR;
    for (size_t i = 0; i < qual.len; i++)
        if (qual.p[i] < '0' || qual.p[i] > '9') {
            r->err = NULL;
            return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Cannot find alias arn: %s:%.*s",
                            lambda__arn(r->arena, r->region, r->who.account, name).p, STR_FMT(qual));
        }
    return GR_ERR;
}

/* Loads what in's FunctionName and Qualifier name. AWS: a qualifier both in
 * the name and in Qualifier must be the same one. */
static int load_qualified_or_fail(req_t *r, const val_t *in, lambda__fn_t *f)
{
    str_t fname = val_get_str(in, "FunctionName"), qual = val_get_str(in, "Qualifier"), name, q;
    if (qual.len && lambda__parse_name(fname, &name, &q, NULL, NULL) && q.len) {
        if (!str_eq(q, qual))
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "The derived qualifier from the function name does not match the specified qualifier.");
        qual = STR_NULL;
    }
    if (qual.len) fname = str_c(arena_printf(r->arena, "%.*s:%.*s", STR_FMT(fname), STR_FMT(qual)));
    return lambda__load_or_fail(r, fname, f);
}

int lambda_get_function_configuration(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (load_qualified_or_fail(r, in, &f) != GR_OK) return GR_ERR;
    *out = *lambda__config_value(r->arena, &f);
    return GR_OK;
}

int lambda_get_function(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (load_qualified_or_fail(r, in, &f) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Configuration", lambda__config_value(a, &f));
    val_t *code = val_new(a, VAL_STRUCT);
    val_set_c(a, code, "RepositoryType", val_cstr(a, "S3"));
    app_t *app = r->app;
    val_set_c(a, code, "Location",
              val_cstr(a, arena_printf(a, "http://127.0.0.1:%d/_gureum/lambda/code/%.*s.zip", app->cfg->port,
                                       STR_FMT(f.code_id))));
    val_set_c(a, out, "Code", code);
    if (f.tags_json.len) val_set_c(a, out, "Tags", json_to_map(a, f.tags_json));
    if (f.reserved >= 0) {
        val_t *c = val_new(a, VAL_STRUCT);
        val_set_c(a, c, "ReservedConcurrentExecutions", val_int(a, f.reserved));
        val_set_c(a, out, "Concurrency", c);
    }
    return GR_OK;
}

int lambda__revision_or_fail(req_t *r, const val_t *in, str_t current, const char *get_api)
{
    str_t rev = val_get_str(in, "RevisionId");
    if (rev.p && !str_eq(rev, current))
        return req_fail(r, &LAMBDA_ERR_PreconditionFailedException,
                        "The Revision Id provided does not match the latest Revision Id. Call the %s API to retrieve "
                        "the latest Revision Id",
                        get_api);
    return GR_OK;
}

static int check_revision(req_t *r, const val_t *in, const lambda__fn_t *f)
{
    return lambda__revision_or_fail(r, in, f->revision, "GetFunction/GetAlias");
}

/* A function's configuration as UpdateFunctionCode and
 * UpdateFunctionConfiguration answer it. AWS: the answer says InProgress;
 * the update is done by the next read. */
static val_t *updating_value(arena_t *a, const lambda__fn_t *f)
{
    val_t *cfg = lambda__config_value(a, f);
    val_set_c(a, cfg, "LastUpdateStatus", val_cstr(a, "InProgress"));
    val_set_c(a, cfg, "LastUpdateStatusReason", val_cstr(a, "The function is being created."));
    val_set_c(a, cfg, "LastUpdateStatusReasonCode", val_cstr(a, "Creating"));
    return cfg;
}

int lambda_update_function_code(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    if (check_revision(r, in, &f) != GR_OK) return GR_ERR;
    if (lambda__deploy_check(r, f.name, STR_NULL, true, NULL) != GR_OK) return GR_ERR;
    str_t zip;
    if (lambda__code_bytes(r, in, &zip) != GR_OK) return GR_ERR;
    if (lambda__store_code(r, zip, &f) != GR_OK) return GR_ERR;
    if (!val_get_bool(in, "DryRun", false)) {
        touch(r, &f);
        if (save(r, &f, false) != GR_OK) return GR_ERR;
        rt_retire(lambda__key_prefix(a, f.account, f.region, f.name));
        /* AWS: Publish answers the new version's configuration */
        if (val_get_bool(in, "Publish", false) && lambda__publish(r, &f, STR_NULL) != GR_OK) return GR_ERR;
    }
    *out = *updating_value(a, &f);
    return GR_OK;
}

int lambda_update_function_configuration(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    if (check_revision(r, in, &f) != GR_OK) return GR_ERR;
    /* AWS: layers added to a function with code signing must be signed too */
    const val_t *layers = val_get(in, "Layers");
    if (val_len(layers) && lambda__deploy_check(r, f.name, STR_NULL, false, layers) != GR_OK) return GR_ERR;
    if (check_config(r, in, &f) != GR_OK) return GR_ERR;
    touch(r, &f);
    if (save(r, &f, false) != GR_OK) return GR_ERR;
    rt_retire(lambda__key_prefix(a, f.account, f.region, f.name));
    *out = *updating_value(a, &f);
    return GR_OK;
}

int lambda_delete_function(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    str_t fname = val_get_str(in, "FunctionName"), qual = val_get_str(in, "Qualifier");
    if (qual.len) fname = str_c(arena_printf(r->arena, "%.*s:%.*s", STR_FMT(fname), STR_FMT(qual)));
    if (lambda__load_or_fail(r, fname, &f) != GR_OK) return GR_ERR;
    if (!str_eq_c(f.version, "$LATEST")) { /* a qualified delete removes that version only */
        if (lambda__delete_versions(r->app, &f, true) != GR_OK) return GR_ERR;
        rt_retire(lambda__key_prefix(r->arena, f.account, f.region, f.name));
        return GR_OK;
    }
    if (lambda__delete_versions(r->app, &f, false) != GR_OK ||
        lambda__fn_exec(r, &f, "DELETE FROM lambda_function WHERE account = ?1 AND region = ?2 AND name = ?3") != GR_OK)
        return GR_ERR;
    rt_retire(lambda__key_prefix(r->arena, f.account, f.region, f.name));
    return GR_OK;
}

int lambda__page(req_t *r, sqlite3_stmt *st, int64_t limit, val_t *out, const char *member, lambda__item_fn item,
                 void *ctx)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    str_t last = STR_NULL;
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) {
            val_set_c(a, out, "NextMarker", val_str(a, last));
            break;
        }
        last = lambda__col(a, st, 0);
        val_push(a, list, item(r, st, ctx));
    }
    store_release(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    return val_set_c(a, out, member, list);
}

int lambda__prepare(app_t *app, const char *sql, str_t account, str_t region, str_t name, sqlite3_stmt **st)
{
    sqlite3 *db = lambda__db(app);
    if (!db || store_prepare(db, sql, -1, st, NULL) != SQLITE_OK) return GR_ERR;
    lambda__bind_s(*st, 1, account);
    lambda__bind_s(*st, 2, region);
    if (name.p) lambda__bind_s(*st, 3, name);
    return GR_OK;
}

int lambda__fn_prepare(req_t *r, const lambda__fn_t *f, const char *sql, sqlite3_stmt **st)
{
    return lambda__prepare(r->app, sql, f->account, f->region, f->name, st);
}

int lambda__step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int lambda__fn_exec(req_t *r, const lambda__fn_t *f, const char *sql)
{
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, f, sql, &st) != GR_OK) return GR_ERR;
    return lambda__step_done(st);
}

/* AWS: at most 50 functions per page whatever MaxItems says; NextMarker is
 * opaque (ours: the last name returned). */
int lambda_list_functions(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    int64_t limit = val_get_int(in, "MaxItems", 50);
    bool all = str_eq_c(val_get_str(in, "FunctionVersion"), "ALL");
    if (limit > 50) limit = 50;
    str_t after = val_get_str(in, "Marker");
    sqlite3_stmt *st;
    if (lambda__prepare(app,
                        "SELECT " FN_COLS " FROM lambda_function WHERE account = ?1 AND region = ?2 AND name > ?3 "
                        "ORDER BY name LIMIT ?4",
                        r->who.account, r->region, after.p ? after : STR(""), &st) != GR_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 4, limit + 1);
    val_t *fns = val_new(a, VAL_LIST);
    int rc, n = 0;
    str_t last = STR_NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        lambda__fn_t f = {.account = r->who.account, .region = r->region, .version = STR("$LATEST")};
        read_fn(a, st, &f);
        last = f.name;
        f.named_latest = all;
        val_push(a, fns, lambda__config_value(a, &f));
        /* AWS: FunctionVersion ALL lists each function's published versions after it */
        if (all && lambda__push_versions(r->app, a, &f, fns) != GR_OK) {
            rc = SQLITE_ERROR;
            break;
        }
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Functions", fns);
    if (n > limit) val_set_c(a, out, "NextMarker", val_str(a, last));
    return GR_OK;
}

/* ==== Resource policy ==== */

static int set_column(req_t *r, const lambda__fn_t *f, const char *column, str_t text, int64_t num, bool is_num)
{
    sqlite3_stmt *st;
    const char *sql = arena_printf(
        r->arena, "UPDATE lambda_function SET %s = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3", column);
    if (lambda__fn_prepare(r, f, sql, &st) != GR_OK) return GR_ERR;
    if (is_num)
        sqlite3_bind_int64(st, 4, num);
    else
        lambda__bind_s(st, 4, text);
    return lambda__step_done(st);
}

/* The statements of f's policy as parsed JSON (NULL when none). */
static const json_t *statements(arena_t *a, const lambda__fn_t *f)
{
    if (!f->policy.len) return NULL;
    const json_t *j = json_parse(a, f->policy, NULL);
    const json_t *s = j ? json_get(j, "Statement") : NULL;
    return s && s->type == JSON_ARRAY ? s : NULL;
}

/* ==== Policy documents (function and layer version policies) ==== */

str_t lambda__policy_without(arena_t *a, str_t policy, str_t sid, bool *found, size_t *kept)
{
    buf_t b;
    buf_init(&b, a);
    *found = false;
    *kept = 0;
    const json_t *j = policy.len ? json_parse(a, policy, NULL) : NULL;
    const json_t *ss = j ? json_get(j, "Statement") : NULL;
    for (size_t i = 0; ss && ss->type == JSON_ARRAY && i < ss->u.arr.n; i++) {
        const json_t *id = json_get(ss->u.arr.v[i], "Sid");
        if (id && id->type == JSON_STRING && str_eq(id->u.s, sid)) {
            *found = true;
            continue;
        }
        if ((*kept)++) buf_putc(&b, ',');
        json_w_t w;
        json_w_init(&w, &b);
        json_w_value(&w, ss->u.arr.v[i]);
    }
    return buf_str(&b);
}

str_t lambda__policy_doc(arena_t *a, str_t others, size_t kept, str_t stmt)
{
    if (!kept && !stmt.len) return STR("");
    return str_c(arena_printf(a, "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[%.*s%s%.*s]}",
                              STR_FMT(others), kept && stmt.len ? "," : "", STR_FMT(stmt)));
}

int lambda__sid_taken_fail(req_t *r, str_t sid)
{
    return req_fail(r, &LAMBDA_ERR_ResourceConflictException,
                    "The statement id (%.*s) provided already exists. Please provide a new statement id, or remove "
                    "the existing statement.",
                    STR_FMT(sid));
}

int lambda_add_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_target_or_fail(r, in, &f) != GR_OK) return GR_ERR;
    if (check_revision(r, in, &f) != GR_OK) return GR_ERR;
    str_t sid = val_get_str(in, "StatementId"), action = val_get_str(in, "Action"),
          principal = val_get_str(in, "Principal"), src = val_get_str(in, "SourceArn");
    /* AWS: the StringEquals condition keys AddPermission's members become */
    static const char *const EQUALS[][2] = {{"SourceAccount", "AWS:SourceAccount"},
                                            {"PrincipalOrgID", "aws:PrincipalOrgID"},
                                            {"EventSourceToken", "lambda:EventSourceToken"},
                                            {"FunctionUrlAuthType", "lambda:FunctionUrlAuthType"}};
    size_t n_equals = 0;
    for (size_t i = 0; i < sizeof EQUALS / sizeof *EQUALS; i++) n_equals += val_get_str(in, EQUALS[i][0]).p != NULL;
    bool taken;
    size_t kept;
    str_t others = lambda__policy_without(a, f.policy, sid, &taken, &kept);
    if (taken) return lambda__sid_taken_fail(r, sid);
    buf_t st;
    buf_init(&st, a);
    json_w_t w;
    json_w_init(&w, &st);
    grant_statement_begin(&w, sid);
    bool is_service = memchr(principal.p, '.', principal.len) != NULL;
    if (str_eq_c(principal, "*")) { /* AWS: "Principal":"*" (LocalStack's recorded test_lambda_url_invocation) */
        json_w_str(&w, principal);
    } else {
        json_w_obj_begin(&w);
        json_w_key(&w, is_service ? STR("Service") : STR("AWS"));
        if (!is_service && principal.len == 12)
            json_w_str(&w, str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(principal))));
        else
            json_w_str(&w, principal);
        json_w_obj_end(&w);
    }
    json_w_key(&w, STR("Action"));
    json_w_str(&w, action);
    json_w_key(&w, STR("Resource"));
    str_t res = lambda__arn(a, f.region, f.account, f.name);
    if (f.qualifier.len) res = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(res), STR_FMT(f.qualifier)));
    json_w_str(&w, res);
    /* AWS: a function URL's lambda:InvokeFunction grant (add-permission
     * --invoked-via-function-url) applies only to calls through the URL */
    bool via_url = val_get_bool(in, "InvokedViaFunctionUrl", false);
    if (src.p || n_equals || via_url) {
        json_w_key(&w, STR("Condition"));
        json_w_obj_begin(&w);
        if (n_equals) {
            json_w_key(&w, STR("StringEquals"));
            json_w_obj_begin(&w);
            for (size_t i = 0; i < sizeof EQUALS / sizeof *EQUALS; i++) {
                str_t v = val_get_str(in, EQUALS[i][0]);
                if (!v.p) continue;
                json_w_key(&w, str_c(EQUALS[i][1]));
                json_w_str(&w, v);
            }
            json_w_obj_end(&w);
        }
        if (src.p) {
            json_w_key(&w, STR("ArnLike"));
            json_w_obj_begin(&w);
            json_w_key(&w, STR("AWS:SourceArn"));
            json_w_str(&w, src);
            json_w_obj_end(&w);
        }
        if (via_url) {
            json_w_key(&w, STR("Bool"));
            json_w_obj_begin(&w);
            json_w_key(&w, STR("lambda:InvokedViaFunctionUrl"));
            json_w_str(&w, STR("true"));
            json_w_obj_end(&w);
        }
        json_w_obj_end(&w);
    }
    json_w_obj_end(&w);
    str_t stmt = buf_str(&st);
    if (lambda__set_policy(r, &f, lambda__policy_doc(a, others, kept, stmt)) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Statement", val_str(a, stmt));
    return GR_OK;
}

int lambda_remove_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_target_or_fail(r, in, &f) != GR_OK) {
        /* AWS: RemovePermission words a missing function as "No policy found
         * for: ARN" (LocalStack's recorded test_permission_exceptions) */
        const char *fnf = "Function not found: ";
        if (r->err != &LAMBDA_ERR_ResourceNotFoundException || !r->err_msg ||
            strncmp(r->err_msg, fnf, strlen(fnf)) != 0)
            return GR_ERR;
        const char *what = r->err_msg + strlen(fnf);
        r->err = NULL;
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "No policy found for: %s", what);
    }
    if (check_revision(r, in, &f) != GR_OK) return GR_ERR;
    str_t sid = val_get_str(in, "StatementId");
    if (!f.policy.len)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "No policy is associated with the given resource.");
    bool found;
    size_t kept;
    str_t others = lambda__policy_without(a, f.policy, sid, &found, &kept);
    if (!found)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Statement %.*s is not found in resource policy.",
                        STR_FMT(sid));
    return lambda__set_policy(r, &f, lambda__policy_doc(a, others, kept, STR("")));
}

int lambda_get_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (load_qualified_or_fail(r, in, &f) != GR_OK) return GR_ERR;
    if (!f.policy.len)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    val_set_c(a, out, "Policy", val_str(a, f.policy));
    val_set_c(a, out, "RevisionId", val_str(a, f.revision));
    return GR_OK;
}

/* Whether f's resource policy lets the service principal invoke it from
 * source_arn: an Allow statement for lambda:InvokeFunction (or lambda:*)
 * naming the principal, whose SourceArn condition (if any) matches. */
bool lambda__policy_allows(arena_t *a, const lambda__fn_t *f, str_t principal, str_t source_arn)
{
    const json_t *ss = statements(a, f);
    for (size_t i = 0; ss && i < ss->u.arr.n; i++) {
        const json_t *s = ss->u.arr.v[i];
        const json_t *e = json_get(s, "Effect"), *act = json_get(s, "Action"), *p = json_get(s, "Principal");
        if (!e || e->type != JSON_STRING || !str_eq_c(e->u.s, "Allow")) continue;
        if (!act || act->type != JSON_STRING ||
            !(str_eq_c(act->u.s, "lambda:InvokeFunction") || str_eq_c(act->u.s, "lambda:*") || str_eq_c(act->u.s, "*")))
            continue;
        const json_t *svc = p && p->type == JSON_OBJECT ? json_get(p, "Service") : NULL;
        const json_t *aws = p && p->type == JSON_OBJECT ? json_get(p, "AWS") : NULL;
        bool pm = (svc && svc->type == JSON_STRING && str_eq(svc->u.s, principal)) ||
                  (aws && aws->type == JSON_STRING && str_eq_c(aws->u.s, "*")) ||
                  (p && p->type == JSON_STRING && str_eq_c(p->u.s, "*"));
        if (!pm) continue;
        const json_t *c = json_get(s, "Condition");
        if (c && json_get(c, "Bool"))
            continue; /* lambda:InvokedViaFunctionUrl: a function URL's grant, not a service's */
        const json_t *like = c ? json_get(c, "ArnLike") : NULL;
        const json_t *src = like ? json_get(like, "AWS:SourceArn") : NULL;
        if (src && src->type == JSON_STRING && source_arn.len) {
            /* ArnLike with * wildcards */
            str_t pat = src->u.s;
            size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
            while (si < source_arn.len) {
                if (pi < pat.len && (pat.p[pi] == source_arn.p[si] || pat.p[pi] == '?')) {
                    pi++;
                    si++;
                } else if (pi < pat.len && pat.p[pi] == '*') {
                    star = pi++;
                    mark = si;
                } else if (star != (size_t)-1) {
                    pi = star + 1;
                    si = ++mark;
                } else
                    break;
            }
            while (pi < pat.len && pat.p[pi] == '*') pi++;
            if (!(si == source_arn.len && pi == pat.len)) continue;
        }
        return true;
    }
    return false;
}

/* ==== Tags ==== */

static int load_by_arn(req_t *r, str_t arn, lambda__fn_t *f)
{
    str_t name, q, acct, region;
    if (!lambda__parse_name(arn, &name, &q, &acct, &region) || !str_starts_with(arn, STR("arn:")))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid ARN: %.*s", STR_FMT(arn));
    /* AWS: LocalStack's recorded test_tag_versions */
    if (q.p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Tags on function aliases and versions are not supported. Please specify a function ARN.");
    return lambda__load_or_fail(r, arn, f);
}

/* What the tag operations act on: a function, or an event source mapping
 * (AWS tags those too, by their event-source-mapping ARN). */
typedef struct {
    lambda__fn_t f;
    str_t uuid; /* a mapping's; STR_NULL for a function */
    str_t tags; /* the JSON object kept */
} tagged_t;

static int tagged_load(req_t *r, str_t arn, tagged_t *t)
{
    *t = (tagged_t){.uuid = STR_NULL};
    /* arn:PARTITION:lambda:REGION:ACCOUNT:event-source-mapping:UUID */
    str_t rest = arn, field = STR_NULL;
    for (int i = 0; i < 6 && rest.len; i++) {
        long c = str_index(rest, ':');
        field = c < 0 ? rest : str_n(rest.p, (size_t)c);
        rest = c < 0 ? STR("") : str_n(rest.p + c + 1, rest.len - (size_t)c - 1);
    }
    if (!str_eq_c(field, "event-source-mapping")) {
        if (load_by_arn(r, arn, &t->f) != GR_OK) return GR_ERR;
        t->tags = t->f.tags_json;
        return GR_OK;
    }
    t->uuid = rest;
    return lambda__esm_tags(r, t->uuid, &t->tags);
}

static int tagged_save(req_t *r, const tagged_t *t, str_t tags)
{
    if (t->uuid.p) return lambda__esm_set_tags(r, t->uuid, tags);
    return set_column(r, &t->f, "tags_json", tags, 0, false);
}

int lambda_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    tagged_t tg;
    if (tagged_load(r, val_get_str(in, "Resource"), &tg) != GR_OK) return GR_ERR;
    val_t *m = json_to_map(a, tg.tags);
    const val_t *t = val_get(in, "Tags");
    for (size_t i = 0; t && i < t->u.obj.n; i++) val_set(a, m, t->u.obj.e[i].key, t->u.obj.e[i].v);
    if (m->u.obj.n > 50)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Number of tags exceeds resource tag limit.");
    return tagged_save(r, &tg, lambda__map_json(a, m));
}

int lambda_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    tagged_t tg;
    if (tagged_load(r, val_get_str(in, "Resource"), &tg) != GR_OK) return GR_ERR;
    val_t *m = json_to_map(a, tg.tags), *keep = val_new(a, VAL_MAP);
    const val_t *keys = val_get(in, "TagKeys");
    for (size_t i = 0; i < m->u.obj.n; i++) {
        bool drop = false;
        for (size_t k = 0; keys && k < keys->u.list.n; k++)
            if (str_eq(keys->u.list.v[k]->u.s, m->u.obj.e[i].key)) drop = true;
        if (!drop) val_set(a, keep, m->u.obj.e[i].key, m->u.obj.e[i].v);
    }
    return tagged_save(r, &tg, keep->u.obj.n ? lambda__map_json(a, keep) : STR(""));
}

int lambda_list_tags(req_t *r, const val_t *in, val_t *out)
{
    tagged_t tg;
    if (tagged_load(r, val_get_str(in, "Resource"), &tg) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Tags", json_to_map(r->arena, tg.tags));
    return GR_OK;
}

int lambda_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    tagged_t tg;
    *tags = NULL;
    if (tagged_load(r, resource, &tg) != GR_OK) return GR_ERR;
    *tags = json_to_map(r->arena, tg.tags);
    return GR_OK;
}

/* ==== Reserved concurrency ==== */

/* One number from SQL with the caller's account and region as ?1 and ?2
 * (and `name` as ?3); -1 on error. */
static int64_t account_sum(req_t *r, const char *sql, str_t name)
{
    sqlite3_stmt *st;
    if (lambda__prepare(r->app, sql, r->who.account, r->region, name, &st) != GR_OK) return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return v;
}

/* AWS: the concurrency taken from the account's unreserved pool by its
 * functions but `except`: a function's reserved concurrency when it has
 * one, else what its versions' and aliases' provisioned concurrency holds
 * ("Provisioned concurrency counts towards a function's reserved
 * concurrency and Regional quotas" — Lambda developer guide). */
int64_t lambda__committed_by_others(req_t *r, str_t except)
{
    return account_sum(r,
                       "SELECT COALESCE(SUM(CASE WHEN f.reserved >= 0 THEN f.reserved ELSE (SELECT "
                       "COALESCE(SUM(p.requested), 0) FROM lambda_provisioned p WHERE p.account = f.account AND "
                       "p.region = f.region AND p.name = f.name) END), 0) FROM lambda_function f WHERE "
                       "f.account = ?1 AND f.region = ?2 AND f.name IS NOT ?3",
                       except.p ? except : STR(""));
}

/* AWS: GetAccountSettings — the account's limits, and its usage: functions
 * and the code they, their published versions and its layers keep. */
int lambda_get_account_settings(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    arena_t *a = r->arena;
    int64_t committed = lambda__committed_by_others(r, STR_NULL);
    int64_t count = account_sum(r, "SELECT COUNT(*) FROM lambda_function WHERE account = ?1 AND region = ?2", STR_NULL);
    int64_t code = account_sum(
        r,
        "SELECT (SELECT COALESCE(SUM(code_size), 0) FROM lambda_function WHERE account = ?1 AND region = ?2) + "
        "(SELECT COALESCE(SUM(code_size), 0) FROM lambda_version WHERE account = ?1 AND region = ?2) + "
        "(SELECT COALESCE(SUM(code_size), 0) FROM lambda_layer WHERE account = ?1 AND region = ?2)",
        STR_NULL);
    if (committed < 0 || count < 0 || code < 0) return GR_ERR;
    val_t *lim = val_new(a, VAL_STRUCT), *use = val_new(a, VAL_STRUCT);
    val_set_c(a, lim, "TotalCodeSize", val_int(a, 80530636800LL)); /* 75 GB */
    val_set_c(a, lim, "CodeSizeUnzipped", val_int(a, 262144000));
    val_set_c(a, lim, "CodeSizeZipped", val_int(a, 52428800));
    val_set_c(a, lim, "ConcurrentExecutions", val_int(a, LAMBDA__ACCOUNT_CONCURRENCY));
    val_set_c(a, lim, "UnreservedConcurrentExecutions", val_int(a, LAMBDA__ACCOUNT_CONCURRENCY - committed));
    val_set_c(a, use, "TotalCodeSize", val_int(a, code));
    val_set_c(a, use, "FunctionCount", val_int(a, count));
    val_set_c(a, out, "AccountLimit", lim);
    val_set_c(a, out, "AccountUsage", use);
    return GR_OK;
}

int lambda_put_function_concurrency(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    str_t name, q;
    /* AWS: LocalStack's recorded test_function_concurrency_exceptions */
    if (lambda__parse_name(val_get_str(in, "FunctionName"), &name, &q, NULL, NULL) && q.p)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "This operation is permitted on Lambda functions only. Aliases and versions do not support "
                        "this operation. Please specify either a function name or an unqualified function ARN.");
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    int64_t n = val_get_int(in, "ReservedConcurrentExecutions", 0);
    int64_t others = lambda__committed_by_others(r, f.name), provisioned = lambda__provisioned_total(r, &f, STR_NULL);
    if (others < 0 || provisioned < 0) return GR_ERR;
    /* AWS (LocalStack's recorded test_reserved_provisioned_overlap, spaces
     * and all): provisioned concurrency comes out of the reserved */
    if (n < provisioned)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        " ReservedConcurrentExecutions  %lld should not be lower than function's total provisioned "
                        "concurrency [%lld].",
                        (long long)n, (long long)provisioned);
    /* AWS: the account's unreserved pool must keep at least 100 of its 1000,
     * counting what every other function reserves */
    if (others + n > LAMBDA__ACCOUNT_CONCURRENCY - LAMBDA__UNRESERVED_MIN)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "Specified ReservedConcurrentExecutions for function decreases account's "
                        "UnreservedConcurrentExecution below its minimum value of [100].");
    if (set_column(r, &f, "reserved", STR_NULL, n, true) != GR_OK) return GR_ERR;
    rt_retire(lambda__key_prefix(r->arena, f.account, f.region, f.name));
    val_set_c(r->arena, out, "ReservedConcurrentExecutions", val_int(r->arena, n));
    return GR_OK;
}

int lambda_get_function_concurrency(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    if (f.reserved >= 0) val_set_c(r->arena, out, "ReservedConcurrentExecutions", val_int(r->arena, f.reserved));
    return GR_OK;
}

int lambda_delete_function_concurrency(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    return set_column(r, &f, "reserved", STR_NULL, -1, true);
}
