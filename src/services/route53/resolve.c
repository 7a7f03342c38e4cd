/* resolve.c — Route 53 as an authoritative name server: the resolver the
 * DNS server layer (src/dns/) calls for each question, on its own thread.
 *
 * The question goes to the most specific public hosted zone containing the
 * name (over all accounts; on equal names the oldest zone), and is answered
 * as Route 53's name servers answer (Route 53 Developer Guide, "Choosing a
 * routing policy", "Alias records", "Supported DNS record types"): the
 * record sets at the name, or a wildcard's; a CNAME at the name, followed
 * within gureum's zones; alias records answered with their target's records
 * under the alias's own name; weighted sets chosen at random by weight,
 * failover answered by its PRIMARY set while healthy (healthcheck.c),
 * multivalue sets up to eight healthy ones; NS below the apex as a
 * referral; NXDOMAIN or no data with the zone's SOA in the authority
 * section; REFUSED for a name in no zone. */
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "core/log.h"
#include "services/app.h"
#include "services/elb/elb.h"
#include "services/elbv2/elbv2.h"
#include "services/route53/route53.h"

/* The address of the classic or v2 load balancer whose DNSName is name. */
static const char *lb_address(struct app *app, arena_t *a, const char *name)
{
    const char *ip = elb_address_of(app, a, name);
    return ip ? ip : elbv2_address_of(app, a, name);
}

enum { MAX_CHASE = 8, MAX_MULTI = 8 };

static const struct {
    const char *name;
    uint16_t num;
} types[] = {{"A", DNS_A},   {"NS", DNS_NS},   {"CNAME", DNS_CNAME}, {"SOA", DNS_SOA}, {"PTR", DNS_PTR},
             {"MX", DNS_MX}, {"TXT", DNS_TXT}, {"AAAA", DNS_AAAA},   {"SRV", DNS_SRV}, {"NAPTR", DNS_NAPTR},
             {"DS", DNS_DS}, {"SPF", DNS_SPF}, {"CAA", DNS_CAA}};

static uint16_t type_num(const char *n)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, n) == 0) return types[i].num;
    return 0;
}

/* ==== Collected records ==== */

typedef struct {
    arena_t *a;
    dns_rr_t *v;
    size_t n, cap;
} rrs_t;

static void push(rrs_t *l, const char *name, uint16_t type, uint32_t ttl, const char *value)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        dns_rr_t *nv = ARENA_NEWN(l->a, dns_rr_t, cap);
        if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = (dns_rr_t){name, type, ttl, value};
}

/* A record set as stored. */
typedef struct {
    const char *type, *set_id, *vals, *failover, *alias_name, *health;
    int64_t ttl, weight;
    bool has_weight, multivalue, healthy;
} set_t;

typedef struct {
    sqlite3 *db;
    arena_t *a;
    const char *zid, *zone;
    struct app *app; /* for names of other services (load balancers) */
} ctx_t;

/* The sets at name in the zone (type NULL: every type). */
static size_t sets_at(ctx_t *c, const char *name, const char *type, set_t **out)
{
    sqlite3_stmt *st =
        store_stmt(c->db, "SELECT type, set_id, vals, failover, alias_name, ttl, weight, multivalue, health_id "
                          "FROM rrset WHERE zone_id = ?1 AND name = ?2 AND (?3 IS NULL OR type = ?3) "
                          "ORDER BY type, set_id");
    if (!st) return 0;
    sqlite3_bind_text(st, 1, c->zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (type) sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    size_t n = 0, cap = 4;
    set_t *v = ARENA_NEWN(c->a, set_t, cap);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            set_t *nv = ARENA_NEWN(c->a, set_t, cap * 2);
            memcpy(nv, v, n * sizeof *v);
            v = nv;
            cap *= 2;
        }
        set_t *s = &v[n++];
        *s = (set_t){0};
#define COL(i)                                                                                                         \
    (sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : arena_strdup(c->a, (const char *)sqlite3_column_text(st, i)))
        s->type = COL(0);
        s->set_id = COL(1);
        s->vals = COL(2);
        s->failover = COL(3);
        s->alias_name = COL(4);
        s->health = COL(8);
#undef COL
        s->ttl = sqlite3_column_int64(st, 5);
        s->has_weight = sqlite3_column_type(st, 6) != SQLITE_NULL;
        s->weight = sqlite3_column_int64(st, 6);
        s->multivalue = sqlite3_column_int(st, 7);
    }
    store_release(st);
    /* Health as the checker last decided (healthcheck.c), asked after the
     * listing's statement is done. */
    for (size_t i = 0; i < n; i++) v[i].healthy = r53__healthy(c->db, v[i].health, 0);
    *out = v;
    return n;
}

static bool exists_below(ctx_t *c, const char *name)
{
    sqlite3_stmt *st = store_stmt(c->db, "SELECT 1 FROM rrset WHERE zone_id = ?1 AND substr(name, -length(?2)) = ?2 "
                                         "LIMIT 1");
    if (!st) return false;
    sqlite3_bind_text(st, 1, c->zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, arena_printf(c->a, ".%s", name), -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return found;
}

/* The public zone holding name, most specific first. */
static bool find_zone(ctx_t *c, const char *name)
{
    for (const char *s = name; s && *s;) {
        sqlite3_stmt *st =
            store_stmt(c->db, "SELECT id FROM zone WHERE name = ?1 AND private = 0 ORDER BY seq LIMIT 1");
        if (!st) return false;
        sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
        bool found = sqlite3_step(st) == SQLITE_ROW;
        if (found) {
            c->zid = arena_strdup(c->a, (const char *)sqlite3_column_text(st, 0));
            c->zone = arena_strdup(c->a, s);
        }
        store_release(st);
        if (found) return true;
        const char *dot = strchr(s, '.');
        s = dot && dot[1] ? dot + 1 : NULL;
    }
    return false;
}

/* Of the sets of one type, those Route 53 answers with (routing policies),
 * by health (r53__healthy; a set without a health check is healthy). */
static size_t choose(set_t *v, size_t n, set_t **out)
{
    if (n <= 1) return *out = v, n;
    size_t up = 0;
    for (size_t i = 0; i < n; i++) up += v[i].healthy;
    /* AWS: when every set of a weighted or multivalue group is unhealthy,
     * Route 53 answers as if all were healthy. */
    bool all = up == 0;
    /* weighted: one healthy set, at random in proportion to its weight (all
     * zero: equally) */
    if (v[0].has_weight) {
        int64_t total = 0;
        for (size_t i = 0; i < n; i++) total += all || v[i].healthy ? v[i].weight : 0;
        uint32_t rnd;
        id_random_bytes(&rnd, sizeof rnd);
        if (total <= 0) {
            size_t k = rnd % (all ? n : up);
            for (size_t i = 0; i < n; i++)
                if ((all || v[i].healthy) && k-- == 0) return *out = &v[i], 1;
        }
        int64_t pick = (int64_t)(rnd % (uint64_t)(total > 0 ? total : 1));
        for (size_t i = 0; i < n; i++) {
            if (!all && !v[i].healthy) continue;
            if (pick < v[i].weight) return *out = &v[i], 1;
            pick -= v[i].weight;
        }
        return *out = &v[n - 1], 1;
    }
    /* failover: the primary while it is healthy, else a healthy secondary;
     * AWS: both unhealthy, the primary. */
    if (v[0].failover) {
        set_t *primary = NULL, *secondary = NULL;
        for (size_t i = 0; i < n; i++) {
            if (v[i].failover && strcmp(v[i].failover, "PRIMARY") == 0)
                primary = &v[i];
            else if (v[i].failover)
                secondary = &v[i];
        }
        if (primary && primary->healthy) return *out = primary, 1;
        if (secondary && secondary->healthy) return *out = secondary, 1;
        return *out = primary ? primary : v, 1;
    }
    /* multivalue: up to eight healthy sets (all unhealthy: up to eight) */
    if (v[0].multivalue) {
        if (all) return *out = v, n < MAX_MULTI ? n : MAX_MULTI;
        size_t k = 0; /* the healthy ones moved to the front, in order */
        for (size_t i = 0; i < n && k < MAX_MULTI; i++)
            if (v[i].healthy) v[k++] = v[i];
        return *out = v, k;
    }
    /* latency, geolocation and the rest: the first set (one place here) */
    return *out = v, 1;
}

static int answer_name(ctx_t *c, const char *owner, const char *name, uint16_t qtype, rrs_t *ans, int depth);

/* The values of set s into ans under owner, an alias followed to its target. */
static void emit(ctx_t *c, const char *owner, const set_t *s, uint16_t type, rrs_t *ans, int depth)
{
    if (s->alias_name) {
        /* AWS: an alias answers with its target's records, named as the
         * alias; a target outside gureum's zones answers nothing. */
        if (depth >= MAX_CHASE) return;
        ctx_t t = {.db = c->db, .a = c->a, .app = c->app};
        /* an alias to a load balancer: its address (ELB's own names are
         * outside every hosted zone) */
        const char *lb = c->app ? lb_address(c->app, c->a, s->alias_name) : NULL;
        if (lb) {
            if (type == DNS_A) push(ans, owner, DNS_A, 60, lb);
            return;
        }
        if (!find_zone(&t, s->alias_name)) return;
        answer_name(&t, owner, s->alias_name, type, ans, depth + 1);
        return;
    }
    for (const char *v = s->vals; v && *v;) {
        const char *nl = strchr(v, '\n');
        push(ans, owner, type, (uint32_t)s->ttl, nl ? arena_strndup(c->a, v, (size_t)(nl - v)) : v);
        v = nl ? nl + 1 : NULL;
    }
}

/* Answers for name (records named owner) of qtype: 1 with records, 0 no
 * data at an existing name, -1 no such name. */
static int answer_name(ctx_t *c, const char *owner, const char *name, uint16_t qtype, rrs_t *ans, int depth)
{
    set_t *all;
    size_t n = sets_at(c, name, NULL, &all);
    if (!n) {
        /* a wildcard at the nearest ancestor that has one */
        for (const char *p = strchr(name, '.'); p && p[1] && r53__in_zone(p + 1, c->zone); p = strchr(p + 1, '.')) {
            const char *wild = arena_printf(c->a, "*.%s", p + 1);
            n = sets_at(c, wild, NULL, &all);
            if (n) break;
            if (strcmp(p + 1, c->zone) == 0) break;
        }
        if (!n) return exists_below(c, name) ? 0 : -1;
    }
    size_t before = ans->n;
    /* a CNAME answers every type but its own, and is followed */
    for (size_t i = 0; i < n && qtype != DNS_CNAME; i++)
        if (strcmp(all[i].type, "CNAME") == 0) {
            set_t *pick;
            size_t k = choose(&all[i], 1, &pick);
            for (size_t j = 0; j < k; j++) emit(c, owner, &pick[j], DNS_CNAME, ans, depth);
            if (ans->n > before && depth < MAX_CHASE && !all[i].alias_name) {
                const char *target = r53__norm(c->a, str_c(ans->v[ans->n - 1].value));
                ctx_t t = {.db = c->db, .a = c->a, .app = c->app};
                if (target && find_zone(&t, target)) answer_name(&t, target, target, qtype, ans, depth + 1);
            }
            return 1;
        }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(all[j].type, all[i].type) == 0) j++;
        uint16_t t = type_num(all[i].type);
        if (t && (qtype == DNS_ANY || qtype == t)) {
            set_t *pick;
            size_t k = choose(&all[i], j - i, &pick);
            for (size_t m = 0; m < k; m++) emit(c, owner, &pick[m], t, ans, depth);
        }
        i = j;
    }
    return ans->n > before ? 1 : 0;
}

static void soa_into(ctx_t *c, rrs_t *auth)
{
    set_t *soa;
    if (sets_at(c, c->zone, "SOA", &soa) == 1) emit(c, c->zone, soa, DNS_SOA, auth, 0);
}

int r53_resolve(void *ud, arena_t *a, const char *qname, uint16_t qtype, const char *client, dns_answer_t *out)
{
    (void)client;
    struct app *app = ud;
    *out = (dns_answer_t){.rcode = DNS_REFUSED};
    ctx_t c = {.db = r53__db(app), .a = a};
    if (!c.db) return -1;
    const char *name = r53__norm(a, str_c(qname));
    c.app = app;
    if (name && !find_zone(&c, name)) {
        /* a load balancer's DNSName, answered as AWS's
         * elb.amazonaws.com servers do (A, 60 s) */
        const char *lb = lb_address(app, a, name);
        if (!lb) return 0;
        rrs_t ans = {.a = a};
        if (qtype == DNS_A || qtype == DNS_ANY) push(&ans, qname, DNS_A, 60, lb);
        *out = (dns_answer_t){.rcode = DNS_NOERROR, .authoritative = true, .answer = ans.v, .nanswer = ans.n};
        return 0;
    }
    if (!name) return 0;
    rrs_t ans = {.a = a}, auth = {.a = a};
    out->rcode = DNS_NOERROR;
    out->authoritative = true;
    /* A delegation below the apex, on the way to the name: a referral. */
    size_t zl = strlen(c.zone), nl = strlen(name);
    for (size_t cut = nl; cut > 0; cut--) {
        const char *s = name + cut - 1;
        if (cut - 1 != 0 && name[cut - 2] != '.') continue;
        if (strlen(s) <= zl) continue;
        set_t *ns;
        size_t n = sets_at(&c, s, "NS", &ns);
        if (n && !(strcmp(s, name) == 0 && qtype == DNS_DS)) {
            emit(&c, s, ns, DNS_NS, &auth, 0);
            out->authoritative = false;
            out->authority = auth.v;
            out->nauthority = auth.n;
            return 0;
        }
    }
    int found = answer_name(&c, qname, name, qtype, &ans, 0);
    if (found < 0) out->rcode = DNS_NXDOMAIN;
    if (found <= 0) soa_into(&c, &auth);
    out->answer = ans.v;
    out->nanswer = ans.n;
    out->authority = auth.v;
    out->nauthority = auth.n;
    return 0;
}

/* ==== The server ==== */

/* The DNS server of this process, started and stopped by the registry's
 * hooks (one server per process, as the HTTP listener). */
static dns_server_t *server;

int route53_start(struct app *app)
{
    const config_t *c = app->cfg;
    if (c->dns_port <= 0) return GR_OK;
    /* TCP too when DNS has a port of its own (TCP on the HTTP port is HTTP). */
    server = dns_server_start(c->host, c->dns_port, c->dns_port != c->port, r53_resolve, app);
    /* A port taken by another program costs DNS, not the AWS endpoint. */
    if (!server) log_error("route53: cannot answer DNS on %s:%d", c->host, c->dns_port);
    return GR_OK;
}

void route53_stop(struct app *app)
{
    (void)app;
    dns_server_stop(server);
    server = NULL;
}
