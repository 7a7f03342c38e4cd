/* policy.c — Kinesis resource policies and ARN-based tags: PutResourcePolicy,
 * GetResourcePolicy, DeleteResourcePolicy, TagResource, UntagResource,
 * ListTagsForResource on a stream or a registered consumer, and the
 * enforcement of the policies (schema/004_…sql keeps each policy beside its
 * stream or consumer, so it goes with it).
 *
 * Request flow: the dispatcher has checked the caller's identity policies
 * against the ARN the request names; when they do not allow, it asks
 * kinesis_resource_grant whether the resource's own policy names the caller
 * (AWS's same-account rule). Every stream or consumer a request then loads
 * passes kin__authorize: a stream of another account is reached only when
 * its policy allows the caller, and an explicit Deny in a policy refuses any
 * caller but the owner's root. A resource without a policy of its own
 * account costs nothing. */
#include <sqlite3.h>
#include <string.h>

#include "auth/policy.h"
#include "kinesis_int.h"
#include "kinesis_model.h"
#include "protocol/model.h"
#include "services/app.h"
#include "services/authz.h"
#include "services/kinesis/kinesis.h"

#define MAX_TAGS 50

static str_t action_of(req_t *r)
{
    if (r->op && r->op->iam_action) return str_c(r->op->iam_action);
    return str_c(arena_printf(r->arena, "kinesis:%s", r->op ? r->op->name : "*"));
}

/* AWS: managing a resource's policy is its owner's alone ("the calling
 * identity must ... belong to the owner's account", PutResourcePolicy). */
static bool owner_only(req_t *r)
{
    static const char *const ops[] = {"PutResourcePolicy", "GetResourcePolicy", "DeleteResourcePolicy"};
    for (size_t i = 0; r->op && i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(r->op->name, ops[i])) return true;
    return false;
}

int kin__authorize(req_t *r, const kin_stream_t *s, str_t resource, str_t policy)
{
    bool same = str_eq(s->account, r->who.account);
    if (same && (r->who.root || !policy.p)) return GR_OK;
    str_t action = action_of(r);
    if (!same && owner_only(r))
        return req_fail(r, &ERR_AccessDeniedException,
                        "User: %.*s is not authorized to perform: %.*s on resource: %.*s", STR_FMT(r->who.arn),
                        STR_FMT(action), STR_FMT(resource));
    policy_t *pol = NULL;
    if (policy.p) {
        char err[256];
        pol = policy_parse_in(r->arena, policy, POLICY_RESOURCE, err, sizeof err);
    }
    /* cross-account: the policy and the caller's identity policies must both
     * allow; within the account either does, and the policy's Deny refuses */
    return authz_check_resource(r, ((app_t *)r->app)->authz, action, resource, s->account, pol);
}

/* ==== Which resource an ARN names ==== */

typedef struct {
    kin_stream_t s;
    kin_consumer_t c; /* c.name.p: a consumer */
} target_t;

/* The stream or consumer arn names, authorized; else r failed. */
static int target_or_fail(req_t *r, sqlite3 *db, str_t arn, target_t *t)
{
    memset(t, 0, sizeof *t);
    val_t *q = val_new(r->arena, VAL_STRUCT);
    str_t sarn, name;
    int64_t created;
    if (kin__consumer_arn_parse(arn, &sarn, &name, &created)) {
        val_set_c(r->arena, q, "ConsumerARN", val_str(r->arena, arn));
        return kin__consumer_or_fail(r, db, q, &t->s, &t->c);
    }
    str_t account, region;
    if (!kin__parse_arn(arn, &account, &region, &name))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid ResourceARN: %.*s", STR_FMT(arn));
    val_set_c(r->arena, q, "StreamARN", val_str(r->arena, arn));
    int rc = kin__stream_or_fail(r, db, q, &t->s);
    /* named by ResourceARN, the stream is named in the refusal by it (as
     * moto words it; no AWS recording of these was found) */
    if (rc != GR_OK && r->err == &KINESIS_ERR_ResourceNotFoundException)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException, "Stream %.*s under account %.*s not found.",
                        STR_FMT(arn), STR_FMT(account));
    return rc;
}

/* ==== Resource policies ==== */

/* AWS: the policy names its principals ("It must include the identity of
 * the principal and the actions allowed on this resource"). The text of
 * the refusal is ours. */
int kinesis_put_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    target_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceARN"), &t) != GR_OK) return GR_ERR;
    str_t text = val_get_str(in, "Policy");
    char err[256];
    if (!policy_parse_in(r->arena, text, POLICY_RESOURCE, err, sizeof err))
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException, "Invalid policy document: %s", err);
    sqlite3_stmt *st = store_stmt(db, t.c.name.p ? "UPDATE kin_consumer SET policy = ?2 WHERE sid = ?1 AND name = ?3"
                                                 : "UPDATE kin_stream SET policy = ?2 WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.s.id);
    store_bind_str(st, 2, text);
    if (t.c.name.p) store_bind_str(st, 3, t.c.name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* AWS: a resource without a policy answers "{}" (LocalStack's AWS-recorded
 * test_resource_policy_crud). */
int kinesis_get_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    target_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceARN"), &t) != GR_OK) return GR_ERR;
    str_t p = t.c.name.p ? t.c.policy : t.s.policy;
    val_set_c(r->arena, out, "Policy", val_str(r->arena, p.p ? p : STR("{}")));
    return GR_OK;
}

/* AWS: deleting a policy the resource does not have fails (the same
 * recording); ResourceNotFoundException, with a text of ours. */
int kinesis_delete_resource_policy(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    target_t t;
    str_t arn = val_get_str(in, "ResourceARN");
    if (target_or_fail(r, db, arn, &t) != GR_OK) return GR_ERR;
    if (!(t.c.name.p ? t.c.policy : t.s.policy).p)
        return req_fail(r, &KINESIS_ERR_ResourceNotFoundException, "No resource policy found for resource ARN %.*s.",
                        STR_FMT(arn));
    sqlite3_stmt *st = store_stmt(db, t.c.name.p ? "UPDATE kin_consumer SET policy = NULL WHERE sid = ?1 AND name = ?2"
                                                 : "UPDATE kin_stream SET policy = NULL WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.s.id);
    if (t.c.name.p) store_bind_str(st, 2, t.c.name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* The policy of the resource r names (ConsumerARN, ResourceARN, StreamARN,
 * a ShardIterator's stream or StreamName) when it is in the caller's
 * account, else STR_NULL; *resource becomes its ARN. */
static str_t named_policy(req_t *r, sqlite3 *db, str_t *resource)
{
    arena_t *a = r->arena;
    str_t arn = val_get_str(r->in, "ConsumerARN");
    if (!arn.p) arn = val_get_str(r->in, "ResourceARN");
    str_t sarn = arn, cname = STR_NULL, account = r->who.account, region = r->region, name;
    int64_t created = -1;
    if (arn.p && kin__consumer_arn_parse(arn, &sarn, &cname, &created)) {
        if (!kin__parse_arn(sarn, &account, &region, &name)) return STR_NULL;
    } else if (arn.p) {
        if (!kin__parse_arn(arn, &account, &region, &name)) return STR_NULL;
    } else if ((arn = val_get_str(r->in, "StreamARN")).p) {
        if (!kin__parse_arn(arn, &account, &region, &name)) return STR_NULL;
        cname = val_get_str(r->in, "ConsumerName"); /* DescribeStreamConsumer by stream and name */
    } else if ((arn = val_get_str(r->in, "ShardIterator")).p) {
        /* GetRecords names its stream through the iterator */
        int64_t sid;
        sqlite3_stmt *st = kin__iterator_stream(a, arn, &sid)
                               ? store_stmt(db, "SELECT account, region, name FROM kin_stream WHERE id = ?1")
                               : NULL;
        if (!st) return STR_NULL;
        sqlite3_bind_int64(st, 1, sid);
        name = STR_NULL;
        if (sqlite3_step(st) == SQLITE_ROW) {
            account = store_col_str(a, st, 0);
            region = store_col_str(a, st, 1);
            name = store_col_str(a, st, 2);
        }
        store_release(st);
        if (!name.p) return STR_NULL;
    } else if (!(name = val_get_str(r->in, "StreamName")).p) {
        return STR_NULL;
    }
    kin_stream_t s;
    if (!str_eq(account, r->who.account) || !str_eq(region, r->region) ||
        kin__stream(db, a, account, region, name, &s) != GR_OK)
        return STR_NULL;
    *resource = kin__arn(a, &s);
    if (!cname.p) return s.policy;
    sqlite3_stmt *st = store_stmt(db, "SELECT created_s, policy FROM kin_consumer WHERE sid = ?1 AND name = ?2");
    if (!st) return STR_NULL;
    sqlite3_bind_int64(st, 1, s.id);
    store_bind_str(st, 2, cname);
    str_t p = STR_NULL;
    if (sqlite3_step(st) == SQLITE_ROW && (created < 0 || sqlite3_column_int64(st, 0) == created)) {
        p = store_col_str(a, st, 1);
        *resource = kin__consumer_arn(a, &s, cname, sqlite3_column_int64(st, 0));
    }
    store_release(st);
    return p;
}

policy_result_t kinesis_resource_grant(req_t *r, str_t action, str_t resource, const policy_t *session,
                                       const policy_t *boundary)
{
    if (!r->in || r->who.anonymous) return POLICY_IMPLICIT_DENY;
    sqlite3 *db = kin__db(r->app);
    str_t named = resource;
    str_t text = db ? named_policy(r, db, &named) : STR_NULL;
    if (!text.p) return POLICY_IMPLICIT_DENY;
    char err[256];
    policy_t *pol = policy_parse_in(r->arena, text, POLICY_RESOURCE, err, sizeof err);
    if (!pol) return POLICY_IMPLICIT_DENY;
    policy_ctx_t ctx[AUTHZ_GLOBAL_KEYS];
    size_t n = authz_global_ctx(r, ctx);
    policy_req_t pr = {.action = action, .resource = named, .who = &r->who, .ctx = ctx, .nctx = n};
    return policy_evaluate_bounded(&pr, NULL, 0, session, boundary, pol, true);
}

/* ==== Tags by ARN ==== */

int kin__put_consumer_tags(req_t *r, sqlite3 *db, const kin_stream_t *s, str_t consumer, const val_t *tags)
{
    if (!tags || tags->kind != VAL_MAP) return GR_OK;
    sqlite3_stmt *st =
        store_stmt(db, "INSERT OR REPLACE INTO kin_consumer_tag (sid, name, key, value) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return GR_ERR;
    for (size_t i = 0; i < tags->u.obj.n; i++) {
        const val_t *v = tags->u.obj.e[i].v;
        sqlite3_bind_int64(st, 1, s->id);
        store_bind_str(st, 2, consumer);
        store_bind_str(st, 3, tags->u.obj.e[i].key);
        store_bind_str(st, 4, v->kind == VAL_STR ? v->u.s : STR(""));
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_release(st);
            return GR_ERR;
        }
        sqlite3_reset(st);
    }
    store_release(st);
    st = store_stmt(db, "SELECT count(*) FROM kin_consumer_tag WHERE sid = ?1 AND name = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, s->id);
    store_bind_str(st, 2, consumer);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_release(st);
    /* AWS: up to 50 tags per resource, as for streams (the text is ours) */
    if (n > MAX_TAGS)
        return req_fail(r, &KINESIS_ERR_InvalidArgumentException,
                        "Failed to add tags to consumer %.*s because a given consumer cannot have more than %d tags.",
                        STR_FMT(consumer), MAX_TAGS);
    return GR_OK;
}

/* AWS: TagResource shares its tags with AddTagsToStream (a stream's) and
 * RegisterStreamConsumer's Tags (a consumer's). */
int kinesis_tag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db || store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    target_t t;
    int rc = target_or_fail(r, db, val_get_str(in, "ResourceARN"), &t);
    if (rc == GR_OK)
        rc = t.c.name.p ? kin__put_consumer_tags(r, db, &t.s, t.c.name, val_get(in, "Tags"))
                        : kin__put_tags(r, db, &t.s, val_get(in, "Tags"));
    return kin__tx_end(db, rc);
}

int kinesis_untag_resource(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    target_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceARN"), &t) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, t.c.name.p ? "DELETE FROM kin_consumer_tag WHERE sid = ?1 AND key = ?2 AND "
                                                   "name = ?3"
                                                 : "DELETE FROM kin_tag WHERE sid = ?1 AND key = ?2");
    if (!st) return GR_ERR;
    const val_t *keys = val_get(in, "TagKeys");
    int rc = GR_OK;
    for (size_t i = 0; keys && keys->kind == VAL_LIST && i < keys->u.list.n && rc == GR_OK; i++) {
        sqlite3_bind_int64(st, 1, t.s.id);
        store_bind_str(st, 2, keys->u.list.v[i]->u.s);
        if (t.c.name.p) store_bind_str(st, 3, t.c.name);
        if (sqlite3_step(st) != SQLITE_DONE) rc = GR_ERR;
        sqlite3_reset(st);
    }
    store_release(st);
    return rc;
}

/* AWS: every tag of the resource, in key order (the output has no paging). */
int kinesis_list_tags_for_resource(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = kin__db(r->app);
    if (!db) return GR_ERR;
    target_t t;
    if (target_or_fail(r, db, val_get_str(in, "ResourceARN"), &t) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        store_stmt(db, t.c.name.p ? "SELECT key, value FROM kin_consumer_tag WHERE sid = ?1 AND name = ?2 ORDER BY key"
                                  : "SELECT key, value FROM kin_tag WHERE sid = ?1 ORDER BY key");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t.s.id);
    if (t.c.name.p) store_bind_str(st, 2, t.c.name);
    val_t *list = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "Key", val_str(a, store_col_str(a, st, 0)));
        val_set_c(a, e, "Value", val_str(a, store_col_str(a, st, 1)));
        val_push(a, list, e);
    }
    store_release(st);
    val_set_c(a, out, "Tags", list);
    return GR_OK;
}

/* The registry's resource_tags hook: a stream's or consumer's tags by ARN. */
int kinesis_resource_tags(req_t *r, str_t resource, const val_t **tags)
{
    val_t *in = val_new(r->arena, VAL_STRUCT), *out = val_new(r->arena, VAL_STRUCT);
    *tags = NULL;
    val_set_c(r->arena, in, "ResourceARN", val_str(r->arena, resource));
    if (kinesis_list_tags_for_resource(r, in, out) != GR_OK) return GR_ERR;
    *tags = val_get(out, "Tags");
    return GR_OK;
}
