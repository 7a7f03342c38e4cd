/* balance.c — application and network load balancers really balancing, on
 * the ticker thread (elbv2_tick): every registered target of a target group
 * a listener uses is health-checked as the group says (HTTP: a GET of
 * HealthCheckPath whose status the Matcher accepts; TCP: a connection)
 * through a socket inside the instance's machine (elb_probe);
 * HealthyThresholdCount passes make it healthy, UnhealthyThresholdCount
 * failures unhealthy; a terminated instance is deregistered. Each listener is a pool forward (runtime/forward.h)
 * at the load balancer's address and port over its target groups' healthy
 * targets; AWS (User Guide, "Health checks for your target groups"): when
 * no target is healthy, the load balancer fails open and uses them all.
 *
 * Time: the group's seconds; test builds may shorten a second with
 * GUREUM_ELB_SECOND_MS, as for classic load balancers. Health is kept in
 * memory: after a restart targets start again as newly registered ones. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "runtime/forward.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"
#include "services/elbv2/elbv2.h"

enum { QUICK_TICK_MS = 100 };

typedef enum { H_INITIAL, H_HEALTHY, H_UNHEALTHY } hstate_t;

/* keyed tg_arn|id|port */
static elb_health_table_t health = ELB_HEALTH_TABLE_INIT;
static fwd_poolset_t pools;

void elbv2__health(const char *tg_arn, const char *id, int port, bool in_use, const char **state, const char **reason,
                   const char **description)
{
    static _Thread_local char desc[96];
    char key[300];
    snprintf(key, sizeof key, "%s|%s|%d", tg_arn, id, port);
    elb_health_t copy = {.state = H_INITIAL, .running = true};
    bool h = elb_health_copy(&health, key, &copy);
    /* AWS's states, reason codes and descriptions (recorded) */
    if (!in_use) {
        *state = "unused", *reason = "Target.NotInUse";
        *description = "Target group is not configured to receive traffic from the load balancer";
    } else if (!copy.running) {
        *state = "unused", *reason = "Target.InvalidState", *description = "Target is in the stopped state";
    } else if (copy.state == H_HEALTHY) {
        *state = "healthy", *reason = NULL, *description = NULL;
    } else if (copy.state == H_INITIAL) {
        *state = "initial";
        *reason = h ? "Elb.InitialHealthChecking" : "Elb.RegistrationInProgress";
        *description = h ? "Initial health checks in progress" : "Target registration is in progress";
    } else if (copy.last_code < 0) {
        *state = "unhealthy", *reason = "Target.Timeout", *description = "Request timed out";
    } else if (copy.last_code > 0) {
        snprintf(desc, sizeof desc, "Health checks failed with these codes: [%d]", copy.last_code);
        *state = "unhealthy", *reason = "Target.ResponseCodeMismatch", *description = desc;
    } else {
        *state = "unhealthy", *reason = "Target.FailedHealthChecks", *description = "Health checks failed";
    }
}

void elbv2__forget(const char *tg_arn, const char *id)
{
    char prefix[300];
    snprintf(prefix, sizeof prefix, id ? "%s|%s|" : "%s|", tg_arn, id);
    elb_health_forget(&health, prefix);
}

int elbv2_target_failing(const char *tg_arn, const char *instance)
{
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s|%s|", tg_arn, instance);
    return elb_health_any(&health, prefix, H_UNHEALTHY);
}

/* Whether an HTTP status is one the matcher accepts ("200", "200,302",
 * "200-299"). */
static bool accepted(const char *matcher, int code)
{
    const char *p = matcher && *matcher ? matcher : "200";
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (*end == '-') hi = strtol(end + 1, &end, 10);
        if (code >= lo && code <= hi) return true;
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p) p++;
    }
    return false;
}

typedef struct {
    const char *acct, *reg, *tg, *id, *proto, *hport, *path, *matcher;
    int port, interval, timeout, healthy, unhealthy;
    bool enabled, in_use, up;
    ec2_target_t t;
} reg_t;

unsigned elbv2_tick(struct app *app)
{
    sqlite3 *db = elbv2__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    if (!a) return 0;
    int64_t now = time_now_us(), sec = elb_second_us(), soonest = 0;
    sqlite3_stmt *st = store_stmt(db, "SELECT g.account, g.region, g.arn, t.target_id, t.port, g.hc_protocol, "
                                      "g.hc_port, g.hc_path, g.matcher, g.hc_interval, g.hc_timeout, g.hc_healthy, "
                                      "g.hc_unhealthy, g.hc_enabled, (SELECT count(*) FROM listener l WHERE "
                                      "instr(l.actions, g.arn) > 0) FROM tg_target t JOIN tg g ON g.arn = t.tg_arn "
                                      "ORDER BY t.seq");
    reg_t *regs = ARENA_NEWN(a, reg_t, ELB_HEALTH_MAX);
    size_t n = 0;
    while (st && regs && n < ELB_HEALTH_MAX && sqlite3_step(st) == SQLITE_ROW) {
        reg_t *g = &regs[n++];
        const char *c[9];
        for (int i = 0; i < 9; i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            c[i] = t ? arena_strdup(a, (const char *)t) : NULL;
        }
        *g = (reg_t){.acct = c[0],
                     .reg = c[1],
                     .tg = c[2],
                     .id = c[3],
                     .port = sqlite3_column_int(st, 4),
                     .proto = c[5],
                     .hport = c[6],
                     .path = c[7],
                     .matcher = c[8],
                     .interval = sqlite3_column_int(st, 9),
                     .timeout = sqlite3_column_int(st, 10),
                     .healthy = sqlite3_column_int(st, 11),
                     .unhealthy = sqlite3_column_int(st, 12),
                     .enabled = sqlite3_column_int(st, 13),
                     .in_use = sqlite3_column_int(st, 14) > 0};
    }
    if (st) store_release(st);
    for (size_t i = 0; i < n; i++) {
        reg_t *g = &regs[i];
        int f = ec2_instance_target(app, str_c(g->acct), str_c(g->reg), str_c(g->id), a, &g->t);
        if (f == 0 || (f == 1 && !strcmp(g->t.state, "terminated"))) {
            /* AWS: a terminated instance is deregistered automatically */
            STORE_RUN(db, "DELETE FROM tg_target WHERE tg_arn = ?1 AND target_id = ?2", g->tg, g->id);
            elbv2__forget(g->tg, g->id);
            continue;
        }
        bool running = f == 1 && !strcmp(g->t.state, "running") && g->t.pid > 0;
        char key[300];
        snprintf(key, sizeof key, "%s|%s|%d", g->tg, g->id, g->port);
        pthread_mutex_lock(&health.mu);
        elb_health_t *h = elb_health_find(&health, key, true);
        bool due = h && g->in_use && running && now >= h->next_us;
        if (h) h->running = running;
        if (h && due) h->next_us = now + (int64_t)g->interval * sec;
        if (h && g->in_use && running && (!soonest || h->next_us < soonest)) soonest = h->next_us;
        pthread_mutex_unlock(&health.mu);
        if (!h) continue;
        if (due && !g->enabled) {
            /* AWS: without health checks every running target is healthy */
            pthread_mutex_lock(&health.mu);
            if ((h = elb_health_find(&health, key, false))) h->state = H_HEALTHY;
            pthread_mutex_unlock(&health.mu);
        } else if (due) {
            int port = strcmp(g->hport, "traffic-port") ? atoi(g->hport) : g->port;
            bool http = !strcmp(g->proto, "HTTP");
            int code = elb_probe(g->t.pid, g->t.private_ip, port, http ? (g->path ? g->path : "/") : NULL,
                                 (int64_t)g->timeout * sec / 1000);
            bool pass = http ? code > 0 && accepted(g->matcher, code) : code == 0;
            pthread_mutex_lock(&health.mu);
            /* found again: while the probe ran unlocked, an API thread may
             * have forgotten records, which moves others in the table */
            if ((h = elb_health_find(&health, key, false))) {
                elb_health_count(h, pass);
                h->last_code = code;
                if (h->streak >= g->healthy) h->state = H_HEALTHY;
                if (-h->streak >= g->unhealthy) h->state = H_UNHEALTHY;
            }
            pthread_mutex_unlock(&health.mu);
        }
        pthread_mutex_lock(&health.mu);
        h = elb_health_find(&health, key, false);
        g->up = running && h && h->state == H_HEALTHY;
        pthread_mutex_unlock(&health.mu);
    }
    /* the listeners: one pool each over their target groups' healthy targets */
    st = store_stmt(db, "SELECT l.port, l.actions, b.address FROM listener l JOIN lb2 b ON b.arn = l.lb_arn");
    static fwd_poolset_t seen;
    seen.n = 0;
    while (st && seen.n < FWD_POOLSET_MAX && sqlite3_step(st) == SQLITE_ROW) {
        int port = sqlite3_column_int(st, 0);
        const char *actions = (const char *)sqlite3_column_text(st, 1),
                   *addr = (const char *)sqlite3_column_text(st, 2);
        fwd_target_t t[64];
        size_t k = 0;
        for (int pass = 0; pass < 2 && !k; pass++)
            /* pass 0: the healthy targets; 1: none is, so every running one (fail open) */
            for (size_t i = 0; i < n && k < 64; i++) {
                bool running = regs[i].t.state && !strcmp(regs[i].t.state, "running") && regs[i].t.pid > 0;
                if (!strstr(actions, regs[i].tg) || !(pass ? running : regs[i].up)) continue;
                t[k].pid = regs[i].t.pid;
                snprintf(t[k].ip, sizeof t[k].ip, "%s", regs[i].t.private_ip);
                t[k++].port = regs[i].port;
            }
        snprintf(seen.names[seen.n], sizeof seen.names[0], "v2:%s:%d", addr, port);
        fwd_pool(seen.names[seen.n++], addr, port, t, k);
    }
    if (st) store_release(st);
    /* listeners gone with their load balancer */
    fwd_poolset_update(&pools, &seen);
    arena_free(a);
    int64_t wait_ms = soonest ? (soonest - now) / 1000 : 0;
    return wait_ms > 0 ? (unsigned)(wait_ms < QUICK_TICK_MS ? QUICK_TICK_MS : wait_ms) : 0;
}

void elbv2_stop(struct app *app)
{
    (void)app;
    fwd_poolset_close(&pools);
}
