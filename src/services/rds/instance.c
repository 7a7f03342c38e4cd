/* instance.c — Amazon RDS DB instances: CreateDBInstance,
 * DescribeDBInstances, ModifyDBInstance, DeleteDBInstance, Stop/Start/
 * RebootDBInstance (read replicas: replica.c).
 *
 * The handlers keep rows and statuses; engine.c, on the ticker thread,
 * makes them true: each DB instance is a machine (runtime/machine.h)
 * running the engine's real server, reached from the host at its endpoint
 * address, a loopback address of 127.203.0.0/16 at the instance's port.
 * AWS gives a DNS name there; the host's resolver knows no gureum names,
 * so the endpoint is the address itself, which every client connects to.
 *
 * Engines (versions.c): postgres, with the host's PostgreSQL server
 * (Debian's postgresql package), and mariadb and mysql, with the host's
 * MariaDB server (mariadb-server); DB parameter groups of gureum's own
 * are PostgreSQL's only. Other engines
 * are AWS's but have no server here: refused, saying so. Texts are AWS's
 * where said "recorded"; the others are not on record. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "rds_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/page.h"
#include "services/rds/rds.h"

#define E_EXISTS (&RDS_ERR_DBInstanceAlreadyExistsFault)
#define E_NOTFOUND (&RDS_ERR_DBInstanceNotFoundFault)
#define E_STATE (&RDS_ERR_InvalidDBInstanceStateFault)
#define E_QUOTA (&RDS_ERR_InstanceQuotaExceededFault)
static const aws_errdef_t E_Combination = {"InvalidParameterCombination", 400, true};

/* AWS (RDS quotas): 40 DB instances per region. */
enum { MAX_INSTANCES = 40 };

/* An instance's read replicas' ids, space-separated (NULL for none). */
#define DB_REPLICAS                                                                                                    \
    "(SELECT group_concat(r.id, ' ') FROM (SELECT id FROM db_instance r WHERE r.account = db_instance.account AND "    \
    "r.region = db_instance.region AND r.replica_of = db_instance.id ORDER BY id) r)"

/* The columns db_value reads, in this order. */
#define DB_COLS                                                                                                        \
    "SELECT id, resource_id, class, engine, version, master_user, db_name, storage, storage_type, port, "              \
    "subnet_group, "                                                                                                   \
    "vpc_id, zone, second_zone, multi_az, public, status, address, backup_days, protected, created_ms, "               \
    "replica_of, " DB_REPLICAS ", param_group, param_status FROM db_instance "

/* AWS (recorded): "The parameter DBInstanceIdentifier is not a valid
 * identifier. Identifiers must begin with a letter; must contain only ASCII
 * letters, digits, and hyphens; and must not end with a hyphen or contain
 * two consecutive hyphens." The identifier is kept lower-cased. */
str_t rds__identifier(req_t *r, str_t id, const char *param, size_t max)
{
    bool ok = id.len >= 1 && id.len <= max && isalpha((unsigned char)id.p[0]) && id.p[id.len - 1] != '-';
    for (size_t i = 0; ok && i < id.len; i++)
        ok = (isalnum((unsigned char)id.p[i]) || id.p[i] == '-') && !(id.p[i] == '-' && i && id.p[i - 1] == '-');
    if (!ok) {
        req_fail(r, &ERR_InvalidParameterValue,
                 "The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain "
                 "only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
                 "consecutive hyphens.",
                 param);
        return STR_NULL;
    }
    char *low = arena_strndup(r->arena, id.p, id.len);
    for (size_t i = 0; i < id.len; i++) low[i] = (char)tolower((unsigned char)low[i]);
    return (str_t){low, id.len};
}

static str_t identifier(req_t *r, str_t id)
{
    return rds__identifier(r, id, "DBInstanceIdentifier", 63);
}

int rds__instance_not_found(req_t *r, str_t id)
{
    /* AWS (recorded): "DBInstance mydb not found." */
    return req_fail(r, E_NOTFOUND, "DBInstance %.*s not found.", STR_FMT(id));
}

const char **rds__db_groups(arena_t *a, sqlite3 *db, str_t account, str_t region, const char *id, size_t *n)
{
    *n = 0;
    sqlite3_stmt *g = store_stmt(db, "SELECT group_id FROM db_instance_sg WHERE account = ?1 AND region = ?2 AND "
                                     "db_id = ?3 ORDER BY seq");
    if (!g) return NULL;
    store_bind_str(g, 1, account);
    store_bind_str(g, 2, region);
    sqlite3_bind_text(g, 3, id, -1, SQLITE_TRANSIENT);
    const char **out = NULL;
    size_t cap = 0;
    while (sqlite3_step(g) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            const char **grown = arena_alloc(a, ncap * sizeof *grown);
            if (!grown) break;
            if (*n) memcpy(grown, out, *n * sizeof *grown);
            out = grown, cap = ncap;
        }
        out[(*n)++] = arena_strdup(a, (const char *)sqlite3_column_text(g, 0));
    }
    store_release(g);
    return out;
}

static val_t *db_value(req_t *r, sqlite3 *db, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    const char *c[25];
    for (int i = 0; i < 25; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
    }
    const char *id = c[0], *status = c[16];
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "DBInstanceIdentifier", val_cstr(a, id));
    val_set_c(a, v, "DBInstanceClass", val_cstr(a, c[2]));
    val_set_c(a, v, "Engine", val_cstr(a, c[3]));
    val_set_c(a, v, "DBInstanceStatus", val_cstr(a, status));
    val_set_c(a, v, "MasterUsername", val_cstr(a, c[5]));
    if (c[6]) val_set_c(a, v, "DBName", val_cstr(a, c[6]));
    /* AWS: no endpoint while the instance is being created */
    if (strcmp(status, "creating") != 0) {
        val_t *ep = val_new(a, VAL_STRUCT);
        val_set_c(a, ep, "Address", val_cstr(a, c[17]));
        val_set_c(a, ep, "Port", val_int(a, sqlite3_column_int(st, 9)));
        val_set_c(a, ep, "HostedZoneId", val_cstr(a, "Z2R2ITUGPM61AM"));
        val_set_c(a, v, "Endpoint", ep);
    }
    val_set_c(a, v, "AllocatedStorage", val_int(a, sqlite3_column_int(st, 7)));
    val_set_c(a, v, "InstanceCreateTime", val_time(a, sqlite3_column_int64(st, 20) * 1000));
    val_set_c(a, v, "PreferredBackupWindow", val_cstr(a, "03:00-03:30"));
    val_set_c(a, v, "BackupRetentionPeriod", val_int(a, sqlite3_column_int(st, 18)));
    val_set_c(a, v, "DBSecurityGroups", val_new(a, VAL_LIST));
    val_t *sgs = val_new(a, VAL_LIST);
    size_t ng;
    const char **groups = rds__db_groups(a, db, r->who.account, r->region, id, &ng);
    for (size_t i = 0; i < ng; i++) {
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "VpcSecurityGroupId", val_cstr(a, groups[i]));
        val_set_c(a, m, "Status", val_cstr(a, "active"));
        val_push(a, sgs, m);
    }
    val_set_c(a, v, "VpcSecurityGroups", sgs);
    val_t *pg = val_new(a, VAL_LIST), *pgm = val_new(a, VAL_STRUCT);
    const char *major = rds__major_of(a, c[3], c[4]);
    /* its group (param.c; NULL: the family's default) and whether a change
     * of it waits for a reboot */
    val_set_c(a, pgm, "DBParameterGroupName",
              val_cstr(a, c[23] ? c[23] : arena_printf(a, "default.%s%s", c[3], major)));
    val_set_c(a, pgm, "ParameterApplyStatus", val_cstr(a, c[24] ? c[24] : "in-sync"));
    val_push(a, pg, pgm);
    val_set_c(a, v, "DBParameterGroups", pg);
    val_set_c(a, v, "AvailabilityZone", val_cstr(a, c[12]));
    if (c[10]) {
        val_t *grp = rds__subnet_group_value(r, db, str_c(c[10]));
        if (grp) val_set_c(a, v, "DBSubnetGroup", grp);
    }
    val_set_c(a, v, "PreferredMaintenanceWindow", val_cstr(a, "sun:05:00-sun:05:30"));
    val_set_c(a, v, "PendingModifiedValues", val_new(a, VAL_STRUCT));
    val_set_c(a, v, "MultiAZ", val_bool(a, sqlite3_column_int(st, 14)));
    val_set_c(a, v, "EngineVersion", val_cstr(a, c[4]));
    val_set_c(a, v, "AutoMinorVersionUpgrade", val_bool(a, true));
    /* a source lists its read replicas, a replica names its source and
     * says it replicates (AWS's StatusInfos of a replica) */
    val_t *replicas = val_new(a, VAL_LIST);
    for (const char *p = c[22]; p && *p;) {
        size_t len = strcspn(p, " ");
        val_push(a, replicas, val_str(a, (str_t){arena_strndup(a, p, len), len}));
        p += len + (p[len] == ' ');
    }
    val_set_c(a, v, "ReadReplicaDBInstanceIdentifiers", replicas);
    if (c[21]) {
        val_set_c(a, v, "ReadReplicaSourceDBInstanceIdentifier", val_cstr(a, c[21]));
        val_t *infos = val_new(a, VAL_LIST), *info = val_new(a, VAL_STRUCT);
        val_set_c(a, info, "StatusType", val_cstr(a, "read replication"));
        val_set_c(a, info, "Normal", val_bool(a, true));
        val_set_c(a, info, "Status", val_cstr(a, "replicating"));
        val_push(a, infos, info);
        val_set_c(a, v, "StatusInfos", infos);
    }
    val_set_c(a, v, "LicenseModel", val_cstr(a, rds__license_of(c[3])));
    val_t *og = val_new(a, VAL_LIST), *ogm = val_new(a, VAL_STRUCT);
    val_set_c(a, ogm, "OptionGroupName", val_cstr(a, rds__option_group_of(a, c[3], c[4])));
    val_set_c(a, ogm, "Status", val_cstr(a, "in-sync"));
    val_push(a, og, ogm);
    val_set_c(a, v, "OptionGroupMemberships", og);
    if (c[13]) val_set_c(a, v, "SecondaryAvailabilityZone", val_cstr(a, c[13]));
    val_set_c(a, v, "PubliclyAccessible", val_bool(a, sqlite3_column_int(st, 15)));
    val_set_c(a, v, "StorageType", val_cstr(a, c[8]));
    val_set_c(a, v, "DbInstancePort", val_int(a, 0));
    val_set_c(a, v, "StorageEncrypted", val_bool(a, false));
    val_set_c(a, v, "DbiResourceId", val_cstr(a, c[1]));
    val_set_c(a, v, "CACertificateIdentifier", val_cstr(a, "rds-ca-rsa2048-g1"));
    val_set_c(a, v, "DomainMemberships", val_new(a, VAL_LIST));
    val_set_c(a, v, "CopyTagsToSnapshot", val_bool(a, false));
    val_set_c(a, v, "MonitoringInterval", val_int(a, 0));
    const char *arn = rds__arn(r, "db", str_c(id));
    val_set_c(a, v, "DBInstanceArn", val_cstr(a, arn));
    val_set_c(a, v, "IAMDatabaseAuthenticationEnabled", val_bool(a, false));
    val_set_c(a, v, "PerformanceInsightsEnabled", val_bool(a, false));
    val_set_c(a, v, "DeletionProtection", val_bool(a, sqlite3_column_int(st, 19)));
    val_set_c(a, v, "AssociatedRoles", val_new(a, VAL_LIST));
    val_t *tags = rds__tags_list(r, db, str_c(arn));
    val_set_c(a, v, "TagList", tags ? tags : val_new(a, VAL_LIST));
    val_set_c(a, v, "CustomerOwnedIpEnabled", val_bool(a, false));
    val_set_c(a, v, "BackupTarget", val_cstr(a, "region"));
    val_set_c(a, v, "NetworkType", val_cstr(a, "IPV4"));
    return v;
}

/* The instance id's value, or NULL (r failed with DBInstanceNotFound or
 * internal). status: its status, in r's arena, when asked. */
static val_t *one(req_t *r, sqlite3 *db, str_t id, const char **status)
{
    sqlite3_stmt *st = store_stmt(db, DB_COLS "WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    val_t *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = db_value(r, db, st);
        if (status) *status = arena_strdup(r->arena, (const char *)sqlite3_column_text(st, 16));
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    if (!v) rds__instance_not_found(r, id);
    return v;
}

int rds__instance_answer(req_t *r, sqlite3 *db, str_t id, val_t *out)
{
    val_t *v = one(r, db, id, NULL);
    return v ? val_set_c(r->arena, out, "DBInstance", v) : GR_ERR;
}

/* ==== CreateDBInstance ==== */

/* AWS: PostgreSQL's storage is 20–65,536 GiB on gp2, gp3 and io1 (5–3,072
 * on standard, "magnetic"). */
static bool storage_ok(str_t type, int64_t gib)
{
    if (str_eq_c(type, "standard")) return gib >= 5 && gib <= 3072;
    return gib >= 20 && gib <= 65536;
}

/* A master password as AWS checks it for engine e (CreateDBInstance,
 * ModifyDBInstance): GR_OK, or r failed. */
static int password_check(req_t *r, const rds__engine_t *e, str_t pass)
{
    if (pass.len < 8)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter MasterUserPassword is not a valid password "
                        "because it is shorter than 8 characters.");
    /* AWS: at most 41 characters for MySQL and MariaDB, 128 for PostgreSQL */
    if (pass.len > (e->maria ? 41u : 128u))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter MasterUserPassword is not a valid password because it is longer than %u "
                        "characters.",
                        e->maria ? 41u : 128u);
    for (size_t i = 0; i < pass.len; i++)
        if (pass.p[i] == '/' || pass.p[i] == '"' || pass.p[i] == '@' || pass.p[i] == ' ' ||
            (unsigned char)pass.p[i] < 32)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
                            "characters besides '/', '@', '\"', ' ' may be used.");
    return GR_OK;
}

int rds_create_db_instance(req_t *r, const val_t *in, val_t *out)
{
    str_t id = identifier(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!id.p) return GR_ERR;
    str_t engine = val_get_str(in, "Engine"), cls = val_get_str(in, "DBInstanceClass");
    static const char *const aws_engines[] = {
        "postgres",     "mysql",         "mariadb", "oracle-ee", "oracle-se2",   "sqlserver-ee",      "sqlserver-se",
        "sqlserver-ex", "sqlserver-web", "db2-se",  "db2-ae",    "aurora-mysql", "aurora-postgresql", NULL};
    const rds__engine_t *eng = rds__engine(engine);
    if (!eng) {
        for (const char *const *e = aws_engines; *e; e++)
            if (str_eq_c(engine, *e))
                return req_fail(r, &E_Combination,
                                "The %.*s engine has no server in gureum: postgres, mariadb and mysql run here "
                                "when their servers (Debian's postgresql and mariadb-server) are installed.",
                                STR_FMT(engine));
        /* AWS (recorded): "Invalid DB engine" */
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid DB engine");
    }
    /* AWS (recorded): "Invalid DB Instance class: x" */
    if (!str_starts_with(cls, str_c("db.")) || cls.len < 6)
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid DB Instance class: %.*s", STR_FMT(cls));
    str_t user = val_get_str(in, "MasterUsername"), pass = val_get_str(in, "MasterUserPassword");
    /* AWS (recorded): "The parameter MasterUsername must be provided and must
     * not be blank." / "The parameter MasterUserPassword is not a valid
     * password because it is shorter than 8 characters." */
    if (!user.len)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter MasterUsername must be provided and must not be "
                        "blank.");
    /* AWS: 1 to 63 letters, digits and underscores for PostgreSQL, 1 to
     * 16 for MySQL and MariaDB, beginning with a letter */
    size_t umax = eng->maria ? 16 : 63;
    bool uok = user.len <= umax && isalpha((unsigned char)user.p[0]);
    for (size_t i = 0; uok && i < user.len; i++) uok = isalnum((unsigned char)user.p[i]) || user.p[i] == '_';
    if (!uok && user.len > umax)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter MasterUsername is not a valid identifier: the %s engine takes 1 to %zu "
                        "letters, digits and underscores.",
                        eng->name, umax);
    if (!uok)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "MasterUsername %.*s cannot be used as it is a reserved word used by the engine",
                        STR_FMT(user));
    if ((!eng->maria && str_eq_c(user, "postgres")) || str_eq_c(user, "rdsadmin"))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "MasterUsername %.*s cannot be used as it is a reserved word used by the engine",
                        STR_FMT(user));
    if (!pass.len)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter MasterUserPassword must be provided and must "
                        "not be blank.");
    if (password_check(r, eng, pass) != GR_OK) return GR_ERR;
    str_t stype = val_get_str(in, "StorageType");
    if (!stype.p) stype = str_c("gp2");
    int64_t storage = val_get_int(in, "AllocatedStorage", 20);
    if (!storage_ok(stype, storage))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Invalid storage size for engine name %s and storage type %.*s: %lld", eng->name,
                        STR_FMT(stype), (long long)storage);
    str_t want = val_get_str(in, "EngineVersion");
    if (want.p && !rds__version_matches(eng, want)) /* AWS (recorded): "Cannot find version 13.4 for postgres" */
        return req_fail(r, &E_Combination, "Cannot find version %.*s for %s", STR_FMT(want), eng->name);
    str_t dbname = val_get_str(in, "DBName");
    bool nok =
        !dbname.p || (dbname.len <= (eng->maria ? 64u : 63u) && dbname.len && isalpha((unsigned char)dbname.p[0]));
    for (size_t i = 0; nok && dbname.p && i < dbname.len; i++)
        nok = isalnum((unsigned char)dbname.p[i]) || dbname.p[i] == '_';
    if (!nok)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter DBName is not a valid identifier. Identifiers "
                        "must begin with a letter; must contain only ASCII letters, "
                        "digits, and underscores.");
    int64_t port = val_get_int(in, "Port", eng->port);
    if (port < 1150 || port > 65535)
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid port %lld: the port must be 1150-65535.",
                        (long long)port);
    rds__new_t n = {.cls = cls,
                    .user = user,
                    .password = pass,
                    .db_name = dbname,
                    .storage_type = stype,
                    .engine = eng->name,
                    .version = eng->version,
                    .storage = storage,
                    .port = port,
                    .backup_days = val_get_int(in, "BackupRetentionPeriod", 1)};
    return rds__instance_new(r, in, id, &n, out);
}

int rds__instance_given(req_t *r, const val_t *in, rds__new_t *n)
{
    str_t cls = val_get_str(in, "DBInstanceClass"), stype = val_get_str(in, "StorageType");
    if (cls.p) {
        /* AWS (recorded): "Invalid DB Instance class: x" */
        if (!str_starts_with(cls, str_c("db.")) || cls.len < 6)
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid DB Instance class: %.*s", STR_FMT(cls));
        n->cls = cls;
    }
    if (val_get(in, "Port")) {
        n->port = val_get_int(in, "Port", n->port);
        if (n->port < 1150 || n->port > 65535)
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid port %lld: the port must be 1150-65535.",
                            (long long)n->port);
    }
    if (stype.p) n->storage_type = stype;
    return GR_OK;
}

/* The engine an instance has (its name as kept), or NULL with r failed
 * when its server is no longer on this host. */
static const rds__engine_t *engine_of(req_t *r, const char *name)
{
    const rds__engine_t *e = name ? rds__engine(str_c(name)) : NULL;
    if (!e) req_fail(r, &E_Combination, "The %s engine has no server on this host.", name ? name : "");
    return e;
}

/* The DB parameter group name an instance of engine e takes: GR_OK with
 * *stored as rds__param_group_check keeps it, or r failed. gureum's
 * groups are PostgreSQL's (param.c): a MariaDB or MySQL instance takes
 * its family's default group only. */
static int param_group_of(req_t *r, sqlite3 *db, const rds__engine_t *e, str_t name, const char **stored)
{
    if (!e->maria) return rds__param_group_check(r, db, name, stored);
    *stored = NULL;
    if (str_eq_c(name, arena_printf(r->arena, "default.%s", e->family))) return GR_OK;
    return req_fail(r, &E_Combination,
                    "DB parameter groups of the %s family are not served by gureum: a %s instance takes "
                    "default.%s.",
                    e->family, e->name, e->family);
}

int rds__instance_new(req_t *r, const val_t *in, str_t id, const rds__new_t *n, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    /* Where it runs: the subnet group's first subnet of the zone asked (or
     * the first), a standby zone for Multi-AZ; without a group, the
     * default VPC's default subnets (group "default"). */
    str_t group = val_get_str(in, "DBSubnetGroupName"), zone = val_get_str(in, "AvailabilityZone");
    bool multi = val_get_bool(in, "MultiAZ", false);
    if (multi && zone.p) /* AWS (recorded) */
        return req_fail(r, &E_Combination,
                        "Requesting a specific availability zone is not valid for Multi-AZ "
                        "instances.");
    const rds__engine_t *eng = engine_of(r, n->engine);
    if (!eng) return GR_ERR;
    if (n->replica_of) group = n->group ? str_c(n->group) : STR_NULL;
    /* its DB parameter group: the one asked, a replica's source's, or the
     * family's default (NULL) */
    const char *params = n->param_group;
    str_t pgn = val_get_str(in, "DBParameterGroupName");
    if (pgn.p && param_group_of(r, db, eng, pgn, &params) != GR_OK) return GR_ERR;
    rds__placement_t pl;
    /* a replica reaches its source at the source's address: never its own */
    for (int tries = 0; tries < 8; tries++) {
        if (rds__place(r, db, group, zone, multi, &pl) != GR_OK) return GR_ERR;
        if (!n->source_ip || strcmp(pl.private_ip, n->source_ip) != 0) break;
    }
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT (SELECT 1 FROM db_instance WHERE account = ?1 AND region = ?2 AND id = "
                                      "?3), (SELECT count(*) FROM db_instance WHERE account = ?1 AND region = ?2)");
    if (!st) return rds__end(db, false);
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool exists = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    int64_t count = sqlite3_column_int64(st, 1);
    if (store_release(st) != SQLITE_OK) return rds__end(db, false);
    if (exists) {
        rds__end(db, false);
        /* AWS (recorded): "DB instance already exists" */
        return req_fail(r, E_EXISTS, "DB instance already exists");
    }
    if (count >= MAX_INSTANCES) {
        rds__end(db, false);
        return req_fail(r, E_QUOTA, "DB instance quota exceeded");
    }
    const char *address = rds__address_pick(r, db);
    char rid[27];
    id_random_chars(rid, 26, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    rid[26] = 0;
    st = store_stmt(
        db, "INSERT INTO db_instance (account, region, id, resource_id, class, engine, version, "
            "master_user, password, db_name, storage, storage_type, port, subnet_group, vpc_id, zone, "
            "second_zone, multi_az, public, status, address, private_ip, backup_days, protected, "
            "created_ms, standby_ip, snapshot, snapshot_account, replica_of, repl_secret, param_group) VALUES (?1, ?2, "
            "?3, ?4, ?5, ?30, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 'creating', ?19, ?20, "
            "?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)");
    bool ok = st && address;
    if (ok) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, id);
        sqlite3_bind_text(st, 4, arena_printf(a, "db-%s", rid), -1, SQLITE_STATIC);
        store_bind_str(st, 5, n->cls);
        sqlite3_bind_text(st, 6, n->version, -1, SQLITE_STATIC);
        store_bind_str(st, 7, n->user);
        if (n->password.p) store_bind_str(st, 8, n->password);
        if (n->db_name.p) store_bind_str(st, 9, n->db_name);
        sqlite3_bind_int64(st, 10, n->storage);
        store_bind_str(st, 11, n->storage_type);
        sqlite3_bind_int64(st, 12, n->port);
        if (pl.group) sqlite3_bind_text(st, 13, pl.group, -1, SQLITE_STATIC);
        if (pl.vpc) sqlite3_bind_text(st, 14, pl.vpc, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 15, pl.zone, -1, SQLITE_STATIC);
        if (pl.second) sqlite3_bind_text(st, 16, pl.second, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 17, multi);
        sqlite3_bind_int(st, 18, val_get_bool(in, "PubliclyAccessible", false));
        sqlite3_bind_text(st, 19, address, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 20, pl.private_ip, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 21, n->backup_days);
        sqlite3_bind_int(st, 22, val_get_bool(in, "DeletionProtection", false));
        sqlite3_bind_int64(st, 23, rds__now_ms());
        if (pl.standby_ip) sqlite3_bind_text(st, 24, pl.standby_ip, -1, SQLITE_STATIC);
        if (n->snapshot) sqlite3_bind_text(st, 25, n->snapshot, -1, SQLITE_STATIC);
        if (n->snapshot_account) sqlite3_bind_text(st, 26, n->snapshot_account, -1, SQLITE_STATIC);
        if (n->replica_of) sqlite3_bind_text(st, 27, n->replica_of, -1, SQLITE_STATIC);
        if (n->secret) sqlite3_bind_text(st, 28, n->secret, -1, SQLITE_STATIC);
        if (params) sqlite3_bind_text(st, 29, params, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 30, n->engine, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (st && store_release(st) != SQLITE_OK) ok = false;
    const val_t *sgs = val_get(in, "VpcSecurityGroupIds");
    for (size_t i = 0; ok && i < val_len(sgs); i++) {
        st = store_stmt(db, "INSERT OR IGNORE INTO db_instance_sg (account, region, db_id, group_id, seq) VALUES (?1, "
                            "?2, ?3, ?4, ?5)");
        ok = st != NULL;
        if (!ok) break;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, id);
        store_bind_str(st, 4, sgs->u.list.v[i]->u.s);
        sqlite3_bind_int64(st, 5, (int64_t)i);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (store_release(st) != SQLITE_OK) ok = false;
    }
    ok = ok && rds__tags_put(r, db, str_c(rds__arn(r, "db", id)), val_get(in, "Tags")) == GR_OK;
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return rds__instance_answer(r, db, id, out);
}

/* ==== Reading ==== */

static val_t *page_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    return db_value(r, ctx, st);
}

int rds_describe_db_instances(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t want = val_get_str(in, "DBInstanceIdentifier");
    if (want.p) {
        str_t id = identifier(r, want);
        if (!id.p) return rds__instance_not_found(r, want);
        val_t *v = one(r, db, id, NULL);
        if (!v) return GR_ERR;
        val_t *list = val_new(a, VAL_LIST);
        val_push(a, list, v);
        return val_set_c(a, out, "DBInstances", list);
    }
    return rds__page(r, in, out, db, DB_COLS "WHERE account = ?1 AND region = ?2 ORDER BY id", "DBInstances", page_item,
                     db);
}

/* ==== Changes ==== */

/* The instance's status when it is one of ok (NULL-terminated), else r
 * failed as AWS refuses (recorded: "Instance mydb is not in available
 * state."). */
static const char *need_status(req_t *r, sqlite3 *db, str_t id, const char *const *ok)
{
    const char *status = NULL;
    if (!one(r, db, id, &status)) return NULL;
    for (const char *const *s = ok; *s; s++)
        if (!strcmp(status, *s)) return status;
    req_fail(r, E_STATE, "Instance %.*s is not in %s state.", STR_FMT(id), ok[0]);
    return NULL;
}

sqlite3_stmt *rds__stmt(req_t *r, sqlite3 *db, str_t id, const char *sql)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    return st;
}

bool rds__run(sqlite3_stmt *st)
{
    if (!st) return false;
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

static bool set_status(req_t *r, sqlite3 *db, str_t id, const char *status)
{
    sqlite3_stmt *st =
        rds__stmt(r, db, id, "UPDATE db_instance SET status = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (st) sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
    return rds__run(st);
}

/* The instance's status from one of from to to, when check (NULL: none)
 * lets it. */
static int change(req_t *r, const val_t *in, val_t *out, const char *const *from, const char *to,
                  int (*check)(req_t *r, sqlite3 *db, str_t id))
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t id = identifier(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!id.p) return rds__instance_not_found(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!need_status(r, db, id, from) || (check && check(r, db, id) != GR_OK)) return GR_ERR;
    if (!set_status(r, db, id, to)) return GR_ERR;
    return rds__instance_answer(r, db, id, out);
}

/* An instance's part in read replication: whether it is a read replica,
 * and how many replicas it has (how many still being created). False on a
 * store failure. */
typedef struct {
    bool replica;
    int64_t replicas, creating;
} replication_t;

static bool replication(req_t *r, sqlite3 *db, str_t id, replication_t *rp)
{
    sqlite3_stmt *st =
        rds__stmt(r, db, id,
                  "SELECT (SELECT replica_of IS NOT NULL FROM db_instance WHERE account = ?1 AND region = ?2 AND id = "
                  "?3), count(*), coalesce(sum(status = 'creating'), 0) FROM db_instance WHERE account = ?1 AND "
                  "region = ?2 AND replica_of = ?3");
    if (!st) return false;
    bool row = sqlite3_step(st) == SQLITE_ROW;
    *rp = (replication_t){row && sqlite3_column_int(st, 0), row ? sqlite3_column_int64(st, 1) : 0,
                          row ? sqlite3_column_int64(st, 2) : 0};
    return store_release(st) == SQLITE_OK && row;
}

int rds__retention_check(req_t *r, sqlite3 *db, str_t id, int64_t days)
{
    /* AWS (API reference): "It must be a value from 0 to 35." */
    if (days < 0 || days > 35)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Invalid backup retention period: %lld. The period must be between 0 and 35 days.",
                        (long long)days);
    replication_t rp;
    if (!replication(r, db, id, &rp)) return GR_ERR;
    /* AWS (API reference): "It can't be set to 0 if the DB instance is a
     * source to read replicas." */
    if (rp.replicas && days == 0)
        return req_fail(r, &E_Combination,
                        "The backup retention period of DB instance %.*s cannot be 0: it is a source of read replicas.",
                        STR_FMT(id));
    return GR_OK;
}

/* StopDBInstance's further condition. AWS (User Guide): "You can't stop a
 * DB instance that has a read replica, or that is a read replica." (the
 * refusal's text is not on record) */
static int stoppable(req_t *r, sqlite3 *db, str_t id)
{
    replication_t rp;
    if (!replication(r, db, id, &rp)) return GR_ERR;
    if (rp.replica || rp.replicas)
        return req_fail(r, E_STATE, "Cannot stop DB instance %.*s: it %s.", STR_FMT(id),
                        rp.replica ? "is a read replica" : "has read replicas");
    return GR_OK;
}

int rds_stop_db_instance(req_t *r, const val_t *in, val_t *out)
{
    static const char *const from[] = {"available", NULL};
    return change(r, in, out, from, "stopping", stoppable);
}

int rds_start_db_instance(req_t *r, const val_t *in, val_t *out)
{
    static const char *const from[] = {"stopped", NULL};
    return change(r, in, out, from, "starting", NULL);
}

/* (rds.h) */
const char *rds__instance_column(req_t *r, sqlite3 *db, str_t id, const char *col)
{
    sqlite3_stmt *st = rds__stmt(
        r, db, id,
        arena_printf(r->arena, "SELECT %s FROM db_instance WHERE account = ?1 AND region = ?2 AND id = ?3", col));
    if (!st) return NULL;
    const char *v = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
                        ? arena_strdup(r->arena, (const char *)sqlite3_column_text(st, 0))
                        : NULL;
    store_release(st);
    return v;
}

/* ForceFailover: the engine (engine.c) stops the primary, so every
 * committed change reaches the standby, promotes the standby and makes the
 * old primary the new standby; the zones and addresses swap. */
int rds_reboot_db_instance(req_t *r, const val_t *in, val_t *out)
{
    static const char *const from[] = {"available", NULL};
    if (!val_get_bool(in, "ForceFailover", false)) return change(r, in, out, from, "rebooting", NULL);
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t id = identifier(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!id.p) return rds__instance_not_found(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!need_status(r, db, id, from)) return GR_ERR;
    const char *standby = rds__instance_column(r, db, id, "standby_ip");
    if (!standby)
        return req_fail(r, &E_Combination, "Cannot do a forced failover on DB instance %.*s: it is not Multi-AZ.",
                        STR_FMT(id));
    if (!rds__run(rds__stmt(r, db, id,
                            "UPDATE db_instance SET status = 'rebooting', failover = 1 WHERE account = ?1 AND region = "
                            "?2 AND id = ?3")))
        return GR_ERR;
    return rds__instance_answer(r, db, id, out);
}

int rds_delete_db_instance(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t id = identifier(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!id.p) return rds__instance_not_found(r, val_get_str(in, "DBInstanceIdentifier"));
    const char *status = NULL;
    val_t *v = one(r, db, id, &status);
    if (!v) return GR_ERR;
    bool skip = val_get_bool(in, "SkipFinalSnapshot", false);
    str_t snap = val_get_str(in, "FinalDBSnapshotIdentifier");
    /* AWS (recorded): "FinalDBSnapshotIdentifier is required unless
     * SkipFinalSnapshot is specified." */
    if (!skip && !snap.p)
        return req_fail(r, &E_Combination,
                        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is "
                        "specified.");
    if (skip && snap.p)
        return req_fail(r, &E_Combination, "Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.");
    if (val_get_bool(v, "DeletionProtection", false)) /* AWS (recorded) */
        return req_fail(r, &E_Combination,
                        "Cannot delete protected DB Instance, please disable deletion protection "
                        "and try again.");
    if (!strcmp(status, "deleting"))
        return req_fail(r, E_STATE, "Instance %.*s is already being deleted.", STR_FMT(id));
    replication_t rp;
    if (!replication(r, db, id, &rp)) return GR_ERR;
    /* AWS (API reference): a final snapshot "Can't be specified when
     * deleting a read replica." */
    if (rp.replica && snap.p)
        return req_fail(r, &E_Combination,
                        "FinalDBSnapshotIdentifier cannot be specified when deleting a read "
                        "replica.");
    /* its replicas are promoted (below); one still making its copy could
     * not be */
    if (rp.creating)
        return req_fail(r, E_STATE, "Cannot delete DB instance %.*s while a read replica of it is being created.",
                        STR_FMT(id));
    /* the final snapshot: the engine (engine.c) takes it before the
     * instance goes */
    str_t final = STR_NULL;
    if (!skip && !(final = rds__identifier(r, snap, "FinalDBSnapshotIdentifier", 255)).p) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    bool ok = (!final.p || rds__snapshot_insert(r, db, final, id, NULL) == GR_OK) && set_status(r, db, id, "deleting");
    /* AWS (User Guide): deleting a source DB instance promotes its read
     * replicas in its region to standalone instances; the engine boots
     * each again as a primary (engine.c) */
    ok = ok && rds__run(rds__stmt(r, db, id,
                                  "UPDATE db_instance SET replica_of = NULL, status = CASE status WHEN 'available' "
                                  "THEN 'modifying' ELSE status END WHERE account = ?1 AND region = ?2 AND "
                                  "replica_of = ?3"));
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    if (final.p) rds__snapshot_event(r, db, final, "creation", "Creating manual snapshot");
    return rds__instance_answer(r, db, id, out);
}

int rds_modify_db_instance(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t id = identifier(r, val_get_str(in, "DBInstanceIdentifier"));
    if (!id.p) return rds__instance_not_found(r, val_get_str(in, "DBInstanceIdentifier"));
    static const char *const from[] = {"available", "stopped", NULL};
    const char *status = need_status(r, db, id, from);
    if (!status) return GR_ERR;
    const rds__engine_t *eng = engine_of(r, rds__instance_column(r, db, id, "engine"));
    if (!eng) return GR_ERR;
    str_t pass = val_get_str(in, "MasterUserPassword"), cls = val_get_str(in, "DBInstanceClass");
    if (pass.p && password_check(r, eng, pass) != GR_OK) return GR_ERR;
    if (cls.p && (!str_starts_with(cls, str_c("db.")) || cls.len < 6))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid DB Instance class: %.*s", STR_FMT(cls));
    int64_t storage = val_get_int(in, "AllocatedStorage", 0);
    if (val_get(in, "AllocatedStorage") && !storage_ok(str_c("gp2"), storage))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Invalid storage size for engine name %s and storage type gp2: %lld", eng->name,
                        (long long)storage);
    if (pass.p && strcmp(status, "available") != 0)
        return req_fail(r, E_STATE, "Instance %.*s is not in available state.", STR_FMT(id));
    int64_t port = val_get_int(in, "DBPortNumber", 0);
    if (val_get(in, "DBPortNumber") && (port < 1150 || port > 65535))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid port %lld: the port must be 1150-65535.",
                        (long long)port);
    replication_t rp;
    if (!replication(r, db, id, &rp)) return GR_ERR;
    const val_t *days = val_get(in, "BackupRetentionPeriod");
    if (days && rds__retention_check(r, db, id, val_get_int(in, "BackupRetentionPeriod", 0)) != GR_OK) return GR_ERR;
    /* a replica's master password is its source's, as its data is */
    if (rp.replica && pass.p)
        return req_fail(r, &E_Combination,
                        "The master user password of read replica %.*s cannot be modified: it is its source's.",
                        STR_FMT(id));
    /* a new DB parameter group: the engine writes it into the server,
     * which reloads it; its static parameters wait for a reboot (AWS:
     * pending-reboot, whatever ApplyImmediately says) */
    const char *params = NULL;
    str_t pgn = val_get_str(in, "DBParameterGroupName");
    if (pgn.p && param_group_of(r, db, eng, pgn, &params) != GR_OK) return GR_ERR;
    /* to Multi-AZ: a standby zone and address, placed as at creation */
    const val_t *mz = val_get(in, "MultiAZ");
    rds__placement_t pl = {0};
    bool to_multi = mz && mz->kind == VAL_BOOL && mz->u.b;
    if (rp.replica && to_multi)
        return req_fail(r, &E_Combination, "Multi-AZ read replicas are not supported in gureum.");
    if (to_multi && !rds__instance_column(r, db, id, "standby_ip")) {
        const char *group = rds__instance_column(r, db, id, "subnet_group"),
                   *zone = rds__instance_column(r, db, id, "zone");
        if (rds__place(r, db, group ? str_c(group) : (str_t){0}, zone ? str_c(zone) : (str_t){0}, true, &pl) != GR_OK)
            return GR_ERR;
    }
    if (rds__begin(db) != GR_OK) return GR_ERR;
    static const struct {
        const char *member, *column;
        bool is_bool;
    } simple[] = {{"DBInstanceClass", "class", false},
                  {"AllocatedStorage", "storage", false},
                  {"BackupRetentionPeriod", "backup_days", false},
                  {"DeletionProtection", "protected", true},
                  {"PubliclyAccessible", "public", true},
                  {"MultiAZ", "multi_az", true}};
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof simple / sizeof simple[0]; i++) {
        const val_t *m = val_get(in, simple[i].member);
        if (!m) continue;
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     arena_printf(r->arena,
                                                  "UPDATE db_instance SET %s = ?4 WHERE account = ?1 AND region = "
                                                  "?2 AND id = ?3",
                                                  simple[i].column));
        if (st && m->kind == VAL_STR)
            store_bind_str(st, 4, m->u.s);
        else if (st)
            sqlite3_bind_int64(st, 4, m->kind == VAL_BOOL ? m->u.b : m->u.i);
        ok = rds__run(st);
    }
    if (ok && mz && (!to_multi || pl.standby_ip)) {
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     "UPDATE db_instance SET second_zone = ?4, standby_ip = ?5 WHERE account = "
                                     "?1 AND region = ?2 AND id = ?3");
        if (st && to_multi) {
            sqlite3_bind_text(st, 4, pl.second, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, pl.standby_ip, -1, SQLITE_STATIC);
        }
        ok = rds__run(st);
    }
    if (ok && pgn.p) {
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     "UPDATE db_instance SET param_group = ?4, param_status = CASE WHEN "
                                     "param_group IS ?4 THEN param_status ELSE 'pending-reboot' END WHERE account = "
                                     "?1 AND region = ?2 AND id = ?3");
        if (st && params) sqlite3_bind_text(st, 4, params, -1, SQLITE_STATIC);
        ok = rds__run(st);
    }
    /* A new port: AWS reboots the instance for it, whatever
     * ApplyImmediately says (a stopped one takes it when started). */
    const char *was = rds__instance_column(r, db, id, "port");
    if (ok && val_get(in, "DBPortNumber") && was && port != atoll(was)) {
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     "UPDATE db_instance SET port = ?4, status = CASE status WHEN 'available' "
                                     "THEN 'rebooting' ELSE status END WHERE account = ?1 AND region = ?2 AND "
                                     "id = ?3");
        if (st) sqlite3_bind_int64(st, 4, port);
        ok = rds__run(st);
    }
    /* A new master password is applied by the engine (engine.c) in status
     * resetting-master-credentials, then the instance is available again. */
    if (ok && pass.p) {
        sqlite3_stmt *st = rds__stmt(r, db, id,
                                     "UPDATE db_instance SET password = ?4, status = 'resetting-master-credentials' "
                                     "WHERE account = ?1 AND region = ?2 AND id = ?3");
        if (st) store_bind_str(st, 4, pass);
        ok = rds__run(st);
    }
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return rds__instance_answer(r, db, id, out);
}
