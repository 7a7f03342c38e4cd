/* group.c — CloudWatch Logs log groups over the log_group table
 * (schema/001_groups.sql). DescribeLogGroups for now. */
#include <sqlite3.h>
#include <stdio.h>

#include "core/req.h"
#include "logs_model.h"
#include "schemas.h"
#include "services/app.h"

/* AWS: log groups come in name order, `limit` 1..50 (default 50); nextToken
 * is opaque — ours is the last name returned, so a page continues after it. */
int logs_describe_log_groups(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    int64_t limit = val_get_int(in, "limit", 50);
    str_t prefix = val_get_str(in, "logGroupNamePrefix");
    str_t after = val_get_str(in, "nextToken");
    sqlite3 *db = store_db(app->store, &schema_logs);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, created_ms, retention_days, stored_bytes FROM log_group "
                           "WHERE account = ?1 AND region = ?2 AND name > ?3 AND substr(name, 1, ?5) = ?4 "
                           "ORDER BY name LIMIT ?6",
                           -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->region.p, (int)r->region.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after.p ? after.p : "", (int)after.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, prefix.p ? prefix.p : "", (int)prefix.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 6, limit + 1);
    val_t *groups = val_new(a, VAL_LIST);
    int rc, n = 0;
    str_t last = STR_NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        last = arena_str(a, str_n((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0)));
        val_t *g = val_new(a, VAL_STRUCT);
        val_set_c(a, g, "logGroupName", val_str(a, last));
        val_set_c(a, g, "creationTime", val_int(a, sqlite3_column_int64(st, 1)));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            val_set_c(a, g, "retentionInDays", val_int(a, sqlite3_column_int64(st, 2)));
        val_set_c(a, g, "metricFilterCount", val_int(a, 0));
        val_set_c(a, g, "arn", val_cstr(a, arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s:*",
                                                         STR_FMT(r->region), STR_FMT(r->who.account),
                                                         STR_FMT(last))));
        val_set_c(a, g, "storedBytes", val_int(a, sqlite3_column_int64(st, 3)));
        val_push(a, groups, g);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "logGroups", groups);
    if (n > limit) val_set_c(a, out, "nextToken", val_str(a, last));
    return GR_OK;
}
