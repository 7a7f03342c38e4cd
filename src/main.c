/* main.c — the gureum command: `serve` wires the layers together (config →
 * store → credentials → http server with the dispatcher as its handler) and
 * runs until SIGTERM/SIGINT; `aws` runs the AWS CLI pointed at this server;
 * `sms` prints the SMS outbox of a running server; `version` and `help`
 * say what they say. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include "auth/creds.h"
#include "core/config.h"
#include "core/gtime.h"
#include "core/json.h"
#include "core/log.h"
#include "http/http.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/dispatch.h"
#include "services/httpsend.h"
#include "services/pubmetrics.h"
#include "services/registry.h"
#include "services/ticker.h"
#include "store/store.h"

static http_server_t *the_server; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (the_server) http_server_stop(the_server);
}

static void usage(FILE *f)
{
    fputs("usage: gureum serve [--host H] [--port N] [--dns-port N] [--data DIR] [--durability normal|strict]\n"
          "                    [--region R] [--threads N] [--config FILE] [--quiet]\n"
          "                    --dns-port: Route 53's DNS server, UDP on the HTTP port's number by\n"
          "                    default, TCP too when it differs; 0 turns DNS off\n"
          "       gureum aws ARGS...     run the AWS CLI against this server (endpoint and, on loopback,\n"
          "                              the root keys filled in)\n"
          "       gureum sms [--host H] [--port N] [--phone NUMBER] [--json]\n"
          "                              print the SMS outbox of the server running there\n"
          "       gureum version\n"
          "Each serve option can also be set by GUREUM_HOST, GUREUM_PORT, GUREUM_DNS_PORT, GUREUM_DATA, "
          "GUREUM_DURABILITY,\n"
          "GUREUM_REGION, GUREUM_THREADS, GUREUM_QUIET, GUREUM_CONFIG; the default account by GUREUM_ACCOUNT,\n"
          "GUREUM_ROOT_ACCESS_KEY and GUREUM_ROOT_SECRET_KEY (required when --host is not a loopback\n"
          "address); more accounts by GUREUM_ACCOUNTS=ID:KEY:SECRET,... or the --config file.\n",
          f);
}

static bool keep_all_blobs(const char *id, void *ud)
{
    (void)id;
    (void)ud;
    return true; /* no service owns blobs yet: only temp files are garbage */
}

/* The stop hooks: background threads end before the store closes. */
static void stop_services(app_t *app)
{
    for (size_t i = 0; i < registry_count; i++)
        if (registry[i].stop) registry[i].stop(app);
}

static int serve(int argc, char **argv)
{
    config_t cfg;
    const char *err;
    if (config_load(&cfg, argc, argv, &err) < 0) {
        fprintf(stderr, "gureum: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* connections, blobs and the machines' forwards each hold files: the
     * soft limit (often 1024) raised toward the hard one, as servers do, but
     * to 65536 at most (machines inherit it, and some programs walk every
     * possible descriptor) */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max < 65536 ? nofile.rlim_max : 65536;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    /* Each request's arena is freed whole at its end; with glibc's defaults
     * the freed top of a thread's heap (over 128 KiB) went back to the kernel
     * (madvise) and was faulted in again by the next request, 8% of a 4 KiB
     * PUT (measured). Keep up to 16 MiB per heap, and serve buffers up to
     * 4 MiB from the heap rather than a fresh mmap each. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    app_t app = {.cfg = &cfg, .started_us = time_now_us()};
    app.store = store_open(cfg.data_dir, cfg.strict ? DURABILITY_STRICT : DURABILITY_NORMAL);
    if (!app.store) return 1;
    cfg.data_dir = store_datadir(app.store); /* absolute (store_open) */
    store_gc_blobs(app.store, keep_all_blobs, NULL);
    app.creds = creds_new(cfg.account, cfg.root_access_key, cfg.root_secret_key);
    app.authz = authz_new();
    app.metrics = pubm_new();
    if (!app.creds || !app.authz || !app.metrics) return 1;
    for (int i = 1; i < cfg.naccounts; i++)
        if (creds_add_root(app.creds, cfg.accounts[i].id, cfg.accounts[i].access_key, cfg.accounts[i].secret_key) !=
            GR_OK)
            return 1;
    for (size_t i = 0; i < registry_count; i++) /* start hooks: IAM's credential provider must be in before serving */
        if (registry[i].start && registry[i].start(&app) != GR_OK) return 1;

    http_config_t hc = {
        .host = cfg.host,
        .port = cfg.port,
        .threads = cfg.threads,
        .max_header_bytes = 64 * 1024,
        .max_body_buffer = 32u << 20,
        .max_conns = cfg.max_conns,
        .ud = &app,
        .on_headers = dispatch_on_headers,
        .on_body = dispatch_on_body,
        .on_request = dispatch_on_request,
        .on_abort = dispatch_on_abort,
    };
    http_server_t *srv = http_server_new(&hc);
    if (!srv) {
        fprintf(stderr, "gureum: cannot listen on %s:%d: %s\n", cfg.host, cfg.port, strerror(errno));
        /* The start hooks' threads (EventBridge's scheduler, ...) may be
         * opening databases: they end before the store closes. */
        stop_services(&app);
        pubm_free(app.metrics);
        authz_free(app.authz);
        creds_free(app.creds);
        store_close(app.store);
        return 1;
    }
    the_server = srv;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    log_info("gureum %s serving on http://%s:%d (data %s, durability %s, %d threads)", GUREUM_VERSION, cfg.host,
             http_server_port(srv), cfg.data_dir, cfg.strict ? "strict" : "normal", cfg.threads);
    ticker_t *ticker = ticker_start(&app); /* TTL, retention, lifecycle: while nobody calls */
    int rc = http_server_run(srv);
    ticker_stop(ticker); /* before the stop hooks and the store: its ticks use both */
    log_info("gureum stopped");
    the_server = NULL;
    http_server_free(srv);
    stop_services(&app);
    pubm_flush(&app, true); /* what the last minute counted, while the store is open */
    pubm_free(app.metrics);
    authz_free(app.authz);
    creds_free(app.creds);
    store_close(app.store);
    return rc == 0 ? 0 : 1;
}

/* `gureum aws ARGS…`: exec the AWS CLI with --endpoint-url and, when the
 * server is on loopback, the root keys, so a local try needs no aws configure. */
static int run_aws(int argc, char **argv)
{
    config_t cfg;
    const char *err;
    if (config_load(&cfg, 0, NULL, &err) < 0) {
        fprintf(stderr, "gureum: %s\n", err);
        return 2;
    }
    char endpoint[300];
    const char *host = strchr(cfg.host, ':') ? "[::1]" : cfg.host;
    if (strcmp(host, "0.0.0.0") == 0) host = "127.0.0.1";
    snprintf(endpoint, sizeof endpoint, "http://%s:%d", host, cfg.port);
    if (config_is_loopback(cfg.host)) {
        setenv("AWS_ACCESS_KEY_ID", cfg.root_access_key, 1);
        setenv("AWS_SECRET_ACCESS_KEY", cfg.root_secret_key, 1);
        unsetenv("AWS_SESSION_TOKEN");
    }
    setenv("AWS_DEFAULT_REGION", getenv("AWS_DEFAULT_REGION") ? getenv("AWS_DEFAULT_REGION") : cfg.region, 1);
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) return 1;
    int n = 0;
    args[n++] = "aws";
    args[n++] = "--endpoint-url";
    args[n++] = endpoint;
    for (int i = 0; i < argc; i++) args[n++] = argv[i];
    args[n] = NULL;
    execvp("aws", args);
    fprintf(stderr, "gureum: cannot run aws: %s\n", strerror(errno));
    free(args);
    return 127;
}

/* `gureum sms`: GET /_gureum/sns/sms from the running server (host and
 * port from the flags, else GUREUM_HOST / GUREUM_PORT, else the defaults)
 * and print one line per SMS, or the JSON as served with --json. */
static int run_sms(int argc, char **argv)
{
    config_t cfg;
    const char *err;
    if (config_load(&cfg, 0, NULL, &err) < 0) {
        fprintf(stderr, "gureum: %s\n", err);
        return 2;
    }
    const char *host = cfg.host, *phone = NULL;
    int port = cfg.port;
    bool raw = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            raw = true;
        else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--phone") == 0 && i + 1 < argc)
            phone = argv[++i];
        else {
            fprintf(stderr, "gureum sms: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(host, "0.0.0.0") == 0) host = "127.0.0.1";
    if (strcmp(host, "::") == 0) host = "::1";
    arena_t *a = arena_new(0);
    if (!a) return 1;
    bool v6 = strchr(host, ':') != NULL;
    str_t url =
        str_c(arena_printf(a, "http://%s%s%s:%d/_gureum/sns/sms%s%s", v6 ? "[" : "", host, v6 ? "]" : "", port,
                           phone ? "?phoneNumber=" : "", phone ? wire_url_encode(a, str_c(phone), false).p : ""));
    /* the outbox is read whole, however many messages it holds */
    httpsend_req_t q = {.method = STR("GET"), .url = url, .timeout_s = 30, .want_body = true, .max_answer = SIZE_MAX};
    httpsend_answer_t ans;
    httpsend(a, &q, &ans);
    int rc = 1;
    str_t body = ans.body;
    if (ans.fail == HTTPSEND_UNREACHABLE) {
        fprintf(stderr, "gureum sms: no gureum server: %s\n", ans.why);
    } else if (ans.fail != HTTPSEND_OK || ans.status != 200) {
        if (ans.fail == HTTPSEND_OK)
            fprintf(stderr, "gureum sms: the server answered %d\n", ans.status);
        else
            fprintf(stderr, "gureum sms: %s\n", ans.why);
    } else if (raw) {
        fwrite(body.p, 1, body.len, stdout);
        rc = 0;
    } else {
        json_t *j = json_parse(a, body, NULL);
        if (j && j->type == JSON_ARRAY) {
            rc = 0;
            for (size_t i = 0; i < j->u.arr.n; i++) {
                const json_t *m = j->u.arr.v[i];
                const json_t *f[5] = {json_get(m, "time"), json_get(m, "phoneNumber"), json_get(m, "senderId"),
                                      json_get(m, "messageId"), json_get(m, "message")};
                for (int k = 0; k < 5; k++) {
                    str_t s = f[k] && f[k]->type == JSON_STRING ? f[k]->u.s : STR("-");
                    printf(k < 4 ? "%.*s\t" : "%.*s\n", STR_FMT(s));
                }
            }
        } else
            fprintf(stderr, "gureum sms: unreadable answer\n");
    }
    arena_free(a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "serve") == 0) return serve(argc - 2, argv + 2);
    if (strcmp(verb, "aws") == 0) return run_aws(argc - 2, argv + 2);
    if (strcmp(verb, "sms") == 0) return run_sms(argc - 2, argv + 2);
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        printf("gureum %s\n", GUREUM_VERSION);
        return 0;
    }
    if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "gureum: unknown command '%s'\n", verb);
    usage(stderr);
    return 2;
}
