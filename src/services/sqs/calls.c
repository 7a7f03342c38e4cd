/* calls.c — SQS's public C interface for other services (sqs.h "Calls from
 * other services"): SNS subscriptions, EventBridge targets, S3 notifications
 * and Lambda event source mappings send, receive and delete here.
 *
 * No request exists on this path: each call takes the app and an arena, uses
 * the calling thread's store connection, and does the same work as the
 * SendMessage / ReceiveMessage / DeleteMessage handlers (message.c) through
 * the shared sqs__send_one / sqs__receive / sqs__delete. Invariant: a delivered
 * message is committed before sqs_deliver returns, then long-pollers wake. */
#include <stdio.h>
#include <string.h>

#include "auth/policy.h"
#include "schemas.h"
#include "services/app.h"
#include "services/sqs/sqs.h"

static sqlite3 *db_of(struct app *app)
{
    sqlite3 *db = store_db(((app_t *)app)->store, &schema_sqs);
    if (db) sqs__tick(app, db, false);
    return db;
}

/* "arn:aws:sqs:REGION:ACCOUNT:NAME" → its parts; false if not that shape. */
static bool split_arn(str_t arn, str_t *region, str_t *account, str_t *name)
{
    str_t part[6];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= arn.len && n < 6; i++) {
        if (i == arn.len || (arn.p[i] == ':' && n < 5)) {
            part[n++] = str_sub(arn, start, i - start);
            start = i + 1;
        }
    }
    if (n != 6 || !str_eq_c(part[0], "arn") || !str_eq_c(part[2], "sqs")) return false;
    *region = part[3];
    *account = part[4];
    *name = part[5];
    return region->len && account->len && name->len;
}

int sqs__queue_by_arn(arena_t *a, sqlite3 *db, str_t arn, sqs_queue_t *q)
{
    str_t region, account, name;
    if (!split_arn(arn, &region, &account, &name)) return GR_ERR;
    return sqs__queue_get(a, db, account, region, name, q);
}

/* AWS: "The specified queue does not exist." */
static const char NO_QUEUE[] = "The specified queue does not exist.";

/* The queue a call names by ARN, on this thread's connection: GR_OK, or
 * GR_ERR with *err set to AWS's message (or "Internal error"). */
static int queue_of(struct app *app, arena_t *a, str_t queue_arn, sqlite3 **db, sqs_queue_t *q, const char **err)
{
    *err = NULL;
    *db = db_of(app);
    if (!*db) {
        *err = "Internal error";
        return GR_ERR;
    }
    if (sqs__queue_by_arn(a, *db, queue_arn, q) != GR_OK) {
        *err = NO_QUEUE;
        return GR_ERR;
    }
    return GR_OK;
}

int sqs_deliver(struct app *app, arena_t *a, str_t queue_arn, str_t body, const val_t *msg_attrs, str_t group_id,
                str_t dedup_id, str_t *msg_id, const char **err)
{
    sqlite3 *db;
    sqs_queue_t q;
    if (queue_of(app, a, queue_arn, &db, &q, err) != GR_OK) return GR_ERR;
    /* The same input a SendMessage request would have parsed into. */
    val_t *in = val_new(a, VAL_STRUCT), *res = val_new(a, VAL_STRUCT);
    if (!in || !res) {
        *err = "Internal error";
        return GR_ERR;
    }
    val_set_c(a, in, "MessageBody", val_str(a, body));
    if (msg_attrs && val_len(msg_attrs)) val_set_c(a, in, "MessageAttributes", (val_t *)msg_attrs);
    if (group_id.len) val_set_c(a, in, "MessageGroupId", val_str(a, group_id));
    if (dedup_id.len) val_set_c(a, in, "MessageDeduplicationId", val_str(a, dedup_id));
    sqs__fail_t f = {0};
    /* The sender a receiver sees is the queue's owner account: the message
     * came from an AWS service acting for it. */
    if (sqs__send_one(app, a, db, &q, in, q.account, res, &f) != GR_OK) {
        *err = f.msg ? f.msg : "Internal error";
        return GR_ERR;
    }
    if (msg_id) *msg_id = val_get_str(res, "MessageId");
    return GR_OK;
}

/* A principal as the policy evaluator sees it: an IAM ARN (account from the
 * ARN; "…:root" is the account itself) or a service principal (no account). */
static principal_t principal_of(str_t p)
{
    principal_t w = {0};
    w.arn = p;
    if (!str_starts_with(p, STR("arn:"))) return w; /* "sns.amazonaws.com" */
    size_t colons = 0, start = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.p[i] != ':') continue;
        if (++colons == 4) start = i + 1;
        if (colons == 5) {
            w.account = str_sub(p, start, i - start);
            break;
        }
    }
    w.root = str_ends_with(p, STR(":root"));
    w.user_id = w.account;
    return w;
}

bool sqs_allows(struct app *app, arena_t *a, str_t queue_arn, str_t principal, const char *action, str_t source_arn)
{
    sqlite3 *db = db_of(app);
    sqs_queue_t q;
    if (!db || sqs__queue_by_arn(a, db, queue_arn, &q) != GR_OK) return false;
    principal_t w = principal_of(principal);
    /* The owner account's own principals are allowed by ownership. */
    if (w.account.len && str_eq(w.account, q.account)) return true;
    if (!q.policy.len) return false;
    char perr[256];
    policy_t *pol = policy_parse(q.policy, POLICY_QUEUE, perr, sizeof perr);
    if (!pol) return false;
    /* aws:SourceArn and aws:SourceAccount: what a queue policy conditions an
     * AWS service's delivery on (AWS: SNS "Give permission to the topic to
     * send messages to the queue"). */
    str_t src_acct = STR_NULL;
    if (source_arn.len) {
        principal_t s = principal_of(source_arn);
        src_acct = s.account;
    }
    policy_ctx_t ctx[3];
    size_t nctx = 0;
    if (source_arn.len) ctx[nctx++] = (policy_ctx_t){STR("aws:SourceArn"), &source_arn, 1};
    if (src_acct.len) ctx[nctx++] = (policy_ctx_t){STR("aws:SourceAccount"), &src_acct, 1};
    if (w.account.len) ctx[nctx++] = (policy_ctx_t){STR("aws:PrincipalAccount"), &w.account, 1};
    policy_req_t pr = {.action = str_c(action), .resource = queue_arn, .who = &w, .ctx = ctx, .nctx = nctx};
    policy_result_t res = policy_eval_one(pol, &pr);
    policy_free(pol);
    return res == POLICY_ALLOW;
}

int sqs_receive_internal(struct app *app, arena_t *a, str_t queue_arn, int max, int64_t visibility_s, sqs_msg_t **out,
                         size_t *n, const char **err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db;
    sqs_queue_t q;
    if (queue_of(app, a, queue_arn, &db, &q, err) != GR_OK) return GR_ERR;
    if (max < 1 || max > 10) {
        *err = "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.";
        return GR_ERR;
    }
    val_t *in = val_new(a, VAL_STRUCT), *res = val_new(a, VAL_STRUCT);
    val_t *all = val_new(a, VAL_LIST), *mall = val_new(a, VAL_LIST);
    if (!in || !res || !all || !mall) {
        *err = "Internal error";
        return GR_ERR;
    }
    val_push(a, all, val_cstr(a, "All"));
    val_push(a, mall, val_cstr(a, "All"));
    val_set_c(a, in, "MaxNumberOfMessages", val_int(a, max));
    if (visibility_s >= 0) val_set_c(a, in, "VisibilityTimeout", val_int(a, visibility_s));
    val_set_c(a, in, "AttributeNames", all);
    val_set_c(a, in, "MessageAttributeNames", mall);
    int got = 0;
    if (sqs__receive(app, a, db, &q, in, res, &got) != GR_OK) {
        *err = "Internal error";
        return GR_ERR;
    }
    /* AWS: a poller's (Lambda's) empty receive counts as a client's does */
    if (!got) sqs__metric(app, &q, "NumberOfEmptyReceives", "Count", 1);
    const val_t *msgs = val_get(res, "Messages");
    if (!got || !msgs) return GR_OK;
    sqs_msg_t *m = ARENA_NEWN(a, sqs_msg_t, (size_t)got);
    if (!m) {
        *err = "Internal error";
        return GR_ERR;
    }
    for (size_t i = 0; i < msgs->u.list.n; i++) {
        const val_t *x = msgs->u.list.v[i];
        m[i] = (sqs_msg_t){
            .id = val_get_str(x, "MessageId"),
            .receipt = val_get_str(x, "ReceiptHandle"),
            .body = val_get_str(x, "Body"),
            .md5_body = val_get_str(x, "MD5OfBody"),
            .attributes = val_get(x, "Attributes"),
            .msg_attributes = val_get(x, "MessageAttributes"),
        };
    }
    *out = m;
    *n = msgs->u.list.n;
    return GR_OK;
}

int sqs_delete_internal(struct app *app, str_t queue_arn, str_t receipt)
{
    sqlite3 *db = db_of(app);
    if (!db) return GR_ERR;
    arena_t *a = arena_new(0);
    if (!a) return GR_ERR;
    sqs_queue_t q;
    sqs__fail_t f = {0};
    int rc = sqs__queue_by_arn(a, db, queue_arn, &q);
    if (rc == GR_OK) rc = sqs__delete(app, a, db, &q, receipt, &f);
    arena_free(a);
    return rc;
}
