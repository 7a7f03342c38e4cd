/* creds.c — the chain of credential providers; see creds.h. The root key is
 * compared in constant time: it is the one secret every request may probe. */
#include "auth/creds.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROVIDERS 8

struct creds {
    char *account, *root_key, *root_secret, *root_arn;
    struct {
        creds_provider_fn fn;
        void *ud;
    } p[MAX_PROVIDERS];
    int np;
};

creds_t *creds_new(const char *account, const char *root_key, const char *root_secret)
{
    creds_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->account = strdup(account);
    c->root_key = strdup(root_key);
    c->root_secret = strdup(root_secret);
    size_t n = strlen(account) + 32;
    c->root_arn = malloc(n);
    if (!c->account || !c->root_key || !c->root_secret || !c->root_arn) {
        creds_free(c);
        return NULL;
    }
    snprintf(c->root_arn, n, "arn:aws:iam::%s:root", account);
    return c;
}

void creds_free(creds_t *c)
{
    if (!c) return;
    free(c->account);
    free(c->root_key);
    free(c->root_secret);
    free(c->root_arn);
    free(c);
}

int creds_add_provider(creds_t *c, creds_provider_fn fn, void *ud)
{
    if (c->np == MAX_PROVIDERS) return GR_ERR;
    c->p[c->np].fn = fn;
    c->p[c->np].ud = ud;
    c->np++;
    return GR_OK;
}

const char *creds_account(const creds_t *c) { return c->account; }

int creds_lookup(const creds_t *c, str_t access_key, arena_t *a, cred_t *out)
{
    size_t rl = strlen(c->root_key);
    if (access_key.len == rl && CRYPTO_memcmp(access_key.p, c->root_key, rl) == 0) {
        *out = (cred_t){
            .secret = str_c(c->root_secret),
            .active = true,
            .who = {.account = str_c(c->account),
                    .arn = str_c(c->root_arn),
                    .user_id = str_c(c->account),
                    .access_key = access_key,
                    .root = true},
        };
        return GR_OK;
    }
    for (int i = 0; i < c->np; i++)
        if (c->p[i].fn(c->p[i].ud, access_key, a, out) == GR_OK) return GR_OK;
    return GR_ERR;
}
