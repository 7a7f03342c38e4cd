/* metrics.c — S3's daily storage metrics in CloudWatch: AWS/S3
 * BucketSizeBytes (BucketName + StorageType, one per storage class holding
 * data) and NumberOfObjects (BucketName + StorageType AllStorageTypes),
 * measured by s3_tick on the ticker thread once a day and published with
 * the day's start as their timestamp, as AWS publishes them daily.
 *
 * AWS ("Metrics and dimensions", Amazon S3 User Guide): both count current
 * and noncurrent versions and the parts of incomplete multipart uploads;
 * NumberOfObjects also counts delete markers. The day published last is kept
 * in s3_storage_metrics, so a start-up publishes the day if it is missing
 * and a restart the same day does not publish it twice. Scaled test days
 * (s3__day_us) make a day pass in seconds. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "core/log.h"
#include "s3_internal.h"
#include "schemas.h"
#include "services/app.h"
#include "services/cloudwatch/metrics.h"
#include "services/s3/s3.h"
#include "store/store.h"

/* AWS's StorageType for a storage class (NULL or unknown: STANDARD's). */
static const char *storage_type(const char *cls)
{
    static const struct {
        const char *cls, *type;
    } map[] = {
        {"STANDARD_IA", "StandardIAStorage"},
        {"ONEZONE_IA", "OneZoneIAStorage"},
        {"REDUCED_REDUNDANCY", "ReducedRedundancyStorage"},
        {"GLACIER", "GlacierStorage"},
        {"DEEP_ARCHIVE", "DeepArchiveStorage"},
        {"GLACIER_IR", "GlacierInstantRetrievalStorage"},
        {"INTELLIGENT_TIERING", "IntelligentTieringFAStorage"},
        {"EXPRESS_ONEZONE", "ExpressOneZone"},
    };
    for (size_t i = 0; cls && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(cls, map[i].cls) == 0) return map[i].type;
    return "StandardStorage";
}

/* The day published last; 0 when none (or on error: publishing again is
 * then the lesser harm). */
static int64_t last_day(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT day_ms FROM s3_storage_metrics WHERE id = 1", -1, &st, NULL) != SQLITE_OK) return 0;
    int64_t d = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    return d;
}

/* Publishes one bucket's metrics of day ts_ms. */
static void publish_bucket(struct app *app, sqlite3 *db, const char *bucket, const char *account, const char *region,
                           int64_t ts_ms)
{
    /* bytes and objects per storage class: current versions, older
     * versions and delete markers, and incomplete uploads' parts */
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT cls, sum(bytes), sum(n) FROM ("
                      "SELECT storage_class AS cls, size AS bytes, 1 AS n FROM s3_object WHERE bucket = ?1 "
                      "UNION ALL SELECT storage_class, size, 1 FROM s3_version WHERE bucket = ?1 "
                      "UNION ALL SELECT u.storage_class, p.size, 1 FROM s3_upload u JOIN s3_part p ON p.upload = u.id "
                      "WHERE u.bucket = ?1) GROUP BY cls",
                      -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
    cw_datum_t d[16];
    cw_dim_t dims[16][2];
    const char *types[16];
    double bytes[16];
    size_t nt = 0;
    double objects = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = storage_type((const char *)sqlite3_column_text(st, 0));
        size_t i = 0;
        while (i < nt && strcmp(types[i], type) != 0) i++;
        if (i == nt) {
            if (nt == 15) continue;
            types[nt] = type;
            bytes[nt++] = 0;
        }
        bytes[i] += sqlite3_column_double(st, 1);
        objects += sqlite3_column_double(st, 2);
    }
    store_release(st);
    size_t n = 0;
    for (size_t i = 0; i < nt; i++) {
        dims[n][0] = (cw_dim_t){"BucketName", bucket};
        dims[n][1] = (cw_dim_t){"StorageType", types[i]};
        d[n] = (cw_datum_t){.metric = "BucketSizeBytes",
                            .dims = dims[n],
                            .ndims = 2,
                            .value = bytes[i],
                            .unit = "Bytes",
                            .ts_ms = ts_ms};
        n++;
    }
    /* AWS: an empty bucket still reports StandardStorage 0 bytes and 0 objects */
    if (!nt) {
        dims[n][0] = (cw_dim_t){"BucketName", bucket};
        dims[n][1] = (cw_dim_t){"StorageType", "StandardStorage"};
        d[n] = (cw_datum_t){
            .metric = "BucketSizeBytes", .dims = dims[n], .ndims = 2, .value = 0, .unit = "Bytes", .ts_ms = ts_ms};
        n++;
    }
    dims[n][0] = (cw_dim_t){"BucketName", bucket};
    dims[n][1] = (cw_dim_t){"StorageType", "AllStorageTypes"};
    d[n] = (cw_datum_t){
        .metric = "NumberOfObjects", .dims = dims[n], .ndims = 2, .value = objects, .unit = "Count", .ts_ms = ts_ms};
    n++;
    cw_publish_batch(app, account, region, "AWS/S3", d, n);
}

void s3__storage_metrics_tick(struct app *app)
{
    int64_t day_ms = s3__day_us() / 1000, now = time_now_us() / 1000;
    int64_t today = now / day_ms * day_ms;
    sqlite3 *db = store_db(((app_t *)app)->store, &schema_s3);
    if (!db) return;
    if (last_day(db) >= today) return;
    arena_t *a = arena_new(0);
    if (!a) return;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT name, account, region FROM s3_bucket ORDER BY name", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *bucket = arena_str(a, str_c((const char *)sqlite3_column_text(st, 0))).p;
            const char *account = arena_str(a, str_c((const char *)sqlite3_column_text(st, 1))).p;
            const char *region = arena_str(a, str_c((const char *)sqlite3_column_text(st, 2))).p;
            publish_bucket(app, db, bucket, account, region, today);
        }
        store_release(st);
    }
    if (store_prepare(db, "INSERT OR REPLACE INTO s3_storage_metrics (id, day_ms) VALUES (1, ?1)", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, today);
        if (sqlite3_step(st) != SQLITE_DONE) log_warn("s3: cannot record the day of the storage metrics published");
        store_release(st);
    }
    arena_free(a);
}
