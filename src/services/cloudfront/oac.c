/* oac.c — CloudFront origin access controls (CreateOriginAccessControl,
 * GetOriginAccessControl, GetOriginAccessControlConfig,
 * ListOriginAccessControls, UpdateOriginAccessControl,
 * DeleteOriginAccessControl): the identity an S3 origin is read as.
 *
 * A distribution's origin names one by OriginAccessControlId (dist.c checks
 * it exists); the edge then reads the bucket as the service principal
 * cloudfront.amazonaws.com with the distribution's ARN as aws:SourceArn,
 * unless its SigningBehavior is "never" (edge.c). Updates and deletes need
 * the current ETag in If-Match, as for distributions; one still named by a
 * distribution cannot be deleted (OriginAccessControlInUse). */
#include <string.h>

#include "cloudfront_model.h"
#include "core/json.h"
#include "services/app.h"
#include "services/cloudfront/cloudfront.h"

#define E_NOOAC (&CLOUDFRONT_ERR_NoSuchOriginAccessControl)

typedef struct {
    const char *id, *etag;
    val_t *config;
} oac_t;

/* cloudfront.h says what it answers. */
int cf__oac_find(req_t *r, sqlite3 *db, str_t account, str_t id, val_t **config)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT config FROM oac WHERE id = ?1 AND account = ?2");
    if (!st) return -1;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, account);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found && config) {
        json_t *j = json_parse(r->arena, store_col_str(r->arena, st, 0), NULL);
        *config = j ? val_from_json(r->arena, j) : val_new(r->arena, VAL_STRUCT);
    }
    return store_release(st) == SQLITE_OK ? found : -1;
}

static int oac_or_fail(req_t *r, sqlite3 *db, str_t id, oac_t *o)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, etag, config FROM oac WHERE id = ?1 AND account = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        o->id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        o->etag = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        json_t *j = json_parse(a, store_col_str(a, st, 2), NULL);
        o->config = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* the text as moto records it */
    if (!found) return req_fail(r, E_NOOAC, "The specified origin access control does not exist.");
    return GR_OK;
}

static int answer(req_t *r, const oac_t *o, val_t *out)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Id", val_cstr(a, o->id));
    val_set_c(a, v, "OriginAccessControlConfig", o->config);
    val_set_c(a, out, "OriginAccessControl", v);
    return val_set_c(a, out, "ETag", val_cstr(a, o->etag));
}

/* A name already taken in the account by another one: fails r. */
static int name_free_or_fail(req_t *r, sqlite3 *db, str_t name, const char *except)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM oac WHERE account = ?1 AND name = ?2 AND id != ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, name);
    sqlite3_bind_text(st, 3, except ? except : "", -1, SQLITE_STATIC);
    bool taken = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* not on record: the text (the model's description of the error) */
    if (taken)
        return req_fail(r, &CLOUDFRONT_ERR_OriginAccessControlAlreadyExists,
                        "An origin access control with the specified parameters already exists.");
    return GR_OK;
}

int cloudfront_create_origin_access_control(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    val_t *cfg = val_get(in, "OriginAccessControlConfig");
    str_t name = val_get_str(cfg, "Name");
    /* AWS: a name of 1 to 64 characters */
    if (!name.len || name.len > 64)
        return req_fail(r, &CLOUDFRONT_ERR_InvalidArgument, "The parameter Name must be 1 to 64 characters long.");
    sqlite3 *db = cf__db(r->app);
    if (!db || name_free_or_fail(r, db, name, NULL) != GR_OK) return GR_ERR;
    oac_t o = {.id = cf__new_id(a, 'E'), .etag = cf__new_id(a, 'E'), .config = cfg};
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO oac (id, account, name, config, etag, seq) VALUES (?1, ?2, ?3, ?4, "
                                      "?5, (SELECT coalesce(max(seq), 0) + 1 FROM oac))");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, val_json_text(a, cfg));
    sqlite3_bind_text(st, 5, o.etag, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    val_set_c(
        a, out, "Location",
        val_cstr(a, arena_printf(a, "https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/%s", o.id)));
    return answer(r, &o, out);
}

int cloudfront_get_origin_access_control(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    oac_t o;
    if (!db || oac_or_fail(r, db, val_get_str(in, "Id"), &o) != GR_OK) return GR_ERR;
    return answer(r, &o, out);
}

int cloudfront_get_origin_access_control_config(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    oac_t o;
    if (!db || oac_or_fail(r, db, val_get_str(in, "Id"), &o) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "OriginAccessControlConfig", o.config);
    return val_set_c(r->arena, out, "ETag", val_cstr(r->arena, o.etag));
}

static val_t *summary_row(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    json_t *j = json_parse(a, store_col_str(a, st, 1), NULL);
    val_t *c = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT), *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "Id", val_str(a, store_col_str(a, st, 0)));
    /* AWS: the summary has Description, "" when none was given */
    str_t desc = val_get_str(c, "Description");
    val_set_c(a, s, "Description", val_str(a, desc.p ? desc : STR("")));
    static const char *const copied[] = {"Name", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType"};
    for (size_t i = 0; i < 4; i++)
        if (val_get(c, copied[i])) val_set_c(a, s, copied[i], val_get(c, copied[i]));
    return s;
}

int cloudfront_list_origin_access_controls(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    if (!db) return GR_ERR;
    return cf__page(r, db, in,
                    "SELECT id, config FROM oac WHERE account = ?1 AND (?2 IS NULL OR ?2 = '' OR "
                    "seq > (SELECT seq FROM oac WHERE id = ?2)) ORDER BY seq LIMIT ?3",
                    r->who.account, summary_row, "OriginAccessControlList", out);
}

int cloudfront_update_origin_access_control(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = cf__db(r->app);
    oac_t o;
    if (cf__if_match_or_fail(r, in, NULL) != GR_OK) return GR_ERR; /* as for a distribution */
    if (!db || oac_or_fail(r, db, val_get_str(in, "Id"), &o) != GR_OK) return GR_ERR;
    if (cf__if_match_or_fail(r, in, o.etag) != GR_OK) return GR_ERR;
    val_t *cfg = val_get(in, "OriginAccessControlConfig");
    str_t name = val_get_str(cfg, "Name");
    if (!name.len || name.len > 64)
        return req_fail(r, &CLOUDFRONT_ERR_InvalidArgument, "The parameter Name must be 1 to 64 characters long.");
    if (name_free_or_fail(r, db, name, o.id) != GR_OK) return GR_ERR;
    o.config = cfg;
    o.etag = cf__new_id(a, 'E');
    sqlite3_stmt *st = store_stmt(db, "UPDATE oac SET name = ?2, config = ?3, etag = ?4 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
    store_bind_str(st, 2, name);
    store_bind_str(st, 3, val_json_text(a, cfg));
    sqlite3_bind_text(st, 4, o.etag, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return answer(r, &o, out);
}

int cloudfront_delete_origin_access_control(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = cf__db(r->app);
    oac_t o;
    if (cf__if_match_or_fail(r, in, NULL) != GR_OK) return GR_ERR; /* as for a distribution */
    if (!db || oac_or_fail(r, db, val_get_str(in, "Id"), &o) != GR_OK) return GR_ERR;
    if (cf__if_match_or_fail(r, in, o.etag) != GR_OK) return GR_ERR;
    /* AWS: not while a distribution's origin names it */
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM dist WHERE account = ?1 AND instr(config, ?2) > 0");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    sqlite3_bind_text(st, 2, arena_printf(r->arena, "\"OriginAccessControlId\":\"%s\"", o.id), -1, SQLITE_TRANSIENT);
    bool used = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* not on record: the text (the model's description of the error) */
    if (used)
        return req_fail(r, &CLOUDFRONT_ERR_OriginAccessControlInUse,
                        "Cannot delete the origin access control because it's in use by one or more distributions.");
    st = store_stmt(db, "DELETE FROM oac WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, o.id, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}
