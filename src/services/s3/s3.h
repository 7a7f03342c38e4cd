/* s3.h — S3's calls from outside its operations.
 * For the dispatcher: requests that are no S3 operation of the model (OPTIONS
 * preflight, the website endpoint) and the CORS headers added to every S3
 * answer; each fills r->resp itself, and GR_ERR leaves an S3 error in r for
 * the dispatcher to write. For other services (public: s3_*): Lambda reads a
 * function's code from a bucket through s3_read_object, DynamoDB writes its
 * exports through s3_write_object and reads its imports through s3_list_keys
 * and s3_read_object, and CloudWatch Logs its exports through
 * s3_service_write_object, never through S3's tables or blobs. */
#ifndef GR_SERVICES_S3_H
#define GR_SERVICES_S3_H

#include <stddef.h>

#include "auth/policy.h"
#include "core/req.h"

/* OPTIONS /bucket[/key]: answered from the bucket's CORS configuration. */
int s3_cors_preflight(req_t *r);
/* Access-Control-* headers for a request with an Origin, after r->resp is written. */
void s3_cors_decorate(req_t *r);
/* A GET/HEAD at the website endpoint of bucket (always anonymous). */
int s3_website_serve(req_t *r, str_t bucket);
/* POST /bucket with a multipart/form-data body: a browser-based upload. */
int s3_post_object(req_t *r);

/* A streamed upload (PutObject, UploadPart) checked on its headers alone,
 * after it was parsed and authorized and before its body is asked for
 * (Expect: 100-continue): the bucket exists and the caller may write there.
 * GR_ERR leaves the error in r; after GR_OK the dispatcher sets
 * r->headers_checked and the handler skips that bucket check. */
int s3_on_headers(req_t *r);

struct app;
/* Start hook (registry): collects blob files no S3 row names (gc.c), before
 * the first request is accepted. */
int s3_start(struct app *app);

/* The first max keys under prefix in bucket, in ListObjectsV2's order, with
 * their sizes, listed on behalf of r->who as ListObjectsV2 would (the bucket
 * in the caller's account, s3:ListBucket for an IAM caller), into r->arena.
 * GR_OK + *n keys, or GR_ERR with *code / *msg as s3_read_object's (*code
 * NULL on an internal failure). */
int s3_list_keys(req_t *r, str_t bucket, str_t prefix, size_t max, str_t **keys, int64_t **sizes, size_t *n,
                 const char **code, const char **msg);
/* The bytes of bucket/key, read on behalf of r->who as GetObject would (the
 * bucket in the caller's account, s3:GetObject for an IAM caller), into
 * r->arena. GR_OK + *bytes, or GR_ERR with *code /
 * *msg set to S3's error code and message ("NoSuchBucket", "NoSuchKey",
 * "AccessDenied", or "EntityTooLarge" past max bytes); *code NULL on an
 * internal failure. r's error is not touched. */
int s3_read_object(req_t *r, str_t bucket, str_t key, size_t max, str_t *bytes, const char **code, const char **msg);
/* Writes bytes as bucket/key (a new version where the bucket is versioned),
 * on behalf of r->who as PutObject would (the bucket in the caller's account,
 * s3:PutObject for an IAM caller, its default encryption, events and
 * replication). GR_OK, or GR_ERR with
 * *code / *msg as s3_read_object's (*code NULL on an internal failure). */
int s3_write_object(req_t *r, str_t bucket, str_t key, str_t bytes, const char *content_type, const char **code,
                    const char **msg);

/* An AWS service writing on its own behalf: its principal names (the
 * regional and the global form), and the aws:SourceArn / aws:SourceAccount
 * of the resource it acts for. */
typedef struct {
    const str_t *names;
    size_t nnames;
    str_t source_arn, source_account;
} s3_service_t;
/* Writes bytes as bucket/key (the bucket in any account) when the bucket's
 * policy allows the service s3:PutObject there (with s3:x-amz-acl
 * bucket-owner-full-control, which such services set); otherwise as
 * s3_write_object ("NoSuchBucket", "AccessDenied"). */
int s3_service_write_object(req_t *r, str_t bucket, str_t key, str_t bytes, const char *content_type,
                            const s3_service_t *svc, const char **code, const char **msg);

/* An object as an S3 REST origin gives it to CloudFront. */
typedef struct {
    str_t bytes, content_type, etag, cache_control;
    int64_t modified_us;
} s3_origin_obj_t;
/* CloudFront's read of bucket/key: anonymously, as GetObject by anyone
 * (the bucket policy or an ACL must let everyone read it), or, when svc is
 * given (origin access control), as the bucket policy lets that service
 * principal s3:GetObject with its aws:SourceArn. GR_OK + *o (bytes in
 * r->arena) for an object of max bytes at most; a larger one is made
 * r->resp's body as GetObject sends it (sendfile), its Content-Type, ETag
 * and Last-Modified set, and o->bytes is STR_NULL. GR_ERR with *status and
 * *code / *msg as S3 answers: 404 NoSuchBucket, 404 NoSuchKey (a reader
 * that may also ListBucket), else 403 AccessDenied; *code NULL on an
 * internal failure. */
int s3_origin_read(req_t *r, str_t bucket, str_t key, const s3_service_t *svc, size_t max, s3_origin_obj_t *o,
                   int *status, const char **code, const char **msg);

/* The registry's resource_grant hook (access.c): the verdict of the bucket
 * policy of the request's bucket for a caller of the bucket owner's account
 * whose identity policies do not allow (AWS: a same-account bucket policy
 * that names the caller allows on its own). */
policy_result_t s3_resource_grant(req_t *r, str_t action, str_t resource, const policy_t *session,
                                  const policy_t *boundary);
/* The registry's resource_tags hook (abac.c): the tags of the bucket a
 * bucket or object ARN names, while the bucket's ABAC is Enabled (AWS: only
 * then do bucket tags authorize); *tags NULL otherwise. */
int s3_resource_tags(req_t *r, str_t resource, const val_t **tags);
/* The registry's precheck hook (precheck.c): S3's own answers to malformed
 * common members (expected bucket owner, storage class, Object Lock mode). */
int s3_precheck(req_t *r, const val_t *in);

/* The registry's answered hook (serverlog.c): a request to a bucket with
 * server access logging becomes one record of its logs. */
void s3_access_logged(req_t *r);
/* The registry's stop hook (serverlog.c): delivers the records not yet
 * delivered, before the store closes. */
void s3_stop(struct app *app);

/* The registry's tick hook (lifecycle.c): carries out bucket lifecycle rules
 * on the ticker thread (services/ticker.h), a bounded batch at a time. */
unsigned s3_tick(struct app *app);

#endif
