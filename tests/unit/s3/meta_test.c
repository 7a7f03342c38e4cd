/* meta_test.c — user metadata values and RFC 2047 (services/s3/meta.c):
 * encoded words decoded as a request header carries them, values encoded
 * as an answer carries them; the cases AWS's recorded answers cover are in
 * tests/e2e/test_s3_recorded.py, these are the decoder's edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "services/s3/s3_internal.h"

static arena_t *A;

static void dec(const char *in, const char *want)
{
    str_t got = s3__meta_decode(A, str_c(in));
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.p, want, got.len);
}

static void enc(const char *in, const char *want)
{
    str_t got = s3__meta_encode(A, str_c(in));
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.p, want, got.len);
}

static void test_decode(void **state)
{
    (void)state;
    dec("plain text", "plain text");
    dec("=?UTF-8?B?YWJj?=", "abc");
    dec("=?utf-8?q?a_b=3Dc?=", "a b=c");
    /* white space between encoded words is not text; around them it is */
    dec("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab");
    dec("x =?UTF-8?Q?a?= y", "x a y");
    /* ISO-8859-1 words become UTF-8 */
    dec("=?ISO-8859-1?Q?caf=E9?=", "caf\xc3\xa9");
    /* what is no decodable word stays as it is */
    dec("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=");
    dec("=?UTF-8?Q?a=4?=", "=?UTF-8?Q?a=4?=");
    dec("=?KOI8-R?Q?abc?=", "=?KOI8-R?Q?abc?=");
    dec("=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated");
    dec("what? =?", "what? =?");
}

static void test_encode(void **state)
{
    (void)state;
    enc("safe-_ =?", "safe-_ =?");
    enc("a\tb", "a\tb");
    enc("caf\xc3\xa9 ok", "=?UTF-8?Q?caf=C3=A9_ok?=");
    enc("\x01", "=?UTF-8?B?AQ==?=");
    /* a byte that starts no UTF-8 character is B-encoded */
    enc("caf\xe9", "=?UTF-8?B?Y2Fm6Q==?=");
}

int main(void)
{
    A = arena_new(0);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_decode), cmocka_unit_test(test_encode)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    arena_free(A);
    return rc;
}
