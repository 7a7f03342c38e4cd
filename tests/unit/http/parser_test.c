/* parser_test.c — the HTTP/1.1 request parser (src/http/parser.c) alone.
 *
 * Every request is parsed three ways: whole, one byte at a time, and in pieces
 * of 7 bytes; each piece is copied into a buffer of exactly its size, so ASan
 * catches any read past the input. All ways must give the same request, body
 * and error. Covers the request line, fields, limits, Content-Length, chunked
 * (extensions, trailers), CL+TE, keep-alive, 100-continue, pipelining, stops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parser.h"

typedef struct {
    char method[32], path[256], query[256];
    char hdrs[2048];    /* "name=value\n" each */
    char trailers[256]; /* the same, for a chunked body's trailer fields */
    char body[4096];
    size_t body_len;
    int nmsg, status, minor;
    bool keepalive, chunked, expect;
    uint64_t cl;
    const char *piece; /* the current input, to check body slices lie in it */
    size_t piece_len;
    int stop_on_body; /* callbacks return this from on_body */
    int stops;
} res_t;

static void cpy(char *dst, size_t cap, str_t s)
{
    assert_true(s.len < cap);
    memcpy(dst, s.p, s.len);
    dst[s.len] = 0;
}

static int cb_line(void *ud, str_t m, str_t p, str_t q)
{
    res_t *r = ud;
    cpy(r->method, sizeof r->method, m);
    cpy(r->path, sizeof r->path, p);
    cpy(r->query, sizeof r->query, q);
    return 0;
}
/* Appends "name=value\n" to dst. */
static void add_field(char *dst, size_t cap, str_t n, str_t v)
{
    size_t at = strlen(dst);
    assert_true(at + n.len + v.len + 3 < cap);
    snprintf(dst + at, cap - at, "%.*s=%.*s\n", (int)n.len, n.p, (int)v.len, v.p);
}
static int cb_header(void *ud, str_t n, str_t v)
{
    res_t *r = ud;
    add_field(r->hdrs, sizeof r->hdrs, n, v);
    return 0;
}
static http_parser_t *cur;
static int cb_hdone(void *ud)
{
    res_t *r = ud;
    r->minor = cur->minor;
    r->keepalive = cur->keepalive;
    r->chunked = cur->chunked;
    r->expect = cur->expect_continue;
    r->cl = cur->content_length;
    return 0;
}
static int cb_body(void *ud, const char *p, size_t n)
{
    res_t *r = ud;
    assert_true(n > 0);
    assert_true(p >= r->piece && p + n <= r->piece + r->piece_len); /* a slice of the input */
    assert_true(r->body_len + n < sizeof r->body);
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    if (r->stop_on_body) r->stops++;
    return r->stop_on_body;
}
static int cb_done(void *ud)
{
    ((res_t *)ud)->nmsg++;
    return 0;
}
static int cb_trailer(void *ud, str_t n, str_t v)
{
    res_t *r = ud;
    add_field(r->trailers, sizeof r->trailers, n, v);
    return 0;
}
static const http_parser_callbacks_t CB = {cb_line, cb_header, cb_hdone, cb_body, cb_done, cb_trailer};

static const http_parser_limits_t LIM = {1024, 256, 8};

/* Parses in pieces of step bytes (0: whole), resetting after each message. */
static void run(const char *in, size_t len, size_t step, res_t *r, int stop_on_body)
{
    memset(r, 0, sizeof *r);
    r->stop_on_body = stop_on_body;
    http_parser_t p;
    http_parser_init(&p, &LIM);
    cur = &p;
    size_t off = 0;
    while (off < len && p.error == HTTP_PARSER_OK) {
        size_t n = step && len - off > step ? step : len - off;
        char *piece = malloc(n);
        memcpy(piece, in + off, n);
        size_t used = 0;
        for (;;) {
            r->piece = piece + used, r->piece_len = n - used;
            size_t k = http_parser_feed(&p, &CB, r, piece + used, n - used);
            assert_true(k <= n - used);
            used += k;
            if (p.error != HTTP_PARSER_OK) break;
            if (http_parser_done(&p)) {
                http_parser_reset(&p);
                if (used == n) break;
                continue;
            }
            if (used == n) {
                /* An empty feed completes a message whose last byte was stopped on. */
                r->piece_len = 0;
                assert_int_equal(http_parser_feed(&p, &CB, r, piece + used, 0), 0);
                if (http_parser_done(&p)) http_parser_reset(&p);
                break;
            }
            if (k == 0) fail_msg("parser stuck");
        }
        free(piece);
        off += used;
    }
    r->status = http_parser_error_status(&p);
    http_parser_free(&p);
}

/* Whole, byte by byte and in 7-byte pieces: the same result each way. */
static res_t parse(const char *in)
{
    size_t len = strlen(in);
    res_t a, b, c;
    run(in, len, 0, &a, 0);
    run(in, len, 1, &b, 0);
    run(in, len, 7, &c, 0);
    res_t *o[2] = {&b, &c};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(a.status, o[i]->status);
        assert_int_equal(a.nmsg, o[i]->nmsg);
        assert_string_equal(a.method, o[i]->method);
        assert_string_equal(a.path, o[i]->path);
        assert_string_equal(a.query, o[i]->query);
        assert_string_equal(a.hdrs, o[i]->hdrs);
        assert_int_equal(a.body_len, o[i]->body_len);
        assert_memory_equal(a.body, o[i]->body, a.body_len);
        assert_int_equal(a.keepalive, o[i]->keepalive);
        assert_int_equal(a.expect, o[i]->expect);
    }
    return a;
}

static void bad(const char *in, int status)
{
    res_t r = parse(in);
    assert_int_equal(r.status, status);
    assert_int_equal(r.nmsg, 0);
}

static void test_request_line(void **state)
{
    res_t r = parse("GET /a/b%20c?x=1&y HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 1);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/a/b%20c");
    assert_string_equal(r.query, "x=1&y");
    assert_string_equal(r.hdrs, "Host=h\n");
    assert_int_equal(r.minor, 1);
    assert_true(r.keepalive);
    /* absolute-form: the authority is dropped */
    r = parse("PUT http://bucket.localhost:4566/key?acl HTTP/1.1\r\n\r\n");
    assert_string_equal(r.path, "/key");
    assert_string_equal(r.query, "acl");
    r = parse("GET HTTPS://h HTTP/1.1\r\n\r\n");
    assert_string_equal(r.path, "/");
    assert_string_equal(r.query, "");
    r = parse("GET http://h?q HTTP/1.1\r\n\r\n");
    assert_string_equal(r.path, "/");
    assert_string_equal(r.query, "q");
    r = parse("OPTIONS * HTTP/1.1\r\n\r\n");
    assert_string_equal(r.path, "*");
    /* empty lines before the request line are skipped */
    r = parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    assert_int_equal(r.nmsg, 1);
    /* HTTP/1.2 is answered as 1.1 */
    r = parse("GET / HTTP/1.2\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.minor, 1);

    bad("GET /a b c d\r\n\r\n", 400);
    bad("GET  / HTTP/1.1\r\n\r\n", 400);
    bad("GET / HTTP/1.1 \r\n\r\n", 400);
    bad("GET /\r\n\r\n", 400);
    bad("GET / http/1.1\r\n\r\n", 400);
    bad("GET / HTTP/1.10\r\n\r\n", 400);
    bad("G(T / HTTP/1.1\r\n\r\n", 400);
    bad("GET a HTTP/1.1\r\n\r\n", 400);
    bad("GET * HTTP/1.1\r\n\r\n", 400);
    bad("GET http:///x HTTP/1.1\r\n\r\n", 400);
    bad("GET /a#frag HTTP/1.1\r\n\r\n", 400);
    bad("GET /\x01 HTTP/1.1\r\n\r\n", 400);
    bad("GET / HTTP/2.0\r\n\r\n", 505);
    bad("GET / HTTP/0.9\r\n\r\n", 505);
    bad("\x16\x03\x01\x02\x00", 400); /* TLS: refused on the first byte */
    bad("GET / HTTP/1.1\n\n", 400);   /* bare LF */
    bad("GET / HTTP/1.1\rX\r\n\r\n", 400);
}

static void test_fields(void **state)
{
    res_t r = parse("GET / HTTP/1.1\r\nX-A:  v1 \t\r\nX-B:\r\nX-C:a b\r\nX-D: \xc3\xa9\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.hdrs, "X-A=v1\nX-B=\nX-C=a b\nX-D=\xc3\xa9\n");
    bad("GET / HTTP/1.1\r\nX-A: v\r\n folded\r\n\r\n", 400); /* obs-fold */
    bad("GET / HTTP/1.1\r\n\tX-A: v\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\nX-A : v\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\n: v\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\nX-A v\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\nX(A): v\r\n\r\n", 400);
    static const char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
    res_t r0;
    run(nul, sizeof nul - 1, 1, &r0, 0);
    assert_int_equal(r0.status, 400);
    bad("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400);
    bad("GET / HTTP/1.1\r\nX-A: v\n\r\n", 400);
}

static void test_limits(void **state)
{
    char buf[4096];
    /* line limit 256: a 250-byte value passes, a 300-byte one is 431 */
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nX: %0250d\r\n\r\n", 0);
    assert_int_equal(parse(buf).status, 0);
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nX: %0300d\r\n\r\n", 0);
    bad(buf, 431);
    snprintf(buf, sizeof buf, "GET /%0300d HTTP/1.1\r\n\r\n", 0);
    bad(buf, 431);
    /* 8 fields pass, 9 are 431 */
    strcpy(buf, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 8; i++) strcat(buf, "A: b\r\n");
    strcat(buf, "\r\n");
    assert_int_equal(parse(buf).status, 0);
    strcpy(buf, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 9; i++) strcat(buf, "A: b\r\n");
    strcat(buf, "\r\n");
    bad(buf, 431);
    /* head limit 1024 over lines within the line limit */
    strcpy(buf, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 6; i++) sprintf(buf + strlen(buf), "A: %0200d\r\n", i);
    strcat(buf, "\r\n");
    bad(buf, 431);
    /* a line over the limit is refused before its end arrives (bounded memory) */
    memset(buf, 'a', 600);
    memcpy(buf, "GET /", 5);
    buf[600] = 0;
    bad(buf, 431);
}

static void test_content_length(void **state)
{
    res_t r = parse("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 2);
    assert_int_equal(r.body_len, 5);
    assert_memory_equal(r.body, "hello", 5);
    assert_string_equal(r.path, "/next");
    r = parse("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.body_len, 3);
    /* the same length twice reaches the caller as one field */
    r = parse("PUT / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\nHost: h\r\n\r\nabc");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.hdrs, "Content-Length=3\nHost=h\n");
    r = parse("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(r.nmsg, 1);
    assert_int_equal(r.body_len, 0);
    r = parse("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\nab");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 0);
    assert_int_equal(r.body_len, 2);
    bad("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400);
}

static void test_chunked(void **state)
{
    res_t r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n"
                    "GET /after HTTP/1.1\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 2);
    assert_int_equal(r.body_len, 15);
    assert_memory_equal(r.body, "hello0123456789", 15);
    assert_string_equal(r.path, "/after");
    /* extensions are accepted and ignored; trailers go to on_trailer, not on_header */
    r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
              "3;name=value;flag\r\nabc\r\n2 ; x=\"q;\"\r\nde\r\n0;last\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 1);
    assert_true(r.chunked);
    assert_int_equal(r.body_len, 5);
    assert_memory_equal(r.body, "abcde", 5);
    assert_string_equal(r.hdrs, "Transfer-Encoding=Chunked\n"); /* trailers are not headers */
    assert_string_equal(r.trailers, "X-Checksum=1\nX-More=2\n");
    r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: ,chunked\r\n\r\n00000ff\r\n");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.body_len, 0);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400); /* 2^64 */
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chu nked\r\n\r\n", 400);
    bad("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    /* a huge chunk (under 2^64) is fine to announce */
    r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.body_len, 3);
}

static void test_cl_and_te(void **state)
{
    /* RFC 9112 §6.1: both framings is how requests are smuggled; refused either order. */
    bad("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400);
    bad("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400);
}

static void test_connection(void **state)
{
    assert_true(parse("GET / HTTP/1.1\r\n\r\n").keepalive);
    assert_false(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keepalive);
    assert_false(parse("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n").keepalive);
    assert_false(parse("GET / HTTP/1.0\r\n\r\n").keepalive);
    res_t r = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert_int_equal(r.minor, 0);
    assert_true(r.keepalive);
    assert_false(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepalive);
    assert_true(parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").keepalive);
    /* Expect: 100-continue, HTTP/1.1 only */
    assert_true(parse("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").expect);
    assert_false(parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx").expect);
    assert_false(parse("PUT / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx").expect);
}

static void test_stop_and_resume(void **state)
{
    /* on_body asks to stop after every piece; the last one is followed by a
     * zero-length feed that completes the message. Byte by byte: 10 stops. */
    const char *in = "PUT / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
    res_t r;
    run(in, strlen(in), 1, &r, 1);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nmsg, 1);
    assert_int_equal(r.body_len, 10);
    assert_int_equal(r.stops, 10);
    run(in, strlen(in), 0, &r, 1);
    assert_int_equal(r.nmsg, 1);
    assert_int_equal(r.stops, 1);

    /* Without a reset, nothing after the end of a message is consumed. */
    http_parser_t p;
    http_parser_init(&p, NULL);
    res_t rr;
    memset(&rr, 0, sizeof rr);
    cur = &p;
    const char *two = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
    size_t n = http_parser_feed(&p, &CB, &rr, two, strlen(two));
    assert_int_equal(n, 19);
    assert_true(http_parser_done(&p));
    assert_int_equal(http_parser_feed(&p, &CB, &rr, two + n, strlen(two) - n), 0);
    http_parser_reset(&p);
    assert_false(http_parser_started(&p));
    assert_int_equal(http_parser_feed(&p, &CB, &rr, two + n, strlen(two) - n), 19);
    assert_string_equal(rr.path, "/2");
    assert_int_equal(rr.nmsg, 2);
    http_parser_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line),   cmocka_unit_test(test_fields),          cmocka_unit_test(test_limits),
        cmocka_unit_test(test_content_length), cmocka_unit_test(test_chunked),         cmocka_unit_test(test_cl_and_te),
        cmocka_unit_test(test_connection),     cmocka_unit_test(test_stop_and_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
