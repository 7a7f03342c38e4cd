/* directory.c — the S3 operations of directory buckets (S3 Express One
 * Zone): ListDirectoryBuckets, CreateSession and RenameObject. gureum serves
 * general purpose buckets only, so there is never a directory bucket to list,
 * open a session on or rename in. These handlers exist so that such requests
 * reach an honest answer instead of an older operation with the same method
 * and path (a RenameObject, PUT /B/K?renameObject, was once stored as an
 * empty PutObject). Invariant: nothing here creates or changes an object. */
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

int s3_list_directory_buckets(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    (void)r;
    /* AWS: ListDirectoryBuckets lists the caller's directory buckets only;
     * an account with none answers an empty Buckets list. */
    val_set_c(r->arena, out, "Buckets", val_new(r->arena, VAL_LIST));
    return GR_OK;
}

/* The bucket must exist and be the caller's (NoSuchBucket / AccessDenied as
 * for any bucket operation); then the operation is refused, since its bucket
 * is a general purpose one. No recorded AWS answer for these operations on a
 * general purpose bucket was found (LocalStack, moto and AWS's documentation
 * say nothing), so it is S3's 501 NotImplemented in words that say why. */
static int directory_only(req_t *r, const val_t *in, const char *op)
{
    if (s3_bucket_owned(r, val_get_str(in, "Bucket")) != GR_OK) return GR_ERR;
    return req_fail(r, &ERR_NotImplemented,
                    "%s works on directory buckets only (S3 Express One Zone), which gureum does not serve; "
                    "this bucket is a general purpose bucket.",
                    op);
}

int s3_rename_object(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    /* AWS (API_RenameObject): "RenameObject is only supported for objects
     * stored in the S3 Express One Zone storage class." */
    return directory_only(r, in, "RenameObject");
}

int s3_create_session(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    /* AWS (API_CreateSession): sessions are for "the Zonal endpoint API
     * operations on directory buckets". */
    return directory_only(r, in, "CreateSession");
}
