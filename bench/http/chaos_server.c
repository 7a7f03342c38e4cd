/* chaos_server.c — a server on src/http that exercises every path at once, for chaos.sh.
 *
 * /suspend is answered by worker threads through http_req_post (cancelled in on_abort,
 * per the rules in server.c), /stream takes bodies piecewise with pause/resume and gives
 * up on 13-byte pieces, /reject answers on headers, anything else answers at once.
 * SIGTERM stops it; it exits with http_server_run's status after freeing everything. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/http.h"

typedef struct job {
    struct job *next;
    http_req_t *r;
    int cancelled; /* under mu */
} job_t;

static http_server_t *srv;
static job_t *head, *tail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;

static void answer(http_req_t *r, void *arg)
{
    http_respond(r, 200, NULL, 0, "ok", 2); /* a no-op if r was aborted meanwhile */
    free(arg);
}

static http_body_mode_t on_headers(http_req_t *r, void *ud)
{
    if (str_eq_c(http_req_path(r), "/stream")) return HTTP_BODY_STREAM;
    if (str_eq_c(http_req_path(r), "/reject")) {
        http_respond(r, 403, NULL, 0, "no", 2);
        return HTTP_BODY_REJECT;
    }
    return HTTP_BODY_BUFFER;
}

static int on_body(http_req_t *r, const char *p, size_t n, void *ud)
{
    if (n % 7 == 3) http_req_pause(r), http_req_resume(r);
    return n == 13 ? -1 : 0;
}

static void on_request(http_req_t *r, void *ud)
{
    if (!str_eq_c(http_req_path(r), "/suspend")) {
        http_respond(r, 200, NULL, 0, "direct", 6);
        return;
    }
    job_t *j = calloc(1, sizeof *j);
    j->r = r;
    http_req_set_data(r, j);
    pthread_mutex_lock(&mu);
    if (tail)
        tail->next = j;
    else
        head = j;
    tail = j;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static void on_abort(http_req_t *r, void *ud)
{
    job_t *j = http_req_data(r);
    if (!j) return;
    pthread_mutex_lock(&mu);
    j->cancelled = 1;
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head && !done) pthread_cond_wait(&cv, &mu);
        if (!head) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        job_t *j = head;
        head = j->next;
        if (!head) tail = NULL;
        pthread_mutex_unlock(&mu);
        usleep(rand_r(&seed) % 3000);
        pthread_mutex_lock(&mu);
        if (j->cancelled)
            free(j);
        else
            http_req_post(j->r, answer, j);
        pthread_mutex_unlock(&mu);
    }
}

static void on_signal(int sig)
{
    http_server_stop(srv);
}

int main(int argc, char **argv)
{
    http_config_t cfg = {
        .host = "127.0.0.1",
        .port = argc > 1 ? atoi(argv[1]) : 0,
        .threads = 3,
        .max_header_bytes = 4096,
        .max_body_buffer = 5000,
        .max_conns = 50,
        .on_headers = on_headers,
        .on_body = on_body,
        .on_request = on_request,
        .on_abort = on_abort,
    };
    srv = http_server_new(&cfg);
    if (!srv) {
        perror("http_server_new");
        return 1;
    }
    signal(SIGTERM, on_signal);
    printf("%d\n", http_server_port(srv));
    fflush(stdout);
    pthread_t w[3];
    for (size_t i = 0; i < 3; i++) pthread_create(&w[i], NULL, worker, (void *)i);
    int rc = http_server_run(srv);
    pthread_mutex_lock(&mu);
    done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 3; i++) pthread_join(w[i], NULL);
    while (head) {
        job_t *j = head;
        head = j->next;
        free(j);
    }
    http_server_free(srv);
    return rc;
}
