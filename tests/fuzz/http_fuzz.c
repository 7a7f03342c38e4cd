/* http_fuzz.c — libFuzzer target for the HTTP/1.1 request parser (src/http/parser.c).
 *
 * The first 4 input bytes seed the cut points; the rest is the byte stream of a
 * connection. It is parsed once whole and once in random pieces, each piece in a
 * malloc'd buffer of exactly its size (ASan: no read past the input), resetting
 * after each message as server.c does. Invariants checked: both parses report
 * the same requests (line, fields), the same body bytes (count and hash), the
 * same number of messages and the same error; every body piece is a slice of
 * the piece fed; the line buffer never exceeds the line limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

typedef struct {
    uint64_t hash; /* FNV-1a over every event and its bytes */
    uint64_t body;
    int nmsg, status;
    const char *piece;
    size_t piece_len;
    http_parser_t *p;
} obs_t;

static void mix(obs_t *o, const void *d, size_t n)
{
    const unsigned char *b = d;
    for (size_t i = 0; i < n; i++) o->hash = (o->hash ^ b[i]) * 1099511628211ull;
}

static int on_line(void *ud, str_t m, str_t path, str_t q)
{
    obs_t *o = ud;
    mix(o, "L", 1), mix(o, m.p, m.len), mix(o, " ", 1), mix(o, path.p, path.len), mix(o, "?", 1), mix(o, q.p, q.len);
    return 0;
}
static int on_header(void *ud, str_t n, str_t v)
{
    obs_t *o = ud;
    mix(o, "H", 1), mix(o, n.p, n.len), mix(o, ":", 1), mix(o, v.p, v.len);
    return 0;
}
static int on_hdone(void *ud)
{
    obs_t *o = ud;
    unsigned char f[4] = {(unsigned char)o->p->minor, o->p->keepalive, o->p->chunked, o->p->expect_continue};
    mix(o, "D", 1), mix(o, f, sizeof f), mix(o, &o->p->content_length, sizeof o->p->content_length);
    return 0;
}
static int on_body(void *ud, const char *d, size_t n)
{
    obs_t *o = ud;
    if (n == 0 || d < o->piece || d + n > o->piece + o->piece_len) abort(); /* not a slice of the input */
    o->body += n;
    /* Body bytes hash without their boundaries: pieces differ between the two parses. */
    for (size_t i = 0; i < n; i++) o->hash = (o->hash ^ (unsigned char)d[i]) * 1099511628211ull;
    return 0;
}
static int on_done(void *ud)
{
    obs_t *o = ud;
    o->nmsg++;
    mix(o, "E", 1);
    return 0;
}
static const http_parser_callbacks_t CB = {on_line, on_header, on_hdone, on_body, on_done};
static const http_parser_limits_t LIM = {2048, 256, 16};

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 17, *s ^= *s << 5;
    return *s;
}

/* step 0: whole input; else pieces of 1..step bytes chosen from seed. */
static void parse(const uint8_t *in, size_t len, uint32_t seed, size_t step, obs_t *o)
{
    http_parser_t p;
    http_parser_init(&p, &LIM);
    memset(o, 0, sizeof *o);
    o->hash = 1469598103934665603ull;
    o->p = &p;
    size_t off = 0;
    uint32_t s = seed | 1;
    while (off < len && p.error == HTTP_PARSER_OK) {
        size_t n = step ? 1 + rnd(&s) % step : len;
        if (n > len - off) n = len - off;
        char *piece = malloc(n);
        if (!piece) abort();
        memcpy(piece, in + off, n);
        size_t used = 0;
        for (;;) {
            o->piece = piece + used, o->piece_len = n - used;
            size_t k = http_parser_feed(&p, &CB, o, piece + used, n - used);
            if (k > n - used) abort();
            used += k;
            if (p.line_len > LIM.max_line + 2 || p.line_cap > 2 * (LIM.max_line + 2)) abort(); /* bounded */
            if (p.error != HTTP_PARSER_OK) break;
            if (http_parser_done(&p)) {
                http_parser_reset(&p);
                if (used == n) break;
                continue;
            }
            if (used != n) abort(); /* no callback stops: all input is taken */
            break;
        }
        free(piece);
        off += used;
    }
    o->status = http_parser_error_status(&p);
    http_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    uint32_t seed;
    memcpy(&seed, data, 4);
    data += 4, size -= 4;
    obs_t whole, cut, bytes;
    parse(data, size, 0, 0, &whole);
    parse(data, size, seed, 1 + seed % 64, &cut);
    if (whole.hash != cut.hash || whole.body != cut.body || whole.nmsg != cut.nmsg || whole.status != cut.status)
        abort();
    if (size <= 512) { /* one byte at a time too, where it stays cheap */
        parse(data, size, seed, 1, &bytes);
        if (whole.hash != bytes.hash || whole.body != bytes.body || whole.status != bytes.status) abort();
    }
    return 0;
}
