/* str_test.c — core/str.h's copies, encodings and matching: str_hex against
 * printf's %02x for every byte value, str_dup of a slice and of STR_NULL,
 * str_glob's stars, question marks and case folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"

static void hex_every_byte(void **state)
{
    (void)state;
    unsigned char all[256];
    char mine[513], theirs[513];
    for (int i = 0; i < 256; i++) {
        all[i] = (unsigned char)i;
        snprintf(theirs + 2 * i, 3, "%02x", i);
    }
    memset(mine, 'x', sizeof mine);
    str_hex(all, 256, mine);
    assert_string_equal(mine, theirs);
    str_hex(all, 0, mine);
    assert_string_equal(mine, "");
}

static void dup_slice_and_null(void **state)
{
    (void)state;
    char *s = str_dup(str_n("abcdef", 3));
    assert_string_equal(s, "abc");
    free(s);
    s = str_dup(STR_NULL);
    assert_string_equal(s, "");
    free(s);
}

static void glob_cases(void **state)
{
    (void)state;
    static const struct {
        const char *pat, *s;
        unsigned flags;
        bool want;
    } cases[] = {
        {"*", "", 0, true},
        {"", "", 0, true},
        {"", "a", 0, false},
        {"s3:*", "s3:GetObject", 0, true},
        {"s3:Get*", "s3:GetObject", 0, true},
        {"s3:Get*", "s3:PutObject", 0, false},
        {"a*b*c", "aXbYbZc", 0, true},
        {"a*b*c", "aXbYbZ", 0, false},
        {"**x", "abx", 0, true},
        {"a?c", "abc", STR_GLOB_QMARK, true},
        {"a?c", "abc", 0, false},
        {"a?c", "a?c", 0, true},
        {"arn:aws:s3:::b?t*", "arn:aws:s3:::bkt1", STR_GLOB_QMARK, true},
        {"S3", "s3", STR_GLOB_NOCASE, true},
        {"S3", "s3", 0, false},
        {"s*:list*", "SQS:ListQueues", STR_GLOB_NOCASE, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(str_glob(str_c(cases[i].pat), str_c(cases[i].s), cases[i].flags), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(hex_every_byte), cmocka_unit_test(dup_slice_and_null),
                                       cmocka_unit_test(glob_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
