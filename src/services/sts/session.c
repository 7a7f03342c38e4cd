/* session.c — STS temporary credentials: issuing and storing them
 * (sts_credential in DATA/meta/sts.db), the credential provider that lets
 * SigV4 accept them, GetSessionToken and GetFederationToken.
 *
 * Invariant: a stored credential never changes after it is issued, so the
 * provider can answer straight from its row; the dispatcher, not this file,
 * enforces the session token and the expiry the provider reports. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/json.h"
#include "core/id.h"
#include "core/log.h"
#include "schemas.h"
#include "services/app.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "sts_model.h"

#define B32 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define TOKEN_CHARS 356              /* AWS: "The size of the security token … is not fixed" */
#define PURGE_AFTER_US (7 * 86400e6) /* expired rows kept a week: ExpiredToken, not an unknown key */

int64_t sts__granted_seconds(int64_t requested)
{
#ifdef GUREUM_TESTING
    const char *e = getenv("GUREUM_STS_MIN_DURATION");
    if (e && *e && requested == 900) {
        long n = strtol(e, NULL, 10);
        if (n >= 1 && n < 900) return n;
    }
#endif
    return requested;
}

bool sts__is_session(const req_t *r)
{
    return str_starts_with(r->who.access_key, STR("ASIA"));
}

static sqlite3 *db_of(void *app)
{
    return store_db(((app_t *)app)->store, &schema_sts);
}

static void bind_str(sqlite3_stmt *st, int i, str_t s)
{
    if (s.p)
        sqlite3_bind_text(st, i, s.p, (int)s.len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
}

int sts__issue(req_t *r, const principal_t *who, str_t session_policy, const char *kind, int64_t duration_s,
               sts__creds_t *out)
{
    arena_t *a = r->arena;
    char key[21], secret[41], token[TOKEN_CHARS + 1];
    /* AWS: temporary keys are ASIA…, 20 characters; secrets 40 characters. */
    memcpy(key, "ASIA", 4);
    id_random_chars(key + 4, 16, B32);
    id_random_chars(secret, 40, B64);
    id_random_chars(token, TOKEN_CHARS, B64);
    int64_t now = time_now_us();
    *out = (sts__creds_t){arena_str(a, str_c(key)), arena_str(a, str_c(secret)), arena_str(a, str_c(token)),
                          now + duration_s * 1000000};
    if (arena_failed(a)) return GR_ERR;

    sqlite3 *db = db_of(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    /* the long-expired go first: issuing is rare next to using */
    if (store_prepare(db, "DELETE FROM sts_credential WHERE expires_us < ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now - (int64_t)PURGE_AFTER_US);
        sqlite3_step(st);
        store_release(st);
    }
    if (store_prepare(db,
                      "INSERT INTO sts_credential (key_id, secret, token, account, arn, user_id, user_name, root, "
                      "session_policy, kind, created_us, expires_us, mfa_us, session_tags) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                      -1, &st, NULL) != SQLITE_OK) {
        log_error("sts: %s", sqlite3_errmsg(db));
        return GR_ERR;
    }
    bind_str(st, 1, out->key_id);
    bind_str(st, 2, out->secret);
    bind_str(st, 3, out->token);
    bind_str(st, 4, who->account);
    bind_str(st, 5, who->arn);
    bind_str(st, 6, who->user_id);
    bind_str(st, 7, who->user_name);
    sqlite3_bind_int(st, 8, who->root ? 1 : 0);
    if (session_policy.len)
        sqlite3_bind_text(st, 9, session_policy.p, (int)session_policy.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_text(st, 10, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int64(st, 12, out->expires_us);
    sqlite3_bind_int64(st, 13, who->mfa_us);
    if (who->session_tags.len)
        sqlite3_bind_text(st, 14, who->session_tags.p, (int)who->session_tags.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 14);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) log_error("sts: %s", sqlite3_errmsg(db));
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int sts__issue_out(req_t *r, const principal_t *who, str_t session_policy, const char *kind, int64_t duration_s,
                   val_t *out, const char *user_member, const char *id_member, int64_t packed_percent)
{
    arena_t *a = r->arena;
    sts__creds_t c;
    if (sts__issue(r, who, session_policy, kind, duration_s, &c) != GR_OK) return GR_ERR;
    val_t *user = val_new(a, VAL_STRUCT);
    if (!user) return GR_ERR;
    val_set_c(a, user, id_member, val_str(a, who->user_id));
    val_set_c(a, user, "Arn", val_str(a, who->arn));
    val_set_c(a, out, "Credentials", sts__creds_value(r, &c));
    val_set_c(a, out, user_member, user);
    if (packed_percent >= 0) val_set_c(a, out, "PackedPolicySize", val_int(a, packed_percent));
    return arena_failed(a) ? GR_ERR : GR_OK;
}

val_t *sts__creds_value(req_t *r, const sts__creds_t *c)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    if (!v) return NULL;
    val_set_c(a, v, "AccessKeyId", val_str(a, c->key_id));
    val_set_c(a, v, "SecretAccessKey", val_str(a, c->secret));
    val_set_c(a, v, "SessionToken", val_str(a, c->token));
    /* AWS answers whole seconds: 2026-11-26T11:13:26Z */
    val_set_c(a, v, "Expiration", val_time(a, c->expires_us / 1000000 * 1000000));
    return v;
}

/* ==== The credential provider ==== */

static str_t col(arena_t *a, sqlite3_stmt *st, int i)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return arena_str(a, str_n(p ? p : "", (size_t)sqlite3_column_bytes(st, i)));
}

int sts_creds_provider(void *ud, str_t access_key, arena_t *a, cred_t *out)
{
    if (access_key.len != 20 || !str_starts_with(access_key, STR("ASIA"))) return GR_ERR;
    sqlite3 *db = db_of(ud);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT secret, token, account, arn, user_id, user_name, root, session_policy, expires_us, "
                      "mfa_us, session_tags "
                      "FROM sts_credential WHERE key_id = ?1",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, access_key.p, (int)access_key.len, SQLITE_STATIC);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = (cred_t){
            .secret = col(a, st, 0),
            .session_token = col(a, st, 1),
            .expires_us = sqlite3_column_int64(st, 8),
            .active = true,
            .who = {.account = col(a, st, 2),
                    .arn = col(a, st, 3),
                    .user_id = col(a, st, 4),
                    .access_key = arena_str(a, access_key),
                    .user_name = col(a, st, 5),
                    .root = sqlite3_column_int(st, 6) != 0,
                    .session_policy = sqlite3_column_type(st, 7) == SQLITE_NULL ? STR_NULL : col(a, st, 7),
                    .mfa_us = sqlite3_column_int64(st, 9),
                    .session_tags = sqlite3_column_type(st, 10) == SQLITE_NULL ? STR_NULL : col(a, st, 10)},
        };
        /* a session token is never empty: an empty one would let a request without one through */
        rc = arena_failed(a) || out->session_token.len == 0 ? GR_ERR : GR_OK;
    }
    store_release(st);
    return rc;
}

int sts_start(struct app *app)
{
    if (creds_add_provider(app->creds, sts_creds_provider, app) != GR_OK) return GR_ERR;
    return sts__webid_start(app);
}

void sts_stop(struct app *app)
{
    sts__webid_stop(app);
}

/* ==== GetSessionToken ==== */

/* SerialNumber and TokenCode (GetSessionToken, AssumeRole): the caller's
 * virtual MFA device and its current code, checked by IAM (iam_mfa_verify).
 * On success the request counts as MFA-authenticated from now on
 * (r->who.mfa_us), which the session issued for it keeps. */
int sts__mfa(req_t *r, const val_t *in)
{
    str_t serial = val_get_str(in, "SerialNumber"), code = val_get_str(in, "TokenCode");
    if (!serial.p && !code.p) return GR_OK;
    int ok = serial.p && code.p ? iam_mfa_verify(r->app, &r->who, serial, code, r->arena) : 0;
    if (ok < 0) return GR_ERR;
    if (!ok)
        return req_fail(r, &ERR_AccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code. ");
    r->who.mfa_us = time_now_us();
    return GR_OK;
}

/* AWS (STS API reference, GetSessionToken): DurationSeconds 900..129600 for
 * IAM users, default 43200; "Sessions for AWS account owners are restricted
 * to a maximum of 3,600 seconds … If the duration is longer than one hour,
 * the session for AWS account owners defaults to one hour." It "must be
 * called by using the long-term AWS security credentials"; with session
 * credentials AWS answers AccessDenied "Cannot call GetSessionToken with
 * session credentials". No permission is required (OPF_NO_AUTHZ). */
int sts_get_session_token(req_t *r, const val_t *in, val_t *out)
{
    if (sts__is_session(r))
        return req_fail(r, &ERR_AccessDenied, "Cannot call GetSessionToken with session credentials");
    int64_t d = val_get_int(in, "DurationSeconds", 43200);
    if (r->who.root && d > 3600) d = 3600;
    d = sts__granted_seconds(d);
    if (sts__mfa(r, in) != GR_OK) return GR_ERR;
    sts__creds_t c;
    if (sts__issue(r, &r->who, STR_NULL, "GetSessionToken", d, &c) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "Credentials", sts__creds_value(r, &c));
}

/* ==== GetFederationToken ==== */

/* What a federated user may do when GetFederationToken got no session policy:
 * AWS gives such a session no permissions but what a resource policy naming
 * it grants, which a session policy allowing no real action gives too. */
#define NO_PERMISSIONS                                                                                                 \
    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"none:none\",\"Resource\":\"*\"}}"

/* AWS (STS API reference, GetFederationToken): called with an IAM user's or
 * the root user's long-term credentials (with session credentials AWS answers
 * AccessDenied, as for GetSessionToken); DurationSeconds 900..129600, default
 * 43200, at most 3600 for the root user. The federated user
 * arn:aws:sts::ACCOUNT:federated-user/NAME ("ACCOUNT:NAME") may do what both
 * the calling user's policies and the session policies passed allow; its
 * session cannot call IAM, nor STS but GetCallerIdentity (authz.c). gureum
 * gives a session the root user made only what resource policies naming it
 * grant: the root's own "allow everything" is not carried into sessions. */
int sts_get_federation_token(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    if (sts__is_session(r))
        return req_fail(r, &ERR_AccessDenied, "Cannot call GetFederationToken with session credentials");
    str_t name = val_get_str(in, "Name"), policy;
    size_t ndocs;
    int64_t percent;
    if (sts__session_policy(r, in, r->who.account, &policy, &ndocs, &percent) != GR_OK) return GR_ERR;
    int64_t d = val_get_int(in, "DurationSeconds", 43200);
    if (r->who.root && d > 3600) d = 3600;
    d = sts__granted_seconds(d);
    principal_t who = {
        .account = r->who.account,
        .arn = str_c(arena_printf(a, "arn:aws:sts::%.*s:federated-user/%.*s", STR_FMT(r->who.account), STR_FMT(name))),
        .user_id = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(r->who.account), STR_FMT(name))),
        .user_name = r->who.root ? STR("") : r->who.user_name, /* whose identity policies apply */
    };
    if (sts__session_tags(r, in, false, &who.session_tags) != GR_OK || arena_failed(a)) return GR_ERR;
    return sts__issue_out(r, &who, policy.p ? policy : STR(NO_PERMISSIONS), "GetFederationToken", d, out,
                          "FederatedUser", "FederatedUserId", ndocs || val_len(val_get(in, "Tags")) ? percent : -1);
}

/* ==== Session tags ==== */

static bool key_in(str_t k, const val_t *keys)
{
    for (size_t i = 0; i < val_len(keys); i++)
        if (keys->u.list.v[i]->kind == VAL_STR && str_eq_nocase(k, keys->u.list.v[i]->u.s)) return true;
    return false;
}

static void tag_json(json_w_t *w, str_t k, str_t v, bool transitive)
{
    json_w_obj_begin(w);
    json_w_key(w, STR("Key"));
    json_w_str(w, k);
    json_w_key(w, STR("Value"));
    json_w_str(w, v.p ? v : STR(""));
    json_w_key(w, STR("Transitive"));
    json_w_bool(w, transitive);
    json_w_obj_end(w);
}

val_t *sts__tags_in(arena_t *a, const str_t *keys, const str_t *vals, size_t n, const str_t *transitive, size_t nt,
                    policy_ctx_t *ctx, size_t *nctx, size_t max)
{
    val_t *in = val_new(a, VAL_STRUCT), *tags = val_new(a, VAL_LIST), *tk = val_new(a, VAL_LIST);
    str_t *one = ARENA_NEWN(a, str_t, n + 1);
    if (!in || !tags || !tk || !one) return NULL;
    for (size_t i = 0; i < n && *nctx + 1 < max; i++) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, keys[i]));
        val_set_c(a, t, "Value", val_str(a, vals[i]));
        val_push(a, tags, t);
        one[i] = vals[i];
        ctx[(*nctx)++] = (policy_ctx_t){str_c(arena_printf(a, "aws:RequestTag/%.*s", STR_FMT(keys[i]))), &one[i], 1};
    }
    if (n && *nctx < max) ctx[(*nctx)++] = (policy_ctx_t){STR("aws:TagKeys"), keys, n};
    for (size_t i = 0; i < nt; i++) val_push(a, tk, val_str(a, transitive[i]));
    val_set_c(a, in, "Tags", tags);
    val_set_c(a, in, "TransitiveTagKeys", tk);
    return arena_failed(a) ? NULL : in;
}

int sts__session_tags(req_t *r, const val_t *in, bool chain, str_t *out)
{
    arena_t *a = r->arena;
    *out = STR_NULL;
    const val_t *tags = val_get(in, "Tags"), *transitive = val_get(in, "TransitiveTagKeys");
    size_t n = tags && tags->kind == VAL_LIST ? tags->u.list.n : 0;
    const val_t *inherited = NULL;
    if (chain && r->who.session_tags.len) {
        const char *err = NULL;
        json_t *j = json_parse(a, r->who.session_tags, &err);
        inherited = j ? val_from_json(a, j) : NULL;
    }
    size_t ni = inherited && inherited->kind == VAL_LIST ? inherited->u.list.n : 0;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    size_t count = 0;
    /* AWS (AssumeRole reference, Tags): the new session inherits the calling
     * session's transitive tags, and they stay transitive; "If you pass a
     * session tag with the same key as an inherited tag, the operation fails." */
    for (size_t i = 0; i < ni; i++) {
        const val_t *t = inherited->u.list.v[i];
        const val_t *tr = val_get(t, "Transitive");
        if (!tr || tr->kind != VAL_BOOL || !tr->u.b) continue;
        str_t k = val_get_str(t, "Key");
        for (size_t j = 0; j < n; j++)
            if (str_eq_nocase(k, val_get_str(tags->u.list.v[j], "Key")))
                return req_fail(r, &ERR_InvalidParameterValue,
                                "One or more of the specified session tag keys conflicts with an inherited transitive "
                                "session tag key.");
        tag_json(&w, k, val_get_str(t, "Value"), true);
        count++;
    }
    for (size_t i = 0; i < n; i++, count++) {
        str_t k = val_get_str(tags->u.list.v[i], "Key");
        tag_json(&w, k, val_get_str(tags->u.list.v[i], "Value"), key_in(k, transitive));
    }
    json_w_arr_end(&w);
    if (count) *out = buf_str(&b);
    return arena_failed(a) ? GR_ERR : GR_OK;
}
