/* destination.c — CloudWatch Logs destinations: Put, Describe and
 * DeleteDestination and PutDestinationPolicy, the receiving end of
 * cross-account subscriptions.
 *
 * A destination names a Kinesis stream (targetArn) and the role AWS writes to
 * it with; log groups of any account whose ID the access policy allows
 * logs:PutSubscriptionFilter may subscribe to its ARN
 * (arn:aws:logs:REGION:ACCOUNT:destination:NAME), and their matching events
 * then go to the stream as subscription.c sends them to a stream of their own
 * account. The owner needs no policy. Firehose targets are refused, as
 * gureum serves no Firehose. */
#define _GNU_SOURCE /* memmem */
#include <sqlite3.h>
#include <string.h>

#include "auth/policy.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"
#include "services/kinesis/kinesis.h"

static str_t destination_arn(arena_t *a, str_t region, str_t account, str_t name)
{
    return str_c(
        arena_printf(a, "arn:aws:logs:%.*s:%.*s:destination:%.*s", STR_FMT(region), STR_FMT(account), STR_FMT(name)));
}

/* The region, account and name of a destination ARN; false when it is not one. */
static bool arn_split(str_t arn, str_t *region, str_t *account, str_t *name)
{
    str_t f[7];
    size_t k = 0, b = 0;
    for (size_t i = 0; i <= arn.len && k < 7; i++)
        if (i == arn.len || (arn.p[i] == ':' && k < 6)) {
            f[k++] = str_sub(arn, b, i - b);
            b = i + 1;
        }
    if (k != 7 || !str_eq_c(f[0], "arn") || !str_eq_c(f[2], "logs") || !str_eq_c(f[5], "destination") || !f[6].len)
        return false;
    *region = f[3];
    *account = f[4];
    *name = f[6];
    return true;
}

/* The destination's row: id, target, policy (columns 0, 1, 2), stepped onto; NULL when none. */
static sqlite3_stmt *row(sqlite3 *db, str_t account, str_t region, str_t name)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT id, target_arn, policy FROM log_destination WHERE account = ?1 AND region = ?2 "
                       "AND name = ?3");
    if (!st) return NULL;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    store_release(st);
    return NULL;
}

static int not_found(req_t *r)
{
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified destination does not exist.");
}

int logs__destination_by_arn_or_fail(req_t *r, sqlite3 *db, str_t arn, int64_t *id)
{
    str_t region, account, name;
    if (!arn_split(arn, &region, &account, &name) || !str_eq(account, r->who.account) || !str_eq(region, r->region))
        return not_found(r);
    sqlite3_stmt *st = row(db, account, region, name);
    if (!st) return not_found(r);
    *id = sqlite3_column_int64(st, 0);
    store_release(st);
    return GR_OK;
}

str_t logs__destination_target(sqlite3 *db, arena_t *a, str_t arn)
{
    str_t region, account, name;
    if (!arn_split(arn, &region, &account, &name)) return STR_NULL;
    sqlite3_stmt *st = row(db, account, region, name);
    if (!st) return STR_NULL;
    str_t t = store_col_str(a, st, 1);
    store_release(st);
    return t;
}

/* AWS: the destination's owner may always subscribe; another account only
 * as the access policy allows its principal logs:PutSubscriptionFilter on the
 * destination's ARN, else AccessDeniedException naming the account. */
int logs__destination_subscribe_ok(req_t *r, sqlite3 *db, str_t arn)
{
    str_t region, account, name;
    if (!arn_split(arn, &region, &account, &name)) return not_found(r);
    sqlite3_stmt *st = row(db, account, region, name);
    if (!st) return not_found(r);
    str_t doc = store_col_str(r->arena, st, 2);
    store_release(st);
    if (str_eq(account, r->who.account)) return GR_OK;
    policy_t *p = doc.p ? policy_parse_in(r->arena, doc, POLICY_RESOURCE, NULL, 0) : NULL;
    policy_req_t pr = {.action = STR("logs:PutSubscriptionFilter"), .resource = arn, .who = &r->who};
    if (!p || policy_eval_one(p, &pr) != POLICY_ALLOW)
        return req_fail(r, &ERR_AccessDeniedException,
                        "User with accountId: %.*s is not authorized to perform: logs:PutSubscriptionFilter on "
                        "resource: %.*s",
                        STR_FMT(r->who.account), STR_FMT(arn));
    return GR_OK;
}

static val_t *destination_val(req_t *r, sqlite3_stmt *st, void *ctx) /* a page_item_fn */
{
    arena_t *a = r->arena;
    val_t *d = val_new(a, VAL_STRUCT);
    str_t name = store_col_str(a, st, 0);
    val_set_c(a, d, "destinationName", val_str(a, name));
    val_set_c(a, d, "targetArn", val_str(a, store_col_str(a, st, 1)));
    val_set_c(a, d, "roleArn", val_str(a, store_col_str(a, st, 2)));
    str_t policy = store_col_str(a, st, 3);
    if (policy.p) val_set_c(a, d, "accessPolicy", val_str(a, policy));
    val_set_c(a, d, "arn", val_str(a, destination_arn(a, r->region, r->who.account, name)));
    val_set_c(a, d, "creationTime", val_int(a, sqlite3_column_int64(st, 4)));
    return d;
}

#define DEST_COLS "SELECT name, target_arn, role_arn, policy, created_ms FROM log_destination "

/* AWS: a second PutDestination of a name updates its target and role,
 * keeping its policy and creation time. The target must be a Kinesis stream
 * that exists (AWS writes a test record to it). */
int logs_put_destination(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "destinationName"), target = val_get_str(in, "targetArn");
    if (!str_starts_with(target, STR("arn:aws:kinesis:")) || !kinesis_stream_exists(r->app, target))
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "Could not deliver test message to specified Kinesis stream. Check if the given kinesis "
                        "stream is in ACTIVE state. ");
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO log_destination (account, region, name, target_arn, role_arn, "
                                      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (account, region, "
                                      "name) DO UPDATE SET target_arn = ?4, role_arn = ?5 RETURNING id");
    int rc = GR_ERR;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        store_bind_str(st, 4, target);
        store_bind_str(st, 5, val_get_str(in, "roleArn"));
        sqlite3_bind_int64(st, 6, logs__now_ms());
        int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        store_release(st);
        if (id >= 0) rc = logs__put_tags(r, db, &logs__destination_tags, id, val_get(in, "tags"));
    }
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    st = store_stmt(db, DEST_COLS "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    rc =
        sqlite3_step(st) == SQLITE_ROW ? val_set_c(r->arena, out, "destination", destination_val(r, st, NULL)) : GR_ERR;
    store_release(st);
    return rc;
}

/* The policy must be a resource policy the evaluator reads. */
int logs_put_destination_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "destinationName"), doc = val_get_str(in, "accessPolicy");
    char err[256] = "";
    if (!policy_parse_in(r->arena, doc, POLICY_RESOURCE, err, sizeof err))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid access policy: %s",
                        err[0] ? err : "it does not parse");
    sqlite3_stmt *st = store_stmt(db, "UPDATE log_destination SET policy = ?4 WHERE account = ?1 AND region = ?2 "
                                      "AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, doc);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK && !sqlite3_changes(db)) return not_found(r);
    return rc;
}

/* AWS: by name prefix, in name order; limit 1..50; our nextToken the offset. */
int logs_describe_destinations(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    str_t prefix = val_get_str(in, "DestinationNamePrefix");
    int64_t limit = val_get_int(in, "limit", 50);
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = logs__page_stmt(r, db,
                                       DEST_COLS "WHERE account = ?1 AND region = ?2 AND substr(name, 1, ?4) = ?3 "
                                                 "ORDER BY name LIMIT ?5 OFFSET ?6",
                                       prefix, limit, off);
    if (!st) return GR_ERR;
    int64_t n = page_rows(r, st, limit, out, "destinations", destination_val, NULL);
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

int logs_delete_destination(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM log_destination WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, val_get_str(in, "destinationName"));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK && !sqlite3_changes(db)) return not_found(r);
    return rc;
}
