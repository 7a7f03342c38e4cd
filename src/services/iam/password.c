/* password.c — the account password policy (iam_password_policy) and the
 * check CreateLoginProfile and UpdateLoginProfile make against it, and how
 * a login profile's password is kept: as a salted PBKDF2-SHA256 hash, never
 * as written (nothing signs in to a console here, but a data directory
 * should not hold users' passwords). */
#include <openssl/evp.h>
#include <string.h>

#include "core/id.h"
#include "services/iam/iam_int.h"

#define POLICY_COLS "min_length, symbols, numbers, uppercase, lowercase, allow_change, max_age, reuse, hard_expiry"
#define PBKDF2_ROUNDS 10000

/* AWS: the symbols a RequireSymbols policy counts. */
static const char SYMBOLS[] = "!@#$%^&*()_+-=[]{}|'";

int iam_update_account_password_policy(req_t *r, const val_t *in, val_t *out)
{
    /* AWS: a member left out goes back to its default. */
    const val_t *age = val_get(in, "MaxPasswordAge"), *reuse = val_get(in, "PasswordReusePrevention"),
                *hard = val_get(in, "HardExpiry");
    return iam__exec(r,
                     "INSERT OR REPLACE INTO iam_password_policy (account, " POLICY_COLS
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     "iiiiiiIII", val_get_int(in, "MinimumPasswordLength", 6),
                     (int64_t)val_get_bool(in, "RequireSymbols", false),
                     (int64_t)val_get_bool(in, "RequireNumbers", false),
                     (int64_t)val_get_bool(in, "RequireUppercaseCharacters", false),
                     (int64_t)val_get_bool(in, "RequireLowercaseCharacters", false),
                     (int64_t)val_get_bool(in, "AllowUsersToChangePassword", false),
                     age ? val_get_int(in, "MaxPasswordAge", 0) : IAM__NULL_INT,
                     reuse ? val_get_int(in, "PasswordReusePrevention", 0) : IAM__NULL_INT,
                     hard ? (int64_t)val_get_bool(in, "HardExpiry", false) : IAM__NULL_INT);
}

/* The policy's row in *st (NULL when the account has none: r failed with
 * AWS's NoSuchEntity when fail). GR_ERR only when the store fails. */
static int policy_row(req_t *r, bool fail, sqlite3_stmt **st)
{
    *st = iam__stmt(r, "SELECT " POLICY_COLS " FROM iam_password_policy WHERE account = ?1", "");
    if (!*st) return GR_ERR;
    if (sqlite3_step(*st) == SQLITE_ROW) return GR_OK;
    *st = NULL;
    if (fail)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "The Password Policy with domain name %.*s cannot be found.",
                        STR_FMT(r->who.account));
    return GR_OK;
}

int iam_get_account_password_policy(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3_stmt *st;
    if (policy_row(r, true, &st) != GR_OK) return GR_ERR;
    val_t *p = val_new(a, VAL_STRUCT);
    val_set_c(a, p, "MinimumPasswordLength", val_int(a, sqlite3_column_int64(st, 0)));
    static const char *const flags[] = {"RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters",
                                        "RequireLowercaseCharacters", "AllowUsersToChangePassword"};
    for (int i = 0; i < 5; i++) val_set_c(a, p, flags[i], val_bool(a, sqlite3_column_int(st, 1 + i) != 0));
    bool ages = sqlite3_column_type(st, 6) != SQLITE_NULL && sqlite3_column_int64(st, 6) > 0;
    val_set_c(a, p, "ExpirePasswords", val_bool(a, ages));
    if (ages) val_set_c(a, p, "MaxPasswordAge", val_int(a, sqlite3_column_int64(st, 6)));
    if (sqlite3_column_type(st, 7) != SQLITE_NULL)
        val_set_c(a, p, "PasswordReusePrevention", val_int(a, sqlite3_column_int64(st, 7)));
    if (sqlite3_column_type(st, 8) != SQLITE_NULL)
        val_set_c(a, p, "HardExpiry", val_bool(a, sqlite3_column_int(st, 8) != 0));
    return val_set_c(a, out, "PasswordPolicy", p);
}

int iam_delete_account_password_policy(req_t *r, const val_t *in, val_t *out)
{
    sqlite3_stmt *st;
    if (policy_row(r, true, &st) != GR_OK) return GR_ERR;
    return iam__exec(r, "DELETE FROM iam_password_policy WHERE account = ?1", "");
}

int iam__password_ok(req_t *r, str_t pw)
{
    sqlite3_stmt *st;
    if (policy_row(r, false, &st) != GR_OK) return GR_ERR;
    if (!st) return GR_OK; /* no policy: any password the model accepts */
    bool sym = false, num = false, up = false, low = false;
    for (size_t i = 0; i < pw.len; i++) {
        char c = pw.p[i];
        num |= c >= '0' && c <= '9';
        up |= c >= 'A' && c <= 'Z';
        low |= c >= 'a' && c <= 'z';
        sym |= c && strchr(SYMBOLS, c) != NULL;
    }
    if ((int64_t)pw.len < sqlite3_column_int64(st, 0) || (sqlite3_column_int(st, 1) && !sym) ||
        (sqlite3_column_int(st, 2) && !num) || (sqlite3_column_int(st, 3) && !up) ||
        (sqlite3_column_int(st, 4) && !low))
        return req_fail(r, &IAM_ERR_PasswordPolicyViolationException,
                        "Password does not conform to the account password policy.");
    return GR_OK;
}

str_t iam__password_hash(req_t *r, str_t pw)
{
    unsigned char salt[16], dk[32];
    id_random_bytes(salt, sizeof salt);
    if (!PKCS5_PBKDF2_HMAC(pw.p ? pw.p : "", (int)pw.len, salt, sizeof salt, PBKDF2_ROUNDS, EVP_sha256(), sizeof dk,
                           dk))
        return STR_NULL;
    static const char hx[] = "0123456789abcdef";
    char s[33], d[65];
    for (size_t i = 0; i < sizeof salt; i++) s[2 * i] = hx[salt[i] >> 4], s[2 * i + 1] = hx[salt[i] & 15];
    for (size_t i = 0; i < sizeof dk; i++) d[2 * i] = hx[dk[i] >> 4], d[2 * i + 1] = hx[dk[i] & 15];
    s[32] = d[64] = 0;
    return str_c(arena_printf(r->arena, "pbkdf2-sha256$%d$%s$%s", PBKDF2_ROUNDS, s, d));
}
