/* policy_fuzz.c — libFuzzer target for IAM policy parsing and evaluation (src/auth/policy.c).
 *
 * Input: byte 0 picks the policy kind; the bytes up to the first NUL are the document;
 * after it, NUL-separated fields override the request (action, resource, then values
 * of a few context keys). Every accepted policy is evaluated, alone and through
 * policy_evaluate, against fixed requests from several principals plus the fuzzed one:
 * never a crash, leak or sanitizer report, and always one of the three results. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"

static const principal_t WHO[] = {
    {.account = STR("111122223333"), .arn = STR("arn:aws:iam::111122223333:user/alice"), .user_id = STR("AIDAALICE"),
     .user_name = STR("alice")},
    {.account = STR("111122223333"), .arn = STR("arn:aws:sts::111122223333:assumed-role/R/s"),
     .user_id = STR("AROAR:s")},
    {.account = STR("444455556666"), .arn = STR("arn:aws:iam::444455556666:root"), .root = true},
    {.anonymous = true},
};

static void check(policy_result_t r)
{
    if (r != POLICY_ALLOW && r != POLICY_IMPLICIT_DENY && r != POLICY_EXPLICIT_DENY) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    policy_kind_t kind = (policy_kind_t)(data[0] % 4);
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *nul = memchr(p, 0, (size_t)(end - p));
    str_t doc = str_n(p, (size_t)((nul ? nul : end) - p));
    char err[128];
    policy_t *pol = policy_parse(doc, kind, err, sizeof err);
    if (!pol) {
        if (!memchr(err, 0, sizeof err) || !err[0]) abort(); /* a message, NUL-terminated */
        return 0;
    }
    /* fuzzed fields after the document */
    str_t f[8];
    size_t nf = 0;
    for (const char *q = nul ? nul + 1 : end; q < end && nf < 8;) {
        const char *z = memchr(q, 0, (size_t)(end - q));
        const char *e = z ? z : end;
        f[nf++] = str_n(q, (size_t)(e - q));
        q = e + 1;
    }
    static const char *const keys[] = {"aws:SourceIp", "aws:CurrentTime", "s3:prefix", "aws:TagKeys",
                                       "aws:SecureTransport", "aws:PrincipalTag/team"};
    str_t vals[6];
    policy_ctx_t ctx[6];
    size_t nctx = 0;
    for (size_t i = 2; i < nf && nctx < 6; i++) {
        vals[nctx] = f[i];
        ctx[nctx] = (policy_ctx_t){.key = str_c(keys[nctx]), .values = &vals[nctx], .nvalues = 1};
        nctx++;
    }
    static const str_t fixed_ctx_vals[] = {STR("192.0.2.1"), STR("2020-05-01T00:00:00Z"), STR("home/alice/"),
                                           STR("env"), STR("true"), STR("eng")};
    policy_ctx_t fixed[6];
    for (size_t i = 0; i < 6; i++) fixed[i] = (policy_ctx_t){.key = str_c(keys[i]), .values = &fixed_ctx_vals[i], .nvalues = 1};
    const struct {
        str_t action, resource;
    } reqs[] = {
        {STR("s3:GetObject"), STR("arn:aws:s3:::bucket/home/alice/x")},
        {STR("sts:AssumeRole"), STR("arn:aws:iam::111122223333:role/R")},
        {STR("ec2:RunInstances"), STR("*")},
        {nf > 0 ? f[0] : STR("iam:CreateUser"), nf > 1 ? f[1] : STR("arn:aws:iam::111122223333:user/bob")},
    };
    for (size_t r = 0; r < sizeof reqs / sizeof reqs[0]; r++)
        for (size_t w = 0; w < sizeof WHO / sizeof WHO[0]; w++) {
            policy_req_t req = {.action = reqs[r].action,
                                .resource = reqs[r].resource,
                                .who = &WHO[w],
                                .ctx = r == 3 ? ctx : fixed,
                                .nctx = r == 3 ? nctx : 6};
            check(policy_eval_one(pol, &req));
            const policy_t *ids[] = {pol};
            bool ident = kind == POLICY_IDENTITY || kind == POLICY_SESSION;
            check(policy_evaluate(&req, ids, ident ? 1 : 0, kind == POLICY_SESSION ? pol : NULL,
                                  ident ? NULL : pol, w != 2));
        }
    policy_free(pol);
    return 0;
}
