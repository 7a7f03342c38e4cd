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
 * 127.0.0.0/8 or ::1 fails (never retried); https:// ones are sent over TLS
 * with the server's certificate verified (httpsend). The queue and its threads are services/jobq.h, the HTTP
 * client services/httpsend.h; retries, rate limits and tokens are decided
 * here. Jobs live in memory only (a restart drops pending ones).
 * Invariant: no request thread ever waits on an endpoint. */
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "core/wire.h"
#include "events_int.h"
#include "services/app.h"
#include "services/httpsend.h"
#include "services/jobq.h"

/* ==== The job queue ==== */

typedef struct job {
    jobq_job_t q;        /* first: the queue's link and due time */
    int64_t deadline_us; /* monotonic: MaximumEventAgeInSeconds after the event */
    int64_t retry_max;   /* MaximumRetryAttempts */
    int attempt;
    bool authorize; /* only fetch conn's OAuth token (CreateConnection, UpdateConnection) */
    char *dest, *rule, *dlq, *body, *params, *conn;
} job_t;

/* Bounds what unreachable endpoints can pile up (each job holds its event). */
#define MAX_QUEUED 10000
/* Invokers: a slow endpoint (up to TIMEOUT_S a request) does not stall the others. */
#define INVOKERS 2
#define TIMEOUT_S 5 /* AWS: an API destination must answer within 5 seconds */

static void run_job(void *arg, jobq_job_t *qj);
static void drop_job(jobq_job_t *qj);
static jobq_t queue = JOBQ_INIT(run_job, drop_job, MAX_QUEUED);

/* Per destination, when its next request may start (InvocationRateLimitPerSecond). */
typedef struct slot {
    struct slot *next;
    char *arn;
    int64_t next_us;
} slot_t;
static pthread_mutex_t slot_mu = PTHREAD_MUTEX_INITIALIZER;
static slot_t *slots;

static void job_free(job_t *j)
{
    free(j->dest), free(j->rule), free(j->dlq), free(j->body), free(j->params), free(j->conn);
    free(j);
}

static void drop_job(jobq_job_t *qj)
{
    job_free((job_t *)qj);
}

void events__api_invoke(struct app *app, str_t dest_arn, str_t body, str_t http_params, str_t rule_arn, str_t dlq_arn,
                        int64_t retry_max, int64_t age_s)
{
    (void)app;
    if (jobq_full(&queue)) {
        log_warn("events: %d API destination invocations pending; an event for %.*s dropped", MAX_QUEUED,
                 STR_FMT(dest_arn));
        return;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j) return;
    /* AWS: by default 185 retries over 24 hours. */
    j->retry_max = retry_max >= 0 ? retry_max : 185;
    j->q.due_us = time_mono_us();
    j->deadline_us = j->q.due_us + (age_s > 0 ? age_s : 86400) * 1000000;
    j->dest = str_dup(dest_arn), j->rule = str_dup(rule_arn);
    j->dlq = dlq_arn.p ? str_dup(dlq_arn) : NULL;
    j->body = str_dup(body);
    j->params = http_params.p ? str_dup(http_params) : NULL;
    if (!j->dest || !j->rule || !j->body || (dlq_arn.p && !j->dlq) || (http_params.p && !j->params)) {
        job_free(j);
        return;
    }
    jobq_push(&queue, &j->q);
}

void events__conn_authorize(struct app *app, str_t conn_arn)
{
    (void)app;
    job_t *j = calloc(1, sizeof *j);
    if (!j) return;
    j->authorize = true;
    j->q.due_us = time_mono_us();
    j->conn = str_dup(conn_arn);
    if (!j->conn) {
        job_free(j);
        return;
    }
    jobq_push(&queue, &j->q);
}

/* 0 when dest may send now (its slot is taken), else when it may (monotonic).
 * Under slot_mu. */
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

/* ==== Sending ==== */

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

/* One request to an API destination or authorization endpoint (head holds
 * the header lines after Host, each ending CRLF); reads the whole answer. */
static void http_send(arena_t *a, str_t method, str_t url, str_t head, str_t body, httpsend_answer_t *ans)
{
    httpsend_req_t req = {.method = method,
                          .url = url,
                          .head = head,
                          .body = body,
                          .timeout_s = TIMEOUT_S,
                          .loopback_only = true,
                          .want_body = true};
    httpsend(a, &req, ans);
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
    httpsend_answer_t ans;
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

/* No answer: the dead-letter ERROR_CODE, and a retry unless the endpoint
 * can never be sent to (not http(s)://, not loopback). */
static void fail_unanswered(outcome_t *o, const httpsend_answer_t *ans)
{
    switch (ans->fail) {
    case HTTPSEND_BAD_URL: fail(o, false, "SDK_CLIENT_ERROR", ans->why); break;
    case HTTPSEND_NOT_LOOPBACK: fail(o, false, "CONNECTION_FAILURE", ans->why); break;
    case HTTPSEND_TIMEOUT: fail(o, true, "TIMEOUT", ans->why); break;
    default: fail(o, true, "CONNECTION_FAILURE", ans->why); break;
    }
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
    pthread_mutex_lock(&slot_mu);
    int64_t later = take_slot(j->dest, d.rate, time_mono_us());
    pthread_mutex_unlock(&slot_mu);
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
    httpsend_answer_t ans;
    http_send(a, d.method, fill_url(a, d.endpoint, tp ? json_get(tp, "PathParameterValues") : NULL, &q), buf_str(&head),
              body, &ans);
    if (ans.status >= 200 && ans.status <= 299) {
        o->done = true;
        return;
    }
    if (ans.fail != HTTPSEND_OK) {
        fail_unanswered(o, &ans);
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

/* An invoker's turn with a due job: it is sent, retried later or given up. */
static void run_job(void *arg, jobq_job_t *qj)
{
    app_t *app = arg;
    job_t *j = (job_t *)qj;
    arena_t *a = arena_new(0);
    if (!a) {
        job_free(j);
        return;
    }
    if (j->authorize) {
        authorize_job(app, a, j);
        arena_free(a);
        job_free(j);
        return;
    }
    outcome_t o = {0};
    invoke_job(app, a, j, &o);
    if (o.wait_us) {
        j->q.due_us = o.wait_us;
        jobq_push(&queue, &j->q);
        arena_free(a);
        return;
    }
    int64_t delay = backoff_us(j->attempt), when = time_mono_us() + delay;
    if (!o.done && o.retry && j->attempt < j->retry_max && when < j->deadline_us) {
        j->q.due_us = when;
        j->attempt++;
        jobq_push(&queue, &j->q);
    } else {
        if (!o.done) give_up(app, a, j, &o);
        job_free(j);
    }
    arena_free(a);
}

int events__invoke_start(struct app *app)
{
    return jobq_start(&queue, INVOKERS, app);
}

/* Pending invocations are dropped (they live in memory only). An invoker in
 * the middle of a request finishes it first (bounded by its timeout). */
void events__invoke_stop(void)
{
    jobq_stop(&queue);
    pthread_mutex_lock(&slot_mu);
    while (slots) {
        slot_t *s = slots;
        slots = s->next;
        free(s->arn);
        free(s);
    }
    pthread_mutex_unlock(&slot_mu);
}
