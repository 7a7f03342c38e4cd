/* version.c — published versions and aliases (lambda_version, lambda_alias):
 * PublishVersion, ListVersionsByFunction, the alias operations, and
 * lambda__load_q, which turns a qualifier into the configuration to run.
 *
 * A version is a frozen copy of $LATEST's code and configuration; its code
 * file is shared by hash with $LATEST (code.c never changes a stored tree).
 * An alias names a version and may send a weighted share of invocations to
 * a second one (AdditionalVersionWeights), chosen per invocation. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "lambda_model.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

static bool all_digits(str_t s)
{
    if (!s.len) return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9') return false;
    return true;
}

#define V_COLS "version, " LAMBDA__CONFIG_COLS

static void read_version(arena_t *a, sqlite3_stmt *st, lambda__fn_t *f)
{
    f->version = str_c(arena_printf(a, "%lld", (long long)sqlite3_column_int64(st, 0)));
    lambda__read_config(a, st, f);
    f->qualifier = f->version;
}

/* Overlays version v of f's function; 1, 0 (no such version) or -1. */
static int overlay_version(app_t *app, arena_t *a, lambda__fn_t *f, str_t v)
{
    sqlite3_stmt *st;
    if (lambda__prepare(app,
                        "SELECT " V_COLS " FROM lambda_version WHERE account = ?1 AND region = ?2 AND name = ?3 "
                        "AND version = ?4",
                        f->account, f->region, f->name, &st) != GR_OK)
        return -1;
    sqlite3_bind_int64(st, 4, strtoll(arena_printf(a, "%.*s", STR_FMT(v)), NULL, 10));
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        read_version(a, st, f);
        found = 1;
    } else if (rc != SQLITE_DONE)
        found = -1;
    store_release(st);
    return found;
}

/* An alias's version, or with weights a random pick between it and the
 * additional version. 1, 0 (no alias) or -1. */
static int alias_target(app_t *app, arena_t *a, const lambda__fn_t *f, str_t alias, str_t *version, str_t *policy)
{
    sqlite3_stmt *st;
    if (lambda__prepare(app,
                        "SELECT version, weights_json, policy FROM lambda_alias WHERE account = ?1 AND region = ?2 AND "
                        "name = ?3 AND alias = ?4",
                        f->account, f->region, f->name, &st) != GR_OK)
        return -1;
    lambda__bind_s(st, 4, alias);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        *version = lambda__col(a, st, 0);
        *policy = lambda__col(a, st, 2);
        str_t w = lambda__col(a, st, 1);
        const json_t *j = w.len ? json_parse(a, w, NULL) : NULL;
        if (j && j->type == JSON_OBJECT && j->u.obj.n) {
            double share = j->u.obj.v[0]->type == JSON_DOUBLE ? j->u.obj.v[0]->u.d
                           : j->u.obj.v[0]->type == JSON_INT  ? (double)j->u.obj.v[0]->u.i
                                                              : 0;
            unsigned char rnd[4];
            id_random_bytes(rnd, sizeof rnd);
            double x = (double)((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 | rnd[2] << 8 | rnd[3]) / 4294967296.0;
            if (x < share) *version = j->u.obj.k[0];
        }
        found = 1;
    } else if (rc != SQLITE_DONE)
        found = -1;
    store_release(st);
    return found;
}

int lambda__load_q(app_t *app, arena_t *a, str_t account, str_t region, str_t name, str_t qualifier, lambda__fn_t *f)
{
    int rc = lambda__load(app, a, account, region, name, f);
    if (rc == 1 && str_eq_c(qualifier, "$LATEST")) f->named_latest = true;
    if (rc != 1 || !qualifier.len || str_eq_c(qualifier, "$LATEST")) return rc;
    str_t v = qualifier;
    if (all_digits(qualifier)) return overlay_version(app, a, f, v);
    /* an alias: its version's configuration, the alias's own policy */
    str_t policy;
    rc = alias_target(app, a, f, qualifier, &v, &policy);
    if (rc == 1 && !str_eq_c(v, "$LATEST")) rc = overlay_version(app, a, f, v);
    if (rc == 1) {
        f->policy = policy;
        f->qualifier = arena_str(a, qualifier);
    }
    return rc;
}

int lambda__set_policy(req_t *r, const lambda__fn_t *f, str_t policy)
{
    sqlite3_stmt *st;
    bool version = all_digits(f->qualifier);
    const char *sql = !f->qualifier.len ? "UPDATE lambda_function SET policy = ?4 WHERE account = ?1 AND region = ?2 "
                                          "AND name = ?3"
                      : version ? "UPDATE lambda_version SET policy = ?4 WHERE account = ?1 AND region = ?2 AND "
                                  "name = ?3 AND version = ?5"
                                : "UPDATE lambda_alias SET policy = ?4 WHERE account = ?1 AND region = ?2 AND "
                                  "name = ?3 AND alias = ?5";
    if (lambda__fn_prepare(r, f, sql, &st) != GR_OK) return GR_ERR;
    lambda__bind_s(st, 4, policy);
    if (version)
        sqlite3_bind_int64(st, 5, strtoll(arena_printf(r->arena, "%.*s", STR_FMT(f->qualifier)), NULL, 10));
    else if (f->qualifier.len)
        lambda__bind_s(st, 5, f->qualifier);
    return lambda__step_done(st);
}

/* ==== Versions ==== */

int lambda_publish_version(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t sha = val_get_str(in, "CodeSha256");
    if (sha.p && !str_eq(sha, f.code_sha256))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "CodeSHA256 (%.*s) is different from current CodeSHA256 in $LATEST (%.*s). Please try again "
                        "with the current CodeSHA256.",
                        STR_FMT(sha), STR_FMT(f.code_sha256));
    if (lambda__revision_or_fail(r, in, f.revision, "GetFunction/GetAlias") != GR_OK) return GR_ERR;
    if (lambda__publish(r, &f, val_get_str(in, "Description")) != GR_OK) return GR_ERR;
    *out = *lambda__config_value(a, &f);
    return GR_OK;
}

int lambda__publish(req_t *r, lambda__fn_t *fp, str_t desc)
{
    arena_t *a = r->arena;
    lambda__fn_t f = *fp;
    sqlite3_stmt *st;
    /* AWS: publishing an unchanged $LATEST answers the last version again */
    if (lambda__fn_prepare(r, &f,
                           "SELECT version, from_revision FROM lambda_version WHERE account = ?1 AND region = ?2 AND "
                           "name = ?3 ORDER BY version DESC LIMIT 1",
                           &st) != GR_OK)
        return GR_ERR;
    int64_t last = 0;
    bool same = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        last = sqlite3_column_int64(st, 0);
        same = str_eq(lambda__col(a, st, 1), f.revision);
    }
    store_release(st);
    if (same) {
        if (overlay_version(r->app, a, &f, str_c(arena_printf(a, "%lld", (long long)last))) != 1) return GR_ERR;
        *fp = f;
        return GR_OK;
    }
    char rid[37];
    id_uuid(rid);
    str_t from = f.revision;
    f.revision = str_c(arena_strdup(a, rid));
    f.last_modified = time_now_us() / 1000;
    if (desc.p) f.description = desc;
    if (lambda__fn_prepare(r, &f,
                           "INSERT INTO lambda_version (account, region, name, version, runtime, handler, role, "
                           "memory_mb, timeout_s, code_sha256, code_size, code_id, description, env_json, dlq_arn, "
                           "ephemeral_mb, revision, from_revision, last_modified, logging) VALUES "
                           "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,nullif(?20,''))",
                           &st) != GR_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 4, last + 1);
    lambda__bind_s(st, 5, f.runtime);
    lambda__bind_s(st, 6, f.handler);
    lambda__bind_s(st, 7, f.role);
    sqlite3_bind_int64(st, 8, f.memory_mb);
    sqlite3_bind_int64(st, 9, f.timeout_s);
    lambda__bind_s(st, 10, f.code_sha256);
    sqlite3_bind_int64(st, 11, f.code_size);
    lambda__bind_s(st, 12, f.code_id);
    lambda__bind_s(st, 13, f.description);
    lambda__bind_s(st, 14, f.env_json);
    lambda__bind_s(st, 15, f.dlq_arn);
    sqlite3_bind_int64(st, 16, f.ephemeral_mb);
    lambda__bind_s(st, 17, f.revision);
    lambda__bind_s(st, 18, from);
    sqlite3_bind_int64(st, 19, f.last_modified);
    lambda__bind_s(st, 20, f.logging);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    f.version = str_c(arena_printf(a, "%lld", (long long)(last + 1)));
    *fp = f;
    return GR_OK;
}

int lambda_list_versions_by_function(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    str_t fname = val_get_str(in, "FunctionName");
    if (lambda__load_or_fail(r, fname, &f) != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    f.named_latest = true; /* AWS: the $LATEST entry's FunctionArn ends in ":$LATEST" */
    val_push(a, list, lambda__config_value(a, &f));
    if (lambda__push_versions(r->app, a, &f, list) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Versions", list);
    return GR_OK;
}

int lambda__push_versions(app_t *app, arena_t *a, const lambda__fn_t *f, val_t *list)
{
    sqlite3_stmt *st;
    if (lambda__prepare(app,
                        "SELECT " V_COLS " FROM lambda_version WHERE account = ?1 AND region = ?2 AND "
                        "name = ?3 ORDER BY version",
                        f->account, f->region, f->name, &st) != GR_OK)
        return GR_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lambda__fn_t v = *f;
        v.named_latest = false;
        read_version(a, st, &v);
        val_push(a, list, lambda__config_value(a, &v));
    }
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* ==== Aliases ==== */

#define A_COLS "alias, version, description, weights_json, revision"

static val_t *alias_value(arena_t *a, const lambda__fn_t *f, sqlite3_stmt *st)
{
    val_t *v = val_new(a, VAL_STRUCT);
    str_t name = lambda__col(a, st, 0);
    val_set_c(a, v, "AliasArn",
              val_cstr(a, arena_printf(a, "%s:%.*s", lambda__arn(a, f->region, f->account, f->name).p, STR_FMT(name))));
    val_set_c(a, v, "Name", val_str(a, name));
    val_set_c(a, v, "FunctionVersion", val_str(a, lambda__col(a, st, 1)));
    val_set_c(a, v, "Description", val_str(a, lambda__col(a, st, 2)));
    str_t w = lambda__col(a, st, 3);
    const json_t *j = w.len ? json_parse(a, w, NULL) : NULL;
    if (j && j->type == JSON_OBJECT && j->u.obj.n) {
        val_t *m = val_new(a, VAL_MAP), *rc = val_new(a, VAL_STRUCT);
        for (size_t i = 0; i < j->u.obj.n; i++)
            val_set(a, m, j->u.obj.k[i],
                    val_float(a, j->u.obj.v[i]->type == JSON_DOUBLE ? j->u.obj.v[i]->u.d : (double)j->u.obj.v[i]->u.i));
        val_set_c(a, rc, "AdditionalVersionWeights", m);
        val_set_c(a, v, "RoutingConfig", rc);
    }
    val_set_c(a, v, "RevisionId", val_str(a, lambda__col(a, st, 4)));
    return v;
}

static int alias_get(req_t *r, const lambda__fn_t *f, str_t alias, val_t *out)
{
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, f,
                           "SELECT " A_COLS " FROM lambda_alias WHERE account = ?1 AND region = ?2 AND "
                           "name = ?3 AND alias = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, alias);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out) *out = *alias_value(r->arena, f, st);
    store_release(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Alias not found: %s:%.*s",
                        lambda__arn(r->arena, f->region, f->account, f->name).p, STR_FMT(alias));
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

/* Checks the version (and the weighted one) exist; the weights JSON. */
static int alias_targets(req_t *r, const lambda__fn_t *f, const val_t *in, str_t version, str_t *weights)
{
    arena_t *a = r->arena;
    if (version.p && !str_eq_c(version, "$LATEST")) {
        lambda__fn_t tmp = *f;
        int rc = all_digits(version) ? overlay_version(r->app, a, &tmp, version) : 0;
        if (rc < 0) return GR_ERR;
        if (!rc)
            return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Function not found: %s:%.*s",
                            lambda__arn(a, f->region, f->account, f->name).p, STR_FMT(version));
    }
    const val_t *rc = val_get(in, "RoutingConfig");
    const val_t *w = rc ? val_get(rc, "AdditionalVersionWeights") : NULL;
    *weights = STR("");
    if (w && w->u.obj.n) {
        if (version.p && str_eq_c(version, "$LATEST"))
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "$LATEST is not supported for an alias pointing to more than 1 version");
        /* AWS: one additional version, weight in [0, 1] */
        if (w->u.obj.n > 1)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "Number of items in AdditionalVersionWeights cannot be greater than 1");
        str_t v2 = w->u.obj.e[0].key;
        double share = w->u.obj.e[0].v->kind == VAL_FLOAT ? w->u.obj.e[0].v->u.f : (double)w->u.obj.e[0].v->u.i;
        lambda__fn_t tmp = *f;
        int found = all_digits(v2) ? overlay_version(r->app, a, &tmp, v2) : 0;
        if (found < 0) return GR_ERR;
        if (!found)
            return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Function not found: %s:%.*s",
                            lambda__arn(a, f->region, f->account, f->name).p, STR_FMT(v2));
        if (share < 0 || share > 1)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                            "The weight of a version must be between 0.0 and 1.0");
        *weights = str_c(arena_printf(a, "{\"%.*s\":%.6f}", STR_FMT(v2), share));
    }
    return GR_OK;
}

int lambda_create_alias(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t alias = val_get_str(in, "Name"), version = val_get_str(in, "FunctionVersion"), weights;
    if (all_digits(alias))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "An alias name cannot be a version number.");
    if (alias_targets(r, &f, in, version, &weights) != GR_OK) return GR_ERR;
    char rid[37];
    id_uuid(rid);
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "INSERT INTO lambda_alias (account, region, name, alias, version, description, "
                           "weights_json, revision) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, alias);
    lambda__bind_s(st, 5, version);
    lambda__bind_s(st, 6, val_get_str(in, "Description"));
    lambda__bind_s(st, 7, weights);
    sqlite3_bind_text(st, 8, rid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    store_release(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return req_fail(r, &LAMBDA_ERR_ResourceConflictException, "Alias already exists: %s:%.*s",
                        lambda__arn(a, f.region, f.account, f.name).p, STR_FMT(alias));
    if (rc != SQLITE_DONE) return GR_ERR;
    return alias_get(r, &f, alias, out);
}

int lambda_get_alias(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t alias = val_get_str(in, "Name");
    if (alias_get(r, &f, alias, out) == GR_OK) return GR_OK;
    if (r->err != &LAMBDA_ERR_ResourceNotFoundException) return GR_ERR;
    /* AWS: GetAlias words it differently from UpdateAlias (LocalStack's recorded
     * test_notfound_and_invalid_routingconfigs) */
    r->err = NULL;
    return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Cannot find alias arn: %s:%.*s",
                    lambda__arn(r->arena, f.region, f.account, f.name).p, STR_FMT(alias));
}

int lambda_update_alias(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t alias = val_get_str(in, "Name"), version = val_get_str(in, "FunctionVersion"), weights;
    if (alias_get(r, &f, alias, NULL) != GR_OK) return GR_ERR;
    if (alias_targets(r, &f, in, version, &weights) != GR_OK) return GR_ERR;
    char rid[37];
    id_uuid(rid);
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "UPDATE lambda_alias SET version = coalesce(?5, version), description = "
                           "coalesce(?6, description), weights_json = CASE WHEN ?9 THEN ?7 ELSE weights_json "
                           "END, revision = ?8 WHERE account = ?1 AND region = ?2 AND name = ?3 AND alias = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, alias);
    if (version.p) lambda__bind_s(st, 5, version);
    str_t desc = val_get_str(in, "Description");
    if (desc.p) lambda__bind_s(st, 6, desc);
    lambda__bind_s(st, 7, weights);
    sqlite3_bind_text(st, 8, rid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 9, val_get(in, "RoutingConfig") != NULL);
    if (lambda__step_done(st) != GR_OK) return GR_ERR;
    return alias_get(r, &f, alias, out);
}

int lambda_delete_alias(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "DELETE FROM lambda_alias WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                           "alias = ?4",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, val_get_str(in, "Name"));
    if (lambda__step_done(st) != GR_OK) return GR_ERR; /* AWS: deleting an absent alias succeeds */
    /* AWS: the alias's function URL stops answering with it (LocalStack's
     * recorded test_lambda_url_persists_after_alias_delete: 403) */
    /* AWS (LocalStack's recorded test_lambda_provisioned_lifecycle): and its
     * provisioned concurrency */
    if (lambda__forget(r->app, f.account, f.region, f.name, val_get_str(in, "Name")) != GR_OK) return GR_ERR;
    return lambda__delete_urls(r->app, f.account, f.region, f.name, val_get_str(in, "Name"));
}

int lambda_list_aliases(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    str_t fv = val_get_str(in, "FunctionVersion");
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "SELECT " A_COLS " FROM lambda_alias WHERE account = ?1 AND region = ?2 AND "
                           "name = ?3 AND (?4 = '' OR version = ?4) ORDER BY alias",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, fv);
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) val_push(a, list, alias_value(a, &f, st));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Aliases", list);
    return GR_OK;
}

/* DeleteFunction's cleanup: a qualified delete removes that version only;
 * an unqualified one every version and alias. */
int lambda__delete_versions(app_t *app, const lambda__fn_t *f, bool one)
{
    const char *sqls[] = {one ? "DELETE FROM lambda_version WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                                "version = ?4"
                              : "DELETE FROM lambda_version WHERE account = ?1 AND region = ?2 AND name = ?3",
                          one ? NULL : "DELETE FROM lambda_alias WHERE account = ?1 AND region = ?2 AND name = ?3"};
    for (int i = 0; i < 2; i++) {
        if (!sqls[i]) continue;
        sqlite3_stmt *st;
        if (lambda__prepare(app, sqls[i], f->account, f->region, f->name, &st) != GR_OK) return GR_ERR;
        if (one) sqlite3_bind_int64(st, 4, strtoll(f->version.p, NULL, 10));
        if (lambda__step_done(st) != GR_OK) return GR_ERR;
    }
    /* a deleted version's provisioned concurrency goes with it; a deleted
     * function's every configuration and its code signing link */
    if (lambda__forget(app, f->account, f->region, f->name, one ? f->version : STR_NULL) != GR_OK) return GR_ERR;
    return one ? GR_OK : lambda__delete_urls(app, f->account, f->region, f->name, STR_NULL);
}
