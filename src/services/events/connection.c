/* connection.c — EventBridge connections and API destinations: Create/
 * Describe/Update/Delete/ListConnections, DeauthorizeConnection, and
 * Create/Describe/Update/Delete/ListApiDestinations. A connection holds the
 * authorization (BASIC, API_KEY, OAUTH_CLIENT_CREDENTIALS) and the extra
 * HTTP parameters for an HTTP target; an API destination is an endpoint, a
 * method and a rate limit reached through a connection. Invoking one is
 * invoke.c's work (rules' targets, put.c).
 *
 * Secrets: AWS keeps a connection's AuthParameters in a Secrets Manager
 * secret it manages (SecretArn, "events!connection/NAME/UUID-XXXXXX").
 * gureum serves no Secrets Manager, so the parameters, secrets included,
 * are kept in the connection's row and SecretArn is an ARN of AWS's form
 * that names them; no answer ever carries a secret (passwords, API key
 * values, client secrets, parameters marked IsValueSecret). */
#define _GNU_SOURCE /* memmem */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "core/json.h"
#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/page.h"

/* ==== AuthParameters ==== */

static bool endpoint_valid(str_t ep, bool query_ok);

static const char *const AUTH_MEMBERS[] = {"BasicAuthParameters", "ApiKeyAuthParameters", "OAuthParameters"};
static const char *const AUTH_TYPES[] = {"BASIC", "API_KEY", "OAUTH_CLIENT_CREDENTIALS"};

static const char *auth_member(str_t type)
{
    for (size_t i = 0; i < 3; i++)
        if (str_eq_c(type, AUTH_TYPES[i])) return AUTH_MEMBERS[i];
    return NULL;
}

/* A copy of v without secrets: the members that are secrets by definition,
 * and the Value of a parameter marked IsValueSecret. */
static val_t *public_copy(arena_t *a, const val_t *v)
{
    if (v->kind == VAL_LIST) {
        val_t *l = val_new(a, VAL_LIST);
        for (size_t i = 0; i < v->u.list.n; i++) val_push(a, l, public_copy(a, v->u.list.v[i]));
        return l;
    }
    if (v->kind != VAL_STRUCT && v->kind != VAL_MAP) return (val_t *)v;
    bool secret_value = val_get_bool(v, "IsValueSecret", false);
    val_t *o = val_new(a, v->kind);
    for (size_t i = 0; i < v->u.obj.n; i++) {
        str_t k = v->u.obj.e[i].key;
        if (str_eq_c(k, "Password") || str_eq_c(k, "ApiKeyValue") || str_eq_c(k, "ClientSecret") ||
            (secret_value && str_eq_c(k, "Value")))
            continue;
        val_set(a, o, k, public_copy(a, v->u.obj.e[i].v));
    }
    return o;
}

/* UpdateConnection: members given replace those kept, structures member by
 * member (a new Password keeps the Username), lists whole. */
static void merge(arena_t *a, val_t *dst, const val_t *src)
{
    for (size_t i = 0; i < src->u.obj.n; i++) {
        str_t k = src->u.obj.e[i].key;
        const val_t *s = src->u.obj.e[i].v;
        val_t *d = val_get_s(dst, k);
        if (d && d->kind == VAL_STRUCT && s->kind == VAL_STRUCT)
            merge(a, d, s);
        else
            val_set(a, dst, k, (val_t *)s);
    }
}

/* Only the parameters of type (and InvocationHttpParameters) stay. */
static val_t *for_type(arena_t *a, const val_t *auth, str_t type)
{
    const char *keep = auth_member(type);
    val_t *o = val_new(a, VAL_STRUCT);
    for (size_t i = 0; auth && i < auth->u.obj.n; i++) {
        str_t k = auth->u.obj.e[i].key;
        bool other = false;
        for (size_t t = 0; t < 3; t++) other |= str_eq_c(k, AUTH_MEMBERS[t]) && strcmp(AUTH_MEMBERS[t], keep) != 0;
        if (!other) val_set(a, o, k, auth->u.obj.e[i].v);
    }
    return o;
}

/* AWS: the AuthParameters member of the connection's type must be there,
 * with its required members (the model requires them within the member). */
static int auth_check_or_fail(req_t *r, const char *verb, str_t type, const val_t *auth)
{
    const char *m = auth_member(type);
    const val_t *p = m ? val_get(auth, m) : NULL;
    if (!p)
        return req_fail(r, &ERR_ValidationException,
                        "Failed to %s the connection(s). Parameter AuthParameters is not valid. Reason: %s is "
                        "required for AuthorizationType %.*s.",
                        verb, m ? m : "AuthParameters", STR_FMT(type));
    if (str_eq_c(type, "OAUTH_CLIENT_CREDENTIALS")) {
        str_t ep = val_get_str(p, "AuthorizationEndpoint");
        if (!endpoint_valid(ep, true))
            return req_fail(r, &ERR_ValidationException,
                            "Failed to %s the connection(s). Parameter AuthorizationEndpoint is not valid. Reason: "
                            "Endpoint '%.*s' is invalid, please provide a valid HTTPS endpoint URL.",
                            verb, STR_FMT(ep));
    }
    return GR_OK;
}

/* ==== Rows ==== */

static const char CONN_COLS[] = "name, arn, secret_arn, description, auth_type, auth, state, state_reason, created_ms, "
                                "modified_ms, authorized_ms, token, token_exp_ms, account, region, kms_key";

static void conn_from_row(arena_t *a, sqlite3_stmt *st, events_conn_t *c)
{
    c->name = store_col_str(a, st, 0);
    c->arn = store_col_str(a, st, 1);
    c->secret_arn = store_col_str(a, st, 2);
    c->description = store_col_str(a, st, 3);
    c->auth_type = store_col_str(a, st, 4);
    c->auth = store_col_str(a, st, 5);
    c->state = store_col_str(a, st, 6);
    c->state_reason = store_col_str(a, st, 7);
    c->created_ms = sqlite3_column_int64(st, 8);
    c->modified_ms = sqlite3_column_int64(st, 9);
    c->authorized_ms = sqlite3_column_int64(st, 10);
    c->token = store_col_str(a, st, 11);
    c->token_exp_ms = sqlite3_column_int64(st, 12);
    c->account = store_col_str(a, st, 13);
    c->region = store_col_str(a, st, 14);
    c->kms_key = store_col_str(a, st, 15);
}

typedef void (*row_fn)(arena_t *a, sqlite3_stmt *st, void *out);

/* One row of table (cols, decoded by fn into out): by (account, region,
 * name) when arn is STR_NULL, else by ARN. GR_ERR when there is none. */
static int load_row(sqlite3 *db, arena_t *a, const char *table, const char *cols, str_t account, str_t region,
                    str_t name, str_t arn, row_fn fn, void *out)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", cols, table,
             arn.p ? "arn = ?4" : "account = ?1 AND region = ?2 AND name = ?3");
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    if (arn.p)
        store_bind_str(st, 4, arn);
    else {
        store_bind_str(st, 1, account);
        store_bind_str(st, 2, region);
        store_bind_str(st, 3, name);
    }
    int rc = sqlite3_step(st) == SQLITE_ROW ? GR_OK : GR_ERR;
    if (rc == GR_OK) fn(a, st, out);
    store_release(st);
    return rc;
}

static void conn_row(arena_t *a, sqlite3_stmt *st, void *out)
{
    conn_from_row(a, st, out);
}

static int conn_load(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, str_t arn, events_conn_t *c)
{
    return load_row(db, a, "connection", CONN_COLS, account, region, name, arn, conn_row, c);
}

int events__conn_load(sqlite3 *db, arena_t *a, str_t arn, events_conn_t *c)
{
    return conn_load(db, a, STR_NULL, STR_NULL, STR_NULL, arn, c);
}

void events__conn_authorized(sqlite3 *db, str_t arn, bool ok, str_t reason, str_t token, int64_t exp_ms)
{
    const char *sql =
        !ok ? "UPDATE connection SET state = 'DEAUTHORIZED', state_reason = ?5, token = NULL, token_exp_ms = NULL "
              "WHERE arn = ?1 AND state <> 'DEAUTHORIZED'"
        : token.p ? "UPDATE connection SET state = 'AUTHORIZED', state_reason = NULL, authorized_ms = ?2, token = ?3, "
                    "token_exp_ms = ?4 WHERE arn = ?1"
                  : "UPDATE connection SET token = NULL, token_exp_ms = NULL WHERE arn = ?1";
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return;
    store_bind_str(st, 1, arn);
    if (ok && token.p) {
        sqlite3_bind_int64(st, 2, events__now_ms());
        store_bind_str(st, 3, token);
        sqlite3_bind_int64(st, 4, exp_ms);
    } else if (!ok)
        store_bind_str(st, 5, reason);
    sqlite3_step(st);
    store_release(st);
}

static int conn_or_fail(req_t *r, sqlite3 *db, const char *verb, str_t name, events_conn_t *c)
{
    if (conn_load(db, r->arena, r->who.account, r->region, name, STR_NULL, c) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException,
                    "Failed to %s the connection(s). Connection '%.*s' does not exist.", verb, STR_FMT(name));
}

/* The answer of Create/Update/Delete/DeauthorizeConnection. */
static int conn_summary(req_t *r, val_t *out, const events_conn_t *c, const char *state)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "ConnectionArn", val_str(a, c->arn));
    val_set_c(a, out, "ConnectionState", state ? val_cstr(a, state) : val_str(a, c->state));
    val_set_c(a, out, "CreationTime", val_time(a, c->created_ms * 1000));
    val_set_c(a, out, "LastModifiedTime", val_time(a, c->modified_ms * 1000));
    if (c->authorized_ms) val_set_c(a, out, "LastAuthorizedTime", val_time(a, c->authorized_ms * 1000));
    return GR_OK;
}

/* The members ListConnections and DescribeConnection share, set in v, which is returned. */
static val_t *conn_fields(req_t *r, val_t *v, const events_conn_t *c)
{
    arena_t *a = r->arena;
    conn_summary(r, v, c, NULL);
    val_set_c(a, v, "Name", val_str(a, c->name));
    if (c->state_reason.p) val_set_c(a, v, "StateReason", val_str(a, c->state_reason));
    val_set_c(a, v, "AuthorizationType", val_str(a, c->auth_type));
    return v;
}

/* A ListConnections item from a row of CONN_COLS. */
static val_t *conn_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    events_conn_t c;
    conn_from_row(r->arena, st, &c);
    return conn_fields(r, val_new(r->arena, VAL_STRUCT), &c);
}

/* ==== Connections ==== */

int events_create_connection(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name"), type = val_get_str(in, "AuthorizationType");
    const val_t *auth = val_get(in, "AuthParameters");
    if (auth_check_or_fail(r, "create", type, auth) != GR_OK) return GR_ERR;
    events_conn_t c = {0};
    if (conn_load(db, a, r->who.account, r->region, name, STR_NULL, &c) == GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Connection %.*s already exists.",
                        STR_FMT(name));
    char uuid[37], suffix[7], secret_uuid[37];
    id_uuid(uuid);
    id_uuid(secret_uuid);
    id_random_chars(suffix, 6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    suffix[6] = 0;
    bool oauth = str_eq_c(type, "OAUTH_CLIENT_CREDENTIALS");
    int64_t now = events__now_ms();
    c = (events_conn_t){
        .name = name,
        .arn = str_c(arena_printf(a, "arn:aws:events:%.*s:%.*s:connection/%.*s/%s", STR_FMT(r->region),
                                  STR_FMT(r->who.account), STR_FMT(name), uuid)),
        .secret_arn =
            str_c(arena_printf(a, "arn:aws:secretsmanager:%.*s:%.*s:secret:events!connection/%.*s/%s-%s",
                               STR_FMT(r->region), STR_FMT(r->who.account), STR_FMT(name), secret_uuid, suffix)),
        /* AWS: BASIC and API_KEY are authorized at once; OAuth is AUTHORIZING
         * until the token endpoint has answered (invoke.c asks it now). */
        .state = oauth ? STR("AUTHORIZING") : STR("AUTHORIZED"),
        .created_ms = now,
        .modified_ms = now,
        /* AWS (recorded): DescribeConnection has LastAuthorizedTime from the
         * start, an AUTHORIZING OAuth connection's too. */
        .authorized_ms = now,
    };
    sqlite3_stmt *st = store_stmt(
        db, "INSERT INTO connection (account, region, name, arn, secret_arn, description, auth_type, auth, state, "
            "created_ms, modified_ms, authorized_ms, kms_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, "
            "?11, nullif(?12, ''))");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, c.arn);
    store_bind_str(st, 5, c.secret_arn);
    store_bind_str(st, 6, val_get_str(in, "Description"));
    store_bind_str(st, 7, type);
    store_bind_str(st, 8, val_json_text(a, for_type(a, auth, type)));
    store_bind_str(st, 9, c.state);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int64(st, 11, now);
    store_bind_str(st, 12, val_get_str(in, "KmsKeyIdentifier"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (oauth) events__conn_authorize(r->app, c.arn);
    c.authorized_ms = 0; /* CreateConnection's answer has no LastAuthorizedTime */
    return conn_summary(r, out, &c, NULL);
}

int events_describe_connection(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_conn_t c;
    if (conn_or_fail(r, db, "describe", val_get_str(in, "Name"), &c) != GR_OK) return GR_ERR;
    conn_fields(r, out, &c);
    if (c.description.p) val_set_c(a, out, "Description", val_str(a, c.description));
    val_set_c(a, out, "SecretArn", val_str(a, c.secret_arn));
    val_set_c(a, out, "AuthParameters", public_copy(a, val_from_json(a, json_parse(a, c.auth, NULL))));
    if (c.kms_key.p) val_set_c(a, out, "KmsKeyIdentifier", val_str(a, c.kms_key));
    return GR_OK;
}

int events_update_connection(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_conn_t c;
    if (conn_or_fail(r, db, "update", val_get_str(in, "Name"), &c) != GR_OK) return GR_ERR;
    str_t type = val_get_str(in, "AuthorizationType");
    if (!type.p) type = c.auth_type;
    val_t *auth = val_from_json(a, json_parse(a, c.auth, NULL));
    if (auth->kind != VAL_STRUCT) auth = val_new(a, VAL_STRUCT);
    const val_t *upd = val_get(in, "AuthParameters");
    if (upd && upd->kind == VAL_STRUCT) merge(a, auth, upd);
    auth = for_type(a, auth, type);
    if (auth_check_or_fail(r, "update", type, auth) != GR_OK) return GR_ERR;
    /* AWS: an update re-authorizes the connection (a deauthorized one too). */
    bool oauth = str_eq_c(type, "OAUTH_CLIENT_CREDENTIALS");
    int64_t now = events__now_ms();
    sqlite3_stmt *st = store_stmt(
        db, "UPDATE connection SET description = coalesce(?2, description), auth_type = ?3, auth = ?4, state = ?5, "
            "state_reason = NULL, modified_ms = ?6, authorized_ms = ?6, "
            "token = NULL, token_exp_ms = NULL, kms_key = nullif(?7, '') WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, c.arn);
    store_bind_str(st, 2, val_get_str(in, "Description"));
    store_bind_str(st, 3, type);
    store_bind_str(st, 4, val_json_text(a, auth));
    store_bind_str(st, 5, oauth ? STR("AUTHORIZING") : STR("AUTHORIZED"));
    sqlite3_bind_int64(st, 6, now);
    /* as UpdateEventBus: an update without KmsKeyIdentifier goes back to an
     * AWS owned key */
    store_bind_str(st, 7, val_get_str(in, "KmsKeyIdentifier"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (oauth) events__conn_authorize(r->app, c.arn);
    c.state = oauth ? STR("AUTHORIZING") : STR("AUTHORIZED");
    c.modified_ms = c.authorized_ms = now;
    return conn_summary(r, out, &c, NULL);
}

int events_delete_connection(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_conn_t c;
    if (conn_or_fail(r, db, "delete", val_get_str(in, "Name"), &c) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM connection WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, c.arn);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    /* AWS (recorded): the answer says DELETING; the connection is gone at once. */
    return conn_summary(r, out, &c, "DELETING");
}

/* AWS (DeauthorizeConnection): "Removes all authorization parameters from
 * the connection", keeping what is not secret; the answer says
 * DEAUTHORIZING, and the connection is DEAUTHORIZED until updated. */
int events_deauthorize_connection(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_conn_t c;
    if (conn_or_fail(r, db, "deauthorize", val_get_str(in, "Name"), &c) != GR_OK) return GR_ERR;
    int64_t now = events__now_ms();
    sqlite3_stmt *st = store_stmt(db, "UPDATE connection SET auth = ?2, state = 'DEAUTHORIZED', state_reason = NULL, "
                                      "modified_ms = ?3, token = NULL, token_exp_ms = NULL WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, c.arn);
    store_bind_str(st, 2, val_json_text(a, public_copy(a, val_from_json(a, json_parse(a, c.auth, NULL)))));
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    c.modified_ms = now;
    return conn_summary(r, out, &c, "DEAUTHORIZING");
}

int events_list_connections(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    int64_t limit;
    if (events__page_or_fail(r, in, &off, &limit) != GR_OK) return GR_ERR;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM connection WHERE account = ?1 AND region = ?2 AND substr(name, 1, length(?3)) = ?3 "
             "AND (?4 IS NULL OR state = ?4) ORDER BY name LIMIT ?5 OFFSET ?6",
             CONN_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    str_t prefix = val_get_str(in, "NamePrefix");
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    store_bind_str(st, 4, val_get_str(in, "ConnectionState"));
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "Connections", conn_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* ==== API destinations ==== */

/* AWS: "Endpoint '…' is invalid, please provide a valid HTTPS endpoint URL."
 * An endpoint without a scheme is taken as https. An API destination's may
 * not carry a query string (observed: AWS refused ".../cron.php?secret=…"
 * with that message, in a CloudFormation error a public CDK project quotes);
 * parameters go in the connection or the target. gureum also takes plain http:// to a
 * loopback host (127.0.0.0/8, localhost, [::1]), the only hosts it sends to
 * (invoke.c), where a test server seldom speaks TLS. */
static bool endpoint_valid(str_t ep, bool query_ok)
{
    str_t rest = ep;
    bool http = false;
    if (str_starts_with(ep, STR("https://")))
        rest = str_sub(ep, 8, ep.len - 8);
    else if (str_starts_with(ep, STR("http://"))) {
        rest = str_sub(ep, 7, ep.len - 7);
        http = true;
    } else if (memmem(ep.p, ep.len, "://", 3))
        return false;
    size_t h = 0;
    while (h < rest.len && rest.p[h] != '/' && rest.p[h] != '?' && rest.p[h] != '#') h++;
    str_t host = str_sub(rest, 0, h);
    if (!host.len || memchr(host.p, '@', host.len) || memchr(host.p, '*', host.len) || memchr(rest.p, '#', rest.len) ||
        (!query_ok && memchr(rest.p, '?', rest.len)))
        return false;
    if (!http) return true;
    /* the host without its port ([::1]:8080, 127.0.0.1:8080) */
    const char *c = memrchr(host.p, ':', host.len);
    if (c && (host.p[0] != '[' || c[-1] == ']')) host.len = (size_t)(c - host.p);
    return events__loopback_host(host);
}

static const char DEST_COLS[] = "name, arn, description, conn_arn, endpoint, method, rate, created_ms, modified_ms";

static void dest_from_row(arena_t *a, sqlite3_stmt *st, events_dest_t *d)
{
    d->name = store_col_str(a, st, 0);
    d->arn = store_col_str(a, st, 1);
    d->description = store_col_str(a, st, 2);
    d->conn_arn = store_col_str(a, st, 3);
    d->endpoint = store_col_str(a, st, 4);
    d->method = store_col_str(a, st, 5);
    d->rate = sqlite3_column_int64(st, 6);
    d->created_ms = sqlite3_column_int64(st, 7);
    d->modified_ms = sqlite3_column_int64(st, 8);
}

static void dest_row(arena_t *a, sqlite3_stmt *st, void *out)
{
    dest_from_row(a, st, out);
}

static int dest_load(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, str_t arn, events_dest_t *d)
{
    return load_row(db, a, "api_destination", DEST_COLS, account, region, name, arn, dest_row, d);
}

int events__dest_load(sqlite3 *db, arena_t *a, str_t arn, events_dest_t *d)
{
    return dest_load(db, a, STR_NULL, STR_NULL, STR_NULL, arn, d);
}

static int dest_or_fail(req_t *r, sqlite3 *db, const char *verb, str_t name, events_dest_t *d)
{
    if (dest_load(db, r->arena, r->who.account, r->region, name, STR_NULL, d) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException,
                    "Failed to %s the api-destination(s). An api-destination '%.*s' does not exist.", verb,
                    STR_FMT(name));
}

/* AWS (recorded): ACTIVE while its connection is AUTHORIZED, else INACTIVE. */
static const char *dest_state(req_t *r, sqlite3 *db, str_t conn_arn)
{
    events_conn_t c;
    if (conn_load(db, r->arena, STR_NULL, STR_NULL, STR_NULL, conn_arn, &c) != GR_OK) return "INACTIVE";
    return str_eq_c(c.state, "AUTHORIZED") ? "ACTIVE" : "INACTIVE";
}

/* The members CreateApiDestination and UpdateApiDestination check alike. */
static int dest_check_or_fail(req_t *r, sqlite3 *db, const char *verb, str_t name, const val_t *in)
{
    str_t ep = val_get_str(in, "InvocationEndpoint");
    if (ep.p && !endpoint_valid(ep, false))
        return req_fail(r, &ERR_ValidationException,
                        "Failed to %s the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: "
                        "Endpoint '%.*s' is invalid, please provide a valid HTTPS endpoint URL.",
                        verb, STR_FMT(ep));
    const val_t *rl = val_get(in, "InvocationRateLimitPerSecond");
    if (rl && rl->u.i < 1)
        return req_fail(r, &ERR_ValidationException, "InvocationRateLimitPerSecond must be at least 1.");
    if (rl && rl->u.i > 300)
        return req_fail(r, &EVENTS_ERR_LimitExceededException,
                        "Failed to %s the api-destination(s). Invalid Invocation Rate Limit: Rate specified '%lld' "
                        "for '%.*s' exceeds maximum allowed of '300'.",
                        verb, (long long)rl->u.i, STR_FMT(name));
    str_t carn = val_get_str(in, "ConnectionArn");
    events_conn_t c;
    if (carn.p && conn_load(db, r->arena, STR_NULL, STR_NULL, STR_NULL, carn, &c) != GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceNotFoundException,
                        "Failed to %s the api-destination(s). Connection '%.*s' does not exist.", verb, STR_FMT(carn));
    return GR_OK;
}

static void dest_summary(req_t *r, sqlite3 *db, val_t *out, const events_dest_t *d)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "ApiDestinationArn", val_str(a, d->arn));
    val_set_c(a, out, "ApiDestinationState", val_cstr(a, dest_state(r, db, d->conn_arn)));
    val_set_c(a, out, "CreationTime", val_time(a, d->created_ms * 1000));
    val_set_c(a, out, "LastModifiedTime", val_time(a, d->modified_ms * 1000));
}

/* Describe's members, and List's (AWS, recorded: without Description). */
static void dest_full(req_t *r, sqlite3 *db, val_t *v, const events_dest_t *d, bool listed)
{
    arena_t *a = r->arena;
    val_set_c(a, v, "ApiDestinationArn", val_str(a, d->arn));
    val_set_c(a, v, "Name", val_str(a, d->name));
    if (d->description.p && !listed) val_set_c(a, v, "Description", val_str(a, d->description));
    val_set_c(a, v, "ApiDestinationState", val_cstr(a, dest_state(r, db, d->conn_arn)));
    val_set_c(a, v, "ConnectionArn", val_str(a, d->conn_arn));
    val_set_c(a, v, "InvocationEndpoint", val_str(a, d->endpoint));
    val_set_c(a, v, "HttpMethod", val_str(a, d->method));
    val_set_c(a, v, "InvocationRateLimitPerSecond", val_int(a, d->rate));
    val_set_c(a, v, "CreationTime", val_time(a, d->created_ms * 1000));
    val_set_c(a, v, "LastModifiedTime", val_time(a, d->modified_ms * 1000));
}

int events_create_api_destination(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    if (dest_check_or_fail(r, db, "create", name, in) != GR_OK) return GR_ERR;
    events_dest_t d;
    if (dest_load(db, a, r->who.account, r->region, name, STR_NULL, &d) == GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException,
                        "Failed to create the api-destination(s). An api-destination with name '%.*s' already "
                        "exists.",
                        STR_FMT(name));
    char uuid[37];
    id_uuid(uuid);
    int64_t now = events__now_ms();
    d = (events_dest_t){
        .name = name,
        .arn = str_c(arena_printf(a, "arn:aws:events:%.*s:%.*s:api-destination/%.*s/%s", STR_FMT(r->region),
                                  STR_FMT(r->who.account), STR_FMT(name), uuid)),
        .conn_arn = val_get_str(in, "ConnectionArn"),
        .created_ms = now,
        .modified_ms = now,
    };
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO api_destination (account, region, name, arn, description, "
                                      "conn_arn, endpoint, method, rate, created_ms, modified_ms) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, d.arn);
    store_bind_str(st, 5, val_get_str(in, "Description"));
    store_bind_str(st, 6, d.conn_arn);
    store_bind_str(st, 7, val_get_str(in, "InvocationEndpoint"));
    store_bind_str(st, 8, val_get_str(in, "HttpMethod"));
    /* AWS (recorded): 300 per second unless given. */
    sqlite3_bind_int64(st, 9, val_get_int(in, "InvocationRateLimitPerSecond", 300));
    sqlite3_bind_int64(st, 10, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    dest_summary(r, db, out, &d);
    return GR_OK;
}

int events_describe_api_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_dest_t d;
    if (dest_or_fail(r, db, "describe", val_get_str(in, "Name"), &d) != GR_OK) return GR_ERR;
    dest_full(r, db, out, &d, false);
    return GR_OK;
}

int events_update_api_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    events_dest_t d;
    if (dest_or_fail(r, db, "update", name, &d) != GR_OK) return GR_ERR;
    if (dest_check_or_fail(r, db, "update", name, in) != GR_OK) return GR_ERR;
    int64_t now = events__now_ms();
    sqlite3_stmt *st = store_stmt(
        db, "UPDATE api_destination SET description = coalesce(?2, description), conn_arn = coalesce(?3, conn_arn), "
            "endpoint = coalesce(?4, endpoint), method = coalesce(?5, method), rate = coalesce(?6, rate), "
            "modified_ms = ?7 WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, d.arn);
    store_bind_str(st, 2, val_get_str(in, "Description"));
    store_bind_str(st, 3, val_get_str(in, "ConnectionArn"));
    store_bind_str(st, 4, val_get_str(in, "InvocationEndpoint"));
    store_bind_str(st, 5, val_get_str(in, "HttpMethod"));
    const val_t *rl = val_get(in, "InvocationRateLimitPerSecond");
    if (rl)
        sqlite3_bind_int64(st, 6, rl->u.i);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    str_t carn = val_get_str(in, "ConnectionArn");
    if (carn.p) d.conn_arn = carn;
    d.modified_ms = now;
    dest_summary(r, db, out, &d);
    return GR_OK;
}

int events_delete_api_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_dest_t d;
    if (dest_or_fail(r, db, "delete", val_get_str(in, "Name"), &d) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM api_destination WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, d.arn);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS: one filter per request, NamePrefix or ConnectionArn. */
int events_list_api_destinations(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t prefix = val_get_str(in, "NamePrefix"), carn = val_get_str(in, "ConnectionArn");
    if (prefix.p && carn.p)
        return req_fail(r, &ERR_ValidationException,
                        "Failed to list the api-destination(s). Request failed because only one filter is supported "
                        "per request, either ConnectionArn or NamePrefix.");
    long long off;
    int64_t limit;
    if (events__page_or_fail(r, in, &off, &limit) != GR_OK) return GR_ERR;
    if (limit < 1 || limit > 100) limit = 100;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM api_destination WHERE account = ?1 AND region = ?2 AND substr(name, 1, length(?3)) = ?3 "
             "AND (?4 IS NULL OR conn_arn = ?4) ORDER BY name LIMIT ?5 OFFSET ?6",
             DEST_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    store_bind_str(st, 4, carn);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    events_dest_t rows[101];
    int64_t n = 0;
    while (n <= limit && n < 101 && sqlite3_step(st) == SQLITE_ROW) dest_from_row(a, st, &rows[n++]);
    store_release(st); /* before dest_state, which reads the connections */
    val_t *list = val_new(a, VAL_LIST);
    for (int64_t i = 0; i < n && i < limit; i++) {
        val_t *v = val_new(a, VAL_STRUCT);
        dest_full(r, db, v, &rows[i], true);
        val_push(a, list, v);
    }
    if (n > limit) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + limit)));
    return val_set_c(a, out, "ApiDestinations", list);
}
