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
 * The fetch runs on the request thread (it is the answer's input), bounded
 * by a short timeout and only to loopback hosts. */
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
#include "services/app.h"
#include "services/httpsend.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "sts_model.h"

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

/* The issuer's JWKS document (the kept one unless refresh): 1, 0 when it
 * cannot be had, -1 when the issuer cannot be reached at all. */
static int jwks_of(arena_t *a, str_t iss, const str_t *thumbs, size_t nthumbs, bool refresh, const json_t **keys)
{
    str_t text = refresh ? STR_NULL : cached(a, iss);
    bool fresh = !text.p;
    if (fresh) {
        str_t doc, base = iss;
        const json_t *d, *u;
        if (base.len && base.p[base.len - 1] == '/') base.len--;
        str_t conf = str_c(arena_printf(a, "%.*s/.well-known/openid-configuration", STR_FMT(base)));
        if (!fetch(a, conf, thumbs, nthumbs, &doc)) return -1;
        if (!(d = json_parse(a, doc, NULL)) || !(u = json_get(d, "jwks_uri")) || u->type != JSON_STRING) return 0;
        if (!fetch(a, u->u.s, thumbs, nthumbs, &text)) return -1;
    }
    const json_t *j = json_parse(a, text, NULL), *k = j ? json_get(j, "keys") : NULL;
    if (!k || k->type != JSON_ARRAY) return 0;
    if (fresh) keep(iss, text);
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
        int got = jwks_of(a, iss, thumbs, nthumbs, pass == 1, &keys);
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
    policy_ctx_t ctx[3] = {{str_c(arena_printf(a, "%.*s:aud", STR_FMT(url))), &aud, 1},
                           {str_c(arena_printf(a, "%.*s:sub", STR_FMT(url))), &sub, 1},
                           {str_c(arena_printf(a, "%.*s:amr", STR_FMT(url))), amr, namr}};
    iam_role_info_t role;
    if (sts__federated_role(r, account, path, role_name, provider, "sts:AssumeRoleWithWebIdentity", ctx, 3, &role) !=
        GR_OK)
        return GR_ERR;

    int64_t d = val_get_int(in, "DurationSeconds", 3600);
    if (d > role.max_session_s)
        return req_fail(r, &ERR_ValidationError,
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    d = sts__granted_seconds(d);

    principal_t who = sts__assumed_role(a, account, role.name, role.id, session);
    if (arena_failed(a) || sts__issue_out(r, &who, session_policy, "AssumeRoleWithWebIdentity", d, out,
                                          "AssumedRoleUser", "AssumedRoleId", nsdocs ? percent : -1) != GR_OK)
        return GR_ERR;
    val_set_c(a, out, "SubjectFromWebIdentityToken", val_str(a, sub));
    val_set_c(a, out, "Provider", val_str(a, iss));
    val_set_c(a, out, "Audience", val_str(a, aud));
    return GR_OK;
}
