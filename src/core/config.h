/* config.h — the server's settings: command line over GUREUM_* environment
 * variables over defaults. Read once at start-up; never changed after. */
#ifndef GR_CORE_CONFIG_H
#define GR_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_ACCOUNTS 16

/* An account and its root keys. */
typedef struct {
    const char *id; /* 12 digits */
    const char *access_key, *secret_key;
} config_account_t;

typedef struct {
    const char *host; /* --host / GUREUM_HOST, "127.0.0.1" */
    int port;         /* --port / GUREUM_PORT, 4566 */
    /* --dns-port / GUREUM_DNS_PORT: Route 53's DNS server. By default the
     * HTTP port's number, over UDP only (UDP 4566 is free while TCP 4566 is
     * HTTP, so `dig @127.0.0.1 -p 4566` works); TCP is served too only when
     * it differs from port. 0 disables DNS. */
    int dns_port;
    const char *data_dir;        /* --data / GUREUM_DATA, "./data" */
    bool strict;                 /* --durability strict / GUREUM_DURABILITY */
    const char *region;          /* --region / GUREUM_REGION, "us-east-1": for requests without a scope */
    const char *root_access_key; /* GUREUM_ROOT_ACCESS_KEY, "test" on loopback */
    const char *root_secret_key; /* GUREUM_ROOT_SECRET_KEY, "test" on loopback */
    const char *account;         /* GUREUM_ACCOUNT, "000000000000" */
    int threads;                 /* --threads / GUREUM_THREADS, 4 per CPU (max 16) */
    int max_conns;               /* GUREUM_MAX_CONNS, 4096 */
    bool quiet;                  /* --quiet / GUREUM_QUIET=1: no access log */
    int s3_log_delivery_s; /* GUREUM_S3_LOG_DELIVERY_SECONDS, 300: how often S3 server access logs are delivered */
    /* Further accounts: GUREUM_ACCOUNTS="ID:KEY:SECRET,…" and the "accounts"
     * list of the --config file. accounts[0] is always the default account
     * above (account, root_access_key, root_secret_key). */
    config_account_t accounts[CONFIG_MAX_ACCOUNTS];
    int naccounts;
    const char *config_file; /* --config / GUREUM_CONFIG */
} config_t;

/* Fills defaults, then the --config file, then the environment, then argv
 * (the options after the verb). Returns 0, or -1 with a message in *err
 * (static storage). Strings it reads from files live until exit. */
int config_load(config_t *c, int argc, char **argv, const char **err);
/* True when host is a loopback address (127.0.0.0/8, ::1, localhost). */
bool config_is_loopback(const char *host);
/* The server's own base URL as a local client reaches it: "http://HOST:PORT"
 * (a wildcard bind address answers as loopback; an IPv6 host in brackets),
 * for addresses gureum hands out that point back at itself (SNS
 * SubscribeURL, the STS token issuer). Writes at most n bytes, NUL-terminated. */
void config_self_url(const config_t *c, char *out, size_t n);

#endif
