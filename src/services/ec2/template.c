/* template.c — EC2 launch templates: Create/Describe/Modify/
 * DeleteLaunchTemplate(s), Create/Describe/DeleteLaunchTemplateVersion(s),
 * and RunInstances from a template (ec2__template_merge, called first
 * thing by ec2_run_instances). For Auto Scaling: ec2_template_resolve.
 *
 * A version's LaunchTemplateData is kept as given (the parsed value as
 * JSON) and answered back in the same members. AWS (User Guide, "Launch an
 * instance from a launch template"): the template's parameters are the
 * instance's unless the RunInstances request gives its own; tags of both
 * are applied. Texts are AWS's where said "recorded". */
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_NameExists = {"InvalidLaunchTemplateName.AlreadyExistsException", 400, true};
static const aws_errdef_t E_NameNF = {"InvalidLaunchTemplateName.NotFoundException", 400, true};
static const aws_errdef_t E_UserData = {"InvalidUserData.Malformed", 400, true};
static const aws_errdef_t E_IdNF = {"InvalidLaunchTemplateId.NotFound", 400, true};
static const aws_errdef_t E_VersionNF = {"InvalidLaunchTemplateId.VersionNotFound", 400, true};
static const aws_errdef_t E_Limit = {"LaunchTemplateLimitExceeded", 400, true};

/* AWS (recorded, moto's AWS-verified tests): DescribeLaunchTemplateVersions
 * without a template asks for every template's $Latest and/or $Default;
 * typographic quotes as AWS writes them. */
#define ALL_VERSIONS_TEXT                                                                                              \
    "To describe the launch template data for all your launch templates, for \u2018--versions\u2019 specify "          \
    "\u2018$Latest\u2019, \u2018$Default\u2019, or both, and omit \u2018--launch-template-id\u2019, "                  \
    "\u2018--launch-template-name\u2019, and version numbers. To describe the launch template data for a specific "    \
    "launch template, specify \u2018--launch-template-id\u2019 or \u2018--launch-template-name\u2019, and for "        \
    "\u2018--versions\u2019 specify one or more of the following values: \u2018$Latest\u2019, \u2018$Default\u2019, "  \
    "or "                                                                                                              \
    "one or more version numbers."

/* AWS (Amazon EC2 service quotas): 5,000 launch templates per region,
 * 10,000 versions per template. */
enum { MAX_TEMPLATES = 5000, MAX_VERSIONS = 10000 };

typedef struct {
    str_t id, name, created_by;
    int64_t def, latest, created_us;
    int64_t made; /* the highest number made: a deleted latest version's is not made again */
} tpl_t;

/* A template's columns (TPL_COLS, from launch_template) as a tpl_t. latest
 * is the highest version left (the default one always is), so $Latest
 * names one that exists after the latest was deleted. */
#define TPL_COLS                                                                                                       \
    "id, name, created_by, default_version, (SELECT max(version) FROM launch_template_version v WHERE v.account = "    \
    "launch_template.account AND v.region = launch_template.region AND v.template_id = launch_template.id), "          \
    "created, latest_version"
static tpl_t tpl_row(arena_t *a, sqlite3_stmt *st)
{
    return (tpl_t){store_col_str(a, st, 0),     store_col_str(a, st, 1),     store_col_str(a, st, 2),
                   sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                   sqlite3_column_int64(st, 6)};
}

/* Every row of st (TPL_COLS) in a, the statement released; NULL on a
 * failure. Not a fixed array: a region holds up to MAX_TEMPLATES. */
static tpl_t *tpl_rows(arena_t *a, sqlite3_stmt *st, size_t *n)
{
    size_t cap = 16;
    tpl_t *rows = ARENA_NEWN(a, tpl_t, cap);
    *n = 0;
    while (rows && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            tpl_t *more = ARENA_NEWN(a, tpl_t, cap * 2);
            if (more) memcpy(more, rows, *n * sizeof *rows);
            rows = more, cap *= 2;
            if (!rows) break;
        }
        rows[(*n)++] = tpl_row(a, st);
    }
    return store_release(st) == SQLITE_OK ? rows : NULL;
}

/* The template of id or name in account and region: 1, 0, -1. */
static int tpl_find(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t id, str_t name, tpl_t *t)
{
    sqlite3_stmt *st = store_stmt(db, id.p ? "SELECT " TPL_COLS " FROM launch_template WHERE account = ?1 AND region "
                                             "= ?2 AND id = ?3"
                                           : "SELECT " TPL_COLS " FROM launch_template WHERE account = ?1 AND region "
                                             "= ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, id.p ? id : name);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        *t = tpl_row(a, st);
    }
    if (store_release(st) != SQLITE_OK) return -1;
    return found;
}

/* The template a request names by LaunchTemplateId or LaunchTemplateName
 * (exactly one), or r failed as AWS refuses; verb: the operation's, for
 * the text refusing both. */
static int need_tpl(req_t *r, sqlite3 *db, const val_t *in, const char *verb, tpl_t *t)
{
    str_t id = val_get_str(in, "LaunchTemplateId"), name = val_get_str(in, "LaunchTemplateName");
    /* AWS (recorded for ModifyLaunchTemplate by moto's AWS-verified tests;
     * the other operations' texts are not on record and follow it) */
    if (id.p && name.p)
        return req_fail(r, &ec2__E_combination,
                        "Either provide launch template ID or launch template name to %s the template.", verb);
    if (!id.p && !name.p)
        return req_fail(r, &ERR_MissingParameter,
                        "The request must contain the parameter LaunchTemplateName or "
                        "LaunchTemplateId");
    int f = tpl_find(db, r->arena, r->who.account, r->region, id, name, t);
    if (f < 0) return GR_ERR;
    /* AWS (recorded) */
    if (!f && id.p)
        return req_fail(r, &E_IdNF, "The specified launch template, with template ID %.*s, does not exist.",
                        STR_FMT(id));
    if (!f)
        return req_fail(r, &E_NameNF, "The specified launch template, with template name %.*s, does not exist.",
                        STR_FMT(name));
    return GR_OK;
}

/* A version named "$Latest", "$Default" or by its number: the number, or 0
 * when it is none of those. */
static int64_t version_of(const tpl_t *t, str_t v)
{
    if (!v.p || str_eq_c(v, "$Default")) return t->def;
    if (str_eq_c(v, "$Latest")) return t->latest;
    long long n;
    return str_to_i64(v, &n) && n > 0 ? n : 0;
}

/* sql (about one version: ?1 account, ?2 region, ?3 template id, ?4
 * version) prepared and bound; NULL on a failure. */
static sqlite3_stmt *version_stmt(sqlite3 *db, const char *sql, str_t account, str_t region, str_t id, int64_t v)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, id);
    sqlite3_bind_int64(st, 4, v);
    return st;
}

/* A stored LaunchTemplateData (NULL for text that is not JSON). JSON keeps
 * times as microseconds: the data's one timestamp member goes back to a
 * time. */
static val_t *data_of(arena_t *a, str_t text)
{
    json_t *j = json_parse(a, text, NULL);
    if (!j) return NULL;
    val_t *d = val_from_json(a, j);
    val_t *spot = val_get(val_get(d, "InstanceMarketOptions"), "SpotOptions"), *until = val_get(spot, "ValidUntil");
    if (until && until->kind == VAL_INT) val_set_c(a, spot, "ValidUntil", val_time(a, until->u.i));
    return d;
}

/* The data of version v of t (NULL: none; *failed on a store failure). */
static val_t *version_data(sqlite3 *db, arena_t *a, str_t account, str_t region, const tpl_t *t, int64_t v,
                           bool *failed)
{
    *failed = false;
    sqlite3_stmt *st = version_stmt(db,
                                    "SELECT data FROM launch_template_version WHERE account = ?1 AND region = ?2 AND "
                                    "template_id = ?3 AND version = ?4",
                                    account, region, t->id, v);
    if (!st) {
        *failed = true;
        return NULL;
    }
    val_t *d = sqlite3_step(st) == SQLITE_ROW ? data_of(a, store_col_str(a, st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) *failed = true;
    return d;
}

static int version_nf(req_t *r, const tpl_t *t, str_t asked)
{
    /* AWS (recorded) */
    return req_fail(r, &E_VersionNF, "Could not find the specified version %.*s for the launch template with ID %.*s.",
                    STR_FMT(asked), STR_FMT(t->id));
}

static val_t *tpl_value(req_t *r, sqlite3 *db, const tpl_t *t)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT), *tags = ec2__tags_of(r, db, t->id);
    val_set_c(a, v, "LaunchTemplateId", val_str(a, t->id));
    val_set_c(a, v, "LaunchTemplateName", val_str(a, t->name));
    val_set_c(a, v, "CreateTime", val_time(a, t->created_us));
    val_set_c(a, v, "CreatedBy", val_str(a, t->created_by));
    val_set_c(a, v, "DefaultVersionNumber", val_int(a, t->def));
    val_set_c(a, v, "LatestVersionNumber", val_int(a, t->latest));
    if (tags) val_set_c(a, v, "Tags", tags);
    return v;
}

/* Columns: version, description, data, created. */
static val_t *version_value(req_t *r, const tpl_t *t, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    int64_t n = sqlite3_column_int64(st, 0);
    val_set_c(a, v, "LaunchTemplateId", val_str(a, t->id));
    val_set_c(a, v, "LaunchTemplateName", val_str(a, t->name));
    val_set_c(a, v, "VersionNumber", val_int(a, n));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        val_set_c(a, v, "VersionDescription", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, v, "CreateTime", val_time(a, sqlite3_column_int64(st, 3)));
    val_set_c(a, v, "CreatedBy", val_str(a, t->created_by));
    val_set_c(a, v, "DefaultVersion", val_bool(a, n == t->def));
    val_t *d = data_of(a, store_col_str(a, st, 2));
    val_set_c(a, v, "LaunchTemplateData", d ? d : val_new(a, VAL_STRUCT));
    return v;
}

/* token: CreateLaunchTemplateVersion's ClientToken (STR_NULL for the
 * template's first version, whose token is the template's). */
static bool version_add(req_t *r, sqlite3 *db, str_t id, int64_t n, str_t desc, const val_t *data, int64_t now,
                        str_t token)
{
    arena_t *a = r->arena;
    return STORE_RUN(db,
                     "INSERT INTO launch_template_version (account, region, template_id, version, description, data, "
                     "created, client_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, id), arena_lld(a, n),
                     arena_cstr(a, desc), arena_cstr(a, val_json_text(a, data ? data : val_new(a, VAL_STRUCT))),
                     arena_lld(a, now), arena_cstr(a, token));
}

/* ==== CreateLaunchTemplate ==== */

/* AWS (moto's suite, recorded): user data that is not base64 is refused
 * when the version is made. */
static int check_data(req_t *r, const val_t *data)
{
    str_t ud = val_get_str(data, "UserData"), raw;
    if (ud.p && !arena_unbase64(r->arena, ud, &raw))
        return req_fail(r, &E_UserData, "Invalid BASE64 encoding of user data.");
    return GR_OK;
}

int ec2_create_launch_template(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    /* the name's length and characters are the model's constraints, checked before */
    str_t name = val_get_str(in, "LaunchTemplateName");
    if (check_data(r, val_get(in, "LaunchTemplateData")) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t token = val_get_str(in, "ClientToken");
    tpl_t t;
    if (token.p) {
        /* AWS: the same ClientToken answers the template it made */
        sqlite3_stmt *st = store_stmt(db, "SELECT id FROM launch_template WHERE account = ?1 AND region = ?2 AND "
                                          "client_token = ?3");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, token);
        str_t made = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
        if (store_release(st) != SQLITE_OK) return GR_ERR;
        if (made.p && tpl_find(db, a, r->who.account, r->region, made, STR_NULL, &t) == 1)
            return val_set_c(a, out, "LaunchTemplate", tpl_value(r, db, &t));
    }
    int f = tpl_find(db, a, r->who.account, r->region, STR_NULL, name, &t);
    if (f < 0) return GR_ERR;
    /* AWS (recorded) */
    if (f) return req_fail(r, &E_NameExists, "Launch template name already in use.");
    const char *id = ec2__new_id(a, "lt");
    int64_t now = time_now_us();
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM launch_template WHERE account = ?1 AND region = ?2");
    int64_t count = 0;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        store_release(st);
    }
    if (count >= MAX_TEMPLATES) {
        ec2__end(db, false);
        return req_fail(r, &E_Limit, "You've reached the maximum number of launch templates for this account (%d).",
                        MAX_TEMPLATES);
    }
    bool ok = STORE_RUN(db,
                        "INSERT INTO launch_template (account, region, id, name, created_by, default_version, "
                        "latest_version, created, client_token) VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, ?6, ?7)",
                        arena_cstr(a, r->who.account), arena_cstr(a, r->region), id, arena_cstr(a, name),
                        arena_cstr(a, r->who.arn), arena_lld(a, now), arena_cstr(a, token)) &&
              version_add(r, db, str_c(id), 1, val_get_str(in, "VersionDescription"), val_get(in, "LaunchTemplateData"),
                          now, STR_NULL) &&
              ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "launch-template", id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    if (tpl_find(db, a, r->who.account, r->region, str_c(id), STR_NULL, &t) != 1) return GR_ERR;
    return val_set_c(a, out, "LaunchTemplate", tpl_value(r, db, &t));
}

/* CreateLaunchTemplateVersion's answer: version n of t. */
static int version_answer(req_t *r, sqlite3 *db, const tpl_t *t, int64_t n, val_t *out)
{
    sqlite3_stmt *st = version_stmt(db,
                                    "SELECT version, description, data, created FROM launch_template_version WHERE "
                                    "account = ?1 AND region = ?2 AND template_id = ?3 AND version = ?4",
                                    r->who.account, r->region, t->id, n);
    if (!st) return GR_ERR;
    val_t *v = sqlite3_step(st) == SQLITE_ROW ? version_value(r, t, st) : NULL;
    if (store_release(st) != SQLITE_OK || !v) return GR_ERR;
    return val_set_c(r->arena, out, "LaunchTemplateVersion", v);
}

int ec2_create_launch_template_version(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db || need_tpl(r, db, in, "create a version of", &t) != GR_OK ||
        check_data(r, val_get(in, "LaunchTemplateData")) != GR_OK)
        return GR_ERR;
    /* AWS: the same ClientToken answers the version it made */
    str_t token = val_get_str(in, "ClientToken");
    int64_t n = 0;
    if (token.p) {
        sqlite3_stmt *st = store_stmt(db, "SELECT version FROM launch_template_version WHERE account = ?1 AND "
                                          "region = ?2 AND template_id = ?3 AND client_token = ?4");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, t.id);
        store_bind_str(st, 4, token);
        n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (store_release(st) != SQLITE_OK) return GR_ERR;
    }
    if (n) return version_answer(r, db, &t, n, out);
    val_t *data = val_copy(a, val_get(in, "LaunchTemplateData"));
    if (!data) data = val_new(a, VAL_STRUCT);
    str_t src = val_get_str(in, "SourceVersion");
    if (src.p) {
        /* AWS: the new version is the source version's data with the
         * request's members on top */
        int64_t sv = version_of(&t, src);
        bool failed;
        val_t *base = sv ? version_data(db, a, r->who.account, r->region, &t, sv, &failed) : NULL;
        if (!base) return sv && failed ? GR_ERR : version_nf(r, &t, src);
        for (size_t i = 0; i < data->u.obj.n; i++) val_set(a, base, data->u.obj.e[i].key, data->u.obj.e[i].v);
        data = base;
    }
    if (t.made >= MAX_VERSIONS)
        return req_fail(r, &E_Limit, "You've reached the maximum number of versions for this launch template (%d).",
                        MAX_VERSIONS);
    n = t.made + 1;
    int64_t now = time_now_us();
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok =
        STORE_RUN(db, "UPDATE launch_template SET latest_version = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3",
                  arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, t.id), arena_lld(a, n)) &&
        version_add(r, db, t.id, n, val_get_str(in, "VersionDescription"), data, now, token);
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    t.latest = n;
    return version_answer(r, db, &t, n, out);
}

/* ==== Describe ==== */

int ec2_describe_launch_templates(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"create-time", "launch-template-name", "tag-key", "tag-value", NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "LaunchTemplateIds"),
                *names = val_get(in, "LaunchTemplateNames");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    tpl_t t;
    for (size_t i = 0; i < val_len(ids); i++) {
        int f = tpl_find(db, a, r->who.account, r->region, ids->u.list.v[i]->u.s, STR_NULL, &t);
        if (f < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!f)
            return req_fail(r, &E_IdNF, "The specified launch template, with template ID %.*s, does not exist.",
                            STR_FMT(ids->u.list.v[i]->u.s));
    }
    for (size_t i = 0; i < val_len(names); i++) {
        int f = tpl_find(db, a, r->who.account, r->region, STR_NULL, names->u.list.v[i]->u.s, &t);
        if (f < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!f)
            return req_fail(r, &E_NameNF,
                            "At least one of the launch templates specified in the request does not exist.");
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT " TPL_COLS
                                      " FROM launch_template WHERE account = ?1 AND region = ?2 ORDER BY created, id");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    size_t n;
    tpl_t *rows = tpl_rows(a, st, &n);
    if (!rows) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        if (!ec2__named(ids, rows[i].id) || !ec2__named(names, rows[i].name)) continue;
        val_t *v = tpl_value(r, db, &rows[i]);
        char when[40];
        time_fmt_iso8601(when, rows[i].created_us, true);
        ec2__fields_t f;
        ec2__fields_init(&f, a);
        ec2__field(&f, "launch-template-name", arena_cstr(a, rows[i].name));
        ec2__field(&f, "create-time", arena_strdup(a, when));
        ec2__field_tags(&f, val_get(v, "Tags"));
        if (ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    return ec2__page(r, in, out, "LaunchTemplates", list, 1);
}

/* Whether version v (a LaunchTemplateVersion) passes the filters. */
static bool version_passes(arena_t *a, const val_t *filters, const val_t *v)
{
    if (!val_len(filters)) return true;
    const val_t *d = val_get(v, "LaunchTemplateData");
    ec2__fields_t f;
    ec2__fields_init(&f, a);
    ec2__field(&f, "is-default-version", val_get_bool(v, "DefaultVersion", false) ? "true" : "false");
    ec2__field(&f, "image-id", arena_cstr(a, val_get_str(d, "ImageId")));
    ec2__field(&f, "instance-type", arena_cstr(a, val_get_str(d, "InstanceType")));
    ec2__field(&f, "kernel-id", arena_cstr(a, val_get_str(d, "KernelId")));
    ec2__field(&f, "ram-disk-id", arena_cstr(a, val_get_str(d, "RamDiskId")));
    if (val_get(d, "EbsOptimized"))
        ec2__field(&f, "ebs-optimized", val_get_bool(d, "EbsOptimized", false) ? "true" : "false");
    return ec2__filters_pass(filters, &f);
}

int ec2_describe_launch_template_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    /* AWS's filters on a version's own data (DescribeLaunchTemplateVersions);
     * the others it lists (network card, metadata options…) are not served */
    static const char *const known[] = {"is-default-version", "image-id", "instance-type", "kernel-id", "ram-disk-id",
                                        "ebs-optimized",      NULL};
    const val_t *filters = val_get(in, "Filters");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db) return GR_ERR;
    /* AWS lists a template's versions newest first (its
     * DescribeLaunchTemplateVersions example: 2, then 1). */
    /* AWS: without a template, the account's $Latest or $Default versions
     * across its templates (only those may then be asked) */
    bool one = val_get_str(in, "LaunchTemplateId").p || val_get_str(in, "LaunchTemplateName").p;
    if (one && need_tpl(r, db, in, "describe", &t) != GR_OK) return GR_ERR;
    const val_t *versions = val_get(in, "Versions");
    str_t minv = val_get_str(in, "MinVersion"), maxv = val_get_str(in, "MaxVersion");
    if (!one) {
        /* AWS (recorded): nothing asked is MissingParameter, a version
         * number InvalidParameterValue, both with this text. */
        if (!val_len(versions)) return req_fail(r, &ERR_MissingParameter, ALL_VERSIONS_TEXT);
        for (size_t i = 0; i < val_len(versions); i++) {
            str_t v = versions->u.list.v[i]->u.s;
            if (!str_eq_c(v, "$Latest") && !str_eq_c(v, "$Default"))
                return req_fail(r, &ERR_InvalidParameterValue, ALL_VERSIONS_TEXT);
        }
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT " TPL_COLS " FROM launch_template WHERE account = ?1 AND region = ?2 "
                                      "AND (?3 IS NULL OR id = ?3) "
                                      "ORDER BY created, id");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (one) store_bind_str(st, 3, t.id);
    size_t n;
    tpl_t *rows = tpl_rows(a, st, &n);
    if (!rows) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    for (size_t k = 0; k < n; k++) {
        const tpl_t *tp = &rows[k];
        /* the versions asked for, by number; none asked: all of them */
        int64_t *want = ARENA_NEWN(a, int64_t, val_len(versions) + 1);
        bool *seen = ARENA_NEWN(a, bool, val_len(versions) + 1);
        if (!want || !seen) return GR_ERR;
        size_t nw = 0;
        for (size_t i = 0; i < val_len(versions); i++) {
            str_t v = versions->u.list.v[i]->u.s;
            int64_t x = version_of(tp, v);
            if (!x) return version_nf(r, tp, v);
            want[nw++] = x;
        }
        long long lo = 0, hi = 0;
        if (minv.p && !str_to_i64(minv, &lo)) lo = version_of(tp, minv);
        if (maxv.p && !str_to_i64(maxv, &hi)) hi = version_of(tp, maxv);
        st = store_stmt(db, "SELECT version, description, data, created FROM launch_template_version WHERE account = "
                            "?1 AND region = ?2 AND template_id = ?3 ORDER BY version DESC");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, tp->id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t v = sqlite3_column_int64(st, 0);
            bool take = !nw;
            for (size_t i = 0; i < nw; i++)
                if (want[i] == v) take = true, seen[i] = true;
            if (!take || (lo && v < lo) || (hi && v > hi)) continue;
            val_t *x = version_value(r, tp, st);
            if (version_passes(a, filters, x)) val_push(a, list, x);
        }
        if (store_release(st) != SQLITE_OK) return GR_ERR;
        for (size_t i = 0; one && i < nw; i++)
            if (!seen[i]) return version_nf(r, tp, versions->u.list.v[i]->u.s);
    }
    return ec2__page(r, in, out, "LaunchTemplateVersions", list, 1);
}

/* ==== Modify and delete ==== */

int ec2_modify_launch_template(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db || need_tpl(r, db, in, "modify", &t) != GR_OK) return GR_ERR;
    str_t dv = val_get_str(in, "DefaultVersion");
    if (dv.p) {
        int64_t v = version_of(&t, dv);
        bool failed;
        if (!v || !version_data(db, a, r->who.account, r->region, &t, v, &failed))
            /* AWS (recorded): ModifyLaunchTemplate's own text */
            return v && failed ? GR_ERR
                               : req_fail(r, &E_VersionNF,
                                          "The launch template version %.*s is not found for the specified launch "
                                          "template.",
                                          STR_FMT(dv));
        if (!STORE_RUN(db,
                       "UPDATE launch_template SET default_version = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3",
                       arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, t.id), arena_lld(a, v)))
            return GR_ERR;
        t.def = v;
    }
    return val_set_c(a, out, "LaunchTemplate", tpl_value(r, db, &t));
}

int ec2_delete_launch_template(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db || need_tpl(r, db, in, "delete", &t) != GR_OK) return GR_ERR;
    val_t *v = tpl_value(r, db, &t);
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *id = arena_cstr(a, t.id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok =
        STORE_RUN(db, "DELETE FROM launch_template_version WHERE account = ?1 AND region = ?2 AND template_id = ?3",
                  acct, reg, id) &&
        STORE_RUN(db, "DELETE FROM launch_template WHERE account = ?1 AND region = ?2 AND id = ?3", acct, reg, id) &&
        ec2__tags_drop(r, db, t.id) == GR_OK;
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "LaunchTemplate", v);
}

int ec2_delete_launch_template_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db || need_tpl(r, db, in, "delete versions of", &t) != GR_OK) return GR_ERR;
    const val_t *versions = val_get(in, "Versions");
    val_t *done = val_new(a, VAL_LIST), *failed = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(versions); i++) {
        str_t asked = versions->u.list.v[i]->u.s;
        long long v = 0;
        bool is_num = str_to_i64(asked, &v) && v > 0;
        const char *code = NULL, *msg = NULL;
        bool gone = false;
        if (is_num && v == t.def) {
            /* AWS (recorded): the default version cannot be deleted */
            code = "launchTemplateVersionIsDefaultVersion";
            msg = "Cannot delete the default version of a launch template. Either set a new default version, or "
                  "delete the launch template.";
        } else if (is_num) {
            sqlite3_stmt *st = version_stmt(db,
                                            "DELETE FROM launch_template_version WHERE account = ?1 AND region = ?2 "
                                            "AND template_id = ?3 AND version = ?4",
                                            r->who.account, r->region, t.id, v);
            if (!st) return GR_ERR;
            sqlite3_step(st);
            gone = sqlite3_changes(db) > 0;
            if (store_release(st) != SQLITE_OK) return GR_ERR;
        }
        if (!code && !gone) {
            /* AWS (recorded) */
            code = "launchTemplateVersionDoesNotExist";
            msg = "The specified launch template version does not exist.";
        }
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "LaunchTemplateId", val_str(a, t.id));
        val_set_c(a, o, "LaunchTemplateName", val_str(a, t.name));
        val_set_c(a, o, "VersionNumber", val_int(a, is_num ? v : 0));
        if (code) {
            val_t *e = val_new(a, VAL_STRUCT);
            val_set_c(a, e, "Code", val_cstr(a, code));
            val_set_c(a, e, "Message", val_cstr(a, msg));
            val_set_c(a, o, "ResponseError", e);
        }
        val_push(a, code ? failed : done, o);
    }
    if (val_len(done)) val_set_c(a, out, "SuccessfullyDeletedLaunchTemplateVersions", done);
    if (val_len(failed)) val_set_c(a, out, "UnsuccessfullyDeletedLaunchTemplateVersions", failed);
    return GR_OK;
}

/* ==== RunInstances from a template ==== */

/* The template data's members that RunInstances spells differently. */
static str_t run_member(str_t key)
{
    if (str_eq_c(key, "RamDiskId")) return str_c("RamdiskId");
    if (str_eq_c(key, "ElasticGpuSpecifications")) return str_c("ElasticGpuSpecification");
    return key;
}

const val_t *ec2__template_merge(req_t *r, const val_t *in, const char **id, const char **version)
{
    arena_t *a = r->arena;
    const val_t *spec = val_get(in, "LaunchTemplate");
    *id = *version = NULL;
    if (!spec) return in;
    sqlite3 *db = ec2__ready(r);
    tpl_t t;
    if (!db || need_tpl(r, db, spec, "launch from", &t) != GR_OK) return NULL;
    str_t asked = val_get_str(spec, "Version");
    int64_t v = version_of(&t, asked);
    bool failed;
    val_t *data = v ? version_data(db, a, r->who.account, r->region, &t, v, &failed) : NULL;
    if (!data) {
        if (v && failed) return NULL;
        version_nf(r, &t, asked.p ? asked : STR("$Default"));
        return NULL;
    }
    /* The request's subnet and groups with the template's network
     * interface: they go onto its primary interface, as one launch takes
     * them (instance-level groups beside an interface are refused when one
     * request gives both; not on record how AWS combines the two sources).
     * The request's own interfaces leave out the template's subnet and
     * groups. */
    const val_t *tni = val_get(data, "NetworkInterfaces");
    bool req_ni = val_len(val_get(in, "NetworkInterfaces")) > 0, onto_ni = !req_ni && val_len(tni) > 0;
    val_t *m = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < in->u.obj.n; i++) {
        str_t k = in->u.obj.e[i].key;
        if (!onto_ni || (!str_eq_c(k, "SubnetId") && !str_eq_c(k, "SecurityGroupIds")))
            val_set(a, m, k, in->u.obj.e[i].v);
    }
    for (size_t i = 0; i < data->u.obj.n; i++) {
        str_t k = run_member(data->u.obj.e[i].key);
        const val_t *mine = val_get_s(m, k);
        if (req_ni && (str_eq_c(k, "SubnetId") || str_eq_c(k, "SecurityGroupIds") || str_eq_c(k, "SecurityGroups")))
            continue;
        if (str_eq_c(k, "TagSpecifications") && mine) {
            /* AWS: the tags of both are applied, the request's winning a key both give */
            val_t *both = val_new(a, VAL_LIST);
            for (size_t j = 0; j < val_len(data->u.obj.e[i].v); j++) val_push(a, both, data->u.obj.e[i].v->u.list.v[j]);
            for (size_t j = 0; j < val_len(mine); j++) val_push(a, both, mine->u.list.v[j]);
            val_set(a, m, k, both);
        } else if (!mine) {
            val_set(a, m, k, data->u.obj.e[i].v);
        }
    }
    if (onto_ni && (val_get_str(in, "SubnetId").p || val_len(val_get(in, "SecurityGroupIds")))) {
        val_t *nis = val_new(a, VAL_LIST), *first = val_copy(a, tni->u.list.v[0]);
        if (val_get_str(in, "SubnetId").p) val_set_c(a, first, "SubnetId", val_get(in, "SubnetId"));
        if (val_len(val_get(in, "SecurityGroupIds"))) val_set_c(a, first, "Groups", val_get(in, "SecurityGroupIds"));
        val_push(a, nis, first);
        for (size_t i = 1; i < val_len(tni); i++) val_push(a, nis, tni->u.list.v[i]);
        val_set_c(a, m, "NetworkInterfaces", nis);
    }
    *id = arena_cstr(a, t.id);
    *version = arena_lld(a, v);
    return m;
}

int ec2_template_resolve(struct app *app, str_t account, str_t region, str_t id, str_t name, str_t version, arena_t *a,
                         const char **id_out, const char **name_out, const char **version_out)
{
    sqlite3 *db = ec2__db(app);
    tpl_t t;
    int f = db ? tpl_find(db, a, account, region, id, name, &t) : -1;
    if (f <= 0) return f;
    int64_t v = version_of(&t, version);
    bool failed;
    if (!v || !version_data(db, a, account, region, &t, v, &failed)) return v && failed ? -1 : 0;
    *id_out = arena_cstr(a, t.id);
    *name_out = arena_cstr(a, t.name);
    *version_out = version.p ? arena_cstr(a, version) : "$Default";
    return 1;
}
