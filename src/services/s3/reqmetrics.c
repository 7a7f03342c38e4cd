/* reqmetrics.c — S3's request metrics in CloudWatch (AWS/S3, BucketName +
 * FilterId), counted for buckets with a metrics configuration
 * (PutBucketMetricsConfiguration), as AWS publishes them only then.
 *
 * Request flow: the answered hook (s3_access_logged) calls
 * s3__reqmetrics_count for every S3 answer; while no bucket has a metrics
 * configuration it returns after two atomic loads. Otherwise the
 * configurations, read again whenever one changes (s3__reqmetrics_changed
 * bumps `gen`), are matched against the request's bucket and key, and each
 * matching one counts the request in memory (services/pubmetrics.h).
 * Filters: none (the entire bucket) and Prefix are matched; a Tag, And or
 * AccessPointArn filter counts nothing (object tags and access points are
 * not looked at on this path — not AWS's behaviour, noted in README). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "protocol/model.h"
#include "s3_internal.h"
#include "schemas.h"
#include "services/pubmetrics.h"
#include "store/store.h"

typedef struct {
    char *bucket, *id, *prefix, *account, *region; /* prefix NULL: every key */
} mcfg_t;

static struct {
    pthread_mutex_t mu;
    atomic_uint gen;    /* bumped by every change of a metrics configuration or bucket */
    atomic_uint loaded; /* the gen `v` was read at; 0: never */
    atomic_bool any;    /* n > 0 */
    mcfg_t *v;
    size_t n;
} M = {.mu = PTHREAD_MUTEX_INITIALIZER, .gen = 1};

void s3__reqmetrics_changed(void)
{
    atomic_fetch_add(&M.gen, 1);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? strdup(s) : NULL;
}

/* Reads the configurations again (under M.mu). */
static void reload(sqlite3 *db)
{
    unsigned gen = atomic_load(&M.gen);
    for (size_t i = 0; i < M.n; i++)
        free(M.v[i].bucket), free(M.v[i].id), free(M.v[i].prefix), free(M.v[i].account), free(M.v[i].region);
    free(M.v);
    M.v = NULL;
    M.n = 0;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT c.bucket, c.id, json_extract(c.doc, '$.Filter.Prefix'), b.account, b.region, "
                      "json_extract(c.doc, '$.Filter.Tag') IS NULL AND json_extract(c.doc, '$.Filter.And') IS NULL "
                      "AND json_extract(c.doc, '$.Filter.AccessPointArn') IS NULL FROM s3_bucket_config_id c "
                      "JOIN s3_bucket b ON b.name = c.bucket WHERE c.kind = 'metrics' ORDER BY c.bucket, c.id",
                      -1, &st, NULL) != SQLITE_OK)
        return; /* loaded stays behind: the next request tries again */
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!sqlite3_column_int(st, 5)) continue; /* a filter this path does not match */
        if (M.n == cap) {
            size_t nc = cap ? 2 * cap : 8;
            mcfg_t *v = realloc(M.v, nc * sizeof *v);
            if (!v) break;
            M.v = v, cap = nc;
        }
        mcfg_t *c = &M.v[M.n];
        *c = (mcfg_t){dup_col(st, 0), dup_col(st, 1), dup_col(st, 2), dup_col(st, 3), dup_col(st, 4)};
        if (!c->bucket || !c->id || !c->account || !c->region) {
            free(c->bucket), free(c->id), free(c->prefix), free(c->account), free(c->region);
            continue;
        }
        M.n++;
    }
    store_release(st);
    atomic_store(&M.any, M.n > 0);
    atomic_store(&M.loaded, gen);
}

/* AWS's request type of r for the *Requests metrics, or NULL for none of
 * them (the request still counts in AllRequests). */
static const char *request_type(const req_t *r, bool has_key)
{
    str_t m = r->w.method;
    const char *op = r->op ? r->op->name : "";
    if (str_eq_c(m, "GET")) return has_key ? "GetRequests" : strncmp(op, "List", 4) == 0 ? "ListRequests" : NULL;
    if (str_eq_c(m, "PUT")) return has_key ? "PutRequests" : NULL;
    if (str_eq_c(m, "DELETE")) return has_key ? "DeleteRequests" : NULL;
    if (str_eq_c(m, "HEAD")) return "HeadRequests";
    if (str_eq_c(m, "POST")) return strcmp(op, "SelectObjectContent") == 0 ? "SelectRequests" : "PostRequests";
    return NULL;
}

/* One request counted for configuration c. */
static void count(req_t *r, const mcfg_t *c, bool has_key)
{
    str_t acct = str_c(c->account), reg = str_c(c->region);
    pubm_dim_t d[2] = {{"BucketName", str_c(c->bucket)}, {"FilterId", str_c(c->id)}};
#define ADD(name, unit, v, keep) pubm_add(r->app, acct, reg, "AWS/S3", name, d, 2, unit, v, keep)
    int status = r->resp.status;
    ADD("AllRequests", "Count", 1, false);
    const char *type = request_type(r, has_key);
    if (type) ADD(type, "Count", 1, false);
    /* AWS: 4xxErrors and 5xxErrors are 0 or 1 per request (their Average is the error rate) */
    ADD("4xxErrors", "Count", status >= 400 && status < 500, false);
    ADD("5xxErrors", "Count", status >= 500, false);
    /* The time to the answer's first byte: this hook runs as the answer
     * is final and about to be sent. TotalRequestLatency adds the sending,
     * which this path does not see: both are published with this time. */
    double ms = (double)(time_mono_us() - r->start_us) / 1000.0;
    ADD("FirstByteLatency", "Milliseconds", ms, true);
    ADD("TotalRequestLatency", "Milliseconds", ms, true);
    str_t m = r->w.method;
    if (status < 300 && str_eq_c(m, "GET") && has_key) {
        str_t len = wire_resp_get_header(&r->resp, "Content-Length");
        if (len.len) ADD("BytesDownloaded", "Bytes", strtod(arena_str(r->arena, len).p, NULL), false);
    }
    if (status < 300 && (str_eq_c(m, "PUT") || str_eq_c(m, "POST")) && has_key) {
        str_t len = wire_header(&r->w, "Content-Length");
        if (len.len) ADD("BytesUploaded", "Bytes", strtod(arena_str(r->arena, len).p, NULL), false);
    }
#undef ADD
}

void s3__reqmetrics_count(req_t *r, str_t bucket)
{
    if (!atomic_load(&M.any) && atomic_load(&M.loaded) == atomic_load(&M.gen)) return; /* no configuration */
    str_t key = r->in ? val_get_str(r->in, "Key") : STR_NULL;
    pthread_mutex_lock(&M.mu);
    if (M.loaded != atomic_load(&M.gen)) {
        sqlite3 *db = s3__db(r);
        if (db) reload(db);
    }
    for (size_t i = 0; i < M.n; i++) {
        const mcfg_t *c = &M.v[i];
        if (!str_eq_c(bucket, c->bucket)) continue;
        if (c->prefix && !str_starts_with(key, str_c(c->prefix))) continue;
        count(r, c, key.len > 0);
    }
    pthread_mutex_unlock(&M.mu);
}
