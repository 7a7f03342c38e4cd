/* proto.h — the protocol engine: AWS wire formats <-> val_t, by the model.
 *
 * One entry point per step of a request, whatever the protocol:
 *   proto_find_op    which operation a request names (X-Amz-Target, Action=,
 *                    or method + URI template for the REST protocols)
 *   proto_parse      request (headers, URI labels, query string, body) ->
 *                    input val_t, validated against the input shape
 *   proto_serialize  output val_t -> response status, headers and body
 *   proto_write_error an AWS error -> the protocol's error document
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

/* Whether path is a smithy-rpc-v2-cbor request path, ".../service/{Service}/
 * operation/{Operation}"; true with both names (pointing into path). */
bool proto_rpcv2_path(str_t path, str_t *service, str_t *operation);

/* Parses the request into *in (a VAL_STRUCT; empty when the op has no input).
 * GR_ERR fills *fail. */
int proto_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t **in, proto_fail_t *fail);

/* Writes out (may be NULL) as the operation's response: status, headers
 * (including the request id header the protocol uses) and body. */
int proto_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *request_id, arena_t *a,
                    wire_resp_t *resp);

/* Appends one event of op's event stream output (a one-member structure,
 * {"PayloadChunk": {...}}, {"SubscribeToShardEvent": {...}}) to b as an
 * event stream message, for an answer sent as it is produced;
 * proto_serialize then wrote the head (its output without the stream:
 * rest-json's other members as headers, json 1.0/1.1's as the opening
 * "initial-response" event). rest-json and json only. GR_ERR for an event
 * the stream does not name, or out of memory. */
int proto_serialize_event(const svc_model_t *m, const op_t *op, const val_t *event, arena_t *a, buf_t *b);

/* Writes an AWS error document with e's code and status. extra (may be NULL)
 * adds members after Code/Message (S3's BucketName, Key, Resource, …). */
int proto_write_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                      const char *request_id, arena_t *a, wire_resp_t *resp);

/* ==== Content codings (coding.c) ==== */
typedef enum { PROTO_CODING_NONE, PROTO_CODING_GZIP, PROTO_CODING_DEFLATE } proto_coding_t;

/* The coding an Accept-Encoding value lets a response use: gzip or
 * deflate by their q-values (RFC 9110 §12.5.3; "*" stands for a coding the
 * value does not name; identity and other codings are never chosen). */
proto_coding_t proto_accepted_coding(str_t accept_encoding);

/* Compresses resp's buffered body with c and says so in Content-Encoding;
 * an x-amz-crc32 header is recomputed over the compressed bytes. */
int proto_encode_response(wire_resp_t *resp, arena_t *a, proto_coding_t c);

typedef enum {
    PROTO_DECODE_OK,
    PROTO_DECODE_UNSUPPORTED, /* a Content-Encoding other than gzip, deflate or identity */
    PROTO_DECODE_BAD,         /* no complete stream of that coding */
    PROTO_DECODE_TOO_BIG,     /* over limit once inflated */
} proto_decode_t;

/* The body a request sent with Content-Encoding `coding` carries (the body
 * itself for none or identity). */
proto_decode_t proto_decode_body(arena_t *a, str_t coding, str_t body, size_t limit, str_t *out);

#endif
