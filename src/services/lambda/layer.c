/* layer.c — Lambda layers over lambda_layer: PublishLayerVersion,
 * GetLayerVersion, ListLayerVersions, ListLayers, DeleteLayerVersion, and
 * the check of a function's Layers. A layer's zip is stored by hash like a
 * function's (code.c); exec.c extracts a function's layers, in order, into
 * one directory bound at /opt (code.c lambda__layers_dir). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "lambda_model.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

static void bind_s(sqlite3_stmt *st, int i, str_t s)
{
    sqlite3_bind_text(st, i, s.p ? s.p : "", (int)s.len, SQLITE_TRANSIENT);
}

static str_t col(arena_t *a, sqlite3_stmt *st, int i)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return arena_str(a, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, i)));
}

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

#define L_COLS "name, version, description, code_id, code_sha256, code_size, runtimes, license, created_ms"

static val_t *layer_value(req_t *r, sqlite3_stmt *st, bool full)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t name = col(a, st, 0);
    int64_t ver = sqlite3_column_int64(st, 1);
    str_t arn = layer_arn(a, r->region, r->who.account, name);
    if (full) {
        val_t *c = val_new(a, VAL_STRUCT);
        app_t *app = r->app;
        str_t id = col(a, st, 3);
        val_set_c(a, c, "Location",
                  val_cstr(a, arena_printf(a, "http://127.0.0.1:%d/_gureum/lambda/code/%.*s.zip", app->cfg->port,
                                           STR_FMT(id))));
        val_set_c(a, c, "CodeSha256", val_str(a, col(a, st, 4)));
        val_set_c(a, c, "CodeSize", val_int(a, sqlite3_column_int64(st, 5)));
        val_set_c(a, v, "Content", c);
        val_set_c(a, v, "LayerArn", val_str(a, arn));
    }
    val_set_c(a, v, "LayerVersionArn", val_cstr(a, arena_printf(a, "%.*s:%lld", STR_FMT(arn), (long long)ver)));
    val_set_c(a, v, "Description", val_str(a, col(a, st, 2)));
    char ts[40];
    time_fmt_iso8601(ts, sqlite3_column_int64(st, 8) * 1000, true);
    ts[23] = 0;
    val_set_c(a, v, "CreatedDate", val_cstr(a, arena_printf(a, "%s+0000", ts)));
    val_set_c(a, v, "Version", val_int(a, ver));
    str_t rts = col(a, st, 6);
    const json_t *j = rts.len ? json_parse(a, rts, NULL) : NULL;
    if (j && j->type == JSON_ARRAY) {
        val_t *l = val_new(a, VAL_LIST);
        for (size_t i = 0; i < j->u.arr.n; i++)
            if (j->u.arr.v[i]->type == JSON_STRING) val_push(a, l, val_str(a, j->u.arr.v[i]->u.s));
        val_set_c(a, v, "CompatibleRuntimes", l);
    }
    str_t lic = col(a, st, 7);
    if (lic.len) val_set_c(a, v, "LicenseInfo", val_str(a, lic));
    return v;
}

int lambda_publish_layer_version(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = layer_name(val_get_str(in, "LayerName"));
    const val_t *content = val_get(in, "Content");
    const val_t *zip = val_get(content, "ZipFile");
    if (!zip || zip->kind != VAL_BLOB)
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Please provide a source for layer content.");
    lambda__fn_t f = {0};
    if (lambda__store_code(r, zip->u.s, &f) != GR_OK) return GR_ERR;
    buf_t rts;
    buf_init(&rts, a);
    const val_t *cr = val_get(in, "CompatibleRuntimes");
    if (cr && cr->u.list.n) {
        json_w_t w;
        json_w_init(&w, &rts);
        json_w_arr_begin(&w);
        for (size_t i = 0; i < cr->u.list.n; i++) json_w_str(&w, cr->u.list.v[i]->u.s);
        json_w_arr_end(&w);
    }
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "INSERT INTO lambda_layer (account, region, name, version, description, code_id, "
                             "code_sha256, code_size, runtimes, license, created_ms) SELECT ?1, ?2, ?3, "
                             "coalesce(max(version), 0) + 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM lambda_layer "
                             "WHERE account = ?1 AND region = ?2 AND name = ?3 RETURNING " L_COLS,
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    bind_s(st, 1, r->who.account);
    bind_s(st, 2, r->region);
    bind_s(st, 3, name);
    bind_s(st, 4, val_get_str(in, "Description"));
    bind_s(st, 5, f.code_id);
    bind_s(st, 6, f.code_sha256);
    sqlite3_bind_int64(st, 7, f.code_size);
    bind_s(st, 8, buf_str(&rts));
    bind_s(st, 9, val_get_str(in, "LicenseInfo"));
    sqlite3_bind_int64(st, 10, time_now_us() / 1000);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = *layer_value(r, st, true);
    store_release(st);
    return rc == SQLITE_ROW ? GR_OK : GR_ERR;
}

static int layer_get(req_t *r, str_t name, int64_t version, sqlite3_stmt **out)
{
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT " L_COLS " FROM lambda_layer WHERE account = ?1 AND region = ?2 AND "
                             "name = ?3 AND version = ?4",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    bind_s(st, 1, r->who.account);
    bind_s(st, 2, r->region);
    bind_s(st, 3, name);
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

int lambda_get_layer_version(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = NULL;
    if (layer_get(r, layer_name(val_get_str(in, "LayerName")), val_get_int(in, "VersionNumber", 0), &st) != GR_OK)
        return GR_ERR;
    *out = *layer_value(r, st, true);
    store_release(st);
    return GR_OK;
}

int lambda_delete_layer_version(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "DELETE FROM lambda_layer WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                             "version = ?4",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    bind_s(st, 1, r->who.account);
    bind_s(st, 2, r->region);
    bind_s(st, 3, layer_name(val_get_str(in, "LayerName")));
    sqlite3_bind_int64(st, 4, val_get_int(in, "VersionNumber", 0));
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR; /* AWS: deleting an absent version succeeds */
}

int lambda_list_layer_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT " L_COLS " FROM lambda_layer WHERE account = ?1 AND region = ?2 AND "
                             "name = ?3 ORDER BY version DESC",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    bind_s(st, 1, r->who.account);
    bind_s(st, 2, r->region);
    bind_s(st, 3, layer_name(val_get_str(in, "LayerName")));
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) val_push(a, list, layer_value(r, st, false));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "LayerVersions", list);
    return GR_OK;
}

int lambda_list_layers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT " L_COLS " FROM lambda_layer l WHERE account = ?1 AND region = ?2 AND "
                             "version = (SELECT max(version) FROM lambda_layer m WHERE m.account = l.account "
                             "AND m.region = l.region AND m.name = l.name) ORDER BY name",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    bind_s(st, 1, r->who.account);
    bind_s(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        val_t *item = val_new(a, VAL_STRUCT);
        str_t name = col(a, st, 0);
        val_set_c(a, item, "LayerName", val_str(a, name));
        val_set_c(a, item, "LayerArn", val_str(a, layer_arn(a, r->region, r->who.account, name)));
        val_set_c(a, item, "LatestMatchingVersion", layer_value(r, st, false));
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
        str_t arn = arns->u.list.v[i]->u.s;
        /* arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION */
        str_t part[8];
        size_t n = 0, start = 0;
        for (size_t k = 0; k <= arn.len && n < 8; k++)
            if (k == arn.len || arn.p[k] == ':') {
                part[n++] = str_n(arn.p + start, k - start);
                start = k + 1;
            }
        sqlite3_stmt *st = NULL;
        bool ok = n == 8 && str_eq_c(part[0], "arn") && str_eq_c(part[5], "layer") && str_eq(part[4], r->who.account) &&
                  str_eq(part[3], r->region);
        if (ok) {
            int64_t ver = strtoll(arena_printf(a, "%.*s", STR_FMT(part[7])), NULL, 10);
            sqlite3 *db = lambda__db(r->app);
            if (!db || store_prepare(db,
                                     "SELECT code_id, code_size FROM lambda_layer WHERE account = ?1 AND "
                                     "region = ?2 AND name = ?3 AND version = ?4",
                                     -1, &st, NULL) != SQLITE_OK)
                return GR_ERR;
            bind_s(st, 1, part[4]);
            bind_s(st, 2, part[3]);
            bind_s(st, 3, part[6]);
            sqlite3_bind_int64(st, 4, ver);
            ok = sqlite3_step(st) == SQLITE_ROW;
        }
        if (!ok) {
            if (st) store_release(st);
            return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Layer version %.*s does not exist.",
                            STR_FMT(arn));
        }
        json_w_obj_begin(&w);
        json_w_key(&w, STR("Arn"));
        json_w_str(&w, arn);
        json_w_key(&w, STR("CodeSize"));
        json_w_int(&w, sqlite3_column_int64(st, 1));
        json_w_key(&w, STR("CodeId"));
        json_w_str(&w, col(a, st, 0));
        json_w_obj_end(&w);
        store_release(st);
    }
    json_w_arr_end(&w);
    f->layers = arns->u.list.n ? buf_str(&b) : STR("");
    return GR_OK;
}
