/* function.c — Lambda function configuration over lambda_function
 * (schema/001_functions.sql). ListFunctions for now; creating and invoking
 * functions arrive with the Lambda issue. */
#include <sqlite3.h>

#include "core/gtime.h"
#include "core/req.h"
#include "lambda_model.h"
#include "schemas.h"
#include "services/app.h"

/* AWS: at most 50 functions per page whatever MaxItems says; NextMarker is
 * opaque (ours: the last name returned). */
int lambda_list_functions(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    int64_t limit = val_get_int(in, "MaxItems", 50);
    if (limit > 50) limit = 50;
    str_t after = val_get_str(in, "Marker");
    sqlite3 *db = store_db(app->store, &schema_lambda);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, runtime, handler, role, memory_mb, timeout_s, code_sha256, code_size, "
                           "last_modified FROM lambda_function WHERE account = ?1 AND region = ?2 AND name > ?3 "
                           "ORDER BY name LIMIT ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after.p ? after.p : "", (int)after.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, limit + 1);
    val_t *fns = val_new(a, VAL_LIST);
    int rc, n = 0;
    str_t last = STR_NULL;
#define COL(i) arena_str(a, str_n((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i)))
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        last = COL(0);
        val_t *f = val_new(a, VAL_STRUCT);
        val_set_c(a, f, "FunctionName", val_str(a, last));
        val_set_c(a, f, "FunctionArn", val_cstr(a, arena_printf(a, "arn:aws:lambda:%.*s:%.*s:function:%.*s",
                                                                STR_FMT(r->region), STR_FMT(r->who.account),
                                                                STR_FMT(last))));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) val_set_c(a, f, "Runtime", val_str(a, COL(1)));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) val_set_c(a, f, "Handler", val_str(a, COL(2)));
        val_set_c(a, f, "Role", val_str(a, COL(3)));
        val_set_c(a, f, "MemorySize", val_int(a, sqlite3_column_int64(st, 4)));
        val_set_c(a, f, "Timeout", val_int(a, sqlite3_column_int64(st, 5)));
        val_set_c(a, f, "CodeSha256", val_str(a, COL(6)));
        val_set_c(a, f, "CodeSize", val_int(a, sqlite3_column_int64(st, 7)));
        /* AWS writes LastModified as a string: 2019-01-01T00:00:00.000+0000 */
        char ts[40];
        time_fmt_iso8601(ts, sqlite3_column_int64(st, 8) * 1000, true);
        ts[23] = 0;
        val_set_c(a, f, "LastModified", val_cstr(a, arena_printf(a, "%s+0000", ts)));
        val_set_c(a, f, "Version", val_cstr(a, "$LATEST"));
        val_set_c(a, f, "PackageType", val_cstr(a, "Zip"));
        val_push(a, fns, f);
    }
#undef COL
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Functions", fns);
    if (n > limit) val_set_c(a, out, "NextMarker", val_str(a, last));
    return GR_OK;
}
