/* lifecycle.c — the runner that carries out bucket lifecycle configurations
 * (stored by bucket_config.c): Expiration by Days or Date, filtered by
 * prefix, tags and object size, NoncurrentVersionExpiration and
 * ExpiredObjectDeleteMarker, and AbortIncompleteMultipartUpload.
 *
 * Where it runs: on the background ticker (services/ticker.h) through s3_tick,
 * once a minute (a quarter of a scaled test day), whether or not anyone
 * calls S3, as AWS's own asynchronous lifecycle does. A run deletes at most
 * RUN_BUDGET objects, versions or uploads; when it has used them all, the
 * next tick (100 ms later) goes on, so a large backlog goes in batches, never
 * one long pause. Only when no ticker runs (in-process test harnesses) does
 * a bucket access (s3_access_check → s3_lifecycle_tick) run it instead.
 * Objects and uploads are listed and removed through the object path's own
 * operations (ListObjectsV2, DeleteObject, ListMultipartUploads,
 * AbortMultipartUpload) acting as the bucket owner, so this file never
 * touches the object tables.
 * Each run also writes the inventory reports that are due (inventory.c).
 * It also tells the object path which rule will expire an object
 * (s3__lifecycle_expiration, the x-amz-expiration header), with the same
 * filters and dates the runner uses.
 * GUREUM_TESTING builds read GUREUM_S3_LIFECYCLE_DAY_SECONDS: a day lasts
 * that many seconds, so tests can watch a 1-day rule work. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/log.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/ownreq.h"
#include "services/s3/s3.h"
#include "services/ticker.h"

#define DAY_US (86400LL * 1000000)
#define PERIOD_US (60LL * 1000000) /* how often the runner looks, normally */
#define RUN_BUDGET 500             /* deletions and aborts per run */

int64_t s3__day_us(void)
{
#ifdef GUREUM_TESTING
    const char *v = getenv("GUREUM_S3_LIFECYCLE_DAY_SECONDS");
    if (v && atoll(v) > 0) return atoll(v) * 1000000;
#endif
    return DAY_US;
}

/* AWS: an object expires at midnight UTC after its age reaches Days
 * ("Lifecycle rules: based on an object's age"); with scaled test days,
 * simply at creation + Days. */
int64_t s3__days_after(int64_t created_us, int64_t days)
{
    int64_t d = s3__day_us();
    if (d != DAY_US) return created_us + days * d;
    return (created_us / DAY_US + days + 1) * DAY_US;
}

typedef struct {
    str_t prefix;
    int64_t size_gt, size_lt; /* -1: none */
    const val_t *tags;        /* list of {Key, Value} the object must carry, or NULL */
} filter_t;

static filter_t filter_of(const val_t *rule)
{
    filter_t f = {.prefix = val_get_str(rule, "Prefix"), .size_gt = -1, .size_lt = -1};
    const val_t *fl = val_get(rule, "Filter");
    if (!fl) return f;
    const val_t *both = val_get(fl, "And");
    const val_t *src = both ? both : fl;
    if (val_get_str(src, "Prefix").p) f.prefix = val_get_str(src, "Prefix");
    f.size_gt = val_get_int(src, "ObjectSizeGreaterThan", -1);
    f.size_lt = val_get_int(src, "ObjectSizeLessThan", -1);
    if (both && val_len(val_get(both, "Tags"))) {
        f.tags = val_get(both, "Tags");
    } else if (val_get(fl, "Tag")) {
        static _Thread_local val_t one, *item;
        item = val_get(fl, "Tag");
        one = (val_t){.kind = VAL_LIST};
        one.u.list.v = &item;
        one.u.list.n = one.u.list.cap = 1;
        f.tags = &one;
    }
    return f;
}

/* Whether a tag set ([{Key, Value}]) has every tag of the filter. */
static bool tags_match(const filter_t *f, const val_t *have)
{
    for (size_t i = 0; f->tags && i < f->tags->u.list.n; i++) {
        const val_t *t = f->tags->u.list.v[i];
        bool found = false;
        for (size_t k = 0; have && have->kind == VAL_LIST && k < have->u.list.n && !found; k++)
            found = str_eq(val_get_str(have->u.list.v[k], "Key"), val_get_str(t, "Key")) &&
                    str_eq(val_get_str(have->u.list.v[k], "Value"), val_get_str(t, "Value"));
        if (!found) return false;
    }
    return true;
}

/* Whether the object carries every tag of the filter (GetObjectTagging). */
static bool tags_ok(req_t *r, const filter_t *f, str_t bucket, const val_t *key)
{
    if (!f->tags) return true;
    arena_t *a = r->arena;
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "Bucket", val_str(a, bucket));
    val_set_c(a, in, "Key", (val_t *)key);
    r->in = in;
    if (s3_get_object_tagging(r, in, out) != GR_OK) {
        r->err = NULL;
        return false;
    }
    return tags_match(f, val_get(out, "TagSet"));
}

static bool size_ok(const filter_t *f, int64_t size)
{
    if (f->size_gt >= 0 && size <= f->size_gt) return false;
    if (f->size_lt >= 0 && size >= f->size_lt) return false;
    return true;
}

bool s3__rule_matches(req_t *r, const val_t *rule, str_t key, const s3_obj_t *o, const val_t **have)
{
    filter_t f = filter_of(rule);
    if (!str_starts_with(key, f.prefix) || !size_ok(&f, o->size)) return false;
    if (!f.tags) return true;
    if (!*have) *have = s3__tags_set(r, o->tags);
    return tags_match(&f, *have);
}

/* A request of the bucket owner's root, for calling S3's own operations. */
req_t *s3__owner_req(app_t *app, str_t account, str_t region)
{
    return ownreq_new(app, account, region, "lifecycle-runner");
}

/* What a pass over a bucket's current objects does with each one that the
 * rule's filter admits (its size; tags are checked by the visitor, after
 * the cheaper tests). */
typedef void (*visit_fn)(req_t *r, str_t bucket, const filter_t *f, const val_t *o, int64_t modified, void *ctx,
                         int *budget);

/* Pages through the rule's objects (ListObjectsV2 under its prefix) as the
 * bucket owner, calling visit for each, until the budget is spent. */
static void each_object(app_t *app, str_t bucket, str_t owner, str_t region, const filter_t *f, visit_fn visit,
                        void *ctx, int *budget)
{
    arena_t *outer = arena_new(1u << 20); /* the continuation token between pages */
    if (!outer) return;
    str_t token = STR_NULL;
    do {
        req_t *r = s3__owner_req(app, owner, region);
        if (!r) break;
        arena_t *a = r->arena;
        val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
        val_set_c(a, in, "Bucket", val_str(a, bucket));
        if (f->prefix.len) val_set_c(a, in, "Prefix", val_str(a, f->prefix));
        if (token.p) val_set_c(a, in, "ContinuationToken", val_str(a, token));
        token = STR_NULL;
        if (s3_list_objects_v2(r, in, out) == GR_OK) {
            const val_t *c = val_get(out, "Contents");
            for (size_t i = 0; c && c->kind == VAL_LIST && *budget > 0 && i < c->u.list.n; i++) {
                const val_t *o = c->u.list.v[i], *lm = val_get(o, "LastModified");
                if (lm && lm->kind == VAL_TIME && size_ok(f, val_get_int(o, "Size", 0)))
                    visit(r, bucket, f, o, lm->u.t, ctx, budget);
            }
            if (*budget > 0 && val_get_bool(out, "IsTruncated", false))
                token = arena_str(outer, val_get_str(out, "NextContinuationToken"));
        }
        arena_free(a);
    } while (token.p);
    arena_free(outer);
}

typedef struct {
    int64_t days, now;
} expire_t;

static void expire_one(req_t *r, str_t bucket, const filter_t *f, const val_t *o, int64_t modified, void *ctx,
                       int *budget)
{
    const expire_t *x = ctx;
    if (x->days > 0 && s3__days_after(modified, x->days) > x->now) return;
    if (!tags_ok(r, f, bucket, val_get(o, "Key"))) return;
    arena_t *a = r->arena;
    val_t *din = val_new(a, VAL_STRUCT);
    val_set_c(a, din, "Bucket", val_str(a, bucket));
    val_set_c(a, din, "Key", val_get(o, "Key"));
    r->in = din;
    (*budget)--;
    if (s3_delete_object(r, din, val_new(a, VAL_STRUCT)) != GR_OK)
        log_warn("s3 lifecycle: %.*s/%.*s not expired", STR_FMT(bucket), STR_FMT(val_get_str(o, "Key")));
}

static void expire_objects(app_t *app, str_t bucket, str_t owner, str_t region, const val_t *rule, int64_t now,
                           int *budget)
{
    const val_t *exp = val_get(rule, "Expiration");
    if (!exp) return;
    int64_t days = val_get_int(exp, "Days", 0);
    const val_t *date = val_get(exp, "Date");
    if (days <= 0 && !(date && date->kind == VAL_TIME)) return;
    if (!days && date->u.t > now) return;
    filter_t f = filter_of(rule);
    expire_t x = {days, now};
    each_object(app, bucket, owner, region, &f, expire_one, &x, budget);
}

/* Storage classes from warmest to coldest: a transition only ever moves an
 * object colder (AWS's "waterfall"). */
static int coldness(str_t sc)
{
    static const char *const order[] = {"STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR",
                                        "GLACIER",  "DEEP_ARCHIVE"};
    for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
        if (str_eq_c(sc, order[i])) return i;
    return 0;
}

typedef struct {
    const val_t *transitions;
    int64_t now;
} transit_t;

static void transition_one(req_t *r, str_t bucket, const filter_t *f, const val_t *o, int64_t modified, void *ctx,
                           int *budget)
{
    const transit_t *x = ctx;
    const val_t *ts = x->transitions;
    str_t to = STR_NULL, cur = val_get_str(o, "StorageClass");
    for (size_t k = 0; k < ts->u.list.n; k++) {
        const val_t *t = ts->u.list.v[k], *date = val_get(t, "Date");
        int64_t days = val_get_int(t, "Days", -1);
        bool is_due = days >= 0 ? s3__days_after(modified, days) <= x->now
                                : date && date->kind == VAL_TIME && date->u.t <= x->now;
        str_t sc = val_get_str(t, "StorageClass");
        if (is_due && coldness(sc) > coldness(to.p ? to : cur)) to = sc;
    }
    if (!to.p || !tags_ok(r, f, bucket, val_get(o, "Key"))) return;
    (*budget)--;
    sqlite3 *db = s3__db(r);
    if (!db || s3__set_class(db, bucket, val_get_str(o, "Key"), NULL, modified, to) != GR_OK)
        log_warn("s3 lifecycle: %.*s/%.*s not moved to %.*s", STR_FMT(bucket), STR_FMT(val_get_str(o, "Key")),
                 STR_FMT(to));
}

/* Transitions (Days or Date → StorageClass) of current versions: an object
 * whose age reached a transition's Days moves to the coldest such class, in
 * place (its bytes, ETag and modification time stay; an archived class makes
 * it unreadable until restored: restore.c). */
static void transition_objects(app_t *app, str_t bucket, str_t owner, str_t region, const val_t *rule, int64_t now,
                               int *budget)
{
    const val_t *ts = val_get(rule, "Transitions");
    if (!ts || ts->kind != VAL_LIST || !ts->u.list.n) return;
    filter_t f = filter_of(rule);
    transit_t x = {ts, now};
    each_object(app, bucket, owner, region, &f, transition_one, &x, budget);
}

static void abort_uploads(app_t *app, str_t bucket, str_t owner, str_t region, const val_t *rule, int64_t now,
                          int *budget)
{
    const val_t *ab = val_get(rule, "AbortIncompleteMultipartUpload");
    int64_t days = ab ? val_get_int(ab, "DaysAfterInitiation", 0) : 0;
    if (days <= 0) return;
    filter_t f = filter_of(rule);
    req_t *r = s3__owner_req(app, owner, region);
    if (!r) return;
    arena_t *a = r->arena;
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "Bucket", val_str(a, bucket));
    if (f.prefix.len) val_set_c(a, in, "Prefix", val_str(a, f.prefix));
    if (s3_list_multipart_uploads(r, in, out) == GR_OK) {
        const val_t *u = val_get(out, "Uploads");
        for (size_t i = 0; u && u->kind == VAL_LIST && *budget > 0 && i < u->u.list.n; i++) {
            const val_t *x = u->u.list.v[i], *init = val_get(x, "Initiated");
            if (!init || init->kind != VAL_TIME || s3__days_after(init->u.t, days) > now) continue;
            val_t *ain = val_new(a, VAL_STRUCT);
            val_set_c(a, ain, "Bucket", val_str(a, bucket));
            val_set_c(a, ain, "Key", val_get(x, "Key"));
            val_set_c(a, ain, "UploadId", val_get(x, "UploadId"));
            r->in = ain;
            (*budget)--;
            if (s3_abort_multipart_upload(r, ain, val_new(a, VAL_STRUCT)) != GR_OK)
                log_warn("s3 lifecycle: an upload of %.*s not aborted", STR_FMT(bucket));
        }
    }
    arena_free(a);
}

typedef struct {
    const val_t *key, *vid;
    str_t storage_class;
    int64_t modified;
    bool latest, marker;
} ver_t;

static int ver_cmp(const void *x, const void *y)
{
    const ver_t *a = x, *b = y;
    int c = str_cmp(a->key->u.s, b->key->u.s);
    if (c) return c;
    if (a->latest != b->latest) return a->latest ? -1 : 1;
    return a->modified > b->modified ? -1 : a->modified < b->modified;
}

/* NoncurrentVersionTransitions: a noncurrent version (since `since`, its
 * successor's LastModified; `newer` noncurrent versions are newer than it)
 * moves to the coldest class whose NoncurrentDays have passed and whose
 * NewerNoncurrentVersions it is beyond. */
static void transition_version(req_t *r, str_t bucket, const val_t *nvt, const ver_t *v, int64_t since, size_t newer,
                               int64_t now, int *budget)
{
    str_t to = STR_NULL;
    for (size_t t = 0; t < nvt->u.list.n; t++) {
        const val_t *x = nvt->u.list.v[t];
        str_t sc = val_get_str(x, "StorageClass");
        if ((int64_t)newer >= val_get_int(x, "NewerNoncurrentVersions", 0) &&
            s3__days_after(since, val_get_int(x, "NoncurrentDays", 0)) <= now &&
            coldness(sc) > coldness(to.p ? to : v->storage_class))
            to = sc;
    }
    if (!to.p) return;
    (*budget)--;
    str_t vid = str_eq_c(v->vid->u.s, "null") ? STR_NULL : v->vid->u.s;
    sqlite3 *db = s3__db(r);
    if (!db || s3__set_class(db, bucket, v->key->u.s, &vid, 0, to) != GR_OK)
        log_warn("s3 lifecycle: a version of %.*s/%.*s not moved to %.*s", STR_FMT(bucket), STR_FMT(v->key->u.s),
                 STR_FMT(to));
}

/* NoncurrentVersionExpiration (NoncurrentDays counted from when a version
 * stopped being current, i.e. its successor's LastModified; the newest
 * NewerNoncurrentVersions are kept) and ExpiredObjectDeleteMarker, through
 * ListObjectVersions and DeleteObject with a VersionId. */
static void expire_versions(app_t *app, str_t bucket, str_t owner, str_t region, const val_t *rule, int64_t now,
                            int *budget)
{
    const val_t *nve = val_get(rule, "NoncurrentVersionExpiration"), *exp = val_get(rule, "Expiration");
    bool markers = exp && val_get_bool(exp, "ExpiredObjectDeleteMarker", false);
    int64_t days = nve ? val_get_int(nve, "NoncurrentDays", 0) : 0,
            keep = nve ? val_get_int(nve, "NewerNoncurrentVersions", 0) : 0;
    const val_t *nvt = val_get(rule, "NoncurrentVersionTransitions");
    if (nvt && (nvt->kind != VAL_LIST || !nvt->u.list.n)) nvt = NULL;
    if (days <= 0 && !markers && !nvt) return;
    filter_t f = filter_of(rule);
    req_t *r = s3__owner_req(app, owner, region);
    if (!r) return;
    arena_t *a = r->arena;
    size_t n = 0, cap = 64;
    ver_t *v = ARENA_NEWN(a, ver_t, cap);
    val_t *in = val_new(a, VAL_STRUCT);
    val_set_c(a, in, "Bucket", val_str(a, bucket));
    if (f.prefix.len) val_set_c(a, in, "Prefix", val_str(a, f.prefix));
    for (int page = 0; v && page < 100; page++) {
        val_t *out = val_new(a, VAL_STRUCT);
        r->in = in;
        if (s3_list_object_versions(r, in, out) != GR_OK) break;
        static const char *const lists[] = {"Versions", "DeleteMarkers"};
        for (int l = 0; l < 2; l++) {
            const val_t *xs = val_get(out, lists[l]);
            for (size_t i = 0; xs && xs->kind == VAL_LIST && i < xs->u.list.n && v; i++) {
                const val_t *x = xs->u.list.v[i], *lm = val_get(x, "LastModified");
                if (n == cap) {
                    v = arena_realloc(a, v, cap * sizeof *v, 2 * cap * sizeof *v);
                    cap *= 2;
                    if (!v) break;
                }
                v[n++] = (ver_t){val_get(x, "Key"),
                                 val_get(x, "VersionId"),
                                 val_get_str(x, "StorageClass"),
                                 lm && lm->kind == VAL_TIME ? lm->u.t : 0,
                                 val_get_bool(x, "IsLatest", false),
                                 l == 1};
            }
        }
        if (!val_get_bool(out, "IsTruncated", false)) break;
        in = val_new(a, VAL_STRUCT);
        val_set_c(a, in, "Bucket", val_str(a, bucket));
        if (f.prefix.len) val_set_c(a, in, "Prefix", val_str(a, f.prefix));
        val_set_c(a, in, "KeyMarker", val_get(out, "NextKeyMarker"));
        val_set_c(a, in, "VersionIdMarker", val_get(out, "NextVersionIdMarker"));
    }
    if (v) qsort(v, n, sizeof *v, ver_cmp);
    for (size_t i = 0; v && *budget > 0 && i < n;) {
        size_t j = i;
        while (j < n && str_eq(v[j].key->u.s, v[i].key->u.s)) j++;
        for (size_t k = i; k < j; k++) {
            bool drop = false;
            if (k > i && days > 0 && (int64_t)(k - i - 1) >= keep && s3__days_after(v[k - 1].modified, days) <= now)
                drop = true;
            /* a delete marker left alone, with no versions behind it */
            if (k == i && markers && v[k].marker && v[k].latest && j - i == 1) drop = true;
            if (!drop && k > i && nvt && !v[k].marker && v[k].vid) {
                transition_version(r, bucket, nvt, &v[k], v[k - 1].modified, k - i - 1, now, budget);
                continue;
            }
            if (!drop || !v[k].vid) continue;
            val_t *din = val_new(a, VAL_STRUCT);
            val_set_c(a, din, "Bucket", val_str(a, bucket));
            val_set_c(a, din, "Key", (val_t *)v[k].key);
            val_set_c(a, din, "VersionId", (val_t *)v[k].vid);
            r->in = din;
            (*budget)--;
            if (s3_delete_object(r, din, val_new(a, VAL_STRUCT)) != GR_OK) {
                r->err = NULL;
                log_warn("s3 lifecycle: a version of %.*s/%.*s not expired", STR_FMT(bucket), STR_FMT(v[k].key->u.s));
            }
        }
        i = j;
    }
    arena_free(a);
}

/* AWS: PutObject, CopyObject, GetObject and HeadObject name the expiration
 * rule that applies to the object in x-amz-expiration: expiry-date="<RFC 1123
 * date>", rule-id="<ID>" ("Lifecycle: expiration", S3 API reference). Among
 * several enabled rules that match (prefix, size, tags), the earliest
 * expiration is the one reported. */
str_t s3__lifecycle_expiration(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o)
{
    val_t *doc = NULL;
    if (!db || s3_cfg_get(r, db, bucket, "lifecycle", &doc) <= 0 || !doc) return STR_NULL;
    const val_t *rules = val_get(doc, "Rules"), *have = NULL;
    int64_t best = 0;
    str_t best_id = STR_NULL;
    bool any = false;
    for (size_t k = 0; rules && rules->kind == VAL_LIST && k < rules->u.list.n; k++) {
        const val_t *rule = rules->u.list.v[k], *exp = val_get(rule, "Expiration");
        if (!exp || !str_eq_c(val_get_str(rule, "Status"), "Enabled")) continue;
        int64_t days = val_get_int(exp, "Days", 0), when;
        const val_t *date = val_get(exp, "Date");
        if (days > 0)
            when = s3__days_after(o->modified_us, days);
        else if (date && date->kind == VAL_TIME)
            when = date->u.t;
        else
            continue; /* ExpiredObjectDeleteMarker alone: nothing to report for an object */
        if (!s3__rule_matches(r, rule, key, o, &have)) continue;
        if (!any || when < best) best = when, best_id = val_get_str(rule, "ID"), any = true;
    }
    if (!any) return STR_NULL;
    char date[32];
    time_fmt_rfc822(date, best);
    return str_c(arena_printf(r->arena, "expiry-date=\"%s\", rule-id=\"%.*s\"", date, STR_FMT(best_id)));
}

static _Atomic int64_t last_run_us;
static _Thread_local bool running;

/* One run over every bucket with a lifecycle configuration, until *budget
 * deletions are used up. */
static void run(app_t *app, int64_t now, int *budget)
{
    if (running) return;
    running = true;
    arena_t *a = arena_new(4u << 20);
    sqlite3 *db = store_db(app->store, &schema_s3);
    sqlite3_stmt *st = NULL;
    if (!a || !db ||
        store_prepare(db,
                      "SELECT c.bucket, c.doc, b.account, b.region FROM s3_bucket_config c "
                      "JOIN s3_bucket b ON b.name = c.bucket WHERE c.kind = 'lifecycle'",
                      -1, &st, NULL) != SQLITE_OK) {
        if (a) arena_free(a);
        running = false;
        return;
    }
    typedef struct {
        str_t bucket, owner, region;
        val_t *doc;
    } job_t;
    size_t n = 0, cap = 16;
    job_t *jobs = ARENA_NEWN(a, job_t, cap);
    while (jobs && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            jobs = arena_realloc(a, jobs, cap * sizeof *jobs, cap * 2 * sizeof *jobs);
            cap *= 2;
            if (!jobs) break;
        }
        str_t col[4];
        for (int i = 0; i < 4; i++) {
            const char *p = (const char *)sqlite3_column_text(st, i);
            col[i] = arena_str(a, str_c(p ? p : ""));
        }
        jobs[n++] = (job_t){col[0], col[2], col[3], s3_val_from_json(a, col[1])};
    }
    store_release(st);
    for (size_t i = 0; jobs && *budget > 0 && i < n; i++) {
        const val_t *rules = jobs[i].doc ? val_get(jobs[i].doc, "Rules") : NULL;
        for (size_t k = 0; rules && rules->kind == VAL_LIST && *budget > 0 && k < rules->u.list.n; k++) {
            const val_t *rule = rules->u.list.v[k];
            if (!str_eq_c(val_get_str(rule, "Status"), "Enabled")) continue;
            expire_objects(app, jobs[i].bucket, jobs[i].owner, jobs[i].region, rule, now, budget);
            transition_objects(app, jobs[i].bucket, jobs[i].owner, jobs[i].region, rule, now, budget);
            abort_uploads(app, jobs[i].bucket, jobs[i].owner, jobs[i].region, rule, now, budget);
            expire_versions(app, jobs[i].bucket, jobs[i].owner, jobs[i].region, rule, now, budget);
        }
    }
    arena_free(a);
    s3__inventory_run(app, now); /* inventory.c: the reports that are due */
    running = false;
}

void s3_lifecycle_run(app_t *app, int64_t now)
{
    int budget = RUN_BUDGET;
    run(app, now, &budget);
}

static int64_t period_us(void)
{
    return s3__day_us() == DAY_US ? PERIOD_US : s3__day_us() / 4;
}

/* Claims the run for this period: true for exactly one caller. */
static bool due(int64_t now)
{
    int64_t seen = atomic_load(&last_run_us);
    if (now - seen < period_us() && now >= seen) return false;
    return atomic_compare_exchange_strong(&last_run_us, &seen, now);
}

void s3_lifecycle_tick(app_t *app)
{
    if (running || ticker_running()) return; /* the ticker does it, off the request path */
    int64_t now = time_now_us();
    if (due(now)) s3_lifecycle_run(app, now);
}

unsigned s3_tick(struct app *app)
{
    s3__serverlog_tick(app);       /* serverlog.c: server access logs, when a delivery is due */
    s3__storage_metrics_tick(app); /* metrics.c: the day's storage metrics, once a day */
    int64_t now = time_now_us();
    unsigned every = (unsigned)(period_us() / 1000);
    if (!due(now)) return every < 1000 ? every : 0;
    int budget = RUN_BUDGET;
    run(app, now, &budget);
    if (budget > 0) return every < 1000 ? every : 0;
    atomic_store(&last_run_us, 0); /* a backlog: the next tick goes on */
    return 100;
}
