/* bench_server.c — the smallest server on src/http: every request gets 4 KiB from memory.
 *
 * Used by bench/http/run.sh to measure the http layer alone against nginx serving a
 * 4 KiB file. Prints its port on stdout, serves until SIGINT/SIGTERM (whose handler
 * calls http_server_stop, which must be async-signal-safe), then exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static http_server_t *srv;
static char body[4096];

static void on_request(http_req_t *r, void *ud)
{
    static const kv_t h[] = {{{"Content-Type", 12}, {"application/octet-stream", 24}}};
    http_respond(r, 200, h, 1, body, sizeof body);
}

static void on_signal(int sig) { http_server_stop(srv); }

int main(int argc, char **argv)
{
    memset(body, 'x', sizeof body);
    http_config_t cfg = {
        .host = "127.0.0.1",
        .port = argc > 1 ? atoi(argv[1]) : 0,
        .threads = argc > 2 ? atoi(argv[2]) : 2,
        .max_header_bytes = 16384,
        .max_body_buffer = 1 << 20,
        .max_conns = 10000,
        .on_request = on_request,
    };
    srv = http_server_new(&cfg);
    if (!srv) {
        perror("http_server_new");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("%d\n", http_server_port(srv));
    fflush(stdout);
    int rc = http_server_run(srv);
    http_server_free(srv);
    return rc;
}
