/* http.h — the HTTP/1.1 server, the bottom layer of the request flow.
 *
 * Sockets, keep-alive, `Expect: 100-continue`, chunked request bodies, bodies
 * delivered whole (buffered up to a limit) or streamed piece by piece, and
 * responses from memory, from a file descriptor (sendfile), or in pieces
 * made over time (http_respond_begin). It knows nothing of AWS: it hands
 * each request to the callbacks in http_config_t.
 *
 * Threads: the server runs `threads` event loops, each accepting on its own
 * SO_REUSEPORT socket; a request's callbacks run on its connection's loop.
 * The first loop runs in the thread that calls http_server_run and serves
 * at once; the others start behind it, so they never delay the first answer.
 *
 * Suspension: a handler may return from on_request without responding. The
 * request stays open without holding a thread; any thread later calls
 * http_req_post() to run code on the request's loop, which responds there.
 * If the client goes away first, on_abort is called (on the loop) and the
 * request must not be touched after it returns. */
#ifndef GR_HTTP_HTTP_H
#define GR_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/str.h"
#include "core/wire.h"

typedef struct http_server http_server_t;
typedef struct http_req http_req_t;

typedef enum {
    HTTP_BODY_BUFFER, /* collect the body; on_request sees it in http_req_body() */
    HTTP_BODY_STREAM, /* deliver pieces to on_body as they arrive, then on_request */
    HTTP_BODY_REJECT, /* the handler already responded (e.g. 4xx on headers alone) */
} http_body_mode_t;

typedef struct {
    const char *host;        /* "127.0.0.1" */
    int port;                /* 0 picks a free port; see http_server_port() */
    int threads;             /* event loops, >= 1 */
    size_t max_header_bytes; /* request line + headers; over it: 431 and close */
    size_t max_body_buffer;  /* HTTP_BODY_BUFFER limit; over it: 413 */
    int max_conns;           /* open connections; over it new ones get 503 and close */
    void *ud;                /* passed to every callback */
    /* Headers are complete (before any body byte, and before 100 Continue is
     * sent). Chooses how the body is taken. May be NULL: always BUFFER. */
    http_body_mode_t (*on_headers)(http_req_t *r, void *ud);
    /* STREAM mode: one piece of the (de-chunked) body. Return 0, or -1 to
     * abort the request (the handler must then respond or let it close). */
    int (*on_body)(http_req_t *r, const char *p, size_t n, void *ud);
    /* The whole request has arrived. Respond now, or later (suspension). */
    void (*on_request)(http_req_t *r, void *ud);
    /* The connection closed before a response was sent. */
    void (*on_abort)(http_req_t *r, void *ud);
} http_config_t;

/* Binds and listens (so a bad port fails here, not in run). NULL on failure, with errno. */
http_server_t *http_server_new(const http_config_t *cfg);
int http_server_port(const http_server_t *s);
/* Serves until http_server_stop; then finishes in-flight requests and returns 0. */
int http_server_run(http_server_t *s);
/* Async-signal-safe: stop accepting, let in-flight requests finish, make run return. */
void http_server_stop(http_server_t *s);
void http_server_free(http_server_t *s);

/* Request accessors, valid until the response is sent. Strings are not NUL-terminated. */
str_t http_req_method(http_req_t *r);
str_t http_req_path(http_req_t *r);  /* raw path, percent-encoded, no query */
str_t http_req_query(http_req_t *r); /* raw query without '?' */
size_t http_req_nheaders(http_req_t *r);
void http_req_header_at(http_req_t *r, size_t i, str_t *name, str_t *value);
str_t http_req_header(http_req_t *r, const char *name); /* case-insensitive, first */
str_t http_req_body(http_req_t *r);                     /* BUFFER mode, after on_request */
const char *http_req_peer(http_req_t *r);               /* "127.0.0.1" */
/* Expect: 100-continue: the client waits for 100 Continue, which follows
 * on_headers unless on_headers answers with a final status itself. */
bool http_req_expects_continue(http_req_t *r);
/* From on_headers: the body's declared length (0 when none or chunked), and
 * whether it comes chunked, so a handler can look closer at a body that may
 * be too large for its service. */
uint64_t http_req_content_length(http_req_t *r);
bool http_req_chunked(http_req_t *r);
/* From on_headers: a buffered body longer than max bytes is answered 413
 * (as one over the server's max_body_buffer is); max above that limit
 * changes nothing. */
void http_req_limit_body(http_req_t *r, size_t max);
void http_req_set_data(http_req_t *r, void *data); /* caller's per-request pointer */
void *http_req_data(http_req_t *r);

/* Send a response. Call once, on the request's loop. status/headers/body are
 * copied before return. For HEAD the body is not sent but Content-Length is. */
void http_respond(http_req_t *r, int status, const kv_t *headers, size_t nheaders, const void *body, size_t len);
/* Response body from fd[off, off+len) with sendfile; the server closes fd. */
void http_respond_fd(http_req_t *r, int status, const kv_t *headers, size_t nheaders, int fd, off_t off, size_t len);
/* Response body of len bytes from src's pieces, each sent with sendfile once
 * the previous one left; the server calls src->free (and frees src with
 * free()) when done or when the connection dies. */
void http_respond_src(http_req_t *r, int status, const kv_t *headers, size_t nheaders, wire_body_src_t *src,
                      size_t len);
/* A response body of unknown length, sent as it is produced (a Lambda
 * function's streamed response, Kinesis's SubscribeToShard): begin sends the
 * head (chunked transfer coding; for an HTTP/1.0 client the body ends when
 * the connection closes), chunk queues each piece (copied), end finishes the
 * body. Until end, r is not answered: a client that leaves still brings
 * on_abort, and the request's posts and aborts work as for a suspended
 * request. backlog is how many bytes wait unsent on the connection, so that
 * a producer can wait for a slow client rather than queue without bound;
 * -1 when r is not streaming (not begun, ended, or its client gone). */
void http_respond_begin(http_req_t *r, int status, const kv_t *headers, size_t nheaders);
void http_respond_chunk(http_req_t *r, const void *p, size_t n);
void http_respond_end(http_req_t *r);
long http_respond_backlog(http_req_t *r);
/* Runs fn(r, arg) on r's loop thread; safe from any thread. */
void http_req_post(http_req_t *r, void (*fn)(http_req_t *r, void *arg), void *arg);
/* Stop/restart reading the request body (STREAM back-pressure). */
void http_req_pause(http_req_t *r);
void http_req_resume(http_req_t *r);

#endif
