/* sns_test.c — SNS in process: the filter policy language (validation
 * messages and matching, filter.c) case by case, and the calls other
 * services make (sns.h): sns_allows against default and custom topic
 * policies, and sns_publish_internal fanning out to an SMS subscription,
 * with topics made through the whole pipeline (query over the loopback
 * harness). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness/loopback.h"
#include "services/sns/sns.h"
#include "services/sns/sns_int.h"

/* ==== Filter policies ==== */

static const char *validate(const char *policy, bool body)
{
    static char msg[512];
    arena_t *a = arena_new(0);
    const char *err = NULL;
    int rc = sns__filter_validate(a, str_c(policy), body, "Invalid parameter: ", &err);
    snprintf(msg, sizeof msg, "%s", rc == GR_OK ? "OK" : err ? err : "(no message)");
    arena_free(a);
    return msg;
}

static void test_filter_validation(void **state)
{
    (void)state;
    static const struct {
        const char *policy;
        bool body;
        const char *want;
    } cases[] = {
        {"{\"a\":[\"x\",1,true,null]}", false, "OK"},
        {"{\"a\":{\"b\":[{\"prefix\":\"p\"}]}}", true, "OK"},
        {"{\"$or\":[{\"a\":[\"x\"]},{\"b\":[\"y\"]}]}", false, "OK"},
        {"{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", false, "OK"},
        {"not json", false, "Invalid parameter: FilterPolicy: failed to parse JSON."},
        {"{\"a\":\"x\"}", false, "Invalid parameter: FilterPolicy: \"a\" must be an object or an array"},
        {"{\"a\":[]}", false, "Invalid parameter: FilterPolicy: Empty arrays are not allowed"},
        {"{\"a\":[[1]]}", false,
         "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null"},
        {"{\"a\":[{\"prefix\":1}]}", false, "Invalid parameter: FilterPolicy: prefix match pattern must be a string"},
        {"{\"a\":[{\"prefix\":\"x\",\"suffix\":\"y\"}]}", false,
         "Invalid parameter: FilterPolicy: Only one key allowed in match expression"},
        {"{\"a\":[{\"anything-but\":{\"exists\":true}}]}", false,
         "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: exists"},
        {"{\"a\":[{\"numeric\":[\"<>\",1]}]}", false,
         "Invalid parameter: FilterPolicy: Unrecognized numeric range operator: <>"},
        {"{\"a\":[{\"numeric\":[\"=\",\"x\"]}]}", false,
         "Invalid parameter: FilterPolicy: Value of equals must be numeric"},
        {"{\"a\":[{\"numeric\":[\"<\",1,\"<\",2]}]}", false,
         "Invalid parameter: FilterPolicy: Too many elements in numeric expression"},
        {"{\"a\":[{\"numeric\":[\">\",1,\">\",2]}]}", false,
         "Invalid parameter: FilterPolicy: Bad numeric range operator: >"},
        {"{\"a\":[{\"numeric\":[\">\",3,\"<\",2]}]}", false,
         "Invalid parameter: FilterPolicy: Bottom must be less than top"},
        {"{\"a\":[{\"cidr\":\"10.0.0.0\"}]}", false,
         "Invalid parameter: FilterPolicy: Malformed CIDR, one '/' required"},
        {"{\"a\":[{\"cidr\":\"10.0.0.999/8\"}]}", false,
         "Invalid parameter: FilterPolicy: Nonstandard IP address: 10.0.0.999"},
        {"{\"a\":[{\"regex\":\"x\"}]}", false, "Invalid parameter: FilterPolicy: Unrecognized match type regex"},
        {"{\"a\":{\"b\":[\"c\"]}}", false,
         "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"},
        {"{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}", false,
         "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"},
        {"{\"a\":[1,2,3,4,5,6],\"b\":[1,2,3,4,5],\"c\":[1,2,3,4,5,6]}", false,
         "Invalid parameter: FilterPolicy: Filter policy is too complex"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(validate(cases[i].policy, cases[i].body), cases[i].want);
}

/* attrs: "name=Type:value;..." */
static bool match(const char *policy, bool body, const char *attrs, const char *message)
{
    arena_t *a = arena_new(0);
    val_t *m = val_new(a, VAL_MAP);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", attrs ? attrs : "");
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '='), *colon = eq ? strchr(eq, ':') : NULL;
        assert_non_null(colon);
        *eq = *colon = 0;
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "DataType", val_strdup(a, str_c(eq + 1)));
        val_set_c(a, v, "StringValue", val_strdup(a, str_c(colon + 1)));
        val_set(a, m, val_strdup(a, str_c(tok))->u.s, v);
    }
    assert_string_equal(validate(policy, body), "OK");
    bool ok = sns__filter_match(a, str_c(policy), body, m, str_c(message ? message : ""));
    arena_free(a);
    return ok;
}

static void test_filter_matching(void **state)
{
    (void)state;
    /* exact strings and numbers, and the attribute types they meet */
    assert_true(match("{\"c\":[\"red\",\"blue\"]}", false, "c=String:blue", NULL));
    assert_false(match("{\"c\":[\"red\"]}", false, "c=String:green", NULL));
    assert_false(match("{\"c\":[\"red\"]}", false, "", NULL));
    assert_true(match("{\"n\":[5]}", false, "n=Number:5.0", NULL));
    assert_false(match("{\"n\":[5]}", false, "n=String:5", NULL));
    /* every key must match */
    assert_false(match("{\"a\":[\"x\"],\"b\":[\"y\"]}", false, "a=String:x", NULL));
    assert_true(match("{\"a\":[\"x\"],\"b\":[\"y\"]}", false, "a=String:x;b=String:y", NULL));
    /* operators */
    assert_true(match("{\"s\":[{\"prefix\":\"ab\"}]}", false, "s=String:abc", NULL));
    assert_true(match("{\"s\":[{\"suffix\":\"bc\"}]}", false, "s=String:abc", NULL));
    assert_true(match("{\"s\":[{\"equals-ignore-case\":\"ABC\"}]}", false, "s=String:aBc", NULL));
    assert_true(match("{\"s\":[{\"anything-but\":\"x\"}]}", false, "s=String:y", NULL));
    assert_false(match("{\"s\":[{\"anything-but\":\"x\"}]}", false, "", NULL));
    assert_false(match("{\"s\":[{\"anything-but\":{\"prefix\":\"ab\"}}]}", false, "s=String:abc", NULL));
    assert_true(match("{\"s\":[{\"anything-but\":{\"suffix\":\"z\"}}]}", false, "s=String:abc", NULL));
    assert_true(match("{\"s\":[{\"anything-but\":[1,2]}]}", false, "s=Number:3", NULL));
    assert_true(match("{\"p\":[{\"numeric\":[\">=\",10,\"<\",20]}]}", false, "p=Number:10", NULL));
    assert_false(match("{\"p\":[{\"numeric\":[\">=\",10,\"<\",20]}]}", false, "p=Number:20", NULL));
    assert_true(match("{\"p\":[{\"numeric\":[\"=\",3.5]}]}", false, "p=Number:3.50", NULL));
    assert_true(match("{\"k\":[{\"exists\":true}]}", false, "k=String:", NULL));
    assert_true(match("{\"k\":[{\"exists\":false}]}", false, "j=String:x", NULL));
    assert_true(match("{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", false, "ip=String:10.0.0.7", NULL));
    assert_false(match("{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", false, "ip=String:10.0.1.7", NULL));
    /* String.Array: any element */
    assert_true(match("{\"t\":[\"b\"]}", false, "t=String.Array:[\"a\",\"b\"]", NULL));
    assert_true(match("{\"t\":[{\"numeric\":[\">\",1]}]}", false, "t=String.Array:[0,2]", NULL));
    /* $or */
    assert_true(match("{\"$or\":[{\"a\":[\"x\"]},{\"b\":[\"y\"]}]}", false, "b=String:y", NULL));
    assert_false(match("{\"$or\":[{\"a\":[\"x\"]},{\"b\":[\"y\"]}]}", false, "b=String:z", NULL));
    /* message body: nesting, arrays, null and booleans */
    assert_true(match("{\"a\":{\"b\":[1]}}", true, NULL, "{\"a\":{\"b\":1}}"));
    assert_true(match("{\"a\":{\"b\":[1]}}", true, NULL, "{\"a\":[{\"b\":2},{\"b\":1}]}"));
    assert_false(match("{\"a\":{\"b\":[1]}}", true, NULL, "{\"a\":{\"c\":1}}"));
    assert_true(match("{\"a\":[null]}", true, NULL, "{\"a\":null}"));
    assert_true(match("{\"a\":[true]}", true, NULL, "{\"a\":true}"));
    assert_false(match("{\"a\":[\"true\"]}", true, NULL, "{\"a\":true}"));
    assert_false(match("{\"a\":[\"x\"]}", true, NULL, "not json"));
    assert_true(match("{\"a\":{\"$or\":[{\"b\":[1]},{\"c\":[2]}]}}", true, NULL, "{\"a\":{\"c\":2}}"));
}

/* ==== Calls from other services ==== */

#define FORM "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
#define TOPIC "arn:aws:sns:us-east-1:000000000000:"

static void sns_call(const char *body)
{
    lb_call_t c = {.body = body, .headers = {FORM}, .service = "sns"};
    req_t *r = loopback_call(lb, &c);
    str_t b = buf_str(&r->resp.body);
    if (r->resp.status != 200) fail_msg("status %d: %.*s", r->resp.status, (int)b.len, b.p);
    arena_free(r->arena);
}

static void test_allows(void **state)
{
    (void)state;
    sns_call("Action=CreateTopic&Version=2010-03-31&Name=pol");
    arena_t *a = arena_new(0);
    str_t t = STR(TOPIC "pol");
    str_t rule = STR("arn:aws:events:us-east-1:000000000000:rule/r1");
    /* the owner's principals by ownership; another account or a service only by policy */
    assert_true(sns_allows(&lb->app, a, t, STR("arn:aws:iam::000000000000:user/u"), "sns:Publish", STR_NULL));
    assert_false(sns_allows(&lb->app, a, t, STR("arn:aws:iam::111122223333:root"), "sns:Publish", STR_NULL));
    assert_false(sns_allows(&lb->app, a, t, STR("events.amazonaws.com"), "sns:Publish", rule));
    assert_false(sns_allows(&lb->app, a, STR(TOPIC "missing"), STR("events.amazonaws.com"), "sns:Publish", rule));
    sns_call("Action=SetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Apol"
             "&AttributeName=Policy&AttributeValue=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
             "%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22events.amazonaws.com%22%7D%2C"
             "%22Action%22%3A%22sns%3APublish%22%2C%22Resource%22%3A%22*%22%2C%22Condition%22%3A%7B%22ArnEquals"
             "%22%3A%7B%22aws%3ASourceArn%22%3A%22arn%3Aaws%3Aevents%3Aus-east-1%3A000000000000%3Arule%2Fr1%22"
             "%7D%7D%7D%5D%7D");
    assert_true(sns_allows(&lb->app, a, t, STR("events.amazonaws.com"), "sns:Publish", rule));
    assert_false(sns_allows(&lb->app, a, t, STR("events.amazonaws.com"), "sns:Publish",
                            STR("arn:aws:events:us-east-1:000000000000:rule/other")));
    assert_false(sns_allows(&lb->app, a, t, STR("s3.amazonaws.com"), "sns:Publish", rule));
    arena_free(a);
}

static void test_publish_internal(void **state)
{
    (void)state;
    sns_call("Action=CreateTopic&Version=2010-03-31&Name=inner");
    sns_call("Action=Subscribe&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Ainner"
             "&Protocol=sms&Endpoint=%2B15555550123");
    arena_t *a = arena_new(0);
    str_t mid = STR_NULL;
    const char *err = NULL;
    assert_int_equal(sns_publish_internal(&lb->app, a, STR(TOPIC "inner"), STR("subj"), STR("from rule"), NULL,
                                          STR_NULL, STR_NULL, &mid, &err),
                     GR_OK);
    assert_int_equal(mid.len, 36);
    assert_int_equal(
        sns_publish_internal(&lb->app, a, STR(TOPIC "nope"), STR_NULL, STR("x"), NULL, STR_NULL, STR_NULL, &mid, &err),
        GR_ERR);
    assert_string_equal(err, "Topic does not exist");
    assert_int_equal(
        sns_publish_internal(&lb->app, a, STR(TOPIC "inner"), STR_NULL, STR(""), NULL, STR_NULL, STR_NULL, &mid, &err),
        GR_ERR);
    assert_string_equal(err, "Invalid parameter: Empty message");
    arena_free(a);
    /* the SMS is in the outbox, as GET /_gureum/sns/sms shows it */
    lb_call_t c = {.method = "GET", .path = "/_gureum/sns/sms", .query = "phoneNumber=%2B15555550123"};
    req_t *r = loopback_call(lb, &c);
    str_t b = buf_str(&r->resp.body);
    assert_int_equal(r->resp.status, 200);
    char text[2048];
    snprintf(text, sizeof text, "%.*s", (int)b.len, b.p);
    assert_non_null(strstr(text, "\"message\":\"from rule\""));
    assert_non_null(strstr(text, "\"topicArn\":\"" TOPIC "inner\""));
    arena_free(r->arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_validation),
        cmocka_unit_test(test_filter_matching),
        cmocka_unit_test(test_allows),
        cmocka_unit_test(test_publish_internal),
    };
    return cmocka_run_group_tests(tests, loopback_setup, loopback_teardown);
}
