/* dist.c — Amazon CloudFront distributions (CreateDistribution,
 * CreateDistributionWithTags, GetDistribution, GetDistributionConfig,
 * ListDistributions, UpdateDistribution, DeleteDistribution) and what the
 * CloudFront files share: the store, ids, the distribution a request names.
 *
 * The DistributionConfig is kept as the parsed value the client sent (JSON
 * in the store) with AWS's defaults added only for members it left out, so
 * every member sent comes back from Get/Update as sent. Each change gets a
 * new ETag, which UpdateDistribution and DeleteDistribution must name in
 * If-Match. Status is InProgress until DEPLOY_MS after the last change, then
 * Deployed (answered on read). Texts are as recorded where said. */
#include <stdio.h>
#include <string.h>

#include "cloudfront_model.h"
#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "schemas.h"
#include "services/app.h"
#include "services/cloudfront/cloudfront.h"

#define E_NODIST (&CLOUDFRONT_ERR_NoSuchDistribution)
#define E_ARG (&CLOUDFRONT_ERR_InvalidArgument)

/* AWS takes minutes to deploy; a local distribution is "deployed" at once
 * but reports InProgress for this long, so clients that wait see the change. */
#define DEPLOY_MS 3000

/* ==== Shared ==== */

sqlite3 *cf__db(struct app *app)
{
    return store_db(app->store, &schema_cloudfront);
}

int cf__begin(sqlite3 *db)
{
    return store_exec(db, "BEGIN IMMEDIATE");
}

int cf__end(sqlite3 *db, bool ok)
{
    if (ok && store_exec(db, "COMMIT") == GR_OK) return GR_OK;
    store_exec(db, "ROLLBACK");
    return GR_ERR;
}

int64_t cf__now_ms(void)
{
    return time_now_us() / 1000;
}

const char *cf__new_id(arena_t *a, char kind)
{
    char tail[14];
    id_random_chars(tail, 13, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    return arena_printf(a, "%c%s", kind, tail);
}

const char *cf__arn(arena_t *a, str_t account, const char *id)
{
    return arena_printf(a, "arn:aws:cloudfront::%.*s:distribution/%s", STR_FMT(account), id);
}

static const char DIST_COLS[] =
    "SELECT id, account, domain, etag, config, enabled, modified_ms, deployed_ms FROM dist ";

static void dist_read(arena_t *a, sqlite3_stmt *st, cf_dist_t *d)
{
    d->id = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    d->account = arena_strdup(a, (const char *)sqlite3_column_text(st, 1));
    d->domain = arena_strdup(a, (const char *)sqlite3_column_text(st, 2));
    d->etag = arena_strdup(a, (const char *)sqlite3_column_text(st, 3));
    json_t *j = json_parse(a, store_col_str(a, st, 4), NULL);
    d->config = j ? val_from_json(a, j) : val_new(a, VAL_STRUCT);
    d->enabled = sqlite3_column_int(st, 5);
    d->modified_ms = sqlite3_column_int64(st, 6);
    d->deployed_ms = sqlite3_column_int64(st, 7);
}

int cf__dist_or_fail(req_t *r, sqlite3 *db, str_t id, cf_dist_t *d)
{
    sqlite3_stmt *st = store_stmt(db, arena_printf(r->arena, "%sWHERE id = ?1 AND account = ?2", DIST_COLS));
    if (!st) return GR_ERR;
    store_bind_str(st, 1, id);
    store_bind_str(st, 2, r->who.account);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) dist_read(r->arena, st, d);
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS (recorded by moto): "The specified distribution does not exist." */
    if (!found) return req_fail(r, E_NODIST, "The specified distribution does not exist.");
    return GR_OK;
}

int cf__dist_by_host(req_t *r, sqlite3 *db, str_t name, cf_dist_t *d)
{
    sqlite3_stmt *st =
        store_stmt(db, arena_printf(r->arena, "%sWHERE domain = ?1 || '.cloudfront.net' OR id = upper(?1)", DIST_COLS));
    if (!st) return -1;
    store_bind_str(st, 1, name);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) dist_read(r->arena, st, d);
    if (store_release(st) != SQLITE_OK) return -1;
    return found;
}

/* ==== Defaults ==== */

static val_t *qty0(arena_t *a)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Quantity", val_int(a, 0));
    return v;
}

static val_t *signers0(arena_t *a)
{
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Enabled", val_bool(a, false));
    val_set_c(a, v, "Quantity", val_int(a, 0));
    return v;
}

static val_t *methods(arena_t *a)
{
    val_t *m = val_new(a, VAL_STRUCT), *items = val_new(a, VAL_LIST);
    val_push(a, items, val_cstr(a, "HEAD"));
    val_push(a, items, val_cstr(a, "GET"));
    val_set_c(a, m, "Quantity", val_int(a, 2));
    val_set_c(a, m, "Items", items);
    return m;
}

/* Sets key in obj to v unless the client sent it. */
static void dflt(arena_t *a, val_t *obj, const char *key, val_t *v)
{
    if (!val_get(obj, key)) val_set_c(a, obj, key, v);
}

/* AWS answers these members for a behavior that left them out (its API
 * reference's GetDistributionConfig example; the same in moto's answers). */
static void behavior_defaults(arena_t *a, val_t *b)
{
    dflt(a, b, "TrustedSigners", signers0(a));
    dflt(a, b, "TrustedKeyGroups", signers0(a));
    if (!val_get(b, "AllowedMethods")) {
        val_t *m = methods(a);
        val_set_c(a, m, "CachedMethods", methods(a));
        val_set_c(a, b, "AllowedMethods", m);
    }
    dflt(a, b, "SmoothStreaming", val_bool(a, false));
    dflt(a, b, "Compress", val_bool(a, false));
    dflt(a, b, "LambdaFunctionAssociations", qty0(a));
    dflt(a, b, "FunctionAssociations", qty0(a));
    dflt(a, b, "FieldLevelEncryptionId", val_cstr(a, ""));
}

static void config_defaults(arena_t *a, val_t *c)
{
    dflt(a, c, "Aliases", qty0(a));
    dflt(a, c, "DefaultRootObject", val_cstr(a, ""));
    val_t *origins = val_get(val_get(c, "Origins"), "Items");
    for (size_t i = 0; origins && origins->kind == VAL_LIST && i < origins->u.list.n; i++) {
        val_t *o = origins->u.list.v[i];
        dflt(a, o, "OriginPath", val_cstr(a, ""));
        dflt(a, o, "CustomHeaders", qty0(a));
        dflt(a, o, "ConnectionAttempts", val_int(a, 3));
        dflt(a, o, "ConnectionTimeout", val_int(a, 10));
        val_t *shield = val_new(a, VAL_STRUCT);
        val_set_c(a, shield, "Enabled", val_bool(a, false));
        dflt(a, o, "OriginShield", shield);
        dflt(a, o, "OriginAccessControlId", val_cstr(a, ""));
        /* AWS (CloudFront Developer Guide, "Values that you specify"): a
         * custom origin's response timeout is 30 s, its keep-alive 5 s */
        val_t *coc = val_get(o, "CustomOriginConfig");
        if (coc) {
            dflt(a, coc, "OriginReadTimeout", val_int(a, 30));
            dflt(a, coc, "OriginKeepaliveTimeout", val_int(a, 5));
        }
    }
    dflt(a, c, "OriginGroups", qty0(a));
    if (val_get(c, "DefaultCacheBehavior")) behavior_defaults(a, val_get(c, "DefaultCacheBehavior"));
    dflt(a, c, "CacheBehaviors", qty0(a));
    val_t *cbs = val_get(val_get(c, "CacheBehaviors"), "Items");
    for (size_t i = 0; cbs && cbs->kind == VAL_LIST && i < cbs->u.list.n; i++) behavior_defaults(a, cbs->u.list.v[i]);
    dflt(a, c, "CustomErrorResponses", qty0(a));
    val_t *log = val_new(a, VAL_STRUCT);
    val_set_c(a, log, "Enabled", val_bool(a, false));
    val_set_c(a, log, "IncludeCookies", val_bool(a, false));
    val_set_c(a, log, "Bucket", val_cstr(a, ""));
    val_set_c(a, log, "Prefix", val_cstr(a, ""));
    dflt(a, c, "Logging", log);
    dflt(a, c, "PriceClass", val_cstr(a, "PriceClass_All"));
    val_t *vc = val_new(a, VAL_STRUCT);
    val_set_c(a, vc, "CloudFrontDefaultCertificate", val_bool(a, true));
    val_set_c(a, vc, "SSLSupportMethod", val_cstr(a, "vip"));
    val_set_c(a, vc, "MinimumProtocolVersion", val_cstr(a, "TLSv1"));
    val_set_c(a, vc, "CertificateSource", val_cstr(a, "cloudfront"));
    dflt(a, c, "ViewerCertificate", vc);
    val_t *geo = val_new(a, VAL_STRUCT), *rs = val_new(a, VAL_STRUCT);
    val_set_c(a, geo, "RestrictionType", val_cstr(a, "none"));
    val_set_c(a, geo, "Quantity", val_int(a, 0));
    val_set_c(a, rs, "GeoRestriction", geo);
    dflt(a, c, "Restrictions", rs);
    dflt(a, c, "WebACLId", val_cstr(a, ""));
    dflt(a, c, "HttpVersion", val_cstr(a, "http2"));
    dflt(a, c, "IsIPV6Enabled", val_bool(a, true));
    dflt(a, c, "ContinuousDeploymentPolicyId", val_cstr(a, ""));
    dflt(a, c, "Staging", val_bool(a, false));
}

/* ==== Validation ==== */

static bool origin_exists(const val_t *c, str_t id)
{
    const val_t *items = val_get(val_get(c, "Origins"), "Items");
    for (size_t i = 0; items && items->kind == VAL_LIST && i < items->u.list.n; i++)
        if (str_eq(val_get_str(items->u.list.v[i], "Id"), id)) return true;
    const val_t *groups = val_get(val_get(c, "OriginGroups"), "Items");
    for (size_t i = 0; groups && groups->kind == VAL_LIST && i < groups->u.list.n; i++)
        if (str_eq(val_get_str(groups->u.list.v[i], "Id"), id)) return true;
    return false;
}

/* Every Quantity must count its Items, anywhere in the config (AWS:
 * InconsistentQuantities); what names the first list that does not. */
static int quantities_or_fail(req_t *r, const val_t *v, const char *what)
{
    if (!v) return GR_OK;
    if (v->kind == VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (quantities_or_fail(r, v->u.list.v[i], what) != GR_OK) return GR_ERR;
        return GR_OK;
    }
    if (v->kind != VAL_STRUCT) return GR_OK;
    const val_t *q = val_get(v, "Quantity"), *items = val_get(v, "Items");
    if (q && q->kind == VAL_INT) {
        size_t n = items && items->kind == VAL_LIST ? items->u.list.n : 0;
        if ((size_t)q->u.i != n) /* not on record: the message (the model's description) */
            return req_fail(r, &CLOUDFRONT_ERR_InconsistentQuantities,
                            "The value of Quantity and the size of Items don't match for %s.", what);
    }
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const char *name = arena_strndup(r->arena, v->u.obj.e[i].key.p, v->u.obj.e[i].key.len);
        if (quantities_or_fail(r, v->u.obj.e[i].v, name) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

static int config_or_fail(req_t *r, const val_t *c)
{
    const val_t *origins = val_get(c, "Origins");
    if (quantities_or_fail(r, c, "DistributionConfig") != GR_OK) return GR_ERR;
    const val_t *items = val_get(origins, "Items");
    /* not on record: the text for an empty origin list */
    if (!items || items->kind != VAL_LIST || items->u.list.n == 0)
        return req_fail(r, E_ARG, "The parameter Origins doesn't contain any origin. Specify at least one origin.");
    for (size_t i = 0; i < items->u.list.n; i++) {
        const val_t *o = items->u.list.v[i];
        str_t path = val_get_str(o, "OriginPath");
        /* AWS: an OriginPath begins with '/' and does not end with one */
        if (path.len && (path.p[0] != '/' || path.p[path.len - 1] == '/'))
            return req_fail(r, E_ARG, "The parameter origin path must begin with '/' and must not end with '/'.");
        if (val_get(o, "S3OriginConfig") && val_get(o, "CustomOriginConfig"))
            return req_fail(r, E_ARG,
                            "You must specify either a CustomOrigin or an S3Origin. You cannot specify both.");
        /* AWS (recorded by moto; Terraform users report the same text) */
        if (val_get(o, "S3OriginConfig") && !cf__s3_bucket_of(val_get_str(o, "DomainName")).len)
            return req_fail(r, E_ARG, "The parameter Origin DomainName does not refer to a valid S3 bucket.");
        str_t oac = val_get_str(o, "OriginAccessControlId");
        if (oac.len) {
            /* not on record: the texts; the codes are the model's */
            if (val_get_str(val_get(o, "S3OriginConfig"), "OriginAccessIdentity").len)
                return req_fail(r, &CLOUDFRONT_ERR_IllegalOriginAccessConfiguration,
                                "An origin cannot contain both an origin access control (OAC) and an origin access "
                                "identity (OAI).");
            sqlite3 *db = cf__db(r->app);
            int found = db ? cf__oac_find(r, db, r->who.account, oac, NULL) : -1;
            if (found < 0) return GR_ERR;
            if (!found)
                return req_fail(r, &CLOUDFRONT_ERR_InvalidOriginAccessControl,
                                "The specified origin access control does not exist: %.*s", STR_FMT(oac));
        }
    }
    const val_t *dcb = val_get(c, "DefaultCacheBehavior");
    /* AWS (recorded: aws-sdk-js's integration test against CloudFront, and
     * moto): "One or more of your origins or origin groups do not exist." */
    if (!origin_exists(c, val_get_str(dcb, "TargetOriginId")))
        return req_fail(r, &CLOUDFRONT_ERR_NoSuchOrigin, "One or more of your origins or origin groups do not exist.");
    const val_t *cbs = val_get(val_get(c, "CacheBehaviors"), "Items");
    for (size_t i = 0; cbs && cbs->kind == VAL_LIST && i < cbs->u.list.n; i++)
        if (!origin_exists(c, val_get_str(cbs->u.list.v[i], "TargetOriginId")))
            return req_fail(r, &CLOUDFRONT_ERR_NoSuchOrigin,
                            "One or more of your origins or origin groups do not exist.");
    str_t root = val_get_str(c, "DefaultRootObject");
    if (root.len && root.p[0] == '/')
        return req_fail(r, &CLOUDFRONT_ERR_InvalidDefaultRootObject, "The specified default root object is invalid.");
    return GR_OK;
}

/* The distribution's Aliases, claimed for it inside the caller's
 * transaction: GR_OK, or r failed with CNAMEAlreadyExists when another
 * distribution (of any account) has one. AWS (CloudFront Developer Guide,
 * "Move an alternate domain name"): "One or more of the CNAMEs you provided
 * are already associated with a different resource." */
static int aliases_or_fail(req_t *r, sqlite3 *db, const char *dist_id, const val_t *cfg)
{
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM alias WHERE dist_id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_text(st, 1, dist_id, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    const val_t *items = val_get(val_get(cfg, "Aliases"), "Items");
    for (size_t i = 0; items && items->kind == VAL_LIST && i < items->u.list.n; i++) {
        str_t name = items->u.list.v[i]->kind == VAL_STR ? items->u.list.v[i]->u.s : STR("");
        /* the same name twice in one list is no other resource's */
        st = store_stmt(db, "SELECT dist_id = ?2 FROM alias WHERE name = lower(?1)");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, name);
        sqlite3_bind_text(st, 2, dist_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        bool other = rc == SQLITE_ROW && !sqlite3_column_int(st, 0);
        if (store_release(st) != SQLITE_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE)) return GR_ERR;
        if (other)
            return req_fail(r, &CLOUDFRONT_ERR_CNAMEAlreadyExists,
                            "One or more of the CNAMEs you provided are already associated with a different "
                            "resource.");
        st = store_stmt(db, "INSERT OR IGNORE INTO alias (name, dist_id) VALUES (lower(?1), ?2)");
        if (!st) return GR_ERR;
        store_bind_str(st, 1, name);
        sqlite3_bind_text(st, 2, dist_id, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (store_release(st) != SQLITE_OK || !ok) return GR_ERR;
    }
    return GR_OK;
}

/* ==== Answers ==== */

static bool deployed(const cf_dist_t *d)
{
    return cf__now_ms() >= d->deployed_ms;
}

/* The members Distribution and DistributionSummary share: who and where it
 * is, and its state (the serializer writes members in the model's order). */
static val_t *state_value(req_t *r, const cf_dist_t *d)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "Id", val_cstr(a, d->id));
    val_set_c(a, v, "ARN", val_cstr(a, cf__arn(a, str_c(d->account), d->id)));
    val_set_c(a, v, "Status", val_cstr(a, deployed(d) ? "Deployed" : "InProgress"));
    val_set_c(a, v, "LastModifiedTime", val_time(a, d->modified_ms * 1000));
    val_set_c(a, v, "DomainName", val_cstr(a, d->domain));
    return v;
}

static val_t *dist_value(req_t *r, sqlite3 *db, const cf_dist_t *d)
{
    arena_t *a = r->arena;
    val_t *v = state_value(r, d);
    val_set_c(a, v, "InProgressInvalidationBatches", val_int(a, cf__inval_in_progress(db, d->id)));
    val_set_c(a, v, "ActiveTrustedSigners", signers0(a));
    val_set_c(a, v, "ActiveTrustedKeyGroups", signers0(a));
    val_set_c(a, v, "DistributionConfig", d->config);
    return v;
}

/* DistributionSummary: the config's members it repeats, and the state. */
static val_t *summary_value(req_t *r, const cf_dist_t *d)
{
    arena_t *a = r->arena;
    val_t *v = state_value(r, d);
    static const char *const copied[] = {"Aliases",        "Origins",
                                         "OriginGroups",   "DefaultCacheBehavior",
                                         "CacheBehaviors", "CustomErrorResponses",
                                         "Comment",        "PriceClass",
                                         "Enabled",        "ViewerCertificate",
                                         "Restrictions",   "WebACLId",
                                         "HttpVersion",    "IsIPV6Enabled",
                                         "Staging"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        val_t *m = val_get(d->config, copied[i]);
        if (m) val_set_c(a, v, copied[i], m);
    }
    return v;
}

static int answer(req_t *r, sqlite3 *db, const cf_dist_t *d, val_t *out, bool location)
{
    arena_t *a = r->arena;
    val_set_c(a, out, "Distribution", dist_value(r, db, d));
    val_set_c(a, out, "ETag", val_cstr(a, d->etag));
    if (location)
        val_set_c(a, out, "Location",
                  val_cstr(a, arena_printf(a, "https://cloudfront.amazonaws.com/2020-05-31/distribution/%s", d->id)));
    return GR_OK;
}

/* ==== Operations ==== */

/* Creates the distribution config describes (tags: Tags.Items or NULL). */
static int create(req_t *r, val_t *cfg, const val_t *tags, val_t *out)
{
    arena_t *a = r->arena;
    if (config_or_fail(r, cfg) != GR_OK) return GR_ERR;
    str_t caller = val_get_str(cfg, "CallerReference");
    sqlite3 *db = cf__db(r->app);
    if (!db || cf__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT id FROM dist WHERE account = ?1 AND caller = ?2");
    if (!st) return cf__end(db, false), GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, caller);
    str_t dup = sqlite3_step(st) == SQLITE_ROW ? store_col_str(a, st, 0) : STR_NULL;
    if (store_release(st) != SQLITE_OK) return cf__end(db, false), GR_ERR;
    if (dup.p) {
        cf__end(db, false);
        /* AWS (recorded by moto) */
        return req_fail(r, &CLOUDFRONT_ERR_DistributionAlreadyExists,
                        "The caller reference that you are using to create a distribution is associated with "
                        "another distribution. Already exists: %.*s",
                        STR_FMT(dup));
    }
    config_defaults(a, cfg);
    char dom[14];
    /* AWS: d + 13 lower-case letters and digits, "d111111abcdef8.cloudfront.net" */
    id_random_chars(dom, 13, "0123456789abcdefghijklmnopqrstuvwxyz");
    int64_t now = cf__now_ms();
    cf_dist_t d = {.id = cf__new_id(a, 'E'),
                   .account = arena_strndup(a, r->who.account.p, r->who.account.len),
                   .domain = arena_printf(a, "d%s.cloudfront.net", dom),
                   .etag = cf__new_id(a, 'E'),
                   .config = cfg,
                   .enabled = val_get_bool(cfg, "Enabled", false),
                   .modified_ms = now,
                   .deployed_ms = now + DEPLOY_MS};
    st = store_stmt(db, "INSERT INTO dist (id, account, caller, domain, config, etag, enabled, modified_ms, "
                        "deployed_ms, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                        "(SELECT coalesce(max(seq), 0) + 1 FROM dist))");
    bool ok = st != NULL;
    if (st) {
        sqlite3_bind_text(st, 1, d.id, -1, SQLITE_STATIC);
        store_bind_str(st, 2, r->who.account);
        store_bind_str(st, 3, caller);
        sqlite3_bind_text(st, 4, d.domain, -1, SQLITE_STATIC);
        store_bind_str(st, 5, val_json_text(a, cfg));
        sqlite3_bind_text(st, 6, d.etag, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, d.enabled);
        sqlite3_bind_int64(st, 8, now);
        sqlite3_bind_int64(st, 9, d.deployed_ms);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (ok && aliases_or_fail(r, db, d.id, cfg) != GR_OK) {
        cf__end(db, false);
        return GR_ERR;
    }
    const char *arn = cf__arn(a, r->who.account, d.id);
    for (size_t i = 0; ok && tags && tags->kind == VAL_LIST && i < tags->u.list.n; i++) {
        st = store_stmt(db, "INSERT OR REPLACE INTO tag (arn, key, value) VALUES (?1, ?2, ?3)");
        if (!st) {
            ok = false;
            break;
        }
        sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
        store_bind_str(st, 2, val_get_str(tags->u.list.v[i], "Key"));
        str_t v = val_get_str(tags->u.list.v[i], "Value");
        store_bind_str(st, 3, v.p ? v : STR(""));
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (cf__end(db, ok) != GR_OK) return GR_ERR;
    return answer(r, db, &d, out, true);
}

int cloudfront_create_distribution(req_t *r, const val_t *in, val_t *out)
{
    return create(r, val_get(in, "DistributionConfig"), NULL, out);
}

int cloudfront_create_distribution_with_tags(req_t *r, const val_t *in, val_t *out)
{
    const val_t *w = val_get(in, "DistributionConfigWithTags");
    return create(r, val_get(w, "DistributionConfig"), val_get(val_get(w, "Tags"), "Items"), out);
}

int cloudfront_get_distribution(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "Id"), &d) != GR_OK) return GR_ERR;
    return answer(r, db, &d, out, false);
}

int cloudfront_get_distribution_config(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "Id"), &d) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "DistributionConfig", d.config);
    return val_set_c(r->arena, out, "ETag", val_cstr(r->arena, d.etag));
}

static val_t *summary_row(req_t *r, sqlite3_stmt *st)
{
    cf_dist_t d;
    dist_read(r->arena, st, &d);
    return summary_value(r, &d);
}

int cloudfront_list_distributions(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = cf__db(r->app);
    if (!db) return GR_ERR;
    return cf__page(r, db, in,
                    arena_printf(r->arena,
                                 "%sWHERE account = ?1 AND (?2 IS NULL OR ?2 = '' OR seq > (SELECT seq FROM dist "
                                 "WHERE id = ?2)) ORDER BY seq LIMIT ?3",
                                 DIST_COLS),
                    r->who.account, summary_row, "DistributionList", out);
}

int cf__page(req_t *r, sqlite3 *db, const val_t *in, const char *sql, str_t owner, cf_row_fn item, const char *member,
             val_t *out)
{
    arena_t *a = r->arena;
    str_t marker = val_get_str(in, "Marker"), smax = val_get_str(in, "MaxItems");
    long long max = 100;
    /* not on record: the text of a MaxItems that is no number */
    if (smax.p && (!str_to_i64(smax, &max) || max < 0))
        return req_fail(r, E_ARG, "Invalid value for MaxItems: %.*s", STR_FMT(smax));
    if (max > 1000) max = 1000;
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return GR_ERR;
    store_bind_str(st, 1, owner);
    store_bind_str(st, 2, marker);
    sqlite3_bind_int64(st, 3, max + 1);
    val_t *list = val_new(a, VAL_STRUCT), *items = val_new(a, VAL_LIST);
    long long n = 0;
    str_t last = STR_NULL;
    bool truncated = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == max) {
            truncated = true;
            break;
        }
        last = store_col_str(a, st, 0);
        val_push(a, items, item(r, st));
        n++;
    }
    if (store_release(st) != SQLITE_OK) return GR_ERR;
    /* AWS: Marker echoes the request's ("" when none), NextMarker is the
     * last id listed; Items is left out of an empty list. */
    val_set_c(a, list, "Marker", val_str(a, marker.p ? marker : STR("")));
    if (truncated) val_set_c(a, list, "NextMarker", val_str(a, last));
    val_set_c(a, list, "MaxItems", val_int(a, max));
    val_set_c(a, list, "IsTruncated", val_bool(a, truncated));
    val_set_c(a, list, "Quantity", val_int(a, n));
    if (n) val_set_c(a, list, "Items", items);
    return val_set_c(a, out, member, list);
}

/* InvalidIfMatchVersion's text as moto records it; PreconditionFailed's is
 * not on record (the model's description of the error). */
int cf__if_match_or_fail(req_t *r, const val_t *in, const char *etag)
{
    str_t m = val_get_str(in, "IfMatch");
    if (!m.len)
        return req_fail(r, &CLOUDFRONT_ERR_InvalidIfMatchVersion,
                        "The If-Match version is missing or not valid for the resource.");
    if (etag && !str_eq_c(m, etag))
        return req_fail(r, &CLOUDFRONT_ERR_PreconditionFailed,
                        "The precondition in one or more of the request fields evaluated to false.");
    return GR_OK;
}

int cloudfront_update_distribution(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    /* a missing If-Match is refused before the distribution is looked up
     * (moto's order; AWS's is not on record) */
    if (cf__if_match_or_fail(r, in, NULL) != GR_OK) return GR_ERR;
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "Id"), &d) != GR_OK) return GR_ERR;
    if (cf__if_match_or_fail(r, in, d.etag) != GR_OK) return GR_ERR;
    val_t *cfg = val_get(in, "DistributionConfig");
    if (config_or_fail(r, cfg) != GR_OK) return GR_ERR;
    /* AWS: the CallerReference cannot change (IllegalUpdate) */
    if (!str_eq(val_get_str(cfg, "CallerReference"), val_get_str(d.config, "CallerReference")))
        return req_fail(r, &CLOUDFRONT_ERR_IllegalUpdate, "The CallerReference cannot be updated.");
    config_defaults(a, cfg);
    int64_t now = cf__now_ms();
    d.config = cfg;
    d.etag = cf__new_id(a, 'E');
    d.enabled = val_get_bool(cfg, "Enabled", false);
    d.modified_ms = now;
    d.deployed_ms = now + DEPLOY_MS;
    if (cf__begin(db) != GR_OK) return GR_ERR;
    if (aliases_or_fail(r, db, d.id, cfg) != GR_OK) {
        cf__end(db, false);
        return GR_ERR;
    }
    sqlite3_stmt *st = store_stmt(db, "UPDATE dist SET config = ?2, etag = ?3, enabled = ?4, modified_ms = ?5, "
                                      "deployed_ms = ?6 WHERE id = ?1");
    bool ok = st != NULL;
    if (st) {
        sqlite3_bind_text(st, 1, d.id, -1, SQLITE_STATIC);
        store_bind_str(st, 2, val_json_text(a, cfg));
        sqlite3_bind_text(st, 3, d.etag, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, d.enabled);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int64(st, 6, d.deployed_ms);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    if (cf__end(db, ok) != GR_OK) return GR_ERR;
    /* AWS: an update leaves what the edge has cached (only an invalidation
     * or expiry removes it) */
    return answer(r, db, &d, out, false);
}

int cloudfront_delete_distribution(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = cf__db(r->app);
    cf_dist_t d;
    if (cf__if_match_or_fail(r, in, NULL) != GR_OK) return GR_ERR; /* as for an update */
    if (!db || cf__dist_or_fail(r, db, val_get_str(in, "Id"), &d) != GR_OK) return GR_ERR;
    if (cf__if_match_or_fail(r, in, d.etag) != GR_OK) return GR_ERR;
    /* AWS: only a disabled distribution whose change has been deployed can
     * be deleted (not on record: the text, the model's description) */
    if (d.enabled || !deployed(&d))
        return req_fail(
            r, &CLOUDFRONT_ERR_DistributionNotDisabled,
            "The specified CloudFront distribution is not disabled. You must disable the distribution before you "
            "can delete it.");
    if (cf__begin(db) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM dist WHERE id = ?1");
    bool ok = st != NULL;
    if (st) {
        sqlite3_bind_text(st, 1, d.id, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        ok = store_release(st) == SQLITE_OK && ok;
    }
    ok = ok && cf__tags_drop(db, cf__arn(r->arena, r->who.account, d.id)) == GR_OK && cf__inval_drop(db, d.id) == GR_OK;
    if (ok) { /* its alternate domain names are free again */
        st = store_stmt(db, "DELETE FROM alias WHERE dist_id = ?1");
        ok = st != NULL;
        if (st) {
            sqlite3_bind_text(st, 1, d.id, -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
            ok = store_release(st) == SQLITE_OK && ok;
        }
    }
    if (cf__end(db, ok) != GR_OK) return GR_ERR;
    cf__cache_drop(d.id);
    return GR_OK;
}
