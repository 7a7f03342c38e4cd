/* boundary.c — permissions boundaries of users and roles (the boundary
 * column of iam_user and iam_role): a managed policy that caps what the
 * entity's identity policies may allow. The evaluation is auth/policy.c's
 * (policy_evaluate_bounded); the dispatcher's authz and AssumeRole ask
 * iam_permissions_boundary for the caller's document. */
#include "services/iam/iam_int.h"

/* AWS's text for a boundary ARN that names no policy (quoted in
 * terraform-provider-aws and moto issues). */
#define NO_SCOPE "Scope ARN: %.*s does not exist or is not attachable."

int iam__boundary_ok(req_t *r, str_t arn)
{
    iam__policy_t p;
    return iam__policy_find(r, arn, &p, NO_SCOPE);
}

int iam__set_boundary(req_t *r, const iam__kind_t *k, str_t name, str_t arn)
{
    if (arn.p && iam__boundary_ok(r, arn) != GR_OK) return GR_ERR;
    const char *sql = arena_printf(r->arena, "UPDATE %s SET boundary = ?3 WHERE account = ?1 AND name = ?2", k->table);
    if (iam__exec(r, sql, "sc", name, arn.p ? arena_strndup(r->arena, arn.p, arn.len) : NULL) != GR_OK) return GR_ERR;
    iam_creds_invalidate();
    return GR_OK;
}

val_t *iam__boundary_value(req_t *r, const iam__kind_t *k, str_t name)
{
    const char *sql = arena_printf(r->arena, "SELECT boundary FROM %s WHERE account = ?1 AND name = ?2", k->table);
    sqlite3_stmt *st = iam__stmt(r, sql, "s", name);
    if (!st || sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) return NULL;
    arena_t *a = r->arena;
    val_t *b = val_new(a, VAL_STRUCT);
    val_set_c(a, b, "PermissionsBoundaryType", val_cstr(a, "PermissionsPolicy"));
    val_set_c(a, b, "PermissionsBoundaryArn", val_str(a, iam__col(r, st, 0)));
    return b;
}

static int put(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t name;
    if (iam__entity(r, k, val_get_str(in, k->name_key), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__set_boundary(r, k, name, val_get_str(in, "PermissionsBoundary"));
}

static int del(req_t *r, const iam__kind_t *k, const val_t *in)
{
    str_t name;
    if (iam__entity(r, k, val_get_str(in, k->name_key), &name, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return iam__set_boundary(r, k, name, STR_NULL);
}

int iam_put_user_permissions_boundary(req_t *r, const val_t *in, val_t *out)
{
    return put(r, &iam__user, in);
}

int iam_delete_user_permissions_boundary(req_t *r, const val_t *in, val_t *out)
{
    return del(r, &iam__user, in);
}

int iam_put_role_permissions_boundary(req_t *r, const val_t *in, val_t *out)
{
    return put(r, &iam__role, in);
}

int iam_delete_role_permissions_boundary(req_t *r, const val_t *in, val_t *out)
{
    return del(r, &iam__role, in);
}

int iam_permissions_boundary(struct app *app, const principal_t *who, arena_t *a, str_t *doc)
{
    *doc = STR_NULL;
    req_t *r;
    str_t owner;
    bool user;
    if (iam__caller_entity(app, who, a, &r, &owner, &user) != GR_OK) return GR_ERR;
    if (!r) return GR_OK;
    sqlite3_stmt *st = iam__stmt(r,
                                 user ? "SELECT boundary FROM iam_user WHERE account = ?1 AND name = ?2"
                                      : "SELECT boundary FROM iam_role WHERE account = ?1 AND name = ?2",
                                 "s", owner);
    if (!st) return GR_ERR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR; /* fail closed: a boundary may be unread */
    if (rc == SQLITE_DONE || sqlite3_column_type(st, 0) == SQLITE_NULL) return GR_OK;
    /* a boundary whose policy is gone allows nothing: a document that does
     * not parse, which authz and AssumeRole take as allowing nothing */
    str_t text = iam__policy_doc(r, iam__col(r, st, 0));
    *doc = text.p ? text : STR("{}");
    return GR_OK;
}
