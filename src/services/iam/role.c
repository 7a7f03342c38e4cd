/* role.c — IAM roles with their trust policies (iam_role) and instance
 * profiles with their roles (iam_instance_profile, …_role). STS AssumeRole
 * reads the trust document stored here. Invariant: a role is deleted only
 * when no policy and no instance profile refers to it (DeleteConflict). */
#include "core/gtime.h"
#include "services/iam/iam_int.h"

val_t *iam__role_value(req_t *r, sqlite3_stmt *st, bool with_tags)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t name = iam__col(r, st, 0);
    iam__entity_members(r, v, &iam__role, name, iam__col(r, st, 1), iam__col(r, st, 2), sqlite3_column_int64(st, 3));
    val_set_c(a, v, "AssumeRolePolicyDocument", iam__doc_out(r, iam__col(r, st, 4)));
    str_t desc = iam__col(r, st, 5);
    if (desc.p) val_set_c(a, v, "Description", val_str(a, desc));
    val_set_c(a, v, "MaxSessionDuration", val_int(a, sqlite3_column_int64(st, 6)));
    if (with_tags) { /* GetRole and CreateRole (ListRoles shows neither tags nor boundary) */
        val_t *t = iam__tags(r, "role", name);
        if (t && val_len(t)) val_set_c(a, v, "Tags", t);
        val_t *b = iam__boundary_value(r, &iam__role, name);
        if (b) val_set_c(a, v, "PermissionsBoundary", b);
    }
    return v;
}

static sqlite3_stmt *role_row(req_t *r, str_t name)
{
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT " IAM__ROLE_COLS " FROM iam_role WHERE account = ?1 AND name = ?2", "s", name);
    if (!st) return NULL;
    if (sqlite3_step(st) != SQLITE_ROW) {
        req_fail(r, &IAM_ERR_NoSuchEntityException, iam__role.not_found, STR_FMT(name));
        return NULL;
    }
    return st;
}

/* AWS: MaxSessionDuration 3600..43200 seconds, default 3600 (the model
 * bounds it; CreateRole's reference gives the default). */
int iam_create_role(req_t *r, const val_t *in, val_t *out)
{
    return iam__create_role(r, in, out);
}

int iam__create_role(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "RoleName"), path = iam__path_in(in, "Path");
    str_t trust = val_get_str(in, "AssumeRolePolicyDocument");
    if (iam__check_name(r, name, "roleName") != GR_OK || iam__check_path(r, path, "path") != GR_OK ||
        iam__check_tags(r, val_get(in, "Tags")) != GR_OK)
        return GR_ERR;
    if (iam__check_doc(r, trust, IAM__DOC_TRUST) != GR_OK) return GR_ERR;
    int e = iam__exists(r, &iam__role, name, false);
    if (e < 0) return GR_ERR;
    if (e) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, iam__role.exists, STR_FMT(name));
    str_t boundary = val_get_str(in, "PermissionsBoundary");
    if (boundary.p && iam__boundary_ok(r, boundary) != GR_OK) return GR_ERR;
    str_t id = iam__new_id(r, "AROA");
    str_t desc = val_get_str(in, "Description");
    if (iam__exec(r,
                  "INSERT INTO iam_role (account, name, path, id, created_us, trust, description, max_session, "
                  "boundary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  "sssiscis", name, path, id, iam__now(), trust,
                  desc.p ? arena_strndup(r->arena, desc.p, desc.len) : NULL,
                  val_get_int(in, "MaxSessionDuration", 3600), boundary) != GR_OK)
        return GR_ERR;
    val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "role", name, tags) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = role_row(r, name);
    if (!st) return GR_ERR;
    return val_set_c(r->arena, out, "Role", iam__role_value(r, st, true));
}

int iam_get_role(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = role_row(r, val_get_str(in, "RoleName"));
    if (!st) return GR_ERR;
    val_t *v = iam__role_value(r, st, true);
    val_set_c(r->arena, v, "RoleLastUsed", val_new(r->arena, VAL_STRUCT)); /* AWS: {} until first use */
    return val_set_c(r->arena, out, "Role", v);
}

int iam_list_roles(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT " IAM__ROLE_COLS " FROM iam_role WHERE account = ?1 AND "
                                 "substr(path, 1, length(?2)) = ?2 ORDER BY name",
                                 "s", iam__path_in(in, "PathPrefix"));
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, iam__role_value(r, st, false));
    return iam__paginate(r, in, out, "Roles", all);
}

/* AWS: UpdateRoleDescription answers the role as GetRole does. */
int iam_update_role_description(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "RoleName");
    if (iam__exists(r, &iam__role, name, true) != 1) return GR_ERR;
    if (iam__exec(r, "UPDATE iam_role SET description = ?3 WHERE account = ?1 AND name = ?2", "ss", name,
                  val_get_str(in, "Description")) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = role_row(r, name);
    if (!st) return GR_ERR;
    return val_set_c(r->arena, out, "Role", iam__role_value(r, st, true));
}

int iam_update_role(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "RoleName");
    if (iam__exists(r, &iam__role, name, true) != 1) return GR_ERR;
    str_t desc = val_get_str(in, "Description");
    if (desc.p && iam__exec(r, "UPDATE iam_role SET description = ?3 WHERE account = ?1 AND name = ?2", "ss", name,
                            desc) != GR_OK)
        return GR_ERR;
    if (val_get(in, "MaxSessionDuration") &&
        iam__exec(r, "UPDATE iam_role SET max_session = ?3 WHERE account = ?1 AND name = ?2", "si", name,
                  val_get_int(in, "MaxSessionDuration", 3600)) != GR_OK)
        return GR_ERR;
    return GR_OK;
}

int iam_update_assume_role_policy(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "RoleName"), doc = val_get_str(in, "PolicyDocument");
    if (iam__role_protected(r, name) != GR_OK || iam__check_doc(r, doc, IAM__DOC_TRUST) != GR_OK) return GR_ERR;
    return iam__exec(r, "UPDATE iam_role SET trust = ?3 WHERE account = ?1 AND name = ?2", "ss", name, doc);
}

int iam_delete_role(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "RoleName");
    if (iam__role_protected(r, name) != GR_OK) return GR_ERR;
    static const struct {
        const char *sql, *msg;
    } deps[] = {
        {"SELECT COUNT(*) FROM iam_instance_profile_role WHERE account = ?1 AND role = ?2",
         "Cannot delete entity, must remove roles from instance profile first."},
        {"SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND kind = 'role' AND owner = ?2",
         "Cannot delete entity, must detach all policies first."},
        {"SELECT COUNT(*) FROM iam_inline_policy WHERE account = ?1 AND kind = 'role' AND owner = ?2",
         "Cannot delete entity, must delete policies first."},
    };
    for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        int64_t n = iam__count(r, deps[i].sql, "s", name);
        if (n < 0) return GR_ERR;
        if (n > 0) return req_fail(r, &IAM_ERR_DeleteConflictException, "%s", deps[i].msg);
    }
    if (iam__delete_tags(r, "role", name) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_role WHERE account = ?1 AND name = ?2", "s", name);
}

int iam_tag_role(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__role, val_get_str(in, "RoleName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__tag(r, "role", name, val_get(in, "Tags"));
}

int iam_untag_role(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__role, val_get_str(in, "RoleName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__untag(r, "role", name, val_get(in, "TagKeys"));
}

int iam_list_role_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__role, val_get_str(in, "RoleName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    val_t *t = iam__tags(r, "role", name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}

/* ==== Instance profiles ==== */

val_t *iam__profile_value(req_t *r, str_t name, str_t path, str_t id, int64_t created_us)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    iam__entity_members(r, v, &iam__profile, name, path, id, created_us);
    val_t *roles = val_new(a, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT r.name, r.path, r.id, r.created_us, r.trust, r.description, r.max_session "
                                 "FROM iam_instance_profile_role p JOIN iam_role r ON r.account = p.account AND "
                                 "r.name = p.role WHERE p.account = ?1 AND p.profile = ?2 ORDER BY r.name",
                                 "s", name);
    if (st)
        while (sqlite3_step(st) == SQLITE_ROW) val_push(a, roles, iam__role_value(r, st, false));
    val_set_c(a, v, "Roles", roles);
    return v;
}

int iam_create_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "InstanceProfileName"), path = iam__path_in(in, "Path");
    if (iam__check_name(r, name, "instanceProfileName") != GR_OK || iam__check_path(r, path, "path") != GR_OK ||
        iam__check_tags(r, val_get(in, "Tags")) != GR_OK)
        return GR_ERR;
    int e = iam__exists(r, &iam__profile, name, false);
    if (e < 0) return GR_ERR;
    if (e) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, iam__profile.exists, STR_FMT(name));
    str_t id = iam__new_id(r, "AIPA");
    int64_t now = iam__now();
    if (iam__exec(r,
                  "INSERT INTO iam_instance_profile (account, name, path, id, created_us) VALUES (?1, ?2, ?3, ?4, ?5)",
                  "sssi", name, path, id, now) != GR_OK)
        return GR_ERR;
    val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, iam__profile.kind, name, tags) != GR_OK) {
        iam__exec(r, "DELETE FROM iam_instance_profile WHERE account = ?1 AND name = ?2", "s", name);
        return GR_ERR;
    }
    val_t *v = iam__profile_value(r, name, path, id, now);
    if (tags && val_len(tags)) val_set_c(r->arena, v, "Tags", iam__tags(r, iam__profile.kind, name));
    return val_set_c(r->arena, out, "InstanceProfile", v);
}

int iam_get_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t name, path, id;
    int64_t created;
    if (iam__entity(r, &iam__profile, val_get_str(in, "InstanceProfileName"), &name, &path, &id, &created) != GR_OK)
        return GR_ERR;
    /* AWS: GetInstanceProfile names the profile's tags (CreateInstanceProfile only those it set) */
    val_t *v = iam__profile_value(r, name, path, id, created), *tags = iam__tags(r, iam__profile.kind, name);
    if (!v || !tags) return GR_ERR;
    if (val_len(tags)) val_set_c(r->arena, v, "Tags", tags);
    return val_set_c(r->arena, out, "InstanceProfile", v);
}

/* One page of InstanceProfiles from st's rows (name, path, id, created_us). */
static int profiles_page(req_t *r, const val_t *in, val_t *out, sqlite3_stmt *st)
{
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW)
        val_push(r->arena, all,
                 iam__profile_value(r, iam__col(r, st, 0), iam__col(r, st, 1), iam__col(r, st, 2),
                                    sqlite3_column_int64(st, 3)));
    return iam__paginate(r, in, out, "InstanceProfiles", all);
}

int iam_list_instance_profiles(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT name, path, id, created_us FROM iam_instance_profile WHERE account = ?1 AND "
                                 "substr(path, 1, length(?2)) = ?2 ORDER BY name",
                                 "s", iam__path_in(in, "PathPrefix"));
    return profiles_page(r, in, out, st);
}

int iam_list_instance_profiles_for_role(req_t *r, const val_t *in, val_t *out)
{
    str_t role = val_get_str(in, "RoleName");
    if (iam__exists(r, &iam__role, role, true) != 1) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT p.name, p.path, p.id, p.created_us FROM iam_instance_profile_role x JOIN "
                                 "iam_instance_profile p ON p.account = x.account AND p.name = x.profile "
                                 "WHERE x.account = ?1 AND x.role = ?2 ORDER BY p.name",
                                 "s", role);
    return profiles_page(r, in, out, st);
}

int iam_delete_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "InstanceProfileName");
    if (iam__exists(r, &iam__profile, name, true) != 1) return GR_ERR;
    int64_t n =
        iam__count(r, "SELECT COUNT(*) FROM iam_instance_profile_role WHERE account = ?1 AND profile = ?2", "s", name);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_DeleteConflictException,
                        "Cannot delete entity, must remove roles from instance profile first.");
    if (iam__delete_tags(r, iam__profile.kind, name) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_instance_profile WHERE account = ?1 AND name = ?2", "s", name);
}

int iam_tag_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__profile, val_get_str(in, "InstanceProfileName"), &name, NULL, NULL, NULL) != GR_OK)
        return GR_ERR;
    return iam__tag(r, iam__profile.kind, name, val_get(in, "Tags"));
}

int iam_untag_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__profile, val_get_str(in, "InstanceProfileName"), &name, NULL, NULL, NULL) != GR_OK)
        return GR_ERR;
    return iam__untag(r, iam__profile.kind, name, val_get(in, "TagKeys"));
}

int iam_list_instance_profile_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__profile, val_get_str(in, "InstanceProfileName"), &name, NULL, NULL, NULL) != GR_OK)
        return GR_ERR;
    val_t *t = iam__tags(r, iam__profile.kind, name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}

/* AWS: an instance profile holds at most one role (LimitExceeded). */
int iam_add_role_to_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t prof, role;
    if (iam__entity(r, &iam__profile, val_get_str(in, "InstanceProfileName"), &prof, NULL, NULL, NULL) != GR_OK ||
        iam__entity(r, &iam__role, val_get_str(in, "RoleName"), &role, NULL, NULL, NULL) != GR_OK)
        return GR_ERR;
    int64_t n =
        iam__count(r, "SELECT COUNT(*) FROM iam_instance_profile_role WHERE account = ?1 AND profile = ?2", "s", prof);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
    return iam__exec(r, "INSERT INTO iam_instance_profile_role (account, profile, role) VALUES (?1, ?2, ?3)", "ss",
                     prof, role);
}

int iam_remove_role_from_instance_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t prof = val_get_str(in, "InstanceProfileName"), role = val_get_str(in, "RoleName");
    if (iam__exists(r, &iam__profile, prof, true) != 1 || iam__exists(r, &iam__role, role, true) != 1) return GR_ERR;
    int64_t n = iam__count(r,
                           "SELECT COUNT(*) FROM iam_instance_profile_role WHERE account = ?1 AND profile = ?2 AND "
                           "role = ?3",
                           "ss", prof, role);
    if (n < 0) return GR_ERR;
    if (!n) return req_fail(r, &IAM_ERR_NoSuchEntityException, iam__role.not_found, STR_FMT(role));
    return iam__exec(r, "DELETE FROM iam_instance_profile_role WHERE account = ?1 AND profile = ?2 AND role = ?3", "ss",
                     prof, role);
}
