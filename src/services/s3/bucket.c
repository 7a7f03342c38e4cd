/* bucket.c — S3 bucket operations over s3_bucket (schema/001_buckets.sql):
 * CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation.
 * Bucket names are one global namespace (as on AWS): the name alone is the
 * key, and another account's bucket of that name is BucketAlreadyExists. */
#include <sqlite3.h>
#include <stdio.h>

#include "core/gtime.h"
#include "core/regions.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

/* AWS: "Bucket naming rules" (general purpose buckets): 3–63 characters of
 * lower-case letters, digits, dots and hyphens; begins and ends with a letter
 * or digit; no two adjacent periods; not an IP address; not the reserved
 * prefixes xn--, sthree-, amzn-s3-demo- nor suffixes -s3alias, --ol-s3, .mrap,
 * --x-s3. */
static bool valid_bucket_name(str_t n)
{
    if (n.len < 3 || n.len > 63) return false;
    int dots = 0;
    bool all_digits_dots = true;
    for (size_t i = 0; i < n.len; i++) {
        char c = n.p[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-') return false;
        if ((i == 0 || i == n.len - 1) && !alnum) return false;
        if (c == '.' && i && n.p[i - 1] == '.') return false;
        if (c == '.') dots++;
        if (!(c == '.' || (c >= '0' && c <= '9'))) all_digits_dots = false;
    }
    if (all_digits_dots && dots == 3) return false; /* 192.168.5.4 */
    static const char *const pre[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const suf[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (str_starts_with(n, str_c(pre[i]))) return false;
    for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++)
        if (str_ends_with(n, str_c(suf[i]))) return false;
    return true;
}

/* A region name as AWS spells them: "ap-northeast-2", "us-gov-west-1", "EU". */
static bool looks_like_region(str_t s)
{
    if (str_eq_c(s, "EU")) return true;
    if (s.len < 9 || s.len > 25 || s.p[s.len - 1] < '0' || s.p[s.len - 1] > '9') return false;
    int dashes = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '-')
            dashes++;
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return dashes >= 2;
}

static val_t *bucket_extra(req_t *r, str_t name)
{
    val_t *x = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, x, "BucketName", val_strdup(r->arena, name));
    return x;
}

/* The ACL and object ownership a CreateBucket names (x-amz-acl,
 * x-amz-grant-*, x-amz-object-ownership), stored with the new bucket. */
static int create_configs(req_t *r, sqlite3 *db, const val_t *in, str_t name)
{
    arena_t *a = r->arena;
    val_t *acl;
    if (s3_acl_from_input(r, in, r->who.account, &acl) != GR_OK) return GR_ERR;
    str_t own = val_get_str(in, "ObjectOwnership");
    if (own.len) {
        if (!str_eq_c(own, "BucketOwnerPreferred") && !str_eq_c(own, "ObjectWriter") &&
            !str_eq_c(own, "BucketOwnerEnforced"))
            return req_fail(r, &S3_E_InvalidArgument, "Invalid x-amz-object-ownership header: %.*s", STR_FMT(own));
        val_t *oc = val_new(a, VAL_STRUCT), *rules = val_new(a, VAL_LIST), *rule = val_new(a, VAL_STRUCT);
        val_set_c(a, rule, "ObjectOwnership", val_str(a, own));
        val_push(a, rules, rule);
        val_set_c(a, oc, "Rules", rules);
        if (s3_cfg_put(r, db, name, "ownership", oc) != GR_OK) return GR_ERR;
    }
    if (s3__acl_refused(r, db, name, acl) != GR_OK) return GR_ERR;
    return acl ? s3_cfg_put(r, db, name, "acl", acl) : GR_OK;
}

/* AWS (recorded): CreateBucket's Tags — a tag without Key or Value is
 * MalformedXML, an "aws:" key InvalidTag in words of its own (no TagKey),
 * a key twice InternalError (500, as AWS answers it), other keys and values
 * as PutBucketTagging checks them. */
static size_t tag_count(const val_t *tags)
{
    return tags && tags->kind == VAL_LIST ? tags->u.list.n : 0;
}

static int create_tags_check(req_t *r, const val_t *tags)
{
    static const aws_errdef_t E_InternalError = {"InternalError", 500, false};
    for (size_t i = 0; i < tag_count(tags); i++) {
        const val_t *t = tags->u.list.v[i];
        str_t k = val_get_str(t, "Key"), v = val_get_str(t, "Value");
        if (!k.p || !v.p) return s3__malformed(r, NULL);
        if (str_starts_with(k, STR("aws:")))
            return req_fail(r, &S3_E_InvalidTag,
                            "User-defined tag keys can't start with \"aws:\". This prefix is reserved for system tags. "
                            "Remove \"aws:\" from your tag keys and try again.");
        for (size_t j = 0; j < i; j++)
            if (str_eq(k, val_get_str(tags->u.list.v[j], "Key")))
                return req_fail(r, &E_InternalError, "We encountered an internal error. Please try again.");
        if (s3__tag_check(r, k, v, true) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

/* A new bucket's tags, stored as PutBucketTagging would; none for an empty list. */
static int create_tags(req_t *r, sqlite3 *db, str_t name, const val_t *tags)
{
    if (!tag_count(tags)) return GR_OK;
    val_t *doc = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, doc, "TagSet", (val_t *)tags);
    return s3_cfg_put(r, db, name, "tagging", doc);
}

int s3_create_bucket(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "Bucket");
    if (r->who.anonymous) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    if (!valid_bucket_name(name)) {
        r->err_extra = bucket_extra(r, name);
        return req_fail(r, &S3_E_InvalidBucketName, "The specified bucket is not valid.");
    }
    str_t region = r->region.len ? r->region : STR("us-east-1");
    const val_t *cfg = val_get(in, "CreateBucketConfiguration");
    str_t lc = cfg ? val_get_str(cfg, "LocationConstraint") : STR_NULL;
    bool east = str_eq_c(region, "us-east-1");
    /* AWS: CreateBucket — us-east-1 is the default and takes no location
     * constraint naming it (InvalidLocationConstraint); elsewhere the
     * constraint must name the endpoint's region
     * (IllegalLocationConstraintException). */
    /* AWS (recorded): "aws-global" is refused like any non-region in
     * us-east-1, and as incompatible with the endpoint elsewhere */
    if (lc.len && !looks_like_region(lc) && (east || !str_eq_c(lc, "aws-global"))) {
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "LocationConstraint", val_str(a, lc));
        return req_fail(r, &S3_E_InvalidLocationConstraint, "The specified location-constraint is not valid");
    }
    if (east && str_eq_c(lc, "us-east-1")) {
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "LocationConstraint", val_str(a, lc));
        return req_fail(r, &S3_E_InvalidLocationConstraint, "The specified location-constraint is not valid");
    }
    /* AWS (moto's aws_verified test_create_bucket_in_regions_from_us_east_1,
     * LocalStack's validated test_create_bucket_with_existing_name): the
     * us-east-1 endpoint creates the bucket in the region its constraint names */
    if (east && lc.len && !str_eq_c(lc, "EU"))
        region = lc;
    else if (lc.len ? !str_eq(lc, region) : !east)
        return req_fail(r, &S3_E_IllegalLocationConstraint,
                        "The %.*s location constraint is incompatible for the region specific endpoint this request "
                        "was sent to.",
                        lc.len ? (int)lc.len : 11, lc.len ? lc.p : "unspecified");

    /* AWS (2026-03, "Namespaces for general purpose buckets"): a bucket of
     * the caller's account regional namespace is named
     * PREFIX-ACCOUNT-REGION-an, for the bucket's region; the text is the one
     * moto's suite (5.2.1) holds for it. */
    if (str_eq_c(val_get_str(in, "BucketNamespace"), "account-regional")) {
        const char *suffix = arena_printf(a, "-%.*s-%.*s-an", STR_FMT(r->who.account), STR_FMT(region));
        if (!suffix || !str_ends_with(name, str_c(suffix)) || name.len == strlen(suffix)) {
            static const aws_errdef_t E_InvalidNamespaceHeader = {"InvalidNamespaceHeader", 400, true};
            return req_fail(r, &E_InvalidNamespaceHeader,
                            "The requested bucket name did not include the account-regional namespace suffix, but "
                            "the provided x-amz-bucket-namespace header value is account-regional. Specify %s as the "
                            "bucket name suffix to create a bucket in your account-regional namespace, or remove the "
                            "header.",
                            suffix ? suffix : "");
        }
    }
    const val_t *tags = cfg ? val_get(cfg, "Tags") : NULL;
    if (create_tags_check(r, tags) != GR_OK) return GR_ERR;
    str_t arn = str_c(arena_printf(a, "arn:aws:s3:::%.*s", STR_FMT(name)));

    sqlite3 *db = s3__db(r);
    if (!db || s3__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT account, region FROM s3_bucket WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, name.p, (int)name.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        str_t acct = s3__col_str(r, st, 0), breg = s3__col_str(r, st, 1);
        store_release(st);
        s3__rollback(db);
        if (!str_eq(acct, r->who.account)) {
            r->err_extra = bucket_extra(r, name);
            return req_fail(r, &S3_ERR_BucketAlreadyExists,
                            "The requested bucket name is not available. The bucket namespace is shared by all "
                            "users of the system. Please select a different name and try again.");
        }
        /* AWS: "For legacy compatibility, if you re-create an existing bucket
         * that you already own in the North Virginia Region, Amazon S3 returns
         * 200 OK" — everywhere else BucketAlreadyOwnedByYou. */
        /* AWS (recorded): … unless the request has tags, same or not */
        if (east && str_eq_c(breg, "us-east-1") && !tag_count(tags)) {
            /* … "and resets the bucket access control lists (ACLs)" */
            val_t *acl;
            if (s3_acl_from_input(r, in, r->who.account, &acl) != GR_OK || s3__begin(db) != GR_OK) return GR_ERR;
            if (s3_cfg_put(r, db, name, "acl", acl) != GR_OK || s3__commit(db) != GR_OK) {
                s3__rollback(db);
                return GR_ERR;
            }
            val_set_c(a, out, "Location", val_str(a, str_c(arena_printf(a, "/%.*s", STR_FMT(name)))));
            val_set_c(a, out, "BucketArn", val_str(a, arn));
            return GR_OK;
        }
        r->err_extra = bucket_extra(r, name);
        return req_fail(r, &S3_ERR_BucketAlreadyOwnedByYou,
                        "Your previous request to create the named bucket succeeded and you already own it.");
    }
    store_release(st);
    if (rc != SQLITE_DONE) goto fail;
    if (store_prepare(db, "INSERT INTO s3_bucket (name, account, region, created_us) VALUES (?1, ?2, ?3, ?4)", -1, &st,
                      NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, name.p, (int)name.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, region.p, (int)region.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, time_now_us());
    rc = sqlite3_step(st);
    store_release(st);
    s3__bcache_changed(db);
    if (rc != SQLITE_DONE || create_configs(r, db, in, name) != GR_OK || create_tags(r, db, name, tags) != GR_OK ||
        s3__lock_bucket_created(r, db, in, name) != GR_OK || s3__commit(db) != GR_OK)
        goto fail;
    val_set_c(a, out, "BucketArn", val_str(a, arn));
    /* AWS: Location is "/bucket" in us-east-1, the bucket's URL elsewhere */
    if (east)
        val_set_c(a, out, "Location", val_str(a, str_c(arena_printf(a, "/%.*s", STR_FMT(name)))));
    else
        val_set_c(a, out, "Location", val_str(a, str_c(arena_printf(a, "http://%.*s.s3.localhost/", STR_FMT(name)))));
    return GR_OK;
fail:
    s3__rollback(db);
    return GR_ERR;
}

int s3_head_bucket(req_t *r, const val_t *in, val_t *out)
{
    str_t region;
    if (s3__bucket(r, val_get_str(in, "Bucket"), &region) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "BucketRegion", val_str(r->arena, region));
    return GR_OK;
}

int s3_get_bucket_location(req_t *r, const val_t *in, val_t *out)
{
    str_t region;
    if (s3__bucket(r, val_get_str(in, "Bucket"), &region) != GR_OK) return GR_ERR;
    /* AWS: buckets in us-east-1 have a null LocationConstraint */
    if (!str_eq_c(region, "us-east-1")) val_set_c(r->arena, out, "LocationConstraint", val_str(r->arena, region));
    return GR_OK;
}

int s3_delete_bucket(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "Bucket");
    if (s3__bucket(r, name, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db || s3__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT 1 FROM s3_object WHERE bucket = ?1 UNION ALL "
                      "SELECT 1 FROM s3_version WHERE bucket = ?1 LIMIT 1",
                      -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, name.p, (int)name.len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc == SQLITE_ROW) {
        s3__rollback(db);
        r->err_extra = bucket_extra(r, name);
        return req_fail(r, &S3_E_BucketNotEmpty, "The bucket you tried to delete is not empty");
    }
    if (rc != SQLITE_DONE) goto fail;
    /* Incomplete multipart uploads go with the bucket; their part blobs are
     * collected after the commit. */
    size_t nblobs = 0, cap = 16;
    char **blobs = ARENA_NEWN(r->arena, char *, cap);
    if (store_prepare(db, "SELECT p.blob FROM s3_part p JOIN s3_upload u ON u.id = p.upload WHERE u.bucket = ?1", -1,
                      &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, name.p, (int)name.len, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nblobs == cap) {
            blobs = arena_realloc(r->arena, blobs, cap * sizeof *blobs, cap * 2 * sizeof *blobs);
            cap *= 2;
        }
        if (blobs) blobs[nblobs++] = (char *)s3__col_str(r, st, 0).p;
    }
    store_release(st);
    if (rc != SQLITE_DONE || !blobs) goto fail;
    static const char *const dels[] = {
        "DELETE FROM s3_part WHERE upload IN (SELECT id FROM s3_upload WHERE bucket = ?1)",
        "DELETE FROM s3_upload WHERE bucket = ?1",
        "DELETE FROM s3_completed_upload WHERE bucket = ?1",
        "DELETE FROM s3_bucket WHERE name = ?1",
        "DELETE FROM s3_bucket_config WHERE bucket = ?1",
        "DELETE FROM s3_bucket_config_id WHERE bucket = ?1",
        "DELETE FROM s3_object_acl WHERE bucket = ?1",
        "DELETE FROM s3_bucket_versioning WHERE bucket = ?1",
    };
    s3__cfg_forget(r);
    for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
        if (store_prepare(db, dels[i], -1, &st, NULL) != SQLITE_OK) goto fail;
        sqlite3_bind_text(st, 1, name.p, (int)name.len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        store_release(st);
        if (rc != SQLITE_DONE) goto fail;
    }
    s3__bcache_changed(db);
    if (s3__commit(db) != GR_OK) goto fail;
    s3__serverlog_changed();  /* its logging configuration went with it, and its undelivered records */
    s3__reqmetrics_changed(); /* and its metrics configurations */
    for (size_t i = 0; i < nblobs; i++) s3__blob_drop(r, blobs[i]);
    return GR_OK;
fail:
    s3__rollback(db);
    return GR_ERR;
}

/* AWS: ListBuckets lists the caller's buckets in name order, in every region,
 * each with its region. Paginated when any of max-buckets, prefix,
 * bucket-region or continuation-token is given (a page of at most 10,000 by
 * default); the token is the base64 of the page's last name. */
int s3_list_buckets(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    if (r->who.anonymous) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    str_t prefix = val_get_str(in, "Prefix"), region = val_get_str(in, "BucketRegion");
    str_t token = val_get_str(in, "ContinuationToken"), after = STR("");
    bool paged = val_get(in, "MaxBuckets") || prefix.p || region.p || token.p;
    int64_t max = paged ? val_get_int(in, "MaxBuckets", 10000) : INT64_MAX - 1;
    if (max < 1 || (paged && max > 10000))
        return req_fail(r, &S3_E_InvalidArgument, "Argument max-buckets must be an integer between 1 and 10000.");
    /* AWS (LocalStack's recorded test_list_buckets_region_validation): a
     * bucket-region that is no region is refused, naming only the argument */
    if (region.p && !region_find(region)) {
        r->err_extra = val_new(a, VAL_STRUCT);
        val_set_c(a, r->err_extra, "ArgumentName", val_cstr(a, "bucket-region"));
        return req_fail(r, &S3_E_InvalidArgument, "Argument value %.*s is not a valid AWS Region", STR_FMT(region));
    }
    if (token.len && (!s3__unb64(a, token, &after) || !after.len))
        return req_fail(r, &S3_E_InvalidArgument, "The continuation token provided is incorrect");
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT name, created_us, region FROM s3_bucket WHERE account = ?1 AND name > ?2"
                      " AND substr(name, 1, length(?3)) = ?3 AND (?4 IS NULL OR region = ?4) ORDER BY name LIMIT ?5",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, r->who.account.p, (int)r->who.account.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after.p, (int)after.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, prefix.p ? prefix.p : "", (int)prefix.len, SQLITE_STATIC);
    if (region.p) sqlite3_bind_text(st, 4, region.p, (int)region.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, max + 1); /* one more tells whether another page follows */
    val_t *buckets = val_new(a, VAL_LIST);
    str_t last = STR_NULL;
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == max) {
            val_set_c(a, out, "ContinuationToken",
                      val_str(a, arena_base64(a, (const unsigned char *)last.p, last.len)));
            break;
        }
        val_t *b = val_new(a, VAL_STRUCT);
        last = s3__col_str(r, st, 0);
        val_set_c(a, b, "Name", val_str(a, last));
        val_set_c(a, b, "CreationDate", s3__time(r, sqlite3_column_int64(st, 1)));
        val_set_c(a, b, "BucketRegion", val_str(a, s3__col_str(r, st, 2)));
        val_push(a, buckets, b);
    }
    store_release(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    val_set_c(a, out, "Buckets", buckets);
    val_set_c(a, out, "Owner", s3__owner(r));
    if (prefix.p) val_set_c(a, out, "Prefix", val_str(a, prefix));
    return GR_OK;
}
