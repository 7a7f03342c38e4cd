/* req.c — request helpers; see req.h. */
#include "core/req.h"

#include <stdarg.h>

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
