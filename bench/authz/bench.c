/* bench.c — what authorization adds to a request: the same signed DynamoDB
 * ListTables through the whole in-process pipeline (loopback harness), once
 * as root (never checked) and once as an IAM user with 10 attached customer
 * managed policies (the 10th allows it), timed over many requests. The
 * difference per request is the cost of fetching the caller's policies from
 * IAM, the parsed-policy cache lookups and the evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "harness/loopback.h"
#include "services/iam/iam.h"

static const char FORM[] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";

static char *iam(loopback_t *lb, const char *body)
{
    req_t *r = loopback_call(lb, &(lb_call_t){.body = body, .headers = {FORM}, .service = "iam"});
    if (r->resp.status != 200) {
        fprintf(stderr, "setup failed (%d): %s\n%s\n", r->resp.status, body, buf_str(&r->resp.body).p);
        exit(1);
    }
    char *out = strdup(buf_str(&r->resp.body).p);
    arena_free(r->arena);
    return out;
}

static char *between(const char *s, const char *a, const char *b)
{
    const char *p = strstr(s, a);
    if (!p) exit(1);
    p += strlen(a);
    const char *q = strstr(p, b);
    return strndup(p, (size_t)(q - p));
}

static double run(loopback_t *lb, const char *key, const char *secret, int n)
{
    lb_call_t c = {.body = "{}",
                   .headers = {"X-Amz-Target: DynamoDB_20120810.ListTables", "Content-Type: application/x-amz-json-1.0"},
                   .service = "dynamodb",
                   .key = key,
                   .secret = secret};
    int64_t t0 = time_mono_us();
    for (int i = 0; i < n; i++) {
        req_t *r = loopback_call(lb, &c);
        if (r->resp.status != 200) {
            fprintf(stderr, "request refused (%d): %s\n", r->resp.status, buf_str(&r->resp.body).p);
            exit(1);
        }
        arena_free(r->arena);
    }
    return (double)(time_mono_us() - t0) / n;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    loopback_t *lb = loopback_new();
    iam_start(&lb->app);
    free(iam(lb, "Action=CreateUser&Version=2010-05-08&UserName=bench"));
    for (int i = 1; i <= 10; i++) {
        /* Five statements each, like a realistic customer policy; only the
         * last policy allows dynamodb:ListTables. */
        char body[4096];
        snprintf(body, sizeof body,
                 "Action=CreatePolicy&Version=2010-05-08&PolicyName=p%d&PolicyDocument="
                 "%%7B%%22Version%%22%%3A%%222012-10-17%%22%%2C%%22Statement%%22%%3A%%5B"
                 "%%7B%%22Effect%%22%%3A%%22Allow%%22%%2C%%22Action%%22%%3A%%22s3%%3AGet*%%22%%2C%%22Resource%%22%%3A%%22arn%%3Aaws%%3As3%%3A%%3A%%3Ab%d%%2F*%%22%%7D%%2C"
                 "%%7B%%22Effect%%22%%3A%%22Allow%%22%%2C%%22Action%%22%%3A%%5B%%22sqs%%3ASend*%%22%%2C%%22sqs%%3AReceive*%%22%%5D%%2C%%22Resource%%22%%3A%%22*%%22%%7D%%2C"
                 "%%7B%%22Effect%%22%%3A%%22Allow%%22%%2C%%22Action%%22%%3A%%22ec2%%3ADescribe*%%22%%2C%%22Resource%%22%%3A%%22*%%22%%2C%%22Condition%%22%%3A%%7B%%22StringEquals%%22%%3A%%7B%%22aws%%3ARequestedRegion%%22%%3A%%22eu-west-1%%22%%7D%%7D%%7D%%2C"
                 "%%7B%%22Effect%%22%%3A%%22Allow%%22%%2C%%22Action%%22%%3A%%22s3%%3AListBucket%%22%%2C%%22Resource%%22%%3A%%22arn%%3Aaws%%3As3%%3A%%3A%%3Ahome%%22%%2C%%22Condition%%22%%3A%%7B%%22StringLike%%22%%3A%%7B%%22s3%%3Aprefix%%22%%3A%%22%%24%%7Baws%%3Ausername%%7D%%2F*%%22%%7D%%7D%%7D%%2C"
                 "%%7B%%22Effect%%22%%3A%%22Allow%%22%%2C%%22Action%%22%%3A%%22%s%%22%%2C%%22Resource%%22%%3A%%22*%%22%%7D"
                 "%%5D%%7D",
                 i, i, i == 10 ? "dynamodb%3AList*" : "lambda%3AGet*");
        free(iam(lb, body));
        snprintf(body, sizeof body,
                 "Action=AttachUserPolicy&Version=2010-05-08&UserName=bench&PolicyArn=arn%%3Aaws%%3Aiam%%3A%%3A000000000000%%3Apolicy%%2Fp%d",
                 i);
        free(iam(lb, body));
    }
    char *out = iam(lb, "Action=CreateAccessKey&Version=2010-05-08&UserName=bench");
    char *key = between(out, "<AccessKeyId>", "<"), *secret = between(out, "<SecretAccessKey>", "<");
    free(out);
    run(lb, "test", "test", n / 10); /* warm: caches, statements, pages */
    run(lb, key, secret, n / 10);
    double best_root = 1e9, best_user = 1e9;
    for (int round = 0; round < 5; round++) { /* interleaved, best of five: the machine is shared */
        double a = run(lb, "test", "test", n), b = run(lb, key, secret, n);
        if (a < best_root) best_root = a;
        if (b < best_user) best_user = b;
    }
    printf("root (no authorization)        %8.2f us/request\n", best_root);
    printf("IAM user, 10 attached policies %8.2f us/request\n", best_user);
    printf("authorization adds             %8.2f us/request\n", best_user - best_root);
    free(key);
    free(secret);
    loopback_free(lb);
    return 0;
}
