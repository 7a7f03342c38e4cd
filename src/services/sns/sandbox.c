/* sandbox.c — the SMS sandbox: GetSMSSandboxAccountStatus and the sandbox's
 * destination numbers (Create/Verify/Delete/ListSMSSandboxPhoneNumbers).
 *
 * Request flow: dispatch → sns_<op> here. On AWS a new account may text only
 * the numbers it verified; gureum sends to any number (the SMS outbox), so
 * every account answers IsInSandbox false, as one moved out of the sandbox
 * does — and the numbers still work as on AWS: Create sends a one-time
 * password to the number (it lands in the SMS outbox, GET /_gureum/sns/sms)
 * and Verify checks it. */
#include <sqlite3.h>
#include <stdio.h>

#include "core/id.h"
#include "services/app.h"
#include "services/sns/sns_int.h"
#include "sns_model.h"

int sns_get_sms_sandbox_account_status(req_t *r, const val_t *in, val_t *out)
{
    val_set_c(r->arena, out, "IsInSandbox", val_bool(r->arena, false));
    return GR_OK;
}

/* The sandbox row of phone: true with its status and password. */
static bool number_get(req_t *r, sqlite3 *db, str_t phone, str_t *status, str_t *otp)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT status, otp FROM sms_sandbox WHERE account = ?1 AND region = ?2 AND phone = ?3", -1,
                      &st, NULL) != SQLITE_OK)
        return false;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, phone);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *status = store_col_str(r->arena, st, 0);
        *otp = store_col_str(r->arena, st, 1);
    }
    store_release(st);
    return found;
}

static int number_or_fail(req_t *r, sqlite3 *db, str_t phone, str_t *status, str_t *otp)
{
    if (!number_get(r, db, phone, status, otp))
        return req_fail(r, &SNS_ERR_ResourceNotFoundException, "%.*s is not a sandbox destination phone number",
                        STR_FMT(phone));
    return GR_OK;
}

static int number_exec(req_t *r, sqlite3 *db, const char *sql, str_t phone, str_t a4, str_t a5)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, phone);
    if (sqlite3_bind_parameter_count(st) >= 4) sns__bind(st, 4, a4);
    if (sqlite3_bind_parameter_count(st) >= 5) sns__bind(st, 5, a5);
    if (sqlite3_bind_parameter_count(st) >= 6) sqlite3_bind_int64(st, 6, sns__now_ms());
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

int sns_create_sms_sandbox_phone_number(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t phone = val_get_str(in, "PhoneNumber");
    if (!sns__e164(phone))
        return req_fail(r, &SNS_ERR_InvalidParameterException,
                        "Invalid parameter: PhoneNumber Reason: input incorrectly formatted");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    if (sns__opted_out(db, r->who.account, r->region, phone))
        return req_fail(r, &SNS_ERR_OptedOutException, "Phone number is opted out.");
    str_t status = STR_NULL, old = STR_NULL;
    if (number_get(r, db, phone, &status, &old) && str_eq_c(status, "Verified")) return GR_OK;
    /* A new password each time: adding a pending number again resends one. */
    char otp[7];
    id_random_chars(otp, 6, "0123456789");
    str_t code = arena_str(a, str_c(otp));
    if (number_exec(r, db,
                    "INSERT OR REPLACE INTO sms_sandbox (account, region, phone, status, otp, created_ms) VALUES "
                    "(?1, ?2, ?3, ?4, ?5, ?6)",
                    phone, STR("Pending"), code) != GR_OK)
        return GR_ERR;
    char mid[37];
    id_uuid(mid);
    const char *err = NULL;
    str_t text = str_c(arena_printf(a, "Your Amazon SNS verification code is: %s", otp));
    if (sns__sms_send(r->app, a, db, r->who.account, r->region, phone, text, NULL, arena_str(a, str_c(mid)), STR_NULL,
                      &err) != GR_OK)
        return err ? req_fail(r, &SNS_ERR_InvalidParameterException, "%s", err) : GR_ERR;
    return GR_OK;
}

int sns_verify_sms_sandbox_phone_number(req_t *r, const val_t *in, val_t *out)
{
    str_t phone = val_get_str(in, "PhoneNumber"), given = val_get_str(in, "OneTimePassword");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    str_t status, otp;
    if (number_or_fail(r, db, phone, &status, &otp) != GR_OK) return GR_ERR;
    if (str_eq_c(status, "Verified")) return GR_OK;
    if (!str_eq(given, otp)) {
        /* AWS: VerificationException carries a Status beside its message. */
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Status", val_cstr(r->arena, "Invalid"));
        return req_fail(r, &SNS_ERR_VerificationException, "Invalid one-time password.");
    }
    return number_exec(r, db, "UPDATE sms_sandbox SET status = ?4 WHERE account = ?1 AND region = ?2 AND phone = ?3",
                       phone, STR("Verified"), STR_NULL);
}

int sns_delete_sms_sandbox_phone_number(req_t *r, const val_t *in, val_t *out)
{
    str_t phone = val_get_str(in, "PhoneNumber");
    sqlite3 *db = sns__db(r->app);
    if (!db) return GR_ERR;
    str_t status, otp;
    if (number_or_fail(r, db, phone, &status, &otp) != GR_OK) return GR_ERR;
    return number_exec(r, db, "DELETE FROM sms_sandbox WHERE account = ?1 AND region = ?2 AND phone = ?3", phone,
                       STR_NULL, STR_NULL);
}

static void sandbox_entry(arena_t *a, sqlite3 *db, sqlite3_stmt *st, val_t *list)
{
    val_t *e = val_new(a, VAL_STRUCT);
    val_set_c(a, e, "PhoneNumber", val_str(a, store_col_str(a, st, 0)));
    val_set_c(a, e, "Status", val_str(a, store_col_str(a, st, 1)));
    val_push(a, list, e);
}

int sns_list_sms_sandbox_phone_numbers(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = sns__db(r->app);
    int64_t max = val_get_int(in, "MaxResults", 100);
    str_t after = val_get_str(in, "NextToken");
    sqlite3_stmt *st;
    if (!db || store_prepare(db,
                             "SELECT phone, status FROM sms_sandbox WHERE account = ?1 AND region = ?2 AND phone > ?3 "
                             "ORDER BY phone LIMIT ?4",
                             -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sns__bind(st, 1, r->who.account);
    sns__bind(st, 2, r->region);
    sns__bind(st, 3, after.p ? after : STR(""));
    sqlite3_bind_int64(st, 4, max + 1);
    sns__page(r->arena, db, st, max, out, "PhoneNumbers", "NextToken", sandbox_entry);
    return GR_OK;
}
