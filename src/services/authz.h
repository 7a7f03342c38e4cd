/* authz.h — IAM authorization of each request (see authz.c). */
#ifndef GR_SERVICES_AUTHZ_H
#define GR_SERVICES_AUTHZ_H

#include "auth/policy.h"
#include "core/req.h"

typedef struct authz authz_t;

authz_t *authz_new(void);
void authz_free(authz_t *z);
/* GR_OK when the caller may perform r->op on its resource (always for root
 * and for operations that need no permission); otherwise fails r with the
 * service's access-denied error and returns GR_ERR. */
int authz_check(req_t *r, authz_t *z);

/* The IAM prefix of the actions of a service that signs as `signing` (AWS:
 * Service Authorization Reference): the signing name itself, but for
 * CloudWatch, which signs as monitoring and whose actions are
 * cloudwatch:*. An operation's action is PREFIX:Name unless its op table
 * names another. */
const char *authz_iam_prefix(const char *signing);

/* The global condition keys gureum knows (IAM User Guide, "AWS global
 * condition context keys") for r's caller and request: aws:username,
 * aws:PrincipalArn, aws:PrincipalType, aws:SourceIp, aws:CurrentTime,
 * aws:MultiFactorAuthPresent, aws:Referer, aws:UserAgent and the rest; those with a value go into out, their values in
 * r's arena. Returns how many. The dispatcher's authorization and AssumeRole's trust evaluation both use them. */
#define AUTHZ_GLOBAL_KEYS 14
size_t authz_global_ctx(req_t *r, policy_ctx_t out[AUTHZ_GLOBAL_KEYS]);

struct policy;
/* For a service that authorizes its own operations (OPF_NO_AUTHZ in its op
 * table) once it has loaded the resource: whether the caller may perform
 * `action` on `resource`, owned by resource_account, under the caller's
 * identity policies and the resource's own policy `res` (NULL: none), by
 * AWS's same-account and cross-account evaluation logic. The owner
 * account's root always may. GR_OK, or r failed with the service's
 * access-denied error and GR_ERR. */
int authz_check_resource(req_t *r, authz_t *z, str_t action, str_t resource, str_t resource_account,
                         const struct policy *res);
/* The same with condition keys of the service's own for this request
 * (Lambda's lambda:FunctionUrlAuthType), beside the global ones. */
int authz_check_resource_ctx(req_t *r, authz_t *z, str_t action, str_t resource, str_t resource_account,
                             const struct policy *res, const policy_ctx_t *ctx, size_t nctx);

#endif
