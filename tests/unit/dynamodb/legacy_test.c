/* legacy_test.c — the pre-expression parameters (Expected, QueryFilter/
 * ScanFilter, AttributeUpdates, AttributesToGet, KeyConditions): AWS's
 * messages and the same evaluation as expressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ddbtest.h"

static ddb_ctx_t C;

static int setup(void **s)
{
    ddbt_setup(s);
    ddb_ctx_init(&C, A, NULL, NULL);
    return 0;
}

/* A legacy parameter from JSON: members named as AWS names them, values
 * as AttributeValues wherever AWS puts one. */
static val_t *conv(const json_t *j);

static val_t *conv_obj(const json_t *j, bool struct_kind)
{
    val_t *o = val_new(A, struct_kind ? VAL_STRUCT : VAL_MAP);
    for (size_t i = 0; i < j->u.obj.n; i++) {
        str_t k = j->u.obj.k[i];
        const json_t *v = j->u.obj.v[i];
        val_t *x;
        if (str_eq_c(k, "Value"))
            x = ddbt_av_json(A, v);
        else if (str_eq_c(k, "AttributeValueList")) {
            x = val_new(A, VAL_LIST);
            for (size_t e = 0; e < v->u.arr.n; e++) val_push(A, x, ddbt_av_json(A, v->u.arr.v[e]));
        } else
            x = conv(v);
        val_set(A, o, k, x);
    }
    return o;
}

static val_t *conv(const json_t *j)
{
    switch (j->type) {
    case JSON_OBJECT: return conv_obj(j, true);
    case JSON_STRING: return val_str(A, j->u.s);
    case JSON_BOOL: return val_bool(A, j->u.b);
    case JSON_ARRAY: {
        val_t *l = val_new(A, VAL_LIST);
        for (size_t i = 0; i < j->u.arr.n; i++) val_push(A, l, conv(j->u.arr.v[i]));
        return l;
    }
    default: return val_new(A, VAL_NULL);
    }
}

/* {"attr": {...}, ...} -> map of attr -> struct */
static val_t *param(const char *text)
{
    json_t *j = json_parse(A, str_c(text), NULL);
    assert_non_null(j);
    val_t *m = val_new(A, VAL_MAP);
    for (size_t i = 0; i < j->u.obj.n; i++) val_set(A, m, j->u.obj.k[i], conv_obj(j->u.obj.v[i], true));
    return m;
}

static const char *exp_err(const char *expected)
{
    const char *err = NULL;
    ddb_cond_t *c = ddb_legacy_expected(&C, param(expected), STR_NULL, &err);
    return c ? NULL : err;
}

#define PFX "One or more parameter values were invalid: "

static void test_expected_errors(void **s)
{
    (void)s;
    assert_string_equal(exp_err("{\"a\": {}}"), PFX "Value must be provided when Exists is null for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"Exists\": true}}"),
                        PFX "Value must be provided when Exists is true for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"Exists\": false, \"Value\": {\"S\": \"a\"}}}"),
                        PFX "Value cannot be used when Exists is false for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"Value\": {\"S\": \"a\"}, \"AttributeValueList\": [{\"S\": \"a\"}]}}"),
                        PFX "Value and AttributeValueList cannot be used together for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"Exists\": true, \"ComparisonOperator\": \"NULL\"}}"),
                        PFX "Exists and ComparisonOperator cannot be used together for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"ComparisonOperator\": \"EQ\"}}"),
                        PFX "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a");
    assert_string_equal(exp_err("{\"a\": {\"AttributeValueList\": [{\"S\": \"a\"}]}}"),
                        PFX "AttributeValueList can only be used with a ComparisonOperator for Attribute: a");
    static const char *counts[][2] = {{"EQ", "[]"},
                                      {"NE", "[{\"S\": \"a\"}, {\"S\": \"b\"}]"},
                                      {"LT", "[]"},
                                      {"LE", "[]"},
                                      {"GT", "[]"},
                                      {"GE", "[]"},
                                      {"NULL", "[{\"S\": \"a\"}]"},
                                      {"NOT_NULL", "[{\"S\": \"a\"}]"},
                                      {"CONTAINS", "[]"},
                                      {"NOT_CONTAINS", "[]"},
                                      {"BEGINS_WITH", "[]"},
                                      {"IN", "[]"},
                                      {"BETWEEN", "[{\"S\": \"a\"}]"}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        char in[200], want[200];
        snprintf(in, sizeof in, "{\"a\": {\"ComparisonOperator\": \"%s\", \"AttributeValueList\": %s}}", counts[i][0],
                 counts[i][1]);
        snprintf(want, sizeof want, PFX "Invalid number of argument(s) for the %s ComparisonOperator", counts[i][0]);
        assert_string_equal(exp_err(in), want);
    }
    assert_string_equal(
        exp_err("{\"a\": {\"ComparisonOperator\": \"IN\", \"AttributeValueList\": [{\"S\": \"a\"}, {\"N\": \"1\"}]}}"),
        PFX "AttributeValues inside AttributeValueList must be of same type");
    assert_string_equal(
        exp_err("{\"a\": {\"ComparisonOperator\": \"LT\", \"AttributeValueList\": [{\"SS\": [\"a\"]}]}}"),
        PFX "ComparisonOperator LT is not valid for SS AttributeValue type");
    assert_string_equal(exp_err("{\"a\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"Value\": {\"N\": \"1\"}}}"),
                        PFX "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
    assert_string_equal(
        exp_err("{\"a\": {\"ComparisonOperator\": \"BETWEEN\", \"AttributeValueList\": [{\"N\": \"2\"}, "
                "{\"N\": \"1\"}]}}"),
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
    assert_string_equal(exp_err("{\"a\": {\"Value\": {\"SS\": []}}}"), PFX "An string set  may not be empty");
    assert_string_equal(exp_err("{\"a\": {\"ComparisonOperator\": \"EQ\", \"Value\": {\"N\": \"x\"}}}"),
                        "The parameter cannot be converted to a numeric value: x");
}

static int exp_eval(const char *expected, const char *op, const char *item)
{
    const char *err = NULL;
    ddb_cond_t *c = ddb_legacy_expected(&C, param(expected), op ? str_c(op) : STR_NULL, &err);
    if (!c) fail_msg("%s: %s", expected, err);
    val_t *it = item ? ddbt_item(A, item) : NULL;
    if (it) assert_null(ddb_validate_item(A, it));
    return ddb_cond_eval(&C, c, it, &err);
}

static void test_expected_eval(void **s)
{
    (void)s;
    const char *it =
        "{\"a\": {\"N\": \"5\"}, \"s\": {\"S\": \"hello\"}, \"ss\": {\"SS\": [\"x\", \"y\"]}, \"l\": {\"L\": "
        "[{\"S\": \"x\"}]}, \"b\": {\"B\": \"bin\"}}";
    assert_true(exp_eval("{\"a\": {\"Value\": {\"N\": \"5.0\"}}}", NULL, it));
    assert_false(exp_eval("{\"a\": {\"Value\": {\"N\": \"6\"}}}", NULL, it));
    assert_true(exp_eval("{\"q\": {\"Exists\": false}}", NULL, it));
    assert_false(exp_eval("{\"a\": {\"Exists\": false}}", NULL, it));
    assert_true(exp_eval("{\"a\": {\"Exists\": true, \"Value\": {\"N\": \"5\"}}}", NULL, it));
#define OPV(op, v) "{\"a\": {\"ComparisonOperator\": \"" op "\", \"AttributeValueList\": [" v "]}}"
    assert_true(exp_eval(OPV("EQ", "{\"N\": \"5\"}"), NULL, it));
    assert_true(exp_eval(OPV("NE", "{\"N\": \"4\"}"), NULL, it));
    assert_true(exp_eval(OPV("NE", "{\"S\": \"5\"}"), NULL, it));
    assert_true(exp_eval(OPV("LE", "{\"N\": \"5\"}"), NULL, it));
    assert_false(exp_eval(OPV("LT", "{\"N\": \"5\"}"), NULL, it));
    assert_true(exp_eval(OPV("GE", "{\"N\": \"5\"}"), NULL, it));
    assert_true(exp_eval(OPV("GT", "{\"N\": \"-5\"}"), NULL, it));
    assert_false(exp_eval(OPV("GT", "{\"S\": \"a\"}"), NULL, it));
    assert_true(exp_eval(OPV("IN", "{\"N\": \"1\"}, {\"N\": \"5\"}"), NULL, it));
    assert_false(exp_eval(OPV("IN", "{\"N\": \"1\"}, {\"N\": \"2\"}"), NULL, it));
    assert_true(exp_eval(OPV("BETWEEN", "{\"N\": \"5\"}, {\"N\": \"6\"}"), NULL, it));
    assert_false(exp_eval(OPV("BETWEEN", "{\"N\": \"6\"}, {\"N\": \"7\"}"), NULL, it));
    assert_true(exp_eval(OPV("NOT_NULL", ""), NULL, it));
    assert_false(exp_eval(OPV("NULL", ""), NULL, it));
    assert_true(exp_eval("{\"zz\": {\"ComparisonOperator\": \"NULL\"}}", NULL, it));
    assert_true(exp_eval("{\"zz\": {\"ComparisonOperator\": \"NE\", \"Value\": {\"N\": \"1\"}}}", NULL, it));
    assert_false(exp_eval("{\"zz\": {\"ComparisonOperator\": \"EQ\", \"Value\": {\"N\": \"1\"}}}", NULL, it));
    assert_true(exp_eval("{\"s\": {\"ComparisonOperator\": \"CONTAINS\", \"Value\": {\"S\": \"ell\"}}}", NULL, it));
    assert_true(exp_eval("{\"ss\": {\"ComparisonOperator\": \"CONTAINS\", \"Value\": {\"S\": \"y\"}}}", NULL, it));
    assert_true(exp_eval("{\"l\": {\"ComparisonOperator\": \"CONTAINS\", \"Value\": {\"S\": \"x\"}}}", NULL, it));
    assert_true(exp_eval("{\"ss\": {\"ComparisonOperator\": \"NOT_CONTAINS\", \"Value\": {\"S\": \"z\"}}}", NULL, it));
    /* AWS: a missing attribute satisfies neither CONTAINS nor NOT_CONTAINS */
    assert_false(exp_eval("{\"zz\": {\"ComparisonOperator\": \"NOT_CONTAINS\", \"Value\": {\"S\": \"z\"}}}", NULL, it));
    assert_true(exp_eval("{\"s\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"Value\": {\"S\": \"he\"}}}", NULL, it));
    assert_true(exp_eval("{\"b\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"Value\": {\"B\": \"bi\"}}}", NULL, it));
    assert_false(exp_eval("{\"s\": {\"ComparisonOperator\": \"BEGINS_WITH\", \"Value\": {\"S\": \"lo\"}}}", NULL, it));
    /* ConditionalOperator */
    const char *two = "{\"a\": {\"Value\": {\"N\": \"5\"}}, \"s\": {\"Value\": {\"S\": \"nope\"}}}";
    assert_false(exp_eval(two, NULL, it));
    assert_false(exp_eval(two, "AND", it));
    assert_true(exp_eval(two, "OR", it));
    /* no item at all */
    assert_true(exp_eval("{\"a\": {\"Exists\": false}}", NULL, NULL));
    assert_false(exp_eval("{\"a\": {\"Value\": {\"N\": \"5\"}}}", NULL, NULL));
    assert_true(exp_eval("{}", NULL, NULL));
}

static void test_filter(void **s)
{
    (void)s;
    const char *err;
    val_t *f = param("{\"a\": {\"ComparisonOperator\": \"GT\", \"AttributeValueList\": [{\"N\": \"1\"}]}, \"b\": "
                     "{\"ComparisonOperator\": \"NOT_NULL\"}}");
    ddb_cond_t *c = ddb_legacy_filter(&C, f, STR_NULL, "QueryFilter", &err);
    assert_non_null(c);
    assert_true(ddb_cond_eval(&C, c, ddbt_item(A, "{\"a\": {\"N\": \"2\"}, \"b\": {\"S\": \"\"}}"), &err));
    assert_false(ddb_cond_eval(&C, c, ddbt_item(A, "{\"a\": {\"N\": \"2\"}}"), &err));
    c = ddb_legacy_filter(&C, f, STR("OR"), "ScanFilter", &err);
    assert_true(ddb_cond_eval(&C, c, ddbt_item(A, "{\"a\": {\"N\": \"2\"}}"), &err));
    assert_null(
        ddb_legacy_filter(&C, param("{\"a\": {\"ComparisonOperator\": \"EQ\"}}"), STR_NULL, "ScanFilter", &err));
    assert_string_equal(err, PFX "Invalid number of argument(s) for the EQ ComparisonOperator");
    assert_null(ddb_legacy_filter(&C, param("{\"a\": {\"ComparisonOperator\": \"EQ\", \"AttributeValueList\": [{}]}}"),
                                  STR_NULL, "ScanFilter", &err));
    assert_string_equal(err, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    assert_true(ddb_legacy_filter(&C, val_new(A, VAL_MAP), STR_NULL, "ScanFilter", &err) != NULL);
}

static const char *lupd(const char *updates, const char *item, const char **errp)
{
    const char *err = NULL;
    ddb_update_t *u = ddb_legacy_updates(&C, param(updates), &err);
    if (!u) {
        if (errp) *errp = err;
        return NULL;
    }
    val_t *r = ddb_update_apply(&C, u, item ? ddbt_item(A, item) : NULL, &err);
    if (errp) *errp = err;
    return r ? ddbt_item_str(A, r) : NULL;
}

static void test_attribute_updates(void **s)
{
    (void)s;
    const char *err;
    assert_string_equal(lupd("{\"a\": {\"Value\": {\"S\": \"x\"}}}", NULL, NULL), "{\"a\": {\"S\": \"x\"}}");
    assert_string_equal(
        lupd("{\"a\": {\"Action\": \"PUT\", \"Value\": {\"N\": \"01\"}}}", "{\"a\": {\"S\": \"x\"}}", NULL),
        "{\"a\": {\"N\": \"1\"}}");
    assert_string_equal(
        lupd("{\"a\": {\"Action\": \"DELETE\"}}", "{\"a\": {\"S\": \"x\"}, \"b\": {\"S\": \"y\"}}", NULL),
        "{\"b\": {\"S\": \"y\"}}");
    assert_string_equal(lupd("{\"a\": {\"Action\": \"DELETE\", \"Value\": {\"SS\": [\"x\"]}}}",
                             "{\"a\": {\"SS\": [\"x\", \"y\"]}}", NULL),
                        "{\"a\": {\"SS\": [\"y\"]}}");
    assert_string_equal(
        lupd("{\"a\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"2\"}}}", "{\"a\": {\"N\": \"3\"}}", NULL),
        "{\"a\": {\"N\": \"5\"}}");
    assert_string_equal(lupd("{\"a\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"2\"}}}", NULL, NULL),
                        "{\"a\": {\"N\": \"2\"}}");
    assert_string_equal(lupd("{\"l\": {\"Action\": \"ADD\", \"Value\": {\"L\": [{\"S\": \"b\"}]}}}",
                             "{\"l\": {\"L\": [{\"S\": \"a\"}]}}", NULL),
                        "{\"l\": {\"L\": [{\"S\": \"a\"}, {\"S\": \"b\"}]}}");
    assert_string_equal(lupd("{\"a\": {\"Action\": \"ADD\", \"Value\": {\"NS\": [\"1\"]}}}", NULL, NULL),
                        "{\"a\": {\"NS\": [\"1\"]}}");
    assert_null(lupd("{\"a\": {\"Action\": \"PUT\"}}", NULL, &err));
    assert_string_equal(err, PFX "Only DELETE action is allowed when no attribute value is specified");
    assert_null(lupd("{\"a\": {\"Action\": \"DELETE\", \"Value\": {\"S\": \"x\"}}}", NULL, &err));
    assert_string_equal(err, PFX "DELETE action with value is not supported for the type S");
    assert_null(lupd("{\"a\": {\"Action\": \"ADD\", \"Value\": {\"B\": \"x\"}}}", NULL, &err));
    assert_string_equal(err, PFX "ADD action is not supported for the type B");
    assert_null(lupd("{\"a\": {\"Action\": \"ADD\", \"Value\": {\"SS\": [\"x\", \"x\"]}}}", NULL, &err));
    assert_string_equal(err, PFX "Input collection [x, x] contains duplicates.");
    /* AWS: type clashes at run time have the legacy message */
    assert_null(
        lupd("{\"b\": {\"Action\": \"DELETE\", \"Value\": {\"NS\": [\"1\"]}}}", "{\"b\": {\"SS\": [\"1\"]}}", &err));
    assert_string_equal(err, "Type mismatch for attribute to update");
    assert_null(lupd("{\"d\": {\"Action\": \"ADD\", \"Value\": {\"N\": \"1\"}}}", "{\"d\": {\"NS\": [\"1\"]}}", &err));
    assert_string_equal(err, "Type mismatch for attribute to update");
    ddb_update_t *u = ddb_legacy_updates(&C, param("{\"x\": {\"Value\": {\"S\": \"1\"}}}"), &err);
    assert_true(ddb_update_touches(u, STR("x")));
    assert_false(ddb_update_touches(u, STR("y")));
}

static void test_attrs_to_get(void **s)
{
    (void)s;
    val_t *l = val_new(A, VAL_LIST);
    val_push(A, l, val_cstr(A, "a"));
    val_push(A, l, val_cstr(A, "m"));
    ddb_proj_t p;
    assert_true(ddb_legacy_attrs_to_get(&C, l, &p));
    assert_int_equal(p.n, 2);
    val_t *r =
        ddb_proj_apply(A, &p, ddbt_item(A, "{\"a\": {\"N\": \"1\"}, \"b\": {\"N\": \"2\"}, \"m\": {\"M\": {}}}"));
    assert_string_equal(ddbt_item_str(A, r), "{\"a\": {\"N\": \"1\"}, \"m\": {\"M\": {}}}");
    assert_null(ddb_legacy_attrs_check(&C, l));
    val_push(A, l, val_cstr(A, "a"));
    assert_string_equal(ddb_legacy_attrs_check(&C, l), PFX "Duplicate value in attribute name: a");
    assert_false(ddb_legacy_attrs_to_get(&C, l, &p));
    /* an empty name is refused before duplicates are looked for */
    val_push(A, l, val_cstr(A, ""));
    assert_string_equal(ddb_legacy_attrs_check(&C, l), PFX "Empty attribute name");
}

static const char *lkc(const char *kc, const char *sk, ddb_keycond_t *out)
{
    const char *err = NULL;
    ddb_keycond_t o;
    if (ddb_legacy_key_conditions(&C, param(kc), STR("pk"), sk ? str_c(sk) : STR_NULL, out ? out : &o, &err))
        return NULL;
    return err;
}

static void test_key_conditions(void **s)
{
    (void)s;
    ddb_keycond_t k;
#define KC(attr, op, v) "\"" attr "\": {\"ComparisonOperator\": \"" op "\", \"AttributeValueList\": [" v "]}"
    assert_null(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") "}", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_NONE);
    assert_null(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") ", " KC("sk", "BETWEEN", "{\"N\": \"1\"}, {\"N\": \"2\"}") "}",
                    "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_BETWEEN);
    assert_string_equal(ddb_inner(k.sk_v2)->u.s.p, "2");
    assert_null(lkc("{" KC("sk", "BEGINS_WITH", "{\"S\": \"p\"}") ", " KC("pk", "EQ", "{\"S\": \"a\"}") "}", "sk", &k));
    assert_int_equal(k.sk_op, DDB_KC_BEGINS);
    assert_string_equal(lkc("{}", "sk", NULL), "Conditions can be of length 1 or 2 only");
    assert_string_equal(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") ", " KC("sk", "EQ", "{\"S\": \"a\"}") ", " KC(
                                "x", "EQ", "{\"S\": \"a\"}") "}",
                            "sk", NULL),
                        "Conditions can be of length 1 or 2 only");
    assert_string_equal(lkc("{" KC("sk", "EQ", "{\"S\": \"a\"}") "}", "sk", NULL),
                        "Query condition missed key schema element: pk");
    assert_string_equal(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") ", " KC("x", "EQ", "{\"S\": \"a\"}") "}", "sk", NULL),
                        "Query condition missed key schema element: sk");
    assert_string_equal(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") ", " KC("x", "EQ", "{\"S\": \"a\"}") "}", NULL, NULL),
                        "Query key condition not supported");
    assert_string_equal(lkc("{" KC("pk", "GT", "{\"S\": \"a\"}") "}", NULL, NULL), "Query key condition not supported");
    assert_string_equal(lkc("{" KC("pk", "NE", "{\"S\": \"a\"}") "}", NULL, NULL),
                        "Attempted conditional constraint is not an indexable operation");
    assert_string_equal(lkc("{" KC("pk", "EQ", "{\"S\": \"a\"}") ", " KC("sk", "IN", "{\"S\": \"a\"}") "}", "sk", NULL),
                        "Attempted conditional constraint is not an indexable operation");
    assert_string_equal(lkc("{" KC("pk", "EQ", "") "}", "sk", NULL),
                        PFX "Invalid number of argument(s) for the EQ ComparisonOperator");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_errors), cmocka_unit_test(test_expected_eval),
        cmocka_unit_test(test_filter),          cmocka_unit_test(test_attribute_updates),
        cmocka_unit_test(test_attrs_to_get),    cmocka_unit_test(test_key_conditions),
    };
    return cmocka_run_group_tests(tests, setup, ddbt_teardown);
}
