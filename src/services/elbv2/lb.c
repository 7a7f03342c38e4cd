/* lb.c — Elastic Load Balancing v2's load balancers, listeners and tags:
 * Create/Describe/DeleteLoadBalancer(s), Create/Describe/Modify/
 * DeleteListener(s), Add/Describe/RemoveTags (attributes: attr.c).
 *
 * A load balancer (application or network) gets an address of its own,
 * 127.204.0.0/16 on the host's loopback, where balance.c listens on each
 * listener's port and forwards connections to the healthy targets of the
 * listener's target group; its DNSName is AWS's form, which gureum's DNS
 * server answers with the address (the host's resolver knows none of it).
 * Listeners forward whole connections: HTTP listeners are served as TCP
 * (no path or host rules, no fixed responses or redirects) and TLS is not
 * terminated. Texts are AWS's where said "recorded". */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "elbv2_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/elbv2/elbv2.h"
#include "services/loopaddr.h"

/* AWS: 50 load balancers and 50 listeners each per region by default. */
enum { MAX_LBS = 50, MAX_LISTENERS = 50 };

sqlite3 *elbv2__db(struct app *app)
{
    return store_db(app->store, &schema_elbv2);
}

const char *elbv2__cs(arena_t *a, str_t s)
{
    return s.p ? arena_strndup(a, s.p, s.len) : NULL;
}

const char *elbv2__hex_id(arena_t *a)
{
    char h[17];
    id_random_chars(h, 16, "0123456789abcdef");
    h[16] = 0;
    return arena_strdup(a, h);
}

#define cs elbv2__cs

/* ==== Load balancers ==== */

int elbv2__check_name(req_t *r, str_t name, const char *what)
{
    /* AWS (recorded texts) */
    if (name.len > 32)
        return req_fail(r, &ERR_ValidationError, "%s name '%.*s' cannot be longer than '32' characters", what,
                        STR_FMT(name));
    if (!name.len || name.p[0] == '-' || name.p[name.len - 1] == '-')
        return req_fail(r, &ERR_ValidationError, "%s name '%.*s' cannot begin or end with '-'", what, STR_FMT(name));
    for (size_t i = 0; i < name.len; i++)
        if (!isalnum((unsigned char)name.p[i]) && name.p[i] != '-')
            return req_fail(r, &ERR_ValidationError,
                            "%s name '%.*s' can only contain characters that are alphanumeric characters or "
                            "hyphens(-)",
                            what, STR_FMT(name));
    return GR_OK;
}

/* AWS's hosted zone of a region's load balancers (application: the same
 * as classic ones; network: its own). */
static const char *zone_id(str_t region, bool network)
{
    static const struct {
        const char *region, *app, *net;
    } ids[] = {{"us-east-1", "Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"}, {"us-east-2", "Z3AADJGX6KTTL2", "ZLMOA37VPKANP"},
               {"us-west-1", "Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"}, {"us-west-2", "Z1H1FL5HABSF5", "Z18D5FSROUN65G"},
               {"eu-west-1", "Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"}, {"eu-central-1", "Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (str_eq_c(region, ids[i].region)) return network ? ids[i].net : ids[i].app;
    return network ? "Z26RNL4JYFTOTI" : "Z35SXDOTRQ7X7K";
}

/* Columns: name, arn, type, scheme, vpc_id, dns, ip_type, created_ms. */
static val_t *lb_value(req_t *r, sqlite3 *db, sqlite3_stmt *st, const char *state)
{
    arena_t *a = r->arena;
    str_t arn = store_col_str(a, st, 1), type = store_col_str(a, st, 2);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "LoadBalancerArn", val_str(a, arn));
    val_set_c(a, v, "DNSName", val_str(a, store_col_str(a, st, 5)));
    val_set_c(a, v, "CanonicalHostedZoneId", val_cstr(a, zone_id(r->region, str_eq_c(type, "network"))));
    val_set_c(a, v, "CreatedTime", val_time(a, sqlite3_column_int64(st, 7) * 1000));
    val_set_c(a, v, "LoadBalancerName", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, v, "Scheme", val_str(a, store_col_str(a, st, 3)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) val_set_c(a, v, "VpcId", val_str(a, store_col_str(a, st, 4)));
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "Code", val_cstr(a, state));
    val_set_c(a, v, "State", s);
    val_set_c(a, v, "Type", val_str(a, type));
    val_t *zones = val_new(a, VAL_LIST), *sgs = val_new(a, VAL_LIST);
    sqlite3_stmt *z = store_stmt(db, "SELECT zone, subnet FROM lb2_zone WHERE lb_arn = ?1 ORDER BY zone");
    if (z) {
        store_bind_str(z, 1, arn);
        while (sqlite3_step(z) == SQLITE_ROW) {
            val_t *o = val_new(a, VAL_STRUCT);
            val_set_c(a, o, "ZoneName", val_str(a, store_col_str(a, z, 0)));
            val_set_c(a, o, "SubnetId", val_str(a, store_col_str(a, z, 1)));
            val_set_c(a, o, "LoadBalancerAddresses", val_new(a, VAL_LIST));
            val_push(a, zones, o);
        }
        store_release(z);
    }
    val_set_c(a, v, "AvailabilityZones", zones);
    sqlite3_stmt *g = store_stmt(db, "SELECT group_id FROM lb2_sg WHERE lb_arn = ?1 ORDER BY seq");
    if (g) {
        store_bind_str(g, 1, arn);
        while (sqlite3_step(g) == SQLITE_ROW) val_push(a, sgs, val_str(a, store_col_str(a, g, 0)));
        store_release(g);
    }
    if (!str_eq_c(type, "network") || val_len(sgs)) val_set_c(a, v, "SecurityGroups", sgs);
    val_set_c(a, v, "IpAddressType", val_str(a, store_col_str(a, st, 6)));
    return v;
}

#define LB_COLS "SELECT name, arn, type, scheme, vpc_id, dns, ip_type, created_ms FROM lb2 "

int elbv2_create_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "Name");
    if (elbv2__check_name(r, name, "Load balancer") != GR_OK) return GR_ERR;
    /* AWS (recorded) */
    if (str_starts_with(name, STR("internal-")))
        return req_fail(r, &ERR_ValidationError, "Load balancer name '%.*s' cannot begin with 'internal-'",
                        STR_FMT(name));
    str_t type = val_get_str(in, "Type"), scheme = val_get_str(in, "Scheme"), ipt = val_get_str(in, "IpAddressType");
    if (!type.p) type = STR("application");
    if (!scheme.p) scheme = STR("internet-facing");
    if (!ipt.p) ipt = STR("ipv4");
    if (str_eq_c(type, "gateway"))
        return req_fail(r, &ERR_ValidationError, "Gateway load balancers are not served by gureum");
    bool network = str_eq_c(type, "network");
    /* subnets, or subnet mappings */
    const val_t *subnets = val_get(in, "Subnets"), *maps = val_get(in, "SubnetMappings");
    str_t ids[32];
    size_t nid = 0;
    for (size_t i = 0; i < val_len(subnets) && nid < 32; i++) ids[nid++] = subnets->u.list.v[i]->u.s;
    for (size_t i = 0; i < val_len(maps) && nid < 32; i++) ids[nid++] = val_get_str(maps->u.list.v[i], "SubnetId");
    const char *vpc = NULL, *zones[32];
    for (size_t i = 0; i < nid; i++) {
        ec2_subnet_info_t si;
        int f = ec2_subnet_info(r->app, r->who.account, r->region, ids[i], a, &si);
        if (f < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!f)
            return req_fail(r, &ELBV2_ERR_SubnetNotFoundException, "The subnet ID '%.*s' is not valid",
                            STR_FMT(ids[i]));
        if (vpc && strcmp(vpc, si.vpc_id))
            return req_fail(r, &ELBV2_ERR_InvalidSubnetException, "All subnets must belong to the same VPC");
        for (size_t k = 0; k < i; k++)
            if (!strcmp(zones[k], si.zone)) /* AWS (recorded code) */
                return req_fail(r, &ERR_ValidationError,
                                "You cannot specify multiple subnets in the same Availability Zone");
        vpc = si.vpc_id;
        zones[i] = si.zone;
    }
    /* AWS (recorded): an application load balancer needs two zones */
    if (!network && nid < 2)
        return req_fail(r, &ERR_ValidationError,
                        "At least two subnets in two different Availability Zones must be specified");
    if (network && !nid) return req_fail(r, &ERR_ValidationError, "At least one subnet must be specified");
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    sqlite3_stmt *st = store_stmt(db, LB_COLS "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, n, -1, SQLITE_STATIC);
    bool exists = sqlite3_step(st) == SQLITE_ROW;
    if (exists) {
        /* AWS (recorded) */
        store_release(st);
        return req_fail(r, &ELBV2_ERR_DuplicateLoadBalancerNameException,
                        "A load balancer with the same name '%.*s' exists", STR_FMT(name));
    }
    store_release(st);
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    st = store_stmt(db, "SELECT count(*) FROM lb2 WHERE account = ?1 AND region = ?2");
    int64_t count = 0;
    if (st) {
        sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
        count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        store_release(st);
    }
    if (count >= MAX_LBS) {
        store_exec(db, "ROLLBACK");
        return req_fail(r, &ELBV2_ERR_TooManyLoadBalancersException,
                        "The maximum number of load balancers has been "
                        "reached");
    }
    const char *hex = elbv2__hex_id(a);
    char digits[11];
    id_random_chars(digits, 10, "0123456789");
    digits[10] = 0;
    if (digits[0] == '0') digits[0] = '1';
    const char *internal = str_eq_c(scheme, "internal") ? "internal-" : "";
    /* AWS: application "NAME-1234567890.REGION.elb.amazonaws.com", network
     * "NAME-<hex>.elb.REGION.amazonaws.com" */
    const char *dns = network ? arena_printf(a, "%s%s-%s.elb.%s.amazonaws.com", internal, n, hex, reg)
                              : arena_printf(a, "%s%s-%s.%s.elb.amazonaws.com", internal, n, digits, reg);
    const char *arn = arena_printf(a, "arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", reg, acct,
                                   network ? "net" : "app", n, hex);
    const char *addr = loopaddr_pick(a, db, "127.204", "SELECT 1 FROM lb2 WHERE address = ?1");
    bool ok = addr && STORE_RUN(db,
                                "INSERT INTO lb2 (account, region, name, arn, type, scheme, vpc_id, dns, address, "
                                "ip_type, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                acct, reg, n, arn, arena_cstr(a, type), arena_cstr(a, scheme), vpc, dns, addr,
                                arena_cstr(a, ipt), arena_lld(a, time_now_us() / 1000));
    for (size_t i = 0; ok && i < nid; i++)
        ok = STORE_RUN(db, "INSERT INTO lb2_zone (lb_arn, zone, subnet) VALUES (?1, ?2, ?3)", arn, zones[i],
                       arena_cstr(a, ids[i]));
    const val_t *sgs = val_get(in, "SecurityGroups");
    for (size_t i = 0; ok && i < val_len(sgs); i++)
        ok = STORE_RUN(db, "INSERT OR IGNORE INTO lb2_sg (lb_arn, group_id, seq) VALUES (?1, ?2, ?3)", arn,
                       arena_cstr(a, sgs->u.list.v[i]->u.s), arena_lld(a, (int64_t)i));
    const val_t *tags = val_get(in, "Tags");
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        ok = STORE_RUN(db, "INSERT OR REPLACE INTO lb2_tag (arn, key, value, seq) VALUES (?1, ?2, ?3, ?4)", arn,
                       arena_cstr(a, val_get_str(tags->u.list.v[i], "Key")), v.p ? arena_cstr(a, v) : "",
                       arena_lld(a, (int64_t)i));
    }
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    st = store_stmt(db, LB_COLS "WHERE arn = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    val_t *list = val_new(a, VAL_LIST);
    /* AWS: provisioning at first, active once it is ready (at once here) */
    if (sqlite3_step(st) == SQLITE_ROW) val_push(a, list, lb_value(r, db, st, "provisioning"));
    store_release(st);
    return val_set_c(a, out, "LoadBalancers", list);
}

/* Marker/PageSize paging of a list (default and most 400). */
static int page(req_t *r, const val_t *in, val_t *out, const char *member, val_t *list)
{
    arena_t *a = r->arena;
    int64_t size = val_get_int(in, "PageSize", 400);
    long long off = 0;
    str_t m = val_get_str(in, "Marker");
    if (m.p && (!str_to_i64(m, &off) || off < 0))
        return req_fail(r, &ERR_ValidationError, "The marker '%.*s' is not valid", STR_FMT(m));
    val_t *pagev = val_new(a, VAL_LIST);
    for (size_t i = (size_t)off; i < val_len(list) && (int64_t)val_len(pagev) < size; i++)
        val_push(a, pagev, list->u.list.v[i]);
    if ((size_t)off + val_len(pagev) < val_len(list))
        val_set_c(a, out, "NextMarker", val_cstr(a, arena_lld(a, off + (int64_t)val_len(pagev))));
    return val_set_c(a, out, member, pagev);
}

int elbv2_describe_load_balancers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    const val_t *arns = val_get(in, "LoadBalancerArns"), *names = val_get(in, "Names");
    sqlite3_stmt *st = store_stmt(db, LB_COLS "WHERE account = ?1 AND region = ?2 ORDER BY created_ms, name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    size_t found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t name = store_col_str(a, st, 0), arn = store_col_str(a, st, 1);
        bool want = !val_len(arns) && !val_len(names);
        for (size_t i = 0; !want && i < val_len(arns); i++) want = str_eq(arns->u.list.v[i]->u.s, arn);
        for (size_t i = 0; !want && i < val_len(names); i++) want = str_eq(names->u.list.v[i]->u.s, name);
        if (want) val_push(a, list, lb_value(r, db, st, "active")), found++;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): any name or ARN not found fails the whole call */
    if (found < val_len(arns) + val_len(names))
        return req_fail(r, &ELBV2_ERR_LoadBalancerNotFoundException, "One or more load balancers not found");
    return page(r, in, out, "LoadBalancers", list);
}

/* 1 when the account has the load balancer arn (its type in *type), 0, -1. */
static int lb_find(req_t *r, sqlite3 *db, str_t arn, str_t *type)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT type FROM lb2 WHERE account = ?1 AND region = ?2 AND arn = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, arn);
    int f = sqlite3_step(st) == SQLITE_ROW;
    if (f && type) *type = store_col_str(r->arena, st, 0);
    return store_release(st) == SQLITE_OK ? f : -1;
}

int elbv2_delete_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "LoadBalancerArn");
    int f = lb_find(r, db, arn, NULL);
    if (f < 0) return GR_ERR;
    /* AWS (recorded): deleting one that is not there succeeds */
    if (!f) return GR_OK;
    const char *x = arena_cstr(a, arn);
    int protect = elbv2__attr_is(db, x, "deletion_protection.enabled", "true");
    if (protect < 0) return GR_ERR;
    if (protect) /* AWS (recorded) */
        return req_fail(r, &ELBV2_ERR_OperationNotPermittedException,
                        "Load balancer '%s' cannot be deleted because deletion protection is enabled", x);
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    bool ok = STORE_RUN(db, "DELETE FROM listener WHERE lb_arn = ?1", x) &&
              STORE_RUN(db, "DELETE FROM elb2_attr WHERE arn = ?1", x) &&
              STORE_RUN(db, "DELETE FROM lb2_zone WHERE lb_arn = ?1", x) &&
              STORE_RUN(db, "DELETE FROM lb2_sg WHERE lb_arn = ?1", x) &&
              STORE_RUN(db, "DELETE FROM lb2_tag WHERE arn = ?1 OR arn LIKE ?2", x, arena_printf(a, "%s/%%", x)) &&
              STORE_RUN(db, "DELETE FROM lb2 WHERE arn = ?1", x);
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    return GR_OK;
}

/* ==== Listeners ==== */

/* The target groups a listener's actions forward to, checked: GR_OK with
 * them in tgs (at most 8), or r failed as AWS refuses. */
static int action_groups(req_t *r, sqlite3 *db, const val_t *actions, bool network, str_t *tgs, size_t *n)
{
    *n = 0;
    /* AWS (recorded code) */
    if (!val_len(actions))
        return req_fail(r, &ERR_ValidationError, "A default action must be specified for a listener");
    for (size_t i = 0; i < val_len(actions); i++) {
        const val_t *ac = actions->u.list.v[i];
        str_t type = val_get_str(ac, "Type");
        if (!str_eq_c(type, "forward"))
            return req_fail(r, &ELBV2_ERR_InvalidLoadBalancerActionException,
                            "Action type '%.*s' is not served by gureum: its listeners forward connections",
                            STR_FMT(type));
        str_t one = val_get_str(ac, "TargetGroupArn");
        if (one.p && *n < 8) tgs[(*n)++] = one;
        const val_t *fw = val_get(val_get(ac, "ForwardConfig"), "TargetGroups");
        for (size_t k = 0; k < val_len(fw) && *n < 8; k++) {
            str_t t = val_get_str(fw->u.list.v[k], "TargetGroupArn");
            bool dup = false;
            for (size_t j = 0; j < *n && !dup; j++) dup = str_eq(tgs[j], t);
            if (!dup) tgs[(*n)++] = t;
        }
    }
    if (!*n) return req_fail(r, &ERR_ValidationError, "A forward action must name a target group");
    for (size_t i = 0; i < *n; i++) {
        sqlite3_stmt *st = store_stmt(db, "SELECT protocol FROM tg WHERE account = ?1 AND region = ?2 AND arn = ?3");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, tgs[i]);
        bool have = sqlite3_step(st) == SQLITE_ROW;
        str_t proto = have ? store_col_str(r->arena, st, 0) : STR_NULL;
        store_release(st);
        /* AWS (recorded) */
        if (!have) return req_fail(r, &ELBV2_ERR_TargetGroupNotFoundException, "One or more target groups not found");
        bool tcp =
            str_eq_c(proto, "TCP") || str_eq_c(proto, "TLS") || str_eq_c(proto, "UDP") || str_eq_c(proto, "TCP_UDP");
        if (tcp != network)
            return req_fail(r, &ELBV2_ERR_IncompatibleProtocolsException,
                            "The target group's protocol %.*s is not compatible with a%s load balancer", STR_FMT(proto),
                            network ? " network" : "n application");
    }
    return GR_OK;
}

/* Columns: arn, lb_arn, port, protocol, actions. */
static val_t *listener_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "ListenerArn", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, v, "LoadBalancerArn", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, v, "Port", val_int(a, sqlite3_column_int(st, 2)));
    val_set_c(a, v, "Protocol", val_str(a, store_col_str(a, st, 3)));
    json_t *j = json_parse(a, store_col_str(a, st, 4), NULL);
    val_set_c(a, v, "DefaultActions", j ? val_from_json(a, j) : val_new(a, VAL_LIST));
    return v;
}

#define LISTENER_COLS "SELECT arn, lb_arn, port, protocol, actions FROM listener "

/* A listener's protocol and port, for a network load balancer or an
 * application one: GR_OK, or r failed as AWS refuses. */
static int listener_check(req_t *r, bool network, str_t proto, int64_t port)
{
    if (str_eq_c(proto, "HTTPS") || str_eq_c(proto, "TLS"))
        return req_fail(r, &ELBV2_ERR_UnsupportedProtocolException,
                        "%.*s listeners are not served by gureum (no TLS termination): use %s", STR_FMT(proto),
                        network ? "TCP" : "HTTP");
    /* AWS (recorded code) */
    if (network ? !str_eq_c(proto, "TCP") : !str_eq_c(proto, "HTTP"))
        return req_fail(r, &ELBV2_ERR_UnsupportedProtocolException,
                        "Protocol '%.*s' is not supported for a%s load balancer", STR_FMT(proto),
                        network ? " network" : "n application");
    if (port < 1 || port > 65535) return req_fail(r, &ERR_ValidationError, "A listener port must be 1-65535");
    return GR_OK;
}

/* How many listeners load balancer lb has, when none but except (NULL:
 * any) listens on port; -1 with r failed (DuplicateListener) or on a
 * failure. */
static int64_t port_free(req_t *r, sqlite3 *db, str_t lb, int64_t port, str_t except)
{
    sqlite3_stmt *st = store_stmt(
        db, "SELECT count(*), coalesce(sum(port = ?2 AND arn IS NOT ?3), 0) FROM listener WHERE lb_arn = ?1");
    if (!st) return -1;
    store_bind_str(st, 1, lb);
    sqlite3_bind_int64(st, 2, port);
    if (except.p) store_bind_str(st, 3, except);
    int64_t count = 0, same = 0;
    if (sqlite3_step(st) == SQLITE_ROW) count = sqlite3_column_int64(st, 0), same = sqlite3_column_int64(st, 1);
    if (store_release(st) != SQLITE_OK) return -1;
    /* AWS (recorded) */
    if (same) {
        req_fail(r, &ELBV2_ERR_DuplicateListenerException,
                 "A listener already exists on this port for this load balancer");
        return -1;
    }
    return count;
}

/* The caller's listener arn: its load balancer, port, protocol and
 * whether the load balancer is a network one (when lb is not NULL); GR_OK,
 * or r failed (ListenerNotFound). */
static int listener_find(req_t *r, sqlite3 *db, str_t arn, str_t *lb, int64_t *port, str_t *proto, bool *network)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT l.lb_arn, l.port, l.protocol, b.type FROM listener l JOIN lb2 b ON "
                                      "b.arn = l.lb_arn WHERE l.arn = ?1 AND b.account = ?2 AND b.region = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    bool have = sqlite3_step(st) == SQLITE_ROW;
    if (have && lb) {
        *lb = store_col_str(r->arena, st, 0), *proto = store_col_str(r->arena, st, 2);
        *port = sqlite3_column_int64(st, 1);
        *network = !strcmp((const char *)sqlite3_column_text(st, 3), "network");
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (!have) return req_fail(r, &ELBV2_ERR_ListenerNotFoundException, "One or more listeners not found");
    return GR_OK;
}

/* out's Listeners: listener arn's value. */
static int listener_answer(req_t *r, sqlite3 *db, const char *arn, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, LISTENER_COLS "WHERE arn = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    val_t *list = val_new(a, VAL_LIST);
    if (sqlite3_step(st) == SQLITE_ROW) val_push(a, list, listener_value(r, st));
    store_release(st);
    return val_set_c(a, out, "Listeners", list);
}

int elbv2_create_listener(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t lb = val_get_str(in, "LoadBalancerArn"), type;
    int f = lb_find(r, db, lb, &type);
    if (f < 0) return GR_ERR;
    /* AWS (recorded) */
    if (!f) return req_fail(r, &ELBV2_ERR_LoadBalancerNotFoundException, "One or more load balancers not found");
    bool network = str_eq_c(type, "network");
    str_t proto = val_get_str(in, "Protocol");
    if (!proto.p) proto = network ? STR("TCP") : STR("HTTP");
    int64_t port = val_get_int(in, "Port", network ? 0 : str_eq_c(proto, "HTTPS") ? 443 : 80);
    if (listener_check(r, network, proto, port) != GR_OK) return GR_ERR;
    str_t tgs[8];
    size_t ntg;
    const val_t *actions = val_get(in, "DefaultActions");
    if (action_groups(r, db, actions, network, tgs, &ntg) != GR_OK) return GR_ERR;
    int64_t count = port_free(r, db, lb, port, STR_NULL);
    if (count < 0) return GR_ERR;
    if (count >= MAX_LISTENERS)
        return req_fail(r, &ELBV2_ERR_TooManyListenersException, "The maximum number of listeners has been reached");
    /* arn:…:loadbalancer/app/NAME/ID → arn:…:listener/app/NAME/ID/HEX */
    const char *l = arena_cstr(a, lb), *slash = strstr(l, ":loadbalancer/");
    if (!slash) return GR_ERR;
    const char *arn =
        arena_printf(a, "%.*s:listener/%s/%s", (int)(slash - l), l, slash + strlen(":loadbalancer/"), elbv2__hex_id(a));
    if (!STORE_RUN(db,
                   "INSERT INTO listener (arn, lb_arn, port, protocol, actions, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                   arn, l, arena_lld(a, port), arena_cstr(a, proto), arena_cstr(a, val_json_text(a, actions)),
                   arena_lld(a, time_now_us())))
        return GR_ERR;
    return listener_answer(r, db, arn, out);
}

/* ModifyListener: its port, protocol and default actions; the balancer
 * (balance.c) listens on the new port and forwards to the new target
 * groups at its next tick. */
int elbv2_modify_listener(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "ListenerArn"), lb, proto;
    int64_t port;
    bool network;
    if (listener_find(r, db, arn, &lb, &port, &proto, &network) != GR_OK) return GR_ERR;
    if (val_get(in, "Protocol")) proto = val_get_str(in, "Protocol");
    port = val_get_int(in, "Port", port);
    if (listener_check(r, network, proto, port) != GR_OK || port_free(r, db, lb, port, arn) < 0) return GR_ERR;
    const val_t *actions = val_get(in, "DefaultActions");
    str_t tgs[8];
    size_t ntg;
    if (actions && action_groups(r, db, actions, network, tgs, &ntg) != GR_OK) return GR_ERR;
    const char *x = arena_cstr(a, arn);
    if (!STORE_RUN(db, "UPDATE listener SET port = ?2, protocol = ?3, actions = coalesce(?4, actions) WHERE arn = ?1",
                   x, arena_lld(a, port), arena_cstr(a, proto),
                   actions ? arena_cstr(a, val_json_text(a, actions)) : NULL))
        return GR_ERR;
    return listener_answer(r, db, x, out);
}

int elbv2_describe_listeners(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t lb = val_get_str(in, "LoadBalancerArn");
    const val_t *arns = val_get(in, "ListenerArns");
    /* AWS (recorded code) */
    if (!lb.p && !val_len(arns))
        return req_fail(r, &ERR_ValidationError, "You must specify either listener ARNs or a load balancer ARN");
    if (lb.p) {
        int f = lb_find(r, db, lb, NULL);
        if (f < 0) return GR_ERR;
        if (!f) return req_fail(r, &ELBV2_ERR_LoadBalancerNotFoundException, "One or more load balancers not found");
    }
    sqlite3_stmt *st = store_stmt(db, LISTENER_COLS "WHERE lb_arn IN (SELECT arn FROM lb2 WHERE account = ?1 AND "
                                                    "region = ?2) AND (?3 IS NULL OR lb_arn = ?3) ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (lb.p) store_bind_str(st, 3, lb);
    val_t *list = val_new(a, VAL_LIST);
    size_t found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t arn = store_col_str(a, st, 0);
        bool want = !val_len(arns);
        for (size_t i = 0; !want && i < val_len(arns); i++) want = str_eq(arns->u.list.v[i]->u.s, arn);
        if (want) val_push(a, list, listener_value(r, st)), found++;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (val_len(arns) && found < val_len(arns))
        return req_fail(r, &ELBV2_ERR_ListenerNotFoundException, "One or more listeners not found");
    return page(r, in, out, "Listeners", list);
}

int elbv2_delete_listener(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "ListenerArn");
    if (listener_find(r, db, arn, NULL, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    return STORE_RUN(db, "DELETE FROM listener WHERE arn = ?1", arena_cstr(a, arn)) ? GR_OK : GR_ERR;
}

/* ==== Tags ==== */

/* Whether the account has the resource (a load balancer or target group). */
static int resource_exists(req_t *r, sqlite3 *db, str_t arn)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM lb2 WHERE account = ?1 AND region = ?2 AND arn = ?3 UNION ALL "
                                      "SELECT 1 FROM tg WHERE account = ?1 AND region = ?2 AND arn = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, arn);
    int f = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? f : -1;
}

static int need_resources(req_t *r, sqlite3 *db, const val_t *arns)
{
    for (size_t i = 0; i < val_len(arns); i++) {
        str_t arn = arns->u.list.v[i]->u.s;
        int f = resource_exists(r, db, arn);
        if (f < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!f)
            return str_index(arn, '/') >= 0 && strstr(elbv2__cs(r->arena, arn), ":targetgroup/")
                       ? req_fail(r, &ELBV2_ERR_TargetGroupNotFoundException, "One or more target groups not found")
                       : req_fail(r, &ELBV2_ERR_LoadBalancerNotFoundException, "One or more load balancers not found");
    }
    return GR_OK;
}

int elbv2_add_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    const val_t *arns = val_get(in, "ResourceArns"), *tags = val_get(in, "Tags");
    if (!db || need_resources(r, db, arns) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(arns); i++)
        for (size_t k = 0; k < val_len(tags); k++) {
            str_t v = val_get_str(tags->u.list.v[k], "Value");
            if (!STORE_RUN(db,
                           "INSERT INTO lb2_tag (arn, key, value, seq) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (arn, key) "
                           "DO UPDATE SET value = excluded.value",
                           arena_cstr(a, arns->u.list.v[i]->u.s), arena_cstr(a, val_get_str(tags->u.list.v[k], "Key")),
                           v.p ? arena_cstr(a, v) : "", arena_lld(a, time_now_us())))
                return GR_ERR;
        }
    return GR_OK;
}

int elbv2_remove_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    const val_t *arns = val_get(in, "ResourceArns"), *keys = val_get(in, "TagKeys");
    if (!db || need_resources(r, db, arns) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(arns); i++)
        for (size_t k = 0; k < val_len(keys); k++)
            if (!STORE_RUN(db, "DELETE FROM lb2_tag WHERE arn = ?1 AND key = ?2", arena_cstr(a, arns->u.list.v[i]->u.s),
                           arena_cstr(a, keys->u.list.v[k]->u.s)))
                return GR_ERR;
    return GR_OK;
}

int elbv2_describe_tags(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    const val_t *arns = val_get(in, "ResourceArns");
    if (!db || need_resources(r, db, arns) != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(arns); i++) {
        val_t *d = val_new(a, VAL_STRUCT), *tags = val_new(a, VAL_LIST);
        val_set_c(a, d, "ResourceArn", arns->u.list.v[i]);
        sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM lb2_tag WHERE arn = ?1 ORDER BY seq, key");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, arns->u.list.v[i]->u.s);
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *t = val_new(a, VAL_STRUCT);
            val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
            val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
            val_push(a, tags, t);
        }
        store_release(st);
        val_set_c(a, d, "Tags", tags);
        val_push(a, list, d);
    }
    return val_set_c(a, out, "TagDescriptions", list);
}

/* ==== For Route 53 ==== */

const char *elbv2_address_of(struct app *app, arena_t *a, const char *dns_name)
{
    sqlite3 *db = elbv2__db(app);
    return db ? loopaddr_by_name(a, db, "SELECT address FROM lb2 WHERE dns = ?1 COLLATE NOCASE", dns_name) : NULL;
}
