/* partner.c — EventBridge partner event sources, over the partner_source
 * table (schema/006): the partner's side (CreatePartnerEventSource,
 * DescribePartnerEventSource, ListPartnerEventSources,
 * ListPartnerEventSourceAccounts, DeletePartnerEventSource; PutPartnerEvents
 * is in put.c) and the receiving account's (DescribeEventSource,
 * ListEventSources, ActivateEventSource, DeactivateEventSource), plus the
 * partner bus's link to its source (CreateEventBus / DeleteEventBus, bus.c).
 *
 * AWS (EventBridge user guide, "Receiving events from a SaaS partner"): a
 * partner makes a source for a customer account; it is PENDING until the
 * customer makes a partner event bus of the same name, then ACTIVE, and the
 * bus receives what the partner puts. Deactivated, it is PENDING again; a
 * source PENDING for two weeks is deleted, and so is one the partner deletes
 * (the customer then sees it DELETED). A source's ARN has no account:
 * arn:aws:events:REGION::event-source/NAME. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/page.h"

#define PENDING_MS (14LL * 24 * 3600 * 1000)

/* The state a row has now: a PENDING one past its two weeks is DELETED. */
#define STATE_SQL "CASE WHEN state = 'PENDING' AND state_ms + 1209600000 <= ?9 THEN 'DELETED' ELSE state END"

static str_t source_arn(arena_t *a, str_t region, str_t name)
{
    return str_c(arena_printf(a, "arn:aws:events:%.*s::event-source/%.*s", STR_FMT(region), STR_FMT(name)));
}

/* A statement whose ?9 is now (for STATE_SQL) and ?1.. are strs. */
static sqlite3_stmt *stmt(sqlite3 *db, const char *sql, const str_t *v, int n)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    for (int i = 0; i < n; i++) store_bind_str(st, i + 1, v[i]);
    sqlite3_bind_int64(st, 9, events__now_ms());
    return st;
}

/* Runs a statement made by stmt() that returns no rows. */
static int run(sqlite3 *db, const char *sql, const str_t *v, int n)
{
    sqlite3_stmt *st = stmt(db, sql, v, n);
    if (!st) return GR_ERR;
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* Whether a statement made by stmt() finds a row: 1, 0, or -1 on failure. */
static int any(sqlite3 *db, const char *sql, const str_t *v, int n)
{
    sqlite3_stmt *st = stmt(db, sql, v, n);
    if (!st) return -1;
    int found = sqlite3_step(st) == SQLITE_ROW;
    store_release(st);
    return found;
}

/* A List* page of the rows sql (?1.. from v, LIMIT ?4 OFFSET ?5) selects,
 * as member of out, one item each. */
static int list_page(req_t *r, sqlite3 *db, const val_t *in, val_t *out, const char *sql, const str_t *v,
                     const char *member, page_item_fn item)
{
    long long off;
    int64_t limit;
    if (events__page_or_fail(r, in, &off, &limit) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = stmt(db, sql, v, 3);
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 4, limit + 1);
    sqlite3_bind_int64(st, 5, off);
    int64_t n = page_rows(r, st, limit, out, member, item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* ==== The partner bus (bus.c) ==== */

int events__source_bind(sqlite3 *db, str_t account, str_t region, str_t name)
{
    const str_t v[] = {region, name, account};
    sqlite3_stmt *st = stmt(db,
                            "UPDATE partner_source SET state = 'ACTIVE', state_ms = ?9 "
                            "WHERE region = ?1 AND name = ?2 AND account = ?3 AND " STATE_SQL " <> 'DELETED'",
                            v, 3);
    if (!st) return GR_ERR;
    int rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1 ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int events__source_unbind(sqlite3 *db, str_t account, str_t region, str_t name)
{
    const str_t v[] = {region, name, account};
    return run(db,
               "UPDATE partner_source SET state = 'PENDING', state_ms = ?9 "
               "WHERE region = ?1 AND name = ?2 AND account = ?3 AND state = 'ACTIVE'",
               v, 3);
}

int events__source_receivers(sqlite3 *db, arena_t *a, str_t partner, str_t region, str_t name, str_t **accounts,
                             size_t *n)
{
    const str_t v[] = {region, name, partner};
    sqlite3_stmt *st = stmt(db,
                            "SELECT account, " STATE_SQL " FROM partner_source "
                            "WHERE region = ?1 AND name = ?2 AND partner = ?3 AND " STATE_SQL " <> 'DELETED'",
                            v, 3);
    if (!st) return GR_ERR;
    size_t cap = 8, found = 0;
    *n = 0;
    *accounts = ARENA_NEWN(a, str_t, cap);
    while (*accounts && sqlite3_step(st) == SQLITE_ROW) {
        found++;
        if (strcmp((const char *)sqlite3_column_text(st, 1), "ACTIVE")) continue;
        if (*n == cap) {
            *accounts = arena_realloc(a, *accounts, cap * sizeof **accounts, 2 * cap * sizeof **accounts);
            cap *= 2;
            if (!*accounts) break;
        }
        (*accounts)[(*n)++] = store_col_str(a, st, 0);
    }
    store_release(st);
    return found && *accounts ? GR_OK : GR_ERR;
}

/* ==== The partner's side ==== */

/* AWS: a source belongs to the partner that made it; another partner's
 * name, or the same account twice, already exists. A deleted row gives way. */
int events_create_partner_event_source(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name"), account = val_get_str(in, "Account");
    const str_t v[] = {r->region, name, account, r->who.account};
    int taken = any(db,
                    "SELECT 1 FROM partner_source WHERE region = ?1 AND name = ?2 "
                    "AND (account = ?3 OR partner <> ?4) AND " STATE_SQL " <> 'DELETED'",
                    v, 4);
    if (taken < 0) return GR_ERR;
    if (taken)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Event source %.*s already exists.",
                        STR_FMT(name));
    if (run(db,
            "INSERT OR REPLACE INTO partner_source (region, name, account, partner, state, created_ms, state_ms) "
            "VALUES (?1, ?2, ?3, ?4, 'PENDING', ?9, ?9)",
            v, 4) != GR_OK)
        return GR_ERR;
    return val_set_c(r->arena, out, "EventSourceArn", val_str(r->arena, source_arn(r->arena, r->region, name)));
}

/* Fails r unless the caller has made source name for some account. */
static int own_source_or_fail(req_t *r, sqlite3 *db, str_t name)
{
    const str_t v[] = {r->region, name, r->who.account};
    int ok = any(db,
                 "SELECT 1 FROM partner_source WHERE region = ?1 AND name = ?2 AND partner = ?3 "
                 "AND " STATE_SQL " <> 'DELETED'",
                 v, 3);
    if (ok < 0) return GR_ERR;
    if (ok) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event source %.*s does not exist.", STR_FMT(name));
}

int events_describe_partner_event_source(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    if (own_source_or_fail(r, db, name) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "Arn", val_str(r->arena, source_arn(r->arena, r->region, name)));
    return val_set_c(r->arena, out, "Name", val_str(r->arena, name));
}

static val_t *partner_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    str_t name = store_col_str(r->arena, st, 0);
    val_t *v = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, v, "Arn", val_str(r->arena, source_arn(r->arena, r->region, name)));
    val_set_c(r->arena, v, "Name", val_str(r->arena, name));
    return v;
}

int events_list_partner_event_sources(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    const str_t v[] = {r->region, r->who.account, val_get_str(in, "NamePrefix")};
    return list_page(r, db, in, out,
                     "SELECT DISTINCT name FROM partner_source WHERE region = ?1 AND partner = ?2 "
                     "AND substr(name, 1, length(?3)) = ?3 AND " STATE_SQL " <> 'DELETED' "
                     "ORDER BY name LIMIT ?4 OFFSET ?5",
                     v, "PartnerEventSources", partner_item);
}

/* CreationTime, State and, while PENDING, ExpirationTime (two weeks after
 * it became PENDING) from columns created_ms, state, state_ms at col. */
static void state_fields(arena_t *a, val_t *v, sqlite3_stmt *st, int col)
{
    str_t state = store_col_str(a, st, col + 1);
    val_set_c(a, v, "CreationTime", val_time(a, sqlite3_column_int64(st, col) * 1000));
    if (str_eq_c(state, "PENDING"))
        val_set_c(a, v, "ExpirationTime", val_time(a, (sqlite3_column_int64(st, col + 2) + PENDING_MS) * 1000));
    val_set_c(a, v, "State", val_str(a, state));
}

static val_t *account_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    val_t *v = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, v, "Account", val_str(r->arena, store_col_str(r->arena, st, 0)));
    state_fields(r->arena, v, st, 1);
    return v;
}

int events_list_partner_event_source_accounts(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "EventSourceName");
    if (own_source_or_fail(r, db, name) != GR_OK) return GR_ERR;
    const str_t v[] = {r->region, name, r->who.account};
    return list_page(r, db, in, out,
                     "SELECT account, created_ms, s, state_ms FROM (SELECT *, " STATE_SQL " AS s "
                     "FROM partner_source WHERE region = ?1 AND name = ?2 AND partner = ?3) "
                     "WHERE s <> 'DELETED' ORDER BY account LIMIT ?4 OFFSET ?5",
                     v, "PartnerEventSourceAccounts", account_item);
}

/* AWS: the source is gone for the partner; the account sees it DELETED.
 * Deleting one that is not there succeeds. */
int events_delete_partner_event_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    const str_t v[] = {r->region, val_get_str(in, "Name"), val_get_str(in, "Account"), r->who.account};
    return run(db,
               "UPDATE partner_source SET state = 'DELETED', state_ms = ?9 "
               "WHERE region = ?1 AND name = ?2 AND account = ?3 AND partner = ?4",
               v, 4);
}

/* ==== The receiving account's side ==== */

#define SOURCE_COLS "name, partner, created_ms, " STATE_SQL ", state_ms"

/* An EventSource from a row of SOURCE_COLS. AWS: CreatedBy names the
 * partner, the part of the name after "aws.partner/". */
static val_t *source_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    str_t name = store_col_str(a, st, 0), by = str_sub(name, 12, name.len - 12);
    long slash = str_index(by, '/');
    if (slash >= 0) by.len = (size_t)slash;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Arn", val_str(a, source_arn(a, r->region, name)));
    val_set_c(a, v, "CreatedBy", val_str(a, by));
    val_set_c(a, v, "Name", val_str(a, name));
    state_fields(a, v, st, 2);
    return v;
}

/* The caller's source name (any state) as a statement on its row, or NULL
 * after failing r. */
static sqlite3_stmt *received_or_fail(req_t *r, sqlite3 *db, str_t name)
{
    const str_t v[] = {r->region, name, r->who.account};
    sqlite3_stmt *st =
        stmt(db, "SELECT " SOURCE_COLS " FROM partner_source WHERE region = ?1 AND name = ?2 AND account = ?3", v, 3);
    if (!st) return NULL;
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    store_release(st);
    req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Event source %.*s does not exist.", STR_FMT(name));
    return NULL;
}

int events_describe_event_source(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = received_or_fail(r, db, val_get_str(in, "Name"));
    if (!st) return GR_ERR;
    val_t *v = source_item(r, st, NULL);
    store_release(st);
    for (size_t i = 0; i < v->u.obj.n; i++) val_set(r->arena, out, v->u.obj.e[i].key, v->u.obj.e[i].v);
    return GR_OK;
}

int events_list_event_sources(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t prefix = val_get_str(in, "NamePrefix");
    const str_t v[] = {r->region, r->who.account, prefix.p ? prefix : STR("")};
    return list_page(r, db, in, out,
                     "SELECT " SOURCE_COLS " FROM partner_source WHERE region = ?1 AND account = ?2 "
                     "AND substr(name, 1, length(?3)) = ?3 ORDER BY name LIMIT ?4 OFFSET ?5",
                     v, "EventSources", source_item);
}

/* AWS: a deleted source cannot be activated or deactivated
 * (InvalidStateException); activating sends its events to the partner bus
 * again, deactivating stops them and starts the two weeks. */
static int set_state(req_t *r, const val_t *in, const char *state)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    str_t name = val_get_str(in, "Name");
    sqlite3_stmt *st = received_or_fail(r, db, name);
    if (!st) return GR_ERR;
    str_t now = store_col_str(r->arena, st, 3);
    store_release(st);
    if (str_eq_c(now, "DELETED"))
        return req_fail(r, &EVENTS_ERR_InvalidStateException, "Event source %.*s is deleted.", STR_FMT(name));
    if (str_eq_c(now, state)) return GR_OK;
    const str_t v[] = {r->region, name, r->who.account, str_c(state)};
    return run(db,
               "UPDATE partner_source SET state = ?4, state_ms = ?9 "
               "WHERE region = ?1 AND name = ?2 AND account = ?3",
               v, 4);
}

int events_activate_event_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_state(r, in, "ACTIVE");
}

int events_deactivate_event_source(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return set_state(r, in, "PENDING");
}
