/* iam_int.h — what the IAM service's files share (internal: iam__ prefix).
 *
 * Statements go through iam__stmt, which binds by a small type string and
 * finalizes the statement when the request arena is freed, so no handler
 * path can leak one. Lists are built whole and then cut to one page by
 * iam__paginate (IAM lists are small: AWS caps users at 5000 per account). */
#ifndef GR_SERVICES_IAM_INT_H
#define GR_SERVICES_IAM_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/req.h"
#include "iam_model.h"
#include "services/iam/iam.h"

/* AWS's default quotas that gureum enforces (and GetAccountSummary reports). */
#define IAM__ATTACHED_QUOTA 10 /* managed policies per user, group or role */
#define IAM__KEYS_QUOTA 2      /* access keys per user */
#define IAM__VERSIONS_QUOTA 5  /* versions per managed policy */
#define IAM__SIGNING_QUOTA 2   /* signing certificates per user */

/* An entity kind that has a name, path, id and ARN of its own. */
typedef struct {
    const char *kind;      /* "user": iam_inline_policy.kind, iam_attached.kind, iam_tag.kind */
    const char *table;     /* "iam_user" */
    const char *arn_type;  /* "user" in arn:aws:iam::ACCT:user/PATH/NAME */
    const char *name_key;  /* "UserName" */
    const char *id_key;    /* "UserId" */
    const char *not_found; /* printf format with the name: AWS's NoSuchEntity message */
    const char *exists;    /* …and its EntityAlreadyExists message */
    const char *id_prefix; /* "AIDA" */
} iam__kind_t;

extern const iam__kind_t iam__user, iam__group, iam__role, iam__profile;

#define IAM__NULL_INT INT64_MIN

/* This thread's IAM database; NULL (logged) when it cannot be opened. */
sqlite3 *iam__db(req_t *r);
/* Prepares sql and binds ?1 = the caller's account, then one parameter per
 * char of types: 's' str_t, 'c' const char * (NULL binds NULL), 'i' int64_t,
 * 'I' int64_t that binds NULL when it is IAM__NULL_INT.
 * The statement is finalized with the arena. NULL on failure (logged). */
sqlite3_stmt *iam__stmt(req_t *r, const char *sql, const char *types, ...);
/* iam__stmt + one step: GR_OK when it ran (a row or done), else GR_ERR. */
int iam__exec(req_t *r, const char *sql, const char *types, ...);
/* Column i as a NUL-terminated arena copy (STR_NULL for SQL NULL). */
str_t iam__col(req_t *r, sqlite3_stmt *st, int i);
/* One integer from a query (COUNT(*) …); -1 on failure. */
int64_t iam__count(req_t *r, const char *sql, const char *types, ...);
int iam__begin(req_t *r);
int iam__commit(req_t *r);
void iam__rollback(req_t *r);

/* Now, in whole seconds: AWS's IAM dates carry no fraction. */
int64_t iam__now(void);
/* "AIDA" + 17 characters of [A-Z2-7], as AWS's unique ids look. */
str_t iam__new_id(req_t *r, const char *prefix);
/* arn:aws:iam::ACCT:TYPE{path}{name} */
str_t iam__arn(req_t *r, const char *type, str_t path, str_t name);
/* The Path member or "/" when absent. */
str_t iam__path_in(const val_t *in, const char *key);

/* AWS's patterns for new names ([\w+=,.@-]+) and paths ("/" or /…/ of
 * printable ASCII): GR_OK, or GR_ERR with ValidationError recorded naming
 * the member as AWS does ("userName", "path"). */
int iam__check_name(req_t *r, str_t name, const char *member);
int iam__check_path(req_t *r, str_t path, const char *member);

/* Does the named entity exist? 1 yes, 0 no, -1 failure. On "no" the request
 * is failed with the kind's NoSuchEntity message (when fail is true). */
int iam__exists(req_t *r, const iam__kind_t *k, str_t name, bool fail);
/* Its row: path, id, created_us (out params may be NULL). GR_OK / GR_ERR
 * (NoSuchEntity already recorded). */
int iam__entity(req_t *r, const iam__kind_t *k, str_t name, str_t *canon_name, str_t *path, str_t *id,
                int64_t *created_us);
/* The account password policy (password.c): GR_OK when pw satisfies it (or
 * there is none) and is none of user's last PasswordReusePrevention
 * passwords (user STR_NULL: no history), else PasswordPolicyViolation
 * recorded; and the form a login profile's password is stored in (a salted
 * PBKDF2-SHA256 hash). iam__password_set stores pw as user's login profile
 * password (create: a new profile) and in its history. */
int iam__password_ok(req_t *r, str_t user, str_t pw);
str_t iam__password_hash(req_t *r, str_t pw);
int iam__password_set(req_t *r, str_t user, str_t pw, bool create, bool reset);

/* UpdateUser and UpdateGroup: NewPath and a new name (member new_name_key,
 * validated as new_name_member) for the entity named by k->name_key; moves
 * (NULL-terminated) are the statements that rename it everywhere, each with
 * ?2 the old name and ?3 the new, run in one transaction. */
int iam__update_entity(req_t *r, const iam__kind_t *k, const val_t *in, const char *new_name_key,
                       const char *new_name_member, const char *const *moves);
/* CreateRole's work on its input members (role.c; also CreateServiceLinkedRole). */
int iam__create_role(req_t *r, const val_t *in, val_t *out);
/* GR_OK when the role exists and is not service-linked (slr.c); else GR_ERR
 * with NoSuchEntity, or AWS's UnmodifiableEntity as the ordinary role
 * operations answer for a service-linked role, recorded. */
int iam__role_protected(req_t *r, str_t name);

/* The user an access-key-like operation (access keys, signing certificates)
 * acts on: UserName, else the calling user, "" for the root user. GR_OK, or
 * GR_ERR with NoSuchEntity / ValidationError recorded. */
int iam__key_user(req_t *r, const val_t *in, str_t *name);

/* Credential report pieces (report.c, cert.c): a time as AWS writes it
 * there (seconds, "+00:00"), and a user's cert_1/cert_2 columns (active,
 * last rotated) of its first two signing certificates. */
void iam__report_time(buf_t *b, int64_t us);
int iam__signing_columns(req_t *r, buf_t *b, str_t user);

/* Path, Name, Id, Arn, CreateDate members of an entity into struct v. */
void iam__entity_members(req_t *r, val_t *v, const iam__kind_t *k, str_t name, str_t path, str_t id,
                         int64_t created_us);

/* Marker/MaxItems paging of a list built whole: sets out[list_key] to the
 * page, IsTruncated, and Marker when truncated. GR_ERR on a bad Marker. */
int iam__paginate(req_t *r, const val_t *in, val_t *out, const char *list_key, val_t *all);

/* Policy documents. IAM answers them URL-encoded (botocore decodes any
 * policyDocumentType member); this encodes one into the arena. */
val_t *iam__doc_out(req_t *r, str_t doc);
/* Checks a document a client sent: GR_OK, or GR_ERR with
 * MalformedPolicyDocument recorded. */
typedef enum {
    IAM__DOC_INLINE,  /* Put{User,Group,Role}Policy */
    IAM__DOC_MANAGED, /* CreatePolicy, CreatePolicyVersion: Version 2012-10-17 required */
    IAM__DOC_TRUST,   /* a role's trust policy */
} iam__doc_t;
int iam__check_doc(req_t *r, str_t doc, iam__doc_t kind);
/* IAM's staged validation of an identity policy (doccheck.c): AWS's
 * message for the first stage that fails, or NULL. */
const char *iam__doc_error(arena_t *a, str_t doc, bool managed);

/* Tags of an entity: the Tags list value (in set order). */
val_t *iam__tags(req_t *r, const char *kind, str_t owner);
/* AWS IAM's rules for a request's tags beyond the model's (the key/value
 * pattern; no key twice, case ignored): GR_OK, or GR_ERR recorded. iam__tag
 * checks too; a Create* checks before it creates anything. */
int iam__check_tags(req_t *r, const val_t *tags);
int iam__tag(req_t *r, const char *kind, str_t owner, const val_t *tags);
int iam__untag(req_t *r, const char *kind, str_t owner, const val_t *keys);
int iam__delete_tags(req_t *r, const char *kind, str_t owner);

/* AWS managed policies compiled in (managed.c). */
typedef struct {
    const char *name, *id, *path, *description, *version, *created, *updated, *document;
} iam__managed_t;
extern const iam__managed_t iam__managed[];
extern const size_t iam__nmanaged;
const iam__managed_t *iam__managed_by_arn(str_t arn);
int64_t iam__managed_time(const char *iso);

/* A policy ARN of this account or AWS's, resolved: aws set for an AWS
 * managed policy (then m is it), else name is the customer policy's name. */
typedef struct {
    bool aws;
    const iam__managed_t *m;
    str_t name, path, id, description;
    int64_t created_us, updated_us;
    int64_t default_version, next_version;
} iam__policy_t;
/* GR_OK, or GR_ERR with NoSuchEntity (msg_fmt has %.*s for the ARN) recorded. */
int iam__policy_find(req_t *r, str_t arn, iam__policy_t *p, const char *msg_fmt);
/* The default version's document of a policy ARN, or STR_NULL. */
str_t iam__policy_doc(req_t *r, str_t arn);

/* A request on arena a for principal who, for IAM's helpers outside a request. */
req_t *iam__private_req(struct app *app, const principal_t *who, arena_t *a);
/* The caller's own IAM entity, named *owner: its user (*user true) or its
 * assumed-role session's role. GR_OK with *r NULL when it has none (root,
 * anonymous); else *r is a private request for IAM's helpers. */
int iam__caller_entity(struct app *app, const principal_t *who, arena_t *a, req_t **r, str_t *owner, bool *user);

/* The identity policy documents of a user (with its groups'), group or role
 * (kind "user" | "group" | "role"): inline ones and attached managed ones. */
int iam__entity_docs(req_t *r, const char *kind, str_t owner, str_t **docs, size_t *n);

/* Permissions boundaries (boundary.c): set (arn STR_NULL: remove) after
 * checking the policy exists; the PermissionsBoundary value of GetUser and
 * GetRole, or NULL when none. */
int iam__set_boundary(req_t *r, const iam__kind_t *k, str_t name, str_t arn);
/* GR_OK when arn names a policy a boundary may be (else NoSuchEntity, AWS's
 * "Scope ARN" text): CreateUser and CreateRole check before inserting. */
int iam__boundary_ok(req_t *r, str_t arn);
val_t *iam__boundary_value(req_t *r, const iam__kind_t *k, str_t name);

/* Handlers of the same operation on users, groups and roles (attach.c). */
int iam__list_attached(req_t *r, const iam__kind_t *k, const val_t *in, val_t *out);
int iam__list_inline(req_t *r, const iam__kind_t *k, const val_t *in, val_t *out);
/* AttachedManagedPolicies / XPolicyList values for GetAccountAuthorizationDetails. */
val_t *iam__attached_list(req_t *r, const iam__kind_t *k, str_t owner);
val_t *iam__inline_list(req_t *r, const iam__kind_t *k, str_t owner);
/* Role value as GetRole answers it (no tags when with_tags is false). */
val_t *iam__role_value(req_t *r, sqlite3_stmt *st, bool with_tags);
#define IAM__ROLE_COLS "name, path, id, created_us, trust, description, max_session"
/* Instance profile value with its roles. */
/* An identity ARN (SimulatePrincipalPolicy's PolicySourceArn,
 * ListPoliciesGrantingServiceAccess' Arn): a user, group or role of the
 * caller's account, as its kind and its name as stored. GR_OK, or GR_ERR
 * with InvalidInput / NoSuchEntity recorded. */
int iam__identity_of_arn(req_t *r, str_t src, const iam__kind_t **kind, str_t *canon);
/* Whether the policy document doc has an Allow statement that can grant
 * some action of service namespace ns (grants.c). */
bool iam__doc_grants(req_t *r, str_t doc, str_t ns);
val_t *iam__profile_value(req_t *r, str_t name, str_t path, str_t id, int64_t created_us);

#endif
