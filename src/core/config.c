/* config.c — defaults < GUREUM_* environment < command line; see config.h. */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535) return -1;
    *out = (int)v;
    return 0;
}

static int set_durability(config_t *c, const char *v)
{
    if (strcmp(v, "normal") == 0)
        c->strict = false;
    else if (strcmp(v, "strict") == 0)
        c->strict = true;
    else
        return -1;
    return 0;
}

bool config_is_loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
}

int config_load(config_t *c, int argc, char **argv, const char **err)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *c = (config_t){
        .host = "127.0.0.1",
        .port = 4566,
        .data_dir = "./data",
        .region = "us-east-1",
        .account = "000000000000",
        .threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu,
        .max_conns = 4096,
    };
    const char *v;
    if ((v = getenv("GUREUM_HOST")) && *v) c->host = v;
    if ((v = getenv("GUREUM_PORT")) && *v && parse_port(v, &c->port) < 0) return *err = "bad GUREUM_PORT", -1;
    if ((v = getenv("GUREUM_DATA")) && *v) c->data_dir = v;
    if ((v = getenv("GUREUM_DURABILITY")) && *v && set_durability(c, v) < 0)
        return *err = "GUREUM_DURABILITY must be normal or strict", -1;
    if ((v = getenv("GUREUM_REGION")) && *v) c->region = v;
    if ((v = getenv("GUREUM_ACCOUNT")) && *v) c->account = v;
    if ((v = getenv("GUREUM_ROOT_ACCESS_KEY")) && *v) c->root_access_key = v;
    if ((v = getenv("GUREUM_ROOT_SECRET_KEY")) && *v) c->root_secret_key = v;
    if ((v = getenv("GUREUM_THREADS")) && *v) c->threads = atoi(v);
    if ((v = getenv("GUREUM_MAX_CONNS")) && *v) c->max_conns = atoi(v);
    if ((v = getenv("GUREUM_QUIET")) && *v && strcmp(v, "0") != 0) c->quiet = true;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            c->quiet = true;
            continue;
        }
        if (!val) return *err = "option needs a value (see gureum help)", -1;
        if (strcmp(a, "--host") == 0)
            c->host = val;
        else if (strcmp(a, "--port") == 0) {
            if (parse_port(val, &c->port) < 0) return *err = "--port must be 0..65535", -1;
        } else if (strcmp(a, "--data") == 0)
            c->data_dir = val;
        else if (strcmp(a, "--durability") == 0) {
            if (set_durability(c, val) < 0) return *err = "--durability must be normal or strict", -1;
        } else if (strcmp(a, "--region") == 0)
            c->region = val;
        else if (strcmp(a, "--threads") == 0)
            c->threads = atoi(val);
        else
            return *err = "unknown option (see gureum help)", -1;
        i++;
    }
    if (c->threads < 1) c->threads = 1;
    if (c->threads > 64) c->threads = 64;
    if (c->max_conns < 1) c->max_conns = 1;
    if (!c->root_access_key != !c->root_secret_key)
        return *err = "give both GUREUM_ROOT_ACCESS_KEY and GUREUM_ROOT_SECRET_KEY, or neither", -1;
    if (!c->root_access_key) {
        /* The well-known test/test keys are only safe where nobody else can reach us. */
        if (!config_is_loopback(c->host))
            return *err = "bound to a non-loopback address: set GUREUM_ROOT_ACCESS_KEY and GUREUM_ROOT_SECRET_KEY", -1;
        c->root_access_key = "test";
        c->root_secret_key = "test";
    }
    return 0;
}
