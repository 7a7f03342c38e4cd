/* req.c — request helpers; see req.h. */
#include "core/req.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int req_fail(req_t *r, const aws_errdef_t *e, const char *fmt, ...)
{
    r->err = e;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        r->err_msg = arena_vprintf(r->arena, fmt, ap);
        va_end(ap);
    }
    return GR_ERR;
}

void principal_mfa_keys(const principal_t *who, int64_t now_us, char present[8], char age[24])
{
    present[0] = age[0] = 0;
    if (who->mfa_us) {
        strcpy(present, "true");
        snprintf(age, 24, "%lld", (long long)((now_us - who->mfa_us) / 1000000));
    } else if (who->access_key.len >= 4 && memcmp(who->access_key.p, "ASIA", 4) == 0) {
        strcpy(present, "false");
    }
}

str_t principal_session_role(str_t arn)
{
    static const str_t mark = {":assumed-role/", 14};
    for (size_t i = 0; arn.p && i + mark.len <= arn.len; i++)
        if (memcmp(arn.p + i, mark.p, mark.len) == 0) {
            str_t role;
            str_cut(str_sub(arn, i + mark.len, arn.len - i - mark.len), '/', &role);
            return role;
        }
    return STR_NULL;
}
