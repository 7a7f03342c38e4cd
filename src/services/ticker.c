/* ticker.c — the background ticker (see ticker.h).
 *
 * One thread, not one per service: each tick hook does a bounded batch and
 * returns, so a thread per service would only add connections and wake-ups.
 * The hooks run on this thread, so each one's store_db connection is this
 * thread's own and is closed when the thread exits, which ticker_stop waits
 * for before main closes the store. Invariant: at most one ticker runs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/gtime.h"
#include "core/err.h"
#include "core/log.h"
#include "services/pubmetrics.h"
#include "services/registry.h"
#include "services/ticker.h"

#define PERIOD_MS 1000

struct ticker {
    struct app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC, so a clock step never stalls a tick */
    bool stopping;
    unsigned period_ms;
};

static atomic_bool running;

bool ticker_running(void)
{
    return atomic_load(&running);
}

static void *ticker_main(void *arg)
{
    ticker_t *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stopping) {
        pthread_mutex_unlock(&t->mu);
        unsigned wait_ms = t->period_ms;
        for (size_t i = 0; i < registry_count; i++) {
            if (!registry[i].tick) continue;
            unsigned want = registry[i].tick(t->app);
            if (want && want < wait_ms) wait_ms = want;
        }
        /* after the hooks: what their gauges counted goes out in this flush */
        unsigned want = pubm_flush(t->app, false);
        if (want && want < wait_ms) wait_ms = want;
        pthread_mutex_lock(&t->mu);
        if (t->stopping) break;
        struct timespec ts = time_deadline(CLOCK_MONOTONIC, (int64_t)wait_ms * 1000);
        while (!t->stopping && pthread_cond_timedwait(&t->cv, &t->mu, &ts) == 0) {
        }
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

ticker_t *ticker_start(struct app *app)
{
    ticker_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->app = app;
    t->period_ms = PERIOD_MS;
#ifdef GUREUM_TESTING
    /* Tests only: GUREUM_TICK_MS=N ticks every N ms, so a test sees TTL or
     * retention take effect in a fraction of a second. */
    const char *v = getenv("GUREUM_TICK_MS");
    if (v && atoi(v) > 0) t->period_ms = (unsigned)atoi(v);
#endif
    pthread_mutex_init(&t->mu, NULL);
    time_cond_init_mono(&t->cv);
    atomic_store(&running, true);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        atomic_store(&running, false);
        log_error("ticker: cannot start the background thread");
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stop(ticker_t *t)
{
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    t->stopping = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    atomic_store(&running, false);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
