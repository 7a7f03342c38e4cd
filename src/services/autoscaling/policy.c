/* policy.c — Amazon EC2 Auto Scaling's scaling policies: PutScalingPolicy,
 * DescribePolicies, DeletePolicy, ExecutePolicy, and their execution by
 * CloudWatch alarms (asg_execute_alarm_policy).
 *
 * Executing a policy only changes the group's desired capacity (with AWS's
 * cause text); scale.c's tick then launches or terminates the instances.
 * AWS (User Guide, "Step and simple scaling policies"): a simple scaling
 * policy waits for the scaling activity it started to complete and for the
 * cooldown to expire before it responds again; a step scaling policy
 * responds to every invocation, but while the instances it added are still
 * pending they count as capacity, so the same step adds nothing more. The
 * alarm keeps invoking the policy every evaluation while it stays in ALARM
 * (CloudWatch's alarm_eval.c). A target tracking policy makes its two
 * alarms in CloudWatch (and deletes them with itself) and sets the capacity
 * that brings the metric to its target. Predictive policies are not
 * served. Texts are AWS's where said "recorded". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscaling_model.h"
#include "core/id.h"
#include "core/json.h"
#include "services/app.h"
#include "services/autoscaling/autoscaling.h"
#include "services/cloudwatch/metrics.h"
#include "services/page.h"

#define E_ACTIVITY (&AUTOSCALING_ERR_ScalingActivityInProgressFault)

/* A number member as a double (a stored config gives integers back for whole
 * numbers). */
static double num_of(const val_t *v)
{
    return !v ? 0 : v->kind == VAL_INT ? (double)v->u.i : v->kind == VAL_FLOAT ? v->u.f : 0;
}

static const char *policy_arn(arena_t *a, str_t account, str_t region, str_t uuid, str_t grp, str_t name)
{
    return arena_printf(a, "arn:aws:autoscaling:%.*s:%.*s:scalingPolicy:%.*s:autoScalingGroupName/%.*s:policyName/%.*s",
                        STR_FMT(region), STR_FMT(account), STR_FMT(uuid), STR_FMT(grp), STR_FMT(name));
}

/* The uuid a policy ARN names (…:scalingPolicy:UUID:autoScalingGroupName/…),
 * empty when s is no policy ARN. */
static str_t arn_uuid(arena_t *a, str_t s)
{
    const char *k = strstr(arena_cstr(a, s), ":scalingPolicy:");
    if (!k) return STR("");
    k += strlen(":scalingPolicy:");
    const char *e = strchr(k, ':');
    return e ? (str_t){k, (size_t)(e - k)} : str_c(k);
}

/* A policy as stored. */
typedef struct {
    str_t account, region, grp, name, uuid;
    val_t *config;
} policy_t;

/* The policy named name (or by its ARN) in account and region, of group
 * grp when grp is given: 1, 0 none, -1 failure. */
static int policy_get(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t grp, str_t name, policy_t *p)
{
    str_t uuid = STR_NULL;
    if (str_starts_with(name, STR("arn:aws:autoscaling:"))) {
        /* an ARN of another account or region names no policy here */
        const char *prefix = arena_printf(a, "arn:aws:autoscaling:%.*s:%.*s:", STR_FMT(region), STR_FMT(account));
        if (!str_starts_with(name, str_c(prefix)) || !(uuid = arn_uuid(a, name)).len) return 0;
    }
    sqlite3_stmt *st =
        store_stmt(db, uuid.p ? "SELECT account, region, grp, name, uuid, config FROM asg_policy WHERE uuid = ?4 AND "
                                "account = ?1 AND region = ?2"
                              : "SELECT account, region, grp, name, uuid, config FROM asg_policy WHERE account = ?1 "
                                "AND region = ?2 AND (?3 IS NULL OR grp = ?3) AND name = ?5 ORDER BY seq LIMIT 1");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    if (grp.p) store_bind_str(st, 3, grp);
    if (uuid.p) store_bind_str(st, 4, uuid);
    store_bind_str(st, 5, name);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        p->account = store_col_str(a, st, 0);
        p->region = store_col_str(a, st, 1);
        p->grp = store_col_str(a, st, 2);
        p->name = store_col_str(a, st, 3);
        p->uuid = store_col_str(a, st, 4);
        json_t *j = json_parse(a, store_col_str(a, st, 5), NULL);
        p->config = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
    }
    if (store_release(st) != SQLITE_OK) return -1;
    if (found && grp.p && !str_eq(grp, p->grp)) return 0;
    return found;
}

/* ==== PutScalingPolicy ==== */

static int check_steps(req_t *r, const val_t *steps)
{
    /* AWS (recorded code; texts not on record): the steps may not overlap,
     * at most one has no lower bound and at most one no upper bound. */
    size_t open_low = 0, open_high = 0;
    for (size_t i = 0; i < val_len(steps); i++) {
        const val_t *s = steps->u.list.v[i];
        const val_t *lo = val_get(s, "MetricIntervalLowerBound"), *hi = val_get(s, "MetricIntervalUpperBound");
        if (!val_get(s, "ScalingAdjustment"))
            return req_fail(r, &ERR_ValidationError, "Each step adjustment must have a ScalingAdjustment");
        open_low += !lo, open_high += !hi;
        if (lo && hi && num_of(lo) >= num_of(hi))
            return req_fail(r, &ERR_ValidationError,
                            "The upper bound of a step adjustment must be greater than its lower bound");
        for (size_t k = 0; k < i; k++) {
            const val_t *o = steps->u.list.v[k];
            const val_t *olo = val_get(o, "MetricIntervalLowerBound"), *ohi = val_get(o, "MetricIntervalUpperBound");
            double a1 = lo ? num_of(lo) : -INFINITY, b1 = hi ? num_of(hi) : INFINITY;
            double a2 = olo ? num_of(olo) : -INFINITY, b2 = ohi ? num_of(ohi) : INFINITY;
            if (a1 < b2 && a2 < b1) return req_fail(r, &ERR_ValidationError, "Step adjustments must not overlap");
        }
    }
    if (open_low > 1 || open_high > 1)
        return req_fail(r, &ERR_ValidationError,
                        "Only one step adjustment may have no lower bound and only one no upper bound");
    return GR_OK;
}

/* A simple or step policy's members, as AWS checks them (texts not on
 * record). */
static int check_adjustments(req_t *r, const val_t *in, str_t type)
{
    str_t adj = val_get_str(in, "AdjustmentType");
    if (val_get(in, "TargetTrackingConfiguration"))
        return req_fail(r, &ERR_ValidationError,
                        "TargetTrackingConfiguration is only for TargetTrackingScaling "
                        "policies");
    if (!adj.p) return req_fail(r, &ERR_ValidationError, "AdjustmentType is required for %.*s policies", STR_FMT(type));
    if (!str_eq_c(adj, "ChangeInCapacity") && !str_eq_c(adj, "ExactCapacity") &&
        !str_eq_c(adj, "PercentChangeInCapacity"))
        return req_fail(r, &ERR_ValidationError, "Invalid adjustment type %.*s", STR_FMT(adj));
    bool simple = str_eq_c(type, "SimpleScaling");
    if (simple && !val_get(in, "ScalingAdjustment"))
        return req_fail(r, &ERR_ValidationError, "ScalingAdjustment is required for SimpleScaling policies");
    if (simple && val_len(val_get(in, "StepAdjustments")))
        return req_fail(r, &ERR_ValidationError, "StepAdjustments are not allowed for SimpleScaling policies");
    if (!simple && !val_len(val_get(in, "StepAdjustments")))
        return req_fail(r, &ERR_ValidationError, "StepAdjustments are required for StepScaling policies");
    if (!simple && val_get(in, "Cooldown"))
        return req_fail(r, &ERR_ValidationError, "Cooldown is not allowed for StepScaling policies");
    if (!simple && check_steps(r, val_get(in, "StepAdjustments")) != GR_OK) return GR_ERR;
    if (val_get(in, "MinAdjustmentMagnitude") && !str_eq_c(adj, "PercentChangeInCapacity"))
        return req_fail(
            r, &ERR_ValidationError,
            "MinAdjustmentMagnitude may only be specified with the PercentChangeInCapacity adjustment type");
    return GR_OK;
}

/* A target tracking policy's configuration (texts not on record). */
static int check_tracking(req_t *r, const val_t *in)
{
    const val_t *tt = val_get(in, "TargetTrackingConfiguration");
    if (!tt)
        return req_fail(r, &ERR_ValidationError,
                        "TargetTrackingConfiguration is required for TargetTrackingScaling policies");
    static const char *const other[] = {"AdjustmentType", "ScalingAdjustment",      "StepAdjustments",
                                        "Cooldown",       "MinAdjustmentMagnitude", "MinAdjustmentStep"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (val_get(in, other[i]))
            return req_fail(r, &ERR_ValidationError, "%s is not allowed for TargetTrackingScaling policies", other[i]);
    const val_t *pre = val_get(tt, "PredefinedMetricSpecification"),
                *cus = val_get(tt, "CustomizedMetricSpecification");
    if (!pre == !cus)
        return req_fail(r, &ERR_ValidationError,
                        "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification is required");
    if (val_get_int(tt, "TargetValue", 0) <= 0 && num_of(val_get(tt, "TargetValue")) <= 0)
        return req_fail(r, &ERR_ValidationError, "TargetValue must be greater than 0");
    if (pre && str_eq_c(val_get_str(pre, "PredefinedMetricType"), "ALBRequestCountPerTarget"))
        return req_fail(r, &ERR_ValidationError,
                        "ALBRequestCountPerTarget needs an Application Load Balancer, which gureum does not serve");
    if (cus && (val_get(cus, "Metrics") || !val_get_str(cus, "MetricName").p || !val_get_str(cus, "Namespace").p ||
                !val_get_str(cus, "Statistic").p))
        return req_fail(r, &ERR_ValidationError,
                        "A CustomizedMetricSpecification needs MetricName, Namespace and Statistic (metric math is not "
                        "served by gureum)");
    return GR_OK;
}

/* The alarms a target tracking policy makes (AWS, User Guide "Target
 * tracking scaling policies"): AlarmHigh, above the target for 3 one-minute
 * periods, and, unless scale-in is disabled, AlarmLow, below 90 % of it
 * for 15; each invokes the policy. Their names go into the policy's
 * config ("Alarms"); *err on a refusal. */
static int tracking_alarms(req_t *r, str_t grp, const char *arn, val_t *config, const char **err)
{
    arena_t *a = r->arena;
    const val_t *tt = val_get(config, "TargetTrackingConfiguration");
    const val_t *pre = val_get(tt, "PredefinedMetricSpecification"),
                *cus = val_get(tt, "CustomizedMetricSpecification");
    double target = num_of(val_get(tt, "TargetValue"));
    val_t *alarms = val_new(a, VAL_LIST);
    for (int low = 0; low < 2; low++) {
        if (low && val_get_bool(tt, "DisableScaleIn", false)) break;
        char uuid[37];
        id_uuid(uuid);
        const char *name = arena_printf(a, "TargetTracking-%.*s-Alarm%s-%s", STR_FMT(grp), low ? "Low" : "High", uuid);
        val_t *in = val_new(a, VAL_STRUCT), *acts = val_new(a, VAL_LIST);
        val_push(a, acts, val_cstr(a, arn));
        val_set_c(a, in, "AlarmName", val_cstr(a, name));
        /* AWS (recorded) */
        val_set_c(a, in, "AlarmDescription",
                  val_cstr(a, arena_printf(a, "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy %s.", arn)));
        val_set_c(a, in, "AlarmActions", acts);
        if (pre) {
            str_t t = val_get_str(pre, "PredefinedMetricType");
            val_t *dims = val_new(a, VAL_LIST), *d = val_new(a, VAL_STRUCT);
            val_set_c(a, d, "Name", val_cstr(a, "AutoScalingGroupName"));
            val_set_c(a, d, "Value", val_str(a, grp));
            val_push(a, dims, d);
            val_set_c(a, in, "Namespace", val_cstr(a, "AWS/EC2"));
            val_set_c(a, in, "MetricName",
                      val_cstr(a, str_eq_c(t, "ASGAverageNetworkIn")    ? "NetworkIn"
                                  : str_eq_c(t, "ASGAverageNetworkOut") ? "NetworkOut"
                                                                        : "CPUUtilization"));
            val_set_c(a, in, "Dimensions", dims);
            val_set_c(a, in, "Statistic", val_cstr(a, "Average"));
        } else {
            static const char *const copied[] = {"Namespace", "MetricName", "Dimensions", "Statistic", "Unit"};
            for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
                if (val_get(cus, copied[i])) val_set_c(a, in, copied[i], val_get(cus, copied[i]));
        }
        val_set_c(a, in, "Period", val_int(a, 60));
        val_set_c(a, in, "EvaluationPeriods", val_int(a, low ? 15 : 3));
        val_set_c(a, in, "DatapointsToAlarm", val_int(a, low ? 15 : 3));
        val_set_c(a, in, "Threshold", val_float(a, low ? target * 0.9 : target));
        val_set_c(a, in, "ComparisonOperator", val_cstr(a, low ? "LessThanThreshold" : "GreaterThanThreshold"));
        if (cloudwatch_alarm_put(r->app, r->who.account, r->region, in, a, err) != GR_OK) return GR_ERR;
        val_t *al = val_new(a, VAL_STRUCT);
        val_set_c(a, al, "AlarmName", val_cstr(a, name));
        val_set_c(a, al, "AlarmARN",
                  val_cstr(a, arena_printf(a, "arn:aws:cloudwatch:%.*s:%.*s:alarm:%s", STR_FMT(r->region),
                                           STR_FMT(r->who.account), name)));
        val_push(a, alarms, al);
    }
    val_set_c(a, config, "Alarms", alarms);
    return GR_OK;
}

/* The alarms a target tracking policy made, deleted with it. */
static void drop_alarms(struct app *app, arena_t *a, str_t account, str_t region, const val_t *config)
{
    const val_t *alarms = val_get(config, "Alarms");
    val_t *names = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(alarms); i++) val_push(a, names, val_get(alarms->u.list.v[i], "AlarmName"));
    if (val_len(names)) cloudwatch_alarms_delete(app, account, region, names);
}

void asg__policies_drop(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, str_t grp)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT config FROM asg_policy WHERE account = ?1 AND region = ?2 AND grp = ?3");
    if (!st) return;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, grp);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *j = json_parse(a, store_col_str(a, st, 0), NULL);
        if (j) drop_alarms(app, a, account, region, val_from_json(a, j));
    }
    store_release(st);
    STORE_RUN(db, "DELETE FROM asg_policy WHERE account = ?1 AND region = ?2 AND grp = ?3", arena_cstr(a, account),
              arena_cstr(a, region), arena_cstr(a, grp));
}

int autoscaling_put_scaling_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t grp = val_get_str(in, "AutoScalingGroupName"), name = val_get_str(in, "PolicyName");
    asg__group_t g;
    int f = asg__group_get(db, a, r->who.account, r->region, grp, &g);
    if (f < 0) return GR_ERR;
    /* AWS (recorded) */
    if (!f || g.deleting)
        return req_fail(r, &ERR_ValidationError, "AutoScalingGroup name not found - AutoScalingGroup '%.*s' not found",
                        STR_FMT(grp));
    str_t type = val_get_str(in, "PolicyType");
    if (!type.p) type = STR("SimpleScaling");
    if (str_eq_c(type, "PredictiveScaling"))
        return req_fail(r, &ERR_ValidationError,
                        "PredictiveScaling policies are not served by gureum: use TargetTrackingScaling, "
                        "SimpleScaling or StepScaling");
    /* AWS (recorded) */
    if (!str_eq_c(type, "SimpleScaling") && !str_eq_c(type, "StepScaling") && !str_eq_c(type, "TargetTrackingScaling"))
        return req_fail(r, &ERR_ValidationError, "Policy type %.*s is not supported.", STR_FMT(type));
    bool tracking = str_eq_c(type, "TargetTrackingScaling");
    if (tracking ? check_tracking(r, in) != GR_OK : check_adjustments(r, in, type) != GR_OK) return GR_ERR;
    val_t *c = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < in->u.obj.n; i++)
        if (!str_eq_c(in->u.obj.e[i].key, "AutoScalingGroupName") && !str_eq_c(in->u.obj.e[i].key, "PolicyName"))
            val_set(a, c, in->u.obj.e[i].key, in->u.obj.e[i].v);
    val_set_c(a, c, "PolicyType", val_str(a, type));
    policy_t old;
    int e = policy_get(db, a, r->who.account, r->region, grp, name, &old);
    if (e < 0) return GR_ERR;
    char fresh[37];
    id_uuid(fresh);
    str_t uuid = e ? old.uuid : str_c(fresh);
    const char *arn = policy_arn(a, r->who.account, r->region, uuid, grp, name);
    if (e) drop_alarms(r->app, a, r->who.account, r->region, old.config);
    const char *err = NULL;
    if (tracking && tracking_alarms(r, grp, arn, c, &err) != GR_OK)
        return err ? req_fail(r, &ERR_ValidationError, "%s", err) : GR_ERR;
    if (!STORE_RUN(db,
                   "INSERT INTO asg_policy (account, region, grp, name, uuid, config, seq) VALUES (?1, ?2, ?3, ?4, ?5, "
                   "?6, ?7) ON CONFLICT (account, region, grp, name) DO UPDATE SET config = excluded.config",
                   arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, grp), arena_cstr(a, name),
                   arena_cstr(a, uuid), arena_cstr(a, val_json_text(a, c)),
                   arena_printf(a, "%lld", (long long)asg__now_ms())))
        return GR_ERR;
    val_set_c(a, out, "PolicyARN", val_cstr(a, arn));
    val_set_c(a, out, "Alarms", val_get(c, "Alarms") ? val_get(c, "Alarms") : val_new(a, VAL_LIST));
    return GR_OK;
}

/* ==== DescribePolicies ==== */

typedef struct {
    sqlite3 *db;
} item_ctx_t;

/* Columns: grp, name, uuid, config. */
static val_t *policy_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    str_t grp = store_col_str(a, st, 0), name = store_col_str(a, st, 1), uuid = store_col_str(a, st, 2);
    json_t *j = json_parse(a, store_col_str(a, st, 3), NULL);
    val_t *c = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
    val_t *o = val_new(a, VAL_STRUCT);
    const char *arn = policy_arn(a, r->who.account, r->region, uuid, grp, name);
    val_set_c(a, o, "AutoScalingGroupName", val_str(a, grp));
    val_set_c(a, o, "PolicyName", val_str(a, name));
    val_set_c(a, o, "PolicyARN", val_cstr(a, arn));
    static const char *const copied[] = {"PolicyType",
                                         "AdjustmentType",
                                         "MinAdjustmentStep",
                                         "MinAdjustmentMagnitude",
                                         "ScalingAdjustment",
                                         "Cooldown",
                                         "StepAdjustments",
                                         "MetricAggregationType",
                                         "EstimatedInstanceWarmup",
                                         "TargetTrackingConfiguration"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
        if (val_get(c, copied[i])) val_set_c(a, o, copied[i], val_get(c, copied[i]));
    if (str_eq_c(val_get_str(c, "PolicyType"), "StepScaling") && !val_get(c, "MetricAggregationType"))
        val_set_c(a, o, "MetricAggregationType", val_cstr(a, "Average"));
    /* AWS: the alarms whose actions name the policy */
    val_t *alarms = val_new(a, VAL_LIST);
    str_t *names = NULL;
    size_t n = 0;
    cloudwatch_alarms_acting_on(r->app, a, r->who.account, r->region, str_c(arn), &names, &n);
    for (size_t i = 0; i < n; i++) {
        val_t *al = val_new(a, VAL_STRUCT);
        val_set_c(a, al, "AlarmName", val_str(a, names[i]));
        val_set_c(a, al, "AlarmARN",
                  val_cstr(a, arena_printf(a, "arn:aws:cloudwatch:%.*s:%.*s:alarm:%.*s", STR_FMT(r->region),
                                           STR_FMT(r->who.account), STR_FMT(names[i]))));
        val_push(a, alarms, al);
    }
    val_set_c(a, o, "Alarms", alarms);
    val_set_c(a, o, "Enabled", val_bool(a, val_get_bool(c, "Enabled", true)));
    return o;
}

int autoscaling_describe_policies(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    str_t grp = val_get_str(in, "AutoScalingGroupName");
    const val_t *names = val_get(in, "PolicyNames"), *types = val_get(in, "PolicyTypes");
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "SELECT grp, name, uuid, config FROM asg_policy WHERE account = ?1 AND region = ?2");
    if (grp.p) buf_puts(&b, " AND grp = ?3");
    size_t k = 6;
    if (val_len(names)) {
        buf_puts(&b, " AND (name IN (");
        for (size_t i = 0; i < val_len(names); i++) buf_printf(&b, "%s?%zu", i ? ", " : "", k + i);
        buf_puts(&b, ") OR uuid IN (");
        for (size_t i = 0; i < val_len(names); i++) buf_printf(&b, "%s?%zu", i ? ", " : "", k + val_len(names) + i);
        buf_puts(&b, "))");
    }
    size_t tk = k + 2 * val_len(names);
    if (val_len(types)) {
        buf_puts(&b, " AND json_extract(config, '$.PolicyType') IN (");
        for (size_t i = 0; i < val_len(types); i++) buf_printf(&b, "%s?%zu", i ? ", " : "", tk + i);
        buf_putc(&b, ')');
    }
    buf_puts(&b, " ORDER BY grp, name LIMIT ?4 OFFSET ?5");
    sqlite3_stmt *st = store_stmt(db, arena_cstr(a, buf_str(&b)));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (grp.p) store_bind_str(st, 3, grp);
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    for (size_t i = 0; i < val_len(names); i++) {
        str_t n = names->u.list.v[i]->u.s;
        store_bind_str(st, (int)(k + i), n);
        store_bind_str(st, (int)(k + val_len(names) + i), arn_uuid(a, n));
    }
    for (size_t i = 0; i < val_len(types); i++) store_bind_str(st, (int)(tk + i), types->u.list.v[i]->u.s);
    return asg__page(r, st, limit, off, out, "ScalingPolicies", policy_item, NULL);
}

int autoscaling_delete_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    policy_t p;
    int f = policy_get(db, a, r->who.account, r->region, val_get_str(in, "AutoScalingGroupName"),
                       val_get_str(in, "PolicyName"), &p);
    if (f < 0) return GR_ERR;
    /* AWS (not on record): deleting a policy that is not there succeeds */
    if (!f) return GR_OK;
    drop_alarms(r->app, a, r->who.account, r->region, p.config);
    return STORE_RUN(db, "DELETE FROM asg_policy WHERE uuid = ?1", arena_cstr(a, p.uuid)) ? GR_OK : GR_ERR;
}

/* ==== Executing ==== */

/* AWS's rounding of a percent change: above 1 down, between 0 and 1 up to
 * 1, between -1 and 0 down to -1, below -1 up. */
static int64_t percent_change(int64_t desired, double pct, int64_t magnitude)
{
    double c = desired * pct / 100.0;
    int64_t ch = c >= 1 ? (int64_t)floor(c) : c > 0 ? 1 : c <= -1 ? (int64_t)ceil(c) : c < 0 ? -1 : 0;
    if (magnitude > 0 && ch != 0 && llabs(ch) < magnitude) ch = ch > 0 ? magnitude : -magnitude;
    return ch;
}

/* The group's scaling activity in progress: instances still pending or
 * terminating. 1, 0, -1. */
static int busy(sqlite3 *db, const policy_t *p)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM asg_instance WHERE account = ?1 AND region = ?2 AND grp = ?3 "
                                      "AND lifecycle <> 'InService' LIMIT 1");
    if (!st) return -1;
    store_bind_str(st, 1, p->account);
    store_bind_str(st, 2, p->region);
    store_bind_str(st, 3, p->grp);
    int rc = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? rc : -1;
}

/* A target tracking policy's change applies as a ChangeInCapacity. */
static const val_t *tracking_as_change(arena_t *a)
{
    val_t *c = val_new(a, VAL_STRUCT);
    val_set_c(a, c, "AdjustmentType", val_cstr(a, "ChangeInCapacity"));
    return c;
}

typedef enum { EXEC_DONE, EXEC_COOLDOWN, EXEC_NO_METRIC, EXEC_NO_STEP, EXEC_FAILED } exec_t;

/* Executes p: the group's new desired capacity with its cause, "At T "
 * + by + " changing the desired capacity from X to Y.". honor: a simple
 * policy does nothing while the group's activity or cooldown runs. */
static exec_t execute(sqlite3 *db, arena_t *a, const policy_t *p, const char *by, bool honor, bool has_metric,
                      double metric, double threshold)
{
    asg__group_t g;
    int f = asg__group_get(db, a, p->account, p->region, p->grp, &g);
    if (f <= 0 || g.deleting) return EXEC_FAILED;
    const val_t *c = p->config;
    bool simple = str_eq_c(val_get_str(c, "PolicyType"), "SimpleScaling") || !val_get_str(c, "PolicyType").p;
    int64_t now = asg__now_ms();
    double adj;
    str_t ptype = val_get_str(c, "PolicyType");
    if (str_eq_c(ptype, "TargetTrackingScaling")) {
        /* AWS: the capacity that brings the metric to the target,
         * proportionally (desired × value / target, rounded up) when it is
         * above; below, scale-in is gradual: one instance at a time. New
         * instances count while they warm up: nothing more until they are in
         * service. */
        const val_t *tt = val_get(c, "TargetTrackingConfiguration");
        double target = num_of(val_get(tt, "TargetValue"));
        int b = busy(db, p);
        if (b < 0) return EXEC_FAILED;
        if (!has_metric || target <= 0) return EXEC_NO_METRIC;
        if (b) return EXEC_COOLDOWN;
        int64_t want = metric > target ? (g.desired ? (int64_t)ceil(g.desired * metric / target) : 1) : g.desired - 1;
        if (want < g.desired && val_get_bool(tt, "DisableScaleIn", false)) return EXEC_DONE;
        adj = (double)(want - g.desired);
        c = tracking_as_change(a);
    } else if (simple) {
        int b = busy(db, p);
        if (b < 0) return EXEC_FAILED;
        if (honor && (b || g.cooldown_ms > now)) return EXEC_COOLDOWN;
        adj = (double)val_get_int(c, "ScalingAdjustment", 0);
    } else {
        if (!has_metric) return EXEC_NO_METRIC;
        /* AWS: the step whose bounds (relative to the breach threshold)
         * hold the metric's distance from it: lower <= d < upper, or for
         * negative distances lower < d <= upper */
        double d = metric - threshold;
        const val_t *steps = val_get(c, "StepAdjustments"), *hit = NULL;
        for (size_t i = 0; !hit && i < val_len(steps); i++) {
            const val_t *s = steps->u.list.v[i];
            const val_t *lo = val_get(s, "MetricIntervalLowerBound"), *hi = val_get(s, "MetricIntervalUpperBound");
            double l = lo ? num_of(lo) : -INFINITY, u = hi ? num_of(hi) : INFINITY;
            if (d >= 0 ? (d >= l && d < u) : (d > l && d <= u)) hit = s;
        }
        if (!hit) return EXEC_NO_STEP;
        adj = (double)val_get_int(hit, "ScalingAdjustment", 0);
    }
    str_t type = val_get_str(c, "AdjustmentType");
    int64_t want = str_eq_c(type, "ExactCapacity") ? (int64_t)adj
                   : str_eq_c(type, "PercentChangeInCapacity")
                       ? g.desired + percent_change(g.desired, adj, val_get_int(c, "MinAdjustmentMagnitude", 0))
                       : g.desired + (int64_t)adj;
    if (want < g.min) want = g.min;
    if (want > g.max) want = g.max;
    if (want == g.desired) return EXEC_DONE;
    const char *cause = arena_printf(a, "At %s %s changing the desired capacity from %lld to %lld.", asg__iso(a, now),
                                     by, (long long)g.desired, (long long)want);
    int64_t cooldown = simple ? val_get_int(c, "Cooldown", g.default_cooldown) : 0;
    return asg__set_desired(db, a, p->account, p->region, p->grp, want, cause, cooldown > 0 ? now + cooldown * 1000 : 0)
               ? EXEC_DONE
               : EXEC_FAILED;
}

int autoscaling_execute_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "PolicyName");
    policy_t p;
    int f = policy_get(db, a, r->who.account, r->region, val_get_str(in, "AutoScalingGroupName"), name, &p);
    if (f < 0) return GR_ERR;
    /* AWS (not on record) */
    if (!f) return req_fail(r, &ERR_ValidationError, "No such policy: %.*s", STR_FMT(name));
    const val_t *mv = val_get(in, "MetricValue"), *bt = val_get(in, "BreachThreshold");
    /* AWS (not on record): only simple and step policies are executed by hand */
    if (str_eq_c(val_get_str(p.config, "PolicyType"), "TargetTrackingScaling"))
        return req_fail(r, &ERR_ValidationError, "ExecutePolicy is not supported for TargetTrackingScaling policies");
    bool step = str_eq_c(val_get_str(p.config, "PolicyType"), "StepScaling");
    if (step && (!mv || !bt))
        return req_fail(r, &ERR_ValidationError,
                        "MetricValue and BreachThreshold are required to execute a "
                        "StepScaling policy");
    if (!step && (mv || bt))
        return req_fail(r, &ERR_ValidationError, "MetricValue and BreachThreshold are only for StepScaling policies");
    /* AWS (recorded): "a user request executed policy NAME" */
    const char *by = arena_printf(a, "a user request executed policy %.*s", STR_FMT(p.name));
    switch (execute(db, a, &p, by, val_get_bool(in, "HonorCooldown", false), mv != NULL, mv ? num_of(mv) : 0,
                    bt ? num_of(bt) : 0)) {
    case EXEC_DONE: return GR_OK;
    case EXEC_COOLDOWN:
        return req_fail(r, &AUTOSCALING_ERR_ScalingActivityInProgressFault,
                        "Scaling activity is in progress or the cooldown period of the group has not ended");
    case EXEC_NO_STEP:
        return req_fail(r, &ERR_ValidationError, "No step adjustment covers the metric value for this policy");
    default: return GR_ERR;
    }
}

int asg_execute_alarm_policy(struct app *app, arena_t *a, str_t account, str_t region, str_t arn, str_t alarm_name,
                             double value, double threshold, const char **err)
{
    sqlite3 *db = asg__db(app);
    if (!db) return GR_ERR;
    /* only a policy of the alarm's own account and region: an ARN naming
     * another account's is one that does not exist here */
    policy_t p;
    int f = policy_get(db, a, account, region, STR_NULL, arn, &p);
    if (f <= 0) {
        *err = f < 0 ? "Internal error reading the policy" : "The scaling policy does not exist";
        return GR_ERR;
    }
    /* AWS (recorded): "a monitor alarm NAME in state ALARM triggered policy POLICY" */
    const char *by = arena_printf(a, "a monitor alarm %.*s in state ALARM triggered policy %.*s", STR_FMT(alarm_name),
                                  STR_FMT(p.name));
    switch (execute(db, a, &p, by, true, true, value, threshold)) {
    case EXEC_FAILED: *err = "Internal error executing the policy"; return GR_ERR;
    default:
        /* a policy waiting for its cooldown, or no step covering the
         * value, has received the action all the same */
        return GR_OK;
    }
}
