/* stream.h — DynamoDB Streams, read side: the operations of the
 * dynamodbstreams service (src/services/dynamodbstreams/) implemented over
 * the DynamoDB tables that hold the records, so only DynamoDB's code reads
 * them. Each takes the streams operation's parsed input and fills its output
 * (shapes of botocore's dynamodbstreams model). */
#ifndef GR_SERVICES_DYNAMODB_STREAM_H
#define GR_SERVICES_DYNAMODB_STREAM_H

#include "core/req.h"

int ddb_streams_list(req_t *r, const val_t *in, val_t *out);
int ddb_streams_describe(req_t *r, const val_t *in, val_t *out);
int ddb_streams_iterator(req_t *r, const val_t *in, val_t *out);
int ddb_streams_records(req_t *r, const val_t *in, val_t *out);

#endif
