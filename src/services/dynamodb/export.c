/* export.c — DynamoDB exports to S3 (ExportTableToPointInTime,
 * DescribeExport, ListExports). An export writes the table as it was at
 * ExportTime (now when not given; PITR must be on, as on AWS) into the
 * bucket through S3's own interface (s3_write_object), in AWS's layout:
 *   PREFIX/AWSDynamoDB/EXPORT-ID/_started
 *   PREFIX/AWSDynamoDB/EXPORT-ID/data/RANDOM.json.gz   {"Item":{...}} per line
 *   PREFIX/AWSDynamoDB/EXPORT-ID/manifest-files.json   (and .md5)
 *   PREFIX/AWSDynamoDB/EXPORT-ID/manifest-summary.json (and .md5)
 * The table is read from one snapshot (a read transaction: writers go on);
 * a past state comes from the point-in-time log as for a restore
 * (ddb__pitr_rows), under a scratch tid removed when the export is
 * written; data files are gzipped with zlib. AWS answers IN_PROGRESS and
 * finishes within minutes; gureum has finished when it answers, so
 * DescribeExport shows COMPLETED (or FAILED,
 * with S3's error, e.g. a missing bucket) at once. DYNAMODB_JSON only: ION
 * is refused. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/gzip.h"
#include "core/id.h"
#include "core/json.h"
#include "core/md5.h"
#include "dynamodb_model.h"
#include "services/dynamodb/tbl.h"
#include "services/s3/s3.h"

typedef struct {
    req_t *r;
    str_t bucket, base; /* base: "PREFIX/AWSDynamoDB/EXPORT-ID/" */
    const char *code, *msg;
} out_t;

static bool put(out_t *o, const char *name, str_t bytes, const char *type)
{
    str_t key = str_c(arena_printf(o->r->arena, "%.*s%s", STR_FMT(o->base), name));
    return s3_write_object(o->r, o->bucket, key, bytes, type, &o->code, &o->msg) == GR_OK;
}

static str_t md5_b64(arena_t *a, str_t bytes)
{
    unsigned char d[16];
    md5_of(bytes.p, bytes.len, d);
    return arena_base64(a, d, 16);
}

static str_t md5_hex(arena_t *a, str_t bytes)
{
    unsigned char d[16];
    md5_of(bytes.p, bytes.len, d);
    char *h = arena_alloc(a, 33);
    if (!h) return STR_NULL;
    str_hex(d, 16, h);
    return str_n(h, 32);
}

static void time_field(json_w_t *w, const char *key, int64_t us)
{
    char t[32];
    time_fmt_iso8601(t, us, true);
    json_w_key(w, str_c(key));
    json_w_str(w, str_c(t));
}

/* One data file of lines (items in DynamoDB JSON), gzipped in scratch (the
 * lines' arena), and its line of manifest-files.json appended to files. */
static bool put_data(out_t *o, arena_t *scratch, str_t lines, int64_t items, buf_t *files)
{
    arena_t *a = o->r->arena;
    char rnd[27];
    id_random_chars(rnd, 26, "abcdefghijklmnopqrstuvwxyz0123456789");
    rnd[26] = 0;
    str_t name = str_c(arena_printf(a, "data/%s.json.gz", rnd));
    str_t gz = gzip_of(scratch, lines);
    if (!gz.p || !put(o, name.p, gz, "application/x-gzip")) return false;
    json_w_t w;
    json_w_init(&w, files);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("itemCount"));
    json_w_int(&w, items);
    json_w_key(&w, STR("md5Checksum"));
    json_w_str(&w, md5_b64(a, gz));
    json_w_key(&w, STR("etag"));
    json_w_str(&w, md5_hex(a, gz));
    json_w_key(&w, STR("dataFileS3Key"));
    json_w_str(&w, str_c(arena_printf(a, "%.*s%.*s", STR_FMT(o->base), STR_FMT(name))));
    json_w_obj_end(&w);
    buf_putc(files, '\n');
    return true;
}

/* The items under tid into data files of about DATA_FILE bytes of lines
 * each (AWS splits an export into many files too). Each file's items and
 * text live in a scratch arena freed once it is written, so a table larger
 * than a request's arena exports. *items, *bytes counted; false with
 * o->code/msg on S3's refusal (*failed for another failure). */
#define DATA_FILE (4u << 20)
static bool put_items(out_t *o, sqlite3 *db, int64_t tid, buf_t *files, int64_t *items, int64_t *bytes)
{
    sqlite3_stmt *st = ddb__stmt(db, "SELECT item, size FROM ddb_item WHERE tid = ?1");
    if (!st) return false;
    sqlite3_bind_int64(st, 1, tid);
    int rc = SQLITE_ROW;
    bool ok = true, any = false;
    while (ok && rc == SQLITE_ROW) {
        arena_t *scratch = arena_new(0);
        if (!scratch) break;
        buf_t b;
        buf_init(&b, scratch);
        int64_t n = 0;
        while (b.len < DATA_FILE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *p = sqlite3_column_blob(st, 0);
            val_t *item = ddb_item_decode(scratch, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, 0)));
            if (!item) break;
            buf_puts(&b, "{\"Item\":"); /* an item's value tree is DynamoDB JSON already */
            buf_put_str(&b, ddb__def_text(scratch, item));
            buf_puts(&b, "}\n");
            n++;
            *bytes += sqlite3_column_int64(st, 1);
        }
        if (!b.failed && (n || !any))
            ok = put_data(o, scratch, buf_str(&b), n, files); /* an empty table: one empty file */
        ok = ok && !b.failed;
        any = true;
        *items += n;
        arena_free(scratch);
    }
    sqlite3_reset(st);
    return ok && rc == SQLITE_DONE;
}

/* Writes the export's objects from the items under tid; false with
 * o->code/msg on S3's refusal. */
static bool write_export(out_t *o, val_t *d, sqlite3 *db, int64_t tid)
{
    arena_t *a = o->r->arena;
    int64_t items = 0, bytes = 0;
    buf_t b;
    buf_init(&b, a);
    if (!put(o, "_started", STR(""), "application/octet-stream") || !put_items(o, db, tid, &b, &items, &bytes))
        return false;
    str_t files = buf_str(&b);
    if (!put(o, "manifest-files.json", files, "application/json") ||
        !put(o, "manifest-files.md5", md5_b64(a, files), "text/plain"))
        return false;
    val_set_c(a, d, "ItemCount", val_int(a, items));
    val_set_c(a, d, "BilledSizeBytes", val_int(a, bytes));
    val_set_c(a, d, "EndTime", val_time(a, time_now_us()));
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    static const char *const strs[][2] = {{"version", NULL},
                                          {"exportArn", "ExportArn"},
                                          {"tableArn", "TableArn"},
                                          {"tableId", "TableId"},
                                          {"s3Bucket", "S3Bucket"},
                                          {"s3Prefix", "S3Prefix"},
                                          {"s3SseAlgorithm", "S3SseAlgorithm"}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        json_w_key(&w, str_c(strs[i][0]));
        str_t v = strs[i][1] ? val_get_str(d, strs[i][1]) : STR("2020-06-30");
        if (v.p)
            json_w_str(&w, v);
        else
            json_w_null(&w);
    }
    time_field(&w, "startTime", val_get(d, "StartTime")->u.t);
    time_field(&w, "endTime", val_get(d, "EndTime")->u.t);
    time_field(&w, "exportTime", val_get(d, "ExportTime")->u.t);
    json_w_key(&w, STR("s3SseKmsKeyId"));
    json_w_null(&w);
    json_w_key(&w, STR("manifestFilesS3Key"));
    json_w_str(&w, str_c(arena_printf(a, "%.*smanifest-files.json", STR_FMT(o->base))));
    json_w_key(&w, STR("billedSizeBytes"));
    json_w_int(&w, val_get_int(d, "BilledSizeBytes", 0));
    json_w_key(&w, STR("itemCount"));
    json_w_int(&w, val_get_int(d, "ItemCount", 0));
    json_w_key(&w, STR("outputFormat"));
    json_w_str(&w, STR("DYNAMODB_JSON"));
    json_w_obj_end(&w);
    str_t summary = buf_str(&b);
    return put(o, "manifest-summary.json", summary, "application/json") &&
           put(o, "manifest-summary.md5", md5_b64(a, summary), "text/plain");
}

int dynamodb_export_table_to_point_in_time(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t fmt = val_get_str(in, "ExportFormat"), token = val_get_str(in, "ClientToken");
    if (fmt.p && !str_eq_c(fmt, "DYNAMODB_JSON"))
        return ddb__fail_validation(r, "ExportFormat ION is not supported by gureum; use DYNAMODB_JSON");
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t table_arn = val_get_str(in, "TableArn");
    /* AWS: the same ClientToken within 8 hours is the same export, or a conflict */
    if (token.len) {
        val_t *d;
        if (ddb__job_by_token(r, db, &ddb__exports, token, &d) != GR_OK) return GR_ERR;
        if (d && (!str_eq(val_get_str(d, "TableArn"), table_arn) ||
                  !str_eq(val_get_str(d, "S3Bucket"), val_get_str(in, "S3Bucket")) ||
                  !str_eq(val_get_str(d, "S3Prefix"), val_get_str(in, "S3Prefix"))))
            return req_fail(r, &DYNAMODB_ERR_ExportConflictException,
                            "There was a conflict when writing to the specified S3 bucket.");
        if (d) return val_set_c(a, out, "ExportDescription", d);
    }
    /* A read transaction: one snapshot of the table, writers not held up */
    if (ddb__exec(db, "BEGIN") != GR_OK) return GR_ERR;
    ddb_table_t t;
    if (ddb__backup_table_or_fail(r, db, table_arn, &t) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    if (!t.pitr_since_us) {
        ddb__rollback(db);
        return req_fail(r, &DYNAMODB_ERR_PointInTimeRecoveryUnavailableException,
                        "Point in time recovery is not enabled for table '%.*s'", STR_FMT(t.name));
    }
    int64_t now = time_now_us(), at, earliest, last;
    ddb__pitr_window(t.pitr_since_us, t.pitr_days, now, &earliest, &last); /* RestoreTableToPointInTime's */
    /* AWS: without ExportTime the export is of the latest state, even in the
     * second PITR was turned on (whose window ends at its rounded-up start) */
    const val_t *when = val_get(in, "ExportTime");
    at = when && when->kind == VAL_TIME ? when->u.t : last;
    if (at < earliest || at > last) {
        ddb__rollback(db);
        return req_fail(r, &DYNAMODB_ERR_InvalidExportTimeException,
                        "ExportTime must be between the table's EarliestRestorableDateTime and now");
    }
    /* A past state: its rows made under a scratch tid in a write
     * transaction of their own, read from a new snapshot, removed after. */
    int64_t tid = t.tid, scratch = -1;
    if (at < now) {
        ddb__rollback(db);
        if (ddb__begin(db) != GR_OK) return GR_ERR;
        if (ddb__pitr_rows(db, t.tid, at, &scratch) != GR_OK || ddb__commit(db) != GR_OK ||
            ddb__exec(db, "BEGIN") != GR_OK) {
            ddb__rollback(db);
            return GR_ERR;
        }
        tid = scratch;
    }
    str_t arn = ddb__stamped_arn(r, t.arn, "export", now);
    str_t id = str_sub(arn, t.arn.len + 8, arn.len - t.arn.len - 8); /* after "/export/" */
    str_t prefix = val_get_str(in, "S3Prefix");
    out_t o = {.r = r, .bucket = val_get_str(in, "S3Bucket")};
    o.base = str_c(arena_printf(a, "%.*s%sAWSDynamoDB/%.*s/", STR_FMT(prefix), prefix.len ? "/" : "", STR_FMT(id)));
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "ExportArn", val_str(a, arn));
    val_set_c(a, d, "ExportStatus", val_cstr(a, "IN_PROGRESS"));
    val_set_c(a, d, "StartTime", val_time(a, now));
    val_set_c(a, d, "TableArn", val_str(a, t.arn));
    val_set_c(a, d, "TableId", val_str(a, t.table_id));
    val_set_c(a, d, "ExportTime", val_time(a, at));
    if (token.len) val_set_c(a, d, "ClientToken", val_str(a, token));
    val_set_c(a, d, "S3Bucket", val_str(a, o.bucket));
    if (val_get_str(in, "S3BucketOwner").p)
        val_set_c(a, d, "S3BucketOwner", val_str(a, val_get_str(in, "S3BucketOwner")));
    if (prefix.p) val_set_c(a, d, "S3Prefix", val_str(a, prefix));
    val_set_c(a, d, "S3SseAlgorithm",
              val_str(a, val_get_str(in, "S3SseAlgorithm").p ? val_get_str(in, "S3SseAlgorithm") : STR("AES256")));
    val_set_c(a, d, "ExportFormat", val_cstr(a, "DYNAMODB_JSON"));
    /* AWS (API reference, ExportDescription; moto's test_list_exports): an
     * export of the whole table as it was at ExportTime is a FULL_EXPORT. */
    val_set_c(a, d, "ExportType", val_cstr(a, "FULL_EXPORT"));
    /* AWS's first answer is IN_PROGRESS, whatever happens next */
    val_t *first = ddb__job_first(a, d);
    bool written = write_export(&o, d, db, tid);
    ddb__rollback(db); /* the read snapshot */
    if (scratch >= 0 &&
        (ddb__begin(db) != GR_OK || ddb__delete_rows(db, "DELETE FROM ddb_item WHERE tid = ?1", scratch) != GR_OK ||
         ddb__commit(db) != GR_OK))
        ddb__rollback(db);
    if (written) {
        val_set_c(a, d, "ExportStatus", val_cstr(a, "COMPLETED"));
        val_set_c(a, d, "ExportManifest",
                  val_str(a, str_c(arena_printf(a, "%.*smanifest-summary.json", STR_FMT(o.base)))));
    } else {
        /* AWS: an export S3 refuses fails with S3's error, e.g. S3NoSuchBucket */
        val_set_c(a, d, "ExportStatus", val_cstr(a, "FAILED"));
        val_set_c(a, d, "EndTime", val_time(a, time_now_us()));
        val_set_c(a, d, "FailureCode", val_str(a, str_c(arena_printf(a, "S3%s", o.code ? o.code : "InternalError"))));
        val_set_c(a, d, "FailureMessage", val_cstr(a, o.msg ? o.msg : "We encountered an internal error."));
    }
    if (ddb__job_save(r, db, &ddb__exports, d, token) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "ExportDescription", first);
}

int dynamodb_describe_export(req_t *r, const val_t *in, val_t *out)
{
    return ddb__job_describe(r, &ddb__exports, in, out);
}

int dynamodb_list_exports(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    val_t *page, *list = val_new(a, VAL_LIST);
    bool more;
    if (ddb__job_page(r, db, &ddb__exports, val_get_str(in, "TableArn"), val_get_str(in, "NextToken"),
                      val_get_int(in, "MaxResults", 25), &page, &more) != GR_OK)
        return GR_ERR;
    for (size_t i = 0; i < page->u.list.n; i++) {
        val_t *s = val_new(a, VAL_STRUCT);
        val_set_c(a, s, "ExportArn", val_get(page->u.list.v[i], "ExportArn"));
        val_set_c(a, s, "ExportStatus", val_get(page->u.list.v[i], "ExportStatus"));
        /* records kept before ExportType was described were full exports too */
        const val_t *type = val_get(page->u.list.v[i], "ExportType");
        val_set_c(a, s, "ExportType", type ? (val_t *)type : val_cstr(a, "FULL_EXPORT"));
        val_push(a, list, s);
    }
    val_set_c(a, out, "ExportSummaries", list);
    if (more) val_set_c(a, out, "NextToken", val_get(list->u.list.v[list->u.list.n - 1], "ExportArn"));
    return GR_OK;
}
