/* payment.c — S3 Requester Pays: Get/PutBucketRequestPayment, stored as the
 * "payment" bucket configuration (bucket_config.c's table), and its effect:
 * s3__bucket (s3_db.c) calls s3__requester_pays_check for every caller
 * outside the bucket owner's account. Invariant: a bucket without a stored
 * configuration is BucketOwner, and the owner's own account always passes. */
#include <string.h>

#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

static const char KIND[] = "payment";

int s3_put_bucket_request_payment(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t b = val_get_str(in, "Bucket");
    const val_t *cfg = val_get(in, "RequestPaymentConfiguration");
    str_t payer = val_get_str(cfg, "Payer");
    /* AWS: Payer is required and one of Requester | BucketOwner; anything
     * else does not validate against the schema. */
    if (!str_eq_c(payer, "Requester") && !str_eq_c(payer, "BucketOwner")) return s3__malformed(r, NULL);
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    /* BucketOwner is the default: storing nothing keeps reads of it cheap */
    return s3_cfg_put(r, db, b, KIND, str_eq_c(payer, "BucketOwner") ? NULL : cfg);
}

int s3_get_bucket_request_payment(req_t *r, const val_t *in, val_t *out)
{
    str_t b = val_get_str(in, "Bucket");
    if (s3_bucket_owned(r, b) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    val_t *doc = NULL;
    int rc = s3_cfg_get(r, db, b, KIND, &doc);
    if (rc < 0) return GR_ERR;
    /* AWS: a bucket that never had Requester Pays answers BucketOwner */
    str_t payer = rc > 0 ? val_get_str(doc, "Payer") : STR("BucketOwner");
    val_set_c(r->arena, out, "Payer", val_strdup(r->arena, payer));
    return GR_OK;
}

int s3__requester_pays_check(req_t *r, str_t bucket, str_t owner_account)
{
    if (!r->who.anonymous && str_eq(owner_account, r->who.account)) return GR_OK;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    val_t *doc = NULL;
    int rc = s3_cfg_get(r, db, bucket, KIND, &doc);
    if (rc < 0) return GR_ERR;
    if (rc == 0 || !str_eq_c(val_get_str(doc, "Payer"), "Requester")) return GR_OK;
    /* AWS: "Using Requester Pays buckets for storage transfers and usage" —
     * anonymous requests are refused, and a requester from another account
     * must confirm with x-amz-request-payer: requester (a header, or a query
     * parameter of a presigned URL), else 403. */
    str_t confirm = wire_header(&r->w, "x-amz-request-payer");
    if (!confirm.p) confirm = wire_query_param(&r->w, r->arena, "x-amz-request-payer");
    if (r->who.anonymous || !str_eq_c(confirm, "requester")) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    /* AWS: the response says the requester was charged */
    wire_resp_header(&r->resp, r->arena, "x-amz-request-charged", STR("requester"));
    return GR_OK;
}
