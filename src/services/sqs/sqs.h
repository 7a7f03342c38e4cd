/* sqs.h — what the SQS files share: the queue record a handler loads from a
 * QueueUrl (queue.c, which also authorizes), messages (message.c), the
 * long-poll waiters (wait.c), permissions (permission.c), move tasks and
 * time-driven work (move.c); and, at the end, the public calls other
 * services make (calls.c).
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

struct app;

typedef struct {
    int64_t id;
    str_t account, region, name;
    int64_t visibility_s, delay_s, retention_s, wait_s, max_size;
    bool fifo, content_dedup;
    bool dedup_by_group; /* DeduplicationScope messageGroup */
    str_t dlq_arn;       /* RedrivePolicy.deadLetterTargetArn, or STR_NULL */
    str_t policy;        /* the Policy attribute (JSON), or STR_NULL */
    str_t redrive_allow; /* the RedriveAllowPolicy attribute (JSON), or STR_NULL */
    int64_t max_receive;
    int64_t created_ms, modified_ms, purged_ms;
} sqs_queue_t;

/* This thread's SQS database; NULL on failure. */
sqlite3 *sqs__db(req_t *r);
/* The registry's resource_tags hook (queue.c): a queue's tags by its ARN. */
int sqs_resource_tags(req_t *r, str_t resource, const val_t **tags);
/* Loads the queue named by in.QueueUrl (in the account the URL names) into
 * q and authorizes r's operation on it; fails r with
 * AWS.SimpleQueueService.NonExistentQueue when there is none. */
int sqs__queue_from_url(req_t *r, sqlite3 *db, const val_t *in, sqs_queue_t *q);
/* Loads by name in the caller's account and region; GR_ERR without failing r if absent. */
int sqs__queue_by_name(req_t *r, sqlite3 *db, str_t name, sqs_queue_t *q);
/* The same for any account and region (strings copied into a). */
int sqs__queue_get(arena_t *a, sqlite3 *db, str_t account, str_t region, str_t name, sqs_queue_t *q);
/* Loads the queue an ARN (arn:aws:sqs:REGION:ACCOUNT:NAME) names; GR_ERR if none. */
int sqs__queue_by_arn(arena_t *a, sqlite3 *db, str_t arn, sqs_queue_t *q);
int64_t sqs__now_ms(void);
/* "arn:aws:sqs:REGION:ACCOUNT:NAME" of q, in a. */
const char *sqs__queue_arn(arena_t *a, const sqs_queue_t *q);
/* Whether r's caller may perform SQS operation `op` on q: its identity
 * policies and q's Policy, within or across accounts (authz.h). GR_OK, or r
 * failed with AccessDenied. */
int sqs__authorize(req_t *r, const sqs_queue_t *q, const char *op);
/* Binds s as text (empty when STR_NULL), which must outlive the step. */
void sqs__bind(sqlite3_stmt *st, int i, str_t s);
int sqs__exec(sqlite3 *db, const char *sql);
/* BEGIN IMMEDIATE on db: GR_OK / GR_ERR. */
int sqs__begin(sqlite3 *db);
/* Ends the transaction sqs__begin opened: commits when ok, rolls back when
 * not or when the commit fails. GR_OK only when committed. */
int sqs__end(sqlite3 *db, bool ok);

/* A refused message or entry: the AWS error and its message (arena). */
typedef struct {
    const aws_errdef_t *e;
    const char *msg;
} sqs__fail_t;

/* One observation of an AWS/SQS metric of queue q (dimension QueueName),
 * counted in memory and published by the ticker (services/pubmetrics.h). */
void sqs__metric(struct app *app, const sqs_queue_t *q, const char *metric, const char *unit, double value);
/* Publishes every active queue's sampled gauges (gauges.c); sqs_tick, once
 * per metrics period. */
void sqs__gauges(struct app *app, sqlite3 *db, int64_t now);
/* One SendMessage (or batch entry) `e` inside the caller's transaction:
 * checks it as AWS does (GR_ERR with f->e set) and stores it; fills res
 * (MessageId, MD5s, SequenceNumber). GR_ERR with f->e NULL: storage failed.
 * The caller commits and then wakes long-pollers. */
int sqs__send(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *e, str_t sender, val_t *res,
              sqs__fail_t *f);
/* SendMessage's whole work: sqs__send in a transaction of its own, then the
 * queue's long-pollers woken. GR_ERR with f->e set (refused) or not
 * (storage failed). */
int sqs__send_one(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *e, str_t sender,
                  val_t *res, sqs__fail_t *f);
/* The deadLetterTargetArn of a RedrivePolicy document (STR_NULL if none). */
str_t sqs__redrive_target(str_t redrive_policy);
/* Time-driven work (move.c): moves what running message move tasks may move
 * by now and deletes messages past their queue's retention period. Called by
 * every SQS request (sqs__db) and every call from another service, on db; a
 * no-op then unless no background ticker runs (services/ticker.h) and the
 * work is due (every 200 ms / 5 s). force (the move task handlers): moves
 * now, ticker or not. */
struct app;
void sqs__tick(struct app *app, sqlite3 *db, bool force);
/* A MessageRetentionPeriod of retention_s seconds in ms (test builds may
 * shorten the second: GUREUM_SQS_RETENTION_SECOND_MS). */
int64_t sqs__retention_ms(int64_t retention_s);

/* ReceiveMessage's work without waiting: fills out.Messages; *n = how many. */
int sqs__receive(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, const val_t *in, val_t *out, int *n);
/* Deletes the message with this receipt handle (a stale handle succeeds). */
int sqs__delete(struct app *app, arena_t *a, sqlite3 *db, const sqs_queue_t *q, str_t receipt, sqs__fail_t *f);

/* ==== Long polling (wait.c) ====
 * Suspends r (the caller then returns GR_AGAIN) until a send to queue qid
 * wakes it, wake_mono_us comes (a message of the queue becomes visible
 * then; 0: none will) or deadline_mono_us passes; then, on r's loop,
 * receives again and answers. One background thread holds all timers; a
 * client that leaves is taken off the list through r->on_abort. GR_ERR if r
 * cannot suspend. */
int sqs__wait(req_t *r, int64_t qid, int64_t deadline_mono_us, int64_t wake_mono_us);
/* Wakes up to n waiters of queue qid (any thread). */
void sqs__wake(int64_t qid, int n);
/* On r's loop, after a wake (timed_out false) or the deadline: receive again;
 * answer r, or wait again when woken for nothing and time remains. */
void sqs__resume(req_t *r, int64_t deadline_mono_us, bool timed_out);

/* ==== Calls from other services (public: sqs_*) ====
 * SNS subscriptions, EventBridge targets, S3 event notifications and Lambda
 * (destinations, event source mappings) reach SQS through these, never
 * through its tables. Callable from any thread (each uses that thread's store
 * connection); no request is needed. Authorization of the sender against the
 * queue policy is the caller's business through sqs_allows(). */
struct app;
/* Sends as SendMessage would (size limit, delay, FIFO group and
 * deduplication, wakes long-pollers). msg_attrs: SQS MessageAttributes
 * (VAL_MAP name -> {DataType, StringValue|BinaryValue}) or NULL. On success
 * *msg_id (arena) is the new message id; GR_ERR + *err (AWS's message) if the
 * queue does not exist or the message is refused. */
int sqs_deliver(struct app *app, arena_t *a, str_t queue_arn, str_t body, const val_t *msg_attrs, str_t group_id,
                str_t dedup_id, str_t *msg_id, const char **err);
/* Whether the queue's policy (or same-account ownership) lets `principal`
 * (an ARN, or a service principal such as "sns.amazonaws.com") perform
 * `action` with aws:SourceArn = source_arn (may be STR_NULL). */
bool sqs_allows(struct app *app, arena_t *a, str_t queue_arn, str_t principal, const char *action, str_t source_arn);

typedef struct {
    str_t id, receipt, body, md5_body;
    val_t *attributes;     /* VAL_MAP of system attributes (SentTimestamp, ApproximateReceiveCount, ...) */
    val_t *msg_attributes; /* VAL_MAP as in ReceiveMessage, or NULL */
} sqs_msg_t;
/* Receives up to max messages (no waiting) with the given visibility timeout
 * (-1 = the queue's), as ReceiveMessage does, for event source mappings. */
int sqs_receive_internal(struct app *app, arena_t *a, str_t queue_arn, int max, int64_t visibility_s, sqs_msg_t **out,
                         size_t *n, const char **err);
int sqs_delete_internal(struct app *app, str_t queue_arn, str_t receipt);

/* The registry's tick hook (move.c): moves what running message move tasks
 * may move by now and deletes messages past their retention period, a
 * bounded batch each, on the ticker thread (services/ticker.h). */
unsigned sqs_tick(struct app *app);

#endif
