/* attach.c — the policies of users, groups and roles: managed policies
 * attached (iam_attached, by ARN) and inline policies (iam_inline_policy).
 * Each operation exists three times in the API (User/Group/Role); here once,
 * parameterized by the entity kind. */
#include "services/iam/iam_int.h"

/* AWS: "Cannot exceed quota for PoliciesPerUser: 10" and so per kind. */
static const char *quota_name(const iam__kind_t *k)
{
    return k == &iam__user ? "PoliciesPerUser" : k == &iam__group ? "PoliciesPerGroup" : "PoliciesPerRole";
}

/* AWS: an unknown policy ARN is NoSuchEntity "Policy ARN does not exist or
 * is not attachable." (quoted in getmoto/moto#6482 and pulumi#7419). */
static int attach(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t owner, arn = val_get_str(in, "PolicyArn");
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    iam__policy_t p;
    if (iam__policy_find(r, arn, &p, "Policy %.*s does not exist or is not attachable.") != GR_OK) return GR_ERR;
    int64_t n = iam__count(r,
                           "SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND "
                           "policy_arn <> ?4",
                           "css", k->kind, owner, arn);
    if (n < 0) return GR_ERR;
    if (n >= IAM__ATTACHED_QUOTA)
        return req_fail(r, &IAM_ERR_LimitExceededException, "Cannot exceed quota for %s: %d", quota_name(k),
                        IAM__ATTACHED_QUOTA);
    return iam__exec(r, "INSERT OR IGNORE INTO iam_attached (account, kind, owner, policy_arn) VALUES (?1, ?2, ?3, ?4)",
                     "css", k->kind, owner, arn);
}

static int detach(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t owner, arn = val_get_str(in, "PolicyArn");
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r,
                           "SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND "
                           "policy_arn = ?4",
                           "css", k->kind, owner, arn);
    if (n < 0) return GR_ERR;
    if (!n) return req_fail(r, &IAM_ERR_NoSuchEntityException, "Policy %.*s was not found.", STR_FMT(arn));
    return iam__exec(r, "DELETE FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND policy_arn = ?4",
                     "css", k->kind, owner, arn);
}

static str_t arn_name(str_t arn)
{
    size_t s = 0;
    for (size_t i = 0; i < arn.len; i++)
        if (arn.p[i] == '/') s = i + 1;
    return str_sub(arn, s, arn.len - s);
}

static str_t arn_path(str_t arn)
{
    long c = -1;
    for (size_t i = 0; i < arn.len; i++)
        if (arn.p[i] == ':') c = (long)i;
    str_t rest = str_sub(arn, (size_t)(c + 1), arn.len - (size_t)(c + 1)); /* policy/PATH/NAME */
    long f = str_index(rest, '/');
    size_t s = 0;
    for (size_t i = 0; i < rest.len; i++)
        if (rest.p[i] == '/') s = i + 1;
    return f < 0 ? STR("/") : str_sub(rest, (size_t)f, s - (size_t)f);
}

static val_t *attached(req_t *r, const iam__kind_t *k, str_t owner, str_t prefix)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT policy_arn FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3 "
                                 "ORDER BY policy_arn",
                                 "cs", k->kind, owner);
    if (!st) return NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t arn = iam__col(r, st, 0);
        if (prefix.p && !str_starts_with(arn_path(arn), prefix)) continue;
        val_t *p = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "PolicyName", val_str(a, arn_name(arn)));
        val_set_c(a, p, "PolicyArn", val_str(a, arn));
        val_push(a, list, p);
    }
    return list;
}

val_t *iam__attached_list(req_t *r, const iam__kind_t *k, str_t owner)
{
    return attached(r, k, owner, STR_NULL);
}

int iam__list_attached(req_t *r, const iam__kind_t *k, const val_t *in, val_t *out)
{
    str_t owner;
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    val_t *list = attached(r, k, owner, val_get_str(in, "PathPrefix"));
    return list ? iam__paginate(r, in, out, "AttachedPolicies", list) : GR_ERR;
}

/* ==== Inline policies ==== */

/* AWS: "The user policy with name X cannot be found." (group / role alike;
 * the role form is quoted in aws/aws-cli#6139). */
static int no_inline(req_t *r, const iam__kind_t *k, str_t name)
{
    return req_fail(r, &IAM_ERR_NoSuchEntityException, "The %s policy with name %.*s cannot be found.", k->kind,
                    STR_FMT(name));
}

static int put_inline(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t owner, name = val_get_str(in, "PolicyName"), doc = val_get_str(in, "PolicyDocument");
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    if (iam__check_doc(r, doc, IAM__DOC_INLINE) != GR_OK) return GR_ERR;
    return iam__exec(r,
                     "INSERT INTO iam_inline_policy (account, kind, owner, name, document) VALUES (?1, ?2, ?3, ?4, ?5) "
                     "ON CONFLICT (account, kind, owner, name) DO UPDATE SET document = excluded.document",
                     "csss", k->kind, owner, name, doc);
}

static int get_inline(req_t *r, const iam__kind_t *k, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t owner, name = val_get_str(in, "PolicyName");
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT name, document FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND "
                                 "owner = ?3 AND name = ?4",
                                 "css", k->kind, owner, name);
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW) return no_inline(r, k, name);
    val_set_c(a, out, k->name_key, val_str(a, owner));
    val_set_c(a, out, "PolicyName", val_str(a, iam__col(r, st, 0)));
    return val_set_c(a, out, "PolicyDocument", iam__doc_out(r, iam__col(r, st, 1)));
}

static int delete_inline(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t owner, name = val_get_str(in, "PolicyName");
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r,
                           "SELECT COUNT(*) FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND owner = ?3 "
                           "AND name = ?4",
                           "css", k->kind, owner, name);
    if (n < 0) return GR_ERR;
    if (!n) return no_inline(r, k, name);
    return iam__exec(r, "DELETE FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND name = ?4",
                     "css", k->kind, owner, name);
}

static sqlite3_stmt *inline_rows(req_t *r, const iam__kind_t *k, str_t owner)
{
    return iam__stmt(r,
                     "SELECT name, document FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND owner = ?3 "
                     "ORDER BY name",
                     "cs", k->kind, owner);
}

int iam__list_inline(req_t *r, const iam__kind_t *k, const val_t *in, val_t *out)
{
    str_t owner;
    if (iam__entity(r, k, val_get_str(in, k->name_key), &owner, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = inline_rows(r, k, owner);
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, val_str(r->arena, iam__col(r, st, 0)));
    return iam__paginate(r, in, out, "PolicyNames", all);
}

val_t *iam__inline_list(req_t *r, const iam__kind_t *k, str_t owner)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = inline_rows(r, k, owner);
    if (!st) return NULL;
    val_t *all = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *p = val_new(a, VAL_STRUCT);
        val_set_c(a, p, "PolicyName", val_str(a, iam__col(r, st, 0)));
        val_set_c(a, p, "PolicyDocument", iam__doc_out(r, iam__col(r, st, 1)));
        val_push(a, all, p);
    }
    return all;
}

/* ==== The API's nine + twelve names ==== */

int iam_attach_user_policy(req_t *r, const val_t *in, val_t *out)
{
    return attach(r, &iam__user, in);
}
int iam_attach_group_policy(req_t *r, const val_t *in, val_t *out)
{
    return attach(r, &iam__group, in);
}
int iam_attach_role_policy(req_t *r, const val_t *in, val_t *out)
{
    if (iam__role_protected(r, val_get_str(in, "RoleName")) != GR_OK) return GR_ERR;
    return attach(r, &iam__role, in);
}
int iam_detach_user_policy(req_t *r, const val_t *in, val_t *out)
{
    return detach(r, &iam__user, in);
}
int iam_detach_group_policy(req_t *r, const val_t *in, val_t *out)
{
    return detach(r, &iam__group, in);
}
int iam_detach_role_policy(req_t *r, const val_t *in, val_t *out)
{
    if (iam__role_protected(r, val_get_str(in, "RoleName")) != GR_OK) return GR_ERR;
    return detach(r, &iam__role, in);
}
int iam_list_attached_user_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_attached(r, &iam__user, in, out);
}
int iam_list_attached_group_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_attached(r, &iam__group, in, out);
}
int iam_list_attached_role_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_attached(r, &iam__role, in, out);
}
int iam_put_user_policy(req_t *r, const val_t *in, val_t *out)
{
    return put_inline(r, &iam__user, in);
}
int iam_put_group_policy(req_t *r, const val_t *in, val_t *out)
{
    return put_inline(r, &iam__group, in);
}
int iam_put_role_policy(req_t *r, const val_t *in, val_t *out)
{
    if (iam__role_protected(r, val_get_str(in, "RoleName")) != GR_OK) return GR_ERR;
    return put_inline(r, &iam__role, in);
}
int iam_get_user_policy(req_t *r, const val_t *in, val_t *out)
{
    return get_inline(r, &iam__user, in, out);
}
int iam_get_group_policy(req_t *r, const val_t *in, val_t *out)
{
    return get_inline(r, &iam__group, in, out);
}
int iam_get_role_policy(req_t *r, const val_t *in, val_t *out)
{
    return get_inline(r, &iam__role, in, out);
}
int iam_delete_user_policy(req_t *r, const val_t *in, val_t *out)
{
    return delete_inline(r, &iam__user, in);
}
int iam_delete_group_policy(req_t *r, const val_t *in, val_t *out)
{
    return delete_inline(r, &iam__group, in);
}
int iam_delete_role_policy(req_t *r, const val_t *in, val_t *out)
{
    return delete_inline(r, &iam__role, in);
}
int iam_list_user_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_inline(r, &iam__user, in, out);
}
int iam_list_group_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_inline(r, &iam__group, in, out);
}
int iam_list_role_policies(req_t *r, const val_t *in, val_t *out)
{
    return iam__list_inline(r, &iam__role, in, out);
}
