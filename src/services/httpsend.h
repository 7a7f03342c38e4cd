/* httpsend.h — a small blocking HTTP/1.1 client for services that call out
 * to endpoints their users name (SNS HTTP subscriptions, EventBridge API
 * destinations). It runs on their worker threads (services/jobq.h), never on
 * a request thread.
 *
 * One request per connection (Connection: close): resolve, connect with a
 * timeout (to loopback addresses only, if asked), send, then read the status
 * line, or the whole answer up to HTTPSEND_MAX_ANSWER. http:// and https://
 * (TLS 1.2+, the server's chain and name verified against the system trust
 * store, or its top certificate against pinned SHA-1 thumbprints). The client
 * says what went wrong as a kind and a sentence; whether that is worth a
 * retry is the calling service's policy. */
#ifndef GR_SERVICES_HTTPSEND_H
#define GR_SERVICES_HTTPSEND_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/str.h"

#define HTTPSEND_MAX_ANSWER (1 << 20)

typedef enum {
    HTTPSEND_OK,           /* an HTTP answer came: status is set */
    HTTPSEND_BAD_URL,      /* not an http:// or https:// URL */
    HTTPSEND_NOT_LOOPBACK, /* loopback_only, and the host has no loopback address */
    HTTPSEND_UNREACHABLE,  /* the host does not resolve, or refuses the connection */
    HTTPSEND_NO_ANSWER,    /* connected, but no HTTP answer came back */
    HTTPSEND_TIMEOUT,      /* connected, but nothing came within timeout_s */
    HTTPSEND_TLS,          /* https://: no TLS 1.2+, or the server's certificate is not trusted */
} httpsend_fail_t;

typedef struct {
    str_t method, url; /* url: http[s]://host[:port][/path][?query] */
    str_t head;        /* header lines after Host, each ending CRLF (Content-Length is added) */
    str_t body;
    int timeout_s;      /* for the connect, each send and each read */
    bool loopback_only; /* connect only to 127.0.0.0/8 and ::1 */
    bool want_body;     /* read the whole answer; else stop after the status line */
    size_t max_answer;  /* with want_body: how much to read at most (0: HTTPSEND_MAX_ANSWER) */
    /* https:// only: SHA-1 thumbprints (hex) of which one must be the top
     * certificate's the server presents, instead of a trusted chain (as IAM
     * OIDC providers' ThumbprintList); none: the trust store decides. */
    const str_t *pins;
    size_t n_pins;
} httpsend_req_t;

typedef struct {
    httpsend_fail_t fail;
    int status; /* HTTP status when fail is HTTPSEND_OK, else 0 */
    str_t body; /* with want_body: the answer's body, de-chunked (arena) */
    str_t head; /* with want_body: the status line and header lines, CRLF between them (arena) */
    char why[300];
} httpsend_answer_t;

/* Sends one request and fills ans; request and answer bytes come from a. */
void httpsend(arena_t *a, const httpsend_req_t *req, httpsend_answer_t *ans);

#endif
