/* endpoint.c — EventBridge global endpoints: CreateEndpoint, DescribeEndpoint,
 * ListEndpoints, UpdateEndpoint, DeleteEndpoint, over the endpoint table
 * (schema/006), and where PutEvents with an EndpointId (put.c) sends its
 * events.
 *
 * AWS: an endpoint pairs two event buses of one name in two regions, the
 * primary in the endpoint's home region and the secondary in its failover
 * route's; events go to the primary while its Route 53 health check is
 * healthy and, with replication enabled, are replicated to the secondary.
 * gureum has no Route 53 health checks, so the primary is always healthy;
 * the regions are gureum's own, each with its buses. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "core/regions.h"
#include "events_int.h"
#include "events_model.h"
#include "services/app.h"
#include "services/page.h"

#define EP_COLS                                                                                                        \
    "name, region, account, endpoint_id, description, health_check, secondary, replication, bus_arns, role_arn, "      \
    "created_ms, modified_ms"

static void ep_read(arena_t *a, sqlite3_stmt *st, events_endpoint_t *e)
{
    *e = (events_endpoint_t){store_col_str(a, st, 0), store_col_str(a, st, 1),      store_col_str(a, st, 2),
                             store_col_str(a, st, 3), store_col_str(a, st, 4),      store_col_str(a, st, 5),
                             store_col_str(a, st, 6), store_col_str(a, st, 7),      store_col_str(a, st, 8),
                             store_col_str(a, st, 9), sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 11)};
}

int events__endpoint_by_id(sqlite3 *db, arena_t *a, str_t account, str_t id, events_endpoint_t *e)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT " EP_COLS " FROM endpoint WHERE account = ?1 AND endpoint_id = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? GR_OK : GR_ERR;
    if (rc == GR_OK) ep_read(a, st, e);
    store_release(st);
    return rc;
}

/* The endpoint name of the caller in region (HomeRegion, else the caller's). */
static int load(req_t *r, sqlite3 *db, str_t region, str_t name, events_endpoint_t *e)
{
    sqlite3_stmt *st =
        store_stmt(db, "SELECT " EP_COLS " FROM endpoint WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, name);
    int rc = sqlite3_step(st) == SQLITE_ROW ? GR_OK : GR_ERR;
    if (rc == GR_OK) ep_read(r->arena, st, e);
    store_release(st);
    return rc;
}

static int load_or_fail(req_t *r, sqlite3 *db, str_t region, str_t name, events_endpoint_t *e)
{
    if (load(r, db, region.p ? region : r->region, name, e) == GR_OK) return GR_OK;
    return req_fail(r, &EVENTS_ERR_ResourceNotFoundException, "Endpoint %.*s does not exist.", STR_FMT(name));
}

/* "arn:aws:events:REGION:ACCOUNT:event-bus/NAME": its region, account and name. */
static bool split_bus_arn(str_t arn, str_t *region, str_t *account, str_t *bus)
{
    if (!str_starts_with(arn, STR("arn:aws:events:"))) return false;
    str_t rest = str_cut(str_sub(arn, 15, arn.len - 15), ':', region);
    if (rest.p) rest = str_cut(rest, ':', account);
    *bus = events__arn_bus(arn);
    return rest.p && bus->len;
}

/* The bus ARN of e's list in region (STR_NULL if none). */
static str_t bus_in(arena_t *a, const events_endpoint_t *e, str_t region)
{
    const json_t *j = json_parse(a, e->bus_arns, NULL);
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++) {
        str_t rg, acct, bus;
        if (j->u.arr.v[i]->type == JSON_STRING && split_bus_arn(j->u.arr.v[i]->u.s, &rg, &acct, &bus) &&
            str_eq(rg, region))
            return j->u.arr.v[i]->u.s;
    }
    return STR_NULL;
}

/* AWS (PutEvents, EventBusName): with an endpoint, the name or ARN of its
 * bus in either region; none means the default bus. */
bool events__endpoint_bus_ok(arena_t *a, const events_endpoint_t *e, str_t name_or_arn)
{
    str_t rg, acct, bus, arn = bus_in(a, e, e->region);
    if (!arn.p || !split_bus_arn(arn, &rg, &acct, &bus)) return false;
    if (!name_or_arn.len) return str_eq_c(bus, "default");
    if (!str_starts_with(name_or_arn, STR("arn:"))) return str_eq(name_or_arn, bus);
    return str_eq(name_or_arn, arn) || str_eq(name_or_arn, bus_in(a, e, e->secondary));
}

void events__endpoint_put(struct app *app, arena_t *a, const events_endpoint_t *e, str_t event_text,
                          const json_t *event)
{
    sqlite3 *db = events__db(app);
    if (!db) return;
    str_t regions[2] = {e->region, e->secondary};
    /* the primary always (its health check cannot fail here); the
     * secondary when events are replicated */
    for (int i = 0; i < (str_eq_c(e->replication, "ENABLED") ? 2 : 1); i++) {
        str_t rg, acct, bus, arn = bus_in(a, e, regions[i]);
        if (arn.p && split_bus_arn(arn, &rg, &acct, &bus) && events__bus_exists(db, acct, rg, bus))
            events__route(app, a, acct, rg, bus, event_text, event);
    }
}

/* AWS (CreateEndpoint, "Making applications Regional-fault tolerant with
 * global endpoints"): the two buses have the same name and are the
 * caller's, one in the endpoint's region and one in the secondary route's,
 * which must differ. Writes the buses' ARNs as a JSON array to *json. */
static int routing_or_fail(req_t *r, str_t home, const val_t *routing, const val_t *buses, str_t *secondary,
                           str_t *health, str_t *json)
{
    const val_t *fo = val_get(routing, "FailoverConfig");
    *health = val_get_str(val_get(fo, "Primary"), "HealthCheck");
    *secondary = val_get_str(val_get(fo, "Secondary"), "Route");
    if (!region_find(*secondary))
        return req_fail(r, &ERR_ValidationException, "Route %.*s is not a valid Region.", STR_FMT(*secondary));
    if (str_eq(*secondary, home))
        return req_fail(r, &ERR_ValidationException, "The secondary Region must be different from the primary Region.");
    size_t n = buses && buses->kind == VAL_LIST ? buses->u.list.n : 0;
    str_t name = STR_NULL;
    bool have_home = false, have_sec = false;
    buf_t b;
    buf_init(&b, r->arena);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        str_t arn = val_get_str(buses->u.list.v[i], "EventBusArn"), rg, acct, bus;
        if (!split_bus_arn(arn, &rg, &acct, &bus) || !str_eq(acct, r->who.account))
            return req_fail(r, &ERR_ValidationException, "Event bus %.*s is not valid.", STR_FMT(arn));
        if (name.p && !str_eq(name, bus))
            return req_fail(r, &ERR_ValidationException, "The event buses of an endpoint must have the same name.");
        name = bus;
        have_home |= str_eq(rg, home);
        have_sec |= str_eq(rg, *secondary);
        json_w_str(&w, arn);
    }
    json_w_arr_end(&w);
    if (!have_home || !have_sec)
        return req_fail(r, &ERR_ValidationException,
                        "The event buses must be in the primary Region %.*s and the secondary Region %.*s.",
                        STR_FMT(home), STR_FMT(*secondary));
    *json = buf_str(&b);
    return GR_OK;
}

/* The endpoint's fields as the Endpoint shape has them; CreateEndpoint's
 * and UpdateEndpoint's answers lack the Description (with_desc), and
 * CreateEndpoint's the EndpointId and EndpointUrl (with_ids). */
static void ep_fields(arena_t *a, val_t *v, const events_endpoint_t *e, const char *state, bool with_ids,
                      bool with_desc)
{
    val_set_c(a, v, "Name", val_str(a, e->name));
    if (with_desc && e->description.p) val_set_c(a, v, "Description", val_str(a, e->description));
    val_set_c(a, v, "Arn",
              val_str(a, str_c(arena_printf(a, "arn:aws:events:%.*s:%.*s:endpoint/%.*s", STR_FMT(e->region),
                                            STR_FMT(e->account), STR_FMT(e->name)))));
    val_t *rc = val_new(a, VAL_STRUCT), *fo = val_new(a, VAL_STRUCT), *p = val_new(a, VAL_STRUCT),
          *s = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "HealthCheck", val_str(a, e->health_check));
    val_set_c(a, s, "Route", val_str(a, e->secondary));
    val_set_c(a, fo, "Primary", p);
    val_set_c(a, fo, "Secondary", s);
    val_set_c(a, rc, "FailoverConfig", fo);
    val_set_c(a, v, "RoutingConfig", rc);
    val_t *rep = val_new(a, VAL_STRUCT);
    val_set_c(a, rep, "State", val_str(a, e->replication));
    val_set_c(a, v, "ReplicationConfig", rep);
    val_t *buses = val_new(a, VAL_LIST);
    const json_t *j = json_parse(a, e->bus_arns, NULL);
    for (size_t i = 0; j && j->type == JSON_ARRAY && i < j->u.arr.n; i++) {
        val_t *b = val_new(a, VAL_STRUCT);
        val_set_c(a, b, "EventBusArn", val_str(a, j->u.arr.v[i]->u.s));
        val_push(a, buses, b);
    }
    val_set_c(a, v, "EventBuses", buses);
    if (e->role_arn.p) val_set_c(a, v, "RoleArn", val_str(a, e->role_arn));
    if (with_ids) {
        val_set_c(a, v, "EndpointId", val_str(a, e->endpoint_id));
        val_set_c(
            a, v, "EndpointUrl",
            val_str(a, str_c(arena_printf(a, "https://%.*s.endpoint.events.amazonaws.com", STR_FMT(e->endpoint_id)))));
    }
    val_set_c(a, v, "State", val_cstr(a, state));
}

/* AWS: CreateEndpoint answers State CREATING and UpdateEndpoint UPDATING;
 * the endpoint is ACTIVE once that finishes, which here is before the call
 * returns, so every later read finds it ACTIVE. */
int events_create_endpoint(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_endpoint_t e = {.name = val_get_str(in, "Name"), .region = r->region, .account = r->who.account};
    if (load(r, db, r->region, e.name, &(events_endpoint_t){0}) == GR_OK)
        return req_fail(r, &EVENTS_ERR_ResourceAlreadyExistsException, "Endpoint %.*s already exists.",
                        STR_FMT(e.name));
    if (routing_or_fail(r, r->region, val_get(in, "RoutingConfig"), val_get(in, "EventBuses"), &e.secondary,
                        &e.health_check, &e.bus_arns) != GR_OK)
        return GR_ERR;
    str_t rep = val_get_str(val_get(in, "ReplicationConfig"), "State");
    e.replication = rep.p ? rep : STR("ENABLED");
    e.description = val_get_str(in, "Description");
    e.role_arn = val_get_str(in, "RoleArn");
    char head[11], tail[4];
    id_random_chars(head, 10, "abcdefghijklmnopqrstuvwxyz0123456789");
    id_random_chars(tail, 3, "abcdefghijklmnopqrstuvwxyz");
    e.endpoint_id = str_c(arena_printf(r->arena, "%s.%s", head, tail));
    e.created_ms = e.modified_ms = events__now_ms();
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO endpoint (" EP_COLS ") VALUES "
                                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
    if (!st) return GR_ERR;
    const str_t cols[] = {e.name,         e.region,    e.account,     e.endpoint_id, e.description,
                          e.health_check, e.secondary, e.replication, e.bus_arns,    e.role_arn};
    for (int i = 0; i < 10; i++) store_bind_str(st, i + 1, cols[i]);
    sqlite3_bind_int64(st, 11, e.created_ms);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    ep_fields(r->arena, out, &e, "CREATING", false, false);
    return GR_OK;
}

int events_describe_endpoint(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_endpoint_t e;
    if (load_or_fail(r, db, val_get_str(in, "HomeRegion"), val_get_str(in, "Name"), &e) != GR_OK) return GR_ERR;
    ep_fields(r->arena, out, &e, "ACTIVE", true, true);
    val_set_c(r->arena, out, "CreationTime", val_time(r->arena, e.created_ms * 1000));
    val_set_c(r->arena, out, "LastModifiedTime", val_time(r->arena, e.modified_ms * 1000));
    return GR_OK;
}

static val_t *ep_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    events_endpoint_t e;
    ep_read(r->arena, st, &e);
    val_t *v = val_new(r->arena, VAL_STRUCT);
    ep_fields(r->arena, v, &e, "ACTIVE", true, true);
    val_set_c(r->arena, v, "CreationTime", val_time(r->arena, e.created_ms * 1000));
    val_set_c(r->arena, v, "LastModifiedTime", val_time(r->arena, e.modified_ms * 1000));
    return v;
}

int events_list_endpoints(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    long long off = 0;
    int64_t limit = val_get_int(in, "MaxResults", 100);
    str_t tok = val_get_str(in, "NextToken"), prefix = val_get_str(in, "NamePrefix"),
          home = val_get_str(in, "HomeRegion");
    if (tok.p && (!str_to_i64(tok, &off) || off < 0))
        return req_fail(r, &ERR_ValidationException, "The provided NextToken is not valid.");
    sqlite3_stmt *st = store_stmt(db, "SELECT " EP_COLS " FROM endpoint WHERE account = ?1 AND region = ?2 "
                                      "AND substr(name, 1, ?4) = ?3 ORDER BY name LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, home.p ? home : r->region);
    store_bind_str(st, 3, prefix.p ? prefix : STR(""));
    sqlite3_bind_int64(st, 4, (sqlite3_int64)prefix.len);
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "Endpoints", ep_item, NULL);
    page_offset_token(r, out, "NextToken", n, limit, off);
    return GR_OK;
}

/* AWS (UpdateEndpoint): the members given replace the endpoint's, checked
 * as CreateEndpoint checks them; the answer has State UPDATING. */
int events_update_endpoint(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_endpoint_t e;
    if (load_or_fail(r, db, STR_NULL, val_get_str(in, "Name"), &e) != GR_OK) return GR_ERR;
    const val_t *routing = val_get(in, "RoutingConfig"), *buses = val_get(in, "EventBuses");
    if (routing || buses) {
        val_t *cur = val_new(r->arena, VAL_STRUCT);
        ep_fields(r->arena, cur, &e, "ACTIVE", false, false);
        if (routing_or_fail(r, e.region, routing ? routing : val_get(cur, "RoutingConfig"),
                            buses ? buses : val_get(cur, "EventBuses"), &e.secondary, &e.health_check,
                            &e.bus_arns) != GR_OK)
            return GR_ERR;
    }
    str_t v = val_get_str(val_get(in, "ReplicationConfig"), "State");
    if (v.p) e.replication = v;
    if ((v = val_get_str(in, "Description")).p) e.description = v;
    if ((v = val_get_str(in, "RoleArn")).p) e.role_arn = v;
    e.modified_ms = events__now_ms();
    sqlite3_stmt *st = store_stmt(db, "UPDATE endpoint SET description = ?4, health_check = ?5, secondary = ?6, "
                                      "replication = ?7, bus_arns = ?8, role_arn = ?9, modified_ms = ?10 "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    const str_t cols[] = {e.account,   e.region,      e.name,     e.description, e.health_check,
                          e.secondary, e.replication, e.bus_arns, e.role_arn};
    for (int i = 0; i < 9; i++) store_bind_str(st, i + 1, cols[i]);
    sqlite3_bind_int64(st, 10, e.modified_ms);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    if (rc != GR_OK) return GR_ERR;
    ep_fields(r->arena, out, &e, "UPDATING", true, false);
    return GR_OK;
}

int events_delete_endpoint(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = events__db(r->app);
    if (!db) return GR_ERR;
    events_endpoint_t e;
    if (load_or_fail(r, db, STR_NULL, val_get_str(in, "Name"), &e) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM endpoint WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, e.account);
    store_bind_str(st, 2, e.region);
    store_bind_str(st, 3, e.name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}
