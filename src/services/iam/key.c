/* key.c — IAM users' access keys (iam_access_key) and the credential
 * provider that lets SigV4 accept them (see iam.h).
 *
 * The provider runs on every request signed with a key that is not a
 * configured root key (IAM users' keys and root access keys made here), on any
 * event-loop thread, so it answers from a process-wide cache (a small hash
 * table under one mutex) and reads the database only on a miss. Every
 * handler that changes a key or a user's name calls iam_creds_invalidate,
 * which empties the cache: such changes are rare, lookups constant. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "schemas.h"
#include "services/app.h"
#include "services/iam/iam_int.h"
#include "services/registry.h"

#define CACHE_BUCKETS 256

typedef struct centry {
    struct centry *next;
    char *key, *secret, *account, *arn, *user_id, *user_name;
    bool active;
    bool root; /* the account root user's own key (user '' in iam_access_key) */
} centry_t;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static centry_t *cache[CACHE_BUCKETS];

static unsigned bucket(str_t key)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < key.len; i++) h = (h ^ (unsigned char)key.p[i]) * 16777619u;
    return h % CACHE_BUCKETS;
}

static void centry_free(centry_t *e)
{
    free(e->key);
    free(e->secret);
    free(e->account);
    free(e->arn);
    free(e->user_id);
    free(e->user_name);
    free(e);
}

void iam_creds_invalidate(void)
{
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        centry_t *e = cache[i];
        while (e) {
            centry_t *n = e->next;
            centry_free(e);
            e = n;
        }
        cache[i] = NULL;
    }
    pthread_mutex_unlock(&cache_mu);
}

static void fill(cred_t *out, arena_t *a, str_t key, const centry_t *e)
{
    *out = (cred_t){
        .secret = arena_str(a, str_c(e->secret)),
        .active = e->active,
        .who = {.account = arena_str(a, str_c(e->account)),
                .arn = arena_str(a, str_c(e->arn)),
                .user_id = arena_str(a, str_c(e->user_id)),
                .access_key = key,
                .user_name = e->root ? STR_NULL : arena_str(a, str_c(e->user_name)),
                .root = e->root},
    };
}

static char *dupcol(sqlite3_stmt *st, int i)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return strdup(p ? p : "");
}

int iam_creds_provider(void *ud, str_t access_key, arena_t *a, cred_t *out)
{
    app_t *app = ud;
    /* AWS: IAM user keys are AKIA…, 20 characters; others are not ours. */
    if (access_key.len != 20 || !str_starts_with(access_key, STR("AKIA"))) return GR_ERR;
    unsigned b = bucket(access_key);
    pthread_mutex_lock(&cache_mu);
    for (centry_t *e = cache[b]; e; e = e->next)
        if (str_eq_c(access_key, e->key)) {
            fill(out, a, access_key, e);
            pthread_mutex_unlock(&cache_mu);
            return GR_OK;
        }
    pthread_mutex_unlock(&cache_mu);

    sqlite3 *db = store_db(app->store, &schema_iam);
    if (!db) return GR_ERR;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT k.secret, k.active, k.account, u.name, u.path, u.id, k.user = '' FROM iam_access_key k "
                      "LEFT JOIN iam_user u ON u.account = k.account AND u.name = k.user WHERE k.key_id = ?1",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    sqlite3_bind_text(st, 1, access_key.p, (int)access_key.len, SQLITE_STATIC);
    int rc = GR_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        centry_t *e = calloc(1, sizeof *e);
        if (e) {
            e->key = strndup(access_key.p, access_key.len);
            e->secret = dupcol(st, 0);
            e->active = sqlite3_column_int(st, 1) != 0;
            e->account = dupcol(st, 2);
            e->root = sqlite3_column_int(st, 6) != 0;
            e->user_name = dupcol(st, 3);
            /* a root key: the account's root user, as its configured keys are */
            e->user_id = e->root ? strdup(e->account ? e->account : "") : dupcol(st, 5);
            const char *path = (const char *)sqlite3_column_text(st, 4);
            size_t n = strlen(e->account) + strlen(path ? path : "/") + strlen(e->user_name) + 32;
            e->arn = malloc(n);
            if (e->arn && e->root)
                snprintf(e->arn, n, "arn:aws:iam::%s:root", e->account);
            else if (e->arn)
                snprintf(e->arn, n, "arn:aws:iam::%s:user%s%s", e->account, path ? path : "/", e->user_name);
        }
        if (e && e->key && e->secret && e->account && e->user_name && e->user_id && e->arn) {
            fill(out, a, access_key, e);
            rc = GR_OK;
            pthread_mutex_lock(&cache_mu);
            e->next = cache[b];
            cache[b] = e;
            pthread_mutex_unlock(&cache_mu);
        } else if (e) {
            centry_free(e);
        }
    }
    store_release(st);
    return rc;
}

/* Idempotent: whoever calls the start hooks (main before serving, or a
 * later start pass) registers the provider once per credential chain. */
int iam_start(app_t *app)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static const creds_t *done;
    pthread_mutex_lock(&mu);
    int rc = GR_OK;
    if (done != app->creds) {
        rc = creds_add_provider(app->creds, iam_creds_provider, app);
        if (rc == GR_OK) done = app->creds;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

/* ==== Handlers ==== */

/* The user a key operation is about: UserName, else the calling user. */
/* The user whose keys a request means: UserName, else the caller. AWS:
 * without a UserName the root user manages its own keys (root access keys,
 * kept here with user ''), a user its own; a role session must name one. */
int iam__key_user(req_t *r, const val_t *in, str_t *name)
{
    str_t n = val_get_str(in, "UserName");
    if (!n.p) {
        if (r->who.root) {
            *name = STR("");
            return GR_OK;
        }
        if (!r->who.user_name.len) /* a role session's is "" */
            return req_fail(r, &ERR_ValidationError, "Must specify userName when calling with non-User credentials");
        n = r->who.user_name;
    }
    return iam__entity(r, &iam__user, n, name, NULL, NULL, NULL);
}

/* UserName of a key's answer: none for the root user's. */
static void set_user(arena_t *a, val_t *k, str_t user)
{
    if (user.len) val_set_c(a, k, "UserName", val_str(a, user));
}

/* AWS: access key ids are AKIA + 16 characters of [A-Z2-7]; secrets 40
 * characters of base64's alphabet. */
int iam_create_access_key(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t user;
    if (iam__key_user(r, in, &user) != GR_OK) return GR_ERR;
    if (iam__begin(r) != GR_OK) return GR_ERR;
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_access_key WHERE account = ?1 AND user = ?2", "s", user);
    if (n < 0) goto fail;
    if (n >= IAM__KEYS_QUOTA) {
        iam__rollback(r);
        return req_fail(r, &IAM_ERR_LimitExceededException, "Cannot exceed quota for AccessKeysPerUser: %d",
                        IAM__KEYS_QUOTA);
    }
    char idtail[17], secret[41];
    id_random_chars(idtail, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    id_random_chars(secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
    str_t key_id = str_c(arena_printf(a, "AKIA%s", idtail));
    str_t sec = arena_str(a, str_c(secret));
    int64_t now = iam__now();
    if (iam__exec(r,
                  "INSERT INTO iam_access_key (key_id, account, user, secret, created_us) VALUES (?2, ?1, ?3, ?4, ?5)",
                  "sssi", key_id, user, sec, now) != GR_OK)
        goto fail;
    if (iam__commit(r) != GR_OK) return GR_ERR;
    val_t *k = val_new(a, VAL_STRUCT);
    set_user(a, k, user);
    val_set_c(a, k, "AccessKeyId", val_str(a, key_id));
    val_set_c(a, k, "Status", val_cstr(a, "Active"));
    val_set_c(a, k, "SecretAccessKey", val_str(a, sec));
    val_set_c(a, k, "CreateDate", val_time(a, now));
    return val_set_c(a, out, "AccessKey", k);
fail:
    iam__rollback(r);
    return GR_ERR;
}

int iam_list_access_keys(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t user;
    if (iam__key_user(r, in, &user) != GR_OK) return GR_ERR;
    sqlite3_stmt *st =
        iam__stmt(r,
                  "SELECT key_id, active, created_us FROM iam_access_key WHERE account = ?1 AND user = ?2 "
                  "ORDER BY created_us, key_id",
                  "s", user);
    if (!st) return GR_ERR;
    val_t *all = val_new(a, VAL_LIST);
    while (sqlite3_step(st) == SQLITE_ROW) {
        val_t *k = val_new(a, VAL_STRUCT);
        set_user(a, k, user);
        val_set_c(a, k, "AccessKeyId", val_str(a, iam__col(r, st, 0)));
        val_set_c(a, k, "Status", val_cstr(a, sqlite3_column_int(st, 1) ? "Active" : "Inactive"));
        val_set_c(a, k, "CreateDate", val_time(a, sqlite3_column_int64(st, 2)));
        val_push(a, all, k);
    }
    return iam__paginate(r, in, out, "AccessKeyMetadata", all);
}

static int key_exists(req_t *r, str_t user, str_t key_id)
{
    int64_t n = iam__count(r, "SELECT COUNT(*) FROM iam_access_key WHERE account = ?1 AND user = ?2 AND key_id = ?3",
                           "ss", user, key_id);
    if (n < 0) return GR_ERR;
    if (n == 0)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "The Access Key with id %.*s cannot be found.",
                        STR_FMT(key_id));
    return GR_OK;
}

int iam_update_access_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user, key_id = val_get_str(in, "AccessKeyId");
    if (iam__key_user(r, in, &user) != GR_OK || key_exists(r, user, key_id) != GR_OK) return GR_ERR;
    str_t status = val_get_str(in, "Status");
    if (iam__exec(r, "UPDATE iam_access_key SET active = ?3 WHERE account = ?1 AND key_id = ?2", "si", key_id,
                  (int64_t)str_eq_c(status, "Active")) != GR_OK)
        return GR_ERR;
    iam_creds_invalidate();
    return GR_OK;
}

int iam_delete_access_key(req_t *r, const val_t *in, val_t *out)
{
    str_t user, key_id = val_get_str(in, "AccessKeyId");
    if (iam__key_user(r, in, &user) != GR_OK || key_exists(r, user, key_id) != GR_OK) return GR_ERR;
    if (iam__exec(r, "DELETE FROM iam_access_key WHERE account = ?1 AND key_id = ?2", "s", key_id) != GR_OK)
        return GR_ERR;
    iam_creds_invalidate();
    return GR_OK;
}

/* AWS: a key never used answers ServiceName and Region "N/A" and no
 * LastUsedDate (IAM API reference, AccessKeyLastUsed). gureum does not
 * record use yet, so every key answers so. */
int iam_get_access_key_last_used(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t key_id = val_get_str(in, "AccessKeyId");
    sqlite3_stmt *st = iam__stmt(r,
                                 "SELECT user, last_used_us, last_service, last_region FROM iam_access_key "
                                 "WHERE account = ?1 AND key_id = ?2",
                                 "s", key_id);
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "The Access Key with id %.*s cannot be found.",
                        STR_FMT(key_id));
    set_user(a, out, iam__col(r, st, 0));
    val_t *lu = val_new(a, VAL_STRUCT);
    if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        val_set_c(a, lu, "LastUsedDate", val_time(a, sqlite3_column_int64(st, 1)));
        val_set_c(a, lu, "ServiceName", val_str(a, iam__col(r, st, 2)));
        val_set_c(a, lu, "Region", val_str(a, iam__col(r, st, 3)));
    } else {
        val_set_c(a, lu, "ServiceName", val_cstr(a, "N/A"));
        val_set_c(a, lu, "Region", val_cstr(a, "N/A"));
    }
    return val_set_c(a, out, "AccessKeyLastUsed", lu);
}
