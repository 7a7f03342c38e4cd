/* inventory.c — S3 Inventory reports, written for each enabled inventory
 * configuration (stored by idconfig.c) into its destination bucket when one
 * is due: the first at the runner's next pass after the configuration is
 * put (AWS: within 48 hours), then once a day or a week (scaled test days,
 * lifecycle.c's s3__day_us). Runs on S3's background runner (lifecycle.c's
 * run) acting as the source bucket's owner, through S3's own operations:
 * ListObjectsV2 or ListObjectVersions (IncludedObjectVersions), HeadObject
 * for the optional fields a listing lacks, and s3_write_object for the files.
 *
 * The layout is AWS's ("Locating your inventory list"), under the
 * destination's Prefix:
 *   SOURCE/CONFIG-ID/data/UUID.csv.gz            rows, gzip, ~4 MiB each
 *   SOURCE/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json, manifest.checksum
 *   SOURCE/CONFIG-ID/hive/dt=YYYY-MM-DD-HH-MM/symlink.txt
 * CSV rows quote every field, keys URL-encoded as a form (spaces as '+'), columns in AWS's fixed order
 * (Bucket, Key, then VersionId, IsLatest, IsDeleteMarker with All versions,
 * then the chosen optional fields). ORC and Parquet configurations are kept
 * but produce no report: gureum writes CSV only. The destination must be a
 * bucket of the source's owner. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/gzip.h"
#include "core/id.h"
#include "core/json.h"
#include "core/md5.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/s3/s3.h"

#define FILE_BYTES (4u << 20) /* rows per data file, before compression */

/* The optional fields in AWS's column order (also what PutBucketInventory-
 * Configuration accepts, idconfig.c). */
const char *const s3__inventory_fields[] = {"Size",
                                            "LastModifiedDate",
                                            "ETag",
                                            "StorageClass",
                                            "IsMultipartUploaded",
                                            "ReplicationStatus",
                                            "EncryptionStatus",
                                            "ObjectLockRetainUntilDate",
                                            "ObjectLockMode",
                                            "ObjectLockLegalHoldStatus",
                                            "IntelligentTieringAccessTier",
                                            "BucketKeyStatus",
                                            "ChecksumAlgorithm",
                                            "ObjectAccessControlList",
                                            "ObjectOwner",
                                            NULL};
#define OPTIONAL s3__inventory_fields
#define NOPT (sizeof s3__inventory_fields / sizeof s3__inventory_fields[0] - 1)
enum {
    F_SIZE,
    F_MODIFIED,
    F_ETAG,
    F_CLASS,
    F_MULTIPART,
    F_REPL,
    F_ENC,
    F_RETAIN,
    F_MODE,
    F_HOLD,
    F_TIER,
    F_BKEY,
    F_CKSUM,
    F_ACL,
    F_OWNER
};
/* Fields only HeadObject tells. */
#define HEAD_FIELDS                                                                                                    \
    ((1u << F_REPL) | (1u << F_ENC) | (1u << F_RETAIN) | (1u << F_MODE) | (1u << F_HOLD) | (1u << F_BKEY) |            \
     (1u << F_CKSUM))

typedef struct {
    app_t *app;
    str_t source, owner, region, id, dest, prefix; /* prefix: "" or "PREFIX/" */
    bool all;                                      /* every version, not only current ones */
    unsigned fields;                               /* bit i: OPTIONAL[i] chosen */
    int64_t now;
    arena_t *a; /* the report's: file keys, the manifest */
    buf_t files, symlink;
    int nfiles;
    arena_t *fa; /* the current data file's rows */
    buf_t rows;
    bool failed;
} report_t;

static void field(buf_t *b, str_t v)
{
    buf_puts(b, ",\"");
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '"') buf_putc(b, '"'); /* CSV: a quote inside a field is doubled */
        buf_putc(b, v.p[i]);
    }
    buf_putc(b, '"');
}

static str_t iso(arena_t *a, const val_t *t)
{
    if (!t || t->kind != VAL_TIME) return STR("");
    char s[32];
    time_fmt_iso8601(s, t->u.t, true);
    return arena_str(a, str_c(s));
}

static str_t yes(bool b)
{
    return b ? STR("true") : STR("false");
}

/* The fields HeadObject gives for one version. */
static val_t *head(req_t *r, const report_t *p, str_t key, str_t vid)
{
    arena_t *a = r->arena;
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "Bucket", val_str(a, p->source));
    val_set_c(a, in, "Key", val_str(a, key));
    if (vid.len && !str_eq_c(vid, "null")) val_set_c(a, in, "VersionId", val_str(a, vid));
    val_set_c(a, in, "ChecksumMode", val_str(a, STR("ENABLED")));
    r->in = in;
    if (s3_head_object(r, in, out) != GR_OK) r->err = NULL;
    return out;
}

static str_t checksum_algo(const val_t *h)
{
    for (size_t i = 0; i < body_cksum_nalgos; i++)
        if (val_get(h, body_cksum_algos[i].member)) return str_c(body_cksum_algos[i].name);
    return STR("");
}

/* One row: a version (o from Versions or Contents) or a delete marker. */
static void row(req_t *r, report_t *p, const val_t *o, bool marker)
{
    arena_t *a = r->arena;
    buf_t *b = &p->rows;
    str_t key = val_get_str(o, "Key"), vid = val_get_str(o, "VersionId");
    buf_putc(b, '"');
    buf_put_str(b, p->source);
    buf_putc(b, '"');
    field(b, s3__form_encode(a, key));
    if (p->all) {
        field(b, str_eq_c(vid, "null") ? STR("") : vid);
        field(b, yes(val_get_bool(o, "IsLatest", true)));
        field(b, yes(marker));
    }
    val_t *h = !marker && (p->fields & HEAD_FIELDS) ? head(r, p, key, vid) : NULL;
    str_t etag = val_get_str(o, "ETag");
    etag = s3__etag_bare(etag);
    for (size_t i = 0; i < NOPT; i++) {
        if (!(p->fields & (1u << i))) continue;
        str_t v = STR("");
        if (marker) {
            if (i == F_MODIFIED) v = iso(a, val_get(o, "LastModified"));
            field(b, v);
            continue;
        }
        switch (i) {
        case F_SIZE: v = str_c(arena_printf(a, "%lld", (long long)val_get_int(o, "Size", 0))); break;
        case F_MODIFIED: v = iso(a, val_get(o, "LastModified")); break;
        case F_ETAG: v = etag; break;
        case F_CLASS: v = val_get_str(o, "StorageClass"); break;
        case F_MULTIPART: v = yes(str_index(etag, '-') >= 0); break;
        case F_REPL: v = val_get_str(h, "ReplicationStatus"); break;
        case F_ENC: {
            str_t sse = val_get_str(h, "ServerSideEncryption");
            v = val_get_str(h, "SSECustomerAlgorithm").p ? STR("SSE-C")
                : str_eq_c(sse, "AES256")                ? STR("SSE-S3")
                : str_starts_with(sse, STR("aws:kms"))   ? STR("SSE-KMS")
                                                         : STR("NOT-SSE");
            break;
        }
        case F_RETAIN: v = iso(a, val_get(h, "ObjectLockRetainUntilDate")); break;
        case F_MODE: v = val_get_str(h, "ObjectLockMode"); break;
        case F_HOLD: v = val_get_str(h, "ObjectLockLegalHoldStatus"); break;
        case F_BKEY: v = val_get_bool(h, "BucketKeyEnabled", false) ? STR("ENABLED") : STR("DISABLED"); break;
        case F_CKSUM: v = checksum_algo(h); break;
        case F_OWNER: v = s3__owner_id(a, p->owner); break;
        default: break; /* IntelligentTieringAccessTier (no tiers here), ObjectAccessControlList: empty */
        }
        field(b, v);
    }
    buf_putc(b, '\n');
}

static str_t report_key(report_t *p, const char *fmt, const char *name)
{
    return str_c(
        arena_printf(p->a, "%.*s%.*s/%.*s/%s%s", STR_FMT(p->prefix), STR_FMT(p->source), STR_FMT(p->id), fmt, name));
}

static bool write(report_t *p, str_t key, str_t bytes, const char *type)
{
    req_t *r = s3__owner_req(p->app, p->owner, p->region);
    if (!r) return false;
    const char *code, *msg;
    bool ok = s3_write_object(r, p->dest, key, bytes, type, &code, &msg) == GR_OK;
    arena_free(r->arena);
    return ok;
}

/* Writes the gathered rows as one gzipped data file and starts the next. */
static void flush(report_t *p)
{
    str_t rows = buf_str(&p->rows);
    if (rows.len && !p->failed) {
        char u[37];
        id_uuid(u);
        str_t key = report_key(p, "data/", arena_printf(p->a, "%s.csv.gz", u));
        str_t gz = gzip_of(p->fa, rows);
        unsigned char md5[16];
        md5_of(gz.p, gz.len, md5);
        if (!gz.p || !write(p, key, gz, "application/x-gzip")) {
            p->failed = true;
        } else {
            buf_printf(&p->files, "%s{\"key\":", p->nfiles++ ? "," : "");
            json_w_t w;
            json_w_init(&w, &p->files);
            json_w_str(&w, key);
            buf_printf(&p->files, ",\"size\":%zu,\"MD5checksum\":\"%.*s\"}", gz.len, STR_FMT(s3__hex(p->a, md5, 16)));
            buf_printf(&p->symlink, "s3://%.*s/%.*s\n", STR_FMT(p->dest), STR_FMT(key));
        }
    }
    arena_free(p->fa);
    p->fa = arena_new(4 * FILE_BYTES);
    if (!p->fa) p->failed = true;
    buf_init(&p->rows, p->fa);
}

/* Pages through the source bucket's current objects or every version. */
static void list_rows(report_t *p, str_t prefix)
{
    arena_t *marks = arena_new(1u << 20); /* the markers between pages */
    str_t m1 = STR_NULL, m2 = STR_NULL;
    bool more = marks != NULL;
    while (more && !p->failed) {
        more = false;
        req_t *r = s3__owner_req(p->app, p->owner, p->region);
        if (!r) break;
        arena_t *a = r->arena;
        val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
        val_set_c(a, in, "Bucket", val_str(a, p->source));
        if (prefix.len) val_set_c(a, in, "Prefix", val_str(a, prefix));
        if (m1.p) val_set_c(a, in, p->all ? "KeyMarker" : "ContinuationToken", val_str(a, m1));
        if (m2.p) val_set_c(a, in, "VersionIdMarker", val_str(a, m2));
        r->in = in;
        if ((p->all ? s3_list_object_versions(r, in, out) : s3_list_objects_v2(r, in, out)) != GR_OK) {
            p->failed = true;
        } else {
            const val_t *v = val_get(out, p->all ? "Versions" : "Contents"), *dm = val_get(out, "DeleteMarkers");
            for (size_t i = 0; v && v->kind == VAL_LIST && i < v->u.list.n; i++) row(r, p, v->u.list.v[i], false);
            for (size_t i = 0; p->all && dm && dm->kind == VAL_LIST && i < dm->u.list.n; i++)
                row(r, p, dm->u.list.v[i], true);
            if (val_get_bool(out, "IsTruncated", false)) {
                more = true;
                m1 = arena_str(marks, val_get_str(out, p->all ? "NextKeyMarker" : "NextContinuationToken"));
                str_t nv = val_get_str(out, "NextVersionIdMarker");
                m2 = p->all && nv.p ? arena_str(marks, nv) : STR_NULL;
            }
        }
        arena_free(a);
        if (p->rows.len >= FILE_BYTES) flush(p);
    }
    if (marks) arena_free(marks);
}

static void manifest(report_t *p, const char *stamp, const char *dt)
{
    buf_t m;
    buf_init(&m, p->a);
    json_w_t w;
    json_w_init(&w, &m);
    buf_puts(&m, "{\"sourceBucket\":");
    json_w_str(&w, p->source);
    buf_puts(&m, ",\"destinationBucket\":");
    json_w_str(&w, str_c(arena_printf(p->a, "arn:aws:s3:::%.*s", STR_FMT(p->dest))));
    buf_printf(&m, ",\"version\":\"2016-11-30\",\"creationTimestamp\":\"%lld\",\"fileFormat\":\"CSV\",",
               (long long)(p->now / 1000));
    buf_puts(&m, "\"fileSchema\":\"Bucket, Key");
    if (p->all) buf_puts(&m, ", VersionId, IsLatest, IsDeleteMarker");
    for (size_t i = 0; i < NOPT; i++)
        if (p->fields & (1u << i)) buf_printf(&m, ", %s", OPTIONAL[i]);
    buf_printf(&m, "\",\"files\":[%.*s]}", STR_FMT(buf_str(&p->files)));
    str_t body = buf_str(&m);
    unsigned char md5[16];
    md5_of(body.p, body.len, md5);
    if (!write(p, report_key(p, stamp, "/manifest.json"), body, "application/json") ||
        !write(p, report_key(p, stamp, "/manifest.checksum"), s3__hex(p->a, md5, 16), "text/plain") ||
        !write(p, report_key(p, arena_printf(p->a, "hive/dt=%s", dt), "/symlink.txt"), buf_str(&p->symlink),
               "text/plain"))
        p->failed = true;
}

/* One report of configuration doc of bucket source (none when its
 * destination is not the owner's bucket; a failed write leaves it short). */
static void report(app_t *app, str_t source, str_t owner, str_t region, const val_t *doc, int64_t now)
{
    const val_t *d = val_get(val_get(doc, "Destination"), "S3BucketDestination");
    str_t acct = val_get_str(d, "AccountId");
    report_t p = {.app = app,
                  .source = source,
                  .owner = owner,
                  .region = region,
                  .id = val_get_str(doc, "Id"),
                  .dest = s3__replication_dest(val_get_str(d, "Bucket")),
                  .all = str_eq_c(val_get_str(doc, "IncludedObjectVersions"), "All"),
                  .now = now};
    if (!p.dest.p || (acct.len && !str_eq(acct, owner))) return;
    if (!(p.a = arena_new(64u << 20))) return;
    str_t pre = val_get_str(d, "Prefix");
    p.prefix = pre.len ? str_c(arena_printf(p.a, "%.*s/", STR_FMT(pre))) : STR("");
    const val_t *opt = val_get(doc, "OptionalFields");
    for (size_t i = 0; opt && opt->kind == VAL_LIST && i < opt->u.list.n; i++)
        for (size_t k = 0; k < NOPT && opt->u.list.v[i]->kind == VAL_STR; k++)
            if (str_eq_c(opt->u.list.v[i]->u.s, OPTIONAL[k])) p.fields |= 1u << k;
    buf_init(&p.files, p.a);
    buf_init(&p.symlink, p.a);
    p.fa = arena_new(4 * FILE_BYTES);
    if (!p.fa)
        p.failed = true;
    else
        buf_init(&p.rows, p.fa);
    if (!p.failed) list_rows(&p, val_get_str(val_get(doc, "Filter"), "Prefix"));
    if (!p.failed) flush(&p);
    struct tm tm;
    time_split(now / 1000000, &tm);
    char stamp[48], dt[48];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d-%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min);
    snprintf(dt, sizeof dt, "%04d-%02d-%02d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min);
    if (!p.failed) manifest(&p, stamp, dt);
    if (p.fa) arena_free(p.fa);
    arena_free(p.a);
}

void s3__inventory_run(app_t *app, int64_t now)
{
    arena_t *a = arena_new(4u << 20);
    sqlite3 *db = store_db(app->store, &schema_s3);
    sqlite3_stmt *st = NULL;
    if (!a || !db ||
        store_prepare(db,
                      "SELECT c.bucket, c.id, c.doc, c.done_us, b.account, b.region FROM s3_bucket_config_id c "
                      "JOIN s3_bucket b ON b.name = c.bucket WHERE c.kind = 'inventory'",
                      -1, &st, NULL) != SQLITE_OK) {
        if (a) arena_free(a);
        return;
    }
    typedef struct {
        str_t bucket, id, doc_json, owner, region;
    } job_t;
    size_t n = 0, cap = 16;
    job_t *jobs = ARENA_NEWN(a, job_t, cap);
    while (jobs && sqlite3_step(st) == SQLITE_ROW) {
        str_t col[6];
        for (int i = 0; i < 6; i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            col[i] = arena_str(a, str_c(t ? t : ""));
        }
        val_t *doc = s3_val_from_json(a, col[2]);
        int64_t every = s3__day_us() * (str_eq_c(val_get_str(val_get(doc, "Schedule"), "Frequency"), "Weekly") ? 7 : 1);
        const val_t *d = val_get(val_get(doc, "Destination"), "S3BucketDestination");
        if (!doc || !val_get_bool(doc, "IsEnabled", false) || !str_eq_c(val_get_str(d, "Format"), "CSV") ||
            now - sqlite3_column_int64(st, 3) < every)
            continue;
        if (n == cap) {
            jobs = arena_realloc(a, jobs, cap * sizeof *jobs, cap * 2 * sizeof *jobs);
            cap *= 2;
            if (!jobs) break;
        }
        jobs[n++] = (job_t){col[0], col[1], col[2], col[4], col[5]};
    }
    store_release(st);
    for (size_t i = 0; jobs && i < n; i++) {
        report(app, jobs[i].bucket, jobs[i].owner, jobs[i].region, s3_val_from_json(a, jobs[i].doc_json), now);
        /* Delivered or not (no destination: AWS delivers nothing either), the
         * next is due a period on; a configuration put meanwhile stays due. */
        if (store_prepare(db,
                          "UPDATE s3_bucket_config_id SET done_us = ?4 WHERE bucket = ?1 AND kind = 'inventory'"
                          " AND id = ?2 AND doc = ?3",
                          -1, &st, NULL) != SQLITE_OK)
            continue;
        sqlite3_bind_text(st, 1, jobs[i].bucket.p, (int)jobs[i].bucket.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, jobs[i].id.p, (int)jobs[i].id.len, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, jobs[i].doc_json.p, (int)jobs[i].doc_json.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_step(st);
        store_release(st);
    }
    arena_free(a);
}
