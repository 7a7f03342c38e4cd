/* report.c — the IAM credential report (Generate/GetCredentialReport): one
 * CSV line per user, the account's root first, in AWS's columns, from the
 * users, their login profiles and access keys as they are at generation.
 * AWS generates at most every four hours; a request within four hours of the
 * last report answers COMPLETE and keeps it. gureum writes the report at
 * once, so a report that was STARTED is ready when the call returns. */
#include <string.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "services/app.h"
#include "services/iam/iam_int.h"

#define FRESH_US (4LL * 3600 * 1000000) /* AWS: a report is reused for four hours */

static const char HEADER[] =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n";

/* AWS's report times: seconds, "+00:00". */
void iam__report_time(buf_t *b, int64_t us)
{
    char iso[40];
    time_fmt_iso8601(iso, us, false); /* 2026-11-27T03:04:05Z */
    size_t n = strlen(iso);
    if (n && iso[n - 1] == 'Z') iso[n - 1] = 0;
    buf_put_str(b, str_c(iso));
    buf_put_str(b, STR("+00:00"));
}

/* One user's access-key columns (at most two keys, oldest first). */
static int key_columns(req_t *r, buf_t *b, str_t user)
{
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT active, created_us FROM iam_access_key WHERE account = ?1 AND user = ?2 "
                                 "ORDER BY created_us, key_id LIMIT 2",
                                 "s", user);
    if (!st) return GR_ERR;
    int n = 0;
    for (; n < 2 && sqlite3_step(st) == SQLITE_ROW; n++) {
        buf_put_str(b, sqlite3_column_int(st, 0) ? STR(",true,") : STR(",false,"));
        iam__report_time(b, sqlite3_column_int64(st, 1));
        buf_put_str(b, STR(",N/A,N/A,N/A"));
    }
    for (; n < 2; n++) buf_put_str(b, STR(",false,N/A,N/A,N/A,N/A"));
    return GR_OK;
}

static str_t generate(req_t *r)
{
    buf_t b;
    buf_init(&b, r->arena);
    buf_put_str(&b, str_c(HEADER));
    /* the root user: its configured key is active; it has no console password here */
    buf_put_str(&b, STR("<root_account>,"));
    buf_put_str(&b, str_c(arena_printf(r->arena, "arn:aws:iam::%.*s:root,", STR_FMT(r->who.account))));
    iam__report_time(&b, ((app_t *)r->app)->started_us);
    buf_put_str(&b, STR(",not_supported,no_information,not_supported,not_supported,false,true,N/A,N/A,N/A,N/A,"
                        "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"));
    sqlite3_stmt *p = iam__stmt(r, "SELECT max_age FROM iam_password_policy WHERE account = ?1", "");
    int64_t max_age = p && sqlite3_step(p) == SQLITE_ROW ? sqlite3_column_int64(p, 0) : 0;
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT u.name, u.path, u.created_us, l.created_us, "
                                 "EXISTS (SELECT 1 FROM iam_mfa m WHERE m.account = u.account AND m.user = u.name) "
                                 "FROM iam_user u "
                                 "LEFT JOIN iam_login_profile l ON l.account = u.account AND l.user = u.name "
                                 "WHERE u.account = ?1 ORDER BY u.name",
                                 "");
    if (!st) return STR_NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t name = iam__col(r, st, 0);
        buf_put_str(&b, name);
        buf_put_str(&b, STR(","));
        buf_put_str(&b, iam__arn(r, "user", iam__col(r, st, 1), name));
        buf_put_str(&b, STR(","));
        iam__report_time(&b, sqlite3_column_int64(st, 2));
        if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
            buf_put_str(&b, STR(",false,N/A,N/A,N/A"));
        } else {
            int64_t changed = sqlite3_column_int64(st, 3);
            buf_put_str(&b, STR(",true,no_information,"));
            iam__report_time(&b, changed);
            buf_put_str(&b, STR(","));
            if (max_age > 0)
                iam__report_time(&b, changed + max_age * 86400 * 1000000LL);
            else
                buf_put_str(&b, STR("N/A"));
        }
        buf_put_str(&b, sqlite3_column_int(st, 4) ? STR(",true") : STR(",false")); /* mfa_active */
        if (key_columns(r, &b, name) != GR_OK || iam__signing_columns(r, &b, name) != GR_OK) return STR_NULL;
        buf_put_str(&b, STR("\n"));
    }
    return buf_str(&b);
}

int iam_generate_credential_report(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    int64_t now = iam__now();
    sqlite3_stmt *st = iam__stmt(r, "SELECT generated_us FROM iam_credential_report WHERE account = ?1", "");
    if (!st) return GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW && now - sqlite3_column_int64(st, 0) < FRESH_US)
        return val_set_c(a, out, "State", val_cstr(a, "COMPLETE"));
    str_t csv = generate(r);
    if (!csv.p || iam__exec(r,
                            "INSERT OR REPLACE INTO iam_credential_report (account, generated_us, content) "
                            "VALUES (?1, ?2, ?3)",
                            "is", now, csv) != GR_OK)
        return GR_ERR;
    val_set_c(a, out, "State", val_cstr(a, "STARTED"));
    return val_set_c(a, out, "Description", val_cstr(a, "No report exists. Starting a new report generation task"));
}

int iam_get_credential_report(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st = iam__stmt(r, "SELECT generated_us, content FROM iam_credential_report WHERE account = ?1", "");
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW)
        return req_fail(r, &IAM_ERR_CredentialReportNotPresentException,
                        "The credential report does not exist. Use GenerateCredentialReport to create a new report.");
    val_set_c(a, out, "Content", val_blob(a, iam__col(r, st, 1)));
    val_set_c(a, out, "ReportFormat", val_cstr(a, "text/csv"));
    return val_set_c(a, out, "GeneratedTime", val_time(a, sqlite3_column_int64(st, 0)));
}
