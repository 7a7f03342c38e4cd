/* outbound.c — STS GetWebIdentityToken: a JSON Web Token, signed by STS,
 * that says who the caller is, for services outside AWS (IAM User Guide,
 * "IAM outbound identity federation"); and the token issuer those services
 * verify it with: its OpenID Connect discovery document and JWKS.
 *
 * The account must have enabled the feature (iam/outbound.c, asked through
 * iam_outbound_issuer). AWS's issuer is https://ID.tokens.sts.global.api.aws;
 * gureum has no such host, so its issuer is its own port under the path it
 * keeps for what it serves itself: http://HOST:PORT/_gureum/sts/issuer/ID,
 * whose /.well-known/openid-configuration and /.well-known/jwks.json are
 * served unsigned (sts_inspect, routed by dispatch.c), as AWS serves them.
 *
 * Keys: one per account and algorithm (RS256: RSA 2048, ES384: EC P-384),
 * made on first use and kept in DATA/meta/sts.db (sts_signing_key), so tokens
 * stay verifiable after a restart and after the feature is disabled. */
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <string.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "schemas.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"
#include "sts_model.h"

#define ISSUER_PATH "/_gureum/sts/issuer/"
#define CLAIMS_NS "https://sts.amazonaws.com/"
#define DEFAULT_DURATION_S 300 /* AWS: "If not specified, the default duration is 300 seconds" */

str_t sts_issuer_url(struct app *app, arena_t *a, str_t issuer_id)
{
    char base[300];
    config_self_url(((app_t *)app)->cfg, base, sizeof base);
    return str_c(arena_printf(a, "%s" ISSUER_PATH "%.*s", base, STR_FMT(issuer_id)));
}

/* ==== Keys ==== */

/* Base64url without padding (RFC 7515 §2), in a. */
static str_t b64url(arena_t *a, const void *p, size_t n)
{
    str_t s = arena_base64(a, p, n);
    if (!s.p) return STR_NULL;
    char *w = (char *)s.p;
    size_t len = 0;
    for (size_t i = 0; i < s.len && s.p[i] != '='; i++) w[len++] = s.p[i] == '+' ? '-' : s.p[i] == '/' ? '_' : s.p[i];
    w[len] = 0;
    return str_n(w, len);
}

static str_t bn_b64url(arena_t *a, const EVP_PKEY *k, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    str_t out = STR_NULL;
    if (EVP_PKEY_get_bn_param(k, param, &bn) == 1) {
        int n = pad ? pad : BN_num_bytes(bn);
        unsigned char *raw = arena_alloc(a, (size_t)n + 1);
        if (raw && BN_bn2binpad(bn, raw, n) == n) out = b64url(a, raw, (size_t)n);
    }
    BN_free(bn);
    return out;
}

typedef struct {
    str_t alg, kid;
    EVP_PKEY *key; /* freed with the arena */
    str_t jwk;     /* the public JWK, JSON */
} skey_t;

static bool is_ec(str_t alg)
{
    return str_eq_c(alg, "ES384");
}

/* The public JWK of k, and its kid: RFC 7638's thumbprint (the SHA-256 of
 * the required members in lexical order, no whitespace). */
static bool describe(arena_t *a, skey_t *s)
{
    str_t req;
    if (is_ec(s->alg)) {
        str_t x = bn_b64url(a, s->key, OSSL_PKEY_PARAM_EC_PUB_X, 48),
              y = bn_b64url(a, s->key, OSSL_PKEY_PARAM_EC_PUB_Y, 48);
        if (!x.p || !y.p) return false;
        req = str_c(
            arena_printf(a, "\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"%.*s\",\"y\":\"%.*s\"", STR_FMT(x), STR_FMT(y)));
    } else {
        str_t n = bn_b64url(a, s->key, OSSL_PKEY_PARAM_RSA_N, 0), e = bn_b64url(a, s->key, OSSL_PKEY_PARAM_RSA_E, 0);
        if (!n.p || !e.p) return false;
        req = str_c(arena_printf(a, "\"e\":\"%.*s\",\"kty\":\"RSA\",\"n\":\"%.*s\"", STR_FMT(e), STR_FMT(n)));
    }
    if (!req.p) return false;
    unsigned char md[32];
    unsigned int mdlen = 0;
    str_t thumb = str_c(arena_printf(a, "{%.*s}", STR_FMT(req)));
    if (!thumb.p || EVP_Digest(thumb.p, thumb.len, md, &mdlen, EVP_sha256(), NULL) != 1) return false;
    s->kid = b64url(a, md, mdlen);
    s->jwk = str_c(arena_printf(a, "{%.*s,\"use\":\"sig\",\"alg\":\"%.*s\",\"kid\":\"%.*s\"}", STR_FMT(req),
                                STR_FMT(s->alg), STR_FMT(s->kid)));
    return s->kid.p && s->jwk.p;
}

static void free_pkey(void *k)
{
    EVP_PKEY_free(k);
}

static EVP_PKEY *from_pem(arena_t *a, str_t pem)
{
    BIO *b = BIO_new_mem_buf(pem.p, (int)pem.len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (k && arena_defer(a, free_pkey, k) != 0) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static str_t to_pem(arena_t *a, EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    str_t out = STR_NULL;
    if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = arena_str(a, str_n(p, (size_t)n));
    }
    BIO_free(b);
    return out;
}

static sqlite3 *db_of(struct app *app)
{
    return store_db(((app_t *)app)->store, &schema_sts);
}

/* account's key for alg: 1 (s filled, in a), 0 none yet, -1 failure. */
static int load_key(struct app *app, arena_t *a, str_t account, str_t alg, skey_t *s)
{
    sqlite3 *db = db_of(app);
    sqlite3_stmt *st = db ? store_stmt(db, "SELECT pem FROM sts_signing_key WHERE account = ?1 AND alg = ?2") : NULL;
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, alg);
    int rc = sqlite3_step(st);
    str_t pem = rc == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    store_release(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW || !pem.p) return -1;
    *s = (skey_t){.alg = alg, .key = from_pem(a, pem)};
    return s->key && describe(a, s) ? 1 : -1;
}

/* account's key for alg, made and stored when it has none. Two requests
 * that both make one race on the insert; the loser reads the winner's. */
static int signing_key(struct app *app, arena_t *a, str_t account, str_t alg, skey_t *s)
{
    int have = load_key(app, a, account, alg, s);
    if (have) return have > 0 ? GR_OK : GR_ERR;
    EVP_PKEY *k = is_ec(alg) ? EVP_EC_gen("secp384r1") : EVP_RSA_gen(2048);
    if (!k) return GR_ERR;
    skey_t made = {.alg = alg, .key = k};
    str_t pem = to_pem(a, k);
    bool ok = pem.p && describe(a, &made);
    EVP_PKEY_free(k);
    sqlite3 *db = db_of(app);
    sqlite3_stmt *st =
        ok && db ? store_stmt(db, "INSERT OR IGNORE INTO sts_signing_key (account, alg, kid, pem, created_us) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5)")
                 : NULL;
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, alg);
    store_bind_str(st, 3, made.kid);
    store_bind_str(st, 4, pem);
    sqlite3_bind_int64(st, 5, time_now_us());
    int rc = sqlite3_step(st);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    return load_key(app, a, account, alg, s) > 0 ? GR_OK : GR_ERR;
}

static const char *const ALGS[] = {"RS256", "ES384"}; /* AWS: "Valid values are RS256 … and ES384" */
#define NALGS (sizeof ALGS / sizeof ALGS[0])

int sts_issuer_jwks(struct app *app, str_t issuer_id, arena_t *a, str_t *jwks)
{
    *jwks = STR_NULL;
    str_t account;
    int found = iam_outbound_account(app, issuer_id, a, &account);
    if (found <= 0) return found;
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "{\"keys\":[");
    for (size_t i = 0; i < NALGS; i++) {
        skey_t s;
        if (signing_key(app, a, account, str_c(ALGS[i]), &s) != GR_OK) return -1;
        if (i) buf_putc(&b, ',');
        buf_put_str(&b, s.jwk);
    }
    buf_puts(&b, "]}");
    *jwks = buf_str(&b);
    return arena_failed(a) ? -1 : 1;
}

/* ==== The issuer's documents (GET, unsigned) ==== */

static void answer(req_t *r, int status, str_t json)
{
    r->resp.status = status;
    wire_resp_header(&r->resp, r->arena, "Content-Type", STR("application/json"));
    buf_put_str(&r->resp.body, json);
    buf_putc(&r->resp.body, '\n');
}

void sts_inspect(req_t *r)
{
    arena_t *a = r->arena;
    static const char conf[] = "/.well-known/openid-configuration", keys[] = "/.well-known/jwks.json";
    str_t p = r->w.path, id = STR_NULL, rest = STR_NULL;
    if (str_starts_with(p, STR(ISSUER_PATH))) {
        str_t tail = str_sub(p, sizeof ISSUER_PATH - 1, p.len - (sizeof ISSUER_PATH - 1));
        long slash = str_index(tail, '/');
        if (slash > 0)
            id = str_sub(tail, 0, (size_t)slash), rest = str_sub(tail, (size_t)slash, tail.len - (size_t)slash);
    }
    if (!id.p || (!str_eq_c(rest, conf) && !str_eq_c(rest, keys))) {
        answer(r, 404, STR("{\"error\":\"no such inspection path\"}"));
        return;
    }
    if (!str_eq_c(r->w.method, "GET") && !str_eq_c(r->w.method, "HEAD")) {
        answer(r, 405, STR("{\"error\":\"only GET is served here\"}"));
        return;
    }
    str_t jwks;
    int found = sts_issuer_jwks(r->app, id, a, &jwks);
    if (found < 0) {
        answer(r, 500, STR("{\"error\":\"cannot read the issuer's keys\"}"));
        return;
    }
    if (!found) {
        answer(r, 404, STR("{\"error\":\"no such issuer\"}"));
        return;
    }
    if (str_eq_c(rest, keys)) {
        answer(r, 200, jwks);
        return;
    }
    /* OpenID Connect Discovery 1.0 §3: what a verifier of these tokens reads */
    str_t iss = sts_issuer_url(r->app, a, id);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("issuer"));
    json_w_str(&w, iss);
    json_w_key(&w, STR("jwks_uri"));
    json_w_str(&w, str_c(arena_printf(a, "%.*s%s", STR_FMT(iss), keys)));
    json_w_key(&w, STR("response_types_supported"));
    json_w_arr_begin(&w);
    json_w_str(&w, STR("id_token"));
    json_w_arr_end(&w);
    json_w_key(&w, STR("subject_types_supported"));
    json_w_arr_begin(&w);
    json_w_str(&w, STR("public"));
    json_w_arr_end(&w);
    json_w_key(&w, STR("id_token_signing_alg_values_supported"));
    json_w_arr_begin(&w);
    for (size_t i = 0; i < NALGS; i++) json_w_str(&w, str_c(ALGS[i]));
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    answer(r, 200, buf_str(&b));
}

/* ==== GetWebIdentityToken ==== */

/* JWS signature of data: RS256 (PKCS#1 v1.5, SHA-256) or ES384 (r||s, 48
 * bytes each, as RFC 7518 §3.4 has it rather than OpenSSL's DER). */
static str_t sign(arena_t *a, const skey_t *s, str_t data)
{
    bool ec = is_ec(s->alg);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    size_t n = 0;
    unsigned char *sig = NULL;
    str_t out = STR_NULL;
    if (m && EVP_DigestSignInit(m, NULL, ec ? EVP_sha384() : EVP_sha256(), NULL, s->key) == 1 &&
        EVP_DigestSign(m, NULL, &n, (const unsigned char *)data.p, data.len) == 1 && (sig = arena_alloc(a, n)) &&
        EVP_DigestSign(m, sig, &n, (const unsigned char *)data.p, data.len) == 1) {
        if (!ec)
            out = b64url(a, sig, n);
        else {
            const unsigned char *p = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
            unsigned char rs[96];
            if (es && BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 48) == 48 &&
                BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 48, 48) == 48)
                out = b64url(a, rs, sizeof rs);
            ECDSA_SIG_free(es);
        }
    }
    EVP_MD_CTX_free(m);
    return out;
}

/* AWS's subject: the caller's ARN, but for a role session the role's
 * (the claims page's example: "sub": "arn:aws:iam::ACCOUNT:role/NAME"),
 * with its path, which the session's ARN does not carry. */
static int subject(req_t *r, str_t *sub)
{
    *sub = r->who.arn;
    /* arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: fields split at ':' */
    str_t rest = r->who.arn, field = STR_NULL, role;
    for (int i = 0; i < 6 && rest.p; i++) rest = str_cut(rest, ':', &field);
    if (!sts__is_session(r) || !str_starts_with(field, STR("assumed-role/"))) return GR_OK;
    str_cut(str_sub(field, 13, field.len - 13), '/', &role);
    iam_role_info_t info;
    int found = iam_role_for_assume(r->app, r->who.account, role, r->arena, &info);
    if (found < 0) return GR_ERR;
    *sub = str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:role%.*s%.*s", STR_FMT(r->who.account),
                              STR_FMT(found ? info.path : STR("/")), STR_FMT(found ? info.name : role)));
    return sub->p ? GR_OK : GR_ERR;
}

static void tags_object(json_w_t *w, const char *name, const kv_t *tags, size_t n)
{
    if (!n) return;
    json_w_key(w, str_c(name));
    json_w_obj_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_w_key(w, tags[i].name);
        json_w_str(w, tags[i].value);
    }
    json_w_obj_end(w);
}

/* The request context for sts:GetWebIdentityToken: the condition keys AWS
 * documents for it (sts:IdentityTokenAudience, multi-valued;
 * sts:SigningAlgorithm; sts:DurationSeconds) and the request tags. */
static int authorize(req_t *r, const val_t *auds, str_t alg, int64_t duration, const str_t *tkeys, const str_t *tvals,
                     size_t ntags)
{
    arena_t *a = r->arena;
    size_t naud = val_len(auds);
    str_t *aud = ARENA_NEWN(a, str_t, naud ? naud : 1), *dur = ARENA_NEW(a, str_t), *alg1 = ARENA_NEW(a, str_t);
    policy_ctx_t *ctx = ARENA_NEWN(a, policy_ctx_t, 4 + ntags);
    if (!aud || !dur || !alg1 || !ctx) return GR_ERR;
    for (size_t i = 0; i < naud; i++) aud[i] = auds->u.list.v[i]->u.s;
    *dur = str_c(arena_printf(a, "%lld", (long long)duration));
    *alg1 = alg;
    size_t n = 0;
    ctx[n++] = (policy_ctx_t){STR("sts:IdentityTokenAudience"), aud, naud};
    ctx[n++] = (policy_ctx_t){STR("sts:SigningAlgorithm"), alg1, 1};
    ctx[n++] = (policy_ctx_t){STR("sts:DurationSeconds"), dur, 1};
    for (size_t i = 0; i < ntags; i++)
        ctx[n++] = (policy_ctx_t){str_c(arena_printf(a, "aws:RequestTag/%.*s", STR_FMT(tkeys[i]))), &tvals[i], 1};
    if (ntags) ctx[n++] = (policy_ctx_t){STR("aws:TagKeys"), tkeys, ntags};
    if (arena_failed(a)) return GR_ERR;
    authz_t *z = ((app_t *)r->app)->authz;
    if (authz_check_resource_ctx(r, z, STR("sts:GetWebIdentityToken"), STR("*"), r->who.account, NULL, ctx, n) != GR_OK)
        return GR_ERR;
    /* AWS: tags in the token need sts:TagGetWebIdentityToken too, as session
     * tags need sts:TagSession (AWS's managed policies grant the two together) */
    if (ntags && authz_check_resource_ctx(r, z, STR("sts:TagGetWebIdentityToken"), STR("*"), r->who.account, NULL, ctx,
                                          n) != GR_OK)
        return GR_ERR;
    return GR_OK;
}

int sts_get_web_identity_token(req_t *r, const val_t *in, val_t *out)
{
    app_t *app = r->app;
    arena_t *a = r->arena;
    const val_t *auds = val_get(in, "Audience"), *tags = val_get(in, "Tags");
    str_t alg = val_get_str(in, "SigningAlgorithm");
    int64_t duration = val_get_int(in, "DurationSeconds", DEFAULT_DURATION_S);
    size_t naud = val_len(auds), ntags = tags ? val_len(tags) : 0;

    if (!str_eq_c(alg, ALGS[0]) && !str_eq_c(alg, ALGS[1]))
        return req_fail(r, &ERR_ValidationError,
                        "1 validation error detected: Value '%.*s' at 'signingAlgorithm' failed to satisfy "
                        "constraint: Member must satisfy enum value set: [RS256, ES384]",
                        STR_FMT(alg));
    str_t *tkeys = ARENA_NEWN(a, str_t, ntags ? ntags : 1), *tvals = ARENA_NEWN(a, str_t, ntags ? ntags : 1);
    if (!tkeys || !tvals) return GR_ERR;
    for (size_t i = 0; i < ntags; i++) {
        tkeys[i] = val_get_str(tags->u.list.v[i], "Key");
        tvals[i] = val_get_str(tags->u.list.v[i], "Value");
        if (!tvals[i].p) tvals[i] = STR("");
        /* AWS: tag keys are case-insensitive, so one key may not come twice */
        for (size_t j = 0; j < i; j++)
            if (str_eq_nocase(tkeys[i], tkeys[j]))
                return req_fail(r, &ERR_ValidationError,
                                "Duplicate tag keys found. Please note that Tag keys are "
                                "case insensitive.");
    }
    if (authorize(r, auds, alg, duration, tkeys, tvals, ntags) != GR_OK) return GR_ERR;

    str_t issuer_id;
    bool enabled;
    int have = iam_outbound_issuer(app, r->who.account, a, &issuer_id, &enabled);
    if (have < 0) return GR_ERR;
    /* No source gives AWS's message; this one says what the model's
     * documentation of the error says. */
    if (!have || !enabled)
        return req_fail(r, &STS_ERR_OutboundWebIdentityFederationDisabledException,
                        "Outbound web identity federation is not enabled for this account.");

    int64_t now_us = time_now_us(), iat = now_us / 1000000, exp = iat + duration;
    /* AWS: a token may not outlive the session that asked for it */
    if (sts__is_session(r)) {
        cred_t c;
        if (creds_lookup(app->creds, r->who.access_key, a, &c) == GR_OK && c.expires_us && exp * 1000000 > c.expires_us)
            return req_fail(r, &STS_ERR_SessionDurationEscalationException,
                            "The requested token duration would extend the session beyond its original "
                            "expiration time.");
    }

    str_t sub;
    skey_t key;
    kv_t *ptags = NULL;
    size_t nptags = 0;
    if (subject(r, &sub) != GR_OK || signing_key(app, a, r->who.account, alg, &key) != GR_OK) return GR_ERR;
    if (!r->who.root && iam_principal_tags(app, &r->who, a, &ptags, &nptags) != GR_OK) return GR_ERR;
    char jti[37];
    id_uuid(jti);

    /* the claims, in the order of AWS's example token */
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("iss"));
    json_w_str(&w, sts_issuer_url(app, a, issuer_id));
    json_w_key(&w, STR("aud"));
    if (naud == 1)
        json_w_str(&w, auds->u.list.v[0]->u.s);
    else {
        json_w_arr_begin(&w);
        for (size_t i = 0; i < naud; i++) json_w_str(&w, auds->u.list.v[i]->u.s);
        json_w_arr_end(&w);
    }
    json_w_key(&w, STR("sub"));
    json_w_str(&w, sub);
    json_w_key(&w, STR("iat"));
    json_w_int(&w, iat);
    json_w_key(&w, STR("exp"));
    json_w_int(&w, exp);
    json_w_key(&w, STR("jti"));
    json_w_str(&w, str_c(jti));
    json_w_key(&w, STR(CLAIMS_NS));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("aws_account"));
    json_w_str(&w, r->who.account);
    json_w_key(&w, STR("source_region"));
    json_w_str(&w, r->region);
    /* AWS: "the ARN of the principal that requested the token" (for a role
     * session, the role's) */
    json_w_key(&w, STR("principal_id"));
    json_w_str(&w, sub);
    tags_object(&w, "principal_tags", ptags, nptags);
    kv_t *rtags = ARENA_NEWN(a, kv_t, ntags ? ntags : 1);
    if (!rtags) return GR_ERR;
    for (size_t i = 0; i < ntags; i++) rtags[i] = (kv_t){tkeys[i], tvals[i]};
    tags_object(&w, "request_tags", rtags, ntags);
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    str_t claims = buf_str(&b);

    str_t header =
        str_c(arena_printf(a, "{\"alg\":\"%.*s\",\"kid\":\"%.*s\",\"typ\":\"JWT\"}", STR_FMT(alg), STR_FMT(key.kid)));
    if (!header.p || !claims.p) return GR_ERR;
    str_t h64 = b64url(a, header.p, header.len), c64 = b64url(a, claims.p, claims.len);
    str_t signing_input = ARENA_CAT(a, h64, STR("."), c64);
    str_t sig = signing_input.p ? sign(a, &key, signing_input) : STR_NULL;
    if (!sig.p) return GR_ERR;
    str_t token = ARENA_CAT(a, signing_input, STR("."), sig);
    if (!token.p || val_set_c(a, out, "WebIdentityToken", val_str(a, token)) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Expiration", val_time(a, exp * 1000000));
}
