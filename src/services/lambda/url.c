/* url.c — Lambda function URLs: their configuration (Create/Get/Update/
 * Delete/ListFunctionUrlConfigs over lambda_url) and the HTTP requests that
 * arrive at them.
 *
 * Route sends a request whose Host is URLID.lambda-url.REGION.localhost here
 * whole (lambda_url_serve), before any AWS operation is looked for. It is
 * authorized by the URL's AuthType (NONE: the function's resource policy
 * must allow lambda:InvokeFunctionUrl and lambda:InvokeFunction to everyone;
 * AWS_IAM: a SigV4-signed caller allowed both), turned into AWS's payload format
 * 2.0 event, and run as a RequestResponse invoke (invoke.c); the function's
 * result becomes the HTTP response (url_answer), with the URL's CORS headers.
 * AWS: Lambda developer guide, "Lambda function URLs", "Invoking Lambda
 * function URLs", "Control access to Lambda function URLs". A RESPONSE_STREAM
 * URL's answer goes out as the function writes it (url_piece). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "lambda_model.h"
#include "services/authz.h"
#include "services/dispatch.h"
#include "services/lambda/lambda.h"
#include "services/lambda/lambda_int.h"
#include "store/store.h"

#define URL_ID_LEN 32
#define EVENT_MAX 6291456 /* AWS: 6 MB, a RequestResponse invoke's request */

typedef struct {
    str_t account, region, name, qualifier;          /* qualifier: an alias, or empty */
    str_t url_id, auth_type, cors_json, invoke_mode; /* invoke_mode: empty until a request set it */
    int64_t created, modified;
    /* a RESPONSE_STREAM request's answer while the function streams it */
    bool begun;   /* the head is out */
    bool prelude; /* an HTTP integration response: its JSON prelude is being read */
    buf_t pre;    /* the prelude so far */
} url_t;

#define U_COLS "account, region, name, qualifier, url_id, auth_type, cors_json, invoke_mode, created, modified"

static void read_url(arena_t *a, sqlite3_stmt *st, url_t *u)
{
    u->account = lambda__col(a, st, 0);
    u->region = lambda__col(a, st, 1);
    u->name = lambda__col(a, st, 2);
    u->qualifier = lambda__col(a, st, 3);
    u->url_id = lambda__col(a, st, 4);
    u->auth_type = lambda__col(a, st, 5);
    u->cors_json = lambda__col(a, st, 6);
    u->invoke_mode = lambda__col(a, st, 7);
    u->created = sqlite3_column_int64(st, 8);
    u->modified = sqlite3_column_int64(st, 9);
}

/* The configuration of account/region/name[:qualifier] (where non-NULL
 * key), or of url_id. 1 found, 0 absent, -1 error. */
static int load_url(app_t *app, arena_t *a, const url_t *key, str_t url_id, url_t *u)
{
    sqlite3 *db = lambda__db(app);
    sqlite3_stmt *st;
    const char *sql = key ? "SELECT " U_COLS " FROM lambda_url WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                            "qualifier = ?4"
                          : "SELECT " U_COLS " FROM lambda_url WHERE url_id = ?1";
    if (!db || store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (key) {
        lambda__bind_s(st, 1, key->account);
        lambda__bind_s(st, 2, key->region);
        lambda__bind_s(st, 3, key->name);
        lambda__bind_s(st, 4, key->qualifier);
    } else {
        lambda__bind_s(st, 1, url_id);
    }
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        read_url(a, st, u);
        found = 1;
    } else if (rc != SQLITE_DONE)
        found = -1;
    store_release(st);
    return found;
}

static str_t function_arn(arena_t *a, const url_t *u)
{
    str_t arn = lambda__arn(a, u->region, u->account, u->name);
    return u->qualifier.len ? str_c(arena_printf(a, "%s:%.*s", arn.p, STR_FMT(u->qualifier))) : arn;
}

/* AWS: the time a URL was created or changed, "2021-12-02T18:32:55.183931Z" */
static val_t *iso_us(arena_t *a, int64_t us)
{
    time_t sec = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    return val_cstr(a, arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)(us % 1000000)));
}

/* ==== Cors ==== */

static const char *const cors_lists[] = {"AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders"};
#define N_CORS_LISTS (sizeof cors_lists / sizeof cors_lists[0])

/* A Cors input value as the JSON text kept in cors_json. */
static str_t cors_to_json(arena_t *a, const val_t *c)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    const val_t *v = val_get(c, "AllowCredentials");
    if (v && v->kind == VAL_BOOL) {
        json_w_key(&w, STR("AllowCredentials"));
        json_w_bool(&w, v->u.b);
    }
    for (size_t i = 0; i < N_CORS_LISTS; i++) {
        const val_t *l = val_get(c, cors_lists[i]);
        if (!l || l->kind != VAL_LIST) continue;
        json_w_key(&w, str_c(cors_lists[i]));
        json_w_arr_begin(&w);
        for (size_t k = 0; k < l->u.list.n; k++) json_w_str(&w, l->u.list.v[k]->u.s);
        json_w_arr_end(&w);
    }
    v = val_get(c, "MaxAge");
    if (v && v->kind == VAL_INT) {
        json_w_key(&w, STR("MaxAge"));
        json_w_int(&w, v->u.i);
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* cors_json back as the Cors output value; NULL when there is none. */
static val_t *cors_value(arena_t *a, str_t text)
{
    const json_t *j = text.len ? json_parse(a, text, NULL) : NULL;
    if (!j || j->type != JSON_OBJECT) return NULL;
    val_t *v = val_new(a, VAL_STRUCT);
    const json_t *c = json_get(j, "AllowCredentials");
    if (c && c->type == JSON_BOOL) val_set_c(a, v, "AllowCredentials", val_bool(a, c->u.b));
    for (size_t i = 0; i < N_CORS_LISTS; i++) {
        const json_t *l = json_get(j, cors_lists[i]);
        if (!l || l->type != JSON_ARRAY) continue;
        val_t *list = val_new(a, VAL_LIST);
        for (size_t k = 0; k < l->u.arr.n; k++)
            if (l->u.arr.v[k]->type == JSON_STRING) val_push(a, list, val_str(a, l->u.arr.v[k]->u.s));
        val_set_c(a, v, cors_lists[i], list);
    }
    c = json_get(j, "MaxAge");
    if (c && c->type == JSON_INT) val_set_c(a, v, "MaxAge", val_int(a, c->u.i));
    return v;
}

/* ==== The configuration operations ==== */

typedef enum { FOR_CREATE, FOR_GET, FOR_UPDATE, FOR_LIST } use_t;

/* The URL a client opens: gureum's form of AWS's
 * https://URLID.lambda-url.REGION.on.aws/, on the server's own port. */
static str_t url_of(req_t *r, const url_t *u)
{
    return str_c(arena_printf(r->arena, "http://%.*s.lambda-url.%.*s.localhost:%d/", STR_FMT(u->url_id),
                              STR_FMT(u->region), ((app_t *)r->app)->cfg->port));
}

/* Fills out with u's members. AWS (LocalStack's recorded test_url_config_*
 * and test_lambda_update_function_url_config): Create answers InvokeMode
 * only when the request gave it, and no LastModifiedTime; Update answers
 * InvokeMode once one was ever set; Get and List always, BUFFERED by default. */
static void set_url(req_t *r, const url_t *u, use_t use, val_t *out)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "FunctionUrl", val_str(a, url_of(r, u)));
    val_set_c(a, out, "FunctionArn", val_str(a, function_arn(a, u)));
    val_set_c(a, out, "AuthType", val_str(a, u->auth_type));
    val_t *cors = cors_value(a, u->cors_json);
    if (cors) val_set_c(a, out, "Cors", cors);
    val_set_c(a, out, "CreationTime", iso_us(a, u->created));
    if (use != FOR_CREATE) val_set_c(a, out, "LastModifiedTime", iso_us(a, u->modified));
    if (u->invoke_mode.len)
        val_set_c(a, out, "InvokeMode", val_str(a, u->invoke_mode));
    else if (use == FOR_GET || use == FOR_LIST)
        val_set_c(a, out, "InvokeMode", val_cstr(a, "BUFFERED"));
}

/* AWS's texts for a function or alias that does not exist: Create, Update
 * and List say "Function does not exist", Get and Delete the generic one
 * (LocalStack's recorded test_url_config_exceptions). */
static int not_found(req_t *r, use_t use)
{
    return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "%s",
                    use == FOR_GET ? "The resource you requested does not exist." : "Function does not exist");
}

/* The function (and alias) in's FunctionName and Qualifier name, as the key
 * of its URL in *u. FOR_GET also stands for Delete. */
static int target_or_fail(req_t *r, const val_t *in, use_t use, url_t *u)
{
    str_t fname = val_get_str(in, "FunctionName"), qual = val_get_str(in, "Qualifier"), name, q, acct, region;
    if (!lambda__parse_name(fname, &name, &q, &acct, &region))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid function name: %.*s", STR_FMT(fname));
    if (qual.len && q.len && !str_eq(q, qual))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "The derived qualifier from the function name does not match the specified qualifier.");
    if (!qual.len) qual = q;
    /* AWS: a URL belongs to the function or an alias; a version or $LATEST
     * is refused as the model's newer FunctionUrlQualifier pattern says */
    bool digits = qual.len > 0;
    for (size_t i = 0; i < qual.len; i++) digits = digits && qual.p[i] >= '0' && qual.p[i] <= '9';
    if (use != FOR_LIST && (digits || str_eq_c(qual, "$LATEST")))
        return req_fail(r, &ERR_ValidationException,
                        "1 validation error detected: Value '%.*s' at 'qualifier' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
                        STR_FMT(qual));
    if (region.len && !str_eq(region, r->region))
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException,
                        "Functions from '%.*s' are not reachable in this region ('%.*s')", STR_FMT(region),
                        STR_FMT(r->region));
    if (acct.len && !str_eq(acct, r->who.account)) return not_found(r, use);
    lambda__fn_t f;
    int rc = lambda__load_q(r->app, r->arena, r->who.account, r->region, name, use == FOR_LIST ? STR_NULL : qual, &f);
    if (rc < 0) return GR_ERR;
    if (rc == 0) return not_found(r, use);
    *u = (url_t){.account = r->who.account, .region = r->region, .name = f.name, .qualifier = qual};
    if (!u->qualifier.p) u->qualifier = STR("");
    return GR_OK;
}

/* Loads the URL of in's target into *u, or fails r as AWS does. */
static int url_or_fail(req_t *r, const val_t *in, use_t use, url_t *u)
{
    url_t key;
    if (target_or_fail(r, in, use, &key) != GR_OK) return GR_ERR;
    int rc = load_url(r->app, r->arena, &key, STR_NULL, u);
    if (rc < 0) return GR_ERR;
    if (rc == 0)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    return GR_OK;
}

/* Stores u: a new row (insert), else its changeable columns (AuthType, Cors,
 * InvokeMode, the time modified) by url_id. An InvokeMode never given is
 * kept NULL. */
static int save_url(req_t *r, const url_t *u, bool insert)
{
    sqlite3 *db = lambda__db(r->app);
    sqlite3_stmt *st;
    const char *sql = insert ? "INSERT INTO lambda_url (" U_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                             : "UPDATE lambda_url SET auth_type = ?6, cors_json = ?7, invoke_mode = ?8, "
                               "modified = ?10 WHERE url_id = ?5";
    if (!db || store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    lambda__bind_s(st, 1, u->account);
    lambda__bind_s(st, 2, u->region);
    lambda__bind_s(st, 3, u->name);
    lambda__bind_s(st, 4, u->qualifier);
    lambda__bind_s(st, 5, u->url_id);
    lambda__bind_s(st, 6, u->auth_type);
    lambda__bind_s(st, 7, u->cors_json);
    if (u->invoke_mode.len)
        lambda__bind_s(st, 8, u->invoke_mode);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, u->created);
    sqlite3_bind_int64(st, 10, u->modified);
    return lambda__step_done(st);
}

int lambda_create_function_url_config(req_t *r, const val_t *in, val_t *out)
{
    url_t u;
    if (target_or_fail(r, in, FOR_CREATE, &u) != GR_OK) return GR_ERR;
    url_t old;
    int rc = load_url(r->app, r->arena, &u, STR_NULL, &old);
    if (rc < 0) return GR_ERR;
    /* AWS: LocalStack's recorded test_url_config_lifecycle (two spaces as recorded) */
    if (rc == 1)
        return req_fail(r, &LAMBDA_ERR_ResourceConflictException,
                        "Failed to create function url config for [functionArn = %.*s]. Error message:  "
                        "FunctionUrlConfig exists for this Lambda function",
                        STR_FMT(function_arn(r->arena, &u)));
    char id[URL_ID_LEN + 1];
    id_random_chars(id, URL_ID_LEN, "abcdefghijklmnopqrstuvwxyz0123456789");
    id[URL_ID_LEN] = 0;
    u.url_id = arena_str(r->arena, str_c(id));
    u.auth_type = val_get_str(in, "AuthType");
    const val_t *cors = val_get(in, "Cors");
    u.cors_json = cors ? cors_to_json(r->arena, cors) : STR("");
    u.invoke_mode = val_get_str(in, "InvokeMode");
    u.created = u.modified = time_now_us();
    if (save_url(r, &u, true) != GR_OK) return GR_ERR;
    set_url(r, &u, FOR_CREATE, out);
    return GR_OK;
}

int lambda_get_function_url_config(req_t *r, const val_t *in, val_t *out)
{
    url_t u;
    if (url_or_fail(r, in, FOR_GET, &u) != GR_OK) return GR_ERR;
    set_url(r, &u, FOR_GET, out);
    return GR_OK;
}

/* AWS: only what the request gives changes; a Cors given replaces the old one whole. */
int lambda_update_function_url_config(req_t *r, const val_t *in, val_t *out)
{
    url_t key, u;
    if (target_or_fail(r, in, FOR_UPDATE, &key) != GR_OK) return GR_ERR;
    int rc = load_url(r->app, r->arena, &key, STR_NULL, &u);
    if (rc < 0) return GR_ERR;
    if (rc == 0)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The resource you requested does not exist.");
    if (val_get_str(in, "AuthType").len) u.auth_type = val_get_str(in, "AuthType");
    const val_t *cors = val_get(in, "Cors");
    if (cors) u.cors_json = cors_to_json(r->arena, cors);
    if (val_get_str(in, "InvokeMode").len) u.invoke_mode = val_get_str(in, "InvokeMode");
    u.modified = time_now_us();
    if (save_url(r, &u, false) != GR_OK) return GR_ERR;
    set_url(r, &u, FOR_UPDATE, out);
    return GR_OK;
}

/* AWS: without a Qualifier only the function's own URL goes, not its
 * aliases' (LocalStack's recorded test_url_config_deletion_without_qualifier). */
int lambda_delete_function_url_config(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    url_t u;
    if (url_or_fail(r, in, FOR_GET, &u) != GR_OK) return GR_ERR;
    return lambda__delete_urls(r->app, u.account, u.region, u.name, u.qualifier);
}

int lambda__delete_urls(app_t *app, str_t account, str_t region, str_t name, str_t qualifier)
{
    sqlite3_stmt *st;
    if (lambda__prepare(app,
                        "DELETE FROM lambda_url WHERE account = ?1 AND region = ?2 AND name = ?3 AND "
                        "(?4 IS NULL OR qualifier = ?4)",
                        account, region, name, &st) != GR_OK)
        return GR_ERR;
    if (qualifier.p) lambda__bind_s(st, 4, qualifier);
    return lambda__step_done(st);
}

/* The function's URL and its aliases', unqualified first. NextMarker is
 * opaque (ours: how many were answered before). */
int lambda_list_function_url_configs(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    url_t key;
    if (target_or_fail(r, in, FOR_LIST, &key) != GR_OK) return GR_ERR;
    int64_t max = val_get_int(in, "MaxItems", 50);
    long long skip = 0;
    str_t marker = val_get_str(in, "Marker");
    if (marker.len && (!str_to_i64(marker, &skip) || skip < 0))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException, "Invalid marker: %.*s", STR_FMT(marker));
    sqlite3_stmt *st;
    if (lambda__prepare(r->app,
                        "SELECT " U_COLS " FROM lambda_url WHERE account = ?1 AND region = ?2 AND name = ?3 "
                        "ORDER BY qualifier LIMIT ?4 OFFSET ?5",
                        key.account, key.region, key.name, &st) != GR_OK)
        return GR_ERR;
    sqlite3_bind_int64(st, 4, max + 1);
    sqlite3_bind_int64(st, 5, skip);
    val_t *list = val_new(a, VAL_LIST);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == max) {
            val_set_c(a, out, "NextMarker", val_cstr(a, arena_printf(a, "%lld", skip + max)));
            break;
        }
        url_t u;
        read_url(a, st, &u);
        val_t *v = val_new(a, VAL_STRUCT);
        set_url(r, &u, FOR_LIST, v);
        val_push(a, list, v);
    }
    store_release(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    val_set_c(a, out, "FunctionUrlConfigs", list);
    return GR_OK;
}

/* ==== Requests to a URL ==== */

/* AWS's answer to a request its authorization refuses (LocalStack's recorded
 * test_lambda_permission_url_invocation) and to a URL that does not exist
 * (test_lambda_url_non_existing_url: {"Message":null}); both 403
 * AccessDeniedException. */
#define FORBIDDEN                                                                                                      \
    "{\"Message\":\"Forbidden. For troubleshooting Function URL authorization issues, see: "                           \
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html\"}"

static void answer(req_t *r, int status, const char *error_type, str_t body)
{
    wire_resp_init(&r->resp, r->arena);
    r->resp.status = status;
    wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/json"));
    if (error_type) wire_resp_header(&r->resp, r->arena, "x-amzn-ErrorType", str_c(error_type));
    wire_resp_header(&r->resp, r->arena, "x-amzn-RequestId", str_c(r->id));
    buf_put_str(&r->resp.body, body);
}

static bool in_list(const json_t *list, str_t s)
{
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.arr.n; i++)
        if (list->u.arr.v[i]->type == JSON_STRING &&
            (str_eq_c(list->u.arr.v[i]->u.s, "*") || str_eq_nocase(list->u.arr.v[i]->u.s, s)))
            return true;
    return false;
}

static str_t joined(arena_t *a, const json_t *list)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; list && list->type == JSON_ARRAY && i < list->u.arr.n; i++) {
        if (i) buf_putc(&b, ',');
        buf_put_str(&b, list->u.arr.v[i]->u.s);
    }
    return buf_str(&b);
}

/* AWS: with a Cors configuration, Lambda answers a browser's preflight
 * itself (the function is not invoked) and adds the CORS headers to every
 * response to an allowed Origin, replacing any the function set. */
static const json_t *cors_of(arena_t *a, const url_t *u)
{
    const json_t *j = u->cors_json.len ? json_parse(a, u->cors_json, NULL) : NULL;
    return j && j->type == JSON_OBJECT ? j : NULL;
}

static void cors_common(req_t *r, const json_t *cors, str_t origin)
{
    arena_t *a = r->arena;
    wire_resp_header(&r->resp, a, "Access-Control-Allow-Origin", origin);
    wire_resp_header(&r->resp, a, "Vary", STR("Origin"));
    const json_t *cred = json_get(cors, "AllowCredentials");
    if (cred && cred->type == JSON_BOOL && cred->u.b)
        wire_resp_header(&r->resp, a, "Access-Control-Allow-Credentials", STR("true"));
}

static void cors_decorate(req_t *r, const url_t *u)
{
    const json_t *cors = cors_of(r->arena, u);
    str_t origin = wire_header(&r->w, "origin");
    if (!cors || !origin.len || !in_list(json_get(cors, "AllowOrigins"), origin)) return;
    cors_common(r, cors, origin);
    const json_t *expose = json_get(cors, "ExposeHeaders");
    if (expose && expose->type == JSON_ARRAY && expose->u.arr.n)
        wire_resp_header(&r->resp, r->arena, "Access-Control-Expose-Headers", joined(r->arena, expose));
}

/* A preflight (OPTIONS with Origin and Access-Control-Request-Method) to a
 * URL with a Cors configuration: true when answered. */
static bool preflight(req_t *r, const url_t *u)
{
    arena_t *a = r->arena;
    const json_t *cors = cors_of(a, u);
    str_t origin = wire_header(&r->w, "origin"), method = wire_header(&r->w, "access-control-request-method");
    if (!cors || !str_eq_c(r->w.method, "OPTIONS") || !origin.len || !method.len) return false;
    answer(r, 200, NULL, STR(""));
    const json_t *methods = json_get(cors, "AllowMethods");
    if (!in_list(json_get(cors, "AllowOrigins"), origin) || !in_list(methods, method)) return true;
    cors_common(r, cors, origin);
    wire_resp_header(&r->resp, a, "Access-Control-Allow-Methods",
                     in_list(methods, STR("*")) && methods->u.arr.n == 1 ? method : joined(a, methods));
    const json_t *hdrs = json_get(cors, "AllowHeaders");
    str_t asked = wire_header(&r->w, "access-control-request-headers");
    if (hdrs && hdrs->type == JSON_ARRAY && hdrs->u.arr.n)
        wire_resp_header(&r->resp, a, "Access-Control-Allow-Headers",
                         hdrs->u.arr.n == 1 && str_eq_c(hdrs->u.arr.v[0]->u.s, "*") && asked.len ? asked
                                                                                                 : joined(a, hdrs));
    const json_t *age = json_get(cors, "MaxAge");
    if (age && age->type == JSON_INT)
        wire_resp_header(&r->resp, a, "Access-Control-Max-Age", str_c(arena_printf(a, "%lld", (long long)age->u.i)));
    return true;
}

static bool valid_utf8(str_t s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.len;) {
        unsigned c = p[i];
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4 || i + n >= s.len) return false;
        for (size_t k = 1; k <= n; k++)
            if ((p[i + k] & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

/* AWS: a body whose Content-Type is text is passed as it is; anything else
 * (multipart forms, images, none given) base64-encoded, isBase64Encoded true. */
static bool body_is_text(str_t content_type, str_t body)
{
    char ct[128];
    size_t n = content_type.len < sizeof ct - 1 ? content_type.len : sizeof ct - 1;
    for (size_t i = 0; i < n; i++)
        ct[i] =
            (char)(content_type.p[i] >= 'A' && content_type.p[i] <= 'Z' ? content_type.p[i] + 32 : content_type.p[i]);
    ct[n] = 0;
    bool text = !strncmp(ct, "text/", 5) || strstr(ct, "json") || strstr(ct, "xml") || strstr(ct, "javascript") ||
                strstr(ct, "x-www-form-urlencoded");
    return text && valid_utf8(body);
}

static str_t lower(arena_t *a, str_t s)
{
    char *p = arena_strndup(a, s.p ? s.p : "", s.len);
    if (!p) return STR("");
    for (size_t i = 0; i < s.len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z') p[i] = (char)(p[i] + 32);
    return str_n(p, s.len);
}

/* The request as AWS's payload format 2.0 event ("Invoking Lambda function
 * URLs", Request payload): header names lower-cased, repeated headers and
 * query parameters joined with commas, Cookie headers as `cookies`, absent
 * members left out. */
static str_t event_of(req_t *r, const url_t *u, bool iam)
{
    arena_t *a = r->arena;
    app_t *app = r->app;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("version"));
    json_w_str(&w, STR("2.0"));
    json_w_key(&w, STR("routeKey"));
    json_w_str(&w, STR("$default"));
    json_w_key(&w, STR("rawPath"));
    json_w_str(&w, r->w.path);
    json_w_key(&w, STR("rawQueryString"));
    json_w_str(&w, r->w.query);

    /* cookies */
    size_t ncookies = 0;
    for (size_t i = 0; i < r->w.nheaders; i++) {
        if (!str_eq_nocase(r->w.headers[i].name, STR("cookie"))) continue;
        str_t rest = r->w.headers[i].value, one;
        while (rest.len || rest.p) {
            rest = str_cut(rest, ';', &one);
            one = str_trim(one);
            if (one.len) {
                if (!ncookies++) {
                    json_w_key(&w, STR("cookies"));
                    json_w_arr_begin(&w);
                }
                json_w_str(&w, one);
            }
            if (!rest.p) break;
        }
    }
    if (ncookies) json_w_arr_end(&w);

    /* headers, as received plus what AWS's front adds */
    json_w_key(&w, STR("headers"));
    json_w_obj_begin(&w);
    for (size_t i = 0; i < r->w.nheaders; i++) {
        str_t name = lower(a, r->w.headers[i].name);
        if (str_eq_c(name, "cookie")) continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) seen = str_eq_nocase(r->w.headers[k].name, name);
        if (seen) continue;
        buf_t v;
        buf_init(&v, a);
        for (size_t k = i; k < r->w.nheaders; k++)
            if (str_eq_nocase(r->w.headers[k].name, name)) {
                if (v.len) buf_putc(&v, ',');
                buf_put_str(&v, r->w.headers[k].value);
            }
        json_w_key(&w, name);
        json_w_str(&w, buf_str(&v));
    }
    const char *ip = r->w.peer_ip ? r->w.peer_ip : "127.0.0.1";
    if (!wire_header(&r->w, "x-forwarded-for").p) {
        json_w_key(&w, STR("x-forwarded-for"));
        json_w_str(&w, str_c(ip));
    }
    json_w_key(&w, STR("x-forwarded-proto"));
    json_w_str(&w, STR("http"));
    json_w_key(&w, STR("x-forwarded-port"));
    json_w_str(&w, str_c(arena_printf(a, "%d", app->cfg->port)));
    json_w_obj_end(&w);

    /* queryStringParameters */
    if (r->w.query.len) {
        json_w_key(&w, STR("queryStringParameters"));
        json_w_obj_begin(&w);
        str_t names[64];
        size_t nn = 0;
        str_t rest = r->w.query, pair;
        while (rest.p && nn < 64) {
            rest = str_cut(rest, '&', &pair);
            str_t k, v = str_cut(pair, '=', &k);
            if (!k.p) k = pair, v = STR("");
            k = wire_url_decode(a, k, true);
            if (!k.p || !k.len) continue;
            bool seen = false;
            for (size_t i = 0; i < nn && !seen; i++) seen = str_eq(names[i], k);
            if (seen) continue;
            names[nn++] = k;
            buf_t vals;
            buf_init(&vals, a);
            str_t rest2 = r->w.query, pair2;
            while (rest2.p) {
                rest2 = str_cut(rest2, '&', &pair2);
                str_t k2, v2 = str_cut(pair2, '=', &k2);
                if (!k2.p) k2 = pair2, v2 = STR("");
                if (!str_eq(wire_url_decode(a, k2, true), k)) continue;
                if (vals.len) buf_putc(&vals, ',');
                str_t dv = wire_url_decode(a, v2, true);
                buf_put_str(&vals, dv.p ? dv : v2);
            }
            (void)v;
            json_w_key(&w, k);
            json_w_str(&w, buf_str(&vals));
        }
        json_w_obj_end(&w);
    }

    /* requestContext */
    int64_t now = time_now_us();
    time_t sec = (time_t)(now / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    str_t host = r->w.host;
    str_t domain;
    str_cut(host, ':', &domain);
    if (!domain.p) domain = host;
    json_w_key(&w, STR("requestContext"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("accountId"));
    json_w_str(&w, iam ? r->who.account : STR("anonymous"));
    json_w_key(&w, STR("apiId"));
    json_w_str(&w, u->url_id);
    if (iam) { /* AWS: the signing caller */
        json_w_key(&w, STR("authorizer"));
        json_w_obj_begin(&w);
        json_w_key(&w, STR("iam"));
        json_w_obj_begin(&w);
        json_w_key(&w, STR("accessKey"));
        json_w_str(&w, r->who.access_key);
        json_w_key(&w, STR("accountId"));
        json_w_str(&w, r->who.account);
        json_w_key(&w, STR("callerId"));
        json_w_str(&w, r->who.user_id);
        json_w_key(&w, STR("cognitoIdentity"));
        json_w_null(&w);
        json_w_key(&w, STR("principalOrgId"));
        json_w_null(&w);
        json_w_key(&w, STR("userArn"));
        json_w_str(&w, r->who.arn);
        json_w_key(&w, STR("userId"));
        json_w_str(&w, r->who.user_id);
        json_w_obj_end(&w);
        json_w_obj_end(&w);
    }
    json_w_key(&w, STR("domainName"));
    json_w_str(&w, lower(a, domain));
    json_w_key(&w, STR("domainPrefix"));
    json_w_str(&w, u->url_id);
    json_w_key(&w, STR("http"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("method"));
    json_w_str(&w, r->w.method);
    json_w_key(&w, STR("path"));
    json_w_str(&w, r->w.path);
    json_w_key(&w, STR("protocol"));
    json_w_str(&w, STR("HTTP/1.1"));
    json_w_key(&w, STR("sourceIp"));
    json_w_str(&w, str_c(ip));
    json_w_key(&w, STR("userAgent"));
    json_w_str(&w, wire_header(&r->w, "user-agent"));
    json_w_obj_end(&w);
    json_w_key(&w, STR("requestId"));
    json_w_str(&w, str_c(r->id));
    json_w_key(&w, STR("routeKey"));
    json_w_str(&w, STR("$default"));
    json_w_key(&w, STR("stage"));
    json_w_str(&w, STR("$default"));
    json_w_key(&w, STR("time"));
    json_w_str(&w, str_c(when));
    json_w_key(&w, STR("timeEpoch"));
    json_w_int(&w, now / 1000);
    json_w_obj_end(&w);

    bool b64 = false;
    if (r->w.body.len) {
        b64 = !body_is_text(wire_header(&r->w, "content-type"), r->w.body);
        json_w_key(&w, STR("body"));
        json_w_str(&w, b64 ? arena_base64(a, r->w.body.p, r->w.body.len) : r->w.body);
    }
    json_w_key(&w, STR("isBase64Encoded"));
    json_w_bool(&w, b64);
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* A JSON value written compactly (AWS re-serializes a result that is not a
 * response object: {"hello": "world"} is answered as {"hello":"world"}). */
static str_t compact(arena_t *a, const json_t *j)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_value(&w, j);
    return buf_str(&b);
}

/* ==== RESPONSE_STREAM: the body as the function writes it ==== */

#define PRELUDE_MAX 65536
#define HTTP_INTEGRATION "application/vnd.awslambda.http-integration-response"

/* The head of a streamed answer: the prelude's statusCode, headers and
 * cookies when it has one (j), else 200 and the function's Content-Type. */
static void stream_head(req_t *r, url_t *u, const json_t *j, str_t content_type)
{
    arena_t *a = r->arena;
    wire_resp_init(&r->resp, a);
    r->resp.status = 200;
    bool ctype = false, cors = u->cors_json.len > 0;
    const json_t *sc = j ? json_get(j, "statusCode") : NULL;
    if (sc && sc->type == JSON_INT && sc->u.i >= 100 && sc->u.i <= 599) r->resp.status = (int)sc->u.i;
    const json_t *h = j ? json_get(j, "headers") : NULL;
    for (size_t i = 0; h && h->type == JSON_OBJECT && i < h->u.obj.n; i++) {
        str_t name = h->u.obj.k[i];
        const json_t *v = h->u.obj.v[i];
        if (cors && str_starts_with(lower(a, name), STR("access-control-"))) continue;
        if (str_eq_nocase(name, STR("content-length")) || str_eq_nocase(name, STR("transfer-encoding"))) continue;
        if (str_eq_nocase(name, STR("content-type"))) ctype = true;
        wire_resp_header(&r->resp, a, arena_str(a, name).p, v->type == JSON_STRING ? v->u.s : compact(a, v));
    }
    const json_t *ck = j ? json_get(j, "cookies") : NULL;
    for (size_t i = 0; ck && ck->type == JSON_ARRAY && i < ck->u.arr.n; i++)
        if (ck->u.arr.v[i]->type == JSON_STRING) wire_resp_header(&r->resp, a, "Set-Cookie", ck->u.arr.v[i]->u.s);
    if (!ctype)
        wire_resp_header(&r->resp, a, "Content-Type",
                         j || !content_type.len ? STR("application/octet-stream") : arena_str(a, content_type));
    wire_resp_header(&r->resp, a, "x-amzn-RequestId", str_c(r->id));
    cors_decorate(r, u);
    u->begun = true;
    dispatch_stream_begin(r);
}

/* AWS ("Response streaming for Lambda functions", function URLs): a piece
 * the function wrote goes to the client at once; an HTTP integration
 * response (awslambda.HttpResponseStream.from) first sends its JSON prelude
 * and eight NUL bytes, which become the status and headers. */
static void url_piece(req_t *r, str_t content_type, str_t piece)
{
    url_t *u = r->svc_memo;
    arena_t *a = r->arena;
    if (!u->begun && !u->prelude) {
        if (!str_eq_nocase(content_type, STR(HTTP_INTEGRATION))) {
            stream_head(r, u, NULL, content_type);
        } else {
            u->prelude = true;
            buf_init(&u->pre, a);
        }
    }
    if (u->prelude) {
        size_t from = u->pre.len > 7 ? u->pre.len - 7 : 0;
        buf_put_str(&u->pre, piece);
        str_t all = buf_str(&u->pre);
        for (size_t i = from; i + 8 <= all.len; i++) {
            if (memcmp(all.p + i, "\0\0\0\0\0\0\0\0", 8) != 0) continue;
            u->prelude = false;
            const json_t *j = json_parse(a, str_n(all.p, i), NULL);
            stream_head(r, u, j && j->type == JSON_OBJECT ? j : NULL, STR_NULL);
            dispatch_stream_write(r, str_n(all.p + i + 8, all.len - i - 8));
            return;
        }
        if (all.len > PRELUDE_MAX) { /* no prelude after all: what came is the body */
            u->prelude = false;
            stream_head(r, u, NULL, STR_NULL);
            dispatch_stream_write(r, all);
        }
        return;
    }
    dispatch_stream_write(r, piece);
}

/* The function's result as the HTTP response ("Invoking Lambda function
 * URLs", Response payload; LocalStack's recorded test_lambda_url_invocation):
 * an object with statusCode is a response (statusCode, headers, cookies,
 * body, isBase64Encoded); a JSON string is the body; any other JSON is the
 * body as compact JSON, 200 application/json. A function error is 502
 * "Internal Server Error" (test_lambda_url_invocation_exception). */
static void url_answer(req_t *r, bool fn_error, str_t payload)
{
    arena_t *a = r->arena;
    url_t *u = r->svc_memo;
    if (u->prelude && !fn_error) { /* a prelude never finished: what came is the body */
        u->prelude = false;
        stream_head(r, u, NULL, STR_NULL);
        dispatch_stream_write(r, buf_str(&u->pre));
    }
    if (u->begun) { /* the function streamed; an error after the head cuts the body short */
        dispatch_stream_end(r);
        return;
    }
    if (fn_error) {
        answer(r, 502, NULL, STR("Internal Server Error"));
        cors_decorate(r, u);
        dispatch_answer(r);
        return;
    }
    wire_resp_init(&r->resp, a);
    r->resp.status = 200;
    const json_t *j = json_parse(a, payload, NULL);
    bool content_type = false, cors = u->cors_json.len > 0;
    if (str_eq_c(u->invoke_mode, "RESPONSE_STREAM")) {
        /* AWS: a handler that does not stream has its result sent as it is,
         * at once (one that streams went out piece by piece: url_piece) */
        buf_put_str(&r->resp.body, payload);
        wire_resp_header(&r->resp, a, "Content-Type", STR("application/octet-stream"));
        content_type = true;
    } else if (j && j->type == JSON_STRING) {
        buf_put_str(&r->resp.body, j->u.s);
    } else if (j && j->type == JSON_OBJECT && json_get(j, "statusCode")) {
        const json_t *sc = json_get(j, "statusCode");
        long long status = 0;
        if (sc->type == JSON_INT) status = sc->u.i;
        if (sc->type == JSON_STRING && !str_to_i64(sc->u.s, &status)) status = 0;
        if (status < 100 || status > 599) { /* AWS: a malformed response is the function's error */
            answer(r, 502, NULL, STR("Internal Server Error"));
            cors_decorate(r, u);
            dispatch_answer(r);
            return;
        }
        r->resp.status = (int)status;
        const json_t *h = json_get(j, "headers");
        for (size_t i = 0; h && h->type == JSON_OBJECT && i < h->u.obj.n; i++) {
            str_t name = h->u.obj.k[i];
            const json_t *v = h->u.obj.v[i];
            if (cors && str_starts_with(lower(a, name), STR("access-control-"))) continue;
            if (str_eq_nocase(name, STR("content-length")) || str_eq_nocase(name, STR("transfer-encoding"))) continue;
            str_t value = v->type == JSON_STRING ? v->u.s : v->type == JSON_NULL ? STR("") : compact(a, v);
            if (str_eq_nocase(name, STR("content-type"))) content_type = true;
            wire_resp_header(&r->resp, a, arena_str(a, name).p, value);
        }
        const json_t *ck = json_get(j, "cookies");
        for (size_t i = 0; ck && ck->type == JSON_ARRAY && i < ck->u.arr.n; i++)
            if (ck->u.arr.v[i]->type == JSON_STRING) wire_resp_header(&r->resp, a, "Set-Cookie", ck->u.arr.v[i]->u.s);
        const json_t *body = json_get(j, "body"), *b64 = json_get(j, "isBase64Encoded");
        if (body && body->type == JSON_STRING) {
            str_t bytes = body->u.s;
            if (b64 && b64->type == JSON_BOOL && b64->u.b && !arena_unbase64(a, body->u.s, &bytes)) {
                answer(r, 502, NULL, STR("Internal Server Error"));
                cors_decorate(r, u);
                dispatch_answer(r);
                return;
            }
            buf_put_str(&r->resp.body, bytes);
        } else if (body && body->type != JSON_NULL) {
            buf_put_str(&r->resp.body, compact(a, body));
        }
    } else {
        buf_put_str(&r->resp.body, j ? compact(a, j) : payload);
    }
    if (!content_type) wire_resp_header(&r->resp, a, "Content-Type", STR("application/json"));
    wire_resp_header(&r->resp, a, "x-amzn-RequestId", str_c(r->id));
    cors_decorate(r, u);
    dispatch_answer(r);
}

/* AWS ("Control access to Lambda function URLs": since October 2025 a
 * new function URL needs both permissions): lambda:InvokeFunctionUrl, with
 * lambda:FunctionUrlAuthType the URL's AuthType, and lambda:InvokeFunction,
 * with lambda:InvokedViaFunctionUrl true. */
static const char *const url_actions[] = {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"};

/* AWS_IAM: a SigV4-signed caller whose policies (or the function's) allow
 * both actions on the function. NONE: the function's resource policy must
 * allow both to everyone. GR_OK, or r answered with the refusal. */
static int authorize(req_t *r, const url_t *u, const lambda__fn_t *f)
{
    arena_t *a = r->arena;
    char err[256];
    const policy_t *res = f->policy.len ? policy_parse_in(a, f->policy, POLICY_RESOURCE, err, sizeof err) : NULL;
    str_t arn = function_arn(a, u), yes = STR("true");
    policy_ctx_t ctx[2] = {{STR("lambda:FunctionUrlAuthType"), &u->auth_type, 1},
                           {STR("lambda:InvokedViaFunctionUrl"), &yes, 1}};
    bool iam = str_eq_c(u->auth_type, "AWS_IAM");
    if (iam) {
        /* unsigned: refused as any caller without the permission; a bad
         * signature: named, as for any AWS request */
        if (!wire_header(&r->w, "authorization").p && !wire_query_param(&r->w, a, "X-Amz-Signature").p) {
            answer(r, 403, "AccessDeniedException", STR(FORBIDDEN));
            return GR_ERR;
        }
        if (dispatch_authenticate(r) != GR_OK) {
            buf_t b;
            buf_init(&b, a);
            buf_puts(&b, "{\"Message\":");
            json_write_string(&b, str_c(r->err_msg ? r->err_msg : "Forbidden"));
            buf_putc(&b, '}');
            answer(r, 403, r->err ? r->err->code : "AccessDeniedException", buf_str(&b));
            return GR_ERR;
        }
    } else {
        r->who = (principal_t){.anonymous = true};
    }
    for (size_t i = 0; i < sizeof url_actions / sizeof *url_actions; i++) {
        str_t action = str_c(url_actions[i]);
        policy_req_t pr = {.action = action, .resource = arn, .who = &r->who, .ctx = ctx, .nctx = 2};
        bool ok =
            iam ? authz_check_resource_ctx(r, ((app_t *)r->app)->authz, action, arn, u->account, res, ctx, 2) == GR_OK
                : res && policy_eval_one(res, &pr) == POLICY_ALLOW;
        if (!ok) {
            answer(r, 403, "AccessDeniedException", STR(FORBIDDEN));
            return GR_ERR;
        }
    }
    return GR_OK;
}

int lambda_url_serve(req_t *r, str_t url_id)
{
    arena_t *a = r->arena;
    url_t *u = ARENA_NEW(a, url_t);
    if (!u) return GR_ERR;
    lambda__fn_t f;
    int found = load_url(r->app, a, NULL, lower(a, url_id), u);
    if (found == 1 && !str_eq(u->region, r->region)) found = 0;
    if (found == 1) found = lambda__load_q(r->app, a, u->account, u->region, u->name, u->qualifier, &f);
    if (found < 0) {
        answer(r, 500, "ServiceException", STR("{\"Message\":\"Internal Server Error\"}"));
        return GR_OK;
    }
    if (!found) {
        answer(r, 403, "AccessDeniedException", STR("{\"Message\":null}"));
        return GR_OK;
    }
    if (preflight(r, u) || authorize(r, u, &f) != GR_OK) return GR_OK;
    if (f.reserved == 0) { /* AWS: throttled, as Invoke is */
        answer(r, 429, "TooManyRequestsException", STR("{\"Message\":\"Rate Exceeded.\"}"));
        return GR_OK;
    }
    if (!r->transport) { /* an in-process request has no connection to answer on later */
        answer(r, 500, "ServiceException", STR("{\"Message\":\"Internal Server Error\"}"));
        return GR_OK;
    }
    str_t event = event_of(r, u, str_eq_c(u->auth_type, "AWS_IAM"));
    if (event.len > EVENT_MAX) {
        answer(r, 413, "RequestTooLargeException",
               STR("{\"Message\":\"Request must be smaller than 6291456 bytes for the InvokeFunction operation\"}"));
        return GR_OK;
    }
    r->svc_memo = u;
    bool streamed = str_eq_c(u->invoke_mode, "RESPONSE_STREAM");
    if (lambda__invoke_sync(r, &f, event, url_answer, streamed ? url_piece : NULL) == GR_AGAIN) return GR_AGAIN;
    answer(r, 500, "ServiceException", STR("{\"Message\":\"Internal Server Error\"}"));
    return GR_OK;
}
