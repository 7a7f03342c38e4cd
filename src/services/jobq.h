/* jobq.h — a due-ordered in-memory job queue served by a few worker threads,
 * for services that do slow work after the request that asked for it has
 * been answered (SNS HTTP deliveries, EventBridge API destinations).
 *
 * A request thread fills a job and jobq_push()es it; a worker takes the job
 * whose due time has come first and hands it to the queue's run hook, which
 * owns it from then on: it frees it, or pushes it back with a later due time
 * (a retry, a rate limit). Jobs live in memory only: jobq_stop drops the ones
 * still waiting. Invariant: the queue stays sorted by due_us, and run is
 * never called under the queue's lock.
 *
 * A service embeds jobq_job_t as the first member of its own job struct and
 * declares its queue statically with JOBQ_INIT, so jobs pushed before
 * jobq_start (unit tests and fuzzing start no threads) still find a lock. */
#ifndef GR_SERVICES_JOBQ_H
#define GR_SERVICES_JOBQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define JOBQ_MAX_THREADS 8

typedef struct jobq_job {
    struct jobq_job *next;
    int64_t due_us; /* monotonic (time_mono_us): when a worker may take it */
} jobq_job_t;

typedef struct jobq {
    /* Set by JOBQ_INIT. */
    void (*run)(void *arg, jobq_job_t *j); /* a worker runs a due job; j is run's to free or push again */
    void (*drop)(jobq_job_t *j);           /* frees a job still queued at jobq_stop */
    size_t max_queued;                     /* jobq_full's bound */
    /* The queue's own. */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job was pushed, or the queue is stopping */
    jobq_job_t *head;  /* sorted by due_us; equal ones in the order pushed */
    size_t len;
    bool stopping;
    void *arg; /* passed to run */
    pthread_t threads[JOBQ_MAX_THREADS];
    int nthreads;
} jobq_t;

#define JOBQ_INIT(run_, drop_, max_queued_)                                                                            \
    {                                                                                                                  \
        .run = (run_), .drop = (drop_), .max_queued = (max_queued_), .mu = PTHREAD_MUTEX_INITIALIZER,                  \
        .cv = PTHREAD_COND_INITIALIZER                                                                                 \
    }

/* Starts n workers (at most JOBQ_MAX_THREADS), each calling run(arg, job).
 * GR_ERR if a thread cannot start; the ones that did keep running until
 * jobq_stop. */
int jobq_start(jobq_t *q, int n, void *arg);
/* Wakes the workers, lets each finish the job it is running (which may push
 * it back), joins them, then frees every job still queued with drop. */
void jobq_stop(jobq_t *q);
/* Queues j by its due_us (after the jobs due at the same time) and wakes a
 * worker. Never refuses: a caller that must bound the queue asks jobq_full
 * first (a retry is pushed back regardless). */
void jobq_push(jobq_t *q, jobq_job_t *j);
/* Whether max_queued jobs are waiting. */
bool jobq_full(jobq_t *q);

#endif
