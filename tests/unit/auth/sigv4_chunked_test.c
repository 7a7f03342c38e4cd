/* sigv4_chunked_test.c — unit tests for src/auth/sigv4_chunked.c.
 *
 * The signed case is the S3 documentation's streaming PUT example
 * (sigv4-streaming: 65 KiB of 'a' in 64 KiB chunks; seed signature 4f232c43…,
 * chunk signatures ad80c730…, 0055627c…, final b6c6ea8a…): the request must
 * verify with sigv4_verify() and the decoder must reproduce the chain, fed one
 * byte at a time and in big pieces. The signed-trailer vector was computed
 * once with Python's hmac/hashlib, independently of this code; the unsigned
 * trailer body is exactly what botocore 1.29's AwsChunkedWrapper writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/sigv4.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/gtime.h"

#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1 "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2 "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3 "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

static int64_t at(const char *amz)
{
    int64_t us = 0;
    assert_true(time_parse(str_c(amz), &us));
    return us;
}

/* The example request, verified, so s carries the signing key and seed. */
static void example_request(arena_t *a, sigv4_t *s)
{
    static kv_t h[] = {
        {STR("Host"), STR("s3.amazonaws.com")},
        {STR("x-amz-date"), STR("20130524T000000Z")},
        {STR("x-amz-storage-class"), STR("REDUCED_REDUNDANCY")},
        {STR("Authorization"),
         STR("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="
             "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-"
             "storage-class,Signature=" SEED)},
        {STR("x-amz-content-sha256"), STR("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")},
        {STR("Content-Encoding"), STR("aws-chunked")},
        {STR("x-amz-decoded-content-length"), STR("66560")},
        {STR("Content-Length"), STR("66824")},
    };
    wire_req_t w = {.method = STR("PUT"),
                    .path = STR("/examplebucket/chunkObject.txt"),
                    .query = STR(""),
                    .headers = h,
                    .nheaders = sizeof h / sizeof *h,
                    .host = STR("s3.amazonaws.com")};
    sigv4_parse(&w, a, s);
    assert_int_equal(s->status, SIGV4_OK);
    sigv4_opts_t o = {.s3 = true, .now_us = at("20130524T000000Z"), .max_skew_s = 900};
    assert_int_equal(sigv4_verify(&w, a, &o, STR(EX_SECRET), s), SIGV4_OK);
}

/* 64 KiB chunk, 1 KiB chunk, final chunk: 66824 bytes as the example's Content-Length says. */
static char *example_body(size_t *n)
{
    char *b = malloc(70000);
    size_t o = 0;
    o += (size_t)sprintf(b + o, "10000;chunk-signature=" SIG1 "\r\n");
    memset(b + o, 'a', 65536);
    o += 65536;
    o += (size_t)sprintf(b + o, "\r\n400;chunk-signature=" SIG2 "\r\n");
    memset(b + o, 'a', 1024);
    o += 1024;
    o += (size_t)sprintf(b + o, "\r\n0;chunk-signature=" SIG3 "\r\n\r\n");
    *n = o;
    return b;
}

typedef struct {
    size_t total, calls, max_piece;
    bool all_a;
} count_t;

static int count_sink(void *ud, const char *p, size_t n)
{
    count_t *c = ud;
    c->total += n;
    c->calls++;
    if (n > c->max_piece) c->max_piece = n;
    for (size_t i = 0; i < n; i++)
        if (p[i] != 'a') c->all_a = false;
    return GR_OK;
}

static void feed_in_pieces(const sigv4_t *s, arena_t *a, const char *body, size_t n, size_t piece, count_t *cnt)
{
    *cnt = (count_t){.all_a = true};
    sigv4_chunked_t *c = sigv4_chunked_new(a, s, count_sink, cnt);
    assert_non_null(c);
    const char *msg = NULL;
    for (size_t i = 0; i < n; i += piece) {
        size_t k = n - i < piece ? n - i : piece;
        assert_int_equal(sigv4_chunked_feed(c, body + i, k, &msg), GR_OK);
    }
    const kv_t *tr;
    size_t ntr;
    assert_int_equal(sigv4_chunked_finish(c, &tr, &ntr, &msg), GR_OK);
    assert_int_equal(ntr, 0);
}

static void test_s3_example_signed(void **state)
{
    arena_t *a = arena_new(0);
    sigv4_t s;
    example_request(a, &s);
    size_t n;
    char *body = example_body(&n);
    assert_int_equal(n, 66824);
    static const size_t pieces[] = {1, 7, 4096, 65536 + 100, 1 << 20};
    for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
        count_t cnt;
        feed_in_pieces(&s, a, body, n, pieces[i], &cnt);
        assert_int_equal(cnt.total, 66560);
        assert_true(cnt.all_a);
        /* Streaming, not buffering: nothing larger than what was fed ever reaches the sink. */
        assert_true(cnt.max_piece <= pieces[i]);
    }
    str_t out;
    const char *msg = NULL;
    assert_int_equal(sigv4_chunked_decode(a, &s, (str_t){body, n}, &out, NULL, NULL, &msg), GR_OK);
    assert_int_equal(out.len, 66560);
    free(body);
    arena_free(a);
}

static int decode_err(arena_t *a, const sigv4_t *s, const char *body, size_t n, const char **msg)
{
    str_t out;
    return sigv4_chunked_decode(a, s, (str_t){body, n}, &out, NULL, NULL, msg);
}

static void test_s3_example_corrupt(void **state)
{
    arena_t *a = arena_new(0);
    sigv4_t s;
    example_request(a, &s);
    size_t n;
    char *body = example_body(&n);
    const char *msg = NULL;
    /* A chunk signature off by one hex digit. */
    body[22] = body[22] == 'a' ? 'b' : 'a';
    assert_int_equal(decode_err(a, &s, body, n, &msg), GR_ERR);
    assert_string_equal(msg, "The request signature we calculated does not match the signature you provided. Check "
                             "your key and signing method.");
    free(body);
    /* One data byte changed. */
    body = example_body(&n);
    body[100] = 'b';
    assert_int_equal(decode_err(a, &s, body, n, &msg), GR_ERR);
    /* The last chunk's signature wrong. */
    free(body);
    body = example_body(&n);
    body[n - 5] = body[n - 5] == '9' ? '8' : '9';
    assert_int_equal(decode_err(a, &s, body, n, &msg), GR_ERR);
    /* Truncated: finish() refuses. */
    free(body);
    body = example_body(&n);
    assert_int_equal(decode_err(a, &s, body, n - 2, &msg), GR_ERR);
    assert_string_equal(msg, "The request body terminated unexpectedly");
    /* Chunks swapped keep every signature but break the chain. */
    char *sw = malloc(n);
    size_t o = (size_t)sprintf(sw, "400;chunk-signature=" SIG2 "\r\n");
    memset(sw + o, 'a', 1024);
    o += 1024;
    o += (size_t)sprintf(sw + o, "\r\n0;chunk-signature=" SIG3 "\r\n\r\n");
    assert_int_equal(decode_err(a, &s, sw, o, &msg), GR_ERR);
    /* Missing chunk-signature, bad hex size, bytes after the end. */
    assert_int_equal(decode_err(a, &s, "1\r\na\r\n", 6, &msg), GR_ERR);
    assert_int_equal(decode_err(a, &s, "zz;chunk-signature=" SIG1 "\r\n", 85, &msg), GR_ERR);
    memcpy(sw, body, n);
    assert_int_equal(decode_err(a, &s, body, n, &msg), GR_OK);
    free(sw);
    sw = malloc(n + 1);
    memcpy(sw, body, n);
    sw[n] = 'x';
    assert_int_equal(decode_err(a, &s, sw, n + 1, &msg), GR_ERR);
    free(sw);
    free(body);
    arena_free(a);
}

/* A verified request in the example's scope without going through a wire request. */
static sigv4_t scoped(const char *mode)
{
    sigv4_t s = {.status = SIGV4_OK,
                 .signature = STR(SEED),
                 .amz_date = STR("20130524T000000Z"),
                 .scope_date = STR("20130524"),
                 .region = STR("us-east-1"),
                 .service = STR("s3"),
                 .payload_hash = str_c(mode)};
    sigv4_signing_key(STR(EX_SECRET), s.scope_date, s.region, s.service, s.signing_key);
    return s;
}

static const char SIGNED_TRAILER[] =
    "5;chunk-signature=7ca2bb6b96869a322ee00fa7347cadb82c8801d9e36e87e71086051b27939767\r\nhello\r\n"
    "5;chunk-signature=c5b56d0e26668277232432b26612fef45ebb1291f2b0744b8bad6b3921dfd1ae\r\n worl\r\n"
    "1;chunk-signature=91b226e4ed8c6f23f96a8b36a234c71fd663a9ff985a1b77b27f89cfc0aa2024\r\nd\r\n"
    "0;chunk-signature=a4fffbfc5eb57b1a953b2a56d846d958d48410dddc4cfcaa454a3fcde261f7bd\r\n"
    "x-amz-checksum-crc32:DUoRhQ==\r\n"
    "x-amz-trailer-signature:2d627caa2004186bb17d564e6ea3f090a9e6083b66cf07d817e5a9d23d6d2df9\r\n\r\n";

static int buf_sink(void *ud, const char *p, size_t n)
{
    buf_append(ud, p, n);
    return GR_OK;
}

static void decode_bytewise(arena_t *a, const sigv4_t *s, const char *body, size_t n, const char *want,
                            const char *trailer_name, const char *trailer_val)
{
    buf_t b;
    buf_init(&b, a);
    sigv4_chunked_t *c = sigv4_chunked_new(a, s, buf_sink, &b);
    assert_non_null(c);
    const char *msg = NULL;
    for (size_t i = 0; i < n; i++) assert_int_equal(sigv4_chunked_feed(c, body + i, 1, &msg), GR_OK);
    const kv_t *tr;
    size_t ntr;
    assert_int_equal(sigv4_chunked_finish(c, &tr, &ntr, &msg), GR_OK);
    str_t out = buf_str(&b);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.p, want, out.len);
    assert_int_equal(ntr, 1);
    assert_true(str_eq_c(tr[0].name, trailer_name));
    assert_true(str_eq_c(tr[0].value, trailer_val));
}

static void test_signed_trailer(void **state)
{
    arena_t *a = arena_new(0);
    sigv4_t s = scoped("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    size_t n = sizeof SIGNED_TRAILER - 1;
    decode_bytewise(a, &s, SIGNED_TRAILER, n, "hello world", "x-amz-checksum-crc32", "DUoRhQ==");
    str_t out;
    const kv_t *tr;
    size_t ntr;
    const char *msg;
    assert_int_equal(sigv4_chunked_decode(a, &s, (str_t){SIGNED_TRAILER, n}, &out, &tr, &ntr, &msg), GR_OK);
    assert_true(str_eq_c(out, "hello world"));
    /* The trailer value is covered by the trailer signature. */
    char *bad = strdup(SIGNED_TRAILER);
    strstr(bad, "DUoRhQ==")[0] = 'E';
    assert_int_equal(sigv4_chunked_decode(a, &s, (str_t){bad, n}, &out, &tr, &ntr, &msg), GR_ERR);
    free(bad);
    /* And the same body is refused when the request announced a different mode. */
    sigv4_t s2 = scoped("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    assert_int_equal(sigv4_chunked_decode(a, &s2, (str_t){SIGNED_TRAILER, n}, &out, &tr, &ntr, &msg), GR_ERR);
    arena_free(a);
}

static void test_unsigned_trailer(void **state)
{
    arena_t *a = arena_new(0);
    sigv4_t s = {.status = SIGV4_OK, .payload_hash = STR("STREAMING-UNSIGNED-PAYLOAD-TRAILER")};
    /* botocore 1.29 AwsChunkedWrapper(chunk_size=5) output for b"hello world" with a CRC32 trailer. */
    static const char body[] = "5\r\nhello\r\n5\r\n worl\r\n1\r\nd\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    decode_bytewise(a, &s, body, sizeof body - 1, "hello world", "x-amz-checksum-crc32", "DUoRhQ==");
    /* Large pieces, upper-case hex size, a chunk extension we do not know. */
    static const char body2[] = "B;foo=bar\r\nhello world\r\n0\r\nX-Amz-Checksum-CRC32: DUoRhQ== \r\n\r\n";
    str_t out;
    const kv_t *tr;
    size_t ntr;
    const char *msg;
    assert_int_equal(sigv4_chunked_decode(a, &s, STR(body2), &out, &tr, &ntr, &msg), GR_OK);
    assert_true(str_eq_c(out, "hello world"));
    assert_int_equal(ntr, 1);
    assert_true(str_eq_c(tr[0].name, "x-amz-checksum-crc32"));
    assert_true(str_eq_c(tr[0].value, "DUoRhQ=="));
    /* No trailer at all is fine; a missing end is not. */
    assert_int_equal(sigv4_chunked_decode(a, &s, STR("0\r\n\r\n"), &out, &tr, &ntr, &msg), GR_OK);
    assert_int_equal(out.len, 0);
    assert_int_equal(ntr, 0);
    assert_int_equal(
        sigv4_chunked_decode(a, &s, STR("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n"), &out, &tr, &ntr, &msg),
        GR_ERR);
    assert_int_equal(sigv4_chunked_decode(a, &s, STR("5\r\nhelloXX0\r\n\r\n"), &out, &tr, &ntr, &msg), GR_ERR);
    /* Modes we do not decode. */
    sigv4_t u = {.status = SIGV4_OK, .payload_hash = STR("UNSIGNED-PAYLOAD")};
    assert_null(sigv4_chunked_new(a, &u, buf_sink, NULL));
    arena_free(a);
}

static void test_bounded_header_line(void **state)
{
    /* A chunk header line that never ends must fail, not grow. */
    arena_t *a = arena_new(0);
    sigv4_t s = {.status = SIGV4_OK, .payload_hash = STR("STREAMING-UNSIGNED-PAYLOAD-TRAILER")};
    sigv4_chunked_t *c = sigv4_chunked_new(a, &s, buf_sink, NULL);
    char junk[1024];
    memset(junk, '1', sizeof junk);
    const char *msg = NULL;
    int rc = GR_OK;
    for (int i = 0; i < 4 && rc == GR_OK; i++) rc = sigv4_chunked_feed(c, junk, sizeof junk, &msg);
    assert_int_equal(rc, GR_ERR);
    /* Once failed, stays failed. */
    assert_int_equal(sigv4_chunked_feed(c, "0\r\n\r\n", 5, &msg), GR_ERR);
    assert_int_equal(sigv4_chunked_finish(c, NULL, NULL, &msg), GR_ERR);
    arena_free(a);
}

static int refusing_sink(void *ud, const char *p, size_t n)
{
    return GR_ERR;
}

static void test_sink_failure(void **state)
{
    /* A sink that cannot write (disk full) stops the decode at once. */
    arena_t *a = arena_new(0);
    sigv4_t s = {.status = SIGV4_OK, .payload_hash = STR("STREAMING-UNSIGNED-PAYLOAD-TRAILER")};
    sigv4_chunked_t *c = sigv4_chunked_new(a, &s, refusing_sink, NULL);
    const char *msg = NULL;
    assert_int_equal(sigv4_chunked_feed(c, "5\r\nhello\r\n0\r\n\r\n", 15, &msg), GR_ERR);
    assert_non_null(msg);
    assert_int_equal(sigv4_chunked_finish(c, NULL, NULL, &msg), GR_ERR);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_example_signed),   cmocka_unit_test(test_s3_example_corrupt),
        cmocka_unit_test(test_signed_trailer),      cmocka_unit_test(test_unsigned_trailer),
        cmocka_unit_test(test_bounded_header_line), cmocka_unit_test(test_sink_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
