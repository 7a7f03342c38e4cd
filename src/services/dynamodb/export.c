/* export.c — DynamoDB exports to S3 (ExportTableToPointInTime,
 * DescribeExport, ListExports). A full export writes the table as it was at
 * ExportTime (now when not given; PITR must be on, as on AWS) into the
 * bucket through S3's own interface (s3_write_object), in AWS's layout:
 *   PREFIX/AWSDynamoDB/EXPORT-ID/_started
 *   PREFIX/AWSDynamoDB/EXPORT-ID/data/RANDOM.json.gz   {"Item":{...}} per line
 *                                (or RANDOM.ion.gz,    $ion_1_0 {Item:{...}} per line, ion.c)
 *   PREFIX/AWSDynamoDB/EXPORT-ID/manifest-files.json   (and .md5)
 *   PREFIX/AWSDynamoDB/EXPORT-ID/manifest-summary.json (and .md5)
 * An incremental export writes, for each item changed in
 * [ExportFromTime, ExportToTime), one line with its key, its image at the
 * end (NewImage, absent when deleted) and at the start (OldImage, absent
 * when created; NEW_AND_OLD_IMAGES only), its data files in the shared
 * PREFIX/AWSDynamoDB/data/. Both read the point-in-time log
 * (schema/004_pitr.sql), which keeps every write's replaced item with its
 * time: a past state comes from it as for a restore (ddb__pitr_rows),
 * under a scratch tid removed when the export is written; a change set
 * from its rows in the window. The table is read from one snapshot (a read
 * transaction: writers go on); data files are gzipped with zlib. AWS
 * answers IN_PROGRESS and finishes within minutes; gureum has finished
 * when it answers, so DescribeExport shows COMPLETED (or FAILED, with S3's
 * error, e.g. a missing bucket) at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/gzip.h"
#include "core/id.h"
#include "core/json.h"
#include "core/md5.h"
#include "dynamodb_model.h"
#include "services/dynamodb/ion.h"
#include "services/dynamodb/tbl.h"
#include "services/s3/s3.h"

typedef struct {
    req_t *r;
    str_t bucket, base; /* base: "PREFIX/AWSDynamoDB/EXPORT-ID/" */
    str_t data;         /* where data files go: base, or an incremental export's "PREFIX/AWSDynamoDB/" */
    bool ion;           /* ExportFormat ION, else DYNAMODB_JSON */
    const char *code, *msg;
} out_t;

/* An object's key under the data directory or the export's own. */
static bool put_key(out_t *o, str_t key, str_t bytes, const char *type)
{
    return s3_write_object(o->r, o->bucket, key, bytes, type, &o->code, &o->msg) == GR_OK;
}

static bool put(out_t *o, const char *name, str_t bytes, const char *type)
{
    return put_key(o, str_c(arena_printf(o->r->arena, "%.*s%s", STR_FMT(o->base), name)), bytes, type);
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
    str_t key = str_c(arena_printf(a, "%.*sdata/%s.%s.gz", STR_FMT(o->data), rnd, o->ion ? "ion" : "json"));
    str_t gz = gzip_of(scratch, lines);
    if (!gz.p || !put_key(o, key, gz, "application/x-gzip")) return false;
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
    json_w_str(&w, key);
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
            if (o->ion) { /* AWS: each line begins with the version marker */
                buf_puts(&b, "$ion_1_0 {Item:");
                ddb_ion_write_item(&b, item);
            } else {
                buf_puts(&b, "{\"Item\":"); /* an item's value tree is DynamoDB JSON already */
                buf_put_str(&b, ddb__def_text(scratch, item));
            }
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

/* An incremental export's window and view. */
typedef struct {
    int64_t from, to; /* [from, to), microseconds */
    bool old_images;  /* NEW_AND_OLD_IMAGES */
} inc_t;

/* One changed item's state while its log rows are read. */
typedef struct {
    str_t pk, sk;     /* its key encodings, in the file's scratch arena */
    bool in_window;   /* its first logged write after `from` is before `to` */
    bool have_new;    /* its image at `to` is known (a later write replaced it) */
    val_t *old, *neu; /* the images at `from` and at `to` (NULL: no item) */
    int64_t last_us;  /* its last write in the window */
} change_t;

/* The item in column c of st: *out NULL when the column is NULL; false when
 * it does not decode. */
static bool col_item(arena_t *a, sqlite3_stmt *st, int c, val_t **out)
{
    *out = NULL;
    if (sqlite3_column_type(st, c) == SQLITE_NULL) return true;
    const char *p = sqlite3_column_blob(st, c);
    return (*out = ddb_item_decode(a, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, c)))) != NULL;
}

static str_t col_copy(arena_t *a, sqlite3_stmt *st, int c)
{
    const char *p = sqlite3_column_blob(st, c);
    size_t n = (size_t)sqlite3_column_bytes(st, c);
    char *q = arena_alloc(a, n + 1);
    if (q && n) memcpy(q, p, n);
    return q ? str_n(q, n) : STR_NULL;
}

/* The line of a changed item (AWS, "Incremental export output"): when it
 * was last written, its key, NewImage unless it was deleted, OldImage
 * (NEW_AND_OLD_IMAGES) unless it was created; false when it changed
 * nothing AWS reports (created and deleted in the window). */
static bool change_line(out_t *o, const ddb_table_t *t, const inc_t *inc, arena_t *a, const change_t *c, buf_t *b,
                        int64_t *bytes)
{
    if (!c->old && !c->neu) return false;
    const val_t *keys = ddb__key_of(a, t, c->neu ? c->neu : c->old), *old = inc->old_images ? c->old : NULL;
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)c->last_us);
    if (o->ion) {
        buf_puts(b, "$ion_1_0 {Metadata:{WriteTimestampMicros:");
        ddb_ion_write_number(b, str_c(ts));
        buf_puts(b, "},Keys:");
        ddb_ion_write_item(b, keys);
        if (c->neu) buf_puts(b, ",NewImage:"), ddb_ion_write_item(b, c->neu);
        if (old) buf_puts(b, ",OldImage:"), ddb_ion_write_item(b, old);
    } else {
        buf_printf(b, "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"%s\"}},\"Keys\":", ts);
        buf_put_str(b, ddb__def_text(a, keys));
        if (c->neu) buf_puts(b, ",\"NewImage\":"), buf_put_str(b, ddb__def_text(a, c->neu));
        if (old) buf_puts(b, ",\"OldImage\":"), buf_put_str(b, ddb__def_text(a, old));
    }
    buf_puts(b, "}\n");
    *bytes += (int64_t)((c->neu ? ddb_item_size(c->neu) : 0) + (old ? ddb_item_size(old) : 0));
    return true;
}

/* Finishes c: its image at `to` is the table's item when no write after
 * `to` replaced it. false on a failure. */
static bool change_end(sqlite3 *db, const ddb_table_t *t, arena_t *a, change_t *c)
{
    if (!c->in_window || c->have_new) return true;
    sqlite3_stmt *st = ddb__stmt(db, "SELECT item FROM ddb_item WHERE tid = ?1 AND pk = ?2 AND sk = ?3");
    if (!st) return false;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_blob(st, 2, c->pk.p ? c->pk.p : "", (int)c->pk.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, c->sk.p ? c->sk.p : "", (int)c->sk.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_DONE || (rc == SQLITE_ROW && col_item(a, st, 0, &c->neu));
    sqlite3_reset(st);
    c->have_new = true;
    return ok;
}

/* The items t's log shows changed in [from, to), one line each, into data
 * files as put_items writes them. The log's rows from `from` on, by key and
 * in write order, give each key's image at `from` (its first row's
 * replaced item), its last write in the window, and its image at `to` (the
 * item replaced by its first row at or after `to`, else the item now). */
static bool put_changes(out_t *o, sqlite3 *db, const ddb_table_t *t, const inc_t *inc, buf_t *files, int64_t *items,
                        int64_t *bytes)
{
    sqlite3_stmt *st = ddb__stmt(db, "SELECT pk, sk, at_us, old FROM ddb_pitr WHERE tid = ?1 AND at_us >= ?2 "
                                     "ORDER BY pk, sk, seq");
    if (!st) return false;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_int64(st, 2, inc->from);
    int rc = SQLITE_ROW;
    bool ok = true, any = false, open = false;
    change_t c = {0};
    arena_t *scratch = NULL;
    buf_t b;
    int64_t n = 0;
    while (ok) {
        if (!scratch) {
            if (!(scratch = arena_new(0))) {
                ok = false;
                break;
            }
            buf_init(&b, scratch);
            n = 0;
        }
        rc = sqlite3_step(st);
        const void *pk = rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL;
        const void *sk = rc == SQLITE_ROW ? sqlite3_column_blob(st, 1) : NULL;
        size_t pkn = rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 0) : 0;
        size_t skn = rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 1) : 0;
        bool same = open && rc == SQLITE_ROW && pkn == c.pk.len && skn == c.sk.len &&
                    (!pkn || !memcmp(pk, c.pk.p, pkn)) && (!skn || !memcmp(sk, c.sk.p, skn));
        if (same) {
            int64_t at = sqlite3_column_int64(st, 2);
            if (!c.in_window || c.have_new) continue;
            if (at < inc->to)
                c.last_us = at;
            else if (!col_item(scratch, st, 3, &c.neu))
                ok = false;
            else
                c.have_new = true;
            continue;
        }
        /* a new key, or the end: the one before is complete */
        if (open) {
            if (!change_end(db, t, scratch, &c)) {
                ok = false;
                break;
            }
            n += change_line(o, t, inc, scratch, &c, &b, bytes);
            open = false;
        }
        bool end = rc != SQLITE_ROW;
        if (b.len >= DATA_FILE || (end && (n || !any))) { /* no change at all: one empty file */
            ok = !b.failed && put_data(o, scratch, buf_str(&b), n, files);
            any = true;
            *items += n;
            arena_free(scratch);
            scratch = NULL;
            if (ok && !end && !(scratch = arena_new(0))) ok = false;
            if (scratch) buf_init(&b, scratch), n = 0;
        }
        if (end || !ok) break;
        int64_t at = sqlite3_column_int64(st, 2);
        c = (change_t){.pk = col_copy(scratch, st, 0), .sk = col_copy(scratch, st, 1), .in_window = at < inc->to};
        c.last_us = at;
        open = c.pk.p && c.sk.p;
        if (!open || (c.in_window && !col_item(scratch, st, 3, &c.old))) ok = false;
    }
    arena_free(scratch);
    sqlite3_reset(st);
    return ok && rc == SQLITE_DONE;
}

/* The manifest-summary.json members that name strings of d. */
static void summary_strs(json_w_t *w, const val_t *d)
{
    static const char *const strs[][2] = {{"version", NULL},
                                          {"exportArn", "ExportArn"},
                                          {"tableArn", "TableArn"},
                                          {"tableId", "TableId"},
                                          {"s3Bucket", "S3Bucket"},
                                          {"s3Prefix", "S3Prefix"},
                                          {"s3SseAlgorithm", "S3SseAlgorithm"}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        json_w_key(w, str_c(strs[i][0]));
        str_t v = strs[i][1] ? val_get_str(d, strs[i][1]) : STR("2020-06-30");
        if (v.p)
            json_w_str(w, v);
        else
            json_w_null(w);
    }
}

/* Writes the export's objects: the items under tid (a full export) or the
 * changes inc names in t's log (an incremental one); false with
 * o->code/msg on S3's refusal. */
static bool write_export(out_t *o, val_t *d, sqlite3 *db, const ddb_table_t *t, int64_t tid, const inc_t *inc)
{
    arena_t *a = o->r->arena;
    int64_t items = 0, bytes = 0;
    buf_t b;
    buf_init(&b, a);
    if (!put(o, "_started", STR(""), "application/octet-stream") ||
        !(inc ? put_changes(o, db, t, inc, &b, &items, &bytes) : put_items(o, db, tid, &b, &items, &bytes)))
        return false;
    str_t files = buf_str(&b);
    if (!put(o, "manifest-files.json", files, "application/json") ||
        !put(o, "manifest-files.md5", md5_b64(a, files), "text/plain"))
        return false;
    /* AWS bills an incremental export for at least 10 MB (Developer Guide,
     * "Exporting DynamoDB table data to Amazon S3": "minimum charge of
     * 10MB"; recorded BilledSizeBytes 10000000 for an empty window) */
    if (inc && bytes < 10000000) bytes = 10000000;
    val_set_c(a, d, "ItemCount", val_int(a, items));
    val_set_c(a, d, "BilledSizeBytes", val_int(a, bytes));
    val_set_c(a, d, "EndTime", val_time(a, time_now_us()));
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    summary_strs(&w, d);
    time_field(&w, "startTime", val_get(d, "StartTime")->u.t);
    time_field(&w, "endTime", val_get(d, "EndTime")->u.t);
    if (inc) {
        time_field(&w, "exportFromTime", inc->from);
        time_field(&w, "exportToTime", inc->to);
    } else {
        time_field(&w, "exportTime", val_get(d, "ExportTime")->u.t);
    }
    json_w_key(&w, STR("s3SseKmsKeyId"));
    json_w_null(&w);
    json_w_key(&w, STR("manifestFilesS3Key"));
    json_w_str(&w, str_c(arena_printf(a, "%.*smanifest-files.json", STR_FMT(o->base))));
    json_w_key(&w, STR("billedSizeBytes"));
    json_w_int(&w, val_get_int(d, "BilledSizeBytes", 0));
    json_w_key(&w, STR("itemCount"));
    json_w_int(&w, val_get_int(d, "ItemCount", 0));
    json_w_key(&w, STR("outputFormat"));
    json_w_str(&w, o->ion ? STR("ION") : STR("DYNAMODB_JSON"));
    if (inc) {
        json_w_key(&w, STR("outputView"));
        json_w_str(&w, inc->old_images ? STR("NEW_AND_OLD_IMAGES") : STR("NEW_IMAGE"));
        json_w_key(&w, STR("exportType"));
        json_w_str(&w, STR("INCREMENTAL_EXPORT"));
    }
    json_w_obj_end(&w);
    str_t summary = buf_str(&b);
    return put(o, "manifest-summary.json", summary, "application/json") &&
           put(o, "manifest-summary.md5", md5_b64(a, summary), "text/plain");
}

/* A minute of the incremental export window's limits (15 minutes to 24
 * hours). Tests only: GUREUM_DYNAMODB_EXPORT_MINUTE_MS=N makes it N ms, so
 * a test need not wait a quarter of an hour for a window. */
static int64_t window_minute_us(void)
{
#ifdef GUREUM_TESTING
    const char *v = getenv("GUREUM_DYNAMODB_EXPORT_MINUTE_MS");
    if (v && atoll(v) > 0) return atoll(v) * 1000;
#endif
    return 60 * 1000000LL;
}

static const char *iso_s(arena_t *a, int64_t us)
{
    char t[32];
    time_fmt_iso8601(t, us / 1000000 * 1000000, false);
    return arena_printf(a, "%s", t);
}

/* The request's ExportType and IncrementalExportSpecification checked as
 * AWS checks them before it looks at the table (recorded wording, ACK's
 * DDB-EXPORT-003); *incremental set. */
static int export_type_or_fail(req_t *r, const val_t *in, bool *incremental)
{
    str_t type = val_get_str(in, "ExportType");
    const val_t *spec = val_get(in, "IncrementalExportSpecification");
    *incremental = str_eq_c(type, "INCREMENTAL_EXPORT");
    if (spec && !type.p)
        return ddb__fail_validation(r, "Invalid Request: Export Type expected to be Incremental Export when "
                                       "incremental export specification is provided");
    if (spec && !*incremental)
        return ddb__fail_validation(r, "Invalid Request: When Export Type is Full Export , Incremental Export "
                                       "Specification should not be provided");
    if (*incremental && !spec)
        return ddb__fail_validation(r, "Invalid Request: Incremental Export Specification expected when export "
                                       "type is set as Incremental Export");
    if (*incremental && !val_get(spec, "ExportFromTime"))
        return ddb__fail_validation(r, "Invalid Request: ExportFromTime must be provided in "
                                       "IncrementalExportSpecification");
    return GR_OK;
}

/* The window of an incremental export of t (PITR window earliest..now),
 * checked as AWS checks it: InvalidExportTimeException for every violation
 * (recorded wording, ACK's DDB-EXPORT-004; the 24-hour one has none on
 * record). ExportToTime defaults to now, the latest time with data. */
static int window_or_fail(req_t *r, const val_t *spec, const ddb_table_t *t, int64_t earliest, int64_t now, inc_t *inc)
{
    arena_t *a = r->arena;
    const val_t *to = val_get(spec, "ExportToTime");
    inc->from = val_get(spec, "ExportFromTime")->u.t;
    inc->to = to && to->kind == VAL_TIME ? to->u.t : now;
    inc->old_images = !str_eq_c(val_get_str(spec, "ExportViewType"), "NEW_IMAGE");
    int64_t minute = window_minute_us();
    const char *msg = NULL;
    if (!t->pitr_since_us || inc->from < earliest)
        msg = arena_printf(a, "Incremental export period from time cannot be less than the table creation time : %s",
                           iso_s(a, inc->from));
    else if (inc->to > now)
        msg = arena_printf(a, "Incremental export period to time cannot be greater than the current time : %s",
                           iso_s(a, inc->to));
    else if (inc->from >= inc->to)
        msg = "Incremental export period from time should not be greater or equal to incremental export period to "
              "time";
    else if (inc->to - inc->from < 15 * minute)
        msg = "Difference between export period from time and export period to time is less than 15 minutes";
    else if (inc->to - inc->from > 24 * 60 * minute)
        msg = "Difference between export period from time and export period to time is greater than 24 hours";
    return msg ? req_fail(r, &DYNAMODB_ERR_InvalidExportTimeException, "%s", msg) : GR_OK;
}

/* Whether a retried request with d's ClientToken asks for the same export
 * (AWS: a changed table, bucket, prefix, format or kind conflicts). */
static bool same_export(const val_t *d, const val_t *in, str_t fmt, bool incremental)
{
    const val_t *spec = val_get(in, "IncrementalExportSpecification"),
                *had = val_get(d, "IncrementalExportSpecification");
    bool same_spec = !spec == !had;
    if (spec && had) {
        const val_t *to = val_get(spec, "ExportToTime");
        str_t view = val_get_str(spec, "ExportViewType");
        same_spec = val_get(spec, "ExportFromTime")->u.t == val_get(had, "ExportFromTime")->u.t &&
                    (!to || to->u.t == val_get(had, "ExportToTime")->u.t) &&
                    str_eq(view.p ? view : STR("NEW_AND_OLD_IMAGES"), val_get_str(had, "ExportViewType"));
    }
    return str_eq(val_get_str(d, "TableArn"), val_get_str(in, "TableArn")) &&
           str_eq(val_get_str(d, "S3Bucket"), val_get_str(in, "S3Bucket")) &&
           str_eq(val_get_str(d, "S3Prefix"), val_get_str(in, "S3Prefix")) &&
           str_eq(val_get_str(d, "ExportFormat"), fmt) &&
           str_eq_c(val_get_str(d, "ExportType"), incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT") && same_spec;
}

int dynamodb_export_table_to_point_in_time(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t fmt = val_get_str(in, "ExportFormat"), token = val_get_str(in, "ClientToken");
    if (!fmt.p) fmt = STR("DYNAMODB_JSON");
    bool incremental;
    if (export_type_or_fail(r, in, &incremental) != GR_OK) return GR_ERR;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t table_arn = val_get_str(in, "TableArn");
    /* AWS: the same ClientToken within 8 hours is the same export, or a
     * conflict (recorded wording, ACK's DDB-EXPORT-009) */
    if (token.len) {
        val_t *d;
        if (ddb__job_by_token(r, db, &ddb__exports, token, &d) != GR_OK) return GR_ERR;
        if (d && !same_export(d, in, fmt, incremental))
            return req_fail(r, &DYNAMODB_ERR_ExportConflictException,
                            "Export conflict: Duplicate request detected with conflicting parameters");
        if (d) return val_set_c(a, out, "ExportDescription", d);
    }
    /* A read transaction: one snapshot of the table, writers not held up */
    if (ddb__exec(db, "BEGIN") != GR_OK) return GR_ERR;
    ddb_table_t t;
    if (ddb__backup_table_or_fail(r, db, table_arn, &t) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    int64_t now = time_now_us(), at = 0, earliest = 0, last = 0;
    if (t.pitr_since_us)
        ddb__pitr_window(t.pitr_since_us, t.pitr_days, now, &earliest, &last); /* RestoreTableToPointInTime's */
    inc_t inc = {0};
    /* AWS (recorded, DDB-EXPORT-001): an incremental export of a table
     * without PITR fails on its window, a full one on PITR */
    if (incremental &&
        window_or_fail(r, val_get(in, "IncrementalExportSpecification"), &t, earliest, now, &inc) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    if (!t.pitr_since_us) {
        ddb__rollback(db);
        return req_fail(r, &DYNAMODB_ERR_PointInTimeRecoveryUnavailableException,
                        "Point in time recovery is not enabled for table '%.*s'", STR_FMT(t.name));
    }
    /* AWS: without ExportTime the export is of the latest state, even in the
     * second PITR was turned on (whose window ends at its rounded-up start) */
    const val_t *when = val_get(in, "ExportTime");
    at = when && when->kind == VAL_TIME ? when->u.t : last;
    if (!incremental && (at < earliest || at > last)) {
        ddb__rollback(db);
        return req_fail(r, &DYNAMODB_ERR_InvalidExportTimeException,
                        "ExportTime must be between the table's EarliestRestorableDateTime and now");
    }
    /* A past state: its rows made under a scratch tid in a write
     * transaction of their own, read from a new snapshot, removed after. */
    int64_t tid = t.tid, scratch = -1;
    if (!incremental && at < now) {
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
    out_t o = {.r = r, .bucket = val_get_str(in, "S3Bucket"), .ion = str_eq_c(fmt, "ION")};
    str_t root = str_c(arena_printf(a, "%.*s%sAWSDynamoDB/", STR_FMT(prefix), prefix.len ? "/" : ""));
    o.base = str_c(arena_printf(a, "%.*s%.*s/", STR_FMT(root), STR_FMT(id)));
    /* AWS: an incremental export's data files go to the data directory its
     * exports share; a full export's to its own */
    o.data = incremental ? root : o.base;
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "ExportArn", val_str(a, arn));
    val_set_c(a, d, "ExportStatus", val_cstr(a, "IN_PROGRESS"));
    val_set_c(a, d, "StartTime", val_time(a, now));
    val_set_c(a, d, "TableArn", val_str(a, t.arn));
    val_set_c(a, d, "TableId", val_str(a, t.table_id));
    if (!incremental) val_set_c(a, d, "ExportTime", val_time(a, at)); /* AWS: none for an incremental one */
    if (token.len) val_set_c(a, d, "ClientToken", val_str(a, token));
    val_set_c(a, d, "S3Bucket", val_str(a, o.bucket));
    if (val_get_str(in, "S3BucketOwner").p)
        val_set_c(a, d, "S3BucketOwner", val_str(a, val_get_str(in, "S3BucketOwner")));
    if (prefix.p) val_set_c(a, d, "S3Prefix", val_str(a, prefix));
    val_set_c(a, d, "S3SseAlgorithm",
              val_str(a, val_get_str(in, "S3SseAlgorithm").p ? val_get_str(in, "S3SseAlgorithm") : STR("AES256")));
    val_set_c(a, d, "ExportFormat", val_str(a, fmt));
    /* AWS (API reference, ExportDescription; moto's test_list_exports): an
     * export of the whole table as it was at ExportTime is a FULL_EXPORT. */
    val_set_c(a, d, "ExportType", val_cstr(a, incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT"));
    if (incremental) { /* described with the window as it was taken: ExportToTime filled in */
        val_t *spec = val_new(a, VAL_STRUCT);
        val_set_c(a, spec, "ExportFromTime", val_time(a, inc.from));
        val_set_c(a, spec, "ExportToTime", val_time(a, inc.to));
        val_set_c(a, spec, "ExportViewType", val_cstr(a, inc.old_images ? "NEW_AND_OLD_IMAGES" : "NEW_IMAGE"));
        val_set_c(a, d, "IncrementalExportSpecification", spec);
    }
    /* AWS's first answer is IN_PROGRESS, whatever happens next */
    val_t *first = ddb__job_first(a, d);
    bool written = write_export(&o, d, db, &t, tid, incremental ? &inc : NULL);
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
