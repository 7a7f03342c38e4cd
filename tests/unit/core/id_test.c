/* id_test.c — core/id.h's random identifiers: letters drawn uniformly from
 * the alphabet (a biased draw would make some request ids likelier). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/id.h"

static void draw_counts(const char *alphabet, size_t n, size_t *count)
{
    char buf[1001];
    size_t k = strlen(alphabet);
    memset(count, 0, k * sizeof *count);
    for (size_t done = 0; done < n; done += 1000) {
        id_random_chars(buf, 1000, alphabet);
        assert_int_equal(strlen(buf), 1000);
        for (size_t i = 0; i < 1000; i++) {
            const char *at = strchr(alphabet, buf[i]);
            assert_non_null(at);
            count[at - alphabet]++;
        }
    }
}

static void chars_are_uniform(void **state)
{
    (void)state;
    static const char *const alphabets[] = {"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                            "0123456789abcdef", "xyz"};
    size_t count[64];
    for (size_t a = 0; a < sizeof alphabets / sizeof *alphabets; a++) {
        size_t k = strlen(alphabets[a]), n = 400000;
        draw_counts(alphabets[a], n, count);
        /* each letter within 6 standard deviations of n/k */
        double mean = (double)n / (double)k, var = mean * (1.0 - 1.0 / (double)k); /* binomial */
        for (size_t i = 0; i < k; i++) {
            double d = (double)count[i] - mean;
            assert_true(d * d < 36.0 * var);
        }
    }
    char one[9];
    id_random_chars(one, 8, "Q");
    assert_string_equal(one, "QQQQQQQQ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(chars_are_uniform)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
