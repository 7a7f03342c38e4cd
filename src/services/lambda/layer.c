/* layer.c — Lambda layers over lambda_layer: PublishLayerVersion,
 * GetLayerVersion, GetLayerVersionByArn, ListLayerVersions, ListLayers, DeleteLayerVersion, and
 * the check of a function's Layers. A layer's zip is stored by hash like a
 * function's (code.c); exec.c extracts a function's layers, in order, into
 * one directory bound at /opt (code.c lambda__layers_dir). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "auth/policy.h"
#include "lambda_model.h"
#include "services/authz.h"
#include "services/grant.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

static str_t layer_arn(arena_t *a, str_t region, str_t account, str_t name)
{
    return str_c(
        arena_printf(a, "arn:aws:lambda:%.*s:%.*s:layer:%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(name)));
}

/* "name" or "arn:aws:lambda:R:A:layer:name" → name. */
static str_t layer_name(str_t in)
{
    size_t last = 0;
    for (size_t i = 0; i < in.len; i++)
        if (in.p[i] == ':') last = i + 1;
    return str_n(in.p + last, in.len - last);
}

#define L_COLS                                                                                                         \
    "name, version, description, code_id, code_sha256, code_size, runtimes, license, created_ms, architectures, "      \
    "policy, policy_revision"

/* A JSON array of strings → a list value (empty when absent). */
val_t *lambda__json_list(arena_t *a, str_t text)
{
    val_t *l = val_new(a, VAL_LIST);
    const json_t *j = text.len ? json_parse(a, text, NULL) : NULL;
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++)
        if (j->u.arr.v[i]->type == JSON_STRING) val_push(a, l, val_str(a, j->u.arr.v[i]->u.s));
    return l;
}

str_t lambda__list_json(arena_t *a, const val_t *l)
{
    if (!l || !l->u.list.n) return STR("");
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; i < l->u.list.n; i++) json_w_str(&w, l->u.list.v[i]->u.s);
    json_w_arr_end(&w);
    return buf_str(&b);
}

/* The layer version of row st, owned by account (its ARNs name it). */
static val_t *layer_value(req_t *r, str_t account, sqlite3_stmt *st, bool full)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t name = lambda__col(a, st, 0);
    int64_t ver = sqlite3_column_int64(st, 1);
    str_t arn = layer_arn(a, r->region, account, name);
    if (full) {
        val_t *c = val_new(a, VAL_STRUCT);
        app_t *app = r->app;
        str_t id = lambda__col(a, st, 3);
        val_set_c(a, c, "Location",
                  val_cstr(a, arena_printf(a, "http://127.0.0.1:%d/_gureum/lambda/code/%.*s.zip", app->cfg->port,
                                           STR_FMT(id))));
        val_set_c(a, c, "CodeSha256", val_str(a, lambda__col(a, st, 4)));
        val_set_c(a, c, "CodeSize", val_int(a, sqlite3_column_int64(st, 5)));
        val_set_c(a, v, "Content", c);
        val_set_c(a, v, "LayerArn", val_str(a, arn));
    }
    val_set_c(a, v, "LayerVersionArn", val_cstr(a, arena_printf(a, "%.*s:%lld", STR_FMT(arn), (long long)ver)));
    /* AWS: a version's own answers (publish, get) carry Description and both
     * lists even when empty; list items only what is set (moto's AWS-verified
     * test_list_lambda_layers, LocalStack's recorded test_layer_exceptions) */
    str_t desc = lambda__col(a, st, 2);
    if (full || desc.len) val_set_c(a, v, "Description", val_str(a, desc));
    val_set_c(a, v, "CreatedDate", lambda__time_value(a, sqlite3_column_int64(st, 8)));
    val_set_c(a, v, "Version", val_int(a, ver));
    val_t *rts = lambda__json_list(a, lambda__col(a, st, 6)), *archs = lambda__json_list(a, lambda__col(a, st, 9));
    if (full || rts->u.list.n) val_set_c(a, v, "CompatibleRuntimes", rts);
    if (full || archs->u.list.n) val_set_c(a, v, "CompatibleArchitectures", archs);
    str_t lic = lambda__col(a, st, 7);
    if (lic.len) val_set_c(a, v, "LicenseInfo", val_str(a, lic));
    return v;
}

/* The next version number of a layer: one past the last ever published
 * (AWS never reuses a deleted version's number). Inside the caller's
 * transaction. 0 on error. */
static int64_t next_version(req_t *r, str_t name)
{
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "INSERT INTO lambda_layer_seq (account, region, name, last) VALUES (?1, ?2, ?3, 1) "
                        "ON CONFLICT DO UPDATE SET last = last + 1 RETURNING last",
                        r->who.account, r->region, name, &st) != GR_OK)
        return 0;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return v;
}

int lambda_publish_layer_version(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = layer_name(val_get_str(in, "LayerName")), zip;
    if (lambda__code_bytes(r, val_get(in, "Content"), &zip) != GR_OK) return GR_ERR;
    lambda__fn_t f = {0};
    if (lambda__store_code(r, zip, &f) != GR_OK) return GR_ERR;
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int64_t version = next_version(r, name);
    if (!version || lambda__prepare(r->app,
                                    "INSERT INTO lambda_layer (account, region, name, version, description, code_id, "
                                    "code_sha256, code_size, runtimes, license, created_ms, architectures) VALUES "
                                    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING " L_COLS,
                                    r->who.account, r->region, name, &st) != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    sqlite3_bind_int64(st, 4, version);
    lambda__bind_s(st, 5, val_get_str(in, "Description"));
    lambda__bind_s(st, 6, f.code_id);
    lambda__bind_s(st, 7, f.code_sha256);
    sqlite3_bind_int64(st, 8, f.code_size);
    lambda__bind_s(st, 9, lambda__list_json(a, val_get(in, "CompatibleRuntimes")));
    lambda__bind_s(st, 10, val_get_str(in, "LicenseInfo"));
    sqlite3_bind_int64(st, 11, time_now_us() / 1000);
    lambda__bind_s(st, 12, lambda__list_json(a, val_get(in, "CompatibleArchitectures")));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = *layer_value(r, r->who.account, st, true);
    store_release(st);
    if (store_exec(db, rc == SQLITE_ROW ? "COMMIT" : "ROLLBACK") != GR_OK || rc != SQLITE_ROW) return GR_ERR;
    return GR_OK;
}

static int layer_get(req_t *r, str_t account, str_t name, int64_t version, sqlite3_stmt **out)
{
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "SELECT " L_COLS " FROM lambda_layer WHERE account = ?1 AND region = ?2 AND "
                        "name = ?3 AND version = ?4",
                        account, r->region, name, &st) != GR_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 4, version);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = st;
        return GR_OK;
    }
    store_release(st);
    if (rc == SQLITE_DONE)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    return GR_ERR;
}

/* AWS: GetLayerVersion and DeleteLayerVersion refuse a VersionNumber below 1
 * (LocalStack's recorded test_layer_exceptions). */
static int version_or_fail(req_t *r, const val_t *in)
{
    if (val_get_int(in, "VersionNumber", 0) < 1)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Layer Version Cannot be less than 1");
    return GR_OK;
}

int lambda_get_layer_version(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = NULL;
    if (version_or_fail(r, in) != GR_OK) return GR_ERR;
    if (layer_get(r, r->who.account, layer_name(val_get_str(in, "LayerName")), val_get_int(in, "VersionNumber", 0),
                  &st) != GR_OK)
        return GR_ERR;
    *out = *layer_value(r, r->who.account, st, true);
    store_release(st);
    return GR_OK;
}

/* arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION → its eight fields;
 * false when it has other fields or is no layer version. */
static bool split_layer_arn(str_t arn, str_t part[8])
{
    size_t n = 0, start = 0;
    for (size_t k = 0; k <= arn.len && n < 8; k++)
        if (k == arn.len || arn.p[k] == ':') {
            part[n++] = str_n(arn.p + start, k - start);
            start = k + 1;
        }
    return n == 8 && start > arn.len && str_eq_c(part[0], "arn") && str_eq_c(part[5], "layer");
}

/* For a layer version of another account (row st of layer_get): whether
 * its policy grants the caller lambda:GetLayerVersion, by IAM's
 * cross-account logic; r failed with AccessDeniedException when not. */
static int foreign_layer_or_fail(req_t *r, str_t owner, str_t arn, sqlite3_stmt *st)
{
    if (str_eq(owner, r->who.account)) return GR_OK;
    str_t policy = lambda__col(r->arena, st, 10);
    char err[128];
    const policy_t *res = policy.len ? policy_parse_in(r->arena, policy, POLICY_RESOURCE, err, sizeof err) : NULL;
    return authz_check_resource(r, ((app_t *)r->app)->authz, STR("lambda:GetLayerVersion"), arn, owner, res);
}

/* AWS: GetLayerVersionByArn — the same answer as GetLayerVersion for the
 * version the ARN names (LocalStack's recorded test_layer_lifecycle); one
 * that does not exist is "The resource you requested does not exist."
 * (test_layer_exceptions). A layer of another account needs its version's
 * policy to grant the caller lambda:GetLayerVersion, as a function's
 * Layers do (Lambda developer guide, "Granting layer access to other
 * accounts"); a layer lives in one region and is only found there. */
int lambda_get_layer_version_by_arn(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t arn = val_get_str(in, "Arn"), part[8];
    if (!split_layer_arn(arn, part)) /* the model's pattern lets nothing else through */
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid Layer Version Arn");
    str_t owner = part[4];
    int64_t ver = strtoll(arena_printf(a, "%.*s", STR_FMT(part[7])), NULL, 10);
    sqlite3_stmt *st = NULL;
    if (!str_eq(part[3], r->region))
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    if (layer_get(r, owner, part[6], ver, &st) != GR_OK) return GR_ERR;
    if (foreign_layer_or_fail(r, owner, arn, st) != GR_OK) {
        store_release(st);
        return GR_ERR;
    }
    *out = *layer_value(r, owner, st, true);
    store_release(st);
    return GR_OK;
}

/* Prepares sql with ?1..?4 bound to the caller's account and region and
 * in's LayerName and VersionNumber. */
static int prepare_version(req_t *r, const val_t *in, const char *sql, sqlite3_stmt **st)
{
    if (lambda__prepare(r->app, sql, r->who.account, r->region, layer_name(val_get_str(in, "LayerName")), st) != GR_OK)
        return GR_ERR;
    sqlite3_bind_int64(*st, 4, val_get_int(in, "VersionNumber", 0));
    return GR_OK;
}

int lambda_delete_layer_version(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st;
    if (version_or_fail(r, in) != GR_OK ||
        prepare_version(r, in,
                        "DELETE FROM lambda_layer WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4",
                        &st) != GR_OK)
        return GR_ERR;
    return lambda__step_done(st); /* AWS: deleting an absent version succeeds */
}

/* ==== Layer version policies ==== */

/* The policy, its revision and the layer version ARN of in (LayerName,
 * VersionNumber) for a policy operation, or r failed as AWS words it for these. */
static int policy_layer_or_fail(req_t *r, const val_t *in, str_t *policy, str_t *rev, str_t *arn)
{
    arena_t *a = r->arena;
    str_t name = layer_name(val_get_str(in, "LayerName"));
    int64_t ver = val_get_int(in, "VersionNumber", 0);
    *arn = str_c(arena_printf(a, "%s:%lld", layer_arn(a, r->region, r->who.account, name).p, (long long)ver));
    sqlite3_stmt *st;
    if (layer_get(r, r->who.account, name, ver, &st) != GR_OK) {
        if (!r->err) return GR_ERR;
        r->err = NULL;
        /* AWS: "Layer version arn:aws:lambda:R:A:layer:NAME:2 does not exist." */
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Layer version %.*s does not exist.", STR_FMT(*arn));
    }
    *policy = lambda__col(a, st, 10);
    *rev = lambda__col(a, st, 11);
    store_release(st);
    return GR_OK;
}

static int set_layer_policy(req_t *r, const val_t *in, str_t policy, str_t *revision)
{
    char rid[37];
    id_uuid(rid);
    *revision = str_c(arena_strdup(r->arena, rid));
    sqlite3_stmt *st;
    if (prepare_version(r, in,
                        "UPDATE lambda_layer SET policy = ?5, policy_revision = ?6 WHERE account = ?1 AND "
                        "region = ?2 AND name = ?3 AND version = ?4",
                        &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 5, policy);
    lambda__bind_s(st, 6, policy.len ? *revision : STR(""));
    return lambda__step_done(st);
}

int lambda_add_layer_version_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t policy, cur_rev, arn;
    if (policy_layer_or_fail(r, in, &policy, &cur_rev, &arn) != GR_OK) return GR_ERR;
    if (lambda__revision_or_fail(r, in, cur_rev, "GetLayerPolicy") != GR_OK) return GR_ERR;
    str_t sid = val_get_str(in, "StatementId"), principal = val_get_str(in, "Principal"),
          org = val_get_str(in, "OrganizationId");
    bool taken;
    size_t kept;
    str_t others = lambda__policy_without(a, policy, sid, &taken, &kept);
    if (taken) return lambda__sid_taken_fail(r, sid);
    /* AWS: {"Sid","Effect","Principal":"*" or {"AWS":"arn:aws:iam::ACCOUNT:root"},"Action","Resource"}
     * and with OrganizationId a StringEquals aws:PrincipalOrgID condition */
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    grant_statement_begin(&w, sid);
    if (str_eq_c(principal, "*"))
        json_w_str(&w, principal);
    else {
        json_w_obj_begin(&w);
        json_w_key(&w, STR("AWS"));
        json_w_str(&w, principal.len == 12 ? str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(principal)))
                                           : principal);
        json_w_obj_end(&w);
    }
    json_w_key(&w, STR("Action"));
    json_w_str(&w, val_get_str(in, "Action"));
    json_w_key(&w, STR("Resource"));
    json_w_str(&w, arn);
    if (org.p) {
        json_w_key(&w, STR("Condition"));
        json_w_obj_begin(&w);
        json_w_key(&w, STR("StringEquals"));
        json_w_obj_begin(&w);
        json_w_key(&w, STR("aws:PrincipalOrgID"));
        json_w_str(&w, org);
        json_w_obj_end(&w);
        json_w_obj_end(&w);
    }
    json_w_obj_end(&w);
    str_t stmt = buf_str(&b);
    str_t doc = lambda__policy_doc(a, others, kept, stmt);
    str_t rev;
    if (set_layer_policy(r, in, doc, &rev) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Statement", val_str(a, stmt));
    val_set_c(a, out, "RevisionId", val_str(a, rev));
    return GR_OK;
}

int lambda_get_layer_version_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t policy, rev, arn;
    if (policy_layer_or_fail(r, in, &policy, &rev, &arn) != GR_OK) return GR_ERR;
    if (!policy.len)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "No policy is associated with the given resource.");
    val_set_c(a, out, "Policy", val_str(a, policy));
    val_set_c(a, out, "RevisionId", val_str(a, rev));
    return GR_OK;
}

int lambda_remove_layer_version_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t policy, cur_rev, arn;
    if (policy_layer_or_fail(r, in, &policy, &cur_rev, &arn) != GR_OK) return GR_ERR;
    if (lambda__revision_or_fail(r, in, cur_rev, "GetLayerPolicy") != GR_OK) return GR_ERR;
    str_t sid = val_get_str(in, "StatementId");
    bool found;
    size_t kept;
    str_t others = lambda__policy_without(a, policy, sid, &found, &kept);
    if (!found)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "Statement %.*s is not found in resource policy.",
                        STR_FMT(sid));
    str_t doc = lambda__policy_doc(a, others, kept, STR("")), rev;
    return set_layer_policy(r, in, doc, &rev);
}

int lambda_list_layer_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "SELECT " L_COLS " FROM lambda_layer WHERE account = ?1 AND region = ?2 AND "
                        "name = ?3 ORDER BY version DESC",
                        r->who.account, r->region, layer_name(val_get_str(in, "LayerName")), &st) != GR_OK)
        return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) val_push(a, list, layer_value(r, r->who.account, st, false));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "LayerVersions", list);
    return GR_OK;
}

int lambda_list_layers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "SELECT " L_COLS " FROM lambda_layer l WHERE account = ?1 AND region = ?2 AND "
                        "version = (SELECT max(version) FROM lambda_layer m WHERE m.account = l.account "
                        "AND m.region = l.region AND m.name = l.name) ORDER BY name",
                        r->who.account, r->region, STR_NULL, &st) != GR_OK)
        return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        val_t *item = val_new(a, VAL_STRUCT);
        str_t name = lambda__col(a, st, 0);
        val_set_c(a, item, "LayerName", val_str(a, name));
        val_set_c(a, item, "LayerArn", val_str(a, layer_arn(a, r->region, r->who.account, name)));
        val_set_c(a, item, "LatestMatchingVersion", layer_value(r, r->who.account, st, false));
        val_push(a, list, item);
    }
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Layers", list);
    return GR_OK;
}

int lambda__resolve_layers(req_t *r, const val_t *arns, lambda__fn_t *f)
{
    arena_t *a = r->arena;
    /* AWS: "Cannot reference more than 5 layers." */
    if (arns->u.list.n > 5)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Cannot reference more than 5 layers.");
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; i < arns->u.list.n; i++) {
        str_t arn = arns->u.list.v[i]->u.s, part[8];
        sqlite3_stmt *st = NULL;
        bool ok = split_layer_arn(arn, part) && str_eq(part[3], r->region);
        if (ok && layer_get(r, part[4], part[6], strtoll(arena_printf(a, "%.*s", STR_FMT(part[7])), NULL, 10), &st) !=
                      GR_OK) {
            if (!r->err) return GR_ERR;
            r->err = NULL;
            ok = false;
        }
        if (!ok)
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Layer version %.*s does not exist.",
                            STR_FMT(arn));
        /* AWS: another account's layer needs its grant of lambda:GetLayerVersion */
        if (foreign_layer_or_fail(r, part[4], arn, st) != GR_OK) {
            store_release(st);
            return GR_ERR;
        }
        json_w_obj_begin(&w);
        json_w_key(&w, STR("Arn"));
        json_w_str(&w, arn);
        json_w_key(&w, STR("CodeSize"));
        json_w_int(&w, sqlite3_column_int64(st, 5));
        json_w_key(&w, STR("CodeId"));
        json_w_str(&w, lambda__col(a, st, 3));
        json_w_obj_end(&w);
        store_release(st);
    }
    json_w_arr_end(&w);
    f->layers = arns->u.list.n ? buf_str(&b) : STR("");
    return GR_OK;
}
