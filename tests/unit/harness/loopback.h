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

/* The loopback a test file's cases call: made by loopback_setup and freed
 * by loopback_teardown, cmocka group fixtures (a file with more to start
 * calls loopback_setup from its own). */
extern loopback_t *lb;
int loopback_setup(void **state);
int loopback_teardown(void **state);

typedef struct {
    const char *method, *path, *query, *body;
    const char *headers[16];      /* "Name: value" */
    const char *service, *region; /* credential scope; NULL service: unsigned */
    const char *key, *secret;     /* default test/test */
    int64_t skew_s;               /* sign this many seconds in the past */
} lb_call_t;

/* Runs the request; the returned req (and its response in r->resp) lives
 * until arena_free(r->arena). */
req_t *loopback_call(loopback_t *lb, const lb_call_t *c);

#endif
