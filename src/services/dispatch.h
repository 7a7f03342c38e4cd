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

/* Event streams (Kinesis SubscribeToShard): a handler whose answer is an
 * event stream sent over time calls dispatch_stream_begin, which sends the
 * head and the opening message (r->out holds the output's other members;
 * GR_ERR, nothing sent, when the protocol has no event streams), and
 * returns GR_AGAIN; later, on r's loop, each dispatch_stream_event
 * sends one event (a one-member structure naming it; encoded in a, a
 * scratch arena the caller frees) and returns how many bytes wait unsent
 * (back-pressure) or -1 when the client is gone; dispatch_stream_end
 * completes the answer and frees r. A client that leaves first ends r
 * through r->on_abort, as for any suspended request. */
int dispatch_stream_begin(req_t *r);
long dispatch_stream_event(req_t *r, arena_t *a, const val_t *event);
long dispatch_stream_backlog(req_t *r); /* bytes waiting unsent, or -1 */
void dispatch_stream_end(req_t *r);

/* A request built from a wire message, for in-process callers (tests, the
 * loopback harness): arena, id, app. Free with arena_free(r->arena). */
req_t *dispatch_req_new(app_t *app, size_t budget);

#endif
