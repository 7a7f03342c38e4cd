/* iam.h — what the rest of gureum asks of the IAM service.
 *
 * IAM owns users, their access keys and the policies attached to them; the
 * auth layer and the dispatcher never read IAM's tables. Instead, at start-up
 * iam_start registers a credential provider (auth/creds.h) that resolves an
 * IAM user's access key to its secret and principal, and the dispatcher asks
 * iam_identity_policies for the documents to evaluate for a non-root caller.
 * Both are safe to call from any event-loop thread. */
#ifndef GR_SERVICES_IAM_H
#define GR_SERVICES_IAM_H

#include <stddef.h>
#include <stdint.h>

#include "auth/creds.h"
#include "core/arena.h"
#include "core/req.h"
#include "core/str.h"

struct app;

/* The registry's start hook for iam: adds the IAM access-key provider to
 * app->creds. Call once, before serving. GR_OK / GR_ERR. */
int iam_start(struct app *app);

/* The provider itself (creds_provider_fn; ud is the app_t): an active or
 * inactive IAM user key (AKIA…) → its secret and the user's principal
 * {account, arn, user_id (AIDA…), access_key, user_name}. GR_ERR when the key
 * is not an IAM user's. Answers come from an in-memory cache filled from the
 * database on a miss and emptied whenever a key or user changes, so the
 * common case takes no SQL. */
int iam_creds_provider(void *ud, str_t access_key, arena_t *a, cred_t *out);

/* A number that changes after every change IAM makes to its state: a cache
 * of identity policies read at generation G is valid while this returns G.
 * Read it before reading what the cache keeps. */
uint64_t iam_generation(void);

/* The tags of the calling user, or of the role of an assumed-role session
 * (the aws:PrincipalTag/KEY condition keys), in the arena. GR_OK / GR_ERR. */
int iam_principal_tags(struct app *app, const principal_t *who, arena_t *a, kv_t **tags, size_t *n);

/* The registry's resource_tags hook (registry.h): the tags of the role,
 * user, customer managed policy, instance profile, OIDC or SAML provider,
 * server certificate or MFA device an IAM ARN of the caller's account names. */
int iam_resource_tags(struct req *r, str_t resource, const val_t **tags);
/* The registry's resource_tag_alias hook: "iam:ResourceTag" for a role's or
 * a user's ARN, NULL for any other. */
const char *iam_resource_tag_alias(str_t resource);

/* The identity-based policy documents (JSON text, as stored) that apply to
 * who: the user's inline and attached managed policies (default versions)
 * and those of every group the user is in; for an assumed-role principal
 * (arn …:assumed-role/ROLE/SESSION) the role's. *docs is an array in arena a
 * of *n documents (0 for root, anonymous or an unknown principal). GR_OK, or
 * GR_ERR when the database cannot be read. */
int iam_identity_policies(struct app *app, const principal_t *who, arena_t *a, str_t **docs, size_t *n);

/* Access advisor (access.c): notes that who, an IAM user or a role's
 * session, attempted action ("s3:GetObject") in region, for
 * GetServiceLastAccessedDetails. Called by authorization for every request
 * of such a caller, allowed or not; writes at most once a minute per
 * caller and service (and tracked action). Never fails the request. */
void iam_note_access(struct app *app, const principal_t *who, str_t action, str_t region);

/* The permissions boundary's document of the calling user, or of the role of
 * an assumed-role session: STR_NULL when it has none; a text that does not
 * parse when the boundary's policy is gone (it then allows nothing). */
int iam_permissions_boundary(struct app *app, const principal_t *who, arena_t *a, str_t *doc);

/* Called by IAM's own handlers whenever an access key or a user's name/path
 * changes: the provider's cache forgets everything. */
void iam_creds_invalidate(void);

/* ==== For STS (sts_glue.c, mfa.c) ==== */

/* An MFA code for GetSessionToken or AssumeRole (mfa.c): 1 when serial names
 * a virtual MFA device assigned to the calling user and code is its current
 * one-time code, not used before (the device then remembers it); 0 when not;
 * -1 on failure. */
int iam_mfa_verify(struct app *app, const principal_t *who, str_t serial, str_t code, arena_t *a);

/* A role as AssumeRole needs it. Strings are in the caller's arena. */
typedef struct {
    str_t name, path, id;  /* canonical name (as created), "/…/" path, AROA… id */
    str_t trust;           /* the trust policy document, as stored */
    int64_t max_session_s; /* MaxSessionDuration */
} iam_role_info_t;

/* The role named role_name (case-insensitive, as IAM names are) in account:
 * 1 found (*out filled from arena a), 0 no such role, -1 database failure. */
int iam_role_for_assume(struct app *app, str_t account, str_t role_name, arena_t *a, iam_role_info_t *out);

/* The metadata document of account's SAML provider name (AssumeRoleWithSAML):
 * 1 found (*metadata in arena a), 0 no such provider, -1 database failure. */
int iam_saml_metadata(struct app *app, str_t account, str_t name, arena_t *a, str_t *metadata);

/* The OIDC provider of account whose URL (without https://) is url
 * (AssumeRoleWithWebIdentity): its ClientIDList and ThumbprintList, at most
 * max of each, in arena a. 1 found, 0 no such provider, -1 database failure. */
int iam_oidc_provider(struct app *app, str_t account, str_t url, arena_t *a, str_t *clients, size_t *nclients,
                      str_t *thumbs, size_t *nthumbs, size_t max);

/* Outbound web identity federation (outbound.c) as GetWebIdentityToken
 * needs it: account's issuer id (in arena a) and whether the feature is on.
 * 1 the account enabled it once (it may be off again), 0 never, -1 failure. */
int iam_outbound_issuer(struct app *app, str_t account, arena_t *a, str_t *issuer_id, bool *enabled);
/* The account whose issuer id is issuer_id (serving its JWKS): 1 found
 * (*account in arena a), 0 none, -1 failure. */
int iam_outbound_account(struct app *app, str_t issuer_id, arena_t *a, str_t *account);

/* The default version's document of a managed policy — AWS's, or one of
 * account's own — or STR_NULL when account has no such policy. */
str_t iam_policy_document(struct app *app, str_t account, str_t policy_arn, arena_t *a);

#endif
