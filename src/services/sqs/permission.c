/* permission.c — SQS AddPermission / RemovePermission: statements in the
 * queue's Policy attribute, added and removed by label (Sid).
 *
 * Request flow: dispatch → sqs_add_permission / sqs_remove_permission (the
 * queue loaded and the owner-only check done by sqs__queue_from_url) → the
 * queue_attr row "Policy" rewritten in one statement. The policy text is the
 * one sqs__authorize and sqs_allows evaluate, so a permission added here
 * lets the other account in on its next request. Invariant: the stored
 * Policy is always a document policy_parse accepts, or absent. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "core/json.h"
#include "services/grant.h"
#include "services/sqs/sqs.h"
#include "sqs_model.h"
#include "store/store.h"

static const aws_errdef_t E_OverLimit = {"OverLimit", 403, true};

static bool sid_is(const json_t *st, str_t label)
{
    const json_t *sid = json_get(st, "Sid");
    return sid && sid->type == JSON_STRING && str_eq(sid->u.s, label);
}

/* The queue's current statements (NULL and *n 0 when it has no policy). */
static json_t **statements(arena_t *a, const sqs_queue_t *q, size_t *n)
{
    *n = 0;
    if (!q->policy.len) return NULL;
    json_t *doc = json_parse(a, q->policy, NULL);
    const json_t *sts = doc ? json_get(doc, "Statement") : NULL;
    if (!sts) return NULL;
    if (sts->type == JSON_OBJECT) {
        json_t **one = ARENA_NEWN(a, json_t *, 1);
        if (one) {
            one[0] = (json_t *)sts;
            *n = 1;
        }
        return one;
    }
    if (sts->type != JSON_ARRAY) return NULL;
    *n = sts->u.arr.n;
    return sts->u.arr.v;
}

/* Stores a policy of these statements (plus `extra`, already-encoded JSON,
 * when given); no statements at all removes the Policy attribute. */
static int store_policy(req_t *r, sqlite3 *db, const sqs_queue_t *q, json_t **sts, size_t n, size_t skip, str_t extra)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    size_t kept = n - (skip < n ? 1 : 0) + (extra.len ? 1 : 0);
    if (!kept) {
        if (store_prepare(db, "DELETE FROM queue_attr WHERE qid = ?1 AND name = 'Policy'", -1, &st, NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, q->id);
    } else {
        buf_t b;
        buf_init(&b, a);
        json_w_t w;
        json_w_init(&w, &b);
        json_w_obj_begin(&w);
        json_w_key(&w, STR("Version"));
        json_w_str(&w, STR("2012-10-17"));
        /* AWS: the generated policy's Id is "<queue ARN>/SQSDefaultPolicy" */
        json_w_key(&w, STR("Id"));
        json_w_str(&w, str_c(arena_printf(a, "%s/SQSDefaultPolicy", sqs__queue_arn(a, q))));
        json_w_key(&w, STR("Statement"));
        json_w_arr_begin(&w);
        for (size_t i = 0; i < n; i++)
            if (i != skip) json_w_value(&w, sts[i]);
        if (extra.len) json_w_raw(&w, extra);
        json_w_arr_end(&w);
        json_w_obj_end(&w);
        str_t text = buf_str(&b);
        if (store_prepare(db, "INSERT OR REPLACE INTO queue_attr (qid, name, value) VALUES (?1, 'Policy', ?2)", -1, &st,
                          NULL) != SQLITE_OK)
            return GR_ERR;
        sqlite3_bind_int64(st, 1, q->id);
        sqlite3_bind_text(st, 2, text.p, (int)text.len, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

static bool label_ok(str_t l)
{
    if (!l.len || l.len > 80) return false;
    for (size_t i = 0; i < l.len; i++) {
        char c = l.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* AWS: the actions a queue can share ("*" or the name of an action; the
 * single forms also grant their batch forms). */
static bool shareable(str_t action)
{
    static const char *const ok[] = {"*",
                                     "SendMessage",
                                     "ReceiveMessage",
                                     "DeleteMessage",
                                     "ChangeMessageVisibility",
                                     "GetQueueAttributes",
                                     "GetQueueUrl",
                                     "ListDeadLetterSourceQueues",
                                     "PurgeQueue"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (str_eq_c(action, ok[i])) return true;
    return false;
}

int sqs_add_permission(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    str_t label = val_get_str(in, "Label");
    const val_t *accts = val_get(in, "AWSAccountIds"), *acts = val_get(in, "Actions");
    if (!label_ok(label))
        return req_fail(r, &ERR_InvalidParameterValue,
                        "Value %.*s for parameter Label is invalid. Reason: Must be shorter than 80 characters and "
                        "contain only alphanumeric characters, hyphens and underscores.",
                        STR_FMT(label));
    if (!accts || !accts->u.list.n)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter AWSAccountIds.");
    if (!acts || !acts->u.list.n)
        return req_fail(r, &ERR_MissingParameter, "The request must contain the parameter Actions.");
    /* AWS: "An Amazon SQS policy can have a maximum of seven actions per statement." */
    if (acts->u.list.n > 7)
        return req_fail(r, &E_OverLimit, "%zu Actions were found, maximum allowed is 7.", acts->u.list.n);
    for (size_t i = 0; i < acts->u.list.n; i++)
        if (!shareable(acts->u.list.v[i]->u.s))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Value SQS:%.*s for parameter ActionName is invalid. Reason: Only the queue owner is "
                            "allowed to invoke this action.",
                            STR_FMT(acts->u.list.v[i]->u.s));
    for (size_t i = 0; i < accts->u.list.n; i++) {
        str_t id = accts->u.list.v[i]->u.s;
        bool ok = id.len == 12;
        for (size_t k = 0; ok && k < id.len; k++) ok = id.p[k] >= '0' && id.p[k] <= '9';
        /* AWS: "AddPermission does not support adding a non-account principal." */
        if (!ok)
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Value [%.*s] for parameter PrincipalId is invalid. Reason: Unable to verify.",
                            STR_FMT(id));
    }
    size_t n;
    json_t **sts = statements(a, &q, &n);
    for (size_t i = 0; i < n; i++)
        if (sid_is(sts[i], label))
            return req_fail(r, &ERR_InvalidParameterValue,
                            "Value %.*s for parameter Label is invalid. Reason: Already exists.", STR_FMT(label));
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    grant_write_statement(&w, a, label, accts, "SQS", acts, str_c(sqs__queue_arn(a, &q)));
    if (store_policy(r, db, &q, sts, n, (size_t)-1, buf_str(&b)) != GR_OK) return GR_ERR;
    return GR_OK;
}

int sqs_remove_permission(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sqs__db(r);
    if (!db) return GR_ERR;
    sqs_queue_t q;
    if (sqs__queue_from_url(r, db, in, &q) != GR_OK) return GR_ERR;
    str_t label = val_get_str(in, "Label");
    size_t n;
    json_t **sts = statements(r->arena, &q, &n);
    for (size_t i = 0; i < n; i++)
        if (sid_is(sts[i], label)) return store_policy(r, db, &q, sts, n, i, STR_NULL);
    return req_fail(r, &ERR_InvalidParameterValue,
                    "Value %.*s for parameter Label is invalid. Reason: can't find label on existing policy.",
                    STR_FMT(label));
}
