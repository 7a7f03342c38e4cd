/* autoscaling.h — what the Amazon EC2 Auto Scaling files share, and its C
 * interface for CloudWatch.
 *
 * group.c serves launch configurations, groups, their instances and
 * activities; policy.c scaling policies (executed by ExecutePolicy and by
 * CloudWatch alarms); scale.c is the tick that makes every group's
 * instances match its desired capacity for real: it launches and
 * terminates EC2 instances through EC2's C interface (ec2_launch,
 * ec2_terminate, ec2_instance_target), replaces the ones that stopped or
 * were terminated, and registers them with the group's classic load
 * balancers. Auto Scaling never reads EC2's or ELB's tables. */
#ifndef GR_SERVICES_AUTOSCALING_AUTOSCALING_H
#define GR_SERVICES_AUTOSCALING_AUTOSCALING_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"
#include "services/page.h"

struct app;

/* ==== For other services ==== */

/* For CloudWatch: the scaling policy arn of account and region (the
 * alarm's) executed by the alarm alarm_name (in ALARM), with the breaching
 * metric value and the alarm's threshold (step scaling picks its step from
 * them). GR_OK, or GR_ERR with *err (static or in a) saying why the action
 * failed. */
int asg_execute_alarm_policy(struct app *app, arena_t *a, str_t account, str_t region, str_t arn, str_t alarm_name,
                             double value, double threshold, const char **err);

/* The registry's hook: every group made to match its desired capacity. */
unsigned autoscaling_tick(struct app *app);

/* ==== Inside Auto Scaling ==== */

sqlite3 *asg__db(struct app *app);
int64_t asg__now_ms(void);
/* "2026-11-29T01:02:03Z", AWS's time in activity causes. */
const char *asg__iso(arena_t *a, int64_t ms);
/* arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME */
const char *asg__group_arn(arena_t *a, str_t account, str_t region, str_t uuid, str_t name);

/* Describe*'s MaxRecords (default 50, at most 100) and the offset its
 * NextToken names; GR_ERR with r failed when the token is not one of ours. */
int asg__paging(req_t *r, const val_t *in, int64_t *limit, long long *off);
/* The page of st's rows (asked for limit + 1 from off) as member of out,
 * with NextToken when more remain; st released. */
int asg__page(req_t *r, sqlite3_stmt *st, int64_t limit, long long off, val_t *out, const char *member,
              page_item_fn item, void *ctx);

/* AWS/AutoScaling's group metrics (NULL-terminated), which
 * EnableMetricsCollection turns on and scale.c publishes every minute. */
extern const char *const asg__group_metrics[];

/* policy.c's: the group's policies deleted, with the alarms its target
 * tracking policies made. */
void asg__policies_drop(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, str_t grp);

/* A group as the tick and the policies read it. */
typedef struct {
    str_t name, uuid, cause;
    int64_t min, max, desired, cooldown_ms, default_cooldown;
    bool deleting;
    val_t *config; /* its CreateAutoScalingGroup input, sizes and tags apart */
} asg__group_t;
/* 1 with *g filled (in a), 0 none, -1 failure. */
int asg__group_get(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, asg__group_t *g);

/* The group's desired capacity set to desired, why in AWS's words
 * (cause: "At T a user request ... changing the desired capacity from
 * 1 to 2."), and, when cooldown_ms > 0, no simple scaling until then. */
bool asg__set_desired(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, int64_t desired,
                      const char *cause, int64_t cooldown_until_ms);

#endif
