/* serverlog.c — S3 server access logs, recorded and delivered. The
 * dispatcher calls s3_access_logged once per answered S3 request (the
 * registry's answered hook); a request to a bucket with logging enabled
 * (logging.c) becomes one record in AWS's format ("Amazon S3 server access
 * log format"), appended to that bucket's buffer in memory. The ticker
 * (s3_tick) delivers the buffers every GUREUM_S3_LOG_DELIVERY_SECONDS
 * (default 300) and the stop hook once more at a clean shutdown: each
 * buffer becomes one object in the target bucket, written as the
 * log-delivery service would, on the target owner's behalf (that owner owns
 * it), through s3_write_object — so a delivery is never itself logged, and
 * a crash loses at most the buffered records, never leaves half an object.
 *
 * Which buckets log is read from the store into `sources` and read again
 * when a configuration changes (s3__serverlog_changed bumps `gen`); records
 * of a source whose configuration is gone (logging disabled, bucket
 * deleted) are dropped, as are deliveries to a target deleted since, or one
 * that no longer lets the service write (logging.c). All of this is shared
 * by the event loops and the ticker under one mutex, which is never held
 * while a delivery writes. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "protocol/model.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "schemas.h"
#include "services/app.h"
#include "services/s3/s3.h"

#define MAX_BUFFERED (64u << 20) /* records kept per source between deliveries; more are dropped */

typedef struct {
    char *bucket, *owner, *region, *target, *prefix;
    char *grants_json; /* TargetGrants as JSON, "" for none */
    bool partitioned, event_time;
    char *lines; /* the records not yet delivered */
    size_t len, cap;
    int64_t first_us; /* when the first of them was received */
} source_t;

static struct {
    pthread_mutex_t mu;
    atomic_uint gen;    /* bumped by every configuration change */
    atomic_uint loaded; /* the gen `sources` was read at; 0: never */
    atomic_bool any;    /* n > 0: without it a request leaves S.mu alone */
    source_t *v;
    size_t n;
    int64_t delivered_us; /* last delivery round */
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .gen = 1};

void s3__serverlog_changed(void)
{
    atomic_fetch_add(&S.gen, 1);
}

static void source_free(source_t *s)
{
    free(s->bucket), free(s->owner), free(s->region), free(s->target), free(s->prefix), free(s->grants_json);
    free(s->lines);
}

/* Reads every logging configuration again (under S.mu), keeping the
 * buffered records of sources that still log. */
static void reload(sqlite3 *db)
{
    unsigned gen = atomic_load(&S.gen);
    arena_t *a = arena_new(1u << 20);
    sqlite3_stmt *st = NULL;
    if (!a || store_prepare(db,
                            "SELECT c.bucket, c.doc, b.account, b.region FROM s3_bucket_config c "
                            "JOIN s3_bucket b ON b.name = c.bucket WHERE c.kind = 'logging'",
                            -1, &st, NULL) != SQLITE_OK) {
        if (a) arena_free(a);
        return;
    }
    source_t *v = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t col[4];
        for (int i = 0; i < 4; i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            col[i] = str_c(t ? t : "");
        }
        const val_t *le = val_get(s3_val_from_json(a, col[1]), "LoggingEnabled");
        if (!le) continue;
        if (n == cap) {
            source_t *nv = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        const val_t *fmt = val_get(le, "TargetObjectKeyFormat"), *pp = val_get(fmt, "PartitionedPrefix");
        const val_t *grants = val_get(le, "TargetGrants");
        source_t s = {.bucket = str_dup(col[0]),
                      .owner = str_dup(col[2]),
                      .region = str_dup(col[3]),
                      .target = str_dup(val_get_str(le, "TargetBucket")),
                      .prefix = str_dup(val_get_str(le, "TargetPrefix")),
                      .grants_json = str_dup(grants ? s3_val_to_json(a, grants) : STR("")),
                      .partitioned = pp != NULL,
                      .event_time = !str_eq_c(val_get_str(pp, "PartitionDateSource"), "DeliveryTime")};
        if (!s.bucket || !s.owner || !s.region || !s.target || !s.prefix || !s.grants_json) {
            source_free(&s);
            continue;
        }
        for (size_t i = 0; i < S.n; i++) /* its records so far stay with it */
            if (S.v[i].lines && !strcmp(S.v[i].bucket, s.bucket)) {
                s.lines = S.v[i].lines, s.len = S.v[i].len, s.cap = S.v[i].cap, s.first_us = S.v[i].first_us;
                S.v[i].lines = NULL;
            }
        v[n++] = s;
    }
    store_release(st);
    arena_free(a);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        for (size_t i = 0; i < n; i++) source_free(&v[i]);
        free(v);
        return; /* the old table stays; the next request tries again */
    }
    for (size_t i = 0; i < S.n; i++) source_free(&S.v[i]);
    free(S.v);
    S.v = v, S.n = n;
    atomic_store(&S.any, n > 0);
    atomic_store(&S.loaded, gen);
}

/* ==== the record ==== */

/* AWS: "REST.<method>.<resource type>", the resource named as S3 names it
 * in its logs; an operation not listed is named by what it acts on. */
static const struct {
    const char *op, *res;
} RESOURCE[] = {{"GetObject", "OBJECT"},
                {"PutObject", "OBJECT"},
                {"HeadObject", "OBJECT"},
                {"DeleteObject", "OBJECT"},
                {"CopyObject", "OBJECT"},
                {"RestoreObject", "OBJECT_RESTORE"},
                {"SelectObjectContent", "SELECT"},
                {"GetObjectTorrent", "TORRENT"},
                {"GetObjectAttributes", "OBJECT_ATTRIBUTES"},
                {"DeleteObjects", "MULTI_OBJECT_DELETE"},
                {"ListObjects", "BUCKET"},
                {"ListObjectsV2", "BUCKET"},
                {"ListObjectVersions", "BUCKETVERSIONS"},
                {"CreateBucket", "BUCKET"},
                {"HeadBucket", "BUCKET"},
                {"DeleteBucket", "BUCKET"},
                {"GetBucketLocation", "LOCATION"},
                {"CreateMultipartUpload", "UPLOADS"},
                {"ListMultipartUploads", "UPLOADS"},
                {"UploadPart", "PART"},
                {"UploadPartCopy", "PART"},
                {"CompleteMultipartUpload", "UPLOAD"},
                {"AbortMultipartUpload", "UPLOAD"},
                {"ListParts", "UPLOAD"},
                {"GetBucketLogging", "LOGGING_STATUS"},
                {"PutBucketLogging", "LOGGING_STATUS"},
                {"GetBucketPolicy", "BUCKETPOLICY"},
                {"PutBucketPolicy", "BUCKETPOLICY"},
                {"DeleteBucketPolicy", "BUCKETPOLICY"},
                {"GetBucketPolicyStatus", "BUCKETPOLICYSTATUS"},
                {"GetBucketAcl", "ACL"},
                {"PutBucketAcl", "ACL"},
                {"GetObjectAcl", "ACL"},
                {"PutObjectAcl", "ACL"},
                {"GetBucketTagging", "TAGGING"},
                {"PutBucketTagging", "TAGGING"},
                {"DeleteBucketTagging", "TAGGING"},
                {"GetObjectTagging", "OBJECT_TAGGING"},
                {"PutObjectTagging", "OBJECT_TAGGING"},
                {"DeleteObjectTagging", "OBJECT_TAGGING"},
                {"GetBucketVersioning", "VERSIONING"},
                {"PutBucketVersioning", "VERSIONING"},
                {"GetBucketLifecycleConfiguration", "LIFECYCLE"},
                {"PutBucketLifecycleConfiguration", "LIFECYCLE"},
                {"DeleteBucketLifecycle", "LIFECYCLE"},
                {"GetBucketNotificationConfiguration", "NOTIFICATION"},
                {"PutBucketNotificationConfiguration", "NOTIFICATION"},
                {"GetBucketRequestPayment", "REQUEST_PAYMENT"},
                {"PutBucketRequestPayment", "REQUEST_PAYMENT"},
                {"GetObjectLockConfiguration", "OBJECT_LOCK_CONFIGURATION"},
                {"PutObjectLockConfiguration", "OBJECT_LOCK_CONFIGURATION"},
                {"GetObjectRetention", "RETENTION"},
                {"PutObjectRetention", "RETENTION"},
                {"GetObjectLegalHold", "LEGAL_HOLD"},
                {"PutObjectLegalHold", "LEGAL_HOLD"},
                {"GetPublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
                {"PutPublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
                {"DeletePublicAccessBlock", "PUBLIC_ACCESS_BLOCK"},
                {"GetBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
                {"PutBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
                {"DeleteBucketOwnershipControls", "OWNERSHIP_CONTROLS"},
                {"GetBucketAccelerateConfiguration", "ACCELERATE"},
                {"PutBucketAccelerateConfiguration", "ACCELERATE"}};

/* The part after the verb and "Bucket", upper-cased with '_' between words:
 * GetBucketEncryption → ENCRYPTION, PutBucketCors → CORS. */
static str_t derived_resource(arena_t *a, str_t op)
{
    static const char *const verbs[] = {"Get", "Put", "Delete", "List", "Head"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (str_starts_with(op, str_c(verbs[i]))) {
            op = str_sub(op, strlen(verbs[i]), op.len - strlen(verbs[i]));
            break;
        }
    if (str_starts_with(op, STR("Bucket"))) op = str_sub(op, 6, op.len - 6);
    char *out = arena_alloc(a, op.len * 2 + 1);
    size_t n = 0;
    for (size_t i = 0; out && i < op.len; i++) {
        char c = op.p[i];
        if (i && c >= 'A' && c <= 'Z' && op.p[i - 1] >= 'a' && op.p[i - 1] <= 'z') out[n++] = '_';
        out[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    if (!out) return STR("-");
    out[n] = 0;
    return str_n(out, n);
}

static str_t operation(req_t *r)
{
    str_t op = r->op ? str_c(r->op->name) : r->op_name;
    str_t method = r->w.method;
    /* AWS: a copy is REST.COPY.OBJECT / REST.COPY.PART in the target's log */
    if (str_eq_c(op, "CopyObject") || str_eq_c(op, "UploadPartCopy")) method = STR("COPY");
    str_t res = STR_NULL;
    for (size_t i = 0; i < sizeof RESOURCE / sizeof RESOURCE[0] && !res.p; i++)
        if (str_eq_c(op, RESOURCE[i].op)) res = str_c(RESOURCE[i].res);
    if (!res.p) res = derived_resource(r->arena, op);
    return str_c(arena_printf(r->arena, "REST.%.*s.%.*s", STR_FMT(method), STR_FMT(res)));
}

/* A quoted field: '"' and '\' escaped, "-" when empty. */
static void quoted(buf_t *b, str_t s)
{
    buf_putc(b, '"');
    if (!s.len) buf_putc(b, '-');
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '"' || s.p[i] == '\\') buf_putc(b, '\\');
        buf_putc(b, s.p[i]);
    }
    buf_putc(b, '"');
}

/* A bare field: "-" when empty; spaces would split it, so they are escaped. */
static void field(buf_t *b, str_t s)
{
    buf_putc(b, ' ');
    if (!s.len) {
        buf_putc(b, '-');
        return;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == ' ')
            buf_puts(b, "%20");
        else
            buf_putc(b, s.p[i]);
    }
}

static void number(buf_t *b, long long v)
{
    if (v > 0)
        buf_printf(b, " %lld", v);
    else
        buf_puts(b, " -");
}

static long long num(str_t s)
{
    long long v;
    return s.len && str_to_i64(s, &v) ? v : 0;
}

/* The object's whole size for a read (Content-Range's total, else
 * Content-Length) or a write (the body's), else 0. */
static long long object_size(req_t *r, str_t op)
{
    if (str_eq_c(op, "PutObject") || str_eq_c(op, "UploadPart")) {
        str_t dl = wire_header(&r->w, "x-amz-decoded-content-length");
        return num(dl.p ? dl : wire_header(&r->w, "content-length"));
    }
    if (!str_eq_c(op, "GetObject") && !str_eq_c(op, "HeadObject")) return 0;
    str_t cr = wire_resp_get_header(&r->resp, "Content-Range");
    size_t slash = cr.len;
    while (slash > 0 && cr.p[slash - 1] != '/') slash--;
    if (slash > 0) return num(str_sub(cr, slash, cr.len - slash));
    return num(wire_resp_get_header(&r->resp, "Content-Length"));
}

/* AWS: Signature Version and Authentication Type — SigV2/SigV4 and
 * AuthHeader/QueryString; "-" for an unauthenticated request. */
static void signature(req_t *r, str_t *version, str_t *type)
{
    *version = *type = STR_NULL;
    if (r->who.anonymous || !r->who.arn.len) return;
    str_t auth = wire_header(&r->w, "authorization");
    if (auth.p) {
        *version = str_starts_with(auth, STR("AWS4-")) ? STR("SigV4") : STR("SigV2");
        *type = STR("AuthHeader");
    } else {
        *version = wire_query_param(&r->w, r->arena, "X-Amz-Signature").p ? STR("SigV4") : STR("SigV2");
        *type = STR("QueryString");
    }
}

/* One record for r, bucket owned by owner, into b (newline-terminated).
 * AWS's fields in order; "-" where one is unknown or does not apply
 * (gureum serves plain HTTP: no cipher suite or TLS version; no access
 * points; aclRequired is not tracked). */
static void record(req_t *r, buf_t *b, str_t bucket, str_t owner, int64_t received_us)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    arena_t *a = r->arena;
    struct tm tm;
    time_split(received_us / 1000000, &tm);
    str_t op = r->op ? str_c(r->op->name) : r->op_name;
    buf_put_str(b, s3__owner_id(a, owner));
    field(b, bucket);
    buf_printf(b, " [%02d/%s/%04d:%02d:%02d:%02d +0000]", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
               tm.tm_min, tm.tm_sec);
    field(b, str_c(r->w.peer_ip ? r->w.peer_ip : ""));
    field(b, r->who.anonymous ? STR_NULL : r->who.arn);
    field(b, str_c(r->id));
    field(b, operation(r));
    str_t key = r->in ? val_get_str(r->in, "Key") : STR_NULL;
    field(b, key.len ? wire_url_encode(a, key, true) : STR_NULL);
    buf_putc(b, ' ');
    quoted(b, str_c(arena_printf(a, "%.*s %.*s%s%.*s HTTP/1.1", STR_FMT(r->w.method), STR_FMT(r->w.path),
                                 r->w.query.len ? "?" : "", STR_FMT(r->w.query))));
    buf_printf(b, " %d", r->resp.status);
    field(b, r->err && r->resp.status >= 300 ? str_c(r->err->code) : STR_NULL);
    number(b, (long long)(r->resp.fd >= 0 || r->resp.src ? r->resp.len : r->resp.body.len));
    number(b, object_size(r, op));
    long long ms = (long long)((time_mono_us() - r->start_us) / 1000);
    buf_printf(b, " %lld %lld ", ms, ms); /* total and turn-around time: gureum answers once it has the whole request */
    quoted(b, wire_header(&r->w, "referer"));
    buf_putc(b, ' ');
    quoted(b, wire_header(&r->w, "user-agent"));
    field(b, r->in ? val_get_str(r->in, "VersionId") : STR_NULL);
    field(b, wire_resp_get_header(&r->resp, "x-amz-id-2"));
    str_t sv, at;
    signature(r, &sv, &at);
    field(b, sv);
    field(b, STR_NULL); /* cipher suite */
    field(b, at);
    field(b, r->w.host);
    field(b, STR_NULL); /* TLS version */
    field(b, STR_NULL); /* access point ARN */
    field(b, STR_NULL); /* aclRequired */
    buf_putc(b, '\n');
}

static source_t *find(str_t bucket)
{
    for (size_t i = 0; i < S.n; i++)
        if (str_eq_c(bucket, S.v[i].bucket)) return &S.v[i];
    return NULL;
}

void s3_access_logged(req_t *r)
{
    str_t bucket = r->in ? val_get_str(r->in, "Bucket") : STR_NULL;
    if (!bucket.len || r->internal) return;
    s3__reqmetrics_count(r, bucket); /* reqmetrics.c: request metrics, for buckets that configure them */
    if (!atomic_load(&S.any) && atomic_load(&S.loaded) == atomic_load(&S.gen)) return; /* nothing logs */
    int64_t received_us = time_now_us() - (time_mono_us() - r->start_us);
    pthread_mutex_lock(&S.mu);
    if (S.loaded != atomic_load(&S.gen)) {
        sqlite3 *db = s3__db(r);
        if (db) reload(db);
    }
    source_t *s = find(bucket);
    str_t owner = s ? arena_str(r->arena, str_c(s->owner)) : STR_NULL;
    pthread_mutex_unlock(&S.mu);
    if (!s) return;
    buf_t b;
    buf_init(&b, r->arena);
    record(r, &b, bucket, owner, received_us);
    str_t line = buf_str(&b);
    if (b.failed || !line.len) return;
    pthread_mutex_lock(&S.mu);
    if ((s = find(bucket)) && s->len + line.len <= MAX_BUFFERED) { /* the table may have been read again meanwhile */
        if (s->len + line.len > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            while (cap < s->len + line.len) cap *= 2;
            char *p = realloc(s->lines, cap);
            if (p) s->lines = p, s->cap = cap;
        }
        if (s->len + line.len <= s->cap) {
            if (!s->len) s->first_us = received_us;
            memcpy(s->lines + s->len, line.p, line.len);
            s->len += line.len;
        }
    }
    pthread_mutex_unlock(&S.mu);
}

/* ==== delivery ==== */

/* One buffer taken out for delivery (its strings are copies). */
typedef struct {
    str_t bucket, owner, region, target, prefix, grants_json, lines;
    bool partitioned, event_time;
    int64_t first_us;
} batch_t;

/* AWS ("Log object key format"): SimplePrefix
 *   [TargetPrefix]YYYY-mm-DD-HH-MM-SS-UniqueString
 * PartitionedPrefix
 *   [TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/YYYY/MM/DD/YYYY-MM-DD-HH-MM-SS-UniqueString
 * dated by the delivery, or (PartitionDateSource EventTime, the default)
 * by the day of the records' events with the time of day 00-00-00 (the
 * model's PartitionedPrefix documentation); a batch is dated by its first
 * record. */
static str_t log_key(arena_t *a, const batch_t *d, int64_t now_us)
{
    char uniq[17];
    id_random_chars(uniq, 16, "0123456789ABCDEF");
    uniq[16] = 0;
    struct tm t;
    bool by_event = d->partitioned && d->event_time;
    time_split((by_event ? d->first_us : now_us) / 1000000, &t);
    if (by_event) t.tm_hour = t.tm_min = t.tm_sec = 0;
    char stamp[64];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02d-%02d-%02d-%02d-%s", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
             t.tm_hour, t.tm_min, t.tm_sec, uniq);
    if (!d->partitioned) return str_c(arena_printf(a, "%.*s%s", STR_FMT(d->prefix), stamp));
    return str_c(arena_printf(a, "%.*s%.*s/%.*s/%.*s/%04d/%02d/%02d/%s", STR_FMT(d->prefix), STR_FMT(d->owner),
                              STR_FMT(d->region), STR_FMT(d->bucket), t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                              stamp));
}

/* AWS: the target bucket's owner has FULL_CONTROL of a log object, and the
 * configuration's TargetGrants are granted on it too. */
static void grant(req_t *r, sqlite3 *db, const batch_t *d, str_t key, str_t target_owner)
{
    val_t *grants = d->grants_json.len ? s3_val_from_json(r->arena, d->grants_json) : NULL;
    if (!grants || grants->kind != VAL_LIST || !grants->u.list.n) return;
    arena_t *a = r->arena;
    val_t *owner = s3__owner_of(r, target_owner), *acl = val_new(a, VAL_STRUCT), *all = val_new(a, VAL_LIST);
    val_t *own = val_new(a, VAL_STRUCT), *ge = val_new(a, VAL_STRUCT);
    val_set_c(a, ge, "Type", val_str(a, STR("CanonicalUser")));
    val_set_c(a, ge, "ID", val_str(a, val_get_str(owner, "ID")));
    val_set_c(a, own, "Grantee", ge);
    val_set_c(a, own, "Permission", val_str(a, STR("FULL_CONTROL")));
    val_push(a, all, own);
    for (size_t i = 0; i < grants->u.list.n; i++) val_push(a, all, grants->u.list.v[i]);
    val_set_c(a, acl, "Owner", owner);
    val_set_c(a, acl, "Grants", all);
    if (s3_obj_acl_put(r, db, d->target, key, acl) != GR_OK)
        log_warn("s3: access log %.*s/%.*s: its TargetGrants were not stored", STR_FMT(d->target), STR_FMT(key));
}

/* Writes one batch into its target, or drops it (logged) when the target
 * is gone, has another owner now, or does not let the service write. */
static void deliver(app_t *app, const batch_t *d, int64_t now_us)
{
    req_t *r = s3__owner_req(app, d->owner, d->region);
    if (!r) return;
    sqlite3 *db = s3__db(r);
    str_t target_owner = STR_NULL, key = log_key(r->arena, d, now_us);
    const char *why = NULL, *code = NULL, *msg = NULL;
    if (!db || s3_bucket_owner(r, db, d->target, &target_owner, NULL) != 1)
        why = "the target bucket does not exist";
    else if (!str_eq(target_owner, d->owner))
        why = "the target bucket has another owner";
    else if (!s3__log_delivery_allowed(r, db, d->target, key, d->bucket, d->owner))
        why = "the target bucket does not let logging.s3.amazonaws.com write";
    else if (s3_write_object(r, d->target, key, d->lines, "text/plain", &code, &msg) != GR_OK)
        why = code ? code : "the write failed";
    else
        grant(r, db, d, key, target_owner);
    if (why)
        log_warn("s3: access logs of bucket %.*s for %.*s dropped: %s", STR_FMT(d->bucket), STR_FMT(d->target), why);
    arena_free(r->arena);
}

/* Takes every non-empty buffer out (under S.mu) and delivers each. */
static void deliver_all(app_t *app, int64_t now_us)
{
    pthread_mutex_lock(&S.mu);
    if (S.loaded != atomic_load(&S.gen)) {
        sqlite3 *db = store_db(app->store, &schema_s3);
        if (db) reload(db);
    }
    size_t n = 0;
    for (size_t i = 0; i < S.n; i++) n += S.v[i].len > 0;
    arena_t *a = n ? arena_new(1u << 20) : NULL;
    batch_t *v = a ? ARENA_NEWN(a, batch_t, n) : NULL;
    char **free_later = v ? calloc(n, sizeof *free_later) : NULL;
    size_t k = 0;
    for (size_t i = 0; free_later && i < S.n; i++) {
        source_t *s = &S.v[i];
        if (!s->len) continue;
        v[k] = (batch_t){.bucket = arena_str(a, str_c(s->bucket)),
                         .owner = arena_str(a, str_c(s->owner)),
                         .region = arena_str(a, str_c(s->region)),
                         .target = arena_str(a, str_c(s->target)),
                         .prefix = arena_str(a, str_c(s->prefix)),
                         .grants_json = arena_str(a, str_c(s->grants_json)),
                         .lines = str_n(s->lines, s->len),
                         .partitioned = s->partitioned,
                         .event_time = s->event_time,
                         .first_us = s->first_us};
        free_later[k++] = s->lines;
        s->lines = NULL, s->len = s->cap = 0;
    }
    S.delivered_us = now_us;
    pthread_mutex_unlock(&S.mu);
    for (size_t i = 0; i < k; i++) {
        deliver(app, &v[i], now_us);
        free(free_later[i]);
    }
    free(free_later);
    if (a) arena_free(a);
}

void s3__serverlog_tick(app_t *app)
{
    int64_t now = time_now_us(), every = (int64_t)app->cfg->s3_log_delivery_s * 1000000;
    pthread_mutex_lock(&S.mu);
    bool first = !S.delivered_us; /* the first round is a period after the start */
    if (first) S.delivered_us = now;
    bool due = !first && (now - S.delivered_us >= every || now < S.delivered_us);
    pthread_mutex_unlock(&S.mu);
    if (due) deliver_all(app, now);
}

/* The stop hook: what is buffered is delivered now, then the table goes. */
void s3_stop(app_t *app)
{
    deliver_all(app, time_now_us());
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < S.n; i++) source_free(&S.v[i]);
    free(S.v);
    S.v = NULL, S.n = 0, S.delivered_us = 0;
    atomic_store(&S.any, false);
    atomic_store(&S.loaded, 0);
    pthread_mutex_unlock(&S.mu);
}
