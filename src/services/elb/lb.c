/* lb.c — Classic Load Balancing's API: Create/Describe/DeleteLoadBalancer,
 * Register/DeregisterInstancesWithLoadBalancer, ConfigureHealthCheck,
 * DescribeInstanceHealth, Add/Describe/RemoveTags.
 *
 * A load balancer gets an address of its own, 127.201.0.0/16 on the host's
 * loopback, where balance.c listens on each listener's port and balances
 * connections over the registered instances the health check finds
 * healthy; its DNSName is AWS's form (NAME-NNNNNNNNNN.REGION.elb.amazonaws
 * .com), which the host's resolver does not know: clients use the address
 * (DescribeLoadBalancers gives no address, so gureum adds none; the address
 * is the first host of the name's hash — see lb_address). Texts are AWS's
 * where said "recorded"; the others are not on record. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "elb_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/loopaddr.h"
#include "services/ownreq.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"

#define E_NOTFOUND (&ELB_ERR_AccessPointNotFoundException)
#define E_CONFIG (&ELB_ERR_InvalidConfigurationRequestException)
#define E_ENDPOINT (&ELB_ERR_InvalidEndPointException)
#define E_SUBNET (&ELB_ERR_SubnetNotFoundException)
#define E_TOO_MANY (&ELB_ERR_TooManyAccessPointsException)

/* AWS: 20 classic load balancers per region by default. */
enum { MAX_LBS = 20 };

sqlite3 *elb__db(struct app *app)
{
    return store_db(app->store, &schema_elb);
}

/* 1 when the account's load balancer name exists, 0, -1. */
static int lb_exists(req_t *r, sqlite3 *db, str_t name)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM lb WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? rc : -1;
}

static int need_lb(req_t *r, sqlite3 *db, str_t name)
{
    int e = lb_exists(r, db, name);
    if (e < 0) return GR_ERR;
    /* AWS (recorded): "There is no ACTIVE Load Balancer named 'x'" */
    if (!e) return req_fail(r, E_NOTFOUND, "There is no ACTIVE Load Balancer named '%.*s'", STR_FMT(name));
    return GR_OK;
}

/* AWS's hosted zone of a region's classic load balancers (Route 53 alias
 * targets name it). */
static const char *zone_id(str_t region)
{
    static const struct {
        const char *region, *zone;
    } ids[] = {{"us-east-1", "Z35SXDOTRQ7X7K"},      {"us-east-2", "Z3AADJGX6KTTL2"},
               {"us-west-1", "Z368ELLRRE2KJ0"},      {"us-west-2", "Z1H1FL5HABSF5"},
               {"eu-west-1", "Z32O12XQLNTSW2"},      {"eu-central-1", "Z215JYRZR1TBD5"},
               {"ap-northeast-1", "Z14GRHDCWA56QT"}, {"ap-northeast-2", "ZWKZPGTI48KDX"},
               {"ap-southeast-1", "Z1LMS91P8CMLE5"}, {"ap-southeast-2", "Z1GM3OXH4ZPM65"}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (str_eq_c(region, ids[i].region)) return ids[i].zone;
    return "Z35SXDOTRQ7X7K";
}

static const char *lb_address(req_t *r, sqlite3 *db)
{
    return loopaddr_pick(r->arena, db, "127.201", "SELECT 1 FROM lb WHERE address = ?1");
}

/* ==== CreateLoadBalancer ==== */

static int check_listener(req_t *r, const val_t *l, const char **proto, const char **iproto)
{
    str_t p = val_get_str(l, "Protocol"), ip = val_get_str(l, "InstanceProtocol");
    int64_t port = val_get_int(l, "LoadBalancerPort", 0), iport = val_get_int(l, "InstancePort", 0);
    char up[8] = "", iup[8] = "";
    for (size_t i = 0; i < p.len && i < 7; i++) up[i] = (char)toupper((unsigned char)p.p[i]);
    for (size_t i = 0; i < ip.len && i < 7; i++) iup[i] = (char)toupper((unsigned char)ip.p[i]);
    bool known = !strcmp(up, "HTTP") || !strcmp(up, "TCP") || !strcmp(up, "HTTPS") || !strcmp(up, "SSL");
    if (!known) return req_fail(r, &ELB_ERR_UnsupportedProtocolException, "Protocol %.*s is not supported", STR_FMT(p));
    /* gureum's listeners pass bytes through: TLS is not terminated */
    if (!strcmp(up, "HTTPS") || !strcmp(up, "SSL"))
        return req_fail(r, E_CONFIG, "%s listeners are not served by gureum (no TLS termination): use HTTP or TCP", up);
    /* AWS: ports 25, 80, 443, 465, 587 or 1024-65535 */
    if (!(port == 25 || port == 80 || port == 443 || port == 465 || port == 587 || (port >= 1024 && port <= 65535)))
        return req_fail(r, E_CONFIG, "LoadBalancerPort must be 25, 80, 443, 465, 587 or 1024-65535");
    if (iport < 1 || iport > 65535) return req_fail(r, E_CONFIG, "InstancePort must be 1-65535");
    *proto = arena_strdup(r->arena, up);
    *iproto = arena_strdup(r->arena, iup[0] ? iup : up);
    return GR_OK;
}

int elb_create_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "LoadBalancerName");
    /* AWS: up to 32 letters, digits and hyphens, not starting or ending
     * with a hyphen (recorded texts: "LoadBalancerName cannot be longer than
     * 32 characters", "...cannot begin or end with a hyphen"). */
    if (name.len > 32) return req_fail(r, &ERR_ValidationError, "LoadBalancerName cannot be longer than 32 characters");
    if (!name.len || name.p[0] == '-' || name.p[name.len - 1] == '-')
        return req_fail(r, &ERR_ValidationError, "LoadBalancerName cannot begin or end with a hyphen");
    for (size_t i = 0; i < name.len; i++)
        if (!isalnum((unsigned char)name.p[i]) && name.p[i] != '-')
            return req_fail(r, &ERR_ValidationError,
                            "LoadBalancerName can contain only alphanumeric characters and hyphens");
    const val_t *listeners = val_get(in, "Listeners"), *zones = val_get(in, "AvailabilityZones"),
                *subnets = val_get(in, "Subnets");
    if (!val_len(listeners)) return req_fail(r, &ERR_ValidationError, "Listeners cannot be empty");
    /* AWS (recorded) */
    if (!val_len(zones) && !val_len(subnets))
        return req_fail(r, &ERR_ValidationError, "Either AvailabilityZones or SubnetIds must be specified");
    const char *protos[32], *iprotos[32];
    for (size_t i = 0; i < val_len(listeners) && i < 32; i++)
        if (check_listener(r, listeners->u.list.v[i], &protos[i], &iprotos[i]) != GR_OK) return GR_ERR;
    str_t scheme = val_get_str(in, "Scheme");
    if (!scheme.p) scheme = str_c("internet-facing");
    if (!str_eq_c(scheme, "internet-facing") && !str_eq_c(scheme, "internal"))
        return req_fail(r, &ELB_ERR_InvalidSchemeException, "Invalid scheme: %.*s", STR_FMT(scheme));
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const char *vpc = NULL, *zn[32], *sn[32];
    size_t nz = 0;
    for (size_t i = 0; i < val_len(subnets) && nz < 32; i++) {
        ec2_subnet_info_t si;
        str_t sid = subnets->u.list.v[i]->u.s;
        int f = ec2_subnet_info(r->app, r->who.account, r->region, sid, a, &si);
        if (f < 0) return GR_ERR;
        /* AWS (recorded code) */
        if (!f) return req_fail(r, E_SUBNET, "One or more subnets not found: %.*s", STR_FMT(sid));
        if (vpc && strcmp(vpc, si.vpc_id) != 0)
            return req_fail(r, &ELB_ERR_InvalidSubnetException, "Subnets must all be in the same VPC");
        vpc = si.vpc_id;
        zn[nz] = si.zone;
        sn[nz++] = arena_cstr(a, sid);
    }
    for (size_t i = 0; !val_len(subnets) && i < val_len(zones) && nz < 32; i++) {
        zn[nz] = arena_cstr(a, zones->u.list.v[i]->u.s);
        sn[nz++] = NULL;
    }
    int e = lb_exists(r, db, name);
    if (e < 0) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    if (e) {
        /* AWS: creating an existing load balancer again returns it */
        sqlite3_stmt *st = store_stmt(db, "SELECT dns FROM lb WHERE account = ?1 AND region = ?2 AND name = ?3");
        if (!st) return GR_ERR;
        sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, n, -1, SQLITE_STATIC);
        const char *dns =
            sqlite3_step(st) == SQLITE_ROW ? arena_strdup(a, (const char *)sqlite3_column_text(st, 0)) : NULL;
        store_release(st);
        return dns ? val_set_c(a, out, "DNSName", val_cstr(a, dns)) : GR_ERR;
    }
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM lb WHERE account = ?1 AND region = ?2");
    int64_t count = 0;
    if (st) {
        sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
        count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        store_release(st);
    }
    if (count >= MAX_LBS) {
        store_exec(db, "ROLLBACK");
        return req_fail(r, E_TOO_MANY, "Exceeded quota of account");
    }
    char digits[11];
    id_random_chars(digits, 10, "0123456789");
    digits[10] = 0;
    if (digits[0] == '0') digits[0] = '1';
    const char *dns = str_eq_c(scheme, "internal")
                          ? arena_printf(a, "internal-%s-%s.%s.elb.amazonaws.com", n, digits, reg)
                          : arena_printf(a, "%s-%s.%s.elb.amazonaws.com", n, digits, reg);
    const char *addr = lb_address(r, db);
    const val_t *first = listeners->u.list.v[0];
    /* AWS's default health check: TCP to the first listener's instance
     * port, every 30 s, 5 s timeout, 2 failures out, 10 passes in. */
    const char *target = arena_printf(a, "TCP:%lld", (long long)val_get_int(first, "InstancePort", 80));
    bool ok =
        addr && STORE_RUN(db,
                          "INSERT INTO lb (account, region, name, dns, scheme, vpc_id, address, created_ms, hc_target, "
                          "hc_interval, hc_timeout, hc_unhealthy, hc_healthy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                          "?9, 30, 5, 2, 10)",
                          acct, reg, n, dns, arena_cstr(a, scheme), vpc, addr,
                          arena_printf(a, "%lld", (long long)(time_now_us() / 1000)), target);
    for (size_t i = 0; ok && i < val_len(listeners) && i < 32; i++) {
        const val_t *l = listeners->u.list.v[i];
        ok = STORE_RUN(db,
                       "INSERT OR REPLACE INTO lb_listener (account, region, lb, lb_port, protocol, instance_port, "
                       "instance_protocol) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       acct, reg, n, arena_printf(a, "%lld", (long long)val_get_int(l, "LoadBalancerPort", 0)),
                       protos[i], arena_printf(a, "%lld", (long long)val_get_int(l, "InstancePort", 0)), iprotos[i]);
    }
    for (size_t i = 0; ok && i < nz; i++)
        ok = STORE_RUN(db,
                       "INSERT OR IGNORE INTO lb_zone (account, region, lb, zone, subnet) VALUES (?1, ?2, ?3, ?4, ?5)",
                       acct, reg, n, zn[i], sn[i]);
    const val_t *sgs = val_get(in, "SecurityGroups");
    for (size_t i = 0; ok && i < val_len(sgs); i++)
        ok = STORE_RUN(db, "INSERT OR IGNORE INTO lb_sg (account, region, lb, group_id) VALUES (?1, ?2, ?3, ?4)", acct,
                       reg, n, arena_cstr(a, sgs->u.list.v[i]->u.s));
    const val_t *tags = val_get(in, "Tags");
    for (size_t i = 0; ok && i < val_len(tags); i++)
        ok = STORE_RUN(
            db, "INSERT OR REPLACE INTO lb_tag (account, region, lb, key, value, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            acct, reg, n, arena_cstr(a, val_get_str(tags->u.list.v[i], "Key")),
            arena_cstr(a, val_get_str(tags->u.list.v[i], "Value"))
                ? arena_cstr(a, val_get_str(tags->u.list.v[i], "Value"))
                : "",
            arena_printf(a, "%zu", i));
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    return val_set_c(a, out, "DNSName", val_cstr(a, dns));
}

/* ==== Describe ==== */

static val_t *strings(req_t *r, sqlite3 *db, const char *sql, const char *lb, const char *member)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return list;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_text(st, 3, lb, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!sqlite3_column_text(st, 0)) continue;
        val_t *s = val_cstr(a, arena_strdup(a, (const char *)sqlite3_column_text(st, 0)));
        if (member) {
            val_t *o = val_new(a, VAL_STRUCT);
            val_set_c(a, o, member, s);
            s = o;
        }
        val_push(a, list, s);
    }
    store_release(st);
    return list;
}

static val_t *lb_value(req_t *r, sqlite3 *db, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    const char *c[13];
    for (int i = 0; i < 13; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
    }
    const char *name = c[0];
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "LoadBalancerName", val_cstr(a, name));
    val_set_c(a, v, "DNSName", val_cstr(a, c[1]));
    if (!strcmp(c[2], "internet-facing")) val_set_c(a, v, "CanonicalHostedZoneName", val_cstr(a, c[1]));
    val_set_c(a, v, "CanonicalHostedZoneNameID", val_cstr(a, zone_id(r->region)));
    val_t *lds = val_new(a, VAL_LIST);
    sqlite3_stmt *l = store_stmt(db, "SELECT protocol, lb_port, instance_protocol, instance_port FROM lb_listener "
                                     "WHERE account = ?1 AND region = ?2 AND lb = ?3 ORDER BY lb_port");
    if (l) {
        store_bind_str(l, 1, r->who.account);
        store_bind_str(l, 2, r->region);
        sqlite3_bind_text(l, 3, name, -1, SQLITE_STATIC);
        while (sqlite3_step(l) == SQLITE_ROW) {
            val_t *ld = val_new(a, VAL_STRUCT), *li = val_new(a, VAL_STRUCT);
            val_set_c(a, li, "Protocol", val_cstr(a, arena_strdup(a, (const char *)sqlite3_column_text(l, 0))));
            val_set_c(a, li, "LoadBalancerPort", val_int(a, sqlite3_column_int(l, 1)));
            val_set_c(a, li, "InstanceProtocol", val_cstr(a, arena_strdup(a, (const char *)sqlite3_column_text(l, 2))));
            val_set_c(a, li, "InstancePort", val_int(a, sqlite3_column_int(l, 3)));
            val_set_c(a, ld, "Listener", li);
            val_set_c(a, ld, "PolicyNames", val_new(a, VAL_LIST));
            val_push(a, lds, ld);
        }
        store_release(l);
    }
    val_set_c(a, v, "ListenerDescriptions", lds);
    val_t *pol = val_new(a, VAL_STRUCT);
    val_set_c(a, pol, "AppCookieStickinessPolicies", val_new(a, VAL_LIST));
    val_set_c(a, pol, "LBCookieStickinessPolicies", val_new(a, VAL_LIST));
    val_set_c(a, pol, "OtherPolicies", val_new(a, VAL_LIST));
    val_set_c(a, v, "Policies", pol);
    val_set_c(a, v, "BackendServerDescriptions", val_new(a, VAL_LIST));
    val_set_c(a, v, "AvailabilityZones",
              strings(r, db, "SELECT zone FROM lb_zone WHERE account = ?1 AND region = ?2 AND lb = ?3 ORDER BY zone",
                      name, NULL));
    val_set_c(a, v, "Subnets",
              strings(r, db,
                      "SELECT subnet FROM lb_zone WHERE account = ?1 AND region = ?2 AND lb = ?3 ORDER BY subnet", name,
                      NULL));
    if (c[3]) val_set_c(a, v, "VPCId", val_cstr(a, c[3]));
    val_set_c(a, v, "Instances",
              strings(r, db,
                      "SELECT instance_id FROM lb_instance WHERE account = ?1 AND region = ?2 AND lb = ?3 ORDER "
                      "BY seq",
                      name, "InstanceId"));
    val_t *hc = val_new(a, VAL_STRUCT);
    val_set_c(a, hc, "Target", val_cstr(a, c[6]));
    val_set_c(a, hc, "Interval", val_int(a, sqlite3_column_int(st, 7)));
    val_set_c(a, hc, "Timeout", val_int(a, sqlite3_column_int(st, 8)));
    val_set_c(a, hc, "UnhealthyThreshold", val_int(a, sqlite3_column_int(st, 9)));
    val_set_c(a, hc, "HealthyThreshold", val_int(a, sqlite3_column_int(st, 10)));
    val_set_c(a, v, "HealthCheck", hc);
    val_t *ssg = val_new(a, VAL_STRUCT);
    val_set_c(a, ssg, "OwnerAlias", val_str(a, r->who.account));
    val_set_c(a, ssg, "GroupName", val_cstr(a, "default"));
    val_set_c(a, v, "SourceSecurityGroup", ssg);
    val_set_c(a, v, "SecurityGroups",
              strings(r, db, "SELECT group_id FROM lb_sg WHERE account = ?1 AND region = ?2 AND lb = ?3", name, NULL));
    val_set_c(a, v, "CreatedTime", val_time(a, sqlite3_column_int64(st, 5) * 1000));
    val_set_c(a, v, "Scheme", val_cstr(a, c[2]));
    return v;
}

int elb_describe_load_balancers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const val_t *names = val_get(in, "LoadBalancerNames");
    for (size_t i = 0; i < val_len(names); i++)
        if (need_lb(r, db, names->u.list.v[i]->u.s) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT name, dns, scheme, vpc_id, address, created_ms, hc_target, hc_interval, "
                                      "hc_timeout, hc_unhealthy, hc_healthy FROM lb WHERE account = ?1 AND region = ?2 "
                                      "ORDER BY name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        bool want = !val_len(names);
        for (size_t i = 0; !want && i < val_len(names); i++)
            want = str_eq_c(names->u.list.v[i]->u.s, (const char *)sqlite3_column_text(st, 0));
        if (want) val_push(a, list, lb_value(r, db, st));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return val_set_c(a, out, "LoadBalancerDescriptions", list);
}

int elb_delete_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region),
               *n = arena_cstr(a, val_get_str(in, "LoadBalancerName"));
    /* AWS: deleting a load balancer that does not exist succeeds */
    static const char *const tables[] = {"lb_listener", "lb_zone", "lb_sg", "lb_instance", "lb_tag"};
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof tables / sizeof tables[0]; i++)
        ok = STORE_RUN(db, arena_printf(a, "DELETE FROM %s WHERE account = ?1 AND region = ?2 AND lb = ?3", tables[i]),
                       acct, reg, n);
    ok = ok && STORE_RUN(db, "DELETE FROM lb WHERE account = ?1 AND region = ?2 AND name = ?3", acct, reg, n);
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    elb__forget(acct, reg, n);
    return GR_OK;
}

/* ==== Instances and health ==== */

static int registered(req_t *r, sqlite3 *db, const char *n, val_t *out)
{
    return val_set_c(r->arena, out, "Instances",
                     strings(r, db,
                             "SELECT instance_id FROM lb_instance WHERE account = ?1 AND region = ?2 AND lb = ?3 "
                             "ORDER BY seq",
                             n, "InstanceId"));
}

/* Register (add) or deregister instances; the answer lists the load
 * balancer's instances after the change. */
static int change_instances(req_t *r, const val_t *in, val_t *out, bool add)
{
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "LoadBalancerName");
    if (need_lb(r, db, name) != GR_OK) return GR_ERR;
    const val_t *insts = val_get(in, "Instances");
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    for (size_t i = 0; add && i < val_len(insts); i++) {
        str_t id = val_get_str(insts->u.list.v[i], "InstanceId");
        ec2_target_t t;
        int f = ec2_instance_target(r->app, r->who.account, r->region, id, a, &t);
        if (f < 0) return GR_ERR;
        /* AWS (recorded code): InvalidInstance */
        if (!f || !strcmp(t.state, "terminated"))
            return req_fail(r, E_ENDPOINT, "The following instances are not valid: %.*s", STR_FMT(id));
    }
    for (size_t i = 0; i < val_len(insts); i++) {
        const char *id = arena_cstr(a, val_get_str(insts->u.list.v[i], "InstanceId"));
        bool ok = add ? STORE_RUN(db,
                                  "INSERT OR IGNORE INTO lb_instance (account, region, lb, instance_id, seq) VALUES "
                                  "(?1, ?2, ?3, ?4, ?5)",
                                  acct, reg, n, id, arena_printf(a, "%lld", (long long)time_now_us()))
                      : STORE_RUN(db,
                                  "DELETE FROM lb_instance WHERE account = ?1 AND region = ?2 AND lb = ?3 AND "
                                  "instance_id = ?4",
                                  acct, reg, n, id);
        if (!ok) return GR_ERR;
    }
    return registered(r, db, n, out);
}

int elb_register_instances_with_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    return change_instances(r, in, out, true);
}

int elb_deregister_instances_from_load_balancer(req_t *r, const val_t *in, val_t *out)
{
    return change_instances(r, in, out, false);
}

int elb_configure_health_check(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "LoadBalancerName");
    if (need_lb(r, db, name) != GR_OK) return GR_ERR;
    const val_t *hc = val_get(in, "HealthCheck");
    str_t target = val_get_str(hc, "Target");
    int64_t interval = val_get_int(hc, "Interval", 30), timeout = val_get_int(hc, "Timeout", 5),
            unhealthy = val_get_int(hc, "UnhealthyThreshold", 2), healthy = val_get_int(hc, "HealthyThreshold", 10);
    char proto[8] = "";
    int port = 0, used = 0;
    char tbuf[300];
    snprintf(tbuf, sizeof tbuf, "%.*s", STR_FMT(target));
    bool ok = sscanf(tbuf, "%7[A-Z]:%d%n", proto, &port, &used) == 2 && port >= 1 && port <= 65535;
    bool http = !strcmp(proto, "HTTP") || !strcmp(proto, "HTTPS");
    ok = ok && (http ? tbuf[used] == '/' : tbuf[used] == 0) && (http || !strcmp(proto, "TCP") || !strcmp(proto, "SSL"));
    /* AWS (recorded code; texts are the documented constraints) */
    if (!ok) return req_fail(r, &ERR_ValidationError, "Invalid target: %.*s", STR_FMT(target));
    if (interval < 5 || interval > 300) return req_fail(r, &ERR_ValidationError, "Interval must be 5-300 seconds");
    if (timeout < 2 || timeout > 60 || timeout >= interval)
        return req_fail(r, &ERR_ValidationError, "Timeout must be 2-60 seconds and smaller than the interval");
    if (unhealthy < 2 || unhealthy > 10 || healthy < 2 || healthy > 10)
        return req_fail(r, &ERR_ValidationError, "Thresholds must be 2-10");
    if (!STORE_RUN(
            db,
            "UPDATE lb SET hc_target = ?4, hc_interval = ?5, hc_timeout = ?6, hc_unhealthy = ?7, hc_healthy = ?8 "
            "WHERE account = ?1 AND region = ?2 AND name = ?3",
            arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name), tbuf,
            arena_printf(a, "%lld", (long long)interval), arena_printf(a, "%lld", (long long)timeout),
            arena_printf(a, "%lld", (long long)unhealthy), arena_printf(a, "%lld", (long long)healthy)))
        return GR_ERR;
    val_t *h = val_new(a, VAL_STRUCT);
    val_set_c(a, h, "Target", val_cstr(a, arena_strdup(a, tbuf)));
    val_set_c(a, h, "Interval", val_int(a, interval));
    val_set_c(a, h, "Timeout", val_int(a, timeout));
    val_set_c(a, h, "UnhealthyThreshold", val_int(a, unhealthy));
    val_set_c(a, h, "HealthyThreshold", val_int(a, healthy));
    return val_set_c(a, out, "HealthCheck", h);
}

int elb_describe_instance_health(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "LoadBalancerName");
    if (need_lb(r, db, name) != GR_OK) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    val_t *all = strings(r, db,
                         "SELECT instance_id FROM lb_instance WHERE account = ?1 AND region = ?2 AND lb = ?3 "
                         "ORDER BY seq",
                         n, NULL);
    const val_t *want = val_get(in, "Instances");
    val_t *list = val_new(a, VAL_LIST);
    size_t count = val_len(want) ? val_len(want) : val_len(all);
    for (size_t i = 0; i < count; i++) {
        str_t id = val_len(want) ? val_get_str(want->u.list.v[i], "InstanceId") : all->u.list.v[i]->u.s;
        bool known = false;
        for (size_t k = 0; k < val_len(all) && !known; k++) known = str_eq(all->u.list.v[k]->u.s, id);
        /* AWS (recorded code) */
        if (!known) return req_fail(r, E_ENDPOINT, "The following instances are not valid: %.*s", STR_FMT(id));
        const char *state, *code, *text;
        elb__health(acct, reg, n, arena_cstr(a, id), &state, &code, &text);
        val_t *s = val_new(a, VAL_STRUCT);
        val_set_c(a, s, "InstanceId", val_str(a, id));
        val_set_c(a, s, "State", val_cstr(a, state));
        val_set_c(a, s, "ReasonCode", val_cstr(a, code));
        val_set_c(a, s, "Description", val_cstr(a, text));
        val_push(a, list, s);
    }
    return val_set_c(a, out, "InstanceStates", list);
}

/* ==== Tags ==== */

int elb_add_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const val_t *names = val_get(in, "LoadBalancerNames"), *tags = val_get(in, "Tags");
    for (size_t i = 0; i < val_len(names); i++)
        if (need_lb(r, db, names->u.list.v[i]->u.s) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(names); i++)
        for (size_t k = 0; k < val_len(tags); k++) {
            str_t v = val_get_str(tags->u.list.v[k], "Value");
            if (!STORE_RUN(
                    db,
                    "INSERT INTO lb_tag (account, region, lb, key, value, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON "
                    "CONFLICT (account, region, lb, key) DO UPDATE SET value = excluded.value",
                    arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, names->u.list.v[i]->u.s),
                    arena_cstr(a, val_get_str(tags->u.list.v[k], "Key")), v.p ? arena_cstr(a, v) : "",
                    arena_printf(a, "%lld", (long long)time_now_us())))
                return GR_ERR;
        }
    return GR_OK;
}

int elb_remove_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const val_t *names = val_get(in, "LoadBalancerNames"), *tags = val_get(in, "Tags");
    for (size_t i = 0; i < val_len(names); i++)
        if (need_lb(r, db, names->u.list.v[i]->u.s) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(names); i++)
        for (size_t k = 0; k < val_len(tags); k++)
            if (!STORE_RUN(db, "DELETE FROM lb_tag WHERE account = ?1 AND region = ?2 AND lb = ?3 AND key = ?4",
                           arena_cstr(a, r->who.account), arena_cstr(a, r->region),
                           arena_cstr(a, names->u.list.v[i]->u.s),
                           arena_cstr(a, val_get_str(tags->u.list.v[k], "Key"))))
                return GR_ERR;
    return GR_OK;
}

int elb_describe_tags(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elb__db(r->app);
    if (!db) return GR_ERR;
    const val_t *names = val_get(in, "LoadBalancerNames");
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(names); i++) {
        str_t name = names->u.list.v[i]->u.s;
        if (need_lb(r, db, name) != GR_OK) return GR_ERR;
        sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM lb_tag WHERE account = ?1 AND region = ?2 AND lb = "
                                          "?3 ORDER BY seq, key");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        val_t *d = val_new(a, VAL_STRUCT), *tl = val_new(a, VAL_LIST);
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *t = val_new(a, VAL_STRUCT);
            val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
            val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
            val_push(a, tl, t);
        }
        store_release(st);
        val_set_c(a, d, "LoadBalancerName", val_str(a, name));
        val_set_c(a, d, "Tags", tl);
        val_push(a, list, d);
    }
    return val_set_c(a, out, "TagDescriptions", list);
}

/* ==== For other services ==== */

int elb_exists(struct app *app, str_t account, str_t region, str_t name)
{
    req_t *r = ownreq_new(app, account, region, "elb-exists");
    if (!r) return -1;
    sqlite3 *db = elb__db(app);
    int e = db ? lb_exists(r, db, name) : -1;
    arena_free(r->arena);
    return e;
}

int elb_attach(struct app *app, str_t account, str_t region, str_t name, str_t instance, bool add)
{
    req_t *r = ownreq_new(app, account, region, add ? "elb-register" : "elb-deregister");
    if (!r) return -1;
    arena_t *a = r->arena;
    val_t *in = val_new(a, VAL_STRUCT), *list = val_new(a, VAL_LIST), *i = val_new(a, VAL_STRUCT),
          *out = val_new(a, VAL_STRUCT);
    val_set_c(a, i, "InstanceId", val_str(a, instance));
    val_push(a, list, i);
    val_set_c(a, in, "LoadBalancerName", val_str(a, name));
    val_set_c(a, in, "Instances", list);
    int rc = change_instances(r, in, out, add) == GR_OK ? 1 : r->err ? 0 : -1;
    arena_free(r->arena);
    return rc;
}
