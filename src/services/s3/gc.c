/* gc.c — S3's start hook: collects blob files that no S3 row names, before
 * the server accepts its first request (a blob is committed before the row
 * that names it, so a crash in between leaves such a file; so does a crash
 * between a row's deletion and its blob's). Referenced are the blobs of
 * every object row (all part blobs of a multipart object) and every part of
 * an upload still in progress. S3 is the only owner of blobs; a second
 * owner must add its references here or get its own folder. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "s3_internal.h"
#include "schemas.h"
#include "services/app.h"
#include "services/s3/s3.h"

typedef struct {
    app_t *app;
    bool loaded, failed;
    char (*ids)[33];
    size_t n, cap;
} live_set_t;

static int add_id(live_set_t *ls, const char *p, size_t len)
{
    if (len != 32) return GR_OK;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 1024;
        void *ni = realloc(ls->ids, cap * sizeof *ls->ids);
        if (!ni) return GR_ERR;
        ls->ids = ni, ls->cap = cap;
    }
    memcpy(ls->ids[ls->n], p, 32);
    ls->ids[ls->n++][32] = 0;
    return GR_OK;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Every blob id a row names, sorted. */
static int load(live_set_t *ls)
{
    sqlite3 *db = store_db(ls->app->store, &schema_s3);
    if (!db) return GR_ERR;
    static const char *const queries[] = {
        "SELECT coalesce(part_blobs, blob) FROM s3_object",
        "SELECT blob FROM s3_part",
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *st;
        if (store_prepare(db, queries[q], -1, &st, NULL) != SQLITE_OK) return GR_ERR;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *p = (const char *)sqlite3_column_text(st, 0);
            str_t rest = str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, 0));
            while (rest.p && rest.len) {
                str_t one;
                rest = str_cut(rest, ',', &one);
                if (add_id(ls, one.p, one.len) != GR_OK) {
                    store_release(st);
                    return GR_ERR;
                }
            }
        }
        store_release(st);
        if (rc != SQLITE_DONE) return GR_ERR;
    }
    if (ls->n) qsort(ls->ids, ls->n, sizeof *ls->ids, cmp_id);
    return GR_OK;
}

/* Asked per blob file; the rows are read on the first call only, so a data
 * directory without blobs never opens S3's database at start-up. */
static bool live(const char *id, void *ud)
{
    live_set_t *ls = ud;
    if (!ls->loaded) {
        ls->loaded = true;
        if (load(ls) != GR_OK) {
            log_error("s3: cannot read object rows; no blob is collected");
            ls->failed = true;
        }
    }
    if (ls->failed) return true; /* when in doubt, keep */
    return ls->n && bsearch(id, ls->ids, ls->n, sizeof *ls->ids, cmp_id) != NULL;
}

int s3_start(app_t *app)
{
    live_set_t ls = {.app = app};
    store_gc_blobs(app->store, live, &ls);
    free(ls.ids);
    return GR_OK;
}
