/* lazythread.c — see lazythread.h. */
#include "core/lazythread.h"

#include "core/err.h"

int lazythread_start(lazythread_t *t, void *(*fn)(void *))
{
    if (t->running || t->stopping) return GR_OK;
    if (pthread_create(&t->thread, NULL, fn, NULL) != 0) return GR_ERR;
    t->running = true;
    return GR_OK;
}

void lazythread_stop(lazythread_t *t, pthread_mutex_t *mu)
{
    pthread_mutex_lock(mu);
    bool was = t->running;
    t->stopping = true;
    t->running = false;
    pthread_mutex_unlock(mu);
    if (was) pthread_join(t->thread, NULL);
}
