/* simulate.c — SimulatePrincipalPolicy and SimulateCustomPolicy: each action
 * on each resource, decided by the same evaluator that authorizes requests
 * (auth/policy.c, policy_evaluate_bounded), from the principal's identity
 * policies (a user's with its groups'), the policies the request adds, a
 * permissions boundary, a resource policy and the context keys given.
 *
 * GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy list the
 * condition keys and policy variables the same policies use.
 *
 * What is not reproduced: MatchedStatements (the evaluator decides, it does
 * not say which statement did) and MissingContextValues are answered empty. */
#include <string.h>

#include "auth/policy.h"
#include "core/json.h"
#include "services/iam/iam_int.h"

typedef struct {
    const policy_t **v;
    size_t n;
} pols_t;

/* Parses texts into out (arena-owned); InvalidInput on one that does not
 * parse, with the parser's reason. */
static int parse_all(req_t *r, const str_t *texts, size_t n, policy_kind_t kind, pols_t *out)
{
    out->v = ARENA_NEWN(r->arena, const policy_t *, n ? n : 1);
    out->n = 0;
    if (!out->v) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        policy_t *p = policy_parse_in(r->arena, texts[i], kind, err, sizeof err);
        if (!p) return req_fail(r, &IAM_ERR_InvalidInputException, "%s", err[0] ? err : "Syntax errors in policy.");
        out->v[out->n++] = p;
    }
    return GR_OK;
}

static int parse_list(req_t *r, const val_t *list, policy_kind_t kind, pols_t *out)
{
    size_t n = val_len(list);
    str_t *texts = ARENA_NEWN(r->arena, str_t, n ? n : 1);
    if (!texts) return GR_ERR;
    for (size_t i = 0; i < n; i++) texts[i] = list->u.list.v[i]->u.s;
    return parse_all(r, texts, n, kind, out);
}

/* ContextEntries as the evaluator's context (ContextKeyType only says how
 * the values are written; the condition operators read them as they need). */
static void context_of(req_t *r, const val_t *entries, policy_req_t *pr)
{
    size_t n = val_len(entries);
    policy_ctx_t *ctx = ARENA_NEWN(r->arena, policy_ctx_t, n ? n : 1);
    if (!ctx) return;
    for (size_t i = 0; i < n; i++) {
        const val_t *e = entries->u.list.v[i], *vals = val_get(e, "ContextKeyValues");
        size_t nv = val_len(vals);
        str_t *v = ARENA_NEWN(r->arena, str_t, nv ? nv : 1);
        for (size_t k = 0; v && k < nv; k++) v[k] = vals->u.list.v[k]->u.s;
        ctx[i] = (policy_ctx_t){val_get_str(e, "ContextKeyName"), v, v ? nv : 0};
    }
    pr->ctx = ctx;
    pr->nctx = n;
}

static const char *decision(policy_result_t v)
{
    return v == POLICY_ALLOW ? "allowed" : v == POLICY_EXPLICIT_DENY ? "explicitDeny" : "implicitDeny";
}

/* Every action on every resource (ResourceArns, default "*"). */
static int simulate(req_t *r, const val_t *in, val_t *out, const principal_t *who, const pols_t *ids,
                    const policy_t *boundary)
{
    arena_t *a = r->arena;
    pols_t res = {0};
    str_t rp = val_get_str(in, "ResourcePolicy");
    if (rp.p && parse_all(r, &rp, 1, POLICY_RESOURCE, &res) != GR_OK) return GR_ERR;
    /* ResourceOwner: an account id or arn:aws:iam::ACCOUNT:root; default the caller's account */
    str_t owner = val_get_str(in, "ResourceOwner");
    str_t root = str_c(arena_printf(a, "arn:aws:iam::%.*s:root", STR_FMT(who->account)));
    bool same = !owner.p || str_eq(owner, who->account) || str_eq(owner, root);
    policy_req_t pr = {.who = who};
    context_of(r, val_get(in, "ContextEntries"), &pr);
    const val_t *actions = val_get(in, "ActionNames"), *arns = val_get(in, "ResourceArns");
    size_t narns = val_len(arns) ? val_len(arns) : 1;
    val_t *all = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(actions); i++) {
        for (size_t k = 0; k < narns; k++) {
            pr.action = actions->u.list.v[i]->u.s;
            pr.resource = val_len(arns) ? arns->u.list.v[k]->u.s : STR("*");
            policy_result_t v =
                policy_evaluate_bounded(&pr, ids->v, ids->n, NULL, boundary, res.n ? res.v[0] : NULL, same);
            val_t *e = val_new(a, VAL_STRUCT);
            val_set_c(a, e, "EvalActionName", val_str(a, pr.action));
            val_set_c(a, e, "EvalResourceName", val_str(a, pr.resource));
            val_set_c(a, e, "EvalDecision", val_cstr(a, decision(v)));
            val_set_c(a, e, "MatchedStatements", val_new(a, VAL_LIST));
            val_set_c(a, e, "MissingContextValues", val_new(a, VAL_LIST));
            val_push(a, all, e);
        }
    }
    return iam__paginate(r, in, out, "EvaluationResults", all);
}

int iam_simulate_custom_policy(req_t *r, const val_t *in, val_t *out)
{
    pols_t ids, bounds;
    if (parse_list(r, val_get(in, "PolicyInputList"), POLICY_IDENTITY, &ids) != GR_OK ||
        parse_list(r, val_get(in, "PermissionsBoundaryPolicyInputList"), POLICY_IDENTITY, &bounds) != GR_OK)
        return GR_ERR;
    /* AWS: the caller is CallerArn when given, else an anonymous user of the account */
    str_t caller = val_get_str(in, "CallerArn");
    principal_t who = {
        .account = r->who.account,
        .arn = caller.p ? caller : str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:user/", STR_FMT(r->who.account))),
        .user_id = r->who.account};
    return simulate(r, in, out, &who, &ids, bounds.n ? bounds.v[0] : NULL);
}

int iam__identity_of_arn(req_t *r, str_t src, const iam__kind_t **kind, str_t *canon)
{
    str_t prefix = str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:", STR_FMT(r->who.account)));
    static const iam__kind_t *const kinds[] = {&iam__user, &iam__group, &iam__role};
    const iam__kind_t *k = NULL;
    str_t name = STR_NULL;
    for (size_t i = 0; i < 3 && !k && str_starts_with(src, prefix); i++) {
        str_t rest = str_sub(src, prefix.len, src.len - prefix.len);
        size_t tl = strlen(kinds[i]->arn_type);
        if (rest.len > tl + 1 && !memcmp(rest.p, kinds[i]->arn_type, tl) && rest.p[tl] == '/') {
            k = kinds[i];
            name = rest;
            long slash;
            while ((slash = str_index(name, '/')) >= 0)
                name = str_sub(name, (size_t)slash + 1, name.len - (size_t)slash - 1);
        }
    }
    if (!k) return req_fail(r, &IAM_ERR_InvalidInputException, "Invalid ARN: %.*s", STR_FMT(src));
    *kind = k;
    return iam__entity(r, k, name, canon, NULL, NULL, NULL);
}

int iam_simulate_principal_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t src = val_get_str(in, "PolicySourceArn"), canon;
    const iam__kind_t *k;
    if (iam__identity_of_arn(r, src, &k, &canon) != GR_OK) return GR_ERR;
    str_t *docs;
    size_t ndocs;
    if (iam__entity_docs(r, k->kind, canon, &docs, &ndocs) != GR_OK) return GR_ERR;
    const val_t *extra = val_get(in, "PolicyInputList");
    size_t n = ndocs + val_len(extra);
    str_t *texts = ARENA_NEWN(a, str_t, n ? n : 1);
    if (!texts) return GR_ERR;
    memcpy(texts, docs, ndocs * sizeof *docs);
    for (size_t i = 0; i < val_len(extra); i++) texts[ndocs + i] = extra->u.list.v[i]->u.s;
    pols_t ids, bounds;
    if (parse_all(r, texts, n, POLICY_IDENTITY, &ids) != GR_OK ||
        parse_list(r, val_get(in, "PermissionsBoundaryPolicyInputList"), POLICY_IDENTITY, &bounds) != GR_OK)
        return GR_ERR;
    const policy_t *boundary = bounds.n ? bounds.v[0] : NULL;
    if (!boundary && k != &iam__group) { /* the entity's own boundary */
        val_t *b = iam__boundary_value(r, k, canon);
        str_t bdoc = b ? iam__policy_doc(r, val_get_str(b, "PermissionsBoundaryArn")) : STR_NULL;
        pols_t own;
        if (bdoc.p && parse_all(r, &bdoc, 1, POLICY_IDENTITY, &own) != GR_OK) return GR_ERR;
        if (bdoc.p) boundary = own.v[0];
    }
    str_t caller = val_get_str(in, "CallerArn");
    principal_t who = {.account = r->who.account,
                       .arn = caller.p ? caller : src,
                       .user_id = r->who.account,
                       .user_name = k == &iam__user ? canon : STR_NULL};
    return simulate(r, in, out, &who, &ids, boundary);
}

/* ==== context keys ==== */

/* Adds k unless it is there already (condition keys ignore case). */
static void add_key(req_t *r, val_t *list, str_t k)
{
    for (size_t i = 0; i < val_len(list); i++)
        if (str_eq_nocase(list->u.list.v[i]->u.s, k)) return;
    val_push(r->arena, list, val_str(r->arena, k));
}

/* The policy variables of a string: ${aws:username}, also with a default
 * (${aws:username, 'none'}); ${*}, ${?} and ${$} are literal characters. */
static void add_vars(req_t *r, val_t *list, str_t s)
{
    for (size_t i = 0; i + 1 < s.len; i++) {
        if (s.p[i] != '$' || s.p[i + 1] != '{') continue;
        size_t j = i + 2;
        while (j < s.len && s.p[j] != '}' && s.p[j] != ',') j++;
        str_t name = str_trim(str_n(s.p + i + 2, j - i - 2));
        if (j < s.len && name.len && !(name.len == 1 && strchr("*?$", name.p[0]))) add_key(r, list, name);
    }
}

static void add_vars_in(req_t *r, val_t *list, const json_t *v)
{
    if (!v) return;
    if (v->type == JSON_STRING) add_vars(r, list, v->u.s);
    if (v->type == JSON_ARRAY)
        for (size_t i = 0; i < v->u.arr.n; i++) add_vars_in(r, list, v->u.arr.v[i]);
}

/* AWS: the keys a policy's conditions name and the variables its resources and
 * condition values use, in the order the document has them. */
static void statement_keys(req_t *r, val_t *list, const json_t *st)
{
    if (!st || st->type != JSON_OBJECT) return;
    for (size_t i = 0; i < st->u.obj.n; i++) {
        str_t m = st->u.obj.k[i];
        const json_t *v = st->u.obj.v[i];
        if (str_eq_c(m, "Resource") || str_eq_c(m, "NotResource")) add_vars_in(r, list, v);
        if (!str_eq_c(m, "Condition") || v->type != JSON_OBJECT) continue;
        for (size_t o = 0; o < v->u.obj.n; o++) {
            const json_t *keys = v->u.obj.v[o];
            if (keys->type != JSON_OBJECT) continue;
            for (size_t k = 0; k < keys->u.obj.n; k++) {
                add_key(r, list, keys->u.obj.k[k]);
                add_vars_in(r, list, keys->u.obj.v[k]);
            }
        }
    }
}

/* Checks the documents as the simulator does, then collects their keys. */
static int context_keys(req_t *r, const str_t *texts, size_t n, val_t *out)
{
    pols_t checked;
    if (parse_all(r, texts, n, POLICY_IDENTITY, &checked) != GR_OK) return GR_ERR;
    val_t *list = val_new(r->arena, VAL_LIST);
    for (size_t i = 0; i < n; i++) {
        const json_t *doc = json_parse(r->arena, texts[i], NULL);
        const json_t *st = doc ? json_get(doc, "Statement") : NULL;
        if (st && st->type == JSON_ARRAY)
            for (size_t j = 0; j < st->u.arr.n; j++) statement_keys(r, list, st->u.arr.v[j]);
        else
            statement_keys(r, list, st);
    }
    return val_set_c(r->arena, out, "ContextKeyNames", list);
}

int iam_get_context_keys_for_custom_policy(req_t *r, const val_t *in, val_t *out)
{
    const val_t *list = val_get(in, "PolicyInputList");
    size_t n = val_len(list);
    str_t *texts = ARENA_NEWN(r->arena, str_t, n ? n : 1);
    if (!texts) return GR_ERR;
    for (size_t i = 0; i < n; i++) texts[i] = list->u.list.v[i]->u.s;
    return context_keys(r, texts, n, out);
}

/* The principal's own policies (a user's with its groups') and those given. */
int iam_get_context_keys_for_principal_policy(req_t *r, const val_t *in, val_t *out)
{
    const iam__kind_t *k;
    str_t canon, *docs;
    size_t ndocs;
    if (iam__identity_of_arn(r, val_get_str(in, "PolicySourceArn"), &k, &canon) != GR_OK ||
        iam__entity_docs(r, k->kind, canon, &docs, &ndocs) != GR_OK)
        return GR_ERR;
    const val_t *extra = val_get(in, "PolicyInputList");
    size_t n = ndocs + val_len(extra);
    str_t *texts = ARENA_NEWN(r->arena, str_t, n ? n : 1);
    if (!texts) return GR_ERR;
    memcpy(texts, docs, ndocs * sizeof *docs);
    for (size_t i = 0; i < val_len(extra); i++) texts[ndocs + i] = extra->u.list.v[i]->u.s;
    return context_keys(r, texts, n, out);
}
