/* wait.c — SQS long polling: suspended ReceiveMessage requests and their timers.
 *
 * A waiter is a heap record (it must outlive neither side: the request's
 * arena may die with an abort, the record may still be in a post queue).
 * One background thread sleeps on a condition variable until the earliest
 * deadline; sends wake waiters of their queue directly. Either way the waiter
 * leaves the list under `mu` and a post to the request's loop does the rest,
 * so no thread is held per waiter. Invariant: a waiter is on the list, or
 * exactly one post for it is queued, never both; the post frees it. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/gtime.h"
#include "http/http.h"
#include "services/sqs/sqs.h"

typedef struct waiter {
    struct waiter *prev, *next;
    req_t *r;
    http_req_t *h;
    int64_t qid;
    int64_t deadline_us; /* monotonic */
    int64_t wake_us;     /* monotonic: a message becomes visible then (0: none) */
    bool listed;         /* on the list (else a post is queued) */
    bool cancelled;      /* the client left while the post was queued */
    bool timed_out;
} waiter_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static waiter_t *head;
static bool started;

static void unlink_w(waiter_t *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        head = w->next;
    if (w->next) w->next->prev = w->prev;
    w->prev = w->next = NULL;
    w->listed = false;
}

/* On the request's loop. */
static void posted(http_req_t *h, void *arg)
{
    waiter_t *w = arg;
    pthread_mutex_lock(&mu);
    bool cancelled = w->cancelled;
    pthread_mutex_unlock(&mu);
    req_t *r = w->r;
    int64_t deadline = w->deadline_us;
    bool timed_out = w->timed_out;
    free(w);
    if (cancelled) return; /* r is gone */
    r->on_abort = NULL;
    r->on_abort_arg = NULL;
    sqs__resume(r, deadline, timed_out);
}

/* Called with mu held. */
static void post_w(waiter_t *w, bool timed_out)
{
    unlink_w(w);
    w->timed_out = timed_out;
    http_req_post(w->h, posted, w);
}

/* On the request's loop, when its client left. */
static void aborted(req_t *r, void *arg)
{
    waiter_t *w = arg;
    pthread_mutex_lock(&mu);
    if (w->listed) {
        unlink_w(w);
        free(w);
    } else {
        w->cancelled = true; /* posted() frees it */
    }
    pthread_mutex_unlock(&mu);
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        int64_t now = time_mono_us(), next = 0;
        for (waiter_t *w = head, *nx; w; w = nx) {
            nx = w->next;
            int64_t due = w->wake_us && w->wake_us < w->deadline_us ? w->wake_us : w->deadline_us;
            if (due <= now)
                post_w(w, w->deadline_us <= now);
            else if (!next || due < next)
                next = due;
        }
        time_cond_wait_mono(&cv, &mu, next);
    }
    return NULL;
}

static void init_cv(void)
{
    time_cond_init_mono(&cv);
}

int sqs__wait(req_t *r, int64_t qid, int64_t deadline_mono_us, int64_t wake_mono_us)
{
    if (!r->transport) return GR_ERR;
    pthread_once(&once, init_cv);
    waiter_t *w = calloc(1, sizeof *w);
    if (!w) return GR_ERR;
    w->r = r;
    w->h = r->transport;
    w->qid = qid;
    w->deadline_us = deadline_mono_us;
    w->wake_us = wake_mono_us;
    pthread_mutex_lock(&mu);
    if (!started) {
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, timer_main, NULL) != 0) {
            pthread_attr_destroy(&at);
            pthread_mutex_unlock(&mu);
            free(w);
            return GR_ERR;
        }
        pthread_attr_destroy(&at);
        started = true;
    }
    w->next = head;
    if (head) head->prev = w;
    head = w;
    w->listed = true;
    r->on_abort = aborted;
    r->on_abort_arg = w;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return GR_OK;
}

void sqs__wake(int64_t qid, int n)
{
    pthread_mutex_lock(&mu);
    /* The oldest waiter first: the list is newest-first, so find the tail. */
    waiter_t *t = head;
    while (t && t->next) t = t->next;
    for (waiter_t *w = t, *pv; w && n > 0; w = pv) {
        pv = w->prev;
        if (w->qid == qid) {
            post_w(w, false);
            n--;
        }
    }
    pthread_mutex_unlock(&mu);
}
