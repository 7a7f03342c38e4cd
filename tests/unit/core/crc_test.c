/* crc_test.c — CRC-32, CRC-32C and CRC-64/NVME (core/crc.h) against their
 * standard check values, AWS's published checksums, piecewise against whole,
 * and the combination of two pieces' CRCs against the CRC of both. */
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

static void crc64nvme_values(void **state)
{
    (void)state;
    /* The CRC catalogue's check value of CRC-64/NVME. */
    assert_int_equal(crc64_of("123456789", 9), 0xAE8B14860A799888ull);
    assert_int_equal(crc64_of("", 0), 0);
    /* AWS's own tests: aws-c-checksums (32 zero bytes) and aws-c-s3's
     * CRC64NVME of "aaaaaaaaaa" (0C 1A 80 03 6D 65 C5 55). */
    unsigned char zeros[4096] = {0};
    assert_int_equal(crc64_of(zeros, 32), 0xCF3473434D4ECF3Bull);
    assert_int_equal(crc64_of("aaaaaaaaaa", 10), 0x0C1A80036D65C555ull);
    /* NVM Command Set 1.0c's value for 4 KiB of zeros. */
    assert_int_equal(crc64_of(zeros, sizeof zeros), 0x6482D367EB22B64Eull);
    /* ceph/s3-tests' ChecksumCRC64NVME of 1024 'A's: "Qeh8oXvGiSo=". */
    unsigned char as[1024];
    memset(as, 'A', sizeof as);
    assert_int_equal(crc64_of(as, sizeof as), 0x41E87CA17BC6892Aull);
}

static void crc64_piecewise(void **state)
{
    (void)state;
    unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 13 + 5);
    uint64_t whole = crc64_of(buf, sizeof buf);
    for (size_t cut = 0; cut <= sizeof buf; cut += 29) {
        uint64_t c = crc64_update(CRC64_INIT, buf, cut);
        assert_int_equal(~crc64_update(c, buf + cut, sizeof buf - cut), whole);
    }
}

static void combine_equals_whole(void **state)
{
    (void)state;
    static unsigned char buf[70000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 31 + (i >> 8));
    for (size_t cut = 0; cut <= sizeof buf; cut += 6997) {
        size_t rest = sizeof buf - cut;
        for (int k = 0; k < 2; k++)
            assert_int_equal(crc_combine((crc_kind_t)k, crc_of((crc_kind_t)k, buf, cut),
                                         crc_of((crc_kind_t)k, buf + cut, rest), rest),
                             crc_of((crc_kind_t)k, buf, sizeof buf));
        assert_int_equal(crc64_combine(crc64_of(buf, cut), crc64_of(buf + cut, rest), rest), crc64_of(buf, sizeof buf));
    }
    /* An empty second piece leaves the first CRC as it is. */
    assert_int_equal(crc64_combine(0x1234ull, 0, 0), 0x1234ull);
}

/* ceph/s3-tests' full-object checksums of three 5 MiB parts of 'A', 'B' and
 * 'C' (test_multipart_use_cksum_helper_*): each part's CRC and the whole
 * object's, combined without reading the parts again. */
static void combine_s3_tests_parts(void **state)
{
    (void)state;
    size_t n = 5u << 20;
    static unsigned char part[5u << 20];
    uint32_t c32 = 0, c32c = 0;
    uint64_t c64 = 0;
    for (int i = 0; i < 3; i++) {
        memset(part, 'A' + i, n);
        uint32_t p32 = crc_of(CRC_32, part, n), p32c = crc_of(CRC_32C, part, n);
        uint64_t p64 = crc64_of(part, n);
        c32 = i ? crc_combine(CRC_32, c32, p32, n) : p32;
        c32c = i ? crc_combine(CRC_32C, c32c, p32c, n) : p32c;
        c64 = i ? crc64_combine(c64, p64, n) : p64;
    }
    assert_int_equal(c32, 0x5A00E105u);           /* "WgDhBQ==" */
    assert_int_equal(c32c, 0xC54F8AAFu);          /* "xU+Krw==" */
    assert_int_equal(c64, 0x8BEE8B474CB7785Aull); /* "i+6LR0y3eFo=" */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_values),         cmocka_unit_test(piecewise_equals_whole),
        cmocka_unit_test(crc64nvme_values),     cmocka_unit_test(crc64_piecewise),
        cmocka_unit_test(combine_equals_whole), cmocka_unit_test(combine_s3_tests_parts)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
