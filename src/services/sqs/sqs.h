/* sqs.h — what the SQS files share: the queue record a handler loads from a
 * QueueUrl, and the long-poll waiters (wait.c).
 *
 * Every handler is protocol-agnostic: the same sqs_* functions serve the
 * query model (sqs_model) and its json 1.0 twin (sqsjson_model). A queue is
 * identified by (account, region, name); its row id keys messages and
 * waiters. Times are wall-clock milliseconds (time_now_us, fakeable). */
#ifndef GR_SERVICES_SQS_SQS_H
#define GR_SERVICES_SQS_SQS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"

typedef struct {
    int64_t id;
    str_t name;
    int64_t visibility_s, delay_s, retention_s, wait_s, max_size;
    bool fifo, content_dedup;
    str_t dlq_arn; /* RedrivePolicy.deadLetterTargetArn, or STR_NULL */
    int64_t max_receive;
    int64_t created_ms, modified_ms, purged_ms;
} sqs_queue_t;

/* This thread's SQS database; NULL on failure. */
sqlite3 *sqs__db(req_t *r);
/* Loads the queue named by in.QueueUrl into q; fails r with
 * AWS.SimpleQueueService.NonExistentQueue when there is none. */
int sqs__queue_from_url(req_t *r, sqlite3 *db, const val_t *in, sqs_queue_t *q);
/* Loads by name in the caller's account and region; GR_ERR without failing r if absent. */
int sqs__queue_by_name(req_t *r, sqlite3 *db, str_t name, sqs_queue_t *q);
int64_t sqs__now_ms(void);
int sqs__exec(sqlite3 *db, const char *sql);

/* ReceiveMessage's work without waiting: fills out.Messages; *n = how many. */
int sqs__receive(req_t *r, sqlite3 *db, const sqs_queue_t *q, const val_t *in, val_t *out, int *n);

/* ==== Long polling (wait.c) ====
 * Suspends r (the caller then returns GR_AGAIN) until a send to queue qid
 * wakes it or deadline_mono_us passes; then, on r's loop, receives again
 * and answers. One background thread holds all timers; a client that leaves
 * is taken off the list through r->on_abort. GR_ERR if r cannot suspend. */
int sqs__wait(req_t *r, int64_t qid, int64_t deadline_mono_us);
/* Wakes up to n waiters of queue qid (any thread). */
void sqs__wake(int64_t qid, int n);
/* On r's loop, after a wake (timed_out false) or the deadline: receive again;
 * answer r, or wait again when woken for nothing and time remains. */
void sqs__resume(req_t *r, int64_t deadline_mono_us, bool timed_out);

#endif
