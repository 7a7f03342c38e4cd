/* stream.c — Kinesis data streams (schema/001_streams.sql): CreateStream,
 * DeleteStream, DescribeStream(Summary), ListStreams, ListShards,
 * DescribeLimits, tags and retention, plus the helpers every kinesis file
 * uses to find a stream. A stream's shards, records and tags go with it
 * (ON DELETE CASCADE).
 *
 * AWS creates a stream in CREATING and turns it ACTIVE within seconds;
 * here it is ACTIVE as soon as CreateStream has answered (CreateStream's
 * answer carries no status), so DescribeStream and the stream_exists waiter
 * see ACTIVE at once. */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/log.h"
#include "kinesis_int.h"
#include "kinesis_model.h"
#include "schemas.h"
#include "services/app.h"

#define ON_DEMAND_SHARDS 4
#define MAX_RETENTION_H 8760
#define MIN_RETENTION_H 24
#define MAX_TAGS 50

/* ==== Helpers shared by the kinesis files ==== */

sqlite3 *kin__db(struct app *app)
{
    return store_db(app->store, &schema_kinesis);
}

int64_t kin__now_ms(void)
{
    return time_now_us() / 1000;
}

int64_t kin__hour_ms(void)
{
    static _Atomic int64_t unit;
    return time_test_unit_ms(&unit, "GUREUM_KINESIS_HOUR_MS", 3600000);
}

int kin__tx_end(sqlite3 *db, int rc)
{
    if (rc == GR_OK && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc == GR_OK ? GR_ERR : rc;
}

str_t kin__u128_str(arena_t *a, kin_u128_t v)
{
    char d[48];
    int i = (int)sizeof d;
    d[--i] = 0;
    do {
        d[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return arena_str(a, str_c(d + i));
}

bool kin__u128_parse(str_t s, kin_u128_t *v)
{
    kin_u128_t x = 0;
    if (!s.len || s.len > 39) return false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        kin_u128_t n = x * 10 + (kin_u128_t)(s.p[i] - '0');
        if (n / 10 != x) return false; /* past 2^128 - 1 */
        x = n;
    }
    *v = x;
    return true;
}

str_t kin__shard_id(arena_t *a, int num)
{
    return str_c(arena_printf(a, "shardId-%012d", num));
}

int kin__shard_num(str_t id)
{
    if (id.len != 20 || !str_starts_with(id, STR("shardId-"))) return -1;
    long long n;
    if (!str_to_i64(str_sub(id, 8, 12), &n) || n < 0 || n > 100000) return -1;
    return (int)n;
}

int kin__shard_ref(str_t id)
{
    str_t digits = id;
    for (size_t i = 0; i < id.len; i++)
        if (id.p[i] == '-') {
            size_t j = i + 1;
            while (j < id.len && id.p[j] != '-') j++;
            if (j > i + 1) digits = str_sub(id, i + 1, j - i - 1);
            break;
        }
    if (digits.len == 0 || digits.len > 20) return -1;
    long long n = 0;
    for (size_t i = 0; i < digits.len; i++) {
        if (digits.p[i] < '0' || digits.p[i] > '9') return -1;
        n = n * 10 + (digits.p[i] - '0');
        if (n > INT32_MAX) return -1;
    }
    return (int)n;
}

int kin__shard_ref_or_fail(req_t *r, const val_t *in, str_t id, int *num)
{
    if ((*num = kin__shard_ref(id)) >= 0) return GR_OK;
    str_t account = r->who.account, region, name = val_get_str(in, "StreamName"), an;
    if (kin__parse_arn(val_get_str(in, "StreamARN"), &account, &region, &an) && !name.p) name = an;
    return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                    "Could not find shard %.*s in stream %.*s under account %.*s.", STR_FMT(id), STR_FMT(name),
                    STR_FMT(account));
}

str_t kin__seq(arena_t *a, int64_t sid, int shard, int64_t id)
{
    return str_c(arena_printf(a, "49%012lld%012d%030lld", (long long)sid, shard, (long long)id));
}

bool kin__seq_parse(str_t seq, int64_t *sid, int *shard, int64_t *id)
{
    if (seq.len != 56 || seq.p[0] != '4' || seq.p[1] != '9') return false;
    long long a, b, c;
    for (size_t i = 0; i < seq.len; i++)
        if (seq.p[i] < '0' || seq.p[i] > '9') return false;
    /* the row id's 30 digits: the first 11 are zero below 2^63 */
    for (size_t i = 26; i < 37; i++)
        if (seq.p[i] != '0') return false;
    if (!str_to_i64(str_sub(seq, 2, 12), &a) || !str_to_i64(str_sub(seq, 14, 12), &b) ||
        !str_to_i64(str_sub(seq, 37, 19), &c))
        return false;
    *sid = a;
    *shard = (int)b;
    *id = c;
    return true;
}

bool kin__parse_arn(str_t arn, str_t *account, str_t *region, str_t *name)
{
    /* arn:aws:kinesis:REGION:ACCOUNT:stream/NAME */
    str_t f[6], rest = arn;
    for (int i = 0; i < 5; i++) {
        long c = str_index(rest, ':');
        if (c < 0) return false;
        f[i] = str_n(rest.p, (size_t)c);
        rest = str_sub(rest, (size_t)c + 1, rest.len - (size_t)c - 1);
    }
    f[5] = rest;
    if (!str_eq_c(f[0], "arn") || !str_eq_c(f[2], "kinesis") || !str_starts_with(f[5], STR("stream/"))) return false;
    *region = f[3];
    *account = f[4];
    *name = str_sub(f[5], 7, f[5].len - 7);
    return name->len > 0;
}

str_t kin__arn(arena_t *a, const kin_stream_t *s)
{
    return str_c(arena_printf(a, "arn:aws:kinesis:%.*s:%.*s:stream/%.*s", STR_FMT(s->region), STR_FMT(s->account),
                              STR_FMT(s->name)));
}

int kin__stream(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t name, kin_stream_t *s)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id, created_ms, mode, retention_hours, metrics, encryption, key_id, "
                                      "policy, max_record_kib, coalesce(warm_mibps, -1) FROM kin_stream "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        s->id = sqlite3_column_int64(st, 0);
        s->account = arena_str(a, account);
        s->region = arena_str(a, region);
        s->name = arena_str(a, name);
        s->created_ms = sqlite3_column_int64(st, 1);
        s->mode = store_col_str(a, st, 2);
        s->retention_h = sqlite3_column_int64(st, 3);
        s->metrics = store_col_str(a, st, 4);
        s->encryption = store_col_str(a, st, 5);
        s->key_id = store_col_str(a, st, 6);
        s->policy = store_col_str(a, st, 7);
        s->max_record_kib = sqlite3_column_int64(st, 8);
        s->warm_mibps = sqlite3_column_int64(st, 9);
        rc = GR_OK;
    }
    store_release(st);
    if (rc != GR_OK) return rc;
    st = store_stmt(db, "SELECT num, start_hash, end_hash, coalesce(parent, -1), coalesce(adjacent, -1), "
                        "coalesce(closed_row, -1) FROM kin_shard WHERE sid = ?1 ORDER BY num");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    size_t cap = 8;
    s->shards = arena_alloc(a, cap * sizeof *s->shards);
    s->nshards = 0;
    while (s->shards && sqlite3_step(st) == SQLITE_ROW) {
        if ((size_t)s->nshards == cap) {
            s->shards = arena_realloc(a, s->shards, cap * sizeof *s->shards, 2 * cap * sizeof *s->shards);
            cap *= 2;
            if (!s->shards) break;
        }
        kin_shard_t *h = &s->shards[s->nshards++];
        h->num = sqlite3_column_int(st, 0);
        kin__u128_parse(str_c((const char *)sqlite3_column_text(st, 1)), &h->start);
        kin__u128_parse(str_c((const char *)sqlite3_column_text(st, 2)), &h->end);
        h->parent = sqlite3_column_int(st, 3);
        h->adjacent = sqlite3_column_int(st, 4);
        h->closed_row = sqlite3_column_int64(st, 5);
    }
    store_release(st);
    return s->shards ? GR_OK : GR_ERR;
}

/* AWS: "Stream NAME under account ACCOUNT not found." (ResourceNotFound,
 * LocalStack's AWS-recorded test_cbor_exceptions). An ARN names the account
 * it carries: a stream of another account is reached only where its
 * resource policy lets the caller in (kin__authorize); one of another
 * region is never found here. */
static int stream_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, int shard);

int kin__stream_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s)
{
    return stream_or_fail(r, db, in, s, -1);
}

int kin__stream_of_shard_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, int shard)
{
    return stream_or_fail(r, db, in, s, shard);
}

/* shard >= 0: an absent stream is reported as its shard's absence. */
static int stream_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, int shard)
{
    str_t name = val_get_str(in, "StreamName");
    str_t arn = val_get_str(in, "StreamARN");
    str_t account = r->who.account, region = r->region;
    if (arn.p) {
        str_t an;
        if (!kin__parse_arn(arn, &account, &region, &an))
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid StreamARN: %.*s", STR_FMT(arn));
        if (name.p && !str_eq(name, an))
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                            "StreamARN %.*s and StreamName %.*s do not name the same stream.", STR_FMT(arn),
                            STR_FMT(name));
        name = an;
    }
    if (!name.p)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Either StreamName or StreamARN must be provided.");
    bool absent = !str_eq(region, r->region) || kin__stream(db, r->arena, account, region, name, s) != GR_OK;
    if (absent && shard >= 0)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException,
                        "Shard %.*s in stream %.*s under account %.*s does not exist",
                        STR_FMT(kin__shard_id(r->arena, shard)), STR_FMT(name), STR_FMT(account));
    if (absent)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException, "Stream %.*s under account %.*s not found.",
                        STR_FMT(name), STR_FMT(account));
    return kin__authorize(r, s, kin__arn(r->arena, s), s->policy);
}

str_t kin__name_token(arena_t *a, const char *kind, str_t last)
{
    str_t t = str_c(arena_printf(a, "%s%.*s", kind, STR_FMT(last)));
    return arena_base64(a, t.p, t.len);
}

int kin__name_token_or_fail(req_t *r, const val_t *in, const char *kind, str_t *after)
{
    str_t tok = val_get_str(in, "NextToken"), t;
    if (!tok.p) return GR_OK;
    if (!arena_unbase64(r->arena, tok, &t) || !str_starts_with(t, str_c(kind)))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid NextToken.");
    *after = str_sub(t, strlen(kind), t.len - strlen(kind));
    return GR_OK;
}

int kin__expire(sqlite3 *db, const kin_stream_t *s)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM kin_record WHERE sid = ?1 AND arrival_ms < ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int64(st, 2, kin__now_ms() - s->retention_h * kin__hour_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int64_t kin__open_shards(sqlite3 *db, str_t account, str_t region)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM kin_shard h JOIN kin_stream s ON s.id = h.sid "
                                      "WHERE s.account = ?1 AND s.region = ?2 AND h.closed_row IS NULL");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    store_release(st);
    return n;
}

/* ==== Tags ==== */

/* AWS (kinesalite's suite, run against AWS in 2018): a tag key or value
 * of Unicode letters, digits, white space and _ . / = + - @ — any other
 * ASCII character is "Some tags contain invalid characters…"; '%', which
 * that message still lists, is refused on its own with "Failed to add (or
 * remove) tags … because some tags contained illegal characters…". A
 * non-ASCII byte is taken as part of a letter. 0: fine, 1: invalid, 2: '%'. */
static int tag_text_check(str_t t)
{
    int bad = 0;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (c == '%')
            bad = bad ? bad : 2;
        else if (!(c >= 0x80 || isalnum(c) || c == ' ' || strchr("_./=+-@", c)) || c == 0)
            return 1;
    }
    return bad;
}

static int tag_texts_ok_or_fail(req_t *r, const kin_stream_t *s, const str_t *texts, size_t n, const char *verb)
{
    int worst = 0;
    for (size_t i = 0; i < n && worst != 1; i++) {
        int c = tag_text_check(texts[i]);
        if (c > 0 && (worst == 0 || c == 1)) worst = c;
    }
    if (worst == 1)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
                        "space, _ . / = + - %% @.");
    if (worst == 2)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Failed to %s stream %.*s under account %.*s because some tags contained illegal characters. "
                        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
                        verb, STR_FMT(s->name), STR_FMT(s->account));
    return GR_OK;
}

int kin__put_tags(req_t *r, sqlite3 *db, const kin_stream_t *s, const val_t *tags)
{
    if (!tags || tags->kind != VAL_MAP) return GR_OK;
    str_t *texts = arena_alloc(r->arena, (2 * tags->u.obj.n + 1) * sizeof *texts);
    for (size_t i = 0; i < tags->u.obj.n; i++) {
        const val_t *v = tags->u.obj.e[i].v;
        texts[2 * i] = tags->u.obj.e[i].key;
        texts[2 * i + 1] = v->kind == VAL_STR ? v->u.s : STR("");
    }
    if (tag_texts_ok_or_fail(r, s, texts, 2 * tags->u.obj.n, "add tags to") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "INSERT OR REPLACE INTO kin_tag (sid, key, value) VALUES (?1, ?2, ?3)");
    if (!st) return GR_ERR;
    for (size_t i = 0; i < tags->u.obj.n; i++) {
        const val_t *v = tags->u.obj.e[i].v;
        sqlite3_bind_int64(st, 1, s->id);
        store_bind_str(st, 2, tags->u.obj.e[i].key);
        store_bind_str(st, 3, v->kind == VAL_STR ? v->u.s : STR(""));
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_release(st);
            return GR_ERR;
        }
        sqlite3_reset(st);
    }
    store_release(st);
    st = store_stmt(db, "SELECT count(*) FROM kin_tag WHERE sid = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    /* AWS: "A stream can have up to 50 tags" (Tagging your streams). The
     * message is the one kinesalite's suite recorded when the limit was 10,
     * with today's limit in it. */
    if (n > MAX_TAGS)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Failed to add tags to stream %.*s under account %.*s because a given stream cannot have "
                        "more than %d tags associated with it.",
                        STR_FMT(s->name), STR_FMT(s->account), MAX_TAGS);
    return GR_OK;
}

int kinesis_add_tags_to_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    int rc = kin__stream_or_fail(r, db, in, &s);
    if (rc == GR_OK) rc = kin__put_tags(r, db, &s, val_get(in, "Tags"));
    return kin__tx_end(db, rc);
}

int kinesis_remove_tags_from_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    const val_t *keys = val_get(in, "TagKeys");
    size_t nkeys = keys && keys->kind == VAL_LIST ? keys->u.list.n : 0;
    str_t *texts = arena_alloc(r->arena, (nkeys + 1) * sizeof *texts);
    for (size_t i = 0; i < nkeys; i++) texts[i] = keys->u.list.v[i]->u.s;
    if (tag_texts_ok_or_fail(r, &s, texts, nkeys, "remove tags from") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM kin_tag WHERE sid = ?1 AND key = ?2");
    if (!st) return GR_ERR;
    for (size_t i = 0; keys && keys->kind == VAL_LIST && i < keys->u.list.n; i++) {
        sqlite3_bind_int64(st, 1, s.id);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    store_release(st);
    return GR_OK;
}

/* AWS: Limit 1..50 (the model); without one, all of a stream's tags (at
 * most 50: kinesalite's suite, run against AWS, lists 45 at once);
 * HasMoreTags when more follow. */
int kinesis_list_tags_for_stream(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "Limit", MAX_TAGS);
    str_t after = val_get_str(in, "ExclusiveStartTagKey");
    sqlite3_stmt *st = store_stmt(db, "SELECT key, value FROM kin_tag WHERE sid = ?1 AND key > ?2 ORDER BY key "
                                      "LIMIT ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, after.p ? after : STR(""));
    sqlite3_bind_int64(st, 3, limit + 1);
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n++ < limit) {
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, t, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, t);
    }
    store_release(st);
    val_set_c(a, out, "Tags", list);
    val_set_c(a, out, "HasMoreTags", val_bool(a, n > limit));
    return GR_OK;
}

/* ==== Streams ==== */

/* AWS: ShardCount or StreamModeDetails {StreamMode: ON_DEMAND} (then four
 * shards to begin with, and no ShardCount); neither: ON_DEMAND as today's
 * AWS creates it (LocalStack's AWS-recorded
 * test_create_stream_without_shard_count shows four shards). The shards
 * split the 128-bit hash key range evenly, the last taking the remainder. */
int kinesis_create_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    str_t name = val_get_str(in, "StreamName");
    const val_t *md = val_get(in, "StreamModeDetails");
    str_t mode = md ? val_get_str(md, "StreamMode") : STR_NULL;
    const val_t *sc = val_get(in, "ShardCount");
    if (!mode.p) mode = sc ? STR("PROVISIONED") : STR("ON_DEMAND");
    bool on_demand = str_eq_c(mode, "ON_DEMAND");
    if (on_demand && sc)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "ShardCount must not be specified for streams in ON_DEMAND mode.");
    if (!on_demand && !sc)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "ShardCount must be specified for streams in PROVISIONED mode.");
    int64_t n = on_demand ? ON_DEMAND_SHARDS : sc->u.i;
    int64_t max_kib = val_get_int(in, "MaxRecordSizeInKiB", KIN_RECORD_KIB_DEFAULT);
    int64_t warm = val_get_int(in, "WarmThroughputMiBps", -1);
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int64_t have = kin__open_shards(db, r->who.account, r->region);
    int rc = have < 0 ? GR_ERR : GR_OK;
    if (rc == GR_OK && warm >= 0) rc = kin__warm_ok_or_fail(r, db, mode, warm);
    /* AWS's text for the shard quota (kinesalite's suite, recorded against AWS). */
    if (rc == GR_OK && have + n > KIN_SHARD_LIMIT)
        rc = req_fail(r, &KINESIS_ERR_LimitExceededException,
                      "This request would exceed the shard limit for the account %.*s in %.*s. Current shard count for "
                      "the account: %lld. Limit: %d. Number of additional shards that would have resulted from this "
                      "request: %lld. Refer to the AWS Service Limits page "
                      "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and "
                      "how to request higher limits.",
                      STR_FMT(r->who.account), STR_FMT(r->region), (long long)have, KIN_SHARD_LIMIT, (long long)n);
    sqlite3_stmt *st = NULL;
    if (rc == GR_OK && (st = store_stmt(db, "INSERT INTO kin_stream (account, region, name, created_ms, mode, "
                                            "max_record_kib, warm_mibps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
        rc = GR_ERR;
    if (rc == GR_OK) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, name);
        sqlite3_bind_int64(st, 4, kin__now_ms());
        store_bind_str(st, 5, mode);
        sqlite3_bind_int64(st, 6, max_kib);
        if (warm >= 0) sqlite3_bind_int64(st, 7, warm);
        int s = sqlite3_step(st);
        store_release(st);
        if ((s & 0xff) == SQLITE_CONSTRAINT)
            rc = req_fail(r, &KINESIS_ERR_ResourceInUseException, "Stream %.*s under account %.*s already exists.",
                          STR_FMT(name), STR_FMT(r->who.account));
        else if (s != SQLITE_DONE)
            rc = GR_ERR;
    }
    int64_t sid = sqlite3_last_insert_rowid(db);
    if (rc == GR_OK && (st = store_stmt(db, "INSERT INTO kin_shard (sid, num, start_hash, end_hash) "
                                            "VALUES (?1, ?2, ?3, ?4)")) == NULL)
        rc = GR_ERR;
    if (rc == GR_OK) {
        kin_u128_t max = ~(kin_u128_t)0, step = max / (kin_u128_t)n + (max % (kin_u128_t)n == (kin_u128_t)n - 1);
        for (int64_t i = 0; i < n && rc == GR_OK; i++) {
            kin_u128_t lo = step * (kin_u128_t)i, hi = i == n - 1 ? max : lo + step - 1;
            sqlite3_bind_int64(st, 1, sid);
            sqlite3_bind_int(st, 2, (int)i);
            store_bind_str(st, 3, kin__u128_str(a, lo));
            store_bind_str(st, 4, kin__u128_str(a, hi));
            if (sqlite3_step(st) != SQLITE_DONE) rc = GR_ERR;
            sqlite3_reset(st);
        }
        store_release(st);
    }
    if (rc == GR_OK) {
        kin_stream_t s = {.id = sid, .name = name, .account = r->who.account};
        rc = kin__put_tags(r, db, &s, val_get(in, "Tags"));
    }
    return kin__tx_end(db, rc);
}

int kinesis_delete_stream(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    /* AWS: a stream with registered consumers is deleted only with
     * EnforceConsumerDeletion, which deregisters them too. */
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM kin_consumer WHERE sid = ?1 LIMIT 1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    bool consumers = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    const val_t *force = val_get(in, "EnforceConsumerDeletion");
    if (consumers && !(force && force->kind == VAL_BOOL && force->u.b))
        return req_fail(r, &KINESIS_ERR_ResourceInUseException,
                        "Stream %.*s under account %.*s has registered consumers. Deregister them or set "
                        "EnforceConsumerDeletion.",
                        STR_FMT(s.name), STR_FMT(s.account));
    st = store_stmt(db, "DELETE FROM kin_stream WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK) kin__notify(s.id); /* its subscriptions end */
    return rc;
}

/* The first record's sequence number still in the shard, else the shard's
 * starting one (row id 0): AWS reports the shard's first, which retention
 * does not move, so ours stays put too. */
static val_t *shard_val(arena_t *a, const kin_stream_t *s, const kin_shard_t *h)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "ShardId", val_str(a, kin__shard_id(a, h->num)));
    val_t *hk = val_new(a, VAL_STRUCT);
    val_set_c(a, hk, "StartingHashKey", val_str(a, kin__u128_str(a, h->start)));
    val_set_c(a, hk, "EndingHashKey", val_str(a, kin__u128_str(a, h->end)));
    val_set_c(a, v, "HashKeyRange", hk);
    val_t *sr = val_new(a, VAL_STRUCT);
    val_set_c(a, sr, "StartingSequenceNumber", val_str(a, kin__seq(a, s->id, h->num, 0)));
    if (h->closed_row >= 0)
        val_set_c(a, sr, "EndingSequenceNumber", val_str(a, kin__seq(a, s->id, h->num, h->closed_row)));
    if (h->parent >= 0) val_set_c(a, v, "ParentShardId", val_str(a, kin__shard_id(a, h->parent)));
    if (h->adjacent >= 0) val_set_c(a, v, "AdjacentParentShardId", val_str(a, kin__shard_id(a, h->adjacent)));
    val_set_c(a, v, "SequenceNumberRange", sr);
    return v;
}

static val_t *mode_val(arena_t *a, const kin_stream_t *s)
{
    val_t *m = val_new(a, VAL_STRUCT);
    val_set_c(a, m, "StreamMode", val_str(a, s->mode));
    return m;
}

/* "A,B" → ["A", "B"]; "" → []. */
static val_t *metrics_val(arena_t *a, str_t list)
{
    val_t *v = val_new(a, VAL_LIST);
    while (list.len) {
        long c = str_index(list, ',');
        size_t n = c < 0 ? list.len : (size_t)c;
        val_push(a, v, val_str(a, str_n(list.p, n)));
        list = c < 0 ? STR("") : str_sub(list, n + 1, list.len - n - 1);
    }
    return v;
}

/* What DescribeStream and DescribeStreamSummary both say of a stream. */
static void describe_common(arena_t *a, val_t *d, const kin_stream_t *s)
{
    val_set_c(a, d, "StreamName", val_str(a, s->name));
    val_set_c(a, d, "StreamARN", val_str(a, kin__arn(a, s)));
    val_set_c(a, d, "StreamStatus", val_cstr(a, "ACTIVE"));
    val_set_c(a, d, "StreamModeDetails", mode_val(a, s));
    val_set_c(a, d, "RetentionPeriodHours", val_int(a, s->retention_h));
    val_set_c(a, d, "StreamCreationTimestamp", val_time(a, s->created_ms / 1000 * 1000000));
    val_t *mon = val_new(a, VAL_LIST), *m = val_new(a, VAL_STRUCT);
    val_set_c(a, m, "ShardLevelMetrics", metrics_val(a, s->metrics));
    val_push(a, mon, m);
    val_set_c(a, d, "EnhancedMonitoring", mon);
    val_set_c(a, d, "EncryptionType", val_str(a, s->encryption));
    if (s->key_id.p) val_set_c(a, d, "KeyId", val_str(a, s->key_id));
}

/* AWS: Limit (1..10000) shards from ExclusiveStartShardId on, default 100;
 * HasMoreShards when more follow. */
int kinesis_describe_stream(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "Limit", 100);
    str_t after = val_get_str(in, "ExclusiveStartShardId");
    int from = 0;
    if (after.p) {
        int n = kin__shard_num(after);
        from = n < 0 ? s.nshards : n + 1;
    }
    val_t *d = val_new(a, VAL_STRUCT);
    describe_common(a, d, &s);
    val_t *shards = val_new(a, VAL_LIST);
    int i = from;
    for (; i < s.nshards && (int64_t)val_len(shards) < limit; i++) val_push(a, shards, shard_val(a, &s, &s.shards[i]));
    val_set_c(a, d, "Shards", shards);
    val_set_c(a, d, "HasMoreShards", val_bool(a, i < s.nshards));
    val_set_c(a, out, "StreamDescription", d);
    return GR_OK;
}

int kinesis_describe_stream_summary(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    val_t *d = val_new(a, VAL_STRUCT);
    describe_common(a, d, &s);
    int open = 0;
    for (int i = 0; i < s.nshards; i++) open += s.shards[i].closed_row < 0;
    val_set_c(a, d, "OpenShardCount", val_int(a, open));
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM kin_consumer WHERE sid = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    int64_t consumers = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    val_set_c(a, d, "ConsumerCount", val_int(a, consumers));
    val_set_c(a, d, "MaxRecordSizeInKiB", val_int(a, s.max_record_kib));
    /* AWS: "only present for On-Demand Kinesis Data Streams" with a warm
     * throughput; gureum scales at once, so the current value is the target */
    if (s.warm_mibps >= 0 && str_eq_c(s.mode, "ON_DEMAND"))
        val_set_c(a, d, "WarmThroughput", kin__warm_val(a, s.warm_mibps));
    val_set_c(a, out, "StreamDescriptionSummary", d);
    return GR_OK;
}

/* AWS: Limit 1..10000 (default 100) names in name order after
 * ExclusiveStartStreamName, HasMoreStreams; newer SDKs page with NextToken
 * instead (ours: the last name returned) and read StreamSummaries. */
int kinesis_list_streams(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    int64_t limit = val_get_int(in, "Limit", 100);
    str_t after = val_get_str(in, "ExclusiveStartStreamName");
    if (kin__name_token_or_fail(r, in, "ls1/", &after) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT name, created_ms, mode FROM kin_stream WHERE account = ?1 AND "
                                      "region = ?2 AND name > ?3 ORDER BY name LIMIT ?4");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, after.p ? after : STR(""));
    sqlite3_bind_int64(st, 4, limit + 1);
    val_t *names = val_new(a, VAL_LIST), *sums = val_new(a, VAL_LIST);
    int64_t n = 0;
    str_t last = STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW && n++ < limit) {
        kin_stream_t s = {.account = r->who.account, .region = r->region};
        s.name = last = store_col_str(a, st, 0);
        s.mode = store_col_str(a, st, 2);
        val_push(a, names, val_str(a, s.name));
        val_t *m = val_new(a, VAL_STRUCT);
        val_set_c(a, m, "StreamName", val_str(a, s.name));
        val_set_c(a, m, "StreamARN", val_str(a, kin__arn(a, &s)));
        val_set_c(a, m, "StreamStatus", val_cstr(a, "ACTIVE"));
        val_set_c(a, m, "StreamModeDetails", mode_val(a, &s));
        val_set_c(a, m, "StreamCreationTimestamp", val_time(a, sqlite3_column_int64(st, 1) / 1000 * 1000000));
        val_push(a, sums, m);
    }
    store_release(st);
    val_set_c(a, out, "StreamNames", names);
    val_set_c(a, out, "HasMoreStreams", val_bool(a, n > limit));
    if (n > limit) val_set_c(a, out, "NextToken", val_str(a, kin__name_token(a, "ls1/", last)));
    val_set_c(a, out, "StreamSummaries", sums);
    return GR_OK;
}

/* AWS: the stream by StreamName/StreamARN, or a NextToken alone ("NextToken
 * and StreamName cannot be provided together."); MaxResults 1..10000
 * (default 1000). ShardFilter AT_LATEST lists the open shards only,
 * AFTER_SHARD_ID those after it; the others list every shard (a closed
 * shard's records stay until retention). Our token: "lsh1/ARN/LAST-SHARD"
 * (the stream's ARN, so a stream another account shares pages too; tokens
 * of older servers carry its NAME)
 * (the token does not keep the filter). */
int kinesis_list_shards(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    str_t tok = val_get_str(in, "NextToken");
    int from = 0;
    bool open_only = false;
    kin_stream_t s;
    if (tok.p) {
        if (val_get_str(in, "StreamName").p || val_get_str(in, "StreamARN").p)
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                            "NextToken and StreamName cannot be provided together.");
        str_t t, name, num;
        long long n;
        if (!arena_unbase64(a, tok, &t) || !str_starts_with(t, STR("lsh1/")))
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid ShardId in NextToken.");
        t = str_sub(t, 5, t.len - 5);
        long slash = -1;
        for (size_t i = 0; i < t.len; i++)
            if (t.p[i] == '/') slash = (long)i;
        if (slash < 0) return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid ShardId in NextToken.");
        name = str_n(t.p, (size_t)slash);
        num = str_sub(t, (size_t)slash + 1, t.len - (size_t)slash - 1);
        if (!str_to_i64(num, &n))
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid ShardId in NextToken.");
        val_t *q = val_new(a, VAL_STRUCT);
        val_set_c(a, q, str_starts_with(name, STR("arn:")) ? "StreamARN" : "StreamName", val_str(a, name));
        if (kin__stream_or_fail(r, db, q, &s) != GR_OK) return GR_ERR;
        from = (int)n + 1;
    } else {
        if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
        str_t after = val_get_str(in, "ExclusiveStartShardId");
        const val_t *f = val_get(in, "ShardFilter");
        open_only = f && str_eq_c(val_get_str(f, "Type"), "AT_LATEST");
        if (f && str_eq_c(val_get_str(f, "Type"), "AFTER_SHARD_ID")) {
            after = val_get_str(f, "ShardId");
            if (!after.p)
                return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                                "Must specify ShardId for ShardFilter of type AFTER_SHARD_ID.");
        }
        if (after.p) {
            int n = kin__shard_num(after);
            from = n < 0 ? s.nshards : n + 1;
        }
    }
    int64_t max = val_get_int(in, "MaxResults", 1000);
    val_t *shards = val_new(a, VAL_LIST);
    int i = from;
    for (; i < s.nshards && (int64_t)val_len(shards) < max; i++)
        if (!open_only || s.shards[i].closed_row < 0) val_push(a, shards, shard_val(a, &s, &s.shards[i]));
    val_set_c(a, out, "Shards", shards);
    if (i < s.nshards) {
        str_t t = str_c(arena_printf(a, "lsh1/%.*s/%d", STR_FMT(kin__arn(a, &s)), i - 1));
        val_set_c(a, out, "NextToken", val_str(a, arena_base64(a, t.p, t.len)));
    }
    return GR_OK;
}

int kinesis_describe_limits(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    int64_t open = kin__open_shards(db, r->who.account, r->region);
    if (open < 0) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT count(*) FROM kin_stream WHERE account = ?1 AND region = ?2 AND mode = 'ON_DEMAND'");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    int64_t od = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    val_set_c(a, out, "ShardLimit", val_int(a, KIN_SHARD_LIMIT));
    val_set_c(a, out, "OpenShardCount", val_int(a, open));
    val_set_c(a, out, "OnDemandStreamCount", val_int(a, od));
    val_set_c(a, out, "OnDemandStreamCountLimit", val_int(a, 50));
    return GR_OK;
}

/* ==== Retention ==== */

/* AWS: 24..8760 hours; Increase may not shorten nor Decrease lengthen
 * (texts as kinesalite's suite recorded them from AWS); the same value is a
 * no-op (terraform's provider relies on it). */
static int set_retention(req_t *r, const val_t *in, bool increase)
{
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    int64_t h = val_get_int(in, "RetentionPeriodHours", 0);
    if (h < MIN_RETENTION_H)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Minimum allowed retention period is %d hours. Requested retention period (%lld hours) is too "
                        "short.",
                        MIN_RETENTION_H, (long long)h);
    if (h > MAX_RETENTION_H)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Maximum allowed retention period is %d hours. Requested retention period (%lld hours) is too "
                        "long.",
                        MAX_RETENTION_H, (long long)h);
    if (increase && h < s.retention_h)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Requested retention period (%lld hours) for stream %.*s can not be shorter than existing "
                        "retention period (%lld hours). Use DecreaseRetentionPeriod API.",
                        (long long)h, STR_FMT(s.name), (long long)s.retention_h);
    if (!increase && h > s.retention_h)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Requested retention period (%lld hours) for stream %.*s can not be longer than existing "
                        "retention period (%lld hours). Use IncreaseRetentionPeriod API.",
                        (long long)h, STR_FMT(s.name), (long long)s.retention_h);
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET retention_hours = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int64(st, 2, h);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    s.retention_h = h;
    return rc == GR_OK ? kin__expire(db, &s) : rc;
}

int kinesis_increase_stream_retention_period(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_retention(r, in, true);
}

int kinesis_decrease_stream_retention_period(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_retention(r, in, false);
}

/* ==== Capacity mode ==== */

/* AWS: switching between PROVISIONED and ON_DEMAND keeps the stream's
 * shards and records; the stream is named by StreamARN only. */
int kinesis_update_stream_mode(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    const val_t *md = val_get(in, "StreamModeDetails");
    str_t mode = md ? val_get_str(md, "StreamMode") : STR_NULL;
    int64_t warm = val_get_int(in, "WarmThroughputMiBps", -1);
    if (warm >= 0 && kin__warm_ok_or_fail(r, db, mode, warm) != GR_OK) return GR_ERR;
    /* a provisioned stream keeps no warm throughput */
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET mode = ?2, warm_mibps = CASE WHEN ?2 = 'ON_DEMAND' THEN "
                                      "coalesce(?3, warm_mibps) END WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, mode);
    if (warm >= 0) sqlite3_bind_int64(st, 3, warm);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* ==== Enhanced monitoring ==== */

static const char *const ALL_METRICS[] = {"IncomingBytes",
                                          "IncomingRecords",
                                          "OutgoingBytes",
                                          "OutgoingRecords",
                                          "WriteProvisionedThroughputExceeded",
                                          "ReadProvisionedThroughputExceeded",
                                          "IteratorAgeMilliseconds"};

static bool has_metric(const val_t *list, str_t m)
{
    for (size_t i = 0; list && i < val_len(list); i++)
        if (str_eq(list->u.list.v[i]->u.s, m)) return true;
    return false;
}

/* AWS: the answer names the metrics before (Current) and after (Desired)
 * the change; "ALL" enables every metric and stays "ALL", and disabling
 * one of ALL leaves the other six named. */
static int set_metrics(req_t *r, const val_t *in, val_t *out, bool enable)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return kin__tx_end(db, GR_ERR);
    const val_t *req = val_get(in, "ShardLevelMetrics");
    val_t *cur = metrics_val(a, s.metrics), *want = val_new(a, VAL_LIST);
    bool all = has_metric(req, STR("ALL")), had_all = has_metric(cur, STR("ALL"));
    if (enable && (all || had_all)) {
        val_push(a, want, val_cstr(a, "ALL"));
    } else if (enable) {
        for (size_t i = 0; i < val_len(cur); i++) val_push(a, want, cur->u.list.v[i]);
        for (size_t i = 0; req && i < val_len(req); i++)
            if (!has_metric(want, req->u.list.v[i]->u.s)) val_push(a, want, req->u.list.v[i]);
    } else if (!all) {
        for (size_t i = 0; i < (had_all ? sizeof ALL_METRICS / sizeof *ALL_METRICS : val_len(cur)); i++) {
            str_t m = had_all ? str_c(ALL_METRICS[i]) : cur->u.list.v[i]->u.s;
            if (!has_metric(req, m)) val_push(a, want, val_str(a, m));
        }
    }
    str_t joined = STR("");
    for (size_t i = 0; i < val_len(want); i++)
        joined = str_c(arena_printf(a, "%.*s%s%.*s", STR_FMT(joined), i ? "," : "", STR_FMT(want->u.list.v[i]->u.s)));
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET metrics = ?2 WHERE id = ?1");
    int rc = st ? GR_OK : GR_ERR;
    if (st) {
        sqlite3_bind_int64(st, 1, s.id);
        store_bind_str(st, 2, joined);
        rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
    }
    if (kin__tx_end(db, rc) != GR_OK) return GR_ERR;
    val_set_c(a, out, "StreamName", val_str(a, s.name));
    val_set_c(a, out, "StreamARN", val_str(a, kin__arn(a, &s)));
    val_set_c(a, out, "CurrentShardLevelMetrics", cur);
    val_set_c(a, out, "DesiredShardLevelMetrics", want);
    return GR_OK;
}

int kinesis_enable_enhanced_monitoring(req_t *r, const val_t *in, val_t *out)
{
    return set_metrics(r, in, out, true);
}

int kinesis_disable_enhanced_monitoring(req_t *r, const val_t *in, val_t *out)
{
    return set_metrics(r, in, out, false);
}

/* ==== Server-side encryption ==== */

/* AWS: StartStreamEncryption enables (or changes the key of) KMS
 * encryption at rest, StopStreamEncryption turns it off; records read back
 * the same either way, so here only what DescribeStream reports changes. */
static int set_encryption(req_t *r, const val_t *in, bool on)
{
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET encryption = ?2, key_id = ?3 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, on ? STR("KMS") : STR("NONE"));
    store_bind_str(st, 3, on ? val_get_str(in, "KeyId") : STR_NULL);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int kinesis_start_stream_encryption(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_encryption(r, in, true);
}

int kinesis_stop_stream_encryption(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_encryption(r, in, false);
}

/* ==== Record size and warm throughput ==== */

/* AWS: 1024..10240 KiB (the model checks the range); records already in
 * the stream stay as they are. The stream is named by StreamARN. */
int kinesis_update_max_record_size(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET max_record_kib = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int64(st, 2, val_get_int(in, "MaxRecordSizeInKiB", KIN_RECORD_KIB_DEFAULT));
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS: "only supported for data streams with the on-demand capacity mode in
 * accounts that have MinimumThroughputBillingCommitment enabled", up to
 * 10 GiBps. AWS answers UPDATING and scales within minutes; gureum has
 * scaled when it answers, so Current is the target already. */
int kinesis_update_stream_warm_throughput(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    int64_t warm = val_get_int(in, "WarmThroughputMiBps", 0);
    if (kin__warm_ok_or_fail(r, db, s.mode, warm) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE kin_stream SET warm_mibps = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    sqlite3_bind_int64(st, 2, warm);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return rc;
    val_set_c(a, out, "StreamARN", val_str(a, kin__arn(a, &s)));
    val_set_c(a, out, "StreamName", val_str(a, s.name));
    val_set_c(a, out, "WarmThroughput", kin__warm_val(a, warm));
    return GR_OK;
}
