/* app.h — the server's long-lived state that services reach through
 * req_t.app: configuration, the store, the credential chain. One app_t per
 * server, created by main before serving and freed after the last request. */
#ifndef GR_SERVICES_APP_H
#define GR_SERVICES_APP_H

#include "auth/creds.h"
#include "core/config.h"
#include "store/store.h"

struct authz;
struct pubm;

typedef struct app {
    const config_t *cfg;
    store_t *store;
    creds_t *creds;
    struct authz *authz;  /* parsed-policy cache for authorization (services/authz.h) */
    struct pubm *metrics; /* services' own CloudWatch metrics, in memory until flushed (services/pubmetrics.h) */
    int64_t started_us;
} app_t;

#endif
