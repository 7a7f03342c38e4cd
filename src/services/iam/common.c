/* common.c — the IAM service's shared machinery: statements bound to the
 * caller's account, entity lookups, ids and ARNs, paging, tags, and policy
 * documents in and out (see iam_int.h). Every row IAM stores is keyed by
 * account first, so one caller can never read another account's data: ?1
 * of every statement is r->who.account, bound here and nowhere else. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "schemas.h"
#include "services/app.h"
#include "services/iam/iam_int.h"

/* AWS: NoSuchEntity / EntityAlreadyExists messages as the IAM API answers them. */
const iam__kind_t iam__user = {"user",
                               "iam_user",
                               "user",
                               "UserName",
                               "UserId",
                               "The user with name %.*s cannot be found.",
                               "User with name %.*s already exists.",
                               "AIDA"};
const iam__kind_t iam__group = {"group",
                                "iam_group",
                                "group",
                                "GroupName",
                                "GroupId",
                                "The group with name %.*s cannot be found.",
                                "Group with name %.*s already exists.",
                                "AGPA"};
const iam__kind_t iam__role = {"role",
                               "iam_role",
                               "role",
                               "RoleName",
                               "RoleId",
                               "The role with name %.*s cannot be found.",
                               "Role with name %.*s already exists.",
                               "AROA"};
const iam__kind_t iam__profile = {"instance-profile",
                                  "iam_instance_profile",
                                  "instance-profile",
                                  "InstanceProfileName",
                                  "InstanceProfileId",
                                  "Instance Profile %.*s cannot be found.",
                                  "Instance Profile %.*s already exists.",
                                  "AIPA"};

sqlite3 *iam__db(req_t *r)
{
    app_t *app = r->app;
    return store_db(app->store, &schema_iam);
}

static void finalize(void *st)
{
    store_release(st);
}

static sqlite3_stmt *vstmt(req_t *r, const char *sql, const char *types, va_list ap)
{
    sqlite3 *db = iam__db(r);
    if (!db) return NULL;
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("iam: %s: %s", sqlite3_errmsg(db), sql);
        return NULL;
    }
    if (arena_defer(r->arena, finalize, st) != 0) {
        store_release(st);
        return NULL;
    }
    sqlite3_bind_text(st, 1, r->who.account.p ? r->who.account.p : "", (int)r->who.account.len, SQLITE_STATIC);
    int i = 2;
    for (const char *t = types; t && *t; t++, i++) {
        if (*t == 's') {
            str_t s = va_arg(ap, str_t);
            if (s.p)
                sqlite3_bind_text(st, i, s.p, (int)s.len, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, i);
        } else if (*t == 'c') {
            const char *c = va_arg(ap, const char *);
            if (c)
                sqlite3_bind_text(st, i, c, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, i);
        } else if (*t == 'I') {
            int64_t v = va_arg(ap, int64_t);
            if (v == IAM__NULL_INT)
                sqlite3_bind_null(st, i);
            else
                sqlite3_bind_int64(st, i, (sqlite3_int64)v);
        } else {
            sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, int64_t));
        }
    }
    return st;
}

sqlite3_stmt *iam__stmt(req_t *r, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = vstmt(r, sql, types, ap);
    va_end(ap);
    return st;
}

/* Bumped after every write IAM makes (all go through iam__exec), so a cache
 * of anything derived from IAM's tables knows when to drop it. */
static _Atomic uint64_t generation = 1;

uint64_t iam_generation(void)
{
    return generation;
}

int iam__exec(req_t *r, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = vstmt(r, sql, types, ap);
    va_end(ap);
    if (!st) return GR_ERR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_error("iam: %s: %s", sqlite3_errmsg(sqlite3_db_handle(st)), sql);
        return GR_ERR;
    }
    generation++;
    return GR_OK;
}

int64_t iam__count(req_t *r, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    sqlite3_stmt *st = vstmt(r, sql, types, ap);
    va_end(ap);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return -1;
    return sqlite3_column_int64(st, 0);
}

str_t iam__col(req_t *r, sqlite3_stmt *st, int i)
{
    return store_col_str(r->arena, st, i);
}

int iam__begin(req_t *r)
{
    sqlite3 *db = iam__db(r);
    return db ? store_exec(db, "BEGIN IMMEDIATE") : GR_ERR;
}
int iam__commit(req_t *r)
{
    sqlite3 *db = iam__db(r);
    if (db && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    iam__rollback(r);
    return GR_ERR;
}
void iam__rollback(req_t *r)
{
    sqlite3 *db = iam__db(r);
    if (db && !sqlite3_get_autocommit(db)) store_exec(db, "ROLLBACK");
}

int64_t iam__now(void)
{
    return time_now_us() / 1000000 * 1000000;
}

/* AWS: unique ids are a 4-letter type prefix and 17 characters of [A-Z2-7]
 * (IAM User Guide, "Unique identifiers"). */
str_t iam__new_id(req_t *r, const char *prefix)
{
    char tail[18];
    id_random_chars(tail, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    return str_c(arena_printf(r->arena, "%s%s", prefix, tail));
}

str_t iam__arn(req_t *r, const char *type, str_t path, str_t name)
{
    return str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:%s%.*s%.*s", STR_FMT(r->who.account), type, STR_FMT(path),
                              STR_FMT(name)));
}

str_t iam__path_in(const val_t *in, const char *key)
{
    str_t p = val_get_str(in, key);
    return p.p ? p : STR("/");
}

/* AWS: "1 validation error detected: Value 'a b' at 'userName' failed to
 * satisfy constraint: Member must satisfy regular expression pattern:
 * [\w+=,.@-]+" (the model's patterns; the protocol layer checks lengths). */
int iam__check_name(req_t *r, str_t name, const char *member)
{
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_+=,.@-", c)) ||
            c == 0)
            return req_fail(r, &ERR_ValidationError,
                            "1 validation error detected: Value '%.*s' at '%s' failed to satisfy constraint: Member "
                            "must satisfy regular expression pattern: [\\w+=,.@-]+",
                            STR_FMT(name), member);
    }
    return GR_OK;
}

int iam__check_path(req_t *r, str_t path, const char *member)
{
    bool ok = path.len >= 1 && path.p[0] == '/' && path.p[path.len - 1] == '/';
    for (size_t i = 0; ok && i < path.len; i++) ok = path.p[i] >= 0x21 && path.p[i] <= 0x7e;
    if (ok) return GR_OK;
    return req_fail(r, &ERR_ValidationError,
                    "1 validation error detected: Value '%.*s' at '%s' failed to satisfy constraint: Member must "
                    "satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
                    STR_FMT(path), member);
}

static const char *cols_sql(req_t *r, const iam__kind_t *k, const char *cols)
{
    return arena_printf(r->arena, "SELECT %s FROM %s WHERE account = ?1 AND name = ?2", cols, k->table);
}

int iam__exists(req_t *r, const iam__kind_t *k, str_t name, bool fail)
{
    sqlite3_stmt *st = iam__stmt(r, cols_sql(r, k, "1"), "s", name);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc != SQLITE_DONE) return -1;
    if (fail) req_fail(r, &IAM_ERR_NoSuchEntityException, k->not_found, STR_FMT(name));
    return 0;
}

int iam__entity(req_t *r, const iam__kind_t *k, str_t name, str_t *canon_name, str_t *path, str_t *id,
                int64_t *created_us)
{
    sqlite3_stmt *st = iam__stmt(r, cols_sql(r, k, "name, path, id, created_us"), "s", name);
    if (!st) return GR_ERR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE) req_fail(r, &IAM_ERR_NoSuchEntityException, k->not_found, STR_FMT(name));
        return GR_ERR;
    }
    if (canon_name) *canon_name = iam__col(r, st, 0);
    if (path) *path = iam__col(r, st, 1);
    if (id) *id = iam__col(r, st, 2);
    if (created_us) *created_us = sqlite3_column_int64(st, 3);
    return GR_OK;
}

void iam__entity_members(req_t *r, val_t *v, const iam__kind_t *k, str_t name, str_t path, str_t id, int64_t created_us)
{
    arena_t *a = r->arena;
    val_set_c(a, v, "Path", val_str(a, path));
    val_set_c(a, v, k->name_key, val_str(a, name));
    val_set_c(a, v, k->id_key, val_str(a, id));
    val_set_c(a, v, "Arn", val_str(a, iam__arn(r, k->arn_type, path, name)));
    val_set_c(a, v, "CreateDate", val_time(a, created_us));
}

/* AWS: Marker is opaque; ours is the index of the next item. MaxItems
 * defaults to 100 (the model bounds it to 1..1000). */
int iam__paginate(req_t *r, const val_t *in, val_t *out, const char *list_key, val_t *all)
{
    arena_t *a = r->arena;
    int64_t max = val_get_int(in, "MaxItems", 100);
    long long from = 0;
    str_t marker = val_get_str(in, "Marker");
    if (marker.p && (!str_to_i64(marker, &from) || from < 0 || (size_t)from > val_len(all)))
        return req_fail(r, &ERR_ValidationError, "Invalid Marker.");
    size_t n = val_len(all);
    val_t *page = val_new(a, VAL_LIST);
    size_t i;
    for (i = (size_t)from; i < n && (int64_t)(i - (size_t)from) < max; i++) val_push(a, page, all->u.list.v[i]);
    val_set_c(a, out, list_key, page);
    val_set_c(a, out, "IsTruncated", val_bool(a, i < n));
    if (i < n) val_set_c(a, out, "Marker", val_cstr(a, arena_printf(a, "%zu", i)));
    return GR_OK;
}

/* AWS returns documents percent-encoded (RFC 3986 unreserved characters
 * kept); botocore's decode is urllib's unquote, which leaves '+' alone, so
 * a space must be %20. */
val_t *iam__doc_out(req_t *r, str_t doc)
{
    str_t e = wire_url_encode(r->arena, doc, false);
    return e.p ? val_str(r->arena, e) : NULL;
}

/* AWS: a document that is not JSON, or not a policy, is refused with
 * MalformedPolicyDocument "Syntax errors in policy."; an identity policy
 * first goes through IAM's staged checks (doccheck.c). */
int iam__check_doc(req_t *r, str_t doc, iam__doc_t kind)
{
    bool trust = kind == IAM__DOC_TRUST;
    if (!trust) {
        const char *e = iam__doc_error(r->arena, doc, kind == IAM__DOC_MANAGED);
        if (e) return req_fail(r, &IAM_ERR_MalformedPolicyDocumentException, "%s", e);
    }
    /* The evaluator's own parser validates too, so IAM accepts only
     * documents authorization can evaluate. */
    char err[256] = "";
    policy_t *p = policy_parse(doc, trust ? POLICY_TRUST : POLICY_IDENTITY, err, sizeof err);
    if (!p)
        return req_fail(r, &IAM_ERR_MalformedPolicyDocumentException, "%s", err[0] ? err : "Syntax errors in policy.");
    policy_free(p);
    return GR_OK;
}

/* ==== Tags ==== */

val_t *iam__tags(req_t *r, const char *kind, str_t owner)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT key, value FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3 "
                                 "ORDER BY seq",
                                 "cs", kind, owner);
    if (!st) return NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, iam__col(r, st, 0)));
        val_set_c(a, t, "Value", val_str(a, iam__col(r, st, 1)));
        val_push(a, list, t);
    }
    return list;
}

/* AWS: at most 50 tags per entity → LimitExceeded; a key set again keeps its
 * place and takes the new value. */
/* [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and those marks;
 * any non-ASCII byte is taken as part of a letter, mark or number. */
static bool tag_text_ok(str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!(c >= 0x80 || isalnum(c) || c == ' ' || strchr("_.:/=+-@", c)) || c == 0) return false;
    }
    return true;
}

int iam__check_tags(req_t *r, const val_t *tags)
{
    size_t n = val_len(tags);
    for (size_t i = 0; i < n; i++) {
        str_t k = val_get_str(tags->u.list.v[i], "Key"), v = val_get_str(tags->u.list.v[i], "Value");
        /* the model's pattern, which the generic validator cannot check (\p{..}) */
        const char *bad = !tag_text_ok(k) ? "key" : !tag_text_ok(v) ? "value" : NULL;
        if (bad)
            return req_fail(r, &ERR_ValidationError,
                            "1 validation error detected: Value '%.*s' at 'tags.%zu.member.%s' failed to satisfy "
                            "constraint: Member must satisfy regular expression pattern: "
                            "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]%s",
                            STR_FMT(*bad == 'k' ? k : v), i + 1, bad, *bad == 'k' ? "+" : "*");
        for (size_t j = 0; j < i; j++)
            if (str_eq_nocase(k, val_get_str(tags->u.list.v[j], "Key")))
                return req_fail(r, &IAM_ERR_InvalidInputException,
                                "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
    return GR_OK;
}

int iam__tag(req_t *r, const char *kind, str_t owner, const val_t *tags)
{
    size_t n = val_len(tags);
    if (iam__check_tags(r, tags) != GR_OK) return GR_ERR;
    if (iam__begin(r) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        const val_t *t = tags->u.list.v[i];
        str_t k = val_get_str(t, "Key"), v = val_get_str(t, "Value");
        if (iam__exec(
                r,
                "INSERT INTO iam_tag (account, kind, owner, key, value, seq) VALUES (?1, ?2, ?3, ?4, ?5, "
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3)) "
                "ON CONFLICT (account, kind, owner, key) DO UPDATE SET value = excluded.value",
                "cssc", kind, owner, k, v.p ? arena_strndup(r->arena, v.p, v.len) : "") != GR_OK) {
            iam__rollback(r);
            return GR_ERR;
        }
    }
    int64_t count = iam__count(r, "SELECT COUNT(*) FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3", "cs",
                               kind, owner);
    if (count > 50) {
        iam__rollback(r);
        return req_fail(r, &IAM_ERR_LimitExceededException, "The number of tags has reached the maximum limit.");
    }
    return iam__commit(r);
}

int iam__untag(req_t *r, const char *kind, str_t owner, const val_t *keys)
{
    for (size_t i = 0; i < val_len(keys); i++)
        if (iam__exec(r, "DELETE FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND key = ?4", "css",
                      kind, owner, keys->u.list.v[i]->u.s) != GR_OK)
            return GR_ERR;
    return GR_OK;
}

int iam__delete_tags(req_t *r, const char *kind, str_t owner)
{
    return iam__exec(r, "DELETE FROM iam_tag WHERE account = ?1 AND kind = ?2 AND owner = ?3", "cs", kind, owner);
}

/* ==== Renaming and moving (UpdateUser, UpdateGroup) ==== */

int iam__update_entity(req_t *r, const iam__kind_t *k, const val_t *in, const char *new_name_key,
                       const char *new_name_member, const char *const *moves)
{
    str_t name = val_get_str(in, k->name_key);
    str_t new_name = val_get_str(in, new_name_key), new_path = val_get_str(in, "NewPath");
    str_t canon;
    if ((new_name.p && iam__check_name(r, new_name, new_name_member) != GR_OK) ||
        (new_path.p && iam__check_path(r, new_path, "newPath") != GR_OK))
        return GR_ERR;
    if (iam__entity(r, k, name, &canon, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    if (new_name.p && !str_eq_nocase(new_name, canon)) {
        int e = iam__exists(r, k, new_name, false);
        if (e < 0) return GR_ERR;
        if (e) return req_fail(r, &IAM_ERR_EntityAlreadyExistsException, k->exists, STR_FMT(new_name));
    }
    if (iam__begin(r) != GR_OK) return GR_ERR;
    char *set_path = arena_printf(r->arena, "UPDATE %s SET path = ?3 WHERE account = ?1 AND name = ?2", k->table);
    if (new_path.p && iam__exec(r, set_path, "ss", name, new_path) != GR_OK) goto fail;
    for (size_t i = 0; new_name.p && moves[i]; i++)
        if (iam__exec(r, moves[i], "ss", name, new_name) != GR_OK) goto fail;
    return iam__commit(r);
fail:
    iam__rollback(r);
    return GR_ERR;
}

/* The ARN resource types whose tags iam_tag keeps, under the same name as
 * its kind; the owner is the ARN's last segment (IAM names are unique
 * whatever the path), the URL for an OIDC provider and the whole serial (an
 * ARN) for an MFA device. */
static const char *const tag_kinds[] = {
    "role", "user", "policy", "instance-profile", "oidc-provider", "saml-provider", "server-certificate", "mfa"};

int iam_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    *tags = NULL;
    str_t want = str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:", STR_FMT(r->who.account)));
    if (!want.p || !str_starts_with(resource, want)) return GR_OK; /* another account's: not this one's tags */
    str_t rest = str_sub(resource, want.len, resource.len - want.len);
    long slash = str_index(rest, '/');
    if (slash <= 0) return GR_OK;
    str_t type = str_sub(rest, 0, (size_t)slash), path = str_sub(rest, (size_t)slash + 1, rest.len - (size_t)slash - 1);
    for (size_t i = 0; i < sizeof tag_kinds / sizeof *tag_kinds; i++) {
        if (!str_eq_c(type, tag_kinds[i])) continue;
        str_t owner = path;
        if (!strcmp(tag_kinds[i], "mfa"))
            owner = resource;
        else if (strcmp(tag_kinds[i], "oidc-provider") != 0)
            for (size_t j = path.len; j > 0; j--)
                if (path.p[j - 1] == '/') {
                    owner = str_sub(path, j, path.len - j);
                    break;
                }
        if (!owner.len) return GR_OK;
        val_t *t = iam__tags(r, tag_kinds[i], owner);
        if (!t) return GR_ERR;
        *tags = val_len(t) ? t : NULL;
        return GR_OK;
    }
    return GR_OK;
}

const char *iam_resource_tag_alias(str_t resource)
{
    /* AWS: iam:ResourceTag/KEY is the tag "attached to the identity resource
     * (user or role)" (IAM User Guide, "IAM and AWS STS condition context keys") */
    static const str_t iam = {"arn:aws:iam::", 13};
    if (!str_starts_with(resource, iam)) return NULL;
    str_t rest = str_sub(resource, iam.len, resource.len - iam.len); /* ACCOUNT:TYPE/... */
    long colon = str_index(rest, ':');
    if (colon < 0) return NULL;
    rest = str_sub(rest, (size_t)colon + 1, rest.len - (size_t)colon - 1);
    return str_starts_with(rest, STR("role/")) || str_starts_with(rest, STR("user/")) ? "iam:ResourceTag" : NULL;
}
