/* snapshot.c — Amazon RDS DB snapshots: CreateDBSnapshot,
 * DescribeDBSnapshots, DeleteDBSnapshot, RestoreDBInstanceFromDBSnapshot,
 * CopyDBSnapshot, their sharing with other accounts
 * (ModifyDBSnapshotAttribute, DescribeDBSnapshotAttributes), and the final
 * snapshot DeleteDBInstance takes (instance.c).
 *
 * The handlers keep rows; engine.c, on the ticker thread, takes each
 * snapshot (a base backup of the instance's running server, the copy kept
 * in the snapshot's folder, creating → available) and makes a restored
 * instance's data a copy of it at the instance's first boot. A snapshot
 * keeps the instance's settings at that time (class, user, database name,
 * port, storage), which a restore takes unless the request says otherwise.
 * Only manual snapshots are kept: there are no automated backups. A
 * snapshot shared with an account (or public: 'all') is seen by it under
 * its ARN, and copied or restored from the owner's copy. Texts are AWS's
 * where said "recorded"; the others are not on record. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "rds_model.h"
#include "services/app.h"
#include "services/rds/rds.h"

#define E_SNAP_EXISTS (&RDS_ERR_DBSnapshotAlreadyExistsFault)
#define E_SNAP_NOTFOUND (&RDS_ERR_DBSnapshotNotFoundFault)
#define E_SNAP_STATE (&RDS_ERR_InvalidDBSnapshotStateFault)

/* AWS (RDS quotas): 100 manual DB snapshots per region; (the User Guide)
 * a manual snapshot shared with at most 20 other accounts. */
enum { MAX_SNAPSHOTS = 100, MAX_SHARES = 20 };

/* SQL: the snapshot row of db_snapshot is shared with account who (a
 * parameter), or public (who 'all'). */
#define SHARED_WITH(who)                                                                                               \
    "EXISTS (SELECT 1 FROM db_snapshot_share h WHERE h.account = db_snapshot.account AND h.region = "                  \
    "db_snapshot.region AND h.id = db_snapshot.id AND h.shared_with = " who ")"

/* SQL: the row's SnapshotType as the caller (?1) sees it: its own manual,
 * another account's shared with it, or public. */
#define SNAP_TYPE "CASE WHEN account = ?1 THEN 'manual' WHEN " SHARED_WITH("?1") " THEN 'shared' ELSE 'public' END"

/* The columns snap_value reads, in this order; ?1 is the caller's account. */
#define SNAP_COLS                                                                                                      \
    "SELECT id, instance_id, resource_id, engine, version, master_user, storage, storage_type, port, zone, vpc_id, "   \
    "instance_ms, status, created_ms, class, db_name, source, original_ms, account, "                                  \
    "coalesce(source_account, account), " SNAP_TYPE " FROM db_snapshot "

const char *rds__snapshot_dir(arena_t *a, struct app *app, const char *account, const char *region, const char *id)
{
    return arena_printf(a, "%s/rds/snapshots/%s/%s/%s", ((app_t *)app)->cfg->data_dir, account, region, id);
}

static int snap_not_found(req_t *r, str_t id)
{
    /* AWS (recorded): "DBSnapshot not found: mysnap" */
    return req_fail(r, E_SNAP_NOTFOUND, "DBSnapshot not found: %.*s", STR_FMT(id));
}

static val_t *snap_value(req_t *r, sqlite3 *db, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    const char *id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    str_t owner = store_col_str(a, st, 18);
    const char *arn = rds__arn_of(a, r->region, owner, "snapshot", str_c(id));
    /* another account's, shared with the caller or public: named by its
     * ARN (AWS, recorded: a shared snapshot's DBSnapshotIdentifier is its
     * ARN, SnapshotType "shared"), its tags the owner's own */
    const char *type = arena_strdup(a, (const char *)sqlite3_column_text(st, 20));
    bool shared = strcmp(type, "manual") != 0;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "DBSnapshotIdentifier", val_cstr(a, shared ? arn : id));
    val_set_c(a, v, "DBInstanceIdentifier", val_str(a, store_col_str(a, st, 1)));
    int64_t created = sqlite3_column_int64(st, 13);
    const char *status = arena_strdup(a, (const char *)sqlite3_column_text(st, 12));
    /* AWS: the time is there once the snapshot is taken */
    if (strcmp(status, "creating") != 0) val_set_c(a, v, "SnapshotCreateTime", val_time(a, created * 1000));
    val_set_c(a, v, "Engine", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, v, "AllocatedStorage", val_int(a, sqlite3_column_int(st, 6)));
    val_set_c(a, v, "Status", val_cstr(a, status));
    val_set_c(a, v, "Port", val_int(a, sqlite3_column_int(st, 8)));
    val_set_c(a, v, "AvailabilityZone", val_str(a, store_col_str(a, st, 9)));
    if (sqlite3_column_type(st, 10) != SQLITE_NULL) val_set_c(a, v, "VpcId", val_str(a, store_col_str(a, st, 10)));
    val_set_c(a, v, "InstanceCreateTime", val_time(a, sqlite3_column_int64(st, 11) * 1000));
    val_set_c(a, v, "MasterUsername", val_str(a, store_col_str(a, st, 5)));
    const char *version = arena_strdup(a, (const char *)sqlite3_column_text(st, 4));
    val_set_c(a, v, "EngineVersion", val_cstr(a, version));
    const char *engine = arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
    val_set_c(a, v, "LicenseModel", val_cstr(a, rds__license_of(engine)));
    val_set_c(a, v, "SnapshotType", val_cstr(a, type));
    val_set_c(a, v, "OptionGroupName", val_cstr(a, rds__option_group_of(a, engine, version)));
    val_set_c(a, v, "PercentProgress", val_int(a, strcmp(status, "available") ? 0 : 100));
    val_set_c(a, v, "StorageType", val_str(a, store_col_str(a, st, 7)));
    val_set_c(a, v, "Encrypted", val_bool(a, false));
    val_set_c(a, v, "DBSnapshotArn", val_cstr(a, arn));
    val_set_c(a, v, "IAMDatabaseAuthenticationEnabled", val_bool(a, false));
    val_set_c(a, v, "ProcessorFeatures", val_new(a, VAL_LIST));
    val_set_c(a, v, "DbiResourceId", val_str(a, store_col_str(a, st, 2)));
    val_t *tags = shared ? NULL : rds__tags_list(r, db, str_c(arn));
    val_set_c(a, v, "TagList", tags ? tags : val_new(a, VAL_LIST));
    /* a copy: its source's ARN, and the time the first of the chain was
     * taken */
    int64_t original = sqlite3_column_type(st, 17) != SQLITE_NULL ? sqlite3_column_int64(st, 17) : created;
    if (sqlite3_column_type(st, 16) != SQLITE_NULL) {
        const char *src = (const char *)sqlite3_column_text(st, 16), *slash = strchr(src, '/');
        if (slash)
            val_set_c(a, v, "SourceDBSnapshotIdentifier",
                      val_cstr(a, rds__arn_of(a, str_n(src, (size_t)(slash - src)), store_col_str(a, st, 19),
                                              "snapshot", str_c(slash + 1))));
    }
    if (strcmp(status, "creating") != 0) {
        val_set_c(a, v, "OriginalSnapshotCreateTime", val_time(a, original * 1000));
        val_set_c(a, v, "SnapshotDatabaseTime", val_time(a, original * 1000));
    }
    val_set_c(a, v, "SnapshotTarget", val_cstr(a, "region"));
    return v;
}

/* Snapshot id's row in st (SNAP_COLS) of account and region, stepped to
 * it: the caller's own, or one shared with it; NULL with r failed
 * (DBSnapshotNotFound for none, one being deleted, or one not shared). */
static sqlite3_stmt *snap_row_of(req_t *r, sqlite3 *db, str_t account, str_t region, str_t id)
{
    sqlite3_stmt *st =
        store_stmt(db, SNAP_COLS "WHERE account = ?4 AND region = ?2 AND id = ?3 AND status != "
                                 "'deleted' AND (account = ?1 OR " SHARED_WITH("?1") " OR " SHARED_WITH("'all'") ")");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, id);
    store_bind_str(st, 4, account);
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    if (store_release(st) == SQLITE_OK) snap_not_found(r, id);
    return NULL;
}

/* The caller's own snapshot id of its region (snap_row_of). */
static sqlite3_stmt *snap_row(req_t *r, sqlite3 *db, str_t id)
{
    return snap_row_of(r, db, r->who.account, r->region, id);
}

/* The DBSnapshot member of out: snapshot id's value. */
static int answer(req_t *r, sqlite3 *db, str_t id, val_t *out)
{
    sqlite3_stmt *st = snap_row(r, db, id);
    if (!st) return GR_ERR;
    val_t *v = snap_value(r, db, st);
    store_release(st);
    return val_set_c(r->arena, out, "DBSnapshot", v);
}

void rds__snapshot_event(req_t *r, sqlite3 *db, str_t snap, const char *category, const char *message)
{
    arena_t *a = r->arena;
    rds__event_t e = {arena_strndup(a, r->who.account.p, r->who.account.len),
                      arena_strndup(a, r->region.p, r->region.len),
                      "db-snapshot",
                      arena_strndup(a, snap.p, snap.len),
                      category,
                      NULL};
    rds__event(r->app, db, a, &e, "%s", message);
}

/* Whether a new snapshot snap may be made in the caller's account and
 * region: GR_OK, or r failed (DBSnapshotAlreadyExists, SnapshotQuota). */
static int snapshot_new(req_t *r, sqlite3 *db, str_t snap)
{
    sqlite3_stmt *st = rds__stmt(r, db, snap,
                                 "SELECT (SELECT 1 FROM db_snapshot WHERE account = ?1 AND region = ?2 AND id = "
                                 "?3), (SELECT count(*) FROM db_snapshot WHERE account = ?1 AND region = ?2 AND "
                                 "status != 'deleted')");
    if (!st) return GR_ERR;
    bool exists = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    int64_t count = sqlite3_column_int64(st, 1);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (exists)
        return req_fail(r, E_SNAP_EXISTS,
                        "Cannot create the snapshot because a snapshot with the identifier %.*s "
                        "already exists.",
                        STR_FMT(snap));
    if (count >= MAX_SNAPSHOTS)
        return req_fail(r, &RDS_ERR_SnapshotQuotaExceededFault, "Cannot create more than %d manual snapshots.",
                        MAX_SNAPSHOTS);
    return GR_OK;
}

int rds__snapshot_insert(req_t *r, sqlite3 *db, str_t snap, str_t instance, const val_t *tags)
{
    if (snapshot_new(r, db, snap) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        rds__stmt(r, db, instance,
                  "INSERT INTO db_snapshot (account, region, id, instance_id, resource_id, class, engine, "
                  "version, master_user, db_name, storage, storage_type, port, zone, vpc_id, instance_ms, "
                  "status, created_ms) SELECT account, region, ?4, id, resource_id, class, engine, version, "
                  "master_user, db_name, storage, storage_type, port, zone, vpc_id, created_ms, 'creating', ?5 "
                  "FROM db_instance WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 4, snap);
    sqlite3_bind_int64(st, 5, rds__now_ms());
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return rds__tags_put(r, db, str_c(rds__arn(r, "snapshot", snap)), tags);
}

int rds_create_db_snapshot(req_t *r, const val_t *in, val_t *out)
{
    str_t snap = rds__identifier(r, val_get_str(in, "DBSnapshotIdentifier"), "DBSnapshotIdentifier", 255);
    if (!snap.p) return GR_ERR;
    str_t want = val_get_str(in, "DBInstanceIdentifier");
    str_t id = rds__identifier(r, want, "DBInstanceIdentifier", 63);
    if (!id.p) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    const char *status = rds__instance_column(r, db, id, "status");
    int rc = GR_OK;
    if (!status) /* AWS (recorded): "DBInstance not found: mydb" */
        rc = req_fail(r, &RDS_ERR_DBInstanceNotFoundFault, "DBInstance not found: %.*s", STR_FMT(want));
    else if (strcmp(status, "available") != 0) /* a name taken is said first */
        rc = snapshot_new(r, db, snap) != GR_OK
                 ? GR_ERR
                 : req_fail(r, &RDS_ERR_InvalidDBInstanceStateFault,
                            "Cannot create a snapshot because the database instance %.*s is not currently in the "
                            "available state.",
                            STR_FMT(id));
    else if ((rc = rds__snapshot_insert(r, db, snap, id, val_get(in, "Tags"))) == GR_OK &&
             !rds__run(rds__stmt(r, db, id,
                                 "UPDATE db_instance SET status = 'backing-up' WHERE account = ?1 AND region = ?2 AND "
                                 "id = ?3")))
        rc = GR_ERR; /* AWS: "backing-up — The DB instance is currently being backed up." (the engine ends it) */
    if (rds__end(db, rc == GR_OK) != GR_OK) return GR_ERR;
    rds__snapshot_event(r, db, snap, "creation", "Creating manual snapshot");
    return answer(r, db, snap, out);
}

static val_t *page_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    return snap_value(r, ctx, st);
}

const char *rds__sql_in(arena_t *a, const char *column, const val_t *values, bool ids)
{
    buf_t b;
    buf_init(&b, a);
    buf_printf(&b, " AND %s IN (", column);
    for (size_t i = 0; i < val_len(values); i++) {
        str_t v = values->u.list.v[i]->u.s;
        char *t = arena_strndup(a, v.p, v.len);
        if (ids) {
            if (!strncmp(t, "arn:", 4) && strrchr(t, ':')) t = strrchr(t, ':') + 1;
            for (char *c = t; *c; c++) *c = (char)tolower((unsigned char)*c);
        }
        char *q = sqlite3_mprintf("%Q", t);
        if (!q) return NULL;
        buf_printf(&b, "%s%s", i ? ", " : "", q);
        sqlite3_free(q);
    }
    buf_printf(&b, ")");
    str_t s = buf_str(&b);
    return arena_strndup(a, s.p, s.len);
}

int rds_describe_db_snapshots(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t snap = val_get_str(in, "DBSnapshotIdentifier"), account, region, name;
    if (snap.p) {
        /* its ARN names it too, one shared with the caller included */
        if (!rds__ref(r, "snapshot", snap, &account, &region, &name) || !str_eq(region, r->region))
            return snap_not_found(r, snap);
        str_t id = rds__identifier(r, name, "DBSnapshotIdentifier", 255);
        if (!id.p) return snap_not_found(r, snap);
        sqlite3_stmt *st = snap_row_of(r, db, account, region, id);
        if (!st) return GR_ERR;
        val_t *list = val_new(a, VAL_LIST);
        val_push(a, list, snap_value(r, db, st));
        store_release(st);
        return val_set_c(a, out, "DBSnapshots", list);
    }
    str_t inst = val_get_str(in, "DBInstanceIdentifier"), type = val_get_str(in, "SnapshotType");
    /* AWS: without SnapshotType, the account's own (manual and automated),
     * with the shared (IncludeShared) and public ones (IncludePublic);
     * "shared" those shared with the account, "public" the public ones.
     * Only manual snapshots are kept: automated ones match nothing. */
    const char *own = "account = ?1", *shared = "account != ?1 AND " SHARED_WITH("?1"),
               *public = "account != ?1 AND " SHARED_WITH("'all'"), *which = own;
    if (!type.p) {
        bool with_shared = val_get_bool(in, "IncludeShared", false),
             with_public = val_get_bool(in, "IncludePublic", false);
        which = arena_printf(a, "%s%s%s%s%s", own, with_shared ? " OR " : "", with_shared ? shared : "",
                             with_public ? " OR " : "", with_public ? public : "");
    } else if (str_eq_c(type, "shared"))
        which = shared;
    else if (str_eq_c(type, "public"))
        which = public;
    else if (!str_eq_c(type, "manual"))
        which = "0";
    const char *where = arena_printf(a, "WHERE (%s) AND region = ?2 AND status != 'deleted'", which);
    if (inst.p) {
        val_t *one = val_new(a, VAL_LIST);
        val_push(a, one, val_str(a, inst));
        where = arena_printf(a, "%s%s", where, rds__sql_in(a, "instance_id", one, true));
    }
    const val_t *filters = val_get(in, "Filters");
    static const struct {
        const char *name, *column;
        bool ids;
    } known[] = {{"db-instance-id", "instance_id", true},
                 {"db-snapshot-id", "id", true},
                 {"dbi-resource-id", "resource_id", false},
                 {"snapshot-type", SNAP_TYPE, false},
                 {"engine", "engine", false}};
    size_t nknown = sizeof known / sizeof known[0];
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t name = val_get_str(filters->u.list.v[i], "Name");
        size_t k = 0;
        while (k < nknown && !str_eq_c(name, known[k].name)) k++;
        if (k == nknown)
            return req_fail(r, &ERR_InvalidParameterValue, "Unrecognized filter name: %.*s", STR_FMT(name));
        const char *cond = rds__sql_in(a, known[k].column, val_get(filters->u.list.v[i], "Values"), known[k].ids);
        if (!cond) return GR_ERR;
        where = arena_printf(a, "%s%s", where, cond);
    }
    return rds__page(r, in, out, db, arena_printf(a, SNAP_COLS "%s ORDER BY created_ms, id", where), "DBSnapshots",
                     page_item, db);
}

int rds_delete_db_snapshot(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t want = val_get_str(in, "DBSnapshotIdentifier");
    str_t id = rds__identifier(r, want, "DBSnapshotIdentifier", 255);
    if (!id.p) return snap_not_found(r, want);
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = snap_row(r, db, id);
    if (!st) return rds__end(db, false);
    val_t *v = snap_value(r, db, st);
    bool creating = !strcmp((const char *)sqlite3_column_text(st, 12), "creating");
    store_release(st);
    if (creating) {
        rds__end(db, false);
        return req_fail(r, E_SNAP_STATE, "Cannot delete the snapshot %.*s because it is still being created.",
                        STR_FMT(id));
    }
    /* the engine removes the copy once no restore reads it; no account
     * sees it shared any more */
    bool ok = rds__run(rds__stmt(
        r, db, id, "UPDATE db_snapshot SET status = 'deleted' WHERE account = ?1 AND region = ?2 AND id = ?3"));
    ok = ok &&
         rds__run(rds__stmt(r, db, id, "DELETE FROM db_snapshot_share WHERE account = ?1 AND region = ?2 AND id = ?3"));
    ok = ok && rds__tags_drop(db, str_c(rds__arn(r, "snapshot", id))) == GR_OK;
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    rds__snapshot_event(r, db, id, "deletion", "Deleted manual snapshot");
    val_set_c(a, v, "Status", val_cstr(a, "deleted"));
    return val_set_c(a, out, "DBSnapshot", v);
}

int rds_restore_db_instance_from_db_snapshot(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = rds__identifier(r, val_get_str(in, "DBInstanceIdentifier"), "DBInstanceIdentifier", 63);
    if (!id.p) return GR_ERR;
    str_t want = val_get_str(in, "DBSnapshotIdentifier"), account, region, name;
    /* its ARN names it too, one another account shared included; a
     * snapshot of another region is copied here first (CopyDBSnapshot),
     * as on AWS */
    if (!rds__ref(r, "snapshot", want, &account, &region, &name) || !str_eq(region, r->region))
        return snap_not_found(r, want);
    str_t snap = rds__identifier(r, name, "DBSnapshotIdentifier", 255);
    if (!snap.p) return snap_not_found(r, want);
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = snap_row_of(r, db, account, region, snap);
    if (!st) return GR_ERR;
    str_t status = store_col_str(a, st, 12), engine = store_col_str(a, st, 3);
    rds__new_t n = {.cls = store_col_str(a, st, 14),
                    .user = store_col_str(a, st, 5),
                    .db_name = store_col_str(a, st, 15),
                    .storage_type = store_col_str(a, st, 7),
                    .version = arena_strdup(a, (const char *)sqlite3_column_text(st, 4)),
                    .snapshot = arena_strndup(a, snap.p, snap.len),
                    .snapshot_account =
                        str_eq(account, r->who.account) ? NULL : arena_strndup(a, account.p, account.len),
                    .storage = sqlite3_column_int64(st, 6),
                    .port = sqlite3_column_int64(st, 8),
                    .backup_days = 1,
                    .engine = arena_strndup(a, engine.p, engine.len)};
    store_release(st);
    if (!str_eq_c(status, "available"))
        return req_fail(r, E_SNAP_STATE, "Snapshot %.*s is not in available state.", STR_FMT(snap));
    str_t e = val_get_str(in, "Engine");
    if (e.p && !str_eq(e, engine))
        return req_fail(r, &ERR_InvalidParameterValue, "The engine %.*s does not match the snapshot's engine %.*s.",
                        STR_FMT(e), STR_FMT(engine));
    if (rds__instance_given(r, in, &n) != GR_OK) return GR_ERR;
    return rds__instance_new(r, in, id, &n, out);
}

int rds_copy_db_snapshot(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t want = val_get_str(in, "SourceDBSnapshotIdentifier");
    /* the source: an identifier, or an ARN naming a snapshot of this
     * account in any region (a copy across regions is asked in the
     * target's region, as on AWS), or one another account shared */
    str_t account, region, name;
    if (!rds__ref(r, "snapshot", want, &account, &region, &name)) return snap_not_found(r, want);
    str_t src = rds__identifier(r, name, "SourceDBSnapshotIdentifier", 255);
    if (!src.p) return snap_not_found(r, want);
    str_t target = rds__identifier(r, val_get_str(in, "TargetDBSnapshotIdentifier"), "TargetDBSnapshotIdentifier", 255);
    if (!target.p) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = snap_row_of(r, db, account, region, src);
    const char *status = st ? arena_strdup(a, (const char *)sqlite3_column_text(st, 12)) : NULL;
    if (st && store_release(st) != SQLITE_OK) return rds__end(db, false);
    /* not found: named as given (an ARN stays an ARN) */
    if (!status && r->err == E_SNAP_NOTFOUND) snap_not_found(r, want);
    if (!status) return rds__end(db, false);
    int rc = GR_OK;
    if (strcmp(status, "available") != 0)
        rc = req_fail(r, E_SNAP_STATE, "Snapshot %.*s is not in available state.", STR_FMT(src));
    if (rc == GR_OK) rc = snapshot_new(r, db, target);
    bool own = str_eq(account, r->who.account);
    if (rc == GR_OK) {
        st = store_stmt(db, "INSERT INTO db_snapshot (account, region, id, instance_id, resource_id, class, engine, "
                            "version, master_user, db_name, storage, storage_type, port, zone, vpc_id, instance_ms, "
                            "status, created_ms, source, original_ms, source_account) SELECT ?7, ?5, ?4, "
                            "instance_id, resource_id, class, engine, version, master_user, db_name, storage, "
                            "storage_type, port, zone, vpc_id, instance_ms, 'creating', ?6, ?2 || '/' || id, "
                            "coalesce(original_ms, created_ms), nullif(?1, ?7) FROM db_snapshot WHERE account = ?1 "
                            "AND region = ?2 AND id = ?3");
        if (st) {
            store_bind_str(st, 1, account);
            store_bind_str(st, 2, region);
            store_bind_str(st, 3, src);
            store_bind_str(st, 4, target);
            store_bind_str(st, 5, r->region);
            sqlite3_bind_int64(st, 6, rds__now_ms());
            store_bind_str(st, 7, r->who.account);
        }
        bool ok = rds__run(st);
        str_t tarn = str_c(rds__arn(r, "snapshot", target));
        /* CopyTags: the source's tags first (the account's own source's
         * only: another account's tags are its own), then those given */
        if (ok && own && val_get_bool(in, "CopyTags", false)) {
            val_t *tags = rds__tags_list(r, db, str_c(rds__arn_of(a, region, r->who.account, "snapshot", src)));
            ok = tags && rds__tags_put(r, db, tarn, tags) == GR_OK;
        }
        ok = ok && rds__tags_put(r, db, tarn, val_get(in, "Tags")) == GR_OK;
        rc = ok ? GR_OK : GR_ERR;
    }
    if (rds__end(db, rc == GR_OK) != GR_OK) return GR_ERR;
    rds__snapshot_event(r, db, target, "creation", "Creating manual snapshot");
    return answer(r, db, target, out);
}

/* ==== Sharing: the restore attribute ==== */

/* The DBSnapshotAttributesResult member of out: the restore attribute of
 * the caller's snapshot id, the accounts it is shared with ('all': every
 * account). */
static int attributes(req_t *r, sqlite3 *db, str_t id, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = rds__stmt(r, db, id,
                                 "SELECT shared_with FROM db_snapshot_share WHERE account = ?1 AND region = ?2 AND "
                                 "id = ?3 ORDER BY shared_with");
    if (!st) return GR_ERR;
    val_t *values = val_new(a, VAL_LIST);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) val_push(a, values, val_str(a, store_col_str(a, st, 0)));
    if (store_release(st) != SQLITE_OK || rc != SQLITE_DONE) return GR_ERR;
    val_t *attr = val_new(a, VAL_STRUCT), *list = val_new(a, VAL_LIST), *res = val_new(a, VAL_STRUCT);
    val_set_c(a, attr, "AttributeName", val_cstr(a, "restore"));
    val_set_c(a, attr, "AttributeValues", values);
    val_push(a, list, attr);
    val_set_c(a, res, "DBSnapshotIdentifier", val_str(a, id));
    val_set_c(a, res, "DBSnapshotAttributes", list);
    return val_set_c(a, out, "DBSnapshotAttributesResult", res);
}

int rds_describe_db_snapshot_attributes(req_t *r, const val_t *in, val_t *out)
{
    str_t want = val_get_str(in, "DBSnapshotIdentifier");
    str_t id = rds__identifier(r, want, "DBSnapshotIdentifier", 255);
    if (!id.p) return snap_not_found(r, want);
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = snap_row(r, db, id); /* the caller's own only */
    if (!st) return GR_ERR;
    store_release(st);
    return attributes(r, db, id, out);
}

/* Whether list holds only account ids (12 digits) and 'all'; r failed if not. */
static bool share_values(req_t *r, const val_t *list)
{
    for (size_t i = 0; i < val_len(list); i++) {
        str_t v = list->u.list.v[i]->u.s;
        bool ok = str_eq_c(v, "all") || v.len == 12;
        for (size_t k = 0; ok && k < v.len && !str_eq_c(v, "all"); k++) ok = isdigit((unsigned char)v.p[k]);
        if (!ok) {
            req_fail(r, &ERR_InvalidParameterValue,
                     "Invalid value %.*s for the restore attribute: an account ID "
                     "of 12 digits, or all, is expected.",
                     STR_FMT(v));
            return false;
        }
    }
    return true;
}

/* The values of list removed from (del) or added to the restore attribute
 * of the caller's snapshot id, in the caller's transaction. */
static bool share_change(req_t *r, sqlite3 *db, str_t id, const val_t *list, bool del)
{
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(list); i++) {
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     del ? "DELETE FROM db_snapshot_share WHERE account = ?1 AND region = ?2 AND id = "
                                           "?3 AND shared_with = ?4"
                                         : "INSERT OR IGNORE INTO db_snapshot_share (account, region, id, "
                                           "shared_with) VALUES (?1, ?2, ?3, ?4)");
        if (st) store_bind_str(st, 4, list->u.list.v[i]->u.s);
        ok = rds__run(st);
    }
    return ok;
}

int rds_modify_db_snapshot_attribute(req_t *r, const val_t *in, val_t *out)
{
    str_t want = val_get_str(in, "DBSnapshotIdentifier");
    str_t id = rds__identifier(r, want, "DBSnapshotIdentifier", 255);
    if (!id.p) return snap_not_found(r, want);
    str_t name = val_get_str(in, "AttributeName");
    /* AWS: restore is the attribute a manual DB snapshot has */
    if (!str_eq_c(name, "restore"))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid snapshot attribute name: %.*s", STR_FMT(name));
    const val_t *add = val_get(in, "ValuesToAdd"), *del = val_get(in, "ValuesToRemove");
    if (!share_values(r, add) || !share_values(r, del)) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = snap_row(r, db, id);
    if (!st) return rds__end(db, false);
    bool available = !strcmp((const char *)sqlite3_column_text(st, 12), "available");
    store_release(st);
    if (!available) {
        rds__end(db, false);
        return req_fail(r, E_SNAP_STATE, "Snapshot %.*s is not in available state.", STR_FMT(id));
    }
    bool ok = share_change(r, db, id, del, true) && share_change(r, db, id, add, false);
    st = rds__stmt(r, db, id,
                   "SELECT count(*) FROM db_snapshot_share WHERE account = ?1 AND region = ?2 AND id = ?3 AND "
                   "shared_with != 'all'");
    int64_t shares = ok && st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (st && store_release(st) != SQLITE_OK) ok = false;
    if (ok && shares > MAX_SHARES) {
        rds__end(db, false);
        return req_fail(r, &RDS_ERR_SharedSnapshotQuotaExceededFault,
                        "Snapshot %.*s cannot be shared with more than %d accounts.", STR_FMT(id), MAX_SHARES);
    }
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return attributes(r, db, id, out);
}
