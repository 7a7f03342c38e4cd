/* xmldsig_test.c — STS's XML reader and Exclusive XML Canonicalization
 * (services/sts/xmldsig.c) on fixed documents: the W3C recommendation's
 * example of a subtree canonicalized exclusively, and documents whose
 * canonical form libxml2 (xmllint --exc-c14n) gives: attribute order and
 * escapes, CDATA, processing instructions, line ends, namespace undeclaring.
 * The signature check itself runs end to end in tests/e2e/test_sts_saml.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "services/sts/xmldsig.h"

static const char *c14n(arena_t *a, const char *doc, const char *child)
{
    const char *err = NULL;
    dsig_node_t *root = dsig_parse(a, str_c(doc), &err);
    assert_non_null(root);
    const dsig_node_t *e = root;
    if (child)
        for (e = root->first; e && !(e->kind == DSIG_ELEM && str_eq_c(dsig_local(e), child)); e = e->next) {
        }
    assert_non_null(e);
    buf_t b;
    buf_init(&b, a);
    dsig_exc_c14n(&b, e, NULL, STR(""));
    return buf_str(&b).p;
}

/* Exclusive XML Canonicalization 1.0, §2.2: n3 moves to where it is used, n0 is not rendered. */
static void test_w3c_example(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    const char *doc = "<n0:local xmlns:n0=\"foo:bar\" xmlns:n3=\"ftp://example.org\">\n"
                      "  <n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n"
                      "    <n3:stuff xmlns:n3=\"ftp://example.org\"/>\n"
                      "  </n1:elem2>\n"
                      "</n0:local>";
    assert_string_equal(c14n(a, doc, "elem2"), "<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n"
                                               "    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n"
                                               "  </n1:elem2>");
    arena_free(a);
}

static void test_libxml2_forms(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    assert_string_equal(
        c14n(a,
             "<a xmlns:b=\"urn:b\" z=\"1\" b:y=\"&lt;&#9;\" a=\"x&#xA;\"  >t &gt; &amp; \"q\"<![CDATA[<x>]]>"
             "<?pi  data?></a>",
             NULL),
        "<a xmlns:b=\"urn:b\" a=\"x&#xA;\" z=\"1\" b:y=\"&lt;&#x9;\">t &gt; &amp; \"q\"&lt;x&gt;<?pi data?></a>");
    assert_string_equal(c14n(a, "<a xmlns=\"urn:x\" xmlns:u=\"urn:unused\"><b xmlns=\"\"><c/></b><u:d/></a>", NULL),
                        "<a xmlns=\"urn:x\"><b xmlns=\"\"><c></c></b><u:d xmlns:u=\"urn:unused\"></u:d></a>");
    assert_string_equal(c14n(a, "<?xml version=\"1.0\"?>\r\n<r>\r\n<s a=\"1\r\n2\"/><!-- gone --></r>", NULL),
                        "<r>\n<s a=\"1 2\"></s></r>");
    arena_free(a);
}

static void test_refusals(void **state)
{
    (void)state;
    arena_t *a = arena_new(0);
    const char *err = NULL;
    const char *bad[] = {"<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>",
                         "<r>&x;</r>",
                         "<r a=\"1\" a=\"2\"/>",
                         "<r><s></r>",
                         "<r/><r/>",
                         "<r>&#0;</r>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(dsig_parse(a, str_c(bad[i]), &err));
        assert_non_null(err);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_w3c_example),
        cmocka_unit_test(test_libxml2_forms),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
