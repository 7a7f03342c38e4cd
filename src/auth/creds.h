/* creds.h — who an access key belongs to.
 *
 * The dispatcher asks creds_lookup() for the secret and principal of the key
 * that signed a request, before SigV4 verification. Each account's root keys
 * come from the configuration (any number of accounts); services that issue keys (IAM users, STS
 * temporary credentials) add a provider at start-up, so the auth layer never
 * reads a service's tables. */
#ifndef GR_AUTH_CREDS_H
#define GR_AUTH_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/req.h"
#include "core/str.h"

typedef struct {
    str_t secret;
    principal_t who;
    str_t session_token; /* temporary credentials: the token the request must carry */
    int64_t expires_us;  /* 0: never */
    bool active;         /* false: the key exists but is Inactive */
} cred_t;

/* A provider answers GR_OK (found; *out filled from arena a) or GR_ERR (not its key). */
typedef int (*creds_provider_fn)(void *ud, str_t access_key, arena_t *a, cred_t *out);

typedef struct creds creds_t;

/* The credential chain with the default account's root keys. */
creds_t *creds_new(const char *account, const char *root_key, const char *root_secret);
/* Another account's root keys; call before serving. */
int creds_add_root(creds_t *c, const char *account, const char *root_key, const char *root_secret);
void creds_free(creds_t *c);
/* Adds a provider consulted after the root key; call before serving. */
int creds_add_provider(creds_t *c, creds_provider_fn fn, void *ud);
/* GR_OK with *out, or GR_ERR when no provider knows the key. */
int creds_lookup(const creds_t *c, str_t access_key, arena_t *a, cred_t *out);
const char *creds_account(const creds_t *c); /* the default account */

#endif
