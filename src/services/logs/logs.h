/* logs.h — what other services call in CloudWatch Logs (public: logs_*):
 * Lambda writes each function's output through this, and EventBridge its
 * log-group targets, never through the logs tables. Callable from any thread. */
#ifndef GR_SERVICES_LOGS_LOGS_H
#define GR_SERVICES_LOGS_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

struct app;
typedef struct {
    int64_t ts_ms; /* event time, milliseconds since the epoch */
    str_t message;
} logs_event_t;
/* Appends events (in time order) to group/stream in account and region,
 * creating the group and the stream when absent, as Lambda's service role
 * does on AWS. GR_OK or GR_ERR. */
int logs_append(struct app *app, str_t account, str_t region, str_t group, str_t stream, const logs_event_t *ev,
                size_t n);

/* An AWS service (service: "events.amazonaws.com", acting for source_arn)
 * writes events into stream (created when absent) of an existing group, as
 * the account's resource policies allow it logs:CreateLogStream and
 * logs:PutLogEvents there. GR_OK, or GR_ERR + *err (no such group, not
 * allowed, store failure). */
int logs_put_from_service(struct app *app, arena_t *a, str_t account, str_t region, str_t group, str_t stream,
                          str_t service, str_t source_arn, const logs_event_t *ev, size_t n, const char **err);

/* The registry's tick hook (group.c): deletes events past their group's
 * retention, a bounded batch at a time, on the ticker thread
 * (services/ticker.h). */
unsigned logs_tick(struct app *app);
struct req;
/* The registry's resource_tags hook (group.c): a log group's (or another
 * tagged resource's) tags by ARN, for aws:ResourceTag. */
int logs_resource_tags(struct req *r, str_t resource, const val_t **tags);

#endif
