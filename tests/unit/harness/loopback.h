/* loopback.h — whole-pipeline unit tests without a socket: builds a signed
 * wire request, runs it through dispatch_handle (route → auth → protocol →
 * service → protocol) against a server state over a temporary data
 * directory, and returns the response. */
#ifndef GR_TESTS_LOOPBACK_H
#define GR_TESTS_LOOPBACK_H

#include "core/req.h"
#include "services/app.h"

typedef struct {
    app_t app;
    config_t cfg;
    char dir[64];
} loopback_t;

loopback_t *loopback_new(void);
void loopback_free(loopback_t *lb);

typedef struct {
    const char *method, *path, *query, *body;
    const char *headers[16]; /* "Name: value" */
    const char *service, *region; /* credential scope; NULL service: unsigned */
    const char *key, *secret;     /* default test/test */
    int64_t skew_s;               /* sign this many seconds in the past */
} lb_call_t;

/* Runs the request; the returned req (and its response in r->resp) lives
 * until arena_free(r->arena). */
req_t *loopback_call(loopback_t *lb, const lb_call_t *c);

#endif
