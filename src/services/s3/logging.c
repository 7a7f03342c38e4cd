/* logging.c — S3 server access logging as far as gureum has it: no access
 * logs are delivered, so GetBucketLogging truthfully answers "disabled" for
 * every bucket and PutBucketLogging accepts only turning logging off; asking
 * to turn it on answers NotImplemented rather than storing a configuration
 * that would never deliver a log, after the target bucket's checks AWS makes
 * (it must exist and be in the source bucket's region). Invariant: nothing
 * here is stored. */
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

/* AWS: GET ?logging of a bucket without logging answers an empty
 * <BucketLoggingStatus/> (no LoggingEnabled element). */
int s3_get_bucket_logging(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return s3_bucket_owned(r, val_get_str(in, "Bucket"));
}

static void extra(req_t *r, const char *name, str_t value)
{
    if (!r->err_extra) r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, name, val_strdup(r->arena, value));
}

/* AWS (recorded): a target bucket that does not exist is
 * InvalidTargetBucketForLogging (400, naming it); one in another region is
 * CrossLocationLoggingProhibitted (403) with the target's region, and the
 * source's too unless the source is in us-east-1. The message ends in a
 * space on AWS. */
static int check_target(req_t *r, str_t source, str_t target)
{
    static const aws_errdef_t E_InvalidTarget = {"InvalidTargetBucketForLogging", 400, true};
    static const aws_errdef_t E_CrossLocation = {"CrossLocationLoggingProhibitted", 403, true};
    sqlite3 *db = s3__db(r);
    str_t src_region = STR_NULL, dst_region = STR_NULL;
    if (!db || s3_bucket_owner(r, db, source, NULL, &src_region) != 1) return GR_ERR;
    int found = s3_bucket_owner(r, db, target, NULL, &dst_region);
    if (found < 0) return GR_ERR;
    if (!found) {
        extra(r, "TargetBucket", target);
        return req_fail(r, &E_InvalidTarget, "The target bucket for logging does not exist");
    }
    if (str_eq(src_region, dst_region)) return GR_OK;
    if (!str_eq_c(src_region, "us-east-1")) extra(r, "SourceBucketLocation", src_region);
    extra(r, "TargetBucketLocation", dst_region);
    return req_fail(r, &E_CrossLocation, "Cross S3 location logging not allowed. ");
}

int s3_put_bucket_logging(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    if (s3_bucket_owned(r, val_get_str(in, "Bucket")) != GR_OK) return GR_ERR;
    const val_t *status = val_get(in, "BucketLoggingStatus");
    if (!status) return s3__malformed(r, NULL);
    /* AWS: an empty BucketLoggingStatus disables logging — already the case */
    const val_t *enabled = val_get(status, "LoggingEnabled");
    if (!enabled) return GR_OK;
    if (check_target(r, val_get_str(in, "Bucket"), val_get_str(enabled, "TargetBucket")) != GR_OK) return GR_ERR;
    return req_fail(r, &ERR_NotImplemented, "Delivery of server access logs is not implemented by gureum yet.");
}
