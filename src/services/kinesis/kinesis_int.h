/* kinesis_int.h — what the Kinesis files share: the stream and shard
 * records, finding a stream by StreamName or StreamARN, 128-bit hash keys
 * and sequence numbers, small SQLite helpers.
 *
 * A stream is a kin_stream row; its shards split the 128-bit hash key range
 * evenly; SplitShard and MergeShards close shards and add their children
 * (numbered on, so a shard's number is its index in kin_stream_t.shards),
 * and the open shards always cover the whole range. A record's row id is the tail of
 * its sequence number, so within a shard sequence numbers increase with the
 * order records were acknowledged in. */
#ifndef GR_SERVICES_KINESIS_KINESIS_INT_H
#define GR_SERVICES_KINESIS_KINESIS_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"

struct app;

#define KIN_SHARD_LIMIT 500 /* AWS's default open-shard quota per account and region (most regions) */

#define KIN_RECORD_KIB_DEFAULT 1024 /* AWS: a record's data and key, unless UpdateMaxRecordSize raised it */

typedef unsigned __int128 kin_u128_t;

typedef struct {
    int num;
    kin_u128_t start, end; /* hash keys owned, inclusive */
    int parent, adjacent;  /* shard numbers; -1: none */
    int64_t closed_row;    /* -1 while open; else its last sequence number's row id */
} kin_shard_t;

typedef struct {
    int64_t id;
    str_t account, region, name;
    int64_t created_ms;
    str_t mode; /* PROVISIONED | ON_DEMAND */
    int64_t retention_h;
    str_t metrics;          /* enhanced shard-level metrics, comma-separated */
    str_t encryption;       /* NONE | KMS */
    str_t key_id;           /* the KMS key when KMS */
    str_t policy;           /* its resource policy's JSON text; STR_NULL: none */
    int64_t max_record_kib; /* MaxRecordSizeInKiB: 1024 (1 MiB) unless raised */
    int64_t warm_mibps;     /* warm throughput asked for, MiB/s; -1: never set */
    kin_shard_t *shards;
    int nshards;
} kin_stream_t;

sqlite3 *kin__db(struct app *app);
int64_t kin__now_ms(void);
/* The length of a retention hour in ms: 3 600 000, or GUREUM_KINESIS_HOUR_MS
 * in GUREUM_TESTING builds, so a test can watch the 24 h minimum run out. */
int64_t kin__hour_ms(void);
int kin__tx_end(sqlite3 *db, int rc); /* COMMIT when rc is GR_OK, else ROLLBACK; rc */

/* Loads a stream with its shards; GR_ERR (nothing failed) when absent. */
int kin__stream(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, kin_stream_t *s);
/* The stream in.StreamName / in.StreamARN names, or r failed with AWS's
 * ResourceNotFoundException (or InvalidArgumentException for neither). */
int kin__stream_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s);
/* The same for an operation on one shard of the stream (GetShardIterator):
 * AWS reports an absent stream as "Shard shardId-… in stream S under
 * account A does not exist". */
int kin__stream_of_shard_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, int shard);
/* A registered consumer of a stream. */
typedef struct {
    str_t name, arn;
    int64_t created; /* epoch seconds: its ARN's tail */
    str_t policy;    /* its resource policy's JSON text; STR_NULL: none */
} kin_consumer_t;
/* The consumer in.ConsumerARN, or in.StreamARN with in.ConsumerName, names,
 * with its stream, once the caller may act on it (kin__authorize); else r
 * failed as AWS fails it ("Consumer ARN, account A not found."). */
int kin__consumer_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, kin_consumer_t *c);
/* "STREAM-ARN/consumer/NAME:CREATED" → its parts; false if not of that form. */
bool kin__consumer_arn_parse(str_t carn, str_t *stream_arn, str_t *name, int64_t *created);
str_t kin__consumer_arn(arena_t *a, const kin_stream_t *s, str_t name, int64_t created_s);
/* Tags in the caller's transaction (a map of Key → Value, NULL: none):
 * added to the stream's, or the consumer's, at most 50 in all (r failed with
 * AWS's InvalidArgumentException beyond). */
int kin__put_tags(req_t *r, sqlite3 *db, const kin_stream_t *s, const val_t *tags);
int kin__put_consumer_tags(req_t *r, sqlite3 *db, const kin_stream_t *s, str_t consumer, const val_t *tags);

/* Whether the caller may perform r's operation on stream s (owned by
 * another account, or carrying a resource policy): the stream's policy must
 * allow a caller of another account, and its explicit Deny refuses any but
 * the owner's root (policy.c). resource is the stream's ARN or, for an
 * operation on a consumer, the consumer's; policy the resource's own. GR_OK,
 * or r failed with AccessDeniedException. */
int kin__authorize(req_t *r, const kin_stream_t *s, str_t resource, str_t policy);
/* "arn:aws:kinesis:R:A:stream/NAME" → account, region, name; false if not one. */
bool kin__parse_arn(str_t arn, str_t *account, str_t *region, str_t *name);
str_t kin__arn(arena_t *a, const kin_stream_t *s);
str_t kin__shard_id(arena_t *a, int num); /* "shardId-000000000003" */
int kin__shard_num(str_t shard_id);       /* -1 when not of that form */
/* A shard id as AWS reads one in GetShardIterator, SplitShard and
 * MergeShards: the digits after its first '-' (up to the next), or the
 * whole id without one, at most 2^31-1 — "shardId-5", "5" and "x-00005"
 * all name shardId-000000000005 (kinesalite's suite, run against AWS).
 * -1: no shard; kin__shard_ref_or_fail then fails r with AWS's "Could not
 * find shard ID in stream S under account A.", which AWS answers before it
 * looks the stream up. */
int kin__shard_ref(str_t shard_id);
int kin__shard_ref_or_fail(req_t *r, const val_t *in, str_t shard_id, int *num);
str_t kin__u128_str(arena_t *a, kin_u128_t v);
bool kin__u128_parse(str_t s, kin_u128_t *v);
/* Sequence numbers: 56 decimal digits, "49" + stream id + shard + row id. */
str_t kin__seq(arena_t *a, int64_t sid, int shard, int64_t id);
bool kin__seq_parse(str_t seq, int64_t *sid, int *shard, int64_t *id);
/* The account's open shards in the region (-1: the store failed). */
int64_t kin__open_shards(sqlite3 *db, str_t account, str_t region);
/* A listing's NextToken in name order: base64 of kind ("ls1/" streams,
 * "lc1/" consumers) and the last name returned (kin__name_token), read back
 * into *after, which stays as it was without a token; InvalidArgumentException
 * "Invalid NextToken." for a token that is not of kind. */
str_t kin__name_token(arena_t *a, const char *kind, str_t last);
int kin__name_token_or_fail(req_t *r, const val_t *in, const char *kind, str_t *after);
/* Warm throughput (settings.c): whether a stream of mode may be warmed to
 * mibps in the caller's account, or r failed as AWS fails it; and the
 * WarmThroughputObject of a stream warmed to mibps. */
int kin__warm_ok_or_fail(req_t *r, sqlite3 *db, str_t mode, int64_t mibps);
val_t *kin__warm_val(arena_t *a, int64_t mibps);
/* Where reading shard `shard` of s starts for a starting position (type
 * TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER with seq, AT_TIMESTAMP
 * with ts): *after, the row id reading goes on after; else r failed as AWS
 * fails GetShardIterator (record.c). */
int kin__position_or_fail(req_t *r, sqlite3 *db, const kin_stream_t *s, int shard, str_t type, str_t seq,
                          const val_t *ts, int64_t *after);
/* The stream id a shard iterator reads (record.c); false if tok is none. */
bool kin__iterator_stream(arena_t *a, str_t tok, int64_t *sid);
/* Records were committed to stream sid, or it or a consumer of it went:
 * its subscriptions read on, or end (subscribe.c). Any thread. */
void kin__notify(int64_t sid);
/* Deletes the stream's records older than its retention. */
int kin__expire(sqlite3 *db, const kin_stream_t *s);

#endif
