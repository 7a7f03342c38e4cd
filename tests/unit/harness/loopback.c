/* loopback.c — see loopback.h. Signs with the SigV4 building blocks the
 * verifier uses, so a test of the pipeline is also a test of the signer. */
#include "harness/loopback.h"

#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sigv4.h"
#include "core/gtime.h"
#include "services/authz.h"
#include "services/dispatch.h"

loopback_t *loopback_new(void)
{
    loopback_t *lb = calloc(1, sizeof *lb);
    snprintf(lb->dir, sizeof lb->dir, "/tmp/gureum-unit-XXXXXX");
    if (!mkdtemp(lb->dir)) abort();
    const char *err;
    if (config_load(&lb->cfg, 0, NULL, &err) < 0) abort();
    lb->cfg.data_dir = lb->dir;
    lb->cfg.quiet = true;
    lb->app.cfg = &lb->cfg;
    lb->app.store = store_open(lb->dir, DURABILITY_NORMAL);
    lb->app.creds = creds_new("000000000000", "test", "test");
    lb->app.authz = authz_new();
    lb->app.started_us = time_now_us();
    if (!lb->app.store || !lb->app.creds) abort();
    return lb;
}

void loopback_free(loopback_t *lb)
{
    store_close(lb->app.store);
    creds_free(lb->app.creds);
    authz_free(lb->app.authz);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", lb->dir);
    if (system(cmd) != 0) abort();
    free(lb);
}

loopback_t *lb;

int loopback_setup(void **state)
{
    (void)state;
    lb = loopback_new();
    return lb ? 0 : -1;
}

int loopback_teardown(void **state)
{
    (void)state;
    loopback_free(lb);
    return 0;
}

static void add_header(req_t *r, const char *name, const char *value)
{
    r->w.headers[r->w.nheaders++] = (kv_t){str_c(arena_strdup(r->arena, name)), str_c(arena_strdup(r->arena, value))};
}

req_t *loopback_call(loopback_t *lb, const lb_call_t *c)
{
    req_t *r = dispatch_req_new(&lb->app, 64u << 20);
    arena_t *a = r->arena;
    r->w.method = str_c(c->method ? c->method : "POST");
    r->w.path = str_c(c->path ? c->path : "/");
    r->w.query = str_c(c->query ? c->query : "");
    r->w.body = str_c(c->body ? c->body : "");
    r->w.headers = ARENA_NEWN(a, kv_t, 24);
    r->w.peer_ip = "127.0.0.1";
    add_header(r, "Host", "127.0.0.1:4566");
    for (int i = 0; i < 16 && c->headers[i]; i++) {
        const char *colon = strchr(c->headers[i], ':');
        char *name = arena_strndup(a, c->headers[i], (size_t)(colon - c->headers[i]));
        add_header(r, name, colon + 1 + (colon[1] == ' '));
    }
    r->w.host = STR("127.0.0.1:4566");
    if (c->service) {
        char amz[20], date[9], hash[65];
        int64_t now = time_now_us() - c->skew_s * 1000000;
        time_fmt_amz(amz, now);
        memcpy(date, amz, 8);
        date[8] = 0;
        sigv4_hex_sha256(r->w.body.p, r->w.body.len, hash);
        add_header(r, "X-Amz-Date", amz);
        add_header(r, "X-Amz-Content-Sha256", hash);
        const char *region = c->region ? c->region : "us-east-1";
        sigv4_t s = {.access_key = str_c(c->key ? c->key : "test"),
                     .scope_date = str_c(arena_strdup(a, date)),
                     .region = str_c(region),
                     .service = str_c(c->service),
                     .signed_headers = STR("host;x-amz-content-sha256;x-amz-date"),
                     .amz_date = str_c(arena_strdup(a, amz)),
                     .payload_hash = str_c(arena_strdup(a, hash))};
        str_t creq = sigv4_canonical_request(&r->w, a, &s, strcmp(c->service, "s3") == 0);
        str_t sts = sigv4_string_to_sign(a, &s, creq);
        unsigned char key[32], mac[32];
        unsigned int maclen = 32;
        const char *secret = c->secret ? c->secret : "test";
        sigv4_signing_key(str_c(secret), s.scope_date, s.region, s.service, key);
        HMAC(EVP_sha256(), key, 32, (const unsigned char *)sts.p, sts.len, mac, &maclen);
        char sig[65];
        for (int i = 0; i < 32; i++) snprintf(sig + 2 * i, 3, "%02x", mac[i]);
        add_header(r, "Authorization",
                   arena_printf(a,
                                "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=%s",
                                c->key ? c->key : "test", date, region, c->service, sig));
    }
    dispatch_handle(r);
    return r;
}
