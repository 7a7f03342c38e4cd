/* logging.c — S3 server access logging as far as gureum has it: no access
 * logs are delivered, so GetBucketLogging truthfully answers "disabled" for
 * every bucket and PutBucketLogging accepts only turning logging off; asking
 * to turn it on answers NotImplemented rather than storing a configuration
 * that would never deliver a log. Invariant: nothing here is stored. */
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

int s3_put_bucket_logging(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    if (s3_bucket_owned(r, val_get_str(in, "Bucket")) != GR_OK) return GR_ERR;
    const val_t *status = val_get(in, "BucketLoggingStatus");
    if (!status)
        return req_fail(r, &S3_E_MalformedXML,
                        "The XML you provided was not well-formed or did not validate against our published schema");
    /* AWS: an empty BucketLoggingStatus disables logging — already the case */
    if (!val_get(status, "LoggingEnabled")) return GR_OK;
    return req_fail(r, &ERR_NotImplemented, "Delivery of server access logs is not implemented by gureum yet.");
}
