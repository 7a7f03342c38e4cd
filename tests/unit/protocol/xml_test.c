/* xml_test.c — unit tests for src/protocol/xml.c: the reader (well-formed
 * documents, entities, CDATA, namespaces kept as prefixes, and every refusal:
 * DOCTYPE, depth, malformed input) and the writer (escaping that reads back
 * to the same bytes, and the model-driven element writer on hand-built shapes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "protocol/xml.h"

static arena_t *A;

static int setup(void **st)
{
    A = arena_new(0);
    return A ? 0 : -1;
}

static int teardown(void **st)
{
    arena_free(A);
    return 0;
}

static xml_node_t *parse_ok(const char *doc)
{
    xml_node_t *root = NULL;
    const char *err = NULL;
    int rc = xml_parse(A, str_c(doc), &root, &err);
    if (rc != GR_OK) fail_msg("parse failed: %s for %s", err, doc);
    assert_non_null(root);
    return root;
}

static const char *parse_err(const char *doc, size_t len)
{
    xml_node_t *root = NULL;
    const char *err = NULL;
    assert_int_equal(xml_parse(A, str_n(doc, len), &root, &err), GR_ERR);
    assert_null(root);
    assert_non_null(err);
    return err;
}

#define ASSERT_STR(s, lit) assert_string_equal(arena_strndup(A, (s).p, (s).len), (lit))

static void test_elements_attrs_text(void **st)
{
    xml_node_t *r = parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->"
                             "<Root xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\" a='1' b = \"x y\">"
                             "<Key>photos/a b.jpg</Key><Empty/><Empty2></Empty2>"
                             "<Nested><Inner>v</Inner></Nested></Root>\n");
    ASSERT_STR(r->name, "Root");
    assert_int_equal(r->nattrs, 3);
    ASSERT_STR(xml_attr(r, STR("a")), "1");
    ASSERT_STR(xml_attr(r, STR("b")), "x y");
    ASSERT_STR(xml_attr(r, STR("xmlns")), "http://s3.amazonaws.com/doc/2006-03-01/");
    assert_null(xml_attr(r, STR("missing")).p);
    assert_int_equal(r->nchildren, 4);
    ASSERT_STR(xml_child(r, STR("Key"))->text, "photos/a b.jpg");
    ASSERT_STR(xml_child(r, STR("Empty"))->text, "");
    ASSERT_STR(xml_child(r, STR("Empty2"))->text, "");
    ASSERT_STR(xml_child(xml_child(r, STR("Nested")), STR("Inner"))->text, "v");
    assert_null(xml_child(r, STR("Nope")));
}

static void test_entities_cdata(void **st)
{
    xml_node_t *r = parse_ok("<a>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#xe9;&#x1F600; <![CDATA[<raw & ]]>tail</a>");
    ASSERT_STR(r->text, "<>&\"' AB\xc3\xa9\xf0\x9f\x98\x80 <raw & tail");
    r = parse_ok("<a v=\"&lt;x&gt; &amp; &#10;y\"/>");
    ASSERT_STR(xml_attr(r, STR("v")), "<x> & \ny");
}

static void test_line_ends(void **st)
{
    xml_node_t *r = parse_ok("<a>one\r\ntwo\rthree&#13;<![CDATA[\r\nfour\r]]></a>");
    ASSERT_STR(r->text, "one\ntwo\nthree\r\nfour\n");
    r = parse_ok("<a v=\"x\ty\nz\"/>");
    ASSERT_STR(xml_attr(r, STR("v")), "x y z");
}

static void test_prefixes_kept(void **st)
{
    xml_node_t *r =
        parse_ok("<s3:Grant xmlns:s3=\"u\"><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                 "xsi:type=\"CanonicalUser\"><s3:ID>abc</s3:ID></Grantee></s3:Grant>");
    ASSERT_STR(r->name, "s3:Grant");
    ASSERT_STR(xml_local(r->name), "Grant");
    xml_node_t *g = xml_child(r, STR("Grantee"));
    assert_non_null(g);
    ASSERT_STR(xml_attr(g, STR("xsi:type")), "CanonicalUser");
    ASSERT_STR(xml_attr(g, STR("type")), "CanonicalUser");
    ASSERT_STR(xml_child(g, STR("ID"))->text, "abc");
}

static void test_bom_and_misc(void **st)
{
    xml_node_t *r = parse_ok("\xEF\xBB\xBF<?xml version=\"1.0\"?><a><?pi x?><!--c--><b/></a><!-- after -->  ");
    assert_int_equal(r->nchildren, 1);
}

static void test_refusals(void **st)
{
#define E(doc) parse_err((doc), strlen(doc))
    assert_string_equal(E("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"), "DOCTYPE and declarations are not allowed");
    E("");
    E("   ");
    E("text");
    E("<a>");
    E("<a></b>");
    E("<a><b></a></b>");
    E("<a>&bogus;</a>");
    E("<a>&#0;</a>");
    E("<a>&#xD800;</a>");
    E("<a>&#x110000;</a>");
    E("<a>&#;</a>");
    E("<a>&amp</a>");
    E("<a x=1/>");
    E("<a x=\"1\" x=\"2\"/>");
    E("<a x=\"1\"y=\"2\"/>");
    E("<a x=\"<\"/>");
    E("<a/><b/>");
    E("<a><![CDATA[x</a>");
    E("<a><![CDATA[\x05]]></a>");
    E("<a><!-- x</a>");
    E("<a><!ELEMENT x></a>");
    E("<1a/>");
    E("<a>\x01</a>");
    assert_string_equal(E("<a>\xff</a>"), "invalid UTF-8");
    E("<a>\xc3</a>");
    E("<a>\xc0\xaf</a>");         /* overlong '/' */
    E("<a>\xe0\x80\xaf</a>");     /* overlong '/' */
    E("<a>\xed\xa0\x80</a>");     /* a surrogate */
    E("<a>\xef\xbf\xbe</a>");     /* U+FFFE */
    E("<a>\xf4\x90\x80\x80</a>"); /* past U+10FFFF */
    E("<a b=\"\xfe\"/>");
    assert_string_equal(parse_err("<a>\0</a>", 8), "invalid character");
#undef E
}

static void test_depth_limit(void **st)
{
    buf_t b;
    buf_init(&b, A);
    for (int i = 0; i < XML_MAX_DEPTH; i++) buf_puts(&b, "<a>");
    for (int i = 0; i < XML_MAX_DEPTH; i++) buf_puts(&b, "</a>");
    xml_node_t *r = NULL;
    const char *err = NULL;
    assert_int_equal(xml_parse(A, buf_str(&b), &r, &err), GR_OK);
    buf_init(&b, A);
    for (int i = 0; i < XML_MAX_DEPTH + 1; i++) buf_puts(&b, "<a>");
    for (int i = 0; i < XML_MAX_DEPTH + 1; i++) buf_puts(&b, "</a>");
    str_t d = buf_str(&b);
    assert_string_equal(parse_err(d.p, d.len), "document nested too deeply");
}

static void test_attribute_limit(void **st)
{
    buf_t b;
    buf_init(&b, A);
    buf_puts(&b, "<a");
    for (int i = 0; i < XML_MAX_ATTRS; i++) buf_printf(&b, " a%d=\"%d\"", i, i);
    buf_puts(&b, "/>");
    xml_node_t *r = parse_ok(buf_str(&b).p);
    assert_int_equal(r->nattrs, XML_MAX_ATTRS);
    buf_init(&b, A);
    buf_puts(&b, "<a");
    for (int i = 0; i < XML_MAX_ATTRS + 1; i++) buf_printf(&b, " a%d=\"%d\"", i, i);
    buf_puts(&b, "/>");
    str_t d = buf_str(&b);
    assert_string_equal(parse_err(d.p, d.len), "too many attributes");
}

static void test_budget(void **st)
{
    arena_t *small = arena_new(4096);
    buf_t b;
    buf_init(&b, A);
    buf_puts(&b, "<a>");
    for (int i = 0; i < 2000; i++) buf_puts(&b, "<b>&amp;</b>");
    buf_puts(&b, "</a>");
    xml_node_t *r = NULL;
    const char *err = NULL;
    assert_int_equal(xml_parse(small, buf_str(&b), &r, &err), GR_ERR);
    assert_null(r);
    arena_free(small);
}

static void test_escape_invalid_utf8(void **st)
{
    buf_t b;
    buf_init(&b, A);
    xml_escape(&b, STR("a\xff\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80z\xc3"), false);
    assert_string_equal(buf_str(&b).p,
                        "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xf0\x9f\x98\x80z\xef\xbf\xbd");
}

static void test_escape_roundtrip(void **st)
{
    const char raw[] = "a<b>&c\"d'e\r\nf\tg\x01h \xc3\xa9";
    buf_t b;
    buf_init(&b, A);
    xml_open_start(&b, STR("x"));
    xml_attr_put(&b, STR("v"), STR(raw));
    xml_open_end(&b);
    xml_escape(&b, STR(raw), false);
    xml_close(&b, STR("x"));
    str_t doc = buf_str(&b);
    assert_string_equal(doc.p, "<x v=\"a&lt;b&gt;&amp;c&quot;d'e&#13;&#10;f&#9;g&#x1;h \xc3\xa9\">"
                               "a&lt;b&gt;&amp;c\"d'e&#13;\nf\tg&#x1;h \xc3\xa9</x>");
    /* the parser refuses the C0 control (XML 1.0 has no way to carry it); everything else reads back */
    const char ok[] = "a<b>&c\"d'e\r\nf\tg h \xc3\xa9";
    buf_init(&b, A);
    xml_open_start(&b, STR("x"));
    xml_attr_put(&b, STR("v"), STR(ok));
    xml_open_end(&b);
    xml_escape(&b, STR(ok), false);
    xml_close(&b, STR("x"));
    xml_node_t *r = parse_ok(buf_str(&b).p);
    assert_memory_equal(r->text.p, ok, sizeof ok - 1);
    assert_int_equal(r->text.len, sizeof ok - 1);
    str_t av = xml_attr(r, STR("v"));
    assert_int_equal(av.len, sizeof ok - 1);
    assert_memory_equal(av.p, ok, sizeof ok - 1);
}

/* ==== model-driven writer on hand-built shapes ==== */

static const shape_t S_STR = {.name = "S", .type = SH_STRING};
static const shape_t S_INT = {.name = "I", .type = SH_INTEGER};
static const member_t LIST_EL[] = {{.name = "member", .shape = &S_STR}};
static const shape_t S_LIST = {.name = "L", .type = SH_LIST, .nmembers = 1, .members = LIST_EL};
static const member_t ITEM_EL[] = {{.name = "member", .loc_name = "item", .shape = &S_STR}};
static const shape_t S_ITEMS = {.name = "IL", .type = SH_LIST, .nmembers = 1, .members = ITEM_EL};
static const member_t MAP_KV[] = {{.name = "key", .shape = &S_STR}, {.name = "value", .shape = &S_INT}};
static const shape_t S_MAP = {.name = "M", .type = SH_MAP, .nmembers = 2, .members = MAP_KV};
static const member_t GRANTEE_M[] = {
    {.name = "Type", .loc_name = "xsi:type", .shape = &S_STR, .flags = MF_XMLATTRIBUTE},
    {.name = "ID", .shape = &S_STR},
};
static const shape_t S_GRANTEE = {.name = "Grantee",
                                  .type = SH_STRUCTURE,
                                  .nmembers = 2,
                                  .members = GRANTEE_M,
                                  .xmlns_uri = "http://www.w3.org/2001/XMLSchema-instance"};
static const member_t TOP_M[] = {
    {.name = "Names", .shape = &S_LIST},
    {.name = "Flat", .shape = &S_ITEMS, .flags = MF_FLATTENED},
    {.name = "Items", .loc_name = "itemSet", .shape = &S_ITEMS},
    {.name = "Counts", .shape = &S_MAP},
    {.name = "FlatCounts", .shape = &S_MAP, .flags = MF_FLATTENED},
    {.name = "Grantee", .shape = &S_GRANTEE},
    {.name = "Empty", .shape = &S_LIST},
    {.name = "Hdr", .loc_name = "x-h", .shape = &S_STR, .location = LOC_HEADER},
};
static const shape_t S_TOP = {.name = "Top", .type = SH_STRUCTURE, .nmembers = 8, .members = TOP_M};

static val_t *strlist(const char *a, const char *b)
{
    val_t *l = val_new(A, VAL_LIST);
    val_push(A, l, val_cstr(A, a));
    val_push(A, l, val_cstr(A, b));
    return l;
}

static void test_write_members(void **st)
{
    val_t *v = val_new(A, VAL_STRUCT);
    val_set_c(A, v, "Names", strlist("a", "b&"));
    val_set_c(A, v, "Flat", strlist("c", "d"));
    val_set_c(A, v, "Items", strlist("e", "f"));
    val_t *m = val_new(A, VAL_MAP);
    val_set_c(A, m, "k1", val_int(A, 1));
    val_set_c(A, v, "Counts", m);
    val_set_c(A, v, "FlatCounts", m);
    val_t *g = val_new(A, VAL_STRUCT);
    val_set_c(A, g, "Type", val_cstr(A, "CanonicalUser"));
    val_set_c(A, g, "ID", val_cstr(A, "id1"));
    val_set_c(A, v, "Grantee", g);
    val_set_c(A, v, "Empty", val_new(A, VAL_LIST));
    val_set_c(A, v, "Hdr", val_cstr(A, "not in the body"));
    buf_t b;
    buf_init(&b, A);
    proto__xml_write_members(&b, A, &S_TOP, v);
    assert_string_equal(buf_str(&b).p,
                        "<Names><member>a</member><member>b&amp;</member></Names>"
                        "<item>c</item><item>d</item>"
                        "<itemSet><item>e</item><item>f</item></itemSet>"
                        "<Counts><entry><key>k1</key><value>1</value></entry></Counts>"
                        "<FlatCounts><key>k1</key><value>1</value></FlatCounts>"
                        "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">"
                        "<ID>id1</ID></Grantee>"
                        "<Empty/>");
}

static void test_write_untyped(void **st)
{
    val_t *v = val_new(A, VAL_STRUCT);
    val_set_c(A, v, "BucketName", val_cstr(A, "b<1>"));
    val_set_c(A, v, "Size", val_int(A, -5));
    val_set_c(A, v, "Ok", val_bool(A, true));
    buf_t b;
    buf_init(&b, A);
    proto__xml_write_untyped(&b, A, STR("X"), v);
    assert_string_equal(buf_str(&b).p, "<X><BucketName>b&lt;1&gt;</BucketName><Size>-5</Size><Ok>true</Ok></X>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_elements_attrs_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entities_cdata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefixes_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_and_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attribute_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_untyped, setup, teardown),
    };
    return cmocka_run_group_tests_name("xml", tests, NULL, NULL);
}
