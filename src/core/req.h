/* req.h — one AWS request on its way through the layers.
 *
 * The dispatcher creates a req_t per HTTP request with its own arena, and
 * each layer fills its part: route (service, operation, region), auth (the
 * principal), protocol (the parsed input), the service (output or error),
 * then the protocol again (the response). Everything hanging off a req_t is
 * in r->arena and dies with it.
 *
 * Services fail a request with req_fail(), which records the AWS error and
 * returns GR_ERR, so handlers write `return req_fail(r, &X, "...");`. */
#ifndef GR_CORE_REQ_H
#define GR_CORE_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "core/val.h"
#include "core/wire.h"

/* Who is calling, as SigV4 and the credential store established it. */
typedef struct {
    str_t account;        /* "000000000000" */
    str_t arn;            /* "arn:aws:iam::000000000000:root", "…:user/alice", "…:assumed-role/R/s" */
    str_t user_id;        /* "000000000000" for root, "AIDA…" for a user, "AROA…:session" */
    str_t access_key;     /* the key id that signed */
    str_t user_name;      /* IAM user name, when a user */
    str_t session_policy; /* temporary credentials from AssumeRole with a Policy: its JSON text, else empty */
    str_t session_tags;   /* temporary credentials with session tags: [{"Key","Value","Transitive"}] JSON, else empty */
    bool root;
    bool anonymous; /* no credentials (public S3 access) */
    int64_t mfa_us; /* temporary credentials: when an MFA code authenticated them; 0: none did */
} principal_t;

struct svc_model;
struct op;
struct svc_entry;

typedef struct req {
    arena_t *arena;
    char id[53]; /* request id: a UUID, or DynamoDB's 52 characters [0-9A-Z] */
    int64_t start_us;
    wire_req_t w;
    /* route */
    const struct svc_entry *svc; /* registry row */
    const struct op *op;         /* NULL when the operation is unknown */
    str_t op_name;               /* the name the client asked for, even if unknown */
    str_t region;                /* from the credential scope, else the server default */
    /* auth */
    principal_t who;
    /* protocol */
    val_t *in;
    val_t *out;
    /* result */
    const aws_errdef_t *err; /* set by req_fail; NULL with GR_ERR means internal failure */
    const char *err_msg;
    val_t *err_extra; /* extra members of the error document (S3: BucketName, Key, …) */
    wire_resp_t resp;
    void *app;       /* the server's service state (services/app.h), never NULL in a service */
    void *transport; /* the http layer's request, for suspended requests; NULL in tests */
    /* Set by a service while r is suspended (GR_AGAIN): called on r's loop if
     * the client leaves first, before r's arena is freed, so the service can
     * drop every reference it holds to r (SQS long polling). */
    void (*on_abort)(struct req *r, void *arg);
    void *on_abort_arg;
    /* OPF_STREAM_BODY operations: the body, already in a temporary blob
     * (services/body.h); w.body is then empty. NULL otherwise. */
    struct body_stream *body;
    /* A service's memo for this request only (S3: its bucket's configurations),
     * in the arena; NULL until the service sets it. */
    void *svc_memo;
    /* A streamed operation parsed, authorized and checked by its service on
     * its headers, before its body was asked for (dispatch_on_headers): the
     * service's own checks then need not run again (S3: the bucket). */
    bool headers_checked;
    /* The body inflated before authentication to find a compressed query
     * request's Action (dispatch.c find_op_inflated); decode_body takes it
     * rather than inflating the body a second time. STR_NULL: none. */
    str_t inflated;
    /* Made by a background runner of gureum's own, not read from the wire
     * (S3's lifecycle runner): answers keep what the wire would round (S3
     * reports times to the second; the runner orders versions by them). */
    bool internal;
} req_t;

/* The role name in an assumed-role session ARN
 * ("arn:aws:sts::ACCT:assumed-role/ROLE/SESSION" → "ROLE"), or STR_NULL when
 * arn is not a role session's. */
str_t principal_session_role(str_t arn);

/* AWS's MFA condition keys for who at now: aws:MultiFactorAuthPresent is
 * "true" for temporary credentials an MFA code authenticated, "false" for
 * other temporary credentials, and absent (empty) for long-term keys;
 * aws:MultiFactorAuthAge (seconds) only with MFA. */
void principal_mfa_keys(const principal_t *who, int64_t now_us, char present[8], char age[24]);

int req_fail(req_t *r, const aws_errdef_t *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
