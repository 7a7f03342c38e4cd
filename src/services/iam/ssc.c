/* ssc.c — IAM service-specific credentials (iam_service_cred): a user name
 * and password for one AWS service that cannot take SigV4 (CodeCommit's Git
 * over HTTPS, Amazon Keyspaces' Cassandra drivers).
 *
 * AWS names the service user USER-at-ACCOUNT and shows the password only in
 * the answers of Create and Reset; gureum keeps a salted hash of it. At most
 * two credentials per user and service. The texts of the refusals are AWS's
 * (LocalStack's recordings of IAM). */
#include <string.h>

#include "core/id.h"
#include "services/iam/iam_int.h"

#define MAX_PER_SERVICE 2

/* AWS: the services that issue service-specific credentials. */
static bool service_supported(str_t s)
{
    return str_eq_c(s, "codecommit.amazonaws.com") || str_eq_c(s, "cassandra.amazonaws.com");
}

static int unsupported(req_t *r, str_t s)
{
    return req_fail(r, &IAM_ERR_NoSuchEntityException,
                    "No such service %.*s is supported for Service Specific Credentials", STR_FMT(s));
}

#define CRED_COLS "SELECT id, service, active, created_us FROM iam_service_cred WHERE account = ?1 AND user = ?2"

/* A credential as AWS answers it; password only when just made. */
static val_t *cred_value(req_t *r, str_t user, sqlite3_stmt *st, str_t password)
{
    arena_t *a = r->arena;
    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "UserName", val_str(a, user));
    val_set_c(a, v, "ServiceSpecificCredentialId", val_str(a, iam__col(r, st, 0)));
    val_set_c(a, v, "ServiceName", val_str(a, iam__col(r, st, 1)));
    val_set_c(a, v, "ServiceUserName",
              val_cstr(a, arena_printf(a, "%.*s-at-%.*s", STR_FMT(user), STR_FMT(r->who.account))));
    if (password.p) val_set_c(a, v, "ServicePassword", val_str(a, password));
    val_set_c(a, v, "Status", val_cstr(a, sqlite3_column_int(st, 2) ? "Active" : "Inactive"));
    val_set_c(a, v, "CreateDate", val_time(a, sqlite3_column_int64(st, 3)));
    return v;
}

/* A new password: 32 random bytes in base64, as AWS's look. */
static str_t new_password(req_t *r)
{
    unsigned char raw[32];
    id_random_bytes(raw, sizeof raw);
    return arena_base64(r->arena, raw, sizeof raw);
}

/* The credential's row for the user, stepped onto; NULL with NoSuchEntity
 * recorded (or internal). */
static sqlite3_stmt *cred_row(req_t *r, const val_t *in, str_t *user)
{
    str_t id = val_get_str(in, "ServiceSpecificCredentialId");
    if (iam__key_user(r, in, user) != GR_OK) return NULL;
    sqlite3_stmt *st = iam__stmt(r, CRED_COLS " AND id = ?3", "ss", *user, id);
    if (!st) return NULL;
    if (sqlite3_step(st) == SQLITE_ROW) return st;
    req_fail(r, &IAM_ERR_NoSuchEntityException, "No such credential %.*s exists", STR_FMT(id));
    return NULL;
}

int iam_create_service_specific_credential(req_t *r, const val_t *in, val_t *out)
{
    str_t user, service = val_get_str(in, "ServiceName");
    if (iam__entity(r, &iam__user, val_get_str(in, "UserName"), &user, NULL, NULL, NULL) != GR_OK) return GR_ERR;
    if (!service_supported(service)) return unsupported(r, service);
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_service_cred WHERE account = ?1 AND user = ?2 AND service = ?3",
                           "ss", user, service);
    if (n < 0) return GR_ERR;
    if (n >= MAX_PER_SERVICE)
        return req_fail(r, &IAM_ERR_LimitExceededException,
                        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", MAX_PER_SERVICE);
    str_t id = iam__new_id(r, "ACCA"), pw = new_password(r), hash = iam__password_hash(r, pw);
    if (!hash.p || iam__exec(r,
                             "INSERT INTO iam_service_cred (account, id, user, service, pw_hash, created_us) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             "ssssi", id, user, service, hash, iam__now()) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = iam__stmt(r, CRED_COLS " AND id = ?3", "ss", user, id);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return GR_ERR;
    return val_set_c(r->arena, out, "ServiceSpecificCredential", cred_value(r, user, st, pw));
}

/* A new password; the status stays as it was (AWS). */
int iam_reset_service_specific_credential(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = cred_row(r, in, &user);
    if (!st) return GR_ERR;
    str_t pw = new_password(r), hash = iam__password_hash(r, pw);
    if (!hash.p || iam__exec(r, "UPDATE iam_service_cred SET pw_hash = ?3 WHERE account = ?1 AND id = ?2", "ss",
                             iam__col(r, st, 0), hash) != GR_OK)
        return GR_ERR;
    return val_set_c(r->arena, out, "ServiceSpecificCredential", cred_value(r, user, st, pw));
}

int iam_update_service_specific_credential(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = cred_row(r, in, &user);
    if (!st) return GR_ERR;
    return iam__exec(r, "UPDATE iam_service_cred SET active = ?3 WHERE account = ?1 AND id = ?2", "si",
                     iam__col(r, st, 0), (int64_t)str_eq_c(val_get_str(in, "Status"), "Active"));
}

int iam_delete_service_specific_credential(req_t *r, const val_t *in, val_t *out)
{
    str_t user;
    sqlite3_stmt *st = cred_row(r, in, &user);
    if (!st) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_service_cred WHERE account = ?1 AND id = ?2", "s", iam__col(r, st, 0));
}

/* AWS: an unsupported ServiceName is refused; a supported one filters. */
int iam_list_service_specific_credentials(req_t *r, const val_t *in, val_t *out)
{
    str_t user, service = val_get_str(in, "ServiceName");
    if (iam__key_user(r, in, &user) != GR_OK) return GR_ERR;
    if (service.p && !service_supported(service)) return unsupported(r, service);
    sqlite3_stmt *st = iam__stmt(r, CRED_COLS " AND (?3 IS NULL OR service = ?3) ORDER BY rowid", "sc", user,
                                 service.p ? arena_strndup(r->arena, service.p, service.len) : NULL);
    if (!st) return GR_ERR;
    val_t *list = val_new(r->arena, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) val_push(r->arena, list, cred_value(r, user, st, STR_NULL));
    return val_set_c(r->arena, out, "ServiceSpecificCredentials", list);
}
