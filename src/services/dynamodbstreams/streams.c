/* streams.c — the DynamoDB Streams service's operations. Route finds this
 * service by its X-Amz-Target prefix (it signs as "dynamodb", which names
 * DynamoDB's row); the records belong to DynamoDB, so each handler is a call
 * into its interface, services/dynamodb/stream.h. */
#include "dynamodbstreams_model.h"
#include "services/dynamodb/stream.h"

int dynamodbstreams_list_streams(req_t *r, const val_t *in, val_t *out)
{
    return ddb_streams_list(r, in, out);
}

int dynamodbstreams_describe_stream(req_t *r, const val_t *in, val_t *out)
{
    return ddb_streams_describe(r, in, out);
}

int dynamodbstreams_get_shard_iterator(req_t *r, const val_t *in, val_t *out)
{
    return ddb_streams_iterator(r, in, out);
}

int dynamodbstreams_get_records(req_t *r, const val_t *in, val_t *out)
{
    return ddb_streams_records(r, in, out);
}
