/* ticker.h — the one background thread that makes time pass for services
 * nobody is calling: every period (1 s; GUREUM_TESTING builds may set
 * GUREUM_TICK_MS) it calls each registry row's tick hook in turn, so DynamoDB
 * TTL, SQS retention and move tasks, S3 lifecycle and CloudWatch Logs
 * retention happen on their own, as on AWS; after the hooks it flushes the
 * services' own CloudWatch metrics (services/pubmetrics.h). Started by main once the server
 * can listen, stopped (joined) as soon as it stops serving, before any stop
 * hook and before the store closes. */
#ifndef GR_SERVICES_TICKER_H
#define GR_SERVICES_TICKER_H

#include <stdbool.h>

struct app;
typedef struct ticker ticker_t;

/* Starts the thread; NULL if it cannot (logged). */
ticker_t *ticker_start(struct app *app);
/* Wakes the thread, lets a tick in progress finish, joins it and frees t.
 * NULL is a no-op. */
void ticker_stop(ticker_t *t);
/* Whether a ticker is running in this process: request paths that used to
 * do periodic work themselves leave it to the ticker then. */
bool ticker_running(void);

#endif
