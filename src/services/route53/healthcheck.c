/* healthcheck.c — Amazon Route 53 health checks: CreateHealthCheck,
 * GetHealthCheck, ListHealthChecks, GetHealthCheckCount, UpdateHealthCheck,
 * DeleteHealthCheck, GetHealthCheckStatus, and the checker that probes them
 * from the registry's tick (route53_tick) so failover and multivalue records
 * answer by health (r53__healthy, asked by resolve.c).
 *
 * The checker only ever connects to loopback addresses: a check whose
 * IPAddress is not in 127.0.0.0/8 or ::1 is kept as configured but observed
 * as failed without a packet being sent (gureum is a local cloud; AWS itself
 * refuses loopback targets, which here are the only useful ones). HTTP and
 * TCP checks are really run; HTTPS checks are observed as failed (no TLS
 * client here). CALCULATED checks count their children's health.
 * Texts are AWS's as recorded where said; the others are not on record. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/id.h"
#include "route53_model.h"
#include "services/app.h"
#include "services/route53/route53.h"

#define E_INPUT (&ROUTE53_ERR_InvalidInput)
#define E_NOCHECK (&ROUTE53_ERR_NoSuchHealthCheck)

/* The columns check_value reads, in this order. */
#define HC_COLS                                                                                                        \
    "SELECT id, caller, version, type, ip, port, path, fqdn, search, interval_s, threshold, inverted, disabled, "      \
    "latency, sni, children, child_min, status, checked_ms, healthy FROM healthcheck "

/* AWS: the regions whose checkers observe a check when Regions is not given. */
static const char *const checker_regions[] = {"us-east-1",      "us-west-1",      "us-west-2",      "eu-west-1",
                                              "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"};

static bool is_http(const char *t)
{
    return strncmp(t, "HTTP", 4) == 0;
}

/* ==== Reading ==== */

static val_t *check_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *hc = val_new(a, VAL_STRUCT), *cfg = val_new(a, VAL_STRUCT);
    val_set_c(a, hc, "Id", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, hc, "CallerReference", val_str(a, store_col_str(a, st, 1)));
    const char *type = (const char *)sqlite3_column_text(st, 3);
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) val_set_c(a, cfg, "IPAddress", val_str(a, store_col_str(a, st, 4)));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) val_set_c(a, cfg, "Port", val_int(a, sqlite3_column_int64(st, 5)));
    val_set_c(a, cfg, "Type", val_cstr(a, arena_strdup(a, type)));
    if (sqlite3_column_type(st, 6) != SQLITE_NULL)
        val_set_c(a, cfg, "ResourcePath", val_str(a, store_col_str(a, st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL)
        val_set_c(a, cfg, "FullyQualifiedDomainName", val_str(a, store_col_str(a, st, 7)));
    if (sqlite3_column_type(st, 8) != SQLITE_NULL)
        val_set_c(a, cfg, "SearchString", val_str(a, store_col_str(a, st, 8)));
    bool calc = strcmp(type, "CALCULATED") == 0;
    if (!calc) {
        val_set_c(a, cfg, "RequestInterval", val_int(a, sqlite3_column_int64(st, 9)));
        val_set_c(a, cfg, "FailureThreshold", val_int(a, sqlite3_column_int64(st, 10)));
        val_set_c(a, cfg, "MeasureLatency", val_bool(a, sqlite3_column_int(st, 13)));
    }
    val_set_c(a, cfg, "Inverted", val_bool(a, sqlite3_column_int(st, 11)));
    val_set_c(a, cfg, "Disabled", val_bool(a, sqlite3_column_int(st, 12)));
    if (calc) {
        val_set_c(a, cfg, "HealthThreshold", val_int(a, sqlite3_column_int64(st, 16)));
        val_t *kids = val_new(a, VAL_LIST);
        const char *c = (const char *)sqlite3_column_text(st, 15);
        while (c && *c) {
            const char *nl = strchr(c, '\n');
            size_t n = nl ? (size_t)(nl - c) : strlen(c);
            val_push(a, kids, val_cstr(a, arena_strndup(a, c, n)));
            c = nl ? nl + 1 : c + n;
        }
        val_set_c(a, cfg, "ChildHealthChecks", kids);
    }
    if (sqlite3_column_type(st, 14) != SQLITE_NULL)
        val_set_c(a, cfg, "EnableSNI", val_bool(a, sqlite3_column_int(st, 14)));
    val_set_c(a, hc, "HealthCheckConfig", cfg);
    return val_set_c(a, hc, "HealthCheckVersion", val_int(a, sqlite3_column_int64(st, 2))) == GR_OK ? hc : NULL;
}

/* The row (HC_COLS) of the check id names in the caller's account, stepped
 * and to be released; NULL with r failed (NoSuchHealthCheck) or the store's error. */
static sqlite3_stmt *find_check(req_t *r, sqlite3 *db, str_t id)
{
    sqlite3_stmt *st = store_stmt(db, HC_COLS "WHERE id = ?1 AND account = ?2");
    if (!st) return NULL;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    store_release(st);
    /* Not on record from AWS; moto answers this text. */
    req_fail(r, E_NOCHECK, "A health check with id %.*s does not exist.", STR_FMT(id));
    return NULL;
}

static int answer_check(req_t *r, sqlite3 *db, str_t id, val_t *out)
{
    sqlite3_stmt *st = find_check(r, db, id);
    if (!st) return GR_ERR;
    val_t *hc = check_value(r, st);
    if (store_release(st) != SQLITE_OK || !hc) return GR_ERR;
    return val_set_c(r->arena, out, "HealthCheck", hc);
}

/* ==== Writing ==== */

typedef struct {
    str_t type, ip, path, fqdn, search;
    int64_t port, interval, threshold, child_min;
    bool inverted, disabled, latency, has_sni, sni;
    const char *children; /* newline-joined, or NULL */
} hc_cfg_t;

/* cfg from a HealthCheckConfig (create) or an UpdateHealthCheck request
 * (update: members absent keep *c's values); AWS's rules for the members. */
static int read_cfg(req_t *r, const val_t *in, hc_cfg_t *c, bool create)
{
    arena_t *a = r->arena;
    if (create) {
        c->type = val_get_str(in, "Type");
        c->interval = val_get_int(in, "RequestInterval", 30);
        c->latency = val_get_bool(in, "MeasureLatency", false);
    }
    if (val_get(in, "IPAddress")) c->ip = val_get_str(in, "IPAddress");
    if (val_get(in, "ResourcePath")) c->path = val_get_str(in, "ResourcePath");
    if (val_get(in, "FullyQualifiedDomainName")) c->fqdn = val_get_str(in, "FullyQualifiedDomainName");
    if (val_get(in, "SearchString")) c->search = val_get_str(in, "SearchString");
    if (val_get(in, "Port")) c->port = val_get_int(in, "Port", 0);
    c->threshold = val_get_int(in, "FailureThreshold", create ? 3 : c->threshold);
    c->inverted = val_get_bool(in, "Inverted", c->inverted);
    c->disabled = val_get_bool(in, "Disabled", c->disabled);
    if (val_get(in, "EnableSNI")) c->has_sni = true, c->sni = val_get_bool(in, "EnableSNI", false);
    c->child_min = val_get_int(in, "HealthThreshold", c->child_min);
    const val_t *kids = val_get(in, "ChildHealthChecks");
    if (kids) {
        char *s = arena_strdup(a, "");
        for (size_t i = 0; i < val_len(kids); i++) {
            str_t k = kids->u.list.v[i]->u.s;
            s = arena_printf(a, "%s%s%.*s", s, i ? "\n" : "", STR_FMT(k));
        }
        c->children = s;
    }
    const char *t = arena_strndup(a, c->type.p, c->type.len);
    if (strcmp(t, "CALCULATED") == 0) {
        if (c->child_min < 0 || c->child_min > 256)
            return req_fail(r, E_INPUT, "HealthThreshold must be between 0 and 256");
        return GR_OK;
    }
    if (strcmp(t, "HTTP") && strcmp(t, "HTTPS") && strcmp(t, "HTTP_STR_MATCH") && strcmp(t, "HTTPS_STR_MATCH") &&
        strcmp(t, "TCP"))
        return req_fail(r, E_INPUT, "Health check type %s is not supported", t);
    if (!c->ip.len && !c->fqdn.len)
        return req_fail(r, E_INPUT, "Either IPAddress or FullyQualifiedDomainName must be specified");
    if (c->ip.len) {
        unsigned char buf[16];
        char *ip = arena_strndup(a, c->ip.p, c->ip.len);
        if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
            return req_fail(r, E_INPUT, "Invalid IP address: %s", ip);
    }
    if (!c->port) {
        if (strcmp(t, "TCP") == 0) return req_fail(r, E_INPUT, "Port is required for TCP health checks");
        c->port = strncmp(t, "HTTPS", 5) == 0 ? 443 : 80;
    }
    if (c->port < 1 || c->port > 65535) return req_fail(r, E_INPUT, "Port must be between 1 and 65535");
    /* AWS: RequestInterval 10 or 30 s; FailureThreshold 1 to 10. */
    if (c->interval != 10 && c->interval != 30) return req_fail(r, E_INPUT, "RequestInterval must be 10 or 30");
    if (c->threshold < 1 || c->threshold > 10) return req_fail(r, E_INPUT, "FailureThreshold must be between 1 and 10");
    bool match = strstr(t, "STR_MATCH") != NULL;
    if (match && !c->search.len) return req_fail(r, E_INPUT, "SearchString is required for %s health checks", t);
    if (!is_http(t) && c->path.len) return req_fail(r, E_INPUT, "ResourcePath is not allowed for TCP health checks");
    return GR_OK;
}

static void bind_opt(sqlite3_stmt *st, int i, str_t s)
{
    if (s.len) store_bind_str(st, i, s);
}

/* The members create and update both write, as ?2 to ?12. */
static void bind_cfg(sqlite3_stmt *st, const hc_cfg_t *c)
{
    bind_opt(st, 2, c->ip);
    if (c->port) sqlite3_bind_int64(st, 3, c->port);
    bind_opt(st, 4, c->path);
    bind_opt(st, 5, c->fqdn);
    bind_opt(st, 6, c->search);
    sqlite3_bind_int64(st, 7, c->threshold);
    sqlite3_bind_int(st, 8, c->inverted);
    sqlite3_bind_int(st, 9, c->disabled);
    if (c->has_sni) sqlite3_bind_int(st, 10, c->sni);
    if (c->children) sqlite3_bind_text(st, 11, c->children, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, c->child_min);
}

int route53_create_health_check(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *cfgv = val_get(in, "HealthCheckConfig");
    hc_cfg_t c = {0};
    if (read_cfg(r, cfgv, &c, true) != GR_OK) return GR_ERR;
    str_t caller = val_get_str(in, "CallerReference");
    sqlite3 *db = r53__db(r->app);
    if (!db || r53__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, type, ip, port FROM healthcheck WHERE account = ?1 AND caller = ?2");
    if (!st) return r53__end(db, false), GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, caller);
    const char *same = NULL;
    bool clash = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* AWS: the same CallerReference with the same settings answers the
         * existing check; with other settings, HealthCheckAlreadyExists. */
        str_t t = store_col_str(a, st, 1), ip = store_col_str(a, st, 2);
        if (str_eq(t, c.type) && str_eq(ip, c.ip) && sqlite3_column_int64(st, 3) == c.port)
            same = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        else
            clash = true;
    }
    if (store_release(st) != SQLITE_OK) return r53__end(db, false), GR_ERR;
    if (same || clash) {
        r53__end(db, false);
        if (clash)
            return req_fail(r, &ROUTE53_ERR_HealthCheckAlreadyExists,
                            "A health check with the caller reference %.*s already exists with other settings.",
                            STR_FMT(caller));
        if (answer_check(r, db, str_c(same), out) != GR_OK) return GR_ERR;
        return val_set_c(a, out, "Location",
                         val_cstr(a, arena_printf(a, "https://route53.amazonaws.com/2013-04-01/healthcheck/%s", same)));
    }
    char id[37];
    id_uuid(id);
    st = store_stmt(db, "INSERT INTO healthcheck (id, ip, port, path, fqdn, search, threshold, inverted, disabled, "
                        "sni, children, child_min, account, caller, type, interval_s, latency, version, next_ms, "
                        "healthy, streak, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                        "?15, ?16, ?17, 1, 0, 1, 0, (SELECT coalesce(max(seq), 0) + 1 FROM healthcheck))");
    if (!st) return r53__end(db, false), GR_ERR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bind_cfg(st, &c);
    store_bind_str(st, 13, r->who.account);
    store_bind_str(st, 14, caller);
    store_bind_str(st, 15, c.type);
    sqlite3_bind_int64(st, 16, c.interval);
    sqlite3_bind_int(st, 17, c.latency);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    ok = store_release(st) == SQLITE_OK && ok;
    if (r53__end(db, ok) != GR_OK) return GR_ERR;
    if (answer_check(r, db, str_c(id), out) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "Location",
                     val_cstr(a, arena_printf(a, "https://route53.amazonaws.com/2013-04-01/healthcheck/%s", id)));
}

int route53_get_health_check(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = r53__db(r->app);
    return db ? answer_check(r, db, val_get_str(in, "HealthCheckId"), out) : GR_ERR;
}

int route53_list_health_checks(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t smax = val_get_str(in, "MaxItems"), marker = val_get_str(in, "Marker");
    long long max = 100;
    /* AWS: MaxItems up to 1000 for health checks; more is answered as 1000. */
    if (smax.p && (!str_to_i64(smax, &max) || max < 1)) return req_fail(r, E_INPUT, "Invalid value for MaxItems");
    if (max > 1000) max = 1000;
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, HC_COLS "WHERE account = ?1 AND (?2 IS NULL OR seq >= (SELECT seq FROM "
                                              "healthcheck WHERE id = ?2)) ORDER BY seq LIMIT ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, marker);
    sqlite3_bind_int64(st, 3, max + 1);
    val_t *list = val_new(a, VAL_LIST);
    long long n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == max) {
            val_set_c(a, out, "NextMarker", val_str(a, store_col_str(a, st, 0)));
            break;
        }
        val_push(a, list, check_value(r, st));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    val_set_c(a, out, "HealthChecks", list);
    val_set_c(a, out, "Marker", val_str(a, marker.p ? marker : str_c("")));
    val_set_c(a, out, "IsTruncated", val_bool(a, n > max));
    return val_set_c(a, out, "MaxItems", val_cstr(a, arena_printf(a, "%lld", max)));
}

int route53_get_health_check_count(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM healthcheck WHERE account = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return GR_ERR;
    return val_set_c(r->arena, out, "HealthCheckCount", val_int(r->arena, n));
}

int route53_update_health_check(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t id = val_get_str(in, "HealthCheckId");
    sqlite3 *db = r53__db(r->app);
    if (!db || r53__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = find_check(r, db, id);
    if (!st) return r53__end(db, false), GR_ERR;
    hc_cfg_t c = {.type = store_col_str(a, st, 3),
                  .ip = store_col_str(a, st, 4),
                  .port = sqlite3_column_int64(st, 5),
                  .path = store_col_str(a, st, 6),
                  .fqdn = store_col_str(a, st, 7),
                  .search = store_col_str(a, st, 8),
                  .interval = sqlite3_column_int64(st, 9),
                  .threshold = sqlite3_column_int64(st, 10),
                  .inverted = sqlite3_column_int(st, 11),
                  .disabled = sqlite3_column_int(st, 12),
                  .latency = sqlite3_column_int(st, 13),
                  .has_sni = sqlite3_column_type(st, 14) != SQLITE_NULL,
                  .sni = sqlite3_column_int(st, 14),
                  .child_min = sqlite3_column_int64(st, 16)};
    if (sqlite3_column_type(st, 15) != SQLITE_NULL)
        c.children = arena_strdup(a, (const char *)sqlite3_column_text(st, 15));
    int64_t version = sqlite3_column_int64(st, 2);
    if (store_release(st) != SQLITE_OK) return r53__end(db, false), GR_ERR;
    if (val_get(in, "HealthCheckVersion") && val_get_int(in, "HealthCheckVersion", 0) != version) {
        r53__end(db, false);
        return req_fail(r, &ROUTE53_ERR_HealthCheckVersionMismatch,
                        "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion "
                        "in the health check.");
    }
    /* AWS: ResetElements returns these members to their defaults. */
    const val_t *reset = val_get(in, "ResetElements");
    for (size_t i = 0; reset && i < val_len(reset); i++) {
        str_t e = reset->u.list.v[i]->u.s;
        if (str_eq(e, str_c("ResourcePath"))) c.path = STR_NULL;
        if (str_eq(e, str_c("FullyQualifiedDomainName"))) c.fqdn = STR_NULL;
        if (str_eq(e, str_c("ChildHealthChecks"))) c.children = NULL;
    }
    if (read_cfg(r, in, &c, false) != GR_OK) return r53__end(db, false), GR_ERR;
    st = store_stmt(db, "UPDATE healthcheck SET version = version + 1, ip = ?2, port = ?3, path = ?4, fqdn = ?5, "
                        "search = ?6, threshold = ?7, inverted = ?8, disabled = ?9, sni = ?10, children = ?11, "
                        "child_min = ?12, next_ms = 0, streak = 0 WHERE id = ?1");
    if (!st) return r53__end(db, false), GR_ERR;
    store_bind_str(st, 1, id);
    bind_cfg(st, &c);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    ok = store_release(st) == SQLITE_OK && ok;
    if (r53__end(db, ok) != GR_OK) return GR_ERR;
    return answer_check(r, db, id, out);
}

int route53_delete_health_check(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t id = val_get_str(in, "HealthCheckId");
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = find_check(r, db, id);
    if (!st) return GR_ERR;
    store_release(st);
    if (r53__begin(db) != GR_OK) return GR_ERR;
    st = store_stmt(db, "DELETE FROM healthcheck WHERE id = ?1 AND account = ?2");
    bool ok = st != NULL;
    if (st) {
        store_bind_str(st, 1, id);
        store_bind_str(st, 2, r->who.account);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && r53__tags_drop(db, "healthcheck", arena_strndup(r->arena, id.p, id.len)) == GR_OK;
    return r53__end(db, ok);
}

int route53_get_health_check_status(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = find_check(r, db, val_get_str(in, "HealthCheckId"));
    if (!st) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    /* A check not probed yet has no observations, as a new AWS check. */
    if (sqlite3_column_type(st, 17) != SQLITE_NULL && strcmp((const char *)sqlite3_column_text(st, 3), "CALCULATED")) {
        str_t status = store_col_str(a, st, 17);
        int64_t ms = sqlite3_column_int64(st, 18);
        for (size_t i = 0; i < sizeof checker_regions / sizeof *checker_regions; i++) {
            val_t *o = val_new(a, VAL_STRUCT), *rep = val_new(a, VAL_STRUCT);
            val_set_c(a, o, "Region", val_cstr(a, checker_regions[i]));
            /* The checker's own address: loopback, where gureum probes from. */
            val_set_c(a, o, "IPAddress", val_cstr(a, "127.0.0.1"));
            val_set_c(a, rep, "Status", val_str(a, status));
            val_set_c(a, rep, "CheckedTime", val_time(a, ms * 1000));
            val_set_c(a, o, "StatusReport", rep);
            val_push(a, list, o);
        }
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    return val_set_c(a, out, "HealthCheckObservations", list);
}

/* ==== The checker ==== */

static bool loopback(const char *ip, struct sockaddr_storage *sa, socklen_t *len, int port)
{
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    }
    return false;
}

/* Waits up to ms for fd to be ready for ev. */
static bool wait_fd(int fd, short ev, int ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    return poll(&p, 1, ms) == 1 && (p.revents & ev);
}

/* One probe of a TCP or HTTP check at a loopback address; the status text
 * in out ("Success: ..." / "Failure: ..."), true when it succeeded.
 * AWS (recorded in its docs' examples): "Success: HTTP Status Code 200, OK";
 * the failure texts are not on record. */
static bool probe(const char *type, const char *ip, int port, const char *path, const char *host, const char *search,
                  char *out, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len;
    if (!ip || !loopback(ip, &sa, &len, port)) {
        snprintf(out, cap, "Failure: gureum probes loopback addresses only; no request was sent.");
        return false;
    }
    if (strncmp(type, "HTTPS", 5) == 0) {
        snprintf(out, cap, "Failure: HTTPS health checks are not run by gureum.");
        return false;
    }
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return snprintf(out, cap, "Failure: %s", strerror(errno)), false;
    bool ok = false;
    int rc = connect(fd, (struct sockaddr *)&sa, len), err = 0;
    socklen_t el = sizeof err;
    if (rc < 0 && errno != EINPROGRESS)
        err = errno;
    else if (rc < 0 && !wait_fd(fd, POLLOUT, 1000))
        err = ETIMEDOUT;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        err = errno;
    if (err) {
        snprintf(out, cap, "Failure: Connection to %s port %d failed: %s.", ip, port, strerror(err));
    } else if (strcmp(type, "TCP") == 0) {
        snprintf(out, cap, "Success: TCP connection established");
        ok = true;
    } else {
        char req[1024], resp[5200];
        int n = snprintf(req, sizeof req,
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Amazon-Route53-Health-Check-Service\r\n"
                         "Connection: close\r\n\r\n",
                         path && *path ? path : "/", host && *host ? host : ip);
        size_t got = 0;
        if (n > 0 && (size_t)n < sizeof req && send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
            /* AWS: a string match looks in the first 5,120 bytes of the body. */
            while (got < sizeof resp - 1 && wait_fd(fd, POLLIN, 2000)) {
                ssize_t k = recv(fd, resp + got, sizeof resp - 1 - got, 0);
                if (k <= 0) break;
                got += (size_t)k;
            }
        }
        resp[got] = 0;
        int code = 0;
        char reason[64] = "";
        if (sscanf(resp, "HTTP/%*d.%*d %d %63[^\r\n]", &code, reason) < 1) {
            snprintf(out, cap, "Failure: The endpoint did not answer with an HTTP response.");
        } else if (code < 200 || code > 399) {
            snprintf(out, cap, "Failure: HTTP Status Code %d, %s", code, reason);
        } else if (search && *search) {
            const char *body = strstr(resp, "\r\n\r\n");
            ok = body && strstr(body + 4, search);
            if (ok)
                snprintf(out, cap, "Success: HTTP Status Code %d, %s. Resolved with search string", code, reason);
            else
                snprintf(out, cap, "Failure: Search string '%s' was not found in the response body.", search);
        } else {
            snprintf(out, cap, "Success: HTTP Status Code %d, %s", code, reason);
            ok = true;
        }
    }
    close(fd);
    return ok;
}

unsigned route53_tick(struct app *app)
{
    sqlite3 *db = r53__db(app);
    if (!db) return 0;
    int64_t now = r53__now_ms();
    arena_t *a = arena_new(0);
    sqlite3_stmt *st = store_stmt(db, "SELECT id, type, ip, port, path, fqdn, search, interval_s, threshold, "
                                      "healthy, streak FROM healthcheck WHERE next_ms <= ?1 AND type != 'CALCULATED'");
    typedef struct {
        const char *id, *type, *ip, *path, *fqdn, *search;
        int port, interval, threshold, healthy, streak;
    } due_t;
    due_t due[64];
    size_t n = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
            due_t *d = &due[n++];
#define COL(i)                                                                                                         \
    (sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : arena_strdup(a, (const char *)sqlite3_column_text(st, i)))
            d->id = COL(0), d->type = COL(1), d->ip = COL(2), d->path = COL(4), d->fqdn = COL(5), d->search = COL(6);
#undef COL
            d->port = sqlite3_column_int(st, 3), d->interval = sqlite3_column_int(st, 7);
            d->threshold = sqlite3_column_int(st, 8), d->healthy = sqlite3_column_int(st, 9);
            d->streak = sqlite3_column_int(st, 10);
        }
        store_release(st);
    }
    /* Probes run without the store held; each result is written after. */
    for (size_t i = 0; i < n; i++) {
        due_t *d = &due[i];
        char status[512];
        bool up = probe(d->type, d->ip, d->port, d->path, d->fqdn, d->search, status, sizeof status);
        /* AWS: the status changes after FailureThreshold consecutive
         * observations that disagree with it. */
        int streak = up == (bool)d->healthy ? 0 : d->streak + 1;
        int healthy = d->healthy;
        if (streak >= d->threshold) healthy = up, streak = 0;
        st = store_stmt(db, "UPDATE healthcheck SET status = ?2, checked_ms = ?3, next_ms = ?4, healthy = ?5, "
                            "streak = ?6 WHERE id = ?1");
        if (!st) continue;
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        /* The interval is AWS's; gureum probes at a tenth of it so a local
         * failover shows in seconds (1 or 3 s). */
        sqlite3_bind_int64(st, 4, now + d->interval * 100);
        sqlite3_bind_int(st, 5, healthy);
        sqlite3_bind_int(st, 6, streak);
        sqlite3_step(st);
        store_release(st);
    }
    arena_free(a);
    return 500;
}

bool r53__healthy(sqlite3 *db, const char *id, int depth)
{
    if (!id || !*id) return true;
    sqlite3_stmt *st = store_stmt(db, "SELECT type, healthy, inverted, disabled, children, child_min FROM "
                                      "healthcheck WHERE id = ?1");
    if (!st) return true;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool healthy = true;
    if (sqlite3_step(st) == SQLITE_ROW) {
        bool calc = strcmp((const char *)sqlite3_column_text(st, 0), "CALCULATED") == 0;
        healthy = sqlite3_column_int(st, 1);
        if (calc && depth < 4) {
            /* AWS: a calculated check is healthy while at least
             * HealthThreshold of its children are. */
            char kids[4096];
            snprintf(kids, sizeof kids, "%s",
                     sqlite3_column_type(st, 4) == SQLITE_NULL ? "" : (const char *)sqlite3_column_text(st, 4));
            int64_t need = sqlite3_column_int64(st, 5), up = 0;
            bool inv = sqlite3_column_int(st, 2), dis = sqlite3_column_int(st, 3);
            store_release(st);
            for (char *save = NULL, *k = strtok_r(kids, "\n", &save); k; k = strtok_r(NULL, "\n", &save))
                up += r53__healthy(db, k, depth + 1);
            /* AWS: a disabled check is always considered healthy. */
            return dis || ((up >= need) != inv);
        }
        /* AWS: Inverted reverses the status; Disabled is always healthy. */
        if (sqlite3_column_int(st, 2)) healthy = !healthy;
        if (sqlite3_column_int(st, 3)) healthy = true;
    }
    store_release(st);
    return healthy;
}
