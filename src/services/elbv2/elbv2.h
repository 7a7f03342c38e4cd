/* elbv2.h — what the Elastic Load Balancing v2 files share: the store
 * connection, ARNs, and the balancer's health (balance.c) for the API's
 * DescribeTargetHealth; its C interface for Route 53 (load balancers'
 * DNS names) and Auto Scaling (target groups).
 *
 * lb.c serves load balancers, listeners and tags; tg.c target groups and
 * their targets; attr.c both's attributes; balance.c, on the ticker thread, health-checks the
 * targets inside their instances' machines and keeps one pool forward per
 * listener over its target group's healthy targets. ELBv2 asks EC2 about
 * instances through ec2_instance_target and never reads EC2's tables. */
#ifndef GR_SERVICES_ELBV2_ELBV2_H
#define GR_SERVICES_ELBV2_ELBV2_H

#include <sqlite3.h>
#include <stdbool.h>

#include "core/req.h"

struct app;

/* ==== For other services ==== */

/* For Route 53's resolver: the address of the v2 load balancer whose
 * DNSName is name (a final dot allowed), in a; NULL when none. */
const char *elbv2_address_of(struct app *app, arena_t *a, const char *name);
/* For Auto Scaling (TargetGroupARNs): 1 when the account's target group arn
 * exists, 0 when not, -1 on failure; attach registers (add) or deregisters
 * an instance at the group's port: 1 done, 0 refused, -1 failure. */
int elbv2_target_group_exists(struct app *app, str_t account, str_t region, str_t arn);
int elbv2_attach(struct app *app, str_t account, str_t region, str_t arn, str_t instance, bool add);
/* 1 when the target group finds the instance unhealthy (failed checks). */
int elbv2_target_failing(const char *tg_arn, const char *instance);

/* The registry's hooks. */
unsigned elbv2_tick(struct app *app);
void elbv2_stop(struct app *app);

/* ==== Inside ELBv2 ==== */

sqlite3 *elbv2__db(struct app *app);
const char *elbv2__cs(arena_t *a, str_t s);
/* AWS's rules for a load balancer's or target group's name (what: "Load
 * balancer", "Target group"): GR_OK, or r failed with AWS's text. */
int elbv2__check_name(req_t *r, str_t name, const char *what);
/* 16 lowercase hex digits, the last part of AWS's ARNs. */
const char *elbv2__hex_id(arena_t *a);

/* attr.c's: whether resource arn's attribute key is set to value (1, 0;
 * -1 on a failure). */
int elbv2__attr_is(sqlite3 *db, const char *arn, const char *key, const char *value);

/* balance.c's, for DescribeTargetHealth: the target's State, Reason and
 * Description (static strings; reason and description NULL when healthy). */
void elbv2__health(const char *tg_arn, const char *id, int port, bool in_use, const char **state, const char **reason,
                   const char **description);
/* A target group, or a target of it, forgotten by the balancer. */
void elbv2__forget(const char *tg_arn, const char *id);

#endif
