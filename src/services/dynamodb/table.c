/* table.c — DynamoDB table operations over the ddb_table catalogue
 * (schema/001_tables.sql). ListTables for now; CreateTable, DescribeTable
 * and the rest arrive with the DynamoDB issue. */
#include <sqlite3.h>

#include "core/req.h"
#include "dynamodb_model.h"
#include "schemas.h"
#include "services/app.h"

/* AWS: ListTables returns names in ascending order, Limit 1..100 (default
 * 100), and LastEvaluatedTableName only when more tables follow. */

int dynamodb_list_tables(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    int64_t limit = val_get_int(in, "Limit", 100);
    str_t start = val_get_str(in, "ExclusiveStartTableName");
    sqlite3 *db = store_db(app->store, &schema_dynamodb);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM ddb_table WHERE account = ?1 AND region = ?2 AND name > ?3 "
                           "ORDER BY name LIMIT ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, start.p ? start.p : "", (int)start.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, limit + 1);
    val_t *names = val_new(a, VAL_LIST);
    int rc, n = 0;
    str_t last = STR_NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        last = arena_str(a, str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)));
        val_push(a, names, val_str(a, last));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "TableNames", names);
    if (n > limit) val_set_c(a, out, "LastEvaluatedTableName", val_str(a, last));
    return GR_OK;
}
