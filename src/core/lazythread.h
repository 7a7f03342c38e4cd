/* lazythread.h — a background thread started on first use and stopped once,
 * at shutdown: the machines' port forwards, their pings and the instance
 * metadata service each run one. Its fields are guarded by the owner's
 * mutex, which the owner's thread also takes to read `stopping`. */
#ifndef GR_CORE_LAZYTHREAD_H
#define GR_CORE_LAZYTHREAD_H

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    pthread_t thread;
    bool running, stopping;
} lazythread_t;

/* Starts fn (its argument NULL) unless it runs or is stopping; under the
 * owner's mutex. GR_OK, or GR_ERR when no thread could be made. */
int lazythread_start(lazythread_t *t, void *(*fn)(void *));

/* Marks it stopping (under mu) and waits for it to end. */
void lazythread_stop(lazythread_t *t, pthread_mutex_t *mu);

#endif
