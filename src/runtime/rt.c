/* rt.c — the runtime thread of rt.h: pools of environments per spec key,
 * the Runtime API each environment polls, timeouts and process deaths.
 *
 * Every structure here belongs to the one runtime thread; other threads only
 * append commands (a call to run, a key to retire) under `cmd_mu` and poke
 * an eventfd. An environment is SPAWNING until its first /next, then IDLE
 * (parked /next connection, no call) or BUSY (call delivered); a call is
 * finished exactly once: by /response, /error, /init/error, its timer or
 * the process's death, whichever comes first. Sandboxing is in sandbox.c. */
#define _GNU_SOURCE
#include "runtime/rt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/evp.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "http/parser.h"
#include "runtime/rt_int.h"

#define INIT_LIMIT_MS 10000      /* AWS: the init phase gets 10 s */
#define IDLE_TTL_MS (10 * 60000) /* an unused environment is stopped after this */
#define LOG_CAP (8u << 20)       /* output kept per call; more is dropped */
#define BODY_CAP (7u << 20)      /* a /response or /error body (6 MB payload + slack) */
#define STREAM_CAP (200u << 20)  /* AWS: a streamed response's limit, 200 MB */
#define MAX_PROCS 64             /* function processes alive at once, all functions together: the machine's guard */

typedef struct call {
    struct call *next;
    char *request_id, *function_arn;
    char *payload;
    size_t payload_len;
    rt_done_fn done;
    void (*stream)(void *ud, str_t content_type, str_t piece);
    void *ud;
} call_t;

typedef struct env env_t;

typedef struct pool {
    struct pool *next;
    rt__spec_t spec;
    call_t *pending, *pending_tail;
    env_t *envs;
} pool_t;

typedef enum { E_SPAWNING, E_IDLE, E_BUSY, E_DEAD } estate_t;

typedef struct conn {
    struct conn *next;
    env_t *env;
    struct bufferevent *bev;
    http_parser_t p;
    char method[8];
    char path[256];
    char err_type[128];
    char ctype[128]; /* Content-Type of a /response */
    char *err_b64;   /* Lambda-Runtime-Function-Error-Body trailer (malloc'd) */
    struct evbuffer *body;
    bool too_big;
    bool streaming;     /* Lambda-Runtime-Function-Response-Mode: streaming */
    call_t *forward;    /* a streamed /response whose pieces go to this call's stream */
    uint64_t forwarded; /* its bytes so far */
} conn_t;

struct env {
    env_t *next;
    pool_t *pool;
    char id[33];
    char *name;
    estate_t state;
    pid_t pid;
    int pidfd;
    struct event *pid_ev;
    struct evconnlistener *lis;
    int port;
    conn_t *conns;
    conn_t *next_conn; /* the parked /next request */
    int outfd;
    struct event *out_ev;
    struct evbuffer *log;
    struct event *timer;
    call_t *call;
    bool delivered, timed_out, retire, init_reported;
    bool streamed;     /* the finishing /response was streamed */
    const char *ctype; /* its Content-Type, during finish */
    int64_t spawn_us, call_us, init_us;
    rt__cgroup_t cg;
};

typedef struct cmd {
    struct cmd *next;
    enum { C_INVOKE, C_RETIRE, C_AFTER, C_STOP } kind;
    rt__spec_t spec;
    int64_t ms;
    void (*fn)(void *ud);
    void *ud;
    call_t *call;
    char *prefix;
} cmd_t;

static pthread_mutex_t cmd_mu = PTHREAD_MUTEX_INITIALIZER;
static cmd_t *cmds, *cmds_tail;
static int wake_fd = -1;
static struct event_base *base;
static pool_t *pools;
static bool started, halted;
static pthread_t rt_thread;
static rt__sandbox_t sbx;
static int nprocs; /* processes spawned and not yet reaped */

static void env_kill(env_t *e);
static void pump(pool_t *p);

/* ==== Small helpers ==== */

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char **dupv(const char *const *v)
{
    size_t n = 0;
    while (v && v[n]) n++;
    char **o = calloc(n + 1, sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = strdup(v[i]);
    return o;
}

static void freev(char **v)
{
    if (!v) return;
    for (size_t i = 0; v[i]; i++) free(v[i]);
    free(v);
}

static void spec_free(rt__spec_t *s)
{
    free(s->key);
    freev(s->argv);
    freev(s->envp);
    freev(s->binds);
    free(s->task_dir);
    free(s->task_mount);
    free(s->id_var);
    free(s->id_prefix);
    free(s->api_var);
    memset(s, 0, sizeof *s);
}

static int spec_copy(rt__spec_t *d, const rt_spec_t *s)
{
    *d = (rt__spec_t){.key = xstrdup(s->key),
                      .argv = dupv(s->argv),
                      .envp = dupv(s->envp),
                      .binds = dupv(s->binds),
                      .task_dir = xstrdup(s->task_dir),
                      .task_mount = xstrdup(s->task_mount),
                      .id_var = xstrdup(s->id_var),
                      .id_prefix = xstrdup(s->id_prefix),
                      .api_var = xstrdup(s->api_var),
                      .memory_mb = s->memory_mb,
                      .timeout_ms = s->timeout_ms,
                      .max_envs = s->max_envs > 0 ? s->max_envs : 1,
                      .rlimit_as = s->rlimit_as};
    if (!d->key || !d->argv || !d->envp || !d->binds || !d->task_dir) {
        spec_free(d);
        return GR_ERR;
    }
    return GR_OK;
}

static void call_free(call_t *c)
{
    free(c->request_id);
    free(c->function_arn);
    free(c->payload);
    free(c);
}

static int64_t rss_hwm_kb(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    const char *p = strstr(buf, "VmHWM:");
    return p ? strtoll(p + 6, NULL, 10) : 0;
}

/* ==== Finishing calls ==== */

static void drain_output(env_t *e)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(e->outfd, buf, sizeof buf);
        if (n <= 0) break;
        if (evbuffer_get_length(e->log) < LOG_CAP) evbuffer_add(e->log, buf, (size_t)n);
    }
}

static void finish(env_t *e, rt_status_t st, struct evbuffer *body, const char *err_type, int code, int sig)
{
    call_t *c = e->call;
    if (!c) return;
    e->call = NULL;
    e->delivered = false;
    if (e->outfd >= 0) drain_output(e);
    rt_result_t res = {.status = st, .exit_code = code, .exit_signal = sig};
    size_t bl = body ? evbuffer_get_length(body) : 0;
    res.body = str_n(bl ? (const char *)evbuffer_pullup(body, -1) : "", bl);
    res.error_type = str_c(err_type ? err_type : "");
    res.streamed = e->streamed;
    res.content_type = str_c(e->ctype ? e->ctype : "");
    e->streamed = false;
    e->ctype = NULL;
    size_t ll = evbuffer_get_length(e->log);
    res.log = str_n(ll ? (const char *)evbuffer_pullup(e->log, -1) : "", ll);
    res.env_name = str_c(e->name);
    res.duration_us = e->call_us ? time_mono_us() - e->call_us : 0;
    if (!e->init_reported && e->init_us) {
        res.init_us = e->init_us;
        e->init_reported = true;
    }
    res.max_rss_kb = e->pid > 0 ? rss_hwm_kb(e->pid) : 0;
    if (e->cg.ok) {
        int64_t m = rt__cgroup_max_kb(&e->cg);
        if (m > 0) res.max_rss_kb = m;
    }
    c->done(&res, c->ud);
    evbuffer_drain(e->log, ll);
    call_free(c);
    e->call_us = 0;
    if (e->timer) event_del(e->timer);
}

/* ==== Runtime API connections ==== */

static void conn_free(conn_t *c)
{
    env_t *e = c->env;
    for (conn_t **pp = &e->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    if (e->next_conn == c) e->next_conn = NULL;
    bufferevent_free(c->bev);
    http_parser_free(&c->p);
    evbuffer_free(c->body);
    free(c->err_b64);
    free(c);
}

static void reply(conn_t *c, int status, const char *reason, const char *headers, const void *body, size_t n)
{
    struct evbuffer *o = bufferevent_get_output(c->bev);
    evbuffer_add_printf(o, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n", status,
                        reason, n, headers ? headers : "");
    if (n) evbuffer_add(o, body, n);
}

static void on_timer(evutil_socket_t fd, short what, void *arg);

static void arm(env_t *e, int64_t ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_add(e->timer, &tv);
}

static void deliver(env_t *e)
{
    conn_t *c = e->next_conn;
    call_t *k = e->call;
    e->next_conn = NULL;
    e->state = E_BUSY;
    e->delivered = true;
    e->call_us = time_mono_us();
    int64_t deadline = time_now_us() / 1000 + e->pool->spec.timeout_ms;
    char trace[80], hex[25];
    id_random_chars(hex, 24, "0123456789abcdef");
    snprintf(trace, sizeof trace, "Root=1-%08llx-%s;Sampled=0", (unsigned long long)(time_now_us() / 1000000), hex);
    char *hdr = NULL;
    if (asprintf(&hdr,
                 "Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %lld\r\n"
                 "Lambda-Runtime-Invoked-Function-Arn: %s\r\nLambda-Runtime-Trace-Id: %s\r\n",
                 k->request_id, (long long)deadline, k->function_arn ? k->function_arn : "", trace) < 0)
        hdr = NULL;
    reply(c, 200, "OK", hdr, k->payload, k->payload_len);
    free(hdr);
    arm(e, e->pool->spec.timeout_ms);
}

/* A trailer's base64 (the streamed response's error document), decoded. */
static void unbase64_into(struct evbuffer *out, const char *b64)
{
    size_t n = b64 ? strlen(b64) : 0;
    if (!n || n % 4) return;
    unsigned char *d = malloc(n / 4 * 3 + 1);
    if (!d) return;
    int m = EVP_DecodeBlock(d, (const unsigned char *)b64, (int)n);
    if (m > 0) {
        m -= (b64[n - 1] == '=') + (b64[n - 2] == '=');
        evbuffer_add(out, d, (size_t)m);
    }
    free(d);
}

/* An invocation path's request id: /2018-06-01/runtime/invocation/<id>/<what>. */
static bool id_matches(env_t *e, const char *id, size_t n)
{
    return e->call && e->delivered && strlen(e->call->request_id) == n && memcmp(e->call->request_id, id, n) == 0;
}

static void handle(conn_t *c)
{
    env_t *e = c->env;
    static const char inv[] = "/2018-06-01/runtime/invocation/";
    static const char ok[] = "{\"status\":\"OK\"}";
    if (c->too_big) {
        static const char m[] = "{\"errorMessage\":\"Payload too large\",\"errorType\":\"RequestEntityTooLarge\"}";
        reply(c, 413, "Request Entity Too Large", NULL, m, sizeof m - 1);
        if (c->forward && c->forward == e->call) { /* what was streamed is out: the call ends in error */
            static const char big[] = "{\"errorType\":\"Function.ResponseSizeTooLarge\",\"errorMessage\":\"Response "
                                      "payload size exceeded maximum allowed payload size (209715200 bytes).\"}";
            struct evbuffer *b = evbuffer_new();
            if (b) evbuffer_add(b, big, sizeof big - 1);
            e->streamed = true;
            finish(e, RT_FN_ERROR, b, "Function.ResponseSizeTooLarge", 0, 0);
            if (b) evbuffer_free(b);
        }
        return;
    }
    if (strcmp(c->path, "/2018-06-01/runtime/invocation/next") == 0 && strcmp(c->method, "GET") == 0) {
        if (e->state == E_SPAWNING) {
            e->init_us = time_mono_us() - e->spawn_us;
            event_del(e->timer);
        }
        if (e->next_conn && e->next_conn != c) conn_free(e->next_conn);
        e->next_conn = c;
        if (e->retire && !e->call) {
            env_kill(e);
            return;
        }
        if (e->call && !e->delivered) {
            deliver(e);
            return;
        }
        e->state = E_IDLE;
        arm(e, IDLE_TTL_MS);
        pump(e->pool);
        return;
    }
    if (strcmp(c->path, "/2018-06-01/runtime/init/error") == 0 && strcmp(c->method, "POST") == 0) {
        reply(c, 202, "Accepted", NULL, ok, sizeof ok - 1);
        finish(e, RT_INIT_ERROR, c->body, c->err_type[0] ? c->err_type : NULL, 0, 0);
        env_kill(e);
        return;
    }
    if (strncmp(c->path, inv, sizeof inv - 1) == 0 && strcmp(c->method, "POST") == 0) {
        const char *id = c->path + sizeof inv - 1, *sl = strchr(id, '/');
        if (sl && (strcmp(sl, "/response") == 0 || strcmp(sl, "/error") == 0)) {
            if (!id_matches(e, id, (size_t)(sl - id))) {
                static const char m[] = "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}";
                reply(c, 400, "Bad Request", NULL, m, sizeof m - 1);
                return;
            }
            reply(c, 202, "Accepted", NULL, ok, sizeof ok - 1);
            bool err = strcmp(sl, "/error") == 0;
            e->ctype = c->ctype;
            e->streamed = c->forward != NULL;
            if (!err && c->streaming && c->err_type[0]) {
                /* AWS: a streamed response's error comes in its trailers,
                 * the error document base64-encoded */
                err = true;
                evbuffer_drain(c->body, evbuffer_get_length(c->body));
                unbase64_into(c->body, c->err_b64);
            }
            finish(e, err ? RT_FN_ERROR : RT_OK, c->body, c->err_type[0] ? c->err_type : NULL, 0, 0);
            if (e->retire) env_kill(e);
            return;
        }
    }
    static const char nf[] = "{\"errorMessage\":\"not found\",\"errorType\":\"NotFound\"}";
    reply(c, 404, "Not Found", NULL, nf, sizeof nf - 1);
}

static int p_line(void *ud, str_t method, str_t path, str_t query)
{
    conn_t *c = ud;
    snprintf(c->method, sizeof c->method, "%.*s", STR_FMT(method));
    snprintf(c->path, sizeof c->path, "%.*s", STR_FMT(path));
    return 0;
}

static int p_header(void *ud, str_t name, str_t value)
{
    conn_t *c = ud;
    if (str_eq_nocase(name, STR("Lambda-Runtime-Function-Error-Type")))
        snprintf(c->err_type, sizeof c->err_type, "%.*s", STR_FMT(value));
    else if (str_eq_nocase(name, STR("Content-Type")))
        snprintf(c->ctype, sizeof c->ctype, "%.*s", STR_FMT(value));
    else if (str_eq_nocase(name, STR("Lambda-Runtime-Function-Response-Mode")))
        c->streaming = str_eq_nocase(value, STR("streaming"));
    return 0;
}

static int p_trailer(void *ud, str_t name, str_t value)
{
    conn_t *c = ud;
    if (str_eq_nocase(name, STR("Lambda-Runtime-Function-Error-Body"))) {
        free(c->err_b64);
        c->err_b64 = str_dup(value);
        return 0;
    }
    return p_header(ud, name, value);
}

static int p_done_headers(void *ud)
{
    conn_t *c = ud;
    if (c->p.expect_continue) evbuffer_add_printf(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n");
    /* a streamed /response of the delivered call, for a caller that takes
     * pieces: they go on as they arrive rather than when the body ends */
    env_t *e = c->env;
    static const char inv[] = "/2018-06-01/runtime/invocation/";
    const char *id = c->path + sizeof inv - 1, *sl = strrchr(c->path, '/');
    if (c->streaming && e->call && e->call->stream && !strcmp(c->method, "POST") &&
        !strncmp(c->path, inv, sizeof inv - 1) && sl && sl > id && !strcmp(sl, "/response") &&
        id_matches(e, id, (size_t)(sl - id)))
        c->forward = e->call;
    return 0;
}

static int p_body(void *ud, const char *p, size_t n)
{
    conn_t *c = ud;
    if (c->forward) { /* the call may have ended meanwhile (its timeout) */
        c->forwarded += n;
        if (c->forwarded > STREAM_CAP) c->too_big = true;
        if (c->forward == c->env->call && n && !c->too_big)
            c->forward->stream(c->forward->ud, str_c(c->ctype[0] ? c->ctype : "application/octet-stream"), str_n(p, n));
        return 0;
    }
    if (evbuffer_get_length(c->body) + n > BODY_CAP)
        c->too_big = true;
    else
        evbuffer_add(c->body, p, n);
    return 0;
}

static const http_parser_callbacks_t pcb = {p_line, p_header, p_done_headers, p_body, NULL, p_trailer};

static void conn_read(struct bufferevent *bev, void *arg)
{
    conn_t *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t n = evbuffer_get_length(in);
        const char *d = n ? (const char *)evbuffer_pullup(in, -1) : "";
        size_t used = http_parser_feed(&c->p, &pcb, c, d, n);
        evbuffer_drain(in, used);
        if (c->p.error) {
            conn_free(c);
            return;
        }
        if (!http_parser_done(&c->p)) return;
        env_t *e = c->env;
        handle(c);
        /* handle may have ended the environment (and every connection) */
        bool alive = false;
        for (conn_t *k = e->state == E_DEAD ? NULL : e->conns; k; k = k->next)
            if (k == c) alive = true;
        if (!alive) return;
        http_parser_reset(&c->p);
        evbuffer_drain(c->body, evbuffer_get_length(c->body));
        c->err_type[0] = 0;
        c->ctype[0] = 0;
        free(c->err_b64);
        c->err_b64 = NULL;
        c->streaming = false;
        c->forward = NULL;
        c->forwarded = 0;
        c->too_big = false;
        if (!evbuffer_get_length(in)) return;
    }
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    conn_t *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) conn_free(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
    env_t *e = arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn_t *c = calloc(1, sizeof *c);
    if (!c || !(c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) || !(c->body = evbuffer_new())) {
        if (c && c->bev)
            bufferevent_free(c->bev);
        else
            close(fd);
        free(c);
        return;
    }
    c->env = e;
    http_parser_init(&c->p, NULL);
    c->next = e->conns;
    e->conns = c;
    bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ==== Environments ==== */

static void env_free(env_t *e)
{
    pool_t *p = e->pool;
    for (env_t **pp = &p->envs; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    while (e->conns) conn_free(e->conns);
    if (e->lis) evconnlistener_free(e->lis);
    if (e->pid_ev) event_free(e->pid_ev);
    if (e->out_ev) event_free(e->out_ev);
    if (e->timer) event_free(e->timer);
    if (e->pidfd >= 0) close(e->pidfd);
    if (e->outfd >= 0) close(e->outfd);
    if (e->log) evbuffer_free(e->log);
    rt__cgroup_remove(&e->cg);
    rt__untrack(e->pid);
    if (e->pid > 0) nprocs--;
    free(e->name);
    free(e);
}

static void env_kill(env_t *e)
{
    if (e->pid > 0 && e->state != E_DEAD) {
        kill(-e->pid, SIGKILL);
        kill(e->pid, SIGKILL);
    }
    e->state = E_DEAD;
    while (e->conns) conn_free(e->conns);
    if (e->lis) {
        evconnlistener_free(e->lis);
        e->lis = NULL;
    }
}

static void on_exit_ev(evutil_socket_t fd, short what, void *arg)
{
    env_t *e = arg;
    int status = 0;
    if (waitpid(e->pid, &status, WNOHANG) == 0) return;
    pool_t *p = e->pool;
    if (e->call) {
        if (e->timed_out)
            finish(e, RT_TIMEOUT, NULL, NULL, 0, 0);
        else
            finish(e, RT_EXITED, NULL, NULL, WIFEXITED(status) ? WEXITSTATUS(status) : 0,
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    e->state = E_DEAD;
    env_free(e);
    pump(p);
    for (pool_t *q = pools; q; q = q->next) /* a slot under MAX_PROCS may have opened for another function */
        if (q != p && q->pending) pump(q);
}

static void on_output(evutil_socket_t fd, short what, void *arg)
{
    env_t *e = arg;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        if (evbuffer_get_length(e->log) < LOG_CAP) evbuffer_add(e->log, buf, (size_t)n);
        return;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) event_del(e->out_ev);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    env_t *e = arg;
    if (e->state == E_IDLE && !e->call) { /* idle too long */
        env_kill(e);
        return;
    }
    /* a call's timeout, or an init that never reached /next */
    e->timed_out = true;
    if (e->outfd >= 0) drain_output(e);
    pool_t *p = e->pool;
    env_kill(e);
    finish(e, RT_TIMEOUT, NULL, NULL, 0, 0);
    pump(p);
}

static env_t *spawn(pool_t *p)
{
    env_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->pool = p;
    e->pidfd = e->outfd = -1;
    id_random_chars(e->id, 32, "0123456789abcdef");
    if (asprintf(&e->name, "%s%s", p->spec.id_prefix ? p->spec.id_prefix : "", e->id) < 0) e->name = NULL;
    e->log = evbuffer_new();
    e->timer = evtimer_new(base, on_timer, e);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (!e->name || !e->log || !e->timer || lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(lfd, 16) < 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        if (lfd >= 0) close(lfd);
        goto fail;
    }
    e->port = ntohs(sa.sin_port);
    e->lis = evconnlistener_new(base, on_accept, e, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, lfd);
    if (!e->lis) {
        close(lfd);
        goto fail;
    }
    char api[64];
    snprintf(api, sizeof api, "127.0.0.1:%d", e->port);
    rt__child_t ch = {.spec = &p->spec, .sandbox = &sbx, .api = api, .env_name = e->name, .env_id = e->id};
    if (rt__spawn(&ch, &e->cg) != GR_OK) goto fail;
    e->pid = ch.pid;
    nprocs++;
    e->pidfd = ch.pidfd;
    e->outfd = ch.outfd;
    rt__track(e->pid);
    e->pid_ev = event_new(base, e->pidfd, EV_READ | EV_PERSIST, on_exit_ev, e);
    e->out_ev = event_new(base, e->outfd, EV_READ | EV_PERSIST, on_output, e);
    if (!e->pid_ev || !e->out_ev) {
        kill(e->pid, SIGKILL);
        goto fail;
    }
    event_add(e->pid_ev, NULL);
    event_add(e->out_ev, NULL);
    e->state = E_SPAWNING;
    e->spawn_us = time_mono_us();
    arm(e, INIT_LIMIT_MS > p->spec.timeout_ms ? INIT_LIMIT_MS : p->spec.timeout_ms);
    e->next = p->envs;
    p->envs = e;
    return e;
fail:
    e->pool = p;
    if (e->pid_ev) event_free(e->pid_ev), e->pid_ev = NULL;
    e->next = p->envs;
    p->envs = e;
    e->state = E_DEAD;
    if (e->pid > 0) { /* reaped by its exit event only if it has one */
        waitpid(e->pid, NULL, 0);
    }
    env_free(e);
    return NULL;
}

/* Hands pending calls to environments: an idle one first, then one still
 * starting or between its answer and its next /next, then a new one up to
 * the concurrency. */
static void pump(pool_t *p)
{
    while (p->pending) {
        env_t *pick = NULL;
        int live = 0;
        for (env_t *e = p->envs; e; e = e->next) {
            if (e->state == E_DEAD || e->retire) continue;
            live++;
            if (e->call) continue;
            if (e->state == E_IDLE && e->next_conn) {
                pick = e;
                break;
            }
            /* starting, or just answered and about to ask /next again: a
             * sequential caller must find its warm process, not a new one */
            if (!pick) pick = e;
        }
        if (!pick && live < p->spec.max_envs && nprocs >= MAX_PROCS) {
            /* at the machine's limit: stop an idle process of any function;
             * its exit pumps every pool again */
            for (pool_t *q = pools; q; q = q->next)
                for (env_t *e = q->envs; e; e = e->next)
                    if (e->state == E_IDLE && !e->call && e->pid > 0) {
                        env_kill(e);
                        return;
                    }
            return;
        }
        if (!pick && live < p->spec.max_envs) {
            pick = spawn(p);
            if (!pick) {
                call_t *c = p->pending;
                p->pending = c->next;
                if (!p->pending) p->pending_tail = NULL;
                rt_result_t res = {.status = RT_SPAWN_FAILED,
                                   .body = STR(""),
                                   .error_type = STR(""),
                                   .log = STR(""),
                                   .env_name = STR("")};
                c->done(&res, c->ud);
                call_free(c);
                continue;
            }
        }
        if (!pick) return;
        call_t *c = p->pending;
        p->pending = c->next;
        if (!p->pending) p->pending_tail = NULL;
        c->next = NULL;
        pick->call = c;
        pick->delivered = false;
        if (pick->state == E_IDLE && pick->next_conn) deliver(pick);
    }
}

/* ==== Commands from other threads ==== */

static pool_t *pool_for(rt__spec_t *s)
{
    for (pool_t *p = pools; p; p = p->next)
        if (strcmp(p->spec.key, s->key) == 0) {
            /* the newest spec wins for later spawns (fresh credentials) */
            spec_free(&p->spec);
            p->spec = *s;
            memset(s, 0, sizeof *s);
            return p;
        }
    pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->spec = *s;
    memset(s, 0, sizeof *s);
    p->next = pools;
    pools = p;
    return p;
}

static void after_cb(evutil_socket_t fd, short what, void *arg)
{
    cmd_t *c = arg;
    c->fn(c->ud);
    free(c);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    uint64_t v;
    if (read(wake_fd, &v, sizeof v) < 0) { /* spurious: nothing to read */
    }
    pthread_mutex_lock(&cmd_mu);
    cmd_t *list = cmds;
    cmds = cmds_tail = NULL;
    pthread_mutex_unlock(&cmd_mu);
    while (list) {
        cmd_t *c = list;
        list = c->next;
        if (c->kind == C_INVOKE) {
            pool_t *p = halted ? NULL : pool_for(&c->spec);
            if (!p) {
                rt_result_t res = {.status = RT_SPAWN_FAILED,
                                   .body = STR(""),
                                   .error_type = STR(""),
                                   .log = STR(""),
                                   .env_name = STR("")};
                c->call->done(&res, c->call->ud);
                call_free(c->call);
            } else {
                if (p->pending_tail)
                    p->pending_tail->next = c->call;
                else
                    p->pending = c->call;
                p->pending_tail = c->call;
                pump(p);
            }
        } else if (c->kind == C_STOP) {
            /* every call still owed an answer gets one, so its owner can free it */
            halted = true;
            rt_result_t res = {
                .status = RT_SPAWN_FAILED, .body = STR(""), .error_type = STR(""), .log = STR(""), .env_name = STR("")};
            for (pool_t *p = pools; p; p = p->next) {
                for (env_t *e = p->envs; e; e = e->next) {
                    env_kill(e);
                    if (e->call) {
                        e->call->done(&res, e->call->ud);
                        call_free(e->call);
                        e->call = NULL;
                    }
                }
                while (p->pending) {
                    call_t *k = p->pending;
                    p->pending = k->next;
                    k->done(&res, k->ud);
                    call_free(k);
                }
                p->pending_tail = NULL;
            }
            rt__kill_all();
            event_base_loopbreak(base);
        } else if (c->kind == C_AFTER) {
            struct timeval tv = {c->ms / 1000, (c->ms % 1000) * 1000};
            if (event_base_once(base, -1, EV_TIMEOUT, after_cb, c, &tv) == 0) continue; /* after_cb frees c */
            c->fn(c->ud); /* cannot wait: run now rather than never */
        } else {
            size_t n = strlen(c->prefix);
            for (pool_t *p = pools; p; p = p->next) {
                if (strncmp(p->spec.key, c->prefix, n) != 0) continue;
                for (env_t *e = p->envs, *nx; e; e = nx) {
                    nx = e->next;
                    e->retire = true;
                    if (!e->call) env_kill(e);
                }
            }
        }
        spec_free(&c->spec);
        free(c->prefix);
        free(c);
    }
}

static void push_cmd(cmd_t *c)
{
    pthread_mutex_lock(&cmd_mu);
    if (cmds_tail)
        cmds_tail->next = c;
    else
        cmds = c;
    cmds_tail = c;
    pthread_mutex_unlock(&cmd_mu);
    uint64_t one = 1;
    if (write(wake_fd, &one, sizeof one) < 0) { /* the counter is full: the loop is awake anyway */
    }
}

int rt_invoke(const rt_spec_t *spec, const rt_call_t *call, rt_done_fn done, void *ud)
{
    if (!started) return GR_ERR;
    cmd_t *c = calloc(1, sizeof *c);
    call_t *k = calloc(1, sizeof *k);
    if (!c || !k) goto fail;
    c->kind = C_INVOKE;
    c->call = k;
    k->request_id = strdup(call->request_id);
    k->function_arn = xstrdup(call->function_arn);
    k->payload = malloc(call->payload.len + 1);
    k->done = done;
    k->stream = call->stream;
    k->ud = ud;
    if (!k->request_id || !k->payload || spec_copy(&c->spec, spec) != GR_OK) goto fail;
    memcpy(k->payload, call->payload.p ? call->payload.p : "", call->payload.len);
    k->payload_len = call->payload.len;
    push_cmd(c);
    return GR_OK;
fail:
    if (k) call_free(k);
    if (c) spec_free(&c->spec);
    free(c);
    return GR_ERR;
}

void rt_stop(void)
{
    if (!started) return;
    cmd_t *c = calloc(1, sizeof *c);
    if (!c) return;
    c->kind = C_STOP;
    push_cmd(c);
    pthread_join(rt_thread, NULL);
    started = false;
}

int rt_after(int64_t ms, void (*fn)(void *ud), void *ud)
{
    if (!started) return GR_ERR;
    cmd_t *c = calloc(1, sizeof *c);
    if (!c) return GR_ERR;
    c->kind = C_AFTER;
    c->ms = ms < 0 ? 0 : ms;
    c->fn = fn;
    c->ud = ud;
    push_cmd(c);
    return GR_OK;
}

void rt_retire(const char *key_prefix)
{
    if (!started) return;
    cmd_t *c = calloc(1, sizeof *c);
    if (!c) return;
    c->kind = C_RETIRE;
    c->prefix = strdup(key_prefix);
    if (!c->prefix) {
        free(c);
        return;
    }
    push_cmd(c);
}

bool rt_sandboxed(void)
{
    return sbx.mount_ns;
}

const char *rt_task_path(void)
{
    return sbx.mount_ns ? sbx.task_path : NULL;
}

static void *rt_main(void *arg)
{
    (void)arg;
    event_base_dispatch(base);
    return NULL;
}

int rt_start(const rt_config_t *cfg)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (started) {
        pthread_mutex_unlock(&mu);
        return GR_OK;
    }
    int rc = GR_ERR;
    rt__sandbox_init(&sbx, cfg->data_dir);
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    base = wake_fd >= 0 ? event_base_new() : NULL;
    struct event *wev = base ? event_new(base, wake_fd, EV_READ | EV_PERSIST, on_wake, NULL) : NULL;
    if (wev && event_add(wev, NULL) == 0) {
        if (pthread_create(&rt_thread, NULL, rt_main, NULL) == 0) {
            started = true;
            rc = GR_OK;
        }
    }
    if (rc != GR_OK) log_error("runtime: cannot start the function runtime thread");
    pthread_mutex_unlock(&mu);
    return rc;
}
