/* list.c — ListObjects (v1) and ListObjectsV2 over s3_object in byte order
 * (keys are BLOBs, so ORDER BY key is memcmp order, as AWS lists).
 * One walk serves both: start after a marker, keep keys under the prefix,
 * roll keys with the delimiter after the prefix into CommonPrefixes, stop
 * after MaxKeys entries (keys + prefixes). A common prefix at or before the
 * marker was already returned on an earlier page and is skipped. */
#include <string.h>

#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

typedef struct {
    str_t bucket, prefix, delimiter, after; /* after: exclusive start ("" = from the beginning) */
    int64_t max;
    bool url, owner, v2, restore; /* restore: OptionalObjectAttributes names RestoreStatus */
    str_t bucket_owner;           /* its account */
} walk_t;

static str_t enc(req_t *r, const walk_t *w, str_t s)
{
    /* AWS: encoding-type=url percent-encodes keys, prefixes and markers in the response */
    return w->url ? wire_url_encode(r->arena, s, true) : s;
}

static int walk(req_t *r, const walk_t *w, val_t *out, str_t *last, int64_t *count)
{
    arena_t *a = r->arena;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    /* Start at the later of the marker and the prefix. */
    bool from_prefix = str_cmp(w->prefix, w->after) > 0;
    sqlite3_stmt *st;
    /* An object's owner is in its ACL document when someone other than the
     * bucket owner wrote it (access.c); otherwise it is the bucket owner. */
#define LIST_COLS                                                                                                      \
    "SELECT o.key, o.size, o.etag, o.modified_us, o.storage_class, json_extract(a.doc, '$.OwnerAccount'), "            \
    "o.checksum_algo, o.checksum, o.restore_until_us "                                                                 \
    "FROM s3_object o LEFT JOIN s3_object_acl a ON a.bucket = o.bucket AND a.key = o.key "
    const char *sql = from_prefix ? LIST_COLS "WHERE o.bucket = ?1 AND o.key >= ?2 ORDER BY o.key"
                                  : LIST_COLS "WHERE o.bucket = ?1 AND o.key > ?2 ORDER BY o.key";
#undef LIST_COLS
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sqlite3_bind_text(st, 1, w->bucket.p, (int)w->bucket.len, SQLITE_STATIC);
    str_t start = from_prefix ? w->prefix : w->after;
    sqlite3_bind_blob(st, 2, start.p ? start.p : "", (int)start.len, SQLITE_STATIC);
    val_t *contents = val_new(a, VAL_LIST), *prefixes = val_new(a, VAL_LIST);
    str_t last_cp = STR_NULL;
    int64_t n = 0;
    bool truncated = false;
    int rc;
    s3_owners_t owners = {.bucket_acct = w->bucket_owner};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t key = str_n(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        if (!key.p) key = STR("");
        if (!str_starts_with(key, w->prefix)) break; /* past the prefix: nothing later matches */
        str_t cp = STR_NULL;
        if (w->delimiter.len) {
            str_t rest = str_sub(key, w->prefix.len, key.len - w->prefix.len);
            for (size_t i = 0; i + w->delimiter.len <= rest.len; i++)
                if (!memcmp(rest.p + i, w->delimiter.p, w->delimiter.len)) {
                    cp = str_n(key.p, w->prefix.len + i + w->delimiter.len);
                    break;
                }
        }
        if (cp.p && ((last_cp.p && str_eq(cp, last_cp)) || str_cmp(cp, w->after) <= 0)) continue;
        if (n >= w->max) {
            /* AWS: max-keys=0 answers an empty, untruncated page (ceph/s3-tests
             * test_bucket_list_maxkeys_zero) */
            truncated = w->max > 0;
            break;
        }
        n++;
        if (cp.p) {
            last_cp = arena_str(a, cp);
            *last = last_cp;
            val_t *p = val_new(a, VAL_STRUCT);
            val_set_c(a, p, "Prefix", val_str(a, enc(r, w, last_cp)));
            val_push(a, prefixes, p);
            continue;
        }
        str_t k = arena_str(a, key);
        *last = k;
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "Key", val_str(a, enc(r, w, k)));
        val_set_c(a, o, "LastModified", s3__time(r, sqlite3_column_int64(st, 3)));
        val_set_c(a, o, "ETag", val_str(a, s3__col_str(r, st, 2)));
        val_set_c(a, o, "Size", val_int(a, sqlite3_column_int64(st, 1)));
        str_t sc = s3__col_str(r, st, 4);
        val_set_c(a, o, "StorageClass", val_str(a, sc.p ? sc : STR("STANDARD")));
        if (w->owner) val_set_c(a, o, "Owner", s3__listed_owner(r, &owners, s3__col_str(r, st, 5)));
        s3__listed_checksum(r, o, s3__col_str(r, st, 6), s3__col_str(r, st, 7));
        if (w->restore) s3__listed_restore(r, o, sc, sqlite3_column_int64(st, 8));
        val_push(a, contents, o);
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "IsTruncated", val_bool(a, truncated));
    if (val_len(contents)) val_set_c(a, out, "Contents", contents);
    val_set_c(a, out, "Name", val_str(a, w->bucket));
    /* AWS: ListObjects (v1) answers Prefix as sent even with encoding-type=url
     * (botocore decodes it only for v2); v2 encodes it like the keys */
    val_set_c(a, out, "Prefix", val_str(a, w->v2 ? enc(r, w, w->prefix) : w->prefix));
    if (w->delimiter.p) val_set_c(a, out, "Delimiter", val_str(a, enc(r, w, w->delimiter)));
    val_set_c(a, out, "MaxKeys", val_int(a, w->max));
    if (val_len(prefixes)) val_set_c(a, out, "CommonPrefixes", prefixes);
    if (w->url) val_set_c(a, out, "EncodingType", val_cstr(a, "url"));
    *count = n;
    if (!truncated) *last = STR_NULL;
    return GR_OK;
}

static int walk_input(req_t *r, const val_t *in, walk_t *w)
{
    w->bucket = val_get_str(in, "Bucket");
    if (s3__bucket_owned(r, w->bucket, NULL, &w->bucket_owner) != GR_OK) return GR_ERR;
    w->prefix = val_get_str(in, "Prefix");
    if (!w->prefix.p) w->prefix = STR("");
    w->delimiter = val_get_str(in, "Delimiter");
    /* AWS: an empty delimiter is no delimiter; the answer then has no Delimiter element */
    if (!w->delimiter.len) w->delimiter = STR_NULL;
    /* AWS: MaxKeys defaults to (and is capped at) 1,000 */
    w->max = val_get_int(in, "MaxKeys", 1000);
    if (w->max < 0)
        return req_fail(r, &S3_E_InvalidArgument, "Provided max-keys not an integer or within integer range");
    if (w->max > 1000) w->max = 1000;
    str_t et = val_get_str(in, "EncodingType");
    if (et.p && !str_eq_c(et, "url"))
        return req_fail(r, &S3_E_InvalidArgument, "Invalid Encoding Method specified in Request");
    w->url = et.p != NULL;
    w->restore = s3__wants_restore_status(in);
    return GR_OK;
}

int s3_list_objects(req_t *r, const val_t *in, val_t *out)
{
    walk_t w = {0};
    if (walk_input(r, in, &w) != GR_OK) return GR_ERR;
    w.after = val_get_str(in, "Marker");
    if (!w.after.p) w.after = STR("");
    w.owner = true; /* AWS: v1 always lists the owner */
    str_t last = STR_NULL;
    int64_t n;
    if (walk(r, &w, out, &last, &n) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Marker", val_str(r->arena, enc(r, &w, w.after)));
    /* AWS: "This element is returned only if you have the delimiter request
     * parameter specified"; without it clients continue from the last key. */
    if (last.p && w.delimiter.p) val_set_c(r->arena, out, "NextMarker", val_str(r->arena, enc(r, &w, last)));
    return GR_OK;
}

int s3_list_objects_v2(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    walk_t w = {0};
    if (walk_input(r, in, &w) != GR_OK) return GR_ERR;
    w.v2 = true;
    w.owner = val_get_bool(in, "FetchOwner", false);
    str_t token = val_get_str(in, "ContinuationToken"), sa = val_get_str(in, "StartAfter");
    w.after = sa.p ? sa : STR("");
    /* AWS: an empty continuation-token lists from the start (and is echoed) */
    if (token.p && token.len) {
        /* Our continuation token is the base64 of the last key or prefix returned. */
        str_t dec;
        if (!s3__unb64(a, token, &dec) || !dec.len)
            return req_fail(r, &S3_E_InvalidArgument, "The continuation token provided is incorrect");
        w.after = dec;
    }
    str_t last = STR_NULL;
    int64_t n;
    if (walk(r, &w, out, &last, &n) != GR_OK) return GR_ERR;
    val_set_c(a, out, "KeyCount", val_int(a, n));
    if (token.p) val_set_c(a, out, "ContinuationToken", val_str(a, token));
    if (sa.p) val_set_c(a, out, "StartAfter", val_str(a, enc(r, &w, sa)));
    if (last.p)
        val_set_c(a, out, "NextContinuationToken",
                  val_str(a, arena_base64(a, (const unsigned char *)last.p, last.len)));
    return GR_OK;
}
