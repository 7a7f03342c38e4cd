/* inval.c — CloudFront invalidations: CreateInvalidation, GetInvalidation,
 * ListInvalidations.
 *
 * An invalidation removes the matching objects from the edge cache
 * (edge.c) when it is created; it is answered InProgress, as AWS answers a
 * batch it has accepted, and reports Completed DONE_MS later. A second batch
 * with the same CallerReference and the same paths answers the first; with
 * other paths it is refused (AWS: InvalidArgument). */
#include <string.h>

#include "cloudfront_model.h"
#include "core/buf.h"
#include "services/app.h"
#include "services/cloudfront/cloudfront.h"

#define DONE_MS 2000

int64_t cf__inval_in_progress(sqlite3 *db, const char *dist_id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM inv WHERE dist_id = ?1 AND done_ms > ?2");
    if (!st) return 0;
    sqlite3_bind_text(st, 1, dist_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cf__now_ms());
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return n;
}

int cf__inval_drop(sqlite3 *db, const char *dist_id)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM inv WHERE dist_id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, dist_id, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

static const char INV_COLS[] = "SELECT id, caller, paths, created_ms, done_ms FROM inv ";

static const char *status(sqlite3_stmt *st)
{
    return cf__now_ms() >= sqlite3_column_int64(st, 4) ? "Completed" : "InProgress";
}

static val_t *inv_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT), *batch = val_new(a, VAL_STRUCT), *paths = val_new(a, VAL_STRUCT);
    val_t *items = val_new(a, VAL_LIST);
    str_t all = store_col_str(a, st, 2), line;
    while (all.len) {
        all = str_cut(all, '\n', &line);
        val_push(a, items, val_str(a, line));
    }
    val_set_c(a, paths, "Quantity", val_int(a, (int64_t)val_len(items)));
    if (val_len(items)) val_set_c(a, paths, "Items", items);
    val_set_c(a, batch, "Paths", paths);
    val_set_c(a, batch, "CallerReference", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, v, "Id", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, v, "Status", val_cstr(a, status(st)));
    val_set_c(a, v, "CreateTime", val_time(a, sqlite3_column_int64(st, 3) * 1000));
    val_set_c(a, v, "InvalidationBatch", batch);
    return v;
}

/* The batch's paths, one per line; NULL after failing r. */
static const char *paths_or_fail(req_t *r, const val_t *batch)
{
    const val_t *p = val_get(batch, "Paths"), *items = val_get(p, "Items");
    size_t n = items && items->kind == VAL_LIST ? items->u.list.n : 0;
    if ((size_t)val_get_int(p, "Quantity", 0) != n) {
        /* not on record: the message; the code is the model's */
        req_fail(r, &CLOUDFRONT_ERR_InconsistentQuantities,
                 "The value of Quantity and the size of Items don't match for Paths.");
        return NULL;
    }
    /* AWS: at least one path, each beginning with '/' (or *), at most 3000 */
    if (n == 0) {
        req_fail(r, &CLOUDFRONT_ERR_InvalidArgument, "Your request contains fewer than one path.");
        return NULL;
    }
    if (n > 3000) {
        req_fail(r, &CLOUDFRONT_ERR_BatchTooLarge, "Your request contains too many invalidation paths.");
        return NULL;
    }
    buf_t b;
    buf_init(&b, r->arena);
    for (size_t i = 0; i < n; i++) {
        str_t s = items->u.list.v[i]->kind == VAL_STR ? items->u.list.v[i]->u.s : STR_NULL;
        if (!s.len || str_index(s, '\n') >= 0) {
            req_fail(r, &CLOUDFRONT_ERR_InvalidArgument,
                     "Your request contains one or more invalid invalidation paths.");
            return NULL;
        }
        /* AWS: a path without its leading '/' is taken as if it had one */
        buf_printf(&b, "%s%s%.*s", i ? "\n" : "", s.p[0] == '/' ? "" : "/", STR_FMT(s));
    }
    str_t all = buf_str(&b);
    return arena_strndup(r->arena, all.p, all.len);
}

static int answer_one(req_t *r, sqlite3 *db, const char *dist_id, str_t id, val_t *out)
{
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "%sWHERE dist_id = ?1 AND id = ?2", INV_COLS));
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, dist_id, -1, SQLITE_STATIC);
    store_bind_str(st, 2, id);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) val_set_c(r->arena, out, "Invalidation", inv_value(r, st));
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* the text as moto records it */
    if (!found) return req_fail(r, &CLOUDFRONT_ERR_NoSuchInvalidation, "The specified invalidation does not exist.");
    return GR_OK;
}

int cloudfront_create_invalidation(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "DistributionId"), &d) != GR_OK) return GR_ERR;
    const val_t *batch = val_get(in, "InvalidationBatch");
    const char *paths = paths_or_fail(r, batch);
    if (!paths) return GR_ERR;
    str_t caller = val_get_str(batch, "CallerReference");
    sqlite3_stmt *st = store_stmt(db, "SELECT id, paths FROM inv WHERE dist_id = ?1 AND caller = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, d.id, -1, SQLITE_STATIC);
    store_bind_str(st, 2, caller);
    str_t old = STR_NULL, old_paths = STR_NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        old = store_col_str(a, st, 0);
        old_paths = store_col_str(a, st, 1);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    const char *loc_id;
    if (old.p) {
        /* AWS: the same batch again is answered with the first one; other
         * paths under the same CallerReference are refused (not on record:
         * the text) */
        if (!str_eq_c(old_paths, paths))
            return req_fail(r, &CLOUDFRONT_ERR_InvalidArgument,
                            "Your request contains a caller reference that was used for a previous invalidation "
                            "batch for the same distribution.");
        loc_id = arena_strndup(a, old.p, old.len);
    } else {
        loc_id = cf__new_id(a, 'I');
        int64_t now = cf__now_ms();
        st = store_stmt(db, "INSERT INTO inv (id, dist_id, caller, paths, created_ms, done_ms, seq) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, (SELECT coalesce(max(seq), 0) + 1 FROM inv))");
        if (!st) return GR_ERR;
        sqlite3_bind_text(st, 1, loc_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d.id, -1, SQLITE_STATIC);
        store_bind_str(st, 3, caller);
        sqlite3_bind_text(st, 4, paths, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int64(st, 6, now + DONE_MS);
        bool ok = sqlite3_step(st) == SQLITE_DONE;
        if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
        str_t all = str_c(paths), line;
        while (all.len) {
            all = str_cut(all, '\n', &line);
            cf__cache_invalidate(d.id, line);
        }
    }
    if (answer_one(r, db, d.id, str_c(loc_id), out) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Location",
                     val_cstr(a, arena_printf(a,
                                              "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s/"
                                              "invalidation/%s",
                                              d.id, loc_id)));
}

int cloudfront_get_invalidation(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "DistributionId"), &d) != GR_OK) return GR_ERR;
    return answer_one(r, db, d.id, val_get_str(in, "Id"), out);
}

static val_t *summary_row(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "Id", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, s, "CreateTime", val_time(a, sqlite3_column_int64(st, 3) * 1000));
    val_set_c(a, s, "Status", val_cstr(a, status(st)));
    return s;
}

int cloudfront_list_invalidations(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "DistributionId"), &d) != GR_OK) return GR_ERR;
    /* AWS: newest first */
    return cf__page(r, db, in,
                    arena_printf(r->arena,
                                 "%sWHERE dist_id = ?1 AND (?2 IS NULL OR ?2 = '' OR seq < "
                                 "(SELECT seq FROM inv WHERE id = ?2)) ORDER BY seq DESC LIMIT ?3",
                                 INV_COLS),
                    str_c(d.id), summary_row, "InvalidationList", out);
}
