/* value_test.c — AttributeValue validation (AWS's messages), equality,
 * ordering, item sizes, the storage encoding round trip and the
 * order-preserving key encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddbtest.h"

static const char *verr(const char *json)
{
    val_t *av = ddbt_av(A, json);
    assert_non_null(av);
    return ddb_validate_av(A, av);
}

#define PFX "One or more parameter values were invalid: "

static void test_validate_messages(void **s)
{
    (void)s;
    assert_null(verr("{\"S\": \"\"}"));
    assert_null(verr("{\"B\": \"\"}"));
    assert_null(verr("{\"BOOL\": false}"));
    assert_null(verr("{\"NULL\": true}"));
    assert_null(verr("{\"M\": {}}"));
    assert_null(verr("{\"L\": []}"));
    assert_null(verr("{\"SS\": [\"a\", \"b\"]}"));
    assert_null(verr("{\"S\": \"a\", \"N\": null}")); /* a JSON null member is absent */
    const char *empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    assert_string_equal(verr("{}"), empty);
    assert_string_equal(verr("{\"M\": {\"a\": {}}}"), empty);
    assert_string_equal(verr("{\"L\": [{}]}"), empty);
    assert_string_equal(verr("{\"S\": \"a\", \"N\": \"1\"}"),
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
                        "supported datatypes");
    /* contents are checked before the member count (dynalite test/getItem.js) */
    assert_string_equal(verr("{\"S\": \"a\", \"N\": \"b\"}"),
                        "The parameter cannot be converted to a numeric value: b");
    assert_string_equal(verr("{\"S\": \"\", \"N\": \"\"}"), "The parameter cannot be converted to a numeric value");
    assert_string_equal(verr("{\"S\": \"a\", \"SS\": []}"), PFX "An string set  may not be empty");
    assert_string_equal(verr("{\"NULL\": false}"), PFX "Null attribute value types must have the value of true");
    assert_string_equal(verr("{\"SS\": []}"), PFX "An string set  may not be empty");
    assert_string_equal(verr("{\"NS\": []}"), PFX "An number set  may not be empty");
    assert_string_equal(verr("{\"BS\": []}"), PFX "Binary sets should not be empty");
    assert_string_equal(verr("{\"SS\": [\"a\", \"a\"]}"), PFX "Input collection [a, a] contains duplicates.");
    assert_string_equal(verr("{\"SS\": [\"a\", \"b\", \"a\"]}"), PFX "Input collection [a, b, a] contains duplicates.");
    assert_string_equal(verr("{\"BS\": [\"b\", \"b\"]}"),
                        PFX "Input collection [Yg==, Yg==]of type BS contains duplicates.");
    assert_string_equal(verr("{\"NS\": [\"1\", \"1.0\"]}"), "Input collection contains duplicates");
    assert_string_equal(verr("{\"NS\": [\"1\", \"b\"]}"), "The parameter cannot be converted to a numeric value: b");
    assert_string_equal(verr("{\"NS\": [\"1\", \"\"]}"), "The parameter cannot be converted to a numeric value");
    assert_string_equal(verr("{\"N\": \"\"}"), "The parameter cannot be converted to a numeric value");
    assert_string_equal(verr("{\"N\": \"1e126\"}"),
                        "Number overflow. Attempting to store a number with magnitude larger than supported range");
    assert_string_equal(verr("{\"M\": {\"x\": {\"L\": [{\"N\": \"123456789012345678901234567890123456789\"}]}}}"),
                        "Attempting to store more than 38 significant digits in a Number");
}

static void test_validate_canonicalizes(void **s)
{
    (void)s;
    val_t *item = ddbt_item(A, "{\"a\": {\"N\": \"1.50e2\"}, \"b\": {\"NS\": [\"-0\", \"007\"]},"
                               " \"c\": {\"L\": [{\"N\": \"+3\"}]}}");
    assert_null(ddb_validate_item(A, item));
    assert_string_equal(ddbt_item_str(A, item),
                        "{\"a\": {\"N\": \"150\"}, \"b\": {\"NS\": [\"0\", \"7\"]}, \"c\": {\"L\": "
                        "[{\"N\": \"3\"}]}}");
}

static val_t *nest(int levels)
{
    /* `levels` M/L wrappers around a string: the string is at level levels + 1. */
    val_t *v = ddb_av(A, DDB_S, val_cstr(A, "x"));
    for (int i = 0; i < levels; i++) {
        if (i % 2) {
            val_t *l = val_new(A, VAL_LIST);
            val_push(A, l, v);
            v = ddb_av(A, DDB_L, l);
        } else {
            val_t *m = val_new(A, VAL_MAP);
            val_set(A, m, STR("k"), v);
            v = ddb_av(A, DDB_M, m);
        }
    }
    return v;
}

static void test_validate_depth(void **s)
{
    (void)s;
    assert_null(ddb_validate_av(A, nest(31)));
    assert_string_equal(ddb_validate_av(A, nest(32)), "Nesting Levels have exceeded supported limits: Attributes in "
                                                      "the item have nested levels beyond supported limit");
}

static bool eq(const char *x, const char *y)
{
    return ddb_av_equal(ddbt_av(A, x), ddbt_av(A, y));
}

static void test_equal(void **s)
{
    (void)s;
    assert_true(eq("{\"N\": \"1\"}", "{\"N\": \"1.00\"}"));
    assert_false(eq("{\"N\": \"1\"}", "{\"S\": \"1\"}"));
    assert_true(eq("{\"SS\": [\"a\", \"b\"]}", "{\"SS\": [\"b\", \"a\"]}"));
    assert_false(eq("{\"SS\": [\"a\", \"b\"]}", "{\"SS\": [\"a\"]}"));
    assert_true(eq("{\"NS\": [\"1\", \"2\"]}", "{\"NS\": [\"2.0\", \"1\"]}"));
    assert_false(eq("{\"L\": [{\"S\": \"a\"}, {\"S\": \"b\"}]}", "{\"L\": [{\"S\": \"b\"}, {\"S\": \"a\"}]}"));
    assert_true(eq("{\"M\": {\"a\": {\"N\": \"1\"}, \"b\": {\"NULL\": true}}}",
                   "{\"M\": {\"b\": {\"NULL\": true}, \"a\": {\"N\": \"1.0\"}}}"));
    assert_false(eq("{\"M\": {\"a\": {\"N\": \"1\"}}}", "{\"M\": {\"a\": {\"N\": \"1\"}, \"b\": {\"N\": \"1\"}}}"));
    assert_true(eq("{\"BOOL\": true}", "{\"BOOL\": true}"));
    assert_false(eq("{\"BOOL\": true}", "{\"BOOL\": false}"));
    assert_true(eq("{\"B\": \"\"}", "{\"B\": \"\"}"));
}

static void test_cmp(void **s)
{
    (void)s;
    assert_true(ddb_av_cmp(ddbt_av(A, "{\"S\": \"a\"}"), ddbt_av(A, "{\"S\": \"b\"}")) < 0);
    assert_true(ddb_av_cmp(ddbt_av(A, "{\"S\": \"a\"}"), ddbt_av(A, "{\"S\": \"ab\"}")) < 0);
    /* UTF-8 byte order: U+00E9 (C3 A9) sorts after 'z'. */
    assert_true(ddb_av_cmp(ddbt_av(A, "{\"S\": \"\\u00e9\"}"), ddbt_av(A, "{\"S\": \"z\"}")) > 0);
    assert_true(ddb_av_cmp(ddbt_av(A, "{\"N\": \"-10\"}"), ddbt_av(A, "{\"N\": \"-9\"}")) < 0);
    assert_true(ddb_av_cmp(ddbt_av(A, "{\"N\": \"10\"}"), ddbt_av(A, "{\"N\": \"9\"}")) > 0);
    assert_int_equal(ddb_av_cmp(ddbt_av(A, "{\"N\": \"1e1\"}"), ddbt_av(A, "{\"N\": \"10\"}")), 0);
}

static size_t isize(const char *json)
{
    val_t *item = ddbt_item(A, json);
    assert_null(ddb_validate_item(A, item));
    return ddb_item_size(item);
}

static void test_sizes(void **s)
{
    (void)s;
    /* AWS: "Item sizes and formats" — name bytes + value bytes. */
    assert_int_equal(isize("{\"abc\": {\"S\": \"hello\"}}"), 8);
    assert_int_equal(isize("{\"\\u00e9\": {\"S\": \"\\u00e9\"}}"), 4);
    assert_int_equal(isize("{\"a\": {\"B\": \"xyz\"}}"), 4);
    assert_int_equal(isize("{\"a\": {\"BOOL\": true}, \"b\": {\"NULL\": true}}"), 4);
    /* Numbers: 1 byte per two significant digits + 1. */
    assert_int_equal(isize("{\"a\": {\"N\": \"1\"}}"), 1 + 2);
    assert_int_equal(isize("{\"a\": {\"N\": \"12\"}}"), 1 + 2);
    assert_int_equal(isize("{\"a\": {\"N\": \"123\"}}"), 1 + 3);
    assert_int_equal(isize("{\"a\": {\"N\": \"1234\"}}"), 1 + 3);
    assert_int_equal(isize("{\"a\": {\"N\": \"1000000\"}}"), 1 + 2);
    assert_int_equal(isize("{\"a\": {\"N\": \"12345678901234567890123456789012345678\"}}"), 1 + 20);
    assert_int_equal(isize("{\"a\": {\"N\": \"-1\"}}"), 1 + 3);
    /* Lists and maps: 3 bytes + 1 per element + the elements. */
    assert_int_equal(isize("{\"a\": {\"L\": []}}"), 1 + 3);
    assert_int_equal(isize("{\"a\": {\"M\": {}}}"), 1 + 3);
    assert_int_equal(isize("{\"a\": {\"L\": [{\"S\": \"xy\"}, {\"NULL\": true}]}}"), 1 + 3 + (1 + 2) + (1 + 1));
    assert_int_equal(isize("{\"a\": {\"M\": {\"kk\": {\"S\": \"xy\"}}}}"), 1 + 3 + 1 + 2 + 2);
    assert_int_equal(isize("{\"a\": {\"SS\": [\"xy\", \"z\"]}}"), 1 + 3);
    assert_int_equal(isize("{\"a\": {\"NS\": [\"1\", \"22\"]}}"), 1 + 4);
}

static void roundtrip(const char *json)
{
    val_t *item = ddbt_item(A, json);
    assert_non_null(item);
    assert_null(ddb_validate_item(A, item));
    buf_t b;
    buf_init(&b, A);
    ddb_item_encode(A, item, &b);
    assert_false(b.failed);
    val_t *back = ddb_item_decode(A, buf_str(&b));
    assert_non_null(back);
    assert_string_equal(ddbt_item_str(A, back), ddbt_item_str(A, item));
    /* and the strict form: same member order, same kinds */
    for (size_t i = 0; i < item->u.obj.n; i++) assert_true(ddb_av_equal(item->u.obj.e[i].v, back->u.obj.e[i].v));
    /* every truncation is refused, never read past */
    str_t enc = buf_str(&b);
    for (size_t n = 0; n < enc.len; n++) assert_null(ddb_item_decode(A, str_n(enc.p, n)));
}

static void test_encode_roundtrip(void **s)
{
    (void)s;
    roundtrip("{}");
    /* an empty name is refused at the top (AWS); inside a map it is kept */
    roundtrip("{\"a\": {\"S\": \"\"}, \"b\": {\"B\": \"\"}, \"m\": {\"M\": {\"\": {\"S\": \"empty name\"}}}}");
    assert_string_equal(ddb_validate_item(A, ddbt_item(A, "{\"\": {\"S\": \"x\"}}")),
                        "One or more parameter values were invalid: Empty attribute name");
    roundtrip("{\"pk\": {\"S\": \"user#1\"}, \"n\": {\"N\": \"-12.5e-3\"}, \"ok\": {\"BOOL\": false},"
              " \"nil\": {\"NULL\": true}, \"ss\": {\"SS\": [\"x\", \"y\"]}, \"ns\": {\"NS\": [\"1\", \"2\"]},"
              " \"bs\": {\"BS\": [\"q\", \"\"]},"
              " \"m\": {\"M\": {\"in\": {\"L\": [{\"M\": {}}, {\"L\": []}, {\"S\": \"deep\"}]}}}}");
    /* 200-byte string forces multi-byte varints. */
    char big[400];
    memset(big, 'z', 300);
    big[300] = 0;
    char *json = arena_printf(A, "{\"big\": {\"S\": \"%s\"}}", big);
    roundtrip(json);
    /* binary with NULs survives */
    val_t *item = val_new(A, VAL_MAP);
    val_set(A, item, STR("b"), ddb_av(A, DDB_B, val_blob(A, str_n("\0\1\0", 3))));
    buf_t b;
    buf_init(&b, A);
    ddb_item_encode(A, item, &b);
    val_t *back = ddb_item_decode(A, buf_str(&b));
    assert_non_null(back);
    assert_true(ddb_av_equal(val_get(item, "b"), val_get(back, "b")));
    assert_int_equal(ddb_type(val_get(back, "b")), DDB_B);
    assert_int_equal(ddb_inner(val_get(back, "b"))->kind, VAL_BLOB);
    /* garbage */
    assert_null(ddb_item_decode(A, STR("\x01\x01"
                                       "a"
                                       "?")));
    assert_null(ddb_item_decode(A, STR("\x00\x00")));
    assert_null(ddb_item_decode(A, STR("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")));
    assert_null(ddb_item_decode(A, STR_NULL));
}

static str_t kenc(const val_t *av)
{
    buf_t b;
    buf_init(&b, A);
    ddb_key_encode(A, av, &b);
    return (str_t){b.p, b.len};
}

static int memcmp_order(str_t x, str_t y)
{
    int c = str_cmp(x, y);
    return (c > 0) - (c < 0);
}

static void check_key_order(val_t **v, size_t n)
{
    str_t *e = malloc(n * sizeof *e);
    for (size_t i = 0; i < n; i++) e[i] = kenc(v[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = ddb_av_cmp(v[i], v[j]);
            c = (c > 0) - (c < 0);
            if (memcmp_order(e[i], e[j]) != c)
                fail_msg("order of %s vs %s: cmp %d", ddbt_av_str(A, v[i]), ddbt_av_str(A, v[j]), c);
        }
    free(e);
}

static void test_key_encoding_numbers(void **s)
{
    (void)s;
    static const char *nums[] = {"0",
                                 "1",
                                 "-1",
                                 "10",
                                 "9",
                                 "-10",
                                 "-9",
                                 "0.5",
                                 "-0.5",
                                 "0.05",
                                 "-0.05",
                                 "1e125",
                                 "-1e125",
                                 "1e-130",
                                 "-1e-130",
                                 "1.5",
                                 "1.05",
                                 "1.50001",
                                 "-1.5",
                                 "-1.05",
                                 "-1.50001",
                                 "100",
                                 "99.999",
                                 "12345678901234567890123456789012345678",
                                 "-12345678901234567890123456789012345678",
                                 "9.9999999999999999999999999999999999999E+125",
                                 "2",
                                 "20",
                                 "0.2",
                                 "-2",
                                 "-20",
                                 "-0.2"};
    size_t n = sizeof nums / sizeof *nums;
    val_t *v[64];
    for (size_t i = 0; i < n; i++) {
        v[i] = ddb_av(A, DDB_N, val_cstr(A, nums[i]));
        assert_null(ddb_validate_av(A, v[i]));
    }
    check_key_order(v, n);
    /* random numbers of various exponents */
    srand(7);
    val_t *r[200];
    for (int i = 0; i < 200; i++) {
        char t[64];
        int nd = 1 + rand() % 38, k = 0;
        if (rand() % 2) t[k++] = '-';
        for (int d = 0; d < nd; d++) t[k++] = (char)('0' + rand() % 10);
        k += snprintf(t + k, sizeof t - (size_t)k, "e%d", rand() % 60 - 30);
        t[k] = 0;
        r[i] = ddb_av(A, DDB_N, val_strdup(A, str_c(t)));
        assert_null(ddb_validate_av(A, r[i]));
    }
    check_key_order(r, 200);
}

static void test_key_encoding_strings(void **s)
{
    (void)s;
    val_t *v[12];
    const char *strs[] = {"", "a", "ab", "b", "a\x01", "\xc3\xa9", "z", "aa"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) v[n++] = ddb_av(A, DDB_S, val_cstr(A, strs[i]));
    v[n++] = ddb_av(A, DDB_B, val_blob(A, str_n("a\0", 2)));
    v[n++] = ddb_av(A, DDB_B, val_blob(A, str_n("a", 1)));
    v[n++] = ddb_av(A, DDB_B, val_blob(A, str_n("a\0\0", 3)));
    v[n++] = ddb_av(A, DDB_B, val_blob(A, str_n("a\1", 2)));
    check_key_order(v, 8);
    check_key_order(v + 8, 4);
    /* a prefix's open encoding is a byte prefix of the longer value's */
    buf_t b;
    buf_init(&b, A);
    ddb_key_encode_prefix(A, v[1], &b);
    str_t full = kenc(v[2]);
    assert_true(str_starts_with(full, (str_t){b.p, b.len}));
    assert_false(str_starts_with(kenc(v[3]), (str_t){b.p, b.len}));
}

static void test_types(void **s)
{
    (void)s;
    assert_int_equal(ddb_type(ddbt_av(A, "{\"SS\": [\"a\"]}")), DDB_SS);
    assert_int_equal(ddb_type(ddbt_av(A, "{}")), DDB_BAD);
    assert_int_equal(ddb_type(ddbt_av(A, "{\"X\": \"a\"}")), DDB_BAD);
    assert_int_equal(ddb_type(ddbt_av(A, "{\"S\": \"a\", \"N\": \"1\"}")), DDB_BAD);
    assert_int_equal(ddb_type(NULL), DDB_BAD);
    assert_string_equal(ddb_type_name(DDB_BOOL), "BOOL");
    val_t *av = ddb_av(A, DDB_S, val_cstr(A, "x"));
    assert_int_equal(ddb_type(av), DDB_S);
    assert_true(str_eq_c(ddb_inner(av)->u.s, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_validate_messages),
        cmocka_unit_test(test_validate_canonicalizes),
        cmocka_unit_test(test_validate_depth),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_key_encoding_numbers),
        cmocka_unit_test(test_key_encoding_strings),
    };
    return cmocka_run_group_tests(tests, ddbt_setup, ddbt_teardown);
}
