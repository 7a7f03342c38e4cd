/* server.c — the HTTP/1.1 server of http.h: sockets, event loops, connections.
 *
 * Bottom of the request flow: socket bytes become http_req_t values for the
 * http_config_t callbacks; answers go back from memory or by sendfile. parser.c
 * reads HTTP; connections, keep-alive, 100-continue, limits, suspension and
 * shutdown run here on libevent bufferevents. Invariant: one request
 * per connection at a time, all on its loop's thread; a request is freed only when
 * finished (answered or aborted), with no callback running and no post queued. */
#define _GNU_SOURCE
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/arena.h"
#include "core/log.h"
#include "http/parser.h"

/* Why our own parser on libevent rather than libevhtp: see bench/http/README.md
 * (start-up cost of libevhtp's dependencies, and its parser's bugs). */

#define IDLE_TIMEOUT_S 60    /* keep-alive idle / slow request bytes */
#define WRITE_TIMEOUT_S 60   /* no write progress */
#define LINGER_TIMEOUT_S 2   /* after an early answer, read-and-discard this long */
#define LINGER_MAX (4 << 20) /* ... or this many bytes, whichever first */
#define STOP_GRACE_S 10      /* in-flight requests get this long after stop */
#ifdef GUREUM_TESTING
int http__stop_grace_ms = STOP_GRACE_S * 1000; /* tests shorten the grace period */
#define STOP_GRACE_MS http__stop_grace_ms
#else
#define STOP_GRACE_MS (STOP_GRACE_S * 1000)
#endif
#define OUT_BACKLOG (256 << 10)    /* pipelined requests wait while this much output is queued */
#define LINE_MAX_BYTES 8192        /* one request line or header field (nginx's default too): 431 */
#define MAX_HEADERS 128            /* header fields per request: 431 */
#define SMALL_FILE_BODY (16 << 10) /* file bodies up to this size are copied, not sendfile'd */

typedef struct loop loop_t;
typedef struct conn conn_t;

typedef struct post {
    struct post *next;
    http_req_t *r;
    void (*fn)(http_req_t *r, void *arg);
    void *arg;
} post_t;

struct loop {
    http_server_t *srv;
    int idx;
    struct event_base *base;
    int lfd; /* listening socket until the listener owns it */
    struct evconnlistener *listener;
    int wake[2]; /* self-pipe: posts and stop; write end is async-signal-safe */
    struct event *wake_ev;
    struct event *deadline_ev; /* STOP_GRACE_S after stop */
    pthread_mutex_t mu;        /* guards posts and every request's npost */
    post_t *posts, *posts_tail;
    pthread_t thread;
    bool thread_started, stopping;
    conn_t *conns; /* doubly linked, this loop only */
    int nconns;
    /* "Date: …\r\n" for this second, formatted once a second per loop
     * (RFC 9110 §6.6.1: an origin server with a clock sends Date; AWS does). */
    time_t date_s;
    char date[48];
    size_t date_len;
};

struct http_server {
    http_config_t cfg;
    int nloops;
    loop_t *loops;
    int port;
    atomic_int nconns; /* across loops, for max_conns */
    atomic_int stop;   /* set by http_server_stop; lock-free, so usable from a signal handler */
};

struct conn {
    conn_t *prev, *next;
    loop_t *lp;
    struct bufferevent *bev;
    http_parser_t parser;
    struct event *kick; /* re-run conn_process from a fresh stack */
    struct event *rev;  /* the socket's reads (read_arm), not the bufferevent's */
    int read_state;     /* what rev is armed as: READ_OFF, READ_ON, READ_IDLE, READ_LINGER */
    size_t rchunk;      /* bytes the next read asks for */
    http_req_t *req;    /* the request being read or awaiting its answer */
    char peer[64];
    size_t linger_bytes;
    int busy;        /* callbacks on the stack; free is deferred until 0 */
    bool counted;    /* included in srv->nconns */
    bool rto;        /* the idle read timeout is armed */
    bool processing; /* conn_process is on the stack */
    bool closed;     /* conn_close ran; freed when busy drops to 0 */
    bool close_after_write, linger, lingering, waiting_output;
    wire_body_src_t *src; /* pieces of a response body still to send (http_respond_src) */
};

struct http_req {
    conn_t *c; /* NULL once answered-and-detached or aborted */
    loop_t *lp;
    arena_t *a;
    str_t method, path, query;
    const char *peer;
    kv_t *hdrs;
    size_t nhdrs, caphdrs;
    char *body; /* BUFFER mode, malloc'd */
    size_t body_len, body_cap;
    size_t max_body; /* 0: the server's max_body_buffer (http_req_limit_body) */
    uint64_t content_length, body_received;
    http_body_mode_t mode;
    void *data;
    int busy;  /* handler callbacks running on it */
    int npost; /* queued posts; under lp->mu */
    bool http10, keepalive, chunked, expect_continue, continue_sent, head, body_expected, force_close;
    bool headers_done, msg_done, delivered, seen, responded, aborted, paused;
    bool streaming, stream_chunked, stream_close; /* http_respond_begin ran; chunked framing; close at the end */
};

static void conn_process(conn_t *c);
static void read_arm(conn_t *c);
static void conn_close(conn_t *c);
static void src_free(wire_body_src_t *src);
static void start_linger(conn_t *c);
static void loop_check_done(loop_t *lp);

/* ---------- requests ---------- */

static void req_free(http_req_t *r)
{
    free(r->body);
    arena_free(r->a);
}

/* Frees r once nothing can reach it any more; see the invariant at the top. */
static void req_maybe_free(http_req_t *r)
{
    if (!(r->responded || r->aborted) || r->busy > 0 || r->c) return;
    pthread_mutex_lock(&r->lp->mu);
    int npost = r->npost;
    pthread_mutex_unlock(&r->lp->mu);
    if (npost == 0) req_free(r);
}

static void req_enter(http_req_t *r)
{
    r->busy++;
}
static void req_leave(http_req_t *r)
{
    r->busy--;
    req_maybe_free(r);
}

static void req_abort(http_req_t *r)
{
    const http_config_t *cfg = &r->lp->srv->cfg;
    r->aborted = true;
    if (r->seen && cfg->on_abort) {
        req_enter(r);
        cfg->on_abort(r, cfg->ud);
        r->busy--;
    }
}

/* ---------- responses ---------- */

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Suspended and paused requests may wait long (long polls, slow consumers), so
 * the idle timeout only runs while we wait for the client. */
static void set_read_timeout(conn_t *c, bool on)
{
    if (c->rto == on) return;
    c->rto = on;
    read_arm(c);
}

static void conn_kick(conn_t *c)
{
    if (!c->closed && !c->processing) event_active(c->kick, EV_TIMEOUT, 0);
}

/* The connection ends after what is queued is written; with linger, the rest of
 * an unread request is read and dropped first so the client sees our answer
 * rather than a reset. */
static void conn_end_after_write(conn_t *c, bool linger)
{
    c->close_after_write = true;
    c->linger = c->linger || linger;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) conn_kick(c);
}

static bool hdr_is(str_t name, const char *lit)
{
    return str_eq_nocase(name, str_c(lit));
}

/* Queues the next piece of c->src: 1 queued, 0 none left (src freed), -1
 * failure (the connection is closed). */
static int src_pump(conn_t *c)
{
    int fd = -1;
    off_t off = 0;
    size_t len = 0;
    int rc = c->src->next(c->src->ud, &fd, &off, &len);
    if (rc > 0 && evbuffer_add_file(bufferevent_get_output(c->bev), fd, off, (ev_off_t)len) != 0) {
        close(fd);
        rc = -1;
    }
    if (rc > 0) return 1;
    src_free(c->src);
    c->src = NULL;
    if (rc < 0) conn_close(c);
    return rc;
}

static void detach(http_req_t *r, bool closing, bool early);

/* The loop's Date header line for now; its length. */
static size_t date_header(loop_t *lp)
{
    time_t now = time(NULL);
    if (now != lp->date_s || !lp->date_len) {
        struct tm tm;
        gmtime_r(&now, &tm);
        lp->date_len = strftime(lp->date, sizeof lp->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        lp->date_s = now;
    }
    return lp->date_len;
}

/* stream: the head only, with a chunked body to follow (http_respond_begin);
 * r stays the connection's request, unanswered, until http_respond_end. */
static void respond(http_req_t *r, int status, const kv_t *h, size_t nh, const void *body, int fd, off_t off,
                    size_t len, wire_body_src_t *src, bool stream)
{
    conn_t *c = r->c;
    if (r->responded || r->aborted || r->streaming || !c || c->closed) {
        if (fd >= 0) close(fd);
        src_free(src);
        if (!r->responded && !r->aborted && !r->streaming) r->responded = true;
        return;
    }
    if (stream)
        r->streaming = true;
    else
        r->responded = true;
    loop_t *lp = c->lp;
    /* Answered before its body was read: the rest of the body is never parsed,
     * so the connection cannot carry another request. Nor can one whose
     * client waits for 100 Continue and gets this final status instead,
     * even with an empty body: botocore's AWSConnection keeps that status for
     * the connection's next request unless the connection closes. */
    bool early = !r->msg_done && (!r->headers_done || r->body_expected);
    if (r->expect_continue && !r->continue_sent) early = true;
    bool closing = !r->keepalive || early || r->force_close || lp->stopping || atomic_load(&lp->srv->stop);
    bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
    bool send_body = !no_body && !r->head && len > 0;
    /* An HTTP/1.0 client cannot read chunks: its streamed body ends with the connection. */
    if (stream && r->http10) closing = true;
    r->stream_chunked = stream && !r->http10 && !no_body && !r->head;
    r->stream_close = closing;

    /* Content-Length is ours except where no body is sent and the handler knows
     * the length (HEAD answered without reading the object, 304). */
    str_t handler_cl = STR_NULL;
    size_t hlen = 0;
    bool handler_date = false;
    for (size_t i = 0; i < nh; i++) {
        if (hdr_is(h[i].name, "Content-Length")) {
            if (r->head || status == 304) handler_cl = h[i].value;
            continue;
        }
        if (hdr_is(h[i].name, "Connection") || hdr_is(h[i].name, "Transfer-Encoding")) continue;
        if (hdr_is(h[i].name, "Date")) handler_date = true;
        hlen += h[i].name.len + h[i].value.len + 4;
    }
    char line[128], cl[64];
    int linelen = snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, reason(status));
    int cllen = 0;
    if (!str_is_null(handler_cl))
        cllen = snprintf(cl, sizeof cl, "Content-Length: %.*s\r\n", (int)(handler_cl.len < 32 ? handler_cl.len : 32),
                         handler_cl.p);
    else if (r->stream_chunked)
        cllen = snprintf(cl, sizeof cl, "Transfer-Encoding: chunked\r\n");
    else if (stream)
        cllen = 0;
    else if (!(status >= 100 && status < 200) && status != 204 && status != 304)
        cllen = snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", len);
    const char *conn_hdr = closing ? "Connection: close\r\n" : r->http10 ? "Connection: keep-alive\r\n" : "";
    size_t connlen = strlen(conn_hdr);
    size_t datelen = handler_date ? 0 : date_header(lp);
    size_t total = (size_t)linelen + hlen + (size_t)cllen + connlen + datelen + 2;
    char stackbuf[4096];
    char *hb = total <= sizeof stackbuf ? stackbuf : malloc(total);
    if (!hb) {
        if (fd >= 0) close(fd);
        src_free(src);
        conn_close(c);
        return;
    }
    char *w = hb;
    memcpy(w, line, (size_t)linelen), w += linelen;
    for (size_t i = 0; i < nh; i++) {
        if (hdr_is(h[i].name, "Content-Length") || hdr_is(h[i].name, "Connection") ||
            hdr_is(h[i].name, "Transfer-Encoding"))
            continue;
        memcpy(w, h[i].name.p, h[i].name.len), w += h[i].name.len;
        *w++ = ':', *w++ = ' ';
        memcpy(w, h[i].value.p, h[i].value.len), w += h[i].value.len;
        *w++ = '\r', *w++ = '\n';
    }
    memcpy(w, cl, (size_t)cllen), w += cllen;
    memcpy(w, conn_hdr, connlen), w += connlen;
    memcpy(w, lp->date, datelen), w += datelen;
    *w++ = '\r', *w++ = '\n';

    /* With nothing queued, the answer goes straight to the socket: one sendmsg,
     * no copy of the body and no write-event round trip through the loop. What
     * the socket does not take is queued for the bufferevent. */
    struct evbuffer *out = bufferevent_get_output(c->bev);
    const char *mem = send_body && fd < 0 ? body : NULL;
    bool direct = evbuffer_get_length(out) == 0;
    /* A small file body is read here and leaves with the head in one segment:
     * cheaper than a second, sendfile'd packet and its write-event round trip. */
    char filebuf[SMALL_FILE_BODY];
    if (direct && send_body && fd >= 0 && len <= sizeof filebuf && pread(fd, filebuf, len, off) == (ssize_t)len) {
        close(fd);
        fd = -1;
        mem = filebuf;
    }
    size_t sent = 0;
    if (direct) {
        struct iovec iov[2] = {{hb, total}, {(void *)mem, mem ? len : 0}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = mem ? 2 : 1};
        /* MSG_MORE: a file body follows at once by sendfile, in the same segments. */
        int more = send_body && fd >= 0 ? MSG_MORE : 0;
        ssize_t n = sendmsg(bufferevent_getfd(c->bev), &m, MSG_NOSIGNAL | MSG_DONTWAIT | more);
        if (n > 0) sent = (size_t)n; /* on error the bufferevent meets it again and closes */
    }
    if (sent < total) evbuffer_add(out, hb + sent, total - sent);
    sent = sent > total ? sent - total : 0;
    if (mem && sent < len) evbuffer_add(out, mem + sent, len - sent);
    if (hb != stackbuf) free(hb);
    if (send_body && fd >= 0 && evbuffer_get_length(out) == 0) {
        /* What the socket takes now needs no write event; the rest is queued. */
        off_t pos = off;
        ssize_t n = sendfile(bufferevent_getfd(c->bev), fd, &pos, len);
        if (n > 0) off = pos, len -= (size_t)n;
        if (len == 0) close(fd), fd = -1;
    }
    if (send_body && fd >= 0) {
        /* The output buffer drains to the socket, so libevent sends this with
         * sendfile(2) and closes fd when done (or when the connection dies). */
        if (evbuffer_add_file(out, fd, off, (ev_off_t)len) != 0) {
            close(fd);
            conn_close(c);
            return;
        }
        fd = -1;
    }
    if (fd >= 0) close(fd);
    if (src && send_body) {
        /* Pieces go one at a time, each when the previous one has left
         * (on_write), so one fd is open at a time whatever the count. */
        c->src = src;
        src = NULL;
        if (src_pump(c) < 0) return;
    }
    src_free(src);
    if (!stream) detach(r, closing, early);
}

/* The response has been queued whole: the connection moves on to its next
 * request; r stays readable until its callbacks return. */
static void detach(http_req_t *r, bool closing, bool early)
{
    conn_t *c = r->c;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    c->req = NULL;
    r->c = NULL;
    if (closing) {
        conn_end_after_write(c, early);
    } else {
        http_parser_reset(&c->parser);
        set_read_timeout(c, true);
        if (evbuffer_get_length(out) > OUT_BACKLOG || c->src)
            c->waiting_output = true;
        else
            conn_kick(c);
    }
    req_maybe_free(r);
}

void http_respond(http_req_t *r, int status, const kv_t *headers, size_t nheaders, const void *body, size_t len)
{
    respond(r, status, headers, nheaders, body, -1, 0, len, NULL, false);
}

void http_respond_fd(http_req_t *r, int status, const kv_t *headers, size_t nheaders, int fd, off_t off, size_t len)
{
    respond(r, status, headers, nheaders, NULL, fd, off, len, NULL, false);
}

void http_respond_src(http_req_t *r, int status, const kv_t *headers, size_t nheaders, wire_body_src_t *src, size_t len)
{
    respond(r, status, headers, nheaders, NULL, -1, 0, len, src, false);
}

void http_respond_begin(http_req_t *r, int status, const kv_t *headers, size_t nheaders)
{
    respond(r, status, headers, nheaders, NULL, -1, 0, 0, NULL, true);
}

void http_respond_chunk(http_req_t *r, const void *p, size_t n)
{
    conn_t *c = r->c;
    if (!r->streaming || r->responded || r->aborted || !c || c->closed || n == 0 || r->head) return;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (r->stream_chunked) evbuffer_add_printf(out, "%zx\r\n", n);
    evbuffer_add(out, p, n);
    if (r->stream_chunked) evbuffer_add(out, "\r\n", 2);
}

void http_respond_end(http_req_t *r)
{
    conn_t *c = r->c;
    if (!r->streaming || r->responded || r->aborted || !c || c->closed) return;
    if (r->stream_chunked) evbuffer_add(bufferevent_get_output(c->bev), "0\r\n\r\n", 5);
    r->responded = true;
    detach(r, r->stream_close, false);
}

long http_respond_backlog(http_req_t *r)
{
    conn_t *c = r->c;
    if (!r->streaming || r->responded || r->aborted || !c || c->closed) return -1;
    size_t left = evbuffer_get_length(bufferevent_get_output(c->bev));
    return left > (size_t)LONG_MAX ? LONG_MAX : (long)left;
}

/* The server answers a request itself (413, 500). A handler that has seen the
 * request learns of its end through on_abort, like a disconnect. */
static void req_fail(http_req_t *r, int status)
{
    static const kv_t ct = {{"Content-Type", 12}, {"text/plain", 10}};
    const char *msg = reason(status);
    r->force_close = true;
    req_enter(r);
    if (r->streaming) { /* the head is out: all that is left is to cut the body short */
        r->responded = true;
        if (r->c) conn_close(r->c);
    } else {
        respond(r, status, &ct, 1, msg, -1, 0, strlen(msg), NULL, false);
    }
    if (r->seen && r->lp->srv->cfg.on_abort) r->lp->srv->cfg.on_abort(r, r->lp->srv->cfg.ud);
    req_leave(r);
}

/* A protocol error on the connection: answer status and close. */
static void conn_fail(conn_t *c, int status)
{
    http_req_t *r = c->req;
    if (r && !r->responded) {
        req_fail(r, status);
        return;
    }
    char buf[160];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                     reason(status));
    bufferevent_write(c->bev, buf, (size_t)n);
    conn_end_after_write(c, true);
}

/* ---------- parser callbacks (run inside http_parser_feed, on the loop) ---------- */

/* Each returns non-zero to stop the parser: the request was answered or failed
 * (the connection may then be closing), or it was paused. */

static str_t copy(http_req_t *r, str_t s)
{
    str_t d = arena_str(r->a, s);
    return d.p ? d : STR("");
}

static int h_request_line(void *ud, str_t method, str_t path, str_t query)
{
    conn_t *c = ud;
    arena_t *a = c->req ? NULL : arena_new(0);
    http_req_t *r = a ? ARENA_NEW(a, http_req_t) : NULL;
    if (!r) {
        arena_free(a);
        conn_fail(c, 500);
        return -1;
    }
    r->a = a;
    r->c = c;
    r->lp = c->lp;
    r->method = copy(r, method);
    r->path = copy(r, path);
    r->query = copy(r, query);
    r->peer = arena_strdup(a, c->peer);
    if (!r->peer) r->peer = "";
    c->req = r;
    return 0;
}

static int h_header(void *ud, str_t name, str_t value)
{
    conn_t *c = ud;
    http_req_t *r = c->req;
    if (r->nhdrs == r->caphdrs) {
        size_t cap = r->caphdrs ? r->caphdrs * 2 : 16;
        kv_t *nh = arena_realloc(r->a, r->hdrs, r->caphdrs * sizeof(kv_t), cap * sizeof(kv_t));
        if (!nh) {
            req_fail(r, 500);
            return -1;
        }
        r->hdrs = nh, r->caphdrs = cap;
    }
    r->hdrs[r->nhdrs++] = (kv_t){copy(r, name), copy(r, value)};
    return 0;
}

static size_t body_limit(const http_req_t *r, const http_server_t *s)
{
    return r->max_body && r->max_body < s->cfg.max_body_buffer ? r->max_body : s->cfg.max_body_buffer;
}

static int h_headers_done(void *ud)
{
    conn_t *c = ud;
    http_req_t *r = c->req;
    const http_parser_t *p = &c->parser;
    http_server_t *s = c->lp->srv;
    r->headers_done = true;
    r->http10 = p->minor == 0;
    r->keepalive = p->keepalive;
    r->head = str_eq_c(r->method, "HEAD");
    r->chunked = p->chunked;
    r->content_length = p->content_length;
    r->body_expected = r->chunked || r->content_length > 0;
    r->expect_continue = p->expect_continue;

    r->mode = HTTP_BODY_BUFFER;
    if (s->cfg.on_headers) {
        r->seen = true;
        req_enter(r);
        r->mode = s->cfg.on_headers(r, s->cfg.ud);
        bool answered = r->responded;
        req_leave(r); /* frees r if it was answered */
        if (answered) return -1;
    }
    if (r->mode == HTTP_BODY_REJECT) {
        log_warn("http: on_headers returned REJECT without responding");
        req_fail(r, 500);
        return -1;
    }
    if (r->mode == HTTP_BODY_BUFFER && r->content_length > body_limit(r, s)) {
        req_fail(r, 413);
        return -1;
    }
    /* A request on_headers refused was answered above with its final status
     * and no 100 (and closes the connection, see respond). One that will be
     * served gets 100 Continue, also for an empty body: botocore keeps a
     * final status that arrives while it waits for 100 Continue as the
     * status of the connection's next Expect request
     * (AWSConnection.response_class), which then misreads its answer and
     * times out; answering 100 first, as S3 does, avoids that. */
    if (r->expect_continue) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        bufferevent_write(c->bev, cont, sizeof cont - 1);
        r->continue_sent = true;
    }
    return 0;
}

static int h_body(void *ud, const char *d, size_t n)
{
    conn_t *c = ud;
    http_req_t *r = c->req;
    http_server_t *s = c->lp->srv;
    r->body_received += n;
    if (r->mode == HTTP_BODY_BUFFER) {
        if (r->body_len + n > body_limit(r, s)) {
            req_fail(r, 413);
            return -1;
        }
        if (r->body_len + n > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 16384;
            while (cap < r->body_len + n) cap *= 2;
            if (cap > s->cfg.max_body_buffer) cap = s->cfg.max_body_buffer;
            char *nb = realloc(r->body, cap);
            if (!nb) {
                req_fail(r, 500);
                return -1;
            }
            r->body = nb, r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, d, n);
        r->body_len += n;
        return 0;
    }
    if (!s->cfg.on_body) return 0;
    req_enter(r);
    int rc = s->cfg.on_body(r, d, n, s->cfg.ud);
    bool answered = r->responded;
    req_leave(r); /* frees r if it was answered */
    if (answered) return -1;
    if (rc < 0) {
        /* The handler gave up without answering: the connection closes. */
        conn_close(c);
        return -1;
    }
    return r->paused ? 1 : 0; /* paused: the parser stops after this piece */
}

static int h_message_done(void *ud)
{
    conn_t *c = ud;
    if (c->req) c->req->msg_done = true;
    return 1; /* one request at a time: on_request runs before the next is read */
}

static const http_parser_callbacks_t parser_cb = {
    .on_request_line = h_request_line,
    .on_header = h_header,
    .on_headers_done = h_headers_done,
    .on_body = h_body,
    .on_message_done = h_message_done,
};

/* ---------- connections ---------- */

/* Feeds the parser from the input buffer, one buffer segment at a time, and
 * delivers requests, until input runs out or the current request waits (paused,
 * suspended, answered early). The parser takes pieces of any size, so nothing
 * is gathered here first. */
static void conn_process(conn_t *c)
{
    if (c->processing || c->closed) return;
    c->processing = true;
    http_server_t *s = c->lp->srv;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (!c->closed) {
        if (c->close_after_write) {
            evbuffer_drain(in, evbuffer_get_length(in)); /* nothing more is parsed */
            /* Answers written straight to the socket never reach on_write. */
            if (!c->lingering && !c->src && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
                if (c->linger)
                    start_linger(c);
                else
                    conn_close(c);
            }
            break;
        }
        http_req_t *r = c->req;
        if (r && r->paused) break;
        if (r && r->msg_done) {
            if (r->delivered) break; /* suspended: waits for its answer */
            r->delivered = r->seen = true;
            req_enter(r);
            s->cfg.on_request(r, s->cfg.ud);
            bool answered = r->responded || r->aborted;
            req_leave(r);
            if (!answered) {
                set_read_timeout(c, false);
                break;
            }
            continue;
        }
        if (!r && c->waiting_output) break;
        /* With no input the parser is still called: a body whose last byte went
         * to a handler that paused ends now, without waiting for more bytes. */
        const char *data = NULL;
        size_t len = 0, avail = evbuffer_get_length(in);
        if (avail > 0) {
            struct evbuffer_iovec v;
            if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) break;
            data = v.iov_base, len = v.iov_len;
            if (len == 0) data = (const char *)evbuffer_pullup(in, (ev_ssize_t)(len = avail)); /* empty first chain */
        }
        size_t n = http_parser_feed(&c->parser, &parser_cb, c, data, len);
        if (c->closed) break;
        evbuffer_drain(in, n);
        if (c->close_after_write) continue;
        if (c->parser.error != HTTP_PARSER_OK) {
            conn_fail(c, http_parser_error_status(&c->parser));
            continue;
        }
        if (n == 0 && !(c->req && c->req->msg_done)) break; /* needs more input */
    }
    c->processing = false;
    read_arm(c); /* input was consumed: reading may resume */
}

static void conn_free(conn_t *c)
{
    /* We close the socket ourselves: libevent 2.1 closes it only in a finalizer
     * on a later loop pass, which never comes when the loop is ending (stop). */
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    event_free(c->rev);
    bufferevent_free(c->bev);
    if (fd >= 0) close(fd);
    event_free(c->kick);
    http_parser_free(&c->parser);
    free(c);
}

static void conn_unbusy(conn_t *c)
{
    if (--c->busy == 0 && c->closed) {
        loop_t *lp = c->lp;
        conn_free(c);
        loop_check_done(lp);
    }
}

/* Releases a body source (its free callback, then the struct); NULL is fine. */
static void src_free(wire_body_src_t *src)
{
    if (!src) return;
    if (src->free) src->free(src->ud);
    free(src);
}

/* Immediate close. A request the handler has seen and not answered is aborted. */
static void conn_close(conn_t *c)
{
    if (c->closed) return;
    c->closed = true;
    src_free(c->src);
    c->src = NULL;
    http_req_t *r = c->req;
    c->req = NULL;
    if (r) {
        r->c = NULL;
        if (!r->responded) req_abort(r);
        req_maybe_free(r);
    }
    loop_t *lp = c->lp;
    if (c->prev)
        c->prev->next = c->next;
    else
        lp->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    lp->nconns--;
    if (c->counted) atomic_fetch_sub(&lp->srv->nconns, 1);
    bufferevent_disable(c->bev, EV_WRITE);
    read_arm(c); /* closed: off */
    if (c->busy == 0) {
        conn_free(c);
        loop_check_done(lp);
    }
}

static void start_linger(conn_t *c)
{
    c->lingering = true;
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    bufferevent_set_timeouts(c->bev, NULL, NULL);
    evbuffer_drain(bufferevent_get_input(c->bev), evbuffer_get_length(bufferevent_get_input(c->bev)));
    read_arm(c); /* the linger timeout, no limit on what is buffered */
}

static void on_read(struct bufferevent *bev, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if (c->lingering) {
        struct evbuffer *in = bufferevent_get_input(bev);
        c->linger_bytes += evbuffer_get_length(in);
        evbuffer_drain(in, evbuffer_get_length(in));
        if (c->linger_bytes > LINGER_MAX) conn_close(c);
    } else {
        conn_process(c);
    }
    conn_unbusy(c);
}

/* ==== Reading ====
 * The bufferevent only writes; reads are ours. libevent 2.1's evbuffer_read
 * asks the kernel how much is waiting (ioctl FIONREAD) and then reads at most
 * 4 KiB: a 1 GiB upload took 262,144 reads and as many ioctls, and a 4 KiB
 * PUT two of each. One readv here takes up to READ_MAX straight into the
 * input buffer's free space, growing from READ_MIN while reads fill it.
 * Reading stops while max_header_bytes + 64 KiB wait unparsed (a paused
 * stream, pipelined requests behind a suspended one), as the bufferevent's
 * watermark did, and the idle timeout runs only while we wait for the client. */
#define READ_MIN (16u << 10)
#define READ_MAX (256u << 10)
enum { READ_OFF, READ_ON, READ_IDLE, READ_LINGER };

static void read_arm(conn_t *c)
{
    int want = READ_OFF;
    if (!c->closed) {
        size_t high = c->lp->srv->cfg.max_header_bytes + (64 << 10);
        if (c->lingering)
            want = READ_LINGER;
        else if (evbuffer_get_length(bufferevent_get_input(c->bev)) < high)
            want = c->rto ? READ_IDLE : READ_ON;
    }
    if (want == c->read_state) return; /* a persistent event re-arms its own timeout as it fires */
    c->read_state = want;
    struct timeval idle = {IDLE_TIMEOUT_S, 0}, linger = {LINGER_TIMEOUT_S, 0};
    if (want == READ_OFF)
        event_del(c->rev);
    else
        event_add(c->rev, want == READ_IDLE ? &idle : want == READ_LINGER ? &linger : NULL);
}

static void on_sock_read(evutil_socket_t fd, short what, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if (what & EV_TIMEOUT) {
        conn_close(c);
        conn_unbusy(c);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_iovec v[2];
    int nv = evbuffer_reserve_space(in, (ev_ssize_t)c->rchunk, v, 2);
    /* evbuffer_iovec is laid out as struct iovec (libevent's buffer.h). */
    ssize_t n = -1;
    if (nv > 0)
        n = readv(fd, (struct iovec *)v, nv);
    else
        errno = ENOMEM;
    if (n > 0) {
        size_t left = (size_t)n;
        int used = 0;
        for (; used < nv && left > 0; used++) {
            if (v[used].iov_len > left) v[used].iov_len = left;
            left -= v[used].iov_len;
        }
        evbuffer_commit_space(in, v, used);
        if ((size_t)n == c->rchunk && c->rchunk < READ_MAX)
            c->rchunk *= 2;
        else if ((size_t)n < c->rchunk / 8 && c->rchunk > READ_MIN)
            c->rchunk /= 2;
        on_read(c->bev, c);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(c); /* EOF or error, as the bufferevent's event callback did */
    }
    read_arm(c);
    conn_unbusy(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if (c->src && !c->closed && src_pump(c) != 0) {
        conn_unbusy(c); /* a piece is on its way, or the connection closed */
        return;
    }
    if (c->closed) {
        conn_unbusy(c);
        return;
    }
    if (c->close_after_write && !c->lingering) {
        if (c->linger)
            start_linger(c);
        else
            conn_close(c);
    } else if (c->waiting_output) {
        c->waiting_output = false;
        conn_process(c);
    }
    conn_unbusy(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    conn_t *c = arg;
    /* The bufferevent never reads (on_sock_read does), so an "EOF" while
     * writing is libevent 2.1's sendfile path meeting EAGAIN: it returns 0,
     * which bufferevent_writecb takes for EOF, and it has disabled writing.
     * The socket is alive; wait for it to be writable again. Real write
     * errors come as BEV_EVENT_ERROR. */
    if ((what & BEV_EVENT_WRITING) && (what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) &&
        !c->closed) {
        bufferevent_enable(bev, EV_WRITE);
        return;
    }
    c->busy++;
    conn_close(c); /* error or timeout */
    conn_unbusy(c);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if (c->close_after_write && !c->lingering && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        on_write(c->bev, c);
    else
        conn_process(c);
    conn_unbusy(c);
}

static conn_t *conn_new(loop_t *lp, evutil_socket_t fd, const struct sockaddr *sa)
{
    conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->lp = lp;
    c->bev = bufferevent_socket_new(lp->base, fd, 0);
    c->kick = event_new(lp->base, -1, 0, on_kick, c);
    c->rev = event_new(lp->base, fd, EV_READ | EV_PERSIST, on_sock_read, c);
    if (!c->bev || !c->kick || !c->rev) {
        if (c->bev) bufferevent_free(c->bev);
        close(fd);
        if (c->kick) event_free(c->kick);
        if (c->rev) event_free(c->rev);
        free(c);
        return NULL;
    }
    c->rchunk = READ_MIN;
    http_parser_limits_t lim = {lp->srv->cfg.max_header_bytes, LINE_MAX_BYTES, MAX_HEADERS};
    http_parser_init(&c->parser, &lim);
    c->rto = true; /* armed below */
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->peer, sizeof c->peer);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, c->peer, sizeof c->peer);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bufferevent_setcb(c->bev, NULL, on_write, on_event, c);
    struct timeval wt = {WRITE_TIMEOUT_S, 0};
    bufferevent_set_timeouts(c->bev, NULL, &wt);
    bufferevent_disable(c->bev, EV_READ); /* on_sock_read reads */
    /* A socket bufferevent freezes its input's end except while it reads itself. */
    evbuffer_unfreeze(bufferevent_get_input(c->bev), 0);
    bufferevent_enable(c->bev, EV_WRITE);
    read_arm(c);
    c->next = lp->conns;
    if (lp->conns) lp->conns->prev = c;
    lp->conns = c;
    lp->nconns++;
    return c;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    loop_t *lp = arg;
    http_server_t *s = lp->srv;
    bool over = s->cfg.max_conns > 0 && atomic_fetch_add(&s->nconns, 1) >= s->cfg.max_conns;
    if (s->cfg.max_conns <= 0) atomic_fetch_add(&s->nconns, 1);
    conn_t *c = conn_new(lp, fd, sa);
    if (!c) {
        atomic_fetch_sub(&s->nconns, 1);
        return;
    }
    if (over) {
        /* Not counted: it only says 503 and goes. */
        atomic_fetch_sub(&s->nconns, 1);
        conn_fail(c, 503);
        return;
    }
    c->counted = true;
}

/* ---------- loops, posts, stop ---------- */

static void loop_check_done(loop_t *lp)
{
    if (lp->stopping && lp->nconns == 0) event_base_loopbreak(lp->base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    loop_t *lp = arg;
    while (lp->conns) conn_close(lp->conns);
    event_base_loopbreak(lp->base);
}

static void loop_begin_stop(loop_t *lp)
{
    if (lp->stopping) return;
    lp->stopping = true;
    if (lp->listener) {
        evconnlistener_free(lp->listener);
        lp->listener = NULL;
    }
    for (conn_t *c = lp->conns, *next; c; c = next) {
        next = c->next;
        if (c->req && c->req->headers_done) continue; /* in flight: answered with Connection: close */
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
            conn_end_after_write(c, false);
        else
            conn_close(c);
    }
    struct timeval t = {STOP_GRACE_MS / 1000, (STOP_GRACE_MS % 1000) * 1000};
    evtimer_add(lp->deadline_ev, &t);
    loop_check_done(lp);
}

static void run_posts(loop_t *lp)
{
    pthread_mutex_lock(&lp->mu);
    post_t *p = lp->posts;
    lp->posts = lp->posts_tail = NULL;
    pthread_mutex_unlock(&lp->mu);
    while (p) {
        post_t *next = p->next;
        http_req_t *r = p->r;
        req_enter(r);
        p->fn(r, p->arg);
        pthread_mutex_lock(&lp->mu);
        r->npost--;
        pthread_mutex_unlock(&lp->mu);
        req_leave(r);
        free(p);
        p = next;
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    loop_t *lp = arg;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    run_posts(lp);
    if (atomic_load(&lp->srv->stop)) loop_begin_stop(lp);
}

/* How long an access line may wait in its loop's batch (log.c) before it is
 * written: long enough that a busy loop writes a buffer of lines at a time,
 * short enough that someone tailing the log sees a request at once. */
#define LOG_DELAY_US 20000

static void on_log_due(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg; /* the round it ends flushes the batch */
}

/* event_base_dispatch, with the log lines of the rounds of ready events
 * written together: after a round, lines that have waited LOG_DELAY_US go
 * out in one write(2) with the ones behind them; younger ones wait, and a
 * timer ends the wait when no other event would. */
static void run_loop(struct event_base *base)
{
    struct event *due = evtimer_new(base, on_log_due, NULL);
    log_batch(true);
    while (event_base_loop(base, EVLOOP_ONCE) == 0 && !event_base_got_break(base) && !event_base_got_exit(base)) {
        int64_t waited = log_pending_us();
        if (waited < 0) continue;
        if (waited >= LOG_DELAY_US || !due) {
            log_flush();
        } else if (!evtimer_pending(due, NULL)) {
            struct timeval tv = {0, (suseconds_t)(LOG_DELAY_US - waited)};
            evtimer_add(due, &tv);
        }
    }
    log_batch(false);
    if (due) event_free(due);
}

static void *loop_thread(void *arg)
{
    loop_t *lp = arg;
    run_loop(lp->base);
    return NULL;
}

/* Runs on loop 0 once it is serving, so the first answer never waits for threads. */
static void start_others(evutil_socket_t fd, short what, void *arg)
{
    http_server_t *s = arg;
    for (int i = 1; i < s->nloops; i++) {
        loop_t *lp = &s->loops[i];
        if (atomic_load(&s->stop)) break;
        if (pthread_create(&lp->thread, NULL, loop_thread, lp) == 0) {
            lp->thread_started = true;
        } else {
            log_error("http: cannot start loop %d: %s", i, strerror(errno));
            if (lp->listener) evconnlistener_free(lp->listener); /* its connections go to the others */
            lp->listener = NULL;
        }
    }
}

/* Every loop's socket carries SO_REUSEPORT, which would also let a second server
 * share a port silently; a probe without it makes "port in use" fail as it should. */
static int port_free(const struct sockaddr *sa, socklen_t sl)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 ? bind(fd, sa, sl) : -1;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int listen_socket(const char *host, int port, bool probe, int *bound_port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET, sin->sin_port = htons((uint16_t)port), sl = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6, sin6->sin6_port = htons((uint16_t)port), sl = sizeof *sin6;
    } else {
        errno = EINVAL;
        return -1;
    }
    if (probe && port != 0 && port_free((struct sockaddr *)&ss, sl) < 0) return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
        listen(fd, 1024) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *bound_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    return fd;
}

static void loop_free(loop_t *lp)
{
    if (!lp->base) return;
    while (lp->conns) conn_close(lp->conns);
    run_posts(lp); /* posts queued before their requests ended still run */
    if (lp->listener)
        evconnlistener_free(lp->listener);
    else if (lp->lfd >= 0)
        close(lp->lfd);
    if (lp->wake_ev) event_free(lp->wake_ev);
    if (lp->deadline_ev) event_free(lp->deadline_ev);
    if (lp->wake[0] >= 0) close(lp->wake[0]);
    if (lp->wake[1] >= 0) close(lp->wake[1]);
    event_base_free(lp->base);
    pthread_mutex_destroy(&lp->mu);
    lp->base = NULL;
}

http_server_t *http_server_new(const http_config_t *cfg)
{
    if (!cfg || cfg->threads < 1 || !cfg->on_request) {
        errno = EINVAL;
        return NULL;
    }
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cfg = *cfg;
    if (!s->cfg.host) s->cfg.host = "127.0.0.1";
    if (!s->cfg.max_header_bytes) s->cfg.max_header_bytes = 64 << 10; /* 0: defaults, not "nothing" */
    if (!s->cfg.max_body_buffer) s->cfg.max_body_buffer = 8 << 20;
    s->nloops = cfg->threads;
    s->loops = calloc((size_t)s->nloops, sizeof(loop_t));
    if (!s->loops) {
        free(s);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-write must not kill the server */
    int err = 0;
    for (int i = 0; i < s->nloops && !err; i++) {
        loop_t *lp = &s->loops[i];
        lp->srv = s, lp->idx = i, lp->lfd = -1, lp->wake[0] = lp->wake[1] = -1;
        pthread_mutex_init(&lp->mu, NULL);
        int port = i == 0 ? cfg->port : s->port;
        if (!(lp->base = event_base_new()) || pipe2(lp->wake, O_NONBLOCK | O_CLOEXEC) < 0 ||
            (lp->lfd = listen_socket(s->cfg.host, port, i == 0, i == 0 ? &s->port : &port)) < 0 ||
            !(lp->wake_ev = event_new(lp->base, lp->wake[0], EV_READ | EV_PERSIST, on_wake, lp)) ||
            event_add(lp->wake_ev, NULL) < 0 || !(lp->deadline_ev = evtimer_new(lp->base, on_deadline, lp)) ||
            !(lp->listener = evconnlistener_new(lp->base, on_accept, lp, LEV_OPT_CLOSE_ON_FREE, 0, lp->lfd)))
            err = errno ? errno : EIO;
    }
    if (err) {
        http_server_free(s);
        errno = err;
        return NULL;
    }
    return s;
}

int http_server_port(const http_server_t *s)
{
    return s->port;
}

int http_server_run(http_server_t *s)
{
    struct timeval zero = {0, 0};
    if (s->nloops > 1) event_base_once(s->loops[0].base, -1, EV_TIMEOUT, start_others, s, &zero);
    run_loop(s->loops[0].base);
    for (int i = 1; i < s->nloops; i++) {
        if (s->loops[i].thread_started) pthread_join(s->loops[i].thread, NULL);
        s->loops[i].thread_started = false;
    }
    return 0;
}

/* Only a lock-free atomic store and write(2): both are async-signal-safe. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "http_server_stop needs a lock-free atomic_int");

void http_server_stop(http_server_t *s)
{
    atomic_store(&s->stop, 1);
    for (int i = 0; i < s->nloops; i++) {
        ssize_t n = write(s->loops[i].wake[1], "s", 1);
        (void)n; /* a full pipe already holds a wake-up */
    }
}

void http_server_free(http_server_t *s)
{
    if (!s) return;
    for (int i = 0; i < s->nloops; i++) loop_free(&s->loops[i]);
    free(s->loops);
    free(s);
}

/* ---------- request API ---------- */

str_t http_req_method(http_req_t *r)
{
    return r->method;
}
str_t http_req_path(http_req_t *r)
{
    return r->path;
}
str_t http_req_query(http_req_t *r)
{
    return r->query;
}
size_t http_req_nheaders(http_req_t *r)
{
    return r->nhdrs;
}
void http_req_header_at(http_req_t *r, size_t i, str_t *name, str_t *value)
{
    *name = r->hdrs[i].name;
    *value = r->hdrs[i].value;
}
str_t http_req_header(http_req_t *r, const char *name)
{
    str_t n = str_c(name);
    for (size_t i = 0; i < r->nhdrs; i++)
        if (str_eq_nocase(r->hdrs[i].name, n)) return r->hdrs[i].value;
    return STR_NULL;
}
str_t http_req_body(http_req_t *r)
{
    return r->body ? str_n(r->body, r->body_len) : STR("");
}
const char *http_req_peer(http_req_t *r)
{
    return r->peer;
}
uint64_t http_req_content_length(http_req_t *r)
{
    return r->content_length;
}

bool http_req_chunked(http_req_t *r)
{
    return r->chunked;
}

void http_req_limit_body(http_req_t *r, size_t max)
{
    r->max_body = max;
}

bool http_req_expects_continue(http_req_t *r)
{
    return r->expect_continue;
}
void http_req_set_data(http_req_t *r, void *data)
{
    r->data = data;
}
void *http_req_data(http_req_t *r)
{
    return r->data;
}

/* Rules for handlers (what keeps a suspended request from being used after free):
 * - Everything but http_req_post runs on r's loop: call http_respond*, pause,
 *   resume and the accessors from callbacks or from a function given to post.
 * - r may be posted to until it is answered or on_abort has returned. A post
 *   queued before that still runs (r is kept alive for it; answering again is a
 *   no-op that closes any fd given). A worker that might post late must be
 *   stopped in on_abort, e.g. by a cancelled flag checked under the lock the
 *   worker posts under (tests/unit/http/server_test.c does this).
 * - on_abort comes for every request the handler has seen (on_headers or
 *   on_request ran) that ends without the handler's answer: the client left,
 *   on_body returned -1, the server answered it itself (413 after on_headers,
 *   REJECT without an answer), or stop's grace period ran out.
 * - Posts still queued when the loops have ended run in http_server_free. */
void http_req_post(http_req_t *r, void (*fn)(http_req_t *r, void *arg), void *arg)
{
    loop_t *lp = r->lp;
    post_t *p = malloc(sizeof *p);
    if (!p) abort(); /* losing a post would leave a request hanging forever */
    *p = (post_t){NULL, r, fn, arg};
    pthread_mutex_lock(&lp->mu);
    bool was_empty = lp->posts == NULL;
    if (lp->posts_tail)
        lp->posts_tail->next = p;
    else
        lp->posts = p;
    lp->posts_tail = p;
    r->npost++;
    pthread_mutex_unlock(&lp->mu);
    if (was_empty) {
        ssize_t n = write(lp->wake[1], "p", 1);
        (void)n;
    }
}

void http_req_pause(http_req_t *r)
{
    r->paused = true;
    if (r->c) set_read_timeout(r->c, false);
}

void http_req_resume(http_req_t *r)
{
    if (!r->paused) return;
    r->paused = false;
    if (r->c) {
        set_read_timeout(r->c, true);
        conn_kick(r->c);
    }
}
