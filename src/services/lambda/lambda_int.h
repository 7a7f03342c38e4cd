/* lambda_int.h — what the Lambda service's files share (internal: lambda__).
 *
 * A function is one row of lambda_function ($LATEST); its code is a zip kept
 * by content hash under DATA/lambda/code/<sha256 hex>.zip and extracted
 * beside it (code.c). Invocations go to the runtime layer (src/runtime/rt.h)
 * with a spec built here (exec.c): the process, AWS's environment variables,
 * the role's temporary credentials. Results come back on the runtime thread,
 * where invoke.c answers the suspended request or retries an async event. */
#ifndef GR_SERVICES_LAMBDA_INT_H
#define GR_SERVICES_LAMBDA_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/json.h"
#include "core/req.h"
#include "runtime/rt.h"
#include "services/app.h"

typedef struct {
    str_t account, region, name;
    str_t runtime, handler, role, description;
    int64_t memory_mb, timeout_s, code_size, last_modified, ephemeral_mb;
    str_t code_sha256, code_id; /* base64 digest (AWS's CodeSha256), hex digest (our file name) */
    str_t env_json;             /* {"K":"V"} or empty */
    str_t revision;
    str_t policy;     /* resource policy JSON or empty */
    str_t tags_json;  /* {"k":"v"} or empty */
    int64_t reserved; /* reserved concurrency, -1 when unset */
    str_t dlq_arn;
    str_t version;     /* "$LATEST" or a published version number */
    str_t layers;      /* JSON [{"Arn","CodeSize","CodeId"}] or empty */
    str_t logging;     /* LoggingConfig as set (JSON) or empty: see lambda__logging */
    str_t qualifier;   /* the version or alias loaded (whose policy is f->policy), empty for $LATEST */
    bool named_latest; /* loaded as "$LATEST": AWS then answers FunctionArn with ":$LATEST" */
} lambda__fn_t;

sqlite3 *lambda__db(app_t *app);
/* The configuration columns lambda_function ($LATEST) and lambda_version
 * (a published version) share, in the order lambda__read_config reads
 * them from a row's columns 1..16 (column 0 being the name or version). */
#define LAMBDA__CONFIG_COLS                                                                                            \
    "runtime, handler, role, memory_mb, timeout_s, code_sha256, code_size, last_modified, description, env_json, "     \
    "code_id, revision, policy, dlq_arn, ephemeral_mb, logging"
void lambda__read_config(arena_t *a, sqlite3_stmt *st, lambda__fn_t *f);
/* Loads account/region/name into f (strings in a). 1 found, 0 absent, -1 error. */
int lambda__load(app_t *app, arena_t *a, str_t account, str_t region, str_t name, lambda__fn_t *f);
/* The same for a qualifier: a version number or an alias (weighted choice
 * of its versions) replaces the configuration with that version's. */
int lambda__load_q(app_t *app, arena_t *a, str_t account, str_t region, str_t name, str_t qualifier, lambda__fn_t *f);
/* Publishes $LATEST f as the next version (or, unchanged since the last
 * one, answers that again): f becomes the version's configuration. desc,
 * when given, replaces the description. PublishVersion and the Publish
 * flag of CreateFunction and UpdateFunctionCode (version.c). */
int lambda__publish(req_t *r, lambda__fn_t *f, str_t desc);
/* Stores policy (JSON or empty) as the resource policy of what f was loaded
 * as: the function, or its f->qualifier version or alias (version.c). */
int lambda__set_policy(req_t *r, const lambda__fn_t *f, str_t policy);
/* Appends the configuration of each published version of f to list, oldest
 * first (ListVersionsByFunction, ListFunctions with FunctionVersion ALL). */
int lambda__push_versions(app_t *app, arena_t *a, const lambda__fn_t *f, val_t *list);
/* DeleteFunction's cleanup of versions and aliases (version.c). */
int lambda__delete_versions(app_t *app, const lambda__fn_t *f, bool one);
/* FunctionName as given (name, partial or full ARN, with :qualifier) → name
 * and qualifier (STR_NULL when none); false when malformed. */
bool lambda__parse_name(str_t in, str_t *name, str_t *qualifier, str_t *account, str_t *region);
str_t lambda__arn(arena_t *a, str_t region, str_t account, str_t name);
/* f's LoggingConfig (advanced logging controls) in effect: the CloudWatch
 * Logs group its output goes to (the one named, else /aws/lambda/NAME),
 * whether it logs JSON, and the application and system log levels (INFO
 * unless set; they apply with JSON only). Strings live in a. */
typedef struct {
    str_t group, app_level, sys_level;
    bool json;
} lambda__log_t;
lambda__log_t lambda__logging(arena_t *a, const lambda__fn_t *f);
/* The FunctionConfiguration value of f. */
val_t *lambda__config_value(arena_t *a, const lambda__fn_t *f);
/* AWS's PreconditionFailedException when in's RevisionId is given and is not
 * current; get_api names the call that reads the current one
 * ("GetFunction/GetAlias", "GetLayerPolicy"). */
int lambda__revision_or_fail(req_t *r, const val_t *in, str_t current, const char *get_api);
/* Loads the function named by in.FunctionName for r, failing r with
 * ResourceNotFoundException ("Function not found: ARN") when absent. */
int lambda__load_or_fail(req_t *r, str_t fname, lambda__fn_t *f);

/* Whether f's resource policy lets a service principal ("sns.amazonaws.com")
 * invoke it with aws:SourceArn = source_arn. */
bool lambda__policy_allows(arena_t *a, const lambda__fn_t *f, str_t principal, str_t source_arn);

/* AWS's string times: 2019-01-01T00:00:00.000+0000 for ms since the epoch. */
val_t *lambda__time_value(arena_t *a, int64_t ms);
/* Loads what in's FunctionName and Qualifier name, a missing alias worded
 * "Cannot find alias arn: …" (the policy and provisioned concurrency
 * operations), a missing function or version "Function not found: …". */
int lambda__load_target_or_fail(req_t *r, const val_t *in, lambda__fn_t *f);

/* Prepares sql on this thread's connection with ?1 and ?2 bound to account
 * and region and, when name is given (not STR_NULL), ?3 to name: the key
 * of every Lambda table. GR_ERR when the store fails. */
int lambda__prepare(app_t *app, const char *sql, str_t account, str_t region, str_t name, sqlite3_stmt **st);
/* Prepares sql with ?1..?3 bound to f's account, region and name. */
int lambda__fn_prepare(req_t *r, const lambda__fn_t *f, const char *sql, sqlite3_stmt **st);
/* SQL text binding (STR_NULL as "", copied) and a text column read into the
 * arena ("" for NULL), for every Lambda table. */
void lambda__bind_s(sqlite3_stmt *st, int i, str_t s);
str_t lambda__col(arena_t *a, sqlite3_stmt *st, int i);
/* A list of strings as a JSON array ("" for none) and back (an empty list
 * for ""), for the list settings kept as text. */
str_t lambda__list_json(arena_t *a, const val_t *l);
val_t *lambda__json_list(arena_t *a, str_t text);
/* A map of strings (tags, variables) as a JSON object. */
str_t lambda__map_json(arena_t *a, const val_t *m);
/* An event source mapping's tags (a JSON object, "" for none) by UUID in the
 * caller's account, ResourceNotFoundException when there is none; and their
 * replacement. */
int lambda__esm_tags(req_t *r, str_t uuid, str_t *tags);
int lambda__esm_set_tags(req_t *r, str_t uuid, str_t tags);
/* Steps st, a statement that answers no rows (an INSERT, UPDATE or DELETE),
 * and releases it: GR_OK when it ran to its end. */
int lambda__step_done(sqlite3_stmt *st);
/* Runs such a statement prepared as lambda__fn_prepare prepares it. */
int lambda__fn_exec(req_t *r, const lambda__fn_t *f, const char *sql);
/* One page of a List operation: the rows of st (the query asks for one more
 * than limit) as out's list `member`, each made by item; when there are
 * more, the last answered row's first column as NextMarker (AWS's markers
 * are opaque). Releases st. */
typedef val_t *(*lambda__item_fn)(req_t *r, sqlite3_stmt *st, void *ctx);
int lambda__page(req_t *r, sqlite3_stmt *st, int64_t limit, val_t *out, const char *member, lambda__item_fn item,
                 void *ctx);

/* ==== Concurrency (function.c, provisioned.c) ==== */
/* AWS: an account's concurrency in a region, and the part of it that no
 * reservation may take. */
#define LAMBDA__ACCOUNT_CONCURRENCY 1000
#define LAMBDA__UNRESERVED_MIN 100
/* The concurrency the functions of r's account and region but `except`
 * take from the unreserved pool (reserved, else provisioned); -1 on error. */
int64_t lambda__committed_by_others(req_t *r, str_t except);
/* The provisioned concurrency of f's versions and aliases, but the
 * `except` qualifier's (STR_NULL: all); -1 on error. */
int64_t lambda__provisioned_total(req_t *r, const lambda__fn_t *f, str_t except);
/* Drops the provisioned concurrency configuration and runtime management
 * of a version or alias (qualifier), or with qualifier STR_NULL every one of
 * the function, its code signing link and its recursive loop setting:
 * DeleteFunction, DeleteAlias. */
int lambda__forget(app_t *app, str_t account, str_t region, str_t name, str_t qualifier);

/* ==== Code signing (signing.c) ==== */
/* Whether a deployment to function `name` may go ahead under its code
 * signing configuration — csc_arn when given (CreateFunction), else the
 * one the function uses: its new code (code) or the layers it adds. No
 * code or layer is signed here (gureum has no AWS Signer), so Enforce
 * refuses and Warn logs a warning. GR_OK, or r failed. */
int lambda__deploy_check(req_t *r, str_t name, str_t csc_arn, bool code, const val_t *layers);
/* Records that function `name` uses configuration csc_arn (CreateFunction). */
int lambda__link_csc(req_t *r, str_t name, str_t csc_arn);

/* ==== Policy documents (function.c) ==== */
/* The statements of policy (JSON or empty) but the one with Sid sid, as
 * JSON texts joined by commas (arena a); *found whether sid was there,
 * *kept how many remain. */
str_t lambda__policy_without(arena_t *a, str_t policy, str_t sid, bool *found, size_t *kept);
/* AWS's document {"Version","Id":"default","Statement":[others, stmt]}, or
 * empty when it would have no statement. */
str_t lambda__policy_doc(arena_t *a, str_t others, size_t kept, str_t stmt);
/* AWS's ResourceConflictException for a StatementId already in a policy. */
int lambda__sid_taken_fail(req_t *r, str_t sid);

/* ==== Code (code.c) ==== */
/* Stores zip bytes (deduplicated by hash) and extracts them; fills
 * f->code_sha256, code_id, code_size. Fails r with AWS's messages. */
int lambda__store_code(req_t *r, str_t zip, lambda__fn_t *f);
/* The zip of a Code or Content member (or UpdateFunctionCode's input):
 * ZipFile, or S3Bucket/S3Key read through S3's public call. Fails r with
 * AWS's messages. */
int lambda__code_bytes(req_t *r, const val_t *src, str_t *zip);
/* The host directory of the extracted code (arena string). */
const char *lambda__code_dir(app_t *app, arena_t *a, str_t code_id);
const char *lambda__code_zip(app_t *app, arena_t *a, str_t code_id);
const char *lambda__layers_dir(app_t *app, arena_t *a, const str_t *ids, size_t n);
/* Function's Layers input (ARNs) → f->layers, each checked to exist (layer.c). */
int lambda__resolve_layers(req_t *r, const val_t *arns, lambda__fn_t *f);

/* ==== Execution (exec.c) ==== */
bool lambda__runtime_supported(str_t runtime);
bool lambda__runtime_deprecated(str_t runtime);
/* The runtime spec for f (env, argv, limits) in arena a. */
int lambda__spec(app_t *app, arena_t *a, const lambda__fn_t *f, rt_spec_t *spec);
/* The retired-key prefix of a function ("account/region/name/"). */
const char *lambda__key_prefix(arena_t *a, str_t account, str_t region, str_t name);

/* ==== Invocation (invoke.c) ==== */
/* Set by lambda_stop: results arriving from now on only free their contexts
 * (no logs, retries or dead letters: the store is closing). */
extern _Atomic bool lambda__stopping;
/* Writes the queued logs and ends the log writer thread (lambda_stop). */
void lambda__logs_stop(void);
/* A call in flight, as what outlives the request or poll that started it
 * keeps it (invoke.c's RequestResponse and Event calls, esm.c's and
 * esm_stream.c's batches): the invocation's request id, and the
 * function's key and limits for its log lines. */
typedef struct {
    app_t *app;
    char request_id[37];           /* set by the caller */
    char *account, *region, *name; /* malloc'd */
    char qualifier[130];           /* the version or alias invoked, "" for $LATEST unqualified (metrics' Resource) */
    char executed[24];             /* the version an alias ran ("" when not invoked through an alias) */
    int64_t memory_mb, timeout_s;
    char *log_group;   /* malloc'd: LoggingConfig's group */
    bool log_json;     /* LogFormat JSON: the platform lines are JSON records */
    bool log_platform; /* SystemLogLevel lets the INFO platform lines through */
} lambda__call_t;
/* One observation of an AWS/Lambda metric of c's function: for the
 * account, the function, and its version or alias (Resource, and
 * ExecutedVersion when an alias ran a version); keep: a sampled value
 * (durations, ages). Counted in memory (services/pubmetrics.h). */
void lambda__metric(const lambda__call_t *c, const char *metric, const char *unit, double value, bool keep);
/* rt_invoke for a call whose result outcome_of (invoke.c) reads, as every
 * call's does: counted among the running calls (ConcurrentExecutions) until
 * then. */
int lambda__run(const rt_spec_t *spec, const rt_call_t *call, rt_done_fn done, void *ud);
/* Copies app and f's key and limits into c. GR_ERR when out of memory;
 * either way lambda__call_free releases c. */
int lambda__call_init(lambda__call_t *c, app_t *app, const lambda__fn_t *f);
void lambda__call_free(lambda__call_t *c);
/* Writes the log lines of c, a finished call made outside a request
 * (event source mappings). Runtime thread. */
void lambda__note_result(const lambda__call_t *c, const rt_result_t *res);

/* What a synchronous call made for a request other than Invoke answers:
 * called on r's loop with the function's payload (its error document when
 * fn_error); it must finish r's response and send it (dispatch_answer). */
typedef void (*lambda__answer_fn)(req_t *r, bool fn_error, str_t payload);
/* A piece of the response a streaming function writes, on r's loop, with
 * the Content-Type it gave, as it arrives (a RESPONSE_STREAM function URL). */
typedef void (*lambda__piece_fn)(req_t *r, str_t content_type, str_t piece);
/* Runs f with payload for r as a RequestResponse invoke, r's id as the
 * invocation's request id, and suspends r: GR_AGAIN, then piece for each
 * piece it streams (when piece is given) and answer at the end (the payload
 * is then empty if it streamed). GR_ERR when the call could not be started
 * (r not suspended). Function URLs. */
int lambda__invoke_sync(req_t *r, const lambda__fn_t *f, str_t payload, lambda__answer_fn answer,
                        lambda__piece_fn piece);

/* ==== Function URLs (url.c) ==== */
/* Deletes the URL of a function's alias (qualifier), or with qualifier
 * STR_NULL every URL of the function: DeleteFunction, DeleteAlias. */
int lambda__delete_urls(app_t *app, str_t account, str_t region, str_t name, str_t qualifier);

/* ==== Asynchronous invocation settings and destinations (destination.c) ==== */
typedef struct {
    bool set;
    int retries;       /* MaximumRetryAttempts, 0..2 (AWS default 2) */
    int64_t max_age_s; /* MaximumEventAgeInSeconds (default 6 h) */
    str_t on_success, on_failure;
    int64_t modified_ms;
} lambda__eic_t;
int lambda__eic(app_t *app, arena_t *a, const lambda__fn_t *f, lambda__eic_t *e);
typedef struct {
    const char *request_id, *function_arn, *condition, *version;
    int invoke_count;
    const char *request, *response;
    size_t request_len, response_len;
    bool function_error;
} lambda__record_t;
/* Writes the "requestContext" member that AWS's invocation records and
 * stream mappings' failed-batch records share. */
void lambda__request_context(json_w_t *w, const char *request_id, const char *function_arn, const char *condition,
                             int invoke_count);
/* Sends an invocation record to an SQS queue, SNS topic or function. Any thread. */
void lambda__destination_send(app_t *app, str_t dest, const lambda__record_t *rec);
/* Sends body (a JSON record) to the destination dest; a failure is logged
 * (naming function_arn), never returned. Any thread. */
void lambda__destination_deliver(app_t *app, arena_t *a, str_t dest, str_t body, const char *function_arn);

/* ==== Event source mappings (esm.c, esm_stream.c) ==== */
/* A mapping of a DynamoDB stream or a Kinesis stream, as stored. */
typedef struct {
    const char *uuid;
    str_t account, region, function_name, source_arn;
    bool kinesis; /* else a DynamoDB stream */
    int64_t batch_size, window_s;
    bool partial, bisect;
    int64_t start_after;          /* the position reading starts after (StartingPosition, resolved at creation) */
    int64_t max_retries, max_age; /* -1: unlimited */
    str_t on_failure;             /* destination ARN or empty */
    str_t filters;                /* JSON array of pattern texts, or empty */
} lambda__esm_t;
/* The poller's step for stream mapping m (esm_stream.c): reads the next
 * batch of a shard and starts its invocation. true when a batch is in
 * flight; lambda__esm_idle(m->uuid) is then called when it is done. */
bool lambda__esm_stream_step(app_t *app, arena_t *a, const lambda__esm_t *m);
/* Whether a record (doc, JSON) passes a mapping's filters (a JSON array of
 * pattern texts; empty: every record does), as AWS's FilterCriteria: any
 * filter matching is enough (esm_stream.c). */
bool lambda__esm_passes(arena_t *a, str_t filters, str_t doc);
/* Marks mapping uuid as having no batch in flight (any thread). */
void lambda__esm_idle(const char *uuid);
/* Invokes f as call c (its app and request id) with AWS's event of a batch
 * of records (JSON texts) (runtime thread: done(res, ud) when it ends).
 * GR_ERR when it could not start (done is not called). */
int lambda__esm_invoke(arena_t *a, const lambda__fn_t *f, const lambda__call_t *c, const str_t *records, size_t n,
                       rt_done_fn done, void *ud);

#endif
