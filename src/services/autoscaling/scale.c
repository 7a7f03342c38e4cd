/* scale.c — the Auto Scaling tick: every group's instances made to match
 * its desired capacity, for real.
 *
 * On the ticker thread, for each group: its instances' EC2 states are read
 * (ec2_instance_target); a pending one that runs goes InService (and into
 * the group's classic load balancers and target groups); one that stopped or was terminated
 * by someone else fails the EC2 health check and is terminated and
 * replaced (and, with HealthCheckType ELB, one its classic load balancer
 * or target group finds failing); then instances are launched (ec2_launch, in the zone with the
 * fewest, from the group's launch template or launch configuration, tagged
 * aws:autoscaling:groupName and the group's propagated tags) or terminated
 * (AWS's default termination policy: the zone with the most, then the
 * oldest launch source, then the oldest instance) until the count is the
 * desired capacity. Each launch and termination is a scaling activity with
 * AWS's description and cause; a failed launch is a Failed activity, tried
 * again after a pause. A group being deleted is forgotten once its
 * instances are gone. */
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "core/json.h"
#include "core/log.h"
#include "services/app.h"
#include "services/autoscaling/autoscaling.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"
#include "services/elbv2/elbv2.h"
#include "services/pubmetrics.h"

/* AWS retries a failed launch with a growing pause; gureum waits this long. */
#define RETRY_MS 10000

typedef struct {
    str_t id, zone, lifecycle, launched_by;
    int64_t launched_ms;
    bool protect;
} member_t;

/* The group's launch source as the instances keep it (JSON). */
static str_t source_text(arena_t *a, const val_t *config)
{
    val_t *s = val_new(a, VAL_STRUCT);
    if (val_get(config, "LaunchTemplate")) val_set_c(a, s, "LaunchTemplate", val_get(config, "LaunchTemplate"));
    if (val_get(config, "LaunchConfigurationName"))
        val_set_c(a, s, "LaunchConfigurationName", val_get(config, "LaunchConfigurationName"));
    return val_json_text(a, s);
}

/* Ends the group's open activity about instance id (status: Successful or
 * Failed, with message). */
static void activity_end(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t id, const char *status,
                         const char *message)
{
    STORE_RUN(db,
              "UPDATE asg_activity SET status = ?4, message = ?5, progress = 100, end_ms = ?6, instance_id = NULL "
              "WHERE account = ?1 AND region = ?2 AND instance_id = ?3",
              arena_cstr(a, account), arena_cstr(a, region), arena_cstr(a, id), status, message,
              arena_lld(a, asg__now_ms()));
}

static void activity_add(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t grp, const char *desc,
                         const char *cause, const char *details, const char *status, const char *message,
                         const char *instance)
{
    char aid[37];
    id_uuid(aid);
    int64_t now = asg__now_ms();
    bool done = strcmp(status, "InProgress") != 0;
    STORE_RUN(
        db,
        "INSERT INTO asg_activity (account, region, grp, id, description, cause, start_ms, end_ms, status, "
        "message, progress, details, instance_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        arena_cstr(a, account), arena_cstr(a, region), arena_cstr(a, grp), aid, desc, cause, arena_lld(a, now),
        done ? arena_lld(a, now) : NULL, status, message, done ? "100" : "30", details, instance);
}

static void lbs_attach(struct app *app, const asg__group_t *g, str_t account, str_t region, str_t id, bool add)
{
    const val_t *lbs = val_get(g->config, "LoadBalancerNames"), *tgs = val_get(g->config, "TargetGroupARNs");
    for (size_t i = 0; i < val_len(lbs); i++) elb_attach(app, account, region, lbs->u.list.v[i]->u.s, id, add);
    for (size_t i = 0; i < val_len(tgs); i++) elbv2_attach(app, account, region, tgs->u.list.v[i]->u.s, id, add);
}

/* The RunInstances input for one instance of g in zone (its subnet there
 * when the group has subnets). NULL with *err when the launch
 * configuration is gone. */
static val_t *run_input(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, const asg__group_t *g,
                        str_t zone, const char **err)
{
    val_t *in = val_new(a, VAL_STRUCT);
    const val_t *c = g->config;
    if (val_get(c, "LaunchTemplate")) {
        /* RunInstances names the template one way only */
        const val_t *lt = val_get(c, "LaunchTemplate");
        val_t *spec = val_new(a, VAL_STRUCT);
        val_set_c(a, spec, "LaunchTemplateId", val_get(lt, "LaunchTemplateId"));
        if (val_get(lt, "Version")) val_set_c(a, spec, "Version", val_get(lt, "Version"));
        val_set_c(a, in, "LaunchTemplate", spec);
    } else {
        sqlite3_stmt *st = store_stmt(db, "SELECT config FROM asg_launch_config WHERE account = ?1 AND region = ?2 "
                                          "AND name = ?3");
        if (!st) return NULL;
        store_bind_str(st, 1, account);
        store_bind_str(st, 2, region);
        store_bind_str(st, 3, val_get_str(c, "LaunchConfigurationName"));
        json_t *j = sqlite3_step(st) == SQLITE_ROW ? json_parse(a, store_col_str(a, st, 0), NULL) : NULL;
        store_release(st);
        if (!j) {
            *err = "The launch configuration does not exist.";
            return NULL;
        }
        val_t *lc = val_from_json(a, j);
        static const char *const copied[] = {"ImageId", "InstanceType", "KeyName", "UserData", "EbsOptimized"};
        for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
            if (val_get(lc, copied[i])) val_set_c(a, in, copied[i], val_get(lc, copied[i]));
        /* a launch configuration's groups are ids in a VPC, names in EC2-Classic's days */
        const val_t *sgs = val_get(lc, "SecurityGroups");
        bool ids = val_len(sgs) && str_starts_with(sgs->u.list.v[0]->u.s, STR("sg-"));
        if (val_len(sgs)) val_set_c(a, in, ids ? "SecurityGroupIds" : "SecurityGroups", val_copy(a, sgs));
        if (val_get(lc, "AssociatePublicIpAddress")) {
            val_t *ni = val_new(a, VAL_STRUCT), *nis = val_new(a, VAL_LIST);
            val_set_c(a, ni, "DeviceIndex", val_int(a, 0));
            val_set_c(a, ni, "AssociatePublicIpAddress", val_get(lc, "AssociatePublicIpAddress"));
            val_push(a, nis, ni);
            val_set_c(a, in, "NetworkInterfaces", nis);
        }
    }
    /* the group's subnet in the zone, else the zone (its default subnet) */
    str_t subnets = val_get_str(c, "VPCZoneIdentifier");
    str_t pick = STR_NULL;
    while (subnets.len && !pick.p) {
        size_t k = 0;
        while (k < subnets.len && subnets.p[k] != ',') k++;
        str_t id = str_trim(str_sub(subnets, 0, k));
        subnets = k < subnets.len ? str_sub(subnets, k + 1, subnets.len - k - 1) : STR_NULL;
        ec2_subnet_info_t si;
        if (id.len && ec2_subnet_info(app, account, region, id, a, &si) == 1 && str_eq_c(zone, si.zone)) pick = id;
    }
    val_t *ni = val_len(val_get(in, "NetworkInterfaces")) ? val_get(in, "NetworkInterfaces")->u.list.v[0] : NULL;
    if (ni) {
        /* the groups go with the interface, as RunInstances wants them then */
        if (pick.p) val_set_c(a, ni, "SubnetId", val_str(a, pick));
        const val_t *ids = val_get(in, "SecurityGroupIds");
        if (ids) {
            val_set_c(a, ni, "Groups", val_copy(a, ids));
            val_t *rest = val_new(a, VAL_STRUCT);
            for (size_t i = 0; i < in->u.obj.n; i++)
                if (!str_eq_c(in->u.obj.e[i].key, "SecurityGroupIds"))
                    val_set(a, rest, in->u.obj.e[i].key, in->u.obj.e[i].v);
            in = rest;
        }
        if (!pick.p) {
            val_t *pl = val_new(a, VAL_STRUCT);
            val_set_c(a, pl, "AvailabilityZone", val_str(a, zone));
            val_set_c(a, in, "Placement", pl);
        }
    } else if (pick.p) {
        val_set_c(a, in, "SubnetId", val_str(a, pick));
    } else {
        val_t *pl = val_new(a, VAL_STRUCT);
        val_set_c(a, pl, "AvailabilityZone", val_str(a, zone));
        val_set_c(a, in, "Placement", pl);
    }
    /* AWS: instances carry aws:autoscaling:groupName and the group's
     * tags marked PropagateAtLaunch */
    val_t *tags = val_new(a, VAL_LIST), *t = val_new(a, VAL_STRUCT);
    val_set_c(a, t, "Key", val_cstr(a, "aws:autoscaling:groupName"));
    val_set_c(a, t, "Value", val_str(a, g->name));
    val_push(a, tags, t);
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM asg_tag WHERE account = ?1 AND region = ?2 AND grp = ?3 "
                                      "AND propagate ORDER BY key");
    if (st) {
        store_bind_str(st, 1, account);
        store_bind_str(st, 2, region);
        store_bind_str(st, 3, g->name);
        while (sqlite3_step(st) == SQLITE_ROW) {
            val_t *x = val_new(a, VAL_STRUCT);
            val_set_c(a, x, "Key", val_str(a, store_col_str(a, st, 0)));
            val_set_c(a, x, "Value", val_str(a, store_col_str(a, st, 1)));
            val_push(a, tags, x);
        }
        store_release(st);
    }
    val_t *spec = val_new(a, VAL_STRUCT), *specs = val_new(a, VAL_LIST);
    val_set_c(a, spec, "ResourceType", val_cstr(a, "instance"));
    val_set_c(a, spec, "Tags", tags);
    val_push(a, specs, spec);
    val_set_c(a, in, "TagSpecifications", specs);
    return in;
}

static size_t members(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t grp, member_t **out)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT instance_id, zone, lifecycle, launched_by, launched_ms, protected FROM "
                                      "asg_instance WHERE account = ?1 AND region = ?2 AND grp = ?3 ORDER BY "
                                      "launched_ms, instance_id");
    if (!st) return 0;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, grp);
    size_t n = 0, cap = 16;
    member_t *m = ARENA_NEWN(a, member_t, cap);
    while (m && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            member_t *bigger = ARENA_NEWN(a, member_t, cap * 2);
            if (!bigger) break;
            memcpy(bigger, m, n * sizeof *m);
            m = bigger, cap *= 2;
        }
        m[n++] = (member_t){store_col_str(a, st, 0), store_col_str(a, st, 1),     store_col_str(a, st, 2),
                            store_col_str(a, st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int(st, 5)};
    }
    store_release(st);
    *out = m;
    return n;
}

/* With HealthCheckType ELB, after the HealthCheckGracePeriod: whether one
 * of the group's load balancers finds the instance failing. */
static bool elb_failing(const asg__group_t *g, str_t account, str_t region, const member_t *m)
{
    if (!str_eq_c(val_get_str(g->config, "HealthCheckType"), "ELB")) return false;
    if (asg__now_ms() - m->launched_ms < val_get_int(g->config, "HealthCheckGracePeriod", 0) * 1000) return false;
    const val_t *lbs = val_get(g->config, "LoadBalancerNames");
    char acct[64], reg[64], id[64];
    snprintf(acct, sizeof acct, "%.*s", STR_FMT(account));
    snprintf(reg, sizeof reg, "%.*s", STR_FMT(region));
    snprintf(id, sizeof id, "%.*s", STR_FMT(m->id));
    for (size_t i = 0; i < val_len(lbs); i++) {
        char lb[64];
        snprintf(lb, sizeof lb, "%.*s", STR_FMT(lbs->u.list.v[i]->u.s));
        if (elb_instance_failing(acct, reg, lb, id)) return true;
    }
    const val_t *tgs = val_get(g->config, "TargetGroupARNs");
    for (size_t i = 0; i < val_len(tgs); i++) {
        char tg[300];
        snprintf(tg, sizeof tg, "%.*s", STR_FMT(tgs->u.list.v[i]->u.s));
        if (elbv2_target_failing(tg, id)) return true;
    }
    return false;
}

/* The instances' EC2 states made the group's: Pending → InService, gone
 * ones forgotten, stopped or terminated ones taken out and replaced. */
static void follow_instances(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region,
                             const asg__group_t *g, member_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ec2_target_t t;
        int f = ec2_instance_target(app, account, region, m[i].id, a, &t);
        if (f < 0) continue;
        bool gone = !f || !strcmp(t.state, "terminated");
        bool out =
            f && (!strcmp(t.state, "stopping") || !strcmp(t.state, "stopped") || !strcmp(t.state, "shutting-down"));
        bool elb_failed =
            !gone && !out && str_eq_c(m[i].lifecycle, "InService") && elb_failing(g, account, region, &m[i]);
        const char *acct = arena_cstr(a, account), *reg = arena_cstr(a, region), *id = arena_cstr(a, m[i].id);
        if ((gone || out || elb_failed) && !str_eq_c(m[i].lifecycle, "Terminating")) {
            /* AWS (recorded): the EC2 and ELB health checks' causes */
            const char *cause =
                elb_failed ? arena_printf(a,
                                          "At %s an instance was taken out of service in response to an ELB system "
                                          "health check failure.",
                                          asg__iso(a, asg__now_ms()))
                           : arena_printf(a,
                                          "At %s an instance was taken out of service in response to an EC2 "
                                          "health check indicating it has been terminated or stopped.",
                                          asg__iso(a, asg__now_ms()));
            activity_end(db, a, account, region, m[i].id, "Cancelled", "The instance left the group");
            activity_add(db, a, account, region, g->name, arena_printf(a, "Terminating EC2 instance: %s", id), cause,
                         "{}", gone ? "Successful" : "InProgress", NULL, gone ? NULL : id);
            lbs_attach(app, g, account, region, m[i].id, false);
            if (!gone) {
                STORE_RUN(db,
                          "UPDATE asg_instance SET lifecycle = 'Terminating', health = 'Unhealthy' WHERE account = ?1 "
                          "AND region = ?2 AND instance_id = ?3",
                          acct, reg, id);
                m[i].lifecycle = STR("Terminating");
                ec2_terminate(app, account, region, m[i].id);
            }
        }
        if (gone) {
            activity_end(db, a, account, region, m[i].id, "Successful", NULL);
            STORE_RUN(db, "DELETE FROM asg_instance WHERE account = ?1 AND region = ?2 AND instance_id = ?3", acct, reg,
                      id);
            m[i].lifecycle = STR("Gone");
        } else if (!strcmp(t.state, "running") && str_eq_c(m[i].lifecycle, "Pending")) {
            STORE_RUN(db,
                      "UPDATE asg_instance SET lifecycle = 'InService' WHERE account = ?1 AND region = ?2 AND "
                      "instance_id = ?3",
                      acct, reg, id);
            m[i].lifecycle = STR("InService");
            activity_end(db, a, account, region, m[i].id, "Successful", NULL);
            lbs_attach(app, g, account, region, m[i].id, true);
        }
    }
}

static bool live(const member_t *m)
{
    return str_eq_c(m->lifecycle, "Pending") || str_eq_c(m->lifecycle, "InService");
}

/* The group's zone with the fewest (most: !fewest) live instances; ties go
 * to the zone listed first. */
static str_t zone_pick(const asg__group_t *g, const member_t *m, size_t n, bool fewest)
{
    const val_t *zones = val_get(g->config, "AvailabilityZones");
    str_t best = STR_NULL;
    size_t best_n = 0;
    for (size_t z = 0; z < val_len(zones); z++) {
        str_t zone = zones->u.list.v[z]->u.s;
        size_t c = 0;
        for (size_t i = 0; i < n; i++) c += live(&m[i]) && str_eq(m[i].zone, zone) && (fewest || !m[i].protect);
        if (!fewest && !c) continue;
        if (!best.p || (fewest ? c < best_n : c > best_n)) best = zone, best_n = c;
    }
    return best;
}

static void launch(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, asg__group_t *g, member_t *m,
                   size_t n, int64_t count, int64_t *retry_at)
{
    str_t zone = zone_pick(g, m, n, true);
    if (!zone.p) return;
    const char *err = NULL;
    val_t *in = run_input(app, db, a, account, region, g, zone, &err);
    ec2_launched_t l;
    int rc = in ? ec2_launch(app, account, region, in, a, &l, &err) : 0;
    const char *cause = arena_printf(a,
                                     "%s%sAt %s an instance was started in response to a difference between desired "
                                     "and actual capacity, increasing the capacity from %lld to %lld.",
                                     g->cause.p ? arena_cstr(a, g->cause) : "", g->cause.p ? "  " : "",
                                     asg__iso(a, asg__now_ms()), (long long)count, (long long)g->desired);
    if (rc <= 0) {
        /* AWS (recorded): "Launching a new EC2 instance.  Status Reason: …
         * Launching EC2 instance failed." */
        const char *why = err ? err : "Internal error launching the instance";
        activity_add(
            db, a, account, region, g->name,
            arena_printf(a, "Launching a new EC2 instance.  Status Reason: %s. Launching EC2 instance failed.", why),
            cause, arena_printf(a, "{\"Availability Zone\":\"%.*s\"}", STR_FMT(zone)), "Failed",
            arena_printf(a, "%s. Launching EC2 instance failed.", why), NULL);
        *retry_at = asg__now_ms() + RETRY_MS;
        return;
    }
    bool protect = val_get_bool(g->config, "NewInstancesProtectedFromScaleIn", false);
    STORE_RUN(
        db,
        "INSERT INTO asg_instance (account, region, grp, instance_id, type, zone, lifecycle, health, launched_by, "
        "protected, launched_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Pending', 'Healthy', ?7, ?8, ?9)",
        arena_cstr(a, account), arena_cstr(a, region), arena_cstr(a, g->name), l.id, l.type, l.zone,
        arena_cstr(a, source_text(a, g->config)), protect ? "1" : "0", arena_lld(a, asg__now_ms()));
    activity_add(db, a, account, region, g->name, arena_printf(a, "Launching a new EC2 instance: %s", l.id), cause,
                 arena_printf(a, "{\"Availability Zone\":\"%s\"}", l.zone), "InProgress", NULL, l.id);
}

/* AWS's default termination policy: among unprotected live instances, the
 * zone with the most, then an instance of the oldest launch source (one
 * not the group's current one), then the oldest. */
static member_t *victim(const asg__group_t *g, arena_t *a, member_t *m, size_t n)
{
    str_t zone = zone_pick(g, m, n, false);
    str_t current = source_text(a, g->config);
    member_t *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!live(&m[i]) || m[i].protect || !str_eq(m[i].zone, zone)) continue;
        bool old = !str_eq(m[i].launched_by, current);
        if (!best || (old && str_eq(best->launched_by, current))) best = &m[i];
    }
    return best;
}

static void shrink(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, const asg__group_t *g,
                   member_t *m, size_t n, int64_t count)
{
    member_t *v = victim(g, a, m, n);
    if (!v) return;
    int64_t now = asg__now_ms();
    const char *when = asg__iso(a, now), *id = arena_cstr(a, v->id);
    /* AWS (recorded) */
    const char *cause = arena_printf(a,
                                     "%s%sAt %s an instance was taken out of service in response to a difference "
                                     "between desired and actual capacity, shrinking the capacity from %lld to %lld.  "
                                     "At %s instance %s was selected for termination.",
                                     g->cause.p ? arena_cstr(a, g->cause) : "", g->cause.p ? "  " : "", when,
                                     (long long)count, (long long)g->desired, when, id);
    STORE_RUN(db,
              "UPDATE asg_instance SET lifecycle = 'Terminating' WHERE account = ?1 AND region = ?2 AND instance_id = "
              "?3",
              arena_cstr(a, account), arena_cstr(a, region), id);
    v->lifecycle = STR("Terminating");
    activity_add(db, a, account, region, g->name, arena_printf(a, "Terminating EC2 instance: %s", id), cause,
                 arena_printf(a, "{\"Availability Zone\":\"%.*s\"}", STR_FMT(v->zone)), "InProgress", NULL, id);
    lbs_attach(app, g, account, region, v->id, false);
    ec2_terminate(app, account, region, v->id);
}

/* The group's enabled AWS/AutoScaling metrics, one data point each per
 * metrics period (a minute; pubmetrics.h), per AutoScalingGroupName. */
static int64_t published_ms;
static bool publish_due;

static void publish(struct app *app, const asg__group_t *g, str_t account, str_t region, const member_t *m, size_t n)
{
    const val_t *on = val_get(g->config, "EnabledMetrics");
    if (!publish_due || !val_len(on)) return;
    double pending = 0, in = 0, leaving = 0;
    for (size_t i = 0; i < n; i++) {
        pending += str_eq_c(m[i].lifecycle, "Pending");
        in += str_eq_c(m[i].lifecycle, "InService");
        leaving += str_eq_c(m[i].lifecycle, "Terminating");
    }
    pubm_dim_t dim = {"AutoScalingGroupName", g->name};
    for (size_t i = 0; i < val_len(on); i++) {
        str_t name = on->u.list.v[i]->u.s;
        for (size_t k = 0; asg__group_metrics[k]; k++) {
            const char *metric = asg__group_metrics[k];
            if (!str_eq_c(name, metric)) continue;
            /* an instance is one unit of capacity here (no weights) */
            double v = strstr(metric, "MinSize")       ? (double)g->min
                       : strstr(metric, "MaxSize")     ? (double)g->max
                       : strstr(metric, "Desired")     ? (double)g->desired
                       : strstr(metric, "InService")   ? in
                       : strstr(metric, "Pending")     ? pending
                       : strstr(metric, "Terminating") ? leaving
                       : strstr(metric, "Total")       ? pending + in + leaving
                                                       : 0; /* Standby: gureum has no standby */
            pubm_add(app, account, region, "AWS/AutoScaling", metric, &dim, 1, "None", v, false);
        }
    }
}

/* One group's pass. */
static void reconcile(struct app *app, sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name,
                      int64_t *retry_at)
{
    asg__group_t g;
    if (asg__group_get(db, a, account, region, name, &g) <= 0) return;
    member_t *m = NULL;
    size_t n = members(db, a, account, region, name, &m);
    follow_instances(app, db, a, account, region, &g, m, n);
    int64_t count = 0, leaving = 0;
    for (size_t i = 0; i < n; i++) count += live(&m[i]), leaving += str_eq_c(m[i].lifecycle, "Terminating");
    if (g.deleting && !count && !leaving) {
        static const char *const tables[] = {"asg_instance", "asg_activity", "asg_policy", "asg_tag"};
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            STORE_RUN(db, arena_printf(a, "DELETE FROM %s WHERE account = ?1 AND region = ?2 AND grp = ?3", tables[i]),
                      arena_cstr(a, account), arena_cstr(a, region), arena_cstr(a, name));
        STORE_RUN(db, "DELETE FROM asg WHERE account = ?1 AND region = ?2 AND name = ?3", arena_cstr(a, account),
                  arena_cstr(a, region), arena_cstr(a, name));
        return;
    }
    publish(app, &g, account, region, m, n);
    if (count < g.desired && *retry_at <= asg__now_ms()) {
        int64_t before = count;
        for (int64_t k = count; k < g.desired && *retry_at <= asg__now_ms(); k++) {
            launch(app, db, a, account, region, &g, m, n, before, retry_at);
            n = members(db, a, account, region, name, &m);
        }
    }
    for (int64_t k = count; k > g.desired; k--) {
        shrink(app, db, a, account, region, &g, m, n, count);
    }
}

/* The next launch retry of each group whose launch failed, by group. */
typedef struct {
    char key[320];
    int64_t at;
} retry_t;
static retry_t retries[64];

static int64_t *retry_slot(str_t account, str_t region, str_t name)
{
    char key[320];
    snprintf(key, sizeof key, "%.*s/%.*s/%.*s", STR_FMT(account), STR_FMT(region), STR_FMT(name));
    retry_t *free_slot = NULL;
    for (size_t i = 0; i < sizeof retries / sizeof retries[0]; i++) {
        if (!strcmp(retries[i].key, key)) return &retries[i].at;
        if (!free_slot && (!retries[i].key[0] || retries[i].at < asg__now_ms() - 60000)) free_slot = &retries[i];
    }
    if (!free_slot) free_slot = &retries[0];
    snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    free_slot->at = 0;
    return &free_slot->at;
}

unsigned autoscaling_tick(struct app *app)
{
    sqlite3 *db = asg__db(app);
    if (!db) return 0;
    arena_t *a = arena_new(0);
    if (!a) return 0;
    sqlite3_stmt *st = store_stmt(db, "SELECT account, region, name FROM asg ORDER BY account, region, name");
    str_t(*g)[3] = NULL;
    size_t n = 0;
    if (st) {
        g = (str_t(*)[3])arena_zalloc(a, sizeof *g * 1024);
        while (g && n < 1024 && sqlite3_step(st) == SQLITE_ROW)
            for (int k = 0; k < 3; k++) g[n][k] = store_col_str(a, st, k), n += k == 2;
        store_release(st);
    }
    int64_t now = asg__now_ms();
    publish_due = now - published_ms >= (int64_t)pubm_period_ms();
    if (publish_due) published_ms = now;
    for (size_t i = 0; i < n; i++) {
        int64_t *retry = retry_slot(g[i][0], g[i][1], g[i][2]);
        reconcile(app, db, a, g[i][0], g[i][1], g[i][2], retry);
    }
    arena_free(a);
    return 0;
}
