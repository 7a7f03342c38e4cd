/* authz.h — IAM authorization of each request (see authz.c). */
#ifndef GR_SERVICES_AUTHZ_H
#define GR_SERVICES_AUTHZ_H

#include "core/req.h"

typedef struct authz authz_t;

authz_t *authz_new(void);
void authz_free(authz_t *z);
/* GR_OK when the caller may perform r->op on its resource (always for root
 * and for operations that need no permission); otherwise fails r with the
 * service's access-denied error and returns GR_ERR. */
int authz_check(req_t *r, authz_t *z);

#endif
