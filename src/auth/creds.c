/* creds.c — the chain of credential providers; see creds.h. Root keys are
 * compared in constant time: they are the secrets every request may probe. */
#include "auth/creds.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROVIDERS 8
#define MAX_ROOTS 16

typedef struct {
    char *account, *key, *secret, *arn;
} root_t;

struct creds {
    root_t roots[MAX_ROOTS]; /* roots[0] is the default account */
    int nroots;
    struct {
        creds_provider_fn fn;
        void *ud;
    } p[MAX_PROVIDERS];
    int np;
};

int creds_add_root(creds_t *c, const char *account, const char *root_key, const char *root_secret)
{
    if (c->nroots == MAX_ROOTS) return GR_ERR;
    root_t *r = &c->roots[c->nroots];
    size_t n = strlen(account) + 32;
    r->account = strdup(account);
    r->key = strdup(root_key);
    r->secret = strdup(root_secret);
    r->arn = malloc(n);
    if (!r->account || !r->key || !r->secret || !r->arn) {
        free(r->account);
        free(r->key);
        free(r->secret);
        free(r->arn);
        return GR_ERR;
    }
    snprintf(r->arn, n, "arn:aws:iam::%s:root", account);
    c->nroots++;
    return GR_OK;
}

creds_t *creds_new(const char *account, const char *root_key, const char *root_secret)
{
    creds_t *c = calloc(1, sizeof *c);
    if (c && creds_add_root(c, account, root_key, root_secret) != GR_OK) {
        free(c);
        return NULL;
    }
    return c;
}

void creds_free(creds_t *c)
{
    if (!c) return;
    for (int i = 0; i < c->nroots; i++) {
        free(c->roots[i].account);
        free(c->roots[i].key);
        free(c->roots[i].secret);
        free(c->roots[i].arn);
    }
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

const char *creds_account(const creds_t *c) { return c->roots[0].account; }

int creds_lookup(const creds_t *c, str_t access_key, arena_t *a, cred_t *out)
{
    for (int i = 0; i < c->nroots; i++) {
        const root_t *r = &c->roots[i];
        size_t rl = strlen(r->key);
        if (access_key.len == rl && CRYPTO_memcmp(access_key.p, r->key, rl) == 0) {
            *out = (cred_t){
                .secret = str_c(r->secret),
                .active = true,
                .who = {.account = str_c(r->account),
                        .arn = str_c(r->arn),
                        .user_id = str_c(r->account),
                        .access_key = access_key,
                        .root = true},
            };
            return GR_OK;
        }
    }
    for (int i = 0; i < c->np; i++)
        if (c->p[i].fn(c->p[i].ud, access_key, a, out) == GR_OK) return GR_OK;
    return GR_ERR;
}
