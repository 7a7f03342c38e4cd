/* streamer.c — the timer thread and life cycle behind streamer.h: one list
 * under one mutex; the thread sleeps until the earliest due answer and
 * posts it to its request's loop (http_req_post), where posted() runs the
 * owner's step and either schedules the next step or ends the answer.
 * Invariant: an answer on the list has at most one post queued (posted);
 * a client leaving while one is queued only marks it (cancelled) and the
 * post frees it, else it leaves the list and is freed at once. */
#include <pthread.h>

#include "core/gtime.h"
#include "http/http.h"
#include "services/dispatch.h"
#include "services/streamer.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static streamer_t *head;
static bool started;

void streamer_lock(void)
{
    pthread_mutex_lock(&mu);
}

void streamer_unlock(void)
{
    pthread_mutex_unlock(&mu);
}

static void unlink_s(streamer_t *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        head = s->next;
    if (s->next) s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

/* On the request's loop: s is due. */
static void posted(http_req_t *h, void *arg)
{
    (void)h;
    streamer_t *s = arg;
    pthread_mutex_lock(&mu);
    if (s->cancelled) { /* the client left; its request is gone */
        unlink_s(s);
        pthread_mutex_unlock(&mu);
        s->release(s);
        return;
    }
    s->woken = false;
    pthread_mutex_unlock(&mu);
    int64_t next = s->step(s, time_mono_us());
    pthread_mutex_lock(&mu);
    if (next > 0) {
        s->posted = false;
        s->due_us = s->woken ? 0 : next;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
        return;
    }
    /* over: the answer ends; a client gone meanwhile ended r through
     * on_abort already (cancelled), so r is not touched then */
    unlink_s(s);
    bool gone = s->cancelled;
    pthread_mutex_unlock(&mu);
    req_t *r = s->r;
    s->release(s);
    if (gone) return;
    r->on_abort = NULL;
    r->on_abort_arg = NULL;
    dispatch_stream_end(r);
}

/* On the request's loop, when its client left. */
static void aborted(req_t *r, void *arg)
{
    (void)r;
    streamer_t *s = arg;
    pthread_mutex_lock(&mu);
    if (s->posted) {
        s->cancelled = true; /* posted() frees it */
        pthread_mutex_unlock(&mu);
        return;
    }
    unlink_s(s);
    pthread_mutex_unlock(&mu);
    s->release(s);
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        int64_t now = time_mono_us(), next = 0;
        for (streamer_t *s = head; s; s = s->next) {
            if (s->posted) continue;
            if (s->due_us <= now) {
                s->posted = true;
                http_req_post(s->h, posted, s);
            } else if (!next || s->due_us < next) {
                next = s->due_us;
            }
        }
        time_cond_wait_mono(&cv, &mu, next);
    }
    return NULL;
}

static void init_cv(void)
{
    time_cond_init_mono(&cv);
}

bool streamer_add(streamer_t *s)
{
    if (!started) {
        pthread_once(&once, init_cv);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&t, &at, timer_main, NULL) == 0;
        pthread_attr_destroy(&at);
        if (!started) return false;
    }
    s->h = s->r->transport;
    s->posted = true; /* until it has begun: the thread leaves it alone */
    s->cancelled = s->woken = false;
    s->prev = NULL;
    s->next = head;
    if (head) head->prev = s;
    head = s;
    return true;
}

void streamer_wake(streamer_t *s)
{
    s->woken = true;
    s->due_us = 0;
    pthread_cond_signal(&cv);
}

void streamer_each(const void *kind, void (*fn)(streamer_t *s, void *arg), void *arg)
{
    for (streamer_t *s = head, *nx; s; s = nx) {
        nx = s->next;
        if (s->kind == kind && !s->cancelled) fn(s, arg);
    }
}

int streamer_begin(streamer_t *s, int64_t first_us)
{
    req_t *r = s->r;
    if (dispatch_stream_begin(r) != GR_OK) {
        /* the head went out as a bare 500: the answer is over */
        pthread_mutex_lock(&mu);
        unlink_s(s);
        pthread_mutex_unlock(&mu);
        s->release(s);
        dispatch_stream_end(r);
        return GR_AGAIN;
    }
    r->on_abort = aborted;
    r->on_abort_arg = s;
    pthread_mutex_lock(&mu);
    s->due_us = first_us;
    s->posted = false;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return GR_AGAIN;
}
