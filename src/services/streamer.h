/* streamer.h — answers streamed over time: a suspended request whose event
 * stream (dispatch_stream_*) a service feeds on a schedule and when woken
 * (Kinesis's SubscribeToShard, Logs' StartLiveTail).
 *
 * One background thread keeps every such answer on one list and, when one
 * is due, posts it to its request's loop, where the owner's step sends what
 * is due and says when it is due next. A posted answer is not posted again
 * until its step returned. The owner embeds a streamer_t in its own heap
 * record (it must outlive the request, which a client may abandon, and any
 * queued post); streamer frees it through release once the answer is over
 * or the client left, and never before a queued post ran.
 *
 * Usage: fill r, step, release and kind; under streamer_lock check what
 * the owner must (a quota, another subscription) and streamer_add; unlock;
 * then streamer_begin. The lock also guards the owner's fields that
 * streamer_each callbacks (under the lock) and its step (taking the lock
 * itself) share. */
#ifndef GR_SERVICES_STREAMER_H
#define GR_SERVICES_STREAMER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"

typedef struct streamer streamer_t;
struct streamer {
    /* the owner's, set before streamer_add */
    req_t *r;
    /* On the request's loop, without the lock, when due or woken: sends
     * what is due. Returns when it is next due (monotonic µs; now or
     * earlier: at once), or 0 when the answer is over (streamer ends it),
     * or -1 when the client is gone or sending failed (likewise). */
    int64_t (*step)(streamer_t *s, int64_t now_us);
    void (*release)(streamer_t *s); /* frees the owner's record */
    const void *kind;               /* the owner's tag, for streamer_each */
    /* streamer's own */
    streamer_t *prev, *next;
    struct http_req *h;
    int64_t due_us;
    bool posted, cancelled, woken;
};

void streamer_lock(void);
void streamer_unlock(void);
/* With the lock held: s joins the list, not yet due (the thread starts on
 * first use). false when the thread cannot start (s not added). */
bool streamer_add(streamer_t *s);
/* With the lock held: s is due now (a post already queued or running
 * steps again at once after it). */
void streamer_wake(streamer_t *s);
/* With the lock held: fn on each answer of kind on the list. */
void streamer_each(const void *kind, void (*fn)(streamer_t *s, void *arg), void *arg);
/* Without the lock, after streamer_add: sends the answer's head and makes
 * s due at first_us. GR_AGAIN for the handler to return; when the head
 * cannot be sent the answer is over and s released already. */
int streamer_begin(streamer_t *s, int64_t first_us);

#endif
