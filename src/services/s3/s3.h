/* s3.h — what other services call in S3 (public: s3_*): Lambda reads a
 * function's code from a bucket (CreateFunction/UpdateFunctionCode with
 * S3Bucket/S3Key) through this, never through S3's tables or blobs. */
#ifndef GR_SERVICES_S3_S3_H
#define GR_SERVICES_S3_S3_H

#include <stddef.h>

#include "core/req.h"

/* The bytes of bucket/key, read on behalf of r->who (the bucket must be in
 * the caller's account: S3 has no bucket policies yet), into r->arena.
 * GR_OK + *bytes, or GR_ERR with *code / *msg set to S3's error code and
 * message ("NoSuchBucket", "NoSuchKey", "AccessDenied", or "EntityTooLarge"
 * past max bytes); *code NULL on an internal failure. r's error is not touched. */
int s3_read_object(req_t *r, str_t bucket, str_t key, size_t max, str_t *bytes, const char **code, const char **msg);

#endif
