/* httpsend.c — the blocking HTTP/1.1 client (see httpsend.h).
 *
 * Sockets carry SO_SNDTIMEO/SO_RCVTIMEO, so no step waits longer than the
 * request's timeout; a worker thread is held at most a few timeouts by an
 * endpoint that is down or slow. The answer is read until the server closes
 * or, when it says its Content-Length, until that much has come: a server
 * that keeps the connection open despite Connection: close holds nobody.
 *
 * https:// runs TLS 1.2+ over the same socket with OpenSSL's libssl: SNI set,
 * the host name checked against the leaf, and the chain verified against the
 * default trust store (SSL_CERT_FILE / SSL_CERT_DIR name another, as a test's
 * own CA) — or, when the caller pins thumbprints, the SHA-1 of the top
 * certificate the server presents must be one of them instead (IAM OIDC
 * providers' ThumbprintList: the top intermediate CA, or a self-signed leaf). */
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

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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
                      bool *tls, httpsend_answer_t *ans)
{
    str_t url = req->url;
    *tls = str_starts_with(url, STR("https://"));
    if (!*tls && !str_starts_with(url, STR("http://"))) {
        set_fail(ans, HTTPSEND_BAD_URL, "gureum sends only to http:// and https:// endpoints: %.*s",
                 (int)(url.len > 200 ? 200 : url.len), url.p);
        return false;
    }
    str_t rest = str_sub(url, *tls ? 8 : 7, url.len - (*tls ? 8 : 7));
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

/* ==== TLS ==== */

/* Whether the SHA-1 of the top certificate the server presented (the last
 * of its chain: the top intermediate CA, or the leaf alone when self-signed)
 * is one of the pinned thumbprints (hex, either case). */
static bool pin_matches(SSL *ssl, const httpsend_req_t *req, char *got, size_t got_len)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int n = chain ? sk_X509_num(chain) : 0;
    if (n <= 0) return false;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!X509_digest(sk_X509_value(chain, n - 1), EVP_sha1(), md, &mdlen)) return false;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(got, got_len, "%s", hex);
    for (size_t i = 0; i < req->n_pins; i++)
        if (req->pins[i].len == 2 * mdlen && strncasecmp(req->pins[i].p, hex, 2 * mdlen) == 0) return true;
    return false;
}

/* Runs the handshake on fd for host; NULL with ans set when the server
 * cannot be trusted or speaks no TLS 1.2+. The caller frees the SSL and its
 * context (SSL_get_SSL_CTX). */
static SSL *tls_open(arena_t *a, const httpsend_req_t *req, int fd, str_t host, httpsend_answer_t *ans)
{
    const char *h = arena_printf(a, "%.*s", STR_FMT(host));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!h || !ssl) {
        SSL_CTX_free(ctx);
        set_fail(ans, HTTPSEND_TLS, "cannot set up TLS");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Read per request, so SSL_CERT_FILE / SSL_CERT_DIR are honoured as the
     * process has them. */
    SSL_CTX_set_default_verify_paths(ctx);
    struct in6_addr ip;
    bool is_ip = inet_pton(AF_INET, h, &ip) == 1 || inet_pton(AF_INET6, h, &ip) == 1;
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    if (is_ip)
        X509_VERIFY_PARAM_set1_ip_asc(vp, h);
    else {
        SSL_set_tlsext_host_name(ssl, h); /* SNI carries names only, never addresses */
        X509_VERIFY_PARAM_set1_host(vp, h, 0);
    }
    /* With pins the chain need not lead to a trusted root (a self-signed
     * issuer is what pinning is for); the host name still has to match. */
    SSL_set_verify(ssl, req->n_pins ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    SSL_set_fd(ssl, fd);
    ERR_clear_error();
    if (SSL_connect(ssl) != 1) {
        long vr = SSL_get_verify_result(ssl);
        if (vr != X509_V_OK)
            set_fail(ans, HTTPSEND_TLS, "the certificate of %s is not trusted: %s", h,
                     X509_verify_cert_error_string(vr));
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            set_fail(ans, HTTPSEND_TIMEOUT, "no TLS handshake within %d seconds from %s", req->timeout_s, h);
        else {
            char e[160];
            ERR_error_string_n(ERR_peek_last_error(), e, sizeof e);
            set_fail(ans, HTTPSEND_TLS, "TLS handshake with %s failed: %s", h, e);
        }
        goto bad;
    }
    if (req->n_pins) {
        X509 *leaf = SSL_get1_peer_certificate(ssl);
        bool name_ok = leaf && (is_ip ? X509_check_ip_asc(leaf, h, 0) == 1 : X509_check_host(leaf, h, 0, 0, NULL) == 1);
        X509_free(leaf);
        char got[2 * EVP_MAX_MD_SIZE + 1] = "";
        if (!name_ok) {
            set_fail(ans, HTTPSEND_TLS, "the certificate of %s does not name it", h);
            goto bad;
        }
        if (!pin_matches(ssl, req, got, sizeof got)) {
            set_fail(ans, HTTPSEND_TLS, "the certificate chain of %s matches no pinned thumbprint (its top is %s)", h,
                     got);
            goto bad;
        }
    }
    return ssl;
bad:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return NULL;
}

static ssize_t io_send(int fd, SSL *ssl, const char *p, size_t n)
{
    if (!ssl) return send(fd, p, n, MSG_NOSIGNAL);
    size_t w = 0;
    return SSL_write_ex(ssl, p, n, &w) == 1 ? (ssize_t)w : -1;
}

static ssize_t io_recv(int fd, SSL *ssl, char *p, size_t n)
{
    if (!ssl) return recv(fd, p, n, 0);
    size_t r = 0;
    errno = 0;
    if (SSL_read_ex(ssl, p, n, &r) == 1) return (ssize_t)r;
    int e = SSL_get_error(ssl, 0);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    /* A socket timeout shows as a syscall error with EAGAIN; a server that
     * closes without close_notify, as an end. */
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
    return 0;
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
    bool tls;
    if (!split_url(a, req, &authority, &host, &port, &path, &tls, ans)) {
        if (!ans->fail) set_fail(ans, HTTPSEND_BAD_URL, "bad endpoint URL");
        return;
    }
    int fd = connect_to(a, req, host, port, ans);
    if (fd < 0) return;
    SSL *ssl = NULL;
    if (tls && !(ssl = tls_open(a, req, fd, host, ans))) {
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
        ssize_t w = io_send(fd, ssl, o.p + off, o.len - off);
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
        ssize_t n = io_recv(fd, ssl, chunk, sizeof chunk);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out = true;
        if (n <= 0) break;
        buf_append(&in, chunk, (size_t)n);
        if (answer_complete(buf_str(&in), req->want_body, head_only)) break;
    }
    if (ssl) {
        SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
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
    ans->head = hdrs;
    ans->body = str_n(eoh + 4, r.len - (size_t)(eoh + 4 - r.p));
    if (strcasestr(arena_printf(a, "%.*s", STR_FMT(hdrs)), "transfer-encoding: chunked") && !dechunk(&ans->body))
        ans->body = STR("");
}
