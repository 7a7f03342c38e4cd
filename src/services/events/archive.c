/* archive.c — EventBridge archives and replays.
 *
 * An archive is a managed rule on its bus ("Events-Archive-NAME", managed by
 * "prod.vhs.events.aws.internal", as AWS shows it) whose pattern is the
 * archive's plus "replay-name": [{"exists": false}], so replayed events are
 * not archived again; its one target "arn:aws:events:REGION:::" stores the
 * event (put.c routes it here). A replay is started by StartReplay and run by
 * the scheduler thread (schedule.c): each archived event of the time window
 * goes back on the bus with a new id and "replay-name", to the rules named in
 * Destination.FilterArns or to every rule of the bus. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/page.h"

#define MANAGED_BY "prod.vhs.events.aws.internal"

static str_t arn_of(req_t *r, const char *kind, str_t name)
{
    return str_c(arena_printf(r->arena, "arn:aws:events:%.*s:%.*s:%s/%.*s", STR_FMT(r->region), STR_FMT(r->who.account),
                              kind, STR_FMT(name)));
}

/* The archive rule's pattern: the archive's own (an object, or none) with
 * "replay-name": [{"exists": false}] added. NULL if pattern is not an object. */
static str_t rule_pattern(arena_t *a, const json_t *pattern)
{
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    for (size_t i = 0; pattern && i < pattern->u.obj.n; i++) {
        if (str_eq_c(pattern->u.obj.k[i], "replay-name")) continue;
        json_w_key(&w, pattern->u.obj.k[i]);
        json_w_value(&w, pattern->u.obj.v[i]);
    }
    json_w_key(&w, STR("replay-name"));
    json_w_raw(&w, STR("[{\"exists\":false}]"));
    json_w_obj_end(&w);
    return buf_str(&b);
}

/* Checks an archive's pattern as PutRule does; GR_OK with *out (NULL for none). */
static int pattern_or_fail(req_t *r, str_t pattern, const json_t **out)
{
    *out = NULL;
    if (!pattern.p) return GR_OK;
    const char *why = events__pattern_check(r->arena, pattern, out);
    if (why) return req_fail(r, &EVENTS_ERR_InvalidEventPatternException, "%s", why);
    return GR_OK;
}

/* The archive target's transformer, as AWS lists it. */
static str_t target_template(arena_t *a, str_t archive_arn)
{
    return str_c(arena_printf(a,
                              "{\"archive-arn\": \"%.*s\", \"event\": <aws.events.event.json>, "
                              "\"ingestion-time\": <aws.events.event.ingestion-time>}",
                              STR_FMT(archive_arn)));
}

/* ==== Archives ==== */

typedef struct {
    int64_t id, rule_id, retention_days, created_ms, events, bytes;
    str_t name, bus, pattern, description, state, kms_key;
} archive_t;

static const char ARCHIVE_COLS[] =
    "a.id, a.rule_id, a.retention_days, a.created_ms, a.name, a.bus, a.pattern, a.description, a.state, "
    "(SELECT count(*) FROM archive_event e WHERE e.archive_id = a.id), "
    "(SELECT coalesce(sum(length(CAST(body AS BLOB))), 0) FROM archive_event e WHERE e.archive_id = a.id), "
    "a.kms_key";

static void archive_from_row(arena_t *a, sqlite3_stmt *st, archive_t *x)
{
    x->id = sqlite3_column_int64(st, 0);
    x->rule_id = sqlite3_column_int64(st, 1);
    x->retention_days = sqlite3_column_int64(st, 2);
    x->created_ms = sqlite3_column_int64(st, 3);
    x->name = store_col_str(a, st, 4);
    x->bus = store_col_str(a, st, 5);
    x->pattern = store_col_str(a, st, 6);
    x->description = store_col_str(a, st, 7);
    x->state = store_col_str(a, st, 8);
    x->events = sqlite3_column_int64(st, 9);
    x->bytes = sqlite3_column_int64(st, 10);
    x->kms_key = store_col_str(a, st, 11);
}

/* GR_OK with *x; GR_ERR without failing r when there is no such archive. */
static int load_archive(req_t *r, sqlite3 *db, str_t name, archive_t *x)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM archive a WHERE account = ?1 AND region = ?2 AND name = ?3",
             ARCHIVE_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        archive_from_row(r->arena, st, x);
        rc = GR_OK;
    }
    store_release(st);
    return rc;
}

static int archive_or_fail(req_t *r, sqlite3 *db, str_t name, archive_t *x)
{
    if (load_archive(r, db, name, x) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Archive %.*s does not exist.", STR_FMT(name));
}

/* The bus an EventSourceArn / Destination.Arn names, failing r when it is no
 * bus of the caller's. */
static int bus_or_fail(req_t *r, sqlite3 *db, str_t arn, str_t *bus)
{
    *bus = events__bus_name(r, arn);
    if (events__bus_exists(db, r->who.account, r->region, *bus)) return GR_OK;
    str_t shown = events__arn_bus(arn);
    if (!shown.p) shown = *bus;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event bus %.*s does not exist.", STR_FMT(shown));
}

static int exec_bound(sqlite3 *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS (CreateArchive): the archive, its managed rule and the rule's target
 * come into being together. */
int events_create_archive(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "ArchiveName"), bus, pattern = val_get_str(in, "EventPattern");
    if (bus_or_fail(r, db, val_get_str(in, "EventSourceArn"), &bus) != GR_OK) return GR_ERR;
    const json_t *pj;
    if (pattern_or_fail(r, pattern, &pj) != GR_OK) return GR_ERR;
    archive_t old;
    if (load_archive(r, db, name, &old) == GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Archive %.*s already exists.", STR_FMT(name));
    str_t arn = arn_of(r, "archive", name);
    str_t rule = str_c(arena_printf(a, "Events-Archive-%.*s", STR_FMT(name)));
    int64_t now = events__now_ms();
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_ERR;
    int64_t rule_id = 0;
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO rule (account, region, bus, name, pattern, state, created_ms, "
                                      "managed_by) VALUES (?1, ?2, ?3, ?4, ?5, 'ENABLED', ?6, '" MANAGED_BY "')");
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, bus);
        store_bind_str(st, 4, rule);
        store_bind_str(st, 5, rule_pattern(a, pj));
        sqlite3_bind_int64(st, 6, now);
        if (sqlite3_step(st) == SQLITE_DONE) {
            rule_id = sqlite3_last_insert_rowid(db);
            rc = GR_OK;
        }
        store_release(st);
    }
    if (rc == GR_OK) {
        rc = GR_ERR;
        st = store_stmt(db, "INSERT INTO target (rule_id, tid, arn, paths_map, template, pos) "
                            "VALUES (?1, ?2, ?3, '{}', ?4, 1)");
        if (st) {
            sqlite3_bind_int64(st, 1, rule_id);
            store_bind_str(st, 2, rule);
            store_bind_str(st, 3, events__archive_target(a, r->region));
            store_bind_str(st, 4, target_template(a, arn));
            rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
            store_release(st);
        }
    }
    if (rc == GR_OK) {
        rc = GR_ERR;
        st = store_stmt(db, "INSERT INTO archive (account, region, name, bus, pattern, description, retention_days, "
                            "state, created_ms, rule_id, kms_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'ENABLED', ?8, "
                            "?9, nullif(?10, ''))");
        if (st) {
            store_bind_str(st, 1, r->who.account);
            store_bind_str(st, 2, r->region);
            store_bind_str(st, 3, name);
            store_bind_str(st, 4, bus);
            store_bind_str(st, 5, pattern);
            store_bind_str(st, 6, val_get_str(in, "Description"));
            sqlite3_bind_int64(st, 7, val_get_int(in, "RetentionDays", 0));
            sqlite3_bind_int64(st, 8, now);
            sqlite3_bind_int64(st, 9, rule_id);
            store_bind_str(st, 10, val_get_str(in, "KmsKeyIdentifier"));
            rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
            store_release(st);
        }
    }
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    val_set_c(a, out, "ArchiveArn", val_str(a, arn));
    val_set_c(a, out, "State", val_cstr(a, "ENABLED"));
    return val_set_c(a, out, "CreationTime", val_time(a, now * 1000));
}

/* The members ListArchives and DescribeArchive share, set in v, which is returned. */
static val_t *archive_fields(req_t *r, val_t *v, const archive_t *x)
{
    arena_t *a = r->arena;
    val_set_c(a, v, "ArchiveName", val_str(a, x->name));
    val_set_c(a, v, "EventSourceArn", val_str(a, events__bus_arn(a, r->who.account, r->region, x->bus)));
    val_set_c(a, v, "State", val_str(a, x->state));
    val_set_c(a, v, "RetentionDays", val_int(a, x->retention_days));
    val_set_c(a, v, "SizeBytes", val_int(a, x->bytes));
    val_set_c(a, v, "EventCount", val_int(a, x->events));
    val_set_c(a, v, "CreationTime", val_time(a, x->created_ms * 1000));
    return v;
}

/* A ListArchives item from a row of ARCHIVE_COLS. */
static val_t *archive_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    archive_t x;
    archive_from_row(r->arena, st, &x);
    return archive_fields(r, val_new(r->arena, VAL_STRUCT), &x);
}

int events_describe_archive(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    archive_t x;
    if (archive_or_fail(r, db, val_get_str(in, "ArchiveName"), &x) != GR_OK) return GR_ERR;
    archive_fields(r, out, &x);
    val_set_c(a, out, "ArchiveArn", val_str(a, arn_of(r, "archive", x.name)));
    if (x.description.p) val_set_c(a, out, "Description", val_str(a, x.description));
    if (x.pattern.p) val_set_c(a, out, "EventPattern", val_str(a, x.pattern));
    if (x.kms_key.p) val_set_c(a, out, "KmsKeyIdentifier", val_str(a, x.kms_key));
    return GR_OK;
}

/* AWS (ListArchives, ListReplays): at most one of NamePrefix, EventSourceArn
 * and State; then the page asked for (events__page_or_fail). */
static int list_args_or_fail(req_t *r, const val_t *in, const char *op, long long *off, int64_t *limit)
{
    int n = !!val_get(in, "NamePrefix") + !!val_get(in, "EventSourceArn") + !!val_get(in, "State");
    if (n > 1)
        return req_fail(r, &ERR_ValidationException,
                        "At most one filter is allowed for %s. Use either : State, EventSourceArn, or NamePrefix.", op);
    return events__page_or_fail(r, in, off, limit);
}

/* The List{Archives,Replays} query: the caller's rows of from (cols) by
 * NamePrefix, State and source (column source_col, when given), one page in
 * name order. NULL (logged) on failure. */
static sqlite3_stmt *list_stmt(req_t *r, sqlite3 *db, const val_t *in, const char *from, const char *cols,
                               const char *source_col, str_t source, int64_t limit, long long off)
{
    str_t prefix = val_get_str(in, "NamePrefix");
    char sql[768];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM %s WHERE account = ?1 AND region = ?2 AND substr(name, 1, ?4) = ?3 "
             "AND (?5 IS NULL OR %s = ?5) AND (?6 IS NULL OR state = ?6) ORDER BY name LIMIT ?7 OFFSET ?8",
             cols, from, source_col);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 4, (sqlite3_int64)prefix.len);
    store_bind_str(st, 5, source);
    store_bind_str(st, 6, val_get_str(in, "State"));
    sqlite3_bind_int64(st, 7, limit + 1);
    sqlite3_bind_int64(st, 8, off);
    return st;
}

int events_list_archives(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    int64_t limit;
    if (list_args_or_fail(r, in, "ListArchives", &off, &limit) != GR_OK) return GR_ERR;
    str_t bus = STR_NULL;
    if (val_get(in, "EventSourceArn") && bus_or_fail(r, db, val_get_str(in, "EventSourceArn"), &bus) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = list_stmt(r, db, in, "archive a", ARCHIVE_COLS, "bus", bus, limit, off);
    if (!st) return GR_ERR;
    int64_t n = page_rows(r, st, limit, out, "Archives", archive_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* AWS (recorded: UpdateArchive with nothing to change is refused before the
 * archive is looked up). A new pattern is the managed rule's too. As
 * UpdateEventBus: "If you do not specify a customer managed key identifier,
 * EventBridge uses an Amazon Web Services owned key", so an update without
 * KmsKeyIdentifier drops the archive's key. */
int events_update_archive(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t pattern = val_get_str(in, "EventPattern"), desc = val_get_str(in, "Description");
    const val_t *days = val_get(in, "RetentionDays");
    if (!pattern.p && !desc.p && !days && !val_get(in, "KmsKeyIdentifier"))
        return req_fail(r, &ERR_ValidationException,
                        "At least one of EventPattern, RetentionDays or Description must be provided.");
    archive_t x;
    if (archive_or_fail(r, db, val_get_str(in, "ArchiveName"), &x) != GR_OK) return GR_ERR;
    const json_t *pj;
    if (pattern_or_fail(r, pattern, &pj) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE archive SET pattern = coalesce(?2, pattern), description = "
                                      "coalesce(?3, description), retention_days = coalesce(?4, retention_days), "
                                      "kms_key = nullif(?5, '') WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, x.id);
        store_bind_str(st, 2, pattern);
        store_bind_str(st, 3, desc);
        if (days)
            sqlite3_bind_int64(st, 4, val_get_int(in, "RetentionDays", 0));
        else
            sqlite3_bind_null(st, 4);
        store_bind_str(st, 5, val_get_str(in, "KmsKeyIdentifier"));
        rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
        store_release(st);
    }
    if (rc == GR_OK && pattern.p) {
        rc = GR_ERR;
        st = store_stmt(db, "UPDATE rule SET pattern = ?2 WHERE id = ?1");
        if (st) {
            sqlite3_bind_int64(st, 1, x.rule_id);
            store_bind_str(st, 2, rule_pattern(a, pj));
            rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
            store_release(st);
        }
    }
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    val_set_c(a, out, "ArchiveArn", val_str(a, arn_of(r, "archive", x.name)));
    val_set_c(a, out, "State", val_str(a, x.state));
    return val_set_c(a, out, "CreationTime", val_time(a, x.created_ms * 1000));
}

/* AWS: deleting an archive deletes its managed rule and its events. */
int events_delete_archive(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    archive_t x;
    if (archive_or_fail(r, db, val_get_str(in, "ArchiveName"), &x) != GR_OK) return GR_ERR;
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    int rc = exec_bound(db, "DELETE FROM rule WHERE id = ?1", x.rule_id);
    if (rc == GR_OK) rc = exec_bound(db, "UPDATE replay SET archive_id = NULL WHERE archive_id = ?1", x.id);
    if (rc == GR_OK) rc = exec_bound(db, "DELETE FROM archive WHERE id = ?1", x.id);
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    return GR_OK;
}

str_t events__archive_target(arena_t *a, str_t region)
{
    return str_c(arena_printf(a, "arn:aws:events:%.*s:::", STR_FMT(region)));
}

/* Stores event in the archive whose managed rule is rule_id, at the event's
 * own time (what a replay's window selects on). */
void events__archive_store(struct app *app, arena_t *a, int64_t rule_id, str_t event_text, const json_t *event)
{
    sqlite3 *db = events__db(app);
    if (!db) return;
    const json_t *t = json_get(event, "time");
    int64_t now = events__now_ms(), us;
    int64_t ts = t && t->type == JSON_STRING && time_parse(t->u.s, &us) ? us / 1000 : now;
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO archive_event (archive_id, ts_ms, stored_ms, body) "
                                      "SELECT id, ?2, ?3, ?4 FROM archive WHERE rule_id = ?1 AND state = 'ENABLED'");
    if (!st) return;
    sqlite3_bind_int64(st, 1, rule_id);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_int64(st, 3, now);
    store_bind_str(st, 4, event_text);
    if (sqlite3_step(st) != SQLITE_DONE) log_warn("events: archiving an event failed: %s", sqlite3_errmsg(db));
    store_release(st);
    (void)a;
}

/* ==== Replays ==== */

typedef struct {
    int64_t id, archive_id, start_ms, end_ms, began_ms, ended_ms, last_ms;
    str_t account, region, name, archive_arn, description, bus_arn, filters, state, reason;
} replay_t;

static const char REPLAY_COLS[] = "id, coalesce(archive_id, 0), start_ms, end_ms, began_ms, coalesce(ended_ms, 0), "
                                  "coalesce(last_event_ms, 0), account, region, name, archive_arn, description, "
                                  "bus_arn, filter_arns, state, reason";

static void replay_from_row(arena_t *a, sqlite3_stmt *st, replay_t *x)
{
    x->id = sqlite3_column_int64(st, 0);
    x->archive_id = sqlite3_column_int64(st, 1);
    x->start_ms = sqlite3_column_int64(st, 2);
    x->end_ms = sqlite3_column_int64(st, 3);
    x->began_ms = sqlite3_column_int64(st, 4);
    x->ended_ms = sqlite3_column_int64(st, 5);
    x->last_ms = sqlite3_column_int64(st, 6);
    x->account = store_col_str(a, st, 7);
    x->region = store_col_str(a, st, 8);
    x->name = store_col_str(a, st, 9);
    x->archive_arn = store_col_str(a, st, 10);
    x->description = store_col_str(a, st, 11);
    x->bus_arn = store_col_str(a, st, 12);
    x->filters = store_col_str(a, st, 13);
    x->state = store_col_str(a, st, 14);
    x->reason = store_col_str(a, st, 15);
}

static int replay_or_fail(req_t *r, sqlite3 *db, str_t name, replay_t *x)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM replay WHERE account = ?1 AND region = ?2 AND name = ?3", REPLAY_COLS);
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) replay_from_row(r->arena, st, x);
    store_release(st);
    if (found) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Replay %.*s does not exist.", STR_FMT(name));
}

/* The members DescribeReplay and ListReplays share, set in v, which is returned. */
static val_t *replay_fields(arena_t *a, val_t *v, const replay_t *x)
{
    val_set_c(a, v, "ReplayName", val_str(a, x->name));
    val_set_c(a, v, "EventSourceArn", val_str(a, x->archive_arn));
    val_set_c(a, v, "State", val_str(a, x->state));
    if (x->reason.p) val_set_c(a, v, "StateReason", val_str(a, x->reason));
    val_set_c(a, v, "EventStartTime", val_time(a, x->start_ms * 1000));
    val_set_c(a, v, "EventEndTime", val_time(a, x->end_ms * 1000));
    if (x->last_ms) val_set_c(a, v, "EventLastReplayedTime", val_time(a, x->last_ms * 1000));
    val_set_c(a, v, "ReplayStartTime", val_time(a, x->began_ms * 1000));
    if (x->ended_ms) val_set_c(a, v, "ReplayEndTime", val_time(a, x->ended_ms * 1000));
    return v;
}

/* A ListReplays item from a row of REPLAY_COLS. */
static val_t *replay_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    replay_t x;
    replay_from_row(r->arena, st, &x);
    return replay_fields(r->arena, val_new(r->arena, VAL_STRUCT), &x);
}

/* AWS (StartReplay; the messages as recorded and as moto has them): the
 * destination must be the archive's own bus; the replay starts in STARTING
 * and the scheduler thread runs it. */
int events_start_replay(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "ReplayName"), src = val_get_str(in, "EventSourceArn");
    const val_t *dest = val_get(in, "Destination");
    str_t dest_arn = val_get_str(dest, "Arn"), bus;
    if (!events__arn_bus(dest_arn).p)
        return req_fail(r, &ERR_ValidationException,
                        "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN.");
    if (bus_or_fail(r, db, dest_arn, &bus) != GR_OK) return GR_ERR;
    str_t pre = arn_of(r, "archive", STR(""));
    str_t archive_name = str_starts_with(src, pre) ? str_sub(src, pre.len, src.len - pre.len) : src;
    archive_t x;
    if (load_archive(r, db, archive_name, &x) != GR_OK)
        return req_fail(r, &ERR_ValidationException,
                        "Parameter EventSourceArn is not valid. Reason: Archive %.*s does not exist.",
                        STR_FMT(archive_name));
    if (!str_eq(x.bus, bus))
        return req_fail(r, &ERR_ValidationException,
                        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
    const val_t *t0 = val_get(in, "EventStartTime"), *t1 = val_get(in, "EventEndTime");
    int64_t start_ms = t0 ? t0->u.t / 1000 : 0, end_ms = t1 ? t1->u.t / 1000 : 0;
    if (end_ms <= start_ms)
        return req_fail(r, &ERR_ValidationException,
                        "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.");
    const val_t *filters = val_get(dest, "FilterArns");
    str_t filter_json = STR_NULL;
    if (filters && filters->kind == VAL_LIST) {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_arr_begin(&w);
        for (size_t i = 0; i < filters->u.list.n; i++) json_w_str(&w, filters->u.list.v[i]->u.s);
        json_w_arr_end(&w);
        filter_json = buf_str(&b);
    }
    int64_t now = events__now_ms();
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO replay (account, region, name, archive_arn, archive_id, "
                                      "description, start_ms, end_ms, bus_arn, filter_arns, state, began_ms) VALUES "
                                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'STARTING', ?11) "
                                      "ON CONFLICT (account, region, name) DO NOTHING");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name);
    store_bind_str(st, 4, arn_of(r, "archive", x.name));
    sqlite3_bind_int64(st, 5, x.id);
    store_bind_str(st, 6, val_get_str(in, "Description"));
    sqlite3_bind_int64(st, 7, start_ms);
    sqlite3_bind_int64(st, 8, end_ms);
    store_bind_str(st, 9, dest_arn);
    store_bind_str(st, 10, filter_json);
    sqlite3_bind_int64(st, 11, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    bool added = rc == GR_OK && sqlite3_changes(db) == 1;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!added)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Replay %.*s already exists.", STR_FMT(name));
    events__scheduler_wake();
    val_set_c(a, out, "ReplayArn", val_str(a, arn_of(r, "replay", name)));
    val_set_c(a, out, "State", val_cstr(a, "STARTING"));
    return val_set_c(a, out, "ReplayStartTime", val_time(a, now * 1000));
}

int events_describe_replay(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    replay_t x;
    if (replay_or_fail(r, db, val_get_str(in, "ReplayName"), &x) != GR_OK) return GR_ERR;
    replay_fields(a, out, &x);
    val_set_c(a, out, "ReplayArn", val_str(a, arn_of(r, "replay", x.name)));
    if (x.description.p) val_set_c(a, out, "Description", val_str(a, x.description));
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "Arn", val_str(a, x.bus_arn));
    const json_t *f = x.filters.p ? json_parse(a, x.filters, NULL) : NULL;
    if (f && f->type == JSON_ARRAY) {
        val_t *l = val_new(a, VAL_LIST);
        for (size_t i = 0; i < f->u.arr.n; i++)
            if (f->u.arr.v[i]->type == JSON_STRING) val_push(a, l, val_str(a, f->u.arr.v[i]->u.s));
        val_set_c(a, d, "FilterArns", l);
    }
    return val_set_c(a, out, "Destination", d);
}

int events_list_replays(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    int64_t limit;
    if (list_args_or_fail(r, in, "ListReplays", &off, &limit) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        list_stmt(r, db, in, "replay", REPLAY_COLS, "archive_arn", val_get_str(in, "EventSourceArn"), limit, off);
    if (!st) return GR_ERR;
    int64_t n = page_rows(r, st, limit, out, "Replays", replay_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* AWS (CancelReplay): only a STARTING or RUNNING replay can be cancelled;
 * the answer is CANCELLING. One that has not begun sending is cancelled
 * at once; a running one stops before its next event. */
int events_cancel_replay(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    replay_t x;
    if (replay_or_fail(r, db, val_get_str(in, "ReplayName"), &x) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE replay SET state = CASE state WHEN 'STARTING' THEN 'CANCELLED' "
                                      "ELSE 'CANCELLING' END, ended_ms = CASE state WHEN 'STARTING' THEN ?2 "
                                      "ELSE ended_ms END WHERE id = ?1 AND state IN ('STARTING', 'RUNNING')");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, x.id);
    sqlite3_bind_int64(st, 2, events__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    bool changed = rc == GR_OK && sqlite3_changes(db) == 1;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    if (!changed)
        return req_fail(r, &EVENTS_ERR_IllegalStatusException,
                        "Replay %.*s is not in a valid state for this operation.", STR_FMT(x.name));
    val_set_c(a, out, "ReplayArn", val_str(a, arn_of(r, "replay", x.name)));
    return val_set_c(a, out, "State", val_cstr(a, "CANCELLING"));
}

/* ==== Running replays (the scheduler thread) ==== */

/* The archived event as replayed: a new id and "replay-name" after "region"
 * (AWS, recorded replayed events), everything else as archived. */
static str_t replayed_text(arena_t *a, const json_t *ev, str_t replay)
{
    char id[37];
    id_uuid(id);
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    for (size_t i = 0; i < ev->u.obj.n; i++) {
        str_t k = ev->u.obj.k[i];
        if (str_eq_c(k, "replay-name")) continue;
        json_w_key(&w, k);
        if (str_eq_c(k, "id"))
            json_w_str(&w, str_c(id));
        else
            json_w_value(&w, ev->u.obj.v[i]);
        if (str_eq_c(k, "region")) {
            json_w_key(&w, STR("replay-name"));
            json_w_str(&w, replay);
        }
    }
    json_w_obj_end(&w);
    return buf_str(&b);
}

static bool still_running(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT state FROM replay WHERE id = ?1");
    if (!st) return false;
    sqlite3_bind_int64(st, 1, id);
    bool ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "RUNNING") == 0;
    store_release(st);
    return ok;
}

static void run_replay(app_t *app, sqlite3 *db, arena_t *a, const replay_t *x)
{
    str_t bus = events__arn_bus(x->bus_arn);
    if (!bus.p) bus = STR("default");
    const json_t *filters = x->filters.p ? json_parse(a, x->filters, NULL) : NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, ts_ms, body FROM archive_event WHERE archive_id = ?1 "
                                      "AND ts_ms >= ?2 AND ts_ms < ?3 AND id > ?4 ORDER BY ts_ms, id LIMIT 100");
    int64_t after = 0, last = 0;
    bool cancelled = false;
    for (;;) {
        if (!st) break;
        sqlite3_bind_int64(st, 1, x->archive_id);
        sqlite3_bind_int64(st, 2, x->start_ms);
        sqlite3_bind_int64(st, 3, x->end_ms);
        sqlite3_bind_int64(st, 4, after);
        str_t bodies[100];
        int64_t ts[100];
        size_t n = 0;
        while (n < 100 && sqlite3_step(st) == SQLITE_ROW) {
            after = sqlite3_column_int64(st, 0);
            ts[n] = sqlite3_column_int64(st, 1);
            bodies[n++] = store_col_str(a, st, 2);
        }
        sqlite3_reset(st);
        if (!n) break;
        if (!still_running(db, x->id)) {
            cancelled = true;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            const json_t *ev = json_parse(a, bodies[i], NULL);
            if (!ev || ev->type != JSON_OBJECT) continue;
            str_t text = replayed_text(a, ev, x->name);
            const json_t *rev = json_parse(a, text, NULL);
            if (rev) events__route_only(app, a, x->account, x->region, bus, text, rev, filters);
            last = ts[i];
        }
        if (n < 100) break;
    }
    store_release(st);
    sqlite3_stmt *u = store_stmt(db, "UPDATE replay SET state = CASE WHEN state = 'CANCELLING' OR ?3 THEN "
                                     "'CANCELLED' ELSE 'COMPLETED' END, ended_ms = ?2, "
                                     "last_event_ms = nullif(?4, 0) WHERE id = ?1");
    if (!u) return;
    sqlite3_bind_int64(u, 1, x->id);
    sqlite3_bind_int64(u, 2, events__now_ms());
    sqlite3_bind_int(u, 3, cancelled);
    sqlite3_bind_int64(u, 4, last);
    sqlite3_step(u);
    store_release(u);
}

void events__replay_tick(struct app *app)
{
    sqlite3 *db = events__db(app);
    arena_t *a = arena_new(0);
    if (!db || !a) {
        arena_free(a);
        return;
    }
    /* AWS (archives): events older than the retention period are deleted. */
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM archive_event WHERE archive_id IN (SELECT id FROM archive WHERE "
                                      "retention_days > 0 AND archive_event.stored_ms < ?1 - retention_days * "
                                      "86400000)");
    if (st) {
        sqlite3_bind_int64(st, 1, events__now_ms());
        sqlite3_step(st);
        store_release(st);
    }
    /* A cancelled replay that was running when the server stopped ends here. */
    store_exec(db, "UPDATE replay SET state = 'CANCELLED' WHERE state = 'CANCELLING'");
    for (;;) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT %s FROM replay WHERE state = 'STARTING' ORDER BY id LIMIT 1", REPLAY_COLS);
        if (!a && !(a = arena_new(0))) break;
        st = store_stmt(db, sql);
        if (!st) break;
        replay_t x;
        bool found = sqlite3_step(st) == SQLITE_ROW;
        if (found) replay_from_row(a, st, &x);
        store_release(st);
        if (!found) break;
        st = store_stmt(db, "UPDATE replay SET state = 'RUNNING' WHERE id = ?1 AND state = 'STARTING'");
        if (!st) break;
        sqlite3_bind_int64(st, 1, x.id);
        bool mine = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
        store_release(st);
        if (mine) run_replay(app, db, a, &x);
        arena_free(a); /* one arena per replay: a long one must not hold every earlier one */
        a = NULL;
    }
    arena_free(a);
}
