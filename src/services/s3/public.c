/* public.c — S3's calls for other services (s3.h): reading one object's
 * bytes whole, for Lambda's code from S3, and writing one, for DynamoDB's
 * exports. Reads and writes the same rows and blobs as GetObject and
 * PutObject (s3_db.c, version.c, the blob store) without failing the
 * caller's request. */
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

int s3_read_object(req_t *r, str_t bucket, str_t key, size_t max, str_t *bytes, const char **code, const char **msg)
{
    *code = *msg = NULL;
    sqlite3 *db = s3__db(r);
    if (!db || callers_bucket(r, db, bucket, code, msg) != GR_OK) return GR_ERR;
    s3_obj_t o;
    int found = s3__obj_get(r, db, bucket, key, &o);
    if (found < 0) return GR_ERR;
    if (!found) {
        *code = "NoSuchKey", *msg = "The specified key does not exist.";
        return GR_ERR;
    }
    if ((size_t)o.size > max) {
        *code = "EntityTooLarge", *msg = "Your proposed upload exceeds the maximum allowed size";
        return GR_ERR;
    }
    read_t rd = {arena_alloc(r->arena, (size_t)o.size + 1), 0};
    if (!rd.buf || s3__obj_bytes(r, &o, 0, o.size, append, &rd) != GR_OK) return GR_ERR;
    *bytes = str_n(rd.buf, rd.len);
    return GR_OK;
}

int s3_write_object(req_t *r, str_t bucket, str_t key, str_t bytes, const char *content_type, const char **code,
                    const char **msg)
{
    *code = *msg = NULL;
    sqlite3 *db = s3__db(r);
    if (!db || callers_bucket(r, db, bucket, code, msg) != GR_OK) return GR_ERR;
    arena_t *a = r->arena;
    /* an IAM caller needs s3:PutObject on the key, as for its own PutObject */
    str_t res = str_c(arena_printf(a, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    if (authz_check_resource(r, ((app_t *)r->app)->authz, STR("s3:PutObject"), res, r->who.account, NULL) != GR_OK) {
        r->err = NULL;
        *code = "AccessDenied", *msg = "Access Denied";
        return GR_ERR;
    }
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
