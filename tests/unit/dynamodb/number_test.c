/* number_test.c — DynamoDB numbers: parsing with AWS's messages, canonical
 * text, ordering and exact 38-digit arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddbtest.h"

static ddb_num_t num(const char *t)
{
    ddb_num_t n;
    const char *err = NULL;
    if (!ddb_num_parse(A, str_c(t), &n, &err)) fail_msg("parse %s: %s", t, err);
    return n;
}

static const char *canon(const char *t)
{
    ddb_num_t n = num(t);
    return ddb_num_format(A, &n).p;
}

static const char *parse_err(const char *t)
{
    ddb_num_t n;
    const char *err = NULL;
    if (ddb_num_parse(A, str_c(t), &n, &err)) return NULL;
    return err;
}

static void test_canonical(void **s)
{
    (void)s;
    assert_string_equal(canon("0"), "0");
    assert_string_equal(canon("-0"), "0");
    assert_string_equal(canon("0.000"), "0");
    assert_string_equal(canon("0e10"), "0");
    assert_string_equal(canon("1.5E+3"), "1500");
    assert_string_equal(canon("1.5e3"), "1500");
    assert_string_equal(canon("1e5"), "100000");
    assert_string_equal(canon("1e-5"), "0.00001");
    assert_string_equal(canon("+1"), "1");
    assert_string_equal(canon("007"), "7");
    assert_string_equal(canon("-007.50"), "-7.5");
    assert_string_equal(canon(".5"), "0.5");
    assert_string_equal(canon("5."), "5");
    assert_string_equal(canon("123.456"), "123.456");
    assert_string_equal(canon("-0.0012300"), "-0.00123");
    assert_string_equal(canon("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678");
    /* Trailing zeros are not significant digits. */
    assert_string_equal(canon("1234567890123456789012345678901234567800000"),
                        "1234567890123456789012345678901234567800000");
    assert_string_equal(canon("0.00000000000000000000000000000000000000000001"),
                        "0.00000000000000000000000000000000000000000001");
    assert_string_equal(canon("1E125"), "1"
                                        "00000000000000000000000000000000000000000000000000"
                                        "00000000000000000000000000000000000000000000000000"
                                        "0000000000000000000000000");
    ddb_num_t n = num("1e-130");
    assert_int_equal(n.ndigits, 1);
    assert_int_equal(n.exp, -129);
    n = num("9.9999999999999999999999999999999999999E+125");
    assert_int_equal(n.ndigits, 38);
    assert_int_equal(n.exp, 126);
}

static void test_errors(void **s)
{
    (void)s;
    const char *dig = "Attempting to store more than 38 significant digits in a Number";
    const char *ovf = "Number overflow. Attempting to store a number with magnitude larger than supported range";
    const char *udf = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    assert_string_equal(parse_err("123456789012345678901234567890123456789"), dig);
    assert_string_equal(parse_err("-1.23456789012345678901234567890123456789"), dig);
    assert_string_equal(
        parse_err("1.000000000000000000000000000000000000000000000000000000000000000000000000000000000001"), dig);
    assert_string_equal(parse_err("1e126"), ovf);
    assert_string_equal(parse_err("-1e126"), ovf);
    assert_string_equal(parse_err("10E125"), ovf);
    assert_string_equal(parse_err("1e999999999999"), ovf);
    assert_string_equal(parse_err("1e-131"), udf);
    /* the magnitude is checked before the digit count */
    assert_string_equal(parse_err("1234567890123456789012345678901234567890e200"), ovf);
    assert_string_equal(parse_err("1234567890123456789012345678901234567890e-200"), udf);
    assert_string_equal(
        parse_err("1.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001e300"),
        ovf);
    assert_string_equal(
        parse_err("1.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001e3"),
        dig);
    assert_string_equal(parse_err("-1e-131"), udf);
    assert_string_equal(parse_err("0.1e-130"), udf);
    assert_string_equal(parse_err(""), "The parameter cannot be converted to a numeric value");
    assert_string_equal(parse_err("b"), "The parameter cannot be converted to a numeric value: b");
    assert_string_equal(parse_err(" 12"), "The parameter cannot be converted to a numeric value:  12");
    assert_non_null(parse_err("12 "));
    assert_non_null(parse_err("1e"));
    assert_non_null(parse_err("1e+"));
    assert_non_null(parse_err("."));
    assert_non_null(parse_err("-"));
    assert_non_null(parse_err("1.2.3"));
    assert_non_null(parse_err("NaN"));
    assert_non_null(parse_err("Infinity"));
    assert_non_null(parse_err("0x10"));
    assert_non_null(parse_err("e5"));
    ddb_num_t n;
    const char *err;
    assert_false(ddb_num_parse(NULL, STR("zz"), &n, &err));
    assert_string_equal(err, "The parameter cannot be converted to a numeric value");
}

static int cmp(const char *x, const char *y)
{
    ddb_num_t a = num(x), b = num(y);
    return ddb_num_cmp(&a, &b);
}

static void test_compare(void **s)
{
    (void)s;
    assert_int_equal(cmp("1", "1.0"), 0);
    assert_int_equal(cmp("0", "-0"), 0);
    assert_true(cmp("1", "2") < 0);
    assert_true(cmp("10", "9") > 0);
    assert_true(cmp("-10", "-9") < 0);
    assert_true(cmp("-1", "0") < 0);
    assert_true(cmp("0", "0.0001") < 0);
    assert_true(cmp("-0.0001", "0") < 0);
    assert_true(cmp("0.12", "0.123") < 0);
    assert_true(cmp("-0.12", "-0.123") > 0);
    assert_true(cmp("1e125", "9.99e124") > 0);
    assert_true(cmp("-1e-130", "1e-130") < 0);
}

static const char *op(const char *x, const char *y, bool add, const char **err)
{
    ddb_num_t a = num(x), b = num(y), r;
    *err = NULL;
    bool ok = add ? ddb_num_add(A, &a, &b, &r, err) : ddb_num_sub(A, &a, &b, &r, err);
    return ok ? ddb_num_format(A, &r).p : NULL;
}

static void test_arith(void **s)
{
    (void)s;
    const char *err;
    assert_string_equal(op("1", "2", true, &err), "3");
    assert_string_equal(op("0.1", "0.2", true, &err), "0.3");
    assert_string_equal(op("1", "-1", true, &err), "0");
    assert_string_equal(op("-5", "3", true, &err), "-2");
    assert_string_equal(op("5", "-8", true, &err), "-3");
    assert_string_equal(op("-5", "-8", true, &err), "-13");
    assert_string_equal(op("3", "5", false, &err), "-2");
    assert_string_equal(op("-3", "-5", false, &err), "2");
    assert_string_equal(op("0", "7", false, &err), "-7");
    assert_string_equal(op("7", "0", false, &err), "7");
    assert_string_equal(op("1000", "0.001", false, &err), "999.999");
    assert_string_equal(op("1e100", "-1e100", true, &err), "0");
    /* 38-digit carry. */
    assert_string_equal(op("99999999999999999999999999999999999999", "1", true, &err),
                        "100000000000000000000000000000000000000");
    assert_string_equal(op("100000000000000000000000000000000000000", "1", false, &err),
                        "99999999999999999999999999999999999999");
    /* 39 significant digits are refused, not rounded; AWS reports a sum's
     * as an overflow (ScyllaDB's suite, run against DynamoDB: 1e50 + 1). */
    const char *ovf = "Number overflow. Attempting to store a number with magnitude larger than supported range";
    assert_null(op("99999999999999999999999999999999999999", "0.1", true, &err));
    assert_string_equal(err, ovf);
    assert_null(op("1e100", "1e-100", true, &err));
    assert_string_equal(err, ovf);
    assert_null(op("9.9999999999999999999999999999999999999E+125", "1e88", true, &err));
    assert_string_equal(err,
                        "Number overflow. Attempting to store a number with magnitude larger than supported range");
    assert_null(op("-9.9999999999999999999999999999999999999E+125", "1e88", false, &err));
    assert_string_equal(err,
                        "Number overflow. Attempting to store a number with magnitude larger than supported range");
    assert_null(op("2e-130", "1.5e-130", false, &err));
    assert_string_equal(err,
                        "Number underflow. Attempting to store a number with magnitude smaller than supported range");
    const char *r = op("1.5e-130", "1e-130", true, &err);
    assert_int_equal(cmp(r, "2.5e-130"), 0);
    assert_int_equal(strlen(r), 2 + 129 + 2);
}

/* value n / 10^scale as canonical DynamoDB text */
static const char *i128_text(__int128 n, int scale)
{
    char d[64];
    int k = 0;
    bool neg = n < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-n) : (unsigned __int128)n;
    do {
        d[k++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (k <= scale) d[k++] = '0'; /* at least one integer digit */
    /* d holds digits least significant first */
    int lo = 0;
    while (lo < scale && d[lo] == '0') lo++; /* trailing fraction zeros */
    char *out = arena_alloc(A, 80);
    int o = 0;
    bool zero = true;
    for (int i = 0; i < k; i++)
        if (d[i] != '0') zero = false;
    if (neg && !zero) out[o++] = '-';
    for (int i = k - 1; i >= scale; i--) out[o++] = d[i];
    if (lo < scale) {
        out[o++] = '.';
        for (int i = scale - 1; i >= lo; i--) out[o++] = d[i];
    }
    out[o] = 0;
    return out;
}

static __int128 rnd128(int digits)
{
    __int128 v = 0;
    for (int i = 0; i < digits; i++) v = v * 10 + rand() % 10;
    return rand() % 2 ? -v : v;
}

static void test_arith_random(void **s)
{
    (void)s;
    srand(12345);
    for (int iter = 0; iter < 5000; iter++) {
        int scale = rand() % 12;
        __int128 x = rnd128(1 + rand() % 30), y = rnd128(1 + rand() % 30);
        const char *xs = i128_text(x, scale), *ys = i128_text(y, scale), *err;
        ddb_num_t nx = num(xs), ny = num(ys);
        assert_string_equal(ddb_num_format(A, &nx).p, xs);
        const char *sum = op(xs, ys, true, &err), *dif = op(xs, ys, false, &err);
        assert_non_null(sum);
        assert_non_null(dif);
        assert_string_equal(sum, i128_text(x + y, scale));
        assert_string_equal(dif, i128_text(x - y, scale));
        int c = ddb_num_cmp(&nx, &ny);
        assert_int_equal(c, (x > y) - (x < y));
        /* exponent forms of the same value compare equal */
        char e[96];
        snprintf(e, sizeof e, "%se%d", xs, 0);
        assert_int_equal(cmp(e, xs), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical), cmocka_unit_test(test_errors),       cmocka_unit_test(test_compare),
        cmocka_unit_test(test_arith),     cmocka_unit_test(test_arith_random),
    };
    return cmocka_run_group_tests(tests, ddbt_setup, ddbt_teardown);
}
