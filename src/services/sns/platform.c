/* platform.c — mobile push: platform applications (CreatePlatformApplication
 * and its Get/Set/List/Delete), their endpoints (CreatePlatformEndpoint,
 * Get/SetEndpointAttributes, DeleteEndpoint, ListEndpointsByPlatformApplication),
 * and the push outbox that Publish to an endpoint ARN and "application"
 * subscriptions write to.
 *
 * Request flow: dispatch → sns_<op> here; publish.c calls sns__push_* for a
 * TargetArn or a subscription. gureum reaches no push service (APNs, FCM,
 * ADM, ...): a push is committed to push_outbox before the Publish is
 * answered, as sms.c does for SMS, and shown by GET /_gureum/sns/push. Every
 * answer and message below is AWS's (LocalStack's recorded answers, and
 * moto's tests marked as checked against AWS). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "services/app.h"
#include "services/sns/sns_int.h"
#include "sns_model.h"

/* AWS: the Platform values of CreatePlatformApplication (API reference). */
static const char *const PLATFORMS[] = {"ADM",   "APNS", "APNS_SANDBOX", "APNS_VOIP",     "APNS_VOIP_SANDBOX",
                                        "BAIDU", "GCM",  "MACOS",        "MACOS_SANDBOX", "MPNS",
                                        "WNS"};

/* AWS: the attributes an endpoint has (SetEndpointAttributes reference). */
static bool endpoint_attr_name(str_t k)
{
    return str_eq_c(k, "CustomUserData") || str_eq_c(k, "Enabled") || str_eq_c(k, "Token");
}

/* ==== Platform applications ==== */

typedef struct {
    int64_t id;
    str_t arn, platform, name;
} app_row_t;

static int app_load(sqlite3 *db, arena_t *a, str_t arn, app_row_t *p)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT id, arn, platform, name FROM platform_app WHERE arn = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, arn);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        p->id = sqlite3_column_int64(st, 0);
        p->arn = store_col_str(a, st, 1);
        p->platform = store_col_str(a, st, 2);
        p->name = store_col_str(a, st, 3);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

/* Loads the application named by the request's PlatformApplicationArn, or
 * fails r with AWS's InvalidParameter / NotFound. */
static int app_or_fail(req_t *r, sqlite3 *db, app_row_t *p)
{
    str_t arn = val_get_str(r->in, "PlatformApplicationArn");
    if (sns__arn_or_fail(r, arn, "PlatformApplicationArn") != GR_OK) return GR_ERR;
    if (!db) return GR_ERR;
    if (app_load(db, r->arena, arn, p) != GR_OK)
        return req_fail(r, &SNS_ERR_NotFoundException, "PlatformApplication does not exist");
    return GR_OK;
}

/* Writes the application attributes of `attrs` (credentials to their own
 * columns, which no answer shows). */
static int app_put_attrs(sqlite3 *db, int64_t id, const val_t *attrs)
{
    for (size_t i = 0; attrs && i < val_len(attrs); i++) {
        str_t k = attrs->u.obj.e[i].key, v = attrs->u.obj.e[i].v->u.s;
        sqlite3_stmt *st;
        const char *sql = str_eq_c(k, "PlatformPrincipal")    ? "UPDATE platform_app SET principal = ?2 WHERE id = ?1"
                          : str_eq_c(k, "PlatformCredential") ? "UPDATE platform_app SET credential = ?2 WHERE id = ?1"
                                                              : "INSERT OR REPLACE INTO platform_app_attr "
                                                                "(app_id, name, value) VALUES (?1, ?3, ?2)";
        if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
        sqlite3_bind_int64(st, 1, id);
        sns__bind(st, 2, v);
        if (sqlite3_bind_parameter_count(st) == 3) sns__bind(st, 3, k);
        int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
        if (rc != GR_OK) return rc;
    }
    return GR_OK;
}

static val_t *app_attrs(sqlite3 *db, arena_t *a, int64_t id)
{
    val_t *m = val_new(a, VAL_MAP);
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, value FROM platform_app_attr WHERE app_id = ?1 ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return m;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) val_set(a, m, store_col_str(a, st, 0), val_str(a, store_col_str(a, st, 1)));
    store_release(st);
    return m;
}

static bool app_name_ok(str_t n)
{
    for (size_t i = 0; i < n.len; i++) {
        char c = n.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

int sns_create_platform_application(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "Name"), platform = val_get_str(in, "Platform");
    const val_t *attrs = val_get(in, "Attributes");
    const char *why = !name.len            ? "cannot be empty"
                      : name.len > 256     ? "must be at most 256 characters long"
                      : !app_name_ok(name) ? "must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"
                                           : NULL;
    if (why)
        return req_fail(r, &SNS_ERR_InvalidParameterException, "Invalid parameter: %.*s Reason: %s", STR_FMT(name),
                        why);
    bool known = false;
    for (size_t i = 0; i < sizeof PLATFORMS / sizeof PLATFORMS[0]; i++) known |= str_eq_c(platform, PLATFORMS[i]);
    if (!known)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Platform Reason: %.*s is not supported", STR_FMT(platform));
    bool principal = attrs && val_get(attrs, "PlatformPrincipal"),
         credential = attrs && val_get(attrs, "PlatformCredential");
    if (principal && !credential)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without "
                        "PlatformCredential");
    /* AWS: FCM (GCM) takes a credential alone; the other services need both. */
    if (credential && !principal && !str_eq_c(platform, "GCM"))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Attributes Reason: PlatformCredential attribute provided without "
                        "PlatformPrincipal");
    str_t arn = str_c(arena_printf(a, "arn:aws:sns:%.*s:%.*s:app/%.*s/%.*s", STR_FMT(r->region),
                                   STR_FMT(r->who.account), STR_FMT(platform), STR_FMT(name)));
    sqlite3 *db = sns__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_ERR;
    app_row_t p;
    if (app_load(db, a, arn, &p) != GR_OK) {
        /* AWS: a new application is enabled. */
        sqlite3_stmt *st;
        if (store_prepare(db,
                          "INSERT INTO platform_app (account, region, platform, name, arn, created_ms) VALUES (?1, "
                          "?2, ?3, ?4, ?5, ?6)",
                          -1, &st, NULL) != SQLITE_OK)
            goto done;
        sns__bind(st, 1, r->who.account);
        sns__bind(st, 2, r->region);
        sns__bind(st, 3, platform);
        sns__bind(st, 4, name);
        sns__bind(st, 5, arn);
        sqlite3_bind_int64(st, 6, sns__now_ms());
        int step = sqlite3_step(st);
        store_release(st);
        if (step != SQLITE_DONE) goto done;
        p.id = sqlite3_last_insert_rowid(db);
        val_t *on = val_new(a, VAL_MAP);
        val_set_c(a, on, "Enabled", val_cstr(a, "true"));
        if (app_put_attrs(db, p.id, on) != GR_OK) goto done;
    }
    /* Creating it again updates the attributes given and keeps its endpoints. */
    rc = app_put_attrs(db, p.id, attrs);
done:
    rc = sns__end(db, rc);
    if (rc != GR_OK) return rc;
    val_set_c(a, out, "PlatformApplicationArn", val_str(a, arn));
    return GR_OK;
}

int sns_get_platform_application_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    app_row_t p;
    if (app_or_fail(r, db, &p) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Attributes", app_attrs(db, r->arena, p.id));
    return GR_OK;
}

int sns_set_platform_application_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    app_row_t p;
    if (app_or_fail(r, db, &p) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = app_put_attrs(db, p.id, val_get(in, "Attributes"));
    return sns__end(db, rc);
}

/* Unlike ListTopics, these lists take any NextToken: one that is no id
 * starts at the beginning. */
static int64_t page_after(const val_t *in)
{
    long long after = 0;
    str_t tok = val_get_str(in, "NextToken");
    if (tok.len) str_to_i64(tok, &after);
    return after;
}

static void app_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    val_t *e = val_new(a, VAL_STRUCT);
    val_set_c(a, e, "PlatformApplicationArn", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, e, "Attributes", app_attrs(db, a, sqlite3_column_int64(st, 0)));
    val_push(a, list, e);
}

int sns_list_platform_applications(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT id, arn FROM platform_app WHERE account = ?1 AND region = ?2 AND id > ?3 "
                             "ORDER BY id LIMIT 101",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sqlite3_bind_int64(st, 3, page_after(in));
    sns__page(r->arena, db, st, SNS_PAGE, out, "PlatformApplications", "NextToken", app_entry);
    return GR_OK;
}

int sns_delete_platform_application(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "PlatformApplicationArn");
    if (sns__arn_or_fail(r, arn, "PlatformApplicationArn") != GR_OK) return GR_ERR;
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    app_row_t p;
    /* AWS: deleting an application that is not there succeeds; its
     * endpoints go with it (GetEndpointAttributes then answers NotFound). */
    if (app_load(db, r->arena, arn, &p) != GR_OK) return GR_OK;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    static const char *const SQL[] = {"DELETE FROM platform_endpoint WHERE app_id = ?1",
                                      "DELETE FROM platform_app_attr WHERE app_id = ?1",
                                      "DELETE FROM platform_app WHERE id = ?1"};
    return sns__end(db, sns__exec_each(db, SQL, sizeof SQL / sizeof SQL[0], p.id));
}

/* ==== Endpoints ==== */

#define EP_COLS "e.id, e.arn, e.token, e.enabled, e.custom_data, a.platform, a.account, a.region"

static void ep_row(arena_t *a, sqlite3_stmt *st, sns_endpoint_t *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->arn = store_col_str(a, st, 1);
    e->token = store_col_str(a, st, 2);
    e->enabled = str_eq_c(store_col_str(a, st, 3), "true");
    e->enabled_text = store_col_str(a, st, 3);
    e->custom_data = sqlite3_column_type(st, 4) == SQLITE_NULL ? STR_NULL : store_col_str(a, st, 4);
    e->platform = store_col_str(a, st, 5);
    e->account = store_col_str(a, st, 6);
    e->region = store_col_str(a, st, 7);
}

int sns__endpoint_load(sqlite3 *db, arena_t *a, str_t arn, sns_endpoint_t *e)
{
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT " EP_COLS " FROM platform_endpoint e JOIN platform_app a ON a.id = e.app_id "
                             "WHERE e.arn = ?1",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, arn);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        ep_row(a, st, e);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

static val_t *ep_attrs(arena_t *a, const sns_endpoint_t *e)
{
    val_t *m = val_new(a, VAL_MAP);
    if (e->custom_data.p) val_set_c(a, m, "CustomUserData", val_str(a, e->custom_data));
    val_set_c(a, m, "Enabled", val_str(a, e->enabled_text));
    val_set_c(a, m, "Token", val_str(a, e->token));
    return m;
}

/* AWS: only CustomUserData, Enabled and Token, user data up to 2048 bytes. */
static int check_ep_attrs(req_t *r, const val_t *attrs)
{
    for (size_t i = 0; attrs && i < val_len(attrs); i++)
        if (!endpoint_attr_name(attrs->u.obj.e[i].key))
            return req_fail(r, &SNS_ERR_InvalidParameterException,
                            "Invalid parameter: Attributes Reason: Invalid attribute name: %.*s",
                            STR_FMT(attrs->u.obj.e[i].key));
    if (attrs && val_get_str(attrs, "CustomUserData").len > 2048)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be "
                        "at most 2048 bytes long in UTF-8 encoding");
    return GR_OK;
}

int sns_create_platform_endpoint(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sns__db(r->app);
    app_row_t p;
    if (app_or_fail(r, db, &p) != GR_OK) return GR_ERR;
    const val_t *attrs = val_get(in, "Attributes");
    if (check_ep_attrs(r, attrs) != GR_OK) return GR_ERR;
    str_t token = val_get_str(in, "Token");
    /* AWS: CustomUserData may come both ways; the attribute wins. */
    str_t data = attrs && val_get(attrs, "CustomUserData") ? val_get_str(attrs, "CustomUserData")
                                                           : val_get_str(in, "CustomUserData");
    if (data.len > 2048)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: CustomUserData Reason: must be at most 2048 bytes long in UTF-8 encoding");
    str_t enabled = attrs && val_get(attrs, "Enabled") ? val_get_str(attrs, "Enabled") : STR("true");
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_ERR;
    str_t arn = STR_NULL;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT " EP_COLS " FROM platform_endpoint e JOIN platform_app a ON a.id = e.app_id "
                      "WHERE e.app_id = ?1 AND e.token = ?2",
                      -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_int64(st, 1, p.id);
    sns__bind(st, 2, token);
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* AWS: idempotent for the same token and attributes; the same token
         * with other attributes is refused. */
        sns_endpoint_t e;
        ep_row(a, st, &e);
        store_release(st);
        bool same = str_eq(e.enabled_text, enabled) && (e.custom_data.p != NULL) == (data.len > 0) &&
                    str_eq(e.custom_data.p ? e.custom_data : STR(""), data);
        if (!same) {
            rc = req_fail(r, &SNS_ERR_InvalidParameterException,
                          "Invalid parameter: Token Reason: Endpoint %.*s already exists with the same Token, but "
                          "different attributes.",
                          STR_FMT(e.arn));
            goto done;
        }
        arn = e.arn;
        rc = GR_OK;
        goto done;
    }
    store_release(st);
    char uuid[37];
    id_uuid(uuid);
    arn = str_c(arena_printf(a, "arn:aws:sns:%.*s:%.*s:endpoint/%.*s/%.*s/%s", STR_FMT(r->region),
                             STR_FMT(r->who.account), STR_FMT(p.platform), STR_FMT(p.name), uuid));
    if (store_prepare(db,
                      "INSERT INTO platform_endpoint (app_id, arn, token, enabled, custom_data, created_ms) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6)",
                      -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_int64(st, 1, p.id);
    sns__bind(st, 2, arn);
    sns__bind(st, 3, token);
    sns__bind(st, 4, enabled);
    sns__bind_opt(st, 5, data);
    sqlite3_bind_int64(st, 6, sns__now_ms());
    rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
done:
    rc = sns__end(db, rc);
    if (rc != GR_OK) return rc;
    val_set_c(a, out, "EndpointArn", val_str(a, arn));
    return GR_OK;
}

/* Loads the request's EndpointArn, or fails r as AWS does. */
static int endpoint_or_fail(req_t *r, sqlite3 *db, sns_endpoint_t *e)
{
    str_t arn = val_get_str(r->in, "EndpointArn");
    /* AWS: "endpoint/PLATFORM/APP/ID" after the account. */
    str_t rel = arn;
    for (int k = 0; k < 5 && rel.len; k++) {
        long c = str_index(rel, ':');
        rel = c < 0 ? STR("") : str_sub(rel, (size_t)c + 1, rel.len - (size_t)c - 1);
    }
    size_t slashes = 0;
    for (size_t i = 0; i < rel.len; i++) slashes += rel.p[i] == '/';
    if (sns__arn_or_fail(r, arn, "EndpointArn") != GR_OK) return GR_ERR;
    if (slashes != 3)
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: EndpointArn Reason: Wrong number of slashes in relative portion of the "
                        "ARN.");
    if (!db) return GR_ERR;
    if (sns__endpoint_load(db, r->arena, arn, e) != GR_OK)
        return req_fail(r, &SNS_ERR_NotFoundException, "Endpoint does not exist");
    return GR_OK;
}

int sns_get_endpoint_attributes(req_t *r, const val_t *in, val_t *out)
{
    sns_endpoint_t e;
    if (endpoint_or_fail(r, sns__db(r->app), &e) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Attributes", ep_attrs(r->arena, &e));
    return GR_OK;
}

int sns_set_endpoint_attributes(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sns_endpoint_t e;
    if (endpoint_or_fail(r, db, &e) != GR_OK) return GR_ERR;
    const val_t *attrs = val_get(in, "Attributes");
    if (check_ep_attrs(r, attrs) != GR_OK) return GR_ERR;
    static const char *const COL[][2] = {{"CustomUserData", "custom_data"}, {"Enabled", "enabled"}, {"Token", "token"}};
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_OK;
    for (size_t i = 0; rc == GR_OK && i < sizeof COL / sizeof COL[0]; i++) {
        const val_t *v = attrs ? val_get(attrs, COL[i][0]) : NULL;
        if (!v) continue;
        sqlite3_stmt *st;
        if (store_prepare(db, arena_printf(r->arena, "UPDATE platform_endpoint SET %s = ?2 WHERE id = ?1", COL[i][1]),
                          -1, &st, NULL) != SQLITE_OK) {
            rc = GR_ERR;
            break;
        }
        sqlite3_bind_int64(st, 1, e.id);
        sns__bind(st, 2, v->u.s);
        if (sqlite3_step(st) != SQLITE_DONE) rc = GR_ERR;
        store_release(st);
    }
    return sns__end(db, rc);
}

int sns_delete_endpoint(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    sqlite3_stmt *st;
    /* AWS: idempotent; subscriptions of the endpoint stay until unsubscribed. */
    if (!db || store_prepare(db, "DELETE FROM platform_endpoint WHERE arn = ?1", -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, val_get_str(in, "EndpointArn"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static void endpoint_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    sns_endpoint_t e;
    ep_row(a, st, &e);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "EndpointArn", val_str(a, e.arn));
    val_set_c(a, v, "Attributes", ep_attrs(a, &e));
    val_push(a, list, v);
}

int sns_list_endpoints_by_platform_application(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    app_row_t p;
    if (app_or_fail(r, db, &p) != GR_OK) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT " EP_COLS " FROM platform_endpoint e JOIN platform_app a ON a.id = e.app_id "
                      "WHERE e.app_id = ?1 AND e.id > ?2 ORDER BY e.id LIMIT 101",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 1, p.id);
    sqlite3_bind_int64(st, 2, page_after(in));
    sns__page(r->arena, db, st, SNS_PAGE, out, "Endpoints", "NextToken", endpoint_entry);
    return GR_OK;
}

/* ==== The push outbox ==== */

int sns__push_send(sqlite3 *db, const sns_endpoint_t *e, str_t message, str_t msg_id, str_t topic_arn)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO push_outbox (account, region, endpoint_arn, platform, token, message, msg_id, "
                      "topic_arn, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, e->account);
    sns__bind(st, 2, e->region);
    sns__bind(st, 3, e->arn);
    sns__bind(st, 4, e->platform);
    sns__bind(st, 5, e->token);
    sns__bind(st, 6, message);
    sns__bind(st, 7, msg_id);
    sns__bind_opt(st, 8, topic_arn);
    sqlite3_bind_int64(st, 9, sns__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}
