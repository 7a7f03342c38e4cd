/* settings.c — Kinesis account settings (schema/004_…sql): the minimum
 * throughput billing commitment (DescribeAccountSettings,
 * UpdateAccountSettings) per account and region, and the warm throughput
 * rules that depend on it.
 *
 * AWS: a commitment lasts at least 24 hours; disabling it before then
 * leaves it ENABLED_UNTIL_EARLIEST_ALLOWED_END, and it ends by itself at
 * EarliestAllowedEndAt unless enabled again first. That end is computed
 * when the settings are read, so no timer is needed. */
#include <sqlite3.h>

#include "kinesis_int.h"
#include "kinesis_model.h"
#include "services/app.h"

#define COMMITMENT_HOURS 24
#define WARM_MAX_MIBPS 10240 /* AWS: "Scale to more than 10 GiBps" is refused */

typedef struct {
    str_t status;                              /* ENABLED | DISABLED | ENABLED_UNTIL_EARLIEST_ALLOWED_END */
    int64_t started_ms, ended_ms, earliest_ms; /* -1: none */
} commitment_t;

/* The account's commitment as of now (DISABLED when never enabled). */
static int commitment(sqlite3 *db, arena_t *a, str_t account, str_t region, commitment_t *c)
{
    *c = (commitment_t){STR("DISABLED"), -1, -1, -1};
    sqlite3_stmt *st = store_stmt(db, "SELECT status, coalesce(started_ms, -1), coalesce(ended_ms, -1), "
                                      "coalesce(earliest_ms, -1) FROM kin_account WHERE account = ?1 AND region = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    if (sqlite3_step(st) == SQLITE_ROW) {
        c->status = store_col_str(a, st, 0);
        c->started_ms = sqlite3_column_int64(st, 1);
        c->ended_ms = sqlite3_column_int64(st, 2);
        c->earliest_ms = sqlite3_column_int64(st, 3);
    }
    store_release(st);
    if (str_eq_c(c->status, "ENABLED_UNTIL_EARLIEST_ALLOWED_END") && kin__now_ms() >= c->earliest_ms) {
        c->status = STR("DISABLED");
        c->ended_ms = c->earliest_ms;
    }
    return GR_OK;
}

static val_t *commitment_val(arena_t *a, const commitment_t *c)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Status", val_str(a, c->status));
    if (c->started_ms >= 0) val_set_c(a, v, "StartedAt", val_time(a, c->started_ms * 1000));
    if (c->ended_ms >= 0) val_set_c(a, v, "EndedAt", val_time(a, c->ended_ms * 1000));
    if (c->earliest_ms >= 0) val_set_c(a, v, "EarliestAllowedEndAt", val_time(a, c->earliest_ms * 1000));
    return v;
}

int kinesis_describe_account_settings(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    sqlite3 *db = kin__db(r->app);
    commitment_t c;
    if (!db || commitment(db, r->arena, r->who.account, r->region, &c) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "MinimumThroughputBillingCommitment", commitment_val(r->arena, &c));
    return GR_OK;
}

/* ENABLED starts a commitment (or keeps one, cancelling a pending end);
 * DISABLED ends it now once its 24 hours are over, else at their end. */
int kinesis_update_account_settings(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    commitment_t c;
    int rc = commitment(db, a, r->who.account, r->region, &c);
    bool enable = str_eq_c(val_get_str(val_get(in, "MinimumThroughputBillingCommitment"), "Status"), "ENABLED");
    int64_t now = kin__now_ms();
    if (enable && str_eq_c(c.status, "DISABLED"))
        c = (commitment_t){STR("ENABLED"), now, -1, now + COMMITMENT_HOURS * kin__hour_ms()};
    else if (enable)
        c.status = STR("ENABLED"), c.ended_ms = -1;
    else if (str_eq_c(c.status, "ENABLED") && now < c.earliest_ms)
        c.status = STR("ENABLED_UNTIL_EARLIEST_ALLOWED_END"), c.ended_ms = c.earliest_ms;
    else if (str_eq_c(c.status, "ENABLED"))
        c.status = STR("DISABLED"), c.ended_ms = now;
    sqlite3_stmt *st = rc == GR_OK
                           ? store_stmt(db, "INSERT OR REPLACE INTO kin_account (account, region, status, "
                                            "started_ms, ended_ms, earliest_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                           : NULL;
    if (!st) rc = GR_ERR;
    if (rc == GR_OK) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, c.status);
        int64_t t[3] = {c.started_ms, c.ended_ms, c.earliest_ms};
        for (int i = 0; i < 3; i++)
            if (t[i] >= 0) sqlite3_bind_int64(st, 4 + i, t[i]);
        rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
    }
    if (kin__tx_end(db, rc) != GR_OK) return GR_ERR;
    val_set_c(a, out, "MinimumThroughputBillingCommitment", commitment_val(a, &c));
    return GR_OK;
}

/* The texts are ours: AWS documents the rule, not its wording. */
int kin__warm_ok_or_fail(req_t *r, sqlite3 *db, str_t mode, int64_t mibps)
{
    if (!str_eq_c(mode, "ON_DEMAND"))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Warm throughput is only supported for streams in ON_DEMAND mode.");
    commitment_t c;
    if (commitment(db, r->arena, r->who.account, r->region, &c) != GR_OK) return GR_ERR;
    if (str_eq_c(c.status, "DISABLED"))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account %.*s.",
                        STR_FMT(r->who.account));
    if (mibps > WARM_MAX_MIBPS)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Requested warm throughput %lld MiBps exceeds the maximum of %d MiBps.", (long long)mibps,
                        WARM_MAX_MIBPS);
    return GR_OK;
}

val_t *kin__warm_val(arena_t *a, int64_t mibps)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "TargetMiBps", val_int(a, mibps));
    val_set_c(a, v, "CurrentMiBps", val_int(a, mibps));
    return v;
}
