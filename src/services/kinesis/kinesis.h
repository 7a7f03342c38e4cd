/* kinesis.h — what other services call in Kinesis Data Streams (public:
 * kinesis_*): DynamoDB's Kinesis streaming destinations check their stream
 * and put each item change through this, never through the kinesis tables.
 * Callable from any thread (each uses its own store connection). */
#ifndef GR_SERVICES_KINESIS_KINESIS_H
#define GR_SERVICES_KINESIS_KINESIS_H

#include <stdbool.h>

#include "core/str.h"

struct app;

/* Whether the stream "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME" exists. */
bool kinesis_stream_exists(struct app *app, str_t arn);

/* Appends one record to the stream named by arn, routed by the MD5 of pkey
 * as PutRecord routes it. GR_OK; GR_ERR when the stream is gone or the store
 * fails (nothing appended). */
int kinesis_put(struct app *app, str_t arn, str_t pkey, str_t data);

/* The registry's tick hook (record.c): deletes records past their stream's
 * retention, a bounded batch at a time, on the ticker thread. */
unsigned kinesis_tick(struct app *app);

#endif
