/* replica.c — Amazon RDS read replicas: CreateDBInstanceReadReplica and
 * PromoteReadReplica.
 *
 * A read replica is a DB instance of its own (its endpoint, its machine)
 * whose data is its source's. The handlers keep rows; engine.c boots the
 * replica's machine from a base backup of the source's server, then has it
 * replay the source's changes as PostgreSQL's streaming replication sends
 * them, serving reads meanwhile (a hot standby: writes are refused as in a
 * read-only transaction). A replica's replica replays its source's
 * (PostgreSQL's cascading replication, which RDS offers from version
 * 14.1). A mariadb or mysql replica loads a dump of its source's server
 * and then replicates its binary log, read-only (engine.c's
 * maria_follower_script). PromoteReadReplica makes it a standalone
 * instance, which engine.c
 * boots again as a primary; deleting a source promotes its replicas
 * (instance.c). The source and its replicas share one replication role,
 * whose password is the source's repl_secret.
 *
 * Replicas are in the source's region and VPC: cross-region and Multi-AZ
 * replicas are refused, saying so. Texts are AWS's where said "recorded";
 * the others are not on record. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "rds_model.h"
#include "services/app.h"
#include "services/rds/rds.h"

#define E_STATE (&RDS_ERR_InvalidDBInstanceStateFault)
static const aws_errdef_t E_Combination = {"InvalidParameterCombination", 400, true};

/* AWS (User Guide): up to 15 read replicas of a source in its region. */
enum { MAX_REPLICAS = 15 };

int rds_create_db_instance_read_replica(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = rds__identifier(r, val_get_str(in, "DBInstanceIdentifier"), "DBInstanceIdentifier", 63);
    if (!id.p) return GR_ERR;
    str_t want = val_get_str(in, "SourceDBInstanceIdentifier"), account, region, name;
    if (!rds__ref(r, "db", want, &account, &region, &name) || !str_eq(account, r->who.account))
        return rds__instance_not_found(r, want);
    if (!str_eq(region, r->region))
        return req_fail(r, &E_Combination,
                        "Cross-Region read replicas are not supported in gureum: the source DB instance must be in "
                        "%.*s.",
                        STR_FMT(r->region));
    str_t src = rds__identifier(r, name, "SourceDBInstanceIdentifier", 63);
    if (!src.p) return rds__instance_not_found(r, want);
    /* AWS (API reference): a subnet group "can only be specified if the
     * source DB instance identifier specifies a DB instance in another
     * Amazon Web Services Region"; a same-region replica is in its
     * source's VPC */
    if (val_get_str(in, "DBSubnetGroupName").p)
        return req_fail(r, &RDS_ERR_DBSubnetGroupNotAllowedFault,
                        "A DB subnet group may be given only for a read replica in another region than its source.");
    if (val_get_bool(in, "MultiAZ", false))
        return req_fail(r, &E_Combination, "Multi-AZ read replicas are not supported in gureum.");
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st =
        rds__stmt(r, db, src,
                  "SELECT class, master_user, db_name, storage, storage_type, port, version, status, "
                  "backup_days, subnet_group, private_ip, repl_secret, param_group, engine, (SELECT count(*) FROM "
                  "db_instance c WHERE c.account = ?1 AND c.region = ?2 AND c.replica_of = ?3) FROM "
                  "db_instance WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW)
        return store_release(st) == SQLITE_OK ? rds__instance_not_found(r, src) : GR_ERR;
    /* a replica has its source's data, so its master user and database;
     * automated backups start disabled (AWS: "RDS creates read replicas
     * with backups disabled") */
    rds__new_t n = {.cls = store_col_str(a, st, 0),
                    .user = store_col_str(a, st, 1),
                    .db_name = store_col_str(a, st, 2),
                    .storage = sqlite3_column_int64(st, 3),
                    .storage_type = store_col_str(a, st, 4),
                    .port = sqlite3_column_int64(st, 5),
                    .version = arena_strdup(a, (const char *)sqlite3_column_text(st, 6)),
                    .backup_days = 0,
                    .replica_of = arena_strndup(a, src.p, src.len),
                    .group = store_col_str(a, st, 9).p,
                    .source_ip = arena_strdup(a, (const char *)sqlite3_column_text(st, 10)),
                    .secret = store_col_str(a, st, 11).p,
                    .param_group = store_col_str(a, st, 12).p,
                    .engine = store_col_str(a, st, 13).p};
    str_t status = store_col_str(a, st, 7);
    int64_t backup_days = sqlite3_column_int64(st, 8), replicas = sqlite3_column_int64(st, 14);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "Instance mydb is not in available state." */
    if (!str_eq_c(status, "available"))
        return req_fail(r, E_STATE, "Instance %.*s is not in available state.", STR_FMT(src));
    if (backup_days == 0) /* AWS (recorded) */
        return req_fail(r, E_STATE,
                        "Automated backups are not enabled for this database instance. To enable automated backups, "
                        "use ModifyDBInstance to set the backup retention period to a non-zero value.");
    if (replicas >= MAX_REPLICAS)
        return req_fail(r, &RDS_ERR_InstanceQuotaExceededFault, "DB instance %.*s already has %d read replicas.",
                        STR_FMT(src), MAX_REPLICAS);
    if (rds__instance_given(r, in, &n) != GR_OK) return GR_ERR;
    /* the replication role's password: the source's, made now if it has
     * none (it is kept even if the replica is then refused) */
    if (!n.secret) {
        n.secret = rds__secret(a);
        st = rds__stmt(r, db, src,
                       "UPDATE db_instance SET repl_secret = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3");
        if (st) sqlite3_bind_text(st, 4, n.secret, -1, SQLITE_STATIC);
        if (!rds__run(st)) return GR_ERR;
    }
    return rds__instance_new(r, in, id, &n, out);
}

int rds_promote_read_replica(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t given = val_get_str(in, "DBInstanceIdentifier"), id = rds__identifier(r, given, "DBInstanceIdentifier", 63);
    if (!id.p) return rds__instance_not_found(r, given);
    const char *status = rds__instance_column(r, db, id, "status");
    if (!status) return rds__instance_not_found(r, id);
    if (!rds__instance_column(r, db, id, "replica_of"))
        return req_fail(r, E_STATE, "DB Instance %.*s is not a read replica.", STR_FMT(id));
    if (strcmp(status, "available") != 0)
        return req_fail(r, E_STATE, "Instance %.*s is not in available state.", STR_FMT(id));
    /* AWS (API reference): "Default: 1" */
    int64_t days = val_get_int(in, "BackupRetentionPeriod", 1);
    if (rds__retention_check(r, db, id, days) != GR_OK) return GR_ERR;
    /* the engine (engine.c) boots it again as a primary, then it is
     * available */
    sqlite3_stmt *st = rds__stmt(r, db, id,
                                 "UPDATE db_instance SET replica_of = NULL, backup_days = ?4, status = 'modifying' "
                                 "WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (st) sqlite3_bind_int64(st, 4, days);
    if (!rds__run(st)) return GR_ERR;
    return rds__instance_answer(r, db, id, out);
}
