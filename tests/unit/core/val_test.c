/* val_test.c — the value tree, wire helpers and AWS timestamp formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/gtime.h"
#include "core/val.h"
#include "core/wire.h"

static void test_struct_set_replaces_and_keeps_order(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "A", val_cstr(a, "1"));
    val_set_c(a, o, "B", val_int(a, 2));
    val_set_c(a, o, "A", val_cstr(a, "3"));
    assert_int_equal(val_len(o), 2);
    assert_string_equal(o->u.obj.e[0].key.p, "A");
    assert_true(str_eq_c(val_get_str(o, "A"), "3"));
    assert_int_equal(val_get_int(o, "B", 0), 2);
    assert_int_equal(val_get_int(o, "C", 7), 7);
    assert_null(val_get_str(o, "B").p); /* wrong kind reads as absent */
    arena_free(a);
}

static void test_equal_is_deep(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    val_t *x = val_new(a, VAL_STRUCT), *y = val_new(a, VAL_STRUCT);
    val_t *lx = val_new(a, VAL_LIST), *ly = val_new(a, VAL_LIST);
    for (int i = 0; i < 10; i++) {
        val_push(a, lx, val_int(a, i));
        val_push(a, ly, val_int(a, i));
    }
    val_set_c(a, x, "L", lx);
    val_set_c(a, x, "T", val_time(a, 123));
    val_set_c(a, y, "T", val_time(a, 123));
    val_set_c(a, y, "L", ly);
    assert_true(val_equal(x, y)); /* member order does not matter */
    val_push(a, ly, val_int(a, 10));
    assert_false(val_equal(x, y));
    arena_free(a);
}

static void test_copy_is_deep_and_independent(void **state)
{
    (void)state;
    arena_t *a = arena_new(0), *b = arena_new(0);
    val_t *x = val_new(a, VAL_STRUCT), *l = val_new(a, VAL_LIST), *m = val_new(a, VAL_MAP);
    for (int i = 0; i < 5; i++) val_push(a, l, val_int(a, i));
    val_push(a, l, val_new(a, VAL_LIST)); /* empty containers too */
    val_set_c(a, m, "k", val_blob(a, STR("\0\1")));
    val_set_c(a, x, "L", l);
    val_set_c(a, x, "M", m);
    val_set_c(a, x, "S", val_strdup(a, STR("text")));
    val_set_c(a, x, "F", val_float(a, 1.5));
    val_set_c(a, x, "B", val_bool(a, true));
    val_set_c(a, x, "N", val_new(a, VAL_NULL));
    val_set_c(a, x, "E", val_new(a, VAL_STRUCT));
    val_t *c = val_copy(b, x);
    assert_non_null(c);
    assert_true(val_equal(c, x));
    val_push(b, val_get(c, "L"), val_int(b, 9)); /* changing the copy leaves the original */
    val_set_c(b, c, "S", val_cstr(b, "other"));
    assert_int_equal(val_len(val_get(x, "L")), 6);
    assert_true(str_eq_c(val_get_str(x, "S"), "text"));
    arena_free(a); /* the copy owns all its bytes */
    assert_true(str_eq_c(val_get_str(c, "S"), "other"));
    assert_int_equal(val_get(val_get(c, "M"), "k")->u.s.len, 2);
    assert_null(val_copy(b, NULL));
    arena_free(b);
}

static void test_url_decode_encode(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    str_t d = wire_url_decode(a, STR("a%20b+c%2F"), true);
    assert_int_equal(d.len, 6);
    assert_memory_equal(d.p, "a b c/", 6);
    assert_null(wire_url_decode(a, STR("bad%2"), false).p);
    assert_null(wire_url_decode(a, STR("bad%zz"), false).p);
    str_t e = wire_url_encode(a, STR("a b/ü~"), true);
    assert_string_equal(e.p, "a%20b/%C3%BC~");
    wire_req_t w = {.query = STR("Action=GetCallerIdentity&Version=2011-06-15&flag&x=a%2Bb")};
    assert_true(str_eq_c(wire_query_param(&w, a, "Version"), "2011-06-15"));
    assert_true(str_eq_c(wire_query_param(&w, a, "flag"), ""));
    assert_true(str_eq_c(wire_query_param(&w, a, "x"), "a+b"));
    assert_null(wire_query_param(&w, a, "missing").p);
    arena_free(a);
}

static void test_time_formats(void **state)
{
    (void)state;
    int64_t us;
    char b[40];
    assert_true(time_parse(STR("2015-08-30T12:36:00Z"), &us));
    assert_int_equal(us, 1440938160LL * 1000000);
    time_fmt_amz(b, us);
    assert_string_equal(b, "20150830T123600Z");
    time_fmt_rfc822(b, us);
    assert_string_equal(b, "Sun, 30 Aug 2015 12:36:00 GMT");
    time_fmt_iso8601(b, us + 123000, true);
    assert_string_equal(b, "2015-08-30T12:36:00.123Z");
    assert_true(time_parse(STR("20150830T123600Z"), &us));
    assert_int_equal(us, 1440938160LL * 1000000);
    assert_true(time_parse(STR("Sun, 30 Aug 2015 12:36:00 GMT"), &us));
    assert_int_equal(us, 1440938160LL * 1000000);
    assert_true(time_parse(STR("2015-08-30T14:36:00.5+02:00"), &us));
    assert_int_equal(us, 1440938160LL * 1000000 + 500000);
    assert_false(time_parse(STR("2015-13-30T12:36:00Z"), &us));
    assert_false(time_parse(STR("yesterday"), &us));
    /* the basic form's fast path checks its fields as the general one does */
    assert_false(time_parse(STR("20151330T123600Z"), &us));
    assert_false(time_parse(STR("20150830T243600Z"), &us));
    assert_false(time_parse(STR("2015083xT123600Z"), &us));
    assert_true(time_parse(STR("20160229T235959Z"), &us));
    assert_int_equal(us, 1456790399LL * 1000000);
    assert_false(time_parse(STR("2015-08-30T12:36:00Zjunk"), &us));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_set_replaces_and_keeps_order),
        cmocka_unit_test(test_equal_is_deep),
        cmocka_unit_test(test_copy_is_deep_and_independent),
        cmocka_unit_test(test_url_decode_encode),
        cmocka_unit_test(test_time_formats),
    };
    return cmocka_run_group_tests_name("core/val", tests, NULL, NULL);
}
