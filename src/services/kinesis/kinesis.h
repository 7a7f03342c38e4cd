/* kinesis.h — what other services call in Kinesis Data Streams (public:
 * kinesis_*): DynamoDB's Kinesis streaming destinations check their stream
 * and put each item change through this, never through the kinesis tables.
 * Callable from any thread (each uses its own store connection). */
#ifndef GR_SERVICES_KINESIS_KINESIS_H
#define GR_SERVICES_KINESIS_KINESIS_H

#include <stdbool.h>

#include "auth/policy.h"
#include "core/arena.h"
#include "core/str.h"

struct app;
struct req;

/* Whether the stream "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME" exists. */
bool kinesis_stream_exists(struct app *app, str_t arn);

/* Appends one record to the stream named by arn, routed by the MD5 of pkey
 * as PutRecord routes it. GR_OK; GR_ERR when the stream is gone or the store
 * fails (nothing appended). */
int kinesis_put(struct app *app, str_t arn, str_t pkey, str_t data);

/* ==== For Lambda's event source mappings ====
 * A poller reads each shard as a sequence of positions (a record's row id:
 * reading "after" a position never misses a record appended later) and
 * follows closed shards to their children. Strings in a. */
typedef struct {
    int num;              /* the shard's number: ShardId shardId-<num, 12 digits> */
    int parent, adjacent; /* its parents' numbers, -1 when none */
    int64_t closed_at;    /* -1 while open; else the position of its last record */
} kinesis_shard_t;
/* The shards of the stream arn, and the position the newest record of the
 * stream has (LATEST: read after it). GR_ERR when there is no such stream. */
int kinesis_shards(struct app *app, arena_t *a, str_t arn, kinesis_shard_t **out, int *n, int64_t *latest);
/* The position just before the first record that arrived at or after
 * time_ms (AT_TIMESTAMP); the newest position when none did. */
int kinesis_position_at(struct app *app, str_t arn, int64_t time_ms, int64_t *pos);
typedef struct {
    int64_t pos;
    str_t seq, pkey, data; /* SequenceNumber, PartitionKey, the data bytes */
    int64_t arrival_ms;
} kinesis_rec_t;
/* Up to max records of shard `shard` after position `after`, oldest first
 * (*n may be 0). GR_ERR when the stream or shard is gone. */
int kinesis_read(struct app *app, arena_t *a, str_t arn, int shard, int64_t after, int max, kinesis_rec_t **out,
                 size_t *n);

/* The registry's resource_grant hook (policy.c): the verdict of the
 * resource policy of the stream or consumer the request names, when it is
 * in the caller's account, by AWS's same-account rule. */
policy_result_t kinesis_resource_grant(struct req *r, str_t action, str_t resource, const policy_t *session,
                                       const policy_t *boundary);

/* The registry's tick hook (record.c): deletes records past their stream's
 * retention, a bounded batch at a time, on the ticker thread. */
unsigned kinesis_tick(struct app *app);
struct req;
/* The registry's resource_tags hook (policy.c): a stream's or consumer's
 * tags by ARN, for aws:ResourceTag. */
int kinesis_resource_tags(struct req *r, str_t resource, const val_t **tags);

#endif
