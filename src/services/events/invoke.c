/* invoke.c — sending events to API destinations, and fetching OAuth tokens
 * for connections.
 *
 * Delivery (put.c) queues a job here and returns; a few invoker threads take
 * jobs in due order, read the API destination and its connection as they are
 * now, and send one HTTP request: the endpoint with its `*` path wildcards
 * filled from the target's PathParameterValues, the target's and the
 * connection's query string parameters and headers (the connection's win on
 * the same key, as AWS documents), the connection's body parameters added to
 * a JSON body, and the connection's authorization (Basic, an API key header,
 * or an OAuth bearer token fetched from its AuthorizationEndpoint and kept
 * until it expires or the endpoint answers 401/407). Each destination is held
 * to its InvocationRateLimitPerSecond: a job over the rate waits its turn.
 * Failures are retried with exponential back-off as the target's RetryPolicy
 * allows, then handed to its dead-letter queue.
 *
 * gureum only sends to loopback: an endpoint whose host does not resolve to
 * 127.0.0.0/8 or ::1 fails (never retried), and so does https://, for want
 * of a TLS client. Jobs live in memory only (a restart drops pending ones).
 * Invariant: no request thread ever waits on an endpoint. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "core/wire.h"
#include "events_int.h"
#include "services/app.h"

/* ==== The job queue ==== */

typedef struct job {
    struct job *next;
    int64_t due_us;      /* monotonic */
    int64_t deadline_us; /* monotonic: MaximumEventAgeInSeconds after the event */
    int64_t retry_max;   /* MaximumRetryAttempts */
    int attempt;
    bool authorize; /* only fetch conn's OAuth token (CreateConnection, UpdateConnection) */
    char *dest, *rule, *dlq, *body, *params, *conn;
} job_t;

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static job_t *queue; /* sorted by due_us */
static size_t q_len;
static bool stopping;
/* Bounds what unreachable endpoints can pile up (each job holds its event). */
#define MAX_QUEUED 10000
/* Invokers: a slow endpoint (up to TIMEOUT_S a request) does not stall the others. */
#define INVOKERS 2
#define TIMEOUT_S 5 /* AWS: an API destination must answer within 5 seconds */
#define MAX_RESPONSE (1 << 20)

/* Per destination, when its next request may start (InvocationRateLimitPerSecond). */
typedef struct slot {
    struct slot *next;
    char *arn;
    int64_t next_us;
} slot_t;
static slot_t *slots;

static char *dup_str(str_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        if (s.len) memcpy(p, s.p, s.len);
        p[s.len] = 0;
    }
    return p;
}

static void job_free(job_t *j)
{
    free(j->dest), free(j->rule), free(j->dlq), free(j->body), free(j->params), free(j->conn);
    free(j);
}

static void enqueue(job_t *j)
{
    pthread_mutex_lock(&q_mu);
    job_t **p = &queue;
    while (*p && (*p)->due_us <= j->due_us) p = &(*p)->next;
    j->next = *p;
    *p = j;
    q_len++;
    pthread_cond_signal(&q_cv);
    pthread_mutex_unlock(&q_mu);
}

static bool queue_full(void)
{
    pthread_mutex_lock(&q_mu);
    bool full = q_len >= MAX_QUEUED;
    pthread_mutex_unlock(&q_mu);
    return full;
}

void events__api_invoke(struct app *app, str_t dest_arn, str_t body, str_t http_params, str_t rule_arn, str_t dlq_arn,
                        int64_t retry_max, int64_t age_s)
{
    (void)app;
    if (queue_full()) {
        log_warn("events: %d API destination invocations pending; an event for %.*s dropped", MAX_QUEUED,
                 STR_FMT(dest_arn));
        return;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j) return;
    /* AWS: by default 185 retries over 24 hours. */
    j->retry_max = retry_max >= 0 ? retry_max : 185;
    j->due_us = time_mono_us();
    j->deadline_us = j->due_us + (age_s > 0 ? age_s : 86400) * 1000000;
    j->dest = dup_str(dest_arn), j->rule = dup_str(rule_arn);
    j->dlq = dlq_arn.p ? dup_str(dlq_arn) : NULL;
    j->body = dup_str(body);
    j->params = http_params.p ? dup_str(http_params) : NULL;
    if (!j->dest || !j->rule || !j->body || (dlq_arn.p && !j->dlq) || (http_params.p && !j->params)) {
        job_free(j);
        return;
    }
    enqueue(j);
}

void events__conn_authorize(struct app *app, str_t conn_arn)
{
    (void)app;
    job_t *j = calloc(1, sizeof *j);
    if (!j) return;
    j->authorize = true;
    j->due_us = time_mono_us();
    j->conn = dup_str(conn_arn);
    if (!j->conn) {
        job_free(j);
        return;
    }
    enqueue(j);
}

/* 0 when dest may send now (its slot is taken), else when it may (monotonic).
 * Under q_mu. */
static int64_t take_slot(const char *arn, int64_t rate, int64_t now)
{
    slot_t *s = slots;
    while (s && strcmp(s->arn, arn) != 0) s = s->next;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || !(s->arn = strdup(arn))) {
            free(s);
            return 0; /* no memory: no limit rather than no delivery */
        }
        s->next = slots;
        slots = s;
    }
    if (s->next_us > now) return s->next_us;
    s->next_us = now + 1000000 / (rate > 0 ? rate : 1);
    return 0;
}

/* ==== The HTTP client ==== */

bool events__loopback_host(str_t host)
{
    if (str_eq_c(host, "localhost") || str_eq_c(host, "[::1]") || str_eq_c(host, "::1")) return true;
    char buf[64];
    if (host.len >= sizeof buf) return false;
    memcpy(buf, host.p, host.len);
    buf[host.len] = 0;
    struct in_addr in4;
    return inet_pton(AF_INET, buf, &in4) == 1 && (ntohl(in4.s_addr) >> 24) == 127;
}

static bool loopback_addr(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

typedef struct {
    int status;       /* HTTP status, or 0 when there was no answer */
    bool retryable;   /* no answer for a reason that may pass (refused, timed out) */
    const char *code; /* why, as a dead-letter ERROR_CODE */
    char why[300];
    str_t body; /* the answer's body (arena) */
} answer_t;

/* Splits "http://host[:port]/path?query" into its parts (arena a). */
static bool split_url(arena_t *a, str_t url, str_t *host, str_t *port, str_t *path, answer_t *ans)
{
    if (str_starts_with(url, STR("https://")) || !memmem(url.p, url.len, "://", 3)) {
        ans->code = "SDK_CLIENT_ERROR";
        snprintf(ans->why, sizeof ans->why,
                 "gureum sends only to http:// endpoints on loopback (it has no TLS client): %.*s",
                 (int)(url.len > 200 ? 200 : url.len), url.p);
        return false;
    }
    if (!str_starts_with(url, STR("http://"))) {
        ans->code = "SDK_CLIENT_ERROR";
        snprintf(ans->why, sizeof ans->why, "not an http URL");
        return false;
    }
    str_t rest = str_sub(url, 7, url.len - 7);
    size_t h = 0;
    while (h < rest.len && rest.p[h] != '/' && rest.p[h] != '?') h++;
    str_t hp = str_sub(rest, 0, h);
    *path = h < rest.len ? str_sub(rest, h, rest.len - h) : STR("/");
    if (path->p[0] == '?') *path = str_c(arena_printf(a, "/%.*s", STR_FMT(*path)));
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

/* Connects to host:port on a loopback address only; -1 with ans set otherwise. */
static int connect_loopback(arena_t *a, str_t host, str_t port, answer_t *ans)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    const char *h = arena_printf(a, "%.*s", STR_FMT(host)), *p = arena_printf(a, "%.*s", STR_FMT(port));
    if (!h || !p || getaddrinfo(h, p, &hints, &res) != 0 || !res) {
        ans->code = "CONNECTION_FAILURE";
        ans->retryable = true;
        snprintf(ans->why, sizeof ans->why, "cannot resolve %.200s", h ? h : "");
        return -1;
    }
    int fd = -1;
    bool any_loopback = false;
    struct timeval tv = {.tv_sec = TIMEOUT_S};
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        if (!loopback_addr(ai->ai_addr)) continue;
        any_loopback = true;
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
    if (fd < 0) {
        ans->code = "CONNECTION_FAILURE";
        ans->retryable = any_loopback;
        if (any_loopback)
            snprintf(ans->why, sizeof ans->why, "cannot connect to %s:%s: %.60s", h, p, strerror(errno));
        else
            snprintf(ans->why, sizeof ans->why, "gureum sends only to loopback hosts; %.200s is not one", h);
    }
    return fd;
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

/* Whether r holds a whole answer by its Content-Length (or, to a HEAD, its
 * head); other answers end when the server closes the connection. */
static bool answer_complete(str_t r, bool head_only)
{
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

/* One request (head holds the header lines after Host, each ending CRLF);
 * fills ans. Reads the whole answer (at most MAX_RESPONSE bytes). */
static void http_send(arena_t *a, str_t method, str_t url, str_t head, str_t body, answer_t *ans)
{
    str_t host, port, path;
    if (!split_url(a, url, &host, &port, &path, ans)) {
        if (!ans->code) ans->code = "SDK_CLIENT_ERROR", snprintf(ans->why, sizeof ans->why, "bad endpoint URL");
        return;
    }
    int fd = connect_loopback(a, host, port, ans);
    if (fd < 0) return;
    buf_t req;
    buf_init(&req, a);
    buf_printf(&req, "%.*s %.*s HTTP/1.1\r\nHost: %.*s%s%.*s\r\n", STR_FMT(method), STR_FMT(path), STR_FMT(host),
               str_eq_c(port, "80") ? "" : ":", STR_FMT(str_eq_c(port, "80") ? STR("") : port));
    buf_put_str(&req, head);
    buf_printf(&req, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body.len);
    buf_put_str(&req, body);
    str_t out = buf_str(&req);
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = send(fd, out.p + off, out.len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    buf_t resp;
    buf_init(&resp, a);
    char chunk[8192];
    bool timed_out = false;
    bool head_only = str_eq_c(method, "HEAD");
    while (off == out.len && resp.len < MAX_RESPONSE) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) timed_out = true;
        if (n <= 0) break;
        buf_append(&resp, chunk, (size_t)n);
        if (answer_complete(buf_str(&resp), head_only)) break; /* a server that keeps the connection open */
    }
    close(fd);
    str_t r = buf_str(&resp);
    int code;
    const char *eoh = r.len ? memmem(r.p, r.len, "\r\n\r\n", 4) : NULL;
    if (!eoh || sscanf(r.p, "HTTP/1.%*d %d", &code) != 1) {
        ans->code = timed_out ? "TIMEOUT" : "CONNECTION_FAILURE";
        ans->retryable = true;
        snprintf(ans->why, sizeof ans->why, "%s from %.*s:%.*s",
                 timed_out ? "no answer within 5 seconds" : "no HTTP answer", STR_FMT(host), STR_FMT(port));
        return;
    }
    ans->status = code;
    str_t hdrs = str_n(r.p, (size_t)(eoh - r.p));
    ans->body = str_n(eoh + 4, r.len - (size_t)(eoh + 4 - r.p));
    if (strcasestr(arena_printf(a, "%.*s", STR_FMT(hdrs)), "transfer-encoding: chunked") && !dechunk(&ans->body))
        ans->body = STR("");
}

/* ==== Building a request ==== */

typedef struct {
    str_t k, v;
} pair_t;

typedef struct {
    pair_t *p;
    size_t n, cap;
    bool fold_case; /* header names */
} pairs_t;

/* Sets k to v, replacing an earlier k (later sources take precedence). */
static void pairs_set(arena_t *a, pairs_t *ps, str_t k, str_t v)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->fold_case ? str_eq_nocase(ps->p[i].k, k) : str_eq(ps->p[i].k, k)) {
            ps->p[i].v = v;
            return;
        }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        pair_t *np = ARENA_NEWN(a, pair_t, cap);
        if (!np) return;
        if (ps->n) memcpy(np, ps->p, ps->n * sizeof *np);
        ps->p = np, ps->cap = cap;
    }
    ps->p[ps->n++] = (pair_t){k, v};
}

/* A JSON object of strings (target HeaderParameters, QueryStringParameters). */
static void pairs_from_map(arena_t *a, pairs_t *ps, const json_t *m)
{
    for (size_t i = 0; m && m->type == JSON_OBJECT && i < m->u.obj.n; i++)
        if (m->u.obj.v[i]->type == JSON_STRING) pairs_set(a, ps, m->u.obj.k[i], m->u.obj.v[i]->u.s);
}

/* A connection's [{Key, Value, IsValueSecret}] list. */
static void pairs_from_list(arena_t *a, pairs_t *ps, const json_t *l)
{
    for (size_t i = 0; l && l->type == JSON_ARRAY && i < l->u.arr.n; i++) {
        const json_t *k = json_get(l->u.arr.v[i], "Key"), *v = json_get(l->u.arr.v[i], "Value");
        if (k && k->type == JSON_STRING) pairs_set(a, ps, k->u.s, v && v->type == JSON_STRING ? v->u.s : STR(""));
    }
}

static str_t query_string(arena_t *a, const pairs_t *q)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < q->n; i++) {
        if (i) buf_putc(&b, '&');
        buf_put_str(&b, wire_url_encode(a, q->p[i].k, false));
        buf_putc(&b, '=');
        buf_put_str(&b, wire_url_encode(a, q->p[i].v, false));
    }
    return buf_str(&b);
}

/* A header value must not carry line breaks (it would split the request). */
static bool header_safe(str_t s)
{
    return !memchr(s.p, '\r', s.len) && !memchr(s.p, '\n', s.len);
}

static void put_headers(buf_t *b, const pairs_t *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (header_safe(h->p[i].k) && header_safe(h->p[i].v))
            buf_printf(b, "%.*s: %.*s\r\n", STR_FMT(h->p[i].k), STR_FMT(h->p[i].v));
}

static str_t basic_auth(arena_t *a, str_t user, str_t pass)
{
    str_t up = str_c(arena_printf(a, "%.*s:%.*s", STR_FMT(user), STR_FMT(pass)));
    char *b64 = arena_alloc(a, 4 * ((up.len + 2) / 3) + 1);
    if (!b64) return STR("");
    int n = EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)up.p, (int)up.len);
    return str_c(arena_printf(a, "Basic %.*s", n, b64));
}

/* Endpoint with each `*` replaced by the next path value, and query pairs appended. */
static str_t fill_url(arena_t *a, str_t endpoint, const json_t *path_values, const pairs_t *q)
{
    if (!str_starts_with(endpoint, STR("http://")) && !str_starts_with(endpoint, STR("https://")))
        endpoint = str_c(arena_printf(a, "https://%.*s", STR_FMT(endpoint)));
    buf_t b;
    buf_init(&b, a);
    size_t next = 0;
    for (size_t i = 0; i < endpoint.len; i++) {
        const json_t *v = path_values && path_values->type == JSON_ARRAY && next < path_values->u.arr.n
                              ? path_values->u.arr.v[next]
                              : NULL;
        if (endpoint.p[i] == '*' && v && v->type == JSON_STRING) {
            buf_put_str(&b, wire_url_encode(a, v->u.s, false));
            next++;
        } else
            buf_putc(&b, endpoint.p[i]);
    }
    str_t qs = query_string(a, q);
    if (qs.len) {
        str_t u = buf_str(&b);
        buf_putc(&b, memchr(u.p, '?', u.len) ? '&' : '?');
        buf_put_str(&b, qs);
    }
    return buf_str(&b);
}

/* ==== OAuth ==== */

/* AWS (EventBridge user guide, "Authorization methods for connections"):
 * EventBridge exchanges the client ID and secret for an access token at the
 * AuthorizationEndpoint, with the connection's OAuthHttpParameters. As OAuth
 * client credentials (RFC 6749 §4.4) go: the ID and secret as Basic
 * authorization, the body parameters form-encoded. The token is kept until
 * its expires_in passes. false with why on failure. */
static bool fetch_token(app_t *app, arena_t *a, const events_conn_t *c, str_t *token, char *why, size_t why_len)
{
    const json_t *auth = json_parse(a, c->auth, NULL);
    const json_t *o = auth ? json_get(auth, "OAuthParameters") : NULL;
    const json_t *cp = o ? json_get(o, "ClientParameters") : NULL;
    const json_t *ep = o ? json_get(o, "AuthorizationEndpoint") : NULL, *m = o ? json_get(o, "HttpMethod") : NULL;
    const json_t *id = cp ? json_get(cp, "ClientID") : NULL, *secret = cp ? json_get(cp, "ClientSecret") : NULL;
    if (!ep || ep->type != JSON_STRING || !id || id->type != JSON_STRING || !secret || secret->type != JSON_STRING) {
        snprintf(why, why_len, "The connection has no client credentials.");
        return false;
    }
    const json_t *hp = json_get(o, "OAuthHttpParameters");
    pairs_t q = {0}, h = {.fold_case = true}, body = {0};
    if (hp) {
        pairs_from_list(a, &q, json_get(hp, "QueryStringParameters"));
        pairs_from_list(a, &h, json_get(hp, "HeaderParameters"));
        pairs_from_list(a, &body, json_get(hp, "BodyParameters"));
    }
    pairs_set(a, &h, STR("Authorization"), basic_auth(a, id->u.s, secret->u.s));
    pairs_set(a, &h, STR("Content-Type"), STR("application/x-www-form-urlencoded"));
    pairs_set(a, &h, STR("Accept"), STR("application/json"));
    buf_t head;
    buf_init(&head, a);
    put_headers(&head, &h);
    answer_t ans = {0};
    str_t method = m && m->type == JSON_STRING ? m->u.s : STR("POST");
    http_send(a, method, fill_url(a, ep->u.s, NULL, &q), buf_str(&head),
              str_eq_c(method, "GET") ? STR("") : query_string(a, &body), &ans);
    if (ans.status < 200 || ans.status > 299) {
        if (ans.status)
            snprintf(why, why_len, "The authorization endpoint answered HTTP %d.", ans.status);
        else
            snprintf(why, why_len, "%s", ans.why);
        return false;
    }
    const json_t *r = json_parse(a, ans.body, NULL);
    const json_t *tok = r ? json_get(r, "access_token") : NULL, *exp = r ? json_get(r, "expires_in") : NULL;
    if (!tok || tok->type != JSON_STRING || !tok->u.s.len) {
        snprintf(why, why_len, "The authorization endpoint's answer has no access_token.");
        return false;
    }
    /* No expires_in: kept for an hour, and refreshed sooner on a 401/407. */
    int64_t secs = exp && exp->type == JSON_INT && exp->u.i > 0 ? exp->u.i : 3600;
    *token = tok->u.s;
    sqlite3 *db = events__db(app);
    if (db) events__conn_authorized(db, c->arn, true, STR_NULL, tok->u.s, events__now_ms() + secs * 1000);
    return true;
}

static void authorize_job(app_t *app, arena_t *a, const job_t *j)
{
    sqlite3 *db = events__db(app);
    events_conn_t c;
    if (!db || events__conn_load(db, a, str_c(j->conn), &c) != GR_OK) return;
    str_t token;
    char why[300];
    if (!fetch_token(app, a, &c, &token, why, sizeof why)) {
        events__conn_authorized(db, c.arn, false, str_c(why), STR_NULL, 0);
        log_warn("events: connection %s not authorized: %s", j->conn, why);
    }
}

/* ==== Invoking ==== */

typedef struct {
    bool done;       /* delivered, or failed for good */
    bool retry;      /* worth another attempt */
    int64_t wait_us; /* > 0: over the rate limit, try again then (not an attempt) */
    const char *code;
    char why[300];
} outcome_t;

static void fail(outcome_t *o, bool retry, const char *code, const char *why)
{
    o->retry = retry;
    o->code = code;
    snprintf(o->why, sizeof o->why, "%s", why);
}

static void invoke_job(app_t *app, arena_t *a, const job_t *j, outcome_t *o)
{
    sqlite3 *db = events__db(app);
    if (!db) {
        fail(o, true, "SDK_CLIENT_ERROR", "the store is not available");
        return;
    }
    events_dest_t d;
    events_conn_t c;
    /* AWS: a target that no longer exists is not retried. */
    if (events__dest_load(db, a, str_c(j->dest), &d) != GR_OK) {
        fail(o, false, "RESOURCE_NOT_FOUND", arena_printf(a, "ApiDestination %s does not exist.", j->dest));
        return;
    }
    if (events__conn_load(db, a, d.conn_arn, &c) != GR_OK) {
        fail(o, false, "RESOURCE_NOT_FOUND", arena_printf(a, "Connection %.*s does not exist.", STR_FMT(d.conn_arn)));
        return;
    }
    if (str_eq_c(c.state, "DEAUTHORIZED")) {
        fail(o, false, "NO_PERMISSIONS", arena_printf(a, "Connection %.*s is deauthorized.", STR_FMT(c.arn)));
        return;
    }
    pthread_mutex_lock(&q_mu);
    int64_t later = take_slot(j->dest, d.rate, time_mono_us());
    pthread_mutex_unlock(&q_mu);
    if (later) {
        o->wait_us = later;
        return;
    }
    const json_t *tp = j->params ? json_parse(a, str_c(j->params), NULL) : NULL;
    const json_t *auth = json_parse(a, c.auth, NULL);
    const json_t *ihp = auth ? json_get(auth, "InvocationHttpParameters") : NULL;
    pairs_t q = {0}, h = {.fold_case = true}, bp = {0};
    /* AWS: EventBridge's own headers; then the target's, then the
     * connection's ("In case of any conflicting keys, values from the
     * Connection take precedence"), then the authorization. */
    pairs_set(a, &h, STR("User-Agent"), STR("Amazon/EventBridge/ApiDestinations"));
    pairs_set(a, &h, STR("Content-Type"), STR("application/json; charset=utf-8"));
    pairs_set(a, &h, STR("Range"), STR("bytes=0-1048575"));
    pairs_set(a, &h, STR("Accept-Encoding"), STR("gzip,deflate"));
    if (tp) {
        pairs_from_map(a, &q, json_get(tp, "QueryStringParameters"));
        pairs_from_map(a, &h, json_get(tp, "HeaderParameters"));
    }
    if (ihp) {
        pairs_from_list(a, &q, json_get(ihp, "QueryStringParameters"));
        pairs_from_list(a, &h, json_get(ihp, "HeaderParameters"));
        pairs_from_list(a, &bp, json_get(ihp, "BodyParameters"));
    }
    const json_t *at = auth ? json_get(auth, c.auth_type.p && str_eq_c(c.auth_type, "BASIC") ? "BasicAuthParameters"
                                             : str_eq_c(c.auth_type, "API_KEY")              ? "ApiKeyAuthParameters"
                                                                                             : "OAuthParameters")
                            : NULL;
    if (str_eq_c(c.auth_type, "BASIC")) {
        const json_t *u = at ? json_get(at, "Username") : NULL, *p = at ? json_get(at, "Password") : NULL;
        if (u && p && u->type == JSON_STRING && p->type == JSON_STRING)
            pairs_set(a, &h, STR("Authorization"), basic_auth(a, u->u.s, p->u.s));
    } else if (str_eq_c(c.auth_type, "API_KEY")) {
        const json_t *k = at ? json_get(at, "ApiKeyName") : NULL, *v = at ? json_get(at, "ApiKeyValue") : NULL;
        if (k && v && k->type == JSON_STRING && v->type == JSON_STRING) pairs_set(a, &h, k->u.s, v->u.s);
    } else {
        /* AWS: the token is refreshed when it has expired (and after a 401/407). */
        str_t token = c.token;
        if (!token.p || c.token_exp_ms <= events__now_ms()) {
            char why[300];
            if (!fetch_token(app, a, &c, &token, why, sizeof why)) {
                events__conn_authorized(db, c.arn, false, str_c(why), STR_NULL, 0);
                fail(o, true, "NO_PERMISSIONS", why);
                return;
            }
        }
        pairs_set(a, &h, STR("Authorization"), str_c(arena_printf(a, "Bearer %.*s", STR_FMT(token))));
    }
    /* The connection's body parameters join a JSON object body. */
    str_t body = str_c(j->body);
    const json_t *bj = bp.n ? json_parse(a, body, NULL) : NULL;
    if (bj && bj->type == JSON_OBJECT) {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_obj_begin(&w);
        for (size_t i = 0; i < bj->u.obj.n; i++) {
            bool replaced = false;
            for (size_t k = 0; k < bp.n; k++) replaced |= str_eq(bp.p[k].k, bj->u.obj.k[i]);
            if (replaced) continue;
            json_w_key(&w, bj->u.obj.k[i]);
            json_w_value(&w, bj->u.obj.v[i]);
        }
        for (size_t k = 0; k < bp.n; k++) {
            json_w_key(&w, bp.p[k].k);
            json_w_str(&w, bp.p[k].v);
        }
        json_w_obj_end(&w);
        body = buf_str(&b);
    }
    if (str_eq_c(d.method, "GET") || str_eq_c(d.method, "HEAD")) body = STR("");
    buf_t head;
    buf_init(&head, a);
    put_headers(&head, &h);
    answer_t ans = {0};
    http_send(a, d.method, fill_url(a, d.endpoint, tp ? json_get(tp, "PathParameterValues") : NULL, &q), buf_str(&head),
              body, &ans);
    if (ans.status >= 200 && ans.status <= 299) {
        o->done = true;
        return;
    }
    if (!ans.status) {
        fail(o, ans.retryable, ans.code, ans.why);
        return;
    }
    /* AWS (EventBridge user guide, "API destinations"): 401, 407, 409, 429
     * and 5xx are retried, other answers are not; an OAuth token is
     * refreshed after a 401 or 407. */
    int s = ans.status;
    if ((s == 401 || s == 407) && str_eq_c(c.auth_type, "OAUTH_CLIENT_CREDENTIALS"))
        events__conn_authorized(db, c.arn, true, STR_NULL, STR_NULL, 0);
    fail(o, s == 401 || s == 407 || s == 409 || s == 429 || s >= 500, s == 429 ? "THROTTLING" : "SDK_CLIENT_ERROR",
         arena_printf(a, "Unable to invoke ApiDestination endpoint: The endpoint responded with HTTP status code %d.",
                      s));
}

static void give_up(app_t *app, arena_t *a, const job_t *j, const outcome_t *o)
{
    events__dead_letter(app, a, j->dlq ? str_c(j->dlq) : STR_NULL, str_c(j->body), str_c(j->rule), str_c(j->dest),
                        o->code ? o->code : "SDK_CLIENT_ERROR", o->why);
}

/* AWS: "exponential back off and jitter": 1 s, 2 s, 4 s … (at most 3
 * minutes), each between half and all of that. */
static int64_t backoff_us(int attempt)
{
    int64_t base = 1000000LL << (attempt < 8 ? attempt : 8);
    if (base > 180000000LL) base = 180000000LL;
    uint32_t r;
    id_random_bytes(&r, sizeof r);
    return base / 2 + (int64_t)(r % (uint32_t)(base / 2 + 1));
}

static void *invoke_loop(void *arg)
{
    app_t *app = arg;
    for (;;) {
        pthread_mutex_lock(&q_mu);
        for (;;) {
            if (stopping) {
                pthread_mutex_unlock(&q_mu);
                return NULL;
            }
            int64_t now = time_mono_us();
            if (queue && queue->due_us <= now) break;
            if (!queue) {
                pthread_cond_wait(&q_cv, &q_mu);
                continue;
            }
            struct timespec ts = time_deadline(CLOCK_REALTIME, queue->due_us - now);
            pthread_cond_timedwait(&q_cv, &q_mu, &ts);
        }
        job_t *j = queue;
        queue = j->next;
        q_len--;
        pthread_mutex_unlock(&q_mu);
        arena_t *a = arena_new(0);
        if (!a) {
            job_free(j);
            continue;
        }
        if (j->authorize) {
            authorize_job(app, a, j);
            arena_free(a);
            job_free(j);
            continue;
        }
        outcome_t o = {0};
        invoke_job(app, a, j, &o);
        if (o.wait_us) {
            j->due_us = o.wait_us;
            enqueue(j);
            arena_free(a);
            continue;
        }
        int64_t delay = backoff_us(j->attempt), when = time_mono_us() + delay;
        if (!o.done && o.retry && j->attempt < j->retry_max && when < j->deadline_us) {
            j->due_us = when;
            j->attempt++;
            enqueue(j);
        } else {
            if (!o.done) give_up(app, a, j, &o);
            job_free(j);
        }
        arena_free(a);
    }
}

static pthread_t threads[INVOKERS];
static int nthreads;

int events__invoke_start(struct app *app)
{
    pthread_mutex_lock(&q_mu);
    stopping = false;
    pthread_mutex_unlock(&q_mu);
    for (int i = 0; i < INVOKERS; i++) {
        if (pthread_create(&threads[nthreads], NULL, invoke_loop, app) != 0) return GR_ERR;
        nthreads++;
    }
    return GR_OK;
}

/* Pending invocations are dropped (they live in memory only). An invoker in
 * the middle of a request finishes it first (bounded by its timeout). */
void events__invoke_stop(void)
{
    pthread_mutex_lock(&q_mu);
    stopping = true;
    pthread_cond_broadcast(&q_cv);
    pthread_mutex_unlock(&q_mu);
    for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
    nthreads = 0;
    pthread_mutex_lock(&q_mu);
    while (queue) {
        job_t *j = queue;
        queue = j->next;
        job_free(j);
    }
    q_len = 0;
    while (slots) {
        slot_t *s = slots;
        slots = s->next;
        free(s->arn);
        free(s);
    }
    pthread_mutex_unlock(&q_mu);
}
