/* httpsend.c — the blocking HTTP/1.1 client (see httpsend.h).
 *
 * Sockets carry SO_SNDTIMEO/SO_RCVTIMEO, so no step waits longer than the
 * request's timeout; a worker thread is held at most a few timeouts by an
 * endpoint that is down or slow. The answer is read until the server closes
 * or, when it says its Content-Length, until that much has come: a server
 * that keeps the connection open despite Connection: close holds nobody.
 * https:// goes through OpenSSL's libssl over the same socket: TLS 1.2 or
 * later, SNI, the certificate chain checked against the system's trust
 * store (OpenSSL's default paths, so SSL_CERT_FILE / SSL_CERT_DIR name
 * another) and the host name against the certificate. */
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
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
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

/* Splits "http[s]://host[:port][/path][?query]": authority is host[:port]
 * as written (the Host header), path at least "/" (arena a); *tls for
 * https. */
static bool split_url(arena_t *a, const httpsend_req_t *req, str_t *authority, str_t *host, str_t *port, str_t *path,
                      bool *tls, httpsend_answer_t *ans)
{
    str_t url = req->url;
    *tls = str_starts_with(url, STR("https://"));
    if (!*tls && !str_starts_with(url, STR("http://"))) {
        set_fail(ans, HTTPSEND_BAD_URL, "not an http:// or https:// URL: %.*s", (int)(url.len > 200 ? 200 : url.len),
                 url.p);
        return false;
    }
    size_t skip = *tls ? 8 : 7;
    str_t rest = str_sub(url, skip, url.len - skip);
    size_t h = 0;
    while (h < rest.len && rest.p[h] != '/' && rest.p[h] != '?') h++;
    str_t hp = str_sub(rest, 0, h);
    *path = h < rest.len ? str_sub(rest, h, rest.len - h) : STR("/");
    if (path->p[0] == '?') *path = str_c(arena_printf(a, "/%.*s", STR_FMT(*path)));
    *authority = hp;
    *port = *tls ? STR("443") : STR("80");
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
    /* Loopback only: a name other than localhost is not even looked up
     * (a DNS query would leave the machine); addresses are checked below. */
    struct in6_addr ip;
    if (req->loopback_only && h && strcasecmp(h, "localhost") != 0 && inet_pton(AF_INET, h, &ip) != 1 &&
        inet_pton(AF_INET6, h, &ip) != 1) {
        set_fail(ans, HTTPSEND_NOT_LOOPBACK, "gureum sends only to loopback hosts; %.200s is not one", h);
        return -1;
    }
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

/* ==== TLS ==== */

/* One client context for the process, made on first use (OpenSSL 1.1+ is
 * thread-safe; the context is only read afterwards). NULL if it cannot be. */
static SSL_CTX *g_tls_ctx;
static pthread_once_t g_tls_once = PTHREAD_ONCE_INIT;

static void tls_init(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        SSL_CTX_free(ctx);
        return;
    }
    g_tls_ctx = ctx;
}

static SSL_CTX *tls_ctx(void)
{
    pthread_once(&g_tls_once, tls_init);
    return g_tls_ctx;
}

/* The TLS session over fd for host, handshake done and the certificate
 * checked; NULL with ans set otherwise (fd stays the caller's). */
static SSL *tls_open(arena_t *a, int fd, str_t host, httpsend_answer_t *ans)
{
    SSL_CTX *ctx = tls_ctx();
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    const char *h = arena_printf(a, "%.*s", STR_FMT(host));
    if (!ssl || !h) {
        set_fail(ans, HTTPSEND_UNREACHABLE, "TLS: no client context");
        SSL_free(ssl);
        return NULL;
    }
    struct in6_addr ip;
    bool literal = inet_pton(AF_INET, h, &ip) == 1 || inet_pton(AF_INET6, h, &ip) == 1;
    if (!literal) SSL_set_tlsext_host_name(ssl, h); /* SNI names hosts, never addresses (RFC 6066) */
    /* the certificate must name the host (or the address) the URL gives */
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    if (literal ? !X509_VERIFY_PARAM_set1_ip_asc(vp, h) : !SSL_set1_host(ssl, h)) {
        set_fail(ans, HTTPSEND_UNREACHABLE, "TLS: cannot check the name %.200s", h);
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        long v = SSL_get_verify_result(ssl);
        unsigned long e = ERR_get_error();
        char why[160];
        if (v != X509_V_OK)
            snprintf(why, sizeof why, "certificate not trusted: %s", X509_verify_cert_error_string(v));
        else
            ERR_error_string_n(e, why, sizeof why);
        set_fail(ans, HTTPSEND_UNREACHABLE, "TLS handshake with %.100s failed: %s", h, why);
        ERR_clear_error();
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

static ssize_t io_send(SSL *ssl, int fd, const char *p, size_t n)
{
    if (!ssl) return send(fd, p, n, MSG_NOSIGNAL);
    int w = SSL_write(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
    return w > 0 ? w : -1;
}

static ssize_t io_recv(SSL *ssl, int fd, char *p, size_t n)
{
    if (!ssl) return recv(fd, p, n, 0);
    int r = SSL_read(ssl, p, (int)n);
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_SYSCALL && errno == 0) return 0; /* closed without close_notify */
    return -1;
}

void httpsend(arena_t *a, const httpsend_req_t *req, httpsend_answer_t *ans)
{
    *ans = (httpsend_answer_t){.body = STR("")};
    str_t authority, host, port, path;
    bool tls = false;
    if (!split_url(a, req, &authority, &host, &port, &path, &tls, ans)) {
        if (!ans->fail) set_fail(ans, HTTPSEND_BAD_URL, "bad endpoint URL");
        return;
    }
    int fd = connect_to(a, req, host, port, ans);
    if (fd < 0) return;
    SSL *ssl = tls ? tls_open(a, fd, host, ans) : NULL;
    if (tls && !ssl) {
        close(fd);
        return;
    }
    buf_t out;
    buf_init(&out, a);
    buf_printf(&out, "%.*s %.*s HTTP/1.1\r\nHost: %.*s\r\n", STR_FMT(req->method), STR_FMT(path), STR_FMT(authority));
    buf_put_str(&out, req->head);
    buf_printf(&out, "Content-Length: %zu\r\nConnection: close\r\n\r\n", req->body.len);
    buf_put_str(&out, req->body);
    str_t o = buf_str(&out);
    size_t off = 0;
    while (!out.failed && off < o.len) {
        ssize_t w = io_send(ssl, fd, o.p + off, o.len - off);
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
        ssize_t n = io_recv(ssl, fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out = true;
        if (n <= 0) break;
        buf_append(&in, chunk, (size_t)n);
        if (answer_complete(buf_str(&in), req->want_body, head_only)) break;
    }
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
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
