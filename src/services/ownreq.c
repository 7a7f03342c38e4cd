/* ownreq.c — requests of an account's root made by gureum's own runners
 * (see ownreq.h). */
#include "services/ownreq.h"

#include <string.h>

req_t *ownreq_new(struct app *app, str_t account, str_t region, const char *id)
{
    arena_t *a = arena_new(16u << 20);
    if (!a) return NULL;
    req_t *r = ARENA_NEW(a, req_t);
    if (!r) {
        arena_free(a);
        return NULL;
    }
    r->arena = a;
    r->app = app;
    r->who.account = arena_str(a, account);
    r->who.arn = str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(account)));
    r->who.user_id = r->who.account;
    r->who.root = true;
    r->internal = true;
    r->region = arena_str(a, region);
    size_t n = strlen(id);
    memcpy(r->id, id, n < sizeof r->id ? n : sizeof r->id - 1);
    wire_resp_init(&r->resp, a);
    return r;
}
