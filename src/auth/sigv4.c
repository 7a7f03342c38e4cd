/* sigv4.c — AWS Signature Version 4: reading the signature parts of a request
 * (Authorization header or presigned query), rebuilding the canonical request
 * and string to sign, and verifying the HMAC-SHA256 signature.
 *
 * Sits between route (which only needs sigv4_parse()'s credential scope) and
 * the dispatcher (which looks the key up and calls sigv4_verify()). Invariant:
 * nothing here trusts the client's canonical form; every byte we sign is
 * rebuilt from the raw wire request, and the signature compare is constant
 * time. All output (messages, canonical strings) lives in the request arena. */
#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/mac.h"
#include "core/buf.h"
#include "core/gtime.h"

#define ALGO "AWS4-HMAC-SHA256"
#define MAX_EXPIRES 604800 /* AWS: presigned URLs live at most 7 days (S3 docs, sigv4-query-string-auth) */

/* AWS: wording of SignatureDoesNotMatch for the coral (non-S3) services and for S3 (observed responses,
 * as kept by dynalite/kinesalite and scratchstack-aws-signature). */
static const char MSG_MISMATCH[] = "The request signature we calculated does not match the signature you provided. "
                                   "Check your AWS Secret Access Key and signing method. Consult the service "
                                   "documentation for details.";
static const char MSG_MISMATCH_S3[] = "The request signature we calculated does not match the signature you "
                                      "provided. Check your key and signing method.";
static const char S3_MALFORMED[] = "The authorization header is malformed; ";

/* ==== Crypto helpers ==== */

/* SHA-256 of a then b. */
static void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[32])
{
    mac_digest2(mac_sha256(), a, an, b, bn, out);
}

void sigv4_hex_sha256(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    sha256_2(p, n, "", 0, md);
    str_hex(md, 32, out);
}

static void hmac(const unsigned char *key, size_t keylen, const void *msg, size_t n, unsigned char out[32])
{
    mac_hmac(mac_sha256(), key, keylen, msg, n, out);
}

/* The signing key depends only on (secret, date, region, service), the same
 * for every request of a client on one day, while deriving it costs four
 * HMACs — the largest part of verifying a small request. So each thread keeps
 * the last few it derived. Keyed by the exact inputs; entries with longer
 * inputs than fit are simply not kept. */
#define SKEY_CACHE 4
#define SKEY_MAX 192
typedef struct {
    unsigned char in[SKEY_MAX];
    size_t len;
    unsigned char key[32];
} skey_entry_t;
static _Thread_local skey_entry_t skey_cache[SKEY_CACHE];
static _Thread_local unsigned skey_next;

/* in = secret NUL date NUL region NUL service: NUL cannot occur in a secret
 * (headers) or in the scope's parts, so distinct inputs never collide. */
static size_t skey_input(str_t secret, str_t date, str_t region, str_t service, unsigned char *in)
{
    size_t n = secret.len + date.len + region.len + service.len + 3;
    if (n > SKEY_MAX) return 0;
    size_t o = 0;
    const str_t parts[4] = {secret, date, region, service};
    for (int i = 0; i < 4; i++) {
        if (parts[i].len) memcpy(in + o, parts[i].p, parts[i].len);
        o += parts[i].len;
        if (i < 3) in[o++] = 0;
    }
    return o;
}

static void derive_signing_key(str_t secret, str_t date, str_t region, str_t service, unsigned char out[32]);

void sigv4_signing_key(str_t secret, str_t date, str_t region, str_t service, unsigned char out[32])
{
    unsigned char in[SKEY_MAX];
    size_t n = skey_input(secret, date, region, service, in);
    if (n) {
        for (int i = 0; i < SKEY_CACHE; i++) {
            if (skey_cache[i].len == n && memcmp(skey_cache[i].in, in, n) == 0) {
                memcpy(out, skey_cache[i].key, 32);
                return;
            }
        }
    }
    derive_signing_key(secret, date, region, service, out);
    if (n) {
        skey_entry_t *e = &skey_cache[skey_next++ % SKEY_CACHE];
        memcpy(e->in, in, n);
        e->len = n;
        memcpy(e->key, out, 32);
    }
}

static void derive_signing_key(str_t secret, str_t date, str_t region, str_t service, unsigned char out[32])
{
    /* kSecret = "AWS4" + secret; then date, region, service, "aws4_request" in turn. */
    size_t klen = secret.len + 4;
    unsigned char stackbuf[256];
    unsigned char *k = klen <= sizeof stackbuf ? stackbuf : malloc(klen);
    if (!k) {
        memset(out, 0, 32);
        return;
    }
    memcpy(k, "AWS4", 4);
    if (secret.len) memcpy(k + 4, secret.p, secret.len);
    unsigned char t[32];
    hmac(k, klen, date.p ? date.p : "", date.len, t);
    if (k != stackbuf) free(k);
    hmac(t, 32, region.p ? region.p : "", region.len, t);
    hmac(t, 32, service.p ? service.p : "", service.len, t);
    hmac(t, 32, "aws4_request", 12, out);
}

static bool is_hex64(str_t s)
{
    if (s.len != 64) return false;
    for (size_t i = 0; i < 64; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}

/* ==== Small string helpers ==== */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void fail(sigv4_t *s, sigv4_status_t st, const char *msg)
{
    s->status = st;
    s->msg = msg ? msg : "";
}

/* "20150830T123600Z", all digits where digits belong. */
static bool is_basic_date(str_t d)
{
    if (d.len != 16 || d.p[8] != 'T' || d.p[15] != 'Z') return false;
    for (size_t i = 0; i < 15; i++)
        if (i != 8 && (d.p[i] < '0' || d.p[i] > '9')) return false;
    return true;
}

/* Raw (still encoded) value of the query parameter whose decoded name is `name`. */
static str_t query_raw(const wire_req_t *w, arena_t *a, const char *name, bool *present)
{
    str_t rest = w->query, part;
    size_t nl = strlen(name);
    *present = false;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '&', &part);
        str_t k, v = str_cut(part, '=', &k);
        /* a key without escapes is compared as it is: a presigned URL's seven lookups decoded every key each time */
        bool hit;
        if (!k.len || !memchr(k.p, '%', k.len)) {
            hit = k.len == nl && memcmp(k.p, name, nl) == 0;
        } else {
            str_t dk = wire_url_decode(a, k, false);
            hit = dk.p && str_eq_c(dk, name);
        }
        if (hit) {
            *present = true;
            return v.p ? v : STR("");
        }
    }
    return STR_NULL;
}

static str_t query_val(const wire_req_t *w, arena_t *a, const char *name)
{
    bool present;
    str_t raw = query_raw(w, a, name, &present);
    if (!present) return STR_NULL;
    str_t d = wire_url_decode(a, raw, false);
    return d.p ? d : raw;
}

/* ==== Parsing ==== */

static bool scope_is_s3(const sigv4_t *s)
{
    return str_eq_c(s->service, "s3");
}

/* Splits "AK/20150830/us-east-1/service/aws4_request" into s's fields and checks the scope. Returns false
 * with s->status set on a malformed credential. s->amz_date (the request date) must already be set. */
static bool parse_credential(arena_t *a, str_t cred, sigv4_t *s, bool query)
{
    str_t part[5];
    int n = 0;
    str_t rest = cred;
    while (rest.p && n < 6) {
        str_t head;
        rest = str_cut(rest, '/', &head);
        if (n < 5) part[n] = head;
        n++;
    }
    if (n != 5) {
        /* Half-parsed scopes still tell route which service was meant, when they can. */
        if (n > 3) s->service = part[3];
        if (scope_is_s3(s) || (n > 3 && str_eq_c(part[3], "s3")))
            fail(s, SIGV4_INCOMPLETE,
                 query ? "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
                         "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
                       : arena_printf(a,
                                      "%sthe Credential is mal-formed; expecting "
                                      "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
                                      S3_MALFORMED));
        else
            /* AWS: coral services (kinesalite notes, scratchstack tests). */
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a,
                              "Credential must have exactly 5 slash-delimited elements, e.g. "
                              "keyid/date/region/service/term, got '%.*s'",
                              STR_FMT(cred)));
        return false;
    }
    s->access_key = part[0];
    s->scope_date = part[1];
    s->region = part[2];
    s->service = part[3];
    bool s3 = scope_is_s3(s);
    if (s->access_key.len == 0 && s3) {
        /* Elsewhere an empty key is just an unknown one: the dispatcher's key lookup answers it. */
        fail(s, SIGV4_INCOMPLETE,
             arena_printf(a, "%sa non-empty Access Key (AKID) must be provided in the credential.", S3_MALFORMED));
        return false;
    }
    bool region_ok = part[2].len > 0;
    for (size_t i = 0; i < part[2].len; i++) {
        char c = part[2].p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) region_ok = false;
    }
    bool term_ok = str_eq_c(part[4], "aws4_request");
    bool date_ok = s->amz_date.len >= 8 && str_eq(part[1], str_sub(s->amz_date, 0, 8));
    if (s3) {
        /* AWS: S3 AuthorizationHeaderMalformed wording (S3 error responses, as kept by versitygw). */
        const char *pre = query ? "Error parsing the X-Amz-Credential parameter; " : S3_MALFORMED;
        if (!region_ok)
            fail(s, SIGV4_INCOMPLETE, arena_printf(a, "%sthe region '%.*s' is wrong.", pre, STR_FMT(part[2])));
        else if (str_eq_c(part[2], "aws-global")) {
            /* AWS (recorded): botocore's endpoint pseudo-region, which some
             * SDKs sign with by mistake; S3 names the region to sign with */
            s->expected_region = STR("us-east-1");
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a, "%sthe region 'aws-global' is wrong; expecting 'us-east-1'", pre));
        } else if (!term_ok)
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a, "%sincorrect terminal \"%.*s\". This endpoint uses \"aws4_request\".", pre,
                              STR_FMT(part[4])));
        else if (!date_ok)
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a,
                              "%sInvalid credential date \"%.*s\". This date is not the same as X-Amz-Date: \"%.*s\".",
                              pre, STR_FMT(part[1]), STR_FMT(str_sub(s->amz_date, 0, 8))));
        else
            return true;
        return false;
    }
    /* AWS: coral services list every scope problem in one message, each ending ". " (kinesalite
     * notes; "Credential should be scoped to a valid region, not 'aws-global'. " in aws-sdk-java-v2#988). */
    buf_t b;
    buf_init(&b, a);
    if (!region_ok) buf_printf(&b, "Credential should be scoped to a valid region, not '%.*s'. ", STR_FMT(part[2]));
    if (part[3].len == 0) buf_printf(&b, "Credential should be scoped to correct service: '%.*s'. ", STR_FMT(part[3]));
    if (!term_ok)
        buf_printf(&b, "Credential should be scoped with a valid terminator: 'aws4_request', not '%.*s'. ",
                   STR_FMT(part[4]));
    if (!date_ok)
        buf_printf(&b,
                   "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                   "'%.*s' != '%.*s', from '%.*s'.",
                   STR_FMT(part[1]), STR_FMT(str_sub(s->amz_date, 0, 8)), STR_FMT(s->amz_date));
    if (b.len) {
        str_t m = buf_str(&b);
        fail(s, SIGV4_INCOMPLETE, m.p);
        return false;
    }
    return true;
}

static bool signed_has(str_t list, const char *name)
{
    str_t rest = list, h;
    while (rest.p) {
        rest = str_cut(rest, ';', &h);
        if (str_eq_nocase(h, str_c(name))) return true;
    }
    return false;
}

/* Lower-cases a hex signature so the constant-time compare sees one spelling. */
static str_t lower_copy(arena_t *a, str_t v)
{
    char *p = arena_strndup(a, v.p ? v.p : "", v.len);
    if (!p) return STR_NULL;
    for (size_t i = 0; i < v.len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z') p[i] = (char)(p[i] - 'A' + 'a');
    return (str_t){p, v.len};
}

/* Request date from X-Amz-Date or, failing that, Date. Returns false (status set) when unusable. */
/* AWS (recorded): S3 refuses a request carrying x-amz-* headers that its
 * signature does not cover, header or presigned, naming them lower-cased in
 * HeadersNotSigned ("x-amz-date, x-amz-decoded-content-length");
 * x-amz-content-sha256 is exempt. Fails s (SIGV4_UNSIGNED, msg = the list)
 * and returns false when there are any. */
static bool amz_headers_signed(const wire_req_t *w, arena_t *a, str_t signed_headers, sigv4_t *s)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < w->nheaders; i++) {
        str_t n = w->headers[i].name;
        if (n.len < 6 || strncasecmp(n.p, "x-amz-", 6) != 0 || str_eq_nocase(n, str_c("x-amz-content-sha256")))
            continue;
        str_t low = lower_copy(a, n), rest = signed_headers, h;
        bool found = false;
        while (rest.p && !found) {
            rest = str_cut(rest, ';', &h);
            found = str_eq_nocase(h, low);
        }
        for (size_t j = 0; j < i && !found; j++) found = str_eq_nocase(w->headers[j].name, n); /* listed once */
        if (found) continue;
        if (b.len) buf_puts(&b, ", ");
        buf_put_str(&b, low);
    }
    if (!b.len) return true;
    fail(s, SIGV4_UNSIGNED, buf_str(&b).p);
    return false;
}

static bool parse_date(arena_t *a, str_t xd, str_t hd, sigv4_t *s)
{
    if (xd.p) {
        xd = str_trim(xd);
        if (!is_basic_date(xd) || !time_parse(xd, &s->time_us)) {
            /* AWS: IncompleteSignature from coral; S3 answers AccessDenied for a bad date. */
            fail(s, SIGV4_MALFORMED,
                 arena_printf(
                     a,
                     "Date must be in ISO-8601 'basic format'. Got '%.*s'. See http://en.wikipedia.org/wiki/ISO_8601",
                     STR_FMT(xd)));
            return false;
        }
        s->amz_date = xd;
        return true;
    }
    hd = str_trim(hd);
    if (!time_parse(hd, &s->time_us)) {
        fail(s, SIGV4_MALFORMED,
             arena_printf(
                 a, "Date must be in ISO-8601 'basic format'. Got '%.*s'. See http://en.wikipedia.org/wiki/ISO_8601",
                 STR_FMT(hd)));
        return false;
    }
    char *d = arena_alloc(a, 17);
    if (!d) {
        fail(s, SIGV4_MALFORMED, "out of memory");
        return false;
    }
    time_fmt_amz(d, s->time_us);
    s->amz_date = (str_t){d, 16};
    return true;
}

/* The service named by the credential scope's fourth part (key/date/
 * region/SERVICE/aws4_request), kept in s->service before the whole scope
 * is checked, since S3 words its errors differently; true for s3. */
static bool credential_service(str_t cred, sigv4_t *s)
{
    if (!cred.p) return false;
    str_t c3 = cred, h;
    for (int k = 0; k < 3 && c3.p; k++) c3 = str_cut(c3, '/', &h);
    if (!c3.p) return false;
    str_cut(c3, '/', &h);
    s->service = h;
    return str_eq_c(h, "s3");
}

static void parse_header(const wire_req_t *w, arena_t *a, str_t auth, sigv4_t *s)
{
    str_t v = str_trim(auth), algo;
    long sp = -1;
    for (size_t i = 0; i < v.len; i++)
        if (v.p[i] == ' ' || v.p[i] == '\t') {
            sp = (long)i;
            break;
        }
    algo = sp < 0 ? v : str_sub(v, 0, (size_t)sp);
    str_t rest = sp < 0 ? STR("") : str_sub(v, (size_t)sp + 1, v.len);
    /* AWS (coral): any "AWS4-..." header is read for its parts first, so
     * "AWS4-" alone lists every missing part (dynalite's suite); only a
     * complete one is refused for its algorithm below. */
    if (!str_eq_c(algo, ALGO) && !str_starts_with(algo, STR("AWS4-"))) {
        /* AWS: "Unsupported AWS 'algorithm': 'AWS5-HMAC-SHA256'." (coral, scratchstack tests). */
        fail(s, SIGV4_MALFORMED, arena_printf(a, "Unsupported AWS 'algorithm': '%.*s'.", STR_FMT(algo)));
        return;
    }
    str_t cred = STR_NULL, sh = STR_NULL, sig = STR_NULL;
    /* AWS tolerates any mix of commas and blanks between the key=value parts. */
    size_t i = 0;
    while (i < rest.len) {
        while (i < rest.len && (rest.p[i] == ',' || is_ws(rest.p[i]))) i++;
        size_t st = i;
        while (i < rest.len && rest.p[i] != ',' && !is_ws(rest.p[i])) i++;
        if (i == st) break;
        str_t tok = str_sub(rest, st, i - st), key, val = str_cut(tok, '=', &key);
        if (!val.p) {
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a,
                              "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization header: '%.*s'",
                              STR_FMT(tok), STR_FMT(v)));
            return;
        }
        if (str_eq_c(key, "Credential"))
            cred = val;
        else if (str_eq_c(key, "SignedHeaders"))
            sh = val;
        else if (str_eq_c(key, "Signature"))
            sig = val;
    }
    str_t xd = wire_header(w, "X-Amz-Date"), hd = wire_header(w, "Date");
    bool s3 = credential_service(cred, s);
    if (!cred.p || !cred.len || !sig.p || !sig.len || !sh.p || (!xd.p && !hd.p)) {
        if (s3 && cred.p && sig.p && sh.p) {
            fail(s, SIGV4_MALFORMED, "AWS authentication requires a valid Date or x-amz-date header");
            return;
        }
        if (s3) {
            fail(s, SIGV4_INCOMPLETE,
                 arena_printf(a,
                              "%sthe authorization header requires three components: Credential, SignedHeaders, "
                              "and Signature.",
                              S3_MALFORMED));
            return;
        }
        /* AWS: coral lists each missing part, then echoes the header (dynalite/kinesalite). */
        buf_t b;
        buf_init(&b, a);
        if (!cred.p || !cred.len) buf_puts(&b, "Authorization header requires 'Credential' parameter. ");
        if (!sig.p || !sig.len) buf_puts(&b, "Authorization header requires 'Signature' parameter. ");
        if (!sh.p) buf_puts(&b, "Authorization header requires 'SignedHeaders' parameter. ");
        if (!xd.p && !hd.p)
            buf_puts(&b, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        buf_printf(&b, "Authorization=%.*s", STR_FMT(v));
        fail(s, SIGV4_INCOMPLETE, buf_str(&b).p);
        return;
    }
    if (!str_eq_c(algo, ALGO)) {
        fail(s, SIGV4_MALFORMED, arena_printf(a, "Unsupported AWS 'algorithm': '%.*s'.", STR_FMT(algo)));
        return;
    }
    if (!parse_date(a, xd, hd, s)) return;
    s->signed_headers = sh;
    s->signature = lower_copy(a, sig);
    if (!parse_credential(a, cred, s, false)) return;
    if (!signed_has(sh, "host")) {
        /* AWS: coral InvalidSignatureException wording (scratchstack tests). */
        fail(s, SIGV4_INCOMPLETE, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        return;
    }
    if (scope_is_s3(s) && !amz_headers_signed(w, a, sh, s)) return;
    str_t tok = wire_header(w, "X-Amz-Security-Token");
    s->security_token = tok.p ? str_trim(tok) : STR_NULL;
    s->status = SIGV4_OK;
}

static void parse_query(const wire_req_t *w, arena_t *a, sigv4_t *s)
{
    s->presigned = true;
    str_t algo = query_val(w, a, "X-Amz-Algorithm"), cred = query_val(w, a, "X-Amz-Credential");
    str_t sig = query_val(w, a, "X-Amz-Signature"), sh = query_val(w, a, "X-Amz-SignedHeaders");
    str_t date = query_val(w, a, "X-Amz-Date"), exp = query_val(w, a, "X-Amz-Expires");
    bool s3 = credential_service(cred, s);
    if (s3) {
        /* AWS: S3 AuthorizationQueryParametersError wording. */
        if (!algo.p || !cred.p || !sig.p || !date.p || !sh.p || !exp.p) {
            fail(s, SIGV4_INCOMPLETE,
                 "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                 "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
            return;
        }
        if (!str_eq_c(algo, ALGO)) {
            fail(s, SIGV4_MALFORMED, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
            return;
        }
    } else {
        /* AWS: coral IncompleteSignature wording (dynalite/kinesalite). */
        static const char *const names[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                                            "X-Amz-SignedHeaders", "X-Amz-Date"};
        str_t vals[] = {algo, cred, sig, sh, date};
        buf_t b;
        buf_init(&b, a);
        for (int k = 0; k < 5; k++)
            if (!vals[k].p || !vals[k].len) buf_printf(&b, "AWS query-string parameters must include '%s'. ", names[k]);
        if (b.len) {
            buf_puts(&b, "Re-examine the query-string parameters.");
            fail(s, SIGV4_INCOMPLETE, buf_str(&b).p);
            return;
        }
        if (!str_eq_c(algo, ALGO)) {
            fail(s, SIGV4_MALFORMED, arena_printf(a, "Unsupported AWS 'algorithm': '%.*s'.", STR_FMT(algo)));
            return;
        }
    }
    if (!parse_date(a, date, STR_NULL, s)) return;
    if (exp.p) {
        long long e;
        if (!str_to_i64(exp, &e)) {
            fail(s, SIGV4_INCOMPLETE, "X-Amz-Expires should be a number");
            return;
        }
        /* AWS: S3 answers both with 403 AuthorizationQueryParametersError */
        if (e < 0) {
            fail(s, SIGV4_EXP_RANGE, "X-Amz-Expires must be non-negative");
            return;
        }
        if (e > MAX_EXPIRES) {
            fail(s, SIGV4_EXP_RANGE,
                 "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be "
                 "less than 604800 seconds");
            return;
        }
        s->expires_s = e;
    } else {
        s->expires_s = 900; /* coral presigned requests without X-Amz-Expires: the usual 15-minute window */
    }
    s->signed_headers = sh;
    s->signature = lower_copy(a, sig);
    if (!parse_credential(a, cred, s, true)) return;
    if (!signed_has(sh, "host")) {
        fail(s, SIGV4_INCOMPLETE, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        return;
    }
    if (s3 && !amz_headers_signed(w, a, sh, s)) return;
    str_t tok = query_val(w, a, "X-Amz-Security-Token");
    if (!tok.p) tok = wire_header(w, "X-Amz-Security-Token");
    s->security_token = tok;
    s->status = SIGV4_OK;
}

void sigv4_parse(const wire_req_t *w, arena_t *a, sigv4_t *s)
{
    *s = (sigv4_t){.status = SIGV4_NONE, .msg = ""};
    str_t auth = wire_header(w, "Authorization");
    bool pa, pc, ps;
    query_raw(w, a, "X-Amz-Algorithm", &pa);
    query_raw(w, a, "X-Amz-Credential", &pc);
    query_raw(w, a, "X-Amz-Signature", &ps);
    bool q = pa || pc || ps;
    str_t cs = wire_header(w, "x-amz-content-sha256");
    if (cs.p) s->payload_hash = str_trim(cs);
    if (auth.p && q) {
        /* AWS: coral "Found both ..." (dynalite); S3 answers InvalidArgument "Only one auth mechanism allowed". */
        fail(s, SIGV4_BOTH, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
        return;
    }
    if (auth.p) {
        if (str_trim(auth).len == 0) return; /* an empty header is no credential at all */
        parse_header(w, a, auth, s);
    } else if (q) {
        parse_query(w, a, s);
    }
}

/* ==== Canonical request ==== */

/* botocore's remove_dot_segments: drops '.', empty segments, and '..' with its parent; keeps the leading
 * slash, and the trailing one when anything is left. */
static str_t normalize_path(arena_t *a, str_t p)
{
    if (p.len == 0) return STR("/");
    str_t *seg = arena_alloc(a, sizeof(str_t) * (p.len / 2 + 2));
    char *out = arena_alloc(a, p.len + 2);
    if (!seg || !out) return STR_NULL;
    size_t n = 0;
    str_t rest = p, h;
    while (rest.p) {
        rest = str_cut(rest, '/', &h);
        if (h.len == 0 || str_eq_c(h, ".")) continue;
        if (str_eq_c(h, "..")) {
            if (n) n--;
            continue;
        }
        seg[n++] = h;
    }
    size_t o = 0;
    if (p.p[0] == '/') out[o++] = '/';
    for (size_t i = 0; i < n; i++) {
        if (i) out[o++] = '/';
        memcpy(out + o, seg[i].p, seg[i].len);
        o += seg[i].len;
    }
    if (p.p[p.len - 1] == '/' && n && (o == 0 || out[o - 1] != '/')) out[o++] = '/';
    out[o] = 0;
    return (str_t){out, o};
}

typedef struct {
    str_t k, v;
} qpair_t;

static int qpair_cmp(const void *x, const void *y)
{
    const qpair_t *a = x, *b = y;
    int c = str_cmp(a->k, b->k);
    return c ? c : str_cmp(a->v, b->v);
}

/* Decodes (when the escapes are valid) and re-encodes per RFC 3986, so '+', raw UTF-8 and lower-case
 * escapes all land on the spelling SDKs sign. */
static str_t reencode(arena_t *a, str_t s, bool keep_slash)
{
    /* unreserved characters only (most keys and values): already canonical */
    size_t i = 0;
    while (i < s.len &&
           ((s.p[i] >= 'a' && s.p[i] <= 'z') || (s.p[i] >= 'A' && s.p[i] <= 'Z') || (s.p[i] >= '0' && s.p[i] <= '9') ||
            s.p[i] == '-' || s.p[i] == '_' || s.p[i] == '.' || s.p[i] == '~' || (keep_slash && s.p[i] == '/')))
        i++;
    if (i == s.len) return s;
    str_t d = wire_url_decode(a, s, false);
    return wire_url_encode(a, d.p ? d : s, keep_slash);
}

static str_t canonical_query(const wire_req_t *w, arena_t *a, bool presigned)
{
    size_t cap = 1;
    for (size_t i = 0; i < w->query.len; i++) cap += w->query.p[i] == '&';
    qpair_t *q = arena_alloc(a, sizeof(qpair_t) * cap);
    if (!q) return STR_NULL;
    size_t n = 0;
    str_t rest = w->query, part;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '&', &part);
        if (part.len == 0) continue;
        str_t k, v = str_cut(part, '=', &k);
        str_t ek = reencode(a, k, false);
        /* AWS: the canonical query of a presigned URL is everything except X-Amz-Signature. */
        if (presigned && str_eq_c(ek, "X-Amz-Signature")) continue;
        if (n < cap) q[n++] = (qpair_t){ek, reencode(a, v.p ? v : STR(""), false)};
    }
    qsort(q, n, sizeof *q, qpair_cmp);
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(&b, '&');
        buf_put_str(&b, q[i].k);
        buf_putc(&b, '=');
        buf_put_str(&b, q[i].v);
    }
    return buf_str(&b);
}

/* Trimall: strip both ends, collapse inner whitespace runs (including obsolete line folds) to one space. */
static void put_trimall(buf_t *b, str_t v)
{
    size_t i = 0, e = v.len;
    while (i < e && is_ws(v.p[i])) i++;
    while (e > i && is_ws(v.p[e - 1])) e--;
    bool sp = false;
    for (; i < e; i++) {
        if (is_ws(v.p[i])) {
            sp = true;
            continue;
        }
        if (sp) buf_putc(b, ' ');
        sp = false;
        buf_putc(b, v.p[i]);
    }
}

static void put_canonical_headers(buf_t *b, const wire_req_t *w, str_t signed_headers)
{
    str_t rest = signed_headers, name;
    while (rest.p) {
        rest = str_cut(rest, ';', &name);
        for (size_t i = 0; i < name.len; i++) {
            char c = name.p[i];
            buf_putc(b, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        }
        buf_putc(b, ':');
        int found = 0;
        for (size_t i = 0; i < w->nheaders; i++) {
            if (!str_eq_nocase(w->headers[i].name, name)) continue;
            if (found++) buf_putc(b, ',');
            put_trimall(b, w->headers[i].value);
        }
        if (!found && str_eq_c(name, "host") && w->host.p) put_trimall(b, w->host);
        buf_putc(b, '\n');
    }
}

static str_t canonical_with_path(const wire_req_t *w, arena_t *a, const sigv4_t *s, str_t cpath)
{
    buf_t b;
    buf_init(&b, a);
    buf_put_str(&b, w->method);
    buf_putc(&b, '\n');
    buf_put_str(&b, cpath);
    buf_putc(&b, '\n');
    buf_put_str(&b, canonical_query(w, a, s->presigned));
    buf_putc(&b, '\n');
    put_canonical_headers(&b, w, s->signed_headers);
    buf_putc(&b, '\n');
    buf_put_str(&b, s->signed_headers);
    buf_putc(&b, '\n');
    if (s->payload_hash.p) {
        buf_put_str(&b, s->payload_hash);
    } else {
        char h[65];
        sigv4_hex_sha256(w->body.p ? w->body.p : "", w->body.len, h);
        buf_append(&b, h, 64);
    }
    return b.failed ? STR_NULL : buf_str(&b);
}

static str_t canonical_path(const wire_req_t *w, arena_t *a, bool s3)
{
    str_t p = w->path.len ? w->path : STR("/");
    /* AWS: S3 signs the key path encoded once and never normalised (sigv4 test-suite normalize-path notes);
     * every other service normalises and then encodes the (already encoded) wire path once more, so a
     * key's "%20" is signed as "%2520" (AWS SigV4 docs: "URI-encode each path segment twice"). */
    if (s3) return reencode(a, p, true);
    str_t n = normalize_path(a, p);
    return n.p ? wire_url_encode(a, n, true) : STR_NULL;
}

str_t sigv4_canonical_request(const wire_req_t *w, arena_t *a, const sigv4_t *s, bool s3)
{
    return canonical_with_path(w, a, s, canonical_path(w, a, s3));
}

str_t sigv4_string_to_sign(arena_t *a, const sigv4_t *s, str_t canonical_request)
{
    char h[65];
    sigv4_hex_sha256(canonical_request.p ? canonical_request.p : "", canonical_request.len, h);
    /* Pieces copied in place: a formatted print of it was a percent of a small GET. */
    str_t parts[] = {STR(ALGO "\n"), s->amz_date, STR("\n"),  s->scope_date,          STR("/"),
                     s->region,      STR("/"),    s->service, STR("/aws4_request\n"), {h, 64}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) n += parts[i].len;
    char *r = arena_alloc(a, n + 1);
    if (!r) return STR_NULL;
    size_t at = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (parts[i].len) memcpy(r + at, parts[i].p, parts[i].len);
        at += parts[i].len;
    }
    r[n] = 0;
    return (str_t){r, n};
}

/* ==== Verification ==== */

static bool known_payload_mode(str_t h)
{
    static const char *const modes[] = {"UNSIGNED-PAYLOAD",
                                        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
                                        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (str_eq_c(h, modes[i])) return true;
    return is_hex64(h);
}

static bool check_time(arena_t *a, const sigv4_opts_t *o, bool s3, sigv4_t *s)
{
    int64_t now = o && o->now_us ? o->now_us : time_now_us();
    int64_t skew = o && o->max_skew_s > 0 ? o->max_skew_s : 900;
    int64_t t = s->time_us, sk_us = skew * 1000000;
    char tn[17], tlo[17], thi[17], td[17];
    bool late =
        s->presigned ? (t - sk_us > now || now > t + s->expires_s * 1000000) : (t < now - sk_us || t > now + sk_us);
    if (!late) return true; /* the common case formats no times */
    time_fmt_amz(tn, now);
    time_fmt_amz(td, t);
    if (s->presigned) {
        if (t - sk_us > now) {
            /* AWS: S3 AccessDenied "Request is not valid yet" for a presigned URL dated in the future. */
            fail(s, SIGV4_SKEWED,
                 s3 ? "Request is not valid yet"
                    : arena_printf(a, "Signature not yet current: %s is still later than %s.", td, tn));
            return false;
        }
        if (now > t + s->expires_s * 1000000) {
            char te[17];
            time_fmt_amz(te, t + s->expires_s * 1000000);
            /* AWS: S3 AccessDenied "Request has expired"; coral "Signature expired: ..." */
            fail(s, SIGV4_EXPIRED,
                 s3 ? "Request has expired" : arena_printf(a, "Signature expired: %s is now earlier than %s.", te, tn));
            return false;
        }
        return true;
    }
    time_fmt_amz(tlo, now - sk_us);
    time_fmt_amz(thi, now + sk_us);
    if (t < now - sk_us || t > now + sk_us) {
        if (s3) {
            /* AWS: S3 RequestTimeTooSkewed wording. */
            fail(s, SIGV4_SKEWED, "The difference between the request time and the current time is too large.");
        } else if (t < now) {
            /* AWS: "Signature expired: 20141106T010406Z is now earlier than 20141106T011252Z (20141106T011752Z
             * - 5 min.)" as EC2 answered (bosh docs); 15 min. for most services. */
            fail(s, SIGV4_SKEWED,
                 arena_printf(a, "Signature expired: %s is now earlier than %s (%s - %lld min.)", td, tlo, tn,
                              (long long)(skew / 60)));
        } else {
            fail(s, SIGV4_SKEWED,
                 arena_printf(a, "Signature not yet current: %s is still later than %s (%s + %lld min.)", td, thi, tn,
                              (long long)(skew / 60)));
        }
        return false;
    }
    return true;
}

bool sigv4_date_first(const wire_req_t *w, arena_t *a, const sigv4_opts_t *o, sigv4_t *s)
{
    if (s->status == SIGV4_NONE || s->status == SIGV4_SKEWED || s->presigned) return true;
    if (s->status == SIGV4_OK) return check_time(a, o, false, s); /* its date is parsed already */
    if (!wire_header(w, "Authorization").p) return true;
    sigv4_t d = {.status = SIGV4_OK, .msg = ""};
    if (!parse_date(a, wire_header(w, "X-Amz-Date"), wire_header(w, "Date"), &d)) return true;
    if (check_time(a, o, false, &d)) return true;
    s->status = d.status, s->msg = d.msg;
    return false;
}

static bool sig_equal(str_t given, const char expect[65])
{
    if (given.len != 64) return false;
    return CRYPTO_memcmp(given.p, expect, 64) == 0;
}

sigv4_status_t sigv4_verify(const wire_req_t *w, arena_t *a, const sigv4_opts_t *o, str_t secret, sigv4_t *s)
{
    if (s->status != SIGV4_OK) return s->status;
    bool s3 = (o && o->s3) || scope_is_s3(s);
    if (!check_time(a, o, s3, s)) return s->status;

    if (s->payload_hash.p && s3 && !known_payload_mode(s->payload_hash)) {
        /* AWS: S3 InvalidArgument wording for a bad x-amz-content-sha256. */
        fail(s, SIGV4_MALFORMED,
             "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
             "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
             "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid "
             "sha256 value.");
        return s->status;
    }
    if (!s->payload_hash.p) {
        if (s->presigned && s3) {
            s->payload_hash = STR("UNSIGNED-PAYLOAD"); /* AWS: S3 presigned URLs never sign the body */
        } else {
            char *h = arena_alloc(a, 65);
            if (!h) {
                fail(s, SIGV4_MALFORMED, "out of memory");
                return s->status;
            }
            sigv4_hex_sha256(w->body.p ? w->body.p : "", w->body.len, h);
            s->payload_hash = (str_t){h, 64};
        }
    }

    sigv4_signing_key(secret, s->scope_date, s->region, s->service, s->signing_key);
    str_t path = canonical_path(w, a, o && o->s3);
    bool ok = false;
    for (int attempt = 0; attempt < 2 && !ok; attempt++) {
        if (attempt == 1) {
            /* S3 signs the path as the client sent it; when that spelling differs from our re-encoding
             * (a client leaving '(' or '%2F' as is), try it verbatim before refusing. */
            if (!(o && o->s3) || !w->path.len || str_eq(w->path, path)) break;
            path = w->path;
        }
        str_t cr = canonical_with_path(w, a, s, path);
        str_t sts = sigv4_string_to_sign(a, s, cr);
        if (!cr.p || !sts.p) {
            fail(s, SIGV4_MALFORMED, "out of memory");
            return s->status;
        }
        unsigned char mac[32];
        char hex[65];
        hmac(s->signing_key, 32, sts.p, sts.len, mac);
        str_hex(mac, 32, hex);
        ok = sig_equal(s->signature, hex);
        if (attempt == 0 || ok) {
            s->canonical_request = cr;
            s->string_to_sign = sts;
        }
    }
    if (!ok) {
        memset(s->signing_key, 0, sizeof s->signing_key);
        if (s3)
            fail(s, SIGV4_MISMATCH, MSG_MISMATCH_S3);
        else
            /* AWS: coral services append what they signed, which is what makes clock/encoding bugs findable. */
            fail(s, SIGV4_MISMATCH,
                 arena_printf(a,
                              "%s\n\nThe Canonical String for this request should have been\n'%.*s'\n\nThe "
                              "String-to-Sign should have been\n'%.*s'\n",
                              MSG_MISMATCH, STR_FMT(s->canonical_request), STR_FMT(s->string_to_sign)));
        return s->status;
    }

    /* The signature covers the header's claim; now hold the body to that claim. */
    if (is_hex64(s->payload_hash)) {
        str_t body = w->body;
        bool known = body.p != NULL;
        if (!known) {
            /* Not buffered: only a request that says it has no body can be checked here; a streamed
             * S3 object body is hashed by its reader. */
            str_t cl = wire_header(w, "Content-Length"), te = wire_header(w, "Transfer-Encoding");
            long long n = 0;
            known = !te.p && (!cl.p || (str_to_i64(str_trim(cl), &n) && n == 0));
        }
        if (known) {
            char h[65];
            sigv4_hex_sha256(body.p ? body.p : "", body.len, h);
            if (strncasecmp(h, s->payload_hash.p, 64) != 0) {
                /* AWS: XAmzContentSHA256Mismatch wording (S3). */
                fail(s, SIGV4_BAD_HASH, "The provided 'x-amz-content-sha256' header does not match what was computed.");
                return s->status;
            }
        }
    }
    s->status = SIGV4_OK;
    s->msg = "";
    return SIGV4_OK;
}
