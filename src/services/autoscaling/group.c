/* group.c — Amazon EC2 Auto Scaling's API for launch configurations, groups,
 * their instances and their activities: Create/Describe/
 * DeleteLaunchConfiguration(s), Create/Describe/Update/DeleteAutoScalingGroup(s),
 * SetDesiredCapacity, DescribeAutoScalingInstances,
 * TerminateInstanceInAutoScalingGroup, DescribeScalingActivities and the
 * static Describe* lists.
 *
 * These handlers only record what the group should be; scale.c's tick
 * launches and terminates the instances that make it so, and writes the
 * activities. Texts are AWS's where said "recorded"; the others are not on
 * record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscaling_model.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/regions.h"
#include "schemas.h"
#include "services/app.h"
#include "services/autoscaling/autoscaling.h"
#include "services/ec2/ec2.h"
#include "services/elb/elb.h"
#include "services/elbv2/elbv2.h"
#include "services/page.h"

#define E_EXISTS (&AUTOSCALING_ERR_AlreadyExistsFault)
#define E_IN_USE (&AUTOSCALING_ERR_ResourceInUseFault)
#define E_ACTIVITY (&AUTOSCALING_ERR_ScalingActivityInProgressFault)
#define E_LIMIT (&AUTOSCALING_ERR_LimitExceededFault)

/* AWS (Auto Scaling quotas): 500 groups and 200 launch configurations per
 * region. */
enum { MAX_GROUPS = 500, MAX_LAUNCH_CONFIGS = 200 };

sqlite3 *asg__db(struct app *app)
{
    return store_db(app->store, &schema_autoscaling);
}

int64_t asg__now_ms(void)
{
    return time_now_us() / 1000;
}

const char *asg__iso(arena_t *a, int64_t ms)
{
    char t[40];
    time_fmt_iso8601(t, ms * 1000, false);
    return arena_strdup(a, t);
}

const char *asg__group_arn(arena_t *a, str_t account, str_t region, str_t uuid, str_t name)
{
    return arena_printf(a, "arn:aws:autoscaling:%.*s:%.*s:autoScalingGroup:%.*s:autoScalingGroupName/%.*s",
                        STR_FMT(region), STR_FMT(account), STR_FMT(uuid), STR_FMT(name));
}

static val_t *json_val(arena_t *a, str_t text)
{
    json_t *j = json_parse(a, text, NULL);
    return j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
}

/* in without the members named in drop (NULL-terminated), as JSON. */
static const char *config_text(arena_t *a, const val_t *in, const char *const *drop)
{
    val_t *c = val_new(a, VAL_STRUCT);
    for (size_t i = 0; in && i < in->u.obj.n; i++) {
        bool keep = true;
        for (size_t k = 0; keep && drop[k]; k++) keep = !str_eq_c(in->u.obj.e[i].key, drop[k]);
        if (keep) val_set(a, c, in->u.obj.e[i].key, in->u.obj.e[i].v);
    }
    return arena_cstr(a, val_json_text(a, c));
}

static int64_t count_of(sqlite3 *db, const char *sql, str_t account, str_t region)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return n;
}

/* ==== Launch configurations ==== */

/* 1 when the launch configuration exists, 0, -1. */
static int lc_exists(sqlite3 *db, str_t account, str_t region, str_t name)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT 1 FROM asg_launch_config WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? rc : -1;
}

int autoscaling_create_launch_configuration(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "LaunchConfigurationName");
    /* AWS (recorded, moto's text of it) */
    if (val_get_str(in, "InstanceId").p)
        return req_fail(r, &ERR_ValidationError,
                        "Launch configurations from an instance (InstanceId) are not served by gureum: give ImageId "
                        "and InstanceType");
    if (!val_get_str(in, "ImageId").p || !val_get_str(in, "InstanceType").p)
        return req_fail(r, &ERR_ValidationError,
                        "Valid requests must contain either the InstanceID parameter or both the ImageId and "
                        "InstanceType parameters.");
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    int e = lc_exists(db, r->who.account, r->region, name);
    if (e < 0) return GR_ERR;
    /* AWS (recorded) */
    if (e)
        return req_fail(r, E_EXISTS,
                        "Launch Configuration by this name already exists - A launch configuration "
                        "already exists with the name %.*s",
                        STR_FMT(name));
    int64_t n = count_of(db, "SELECT count(*) FROM asg_launch_config WHERE account = ?1 AND region = ?2",
                         r->who.account, r->region);
    if (n < 0) return GR_ERR;
    if (n >= MAX_LAUNCH_CONFIGS)
        return req_fail(r, E_LIMIT,
                        "Launch configuration limit exceeded. You cannot create more than %d launch "
                        "configurations in this region.",
                        MAX_LAUNCH_CONFIGS);
    static const char *const drop[] = {"LaunchConfigurationName", NULL};
    char uuid[37];
    id_uuid(uuid);
    return STORE_RUN(db,
                     "INSERT INTO asg_launch_config (account, region, name, uuid, config, created_ms) VALUES (?1, ?2, "
                     "?3, ?4, ?5, ?6)",
                     arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name), uuid,
                     config_text(a, in, drop), arena_lld(a, asg__now_ms()))
               ? GR_OK
               : GR_ERR;
}

static val_t *lc_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0), uuid = store_col_str(a, st, 1);
    val_t *c = json_val(a, store_col_str(a, st, 2));
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "LaunchConfigurationName", val_str(a, name));
    val_set_c(a, o, "LaunchConfigurationARN",
              val_cstr(a, arena_printf(a,
                                       "arn:aws:autoscaling:%.*s:%.*s:launchConfiguration:%.*s:"
                                       "launchConfigurationName/%.*s",
                                       STR_FMT(r->region), STR_FMT(r->who.account), STR_FMT(uuid), STR_FMT(name))));
    static const char *const copied[] = {"ImageId",
                                         "KeyName",
                                         "SecurityGroups",
                                         "UserData",
                                         "InstanceType",
                                         "BlockDeviceMappings",
                                         "IamInstanceProfile",
                                         "AssociatePublicIpAddress",
                                         "PlacementTenancy",
                                         "MetadataOptions",
                                         "SpotPrice",
                                         "EbsOptimized"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
        if (val_get(c, copied[i])) val_set_c(a, o, copied[i], val_get(c, copied[i]));
    /* AWS answers these even when they were not given */
    if (!val_get(o, "SecurityGroups")) val_set_c(a, o, "SecurityGroups", val_new(a, VAL_LIST));
    if (!val_get(o, "UserData")) val_set_c(a, o, "UserData", val_cstr(a, ""));
    if (!val_get(o, "KeyName")) val_set_c(a, o, "KeyName", val_cstr(a, ""));
    if (!val_get(o, "BlockDeviceMappings")) val_set_c(a, o, "BlockDeviceMappings", val_new(a, VAL_LIST));
    val_set_c(a, o, "KernelId", val_cstr(a, ""));
    val_set_c(a, o, "RamdiskId", val_cstr(a, ""));
    val_t *mon = val_new(a, VAL_STRUCT);
    val_set_c(a, mon, "Enabled", val_bool(a, val_get_bool(val_get(c, "InstanceMonitoring"), "Enabled", true)));
    val_set_c(a, o, "InstanceMonitoring", mon);
    if (!val_get(o, "EbsOptimized")) val_set_c(a, o, "EbsOptimized", val_bool(a, false));
    val_set_c(a, o, "CreatedTime", val_time(a, sqlite3_column_int64(st, 3) * 1000));
    return o;
}

int asg__page(req_t *r, sqlite3_stmt *st, int64_t limit, long long off, val_t *out, const char *member,
              page_item_fn item, void *ctx)
{
    int64_t n = page_rows(r, st, limit, out, member, item, ctx);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

int asg__paging(req_t *r, const val_t *in, int64_t *limit, long long *off)
{
    *limit = val_get_int(in, "MaxRecords", 50);
    if (*limit < 1 || *limit > 100) *limit = *limit < 1 ? 50 : 100;
    str_t tok = val_get_str(in, "NextToken");
    *off = 0;
    if (tok.p) {
        char buf[24];
        snprintf(buf, sizeof buf, "%.*s", (int)(tok.len < 23 ? tok.len : 23), tok.p);
        char *end;
        *off = strtoll(buf, &end, 10);
        if (!tok.len || *end || *off < 0)
            return req_fail(r, &AUTOSCALING_ERR_InvalidNextToken, "The token '%.*s' is invalid.", STR_FMT(tok));
    }
    return GR_OK;
}

/* The names of a Describe* (empty: all) as an SQL list "name IN (...)"
 * bound from ?3; NULL when none were named. */
static const char *named_in(arena_t *a, const val_t *names)
{
    if (!val_len(names)) return NULL;
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "name IN (");
    for (size_t i = 0; i < val_len(names); i++) buf_printf(&b, "%s?%zu", i ? ", " : "", i + 5);
    buf_putc(&b, ')');
    return arena_cstr(a, buf_str(&b));
}

static void bind_names(sqlite3_stmt *st, const val_t *names)
{
    for (size_t i = 0; i < val_len(names); i++) store_bind_str(st, (int)i + 5, names->u.list.v[i]->u.s);
}

/* One page of the rows of select ("SELECT … WHERE account = ?1 AND region
 * = ?2") named in names (all when empty), by name, as member of out. */
static int named_page(req_t *r, sqlite3 *db, const char *select, const val_t *names, int64_t limit, long long off,
                      val_t *out, const char *member, page_item_fn item, void *ctx)
{
    const char *where = named_in(r->arena, names);
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "%s %s%s ORDER BY name LIMIT ?3 OFFSET ?4", select,
                                                   where ? "AND " : "", where ? where : ""));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, limit + 1);
    sqlite3_bind_int64(st, 4, off);
    bind_names(st, names);
    return asg__page(r, st, limit, off, out, member, item, ctx);
}

int autoscaling_describe_launch_configurations(req_t *r, const val_t *in, val_t *out)
{
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    return named_page(r, db,
                      "SELECT name, uuid, config, created_ms FROM asg_launch_config WHERE account = ?1 AND "
                      "region = ?2",
                      val_get(in, "LaunchConfigurationNames"), limit, off, out, "LaunchConfigurations", lc_item, NULL);
}

int autoscaling_delete_launch_configuration(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "LaunchConfigurationName");
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    int e = lc_exists(db, r->who.account, r->region, name);
    if (e < 0) return GR_ERR;
    /* AWS (recorded) */
    if (!e) return req_fail(r, &ERR_ValidationError, "Launch configuration name not found - %.*s", STR_FMT(name));
    sqlite3_stmt *st = store_stmt(db, "SELECT name FROM asg WHERE account = ?1 AND region = ?2 AND "
                                      "json_extract(config, '$.LaunchConfigurationName') = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    bool used = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (used)
        return req_fail(r, E_IN_USE,
                        "Cannot delete launch configuration %.*s because it is attached to "
                        "AutoScalingGroup",
                        STR_FMT(name));
    return STORE_RUN(db, "DELETE FROM asg_launch_config WHERE account = ?1 AND region = ?2 AND name = ?3",
                     arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name))
               ? GR_OK
               : GR_ERR;
}

/* ==== Groups ==== */

int asg__group_get(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, asg__group_t *g)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT name, uuid, config, min_size, max_size, desired, cause, cooldown_ms, "
                                      "deleting FROM asg WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        g->name = store_col_str(a, st, 0);
        g->uuid = store_col_str(a, st, 1);
        g->config = json_val(a, store_col_str(a, st, 2));
        g->min = sqlite3_column_int64(st, 3);
        g->max = sqlite3_column_int64(st, 4);
        g->desired = sqlite3_column_int64(st, 5);
        g->cause = store_col_str(a, st, 6);
        g->cooldown_ms = sqlite3_column_int64(st, 7);
        g->deleting = sqlite3_column_int(st, 8);
        g->default_cooldown = val_get_int(g->config, "DefaultCooldown", 300);
    }
    if (store_release(st) != SQLITE_OK) return -1;
    return found;
}

bool asg__set_desired(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, int64_t desired,
                      const char *cause, int64_t cooldown_until_ms)
{
    return STORE_RUN(db,
                     "UPDATE asg SET desired = ?4, cause = ?5, cooldown_ms = max(cooldown_ms, ?6) WHERE account = ?1 "
                     "AND region = ?2 AND name = ?3",
                     arena_cstr(a, account), arena_cstr(a, region), arena_cstr(a, name), arena_lld(a, desired), cause,
                     arena_lld(a, cooldown_until_ms));
}

/* The group, or r failed as AWS refuses a name it does not have. */
static int need_group(req_t *r, sqlite3 *db, str_t name, asg__group_t *g)
{
    int f = asg__group_get(db, r->arena, r->who.account, r->region, name, g);
    if (f < 0) return GR_ERR;
    /* AWS (recorded) */
    if (!f || g->deleting)
        return req_fail(r, &ERR_ValidationError, "AutoScalingGroup name not found - AutoScalingGroup '%.*s' not found",
                        STR_FMT(name));
    return GR_OK;
}

static int check_sizes(req_t *r, int64_t min, int64_t max, int64_t desired)
{
    /* AWS (not on record) */
    if (min > max)
        return req_fail(r, &ERR_ValidationError, "Max bound, %lld, must be greater than or equal to min bound, %lld",
                        (long long)max, (long long)min);
    /* AWS (recorded) */
    if (desired < min || desired > max)
        return req_fail(r, &ERR_ValidationError,
                        "Desired capacity:%lld must be between the specified min size:%lld and max size:%lld",
                        (long long)desired, (long long)min, (long long)max);
    return GR_OK;
}

/* What the group launches from: exactly one of LaunchTemplate and
 * LaunchConfigurationName (mixed instances policies and InstanceId are
 * not served), checked as AWS checks it. */
static int check_launch_source(req_t *r, sqlite3 *db, const val_t *in, bool update, val_t **template)
{
    *template = NULL;
    const val_t *lt = val_get(in, "LaunchTemplate");
    str_t lc = val_get_str(in, "LaunchConfigurationName");
    if (val_get(in, "MixedInstancesPolicy") || val_get_str(in, "InstanceId").p)
        return req_fail(r, &ERR_ValidationError,
                        "MixedInstancesPolicy and InstanceId are not served by gureum: use LaunchTemplate or "
                        "LaunchConfigurationName");
    /* AWS (recorded, moto's text of it) */
    if ((lt && lc.p) || (!update && !lt && !lc.p))
        return req_fail(r, &ERR_ValidationError,
                        update ? "Valid requests must contain either LaunchTemplate, LaunchConfigurationName or "
                                 "MixedInstancesPolicy parameter."
                               : "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, "
                                 "InstanceId or MixedInstancesPolicy parameter.");
    if (lt) {
        str_t id = val_get_str(lt, "LaunchTemplateId"), name = val_get_str(lt, "LaunchTemplateName");
        /* AWS (recorded, moto's text of it) */
        if ((id.p && name.p) || (!id.p && !name.p))
            return req_fail(r, &ERR_ValidationError,
                            "Valid requests must contain either launchTemplateId or LaunchTemplateName");
        const char *tid, *tname, *tver;
        int f = ec2_template_resolve(r->app, r->who.account, r->region, id, name, val_get_str(lt, "Version"), r->arena,
                                     &tid, &tname, &tver);
        if (f < 0) return GR_ERR;
        /* AWS (not on record) */
        if (!f)
            return req_fail(r, &ERR_ValidationError,
                            "You must use a valid fully-formed launch template. The launch template %.*s (version "
                            "%s) does not exist.",
                            STR_FMT(id.p ? id : name),
                            val_get_str(lt, "Version").p ? arena_cstr(r->arena, val_get_str(lt, "Version"))
                                                         : "$Default");
        /* AWS answers the template by id and name, and the version as given */
        arena_t *a = r->arena;
        *template = val_new(a, VAL_STRUCT);
        val_set_c(a, *template, "LaunchTemplateId", val_cstr(a, tid));
        val_set_c(a, *template, "LaunchTemplateName", val_cstr(a, tname));
        val_set_c(a, *template, "Version", val_cstr(a, tver));
    }
    if (lc.p) {
        int e = lc_exists(db, r->who.account, r->region, lc);
        if (e < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!e)
            return req_fail(r, &ERR_ValidationError,
                            "Launch configuration name not found - Launch configuration %.*s "
                            "not found",
                            STR_FMT(lc));
    }
    return GR_OK;
}

/* Whether zone is one of region's (its name and one of its letters). */
static bool zone_of_region(str_t region, str_t zone)
{
    const region_t *rg = region_find(region);
    return rg && zone.len == region.len + 1 && !memcmp(zone.p, region.p, region.len) &&
           strchr(rg->letters, zone.p[region.len]);
}

/* The zones of VPCZoneIdentifier's subnets, or AvailabilityZones, checked;
 * in a list. NULL with r failed. */
static val_t *zones_of(req_t *r, const val_t *in)
{
    arena_t *a = r->arena;
    val_t *zones = val_new(a, VAL_LIST);
    str_t ids = val_get_str(in, "VPCZoneIdentifier");
    const char *vpc = NULL;
    while (ids.len) {
        size_t k = 0;
        while (k < ids.len && ids.p[k] != ',') k++;
        str_t id = str_trim(str_sub(ids, 0, k));
        ids = k < ids.len ? str_sub(ids, k + 1, ids.len - k - 1) : STR_NULL;
        if (!id.len) continue;
        ec2_subnet_info_t si;
        int f = ec2_subnet_info(r->app, r->who.account, r->region, id, a, &si);
        if (f < 0) return NULL;
        /* AWS (recorded) */
        if (!f) {
            req_fail(r, &ERR_ValidationError, "The subnet ID '%.*s' does not exist", STR_FMT(id));
            return NULL;
        }
        /* AWS (not on record) */
        if (vpc && strcmp(vpc, si.vpc_id)) {
            req_fail(r, &ERR_ValidationError, "The subnets of an Auto Scaling group must be in one VPC");
            return NULL;
        }
        vpc = si.vpc_id;
        bool have = false;
        for (size_t i = 0; !have && i < val_len(zones); i++) have = str_eq_c(zones->u.list.v[i]->u.s, si.zone);
        if (!have) val_push(a, zones, val_cstr(a, si.zone));
    }
    const val_t *azs = val_get(in, "AvailabilityZones");
    if (val_len(zones) && val_len(azs)) {
        for (size_t i = 0; i < val_len(azs); i++) {
            bool have = false;
            for (size_t k = 0; !have && k < val_len(zones); k++)
                have = str_eq(zones->u.list.v[k]->u.s, azs->u.list.v[i]->u.s);
            /* AWS (recorded, moto's text of it) */
            if (!have) {
                req_fail(r, &ERR_ValidationError,
                         "The availability zones of the specified subnets and the Auto Scaling group do not match");
                return NULL;
            }
        }
    }
    if (!val_len(zones)) {
        for (size_t i = 0; i < val_len(azs); i++) {
            str_t z = azs->u.list.v[i]->u.s;
            if (!zone_of_region(r->region, z)) {
                /* AWS (not on record) */
                req_fail(r, &ERR_ValidationError, "Invalid Availability Zone: %.*s", STR_FMT(z));
                return NULL;
            }
            val_push(a, zones, val_str(a, z));
        }
    }
    return zones;
}

/* Whether every name in list exists, by exists (1, 0, or < 0 on a
 * failure); AWS's refusal naming what (kind) may not be valid if not. */
static int check_exist(req_t *r, const val_t *list, int (*exists)(struct app *, str_t, str_t, str_t), const char *kind)
{
    for (size_t i = 0; i < val_len(list); i++) {
        int e = exists(r->app, r->who.account, r->region, list->u.list.v[i]->u.s);
        if (e < 0) return GR_ERR;
        /* AWS (recorded for load balancers; the same words for target groups) */
        if (!e)
            return req_fail(r, &ERR_ValidationError,
                            "Provided %s may not be valid. Please ensure they exist and try again.", kind);
    }
    return GR_OK;
}

static bool put_tags(req_t *r, sqlite3 *db, str_t grp, const val_t *tags)
{
    arena_t *a = r->arena;
    for (size_t i = 0; i < val_len(tags); i++) {
        const val_t *t = tags->u.list.v[i];
        str_t v = val_get_str(t, "Value");
        if (!STORE_RUN(db,
                       "INSERT OR REPLACE INTO asg_tag (account, region, grp, key, value, propagate) VALUES (?1, ?2, "
                       "?3, ?4, ?5, ?6)",
                       arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, grp),
                       arena_cstr(a, val_get_str(t, "Key")), v.p ? arena_cstr(a, v) : "",
                       val_get_bool(t, "PropagateAtLaunch", false) ? "1" : "0"))
            return false;
    }
    return true;
}

static const char *const group_members[] = {"AutoScalingGroupName", "MinSize", "MaxSize",
                                            "DesiredCapacity",      "Tags",    NULL};

int autoscaling_create_auto_scaling_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "AutoScalingGroupName");
    int64_t min = val_get_int(in, "MinSize", 0), max = val_get_int(in, "MaxSize", 0);
    int64_t desired = val_get_int(in, "DesiredCapacity", min);
    if (check_sizes(r, min, max, desired) != GR_OK) return GR_ERR;
    sqlite3 *db = asg__db(r->app);
    val_t *template;
    if (!db || check_launch_source(r, db, in, false, &template) != GR_OK) return GR_ERR;
    val_t *zones = zones_of(r, in);
    if (!zones) return GR_ERR;
    /* AWS (recorded) */
    if (!val_len(zones))
        return req_fail(r, &ERR_ValidationError, "At least one Availability Zone or VPC Subnet is required.");
    if (check_exist(r, val_get(in, "LoadBalancerNames"), elb_exists, "Load Balancers") != GR_OK ||
        check_exist(r, val_get(in, "TargetGroupARNs"), elbv2_target_group_exists, "Target Groups") != GR_OK)
        return GR_ERR;
    if (val_len(val_get(in, "TrafficSources")))
        return req_fail(r, &ERR_ValidationError,
                        "TrafficSources are not served by gureum: use TargetGroupARNs or "
                        "LoadBalancerNames");
    str_t hc = val_get_str(in, "HealthCheckType");
    if (hc.p && !str_eq_c(hc, "EC2") && !str_eq_c(hc, "ELB"))
        return req_fail(r, &ERR_ValidationError, "Health check type %.*s is not supported", STR_FMT(hc));
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    asg__group_t g;
    int f = asg__group_get(db, a, r->who.account, r->region, name, &g);
    int64_t n = count_of(db, "SELECT count(*) FROM asg WHERE account = ?1 AND region = ?2", r->who.account, r->region);
    if (f || n < 0 || n >= MAX_GROUPS) {
        store_exec(db, "ROLLBACK");
        if (f < 0 || n < 0) return GR_ERR;
        /* AWS (recorded) */
        if (f)
            return req_fail(r, E_EXISTS,
                            "AutoScalingGroup by this name already exists - A group with the name %.*s already exists",
                            STR_FMT(name));
        return req_fail(r, E_LIMIT, "You have reached your limit of %d Auto Scaling groups in this region.",
                        MAX_GROUPS);
    }
    val_t *c = json_val(a, str_c(config_text(a, in, group_members)));
    val_set_c(a, c, "AvailabilityZones", zones);
    if (template) val_set_c(a, c, "LaunchTemplate", template);
    char uuid[37];
    id_uuid(uuid);
    int64_t now = asg__now_ms();
    /* AWS (recorded): "At 2026-11-29T01:02:03Z a user request created an
     * AutoScalingGroup changing the desired capacity from 0 to 1." */
    const char *cause = arena_printf(a,
                                     "At %s a user request created an AutoScalingGroup changing the desired capacity "
                                     "from 0 to %lld.",
                                     asg__iso(a, now), (long long)desired);
    bool ok = STORE_RUN(db,
                        "INSERT INTO asg (account, region, name, uuid, config, min_size, max_size, desired, cause, "
                        "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name), uuid,
                        arena_cstr(a, val_json_text(a, c)), arena_lld(a, min), arena_lld(a, max), arena_lld(a, desired),
                        cause, arena_lld(a, now)) &&
              put_tags(r, db, name, val_get(in, "Tags"));
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    return GR_OK;
}

static val_t *launched_from(arena_t *a, str_t text)
{
    return json_val(a, text);
}

static void set_source(arena_t *a, val_t *o, const val_t *src)
{
    if (val_get(src, "LaunchTemplate")) val_set_c(a, o, "LaunchTemplate", val_get(src, "LaunchTemplate"));
    if (val_get(src, "LaunchConfigurationName"))
        val_set_c(a, o, "LaunchConfigurationName", val_get(src, "LaunchConfigurationName"));
}

/* The group's instances as AWS lists them in a group (name set: also
 * with AutoScalingGroupName, as DescribeAutoScalingInstances lists them). */
static val_t *instances(req_t *r, sqlite3 *db, str_t grp, bool with_group)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT instance_id, type, zone, lifecycle, health, launched_by, protected, grp "
                                      "FROM asg_instance WHERE account = ?1 AND region = ?2 AND grp = ?3 ORDER BY "
                                      "launched_ms, instance_id");
    if (!st) return list;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, grp);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *o = val_new(a, VAL_STRUCT);
        val_set_c(a, o, "InstanceId", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, o, "InstanceType", val_str(a, store_col_str(a, st, 1)));
        if (with_group) val_set_c(a, o, "AutoScalingGroupName", val_str(a, store_col_str(a, st, 7)));
        val_set_c(a, o, "AvailabilityZone", val_str(a, store_col_str(a, st, 2)));
        val_set_c(a, o, "LifecycleState", val_str(a, store_col_str(a, st, 3)));
        /* AWS: DescribeAutoScalingInstances spells it in capitals */
        str_t h = store_col_str(a, st, 4);
        val_set_c(a, o, "HealthStatus",
                  val_cstr(a, with_group ? (str_eq_c(h, "Healthy") ? "HEALTHY" : "UNHEALTHY") : arena_cstr(a, h)));
        set_source(a, o, launched_from(a, store_col_str(a, st, 5)));
        val_set_c(a, o, "ProtectedFromScaleIn", val_bool(a, sqlite3_column_int(st, 6)));
        val_push(a, list, o);
    }
    store_release(st);
    return list;
}

static val_t *group_tags(req_t *r, sqlite3 *db, str_t grp)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value, propagate FROM asg_tag WHERE account = ?1 AND region = ?2 "
                                      "AND grp = ?3 ORDER BY key");
    if (!st) return list;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, grp);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "ResourceId", val_str(a, grp));
        val_set_c(a, t, "ResourceType", val_cstr(a, "auto-scaling-group"));
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_set_c(a, t, "PropagateAtLaunch", val_bool(a, sqlite3_column_int(st, 2)));
        val_push(a, list, t);
    }
    store_release(st);
    return list;
}

static val_t *list_or_empty(arena_t *a, val_t *v)
{
    return v ? v : val_new(a, VAL_LIST);
}

/* Columns: name, uuid, config, min_size, max_size, desired, created_ms, deleting. */
static val_t *group_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    sqlite3 *db = ctx;
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0), uuid = store_col_str(a, st, 1);
    val_t *c = json_val(a, store_col_str(a, st, 2));
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "AutoScalingGroupName", val_str(a, name));
    val_set_c(a, o, "AutoScalingGroupARN", val_cstr(a, asg__group_arn(a, r->who.account, r->region, uuid, name)));
    set_source(a, o, c);
    val_set_c(a, o, "MinSize", val_int(a, sqlite3_column_int64(st, 3)));
    val_set_c(a, o, "MaxSize", val_int(a, sqlite3_column_int64(st, 4)));
    val_set_c(a, o, "DesiredCapacity", val_int(a, sqlite3_column_int64(st, 5)));
    val_set_c(a, o, "DefaultCooldown", val_int(a, val_get_int(c, "DefaultCooldown", 300)));
    val_set_c(a, o, "AvailabilityZones", list_or_empty(a, val_get(c, "AvailabilityZones")));
    val_set_c(a, o, "LoadBalancerNames", list_or_empty(a, val_get(c, "LoadBalancerNames")));
    val_set_c(a, o, "TargetGroupARNs", list_or_empty(a, val_get(c, "TargetGroupARNs")));
    str_t hc = val_get_str(c, "HealthCheckType");
    val_set_c(a, o, "HealthCheckType", val_cstr(a, hc.p ? arena_cstr(a, hc) : "EC2"));
    val_set_c(a, o, "HealthCheckGracePeriod", val_int(a, val_get_int(c, "HealthCheckGracePeriod", 0)));
    val_set_c(a, o, "Instances", instances(r, db, name, false));
    val_set_c(a, o, "CreatedTime", val_time(a, sqlite3_column_int64(st, 6) * 1000));
    val_set_c(a, o, "SuspendedProcesses", val_new(a, VAL_LIST));
    str_t vz = val_get_str(c, "VPCZoneIdentifier");
    if (vz.p) val_set_c(a, o, "VPCZoneIdentifier", val_str(a, vz));
    val_t *em = val_new(a, VAL_LIST);
    const val_t *on = val_get(c, "EnabledMetrics");
    for (size_t i = 0; i < val_len(on); i++) {
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "Metric", on->u.list.v[i]);
        val_set_c(a, m, "Granularity", val_cstr(a, "1Minute"));
        val_push(a, em, m);
    }
    val_set_c(a, o, "EnabledMetrics", em);
    if (sqlite3_column_int(st, 7)) val_set_c(a, o, "Status", val_cstr(a, "Delete in progress"));
    val_set_c(a, o, "Tags", group_tags(r, db, name));
    val_t *tp = val_get(c, "TerminationPolicies");
    if (!val_len(tp)) {
        tp = val_new(a, VAL_LIST);
        val_push(a, tp, val_cstr(a, "Default"));
    }
    val_set_c(a, o, "TerminationPolicies", tp);
    val_set_c(a, o, "NewInstancesProtectedFromScaleIn",
              val_bool(a, val_get_bool(c, "NewInstancesProtectedFromScaleIn", false)));
    val_set_c(a, o, "ServiceLinkedRoleARN",
              val_cstr(a, arena_printf(a,
                                       "arn:aws:iam::%.*s:role/aws-service-role/autoscaling.amazonaws.com/"
                                       "AWSServiceRoleForAutoScaling",
                                       STR_FMT(r->who.account))));
    val_set_c(a, o, "CapacityRebalance", val_bool(a, val_get_bool(c, "CapacityRebalance", false)));
    val_set_c(a, o, "TrafficSources", val_new(a, VAL_LIST));
    return o;
}

/* AWS: DescribeAutoScalingGroups Filters: tag:<key>, tag-key, tag-value,
 * each matching any of its values. */
static bool filters_pass(req_t *r, sqlite3 *db, str_t grp, const val_t *filters)
{
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t fname = val_get_str(filters->u.list.v[i], "Name");
        const val_t *vals = val_get(filters->u.list.v[i], "Values");
        bool by_key = str_starts_with(fname, STR("tag:"));
        const char *sql = by_key ? "SELECT 1 FROM asg_tag WHERE account = ?1 AND region = ?2 AND grp = ?3 AND key = "
                                   "?4 AND value = ?5"
                          : str_eq_c(fname, "tag-key")
                              ? "SELECT 1 FROM asg_tag WHERE account = ?1 AND region = ?2 AND grp = ?3 AND key = ?5"
                              : "SELECT 1 FROM asg_tag WHERE account = ?1 AND region = ?2 AND grp = ?3 AND value = ?5";
        bool any = false;
        for (size_t k = 0; !any && k < val_len(vals); k++) {
            sqlite3_stmt *st = store_stmt(db, sql);
            if (!st) return false;
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            store_bind_str(st, 3, grp);
            if (by_key) store_bind_str(st, 4, str_sub(fname, 4, fname.len - 4));
            store_bind_str(st, 5, vals->u.list.v[k]->u.s);
            any = sqlite3_step(st) == SQLITE_ROW;
            store_release(st);
        }
        if (!any) return false;
    }
    return true;
}

int autoscaling_describe_auto_scaling_groups(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    const val_t *filters = val_get(in, "Filters");
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t f = val_get_str(filters->u.list.v[i], "Name");
        /* AWS (not on record) */
        if (!str_starts_with(f, STR("tag:")) && !str_eq_c(f, "tag-key") && !str_eq_c(f, "tag-value"))
            return req_fail(r, &ERR_ValidationError, "Filter name %.*s is not valid", STR_FMT(f));
    }
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    const val_t *names = val_get(in, "AutoScalingGroupNames");
    const char *where = named_in(a, names);
    const char *cols = "SELECT name, uuid, config, min_size, max_size, desired, created_ms, deleting FROM asg WHERE "
                       "account = ?1 AND region = ?2";
    if (!val_len(filters)) return named_page(r, db, cols, names, limit, off, out, "AutoScalingGroups", group_item, db);
    /* with filters: the matching groups, paged after filtering */
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a, "%s %s%s ORDER BY name", cols, where ? "AND " : "", where ? where : ""));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    bind_names(st, names);
    str_t all[1024];
    size_t n = 0;
    while (n < 1024 && sqlite3_step(st) == SQLITE_ROW) all[n++] = store_col_str(a, st, 0);
    store_release(st);
    val_t *list = val_new(a, VAL_LIST);
    long long seen = 0;
    bool more = false;
    for (size_t i = 0; i < n; i++) {
        if (!filters_pass(r, db, all[i], filters)) continue;
        if (seen++ < off) continue;
        if ((int64_t)val_len(list) == limit) {
            more = true;
            break;
        }
        sqlite3_stmt *one = store_stmt(db, arena_printf(a, "%s AND name = ?3", cols));
        if (!one) return GR_ERR;
        store_bind_str(one, 1, r->who.account);
        store_bind_str(one, 2, r->region);
        store_bind_str(one, 3, all[i]);
        if (sqlite3_step(one) == SQLITE_ROW) val_push(a, list, group_item(r, one, db));
        store_release(one);
    }
    val_set_c(a, out, "AutoScalingGroups", list);
    if (more) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + limit)));
    return GR_OK;
}

int autoscaling_update_auto_scaling_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "AutoScalingGroupName");
    asg__group_t g;
    val_t *template;
    if (need_group(r, db, name, &g) != GR_OK || check_launch_source(r, db, in, true, &template) != GR_OK) return GR_ERR;
    int64_t min = val_get_int(in, "MinSize", g.min), max = val_get_int(in, "MaxSize", g.max);
    /* AWS: a new MinSize above the desired capacity raises it, a new MaxSize
     * below it lowers it, when DesiredCapacity is not given. */
    int64_t desired = val_get_int(in, "DesiredCapacity", g.desired < min ? min : g.desired > max ? max : g.desired);
    if (check_sizes(r, min, max, desired) != GR_OK) return GR_ERR;
    val_t *c = g.config;
    if (val_get_str(in, "VPCZoneIdentifier").p || val_len(val_get(in, "AvailabilityZones"))) {
        val_t *zones = zones_of(r, in);
        if (!zones) return GR_ERR;
        val_set_c(a, c, "AvailabilityZones", zones);
    }
    /* the members given replace the group's; a new launch source replaces the other kind */
    for (size_t i = 0; i < in->u.obj.n; i++) {
        str_t k = in->u.obj.e[i].key;
        bool sized = false;
        for (size_t j = 0; !sized && group_members[j]; j++) sized = str_eq_c(k, group_members[j]);
        if (sized || str_eq_c(k, "AvailabilityZones")) continue;
        val_set(a, c, k, in->u.obj.e[i].v);
    }
    if (template) val_set_c(a, c, "LaunchTemplate", template);
    val_t *kept = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < c->u.obj.n; i++) {
        str_t k = c->u.obj.e[i].key;
        if ((str_eq_c(k, "LaunchTemplate") && val_get_str(in, "LaunchConfigurationName").p) ||
            (str_eq_c(k, "LaunchConfigurationName") && val_get(in, "LaunchTemplate")))
            continue;
        val_set(a, kept, k, c->u.obj.e[i].v);
    }
    const char *cause = g.cause.p ? arena_cstr(a, g.cause) : NULL;
    if (desired != g.desired)
        /* AWS (recorded): "At T a user request update of AutoScalingGroup
         * constraints to min: 1, max: 3, desired: 2 changing the desired
         * capacity from 1 to 2." */
        cause = arena_printf(a,
                             "At %s a user request update of AutoScalingGroup constraints to min: %lld, max: %lld, "
                             "desired: %lld changing the desired capacity from %lld to %lld.",
                             asg__iso(a, asg__now_ms()), (long long)min, (long long)max, (long long)desired,
                             (long long)g.desired, (long long)desired);
    return STORE_RUN(db,
                     "UPDATE asg SET config = ?4, min_size = ?5, max_size = ?6, desired = ?7, cause = ?8 WHERE "
                     "account = ?1 AND region = ?2 AND name = ?3",
                     arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name),
                     arena_cstr(a, val_json_text(a, kept)), arena_lld(a, min), arena_lld(a, max), arena_lld(a, desired),
                     cause)
               ? GR_OK
               : GR_ERR;
}

int autoscaling_delete_auto_scaling_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "AutoScalingGroupName");
    asg__group_t g;
    if (need_group(r, db, name, &g) != GR_OK) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    if (!val_get_bool(in, "ForceDelete", false)) {
        sqlite3_stmt *st = store_stmt(db, "SELECT count(*), sum(lifecycle <> 'InService') FROM asg_instance WHERE "
                                          "account = ?1 AND region = ?2 AND grp = ?3");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        int64_t count = 0, moving = 0;
        if (sqlite3_step(st) == SQLITE_ROW) count = sqlite3_column_int64(st, 0), moving = sqlite3_column_int64(st, 1);
        if (store_release(st) != SQLITE_OK) return GR_ERR;
        /* AWS (recorded) */
        if (moving)
            return req_fail(r, E_ACTIVITY,
                            "You cannot delete an AutoScalingGroup while there are scaling "
                            "activities in progress for that group.");
        if (count)
            return req_fail(r, E_IN_USE,
                            "You cannot delete an AutoScalingGroup while there are instances or "
                            "pending Spot instance request(s) still in the group.");
    }
    /* The tick terminates what is left and then forgets the group. */
    if (!STORE_RUN(db,
                   "UPDATE asg SET deleting = 1, desired = 0, min_size = 0, cause = ?4 WHERE account = ?1 AND region = "
                   "?2 AND name = ?3",
                   acct, reg, n,
                   arena_printf(a,
                                "At %s a user request deleted the AutoScalingGroup changing the desired capacity "
                                "from %lld to 0.",
                                asg__iso(a, asg__now_ms()), (long long)g.desired)))
        return GR_ERR;
    asg__policies_drop(r->app, db, a, r->who.account, r->region, name);
    return GR_OK;
}

int autoscaling_set_desired_capacity(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "AutoScalingGroupName");
    asg__group_t g;
    if (need_group(r, db, name, &g) != GR_OK) return GR_ERR;
    int64_t d = val_get_int(in, "DesiredCapacity", 0), now = asg__now_ms();
    /* AWS (recorded) */
    if (d > g.max)
        return req_fail(r, &ERR_ValidationError,
                        "New SetDesiredCapacity value %lld is above max value %lld for the "
                        "AutoScalingGroup.",
                        (long long)d, (long long)g.max);
    if (d < g.min)
        return req_fail(r, &ERR_ValidationError,
                        "New SetDesiredCapacity value %lld is below min value %lld for the "
                        "AutoScalingGroup.",
                        (long long)d, (long long)g.min);
    /* AWS: HonorCooldown refuses while the group's cooldown runs */
    if (val_get_bool(in, "HonorCooldown", false) && g.cooldown_ms > now)
        return req_fail(r, E_ACTIVITY,
                        "Scaling activity is in progress or the cooldown period of the group has "
                        "not ended");
    if (d == g.desired) return GR_OK;
    /* AWS (recorded): "At T a user request explicitly set group desired
     * capacity changing the desired capacity from 1 to 3." */
    const char *cause = arena_printf(a,
                                     "At %s a user request explicitly set group desired capacity changing the desired "
                                     "capacity from %lld to %lld.",
                                     asg__iso(a, now), (long long)g.desired, (long long)d);
    return asg__set_desired(db, a, r->who.account, r->region, name, d, cause, 0) ? GR_OK : GR_ERR;
}

int autoscaling_describe_auto_scaling_instances(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    const val_t *ids = val_get(in, "InstanceIds");
    sqlite3_stmt *st = store_stmt(db, "SELECT DISTINCT grp FROM asg_instance WHERE account = ?1 AND region = ?2 "
                                      "ORDER BY grp");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    str_t groups[1024];
    size_t ng = 0;
    while (ng < 1024 && sqlite3_step(st) == SQLITE_ROW) groups[ng++] = store_col_str(a, st, 0);
    store_release(st);
    val_t *list = val_new(a, VAL_LIST);
    long long seen = 0;
    bool more = false;
    for (size_t i = 0; i < ng && !more; i++) {
        val_t *l = instances(r, db, groups[i], true);
        for (size_t k = 0; k < val_len(l); k++) {
            str_t id = val_get_str(l->u.list.v[k], "InstanceId");
            bool want = !val_len(ids);
            for (size_t j = 0; !want && j < val_len(ids); j++) want = str_eq(ids->u.list.v[j]->u.s, id);
            if (!want || seen++ < off) continue;
            if ((int64_t)val_len(list) == limit) {
                more = true;
                break;
            }
            val_push(a, list, l->u.list.v[k]);
        }
    }
    val_set_c(a, out, "AutoScalingInstances", list);
    if (more) val_set_c(a, out, "NextToken", val_cstr(a, arena_printf(a, "%lld", off + limit)));
    return GR_OK;
}

int autoscaling_terminate_instance_in_auto_scaling_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t id = val_get_str(in, "InstanceId");
    bool decrement = val_get_bool(in, "ShouldDecrementDesiredCapacity", false);
    sqlite3_stmt *st = store_stmt(db, "SELECT grp, lifecycle FROM asg_instance WHERE account = ?1 AND region = ?2 AND "
                                      "instance_id = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, id);
    str_t grp = STR_NULL, life = STR_NULL;
    if (sqlite3_step(st) == SQLITE_ROW) grp = store_col_str(a, st, 0), life = store_col_str(a, st, 1);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (!grp.p)
        return req_fail(r, &ERR_ValidationError,
                        "Instance Id not found - No managed instance found for "
                        "instance ID: %.*s",
                        STR_FMT(id));
    asg__group_t g;
    if (need_group(r, db, grp, &g) != GR_OK) return GR_ERR;
    int64_t now = asg__now_ms();
    const char *when = asg__iso(a, now);
    if (decrement && g.desired - 1 < g.min) /* AWS (recorded) */
        return req_fail(r, &ERR_ValidationError,
                        "Currently, desiredSize equals minSize (%lld). Terminating instance "
                        "without replacement will violate group's min size constraint. "
                        "Either set shouldDecrementDesiredCapacity flag to false or lower "
                        "group's min size.",
                        (long long)g.min);
    /* AWS (recorded): the activity's cause and description */
    const char *cause =
        decrement ? arena_printf(a,
                                 "At %s instance %.*s was taken out of service in response to a user request, "
                                 "shrinking the capacity from %lld to %lld.",
                                 when, STR_FMT(id), (long long)g.desired, (long long)g.desired - 1)
                  : arena_printf(a, "At %s instance %.*s was taken out of service in response to a user request.", when,
                                 STR_FMT(id));
    char aid[37];
    id_uuid(aid);
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *gn = arena_cstr(a, grp),
               *iid = arena_cstr(a, id);
    const char *desc = arena_printf(a, "Terminating EC2 instance: %s", iid);
    bool ok = store_exec(db, "BEGIN IMMEDIATE") == GR_OK;
    ok = ok && (str_eq_c(life, "Terminating") ||
                (STORE_RUN(db,
                           "UPDATE asg_instance SET lifecycle = 'Terminating' WHERE account = ?1 AND region = ?2 AND "
                           "instance_id = ?3",
                           acct, reg, iid) &&
                 STORE_RUN(db,
                           "INSERT INTO asg_activity (account, region, grp, id, description, cause, start_ms, status, "
                           "progress, details, instance_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'InProgress', 0, ?8, "
                           "?9)",
                           acct, reg, gn, aid, desc, cause, arena_lld(a, now), "{}", iid)));
    if (ok && decrement)
        ok = STORE_RUN(db, "UPDATE asg SET desired = desired - 1 WHERE account = ?1 AND region = ?2 AND name = ?3",
                       acct, reg, gn);
    if (!ok || store_exec(db, "COMMIT") != GR_OK) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    if (!str_eq_c(life, "Terminating")) {
        for (size_t i = 0; i < val_len(val_get(g.config, "TargetGroupARNs")); i++)
            elbv2_attach(r->app, r->who.account, r->region, val_get(g.config, "TargetGroupARNs")->u.list.v[i]->u.s, id,
                         false);
        for (size_t i = 0; i < val_len(val_get(g.config, "LoadBalancerNames")); i++)
            elb_attach(r->app, r->who.account, r->region, val_get(g.config, "LoadBalancerNames")->u.list.v[i]->u.s, id,
                       false);
        ec2_terminate(r->app, r->who.account, r->region, id);
    }
    val_t *act = val_new(a, VAL_STRUCT);
    val_set_c(a, act, "ActivityId", val_cstr(a, arena_strdup(a, aid)));
    val_set_c(a, act, "AutoScalingGroupName", val_str(a, grp));
    val_set_c(a, act, "Description", val_cstr(a, desc));
    val_set_c(a, act, "Cause", val_cstr(a, cause));
    val_set_c(a, act, "StartTime", val_time(a, now * 1000));
    val_set_c(a, act, "StatusCode", val_cstr(a, "InProgress"));
    val_set_c(a, act, "Progress", val_int(a, 0));
    val_set_c(a, act, "Details", val_cstr(a, "{}"));
    return val_set_c(a, out, "Activity", act);
}

/* ==== Activities ==== */

/* Columns: grp, id, description, cause, start_ms, end_ms, status, message, progress, details. */
static val_t *activity_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *o = val_new(a, VAL_STRUCT);
    val_set_c(a, o, "ActivityId", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, o, "AutoScalingGroupName", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, o, "Description", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, o, "Cause", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, o, "StartTime", val_time(a, sqlite3_column_int64(st, 4) * 1000));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        val_set_c(a, o, "EndTime", val_time(a, sqlite3_column_int64(st, 5) * 1000));
    val_set_c(a, o, "StatusCode", val_str(a, store_col_str(a, st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL)
        val_set_c(a, o, "StatusMessage", val_str(a, store_col_str(a, st, 7)));
    val_set_c(a, o, "Progress", val_int(a, sqlite3_column_int(st, 8)));
    val_set_c(a, o, "Details", val_str(a, store_col_str(a, st, 9)));
    return o;
}

int autoscaling_describe_scaling_activities(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t grp = val_get_str(in, "AutoScalingGroupName");
    const val_t *ids = val_get(in, "ActivityIds");
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "SELECT grp, id, description, cause, start_ms, end_ms, status, message, progress, details FROM "
                 "asg_activity WHERE account = ?1 AND region = ?2");
    if (grp.p) buf_puts(&b, " AND grp = ?3");
    if (val_len(ids)) {
        buf_puts(&b, " AND id IN (");
        for (size_t i = 0; i < val_len(ids); i++) buf_printf(&b, "%s?%zu", i ? ", " : "", i + 6);
        buf_putc(&b, ')');
    }
    /* AWS: newest first */
    buf_puts(&b, " ORDER BY seq DESC LIMIT ?4 OFFSET ?5");
    sqlite3_stmt *st = store_stmt(db, arena_cstr(a, buf_str(&b)));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (grp.p) store_bind_str(st, 3, grp);
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    for (size_t i = 0; i < val_len(ids); i++) store_bind_str(st, (int)i + 6, ids->u.list.v[i]->u.s);
    return asg__page(r, st, limit, off, out, "Activities", activity_item, NULL);
}

/* ==== Static lists ==== */

static val_t *strings(arena_t *a, const char *const *s, const char *member)
{
    val_t *l = val_new(a, VAL_LIST);
    for (size_t i = 0; s[i]; i++) {
        val_t *v = val_cstr(a, s[i]);
        if (member) {
            val_t *o = val_new(a, VAL_STRUCT);
            val_set_c(a, o, member, v);
            v = o;
        }
        val_push(a, l, v);
    }
    return l;
}

int autoscaling_describe_adjustment_types(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    static const char *const types[] = {"ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity", NULL};
    return val_set_c(r->arena, out, "AdjustmentTypes", strings(r->arena, types, "AdjustmentType"));
}

int autoscaling_describe_termination_policy_types(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    /* AWS's list (the API reference) */
    static const char *const types[] = {
        "AllocationStrategy",        "ClosestToNextInstanceHour", "Default", "NewestInstance", "OldestInstance",
        "OldestLaunchConfiguration", "OldestLaunchTemplate",      NULL};
    return val_set_c(r->arena, out, "TerminationPolicyTypes", strings(r->arena, types, NULL));
}

int autoscaling_describe_account_limits(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    int64_t groups =
                count_of(db, "SELECT count(*) FROM asg WHERE account = ?1 AND region = ?2", r->who.account, r->region),
            lcs = count_of(db, "SELECT count(*) FROM asg_launch_config WHERE account = ?1 AND region = ?2",
                           r->who.account, r->region);
    if (groups < 0 || lcs < 0) return GR_ERR;
    val_set_c(a, out, "MaxNumberOfAutoScalingGroups", val_int(a, MAX_GROUPS));
    val_set_c(a, out, "MaxNumberOfLaunchConfigurations", val_int(a, MAX_LAUNCH_CONFIGS));
    val_set_c(a, out, "NumberOfAutoScalingGroups", val_int(a, groups));
    val_set_c(a, out, "NumberOfLaunchConfigurations", val_int(a, lcs));
    return GR_OK;
}

/* ==== Tags ==== */

/* Each tag's group (ResourceId, ResourceType auto-scaling-group) exists:
 * GR_OK, or r failed. */
static int tags_groups(req_t *r, sqlite3 *db, const val_t *tags)
{
    for (size_t i = 0; i < val_len(tags); i++) {
        const val_t *t = tags->u.list.v[i];
        str_t type = val_get_str(t, "ResourceType"), id = val_get_str(t, "ResourceId");
        /* AWS (not on record) */
        if (type.p && !str_eq_c(type, "auto-scaling-group"))
            return req_fail(r, &ERR_ValidationError, "Invalid resource type %.*s: only auto-scaling-group",
                            STR_FMT(type));
        asg__group_t g;
        if (need_group(r, db, id, &g) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

int autoscaling_create_or_update_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = asg__db(r->app);
    const val_t *tags = val_get(in, "Tags");
    if (!db || tags_groups(r, db, tags) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        val_t *one = val_new(r->arena, VAL_LIST);
        val_push(r->arena, one, tags->u.list.v[i]);
        ok = put_tags(r, db, val_get_str(tags->u.list.v[i], "ResourceId"), one);
    }
    /* AWS (Auto Scaling quotas): 50 tags per group */
    sqlite3_stmt *st = ok ? store_stmt(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM asg_tag WHERE account = ?1 "
                                           "AND region = ?2 GROUP BY grp)")
                          : NULL;
    int64_t most = 0;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        most = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        store_release(st);
    }
    if (!ok || most > 50) {
        store_exec(db, "ROLLBACK");
        return ok ? req_fail(r, E_LIMIT, "Number of tags exceeds the limit of 50 for an Auto Scaling group") : GR_ERR;
    }
    return store_exec(db, "COMMIT") == GR_OK ? GR_OK : GR_ERR;
}

int autoscaling_delete_tags(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    const val_t *tags = val_get(in, "Tags");
    if (!db || tags_groups(r, db, tags) != GR_OK) return GR_ERR;
    for (size_t i = 0; i < val_len(tags); i++) {
        const val_t *t = tags->u.list.v[i];
        /* AWS: a Value given must match */
        if (!STORE_RUN(db,
                       "DELETE FROM asg_tag WHERE account = ?1 AND region = ?2 AND grp = ?3 AND key = ?4 AND (?5 IS "
                       "NULL OR value = ?5)",
                       arena_cstr(a, r->who.account), arena_cstr(a, r->region),
                       arena_cstr(a, val_get_str(t, "ResourceId")), arena_cstr(a, val_get_str(t, "Key")),
                       arena_cstr(a, val_get_str(t, "Value"))))
            return GR_ERR;
    }
    return GR_OK;
}

/* Columns: grp, key, value, propagate. */
static val_t *tag_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *t = val_new(a, VAL_STRUCT);
    val_set_c(a, t, "ResourceId", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, t, "ResourceType", val_cstr(a, "auto-scaling-group"));
    val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, t, "PropagateAtLaunch", val_bool(a, sqlite3_column_int(st, 3)));
    return t;
}

int autoscaling_describe_tags(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t limit;
    long long off;
    if (asg__paging(r, in, &limit, &off) != GR_OK) return GR_ERR;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    /* AWS: filters auto-scaling-group, key, value, propagate-at-launch; a
     * tag passes when it matches a value of each */
    static const struct {
        const char *name, *column;
    } cols[] = {
        {"auto-scaling-group", "grp"}, {"key", "key"}, {"value", "value"}, {"propagate-at-launch", "propagate"}};
    const val_t *filters = val_get(in, "Filters");
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "SELECT grp, key, value, propagate FROM asg_tag WHERE account = ?1 AND region = ?2");
    int arg = 5;
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t name = val_get_str(filters->u.list.v[i], "Name");
        const char *col = NULL;
        for (size_t k = 0; k < sizeof cols / sizeof cols[0] && !col; k++)
            if (str_eq_c(name, cols[k].name)) col = cols[k].column;
        /* AWS (not on record) */
        if (!col) return req_fail(r, &ERR_ValidationError, "Filter name %.*s is not valid", STR_FMT(name));
        const val_t *vals = val_get(filters->u.list.v[i], "Values");
        buf_printf(&b, " AND %s IN (", col);
        for (size_t k = 0; k < val_len(vals); k++) buf_printf(&b, "%s?%d", k ? ", " : "", arg++);
        if (!val_len(vals)) buf_puts(&b, "NULL");
        buf_putc(&b, ')');
    }
    buf_puts(&b, " ORDER BY grp, key LIMIT ?3 OFFSET ?4");
    sqlite3_stmt *st = store_stmt(db, arena_cstr(a, buf_str(&b)));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, limit + 1);
    sqlite3_bind_int64(st, 4, off);
    arg = 5;
    for (size_t i = 0; i < val_len(filters); i++) {
        str_t name = val_get_str(filters->u.list.v[i], "Name");
        const val_t *vals = val_get(filters->u.list.v[i], "Values");
        for (size_t k = 0; k < val_len(vals); k++) {
            str_t v = vals->u.list.v[k]->u.s;
            if (str_eq_c(name, "propagate-at-launch"))
                sqlite3_bind_int(st, arg++, str_eq_c(v, "true"));
            else
                store_bind_str(st, arg++, v);
        }
    }
    return asg__page(r, st, limit, off, out, "Tags", tag_item, NULL);
}

/* ==== Group metrics ==== */

/* AWS's group metrics (User Guide, "Amazon CloudWatch metrics for Amazon EC2
 * Auto Scaling"), warm pools' aside. */
const char *const asg__group_metrics[] = {"GroupMinSize",
                                          "GroupMaxSize",
                                          "GroupDesiredCapacity",
                                          "GroupInServiceInstances",
                                          "GroupPendingInstances",
                                          "GroupStandbyInstances",
                                          "GroupTerminatingInstances",
                                          "GroupTotalInstances",
                                          "GroupInServiceCapacity",
                                          "GroupPendingCapacity",
                                          "GroupStandbyCapacity",
                                          "GroupTerminatingCapacity",
                                          "GroupTotalCapacity",
                                          NULL};

static int metrics_change(req_t *r, const val_t *in, bool enable)
{
    arena_t *a = r->arena;
    sqlite3 *db = asg__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "AutoScalingGroupName");
    asg__group_t g;
    if (need_group(r, db, name, &g) != GR_OK) return GR_ERR;
    /* AWS (not on record): the one granularity is 1Minute */
    if (enable && !str_eq_c(val_get_str(in, "Granularity"), "1Minute"))
        return req_fail(r, &ERR_ValidationError, "Valid value for Granularity is 1Minute");
    const val_t *asked = val_get(in, "Metrics");
    for (size_t i = 0; i < val_len(asked); i++) {
        bool known = false;
        for (size_t k = 0; !known && asg__group_metrics[k]; k++)
            known = str_eq_c(asked->u.list.v[i]->u.s, asg__group_metrics[k]);
        if (!known) return req_fail(r, &ERR_ValidationError, "Invalid metric: %.*s", STR_FMT(asked->u.list.v[i]->u.s));
    }
    /* the enabled set after the change: none named means all */
    const val_t *now = val_get(g.config, "EnabledMetrics");
    val_t *after = val_new(a, VAL_LIST);
    for (size_t k = 0; asg__group_metrics[k]; k++) {
        bool named = !val_len(asked), on = false;
        for (size_t i = 0; !named && i < val_len(asked); i++)
            named = str_eq_c(asked->u.list.v[i]->u.s, asg__group_metrics[k]);
        for (size_t i = 0; !on && i < val_len(now); i++) on = str_eq_c(now->u.list.v[i]->u.s, asg__group_metrics[k]);
        if (enable ? on || named : on && !named) val_push(a, after, val_cstr(a, asg__group_metrics[k]));
    }
    val_set_c(a, g.config, "EnabledMetrics", after);
    return STORE_RUN(db, "UPDATE asg SET config = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3",
                     arena_cstr(a, r->who.account), arena_cstr(a, r->region), arena_cstr(a, name),
                     arena_cstr(a, val_json_text(a, g.config)))
               ? GR_OK
               : GR_ERR;
}

int autoscaling_enable_metrics_collection(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return metrics_change(r, in, true);
}

int autoscaling_disable_metrics_collection(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return metrics_change(r, in, false);
}

int autoscaling_describe_metric_collection_types(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    arena_t *a = r->arena;
    static const char *const granularities[] = {"1Minute", NULL};
    val_set_c(a, out, "Metrics", strings(a, asg__group_metrics, "Metric"));
    return val_set_c(a, out, "Granularities", strings(a, granularities, "Granularity"));
}
