/* attr.c — Elastic Load Balancing v2's attributes: Describe/
 * ModifyLoadBalancerAttributes and Describe/ModifyTargetGroupAttributes.
 *
 * Each kind of load balancer (application, network) and of target group
 * (HTTP or TCP; gureum's targets are instances) has AWS's set of keys
 * with AWS's defaults (Elastic Load Balancing's API reference,
 * LoadBalancerAttribute and TargetGroupAttribute); a value set is kept
 * (elb2_attr) and reported, a key of another kind refused as AWS refuses
 * it. What the balancer here
 * acts on: deletion_protection.enabled (lb.c refuses DeleteLoadBalancer).
 * The others are kept and reported only: there are no access, connection
 * or health-check logs, the balancer forwards whole connections (no
 * idle timeout, HTTP header handling or stickiness of its own) and a
 * deregistered target stops at once (no deregistration delay). Texts are
 * AWS's where said "recorded"; the others are not on record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elbv2_model.h"
#include "services/app.h"
#include "services/elbv2/elbv2.h"

/* A key, its default, and its values: "bool", "int:LO:HI", "one|of|these"
 * or "" (any text). */
typedef struct {
    const char *key, *dflt, *values;
} attr_t;

#define LOGS(kind)                                                                                                     \
    {kind ".s3.enabled", "false", "bool"}, {kind ".s3.bucket", "", ""},                                                \
    {                                                                                                                  \
        kind ".s3.prefix", "", ""                                                                                      \
    }

static const attr_t ALB[] = {LOGS("access_logs"),
                             LOGS("connection_logs"),
                             LOGS("health_check_logs"),
                             {"client_keep_alive.seconds", "3600", "int:60:604800"},
                             {"deletion_protection.enabled", "false", "bool"},
                             {"idle_timeout.timeout_seconds", "60", "int:1:4000"},
                             {"load_balancing.cross_zone.enabled", "true", "bool"},
                             {"routing.http.desync_mitigation_mode", "defensive", "monitor|defensive|strictest"},
                             {"routing.http.drop_invalid_header_fields.enabled", "false", "bool"},
                             {"routing.http.preserve_host_header.enabled", "false", "bool"},
                             {"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false", "bool"},
                             {"routing.http.xff_client_port.enabled", "false", "bool"},
                             {"routing.http.xff_header_processing.mode", "append", "append|preserve|remove"},
                             {"routing.http2.enabled", "true", "bool"},
                             {"waf.fail_open.enabled", "false", "bool"},
                             {"zonal_shift.config.enabled", "false", "bool"},
                             {NULL, NULL, NULL}};

static const attr_t NLB[] = {LOGS("access_logs"),
                             {"deletion_protection.enabled", "false", "bool"},
                             {"dns_record.client_routing_policy", "any_availability_zone",
                              "availability_zone_affinity|partial_availability_zone_affinity|any_availability_zone"},
                             {"load_balancing.cross_zone.enabled", "false", "bool"},
                             {"zonal_shift.config.enabled", "false", "bool"},
                             {NULL, NULL, NULL}};

#define TG_HEALTH                                                                                                      \
    {"target_group_health.dns_failover.minimum_healthy_targets.count", "1", ""},                                       \
        {"target_group_health.dns_failover.minimum_healthy_targets.percentage", "off", ""},                            \
        {"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1", ""},                        \
    {                                                                                                                  \
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off", ""                    \
    }

static const attr_t TG_HTTP[] = {
    {"deregistration_delay.timeout_seconds", "300", "int:0:3600"},
    {"load_balancing.algorithm.anomaly_mitigation", "off", "on|off"},
    {"load_balancing.algorithm.type", "round_robin", "round_robin|least_outstanding_requests|weighted_random"},
    {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration",
     "true|false|use_load_balancer_configuration"},
    {"slow_start.duration_seconds", "0", "int:0:900"},
    {"stickiness.app_cookie.cookie_name", "", ""},
    {"stickiness.app_cookie.duration_seconds", "86400", "int:1:604800"},
    {"stickiness.enabled", "false", "bool"},
    {"stickiness.lb_cookie.duration_seconds", "86400", "int:1:604800"},
    {"stickiness.type", "lb_cookie", "lb_cookie|app_cookie"},
    TG_HEALTH,
    {NULL, NULL, NULL}};

static const attr_t TG_TCP[] = {{"deregistration_delay.connection_termination.enabled", "false", "bool"},
                                {"deregistration_delay.timeout_seconds", "300", "int:0:3600"},
                                {"load_balancing.cross_zone.enabled", "use_load_balancer_configuration",
                                 "true|false|use_load_balancer_configuration"},
                                {"preserve_client_ip.enabled", "true", "bool"},
                                {"proxy_protocol_v2.enabled", "false", "bool"},
                                {"stickiness.enabled", "false", "bool"},
                                {"stickiness.type", "source_ip", "source_ip"},
                                {"target_health_state.unhealthy.connection_termination.enabled", "true", "bool"},
                                {"target_health_state.unhealthy.draining_interval_seconds", "0", "int:0:360000"},
                                TG_HEALTH,
                                {NULL, NULL, NULL}};

/* Whether value is one of spec's values (see attr_t). */
static bool valid(const char *spec, str_t value)
{
    if (!*spec) return true;
    if (!strcmp(spec, "bool")) return str_eq_c(value, "true") || str_eq_c(value, "false");
    long long lo, hi, v;
    if (sscanf(spec, "int:%lld:%lld", &lo, &hi) == 2) return str_to_i64(value, &v) && v >= lo && v <= hi;
    for (const char *p = spec; *p;) {
        size_t len = strcspn(p, "|");
        if (value.len == len && !memcmp(value.p, p, len)) return true;
        p += len + (p[len] == '|');
    }
    return false;
}

/* The set of keys of a resource: a load balancer's type ("application",
 * "network") or a target group's protocol. */
static const attr_t *keys_of(const char *kind)
{
    if (!strcmp(kind, "application")) return ALB;
    if (!strcmp(kind, "network")) return NLB;
    return !strcmp(kind, "HTTP") || !strcmp(kind, "HTTPS") ? TG_HTTP : TG_TCP;
}

/* The attributes of arn, every key with its value (set, or the default),
 * as AWS lists them: {Key, Value} in key order. */
static val_t *attributes(req_t *r, sqlite3 *db, const attr_t *keys, str_t arn)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    sqlite3_stmt *st = store_stmt(db, "SELECT value FROM elb2_attr WHERE arn = ?1 AND key = ?2");
    if (!st) return NULL;
    for (const attr_t *k = keys; k->key; k++) {
        store_bind_str(st, 1, arn);
        sqlite3_bind_text(st, 2, k->key, -1, SQLITE_STATIC);
        const char *v =
            sqlite3_step(st) == SQLITE_ROW ? arena_strdup(a, (const char *)sqlite3_column_text(st, 0)) : k->dflt;
        sqlite3_reset(st);
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "Key", val_cstr(a, k->key));
        val_set_c(a, m, "Value", val_cstr(a, v));
        val_push(a, list, m);
    }
    store_release(st);
    return list;
}

/* The kind of the caller's resource arn: a load balancer's type, or a
 * target group's protocol; NULL when it has none (r failed as AWS
 * refuses) or on a failure. */
static const char *kind_of(req_t *r, sqlite3 *db, str_t arn, bool lb)
{
    sqlite3_stmt *st = store_stmt(db, lb ? "SELECT type FROM lb2 WHERE account = ?1 AND region = ?2 AND arn = ?3"
                                         : "SELECT coalesce(protocol, '') FROM tg WHERE account = ?1 AND region = ?2 "
                                           "AND arn = ?3");
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, arn);
    const char *kind = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) kind = arena_strdup(r->arena, (const char *)sqlite3_column_text(st, 0));
    if (store_release(st) != SQLITE_OK) return NULL;
    /* AWS (recorded) */
    if (!kind && lb) req_fail(r, &ELBV2_ERR_LoadBalancerNotFoundException, "One or more load balancers not found");
    if (!kind && !lb) req_fail(r, &ELBV2_ERR_TargetGroupNotFoundException, "One or more target groups not found");
    return kind;
}

/* Describe (in NULL) or modify the attributes of the resource that member
 * of in names: the whole list answered either way. */
static int serve_attributes(req_t *r, const val_t *in, val_t *out, const char *member, bool lb, bool modify)
{
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, member);
    const char *kind = kind_of(r, db, arn, lb);
    if (!kind) return GR_ERR;
    const attr_t *keys = keys_of(kind);
    const val_t *given = modify ? val_get(in, "Attributes") : NULL;
    for (size_t i = 0; i < val_len(given); i++) {
        str_t key = val_get_str(given->u.list.v[i], "Key"), value = val_get_str(given->u.list.v[i], "Value");
        const attr_t *k = keys;
        while (k->key && !str_eq_c(key, k->key)) k++;
        /* AWS (recorded): "Key connection_logs.s3.enabled not valid" */
        if (!k->key)
            return req_fail(r, &ELBV2_ERR_InvalidConfigurationRequestException, "Key %.*s not valid", STR_FMT(key));
        if (!valid(k->values, value))
            return req_fail(r, &ELBV2_ERR_InvalidConfigurationRequestException, "Value %.*s for key %s not valid",
                            STR_FMT(value), k->key);
    }
    if (val_len(given) && store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < val_len(given); i++) {
        sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO elb2_attr (arn, key, value) VALUES (?1, ?2, ?3)");
        ok = st != NULL;
        if (!ok) break;
        store_bind_str(st, 1, arn);
        store_bind_str(st, 2, val_get_str(given->u.list.v[i], "Key"));
        store_bind_str(st, 3, val_get_str(given->u.list.v[i], "Value"));
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (store_release(st) != SQLITE_OK) ok = false;
    }
    if (val_len(given) && (!ok || store_exec(db, "COMMIT") != GR_OK)) {
        store_exec(db, "ROLLBACK");
        return GR_ERR;
    }
    val_t *list = attributes(r, db, keys, arn);
    return list ? val_set_c(r->arena, out, "Attributes", list) : GR_ERR;
}

int elbv2_describe_load_balancer_attributes(req_t *r, const val_t *in, val_t *out)
{
    return serve_attributes(r, in, out, "LoadBalancerArn", true, false);
}

int elbv2_modify_load_balancer_attributes(req_t *r, const val_t *in, val_t *out)
{
    return serve_attributes(r, in, out, "LoadBalancerArn", true, true);
}

int elbv2_describe_target_group_attributes(req_t *r, const val_t *in, val_t *out)
{
    return serve_attributes(r, in, out, "TargetGroupArn", false, false);
}

int elbv2_modify_target_group_attributes(req_t *r, const val_t *in, val_t *out)
{
    return serve_attributes(r, in, out, "TargetGroupArn", false, true);
}

int elbv2__attr_is(sqlite3 *db, const char *arn, const char *key, const char *value)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM elb2_attr WHERE arn = ?1 AND key = ?2 AND value = ?3");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    bool is = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? is : -1;
}
