/* grant.c — the statement AddPermission adds to an SNS topic's or an SQS
 * queue's policy (grant.h). Called by sns_add_permission (sns/topic.c) and
 * sqs_add_permission (sqs/permission.c) after they have validated the
 * request, before they store the rewritten policy. */
#include "services/grant.h"

#include <stdio.h>

/* AWS: one principal or one action is written as a string, several as a
 * list (LocalStack's recorded topic_add_permission and
 * topic_add_multiple_permissions; the same shape on SQS queues). */
static void put_list(json_w_t *w, arena_t *a, const val_t *l, const char *pre, const char *post)
{
    size_t n = val_len(l);
    if (n > 1) json_w_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        json_w_str(w, str_c(arena_printf(a, "%s%.*s%s", pre, STR_FMT(l->u.list.v[i]->u.s), post)));
    if (n > 1) json_w_arr_end(w);
}

void grant_statement_begin(json_w_t *w, str_t sid)
{
    json_w_obj_begin(w);
    json_w_key(w, STR("Sid"));
    json_w_str(w, sid);
    json_w_key(w, STR("Effect"));
    json_w_str(w, STR("Allow"));
    json_w_key(w, STR("Principal"));
}

void grant_write_statement(json_w_t *w, arena_t *a, str_t label, const val_t *accounts, const char *service,
                           const val_t *actions, str_t resource)
{
    /* AWS: Sid = label, principals as account root ARNs, actions as
     * "SNS:<Action>" / "SQS:<Action>" (observed shape). */
    grant_statement_begin(w, label);
    json_w_obj_begin(w);
    json_w_key(w, STR("AWS"));
    put_list(w, a, accounts, "arn:aws:iam::", ":root");
    json_w_obj_end(w);
    json_w_key(w, STR("Action"));
    char pre[16];
    snprintf(pre, sizeof pre, "%s:", service);
    put_list(w, a, actions, pre, "");
    json_w_key(w, STR("Resource"));
    json_w_str(w, resource);
    json_w_obj_end(w);
}
