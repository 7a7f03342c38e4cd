/* health.c — the health records both load balancers keep in memory (see
 * elb.h): one per target, found by a key the balancer composes, looked up
 * by the API threads and written by the ticker thread under the table's
 * lock. Classic ELB keys them account/region/lb/instance, ELBv2
 * tg_arn|id|port; a prefix of the key forgets a load balancer, a target
 * group or a target. */
#include <stdio.h>
#include <string.h>

#include "services/elb/elb.h"

elb_health_t *elb_health_find(elb_health_table_t *t, const char *key, bool make)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->e[i].key, key)) return &t->e[i];
    if (!make || t->n == ELB_HEALTH_MAX) return NULL;
    elb_health_t *h = &t->e[t->n++];
    memset(h, 0, sizeof *h);
    h->running = true;
    snprintf(h->key, sizeof h->key, "%s", key);
    return h;
}

bool elb_health_copy(elb_health_table_t *t, const char *key, elb_health_t *out)
{
    pthread_mutex_lock(&t->mu);
    elb_health_t *h = elb_health_find(t, key, false);
    if (h) *out = *h;
    pthread_mutex_unlock(&t->mu);
    return h != NULL;
}

void elb_health_forget(elb_health_table_t *t, const char *prefix)
{
    size_t len = strlen(prefix);
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n;) {
        if (!strncmp(t->e[i].key, prefix, len)) {
            t->e[i] = t->e[--t->n];
            continue;
        }
        i++;
    }
    pthread_mutex_unlock(&t->mu);
}

bool elb_health_any(elb_health_table_t *t, const char *prefix, int state)
{
    size_t len = strlen(prefix);
    bool any = false;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n && !any; i++) any = !strncmp(t->e[i].key, prefix, len) && t->e[i].state == state;
    pthread_mutex_unlock(&t->mu);
    return any;
}

int elb_health_count(elb_health_t *h, bool pass)
{
    h->streak = pass ? (h->streak > 0 ? h->streak + 1 : 1) : (h->streak < 0 ? h->streak - 1 : -1);
    return h->streak;
}
