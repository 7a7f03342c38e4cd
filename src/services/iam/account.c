/* account.c — account-wide IAM: the account alias, GetAccountSummary, the whole-account
 * GetAccountAuthorizationDetails report, and iam_identity_policies, the
 * dispatcher's view of a principal's identity policies (see iam.h). */
#include <string.h>

#include "core/json.h"
#include "schemas.h"
#include "services/app.h"
#include "services/iam/iam_int.h"

/* AWS: one alias per account, unique across AWS; creating one replaces the
 * old (IAM User Guide, "Your AWS account ID and its alias"). */
int iam_create_account_alias(req_t *r, const val_t *in, val_t *out)
{
    str_t alias = val_get_str(in, "AccountAlias");
    /* aliases are unique across accounts: this one query looks beyond ?1 on purpose */
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_account_alias WHERE alias = ?2 AND account <> ?1", "s", alias);
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, "The account alias %.*s already exists.",
                        STR_FMT(alias));
    return iam__exec(r, "INSERT OR REPLACE INTO iam_account_alias (account, alias) VALUES (?1, ?2)", "s", alias);
}

int iam_delete_account_alias(req_t *r, const val_t *in, val_t *out)
{
    str_t alias = val_get_str(in, "AccountAlias");
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_account_alias WHERE account = ?1 AND alias = ?2", "s", alias);
    if (n < 0) return GR_ERR;
    if (!n)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "The account alias %.*s cannot be found.", STR_FMT(alias));
    return iam__exec(r, "DELETE FROM iam_account_alias WHERE account = ?1", "");
}

int iam_list_account_aliases(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st = iam__stmt(r, "SELECT alias FROM iam_account_alias WHERE account = ?1", "");
    if (!st) return GR_ERR;
    val_t *all = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, all, val_str(r->arena, iam__col(r, st, 0)));
    return iam__paginate(r, in, out, "AccountAliases", all);
}

/* ==== GetAccountAuthorizationDetails ==== */

static bool wants(const val_t *filter, const char *what)
{
    if (!filter || !val_len(filter)) return true;
    for (size_t i = 0; i < val_len(filter); i++)
        if (str_eq_c(filter->u.list.v[i]->u.s, what)) return true;
    return false;
}

static val_t *managed_detail(req_t *r, str_t arn)
{
    arena_t *a = r->arena;
    iam__policy_t p;
    if (iam__policy_find(r, arn, &p, "%.*s") != GR_OK) return NULL;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "PolicyName", val_str(a, p.name));
    val_set_c(a, v, "PolicyId", val_str(a, p.id));
    val_set_c(a, v, "Arn", val_str(a, arn));
    val_set_c(a, v, "Path", val_str(a, p.path));
    val_set_c(a, v, "DefaultVersionId", val_cstr(a, arena_printf(a, "v%lld", (long long)p.default_version)));
    val_set_c(a, v, "AttachmentCount",
              val_int(a, iam__count(r, "SELECT COUNT(*) FROM iam_attached WHERE account = ?1 AND policy_arn = ?2", "s",
                                    arn)));
    val_set_c(a, v, "PermissionsBoundaryUsageCount", val_int(a, 0));
    val_set_c(a, v, "IsAttachable", val_bool(a, true));
    if (p.description.p && p.description.len) val_set_c(a, v, "Description", val_str(a, p.description));
    val_set_c(a, v, "CreateDate", val_time(a, p.created_us));
    val_set_c(a, v, "UpdateDate", val_time(a, p.updated_us));
    val_t *versions = val_new(a, VAL_LIST);
    if (p.aws) {
        val_t *pv = val_new(a, VAL_STRUCT);
        val_set_c(a, pv, "Document", iam__doc_out(r, str_c(p.m->document)));
        val_set_c(a, pv, "VersionId", val_cstr(a, p.m->version));
        val_set_c(a, pv, "IsDefaultVersion", val_bool(a, true));
        val_set_c(a, pv, "CreateDate", val_time(a, p.updated_us));
        val_push(a, versions, pv);
    } else {
        sqlite3_stmt *st = iam__stmt(r,
                                     "SELECT version, document, created_us FROM iam_policy_version WHERE account = ?1 "
                                     "AND policy = ?2 ORDER BY version DESC",
                                     "s", p.name);
        if (!st) return NULL;
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *pv = val_new(a, VAL_STRUCT);
            int64_t ver = sqlite3_column_int64(st, 0);
            val_set_c(a, pv, "Document", iam__doc_out(r, iam__col(r, st, 1)));
            val_set_c(a, pv, "VersionId", val_cstr(a, arena_printf(a, "v%lld", (long long)ver)));
            val_set_c(a, pv, "IsDefaultVersion", val_bool(a, ver == p.default_version));
            val_set_c(a, pv, "CreateDate", val_time(a, sqlite3_column_int64(st, 2)));
            val_push(a, versions, pv);
        }
    }
    val_set_c(a, v, "PolicyVersionList", versions);
    return v;
}

/* AWS (IAM API reference): "v1Token" or "v2Token", the version of the
 * session tokens STS's global endpoint issues; reported by GetAccountSummary
 * as GlobalEndpointTokenVersion 1 or 2. */
int iam_set_security_token_service_preferences(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t v = val_get_str(in, "GlobalEndpointTokenVersion");
    return iam__exec(r, "INSERT OR REPLACE INTO iam_sts_pref (account, token_version) VALUES (?1, ?2)", "i",
                     (int64_t)(str_eq_c(v, "v2Token") ? 2 : 1));
}

/* AWS: counts of the account's IAM entities and its quotas. The quotas are
 * AWS's defaults; the ones gureum enforces are its own (IAM__*_QUOTA). The
 * root user's access keys are configured, so they are always present. */
int iam_get_account_summary(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const struct {
        const char *key, *sql; /* sql counts; NULL: the value is fixed */
        int64_t value;
    } rows[] = {
        {"Users", "SELECT COUNT(*) FROM iam_user WHERE account = ?1", 0},
        {"Groups", "SELECT COUNT(*) FROM iam_group WHERE account = ?1", 0},
        {"Roles", "SELECT COUNT(*) FROM iam_role WHERE account = ?1", 0},
        {"Policies", "SELECT COUNT(*) FROM iam_policy WHERE account = ?1", 0},
        {"InstanceProfiles", "SELECT COUNT(*) FROM iam_instance_profile WHERE account = ?1", 0},
        /* identity providers of both kinds */
        {"Providers",
         "SELECT (SELECT COUNT(*) FROM iam_oidc_provider WHERE account = ?1) + "
         "(SELECT COUNT(*) FROM iam_saml_provider WHERE account = ?1)",
         0},
        {"PolicyVersionsInUse", "SELECT COUNT(*) FROM iam_attached WHERE account = ?1", 0},
        {"UsersQuota", NULL, 5000},
        {"GroupsQuota", NULL, 300},
        {"RolesQuota", NULL, 1000},
        {"PoliciesQuota", NULL, 1500},
        {"InstanceProfilesQuota", NULL, 1000},
        {"PolicyVersionsInUseQuota", NULL, 10000},
        {"ServerCertificates", "SELECT COUNT(*) FROM iam_server_cert WHERE account = ?1", 0},
        {"ServerCertificatesQuota", NULL, 20},
        {"GroupsPerUserQuota", NULL, 10},
        {"AccessKeysPerUserQuota", NULL, IAM__KEYS_QUOTA},
        {"SigningCertificatesPerUserQuota", NULL, IAM__SIGNING_QUOTA},
        {"AttachedPoliciesPerUserQuota", NULL, IAM__ATTACHED_QUOTA},
        {"AttachedPoliciesPerGroupQuota", NULL, IAM__ATTACHED_QUOTA},
        {"AttachedPoliciesPerRoleQuota", NULL, IAM__ATTACHED_QUOTA},
        {"VersionsPerPolicyQuota", NULL, IAM__VERSIONS_QUOTA},
        {"PolicySizeQuota", NULL, 6144},
        {"UserPolicySizeQuota", NULL, 2048},
        {"GroupPolicySizeQuota", NULL, 5120},
        {"RolePolicySizeQuota", NULL, 10240},
        {"AssumeRolePolicySizeQuota", NULL, 2048},
        {"MFADevices", "SELECT COUNT(*) FROM iam_mfa WHERE account = ?1", 0},
        {"MFADevicesInUse", "SELECT COUNT(*) FROM iam_mfa WHERE account = ?1 AND user IS NOT NULL", 0},
        /* the root user's own device (ListMFADevices without a user name) */
        {"AccountMFAEnabled", "SELECT COUNT(*) > 0 FROM iam_mfa WHERE account = ?1 AND user = ''", 0},
        {"AccountAccessKeysPresent", NULL, 1},
        {"AccountSigningCertificatesPresent",
         "SELECT COUNT(*) > 0 FROM iam_signing_cert WHERE account = ?1 AND user = ''", 0},
        {"GlobalEndpointTokenVersion",
         "SELECT COALESCE((SELECT token_version FROM iam_sts_pref WHERE account = ?1), 1)", 0},
    };
    val_t *map = val_new(a, VAL_MAP);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t v = rows[i].sql ? iam__count(r, rows[i].sql, "") : rows[i].value;
        if (v < 0) return GR_ERR;
        val_set_c(a, map, rows[i].key, val_int(a, v));
    }
    return val_set_c(a, out, "SummaryMap", map);
}

/* AWS: the report lists the account's users, groups, roles and customer
 * managed policies, and the AWS managed policies attached to something. */
int iam_get_account_authorization_details(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *filter = val_get(in, "Filter");
    sqlite3_stmt *st;
    if (wants(filter, "User")) {
        val_t *list = val_new(a, VAL_LIST);
        if (!(st =
                  iam__stmt(r, "SELECT name, path, id, created_us FROM iam_user WHERE account = ?1 ORDER BY name", "")))
            return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *u = val_new(a, VAL_STRUCT);
            str_t name = iam__col(r, st, 0);
            iam__entity_members(r, u, &iam__user, name, iam__col(r, st, 1), iam__col(r, st, 2),
                                sqlite3_column_int64(st, 3));
            val_set_c(a, u, "UserPolicyList", iam__inline_list(r, &iam__user, name));
            val_t *groups = val_new(a, VAL_LIST);
            sqlite3_stmt *gs = iam__stmt(
                r, "SELECT grp FROM iam_group_member WHERE account = ?1 AND user = ?2 ORDER BY grp", "s", name);
            if (!gs) return GR_ERR;
            while (sqlite3_step(gs) == SQLITE_ROW) val_push(a, groups, val_str(a, iam__col(r, gs, 0)));
            val_set_c(a, u, "GroupList", groups);
            val_set_c(a, u, "AttachedManagedPolicies", iam__attached_list(r, &iam__user, name));
            val_set_c(a, u, "Tags", iam__tags(r, "user", name));
            val_push(a, list, u);
        }
        val_set_c(a, out, "UserDetailList", list);
    }
    if (wants(filter, "Group")) {
        val_t *list = val_new(a, VAL_LIST);
        if (!(st = iam__stmt(r, "SELECT name, path, id, created_us FROM iam_group WHERE account = ?1 ORDER BY name",
                             "")))
            return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *g = val_new(a, VAL_STRUCT);
            str_t name = iam__col(r, st, 0);
            iam__entity_members(r, g, &iam__group, name, iam__col(r, st, 1), iam__col(r, st, 2),
                                sqlite3_column_int64(st, 3));
            val_set_c(a, g, "GroupPolicyList", iam__inline_list(r, &iam__group, name));
            val_set_c(a, g, "AttachedManagedPolicies", iam__attached_list(r, &iam__group, name));
            val_push(a, list, g);
        }
        val_set_c(a, out, "GroupDetailList", list);
    }
    if (wants(filter, "Role")) {
        val_t *list = val_new(a, VAL_LIST);
        if (!(st = iam__stmt(r, "SELECT " IAM__ROLE_COLS " FROM iam_role WHERE account = ?1 ORDER BY name", "")))
            return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *v = iam__role_value(r, st, false);
            str_t name = iam__col(r, st, 0);
            val_t *profiles = val_new(a, VAL_LIST);
            sqlite3_stmt *ps = iam__stmt(r,
                                         "SELECT p.name, p.path, p.id, p.created_us FROM iam_instance_profile_role x "
                                         "JOIN iam_instance_profile p ON p.account = x.account AND p.name = x.profile "
                                         "WHERE x.account = ?1 AND x.role = ?2 ORDER BY p.name",
                                         "s", name);
            if (!ps) return GR_ERR;
            while (sqlite3_step(ps) == SQLITE_ROW)
                val_push(a, profiles,
                         iam__profile_value(r, iam__col(r, ps, 0), iam__col(r, ps, 1), iam__col(r, ps, 2),
                                            sqlite3_column_int64(ps, 3)));
            val_set_c(a, v, "InstanceProfileList", profiles);
            val_set_c(a, v, "RolePolicyList", iam__inline_list(r, &iam__role, name));
            val_set_c(a, v, "AttachedManagedPolicies", iam__attached_list(r, &iam__role, name));
            val_set_c(a, v, "Tags", iam__tags(r, "role", name));
            val_set_c(a, v, "RoleLastUsed", val_new(a, VAL_STRUCT));
            val_push(a, list, v);
        }
        val_set_c(a, out, "RoleDetailList", list);
    }
    bool local = wants(filter, "LocalManagedPolicy"), aws = wants(filter, "AWSManagedPolicy");
    if (local || aws) {
        val_t *list = val_new(a, VAL_LIST);
        if (aws) {
            if (!(st = iam__stmt(r,
                                 "SELECT DISTINCT policy_arn FROM iam_attached WHERE account = ?1 AND "
                                 "policy_arn LIKE 'arn:aws:iam::aws:policy/%' ORDER BY policy_arn",
                                 "")))
                return GR_ERR;
            while (sqlite3_step(st) == SQLITE_ROW) {
                val_t *d = managed_detail(r, iam__col(r, st, 0));
                if (d) val_push(a, list, d);
            }
        }
        if (local) {
            if (!(st = iam__stmt(r, "SELECT name, path FROM iam_policy WHERE account = ?1 ORDER BY name", "")))
                return GR_ERR;
            while (sqlite3_step(st) == SQLITE_ROW) {
                val_t *d = managed_detail(r, iam__arn(r, "policy", iam__col(r, st, 1), iam__col(r, st, 0)));
                if (d) val_push(a, list, d);
            }
        }
        val_set_c(a, out, "Policies", list);
    }
    r->err = NULL;
    return val_set_c(a, out, "IsTruncated", val_bool(a, false));
}

/* ==== iam_identity_policies ==== */

typedef struct {
    str_t *v;
    size_t n, cap;
} docs_t;

static void push_doc(arena_t *a, docs_t *d, str_t doc)
{
    if (!doc.p) return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        str_t *nv = arena_realloc(a, d->v, d->cap * sizeof *nv, cap * sizeof *nv);
        if (!nv) return;
        d->v = nv;
        d->cap = cap;
    }
    d->v[d->n++] = doc;
}

static int owner_docs(req_t *r, const char *kind, str_t owner, docs_t *d)
{
    sqlite3_stmt *st = iam__stmt(
        r, "SELECT document FROM iam_inline_policy WHERE account = ?1 AND kind = ?2 AND owner = ?3", "cs", kind, owner);
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) push_doc(r->arena, d, iam__col(r, st, 0));
    st = iam__stmt(r, "SELECT policy_arn FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3", "cs", kind,
                   owner);
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) push_doc(r->arena, d, iam__policy_doc(r, iam__col(r, st, 0)));
    return GR_OK;
}

/* A private request on the caller's arena: the IAM helpers want one. */
req_t *iam__private_req(struct app *app, const principal_t *who, arena_t *a)
{
    req_t *r = ARENA_NEW(a, req_t);
    if (!r) return NULL;
    r->arena = a;
    r->app = app;
    r->who = *who;
    return r;
}

int iam__caller_entity(struct app *app, const principal_t *who, arena_t *a, req_t **r, str_t *owner, bool *user)
{
    *r = NULL;
    if (who->root || who->anonymous || !who->account.p) return GR_OK;
    *user = who->user_name.len > 0;
    *owner = *user ? who->user_name : principal_session_role(who->arn);
    if (!owner->p) return GR_OK;
    return (*r = iam__private_req(app, who, a)) ? GR_OK : GR_ERR;
}

/* AWS ("Pass session tags in AWS STS"): a session's principal tags are its
 * session tags (those passed and the transitive ones inherited) and the
 * tags of its role, a session tag overriding a role tag of the same key
 * (keys are case-insensitive). */
static int add_session_tags(const principal_t *who, arena_t *a, kv_t **tags, size_t *n)
{
    const char *err = NULL;
    json_t *j = json_parse(a, who->session_tags, &err);
    val_t *list = j ? val_from_json(a, j) : NULL;
    size_t ns = list && list->kind == VAL_LIST ? list->u.list.n : 0;
    if (!ns) return GR_OK;
    kv_t *t = ARENA_NEWN(a, kv_t, *n + ns);
    if (!t) return GR_ERR;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        bool overridden = false;
        for (size_t s = 0; s < ns && !overridden; s++)
            overridden = str_eq_nocase((*tags)[i].name, val_get_str(list->u.list.v[s], "Key"));
        if (!overridden) t[k++] = (*tags)[i];
    }
    for (size_t s = 0; s < ns; s++) {
        str_t v = val_get_str(list->u.list.v[s], "Value");
        t[k++] = (kv_t){val_get_str(list->u.list.v[s], "Key"), v.p ? v : STR("")};
    }
    *tags = t;
    *n = k;
    return GR_OK;
}

int iam_principal_tags(struct app *app, const principal_t *who, arena_t *a, kv_t **tags, size_t *n)
{
    *tags = NULL;
    *n = 0;
    req_t *r;
    str_t owner;
    bool user;
    if (iam__caller_entity(app, who, a, &r, &owner, &user) != GR_OK) return GR_ERR;
    if (r) {
        int64_t count = iam__count(r, "SELECT COUNT(*) FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3",
                                   "cs", user ? "user" : "role", owner);
        if (count < 0) return GR_ERR;
        kv_t *t = ARENA_NEWN(a, kv_t, count ? (size_t)count : 1);
        sqlite3_stmt *st =
            iam__stmt(r, "SELECT key, value FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3", "cs",
                      user ? "user" : "role", owner);
        if (!t || !st) return GR_ERR;
        size_t k = 0;
        while (k < (size_t)count && sqlite3_step(st) == SQLITE_ROW) {
            t[k].name = iam__col(r, st, 0);
            t[k].value = iam__col(r, st, 1);
            k++;
        }
        *tags = t;
        *n = k;
    }
    return who->session_tags.len ? add_session_tags(who, a, tags, n) : GR_OK;
}

int iam__entity_docs(req_t *r, const char *kind, str_t owner, str_t **docs, size_t *n)
{
    docs_t d = {0};
    if (owner_docs(r, kind, owner, &d) != GR_OK) return GR_ERR;
    if (!strcmp(kind, "user")) { /* and the policies of the user's groups */
        sqlite3_stmt *gs =
            iam__stmt(r, "SELECT grp FROM iam_group_member WHERE account = ?1 AND user = ?2", "s", owner);
        if (!gs) return GR_ERR;
        while (sqlite3_step(gs) == SQLITE_ROW)
            if (owner_docs(r, "group", iam__col(r, gs, 0), &d) != GR_OK) return GR_ERR;
    }
    *docs = d.v;
    *n = d.n;
    return arena_failed(r->arena) ? GR_ERR : GR_OK;
}

int iam_identity_policies(struct app *app, const principal_t *who, arena_t *a, str_t **docs, size_t *n)
{
    *docs = NULL;
    *n = 0;
    req_t *r;
    str_t owner;
    bool user;
    if (iam__caller_entity(app, who, a, &r, &owner, &user) != GR_OK) return GR_ERR;
    return r ? iam__entity_docs(r, user ? "user" : "role", owner, docs, n) : GR_OK;
}
