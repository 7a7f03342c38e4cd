/* jobq_test.c — the due-ordered job queue (services/jobq.h) with real
 * worker threads: jobs run in due order (equal ones as pushed) whatever the
 * order they were pushed in, a run hook may push its job back for later,
 * jobq_full holds to max_queued, and jobq_stop joins the workers and drops
 * what is still waiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gtime.h"
#include "services/jobq.h"

typedef struct {
    jobq_job_t q;
    int id;
    int runs_left; /* run pushes it back 10 ms later until this is 0 */
} tjob_t;

/* What the run hook saw, for the test thread to wait on. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int seen[16];
static int nseen, ndropped;
static void *run_arg; /* the arg run was given (cmocka asserts only on the test's thread) */

static void run(void *arg, jobq_job_t *qj);
static void drop(jobq_job_t *qj)
{
    free(qj);
    pthread_mutex_lock(&mu);
    ndropped++;
    pthread_mutex_unlock(&mu);
}

static jobq_t q = JOBQ_INIT(run, drop, 3);

static void run(void *arg, jobq_job_t *qj)
{
    tjob_t *j = (tjob_t *)qj;
    pthread_mutex_lock(&mu);
    run_arg = arg;
    if (nseen < 16) seen[nseen++] = j->id;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    if (j->runs_left-- > 0) {
        j->q.due_us = time_mono_us() + 10000;
        jobq_push(&q, &j->q);
    } else
        free(j);
}

static void push(int id, int64_t due_us, int runs_left)
{
    tjob_t *j = calloc(1, sizeof *j);
    assert_non_null(j);
    j->id = id, j->q.due_us = due_us, j->runs_left = runs_left;
    jobq_push(&q, &j->q);
}

/* Waits (at most 5 s) until the run hook has seen n jobs. */
static void wait_seen(int n)
{
    struct timespec ts = time_deadline(CLOCK_REALTIME, 5000000);
    pthread_mutex_lock(&mu);
    while (nseen < n && pthread_cond_timedwait(&cv, &mu, &ts) == 0) {
    }
    int got = nseen;
    pthread_mutex_unlock(&mu);
    assert_int_equal(got, n);
}

static int reset(void **state)
{
    (void)state;
    nseen = ndropped = 0;
    return 0;
}

static void test_due_order(void **state)
{
    (void)state;
    /* Pushed before the worker starts, as a request may before jobq_start. */
    int64_t now = time_mono_us();
    push(1, now + 60000, 0);
    push(2, now, 0);
    push(3, now + 20000, 0);
    push(4, now, 0); /* due with 2: after it */
    assert_int_equal(jobq_start(&q, 1, &q), 0);
    wait_seen(4);
    jobq_stop(&q);
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], 4);
    assert_int_equal(seen[2], 3);
    assert_int_equal(seen[3], 1);
    assert_int_equal(ndropped, 0);
    assert_ptr_equal(run_arg, &q);
}

static void test_push_back(void **state)
{
    (void)state;
    assert_int_equal(jobq_start(&q, 2, &q), 0);
    push(7, time_mono_us(), 2);
    wait_seen(3); /* the first run and two more, each pushed back by run */
    jobq_stop(&q);
    for (int i = 0; i < 3; i++) assert_int_equal(seen[i], 7);
}

static void test_full_and_stop_drops(void **state)
{
    (void)state;
    assert_int_equal(jobq_start(&q, 2, &q), 0);
    int64_t later = time_mono_us() + 3600LL * 1000000;
    assert_false(jobq_full(&q));
    push(1, later, 0), push(2, later, 0);
    assert_false(jobq_full(&q));
    push(3, later, 0);
    assert_true(jobq_full(&q));
    jobq_stop(&q);
    assert_int_equal(nseen, 0);
    assert_int_equal(ndropped, 3);
    assert_false(jobq_full(&q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_due_order, reset),
        cmocka_unit_test_setup(test_push_back, reset),
        cmocka_unit_test_setup(test_full_and_stop_drops, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
