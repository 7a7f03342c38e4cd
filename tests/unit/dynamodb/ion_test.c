/* ion_test.c — the Ion text DynamoDB's exports write and its imports read:
 * AWS's own example record, numbers as AWS writes them, every type through
 * write-then-read, the Ion text features an import accepts (comments, long
 * strings, typed nulls, ints with underscores) and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ddbtest.h"
#include "services/dynamodb/ion.h"

static const char *num(const char *n)
{
    buf_t b;
    buf_init(&b, A);
    ddb_ion_write_number(&b, str_c(n));
    buf_putc(&b, 0);
    return b.p;
}

static void test_numbers_as_aws_writes_them(void **s)
{
    (void)s;
    /* the Developer Guide's example: Id 103, PageCount 600, Price 2000 */
    assert_string_equal(num("103"), "103.");
    assert_string_equal(num("600"), "6d2");
    assert_string_equal(num("2000"), "2d3");
    assert_string_equal(num("0"), "0.");
    assert_string_equal(num("1.5"), "1.5");
    assert_string_equal(num("-1.25"), "-1.25");
    assert_string_equal(num("0.001"), "0.001");
    assert_string_equal(num("0.000000001"), "1d-9");
    assert_string_equal(num("12.5E+2"), "125d1");
}

/* Reads one record and returns its item as DynamoDB JSON (or the error). */
static const char *read_item(const char *text)
{
    size_t at = 0;
    ion_t *v = NULL;
    const char *err = NULL;
    int rc = ddb_ion_read(A, str_c(text), &at, &v, &err);
    if (rc < 0) return arena_printf(A, "syntax: %s", err);
    if (rc == 0) return "end";
    val_t *item = ddb_ion_item(A, v, &err);
    if (!item) return arena_printf(A, "item: %s", err);
    const char *e = ddb_validate_item(A, item);
    if (e) return arena_printf(A, "invalid: %s", e);
    return ddbt_item_str(A, item);
}

static void test_aws_example(void **s)
{
    (void)s;
    const char *text = "$ion_1_0 {\n    Item:{\n        Authors:$dynamodb_SS::[\"Author1\",\"Author2\"],\n"
                       "        Dimensions:\"8.5 x 11.0 x 1.5\",\n        ISBN:\"333-3333333333\",\n        Id:103.,\n"
                       "        InPublication:false,\n        PageCount:6d2,\n        Price:2d3,\n"
                       "        ProductCategory:\"Book\",\n        Title:\"Book 103 Title\"\n    }\n}";
    val_t *want =
        ddbt_item(A, "{\"Authors\":{\"SS\":[\"Author1\",\"Author2\"]},\"Dimensions\":{\"S\":\"8.5 x 11.0 x 1.5\"},"
                     "\"ISBN\":{\"S\":\"333-3333333333\"},\"Id\":{\"N\":\"103\"},\"InPublication\":{\"BOOL\":false},"
                     "\"PageCount\":{\"N\":\"600\"},\"Price\":{\"N\":\"2000\"},\"ProductCategory\":{\"S\":\"Book\"},"
                     "\"Title\":{\"S\":\"Book 103 Title\"}}");
    assert_string_equal(read_item(text), ddbt_item_str(A, want));
}

static void test_round_trip_every_type(void **s)
{
    (void)s;
    val_t *item =
        ddbt_item(A, "{\"s\":{\"S\":\"a \\\"q\\\" \\\\ \\n\\u0001 \xc3\xa9\"},\"n\":{\"N\":\"-12.5\"},"
                     "\"big\":{\"N\":\"1E+125\"},\"tiny\":{\"N\":\"1E-130\"},\"b\":{\"B\":\"\\u0000\\u00ffxyz\"},"
                     "\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},\"ss\":{\"SS\":[\"x\",\"y\"]},"
                     "\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"ab\",\"c\"]},"
                     "\"m\":{\"M\":{\"in\":{\"L\":[{\"N\":\"1\"},{\"S\":\"2\"},{\"M\":{}}]}}},"
                     "\"null\":{\"S\":\"keyword name\"},\"$x\":{\"S\":\"dollar\"},\"a b\":{\"S\":\"space\"},"
                     "\"l\":{\"L\":[]}}");
    assert_null(ddb_validate_item(A, item));
    buf_t b;
    buf_init(&b, A);
    buf_puts(&b, "$ion_1_0 {Item:");
    ddb_ion_write_item(&b, item);
    buf_puts(&b, "}\n");
    buf_putc(&b, 0);
    /* set annotations and quoted names as AWS's output has them */
    assert_non_null(strstr(b.p, "ss:$dynamodb_SS::[\"x\",\"y\"]"));
    assert_non_null(strstr(b.p, "ns:$dynamodb_NS::[1.,2.5]"));
    assert_non_null(strstr(b.p, "'null':\"keyword name\""));
    assert_non_null(strstr(b.p, "'$x':"));
    assert_non_null(strstr(b.p, "'a b':"));
    assert_non_null(strstr(b.p, "b:{{AMO/eHl6}}"));
    assert_non_null(strstr(b.p, "z:null"));
    assert_non_null(strstr(b.p, "big:1d125"));
    assert_string_equal(read_item(b.p), ddbt_item_str(A, item));
}

static void test_ion_text_features(void **s)
{
    (void)s;
    /* comments, long strings joined, quoted and string field names,
     * underscores, hex ints, floats and Ion's d exponent, null.null */
    const char *text =
        "// a comment\n$ion_1_0 /* block */ {Item:{'q n':'''ab''' /*x*/ '''cd''', \"s\":\"\\x41\\u00e9\","
        "i:1_000, h:0x1F, f:1.5e2, d:15d-1, nn:null.null, e:{}, tl:[1,],}}";
    const char *got = read_item(text);
    val_t *want =
        ddbt_item(A, "{\"q n\":{\"S\":\"abcd\"},\"s\":{\"S\":\"A\xc3\xa9\"},\"i\":{\"N\":\"1000\"},"
                     "\"h\":{\"N\":\"31\"},\"f\":{\"N\":\"150\"},\"d\":{\"N\":\"1.5\"},\"nn\":{\"NULL\":true},"
                     "\"e\":{\"M\":{}},\"tl\":{\"L\":[{\"N\":\"1\"}]}}");
    assert_string_equal(got, ddbt_item_str(A, want));
}

static void test_several_records_and_end(void **s)
{
    (void)s;
    str_t text = str_c("$ion_1_0 {Item:{k:\"1\"}}\n$ion_1_0 {Item:{k:\"2\"}}\n\n");
    size_t at = 0;
    ion_t *v;
    const char *err;
    assert_int_equal(ddb_ion_read(A, text, &at, &v, &err), 1);
    assert_int_equal(ddb_ion_read(A, text, &at, &v, &err), 1);
    assert_string_equal(ddbt_item_str(A, ddb_ion_item(A, v, &err)), "{\"k\": {\"S\": \"2\"}}");
    assert_int_equal(ddb_ion_read(A, text, &at, &v, &err), 0);
}

static void test_refusals(void **s)
{
    (void)s;
    /* not Ion: the rest of the object is skipped */
    assert_true(!strncmp(read_item("{Item:{a:\"x}}"), "syntax:", 7));
    assert_true(!strncmp(read_item("{Item:{a:1 b:2}}"), "syntax:", 7));
    assert_true(!strncmp(read_item("{Item:{a:[1,,2]}}"), "syntax:", 7));
    assert_true(!strncmp(read_item("{Item:{a:{{not base64!}}}}"), "syntax:", 7));
    assert_true(!strncmp(read_item("{Item:{a:01}}"), "syntax:", 7));
    /* Ion, but no DynamoDB item: that record alone fails */
    assert_string_equal(read_item("{Item:{a:2007-02-23T12:14Z}}"), "item: Unsupported Ion type: timestamp");
    assert_string_equal(read_item("{Item:{a:sym}}"), "item: Unsupported Ion type: symbol");
    assert_string_equal(read_item("{Item:{a:null.string}}"), "item: Unsupported Ion value: null.string");
    assert_string_equal(read_item("{Item:{a:nan}}"), "item: Unsupported Ion value: nan is no DynamoDB number");
    assert_string_equal(read_item("{Item:{a:foo::\"x\"}}"), "item: Unsupported Ion annotation: foo");
    assert_string_equal(read_item("{Item:{a:$dynamodb_NS::[\"x\"]}}"),
                        "item: A $dynamodb_NS set cannot hold a value of Ion type string");
    assert_true(!strncmp(read_item("{Other:{}}"), "item: A record must be", 22));
    /* DynamoDB's own checks after: an empty set, a duplicate */
    assert_true(!strncmp(read_item("{Item:{a:$dynamodb_SS::[]}}"), "invalid:", 8));
    assert_true(!strncmp(read_item("{Item:{a:$dynamodb_SS::[\"x\",\"x\"]}}"), "invalid:", 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_as_aws_writes_them), cmocka_unit_test(test_aws_example),
        cmocka_unit_test(test_round_trip_every_type),      cmocka_unit_test(test_ion_text_features),
        cmocka_unit_test(test_several_records_and_end),    cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, ddbt_setup, ddbt_teardown);
}
