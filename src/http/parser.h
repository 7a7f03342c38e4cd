/* parser.h — incremental HTTP/1.1 request parser (RFC 9112), under server.c.
 *
 * Bytes arrive in pieces of any size (one byte at a time works); the parser
 * reports one request through callbacks: request line, each header field,
 * end of head (with the framing it decided), body pieces, end of message.
 * Invariants: it never reads outside [data, data+len) of a feed; body pieces
 * are slices of the caller's input (never copied); head lines are given whole,
 * from the input when a line lies inside one piece, else from the parser's own
 * line buffer, which never grows past the line limit (bounded memory). */
#ifndef GR_HTTP_PARSER_H
#define GR_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

typedef enum {
    HTTP_PARSER_OK = 0,
    HTTP_PARSER_BAD,         /* malformed or ambiguous framing: answer 400 and close */
    HTTP_PARSER_TOO_LARGE,   /* head over its size, line or field-count limit: 431 */
    HTTP_PARSER_VERSION,     /* HTTP/x.y other than 1.0 and 1.1: 505 */
    HTTP_PARSER_UNSUPPORTED, /* a transfer coding other than chunked: 501 */
} http_parser_error_t;

typedef struct {
    size_t max_head;    /* request line + header fields + CRLFs; also the trailer budget */
    size_t max_line;    /* one request line, header line or trailer line */
    size_t max_headers; /* header fields in the head */
} http_parser_limits_t;

/* Each callback returns 0 to go on, non-zero to make http_parser_feed return at
 * once (pause, or the request was answered): the parser's state has already
 * moved past what the callback reported, so the next feed resumes after it, and
 * the callback may call http_parser_reset. Strings are valid only during the call. */
typedef struct {
    int (*on_request_line)(void *ud, str_t method, str_t path, str_t query);
    int (*on_header)(void *ud, str_t name, str_t value);  /* value without surrounding OWS */
    int (*on_headers_done)(void *ud);                     /* framing fields below are final */
    int (*on_body)(void *ud, const char *p, size_t n);    /* de-chunked, slice of the input */
    int (*on_message_done)(void *ud);                     /* trailers (if any) were read */
    int (*on_trailer)(void *ud, str_t name, str_t value); /* a chunked body's trailer field; NULL: dropped */
} http_parser_callbacks_t;

typedef struct {
    /* Read-only for the caller once on_headers_done has run. */
    int minor;               /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    bool keepalive;          /* the connection may carry another request after this one */
    bool chunked;            /* Transfer-Encoding: chunked */
    bool expect_continue;    /* Expect: 100-continue (HTTP/1.1 only) */
    bool has_content_length; /* a Content-Length field was present */
    uint64_t content_length; /* 0 without one */
    http_parser_error_t error;

    /* Private. */
    http_parser_limits_t lim;
    int state;
    size_t head_bytes, nheaders, line_cap, line_len;
    char *line;         /* partial-line buffer, malloc'd, at most lim.max_line + 2 bytes */
    uint64_t remaining; /* bytes left of the body or of the current chunk */
    bool conn_close, conn_keepalive, te_seen, cr_seen;
} http_parser_t;

/* A zero field in lim takes the default (64 KiB head, 8 KiB line, 128 fields). */
void http_parser_init(http_parser_t *p, const http_parser_limits_t *lim);
/* Ready for the next request on the connection; keeps the line buffer. */
void http_parser_reset(http_parser_t *p);
void http_parser_free(http_parser_t *p);

/* Parses from data[0..len); returns the bytes consumed. Fewer than len are
 * consumed only when a callback asked to stop, on error (p->error is set, the
 * connection is beyond saving) or at the end of a message (the parser then
 * consumes nothing until http_parser_reset). len may be 0: a message whose
 * last body byte was reported to a callback that stopped is completed then. */
size_t http_parser_feed(http_parser_t *p, const http_parser_callbacks_t *cb, void *ud, const char *data, size_t len);

bool http_parser_done(const http_parser_t *p);    /* the message has ended (on_message_done ran) */
bool http_parser_started(const http_parser_t *p); /* some byte of a request has been read */
/* The status to answer an error with: 400, 431, 505 or 501 (0 when no error). */
int http_parser_error_status(const http_parser_t *p);

#endif
