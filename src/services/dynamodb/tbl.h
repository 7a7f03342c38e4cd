/* tbl.h — internal interface between the DynamoDB operation files (table.c,
 * item.c, query.c, batch.c, stream.c): a table's definition loaded from the
 * ddb_table catalogue, this thread's connection and cached statements, and
 * the one write path every item write goes through (item row, index rows and
 * stream record in the caller's SQLite transaction). Not for other services:
 * they use ddb.h. Invariant: an item row and its index rows change together. */
#ifndef GR_SERVICES_DYNAMODB_TBL_H
#define GR_SERVICES_DYNAMODB_TBL_H

#include <sqlite3.h>

#include "core/json.h"
#include "core/req.h"
#include "services/dynamodb/ddb.h"

enum { DDB_PROJ_ALL, DDB_PROJ_KEYS_ONLY, DDB_PROJ_INCLUDE };

/* AWS: a global secondary index's partition key and sort key have up to
 * four attributes each (multi-attribute keys, 2025-11); a table's and an
 * LSI's one each. */
#define DDB_KEY_ATTRS 4

typedef struct {
    str_t name;
    int64_t num; /* index rows are keyed by (tid, num) */
    bool global;
    str_t pk, sk; /* the first partition and sort key attributes; sk STR_NULL when the index has no range key */
    ddb_type_t pkt, skt;
    /* Every key attribute in KeySchema order: nhash partition key ones, then
     * the sort key ones. An index row's ipk and isk are the concatenated key
     * encodings of each part's values (self-delimiting, so memcmp orders
     * them attribute by attribute, left to right). */
    str_t key[2 * DDB_KEY_ATTRS];
    ddb_type_t keyt[2 * DDB_KEY_ATTRS];
    size_t nkey, nhash;
    int proj;
    val_t *nonkey; /* VAL_LIST of VAL_STR for INCLUDE */
    val_t *def;    /* the stored definition (KeySchema, Projection, ...) */
} ddb_index_t;

typedef struct {
    int64_t tid;
    str_t name, table_id, arn;
    int64_t created_us;
    str_t pk, sk; /* sk STR_NULL for a hash-only table */
    ddb_type_t pkt, skt;
    val_t *def; /* stored definition: AttributeDefinitions, KeySchema, BillingMode, ... */
    ddb_index_t *idx;
    size_t nidx;
    str_t stream_view; /* STR_NULL when streams are off */
    str_t stream_label;
    str_t ttl_attr;        /* STR_NULL when TTL is off */
    int64_t pitr_since_us; /* 0 when point-in-time recovery is off; else when it was turned on */
    int pitr_days;         /* its recovery period (RecoveryPeriodInDays, 1..35) */
    str_t global;          /* a global table's replica: its version ("2019.11.21", "2017.11.29"), else STR_NULL */
} ddb_table_t;

sqlite3 *ddb__db(req_t *r);
/* Counts units of read or write capacity (write) consumed on table t, or on
 * its global secondary index x (NULL: the table), in AWS/DynamoDB's
 * ConsumedRead/WriteCapacityUnits (metrics.c). */
void ddb__metric_units(req_t *r, const ddb_table_t *t, const ddb_index_t *x, double units, bool write);
/* A prepared statement cached per thread and connection; reset on return. */
sqlite3_stmt *ddb__stmt(sqlite3 *db, const char *sql);
int ddb__exec(sqlite3 *db, const char *sql);

/* Loads the table or fails the request with ResourceNotFoundException and
 * `msg` (NULL: "Requested resource not found"). */
int ddb__table_or_fail(req_t *r, sqlite3 *db, str_t name, const char *msg, ddb_table_t *t);
/* AWS's control-plane not-found text: "Requested resource not found: Table: NAME not found". */
const char *ddb__table_not_found(req_t *r, str_t name);
/* Fails a TableName that is an ARN of another region or of an index or stream
 * with AWS's ValidationException; GR_OK for a name or a table ARN here. */
int ddb__table_arn_or_fail(req_t *r, str_t name);
/* AWS (probed 2026-10, DDB-TABLE-071, DDB-BACKUP-013): the tag and policy
 * operations refuse an index ARN and a backup ARN (kind: what follows
 * "table/NAME/") in their own words; GR_OK for anything else. */
int ddb__arn_kind_or_fail(req_t *r, str_t arn, str_t kind);
/* Fills t from a row of (name, tid, table_id, created_us, def). */
int ddb__table_from_row(req_t *r, sqlite3_stmt *st, ddb_table_t *t);
/* Deletes expired items of TTL-enabled tables, at most once a second for the
 * whole process (ttl.c), when no background ticker does it (ddb_tick);
 * called as a request first touches the database. */
void ddb__ttl_sweep(req_t *r, sqlite3 *db);
const ddb_index_t *ddb__index(const ddb_table_t *t, str_t name);
str_t ddb__table_arn(req_t *r, str_t name);

/* Keys. The encoded sort key of a hash-only table is the empty blob. */
typedef struct {
    buf_t pk, sk;
} ddb_keyenc_t;
/* Validates a Key parameter against the schema ("The provided key element
 * does not match the schema") and encodes it. */
int ddb__key_or_fail(req_t *r, const ddb_table_t *t, const val_t *key, ddb_keyenc_t *k);
/* Whether key has exactly the schema's key attributes, of their types. */
bool ddb__key_matches(const ddb_table_t *t, const val_t *key);
/* AWS's message for an empty string or binary value v of key attribute
 * name (arena-allocated), or NULL when v is not empty. */
const char *ddb__empty_key_msg(arena_t *a, str_t name, const val_t *v);
/* Validates a full item's key attributes (PutItem messages) and encodes them. */
int ddb__item_key_or_fail(req_t *r, const ddb_table_t *t, const val_t *item, ddb_keyenc_t *k);
/* The key attributes of item as a new item. */
val_t *ddb__key_of(arena_t *a, const ddb_table_t *t, const val_t *item);

/* Reads the stored item; *out NULL when absent. */
int ddb__item_get(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, val_t **out);
/* Replaces old by new (either may be NULL) inside the caller's transaction:
 * item row, index rows, stream record and point-in-time-recovery log row. */
int ddb__item_write(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, const val_t *old,
                    const val_t *neu);
bool ddb__needs_old(const ddb_table_t *t, const val_t *in, bool cond, bool return_old);
/* The index key of item for index x (ipk, isk in a's buffers), or false when
 * the item is not in the index. */
bool ddb__index_key(arena_t *a, const ddb_index_t *x, const val_t *item, buf_t *ip, buf_t *is);
/* Checks index key attributes of a new item ("Type mismatch for Index Key"). */
int ddb__index_keys_or_fail(req_t *r, const ddb_table_t *t, const val_t *item);
/* Whether item's values for index x's key attributes pass those checks (a
 * backfill leaves out the items that do not, as AWS does). */
bool ddb__index_keys_ok(arena_t *a, const ddb_index_t *x, const val_t *item);

/* Capacity units of an item size (ConsumedCapacity itself: capacity.c). */
double ddb__rcu(size_t bytes, bool consistent);
double ddb__wcu(size_t bytes);

/* Transactions with BEGIN IMMEDIATE so conditions and writes see one state. */
int ddb__begin(sqlite3 *db);
/* The time of this thread's current write transaction (ddb__begin): strictly
 * increasing in commit order across the process. */
int64_t ddb__txn_us(void);
int ddb__commit(sqlite3 *db);
void ddb__rollback(sqlite3 *db);

/* Item-level helpers shared by items, batches and transactions. */
const char *ddb__unused_or_null(ddb_ctx_t *c);
int ddb__fail_validation(req_t *r, const char *msg);
/* TransactionCanceledException's message for its CancellationReasons
 * (TransactWriteItems, and ExecuteTransaction after renaming some). */
const char *ddb__cancelled_message(arena_t *a, const val_t *reasons);

/* Stream records (stream.c) written by ddb__item_write. */
int ddb__stream_record(req_t *r, sqlite3 *db, const ddb_table_t *t, const val_t *keys, const val_t *old,
                       const val_t *neu);

/* Statement helpers: bind a str_t (SQLITE_STATIC: it must outlive the
 * step), a column as an arena string, and run one statement whose ?1 is a
 * tid (DELETE … WHERE tid = ?1). */
void ddb__bind_s(sqlite3_stmt *st, int i, str_t s);
str_t ddb__col_s(arena_t *a, sqlite3_stmt *st, int i);
int ddb__delete_rows(sqlite3 *db, const char *sql, int64_t tid);

/* Tables as backup.c needs them (table.c). */
int64_t ddb__new_tid(sqlite3 *db, int64_t now); /* a fresh tid, never reused; -1 on failure */
/* CreateTable's checks of in (CreateTable's input, or ImportTable's
 * TableCreationParameters, whose members are the same) in AWS's order, and
 * the definition stored for the table it asks for; NULL after failing r with
 * ValidationException. */
val_t *ddb__create_def_or_fail(req_t *r, const val_t *in, int64_t now);
/* Inside the caller's write transaction: a new table name with def and tags
 * (a Tags list, may be NULL), loaded into t; ResourceInUseException ("Table
 * already exists: NAME") when the name is taken. */
int ddb__create_or_fail(req_t *r, sqlite3 *db, str_t name, const val_t *def, const val_t *tags, int64_t now,
                        ddb_table_t *t);
/* A catalogue row for a new ACTIVE table (inside the caller's transaction). */
int ddb__table_insert(req_t *r, sqlite3 *db, str_t name, str_t def, int64_t now, int64_t *tid);
str_t ddb__def_text(arena_t *a, const val_t *def); /* a value as JSON text (binaries base64), */
val_t *ddb__json_val(arena_t *a, str_t text);      /* and back (timestamps come back as integers) */
/* Inside the caller's write transaction: src_tid's items as they were at
 * at_us (point-in-time log) under a fresh *tid no table names, for the
 * caller to read and then delete. */
int ddb__pitr_rows(sqlite3 *db, int64_t src_tid, int64_t at_us, int64_t *tid);
/* backup.c, shared with exports: the table by name or ARN, else
 * TableNotFoundException; the restorable window of a table whose PITR has
 * been on since `since`; an ARN TABLE-ARN/KIND/MILLIS-RANDOM ("backup",
 * "export"). */
int ddb__backup_table_or_fail(req_t *r, sqlite3 *db, str_t name, ddb_table_t *t);
void ddb__pitr_window(int64_t since, int days, int64_t now, int64_t *earliest, int64_t *last);
str_t ddb__stamped_arn(req_t *r, str_t table_arn, const char *kind, int64_t now_us);
int ddb__table_fill(req_t *r, str_t def_text, ddb_table_t *t);          /* t->name set first: it names the ARN */
int ddb__table_load(req_t *r, sqlite3 *db, str_t name, ddb_table_t *t); /* 1: no such table */
val_t *ddb__table_desc(req_t *r, sqlite3 *db, const ddb_table_t *t, const char *status);
int ddb__save_def(req_t *r, sqlite3 *db, const ddb_table_t *t, const val_t *def);
int ddb__backfill(req_t *r, sqlite3 *db, ddb_table_t *t, const ddb_index_t *x);
val_t *ddb__index_def(arena_t *a, const val_t *src, int64_t num, bool provisioned);

/* The records of exports and imports (job.c): a job's description by its
 * ARN member (ExportArn, ImportArn), saved in a transaction of its own, found
 * by ClientToken (within 8 hours; GR_OK and *d NULL when none), answered by
 * ARN for Describe* (or the kind's not-found error), and paged in ARN order
 * after `after` for one table (STR_NULL: every table), *more when more
 * follow. ddb__job_first: a copy of a description's members as they are now,
 * for AWS's first answer (IN_PROGRESS) while the job goes on. */
typedef struct {
    const char *insert, *by_token, *by_arn, *page; /* SQL */
    const char *arn;                               /* the description's ARN member */
    const char *const *times;                      /* its timestamp members, NULL-terminated */
    const char *description;                       /* Describe*'s output member */
    const aws_errdef_t *not_found;                 /* and its error, "<what> not found: ARN" */
    const char *not_found_what;
    const char *segment; /* what an ARN of this kind has after table/NAME: "/export/" */
} ddb_job_kind_t;
extern const ddb_job_kind_t ddb__exports, ddb__imports;
int ddb__job_save(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, const val_t *d, str_t token);
int ddb__job_by_token(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, str_t token, val_t **d);
int ddb__job_describe(req_t *r, const ddb_job_kind_t *k, const val_t *in, val_t *out);
val_t *ddb__job_first(arena_t *a, const val_t *d);
int ddb__job_page(req_t *r, sqlite3 *db, const ddb_job_kind_t *k, str_t table_arn, str_t after, int64_t max,
                  val_t **list, bool *more);

/* ==== Global tables (global.c) ====
 * ddb__item_write calls these for a replica of a global table: the item as
 * version 2017.11.29 stores it (aws:rep:* attributes added; else neu itself),
 * and the write applied to every other replica in the caller's transaction.
 * table.c calls the rest: DescribeTable's Replicas, UpdateTable's
 * ReplicaUpdates (a whole request of its own), DeleteTable's leaving the
 * group and UpdateTable's and UpdateTimeToLive's changes carried to the
 * other replicas, inside their transactions. ddb__global_strong says whether
 * a table's group has multi-Region strong consistency (1), for what such a
 * group refuses (transactions, TTL). */
const val_t *ddb__rep_stamp(req_t *r, const ddb_table_t *t, const val_t *neu);
int ddb__replicate(req_t *r, sqlite3 *db, const ddb_table_t *t, const ddb_keyenc_t *k, const val_t *neu);
int ddb__global_describe(req_t *r, sqlite3 *db, const ddb_table_t *t, val_t *desc);
int ddb__replica_updates(req_t *r, const val_t *in, val_t *out);
int ddb__global_leave(req_t *r, sqlite3 *db, const ddb_table_t *t);
int ddb__global_strong(req_t *r, sqlite3 *db, const ddb_table_t *t);
int ddb__global_sync(req_t *r, sqlite3 *db, const ddb_table_t *t);
/* How long a stream's records, and a disabled stream, stay readable (AWS:
 * 24 hours). */
#define DDB_STREAM_RETENTION_US (24LL * 3600 * 1000000)
/* table.c for global.c: a fresh stream label; a table's rows and catalogue
 * entry removed (DeleteTable's work, inside the caller's transaction). */
val_t *ddb__stream_label(arena_t *a);
int ddb__drop_table(sqlite3 *db, const ddb_table_t *t);

/* Resource-based policies (policy.c). ddb__policy_check_or_fail: the table's
 * policy's part in the verdict on the request, for every table it loads
 * (foreign: the table is another account's, which only an Allow admits);
 * ddb__table_policy: its parsed policy (a policy_t in r's arena) or NULL;
 * ddb__create_policy_or_fail: CreateTable's ResourcePolicy checked and put
 * in the new table's definition; ddb__deny: AccessDeniedException for
 * action on resource, saying why (NULL: no resource-based policy allows). */
int ddb__policy_check_or_fail(req_t *r, const ddb_table_t *t, bool foreign);
/* The same for the policy of t's stream `label` (STR_NULL: the table's),
 * whose ARN is arn: an explicit Deny refuses. */
int ddb__stream_policy_check_or_fail(req_t *r, const ddb_table_t *t, str_t label, str_t arn);
policy_t *ddb__table_policy(req_t *r, const ddb_table_t *t);
int ddb__create_policy_or_fail(req_t *r, const val_t *in, val_t *def);
int ddb__deny(req_t *r, str_t action, str_t resource, const char *why);

/* While on, this thread's deletions are TTL's (stream userIdentity). */
void ddb__stream_by_ttl(bool on);
bool ddb__stream_ttl_now(void);

/* ==== Kinesis streaming destinations (kinesis.c) ==== */
/* Whether t has an ACTIVE destination. */
bool ddb__kinesis_on(const ddb_table_t *t);
/* Keeps the change's record for each ACTIVE destination until this
 * thread's write transaction ends (in r's arena). */
int ddb__kinesis_record(req_t *r, const ddb_table_t *t, const val_t *keys, const val_t *old, const val_t *neu);
/* The transaction ended: committed, the kept records go to their streams;
 * else they are dropped. Called by ddb__begin, ddb__commit, ddb__rollback. */
void ddb__kinesis_flush(bool committed);
/* A val_t as JSON, blobs in base64 (the stored definition's writer). */
void ddb__json_write(json_w_t *w, const val_t *v);

#endif
