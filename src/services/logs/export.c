/* export.c — CloudWatch Logs export tasks: CreateExportTask writes a group's
 * events of [from, to] to an S3 bucket, DescribeExportTasks and
 * CancelExportTask.
 *
 * AWS ("Exporting log data to Amazon S3"): the bucket's policy must let the
 * logs service principal write (with aws:SourceAccount / aws:SourceArn of the
 * group); CloudWatch Logs first writes "aws-logs-write-test" to check it,
 * then one gzipped file per stream, PREFIX/TASK-ID/STREAM/000000.gz, each
 * line "<ISO-8601 time> <message>". Here the task runs within the request
 * and is COMPLETED when it answers, so there is never an active task to
 * cancel. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/gzip.h"
#include "core/id.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"
#include "services/s3/s3.h"

#define DEFAULT_PREFIX "exportedlogs"

/* Writes one stream's events of the range; GR_OK, or GR_ERR with *code. */
static int export_stream(req_t *r, sqlite3 *db, int64_t sid, int64_t from, int64_t to, str_t bucket, str_t key,
                         const s3_service_t *svc, const char **code)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, "SELECT ts, message FROM log_event WHERE sid = ?1 AND ts >= ?2 AND ts <= ?3 "
                                      "ORDER BY ts, id");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    buf_t b;
    buf_init(&b, a);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char when[40];
        time_fmt_iso8601(when, sqlite3_column_int64(st, 0) * 1000, true);
        buf_printf(&b, "%s ", when);
        buf_put_str(&b, store_col_str(a, st, 1));
        buf_putc(&b, '\n');
        n++;
    }
    store_release(st);
    if (!n) return GR_OK;
    str_t zipped = gzip_of(a, buf_str(&b));
    if (!zipped.p) return GR_ERR;
    const char *msg;
    return s3_service_write_object(r, bucket, key, zipped, "application/octet-stream", svc, code, &msg);
}

int logs_create_export_task(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    str_t bucket = val_get_str(in, "destination"), prefix = val_get_str(in, "destinationPrefix");
    str_t stream_prefix = val_get_str(in, "logStreamNamePrefix");
    if (!prefix.len) prefix = STR(DEFAULT_PREFIX);
    int64_t from = val_get_int(in, "from", 0), to = val_get_int(in, "to", 0);
    str_t names[2] = {str_c(arena_printf(a, "logs.%.*s.amazonaws.com", STR_FMT(r->region))), STR("logs.amazonaws.com")};
    s3_service_t svc = {names, 2,
                        str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s", STR_FMT(r->region),
                                           STR_FMT(r->who.account), STR_FMT(g.name))),
                        r->who.account};
    const char *code = NULL, *msg = NULL;
    /* AWS: the check object lands where the task writes (the bucket's root
     * for the default prefix, as AWS's recorded exports show). */
    str_t check = val_get_str(in, "destinationPrefix").len
                      ? str_c(arena_printf(a, "%.*s/aws-logs-write-test", STR_FMT(prefix)))
                      : STR("aws-logs-write-test");
    if (s3_service_write_object(r, bucket, check, STR("Permission Check Successful"), "text/plain", &svc, &code,
                                &msg) != GR_OK) {
        if (code && !strcmp(code, "NoSuchBucket"))
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "The given bucket does not exist. Please make sure the bucket is valid.");
        if (code)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been "
                            "granted permission to perform this operation.");
        return GR_ERR;
    }
    char id[37];
    id_uuid(id);
    logs__expire(db, &g);
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name FROM log_stream WHERE gid = ?1 AND substr(name, 1, ?3) = ?2 "
                                      "ORDER BY name");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, g.id);
    store_bind_str(st, 2, stream_prefix.p ? stream_prefix : STR(""));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)stream_prefix.len);
    size_t n = 0, cap = 16;
    int64_t *sids = ARENA_NEWN(a, int64_t, cap);
    str_t *snames = ARENA_NEWN(a, str_t, cap);
    while (sids && snames && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            sids = arena_realloc(a, sids, cap * sizeof *sids, 2 * cap * sizeof *sids);
            snames = arena_realloc(a, snames, cap * sizeof *snames, 2 * cap * sizeof *snames);
            cap *= 2;
            if (!sids || !snames) break;
        }
        sids[n] = sqlite3_column_int64(st, 0);
        snames[n++] = store_col_str(a, st, 1);
    }
    store_release(st);
    if (!sids || !snames) return GR_ERR;
    const char *status = "COMPLETED", *message = "Completed successfully";
    for (size_t i = 0; i < n; i++) {
        str_t key = str_c(arena_printf(a, "%.*s/%s/%.*s/000000.gz", STR_FMT(prefix), id, STR_FMT(snames[i])));
        code = NULL;
        if (export_stream(r, db, sids[i], from, to, bucket, key, &svc, &code) != GR_OK) {
            status = "FAILED";
            message = code ? "Access to the destination bucket was denied." : "Internal error.";
            break;
        }
    }
    int64_t now = logs__now_ms();
    st = store_stmt(db, "INSERT INTO export_task (id, account, region, name, group_name, from_ms, to_ms, destination, "
                        "prefix, status, message, created_ms, completed_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, str_c(id));
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    store_bind_str(st, 4, val_get_str(in, "taskName"));
    store_bind_str(st, 5, g.name);
    sqlite3_bind_int64(st, 6, from);
    sqlite3_bind_int64(st, 7, to);
    store_bind_str(st, 8, bucket);
    store_bind_str(st, 9, prefix);
    store_bind_str(st, 10, str_c(status));
    store_bind_str(st, 11, str_c(message));
    sqlite3_bind_int64(st, 12, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    return val_set_c(a, out, "taskId", val_strdup(a, str_c(id)));
}

/* A DescribeExportTasks item from a row (id, name, group_name, from_ms,
 * to_ms, destination, prefix, status, message, created_ms, completed_ms). */
static val_t *export_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    arena_t *a = r->arena;
    val_t *t = val_new(a, VAL_STRUCT);
    val_set_c(a, t, "taskId", val_str(a, store_col_str(a, st, 0)));
    str_t name = store_col_str(a, st, 1);
    if (name.p) val_set_c(a, t, "taskName", val_str(a, name));
    val_set_c(a, t, "logGroupName", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, t, "from", val_int(a, sqlite3_column_int64(st, 3)));
    val_set_c(a, t, "to", val_int(a, sqlite3_column_int64(st, 4)));
    val_set_c(a, t, "destination", val_str(a, store_col_str(a, st, 5)));
    val_set_c(a, t, "destinationPrefix", val_str(a, store_col_str(a, st, 6)));
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "code", val_str(a, store_col_str(a, st, 7)));
    val_set_c(a, s, "message", val_str(a, store_col_str(a, st, 8)));
    val_set_c(a, t, "status", s);
    val_t *x = val_new(a, VAL_STRUCT);
    val_set_c(a, x, "creationTime", val_int(a, sqlite3_column_int64(st, 9)));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL)
        val_set_c(a, x, "completionTime", val_int(a, sqlite3_column_int64(st, 10)));
    val_set_c(a, t, "executionInfo", x);
    return t;
}

/* AWS: the newest first; limit 1..50; our nextToken is the row offset. */
int logs_describe_export_tasks(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t task = val_get_str(in, "taskId"), status = val_get_str(in, "statusCode");
    int64_t limit = val_get_int(in, "limit", 50);
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT id, name, group_name, from_ms, to_ms, destination, prefix, status, message, created_ms, "
                       "completed_ms FROM export_task WHERE account = ?1 AND region = ?2 AND (?3 IS NULL OR id = ?3) "
                       "AND (?4 IS NULL OR status = ?4) ORDER BY created_ms DESC, id LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, task);
    store_bind_str(st, 4, status);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "exportTasks", export_item, NULL);
    if (task.p && n <= 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified export task does not exist.");
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* AWS (recorded): an unknown task is ResourceNotFoundException; one that
 * has finished, InvalidOperationException. Ours finish before they are
 * answered, so only a PENDING or RUNNING one could be cancelled. */
int logs_cancel_export_task(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT status FROM export_task WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "taskId"));
    int rc = sqlite3_step(st);
    str_t status = rc == SQLITE_ROW ? store_col_str(r->arena, st, 0) : STR_NULL;
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    if (!status.p) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified export task does not exist.");
    if (!str_eq_c(status, "PENDING") && !str_eq_c(status, "RUNNING"))
        return req_fail(r, &LOGS_ERR_InvalidOperationException, "The specified export task has already finished");
    st = store_stmt(db, "UPDATE export_task SET status = 'CANCELLED', message = 'Cancelled by user' "
                        "WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "taskId"));
    rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}
