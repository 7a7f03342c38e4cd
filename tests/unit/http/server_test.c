/* server_test.c — the HTTP server (src/http/server.c) over real loopback sockets.
 *
 * Each test starts a server on port 0 in a thread and speaks raw HTTP/1.1 to it:
 * keep-alive, 100-continue, chunked bodies, streaming with pause/resume, the
 * 413/431/503 limits, sendfile responses and HEAD, suspension answered from
 * another thread, responses streamed as produced, and graceful stop with a
 * request still in flight. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"

/* ---------- the server under test ---------- */

#define MAX_LATER 16

typedef struct {
    http_req_t *r;
    int delay_ms;
    void (*fn)(http_req_t *r, void *arg);
    bool cancelled; /* under T.mu; set by on_abort */
} later_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static struct {
    http_server_t *srv;
    pthread_t thread;
    int run_rc;
    int port;
    pthread_t later[MAX_LATER];
    later_t later_arg[MAX_LATER];
    int nlater;
    atomic_int aborts, suspended; /* read by the test thread */
    /* /stream accounting */
    size_t stream_bytes, stream_pieces;
    int stream_bad; /* a byte differed from the pattern */
    int paused_once;
    char file_path[64];
} T;

#define FILE_PATTERN 200000        /* the test file's patterned bytes; /bigfile extends it with zeros */
#define BIGFILE ((size_t)64 << 20) /* far more than a socket buffer: most of it leaves by libevent's sendfile */

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + 3);
}

static void *later_main(void *arg)
{
    later_t *l = arg;
    usleep((useconds_t)l->delay_ms * 1000);
    /* The rule of http.h: never post after on_abort returned, so check the
     * cancel flag under the lock on_abort takes. */
    pthread_mutex_lock(&mu);
    if (!l->cancelled) http_req_post(l->r, l->fn, NULL);
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* Runs fn(r) on r's loop after delay_ms, posted from a fresh thread. */
static void post_later(http_req_t *r, void (*fn)(http_req_t *, void *), int delay_ms)
{
    pthread_mutex_lock(&mu); /* loops on two threads may both get here */
    assert_true(T.nlater < MAX_LATER);
    later_t *l = &T.later_arg[T.nlater];
    *l = (later_t){r, delay_ms, fn, false};
    assert_int_equal(pthread_create(&T.later[T.nlater], NULL, later_main, l), 0);
    T.nlater++;
    pthread_mutex_unlock(&mu);
}

static bool path_is(http_req_t *r, const char *p)
{
    return str_eq_c(http_req_path(r), p);
}

static void answer_text(http_req_t *r, int status, const char *text)
{
    kv_t h[] = {{STR("Content-Type"), STR("text/plain")}};
    http_respond(r, status, h, 1, text, strlen(text));
}

static http_body_mode_t on_headers(http_req_t *r, void *ud)
{
    if (path_is(r, "/reject")) {
        answer_text(r, 403, "no");
        return HTTP_BODY_REJECT;
    }
    if (path_is(r, "/stream")) return HTTP_BODY_STREAM;
    return HTTP_BODY_BUFFER;
}

static void resume_fn(http_req_t *r, void *arg)
{
    http_req_resume(r);
}

static int on_body(http_req_t *r, const char *p, size_t n, void *ud)
{
    if (str_eq_c(http_req_query(r), "fail")) return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] != pattern(T.stream_bytes + i)) T.stream_bad = 1;
    T.stream_bytes += n;
    T.stream_pieces++;
    if (!T.paused_once) {
        /* Back-pressure: nothing more arrives until another thread resumes us. */
        T.paused_once = 1;
        http_req_pause(r);
        post_later(r, resume_fn, 30);
    }
    return 0;
}

static void answer_later(http_req_t *r, void *arg)
{
    answer_text(r, 200, "later");
}

/* /chunks: "ab" at once, "cd" and the end from another thread later. */
static void chunks_end(http_req_t *r, void *arg)
{
    http_respond_chunk(r, "cd", 2);
    http_respond_end(r);
}

static void on_request(http_req_t *r, void *ud)
{
    char buf[128];
    if (path_is(r, "/chunks")) {
        kv_t h[] = {{STR("Content-Type"), STR("text/plain")}};
        assert_int_equal(http_respond_backlog(r), -1); /* not streaming yet */
        http_respond_begin(r, 200, h, 1);
        http_respond_chunk(r, "ab", 2);
        /* the head and "ab" wait in the output until the loop writes them */
        assert_true(http_respond_backlog(r) > 0);
        post_later(r, chunks_end, 30);
        T.suspended++;
    } else if (path_is(r, "/hello")) {
        answer_text(r, 200, "hello");
    } else if (path_is(r, "/echo")) {
        str_t b = http_req_body(r);
        http_respond(r, 200, NULL, 0, b.p, b.len);
    } else if (path_is(r, "/stream")) {
        snprintf(buf, sizeof buf, "bytes=%zu pieces=%zu bad=%d", T.stream_bytes, T.stream_pieces, T.stream_bad);
        answer_text(r, 200, buf);
    } else if (path_is(r, "/file")) {
        int fd = open(T.file_path, O_RDONLY);
        assert_true(fd >= 0);
        http_respond_fd(r, 200, NULL, 0, fd, 1000, 100000); /* bytes [1000, 101000) */
    } else if (path_is(r, "/bigfile")) {
        int fd = open(T.file_path, O_RDONLY);
        assert_true(fd >= 0);
        http_respond_fd(r, 200, NULL, 0, fd, 0, BIGFILE); /* the pattern, then zeros (sparse) */
    } else if (path_is(r, "/bigmem")) {
        size_t n = 3 << 20; /* more than a socket takes at once: the rest is queued */
        unsigned char *b = malloc(n);
        for (size_t i = 0; i < n; i++) b[i] = pattern(i);
        http_respond(r, 200, NULL, 0, b, n);
        free(b); /* copied before return */
    } else if (path_is(r, "/forever")) {
        T.suspended++; /* never answered: only stop's deadline ends it */
    } else if (path_is(r, "/suspend")) {
        post_later(r, answer_later, 50);
        T.suspended++;
    } else if (path_is(r, "/query")) {
        snprintf(buf, sizeof buf, "%.*s|%.*s|%.*s", STR_FMT(http_req_method(r)), STR_FMT(http_req_query(r)),
                 STR_FMT(http_req_header(r, "x-test")));
        answer_text(r, 200, buf);
    } else {
        answer_text(r, 404, "nope");
    }
}

static void on_abort(http_req_t *r, void *ud)
{
    T.aborts++;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < T.nlater; i++)
        if (T.later_arg[i].r == r) T.later_arg[i].cancelled = true;
    pthread_mutex_unlock(&mu);
}

/* Polls until *v reaches want (2 s at most): the server runs in other threads. */
static void wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 2000 && *v < want; i++) usleep(1000);
    assert_int_equal(*v, want);
}

static void *server_main(void *arg)
{
    T.run_rc = http_server_run(T.srv);
    return NULL;
}

static void start(int threads, int max_conns)
{
    memset(&T, 0, sizeof T);
    strcpy(T.file_path, "/tmp/gr_http_test_XXXXXX");
    int fd = mkstemp(T.file_path);
    assert_true(fd >= 0);
    static unsigned char data[FILE_PATTERN];
    for (size_t i = 0; i < sizeof data; i++) data[i] = pattern(i);
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    assert_int_equal(ftruncate(fd, BIGFILE), 0);
    close(fd);
    http_config_t cfg = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = threads,
        .max_header_bytes = 16384,
        .max_body_buffer = 65536,
        .max_conns = max_conns,
        .on_headers = on_headers,
        .on_body = on_body,
        .on_request = on_request,
        .on_abort = on_abort,
    };
    T.srv = http_server_new(&cfg);
    assert_non_null(T.srv);
    T.port = http_server_port(T.srv);
    assert_true(T.port > 0);
    assert_int_equal(pthread_create(&T.thread, NULL, server_main, NULL), 0);
}

static void stop(void)
{
    http_server_stop(T.srv);
    pthread_join(T.thread, NULL);
    assert_int_equal(T.run_rc, 0);
    for (int i = 0; i < T.nlater; i++) pthread_join(T.later[i], NULL);
    http_server_free(T.srv);
    unlink(T.file_path);
}

/* ---------- a tiny client ---------- */

typedef struct {
    int fd;
    char buf[4 << 20];
    size_t len;
} cli_t;

typedef struct {
    int status;
    char head[8192];
    long content_length;
    char *body;
    size_t body_len;
} resp_t;

static cli_t *cli_open(void)
{
    cli_t *c = calloc(1, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {2, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)T.port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof sin), 0);
    return c;
}

static void cli_close(cli_t *c)
{
    close(c->fd);
    free(c);
}

static void cli_send(cli_t *c, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return; /* the server may have closed early; reading tells */
        s += w, n -= (size_t)w;
    }
}

static void cli_puts(cli_t *c, const char *s)
{
    cli_send(c, s, strlen(s));
}

/* Reads more into the buffer; false on EOF/timeout. */
static bool cli_fill(cli_t *c)
{
    if (c->len == sizeof c->buf) return false;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (n <= 0) return false;
    c->len += (size_t)n;
    return true;
}

/* True when the server closed the connection (not a timeout). */
static bool cli_eof(cli_t *c)
{
    char b[256];
    ssize_t n;
    while ((n = recv(c->fd, b, sizeof b, 0)) > 0) {
    }
    return n == 0 || errno == ECONNRESET;
}

static void cli_consume(cli_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* Reads one response; for HEAD no body is read. Returns the status or -1. */
static int cli_response(cli_t *c, resp_t *r, bool head)
{
    memset(r, 0, sizeof *r);
    char *end;
    while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
        if (!cli_fill(c)) return -1;
    size_t hl = (size_t)(end - c->buf) + 4;
    assert_true(hl < sizeof r->head);
    memcpy(r->head, c->buf, hl);
    r->head[hl] = 0;
    cli_consume(c, hl);
    r->status = atoi(r->head + 9);
    char *cl = strcasestr(r->head, "\r\nContent-Length:");
    r->content_length = cl ? atol(cl + 17) : -1;
    if (head || r->status == 100 || r->content_length <= 0) return r->status;
    size_t want = (size_t)r->content_length;
    while (c->len < want)
        if (!cli_fill(c)) return -1;
    r->body = malloc(want + 1);
    memcpy(r->body, c->buf, want);
    r->body[want] = 0;
    r->body_len = want;
    cli_consume(c, want);
    return r->status;
}

static void resp_free(resp_t *r)
{
    free(r->body);
}

/* ---------- tests ---------- */

/* GET /hello on c: 200 with the body "hello" (the connection still serves). */
static void get_hello(cli_t *c)
{
    resp_t r;
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "hello");
    resp_free(&r);
}

static void test_keepalive(void **state)
{
    start(2, 0);
    cli_t *c = cli_open();
    resp_t r;
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "hello");
    assert_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    cli_puts(c, "GET /query?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nX-Test:  v1 \r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "GET|a=1&b=%20|v1");
    resp_free(&r);
    /* Two pipelined requests in one write. */
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    resp_free(&r);
    assert_int_equal(cli_response(c, &r, false), 404);
    resp_free(&r);
    cli_close(c);
    stop();
}

static void test_expect_continue(void **state)
{
    start(1, 0);
    cli_t *c = cli_open();
    resp_t r;
    cli_puts(c, "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 100);
    cli_puts(c, "abcde");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "abcde");
    resp_free(&r);
    cli_close(c);

    /* An empty body still gets its 100 first (botocore relies on it). */
    c = cli_open();
    cli_puts(c, "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 100);
    assert_int_equal(cli_response(c, &r, false), 200);
    resp_free(&r);
    cli_close(c);

    /* Rejected on headers: the answer comes without a 100 first. */
    c = cli_open();
    cli_puts(c, "PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 403);
    assert_string_equal(r.body, "no");
    resp_free(&r);
    cli_close(c);

    /* ... also with an empty body, and the connection closes: botocore would
     * keep that status for its next request on a connection left open. */
    c = cli_open();
    cli_puts(c, "PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 403);
    assert_non_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    cli_close(c);

    /* Over the buffer limit by Content-Length: 413 at once, no 100. */
    c = cli_open();
    cli_puts(c, "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 413);
    resp_free(&r);
    cli_close(c);
    stop();
}

static void test_chunked(void **state)
{
    start(1, 0);
    cli_t *c = cli_open();
    resp_t r;
    const char *req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    /* Byte by byte, so every parser state is cut somewhere. */
    for (const char *p = req; *p; p++) {
        cli_send(c, p, 1);
        if ((p - req) % 7 == 0) usleep(200);
    }
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "hello world");
    resp_free(&r);
    /* With a trailer, then keep-alive still works. */
    cli_puts(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "abc");
    resp_free(&r);
    get_hello(c);
    /* Chunk extensions are accepted and ignored (libevhtp's parser refused them). */
    cli_puts(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3;name=value\r\nabc\r\n2 ; flag\r\nde\r\n0;last=\"y\"\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "abcde");
    resp_free(&r);
    /* A request line split across reads (libevhtp's parser misread these). */
    cli_puts(c, "GET /hel");
    usleep(20000);
    cli_puts(c, "lo HT");
    usleep(20000);
    cli_puts(c, "TP/1.1\r");
    usleep(20000);
    cli_puts(c, "\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    resp_free(&r);
    cli_close(c);
    /* Content-Length with Transfer-Encoding: 400 and close (RFC 9112 §6.1, smuggling). */
    c = cli_open();
    cli_puts(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 400);
    assert_non_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    assert_true(cli_eof(c));
    cli_close(c);
    /* A transfer coding we do not decode: 501. */
    c = cli_open();
    cli_puts(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 501);
    resp_free(&r);
    cli_close(c);
    stop();
}

static void test_stream(void **state)
{
    start(2, 0);
    cli_t *c = cli_open();
    resp_t r;
    size_t total = 1 << 20;
    unsigned char *body = malloc(total);
    for (size_t i = 0; i < total; i++) body[i] = pattern(i);
    char head[256];
    snprintf(head, sizeof head, "PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", total);
    cli_puts(c, head);
    for (size_t off = 0; off < total; off += 65536) {
        cli_send(c, body + off, 65536);
        if (off % (256 << 10) == 0) usleep(2000);
    }
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_true(strstr(r.body, "bytes=1048576 pieces=") != NULL);
    assert_true(strstr(r.body, " bad=0") != NULL);
    size_t pieces = strtoul(strstr(r.body, "pieces=") + 7, NULL, 10);
    assert_true(pieces > 1); /* delivered as it arrived, not whole */
    resp_free(&r);
    free(body);
    cli_close(c);
    stop();
}

static void test_limits(void **state)
{
    start(1, 3);
    resp_t r;
    /* 413: a body over max_body_buffer, with Content-Length ... */
    cli_t *c = cli_open();
    size_t n = 100000;
    char *big = malloc(n);
    memset(big, 'x', n);
    char head[256];
    snprintf(head, sizeof head, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", n);
    cli_puts(c, head);
    cli_send(c, big, n);
    assert_int_equal(cli_response(c, &r, false), 413);
    assert_non_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    cli_close(c);
    /* ... and chunked, where only counting finds it. */
    c = cli_open();
    cli_puts(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) {
        cli_puts(c, "8000\r\n");
        cli_send(c, big, 0x8000);
        cli_puts(c, "\r\n");
    }
    assert_int_equal(cli_response(c, &r, false), 413);
    resp_free(&r);
    cli_close(c);

    /* 431: one huge header (over the 8 KiB line limit too) and many small ones. */
    c = cli_open();
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    cli_send(c, big, 20000);
    cli_puts(c, "\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 431);
    resp_free(&r);
    cli_close(c);
    c = cli_open();
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 400; i++) cli_puts(c, "X-Header-Name: 0123456789012345678901234567890123456789\r\n");
    cli_puts(c, "\r\n");
    assert_int_equal(cli_response(c, &r, false), 431);
    resp_free(&r);
    cli_close(c);
    free(big);

    /* 503: max_conns is 3; the fourth connection is turned away. */
    cli_t *k[3];
    for (int i = 0; i < 3; i++) {
        k[i] = cli_open();
        cli_puts(k[i], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_int_equal(cli_response(k[i], &r, false), 200);
        resp_free(&r);
    }
    c = cli_open();
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 503);
    resp_free(&r);
    cli_close(c);
    cli_close(k[0]);
    usleep(50000); /* the server sees the close */
    c = cli_open();
    get_hello(c);
    cli_close(c);
    cli_close(k[1]);
    cli_close(k[2]);
    stop();
}

static void test_file_and_head(void **state)
{
    start(1, 0);
    cli_t *c = cli_open();
    resp_t r;
    cli_puts(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_int_equal(r.body_len, 100000);
    for (size_t i = 0; i < r.body_len; i++)
        if ((unsigned char)r.body[i] != pattern(1000 + i)) fail_msg("byte %zu differs", i);
    resp_free(&r);
    /* HEAD: the length of the body, none of its bytes; the next answer follows directly. */
    cli_puts(c, "GET /bigmem HTTP/1.1\r\nHost: x\r\n\r\n");
    usleep(20000); /* let the socket buffer fill, so part of it waits in the server */
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_int_equal(r.body_len, 3 << 20);
    for (size_t i = 0; i < r.body_len; i++)
        if ((unsigned char)r.body[i] != pattern(i)) fail_msg("byte %zu differs", i);
    resp_free(&r);
    cli_puts(c, "HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, true), 200);
    assert_int_equal(r.content_length, 100000);
    get_hello(c);
    cli_close(c);
    stop();
}

/* A file body far larger than the socket buffer arrives whole, and the
 * connection serves the next request. libevent 2.1's sendfile path answers
 * EAGAIN as if the peer had gone (EOF while writing); the connection used
 * to be closed there, a few MiB into the body. */
static void test_big_file_body(void **state)
{
    start(1, 0);
    cli_t *c = cli_open();
    cli_puts(c, "GET /bigfile HTTP/1.1\r\nHost: x\r\n\r\n");
    char head[4096];
    size_t hl = 0;
    char *end = NULL;
    while (!end && hl < sizeof head - 1) {
        ssize_t n = recv(c->fd, head + hl, 1, 0); /* byte by byte: nothing of the body is taken */
        assert_true(n == 1);
        hl++;
        head[hl] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    assert_non_null(strstr(head, "HTTP/1.1 200"));
    static unsigned char buf[1 << 16];
    size_t got = 0;
    while (got < BIGFILE) {
        ssize_t n = recv(c->fd, buf, sizeof buf < BIGFILE - got ? sizeof buf : BIGFILE - got, 0);
        if (n <= 0) fail_msg("connection ended after %zu of %zu bytes", got, BIGFILE);
        for (ssize_t i = 0; i < n; i++) {
            size_t at = got + (size_t)i;
            unsigned char want = at < FILE_PATTERN ? pattern(at) : 0;
            if (buf[i] != want) fail_msg("byte %zu differs", at);
        }
        got += (size_t)n;
    }
    get_hello(c);
    cli_close(c);
    stop();
}

static void test_suspend(void **state)
{
    start(2, 0);
    cli_t *c = cli_open();
    resp_t r;
    cli_puts(c, "GET /suspend HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "later");
    resp_free(&r);
    /* A request pipelined behind a suspended one waits its turn. */
    cli_puts(c, "GET /suspend HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "later");
    resp_free(&r);
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "hello");
    resp_free(&r);
    /* The connection stays usable after a suspended answer. */
    get_hello(c);
    cli_close(c);

    /* A client that leaves while suspended: on_abort, and the late post is harmless. */
    c = cli_open();
    cli_puts(c, "GET /suspend HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_for(&T.suspended, 3);
    cli_close(c);
    wait_for(&T.aborts, 1);
    /* on_body giving up closes the connection, and the handler hears on_abort. */
    c = cli_open();
    cli_puts(c, "PUT /stream?fail HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    assert_true(cli_eof(c));
    wait_for(&T.aborts, 2);
    cli_close(c);
    stop();
}

/* Reads until `want` has arrived whole at the end of the buffer; true if it did. */
static bool cli_until(cli_t *c, const char *want)
{
    size_t n = strlen(want);
    while (c->len < n || memcmp(c->buf + c->len - n, want, n) != 0)
        if (!cli_fill(c)) return false;
    return true;
}

static void test_streamed_response(void **state)
{
    start(2, 0);
    cli_t *c = cli_open();
    resp_t r;
    /* chunked, the pieces as they were given, then the connection serves on */
    cli_puts(c, "GET /chunks HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_non_null(strcasestr(r.head, "\r\nTransfer-Encoding: chunked\r\n"));
    assert_int_equal(r.content_length, -1);
    assert_true(cli_until(c, "0\r\n\r\n"));
    c->buf[c->len] = 0;
    assert_string_equal(c->buf, "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n");
    cli_consume(c, c->len);
    resp_free(&r);
    get_hello(c);
    cli_close(c);
    /* HTTP/1.0: no chunks; the body ends with the connection */
    c = cli_open();
    cli_puts(c, "GET /chunks HTTP/1.0\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_null(strcasestr(r.head, "Transfer-Encoding"));
    assert_non_null(strcasestr(r.head, "Connection: close"));
    while (cli_fill(c)) {
    }
    c->buf[c->len] = 0;
    assert_string_equal(c->buf, "abcd");
    resp_free(&r);
    cli_close(c);
    /* a client that leaves after the head: on_abort, and the late post is harmless */
    c = cli_open();
    cli_puts(c, "GET /chunks HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    resp_free(&r);
    cli_close(c);
    wait_for(&T.aborts, 1);
    stop();
}

static void test_graceful_stop(void **state)
{
    start(2, 0);
    cli_t *c = cli_open();
    resp_t r;
    cli_t *idle = cli_open();
    cli_puts(idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(idle, &r, false), 200);
    resp_free(&r);
    cli_puts(c, "GET /suspend HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_for(&T.suspended, 1); /* the request is now suspended on the server */
    http_server_stop(T.srv);
    /* The in-flight request is still answered, with Connection: close. */
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_string_equal(r.body, "later");
    assert_non_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    pthread_join(T.thread, NULL);
    assert_int_equal(T.run_rc, 0);
    /* The idle keep-alive connection was closed; nobody accepts any more. */
    assert_true(cli_eof(idle));
    cli_close(idle);
    cli_close(c);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)T.port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_true(connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0);
    close(fd);
    assert_int_equal(T.aborts, 0);
    for (int i = 0; i < T.nlater; i++) pthread_join(T.later[i], NULL);
    http_server_free(T.srv);
    unlink(T.file_path);
}

static void test_protocol_edges(void **state)
{
    start(1, 0);
    resp_t r;
    /* HTTP/1.0 without keep-alive: answered, then closed. */
    cli_t *c = cli_open();
    cli_puts(c, "GET /hello HTTP/1.0\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_non_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    assert_true(cli_eof(c));
    cli_close(c);
    /* HTTP/1.0 keep-alive is honoured and said. */
    c = cli_open();
    cli_puts(c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_non_null(strcasestr(r.head, "Connection: keep-alive"));
    resp_free(&r);
    cli_puts(c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    resp_free(&r);
    cli_close(c);
    /* Rejected on headers without a body: the connection stays usable. */
    c = cli_open();
    cli_puts(c, "GET /reject HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 403);
    assert_null(strcasestr(r.head, "Connection: close"));
    resp_free(&r);
    get_hello(c);
    cli_close(c);
    /* Not HTTP at all, and a malformed request line: 400. */
    c = cli_open();
    cli_send(c, "\x16\x03\x01\x02\x00", 5);
    assert_int_equal(cli_response(c, &r, false), 400);
    resp_free(&r);
    cli_close(c);
    c = cli_open();
    cli_puts(c, "GET /a b c d\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 400);
    resp_free(&r);
    cli_close(c);
    /* One header under max_header_bytes but over the 8 KiB line limit: 431. */
    c = cli_open();
    char *big = malloc(10000);
    memset(big, 'y', 10000);
    cli_puts(c, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    cli_send(c, big, 10000);
    cli_puts(c, "\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 431);
    resp_free(&r);
    free(big);
    cli_close(c);
    /* A chunked body in STREAM mode arrives de-chunked. */
    c = cli_open();
    char body[300];
    for (size_t i = 0; i < sizeof body; i++) body[i] = (char)pattern(i);
    cli_puts(c, "PUT /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n");
    cli_send(c, body, 100);
    cli_puts(c, "\r\nc8\r\n");
    cli_send(c, body + 100, 200);
    cli_puts(c, "\r\n0\r\n\r\n");
    assert_int_equal(cli_response(c, &r, false), 200);
    assert_non_null(strstr(r.body, "bytes=300 "));
    assert_non_null(strstr(r.body, " bad=0"));
    resp_free(&r);
    cli_close(c);
    stop();
}

extern int http__stop_grace_ms;

static void test_stop_deadline(void **state)
{
    http__stop_grace_ms = 200;
    start(2, 0);
    cli_t *c = cli_open();
    cli_puts(c, "GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_for(&T.suspended, 1);
    struct timeval a, b;
    gettimeofday(&a, NULL);
    http_server_stop(T.srv);
    pthread_join(T.thread, NULL);
    gettimeofday(&b, NULL);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000;
    assert_true(ms >= 150 && ms < 1500); /* waited for the request, then gave up */
    assert_int_equal(T.run_rc, 0);
    assert_int_equal(T.aborts, 1);
    assert_true(cli_eof(c));
    cli_close(c);
    http_server_free(T.srv);
    unlink(T.file_path);
    http__stop_grace_ms = 10000;
}

static void test_port_in_use(void **state)
{
    start(2, 0);
    http_config_t cfg = {.host = "127.0.0.1", .port = T.port, .threads = 2, .on_request = on_request};
    errno = 0;
    assert_null(http_server_new(&cfg)); /* SO_REUSEPORT must not let a second server share it */
    assert_int_equal(errno, EADDRINUSE);
    cfg.host = "not-an-address";
    cfg.port = 0;
    assert_null(http_server_new(&cfg));
    stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_file_and_head),
        cmocka_unit_test(test_big_file_body),
        cmocka_unit_test(test_suspend),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_protocol_edges),
        cmocka_unit_test(test_stop_deadline),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_streamed_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
