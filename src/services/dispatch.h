/* dispatch.h — everything generic about an AWS request, done once.
 *
 * The analogue of Redis's processCommand + call: for each request the
 * dispatcher routes it to a service, verifies its SigV4 signature against the
 * credential chain, finds the operation and parses the input by the model,
 * calls the service's handler, serializes the output or the AWS error in the
 * service's protocol, and writes one access-log line. A service handler
 * therefore never re-checks signature, shape or (later) permission.
 *
 * Handlers return GR_OK, GR_ERR or GR_AGAIN. GR_AGAIN suspends the request:
 * the handler has arranged for an event to call dispatch_resume(r, rc) on
 * the request's event loop, and no thread waits meanwhile. */
#ifndef GR_SERVICES_DISPATCH_H
#define GR_SERVICES_DISPATCH_H

#include "core/req.h"
#include "http/http.h"
#include "services/app.h"

/* Runs the whole pipeline on r->w into r->resp. GR_AGAIN when suspended.
 * r->arena, r->w and r->app must be set; this does not send anything. */
int dispatch_handle(req_t *r);

/* http layer callbacks (ud = app_t *). */
http_body_mode_t dispatch_on_headers(http_req_t *h, void *ud);
int dispatch_on_body(http_req_t *h, const char *p, size_t n, void *ud);
void dispatch_on_request(http_req_t *h, void *ud);
void dispatch_on_abort(http_req_t *h, void *ud);

/* Finishes a suspended request with the handler's final return code. */
void dispatch_resume(req_t *r, int rc);

/* For a request a service answers at the HTTP level itself (a Lambda
 * function URL): verifies its SigV4 signature as for any operation and sets
 * r->who. GR_OK, or GR_ERR with r failed (no credentials, a bad signature,
 * an unknown key). */
int dispatch_authenticate(req_t *r);
/* Sends r->resp as the service built it (no serialization) and frees r:
 * the end of such a request suspended with GR_AGAIN. */
void dispatch_answer(req_t *r);

/* An answer sent as it is produced (a Lambda function's streamed response,
 * Kinesis's SubscribeToShard), on the request's loop, for a request
 * suspended with GR_AGAIN. begin sends the head: an operation's r->out
 * serialized by the model (its event stream member left out; what the
 * protocol opens the stream with, such as json's "initial-response" event
 * holding the other members, goes too), or r->resp as a service built it
 * (a function URL). event appends one event of the operation's event
 * stream; write appends bytes as they are (a function URL). backlog is how
 * many bytes wait unsent to the client, -1 once it is gone: a producer that
 * could outrun a slow client waits while it is high. end finishes the body
 * and frees r. A head that cannot be serialized goes out as a bare 500
 * (GR_ERR): the caller still ends the answer.
 * Until end, a client that leaves aborts r as it would a suspended request. */
int dispatch_stream_begin(req_t *r);
int dispatch_stream_event(req_t *r, const val_t *event);
void dispatch_stream_write(req_t *r, str_t bytes);
long dispatch_stream_backlog(req_t *r);
void dispatch_stream_end(req_t *r);

/* A request built from a wire message, for in-process callers (tests, the
 * loopback harness): arena, id, app. Free with arena_free(r->arena). */
req_t *dispatch_req_new(app_t *app, size_t budget);

#endif
