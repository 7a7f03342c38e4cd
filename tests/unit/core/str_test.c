/* str_test.c — core/str.h's copies and encodings: str_hex against printf's
 * %02x for every byte value, str_dup of a slice and of STR_NULL. */
#include <setjmp.h>
#include <stdarg.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(hex_every_byte), cmocka_unit_test(dup_slice_and_null)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
