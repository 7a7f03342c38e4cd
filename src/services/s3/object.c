/* object.c — S3 object operations: PutObject, GetObject, HeadObject,
 * DeleteObject, DeleteObjects, CopyObject.
 * Bytes: PUT's body arrives streamed into a blob (services/body.c, the op is
 * OPF_STREAM_BODY), which is committed before the row that makes it visible; GET answers with
 * the blob's fd (resp.fd, sent with sendfile). Replacing or deleting an object
 * deletes its old blob only after the row change committed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gtime.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "services/app.h"

#define MAX_KEY 1024 /* AWS: "The name for a key … up to 1,024 bytes long" */

static int check_key(req_t *r, str_t key)
{
    if (key.len <= MAX_KEY) return GR_OK;
    return req_fail(r, &S3_E_KeyTooLong, "Your key is too long");
}

/* value: the object's checksum, or one part's; whole: the object's, whose
 * form gives the type (checksum.c) */
static void checksum_out(req_t *r, val_t *out, str_t algo, str_t value, str_t whole)
{
    if (!algo.p || !value.p) return;
    val_set_c(r->arena, out, arena_printf(r->arena, "Checksum%.*s", STR_FMT(algo)), val_str(r->arena, value));
    /* AWS: x-amz-checksum-type says whether the value covers the whole object or
     * is a multipart upload's composite ("…-N"); a part of either has its object's type */
    val_set_c(r->arena, out, "ChecksumType", val_cstr(r->arena, s3__checksum_type(whole)));
}

static bool etag_listed(str_t list, str_t etag);

/* AWS: conditional writes — PutObject and CompleteMultipartUpload with
 * If-Match write only over a current object with that ETag (412
 * PreconditionFailed otherwise, 404 NoSuchKey when there is none);
 * If-None-Match: * only when the key has no current object (412); any
 * other If-None-Match, If-Match: *, or both at once are 501 NotImplemented.
 * botocore 1.26's models have neither member, so they are read from the
 * request's headers. Runs inside the write's transaction, so the check and
 * the write see the same current version. */
int s3__put_conditions(req_t *r, sqlite3 *db, str_t bucket, str_t key)
{
    str_t im = wire_header(&r->w, "If-Match"), inm = wire_header(&r->w, "If-None-Match");
    if (!im.p && !inm.p) return GR_OK;
    /* AWS: one condition at a time, If-None-Match only as *, If-Match only
     * with an ETag; else 501 naming the header */
    const char *hdr = im.p && inm.p                            ? "If-Match,If-None-Match"
                      : inm.p && !str_eq_c(str_trim(inm), "*") ? "If-None-Match"
                      : im.p && str_eq_c(str_trim(im), "*")    ? "If-Match"
                                                               : NULL;
    if (hdr) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Header", val_cstr(r->arena, hdr));
        val_set_c(r->arena, r->err_extra, "additionalMessage",
                  val_cstr(r->arena, im.p && inm.p ? "Multiple conditional request headers present in the request"
                                                   : arena_printf(r->arena,
                                                                  "We don't accept the provided value of %s header "
                                                                  "for this API",
                                                                  hdr)));
        return req_fail(r, &ERR_NotImplemented, "A header you provided implies functionality that is not implemented");
    }
    s3_obj_t cur;
    int found = s3__obj_get(r, db, bucket, key, &cur);
    if (found < 0) return GR_ERR;
    if (im.p && !found) return s3__no_such_key(r, key);
    if ((im.p && !etag_listed(im, cur.etag)) || (inm.p && found && etag_listed(inm, cur.etag))) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Condition", val_cstr(r->arena, im.p ? "If-Match" : "If-None-Match"));
        return req_fail(r, &S3_E_PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
    }
    return GR_OK;
}

/* The Expiration member (x-amz-expiration) of a write's or read's answer. */
static void expiration_out(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o, val_t *out)
{
    str_t e = s3__lifecycle_expiration(r, db, bucket, key, o);
    if (e.p) val_set_c(r->arena, out, "Expiration", val_str(r->arena, e));
}

int s3_put_object(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key");
    if (check_key(r, key) != GR_OK || s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    unsigned char md5[16];
    s3_obj_t o = {0};
    s3__attrs_from_input(r, in, &o.at);
    str_t tagging = val_get_str(in, "Tagging");
    if (tagging.p && s3__tags_parse(r, tagging, &o.tags) != GR_OK) return GR_ERR;
    if (s3__sse_for_write(r, s3__db(r), bucket, in, &o.at.sse) != GR_OK) return GR_ERR; /* sse.c */
    char id[33];
    if (s3__body_to_blob(r, in, id, &o.data, &o.size, md5, &o.at.checksum_algo, &o.at.checksum) != GR_OK) return GR_ERR;
    o.blob = str_c(id);
    o.etag = str_c(arena_printf(a, "\"%.*s\"", STR_FMT(s3__hex(a, md5, 16))));
    o.modified_us = time_now_us();
    sqlite3 *db = s3__db(r);
    str_t old;
    int vers = 0;
    if (!db || s3__begin(db) != GR_OK) goto fail;
    if ((vers = s3__versioning(r, db, bucket, NULL)) < 0 || s3__put_conditions(r, db, bucket, key) != GR_OK ||
        s3__lock_apply(r, db, bucket, in, &o) != GR_OK || s3__version_put(r, db, bucket, key, &o, &old) != GR_OK ||
        s3_object_acl_from_put(r, bucket, key, in) != GR_OK || s3__commit(db) != GR_OK) {
        /* the ACL is written in the object's transaction: both or neither */
        s3__rollback(db);
        goto fail;
    }
    s3__blobs_drop(r, old);
    val_set_c(a, out, "ETag", val_str(a, o.etag));
    /* AWS: x-amz-version-id only for a versioned write (not in a suspended bucket) */
    if (vers && o.version_id.p) val_set_c(a, out, "VersionId", val_str(a, o.version_id));
    expiration_out(r, db, bucket, key, &o, out);
    checksum_out(r, out, o.at.checksum_algo, o.at.checksum, o.at.checksum);
    s3__sse_out(r, o.at.sse, out);
    s3_notify(r, bucket, key, "ObjectCreated:Put", o.size, o.etag, val_get_str(out, "VersionId")); /* notify.c */
    s3__replicate(r, bucket, key);                                                                 /* replication.c */
    return GR_OK;
fail:
    s3__blob_drop(r, id);
    return GR_ERR;
}

str_t s3__etag_bare(str_t etag)
{
    return etag.len >= 2 && etag.p[0] == '"' ? str_sub(etag, 1, etag.len - 2) : etag;
}

/* ==== conditional requests ==== */

/* Does an If-Match / If-None-Match list ("a", "b" or *) name this ETag? */
static bool etag_listed(str_t list, str_t etag)
{
    str_t bare = s3__etag_bare(etag);
    str_t rest = list;
    while (rest.p) {
        str_t item;
        rest = str_cut(rest, ',', &item);
        item = str_trim(item);
        if (str_starts_with(item, STR("W/"))) item = str_sub(item, 2, item.len - 2);
        /* AWS (moto's aws_verified test_put_object_if_match): an ETag
         * without its quotes, or with only one of them, still matches */
        if (item.len && item.p[0] == '"') item = str_sub(item, 1, item.len - 1);
        if (item.len && item.p[item.len - 1] == '"') item.len--;
        if (str_eq_c(item, "*") || str_eq(item, bare)) return true;
    }
    return false;
}

static int64_t time_member(const val_t *in, const char *name)
{
    const val_t *v = val_get(in, name);
    return v && v->kind == VAL_TIME ? v->u.t : INT64_MIN;
}

/* AWS: GetObject / HeadObject — If-Match false → 412; If-None-Match true →
 * 304; If-Unmodified-Since is ignored when If-Match is present and true;
 * If-Modified-Since is ignored when If-None-Match is present and false
 * (RFC 7232 precedence). Dates compare at whole seconds (HTTP dates).
 * copy: the x-amz-copy-source-if-* variant, where every failure is 412. */
int s3__check_conditions(req_t *r, const val_t *in, const s3_obj_t *o, bool copy)
{
    const char *m_match = copy ? "CopySourceIfMatch" : "IfMatch";
    const char *m_none = copy ? "CopySourceIfNoneMatch" : "IfNoneMatch";
    const char *m_mod = copy ? "CopySourceIfModifiedSince" : "IfModifiedSince";
    const char *m_unmod = copy ? "CopySourceIfUnmodifiedSince" : "IfUnmodifiedSince";
    int64_t mod_s = o->modified_us / 1000000;
    str_t im = val_get_str(in, m_match), inm = val_get_str(in, m_none);
    int64_t ims = time_member(in, m_mod), ius = time_member(in, m_unmod);
    const aws_errdef_t *not_mod = copy ? &S3_E_PreconditionFailed : &S3_E_NotModified;
    const char *cond = NULL;
    if (im.p && !etag_listed(im, o->etag))
        cond = "If-Match";
    else if (!im.p && ius != INT64_MIN && mod_s > ius / 1000000)
        cond = "If-Unmodified-Since";
    if (cond) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Condition", val_cstr(r->arena, cond));
        return req_fail(r, &S3_E_PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
    }
    bool nm = false;
    if (inm.p)
        nm = etag_listed(inm, o->etag);
    else if (ims != INT64_MIN)
        nm = mod_s <= ims / 1000000;
    if (nm) {
        if (!copy) {
            /* AWS (and RFC 7232 4.1): a 304 still carries ETag and Last-Modified */
            char lm[32];
            time_fmt_rfc822(lm, o->modified_us);
            wire_resp_header(&r->resp, r->arena, "ETag", o->etag);
            wire_resp_header(&r->resp, r->arena, "Last-Modified", str_c(arena_strdup(r->arena, lm)));
        }
        if (copy) {
            r->err_extra = val_new(r->arena, VAL_STRUCT);
            val_set_c(
                r->arena, r->err_extra, "Condition",
                val_cstr(r->arena, inm.p ? "x-amz-copy-source-If-None-Match" : "x-amz-copy-source-If-Modified-Since"));
        }
        return req_fail(r, not_mod,
                        copy ? "At least one of the pre-conditions you specified did not hold" : "Not Modified");
    }
    return GR_OK;
}

/* ==== GET / HEAD ==== */

/* Parses "bytes=a-b", "bytes=a-", "bytes=-n" against size. 1: a range
 * [*from, *to]; 0: no usable range header (served whole, as AWS ignores a
 * malformed one); -1: unsatisfiable. */
static int parse_range(str_t h, int64_t size, int64_t *from, int64_t *to)
{
    h = str_trim(h);
    if (!str_starts_with(h, STR("bytes="))) return 0;
    str_t spec = str_sub(h, 6, h.len - 6);
    if (str_index(spec, ',') >= 0) return 0; /* multiple ranges: AWS serves the whole object */
    str_t first;
    str_t last = str_cut(spec, '-', &first);
    if (!last.p) return 0;
    long long a = -1, b = -1;
    first = str_trim(first), last = str_trim(last);
    /* a sign is no digit: "bytes=0--1" is malformed, so AWS serves it whole (moto's aws_verified test_ranged_get) */
    if ((first.len && !isdigit((unsigned char)first.p[0])) || (last.len && !isdigit((unsigned char)last.p[0])))
        return 0;
    if (first.len && !str_to_i64(first, &a)) return 0;
    if (last.len && !str_to_i64(last, &b)) return 0;
    if (a < 0 && b < 0) return 0;
    if (a < 0) { /* suffix */
        if (b == 0 || size == 0) return -1;
        *from = b >= size ? 0 : size - b;
        *to = size - 1;
        return 1;
    }
    if (b >= 0 && b < a) return 0;
    if (a >= size) return -1;
    *from = a;
    *to = b < 0 || b >= size ? size - 1 : b;
    return 1;
}

/* An object stored as its parts answers with each part's blob in turn
 * (wire_body_src_t): the http layer opens the next only when the previous
 * one has been sent. The state outlives the request's arena (malloc). */
typedef struct {
    store_t *store;
    size_t n, i;
    int64_t skip, left; /* bytes to skip in the pieces ahead, bytes still to send */
    char (*ids)[33];
    int64_t *sizes;
} parts_src_t;

static int parts_next(void *ud, int *fd, off_t *off, size_t *len)
{
    parts_src_t *p = ud;
    while (p->left > 0 && p->i < p->n) {
        size_t i = p->i++;
        if (p->skip >= p->sizes[i]) {
            p->skip -= p->sizes[i];
            continue;
        }
        off_t size;
        int f = blob_open(p->store, p->ids[i], &size);
        if (f < 0 || size < p->sizes[i]) {
            if (f >= 0) close(f);
            return -1;
        }
        int64_t n = p->sizes[i] - p->skip;
        if (n > p->left) n = p->left;
        *fd = f, *off = (off_t)p->skip, *len = (size_t)n;
        p->skip = 0;
        p->left -= n;
        return 1;
    }
    return p->left > 0 ? -1 : 0;
}

static void parts_free(void *ud)
{
    parts_src_t *p = ud;
    free(p->ids);
    free(p->sizes);
    free(p);
}

static int parts_body(req_t *r, const s3_obj_t *o, int64_t from, int64_t len)
{
    str_t *ids;
    int64_t *sizes;
    size_t n = s3__obj_blobs(r, o, &ids, &sizes);
    if (!n) return GR_ERR;
    wire_body_src_t *src = calloc(1, sizeof *src);
    parts_src_t *p = calloc(1, sizeof *p);
    if (p) p->ids = calloc(n, sizeof *p->ids), p->sizes = calloc(n, sizeof *p->sizes);
    if (!src || !p || !p->ids || !p->sizes) {
        free(src);
        if (p) parts_free(p);
        return GR_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(p->ids[i], 33, "%.*s", STR_FMT(ids[i]));
        p->sizes[i] = sizes[i];
    }
    p->store = ((app_t *)r->app)->store;
    p->n = n, p->skip = from, p->left = len;
    *src = (wire_body_src_t){parts_next, parts_free, p};
    r->resp.src = src;
    r->resp.len = (size_t)len;
    return GR_OK;
}

static int get_or_head(req_t *r, const val_t *in, val_t *out, bool head)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    s3_obj_t o;
    str_t vid = val_get_str(in, "VersionId");
    int found = db ? s3__version_get(r, db, bucket, key, vid, &o) : -1;
    if (found < 0) return GR_ERR;
    if (!found && vid.p) return s3__no_such_version(r, key, vid); /* 400 InvalidArgument when malformed */
    if (!found) {
        /* AWS: when the current version is a delete marker, the 404 says so
         * with x-amz-delete-marker: true and the marker's x-amz-version-id */
        str_t dm_vid;
        int dm = s3__current_delete_marker(r, db, bucket, key, &dm_vid);
        if (dm < 0) return GR_ERR;
        if (dm) {
            wire_resp_header(&r->resp, a, "x-amz-delete-marker", STR("true"));
            wire_resp_header(&r->resp, a, "x-amz-version-id", dm_vid.p ? dm_vid : STR("null"));
        }
        return s3__no_such_key(r, key);
    }
    /* AWS (GetObject/HeadObject): a delete marker named by version id → 405
     * MethodNotAllowed with x-amz-delete-marker: true and Last-Modified */
    if (o.delete_marker) {
        char lm[32];
        time_fmt_rfc822(lm, o.modified_us);
        wire_resp_header(&r->resp, a, "Last-Modified", str_c(arena_strdup(a, lm)));
        wire_resp_header(&r->resp, a, "x-amz-delete-marker", STR("true"));
        wire_resp_header(&r->resp, a, "x-amz-version-id", s3__vid_out(&o));
        return req_fail(r, &ERR_MethodNotAllowed, "The specified method is not allowed against this resource.");
    }
    if (s3__sse_for_read(r, in, o.at.sse, false) != GR_OK) return GR_ERR; /* SSE-C key: sse.c */
    if (s3__check_conditions(r, in, &o, false) != GR_OK) return GR_ERR;
    if (s3__archive_check(r, &o, out, head ? S3_ARCHIVE_HEAD : S3_ARCHIVE_READ) != GR_OK)
        return GR_ERR;                                                                      /* HEAD reads no bytes */
    if (o.replication.p) val_set_c(a, out, "ReplicationStatus", val_str(a, o.replication)); /* replication.c */
    int vers = s3__versioning(r, db, bucket, NULL);
    if (vers < 0) return GR_ERR;
    if (vers || o.version_id.p) val_set_c(a, out, "VersionId", val_str(a, s3__vid_out(&o)));
    if (!vid.p) expiration_out(r, db, bucket, key, &o, out); /* a version read by id may be noncurrent */
    if (o.tags.p && head) /* AWS: HeadObject answers x-amz-tagging-count too; its model lacks the member */
        wire_resp_header(&r->resp, a, "x-amz-tagging-count",
                         str_c(arena_printf(a, "%lld", (long long)s3__tags_count(o.tags))));
    else if (o.tags.p)
        val_set_c(a, out, "TagCount", val_int(a, s3__tags_count(o.tags)));
    if (o.lock_mode.p) {
        val_set_c(a, out, "ObjectLockMode", val_str(a, o.lock_mode));
        val_set_c(a, out, "ObjectLockRetainUntilDate", val_time(a, o.lock_until_us));
    }
    if (o.legal_hold) val_set_c(a, out, "ObjectLockLegalHoldStatus", val_cstr(a, "ON"));
    int64_t from = 0, to = o.size - 1;
    str_t range = val_get_str(in, "Range");
    int rr = range.p ? parse_range(range, o.size, &from, &to) : 0;
    int64_t pn = val_get_int(in, "PartNumber", 0);
    if (val_get(in, "PartNumber")) {
        /* AWS: GetObject partNumber reads one part of a multipart object as a
         * ranged GET; a single-part object has only part 1 (all of it). */
        if (range.p)
            return req_fail(r, &ERR_InvalidRequest, "Cannot specify both Range header and partNumber query parameter");
        if (pn < 1 || pn > 10000)
            return req_fail(r, &S3_E_InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
        if (pn > (o.parts ? o.parts : 1) || o.size == 0)
            return req_fail(r, &S3_E_InvalidPartNumber, "The requested partnumber is not satisfiable");
        if (o.parts) {
            str_t rest = o.part_sizes;
            int64_t off = 0, sz = 0;
            for (int64_t i = 1; i <= pn && rest.p; i++) {
                str_t item;
                rest = str_cut(rest, ',', &item);
                long long v = 0;
                if (!str_to_i64(item, &v)) return GR_ERR;
                if (i < pn)
                    off += v;
                else
                    sz = v;
            }
            from = off, to = off + sz - 1;
            if (sz == 0 || to >= o.size) return GR_ERR;
        }
        rr = 1;
        /* AWS: x-amz-mp-parts-count only for objects uploaded in parts */
        if (o.parts) val_set_c(a, out, "PartsCount", val_int(a, o.parts));
        /* AWS: with ChecksumMode, a part's read answers that part's checksum */
        str_t cks = o.part_checksums, ck = STR_NULL;
        for (int64_t i = 1; i <= pn && cks.p; i++) cks = str_cut(cks, ',', &ck);
        if (ck.len && str_eq_nocase(val_get_str(in, "ChecksumMode"), STR("ENABLED")))
            checksum_out(r, out, o.at.checksum_algo, ck, o.at.checksum);
    }
    if (rr < 0) {
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "RangeRequested", val_str(a, range));
        val_set_c(a, r->err_extra, "ActualObjectSize", val_int(a, o.size));
        return req_fail(r, &S3_E_InvalidRange, "The requested range is not satisfiable");
    }
    s3__attrs_to_output(r, &o.at, out);
    val_set_c(a, out, "AcceptRanges", val_cstr(a, "bytes"));
    val_set_c(a, out, "LastModified", s3__time(r, o.modified_us));
    val_set_c(a, out, "ETag", val_str(a, o.etag));
    int64_t len = o.size ? to - from + 1 : 0;
    val_set_c(a, out, "ContentLength", val_int(a, len));
    if (rr > 0) {
        val_set_c(
            a, out, "ContentRange",
            val_cstr(a, arena_printf(a, "bytes %lld-%lld/%lld", (long long)from, (long long)to, (long long)o.size)));
        r->resp.status = 206;
    } else if (str_eq_nocase(val_get_str(in, "ChecksumMode"), STR("ENABLED"))) {
        /* AWS: checksums are returned for whole-object reads when asked for */
        checksum_out(r, out, o.at.checksum_algo, o.at.checksum, o.at.checksum);
    }
    /* AWS: response-* query parameters override the stored headers (GetObject,
     * and HeadObject since the model gave it the members) */
    static const struct {
        const char *q, *h;
    } ov[] = {{"ResponseContentType", "ContentType"},         {"ResponseContentLanguage", "ContentLanguage"},
              {"ResponseCacheControl", "CacheControl"},       {"ResponseContentDisposition", "ContentDisposition"},
              {"ResponseContentEncoding", "ContentEncoding"}, {"ResponseExpires", "Expires"}};
    for (size_t i = 0; i < sizeof ov / sizeof ov[0]; i++) {
        val_t *v = val_get(in, ov[i].q);
        if (v) val_set_c(a, out, ov[i].h, v);
    }
    if (head || len == 0) return GR_OK;
    return s3__obj_body(r, &o, from, len, out);
}

int s3__obj_body(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, val_t *out)
{
    if (o->data.p) {
        if (from < 0 || len < 0 || (uint64_t)(from + len) > o->data.len) return GR_ERR;
        str_t bytes = str_sub(o->data, (size_t)from, (size_t)len);
        if (out) {
            val_set_c(r->arena, out, "Body", val_blob(r->arena, bytes));
            return GR_OK;
        }
        if (!r->resp.body.a) buf_init(&r->resp.body, r->arena);
        buf_put_str(&r->resp.body, bytes);
        return r->resp.body.failed ? GR_ERR : GR_OK;
    }
    if (o->part_blobs.p) return parts_body(r, o, from, len);
    off_t size;
    int fd = blob_open(((app_t *)r->app)->store, o->blob.p, &size);
    if (fd < 0) return GR_ERR;
    if (size < o->size) {
        close(fd);
        return GR_ERR;
    }
    r->resp.fd = fd;
    r->resp.off = (off_t)from;
    r->resp.len = (size_t)len;
    return GR_OK;
}

/* One read transaction for the handful of lookups a GET makes: SQLite then
 * takes its file locks once instead of once per statement (measured: the
 * locks were the largest single cost of a 4 KiB GET). The blob is opened
 * inside it, so the answer is one consistent version. */
static int get_or_head_tx(req_t *r, const val_t *in, val_t *out, bool head)
{
    sqlite3 *db = s3__db(r);
    if (!db || s3__begin_read(db) != GR_OK) return GR_ERR;
    int rc = get_or_head(r, in, out, head);
    if (s3__commit(db) != GR_OK) s3__rollback(db);
    return rc;
}

int s3_get_object(req_t *r, const val_t *in, val_t *out)
{
    return get_or_head_tx(r, in, out, false);
}
int s3_head_object(req_t *r, const val_t *in, val_t *out)
{
    return get_or_head_tx(r, in, out, true);
}

/* ==== DELETE ==== */

/* AWS: conditional deletes (general purpose buckets since 2025-09): with
 * If-Match (or DeleteObjects' ETag), the current version must exist — else
 * 404 NoSuchKey, as moto's AWS-verified test_delete_object_if_match shows —
 * and have that ETag (* names any), else 412 PreconditionFailed; the
 * condition is on the current version even when a VersionId is named. The
 * size and last-modified-time conditions are for directory buckets only:
 * 501 NotImplemented naming the header here, never silently ignored. Runs in
 * the delete's transaction, so the check and the delete see one version. */
typedef struct {
    str_t etag;              /* If-Match / ETag, or STR_NULL */
    const char *unsupported; /* the header of a directory-bucket-only condition, or NULL */
} del_cond_t;

static int delete_conditions(req_t *r, sqlite3 *db, str_t bucket, str_t key, const del_cond_t *c)
{
    if (c->unsupported) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Header", val_cstr(r->arena, c->unsupported));
        return req_fail(r, &ERR_NotImplemented, "A header you provided implies functionality that is not implemented");
    }
    if (!c->etag.p) return GR_OK;
    s3_obj_t cur;
    int found = s3__obj_get(r, db, bucket, key, &cur);
    if (found < 0) return GR_ERR;
    if (!found) return s3__no_such_key(r, key);
    if (!etag_listed(c->etag, cur.etag)) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Condition", val_cstr(r->arena, "If-Match"));
        return req_fail(r, &S3_E_PreconditionFailed, "At least one of the pre-conditions you specified did not hold");
    }
    return GR_OK;
}

/* The conditions of a DeleteObject request, or of one DeleteObjects entry. */
static del_cond_t delete_cond_of(const val_t *in, bool entry)
{
    del_cond_t c = {val_get_str(in, entry ? "ETag" : "IfMatch"), NULL};
    if (val_get(in, entry ? "Size" : "IfMatchSize"))
        c.unsupported = entry ? "Size" : "x-amz-if-match-size";
    else if (val_get(in, entry ? "LastModifiedTime" : "IfMatchLastModifiedTime"))
        c.unsupported = entry ? "LastModifiedTime" : "x-amz-if-match-last-modified-time";
    return c;
}

/* AWS: deleting a key that does not exist succeeds (204). out receives
 * DeleteMarker / VersionId. */
static int delete_one(req_t *r, str_t bucket, str_t key, str_t vid, const del_cond_t *cond, val_t *out)
{
    /* AWS: a delete conditional on an ETag reads the object's ETag, so it
     * also needs s3:GetObject ("How to perform conditional deletes") */
    if (cond->etag.p && !str_eq_c(str_trim(cond->etag), "*") && s3__bucket_source(r, bucket, key, STR_NULL) != GR_OK)
        return GR_ERR;
    sqlite3 *db = s3__db(r);
    str_t drop;
    if (!db || s3__begin(db) != GR_OK) return GR_ERR;
    if (delete_conditions(r, db, bucket, key, cond) != GR_OK ||
        s3__lock_check_delete(r, db, bucket, key, vid) != GR_OK) {
        s3__rollback(db);
        return GR_ERR;
    }
    if (s3__version_delete(r, db, bucket, key, vid, &drop, out) != GR_OK || s3__commit(db) != GR_OK) {
        s3__rollback(db);
        return GR_ERR;
    }
    s3__blobs_drop(r, drop);
    s3_object_removed(r, bucket, key, "ObjectRemoved:Delete", val_get_str(out, "VersionId"),
                      !vid.p && val_get(out, "DeleteMarker")); /* ACL, events: notify.c */
    if (!vid.p && val_get(out, "DeleteMarker")) s3__replicate_marker(r, bucket, key, val_get_str(out, "VersionId"));
    return GR_OK;
}

int s3_delete_object(req_t *r, const val_t *in, val_t *out)
{
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    del_cond_t cond = delete_cond_of(in, false);
    return delete_one(r, bucket, val_get_str(in, "Key"), val_get_str(in, "VersionId"), &cond, out);
}

int s3_delete_objects(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    const val_t *del = val_get(in, "Delete");
    const val_t *objs = del ? val_get(del, "Objects") : NULL;
    /* AWS: up to 1,000 keys; an empty or oversized list is MalformedXML */
    if (!objs || objs->kind != VAL_LIST || objs->u.list.n == 0 || objs->u.list.n > 1000) return s3__malformed(r, NULL);
    bool quiet = val_get_bool(del, "Quiet", false);
    val_t *deleted = val_new(a, VAL_LIST), *errors = val_new(a, VAL_LIST);
    for (size_t i = 0; i < objs->u.list.n; i++) {
        str_t key = val_get_str(objs->u.list.v[i], "Key"), vid = val_get_str(objs->u.list.v[i], "VersionId");
        val_t *e = val_new(a, VAL_STRUCT), *res = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "Key", val_str(a, key));
        del_cond_t cond = delete_cond_of(objs->u.list.v[i], true);
        if (key.len > MAX_KEY || delete_one(r, bucket, key, vid, &cond, res) != GR_OK) {
            const char *code = key.len > MAX_KEY ? "KeyTooLongError" : r->err ? r->err->code : "InternalError";
            const char *msg = key.len > MAX_KEY ? "Your key is too long"
                              : r->err          ? r->err_msg
                                                : "We encountered an internal error. Please try again.";
            val_set_c(a, e, "Code", val_cstr(a, code));
            val_set_c(a, e, "Message", val_cstr(a, msg ? msg : ""));
            if (vid.p) val_set_c(a, e, "VersionId", val_str(a, vid));
            val_push(a, errors, e);
            r->err = NULL;
            r->err_extra = NULL;
            continue;
        }
        if (vid.p) val_set_c(a, e, "VersionId", val_str(a, vid));
        if (val_get_bool(res, "DeleteMarker", false)) {
            val_set_c(a, e, "DeleteMarker", val_bool(a, true));
            val_set_c(a, e, "DeleteMarkerVersionId", val_get(res, "VersionId"));
        }
        /* AWS: Quiet mode reports only the keys that failed */
        if (!quiet) val_push(a, deleted, e);
    }
    if (val_len(deleted)) val_set_c(a, out, "Deleted", deleted);
    if (val_len(errors)) val_set_c(a, out, "Errors", errors);
    return GR_OK;
}

/* ==== COPY ==== */

/* x-amz-copy-source: "bucket/key" or "/bucket/key", URL-encoded, with an
 * optional "?versionId=…". */
bool s3__parse_copy_source(arena_t *a, str_t cs, str_t *bucket, str_t *key, str_t *vid)
{
    long q = -1;
    for (size_t i = 0; i + 11 <= cs.len; i++)
        if (!memcmp(cs.p + i, "?versionId=", 11)) {
            q = (long)i;
            break;
        }
    *vid = STR_NULL;
    if (q >= 0) {
        *vid = str_sub(cs, (size_t)q + 11, cs.len - (size_t)q - 11);
        cs.len = (size_t)q;
    }
    str_t d = wire_url_decode(a, cs, false);
    if (!d.p) return false;
    if (d.len && d.p[0] == '/') d = str_sub(d, 1, d.len - 1);
    *key = str_cut(d, '/', bucket);
    return key->p && key->len && bucket->len;
}

int s3_copy_object(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key");
    str_t sb, sk, svid;
    if (!s3__parse_copy_source(a, val_get_str(in, "CopySource"), &sb, &sk, &svid))
        return req_fail(r, &S3_E_InvalidArgument, "Invalid copy source object key");
    if (check_key(r, key) != GR_OK || s3__bucket(r, bucket, NULL) != GR_OK ||
        s3__bucket_source(r, sb, sk, svid) != GR_OK)
        return GR_ERR;
    sqlite3 *db = s3__db(r);
    s3_obj_t src;
    int found = db ? s3__version_get(r, db, sb, sk, svid, &src) : -1;
    if (found < 0 || s3__copy_source_found(r, found, &src, sk, svid) != GR_OK) return GR_ERR;
    if (s3__check_conditions(r, in, &src, true) != GR_OK || s3__sse_for_read(r, in, src.at.sse, true) != GR_OK ||
        s3__archive_check(r, &src, NULL, S3_ARCHIVE_COPY) != GR_OK)
        return GR_ERR;
    str_t directive = val_get_str(in, "MetadataDirective");
    bool replace = str_eq_c(directive, "REPLACE");
    s3_obj_t o = src;
    o.parts = 0;
    if (replace) {
        s3__attrs_from_input(r, in, &o.at);
        o.at.checksum_algo = src.at.checksum_algo, o.at.checksum = src.at.checksum;
    } else {
        /* AWS (CopyObject, x-amz-storage-class): "If the x-amz-storage-class header is not used, the
         * copied object will be stored in the STANDARD Storage Class by default" — not the source's */
        o.at.storage_class = val_get_str(in, "StorageClass");
    }
    /* AWS (CopyObject, x-amz-website-redirect-location): "not copied when
     * using the x-amz-metadata-directive header" — only the request's counts */
    o.at.redirect = val_get_str(in, "WebsiteRedirectLocation");
    /* AWS: the copy is encrypted as its own request (or its bucket's default) says, not as the source */
    if (s3__sse_for_write(r, db, bucket, in, &o.at.sse) != GR_OK) return GR_ERR;
    /* AWS: copying an object onto itself must change something (a new
     * checksum algorithm counts: it is how an object's checksum is changed) */
    bool in_place = str_eq(bucket, sb) && str_eq(key, sk) && !replace && !val_get_str(in, "StorageClass").p &&
                    !val_get_str(in, "WebsiteRedirectLocation").p && !val_get_str(in, "ServerSideEncryption").p &&
                    !val_get_str(in, "SSECustomerAlgorithm").p && !val_get_str(in, "ChecksumAlgorithm").p;
    /* AWS (LocalStack's recorded test_copy_in_place_with_bucket_encryption): a
     * bucket with a default encryption put on it re-encrypts, so the copy is legal */
    val_t *enc = NULL;
    if (in_place && s3_cfg_get(r, db, bucket, "encryption", &enc) < 0) return GR_ERR;
    if (in_place && !enc)
        return req_fail(r, &ERR_InvalidRequest,
                        "This copy request is illegal because it is trying to copy an object to itself without "
                        "changing the object's metadata, storage class, website redirect location or encryption "
                        "attributes.");
    /* AWS: x-amz-tagging-directive COPY (default) keeps the source's tags */
    str_t tdir = val_get_str(in, "TaggingDirective");
    if (str_eq_c(tdir, "REPLACE")) {
        o.tags = STR_NULL;
        str_t tagging = val_get_str(in, "Tagging");
        if (tagging.p && s3__tags_parse(r, tagging, &o.tags) != GR_OK) return GR_ERR;
    }
    o.lock_mode = STR_NULL, o.lock_until_us = 0, o.legal_hold = false;
    o.restore_until_us = 0;   /* the copy is a new object: not restored, whatever its class, */
    o.replication = STR_NULL; /* and replicated (or not) as a new object */
    int vers = s3__versioning(r, db, bucket, NULL);
    if (vers < 0) return GR_ERR;
    /* AWS: x-amz-checksum-algorithm names the copy's checksum. The source's
     * is kept when it is of that algorithm (or none is named); otherwise S3
     * computes the named one over the copied bytes, as a full-object checksum. */
    str_t algo = val_get_str(in, "ChecksumAlgorithm");
    body_cksum_t ck;
    bool recompute = algo.p && !str_eq(algo, src.at.checksum_algo);
    if (recompute && !body_cksum_begin(a, &ck, algo))
        return req_fail(r, &S3_E_InvalidArgument, "Invalid checksum algorithm: %.*s", STR_FMT(algo));
    char id[33] = "";
    if (!src.data.p && (recompute || !(str_eq(bucket, sb) && str_eq(key, sk) && vers == S3_VERS_NONE && !svid.p))) {
        /* A blob belongs to one row, so another key gets its own copy;
         * copying onto itself keeps the bytes where they are (unless they
         * must be read for a new checksum), and a small object's data goes
         * with the row (o = src). */
        if (recompute) {
            unsigned char md5[16];
            if (s3__blob_copy_range(r, &src, 0, src.size, id, md5, &ck) != GR_OK) return GR_ERR;
        } else {
            str_t *ids;
            int64_t *sizes;
            size_t nb = s3__obj_blobs(r, &src, &ids, &sizes);
            if (!nb || s3__blob_concat(r, ids, nb, id) != GR_OK) return GR_ERR;
        }
        o.blob = str_c(id);
        o.part_blobs = STR_NULL; /* the copy is one blob; part sizes stay for ?partNumber= */
    } else if (recompute) {
        body_cksum_update(&ck, src.data.p ? src.data.p : "", src.data.len);
    }
    if (recompute) {
        unsigned char sum[BODY_CKSUM_MAX];
        unsigned n = body_cksum_final(&ck, sum);
        o.at.checksum_algo = str_c(ck.algo), o.at.checksum = arena_base64(a, sum, n);
    }
    o.modified_us = time_now_us();
    str_t old;
    if (s3__begin(db) != GR_OK) goto fail;
    /* AWS: a copy's If-Match / If-None-Match are conditions on the target, as PutObject's */
    if (s3__put_conditions(r, db, bucket, key) != GR_OK || s3__lock_apply(r, db, bucket, in, &o) != GR_OK ||
        s3__version_put(r, db, bucket, key, &o, &old) != GR_OK || s3__commit(db) != GR_OK) {
        s3__rollback(db);
        goto fail;
    }
    s3__blobs_drop(r, old);
    s3_object_written(r, bucket, key, in, "ObjectCreated:Copy", o.size, o.etag); /* ACL, events: notify.c */
    s3__replicate(r, bucket, key);
    if (vers && o.version_id.p) val_set_c(a, out, "VersionId", val_str(a, o.version_id));
    if (src.version_id.p) val_set_c(a, out, "CopySourceVersionId", val_str(a, src.version_id));
    expiration_out(r, db, bucket, key, &o, out);
    val_t *res = val_new(a, VAL_STRUCT);
    val_set_c(a, res, "ETag", val_str(a, o.etag));
    val_set_c(a, res, "LastModified", s3__time(r, o.modified_us));
    /* AWS: CopyObjectResult carries the copy's checksum and its type */
    if (o.at.checksum_algo.p && o.at.checksum.p) {
        val_set_c(a, res, arena_printf(a, "Checksum%.*s", STR_FMT(o.at.checksum_algo)), val_str(a, o.at.checksum));
        val_set_c(a, res, "ChecksumType", val_cstr(a, s3__checksum_type(o.at.checksum)));
    }
    val_set_c(a, out, "CopyObjectResult", res);
    s3__sse_out(r, o.at.sse, out);
    return GR_OK;
fail:
    s3__blob_drop(r, id);
    return GR_ERR;
}

/* ==== GetObjectAttributes ==== */

static bool wants(const val_t *list, const char *name)
{
    for (size_t i = 0; list && list->kind == VAL_LIST && i < list->u.list.n; i++) {
        const val_t *v = list->u.list.v[i];
        if ((v->kind == VAL_STR || v->kind == VAL_BLOB)) {
            /* a header list may arrive as one "A,B" item */
            str_t rest = v->u.s;
            while (rest.p) {
                str_t item;
                rest = str_cut(rest, ',', &item);
                if (str_eq_nocase(str_trim(item), str_c(name))) return true;
            }
        }
    }
    return false;
}

int s3_get_object_attributes(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), vid = val_get_str(in, "VersionId");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    s3_obj_t o;
    int found = db ? s3__version_get(r, db, bucket, key, vid, &o) : -1;
    if (found < 0) return GR_ERR;
    if (!found || o.delete_marker) return s3__no_such_key(r, key);
    if (s3__sse_for_read(r, in, o.at.sse, false) != GR_OK) return GR_ERR; /* an SSE-C object's key */
    const val_t *want = val_get(in, "ObjectAttributes");
    val_set_c(a, out, "LastModified", s3__time(r, o.modified_us));
    if (o.version_id.p) val_set_c(a, out, "VersionId", val_str(a, o.version_id));
    /* AWS: GetObjectAttributes answers the ETag without quotes */
    if (wants(want, "ETag")) val_set_c(a, out, "ETag", val_str(a, s3__etag_bare(o.etag)));
    if (wants(want, "StorageClass"))
        val_set_c(a, out, "StorageClass", val_str(a, o.at.storage_class.p ? o.at.storage_class : STR("STANDARD")));
    if (wants(want, "ObjectSize")) val_set_c(a, out, "ObjectSize", val_int(a, o.size));
    if (wants(want, "Checksum") && o.at.checksum_algo.p && o.at.checksum.p) {
        val_t *c = val_new(a, VAL_STRUCT);
        val_set_c(a, c, arena_printf(a, "Checksum%.*s", STR_FMT(o.at.checksum_algo)), val_str(a, o.at.checksum));
        val_set_c(a, c, "ChecksumType", val_cstr(a, s3__checksum_type(o.at.checksum)));
        val_set_c(a, out, "Checksum", c);
    }
    if (wants(want, "ObjectParts") && o.parts > 0) {
        int64_t marker = val_get_int(in, "PartNumberMarker", 0), max = val_get_int(in, "MaxParts", 1000);
        val_t *op = val_new(a, VAL_STRUCT), *parts = val_new(a, VAL_LIST);
        val_set_c(a, op, "TotalPartsCount", val_int(a, o.parts));
        val_set_c(a, op, "PartNumberMarker", val_int(a, marker));
        val_set_c(a, op, "MaxParts", val_int(a, max));
        str_t rest = o.part_sizes, cks = o.part_checksums;
        int64_t num = 0, last = marker;
        bool truncated = false;
        while (rest.p && rest.len) {
            str_t item;
            rest = str_cut(rest, ',', &item);
            long long sz = 0;
            str_to_i64(item, &sz);
            str_t ck = STR_NULL;
            if (cks.p) cks = str_cut(cks, ',', &ck);
            if (++num <= marker) continue;
            if ((int64_t)val_len(parts) >= max) {
                truncated = true;
                break;
            }
            val_t *p = val_new(a, VAL_STRUCT);
            val_set_c(a, p, "PartNumber", val_int(a, num));
            val_set_c(a, p, "Size", val_int(a, sz));
            /* AWS: each part's own checksum, of the upload's algorithm */
            if (ck.len && o.at.checksum_algo.p)
                val_set_c(a, p, arena_printf(a, "Checksum%.*s", STR_FMT(o.at.checksum_algo)), val_str(a, ck));
            val_push(a, parts, p);
            last = num;
        }
        val_set_c(a, op, "IsTruncated", val_bool(a, truncated));
        val_set_c(a, op, "NextPartNumberMarker", val_int(a, last));
        if (val_len(parts)) val_set_c(a, op, "Parts", parts);
        val_set_c(a, out, "ObjectParts", op);
    }
    return GR_OK;
}
