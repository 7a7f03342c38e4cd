/* consumer.c — enhanced fan-out consumers (schema/002_…sql):
 * RegisterStreamConsumer, ListStreamConsumers, DescribeStreamConsumer,
 * DeregisterStreamConsumer. A consumer belongs to its stream and goes with
 * it (ON DELETE CASCADE).
 *
 * AWS names a consumer "STREAM-ARN/consumer/NAME:CREATED" (CREATED: the
 * registration's epoch seconds) and registers it CREATING, then ACTIVE
 * within seconds; here it is ACTIVE at once, as streams are. Reading
 * through a consumer is SubscribeToShard (subscribe.c). */
#include <sqlite3.h>
#include <string.h>

#include "kinesis_int.h"
#include "kinesis_model.h"
#include "services/app.h"

#define MAX_CONSUMERS 20 /* AWS: registered consumers per stream */

str_t kin__consumer_arn(arena_t *a, const kin_stream_t *s, str_t name, int64_t created_s)
{
    return str_c(
        arena_printf(a, "%.*s/consumer/%.*s:%lld", STR_FMT(kin__arn(a, s)), STR_FMT(name), (long long)created_s));
}

static val_t *consumer_val(arena_t *a, const kin_stream_t *s, str_t name, int64_t created_s, bool with_stream)
{
    val_t *c = val_new(a, VAL_STRUCT);
    val_set_c(a, c, "ConsumerName", val_str(a, name));
    val_set_c(a, c, "ConsumerARN", val_str(a, kin__consumer_arn(a, s, name, created_s)));
    val_set_c(a, c, "ConsumerStatus", val_cstr(a, "ACTIVE"));
    val_set_c(a, c, "ConsumerCreationTimestamp", val_time(a, created_s * 1000000));
    if (with_stream) val_set_c(a, c, "StreamARN", val_str(a, kin__arn(a, s)));
    return c;
}

/* The consumer's registration time and policy, or -1 when the stream has
 * none of that name (-2: the store failed). */
static int64_t consumer_created(sqlite3 *db, arena_t *a, const kin_stream_t *s, str_t name, str_t *policy)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT created_s, policy FROM kin_consumer WHERE sid = ?1 AND name = ?2");
    if (!st) return -2;
    sqlite3_bind_int64(st, 1, s->id);
    store_bind_str(st, 2, name);
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
        if (policy) *policy = store_col_str(a, st, 1);
    }
    store_release(st);
    return v;
}

bool kin__consumer_arn_parse(str_t carn, str_t *stream_arn, str_t *name, int64_t *created)
{
    /* STREAM-ARN/consumer/NAME:CREATED */
    const char *mark = NULL;
    for (size_t i = 0; i + 10 <= carn.len; i++)
        if (!memcmp(carn.p + i, "/consumer/", 10)) mark = carn.p + i;
    long colon = -1;
    for (size_t i = 0; mark && i < carn.len; i++)
        if (carn.p[i] == ':' && carn.p + i > mark) colon = (long)i;
    long long when = -1;
    if (!mark || colon <= 0) return false;
    *stream_arn = str_n(carn.p, (size_t)(mark - carn.p));
    size_t from = (size_t)(mark - carn.p) + 10;
    *name = str_sub(carn, from, (size_t)colon - from);
    if (!str_to_i64(str_sub(carn, (size_t)colon + 1, carn.len - (size_t)colon - 1), &when) || when < 0) return false;
    *created = when;
    return name->len > 0;
}

int kin__consumer_or_fail(req_t *r, sqlite3 *db, const val_t *in, kin_stream_t *s, kin_consumer_t *c)
{
    arena_t *a = r->arena;
    str_t carn = val_get_str(in, "ConsumerARN");
    c->policy = STR_NULL;
    if (carn.p) {
        str_t sarn, acc, reg, sn;
        int64_t when = -1;
        bool found = false;
        if (kin__consumer_arn_parse(carn, &sarn, &c->name, &when) && kin__parse_arn(sarn, &acc, &reg, &sn) &&
            str_eq(reg, r->region) && kin__stream(db, a, acc, reg, sn, s) == GR_OK) {
            c->created = consumer_created(db, a, s, c->name, &c->policy);
            if (c->created == -2) return GR_ERR;
            found = c->created == when;
        }
        if (!found)
            return req_fail(r, &KINESIS_ERR_ResourceNotFoundException, "Consumer %.*s, account %.*s not found.",
                            STR_FMT(carn), STR_FMT(r->who.account));
    } else {
        c->name = val_get_str(in, "ConsumerName");
        if (!val_get_str(in, "StreamARN").p || !c->name.p)
            return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                            "Either ConsumerARN or both ConsumerName and StreamARN must be provided.");
        if (kin__stream_or_fail(r, db, in, s) != GR_OK) return GR_ERR;
        c->created = consumer_created(db, a, s, c->name, &c->policy);
        if (c->created == -2) return GR_ERR;
        if (c->created < 0)
            return req_fail(r, &KINESIS_ERR_ResourceNotFoundException, "Consumer %.*s, account %.*s not found.",
                            STR_FMT(kin__consumer_arn(a, s, c->name, 0)), STR_FMT(r->who.account));
    }
    c->arn = kin__consumer_arn(a, s, c->name, c->created);
    /* named by its ARN, the stream's own policy was not consulted: the
     * consumer's is (a consumer named beside its stream passed the stream's
     * in kin__stream_or_fail, and now must pass its own) */
    return kin__authorize(r, s, c->arn, c->policy);
}

/* AWS: a name is unique within its stream (ResourceInUseException), at most
 * twenty consumers per stream (LimitExceededException). */
int kinesis_register_stream_consumer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    kin_stream_t s;
    str_t name = val_get_str(in, "ConsumerName");
    int64_t now_s = kin__now_ms() / 1000;
    int rc = kin__stream_or_fail(r, db, in, &s);
    sqlite3_stmt *st = NULL;
    if (rc == GR_OK && (st = store_stmt(db, "SELECT count(*) FROM kin_consumer WHERE sid = ?1")) == NULL) rc = GR_ERR;
    if (rc == GR_OK) {
        sqlite3_bind_int64(st, 1, s.id);
        int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        store_release(st);
        if (n < 0)
            rc = GR_ERR;
        else if (n >= MAX_CONSUMERS)
            rc = req_fail(r, &KINESIS_ERR_LimitExceededException,
                          "Stream %.*s under account %.*s already has the maximum of %d registered consumers.",
                          STR_FMT(s.name), STR_FMT(s.account), MAX_CONSUMERS);
    }
    if (rc == GR_OK &&
        (st = store_stmt(db, "INSERT INTO kin_consumer (sid, name, created_s) VALUES (?1, ?2, ?3)")) == NULL)
        rc = GR_ERR;
    if (rc == GR_OK) {
        sqlite3_bind_int64(st, 1, s.id);
        store_bind_str(st, 2, name);
        sqlite3_bind_int64(st, 3, now_s);
        int x = sqlite3_step(st);
        store_release(st);
        if ((x & 0xff) == SQLITE_CONSTRAINT)
            rc = req_fail(r, &KINESIS_ERR_ResourceInUseException,
                          "Consumer %.*s under stream %.*s already exists for account %.*s.", STR_FMT(name),
                          STR_FMT(s.name), STR_FMT(s.account));
        else if (x != SQLITE_DONE)
            rc = GR_ERR;
    }
    if (rc == GR_OK) rc = kin__put_consumer_tags(r, db, &s, name, val_get(in, "Tags"));
    if (kin__tx_end(db, rc) != GR_OK) return GR_ERR;
    val_set_c(a, out, "Consumer", consumer_val(a, &s, name, now_s, false));
    return GR_OK;
}

/* AWS: MaxResults 1..10000 (default 100) in name order; our NextToken is
 * base64 of "lc1/LAST-NAME". */
int kinesis_list_stream_consumers(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    if (kin__stream_or_fail(r, db, in, &s) != GR_OK) return GR_ERR;
    str_t after = STR("");
    if (kin__name_token_or_fail(r, in, "lc1/", &after) != GR_OK) return GR_ERR;
    int64_t max = val_get_int(in, "MaxResults", 100);
    sqlite3_stmt *st = store_stmt(db, "SELECT name, created_s FROM kin_consumer WHERE sid = ?1 AND name > ?2 "
                                      "ORDER BY name LIMIT ?3");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, after);
    sqlite3_bind_int64(st, 3, max + 1);
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    str_t last = STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW && n++ < max) {
        last = store_col_str(a, st, 0);
        val_push(a, list, consumer_val(a, &s, last, sqlite3_column_int64(st, 1), false));
    }
    store_release(st);
    val_set_c(a, out, "Consumers", list);
    if (n > max) val_set_c(a, out, "NextToken", val_str(a, kin__name_token(a, "lc1/", last)));
    return GR_OK;
}

int kinesis_describe_stream_consumer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    kin_consumer_t c;
    if (kin__consumer_or_fail(r, db, in, &s, &c) != GR_OK) return GR_ERR;
    val_set_c(a, out, "ConsumerDescription", consumer_val(a, &s, c.name, c.created, true));
    return GR_OK;
}

int kinesis_deregister_stream_consumer(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    kin_stream_t s;
    kin_consumer_t c;
    if (kin__consumer_or_fail(r, db, in, &s, &c) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM kin_consumer WHERE sid = ?1 AND name = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, c.name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc == GR_OK) kin__notify(s.id); /* its subscriptions end */
    return rc;
}
