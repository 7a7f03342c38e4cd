/* access.c — who may use a bucket besides its owner: the bucket policy
 * (auth/policy), ACLs (canned, x-amz-grant-* headers or an AccessControlPolicy
 * document) and the ownership controls that decide who owns what others
 * write. s3__bucket calls s3_access_check for every request, so nothing
 * reaches another account's bucket without a grant, an explicit Deny stops
 * even the owner's IAM principals (never the owner's root), and an object
 * another account owns is reached through its own ACL only. */
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "core/log.h"
#include "protocol/model.h"
#include "services/app.h"
#include "services/authz.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

static const aws_errdef_t E_AccessControlListNotSupported = {"AccessControlListNotSupported", 400, true};
static const aws_errdef_t E_InvalidRequest = {"InvalidRequest", 400, true};
static const aws_errdef_t E_InvalidBucketAclWithObjectOwnership = {"InvalidBucketAclWithObjectOwnership", 400, true};
static const aws_errdef_t E_UnresolvableGrant = {"UnresolvableGrantByEmailAddress", 400, true};

/* Set while a check must pass over AllUsers/AuthenticatedUsers grants
 * (IgnorePublicAcls). */
static _Thread_local bool ignore_public_grants;

#define ALL_USERS "http://acs.amazonaws.com/groups/global/AllUsers"
#define AUTH_USERS "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define LOG_DELIVERY "http://acs.amazonaws.com/groups/s3/LogDelivery"

/* ==== building ACLs ==== */

static val_t *owner_val(arena_t *a, str_t account)
{
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "DisplayName", val_cstr(a, "gureum"));
    val_set_c(a, o, "ID", val_str(a, s3__owner_id(a, account)));
    return o;
}

static void add_grant(arena_t *a, val_t *grants, const char *type, str_t who, const char *perm)
{
    val_t *g = val_new(a, VAL_STRUCT), *ge = val_new(a, VAL_STRUCT);
    val_set_c(a, ge, "Type", val_cstr(a, type));
    if (!strcmp(type, "CanonicalUser")) {
        val_set_c(a, ge, "DisplayName", val_cstr(a, "gureum"));
        val_set_c(a, ge, "ID", val_str(a, who));
    } else if (!strcmp(type, "Group")) {
        val_set_c(a, ge, "URI", val_str(a, who));
    } else {
        val_set_c(a, ge, "EmailAddress", val_str(a, who));
    }
    val_set_c(a, g, "Grantee", ge);
    val_set_c(a, g, "Permission", val_cstr(a, perm));
    val_push(a, grants, g);
}

static val_t *new_acl(arena_t *a, str_t owner_account, val_t **grants)
{
    val_t *acl = val_new(a, VAL_STRUCT);
    *grants = val_new(a, VAL_LIST);
    val_set_c(a, acl, "Owner", owner_val(a, owner_account));
    val_set_c(a, acl, "Grants", *grants);
    return acl;
}

/* AWS: "Canned ACL" in the Access control list (ACL) overview. */
static int canned(req_t *r, str_t name, str_t owner_account, str_t bucket_owner, val_t **acl)
{
    arena_t *a = r->arena;
    val_t *g;
    *acl = new_acl(a, owner_account, &g);
    /* AWS lists the group grants of a canned ACL before the owner's */
    if (str_eq_c(name, "public-read") || str_eq_c(name, "public-read-write"))
        add_grant(a, g, "Group", STR(ALL_USERS), "READ");
    if (str_eq_c(name, "public-read-write")) add_grant(a, g, "Group", STR(ALL_USERS), "WRITE");
    if (str_eq_c(name, "authenticated-read")) add_grant(a, g, "Group", STR(AUTH_USERS), "READ");
    if (str_eq_c(name, "log-delivery-write")) {
        add_grant(a, g, "Group", STR(LOG_DELIVERY), "WRITE");
        add_grant(a, g, "Group", STR(LOG_DELIVERY), "READ_ACP");
    }
    add_grant(a, g, "CanonicalUser", s3__owner_id(a, owner_account), "FULL_CONTROL");
    /* AWS: bucket-owner-read/-full-control grant the bucket's owner too when
     * the object's writer is someone else */
    if (str_eq_c(name, "bucket-owner-read") || str_eq_c(name, "bucket-owner-full-control")) {
        if (!str_eq(bucket_owner, owner_account))
            add_grant(a, g, "CanonicalUser", s3__owner_id(a, bucket_owner),
                      str_eq_c(name, "bucket-owner-read") ? "READ" : "FULL_CONTROL");
        return GR_OK;
    }
    static const char *const known[] = {
        "private", "public-read", "public-read-write", "authenticated-read", "log-delivery-write", "aws-exec-read"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (str_eq_c(name, known[i])) return GR_OK;
    return s3__bad_arg(r, &S3_E_InvalidArgument, "x-amz-acl", name, "Invalid canned ACL");
}

/* AWS: the groups a grant may name */
static bool known_group(str_t uri)
{
    return str_eq_c(uri, ALL_USERS) || str_eq_c(uri, AUTH_USERS) || str_eq_c(uri, LOG_DELIVERY);
}

static bool canonical_id(str_t id);

/* One x-amz-grant-* header: `id="…", uri="…", emailAddress="…"`. */
static int grant_header(req_t *r, val_t *grants, str_t h, const char *header, const char *perm)
{
    str_t whole = h;
    while (h.len) {
        str_t item;
        h = str_cut(h, ',', &item);
        item = str_trim(item);
        if (!item.len) continue;
        str_t k;
        str_t v = str_trim(str_cut(item, '=', &k));
        k = str_trim(k);
        if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"') v = str_sub(v, 1, v.len - 2);
        v = arena_str(r->arena, v);
        if (str_eq_nocase(k, STR("id"))) {
            if (!canonical_id(v)) return s3__bad_arg(r, &S3_E_InvalidArgument, "id", v, "Invalid id");
            add_grant(r->arena, grants, "CanonicalUser", v, perm);
        } else if (str_eq_nocase(k, STR("uri"))) {
            if (!known_group(v)) return s3__bad_arg(r, &S3_E_InvalidArgument, "uri", v, "Invalid group uri");
            add_grant(r->arena, grants, "Group", v, perm);
        } else if (str_eq_nocase(k, STR("emailAddress"))) {
            add_grant(r->arena, grants, "AmazonCustomerByEmail", v, perm);
        } else {
            return s3__bad_arg(r, &S3_E_InvalidArgument, header, whole, "Argument format not recognized");
        }
    }
    return GR_OK;
}

static int acl_from_input(req_t *r, const val_t *in, str_t owner_account, str_t bucket_owner, val_t **acl);

int s3_acl_from_input(req_t *r, const val_t *in, str_t owner_account, val_t **acl)
{
    return acl_from_input(r, in, owner_account, owner_account, acl);
}

static int acl_from_input(req_t *r, const val_t *in, str_t owner_account, str_t bucket_owner, val_t **acl)
{
    *acl = NULL;
    str_t cn = val_get_str(in, "ACL");
    static const struct {
        const char *member, *header, *perm;
    } hs[] = {{"GrantFullControl", "x-amz-grant-full-control", "FULL_CONTROL"},
              {"GrantRead", "x-amz-grant-read", "READ"},
              {"GrantReadACP", "x-amz-grant-read-acp", "READ_ACP"},
              {"GrantWrite", "x-amz-grant-write", "WRITE"},
              {"GrantWriteACP", "x-amz-grant-write-acp", "WRITE_ACP"}};
    bool any_grant = false;
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) any_grant |= val_get_str(in, hs[i].member).len > 0;
    if (cn.len && any_grant)
        return req_fail(r, &E_InvalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed");
    if (cn.len) return canned(r, cn, owner_account, bucket_owner, acl);
    if (!any_grant) return GR_OK;
    val_t *g;
    *acl = new_acl(r->arena, owner_account, &g);
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (grant_header(r, g, val_get_str(in, hs[i].member), hs[i].header, hs[i].perm) != GR_OK) return GR_ERR;
    return GR_OK;
}

/* A canonical user id is 64 hex digits (s3__owner_id). */
static bool canonical_id(str_t id)
{
    if (id.len != 64) return false;
    for (size_t i = 0; i < id.len; i++)
        if (!((id.p[i] >= '0' && id.p[i] <= '9') || (id.p[i] >= 'a' && id.p[i] <= 'f'))) return false;
    return true;
}

static const aws_errdef_t E_MalformedACL = {"MalformedACLError", 400, true};

/* The ACL of a Put*Acl request: headers or the AccessControlPolicy body
 * (AWS: headers and a body together are UnexpectedContent, neither a missing
 * x-amz-acl; a body without its Owner, or with an unknown permission or
 * grantee type, MalformedACLError). */
static int acl_of_put(req_t *r, const val_t *in, str_t owner_account, str_t bucket_owner, val_t **acl)
{
    static const aws_errdef_t E_UnexpectedContent = {"UnexpectedContent", 400, true};
    static const aws_errdef_t E_MissingSecurityHeader = {"MissingSecurityHeader", 400, true};
    if (acl_from_input(r, in, owner_account, bucket_owner, acl) != GR_OK) return GR_ERR;
    const val_t *body = val_get(in, "AccessControlPolicy");
    if (*acl && body) return req_fail(r, &E_UnexpectedContent, "This request does not support content");
    if (*acl) return GR_OK;
    if (!body) {
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "MissingHeaderName", val_cstr(r->arena, "x-amz-acl"));
        return req_fail(r, &E_MissingSecurityHeader, "Your request was missing a required header");
    }
    const val_t *owner = val_get(body, "Owner");
    if (!owner) return s3__malformed(r, &E_MalformedACL);
    if (!canonical_id(val_get_str(owner, "ID")))
        return s3__bad_arg(r, &S3_E_InvalidArgument, "CanonicalUser/ID", val_get_str(owner, "ID"), "Invalid id");
    val_t *g;
    *acl = new_acl(r->arena, owner_account, &g);
    const val_t *grants = val_get(body, "Grants");
    for (size_t i = 0; grants && grants->kind == VAL_LIST && i < grants->u.list.n; i++) {
        const val_t *x = grants->u.list.v[i], *ge = val_get(x, "Grantee");
        str_t type = ge ? val_get_str(ge, "Type") : STR_NULL, perm = val_get_str(x, "Permission");
        if (!str_eq_c(perm, "FULL_CONTROL") && !str_eq_c(perm, "READ") && !str_eq_c(perm, "WRITE") &&
            !str_eq_c(perm, "READ_ACP") && !str_eq_c(perm, "WRITE_ACP"))
            return s3__malformed(r, &E_MalformedACL);
        const char *p = arena_printf(r->arena, "%.*s", STR_FMT(perm));
        if (str_eq_c(type, "CanonicalUser")) {
            if (!canonical_id(val_get_str(ge, "ID")))
                return s3__bad_arg(r, &S3_E_InvalidArgument, "CanonicalUser/ID", val_get_str(ge, "ID"), "Invalid id");
            add_grant(r->arena, g, "CanonicalUser", val_get_str(ge, "ID"), p);
        } else if (str_eq_c(type, "Group")) {
            if (!known_group(val_get_str(ge, "URI")))
                return s3__bad_arg(r, &S3_E_InvalidArgument, "Group/URI", val_get_str(ge, "URI"), "Invalid group uri");
            add_grant(r->arena, g, "Group", val_get_str(ge, "URI"), p);
        } else if (str_eq_c(type, "AmazonCustomerByEmail")) {
            /* AWS: an e-mail grantee must name an account; gureum's accounts have none */
            return req_fail(r, &E_UnresolvableGrant,
                            "The e-mail address you provided does not match any account on record.");
        } else {
            return s3__malformed(r, &E_MalformedACL);
        }
    }
    return GR_OK;
}

/* The bucket's ObjectOwnership setting (STR_NULL without ownership controls). */
static str_t ownership(req_t *r, sqlite3 *db, str_t bucket)
{
    val_t *oc;
    if (s3_cfg_get(r, db, bucket, "ownership", &oc) != 1) return STR_NULL;
    const val_t *rules = val_get(oc, "Rules");
    if (!rules || rules->kind != VAL_LIST || !rules->u.list.n) return STR_NULL;
    return val_get_str(rules->u.list.v[0], "ObjectOwnership");
}

/* AWS ("Controlling ownership of objects and disabling ACLs"): with
 * BucketOwnerEnforced, ACLs are disabled — the bucket owner owns every
 * object and ACLs grant nothing. */
bool s3__acls_disabled(req_t *r, sqlite3 *db, str_t bucket)
{
    return str_eq_c(ownership(r, db, bucket), "BucketOwnerEnforced");
}

/* Whether acl grants FULL_CONTROL to its owner and nothing else. */
static bool owner_only(const val_t *acl)
{
    const val_t *g = val_get(acl, "Grants");
    if (!g || g->kind != VAL_LIST) return true;
    str_t owner = val_get_str(val_get(acl, "Owner"), "ID");
    for (size_t i = 0; i < g->u.list.n; i++) {
        const val_t *ge = val_get(g->u.list.v[i], "Grantee");
        if (!str_eq_c(val_get_str(ge, "Type"), "CanonicalUser") || !str_eq(val_get_str(ge, "ID"), owner) ||
            !str_eq_c(val_get_str(g->u.list.v[i], "Permission"), "FULL_CONTROL"))
            return false;
    }
    return true;
}

/* AWS (Object Ownership troubleshooting, InvalidBucketAclWithObjectOwnership):
 * a bucket created with BucketOwnerEnforced may only carry an ACL that gives
 * its owner full control. */
int s3__acl_refused(req_t *r, sqlite3 *db, str_t bucket, const val_t *acl)
{
    if (acl && !owner_only(acl) && s3__acls_disabled(r, db, bucket))
        return req_fail(r, &E_InvalidBucketAclWithObjectOwnership,
                        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    return GR_OK;
}

/* AWS: PutBucketOwnershipControls to BucketOwnerEnforced fails the same way
 * while the bucket's ACL grants anyone but the owner. */
int s3__enforce_refused(req_t *r, sqlite3 *db, str_t bucket)
{
    val_t *acl = NULL;
    if (s3_cfg_get(r, db, bucket, "acl", &acl) < 0) return GR_ERR;
    if (acl && !owner_only(acl))
        return req_fail(r, &E_InvalidBucketAclWithObjectOwnership,
                        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
    return GR_OK;
}

/* AWS: "Requests to set ACLs or update ACLs fail with a 400 error and return
 * the AccessControlListNotSupported error code" once ACLs are disabled. */
static int acl_writes_refused(req_t *r, sqlite3 *db, str_t bucket)
{
    if (s3__acls_disabled(r, db, bucket))
        return req_fail(r, &E_AccessControlListNotSupported, "The bucket does not allow ACLs");
    return GR_OK;
}

int s3_put_bucket_acl(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t b = val_get_str(in, "Bucket"), owner;
    if (s3__bucket(r, b, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db || s3_bucket_owner(r, db, b, &owner, NULL) != 1) return GR_ERR;
    val_t *acl;
    if (acl_writes_refused(r, db, b) != GR_OK || acl_of_put(r, in, owner, owner, &acl) != GR_OK ||
        s3__acl_blocked(r, db, b, acl) != GR_OK)
        return GR_ERR;
    return s3_cfg_put(r, db, b, "acl", acl);
}

static int answer_acl(req_t *r, val_t *acl, str_t owner, val_t *out)
{
    if (!acl) {
        val_t *g;
        acl = new_acl(r->arena, owner, &g);
        add_grant(r->arena, g, "CanonicalUser", s3__owner_id(r->arena, owner), "FULL_CONTROL");
    }
    val_set_c(r->arena, out, "Owner", val_get(acl, "Owner"));
    val_set_c(r->arena, out, "Grants", val_get(acl, "Grants"));
    return GR_OK;
}

int s3_get_bucket_acl(req_t *r, const val_t *in, val_t *out)
{
    str_t b = val_get_str(in, "Bucket"), owner;
    if (s3__bucket(r, b, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    val_t *acl = NULL;
    if (!db || s3_bucket_owner(r, db, b, &owner, NULL) != 1 || s3_cfg_get(r, db, b, "acl", &acl) < 0) return GR_ERR;
    /* AWS: with ACLs disabled, reading an ACL shows the bucket owner's full control */
    if (s3__acls_disabled(r, db, b)) acl = NULL;
    return answer_acl(r, acl, owner, out);
}

static int object_exists(req_t *r, sqlite3 *db, str_t b, str_t key, s3_obj_t *o)
{
    int rc = s3__obj_get(r, db, b, key, o);
    if (rc < 0) return GR_ERR;
    if (rc == 0) return s3__no_such_key(r, key);
    return GR_OK;
}

int s3_put_object_acl(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t b = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), owner;
    if (s3__bucket(r, b, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    s3_obj_t o;
    if (!db || s3_bucket_owner(r, db, b, &owner, NULL) != 1 || object_exists(r, db, b, key, &o) != GR_OK) return GR_ERR;
    /* the object keeps its owner (its writer) */
    val_t *old = NULL, *acl;
    if (s3_obj_acl_get(r, db, b, key, &old) < 0) return GR_ERR;
    str_t obj_owner = old ? val_get_str(old, "OwnerAccount") : STR_NULL;
    if (!obj_owner.len) obj_owner = owner;
    if (acl_writes_refused(r, db, b) != GR_OK || acl_of_put(r, in, obj_owner, owner, &acl) != GR_OK ||
        s3__acl_blocked(r, db, b, acl) != GR_OK)
        return GR_ERR;
    val_set_c(r->arena, acl, "OwnerAccount", val_str(r->arena, obj_owner));
    if (s3_obj_acl_put(r, db, b, key, acl) != GR_OK) return GR_ERR;
    s3_notify(r, b, key, "ObjectAcl:Put", -1, o.etag, o.version_id); /* notify.c */
    return GR_OK;
}

int s3_get_object_acl(req_t *r, const val_t *in, val_t *out)
{
    str_t b = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), owner;
    if (s3__bucket(r, b, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    val_t *acl = NULL;
    s3_obj_t o;
    if (!db || s3_bucket_owner(r, db, b, &owner, NULL) != 1 || object_exists(r, db, b, key, &o) != GR_OK ||
        s3_obj_acl_get(r, db, b, key, &acl) < 0)
        return GR_ERR;
    /* AWS (GetObjectAcl): with ACLs disabled, reading returns the
     * bucket-owner-full-control ACL owned by the bucket's creator, whoever
     * wrote the object (its stored ACL comes back if ACLs are enabled again) */
    if (acl && s3__acls_disabled(r, db, b)) acl = NULL;
    return answer_acl(r, acl, owner, out);
}

/* The ACL an object (or multipart upload) written now with in's x-amz-acl /
 * x-amz-grant-* headers gets, with its owner in "OwnerAccount"; NULL when
 * the bucket owner owns it with the default private ACL. */
static int written_acl(req_t *r, sqlite3 *db, str_t bucket, str_t owner, const val_t *in, val_t **acl)
{
    *acl = NULL;
    /* AWS: the writer owns the object, unless the bucket's ownership
     * controls give it to the bucket owner (BucketOwnerEnforced always, with
     * ACLs ignored; BucketOwnerPreferred when the writer sends the
     * bucket-owner-full-control canned ACL). */
    str_t writer = r->who.anonymous || !r->who.account.len ? owner : r->who.account;
    str_t mode = ownership(r, db, bucket);
    if (str_eq_c(mode, "BucketOwnerEnforced")) return GR_OK;
    if (str_eq_c(mode, "BucketOwnerPreferred") && str_eq_c(val_get_str(in, "ACL"), "bucket-owner-full-control"))
        writer = owner;
    if (acl_from_input(r, in, writer, owner, acl) != GR_OK) return GR_ERR;
    if (!*acl && !str_eq(writer, owner)) canned(r, STR("private"), writer, owner, acl);
    if (*acl && owner_only(*acl) && str_eq(writer, owner)) *acl = NULL;
    if (*acl) val_set_c(r->arena, *acl, "OwnerAccount", val_str(r->arena, writer));
    return GR_OK;
}

/* Called by the object path after a successful write: stores the ACL the
 * request's x-amz-acl / x-amz-grant-* headers give (or forgets an old one). */
int s3_object_acl_from_put(req_t *r, str_t bucket, str_t key, const val_t *in)
{
    sqlite3 *db = s3__db(r);
    str_t owner;
    val_t *acl;
    if (!db || s3_bucket_owner(r, db, bucket, &owner, NULL) != 1 ||
        written_acl(r, db, bucket, owner, in, &acl) != GR_OK)
        return GR_ERR;
    return s3_obj_acl_put(r, db, bucket, key, acl);
}

int s3_upload_acl(req_t *r, str_t bucket, const val_t *in, str_t *owner_account, str_t *acl_json)
{
    sqlite3 *db = s3__db(r);
    str_t owner;
    val_t *acl;
    if (!db || s3_bucket_owner(r, db, bucket, &owner, NULL) != 1 ||
        written_acl(r, db, bucket, owner, in, &acl) != GR_OK)
        return GR_ERR;
    *owner_account = acl ? val_get_str(acl, "OwnerAccount") : owner;
    *acl_json = acl ? s3_val_to_json(r->arena, acl) : STR_NULL;
    return GR_OK;
}

bool s3_bucket_acl_public(req_t *r, sqlite3 *db, str_t bucket)
{
    val_t *acl;
    if (s3_cfg_get(r, db, bucket, "acl", &acl) != 1) return false;
    const val_t *g = val_get(acl, "Grants");
    for (size_t i = 0; g && g->kind == VAL_LIST && i < g->u.list.n; i++) {
        str_t uri = val_get_str(val_get(g->u.list.v[i], "Grantee"), "URI");
        if (str_eq_c(uri, ALL_USERS) || str_eq_c(uri, AUTH_USERS)) return true;
    }
    return false;
}

/* The bucket's public access block setting named flag. */
static bool pab(req_t *r, sqlite3 *db, str_t bucket, const char *flag)
{
    val_t *c;
    return s3_cfg_get(r, db, bucket, "pab", &c) == 1 && val_get_bool(c, flag, false);
}

static bool acl_is_public(const val_t *acl)
{
    const val_t *g = val_get(acl, "Grants");
    for (size_t i = 0; g && g->kind == VAL_LIST && i < g->u.list.n; i++) {
        str_t uri = val_get_str(val_get(g->u.list.v[i], "Grantee"), "URI");
        if (str_eq_c(uri, ALL_USERS) || str_eq_c(uri, AUTH_USERS)) return true;
    }
    return false;
}

int s3__acl_blocked(req_t *r, sqlite3 *db, str_t bucket, const val_t *acl)
{
    if (acl && acl_is_public(acl) && pab(r, db, bucket, "BlockPublicAcls"))
        return req_fail(r, &ERR_AccessDenied, "Access Denied");
    return GR_OK;
}

/* ==== the check ==== */

static bool grant_matches(req_t *r, const val_t *g, const char *perm)
{
    str_t p = val_get_str(g, "Permission");
    if (!str_eq_c(p, "FULL_CONTROL") && !str_eq_c(p, perm)) return false;
    const val_t *ge = val_get(g, "Grantee");
    str_t type = val_get_str(ge, "Type");
    if (str_eq_c(type, "Group")) {
        if (ignore_public_grants) return false;
        str_t uri = val_get_str(ge, "URI");
        if (str_eq_c(uri, ALL_USERS)) return true;
        if (str_eq_c(uri, AUTH_USERS)) return !r->who.anonymous;
        return false;
    }
    if (str_eq_c(type, "CanonicalUser") && !r->who.anonymous)
        return str_eq(val_get_str(ge, "ID"), s3__owner_id(r->arena, r->who.account));
    return false;
}

static bool acl_grants(req_t *r, const val_t *acl, const char *perm)
{
    const val_t *g = acl ? val_get(acl, "Grants") : NULL;
    for (size_t i = 0; g && g->kind == VAL_LIST && i < g->u.list.n; i++)
        if (grant_matches(r, g->u.list.v[i], perm)) return true;
    return false;
}

/* AWS: "Mapping of ACL permissions and access policy permissions" — READ on a
 * bucket lists it, WRITE creates and deletes its objects, READ on an object
 * reads it; READ_ACP/WRITE_ACP read and write the ACL itself. The permission
 * action needs (NULL: no ACL grants it), *object when the object's ACL
 * decides. */
static const char *acl_perm(str_t action, bool *object)
{
    const char *perm = NULL;
    *object = false;
    str_t op = str_starts_with(action, STR("s3:")) ? str_sub(action, 3, action.len - 3) : action;
    if (str_eq_c(op, "ListBucket") || str_eq_c(op, "ListBucketMultipartUploads") || str_eq_c(op, "ListBucketVersions"))
        perm = "READ";
    else if (str_eq_c(op, "PutObject") || str_eq_c(op, "DeleteObject") || str_eq_c(op, "DeleteObjectVersion") ||
             str_eq_c(op, "AbortMultipartUpload") || str_eq_c(op, "ListMultipartUploadParts"))
        perm = "WRITE";
    else if (str_eq_c(op, "GetBucketAcl"))
        perm = "READ_ACP";
    else if (str_eq_c(op, "PutBucketAcl"))
        perm = "WRITE_ACP";
    else if (str_eq_c(op, "GetObject") || str_eq_c(op, "GetObjectVersion"))
        perm = "READ", *object = true;
    else if (str_eq_c(op, "GetObjectAcl"))
        perm = "READ_ACP", *object = true;
    else if (str_eq_c(op, "PutObjectAcl"))
        perm = "WRITE_ACP", *object = true;
    return perm;
}

static bool acl_allows(req_t *r, sqlite3 *db, str_t bucket, str_t action, str_t key)
{
    bool object;
    const char *perm = acl_perm(action, &object);
    if (!perm) return false;
    val_t *acl = NULL;
    if (object) {
        if (s3_obj_acl_get(r, db, bucket, key, &acl) < 0) return false;
    } else if (s3_cfg_get(r, db, bucket, "acl", &acl) < 0) {
        return false;
    }
    return acl_grants(r, acl, perm);
}

static str_t action_of(req_t *r)
{
    if (r->op && r->op->iam_action) return str_c(r->op->iam_action);
    return ARENA_CAT(r->arena, STR("s3:"), str_c(r->op ? r->op->name : "*"));
}

static str_t resource_of(req_t *r, str_t bucket)
{
    str_t key = r->in ? val_get_str(r->in, "Key") : STR_NULL;
    bool object_op = r->op && r->op->iam_resource && strstr(r->op->iam_resource, "{Key}");
    if (object_op && key.p) return ARENA_CAT(r->arena, STR("arn:aws:s3:::"), bucket, STR("/"), key);
    return ARENA_CAT(r->arena, STR("arn:aws:s3:::"), bucket);
}

/* The bucket policy's verdict for action on resource (IMPLICIT_DENY without one). */
/* The bucket policy's verdict on action/resource for r->who, with the
 * request's S3 condition keys. named: as the resource half of AWS's
 * same-account evaluation with no identity policy (policy_evaluate), so an
 * Allow counts only where it names the caller (its ARN or "*"), not its
 * account; else the plain verdict of the policy's statements. */
static policy_result_t bucket_policy(req_t *r, sqlite3 *db, str_t bucket, str_t action, str_t resource, bool named,
                                     const policy_t *session, const policy_t *boundary)
{
    val_t *doc;
    if (s3_cfg_get(r, db, bucket, "policy", &doc) != 1) return POLICY_IMPLICIT_DENY;
    char err[256];
    policy_t *p = policy_parse(val_get_str(doc, "Policy"), POLICY_RESOURCE, err, sizeof err);
    if (!p) {
        log_warn("s3: the stored policy of bucket %.*s does not parse: %s", STR_FMT(bucket), err);
        return POLICY_IMPLICIT_DENY;
    }
    str_t src_ip = str_c(r->w.peer_ip ? r->w.peer_ip : "127.0.0.1");
    str_t acct = r->who.account;
    /* AWS: the S3 condition keys of the request's own headers */
    static const struct {
        const char *key, *member;
    } hk[] = {{"s3:x-amz-acl", "ACL"},
              {"s3:x-amz-grant-full-control", "GrantFullControl"},
              {"s3:x-amz-grant-read", "GrantRead"},
              {"s3:x-amz-grant-write", "GrantWrite"},
              {"s3:x-amz-grant-read-acp", "GrantReadACP"},
              {"s3:x-amz-grant-write-acp", "GrantWriteACP"},
              {"s3:x-amz-copy-source", "CopySource"},
              {"s3:x-amz-metadata-directive", "MetadataDirective"},
              {"s3:x-amz-server-side-encryption", "ServerSideEncryption"},
              {"s3:x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"},
              {"s3:x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"},
              {"s3:x-amz-storage-class", "StorageClass"}};
    /* AWS ("Enforce conditional writes / deletes"): s3:if-match and
     * s3:if-none-match, read from the headers (Debian's model lacks
     * PutObject's members) */
    static const char *const ch[][2] = {{"s3:if-match", "If-Match"}, {"s3:if-none-match", "If-None-Match"}};
    enum { NHK = sizeof hk / sizeof hk[0], NCH = sizeof ch / sizeof ch[0] };
    /* AWS ("Enabling ABAC in general purpose buckets"): while the bucket's
     * ABAC is Enabled its tags are aws:ResourceTag/KEY here too. */
    const val_t *btags = s3__abac_tags(r, db, bucket);
    size_t nbt = btags ? btags->u.list.n : 0;
    policy_ctx_t *ctx = ARENA_NEWN(r->arena, policy_ctx_t, 3 + NHK + NCH + 16 + nbt + AUTHZ_GLOBAL_KEYS);
    str_t *btv = ARENA_NEWN(r->arena, str_t, nbt ? nbt : 1);
    if (!ctx || !btv) {
        policy_free(p);
        return POLICY_IMPLICIT_DENY;
    }
    size_t n = 0;
    for (size_t i = 0; i < nbt; i++) {
        const val_t *t = btags->u.list.v[i];
        btv[i] = val_get_str(t, "Value");
        if (!btv[i].p) btv[i] = STR("");
        ctx[n++] = (policy_ctx_t){str_c(arena_printf(r->arena, "aws:ResourceTag/%.*s", STR_FMT(val_get_str(t, "Key")))),
                                  &btv[i], 1};
    }
    ctx[n++] = (policy_ctx_t){STR("aws:SourceIp"), &src_ip, 1};
    if (acct.len) ctx[n++] = (policy_ctx_t){STR("aws:PrincipalAccount"), &acct, 1};
    /* The global keys identity policies see (aws:PrincipalArn — a role
     * session's is its role's —, aws:userid, aws:PrincipalType,
     * aws:CurrentTime, aws:Referer, aws:UserAgent, MFA, …) but
     * aws:SecureTransport: gureum serves plain HTTP only, where AWS's value
     * would be false and a bucket policy that denies insecure transport
     * (CDK's enforceSSL, for one) would lock every caller out; the key stays
     * absent, as it was. */
    policy_ctx_t g[AUTHZ_GLOBAL_KEYS];
    size_t ng = authz_global_ctx(r, g);
    for (size_t i = 0; i < ng; i++)
        if (!str_eq_c(g[i].key, "aws:SecureTransport") && !str_eq_c(g[i].key, "aws:SourceIp") &&
            !str_eq_c(g[i].key, "aws:PrincipalAccount"))
            ctx[n++] = g[i];
    str_t prefix = r->in ? val_get_str(r->in, "Prefix") : STR_NULL;
    if (prefix.p) ctx[n++] = (policy_ctx_t){STR("s3:prefix"), &prefix, 1};
    str_t hv[NHK + NCH];
    for (size_t i = 0; r->in && i < NHK; i++) {
        hv[i] = val_get_str(r->in, hk[i].member);
        if (hv[i].p) ctx[n++] = (policy_ctx_t){str_c(hk[i].key), &hv[i], 1};
    }
    for (size_t i = 0; i < NCH; i++) {
        hv[NHK + i] = wire_header(&r->w, ch[i][1]);
        if (hv[NHK + i].p) ctx[n++] = (policy_ctx_t){str_c(ch[i][0]), &hv[NHK + i], 1};
    }
    /* AWS: s3:ExistingObjectTag/<key> — the tags of the object acted on */
    str_t key = r->in ? val_get_str(r->in, "Key") : STR_NULL;
    str_t tagv[16];
    s3_obj_t o;
    if (key.p && str_starts_with(resource, STR("arn:aws:s3:::")) && str_index(resource, '/') >= 0 &&
        s3__obj_get(r, db, bucket, key, &o) == 1 && o.tags.len) {
        const val_t *set = s3__tags_set(r, o.tags);
        for (size_t i = 0; set && set->kind == VAL_LIST && i < set->u.list.n && i < 16; i++) {
            tagv[i] = val_get_str(set->u.list.v[i], "Value");
            ctx[n++] = (policy_ctx_t){str_c(arena_printf(r->arena, "s3:ExistingObjectTag/%.*s",
                                                         STR_FMT(val_get_str(set->u.list.v[i], "Key")))),
                                      &tagv[i], 1};
        }
    }
    policy_req_t pr = {.action = action, .resource = resource, .who = &r->who, .ctx = ctx, .nctx = n};
    policy_result_t res =
        named ? policy_evaluate_bounded(&pr, NULL, 0, session, boundary, p, true) : policy_eval_one(p, &pr);
    policy_free(p);
    return res;
}

static policy_result_t policy_verdict(req_t *r, sqlite3 *db, str_t bucket, str_t action, str_t resource)
{
    return bucket_policy(r, db, bucket, action, resource, false, NULL, NULL);
}

policy_result_t s3_resource_grant(req_t *r, str_t action, str_t resource, const policy_t *session,
                                  const policy_t *boundary)
{
    str_t bucket = r->in ? val_get_str(r->in, "Bucket") : STR_NULL, owner;
    sqlite3 *db = bucket.len ? s3__db(r) : NULL;
    if (!db || r->who.anonymous || s3_bucket_owner(r, db, bucket, &owner, NULL) != 1 || !str_eq(owner, r->who.account))
        return POLICY_IMPLICIT_DENY;
    return bucket_policy(r, db, bucket, action, resource, true, session, boundary);
}

static policy_result_t policy_verdict_prefix(req_t *r, sqlite3 *db, str_t bucket, str_t resource, str_t prefix)
{
    val_t *doc;
    if (s3_cfg_get(r, db, bucket, "policy", &doc) != 1) return POLICY_IMPLICIT_DENY;
    char err[256];
    policy_t *p = policy_parse(val_get_str(doc, "Policy"), POLICY_RESOURCE, err, sizeof err);
    if (!p) return POLICY_IMPLICIT_DENY;
    policy_ctx_t ctx[1] = {{STR("s3:prefix"), &prefix, 1}};
    policy_req_t pr = {.action = STR("s3:ListBucket"), .resource = resource, .who = &r->who, .ctx = ctx, .nctx = 1};
    policy_result_t res = policy_eval_one(p, &pr);
    policy_free(p);
    return res;
}

bool s3_policy_public(req_t *r, sqlite3 *db, str_t bucket)
{
    val_t *doc;
    if (s3_cfg_get(r, db, bucket, "policy", &doc) != 1) return false;
    return s3_policy_text_public(r->arena, val_get_str(doc, "Policy"));
}

static int check(req_t *r, str_t bucket, str_t owner_account, str_t action, str_t resource, str_t key)
{
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    bool same = !r->who.anonymous && str_eq(owner_account, r->who.account);
    /* AWS: an explicit Deny in the bucket policy binds the owner's root too,
     * except for managing the policy itself (so a lockout can be undone). */
    bool policy_op = str_eq_c(action, "s3:PutBucketPolicy") || str_eq_c(action, "s3:GetBucketPolicy") ||
                     str_eq_c(action, "s3:DeleteBucketPolicy");
    if (same && r->who.root && policy_op) return GR_OK;
    policy_result_t v = policy_verdict(r, db, bucket, action, resource);
    if (v == POLICY_EXPLICIT_DENY) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    /* AWS ("How Amazon S3 authorizes a request for an object operation"): an
     * object another account owns is that account's to grant. Its owner
     * reaches it; anyone else, the bucket owner too, only through the
     * object's ACL — the bucket policy's Allow does not reach it. */
    bool object;
    const char *perm = key.p ? acl_perm(action, &object) : NULL;
    if (perm && object) {
        val_t *oacl = NULL;
        if (s3_obj_acl_get(r, db, bucket, key, &oacl) < 0) return GR_ERR;
        str_t oo = oacl ? val_get_str(oacl, "OwnerAccount") : STR_NULL;
        if (oo.len && !str_eq(oo, owner_account) && !s3__acls_disabled(r, db, bucket)) {
            if (!r->who.anonymous && str_eq(oo, r->who.account)) return GR_OK;
            ignore_public_grants = pab(r, db, bucket, "IgnorePublicAcls");
            bool ok = acl_grants(r, oacl, perm);
            ignore_public_grants = false;
            return ok ? GR_OK : req_fail(r, &ERR_AccessDenied, "Access Denied");
        }
    }
    /* Same account: the identity policies already allowed (authz). Other
     * accounts' IAM principals also passed their own identity policies there;
     * the bucket's grant is the other half of AWS's cross-account rule. */
    if (same) return GR_OK;
    /* AWS: RestrictPublicBuckets — a public policy grants nothing to anyone
     * outside the owner's account. */
    if (v == POLICY_ALLOW && !(pab(r, db, bucket, "RestrictPublicBuckets") && s3_policy_public(r, db, bucket)))
        return GR_OK;
    /* AWS: with ACLs disabled only policies grant access */
    bool acls = !s3__acls_disabled(r, db, bucket);
    /* AWS: IgnorePublicAcls — grants to AllUsers/AuthenticatedUsers count for nothing */
    ignore_public_grants = pab(r, db, bucket, "IgnorePublicAcls");
    bool ok = acls && acl_allows(r, db, bucket, action, key);
    ignore_public_grants = false;
    if (ok) return GR_OK;
    /* AWS: reading a key that does not exist is NoSuchKey (404) for a caller
     * who may list the bucket, AccessDenied otherwise. */
    if (key.p && (str_eq_c(action, "s3:GetObject") || str_eq_c(action, "s3:GetObjectVersion"))) {
        s3_obj_t o;
        if (s3__obj_get(r, db, bucket, key, &o) == 0) {
            str_t list_res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(bucket)));
            if (policy_verdict_prefix(r, db, bucket, list_res, key) == POLICY_ALLOW ||
                (acls && acl_allows(r, db, bucket, STR("s3:ListBucket"), STR_NULL)))
                return GR_OK;
        }
    }
    return req_fail(r, &ERR_AccessDenied, "Access Denied");
}

int s3_access_check(req_t *r, str_t bucket, str_t owner_account)
{
    s3_lifecycle_tick(r->app); /* expired objects are gone before anyone looks */
    /* AWS (PutObject): with ACLs disabled, a write may carry no ACL or one
     * that only gives the bucket owner full control (bucket-owner-full-control
     * or the same as a grant header); any other fails before anything is
     * stored. */
    if (r->in && r->op &&
        (!strcmp(r->op->name, "PutObject") || !strcmp(r->op->name, "CopyObject") ||
         !strcmp(r->op->name, "CreateMultipartUpload"))) {
        sqlite3 *db = s3__db(r);
        val_t *acl = NULL;
        if (db && s3_acl_from_input(r, r->in, owner_account, &acl) != GR_OK) return GR_ERR;
        str_t cn = val_get_str(r->in, "ACL");
        if (db && acl && (!owner_only(acl) || (cn.len && !str_eq_c(cn, "bucket-owner-full-control"))) &&
            acl_writes_refused(r, db, bucket) != GR_OK)
            return GR_ERR;
        /* AWS: BlockPublicAcls refuses requests that carry a public ACL */
        if (db && acl && acl_is_public(acl) && pab(r, db, bucket, "BlockPublicAcls"))
            return req_fail(r, &ERR_AccessDenied, "Access Denied");
    }
    str_t key = r->in ? val_get_str(r->in, "Key") : STR_NULL;
    return check(r, bucket, owner_account, action_of(r), resource_of(r, bucket), key);
}

int s3_access_check_source(req_t *r, str_t bucket, str_t owner_account, str_t key, str_t vid)
{
    s3_lifecycle_tick(r->app);
    /* AWS (CopyObject, UploadPartCopy): reading the source needs
     * s3:GetObject on it (s3:GetObjectVersion for a named version), granted
     * by the source bucket's policy or ACLs like any read. */
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    str_t action = vid.p ? STR("s3:GetObjectVersion") : STR("s3:GetObject");
    /* The dispatcher authorized the destination's action only: an IAM
     * principal of the source's account also needs the read, from its
     * identity policies or the source bucket's policy naming it (another
     * account's principal needs both, as check() sees to). */
    if (!r->who.root && !r->who.anonymous && str_eq(owner_account, r->who.account)) {
        sqlite3 *db = s3__db(r);
        val_t *doc;
        policy_t *p = NULL;
        char err[256];
        if (db && s3_cfg_get(r, db, bucket, "policy", &doc) == 1)
            p = policy_parse(val_get_str(doc, "Policy"), POLICY_RESOURCE, err, sizeof err);
        int rc = authz_check_resource(r, ((app_t *)r->app)->authz, action, res, owner_account, p);
        policy_free(p);
        if (rc != GR_OK) return GR_ERR;
    }
    return check(r, bucket, owner_account, action, res, key);
}

bool s3_anonymous_may_get(req_t *r, str_t bucket, str_t owner_account, str_t key)
{
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s/%.*s", STR_FMT(bucket), STR_FMT(key)));
    return check(r, bucket, owner_account, STR("s3:GetObject"), res, key) == GR_OK;
}

bool s3_anonymous_may_list(req_t *r, str_t bucket, str_t owner_account)
{
    str_t res = str_c(arena_printf(r->arena, "arn:aws:s3:::%.*s", STR_FMT(bucket)));
    return check(r, bucket, owner_account, STR("s3:ListBucket"), res, STR_NULL) == GR_OK;
}
