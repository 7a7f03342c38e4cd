/* tg.c — Elastic Load Balancing v2's target groups and targets:
 * Create/Describe/Modify/DeleteTargetGroup(s), Register/DeregisterTargets,
 * DescribeTargetHealth, and the C interface Auto Scaling registers its
 * instances through.
 *
 * Targets are EC2 instances (TargetType instance); balance.c health-checks
 * them inside their machines and forwards to the healthy ones. Texts are
 * AWS's where said "recorded". */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "elbv2_model.h"
#include "services/app.h"
#include "services/ec2/ec2.h"
#include "services/elbv2/elbv2.h"
#include "services/ownreq.h"

#define cs elbv2__cs

static bool tcp_protocol(str_t p)
{
    return str_eq_c(p, "TCP") || str_eq_c(p, "TLS") || str_eq_c(p, "UDP") || str_eq_c(p, "TCP_UDP");
}

#define TG_COLS                                                                                                        \
    "SELECT name, arn, protocol, port, vpc_id, target_type, hc_protocol, hc_port, hc_enabled, hc_interval, "           \
    "hc_timeout, hc_healthy, hc_unhealthy, hc_path, matcher FROM tg "

static val_t *tg_value(req_t *r, sqlite3 *db, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    str_t arn = store_col_str(a, st, 1), proto = store_col_str(a, st, 2);
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "TargetGroupArn", val_str(a, arn));
    val_set_c(a, v, "TargetGroupName", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, v, "Protocol", val_str(a, proto));
    val_set_c(a, v, "Port", val_int(a, sqlite3_column_int(st, 3)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) val_set_c(a, v, "VpcId", val_str(a, store_col_str(a, st, 4)));
    val_set_c(a, v, "HealthCheckProtocol", val_str(a, store_col_str(a, st, 6)));
    val_set_c(a, v, "HealthCheckPort", val_str(a, store_col_str(a, st, 7)));
    val_set_c(a, v, "HealthCheckEnabled", val_bool(a, sqlite3_column_int(st, 8)));
    val_set_c(a, v, "HealthCheckIntervalSeconds", val_int(a, sqlite3_column_int(st, 9)));
    val_set_c(a, v, "HealthCheckTimeoutSeconds", val_int(a, sqlite3_column_int(st, 10)));
    val_set_c(a, v, "HealthyThresholdCount", val_int(a, sqlite3_column_int(st, 11)));
    val_set_c(a, v, "UnhealthyThresholdCount", val_int(a, sqlite3_column_int(st, 12)));
    if (sqlite3_column_type(st, 13) != SQLITE_NULL)
        val_set_c(a, v, "HealthCheckPath", val_str(a, store_col_str(a, st, 13)));
    if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "HttpCode", val_str(a, store_col_str(a, st, 14)));
        val_set_c(a, v, "Matcher", m);
    }
    /* the load balancers whose listeners forward to it */
    val_t *lbs = val_new(a, VAL_LIST);
    sqlite3_stmt *l = store_stmt(db, "SELECT DISTINCT lb_arn FROM listener WHERE instr(actions, ?1) > 0");
    if (l) {
        store_bind_str(l, 1, arn);
        while (sqlite3_step(l) == SQLITE_ROW) val_push(a, lbs, val_str(a, store_col_str(a, l, 0)));
        store_release(l);
    }
    val_set_c(a, v, "LoadBalancerArns", lbs);
    val_set_c(a, v, "TargetType", val_str(a, store_col_str(a, st, 5)));
    if (!tcp_protocol(proto)) val_set_c(a, v, "ProtocolVersion", val_cstr(a, "HTTP1"));
    val_set_c(a, v, "IpAddressType", val_cstr(a, "ipv4"));
    return v;
}

/* A health check matcher's codes: "200", "200,302", "200-299". */
static bool matcher_ok(str_t m)
{
    if (!m.len) return false;
    for (size_t i = 0; i < m.len; i++)
        if (!isdigit((unsigned char)m.p[i]) && m.p[i] != ',' && m.p[i] != '-') return false;
    return true;
}

int elbv2_create_target_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "Name");
    if (elbv2__check_name(r, name, "Target group") != GR_OK) return GR_ERR;
    str_t type = val_get_str(in, "TargetType"), proto = val_get_str(in, "Protocol"), vpc = val_get_str(in, "VpcId");
    if (!type.p) type = STR("instance");
    if (!str_eq_c(type, "instance"))
        return req_fail(r, &ERR_ValidationError, "Target type '%.*s' is not served by gureum: use instance targets",
                        STR_FMT(type));
    /* AWS (recorded texts) */
    if (!proto.p) return req_fail(r, &ERR_ValidationError, "A protocol must be specified");
    if (!val_get(in, "Port")) return req_fail(r, &ERR_ValidationError, "A port must be specified");
    if (!vpc.p) return req_fail(r, &ERR_ValidationError, "A VPC ID must be specified");
    if (!str_eq_c(proto, "HTTP") && !str_eq_c(proto, "HTTPS") && !tcp_protocol(proto) && !str_eq_c(proto, "GENEVE"))
        return req_fail(r, &ERR_ValidationError, "Protocol '%.*s' is not valid", STR_FMT(proto));
    if (!str_eq_c(proto, "HTTP") && !str_eq_c(proto, "TCP"))
        return req_fail(r, &ERR_ValidationError,
                        "Target groups of protocol %.*s are not served by gureum: use HTTP or TCP", STR_FMT(proto));
    int64_t port = val_get_int(in, "Port", 0);
    if (port < 1 || port > 65535) return req_fail(r, &ERR_ValidationError, "A port must be 1-65535");
    bool tcp = tcp_protocol(proto);
    str_t hproto = val_get_str(in, "HealthCheckProtocol"), hport = val_get_str(in, "HealthCheckPort"),
          path = val_get_str(in, "HealthCheckPath"), match = val_get_str(val_get(in, "Matcher"), "HttpCode");
    if (!hproto.p) hproto = tcp ? STR("TCP") : STR("HTTP");
    if (!hport.p) hport = STR("traffic-port");
    bool http_check = str_eq_c(hproto, "HTTP") || str_eq_c(hproto, "HTTPS");
    if (str_eq_c(hproto, "HTTPS"))
        return req_fail(r, &ERR_ValidationError, "HTTPS health checks are not served by gureum: use HTTP or TCP");
    if (http_check && !path.p) path = STR("/");
    if (http_check && !match.p) match = STR("200");
    if (match.p && !matcher_ok(match))
        return req_fail(r, &ERR_ValidationError, "Health check matcher HTTP code '%.*s' must be within '200-499'",
                        STR_FMT(match));
    /* AWS's defaults: every 30 s, 5 s (HTTP) or 10 s (TCP) timeout, 5
     * passes healthy, 2 failures unhealthy */
    int64_t interval = val_get_int(in, "HealthCheckIntervalSeconds", 30),
            timeout = val_get_int(in, "HealthCheckTimeoutSeconds", tcp ? 10 : 5),
            healthy = val_get_int(in, "HealthyThresholdCount", 5),
            unhealthy = val_get_int(in, "UnhealthyThresholdCount", 2);
    /* AWS (recorded code; texts are the documented ranges) */
    if (interval < 5 || interval > 300)
        return req_fail(r, &ERR_ValidationError, "Health check interval must be between 5 and 300 seconds");
    if (timeout < 2 || timeout > 120 || timeout >= interval)
        return req_fail(r, &ERR_ValidationError,
                        "Health check timeout must be between 2 and 120 seconds and smaller than the interval");
    if (healthy < 2 || healthy > 10 || unhealthy < 2 || unhealthy > 10)
        return req_fail(r, &ERR_ValidationError, "Health check thresholds must be between 2 and 10");
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    const char *acct = arena_cstr(a, r->who.account), *reg = arena_cstr(a, r->region), *n = arena_cstr(a, name);
    sqlite3_stmt *st = store_stmt(db, TG_COLS "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, n, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* AWS: the same name with the same settings answers the group */
        bool same = str_eq(store_col_str(a, st, 2), proto) && sqlite3_column_int64(st, 3) == port &&
                    str_eq(store_col_str(a, st, 4), vpc);
        val_t *list = val_new(a, VAL_LIST);
        if (same) val_push(a, list, tg_value(r, db, st));
        store_release(st);
        /* AWS (recorded) */
        if (!same)
            return req_fail(r, &ELBV2_ERR_DuplicateTargetGroupNameException,
                            "A target group with the same name '%.*s' exists, but with different settings",
                            STR_FMT(name));
        return val_set_c(a, out, "TargetGroups", list);
    }
    store_release(st);
    const char *arn =
        arena_printf(a, "arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", reg, acct, n, elbv2__hex_id(a));
    bool ok =
        STORE_RUN(db,
                  "INSERT INTO tg (account, region, name, arn, protocol, port, vpc_id, target_type, hc_protocol, "
                  "hc_port, hc_enabled, hc_interval, hc_timeout, hc_healthy, hc_unhealthy, hc_path, matcher, "
                  "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                  "?17, ?18)",
                  acct, reg, n, arn, arena_cstr(a, proto), arena_lld(a, port), arena_cstr(a, vpc), arena_cstr(a, type),
                  arena_cstr(a, hproto), arena_cstr(a, hport), val_get_bool(in, "HealthCheckEnabled", true) ? "1" : "0",
                  arena_lld(a, interval), arena_lld(a, timeout), arena_lld(a, healthy), arena_lld(a, unhealthy),
                  arena_cstr(a, path), arena_cstr(a, match), arena_lld(a, time_now_us() / 1000));
    const val_t *tags = val_get(in, "Tags");
    for (size_t i = 0; ok && i < val_len(tags); i++) {
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        ok = STORE_RUN(db, "INSERT OR REPLACE INTO lb2_tag (arn, key, value, seq) VALUES (?1, ?2, ?3, ?4)", arn,
                       arena_cstr(a, val_get_str(tags->u.list.v[i], "Key")), v.p ? arena_cstr(a, v) : "",
                       arena_lld(a, (int64_t)i));
    }
    if (!ok) return GR_ERR;
    st = store_stmt(db, TG_COLS "WHERE arn = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    val_t *list = val_new(a, VAL_LIST);
    if (sqlite3_step(st) == SQLITE_ROW) val_push(a, list, tg_value(r, db, st));
    store_release(st);
    return val_set_c(a, out, "TargetGroups", list);
}

/* The target group arn of the account: GR_OK, or r failed as AWS refuses. */
static int need_tg(req_t *r, sqlite3 *db, str_t arn, int *port)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT port FROM tg WHERE account = ?1 AND region = ?2 AND arn = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, arn);
    bool have = sqlite3_step(st) == SQLITE_ROW;
    if (have && port) *port = sqlite3_column_int(st, 0);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (!have) return req_fail(r, &ELBV2_ERR_TargetGroupNotFoundException, "One or more target groups not found");
    return GR_OK;
}

int elbv2_describe_target_groups(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    const val_t *arns = val_get(in, "TargetGroupArns"), *names = val_get(in, "Names");
    str_t lb = val_get_str(in, "LoadBalancerArn");
    sqlite3_stmt *st = store_stmt(db, TG_COLS "WHERE account = ?1 AND region = ?2 AND (?3 IS NULL OR arn IN (SELECT "
                                              "t.arn FROM tg t, listener l WHERE l.lb_arn = ?3 AND instr(l.actions, "
                                              "t.arn) > 0)) ORDER BY created_ms, name");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    if (lb.p) store_bind_str(st, 3, lb);
    val_t *list = val_new(a, VAL_LIST);
    size_t found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t name = store_col_str(a, st, 0), arn = store_col_str(a, st, 1);
        bool want = !val_len(arns) && !val_len(names);
        for (size_t i = 0; !want && i < val_len(arns); i++) want = str_eq(arns->u.list.v[i]->u.s, arn);
        for (size_t i = 0; !want && i < val_len(names); i++) want = str_eq(names->u.list.v[i]->u.s, name);
        if (want) val_push(a, list, tg_value(r, db, st)), found++;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded) */
    if (found < val_len(arns) + val_len(names))
        return req_fail(r, &ELBV2_ERR_TargetGroupNotFoundException, "One or more target groups not found");
    return val_set_c(a, out, "TargetGroups", list);
}

int elbv2_modify_target_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "TargetGroupArn");
    if (need_tg(r, db, arn, NULL) != GR_OK) return GR_ERR;
    static const struct {
        const char *member, *column;
    } cols[] = {{"HealthCheckProtocol", "hc_protocol"},
                {"HealthCheckPort", "hc_port"},
                {"HealthCheckPath", "hc_path"},
                {"HealthCheckIntervalSeconds", "hc_interval"},
                {"HealthCheckTimeoutSeconds", "hc_timeout"},
                {"HealthyThresholdCount", "hc_healthy"},
                {"UnhealthyThresholdCount", "hc_unhealthy"}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const val_t *v = val_get(in, cols[i].member);
        if (!v) continue;
        const char *text = v->kind == VAL_INT ? arena_lld(a, v->u.i) : arena_cstr(a, v->u.s);
        if (!STORE_RUN(db, arena_printf(a, "UPDATE tg SET %s = ?2 WHERE arn = ?1", cols[i].column), arena_cstr(a, arn),
                       text))
            return GR_ERR;
    }
    if (val_get(in, "HealthCheckEnabled") &&
        !STORE_RUN(db, "UPDATE tg SET hc_enabled = ?2 WHERE arn = ?1", arena_cstr(a, arn),
                   val_get_bool(in, "HealthCheckEnabled", true) ? "1" : "0"))
        return GR_ERR;
    str_t match = val_get_str(val_get(in, "Matcher"), "HttpCode");
    if (match.p && !matcher_ok(match))
        return req_fail(r, &ERR_ValidationError, "Health check matcher HTTP code '%.*s' must be within '200-499'",
                        STR_FMT(match));
    if (match.p &&
        !STORE_RUN(db, "UPDATE tg SET matcher = ?2 WHERE arn = ?1", arena_cstr(a, arn), arena_cstr(a, match)))
        return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, TG_COLS "WHERE arn = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    val_t *list = val_new(a, VAL_LIST);
    if (sqlite3_step(st) == SQLITE_ROW) val_push(a, list, tg_value(r, db, st));
    store_release(st);
    return val_set_c(a, out, "TargetGroups", list);
}

int elbv2_delete_target_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "TargetGroupArn");
    sqlite3_stmt *st = store_stmt(db, "SELECT (SELECT count(*) FROM tg WHERE account = ?2 AND region = ?3 AND arn = "
                                      "?1), (SELECT count(*) FROM listener WHERE instr(actions, ?1) > 0)");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    store_bind_str(st, 2, r->who.account);
    store_bind_str(st, 3, r->region);
    int64_t have = 0, used = 0;
    if (sqlite3_step(st) == SQLITE_ROW) have = sqlite3_column_int64(st, 0), used = sqlite3_column_int64(st, 1);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: deleting one that is not there succeeds; one in use is refused (recorded) */
    if (!have) return GR_OK;
    if (used)
        return req_fail(r, &ELBV2_ERR_ResourceInUseException,
                        "Target group '%.*s' is currently in use by a listener "
                        "or a rule",
                        STR_FMT(arn));
    const char *x = arena_cstr(a, arn);
    if (!STORE_RUN(db, "DELETE FROM tg_target WHERE tg_arn = ?1", x) ||
        !STORE_RUN(db, "DELETE FROM lb2_tag WHERE arn = ?1", x) ||
        !STORE_RUN(db, "DELETE FROM elb2_attr WHERE arn = ?1", x) || !STORE_RUN(db, "DELETE FROM tg WHERE arn = ?1", x))
        return GR_ERR;
    elbv2__forget(x, NULL);
    return GR_OK;
}

/* ==== Targets ==== */

static int change_targets(req_t *r, const val_t *in, bool add)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "TargetGroupArn");
    int tg_port = 0;
    if (need_tg(r, db, arn, &tg_port) != GR_OK) return GR_ERR;
    const val_t *targets = val_get(in, "Targets");
    for (size_t i = 0; add && i < val_len(targets); i++) {
        str_t id = val_get_str(targets->u.list.v[i], "Id");
        ec2_target_t t;
        int f = ec2_instance_target(r->app, r->who.account, r->region, id, a, &t);
        if (f < 0) return GR_ERR;
        /* AWS (recorded) */
        if (!f || !strcmp(t.state, "terminated") || !strcmp(t.state, "shutting-down"))
            return req_fail(r, &ELBV2_ERR_InvalidTargetException,
                            "The following targets are not in a running state and cannot be registered: '%.*s'",
                            STR_FMT(id));
    }
    for (size_t i = 0; i < val_len(targets); i++) {
        const val_t *t = targets->u.list.v[i];
        const char *id = arena_cstr(a, val_get_str(t, "Id"));
        int64_t port = val_get_int(t, "Port", tg_port);
        bool ok = add ? STORE_RUN(db,
                                  "INSERT OR IGNORE INTO tg_target (tg_arn, target_id, port, seq) VALUES (?1, ?2, ?3, "
                                  "?4)",
                                  arena_cstr(a, arn), id, arena_lld(a, port), arena_lld(a, time_now_us()))
                      : STORE_RUN(db, "DELETE FROM tg_target WHERE tg_arn = ?1 AND target_id = ?2 AND port = ?3",
                                  arena_cstr(a, arn), id, arena_lld(a, port));
        if (!ok) return GR_ERR;
        if (!add) elbv2__forget(arena_cstr(a, arn), id);
    }
    return GR_OK;
}

int elbv2_register_targets(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return change_targets(r, in, true);
}

int elbv2_deregister_targets(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return change_targets(r, in, false);
}

int elbv2_describe_target_health(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = elbv2__db(r->app);
    if (!db) return GR_ERR;
    str_t arn = val_get_str(in, "TargetGroupArn");
    if (need_tg(r, db, arn, NULL) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT t.target_id, t.port, g.hc_port, (SELECT count(*) FROM listener l WHERE "
                                      "instr(l.actions, g.arn) > 0) FROM tg_target t JOIN tg g ON g.arn = t.tg_arn "
                                      "WHERE t.tg_arn = ?1 ORDER BY t.seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, arn);
    const val_t *asked = val_get(in, "Targets");
    val_t *list = val_new(a, VAL_LIST);
    const char *tg = arena_cstr(a, arn);
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t id = store_col_str(a, st, 0), hport = store_col_str(a, st, 2);
        int port = sqlite3_column_int(st, 1);
        bool want = !val_len(asked);
        for (size_t i = 0; !want && i < val_len(asked); i++)
            want = str_eq(val_get_str(asked->u.list.v[i], "Id"), id) &&
                   val_get_int(asked->u.list.v[i], "Port", port) == port;
        if (!want) continue;
        const char *state, *reason, *desc;
        elbv2__health(tg, arena_cstr(a, id), port, sqlite3_column_int(st, 3) > 0, &state, &reason, &desc);
        val_t *d = val_new(a, VAL_STRUCT), *t = val_new(a, VAL_STRUCT), *h = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Id", val_str(a, id));
        val_set_c(a, t, "Port", val_int(a, port));
        val_set_c(a, d, "Target", t);
        val_set_c(a, d, "HealthCheckPort",
                  val_cstr(a, str_eq_c(hport, "traffic-port") ? arena_lld(a, port) : arena_cstr(a, hport)));
        val_set_c(a, h, "State", val_cstr(a, state));
        if (reason) val_set_c(a, h, "Reason", val_cstr(a, reason));
        if (desc) val_set_c(a, h, "Description", val_cstr(a, arena_strdup(a, desc)));
        val_set_c(a, d, "TargetHealth", h);
        val_push(a, list, d);
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): a target asked for that is not registered is listed
     * as unused, Target.NotRegistered */
    for (size_t i = 0; i < val_len(asked); i++) {
        str_t id = val_get_str(asked->u.list.v[i], "Id");
        bool listed = false;
        for (size_t k = 0; !listed && k < val_len(list); k++)
            listed = str_eq(val_get_str(val_get(list->u.list.v[k], "Target"), "Id"), id);
        if (listed) continue;
        val_t *d = val_new(a, VAL_STRUCT), *h = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "Target", asked->u.list.v[i]);
        val_set_c(a, h, "State", val_cstr(a, "unused"));
        val_set_c(a, h, "Reason", val_cstr(a, "Target.NotRegistered"));
        val_set_c(a, h, "Description", val_cstr(a, "Target is not registered to the target group"));
        val_set_c(a, d, "TargetHealth", h);
        val_push(a, list, d);
    }
    return val_set_c(a, out, "TargetHealthDescriptions", list);
}

/* ==== For Auto Scaling ==== */

int elbv2_target_group_exists(struct app *app, str_t account, str_t region, str_t arn)
{
    sqlite3 *db = elbv2__db(app);
    sqlite3_stmt *st = db ? store_stmt(db, "SELECT 1 FROM tg WHERE account = ?1 AND region = ?2 AND arn = ?3") : NULL;
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, arn);
    int f = sqlite3_step(st) == SQLITE_ROW;
    return store_release(st) == SQLITE_OK ? f : -1;
}

int elbv2_attach(struct app *app, str_t account, str_t region, str_t arn, str_t instance, bool add)
{
    req_t *r = ownreq_new(app, account, region, add ? "elbv2-register" : "elbv2-deregister");
    if (!r) return -1;
    arena_t *a = r->arena;
    val_t *in = val_new(a, VAL_STRUCT), *list = val_new(a, VAL_LIST), *t = val_new(a, VAL_STRUCT);
    val_set_c(a, t, "Id", val_str(a, instance));
    val_push(a, list, t);
    val_set_c(a, in, "TargetGroupArn", val_str(a, arn));
    val_set_c(a, in, "Targets", list);
    int rc = change_targets(r, in, add) == GR_OK ? 1 : r->err ? 0 : -1;
    arena_free(r->arena);
    return rc;
}
