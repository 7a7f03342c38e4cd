/* sigv4_fuzz.c — libFuzzer target for SigV4 parsing, canonicalisation,
 * verification and the aws-chunked decoder.
 *
 * The input is a raw HTTP/1.1 request (request line, headers, blank line,
 * body). It goes through sigv4_parse(), both canonical-request modes,
 * sigv4_verify() with a fixed secret at the request's own time (so the
 * signature check is reached), and its body through the chunked decoder in
 * every mode, fed in two pieces. Invariant checked: no crash, no leak, no
 * undefined behaviour, and the arena budget bounds every allocation. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/sigv4.h"
#include "core/arena.h"
#include "core/err.h"

#define MAX_HEADERS 64

static int null_sink(void *ud, const char *p, size_t n)
{
    size_t *total = ud;
    *total += n;
    return GR_OK;
}

/* Splits the input into w; false when it is not a request at all. */
static bool parse_request(arena_t *a, const char *p, size_t n, wire_req_t *w)
{
    *w = (wire_req_t){0};
    w->headers = ARENA_NEWN(a, kv_t, MAX_HEADERS);
    if (!w->headers) return false;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n;
        str_t line = {p + i, e - i};
        if (line.len && line.p[line.len - 1] == '\r') line.len--;
        i = nl ? e + 1 : n;
        if (first) {
            first = false;
            str_t method, rest = str_cut(line, ' ', &method);
            if (!rest.p || !method.len) return false;
            size_t sp = rest.len;
            while (sp > 0 && rest.p[sp - 1] != ' ') sp--;
            str_t target = sp ? str_sub(rest, 0, sp - 1) : rest;
            str_t path, q = str_cut(target, '?', &path);
            w->method = method;
            w->path = path;
            w->query = q.p ? q : STR("");
            continue;
        }
        if (line.len == 0) {
            w->body = (str_t){p + i, n - i};
            return true;
        }
        if ((line.p[0] == ' ' || line.p[0] == '\t') && w->nheaders) {
            /* Obsolete line folding: the value runs on over this line (the bytes are contiguous). */
            kv_t *h = &w->headers[w->nheaders - 1];
            h->value.len = (size_t)(line.p + line.len - h->value.p);
            continue;
        }
        if (w->nheaders == MAX_HEADERS) return false;
        str_t name, val = str_cut(line, ':', &name);
        if (!val.p) return false;
        w->headers[w->nheaders++] = (kv_t){name, val};
        if (str_eq_nocase(name, STR("host"))) w->host = str_trim(val);
    }
    w->body = (str_t){p + n, 0};
    return !first;
}

static void run_chunked(arena_t *a, const sigv4_t *verified, str_t body, const char *mode)
{
    sigv4_t s = *verified;
    s.status = SIGV4_OK;
    s.payload_hash = str_c(mode);
    if (s.signature.len != 64) s.signature = STR("0000000000000000000000000000000000000000000000000000000000000000");
    size_t total = 0;
    sigv4_chunked_t *c = sigv4_chunked_new(a, &s, null_sink, &total);
    if (!c) return;
    const char *msg = NULL;
    size_t cut = body.len ? (unsigned char)body.p[0] % body.len : 0;
    if (sigv4_chunked_feed(c, body.p, cut, &msg) == GR_OK &&
        sigv4_chunked_feed(c, body.p + cut, body.len - cut, &msg) == GR_OK) {
        const kv_t *tr;
        size_t ntr;
        sigv4_chunked_finish(c, &tr, &ntr, &msg);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(4 << 20);
    if (!a) return 0;
    wire_req_t w;
    if (parse_request(a, (const char *)data, size, &w)) {
        sigv4_t s;
        sigv4_parse(&w, a, &s);
        str_t c1 = sigv4_canonical_request(&w, a, &s, false);
        str_t c2 = sigv4_canonical_request(&w, a, &s, true);
        if (c1.p && s.status == SIGV4_OK) sigv4_string_to_sign(a, &s, c1);
        (void)c2;
        if (s.status == SIGV4_OK) {
            sigv4_opts_t o = {.s3 = size & 1, .now_us = s.time_us ? s.time_us : 1, .max_skew_s = 900};
            sigv4_verify(&w, a, &o, STR("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), &s);
        }
        run_chunked(a, &s, w.body, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        run_chunked(a, &s, w.body, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        run_chunked(a, &s, w.body, "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    }
    arena_free(a);
    return 0;
}
