/* cbor_test.c — the strict CBOR decoder and the encoder (src/core/cbor.c):
 * every major type at every argument width, indefinite lengths, half,
 * single and double floats (RFC 8949 Appendix A's examples), tags, what
 * §3 calls not well-formed refused, the depth and length bounds, and
 * encoder round trips in preferred (shortest) serialization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/cbor.h"

/* Decodes n bytes given as a string literal of \x escapes. */
static cbor_t *D(arena_t *a, const char *bytes, size_t n)
{
    return cbor_decode(a, str_n(bytes, n), NULL);
}
#define DL(a, lit) D((a), (lit), sizeof(lit) - 1)

static void test_integers_every_width(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const struct {
        const char *in;
        size_t n;
        cbor_type_t t;
        uint64_t u;
    } cases[] = {
        /* RFC 8949 Appendix A */
        {"\x00", 1, CBOR_UINT, 0},
        {"\x17", 1, CBOR_UINT, 23},
        {"\x18\x18", 2, CBOR_UINT, 24},
        {"\x18\xff", 2, CBOR_UINT, 255},
        {"\x19\x03\xe8", 3, CBOR_UINT, 1000},
        {"\x1a\x00\x0f\x42\x40", 5, CBOR_UINT, 1000000},
        {"\x1b\x00\x00\x00\xe8\xd4\xa5\x10\x00", 9, CBOR_UINT, 1000000000000ULL},
        {"\x1b\xff\xff\xff\xff\xff\xff\xff\xff", 9, CBOR_UINT, UINT64_MAX},
        {"\x20", 1, CBOR_NINT, 0},           /* -1 */
        {"\x38\x63", 2, CBOR_NINT, 99},      /* -100 */
        {"\x39\x03\xe7", 3, CBOR_NINT, 999}, /* -1000 */
        {"\x3a\x7f\xff\xff\xff", 5, CBOR_NINT, 0x7fffffff},
        {"\x3b\xff\xff\xff\xff\xff\xff\xff\xff", 9, CBOR_NINT, UINT64_MAX}, /* -2^64 */
        {"\x18\x01", 2, CBOR_UINT, 1}, /* not the shortest form: still well-formed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cbor_t *c = D(a, cases[i].in, cases[i].n);
        assert_non_null(c);
        assert_int_equal(c->type, cases[i].t);
        assert_true(c->u.u == cases[i].u);
    }
    arena_free(a);
}

static void test_strings_definite_and_chunked(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    cbor_t *c = DL(a, "\x64\x49\x45\x54\x46");
    assert_int_equal(c->type, CBOR_TEXT);
    assert_string_equal(c->u.s.p, "IETF");
    c = DL(a, "\x62\xc3\xbc"); /* "ü" */
    assert_int_equal(c->u.s.len, 2);
    assert_memory_equal(c->u.s.p, "\xc3\xbc", 2);
    c = DL(a, "\x60");
    assert_int_equal(c->type, CBOR_TEXT);
    assert_int_equal(c->u.s.len, 0);
    c = DL(a, "\x44\x01\x02\x03\x04");
    assert_int_equal(c->type, CBOR_BYTES);
    assert_memory_equal(c->u.s.p, "\x01\x02\x03\x04", 4);
    /* (_ h'0102', h'030405') and (_ "strea", "ming") */
    c = DL(a, "\x5f\x42\x01\x02\x43\x03\x04\x05\xff");
    assert_int_equal(c->type, CBOR_BYTES);
    assert_int_equal(c->u.s.len, 5);
    assert_memory_equal(c->u.s.p, "\x01\x02\x03\x04\x05", 5);
    c = DL(a, "\x7f\x65\x73\x74\x72\x65\x61\x64\x6d\x69\x6e\x67\xff");
    assert_string_equal(c->u.s.p, "streaming");
    c = DL(a, "\x7f\xff"); /* no chunks */
    assert_int_equal(c->u.s.len, 0);
    /* a 256-byte string: two-byte length */
    char big[3 + 256];
    memcpy(big, "\x79\x01\x00", 3);
    memset(big + 3, 'x', 256);
    c = D(a, big, sizeof big);
    assert_int_equal(c->u.s.len, 256);
    arena_free(a);
}

static void test_arrays_and_maps(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    /* [1, [2, 3], [4, 5]] definite and with indefinite parts */
    static const char *const forms[] = {"\x83\x01\x82\x02\x03\x82\x04\x05", "\x9f\x01\x82\x02\x03\x9f\x04\x05\xff\xff",
                                        "\x83\x01\x82\x02\x03\x9f\x04\x05\xff"};
    static const size_t lens[] = {8, 10, 9};
    for (size_t i = 0; i < 3; i++) {
        cbor_t *c = D(a, forms[i], lens[i]);
        assert_non_null(c);
        assert_int_equal(c->type, CBOR_ARRAY);
        assert_int_equal(c->u.arr.n, 3);
        assert_int_equal(c->u.arr.v[2]->u.arr.n, 2);
        assert_true(c->u.arr.v[2]->u.arr.v[1]->u.u == 5);
    }
    /* 25 elements: one-byte length */
    char arr[2 + 25];
    arr[0] = (char)0x98, arr[1] = 25;
    for (int i = 0; i < 25; i++) arr[2 + i] = (char)(i % 24);
    assert_int_equal(D(a, arr, sizeof arr)->u.arr.n, 25);
    /* {"a": 1, "b": [2, 3]} and {_ "a": 1, "b": [_ 2, 3]} */
    cbor_t *m = DL(a, "\xa2\x61\x61\x01\x61\x62\x82\x02\x03");
    assert_int_equal(m->type, CBOR_MAP);
    assert_true(cbor_get(m, "a")->u.u == 1);
    assert_int_equal(cbor_get(m, "b")->u.arr.n, 2);
    assert_null(cbor_get(m, "c"));
    m = DL(a, "\xbf\x61\x61\x01\x61\x62\x9f\x02\x03\xff\xff");
    assert_int_equal(m->u.map.n, 2);
    assert_int_equal(cbor_get(m, "b")->u.arr.n, 2);
    assert_int_equal(DL(a, "\xa0")->u.map.n, 0);
    assert_int_equal(DL(a, "\x80")->u.arr.n, 0);
    /* 30 pairs in an indefinite map: the arrays grow past their first size */
    char im[2 + 30 * 3];
    size_t n = 0;
    im[n++] = (char)0xbf;
    for (int i = 0; i < 30; i++) im[n++] = 0x61, im[n++] = (char)('A' + i), im[n++] = (char)(i % 24);
    im[n++] = (char)0xff;
    assert_int_equal(D(a, im, n)->u.map.n, 30);
    arena_free(a);
}

static void test_floats_half_single_double(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const struct {
        const char *in;
        size_t n;
        double v;
    } cases[] = {
        /* RFC 8949 Appendix A */
        {"\xf9\x00\x00", 3, 0.0},
        {"\xf9\x3c\x00", 3, 1.0},
        {"\xf9\x3e\x00", 3, 1.5},
        {"\xf9\x7b\xff", 3, 65504.0},
        {"\xf9\x00\x01", 3, 5.960464477539063e-8}, /* smallest subnormal */
        {"\xf9\x04\x00", 3, 0.00006103515625},     /* smallest normal */
        {"\xf9\xc4\x00", 3, -4.0},
        {"\xfa\x47\xc3\x50\x00", 5, 100000.0},
        {"\xfa\x7f\x7f\xff\xff", 5, 3.4028234663852886e+38},
        {"\xfb\x3f\xf1\x99\x99\x99\x99\x99\x9a", 9, 1.1},
        {"\xfb\x7e\x37\xe4\x3c\x88\x00\x75\x9c", 9, 1.0e+300},
        {"\xfb\xc0\x10\x66\x66\x66\x66\x66\x66", 9, -4.1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cbor_t *c = D(a, cases[i].in, cases[i].n);
        assert_non_null(c);
        assert_int_equal(c->type, CBOR_FLOAT);
        assert_true(c->u.f == cases[i].v);
    }
    assert_true(signbit(DL(a, "\xf9\x80\x00")->u.f)); /* -0.0 */
    assert_true(isinf(DL(a, "\xf9\x7c\x00")->u.f) && DL(a, "\xf9\x7c\x00")->u.f > 0);
    assert_true(isinf(DL(a, "\xf9\xfc\x00")->u.f) && DL(a, "\xf9\xfc\x00")->u.f < 0);
    assert_true(isnan(DL(a, "\xf9\x7e\x00")->u.f));
    assert_true(isnan(DL(a, "\xfa\x7f\xc0\x00\x00")->u.f));
    assert_true(isinf(DL(a, "\xfb\x7f\xf0\x00\x00\x00\x00\x00\x00")->u.f));
    arena_free(a);
}

static void test_simple_values_and_tags(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_int_equal(DL(a, "\xf4")->type, CBOR_FALSE);
    assert_int_equal(DL(a, "\xf5")->type, CBOR_TRUE);
    assert_int_equal(DL(a, "\xf6")->type, CBOR_NULL);
    assert_int_equal(DL(a, "\xf7")->type, CBOR_UNDEFINED);
    /* 1(1363896240) and 1(1363896240.5): epoch timestamps */
    cbor_t *t = DL(a, "\xc1\x1a\x51\x4b\x67\xb0");
    assert_int_equal(t->type, CBOR_TAG);
    assert_true(t->u.tag.num == 1);
    assert_true(t->u.tag.item->u.u == 1363896240);
    t = DL(a, "\xc1\xfb\x41\xd4\x52\xd9\xec\x20\x00\x00");
    assert_true(t->u.tag.item->u.f == 1363896240.5);
    /* a tag number beyond 23 and nested tags decode; meaning is the caller's */
    t = DL(a, "\xd8\x20\xc1\x00");
    assert_true(t->u.tag.num == 32);
    assert_int_equal(t->u.tag.item->type, CBOR_TAG);
    arena_free(a);
}

static void test_refuses_malformed(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const struct {
        const char *in;
        size_t n;
        const char *why;
    } bad[] = {
        {"", 0, "unexpected end"},
        {"\x18", 1, "unexpected end"},     /* argument missing */
        {"\x19\x01", 2, "unexpected end"}, /* argument short */
        {"\x1c", 1, "reserved"},           /* ai 28..30 */
        {"\x5d", 1, "reserved"},
        {"\x1f", 1, "indefinite length for an integer"},
        {"\x3f", 1, "indefinite length for an integer"},
        {"\xdf\x00", 2, "indefinite length for an integer or tag"},
        {"\x62\x61", 2, "beyond the input"}, /* text shorter than its length */
        {"\x5a\xff\xff\xff\xff\x00", 6, "beyond the input"},
        {"\x9b\xff\xff\xff\xff\xff\xff\xff\xff\x00", 10, "beyond the input"}, /* 2^64-1 elements */
        {"\xba\x00\x01\x00\x00\x00", 6, "beyond the input"},
        {"\x82\x01", 2, "beyond the input"},   /* two elements, one byte left */
        {"\xa1\x61\x61", 3, "unexpected end"}, /* key without value */
        {"\x9f\x01", 2, "unexpected end"},     /* no break */
        {"\x5f\x41\x00", 3, "unexpected end"},
        {"\xff", 1, "unexpected break"}, /* break outside an indefinite item */
        {"\x82\x01\xff", 3, "unexpected break"},
        {"\x5f\x61\x61\xff", 4, "bad chunk"}, /* text chunk in a byte string */
        {"\x7f\x7f\xff\xff", 4, "bad chunk"}, /* nested indefinite chunk */
        {"\x7f\x01\xff", 3, "bad chunk"},
        {"\x62\xc3\x28", 3, "invalid UTF-8"},
        {"\x61\x80", 2, "invalid UTF-8"},
        {"\x63\xed\xa0\x80", 4, "invalid UTF-8"},         /* a surrogate */
        {"\x7f\x61\xc3\x61\xbc\xff", 6, "invalid UTF-8"}, /* "ü" split across chunks */
        {"\xf8\x18", 2, "two-byte form"},
        {"\xf8\x20", 2, "unsupported simple value"},
        {"\xf0", 1, "unsupported simple value"},
        {"\xf9\x3c", 2, "unexpected end"},
        {"\x00\x00", 2, "bytes after"},
        {"\xa0\xff", 2, "bytes after"},
        {"\xc1", 1, "unexpected end"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = NULL;
        cbor_t *c = cbor_decode(a, str_n(bad[i].in, bad[i].n), &err);
        if (c) fail_msg("case %zu decoded", i);
        assert_non_null(err);
        if (!strstr(err, bad[i].why)) fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].why);
    }
    arena_free(a);
}

static void test_depth_limit(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    char deep[CBOR_MAX_DEPTH + 1];
    memset(deep, 0x81, CBOR_MAX_DEPTH); /* [[[...0]]] */
    deep[CBOR_MAX_DEPTH - 1] = 0x00;
    assert_non_null(D(a, deep, CBOR_MAX_DEPTH)); /* 127 arrays and the 0 */
    memset(deep, 0x81, sizeof deep);
    deep[CBOR_MAX_DEPTH] = 0x00;
    const char *err = NULL;
    assert_null(cbor_decode(a, str_n(deep, sizeof deep), &err));
    assert_non_null(strstr(err, "nesting too deep"));
    /* tags nest too */
    memset(deep, 0xc1, sizeof deep);
    deep[CBOR_MAX_DEPTH] = 0x00;
    assert_null(cbor_decode(a, str_n(deep, sizeof deep), &err));
    assert_non_null(strstr(err, "nesting too deep"));
    arena_free(a);
}

/* The bytes written by fn compared with the expected encoding. */
#define ENC(expect, stmt)                                                                                              \
    do {                                                                                                               \
        buf_t b;                                                                                                       \
        buf_init(&b, a);                                                                                               \
        stmt;                                                                                                          \
        assert_int_equal(b.len, sizeof(expect) - 1);                                                                   \
        assert_memory_equal(b.p, expect, sizeof(expect) - 1);                                                          \
    } while (0)

static void test_encoder_preferred_forms(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    ENC("\x00", cbor_w_int(&b, 0));
    ENC("\x17", cbor_w_int(&b, 23));
    ENC("\x18\x18", cbor_w_int(&b, 24));
    ENC("\x19\x03\xe8", cbor_w_int(&b, 1000));
    ENC("\x1a\x00\x0f\x42\x40", cbor_w_int(&b, 1000000));
    ENC("\x1b\x00\x00\x00\xe8\xd4\xa5\x10\x00", cbor_w_int(&b, 1000000000000LL));
    ENC("\x20", cbor_w_int(&b, -1));
    ENC("\x39\x03\xe7", cbor_w_int(&b, -1000));
    ENC("\x3b\x7f\xff\xff\xff\xff\xff\xff\xff", cbor_w_int(&b, INT64_MIN));
    ENC("\x64IETF", cbor_w_text(&b, STR("IETF")));
    ENC("\x44\x01\x02\x03\x04", cbor_w_bytes(&b, str_n("\x01\x02\x03\x04", 4)));
    ENC("\x82", cbor_w_array(&b, 2));
    ENC("\xb8\x19", cbor_w_map(&b, 25));
    ENC("\xc1", cbor_w_tag(&b, 1));
    ENC("\xf5", cbor_w_bool(&b, true));
    ENC("\xf4", cbor_w_bool(&b, false));
    ENC("\xf6", cbor_w_null(&b));
    /* floats: the shortest precision that keeps the value (RFC 8949 §4.2.2) */
    ENC("\xf9\x00\x00", cbor_w_double(&b, 0.0));
    ENC("\xf9\x80\x00", cbor_w_double(&b, -0.0));
    ENC("\xf9\x3e\x00", cbor_w_double(&b, 1.5));
    ENC("\xf9\x7b\xff", cbor_w_double(&b, 65504.0));
    ENC("\xf9\x00\x01", cbor_w_double(&b, 5.960464477539063e-8));
    ENC("\xf9\x7c\x00", cbor_w_double(&b, INFINITY));
    ENC("\xf9\xfc\x00", cbor_w_double(&b, -INFINITY));
    ENC("\xf9\x7e\x00", cbor_w_double(&b, NAN));
    ENC("\xfa\x47\xc3\x50\x00", cbor_w_double(&b, 100000.0));
    ENC("\xfb\x3f\xf1\x99\x99\x99\x99\x99\x9a", cbor_w_double(&b, 1.1));
    ENC("\xfb\x7e\x37\xe4\x3c\x88\x00\x75\x9c", cbor_w_double(&b, 1.0e+300));
    arena_free(a);
}

static void test_encoder_roundtrip(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const int64_t ints[] = {0,         1,  23,  24,  255,  256,  65535,  65536,    4294967295LL, 4294967296LL,
                                   INT64_MAX, -1, -24, -25, -256, -257, -65537, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        buf_t b;
        buf_init(&b, a);
        cbor_w_int(&b, ints[i]);
        cbor_t *c = cbor_decode(a, buf_str(&b), NULL);
        assert_non_null(c);
        int64_t back = c->type == CBOR_UINT ? (int64_t)c->u.u : -1 - (int64_t)c->u.u;
        assert_true(back == ints[i]);
    }
    static const double dbl[] = {0.1,  1.0 / 3, 1e300,           5e-324, -2.5e-7, 3.4028234663852886e+38,
                                 1e39, 65505.0, 6.103515625e-05, 1e-8};
    for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
        buf_t b;
        buf_init(&b, a);
        cbor_w_double(&b, dbl[i]);
        cbor_t *c = cbor_decode(a, buf_str(&b), NULL);
        assert_non_null(c);
        assert_true(c->u.f == dbl[i]);
    }
    /* {"k": [h'00ff', 1(1.5)]} */
    buf_t b;
    buf_init(&b, a);
    cbor_w_map(&b, 1);
    cbor_w_text(&b, STR("k"));
    cbor_w_array(&b, 2);
    cbor_w_bytes(&b, str_n("\x00\xff", 2));
    cbor_w_tag(&b, 1);
    cbor_w_double(&b, 1.5);
    cbor_t *c = cbor_decode(a, buf_str(&b), NULL);
    assert_non_null(c);
    const cbor_t *k = cbor_get(c, "k");
    assert_int_equal(k->u.arr.v[0]->u.s.len, 2);
    assert_true(k->u.arr.v[1]->u.tag.item->u.f == 1.5);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_every_width),
        cmocka_unit_test(test_strings_definite_and_chunked),
        cmocka_unit_test(test_arrays_and_maps),
        cmocka_unit_test(test_floats_half_single_double),
        cmocka_unit_test(test_simple_values_and_tags),
        cmocka_unit_test(test_refuses_malformed),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_encoder_preferred_forms),
        cmocka_unit_test(test_encoder_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
