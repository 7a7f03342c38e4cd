/* elb.h — what the Classic Load Balancing files share: the store
 * connection (lb.c, the API) and the balancer (balance.c: health checks
 * and listeners, on the ticker thread). ELB asks EC2 about instances
 * through ec2_instance_target and never reads EC2's tables. */
#ifndef GR_SERVICES_ELB_ELB_H
#define GR_SERVICES_ELB_ELB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/req.h"

struct app;

sqlite3 *elb__db(struct app *app);

/* balance.c's, for DescribeInstanceHealth: the instance's state in the
 * load balancer (InService, OutOfService), AWS's reason code and text; a
 * static string each. */
void elb__health(const char *account, const char *region, const char *lb, const char *instance, const char **state,
                 const char **code, const char **text);
/* A load balancer (or an instance of it) forgotten by the balancer. */
void elb__forget(const char *account, const char *region, const char *lb);

/* For Route 53's resolver: the address of the load balancer whose DNSName
 * is name (any account; a final dot allowed), in a; NULL when none. */
const char *elb_address_of(struct app *app, arena_t *a, const char *name);

/* For Auto Scaling (a group's LoadBalancerNames): 1 when the account has
 * the load balancer name, 0 when not, -1 on a failure; attach registers
 * (add) or deregisters an instance as RegisterInstancesWithLoadBalancer
 * does: 1 done, 0 refused, -1 failure. */
int elb_exists(struct app *app, str_t account, str_t region, str_t name);
int elb_attach(struct app *app, str_t account, str_t region, str_t name, str_t instance, bool add);

/* For Auto Scaling's ELB health checks: 1 when the instance has failed the
 * load balancer's health check (OutOfService after UnhealthyThreshold
 * failures), else 0. */
int elb_instance_failing(const char *account, const char *region, const char *lb, const char *instance);

/* A health check through a socket inside an instance's machine (pid): a
 * TCP connection to ip:port within ms, and with path an HTTP/1.0 GET of
 * it. -1 no connection or no answer in time; 0 connected (TCP), else the
 * HTTP status answered (0 when the answer is not HTTP). For ELBv2 too. */
int elb_probe(pid_t pid, const char *ip, int port, const char *path, int64_t ms);

/* ==== Health records (health.c), both balancers' ==== */

/* One target's health: state is the balancer's own (0, the first, when
 * new), streak the checks passed (> 0) or failed (< 0) in a row, last_code
 * the last HTTP status (-1 a timeout), running whether the target was. */
enum { ELB_HEALTH_MAX = 1024 };
typedef struct {
    char key[300];
    int state;
    int streak;
    int last_code;
    bool running;
    int64_t next_us;
} elb_health_t;
typedef struct {
    pthread_mutex_t mu;
    elb_health_t e[ELB_HEALTH_MAX];
    size_t n;
} elb_health_table_t;
#define ELB_HEALTH_TABLE_INIT                                                                                          \
    {                                                                                                                  \
        .mu = PTHREAD_MUTEX_INITIALIZER                                                                                \
    }

/* key's record, made (running, state 0) when make and missing; NULL when
 * missing or the table is full. Under t->mu. */
elb_health_t *elb_health_find(elb_health_table_t *t, const char *key, bool make);
/* A copy of key's record: false when there is none. Takes t->mu. */
bool elb_health_copy(elb_health_table_t *t, const char *key, elb_health_t *out);
/* Forgets every record whose key starts with prefix. Takes t->mu. */
void elb_health_forget(elb_health_table_t *t, const char *prefix);
/* Whether a record whose key starts with prefix is in state. Takes t->mu. */
bool elb_health_any(elb_health_table_t *t, const char *prefix, int state);
/* Counts one check, passed or not, in the streak; the new streak. Under
 * t->mu. */
int elb_health_count(elb_health_t *h, bool pass);

/* A second of the load balancers' health-check times, in microseconds
 * (shorter in test builds with GUREUM_ELB_SECOND_MS). For ELBv2 too. */
int64_t elb_second_us(void);

/* The registry's hooks. */
unsigned elb_tick(struct app *app);
void elb_stop(struct app *app);

#endif
