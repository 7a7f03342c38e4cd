/* sigv2.c — S3's Signature Version 2 (see sigv2.h). AWS: "Signing and
 * authenticating REST requests" (S3 Developer Guide, legacy): StringToSign =
 * VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n
 * CanonicalizedAmzHeaders CanonicalizedResource, HMAC-SHA1, base64. The
 * resource is the path as sent (route.c has already put a virtual host's
 * bucket in front) plus the sub-resources of the query. */
#include "auth/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "auth/mac.h"
#include "core/buf.h"
#include "core/gtime.h"

/* AWS: the sub-resources that are part of the canonicalized resource. */
static const char *const SUBRESOURCES[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

static bool is_subresource(str_t name)
{
    for (size_t i = 0; i < sizeof SUBRESOURCES / sizeof SUBRESOURCES[0]; i++)
        if (str_eq_c(name, SUBRESOURCES[i])) return true;
    return false;
}

bool sigv2_parse(const wire_req_t *w, arena_t *a, sigv2_t *s)
{
    *s = (sigv2_t){0};
    str_t auth = wire_header(w, "authorization");
    if (auth.p && str_starts_with(auth, STR("AWS ")) && !str_starts_with(auth, STR("AWS4-"))) {
        str_t rest = str_trim(str_sub(auth, 4, auth.len - 4)), key;
        s->signature = str_cut(rest, ':', &key);
        s->access_key = str_trim(key);
        s->security_token = wire_header(w, "x-amz-security-token");
        s->malformed = !s->signature.p || !s->access_key.len;
        return true;
    }
    str_t ak = wire_query_param(w, a, "AWSAccessKeyId"), sig = wire_query_param(w, a, "Signature");
    str_t exp = wire_query_param(w, a, "Expires");
    if (!ak.p && !sig.p && !exp.p) return false;
    s->presigned = true;
    /* AWS (recorded): any of the three without the others is refused */
    s->incomplete = !ak.p || !sig.p || !exp.p;
    s->access_key = ak;
    s->signature = sig;
    s->expires = exp;
    s->security_token = wire_query_param(w, a, "x-amz-security-token");
    return true;
}

typedef struct {
    str_t name, value;
} hdr_t;

static int hdr_cmp(const void *x, const void *y)
{
    const hdr_t *a = x, *b = y;
    return str_cmp(a->name, b->name);
}

static str_t lower(arena_t *a, str_t s)
{
    char *p = arena_strndup(a, s.p ? s.p : "", s.len);
    if (!p) return STR_NULL;
    for (size_t i = 0; i < s.len; i++)
        if (p[i] >= 'A' && p[i] <= 'Z') p[i] = (char)(p[i] - 'A' + 'a');
    return (str_t){p, s.len};
}

/* variant 0: AWS's form, the bucket root as "/bucket/"; 1: the path exactly
 * as sent; 2: botocore 1.26's path-style form, which repeats the
 * sub-resources ("/b?acl?acl"). Clients sign one of these. */
static str_t string_to_sign(const wire_req_t *w, arena_t *a, const sigv2_t *s, int variant)
{
    buf_t b;
    buf_init(&b, a);
    buf_put_str(&b, w->method);
    buf_putc(&b, '\n');
    /* Presigned URLs carry content headers as headers or, from botocore, in the query. */
    str_t md5 = wire_header(w, "content-md5"), ct = wire_header(w, "content-type");
    if (s->presigned && !md5.p) md5 = wire_query_param(w, a, "content-md5");
    if (s->presigned && !ct.p) ct = wire_query_param(w, a, "content-type");
    buf_put_str(&b, str_trim(md5));
    buf_putc(&b, '\n');
    buf_put_str(&b, str_trim(ct));
    buf_putc(&b, '\n');
    /* AWS: with an x-amz-date header the Date line is empty. */
    if (s->presigned)
        buf_put_str(&b, s->expires);
    else if (!wire_header(w, "x-amz-date").p)
        buf_put_str(&b, str_trim(wire_header(w, "date")));
    buf_putc(&b, '\n');

    /* x-amz-* headers (and, presigned, query parameters), lower-cased, sorted,
     * repeated names joined by commas. */
    size_t n = 0;
    hdr_t *h = ARENA_NEWN(a, hdr_t, w->nheaders + 16);
    if (!h) return STR_NULL;
    for (size_t i = 0; i < w->nheaders; i++) {
        str_t name = lower(a, w->headers[i].name);
        if (!str_starts_with(name, STR("x-amz-"))) continue;
        h[n++] = (hdr_t){name, str_trim(w->headers[i].value)};
    }
    if (s->presigned) {
        str_t q = w->query;
        while (q.len && n < w->nheaders + 16) {
            str_t item, k;
            q = str_cut(q, '&', &item);
            str_t v = str_cut(item, '=', &k);
            str_t name = lower(a, wire_url_decode(a, k, true));
            if (!str_starts_with(name, STR("x-amz-"))) continue;
            h[n++] = (hdr_t){name, wire_url_decode(a, v, true)};
        }
    }
    qsort(h, n, sizeof *h, hdr_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i && str_eq(h[i].name, h[i - 1].name)) {
            buf_putc(&b, ',');
            buf_put_str(&b, h[i].value);
            continue;
        }
        if (i) buf_putc(&b, '\n');
        buf_put_str(&b, h[i].name);
        buf_putc(&b, ':');
        buf_put_str(&b, h[i].value);
    }
    if (n) buf_putc(&b, '\n');

    buf_put_str(&b, w->path);
    bool bucket_root = w->path.len > 1 && str_index(str_sub(w->path, 1, w->path.len - 1), '/') < 0;
    if (variant == 0 && bucket_root) buf_putc(&b, '/');
    /* Sub-resources sorted by name, values decoded. */
    hdr_t sub[64];
    size_t ns = 0;
    str_t q = w->query;
    while (q.len && ns < 64) {
        str_t item, k;
        q = str_cut(q, '&', &item);
        str_t v = str_cut(item, '=', &k);
        if (!is_subresource(k)) continue;
        sub[ns++] = (hdr_t){k, v.p ? wire_url_decode(a, v, false) : STR_NULL};
    }
    qsort(sub, ns, sizeof *sub, hdr_cmp);
    for (int rep = 0; rep < (variant == 2 ? 2 : 1); rep++)
        for (size_t i = 0; i < ns; i++) {
            buf_putc(&b, i ? '&' : '?');
            buf_put_str(&b, sub[i].name);
            if (sub[i].value.p) {
                buf_putc(&b, '=');
                buf_put_str(&b, sub[i].value);
            }
        }
    return buf_str(&b);
}

str_t sigv2_string_to_sign(const wire_req_t *w, arena_t *a, const sigv2_t *s)
{
    return string_to_sign(w, a, s, 0);
}

static bool signs(str_t secret, str_t sts, str_t want)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    if (!sts.p) return false;
    unsigned maclen = mac_hmac(mac_sha1(), secret.p, secret.len, sts.p, sts.len, mac);
    unsigned char b64[64];
    int n = EVP_EncodeBlock(b64, mac, (int)maclen);
    return n > 0 && want.len == (size_t)n && CRYPTO_memcmp(b64, want.p, (size_t)n) == 0;
}

sigv2_status_t sigv2_verify(const wire_req_t *w, arena_t *a, str_t secret, int64_t now_us, sigv2_t *s)
{
    if (s->presigned) {
        long long exp = 0;
        if (!str_to_i64(s->expires, &exp) || exp * 1000000 < now_us) return SIGV2_EXPIRED;
    } else {
        str_t d = wire_header(w, "x-amz-date");
        if (!d.p) d = wire_header(w, "date");
        int64_t t;
        d = str_trim(d);
        /* RFC 822 allows "+0000" for GMT (AWS's own examples use it); Go's
         * time.RFC1123 in UTC writes "UTC" (rclone --s3-v2-auth), which S3
         * takes as GMT too. */
        if (d.len > 5 && str_ends_with(d, STR(" +0000"))) d = str_c(arena_printf(a, "%.*s GMT", (int)d.len - 6, d.p));
        if (d.len > 4 && str_ends_with(d, STR(" UTC"))) d = str_c(arena_printf(a, "%.*s GMT", (int)d.len - 4, d.p));
        /* AWS: a date before the epoch is no valid date (AccessDenied) */
        if (!d.p || !time_parse(d, &t) || t < 0) return SIGV2_NO_DATE;
        int64_t skew = t > now_us ? t - now_us : now_us - t;
        if (skew > 900LL * 1000000) return SIGV2_SKEWED;
    }
    for (int v = 0; v < 3; v++) {
        str_t sts = string_to_sign(w, a, s, v);
        if (v == 0) s->string_to_sign = sts;
        if (signs(secret, sts, s->signature)) return SIGV2_OK;
    }
    return SIGV2_MISMATCH;
}
