/* policy.c — managed policies: customer managed ones (iam_policy,
 * iam_policy_version) and AWS managed ones (compiled in, managed.c), their
 * versions, tags, and who they are attached to.
 *
 * A policy ARN names either arn:aws:iam::aws:policy{path}{name} (AWS's,
 * read-only, attachable in every account) or arn:aws:iam::ACCT:policy…
 * (the caller's own). Invariants, as AWS enforces them: at most 5 versions;
 * the default version cannot be deleted; a policy still attached, or with
 * versions besides the default, cannot be deleted. The DeleteConflict
 * messages are AWS's as quoted in redradrat/aws-iam-operator#13. */
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "services/iam/iam_int.h"

const iam__managed_t *iam__managed_by_arn(str_t arn)
{
    static const char pre[] = "arn:aws:iam::aws:policy";
    if (!str_starts_with(arn, STR(pre))) return NULL;
    str_t rest = str_sub(arn, sizeof pre - 1, arn.len - (sizeof pre - 1));
    for (size_t i = 0; i < iam__nmanaged; i++) {
        const iam__managed_t *m = &iam__managed[i];
        size_t pl = strlen(m->path), nl = strlen(m->name);
        if (rest.len == pl + nl && memcmp(rest.p, m->path, pl) == 0 && memcmp(rest.p + pl, m->name, nl) == 0) return m;
    }
    return NULL;
}

int64_t iam__managed_time(const char *iso)
{
    int64_t us = 0;
    time_parse(str_c(iso), &us);
    return us;
}

static long long version_num(str_t v)
{
    long long n;
    if (v.len < 2 || (v.p[0] != 'v' && v.p[0] != 'V') || !str_to_i64(str_sub(v, 1, v.len - 1), &n) || n < 1) return -1;
    return n;
}

int iam__policy_find(req_t *r, str_t arn, iam__policy_t *p, const char *msg_fmt)
{
    *p = (iam__policy_t){0};
    const iam__managed_t *m = iam__managed_by_arn(arn);
    if (m) {
        p->aws = true;
        p->m = m;
        p->name = str_c(m->name);
        p->path = str_c(m->path);
        p->id = str_c(m->id);
        p->description = str_c(m->description);
        p->created_us = iam__managed_time(m->created);
        p->updated_us = iam__managed_time(m->updated);
        p->default_version = version_num(str_c(m->version));
        return GR_OK;
    }
    /* arn:aws:iam::ACCT:policy{path}{name} of the caller's own account */
    str_t pre = str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:policy/", STR_FMT(r->who.account)));
    if (str_starts_with(arn, pre)) {
        str_t pathname = str_sub(arn, pre.len - 1, arn.len - (pre.len - 1));
        size_t slash = 0;
        for (size_t i = 0; i < pathname.len; i++)
            if (pathname.p[i] == '/') slash = i;
        str_t name = str_sub(pathname, slash + 1, pathname.len - slash - 1);
        str_t path = str_sub(pathname, 0, slash + 1);
        sqlite3_stmt *st = iam__stmt(r,
                                     "SELECT name, path, id, description, created_us, updated_us, default_version, "
                                     "next_version FROM iam_policy WHERE account = ?1 AND name = ?2",
                                     "s", name);
        if (!st) return GR_ERR;
        if (name.len && sqlite3_step(st) == SQLITE_ROW && str_eq(iam__col(r, st, 1), path)) {
            p->name = iam__col(r, st, 0);
            p->path = iam__col(r, st, 1);
            p->id = iam__col(r, st, 2);
            p->description = iam__col(r, st, 3);
            p->created_us = sqlite3_column_int64(st, 4);
            p->updated_us = sqlite3_column_int64(st, 5);
            p->default_version = sqlite3_column_int64(st, 6);
            p->next_version = sqlite3_column_int64(st, 7);
            return GR_OK;
        }
    }
    return req_fail(r, &IAM_ERR_NoSuchEntityException, msg_fmt, STR_FMT(arn));
}

str_t iam__policy_doc(req_t *r, str_t arn)
{
    iam__policy_t p;
    const iam__managed_t *m = iam__managed_by_arn(arn);
    if (m) return str_c(m->document);
    if (iam__policy_find(r, arn, &p, "%.*s") != GR_OK) {
        r->err = NULL; /* a dangling attachment is skipped, not an error of the caller */
        return STR_NULL;
    }
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT document FROM iam_policy_version WHERE account = ?1 AND policy = ?2 AND "
                                 "version = ?3",
                                 "si", p.name, p.default_version);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return STR_NULL;
    return iam__col(r, st, 0);
}

static str_t policy_arn(req_t *r, const iam__policy_t *p)
{
    if (p->aws) return str_c(arena_printf(r->arena, "arn:aws:iam::aws:policy%s%s", p->m->path, p->m->name));
    return iam__arn(r, "policy", p->path, p->name);
}

static int64_t attachment_count(req_t *r, str_t arn)
{
    return iam__count(r, "SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND policy_arn = ?2", "s", arn);
}

/* Which attributes a Policy structure carries depends on the operation
 * (AWS, recorded in moto's aws_verified test_iam_response_attributes.py):
 * CreatePolicy omits Description and names Tags only when it set some;
 * GetPolicy has Description when there is one and Tags always, an empty
 * list included; ListPolicies has neither. */
typedef enum { POLICY_LISTED, POLICY_CREATED, POLICY_GOT } policy_view_t;

static val_t *policy_value(req_t *r, const iam__policy_t *p, policy_view_t view)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t arn = policy_arn(r, p);
    val_set_c(a, v, "PolicyName", val_str(a, p->name));
    val_set_c(a, v, "PolicyId", val_str(a, p->id));
    val_set_c(a, v, "Arn", val_str(a, arn));
    val_set_c(a, v, "Path", val_str(a, p->path));
    val_set_c(a, v, "DefaultVersionId", val_cstr(a, arena_printf(a, "v%lld", (long long)p->default_version)));
    int64_t n = attachment_count(r, arn);
    val_set_c(a, v, "AttachmentCount", val_int(a, n < 0 ? 0 : n));
    val_set_c(a, v, "PermissionsBoundaryUsageCount", val_int(a, 0));
    val_set_c(a, v, "IsAttachable", val_bool(a, true));
    if (view == POLICY_GOT && p->description.p && p->description.len)
        val_set_c(a, v, "Description", val_str(a, p->description));
    val_set_c(a, v, "CreateDate", val_time(a, p->created_us));
    val_set_c(a, v, "UpdateDate", val_time(a, p->updated_us));
    if (view != POLICY_LISTED && !p->aws) {
        val_t *t = iam__tags(r, "policy", p->name);
        if (t && (val_len(t) || view == POLICY_GOT)) val_set_c(a, v, "Tags", t);
    }
    return v;
}

int iam_create_policy(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "PolicyName"), path = iam__path_in(in, "Path");
    str_t doc = val_get_str(in, "PolicyDocument"), desc = val_get_str(in, "Description");
    if (iam__check_name(r, name, "policyName") != GR_OK || iam__check_path(r, path, "path") != GR_OK) return GR_ERR;
    if (iam__check_tags(r, val_get(in, "Tags")) != GR_OK) return GR_ERR;
    if (iam__check_doc(r, doc, IAM__DOC_MANAGED) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_policy WHERE account = ?1 AND name = ?2", "s", name);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException,
                        "A policy called %.*s already exists. Duplicate names are not allowed.", STR_FMT(name));
    iam__policy_t p = {.name = name,
                       .path = path,
                       .id = iam__new_id(r, "ANPA"),
                       .description = desc,
                       .created_us = iam__now(),
                       .default_version = 1,
                       .next_version = 2};
    p.updated_us = p.created_us;
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r,
                  "INSERT INTO iam_policy (account, name, path, id, description, created_us, updated_us) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                  "ssssi", name, path, p.id, desc, p.created_us) != GR_OK ||
        iam__exec(r,
                  "INSERT INTO iam_policy_version (account, policy, version, document, created_us) "
                  "VALUES (?1, ?2, 1, ?3, ?4)",
                  "ssi", name, doc, p.created_us) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    if (iam__commit(r) != GR_OK) return GR_ERR;
    val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "policy", name, tags) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "Policy", policy_value(r, &p, POLICY_CREATED));
}

int iam_get_policy(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    if (iam__policy_find(r, val_get_str(in, "PolicyArn"), &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "Policy", policy_value(r, &p, POLICY_GOT));
}

/* AWS: Scope All (default) | AWS | Local; OnlyAttached; PathPrefix. AWS
 * managed policies come first, then the account's, each in name order. */
int iam_list_policies(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t scope = val_get_str(in, "Scope"), prefix = iam__path_in(in, "PathPrefix");
    bool only_attached = val_get_bool(in, "OnlyAttached", false);
    val_t *all = val_new(a, VAL_LIST);
    if (!str_eq_c(scope, "Local")) {
        /* managed.c lists them in name order */
        for (size_t i = 0; i < iam__nmanaged; i++) {
            iam__policy_t p;
            if (!str_starts_with(str_c(iam__managed[i].path), prefix)) continue;
            str_t arn =
                str_c(arena_printf(a, "arn:aws:iam::aws:policy%s%s", iam__managed[i].path, iam__managed[i].name));
            if (iam__policy_find(r, arn, &p, "%.*s") != GR_OK) return GR_ERR;
            if (only_attached && attachment_count(r, arn) <= 0) continue;
            val_push(a, all, policy_value(r, &p, POLICY_LISTED));
        }
    }
    if (!str_eq_c(scope, "AWS")) {
        sqlite3_stmt *st = iam__stmt(r,
                                     "SELECT name, path, id, created_us, updated_us, default_version FROM iam_policy "
                                     "WHERE account = ?1 AND substr(path, 1, length(?2)) = ?2 ORDER BY name",
                                     "s", prefix);
        if (!st) return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            iam__policy_t p = {.name = iam__col(r, st, 0),
                               .path = iam__col(r, st, 1),
                               .id = iam__col(r, st, 2),
                               .created_us = sqlite3_column_int64(st, 3),
                               .updated_us = sqlite3_column_int64(st, 4),
                               .default_version = sqlite3_column_int64(st, 5)};
            if (only_attached && attachment_count(r, iam__arn(r, "policy", p.path, p.name)) <= 0) continue;
            val_push(a, all, policy_value(r, &p, POLICY_LISTED));
        }
    }
    return iam__paginate(r, in, out, "Policies", all);
}

static int customer_policy(req_t *r, str_t arn, iam__policy_t *p, const char *fmt)
{
    if (iam__policy_find(r, arn, p, fmt) != GR_OK) return GR_ERR;
    /* AWS: AWS managed policies cannot be changed by an account. */
    if (p->aws)
        return req_fail(r, &ERR_AccessDenied, "User: %.*s is not authorized to modify AWS managed policy %.*s",
                        STR_FMT(r->who.arn), STR_FMT(arn));
    return GR_OK;
}

int iam_delete_policy(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    str_t arn = val_get_str(in, "PolicyArn");
    if (customer_policy(r, arn, &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    int64_t n = attachment_count(r, arn);
    if (n < 0) return GR_ERR;
    if (n) return req_fail(r, &IAM_ERR_DeleteConflictException, "Cannot delete a policy attached to entities.");
    n = iam__count(r, "SELECT COUNT(*) FROM iam_policy_version WHERE account = ?1 AND policy = ?2", "s", p.name);
    if (n < 0) return GR_ERR;
    if (n > 1)
        return req_fail(r, &IAM_ERR_DeleteConflictException,
                        "This policy has more than one version. Before you delete a policy, you must delete the "
                        "policy's versions. The default version is deleted with the policy.");
    if (iam__begin(r) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_policy_version WHERE account = ?1 AND policy = ?2", "s", p.name) != GR_OK ||
        iam__exec(r, "DELETE FROM iam_policy WHERE account = ?1 AND name = ?2", "s", p.name) != GR_OK ||
        iam__delete_tags(r, "policy", p.name) != GR_OK) {
        iam__rollback(r);
        return GR_ERR;
    }
    return iam__commit(r);
}

static val_t *version_value(req_t *r, int64_t v, bool is_default, int64_t created_us, str_t doc)
{
    arena_t *a = r->arena;
    val_t *pv = val_new(a, VAL_STRUCT);
    if (doc.p) val_set_c(a, pv, "Document", iam__doc_out(r, doc));
    val_set_c(a, pv, "VersionId", val_cstr(a, arena_printf(a, "v%lld", (long long)v)));
    val_set_c(a, pv, "IsDefaultVersion", val_bool(a, is_default));
    val_set_c(a, pv, "CreateDate", val_time(a, created_us));
    return pv;
}

int iam_create_policy_version(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    str_t arn = val_get_str(in, "PolicyArn"), doc = val_get_str(in, "PolicyDocument");
    if (customer_policy(r, arn, &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    if (iam__check_doc(r, doc, IAM__DOC_MANAGED) != GR_OK) return GR_ERR;
    bool set_default = val_get_bool(in, "SetAsDefault", false);
    if (iam__begin(r) != GR_OK) return GR_ERR;
    int64_t n =
        iam__count(r, "SELECT COUNT(*) FROM iam_policy_version WHERE account = ?1 AND policy = ?2", "s", p.name);
    int64_t v = iam__count(r, "SELECT next_version FROM iam_policy WHERE account = ?1 AND name = ?2", "s", p.name);
    if (n < 0 || v < 0) goto fail;
    if (n >= IAM__VERSIONS_QUOTA) {
        iam__rollback(r);
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "A managed policy can have up to %d versions. Before you create a new version, you must "
                        "delete an existing version.",
                        IAM__VERSIONS_QUOTA);
    }
    int64_t now = iam__now();
    if (iam__exec(r,
                  "INSERT INTO iam_policy_version (account, policy, version, document, created_us) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)",
                  "sisi", p.name, v, doc, now) != GR_OK ||
        iam__exec(r,
                  "UPDATE iam_policy SET next_version = ?3 + 1, updated_us = ?4, "
                  "default_version = CASE WHEN ?5 THEN ?3 ELSE default_version END WHERE account = ?1 AND name = ?2",
                  "siii", p.name, v, now, (int64_t)set_default) != GR_OK)
        goto fail;
    if (iam__commit(r) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "PolicyVersion", version_value(r, v, set_default, now, STR_NULL));
fail:
    iam__rollback(r);
    return GR_ERR;
}

int iam_get_policy_version(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    str_t arn = val_get_str(in, "PolicyArn"), vid = val_get_str(in, "VersionId");
    if (iam__policy_find(r, arn, &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    long long v = version_num(vid);
    if (p.aws) {
        if (v != p.default_version) goto missing;
        return val_set_c(r->arena, out, "PolicyVersion",
                         version_value(r, v, true, iam__managed_time(p.m->updated), str_c(p.m->document)));
    }
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT document, created_us FROM iam_policy_version WHERE account = ?1 AND "
                                 "policy = ?2 AND version = ?3",
                                 "si", p.name, (int64_t)v);
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW) goto missing;
    return val_set_c(r->arena, out, "PolicyVersion",
                     version_value(r, v, v == p.default_version, sqlite3_column_int64(st, 1), iam__col(r, st, 0)));
missing:
    return req_fail(r, &IAM_ERR_NoSuchEntityException, "Policy %.*s version %.*s does not exist or is not attachable.",
                    STR_FMT(arn), STR_FMT(vid));
}

int iam_list_policy_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    iam__policy_t p;
    if (iam__policy_find(r, val_get_str(in, "PolicyArn"), &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    val_t *all = val_new(a, VAL_LIST);
    if (p.aws) {
        val_push(a, all, version_value(r, p.default_version, true, iam__managed_time(p.m->updated), STR_NULL));
    } else {
        sqlite3_stmt *st = iam__stmt(r,
                                     "SELECT version, created_us FROM iam_policy_version WHERE account = ?1 AND "
                                     "policy = ?2 ORDER BY version DESC",
                                     "s", p.name);
        if (!st) return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t v = sqlite3_column_int64(st, 0);
            val_push(a, all, version_value(r, v, v == p.default_version, sqlite3_column_int64(st, 1), STR_NULL));
        }
    }
    return iam__paginate(r, in, out, "Versions", all);
}

/* The customer-managed policy PolicyArn names and its version VersionId
 * (as a number in *v), or NoSuchEntity. */
static int policy_version_or_fail(req_t *r, const val_t *in, iam__policy_t *p, long long *v)
{
    str_t arn = val_get_str(in, "PolicyArn"), vid = val_get_str(in, "VersionId");
    if (customer_policy(r, arn, p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    *v = version_num(vid);
    int64_t n =
        iam__count(r, "SELECT COUNT(*) FROM iam_policy_version WHERE account = ?1 AND policy = ?2 AND version = ?3",
                   "si", p->name, (int64_t)*v);
    if (n < 0) return GR_ERR;
    if (!n)
        return req_fail(r, &IAM_ERR_NoSuchEntityException,
                        "Policy %.*s version %.*s does not exist or is not attachable.", STR_FMT(arn), STR_FMT(vid));
    return GR_OK;
}

int iam_delete_policy_version(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    long long v;
    if (policy_version_or_fail(r, in, &p, &v) != GR_OK) return GR_ERR;
    if (v == p.default_version)
        return req_fail(r, &IAM_ERR_DeleteConflictException, "Cannot delete the default version of a policy.");
    return iam__exec(r, "DELETE FROM iam_policy_version WHERE account = ?1 AND policy = ?2 AND version = ?3", "si",
                     p.name, (int64_t)v);
}

int iam_set_default_policy_version(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    long long v;
    if (policy_version_or_fail(r, in, &p, &v) != GR_OK) return GR_ERR;
    return iam__exec(r, "UPDATE iam_policy SET default_version = ?3, updated_us = ?4 WHERE account = ?1 AND name = ?2",
                     "sii", p.name, (int64_t)v, iam__now());
}

int iam_tag_policy(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    if (customer_policy(r, val_get_str(in, "PolicyArn"), &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    return iam__tag(r, "policy", p.name, val_get(in, "Tags"));
}

int iam_untag_policy(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    if (customer_policy(r, val_get_str(in, "PolicyArn"), &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    return iam__untag(r, "policy", p.name, val_get(in, "TagKeys"));
}

int iam_list_policy_tags(req_t *r, const val_t *in, val_t *out)
{
    iam__policy_t p;
    if (iam__policy_find(r, val_get_str(in, "PolicyArn"), &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    val_t *t = p.aws ? val_new(r->arena, VAL_LIST) : iam__tags(r, "policy", p.name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}

/* AWS: EntityFilter User | Role | Group (others list everything);
 * PathPrefix filters the entities' paths. */
int iam_list_entities_for_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    iam__policy_t p;
    str_t arn = val_get_str(in, "PolicyArn"), filter = val_get_str(in, "EntityFilter");
    str_t prefix = iam__path_in(in, "PathPrefix");
    if (iam__policy_find(r, arn, &p, "Policy %.*s was not found.") != GR_OK) return GR_ERR;
    static const struct {
        const iam__kind_t *k;
        const char *filter, *list, *item_name, *item_id;
    } kinds[] = {
        {&iam__group, "Group", "PolicyGroups", "GroupName", "GroupId"},
        {&iam__user, "User", "PolicyUsers", "UserName", "UserId"},
        {&iam__role, "Role", "PolicyRoles", "RoleName", "RoleId"},
    };
    bool any = !filter.p || !(str_eq_c(filter, "User") || str_eq_c(filter, "Role") || str_eq_c(filter, "Group"));
    for (size_t i = 0; i < 3; i++) {
        val_t *list = val_new(a, VAL_LIST);
        if (any || str_eq_c(filter, kinds[i].filter)) {
            sqlite3_stmt *st =
                iam__stmt(r,
                          arena_printf(a,
                                       "SELECT e.name, e.id FROM iam_attached x JOIN %s e ON e.account = x.account AND "
                                       "e.name = x.owner WHERE x.account = ?1 AND x.kind = ?2 AND x.policy_arn = ?3 "
                                       "AND substr(e.path, 1, length(?4)) = ?4 ORDER BY e.name",
                                       kinds[i].k->table),
                          "css", kinds[i].k->kind, arn, prefix);
            if (!st) return GR_ERR;
            while (sqlite3_step(st) == SQLITE_ROW) {
                val_t *e = val_new(a, VAL_STRUCT);
                val_set_c(a, e, kinds[i].item_name, val_str(a, iam__col(r, st, 0)));
                val_set_c(a, e, kinds[i].item_id, val_str(a, iam__col(r, st, 1)));
                val_push(a, list, e);
            }
        }
        val_set_c(a, out, kinds[i].list, list);
    }
    return val_set_c(a, out, "IsTruncated", val_bool(a, false));
}
