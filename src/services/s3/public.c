/* public.c — S3's calls for other services (s3.h): listing the keys under a
 * prefix and reading one object's bytes whole, for Lambda's code from S3 and
 * DynamoDB's imports, and writing one, for DynamoDB's exports. Reads and
 * writes the same rows and blobs as ListObjectsV2, GetObject and PutObject
 * (s3_db.c, version.c, the blob store), authorized for the caller as those
 * operations are, without failing the caller's request; or, for an AWS
 * service writing into a bucket (CloudWatch Logs' exports), as the bucket
 * policy allows that service; and, for CloudFront's edge, reading an object
 * as an S3 origin does (anonymously, or as origin access control). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/md5.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/s3/s3.h"
#include "services/s3/s3_bucket.h"
#include "services/s3/s3_internal.h"

/* GR_OK when bucket exists in the caller's account, else S3's code and message. */
static int callers_bucket(req_t *r, sqlite3 *db, str_t bucket, const char **code, const char **msg)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT account FROM s3_bucket WHERE name = ?1", -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_text(st, 1, bucket.p ? bucket.p : "", (int)bucket.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    str_t acct = rc == SQLITE_ROW ? s3__col_str(r, st, 0) : STR_NULL;
    store_release(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) return GR_ERR;
        *code = "NoSuchBucket", *msg = "The specified bucket does not exist";
        return GR_ERR;
    }
    if (!str_eq(acct, r->who.account)) {
        *code = "AccessDenied", *msg = "Access Denied";
        return GR_ERR;
    }
    return GR_OK;
}

typedef struct {
    char *buf;
    size_t len;
} read_t;

static int append(void *ctx, const char *p, size_t n)
{
    read_t *rd = ctx;
    memcpy(rd->buf + rd->len, p, n);
    rd->len += n;
    return GR_OK;
}

/* The bytes of object o, up to max (EntityTooLarge past it), into r->arena. */
static int whole(req_t *r, const s3_obj_t *o, size_t max, str_t *bytes, const char **code, const char **msg)
{
    if ((size_t)o->size > max) {
        *code = "EntityTooLarge", *msg = "Your proposed upload exceeds the maximum allowed size";
        return GR_ERR;
    }
    read_t rd = {arena_alloc(r->arena, (size_t)o->size + 1), 0};
    if (!rd.buf || s3__obj_bytes(r, o, 0, o->size, append, &rd) != GR_OK) return GR_ERR;
    *bytes = str_n(rd.buf, rd.len);
    return GR_OK;
}

/* GR_OK when an IAM caller may do action on resource as the S3 operation
 * would let it; else S3's AccessDenied in *code / *msg, r's error untouched. */
static int callers_right(req_t *r, const char *action, str_t resource, const char **code, const char **msg)
{
    if (authz_check_resource(r, ((app_t *)r->app)->authz, str_c(action), resource, r->who.account, NULL) == GR_OK)
        return GR_OK;
    r->err = NULL;
    *code = "AccessDenied", *msg = "Access Denied";
    return GR_ERR;
}

int s3_list_keys(req_t *r, str_t bucket, str_t prefix, size_t max, str_t **keys, int64_t **sizes, size_t *n,
                 const char **code, const char **msg)
{
    *code = *msg = NULL;
    *n = 0;
    sqlite3 *db = s3__db(r);
    arena_t *a = r->arena;
    if (!db || callers_bucket(r, db, bucket, code, msg) != GR_OK ||
        callers_right(r, "s3:ListBucket", str_c(arena_printf(a, "arn:aws:s3:::%.*s", STR_FMT(bucket))), code, msg) !=
            GR_OK)
        return GR_ERR;
    sqlite3_stmt *st;
    /* keys are BLOBs: ORDER BY key is byte order, ListObjectsV2's */
    if (store_prepare(db, "SELECT key, size FROM s3_object WHERE bucket = ?1 AND key >= ?2 ORDER BY key", -1, &st,
                      NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, bucket.p ? bucket.p : "", (int)bucket.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, prefix.p ? prefix.p : "", (int)prefix.len, SQLITE_STATIC);
    size_t cap = 16;
    *keys = arena_alloc(a, cap * sizeof **keys);
    *sizes = arena_alloc(a, cap * sizeof **sizes);
    int rc = SQLITE_DONE;
    while (*keys && *sizes && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t key = str_n(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        if (!str_starts_with(key, prefix)) break; /* past the prefix: nothing later matches */
        if (*n == max) break;                     /* the caller asked for no more */
        if (*n == cap) {
            *keys = arena_realloc(a, *keys, cap * sizeof **keys, 2 * cap * sizeof **keys);
            *sizes = arena_realloc(a, *sizes, cap * sizeof **sizes, 2 * cap * sizeof **sizes);
            cap *= 2;
            if (!*keys || !*sizes) break;
        }
        (*keys)[*n] = arena_str(a, key.p ? key : STR(""));
        (*sizes)[(*n)++] = sqlite3_column_int64(st, 1);
    }
    store_release(st);
    return *keys && *sizes && (rc == SQLITE_ROW || rc == SQLITE_DONE) ? GR_OK : GR_ERR;
}

int s3_read_object(req_t *r, str_t bucket, str_t key, size_t max, str_t *bytes, const char **code, const char **msg)
{
    *code = *msg = NULL;
    sqlite3 *db = s3__db(r);
    if (!db || callers_bucket(r, db, bucket, code, msg) != GR_OK) return GR_ERR;
    /* an IAM caller needs s3:GetObject on the key, as for its own GetObject */
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    if (callers_right(r, "s3:GetObject", res, code, msg) != GR_OK) return GR_ERR;
    s3_obj_t o;
    int found = s3__obj_get(r, db, bucket, key, &o);
    if (found < 0) return GR_ERR;
    if (!found) {
        *code = "NoSuchKey", *msg = "The specified key does not exist.";
        return GR_ERR;
    }
    return whole(r, &o, max, bytes, code, msg);
}

/* Stores bytes as bucket/key as PutObject does (the bucket's default
 * encryption, a new version where versioned, events and replication), once
 * whoever writes has been allowed. */
static int put_bytes(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t bytes, const char *content_type)
{
    arena_t *a = r->arena;
    unsigned char md5[16];
    md5_of(bytes.p, bytes.len, md5);
    s3_obj_t o = {.size = (int64_t)bytes.len, .modified_us = time_now_us(), .blob = STR("")};
    o.etag = str_c(arena_printf(a, "\"%.*s\"", STR_FMT(s3__hex(a, md5, 16))));
    o.at.content_type = str_c(content_type);
    char id[33] = "";
    if (bytes.len <= S3_INLINE_MAX)
        o.data = bytes.p ? bytes : STR("");
    else if (s3__blob_put(r, bytes.p, bytes.len, id) == GR_OK)
        o.blob = str_c(id);
    else
        return GR_ERR;
    /* the bucket's default encryption, as for a PutObject that names none */
    str_t old;
    if (s3__sse_for_write(r, db, bucket, val_new(a, VAL_STRUCT), &o.at.sse) != GR_OK || s3__begin(db) != GR_OK) {
        if (*id) s3__blob_drop(r, id);
        r->err = NULL;
        return GR_ERR;
    }
    if (s3__version_put(r, db, bucket, key, &o, &old) != GR_OK || s3__commit(db) != GR_OK) {
        s3__rollback(db);
        if (*id) s3__blob_drop(r, id);
        r->err = NULL;
        return GR_ERR;
    }
    s3__blobs_drop(r, old);
    s3_notify(r, bucket, key, "ObjectCreated:Put", o.size, o.etag, o.version_id); /* notify.c */
    s3__replicate(r, bucket, key);
    r->err = NULL;
    return GR_OK;
}

int s3_write_object(req_t *r, str_t bucket, str_t key, str_t bytes, const char *content_type, const char **code,
                    const char **msg)
{
    *code = *msg = NULL;
    sqlite3 *db = s3__db(r);
    if (!db || callers_bucket(r, db, bucket, code, msg) != GR_OK) return GR_ERR;
    /* an IAM caller needs s3:PutObject on the key, as for its own PutObject */
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    if (callers_right(r, "s3:PutObject", res, code, msg) != GR_OK) return GR_ERR;
    return put_bytes(r, db, bucket, key, bytes, content_type);
}

/* The bucket policy's verdict for a service principal. */
static policy_result_t service_verdict(req_t *r, sqlite3 *db, str_t bucket, const s3_service_t *svc, const char *action,
                                       str_t resource)
{
    val_t *doc;
    if (s3_cfg_get(r, db, bucket, "policy", &doc) != 1) return POLICY_IMPLICIT_DENY;
    policy_t *p = policy_parse(val_get_str(doc, "Policy"), POLICY_RESOURCE, NULL, 0);
    if (!p) return POLICY_IMPLICIT_DENY;
    policy_result_t best = POLICY_IMPLICIT_DENY;
    for (size_t i = 0; i < svc->nnames && best != POLICY_EXPLICIT_DENY; i++) {
        principal_t who = {.arn = svc->names[i], .user_id = svc->names[i]};
        str_t acl = STR("bucket-owner-full-control");
        policy_ctx_t ctx[3] = {{STR("aws:SourceArn"), &svc->source_arn, 1},
                               {STR("aws:SourceAccount"), &svc->source_account, 1},
                               {STR("s3:x-amz-acl"), &acl, 1}};
        policy_req_t pr = {.action = str_c(action), .resource = resource, .who = &who, .ctx = ctx, .nctx = 3};
        policy_result_t v = policy_eval_one(p, &pr);
        if (v != POLICY_IMPLICIT_DENY) best = v;
    }
    policy_free(p);
    return best;
}

int s3_service_write_object(req_t *r, str_t bucket, str_t key, str_t bytes, const char *content_type,
                            const s3_service_t *svc, const char **code, const char **msg)
{
    *code = *msg = NULL;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT 1 FROM s3_bucket WHERE name = ?1", -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_text(st, 1, bucket.p ? bucket.p : "", (int)bucket.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) return GR_ERR;
        *code = "NoSuchBucket", *msg = "The specified bucket does not exist";
        return GR_ERR;
    }
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    if (service_verdict(r, db, bucket, svc, "s3:PutObject", res) != POLICY_ALLOW) {
        *code = "AccessDenied", *msg = "Access Denied";
        return GR_ERR;
    }
    return put_bytes(r, db, bucket, key, bytes, content_type);
}

int s3_origin_read(req_t *r, str_t bucket, str_t key, const s3_service_t *svc, size_t max, s3_origin_obj_t *out,
                   int *status, const char **code, const char **msg)
{
    *code = *msg = NULL;
    *status = 500;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    str_t owner;
    int found = s3_bucket_owner(r, db, bucket, &owner, NULL);
    if (found < 0) return GR_ERR;
    if (!found) {
        *status = 404, *code = "NoSuchBucket", *msg = "The specified bucket does not exist";
        return GR_ERR;
    }
    principal_t saved = r->who;
    r->who = (principal_t){.anonymous = true};
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    bool may_get, may_list;
    if (svc) {
        may_get = service_verdict(r, db, bucket, svc, "s3:GetObject", res) == POLICY_ALLOW;
        may_list = service_verdict(r, db, bucket, svc, "s3:ListBucket",
                                   str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(bucket)))) == POLICY_ALLOW;
    } else {
        may_get = s3_anonymous_may_get(r, bucket, owner, key);
        may_list = s3_anonymous_may_list(r, bucket, owner);
    }
    r->who = saved;
    r->err = NULL;
    r->err_msg = NULL;
    r->err_extra = NULL;
    s3_obj_t o;
    found = may_get ? s3__obj_get(r, db, bucket, key, &o) : 0;
    if (found < 0) return GR_ERR;
    /* AWS: a missing key is 404 only to a reader that may list the bucket */
    if (!found && may_get && may_list) {
        *status = 404, *code = "NoSuchKey", *msg = "The specified key does not exist.";
        return GR_ERR;
    }
    if (!found) {
        *status = 403, *code = "AccessDenied", *msg = "Access Denied";
        return GR_ERR;
    }
    str_t bytes = STR_NULL;
    if ((size_t)o.size > max) {
        wire_resp_init(&r->resp, r->arena);
        if (s3__obj_body(r, &o, 0, o.size, NULL) != GR_OK) return GR_ERR;
        r->resp.status = 200;
        wire_resp_header(&r->resp, r->arena, "Content-Type",
                         o.at.content_type.len ? o.at.content_type : STR("binary/octet-stream"));
        wire_resp_header(&r->resp, r->arena, "ETag", o.etag);
    } else if (whole(r, &o, max, &bytes, code, msg) != GR_OK)
        return GR_ERR;
    *out = (s3_origin_obj_t){.bytes = bytes,
                             .content_type = o.at.content_type.len ? o.at.content_type : STR("binary/octet-stream"),
                             .etag = o.etag,
                             .cache_control = o.at.cache_control,
                             .modified_us = o.modified_us};
    *status = 200;
    return GR_OK;
}
