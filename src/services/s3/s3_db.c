/* s3_db.c — S3's rows and bytes: bucket lookups, object rows
 * (schema/002_objects.sql), object attributes, checksums and blob helpers
 * shared by every S3 operation file. Invariant: a row that names a blob is
 * written only after blob_commit made that blob durable, and a blob is
 * deleted only after the row that named it is gone (a crash in between
 * leaves an unreferenced blob for start-up collection, never a dangling row). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/sigv4.h"
#include "core/log.h"
#include "core/md5.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/body.h"
#include "services/s3/s3.h"

/* AWS: S3 API reference, "List of error codes" (code, HTTP status). */
const aws_errdef_t S3_E_InvalidBucketName = {"InvalidBucketName", 400, true};
const aws_errdef_t S3_E_BucketNotEmpty = {"BucketNotEmpty", 409, true};
const aws_errdef_t S3_E_InvalidTag = {"InvalidTag", 400, true};
const aws_errdef_t S3_E_IllegalLocationConstraint = {"IllegalLocationConstraintException", 400, true};
const aws_errdef_t S3_E_InvalidLocationConstraint = {"InvalidLocationConstraint", 400, true};
const aws_errdef_t S3_E_BadDigest = {"BadDigest", 400, true};
const aws_errdef_t S3_E_InvalidDigest = {"InvalidDigest", 400, true};
const aws_errdef_t S3_E_InvalidRange = {"InvalidRange", 416, true};
const aws_errdef_t S3_E_PreconditionFailed = {"PreconditionFailed", 412, true};
const aws_errdef_t S3_E_NotModified = {"NotModified", 304, true};
const aws_errdef_t S3_E_InvalidPart = {"InvalidPart", 400, true};
const aws_errdef_t S3_E_InvalidPartOrder = {"InvalidPartOrder", 400, true};
const aws_errdef_t S3_E_EntityTooSmall = {"EntityTooSmall", 400, true};
const aws_errdef_t S3_E_KeyTooLong = {"KeyTooLongError", 400, true};
const aws_errdef_t S3_E_MalformedXML = {"MalformedXML", 400, true};
const aws_errdef_t S3_E_InvalidArgument = {"InvalidArgument", 400, true};
const aws_errdef_t S3_E_InvalidPartNumber = {"InvalidPartNumber", 416, true};
const aws_errdef_t S3_E_InvalidObjectState = {"InvalidObjectState", 403, true};

sqlite3 *s3__db(req_t *r)
{
    return store_db(((app_t *)r->app)->store, &schema_s3);
}

int s3__begin(sqlite3 *db)
{
    s3__bcache_txn_begin();
    int rc = store_exec(db, "BEGIN IMMEDIATE");
    if (rc != GR_OK) s3__bcache_txn_end();
    return rc;
}
int s3__begin_read(sqlite3 *db)
{
    s3__bcache_txn_begin();
    int rc = store_exec(db, "BEGIN");
    if (rc != GR_OK) s3__bcache_txn_end();
    return rc;
}
int s3__commit(sqlite3 *db)
{
    int rc = store_exec(db, "COMMIT");
    s3__bcache_txn_end();
    return rc;
}
void s3__rollback(sqlite3 *db)
{
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    s3__bcache_txn_end();
}

str_t s3__col_str(req_t *r, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return STR_NULL;
    const char *p = (const char *)sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    return arena_str(r->arena, str_n(p ? p : "", n));
}

/* The owning account of bucket name (NoSuchBucket when there is none).
 * expected: the x-amz-(source-)expected-bucket-owner header to honour. */
static int bucket_owner(req_t *r, str_t name, str_t *region, const char *expected, str_t *acct)
{
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    if (!s3__bcache_owner(r, name, acct, region)) {
        uint64_t gen = s3__bcache_gen(db);
        sqlite3_stmt *st;
        if (store_prepare(db, "SELECT account, region FROM s3_bucket WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        store_bind_str(st, 1, name);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            store_release(st);
            if (rc != SQLITE_DONE) return GR_ERR;
            r->err_extra = val_new(r->arena, VAL_STRUCT);
            val_set_c(r->arena, r->err_extra, "BucketName", val_strdup(r->arena, name));
            return req_fail(r, &S3_ERR_NoSuchBucket, "The specified bucket does not exist");
        }
        *acct = s3__col_str(r, st, 0);
        str_t reg = s3__col_str(r, st, 1);
        store_release(st);
        if (region) *region = reg;
        s3__bcache_put_owner(gen, name, *acct, reg);
    }
    /* AWS: "If the account ID that you provide does not match the actual
     * owner of the bucket, the request fails with the HTTP status code 403
     * Forbidden (access denied)." */
    str_t want = wire_header(&r->w, expected);
    if (!want.p || str_eq(want, *acct)) return GR_OK;
    /* AWS: to a signed caller, a value that is no account id at all is
     * InvalidBucketOwnerAWSAccountID (an anonymous one is denied first) */
    bool id = want.len == 12;
    for (size_t i = 0; i < want.len && id; i++) id = want.p[i] >= '0' && want.p[i] <= '9';
    static const aws_errdef_t E_BadOwner = {"InvalidBucketOwnerAWSAccountID", 400, true};
    if (!id && !r->who.anonymous)
        return req_fail(r, &E_BadOwner,
                        "The value of the expected bucket owner parameter must be an AWS Account ID... [%.*s]",
                        STR_FMT(want));
    return req_fail(r, &ERR_AccessDenied, "Access Denied");
}

int s3__bucket(req_t *r, str_t name, str_t *region)
{
    return s3__bucket_owned(r, name, region, NULL);
}

int s3__bucket_owned(req_t *r, str_t name, str_t *region, str_t *owner)
{
    /* Checked on the request's headers already (s3_on_headers): the hot PUT
     * path looks its bucket up once. */
    if (r->headers_checked && !region && !owner && r->in && str_eq(name, val_get_str(r->in, "Bucket"))) return GR_OK;
    str_t acct;
    if (bucket_owner(r, name, region, "x-amz-expected-bucket-owner", &acct) != GR_OK) return GR_ERR;
    if (owner) *owner = acct;
    if (s3__requester_pays_check(r, name, acct) != GR_OK) return GR_ERR; /* payment.c */
    return s3_access_check(r, name, acct);                               /* bucket policy and ACLs: access.c */
}

int s3_on_headers(req_t *r)
{
    /* AWS: a PUT to a missing bucket, or one the caller may not write to, is
     * refused before its body is sent (no 100 Continue); UploadPart's upload
     * is looked up with its part, after the body. */
    return s3__bucket(r, val_get_str(r->in, "Bucket"), NULL);
}

int s3__bucket_source(req_t *r, str_t name, str_t key, str_t vid)
{
    str_t acct;
    if (bucket_owner(r, name, NULL, "x-amz-source-expected-bucket-owner", &acct) != GR_OK) return GR_ERR;
    return s3_access_check_source(r, name, acct, key, vid); /* access.c */
}

/* AWS ("Categorizing your storage using tags"): keys of 1-128 and values of
 * at most 256 characters, letters, digits, spaces and + - = . _ : / @; no
 * "aws:" key, which is the system's. */
static bool tag_text_ok(str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!(c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || strchr(" +-=._:/@", c)))
            return false;
    }
    return true;
}

int s3__tag_check(req_t *r, str_t k, str_t v, bool bucket)
{
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "TagKey", val_strdup(r->arena, k));
    if (!k.len || k.len > 128 || !tag_text_ok(k))
        return req_fail(r, &S3_E_InvalidTag, "The TagKey you have provided is invalid");
    if (v.len > 256 || !tag_text_ok(v)) {
        val_set_c(r->arena, r->err_extra, "TagValue", val_strdup(r->arena, v));
        return req_fail(r, &S3_E_InvalidTag, "The TagValue you have provided is invalid");
    }
    if (str_starts_with(k, STR("aws:")))
        return req_fail(r, &S3_E_InvalidTag, "%s",
                        bucket ? "System tags cannot be added/updated by requester"
                               : "Your TagKey cannot be prefixed with aws:");
    r->err_extra = NULL;
    return GR_OK;
}

int s3__tag_duplicate(req_t *r, str_t k)
{
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "TagKey", val_strdup(r->arena, k));
    return req_fail(r, &S3_E_InvalidTag, "Cannot provide multiple Tags with the same key");
}

int s3__malformed(req_t *r, const aws_errdef_t *e)
{
    return req_fail(r, e ? e : &S3_E_MalformedXML,
                    "The XML you provided was not well-formed or did not validate against our published schema");
}

int s3__bad_arg(req_t *r, const aws_errdef_t *e, const char *name, str_t value, const char *msg)
{
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "ArgumentName", val_cstr(r->arena, name));
    val_set_c(r->arena, r->err_extra, "ArgumentValue", val_strdup(r->arena, value));
    return req_fail(r, e, "%s", msg);
}

int s3__copy_from_marker(req_t *r, str_t key, str_t vid)
{
    if (vid.p)
        return req_fail(r, &ERR_InvalidRequest,
                        "The source of a copy request may not specifically refer to a delete marker by version id.");
    return s3__no_such_key(r, key);
}

int s3__no_such_key(req_t *r, str_t key)
{
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "Key", val_strdup(r->arena, key));
    return req_fail(r, &S3_ERR_NoSuchKey, "The specified key does not exist.");
}

int s3__copy_source_found(req_t *r, int found, const s3_obj_t *src, str_t key, str_t vid)
{
    if (found && src->delete_marker) return s3__copy_from_marker(r, key, vid);
    if (!found && vid.p) return s3__no_such_version(r, key, vid); /* as GetObject answers it */
    if (!found) return s3__no_such_key(r, key);
    return GR_OK;
}

int s3__no_such_version(req_t *r, str_t key, str_t vid)
{
    static const aws_errdef_t no_such_version = {"NoSuchVersion", 404, true};
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "Key", val_strdup(r->arena, key));
    val_set_c(r->arena, r->err_extra, "VersionId", val_strdup(r->arena, vid));
    return req_fail(r, &no_such_version, "The specified version does not exist.");
}

/* ==== attributes ==== */

void s3__attrs_bind(sqlite3_stmt *st, int i, const s3_attrs_t *at)
{
    store_bind_str(st, i, at->content_type);
    store_bind_str(st, i + 1, at->content_encoding);
    store_bind_str(st, i + 2, at->content_disposition);
    store_bind_str(st, i + 3, at->content_language);
    store_bind_str(st, i + 4, at->cache_control);
    if (at->expires_us)
        sqlite3_bind_int64(st, i + 5, at->expires_us);
    else
        sqlite3_bind_null(st, i + 5);
    store_bind_str(st, i + 6, at->storage_class);
    store_bind_str(st, i + 7, at->meta);
    store_bind_str(st, i + 8, at->checksum_algo);
    store_bind_str(st, i + 9, at->checksum);
}

void s3__attrs_read(req_t *r, sqlite3_stmt *st, int i, s3_attrs_t *at)
{
    at->content_type = s3__col_str(r, st, i);
    at->content_encoding = s3__col_str(r, st, i + 1);
    at->content_disposition = s3__col_str(r, st, i + 2);
    at->content_language = s3__col_str(r, st, i + 3);
    at->cache_control = s3__col_str(r, st, i + 4);
    at->expires_us = sqlite3_column_int64(st, i + 5);
    at->storage_class = s3__col_str(r, st, i + 6);
    at->meta = s3__col_str(r, st, i + 7);
    at->checksum_algo = s3__col_str(r, st, i + 8);
    at->checksum = s3__col_str(r, st, i + 9);
}

/* "aws-chunked" is how the body travelled, not how it is stored.
 * AWS: "Amazon S3 stores the resulting object without the aws-chunked value". */
static str_t strip_aws_chunked(req_t *r, str_t ce)
{
    if (!ce.p) return ce;
    buf_t b;
    buf_init(&b, r->arena);
    str_t rest = ce;
    bool chunked = false;
    while (rest.p) {
        str_t item;
        rest = str_cut(rest, ',', &item);
        item = str_trim(item);
        if (str_eq_nocase(item, STR("aws-chunked"))) chunked = true;
        if (!item.len || str_eq_nocase(item, STR("aws-chunked"))) continue;
        if (b.len) buf_puts(&b, ", "); /* the list separator HTTP writes (RFC 9110 5.6.1) */
        buf_put_str(&b, item);
    }
    if (!chunked) return ce; /* kept as the client wrote it */
    return b.len ? buf_str(&b) : STR_NULL;
}

void s3__attrs_from_input(req_t *r, const val_t *in, s3_attrs_t *at)
{
    arena_t *a = r->arena;
    *at = (s3_attrs_t){0};
    at->content_type = val_get_str(in, "ContentType");
    at->content_encoding = strip_aws_chunked(r, val_get_str(in, "ContentEncoding"));
    at->content_disposition = val_get_str(in, "ContentDisposition");
    at->content_language = val_get_str(in, "ContentLanguage");
    at->cache_control = val_get_str(in, "CacheControl");
    const val_t *ex = val_get(in, "Expires");
    if (ex && ex->kind == VAL_TIME) at->expires_us = ex->u.t ? ex->u.t : 1;
    at->storage_class = val_get_str(in, "StorageClass");
    at->redirect = val_get_str(in, "WebsiteRedirectLocation");
    const val_t *md = val_get(in, "Metadata");
    /* AWS: header values are RFC 2047-decoded; a browser POST's fields are kept as sent */
    bool post = str_eq_c(r->w.method, "POST");
    if (md && (md->kind == VAL_MAP || md->kind == VAL_STRUCT) && md->u.obj.n) {
        buf_t b;
        buf_init(&b, a);
        for (size_t i = 0; i < md->u.obj.n; i++) {
            str_t k = md->u.obj.e[i].key;
            const val_t *v = md->u.obj.e[i].v;
            if (!v || (v->kind != VAL_STR)) continue;
            str_t text = post ? v->u.s : s3__meta_decode(a, v->u.s);
            /* AWS: user metadata names come back lower-case */
            for (size_t j = 0; j < k.len; j++) buf_putc(&b, (char)tolower((unsigned char)k.p[j]));
            buf_putc(&b, ':');
            for (size_t j = 0; j < text.len; j++)
                buf_putc(&b, text.p[j] == '\n' || text.p[j] == '\r' ? ' ' : text.p[j]);
            buf_putc(&b, '\n');
        }
        at->meta = buf_str(&b);
    }
}

void s3__attrs_to_output(req_t *r, const s3_attrs_t *at, val_t *out)
{
    arena_t *a = r->arena;
    /* AWS: an object stored without a Content-Type is served as binary/octet-stream */
    val_set_c(a, out, "ContentType", val_str(a, at->content_type.p ? at->content_type : STR("binary/octet-stream")));
    if (at->content_encoding.p) val_set_c(a, out, "ContentEncoding", val_str(a, at->content_encoding));
    if (at->content_disposition.p) val_set_c(a, out, "ContentDisposition", val_str(a, at->content_disposition));
    if (at->content_language.p) val_set_c(a, out, "ContentLanguage", val_str(a, at->content_language));
    if (at->cache_control.p) val_set_c(a, out, "CacheControl", val_str(a, at->cache_control));
    if (at->expires_us) val_set_c(a, out, "Expires", val_time(a, at->expires_us));
    /* AWS: x-amz-storage-class is omitted for STANDARD */
    if (at->storage_class.p && !str_eq_c(at->storage_class, "STANDARD"))
        val_set_c(a, out, "StorageClass", val_str(a, at->storage_class));
    if (at->redirect.p) val_set_c(a, out, "WebsiteRedirectLocation", val_str(a, at->redirect));
    s3__sse_out(r, at->sse, out); /* AWS: every object is encrypted, AES256 unless it says otherwise */
    if (at->meta.len) {
        val_t *m = val_new(a, VAL_MAP);
        str_t rest = at->meta;
        while (rest.len) {
            str_t line;
            rest = str_cut(rest, '\n', &line);
            str_t name;
            str_t value = str_cut(line, ':', &name);
            if (value.p && name.len) val_set(a, m, name, val_str(a, s3__meta_encode(a, value)));
            if (!rest.p) break;
        }
        val_set_c(a, out, "Metadata", m);
    }
}

/* ==== object rows ==== */

/* A macro too, so the hot lookup's SQL is a constant rather than formatted
 * per request. */
#define OBJ_COLS                                                                                                       \
    "blob, size, etag, modified_us, parts, part_sizes, part_blobs, content_type, "                                     \
    "content_encoding, content_disposition, content_language, cache_control, expires_us, "                             \
    "storage_class, meta, checksum_algo, checksum, version_id, tags, lock_mode, lock_until_us, legal_hold, sse, "      \
    "part_checksums, data, restore_until_us, replication, website_redirect"
const char S3_OBJ_COLS[] = OBJ_COLS;

void s3__obj_read(req_t *r, sqlite3_stmt *st, int i, s3_obj_t *o)
{
    o->blob = s3__col_str(r, st, i);
    o->size = sqlite3_column_int64(st, i + 1);
    o->etag = s3__col_str(r, st, i + 2);
    o->modified_us = sqlite3_column_int64(st, i + 3);
    o->parts = sqlite3_column_int64(st, i + 4);
    o->part_sizes = s3__col_str(r, st, i + 5);
    o->part_blobs = s3__col_str(r, st, i + 6);
    s3__attrs_read(r, st, i + 7, &o->at);
    o->version_id = s3__col_str(r, st, i + 17);
    o->tags = s3__col_str(r, st, i + 18);
    o->lock_mode = s3__col_str(r, st, i + 19);
    o->lock_until_us = sqlite3_column_int64(st, i + 20);
    o->legal_hold = sqlite3_column_int64(st, i + 21) != 0;
    o->at.sse = s3__col_str(r, st, i + 22);
    o->part_checksums = s3__col_str(r, st, i + 23);
    o->data = s3__col_str(r, st, i + 24);
    o->restore_until_us = sqlite3_column_int64(st, i + 25);
    o->replication = s3__col_str(r, st, i + 26);
    o->at.redirect = s3__col_str(r, st, i + 27);
}

int s3__obj_get(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT " OBJ_COLS " FROM s3_object WHERE bucket = ?1 AND key = ?2", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *o = (s3_obj_t){0};
        s3__obj_read(r, st, 0, o);
    }
    store_release(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The blobs of the row at (bucket, key): "" when there is none or its bytes
 * are its data. 1 there is a row, 0 none, -1 error. */
static int old_blobs_of(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *old)
{
    *old = STR("");
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT coalesce(part_blobs, blob) FROM s3_object WHERE bucket = ?1 AND key = ?2", -1, &st,
                      NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *old = s3__col_str(r, st, 0);
    store_release(st);
    if (!old->p) *old = STR("");
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int s3__obj_put(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o, str_t *old)
{
    if (old_blobs_of(r, db, bucket, key, old) < 0) return GR_ERR;
    static const char sql[] = "INSERT OR REPLACE INTO s3_object (bucket, key, " OBJ_COLS
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                              "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)";
    sqlite3_stmt *st;
    if (store_prepare(db, sql, sizeof sql - 1, &st, NULL) != SQLITE_OK) return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    store_bind_str(st, 3, o->blob);
    sqlite3_bind_int64(st, 4, o->size);
    store_bind_str(st, 5, o->etag);
    sqlite3_bind_int64(st, 6, o->modified_us);
    sqlite3_bind_int64(st, 7, o->parts);
    store_bind_str(st, 8, o->part_sizes);
    store_bind_str(st, 9, o->part_blobs);
    s3__attrs_bind(st, 10, &o->at);
    store_bind_str(st, 20, o->version_id);
    store_bind_str(st, 21, o->tags);
    store_bind_str(st, 22, o->lock_mode);
    if (o->lock_mode.p)
        sqlite3_bind_int64(st, 23, o->lock_until_us);
    else
        sqlite3_bind_null(st, 23);
    sqlite3_bind_int(st, 24, o->legal_hold);
    store_bind_str(st, 25, o->at.sse);
    store_bind_str(st, 26, o->part_checksums);
    if (o->data.p)
        sqlite3_bind_blob(st, 27, o->data.len ? o->data.p : "", (int)o->data.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 27);
    if (o->restore_until_us) sqlite3_bind_int64(st, 28, o->restore_until_us);
    store_bind_str(st, 29, o->replication);
    store_bind_str(st, 30, o->at.redirect);
    int rc = sqlite3_step(st);
    store_release(st);
    /* Rewriting a row over its own bytes (copy onto itself) keeps them. */
    if (str_eq(*old, o->part_blobs.p ? o->part_blobs : o->blob)) *old = STR("");
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int s3__obj_set_restore(sqlite3 *db, str_t bucket, str_t key, str_t vid, int64_t until_us)
{
    static const char *const sql[] = {
        "UPDATE s3_object SET restore_until_us = ?1 WHERE bucket = ?2 AND key = ?3 AND version_id IS ?4",
        "UPDATE s3_version SET restore_until_us = ?1 WHERE bucket = ?2 AND key = ?3 AND version_id IS ?4"};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        if (store_prepare(db, sql[i], -1, &st, NULL) != SQLITE_OK) return GR_ERR;
        sqlite3_bind_int64(st, 1, until_us);
        store_bind_str(st, 2, bucket);
        store_bind_blob(st, 3, key);
        store_bind_str(st, 4, vid);
        int rc = sqlite3_step(st);
        store_release(st);
        if (rc != SQLITE_DONE) return GR_ERR;
    }
    return GR_OK;
}

int s3__set_class(sqlite3 *db, str_t bucket, str_t key, const str_t *vid, int64_t modified_us, str_t sc)
{
    sqlite3_stmt *st;
    const char *sql =
        vid ? "UPDATE s3_version SET storage_class = ?1 WHERE bucket = ?2 AND key = ?3 AND "
              "version_id IS ?4 AND delete_marker = 0"
            : "UPDATE s3_object SET storage_class = ?1 WHERE bucket = ?2 AND key = ?3 AND modified_us = ?4";
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    store_bind_str(st, 1, sc);
    store_bind_str(st, 2, bucket);
    store_bind_blob(st, 3, key);
    if (vid)
        store_bind_str(st, 4, *vid);
    else
        sqlite3_bind_int64(st, 4, modified_us);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int s3__obj_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *old)
{
    int found = old_blobs_of(r, db, bucket, key, old);
    if (found <= 0) return found < 0 ? GR_ERR : GR_OK;
    sqlite3_stmt *st;
    if (store_prepare(db, "DELETE FROM s3_object WHERE bucket = ?1 AND key = ?2", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* ==== bytes ==== */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool s3__unb64(arena_t *a, str_t s, str_t *out)
{
    if (s.len % 4) return false;
    unsigned char *o = arena_alloc(a, s.len / 4 * 3 + 1);
    if (!o) return false;
    size_t j = 0;
    for (size_t i = 0; i < s.len; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s.p[i + k];
            const char *f = c ? strchr(B64, c) : NULL;
            if (c == '=' && i + 4 == s.len && k >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!f || pad) return false;
            v = v << 6 | (unsigned)(f - B64);
        }
        o[j++] = (unsigned char)(v >> 16);
        if (pad < 2) o[j++] = (unsigned char)(v >> 8);
        if (pad < 1) o[j++] = (unsigned char)v;
    }
    *out = (str_t){(const char *)o, j};
    return true;
}

str_t s3__hex(arena_t *a, const unsigned char *p, size_t n)
{
    char *o = arena_alloc(a, n * 2 + 1);
    if (!o) return STR_NULL;
    str_hex(p, n, o); /* snprintf per byte was 1 % of a 4 KiB PUT */
    return (str_t){o, n * 2};
}

val_t *s3__time(req_t *r, int64_t us)
{
    return val_time(r->arena, r->internal ? us : us - us % 1000000);
}

/* AWS's x-amz-checksum-* value of bytes in hand: big-endian for the CRCs, base64. */
str_t s3__checksum(arena_t *a, const char *algo, const void *p, size_t n)
{
    body_cksum_t c;
    unsigned char d[BODY_CKSUM_MAX];
    if (!body_cksum_begin(a, &c, str_c(algo))) return STR_NULL;
    body_cksum_update(&c, p, n);
    unsigned dn = body_cksum_final(&c, d);
    return dn ? arena_base64(a, d, dn) : STR_NULL;
}

/* AWS: a Content-MD5 that is not base64 of 16 bytes */
static int bad_md5(req_t *r, str_t cmd5)
{
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "Content-MD5", val_strdup(r->arena, cmd5));
    return req_fail(r, &S3_E_InvalidDigest, "The Content-MD5 you specified was invalid.");
}

/* AWS: an x-amz-checksum-* value must be base64 of the algorithm's size */
static int checksum_form(req_t *r, const body_cksum_algo_t *k, str_t given)
{
    str_t raw;
    if (s3__unb64(r->arena, str_trim(given), &raw) && raw.len == k->size) return GR_OK;
    return req_fail(r, &ERR_InvalidRequest, "Value for %s header is invalid.", k->header);
}

int s3__verify_body(req_t *r, const val_t *in, str_t body, unsigned char md5[16], str_t *algo, str_t *value)
{
    arena_t *a = r->arena;
    md5_of(body.p ? body.p : "", body.len, md5);
    str_t cmd5 = val_get_str(in, "ContentMD5");
    if (cmd5.p) {
        str_t raw;
        if (!s3__unb64(a, str_trim(cmd5), &raw) || raw.len != 16) return bad_md5(r, cmd5);
        if (memcmp(raw.p, md5, 16)) {
            r->err_extra = val_new(a, VAL_STRUCT);
            val_set_c(a, r->err_extra, "ExpectedDigest", val_str(a, s3__hex(a, (const unsigned char *)raw.p, 16)));
            val_set_c(a, r->err_extra, "CalculatedDigest", val_str(a, arena_base64(a, md5, 16)));
            return req_fail(r, &S3_E_BadDigest, "The Content-MD5 you specified did not match what we received.");
        }
    }
    *algo = *value = STR_NULL;
    for (size_t i = 0; i < body_cksum_nalgos; i++) {
        const body_cksum_algo_t *k = &body_cksum_algos[i];
        str_t given = val_get_str(in, k->member);
        if (!given.p) continue;
        if (checksum_form(r, k, given) != GR_OK) return GR_ERR;
        str_t calc = s3__checksum(a, k->name, body.p ? body.p : "", body.len);
        /* AWS: BadDigest "The CRC32 you specified did not match the calculated checksum." */
        if (!str_eq(str_trim(given), calc))
            return req_fail(r, &S3_E_BadDigest, "The %s you specified did not match the calculated checksum.", k->name);
        *algo = str_c(k->name);
        *value = calc;
        return GR_OK;
    }
    /* Asked for by algorithm alone (x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm) */
    const body_cksum_algo_t *k = body_cksum_algo(val_get_str(in, "ChecksumAlgorithm"), true);
    if (k) {
        *algo = str_c(k->name);
        *value = s3__checksum(a, k->name, body.p ? body.p : "", body.len);
    }
    return GR_OK;
}

/* The streamed body's digests against Content-MD5 and x-amz-checksum-*
 * (body.c computed MD5 and the one algorithm the request names). */
static int verify_stream(req_t *r, const val_t *in, const body_stream_t *b, str_t *algo, str_t *value)
{
    arena_t *a = r->arena;
    str_t cmd5 = val_get_str(in, "ContentMD5");
    if (cmd5.p) {
        str_t raw;
        if (!s3__unb64(a, str_trim(cmd5), &raw) || raw.len != 16) return bad_md5(r, cmd5);
        if (memcmp(raw.p, b->md5, 16)) {
            r->err_extra = val_new(a, VAL_STRUCT);
            val_set_c(a, r->err_extra, "ExpectedDigest", val_str(a, s3__hex(a, (const unsigned char *)raw.p, 16)));
            val_set_c(a, r->err_extra, "CalculatedDigest", val_str(a, arena_base64(a, b->md5, 16)));
            return req_fail(r, &S3_E_BadDigest, "The Content-MD5 you specified did not match what we received.");
        }
    }
    *algo = *value = STR_NULL;
    str_t calc = b->algo && b->sumlen ? arena_base64(a, b->sum, b->sumlen) : STR_NULL;
    for (size_t i = 0; i < body_cksum_nalgos; i++) {
        const body_cksum_algo_t *k = &body_cksum_algos[i];
        str_t given = val_get_str(in, k->member);
        if (!given.p) continue;
        /* AWS: one checksum per request ("Expecting a single x-amz-checksum- header") */
        if (!b->algo || strcmp(b->algo, k->name))
            return req_fail(r, &ERR_InvalidRequest,
                            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
        if (checksum_form(r, k, given) != GR_OK) return GR_ERR;
        if (!str_eq(str_trim(given), calc))
            return req_fail(r, &S3_E_BadDigest, "The %s you specified did not match the calculated checksum.", k->name);
        *algo = str_c(k->name);
        *value = calc;
        return GR_OK;
    }
    str_t want = val_get_str(in, "ChecksumAlgorithm");
    if (want.p && b->algo && str_eq_nocase(want, str_c(b->algo))) *algo = str_c(b->algo), *value = calc;
    return GR_OK;
}

int s3__body_to_blob(req_t *r, const val_t *in, char id[33], str_t *data, int64_t *size, unsigned char md5[16],
                     str_t *algo, str_t *value)
{
    id[0] = 0;
    if (data) *data = STR_NULL;
    if (r->body) {
        if (verify_stream(r, in, r->body, algo, value) != GR_OK) return GR_ERR;
        memcpy(md5, r->body->md5, 16);
        *size = r->body->size;
        if (data && r->body->size <= S3_INLINE_MAX && body_bytes(r->body, data)) return GR_OK;
        return body_commit(r->body, id);
    }
    const val_t *bv = val_get(in, "Body");
    str_t body = bv && (bv->kind == VAL_BLOB || bv->kind == VAL_STR) ? bv->u.s : STR("");
    if (s3__verify_body(r, in, body, md5, algo, value) != GR_OK) return GR_ERR;
    *size = (int64_t)body.len;
    if (data && body.len <= S3_INLINE_MAX) {
        *data = body.p ? body : STR("");
        return GR_OK;
    }
    return s3__blob_put(r, body.p, body.len, id);
}

int s3__blob_put(req_t *r, const void *p, size_t n, char id[33])
{
    store_t *s = ((app_t *)r->app)->store;
    blob_writer_t *w = blob_begin(s);
    if (!w) return GR_ERR;
    if (n && blob_write(w, p, n) != GR_OK) {
        blob_abort(w);
        return GR_ERR;
    }
    return blob_commit(w, id);
}

int s3__blob_concat(req_t *r, const str_t *src, size_t n, char id[33])
{
    store_t *s = ((app_t *)r->app)->store;
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK);
    blob_writer_t *w = buf ? blob_begin(s) : NULL;
    if (!w) {
        free(buf);
        return GR_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        off_t size;
        char one[33];
        snprintf(one, sizeof one, "%.*s", STR_FMT(src[i]));
        int fd = blob_open(s, one, &size);
        if (fd < 0) goto fail;
        ssize_t got;
        off_t at = 0; /* pread: blob fds may share a file position (blob_open) */
        while ((got = pread(fd, buf, CHUNK, at)) > 0) {
            at += got;
            if (blob_write(w, buf, (size_t)got) != GR_OK) break;
        }
        close(fd);
        if (got != 0) goto fail;
    }
    free(buf);
    return blob_commit(w, id);
fail:
    free(buf);
    blob_abort(w);
    return GR_ERR;
}

int s3__obj_bytes(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, s3_bytes_fn fn, void *ctx)
{
    if (from < 0 || len < 0 || from + len > o->size) return GR_ERR;
    if (o->data.p) return (uint64_t)(from + len) <= o->data.len ? fn(ctx, o->data.p + from, (size_t)len) : GR_ERR;
    store_t *s = ((app_t *)r->app)->store;
    str_t *ids;
    int64_t *sizes;
    size_t n = s3__obj_blobs(r, o, &ids, &sizes);
    enum { CHUNK = 1 << 20 };
    char *buf = n && len ? malloc(CHUNK) : NULL;
    if (n && len && !buf) return GR_ERR;
    int64_t skip = from, left = len;
    for (size_t i = 0; i < n && left > 0; i++) {
        if (skip >= sizes[i]) {
            skip -= sizes[i];
            continue;
        }
        char one[33];
        snprintf(one, sizeof one, "%.*s", STR_FMT(ids[i]));
        off_t size;
        int fd = blob_open(s, one, &size);
        if (fd < 0) break;
        off_t at = (off_t)skip;
        skip = 0;
        while (left > 0 && at < sizes[i]) {
            int64_t want = sizes[i] - at < left ? sizes[i] - at : left;
            ssize_t got = pread(fd, buf, want < CHUNK ? (size_t)want : CHUNK, at); /* fds may share a position */
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0 || fn(ctx, buf, (size_t)got) != GR_OK) break;
            at += got, left -= got;
        }
        close(fd);
        if (at < sizes[i] && left > 0) break;
    }
    free(buf);
    return left == 0 ? GR_OK : GR_ERR;
}

typedef struct {
    md5_ctx_t md;
    body_cksum_t *ck;
    blob_writer_t *w;
} copy_t;

static int copy_bytes(void *ctx, const char *p, size_t n)
{
    copy_t *c = ctx;
    md5_update(&c->md, p, n);
    if (c->ck) body_cksum_update(c->ck, p, n);
    return blob_write(c->w, p, n);
}

int s3__blob_copy_range(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, char id[33], unsigned char md5[16],
                        body_cksum_t *ck)
{
    if (o->data.p) {
        if (from < 0 || len < 0 || (uint64_t)(from + len) > o->data.len) return GR_ERR;
        md5_of(o->data.p + from, (size_t)len, md5);
        if (ck) body_cksum_update(ck, o->data.p + from, (size_t)len);
        return s3__blob_put(r, o->data.p + from, (size_t)len, id);
    }
    copy_t c = {.ck = ck, .w = blob_begin(((app_t *)r->app)->store)};
    if (!c.w) return GR_ERR;
    md5_init(&c.md);
    if (s3__obj_bytes(r, o, from, len, copy_bytes, &c) != GR_OK) {
        blob_abort(c.w);
        return GR_ERR;
    }
    md5_final(&c.md, md5);
    return blob_commit(c.w, id);
}

void s3__blob_drop(req_t *r, const char *id)
{
    if (!id || !id[0]) return;
    /* The row is gone; a failure here only leaves garbage for start-up GC. */
    if (blob_delete(((app_t *)r->app)->store, id) != GR_OK) log_warn("s3: could not delete blob %s", id);
}

size_t s3__obj_blobs(req_t *r, const s3_obj_t *o, str_t **ids, int64_t **sizes)
{
    if (!o->part_blobs.p || !o->part_sizes.p) {
        *ids = ARENA_NEW(r->arena, str_t);
        *sizes = ARENA_NEW(r->arena, int64_t);
        if (!*ids || !*sizes) return 0;
        (*ids)[0] = o->blob;
        (*sizes)[0] = o->size;
        return 1;
    }
    size_t n = 1;
    for (size_t i = 0; i < o->part_blobs.len; i++) n += o->part_blobs.p[i] == ',';
    *ids = ARENA_NEWN(r->arena, str_t, n);
    *sizes = ARENA_NEWN(r->arena, int64_t, n);
    if (!*ids || !*sizes) return 0;
    str_t b = o->part_blobs, z = o->part_sizes;
    size_t k = 0;
    while (k < n && b.p && z.p) {
        str_t one, sz;
        b = str_cut(b, ',', &one);
        z = str_cut(z, ',', &sz);
        long long v = 0;
        if (!str_to_i64(sz, &v)) return 0;
        (*ids)[k] = arena_str(r->arena, one);
        (*sizes)[k++] = v;
    }
    return k == n ? n : 0;
}

void s3__blobs_drop(req_t *r, str_t ids)
{
    while (ids.p && ids.len) {
        str_t one;
        ids = str_cut(ids, ',', &one);
        char id[33];
        if (one.len != 32) continue;
        memcpy(id, one.p, 32);
        id[32] = 0;
        s3__blob_drop(r, id);
    }
}

/* AWS: an account's canonical user id is 64 hex characters, stable for the
 * account; ours is derived from the account id so it never changes. */
str_t s3__owner_id(arena_t *a, str_t account)
{
    char *s = arena_printf(a, "gureum-canonical-user:%.*s", STR_FMT(account));
    char *hex = arena_alloc(a, 65);
    if (!s || !hex) return STR_NULL;
    sigv4_hex_sha256(s, strlen(s), hex);
    return (str_t){hex, 64};
}

val_t *s3__owner(req_t *r)
{
    return s3__owner_of(r, r->who.account);
}

val_t *s3__owner_of(req_t *r, str_t account)
{
    val_t *owner = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, owner, "DisplayName", val_cstr(r->arena, "gureum"));
    val_set_c(r->arena, owner, "ID", val_str(r->arena, s3__owner_id(r->arena, account)));
    return owner;
}

val_t *s3__listed_owner(req_t *r, s3_owners_t *c, str_t acct)
{
    if (!acct.len || str_eq(acct, c->bucket_acct)) {
        if (!c->bucket_owner) c->bucket_owner = s3__owner_of(r, c->bucket_acct);
        return c->bucket_owner;
    }
    if (!c->last_owner || !str_eq(acct, c->last_acct)) c->last_owner = s3__owner_of(r, acct), c->last_acct = acct;
    return c->last_owner;
}
