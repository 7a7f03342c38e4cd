/* scalar_test.c — the shared scalar text forms (src/protocol/scalar.c):
 * base64, number and boolean text, timestamps in each AWS format, and the
 * type-failure path of proto__scalar_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "protocol/internal.h"

static const shape_t S_INT = {.name = "I", .type = SH_INTEGER};
static const shape_t S_LONG = {.name = "L", .type = SH_LONG};
static const shape_t S_DBL = {.name = "D", .type = SH_DOUBLE};
static const shape_t S_FLT = {.name = "F", .type = SH_FLOAT};
static const shape_t S_BOOL = {.name = "B", .type = SH_BOOLEAN};
static const shape_t S_TS = {.name = "T", .type = SH_TIMESTAMP};
static const shape_t S_BLOB = {.name = "X", .type = SH_BLOB};

#define assert_str(s, lit) assert_string_equal(arena_strndup(a, (s).p, (s).len), lit)

static void test_base64(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        assert_str(arena_base64(a, plain[i], strlen(plain[i])), enc[i]);
        str_t out;
        assert_true(proto__base64_decode(a, str_c(enc[i]), &out));
        assert_str(out, plain[i]);
    }
    str_t out;
    assert_true(proto__base64_decode(a, STR("Zm9vYg"), &out)); /* unpadded */
    assert_str(out, "foob");
    assert_false(proto__base64_decode(a, STR("Zm9v!"), &out));
    assert_false(proto__base64_decode(a, STR("Z"), &out));
    assert_false(proto__base64_decode(a, STR("Zg=a"), &out));
    assert_false(proto__base64_decode(a, STR("Zg==="), &out));
    str_t bin = str_n("\x00\xff\xfe", 3);
    assert_true(proto__base64_decode(a, arena_base64(a, bin.p, bin.len), &out));
    assert_memory_equal(out.p, bin.p, 3);
    arena_free(a);
}

static void test_number_text(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_str(proto__scalar_text(&S_INT, val_int(a, -12), TS_DEFAULT, a), "-12");
    assert_str(proto__scalar_text(&S_DBL, val_float(a, 1.5), TS_DEFAULT, a), "1.5");
    assert_str(proto__scalar_text(&S_DBL, val_float(a, 3), TS_DEFAULT, a), "3.0"); /* as Python's str() */
    assert_str(proto__scalar_text(&S_DBL, val_float(a, 0.1), TS_DEFAULT, a), "0.1");
    /* float shapes are written at double precision: clients read them as
     * doubles, and a value the service holds is written exactly. */
    assert_str(proto__scalar_text(&S_FLT, val_float(a, 0.1), TS_DEFAULT, a), "0.1");
    assert_str(proto__scalar_text(&S_FLT, val_float(a, 823885.375), TS_DEFAULT, a), "823885.375");
    assert_str(proto__scalar_text(&S_DBL, val_int(a, 2), TS_DEFAULT, a), "2.0");
    assert_str(proto__scalar_text(&S_DBL, val_float(a, NAN), TS_DEFAULT, a), "NaN");
    assert_str(proto__scalar_text(&S_DBL, val_float(a, -INFINITY), TS_DEFAULT, a), "-Infinity");
    assert_str(proto__scalar_text(&S_BOOL, val_bool(a, true), TS_DEFAULT, a), "true");
    assert_str(proto__scalar_text(&S_BLOB, val_blob(a, STR("foo")), TS_DEFAULT, a), "Zm9v");
    arena_free(a);
}

static void test_timestamp_text(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    int64_t t = 1440938160LL * 1000000; /* 2015-08-30T12:36:00Z */
    assert_str(proto__scalar_text(&S_TS, val_time(a, t), TS_ISO8601, a), "2015-08-30T12:36:00Z");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t + 123000), TS_ISO8601, a), "2015-08-30T12:36:00.123Z");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t + 1), TS_ISO8601, a), "2015-08-30T12:36:00.000001Z");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t), TS_DEFAULT, a), "2015-08-30T12:36:00Z");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t), TS_RFC822, a), "Sun, 30 Aug 2015 12:36:00 GMT");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t), TS_UNIX, a), "1440938160");
    assert_str(proto__scalar_text(&S_TS, val_time(a, t + 500000), TS_UNIX, a), "1440938160.500");
    assert_str(proto__scalar_text(&S_TS, val_time(a, -1500000), TS_UNIX, a), "-1.500");
    arena_free(a);
}

static void test_parse(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    proto_fail_t f = {0};
    val_t *v = proto__scalar_parse(&S_INT, STR("-2147483648"), TS_DEFAULT, a, &f, "m");
    assert_int_equal(v->u.i, INT32_MIN);
    assert_null(proto__scalar_parse(&S_INT, STR("2147483648"), TS_DEFAULT, a, &f, "m"));
    assert_int_equal(f.kind, PROTO_E_TYPE);
    assert_string_equal(f.member, "m");
    memset(&f, 0, sizeof f);
    assert_int_equal(proto__scalar_parse(&S_LONG, STR("9223372036854775807"), TS_DEFAULT, a, &f, "m")->u.i, INT64_MAX);
    assert_true(proto__scalar_parse(&S_DBL, STR("1e3"), TS_DEFAULT, a, &f, "m")->u.f == 1000.0);
    assert_true(isinf(proto__scalar_parse(&S_DBL, STR("-Infinity"), TS_DEFAULT, a, &f, "m")->u.f));
    assert_null(proto__scalar_parse(&S_DBL, STR("0x10"), TS_DEFAULT, a, &f, "m"));
    memset(&f, 0, sizeof f);
    assert_true(proto__scalar_parse(&S_BOOL, STR("TRUE"), TS_DEFAULT, a, &f, "m")->u.b);
    assert_false(proto__scalar_parse(&S_BOOL, STR("false"), TS_DEFAULT, a, &f, "m")->u.b);
    assert_null(proto__scalar_parse(&S_BOOL, STR("yes"), TS_DEFAULT, a, &f, "Flag"));
    assert_string_equal(f.msg, "Value 'yes' at 'Flag' failed to satisfy constraint: Member must be a boolean");
    memset(&f, 0, sizeof f);
    int64_t t = 1440938160LL * 1000000;
    assert_int_equal(proto__scalar_parse(&S_TS, STR("2015-08-30T12:36:00Z"), TS_ISO8601, a, &f, "m")->u.t, t);
    assert_int_equal(proto__scalar_parse(&S_TS, STR("2015-08-30T12:36:00.25Z"), TS_ISO8601, a, &f, "m")->u.t,
                     t + 250000);
    assert_int_equal(proto__scalar_parse(&S_TS, STR("Sun, 30 Aug 2015 12:36:00 GMT"), TS_RFC822, a, &f, "m")->u.t, t);
    assert_int_equal(proto__scalar_parse(&S_TS, STR("1440938160.5"), TS_UNIX, a, &f, "m")->u.t, t + 500000);
    /* a client using another format than the declared one is still understood */
    assert_int_equal(proto__scalar_parse(&S_TS, STR("1440938160"), TS_ISO8601, a, &f, "m")->u.t, t);
    assert_null(proto__scalar_parse(&S_TS, STR("yesterday"), TS_ISO8601, a, &f, "m"));
    memset(&f, 0, sizeof f);
    assert_int_equal(proto__scalar_parse(&S_BLOB, STR("Zm9v"), TS_DEFAULT, a, &f, "m")->u.s.len, 3);
    assert_null(proto__scalar_parse(&S_BLOB, STR("Zm9v!"), TS_DEFAULT, a, &f, "m"));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_timestamp_text),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
