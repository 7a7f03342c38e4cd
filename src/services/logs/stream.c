/* stream.c — CloudWatch Logs log streams: CreateLogStream, DeleteLogStream,
 * DescribeLogStreams. A stream belongs to one group (log_stream.gid) and its
 * events go with it; first/last event and ingestion times are kept on the
 * row by every append (event.c). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

int logs_create_log_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    str_t name = val_get_str(in, "logStreamName");
    /* AWS: stream names may not contain ':' or '*' ("[^:*]*"). */
    if (str_index(name, ':') >= 0 || str_index(name, '*') >= 0)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "1 validation error detected: Value '%.*s' at 'logStreamName' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: [^:*]*",
                        STR_FMT(name));
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO log_stream (gid, name, created_ms) VALUES (?1, ?2, ?3)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, name);
    sqlite3_bind_int64(st, 3, logs__now_ms());
    int s = sqlite3_step(st);
    store_release(st);
    if ((s & 0xff) == SQLITE_CONSTRAINT)
        return req_fail(r, &LOGS_ERR_ResourceAlreadyExistsException, "The specified log stream already exists");
    return s == SQLITE_DONE ? GR_OK : GR_ERR;
}

int logs_delete_log_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM log_stream WHERE gid = ?1 AND name = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, val_get_str(in, "logStreamName"));
    int s = sqlite3_step(st);
    store_release(st);
    if (s != SQLITE_DONE) return GR_ERR;
    if (sqlite3_changes(db) == 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified log stream does not exist.");
    return GR_OK;
}

/* A DescribeLogStreams item of group *g from a row (name, created_ms,
 * first_ts, last_ts, last_ingest_ms, stored bytes). */
static val_t *stream_item(req_t *r, sqlite3_stmt *st, void *g)
{
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0), group = ((const logs_group_t *)g)->name;
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "logStreamName", val_str(a, name));
    val_set_c(a, s, "creationTime", val_int(a, sqlite3_column_int64(st, 1)));
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
        val_set_c(a, s, "firstEventTimestamp", val_int(a, sqlite3_column_int64(st, 2)));
        val_set_c(a, s, "lastEventTimestamp", val_int(a, sqlite3_column_int64(st, 3)));
        val_set_c(a, s, "lastIngestionTime", val_int(a, sqlite3_column_int64(st, 4)));
    }
    val_set_c(a, s, "arn",
              val_cstr(a, arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s:log-stream:%.*s", STR_FMT(r->region),
                                       STR_FMT(r->who.account), STR_FMT(group), STR_FMT(name))));
    val_set_c(a, s, "storedBytes", val_int(a, sqlite3_column_int64(st, 5)));
    return s;
}

/* AWS: orderBy LogStreamName (default) or LastEventTime; "If you order the
 * results by event time, you cannot specify the logStreamNamePrefix
 * parameter"; limit 1..50 (default 50). Our nextToken is the row offset. */
int logs_describe_log_streams(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    logs__expire(db, &g);
    str_t order = val_get_str(in, "orderBy");
    bool by_time = str_eq_c(order, "LastEventTime");
    str_t prefix = val_get_str(in, "logStreamNamePrefix");
    if (by_time && prefix.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "Cannot order by LastEventTime with a logStreamNamePrefix.");
    bool desc = val_get_bool(in, "descending", false);
    int64_t limit = val_get_int(in, "limit", 50);
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT name, created_ms, first_ts, last_ts, last_ingest_ms, "
             "(SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_event e WHERE e.sid = s.id) "
             "FROM log_stream s WHERE gid = ?1 AND substr(name, 1, ?3) = ?2 ORDER BY %s %s, name %s LIMIT ?4 OFFSET ?5",
             by_time ? "coalesce(last_ts, created_ms)" : "name", desc ? "DESC" : "ASC", desc ? "DESC" : "ASC");
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    int64_t n = page_rows(r, st, limit, out, "logStreams", stream_item, &g);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}
