/* idconfig.c — S3's bucket configurations kept by Id, many per bucket:
 * analytics (storage class analysis), intelligent-tiering archive settings,
 * inventory and request metrics. Each kind has Put (?kind&id=, 204), Get,
 * Delete (204) and List (100 per page, in Id order, a continuation token)
 * on s3_bucket_config_id (schema/013), which DeleteBucket empties; the
 * stored document is the parsed input, as bucket_config.c keeps the
 * single-document configurations. Inventory reports are written by
 * inventory.c from these rows. The refusals are S3's: a document whose Id
 * differs from the query's is MalformedXML (inventory: IdMismatch), a value
 * outside a field's enumeration MalformedXML, a missing Id
 * NoSuchConfiguration 404. */
#include <string.h>

#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

static const aws_errdef_t E_NoSuchConfiguration = {"NoSuchConfiguration", 404, true};
static const aws_errdef_t E_IdMismatch = {"IdMismatch", 400, true};
static const aws_errdef_t E_InvalidS3DestinationBucket = {"InvalidS3DestinationBucket", 400, true};
static const aws_errdef_t E_TooManyConfigurations = {"TooManyConfigurations", 400, true};

#define MAX_CONFIGS 1000 /* AWS: up to 1,000 of each kind per bucket */
#define PAGE 100         /* AWS: List* answers 100 configurations a page */

static bool one_of(str_t s, const char *const *set)
{
    for (; *set; set++)
        if (str_eq_c(s, *set)) return true;
    return false;
}

static size_t list_len(const val_t *v)
{
    return v && v->kind == VAL_LIST ? v->u.list.n : 0;
}

/* A Filter holds one predicate at most: Prefix, Tag, And (or, for metrics,
 * AccessPointArn); a Tag needs its Key. */
static bool filter_ok(const val_t *f)
{
    if (!f) return true;
    int n = 0;
    static const char *const preds[] = {"Prefix", "Tag", "And", "AccessPointArn"};
    for (size_t i = 0; i < sizeof preds / sizeof preds[0]; i++) n += val_get(f, preds[i]) != NULL;
    const val_t *tag = val_get(f, "Tag");
    if (tag && !val_get_str(tag, "Key").p) return false;
    const val_t *and = val_get(f, "And"), *tags = and? val_get(and, "Tags") : NULL;
    for (size_t i = 0; i < list_len(tags); i++)
        if (!val_get_str(tags->u.list.v[i], "Key").p) return false;
    return n <= 1;
}

/* ==== each kind's document ==== */

static int check_analytics(req_t *r, const val_t *c)
{
    if (!filter_ok(val_get(c, "Filter")) || !val_get(c, "StorageClassAnalysis")) return s3__malformed(r, NULL);
    const val_t *ex = val_get(val_get(c, "StorageClassAnalysis"), "DataExport");
    if (!ex) return GR_OK;
    static const char *const versions[] = {"V_1", NULL}, *const formats[] = {"CSV", NULL};
    const val_t *d = val_get(val_get(ex, "Destination"), "S3BucketDestination");
    if (!one_of(val_get_str(ex, "OutputSchemaVersion"), versions) || !d || !one_of(val_get_str(d, "Format"), formats))
        return s3__malformed(r, NULL);
    if (!s3__replication_dest(val_get_str(d, "Bucket")).p)
        return req_fail(r, &E_InvalidS3DestinationBucket, "Invalid bucket ARN.");
    return GR_OK;
}

/* AWS: an archive tier's Days lie between its minimum (90 for Archive
 * Access, 180 for Deep Archive Access) and two years. */
static int check_tiering(req_t *r, const val_t *c)
{
    static const char *const statuses[] = {"Enabled", "Disabled", NULL};
    const val_t *tiers = val_get(c, "Tierings");
    if (!filter_ok(val_get(c, "Filter")) || !one_of(val_get_str(c, "Status"), statuses) || !list_len(tiers))
        return s3__malformed(r, NULL);
    bool seen[2] = {false, false};
    for (size_t i = 0; i < list_len(tiers); i++) {
        const val_t *t = tiers->u.list.v[i];
        str_t tier = val_get_str(t, "AccessTier");
        int k = str_eq_c(tier, "ARCHIVE_ACCESS") ? 0 : str_eq_c(tier, "DEEP_ARCHIVE_ACCESS") ? 1 : -1;
        if (k < 0 || !val_get(t, "Days")) return s3__malformed(r, NULL);
        int64_t days = val_get_int(t, "Days", 0), min = k ? 180 : 90;
        if (days < min)
            return req_fail(r, &S3_E_InvalidArgument, "Days specified in %.*s tier should not be less than %lld.",
                            (int)tier.len, tier.p, (long long)min);
        if (days > 730)
            return req_fail(r, &S3_E_InvalidArgument, "Days specified in %.*s tier should not be more than 730.",
                            (int)tier.len, tier.p);
        if (seen[k])
            return req_fail(r, &S3_E_InvalidArgument, "Multiple Tierings with the same AccessTier %.*s.", (int)tier.len,
                            tier.p);
        seen[k] = true;
    }
    return GR_OK;
}

static int check_inventory(req_t *r, const val_t *c)
{
    static const char *const formats[] = {"CSV", "ORC", "Parquet", NULL};
    static const char *const freqs[] = {"Daily", "Weekly", NULL};
    static const char *const versions[] = {"All", "Current", NULL};
    const val_t *d = val_get(val_get(c, "Destination"), "S3BucketDestination");
    const val_t *f = val_get(c, "Filter");
    if (!d || !one_of(val_get_str(d, "Format"), formats) || !val_get(c, "IsEnabled") ||
        !one_of(val_get_str(val_get(c, "Schedule"), "Frequency"), freqs) ||
        !one_of(val_get_str(c, "IncludedObjectVersions"), versions) || (f && !val_get_str(f, "Prefix").p))
        return s3__malformed(r, NULL);
    const val_t *opt = val_get(c, "OptionalFields");
    for (size_t i = 0; i < list_len(opt); i++) {
        const val_t *x = opt->u.list.v[i];
        if (x->kind != VAL_STR || !one_of(x->u.s, s3__inventory_fields)) return s3__malformed(r, NULL);
    }
    const val_t *enc = val_get(d, "Encryption");
    if (enc && (!val_get(enc, "SSES3") == !val_get(enc, "SSEKMS") ||
                (val_get(enc, "SSEKMS") && !val_get_str(val_get(enc, "SSEKMS"), "KeyId").len)))
        return s3__malformed(r, NULL);
    if (!s3__replication_dest(val_get_str(d, "Bucket")).p)
        return req_fail(r, &E_InvalidS3DestinationBucket, "Invalid bucket ARN.");
    return GR_OK;
}

static int check_metrics(req_t *r, const val_t *c)
{
    return filter_ok(val_get(c, "Filter")) ? GR_OK : s3__malformed(r, NULL);
}

typedef struct {
    const char *kind;   /* s3_bucket_config_id.kind */
    const char *member; /* the input's and Get output's document member */
    const char *list;   /* List output's member */
    bool id_mismatch;   /* a differing document Id is IdMismatch (else MalformedXML) */
    int (*check)(req_t *r, const val_t *c);
} kind_t;

static const kind_t ANALYTICS = {"analytics", "AnalyticsConfiguration", "AnalyticsConfigurationList", false,
                                 check_analytics};
static const kind_t TIERING = {"intelligent-tiering", "IntelligentTieringConfiguration",
                               "IntelligentTieringConfigurationList", false, check_tiering};
static const kind_t INVENTORY = {"inventory", "InventoryConfiguration", "InventoryConfigurationList", true,
                                 check_inventory};
static const kind_t METRICS = {"metrics", "MetricsConfiguration", "MetricsConfigurationList", false, check_metrics};

/* ==== the table ==== */

static sqlite3_stmt *stmt(sqlite3 *db, const char *sql, str_t bucket, const kind_t *k)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(st, 1, bucket.p, (int)bucket.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->kind, -1, SQLITE_STATIC);
    return st;
}

static int bind_step(sqlite3_stmt *st, int col, str_t s)
{
    sqlite3_bind_text(st, col, s.p ? s.p : "", (int)s.len, SQLITE_STATIC);
    return sqlite3_step(st);
}

/* Opens the caller's bucket: its database, or NULL having failed r. */
static sqlite3 *bucket_db(req_t *r, const val_t *in)
{
    if (s3_bucket_owned(r, val_get_str(in, "Bucket")) != GR_OK) return NULL;
    return s3__db(r);
}

static int put(req_t *r, const val_t *in, const kind_t *k)
{
    sqlite3 *db = bucket_db(r, in);
    if (!db) return GR_ERR;
    str_t b = val_get_str(in, "Bucket"), id = val_get_str(in, "Id");
    const val_t *c = val_get(in, k->member);
    if (!c || !id.len) return s3__malformed(r, NULL);
    if (!str_eq(val_get_str(c, "Id"), id))
        return k->id_mismatch ? req_fail(r, &E_IdMismatch, "Document ID does not match the specified configuration ID.")
                              : s3__malformed(r, NULL);
    if (k->check(r, c) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        stmt(db, "SELECT count(*), sum(id = ?3) FROM s3_bucket_config_id WHERE bucket = ?1 AND kind = ?2", b, k);
    if (!st) return GR_ERR;
    int rc = bind_step(st, 3, id);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1, same = sqlite3_column_int64(st, 1);
    store_release(st);
    if (n < 0) return GR_ERR;
    if (!same && n >= MAX_CONFIGS)
        return req_fail(r, &E_TooManyConfigurations,
                        "You are attempting to create a new configuration but have already reached the "
                        "1,000-configuration limit.");
    if (!(st = stmt(db, "INSERT OR REPLACE INTO s3_bucket_config_id (bucket, kind, id, doc) VALUES (?1, ?2, ?3, ?4)", b,
                    k)))
        return GR_ERR;
    str_t doc = s3_val_to_json(r->arena, c);
    sqlite3_bind_text(st, 4, doc.p, (int)doc.len, SQLITE_STATIC);
    rc = bind_step(st, 3, id);
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    if (k == &METRICS) s3__reqmetrics_changed();
    r->resp.status = 204;
    return GR_OK;
}

static int no_config(req_t *r)
{
    return req_fail(r, &E_NoSuchConfiguration, "The specified configuration does not exist.");
}

static int get(req_t *r, const val_t *in, val_t *out, const kind_t *k)
{
    sqlite3 *db = bucket_db(r, in);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = stmt(db, "SELECT doc FROM s3_bucket_config_id WHERE bucket = ?1 AND kind = ?2 AND id = ?3",
                            val_get_str(in, "Bucket"), k);
    if (!st) return GR_ERR;
    int rc = bind_step(st, 3, val_get_str(in, "Id"));
    val_t *doc = rc == SQLITE_ROW ? s3_val_from_json(r->arena, s3__col_str(r, st, 0)) : NULL;
    store_release(st);
    if (rc == SQLITE_DONE) return no_config(r);
    if (!doc) return GR_ERR;
    val_set_c(r->arena, out, k->member, doc);
    return GR_OK;
}

static int del(req_t *r, const val_t *in, const kind_t *k)
{
    sqlite3 *db = bucket_db(r, in);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = stmt(db, "DELETE FROM s3_bucket_config_id WHERE bucket = ?1 AND kind = ?2 AND id = ?3",
                            val_get_str(in, "Bucket"), k);
    if (!st) return GR_ERR;
    int rc = bind_step(st, 3, val_get_str(in, "Id"));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    if (!sqlite3_changes(db)) return no_config(r);
    if (k == &METRICS) s3__reqmetrics_changed();
    r->resp.status = 204;
    return GR_OK;
}

/* The continuation token is the base64 of the next page's first Id. */
static int list(req_t *r, const val_t *in, val_t *out, const kind_t *k)
{
    arena_t *a = r->arena;
    sqlite3 *db = bucket_db(r, in);
    if (!db) return GR_ERR;
    str_t token = val_get_str(in, "ContinuationToken"), from = STR("");
    if (token.len && (!s3__unb64(a, token, &from) || !from.len))
        return req_fail(r, &S3_E_InvalidArgument, "The continuation token provided is incorrect");
    sqlite3_stmt *st = stmt(db,
                            "SELECT id, doc FROM s3_bucket_config_id WHERE bucket = ?1 AND kind = ?2 AND id >= ?3"
                            " ORDER BY id LIMIT ?4",
                            val_get_str(in, "Bucket"), k);
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 3, from.p, (int)from.len, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, PAGE + 1); /* one more tells whether another page follows */
    val_t *items = val_new(a, VAL_LIST);
    int rc, n = 0;
    bool more = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t id = s3__col_str(r, st, 0);
        if (n++ == PAGE) {
            val_set_c(a, out, "NextContinuationToken",
                      val_str(a, arena_base64(a, (const unsigned char *)id.p, id.len)));
            more = true;
            break;
        }
        val_t *doc = s3_val_from_json(a, s3__col_str(r, st, 1));
        if (doc) val_push(a, items, doc);
    }
    store_release(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return GR_ERR;
    if (token.p) val_set_c(a, out, "ContinuationToken", val_str(a, token));
    if (items->u.list.n) val_set_c(a, out, k->list, items);
    val_set_c(a, out, "IsTruncated", val_bool(a, more));
    return GR_OK;
}

/* ==== operations ==== */

#define OPS(name, k)                                                                                                   \
    int s3_put_bucket_##name##_configuration(req_t *r, const val_t *in, val_t *out)                                    \
    {                                                                                                                  \
        (void)out;                                                                                                     \
        return put(r, in, &k);                                                                                         \
    }                                                                                                                  \
    int s3_get_bucket_##name##_configuration(req_t *r, const val_t *in, val_t *out)                                    \
    {                                                                                                                  \
        return get(r, in, out, &k);                                                                                    \
    }                                                                                                                  \
    int s3_delete_bucket_##name##_configuration(req_t *r, const val_t *in, val_t *out)                                 \
    {                                                                                                                  \
        (void)out;                                                                                                     \
        return del(r, in, &k);                                                                                         \
    }                                                                                                                  \
    int s3_list_bucket_##name##_configurations(req_t *r, const val_t *in, val_t *out)                                  \
    {                                                                                                                  \
        return list(r, in, out, &k);                                                                                   \
    }

OPS(analytics, ANALYTICS)
OPS(intelligent_tiering, TIERING)
OPS(inventory, INVENTORY)
OPS(metrics, METRICS)
