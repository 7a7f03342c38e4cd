/* jobq.c — the due-ordered job queue and its workers (see jobq.h).
 *
 * One mutex and one condition variable per queue: a worker sleeps until the
 * first job is due or a push or jobq_stop wakes it. A queue holds at most a
 * few thousand jobs, so a sorted list (linear insert) is enough. */
#include <stdlib.h>
#include <time.h>

#include "core/err.h"
#include "core/gtime.h"
#include "services/jobq.h"

static void *worker(void *arg)
{
    jobq_t *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        for (;;) {
            if (q->stopping) {
                pthread_mutex_unlock(&q->mu);
                return NULL;
            }
            int64_t now = time_mono_us();
            if (q->head && q->head->due_us <= now) break;
            if (!q->head) {
                pthread_cond_wait(&q->cv, &q->mu);
                continue;
            }
            /* The condition variable waits on CLOCK_REALTIME: convert. */
            struct timespec ts = time_deadline(CLOCK_REALTIME, q->head->due_us - now);
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        }
        jobq_job_t *j = q->head;
        q->head = j->next;
        q->len--;
        pthread_mutex_unlock(&q->mu);
        q->run(q->arg, j);
    }
}

int jobq_start(jobq_t *q, int n, void *arg)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = false;
    q->arg = arg;
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < n && i < JOBQ_MAX_THREADS; i++) {
        if (pthread_create(&q->threads[q->nthreads], NULL, worker, q) != 0) return GR_ERR;
        q->nthreads++;
    }
    return GR_OK;
}

void jobq_stop(jobq_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->nthreads; i++) pthread_join(q->threads[i], NULL);
    q->nthreads = 0;
    pthread_mutex_lock(&q->mu);
    while (q->head) {
        jobq_job_t *j = q->head;
        q->head = j->next;
        q->drop(j);
    }
    q->len = 0;
    pthread_mutex_unlock(&q->mu);
}

void jobq_push(jobq_t *q, jobq_job_t *j)
{
    pthread_mutex_lock(&q->mu);
    jobq_job_t **p = &q->head;
    while (*p && (*p)->due_us <= j->due_us) p = &(*p)->next;
    j->next = *p;
    *p = j;
    q->len++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

bool jobq_full(jobq_t *q)
{
    pthread_mutex_lock(&q->mu);
    bool full = q->len >= q->max_queued;
    pthread_mutex_unlock(&q->mu);
    return full;
}
