/* rrset.c — Amazon Route 53 record sets: ChangeResourceRecordSets and
 * ListResourceRecordSets.
 *
 * A change batch is all or nothing: its changes apply in order inside one
 * transaction, and the first refusal rolls every one back. Values are checked
 * for their type as Route 53 checks them (A and AAAA addresses, one CNAME per
 * name and none beside other data or at the apex), and the apex's SOA and NS
 * stay. Route 53 answers refusals as InvalidChangeBatch with the messages in
 * brackets; the texts here are AWS's as clients record them. Record sets list
 * in AWS's order: by name with its labels reversed, then type, then set
 * identifier. */
#include <arpa/inet.h>
#include <string.h>

#include "route53_model.h"
#include "services/app.h"
#include "services/route53/route53.h"

#define E_BATCH (&ROUTE53_ERR_InvalidChangeBatch)
#define E_INPUT (&ROUTE53_ERR_InvalidInput)

typedef struct {
    const char *name, *rkey, *type, *set_id;
    str_t given_name, given_type;
    const val_t *in; /* the ResourceRecordSet */
} rr_t;

/* ==== Values ==== */

/* The value list as stored (one per line), NULL with r failed when a value
 * is not one of its type. */
static const char *values_of(req_t *r, const rr_t *x, const val_t *recs)
{
    arena_t *a = r->arena;
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < val_len(recs); i++) {
        str_t v = val_get_str(recs->u.list.v[i], "Value");
        char tmp[64];
        const char *bad = NULL;
        if (strcmp(x->type, "A") == 0 || strcmp(x->type, "AAAA") == 0) {
            unsigned char addr[16];
            bool v4 = x->type[1] == 0;
            if (v.len >= sizeof tmp) v.len = sizeof tmp - 1;
            memcpy(tmp, v.p ? v.p : "", v.len);
            tmp[v.len] = 0;
            if (inet_pton(v4 ? AF_INET : AF_INET6, tmp, addr) != 1)
                bad = v4 ? "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)"
                         : "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)";
        }
        if (memchr(v.p ? v.p : "", '\n', v.len)) bad = "Value contains a line break";
        /* AWS (recorded): "[Invalid Resource Record: 'FATAL problem:
         * ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)
         * encountered with '1.2.3'']" */
        if (bad) {
            req_fail(r, E_BATCH, "[Invalid Resource Record: 'FATAL problem: %s encountered with '%.*s'']", bad,
                     STR_FMT(v));
            return NULL;
        }
        buf_printf(&b, "%s%.*s", i ? "\n" : "", STR_FMT(v));
    }
    str_t s = buf_str(&b);
    return arena_strndup(a, s.p ? s.p : "", s.len);
}

/* ==== The store ==== */

/* The stored values of the set, NULL when there is none (*found false). */
static const char *stored(req_t *r, sqlite3 *db, const char *zid, const rr_t *x, bool *found, bool *alias)
{
    *found = *alias = false;
    sqlite3_stmt *st = store_stmt(db, "SELECT vals, alias_name FROM rrset WHERE zone_id = ?1 AND rkey = ?2 AND type = "
                                      "?3 AND set_id = ?4");
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->rkey, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->set_id, -1, SQLITE_STATIC);
    const char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *found = true;
        *alias = sqlite3_column_type(st, 1) != SQLITE_NULL;
        v = arena_strdup(r->arena,
                         sqlite3_column_type(st, 0) == SQLITE_NULL ? "" : (const char *)sqlite3_column_text(st, 0));
    }
    store_release(st);
    return v;
}

static bool write_set(req_t *r, sqlite3 *db, const char *zid, const rr_t *x, const char *vals)
{
    const val_t *in = x->in, *alias = val_get(in, "AliasTarget");
    sqlite3_stmt *st =
        store_stmt(db, "INSERT OR REPLACE INTO rrset (zone_id, name, rkey, type, set_id, ttl, vals, "
                       "weight, failover, multivalue, region, health_id, alias_zone, alias_name, "
                       "alias_eval) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                       "?15)");
    if (!st) return false;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->rkey, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x->set_id, -1, SQLITE_STATIC);
    if (val_get(in, "TTL")) sqlite3_bind_int64(st, 6, val_get_int(in, "TTL", 0));
    if (vals) sqlite3_bind_text(st, 7, vals, -1, SQLITE_STATIC);
    if (val_get(in, "Weight")) sqlite3_bind_int64(st, 8, val_get_int(in, "Weight", 0));
    store_bind_str(st, 9, val_get_str(in, "Failover"));
    if (val_get(in, "MultiValueAnswer")) sqlite3_bind_int(st, 10, val_get_bool(in, "MultiValueAnswer", false));
    store_bind_str(st, 11, val_get_str(in, "Region"));
    store_bind_str(st, 12, val_get_str(in, "HealthCheckId"));
    if (alias) {
        store_bind_str(st, 13, val_get_str(alias, "HostedZoneId"));
        const char *target = r53__norm(r->arena, val_get_str(alias, "DNSName"));
        sqlite3_bind_text(st, 14, target ? target : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 15, val_get_bool(alias, "EvaluateTargetHealth", false));
    }
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    return store_release(st) == SQLITE_OK && ok;
}

/* ==== One change ==== */

static int apply(req_t *r, sqlite3 *db, const char *zid, const char *zone, const val_t *change)
{
    arena_t *a = r->arena;
    str_t action = val_get_str(change, "Action");
    const val_t *in = val_get(change, "ResourceRecordSet");
    rr_t x = {.in = in, .given_name = val_get_str(in, "Name"), .given_type = val_get_str(in, "Type")};
    x.name = r53__norm(a, x.given_name);
    x.type = arena_strndup(a, x.given_type.p, x.given_type.len);
    str_t sid = val_get_str(in, "SetIdentifier");
    x.set_id = sid.p ? arena_strndup(a, sid.p, sid.len) : "";
    /* AWS (recorded): "FATAL problem: UnsupportedCharacter (Value contains
     * unsupported characters) encountered with ' '" */
    int bad = r53__bad_char(x.given_name);
    if (bad >= 0)
        return req_fail(r, E_BATCH,
                        "FATAL problem: UnsupportedCharacter (Value contains unsupported characters) encountered with "
                        "'%c'",
                        bad);
    /* not on record: a Name that is no DNS name */
    if (!x.name) return req_fail(r, E_BATCH, "[%.*s is not a valid DNS name]", STR_FMT(x.given_name));
    const char *shown = r53__shown(a, x.name), *zshown = r53__shown(a, zone);
    /* AWS (recorded): "[RRSet with DNS name x. is not permitted in zone example.com.]" */
    if (!r53__in_zone(x.name, zone))
        return req_fail(r, E_BATCH, "[RRSet with DNS name %s is not permitted in zone %s]", shown, zshown);
    x.rkey = r53__rkey(a, x.name);
    const val_t *alias = val_get(in, "AliasTarget"), *recs = val_get(in, "ResourceRecords");
    bool has_ttl = val_get(in, "TTL") != NULL, has_recs = val_len(recs) > 0;
    /* AWS (recorded): "Invalid request: Expected exactly one of [AliasTarget,
     * all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but
     * found none in Change with [Action=CREATE, Name=x., Type=A,
     * SetIdentifier=null]" */
    if (!alias && !(has_ttl && has_recs)) {
        const char *what = has_ttl || has_recs ? "only part of one" : "none";
        return req_fail(r, E_INPUT,
                        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or "
                        "TrafficPolicyInstanceId], but found %s in Change with [Action=%.*s, Name=%.*s, Type=%s, "
                        "SetIdentifier=%s]",
                        what, STR_FMT(action), STR_FMT(x.given_name), x.type, sid.p ? x.set_id : "null");
    }
    if (alias && (has_ttl || has_recs))
        return req_fail(r, E_INPUT,
                        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or "
                        "TrafficPolicyInstanceId], but found more than one in Change with [Action=%.*s, Name=%.*s, "
                        "Type=%s, SetIdentifier=%s]",
                        STR_FMT(action), STR_FMT(x.given_name), x.type, sid.p ? x.set_id : "null");
    const char *vals = NULL;
    if (!alias && !(vals = values_of(r, &x, recs))) return GR_ERR;
    bool found, was_alias;
    const char *have = stored(r, db, zid, &x, &found, &was_alias);
    bool apex = strcmp(x.name, zone) == 0;
    if (str_eq_c(action, "DELETE")) {
        /* AWS (recorded): "[Tried to delete resource record set
         * [name='x.', type='A'] but it was not found]" */
        if (!found)
            return req_fail(r, E_BATCH,
                            "[Tried to delete resource record set [name='%s', type='%s'%s%s%s] but it was "
                            "not found]",
                            shown, x.type, sid.p ? ", set-identifier='" : "", sid.p ? x.set_id : "", sid.p ? "'" : "");
        if ((vals && strcmp(vals, have) != 0) || (!vals) != was_alias)
            return req_fail(r, E_BATCH,
                            "[Tried to delete resource record set [name='%s', type='%s'] but the values provided do "
                            "not match the current values]",
                            shown, x.type);
        /* AWS (recorded) */
        if (apex && strcmp(x.type, "SOA") == 0)
            return req_fail(r, E_BATCH, "[A HostedZone must contain exactly one SOA record.]");
        if (apex && strcmp(x.type, "NS") == 0)
            return req_fail(r, E_BATCH, "[A HostedZone must contain at least one NS record for the zone itself.]");
        sqlite3_stmt *st =
            store_stmt(db, "DELETE FROM rrset WHERE zone_id = ?1 AND rkey = ?2 AND type = ?3 AND set_id = ?4");
        if (!st) return GR_ERR;
        sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, x.rkey, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, x.type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, x.set_id, -1, SQLITE_STATIC);
        bool ok = sqlite3_step(st) == SQLITE_DONE;
        return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
    }
    bool create = str_eq_c(action, "CREATE");
    /* AWS (recorded): "[Tried to create resource record set
     * [name='x.', type='A'] but it already exists]" */
    if (create && found)
        return req_fail(r, E_BATCH,
                        "[Tried to create resource record set [name='%s', type='%s'%s%s%s] but it already "
                        "exists]",
                        shown, x.type, sid.p ? ", set-identifier='" : "", sid.p ? x.set_id : "", sid.p ? "'" : "");
    /* CNAME: AWS (recorded) "[RRSet of type CNAME with DNS name x. is not
     * permitted at apex in zone example.com.]"; a CNAME over other sets
     * (recorded, aws/aws-sdk-java#1996): "... is not permitted as it
     * conflicts with other records with the same DNS name in zone
     * example.com."; another type over a CNAME (recorded, GSA-TTS/dns#443,
     * with AWS's two spaces before the type): "[RRSet of type TXT with DNS
     * name x. is not permitted because a conflicting RRSet of type  CNAME
     * with the same DNS name already exists in zone example.com.]" */
    bool cname = strcmp(x.type, "CNAME") == 0;
    if (cname && apex)
        return req_fail(r, E_BATCH, "[RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s]", shown,
                        zshown);
    if (cname && !alias && val_len(recs) > 1)
        return req_fail(r, E_BATCH, "[RRSet of type CNAME with DNS name %s has more than one resource record]", shown);
    sqlite3_stmt *st =
        store_stmt(db, cname ? "SELECT type FROM rrset WHERE zone_id = ?1 AND name = ?2 AND type != 'CNAME'"
                             : "SELECT type FROM rrset WHERE zone_id = ?1 AND name = ?2 AND type = 'CNAME'");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x.name, -1, SQLITE_STATIC);
    const char *clash =
        sqlite3_step(st) == SQLITE_ROW ? arena_strdup(a, (const char *)sqlite3_column_text(st, 0)) : NULL;
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    if (clash && cname)
        return req_fail(r, E_BATCH,
                        "[RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records "
                        "with the same DNS name in zone %s]",
                        shown, zshown);
    if (clash)
        return req_fail(r, E_BATCH,
                        "[RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type  %s "
                        "with the same DNS name already exists in zone %s]",
                        x.type, shown, clash, zshown);
    return write_set(r, db, zid, &x, vals) ? GR_OK : GR_ERR;
}

int route53_change_resource_record_sets(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = r53__db(r->app);
    const char *zid, *zone;
    if (!db || r53__zone(r, db, val_get_str(in, "HostedZoneId"), &zid, &zone) != GR_OK) return GR_ERR;
    const val_t *batch = val_get(in, "ChangeBatch"), *changes = val_get(batch, "Changes");
    if (r53__begin(db) != GR_OK) return GR_ERR;
    int rc = GR_OK;
    for (size_t i = 0; rc == GR_OK && i < val_len(changes); i++) rc = apply(r, db, zid, zone, changes->u.list.v[i]);
    val_t *change = rc == GR_OK ? r53__change(r, db, val_get_str(batch, "Comment")) : NULL;
    if (r53__end(db, change != NULL) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "ChangeInfo", change);
}

/* ==== Listing ==== */

static val_t *set_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *s = val_new(a, VAL_STRUCT);
    val_set_c(a, s, "Name", val_cstr(a, r53__shown(a, (const char *)sqlite3_column_text(st, 0))));
    val_set_c(a, s, "Type", val_str(a, store_col_str(a, st, 1)));
    str_t sid = store_col_str(a, st, 2);
    if (sid.len) val_set_c(a, s, "SetIdentifier", val_str(a, sid));
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) val_set_c(a, s, "Weight", val_int(a, sqlite3_column_int64(st, 5)));
    if (sqlite3_column_type(st, 8) != SQLITE_NULL) val_set_c(a, s, "Region", val_str(a, store_col_str(a, st, 8)));
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) val_set_c(a, s, "Failover", val_str(a, store_col_str(a, st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL)
        val_set_c(a, s, "MultiValueAnswer", val_bool(a, sqlite3_column_int(st, 7)));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, s, "TTL", val_int(a, sqlite3_column_int64(st, 3)));
    if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
        val_t *recs = val_new(a, VAL_LIST);
        const char *v = arena_strdup(a, (const char *)sqlite3_column_text(st, 4));
        while (v) {
            const char *nl = strchr(v, '\n');
            val_t *rec = val_new(a, VAL_STRUCT);
            val_set_c(a, rec, "Value", val_cstr(a, nl ? arena_strndup(a, v, (size_t)(nl - v)) : v));
            val_push(a, recs, rec);
            v = nl ? nl + 1 : NULL;
        }
        val_set_c(a, s, "ResourceRecords", recs);
    }
    if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
        val_t *al = val_new(a, VAL_STRUCT);
        val_set_c(a, al, "HostedZoneId", val_str(a, store_col_str(a, st, 10)));
        val_set_c(a, al, "DNSName", val_cstr(a, r53__shown(a, (const char *)sqlite3_column_text(st, 11))));
        val_set_c(a, al, "EvaluateTargetHealth", val_bool(a, sqlite3_column_int(st, 12)));
        val_set_c(a, s, "AliasTarget", al);
    }
    if (sqlite3_column_type(st, 9) != SQLITE_NULL)
        val_set_c(a, s, "HealthCheckId", val_str(a, store_col_str(a, st, 9)));
    return s;
}

int route53_list_resource_record_sets(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = r53__db(r->app);
    const char *zid, *zone;
    if (!db || r53__zone(r, db, val_get_str(in, "HostedZoneId"), &zid, &zone) != GR_OK) return GR_ERR;
    str_t sname = val_get_str(in, "StartRecordName"), stype = val_get_str(in, "StartRecordType"),
          sident = val_get_str(in, "StartRecordIdentifier"), smax = val_get_str(in, "MaxItems");
    /* AWS (recorded): a type without a name to start from is "The input is
     * not valid"; so is a name with a control character or a space. */
    if (stype.p && !sname.p) return req_fail(r, E_INPUT, "The input is not valid");
    int bad = r53__bad_char(sname);
    if (bad >= 0)
        return req_fail(r, E_INPUT,
                        "FATAL problem: UnsupportedCharacter (Value contains unsupported characters) encountered with "
                        "'%c'",
                        bad);
    long long max = 300;
    if (smax.p && (!str_to_i64(smax, &max) || max < 1)) return req_fail(r, E_INPUT, "Invalid value for MaxItems");
    if (max > 300) max = 300;
    const char *start = "";
    if (sname.p) {
        const char *n = r53__norm(a, sname);
        if (!n) return req_fail(r, &ROUTE53_ERR_InvalidDomainName, "%.*s is not a valid domain name", STR_FMT(sname));
        start = r53__rkey(a, n);
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT name, type, set_id, ttl, vals, weight, failover, multivalue, region, "
                                      "health_id, alias_zone, alias_name, alias_eval FROM rrset WHERE zone_id = ?1 AND "
                                      "(rkey > ?2 OR (rkey = ?2 AND (type > ?3 OR (type = ?3 AND set_id >= ?4)))) "
                                      "ORDER BY rkey, type, set_id LIMIT ?5");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, start, -1, SQLITE_STATIC);
    store_bind_str(st, 3, stype.p ? stype : str_c(""));
    store_bind_str(st, 4, sident.p ? sident : str_c(""));
    sqlite3_bind_int64(st, 5, max + 1);
    val_t *list = val_new(a, VAL_LIST);
    long long n = 0;
    bool truncated = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == max) {
            truncated = true;
            val_set_c(a, out, "NextRecordName", val_cstr(a, r53__shown(a, (const char *)sqlite3_column_text(st, 0))));
            val_set_c(a, out, "NextRecordType", val_str(a, store_col_str(a, st, 1)));
            str_t sid = store_col_str(a, st, 2);
            if (sid.len) val_set_c(a, out, "NextRecordIdentifier", val_str(a, sid));
            break;
        }
        val_push(a, list, set_value(r, st));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    val_set_c(a, out, "ResourceRecordSets", list);
    val_set_c(a, out, "IsTruncated", val_bool(a, truncated));
    return val_set_c(a, out, "MaxItems", val_cstr(a, arena_printf(a, "%lld", max)));
}
