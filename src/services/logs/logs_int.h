/* logs_int.h — what the CloudWatch Logs files share: the group record, small
 * SQLite helpers, retention and the filter-pattern matcher (filter.c).
 *
 * Groups are keyed by (account, region, name) with a row id that streams and
 * events hang off; events are read in (timestamp, row id) order everywhere,
 * and that pair is also what every token (f/…, b/…, nextToken) encodes. */
#ifndef GR_SERVICES_LOGS_LOGS_INT_H
#define GR_SERVICES_LOGS_LOGS_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"
#include "services/logs/logs.h"

struct app;

typedef struct {
    int64_t id;
    str_t name;
    int64_t created_ms;
    int64_t retention_days; /* 0: never expire */
} logs_group_t;

sqlite3 *logs__db(struct app *app);
int64_t logs__now_ms(void);
/* A listing's nextToken that is a number (a row offset or the last row id
 * returned) into *off, 0 without one; InvalidParameterException otherwise. */
int logs__offset_token(req_t *r, const val_t *in, long long *off);
/* One page of the caller's rows by name prefix: sql's ?1 is the account, ?2
 * the region, ?3 the prefix, ?4 its length, ?5 limit + 1 (the extra row says
 * there is more), ?6 the offset. NULL (logged) on failure. */
sqlite3_stmt *logs__page_stmt(req_t *r, sqlite3 *db, const char *sql, str_t prefix, int64_t limit, long long off);

/* Group names matching a ListLogGroups logGroupNamePattern ("^abc|def":
 * "Use ^ to match log group names by prefix. For a substring match, specify
 * the string to match. All matches are case sensitive. To match multiple
 * patterns, separate them with a |"): the pattern as a JSON array of its
 * alternatives (STR_NULL without one; the model's pattern keeps '"' and '\\'
 * out of it), bound to ?9 of LOGS_PATTERN_SQL, which tests group g.name. */
str_t logs__pattern_json(req_t *r, str_t pat);
#define LOGS_PATTERN_SQL                                                                                               \
    "(?9 IS NULL OR EXISTS (SELECT 1 FROM json_each(?9) p WHERE CASE WHEN substr(p.value, 1, 1) = '^' "                \
    "THEN substr(g.name, 1, length(p.value) - 1) = substr(p.value, 2) ELSE instr(g.name, p.value) > 0 END))"
/* A group's data source (AWS's custom sources: "Add tags to your log groups
 * using the keys cw:datasource:name and cw:datasource:type"), as SQL of
 * group g; and whether it is among the DataSourceFilters (a JSON array of
 * {name, type?}) bound to parameter N (NULL: every group). */
#define LOGS_SOURCE_NAME_SQL "(SELECT value FROM log_group_tag t WHERE t.gid = g.id AND t.key = 'cw:datasource:name')"
#define LOGS_SOURCE_TYPE_SQL "(SELECT value FROM log_group_tag t WHERE t.gid = g.id AND t.key = 'cw:datasource:type')"
#define LOGS_DATA_SOURCE_SQL(N)                                                                                        \
    "(?" N " IS NULL OR EXISTS (SELECT 1 FROM json_each(?" N                                                           \
    ") d WHERE json_extract(d.value, '$.name') = " LOGS_SOURCE_NAME_SQL                                                \
    " AND (json_extract(d.value, '$.type') IS NULL OR json_extract(d.value, '$.type') = " LOGS_SOURCE_TYPE_SQL ")))"

/* Loads a group; GR_ERR (without failing anything) when absent or on error. */
int logs__group(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, logs_group_t *g);
/* The group named by in.logGroupName or in.logGroupIdentifier (name or ARN),
 * failing r with ResourceNotFoundException when there is none. */
int logs__group_or_fail(req_t *r, sqlite3 *db, const val_t *in, logs_group_t *g);
/* Deletes the group's events older than its retention (AWS deletes them
 * within days; we do it whenever the group is read or written). */
int logs__expire(sqlite3 *db, const logs_group_t *g);
str_t logs__group_arn(req_t *r, str_t name, bool star);

/* Tags of a resource kept in table by id column col (group.c). */
typedef struct {
    const char *table, *col;
} logs_tags_t;
extern const logs_tags_t logs__group_tags, logs__destination_tags;
/* Adds or replaces tags (a map); TooManyTagsException past 50. */
int logs__put_tags(req_t *r, sqlite3 *db, const logs_tags_t *t, int64_t id, const val_t *tags);

/* ==== Destinations (destination.c) ==== */
/* The row id of the caller's destination an ARN names; ResourceNotFoundException when none. */
int logs__destination_by_arn_or_fail(req_t *r, sqlite3 *db, str_t arn, int64_t *id);
/* PutSubscriptionFilter to a destination ARN: GR_OK when it exists and its
 * access policy lets the caller's account subscribe, else r failed. */
int logs__destination_subscribe_ok(req_t *r, sqlite3 *db, str_t arn);
/* The target (a Kinesis stream ARN) of the destination an ARN names, or STR_NULL. */
str_t logs__destination_target(sqlite3 *db, arena_t *a, str_t arn);

/* ==== Filter patterns (filter.c) ==== */
typedef struct logs_filter logs_filter_t;
/* Compiles AWS's filter pattern syntax; NULL + *err for an invalid pattern.
 * An empty or blank pattern matches everything. */
logs_filter_t *logs__filter_compile(arena_t *a, str_t pattern, const char **err);
bool logs__filter_match(const logs_filter_t *f, arena_t *a, str_t message);
/* The values a space-delimited pattern's named fields take in a message it
 * matches, as a map "$name" → value (empty for the other forms). */
val_t *logs__filter_extract(const logs_filter_t *f, arena_t *a, str_t message);
/* What a metric filter's metricValue or dimension selector names in message
 * m: "$.a.b[0]" a JSON member's text (the message must be JSON), "$name" a
 * field of f's space-delimited pattern; anything else is itself (a literal
 * value). STR_NULL when the message has no such member or field. */
str_t logs__filter_value(const logs_filter_t *f, arena_t *a, str_t m, str_t selector);
/* Whether f is a JSON or space-delimited pattern, whose fields a metric
 * filter's dimensions can name. */
bool logs__filter_structured(const logs_filter_t *f);

/* ==== Metric and subscription filters (metric.c, subscription.c) ==== */
/* Put{Metric,Subscription}Filter's common checks, in this order: the group
 * (logs__group_or_fail, into *g), a valid in.filterPattern
 * (InvalidParameterException), and room in table (metric_filter,
 * subscription_filter) for in.filterName: LimitExceededException when the
 * group already has max filters and none of that name. The compiled
 * pattern goes into *f when f is not NULL. */
int logs__filter_put_or_fail(req_t *r, sqlite3 *db, const val_t *in, const char *table, int64_t max, logs_group_t *g,
                             logs_filter_t **f);
/* Delete{Metric,Subscription}Filter: the group's filter in.filterName goes;
 * ResourceNotFoundException with missing when there is none. */
int logs__filter_delete_or_fail(req_t *r, const val_t *in, const char *table, const char *missing);
/* Sends the events just stored in stream of group gid (ids[i] the row id of
 * event i) to the group's subscription filters they match: transformed[i]
 * as stored, original[i] as it arrived (NULL: no transformer changed them),
 * each filter reading the form it asked for (applyOnTransformedLogs). After
 * the commit, on the writer's thread; failures are logged, never returned. */
void logs__subscriptions_deliver(struct app *app, arena_t *a, str_t account, str_t region, int64_t gid, str_t group,
                                 str_t stream, const logs_event_t *transformed, const logs_event_t *original,
                                 const int64_t *ids, size_t n);

/* Publishes to CloudWatch what the n events just stored in group gid give
 * through the group's metric filters (transformed and original as for
 * logs__subscriptions_deliver). After the commit, on the writer's thread;
 * failures are logged, never returned. */
void logs__metric_filters_publish(struct app *app, arena_t *a, str_t account, str_t region, int64_t gid,
                                  const logs_event_t *transformed, const logs_event_t *original, size_t n);

/* Publishes to CloudWatch the metrics that events in the embedded metric
 * format carry (emf.c); other events are passed over. After the commit;
 * failures are logged, never returned. */
void logs__emf_publish(struct app *app, arena_t *a, str_t account, str_t region, const logs_event_t *ev, size_t n);

/* ==== Policy documents of a group or the account (account.c) ==== */
struct json;
typedef struct {
    str_t document;
    str_t name;         /* an account policy's name; STR_NULL for a group's own */
    int64_t updated_ms; /* last put */
    int64_t created_ms; /* first put (events ingested since then are governed by it) */
    bool account;       /* an account-level policy */
} logs_policy_t;
/* A group's own document of type (AWS's policyType: "FIELD_INDEX_POLICY",
 * "DATA_PROTECTION_POLICY", "TRANSFORMER_POLICY"): put (inserted or
 * replaced), got (1 found into *p, 0 none, -1 error) and deleted (rows
 * deleted, -1 on error). */
int logs__group_policy_put(sqlite3 *db, int64_t gid, const char *type, str_t doc, int64_t now);
int logs__group_policy_get(sqlite3 *db, arena_t *a, int64_t gid, const char *type, logs_policy_t *p);
int logs__group_policy_delete(sqlite3 *db, int64_t gid, const char *type);
/* The Put… operations: the group of in (into *g) gets doc as its document
 * of type (checked by logs__policy_document_ok), put at *now. */
int logs__group_policy_put_or_fail(req_t *r, const val_t *in, const char *type, str_t doc, logs_group_t *g,
                                   int64_t *now);
/* The Delete… operations: the group of in loses its document of type;
 * ResourceNotFoundException with missing when it has none. */
int logs__group_policy_delete_or_fail(req_t *r, const val_t *in, const char *type, const char *missing);
/* The document of type that governs group g: its own, else the account
 * policy whose selection criteria fit it best. 1 into *p, 0 none, -1 error. */
int logs__policy_effective(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g,
                           const char *type, logs_policy_t *p);
/* The account's policy of type whose selection criteria fit group g best
 * (1 into *p, 0 none, -1 error). */
int logs__account_policy_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g,
                             const char *type, logs_policy_t *p);
/* A document of type is JSON and well formed for its type, or r failed
 * (InvalidParameterException). Each type's own check: */
int logs__policy_document_ok(req_t *r, str_t type, str_t doc);
int logs__index_document_ok(req_t *r, const struct json *doc);       /* index.c */
int logs__data_protection_ok(req_t *r, const struct json *doc);      /* protect.c */
int logs__transformer_document_ok(req_t *r, const struct json *doc); /* transform.c */
int logs__subscription_policy_ok(req_t *r, const struct json *doc);  /* subscription.c */

/* ==== Scheduled queries (scheduled.c) ==== */
/* Runs the enabled scheduled queries that are due (the ticker, through
 * logs_tick); failures are recorded in their history or logged. */
void logs__scheduled_tick(struct app *app);

/* ==== Lookup tables (lookup.c) ==== */
#define LOGS_LOOKUP_MAX_FIELDS 64
typedef struct {
    str_t *fields; /* the header's */
    size_t nfields;
    str_t **rows; /* each LOGS_LOOKUP_MAX_FIELDS long, "" past the line's own */
    size_t nrows;
} logs_lookup_t;
/* The lookup table name of account and region, parsed: 1, 0 when there is
 * none, -1 on error. */
int logs__lookup_load(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, logs_lookup_t *t);
/* The index of a table's field, or -1. */
int logs__lookup_field(const logs_lookup_t *t, str_t name);

/* ==== Ingestion: data protection (protect.c) and transformers (transform.c) ==== */
typedef struct logs_mask logs_mask_t;
/* The identifiers that govern group g's ingestion (its own data protection
 * policy and the account's, cumulative); NULL when none (or on error). */
logs_mask_t *logs__mask_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g);
/* msg with every detected identifier replaced by asterisks (same length),
 * or STR_NULL when nothing in it is sensitive; *finding (when given) the
 * audit findings report of the event (group resource_arn), or STR_NULL. */
str_t logs__mask(const logs_mask_t *m, arena_t *a, str_t msg, str_t resource_arn, str_t *finding);
/* The log group policy i (0 the group's, 1 the account's) sends audit
 * findings to, or STR_NULL. */
str_t logs__mask_audit_group(const logs_mask_t *m, size_t i);
/* Whether a read shows unmasked events: 1 when in.unmask and the caller may
 * logs:Unmask the group, 0 when not asked, -1 when refused (r failed). */
int logs__unmask_or_fail(req_t *r, const val_t *in, str_t group);
/* The column a read selects for an event's text: the masked one unless the
 * statement's parameter N (logs__unmask_or_fail's answer) is 1. */
#define LOGS_MESSAGE_SQL(N) "CASE WHEN ?" N " = 1 THEN message ELSE coalesce(masked, message) END"

typedef struct logs_transformer logs_transformer_t;
/* The transformer that governs group g (its own, else the account's
 * TRANSFORMER_POLICY that selects it); NULL when none. */
logs_transformer_t *logs__transformer_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g);
/* The event message after the transformer's processors, or msg itself when
 * the first parser does not apply to it. */
str_t logs__transform(const logs_transformer_t *t, arena_t *a, str_t msg);
/* dateTimeConverter (datetime.c): whether a Java DateTimeFormatter pattern
 * uses only the letters gureum reads and writes; a time zone (UTC, or a
 * fixed offset) as seconds east of UTC (false for a named zone); and the
 * text converted as cfg says (STR_NULL when no pattern reads it). */
bool logs__datetime_pattern_ok(str_t pat);
bool logs__timezone_offset(str_t tz, int *off_s);
str_t logs__datetime_convert(arena_t *a, const val_t *cfg, str_t text);

/* What ingestion does to a batch about to be stored in a group. */
typedef struct {
    str_t *masked;          /* each event's masked text (STR_NULL: nothing masked); NULL: no data protection */
    logs_event_t *original; /* the events as they arrived (masked too), when a transformer changed them; else NULL */
    logs_event_t *findings; /* audit findings reports, one per event with sensitive data */
    size_t nfindings;
    str_t audit[2]; /* the groups the findings go to (STR_NULL: none) */
} logs_ingest_t;
/* Rewrites ev[i].message by the group's transformer and fills *out from its
 * data protection policies (transform.c). */
void logs__ingest_prepare(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g, logs_event_t *ev,
                          size_t n, logs_ingest_t *out);
/* After the batch is committed: writes the findings to their groups. */
void logs__ingest_audit(struct app *app, str_t account, str_t region, const logs_ingest_t *in);

/* ==== Log anomaly detection (anomaly.c) ==== */
/* The anomaly detectors watching group see the n events just stored in it
 * (masked[i] the text data protection left of event i, STR_NULL or masked
 * NULL: none), inside the writer's transaction. GR_ERR on a store failure. */
int logs__anomaly_observe(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t group, const logs_event_t *ev,
                          const str_t *masked, size_t n);

#endif
