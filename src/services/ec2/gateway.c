/* gateway.c — EC2 internet gateways and route tables:
 * Create/Describe/Delete/Attach/DetachInternetGateway,
 * Create/Describe/DeleteRouteTable, Create/Replace/DeleteRoute,
 * Associate/DisassociateRouteTable, ReplaceRouteTableAssociation.
 *
 * A VPC has at most one internet gateway; a route to a gateway needs it
 * attached to the route table's VPC; a subnet has one route table
 * association at most (otherwise it uses its VPC's main table). These are the
 * rules of the Amazon VPC User Guide ("Route tables", "Internet gateways").
 * Texts are AWS's as clients record them unless said otherwise. */
#include <string.h>

#include "ec2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"

static const aws_errdef_t E_Dependency = {"DependencyViolation", 400, true};
static const aws_errdef_t E_AlreadyAssoc = {"Resource.AlreadyAssociated", 400, true};
static const aws_errdef_t E_NotAttached = {"Gateway.NotAttached", 400, true};
static const aws_errdef_t E_RouteExists = {"RouteAlreadyExists", 400, true};
static const aws_errdef_t E_RouteNF = {"InvalidRoute.NotFound", 400, true};
static const aws_errdef_t E_AssocNF = {"InvalidAssociationID.NotFound", 400, true};

static int igw_not_found(req_t *r, str_t id)
{
    return ec2__not_found(r, "InvalidInternetGatewayID.NotFound", "internetGateway", id);
}

static int rtb_not_found(req_t *r, str_t id)
{
    return ec2__not_found(r, "InvalidRouteTableID.NotFound", "routeTable", id);
}

/* A text column of one row found by (account, region, ?3); STR_NULL when no
 * row, *err on a store failure. */
static str_t lookup(req_t *r, sqlite3 *db, const char *sql, str_t key, bool *found, bool *err)
{
    *found = *err = false;
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return *err = true, STR_NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, key);
    str_t v = STR_NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *found = true;
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? STR_NULL : store_col_str(r->arena, st, 0);
    }
    if (store_release(st) != SQLITE_OK) *err = true;
    return v;
}

/* A statement of text parameters (account, region, then args). */
static bool run(req_t *r, sqlite3 *db, const char *sql, const str_t *args, size_t n)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return false;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    for (size_t i = 0; i < n; i++) store_bind_str(st, (int)i + 3, args[i]);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}
#define RUN(r, db, sql, ...)                                                                                           \
    run(r, db, sql, (const str_t[]){__VA_ARGS__}, sizeof((const str_t[]){__VA_ARGS__}) / sizeof(str_t))

/* ==== Internet gateways ==== */

static val_t *igw_value(req_t *r, sqlite3 *db, str_t id, str_t vpc, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    val_t *g = val_new(a, VAL_STRUCT), *atts = val_new(a, VAL_LIST);
    ec2__fields_init(f, a);
    ec2__field(f, "internet-gateway-id", arena_strndup(a, id.p, id.len));
    ec2__field(f, "owner-id", arena_strndup(a, r->who.account.p, r->who.account.len));
    if (vpc.p) {
        val_t *at = val_new(a, VAL_STRUCT);
        /* AWS: an attached internet gateway's attachment state is "available". */
        val_set_c(a, at, "State", val_cstr(a, "available"));
        val_set_c(a, at, "VpcId", val_str(a, vpc));
        val_push(a, atts, at);
        ec2__field(f, "attachment.vpc-id", arena_strndup(a, vpc.p, vpc.len));
        ec2__field(f, "attachment.state", "available");
    }
    val_set_c(a, g, "Attachments", atts);
    val_set_c(a, g, "InternetGatewayId", val_str(a, id));
    val_set_c(a, g, "OwnerId", val_str(a, r->who.account));
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, g, "Tags", tags);
    ec2__field_tags(f, tags);
    return g;
}

/* The gateway's attached VPC (STR_NULL: detached): GR_OK, or r failed. */
static int igw_load(req_t *r, sqlite3 *db, str_t id, str_t *vpc)
{
    bool found, err;
    *vpc = lookup(r, db, "SELECT vpc_id FROM igw WHERE account = ?1 AND region = ?2 AND id = ?3", id, &found, &err);
    if (err) return GR_ERR;
    return found ? GR_OK : igw_not_found(r, id);
}

int ec2_create_internet_gateway(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = ec2__ready(r);
    if (!db || ec2__begin(db) != GR_OK) return GR_ERR;
    const char *id = ec2__new_id(r->arena, "igw");
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO igw (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?3, NULL, ?4)");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, ec2__seq());
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    int rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "internet-gateway", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    ec2__fields_t f;
    return val_set_c(r->arena, out, "InternetGateway", igw_value(r, db, str_c(id), STR_NULL, &f));
}

int ec2_describe_internet_gateways(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"internet-gateway-id", "owner-id", "attachment.vpc-id", "attachment.state",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "InternetGatewayIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "igw", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, vpc_id FROM igw WHERE account = ?1 AND region = ?2 ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0);
        str_t vpc = sqlite3_column_type(st, 1) == SQLITE_NULL ? STR_NULL : store_col_str(a, st, 1);
        if (!ec2__named(ids, id)) continue;
        ec2__fields_t f;
        val_t *g = igw_value(r, db, id, vpc, &f);
        if (ec2__filters_pass(filters, &f)) val_push(a, list, g);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return ec2__page(r, in, out, "InternetGateways", list, 5);
}

int ec2_attach_internet_gateway(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "InternetGatewayId"), vpc = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t cur;
    if (igw_load(r, db, id, &cur) != GR_OK) return GR_ERR;
    if (ec2__need(r, db, "vpc", vpc) != GR_OK) return GR_ERR;
    /* AWS (recorded): "resource igw-… is already attached to network vpc-…" */
    if (cur.p)
        return req_fail(r, &E_AlreadyAssoc, "resource %.*s is already attached to network %.*s", STR_FMT(id),
                        STR_FMT(cur));
    bool found, err;
    lookup(r, db, "SELECT id FROM igw WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", vpc, &found, &err);
    if (err) return GR_ERR;
    /* not on record: AWS allows one internet gateway per VPC */
    if (found)
        return req_fail(r, &E_AlreadyAssoc, "Network %.*s already has an internet gateway attached", STR_FMT(vpc));
    return RUN(r, db, "UPDATE igw SET vpc_id = ?4 WHERE account = ?1 AND region = ?2 AND id = ?3", id, vpc) ? GR_OK
                                                                                                            : GR_ERR;
}

int ec2_detach_internet_gateway(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "InternetGatewayId"), vpc = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t cur;
    if (igw_load(r, db, id, &cur) != GR_OK) return GR_ERR;
    /* AWS (recorded): "resource igw-… is not attached to network vpc-…" */
    if (!cur.p || !str_eq(cur, vpc))
        return req_fail(r, &E_NotAttached, "resource %.*s is not attached to network %.*s", STR_FMT(id), STR_FMT(vpc));
    return RUN(r, db, "UPDATE igw SET vpc_id = NULL WHERE account = ?1 AND region = ?2 AND id = ?3", id) ? GR_OK
                                                                                                         : GR_ERR;
}

int ec2_delete_internet_gateway(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "InternetGatewayId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    str_t cur;
    if (igw_load(r, db, id, &cur) != GR_OK) return GR_ERR;
    /* AWS (recorded): "The internetGateway 'igw-…' has dependencies and
     * cannot be deleted." while attached. */
    if (cur.p)
        return req_fail(r, &E_Dependency, "The internetGateway '%.*s' has dependencies and cannot be deleted.",
                        STR_FMT(id));
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = RUN(r, db, "DELETE FROM igw WHERE account = ?1 AND region = ?2 AND id = ?3", id);
    ok = ok && ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

/* ==== Route tables ==== */

static val_t *rtb_value(req_t *r, sqlite3 *db, str_t id, str_t vpc, ec2__fields_t *f)
{
    arena_t *a = r->arena;
    val_t *t = val_new(a, VAL_STRUCT), *assocs = val_new(a, VAL_LIST), *routes = val_new(a, VAL_LIST);
    ec2__fields_init(f, a);
    ec2__field(f, "route-table-id", arena_strndup(a, id.p, id.len));
    ec2__field(f, "vpc-id", arena_strndup(a, vpc.p, vpc.len));
    ec2__field(f, "owner-id", arena_strndup(a, r->who.account.p, r->who.account.len));
    sqlite3_stmt *st =
        store_stmt(db, "SELECT id, subnet_id, main FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND "
                       "rtb_id = ?3 ORDER BY main DESC, id");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    bool main = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *as = val_new(a, VAL_STRUCT), *state = val_new(a, VAL_STRUCT);
        str_t aid = store_col_str(a, st, 0);
        bool m = sqlite3_column_int(st, 2);
        main |= m;
        val_set_c(a, as, "Main", val_bool(a, m));
        val_set_c(a, as, "RouteTableAssociationId", val_str(a, aid));
        val_set_c(a, as, "RouteTableId", val_str(a, id));
        ec2__field(f, "association.route-table-association-id", arena_strndup(a, aid.p, aid.len));
        ec2__field(f, "association.route-table-id", arena_strndup(a, id.p, id.len));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            str_t sub = store_col_str(a, st, 1);
            val_set_c(a, as, "SubnetId", val_str(a, sub));
            ec2__field(f, "association.subnet-id", arena_strndup(a, sub.p, sub.len));
        }
        val_set_c(a, state, "State", val_cstr(a, "associated"));
        val_set_c(a, as, "AssociationState", state);
        val_push(a, assocs, as);
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    ec2__field(f, "association.main", main ? "true" : "false");
    /* AWS: a route whose target is gone is "blackhole" — here a gateway
     * detached from the table's VPC (or deleted after that). */
    st = store_stmt(db, "SELECT dest, target, origin, target = 'local' OR EXISTS (SELECT 1 FROM igw g WHERE "
                        "g.account = ?1 AND g.region = ?2 AND g.id = route.target AND g.vpc_id = ?4) FROM route "
                        "WHERE account = ?1 AND region = ?2 AND rtb_id = ?3 ORDER BY seq, dest");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    store_bind_str(st, 4, vpc);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *rt = val_new(a, VAL_STRUCT);
        str_t dest = store_col_str(a, st, 0), target = store_col_str(a, st, 1), origin = store_col_str(a, st, 2);
        val_set_c(a, rt, "DestinationCidrBlock", val_str(a, dest));
        val_set_c(a, rt, "GatewayId", val_str(a, target));
        val_set_c(a, rt, "Origin", val_str(a, origin));
        const char *state = sqlite3_column_int(st, 3) ? "active" : "blackhole";
        val_set_c(a, rt, "State", val_cstr(a, state));
        val_push(a, routes, rt);
        ec2__field(f, "route.destination-cidr-block", arena_strndup(a, dest.p, dest.len));
        ec2__field(f, "route.gateway-id", arena_strndup(a, target.p, target.len));
        ec2__field(f, "route.origin", arena_strndup(a, origin.p, origin.len));
        ec2__field(f, "route.state", state);
    }
    if (store_release(st) != SQLITE_OK) return NULL;
    val_set_c(a, t, "Associations", assocs);
    val_set_c(a, t, "PropagatingVgws", val_new(a, VAL_LIST));
    val_set_c(a, t, "RouteTableId", val_str(a, id));
    val_set_c(a, t, "Routes", routes);
    val_t *tags = ec2__tags_of(r, db, id);
    if (tags) val_set_c(a, t, "Tags", tags);
    ec2__field_tags(f, tags);
    val_set_c(a, t, "VpcId", val_str(a, vpc));
    val_set_c(a, t, "OwnerId", val_str(a, r->who.account));
    return t;
}

int ec2_create_route_table(req_t *r, const val_t *in, val_t *out)
{
    str_t vpc = val_get_str(in, "VpcId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "vpc", vpc) != GR_OK) return GR_ERR;
    const char *id = ec2__new_id(r->arena, "rtb");
    str_t sid = str_c(id);
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = RUN(r, db, "INSERT INTO rtb (account, region, id, vpc_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)", sid, vpc,
                  str_c(arena_printf(r->arena, "%lld", (long long)ec2__seq())));
    /* Every route table has the local route of each of its VPC's blocks. */
    ok = ok && RUN(r, db,
                   "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) SELECT account, region, ?3, "
                   "cidr, 'local', 'CreateRouteTable', 0 FROM vpc_cidr WHERE account = ?1 AND region = ?2 AND "
                   "vpc_id = ?4",
                   sid, vpc);
    int rc = ok ? ec2__tags_apply(r, db, val_get(in, "TagSpecifications"), "route-table", id) : GR_ERR;
    if (ec2__end(db, ok && rc == GR_OK) != GR_OK) return GR_ERR;
    ec2__fields_t f;
    val_t *t = rtb_value(r, db, sid, vpc, &f);
    return t ? val_set_c(r->arena, out, "RouteTable", t) : GR_ERR;
}

int ec2_describe_route_tables(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    static const char *const known[] = {"route-table-id",
                                        "vpc-id",
                                        "owner-id",
                                        "association.route-table-association-id",
                                        "association.route-table-id",
                                        "association.subnet-id",
                                        "association.main",
                                        "route.destination-cidr-block",
                                        "route.gateway-id",
                                        "route.origin",
                                        "route.state",
                                        NULL};
    const val_t *filters = val_get(in, "Filters"), *ids = val_get(in, "RouteTableIds");
    if (ec2__filters_check(r, filters, known) != GR_OK) return GR_ERR;
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need_all(r, db, "rtb", ids) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT id, vpc_id FROM rtb WHERE account = ?1 AND region = ?2 ORDER BY vpc_id, seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0), vpc = store_col_str(a, st, 1);
        if (!ec2__named(ids, id)) continue;
        ec2__fields_t f;
        val_t *t = rtb_value(r, db, id, vpc, &f);
        ok = t != NULL;
        if (t && ec2__filters_pass(filters, &f)) val_push(a, list, t);
    }
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    return ec2__page(r, in, out, "RouteTables", list, 5);
}

int ec2_delete_route_table(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "RouteTableId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "rtb", id) != GR_OK) return GR_ERR;
    bool found, err;
    lookup(r, db, "SELECT id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND rtb_id = ?3", id, &found, &err);
    if (err) return GR_ERR;
    /* AWS (recorded): "The routeTable 'rtb-…' has dependencies and cannot
     * be deleted." while associated (the main table always is). */
    if (found)
        return req_fail(r, &E_Dependency, "The routeTable '%.*s' has dependencies and cannot be deleted.", STR_FMT(id));
    if (ec2__begin(db) != GR_OK) return GR_ERR;
    bool ok = RUN(r, db, "DELETE FROM route WHERE account = ?1 AND region = ?2 AND rtb_id = ?3", id);
    ok = ok && RUN(r, db, "DELETE FROM rtb WHERE account = ?1 AND region = ?2 AND id = ?3", id);
    ok = ok && ec2__tags_drop(r, db, id) == GR_OK;
    return ec2__end(db, ok);
}

/* The route's target, checked: an internet gateway attached to the table's
 * VPC. GR_OK with *target, or r failed. */
static int route_target(req_t *r, sqlite3 *db, const val_t *in, str_t vpc, str_t rtb, str_t *target)
{
    str_t gw = val_get_str(in, "GatewayId");
    static const char *const others[] = {"NatGatewayId",           "InstanceId",       "NetworkInterfaceId",
                                         "VpcPeeringConnectionId", "TransitGatewayId", "EgressOnlyInternetGatewayId",
                                         "LocalGatewayId",         "CarrierGatewayId", "VpcEndpointId",
                                         "CoreNetworkArn"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (val_get(in, others[i]))
            /* gureum has internet gateways only: a target of another kind
             * cannot exist here, so it is refused as a missing one is. */
            return req_fail(r, &ERR_InvalidParameterValue, "The %s '%.*s' does not exist", others[i],
                            STR_FMT(val_get_str(in, others[i])));
    if (!gw.p) return req_fail(r, &ERR_MissingParameter, "The request must contain a route target");
    bool found, err;
    str_t at = lookup(r, db, "SELECT vpc_id FROM igw WHERE account = ?1 AND region = ?2 AND id = ?3", gw, &found, &err);
    if (err) return GR_ERR;
    if (!found) return ec2__not_found(r, "InvalidGatewayID.NotFound", "gateway", gw);
    /* AWS (recorded): "route table rtb-… and network gateway igw-… belong to
     * different networks" */
    if (!at.p || !str_eq(at, vpc))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "route table %.*s and network gateway %.*s belong to different networks", STR_FMT(rtb),
                        STR_FMT(gw));
    *target = gw;
    return GR_OK;
}

static int route_change(req_t *r, const val_t *in, val_t *out, bool replace)
{
    str_t rtb = val_get_str(in, "RouteTableId"), dest = val_get_str(in, "DestinationCidrBlock");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool found, err;
    str_t vpc =
        lookup(r, db, "SELECT vpc_id FROM rtb WHERE account = ?1 AND region = ?2 AND id = ?3", rtb, &found, &err);
    if (err) return GR_ERR;
    if (!found) return rtb_not_found(r, rtb);
    ec2__cidr_t c;
    if (!dest.p)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter destinationCidrBlock");
    if (!ec2__cidr_parse(dest, &c))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value (%.*s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.",
                        STR_FMT(dest));
    str_t target;
    if (route_target(r, db, in, vpc, rtb, &target) != GR_OK) return GR_ERR;
    str_t have = lookup(r, db,
                        arena_printf(r->arena,
                                     "SELECT target FROM route WHERE account = ?1 AND region = ?2 AND rtb_id = "
                                     "'%.*s' AND dest = ?3",
                                     STR_FMT(rtb)),
                        dest, &found, &err);
    if (err) return GR_ERR;
    if (!replace && found)
        return req_fail(r, &E_RouteExists, "The route identified by %.*s already exists.", STR_FMT(dest));
    if (replace && !found)
        return req_fail(r, &E_RouteNF,
                        "There is no route defined for '%.*s' in the route table. Use a valid destination CIDR block.",
                        STR_FMT(dest));
    /* AWS: the local route cannot be replaced by a gateway route (not on
     * record as text). */
    if (found && str_eq_c(have, "local"))
        return req_fail(r, &ERR_InvalidParameterValue, "Cannot replace the local route of route table %.*s",
                        STR_FMT(rtb));
    bool ok =
        RUN(r, db,
            "INSERT INTO route (account, region, rtb_id, dest, target, origin, seq) VALUES (?1, ?2, ?3, ?4, ?5, "
            "'CreateRoute', 1) ON CONFLICT (account, region, rtb_id, dest) DO UPDATE SET target = excluded.target",
            rtb, dest, target);
    if (!ok) return GR_ERR;
    if (!replace) val_set_c(r->arena, out, "Return", val_bool(r->arena, true));
    return GR_OK;
}

int ec2_create_route(req_t *r, const val_t *in, val_t *out)
{
    return route_change(r, in, out, false);
}

int ec2_replace_route(req_t *r, const val_t *in, val_t *out)
{
    return route_change(r, in, out, true);
}

int ec2_delete_route(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t rtb = val_get_str(in, "RouteTableId"), dest = val_get_str(in, "DestinationCidrBlock");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    if (ec2__need(r, db, "rtb", rtb) != GR_OK) return GR_ERR;
    bool found, err;
    str_t have = lookup(r, db,
                        arena_printf(r->arena,
                                     "SELECT target FROM route WHERE account = ?1 AND region = ?2 AND rtb_id = "
                                     "'%.*s' AND dest = ?3",
                                     STR_FMT(rtb)),
                        dest, &found, &err);
    if (err) return GR_ERR;
    if (!found)
        return req_fail(r, &E_RouteNF,
                        "There is no route defined for '%.*s' in the route table. Use a valid destination CIDR block.",
                        STR_FMT(dest));
    if (str_eq_c(have, "local"))
        return req_fail(r, &ERR_InvalidParameterValue, "cannot remove local route %.*s in route table %.*s",
                        STR_FMT(dest), STR_FMT(rtb));
    return RUN(r, db, "DELETE FROM route WHERE account = ?1 AND region = ?2 AND rtb_id = ?3 AND dest = ?4", rtb, dest)
               ? GR_OK
               : GR_ERR;
}

int ec2_associate_route_table(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t rtb = val_get_str(in, "RouteTableId"), sub = val_get_str(in, "SubnetId");
    if (!sub.p) return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter subnetId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool found, err;
    str_t vpc =
        lookup(r, db, "SELECT vpc_id FROM rtb WHERE account = ?1 AND region = ?2 AND id = ?3", rtb, &found, &err);
    if (err) return GR_ERR;
    if (!found) return rtb_not_found(r, rtb);
    str_t svpc =
        lookup(r, db, "SELECT vpc_id FROM subnet WHERE account = ?1 AND region = ?2 AND id = ?3", sub, &found, &err);
    if (err) return GR_ERR;
    if (!found) return ec2__not_found(r, "InvalidSubnetID.NotFound", "subnet", sub);
    /* AWS (recorded): "Route table rtb-… and subnet subnet-… belong to
     * different networks" */
    if (!str_eq(vpc, svpc))
        return req_fail(r, &ERR_InvalidParameterValue, "Route table %.*s and subnet %.*s belong to different networks",
                        STR_FMT(rtb), STR_FMT(sub));
    str_t cur = lookup(r, db, "SELECT rtb_id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND subnet_id = ?3", sub,
                       &found, &err);
    if (err) return GR_ERR;
    /* AWS (recorded): "the specified association for route table rtb-…
     * conflicts with an existing association" */
    if (found)
        return req_fail(r, &E_AlreadyAssoc,
                        "the specified association for route table %.*s conflicts with an existing association",
                        STR_FMT(cur));
    const char *id = ec2__new_id(a, "rtbassoc");
    if (!RUN(r, db,
             "INSERT INTO rtb_assoc (account, region, id, rtb_id, vpc_id, subnet_id, main) VALUES (?1, ?2, ?3, ?4, "
             "?5, ?6, 0)",
             str_c(id), rtb, vpc, sub))
        return GR_ERR;
    val_t *state = val_new(a, VAL_STRUCT);
    val_set_c(a, state, "State", val_cstr(a, "associated"));
    val_set_c(a, out, "AssociationId", val_cstr(a, id));
    return val_set_c(a, out, "AssociationState", state);
}

int ec2_disassociate_route_table(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "AssociationId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool found, err;
    str_t main =
        lookup(r, db, "SELECT CAST(main AS TEXT) FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND id = ?3", id,
               &found, &err);
    if (err) return GR_ERR;
    /* AWS (recorded): "The association ID 'rtbassoc-…' does not exist" */
    if (!found) return req_fail(r, &E_AssocNF, "The association ID '%.*s' does not exist", STR_FMT(id));
    /* not on record: the main association is replaced, never removed */
    if (str_eq_c(main, "1"))
        return req_fail(r, &ERR_InvalidParameterValue, "cannot disassociate the main route table association %.*s",
                        STR_FMT(id));
    return RUN(r, db, "DELETE FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND id = ?3", id) ? GR_OK : GR_ERR;
}

int ec2_replace_route_table_association(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "AssociationId"), rtb = val_get_str(in, "RouteTableId");
    sqlite3 *db = ec2__ready(r);
    if (!db) return GR_ERR;
    bool found, err;
    str_t vpc =
        lookup(r, db, "SELECT vpc_id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND id = ?3", id, &found, &err);
    if (err) return GR_ERR;
    if (!found) return req_fail(r, &E_AssocNF, "The association ID '%.*s' does not exist", STR_FMT(id));
    str_t tvpc =
        lookup(r, db, "SELECT vpc_id FROM rtb WHERE account = ?1 AND region = ?2 AND id = ?3", rtb, &found, &err);
    if (err) return GR_ERR;
    if (!found) return rtb_not_found(r, rtb);
    if (!str_eq(vpc, tvpc))
        return req_fail(r, &ERR_InvalidParameterValue, "Route table %.*s belongs to a different network", STR_FMT(rtb));
    /* AWS: the association gets a new id. */
    const char *nid = ec2__new_id(a, "rtbassoc");
    if (!RUN(r, db, "UPDATE rtb_assoc SET id = ?4, rtb_id = ?5 WHERE account = ?1 AND region = ?2 AND id = ?3", id,
             str_c(nid), rtb))
        return GR_ERR;
    val_t *state = val_new(a, VAL_STRUCT);
    val_set_c(a, state, "State", val_cstr(a, "associated"));
    val_set_c(a, out, "NewAssociationId", val_cstr(a, nid));
    return val_set_c(a, out, "AssociationState", state);
}
