/* tags.c — tags of CloudFront distributions: TagResource, UntagResource,
 * ListTagsForResource. A resource is named by its ARN
 * (arn:aws:cloudfront::ACCOUNT:distribution/ID) and must be one of the
 * caller's distributions; its tags go with it (dist.c calls cf__tags_drop). */
#include <string.h>

#include "cloudfront_model.h"
#include "services/app.h"
#include "services/cloudfront/cloudfront.h"

int cf__tags_drop(sqlite3 *db, const char *arn)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

/* The ARN names one of the caller's distributions: GR_OK, or r failed. */
static int resource_or_fail(req_t *r, sqlite3 *db, str_t arn)
{
    str_t prefix = str_c(arena_printf(r->arena, "arn:aws:cloudfront::%.*s:distribution/", STR_FMT(r->who.account)));
    if (!str_starts_with(arn, prefix)) /* not on record: the text; the code is the model's */
        return req_fail(r, &CLOUDFRONT_ERR_InvalidArgument, "An invalid ARN was specified: %.*s", STR_FMT(arn));
    cf_dist_t d;
    int rc = cf__dist_or_fail(r, db, str_sub(arn, prefix.len, arn.len - prefix.len), &d);
    /* the text as moto records it */
    if (rc != GR_OK && r->err)
        return req_fail(r, &CLOUDFRONT_ERR_NoSuchResource, "The specified resource does not exist.");
    return rc;
}

int cloudfront_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = cf__db(r->app);
    str_t arn = val_get_str(in, "Resource");
    if (!db || resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    const val_t *items = val_get(val_get(in, "Tags"), "Items");
    if (cf__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && items && items->kind == VAL_LIST && i < items->u.list.n; i++) {
        sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO tag (arn, key, value) VALUES (?1, ?2, ?3)");
        if (!st) {
            ok = false;
            break;
        }
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, val_get_str(items->u.list.v[i], "Key"));
        str_t v = val_get_str(items->u.list.v[i], "Value");
        store_bind_str(st, 3, v.p ? v : STR(""));
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    return cf__end(db, ok);
}

int cloudfront_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = cf__db(r->app);
    str_t arn = val_get_str(in, "Resource");
    if (!db || resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    const val_t *keys = val_get(val_get(in, "TagKeys"), "Items");
    if (cf__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && keys && keys->kind == VAL_LIST && i < keys->u.list.n; i++) {
        sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1 AND key = ?2");
        if (!st) {
            ok = false;
            break;
        }
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, keys->u.list.v[i]->kind == VAL_STR ? keys->u.list.v[i]->u.s : STR(""));
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    return cf__end(db, ok);
}

int cloudfront_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = cf__db(r->app);
    str_t arn = val_get_str(in, "Resource");
    if (!db || resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM tag WHERE arn = ?1 ORDER BY key");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    val_t *tags = val_new(a, VAL_STRUCT), *items = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, items, t);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    val_set_c(a, tags, "Items", items);
    return val_set_c(a, out, "Tags", tags);
}
