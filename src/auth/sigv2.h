/* sigv2.h — AWS Signature Version 2 for S3 ("AWS AKID:sig" Authorization
 * headers and presigned URLs with AWSAccessKeyId/Signature/Expires), which
 * boto3's generate_presigned_url (1.26), s3cmd and older tools still send.
 * Like sigv4.h: parse without a secret, the dispatcher looks the key up,
 * then verify; failures are statuses, the dispatcher writes S3's errors. */
#ifndef GR_AUTH_SIGV2_H
#define GR_AUTH_SIGV2_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/wire.h"

typedef enum {
    SIGV2_OK,
    SIGV2_MISMATCH, /* SignatureDoesNotMatch */
    SIGV2_EXPIRED,  /* presigned URL past Expires: AccessDenied "Request has expired" */
    SIGV2_SKEWED,   /* Date more than 15 minutes off: RequestTimeTooSkewed */
    SIGV2_NO_DATE,  /* header auth without Date or x-amz-date: AccessDenied */
} sigv2_status_t;

typedef struct {
    bool presigned;
    bool malformed;  /* "AWS x" without "KEY:SIGNATURE": AWS's InvalidArgument */
    bool incomplete; /* presigned without all of AWSAccessKeyId, Signature and Expires: AccessDenied */
    str_t access_key;
    str_t signature;      /* base64 */
    str_t expires;        /* presigned: seconds since the epoch, as sent */
    str_t security_token; /* x-amz-security-token, or STR_NULL */
    str_t string_to_sign; /* after verify */
} sigv2_t;

/* True when the request carries a V2 signature (header or query); fills s. */
bool sigv2_parse(const wire_req_t *w, arena_t *a, sigv2_t *s);
/* Checks the date (skew, expiry) and the HMAC-SHA1 signature with secret. */
sigv2_status_t sigv2_verify(const wire_req_t *w, arena_t *a, str_t secret, int64_t now_us, sigv2_t *s);
/* The string V2 signs for this request (exposed for tests). */
str_t sigv2_string_to_sign(const wire_req_t *w, arena_t *a, const sigv2_t *s);

#endif
