/* password.c — the account password policy (iam_password_policy) and the
 * check CreateLoginProfile and UpdateLoginProfile make against it, and how
 * a login profile's password is kept: as a salted PBKDF2-SHA256 hash, never
 * as written (nothing signs in to a console here, but a data directory
 * should not hold users' passwords). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "services/app.h"
#include "services/authz.h"
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

/* Whether pw is the password a stored form holds (iam__col's, so
 * NUL-terminated): a PBKDF2 hash, or the
 * plain text rows written before hashing kept. Compared in constant time. */
static bool password_matches(str_t pw, str_t stored)
{
    int rounds;
    char salt_hex[33], dk_hex[65];
    const char *s = stored.p; /* iam__col: NUL-terminated */
    if (!s) return false;
    if (sscanf(s, "pbkdf2-sha256$%d$%32[0-9a-f]$%64[0-9a-f]", &rounds, salt_hex, dk_hex) != 3 ||
        strlen(salt_hex) != 32 || strlen(dk_hex) != 64 || rounds <= 0)
        return stored.len == pw.len && CRYPTO_memcmp(stored.p, pw.p, pw.len) == 0;
    unsigned char salt[16], want[32], got[32];
    for (int i = 0; i < 16; i++) sscanf(salt_hex + 2 * i, "%2hhx", &salt[i]);
    for (int i = 0; i < 32; i++) sscanf(dk_hex + 2 * i, "%2hhx", &want[i]);
    if (!PKCS5_PBKDF2_HMAC(pw.p ? pw.p : "", (int)pw.len, salt, sizeof salt, rounds, EVP_sha256(), sizeof got, got))
        return false;
    return CRYPTO_memcmp(got, want, sizeof got) == 0;
}

int iam__password_ok(req_t *r, str_t user, str_t pw)
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
    /* PasswordReusePrevention: none of the user's last N passwords again */
    int64_t reuse = sqlite3_column_type(st, 7) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 7);
    if (reuse <= 0 || !user.len) return GR_OK;
    sqlite3_stmt *h = iam__stmt(r,
                                "SELECT hash FROM iam_password_history WHERE account = ?1 AND user = ?2 "
                                "ORDER BY seq DESC LIMIT ?3",
                                "si", user, reuse);
    if (!h) return GR_ERR;
    int rc;
    while ((rc = sqlite3_step(h)) == SQLITE_ROW)
        if (password_matches(pw, iam__col(r, h, 0)))
            return req_fail(r, &IAM_ERR_PasswordPolicyViolationException,
                            "Password does not conform to the account password policy.");
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int iam__password_set(req_t *r, str_t user, str_t pw, bool create, bool reset)
{
    str_t hash = iam__password_hash(r, pw);
    if (!hash.p) return GR_ERR;
    if (create ? iam__exec(r,
                           "INSERT INTO iam_login_profile (account, user, password, reset_required, created_us) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
                           "ssii", user, hash, (int64_t)reset, iam__now())
               : iam__exec(r, "UPDATE iam_login_profile SET password = ?3 WHERE account = ?1 AND user = ?2", "ss", user,
                           hash))
        return GR_ERR;
    if (iam__exec(r,
                  "INSERT INTO iam_password_history (account, user, seq, hash) VALUES (?1, ?2, "
                  "(SELECT COALESCE(MAX(seq), 0) + 1 FROM iam_password_history WHERE account = ?1 AND user = ?2), ?3)",
                  "ss", user, hash) != GR_OK)
        return GR_ERR;
    return iam__exec(r,
                     "DELETE FROM iam_password_history WHERE account = ?1 AND user = ?2 AND seq <= "
                     "(SELECT MAX(seq) FROM iam_password_history WHERE account = ?1 AND user = ?2) - 24",
                     "s", user);
}

/* AWS: an IAM user changes its own password with the old one. The account
 * password policy's AllowUsersToChangePassword lets every user do so;
 * without it the user needs iam:ChangePassword on itself. */
int iam_change_password(req_t *r, const val_t *in, val_t *out)
{
    str_t user = r->who.user_name;
    if (!user.len || r->who.root)
        return req_fail(r, &IAM_ERR_InvalidUserTypeException, "Only IAM users can change their own password.");
    sqlite3_stmt *st;
    if (policy_row(r, false, &st) != GR_OK) return GR_ERR;
    if (!(st && sqlite3_column_int(st, 5)) &&
        authz_check_resource(r, ((app_t *)r->app)->authz, STR("iam:ChangePassword"), r->who.arn, r->who.account,
                             NULL) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *p =
        iam__stmt(r, "SELECT password FROM iam_login_profile WHERE account = ?1 AND user = ?2", "s", user);
    if (!p) return GR_ERR;
    if (sqlite3_step(p) != SQLITE_ROW)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "Login Profile for User %.*s cannot be found.",
                        STR_FMT(user));
    if (!password_matches(val_get_str(in, "OldPassword"), iam__col(r, p, 0)))
        return req_fail(r, &ERR_AccessDenied, "The old password is incorrect.");
    str_t pw = val_get_str(in, "NewPassword");
    if (iam__password_ok(r, user, pw) != GR_OK || iam__password_set(r, user, pw, false, false) != GR_OK) return GR_ERR;
    /* a changed password is no longer one that must be reset */
    return iam__exec(r, "UPDATE iam_login_profile SET reset_required = 0 WHERE account = ?1 AND user = ?2", "s", user);
}

str_t iam__password_hash(req_t *r, str_t pw)
{
    unsigned char salt[16], dk[32];
    id_random_bytes(salt, sizeof salt);
    if (!PKCS5_PBKDF2_HMAC(pw.p ? pw.p : "", (int)pw.len, salt, sizeof salt, PBKDF2_ROUNDS, EVP_sha256(), sizeof dk,
                           dk))
        return STR_NULL;
    char s[33], d[65];
    str_hex(salt, sizeof salt, s);
    str_hex(dk, sizeof dk, d);
    return str_c(arena_printf(r->arena, "pbkdf2-sha256$%d$%s$%s", PBKDF2_ROUNDS, s, d));
}
