/* iam_test.c — IAM's C interface through the whole pipeline: users, groups
 * and policies created with signed IAM requests, then the credential
 * provider (an IAM user's key signs an STS call) and iam_identity_policies
 * (the documents the dispatcher will evaluate for that user). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness/loopback.h"
#include "services/iam/iam.h"

static int setup(void **state)
{
    return loopback_setup(state) == 0 && iam_start(&lb->app) == GR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    loopback_teardown(state);
    iam_creds_invalidate(); /* the cache is process-wide: leave it empty */
    return 0;
}

static const char FORM[] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";

static void enc(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
    }
    out[o] = 0;
}

/* Runs one IAM action (params already encoded); returns the body, asserting status. */
static void iam_call(const char *params, int status, char *body, size_t n)
{
    char q[4096];
    snprintf(q, sizeof q, "Version=2010-05-08&%s", params);
    req_t *r = loopback_call(lb, &(lb_call_t){.body = q, .headers = {FORM}, .service = "iam"});
    str_t b = buf_str(&r->resp.body);
    if (r->resp.status != status) fail_msg("%s: status %d: %.*s", params, r->resp.status, STR_FMT(b));
    if (body) snprintf(body, n, "%.*s", STR_FMT(b));
    arena_free(r->arena);
}

static void between(const char *s, const char *open, const char *close, char *out, size_t n)
{
    const char *p = strstr(s, open);
    assert_non_null(p);
    p += strlen(open);
    const char *e = strstr(p, close);
    assert_non_null(e);
    snprintf(out, n, "%.*s", (int)(e - p), p);
}

static void test_provider_and_identity_policies(void **state)
{
    (void)state;
    char body[8192], doc[512], key[64], secret[64], uid[64];
    iam_call("Action=CreateUser&UserName=u1&Path=%2Fteam%2F", 200, body, sizeof body);
    between(body, "<UserId>", "</UserId>", uid, sizeof uid);
    assert_int_equal(strncmp(uid, "AIDA", 4), 0);
    iam_call("Action=CreateGroup&GroupName=g1", 200, NULL, 0);
    iam_call("Action=AddUserToGroup&GroupName=g1&UserName=u1", 200, NULL, 0);
    enc(doc, sizeof doc,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}]}");
    char q[1024];
    snprintf(q, sizeof q, "Action=PutUserPolicy&UserName=u1&PolicyName=inl&PolicyDocument=%s", doc);
    iam_call(q, 200, NULL, 0);
    snprintf(q, sizeof q, "Action=PutGroupPolicy&GroupName=g1&PolicyName=ginl&PolicyDocument=%s", doc);
    iam_call(q, 200, NULL, 0);
    iam_call("Action=AttachUserPolicy&UserName=u1&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonS3FullAccess",
             200, NULL, 0);
    iam_call("Action=AttachGroupPolicy&GroupName=g1&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess",
             200, NULL, 0);
    iam_call("Action=AttachUserPolicy&UserName=u1&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FNope", 404, body,
             sizeof body);
    assert_non_null(strstr(body, "<Code>NoSuchEntity</Code>"));
    iam_call("Action=CreateAccessKey&UserName=u1", 200, body, sizeof body);
    between(body, "<AccessKeyId>", "</AccessKeyId>", key, sizeof key);
    between(body, "<SecretAccessKey>", "</SecretAccessKey>", secret, sizeof secret);
    assert_int_equal(strlen(key), 20);
    assert_int_equal(strlen(secret), 40);

    /* the provider: twice (database, then cache) with the same answer */
    for (int i = 0; i < 2; i++) {
        arena_t *a = arena_new(0);
        cred_t c;
        assert_int_equal(iam_creds_provider(&lb->app, str_c(key), a, &c), GR_OK);
        assert_true(c.active);
        assert_true(str_eq_c(c.secret, secret));
        assert_true(str_eq_c(c.who.arn, "arn:aws:iam::000000000000:user/team/u1"));
        assert_true(str_eq_c(c.who.user_id, uid));
        assert_true(str_eq_c(c.who.user_name, "u1"));
        assert_true(str_eq_c(c.who.account, "000000000000"));
        assert_int_equal(iam_creds_provider(&lb->app, STR("AKIAAAAAAAAAAAAAAAAA"), a, &c), GR_ERR);
        assert_int_equal(iam_creds_provider(&lb->app, STR("test"), a, &c), GR_ERR);
        arena_free(a);
    }
    /* the user's key signs a request */
    req_t *r = loopback_call(lb, &(lb_call_t){.body = "Action=GetCallerIdentity&Version=2011-06-15",
                                              .headers = {FORM},
                                              .service = "sts",
                                              .key = key,
                                              .secret = secret});
    assert_int_equal(r->resp.status, 200);
    assert_non_null(strstr(buf_str(&r->resp.body).p, "<Arn>arn:aws:iam::000000000000:user/team/u1</Arn>"));
    arena_free(r->arena);

    /* the identity policies: user inline + attached, group inline + attached */
    arena_t *a = arena_new(0);
    principal_t who = {.account = STR("000000000000"),
                       .arn = STR("arn:aws:iam::000000000000:user/team/u1"),
                       .user_id = str_c(uid),
                       .user_name = STR("u1")};
    str_t *docs;
    size_t n;
    assert_int_equal(iam_identity_policies(&lb->app, &who, a, &docs, &n), GR_OK);
    assert_int_equal(n, 4);
    int sqs = 0, s3 = 0, admin = 0;
    for (size_t i = 0; i < n; i++) {
        char d[4096];
        snprintf(d, sizeof d, "%.*s", STR_FMT(docs[i]));
        sqs += strstr(d, "\"sqs:*\"") != NULL;
        s3 += strstr(d, "\"s3:*\"") != NULL;
        admin += strstr(d, "\"Action\":\"*\"") != NULL;
    }
    assert_int_equal(sqs, 2);
    assert_int_equal(s3, 1);
    assert_int_equal(admin, 1);
    principal_t root = {.account = STR("000000000000"), .root = true};
    assert_int_equal(iam_identity_policies(&lb->app, &root, a, &docs, &n), GR_OK);
    assert_int_equal(n, 0);
    principal_t other = who;
    other.account = STR("111111111111");
    assert_int_equal(iam_identity_policies(&lb->app, &other, a, &docs, &n), GR_OK);
    assert_int_equal(n, 0); /* another account sees none of it */
    arena_free(a);

    /* an inactive key is still found, marked inactive; a deleted one is gone */
    snprintf(q, sizeof q, "Action=UpdateAccessKey&UserName=u1&AccessKeyId=%s&Status=Inactive", key);
    iam_call(q, 200, NULL, 0);
    a = arena_new(0);
    cred_t c;
    assert_int_equal(iam_creds_provider(&lb->app, str_c(key), a, &c), GR_OK);
    assert_false(c.active);
    snprintf(q, sizeof q, "Action=DeleteAccessKey&UserName=u1&AccessKeyId=%s", key);
    iam_call(q, 200, NULL, 0);
    assert_int_equal(iam_creds_provider(&lb->app, str_c(key), a, &c), GR_ERR);
    arena_free(a);
}

static void test_role_policies(void **state)
{
    (void)state;
    char doc[512], q[1024];
    enc(doc, sizeof doc,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
        "\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}");
    snprintf(q, sizeof q, "Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=%s", doc);
    iam_call(q, 200, NULL, 0);
    enc(doc, sizeof doc,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}]}");
    snprintf(q, sizeof q, "Action=PutRolePolicy&RoleName=r1&PolicyName=deny&PolicyDocument=%s", doc);
    iam_call(q, 200, NULL, 0);
    iam_call("Action=AttachRolePolicy&RoleName=r1&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fservice-role%"
             "2FAWSLambdaBasicExecutionRole",
             200, NULL, 0);
    arena_t *a = arena_new(0);
    principal_t who = {.account = STR("000000000000"),
                       .arn = STR("arn:aws:sts::000000000000:assumed-role/r1/sess"),
                       .user_id = STR("AROAEXAMPLE:sess")};
    str_t *docs;
    size_t n;
    assert_int_equal(iam_identity_policies(&lb->app, &who, a, &docs, &n), GR_OK);
    assert_int_equal(n, 2);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_and_identity_policies),
        cmocka_unit_test(test_role_policies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
