/* pattern_test.c — the models' Java patterns as proto__pattern_match applies
 * them: whole-value matches of translated classes, escapes and quantifiers,
 * and the constructs it does not enforce (always true). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/internal.h"

static bool m(const char *pat, const char *v)
{
    return proto__pattern_match(pat, str_c(v));
}

static void test_classes_and_anchoring(void **state)
{
    (void)state;
    const char *tn = "[a-zA-Z0-9_.-]+"; /* DynamoDB TableName */
    assert_true(m(tn, "abc"));
    assert_true(m(tn, "a.b-c_d"));
    assert_false(m(tn, "a;"));
    assert_false(m(tn, "abc;"));
    assert_false(m(tn, ""));
    assert_false(m(tn, "ab c"));
    const char *iam = "[\\w+=,.@-]+"; /* IAM names: \w inside a class, '-' last */
    assert_true(m(iam, "alice+ops@x.y=z,1"));
    assert_false(m(iam, "a b"));
    assert_false(m(iam, "a/b"));
    /* Java: '-' after a range is literal ([a-zA-Z0-9-_]) */
    assert_true(m("[a-zA-Z0-9-_]+", "my-func_1"));
    assert_false(m("[a-zA-Z0-9-_]+", "my.func"));
    /* a range between punctuation (+-. is + , - .) and '^' not first */
    assert_true(m("^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$", "a,b^c"));
    assert_false(m("^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$", "a b"));
    assert_true(m("[^\\x00-\\x1F\\x7F]+", "tab-free text"));
    assert_false(m("[^\\x00-\\x1F\\x7F]+", "a\tb"));
    assert_true(m("(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)", "/"));
    assert_true(m("(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)", "/a/b/"));
    assert_false(m("(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)", "a/"));
    assert_true(m("[a-zA-Z0-9-\\/*:_+=.@-]*", "a/b*:c"));
    assert_false(m("[a-zA-Z0-9-\\/*:_+=.@-]*", "a b"));
    assert_true(m("\\d{12}", "123456789012"));
    assert_false(m("\\d{12}", "12345678901"));
}

static void test_groups_and_quantifiers(void **state)
{
    (void)state;
    const char *fn = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                     "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"; /* Lambda FunctionName */
    assert_true(m(fn, "my-func"));
    assert_true(m(fn, "my-func:$LATEST"));
    assert_true(m(fn, "arn:aws:lambda:us-east-1:123456789012:function:f:prod"));
    assert_false(m(fn, "my func"));
    assert_true(m("a(?:b|c)*?d", "abcbd")); /* non-capturing group, lazy quantifier */
    assert_false(m("a(?:b|c)*?d", "abxd"));
    str_t nul = {"ab\0c", 4}; /* counted values: a NUL is a character */
    assert_false(proto__pattern_match("[a-c]+", nul));
}

static void test_unenforced(void **state)
{
    (void)state;
    assert_true(m("(?!^[0-9]+$)([a-zA-Z0-9-_]+)", "!!"));              /* lookahead */
    assert_true(m("\\p{Print}+", "\x01"));                             /* \p classes */
    assert_true(m("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", "\x01")); /* beyond ASCII */
    assert_true(m("[\\s\\S]*", "anything"));
    assert_true(m("a*+", "b")); /* possessive */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_and_anchoring),
        cmocka_unit_test(test_groups_and_quantifiers),
        cmocka_unit_test(test_unenforced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
