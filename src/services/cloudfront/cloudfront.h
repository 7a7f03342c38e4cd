/* cloudfront.h — what the Amazon CloudFront files share, and the edge the
 * dispatcher hands a request for a distribution's domain to.
 *
 * dist.c serves distributions (their DistributionConfig kept as the client
 * sent it, AWS's defaults filled where AWS fills them), inval.c
 * invalidations, tags.c tags; edge.c answers GET/HEAD at
 * dXXXX.cloudfront.localhost from the distribution's origins through an
 * in-memory cache that invalidations empty. Handlers read and write parsed
 * values only; edge.c writes r->resp itself, as S3's website endpoint does. */
#ifndef GR_SERVICES_CLOUDFRONT_CLOUDFRONT_H
#define GR_SERVICES_CLOUDFRONT_CLOUDFRONT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"

struct app;

sqlite3 *cf__db(struct app *app);
int cf__begin(sqlite3 *db);
int cf__end(sqlite3 *db, bool ok);
int64_t cf__now_ms(void);
/* A new id: kind followed by 13 upper-case letters and digits (AWS's form,
 * "E2QWRUHAPOMQZL"). */
const char *cf__new_id(arena_t *a, char kind);
/* The ARN of distribution id in account. */
const char *cf__arn(arena_t *a, str_t account, const char *id);

/* A distribution as stored: the caller's, or any account's (edge). */
typedef struct {
    const char *id, *account, *domain, *etag;
    val_t *config;
    bool enabled;
    int64_t modified_ms, deployed_ms;
} cf_dist_t;
/* The caller's distribution id into *d: GR_OK, or r failed with
 * NoSuchDistribution. */
int cf__dist_or_fail(req_t *r, sqlite3 *db, str_t id, cf_dist_t *d);
/* The distribution whose domain label ("d1234abcd.cloudfront.net" without
 * ".cloudfront.net") or id is name, in any account: 1 found, 0 not, -1 error. */
int cf__dist_by_host(req_t *r, sqlite3 *db, str_t name, cf_dist_t *d);
/* One page of a List operation, DistributionList-shaped (Marker, NextMarker,
 * MaxItems, IsTruncated, Quantity, Items) as out's member: sql binds ?1
 * owner, ?2 the request's Marker and ?3 MaxItems + 1 (AWS's default 100, at
 * most 1000) and selects the id first; item makes a row an item. GR_OK, or
 * r failed (InvalidArgument for a MaxItems that is no number). */
typedef val_t *(*cf_row_fn)(req_t *r, sqlite3_stmt *st);
int cf__page(req_t *r, sqlite3 *db, const val_t *in, const char *sql, str_t owner, cf_row_fn item, const char *member,
             val_t *out);
/* If-Match must name etag: missing → InvalidIfMatchVersion, another →
 * PreconditionFailed (etag NULL: only that one is given). GR_OK, or r
 * failed. */
int cf__if_match_or_fail(req_t *r, const val_t *in, const char *etag);
/* Origin access control id of account: 1 found (*config, when config is
 * not NULL, its OriginAccessControlConfig), 0 not, -1 error (oac.c). */
int cf__oac_find(req_t *r, sqlite3 *db, str_t account, str_t id, val_t **config);
/* Drops the tags of a deleted distribution. */
int cf__tags_drop(sqlite3 *db, const char *arn);
/* The number of a distribution's invalidations still InProgress. */
int64_t cf__inval_in_progress(sqlite3 *db, const char *dist_id);
/* Drops a deleted distribution's invalidations. */
int cf__inval_drop(sqlite3 *db, const char *dist_id);

/* ==== the edge (edge.c, origin.c) ==== */
/* What an answer from the cache (or for it) carries; strings "" when absent. */
typedef struct {
    str_t body, content_type, etag, last_modified, cache_control;
    str_t server;  /* the origin's Server header (S3: AmazonS3) */
    int status;    /* 0: 200 */
    bool error;    /* an error answer (X-Cache: Error from cloudfront, hit or not) */
    bool compress; /* the behavior compresses (set by the answering caller, never cached) */
    int64_t age_s;
} cf_hit_t;
/* Writes r->resp for an object: its status (200), its headers, X-Cache
 * xcache ("Error from cloudfront" for an error answer), Age when age (a
 * hit), the body unless head. */
int cf__answer_object(req_t *r, const cf_hit_t *h, bool head, const char *xcache, bool age);
/* Answers an origin's answer h (an error when h->error) for key (STR_NULL:
 * not cached): kept for the behavior b's TTL, or, an error, replaced by the
 * page and code its CustomErrorResponse names and kept for that one's
 * ErrorCachingMinTTL (AWS's default 10 s). */
int cf__answer_fetched(req_t *r, const cf_dist_t *d, const val_t *b, str_t key, bool head, cf_hit_t *h);
/* A copy of what dist's cached key answers, in r's arena, its age set:
 * false when not cached or expired (an expired entry is dropped). */
bool cf__cache_get(req_t *r, const char *dist_id, str_t key, cf_hit_t *h);
/* Keeps a copy of h for key of dist_id for ttl_s seconds (nothing when 0). */
void cf__cache_put(const char *dist_id, str_t key, const cf_hit_t *h, int64_t ttl_s);
/* The TTL of an answer under behavior b with the origin's Cache-Control. */
int64_t cf__ttl(const val_t *b, str_t cache_control);
/* CloudFront's own error page (status, its title line and detail). */
int cf__error_page(req_t *r, int status, const char *what, const char *detail);
/* X-Cache (xcache), Via, X-Amz-Cf-Pop and X-Amz-Cf-Id on r->resp. */
void cf__edge_headers(req_t *r, const char *xcache);
/* A custom origin's answer for the request (origin.c): when the origin's
 * host is on loopback, fetched over HTTP on a worker thread (GR_AGAIN; the
 * answer is sent from the request's loop, cached under key as an S3 one
 * is); otherwise 502 at once (GR_OK, r->resp written): no other address is
 * ever contacted. */
int cf__custom_origin(req_t *r, const cf_dist_t *d, const val_t *origin, const val_t *b, str_t key, str_t path,
                      bool head);
/* The bucket an S3 origin's domain names (BUCKET.s3.amazonaws.com,
 * BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-REGION.amazonaws.com,
 * BUCKET.s3.localhost); STR_NULL for any other (edge.c). */
str_t cf__s3_bucket_of(str_t domain);
/* CloudFront's text for an origin it cannot reach (edge.c). */
extern const char cf__no_origin[];
/* The registry's start hook: the origin fetchers' threads. */
int cloudfront_start(struct app *app);
/* Stops them (a fetch under way finishes first; queued ones are dropped). */
void cf__origin_stop(struct app *app);

/* GET/HEAD (and what the behavior allows) at the distribution the Host's
 * first label names: fills r->resp; GR_OK (answered), GR_AGAIN (a custom
 * origin is being fetched: dispatch_answer sends it) or GR_ERR internal. */
int cloudfront_edge_serve(req_t *r, str_t name);
/* Removes a distribution's cached objects matching path ("/a/b", or a
 * prefix ending in '*'), at once. */
void cf__cache_invalidate(const char *dist_id, str_t path);
/* Drops everything cached for a deleted distribution. */
void cf__cache_drop(const char *dist_id);
/* The registry's stop hook: stops the origin fetchers, frees the cache. */
void cloudfront_stop(struct app *app);

#endif
