/* tags.c — the tags of Amazon RDS resources (AddTagsToResource,
 * ListTagsForResource, RemoveTagsFromResource) and what the RDS files share:
 * the store connection, transactions and resource ARNs.
 *
 * A resource is named by its ARN, arn:aws:rds:REGION:ACCOUNT:KIND:NAME; the
 * tags live in one table keyed by ARN, in the order they were first set. */
#include <ctype.h>
#include <string.h>

#include "core/gtime.h"
#include "rds_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/rds/rds.h"

/* AWS (RDS User Guide, "Tagging Amazon RDS resources"): up to 50 tags per
 * resource; keys up to 128 characters, values up to 256, neither beginning
 * with "aws:" or "rds:". */
enum { MAX_TAGS = 50 };

sqlite3 *rds__db(struct app *app)
{
    return store_db(app->store, &schema_rds);
}

int rds__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int rds__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

int64_t rds__now_ms(void)
{
    return time_now_us() / 1000;
}

const char *rds__arn_of(arena_t *a, str_t region, str_t account, const char *kind, str_t name)
{
    return arena_printf(a, "arn:aws:rds:%.*s:%.*s:%s:%.*s", STR_FMT(region), STR_FMT(account), kind, STR_FMT(name));
}

bool rds__ref(req_t *r, const char *kind, str_t want, str_t *account, str_t *region, str_t *name)
{
    *account = r->who.account, *region = r->region, *name = want;
    str_t prefix = str_c("arn:aws:rds:");
    if (!str_starts_with(want, prefix)) return true;
    str_t rest = str_sub(want, prefix.len, want.len - prefix.len);
    const char *t = arena_strndup(r->arena, rest.p, rest.len), *c1 = strchr(t, ':'),
               *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t klen = strlen(kind);
    if (!c2 || c2 - c1 - 1 != 12 || strncmp(c2 + 1, kind, klen) != 0 || c2[1 + klen] != ':') return false;
    for (const char *d = c1 + 1; d < c2; d++)
        if (!isdigit((unsigned char)*d)) return false;
    *region = str_n(t, (size_t)(c1 - t));
    *account = str_n(c1 + 1, 12);
    *name = str_c(c2 + 2 + klen);
    return true;
}

const char *rds__arn(req_t *r, const char *kind, str_t name)
{
    return rds__arn_of(r->arena, r->region, r->who.account, kind, name);
}

static bool reserved_prefix(str_t s)
{
    return (s.len >= 4 && strncasecmp(s.p, "aws:", 4) == 0) || (s.len >= 4 && strncasecmp(s.p, "rds:", 4) == 0);
}

int rds__tags_put(req_t *r, sqlite3 *db, str_t arn, const val_t *tags)
{
    if (!val_len(tags)) return GR_OK;
    for (size_t i = 0; i < val_len(tags); i++) {
        str_t k = val_get_str(tags->u.list.v[i], "Key"), v = val_get_str(tags->u.list.v[i], "Value");
        /* not on record: the documented constraints as the refusal */
        if (!k.p || !k.len || k.len > 128 || reserved_prefix(k))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Tag keys must be 1 to 128 Unicode characters and must not begin with aws: or rds:.");
        if (v.len > 256)
            return req_fail(r, &ERR_InvalidParameterValue, "Tag values must be at most 256 Unicode characters.");
    }
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO tag (arn, key, value, seq) VALUES (?1, ?2, ?3, "
                                      "(SELECT coalesce(max(seq), 0) + 1 FROM tag WHERE arn = ?1)) "
                                      "ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value");
    if (!st) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, val_get_str(tags->u.list.v[i], "Key"));
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        store_bind_str(st, 3, v.p ? v : str_c(""));
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    st = store_stmt(db, "SELECT count(*) FROM tag WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return GR_ERR;
    /* AWS: TagQuotaPerResourceExceeded is not in the model's list for these
     * operations; not on record, so the generic refusal. */
    if (n > MAX_TAGS)
        return req_fail(r, &ERR_InvalidParameterValue, "Cannot have more than %d tags on a resource.", MAX_TAGS);
    return GR_OK;
}

int rds__tags_drop(sqlite3 *db, str_t arn)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    int rc = sqlite3_step(st);
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

val_t *rds__tags_list(req_t *r, sqlite3 *db, str_t arn)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM tag WHERE arn = ?1 ORDER BY seq");
    if (!st) return NULL;
    store_bind_str(st, 1, arn);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, t);
    }
    return store_release(st) == SQLITE_OK ? list : NULL;
}

/* Whether sql (?1, ?2, ?3: the caller's account, region and name) finds a
 * row: 1, 0, or -1 on a store failure. */
static int exists(req_t *r, sqlite3 *db, const char *sql, str_t name)
{
    sqlite3_stmt *st = rds__stmt(r, db, name, sql);
    if (!st) return -1;
    bool found = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? found : -1;
}

/* The resource an ARN names must be one of the caller's, in the request's
 * region, and exist. GR_OK, or r failed. */
static int resource_or_fail(req_t *r, sqlite3 *db, str_t arn)
{
    str_t prefix = str_c(arena_printf(r->arena, "arn:aws:rds:%.*s:%.*s:", STR_FMT(r->region), STR_FMT(r->who.account)));
    /* AWS (as clients record it): InvalidParameterValue "The specified
     * resource name does not match an RDS resource in this region." */
    if (!str_starts_with(arn, prefix))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The specified resource name does not match an RDS resource in this region.");
    str_t rest = str_sub(arn, prefix.len, arn.len - prefix.len);
    if (str_starts_with(rest, str_c("subgrp:"))) {
        str_t name = str_sub(rest, 7, rest.len - 7);
        int found = rds__subnet_group_exists(r, db, name);
        if (found < 0) return GR_ERR;
        if (found) return GR_OK;
        return req_fail(r, &RDS_ERR_DBSubnetGroupNotFoundFault, "DB subnet group '%.*s' does not exist.",
                        STR_FMT(name));
    }
    if (str_starts_with(rest, str_c("db:"))) {
        str_t name = str_sub(rest, 3, rest.len - 3);
        int found = exists(r, db, "SELECT 1 FROM db_instance WHERE account = ?1 AND region = ?2 AND id = ?3", name);
        if (found < 0) return GR_ERR;
        if (found) return GR_OK;
        return rds__instance_not_found(r, name);
    }
    if (str_starts_with(rest, str_c("snapshot:"))) {
        str_t name = str_sub(rest, 9, rest.len - 9);
        int found = exists(r, db,
                           "SELECT 1 FROM db_snapshot WHERE account = ?1 AND region = ?2 AND id = ?3 AND status != "
                           "'deleted'",
                           name);
        if (found < 0) return GR_ERR;
        if (found) return GR_OK;
        /* AWS (recorded): "DBSnapshot not found: mysnap" */
        return req_fail(r, &RDS_ERR_DBSnapshotNotFoundFault, "DBSnapshot not found: %.*s", STR_FMT(name));
    }
    if (str_starts_with(rest, str_c("pg:"))) {
        const char *stored;
        return rds__param_group_check(r, db, str_sub(rest, 3, rest.len - 3), &stored);
    }
    return req_fail(r, &ERR_InvalidParameterValue,
                    "The specified resource name does not match an RDS resource in this region.");
}

int rds_add_tags_to_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t arn = val_get_str(in, "ResourceName");
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    int rc = rds__tags_put(r, db, arn, val_get(in, "Tags"));
    rds__end(db, rc == GR_OK);
    return rc;
}

int rds_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "ResourceName");
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    val_t *list = rds__tags_list(r, db, arn);
    return list ? val_set_c(r->arena, out, "TagList", list) : GR_ERR;
}

int rds_remove_tags_from_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t arn = val_get_str(in, "ResourceName");
    const val_t *keys = val_get(in, "TagKeys");
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1 AND key = ?2");
    bool ok = st != NULL;
    for (size_t i = 0; ok && i < val_len(keys); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    return rds__end(db, ok);
}
