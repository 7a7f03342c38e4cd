/* json_test.c — the strict JSON parser and the writer (src/core/json.c):
 * RFC 8259 acceptance and rejection, exact numbers, escapes and surrogate
 * pairs, the depth bound, and writer escaping/commas/number forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/json.h"

static json_t *P(arena_t *a, const char *s)
{
    return json_parse(a, str_c(s), NULL);
}

static void test_parses_every_type(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    json_t *j =
        P(a, " {\"s\":\"x\",\"i\":-42,\"d\":1.5,\"e\":1e2,\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[]],\"o\":{}} ");
    assert_non_null(j);
    assert_int_equal(j->type, JSON_OBJECT);
    assert_int_equal(j->u.obj.n, 9);
    assert_string_equal(json_get(j, "s")->u.s.p, "x");
    assert_int_equal(json_get(j, "i")->type, JSON_INT);
    assert_int_equal(json_get(j, "i")->u.i, -42);
    assert_int_equal(json_get(j, "d")->type, JSON_DOUBLE);
    assert_true(json_get(j, "d")->u.d == 1.5);
    assert_int_equal(json_get(j, "e")->type, JSON_DOUBLE); /* an exponent makes it a double */
    assert_true(json_get(j, "e")->u.d == 100.0);
    assert_true(json_get(j, "t")->u.b);
    assert_false(json_get(j, "f")->u.b);
    assert_int_equal(json_get(j, "n")->type, JSON_NULL);
    assert_int_equal(json_get(j, "a")->u.arr.n, 2);
    assert_int_equal(json_get(j, "a")->u.arr.v[1]->u.arr.n, 0);
    assert_int_equal(json_get(j, "o")->u.obj.n, 0);
    assert_null(json_get(j, "missing"));
    arena_free(a);
}

static void test_numbers_are_exact(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    json_t *j = P(a, "[9007199254740993,9223372036854775807,-9223372036854775808,9223372036854775808,0.1,-0]");
    assert_non_null(j);
    assert_int_equal(j->u.arr.v[0]->u.i, 9007199254740993LL); /* not representable as a double */
    assert_int_equal(j->u.arr.v[1]->u.i, INT64_MAX);
    assert_int_equal(j->u.arr.v[2]->u.i, INT64_MIN);
    assert_int_equal(j->u.arr.v[3]->type, JSON_DOUBLE); /* overflow: still a number */
    assert_true(j->u.arr.v[4]->u.d == 0.1);
    assert_string_equal(j->u.arr.v[4]->raw.p, "0.1");
    assert_int_equal(j->u.arr.v[5]->type, JSON_INT);
    arena_free(a);
}

static void test_escapes_and_surrogates(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    json_t *j = P(a, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u2603\\ud834\\udd1e\\u0000z\"");
    assert_non_null(j);
    const char want[] = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x98\x83\xf0\x9d\x84\x9e\0z";
    assert_int_equal(j->u.s.len, sizeof want - 1);
    assert_memory_equal(j->u.s.p, want, sizeof want - 1);
    /* raw UTF-8 passes through */
    j = P(a, "\"\xc3\xa9\xf0\x9d\x84\x9e\"");
    assert_non_null(j);
    assert_int_equal(j->u.s.len, 6);
    arena_free(a);
}

static void test_rejects_what_rfc8259_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "{'a':1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[+1]",
        "[1e]",
        "NaN",
        "[Infinity]",
        "tru",
        "nul",
        "[1] x",
        "// c\n1",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud834\"",
        "\"\\udd1e\"",
        "\"\\ud834\\u0041\"",
        "\"a\nb\"",
        "\"\x01\"",
        "\"\xc0\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf5\x80\x80\x80\"",
        "\"\xe2\x98\"",
        "\"abc",
        "{\"a\" 1}",
        "[1 2]",
        "\xef\xbb\xbf{}",
    };
    arena_t *a = arena_new(0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = NULL;
        json_t *j = json_parse(a, str_c(bad[i]), &err);
        if (j) fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
        assert_non_null(err);
    }
    arena_free(a);
}

static void test_depth_limit(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        int k = 0;
        for (int i = 0; i < depth; i++) buf[k++] = '[';
        for (int i = 0; i < depth; i++) buf[k++] = ']';
        buf[k] = 0;
        const char *err = NULL;
        json_t *j = json_parse(a, str_c(buf), &err);
        if (depth == JSON_MAX_DEPTH)
            assert_non_null(j);
        else {
            assert_null(j);
            assert_non_null(strstr(err, "deep"));
        }
    }
    arena_free(a);
}

static void test_duplicate_key_last_wins(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    json_t *j = P(a, "{\"a\":1,\"a\":2}");
    assert_int_equal(json_get(j, "a")->u.i, 2);
    arena_free(a);
}

static void test_writer(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("s"));
    json_w_str(&w, str_n("q\"b\\n\n\x01\x7f\xc3\xa9", 10));
    json_w_key(&w, STR("l"));
    json_w_arr_begin(&w);
    json_w_int(&w, -7);
    json_w_double(&w, 1.5);
    json_w_double(&w, 3.0);
    json_w_double(&w, 0.1);
    json_w_double(&w, NAN);
    json_w_double(&w, -INFINITY);
    json_w_bool(&w, true);
    json_w_null(&w);
    json_w_obj_begin(&w);
    json_w_obj_end(&w);
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    assert_string_equal(buf_str(&b).p, "{\"s\":\"q\\\"b\\\\n\\n\\u0001\\u007f\xc3\xa9\",\"l\":[-7,1.5,3.0,0.1,\"NaN\","
                                       "\"-Infinity\",true,null,{}]}");
    /* and it parses back */
    assert_non_null(json_parse(a, buf_str(&b), NULL));
    arena_free(a);
}

static void test_double_shortest_roundtrip(void **state)
{
    (void)state;
    static const double v[] = {0.1, 1.0 / 3, 1e300, 5e-324, 123456789.125, -2.5e-7, 1e21};
    arena_t *a = arena_new(0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_double(&w, v[i]);
        json_t *j = json_parse(a, buf_str(&b), NULL);
        assert_non_null(j);
        assert_true(j->u.d == v[i]);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_every_type),
        cmocka_unit_test(test_numbers_are_exact),
        cmocka_unit_test(test_escapes_and_surrogates),
        cmocka_unit_test(test_rejects_what_rfc8259_rejects),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_duplicate_key_last_wins),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_double_shortest_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
