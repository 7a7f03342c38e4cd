/* delivery.c — the SNS signing key and the HTTP/S delivery threads.
 *
 * Signing: one RSA key per data directory (DATA/sns-signing.pem, made on
 * first start, kept across restarts so a subscriber's cached certificate
 * stays valid), with a self-signed certificate served as SigningCertURL at
 * /_gureum/sns/SimpleNotificationService.pem. Messages are signed as AWS
 * signs them: SHA1withRSA (SignatureVersion 1) or SHA256withRSA (2).
 *
 * Delivery: Publish and Subscribe queue POSTs here and return; a few sender
 * threads take them in due order (services/jobq.h) and send each with a
 * blocking HTTP/1.1 client (services/httpsend.h), retrying per the delivery
 * policy and handing what finally fails to the subscription's dead-letter
 * queue. Invariant: no request thread ever waits on a subscriber's endpoint.
 * Queued deliveries live in memory only (a restart drops the ones still
 * pending; at most MAX_QUEUED wait). */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "core/wire.h"
#include "services/app.h"
#include "services/httpsend.h"
#include "services/jobq.h"
#include "services/sns/sns_int.h"
#include "services/sqs/sqs.h"

/* ==== The signing key ==== */

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t key_cv = PTHREAD_COND_INITIALIZER;
static EVP_PKEY *key;    /* set once, never freed (lives as long as the process) */
static char *cert_pem;   /* the certificate, PEM */
static bool key_done;    /* key made or failed: waiters stop waiting */
static bool key_started; /* sns_start ran (not so in unit tests and fuzzing): a key is coming */
static bool key_wanted;  /* someone waits for the key: make it now */
static bool stopping;    /* sns_stop ran: the key thread ends (under key_mu) */

static char *pem_of_cert(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return NULL;
    char *out = NULL;
    if (PEM_write_bio_X509(b, x) == 1) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = malloc((size_t)n + 1);
        if (out) memcpy(out, p, (size_t)n), out[n] = 0;
    }
    BIO_free(b);
    return out;
}

static X509 *make_cert(EVP_PKEY *k)
{
    X509 *x = X509_new();
    if (!x) return NULL;
    X509_set_version(x, 2);
    unsigned char serial[8];
    id_random_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (bn) BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"sns.amazonaws.com", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"gureum", -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    if (!X509_sign(x, k, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Loads DATA/sns-signing.pem (key + certificate) or makes and writes it. */
static void load_or_make_key(const char *datadir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sns-signing.pem", datadir);
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    FILE *f = fopen(path, "r");
    if (f) {
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        x = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!k || !x) {
        EVP_PKEY_free(k);
        X509_free(x);
        k = EVP_RSA_gen(2048);
        x = k ? make_cert(k) : NULL;
        if (x) {
            char tmp[4100];
            snprintf(tmp, sizeof tmp, "%s.tmp", path);
            FILE *w = fopen(tmp, "w");
            if (w) {
                fchmod(fileno(w), 0600);
                bool ok = PEM_write_PrivateKey(w, k, NULL, NULL, 0, NULL, NULL) == 1 && PEM_write_X509(w, x) == 1;
                ok = fflush(w) == 0 && fsync(fileno(w)) == 0 && ok;
                fclose(w);
                if (!ok || rename(tmp, path) != 0) unlink(tmp);
            }
        }
    }
    char *pem = x ? pem_of_cert(x) : NULL;
    X509_free(x);
    pthread_mutex_lock(&key_mu);
    if (pem && k) {
        key = k;
        cert_pem = pem;
    } else {
        EVP_PKEY_free(k);
        free(pem);
        log_error("sns: no signing key: notifications will carry empty signatures");
    }
    key_done = true;
    pthread_cond_broadcast(&key_cv);
    pthread_mutex_unlock(&key_mu);
}

static EVP_PKEY *wait_key(void)
{
    pthread_mutex_lock(&key_mu);
    key_wanted = true;
    pthread_cond_broadcast(&key_cv);
    while (key_started && !key_done) pthread_cond_wait(&key_cv, &key_mu);
    EVP_PKEY *k = key;
    pthread_mutex_unlock(&key_mu);
    return k;
}

const char *sns__cert_pem(void)
{
    return wait_key() ? cert_pem : NULL;
}

str_t sns__sign(arena_t *a, str_t text, int version)
{
    EVP_PKEY *k = wait_key();
    if (!k) return STR_NULL;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c) return STR_NULL;
    unsigned char sig[512];
    size_t n = sizeof sig;
    str_t out = STR_NULL;
    if (EVP_DigestSignInit(c, NULL, version == 2 ? EVP_sha256() : EVP_sha1(), NULL, k) == 1 &&
        EVP_DigestSign(c, sig, &n, (const unsigned char *)text.p, text.len) == 1) {
        char *b64 = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
        if (b64) out = str_n(b64, (size_t)EVP_EncodeBlock((unsigned char *)b64, sig, (int)n));
    }
    EVP_MD_CTX_free(c);
    return out;
}

/* ==== The delivery queue ==== */

typedef struct job {
    jobq_job_t q; /* first: the queue's link and due time */
    int attempt, retries, min_delay, max_delay;
    char *url, *type, *msg_id, *topic_arn, *sub_arn, *dlq_arn, *content_type;
    char *body;
    size_t body_len;
    bool raw;
} job_t;

/* Bounds what endpoints that are down can pile up (each job holds its body). */
#define MAX_QUEUED 10000
/* Senders: one slow endpoint (up to TIMEOUT_S a try) does not stall the others. */
#define SENDERS 4
/* AWS: an HTTP/S delivery attempt times out after 15 seconds. */
#define TIMEOUT_S 15

static void deliver(void *arg, jobq_job_t *qj);
static void drop_job(jobq_job_t *qj);
static jobq_t queue = JOBQ_INIT(deliver, drop_job, MAX_QUEUED);
static struct app *q_app;

static void job_free(job_t *j)
{
    free(j->url), free(j->type), free(j->msg_id), free(j->topic_arn), free(j->sub_arn), free(j->dlq_arn);
    free(j->content_type);
    free(j->body);
    free(j);
}

static void drop_job(jobq_job_t *qj)
{
    job_free((job_t *)qj);
}

void sns__http_post(struct app *app, str_t url, str_t type, str_t msg_id, str_t topic_arn, str_t sub_arn, str_t body,
                    bool raw, str_t delivery_policy, str_t dlq_arn)
{
    if (jobq_full(&queue)) {
        log_warn("sns: %zu HTTP deliveries pending; %.*s to %.*s dropped", (size_t)MAX_QUEUED, STR_FMT(type),
                 STR_FMT(url));
        return;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j) return;
    j->retries = 3, j->min_delay = j->max_delay = 20; /* AWS's defaults */
    arena_t *a = arena_new(0);
    if (a) {
        /* A subscription's own DeliveryPolicy (healthyRetryPolicy) or the
         * topic's (http.defaultHealthyRetryPolicy): the caller passes
         * whichever applies; both forms are read. */
        sns__retry_policy(a, delivery_policy, delivery_policy, &j->retries, &j->min_delay, &j->max_delay);
        str_t ct = sns__content_type(a, delivery_policy);
        /* a header value: no line breaks */
        j->content_type = memchr(ct.p, '\r', ct.len) || memchr(ct.p, '\n', ct.len) ? NULL : str_dup(ct);
        arena_free(a);
    }
    if (!j->content_type) j->content_type = str_dup(STR("text/plain; charset=UTF-8"));
    j->url = str_dup(url), j->type = str_dup(type), j->msg_id = str_dup(msg_id), j->topic_arn = str_dup(topic_arn);
    j->sub_arn = str_dup(sub_arn), j->dlq_arn = str_dup(dlq_arn), j->body = str_dup(body);
    j->body_len = body.len;
    j->raw = raw;
    j->q.due_us = time_mono_us();
    if (!j->url || !j->type || !j->msg_id || !j->topic_arn || !j->sub_arn || !j->dlq_arn || !j->body ||
        !j->content_type) {
        job_free(j);
        return;
    }
    (void)app;
    jobq_push(&queue, &j->q);
}

/* ==== Sending ==== */

/* One POST; returns the HTTP status, or -1 when the endpoint could not be
 * reached (connection refused, timeout, bad answer). */
static int http_post(arena_t *a, const job_t *j, char *why, size_t why_len)
{
    str_t head = str_c(arena_printf(a,
                                    "Content-Type: %s\r\nUser-Agent: Amazon Simple Notification Service Agent\r\n"
                                    "x-amz-sns-message-type: %s\r\nx-amz-sns-message-id: %s\r\n"
                                    "x-amz-sns-topic-arn: %s\r\n%s%s%s%s",
                                    j->content_type, j->type, j->msg_id, j->topic_arn,
                                    *j->sub_arn ? "x-amz-sns-subscription-arn: " : "", j->sub_arn,
                                    *j->sub_arn ? "\r\n" : "", j->raw ? "x-amz-sns-rawdelivery: true\r\n" : ""));
    /* Only the status line is read: it alone decides delivered or retried. */
    httpsend_req_t req = {.method = STR("POST"),
                          .url = str_c(j->url),
                          .head = head,
                          .body = str_n(j->body, j->body_len),
                          .timeout_s = TIMEOUT_S};
    httpsend_answer_t ans;
    httpsend(a, &req, &ans);
    if (ans.fail == HTTPSEND_OK) return ans.status;
    snprintf(why, why_len, "%s", ans.why);
    return -1;
}

static void give_up(job_t *j, const char *why)
{
    if (strcmp(j->type, "Notification") == 0)
        sns__metric(q_app, str_c(j->topic_arn), "NumberOfNotificationsFailed", "Count", 1);
    if (!*j->dlq_arn || strcmp(j->type, "Notification") != 0) {
        log_warn("sns: %s to %s not delivered: %s", j->type, j->url, why);
        return;
    }
    arena_t *a = arena_new(0);
    if (!a) return;
    str_t mid;
    const char *err = NULL;
    if (sqs_deliver(q_app, a, str_c(j->dlq_arn), str_n(j->body, j->body_len), NULL, STR_NULL, STR_NULL, &mid, &err) !=
        GR_OK)
        log_warn("sns: dead-letter queue %s refused a message: %s", j->dlq_arn, err ? err : "");
    arena_free(a);
}

static void *key_loop(void *arg)
{
    /* Making a key costs up to a CPU-second on a first start, so it is made
     * when the first signature is wanted, not before: a server that never
     * signs (most test runs) or is being benchmarked does not pay for it. */
    pthread_mutex_lock(&key_mu);
    while (!key_wanted && !stopping) pthread_cond_wait(&key_cv, &key_mu);
    bool stop = stopping;
    pthread_mutex_unlock(&key_mu);
    if (!stop) load_or_make_key(store_datadir(((app_t *)arg)->store));
    return NULL;
}

/* A sender's turn with a due job: it is posted, retried later or given up. */
static void deliver(void *arg, jobq_job_t *qj)
{
    (void)arg;
    job_t *j = (job_t *)qj;
    arena_t *a = arena_new(0);
    char why[300] = "";
    int status = -1;
    if (a)
        status = http_post(a, j, why, sizeof why);
    else
        snprintf(why, sizeof why, "out of memory");
    arena_free(a);
    /* AWS: 2xx/3xx delivered; 4xx other than 429 is a client error and
     * not retried; 5xx, 429 and unreachable endpoints are retried per
     * the delivery policy ("Amazon SNS message delivery retries"). */
    if (status >= 200 && status < 400) {
        if (strcmp(j->type, "Notification") == 0)
            sns__metric(q_app, str_c(j->topic_arn), "NumberOfNotificationsDelivered", "Count", 1);
        job_free(j);
        return;
    }
    bool retry = status < 0 || status >= 500 || status == 429;
    if (status >= 0) snprintf(why, sizeof why, "HTTP status %d", status);
    if (retry && j->attempt < j->retries) {
        int delay = j->min_delay;
        if (j->retries > 1 && j->max_delay > j->min_delay)
            delay = j->min_delay + (j->max_delay - j->min_delay) * j->attempt / (j->retries - 1);
        j->attempt++;
        j->q.due_us = time_mono_us() + (int64_t)(delay > 0 ? delay : 1) * 1000000;
        jobq_push(&queue, &j->q);
        return;
    }
    give_up(j, why);
    job_free(j);
}

/* The key thread and the senders, joined by sns_stop: a thread still making
 * the key or posting when the process exits would run on after the store
 * and OpenSSL are torn down. */
static pthread_t key_thread;
static bool key_thread_running;

int sns_start(struct app *app)
{
    q_app = app;
    pthread_mutex_lock(&key_mu);
    key_started = true;
    pthread_mutex_unlock(&key_mu);
    if (pthread_create(&key_thread, NULL, key_loop, app) != 0) return GR_ERR;
    key_thread_running = true;
    return jobq_start(&queue, SENDERS, app);
}

/* Pending deliveries are dropped (they live in memory only; see sns_int.h).
 * A sender in the middle of a POST finishes it first (bounded by its timeout). */
void sns_stop(struct app *app)
{
    (void)app;
    pthread_mutex_lock(&key_mu);
    stopping = true;
    pthread_cond_broadcast(&key_cv);
    pthread_mutex_unlock(&key_mu);
    jobq_stop(&queue);
    if (key_thread_running) pthread_join(key_thread, NULL);
    key_thread_running = false;
    pthread_mutex_lock(&key_mu);
    key_done = true; /* nobody waits for a key that will not come */
    pthread_cond_broadcast(&key_cv);
    pthread_mutex_unlock(&key_mu);
}

/* ==== Subscription confirmation ==== */

str_t sns__confirmation_json(struct app *app, arena_t *a, const sns_topic_t *t, str_t token, str_t *msg_id)
{
    char uuid[37];
    id_uuid(uuid);
    str_t mid = arena_str(a, str_c(uuid));
    char ts[40];
    time_fmt_iso8601(ts, time_now_us(), true);
    str_t base = sns__base_url(app, a);
    buf_t u;
    buf_init(&u, a);
    buf_put_str(&u, base);
    buf_puts(&u, "/_gureum/sns/confirm?TopicArn=");
    buf_put_str(&u, wire_url_encode(a, t->arn, false));
    buf_puts(&u, "&Token=");
    buf_put_str(&u, token);
    str_t url = buf_str(&u);
    /* AWS: the confirmation text and the fields its signature covers:
     * Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type. */
    str_t msg = str_c(arena_printf(a,
                                   "You have chosen to subscribe to the topic %.*s.\nTo confirm the subscription, "
                                   "visit the SubscribeURL included in this message.",
                                   STR_FMT(t->arn)));
    str_t canon = str_c(arena_printf(a,
                                     "Message\n%.*s\nMessageId\n%.*s\nSubscribeURL\n%.*s\nTimestamp\n%s\nToken\n%.*s\n"
                                     "TopicArn\n%.*s\nType\nSubscriptionConfirmation\n",
                                     STR_FMT(msg), STR_FMT(mid), STR_FMT(url), ts, STR_FMT(token), STR_FMT(t->arn)));
    str_t sig = sns__sign(a, canon, t->sig_version);
    buf_t b;
    buf_init(&b, a);
    struct {
        const char *k;
        str_t v;
    } f[] = {
        {"Type", STR("SubscriptionConfirmation")},
        {"MessageId", mid},
        {"Token", token},
        {"TopicArn", t->arn},
        {"Message", msg},
        {"SubscribeURL", url},
        {"Timestamp", str_c(ts)},
        {"SignatureVersion", t->sig_version == 2 ? STR("2") : STR("1")},
        {"Signature", sig.p ? sig : STR("")},
        {"SigningCertURL", str_c(arena_printf(a, "%.*s/_gureum/sns/SimpleNotificationService.pem", STR_FMT(base)))},
    };
    buf_putc(&b, '{');
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        buf_puts(&b, i ? ",\n  " : "\n  ");
        json_write_string(&b, str_c(f[i].k));
        buf_puts(&b, " : ");
        json_write_string(&b, f[i].v);
    }
    buf_puts(&b, "\n}");
    *msg_id = mid;
    return buf_str(&b);
}

void sns__send_confirmation(struct app *app, arena_t *a, const sns_topic_t *t, str_t sub_arn, str_t endpoint,
                            str_t token)
{
    str_t mid;
    str_t doc = sns__confirmation_json(app, a, t, token, &mid);
    sns__http_post(app, endpoint, STR("SubscriptionConfirmation"), mid, t->arn, STR(""), doc, false, t->delivery_policy,
                   STR(""));
}
