/* webid.c — STS AssumeRoleWithWebIdentity: temporary credentials for a role,
 * in exchange for an OpenID Connect ID token (a JWT) an identity provider
 * signed.
 *
 * Served without credentials (OPF_UNSIGNED): the token is the proof. As AWS
 * documents (the AssumeRoleWithWebIdentity reference, "Create a role for
 * OpenID Connect federation"): the token's iss names an IAM OIDC provider of
 * the role's account (its URL is iss without https://, reached through
 * iam/sts_glue.c), its aud (or azp) is one of the provider's client IDs, it
 * has not expired, and its RS256/RS384/RS512/ES256/ES384 signature verifies
 * with the key its kid names in the issuer's JWKS — found through
 * https://ISSUER/.well-known/openid-configuration and fetched with
 * services/httpsend.h over TLS, the chain trusted by the trust store or else
 * by the provider's ThumbprintList. JWKS answers are kept ten minutes. The
 * role's trust policy then decides sts:AssumeRoleWithWebIdentity for
 * Principal {"Federated": provider ARN} with the ISSUER:aud, ISSUER:sub and
 * ISSUER:amr keys.
 *
 * The fetch goes only to loopback hosts, bounded by a short timeout, and
 * runs on a worker of its own (a jobq started by sts_start): the request is
 * suspended (GR_AGAIN) meanwhile, so that a slow issuer holds up no other
 * request of the loop, and the handler runs again with the fetched document
 * once the worker posts it back. A kept document needs no fetch. */
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/gtime.h"
#include "core/json.h"
#include "http/http.h"
#include "services/app.h"
#include "services/dispatch.h"
#include "services/httpsend.h"
#include "services/jobq.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "sts_model.h"

#define MAX_TAGS 50 /* AWS: at most 50 session tags */

#define FETCH_TIMEOUT_S 5
#define JWKS_KEEP_US ((int64_t)600 * 1000000)
#define SKEW_S 300 /* clock skew allowed on iat and nbf */
#define MAX_LIST 100

static int invalid(req_t *r, const char *msg)
{
    return req_fail(r, &STS_ERR_InvalidIdentityTokenException, "%s", msg);
}

/* ==== The issuer's keys ==== */

typedef struct {
    char *issuer, *jwks;
    int64_t at_us;
} jwks_entry_t;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static jwks_entry_t cache[16];

static str_t cached(arena_t *a, str_t issuer)
{
    str_t out = STR_NULL;
    int64_t now = time_now_us();
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < sizeof cache / sizeof cache[0]; i++)
        if (cache[i].issuer && str_eq_c(issuer, cache[i].issuer) && now - cache[i].at_us < JWKS_KEEP_US)
            out = str_c(arena_printf(a, "%s", cache[i].jwks));
    pthread_mutex_unlock(&cache_mu);
    return out;
}

static void keep(str_t issuer, str_t jwks)
{
    pthread_mutex_lock(&cache_mu);
    size_t slot = 0;
    for (size_t i = 0; i < sizeof cache / sizeof cache[0]; i++) {
        if (cache[i].issuer && str_eq_c(issuer, cache[i].issuer)) {
            slot = i;
            break;
        }
        if (cache[i].at_us < cache[slot].at_us) slot = i;
    }
    free(cache[slot].issuer);
    free(cache[slot].jwks);
    cache[slot] = (jwks_entry_t){str_dup(issuer), str_dup(jwks), time_now_us()};
    pthread_mutex_unlock(&cache_mu);
}

/* GET url: trusted by the trust store, else by a pinned thumbprint. */
static bool fetch(arena_t *a, str_t url, const str_t *thumbs, size_t nthumbs, str_t *body)
{
    httpsend_req_t q = {.method = STR("GET"),
                        .url = url,
                        .head = STR("Accept: application/json\r\n"),
                        .timeout_s = FETCH_TIMEOUT_S,
                        .loopback_only = true,
                        .want_body = true};
    httpsend_answer_t ans;
    httpsend(a, &q, &ans);
    if (ans.fail == HTTPSEND_TLS && nthumbs) {
        q.pins = thumbs;
        q.n_pins = nthumbs;
        httpsend(a, &q, &ans);
    }
    if (ans.fail != HTTPSEND_OK || ans.status != 200) return false;
    *body = ans.body;
    return true;
}

/* Fetches the issuer's JWKS document (JSON text into *text) through its
 * discovery document, and keeps it: 1, 0 when the documents are not what
 * they should be, -1 when the issuer cannot be reached at all. Blocking. */
static int jwks_fetch(arena_t *a, str_t iss, const str_t *thumbs, size_t nthumbs, str_t *text)
{
    str_t doc, base = iss;
    const json_t *d, *u;
    *text = STR_NULL;
    if (base.len && base.p[base.len - 1] == '/') base.len--;
    str_t conf = str_c(arena_printf(a, "%.*s/.well-known/openid-configuration", STR_FMT(base)));
    if (!fetch(a, conf, thumbs, nthumbs, &doc)) return -1;
    if (!(d = json_parse(a, doc, NULL)) || !(u = json_get(d, "jwks_uri")) || u->type != JSON_STRING) return 0;
    if (!fetch(a, u->u.s, thumbs, nthumbs, text)) return -1;
    const json_t *j = json_parse(a, *text, NULL), *k = j ? json_get(j, "keys") : NULL;
    if (!k || k->type != JSON_ARRAY) return 0;
    keep(iss, *text);
    return 1;
}

/* ==== Fetching off the request's loop ====
 * A fetch job is owned by the worker until it posts the job back (or finds
 * it cancelled, and frees it); then by the post, which frees it. on_abort
 * (the client left) only marks it cancelled: both run on the loop, so a
 * post already queued finds the mark. */

typedef struct {
    jobq_job_t job; /* first: the queue's link */
    http_req_t *h;
    req_t *r;
    int pass;
    char *iss;
    char **thumbs;
    size_t nthumbs;
    int got;    /* jwks_fetch's answer */
    char *text; /* the document when got is 1 */
    bool cancelled;
} fetch_job_t;

/* What the fetches of a suspended request found, per pass, in its arena
 * (r->svc_memo) for the handler's next run. */
typedef struct {
    bool have[2];
    int got[2];
    str_t text[2];
} fetched_t;

static pthread_mutex_t job_mu = PTHREAD_MUTEX_INITIALIZER;

static void job_free(jobq_job_t *jj)
{
    fetch_job_t *j = (fetch_job_t *)jj;
    for (size_t i = 0; i < j->nthumbs; i++) free(j->thumbs[i]);
    free(j->thumbs);
    free(j->iss);
    free(j->text);
    free(j);
}

/* On the request's loop: the handler runs again with what was fetched. */
static void job_posted(http_req_t *h, void *arg)
{
    (void)h;
    fetch_job_t *j = arg;
    pthread_mutex_lock(&job_mu);
    bool cancelled = j->cancelled;
    pthread_mutex_unlock(&job_mu);
    if (cancelled) {
        job_free(&j->job);
        return;
    }
    req_t *r = j->r;
    r->on_abort = NULL;
    r->on_abort_arg = NULL;
    fetched_t *f = r->svc_memo;
    f->have[j->pass] = true;
    f->got[j->pass] = j->got;
    f->text[j->pass] = j->text ? arena_str(r->arena, str_c(j->text)) : STR_NULL;
    job_free(&j->job);
    int rc = sts_assume_role_with_web_identity(r, r->in, r->out);
    if (rc != GR_AGAIN) dispatch_resume(r, rc);
}

/* On a worker. */
static void job_run(void *arg, jobq_job_t *jj)
{
    (void)arg;
    fetch_job_t *j = (fetch_job_t *)jj;
    arena_t *a = arena_new(0);
    str_t thumbs[MAX_LIST], text = STR_NULL;
    for (size_t i = 0; i < j->nthumbs; i++) thumbs[i] = str_c(j->thumbs[i]);
    j->got = a ? jwks_fetch(a, str_c(j->iss), thumbs, j->nthumbs, &text) : -1;
    if (j->got == 1) j->text = str_dup(text);
    arena_free(a);
    pthread_mutex_lock(&job_mu);
    if (j->cancelled) {
        pthread_mutex_unlock(&job_mu);
        job_free(jj);
        return;
    }
    http_req_post(j->h, job_posted, j);
    pthread_mutex_unlock(&job_mu);
}

/* On the request's loop, when its client left first. */
static void job_abort(req_t *r, void *arg)
{
    (void)r;
    fetch_job_t *j = arg;
    pthread_mutex_lock(&job_mu);
    j->cancelled = true;
    pthread_mutex_unlock(&job_mu);
}

static jobq_t fetchers = JOBQ_INIT(job_run, job_free, 0);
static bool fetchers_started;

#define FETCHERS 2

int sts__webid_start(struct app *app)
{
    if (jobq_start(&fetchers, FETCHERS, app) != GR_OK) return GR_ERR;
    fetchers_started = true;
    return GR_OK;
}

void sts__webid_stop(struct app *app)
{
    (void)app;
    jobq_stop(&fetchers);
    fetchers_started = false;
}

/* Suspends r while a worker fetches iss's JWKS for `pass`; GR_AGAIN. */
static int suspend_for_fetch(req_t *r, str_t iss, const str_t *thumbs, size_t nthumbs, int pass)
{
    if (!r->svc_memo) {
        r->svc_memo = arena_alloc(r->arena, sizeof(fetched_t));
        if (!r->svc_memo) return GR_ERR;
        *(fetched_t *)r->svc_memo = (fetched_t){0};
    }
    fetch_job_t *j = calloc(1, sizeof *j);
    if (!j) return GR_ERR;
    *j = (fetch_job_t){.h = r->transport, .r = r, .pass = pass, .iss = str_dup(iss), .nthumbs = nthumbs};
    j->thumbs = calloc(nthumbs ? nthumbs : 1, sizeof *j->thumbs);
    bool ok = j->iss && j->thumbs;
    for (size_t i = 0; ok && i < nthumbs; i++) ok = (j->thumbs[i] = str_dup(thumbs[i])) != NULL;
    if (!ok) {
        job_free(&j->job);
        return GR_ERR;
    }
    j->job.due_us = time_mono_us();
    r->on_abort = job_abort;
    r->on_abort_arg = j;
    jobq_push(&fetchers, &j->job);
    return GR_AGAIN;
}

/* The issuer's JWKS keys for `pass` (0: the kept document if any; 1: fetched
 * again, for a kid the kept keys lack): 1, 0 when they cannot be had, -1
 * when the issuer cannot be reached at all, GR_AGAIN when r is suspended for
 * a fetch. Without a transport (unit tests) or workers, it fetches inline. */
static int jwks_of(req_t *r, str_t iss, const str_t *thumbs, size_t nthumbs, int pass, const json_t **keys)
{
    arena_t *a = r->arena;
    const fetched_t *f = r->svc_memo;
    str_t text = STR_NULL;
    int got;
    if (f && f->have[pass]) {
        got = f->got[pass];
        text = f->text[pass];
    } else if (pass == 0 && (text = cached(a, iss)).p) {
        got = 1;
    } else if (r->transport && fetchers_started) {
        return suspend_for_fetch(r, iss, thumbs, nthumbs, pass);
    } else {
        got = jwks_fetch(a, iss, thumbs, nthumbs, &text);
    }
    if (got != 1) return got;
    const json_t *j = json_parse(a, text, NULL), *k = j ? json_get(j, "keys") : NULL;
    if (!k || k->type != JSON_ARRAY) return 0;
    *keys = k;
    return 1;
}

static str_t jstr(const json_t *o, const char *key)
{
    const json_t *v = o ? json_get(o, key) : NULL;
    return v && v->type == JSON_STRING ? v->u.s : STR_NULL;
}

static BIGNUM *b64_bn(arena_t *a, str_t b64)
{
    str_t raw;
    if (!b64.p || !arena_unbase64(a, b64, &raw)) return NULL;
    return BN_bin2bn((const unsigned char *)raw.p, (int)raw.len, NULL);
}

/* The public key of a JWK (RSA, or EC on P-256/P-384), or NULL. */
static EVP_PKEY *jwk_key(arena_t *a, const json_t *jwk)
{
    str_t kty = jstr(jwk, "kty");
    EVP_PKEY *k = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *n = NULL, *e = NULL;
    if (!bld) return NULL;
    if (str_eq_c(kty, "RSA")) {
        n = b64_bn(a, jstr(jwk, "n"));
        e = b64_bn(a, jstr(jwk, "e"));
        if (n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else if (str_eq_c(kty, "EC")) {
        str_t crv = jstr(jwk, "crv"), x, y;
        const char *group = str_eq_c(crv, "P-256") ? "prime256v1" : str_eq_c(crv, "P-384") ? "secp384r1" : NULL;
        if (group && arena_unbase64(a, jstr(jwk, "x"), &x) && arena_unbase64(a, jstr(jwk, "y"), &y)) {
            str_t pub = ARENA_CAT(a, STR("\x04"), x, y);
            if (pub.p && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
                OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.p, pub.len))
                ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        }
    }
    if (ctx && (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return k;
}

/* Does sig (JWS form: ES* as r||s) sign data with key under alg? */
static bool verify(EVP_PKEY *key, str_t alg, str_t data, str_t sig)
{
    const EVP_MD *md = str_ends_with(alg, STR("256"))   ? EVP_sha256()
                       : str_ends_with(alg, STR("384")) ? EVP_sha384()
                                                        : EVP_sha512();
    bool ec = alg.p[0] == 'E';
    if (ec != (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)) return false;
    unsigned char *der = NULL;
    int derlen = 0;
    if (ec) {
        /* JWS carries r||s; OpenSSL verifies DER */
        if (sig.len % 2 || !sig.len) return false;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *br = BN_bin2bn((const unsigned char *)sig.p, (int)sig.len / 2, NULL);
        BIGNUM *bs = BN_bin2bn((const unsigned char *)sig.p + sig.len / 2, (int)sig.len / 2, NULL);
        if (!es || !br || !bs || ECDSA_SIG_set0(es, br, bs) != 1) {
            BN_free(br);
            BN_free(bs);
            ECDSA_SIG_free(es);
            return false;
        }
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (derlen <= 0) return false;
        sig = str_n((const char *)der, (size_t)derlen);
    }
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    bool ok = m && EVP_DigestVerifyInit(m, NULL, md, NULL, key) == 1 &&
              EVP_DigestVerify(m, (const unsigned char *)sig.p, sig.len, (const unsigned char *)data.p, data.len) == 1;
    EVP_MD_CTX_free(m);
    OPENSSL_free(der);
    return ok;
}

/* ==== The token ==== */

/* The claim's values: a string, or each string of an array. */
static size_t claim_values(const json_t *claims, const char *key, str_t *out, size_t max)
{
    const json_t *v = json_get(claims, key);
    if (!v) return 0;
    if (v->type == JSON_STRING) {
        out[0] = v->u.s;
        return 1;
    }
    size_t n = 0;
    if (v->type == JSON_ARRAY)
        for (size_t i = 0; i < v->u.arr.n && n < max; i++)
            if (v->u.arr.v[i]->type == JSON_STRING) out[n++] = v->u.arr.v[i]->u.s;
    return n;
}

static bool claim_time(const json_t *claims, const char *key, int64_t *t)
{
    const json_t *v = json_get(claims, key);
    if (!v) return false;
    *t = v->type == JSON_INT ? v->u.i : v->type == JSON_DOUBLE ? (int64_t)v->u.d : 0;
    return true;
}

static bool alg_ok(str_t alg)
{
    static const char *const ALGS[] = {"RS256", "RS384", "RS512", "ES256", "ES384"};
    for (size_t i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++)
        if (str_eq_c(alg, ALGS[i])) return true;
    return false;
}

static const char *iso(arena_t *a, int64_t s)
{
    char buf[64];
    time_fmt_iso8601(buf, s * 1000000, false);
    return arena_printf(a, "%s", buf);
}

/* AWS ("Passing session tags using AssumeRoleWithWebIdentity"): the token's
 * https://aws.amazon.com/tags claim names the session tags, principal_tags
 * ({"KEY": ["VALUE"]}) and transitive_tag_keys (sts__tags_in). */
static val_t *token_tags(arena_t *a, const json_t *claims, policy_ctx_t *ctx, size_t *nctx, size_t max)
{
    const json_t *c = json_get(claims, "https://aws.amazon.com/tags");
    const json_t *pt = c && c->type == JSON_OBJECT ? json_get(c, "principal_tags") : NULL;
    const json_t *tk = c && c->type == JSON_OBJECT ? json_get(c, "transitive_tag_keys") : NULL;
    size_t n = pt && pt->type == JSON_OBJECT ? pt->u.obj.n : 0, nt = tk && tk->type == JSON_ARRAY ? tk->u.arr.n : 0;
    str_t *keys = ARENA_NEWN(a, str_t, n + 1), *vals = ARENA_NEWN(a, str_t, n + 1);
    str_t *transitive = ARENA_NEWN(a, str_t, nt + 1);
    if (!keys || !vals || !transitive) return NULL;
    size_t k = 0, t = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = pt->u.obj.v[i];
        if (v->type == JSON_ARRAY && v->u.arr.n) v = v->u.arr.v[0]; /* AWS: a list of one value */
        if (v->type != JSON_STRING) continue;
        keys[k] = pt->u.obj.k[i];
        vals[k++] = v->u.s;
    }
    for (size_t i = 0; i < nt; i++)
        if (tk->u.arr.v[i]->type == JSON_STRING) transitive[t++] = tk->u.arr.v[i]->u.s;
    return sts__tags_in(a, keys, vals, k, transitive, t, ctx, nctx, max);
}

int sts_assume_role_with_web_identity(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t role_arn = val_get_str(in, "RoleArn"), session = val_get_str(in, "RoleSessionName");
    str_t token = val_get_str(in, "WebIdentityToken");
    str_t account, path, role_name;
    if (sts__parse_role_arn(role_arn, &account, &path, &role_name) != 1)
        return req_fail(r, &ERR_ValidationError, "Request ARN is invalid");

    /* header.payload.signature, each base64url */
    str_t parts[3], rest = token, hdr_raw, pl_raw, sig;
    size_t np = 0;
    while (np < 3) {
        str_t head;
        str_t tail = str_cut(rest, '.', &head);
        parts[np++] = head;
        if (!tail.p) break;
        rest = tail;
    }
    if (np != 3 || memchr(rest.p, '.', rest.len) || !arena_unbase64(a, parts[0], &hdr_raw) ||
        !arena_unbase64(a, parts[1], &pl_raw) || !arena_unbase64(a, parts[2], &sig))
        return invalid(r, "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access "
                          "Token)");
    const json_t *hdr = json_parse(a, hdr_raw, NULL), *claims = json_parse(a, pl_raw, NULL);
    if (!hdr || hdr->type != JSON_OBJECT || !claims || claims->type != JSON_OBJECT)
        return invalid(r, "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access "
                          "Token)");
    str_t alg = jstr(hdr, "alg");
    if (!alg_ok(alg)) return invalid(r, "Unsupported token signature algorithm");

    /* the provider: iss without https://, in the role's account */
    str_t iss = jstr(claims, "iss");
    if (!iss.p) return invalid(r, "Missing issuer in token");
    str_t url = str_starts_with(iss, STR("https://")) ? str_sub(iss, 8, iss.len - 8) : iss;
    str_t clients[MAX_LIST], thumbs[MAX_LIST];
    size_t nclients, nthumbs;
    int found = iam_oidc_provider(r->app, account, url, a, clients, &nclients, thumbs, &nthumbs, MAX_LIST);
    if (found < 0) return GR_ERR;
    if (!found)
        return invalid(r, arena_printf(a, "No OpenIDConnect provider found in your account for %.*s", STR_FMT(iss)));
    str_t provider = str_c(arena_printf(a, "arn:aws:iam::%.*s:oidc-provider/%.*s", STR_FMT(account), STR_FMT(url)));

    /* audience: azp when the token has one, else aud */
    str_t auds[16];
    size_t naud = claim_values(claims, "azp", auds, 16);
    if (!naud) naud = claim_values(claims, "aud", auds, 16);
    str_t aud = STR_NULL;
    for (size_t i = 0; i < naud && !aud.p; i++)
        for (size_t c = 0; c < nclients; c++)
            if (str_eq(auds[i], clients[c])) aud = auds[i];
    if (!aud.p) return invalid(r, "Incorrect token audience");

    /* times */
    int64_t now = time_now_us() / 1000000, exp, t;
    if (!claim_time(claims, "exp", &exp)) return invalid(r, "Missing expiration in token");
    if (exp <= now)
        return req_fail(r, &STS_ERR_ExpiredTokenException,
                        "Token expired: current date/time %s must be before the expiration date/time %s", iso(a, now),
                        iso(a, exp));
    if (claim_time(claims, "iat", &t) && t > now + SKEW_S) return invalid(r, "Token issued in the future");
    if (claim_time(claims, "nbf", &t) && t > now + SKEW_S) return invalid(r, "Token is not yet valid");

    /* the signature, by the key kid names (or the only key) */
    /* the key kid names (or the only key); a kid the kept keys lack may be
     * a rotated one, so they are fetched again once */
    str_t kid = jstr(hdr, "kid");
    const json_t *jwk = NULL;
    for (int pass = 0; pass < 2 && !jwk; pass++) {
        const json_t *keys = NULL;
        int got = jwks_of(r, iss, thumbs, nthumbs, pass, &keys);
        if (got == GR_AGAIN) return GR_AGAIN;
        if (got < 0)
            return req_fail(r, &STS_ERR_IDPCommunicationErrorException,
                            "Couldn't retrieve verification key from your identity provider,  please reference "
                            "AssumeRoleWithWebIdentity documentation for requirements");
        if (!got) return invalid(r, "Couldn't retrieve verification key from your identity provider");
        for (size_t i = 0; i < keys->u.arr.n; i++) {
            const json_t *k = keys->u.arr.v[i];
            if (kid.p ? str_eq(jstr(k, "kid"), kid) : keys->u.arr.n == 1) jwk = k;
        }
    }
    EVP_PKEY *key = jwk ? jwk_key(a, jwk) : NULL;
    if (!key) return invalid(r, "Couldn't find a key in the identity provider's JWKS for this token");
    str_t signed_part = str_n(token.p, parts[0].len + 1 + parts[1].len);
    bool ok = verify(key, alg, signed_part, sig);
    EVP_PKEY_free(key);
    if (!ok) return invalid(r, "Signature verification failed");

    str_t session_policy;
    size_t nsdocs;
    int64_t percent;
    if (sts__session_policy(r, in, account, &session_policy, &nsdocs, &percent) != GR_OK) return GR_ERR;

    /* the trust policy decides, for the provider as principal */
    str_t sub = jstr(claims, "sub"), amr[16];
    size_t namr = claim_values(claims, "amr", amr, 16);
    if (!sub.p) sub = STR("");
    policy_ctx_t ctx[3 + MAX_TAGS + 1] = {{str_c(arena_printf(a, "%.*s:aud", STR_FMT(url))), &aud, 1},
                                          {str_c(arena_printf(a, "%.*s:sub", STR_FMT(url))), &sub, 1},
                                          {str_c(arena_printf(a, "%.*s:amr", STR_FMT(url))), amr, namr}};
    size_t nctx = 3;
    val_t *tags = token_tags(a, claims, ctx, &nctx, sizeof ctx / sizeof *ctx);
    if (!tags) return GR_ERR;
    iam_role_info_t role;
    if (sts__federated_role(r, account, path, role_name, provider, "sts:AssumeRoleWithWebIdentity",
                            val_len(val_get(tags, "Tags")) > 0, ctx, nctx, &role) != GR_OK)
        return GR_ERR;

    int64_t d = val_get_int(in, "DurationSeconds", 3600);
    if (d > role.max_session_s)
        return req_fail(r, &ERR_ValidationError,
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    d = sts__granted_seconds(d);

    principal_t who = sts__assumed_role(a, account, role.name, role.id, session);
    if (sts__session_tags(r, tags, false, &who.session_tags) != GR_OK) return GR_ERR;
    if (arena_failed(a) || sts__issue_out(r, &who, session_policy, "AssumeRoleWithWebIdentity", d, out,
                                          "AssumedRoleUser", "AssumedRoleId", nsdocs ? percent : -1) != GR_OK)
        return GR_ERR;
    val_set_c(a, out, "SubjectFromWebIdentityToken", val_str(a, sub));
    val_set_c(a, out, "Provider", val_str(a, iss));
    val_set_c(a, out, "Audience", val_str(a, aud));
    return GR_OK;
}
