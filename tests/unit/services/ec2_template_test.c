/* ec2_template_test.c — ec2_template_resolve, the C interface Auto Scaling
 * asks about launch templates: a template made through the whole pipeline
 * (CreateLaunchTemplate, CreateLaunchTemplateVersion, ModifyLaunchTemplate)
 * is found by id and by name, the version answered as asked ("$Default"
 * when none is), and a template, version, account or region that does not
 * exist is 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness/loopback.h"
#include "services/ec2/ec2.h"

#define FORM "Content-Type: application/x-www-form-urlencoded; charset=utf-8"

/* Runs an EC2 query request that must answer 200; the text of the first
 * <tag>…</tag> of its answer (or "") copied into out. */
static void ec2_ok(const char *body, const char *tag, char *out, size_t n)
{
    lb_call_t c = {.body = body, .headers = {FORM}, .service = "ec2"};
    req_t *r = loopback_call(lb, &c);
    const char *text = buf_str(&r->resp.body).p;
    if (r->resp.status != 200) fail_msg("status %d: %s", r->resp.status, text);
    out[0] = 0;
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *b = strstr(text, open), *e = b ? strstr(b, close) : NULL;
    if (b && e && (size_t)(e - b - strlen(open)) < n) {
        memcpy(out, b + strlen(open), (size_t)(e - b - strlen(open)));
        out[e - b - strlen(open)] = 0;
    }
    arena_free(r->arena);
}

static void test_resolve(void **state)
{
    (void)state;
    char id[64], scratch[64];
    ec2_ok("Action=CreateLaunchTemplate&Version=2016-11-15&LaunchTemplateName=asg-tmpl"
           "&LaunchTemplateData.InstanceType=t3.micro",
           "launchTemplateId", id, sizeof id);
    assert_int_equal(20, strlen(id));
    ec2_ok("Action=CreateLaunchTemplateVersion&Version=2016-11-15&LaunchTemplateName=asg-tmpl"
           "&LaunchTemplateData.InstanceType=t3.large",
           "versionNumber", scratch, sizeof scratch);
    assert_string_equal("2", scratch);
    str_t acct = str_c("000000000000"), reg = str_c("us-east-1");
    arena_t *a = arena_new(0);
    const char *rid = NULL, *rname = NULL, *rv = NULL;
    assert_int_equal(1, ec2_template_resolve(&lb->app, acct, reg, str_c(id), STR_NULL, STR_NULL, a, &rid, &rname, &rv));
    assert_string_equal(id, rid);
    assert_string_equal("asg-tmpl", rname);
    assert_string_equal("$Default", rv); /* no version: the default */
    assert_int_equal(1, ec2_template_resolve(&lb->app, acct, reg, STR_NULL, str_c("asg-tmpl"), str_c("$Latest"), a,
                                             &rid, &rname, &rv));
    assert_string_equal(id, rid);
    assert_string_equal("$Latest", rv);
    assert_int_equal(
        1, ec2_template_resolve(&lb->app, acct, reg, STR_NULL, str_c("asg-tmpl"), str_c("1"), a, &rid, &rname, &rv));
    assert_string_equal("1", rv);
    char body[256];
    snprintf(body, sizeof body,
             "Action=ModifyLaunchTemplate&Version=2016-11-15&LaunchTemplateId=%s&SetDefaultVersion=2", id);
    ec2_ok(body, "defaultVersionNumber", scratch, sizeof scratch);
    assert_string_equal("2", scratch);
    assert_int_equal(
        1, ec2_template_resolve(&lb->app, acct, reg, str_c(id), STR_NULL, str_c("$Default"), a, &rid, &rname, &rv));
    assert_string_equal("$Default", rv);
    /* What does not exist. */
    assert_int_equal(0,
                     ec2_template_resolve(&lb->app, acct, reg, str_c(id), STR_NULL, str_c("3"), a, &rid, &rname, &rv));
    assert_int_equal(0, ec2_template_resolve(&lb->app, acct, reg, STR_NULL, str_c("asg-tmpl"), str_c("latest"), a, &rid,
                                             &rname, &rv));
    assert_int_equal(
        0, ec2_template_resolve(&lb->app, acct, reg, STR_NULL, str_c("no-such"), STR_NULL, a, &rid, &rname, &rv));
    assert_int_equal(0, ec2_template_resolve(&lb->app, str_c("111111111111"), reg, str_c(id), STR_NULL, STR_NULL, a,
                                             &rid, &rname, &rv));
    assert_int_equal(0, ec2_template_resolve(&lb->app, acct, str_c("eu-west-1"), str_c(id), STR_NULL, STR_NULL, a, &rid,
                                             &rname, &rv));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, loopback_setup, loopback_teardown);
}
