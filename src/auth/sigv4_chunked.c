/* sigv4_chunked.c — incremental decoder for aws-chunked request bodies
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], STREAMING-UNSIGNED-PAYLOAD-TRAILER).
 *
 * The http layer feeds raw body pieces of any size as they arrive; decoded data
 * goes straight to the sink (S3's blob writer). Memory is bounded: only a chunk
 * header line and the trailer block are buffered, never chunk data, which is
 * hashed as it streams. Choice: data is emitted before its chunk signature is
 * checked (at the chunk's end); on a mismatch feed() fails and the caller must
 * discard everything written — S3 writes to a temporary file and only renames
 * it into place after finish() succeeded, so unverified bytes never show. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "auth/mac.h"
#include "auth/sigv4.h"
#include "core/buf.h"
#include "core/err.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define LINE_MAX_LEN 512     /* a chunk header is "hex;chunk-signature=<64 hex>": far shorter */
#define TRAILER_MAX_LEN 4096 /* all trailer lines together */
#define TRAILER_MAX_N 16

enum { ST_LINE, ST_DATA, ST_DATA_CR, ST_DATA_LF, ST_TRAILER, ST_DONE, ST_FAILED };

struct sigv4_chunked {
    arena_t *a;
    sigv4_sink_fn sink;
    void *ud;
    bool sign;    /* chunk signatures are checked */
    bool trailer; /* trailer headers follow the last chunk */
    int state;
    char line[LINE_MAX_LEN];
    size_t linelen;
    uint64_t left;  /* data bytes still to come in this chunk */
    bool last;      /* the current chunk is the 0-length one */
    char want[65];  /* this chunk's declared signature */
    char prev[65];  /* previous signature in the chain (seed first) */
    EVP_MD_CTX *md; /* hash of this chunk's data */
    unsigned char key[32];
    str_t amz_date, scope;
    char *tr; /* trailer block being read */
    size_t trlen;
    kv_t *trailers;
    size_t ntrailers;
    str_t trailer_sig; /* x-amz-trailer-signature, signed-trailer mode */
    const char *err;
};

static const char MSG_SIG[] = "The request signature we calculated does not match the signature you provided. "
                              "Check your key and signing method.";
/* AWS: S3 IncompleteBody wording for a truncated/garbled aws-chunked body. */
static const char MSG_BODY[] = "The request body terminated unexpectedly";

static void free_md(void *p)
{
    EVP_MD_CTX_free(p);
}

static int failc(sigv4_chunked_t *c, const char *msg, const char **out)
{
    c->state = ST_FAILED;
    c->err = msg;
    if (out) *out = msg;
    return GR_ERR;
}

sigv4_chunked_t *sigv4_chunked_new(arena_t *a, const sigv4_t *s, sigv4_sink_fn sink, void *ud)
{
    sigv4_chunked_t *c = ARENA_NEW(a, sigv4_chunked_t);
    if (!c) return NULL;
    c->a = a;
    c->sink = sink;
    c->ud = ud;
    str_t ph = s->payload_hash;
    if (str_eq_c(ph, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) {
        c->sign = true;
    } else if (str_eq_c(ph, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")) {
        c->sign = c->trailer = true;
    } else if (str_eq_c(ph, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")) {
        c->trailer = true;
    } else {
        return NULL; /* not an aws-chunked mode we decode (ECDSA needs SigV4a) */
    }
    if (c->sign) {
        if (s->status != SIGV4_OK || s->signature.len != 64 || !s->amz_date.p || !s->scope_date.p || !s->region.p ||
            !s->service.p)
            return NULL;
        c->md = EVP_MD_CTX_new();
        if (!c->md || arena_defer(a, free_md, c->md) < 0) {
            EVP_MD_CTX_free(c->md);
            return NULL;
        }
        memcpy(c->key, s->signing_key, 32);
        memcpy(c->prev, s->signature.p, 64);
        c->amz_date = s->amz_date;
        char *sc = arena_printf(a, "%.*s/%.*s/%.*s/aws4_request", STR_FMT(s->scope_date), STR_FMT(s->region),
                                STR_FMT(s->service));
        if (!sc) return NULL;
        c->scope = str_c(sc);
    }
    c->state = ST_LINE;
    return c;
}

/* Chain step: HMAC(key, "<algo>\n<date>\n<scope>\n<prev>\n<rest>") compared with want; prev := computed. */
static bool chain_ok(sigv4_chunked_t *c, const char *algo, const char *rest, str_t want)
{
    char sts[1024];
    int n = snprintf(sts, sizeof sts, "%s\n%.*s\n%.*s\n%s\n%s", algo, STR_FMT(c->amz_date), STR_FMT(c->scope), c->prev,
                     rest);
    if (n < 0 || (size_t)n >= sizeof sts) return false;
    unsigned char mac[EVP_MAX_MD_SIZE];
    mac_hmac(mac_sha256(), c->key, 32, sts, (size_t)n, mac);
    char hex[65];
    str_hex(mac, 32, hex);
    bool ok = want.len == 64 && CRYPTO_memcmp(hex, want.p, 64) == 0;
    memcpy(c->prev, hex, 65);
    return ok;
}

static bool end_chunk(sigv4_chunked_t *c)
{
    if (!c->sign) return true;
    unsigned char md[32];
    unsigned int n = 32;
    EVP_DigestFinal_ex(c->md, md, &n);
    char h[65], rest[64 + 1 + 64 + 1];
    str_hex(md, 32, h);
    /* AWS: chunk string to sign (S3 docs, sigv4-streaming): AWS4-HMAC-SHA256-PAYLOAD, date, scope,
     * previous signature, hash of "" (no chunk headers are signed), hash of the chunk data. */
    snprintf(rest, sizeof rest, "%s\n%s", EMPTY_SHA256, h);
    return chain_ok(c, "AWS4-HMAC-SHA256-PAYLOAD", rest, (str_t){c->want, 64});
}

/* "<hex>[;chunk-signature=<sig>][;other-ext]" */
static int parse_line(sigv4_chunked_t *c, const char **msg)
{
    str_t l = {c->line, c->linelen}, size, ext = str_cut(l, ';', &size);
    size = str_trim(size);
    if (size.len == 0 || size.len > 15) return failc(c, MSG_BODY, msg);
    uint64_t v = 0;
    for (size_t i = 0; i < size.len; i++) {
        char ch = size.p[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0) return failc(c, MSG_BODY, msg);
        v = v * 16 + (uint64_t)d;
    }
    bool have_sig = false;
    while (ext.p) {
        str_t e;
        ext = str_cut(ext, ';', &e);
        str_t k, val = str_cut(str_trim(e), '=', &k);
        if (str_eq_c(k, "chunk-signature") && val.p && val.len == 64) {
            memcpy(c->want, val.p, 64);
            c->want[64] = 0;
            have_sig = true;
        }
    }
    if (c->sign && !have_sig) return failc(c, MSG_BODY, msg);
    if (c->sign) EVP_DigestInit_ex(c->md, mac_sha256(), NULL);
    c->left = v;
    c->last = v == 0;
    c->state = v ? ST_DATA : ST_DATA_CR;
    if (v == 0) {
        if (c->sign && !end_chunk(c)) return failc(c, MSG_SIG, msg);
        /* The final chunk's data is empty; what follows is "\r\n" or the trailer block. */
        c->state = c->trailer ? ST_TRAILER : ST_DATA_CR;
    }
    return GR_OK;
}

/* Splits the trailer block ("name:value\r\n" lines) into c->trailers and, in signed-trailer mode, checks
 * x-amz-trailer-signature over the canonical "name:value\n" lines. */
static int finish_trailer(sigv4_chunked_t *c, const char **msg)
{
    c->trailers = ARENA_NEWN(c->a, kv_t, TRAILER_MAX_N);
    if (!c->trailers) return failc(c, MSG_BODY, msg);
    buf_t canon;
    buf_init(&canon, c->a);
    str_t rest = {c->tr, c->trlen}, line;
    while (rest.p && rest.len) {
        rest = str_cut(rest, '\n', &line);
        if (line.len && line.p[line.len - 1] == '\r') line.len--;
        if (!line.len) continue;
        str_t name, val = str_cut(line, ':', &name);
        if (!val.p || !name.len) return failc(c, MSG_BODY, msg);
        name = str_trim(name);
        val = str_trim(val);
        if (str_eq_nocase(name, STR("x-amz-trailer-signature"))) {
            c->trailer_sig = val;
            continue;
        }
        if (c->ntrailers == TRAILER_MAX_N) return failc(c, MSG_BODY, msg);
        char *ln = arena_strndup(c->a, name.p, name.len);
        if (!ln) return failc(c, MSG_BODY, msg);
        for (size_t i = 0; i < name.len; i++)
            if (ln[i] >= 'A' && ln[i] <= 'Z') ln[i] = (char)(ln[i] - 'A' + 'a');
        c->trailers[c->ntrailers++] = (kv_t){{ln, name.len}, val};
        buf_printf(&canon, "%s:%.*s\n", ln, STR_FMT(val));
    }
    if (c->sign) {
        str_t cs = buf_str(&canon);
        char h[65];
        sigv4_hex_sha256(cs.p ? cs.p : "", cs.len, h);
        /* AWS: trailer string to sign (S3 docs, "Signature calculation for trailing headers"). */
        if (!chain_ok(c, "AWS4-HMAC-SHA256-TRAILER", h, c->trailer_sig)) return failc(c, MSG_SIG, msg);
    }
    c->state = ST_DONE;
    return GR_OK;
}

int sigv4_chunked_feed(sigv4_chunked_t *c, const char *p, size_t n, const char **msg)
{
    if (c->state == ST_FAILED) {
        if (msg) *msg = c->err;
        return GR_ERR;
    }
    size_t i = 0;
    while (i < n) {
        switch (c->state) {
        case ST_LINE: {
            char ch = p[i++];
            if (ch == '\n') {
                if (!c->linelen || c->line[c->linelen - 1] != '\r') return failc(c, MSG_BODY, msg);
                c->linelen--;
                if (parse_line(c, msg) < 0) return GR_ERR;
                c->linelen = 0;
            } else {
                if (c->linelen == LINE_MAX_LEN) return failc(c, MSG_BODY, msg);
                c->line[c->linelen++] = ch;
            }
            break;
        }
        case ST_DATA: {
            size_t take = n - i;
            if (take > c->left) take = (size_t)c->left;
            if (c->sign) EVP_DigestUpdate(c->md, p + i, take);
            if (c->sink && c->sink(c->ud, p + i, take) != GR_OK) return failc(c, "write failed", msg);
            c->left -= take;
            i += take;
            if (!c->left) c->state = ST_DATA_CR;
            break;
        }
        case ST_DATA_CR:
            if (p[i++] != '\r') return failc(c, MSG_BODY, msg);
            c->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            if (p[i++] != '\n') return failc(c, MSG_BODY, msg);
            if (c->last) {
                c->state = ST_DONE;
            } else {
                if (c->sign && !end_chunk(c)) return failc(c, MSG_SIG, msg);
                c->state = ST_LINE;
            }
            break;
        case ST_TRAILER: {
            /* The block ends with an empty line: "\r\n" right at its start or after a line's "\r\n". */
            if (!c->tr) {
                c->tr = arena_alloc(c->a, TRAILER_MAX_LEN);
                if (!c->tr) return failc(c, MSG_BODY, msg);
            }
            if (c->trlen == TRAILER_MAX_LEN) return failc(c, MSG_BODY, msg);
            c->tr[c->trlen++] = p[i++];
            size_t L = c->trlen;
            if ((L == 2 && memcmp(c->tr, "\r\n", 2) == 0) || (L >= 4 && memcmp(c->tr + L - 4, "\r\n\r\n", 4) == 0)) {
                if (finish_trailer(c, msg) < 0) return GR_ERR;
            }
            break;
        }
        case ST_DONE: return failc(c, MSG_BODY, msg); /* bytes after the final chunk */
        default: return failc(c, MSG_BODY, msg);
        }
    }
    return GR_OK;
}

int sigv4_chunked_finish(sigv4_chunked_t *c, const kv_t **trailers, size_t *ntrailers, const char **msg)
{
    if (trailers) *trailers = NULL;
    if (ntrailers) *ntrailers = 0;
    if (c->state == ST_FAILED) {
        if (msg) *msg = c->err;
        return GR_ERR;
    }
    if (c->state != ST_DONE) return failc(c, MSG_BODY, msg);
    if (trailers) *trailers = c->trailers;
    if (ntrailers) *ntrailers = c->ntrailers;
    return GR_OK;
}

static int buf_sink(void *ud, const char *p, size_t n)
{
    buf_t *b = ud;
    buf_append(b, p, n);
    return b->failed ? GR_ERR : GR_OK;
}

int sigv4_chunked_decode(arena_t *a, const sigv4_t *s, str_t body, str_t *out, const kv_t **trailers, size_t *ntrailers,
                         const char **msg)
{
    buf_t b;
    buf_init(&b, a);
    if (out) *out = STR_NULL;
    sigv4_chunked_t *c = sigv4_chunked_new(a, s, buf_sink, &b);
    if (!c) {
        if (msg) *msg = "Unsupported aws-chunked payload mode";
        return GR_ERR;
    }
    if (sigv4_chunked_feed(c, body.p ? body.p : "", body.len, msg) < 0) return GR_ERR;
    if (sigv4_chunked_finish(c, trailers, ntrailers, msg) < 0) return GR_ERR;
    if (out) *out = b.len ? buf_str(&b) : STR("");
    return GR_OK;
}
