/* coding_test.c — content codings (protocol/coding.c, core/gzip.c): which
 * coding an Accept-Encoding value picks, request bodies inflated from gzip
 * (members one after another) and deflate, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/gzip.h"
#include "protocol/proto.h"

static void test_accept_encoding_weighs_codings(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        proto_coding_t want;
    } cases[] = {
        {"", PROTO_CODING_NONE},
        {"identity", PROTO_CODING_NONE},
        {"br", PROTO_CODING_NONE},
        {"x-gzip", PROTO_CODING_NONE},
        {"\"gzip\"", PROTO_CODING_NONE},
        {"gzip br", PROTO_CODING_NONE},
        {"gzip", PROTO_CODING_GZIP},
        {"deflate", PROTO_CODING_DEFLATE},
        {"GZIP, identity", PROTO_CODING_GZIP},
        {"gzip, deflate", PROTO_CODING_GZIP}, /* equal: the first named */
        {"br, identity, deflate, gzip", PROTO_CODING_DEFLATE},
        {"gzip;q=0.8, deflate;q=0.5", PROTO_CODING_GZIP},
        {"deflate;q=0.5, gzip;q=0.2", PROTO_CODING_DEFLATE},
        {"*", PROTO_CODING_GZIP},
        {"*, deflate", PROTO_CODING_DEFLATE}, /* named beats "*" */
        {"*, gzip;q=0.5", PROTO_CODING_DEFLATE},
        {"*;q=0", PROTO_CODING_NONE},
        {"gzip ;q=0", PROTO_CODING_NONE},
        {"gzip;q=0, gzip;q=1", PROTO_CODING_GZIP},         /* the best entry of a coding */
        {"deflate;q=0.5, gzip;q=31", PROTO_CODING_GZIP},   /* above 1 is 1 */
        {"deflate;q=0.5, gzip;q=0.x", PROTO_CODING_GZIP},  /* no number: 1 */
        {"deflate;q=-0.5, gzip;q=0.2", PROTO_CODING_GZIP}, /* negative: refused */
        {"gzip;nq=0;q=1", PROTO_CODING_NONE},              /* the first "q=" counts */
        {"gzip;q =0;q=1", PROTO_CODING_GZIP},
        {"gzip;q= 0", PROTO_CODING_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        proto_coding_t got = proto_accepted_coding(str_c(cases[i].accept));
        if (got != cases[i].want)
            fail_msg("Accept-Encoding \"%s\": got %d, want %d", cases[i].accept, got, cases[i].want);
    }
}

static void test_bodies_inflate_and_refuse(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    str_t text = STR("{\"TableName\": \"t\"}"), out;
    str_t gz = gzip_of(a, text), zl = deflate_of(a, text, false);
    assert_int_equal(proto_decode_body(a, STR("gzip"), gz, 1 << 20, &out), PROTO_DECODE_OK);
    assert_true(str_eq(out, text));
    assert_int_equal(proto_decode_body(a, STR("deflate"), zl, 1 << 20, &out), PROTO_DECODE_OK);
    assert_true(str_eq(out, text));
    assert_int_equal(proto_decode_body(a, STR("identity"), text, 1 << 20, &out), PROTO_DECODE_OK);
    assert_true(str_eq(out, text));
    /* two members read as one body; bytes after the last that begin none are left */
    str_t h1 = gzip_of(a, STR("{\"Table")), h2 = gzip_of(a, STR("Name\": \"t\"}"));
    char *two = arena_alloc(a, h1.len + h2.len + 4);
    memcpy(two, h1.p, h1.len), memcpy(two + h1.len, h2.p, h2.len), memcpy(two + h1.len + h2.len, "junk", 4);
    assert_int_equal(proto_decode_body(a, STR("gzip"), str_n(two, h1.len + h2.len + 4), 1 << 20, &out),
                     PROTO_DECODE_OK);
    assert_true(str_eq(out, text));
    assert_int_equal(proto_decode_body(a, STR("br"), gz, 1 << 20, &out), PROTO_DECODE_UNSUPPORTED);
    assert_int_equal(proto_decode_body(a, STR("gzip"), str_n(gz.p, gz.len - 1), 1 << 20, &out), PROTO_DECODE_BAD);
    assert_int_equal(proto_decode_body(a, STR("gzip"), STR(""), 1 << 20, &out), PROTO_DECODE_BAD);
    assert_int_equal(proto_decode_body(a, STR("deflate"), text, 1 << 20, &out), PROTO_DECODE_BAD);
    assert_int_equal(proto_decode_body(a, STR("gzip"), gz, 5, &out), PROTO_DECODE_TOO_BIG);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_encoding_weighs_codings),
        cmocka_unit_test(test_bodies_inflate_and_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
