/* httpsend.c — the blocking HTTP/1.1 client (see httpsend.h).
 *
 * Sockets carry SO_SNDTIMEO/SO_RCVTIMEO, so no step waits longer than the
 * request's timeout; a worker thread is held at most a few timeouts by an
 * endpoint that is down or slow. The answer is read until the server closes
 * or, when it says its Content-Length, until that much has come: a server
 * that keeps the connection open despite Connection: close holds nobody. */
#define _GNU_SOURCE /* memmem, memrchr, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/buf.h"
#include "services/httpsend.h"

static void set_fail(httpsend_answer_t *ans, httpsend_fail_t fail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_fail(httpsend_answer_t *ans, httpsend_fail_t fail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ans->fail = fail;
    vsnprintf(ans->why, sizeof ans->why, fmt, ap);
    va_end(ap);
}

/* Splits "http://host[:port][/path][?query]": authority is host[:port] as
 * written (the Host header), path at least "/" (arena a). */
static bool split_url(arena_t *a, const httpsend_req_t *req, str_t *authority, str_t *host, str_t *port, str_t *path,
                      httpsend_answer_t *ans)
{
    str_t url = req->url;
    if (str_starts_with(url, STR("https://")) || !memmem(url.p, url.len, "://", 3)) {
        set_fail(ans, HTTPSEND_BAD_URL, "gureum sends only to http:// endpoints%s (it has no TLS client): %.*s",
                 req->loopback_only ? " on loopback" : "", (int)(url.len > 200 ? 200 : url.len), url.p);
        return false;
    }
    if (!str_starts_with(url, STR("http://"))) {
        set_fail(ans, HTTPSEND_BAD_URL, "not an http URL");
        return false;
    }
    str_t rest = str_sub(url, 7, url.len - 7);
    size_t h = 0;
    while (h < rest.len && rest.p[h] != '/' && rest.p[h] != '?') h++;
    str_t hp = str_sub(rest, 0, h);
    *path = h < rest.len ? str_sub(rest, h, rest.len - h) : STR("/");
    if (path->p[0] == '?') *path = str_c(arena_printf(a, "/%.*s", STR_FMT(*path)));
    *authority = hp;
    *port = STR("80");
    *host = hp;
    if (hp.len && hp.p[0] == '[') {
        const char *e = memchr(hp.p, ']', hp.len);
        if (!e) return false;
        *host = str_n(hp.p + 1, (size_t)(e - hp.p - 1));
        if ((size_t)(e - hp.p) + 2 < hp.len && e[1] == ':') *port = str_n(e + 2, hp.len - (size_t)(e - hp.p) - 2);
    } else {
        const char *c = memrchr(hp.p, ':', hp.len);
        if (c) {
            *host = str_n(hp.p, (size_t)(c - hp.p));
            *port = str_n(c + 1, hp.len - (size_t)(c - hp.p) - 1);
        }
    }
    return host->len > 0;
}

static bool loopback_addr(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

/* Connects to host:port (a loopback address, if the request says so); -1
 * with ans set otherwise. */
static int connect_to(arena_t *a, const httpsend_req_t *req, str_t host, str_t port, httpsend_answer_t *ans)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    const char *h = arena_printf(a, "%.*s", STR_FMT(host)), *p = arena_printf(a, "%.*s", STR_FMT(port));
    if (!h || !p || getaddrinfo(h, p, &hints, &res) != 0 || !res) {
        set_fail(ans, HTTPSEND_UNREACHABLE, "cannot resolve %.200s", h ? h : "");
        return -1;
    }
    int fd = -1;
    bool any_allowed = false;
    struct timeval tv = {.tv_sec = req->timeout_s};
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        if (req->loopback_only && !loopback_addr(ai->ai_addr)) continue;
        any_allowed = true;
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0) return fd;
    if (any_allowed)
        set_fail(ans, HTTPSEND_UNREACHABLE, "cannot connect to %s:%s: %.60s", h, p, strerror(errno));
    else
        set_fail(ans, HTTPSEND_NOT_LOOPBACK, "gureum sends only to loopback hosts; %.200s is not one", h);
    return -1;
}

/* Decodes a chunked body in place; false when it is not well formed. */
static bool dechunk(str_t *body)
{
    char *out = (char *)body->p;
    size_t i = 0, n = 0;
    for (;;) {
        char *end;
        unsigned long len = strtoul(body->p + i, &end, 16);
        const char *crlf = memmem(body->p + i, body->len - i, "\r\n", 2);
        if (!crlf || end == body->p + i) return false;
        i = (size_t)(crlf - body->p) + 2;
        if (len == 0) break;
        if (len > body->len - i) return false;
        memmove(out + n, body->p + i, len);
        n += len;
        i += len + 2;
        if (i > body->len) return false;
    }
    body->len = n;
    return true;
}

/* Whether r holds all the caller wants: the status line (without
 * want_body), or the head and then as much body as Content-Length says (to
 * a HEAD, the head). Other answers end when the server closes. */
static bool answer_complete(str_t r, bool want_body, bool head_only)
{
    if (!want_body) return memchr(r.p, '\n', r.len) != NULL;
    const char *eoh = memmem(r.p, r.len, "\r\n\r\n", 4);
    if (!eoh) return false;
    size_t hl = (size_t)(eoh - r.p) + 4;
    if (head_only) return true;
    for (const char *p = r.p; p && p < eoh; p = memchr(p, '\n', (size_t)(eoh - p))) {
        if (*p == '\n') p++;
        if ((size_t)(eoh - p) > 15 && strncasecmp(p, "content-length:", 15) == 0)
            return r.len - hl >= strtoull(p + 15, NULL, 10);
    }
    return false;
}

void httpsend(arena_t *a, const httpsend_req_t *req, httpsend_answer_t *ans)
{
    *ans = (httpsend_answer_t){.body = STR("")};
    str_t authority, host, port, path;
    if (!split_url(a, req, &authority, &host, &port, &path, ans)) {
        if (!ans->fail) set_fail(ans, HTTPSEND_BAD_URL, "bad endpoint URL");
        return;
    }
    int fd = connect_to(a, req, host, port, ans);
    if (fd < 0) return;
    buf_t out;
    buf_init(&out, a);
    buf_printf(&out, "%.*s %.*s HTTP/1.1\r\nHost: %.*s\r\n", STR_FMT(req->method), STR_FMT(path), STR_FMT(authority));
    buf_put_str(&out, req->head);
    buf_printf(&out, "Content-Length: %zu\r\nConnection: close\r\n\r\n", req->body.len);
    buf_put_str(&out, req->body);
    str_t o = buf_str(&out);
    size_t off = 0;
    while (!out.failed && off < o.len) {
        ssize_t w = send(fd, o.p + off, o.len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    buf_t in;
    buf_init(&in, a);
    char chunk[8192];
    bool timed_out = false;
    bool head_only = str_eq_c(req->method, "HEAD");
    size_t limit = !req->want_body ? sizeof chunk : req->max_answer ? req->max_answer : HTTPSEND_MAX_ANSWER;
    while (!out.failed && off == o.len && in.len < limit) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out = true;
        if (n <= 0) break;
        buf_append(&in, chunk, (size_t)n);
        if (answer_complete(buf_str(&in), req->want_body, head_only)) break;
    }
    close(fd);
    str_t r = buf_str(&in);
    int code;
    const char *eoh = r.len ? memmem(r.p, r.len, "\r\n\r\n", 4) : NULL;
    if (!r.len || (req->want_body && !eoh) || sscanf(r.p, "HTTP/1.%*d %d", &code) != 1) {
        if (timed_out)
            set_fail(ans, HTTPSEND_TIMEOUT, "no answer within %d seconds from %.*s:%.*s", req->timeout_s, STR_FMT(host),
                     STR_FMT(port));
        else
            set_fail(ans, HTTPSEND_NO_ANSWER, "no HTTP answer from %.*s:%.*s", STR_FMT(host), STR_FMT(port));
        return;
    }
    ans->status = code;
    if (!req->want_body) return;
    str_t hdrs = str_n(r.p, (size_t)(eoh - r.p));
    ans->body = str_n(eoh + 4, r.len - (size_t)(eoh + 4 - r.p));
    if (strcasestr(arena_printf(a, "%.*s", STR_FMT(hdrs)), "transfer-encoding: chunked") && !dechunk(&ans->body))
        ans->body = STR("");
}
