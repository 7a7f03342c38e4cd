/* httpsend_test.c — the blocking HTTP/1.1 client (services/httpsend.h)
 * against a one-connection server on 127.0.0.1 run by the test itself: the
 * request as it goes on the wire, an answer read by its Content-Length while
 * the server keeps the connection open, a chunked body, the status line
 * alone, and each failure kind (URLs it will not send to, a host that is not
 * loopback, a refused connection, no answer, a timeout, a TLS
 * handshake that never ends). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/gtime.h"
#include "services/httpsend.h"

/* The server: accepts one connection, reads the request (its head and
 * Content-Length bytes), writes `answer` (none when NULL), closes at once
 * when `hang_up`, else waits for the client to close. */
typedef struct {
    int lfd, port;
    const char *answer;
    bool hang_up;
    char got[4096]; /* the request as read */
    pthread_t t;
} server_t;

static void *serve(void *arg)
{
    server_t *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    size_t n = 0;
    for (;;) {
        ssize_t r = recv(fd, s->got + n, sizeof s->got - 1 - n, 0);
        if (r <= 0) break;
        n += (size_t)r;
        s->got[n] = 0;
        char *eoh = strstr(s->got, "\r\n\r\n"), *cl = strcasestr(s->got, "content-length:");
        if (eoh && cl && n >= (size_t)(eoh + 4 - s->got) + strtoul(cl + 15, NULL, 10)) break;
    }
    if (s->answer) send(fd, s->answer, strlen(s->answer), MSG_NOSIGNAL);
    char c;
    if (!s->hang_up)
        while (recv(fd, &c, 1, 0) > 0) {
        }
    close(fd);
    return NULL;
}

static void server_start(server_t *s, const char *answer, bool hang_up)
{
    memset(s, 0, sizeof *s);
    s->answer = answer, s->hang_up = hang_up;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(s->lfd, 1), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sin, &len), 0);
    s->port = ntohs(sin.sin_port);
    assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
}

static void server_end(server_t *s)
{
    pthread_join(s->t, NULL);
    close(s->lfd);
}

/* Sends req to url and returns the answer; bodies and why live in a. */
static httpsend_answer_t send_to(arena_t *a, httpsend_req_t req, const char *url)
{
    req.url = str_c(url);
    if (!req.method.p) req.method = STR("POST");
    if (!req.timeout_s) req.timeout_s = 5;
    httpsend_answer_t ans;
    httpsend(a, &req, &ans);
    return ans;
}

static void test_request_and_body(void **state)
{
    arena_t *a = *state;
    server_t s;
    /* Kept open after a Content-Length answer: the client does not wait for the close. */
    server_start(&s, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", false);
    int64_t t0 = time_mono_us();
    httpsend_req_t req = {.head = STR("X-A: b\r\n"), .body = STR("abc"), .loopback_only = true, .want_body = true};
    httpsend_answer_t ans = send_to(a, req, arena_printf(a, "http://127.0.0.1:%d/p?q=1", s.port));
    server_end(&s);
    assert_int_equal(ans.fail, HTTPSEND_OK);
    assert_int_equal(ans.status, 201);
    assert_string_equal(arena_printf(a, "%.*s", STR_FMT(ans.body)), "{}");
    assert_true(time_mono_us() - t0 < 2000000);
    assert_string_equal(s.got, arena_printf(a,
                                            "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-A: b\r\n"
                                            "Content-Length: 3\r\nConnection: close\r\n\r\nabc",
                                            s.port));
    /* A URL with a query and no path gets "/". */
    server_start(&s, "HTTP/1.1 204 No Content\r\n\r\n", true);
    ans = send_to(a, (httpsend_req_t){.method = STR("GET"), .want_body = true},
                  arena_printf(a, "http://127.0.0.1:%d?x=y", s.port));
    server_end(&s);
    assert_int_equal(ans.status, 204);
    assert_true(strncmp(s.got, "GET /?x=y HTTP/1.1\r\n", 20) == 0);
}

static void test_chunked(void **state)
{
    arena_t *a = *state;
    server_t s;
    server_start(&s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                 true);
    httpsend_answer_t ans =
        send_to(a, (httpsend_req_t){.want_body = true}, arena_printf(a, "http://127.0.0.1:%d/", s.port));
    server_end(&s);
    assert_int_equal(ans.status, 200);
    assert_string_equal(arena_printf(a, "%.*s", STR_FMT(ans.body)), "hello world");
}

static void test_status_line_only(void **state)
{
    arena_t *a = *state;
    server_t s;
    /* Nothing after the status line, and the connection stays open. */
    server_start(&s, "HTTP/1.1 503 Busy\r\n", false);
    int64_t t0 = time_mono_us();
    httpsend_answer_t ans = send_to(a, (httpsend_req_t){0}, arena_printf(a, "http://127.0.0.1:%d/", s.port));
    server_end(&s);
    assert_int_equal(ans.fail, HTTPSEND_OK);
    assert_int_equal(ans.status, 503);
    assert_true(time_mono_us() - t0 < 2000000);
}

static void test_bad_urls(void **state)
{
    arena_t *a = *state;
    static const struct {
        const char *url, *why;
        bool loopback_only;
    } cases[] = {
        {"127.0.0.1/x", "gureum sends only to http:// and https:// endpoints: 127.0.0.1/x", false},
        {"ftp://127.0.0.1/", "gureum sends only to http:// and https:// endpoints: ftp://127.0.0.1/", false},
        {"http:///x", "bad endpoint URL", false},
        {"http://[::1/x", "bad endpoint URL", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        httpsend_answer_t ans = send_to(a, (httpsend_req_t){.loopback_only = cases[i].loopback_only}, cases[i].url);
        assert_int_equal(ans.fail, HTTPSEND_BAD_URL);
        assert_int_equal(ans.status, 0);
        assert_string_equal(ans.why, cases[i].why);
    }
}

static void test_unreachable(void **state)
{
    arena_t *a = *state;
    /* A numeric address is not looked up, and none is connected to. */
    httpsend_answer_t ans = send_to(a, (httpsend_req_t){.loopback_only = true}, "http://10.11.12.13:80/");
    assert_int_equal(ans.fail, HTTPSEND_NOT_LOOPBACK);
    assert_string_equal(ans.why, "gureum sends only to loopback hosts; 10.11.12.13 is not one");
    /* Nor is a name other than localhost (no DNS query leaves the machine), https:// or not. */
    ans = send_to(a, (httpsend_req_t){.loopback_only = true}, "https://example.com/x");
    assert_int_equal(ans.fail, HTTPSEND_NOT_LOOPBACK);
    assert_string_equal(ans.why, "gureum sends only to loopback hosts; example.com is not one");
    /* A port nobody listens on (just closed). */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    ans = send_to(a, (httpsend_req_t){.loopback_only = true},
                  arena_printf(a, "http://127.0.0.1:%d/", ntohs(sin.sin_port)));
    assert_int_equal(ans.fail, HTTPSEND_UNREACHABLE);
    assert_non_null(strstr(ans.why, "cannot connect to 127.0.0.1:"));
}

static void test_no_answer_and_timeout(void **state)
{
    arena_t *a = *state;
    server_t s;
    server_start(&s, NULL, true);
    httpsend_answer_t ans =
        send_to(a, (httpsend_req_t){.want_body = true}, arena_printf(a, "http://127.0.0.1:%d/", s.port));
    server_end(&s);
    assert_int_equal(ans.fail, HTTPSEND_NO_ANSWER);
    assert_string_equal(ans.why, arena_printf(a, "no HTTP answer from 127.0.0.1:%d", s.port));
    server_start(&s, NULL, false);
    ans = send_to(a, (httpsend_req_t){.timeout_s = 1}, arena_printf(a, "http://127.0.0.1:%d/", s.port));
    server_end(&s);
    assert_int_equal(ans.fail, HTTPSEND_TIMEOUT);
    assert_string_equal(ans.why, arena_printf(a, "no answer within 1 seconds from 127.0.0.1:%d", s.port));
    /* https:// to a server that never answers the TLS handshake */
    server_start(&s, NULL, true);
    ans = send_to(a, (httpsend_req_t){.timeout_s = 1}, arena_printf(a, "https://127.0.0.1:%d/", s.port));
    server_end(&s);
    assert_int_equal(ans.fail, HTTPSEND_TIMEOUT);
    assert_string_equal(ans.why, "no TLS handshake within 1 seconds from 127.0.0.1");
}

/* The group's arena, each test's state: requests, answers and URLs. */
static int new_arena(void **state)
{
    *state = arena_new(0);
    return *state ? 0 : -1;
}

static int free_arena(void **state)
{
    arena_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_and_body), cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_status_line_only), cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_unreachable),      cmocka_unit_test(test_no_answer_and_timeout),
    };
    return cmocka_run_group_tests(tests, new_arena, free_arena); /* one arena for all */
}
