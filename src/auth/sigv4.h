/* sigv4.h — AWS Signature Version 4: parsing and verifying a request's
 * signature (Authorization header or presigned query string) and decoding
 * aws-chunked streaming bodies with per-chunk signatures or trailers.
 *
 * Flow: route calls sigv4_parse() first, without any secret, because the
 * credential scope tells which service and region a request is for. The
 * dispatcher then looks the access key up and calls sigv4_verify(). Neither
 * formats an error document: each failure is a sigv4_status_t plus AWS's
 * message, and the dispatcher picks the code in the asked service's style
 * (InvalidClientTokenId vs InvalidAccessKeyId, …). */
#ifndef GR_AUTH_SIGV4_H
#define GR_AUTH_SIGV4_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/wire.h"

typedef enum {
    SIGV4_OK,
    SIGV4_NONE,       /* no Authorization header and no X-Amz-Signature: anonymous */
    SIGV4_INCOMPLETE, /* AWS IncompleteSignature / AuthorizationHeaderMalformed: missing parts, bad scope */
    SIGV4_MISMATCH,   /* SignatureDoesNotMatch */
    SIGV4_EXPIRED,    /* presigned URL past X-Amz-Expires (AccessDenied "Request has expired" on S3) */
    SIGV4_SKEWED,     /* more than 15 minutes off: RequestExpired / RequestTimeTooSkewed */
    SIGV4_BAD_HASH,   /* x-amz-content-sha256 differs from the body: XAmzContentSHA256Mismatch */
    SIGV4_MALFORMED,  /* unparseable date, bad algorithm, … */
    SIGV4_EXP_RANGE,  /* presigned X-Amz-Expires < 0 or > 7 days: S3 AuthorizationQueryParametersError (403) */
    SIGV4_UNSIGNED,   /* S3: x-amz-* headers the signature does not cover (msg lists them): AccessDenied */
    SIGV4_BOTH,       /* an Authorization header and an X-Amz-Algorithm query parameter: InvalidSignature (coral) */
} sigv4_status_t;

typedef struct {
    sigv4_status_t status;
    const char *msg; /* AWS's message for the failure, in the arena */
    bool presigned;
    str_t access_key;
    str_t scope_date;              /* "20150830" */
    str_t region;                  /* "us-east-1" */
    str_t service;                 /* "sts", "s3", … (the signing name) */
    str_t signed_headers;          /* "host;x-amz-date" */
    str_t signature;               /* hex */
    str_t amz_date;                /* "20150830T123600Z" */
    int64_t time_us;               /* amz_date parsed */
    int64_t expires_s;             /* presigned X-Amz-Expires */
    str_t security_token;          /* X-Amz-Security-Token, or STR_NULL */
    str_t expected_region;         /* S3: the region a wrongly scoped request should have named (its error's Region) */
    str_t payload_hash;            /* x-amz-content-sha256 value, "UNSIGNED-PAYLOAD", "STREAMING-…", or computed */
    unsigned char signing_key[32]; /* after a successful verify: for chunk signatures */
    str_t canonical_request;       /* after verify: what we signed (S3 error messages include it) */
    str_t string_to_sign;
} sigv4_t;

typedef struct {
    bool s3;            /* S3 rules: no path normalisation, path encoded once */
    int64_t now_us;     /* current time for skew and expiry checks */
    int64_t max_skew_s; /* 900 */
} sigv4_opts_t;

/* Reads the Authorization header or the X-Amz-* query parameters. Sets
 * s->status to SIGV4_OK (parsed, not yet verified), SIGV4_NONE, or a failure. */
void sigv4_parse(const wire_req_t *w, arena_t *a, sigv4_t *s);

/* Checks time (skew or expiry), the payload hash against w->body when the
 * request gives a hex hash, and the signature with `secret`. Sets and returns
 * s->status. */
sigv4_status_t sigv4_verify(const wire_req_t *w, arena_t *a, const sigv4_opts_t *o, str_t secret, sigv4_t *s);

/* Coral services (AWS: DynamoDB, as ScyllaDB's Alternator suite observed
 * it) judge a header-signed request's X-Amz-Date before anything else of its
 * signature: an expired or future date is InvalidSignatureException "Signature
 * expired: …" / "Signature not yet current: …" even when the Authorization
 * header is malformed or names an unknown key. For a request whose parse did
 * not end in SIGV4_NONE, re-reads the date header and, when it parses and lies
 * outside o's window, sets s to SIGV4_SKEWED with that message. false then. */
bool sigv4_date_first(const wire_req_t *w, arena_t *a, const sigv4_opts_t *o, sigv4_t *s);

/* Building blocks, exposed for tests and fuzzing. */
str_t sigv4_canonical_request(const wire_req_t *w, arena_t *a, const sigv4_t *s, bool s3);
str_t sigv4_string_to_sign(arena_t *a, const sigv4_t *s, str_t canonical_request);
void sigv4_signing_key(str_t secret, str_t date, str_t region, str_t service, unsigned char out[32]);
void sigv4_hex_sha256(const void *p, size_t n, char out[65]);

/* ==== aws-chunked bodies ====
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD: each chunk "hex;chunk-signature=sig\r\n
 * data\r\n" signed in a chain from the seed signature;
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER: unsigned chunks then trailer headers
 * (x-amz-checksum-crc32: …). The decoder is fed raw body pieces and emits
 * decoded data; memory stays bounded whatever the body size. */
typedef struct sigv4_chunked sigv4_chunked_t;
typedef int (*sigv4_sink_fn)(void *ud, const char *p, size_t n);

/* s must be verified (SIGV4_OK) and s->payload_hash one of the STREAMING-* values. */
sigv4_chunked_t *sigv4_chunked_new(arena_t *a, const sigv4_t *s, sigv4_sink_fn sink, void *ud);
/* GR_OK, or GR_ERR on a malformed chunk or a chunk signature mismatch (*msg set). */
int sigv4_chunked_feed(sigv4_chunked_t *c, const char *p, size_t n, const char **msg);
/* After the last piece: GR_OK only if the final 0-length chunk (and trailer)
 * arrived. Trailers are then in *trailers / *ntrailers (arena). */
int sigv4_chunked_finish(sigv4_chunked_t *c, const kv_t **trailers, size_t *ntrailers, const char **msg);
/* Whole-buffer convenience: decodes body into *out. */
int sigv4_chunked_decode(arena_t *a, const sigv4_t *s, str_t body, str_t *out, const kv_t **trailers, size_t *ntrailers,
                         const char **msg);

#endif
