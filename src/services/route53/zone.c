/* zone.c — Amazon Route 53 hosted zones (CreateHostedZone, GetHostedZone,
 * ListHostedZones, ListHostedZonesByName, GetHostedZoneCount,
 * UpdateHostedZoneComment, DeleteHostedZone), GetChange, and what the
 * Route 53 files share: the store, DNS names, changes.
 *
 * A public zone gets four name servers in AWS's form (ns-N.awsdns-NN.com,
 * .net, .org, .co.uk), and the SOA and NS record sets AWS creates with it;
 * gureum's DNS server answers for it (resolve.c). A change is applied at once
 * and answered PENDING, as AWS answers a change it has accepted; GetChange
 * then reports INSYNC. Texts are AWS's as recorded where said. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "route53_model.h"
#include "schemas.h"
#include "services/app.h"
#include "services/route53/route53.h"

#define E_NOZONE (&ROUTE53_ERR_NoSuchHostedZone)
#define E_INPUT (&ROUTE53_ERR_InvalidInput)

/* ==== Shared ==== */

sqlite3 *r53__db(struct app *app)
{
    return store_db(app->store, &schema_route53);
}

int r53__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int r53__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

int64_t r53__now_ms(void)
{
    return time_now_us() / 1000;
}

const char *r53__norm(arena_t *a, str_t name)
{
    if (!name.p || name.len == 0) return NULL;
    char *out = arena_alloc(a, name.len + 2);
    size_t n = 0, label = 0;
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.p[i];
        /* AWS: "\ooo" octal escapes (Route 53 writes '*' as \052). */
        if (c == '\\' && i + 3 < name.len && isdigit((unsigned char)name.p[i + 1]) &&
            isdigit((unsigned char)name.p[i + 2]) && isdigit((unsigned char)name.p[i + 3])) {
            int v = (name.p[i + 1] - '0') * 64 + (name.p[i + 2] - '0') * 8 + (name.p[i + 3] - '0');
            if (v > 255) return NULL;
            c = (unsigned char)v;
            i += 3;
        } else if (c == '.') {
            if (label == 0) return NULL; /* an empty label, or the root alone */
            out[n++] = '.';
            label = 0;
            continue;
        }
        if (++label > 63) return NULL;
        out[n++] = (char)tolower(c);
    }
    if (label) out[n++] = '.';
    out[n] = 0;
    return n > 255 ? NULL : out;
}

const char *r53__shown(arena_t *a, const char *norm)
{
    buf_t b;
    buf_init(&b, a);
    for (const unsigned char *p = (const unsigned char *)norm; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.')
            buf_printf(&b, "%c", *p);
        else
            buf_printf(&b, "\\%03o", *p);
    }
    str_t s = buf_str(&b);
    return arena_strndup(a, s.p ? s.p : "", s.len);
}

const char *r53__rkey(arena_t *a, const char *norm)
{
    size_t n = strlen(norm);
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    /* labels from the last to the first, each followed by '.' */
    size_t end = n && norm[n - 1] == '.' ? n - 1 : n;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && norm[start - 1] != '.') start--;
        memcpy(out + o, norm + start, end - start);
        o += end - start;
        out[o++] = '.';
        end = start ? start - 1 : 0;
    }
    out[o] = 0;
    return out;
}

bool r53__in_zone(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    if (n < z || strcmp(name + n - z, zone) != 0) return false;
    return n == z || name[n - z - 1] == '.';
}

/* "Z…" or "/hostedzone/Z…" → "Z…" */
static str_t bare_id(str_t id, const char *prefix)
{
    str_t p = str_c(prefix);
    return str_starts_with(id, p) ? str_sub(id, p.len, id.len - p.len) : id;
}

int r53__bad_char(str_t name)
{
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.p[i];
        if (c <= 0x20 || c == 0x7f) return c;
    }
    return -1;
}

int r53__zone(req_t *r, sqlite3 *db, str_t id, const char **zid, const char **name)
{
    str_t bare = bare_id(id, "/hostedzone/");
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name FROM zone WHERE id = ?1 AND account = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, bare);
    store_bind_str(st, 2, r->who.account);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *zid = arena_strdup(r->arena, (const char *)sqlite3_column_text(st, 0));
        *name = arena_strdup(r->arena, (const char *)sqlite3_column_text(st, 1));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "No hosted zone found with ID: Z…" */
    if (!found) return req_fail(r, E_NOZONE, "No hosted zone found with ID: %.*s", STR_FMT(bare));
    return GR_OK;
}

static val_t *change_info(req_t *r, const char *id, int64_t ms, str_t comment, bool insync)
{
    arena_t *a = r->arena;
    val_t *c = val_new(a, VAL_STRUCT);
    val_set_c(a, c, "Id", val_cstr(a, arena_printf(a, "/change/%s", id)));
    val_set_c(a, c, "Status", val_cstr(a, insync ? "INSYNC" : "PENDING"));
    val_set_c(a, c, "SubmittedAt", val_time(a, ms * 1000));
    if (comment.p) val_set_c(a, c, "Comment", val_str(a, comment));
    return c;
}

/* AWS's ids: "Z" or "C" and uppercase letters and digits (21 in all). */
static const char *new_id(arena_t *a, char kind)
{
    char tail[21];
    id_random_chars(tail, 20, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    return arena_printf(a, "%c%s", kind, tail);
}

val_t *r53__change(req_t *r, sqlite3 *db, str_t comment)
{
    const char *id = new_id(r->arena, 'C');
    int64_t ms = r53__now_ms();
    sqlite3_stmt *st =
        store_stmt(db, "INSERT INTO change (id, account, submitted_ms, comment) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    store_bind_str(st, 2, r->who.account);
    sqlite3_bind_int64(st, 3, ms);
    store_bind_str(st, 4, comment);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return NULL;
    return change_info(r, id, ms, comment, false);
}

/* The four name servers of a zone, in AWS's form, fixed by its id. */
static void name_servers(const char *zid, char out[4][64])
{
    uint32_t h = 2166136261u;
    for (const char *p = zid; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    static const char *const tld[] = {"com", "net", "org", "co.uk"};
    for (int i = 0; i < 4; i++) {
        uint32_t x = h >> (i * 3);
        snprintf(out[i], 64, "ns-%u.awsdns-%02u.%s", (x % 512) + (unsigned)i * 512, (x >> 9) % 64, tld[i]);
    }
}

/* ==== Answers ==== */

static const char ZONE_COLS[] = "SELECT id, name, caller, comment, private, vpc_id, vpc_region, "
                                "(SELECT count(*) FROM rrset WHERE zone_id = zone.id) FROM zone ";

static val_t *zone_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *z = val_new(a, VAL_STRUCT), *cfg = val_new(a, VAL_STRUCT);
    const char *id = (const char *)sqlite3_column_text(st, 0), *name = (const char *)sqlite3_column_text(st, 1);
    val_set_c(a, z, "Id", val_cstr(a, arena_printf(a, "/hostedzone/%s", id)));
    val_set_c(a, z, "Name", val_cstr(a, r53__shown(a, name)));
    val_set_c(a, z, "CallerReference", val_str(a, store_col_str(a, st, 2)));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) val_set_c(a, cfg, "Comment", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, cfg, "PrivateZone", val_bool(a, sqlite3_column_int(st, 4)));
    val_set_c(a, z, "Config", cfg);
    val_set_c(a, z, "ResourceRecordSetCount", val_int(a, sqlite3_column_int64(st, 7)));
    return z;
}

static val_t *delegation(req_t *r, const char *zid)
{
    arena_t *a = r->arena;
    char ns[4][64];
    name_servers(zid, ns);
    val_t *d = val_new(a, VAL_STRUCT), *list = val_new(a, VAL_LIST);
    for (int i = 0; i < 4; i++) val_push(a, list, val_cstr(a, arena_strdup(a, ns[i])));
    val_set_c(a, d, "NameServers", list);
    return d;
}

static val_t *vpc_value(req_t *r, sqlite3_stmt *st)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "VPCRegion", val_str(a, store_col_str(a, st, 6)));
    val_set_c(a, v, "VPCId", val_str(a, store_col_str(a, st, 5)));
    return v;
}

/* HostedZone, DelegationSet (public) or VPCs (private) of zone zid into out. */
static int answer_zone(req_t *r, sqlite3 *db, const char *zid, val_t *out, bool vpc_list)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = store_stmt(db, arena_printf(a, "%sWHERE id = ?1", ZONE_COLS));
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        val_set_c(a, out, "HostedZone", zone_value(r, st));
        if (!sqlite3_column_int(st, 4))
            val_set_c(a, out, "DelegationSet", delegation(r, zid));
        else if (vpc_list) {
            val_t *vpcs = val_new(a, VAL_LIST);
            val_push(a, vpcs, vpc_value(r, st));
            val_set_c(a, out, "VPCs", vpcs);
        } else
            val_set_c(a, out, "VPC", vpc_value(r, st));
    }
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

int r53__rrset_defaults(req_t *r, sqlite3 *db, const char *zid, const char *zname)
{
    arena_t *a = r->arena;
    char ns[4][64];
    name_servers(zid, ns);
    /* AWS: the SOA names the first name server and awsdns-hostmaster, serial
     * 1, refresh 7200, retry 900, expire 1209600, minimum 86400, TTL 900; the
     * NS set TTL 172800. */
    const char *soa = arena_printf(a, "%s. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400", ns[0]);
    const char *nsv = arena_printf(a, "%s.\n%s.\n%s.\n%s.", ns[0], ns[1], ns[2], ns[3]);
    const char *rkey = r53__rkey(a, zname);
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO rrset (zone_id, name, rkey, type, set_id, ttl, vals) "
                                      "VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)");
    if (!st) return GR_ERR;
    bool ok = true;
    const char *types[] = {"NS", "SOA"}, *vals[] = {nsv, soa};
    int ttls[] = {172800, 900};
    for (int i = 0; ok && i < 2; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, zname, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rkey, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, types[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, ttls[i]);
        sqlite3_bind_text(st, 6, vals[i], -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    return store_release(st) == SQLITE_OK && ok ? GR_OK : GR_ERR;
}

/* ==== Operations ==== */

int route53_create_hosted_zone(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t given = val_get_str(in, "Name"), caller = val_get_str(in, "CallerReference");
    const char *name = r53__norm(a, given);
    /* not on record: the refusal of a name that is not one */
    if (!name) return req_fail(r, &ROUTE53_ERR_InvalidDomainName, "%.*s is not a valid domain name", STR_FMT(given));
    /* AWS (recorded): example.com and the names under it (RFC 2606) "is
     * reserved by AWS!" */
    if (r53__in_zone(name, "example.com."))
        return req_fail(r, &ROUTE53_ERR_InvalidDomainName, "%.*s is reserved by AWS!", (int)(strlen(name) - 1), name);
    const val_t *vpc = val_get(in, "VPC"), *cfg = val_get(in, "HostedZoneConfig");
    bool private = vpc != NULL;
    if (val_get_bool(cfg, "PrivateZone", false) && !vpc)
        return req_fail(r, E_INPUT,
                        "When you're creating a private hosted zone (when you specify true for "
                        "PrivateZone), you must also specify values for VPCId and VPCRegion.");
    if (vpc && (!val_get_str(vpc, "VPCId").p || !val_get_str(vpc, "VPCRegion").p))
        return req_fail(r, &ROUTE53_ERR_InvalidVPCId, "Invalid VPC: specify both VPCId and VPCRegion");
    sqlite3 *db = r53__db(r->app);
    if (!db || r53__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT 1 FROM zone WHERE account = ?1 AND caller = ?2");
    if (!st) return r53__end(db, false), GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, caller);
    bool dup = sqlite3_step(st) == SQLITE_ROW;
    if (store_release(st) != SQLITE_OK) return r53__end(db, false), GR_ERR;
    if (dup) {
        r53__end(db, false);
        /* AWS (recorded) */
        return req_fail(r, &ROUTE53_ERR_HostedZoneAlreadyExists,
                        "A hosted zone has already been created with the specified caller reference.");
    }
    const char *zid = new_id(a, 'Z');
    str_t comment = val_get_str(cfg, "Comment");
    st = store_stmt(db, "INSERT INTO zone (id, account, name, caller, comment, private, vpc_id, vpc_region, seq) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    bool ok = st != NULL;
    if (st) {
        sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
        store_bind_str(st, 2, r->who.account);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        store_bind_str(st, 4, caller);
        store_bind_str(st, 5, comment);
        sqlite3_bind_int(st, 6, private);
        store_bind_str(st, 7, val_get_str(vpc, "VPCId"));
        store_bind_str(st, 8, val_get_str(vpc, "VPCRegion"));
        sqlite3_bind_int64(st, 9, time_now_us());
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && r53__rrset_defaults(r, db, zid, name) == GR_OK;
    val_t *change = ok ? r53__change(r, db, STR_NULL) : NULL;
    if (r53__end(db, change != NULL) != GR_OK) return GR_ERR;
    if (answer_zone(r, db, zid, out, false) != GR_OK) return GR_ERR;
    val_set_c(a, out, "ChangeInfo", change);
    return val_set_c(a, out, "Location",
                     val_cstr(a, arena_printf(a, "https://route53.amazonaws.com/2013-04-01/hostedzone/%s", zid)));
}

int route53_get_hosted_zone(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = r53__db(r->app);
    const char *zid, *name;
    if (!db || r53__zone(r, db, val_get_str(in, "Id"), &zid, &name) != GR_OK) return GR_ERR;
    return answer_zone(r, db, zid, out, true);
}

/* MaxItems as a number, AWS's default 100 and most 100 (over 100: 100). */
static int max_items(req_t *r, const val_t *in, int64_t *max)
{
    str_t s = val_get_str(in, "MaxItems");
    long long v = 100;
    if (s.p && (!str_to_i64(s, &v) || v < 1))
        return req_fail(r, E_INPUT,
                        "1 validation error detected: Value '%.*s' at 'maxItems' failed to satisfy "
                        "constraint: Member must be greater than or equal to 1",
                        STR_FMT(s));
    *max = v > 100 ? 100 : v;
    return GR_OK;
}

int route53_list_hosted_zones(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t max;
    if (max_items(r, in, &max) != GR_OK) return GR_ERR;
    str_t marker = val_get_str(in, "Marker");
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(a,
                                    "%sWHERE account = ?1 AND (?2 IS NULL OR seq >= (SELECT seq FROM zone "
                                    "WHERE id = ?2)) ORDER BY seq LIMIT ?3",
                                    ZONE_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, marker);
    sqlite3_bind_int64(st, 3, max + 1);
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n++ == max) {
            val_set_c(a, out, "NextMarker", val_str(a, store_col_str(a, st, 0)));
            break;
        }
        val_push(a, list, zone_value(r, st));
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    val_set_c(a, out, "HostedZones", list);
    /* the Marker given, echoed; none when the listing starts at the top */
    if (marker.p) val_set_c(a, out, "Marker", val_str(a, marker));
    val_set_c(a, out, "IsTruncated", val_bool(a, n > max));
    return val_set_c(a, out, "MaxItems", val_cstr(a, arena_printf(a, "%lld", (long long)max)));
}

int route53_list_hosted_zones_by_name(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t max;
    if (max_items(r, in, &max) != GR_OK) return GR_ERR;
    str_t dns = val_get_str(in, "DNSName"), zid = val_get_str(in, "HostedZoneId");
    const char *start = "";
    if (dns.p) {
        const char *n = r53__norm(a, dns);
        if (!n) return req_fail(r, &ROUTE53_ERR_InvalidDomainName, "%.*s is not a valid domain name", STR_FMT(dns));
        start = r53__rkey(a, n);
    }
    /* AWS: hosted zone ids only with a DNSName. */
    if (zid.p && !dns.p) return req_fail(r, E_INPUT, "If you specify HostedZoneId, you must also specify DNSName.");
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id, name FROM zone WHERE account = ?1 ORDER BY seq");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    /* Sorted by reversed labels, then id: a few zones per account, sorted here. */
    typedef struct {
        const char *id, *key;
    } ent_t;
    size_t n = 0, cap = 16;
    ent_t *e = ARENA_NEWN(a, ent_t, cap);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            ent_t *ne = ARENA_NEWN(a, ent_t, cap * 2);
            memcpy(ne, e, n * sizeof *e);
            e = ne;
            cap *= 2;
        }
        e[n].id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
        e[n].key = r53__rkey(a, (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            int c = strcmp(e[j - 1].key, e[j].key);
            if (c < 0 || (c == 0 && strcmp(e[j - 1].id, e[j].id) <= 0)) break;
            ent_t t = e[j - 1];
            e[j - 1] = e[j];
            e[j] = t;
        }
    val_t *list = val_new(a, VAL_LIST);
    int64_t taken = 0;
    bool truncated = false;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(e[i].key, start);
        if (c < 0) continue;
        if (c == 0 && zid.p && strcmp(e[i].id, arena_strndup(a, zid.p, zid.len)) < 0) continue;
        if (taken == max) {
            truncated = true;
            sqlite3_stmt *q = store_stmt(db, "SELECT name FROM zone WHERE id = ?1");
            if (!q) return GR_ERR;
            sqlite3_bind_text(q, 1, e[i].id, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                val_set_c(a, out, "NextDNSName", val_cstr(a, r53__shown(a, (const char *)sqlite3_column_text(q, 0))));
            store_release(q);
            val_set_c(a, out, "NextHostedZoneId", val_cstr(a, e[i].id));
            break;
        }
        sqlite3_stmt *q = store_stmt(db, arena_printf(a, "%sWHERE id = ?1", ZONE_COLS));
        if (!q) return GR_ERR;
        sqlite3_bind_text(q, 1, e[i].id, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) val_push(a, list, zone_value(r, q));
        if (store_release(q) != SQLITE_OK) return GR_ERR;
        taken++;
    }
    val_set_c(a, out, "HostedZones", list);
    if (dns.p) val_set_c(a, out, "DNSName", val_str(a, dns));
    if (zid.p) val_set_c(a, out, "HostedZoneId", val_str(a, zid));
    val_set_c(a, out, "IsTruncated", val_bool(a, truncated));
    return val_set_c(a, out, "MaxItems", val_cstr(a, arena_printf(a, "%lld", (long long)max)));
}

int route53_get_hosted_zone_count(req_t *r, const val_t *in, val_t *out)
{
    (void)in;
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM zone WHERE account = ?1");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return GR_ERR;
    return val_set_c(r->arena, out, "HostedZoneCount", val_int(r->arena, n));
}

int route53_update_hosted_zone_comment(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = r53__db(r->app);
    const char *zid, *name;
    if (!db || r53__zone(r, db, val_get_str(in, "Id"), &zid, &name) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE zone SET comment = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    store_bind_str(st, 2, val_get_str(in, "Comment"));
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    val_t *tmp = val_new(r->arena, VAL_STRUCT);
    if (answer_zone(r, db, zid, tmp, true) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "HostedZone", (val_t *)val_get(tmp, "HostedZone"));
}

int route53_delete_hosted_zone(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = r53__db(r->app);
    const char *zid, *name;
    if (!db || r53__zone(r, db, val_get_str(in, "Id"), &zid, &name) != GR_OK) return GR_ERR;
    if (r53__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT count(*) FROM rrset WHERE zone_id = ?1 AND NOT (name = ?2 AND type IN "
                                      "('SOA', 'NS') AND set_id = '')");
    if (!st) return r53__end(db, false), GR_ERR;
    sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (store_release(st) != SQLITE_OK || n < 0) return r53__end(db, false), GR_ERR;
    if (n) {
        r53__end(db, false);
        /* AWS (recorded) */
        return req_fail(r, &ROUTE53_ERR_HostedZoneNotEmpty,
                        "The specified hosted zone contains non-required resource record sets and so cannot be "
                        "deleted.");
    }
    bool ok = true;
    static const char *const sql[] = {"DELETE FROM rrset WHERE zone_id = ?1", "DELETE FROM zone WHERE id = ?1"};
    for (size_t i = 0; ok && i < 2; i++) {
        st = store_stmt(db, sql[i]);
        if (!st) return r53__end(db, false), GR_ERR;
        sqlite3_bind_text(st, 1, zid, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && r53__tags_drop(db, "hostedzone", zid) == GR_OK;
    val_t *change = ok ? r53__change(r, db, STR_NULL) : NULL;
    if (r53__end(db, change != NULL) != GR_OK) return GR_ERR;
    return val_set_c(r->arena, out, "ChangeInfo", change);
}

int route53_get_change(req_t *r, const val_t *in, val_t *out)
{
    str_t id = bare_id(val_get_str(in, "Id"), "/change/");
    sqlite3 *db = r53__db(r->app);
    if (!db) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT submitted_ms, comment FROM change WHERE id = ?1 AND account = ?2");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    val_t *c = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        c = change_info(r, arena_strndup(r->arena, id.p, id.len), sqlite3_column_int64(st, 0),
                        sqlite3_column_type(st, 1) == SQLITE_NULL ? STR_NULL : store_col_str(r->arena, st, 1), true);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded): "A change with the specified change ID does not exist." */
    if (!c) return req_fail(r, &ROUTE53_ERR_NoSuchChange, "A change with the specified change ID does not exist.");
    return val_set_c(r->arena, out, "ChangeInfo", c);
}
