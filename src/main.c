/* main.c — the gureum command: `serve` wires the layers together (config →
 * store → credentials → http server with the dispatcher as its handler) and
 * runs until SIGTERM/SIGINT; `aws` runs the AWS CLI pointed at this server;
 * `version` and `help` say what they say. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/creds.h"
#include "core/config.h"
#include "core/gtime.h"
#include "core/log.h"
#include "http/http.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/dispatch.h"
#include "services/registry.h"
#include "store/store.h"

static http_server_t *the_server; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (the_server) http_server_stop(the_server);
}

static void usage(FILE *f)
{
    fputs("usage: gureum serve [--host H] [--port N] [--data DIR] [--durability normal|strict]\n"
          "                    [--region R] [--threads N] [--config FILE] [--quiet]\n"
          "       gureum aws ARGS...     run the AWS CLI against this server (endpoint and, on loopback,\n"
          "                              the root keys filled in)\n"
          "       gureum version\n"
          "Each serve option can also be set by GUREUM_HOST, GUREUM_PORT, GUREUM_DATA, GUREUM_DURABILITY,\n"
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

static int serve(int argc, char **argv)
{
    config_t cfg;
    const char *err;
    if (config_load(&cfg, argc, argv, &err) < 0) {
        fprintf(stderr, "gureum: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    app_t app = {.cfg = &cfg, .started_us = time_now_us()};
    app.store = store_open(cfg.data_dir, cfg.strict ? DURABILITY_STRICT : DURABILITY_NORMAL);
    if (!app.store) return 1;
    store_gc_blobs(app.store, keep_all_blobs, NULL);
    app.creds = creds_new(cfg.account, cfg.root_access_key, cfg.root_secret_key);
    app.authz = authz_new();
    if (!app.creds || !app.authz) return 1;
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
    int rc = http_server_run(srv);
    log_info("gureum stopped");
    the_server = NULL;
    http_server_free(srv);
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "serve") == 0) return serve(argc - 2, argv + 2);
    if (strcmp(verb, "aws") == 0) return run_aws(argc - 2, argv + 2);
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
