/* reshard.c — resharding a provisioned stream: SplitShard and MergeShards
 * (schema/003_resharding.sql). Either closes its shards at the newest
 * record row (their EndingSequenceNumber) and adds the children, numbered
 * after the stream's last shard, in one transaction; records already in a
 * closed shard stay readable there until retention, new ones go to the
 * children.
 *
 * AWS puts the stream in UPDATING for seconds; here the change is done
 * when the call answers, as CreateStream's is. */
#include <sqlite3.h>

#include "kinesis_int.h"
#include "kinesis_model.h"
#include "services/app.h"

/* Open shard n of s (kin__shard_ref read its id, before the stream was
 * looked up), or r failed as AWS fails it. */
static int open_shard_or_fail(req_t *r, const kin_stream_t *s, int n, const kin_shard_t **h)
{
    str_t id = kin__shard_id(r->arena, n);
    if (n >= s->nshards)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                        "Could not find shard %.*s in stream %.*s under account %.*s.", STR_FMT(id), STR_FMT(s->name),
                        STR_FMT(s->account));
    if (s->shards[n].closed_row >= 0)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Shard %.*s in stream %.*s under account %.*s has already been merged or split, and thus is "
                        "not eligible for merging or splitting.",
                        STR_FMT(id), STR_FMT(s->name), STR_FMT(s->account));
    *h = &s->shards[n];
    return GR_OK;
}

static int close_shard(sqlite3 *db, const kin_stream_t *s, int num)
{
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_shard SET closed_row = (SELECT coalesce(max(id), 0) FROM kin_record) "
                                      "WHERE sid = ?1 AND num = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int(st, 2, num);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static int add_shard(arena_t *a, sqlite3 *db, const kin_stream_t *s, int num, kin_u128_t lo, kin_u128_t hi, int parent,
                     int adjacent)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO kin_shard (sid, num, start_hash, end_hash, parent, adjacent) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int(st, 2, num);
    store_bind_str(st, 3, kin__u128_str(a, lo));
    store_bind_str(st, 4, kin__u128_str(a, hi));
    sqlite3_bind_int(st, 5, parent);
    if (adjacent >= 0)
        sqlite3_bind_int(st, 6, adjacent);
    else
        sqlite3_bind_null(st, 6);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS: NewStartingHashKey "greater than one plus the shard's
 * StartingHashKey and less than the shard's EndingHashKey", as its message
 * says (kinesalite's suite, run against AWS: StartingHashKey + 1 and
 * EndingHashKey are refused); one more open shard counts against the
 * account's shard quota. */
int kinesis_split_shard(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    const kin_shard_t *h = NULL;
    str_t key = val_get_str(in, "NewStartingHashKey");
    kin_u128_t k = 0;
    int n;
    int rc = kin__shard_ref_or_fail(r, in, val_get_str(in, "ShardToSplit"), &n);
    if (rc == GR_OK) rc = kin__stream_or_fail(r, db, in, &s);
    if (rc == GR_OK) rc = open_shard_or_fail(r, &s, n, &h);
    if (rc == GR_OK && (!kin__u128_parse(key, &k) || k <= h->start + 1 || k >= h->end))
        rc = req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                      "NewStartingHashKey %.*s used in SplitShard() on shard %.*s in stream %.*s under account %.*s "
                      "is not both greater than one plus the shard's StartingHashKey %.*s and less than the shard's "
                      "EndingHashKey %.*s.",
                      STR_FMT(key), STR_FMT(kin__shard_id(a, h->num)), STR_FMT(s.name), STR_FMT(s.account),
                      STR_FMT(kin__u128_str(a, h->start)), STR_FMT(kin__u128_str(a, h->end)));
    int64_t have = rc == GR_OK ? kin__open_shards(db, s.account, s.region) : 0;
    if (have < 0) rc = GR_ERR;
    if (rc == GR_OK && have + 1 > KIN_SHARD_LIMIT)
        rc = req_fail(r, &KINESIS_ERR_LimitExceededException,
                      "This request would exceed the shard limit for the account %.*s in %.*s. Current shard count for "
                      "the account: %lld. Limit: %d. Number of additional shards that would have resulted from this "
                      "request: 1.",
                      STR_FMT(s.account), STR_FMT(s.region), (long long)have, KIN_SHARD_LIMIT);
    if (rc == GR_OK) rc = close_shard(db, &s, h->num);
    if (rc == GR_OK) rc = add_shard(a, db, &s, s.nshards, h->start, k - 1, h->num, -1);
    if (rc == GR_OK) rc = add_shard(a, db, &s, s.nshards + 1, k, h->end, h->num, -1);
    return kin__tx_end(db, rc);
}

/* AWS: the two shards must be open and adjacent (ShardToMerge's range ends
 * just before AdjacentShardToMerge's begins); the child's parent is
 * ShardToMerge, its adjacent parent AdjacentShardToMerge. */
int kinesis_merge_shards(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    const kin_shard_t *h = NULL, *adj = NULL;
    int n, nadj;
    int rc = kin__shard_ref_or_fail(r, in, val_get_str(in, "ShardToMerge"), &n);
    if (rc == GR_OK) rc = kin__shard_ref_or_fail(r, in, val_get_str(in, "AdjacentShardToMerge"), &nadj);
    if (rc == GR_OK) rc = kin__stream_or_fail(r, db, in, &s);
    if (rc == GR_OK) rc = open_shard_or_fail(r, &s, n, &h);
    if (rc == GR_OK) rc = open_shard_or_fail(r, &s, nadj, &adj);
    /* AWS takes the pair in order: ShardToMerge's range just below
     * AdjacentShardToMerge's (the other way round is "not an adjacent pair",
     * kinesalite's suite from AWS) */
    if (rc == GR_OK && !(h->end != ~(kin_u128_t)0 && h->end + 1 == adj->start))
        rc = req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                      "Shards %.*s and %.*s in stream %.*s under account %.*s are not an adjacent pair of shards "
                      "eligible for merging",
                      STR_FMT(kin__shard_id(a, h->num)), STR_FMT(kin__shard_id(a, adj->num)), STR_FMT(s.name),
                      STR_FMT(s.account));
    if (rc == GR_OK) rc = close_shard(db, &s, h->num);
    if (rc == GR_OK) rc = close_shard(db, &s, adj->num);
    if (rc == GR_OK)
        rc = add_shard(a, db, &s, s.nshards, h->start < adj->start ? h->start : adj->start,
                       h->end > adj->end ? h->end : adj->end, h->num, adj->num);
    return kin__tx_end(db, rc);
}

/* AWS's UNIFORM_SCALING as its recorded shard totals show it: scaling up
 * first splits every open shard in half, then merges adjacent pairs down
 * to the target; scaling down only merges adjacent pairs. The target may
 * be at most double and at least half the open shards (AWS's documented
 * limits); an on-demand stream scales itself and refuses. */
int kinesis_update_shard_count(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    int rc = kin__stream_or_fail(r, db, in, &s);
    if (rc != GR_OK) return kin__tx_end(db, rc);
    int64_t target = val_get_int(in, "TargetShardCount", 0);
    /* the open shards in hash key order (with room for every split) */
    kin_shard_t *open = arena_alloc(a, (size_t)(2 * s.nshards + 1) * sizeof *open);
    int n = 0;
    if (!open) return kin__tx_end(db, GR_ERR);
    for (int i = 0; i < s.nshards; i++)
        if (s.shards[i].closed_row < 0) {
            int j = n++;
            for (; j > 0 && open[j - 1].start > s.shards[i].start; j--) open[j] = open[j - 1];
            open[j] = s.shards[i];
        }
    int64_t have = kin__open_shards(db, s.account, s.region);
    if (have < 0)
        rc = GR_ERR;
    else if (str_eq_c(s.mode, "ON_DEMAND"))
        rc = req_fail(r, &KINESIS_ERR_ValidationException,
                      "Request is invalid. Stream %.*s under account %.*s is in On-Demand mode.", STR_FMT(s.name),
                      STR_FMT(s.account));
    else if (target > 2 * (int64_t)n || 2 * target < (int64_t)n)
        rc = req_fail(r, &KINESIS_ERR_LimitExceededException,
                      "UpdateShardCount cannot scale stream %.*s under account %.*s from %d shards to %lld: the "
                      "target must be at least half and at most double the current open shard count.",
                      STR_FMT(s.name), STR_FMT(s.account), n, (long long)target);
    else if (have - n + target > KIN_SHARD_LIMIT)
        rc = req_fail(r, &KINESIS_ERR_LimitExceededException,
                      "This request would exceed the shard limit for the account %.*s in %.*s. Current shard count for "
                      "the account: %lld. Limit: %d. Number of additional shards that would have resulted from this "
                      "request: %lld.",
                      STR_FMT(s.account), STR_FMT(s.region), (long long)have, KIN_SHARD_LIMIT, (long long)(target - n));
    int next = s.nshards, current = n;
    if (rc == GR_OK && target > n) {
        kin_shard_t *halves = arena_alloc(a, (size_t)(2 * n) * sizeof *halves);
        if (!halves) rc = GR_ERR;
        for (int i = 0; i < n && rc == GR_OK; i++) {
            const kin_shard_t *h = &open[i];
            kin_u128_t mid = h->start + (h->end - h->start) / 2;
            if (h->end == h->start) { /* one key: nothing to split */
                halves[2 * i] = *h;
                halves[2 * i + 1].num = -1;
                continue;
            }
            halves[2 * i] = (kin_shard_t){.num = next, .start = h->start, .end = mid, .closed_row = -1};
            halves[2 * i + 1] = (kin_shard_t){.num = next + 1, .start = mid + 1, .end = h->end, .closed_row = -1};
            rc = close_shard(db, &s, h->num);
            if (rc == GR_OK) rc = add_shard(a, db, &s, next, h->start, mid, h->num, -1);
            if (rc == GR_OK) rc = add_shard(a, db, &s, next + 1, mid + 1, h->end, h->num, -1);
            next += 2;
        }
        int m = 0;
        for (int i = 0; i < 2 * n; i++)
            if (halves && halves[i].num >= 0) open[m++] = halves[i];
        n = m;
    }
    /* merge pairs (0,1), (2,3), … until the target is reached */
    for (int p = 0; rc == GR_OK && n - p > target && 2 * p + 1 < n; p++) {
        const kin_shard_t *x = &open[2 * p], *y = &open[2 * p + 1];
        rc = close_shard(db, &s, x->num);
        if (rc == GR_OK) rc = close_shard(db, &s, y->num);
        if (rc == GR_OK) rc = add_shard(a, db, &s, next++, x->start, y->end, x->num, y->num);
    }
    if (kin__tx_end(db, rc) != GR_OK) return GR_ERR;
    val_set_c(a, out, "StreamName", val_str(a, s.name));
    val_set_c(a, out, "StreamARN", val_str(a, kin__arn(a, &s)));
    val_set_c(a, out, "CurrentShardCount", val_int(a, current));
    val_set_c(a, out, "TargetShardCount", val_int(a, target));
    return GR_OK;
}
