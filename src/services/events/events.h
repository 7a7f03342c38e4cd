/* events.h — EventBridge's hooks for the service registry (public: events_*):
 * the scheduler thread that fires schedule rules while the server runs is
 * started after start-up and joined before the store closes; and the call
 * through which another service (S3) puts its own events on a default bus;
 * its schedule expressions. */
#ifndef GR_SERVICES_EVENTS_EVENTS_H
#define GR_SERVICES_EVENTS_EVENTS_H

#include <stddef.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"

struct app;
int events_start(struct app *app); /* GR_OK, or GR_ERR if the thread cannot start */
struct req;
/* The registry's resource_tags hook (bus.c): a bus's or rule's tags by its
 * ARN, for aws:ResourceTag. */
int events_resource_tags(struct req *r, str_t resource, const val_t **tags);
void events_stop(struct app *app);

/* Puts an event from an AWS service (source "aws.s3", ...) on the account's
 * default bus in region and delivers it to the targets of the rules it
 * matches, on the caller's thread. detail is the event's "detail" object; the
 * envelope (id, time, account, ...) is built here. Delivery failures are
 * handled as for PutEvents (dead-letter queue or log), never returned. */
void events_put_service_event(struct app *app, arena_t *a, str_t account, str_t region, str_t source, str_t dtype,
                              const str_t *resources, size_t nres, const json_t *detail);

/* EventBridge's schedule expressions, which CloudWatch Logs' scheduled
 * queries share: whether expr is a valid rate(...) or cron(...) (cron in
 * UTC), and its first firing after after_ms (rate: counted from base_ms),
 * or -1. */
bool events_schedule_valid(str_t expr);
int64_t events_schedule_next(str_t expr, int64_t base_ms, int64_t after_ms);

/* EventBridge's event-pattern language, which Lambda's event filters share
 * (FilterCriteria): parses and checks a pattern (NULL, or AWS's reason it
 * is invalid, in a), and matches a parsed pattern against a JSON document. */
const char *events_pattern_parse(arena_t *a, str_t pattern, const json_t **out);
bool events_pattern_matches(const json_t *pattern, const json_t *doc);

#endif
