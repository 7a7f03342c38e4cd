/* delivery.c — log deliveries (AWS's "vended logs"): delivery destinations
 * and their access policies (schema/012_delivery_destinations.sql), delivery
 * sources and the deliveries that join the two.
 *
 * A delivery source is a resource of a service that sends logs on AWS's side
 * (CloudFront distributions, Bedrock, ElastiCache, Pipes, …). gureum serves
 * none of those services, so no source can be created here: PutDeliverySource
 * refuses, the source and delivery operations answer as AWS answers an
 * account that has none, and DescribeConfigurationTemplates lists none.
 * Destinations need no source and are kept, described, deleted and given
 * policies as on AWS. */
#include <sqlite3.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

static str_t destination_arn(req_t *r, str_t name)
{
    return str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:delivery-destination:%.*s", STR_FMT(r->region),
                              STR_FMT(r->who.account), STR_FMT(name)));
}

/* A DeliveryDestination from a row (name, type, resource, format, tags). */
static val_t *destination_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0);
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "name", val_str(a, name));
    val_set_c(a, d, "arn", val_str(a, destination_arn(r, name)));
    val_set_c(a, d, "deliveryDestinationType", val_str(a, store_col_str(a, st, 1)));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, d, "outputFormat", val_str(a, store_col_str(a, st, 3)));
    if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
        val_t *c = val_new(a, VAL_STRUCT);
        val_set_c(a, c, "destinationResourceArn", val_str(a, store_col_str(a, st, 2)));
        val_set_c(a, d, "deliveryDestinationConfiguration", c);
    }
    const json_t *tags = json_parse(a, store_col_str(a, st, 4), NULL);
    if (tags && tags->type == JSON_OBJECT && tags->u.obj.n) {
        val_t *m = val_new(a, VAL_MAP);
        for (size_t i = 0; i < tags->u.obj.n; i++)
            if (tags->u.obj.v[i]->type == JSON_STRING)
                val_set(a, m, tags->u.obj.k[i], val_str(a, tags->u.obj.v[i]->u.s));
        val_set_c(a, d, "tags", m);
    }
    return d;
}

#define DEST_COLS "name, type, resource, format, tags"

/* The caller's destination name, positioned on its row; NULL (r failed with
 * ResourceNotFoundException) when there is none. */
static sqlite3_stmt *destination_or_fail(req_t *r, sqlite3 *db, str_t name, const char *cols)
{
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(r->arena,
                                    "SELECT %s FROM delivery_destination WHERE account = ?1 AND region = ?2 "
                                    "AND name = ?3",
                                    cols));
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    store_release(st);
    req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Delivery destination %.*s does not exist", STR_FMT(name));
    return NULL;
}

/* AWS (PutDeliveryDestination): the type follows from the resource ARN's
 * service (logs → CWL, s3 → S3, firehose → FH); X-Ray takes no resource.
 * A log group named here must exist; a second put of the name updates it. */
int logs_put_delivery_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "name"), type = val_get_str(in, "deliveryDestinationType");
    str_t res = val_get_str(val_get(in, "deliveryDestinationConfiguration"), "destinationResourceArn");
    str_t derived = STR_NULL;
    if (res.p) {
        if (str_starts_with(res, STR("arn:aws:logs:")))
            derived = STR("CWL");
        else if (str_starts_with(res, STR("arn:aws:s3:")))
            derived = STR("S3");
        else if (str_starts_with(res, STR("arn:aws:firehose:")))
            derived = STR("FH");
        else
            return req_fail(r, &LOGS_ERR_ValidationException, "Invalid destination resource ARN: %.*s", STR_FMT(res));
    }
    if (!type.p) type = derived;
    if (!type.p || (str_eq(type, STR("XRAY")) ? res.p != NULL : !str_eq(type, derived)))
        return req_fail(r, &LOGS_ERR_ValidationException,
                        "deliveryDestinationConfiguration.destinationResourceArn does not match the "
                        "deliveryDestinationType.");
    if (str_eq(type, STR("CWL"))) {
        val_t *g_in = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, g_in, "logGroupIdentifier", val_str(r->arena, res));
        logs_group_t g;
        if (logs__group_or_fail(r, db, g_in, &g) != GR_OK) return GR_ERR;
    }
    const val_t *tags = val_get(in, "tags");
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO delivery_destination (account, region, name, type, resource, format, tags) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account, region, name) DO UPDATE SET "
                       "type = ?4, resource = ?5, format = coalesce(?6, format), tags = ?7");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, type);
    store_bind_str(st, 5, res);
    store_bind_str(st, 6, val_get_str(in, "outputFormat"));
    store_bind_str(st, 7, tags ? val_json_text(r->arena, tags) : STR("{}"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!(st = destination_or_fail(r, db, name, DEST_COLS))) return GR_ERR;
    val_t *d = destination_item(r, st, NULL);
    store_release(st);
    return val_set_c(r->arena, out, "deliveryDestination", d);
}

int logs_get_delivery_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = destination_or_fail(r, db, val_get_str(in, "name"), DEST_COLS);
    if (!st) return GR_ERR;
    val_t *d = destination_item(r, st, NULL);
    store_release(st);
    return val_set_c(r->arena, out, "deliveryDestination", d);
}

/* AWS: name order, limit 1..50 (default 50). */
int logs_describe_delivery_destinations(req_t *r, const val_t *in, val_t *out)
{
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "limit", 50);
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT " DEST_COLS " FROM delivery_destination WHERE account = ?1 "
                                      "AND region = ?2 ORDER BY name LIMIT ?3 OFFSET ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, limit + 1);
    sqlite3_bind_int64(st, 4, off);
    int64_t n = page_rows(r, st, limit, out, "deliveryDestinations", destination_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* Runs sql (?1 account, ?2 region, ?3 name, ?4 value) on the caller's
 * destination name; ResourceNotFoundException when no row changed. */
static int destination_update_or_fail(req_t *r, const char *sql, str_t name, str_t value)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, value);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK && sqlite3_changes(db) == 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Delivery destination %.*s does not exist",
                        STR_FMT(name));
    return rc;
}

int logs_delete_delivery_destination(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return destination_update_or_fail(r,
                                      "DELETE FROM delivery_destination WHERE account = ?1 AND region = ?2 "
                                      "AND name = ?3 AND ?4 IS NULL",
                                      val_get_str(in, "name"), STR_NULL);
}

/* ==== Destination policies ==== */

/* AWS: the policy is an IAM resource policy document (which accounts'
 * deliveries may use the destination: logs:CreateDelivery). */
int logs_put_delivery_destination_policy(req_t *r, const val_t *in, val_t *out)
{
    str_t name = val_get_str(in, "deliveryDestinationName"), doc = val_get_str(in, "deliveryDestinationPolicy");
    const json_t *j = json_parse(r->arena, doc, NULL);
    if (!j || j->type != JSON_OBJECT)
        return req_fail(r, &LOGS_ERR_ValidationException, "The policy document is not a valid JSON object.");
    if (destination_update_or_fail(r,
                                   "UPDATE delivery_destination SET policy = ?4 WHERE account = ?1 AND region = ?2 "
                                   "AND name = ?3",
                                   name, doc) != GR_OK)
        return GR_ERR;
    val_t *p = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, p, "deliveryDestinationPolicy", val_str(r->arena, doc));
    return val_set_c(r->arena, out, "policy", p);
}

int logs_get_delivery_destination_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = destination_or_fail(r, db, val_get_str(in, "deliveryDestinationName"), "policy");
    if (!st) return GR_ERR;
    val_t *p = val_new(r->arena, VAL_STRUCT);
    if (sqlite3_column_type(st, 0) != SQLITE_NULL)
        val_set_c(r->arena, p, "deliveryDestinationPolicy", val_str(r->arena, store_col_str(r->arena, st, 0)));
    store_release(st);
    return val_set_c(r->arena, out, "policy", p);
}

int logs_delete_delivery_destination_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return destination_update_or_fail(r,
                                      "UPDATE delivery_destination SET policy = ?4 WHERE account = ?1 AND region = ?2 "
                                      "AND name = ?3 AND policy IS NOT NULL",
                                      val_get_str(in, "deliveryDestinationName"), STR_NULL);
}

/* ==== Sources and deliveries ==== */

/* AWS: a source is a resource of a service that vends logs (CloudFront,
 * Bedrock, ElastiCache, Pipes, …); any other resource, an S3 bucket say, is
 * ResourceNotFoundException (moto's test_put_delivery_source). gureum
 * serves none of the services that vend logs, so no resource here is one. */
int logs_put_delivery_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Resource %.*s does not exist or cannot send logs.",
                    STR_FMT(val_get_str(in, "resourceArn")));
}

static int no_source(req_t *r, str_t name)
{
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Delivery source %.*s does not exist", STR_FMT(name));
}

int logs_get_delivery_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_source(r, val_get_str(in, "name"));
}

int logs_delete_delivery_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_source(r, val_get_str(in, "name"));
}

int logs_describe_delivery_sources(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    return val_set_c(r->arena, out, "deliverySources", val_new(r->arena, VAL_LIST));
}

/* AWS: the valid and default values of deliveries, one template per
 * service, log type, resource type and destination type that can be a
 * delivery source. The catalogue is of the sources gureum can create, and
 * it can create none, so every filter selects nothing. */
int logs_describe_configuration_templates(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    return val_set_c(r->arena, out, "configurationTemplates", val_new(r->arena, VAL_LIST));
}

/* AWS: the source is looked up first, then the destination. */
int logs_create_delivery(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_source(r, val_get_str(in, "deliverySourceName"));
}

static int no_delivery(req_t *r, const val_t *in)
{
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Delivery %.*s does not exist",
                    STR_FMT(val_get_str(in, "id")));
}

int logs_get_delivery(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_delivery(r, in);
}

int logs_delete_delivery(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_delivery(r, in);
}

int logs_update_delivery_configuration(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return no_delivery(r, in);
}

int logs_describe_deliveries(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    return val_set_c(r->arena, out, "deliveries", val_new(r->arena, VAL_LIST));
}
