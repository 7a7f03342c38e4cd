/* lock.c — S3 object lock: the bucket's configuration (enabled at
 * CreateBucket, default retention), object retention (GOVERNANCE,
 * COMPLIANCE) and legal hold, and the refusals they cause: a version under
 * a legal hold or an unexpired retention cannot be deleted for good
 * (GOVERNANCE yields to x-amz-bypass-governance-retention). Writes in a
 * locked bucket never overwrite (it is always versioned); a plain DELETE only
 * adds a delete marker, which nothing forbids. */
#include <string.h>

#include "core/gtime.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

static const aws_errdef_t E_InvalidBucketState = {"InvalidBucketState", 409, true};
static const aws_errdef_t E_ConfigNotFound = {"ObjectLockConfigurationNotFoundError", 404, true};
static const aws_errdef_t E_NoSuchLockConfig = {"NoSuchObjectLockConfiguration", 404, true};
static const aws_errdef_t E_MissingRequestBodyError = {"MissingRequestBodyError", 400, true};
static const aws_errdef_t E_InvalidRetentionPeriod = {"InvalidRetentionPeriod", 400, true};

#define DAY_US (86400LL * 1000000LL)

int s3__lock_bucket_created(req_t *r, sqlite3 *db, const val_t *in, str_t bucket)
{
    if (!val_get_bool(in, "ObjectLockEnabledForBucket", false)) return GR_OK;
    /* AWS: object lock needs versioning, which is enabled with it */
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT OR REPLACE INTO s3_bucket_versioning (bucket, status, lock) VALUES (?1, 'Enabled', 1)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    int rc = sqlite3_step(st);
    store_release(st);
    s3__bcache_changed(db);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* The default retention: mode (STR_NULL: none) and its length. 1 with lock, 0 without, -1 error. */
static int lock_config(req_t *r, sqlite3 *db, str_t bucket, str_t *mode, int64_t *days, int64_t *years)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT lock, lock_mode, lock_days, lock_years FROM s3_bucket_versioning WHERE bucket = ?1",
                      -1, &st, NULL) != SQLITE_OK)
        return -1;
    store_bind_str(st, 1, bucket);
    int rc = sqlite3_step(st), on = 0;
    *mode = STR_NULL, *days = *years = 0;
    if (rc == SQLITE_ROW) {
        on = sqlite3_column_int(st, 0);
        *mode = s3__col_str(r, st, 1);
        *days = sqlite3_column_int64(st, 2);
        *years = sqlite3_column_int64(st, 3);
    }
    store_release(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? on : -1;
}

static int missing_config(req_t *r)
{
    return req_fail(r, &ERR_InvalidRequest, "Bucket is missing Object Lock Configuration");
}

/* Whether the protection of o forbids removing it: GR_OK or fails. */
static int may_remove(req_t *r, const s3_obj_t *o, bool bypass)
{
    if (o->legal_hold) return req_fail(r, &ERR_AccessDenied, "Access Denied because object protected by object lock.");
    if (o->lock_mode.p && o->lock_until_us > time_now_us()) {
        if (str_eq_c(o->lock_mode, "GOVERNANCE") && bypass) return GR_OK;
        return req_fail(r, &ERR_AccessDenied, "Access Denied because object protected by object lock.");
    }
    return GR_OK;
}

int s3__lock_check_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid)
{
    if (!vid.p) return GR_OK;
    s3_obj_t o;
    int found = s3__version_get(r, db, bucket, key, vid, &o);
    if (found <= 0) return found < 0 ? GR_ERR : GR_OK;
    return may_remove(r, &o, r->in && val_get_bool(r->in, "BypassGovernanceRetention", false));
}

int s3__lock_apply(req_t *r, sqlite3 *db, str_t bucket, const val_t *in, s3_obj_t *o)
{
    str_t mode = val_get_str(in, "ObjectLockMode"), hold = val_get_str(in, "ObjectLockLegalHoldStatus");
    const val_t *until = val_get(in, "ObjectLockRetainUntilDate");
    str_t dmode;
    int64_t days, years;
    int on = lock_config(r, db, bucket, &dmode, &days, &years);
    if (on < 0) return GR_ERR;
    if (!on) {
        if (mode.p || hold.p || until) return missing_config(r);
        return GR_OK;
    }
    /* AWS: mode and retain-until date come together */
    if ((mode.p != NULL) != (until != NULL))
        return req_fail(r, &ERR_InvalidArgument,
                        "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied");
    if (mode.p) {
        o->lock_mode = mode;
        o->lock_until_us = until->u.t;
    } else if (o->lock_mode.p) {
        /* set already (CompleteMultipartUpload: from CreateMultipartUpload) */
    } else if (dmode.p) {
        o->lock_mode = dmode;
        o->lock_until_us = time_now_us() + (days ? days : years * 365) * DAY_US;
    }
    if (hold.p) o->legal_hold = str_eq_c(hold, "ON");
    return GR_OK;
}

/* ==== bucket configuration ==== */

int s3_put_object_lock_configuration(req_t *r, const val_t *in, val_t *out)
{
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    str_t dmode;
    int64_t d, y;
    int on = lock_config(r, db, bucket, &dmode, &d, &y);
    if (on < 0) return GR_ERR;
    /* AWS: Object Lock can be enabled on an existing bucket whose versioning
     * is Enabled (PutObjectLockConfiguration; 409 InvalidBucketState otherwise) */
    if (!on) {
        int vers = s3__versioning(r, db, bucket, NULL);
        if (vers < 0) return GR_ERR;
        if (vers != S3_VERS_ENABLED)
            return req_fail(r, &E_InvalidBucketState,
                            "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
    }
    const val_t *cfg = val_get(in, "ObjectLockConfiguration");
    /* AWS (moto's aws_verified test_put_object_lock_misconfiguration): no body at all */
    if (!cfg) return req_fail(r, &E_MissingRequestBodyError, "Request Body is empty");
    if (!str_eq_c(cfg ? val_get_str(cfg, "ObjectLockEnabled") : STR_NULL, "Enabled")) return s3__malformed(r, NULL);
    const val_t *rule = val_get(cfg, "Rule");
    const val_t *ret = rule ? val_get(rule, "DefaultRetention") : NULL;
    str_t mode = ret ? val_get_str(ret, "Mode") : STR_NULL;
    int64_t days = ret ? val_get_int(ret, "Days", 0) : 0, years = ret ? val_get_int(ret, "Years", 0) : 0;
    if (ret) {
        bool has_d = val_get(ret, "Days") != NULL, has_y = val_get(ret, "Years") != NULL;
        /* AWS: exactly one of Days and Years, positive; a mode */
        if (has_d == has_y || !mode.p) return s3__malformed(r, NULL);
        if ((has_d && days <= 0) || (has_y && years <= 0))
            return req_fail(r, &E_InvalidRetentionPeriod, "Default retention period must be a positive integer value.");
        if (!str_eq_c(mode, "GOVERNANCE") && !str_eq_c(mode, "COMPLIANCE")) return s3__malformed(r, NULL);
    }
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "UPDATE s3_bucket_versioning SET lock = 1, lock_mode = ?2, lock_days = ?3, lock_years = ?4 "
                      "WHERE bucket = ?1",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_str(st, 2, mode);
    if (days)
        sqlite3_bind_int64(st, 3, days);
    else
        sqlite3_bind_null(st, 3);
    if (years)
        sqlite3_bind_int64(st, 4, years);
    else
        sqlite3_bind_null(st, 4);
    int rc = sqlite3_step(st);
    store_release(st);
    s3__bcache_changed(db);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int s3_get_object_lock_configuration(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    str_t mode;
    int64_t days, years;
    int on = lock_config(r, db, bucket, &mode, &days, &years);
    if (on < 0) return GR_ERR;
    if (!on) return req_fail(r, &E_ConfigNotFound, "Object Lock configuration does not exist for this bucket");
    val_t *cfg = val_new(a, VAL_STRUCT);
    val_set_c(a, cfg, "ObjectLockEnabled", val_cstr(a, "Enabled"));
    if (mode.p) {
        val_t *ret = val_new(a, VAL_STRUCT), *rule = val_new(a, VAL_STRUCT);
        val_set_c(a, ret, "Mode", val_str(a, mode));
        if (days) val_set_c(a, ret, "Days", val_int(a, days));
        if (years) val_set_c(a, ret, "Years", val_int(a, years));
        val_set_c(a, rule, "DefaultRetention", ret);
        val_set_c(a, cfg, "Rule", rule);
    }
    val_set_c(a, out, "ObjectLockConfiguration", cfg);
    return GR_OK;
}

/* ==== retention and legal hold of one version ==== */

/* The version the request names, in a bucket with object lock. */
static int locked_target(req_t *r, const val_t *in, sqlite3 **db, s3_obj_t *o)
{
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), vid = val_get_str(in, "VersionId");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    if (!(*db = s3__db(r))) return GR_ERR;
    str_t m;
    int64_t d, y;
    int on = lock_config(r, *db, bucket, &m, &d, &y);
    if (on < 0) return GR_ERR;
    if (!on) return missing_config(r);
    int found = s3__version_get(r, *db, bucket, key, vid, o);
    if (found < 0) return GR_ERR;
    if (!found || o->delete_marker) return s3__no_such_key(r, key);
    return GR_OK;
}

int s3_put_object_retention(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db;
    s3_obj_t o;
    if (locked_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    const val_t *ret = val_get(in, "Retention");
    str_t mode = ret ? val_get_str(ret, "Mode") : STR_NULL;
    const val_t *until = ret ? val_get(ret, "RetainUntilDate") : NULL;
    int64_t until_us = until && until->kind == VAL_TIME ? until->u.t : 0;
    if (mode.p && !str_eq_c(mode, "GOVERNANCE") && !str_eq_c(mode, "COMPLIANCE")) return s3__malformed(r, NULL);
    if (mode.p && until_us <= time_now_us())
        return req_fail(r, &S3_E_InvalidArgument, "The retain until date must be in the future!");
    bool bypass = val_get_bool(in, "BypassGovernanceRetention", false);
    /* AWS: an active COMPLIANCE retention can only be extended; GOVERNANCE can
     * be shortened or removed only with the bypass header. */
    if (o.lock_mode.p && o.lock_until_us > time_now_us()) {
        bool weaker = !mode.p || until_us < o.lock_until_us || !str_eq(mode, o.lock_mode);
        if (weaker && (str_eq_c(o.lock_mode, "COMPLIANCE") || !bypass))
            return req_fail(r, &ERR_AccessDenied, "Access Denied because object protected by object lock.");
    }
    o.lock_mode = mode;
    o.lock_until_us = mode.p ? until_us : 0;
    return s3__version_update(r, db, val_get_str(in, "Bucket"), val_get_str(in, "Key"), &o);
}

int s3_get_object_retention(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db;
    s3_obj_t o;
    if (locked_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    if (!o.lock_mode.p)
        return req_fail(r, &E_NoSuchLockConfig, "The specified object does not have a ObjectLock configuration");
    val_t *ret = val_new(a, VAL_STRUCT);
    val_set_c(a, ret, "Mode", val_str(a, o.lock_mode));
    val_set_c(a, ret, "RetainUntilDate", val_time(a, o.lock_until_us));
    val_set_c(a, out, "Retention", ret);
    return GR_OK;
}

int s3_put_object_legal_hold(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db;
    s3_obj_t o;
    if (locked_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    const val_t *lh = val_get(in, "LegalHold");
    str_t status = lh ? val_get_str(lh, "Status") : STR_NULL;
    if (!str_eq_c(status, "ON") && !str_eq_c(status, "OFF")) return s3__malformed(r, NULL);
    o.legal_hold = str_eq_c(status, "ON");
    return s3__version_update(r, db, val_get_str(in, "Bucket"), val_get_str(in, "Key"), &o);
}

int s3_get_object_legal_hold(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db;
    s3_obj_t o;
    if (locked_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    val_t *lh = val_new(a, VAL_STRUCT);
    val_set_c(a, lh, "Status", val_cstr(a, o.legal_hold ? "ON" : "OFF"));
    val_set_c(a, out, "LegalHold", lh);
    return GR_OK;
}
