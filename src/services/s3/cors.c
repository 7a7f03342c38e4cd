/* cors.c — S3 CORS in effect: OPTIONS preflight requests answered from the
 * bucket's CORS configuration (bucket_config.c stores it), and the
 * Access-Control-* headers added to actual requests that carry an Origin.
 * The dispatcher calls these for S3 before the model pipeline (preflight is
 * no S3 operation and needs no signature) and after it (headers). */
#include <string.h>

#include "s3.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"

static const aws_errdef_t E_CORSForbidden = {"AccessForbidden", 403, true};
static const aws_errdef_t E_BadRequest = {"BadRequest", 400, true};

/* A CORS pattern: AWS allows one '*' wildcard in AllowedOrigins and
 * AllowedHeaders; headers compare case-insensitively. */
static bool wild_match(str_t pat, str_t s, bool nocase)
{
    long star = str_index(pat, '*');
    if (star < 0) return nocase ? str_eq_nocase(pat, s) : str_eq(pat, s);
    str_t pre = str_sub(pat, 0, (size_t)star), suf = str_sub(pat, (size_t)star + 1, pat.len - (size_t)star - 1);
    if (s.len < pre.len + suf.len) return false;
    str_t sp = str_sub(s, 0, pre.len), ss = str_sub(s, s.len - suf.len, suf.len);
    return nocase ? str_eq_nocase(sp, pre) && str_eq_nocase(ss, suf) : str_eq(sp, pre) && str_eq(ss, suf);
}

static bool list_has(const val_t *l, str_t s, bool wild, bool nocase)
{
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
        const val_t *x = l->u.list.v[i];
        if (x->kind != VAL_STR) continue;
        if (wild ? wild_match(x->u.s, s, nocase) : (nocase ? str_eq_nocase(x->u.s, s) : str_eq(x->u.s, s))) return true;
    }
    return false;
}

/* The first rule that admits origin, method and every requested header. */
static const val_t *match_rule(const val_t *cfg, str_t origin, str_t method, str_t req_headers)
{
    const val_t *rules = cfg ? val_get(cfg, "CORSRules") : NULL;
    for (size_t i = 0; rules && rules->kind == VAL_LIST && i < rules->u.list.n; i++) {
        const val_t *ru = rules->u.list.v[i];
        if (!list_has(val_get(ru, "AllowedOrigins"), origin, true, false)) continue;
        if (!list_has(val_get(ru, "AllowedMethods"), method, false, false)) continue;
        bool ok = true;
        str_t rest = req_headers;
        while (ok && rest.len) {
            str_t h;
            rest = str_cut(rest, ',', &h);
            h = str_trim(h);
            if (h.len && !list_has(val_get(ru, "AllowedHeaders"), h, true, true)) ok = false;
        }
        if (ok) return ru;
    }
    return NULL;
}

static str_t joined(arena_t *a, const val_t *l)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++) {
        if (i) buf_puts(&b, ", ");
        if (l->u.list.v[i]->kind == VAL_STR) buf_put_str(&b, l->u.list.v[i]->u.s);
    }
    return buf_str(&b);
}

/* AWS: the headers of a matched rule — Allow-Origin echoes the origin unless
 * the rule allows "*"; credentials are allowed for a named origin. */
static void add_headers(req_t *r, const val_t *ru, str_t origin, bool preflight, str_t req_headers)
{
    arena_t *a = r->arena;
    wire_resp_t *w = &r->resp;
    bool any = list_has(val_get(ru, "AllowedOrigins"), STR("*"), false, false) &&
               !list_has(val_get(ru, "AllowedOrigins"), origin, false, false);
    wire_resp_header(w, a, "Access-Control-Allow-Origin", any ? STR("*") : origin);
    if (!any) wire_resp_header(w, a, "Access-Control-Allow-Credentials", STR("true"));
    wire_resp_header(w, a, "Access-Control-Allow-Methods", joined(a, val_get(ru, "AllowedMethods")));
    if (preflight && req_headers.len) wire_resp_header(w, a, "Access-Control-Allow-Headers", req_headers);
    const val_t *ex = val_get(ru, "ExposeHeaders");
    if (ex && val_len(ex)) wire_resp_header(w, a, "Access-Control-Expose-Headers", joined(a, ex));
    const val_t *age = val_get(ru, "MaxAgeSeconds");
    if (age && age->kind == VAL_INT)
        wire_resp_header(w, a, "Access-Control-Max-Age", str_c(arena_printf(a, "%lld", (long long)age->u.i)));
    wire_resp_header(w, a, "Vary", STR("Origin, Access-Control-Request-Headers, Access-Control-Request-Method"));
}

/* "/bucket/key…" → bucket. */
static str_t path_bucket(str_t path)
{
    if (path.len && path.p[0] == '/') path = str_sub(path, 1, path.len - 1);
    long sl = str_index(path, '/');
    return sl < 0 ? path : str_sub(path, 0, (size_t)sl);
}

int s3_cors_preflight(req_t *r)
{
    str_t origin = wire_header(&r->w, "origin"), method = wire_header(&r->w, "access-control-request-method");
    str_t req_headers = wire_header(&r->w, "access-control-request-headers");
    str_t bucket = path_bucket(r->w.path);
    if (!origin.len) return req_fail(r, &E_BadRequest, "Insufficient information. Origin request header needed.");
    if (!method.len) return req_fail(r, &E_BadRequest, "Invalid Access-Control-Request-Method: %.*s", STR_FMT(method));
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    int found = s3_bucket_owner(r, db, bucket, NULL, NULL);
    if (found < 0) return GR_ERR;
    val_t *cfg = NULL;
    if (found && s3_cfg_get(r, db, bucket, "cors", &cfg) < 0) return GR_ERR;
    if (!cfg) return req_fail(r, &E_CORSForbidden, "CORSResponse: CORS is not enabled for this bucket.");
    const val_t *ru = match_rule(cfg, origin, method, req_headers);
    if (!ru)
        return req_fail(r, &E_CORSForbidden,
                        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
                        "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
                        "are not whitelisted by the resource's CORS spec.");
    wire_resp_init(&r->resp, r->arena);
    r->resp.status = 200;
    add_headers(r, ru, origin, true, req_headers);
    return GR_OK;
}

void s3_cors_headers(req_t *r, str_t bucket)
{
    str_t origin = wire_header(&r->w, "origin");
    if (!origin.len || !bucket.len) return;
    sqlite3 *db = s3__db(r);
    val_t *cfg = NULL;
    if (!db || s3_cfg_get(r, db, bucket, "cors", &cfg) != 1) return;
    /* An actual request that names an Access-Control-Request-Method is
     * matched with that method, as ceph/s3-tests' test_cors_origin_response
     * expects of S3 (a browser sends the header only on preflights). */
    str_t method = wire_header(&r->w, "access-control-request-method");
    const val_t *ru = match_rule(cfg, origin, method.len ? method : r->w.method, STR_NULL);
    if (ru) add_headers(r, ru, origin, false, STR_NULL);
}

void s3_cors_decorate(req_t *r)
{
    s3_cors_headers(r, path_bucket(r->w.path));
}
