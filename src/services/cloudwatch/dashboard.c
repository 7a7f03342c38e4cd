/* dashboard.c — CloudWatch dashboards (PutDashboard, GetDashboard,
 * ListDashboards, DeleteDashboards) and the tags of any CloudWatch resource
 * by ARN (TagResource, UntagResource, ListTagsForResource; alarm.c names
 * its alarms' ARNs here too).
 *
 * A dashboard belongs to the account, not a region: its ARN is
 * arn:aws:cloudwatch::ACCOUNT:dashboard/NAME. Its body is kept as sent once
 * it is a JSON object whose widgets AWS's schema would accept in outline
 * (widgets an array of objects with a type and properties). Tags live in
 * one table keyed by ARN, so alarms share it. */
#include <string.h>

#include "cloudwatch_model.h"
#include "core/json.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/cloudwatch/cloudwatch.h"
#include "services/page.h"

#define E_INPUT (&CLOUDWATCH_ERR_DashboardInvalidInputError)
#define E_VALUE (&CLOUDWATCH_ERR_InvalidParameterValueException)
#define E_NOTFOUND (&CLOUDWATCH_ERR_DashboardNotFoundError)
#define E_NORES (&CLOUDWATCH_ERR_ResourceNotFoundException)

static const char *dashboard_arn(arena_t *a, str_t account, str_t name)
{
    return arena_printf(a, "arn:aws:cloudwatch::%.*s:dashboard/%.*s", STR_FMT(account), STR_FMT(name));
}

/* AWS: "The name of the dashboard. ... can contain only alphanumerics, dash
 * (-), and underscore (_)", at most 255 characters. */
static bool name_ok(str_t n)
{
    if (!n.len || n.len > 255) return false;
    for (size_t i = 0; i < n.len; i++) {
        char c = n.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* ==== Body validation ==== */

typedef struct {
    arena_t *a;
    buf_t text; /* the failures as AWS lists them in its message */
    size_t n;
} problems_t;

static void problem(problems_t *p, const char *path, const char *msg)
{
    buf_puts(&p->text, p->n ? ",\n" : "[\n");
    buf_puts(&p->text, "  {\n    \"dataPath\": ");
    json_write_string(&p->text, str_c(path));
    buf_puts(&p->text, ",\n    \"message\": ");
    json_write_string(&p->text, str_c(msg));
    buf_puts(&p->text, "\n  }");
    p->n++;
}

/* AWS (CloudWatch API Reference, "Dashboard Body Structure and Syntax"):
 * widgets is required, an array; each widget needs type and properties
 * (type one of metric, text, log, alarm, explorer, custom). The messages are
 * the JSON-schema ones AWS answers with ("Should have required property
 * 'widgets'"). */
static void check_body(problems_t *p, const json_t *body)
{
    const json_t *widgets = json_get(body, "widgets");
    if (!widgets) {
        problem(p, "", "Should have required property 'widgets'");
        return;
    }
    if (widgets->type != JSON_ARRAY) {
        problem(p, "/widgets", "Should be array");
        return;
    }
    static const char *const types[] = {"metric", "text", "log", "alarm", "explorer", "custom"};
    for (size_t i = 0; i < widgets->u.arr.n; i++) {
        const json_t *wd = widgets->u.arr.v[i];
        const char *path = arena_printf(p->a, "/widgets/%zu", i);
        if (wd->type != JSON_OBJECT) {
            problem(p, path, "Should be object");
            continue;
        }
        const json_t *type = json_get(wd, "type");
        if (!type)
            problem(p, path, "Should have required property 'type'");
        else {
            bool known = false;
            for (size_t k = 0; type->type == JSON_STRING && k < sizeof types / sizeof types[0]; k++)
                known |= str_eq_c(type->u.s, types[k]);
            if (!known) problem(p, arena_printf(p->a, "%s/type", path), "Should be equal to one of the allowed values");
        }
        const json_t *props = json_get(wd, "properties");
        if (!props)
            problem(p, path, "Should have required property 'properties'");
        else if (props->type != JSON_OBJECT)
            problem(p, arena_printf(p->a, "%s/properties", path), "Should be object");
    }
}

int cloudwatch_put_dashboard(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "DashboardName"), body = val_get_str(in, "DashboardBody");
    if (!name_ok(name))
        return req_fail(r, E_INPUT,
                        "The value for field DashboardName contains invalid characters. It can only contain "
                        "alphanumerics, dash (-) and underscore (_).");
    const json_t *doc = json_parse(a, body, NULL);
    /* AWS (as clients record it) */
    if (!doc || doc->type != JSON_OBJECT)
        return req_fail(r, E_INPUT, "The field DashboardBody must be a valid JSON object");
    problems_t p = {a, {0}, 0};
    buf_init(&p.text, a);
    check_body(&p, doc);
    if (p.n) {
        buf_puts(&p.text, "\n]");
        str_t t = buf_str(&p.text);
        return req_fail(r, E_INPUT, "The dashboard body is invalid, there are %zu validation errors:\n%.*s", p.n,
                        STR_FMT(t));
    }
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (cw__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO dashboard (account, name, body, modified_ms) "
                                      "VALUES (?1, ?2, ?3, ?4)");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, name);
        store_bind_str(st, 3, body);
        sqlite3_bind_int64(st, 4, cw__now_ms());
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    const val_t *tags = val_get(in, "Tags");
    if (ok && val_len(tags)) ok = cw__tags_put(db, str_c(dashboard_arn(a, r->who.account, name)), tags) == GR_OK;
    if (cw__end(db, ok) != GR_OK) return GR_ERR;
    val_set_c(a, out, "DashboardValidationMessages", val_new(a, VAL_LIST));
    return GR_OK;
}

int cloudwatch_get_dashboard(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "DashboardName");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT body FROM dashboard WHERE account = ?1 AND name = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, name);
    int rc = sqlite3_step(st);
    str_t body = rc == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: ResourceNotFound "Dashboard does not exist" */
    if (!body.p) return req_fail(r, E_NOTFOUND, "Dashboard does not exist");
    val_set_c(a, out, "DashboardArn", val_cstr(a, dashboard_arn(a, r->who.account, name)));
    val_set_c(a, out, "DashboardBody", val_str(a, body));
    val_set_c(a, out, "DashboardName", val_str(a, name));
    return GR_OK;
}

static val_t *entry_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *e = val_new(a, VAL_STRUCT);
    str_t name = store_col_str(a, st, 0);
    val_set_c(a, e, "DashboardName", val_str(a, name));
    val_set_c(a, e, "DashboardArn", val_cstr(a, dashboard_arn(a, r->who.account, name)));
    val_set_c(a, e, "LastModified", val_time(a, sqlite3_column_int64(st, 1) * 1000));
    val_set_c(a, e, "Size", val_int(a, sqlite3_column_int64(st, 2)));
    return e;
}

int cloudwatch_list_dashboards(req_t *r, const val_t *in, val_t *out)
{
    /* AWS: "ListDashboards returns up to 1000 results on one page." */
    enum { PAGE = 1000 };
    long long off = 0;
    str_t tok = val_get_str(in, "NextToken");
    if (tok.p && (!str_to_i64(tok, &off) || off < 0))
        return req_fail(r, E_VALUE, "The value for parameter NextToken is invalid.");
    str_t prefix = val_get_str(in, "DashboardNamePrefix");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT name, modified_ms, length(CAST(body AS BLOB)) FROM dashboard "
                                      "WHERE account = ?1 AND substr(name, 1, length(?2)) = ?2 ORDER BY name "
                                      "LIMIT ?3 OFFSET ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, prefix.p ? prefix : str_c(""));
    sqlite3_bind_int64(st, 3, PAGE + 1);
    sqlite3_bind_int64(st, 4, off);
    int64_t n = page_rows(r, st, PAGE, out, "DashboardEntries", entry_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "NextToken", n, PAGE, off);
    return GR_OK;
}

int cloudwatch_delete_dashboards(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    const val_t *names = val_get(in, "DashboardNames");
    app_t *app = r->app;
    /* Authorized per dashboard (the op table cannot name a list). */
    for (size_t i = 0; i < val_len(names); i++) {
        str_t arn = str_c(dashboard_arn(a, r->who.account, names->u.list.v[i]->u.s));
        if (authz_check_resource(r, app->authz, str_c("cloudwatch:DeleteDashboards"), arn, r->who.account, NULL) !=
            GR_OK)
            return GR_ERR;
    }
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (cw__begin(db) != GR_OK) return GR_ERR;
    bool ok = true, missing = false;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM dashboard WHERE account = ?1 AND name = ?2");
    ok = st != NULL;
    for (size_t i = 0; ok && !missing && i < val_len(names); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, names->u.list.v[i]->u.s);
        ok = sqlite3_step(st) == SQLITE_DONE;
        missing = ok && sqlite3_changes(db) == 0;
        if (ok && !missing)
            ok = cw__tags_drop(db, str_c(dashboard_arn(a, r->who.account, names->u.list.v[i]->u.s))) == GR_OK;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    /* AWS: all or nothing — one missing dashboard deletes none. */
    if (cw__end(db, ok && !missing) != GR_OK) {
        if (missing && ok) return req_fail(r, E_NOTFOUND, "Dashboard does not exist");
        return GR_ERR;
    }
    return GR_OK;
}

/* ==== Tags ==== */

int cw__tags_put(sqlite3 *db, str_t arn, const val_t *tags)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO tag (arn, key, value) VALUES (?1, ?2, ?3)");
    if (!st) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, val_get_str(tags->u.list.v[i], "Key"));
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        store_bind_str(st, 3, v.p ? v : str_c(""));
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

int cw__tags_drop(sqlite3 *db, str_t arn)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    int rc = sqlite3_step(st);
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int cw_tags_put(struct app *app, const char *arn, const struct val *tags)
{
    sqlite3 *db = cw__db(app);
    if (!db || cw__begin(db) != GR_OK) return GR_ERR;
    return cw__end(db, cw__tags_put(db, str_c(arn), tags) == GR_OK);
}

int cw_tags_drop(struct app *app, const char *arn)
{
    sqlite3 *db = cw__db(app);
    return db ? cw__tags_drop(db, str_c(arn)) : GR_ERR;
}

/* The resource an ARN names, if it exists in the caller's account: GR_OK,
 * or r failed with ResourceNotFoundException: a dashboard, or an alarm
 * (alarm.c). */
static int resource_or_fail(req_t *r, sqlite3 *db, str_t arn)
{
    str_t prefix = str_c(arena_printf(r->arena, "arn:aws:cloudwatch::%.*s:dashboard/", STR_FMT(r->who.account)));
    bool found = false;
    if (str_starts_with(arn, prefix)) {
        sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM dashboard WHERE account = ?1 AND name = ?2");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, str_sub(arn, prefix.len, arn.len - prefix.len));
        found = sqlite3_step(st) == SQLITE_ROW;
        if (store_release(st) != SQLITE_OK) return GR_ERR;
    }
    if (!found) {
        int alarm = cw__alarm_exists(r, db, arn);
        if (alarm < 0) return GR_ERR;
        found = alarm;
    }
    /* AWS: ResourceNotFoundException (its members ResourceType and
     * ResourceId); the message is not on record. */
    if (!found) return req_fail(r, E_NORES, "The resource %.*s does not exist.", STR_FMT(arn));
    return GR_OK;
}

int cloudwatch_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t arn = val_get_str(in, "ResourceARN");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    if (cw__begin(db) != GR_OK) return GR_ERR;
    return cw__end(db, cw__tags_put(db, arn, val_get(in, "Tags")) == GR_OK);
}

int cloudwatch_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t arn = val_get_str(in, "ResourceARN");
    const val_t *keys = val_get(in, "TagKeys");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    if (cw__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM tag WHERE arn = ?1 AND key = ?2");
    bool ok = st != NULL;
    for (size_t i = 0; ok && i < val_len(keys); i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st) ok = store_release(st) == SQLITE_OK && ok;
    return cw__end(db, ok);
}

int cw__tags_list(req_t *r, sqlite3 *db, str_t arn, val_t **tags)
{
    arena_t *a = r->arena;
    *tags = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM tag WHERE arn = ?1 ORDER BY key");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, *tags, t);
    }
    return store_release(st) == SQLITE_OK && rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int cloudwatch_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "ResourceARN");
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    if (resource_or_fail(r, db, arn) != GR_OK) return GR_ERR;
    val_t *tags;
    if (cw__tags_list(r, db, arn, &tags) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Tags", tags);
    return GR_OK;
}

/* The registry's resource_tags hook: a CloudWatch resource's tags by ARN,
 * for aws:ResourceTag. */
int cloudwatch_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    *tags = NULL;
    sqlite3 *db = cw__db(r->app);
    if (!db) return GR_ERR;
    val_t *l;
    if (cw__tags_list(r, db, resource, &l) != GR_OK) return GR_ERR;
    if (val_len(l)) *tags = l;
    return GR_OK;
}
