/* policy.h — IAM policy documents: parsing, validation and evaluation.
 *
 * One module used by every service for every request from a non-root
 * principal. The dispatcher gathers the caller's identity policies (from the
 * IAM service: user, its groups, role), the session policy of temporary
 * credentials, and the resource policy a service passes in (bucket, queue,
 * topic, function), and asks policy_evaluate for AWS's decision:
 * an explicit Deny anywhere wins, then an Allow, else the implicit deny.
 *
 * A parsed policy_t is immutable and owns its memory (its own arena), so it
 * can be cached across requests and evaluated by several threads at once;
 * the owner frees it with policy_free. Evaluation allocates nothing. */
#ifndef GR_AUTH_POLICY_H
#define GR_AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/req.h"
#include "core/str.h"

typedef struct policy policy_t;

typedef enum {
    POLICY_IDENTITY, /* attached to a user, group or role: no Principal allowed */
    POLICY_RESOURCE, /* bucket/topic/function policy: Principal required */
    POLICY_QUEUE,    /* an SQS queue's Policy: as POLICY_RESOURCE, but SQS takes a
                      * statement without Resource (it means the queue) and a
                      * Resource that is no ARN (it matches only itself) */
    POLICY_TRUST,    /* a role's trust policy: Principal required, sts:* actions */
    POLICY_SESSION,  /* passed to AssumeRole: like an identity policy */
} policy_kind_t;

/* Parses and validates a policy document of the given kind. NULL on error,
 * with AWS's MalformedPolicyDocument message written into err (err_len bytes,
 * NUL-terminated). */
policy_t *policy_parse(str_t json, policy_kind_t kind, char *err, size_t err_len);
/* policy_parse, with the policy freed when arena a is: NULL when it does not
 * parse (err as above) or the arena is out of memory (err empty). */
policy_t *policy_parse_in(arena_t *a, str_t json, policy_kind_t kind, char *err, size_t err_len);
void policy_free(policy_t *p);

/* One request context key: "aws:SourceIp", "aws:CurrentTime", "s3:prefix", …
 * Multi-valued keys (aws:TagKeys) have several values. */
typedef struct {
    str_t key;
    const str_t *values;
    size_t nvalues;
} policy_ctx_t;

typedef struct {
    str_t action;   /* "s3:GetObject" — matched case-insensitively */
    str_t resource; /* "arn:aws:s3:::bucket/key"; "*" when the action has no resource */
    const principal_t *who;
    const policy_ctx_t *ctx; /* request context keys, including the global ones the dispatcher knows */
    size_t nctx;
} policy_req_t;

typedef enum { POLICY_IMPLICIT_DENY, POLICY_ALLOW, POLICY_EXPLICIT_DENY } policy_result_t;

/* One policy's verdict for the request (Deny > Allow > nothing matched). */
policy_result_t policy_eval_one(const policy_t *p, const policy_req_t *req);

/* AWS's evaluation logic within and across accounts:
 *  - an explicit Deny in any policy → EXPLICIT_DENY;
 *  - identity policies allow, and (when a session policy is given) the
 *    session policy allows too → ALLOW;
 *  - a resource policy that allows the principal → ALLOW on its own when the
 *    caller is in the resource's account (same_account), otherwise both the
 *    resource policy and the caller's identity policies must allow;
 *  - otherwise IMPLICIT_DENY.
 * identity may be empty; session and resource may be NULL. */
policy_result_t policy_evaluate(const policy_req_t *req, const policy_t *const *identity, size_t nidentity,
                                const policy_t *session, const policy_t *resource, bool same_account);
/* The same with the caller's permissions boundary (NULL: none), which
 * limits as the session policy does: both must allow what identity policies
 * (or a resource policy naming the role rather than the session) allow. */
policy_result_t policy_evaluate_bounded(const policy_req_t *req, const policy_t *const *identity, size_t nidentity,
                                        const policy_t *session, const policy_t *boundary, const policy_t *resource,
                                        bool same_account);

#endif
