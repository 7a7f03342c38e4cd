/* post.c — browser-based uploads: POST /bucket with a multipart/form-data
 * body (AWS: "Browser-based uploads using POST"). The form's policy document
 * is signed with Signature Version 4 (x-amz-signature over the base64
 * policy with the s3 signing key) or 2 (AWSAccessKeyId/signature); every
 * condition must hold and every field be covered by one. The object is then
 * stored by PutObject as the signer (or anonymously without a policy, where
 * the bucket grants it), and the answer follows success_action_redirect or
 * success_action_status. The dispatcher routes these before the model. */
#define _GNU_SOURCE /* memmem */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/sigv4.h"
#include "core/gtime.h"
#include "core/json.h"
#include "protocol/model.h"
#include "protocol/xml.h"
#include "s3.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "services/app.h"
#include "services/registry.h"

static const aws_errdef_t E_InvalidPolicyDocument = {"InvalidPolicyDocument", 400, true};
static const aws_errdef_t E_EntityTooLarge = {"EntityTooLarge", 400, true};
static const aws_errdef_t E_EntityTooSmall = {"EntityTooSmall", 400, true};

typedef struct {
    str_t name, value, filename, content_type;
} field_t;

#define MAX_FIELDS 64

/* Splits a multipart/form-data body into fields; false when malformed. */
static bool parse_form(arena_t *a, str_t ctype, str_t body, field_t *f, size_t *n)
{
    long k = -1;
    for (size_t i = 0; i + 9 <= ctype.len; i++)
        if (!strncasecmp(ctype.p + i, "boundary=", 9)) k = (long)i + 9;
    if (k < 0) return false;
    str_t bnd = str_sub(ctype, (size_t)k, ctype.len - (size_t)k);
    long semi = str_index(bnd, ';');
    if (semi >= 0) bnd.len = (size_t)semi;
    if (bnd.len >= 2 && bnd.p[0] == '"') bnd = str_sub(bnd, 1, bnd.len - 2);
    char *delim = arena_printf(a, "--%.*s", STR_FMT(bnd));
    size_t dl = strlen(delim);
    *n = 0;
    const char *p = body.p, *end = body.p + body.len;
    const char *at = memmem(p, body.len, delim, dl);
    while (at && *n < MAX_FIELDS) {
        const char *part = at + dl;
        if (end - part >= 2 && part[0] == '-' && part[1] == '-') return true; /* closing delimiter */
        if (end - part >= 2 && part[0] == '\r' && part[1] == '\n') part += 2;
        const char *hdr_end = memmem(part, (size_t)(end - part), "\r\n\r\n", 4);
        if (!hdr_end) return false;
        const char *data = hdr_end + 4;
        const char *next = memmem(data, (size_t)(end - data), delim, dl);
        if (!next) return false;
        const char *data_end = next;
        if (data_end - data >= 2 && data_end[-2] == '\r' && data_end[-1] == '\n') data_end -= 2;
        field_t fl = {0};
        str_t hs = {part, (size_t)(hdr_end - part)};
        while (hs.len) {
            str_t line;
            long nl = -1;
            for (size_t i = 0; i + 1 < hs.len; i++)
                if (hs.p[i] == '\r' && hs.p[i + 1] == '\n') {
                    nl = (long)i;
                    break;
                }
            line = nl < 0 ? hs : str_sub(hs, 0, (size_t)nl);
            hs = nl < 0 ? STR_NULL : str_sub(hs, (size_t)nl + 2, hs.len - (size_t)nl - 2);
            str_t hn;
            str_t hv = str_trim(str_cut(line, ':', &hn));
            if (str_eq_nocase(str_trim(hn), STR("Content-Type"))) fl.content_type = hv;
            if (!str_eq_nocase(str_trim(hn), STR("Content-Disposition"))) continue;
            static const char *const keys[] = {"name=\"", "filename=\""};
            for (int kk = 0; kk < 2; kk++) {
                size_t kl = strlen(keys[kk]);
                for (size_t i = 0; i + kl <= hv.len; i++) {
                    if (memcmp(hv.p + i, keys[kk], kl) || (kk == 0 && i && hv.p[i - 1] != ' ' && hv.p[i - 1] != ';'))
                        continue;
                    str_t rest = str_sub(hv, i + kl, hv.len - i - kl);
                    long q = str_index(rest, '"');
                    if (q < 0) return false;
                    if (kk == 0)
                        fl.name = str_sub(rest, 0, (size_t)q);
                    else
                        fl.filename = str_sub(rest, 0, (size_t)q);
                    break;
                }
            }
        }
        fl.value = (str_t){data, (size_t)(data_end - data)};
        if (fl.name.len) f[(*n)++] = fl;
        at = next;
    }
    return false;
}

static const field_t *field(const field_t *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq_nocase(f[i].name, str_c(name))) return &f[i];
    return NULL;
}

static str_t fval(const field_t *f, size_t n, const char *name)
{
    const field_t *x = field(f, n, name);
    return x ? x->value : STR_NULL;
}

static int denied(req_t *r, const char *fmt, str_t arg)
{
    return req_fail(r, &ERR_AccessDenied, fmt, STR_FMT(arg));
}

/* One condition: {"field": "value"}, ["eq"|"starts-with", "$field", "value"],
 * ["content-length-range", min, max]. Marks the fields it covers. */
static int check_condition(req_t *r, const json_t *c, const field_t *f, size_t n, bool *covered, str_t bucket,
                           int64_t size)
{
    str_t name, want, op = STR("eq");
    if (c->type == JSON_OBJECT && c->u.obj.n == 1 && c->u.obj.v[0]->type == JSON_STRING) {
        name = c->u.obj.k[0];
        want = c->u.obj.v[0]->u.s;
    } else if (c->type == JSON_ARRAY && c->u.arr.n == 3 && c->u.arr.v[0]->type == JSON_STRING) {
        op = c->u.arr.v[0]->u.s;
        if (str_eq_nocase(op, STR("content-length-range"))) {
            const json_t *lo = c->u.arr.v[1], *hi = c->u.arr.v[2];
            if (lo->type != JSON_INT || hi->type != JSON_INT)
                return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid content-length-range");
            if (size > hi->u.i)
                return req_fail(r, &E_EntityTooLarge, "Your proposed upload exceeds the maximum allowed size");
            if (size < lo->u.i)
                return req_fail(r, &E_EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size");
            return GR_OK;
        }
        if (c->u.arr.v[1]->type != JSON_STRING || c->u.arr.v[2]->type != JSON_STRING)
            return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid Simple-Condition");
        name = c->u.arr.v[1]->u.s;
        want = c->u.arr.v[2]->u.s;
        if (!str_starts_with(name, STR("$")))
            return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid Simple-Condition");
        name = str_sub(name, 1, name.len - 1);
    } else {
        return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid Simple-Condition");
    }
    str_t got;
    if (str_eq_nocase(name, STR("bucket"))) {
        got = bucket;
    } else {
        const field_t *x = field(f, n, arena_printf(r->arena, "%.*s", STR_FMT(name)));
        got = x ? x->value : STR("");
        if (x) covered[x - f] = true;
    }
    bool ok = str_eq_nocase(op, STR("eq")) ? str_eq(got, want)
              : str_eq_nocase(op, STR("starts-with"))
                  ? str_starts_with(got, want) ||
                        /* AWS: for Content-Type, each comma-separated value must start so */
                        (str_eq_nocase(name, STR("Content-Type")) && str_starts_with(str_trim(got), want))
                  : false;
    if (!ok) return denied(r, "Invalid according to Policy: Policy Condition failed: [\"%.*s\"]", name);
    return GR_OK;
}

static bool exempt(str_t name)
{
    static const char *const ex[] = {"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        if (str_eq_nocase(name, str_c(ex[i]))) return true;
    return str_starts_with(name, STR("x-ignore-")) || str_starts_with(name, STR("X-Ignore-"));
}

static int verify(req_t *r, const field_t *f, size_t n, str_t policy_b64)
{
    app_t *app = r->app;
    str_t cred_s = fval(f, n, "x-amz-credential"), sig = fval(f, n, "x-amz-signature");
    str_t akid = fval(f, n, "AWSAccessKeyId"), sig2 = fval(f, n, "signature");
    bool v4 = cred_s.len > 0;
    str_t key = v4 ? STR_NULL : akid;
    str_t date, region, service;
    if (v4) {
        /* AKID/20250101/us-east-1/s3/aws4_request */
        str_t rest = str_cut(cred_s, '/', &key);
        rest = str_cut(rest, '/', &date);
        rest = str_cut(rest, '/', &region);
        str_cut(rest, '/', &service);
        if (!str_eq_nocase(fval(f, n, "x-amz-algorithm"), STR("AWS4-HMAC-SHA256")) || !date.len || !region.len)
            return req_fail(r, &S3_E_InvalidArgument, "POST requires exactly one of the supported signing methods");
    } else if (!akid.len || !sig2.len) {
        return req_fail(r, &S3_E_InvalidArgument,
                        "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, please check "
                        "the order of the fields.");
    }
    cred_t cred;
    if (creds_lookup(app->creds, key, r->arena, &cred) != GR_OK || !cred.active)
        return req_fail(r, &ERR_InvalidAccessKeyId,
                        "The AWS Access Key Id you provided does not exist in our records.");
    bool ok;
    if (v4) {
        unsigned char k[32], mac[32];
        sigv4_signing_key(cred.secret, date, region, service, k);
        unsigned int ml = 0;
        HMAC(EVP_sha256(), k, 32, (const unsigned char *)policy_b64.p, policy_b64.len, mac, &ml);
        str_t hex = s3__hex(r->arena, mac, 32);
        ok = hex.len == sig.len && CRYPTO_memcmp(hex.p, sig.p, sig.len) == 0;
    } else {
        unsigned char mac[20], b64[32];
        unsigned int ml = 0;
        HMAC(EVP_sha1(), cred.secret.p, (int)cred.secret.len, (const unsigned char *)policy_b64.p, policy_b64.len, mac,
             &ml);
        int bl = EVP_EncodeBlock(b64, mac, (int)ml);
        ok = bl > 0 && (size_t)bl == sig2.len && CRYPTO_memcmp(b64, sig2.p, sig2.len) == 0;
    }
    if (!ok)
        return req_fail(r, &ERR_SignatureDoesNotMatch,
                        "The request signature we calculated does not match the signature you provided. Check your "
                        "key and signing method.");
    r->who = cred.who;
    return GR_OK;
}

static const op_t *op_named(req_t *r, const char *name)
{
    const svc_model_t *m = r->svc->model;
    for (uint32_t i = 0; i < m->nops; i++)
        if (!strcmp(m->ops[i].name, name)) return &m->ops[i];
    return NULL;
}

/* AWS: POST's "tagging" field is a <Tagging><TagSet><Tag><Key/><Value/>…
 * document; it becomes x-amz-tagging's "k=v&…" form, which PutObject checks. */
static int tags_from_xml(req_t *r, str_t doc, str_t *enc)
{
    arena_t *a = r->arena;
    xml_node_t *root;
    const char *err;
    const xml_node_t *set = NULL;
    if (xml_parse(a, doc, &root, &err) == GR_OK && str_eq_c(xml_local(root->name), "Tagging"))
        set = xml_child(root, STR("TagSet"));
    if (!set) return s3__malformed(r, NULL);
    buf_t b;
    buf_init(&b, a);
    for (const xml_node_t *t = set->child; t; t = t->next) {
        const xml_node_t *k = xml_child(t, STR("Key")), *v = xml_child(t, STR("Value"));
        if (!str_eq_c(xml_local(t->name), "Tag") || !k)
            return req_fail(r, &S3_E_MalformedXML,
                            "The XML you provided was not well-formed or did not validate "
                            "against our published schema");
        buf_printf(&b, "%s%.*s=%.*s", b.len ? "&" : "", STR_FMT(wire_url_encode(a, k->text, false)),
                   STR_FMT(wire_url_encode(a, v ? v->text : STR(""), false)));
    }
    *enc = buf_str(&b);
    return b.failed ? GR_ERR : GR_OK;
}

int s3_post_object(req_t *r)
{
    arena_t *a = r->arena;
    str_t path = r->w.path;
    str_t bucket = str_trim(str_sub(path, 1, path.len ? path.len - 1 : 0));
    if (bucket.len && bucket.p[bucket.len - 1] == '/') bucket.len--;
    field_t f[MAX_FIELDS];
    size_t n = 0;
    if (!parse_form(a, wire_header(&r->w, "content-type"), r->w.body, f, &n))
        return req_fail(r, &S3_E_MalformedXML, "The body of your POST request is not well-formed multipart/form-data.");
    const field_t *file = field(f, n, "file");
    if (!file) return req_fail(r, &S3_E_InvalidArgument, "POST requires exactly one file upload per request.");
    str_t key = fval(f, n, "key");
    if (!key.p)
        return req_fail(
            r, &S3_E_InvalidArgument,
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
    /* AWS: "${filename}" in the key is the uploaded file's name (before the
     * policy's conditions are checked). */
    long fn = -1;
    for (size_t i = 0; i + 11 <= key.len; i++)
        if (!memcmp(key.p + i, "${filename}", 11)) fn = (long)i;
    if (fn >= 0)
        key = str_c(arena_printf(a, "%.*s%.*s%.*s", (int)fn, key.p, STR_FMT(file->filename),
                                 (int)(key.len - (size_t)fn - 11), key.p + fn + 11));

    r->who = (principal_t){.anonymous = true};
    str_t policy_b64 = fval(f, n, "policy");
    if (policy_b64.len) {
        if (verify(r, f, n, policy_b64) != GR_OK) return GR_ERR;
        str_t doc;
        json_t *j = s3__unb64(a, policy_b64, &doc) ? json_parse(a, doc, NULL) : NULL;
        const json_t *exp = j ? json_get(j, "expiration") : NULL, *conds = j ? json_get(j, "conditions") : NULL;
        int64_t exp_us;
        if (!exp || exp->type != JSON_STRING || !time_parse(exp->u.s, &exp_us))
            return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid 'expiration' value: ''");
        if (!conds || conds->type != JSON_ARRAY)
            return req_fail(r, &E_InvalidPolicyDocument, "Invalid Policy: Invalid 'conditions' value");
        if (exp_us < time_now_us())
            return req_fail(r, &ERR_AccessDenied, "Invalid according to Policy: Policy expired.");
        for (size_t i = 0; i < n; i++)
            if (str_eq_nocase(f[i].name, STR("key"))) f[i].value = key;
        bool covered[MAX_FIELDS] = {0};
        for (size_t i = 0; i < conds->u.arr.n; i++)
            if (check_condition(r, conds->u.arr.v[i], f, n, covered, bucket, (int64_t)file->value.len) != GR_OK)
                return GR_ERR;
        for (size_t i = 0; i < n; i++)
            if (!covered[i] && !exempt(f[i].name))
                return denied(r, "Invalid according to Policy: Extra input fields: %.*s", f[i].name);
    }
    val_t *in = val_new(a, VAL_STRUCT), *out = val_new(a, VAL_STRUCT), *meta = val_new(a, VAL_MAP);
    val_set_c(a, in, "Bucket", val_str(a, bucket));
    val_set_c(a, in, "Key", val_str(a, key));
    val_set_c(a, in, "Body", val_blob(a, file->value));
    static const struct {
        const char *field, *member;
    } hs[] = {{"Content-Type", "ContentType"},
              {"Cache-Control", "CacheControl"},
              {"Content-Disposition", "ContentDisposition"},
              {"Content-Encoding", "ContentEncoding"},
              {"acl", "ACL"},
              {"x-amz-storage-class", "StorageClass"},
              {"x-amz-website-redirect-location", "WebsiteRedirectLocation"},
              {"x-amz-server-side-encryption", "ServerSideEncryption"},
              {"x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"},
              {"x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"},
              {"x-amz-server-side-encryption-customer-key", "SSECustomerKey"},
              {"x-amz-server-side-encryption-customer-key-MD5", "SSECustomerKeyMD5"}};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        str_t v = fval(f, n, hs[i].field);
        if (v.p) val_set_c(a, in, hs[i].member, val_str(a, v));
    }
    if (!val_get(in, "ContentType") && file->content_type.len)
        val_set_c(a, in, "ContentType", val_str(a, file->content_type));
    for (size_t i = 0; i < n; i++)
        if (str_starts_with(f[i].name, STR("x-amz-meta-")))
            val_set(a, meta, str_sub(f[i].name, 11, f[i].name.len - 11), val_str(a, f[i].value));
    if (val_len(meta)) val_set_c(a, in, "Metadata", meta);
    str_t tagging = fval(f, n, "tagging");
    if (tagging.p) {
        str_t enc;
        if (tags_from_xml(r, tagging, &enc) != GR_OK) return GR_ERR;
        val_set_c(a, in, "Tagging", val_str(a, enc));
    }
    r->op = op_named(r, "PutObject");
    r->in = in;
    if (!r->op || s3_precheck(r, in) != GR_OK || s3_put_object(r, in, out) != GR_OK) return GR_ERR;
    str_t etag = val_get_str(out, "ETag");
    str_t location = str_c(
        arena_printf(a, "http://%.*s.s3.localhost/%.*s", STR_FMT(bucket), STR_FMT(wire_url_encode(a, key, true))));
    wire_resp_init(&r->resp, a);
    wire_resp_header(&r->resp, a, "ETag", etag);
    /* AWS: the upload's encryption headers, as PutObject answers them */
    static const struct {
        const char *member, *header;
    } sse[] = {{"ServerSideEncryption", "x-amz-server-side-encryption"},
               {"SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"},
               {"SSECustomerAlgorithm", "x-amz-server-side-encryption-customer-algorithm"},
               {"SSECustomerKeyMD5", "x-amz-server-side-encryption-customer-key-MD5"}};
    for (size_t i = 0; i < sizeof sse / sizeof sse[0]; i++) {
        str_t v = val_get_str(out, sse[i].member);
        if (v.p) wire_resp_header(&r->resp, a, sse[i].header, v);
    }
    str_t redirect = fval(f, n, "success_action_redirect");
    if (!redirect.len) redirect = fval(f, n, "redirect");
    if (redirect.len) {
        r->resp.status = 303;
        wire_resp_header(
            &r->resp, a, "Location",
            str_c(arena_printf(a, "%.*s%cbucket=%.*s&key=%.*s&etag=%.*s", STR_FMT(redirect),
                               str_index(redirect, '?') >= 0 ? '&' : '?', STR_FMT(bucket),
                               STR_FMT(wire_url_encode(a, key, false)), STR_FMT(wire_url_encode(a, etag, false)))));
        return GR_OK;
    }
    wire_resp_header(&r->resp, a, "Location", location);
    str_t st = fval(f, n, "success_action_status");
    if (str_eq_c(st, "201")) {
        r->resp.status = 201;
        wire_resp_header(&r->resp, a, "Content-Type", STR("application/xml"));
        /* POST Object is no operation of S3's service model (browsers, not
         * SDKs, send it), so no output shape exists for the protocol layer to
         * serialize: the document is written here, with its XML writer. */
        buf_t *b = &r->resp.body;
        xml_decl(b);
        xml_open(b, STR("PostResponse"));
        xml_text_elem(b, STR("Location"), location);
        xml_text_elem(b, STR("Bucket"), bucket);
        xml_text_elem(b, STR("Key"), key);
        xml_text_elem(b, STR("ETag"), etag);
        xml_close(b, STR("PostResponse"));
        return GR_OK;
    }
    r->resp.status = str_eq_c(st, "200") ? 200 : 204;
    return GR_OK;
}
