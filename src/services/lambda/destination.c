/* destination.c — what happens after an asynchronous invocation: the
 * function's event invoke configuration (Put/Get/Update/Delete
 * FunctionEventInvokeConfig, kept as JSON in lambda_function.eic), and the
 * invocation records sent to its OnSuccess / OnFailure destinations — an SQS
 * queue, an SNS topic or another function — through those services' public
 * calls. invoke.c decides when; this file knows the shapes. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/gtime.h"
#include "core/json.h"
#include "core/log.h"
#include "lambda_model.h"
#include "services/lambda/lambda.h"
#include "services/lambda/lambda_int.h"
#include "services/pubmetrics.h"
#include "services/sns/sns.h"
#include "services/sqs/sqs.h"
#include "store/store.h"

int lambda__eic(app_t *app, arena_t *a, const lambda__fn_t *f, lambda__eic_t *e)
{
    *e = (lambda__eic_t){.retries = 2, .max_age_s = 21600, .on_success = STR(""), .on_failure = STR("")};
    sqlite3_stmt *st;
    if (lambda__prepare(app, "SELECT eic FROM lambda_function WHERE account = ?1 AND region = ?2 AND name = ?3",
                        f->account, f->region, f->name, &st) != GR_OK)
        return GR_ERR;
    str_t text = STR("");
    if (sqlite3_step(st) == SQLITE_ROW) text = lambda__col(a, st, 0);
    store_release(st);
    const json_t *j = text.len ? json_parse(a, text, NULL) : NULL;
    if (!j || j->type != JSON_OBJECT) return GR_OK;
    e->set = true;
    const json_t *x;
    if ((x = json_get(j, "retries")) && x->type == JSON_INT) e->retries = (int)x->u.i;
    if ((x = json_get(j, "max_age")) && x->type == JSON_INT) e->max_age_s = x->u.i;
    if ((x = json_get(j, "on_success")) && x->type == JSON_STRING) e->on_success = x->u.s;
    if ((x = json_get(j, "on_failure")) && x->type == JSON_STRING) e->on_failure = x->u.s;
    if ((x = json_get(j, "modified")) && x->type == JSON_INT) e->modified_ms = x->u.i;
    return GR_OK;
}

static void put_json_or_string(json_w_t *w, const char *p, size_t n, arena_t *a)
{
    str_t s = str_n(p ? p : "", p ? n : 0);
    if (s.len && json_parse(a, s, NULL))
        json_w_raw(w, s);
    else if (s.len)
        json_w_str(w, s);
    else
        json_w_null(w);
}

void lambda__request_context(json_w_t *w, const char *request_id, const char *function_arn, const char *condition,
                             int invoke_count)
{
    json_w_key(w, STR("requestContext"));
    json_w_obj_begin(w);
    json_w_key(w, STR("requestId"));
    json_w_str(w, str_c(request_id));
    json_w_key(w, STR("functionArn"));
    json_w_str(w, str_c(function_arn));
    json_w_key(w, STR("condition"));
    json_w_str(w, str_c(condition));
    json_w_key(w, STR("approximateInvokeCount"));
    json_w_int(w, invoke_count);
    json_w_obj_end(w);
}

void lambda__destination_send(app_t *app, str_t dest, const lambda__record_t *rec)
{
    arena_t *a = arena_new(8u << 20);
    if (!a) return;
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    char ts[40];
    time_fmt_iso8601(ts, time_now_us(), true);
    /* AWS: the invocation record of asynchronous invocation destinations */
    json_w_obj_begin(&w);
    json_w_key(&w, STR("version"));
    json_w_str(&w, STR("1.0"));
    json_w_key(&w, STR("timestamp"));
    json_w_str(&w, str_c(ts));
    lambda__request_context(&w, rec->request_id, rec->function_arn, rec->condition, rec->invoke_count);
    json_w_key(&w, STR("requestPayload"));
    put_json_or_string(&w, rec->request, rec->request_len, a);
    json_w_key(&w, STR("responseContext"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("statusCode"));
    json_w_int(&w, 200);
    json_w_key(&w, STR("executedVersion"));
    json_w_str(&w, str_c(rec->version));
    if (rec->function_error) {
        json_w_key(&w, STR("functionError"));
        json_w_str(&w, STR("Unhandled"));
    }
    json_w_obj_end(&w);
    json_w_key(&w, STR("responsePayload"));
    put_json_or_string(&w, rec->response, rec->response_len, a);
    json_w_obj_end(&w);
    lambda__destination_deliver(app, a, dest, buf_str(&b), rec->function_arn);
    arena_free(a);
}

void lambda__destination_deliver(app_t *app, arena_t *a, str_t dest, str_t body, const char *function_arn)
{
    str_t id;
    const char *err = NULL;
    int rc = GR_ERR;
    if (str_starts_with(dest, STR("arn:aws:sqs:")))
        rc = sqs_deliver(app, a, dest, body, NULL, STR_NULL, STR_NULL, &id, &err);
    else if (str_starts_with(dest, STR("arn:aws:sns:")))
        rc = sns_publish_internal(app, a, dest, STR_NULL, body, NULL, STR_NULL, STR_NULL, &id, &err);
    else if (str_starts_with(dest, STR("arn:aws:lambda:")))
        rc = lambda_invoke_event(app, a, dest, body, STR_NULL, STR_NULL, &err);
    else
        err = "unsupported destination";
    if (rc == GR_OK) return;
    log_warn("lambda: cannot send the invocation record of %s to %.*s: %s", function_arn, STR_FMT(dest),
             err ? err : "error");
    /* AWS: DestinationDeliveryFailures counts records Lambda could not send
     * to a destination; function_arn is arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION] */
    str_t region, account, res;
    if (!pubm_arn_scope(str_c(function_arn), &region, &account, &res) || !str_starts_with(res, STR("function:")))
        return;
    str_t name = str_n(res.p + 9, res.len - 9);
    const char *colon = memchr(name.p, ':', name.len);
    if (colon) name.len = (size_t)(colon - name.p);
    pubm_dim_t d = {"FunctionName", name};
    pubm_add(app, account, region, "AWS/Lambda", "DestinationDeliveryFailures", &d, 1, "Count", 1, false);
}

/* ==== Operations ==== */

static bool dest_ok(str_t arn)
{
    return str_starts_with(arn, STR("arn:aws:sqs:")) || str_starts_with(arn, STR("arn:aws:sns:")) ||
           str_starts_with(arn, STR("arn:aws:lambda:")) || str_starts_with(arn, STR("arn:aws:events:"));
}

static int answer(req_t *r, const lambda__fn_t *f, val_t *out)
{
    arena_t *a = r->arena;
    lambda__eic_t e;
    if (lambda__eic(r->app, a, f, &e) != GR_OK) return GR_ERR;
    if (!e.set)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException, "The function %s doesn't have an EventInvokeConfig",
                        arena_printf(a, "%s:$LATEST", lambda__arn(a, f->region, f->account, f->name).p));
    val_set_c(a, out, "LastModified", val_time(a, e.modified_ms * 1000));
    val_set_c(a, out, "FunctionArn",
              val_cstr(a, arena_printf(a, "%s:$LATEST", lambda__arn(a, f->region, f->account, f->name).p)));
    val_set_c(a, out, "MaximumRetryAttempts", val_int(a, e.retries));
    val_set_c(a, out, "MaximumEventAgeInSeconds", val_int(a, e.max_age_s));
    val_t *dc = val_new(a, VAL_STRUCT), *ok = val_new(a, VAL_STRUCT), *ko = val_new(a, VAL_STRUCT);
    if (e.on_success.len) val_set_c(a, ok, "Destination", val_str(a, e.on_success));
    if (e.on_failure.len) val_set_c(a, ko, "Destination", val_str(a, e.on_failure));
    val_set_c(a, dc, "OnSuccess", ok);
    val_set_c(a, dc, "OnFailure", ko);
    val_set_c(a, out, "DestinationConfig", dc);
    return GR_OK;
}

static int store(req_t *r, const val_t *in, bool merge)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    lambda__eic_t e;
    if (lambda__eic(r->app, a, &f, &e) != GR_OK) return GR_ERR;
    if (!merge) e = (lambda__eic_t){.retries = 2, .max_age_s = 21600, .on_success = STR(""), .on_failure = STR("")};
    e.retries = (int)val_get_int(in, "MaximumRetryAttempts", e.retries);
    e.max_age_s = val_get_int(in, "MaximumEventAgeInSeconds", e.max_age_s);
    const val_t *dc = val_get(in, "DestinationConfig");
    if (dc) {
        const val_t *ok = val_get(dc, "OnSuccess"), *ko = val_get(dc, "OnFailure");
        if (ok) e.on_success = val_get_str(ok, "Destination");
        if (ko) e.on_failure = val_get_str(ko, "Destination");
        if (!e.on_success.p) e.on_success = STR("");
        if (!e.on_failure.p) e.on_failure = STR("");
    }
    if ((e.on_success.len && !dest_ok(e.on_success)) || (e.on_failure.len && !dest_ok(e.on_failure)))
        return req_fail(r, &LAMBDA_ERR_InvalidParameterValueException,
                        "The provided destination config DestinationConfig is invalid.");
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("retries"));
    json_w_int(&w, e.retries);
    json_w_key(&w, STR("max_age"));
    json_w_int(&w, e.max_age_s);
    json_w_key(&w, STR("on_success"));
    json_w_str(&w, e.on_success);
    json_w_key(&w, STR("on_failure"));
    json_w_str(&w, e.on_failure);
    json_w_key(&w, STR("modified"));
    json_w_int(&w, time_now_us() / 1000);
    json_w_obj_end(&w);
    sqlite3_stmt *st;
    if (lambda__fn_prepare(r, &f,
                           "UPDATE lambda_function SET eic = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3",
                           &st) != GR_OK)
        return GR_ERR;
    lambda__bind_s(st, 4, buf_str(&b));
    return lambda__step_done(st);
}

int lambda_put_function_event_invoke_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (store(r, in, false) != GR_OK || lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK)
        return GR_ERR;
    return answer(r, &f, out);
}

int lambda_update_function_event_invoke_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (store(r, in, true) != GR_OK || lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK)
        return GR_ERR;
    return answer(r, &f, out);
}

int lambda_get_function_event_invoke_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    return answer(r, &f, out);
}

int lambda_delete_function_event_invoke_config(req_t *r, const val_t *in, val_t *out)
{
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    lambda__eic_t e;
    if (lambda__eic(r->app, r->arena, &f, &e) != GR_OK) return GR_ERR;
    if (!e.set)
        return req_fail(r, &LAMBDA_ERR_ResourceNotFoundException,
                        "The function %s:$LATEST doesn't have an EventInvokeConfig",
                        lambda__arn(r->arena, f.region, f.account, f.name).p);
    return lambda__fn_exec(r, &f,
                           "UPDATE lambda_function SET eic = '' WHERE account = ?1 AND region = ?2 AND name = ?3");
}

/* AWS: the function's configurations, one per qualifier; ours are kept for
 * $LATEST only, so the list is that one or empty. */
int lambda_list_function_event_invoke_configs(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    lambda__fn_t f;
    if (lambda__load_or_fail(r, val_get_str(in, "FunctionName"), &f) != GR_OK) return GR_ERR;
    lambda__eic_t e;
    if (lambda__eic(r->app, a, &f, &e) != GR_OK) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    if (e.set) {
        val_t *one = val_new(a, VAL_STRUCT);
        if (answer(r, &f, one) != GR_OK) return GR_ERR;
        val_push(a, list, one);
    }
    val_set_c(a, out, "FunctionEventInvokeConfigs", list);
    return GR_OK;
}
