/* origin.c — custom origins of the CloudFront edge: a cache miss for an
 * origin that is not S3 is fetched over HTTP (httpsend.h) on one of a few
 * worker threads while the request waits (GR_AGAIN), then answered from its
 * loop and cached as edge.c caches S3's answers.
 *
 * Only hosts on loopback are fetched — "localhost", names under
 * ".localhost", 127.0.0.0/8 and ::1, decided from the name before anything
 * is resolved, and httpsend connects to loopback addresses only — so no
 * packet for any other address ever leaves gureum: such an origin is
 * answered 502 as CloudFront answers an origin it cannot reach.
 *
 * A fetch outlives its request when the client leaves first: whichever of
 * the worker and the client's abort comes last frees it (state, under mu),
 * and an answer is only posted to a request that is still there. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "http/http.h"
#include "services/cloudfront/cloudfront.h"
#include "services/dispatch.h"
#include "services/httpsend.h"
#include "services/jobq.h"

#define FETCHERS 2
#define FETCH_MAX (20u << 20) /* an origin's answer past this is answered 502 */

typedef enum { F_RUNNING, F_POSTED, F_CANCELLED } fstate_t;

typedef struct {
    jobq_job_t q; /* first: the queue's link */
    arena_t *a;   /* the fetch's own: request and answer bytes */
    httpsend_req_t hreq;
    httpsend_answer_t ans;
    /* the request's, read only on its loop while it is there */
    req_t *r;
    http_req_t *h;
    const val_t *behavior;
    cf_dist_t dist; /* its strings and config in the request's arena */
    str_t key;      /* the cache key, STR_NULL: not cached (a method other than GET/HEAD) */
    bool head;
    fstate_t state; /* under mu */
} fetch_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void fetch_free(fetch_t *f)
{
    arena_free(f->a);
    free(f);
}

static void run(void *arg, jobq_job_t *j);
static void drop(jobq_job_t *j)
{
    fetch_free((fetch_t *)j);
}
static jobq_t queue = JOBQ_INIT(run, drop, 256);

int cloudfront_start(struct app *app)
{
    return jobq_start(&queue, FETCHERS, app);
}

void cf__origin_stop(struct app *app)
{
    (void)app;
    jobq_stop(&queue);
}

/* Whether host (no port) is loopback by its name alone. */
static bool loopback_name(str_t host)
{
    if (str_eq_c(host, "localhost") || str_ends_with(host, STR(".localhost"))) return true;
    if (str_eq_c(host, "::1") || str_eq_c(host, "[::1]")) return true;
    if (!str_starts_with(host, STR("127."))) return false;
    int dots = 0;
    for (size_t i = 0; i < host.len; i++) {
        if (host.p[i] == '.')
            dots++;
        else if (host.p[i] < '0' || host.p[i] > '9')
            return false;
    }
    return dots == 3;
}

/* The value of header name in an answer's head ("" when absent), in a. */
static str_t header_of(arena_t *a, str_t head, const char *name)
{
    size_t n = strlen(name);
    str_t rest = head, line;
    while (rest.len) {
        rest = str_cut(rest, '\n', &line);
        if (line.len && line.p[line.len - 1] == '\r') line.len--;
        if (line.len > n && line.p[n] == ':' && !strncasecmp(line.p, name, n))
            return arena_str(a, str_trim(str_sub(line, n + 1, line.len - n - 1)));
    }
    return STR("");
}

/* On the request's loop: the fetch is over. */
static void posted(http_req_t *h, void *arg)
{
    (void)h;
    fetch_t *f = arg;
    pthread_mutex_lock(&mu);
    bool cancelled = f->state == F_CANCELLED;
    pthread_mutex_unlock(&mu);
    if (cancelled) { /* the client left; its request is gone */
        fetch_free(f);
        return;
    }
    req_t *r = f->r;
    arena_t *a = r->arena;
    r->on_abort = NULL;
    r->on_abort_arg = NULL;
    if (f->ans.fail != HTTPSEND_OK) {
        /* AWS: 504 when the origin does not answer in time, else 502 */
        bool late = f->ans.fail == HTTPSEND_TIMEOUT;
        cf__error_page(r, late ? 504 : 502, late ? "Gateway Timeout." : "Bad Gateway.", cf__no_origin);
        cf__edge_headers(r, "Error from cloudfront");
    } else {
        str_t head = f->ans.head;
        int status = f->ans.status;
        cf_hit_t hit = {.body = arena_str(a, f->ans.body),
                        .content_type = header_of(a, head, "Content-Type"),
                        .etag = header_of(a, head, "ETag"),
                        .last_modified = header_of(a, head, "Last-Modified"),
                        .cache_control = header_of(a, head, "Cache-Control"),
                        .server = header_of(a, head, "Server"),
                        .status = status,
                        .error = status >= 400};
        if (!hit.content_type.len) hit.content_type = STR("application/octet-stream");
        /* a 200 or an error is answered and cached as an S3 origin's (one
         * the origin encoded itself is passed on uncached, its coding
         * kept); another status (a redirect, 204) is passed on as it came */
        str_t coding = header_of(a, head, "Content-Encoding");
        bool encoded = coding.len && !str_eq_c(coding, "identity");
        if ((status == 200 || status >= 400) && !encoded)
            cf__answer_fetched(r, &f->dist, f->behavior, f->key, f->head, &hit);
        else if (encoded) {
            cf__answer_object(r, &hit, f->head, status >= 400 ? "Error from cloudfront" : "Miss from cloudfront",
                              false);
            wire_resp_header(&r->resp, a, "Content-Encoding", coding);
        } else {
            cf__answer_object(r, &hit, f->head, "Miss from cloudfront", false);
            str_t loc = header_of(a, head, "Location");
            if (loc.len) wire_resp_header(&r->resp, a, "Location", loc);
        }
    }
    fetch_free(f);
    dispatch_answer(r);
}

/* On a worker. */
static void run(void *arg, jobq_job_t *j)
{
    (void)arg;
    fetch_t *f = (fetch_t *)j;
    httpsend(f->a, &f->hreq, &f->ans);
    pthread_mutex_lock(&mu);
    if (f->state == F_CANCELLED) {
        pthread_mutex_unlock(&mu);
        fetch_free(f);
        return;
    }
    f->state = F_POSTED;
    http_req_post(f->h, posted, f);
    pthread_mutex_unlock(&mu);
}

/* On the request's loop, when its client left. */
static void aborted(req_t *r, void *arg)
{
    (void)r;
    fetch_t *f = arg;
    pthread_mutex_lock(&mu);
    f->state = F_CANCELLED; /* the worker, or the post it queued, frees f */
    pthread_mutex_unlock(&mu);
}

int cf__custom_origin(req_t *r, const cf_dist_t *d, const val_t *origin, const val_t *b, str_t key, str_t path,
                      bool head)
{
    arena_t *ra = r->arena;
    str_t host = val_get_str(origin, "DomainName");
    if (!loopback_name(host) || !r->transport) {
        cf__error_page(r, 502, "Bad Gateway.", cf__no_origin);
        cf__edge_headers(r, "Error from cloudfront");
        return GR_OK;
    }
    const val_t *coc = val_get(origin, "CustomOriginConfig");
    bool https = str_eq_c(val_get_str(coc, "OriginProtocolPolicy"), "https-only");
    int64_t port = https ? val_get_int(coc, "HTTPSPort", 443) : val_get_int(coc, "HTTPPort", 80);
    fetch_t *f = calloc(1, sizeof *f);
    if (!f) return GR_ERR;
    f->a = arena_new(FETCH_MAX + (1u << 20));
    if (!f->a) {
        free(f);
        return GR_ERR;
    }
    arena_t *a = f->a;
    /* the path: OriginPath + the viewer's path, with the query string where
     * it is forwarded (ForwardedValues.QueryString) */
    const val_t *fv = val_get(b, "ForwardedValues");
    bool query = fv && val_get_bool(fv, "QueryString", false) && r->w.query.len;
    str_t opath = val_get_str(origin, "OriginPath");
    const char *url = arena_printf(a, "%s://%.*s:%lld%.*s%.*s%s%.*s", https ? "https" : "http", STR_FMT(host),
                                   (long long)port, STR_FMT(opath), STR_FMT(path), query ? "?" : "",
                                   query ? (int)r->w.query.len : 0, query ? r->w.query.p : "");
    /* AWS: CloudFront names itself in User-Agent and Via, and adds the
     * origin's CustomHeaders */
    buf_t hd;
    buf_init(&hd, a);
    buf_printf(&hd, "User-Agent: Amazon CloudFront\r\nVia: 1.1 %.*s (CloudFront)\r\n", STR_FMT(str_c(d->domain)));
    const val_t *ch = val_get(val_get(origin, "CustomHeaders"), "Items");
    for (size_t i = 0; ch && ch->kind == VAL_LIST && i < ch->u.list.n; i++) {
        str_t n = val_get_str(ch->u.list.v[i], "HeaderName"), v = val_get_str(ch->u.list.v[i], "HeaderValue");
        if (str_index(n, '\n') < 0 && str_index(n, '\r') < 0 && str_index(v, '\n') < 0 && str_index(v, '\r') < 0)
            buf_printf(&hd, "%.*s: %.*s\r\n", STR_FMT(n), STR_FMT(v));
    }
    str_t method = head ? STR("GET") : r->w.method; /* a HEAD's answer is the GET's headers */
    f->hreq = (httpsend_req_t){.method = arena_str(a, method),
                               .url = str_c(url),
                               .head = arena_str(a, buf_str(&hd)),
                               .body = key.p ? STR("") : arena_str(a, r->w.body),
                               .timeout_s = (int)val_get_int(origin, "ConnectionTimeout", 10),
                               .loopback_only = true,
                               .want_body = true,
                               .max_answer = FETCH_MAX};
    f->r = r;
    f->h = r->transport;
    f->behavior = b;
    f->key = key.p ? arena_str(ra, key) : STR_NULL;
    f->dist = *d;
    f->head = head;
    f->state = F_RUNNING;
    f->q.due_us = time_mono_us();
    r->on_abort = aborted;
    r->on_abort_arg = f;
    jobq_push(&queue, &f->q);
    return GR_AGAIN;
}
