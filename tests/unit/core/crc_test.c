/* crc_test.c — CRC-32 and CRC-32C (core/crc.h) against their standard check
 * values, AWS's documented checksums, and piecewise against whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/crc.h"

static void check_values(void **state)
{
    (void)state;
    /* The "check" value of each CRC catalogue entry: the CRC of "123456789". */
    assert_int_equal(crc_of(CRC_32, "123456789", 9), 0xCBF43926u);
    assert_int_equal(crc_of(CRC_32C, "123456789", 9), 0xE3069283u);
    assert_int_equal(crc_of(CRC_32, "", 0), 0);
    /* DynamoDB's x-amz-crc32 of an empty ListTables answer, as botocore checks it. */
    assert_int_equal(crc_of(CRC_32, "{}", 2), 2745614147u);
}

static void piecewise_equals_whole(void **state)
{
    (void)state;
    unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7 + 3);
    for (int k = 0; k < 2; k++) {
        uint32_t whole = crc_of((crc_kind_t)k, buf, sizeof buf);
        for (size_t cut = 0; cut <= sizeof buf; cut += 37) {
            uint32_t c = crc_update((crc_kind_t)k, CRC_INIT, buf, cut);
            c = crc_update((crc_kind_t)k, c, buf + cut, sizeof buf - cut);
            assert_int_equal(~c, whole);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(check_values), cmocka_unit_test(piecewise_equals_whole)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
