/* stream.h — DynamoDB Streams, read side: the operations of the
 * dynamodbstreams service (src/services/dynamodbstreams/) implemented over
 * the DynamoDB tables that hold the records, so only DynamoDB's code reads
 * them. Each takes the streams operation's parsed input and fills its output
 * (shapes of botocore's dynamodbstreams model). */
#ifndef GR_SERVICES_DYNAMODB_STREAM_H
#define GR_SERVICES_DYNAMODB_STREAM_H

#include "core/req.h"

struct app;

int ddb_streams_list(req_t *r, const val_t *in, val_t *out);
int ddb_streams_describe(req_t *r, const val_t *in, val_t *out);
int ddb_streams_iterator(req_t *r, const val_t *in, val_t *out);
int ddb_streams_records(req_t *r, const val_t *in, val_t *out);

/* ==== For Lambda's event source mappings (public: ddb_stream_*) ====
 * The poller reads a stream as a sequence of positions: a record's position
 * is its sequence number, and reading "after" a position never misses a
 * record written later. Callable from any thread; strings in a. */
typedef struct {
    int64_t seq;        /* the record's position */
    str_t seq_text;     /* its SequenceNumber as AWS writes it */
    int64_t created_ms; /* when the change was written */
    str_t json;         /* the record as Lambda delivers it (eventID ... eventSourceARN) */
} ddb_stream_rec_t;
/* The one shard of the stream arn (the table's current stream) and the
 * position of its newest record (0: none yet). GR_ERR when there is no such
 * stream. */
int ddb_stream_shard(struct app *app, arena_t *a, str_t arn, str_t *shard_id, int64_t *last_seq);
/* Up to max records of the stream after position `after`, oldest first
 * (*n may be 0). GR_ERR when the stream is gone or the store fails. */
int ddb_stream_read(struct app *app, arena_t *a, str_t arn, int64_t after, int max, ddb_stream_rec_t **out, size_t *n);

#endif
