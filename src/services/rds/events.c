/* events.c — RDS events: what happens to DB instances and snapshots
 * (created, restarted, stopped, failed over, a snapshot taken, …), recorded
 * where it happens (the handlers and engine.c) with AWS's messages and
 * categories, listed by DescribeEvents and put on the account's default
 * EventBridge bus as "RDS DB Instance Event" / "RDS DB Snapshot Event"
 * (source aws.rds), as RDS does. Kept 14 days. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "rds_model.h"
#include "services/events/events.h"
#include "services/rds/rds.h"
#include "store/store.h"

#define KEEP_MS (14LL * 24 * 3600 * 1000)

void rds__event(struct app *app, sqlite3 *db, arena_t *a, const rds__event_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    int64_t now = rds__now_ms();
    bool snapshot = !strcmp(e->type, "db-snapshot");
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO event (account, region, source_type, source_id, categories, "
                                      "message, ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return;
    const char *v[] = {e->account, e->region, e->type, e->id, e->category, message};
    for (int i = 0; i < 6; i++) sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    sqlite3_step(st);
    store_release(st);
    st = store_stmt(db, "DELETE FROM event WHERE ms < ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, now - KEEP_MS);
        sqlite3_step(st);
        store_release(st);
    }
    /* AWS: the EventBridge event's detail */
    const char *arn = rds__arn_of(a, str_c(e->region), str_c(e->account), snapshot ? "snapshot" : "db", str_c(e->id));
    char date[40];
    time_fmt_iso8601(date, now * 1000, true);
    buf_t b;
    buf_init(&b, a);
    buf_puts(&b, "{\"EventCategories\":[");
    json_write_string(&b, str_c(e->category));
    buf_puts(&b, snapshot ? "],\"SourceType\":\"SNAPSHOT\",\"SourceArn\":"
                          : "],\"SourceType\":\"DB_INSTANCE\","
                            "\"SourceArn\":");
    json_write_string(&b, str_c(arn));
    buf_puts(&b, ",\"Date\":");
    json_write_string(&b, str_c(date));
    buf_puts(&b, ",\"Message\":");
    json_write_string(&b, str_c(message));
    buf_puts(&b, ",\"SourceIdentifier\":");
    json_write_string(&b, str_c(e->id));
    if (e->event_id) {
        buf_puts(&b, ",\"EventID\":");
        json_write_string(&b, str_c(e->event_id));
    }
    buf_putc(&b, '}');
    json_t *detail = json_parse(a, buf_str(&b), NULL);
    str_t res = str_c(arn);
    if (detail)
        events_put_service_event(app, a, str_c(e->account), str_c(e->region), STR("aws.rds"),
                                 str_c(snapshot ? "RDS DB Snapshot Event" : "RDS DB Instance Event"), &res, 1, detail);
}

static val_t *event_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    str_t type = store_col_str(a, st, 0), id = store_col_str(a, st, 1);
    val_set_c(a, v, "SourceIdentifier", val_str(a, id));
    val_set_c(a, v, "SourceType", val_str(a, type));
    val_set_c(a, v, "Message", val_str(a, store_col_str(a, st, 3)));
    val_t *cats = val_new(a, VAL_LIST);
    val_push(a, cats, val_str(a, store_col_str(a, st, 2)));
    val_set_c(a, v, "EventCategories", cats);
    val_set_c(a, v, "Date", val_time(a, sqlite3_column_int64(st, 4) * 1000));
    val_set_c(a, v, "SourceArn", val_cstr(a, rds__arn(r, str_eq_c(type, "db-snapshot") ? "snapshot" : "db", id)));
    return v;
}

int rds_describe_events(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = rds__db(r->app);
    if (!db) return GR_ERR;
    /* AWS: the events of the last Duration minutes (60 by default) unless
     * StartTime says otherwise; EndTime now by default */
    int64_t now = rds__now_ms(), end = now, start;
    const val_t *sv = val_get(in, "StartTime"), *ev = val_get(in, "EndTime");
    if (ev && ev->kind == VAL_TIME) end = ev->u.t / 1000;
    if (sv && sv->kind == VAL_TIME)
        start = sv->u.t / 1000;
    else
        start = end - val_get_int(in, "Duration", 60) * 60000;
    const char *where = arena_printf(a, "WHERE account = ?1 AND region = ?2 AND ms >= %lld AND ms <= %lld",
                                     (long long)start, (long long)end);
    static const struct {
        const char *member, *column;
        bool ids, list;
    } by[] = {{"SourceType", "source_type", false, false},
              {"SourceIdentifier", "source_id", true, false},
              {"EventCategories", "categories", false, true}};
    for (size_t i = 0; i < sizeof by / sizeof by[0]; i++) {
        const val_t *v = val_get(in, by[i].member);
        if (!v || (by[i].list && !val_len(v))) continue;
        const val_t *list = v;
        if (!by[i].list) {
            val_t *one = val_new(a, VAL_LIST);
            val_push(a, one, val_str(a, v->u.s));
            list = one;
        }
        const char *cond = rds__sql_in(a, by[i].column, list, by[i].ids);
        if (!cond) return GR_ERR;
        where = arena_printf(a, "%s%s", where, cond);
    }
    return rds__page(r, in, out, db,
                     arena_printf(a,
                                  "SELECT source_type, source_id, categories, message, ms FROM event %s ORDER BY "
                                  "ms, seq",
                                  where),
                     "Events", event_item, NULL);
}
