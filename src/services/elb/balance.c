/* balance.c — classic load balancers really balancing, on the ticker
 * thread (elb_tick): each registered instance is health-checked as the load
 * balancer's HealthCheck says (TCP: a connection; HTTP: GET of the path
 * answering 200), through a socket inside the instance's machine
 * (runtime/machine.h mach_connect); HealthyThreshold passes in a row put it
 * InService, UnhealthyThreshold failures OutOfService; each listener is a
 * pool forward (runtime/forward.h fwd_pool) at the load balancer's address
 * and port over the InService instances' InstancePort, in turn.
 *
 * Time: the check interval and timeout are AWS's seconds; test builds may
 * shorten a second with GUREUM_ELB_SECOND_MS. The health of each
 * (load balancer, instance) is kept in memory: after a restart, instances
 * start again as AWS's newly registered ones do. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/gtime.h"
#include "core/log.h"
#include "runtime/forward.h"
#include "runtime/machine.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"
#include "services/loopaddr.h"

enum { QUICK_TICK_MS = 100 };

/* state: 0 registering, 1 InService, 2 OutOfService (checks), 3
 * OutOfService (not running); keyed account/region/lb/instance */
static elb_health_table_t health = ELB_HEALTH_TABLE_INIT;
static fwd_poolset_t pools;

int64_t elb_second_us(void)
{
#ifdef GUREUM_TESTING
    const char *v = getenv("GUREUM_ELB_SECOND_MS");
    if (v && atoi(v) > 0) return (int64_t)atoi(v) * 1000;
#endif
    return 1000000;
}

/* The health state of (load balancer, instance): 0 registering when unknown. */
static int state_of(const char *account, const char *region, const char *lb, const char *instance)
{
    char key[300];
    snprintf(key, sizeof key, "%s/%s/%s/%s", account, region, lb, instance);
    elb_health_t h;
    return elb_health_copy(&health, key, &h) ? h.state : 0;
}

void elb__health(const char *account, const char *region, const char *lb, const char *instance, const char **state,
                 const char **code, const char **text)
{
    int s = state_of(account, region, lb, instance);
    /* AWS's reason codes and texts (recorded) */
    static const char *const st[] = {"OutOfService", "InService", "OutOfService", "OutOfService"};
    static const char *const co[] = {"ELB", "N/A", "Instance", "Instance"};
    static const char *const tx[] = {"Instance registration is still in progress.", "N/A",
                                     "Instance has failed at least the UnhealthyThreshold number of health checks "
                                     "consecutively.",
                                     "Instance is in stopped state."};
    *state = st[s], *code = co[s], *text = tx[s];
}

int elb_instance_failing(const char *account, const char *region, const char *lb, const char *instance)
{
    return state_of(account, region, lb, instance) == 2;
}

void elb__forget(const char *account, const char *region, const char *lb)
{
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s/%s/%s/", account, region, lb);
    elb_health_forget(&health, prefix);
}

int elb_probe(pid_t pid, const char *ip, int port, const char *path, int64_t ms)
{
    int fd = mach_connect(pid, ip, port);
    if (fd < 0) return -1;
    struct pollfd p = {fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    int rc = poll(&p, 1, (int)ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err ? 0 : -1;
    if (rc == 0 && path) {
        char req[400], resp[64];
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ELB-HealthChecker/1.0\r\n\r\n",
                         path, ip);
        size_t got = 0;
        if (write(fd, req, (size_t)n) != n)
            got = 0;
        else
            while (got < 12) {
                struct pollfd q = {fd, POLLIN, 0};
                if (poll(&q, 1, (int)ms) != 1) break;
                ssize_t k = read(fd, resp + got, sizeof resp - 1 - got);
                if (k <= 0) break;
                got += (size_t)k;
            }
        resp[got] = 0;
        /* no answer in time is a timeout; one that is not HTTP, status 0 */
        rc = got < 12 ? -1 : !strncmp(resp, "HTTP/1.", 7) ? atoi(resp + 9) : 0;
    }
    close(fd);
    return rc;
}

/* One check: TCP connects, or HTTP GET path answers 200, within ms. */
static bool check(pid_t pid, const char *ip, const char *target, int64_t ms)
{
    char proto[8] = "", path[256] = "/";
    int port = 0, used = 0;
    if (sscanf(target, "%7[A-Z]:%d%n", proto, &port, &used) < 2) return false;
    if (target[used] == '/') snprintf(path, sizeof path, "%s", target + used);
    int rc = elb_probe(pid, ip, port, strcmp(proto, "HTTP") ? NULL : path, ms);
    return strcmp(proto, "HTTP") ? rc == 0 : rc == 200;
}

unsigned elb_tick(struct app *app)
{
    sqlite3 *db = elb__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    int64_t now = time_now_us(), sec = elb_second_us(), soonest = 0;
    /* every registered instance with its load balancer's check */
    sqlite3_stmt *st = store_stmt(db, "SELECT i.account, i.region, i.lb, i.instance_id, l.hc_target, l.hc_interval, "
                                      "l.hc_timeout, l.hc_unhealthy, l.hc_healthy FROM lb_instance i JOIN lb l ON "
                                      "l.account = i.account AND l.region = i.region AND l.name = i.lb ORDER BY i.seq");
    typedef struct {
        const char *acct, *reg, *lb, *id, *target;
        int interval, timeout, unhealthy, healthy;
        ec2_target_t t;
        bool in;
    } reg_t;
    reg_t regs[ELB_HEALTH_MAX];
    size_t n = 0;
    while (st && n < ELB_HEALTH_MAX && sqlite3_step(st) == SQLITE_ROW) {
        reg_t *g = &regs[n++];
        const char *c[5];
        for (int i = 0; i < 5; i++) c[i] = arena_strdup(a, (const char *)sqlite3_column_text(st, i));
        *g = (reg_t){c[0],
                     c[1],
                     c[2],
                     c[3],
                     c[4],
                     sqlite3_column_int(st, 5),
                     sqlite3_column_int(st, 6),
                     sqlite3_column_int(st, 7),
                     sqlite3_column_int(st, 8),
                     {0},
                     false};
    }
    if (st) store_release(st);
    for (size_t i = 0; i < n; i++) {
        reg_t *g = &regs[i];
        int f = ec2_instance_target(app, str_c(g->acct), str_c(g->reg), str_c(g->id), a, &g->t);
        bool running = f == 1 && !strcmp(g->t.state, "running") && g->t.pid > 0;
        char key[300];
        snprintf(key, sizeof key, "%s/%s/%s/%s", g->acct, g->reg, g->lb, g->id);
        pthread_mutex_lock(&health.mu);
        elb_health_t *h = elb_health_find(&health, key, true);
        bool due = h && now >= h->next_us;
        if (h && due) h->next_us = now + (int64_t)g->interval * sec;
        if (h && (!soonest || h->next_us < soonest)) soonest = h->next_us;
        pthread_mutex_unlock(&health.mu);
        if (!h) continue;
        int state = -1, streak = 0;
        if (!running) {
            state = 3;
        } else if (due) {
            bool pass = check(g->t.pid, g->t.private_ip, g->target, (int64_t)g->timeout * sec / 1000);
            pthread_mutex_lock(&health.mu);
            /* found again: while the check ran unlocked, an API thread may
             * have forgotten records, which moves others in the table */
            if ((h = elb_health_find(&health, key, false))) {
                streak = elb_health_count(h, pass);
                if (h->state == 3) h->state = 0;
                if (streak >= g->healthy) state = 1;
                if (-streak >= g->unhealthy) state = 2;
            }
            pthread_mutex_unlock(&health.mu);
        }
        pthread_mutex_lock(&health.mu);
        h = elb_health_find(&health, key, false);
        if (h && state >= 0) h->state = state;
        g->in = h && h->state == 1;
        pthread_mutex_unlock(&health.mu);
    }
    /* the listeners: one pool each over the InService instances */
    st = store_stmt(db, "SELECT l.account, l.region, l.lb, l.lb_port, l.instance_port, b.address FROM lb_listener l "
                        "JOIN lb b ON b.account = l.account AND b.region = l.region AND b.name = l.lb");
    static fwd_poolset_t seen;
    seen.n = 0;
    while (st && seen.n < FWD_POOLSET_MAX && sqlite3_step(st) == SQLITE_ROW) {
        const char *acct = (const char *)sqlite3_column_text(st, 0), *reg = (const char *)sqlite3_column_text(st, 1),
                   *lb = (const char *)sqlite3_column_text(st, 2), *addr = (const char *)sqlite3_column_text(st, 5);
        int port = sqlite3_column_int(st, 3), iport = sqlite3_column_int(st, 4);
        fwd_target_t t[64];
        size_t k = 0;
        for (size_t i = 0; i < n && k < 64; i++)
            if (regs[i].in && !strcmp(regs[i].acct, acct) && !strcmp(regs[i].reg, reg) && !strcmp(regs[i].lb, lb)) {
                t[k].pid = regs[i].t.pid;
                snprintf(t[k].ip, sizeof t[k].ip, "%s", regs[i].t.private_ip);
                t[k++].port = iport;
            }
        snprintf(seen.names[seen.n], sizeof seen.names[0], "%s:%d", addr, port);
        fwd_pool(seen.names[seen.n++], addr, port, t, k);
    }
    if (st) store_release(st);
    /* listeners gone with their load balancer */
    fwd_poolset_update(&pools, &seen);
    arena_free(a);
    /* called again for the next check when it is due before the ticker's
     * own period would call (0: the period; stopped instances are seen
     * then) */
    int64_t wait_ms = soonest ? (soonest - now) / 1000 : 0;
    return wait_ms > 0 ? (unsigned)(wait_ms < QUICK_TICK_MS ? QUICK_TICK_MS : wait_ms) : 0;
}

const char *elb_address_of(struct app *app, arena_t *a, const char *dns_name)
{
    sqlite3 *db = elb__db(app);
    return db ? loopaddr_by_name(a, db, "SELECT address FROM lb WHERE dns = ?1 COLLATE NOCASE", dns_name) : NULL;
}

void elb_stop(struct app *app)
{
    (void)app;
    fwd_poolset_close(&pools);
}
