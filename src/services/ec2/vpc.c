/* vpc.c — EC2 VPCs and subnets: CreateVpc, DescribeVpcs, DeleteVpc,
 * Modify/DescribeVpcAttribute, Associate/DisassociateVpcCidrBlock,
 * CreateDefaultVpc, CreateSubnet, CreateDefaultSubnet, DescribeSubnets,
 * DeleteSubnet, ModifySubnetAttribute.
 *
 * A VPC gets, as on AWS, a main route table holding the local route of each
 * of its blocks; a subnet must lie inside one of its VPC's blocks without
 * overlapping another subnet. AWS: "VPC CIDR blocks" and "Subnet CIDR
 * blocks", Amazon VPC User Guide (sizes /16 to /28; five addresses of each
 * subnet reserved). The refusals' texts are AWS's as recorded by clients and
 * by moto and LocalStack, which copy them; "not on record" where not. */
#include <stdio.h>
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_VpcRange = {"InvalidVpc.Range", 400, true};
static const aws_errdef_t E_SubnetRange = {"InvalidSubnet.Range", 400, true};
static const aws_errdef_t E_SubnetConflict = {"InvalidSubnet.Conflict", 400, true};
static const aws_errdef_t E_Dependency = {"DependencyViolation", 400, true};
static const aws_errdef_t E_DefaultExists = {"DefaultVpcAlreadyExists", 400, true};
static const aws_errdef_t E_CidrLimit = {"CidrLimitExceeded", 400, true};
static const aws_errdef_t E_CidrAssocNF = {"InvalidVpcCidrBlockAssociationID.NotFound", 400, true};
static const aws_errdef_t E_CidrConflict = {"InvalidVpc.Range", 400, true};
static const aws_errdef_t E_NoDefaultVpc = {"DefaultVpcDoesNotExist", 400, true};
static const aws_errdef_t E_DefaultSubnetExists = {"DefaultSubnetAlreadyExistsInAvailabilityZone", 400, true};

static int vpc_not_found(req_t *r, str_t id)
{
    return ec2__not_found(r, "InvalidVpcID.NotFound", "vpc", id);
}

static int bad_cidr(req_t *r, str_t c)
{
    /* AWS: "Value (10.0.0.0/33) for parameter cidrBlock is invalid. This is
     * not a valid CIDR block." */
    return req_fail(r, &ERR_InvalidParameterValue,
                    "Value (%.*s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", STR_FMT(c));
}

static int64_t count_of(req_t *r, sqlite3 *db, const char *sql, str_t id)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    return store_release(st) == SQLITE_OK ? n : -1;
}

static bool run3(req_t *r, sqlite3 *db, const char *sql, str_t id)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

/* ==== VPCs ==== */

/* A new VPC's rows: the VPC, its primary block, its main route table with
 * the local route. */
static bool insert_vpc(req_t *r, sqlite3 *db, const char *id, str_t cidr, bool is_default, str_t tenancy)
{
    arena_t *a = r->arena;
    const char *rtb = ec2__new_id(a, "rtb");
    int64_t seq = ec2__seq();
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO vpc (account, region, id, cidr, is_default, tenancy, dhcp_id, "
                                      "dns_support, dns_hostnames) SELECT ?1, ?2, ?3, ?4, ?5, ?6, dhcp_id, 1, ?5 FROM "
                                      "region_init WHERE account = ?1 AND region = ?2");
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    store_bind_str(st, 4, cidr);
    sqlite3_bind_int(st, 5, is_default);
    store_bind_str(st, 6, tenancy.p ? tenancy : str_c("default"));
    bool ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
    ok = store_release(st) == SQLITE_OK && ok;
    const char *sqls[] = {
        "INSERT INTO vpc_cidr (account, region, assoc_id, vpc_id, cidr, seq) VALUES (?1, ?2, ?5, ?3, ?4, ?6)",
        "INSERT INTO rtb (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?7, ?3, ?6)",
        "INSERT INTO rtb_assoc (account, region, id, rtb_id, vpc_id, subnet_id, main) VALUES (?1, ?2, ?8, ?7, ?3, "
        "NULL, 1)",
        "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) VALUES (?1, ?2, ?7, ?4, 'local', "
        "'CreateRouteTable', ?6)",
    };
    const char *assoc = ec2__new_id(a, "vpc-cidr-assoc"), *rassoc = ec2__new_id(a, "rtbassoc");
    for (size_t i = 0; ok && i < sizeof sqls / sizeof sqls[0]; i++) {
        st = store_stmt(db, sqls[i]);
        if (!st) return false;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        store_bind_str(st, 4, cidr);
        if (sqlite3_bind_parameter_index(st, "?5")) sqlite3_bind_text(st, 5, assoc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, seq);
        if (sqlite3_bind_parameter_index(st, "?7")) sqlite3_bind_text(st, 7, rtb, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_index(st, "?8")) sqlite3_bind_text(st, 8, rassoc, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    return ok && ec2__vpc_born(r, db, id);
}

/* The Vpc structure of row st (id, cidr, is_default, tenancy, dhcp_id). */
static val_t *vpc_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    str_t id = store_col_str(a, st, 0), cidr = store_col_str(a, st, 1), tenancy = store_col_str(a, st, 3),
          dhcp = store_col_str(a, st, 4);
    bool def = sqlite3_column_int(st, 2);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "CidrBlock", val_str(a, cidr));
    val_set_c(a, v, "DhcpOptionsId", val_str(a, dhcp));
    val_set_c(a, v, "State", val_cstr(a, "available"));
    val_set_c(a, v, "VpcId", val_str(a, id));
    val_set_c(a, v, "OwnerId", val_str(a, r->who.account));
    val_set_c(a, v, "InstanceTenancy", val_str(a, tenancy));
    ec2__fields_init(f, a);
    const char *cid = arena_strndup(a, id.p, id.len);
    ec2__field(f, "vpc-id", cid);
    ec2__field(f, "cidr", arena_strndup(a, cidr.p, cidr.len));
    ec2__field(f, "cidr-block", arena_strndup(a, cidr.p, cidr.len));
    ec2__field(f, "dhcp-options-id", arena_strndup(a, dhcp.p, dhcp.len));
    ec2__field(f, "is-default", def ? "true" : "false");
    ec2__field(f, "state", "available");
    ec2__field(f, "owner-id", arena_strndup(a, r->who.account.p, r->who.account.len));
    ec2__field(f, "instance-tenancy", arena_strndup(a, tenancy.p, tenancy.len));
    val_t *set = val_new(a, VAL_LIST);
    sqlite3_stmt *c = store_stmt(db, "SELECT assoc_id, cidr FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND "
                                     "vpc_id = ?3 ORDER BY seq");
    if (!c) return NULL;
    store_bind_str(c, 1, r->who.account);
    store_bind_str(c, 2, r->region);
    store_bind_str(c, 3, id);
    while (sqlite3_step(c) == SQLITE_ROW) {
        val_t *as = val_new(a, VAL_STRUCT), *state = val_new(a, VAL_STRUCT);
        str_t aid = store_col_str(a, c, 0), blk = store_col_str(a, c, 1);
        val_set_c(a, as, "AssociationId", val_str(a, aid));
        val_set_c(a, as, "CidrBlock", val_str(a, blk));
        val_set_c(a, state, "State", val_cstr(a, "associated"));
        val_set_c(a, as, "CidrBlockState", state);
        val_push(a, set, as);
        ec2__field(f, "cidr-block-association.cidr-block", arena_strndup(a, blk.p, blk.len));
        ec2__field(f, "cidr-block-association.association-id", arena_strndup(a, aid.p, aid.len));
        ec2__field(f, "cidr-block-association.state", "associated");
    }
    if (store_release(c) != SQLITE_OK) return NULL;
    val_set_c(a, v, "CidrBlockAssociationSet", set);
    val_set_c(a, v, "IsDefault", val_bool(a, def));
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, v, "Tags", tags);
    ec2__field_tags(f, tags);
    return v;
}

static const char VPC_COLS[] = "SELECT id, cidr, is_default, tenancy, dhcp_id FROM vpc ";

/* A Create* answer: out's member is the structure value makes of resource
 * id's row (cols: its SELECT ... FROM). */
typedef val_t *row_value_fn(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f);
static int answer_row(req_t *r, sqlite3 *db, const char *cols, row_value_fn *value, const char *id, const char *member,
                      val_t *out)
{
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "%sWHERE account = ?1 AND region = ?2 AND id = ?3", cols));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    ec2__fields_t f;
    val_t *v = sqlite3_step(st) == SQLITE_ROW ? value(r, db, st, &f) : NULL;
    if (store_release(st) != SQLITE_OK || !v) return GR_ERR;
    return val_set_c(r->arena, out, member, v);
}

static int answer_vpc(req_t *r, sqlite3 *db, const char *id, const char *member, val_t *out)
{
    return answer_row(r, db, VPC_COLS, vpc_value, id, member, out);
}

int ec2_create_vpc(req_t *r, const val_t *in, val_t *out)
{
    str_t cidr = val_get_str(in, "CidrBlock");
    ec2__cidr_t c;
    if (!cidr.p)
        return req_fail(r, &ERR_MissingParameter, "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
    if (!ec2__cidr_parse(cidr, &c)) return bad_cidr(r, cidr);
    /* AWS: "The allowed block size is between a /16 netmask (65,536 IP
     * addresses) and /28 netmask (16 IP addresses)." */
    if (c.len < 16 || c.len > 28) return req_fail(r, &E_VpcRange, "The CIDR '%.*s' is invalid.", STR_FMT(cidr));
    str_t tenancy = val_get_str(in, "InstanceTenancy");
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__begin(db) != GR_OK) return GR_ERR;
    const char *id = ec2__new_id(r->arena, "vpc");
    bool ok = insert_vpc(r, db, id, cidr, false, tenancy);
    int rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "vpc", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    return answer_vpc(r, db, id, "Vpc", out);
}

int ec2_create_default_vpc(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    int64_t n = count_of(r, db,
                         "SELECT count(*) FROM vpc WHERE account = ?1 AND region = ?2 AND is_default = 1 AND "
                         "?3 IS NOT NULL",
                         str_c(""));
    if (n < 0) return GR_ERR;
    /* AWS (recorded): DefaultVpcAlreadyExists "A Default VPC already exists
     * for this account in this region." */
    if (n) return req_fail(r, &E_DefaultExists, "A Default VPC already exists for this account in this region.");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    arena_t *a = r->arena;
    const char *id = ec2__new_id(a, "vpc");
    bool ok = insert_vpc(r, db, id, str_c("172.31.0.0/16"), true, STR_NULL);
    /* Its subnets, gateway and default route, as the region's first one. */
    const char *igw = ec2__new_id(a, "igw");
    const char *zones = ec2__zone_list(r);
    size_t k = 0;
    for (const char *z = zones; ok && *z; k++) {
        const char *end = strstr(z, ", ");
        size_t zl = end ? (size_t)(end - z) : strlen(z);
        sqlite3_stmt *st =
            store_stmt(db, "INSERT INTO subnet (account, region, id, vpc_id, cidr, zone, default_for_az, "
                           "map_public, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 1, ?7)");
        if (!st) return ec2__end(db, false), GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_text(st, 3, ec2__new_id(a, "subnet"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, arena_printf(a, "172.31.%zu.0/20", k * 16), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, z, (int)zl, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, (int64_t)k);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
        z = end ? end + 2 : z + zl;
        if (k == 15) break;
    }
    ok = ok && ec2__subnets_adopt(r, db, id);
    if (ok) {
        sqlite3_stmt *st =
            store_stmt(db, "INSERT INTO igw (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)");
        ok = st != NULL;
        if (st) {
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            sqlite3_bind_text(st, 3, igw, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, ec2__seq());
            ok = sqlite3_step(st) == SQLITE_DONE;
            ok = store_release(st) == SQLITE_OK && ok;
        }
    }
    if (ok) {
        sqlite3_stmt *st = store_stmt(db, "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) "
                                          "SELECT account, region, rtb_id, '0.0.0.0/0', ?4, 'CreateRoute', 1 FROM "
                                          "rtb_assoc WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND main = 1");
        ok = st != NULL;
        if (st) {
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, igw, -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
            ok = store_release(st) == SQLITE_OK && ok;
        }
    }
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return answer_vpc(r, db, id, "Vpc", out);
}

int ec2_describe_vpcs(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"cidr",
                                        "cidr-block-association.cidr-block",
                                        "cidr-block-association.association-id",
                                        "cidr-block-association.state",
                                        "dhcp-options-id",
                                        "is-default",
                                        "owner-id",
                                        "state",
                                        "vpc-id",
                                        "instance-tenancy",
                                        "cidr-block",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "VpcIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "vpc", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 ORDER BY is_default DESC, id", VPC_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        if (!ec2__named(ids, id)) continue;
        ec2__fields_t f;
        val_t *v = vpc_value(r, db, st, &f);
        ok = v != NULL;
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return ec2__page(r, in, out, "Vpcs", list, 5);
}

int ec2_delete_vpc(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", id) != GR_OK) return GR_ERR;
    /* AWS: a VPC with subnets, an attached gateway or route tables other
     * than its main one "has dependencies and cannot be deleted". */
    int64_t deps[5] = {
        count_of(r, db, "SELECT count(*) FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", id),
        count_of(r, db, "SELECT count(*) FROM igw WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", id),
        count_of(r, db,
                 "SELECT count(*) FROM rtb WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND id NOT IN (SELECT "
                 "rtb_id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND main = 1)",
                 id),
        count_of(r, db, "SELECT count(*) FROM sg WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND is_default = 0",
                 id),
        count_of(r, db,
                 "SELECT count(*) FROM nacl WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND is_default = 0", id),
    };
    for (size_t i = 0; i < 5; i++) {
        if (deps[i] < 0) return GR_ERR;
        if (deps[i])
            return req_fail(r, &E_Dependency, "The vpc '%.*s' has dependencies and cannot be deleted.", STR_FMT(id));
    }
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = run3(r, db,
                   "DELETE FROM route WHERE account = ?1 AND region = ?2 AND rtb_id IN (SELECT id FROM rtb WHERE "
                   "account = ?1 AND region = ?2 AND vpc_id = ?3)",
                   id);
    ok = ok && run3(r, db,
                    "DELETE FROM tag WHERE account = ?1 AND region = ?2 AND res_id IN (SELECT id FROM rtb WHERE "
                    "account = ?1 AND region = ?2 AND vpc_id = ?3)",
                    id);
    ok = ok && run3(r, db, "DELETE FROM rtb WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", id);
    ok = ok && run3(r, db, "DELETE FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", id);
    ok = ok && run3(r, db, "DELETE FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", id);
    ok = ok && ec2__vpc_gone(r, db, id);
    ok = ok && run3(r, db, "DELETE FROM vpc WHERE account = ?1 AND region = ?2 AND id = ?3", id);
    ok = ok && ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_modify_vpc_attribute(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "VpcId");
    const val_t *sup = val_get(in, "EnableDnsSupport"), *host = val_get(in, "EnableDnsHostnames");
    /* AWS: one attribute per request. */
    if ((sup != NULL) + (host != NULL) != 1)
        return req_fail(r, &ec2__E_combination, "Only one attribute can be modified at a time");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", id) != GR_OK) return GR_ERR;
    const char *sql = sup ? "UPDATE vpc SET dns_support = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3"
                          : "UPDATE vpc SET dns_hostnames = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3";
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    sqlite3_bind_int(st, 4, val_get_bool(sup ? sup : host, "Value", false));
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

int ec2_describe_vpc_attribute(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "VpcId"), attr = val_get_str(in, "Attribute");
    const char *col = str_eq_c(attr, "enableDnsSupport")     ? "dns_support"
                      : str_eq_c(attr, "enableDnsHostnames") ? "dns_hostnames"
                                                             : NULL;
    if (!col)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter attribute is invalid. Unknown attribute.", STR_FMT(attr));
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a, "SELECT %s FROM vpc WHERE account = ?1 AND region = ?2 AND id = ?3", col));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int rc = sqlite3_step(st), v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (rc != SQLITE_ROW) return vpc_not_found(r, id);
    val_t *b = val_new(a, VAL_STRUCT);
    val_set_c(a, b, "Value", val_bool(a, v));
    val_set_c(a, out, "VpcId", val_str(a, id));
    return val_set_c(a, out, str_eq_c(attr, "enableDnsSupport") ? "EnableDnsSupport" : "EnableDnsHostnames", b);
}

int ec2_associate_vpc_cidr_block(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "VpcId"), cidr = val_get_str(in, "CidrBlock");
    ec2__cidr_t c;
    if (!cidr.p)
        return req_fail(r, &ERR_MissingParameter, "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
    if (!ec2__cidr_parse(cidr, &c)) return bad_cidr(r, cidr);
    if (c.len < 16 || c.len > 28) return req_fail(r, &E_VpcRange, "The CIDR '%.*s' is invalid.", STR_FMT(cidr));
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT cidr FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    int n = 0;
    bool clash = false;
    int64_t seq = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ec2__cidr_t have;
        n++;
        seq++;
        if (ec2__cidr_parse(store_col_str(a, st, 0), &have) && ec2__cidr_overlap(have, c)) clash = true;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: five IPv4 blocks per VPC by default (recorded text). */
    if (n >= 5)
        return req_fail(r, &E_CidrLimit, "This network '%.*s' has met its maximum number of allowed CIDRs: 5",
                        STR_FMT(id));
    /* not on record: AWS refuses a block overlapping one of the VPC's */
    if (clash)
        return req_fail(r, &E_CidrConflict, "The CIDR '%.*s' conflicts with another CIDR block of the VPC.",
                        STR_FMT(cidr));
    const char *assoc = ec2__new_id(a, "vpc-cidr-assoc");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    st = store_stmt(db, "INSERT INTO vpc_cidr (account, region, assoc_id, vpc_id, cidr, seq) VALUES (?1, ?2, ?3, ?4, "
                        "?5, ?6)");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_text(st, 3, assoc, -1, SQLITE_STATIC);
        store_bind_str(st, 4, id);
        store_bind_str(st, 5, cidr);
        sqlite3_bind_int64(st, 6, seq);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    /* The main route table gets the block's local route. */
    st = ok ? store_stmt(db, "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) SELECT account, "
                             "region, id, ?4, 'local', 'CreateRouteTable', 0 FROM rtb WHERE account = ?1 AND region = "
                             "?2 AND vpc_id = ?3")
            : NULL;
    ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, id);
        store_bind_str(st, 4, cidr);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    val_t *as = val_new(a, VAL_STRUCT), *state = val_new(a, VAL_STRUCT);
    val_set_c(a, as, "AssociationId", val_cstr(a, assoc));
    val_set_c(a, as, "CidrBlock", val_str(a, cidr));
    val_set_c(a, state, "State", val_cstr(a, "associating"));
    val_set_c(a, as, "CidrBlockState", state);
    val_set_c(a, out, "CidrBlockAssociation", as);
    return val_set_c(a, out, "VpcId", val_str(a, id));
}

int ec2_disassociate_vpc_cidr_block(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t assoc = val_get_str(in, "AssociationId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT vpc_id, cidr, seq FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND "
                                      "assoc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, assoc);
    int rc = sqlite3_step(st);
    str_t vpc = rc == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL,
          cidr = rc == SQLITE_ROW ? store_col_str(a, st, 1) : STR_NULL;
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 2) : -1;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (!vpc.p)
        return req_fail(r, &E_CidrAssocNF, "The vpc CIDR block association ID '%.*s' does not exist", STR_FMT(assoc));
    /* AWS: the primary block cannot be removed (not on record as text). */
    if (seq == 0)
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The vpc CIDR block with association ID %.*s may not be disassociated. It is the primary IPv4 "
                        "CIDR block of the VPC",
                        STR_FMT(assoc));
    ec2__cidr_t c;
    ec2__cidr_parse(cidr, &c);
    st = store_stmt(db, "SELECT cidr FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    bool used = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ec2__cidr_t s;
        if (ec2__cidr_parse(store_col_str(a, st, 0), &s) && ec2__cidr_within(s, c)) used = true;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (used)
        return req_fail(r, &E_Dependency, "The vpc CIDR block '%.*s' has dependencies and cannot be disassociated.",
                        STR_FMT(cidr));
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = run3(r, db, "DELETE FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND assoc_id = ?3", assoc);
    st = ok ? store_stmt(db, "DELETE FROM route WHERE account = ?1 AND region = ?2 AND dest = ?4 AND target = 'local' "
                             "AND rtb_id IN (SELECT id FROM rtb WHERE account = ?1 AND region = ?2 AND vpc_id = ?3)")
            : NULL;
    ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, vpc);
        store_bind_str(st, 4, cidr);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    val_t *as = val_new(a, VAL_STRUCT), *state = val_new(a, VAL_STRUCT);
    val_set_c(a, as, "AssociationId", val_str(a, assoc));
    val_set_c(a, as, "CidrBlock", val_str(a, cidr));
    val_set_c(a, state, "State", val_cstr(a, "disassociating"));
    val_set_c(a, as, "CidrBlockState", state);
    val_set_c(a, out, "CidrBlockAssociation", as);
    return val_set_c(a, out, "VpcId", val_str(a, vpc));
}

/* ==== Subnets ==== */

static const char SUBNET_COLS[] = "SELECT id, vpc_id, cidr, zone, default_for_az, map_public FROM subnet ";

static val_t *subnet_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    str_t id = store_col_str(a, st, 0), vpc = store_col_str(a, st, 1), cidr = store_col_str(a, st, 2),
          zone = store_col_str(a, st, 3);
    bool def = sqlite3_column_int(st, 4), pub = sqlite3_column_int(st, 5);
    ec2__cidr_t c = {0, 32};
    ec2__cidr_parse(cidr, &c);
    const char *zname = arena_strndup(a, zone.p, zone.len), *zid = ec2__zone_id(r, zname);
    int64_t avail = ((int64_t)1 << (32 - c.len)) - 5;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "AvailabilityZone", val_cstr(a, zname));
    if (zid) val_set_c(a, v, "AvailabilityZoneId", val_cstr(a, zid));
    val_set_c(a, v, "AvailableIpAddressCount", val_int(a, avail));
    val_set_c(a, v, "CidrBlock", val_str(a, cidr));
    val_set_c(a, v, "DefaultForAz", val_bool(a, def));
    val_set_c(a, v, "MapPublicIpOnLaunch", val_bool(a, pub));
    val_set_c(a, v, "MapCustomerOwnedIpOnLaunch", val_bool(a, false));
    val_set_c(a, v, "State", val_cstr(a, "available"));
    val_set_c(a, v, "SubnetId", val_str(a, id));
    val_set_c(a, v, "VpcId", val_str(a, vpc));
    val_set_c(a, v, "OwnerId", val_str(a, r->who.account));
    val_set_c(a, v, "AssignIpv6AddressOnCreation", val_bool(a, false));
    val_set_c(a, v, "Ipv6CidrBlockAssociationSet", val_new(a, VAL_LIST));
    val_set_c(a, v, "SubnetArn",
              val_cstr(a, arena_printf(a, "arn:aws:ec2:%.*s:%.*s:subnet/%.*s", STR_FMT(r->region),
                                       STR_FMT(r->who.account), STR_FMT(id))));
    val_set_c(a, v, "EnableDns64", val_bool(a, false));
    val_set_c(a, v, "Ipv6Native", val_bool(a, false));
    val_t *dns = val_new(a, VAL_STRUCT);
    val_set_c(a, dns, "HostnameType", val_cstr(a, "ip-name"));
    val_set_c(a, dns, "EnableResourceNameDnsARecord", val_bool(a, false));
    val_set_c(a, dns, "EnableResourceNameDnsAAAARecord", val_bool(a, false));
    val_set_c(a, v, "PrivateDnsNameOptionsOnLaunch", dns);
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, v, "Tags", tags);
    ec2__fields_init(f, a);
    ec2__field(f, "subnet-id", arena_strndup(a, id.p, id.len));
    ec2__field(f, "vpc-id", arena_strndup(a, vpc.p, vpc.len));
    ec2__field(f, "cidr-block", arena_strndup(a, cidr.p, cidr.len));
    ec2__field(f, "cidr", arena_strndup(a, cidr.p, cidr.len));
    ec2__field(f, "cidrBlock", arena_strndup(a, cidr.p, cidr.len));
    ec2__field(f, "availability-zone", zname);
    ec2__field(f, "availabilityZone", zname);
    ec2__field(f, "availability-zone-id", zid);
    ec2__field(f, "default-for-az", def ? "true" : "false");
    ec2__field(f, "defaultForAz", def ? "true" : "false");
    ec2__field(f, "map-public-ip-on-launch", pub ? "true" : "false");
    ec2__field(f, "state", "available");
    ec2__field(f, "owner-id", arena_strndup(a, r->who.account.p, r->who.account.len));
    ec2__field(f, "available-ip-address-count", arena_printf(a, "%lld", (long long)avail));
    ec2__field(
        f, "subnet-arn",
        arena_printf(a, "arn:aws:ec2:%.*s:%.*s:subnet/%.*s", STR_FMT(r->region), STR_FMT(r->who.account), STR_FMT(id)));
    ec2__field_tags(f, tags);
    return v;
}

/* A new subnet's row; a default one (the default VPC's, one per zone) maps
 * public addresses on launch, as AWS's do. */
static bool insert_subnet(req_t *r, sqlite3 *db, const char *id, str_t vpc, str_t cidr, const char *zone, bool def)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO subnet (account, region, id, vpc_id, cidr, zone, default_for_az, "
                                      "map_public, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)");
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    store_bind_str(st, 4, vpc);
    store_bind_str(st, 5, cidr);
    sqlite3_bind_text(st, 6, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, def);
    sqlite3_bind_int64(st, 8, ec2__seq());
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    ok = store_release(st) == SQLITE_OK && ok;
    /* Its network ACL association: the VPC's default ACL (nacl.c). */
    return ok && ec2__subnets_adopt(r, db, arena_strndup(r->arena, vpc.p, vpc.len));
}

static int answer_subnet(req_t *r, sqlite3 *db, const char *id, val_t *out)
{
    return answer_row(r, db, SUBNET_COLS, subnet_value, id, "Subnet", out);
}

/* AWS (recorded): a zone not of the region. */
static int bad_zone(req_t *r, const char *zname)
{
    return req_fail(r, &ERR_InvalidParameterValue,
                    "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in "
                    "the following availability zones: %s.",
                    zname, ec2__zone_list(r));
}

int ec2_create_subnet(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t vpc = val_get_str(in, "VpcId"), cidr = val_get_str(in, "CidrBlock"),
          zone = val_get_str(in, "AvailabilityZone"), zone_id = val_get_str(in, "AvailabilityZoneId");
    ec2__cidr_t c;
    if (!cidr.p) return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter cidrBlock");
    if (!ec2__cidr_parse(cidr, &c)) return bad_cidr(r, cidr);
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", vpc) != GR_OK) return GR_ERR;
    /* The zone: named, or by id, or (AWS: "we choose one for you") the
     * region's zone holding the fewest of the VPC's subnets, so subnets made
     * without a zone spread over the zones (AWS does not promise that; a DB
     * subnet group or a load balancer over them needs two zones). */
    const char *zname = NULL;
    const char *zones = ec2__zone_list(r);
    if (zone.p) {
        zname = arena_strndup(a, zone.p, zone.len);
        if (!ec2__zone_id(r, zname)) return bad_zone(r, zname);
    } else if (zone_id.p) {
        for (const char *z = zones; *z && !zname;) {
            const char *end = strstr(z, ", ");
            const char *name = arena_strndup(a, z, end ? (size_t)(end - z) : strlen(z));
            const char *id = ec2__zone_id(r, name);
            if (id && str_eq_c(zone_id, id)) zname = name;
            z = end ? end + 2 : z + strlen(z);
        }
        if (!zname)
            return req_fail(r, &ERR_InvalidParameterValue, "Value (%.*s) for parameter availabilityZoneId is invalid.",
                            STR_FMT(zone_id));
    } else {
        sqlite3_stmt *q = store_stmt(db, "SELECT count(*) FROM subnet WHERE account = ?1 AND region = ?2 AND "
                                         "vpc_id = ?3 AND zone = ?4");
        if (!q) return GR_ERR;
        int64_t best = -1;
        for (const char *z = zones; *z;) {
            const char *end = strstr(z, ", ");
            const char *name = arena_strndup(a, z, end ? (size_t)(end - z) : strlen(z));
            sqlite3_reset(q);
            store_bind_str(q, 1, r->who.account);
            store_bind_str(q, 2, r->region);
            store_bind_str(q, 3, vpc);
            sqlite3_bind_text(q, 4, name, -1, SQLITE_STATIC);
            int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
            if (best < 0 || n < best) best = n, zname = name;
            z = end ? end + 2 : z + strlen(z);
        }
        if (store_release(q) != SQLITE_OK || !zname) return GR_ERR;
    }
    /* The block must lie in one of the VPC's and be /16../28. */
    sqlite3_stmt *st = store_stmt(db, "SELECT cidr FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND vpc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    bool inside = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ec2__cidr_t blk;
        if (ec2__cidr_parse(store_col_str(a, st, 0), &blk) && ec2__cidr_within(c, blk)) inside = true;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): InvalidSubnet.Range "The CIDR '10.1.0.0/24' is invalid." */
    if (!inside || c.len < 16 || c.len > 28)
        return req_fail(r, &E_SubnetRange, "The CIDR '%.*s' is invalid.", STR_FMT(cidr));
    st = store_stmt(db, "SELECT cidr FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    bool clash = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ec2__cidr_t s;
        if (ec2__cidr_parse(store_col_str(a, st, 0), &s) && ec2__cidr_overlap(s, c)) clash = true;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): InvalidSubnet.Conflict "The CIDR '10.0.1.0/24'
     * conflicts with another subnet" */
    if (clash) return req_fail(r, &E_SubnetConflict, "The CIDR '%.*s' conflicts with another subnet", STR_FMT(cidr));
    const char *id = ec2__new_id(a, "subnet");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = insert_subnet(r, db, id, vpc, cidr, zname, false);
    int rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "subnet", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    return answer_subnet(r, db, id, out);
}

int ec2_describe_subnets(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"subnet-id",
                                        "vpc-id",
                                        "cidr-block",
                                        "cidr",
                                        "cidrBlock",
                                        "availability-zone",
                                        "availabilityZone",
                                        "availability-zone-id",
                                        "default-for-az",
                                        "defaultForAz",
                                        "map-public-ip-on-launch",
                                        "state",
                                        "owner-id",
                                        "available-ip-address-count",
                                        "subnet-arn",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "SubnetIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "subnet", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a, "%sWHERE account = ?1 AND region = ?2 ORDER BY vpc_id, seq", SUBNET_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        if (!ec2__named(ids, id)) continue;
        ec2__fields_t f;
        val_t *v = subnet_value(r, db, st, &f);
        if (v && ec2__filters_pass(filters, &f)) val_push(a, list, v);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "Subnets", list, 5);
}

int ec2_delete_subnet(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "SubnetId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "subnet", id) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM instance WHERE account = ?1 AND region = ?2 AND subnet_id = ?3 "
                                      "AND state != 'terminated'");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool used = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "The subnet 'subnet-1' has dependencies and cannot be
     * deleted." while instances that are not terminated are in it. */
    if (used)
        return req_fail(r, &E_Dependency, "The subnet '%.*s' has dependencies and cannot be deleted.", STR_FMT(id));
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    /* AWS: the subnet's route table and network ACL associations go with
     * it. */
    bool ok = run3(r, db, "DELETE FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND subnet_id = ?3", id);
    ok = ok && ec2__subnet_gone(r, db, id);
    ok = ok && run3(r, db, "DELETE FROM subnet WHERE account = ?1 AND region = ?2 AND id = ?3", id);
    ok = ok && ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

int ec2_modify_subnet_attribute(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "SubnetId");
    const val_t *pub = val_get(in, "MapPublicIpOnLaunch");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "subnet", id) != GR_OK) return GR_ERR;
    /* Only MapPublicIpOnLaunch changes anything gureum keeps; the other
     * attributes (IPv6, DNS names, customer-owned pools) are accepted as
     * AWS accepts them and have nothing to act on yet. */
    if (!pub) return GR_OK;
    sqlite3_stmt *st =
        store_stmt(db, "UPDATE subnet SET map_public = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    sqlite3_bind_int(st, 4, val_get_bool(pub, "Value", false));
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

/* CreateDefaultSubnet: AWS: "Creates a default subnet with a size /20 IPv4
 * CIDR block in the specified Availability Zone in your default VPC. You can
 * have only one default subnet per Availability Zone." The block is the
 * first /20 of 172.31.0.0/16 no subnet of the default VPC overlaps (AWS's
 * example answers 172.31.32.0/20 with three taken); like the region's first
 * ones it maps public addresses on launch. */
int ec2_create_default_subnet(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t zone = val_get_str(in, "AvailabilityZone");
    if (!zone.p) return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter availabilityZone");
    const char *zname = arena_strndup(a, zone.p, zone.len);
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (!ec2__zone_id(r, zname)) return bad_zone(r, zname);
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM vpc WHERE account = ?1 AND region = ?2 AND is_default = 1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    str_t vpc = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* The codes are AWS's (EC2 API Reference, "Error codes", whose
     * descriptions these texts are); the exact messages are not on record. */
    if (!vpc.p) return req_fail(r, &E_NoDefaultVpc, "There is no default VPC in which to create a default subnet.");
    st = store_stmt(db, "SELECT count(*) FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND "
                        "default_for_az = 1 AND zone = ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    sqlite3_bind_text(st, 4, zname, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (n < 0) return GR_ERR;
    if (n)
        return req_fail(r, &E_DefaultSubnetExists,
                        "A default subnet already exists in the specified Availability Zone. You can have only one "
                        "default subnet per Availability Zone.");
    /* The taken blocks of the default VPC, then the first free /20. */
    ec2__cidr_t taken[256];
    size_t nt = 0;
    st = store_stmt(db, "SELECT cidr FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, vpc);
    while (sqlite3_step(st) == SQLITE_ROW && nt < sizeof taken / sizeof taken[0])
        if (ec2__cidr_parse(store_col_str(a, st, 0), &taken[nt])) nt++;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    const char *cidr = NULL;
    for (unsigned k = 0; k < 16 && !cidr; k++) {
        ec2__cidr_t c = {(172u << 24) | (31u << 16) | (k * 16u << 8), 20};
        bool clash = false;
        for (size_t i = 0; i < nt && !clash; i++) clash = ec2__cidr_overlap(c, taken[i]);
        if (!clash) cidr = arena_printf(a, "172.31.%u.0/20", k * 16);
    }
    /* Not on record: what AWS answers when the default VPC has no free /20. */
    if (!cidr)
        return req_fail(r, &E_SubnetConflict, "The default VPC has no free /20 block for a default subnet in %s.",
                        zname);
    const char *id = ec2__new_id(a, "subnet");
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = insert_subnet(r, db, id, vpc, str_c(cidr), zname, true);
    if (ec2__end(db, ok) != GR_OK) return GR_ERR;
    return answer_subnet(r, db, id, out);
}
