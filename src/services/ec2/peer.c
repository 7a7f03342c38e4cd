/* peer.c — the VPC's network between instances: which TCP connections an
 * instance may open to the other running instances of its VPC (at their
 * private addresses), to its DB instances (RDS's rds_vpc_endpoints: at
 * their private addresses and at the endpoint addresses RDS gives) and,
 * from a public address in a public subnet, to the public addresses of
 * the region's instances in public subnets; and which it may ping. boot.c
 * listens on each in the instance's link (runtime/link.h) and joins it to
 * the other machine; whatever is not listed is refused there.
 *
 * AWS: "Control traffic to your AWS resources using security groups" and
 * "Control subnet traffic with network access control lists", Amazon VPC
 * User Guide. Within a VPC the local route always holds. A connection from
 * A to port P of B passes when one of B's groups has an inbound rule for P
 * whose source holds A's private address or is one of A's groups, and one
 * of A's groups has an outbound rule for P to B the same way. Security
 * groups are stateful: the answer needs no rule. Network ACLs apply only
 * between subnets, and are stateless: A's subnet must let P out to B and
 * B's subnet let it in, and the answer, to A's ephemeral port (Linux's
 * 32768-60999), must pass the other way; each ACL's entries are evaluated
 * lowest number first, the first that matches decides. */
#include <stdio.h>
#include <string.h>

#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/rds/rds.h"

/* Ports a wide rule opens: AWS's well-known ones (a rule of every port
 * would be 65,535 listeners). */
static const int COMMON_PORTS[] = {22, 80, 443, 3000, 3306, 5000, 5432, 8000, 8001, 8008, 8080, 8443, 8888, 9000};
static const int EPHEMERAL[] = {32768, 60999};

static void add_port(int *ports, size_t *n, size_t cap, int p)
{
    for (size_t i = 0; i < *n; i++)
        if (ports[i] == p) return;
    if (*n < cap) ports[(*n)++] = p;
}

/* Whether a rule's protocol carries TCP; its range in *from..*to. */
static bool tcp_range(const char *proto, int *from, int *to)
{
    bool all = !strcmp(proto, "-1");
    if (!all && strcmp(proto, "tcp") != 0 && strcmp(proto, "6") != 0) return false;
    if (all || *from < 0) *from = 0, *to = 65535;
    return true;
}

enum { TCP = 6, ICMP = 1, ECHO_REQUEST = 8, ECHO_REPLY = 0 };

/* Whether a rule or ACL entry of protocol proto over *from..*to (ports, or
 * an ICMP type and code; -1 all) covers value of protocol want: a TCP port
 * (< 0: any), or an ICMP type with code 0. */
static bool covers(const char *proto, int *from, int *to, int want, int value)
{
    if (want == ICMP) {
        if (!strcmp(proto, "-1")) return true;
        if (strcmp(proto, "icmp") != 0 && strcmp(proto, "1") != 0) return false;
        return (*from == -1 || *from == value) && (*to == -1 || *to == 0);
    }
    return tcp_range(proto, from, to) && (value < 0 || (value >= *from && value <= *to));
}

bool ec2__rule_ports(const char *proto, int from, int to, int *ports, size_t *n, size_t cap)
{
    if (!tcp_range(proto, &from, &to)) return false;
    if (to - from < 64)
        for (int p = from; p <= to; p++) add_port(ports, n, cap, p);
    else
        for (size_t k = 0; k < sizeof COMMON_PORTS / sizeof COMMON_PORTS[0]; k++)
            if (COMMON_PORTS[k] >= from && COMMON_PORTS[k] <= to) add_port(ports, n, cap, COMMON_PORTS[k]);
    return true;
}

bool ec2__cidr_holds(const char *cidr, const char *ip)
{
    ec2__cidr_t c, host;
    char one[24];
    snprintf(one, sizeof one, "%s/32", ip);
    return cidr && ec2__cidr_parse(str_c(cidr), &c) && ec2__cidr_parse(str_c(one), &host) && ec2__cidr_within(host, c);
}

typedef struct {
    const char *subnet, *pip;
    const char **groups;
    size_t ngroups;
} host_t;

static bool in_groups(const host_t *h, const unsigned char *g)
{
    for (size_t i = 0; g && i < h->ngroups; i++)
        if (!strcmp(h->groups[i], (const char *)g)) return true;
    return false;
}

static sqlite3_stmt *stmt3(sqlite3 *db, const char *sql, const char *acct, const char *reg, const char *third)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, third, -1, SQLITE_STATIC);
    return st;
}

/* Up to cap values of the first column of st, released. */
static size_t column(arena_t *a, sqlite3_stmt *st, const char **out, size_t cap)
{
    size_t n = 0;
    while (st && n < cap && sqlite3_step(st) == SQLITE_ROW)
        out[n++] = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    if (st) store_release(st);
    return n;
}

enum { MAX_GROUPS = 16, MAX_ROWS = 256 };

/* The rows of st (cols text columns each, at most MAX_ROWS), released:
 * row i's column c at [i * cols + c]; their number in *n. */
static const char **table(arena_t *a, sqlite3_stmt *st, int cols, size_t *n)
{
    const char **t = arena_alloc(a, MAX_ROWS * (size_t)cols * sizeof *t);
    *n = 0;
    while (st && t && *n < MAX_ROWS && sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++)
            t[*n * (size_t)cols + (size_t)c] = arena_strdup(a, (const char *)sqlite3_column_text(st, c));
        (*n)++;
    }
    if (st) store_release(st);
    return t;
}

static void instance_groups(arena_t *a, sqlite3 *db, const char *acct, const char *reg, const char *id, host_t *h)
{
    h->groups = arena_alloc(a, MAX_GROUPS * sizeof *h->groups);
    h->ngroups = 0;
    if (!h->groups) return;
    h->ngroups = column(a,
                        stmt3(db,
                              "SELECT group_id FROM instance_sg WHERE account = ?1 AND region = ?2 AND "
                              "instance_id = ?3 ORDER BY seq",
                              acct, reg, id),
                        h->groups, MAX_GROUPS);
}

/* Whether rule row st (proto, from, to, cidr, ref_group) covers value of
 * protocol want (covers()) with the other end `other`. */
static bool rule_covers(sqlite3_stmt *st, const host_t *other, int want, int value, int *from, int *to)
{
    *from = sqlite3_column_int(st, 1), *to = sqlite3_column_int(st, 2);
    return covers((const char *)sqlite3_column_text(st, 0), from, to, want, value) &&
           (ec2__cidr_holds((const char *)sqlite3_column_text(st, 3), other->pip) ||
            in_groups(other, sqlite3_column_text(st, 4)));
}

/* Walks the rules of of's groups in direction egress (0 inbound, 1
 * outbound) that cover value of protocol want with the other end `other`:
 * with ports set (TCP), adds each rule's ports there and returns whether
 * any did; without, stops at the first. */
static bool rules(sqlite3 *db, const char *acct, const char *reg, const host_t *of, const host_t *other, int egress,
                  int want, int value, int *ports, size_t *n, size_t cap)
{
    bool any = false;
    for (size_t g = 0; g < of->ngroups && (ports || !any); g++) {
        sqlite3_stmt *st = stmt3(db,
                                 "SELECT proto, from_port, to_port, cidr, ref_group FROM sg_rule WHERE account = ?1 "
                                 "AND region = ?2 AND group_id = ?3 AND egress = ?4",
                                 acct, reg, of->groups[g]);
        if (st) sqlite3_bind_int(st, 4, egress);
        int from, to;
        while (st && (ports || !any) && sqlite3_step(st) == SQLITE_ROW)
            if (rule_covers(st, other, want, value, &from, &to)) {
                any = true;
                if (ports) ec2__rule_ports((const char *)sqlite3_column_text(st, 0), from, to, ports, n, cap);
            }
        if (st) store_release(st);
    }
    return any;
}

/* Whether the ACL of subnet lets value of protocol want (covers()) with the
 * other end at ip go in direction egress. */
static bool acl_allows(sqlite3 *db, const char *acct, const char *reg, const char *subnet, int egress, const char *ip,
                       int want, int value)
{
    sqlite3_stmt *st = stmt3(db,
                             "SELECT e.proto, e.from_val, e.to_val, e.cidr, e.action FROM nacl_assoc s JOIN "
                             "nacl_entry e ON e.account = s.account AND e.region = s.region AND e.acl_id = s.acl_id "
                             "WHERE s.account = ?1 AND s.region = ?2 AND s.subnet_id = ?3 AND e.egress = ?4 ORDER BY "
                             "e.number",
                             acct, reg, subnet);
    if (!st) return false;
    sqlite3_bind_int(st, 4, egress);
    bool decided = false, allow = false;
    while (!decided && sqlite3_step(st) == SQLITE_ROW) {
        int from = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1);
        int to = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
        if (!covers((const char *)sqlite3_column_text(st, 0), &from, &to, want, value) ||
            !ec2__cidr_holds((const char *)sqlite3_column_text(st, 3), ip))
            continue;
        decided = true;
        allow = !strcmp((const char *)sqlite3_column_text(st, 4), "allow");
    }
    store_release(st);
    return allow;
}

/* Whether, b's groups letting it in, a may reach b with value of protocol
 * want (a TCP port, or an echo request): a's groups let it out, and the
 * ACLs between their subnets pass it (from a as b sees it: seen, whose
 * address is a's, or a's public one through the Internet) and its answer
 * (to Linux's ephemeral ports, or the echo reply). */
static bool way_out(sqlite3 *db, const char *acct, const char *reg, const host_t *a, const host_t *seen,
                    const host_t *b, int want, int value)
{
    if (!rules(db, acct, reg, a, b, 1, want, value, NULL, NULL, 0)) return false;
    if (!strcmp(a->subnet, b->subnet)) return true;
    if (!acl_allows(db, acct, reg, a->subnet, 1, b->pip, want, value) ||
        !acl_allows(db, acct, reg, b->subnet, 0, seen->pip, want, value))
        return false;
    const int *back = want == ICMP ? (const int[]){ECHO_REPLY} : EPHEMERAL;
    size_t nback = want == ICMP ? 1 : sizeof EPHEMERAL / sizeof EPHEMERAL[0];
    for (size_t k = 0; k < nback; k++)
        if (!acl_allows(db, acct, reg, b->subnet, 1, seen->pip, want, back[k]) ||
            !acl_allows(db, acct, reg, a->subnet, 0, b->pip, want, back[k]))
            return false;
    return true;
}

static void add(ec2__reach_t *out, const char *at, pid_t pid, const char *ip, int port)
{
    if (out->n == out->cap) return;
    fwd_link_t *l = &out->links[out->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->at, sizeof l->at, "%s", at);
    snprintf(l->to.ip, sizeof l->to.ip, "%s", ip);
    l->to.pid = pid;
    l->to.port = port;
}

/* The subnet of vpc whose range holds ip (a DB instance's), "" if none. */
static const char *subnet_of(arena_t *a, sqlite3 *db, const char *acct, const char *reg, const char *vpc,
                             const char *ip)
{
    sqlite3_stmt *st =
        stmt3(db, "SELECT id, cidr FROM subnet WHERE account = ?1 AND region = ?2 AND vpc_id = ?3", acct, reg, vpc);
    const char *id = "";
    while (st && !*id && sqlite3_step(st) == SQLITE_ROW)
        if (ec2__cidr_holds((const char *)sqlite3_column_text(st, 1), ip))
            id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    if (st) store_release(st);
    return id;
}

/* What self may reach of instance id (b: its subnet and the address it is
 * reached at; its machine pid, where it listens at inner): the TCP ports
 * its groups let in from self as it sees self (seen) that pass, each
 * listened on at b's address; and its address among the pings when echo
 * passes. */
static void reach(arena_t *a, sqlite3 *db, const char *acct, const char *reg, const host_t *self, const host_t *seen,
                  host_t b, const char *id, pid_t pid, const char *inner, ec2__reach_t *out)
{
    instance_groups(a, db, acct, reg, id, &b);
    int ports[128];
    size_t nports = 0;
    /* the ports b's groups let in from seen: only the way out is left to ask */
    rules(db, acct, reg, &b, seen, 0, TCP, -1, ports, &nports, 128);
    for (size_t k = 0; k < nports; k++)
        if (way_out(db, acct, reg, self, seen, &b, TCP, ports[k])) add(out, b.pip, pid, inner, ports[k]);
    if (out->npings < out->pings_cap && rules(db, acct, reg, &b, seen, 0, ICMP, ECHO_REQUEST, NULL, NULL, 0) &&
        way_out(db, acct, reg, self, seen, &b, ICMP, ECHO_REQUEST))
        snprintf(out->pings[out->npings++], sizeof out->pings[0], "%s", b.pip);
}

/* Whether subnet (of vpc) sends the Internet to an internet gateway
 * attached to its VPC: 0.0.0.0/0 in its own route table, else in the
 * VPC's main one. */
static bool public_subnet(sqlite3 *db, const char *acct, const char *reg, const char *vpc, const char *subnet)
{
    sqlite3_stmt *st =
        stmt3(db,
              "SELECT 1 FROM route r JOIN igw g ON g.account = r.account AND g.region = r.region AND g.id = r.target "
              "WHERE r.account = ?1 AND r.region = ?2 AND r.dest = '0.0.0.0/0' AND g.vpc_id = ?4 AND r.rtb_id = "
              "COALESCE((SELECT rtb_id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND subnet_id = ?3), (SELECT "
              "rtb_id FROM rtb_assoc WHERE account = ?1 AND region = ?2 AND vpc_id = ?4 AND main = 1))",
              acct, reg, subnet);
    if (!st) return false;
    sqlite3_bind_text(st, 4, vpc, -1, SQLITE_STATIC);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return yes;
}

/* Through the Internet: from a public address in a public subnet, the
 * public (or Elastic) addresses of the region's running instances in
 * public subnets, itself among them, as their groups let in a source at
 * that public address (ranges only: a group names private addresses) and
 * the ACLs pass it; the connection joins the target machine directly. */
static void public_peers(arena_t *a, sqlite3 *db, const char *acct, const char *reg, const host_t *self,
                         const char *self_pub, ec2__reach_t *out, pid_t (*pid_of)(const char *id))
{
    sqlite3_stmt *st = stmt3(db,
                             "SELECT id, vpc_id, subnet_id, private_ip, public_ip FROM instance WHERE account = ?1 "
                             "AND region = ?2 AND state = 'running' AND public_ip IS NOT NULL AND ?3 IS NOT NULL "
                             "ORDER BY seq",
                             acct, reg, self_pub);
    size_t np;
    const char **rows = table(a, st, 5, &np);
    /* b's rules see the source at its public address, and no group of it */
    host_t seen = {.subnet = self->subnet, .pip = self_pub};
    for (size_t i = 0; i < np; i++) {
        pid_t pid = pid_of(rows[i * 5 + 0]);
        if (pid <= 0 || !public_subnet(db, acct, reg, rows[i * 5 + 1], rows[i * 5 + 2])) continue;
        const char *const *r = &rows[i * 5];
        reach(a, db, acct, reg, self, &seen, (host_t){.subnet = r[2], .pip = r[4]}, r[0], pid, r[3], out);
    }
}

void ec2__peers(struct app *app, arena_t *a, sqlite3 *db, const char *acct, const char *reg, const char *id,
                ec2__reach_t *out, pid_t (*pid_of)(const char *id))
{
    sqlite3_stmt *st = stmt3(db,
                             "SELECT vpc_id, subnet_id, private_ip, public_ip FROM instance WHERE account = ?1 AND "
                             "region = ?2 AND id = ?3",
                             acct, reg, id);
    host_t self = {0};
    const char *vpc = NULL, *pub = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        vpc = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        self.subnet = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
        self.pip = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) pub = arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
    }
    if (st) store_release(st);
    out->n = out->npings = 0;
    if (!vpc) return;
    instance_groups(a, db, acct, reg, id, &self);
    /* the other running instances of the VPC, at their private addresses */
    st = stmt3(db,
               "SELECT p.id, p.subnet_id, p.private_ip FROM instance i JOIN instance p ON p.account = i.account "
               "AND p.region = i.region AND p.vpc_id = i.vpc_id AND p.id <> i.id AND p.state = 'running' WHERE "
               "i.account = ?1 AND i.region = ?2 AND i.id = ?3 ORDER BY p.seq",
               acct, reg, id);
    size_t np;
    const char **rows = table(a, st, 3, &np);
    for (size_t i = 0; i < np; i++) {
        pid_t pid = pid_of(rows[i * 3 + 0]);
        if (pid <= 0) continue;
        const char *const *r = &rows[i * 3];
        reach(a, db, acct, reg, &self, &self, (host_t){.subnet = r[1], .pip = r[2]}, r[0], pid, r[2], out);
    }
    if (pub && public_subnet(db, acct, reg, vpc, self.subnet)) public_peers(a, db, acct, reg, &self, pub, out, pid_of);
    /* the VPC's DB instances, at their private addresses and endpoints; one
     * without groups has the VPC's default group, as on AWS */
    enum { MAX_DBS = 64 };
    rds_endpoint_t *dbs = arena_alloc(a, MAX_DBS * sizeof *dbs);
    size_t ndb = dbs ? rds_vpc_endpoints(app, a, acct, reg, vpc, dbs, MAX_DBS) : 0;
    for (size_t i = 0; i < ndb; i++) {
        const rds_endpoint_t *e = &dbs[i];
        host_t b = {.subnet = subnet_of(a, db, acct, reg, vpc, e->private_ip),
                    .pip = e->private_ip,
                    .groups = e->groups,
                    .ngroups = e->ngroups};
        if (!b.ngroups) {
            b.groups = arena_alloc(a, sizeof *b.groups);
            if (!b.groups) break;
            b.ngroups =
                column(a,
                       stmt3(db, "SELECT id FROM sg WHERE account = ?1 AND region = ?2 AND vpc_id = ?3 AND is_default",
                             acct, reg, vpc),
                       b.groups, 1);
        }
        if (!rules(db, acct, reg, &b, &self, 0, TCP, e->port, NULL, NULL, 0) ||
            !way_out(db, acct, reg, &self, &self, &b, TCP, e->port))
            continue;
        add(out, e->private_ip, e->pid, e->private_ip, e->port);
        add(out, e->address, e->pid, e->private_ip, e->port);
    }
}
