/* proto.h — the protocol engine: AWS wire formats <-> val_t, by the model.
 *
 * One entry point per step of a request, whatever the protocol:
 *   proto_find_op    which operation a request names (X-Amz-Target, Action=,
 *                    or method + URI template for the REST protocols)
 *   proto_parse      request (headers, URI labels, query string, body) ->
 *                    input val_t, validated against the input shape
 *   proto_serialize  output val_t -> response status, headers and body
 *   proto_write_error an AWS error -> the protocol's error document
 *   proto_stream_*   an event stream answer, head first, then event by event
 * The protocol layer knows no service: everything service-specific comes in
 * through the svc_model_t tables. */
#ifndef GR_PROTOCOL_PROTO_H
#define GR_PROTOCOL_PROTO_H

#include "core/arena.h"
#include "core/err.h"
#include "core/val.h"
#include "core/wire.h"
#include "protocol/model.h"

/* Why a request could not be parsed; the dispatcher maps each kind to the
 * service's own error code (ValidationError, ValidationException,
 * InvalidParameterValue, MissingParameter, SerializationException, …). */
typedef enum {
    PROTO_E_NONE,
    PROTO_E_SYNTAX,     /* body is not well-formed XML/JSON/form */
    PROTO_E_TYPE,       /* a value of the wrong type (string for a number, …) */
    PROTO_E_REQUIRED,   /* a required member is missing */
    PROTO_E_CONSTRAINT, /* enum, length or range violated */
} proto_fail_kind_t;

typedef struct {
    proto_fail_kind_t kind;
    const char *msg;    /* AWS-style message, in the arena */
    const char *member; /* dotted path of the offending member, when known */
} proto_fail_t;

/* The operation a request names, or NULL. *name gets the name the client
 * asked for (even unknown), for the error message. For the REST protocols the
 * URI template is matched against w->path/w->query and method. */
const op_t *proto_find_op(const svc_model_t *m, const wire_req_t *w, arena_t *a, str_t *name);

/* Parses the request into *in (a VAL_STRUCT; empty when the op has no input).
 * GR_ERR fills *fail. */
int proto_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t **in, proto_fail_t *fail);

/* Writes out (may be NULL) as the operation's response: status, headers
 * (including the request id header the protocol uses) and body. */
int proto_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *request_id, arena_t *a,
                    wire_resp_t *resp);

/* An answer that is an event stream sent over time (Kinesis SubscribeToShard;
 * JSON protocols only, else GR_ERR): proto_stream_head writes the status,
 * headers and the opening message (the "initial-response" event with the
 * output's other members) into resp; proto_stream_event appends one event,
 * a one-member structure naming the event ({"SubscribeToShardEvent": {…}}),
 * as one message to b. */
int proto_stream_head(const svc_model_t *m, const op_t *op, const val_t *out, const char *request_id, arena_t *a,
                      wire_resp_t *resp);
int proto_stream_event(const svc_model_t *m, const op_t *op, const val_t *event, arena_t *a, buf_t *b);

/* Writes an AWS error document with e's code and status. extra (may be NULL)
 * adds members after Code/Message (S3's BucketName, Key, Resource, …). */
int proto_write_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                      const char *request_id, arena_t *a, wire_resp_t *resp);

#endif
