/* dataident_test.c — the shared sensitive-data detector (services/dataident.c)
 * case by case: managed identifiers (the Luhn check on card numbers), custom
 * expressions in AWS's syntax, overlapping detections masked and redacted,
 * and the findings report's dataIdentifiers array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/json.h"
#include "services/dataident.h"

static arena_t *a;

static int setup(void **state)
{
    (void)state;
    a = arena_new(0);
    return a ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(a);
    return 0;
}

static dataident_t *set_of(const char *const *names, size_t n)
{
    dataident_t *d = dataident_new(a);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        assert_true(dataident_add_managed(d, a, str_c(names[i]), &why));
        assert_null(why);
    }
    return d;
}

static void test_managed_and_luhn(void **state)
{
    (void)state;
    static const char *const names[] = {"CreditCardNumber", "EmailAddress", "CreditCardNumber"};
    dataident_t *d = set_of(names, 3);
    assert_int_equal(dataident_count(d), 2); /* a name already in the set is not added again */
    size_t n;
    str_t text = STR("4111 1111 1111 1111 / 4111 1111 1111 1112 / a.b@example.org");
    dataident_hit_t *h = dataident_scan(d, a, text, &n);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].ident, 0), assert_int_equal(h[0].start, 0), assert_int_equal(h[0].end, 19);
    assert_int_equal(h[1].ident, 1), assert_int_equal(h[1].start, 44), assert_int_equal(h[1].end, 59);
    const char *why = NULL;
    assert_false(dataident_add_managed(d, a, STR("Name"), &why));
    assert_non_null(strstr(why, "Name is not a managed data identifier gureum detects"));
    assert_null(dataident_scan(d, a, STR("nothing here"), &n));
    assert_int_equal(n, 0);
}

static void test_custom_and_deidentify(void **state)
{
    (void)state;
    dataident_t *d = dataident_new(a);
    const char *why = NULL;
    assert_true(dataident_add_custom(d, a, STR("Id"), STR("ID-\\d{3}"), &why));
    assert_true(dataident_add_custom(d, a, STR("Tail"), STR("\\d{3} x"), &why));
    assert_false(dataident_add_custom(d, a, STR("Bad"), STR("a(b"), &why));
    assert_string_equal(why, "The regular expression of custom data identifier Bad is not valid.");
    str_t text = STR("a ID-123 x b\0ID-456");
    text.len = 19;
    size_t n;
    dataident_hit_t *h = dataident_scan(d, a, text, &n);
    assert_int_equal(n, 3); /* ID-123, ID-456 (after the NUL), and the overlapping "123 x" */
    str_t masked = dataident_deidentify(a, text, h, n, '#');
    assert_int_equal(masked.len, text.len);
    assert_memory_equal(masked.p, "a ######## b\0######", 19);
    str_t redacted = dataident_deidentify(a, text, h, n, -1);
    assert_int_equal(redacted.len, 5);
    assert_memory_equal(redacted.p, "a  b\0", 5);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    dataident_findings_write(&w, d, h, n);
    str_t got = buf_str(&b);
    const char *want =
        "[{\"name\":\"Id\",\"count\":2,\"detections\":[{\"start\":2,\"end\":8},{\"start\":13,\"end\":19}]},"
        "{\"name\":\"Tail\",\"count\":1,\"detections\":[{\"start\":5,\"end\":10}]}]";
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.p, want, got.len);
}

static void test_posix_regex(void **state)
{
    (void)state;
    assert_string_equal(dataident_posix_regex(a, STR("\\d\\w\\s\\D\\W\\S\\.")),
                        "[0-9][A-Za-z0-9_][[:space:]][^0-9][^A-Za-z0-9_][^[:space:]]\\.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_managed_and_luhn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_and_deidentify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_posix_regex, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
