/* versions.c — DescribeDBEngineVersions: the engine versions a DB instance
 * can be created with here, which are those of the servers on this host
 * (engine.c probes Debian's PostgreSQL server: one postgres version, the
 * host's). Other engines have none, so asking for them lists nothing, as
 * AWS lists nothing for a version it does not offer. */
#include <stdio.h>
#include <string.h>

#include "rds_model.h"
#include "services/rds/rds.h"

int rds_describe_db_engine_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    const char *version = rds__engine_version();
    str_t engine = val_get_str(in, "Engine"), want = val_get_str(in, "EngineVersion"),
          family_in = val_get_str(in, "DBParameterGroupFamily");
    int64_t max = val_get_int(in, "MaxRecords", 100);
    /* AWS: MaxRecords "Default: 100. Constraints: Minimum 20, maximum 100." */
    if (val_get(in, "MaxRecords") && (max < 20 || max > 100))
        return req_fail(r, &ERR_InvalidParameterValue, "Invalid value %lld for MaxRecords. Must be between 20 and 100",
                        (long long)max);
    if (version) {
        size_t vmaj = strcspn(version, ".");
        const char *major = arena_strndup(a, version, vmaj), *family = rds__family();
        /* a version asked matches as its major ("15") or in full */
        bool match = (!engine.p || str_eq_c(engine, "postgres")) &&
                     (!want.p || str_eq_c(want, version) || str_eq_c(want, major)) &&
                     (!family_in.p || str_eq_c(family_in, family));
        if (match) {
            val_t *v = val_new(a, VAL_STRUCT);
            val_set_c(a, v, "Engine", val_cstr(a, "postgres"));
            val_set_c(a, v, "EngineVersion", val_cstr(a, version));
            val_set_c(a, v, "DBParameterGroupFamily", val_cstr(a, family));
            val_set_c(a, v, "DBEngineDescription", val_cstr(a, "PostgreSQL"));
            val_set_c(a, v, "DBEngineVersionDescription", val_cstr(a, arena_printf(a, "PostgreSQL %s", version)));
            val_set_c(a, v, "ValidUpgradeTarget", val_new(a, VAL_LIST));
            /* what gureum does with this version: read replicas
             * (replica.c), no log exports to CloudWatch Logs (yet) */
            val_set_c(a, v, "ExportableLogTypes", val_new(a, VAL_LIST));
            val_set_c(a, v, "SupportsLogExportsToCloudwatchLogs", val_bool(a, false));
            val_set_c(a, v, "SupportsReadReplica", val_bool(a, true));
            val_set_c(a, v, "SupportedEngineModes", val_new(a, VAL_LIST));
            val_set_c(a, v, "SupportedFeatureNames", val_new(a, VAL_LIST));
            val_set_c(a, v, "Status", val_cstr(a, "available"));
            val_set_c(a, v, "SupportsParallelQuery", val_bool(a, false));
            val_set_c(a, v, "SupportsGlobalDatabases", val_bool(a, false));
            val_set_c(a, v, "MajorEngineVersion", val_cstr(a, major));
            val_set_c(a, v, "TagList", val_new(a, VAL_LIST));
            val_set_c(a, v, "SupportsBabelfish", val_bool(a, false));
            val_push(a, list, v);
        }
    }
    return val_set_c(a, out, "DBEngineVersions", list);
}
