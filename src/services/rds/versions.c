/* versions.c — the engines DB instances run with here, and
 * DescribeDBEngineVersions. Each engine is a server on this host:
 * postgres is Debian's PostgreSQL server (engine.c probes it); mariadb is
 * Debian's MariaDB server, at its own version; mysql is served by the same
 * MariaDB server (MySQL's clients and drivers speak to it), under the
 * MySQL version RDS offers by default, as there is no MySQL server in
 * Debian. An engine without its server on this host has no versions, so
 * asking for it lists nothing, as AWS lists nothing for a version it does
 * not offer. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rds_model.h"
#include "services/rds/rds.h"

/* The MySQL version mysql instances report: RDS's default MySQL 8.0
 * version when MariaDB 10.11 was current. */
#define MYSQL_VERSION "8.0.40"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static rds__engine_t engines[3];
static size_t nengines;
static char pg_major[16], maria_version[32], maria_major[16], maria_family[32], maria_server[64];

/* The length of version's major: PostgreSQL's majors are one number since
 * 10; MySQL's and MariaDB's two. */
static size_t major_len(const char *engine, const char *version)
{
    size_t n = strcspn(version, ".");
    if (strcmp(engine, "postgres") != 0 && version[n] == '.') n += 1 + strcspn(version + n + 1, ".");
    return n;
}

static void probe(void)
{
    const char *v = rds__engine_version();
    if (v) {
        snprintf(pg_major, sizeof pg_major, "%.*s", (int)major_len("postgres", v), v);
        engines[nengines++] = (rds__engine_t){.name = "postgres",
                                              .version = v,
                                              .major = pg_major,
                                              .family = rds__family(),
                                              .description = "PostgreSQL",
                                              .version_description = "PostgreSQL",
                                              .port = 5432};
    }
    /* "/usr/sbin/mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for ..." */
    FILE *p = popen("/usr/sbin/mariadbd --version 2>/dev/null", "r");
    char line[256] = "";
    if (p && fgets(line, sizeof line, p)) {
        const char *at = strstr(line, " Ver ");
        if (at && sscanf(at + 5, "%31[0-9.]", maria_version) == 1 && strchr(maria_version, '.')) {
            snprintf(maria_major, sizeof maria_major, "%.*s", (int)major_len("mariadb", maria_version), maria_version);
            snprintf(maria_family, sizeof maria_family, "mariadb%s", maria_major);
            snprintf(maria_server, sizeof maria_server, "MariaDB %s", maria_version);
            engines[nengines++] = (rds__engine_t){.name = "mariadb",
                                                  .version = maria_version,
                                                  .major = maria_major,
                                                  .family = maria_family,
                                                  .description = "MariaDB Community Edition",
                                                  .version_description = "MariaDB",
                                                  .port = 3306,
                                                  .maria = true};
            engines[nengines++] = (rds__engine_t){.name = "mysql",
                                                  .version = MYSQL_VERSION,
                                                  .major = "8.0",
                                                  .family = "mysql8.0",
                                                  .description = "MySQL Community Edition",
                                                  .version_description = "MySQL",
                                                  .port = 3306,
                                                  .maria = true,
                                                  .served_by = maria_server};
        }
    }
    if (p) pclose(p);
}

const rds__engine_t *rds__engine(str_t name)
{
    pthread_once(&once, probe);
    for (size_t i = 0; i < nengines; i++)
        if (str_eq_c(name, engines[i].name)) return &engines[i];
    return NULL;
}

bool rds__version_matches(const rds__engine_t *e, str_t want)
{
    size_t n = strlen(e->major);
    return str_eq_c(want, e->version) ||
           (want.len >= n && !strncmp(want.p, e->major, n) && (want.len == n || want.p[n] == '.'));
}

int rds_describe_db_engine_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    str_t engine = val_get_str(in, "Engine"), want = val_get_str(in, "EngineVersion"),
          family_in = val_get_str(in, "DBParameterGroupFamily");
    int64_t max = val_get_int(in, "MaxRecords", 100);
    /* AWS: MaxRecords "Default: 100. Constraints: Minimum 20, maximum 100." */
    if (val_get(in, "MaxRecords") && (max < 20 || max > 100))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value %lld for MaxRecords. Must be between 20 and 100",
                        (long long)max);
    pthread_once(&once, probe);
    for (size_t i = 0; i < nengines; i++) {
        const rds__engine_t *e = &engines[i];
        /* a version asked matches as its major ("15", "10.11") or in full */
        if ((engine.p && !str_eq_c(engine, e->name)) || (want.p && !rds__version_matches(e, want)) ||
            (family_in.p && !str_eq_c(family_in, e->family)))
            continue;
        val_t *v = val_new(a, VAL_STRUCT);
        val_set_c(a, v, "Engine", val_cstr(a, e->name));
        val_set_c(a, v, "EngineVersion", val_cstr(a, e->version));
        val_set_c(a, v, "DBParameterGroupFamily", val_cstr(a, e->family));
        val_set_c(a, v, "DBEngineDescription", val_cstr(a, e->description));
        val_set_c(a, v, "DBEngineVersionDescription",
                  val_cstr(a, e->served_by ? arena_printf(a, "%s %s (served by %s)", e->version_description, e->version,
                                                          e->served_by)
                                           : arena_printf(a, "%s %s", e->version_description, e->version)));
        val_set_c(a, v, "ValidUpgradeTarget", val_new(a, VAL_LIST));
        /* what gureum does with this version: read replicas (replica.c),
         * no log exports to CloudWatch Logs (yet) */
        val_set_c(a, v, "ExportableLogTypes", val_new(a, VAL_LIST));
        val_set_c(a, v, "SupportsLogExportsToCloudwatchLogs", val_bool(a, false));
        val_set_c(a, v, "SupportsReadReplica", val_bool(a, true));
        val_set_c(a, v, "SupportedEngineModes", val_new(a, VAL_LIST));
        val_set_c(a, v, "SupportedFeatureNames", val_new(a, VAL_LIST));
        val_set_c(a, v, "Status", val_cstr(a, "available"));
        val_set_c(a, v, "SupportsParallelQuery", val_bool(a, false));
        val_set_c(a, v, "SupportsGlobalDatabases", val_bool(a, false));
        val_set_c(a, v, "MajorEngineVersion", val_cstr(a, e->major));
        val_set_c(a, v, "TagList", val_new(a, VAL_LIST));
        val_set_c(a, v, "SupportsBabelfish", val_bool(a, false));
        val_push(a, list, v);
    }
    return val_set_c(a, out, "DBEngineVersions", list);
}

const char *rds__major_of(arena_t *a, const char *engine, const char *version)
{
    return arena_strndup(a, version, major_len(engine, version));
}

const char *rds__license_of(const char *engine)
{
    return !strcmp(engine, "postgres") ? "postgresql-license" : "general-public-license";
}

const char *rds__option_group_of(arena_t *a, const char *engine, const char *version)
{
    /* AWS: "default:postgres-15", "default:mysql-8-0" */
    char *g = (char *)arena_printf(a, "default:%s-%s", engine, rds__major_of(a, engine, version));
    for (char *p = g + strlen("default:") + strlen(engine) + 1; *p; p++)
        if (*p == '.') *p = '-';
    return g;
}
