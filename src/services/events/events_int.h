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
int64_t events__now_ms(void);

/* The bus name from EventBusName (a name, or an ARN of the caller's account and
 * region; another's ARN comes back whole, naming no bus), "default" when absent. */
str_t events__bus_name(req_t *r, str_t name_or_arn);
/* Whether the bus exists in the caller's account and region (default always). */
bool events__bus_exists(sqlite3 *db, str_t account, str_t region, str_t bus);
str_t events__rule_arn(arena_t *a, str_t account, str_t region, str_t bus, str_t rule);
/* A bus's ARN, "arn:aws:events:REGION:ACCOUNT:event-bus/NAME", and back: the
 * NAME after ":event-bus/" in an ARN, STR_NULL when there is none. */
str_t events__bus_arn(arena_t *a, str_t account, str_t region, str_t bus);
str_t events__arn_bus(str_t arn);
/* Whether bus of account owner (the caller's region) has a policy that lets
 * the caller put events on it (bus.c). */
bool events__bus_allows_put(req_t *r, sqlite3 *db, str_t owner, str_t bus);
/* Adds or replaces the tags (a list of Key/Value, no Value "") of arn; a
 * failed insert is skipped. GR_ERR only when the statement cannot be made. */
int events__put_tags(sqlite3 *db, str_t arn, const val_t *tags);
/* A List* page: Limit (default 100) and NextToken, which is our row offset;
 * fails r with ValidationException for a token we did not give. */
int events__page_or_fail(req_t *r, const val_t *in, long long *off, int64_t *limit);

/* ==== Event patterns (pattern.c) ==== */
/* Checks a pattern as AWS does; NULL, or the reason it is invalid (arena). */
const char *events__pattern_check(arena_t *a, str_t pattern, const json_t **out);
bool events__pattern_match(const json_t *pattern, const json_t *event);

/* ==== Schedules (schedule.c) ==== */
/* events_schedule_valid, events_schedule_next: events.h */

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

/* ==== Global endpoints (endpoint.c) ==== */
typedef struct {
    str_t name, region, account, endpoint_id, description, health_check, secondary, replication;
    str_t bus_arns; /* JSON array of the two buses' ARNs */
    str_t role_arn;
    int64_t created_ms, modified_ms;
} events_endpoint_t;
/* GR_OK with *e (in a) for account's endpoint of that EndpointId, else GR_ERR. */
int events__endpoint_by_id(sqlite3 *db, arena_t *a, str_t account, str_t id, events_endpoint_t *e);
/* Whether an entry's EventBusName (STR_NULL: the default bus) names e's bus. */
bool events__endpoint_bus_ok(arena_t *a, const events_endpoint_t *e, str_t name_or_arn);
/* Puts an event sent to endpoint e on its primary bus and, when replication
 * is enabled, on its secondary one (each as events__route does). */
void events__endpoint_put(struct app *app, arena_t *a, const events_endpoint_t *e, str_t event_text,
                          const json_t *event);

/* ==== Partner event sources (partner.c) ==== */
/* A partner bus name made in account: its source becomes ACTIVE; GR_ERR when
 * account has no such source (or it is deleted). */
int events__source_bind(sqlite3 *db, str_t account, str_t region, str_t name);
/* The partner bus name of account is deleted: its ACTIVE source is PENDING again. */
int events__source_unbind(sqlite3 *db, str_t account, str_t region, str_t name);
/* The accounts for which partner's source name is ACTIVE (*accounts in a);
 * GR_ERR when partner has no such source. */
int events__source_receivers(sqlite3 *db, arena_t *a, str_t partner, str_t region, str_t name, str_t **accounts,
                             size_t *n);

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

/* ==== Connections and API destinations (connection.c) ==== */
typedef struct {
    str_t name, arn, secret_arn, description, auth_type, state, state_reason, account, region;
    str_t kms_key; /* KmsKeyIdentifier; STR_NULL: an AWS owned key */
    str_t auth;    /* AuthParameters as JSON, secrets included */
    str_t token;   /* OAuth: the access token, valid until token_exp_ms */
    int64_t created_ms, modified_ms, authorized_ms, token_exp_ms;
} events_conn_t;
typedef struct {
    str_t name, arn, description, conn_arn, endpoint, method;
    int64_t rate, created_ms, modified_ms;
} events_dest_t;
/* GR_OK with *c (*d) in arena a, or GR_ERR when no such ARN. */
int events__conn_load(sqlite3 *db, arena_t *a, str_t arn, events_conn_t *c);
int events__dest_load(sqlite3 *db, arena_t *a, str_t arn, events_dest_t *d);
/* Records an OAuth authorization: AUTHORIZED with the token, or DEAUTHORIZED
 * with reason; ok without a token forgets the token (the endpoint refused it). */
void events__conn_authorized(sqlite3 *db, str_t arn, bool ok, str_t reason, str_t token, int64_t exp_ms);

/* ==== Invoking API destinations (invoke.c) ==== */
/* Whether host (a name or address, [v6] in brackets) is loopback: 127.0.0.0/8, ::1, localhost. */
bool events__loopback_host(str_t host);
/* Queues body for API destination dest_arn, as target HttpParameters
 * http_params (JSON or STR_NULL) of rule_arn says; sent by the invoker
 * threads with the connection's authorization, at the destination's rate,
 * retried per the target's RetryPolicy (retry_max < 0, age_s < 0: AWS's
 * defaults) and, when it finally fails, sent to dlq_arn. Never blocks. */
void events__api_invoke(struct app *app, str_t dest_arn, str_t body, str_t http_params, str_t rule_arn, str_t dlq_arn,
                        int64_t retry_max, int64_t age_s);
/* Asks the OAuth connection's token endpoint for a token now (invoker thread). */
void events__conn_authorize(struct app *app, str_t conn_arn);
int events__invoke_start(struct app *app);
void events__invoke_stop(void);

/* ==== Dead letters (put.c) ==== */
/* Sends body to dead-letter queue dlq (if any, and it allows EventBridge)
 * with AWS's RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE attributes;
 * logs the failure otherwise. */
void events__dead_letter(struct app *app, arena_t *a, str_t dlq, str_t body, str_t rule_arn, str_t target_arn,
                         const char *code, const char *msg);

#endif
