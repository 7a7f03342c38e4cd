/* grant.h — the policy statement an AddPermission writes into a resource
 * policy, shared by the services whose AddPermission has the same form:
 * SNS (a topic's Policy) and SQS (a queue's Policy); Lambda's function and
 * layer policies open their statements the same way. The service validates
 * the request and stores the document; this only writes the statement. */
#ifndef GR_SERVICES_GRANT_H
#define GR_SERVICES_GRANT_H

#include "core/json.h"
#include "core/val.h"

/* Opens an Allow statement with Sid `sid` and writes the "Principal" key;
 * the caller writes the principal, the rest, and closes the object. */
void grant_statement_begin(json_w_t *w, str_t sid);
/* Writes to w the statement that lets `accounts` (a list of account ids)
 * perform `actions` (a list of action names, written "<service>:<Action>",
 * service "SNS" or "SQS") on `resource`, under the Sid `label`. Strings
 * come from a. */
void grant_write_statement(json_w_t *w, arena_t *a, str_t label, const val_t *accounts, const char *service,
                           const val_t *actions, str_t resource);

#endif
