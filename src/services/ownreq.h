/* ownreq.h — a request of an account's root made by gureum itself, for a
 * background runner that calls a service's own handlers as the account
 * (S3's lifecycle runner, Auto Scaling launching instances through EC2).
 * It comes from no wire: nothing authenticates or authorizes it, and its
 * answers keep what the wire would round (req_t.internal). */
#ifndef GR_SERVICES_OWNREQ_H
#define GR_SERVICES_OWNREQ_H

#include "core/req.h"

struct app;

/* The request, in an arena of its own (free it with arena_free(r->arena));
 * id names the runner in logs (at most 52 characters). NULL when out of
 * memory. */
req_t *ownreq_new(struct app *app, str_t account, str_t region, const char *id);

#endif
