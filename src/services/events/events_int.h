/* events_int.h — what the EventBridge files share: database helpers, the
 * event pattern language (pattern.c), schedule expressions and the scheduler
 * (schedule.c), and delivery of one event to a rule's targets (put.c).
 *
 * A rule is (account, region, bus, name); the default bus exists without a
 * row. Delivery is the same for PutEvents and for schedules: build the event
 * JSON, match it, shape each target's input, hand it to SQS / SNS / Lambda
 * through their public C interfaces. Callable from any thread. */
#ifndef GR_SERVICES_EVENTS_EVENTS_INT_H
#define GR_SERVICES_EVENTS_EVENTS_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/json.h"
#include "core/req.h"
#include "services/events/events.h"

struct app;

sqlite3 *events__db(struct app *app);
sqlite3_stmt *events__prep(sqlite3 *db, const char *sql); /* NULL (logged) on failure */
void events__bind(sqlite3_stmt *st, int i, str_t s);      /* NULL for STR_NULL */
str_t events__col(arena_t *a, sqlite3_stmt *st, int col); /* STR_NULL for NULL */
int64_t events__now_ms(void);

/* The bus name from EventBusName (a name, or an ARN of the caller's account and
 * region; another's ARN comes back whole, naming no bus), "default" when absent. */
str_t events__bus_name(req_t *r, str_t name_or_arn);
/* Whether the bus exists in the caller's account and region (default always). */
bool events__bus_exists(sqlite3 *db, str_t account, str_t region, str_t bus);
str_t events__rule_arn(arena_t *a, str_t account, str_t region, str_t bus, str_t rule);
/* Whether bus of account owner (the caller's region) has a policy that lets
 * the caller put events on it (bus.c). */
bool events__bus_allows_put(req_t *r, sqlite3 *db, str_t owner, str_t bus);
/* A List* page: Limit (default 100) and NextToken, which is our row offset;
 * fails r with ValidationException for a token we did not give. */
int events__page_or_fail(req_t *r, const val_t *in, long long *off, int64_t *limit);

/* ==== Event patterns (pattern.c) ==== */
/* Checks a pattern as AWS does; NULL, or the reason it is invalid (arena). */
const char *events__pattern_check(arena_t *a, str_t pattern, const json_t **out);
bool events__pattern_match(const json_t *pattern, const json_t *event);

/* ==== Schedules (schedule.c) ==== */
/* Whether expr is a valid rate(...) or cron(...) expression. */
bool events__schedule_valid(str_t expr);
/* The first firing time after after_ms (rate: counted from base_ms), or -1. */
int64_t events__schedule_next(str_t expr, int64_t base_ms, int64_t after_ms);

/* ==== Delivery (put.c) ==== */
/* The event as a rule sees it and a target receives it (AWS: "Amazon
 * EventBridge events", the top-level fields) in arena a, at t_us (to the
 * second), with a new id written to id. */
str_t events__envelope(arena_t *a, str_t account, str_t region, str_t source, str_t dtype, const str_t *resources,
                       size_t nres, const json_t *detail, int64_t t_us, char id[37]);
/* Matches event (its JSON text and parsed tree) against the enabled pattern
 * rules of bus and delivers it to their targets. */
void events__route(struct app *app, arena_t *a, str_t account, str_t region, str_t bus, str_t event_text,
                   const json_t *event);
/* As events__route, but only to the rules whose ARNs only_rules (a JSON
 * array) lists, when it is not NULL (a replay's Destination.FilterArns). */
void events__route_only(struct app *app, arena_t *a, str_t account, str_t region, str_t bus, str_t event_text,
                        const json_t *event, const json_t *only_rules);
/* Delivers event to every target of rule rule_id (schedules and routing). */
void events__deliver_rule(struct app *app, arena_t *a, int64_t rule_id, str_t account, str_t region, str_t bus,
                          str_t rule_name, str_t event_text, const json_t *event);

/* ==== Archives and replays (archive.c) ==== */
/* The ARN of an archive rule's target, "arn:aws:events:REGION:::". */
str_t events__archive_target(arena_t *a, str_t region);
/* Stores event in the archive whose managed rule is rule_id. */
void events__archive_store(struct app *app, arena_t *a, int64_t rule_id, str_t event_text, const json_t *event);
/* Runs the replays waiting to start and expires archived events past their
 * archive's retention (the scheduler thread). */
void events__replay_tick(struct app *app);
/* Wakes the scheduler thread now (a replay was started). */
void events__scheduler_wake(void);

#endif
