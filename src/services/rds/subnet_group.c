/* subnet_group.c — Amazon RDS DB subnet groups: CreateDBSubnetGroup,
 * DescribeDBSubnetGroups, ModifyDBSubnetGroup, DeleteDBSubnetGroup.
 *
 * A DB subnet group names the VPC subnets a database may be placed in. Its
 * subnets must exist (EC2 says so, through ec2_subnet_info), share one VPC
 * and cover at least two availability zones, so a Multi-AZ standby always has
 * a zone of its own (AWS: "Working with a DB instance in a VPC"). RDS keeps
 * the name lower-cased and answers with it so.
 *
 * Texts: the AZ-coverage, already-exists and invalid-subnet refusals are
 * AWS's as clients record them; the others are not on record and say what
 * AWS's documentation states as the constraint. */
#include <ctype.h>
#include <string.h>

#include "rds_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/page.h"
#include "services/rds/rds.h"

#define E_EXISTS (&RDS_ERR_DBSubnetGroupAlreadyExistsFault)
#define E_NOTFOUND (&RDS_ERR_DBSubnetGroupNotFoundFault)
#define E_AZS (&RDS_ERR_DBSubnetGroupDoesNotCoverEnoughAZs)
#define E_SUBNET (&RDS_ERR_InvalidSubnet)
#define E_SUBNET_QUOTA (&RDS_ERR_DBSubnetQuotaExceededFault)
#define E_GROUP_QUOTA (&RDS_ERR_DBSubnetGroupQuotaExceededFault)

/* AWS (RDS quotas): 50 DB subnet groups per account and region, 20 subnets
 * per group. */
enum { MAX_GROUPS = 50, MAX_SUBNETS = 20 };

/* AWS: "Must contain no more than 255 letters, numbers, periods,
 * underscores, spaces, or hyphens. Must not be default." The name is kept
 * lower-cased. NULL with r failed when it is not such a name. */
static str_t group_name(req_t *r, str_t n)
{
    bool ok = n.len > 0 && n.len <= 255;
    for (size_t i = 0; ok && i < n.len; i++) {
        unsigned char c = (unsigned char)n.p[i];
        ok = isalnum(c) || c == '.' || c == '_' || c == ' ' || c == '-';
    }
    if (!ok) {
        req_fail(r, &ERR_InvalidParameterValue,
                 "The parameter DBSubnetGroupName must contain no more than 255 letters, numbers, periods, "
                 "underscores, spaces, or hyphens.");
        return STR_NULL;
    }
    char *low = arena_strndup(r->arena, n.p, n.len);
    for (size_t i = 0; i < n.len; i++) low[i] = (char)tolower((unsigned char)low[i]);
    return (str_t){low, n.len};
}

int rds__subnet_group_exists(req_t *r, sqlite3 *db, str_t name)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM subnet_group WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st);
    if (store_release(st) != SQLITE_OK) return -1;
    return rc == SQLITE_ROW;
}

/* ==== The subnets a request names ==== */

typedef struct {
    str_t id;
    const char *vpc, *zone;
} grp_subnet_t;

/* Looks every subnet up in EC2 and holds them to the group's rules: all
 * exist, one VPC, at least two zones, at most MAX_SUBNETS. The subnets named
 * twice count once. GR_OK with *out / *n, or r failed. */
static int check_subnets(req_t *r, const val_t *ids, grp_subnet_t **out, size_t *n)
{
    arena_t *a = r->arena;
    size_t cap = val_len(ids);
    grp_subnet_t *m = ARENA_NEWN(a, grp_subnet_t, cap + 1);
    size_t k = 0;
    buf_t missing;
    buf_init(&missing, a);
    size_t nmissing = 0;
    for (size_t i = 0; i < cap; i++) {
        str_t id = ids->u.list.v[i]->u.s;
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++) dup = str_eq(m[j].id, id);
        if (dup) continue;
        ec2_subnet_info_t info;
        int found = ec2_subnet_info(r->app, r->who.account, r->region, id, a, &info);
        if (found < 0) return GR_ERR;
        if (!found) {
            buf_printf(&missing, "%s%.*s", nmissing++ ? ", " : "", STR_FMT(id));
            continue;
        }
        m[k++] = (grp_subnet_t){id, info.vpc_id, info.zone};
    }
    /* AWS (recorded): InvalidParameterValue "Some input subnets in
     * :[subnet-0f7a9adc9560fae45, subnet-07544dcf861d1f761] are invalid." */
    if (nmissing) {
        str_t list = buf_str(&missing);
        return req_fail(r, &ERR_InvalidParameterValue, "Some input subnets in :[%.*s] are invalid.", STR_FMT(list));
    }
    if (k > MAX_SUBNETS)
        return req_fail(r, E_SUBNET_QUOTA,
                        "The request cannot be processed because it would exceed the maximum "
                        "number of subnets in a DB subnet group (20).");
    /* AWS's API reference: "The requested subnet is invalid, or multiple
     * subnets were requested that are not all in a common VPC." */
    for (size_t i = 1; i < k; i++)
        if (strcmp(m[i].vpc, m[0].vpc) != 0)
            return req_fail(r, E_SUBNET,
                            "The requested subnet is invalid, or multiple subnets were requested that are not all "
                            "in a common VPC.");
    size_t nzones = 0;
    buf_t zones;
    buf_init(&zones, a);
    for (size_t i = 0; i < k; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(m[j].zone, m[i].zone) == 0;
        if (!seen) buf_printf(&zones, "%s%s", nzones++ ? ", " : "", m[i].zone);
    }
    /* AWS (recorded, since 2022): "The DB subnet group doesn't meet
     * Availability Zone (AZ) coverage requirement. Current AZ coverage:
     * us-east-2a. Add subnets to cover at least 2 AZs." */
    if (nzones < 2) {
        str_t cov = buf_str(&zones);
        return req_fail(r, E_AZS,
                        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ "
                        "coverage: %.*s. Add subnets to cover at least 2 AZs.",
                        STR_FMT(cov));
    }
    *out = m;
    *n = k;
    return GR_OK;
}

static int write_subnets(req_t *r, sqlite3 *db, str_t name, const grp_subnet_t *m, size_t n)
{
    sqlite3_stmt *del =
        store_stmt(db, "DELETE FROM subnet_group_subnet WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!del) return GR_ERR;
    store_bind_str(del, 1, r->who.account);
    store_bind_str(del, 2, r->region);
    store_bind_str(del, 3, name);
    bool ok = sqlite3_step(del) == SQLITE_DONE;
    ok = store_release(del) == SQLITE_OK && ok;
    sqlite3_stmt *st =
        ok ? store_stmt(db, "INSERT INTO subnet_group_subnet (account, region, name, subnet_id, zone, seq) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
           : NULL;
    if (!st) return GR_ERR;
    for (size_t i = 0; ok && i < n; i++) {
        sqlite3_reset(st);
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        store_bind_str(st, 4, m[i].id);
        store_bind_str(st, 5, str_c(m[i].zone));
        sqlite3_bind_int64(st, 6, (int64_t)i);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

/* ==== Answers ==== */

/* The DBSubnetGroup structure of the group named, NULL when it does not
 * exist (*missing) or on a store failure. */
static val_t *group_value(req_t *r, sqlite3 *db, str_t name, bool *missing)
{
    arena_t *a = r->arena;
    *missing = false;
    sqlite3_stmt *st = store_stmt(db, "SELECT description, vpc_id FROM subnet_group "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    val_t *g = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        g = val_new(a, VAL_STRUCT);
        val_set_c(a, g, "DBSubnetGroupName", val_str(a, name));
        val_set_c(a, g, "DBSubnetGroupDescription", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, g, "VpcId", val_str(a, store_col_str(a, st, 1)));
        /* AWS: a group whose subnets are all usable is "Complete". */
        val_set_c(a, g, "SubnetGroupStatus", val_cstr(a, "Complete"));
    } else
        *missing = true;
    if (store_release(st) != SQLITE_OK || !g) return NULL;
    st = store_stmt(db, "SELECT subnet_id, zone FROM subnet_group_subnet WHERE account = ?1 AND region = ?2 AND "
                        "name = ?3 ORDER BY seq, subnet_id");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    val_t *subnets = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *s = val_new(a, VAL_STRUCT), *az = val_new(a, VAL_STRUCT);
        val_set_c(a, s, "SubnetIdentifier", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, az, "Name", val_str(a, store_col_str(a, st, 1)));
        val_set_c(a, s, "SubnetAvailabilityZone", az);
        /* AWS's describe-db-subnet-groups shows "SubnetOutpost": {} for a
         * subnet in a region rather than on an Outpost. */
        val_set_c(a, s, "SubnetOutpost", val_new(a, VAL_STRUCT));
        val_set_c(a, s, "SubnetStatus", val_cstr(a, "Active"));
        val_push(a, subnets, s);
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    val_set_c(a, g, "Subnets", subnets);
    val_set_c(a, g, "DBSubnetGroupArn", val_cstr(a, rds__arn(r, "subgrp", name)));
    val_t *types = val_new(a, VAL_LIST);
    val_push(a, types, val_cstr(a, "IPV4"));
    val_set_c(a, g, "SupportedNetworkTypes", types);
    return g;
}

val_t *rds__subnet_group_value(req_t *r, sqlite3 *db, str_t name)
{
    bool missing;
    return group_value(r, db, name, &missing);
}

/* AWS (as an RDS client records it): DBSubnetGroupNotFoundFault "DB subnet
 * group 'NAME' does not exist." */
static int not_found(req_t *r, str_t name)
{
    return req_fail(r, E_NOTFOUND, "DB subnet group '%.*s' does not exist.", STR_FMT(name));
}

static int answer_group(req_t *r, sqlite3 *db, str_t name, val_t *out)
{
    bool missing;
    val_t *g = group_value(r, db, name, &missing);
    if (!g) return missing ? not_found(r, name) : GR_ERR;
    return val_set_c(r->arena, out, "DBSubnetGroup", g);
}

/* ==== Operations ==== */

int rds_create_db_subnet_group(req_t *r, const val_t *in, val_t *out)
{
    str_t name = group_name(r, val_get_str(in, "DBSubnetGroupName"));
    if (!name.p) return GR_ERR;
    if (str_eq_c(name, "default"))
        return req_fail(r, &ERR_InvalidParameterValue, "The parameter DBSubnetGroupName must not be default.");
    grp_subnet_t *m;
    size_t n;
    if (check_subnets(r, val_get(in, "SubnetIds"), &m, &n) != GR_OK) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db || rds__begin(db) != GR_OK) return GR_ERR;
    int exists = rds__subnet_group_exists(r, db, name);
    int64_t count = -1;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM subnet_group WHERE account = ?1 AND region = ?2");
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        if (sqlite3_step(st) == SQLITE_ROW) count = sqlite3_column_int64(st, 0);
        if (store_release(st) != SQLITE_OK) count = -1;
    }
    if (exists != 0 || count < 0 || count >= MAX_GROUPS) {
        rds__end(db, false);
        if (exists > 0) return req_fail(r, E_EXISTS, "The DB subnet group '%.*s' already exists.", STR_FMT(name));
        if (exists < 0 || count < 0) return GR_ERR;
        return req_fail(r, E_GROUP_QUOTA,
                        "The request cannot be processed because it would exceed the maximum "
                        "number of DB subnet groups (50).");
    }
    str_t desc = val_get_str(in, "DBSubnetGroupDescription");
    st = store_stmt(db, "INSERT INTO subnet_group (account, region, name, description, vpc_id, created_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        store_bind_str(st, 4, desc.p ? desc : str_c(""));
        store_bind_str(st, 5, str_c(m[0].vpc));
        sqlite3_bind_int64(st, 6, rds__now_ms());
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && write_subnets(r, db, name, m, n) == GR_OK;
    ok = ok && rds__tags_put(r, db, str_c(rds__arn(r, "subgrp", name)), val_get(in, "Tags")) == GR_OK;
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return answer_group(r, db, name, out);
}

static val_t *page_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    bool missing;
    return group_value(r, ctx, store_col_str(r->arena, st, 0), &missing);
}

int rds_describe_db_subnet_groups(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t given = val_get_str(in, "DBSubnetGroupName");
    if (given.p) {
        str_t name = group_name(r, given);
        if (!name.p) return GR_ERR;
        bool missing;
        val_t *g = group_value(r, db, name, &missing);
        if (!g) return missing ? not_found(r, name) : GR_ERR;
        val_t *list = val_new(a, VAL_LIST);
        val_push(a, list, g);
        return val_set_c(a, out, "DBSubnetGroups", list);
    }
    return rds__page(r, in, out, db, "SELECT name FROM subnet_group WHERE account = ?1 AND region = ?2 ORDER BY name",
                     "DBSubnetGroups", page_item, db);
}

int rds__page_args(req_t *r, const val_t *in, int64_t *max, long long *off)
{
    /* AWS: MaxRecords "Default: 100. Constraints: Minimum 20, maximum 100."
     * The text is the one RDS answers for its Describe operations (not on
     * record for every one). */
    *max = 100, *off = 0;
    if (val_get(in, "MaxRecords")) {
        *max = val_get_int(in, "MaxRecords", 100);
        if (*max < 20 || *max > 100)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Invalid value %lld for MaxRecords. Must be between 20 and 100", (long long)*max);
    }
    str_t marker = val_get_str(in, "Marker");
    if (marker.p && (!str_to_i64(marker, off) || *off < 0))
        return req_fail(r, &ERR_InvalidParameterValue, "The parameter Marker is not valid.");
    return GR_OK;
}

int rds__page(req_t *r, const val_t *in, val_t *out, sqlite3 *db, const char *sql, const char *member,
              val_t *(*item)(req_t *r, sqlite3_stmt *st, void *ctx), void *ctx)
{
    int64_t max;
    long long off;
    if (rds__page_args(r, in, &max, &off) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "%s LIMIT ?3 OFFSET ?4", sql));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, max + 1);
    sqlite3_bind_int64(st, 4, off);
    int64_t n = page_rows(r, st, max, out, member, item, ctx);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "Marker", n, max, off);
    return GR_OK;
}

int rds_modify_db_subnet_group(req_t *r, const val_t *in, val_t *out)
{
    str_t name = group_name(r, val_get_str(in, "DBSubnetGroupName"));
    if (!name.p) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    int exists = rds__subnet_group_exists(r, db, name);
    if (exists < 0) return GR_ERR;
    if (!exists) return not_found(r, name);
    grp_subnet_t *m;
    size_t n;
    if (check_subnets(r, val_get(in, "SubnetIds"), &m, &n) != GR_OK) return GR_ERR;
    if (rds__begin(db) != GR_OK) return GR_ERR;
    str_t desc = val_get_str(in, "DBSubnetGroupDescription");
    sqlite3_stmt *st = store_stmt(db, "UPDATE subnet_group SET vpc_id = ?4, description = coalesce(?5, description) "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        store_bind_str(st, 4, str_c(m[0].vpc));
        store_bind_str(st, 5, desc);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && write_subnets(r, db, name, m, n) == GR_OK;
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return answer_group(r, db, name, out);
}

int rds_delete_db_subnet_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t name = group_name(r, val_get_str(in, "DBSubnetGroupName"));
    if (!name.p) return GR_ERR;
    sqlite3 *db = rds__db(r->app);
    if (!db || rds__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    int changed = 0;
    static const char *const sql[] = {
        "DELETE FROM subnet_group WHERE account = ?1 AND region = ?2 AND name = ?3",
        "DELETE FROM subnet_group_subnet WHERE account = ?1 AND region = ?2 AND name = ?3",
    };
    for (size_t i = 0; ok && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = store_stmt(db, sql[i]);
        if (!st) {
            ok = false;
            break;
        }
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (i == 0) changed = sqlite3_changes(db);
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && (!changed || rds__tags_drop(db, str_c(rds__arn(r, "subgrp", name))) == GR_OK);
    if (rds__end(db, ok && changed) != GR_OK) return ok ? not_found(r, name) : GR_ERR;
    return GR_OK;
}
