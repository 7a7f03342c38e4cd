/* config.c — defaults < GUREUM_* environment < command line; see config.h. */
#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/json.h"

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

void config_self_url(const config_t *c, char *out, size_t n)
{
    const char *h = c->host;
    if (!h || !*h || strcmp(h, "0.0.0.0") == 0) h = "127.0.0.1";
    if (strcmp(h, "::") == 0) h = "::1";
    bool v6 = strchr(h, ':') != NULL;
    snprintf(out, n, "http://%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", c->port);
}

static bool valid_account_id(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!isdigit((unsigned char)id[n])) return false;
    return n == 12;
}

static int add_account(config_t *c, const char *id, const char *key, const char *secret, const char **err)
{
    if (!valid_account_id(id)) return *err = "an account id must be 12 digits", -1;
    if (!*key || !*secret) return *err = "an account needs an access key and a secret key", -1;
    for (int i = 0; i < c->naccounts; i++) {
        if (strcmp(c->accounts[i].id, id) == 0) return *err = "an account is declared twice", -1;
        if (strcmp(c->accounts[i].access_key, key) == 0) return *err = "two accounts share an access key", -1;
    }
    if (c->naccounts == CONFIG_MAX_ACCOUNTS) return *err = "too many accounts", -1;
    c->accounts[c->naccounts++] = (config_account_t){id, key, secret};
    return 0;
}

/* The file's strings must outlive the config: they go in an arena that is
 * never freed (one per process, a few hundred bytes). */
static arena_t *file_arena;

static const char *json_str_or(const json_t *obj, const char *key, const char *def)
{
    const json_t *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->u.s.p : def;
}

/* --config FILE: JSON with the same settings as the options, plus
 * "accounts": [{"id": "111111111111", "access_key": "…", "secret_key": "…"}]. */
static int load_file(config_t *c, const char *path, const config_account_t **file_accounts, int *nfile,
                     const char **err)
{
    static config_account_t acc[CONFIG_MAX_ACCOUNTS];
    FILE *f = fopen(path, "rb");
    if (!f) return *err = "cannot read the --config file", -1;
    if (!file_arena) file_arena = arena_new(0);
    char *text = arena_alloc(file_arena, 1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!text) return *err = "out of memory", -1;
    const json_t *j = json_parse(file_arena, (str_t){text, n}, NULL);
    if (!j || j->type != JSON_OBJECT) return *err = "the --config file is not a JSON object", -1;
    c->host = json_str_or(j, "host", c->host);
    c->data_dir = json_str_or(j, "data", c->data_dir);
    c->region = json_str_or(j, "region", c->region);
    const char *d = json_str_or(j, "durability", NULL);
    if (d) c->strict = strcmp(d, "strict") == 0;
    const json_t *port = json_get(j, "port");
    if (port && port->type == JSON_INT && port->u.i >= 0 && port->u.i <= 65535) c->port = (int)port->u.i;
    const json_t *dport = json_get(j, "dns_port");
    if (dport && dport->type == JSON_INT && dport->u.i >= 0 && dport->u.i <= 65535) c->dns_port = (int)dport->u.i;
    const json_t *list = json_get(j, "accounts");
    *nfile = 0;
    if (list && list->type == JSON_ARRAY) {
        for (size_t i = 0; i < list->u.arr.n && i < CONFIG_MAX_ACCOUNTS; i++) {
            const json_t *a = list->u.arr.v[i];
            acc[i] = (config_account_t){json_str_or(a, "id", ""), json_str_or(a, "access_key", ""),
                                        json_str_or(a, "secret_key", "")};
            (*nfile)++;
        }
    } else if (list) {
        return *err = "\"accounts\" in the --config file must be a list", -1;
    }
    *file_accounts = acc;
    return 0;
}

int config_load(config_t *c, int argc, char **argv, const char **err)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    /* Four event loops per CPU, at most 16. A loop does its disk work (SQLite,
     * blob files) inline, and with more loops than CPUs each wake-up finds
     * several connections ready: on 2 CPUs, 8 loops served 4 KiB S3 GETs at
     * 1.4x the rate of 2 loops (less kernel time per request: fewer context
     * switches), DynamoDB GetItem at 1.2x, writes at the same rate. */
    *c = (config_t){
        .host = "127.0.0.1",
        .port = 4566,
        .dns_port = -1, /* the HTTP port, once that is known */
        .data_dir = "./data",
        .region = "us-east-1",
        .account = "000000000000",
        .threads = ncpu > 4 ? 16 : (int)ncpu * 4,
        .max_conns = 4096,
        .s3_log_delivery_s = 300,
    };
    const char *v;
    const config_account_t *file_acc = NULL;
    int nfile = 0;
    c->config_file = getenv("GUREUM_CONFIG");
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], "--config") == 0) c->config_file = argv[i + 1];
    if (c->config_file && *c->config_file && load_file(c, c->config_file, &file_acc, &nfile, err) < 0) return -1;
    /* The file's first account is the default one unless the environment names it. */
    if (nfile) {
        c->account = file_acc[0].id;
        c->root_access_key = file_acc[0].access_key;
        c->root_secret_key = file_acc[0].secret_key;
    }
    if ((v = getenv("GUREUM_HOST")) && *v) c->host = v;
    if ((v = getenv("GUREUM_PORT")) && *v && parse_port(v, &c->port) < 0) return *err = "bad GUREUM_PORT", -1;
    if ((v = getenv("GUREUM_DNS_PORT")) && *v && parse_port(v, &c->dns_port) < 0)
        return *err = "bad GUREUM_DNS_PORT", -1;
    if ((v = getenv("GUREUM_DATA")) && *v) c->data_dir = v;
    if ((v = getenv("GUREUM_DURABILITY")) && *v && set_durability(c, v) < 0)
        return *err = "GUREUM_DURABILITY must be normal or strict", -1;
    if ((v = getenv("GUREUM_REGION")) && *v) c->region = v;
    if ((v = getenv("GUREUM_ACCOUNT")) && *v) c->account = v;
    if ((v = getenv("GUREUM_ROOT_ACCESS_KEY")) && *v) c->root_access_key = v;
    if ((v = getenv("GUREUM_ROOT_SECRET_KEY")) && *v) c->root_secret_key = v;
    if ((v = getenv("GUREUM_THREADS")) && *v) c->threads = atoi(v);
    if ((v = getenv("GUREUM_MAX_CONNS")) && *v) c->max_conns = atoi(v);
    /* AWS delivers server access logs "within a few hours"; tests shorten it to a second */
    if ((v = getenv("GUREUM_S3_LOG_DELIVERY_SECONDS")) && *v && atoi(v) > 0) c->s3_log_delivery_s = atoi(v);
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
        else if (strcmp(a, "--config") == 0)
            ; /* read first, above */
        else if (strcmp(a, "--port") == 0) {
            if (parse_port(val, &c->port) < 0) return *err = "--port must be 0..65535", -1;
        } else if (strcmp(a, "--dns-port") == 0) {
            if (parse_port(val, &c->dns_port) < 0) return *err = "--dns-port must be 0..65535", -1;
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
    if (c->dns_port < 0) c->dns_port = c->port;
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
    c->naccounts = 0;
    if (add_account(c, c->account, c->root_access_key, c->root_secret_key, err) < 0) return -1;
    for (int i = 1; i < nfile; i++)
        if (add_account(c, file_acc[i].id, file_acc[i].access_key, file_acc[i].secret_key, err) < 0) return -1;
    /* GUREUM_ACCOUNTS="111111111111:KEY:SECRET,222222222222:KEY:SECRET" */
    if ((v = getenv("GUREUM_ACCOUNTS")) && *v) {
        if (!file_arena) file_arena = arena_new(0);
        char *list = arena_strdup(file_arena, v), *save = NULL;
        for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
            char *k = strchr(item, ':'), *sec = k ? strchr(k + 1, ':') : NULL;
            if (!k || !sec) return *err = "GUREUM_ACCOUNTS entries are ID:ACCESS_KEY:SECRET_KEY", -1;
            *k++ = 0;
            *sec++ = 0;
            if (add_account(c, item, k, sec, err) < 0) return -1;
        }
    }
    return 0;
}
