/* sts.h — the STS service's start hook, its credential provider, and what
 * its files share (internal: sts__ prefix).
 *
 * AssumeRole and GetSessionToken (assume.c, session.c) issue temporary
 * credentials — an ASIA… key, a secret, a session token and an expiry —
 * stored durably in DATA/meta/sts.db with the principal they act as. The
 * provider registered by sts_start resolves such a key for the dispatcher,
 * which then requires the request's X-Amz-Security-Token to equal the token
 * and answers ExpiredToken past the expiry. */
#ifndef GR_SERVICES_STS_H
#define GR_SERVICES_STS_H

#include <stdint.h>

#include "auth/creds.h"
#include "auth/policy.h"
#include "core/req.h"
#include "services/iam/iam.h"

struct app;

/* The registry's start hook for sts: adds sts_creds_provider to app->creds.
 * Call once, before serving. GR_OK / GR_ERR. */
int sts_start(struct app *app);
/* The registry's stop hook for sts: ends the workers sts_start began. */
void sts_stop(struct app *app);

/* creds_provider_fn (ud is the app_t): an ASIA… key STS issued → its secret,
 * session token, expiry and principal (for an assumed role {account,
 * assumed-role ARN, "AROA…:session", key, no user name, session policy};
 * for GetSessionToken the caller's own principal). GR_ERR when not ours. */
int sts_creds_provider(void *ud, str_t access_key, arena_t *a, cred_t *out);

/* ==== The outbound token issuer (outbound.c) ==== */

/* The issuer URL of the account whose issuer id is issuer_id (IAM's
 * IssuerIdentifier, the tokens' iss): http://HOST:PORT/_gureum/sts/issuer/ID. */
str_t sts_issuer_url(struct app *app, arena_t *a, str_t issuer_id);
/* The issuer's JWKS document ({"keys":[…]}, JSON text in a), the keys made
 * when missing: 1, 0 no such issuer, -1 failure. A verifier of gureum's own
 * tokens (AssumeRoleWithWebIdentity) can take it in place of fetching
 * ISSUER/.well-known/jwks.json over HTTP and pick the JWK whose kid the
 * token names. */
int sts_issuer_jwks(struct app *app, str_t issuer_id, arena_t *a, str_t *jwks);
/* GET /_gureum/sts/issuer/ID/.well-known/openid-configuration and
 * …/jwks.json, unsigned (dispatch.c routes /_gureum/sts/ here). */
void sts_inspect(req_t *r);

/* ==== internal ==== */

typedef struct {
    str_t key_id, secret, token;
    int64_t expires_us;
} sts__creds_t;

/* Issues and stores credentials acting as who (who->access_key is replaced
 * by the new key) for duration_s seconds. GR_OK, or GR_ERR (internal). */
int sts__issue(req_t *r, const principal_t *who, str_t session_policy, const char *kind, int64_t duration_s,
               sts__creds_t *out);
/* sts__issue, then the answer: Credentials, the session's user structure
 * (out[user_member] = {id_member: who->user_id, Arn: who->arn}) and
 * PackedPolicySize when packed_percent >= 0. GR_OK / GR_ERR (internal). */
int sts__issue_out(req_t *r, const principal_t *who, str_t session_policy, const char *kind, int64_t duration_s,
                   val_t *out, const char *user_member, const char *id_member, int64_t packed_percent);
/* The Credentials output structure. */
val_t *sts__creds_value(req_t *r, const sts__creds_t *c);
/* The lifetime actually granted for a valid requested duration: itself, except
 * in test builds (GUREUM_TESTING) where GUREUM_STS_MIN_DURATION=N (1..899)
 * makes a request for exactly the 900-second minimum live N seconds. */
int64_t sts__granted_seconds(int64_t requested);
/* SerialNumber and TokenCode checked (session.c): GR_OK (r->who.mfa_us set
 * when they were given), or GR_ERR with AccessDenied recorded. */
int sts__mfa(req_t *r, const val_t *in);
/* The request's session policies, Policy and PolicyArns (managed policies
 * of account or AWS's), as the one document credentials carry (*text,
 * STR_NULL for none), how many documents there were, and the packed size of
 * policies and session Tags in percent of AWS's allowance (assume.c). GR_OK,
 * or GR_ERR with MalformedPolicyDocument / ValidationError /
 * PackedPolicyTooLarge recorded. */
int sts__session_policy(req_t *r, const val_t *in, str_t account, str_t *text, size_t *n, int64_t *percent);
/* The tags of a session made for r with input in (Tags, TransitiveTagKeys),
 * with the transitive tags of r's own session carried in when chain (role
 * chaining: AssumeRole with session credentials), as
 * principal_t.session_tags keeps them (STR_NULL: none); fails r for a tag
 * that would replace an inherited transitive one. */
int sts__session_tags(req_t *r, const val_t *in, bool chain, str_t *out);
/* Session tags a federated login names (a SAML assertion's PrincipalTag
 * attributes, an ID token's tags claim) as AssumeRole's Tags and
 * TransitiveTagKeys members, for sts__session_tags; their aws:RequestTag/KEY
 * and aws:TagKeys keys, for the trust policy, into ctx from *nctx on (at
 * most max). NULL when out of memory. */
val_t *sts__tags_in(arena_t *a, const str_t *keys, const str_t *vals, size_t n, const str_t *transitive, size_t nt,
                    policy_ctx_t *ctx, size_t *nctx, size_t max);
/* The principal of a session of a role: AWS's
 * arn:aws:sts::ACCOUNT:assumed-role/ROLE_NAME/SESSION (no path) and
 * AssumedRoleId "AROA…:SESSION" (assume.c). */
principal_t sts__assumed_role(arena_t *a, str_t account, str_t role_name, str_t role_id, str_t session);
/* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME → account, path ("/…/"), name
 * (assume.c). -1 not an ARN at all, 0 an ARN but not of a role, 1 a role ARN. */
int sts__parse_role_arn(str_t arn, str_t *account, str_t *path, str_t *name);
/* The role a federated provider may assume by its trust policy, or
 * AccessDenied "Not authorized to perform ACTION" (saml.c); with
 * tag_session (the session gets tags) the trust policy must also allow
 * sts:TagSession. */
int sts__federated_role(req_t *r, str_t account, str_t path, str_t role_name, str_t provider, const char *action,
                        bool tag_session, const policy_ctx_t *ctx, size_t nctx, iam_role_info_t *role);
/* webid.c's JWKS fetchers (AssumeRoleWithWebIdentity), begun by sts_start
 * and ended by sts_stop. */
int sts__webid_start(struct app *app);
void sts__webid_stop(struct app *app);
/* Is the caller signing with temporary credentials (an ASIA… key)? */
bool sts__is_session(const req_t *r);

#endif
