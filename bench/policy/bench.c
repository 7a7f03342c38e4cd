/* bench.c — cost of one IAM authorization: policy_evaluate against a principal with 10
 * attached identity policies of 5 statements each (plus a session policy and a bucket
 * policy in the second scenario).
 *
 * The policies mix what real accounts attach: action wildcards, NotAction, ARN globs,
 * ${aws:username} variables, and String/Ip/Date/Bool conditions. The requests are chosen
 * so that most statements are visited: one is allowed by the last policy only, one is
 * implicitly denied after every statement was tried. Prints ns and µs per evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/policy.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static policy_t *mk(const char *doc, policy_kind_t kind)
{
    char err[256];
    policy_t *p = policy_parse(str_c(doc), kind, err, sizeof err);
    if (!p) {
        fprintf(stderr, "parse: %s\n%s\n", err, doc);
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    static const char *svc[10] = {"ec2", "dynamodb", "sqs", "sns", "lambda", "logs", "kms", "rds", "iam", "s3"};
    policy_t *ids[10];
    char doc[4096];
    for (int i = 0; i < 10; i++) {
        snprintf(doc, sizeof doc,
                 "{\"Version\":\"2012-10-17\",\"Statement\":["
                 "{\"Sid\":\"S1\",\"Effect\":\"Allow\",\"Action\":[\"%s:Describe*\",\"%s:List*\",\"%s:Get*\"],"
                 "\"Resource\":\"*\"},"
                 "{\"Sid\":\"S2\",\"Effect\":\"Allow\",\"Action\":[\"%s:Create*\",\"%s:Delete*\"],"
                 "\"Resource\":\"arn:aws:%s:*:111122223333:thing/${aws:username}/*\","
                 "\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":[\"eu-west-1\",\"us-east-1\"]}}},"
                 "{\"Sid\":\"S3\",\"Effect\":\"Deny\",\"Action\":\"%s:*\",\"Resource\":\"*\","
                 "\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"192.0.2.0/24\"]}}},"
                 "{\"Sid\":\"S4\",\"Effect\":\"Deny\",\"Action\":\"%s:Put*\",\"Resource\":\"*\","
                 "\"Condition\":{\"BoolIfExists\":{\"aws:MultiFactorAuthPresent\":\"false\"}}},"
                 "{\"Sid\":\"S5\",\"Effect\":\"Allow\",\"Action\":\"%s:Put*\","
                 "\"Resource\":[\"arn:aws:%s:::amzn-s3-demo-bucket/home/${aws:username}/*\",\"arn:aws:%s:::b2/*\"],"
                 "\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"2030-01-01T00:00:00Z\"},"
                 "\"StringLike\":{\"aws:PrincipalTag/team\":[\"eng*\",\"ops\"]}}}]}",
                 svc[i], svc[i], svc[i], svc[i], svc[i], svc[i], svc[i], svc[i], svc[i], svc[i], svc[i]);
        ids[i] = mk(doc, POLICY_IDENTITY);
    }
    policy_t *sess = mk("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\","
                        "\"Resource\":\"*\"}]}",
                        POLICY_SESSION);
    policy_t *bucket =
        mk("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
           "\"Resource\":[\"arn:aws:s3:::amzn-s3-demo-bucket\",\"arn:aws:s3:::amzn-s3-demo-bucket/*\"],"
           "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}},"
           "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"},\"Action\":\"s3:GetObject\","
           "\"Resource\":\"arn:aws:s3:::amzn-s3-demo-bucket/*\"}]}",
           POLICY_RESOURCE);
    principal_t alice = {.account = STR("111122223333"),
                         .arn = STR("arn:aws:iam::111122223333:user/alice"),
                         .user_id = STR("AIDAALICE"),
                         .user_name = STR("alice")};
    static const str_t ip[] = {STR("10.1.2.3")}, reg[] = {STR("eu-west-1")}, mfa[] = {STR("true")},
                       tm[] = {STR("2026-11-26T10:00:00Z")}, tls[] = {STR("true")}, team[] = {STR("eng-core")};
    policy_ctx_t ctx[] = {
        {STR("aws:SourceIp"), ip, 1},           {STR("aws:RequestedRegion"), reg, 1},
        {STR("aws:MultiFactorAuthPresent"), mfa, 1}, {STR("aws:CurrentTime"), tm, 1},
        {STR("aws:SecureTransport"), tls, 1},   {STR("aws:PrincipalTag/team"), team, 1},
    };
    struct {
        const char *name;
        policy_req_t req;
        const policy_t *sess, *res;
        policy_result_t want;
    } sc[] = {
        {"allow by the 10th policy (s3:PutObject, conditions, ${aws:username})",
         {STR("s3:PutObject"), STR("arn:aws:s3:::amzn-s3-demo-bucket/home/alice/f.txt"), &alice, ctx, 6},
         NULL, NULL, POLICY_ALLOW},
        {"implicit deny after every statement (sns:Publish on a topic)",
         {STR("sns:Publish"), STR("arn:aws:sns:eu-west-1:111122223333:topic"), &alice, ctx, 6},
         NULL, NULL, POLICY_IMPLICIT_DENY},
        {"10 identity + session + bucket policy (s3:PutObject)",
         {STR("s3:PutObject"), STR("arn:aws:s3:::amzn-s3-demo-bucket/home/alice/f.txt"), &alice, ctx, 6},
         sess, bucket, POLICY_ALLOW},
    };
    double worst = 0;
    for (size_t s = 0; s < sizeof sc / sizeof sc[0]; s++) {
        policy_result_t r = policy_evaluate(&sc[s].req, (const policy_t *const *)ids, 10, sc[s].sess, sc[s].res, true);
        if (r != sc[s].want) {
            fprintf(stderr, "%s: unexpected result %d\n", sc[s].name, r);
            return 1;
        }
        volatile int sink = 0;
        double t0 = now_s();
        for (long i = 0; i < iters; i++)
            sink += policy_evaluate(&sc[s].req, (const policy_t *const *)ids, 10, sc[s].sess, sc[s].res, true);
        double us = (now_s() - t0) / (double)iters * 1e6;
        if (us > worst) worst = us;
        printf("%-72s %8.3f us/eval (%.0f ns)\n", sc[s].name, us, us * 1000);
    }
    printf("worst: %.3f us per evaluation with 10 attached policies (limit 20 us)\n", worst);
    for (int i = 0; i < 10; i++) policy_free(ids[i]);
    policy_free(sess);
    policy_free(bucket);
    return worst < 20 ? 0 : 1;
}
