/* expr_test.c — DynamoDB expressions: condition, update, projection and key
 * condition parsing with AWS's messages, evaluation against items, update
 * application, and the unused-name/value report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddbtest.h"

/* names: JSON object of "#n": "name"; values: JSON object of ":v": AV. */
static ddb_ctx_t *ctx(const char *names, const char *values)
{
    ddb_ctx_t *c = ARENA_NEW(A, ddb_ctx_t);
    val_t *n = NULL, *v = NULL;
    if (names) {
        json_t *j = json_parse(A, str_c(names), NULL);
        assert_non_null(j);
        n = val_new(A, VAL_MAP);
        for (size_t i = 0; i < j->u.obj.n; i++) val_set(A, n, j->u.obj.k[i], val_str(A, j->u.obj.v[i]->u.s));
    }
    if (values) {
        v = ddbt_item(A, values);
        assert_non_null(v);
    }
    ddb_ctx_init(c, A, n, v);
    if (v) assert_null(ddb_ctx_validate(c));
    return c;
}

static const char *V =
    "{\":s\": {\"S\": \"abc\"}, \":n\": {\"N\": \"5\"}, \":n2\": {\"N\": \"10\"}, \":b\": {\"B\": \"ab\"},"
    " \":t\": {\"S\": \"N\"}, \":l\": {\"L\": [{\"S\": \"x\"}]}, \":ss\": {\"SS\": [\"q\"]},"
    " \":ns\": {\"NS\": [\"7\"]}, \":m\": {\"M\": {}}, \":bool\": {\"BOOL\": true},"
    " \":null\": {\"NULL\": true}, \":pre\": {\"S\": \"ab\"}, \":x\": {\"S\": \"x\"}}";
static const char *N = "{\"#a\": \"a\", \"#st\": \"status\", \"#d\": \"[3]\", \"#c\": \"c\"}";

static const char *cerr(const char *expr)
{
    const char *err = NULL;
    ddb_cond_t *c = ddb_cond_parse(ctx(N, V), str_c(expr), "FilterExpression", &err);
    if (c) return NULL;
    assert_non_null(err);
    return err;
}

#define F "Invalid FilterExpression: "

static void test_cond_syntax(void **s)
{
    (void)s;
    assert_string_equal(cerr(""), F "The expression can not be empty;");
    assert_string_equal(cerr("   "), F "Syntax error; token: \"<EOF>\", near: \"\"");
    char big[5000];
    memset(big, ' ', sizeof big);
    memcpy(big, "a = :n", 6);
    big[4097] = 0;
    assert_string_equal(cerr(big), F "Expression size has exceeded the maximum allowed size; expression size: 4097");
    big[4096] = 0;
    assert_null(cerr(big));
    assert_string_equal(cerr("a = = :n"), F "Syntax error; token: \"=\", near: \"= = :n\"");
    assert_string_equal(cerr("a ="), F "Syntax error; token: \"<EOF>\", near: \"=\"");
    assert_string_equal(cerr("foo"), F "Syntax error; token: \"<EOF>\", near: \"foo\"");
    assert_string_equal(cerr("things are not gonna be ok"), F "Syntax error; token: \"are\", near: \"things are not\"");
    assert_string_equal(cerr("a > 4"), F "Syntax error; token: \"4\", near: \"> 4\"");
    assert_string_equal(cerr("a in b"), F "Syntax error; token: \"b\", near: \"in b\"");
    static const char *bad[] = {"attribute_exists(Pictures-RearView)",
                                "attribute_exists(\"Pictures.RearView\")",
                                "attribute_exists(Pictures..RearView)",
                                "attribute_exists(Pi#ctures.RearView)",
                                "attribute_exists(asdf[a])",
                                "a in b, c",
                                "a > between",
                                "a in (b,c,)",
                                "(a)between(b.(c.d))and(c)",
                                "(a)between(b.c.d)and((c)",
                                "#$.b > a",
                                "a > :things.stuff",
                                "b[:a] > a",
                                "b[#_] > a",
                                "\xc3\xbc > a",
                                "(a)between(b.c[4.5].#d)and(:a)",
                                "size(a).b > a",
                                "(size(a)).b > a",
                                "size(a)[0] > a",
                                "a AND b = c",
                                "NOT a",
                                "a = :n OR",
                                "a = :n b = :n",
                                "a == :n",
                                "a <=> :n",
                                "a = :n)",
                                "(a = :n",
                                "a BETWEEN :n",
                                "a BETWEEN :n OR :n2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *e = cerr(bad[i]);
        if (!e || strncmp(e, F "Syntax error; token: ", strlen(F "Syntax error; token: ")) != 0)
            fail_msg("%s -> %s", bad[i], e ? e : "(ok)");
    }
}

static void test_cond_semantic_errors(void **s)
{
    (void)s;
    /* redundant parentheses */
    static const char *parens[] = {"a=a and a > ((views))",          "(a)between(((b.c)).d)and(c)",
                                   "a > whatever((:things), ((a)))", "a=a AND ((a=a AND a=a)) AND a=a",
                                   "a=a OR ((a=a OR (a=a OR a=a)))", "((a = :n))"};
    for (size_t i = 0; i < sizeof parens / sizeof *parens; i++)
        assert_string_equal(cerr(parens[i]), F "The expression has redundant parentheses;");
    assert_string_equal(cerr("a=a and whatever((:things)) > a"), F "Invalid function name; function: whatever");
    assert_string_equal(cerr("attRIbute_exIsts((views), #a)"), F "Invalid function name; function: attRIbute_exIsts");
    assert_string_equal(cerr("if_not_exists(a, :n) = :n"),
                        F "The function is not allowed in a condition expression; function: if_not_exists");
    const char *mis = F "The function is not allowed to be used this way in an expression; function: ";
    static const char *misused[][2] = {{"a=a and attribute_exists((views), (#a)) > b", "attribute_exists"},
                                       {"attribute_not_exists(things) > b", "attribute_not_exists"},
                                       {"begins_with(things, a) > b", "begins_with"},
                                       {"size(contains(a, b)) > a", "contains"},
                                       {"size(things)", "size"},
                                       {"a between b and attribute_exists(things)", "attribute_exists"},
                                       {"a in (b, attribute_exists(things))", "attribute_exists"}};
    for (size_t i = 0; i < sizeof misused / sizeof *misused; i++) {
        char want[300];
        snprintf(want, sizeof want, "%s%s", mis, misused[i][1]);
        assert_string_equal(cerr(misused[i][0]), want);
    }
    assert_string_equal(cerr("attribute_exists(views, #a)"),
                        F "Attribute name is a reserved keyword; reserved keyword: views");
    assert_string_equal(cerr(":n < abOrT"), F "Attribute name is a reserved keyword; reserved keyword: abOrT");
    assert_string_equal(cerr("status = :s"), F "Attribute name is a reserved keyword; reserved keyword: status");
    assert_string_equal(cerr("a.name = :s"), F "Attribute name is a reserved keyword; reserved keyword: name");
    assert_null(cerr("#st = :s"));
    assert_string_equal(cerr("(#P between :lo and :hi) and (#PC in (:cat1, :cat2))"),
                        F "An expression attribute name used in the document path is not defined; attribute name: #P");
    assert_string_equal(cerr("#_ > a"),
                        F "An expression attribute name used in the document path is not defined; attribute name: #_");
    assert_string_equal(cerr(":zz < :n"),
                        F "An expression attribute value used in expression is not defined; attribute value: :zz");
    static const char *ops[][3] = {{"attribute_exists(things, a) and a=a", "attribute_exists", "2"},
                                   {"attribute_type(things)", "attribute_type", "1"},
                                   {"begins_with(things, size(a), b)", "begins_with", "3"},
                                   {"contains(things)", "contains", "1"},
                                   {"size(things, a) > b", "size", "2"}};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        char want[300];
        snprintf(want, sizeof want,
                 F "Incorrect number of operands for operator or function; operator or function: %s, number of "
                   "operands: %s",
                 ops[i][1], ops[i][2]);
        assert_string_equal(cerr(ops[i][0]), want);
    }
    assert_string_equal(cerr("begins_with(a, :n)"),
                        F "Incorrect operand type for operator or function; operator or function: begins_with, operand "
                          "type: N");
    assert_string_equal(cerr("begins_with(:l, a)"),
                        F "Incorrect operand type for operator or function; operator or function: begins_with, operand "
                          "type: L");
    assert_string_equal(cerr("attribute_type(a, :n)"),
                        F "Incorrect operand type for operator or function; operator or function: attribute_type, "
                          "operand type: N");
    assert_string_equal(cerr("attribute_type(a, :s)"),
                        F "Invalid attribute type name found; type: abc, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    assert_string_equal(cerr("size(:bool) > a"),
                        F "Incorrect operand type for operator or function; operator or function: size, operand type: "
                          "BOOL");
    assert_string_equal(cerr("size(size(a)) > :n"), F
                        "Incorrect operand type for operator or function; operator or function: size, operand type: N");
    assert_string_equal(cerr("attribute_exists(:s) and a=a"),
                        F "Operator or function requires a document path; operator or function: attribute_exists");
    const char *dis =
        F "The first operand must be distinct from the remaining operands for this operator or function; ";
    char want[400];
    snprintf(want, sizeof want, "%soperator: =, first operand: [a]", dis);
    assert_string_equal(cerr("a = a AND #a = b AND :n > a"), want);
    snprintf(want, sizeof want, "%soperator: <>, first operand: [a]", dis);
    assert_string_equal(cerr("#a <> a"), want);
    snprintf(want, sizeof want, "%soperator: contains, first operand: [ab, bc, [1], a]", dis);
    assert_string_equal(cerr("contains(ab.bc[1].a, ab.bc[1].#a)"), want);
    assert_string_equal(cerr("a BETWEEN :n2 AND :n"),
                        F "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower "
                          "bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}");
    assert_string_equal(cerr("a BETWEEN :n AND :s"),
                        F "The BETWEEN operator requires same data type for lower and upper bounds; lower bound "
                          "operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:abc}");
    /* 101 values in IN */
    buf_t b;
    buf_init(&b, A);
    buf_puts(&b, "a IN (");
    for (int i = 0; i < 101; i++) buf_puts(&b, i ? ", :n" : ":n");
    buf_puts(&b, ")");
    assert_string_equal(cerr(buf_str(&b).p),
                        F "The IN operator is provided with too many operands; number of operands: 101");
    /* the first faulty condition wins, and each kind has its priority */
    assert_string_equal(cerr("#zz = :n AND a = :zz"),
                        F "An expression attribute name used in the document path is not defined; attribute name: #zz");
    assert_string_equal(cerr("a = :zz AND status = :n"),
                        F "Attribute name is a reserved keyword; reserved keyword: status");
}

static int ev(const char *expr, const char *item)
{
    const char *err = NULL;
    ddb_ctx_t *c = ctx(N, V);
    ddb_cond_t *cond = ddb_cond_parse(c, str_c(expr), "ConditionExpression", &err);
    if (!cond) fail_msg("%s: %s", expr, err);
    val_t *it = item ? ddbt_item(A, item) : NULL;
    if (it) assert_null(ddb_validate_item(A, it));
    return ddb_cond_eval(c, cond, it, &err);
}

static void test_cond_eval(void **s)
{
    (void)s;
    const char *it = "{\"a\": {\"N\": \"5\"}, \"s\": {\"S\": \"abcdef\"}, \"b\": {\"B\": \"abc\"},"
                     " \"m\": {\"M\": {\"x\": {\"L\": [{\"N\": \"1\"}, {\"S\": \"x\"}]}, \"status\": {\"S\": \"on\"}}},"
                     " \"ss\": {\"SS\": [\"p\", \"q\"]}, \"ns\": {\"NS\": [\"7\", \"8\"]}, \"t\": {\"BOOL\": true},"
                     " \"z\": {\"NULL\": true}, \"e\": {\"S\": \"\"}}";
    assert_true(ev("a = :n", it));
    assert_false(ev("a <> :n", it));
    assert_true(ev("a < :n2", it));
    assert_true(ev("a <= :n", it));
    assert_false(ev("a > :n", it));
    assert_true(ev("a >= :n", it));
    assert_false(ev("a = :s", it)); /* different types: false, not an error */
    assert_false(ev("a < :s", it));
    assert_true(ev("a <> :s", it));
    assert_false(ev("nope = :n", it));
    assert_true(ev("nope <> :n", it));
    assert_true(ev("a BETWEEN :n AND :n2", it));
    assert_false(ev("s BETWEEN :n AND :n2", it));
    assert_true(ev("a IN (:s, :n)", it));
    assert_false(ev("a IN (:s, :n2)", it));
    assert_true(ev("attribute_exists(m.x[1])", it));
    assert_false(ev("attribute_exists(m.x[2])", it));
    assert_true(ev("attribute_not_exists(m.y)", it));
    assert_true(ev("attribute_exists(m.#st)", it));
    assert_true(ev("attribute_type(a, :t)", it));
    assert_false(ev("attribute_type(s, :t)", it));
    assert_true(ev("begins_with(s, :pre)", it));
    assert_true(ev("begins_with(b, :b)", it));
    assert_false(ev("begins_with(a, :pre)", it));
    assert_true(ev("contains(s, :pre)", it));
    assert_true(ev("contains(ss, :ss)", it) == 0); /* a set is not an element */
    assert_true(ev("contains(m.x, :x)", it));
    assert_true(ev("contains(ns, :n) OR contains(ns, :n2) OR a = :n", it));
    assert_true(ev("size(s) = :n2 OR size(s) > :n", it));
    assert_true(ev("size(ss) < :n", it));
    assert_true(ev("size(m) < :n", it));
    assert_false(ev("size(a) > :n", it)); /* numbers have no size */
    assert_false(ev("size(nope) < :n", it));
    assert_true(ev("size(e) < :n", it));
    /* precedence: NOT > AND > OR */
    assert_true(ev("a = :n OR a = :n2 AND a = :s", it));
    assert_false(ev("(a = :n OR a = :n2) AND a = :s", it));
    assert_true(ev("NOT a = :n2 AND a = :n", it));
    assert_false(ev("NOT (a = :n2 OR a = :n)", it));
    assert_true(ev("NOT NOT a = :n", it));
    assert_true(ev("t = :bool AND z = :null", it));
    assert_true(ev("(a) = (:n)", it));
    assert_true(ev("(m).x[0] < :n", it));
    assert_true(ev("attribute_not_exists(a)", NULL));
    assert_false(ev("a = :n", NULL));
}

static int ev2(const char *expr, const char *values, const char *item)
{
    const char *err = NULL;
    ddb_ctx_t *c = ctx(NULL, values);
    ddb_cond_t *cond = ddb_cond_parse(c, str_c(expr), "ConditionExpression", &err);
    if (!cond) fail_msg("%s: %s", expr, err);
    val_t *it = ddbt_item(A, item);
    assert_null(ddb_validate_item(A, it));
    return ddb_cond_eval(c, cond, it, &err);
}

static void test_cond_types(void **s)
{
    (void)s;
    const char *it = "{\"s\": {\"S\": \"m\"}, \"n\": {\"N\": \"-2\"}, \"b\": {\"B\": \"\\u0001\\u00ff\"},"
                     " \"ss\": {\"SS\": [\"a\"]}, \"ns\": {\"NS\": [\"1.50\"]}, \"bs\": {\"BS\": [\"x\"]},"
                     " \"m\": {\"M\": {}}, \"l\": {\"L\": [{\"NS\": [\"2\", \"1\"]}]}, \"z\": {\"NULL\": true},"
                     " \"t\": {\"BOOL\": false}}";
    static const char *types[][2] = {{"s", "S"},   {"n", "N"}, {"b", "B"}, {"ss", "SS"},  {"ns", "NS"},
                                     {"bs", "BS"}, {"m", "M"}, {"l", "L"}, {"z", "NULL"}, {"t", "BOOL"}};
    for (size_t i = 0; i < 10; i++) {
        char expr[64], vals[64];
        snprintf(expr, sizeof expr, "attribute_type(%s, :t)", types[i][0]);
        snprintf(vals, sizeof vals, "{\":t\": {\"S\": \"%s\"}}", types[i][1]);
        assert_true(ev2(expr, vals, it));
        snprintf(vals, sizeof vals, "{\":t\": {\"S\": \"%s\"}}", types[(i + 1) % 10][1]);
        assert_false(ev2(expr, vals, it));
    }
    /* strings by bytes, numbers by value, binaries unsigned */
    assert_true(ev2("s BETWEEN :a AND :z", "{\":a\": {\"S\": \"a\"}, \":z\": {\"S\": \"z\"}}", it));
    assert_false(ev2("s BETWEEN :a AND :z", "{\":a\": {\"S\": \"n\"}, \":z\": {\"S\": \"z\"}}", it));
    assert_true(ev2("n < :v", "{\":v\": {\"N\": \"-1.99\"}}", it));
    assert_true(ev2("n > :v", "{\":v\": {\"N\": \"-1e1\"}}", it));
    assert_true(ev2("b > :v", "{\":v\": {\"B\": \"\\u0001\\u007f\"}}", it));
    assert_true(ev2("contains(b, :v)", "{\":v\": {\"B\": \"\\u00ff\"}}", it));
    assert_true(ev2("contains(ns, :v)", "{\":v\": {\"N\": \"1.5\"}}", it));
    assert_true(ev2("contains(bs, :v)", "{\":v\": {\"B\": \"x\"}}", it));
    assert_false(ev2("contains(bs, :v)", "{\":v\": {\"S\": \"x\"}}", it));
    /* sets compare unordered and by value, inside lists too */
    assert_true(ev2("l = :v", "{\":v\": {\"L\": [{\"NS\": [\"1.0\", \"2\"]}]}}", it));
    assert_true(ev2("contains(l, :v)", "{\":v\": {\"NS\": [\"1\", \"2\"]}}", it));
    assert_true(ev2("m = :v", "{\":v\": {\"M\": {}}}", it));
    /* an ordering comparison of a map value is refused when parsed; an
     * item's map compared with a number is only false */
    {
        const char *perr = NULL;
        assert_null(ddb_cond_parse(ctx(NULL, "{\":v\": {\"M\": {}}}"), str_c("m < :v"), "ConditionExpression", &perr));
        assert_non_null(strstr(perr, "operator or function: <, operand type: M"));
    }
    assert_false(ev2("m < :v", "{\":v\": {\"N\": \"1\"}}", it));
    assert_true(ev2("z = :v", "{\":v\": {\"NULL\": true}}", it));
    assert_true(ev2("t <> :v", "{\":v\": {\"BOOL\": true}}", it));
    assert_true(ev2("size(b) = :v", "{\":v\": {\"N\": \"3\"}}", it)); /* 01 C3 BF */
    assert_true(ev2("size(l[0]) = :v", "{\":v\": {\"N\": \"2\"}}", it));
    assert_true(ev2("size(s) IN (:a, :v)", "{\":a\": {\"N\": \"0\"}, \":v\": {\"N\": \"1\"}}", it));
}

static const char *uerr(const char *expr)
{
    const char *err = NULL;
    ddb_update_t *u = ddb_update_parse(ctx(N, V), str_c(expr), &err);
    return u ? NULL : err;
}

#define U "Invalid UpdateExpression: "

static void test_update_parse_errors(void **s)
{
    (void)s;
    assert_string_equal(uerr(""), U "The expression can not be empty;");
    static const char *syn[] = {"whatever",
                                "set a",
                                "add a",
                                "delete a",
                                "set a=set",
                                "remove a = b",
                                "add a = b",
                                "delete a = b",
                                "delete a b",
                                "add abort b",
                                "remove a b",
                                "set a b",
                                "set :a = b",
                                "add :a b",
                                "remove :a",
                                "set a = b / c",
                                "set a = b * c",
                                "set a[1] = \"eight\"",
                                "set a[1] = 1",
                                "SET if_not_exist(a, b) = a",
                                "set (a = (b + c))",
                                "set a = (b.c).d + e",
                                "set a = (b.c)[0] + e",
                                "set a = b + c + d",
                                "set a = :n,",
                                "SET a = :n REMOVE"};
    for (size_t i = 0; i < sizeof syn / sizeof *syn; i++) {
        const char *e = uerr(syn[i]);
        if (!e || strncmp(e, U "Syntax error; token: ", strlen(U "Syntax error; token: ")) != 0)
            fail_msg("%s -> %s", syn[i], e ? e : "(ok)");
    }
    assert_string_equal(uerr("SET a = :n, b = VALUE 1"), U "Syntax error; token: \"1\", near: \"VALUE 1\"");
    /* AWS responses quoted by moto's tests */
    assert_string_equal(uerr("SET MyStr = myNum Mystr2 myNum2"),
                        U "Syntax error; token: \"Mystr2\", near: \"myNum Mystr2 myNum2\"");
    assert_string_equal(uerr("SET MyStr = myNum + 1"), U "Syntax error; token: \"1\", near: \"+ 1\"");
    assert_string_equal(uerr("SET MyStr = my Num"), U "Syntax error; token: \"Num\", near: \"my Num\"");
    assert_string_equal(uerr(" set #c = :n set abOrt = :n "),
                        U "Attribute name is a reserved keyword; reserved keyword: abOrt");
    assert_string_equal(uerr("SET status = :s"), U "Attribute name is a reserved keyword; reserved keyword: status");
    assert_string_equal(uerr(" remove Absolute "),
                        U "Attribute name is a reserved keyword; reserved keyword: Absolute");
    assert_string_equal(uerr("set #c = if_not_exist(:n) set c = d"), U "Invalid function name; function: if_not_exist");
    assert_string_equal(uerr("set a = size(b)"),
                        U "The function is not allowed in an update expression; function: size");
    assert_string_equal(uerr("set a = #c set c = :n"),
                        U "The \"SET\" section can only be used once in an update expression;");
    assert_string_equal(uerr("remove #a set a = b remove e"),
                        U "The \"REMOVE\" section can only be used once in an update expression;");
    assert_string_equal(uerr("add #a :n set x = b add e :n"),
                        U "The \"ADD\" section can only be used once in an update expression;");
    assert_string_equal(uerr("delete #a :ss set x = b delete #c :ss"),
                        U "The \"DELETE\" section can only be used once in an update expression;");
    assert_string_equal(uerr("SET #q = :n"),
                        U "An expression attribute name used in the document path is not defined; attribute name: #q");
    assert_string_equal(uerr("SET #a = if_not_exists(:q)"),
                        U "An expression attribute value used in expression is not defined; attribute value: :q");
    assert_string_equal(uerr("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a, :n)"),
                        U "Two document paths overlap with each other; must remove or rewrite one of these paths; path "
                          "one: [c, [1], a], path two: [c]");
    assert_string_equal(uerr("set #c[3].#d = a, #c[3] = a"),
                        U "Two document paths overlap with each other; must remove or rewrite one of these paths; path "
                          "one: [c, [3], [3]], path two: [c, [3]]");
    assert_string_equal(uerr("SET a = :n REMOVE a.b"),
                        U "Two document paths overlap with each other; must remove or rewrite one of these paths; path "
                          "one: [a], path two: [a, b]");
    assert_string_equal(uerr("set #c[3].#d = a, #c.#d[3] = if_not_exists(a, :n)"), U
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path "
                        "one: [c, [3], [3]], path two: [c, [3], [3]]");
    assert_string_equal(uerr("remove a.#c set a[1] = #d"), U
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path "
                        "one: [a, c], path two: [a, [1]]");
    static const char *types[][3] = {{"add a.b :s", "ADD", "STRING"},     {"delete a.b :s", "DELETE", "STRING"},
                                     {"add a.b :null", "ADD", "NULL"},    {"delete a.b :bool", "DELETE", "BOOLEAN"},
                                     {"add a.b :b", "ADD", "BINARY"},     {"add a.b :m", "ADD", "MAP"},
                                     {"delete a.b :l", "DELETE", "LIST"}, {"delete a.b :n", "DELETE", "NUMBER"}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char want[300];
        snprintf(want, sizeof want, U "Incorrect operand type for operator or function; operator: %s, operand type: %s",
                 types[i][1], types[i][2]);
        assert_string_equal(uerr(types[i][0]), want);
    }
    assert_null(uerr("add a :n, b :ss, c :ns"));
    assert_null(uerr("delete b :ss"));
    assert_string_equal(uerr("set a = if_not_exists(c)"),
                        U "Incorrect number of operands for operator or function; operator or function: if_not_exists, "
                          "number of operands: 1");
    assert_string_equal(uerr("set a = list_append(c)"),
                        U "Incorrect number of operands for operator or function; operator or function: list_append, "
                          "number of operands: 1");
    assert_string_equal(uerr("set a = if_not_exists(:n, c)"),
                        U "Operator or function requires a document path; operator or function: if_not_exists");
    assert_string_equal(uerr("set a = list_append(:s, a)"),
                        U "Incorrect operand type for operator or function; operator or function: list_append, operand "
                          "type: S");
    assert_string_equal(uerr("set a = a + :s"),
                        U "Incorrect operand type for operator or function; operator or function: +, operand type: S");
    assert_string_equal(uerr("set a = :b - a"),
                        U "Incorrect operand type for operator or function; operator or function: -, operand type: B");
    assert_null(uerr("SET a = if_not_exists(a, :n) + :n2, b = list_append(if_not_exists(b, :l), :l)"));
    assert_null(uerr("set a = (b + c)"));
}

static const char *upd(const char *expr, const char *item, const char **errp)
{
    const char *err = NULL;
    ddb_ctx_t *c = ctx(N, V);
    ddb_update_t *u = ddb_update_parse(c, str_c(expr), &err);
    if (!u) fail_msg("%s: %s", expr, err);
    val_t *it = item ? ddbt_item(A, item) : NULL;
    if (it) assert_null(ddb_validate_item(A, it));
    const char *before = it ? ddbt_item_str(A, it) : NULL;
    val_t *r = ddb_update_apply(c, u, it, &err);
    if (errp) *errp = err;
    if (it) assert_string_equal(ddbt_item_str(A, it), before); /* the input is never modified */
    return r ? ddbt_item_str(A, r) : NULL;
}

static void test_update_apply(void **s)
{
    (void)s;
    const char *err;
    assert_string_equal(upd("SET a = :n", NULL, NULL), "{\"a\": {\"N\": \"5\"}}");
    assert_string_equal(upd("SET a = a + :n", "{\"a\": {\"N\": \"1.5\"}}", NULL), "{\"a\": {\"N\": \"6.5\"}}");
    assert_string_equal(upd("SET a = :n - a", "{\"a\": {\"N\": \"7\"}}", NULL), "{\"a\": {\"N\": \"-2\"}}");
    assert_string_equal(upd("SET a = if_not_exists(a, :n) + :n2", NULL, NULL), "{\"a\": {\"N\": \"15\"}}");
    assert_string_equal(upd("SET a = if_not_exists(a, :n) + :n2", "{\"a\": {\"N\": \"1\"}}", NULL),
                        "{\"a\": {\"N\": \"11\"}}");
    /* every operand reads the old item */
    assert_string_equal(upd("SET a = b, b = a", "{\"a\": {\"S\": \"1\"}, \"b\": {\"S\": \"2\"}}", NULL),
                        "{\"a\": {\"S\": \"2\"}, \"b\": {\"S\": \"1\"}}");
    assert_string_equal(upd("SET l = list_append(l, :l)", "{\"l\": {\"L\": [{\"N\": \"1\"}]}}", NULL),
                        "{\"l\": {\"L\": [{\"N\": \"1\"}, {\"S\": \"x\"}]}}");
    assert_string_equal(upd("SET l = list_append(:l, l)", "{\"l\": {\"L\": [{\"N\": \"1\"}]}}", NULL),
                        "{\"l\": {\"L\": [{\"S\": \"x\"}, {\"N\": \"1\"}]}}");
    assert_string_equal(upd("SET m.k = :n, l[1] = :s, l[9] = :x",
                            "{\"m\": {\"M\": {}}, \"l\": {\"L\": [{\"N\": \"1\"}, {\"N\": \"2\"}]}}", NULL),
                        "{\"m\": {\"M\": {\"k\": {\"N\": \"5\"}}}, \"l\": {\"L\": [{\"N\": \"1\"}, {\"S\": \"abc\"}, "
                        "{\"S\": \"x\"}]}}");
    assert_null(upd("SET m.k = :n", "{}", &err));
    assert_string_equal(err, "The document path provided in the update expression is invalid for update");
    assert_null(upd("SET m.k = :n", "{\"m\": {\"S\": \"x\"}}", &err));
    assert_string_equal(err, "The document path provided in the update expression is invalid for update");
    assert_null(upd("SET a = b", "{}", &err));
    assert_string_equal(err, "The provided expression refers to an attribute that does not exist in the item");
    assert_null(upd("SET a = a + :n", "{\"a\": {\"S\": \"x\"}}", &err));
    assert_string_equal(err, "An operand in the update expression has an incorrect data type");
    assert_null(upd("SET a = list_append(a, :l)", "{\"a\": {\"S\": \"x\"}}", &err));
    assert_string_equal(err, "An operand in the update expression has an incorrect data type");
    /* REMOVE: attributes, map keys, list elements by their original indexes */
    assert_string_equal(upd("REMOVE a, m.k, l[0], l[2], nope",
                            "{\"a\": {\"N\": \"1\"}, \"m\": {\"M\": {\"k\": {\"N\": "
                            "\"1\"}, \"j\": {\"N\": \"2\"}}}, \"l\": {\"L\": [{\"N\": "
                            "\"0\"}, {\"N\": \"1\"}, {\"N\": \"2\"}, {\"N\": \"3\"}]}}",
                            NULL),
                        "{\"m\": {\"M\": {\"j\": {\"N\": \"2\"}}}, \"l\": {\"L\": [{\"N\": \"1\"}, {\"N\": \"3\"}]}}");
    assert_null(upd("REMOVE m.k", "{}", &err));
    assert_string_equal(err, "The document path provided in the update expression is invalid for update");
    assert_string_equal(upd("REMOVE m.zz", "{\"m\": {\"M\": {}}}", NULL), "{\"m\": {\"M\": {}}}");
    assert_string_equal(upd("REMOVE l[5]", "{\"l\": {\"L\": [{\"N\": \"0\"}]}}", NULL),
                        "{\"l\": {\"L\": [{\"N\": \"0\"}]}}");
    /* ADD */
    assert_string_equal(upd("ADD a :n, s :ss", NULL, NULL), "{\"a\": {\"N\": \"5\"}, \"s\": {\"SS\": [\"q\"]}}");
    assert_string_equal(upd("ADD a :n, s :ss", "{\"a\": {\"N\": \"-5\"}, \"s\": {\"SS\": [\"p\", \"q\"]}}", NULL),
                        "{\"a\": {\"N\": \"0\"}, \"s\": {\"SS\": [\"p\", \"q\"]}}");
    assert_string_equal(upd("ADD s :ss", "{\"s\": {\"SS\": [\"p\"]}}", NULL), "{\"s\": {\"SS\": [\"p\", \"q\"]}}");
    assert_string_equal(upd("ADD ns :ns", "{\"ns\": {\"NS\": [\"7.0\"]}}", NULL), "{\"ns\": {\"NS\": [\"7\"]}}");
    assert_null(upd("ADD s :ns", "{\"s\": {\"SS\": [\"p\"]}}", &err));
    assert_string_equal(err, "An operand in the update expression has an incorrect data type");
    assert_null(upd("ADD a :n", "{\"a\": {\"S\": \"p\"}}", &err));
    assert_string_equal(err, "An operand in the update expression has an incorrect data type");
    /* DELETE */
    assert_string_equal(upd("DELETE s :ss", "{\"s\": {\"SS\": [\"p\", \"q\"]}}", NULL), "{\"s\": {\"SS\": [\"p\"]}}");
    assert_string_equal(upd("DELETE s :ss", "{\"s\": {\"SS\": [\"q\"]}, \"k\": {\"S\": \"v\"}}", NULL),
                        "{\"k\": {\"S\": \"v\"}}");
    assert_string_equal(upd("DELETE s :ss", "{}", NULL), "{}");
    assert_null(upd("DELETE s :ss", "{\"s\": {\"NS\": [\"1\"]}}", &err));
    assert_string_equal(err, "An operand in the update expression has an incorrect data type");
    /* a sum needing more than 38 digits is an overflow for AWS */
    ddb_ctx_t *c =
        ctx(NULL, "{\":big\": {\"N\": \"99999999999999999999999999999999999999\"}, \":one\": {\"N\": \"0.1\"}}");
    ddb_update_t *u = ddb_update_parse(c, STR("SET a = :big + :one"), &err);
    assert_non_null(u);
    assert_null(ddb_update_apply(c, u, NULL, &err));
    assert_string_equal(err, "Number overflow. Attempting to store a number with magnitude larger than supported "
                             "range");
}

static void test_update_paths(void **s)
{
    (void)s;
    const char *err;
    ddb_update_t *u = ddb_update_parse(ctx(N, V), STR("SET a.b = :n, x = :s REMOVE #c ADD q :n"), &err);
    assert_non_null(u);
    assert_true(ddb_update_touches(u, STR("a")));
    assert_true(ddb_update_touches(u, STR("c")));
    assert_true(ddb_update_touches(u, STR("q")));
    assert_false(ddb_update_touches(u, STR("b")));
    const ddb_path_t *p;
    size_t n = ddb_update_paths(u, &p);
    assert_int_equal(n, 4);
    assert_string_equal(ddb_path_str(A, &p[0]).p, "a.b");
    assert_string_equal(ddb_path_str(A, &p[2]).p, "c");
}

static const char *proj(const char *expr, const char *item)
{
    const char *err = NULL;
    ddb_proj_t p;
    if (!ddb_proj_parse(ctx(N, V), str_c(expr), &p, &err)) return err;
    return ddbt_item_str(A, ddb_proj_apply(A, &p, ddbt_item(A, item)));
}

static void test_projection(void **s)
{
    (void)s;
    /* dynalite test/getItem.js cases */
    static const char *syn[] = {"whatever(stuff)", ":a",  "abort,",  "a,,b",  "a..b", "a[b]",
                                "(a.b).c",         "(a)", "(a),(b)", "(a,b)", "a-b"};
    for (size_t i = 0; i < sizeof syn / sizeof *syn; i++) {
        const char *e = proj(syn[i], "{}");
        if (strncmp(e, "Invalid ProjectionExpression: Syntax error; ", 44) != 0) fail_msg("%s -> %s", syn[i], e);
    }
    assert_string_equal(proj("a.abORt", "{}"),
                        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: abORt");
    assert_string_equal(proj("a,b,a,#q", "{}"), "Invalid ProjectionExpression: An expression attribute name used in "
                                                "the document path is not defined; attribute name: #q");
    assert_string_equal(proj("b[1], b.a, #a.b, a", "{}"),
                        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
                        "rewrite one of these paths; path one: [a, b], path two: [a]");
    assert_string_equal(proj("a.b[1], #a[1], #d", "{}"),
                        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
                        "rewrite one of these paths; path one: [a, b, [1]], path two: [a, [1]]");
    assert_string_equal(proj("a[3].b, #a.#d.b", "{}"),
                        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
                        "rewrite one of these paths; path one: [a, [3], b], path two: [a, [3], b]");
    const char *it = "{\"a\": {\"N\": \"1\"}, \"b\": {\"S\": \"x\"}, \"m\": {\"M\": {\"k\": {\"N\": \"2\"}, \"j\": "
                     "{\"L\": [{\"N\": \"0\"}, {\"N\": \"1\"}, {\"N\": \"2\"}]}}}, \"c\": {\"NULL\": true}}";
    assert_string_equal(proj("a, #c", it), "{\"a\": {\"N\": \"1\"}, \"c\": {\"NULL\": true}}");
    assert_string_equal(proj("m.k, nope", it), "{\"m\": {\"M\": {\"k\": {\"N\": \"2\"}}}}");
    assert_string_equal(proj("m.j[2], m.j[0]", it),
                        "{\"m\": {\"M\": {\"j\": {\"L\": [{\"N\": \"0\"}, {\"N\": \"2\"}]}}}}");
    assert_string_equal(proj("", it), "Invalid ProjectionExpression: The expression can not be empty;");
    assert_string_equal(proj("a, name", it),
                        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name");
    assert_string_equal(proj("a, #q", it), "Invalid ProjectionExpression: An expression attribute name used in the "
                                           "document path is not defined; attribute name: #q");
    assert_string_equal(proj("a, a", it), "Invalid ProjectionExpression: Two document paths overlap with each other; "
                                          "must remove or rewrite one of these paths; path one: [a], path two: [a]");
    assert_string_equal(proj("m.k, m[0]", it),
                        "Invalid ProjectionExpression: Two document paths conflict with each "
                        "other; must remove or rewrite one of these paths; path one: [m, k], path "
                        "two: [m, [0]]");
    assert_string_equal(proj("a,, b", it), "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",, b\"");
}

static const char *kc(const char *expr, const char *sk, ddb_keycond_t *out)
{
    const char *err = NULL;
    ddb_keycond_t o;
    if (!ddb_keycond_parse(ctx(N, V), str_c(expr), STR("pk"), sk ? str_c(sk) : STR_NULL, out ? out : &o, &err))
        return err;
    return NULL;
}

static void test_key_conditions(void **s)
{
    (void)s;
    ddb_keycond_t k;
    assert_null(kc("pk = :s", NULL, &k));
    assert_int_equal(k.sk_op, DDB_KC_NONE);
    assert_string_equal(ddb_inner(k.pk_value)->u.s.p, "abc");
    assert_null(kc("pk = :s AND sk BETWEEN :n AND :n2", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_BETWEEN);
    assert_string_equal(ddb_inner(k.sk_v2)->u.s.p, "10");
    assert_null(kc(":n > sk AND :s = pk", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_LT);
    assert_null(kc("begins_with(sk, :pre) AND pk = :s", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_BEGINS);
    assert_null(kc("(pk = :s) AND (sk >= :n)", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_GE);
    assert_string_equal(kc("", "sk", NULL), "Invalid KeyConditionExpression: The expression can not be empty;");
    assert_string_equal(kc("sk = :n", "sk", NULL), "Query condition missed key schema element: pk");
    assert_string_equal(kc("pk = :s AND x = :n", "sk", NULL), "Query condition missed key schema element: sk");
    assert_string_equal(kc("pk = :s AND x = :n", NULL, NULL), "Query key condition not supported");
    assert_string_equal(kc("pk > :s", NULL, NULL), "Query key condition not supported");
    assert_string_equal(kc("pk = :s OR sk = :n", "sk", NULL), "Invalid operator used in KeyConditionExpression: OR");
    assert_string_equal(kc("NOT pk = :s", "sk", NULL), "Invalid operator used in KeyConditionExpression: NOT");
    assert_string_equal(kc("pk IN (:s)", "sk", NULL), "Invalid operator used in KeyConditionExpression: IN");
    assert_string_equal(kc("pk <> :s", "sk", NULL), "Invalid operator used in KeyConditionExpression: <>");
    assert_string_equal(kc("attribute_exists(pk)", "sk", NULL),
                        "Invalid operator used in KeyConditionExpression: attribute_exists");
    assert_string_equal(kc("contains(pk, :s)", "sk", NULL),
                        "Invalid operator used in KeyConditionExpression: contains");
    assert_string_equal(kc("pk = :s AND size(sk) > :n", "sk", NULL),
                        "KeyConditionExpressions cannot contain nested operations");
    assert_string_equal(kc("pk = :s AND :n BETWEEN sk AND :n2", "sk", NULL),
                        "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as "
                        "its first operand");
    /* dynalite test/query.js: operands are looked at in order */
    static const char *kcs[][2] = {
        {"size(b) > a AND a.b > b AND b > c", "KeyConditionExpressions cannot contain nested operations"},
        {"a > size(b.d)", "KeyConditionExpressions cannot contain nested operations"},
        {"a between size(b) and size(a)", "KeyConditionExpressions cannot contain nested operations"},
        {"b > a.b", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
        {"b between c[1] and d",
         "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
        {"a between b and size(a)",
         "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
        {"begins_with(a, b)",
         "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
        {"b.d > a AND c.d > e.f", "KeyConditionExpressions cannot have conditions on nested attributes"},
        {"b[0] > a", "KeyConditionExpressions cannot have conditions on nested attributes"},
        {":s between size(b) and size(a) and b > :n", "Invalid condition in KeyConditionExpression: BETWEEN operator "
                                                      "must have the key attribute as its first operand"},
        {"begins_with(:s, b) and a > :n",
         "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first "
         "operand"},
        {"a > b and size(b) > c or a > c", "Invalid operator used in KeyConditionExpression: OR"},
        {"a in (b, size(c), d)", "Invalid operator used in KeyConditionExpression: IN"},
        {"contains(a.d, b)", "Invalid operator used in KeyConditionExpression: contains"},
        {"not a > b", "Invalid operator used in KeyConditionExpression: NOT"},
        {":n > :s AND a < :n", "Invalid condition in KeyConditionExpression: No key attribute specified"},
        {"b > :s AND b < :s and c = :s and d = :s", "KeyConditionExpressions must only contain one condition per key"},
        {"(a > :s and b > :s) and (b > :s and c > :s)",
         "KeyConditionExpressions must only contain one condition per key"},
    };
    for (size_t i = 0; i < sizeof kcs / sizeof *kcs; i++) assert_string_equal(kc(kcs[i][0], "sk", NULL), kcs[i][1]);
    assert_string_equal(kc("pk = sk", "sk", NULL),
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
    assert_string_equal(kc("pk.x = :s", "sk", NULL),
                        "KeyConditionExpressions cannot have conditions on nested attributes");
    assert_string_equal(kc(":s = :s", "sk", NULL),
                        "Invalid condition in KeyConditionExpression: No key attribute specified");
    assert_string_equal(kc("pk = :s AND pk = :s", "sk", NULL),
                        "KeyConditionExpressions must only contain one condition per key");
    assert_string_equal(kc("pk = :s AND begins_with(sk, :n)", "sk", NULL),
                        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
                        "function: begins_with, operand type: N");
    assert_string_equal(
        kc("pk = :s AND sk BETWEEN :n2 AND :n", "sk", NULL),
        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
        "equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: "
        "AttributeValue: {N:5}");
}

/* A KeyConditionExpression against a multi-attribute key: partition key
 * attributes a, b; sort key attributes c, d, e. */
static const char *mkc(const char *expr, ddb_keycond_t *out)
{
    static const str_t key[] = {STR("a"), STR("b"), STR("c"), STR("d"), STR("e")};
    static const ddb_type_t keyt[] = {DDB_S, DDB_N, DDB_S, DDB_N, DDB_S};
    const char *err = NULL;
    ddb_kcs_t k;
    ddb_keycond_t o;
    ddb_ctx_t *c = ctx(N, V);
    if (!ddb_kcs_parse(c, str_c(expr), &k, &err) || !ddb_kcs_split(c, &k, &err) ||
        !ddb_kcs_resolve_keys(A, &k, key, keyt, 5, 2, NULL, NULL, out ? out : &o, &err))
        return err;
    return NULL;
}

static void test_multi_attribute_key_conditions(void **s)
{
    (void)s;
    ddb_keycond_t k;
    assert_null(mkc("a = :s AND b = :n", &k));
    assert_int_equal(k.nhash_v, 2);
    assert_int_equal(k.sk_op, DDB_KC_NONE);
    assert_string_equal(ddb_inner(k.hash_v[1])->u.s.p, "5");
    assert_null(mkc("d > :n AND c = :s AND b = :n AND a = :s", &k));
    assert_int_equal(k.nsort_eq, 1);
    assert_string_equal(ddb_inner(k.sort_eq[0])->u.s.p, "abc");
    assert_int_equal(k.sk_op, DDB_KC_GT);
    assert_string_equal(k.sk_attr.p, "d");
    assert_null(mkc("a = :s AND b = :n AND c = :s AND d = :n AND begins_with(e, :pre)", &k));
    assert_int_equal(k.nsort_eq, 2);
    assert_int_equal(k.sk_op, DDB_KC_BEGINS);
    assert_string_equal(mkc("a = :s", NULL), "Query condition missed key schema element: b");
    assert_string_equal(mkc("a = :s AND b > :n", NULL), "Query key condition not supported");
    assert_string_equal(mkc("a = :s AND b = :n AND d = :n", NULL),
                        "RANGE key attributes c must have equality conditions specified in the query because a "
                        "condition is present on key attribute d");
    assert_string_equal(mkc("a = :s AND b = :n AND c > :s AND d = :n", NULL), "Query key condition not supported");
    assert_string_equal(mkc("a = :s AND b = :n AND c = :s AND x = :n", NULL),
                        "Query condition missed key schema element: d");
    assert_string_equal(mkc("a = :s AND b = :s", NULL),
                        "One or more parameter values were invalid: Condition parameter type does not match schema "
                        "type");
    /* a table's two-attribute key still allows two conditions at most */
    assert_string_equal(kc("pk = :s AND sk = :n AND x = :n", "sk", NULL), "Conditions can be of length 1 or 2 only");
}

static void test_ctx(void **s)
{
    (void)s;
    const char *err;
    ddb_ctx_t *c = ctx("{\"#a\": \"a\", \"#b\": \"b\"}", "{\":a\": {\"S\": \"x\"}, \":b\": {\"S\": \"y\"}, \":c\": "
                                                         "{\"S\": \"z\"}}");
    assert_non_null(ddb_cond_parse(c, STR("#a = :a"), "ConditionExpression", &err));
    assert_string_equal(ddb_ctx_unused(c),
                        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
    assert_non_null(ddb_update_parse(c, STR("SET #b = :b"), &err));
    assert_string_equal(ddb_ctx_unused(c),
                        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}");
    assert_non_null(ddb_proj_parse(c, STR("#a"), &(ddb_proj_t){0}, &err));
    assert_non_null(ddb_cond_parse(c, STR("x = :c"), "ConditionExpression", &err));
    assert_null(ddb_ctx_unused(c));
    c = ctx(NULL, "{\":a\": {\"S\": \"x\"}, \":c\": {\"S\": \"z\"}}");
    assert_string_equal(ddb_ctx_unused(c),
                        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}");
    /* the maps themselves */
    ddb_ctx_t d;
    ddb_ctx_init(&d, A, val_new(A, VAL_MAP), NULL);
    assert_string_equal(ddb_ctx_validate(&d), "ExpressionAttributeNames must not be empty");
    val_t *names = val_new(A, VAL_MAP);
    val_set(A, names, STR("a"), val_cstr(A, "a"));
    ddb_ctx_init(&d, A, names, NULL);
    assert_string_equal(ddb_ctx_validate(&d),
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
    names = val_new(A, VAL_MAP);
    val_set(A, names, STR("#a"), val_cstr(A, ""));
    ddb_ctx_init(&d, A, names, NULL);
    assert_string_equal(ddb_ctx_validate(&d),
                        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a");
    ddb_ctx_init(&d, A, NULL, val_new(A, VAL_MAP));
    assert_string_equal(ddb_ctx_validate(&d), "ExpressionAttributeValues must not be empty");
    ddb_ctx_init(&d, A, NULL, ddbt_item(A, "{\":b\": {\"S\": \"a\"}, \"b\": {\"S\": \"a\"}}"));
    assert_string_equal(ddb_ctx_validate(&d),
                        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"");
    ddb_ctx_init(&d, A, NULL, ddbt_item(A, "{\":b\": {\"SS\": []}}"));
    assert_string_equal(ddb_ctx_validate(&d), "ExpressionAttributeValues contains invalid value: One or more parameter "
                                              "values were invalid: An string set  may not be empty for key :b");
    ddb_ctx_init(&d, A, NULL, ddbt_item(A, "{\":b\": {\"N\": \"b\"}}"));
    assert_string_equal(ddb_ctx_validate(&d), "ExpressionAttributeValues contains invalid value: The parameter cannot "
                                              "be converted to a numeric value: b for key :b");
}

static void test_refers(void **s)
{
    (void)s;
    const char *err;
    ddb_cond_t *c = ddb_cond_parse(ctx(N, V), STR("a.b = :n AND size(#c) > :n"), "FilterExpression", &err);
    assert_non_null(c);
    bool nested = false;
    assert_true(ddb_cond_refers(c, STR("a"), &nested));
    assert_true(nested);
    nested = false;
    assert_true(ddb_cond_refers(c, STR("c"), &nested));
    assert_false(nested);
    assert_false(ddb_cond_refers(c, STR("b"), NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cond_syntax),
        cmocka_unit_test(test_cond_semantic_errors),
        cmocka_unit_test(test_cond_eval),
        cmocka_unit_test(test_cond_types),
        cmocka_unit_test(test_update_parse_errors),
        cmocka_unit_test(test_update_apply),
        cmocka_unit_test(test_update_paths),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_multi_attribute_key_conditions),
        cmocka_unit_test(test_key_conditions),
        cmocka_unit_test(test_ctx),
        cmocka_unit_test(test_refers),
    };
    return cmocka_run_group_tests(tests, ddbt_setup, ddbt_teardown);
}
