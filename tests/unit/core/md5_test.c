/* md5_test.c — MD5 (core/md5.h): RFC 1321's test suite, every split of a
 * buffer across updates against the digest of the whole (the partial-block
 * paths), and every length around the padding's block boundary against
 * OpenSSL's MD5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/md5.h"
#include "core/str.h"

static void hex(const unsigned char d[16], char out[33])
{
    str_hex(d, 16, out);
}

static void rfc1321_suite(void **state)
{
    (void)state;
    static const char *const in[] = {
        "",
        "a",
        "abc",
        "message digest",
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
    static const char *const want[] = {"d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
                                       "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
                                       "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
                                       "57edf4a22be3c955ac49da2e2107b67a"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        unsigned char d[16];
        char h[33];
        md5_of(in[i], strlen(in[i]), d);
        hex(d, h);
        assert_string_equal(h, want[i]);
    }
}

static void splits_equal_whole(void **state)
{
    (void)state;
    unsigned char buf[300], whole[16];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 131 + 7);
    md5_of(buf, sizeof buf, whole);
    for (size_t a = 0; a <= sizeof buf; a += 13)
        for (size_t b = a; b <= sizeof buf; b += 29) {
            md5_ctx_t c;
            unsigned char d[16];
            md5_init(&c);
            md5_update(&c, buf, a);
            md5_update(&c, buf + a, b - a);
            md5_update(&c, buf + b, sizeof buf - b);
            md5_final(&c, d);
            assert_memory_equal(d, whole, 16);
        }
}

static void lengths_against_openssl(void **state)
{
    (void)state;
    static unsigned char buf[4 << 10];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 2654435761u >> 13);
    for (size_t n = 0; n <= sizeof buf; n += n < 200 ? 1 : 61) {
        unsigned char mine[16], theirs[16];
        unsigned len = 16;
        md5_of(buf, n, mine);
        assert_true(EVP_Digest(buf, n, theirs, &len, EVP_md5(), NULL));
        assert_memory_equal(mine, theirs, 16);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(rfc1321_suite), cmocka_unit_test(splits_equal_whole),
                                       cmocka_unit_test(lengths_against_openssl)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
