/* user.c — IAM users and their login profiles over iam_user and
 * iam_login_profile (schema/001_iam.sql). A user's access keys are in
 * key.c. Invariant: a user is deleted only once nothing hangs off it (keys,
 * login profile, groups, policies), as AWS refuses with DeleteConflict. */
#include <string.h>

#include "core/gtime.h"
#include "services/app.h"
#include "services/iam/iam_int.h"

static val_t *user_value(req_t *r, str_t name, str_t path, str_t id, int64_t created_us, bool tags)
{
    val_t *u = val_new(r->arena, VAL_STRUCT);
    iam__entity_members(r, u, &iam__user, name, path, id, created_us);
    if (tags) { /* GetUser and CreateUser (ListUsers shows neither tags nor boundary) */
        val_t *t = iam__tags(r, "user", name);
        if (t && val_len(t)) val_set_c(r->arena, u, "Tags", t);
        val_t *b = iam__boundary_value(r, &iam__user, name);
        if (b) val_set_c(r->arena, u, "PermissionsBoundary", b);
    }
    return u;
}

int iam_create_user(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "UserName"), path = iam__path_in(in, "Path");
    if (iam__check_name(r, name, "userName") != GR_OK || iam__check_path(r, path, "path") != GR_OK) return GR_ERR;
    if (iam__check_tags(r, val_get(in, "Tags")) != GR_OK) return GR_ERR;
    int e = iam__exists(r, &iam__user, name, false);
    if (e < 0) return GR_ERR;
    if (e) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, iam__user.exists, STR_FMT(name));
    str_t boundary = val_get_str(in, "PermissionsBoundary");
    if (boundary.p && iam__boundary_ok(r, boundary) != GR_OK) return GR_ERR;
    str_t id = iam__new_id(r, "AIDA");
    int64_t now = iam__now();
    if (iam__exec(
            r, "INSERT INTO iam_user (account, name, path, id, created_us, boundary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            "sssis", name, path, id, now, boundary) != GR_OK)
        return GR_ERR;
    val_t *tags = val_get(in, "Tags");
    if (tags && val_len(tags) && iam__tag(r, "user", name, tags) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "User", user_value(r, name, path, id, now, true));
}

/* AWS: GetUser without UserName answers for the caller; for the root user
 * that is UserId = the account id and Arn …:root, with no name or path
 * (IAM API reference, GetUser). */
int iam_get_user(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "UserName");
    if (!name.p) {
        if (r->who.root) {
            val_t *u = val_new(a, VAL_STRUCT);
            val_set_c(a, u, "UserId", val_str(a, r->who.account));
            val_set_c(a, u, "Arn", val_str(a, r->who.arn));
            app_t *app = r->app;
            val_set_c(a, u, "CreateDate", val_time(a, app->started_us));
            return val_set_c(a, out, "User", u);
        }
        if (!r->who.user_name.len) /* a role session's is "" */
            return req_fail(r, &ERR_ValidationError, "Must specify userName when calling with non-User credentials");
        name = r->who.user_name;
    }
    str_t canon, path, id;
    int64_t created;
    if (iam__entity(r, &iam__user, name, &canon, &path, &id, &created) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "User", user_value(r, canon, path, id, created, true));
}

int iam_list_users(req_t *r, const val_t *in, val_t *out)
{
    str_t prefix = iam__path_in(in, "PathPrefix");
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT name, path, id, created_us FROM iam_user WHERE account = ?1 AND "
                                 "substr(path, 1, length(?2)) = ?2 ORDER BY name",
                                 "s", prefix);
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW)
        val_push(r->arena, all,
                 user_value(r, iam__col(r, st, 0), iam__col(r, st, 1), iam__col(r, st, 2), sqlite3_column_int64(st, 3),
                            false));
    return iam__paginate(r, in, out, "Users", all);
}

/* Renaming a user moves everything keyed by its name with it. */
int iam_update_user(req_t *r, const val_t *in, val_t *out)
{
    static const char *const moves[] = {
        "UPDATE iam_user SET name = ?3 WHERE account = ?1 AND name = ?2",
        "UPDATE iam_group_member SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_access_key SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_login_profile SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_password_history SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_mfa SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_signing_cert SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_ssh_key SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_service_cred SET user = ?3 WHERE account = ?1 AND user = ?2",
        "UPDATE iam_inline_policy SET owner = ?3 WHERE account = ?1 AND kind = 'user' AND owner = ?2",
        "UPDATE iam_attached SET owner = ?3 WHERE account = ?1 AND kind = 'user' AND owner = ?2",
        "UPDATE iam_tag SET owner = ?3 WHERE account = ?1 AND kind = 'user' AND owner = ?2",
        NULL};
    if (iam__update_entity(r, &iam__user, in, "NewUserName", "newUserName", moves) != GR_OK) return GR_ERR;
    iam_creds_invalidate();
    return GR_OK;
}

/* AWS: DeleteUser refuses while the user has any of these (IAM API
 * reference, DeleteUser: "you must delete the items attached to the user
 * manually"); the messages are AWS's as quoted in terraform#3774 and
 * cloud-custodian#1663 (login profile). */
int iam_delete_user(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, name, true) != 1) return GR_ERR;
    static const struct {
        const char *sql, *msg;
    } deps[] = {
        {"SELECT COUNT(*) FROM iam_access_key WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must delete access keys first."},
        {"SELECT COUNT(*) FROM iam_signing_cert WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must remove signing certificates first."},
        /* AWS's text for service-specific credentials (LocalStack's recording) */
        {"SELECT COUNT(*) FROM iam_service_cred WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must remove referenced objects first."},
        {"SELECT COUNT(*) FROM iam_ssh_key WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must remove referenced objects first."},
        {"SELECT COUNT(*) FROM iam_login_profile WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must delete login profile first."},
        {"SELECT COUNT(*) FROM iam_mfa WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must delete MFA device first."},
        {"SELECT COUNT(*) FROM iam_group_member WHERE account = ?1 AND user = ?2",
         "Cannot delete entity, must remove users from group first."},
        {"SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND kind = 'user' AND owner = ?2",
         "Cannot delete entity, must detach all policies first."},
        {"SELECT COUNT(*) FROM iam_inline_policy WHERE account = ?1 AND kind = 'user' AND owner = ?2",
         "Cannot delete entity, must delete policies first."},
    };
    for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        int64_t n = iam__count(r, deps[i].sql, "s", name);
        if (n < 0) return GR_ERR;
        if (n > 0) return req_fail(r, &IAM_ERR_DeleteConflictException, "%s", deps[i].msg);
    }
    if (iam__delete_tags(r, "user", name) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_user WHERE account = ?1 AND name = ?2", "s", name) != GR_OK) return GR_ERR;
    iam_creds_invalidate();
    return GR_OK;
}

int iam_tag_user(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__tag(r, "user", name, val_get(in, "Tags"));
}

int iam_untag_user(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__untag(r, "user", name, val_get(in, "TagKeys"));
}

int iam_list_user_tags(req_t *r, const val_t *in, val_t *out)
{
    str_t name;
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    val_t *t = iam__tags(r, "user", name);
    return t ? iam__paginate(r, in, out, "Tags", t) : GR_ERR;
}

/* ==== Login profiles ==== */

int iam_create_login_profile(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name;
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_login_profile WHERE account = ?1 AND user = ?2", "s", name);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "Login Profile for user %.*s already exists.",
                        STR_FMT(name));
    bool reset = val_get_bool(in, "PasswordResetRequired", false);
    int64_t now = iam__now();
    str_t pw = val_get_str(in, "Password");
    if (iam__password_ok(r, name, pw) != GR_OK || iam__password_set(r, name, pw, true, reset) != GR_OK) return GR_ERR;
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "UserName", val_str(a, name));
    val_set_c(a, p, "CreateDate", val_time(a, now));
    val_set_c(a, p, "PasswordResetRequired", val_bool(a, reset));
    return val_set_c(a, out, "LoginProfile", p);
}

static sqlite3_stmt *login_profile(req_t *r, str_t user)
{
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT user, created_us, reset_required FROM iam_login_profile WHERE account = ?1 AND user = ?2",
                  "s", user);
    if (!st) return NULL;
    if (sqlite3_step(st) != SQLITE_ROW) {
        req_fail(r, &IAM_ERR_NoSuchEntityException, "Login Profile for User %.*s cannot be found.", STR_FMT(user));
        return NULL;
    }
    return st;
}

int iam_get_login_profile(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    sqlite3_stmt *st = login_profile(r, user);
    if (!st) return GR_ERR;
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "UserName", val_str(a, iam__col(r, st, 0)));
    val_set_c(a, p, "CreateDate", val_time(a, sqlite3_column_int64(st, 1)));
    val_set_c(a, p, "PasswordResetRequired", val_bool(a, sqlite3_column_int(st, 2) != 0));
    return val_set_c(a, out, "LoginProfile", p);
}

int iam_update_login_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    if (!login_profile(r, user)) return GR_ERR;
    str_t pw = val_get_str(in, "Password");
    if (pw.p && (iam__password_ok(r, user, pw) != GR_OK || iam__password_set(r, user, pw, false, false) != GR_OK))
        return GR_ERR;
    if (val_get(in, "PasswordResetRequired") &&
        iam__exec(r, "UPDATE iam_login_profile SET reset_required = ?3 WHERE account = ?1 AND user = ?2", "si", user,
                  (int64_t)val_get_bool(in, "PasswordResetRequired", false)) != GR_OK)
        return GR_ERR;
    return GR_OK;
}

int iam_delete_login_profile(req_t *r, const val_t *in, val_t *out)
{
    str_t user = val_get_str(in, "UserName");
    if (iam__exists(r, &iam__user, user, true) != 1) return GR_ERR;
    if (!login_profile(r, user)) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_password_history WHERE account = ?1 AND user = ?2", "s", user) != GR_OK)
        return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_login_profile WHERE account = ?1 AND user = ?2", "s", user);
}
