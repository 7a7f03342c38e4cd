/* alarm.h — what the alarm files share (internal: cwa__*): alarm.c serves
 * the alarm operations, alarm_eval.c evaluates alarms on the ticker and
 * moves their state (history, actions, events), alarm_rule.c parses and
 * evaluates composite alarms' AlarmRule.
 *
 * An alarm is a row of the alarm table (schema/002_alarms.sql) whose config
 * is its Put*Alarm input as JSON; every state change goes through
 * cwa__transition, which records the history item, runs the actions of the
 * new state and re-evaluates the composite alarms that name the alarm. */
#ifndef GR_SERVICES_CLOUDWATCH_ALARM_H
#define GR_SERVICES_CLOUDWATCH_ALARM_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/val.h"

struct app;

/* "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME", in a. */
str_t cwa__arn(arena_t *a, str_t account, str_t region, str_t name);

/* Binds an alarm's key (account, region, name) as ?1, ?2, ?3: every
 * statement on the alarm tables names an alarm that way. */
void cwa__bind_key(sqlite3_stmt *st, str_t account, str_t region, str_t name);

/* AWS's time texts: "2026-11-28T12:00:05.123+0000" (StateReasonData,
 * notifications, events). out >= 32 bytes. */
void cwa__fmt_time(char *out, int64_t ms);
/* A double as Java prints it (AWS's reason texts and notifications: "5.0",
 * "6.046241709654764", "1.0E7"), appended to b. */
void cwa__put_num(buf_t *b, double d);

/* A number member of a stored config (JSON integers and fractions alike). */
double cwa__num(const val_t *obj, const char *key, double def);

/* Appends a history item in the caller's transaction (or on its own).
 * type: "StateUpdate", "ConfigurationUpdate" or "Action". */
int cwa__history(sqlite3 *db, str_t account, str_t region, str_t name, bool composite, const char *type, int64_t ts_ms,
                 str_t summary, str_t data);

/* Moves the alarm to state (ALARM, OK, INSUFFICIENT_DATA) with reason and
 * reason_data (JSON text, or STR_NULL), unless it is in that state already:
 * the StateUpdate history item, StateUpdatedTimestamp and
 * StateTransitionedTimestamp, then, outside the transaction, the new state's
 * actions when ActionsEnabled, the EventBridge "CloudWatch Alarm State
 * Change" event, and the composite alarms naming it evaluated again (depth
 * bounds that recursion: AWS lets composite rules form cycles). GR_OK when
 * the store did its part (actions that fail are recorded, not returned). */
int cwa__transition(struct app *app, arena_t *a, str_t account, str_t region, str_t name, const char *state,
                    str_t reason, str_t reason_data, int depth);

/* Evaluates the composite alarm (account, region, name) from its children's
 * present states and moves it (cwa__transition). */
int cwa__eval_composite(struct app *app, arena_t *a, str_t account, str_t region, str_t name, int depth);

/* Why the composite alarm `name` (of this config) has its actions
 * suppressed at now (ActionsSuppressedBy: "Alarm", "WaitPeriod",
 * "ExtensionPeriod"), or NULL. */
const char *cwa__suppressed_by(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, const val_t *config,
                               int64_t now);

/* ==== AlarmRule (alarm_rule.c) ==== */

/* A parsed AlarmRule. AWS: "ALARM(name)", "OK(name)",
 * "INSUFFICIENT_DATA(name)" (name or ARN, optionally double-quoted), TRUE,
 * FALSE, AND, OR, NOT and parentheses, at most 10240 characters. */
typedef struct cwa_rule cwa_rule_t;

/* Parses rule in a. NULL with *err (AWS's message or ours, in a) when it is
 * not valid. The alarms it names (names, not ARNs: an ARN of another
 * account or region is refused) are in *names, *nnames. */
cwa_rule_t *cwa__rule_parse(arena_t *a, str_t rule, str_t account, str_t region, str_t **names, size_t *nnames,
                            const char **err);

/* Whether rule holds when state(name, ctx) gives each named alarm's state
 * ("OK", "ALARM", "INSUFFICIENT_DATA"; NULL: no such alarm, which matches no
 * state function). */
bool cwa__rule_eval(const cwa_rule_t *rule, const char *(*state)(str_t name, void *ctx), void *ctx);

#endif
