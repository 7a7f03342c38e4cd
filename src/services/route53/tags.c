/* tags.c — tags of Amazon Route 53 hosted zones and health checks:
 * ChangeTagsForResource, ListTagsForResource, ListTagsForResources.
 *
 * A resource is named by its type ("hostedzone", "healthcheck") and bare id
 * in the path; it must be one of the caller's (NoSuchHostedZone /
 * NoSuchHealthCheck otherwise). AWS (Route 53 API Reference,
 * ChangeTagsForResource): up to 10 tags added and 10 keys removed per call,
 * a Value replaced for a Key already set; the tags go with their resource
 * (zone.c and healthcheck.c call r53__tags_drop). */
#include <string.h>

#include "core/gtime.h"
#include "route53_model.h"
#include "services/app.h"
#include "services/route53/route53.h"

/* The resource exists in the caller's account: GR_OK, or r failed. */
static int resource_or_fail(req_t *r, sqlite3 *db, str_t type, str_t id)
{
    if (str_eq_c(type, "hostedzone")) {
        const char *zid, *name;
        return r53__zone(r, db, id, &zid, &name);
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM healthcheck WHERE id = ?1 AND account = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* as healthcheck.c answers it (moto's text; AWS's is not on record) */
    if (!found)
        return req_fail(r, &ROUTE53_ERR_NoSuchHealthCheck, "A health check with id %.*s does not exist.", STR_FMT(id));
    return GR_OK;
}

int r53__tags_drop(sqlite3 *db, const char *type, const char *id)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE rtype = ?1 AND rid = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

static val_t *tag_set(req_t *r, sqlite3 *db, str_t type, str_t id)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM tag WHERE rtype = ?1 AND rid = ?2 ORDER BY seq");
    if (!st) return NULL;
    store_bind_str(st, 1, type);
    store_bind_str(st, 2, id);
    val_t *set = val_new(a, VAL_STRUCT), *tags = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, tags, t);
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    val_set_c(a, set, "ResourceType", val_str(a, type));
    val_set_c(a, set, "ResourceId", val_str(a, id));
    val_set_c(a, set, "Tags", tags);
    return set;
}

int route53_change_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t type = val_get_str(in, "ResourceType"), id = val_get_str(in, "ResourceId");
    const val_t *add = val_get(in, "AddTags"), *remove = val_get(in, "RemoveTagKeys");
    sqlite3 *db = r53__db(r->app);
    if (!db || resource_or_fail(r, db, type, id) != GR_OK) return GR_ERR;
    if (r53__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO tag (rtype, rid, key, value, seq) VALUES (?1, ?2, ?3, ?4, ?5) "
                                      "ON CONFLICT (rtype, rid, key) DO UPDATE SET value = excluded.value");
    bool ok = st != NULL;
    for (size_t i = 0; ok && i < val_len(add); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, type);
        store_bind_str(st, 2, id);
        store_bind_str(st, 3, val_get_str(add->u.list.v[i], "Key"));
        str_t v = val_get_str(add->u.list.v[i], "Value");
        store_bind_str(st, 4, v.p ? v : str_c(""));
        sqlite3_bind_int64(st, 5, time_now_us());
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    st = ok ? store_stmt(db, "DELETE FROM tag WHERE rtype = ?1 AND rid = ?2 AND key = ?3") : NULL;
    ok = ok && st != NULL;
    for (size_t i = 0; ok && i < val_len(remove); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, type);
        store_bind_str(st, 2, id);
        store_bind_str(st, 3, remove->u.list.v[i]->u.s);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    return r53__end(db, ok);
}

int route53_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    str_t type = val_get_str(in, "ResourceType"), id = val_get_str(in, "ResourceId");
    sqlite3 *db = r53__db(r->app);
    if (!db || resource_or_fail(r, db, type, id) != GR_OK) return GR_ERR;
    val_t *set = tag_set(r, db, type, id);
    return set ? val_set_c(r->arena, out, "ResourceTagSet", set) : GR_ERR;
}

int route53_list_tags_for_resources(req_t *r, const val_t *in, val_t *out)
{
    str_t type = val_get_str(in, "ResourceType");
    const val_t *ids = val_get(in, "ResourceIds");
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    val_t *sets = val_new(r->arena, VAL_LIST);
    for (size_t i = 0; i < val_len(ids); i++) {
        str_t id = ids->u.list.v[i]->u.s;
        if (resource_or_fail(r, db, type, id) != GR_OK) return GR_ERR;
        val_t *set = tag_set(r, db, type, id);
        if (!set) return GR_ERR;
        val_push(r->arena, sets, set);
    }
    return val_set_c(r->arena, out, "ResourceTagSets", sets);
}
