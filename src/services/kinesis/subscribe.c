/* subscribe.c — SubscribeToShard: a registered consumer reads one shard as
 * an event stream (enhanced fan-out). The answer is an HTTP/1.1 response in
 * AWS's event-stream framing (dispatch_stream_*): the initial-response, then
 * a SubscribeToShardEvent with the records from the starting position, then
 * one as records arrive, and an empty one every few seconds while none do,
 * for 5 minutes; a closed shard read to its end gets a last event naming
 * its child shards. Then the answer ends, and the consumer subscribes again
 * from its ContinuationSequenceNumber (a subscription a later one took over
 * ends at once).
 *
 * A subscription is a heap record driven by streamer.h: its step, on the
 * request's loop, reads and sends when it is due (records committed to its
 * stream wake it through kin__notify; else its heartbeat or end). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "kinesis_int.h"
#include "kinesis_model.h"
#include "services/app.h"
#include "services/dispatch.h"
#include "services/streamer.h"

#define SUBSCRIPTION_MS 300000 /* AWS: a subscription lasts up to 5 minutes */
#define HEARTBEAT_MS 5000      /* ours: an empty event this often while no records arrive */
#define EVENT_RECORDS 10000    /* records in one event, as GetRecords' Limit */
#define EVENT_BYTES (10 << 20) /* as GetRecords' 10 MiB */
#define BACKLOG_MAX (16 << 20) /* unsent bytes past which reading waits for the client */
#define TAKEOVER_MS 5000       /* AWS: a second subscription this soon is refused, later it takes over */

typedef struct sub {
    streamer_t s; /* first: the record is its streamer_t */
    app_t *app;
    int64_t sid; /* the stream */
    int shard;
    int64_t after;                   /* the row id reading goes on after */
    char *key;                       /* "CONSUMER-ARN shard": one subscription at a time (malloc'd) */
    size_t name_at, name_len;        /* the consumer's name within key */
    int64_t created_s;               /* the consumer's registration (its ARN's tail) */
    int64_t started_us, deadline_us; /* monotonic */
    bool superseded;                 /* a later subscription took over: this one ends (under streamer_lock) */
} sub_t;

static const char kind; /* streamer_each's tag for subscriptions */

static int64_t subscription_ms(void)
{
    static _Atomic int64_t unit;
    return time_test_unit_ms(&unit, "GUREUM_KINESIS_SUBSCRIPTION_MS", SUBSCRIPTION_MS);
}

static void release(streamer_t *s)
{
    sub_t *sub = (sub_t *)s;
    free(sub->key);
    free(sub);
}

static void wake_stream(streamer_t *s, void *arg)
{
    if (((sub_t *)s)->sid == *(const int64_t *)arg) streamer_wake(s);
}

void kin__notify(int64_t sid)
{
    streamer_lock();
    streamer_each(&kind, wake_stream, &sid);
    streamer_unlock();
}

/* ==== Reading on the request's loop ==== */

static val_t *record_val(arena_t *a, int64_t sid, int shard, sqlite3_stmt *st)
{
    val_t *rec = val_new(a, VAL_STRUCT);
    size_t size = (size_t)sqlite3_column_bytes(st, 3);
    char *copy = arena_alloc(a, size + 1);
    if (!rec || !copy) return NULL;
    if (size) memcpy(copy, sqlite3_column_blob(st, 3), size);
    val_set_c(a, rec, "SequenceNumber", val_str(a, kin__seq(a, sid, shard, sqlite3_column_int64(st, 0))));
    val_set_c(a, rec, "ApproximateArrivalTimestamp", val_time(a, sqlite3_column_int64(st, 1) * 1000));
    val_set_c(a, rec, "Data", val_blob(a, str_n(copy, size)));
    val_set_c(a, rec, "PartitionKey", val_str(a, store_col_str(a, st, 2)));
    return rec;
}

/* The shards made from shard num (SplitShard's two, MergeShards' one). */
static val_t *children_val(arena_t *a, const kin_stream_t *s, int num)
{
    val_t *list = val_new(a, VAL_LIST);
    for (int i = 0; i < s->nshards; i++) {
        const kin_shard_t *h = &s->shards[i];
        if (h->parent != num && h->adjacent != num) continue;
        val_t *c = val_new(a, VAL_STRUCT), *parents = val_new(a, VAL_LIST), *hk = val_new(a, VAL_STRUCT);
        val_set_c(a, c, "ShardId", val_str(a, kin__shard_id(a, h->num)));
        val_push(a, parents, val_str(a, kin__shard_id(a, h->parent)));
        if (h->adjacent >= 0) val_push(a, parents, val_str(a, kin__shard_id(a, h->adjacent)));
        val_set_c(a, c, "ParentShards", parents);
        val_set_c(a, hk, "StartingHashKey", val_str(a, kin__u128_str(a, h->start)));
        val_set_c(a, hk, "EndingHashKey", val_str(a, kin__u128_str(a, h->end)));
        val_set_c(a, c, "HashKeyRange", hk);
        val_push(a, list, c);
    }
    return list;
}

/* The stream of sub, whoever owns it; GR_ERR when it is gone. */
static int load_stream(sqlite3 *db, arena_t *a, int64_t sid, kin_stream_t *s)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, name FROM kin_stream WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, sid);
    str_t acc = STR_NULL, reg = STR_NULL, name = STR_NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        acc = store_col_str(a, st, 0);
        reg = store_col_str(a, st, 1);
        name = store_col_str(a, st, 2);
    }
    store_release(st);
    return name.p ? kin__stream(db, a, acc, reg, name, s) : GR_ERR;
}

/* Whether the consumer is still registered as it was: a consumer
 * deregistered (or registered again) ends its subscriptions. */
static bool registered(sqlite3 *db, int64_t sid, str_t name, int64_t created_s)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM kin_consumer WHERE sid = ?1 AND name = ?2 AND created_s = ?3");
    if (!st) return true; /* a store failure is not a deregistration */
    sqlite3_bind_int64(st, 1, sid);
    store_bind_str(st, 2, name);
    sqlite3_bind_int64(st, 3, created_s);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return yes;
}

/* Sends one event of what the shard holds after sub->after. *more: records
 * are left for another event; *ended: the shard is closed and read to its
 * end, or its stream is gone. -1: the client is gone or the store failed. */
static int send_event(sub_t *sub, arena_t *a, bool *more, bool *ended)
{
    *more = *ended = false;
    sqlite3 *db = kin__db(sub->app);
    kin_stream_t s;
    if (!db) return -1;
    if (load_stream(db, a, sub->sid, &s) != GR_OK || sub->shard >= s.nshards ||
        !registered(db, s.id, str_n(sub->key + sub->name_at, sub->name_len), sub->created_s)) {
        *ended = true;
        return 0;
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT id, arrival_ms, pkey, data FROM kin_record WHERE sid = ?1 AND "
                                      "shard = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int(st, 2, sub->shard);
    sqlite3_bind_int64(st, 3, sub->after);
    sqlite3_bind_int(st, 4, EVENT_RECORDS + 1);
    val_t *recs = val_new(a, VAL_LIST);
    int64_t n = 0, bytes = 0, last_arrival = 0, after = sub->after;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t size = sqlite3_column_bytes(st, 3);
        if (n == EVENT_RECORDS || (n > 0 && bytes + size > EVENT_BYTES)) {
            *more = true;
            break;
        }
        val_t *rec = record_val(a, s.id, sub->shard, st);
        if (!rec) break;
        val_push(a, recs, rec);
        n++;
        bytes += size;
        after = sqlite3_column_int64(st, 0);
        last_arrival = sqlite3_column_int64(st, 1);
    }
    store_release(st);
    val_t *ev = val_new(a, VAL_STRUCT), *body = val_new(a, VAL_STRUCT);
    val_set_c(a, body, "Records", recs);
    /* AWS: a closed shard read to its end names its children and no
     * continuation; the subscription ends with it */
    const kin_shard_t *h = &s.shards[sub->shard];
    if (h->closed_row >= 0 && !*more) {
        *ended = true;
        val_set_c(a, body, "ChildShards", children_val(a, &s, sub->shard));
    } else {
        val_set_c(a, body, "ContinuationSequenceNumber", val_str(a, kin__seq(a, s.id, sub->shard, after)));
    }
    val_set_c(a, body, "MillisBehindLatest", val_int(a, *more ? kin__now_ms() - last_arrival : 0));
    val_set_c(a, ev, "SubscribeToShardEvent", body);
    if (arena_failed(a) || dispatch_stream_event(sub->s.r, ev) != GR_OK) return -1;
    sub->after = after;
    return 0;
}

/* On the request's loop: the subscription is due (streamer.h): records
 * arrived, or its heartbeat or end. */
static int64_t step(streamer_t *s, int64_t now)
{
    sub_t *sub = (sub_t *)s;
    streamer_lock();
    bool ended = sub->superseded;
    streamer_unlock();
    if (ended) return 0;
    bool more = false;
    arena_t *a = arena_new(64u << 20);
    int rc = -1;
    long backlog = dispatch_stream_backlog(s->r);
    if (a && backlog >= 0 && backlog < BACKLOG_MAX)
        rc = send_event(sub, a, &more, &ended);
    else if (a && backlog >= 0)
        rc = 0; /* the client is behind: read when it has caught up */
    arena_free(a);
    if (rc < 0) return -1;
    if (ended || now >= sub->deadline_us) return 0;
    if (more) return now;
    int64_t beat = now + HEARTBEAT_MS * 1000;
    return beat < sub->deadline_us ? beat : sub->deadline_us;
}

/* Another subscription of the same key: one younger than TAKEOVER_MS makes
 * the new one busy, an older one ends (the timer posts it). */
typedef struct {
    const sub_t *new;
    int64_t now;
    bool busy;
} takeover_t;

static void take_over(streamer_t *s, void *arg)
{
    takeover_t *t = arg;
    sub_t *o = (sub_t *)s;
    if (o->superseded || strcmp(o->key, t->new->key) != 0) return;
    if (t->now - o->started_us < TAKEOVER_MS * 1000) {
        t->busy = true;
        return;
    }
    o->superseded = true;
    streamer_wake(s);
}

/* ==== The operation ==== */

/* AWS: the consumer by its ARN, a shard of its stream, and a starting
 * position as GetShardIterator takes one. "If you call SubscribeToShard
 * again with the same ConsumerARN and ShardId within 5 seconds of a
 * successful call, you'll get a ResourceInUseException. If you call
 * SubscribeToShard 5 seconds or more after a successful call, the second
 * call takes over the subscription and the previous connection expires"
 * (SubscribeToShard; the refusal's text is ours). */
int kinesis_subscribe_to_shard(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    kin_consumer_t c;
    if (kin__consumer_or_fail(r, db, in, &s, &c) != GR_OK) return GR_ERR;
    str_t shard_id = val_get_str(in, "ShardId");
    int shard = kin__shard_num(shard_id);
    if (shard < 0 || shard >= s.nshards)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                        "Shard %.*s in stream %.*s under account %.*s does not exist", STR_FMT(shard_id),
                        STR_FMT(s.name), STR_FMT(s.account));
    const val_t *sp = val_get(in, "StartingPosition");
    int64_t after;
    if (kin__position_or_fail(r, db, &s, shard, val_get_str(sp, "Type"), val_get_str(sp, "SequenceNumber"),
                              val_get(sp, "Timestamp"), &after) != GR_OK)
        return GR_ERR;
    if (!r->transport) /* an in-process caller has no connection to stream to */
        return req_fail(r, &ERR_InternalFailure, "SubscribeToShard needs an HTTP connection.");
    sub_t *sub = calloc(1, sizeof *sub);
    char *key = arena_printf(a, "%.*s %d", STR_FMT(c.arn), shard);
    if (!sub || !key || !(sub->key = strdup(key))) {
        free(sub);
        return GR_ERR;
    }
    int64_t now = time_mono_us();
    *sub = (sub_t){.s = {.r = r, .step = step, .release = release, .kind = &kind},
                   .app = r->app,
                   .sid = s.id,
                   .shard = shard,
                   .after = after,
                   .key = sub->key,
                   .started_us = now,
                   .deadline_us = now + subscription_ms() * 1000,
                   .created_s = c.created};
    /* the name within "STREAM-ARN/consumer/NAME:CREATED shard" */
    sub->name_at = (size_t)(c.arn.len - c.name.len - 1 - (size_t)snprintf(NULL, 0, "%lld", (long long)c.created));
    sub->name_len = c.name.len;
    streamer_lock();
    takeover_t t = {.new = sub, .now = now};
    streamer_each(&kind, take_over, &t);
    bool added = !t.busy && streamer_add(&sub->s);
    streamer_unlock();
    if (!added) {
        release(&sub->s);
        if (!t.busy) return GR_ERR;
        return req_fail(r, &KINESIS_ERR_ResourceInUseException,
                        "Another active subscription exists for this consumer: %.*s", STR_FMT(c.arn));
    }
    return streamer_begin(&sub->s, now); /* the first event at once, with what the shard holds */
}
