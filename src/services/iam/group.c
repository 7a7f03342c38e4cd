/* group.c — IAM groups and their members (iam_group, iam_group_member).
 * Invariant: a group is deleted only when it has no members and no
 * policies, as AWS refuses otherwise with DeleteConflict. */
#include "core/gtime.h"
#include "services/iam/iam_int.h"

static val_t *group_value(req_t *r, sqlite3_stmt *st)
{
    val_t *g = val_new(r->arena, VAL_STRUCT);
    iam__entity_members(r, g, &iam__group, iam__col(r, st, 0), iam__col(r, st, 1), iam__col(r, st, 2),
                        sqlite3_column_int64(st, 3));
    return g;
}

int iam_create_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "GroupName"), path = iam__path_in(in, "Path");
    if (iam__check_name(r, name, "groupName") != GR_OK || iam__check_path(r, path, "path") != GR_OK) return GR_ERR;
    int e = iam__exists(r, &iam__group, name, false);
    if (e < 0) return GR_ERR;
    if (e) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, iam__group.exists, STR_FMT(name));
    str_t id = iam__new_id(r, "AGPA");
    int64_t now = iam__now();
    if (iam__exec(r, "INSERT INTO iam_group (account, name, path, id, created_us) VALUES (?1, ?2, ?3, ?4, ?5)", "sssi",
                  name, path, id, now) != GR_OK)
        return GR_ERR;
    val_t *g = val_new(a, VAL_STRUCT);
    iam__entity_members(r, g, &iam__group, name, path, id, now);
    return val_set_c(a, out, "Group", g);
}

int iam_get_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "GroupName");
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT name, path, id, created_us FROM iam_group WHERE account = ?1 AND name = ?2", "s", name);
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, iam__group.not_found, STR_FMT(name));
    val_set_c(a, out, "Group", group_value(r, st));
    sqlite3_stmt *us = iam__stmt(r,
                                 "SELECT u.name, u.path, u.id, u.created_us FROM iam_group_member m JOIN iam_user u "
                                 "ON u.account = m.account AND u.name = m.user WHERE m.account = ?1 AND m.grp = ?2 "
                                 "ORDER BY u.name",
                                 "s", name);
    if (!us) return GR_ERR;
    val_t *all = val_new(a, VAL_LIST);
    while (sqlite3_step(us) == SQLITE_ROW) {
        val_t *u = val_new(a, VAL_STRUCT);
        iam__entity_members(r, u, &iam__user, iam__col(r, us, 0), iam__col(r, us, 1), iam__col(r, us, 2),
                            sqlite3_column_int64(us, 3));
        val_push(a, all, u);
    }
    return iam__paginate(r, in, out, "Users", all);
}

int iam_list_groups(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT name, path, id, created_us FROM iam_group WHERE account = ?1 AND "
                                 "substr(path, 1, length(?2)) = ?2 ORDER BY name",
                                 "s", iam__path_in(in, "PathPrefix"));
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, group_value(r, st));
    return iam__paginate(r, in, out, "Groups", all);
}

int iam_list_groups_for_user(req_t *r, const val_t *in, val_t *out)
{
    str_t user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT g.name, g.path, g.id, g.created_us FROM iam_group_member m JOIN iam_group g "
                                 "ON g.account = m.account AND g.name = m.grp WHERE m.account = ?1 AND m.user = ?2 "
                                 "ORDER BY g.name",
                                 "s", user);
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, group_value(r, st));
    return iam__paginate(r, in, out, "Groups", all);
}

int iam_update_group(req_t *r, const val_t *in, val_t *out)
{
    static const char *const moves[] = {
        "UPDATE iam_group SET name = ?3 WHERE account = ?1 AND name = ?2",
        "UPDATE iam_group_member SET grp = ?3 WHERE account = ?1 AND grp = ?2",
        "UPDATE iam_inline_policy SET owner = ?3 WHERE account = ?1 AND kind = 'group' AND owner = ?2",
        "UPDATE iam_attached SET owner = ?3 WHERE account = ?1 AND kind = 'group' AND owner = ?2", NULL};
    if (iam__update_entity(r, &iam__group, in, "NewGroupName", "newGroupName", moves) != GR_OK) return GR_ERR;
    iam_creds_invalidate(); /* members' identity policies come through the group's name */
    return GR_OK;
}

int iam_delete_group(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "GroupName");
    if (iam__exists(r, &iam__group, name, true) != 1) return GR_ERR;
    static const struct {
        const char *sql, *msg;
    } deps[] = {
        {"SELECT COUNT(*) FROM iam_group_member WHERE account = ?1 AND grp = ?2",
         "Cannot delete entity, must remove users from group first."},
        {"SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND kind = 'group' AND owner = ?2",
         "Cannot delete entity, must detach all policies first."},
        {"SELECT COUNT(*) FROM iam_inline_policy WHERE account = ?1 AND kind = 'group' AND owner = ?2",
         "Cannot delete entity, must delete policies first."},
    };
    for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        int64_t n = iam__count(r, deps[i].sql, "s", name);
        if (n < 0) return GR_ERR;
        if (n > 0) return req_fail(r, &IAM_ERR_DeleteConflictException, "%s", deps[i].msg);
    }
    return iam__exec(r, "DELETE FROM iam_group WHERE account = ?1 AND name = ?2", "s", name);
}

int iam_add_user_to_group(req_t *r, const val_t *in, val_t *out)
{
    str_t grp, user;
    if (iam__entity(r, &iam__group, val_get_str(in, "GroupName"), &grp, NULL, NULL, NULL) != GR_OK ||
        iam__entity(r, &iam__user, val_get_str(in, "UserName"), &user, NULL, NULL, NULL) != GR_OK)
        return GR_ERR;
    return iam__exec(r, "INSERT OR IGNORE INTO iam_group_member (account, grp, user) VALUES (?1, ?2, ?3)", "ss", grp,
                     user);
}

int iam_remove_user_from_group(req_t *r, const val_t *in, val_t *out)
{
    str_t grp = val_get_str(in, "GroupName"), user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__group, grp, true) != 1 || iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_group_member WHERE account = ?1 AND grp = ?2 AND user = ?3",
                           "ss", grp, user);
    if (n < 0) return GR_ERR;
    /* AWS: removing a user who is not a member is NoSuchEntity. */
    if (n == 0) return req_fail(r, &IAM_ERR_NoSuchEntityException, iam__user.not_found, STR_FMT(user));
    return iam__exec(r, "DELETE FROM iam_group_member WHERE account = ?1 AND grp = ?2 AND user = ?3", "ss", grp, user);
}
