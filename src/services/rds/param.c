/* param.c — Amazon RDS DB parameter groups: Create/Copy/Describe/Modify/
 * Reset/DeleteDBParameterGroup, DescribeDBParameters and
 * DescribeEngineDefaultParameters.
 *
 * A group's parameters are the engine's own: the catalog is what the
 * host's PostgreSQL server says of its settings (postgres
 * --describe-config), and values are checked by that server (postgres -c
 * NAME=VALUE), so a value PostgreSQL would refuse is refused, with
 * PostgreSQL's words. The family is the host's major version's
 * ("postgres15"); its default group, default.postgres15, is always there
 * and cannot be changed. engine.c writes an instance's group into its
 * server's configuration at each boot and, when the group changes, again,
 * and has the server reload it: dynamic parameters apply then, static ones
 * (PostgreSQL's postmaster settings) at the next reboot, the instance's
 * ParameterApplyStatus pending-reboot meanwhile. The settings gureum runs
 * the server with (its port, addresses, logging, the WAL it keeps) are not
 * modifiable. Texts are AWS's where said "recorded"; the others are not on
 * record. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rds_model.h"
#include "services/app.h"
#include "services/page.h"
#include "services/rds/rds.h"

extern char **environ;

#define E_PG_NOTFOUND (&RDS_ERR_DBParameterGroupNotFoundFault)
#define E_PG_EXISTS (&RDS_ERR_DBParameterGroupAlreadyExistsFault)
#define E_PG_STATE (&RDS_ERR_InvalidDBParameterGroupStateFault)
static const aws_errdef_t E_Combination = {"InvalidParameterCombination", 400, true};

/* AWS (RDS quotas): 50 DB parameter groups per region; (API reference)
 * "You can modify up to 20 parameters in a single request." */
enum { MAX_GROUPS = 50, MAX_PER_REQUEST = 20 };

/* ==== The engine's catalog ==== */

typedef struct {
    char *name, *context, *type, *min, *max, *desc;
} pdef_t;

static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;
static pdef_t *defs;
static size_t ndefs;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const pdef_t *)a)->name, ((const pdef_t *)b)->name);
}

/* postgres --describe-config: one setting a line, tab-separated: name,
 * context, group, type, reset value, minimum, maximum, short and long
 * description. Kept for the server's life. */
static void load_catalog(void)
{
    const char *bin = rds__engine_bin();
    if (!bin) return;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "%s/postgres --describe-config 2>/dev/null", bin);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    char line[4096];
    size_t cap = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        char *f[9] = {0}, *s = line;
        for (int i = 0; i < 9 && s; i++) {
            f[i] = s;
            s = strchr(s, '\t');
            if (s) *s++ = 0;
        }
        if (!f[7] || !*f[0] || !strcmp(f[1], "internal")) continue; /* not settable */
        if (ndefs == cap) {
            cap = cap ? 2 * cap : 512;
            pdef_t *grown = realloc(defs, cap * sizeof *defs);
            if (!grown) break;
            defs = grown;
        }
        defs[ndefs++] = (pdef_t){strdup(f[0]), strdup(f[1]), strdup(f[3]), strdup(f[5]), strdup(f[6]), strdup(f[7])};
    }
    pclose(p);
    qsort(defs, ndefs, sizeof *defs, by_name);
}

static const pdef_t *catalog(size_t *n)
{
    pthread_once(&catalog_once, load_catalog);
    *n = ndefs;
    return defs;
}

static const pdef_t *def_of(str_t name)
{
    size_t n;
    const pdef_t *d = catalog(&n);
    char key[128];
    if (name.len >= sizeof key) return NULL;
    snprintf(key, sizeof key, "%.*s", STR_FMT(name));
    pdef_t want = {.name = key};
    return d ? bsearch(&want, d, n, sizeof *d, by_name) : NULL;
}

/* The settings gureum starts the server with (engine.c): its port and
 * addresses, its files, its logging (which logs.c reads) and the WAL kept
 * for standbys and replicas. */
static bool managed(const char *name)
{
    static const char *const own[] = {"port",
                                      "listen_addresses",
                                      "unix_socket_directories",
                                      "unix_socket_group",
                                      "unix_socket_permissions",
                                      "data_directory",
                                      "config_file",
                                      "hba_file",
                                      "ident_file",
                                      "external_pid_file",
                                      "logging_collector",
                                      "log_directory",
                                      "log_filename",
                                      "log_rotation_age",
                                      "log_timezone",
                                      "log_line_prefix",
                                      "log_destination",
                                      "wal_keep_size",
                                      "primary_conninfo",
                                      "primary_slot_name",
                                      "hot_standby",
                                      "data_sync_retry",
                                      NULL};
    for (const char *const *o = own; *o; o++)
        if (!strcmp(name, *o)) return true;
    return false;
}

/* AWS's ApplyType: PostgreSQL's postmaster settings need a restart. */
static bool is_static(const pdef_t *d)
{
    return !strcmp(d->context, "postmaster");
}

/* ==== Checking values with the engine ==== */

/* Whether the host's PostgreSQL server takes each NAME=VALUE of sets (n of
 * them): it parses them before anything else, so a server run with them
 * and a data folder that does not exist ends saying either what it refused
 * or that the folder is missing. NULL when it takes them all, else its
 * words (in a). */
static const char *engine_refuses(arena_t *a, const char *const *sets, size_t n)
{
    const char *bin = rds__engine_bin();
    if (!bin) return "no PostgreSQL server on this host";
    const char **argv = arena_alloc(a, (2 * n + 10) * sizeof *argv);
    if (!argv) return "out of memory";
    size_t k = 0;
    argv[k++] = "/usr/sbin/runuser";
    argv[k++] = "-u";
    argv[k++] = "postgres";
    argv[k++] = "--";
    argv[k++] = arena_printf(a, "%s/postgres", bin);
    argv[k++] = "-D";
    argv[k++] = "/nonexistent/gureum-check";
    for (size_t i = 0; i < n; i++) argv[k++] = "-c", argv[k++] = sets[i];
    argv[k] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return "cannot run the PostgreSQL server";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char out[2048];
    size_t len = 0;
    ssize_t got;
    while (rc == 0 && len < sizeof out - 1 && (got = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)got;
    close(fds[0]);
    out[len] = 0;
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) < 0) return "cannot run the PostgreSQL server";
    if (strstr(out, "could not access directory")) return NULL;
    /* "… FATAL:  invalid value for parameter "x": "y"" and its HINT */
    const char *fatal = strstr(out, "FATAL:"), *hint = strstr(out, "HINT:");
    if (!fatal) return "the PostgreSQL server refused it";
    fatal += 6 + strspn(fatal + 6, " ");
    hint = hint ? hint + 5 + strspn(hint + 5, " ") : NULL;
    int flen = (int)strcspn(fatal, "\n"), hlen = hint ? (int)strcspn(hint, "\n") : 0;
    return hint ? arena_printf(a, "%.*s (%.*s)", flen, fatal, hlen, hint) : arena_printf(a, "%.*s", flen, fatal);
}

/* ==== Groups ==== */

/* The default group's name ("default.postgres15"), NULL without an
 * engine. */
static const char *default_group(arena_t *a)
{
    const char *family = rds__family();
    return family ? arena_printf(a, "default.%s", family) : NULL;
}

static int not_found(req_t *r, str_t name)
{
    /* AWS (recorded): "DBParameterGroup not found: mygroup" */
    return req_fail(r, E_PG_NOTFOUND, "DBParameterGroup not found: %.*s", STR_FMT(name));
}

/* A group name as RDS keeps it (lower-cased), checked as an identifier. */
static str_t group_name(req_t *r, str_t name)
{
    return rds__identifier(r, name, "DBParameterGroupName", 255);
}

int rds__param_group_check(req_t *r, sqlite3 *db, str_t name, const char **stored)
{
    *stored = NULL;
    const char *dflt = default_group(r->arena);
    if (dflt && str_eq_c(name, dflt)) return GR_OK;
    str_t low = group_name(r, name);
    if (!low.p) return not_found(r, name);
    sqlite3_stmt *st =
        rds__stmt(r, db, low, "SELECT 1 FROM db_param_group WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (!found) return not_found(r, name);
    *stored = arena_strndup(r->arena, low.p, low.len);
    return GR_OK;
}

/* Whether name is one of the caller's groups (1, its name as kept in
 * *own), the default (2), or neither (0, r failed with
 * DBParameterGroupNotFound); -1 on a failure. */
static int which(req_t *r, sqlite3 *db, str_t name, str_t *own)
{
    const char *stored;
    *own = STR_NULL;
    if (rds__param_group_check(r, db, name, &stored) != GR_OK) return r->err ? 0 : -1;
    if (stored) *own = str_c(stored);
    return stored ? 1 : 2;
}

/* A DBParameterGroup value. */
static val_t *group_value_of(req_t *r, str_t name, str_t family, str_t desc)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "DBParameterGroupName", val_str(a, name));
    val_set_c(a, v, "DBParameterGroupFamily", val_str(a, family));
    val_set_c(a, v, "Description", val_str(a, desc));
    val_set_c(a, v, "DBParameterGroupArn", val_cstr(a, rds__arn(r, "pg", name)));
    return v;
}

/* rds__page's item: a row of name, family and description. */
static val_t *group_value(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    return group_value_of(r, store_col_str(a, st, 0), store_col_str(a, st, 1), store_col_str(a, st, 2));
}

/* The groups as rows of name, family, description: the default first
 * (AWS lists "default.…" groups with the others, by name). */
static const char *groups_sql(arena_t *a)
{
    const char *family = rds__family();
    return arena_printf(a,
                        "SELECT name, family, description FROM (SELECT 'default.%s' AS name, '%s' AS family, "
                        "'Default parameter group for %s' AS description WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL "
                        "UNION ALL SELECT name, family, description FROM db_param_group WHERE account = ?1 AND region "
                        "= ?2) ",
                        family, family, family);
}

/* A new group of the caller's, name, of family, with its description and
 * tags, holding a copy of the parameters of group copy_of (STR_NULL:
 * none); answered as CreateDBParameterGroup answers. */
static int group_new(req_t *r, sqlite3 *db, str_t name, str_t family, str_t desc, const val_t *tags, str_t copy_of,
                     val_t *out)
{
    if (str_starts_with(name, str_c("default")))
        return req_fail(r, &ERR_InvalidParameterValue, "The parameter group name %.*s is reserved.", STR_FMT(name));
    if (rds__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        rds__stmt(r, db, name,
                  "SELECT (SELECT 1 FROM db_param_group WHERE account = ?1 AND region = ?2 AND name = ?3), (SELECT "
                  "count(*) FROM db_param_group WHERE account = ?1 AND region = ?2)");
    if (!st) return rds__end(db, false);
    bool exists = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    int64_t count = sqlite3_column_int64(st, 1);
    if (store_release(st) != SQLITE_OK) return rds__end(db, false);
    if (exists || count >= MAX_GROUPS) {
        rds__end(db, false);
        if (exists) return req_fail(r, E_PG_EXISTS, "Parameter group %.*s already exists", STR_FMT(name));
        return req_fail(r, &RDS_ERR_DBParameterGroupQuotaExceededFault, "DB parameter group quota exceeded");
    }
    st = rds__stmt(r, db, name,
                   "INSERT INTO db_param_group (account, region, name, family, description) VALUES (?1, ?2, ?3, ?4, "
                   "?5)");
    if (st) {
        store_bind_str(st, 4, family);
        store_bind_str(st, 5, desc);
    }
    bool ok = rds__run(st) && rds__tags_put(r, db, str_c(rds__arn(r, "pg", name)), tags) == GR_OK;
    if (ok && copy_of.p) {
        st = rds__stmt(r, db, name,
                       "INSERT INTO db_param (account, region, grp, name, value, method) SELECT account, region, ?3, "
                       "name, value, method FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?4");
        if (st) store_bind_str(st, 4, copy_of);
        ok = rds__run(st);
    }
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "DBParameterGroup", group_value_of(r, name, family, desc));
}

int rds_create_db_parameter_group(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t name = group_name(r, val_get_str(in, "DBParameterGroupName"));
    if (!name.p) return GR_ERR;
    str_t family = val_get_str(in, "DBParameterGroupFamily");
    const char *have = rds__family();
    if (!have || !str_eq_c(family, have))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "The parameter DBParameterGroupFamily %.*s is not served by gureum: its engine is %s.",
                        STR_FMT(family), have ? have : "missing");
    return group_new(r, db, name, family, val_get_str(in, "Description"), val_get(in, "Tags"), STR_NULL, out);
}

/* CopyDBParameterGroup: the source by name or ARN (the caller's account
 * and region), the default group included. */
int rds_copy_db_parameter_group(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t want = val_get_str(in, "SourceDBParameterGroupIdentifier"), account, region, src;
    if (!rds__ref(r, "pg", want, &account, &region, &src) || !str_eq(account, r->who.account) ||
        !str_eq(region, r->region))
        return not_found(r, want);
    str_t own;
    if (which(r, db, src, &own) <= 0) return GR_ERR;
    str_t name = group_name(r, val_get_str(in, "TargetDBParameterGroupIdentifier"));
    if (!name.p) return GR_ERR;
    const char *family = rds__family();
    return group_new(r, db, name, str_c(family ? family : ""), val_get_str(in, "TargetDBParameterGroupDescription"),
                     val_get(in, "Tags"), own, out);
}

int rds_describe_db_parameter_groups(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    if (!rds__family()) return val_set_c(a, out, "DBParameterGroups", val_new(a, VAL_LIST));
    str_t want = val_get_str(in, "DBParameterGroupName");
    const char *sql = groups_sql(a);
    if (want.p) {
        str_t own;
        if (which(r, db, want, &own) <= 0) return GR_ERR;
        str_t name = own.p ? own : str_c(default_group(a));
        sql = arena_printf(a, "%s WHERE name = '%.*s'", sql, STR_FMT(name)); /* an identifier: no quote */
    }
    return rds__page(r, in, out, db, arena_printf(a, "%s ORDER BY name", sql), "DBParameterGroups", group_value, NULL);
}

/* The caller's group that in's DBParameterGroupName names, to change or
 * delete it (the default group can be neither); STR_NULL with r failed. */
static str_t own_group(req_t *r, sqlite3 *db, const val_t *in, bool deleting)
{
    str_t given = val_get_str(in, "DBParameterGroupName"), own = STR_NULL;
    int w = db ? which(r, db, given, &own) : -1;
    if (w == 2 && deleting)
        req_fail(r, E_PG_STATE, "Default parameter group %.*s cannot be deleted.", STR_FMT(given));
    else if (w == 2)
        req_fail(r, &ERR_InvalidParameterValue, "Default parameter groups cannot be modified.");
    return own;
}

int rds_delete_db_parameter_group(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = rds__db(r->app);
    str_t name = own_group(r, db, in, true);
    if (!name.p) return GR_ERR;
    sqlite3_stmt *st =
        rds__stmt(r, db, name, "SELECT 1 FROM db_instance WHERE account = ?1 AND region = ?2 AND param_group = ?3");
    if (!st) return GR_ERR;
    bool used = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (used) /* AWS (recorded) */
        return req_fail(r, E_PG_STATE,
                        "One or more database instances are still members of this parameter group %.*s, so the "
                        "group cannot be deleted",
                        STR_FMT(name));
    if (rds__begin(db) != GR_OK) return GR_ERR;
    bool ok =
        rds__run(rds__stmt(r, db, name, "DELETE FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?3")) &&
        rds__run(
            rds__stmt(r, db, name, "DELETE FROM db_param_group WHERE account = ?1 AND region = ?2 AND name = ?3")) &&
        rds__tags_drop(db, str_c(rds__arn(r, "pg", name))) == GR_OK;
    return rds__end(db, ok);
}

/* ==== Parameters ==== */

/* After a change of group name's parameters: its version moves (engine.c
 * writes them again) and, when one waits for a reboot, its instances say
 * so. */
static bool changed(req_t *r, sqlite3 *db, str_t name, bool pending)
{
    bool ok = rds__run(rds__stmt(r, db, name,
                                 "UPDATE db_param_group SET version = version + 1 WHERE account = ?1 AND region = ?2 "
                                 "AND name = ?3"));
    if (ok && pending)
        ok = rds__run(rds__stmt(r, db, name,
                                "UPDATE db_instance SET param_status = 'pending-reboot' WHERE account = ?1 AND "
                                "region = ?2 AND param_group = ?3"));
    return ok;
}

int rds_modify_db_parameter_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    str_t name = own_group(r, db, in, false);
    if (!name.p) return GR_ERR;
    const val_t *ps = val_get(in, "Parameters");
    size_t n = val_len(ps);
    if (n == 0 || n > MAX_PER_REQUEST)
        return req_fail(r, &ERR_InvalidParameterValue, "Between 1 and %d parameters can be modified in a request.",
                        MAX_PER_REQUEST);
    const char **sets = arena_alloc(a, n * sizeof *sets);
    const pdef_t **defs_given = arena_alloc(a, n * sizeof *defs_given);
    if (!sets || !defs_given) return GR_ERR;
    bool pending = false;
    for (size_t i = 0; i < n; i++) {
        const val_t *p = ps->u.list.v[i];
        str_t pn = val_get_str(p, "ParameterName"), pv = val_get_str(p, "ParameterValue"),
              method = val_get_str(p, "ApplyMethod");
        const pdef_t *d = def_of(pn);
        /* AWS (recorded): "Could not find parameter with name: x" */
        if (!d) return req_fail(r, &ERR_InvalidParameterValue, "Could not find parameter with name: %.*s", STR_FMT(pn));
        if (managed(d->name))
            return req_fail(r, &ERR_InvalidParameterValue, "The parameter %s cannot be modified.", d->name);
        if (!pv.p) return req_fail(r, &ERR_InvalidParameterValue, "The parameter %s needs a ParameterValue.", d->name);
        if (method.p && !str_eq_c(method, "immediate") && !str_eq_c(method, "pending-reboot"))
            return req_fail(r, &ERR_InvalidParameterValue, "Invalid apply method: %.*s", STR_FMT(method));
        bool immediate = !method.p || str_eq_c(method, "immediate");
        /* AWS (recorded) */
        if (immediate && is_static(d))
            return req_fail(r, &E_Combination, "cannot use immediate apply method for static parameter");
        pending = pending || !immediate;
        defs_given[i] = d;
        sets[i] = arena_printf(a, "%s=%.*s", d->name, STR_FMT(pv));
    }
    const char *no = engine_refuses(a, sets, n);
    if (no) return req_fail(r, &ERR_InvalidParameterValue, "Invalid parameter value: %s", no);
    if (rds__begin(db) != GR_OK) return GR_ERR;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const val_t *p = ps->u.list.v[i];
        str_t method = val_get_str(p, "ApplyMethod");
        sqlite3_stmt *st = rds__stmt(r, db, name,
                                     "INSERT OR REPLACE INTO db_param (account, region, grp, name, value, method) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (st) {
            sqlite3_bind_text(st, 4, defs_given[i]->name, -1, SQLITE_STATIC);
            store_bind_str(st, 5, val_get_str(p, "ParameterValue"));
            sqlite3_bind_text(st, 6, method.p ? arena_strndup(a, method.p, method.len) : "immediate", -1,
                              SQLITE_TRANSIENT);
        }
        ok = rds__run(st);
    }
    ok = ok && changed(r, db, name, pending);
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "DBParameterGroupName", val_str(a, name));
}

int rds_reset_db_parameter_group(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    str_t name = own_group(r, db, in, false);
    if (!name.p) return GR_ERR;
    bool all = val_get_bool(in, "ResetAllParameters", false);
    const val_t *ps = val_get(in, "Parameters");
    if (!all && !val_len(ps))
        return req_fail(r, &E_Combination, "Either ResetAllParameters or Parameters must be given.");
    if (rds__begin(db) != GR_OK) return GR_ERR;
    /* a static parameter reset waits for a reboot, as one set does */
    bool ok = true, pending = false;
    sqlite3_stmt *st =
        rds__stmt(r, db, name, "SELECT name FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?3");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        str_t pn = str_c((const char *)sqlite3_column_text(st, 0));
        bool listed = all;
        for (size_t i = 0; !listed && i < val_len(ps); i++)
            listed = str_eq(val_get_str(ps->u.list.v[i], "ParameterName"), pn);
        const pdef_t *d = def_of(pn);
        if (listed && d && is_static(d)) pending = true;
    }
    ok = st && store_release(st) == SQLITE_OK;
    if (ok && all)
        ok = rds__run(rds__stmt(r, db, name, "DELETE FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?3"));
    for (size_t i = 0; ok && !all && i < val_len(ps); i++) {
        st = rds__stmt(r, db, name,
                       "DELETE FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?3 AND name = ?4");
        if (st) store_bind_str(st, 4, val_get_str(ps->u.list.v[i], "ParameterName"));
        ok = rds__run(st);
    }
    ok = ok && changed(r, db, name, pending);
    if (rds__end(db, ok) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "DBParameterGroupName", val_str(a, name));
}

/* A parameter's value in AWS's shape: set in a group (value, method) or
 * the engine's default (value NULL). */
static val_t *param_value(arena_t *a, const pdef_t *d, const char *value, const char *method)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "ParameterName", val_cstr(a, d->name));
    if (value) val_set_c(a, v, "ParameterValue", val_cstr(a, value));
    val_set_c(a, v, "Description", val_cstr(a, d->desc));
    val_set_c(a, v, "Source", val_cstr(a, value ? "user" : "engine-default"));
    val_set_c(a, v, "ApplyType", val_cstr(a, is_static(d) ? "static" : "dynamic"));
    const char *type = !strcmp(d->type, "BOOLEAN")   ? "boolean"
                       : !strcmp(d->type, "INTEGER") ? "integer"
                       : !strcmp(d->type, "REAL")    ? "float"
                                                     : "string";
    val_set_c(a, v, "DataType", val_cstr(a, type));
    if (!strcmp(d->type, "BOOLEAN"))
        val_set_c(a, v, "AllowedValues", val_cstr(a, "0,1"));
    else if (*d->min && *d->max)
        val_set_c(a, v, "AllowedValues", val_cstr(a, arena_printf(a, "%s-%s", d->min, d->max)));
    val_set_c(a, v, "IsModifiable", val_bool(a, !managed(d->name)));
    val_set_c(a, v, "ApplyMethod", val_cstr(a, method ? method : "pending-reboot"));
    return v;
}

/* The catalog's parameters as group (NULL: engine defaults only) has them,
 * those of source ("user", "engine-default"; NULL: all), paged (MaxRecords,
 * Marker): into's Parameters, and its Marker when more follow. */
static int params_page(req_t *r, const val_t *in, sqlite3 *db, str_t group, str_t source, val_t *into)
{
    arena_t *a = r->arena;
    int64_t max;
    long long off;
    if (rds__page_args(r, in, &max, &off) != GR_OK) return GR_ERR;
    size_t n;
    const pdef_t *d = catalog(&n);
    const char **values = arena_alloc(a, (n + 1) * sizeof *values),
               **methods = arena_alloc(a, (n + 1) * sizeof *methods);
    if (!values || !methods) return GR_ERR;
    memset(values, 0, (n + 1) * sizeof *values);
    memset(methods, 0, (n + 1) * sizeof *methods);
    if (group.p) {
        sqlite3_stmt *st = rds__stmt(
            r, db, group, "SELECT name, value, method FROM db_param WHERE account = ?1 AND region = ?2 AND grp = ?3");
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            const pdef_t *p = def_of(str_c((const char *)sqlite3_column_text(st, 0)));
            if (!p) continue;
            values[p - d] = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
            methods[p - d] = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
        }
        if (!st || store_release(st) != SQLITE_OK) return GR_ERR;
    }
    val_t *list = val_new(a, VAL_LIST);
    long long seen = 0;
    int64_t taken = 0; /* max + 1 when one more follows (page_offset_token) */
    for (size_t i = 0; i < n && taken <= max; i++) {
        if (source.p && !str_eq_c(source, values[i] ? "user" : "engine-default")) continue;
        if (seen++ < off) continue;
        if (taken++ < max) val_push(a, list, param_value(a, &d[i], values[i], methods[i]));
    }
    page_offset_token(r, into, "Marker", taken, max, off);
    return val_set_c(a, into, "Parameters", list);
}

int rds_describe_db_parameters(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t given = val_get_str(in, "DBParameterGroupName"), source = val_get_str(in, "Source"), own;
    if (which(r, db, given, &own) <= 0) return GR_ERR;
    if (source.p && !str_eq_c(source, "user") && !str_eq_c(source, "engine-default") && !str_eq_c(source, "system"))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value %.*s for Source.", STR_FMT(source));
    /* nothing here is set by the system: RDS's own settings are gureum's,
     * and not listed */
    if (str_eq_c(source, "system")) return val_set_c(a, out, "Parameters", val_new(a, VAL_LIST));
    return params_page(r, in, db, own, source, out);
}

int rds_describe_engine_default_parameters(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    str_t family = val_get_str(in, "DBParameterGroupFamily");
    val_t *defaults = val_new(a, VAL_STRUCT);
    const char *have = rds__family();
    val_set_c(a, defaults, "DBParameterGroupFamily", val_str(a, family));
    /* another family has no engine here: no parameters */
    if (have && str_eq_c(family, have)) {
        if (params_page(r, in, db, STR_NULL, STR_NULL, defaults) != GR_OK) return GR_ERR;
    } else
        val_set_c(a, defaults, "Parameters", val_new(a, VAL_LIST));
    return val_set_c(a, out, "EngineDefaults", defaults);
}
