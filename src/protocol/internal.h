/* internal.h — what the protocol files share; not for use outside src/protocol.
 *
 * engine.c implements proto.h by dispatching on svc_model_t.protocol to the
 * per-protocol functions below. Every parser builds a val_t shaped by the
 * input shape and leaves validation (required members, enums, lengths,
 * ranges) to proto__validate, so the rules are written once. The REST
 * protocols share rest.c for URI labels, headers, query strings and status. */
#ifndef GR_PROTOCOL_INTERNAL_H
#define GR_PROTOCOL_INTERNAL_H

#include "core/buf.h"
#include "protocol/proto.h"

/* Formats into fail->msg and returns GR_ERR. */
int proto__fail(proto_fail_t *fail, arena_t *a, proto_fail_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Required members, enum values, min/max lengths and ranges, recursively. */
int proto__validate(const shape_t *s, const val_t *v, arena_t *a, bool check_enums, proto_fail_t *fail);
/* Does value satisfy a model's pattern (pattern.c)? True also when the
 * pattern is one we do not enforce (see there). */
bool proto__pattern_match(const char *pattern, str_t value);

/* ==== per protocol: request parsing (body and, for REST, everything else) ==== */
int proto__query_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                       proto_fail_t *fail); /* query and ec2 (ec2 = true naming rules) */
int proto__ec2_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                     proto_fail_t *fail);
int proto__json_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                      proto_fail_t *fail);
int proto__restjson_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                          proto_fail_t *fail);
int proto__restxml_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                         proto_fail_t *fail);
int proto__rpcv2_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                       proto_fail_t *fail);

/* ==== per protocol: response and error serialization ==== */
int proto__query_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                           wire_resp_t *resp);
int proto__ec2_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                         wire_resp_t *resp);
int proto__json_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                          wire_resp_t *resp);
int proto__restjson_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                              wire_resp_t *resp);
int proto__restxml_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                             wire_resp_t *resp);
int proto__rpcv2_serialize(const svc_model_t *m, const op_t *op, const val_t *out, const char *rid, arena_t *a,
                           wire_resp_t *resp);
int proto__query_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                       const char *rid, arena_t *a, wire_resp_t *resp);
int proto__ec2_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra, const char *rid,
                     arena_t *a, wire_resp_t *resp);
int proto__json_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra, const char *rid,
                      arena_t *a, wire_resp_t *resp); /* json and rest-json */
int proto__restxml_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                         const char *rid, arena_t *a, wire_resp_t *resp);
int proto__rpcv2_error(const svc_model_t *m, const aws_errdef_t *e, const char *msg, const val_t *extra,
                       const char *rid, arena_t *a, wire_resp_t *resp);
/* An error's shape ID, "com.amazonaws.<service>#<Shape>", as json twins of
 * query services (SQS: "com.amazonaws.sqs#QueueDoesNotExist") and
 * smithy-rpc-v2-cbor send it in "__type". AWS: CloudWatch's Smithy namespace
 * is com.amazonaws.cloudwatch (its service shape
 * com.amazonaws.cloudwatch#GraniteServiceVersion20100801 in AWS's published
 * api-models), so <service> is the model's service name, not its endpoint
 * prefix ("monitoring"). Several shapes may share a code (CloudWatch's
 * DashboardNotFoundError and ResourceNotFound): the first by name. An error
 * the model does not list (the common ones) has no shape: its bare code. */
const char *proto__error_shape_id(const svc_model_t *m, const aws_errdef_t *e, arena_t *a);
/* AWS: a json or cbor twin of a query service (m->query_compat) names the
 * query-era code of every error in x-amzn-query-error: CODE;Sender|Receiver,
 * which newer botocore reports as Error.Code. Nothing for other services. */
void proto__query_error_header(const svc_model_t *m, const aws_errdef_t *e, arena_t *a, wire_resp_t *resp);

/* ==== rest.c: shared by rest-json and rest-xml ==== */
/* Does method + path (+ the literal query keys of the template, e.g. "?tagging")
 * match op's requestUri template? Label values are not checked here. */
typedef struct proto_rest_q proto_rest_q_t; /* a request's query, decoded once */
proto_rest_q_t *proto__rest_query(const wire_req_t *w, arena_t *a);
bool proto__rest_match(const svc_model_t *m, uint32_t i, const wire_req_t *w, const proto_rest_q_t *q); /* m->ops[i] */
/* Fills the members of `in` located in the URI labels, headers (incl. the
 * prefix-map "headers" location) and query string. Body members are left to
 * the caller. */
int proto__rest_parse_nonbody(const op_t *op, const wire_req_t *w, arena_t *a, val_t *in, proto_fail_t *fail);
/* Writes output members located in headers and the status code; returns the
 * response status (op->status unless a statusCode member says otherwise). */
int proto__rest_serialize_nonbody(const op_t *op, const val_t *out, arena_t *a, wire_resp_t *resp);

/* ==== eventstream.c: event stream payloads ==== */
/* Appends one event message (prelude, headers, payload, CRCs) to b. An empty
 * content_type leaves that header out (an event with no payload). */
void proto__evs_message(buf_t *b, arena_t *a, str_t event_type, str_t content_type, str_t payload);
/* Writes a structure event payload in the protocol's document form. */
typedef void (*proto_evs_struct_fn)(buf_t *b, arena_t *a, const shape_t *s, const val_t *v);
/* Writes events (a list of one-member structures of eventstream shape s) as
 * messages; structure payloads through write_struct, labelled struct_type.
 * GR_ERR for an event the shape does not name or when out of memory. */
int proto__evs_write(buf_t *b, arena_t *a, const shape_t *s, const val_t *events, str_t struct_type,
                     proto_evs_struct_fn write_struct);

/* The member of an output shape that is its event stream: rest-json names it
 * as the payload, json 1.0/1.1 only by its shape's eventstream trait. NULL
 * when the output has none. */
const member_t *proto__evs_member(const shape_t *out);

/* jsonproto.c: a structure event payload of either JSON protocol, the
 * members as a JSON document. */
void proto__json_event_struct(buf_t *b, arena_t *a, const shape_t *s, const val_t *v);

/* ==== shared scalar text forms ==== */
/* The text of a scalar for the wire (query/xml/headers/labels): booleans
 * "true"/"false", integers, floats as AWS writes them, timestamps by fmt
 * (TS_DEFAULT resolved by the caller), blobs base64. */
str_t proto__scalar_text(const shape_t *s, const val_t *v, ts_format_t fmt, arena_t *a);
/* Parses scalar text for shape s into a val_t; NULL with fail set if invalid. */
val_t *proto__scalar_parse(const shape_t *s, str_t text, ts_format_t fmt, arena_t *a, proto_fail_t *fail,
                           const char *member);
bool proto__base64_decode(arena_t *a, str_t text, str_t *out);

#endif
