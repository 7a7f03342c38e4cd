/* edge.c — the CloudFront edge: a request whose Host is
 * dXXXX.cloudfront.localhost (the distribution's domain name with
 * ".cloudfront.net" changed to ".cloudfront.localhost", or its id in place
 * of the domain label; route.c recognizes both) is answered as CloudFront
 * answers it — the cache behavior whose PathPattern matches (else the
 * default), its allowed methods, the origin it names — through an in-memory
 * cache.
 *
 * S3 origins (BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com,
 * BUCKET.s3-REGION.amazonaws.com, BUCKET.s3.localhost) are read from
 * gureum's own S3 through s3_origin_read, anonymously or, with an origin
 * access control, as the bucket policy lets cloudfront.amazonaws.com read
 * for this distribution. Custom origins are fetched over HTTP when their
 * host is on loopback (origin.c); any other is answered 502, as CloudFront
 * answers an origin it cannot reach, without a packet sent.
 *
 * The cache: per distribution, keyed by path (and the query string where
 * ForwardedValues.QueryString says it is part of the key); objects kept for
 * the behavior's TTLs (the origin's Cache-Control max-age clamped to
 * MinTTL..MaxTTL, else DefaultTTL), error answers for 10 s or their
 * CustomErrorResponse's ErrorCachingMinTTL; at most CACHE_MAX bytes and
 * MAX_ENTRIES entries in all, the least recently used dropped first; one
 * lock, a hash index for lookups. Invalidations drop entries at once. S3
 * website endpoint origins are answered by S3's website code (from_website),
 * so index and error documents and redirects behave as at that endpoint. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/gtime.h"
#include "core/gzip.h"
#include "core/id.h"
#include "protocol/proto.h"
#include "s3_model.h"
#include "services/app.h"
#include "services/cloudfront/cloudfront.h"
#include "services/s3/s3.h"

#define CACHE_MAX (64u << 20)  /* bytes of bodies cached, all distributions */
#define OBJECT_MAX (20u << 20) /* larger S3 objects are streamed from S3, not cached */

/* AWS (managed cache policies, CloudFront Developer Guide): CachingOptimized
 * keys on the path only, TTLs 1 s / 86400 s / 31536000 s; CachingDisabled
 * caches nothing. */
#define CACHING_DISABLED "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
#define CACHING_OPTIMIZED "658327ea-f89d-4fab-a63d-7e88639e58f6"

/* ==== The cache ==== */

typedef struct entry {
    struct entry *prev, *next; /* most recently used first */
    struct entry *hnext;       /* the next in its index slot */
    uint32_t hash;             /* of dist and key */
    char dist[16];
    char *key; /* path[?query], NUL-terminated */
    size_t key_len;
    char *body;
    size_t len;
    char *content_type, *etag, *last_modified, *cache_control, *server; /* "" when none */
    int status;
    bool error;
    int64_t stored_us, expires_us;
} entry_t;

#define SLOTS 4096            /* the index's chains: a lookup reads one */
#define MAX_ENTRIES (1 << 16) /* entries in all, whatever their size */

static struct {
    pthread_mutex_t mu;
    entry_t *head, *tail; /* every entry, most recently used first */
    entry_t *slot[SLOTS]; /* the same entries by hash of distribution and key */
    size_t bytes, n;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static uint32_t hash_of(const char *dist, str_t key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = dist; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (size_t i = 0; i < key.len; i++) h = (h ^ (unsigned char)key.p[i]) * 16777619u;
    return h;
}

/* The entry for dist and key, or NULL (under the lock). */
static entry_t *find(const char *dist, str_t key)
{
    uint32_t h = hash_of(dist, key);
    for (entry_t *e = cache.slot[h % SLOTS]; e; e = e->hnext)
        if (e->hash == h && !strcmp(e->dist, dist) && str_eq(str_n(e->key, e->key_len), key)) return e;
    return NULL;
}

static void unlink_entry(entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        cache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        cache.tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(entry_t *e)
{
    e->next = cache.head;
    e->prev = NULL;
    if (cache.head) cache.head->prev = e;
    cache.head = e;
    if (!cache.tail) cache.tail = e;
}

static void free_entry(entry_t *e)
{
    free(e->key);
    free(e->body);
    free(e->content_type);
    free(e->etag);
    free(e->last_modified);
    free(e->cache_control);
    free(e->server);
    free(e);
}

static void drop_entry(entry_t *e)
{
    unlink_entry(e);
    entry_t **pp = &cache.slot[e->hash % SLOTS];
    while (*pp != e) pp = &(*pp)->hnext;
    *pp = e->hnext;
    cache.n--;
    cache.bytes -= e->len;
    free_entry(e);
}

/* Whether cached key matches an invalidation path: equal to it, or, for a
 * path ending in '*', beginning with what precedes the '*' (AWS: the
 * wildcard stands for any characters, query strings included). */
static bool path_matches(str_t path, const char *key, size_t key_len)
{
    str_t k = str_n(key, key_len);
    if (path.len && path.p[path.len - 1] == '*') return str_starts_with(k, str_sub(path, 0, path.len - 1));
    return str_eq(k, path);
}

void cf__cache_invalidate(const char *dist_id, str_t path)
{
    pthread_mutex_lock(&cache.mu);
    for (entry_t *e = cache.head, *next; e; e = next) {
        next = e->next;
        if (!strcmp(e->dist, dist_id) && path_matches(path, e->key, e->key_len)) drop_entry(e);
    }
    pthread_mutex_unlock(&cache.mu);
}

void cf__cache_drop(const char *dist_id)
{
    cf__cache_invalidate(dist_id, STR("*"));
}

void cloudfront_stop(struct app *app)
{
    cf__origin_stop(app);
    pthread_mutex_lock(&cache.mu);
    while (cache.head) drop_entry(cache.head);
    pthread_mutex_unlock(&cache.mu);
}

bool cf__cache_get(req_t *r, const char *dist, str_t key, cf_hit_t *h)
{
    bool found = false;
    int64_t now = time_now_us();
    pthread_mutex_lock(&cache.mu);
    entry_t *e = find(dist, key);
    if (e && now >= e->expires_us) {
        drop_entry(e);
        e = NULL;
    }
    if (e) {
        arena_t *a = r->arena;
        h->body = arena_str(a, str_n(e->body ? e->body : "", e->len));
        h->content_type = str_c(arena_strdup(a, e->content_type));
        h->etag = str_c(arena_strdup(a, e->etag));
        h->last_modified = str_c(arena_strdup(a, e->last_modified));
        h->cache_control = str_c(arena_strdup(a, e->cache_control));
        h->server = str_c(arena_strdup(a, e->server));
        h->status = e->status;
        h->error = e->error;
        h->age_s = (now - e->stored_us) / 1000000;
        unlink_entry(e);
        push_front(e);
        found = true;
    }
    pthread_mutex_unlock(&cache.mu);
    return found;
}

void cf__cache_put(const char *dist, str_t key, const cf_hit_t *h, int64_t ttl_s)
{
    if (ttl_s <= 0 || h->body.len > OBJECT_MAX) return;
    entry_t *e = calloc(1, sizeof *e);
    if (!e) return;
    snprintf(e->dist, sizeof e->dist, "%s", dist);
    e->key = str_dup(key);
    e->key_len = key.len;
    e->body = h->body.len ? malloc(h->body.len) : NULL;
    e->len = h->body.len;
    e->content_type = str_dup(h->content_type);
    e->etag = str_dup(h->etag);
    e->last_modified = str_dup(h->last_modified);
    e->cache_control = str_dup(h->cache_control);
    e->server = str_dup(h->server);
    e->status = h->status;
    e->error = h->error;
    e->stored_us = time_now_us();
    e->expires_us = e->stored_us + ttl_s * 1000000;
    if (!e->key || (e->len && !e->body) || !e->content_type || !e->etag || !e->last_modified || !e->cache_control ||
        !e->server) {
        free_entry(e);
        return;
    }
    if (e->len) memcpy(e->body, h->body.p, e->len);
    pthread_mutex_lock(&cache.mu);
    entry_t *old = find(dist, key); /* a fresher copy replaces the old one */
    if (old) drop_entry(old);
    while ((cache.bytes + e->len > CACHE_MAX || cache.n >= MAX_ENTRIES) && cache.tail) drop_entry(cache.tail);
    push_front(e);
    e->hash = hash_of(dist, key);
    e->hnext = cache.slot[e->hash % SLOTS];
    cache.slot[e->hash % SLOTS] = e;
    cache.bytes += e->len;
    cache.n++;
    pthread_mutex_unlock(&cache.mu);
}

/* ==== Answers ==== */

/* AWS: CloudFront's own error page (the one its 403 and 502 answers carry).
 * Written here: it is the edge's HTML page, not an AWS API document, so no
 * protocol of the model describes it. */
int cf__error_page(req_t *r, int status, const char *what, const char *detail)
{
    arena_t *a = r->arena;
    wire_resp_init(&r->resp, a);
    r->resp.status = status;
    buf_t *b = &r->resp.body;
    buf_printf(b,
               "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" "
               "\"http://www.w3.org/TR/html4/loose.dtd\">\n<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" "
               "CONTENT=\"text/html; charset=iso-8859-1\">\n<TITLE>ERROR: The request could not be "
               "satisfied</TITLE>\n</HEAD><BODY>\n<H1>%d ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
               "<HR noshade size=\"1px\">\n%s\n%s\n<BR clear=\"all\">\nIf you provide content to customers through "
               "CloudFront, you can find steps to troubleshoot and help prevent this error by reviewing the "
               "CloudFront documentation.\n<BR clear=\"all\">\n<HR noshade size=\"1px\">\n<PRE>\nGenerated by "
               "cloudfront (CloudFront)\nRequest ID: %s\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>",
               status, what, detail, r->id);
    wire_resp_header(&r->resp, a, "Content-Type", STR("text/html"));
    wire_resp_header(&r->resp, a, "Server", STR("CloudFront"));
    return GR_OK;
}

/* The headers every edge answer carries: X-Cache, Via, X-Amz-Cf-Pop,
 * X-Amz-Cf-Id. AWS: Via names a 32-hex-digit edge host; X-Amz-Cf-Id is 56
 * characters of URL-safe base64 ending "=="; a POP is an airport code and
 * numbers ("ICN54-C1") — gureum's one edge calls itself LOC50-C1 (not
 * AWS's). */
void cf__edge_headers(req_t *r, const char *xcache)
{
    arena_t *a = r->arena;
    char via[33], cfid[57];
    id_random_chars(via, 32, "0123456789abcdef");
    id_random_chars(cfid, 54, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    memcpy(cfid + 54, "==", 3);
    wire_resp_header(&r->resp, a, "X-Cache", str_c(xcache));
    wire_resp_header(&r->resp, a, "Via", str_c(arena_printf(a, "1.1 %s.cloudfront.net (CloudFront)", via)));
    wire_resp_header(&r->resp, a, "X-Amz-Cf-Pop", STR("LOC50-C1"));
    wire_resp_header(&r->resp, a, "X-Amz-Cf-Id", str_c(arena_strdup(a, cfid)));
}

/* A viewer's Range of one byte range ("bytes=a-b", "bytes=a-",
 * "bytes=-n") over size bytes: 1 with [*from, *to], 0 none (or one that is
 * not a single byte range: the whole object), -1 not satisfiable. AWS:
 * CloudFront answers ranges from its cache as S3 does. */
static int range_of(str_t h, size_t size, size_t *from, size_t *to)
{
    if (!str_starts_with(h, STR("bytes=")) || str_index(h, ',') >= 0) return 0;
    str_t spec = str_sub(h, 6, h.len - 6), first;
    str_t last = str_cut(spec, '-', &first);
    if (first.len == spec.len) return 0; /* no '-' */
    long long a = -1, b = -1;
    if (first.len && !str_to_i64(first, &a)) return 0;
    if (last.len && !str_to_i64(last, &b)) return 0;
    if (a < 0 && b < 0) return 0;
    if (a < 0) { /* the last b bytes */
        if (b == 0 || size == 0) return -1;
        *from = (size_t)b >= size ? 0 : size - (size_t)b;
        *to = size - 1;
        return 1;
    }
    if ((size_t)a >= size || (b >= 0 && b < a)) return b >= 0 && b < a ? 0 : -1;
    *from = (size_t)a;
    *to = b < 0 || (size_t)b >= size ? size - 1 : (size_t)b;
    return 1;
}

/* AWS (CloudFront Developer Guide, "Serve compressed files"): with
 * Compress (or a cache policy that enables gzip, as CachingOptimized does)
 * and a viewer that accepts gzip, a whole 200 answer of 1,000 to
 * 10,000,000 bytes of a compressible type, not already encoded, is sent
 * gzip'd. */
static bool behavior_compresses(const val_t *b)
{
    return val_get_bool(b, "Compress", false) || str_eq_c(val_get_str(b, "CachePolicyId"), CACHING_OPTIMIZED);
}

static bool compressible(req_t *r, const cf_hit_t *h)
{
    if (!h->compress || h->body.len < 1000 || h->body.len > 10000000 || wire_header(&r->w, "range").p) return false;
    str_t ae = wire_header(&r->w, "accept-encoding");
    const char *accepts = ae.len ? arena_strndup(r->arena, ae.p, ae.len) : NULL;
    if (!accepts || !strstr(accepts, "gzip")) return false;
    str_t ct = h->content_type;
    static const char *const types[] = {"text/",           "application/javascript",   "application/json",
                                        "application/xml", "application/x-javascript", "application/xhtml+xml",
                                        "image/svg+xml",   "application/rss+xml",      "font/"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (str_starts_with(ct, str_c(types[i]))) return true;
    return false;
}

int cf__answer_object(req_t *r, const cf_hit_t *h, bool head, const char *xcache, bool age)
{
    arena_t *a = r->arena;
    wire_resp_init(&r->resp, a);
    r->resp.status = h->status ? h->status : 200;
    if (h->error) xcache = "Error from cloudfront";
    wire_resp_header(&r->resp, a, "Content-Type", h->content_type);
    if (h->etag.len) wire_resp_header(&r->resp, a, "ETag", h->etag);
    if (h->last_modified.len) wire_resp_header(&r->resp, a, "Last-Modified", h->last_modified);
    if (h->cache_control.len) wire_resp_header(&r->resp, a, "Cache-Control", h->cache_control);
    if (h->server.len) wire_resp_header(&r->resp, a, "Server", h->server);
    if (age) wire_resp_header(&r->resp, a, "Age", str_c(arena_printf(a, "%lld", (long long)h->age_s)));
    /* AWS: a viewer's If-None-Match naming the object's ETag gets 304 Not
     * Modified, without the body */
    str_t inm = wire_header(&r->w, "if-none-match");
    if (r->resp.status == 200 && inm.len && h->etag.len && (str_eq(inm, h->etag) || str_eq_c(inm, "*"))) {
        r->resp.status = 304;
        cf__edge_headers(r, xcache);
        return GR_OK;
    }
    str_t body = h->body;
    if (r->resp.status == 200 && compressible(r, h)) {
        str_t z = gzip_of(a, body);
        if (z.p) {
            body = z;
            wire_resp_header(&r->resp, a, "Content-Encoding", STR("gzip"));
            wire_resp_header(&r->resp, a, "Vary", STR("Accept-Encoding"));
        }
    } else if (r->resp.status == 200) {
        wire_resp_header(&r->resp, a, "Accept-Ranges", STR("bytes"));
        size_t from, to;
        int rg = range_of(wire_header(&r->w, "range"), body.len, &from, &to);
        if (rg < 0) { /* AWS (as S3 answers it): 416 with the size */
            r->resp.status = 416;
            wire_resp_header(&r->resp, a, "Content-Range", str_c(arena_printf(a, "bytes */%zu", body.len)));
            body = STR("");
        } else if (rg > 0) {
            r->resp.status = 206;
            wire_resp_header(&r->resp, a, "Content-Range",
                             str_c(arena_printf(a, "bytes %zu-%zu/%zu", from, to, body.len)));
            body = str_sub(body, from, to - from + 1);
        }
    }
    if (head)
        wire_resp_header(&r->resp, a, "Content-Length", str_c(arena_printf(a, "%zu", body.len)));
    else
        buf_append(&r->resp.body, body.p, body.len);
    cf__edge_headers(r, xcache);
    return GR_OK;
}

/* S3's XML error document as an answer to pass on (and cache): written by
 * the protocol layer with S3's model, as S3 itself answers it. */
static cf_hit_t s3_error_hit(req_t *r, int status, const char *code, const char *msg)
{
    arena_t *a = r->arena;
    aws_errdef_t e = {code, status, true};
    wire_resp_t doc;
    wire_resp_init(&doc, a);
    str_t body = STR("");
    if (proto_write_error(&gen_model_s3, &e, msg, NULL, r->id, a, &doc) == GR_OK) body = buf_str(&doc.body);
    return (cf_hit_t){.body = body,
                      .content_type = STR("application/xml"),
                      .etag = STR(""),
                      .last_modified = STR(""),
                      .cache_control = STR(""),
                      .server = STR("AmazonS3"),
                      .status = status,
                      .error = true};
}

static int s3_error(req_t *r, int status, const char *code, const char *msg, bool head)
{
    cf_hit_t h = s3_error_hit(r, status, code, msg);
    return cf__answer_object(r, &h, head, "Error from cloudfront", false);
}

/* ==== Behaviors and origins ==== */

/* CloudFront's PathPattern: '*' any characters, '?' one, case-sensitive; a
 * pattern without its leading '/' matches as if it had one. */
static bool pattern_matches(str_t pat, str_t path)
{
    if (pat.len && pat.p[0] != '/' && path.len && path.p[0] == '/') path = str_sub(path, 1, path.len - 1);
    return str_glob(pat, path, STR_GLOB_QMARK);
}

static const val_t *behavior_for(const val_t *cfg, str_t path)
{
    const val_t *items = val_get(val_get(cfg, "CacheBehaviors"), "Items");
    for (size_t i = 0; items && items->kind == VAL_LIST && i < items->u.list.n; i++)
        if (pattern_matches(val_get_str(items->u.list.v[i], "PathPattern"), path)) return items->u.list.v[i];
    return val_get(cfg, "DefaultCacheBehavior");
}

static const val_t *origin_for(const val_t *cfg, str_t id)
{
    const val_t *items = val_get(val_get(cfg, "Origins"), "Items");
    for (size_t i = 0; items && items->kind == VAL_LIST && i < items->u.list.n; i++)
        if (str_eq(val_get_str(items->u.list.v[i], "Id"), id)) return items->u.list.v[i];
    /* an origin group: its first member (the primary) */
    const val_t *groups = val_get(val_get(cfg, "OriginGroups"), "Items");
    for (size_t i = 0; groups && groups->kind == VAL_LIST && i < groups->u.list.n; i++) {
        if (!str_eq(val_get_str(groups->u.list.v[i], "Id"), id)) continue;
        const val_t *m = val_get(val_get(groups->u.list.v[i], "Members"), "Items");
        if (m && m->kind == VAL_LIST && m->u.list.n) return origin_for(cfg, val_get_str(m->u.list.v[0], "OriginId"));
    }
    return NULL;
}

/* The secondary origin of the origin group id names when the primary
 * answered one of the group's FailoverCriteria status codes (AWS: CloudFront
 * then sends the request to the secondary); NULL otherwise. */
static const val_t *failover_for(const val_t *cfg, str_t id, int status)
{
    const val_t *groups = val_get(val_get(cfg, "OriginGroups"), "Items");
    for (size_t i = 0; groups && groups->kind == VAL_LIST && i < groups->u.list.n; i++) {
        const val_t *g = groups->u.list.v[i];
        if (!str_eq(val_get_str(g, "Id"), id)) continue;
        const val_t *codes = val_get(val_get(val_get(g, "FailoverCriteria"), "StatusCodes"), "Items");
        bool listed = false;
        for (size_t k = 0; codes && codes->kind == VAL_LIST && k < codes->u.list.n; k++)
            listed = listed || (codes->u.list.v[k]->kind == VAL_INT && codes->u.list.v[k]->u.i == status);
        const val_t *m = val_get(val_get(g, "Members"), "Items");
        if (listed && m && m->kind == VAL_LIST && m->u.list.n > 1)
            return origin_for(cfg, val_get_str(m->u.list.v[1], "OriginId"));
    }
    return NULL;
}

static bool method_allowed(const val_t *behavior, str_t method)
{
    const val_t *items = val_get(val_get(behavior, "AllowedMethods"), "Items");
    if (!items) return str_eq_c(method, "GET") || str_eq_c(method, "HEAD");
    for (size_t i = 0; items->kind == VAL_LIST && i < items->u.list.n; i++)
        if (items->u.list.v[i]->kind == VAL_STR && str_eq(items->u.list.v[i]->u.s, method)) return true;
    return false;
}

str_t cf__s3_bucket_of(str_t domain)
{
    static const char *const labels[] = {".s3.", ".s3-"};
    if (!str_ends_with(domain, STR(".amazonaws.com")) && !str_ends_with(domain, STR(".localhost"))) return STR_NULL;
    if (str_index(domain, '.') < 0) return STR_NULL;
    for (size_t at = 1; at + 4 < domain.len; at++)
        for (int i = 0; i < 2; i++)
            if (!memcmp(domain.p + at, labels[i], 4)) {
                /* a website endpoint (s3-website) is a custom origin */
                if (str_starts_with(str_sub(domain, at, domain.len - at), STR(".s3-website"))) return STR_NULL;
                return str_sub(domain, 0, at);
            }
    return STR_NULL;
}

/* The bucket of an S3 website endpoint origin (BUCKET.s3-website-REGION
 * .amazonaws.com, BUCKET.s3-website.REGION.amazonaws.com, or gureum's
 * BUCKET.s3-website.REGION.localhost); STR_NULL for another. */
static str_t website_bucket_of(str_t domain)
{
    if (!str_ends_with(domain, STR(".amazonaws.com")) && !str_ends_with(domain, STR(".localhost"))) return STR_NULL;
    for (size_t at = 1; at + 11 < domain.len; at++)
        if (!memcmp(domain.p + at, ".s3-website", 11) && (domain.p[at + 11] == '-' || domain.p[at + 11] == '.'))
            return str_sub(domain, 0, at);
    return STR_NULL;
}

/* The TTL of an answer: the origin's max-age (s-maxage first) clamped to
 * MinTTL..MaxTTL, else DefaultTTL (AWS: 86400 when not set, MinTTL 0,
 * MaxTTL 31536000); 0 with CachingDisabled. */
int64_t cf__ttl(const val_t *b, str_t cache_control)
{
    if (str_eq_c(val_get_str(b, "CachePolicyId"), CACHING_DISABLED)) return 0;
    bool policy = val_get_str(b, "CachePolicyId").len > 0;
    int64_t min = policy ? 1 : val_get_int(b, "MinTTL", 0), def = policy ? 86400 : val_get_int(b, "DefaultTTL", 86400),
            max = policy ? 31536000 : val_get_int(b, "MaxTTL", 31536000);
    const char *names[] = {"s-maxage=", "max-age="};
    for (int i = 0; i < 2; i++) {
        for (size_t k = 0; k + strlen(names[i]) <= cache_control.len; k++) {
            if (strncasecmp(cache_control.p + k, names[i], strlen(names[i]))) continue;
            long long v = 0;
            size_t p = k + strlen(names[i]);
            while (p < cache_control.len && cache_control.p[p] >= '0' && cache_control.p[p] <= '9')
                v = v * 10 + (cache_control.p[p++] - '0');
            if (v < min) v = min;
            if (v > max) v = max;
            return v;
        }
    }
    /* AWS: no-store, no-cache or private from the origin caches for MinTTL */
    static const char *const none[] = {"no-store", "no-cache", "private"};
    for (int i = 0; i < 3; i++)
        for (size_t k = 0; k + strlen(none[i]) <= cache_control.len; k++)
            if (!strncasecmp(cache_control.p + k, none[i], strlen(none[i]))) return min;
    return def;
}

/* ==== Serving ==== */

/* AWS (recorded): CloudFront's text when it cannot reach the origin */
const char cf__no_origin[] = "We can't connect to the server for this app or website at this time. There might be too "
                             "much traffic or a configuration error. Try again later, or contact the app or website "
                             "owner.";

static void http_date(char out[64], int64_t us)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The answer of an S3 origin for key: GR_OK with *h filled (S3's error
 * document for an error) and *fetched true, or r->resp written (an object
 * larger than the cache keeps, streamed from S3 uncached); GR_ERR
 * internal. */
static int from_s3(req_t *r, const cf_dist_t *d, const val_t *origin, str_t bucket, str_t key, cf_hit_t *h,
                   bool *fetched)
{
    arena_t *a = r->arena;
    *fetched = false;
    /* AWS: with an origin access control CloudFront signs as the service
     * cloudfront.amazonaws.com for this distribution's ARN */
    str_t names[] = {STR("cloudfront.amazonaws.com")};
    str_t arn = str_c(cf__arn(a, str_c(d->account), d->id));
    s3_service_t svc = {.names = names, .nnames = 1, .source_arn = arn, .source_account = str_c(d->account)};
    /* AWS: an origin access control whose SigningBehavior is "never"
     * leaves requests unsigned (anonymous) */
    str_t oac_id = val_get_str(origin, "OriginAccessControlId");
    val_t *oac_cfg = NULL;
    if (oac_id.len) {
        sqlite3 *db = cf__db(r->app);
        if (!db || cf__oac_find(r, db, str_c(d->account), oac_id, &oac_cfg) < 0) return GR_ERR;
    }
    bool oac = oac_cfg && !str_eq_c(val_get_str(oac_cfg, "SigningBehavior"), "never");
    s3_origin_obj_t o;
    int status;
    const char *code, *msg;
    if (s3_origin_read(r, bucket, key, oac ? &svc : NULL, OBJECT_MAX, &o, &status, &code, &msg) != GR_OK) {
        if (!code) return GR_ERR;
        *h = s3_error_hit(r, status, code, msg);
        *fetched = true;
        return GR_OK;
    }
    char lm[64];
    http_date(lm, o.modified_us);
    if (!o.bytes.p) { /* larger than the cache keeps: sent from S3's blob as it is, uncached */
        wire_resp_header(&r->resp, a, "Last-Modified", str_c(arena_strdup(a, lm)));
        wire_resp_header(&r->resp, a, "Server", STR("AmazonS3"));
        cf__edge_headers(r, "Miss from cloudfront");
        return GR_OK;
    }
    *h = (cf_hit_t){.body = o.bytes,
                    .content_type = o.content_type,
                    .etag = o.etag,
                    .last_modified = str_c(arena_strdup(a, lm)),
                    .cache_control = o.cache_control.p ? o.cache_control : STR(""),
                    .server = STR("AmazonS3")};
    *fetched = true;
    return GR_OK;
}

/* The CustomErrorResponse for an origin's status, or NULL. */
static const val_t *custom_error_for(const val_t *cfg, int status)
{
    const val_t *items = val_get(val_get(cfg, "CustomErrorResponses"), "Items");
    for (size_t i = 0; items && items->kind == VAL_LIST && i < items->u.list.n; i++)
        if (val_get_int(items->u.list.v[i], "ErrorCode", 0) == status) return items->u.list.v[i];
    return NULL;
}

/* AWS (CloudFront Developer Guide, "How CloudFront processes HTTP 4xx and
 * 5xx status codes"): the error answers it caches, for 10 s unless the
 * CustomErrorResponse says otherwise. */
static bool error_cached(int status)
{
    static const int codes[] = {400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == status) return true;
    return false;
}

/* The S3 key an origin reads for rel: OriginPath + rel, percent-decoded;
 * STR_NULL when rel is no valid URI. */
static str_t s3_key(arena_t *a, const val_t *origin, str_t rel)
{
    str_t okey = wire_url_decode(a, rel, false);
    str_t opath = val_get_str(origin, "OriginPath");
    if (okey.p && opath.len) okey = str_c(arena_printf(a, "%.*s/%.*s", (int)opath.len - 1, opath.p + 1, STR_FMT(okey)));
    return okey;
}

/* A custom error response's page (its ResponsePagePath), as a GET for it
 * through the cache would have it; only from an S3 origin. false when it
 * cannot be had (the original error is answered then). */
static bool response_page(req_t *r, const cf_dist_t *d, str_t page, cf_hit_t *out)
{
    if (!page.len || page.p[0] != '/') return false;
    if (cf__cache_get(r, d->id, page, out)) return !out->error;
    const val_t *b = behavior_for(d->config, page);
    const val_t *origin = origin_for(d->config, val_get_str(b, "TargetOriginId"));
    str_t bucket = origin ? cf__s3_bucket_of(val_get_str(origin, "DomainName")) : STR_NULL;
    str_t okey = bucket.len ? s3_key(r->arena, origin, str_sub(page, 1, page.len - 1)) : STR_NULL;
    bool fetched = false;
    if (!okey.p || from_s3(r, d, origin, bucket, okey, out, &fetched) != GR_OK || !fetched || out->error) return false;
    cf__cache_put(d->id, page, out, cf__ttl(b, out->cache_control));
    return true;
}

int cf__answer_fetched(req_t *r, const cf_dist_t *d, const val_t *b, str_t key, bool head, cf_hit_t *h)
{
    if (!h->error) {
        if (key.p) cf__cache_put(d->id, key, h, cf__ttl(b, h->cache_control));
        h->compress = behavior_compresses(b);
        return cf__answer_object(r, h, head, "Miss from cloudfront", false);
    }
    const val_t *cer = custom_error_for(d->config, h->status);
    int64_t ttl = cer ? val_get_int(cer, "ErrorCachingMinTTL", 10) : 10;
    cf_hit_t page;
    if (cer && response_page(r, d, val_get_str(cer, "ResponsePagePath"), &page)) {
        str_t code = val_get_str(cer, "ResponseCode");
        long long c = 0;
        page.status = code.len && str_to_i64(code, &c) && c >= 200 && c < 600 ? (int)c : h->status;
        page.error = true;
        *h = page;
    }
    if (key.p && (cer || error_cached(h->status))) cf__cache_put(d->id, key, h, ttl);
    h->compress = behavior_compresses(b);
    return cf__answer_object(r, h, head, "Error from cloudfront", false);
}

/* An S3 website endpoint origin, answered by S3's website endpoint itself
 * (s3_website_serve: index and error documents, redirects, its HTML
 * errors) for OriginPath + rel; an answer whose body is in memory is
 * answered and cached as an S3 origin's (a redirect, a HEAD and a body sent
 * from a blob file are passed on uncached). */
static int from_website(req_t *r, const cf_dist_t *d, const val_t *origin, const val_t *b, str_t bucket, str_t rel,
                        str_t key, bool head)
{
    arena_t *a = r->arena;
    str_t opath = val_get_str(origin, "OriginPath");
    r->w.path = str_c(arena_printf(a, "/%.*s%.*s/%.*s", STR_FMT(bucket), STR_FMT(opath), STR_FMT(rel)));
    if (s3_website_serve(r, bucket) != GR_OK) return GR_ERR;
    wire_resp_t *w = &r->resp;
    if (head || w->fd >= 0 || w->src || (w->status >= 300 && w->status < 400)) {
        cf__edge_headers(r, w->status >= 400 ? "Error from cloudfront" : "Miss from cloudfront");
        return GR_OK;
    }
    str_t cc = wire_resp_get_header(w, "Cache-Control"), ct = wire_resp_get_header(w, "Content-Type");
    str_t etag = wire_resp_get_header(w, "ETag"), lm = wire_resp_get_header(w, "Last-Modified");
    str_t body = buf_str(&w->body);
    cf_hit_t h = {.body = body.p ? body : STR(""),
                  .content_type = ct.p ? ct : STR("binary/octet-stream"),
                  .etag = etag.p ? etag : STR(""),
                  .last_modified = lm.p ? lm : STR(""),
                  .cache_control = cc.p ? cc : STR(""),
                  .server = STR("AmazonS3"),
                  .status = w->status,
                  .error = w->status >= 400};
    return cf__answer_fetched(r, d, b, key, false, &h);
}

int cloudfront_edge_serve(req_t *r, str_t name)
{
    arena_t *a = r->arena;
    r->who = (principal_t){.anonymous = true};
    sqlite3 *db = cf__db(r->app);
    if (!db) return GR_ERR;
    cf_dist_t d;
    int found = cf__dist_by_host(r, db, name, &d);
    if (found < 0) return GR_ERR;
    /* AWS: a Host no distribution serves, and a disabled distribution, are
     * answered 403 "Bad request." with CloudFront's error page */
    static const char BAD[] = "Bad request.\nWe can't connect to the server for this app or website at this time. "
                              "There might be too much traffic or a configuration error. Try again later, or "
                              "contact the app or website owner.";
    if (!found || !d.enabled) {
        cf__error_page(r, 403, "Bad request.", BAD + sizeof "Bad request.");
        cf__edge_headers(r, "Error from cloudfront");
        return GR_OK;
    }
    str_t path = r->w.path.len ? r->w.path : STR("/");
    const val_t *b = behavior_for(d.config, path);
    /* Not AWS's: ViewerProtocolPolicy is not enforced. AWS answers an HTTP
     * request 301 to https:// under redirect-to-https and 403 "Bad request"
     * under https-only; gureum's edge has no TLS listener, so both are
     * served over HTTP as allow-all is. */
    str_t method = r->w.method;
    bool head = str_eq_c(method, "HEAD");
    if (!method_allowed(b, method)) {
        /* AWS (recorded): a method the behavior does not allow */
        cf__error_page(r, 403, "Bad request.",
                       "This distribution is not configured to allow the HTTP request method that was used for this "
                       "request. The distribution supports only cachable requests.");
        cf__edge_headers(r, "Error from cloudfront");
        return GR_OK;
    }
    /* AWS (CloudFront Developer Guide, "HTTP 403"): a GET with a body is refused */
    if (str_eq_c(method, "GET") && r->w.body.len) {
        cf__error_page(r, 403, "Bad request.", BAD + sizeof "Bad request.");
        cf__edge_headers(r, "Error from cloudfront");
        return GR_OK;
    }
    const val_t *origin = origin_for(d.config, val_get_str(b, "TargetOriginId"));
    if (!origin) {
        cf__error_page(r, 502, "Bad Gateway.", cf__no_origin);
        cf__edge_headers(r, "Error from cloudfront");
        return GR_OK;
    }
    str_t bucket = cf__s3_bucket_of(val_get_str(origin, "DomainName"));
    bool cacheable = head || str_eq_c(method, "GET");
    /* only GET and HEAD are answered from an S3 origin without signing
     * (AWS: other methods reach S3 as anonymous writes, refused) */
    if (bucket.len && !cacheable) return s3_error(r, 403, "AccessDenied", "Access Denied", head);

    /* the cache key: the path, and the query string when it is forwarded */
    const val_t *fv = val_get(b, "ForwardedValues");
    bool query_key = fv && val_get_bool(fv, "QueryString", false) && r->w.query.len;
    str_t key = query_key ? str_c(arena_printf(a, "%.*s?%.*s", STR_FMT(path), STR_FMT(r->w.query))) : path;
    cf_hit_t h;
    if (cacheable && cf__cache_get(r, d.id, key, &h)) {
        h.compress = behavior_compresses(b);
        return cf__answer_object(r, &h, head, "Hit from cloudfront", true);
    }

    /* "/" is the DefaultRootObject */
    str_t root = val_get_str(d.config, "DefaultRootObject");
    str_t rel = str_sub(path, 1, path.len - 1);
    if (!rel.len && root.len) rel = root;
    str_t site = bucket.len ? STR_NULL : website_bucket_of(val_get_str(origin, "DomainName"));
    if (site.len) return from_website(r, &d, origin, b, site, rel, cacheable ? key : STR_NULL, head);
    if (!bucket.len)
        return cf__custom_origin(r, &d, origin, b, cacheable ? key : STR_NULL,
                                 str_c(arena_printf(a, "/%.*s", STR_FMT(rel))), head);
    /* the object key: OriginPath + the path */
    str_t okey = s3_key(a, origin, rel);
    if (!okey.p) return s3_error(r, 400, "InvalidURI", "Couldn't parse the specified URI.", head);
    bool fetched;
    if (from_s3(r, &d, origin, bucket, okey, &h, &fetched) != GR_OK) return GR_ERR;
    if (!fetched) return GR_OK;
    /* an origin group fails over to its secondary, when that is an S3
     * origin too (a custom secondary is not asked: not gureum's yet) */
    const val_t *second = h.error ? failover_for(d.config, val_get_str(b, "TargetOriginId"), h.status) : NULL;
    str_t bucket2 = second ? cf__s3_bucket_of(val_get_str(second, "DomainName")) : STR_NULL;
    if (bucket2.len) {
        str_t okey2 = s3_key(a, second, rel);
        if (!okey2.p) return s3_error(r, 400, "InvalidURI", "Couldn't parse the specified URI.", head);
        if (from_s3(r, &d, second, bucket2, okey2, &h, &fetched) != GR_OK) return GR_ERR;
        if (!fetched) return GR_OK;
    }
    return cf__answer_fetched(r, &d, b, key, head, &h);
}
