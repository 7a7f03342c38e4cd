/* bucket.c — S3 bucket operations over s3_bucket (schema/001_buckets.sql).
 * ListBuckets for now; the S3 issue fills in the rest. */
#include <sqlite3.h>

#include "auth/sigv4.h"
#include "core/req.h"
#include "s3_model.h"
#include "schemas.h"
#include "services/app.h"

/* AWS: an account's canonical user id is 64 hex characters, stable for the
 * account; ours is derived from the account id so it never changes. */
static str_t canonical_id(arena_t *a, str_t account)
{
    char *s = arena_printf(a, "gureum-canonical-user:%.*s", STR_FMT(account));
    char *hex = arena_alloc(a, 65);
    if (!s || !hex) return STR_NULL;
    sigv4_hex_sha256(s, strlen(s), hex);
    return (str_t){hex, 64};
}

/* AWS: ListBuckets lists the caller's buckets in name order, in every region. */
int s3_list_buckets(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    (void)in;
    sqlite3 *db = store_db(app->store, &schema_s3);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, created_us FROM s3_bucket WHERE account = ?1 ORDER BY name", -1, &st,
                           NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    val_t *buckets = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        val_t *b = val_new(a, VAL_STRUCT);
        val_set_c(a, b, "Name",
                  val_strdup(a, str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0))));
        val_set_c(a, b, "CreationDate", val_time(a, sqlite3_column_int64(st, 1)));
        val_push(a, buckets, b);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    val_t *owner = val_new(a, VAL_STRUCT);
    val_set_c(a, owner, "DisplayName", val_cstr(a, "gureum"));
    val_set_c(a, owner, "ID", val_str(a, canonical_id(a, r->who.account)));
    val_set_c(a, out, "Buckets", buckets);
    val_set_c(a, out, "Owner", owner);
    return GR_OK;
}
