/* wire.h — an HTTP request and response as the AWS layers see them.
 *
 * The http layer fills a wire_req_t from the socket; route, auth and protocol
 * read it; the protocol layer fills a wire_resp_t that the http layer writes
 * back. Both live in the request arena. Keeping these plain structs (not
 * libevhtp types) is what lets the loopback test harness, the fuzz targets and
 * the protocol round-trip tool drive the whole pipeline without a socket. */
#ifndef GR_CORE_WIRE_H
#define GR_CORE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

typedef struct {
    str_t name, value;
} kv_t;

typedef struct {
    str_t method;  /* "GET" */
    str_t path;    /* raw, still percent-encoded, without the query: "/b/a%20key" */
    str_t query;   /* raw query string without '?', may be empty */
    kv_t *headers; /* as received; names compared case-insensitively */
    size_t nheaders;
    str_t body; /* whole body when buffered (every protocol but S3 object data) */
    str_t host; /* Host header value */
    const char *peer_ip; /* client address, "127.0.0.1" */
} wire_req_t;

/* A response body read from several files one after another (an S3 object
 * stored as its multipart parts). next gives the next piece, an fd whose
 * [off, off+len) is sent and then closed: 1 = a piece, 0 = no more, -1 =
 * failure (the connection closes). free releases ud when the body is done or
 * the connection died. Owned by whoever holds it last (wire_resp_t → http). */
typedef struct wire_body_src {
    int (*next)(void *ud, int *fd, off_t *off, size_t *len);
    void (*free)(void *ud);
    void *ud;
} wire_body_src_t;

typedef struct {
    int status;
    kv_t *headers;
    size_t nheaders, cap;
    buf_t body;
    int fd; /* >= 0: send fd[off, off+len) after the headers (sendfile) */
    off_t off;
    size_t len;
    wire_body_src_t *src; /* non-NULL (fd < 0): the body is len bytes from src (malloc'd, freed by src->free) */
} wire_resp_t;

/* First header of that name (case-insensitive), or STR_NULL. */
str_t wire_header(const wire_req_t *w, const char *name);
/* Decoded value of the first query parameter of that name, or STR_NULL.
 * A key without '=' yields "" (present, empty). */
str_t wire_query_param(const wire_req_t *w, arena_t *a, const char *name);

void wire_resp_init(wire_resp_t *r, arena_t *a);
/* Adds a response header; name and value must live as long as the response. */
void wire_resp_header(wire_resp_t *r, arena_t *a, const char *name, str_t value);
str_t wire_resp_get_header(const wire_resp_t *r, const char *name);

/* Percent-decoding (plus_space: '+' means ' ', as in forms). NULL p on a bad escape. */
str_t wire_url_decode(arena_t *a, str_t s, bool plus_space);
/* Percent-encoding of everything but the RFC 3986 unreserved set; keep_slash
 * leaves '/' alone (S3 keys in paths). */
str_t wire_url_encode(arena_t *a, str_t s, bool keep_slash);

#endif
