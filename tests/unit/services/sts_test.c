/* sts_test.c — STS temporary credentials through the whole pipeline in
 * process: GetSessionToken and AssumeRole issue ASIA… keys, the provider
 * makes SigV4 accept them only with their session token and only until they
 * expire (a fake clock stands in for waiting), and AssumeRole's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "harness/loopback.h"
#include "services/iam/iam.h"
#include "services/sts/sts.h"

static int setup(void **state)
{
    if (loopback_setup(state) != 0 || iam_start(&lb->app) != GR_OK || sts_start(&lb->app) != GR_OK) return -1;
    return 0;
}

#define FORM "Content-Type: application/x-www-form-urlencoded; charset=utf-8"

static const char *body(req_t *r)
{
    return buf_str(&r->resp.body).p;
}

/* The text of the first <tag>…</tag> in the response, copied into out. */
static const char *elem(req_t *r, const char *tag, char *out, size_t n)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *b = strstr(body(r), open);
    assert_non_null(b);
    b += strlen(open);
    const char *e = strstr(b, close);
    assert_non_null(e);
    assert_true((size_t)(e - b) < n);
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = 0;
    return out;
}

typedef struct {
    char key[32], secret[64], token[512];
} tmp_creds_t;

static req_t *call(const char *body_text, const char *key, const char *secret, const char *token)
{
    char hdr[600];
    lb_call_t c = {.body = body_text, .headers = {FORM}, .service = "sts", .key = key, .secret = secret};
    if (token) {
        snprintf(hdr, sizeof hdr, "X-Amz-Security-Token: %s", token);
        c.headers[1] = hdr;
    }
    return loopback_call(lb, &c);
}

static void take_creds(req_t *r, tmp_creds_t *c)
{
    if (r->resp.status != 200) fail_msg("status %d: %s", r->resp.status, body(r));
    elem(r, "AccessKeyId", c->key, sizeof c->key);
    elem(r, "SecretAccessKey", c->secret, sizeof c->secret);
    elem(r, "SessionToken", c->token, sizeof c->token);
    arena_free(r->arena);
}

static void expect(req_t *r, int status, const char *needle)
{
    if (r->resp.status != status || !strstr(body(r), needle))
        fail_msg("want %d %s, got %d: %s", status, needle, r->resp.status, body(r));
    arena_free(r->arena);
}

static void test_session_token_root(void **state)
{
    (void)state;
    tmp_creds_t c;
    take_creds(call("Action=GetSessionToken&Version=2011-06-15", NULL, NULL, NULL), &c);
    assert_int_equal(strlen(c.key), 20);
    assert_memory_equal(c.key, "ASIA", 4);
    assert_int_equal(strlen(c.secret), 40);
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, c.token), 200,
           "<Arn>arn:aws:iam::000000000000:root</Arn>");
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, NULL), 403,
           "<Code>InvalidClientTokenId</Code>");
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, "forged"), 403,
           "<Code>InvalidClientTokenId</Code>");
    expect(call("Action=GetSessionToken&Version=2011-06-15", c.key, c.secret, c.token), 403,
           "Cannot call GetSessionToken with session credentials");
    expect(call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=ss",
                NULL, NULL, NULL),
           403, "Roles may not be assumed by root accounts.");
}

static void test_expiry_with_test_minimum(void **state)
{
    (void)state;
    setenv("GUREUM_STS_MIN_DURATION", "2", 1);
    tmp_creds_t c;
    take_creds(call("Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900", NULL, NULL, NULL), &c);
    unsetenv("GUREUM_STS_MIN_DURATION");
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, c.token), 200, "<Arn>");
    time_set_fake_now_us(time_now_us() + 5 * 1000000); /* within SigV4's 15-minute skew */
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, c.token), 400,
           "<Code>ExpiredToken</Code>");
    time_set_fake_now_us(0);
}

static void test_assume_role(void **state)
{
    (void)state;
    char key[32], secret[64];
    lb_call_t iam = {.headers = {FORM}, .service = "iam"};
    iam.body = "Action=CreateUser&Version=2010-05-08&UserName=bob";
    req_t *r = loopback_call(lb, &iam);
    assert_int_equal(r->resp.status, 200);
    arena_free(r->arena);
    iam.body = "Action=CreateAccessKey&Version=2010-05-08&UserName=bob";
    r = loopback_call(lb, &iam);
    assert_int_equal(r->resp.status, 200);
    elem(r, "AccessKeyId", key, sizeof key);
    elem(r, "SecretAccessKey", secret, sizeof secret);
    arena_free(r->arena);
    /* trust: {"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},
     *         "Action":"sts:AssumeRole"}} */
    iam.body = "Action=CreateRole&Version=2010-05-08&RoleName=reader&AssumeRolePolicyDocument="
               "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal"
               "%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A000000000000%3Auser%2Fbob%22%7D%2C%22Action%22%3A%22sts"
               "%3AAssumeRole%22%7D%7D";
    r = loopback_call(lb, &iam);
    if (r->resp.status != 200) fail_msg("%s", body(r));
    arena_free(r->arena);

    expect(call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/reader"
                "&RoleSessionName=a%20b",
                key, secret, NULL),
           400, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    expect(call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/READER"
                "&RoleSessionName=s1",
                key, secret, NULL),
           403,
           "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: sts:AssumeRole on resource: "
           "arn:aws:iam::000000000000:role/READER");
    expect(call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/reader"
                "&RoleSessionName=s1&DurationSeconds=3601",
                key, secret, NULL),
           400, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    expect(call("Action=AssumeRole&Version=2011-06-15&RoleArn=nonsense-but-twenty-chars&RoleSessionName=s1", key,
                secret, NULL),
           400, "Request ARN is invalid");
    tmp_creds_t c;
    take_creds(call("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/reader"
                    "&RoleSessionName=s1",
                    key, secret, NULL),
               &c);
    expect(call("Action=GetCallerIdentity&Version=2011-06-15", c.key, c.secret, c.token), 200,
           "<Arn>arn:aws:sts::000000000000:assumed-role/reader/s1</Arn>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_token_root),
        cmocka_unit_test(test_expiry_with_test_minimum),
        cmocka_unit_test(test_assume_role),
    };
    return cmocka_run_group_tests_name("services/sts", tests, setup, loopback_teardown);
}
