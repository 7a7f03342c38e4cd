/* rds.h — what the Amazon RDS files share: the store connection and
 * transactions, the ARNs of RDS resources and their tags (tags.c), which
 * every kind of resource takes at creation and through AddTagsToResource.
 *
 * RDS is served from its query model; its handlers (rds_* in
 * subnet_group.c, tags.c) read and write parsed values only. A subnet group
 * asks EC2, through EC2's C interface, which VPC and zone each subnet is in:
 * RDS never reads EC2's tables. */
#ifndef GR_SERVICES_RDS_RDS_H
#define GR_SERVICES_RDS_RDS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/req.h"

struct app;

sqlite3 *rds__db(struct app *app);
int rds__begin(sqlite3 *db);
int rds__end(sqlite3 *db, bool ok);
int64_t rds__now_ms(void);

/* arn:aws:rds:REGION:ACCOUNT:KIND:NAME (KIND "subgrp", "db", …), of the
 * caller's account and region; rds__arn_of of any. */
const char *rds__arn(req_t *r, const char *kind, str_t name);
const char *rds__arn_of(arena_t *a, str_t region, str_t account, const char *kind, str_t name);
/* A resource of kind ("snapshot", "db") named by its identifier (the
 * caller's account and region) or by its ARN (any account and region):
 * its account, region and identifier, in r's arena. False when the ARN
 * names no resource of that kind. */
bool rds__ref(req_t *r, const char *kind, str_t want, str_t *account, str_t *region, str_t *name);
/* Tags given at creation or by AddTagsToResource (a list of {Key, Value}),
 * inside the caller's transaction; the resource's tags dropped with it. */
int rds__tags_put(req_t *r, sqlite3 *db, str_t arn, const val_t *tags);
int rds__tags_drop(sqlite3 *db, str_t arn);
/* The TagList of a resource, for answers that carry it. */
val_t *rds__tags_list(req_t *r, sqlite3 *db, str_t arn);
/* Whether the resource an ARN names exists in the caller's account and
 * region: 1, 0, or -1 on a store failure (subnet_group.c for subgrp). */
int rds__subnet_group_exists(req_t *r, sqlite3 *db, str_t name);

/* subnet_group.c's DBSubnetGroup value of a group, NULL when there is
 * none (for DB instances' answers). */
val_t *rds__subnet_group_value(req_t *r, sqlite3 *db, str_t name);
/* Describe*'s paging: MaxRecords (20–100, 100) and Marker (an offset) over
 * sql, whose ?1 and ?2 are the account and region; the page's items are
 * item(row) in member, Marker when more remain. */
int rds__page(req_t *r, const val_t *in, val_t *out, sqlite3 *db, const char *sql, const char *member,
              val_t *(*item)(req_t *r, sqlite3_stmt *st, void *ctx), void *ctx);
/* rds__page's MaxRecords and Marker, checked: GR_OK, or r failed. */
int rds__page_args(req_t *r, const val_t *in, int64_t *max, long long *off);

/* ==== DB instances (instance.c, engine.c) ==== */

/* sql prepared with ?1, ?2 and ?3 bound to the caller's account, region and
 * a resource's id (instance.c); NULL on a store failure. */
sqlite3_stmt *rds__stmt(req_t *r, sqlite3 *db, str_t id, const char *sql);
/* Steps st (from rds__stmt) once and releases it: whether it ran. */
bool rds__run(sqlite3_stmt *st);
/* Column col of the caller's DB instance id (in r's arena): NULL when the
 * instance or the value is absent, or on a store failure. */
const char *rds__instance_column(req_t *r, sqlite3 *db, str_t id, const char *col);
/* A DB instance identifier (DBInstanceIdentifier, DBSnapshotIdentifier:
 * param, at most max characters) checked as AWS checks it, lower-cased as
 * RDS keeps it; STR_NULL with r failed. */
str_t rds__identifier(req_t *r, str_t id, const char *param, size_t max);
/* A new DB instance, from CreateDBInstance, a restore or a read replica:
 * what the request in does not say itself (its placement, groups, flags
 * and tags it does); answered as CreateDBInstance answers. snapshot: the
 * DB snapshot whose copy is its data (engine.c makes it at the first
 * boot), NULL for none; snapshot_account: its owner when another account
 * shared it, else NULL. A read replica (replica.c): replica_of, its
 * source's id, the replication role's password (secret), the source's
 * subnet group (group, NULL for the default VPC's) and private address
 * (source_ip, which the replica's own must not be), and its source's DB
 * parameter group (param_group) unless in names one. */
typedef struct {
    str_t cls, user, password, db_name, storage_type;
    const char *engine, *version, *snapshot, *snapshot_account;
    const char *replica_of, *secret, *group, *source_ip, *param_group;
    int64_t storage, port, backup_days;
} rds__new_t;
int rds__instance_new(req_t *r, const val_t *in, str_t id, const rds__new_t *n, val_t *out);
/* r failed as AWS refuses an instance it does not have:
 * DBInstanceNotFound "DBInstance ID not found." */
int rds__instance_not_found(req_t *r, str_t id);
/* out's DBInstance: instance id's value (r failed when there is none). */
int rds__instance_answer(req_t *r, sqlite3 *db, str_t id, val_t *out);
/* BackupRetentionPeriod days for instance id, checked as AWS checks it
 * (0 to 35; a source of read replicas keeps backups; a replica may have
 * them, as a replica of it needs them): GR_OK, or r failed. */
int rds__retention_check(req_t *r, sqlite3 *db, str_t id, int64_t days);
/* A new replication role password (engine.c): 32 hex digits in a. */
const char *rds__secret(arena_t *a);
/* What a restore or a read replica takes from its source unless the
 * request in says otherwise: DBInstanceClass, Port and StorageType, the
 * first two checked as CreateDBInstance checks them (GR_OK, or r failed). */
int rds__instance_given(req_t *r, const val_t *in, rds__new_t *n);
/* A new DB snapshot snap of instance (snapshot.c), status creating, with
 * its tags, inside the caller's transaction: GR_OK, or r failed
 * (DBSnapshotAlreadyExists, SnapshotQuotaExceeded). */
int rds__snapshot_insert(req_t *r, sqlite3 *db, str_t snap, str_t instance, const val_t *tags);
/* An RDS event (events.c): what happened to a source, with AWS's message
 * (fmt), category and, where known, EventID, recorded for DescribeEvents
 * and put on the default EventBridge bus. */
typedef struct {
    const char *account, *region;
    const char *type; /* "db-instance" or "db-snapshot" */
    const char *id, *category, *event_id;
} rds__event_t;
void rds__event(struct app *app, sqlite3 *db, arena_t *a, const rds__event_t *e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* " AND column IN (v, …)" for a list of strings, quoted by SQLite, to add
 * to a Describe's WHERE; an identifier (ids) matches as RDS keeps it,
 * lower-cased, and may be given as its ARN. NULL on a failure. */
const char *rds__sql_in(arena_t *a, const char *column, const val_t *values, bool ids);
/* The event of DB snapshot snap (the caller's account and region), after
 * the handler's transaction. */
void rds__snapshot_event(req_t *r, sqlite3 *db, str_t snap, const char *category, const char *message);
/* The folder of a DB snapshot's copy (DATA/rds/snapshots/ACCOUNT/REGION/ID). */
const char *rds__snapshot_dir(arena_t *a, struct app *app, const char *account, const char *region, const char *id);
/* The folder of the engine's log files on node 0 or 1 of an instance
 * (engine.c writes them, logs.c reads them). */
const char *rds__log_dir(arena_t *a, struct app *app, str_t account, str_t region, str_t id, int node);

/* Where a new instance runs: its subnet group (lower-cased, NULL for the
 * default VPC's), VPC, zone, standby zone, private address and, for
 * Multi-AZ, the standby's (in the standby zone). */
typedef struct {
    const char *group, *vpc, *zone, *second, *private_ip, *standby_ip;
} rds__placement_t;
int rds__place(req_t *r, sqlite3 *db, str_t group, str_t zone, bool multi, rds__placement_t *pl);
/* A free endpoint address (127.203.0.0/16), NULL on a store failure. */
const char *rds__address_pick(req_t *r, sqlite3 *db);
/* The version of the host's PostgreSQL server ("15.18"), NULL without one;
 * the folder of its programs; its DB parameter group family
 * ("postgres15"). */
const char *rds__engine_version(void);
const char *rds__engine_bin(void);
const char *rds__family(void);
/* An engine DB instances run with here (versions.c): its RDS name, the one
 * version it runs at, that version's major ("15", "10.11", "8.0"), its DB
 * parameter group family, AWS's descriptions, its default port; whether the host's MariaDB server runs it (mariadb,
 * mysql) and, when that server is not the engine's own, which it is. */
typedef struct {
    const char *name, *version, *major, *family, *description, *version_description;
    int port;
    bool maria;
    const char *served_by;
} rds__engine_t;
/* The engine name runs with here; NULL when its server is not on this host
 * or gureum runs no such engine. */
const rds__engine_t *rds__engine(str_t name);
/* Whether a version asked (its major, or in full) is e's. */
bool rds__version_matches(const rds__engine_t *e, str_t want);
/* What DescribeDBInstances and DescribeDBSnapshots say of an engine
 * (postgres, mariadb, mysql) at version: its major ("15", "10.11"), which
 * names its default DB parameter group ("default.postgres15"); its
 * LicenseModel; its default option group ("default:mariadb-10-11"). */
const char *rds__major_of(arena_t *a, const char *engine, const char *version);
const char *rds__license_of(const char *engine);
const char *rds__option_group_of(arena_t *a, const char *engine, const char *version);
/* DB parameter group name (param.c) as an instance takes it: GR_OK with
 * *stored its name as kept (NULL for the family's default group), or r
 * failed (DBParameterGroupNotFound). */
int rds__param_group_check(req_t *r, sqlite3 *db, str_t name, const char **stored);
/* A running DB instance of a VPC as its network sees it (for EC2's
 * instances to reach it, services/ec2/peer.c): its machine, the private
 * address the engine listens at, the endpoint address, the port and its
 * VPC security groups. */
typedef struct {
    pid_t pid;
    char private_ip[16], address[16];
    int port;
    const char **groups; /* in the caller's arena */
    size_t ngroups;
} rds_endpoint_t;
/* A number that moves whenever what rds_vpc_endpoints answers may have
 * changed (a DB instance, its groups, its machine), so EC2 works out its
 * instances' reach again only then. */
uint64_t rds_network_version(struct app *app);
/* The DB instances of vpc_id whose engine runs now: at most cap in out. */
size_t rds_vpc_endpoints(struct app *app, arena_t *a, const char *account, const char *region, const char *vpc_id,
                         rds_endpoint_t *out, size_t cap);
/* The VPC security groups of DB instance id in their order, in a's memory
 * (DescribeDBInstances and rds_vpc_endpoints); NULL with *n 0 when none. */
const char **rds__db_groups(arena_t *a, sqlite3 *db, str_t account, str_t region, const char *id, size_t *n);

/* The registry's hooks: the tick runs the machines, stop ends them. */
unsigned rds_tick(struct app *app);
void rds_stop(struct app *app);

#endif
