/* req.c — request helpers; see req.h. */
#include "core/req.h"

#include <stdarg.h>
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
