/* version.c — S3 versioning: PutBucketVersioning, GetBucketVersioning,
 * ListObjectVersions, and the row moves every write and delete makes in a
 * versioned bucket (schema/005_versions.sql). s3_object holds the current
 * version of a key unless that is a delete marker; older versions and
 * delete markers live in s3_version, newest = largest seq. A version's
 * blobs are dropped only when its row is gone for good (a permanent delete,
 * or the null version overwritten), after the transaction commits. */
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

static const aws_errdef_t E_IllegalVersioningConfiguration = {"IllegalVersioningConfigurationException", 400, true};
static const aws_errdef_t E_InvalidBucketState = {"InvalidBucketState", 409, true};

/* One statement with (bucket, key[, text]) bound; GR_OK when it ran. */
static int exec3(sqlite3 *db, const char *sql, str_t bucket, str_t key, str_t third)
{
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    if (sqlite3_bind_parameter_count(st) >= 3) store_bind_str(st, 3, third);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

static void drop_add(req_t *r, str_t *drop, str_t ids)
{
    if (!ids.p || !ids.len) return;
    char *s = arena_printf(r->arena, "%.*s%s%.*s", STR_FMT(*drop), drop->len ? "," : "", STR_FMT(ids));
    if (s) *drop = str_c(s);
}

str_t s3__vid_out(const s3_obj_t *o)
{
    return o->version_id.p ? o->version_id : STR("null");
}

int s3__versioning(req_t *r, sqlite3 *db, str_t bucket, bool *lock)
{
    int held = s3__bcache_vers(bucket, lock);
    if (held != -2) return held;
    uint64_t gen = s3__bcache_gen(db);
    bool locked = false;
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT status, lock FROM s3_bucket_versioning WHERE bucket = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    store_bind_str(st, 1, bucket);
    int rc = sqlite3_step(st), v = S3_VERS_NONE;
    if (rc == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        v = s && !strcmp(s, "Enabled") ? S3_VERS_ENABLED : s && !strcmp(s, "Suspended") ? S3_VERS_SUSPENDED : 0;
        locked = sqlite3_column_int(st, 1) != 0;
    }
    store_release(st);
    if (lock) *lock = locked;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
    s3__bcache_put_vers(gen, bucket, v, locked);
    return v;
}

/* A version id: 30 random characters and 2 that check them, so that an id
 * S3 could not have made is told from one that names no version (AWS:
 * InvalidArgument, not NoSuchVersion, for an altered id). */
static const char VID_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
#define VID_LEN 32

static uint32_t vid_hash(const char *p)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < VID_LEN - 2; i++) h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static str_t new_vid(req_t *r)
{
    char *id = arena_alloc(r->arena, VID_LEN + 1);
    if (!id) return STR_NULL;
    id_random_chars(id, VID_LEN - 2, VID_CHARS);
    uint32_t h = vid_hash(id);
    id[VID_LEN - 2] = VID_CHARS[h & 63], id[VID_LEN - 1] = VID_CHARS[(h >> 6) & 63];
    id[VID_LEN] = 0;
    return str_n(id, VID_LEN);
}

/* Whether S3 could have made vid for a version of bucket: "null", or, in
 * a bucket that has had versioning, an id of new_vid's form. */
static int vid_possible(req_t *r, sqlite3 *db, str_t bucket, str_t vid)
{
    if (str_eq_c(vid, "null")) return 1;
    int v = s3__versioning(r, db, bucket, NULL);
    if (v <= 0) return v;
    if (vid.len != VID_LEN) return 0;
    for (size_t i = 0; i < VID_LEN; i++)
        if (!vid.p[i] || !strchr(VID_CHARS, vid.p[i])) return 0;
    uint32_t h = vid_hash(vid.p);
    return vid.p[VID_LEN - 2] == VID_CHARS[h & 63] && vid.p[VID_LEN - 1] == VID_CHARS[(h >> 6) & 63];
}

/* Moves the current row of key (if any) to s3_version as its newest entry. */
static int archive_current(req_t *r, sqlite3 *db, str_t bucket, str_t key)
{
    char *sql = arena_printf(r->arena,
                             "INSERT INTO s3_version (bucket, key, seq, delete_marker, %s) "
                             "SELECT bucket, key, (SELECT coalesce(max(seq), 0) + 1 FROM s3_version "
                             "WHERE bucket = ?1 AND key = ?2), 0, %s FROM s3_object WHERE bucket = ?1 AND key = ?2",
                             S3_OBJ_COLS, S3_OBJ_COLS);
    if (!sql || exec3(db, sql, bucket, key, STR_NULL) != GR_OK) return GR_ERR;
    return exec3(db, "DELETE FROM s3_object WHERE bucket = ?1 AND key = ?2", bucket, key, STR_NULL);
}

/* Deletes the null version(s) among the noncurrent rows; their blobs to *drop. */
static int drop_null_versions(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *drop)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT coalesce(part_blobs, blob) FROM s3_version WHERE bucket = ?1 AND key = ?2 AND "
                      "version_id IS NULL AND delete_marker = 0",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) drop_add(r, drop, s3__col_str(r, st, 0));
    store_release(st);
    if (rc != SQLITE_DONE) return GR_ERR;
    return exec3(db, "DELETE FROM s3_version WHERE bucket = ?1 AND key = ?2 AND version_id IS NULL", bucket, key,
                 STR_NULL);
}

int s3__version_put(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o, str_t *drop)
{
    int v = s3__versioning(r, db, bucket, NULL);
    if (v < 0) return GR_ERR;
    *drop = STR("");
    str_t old = STR("");
    if (v == S3_VERS_ENABLED) {
        o->version_id = new_vid(r);
        if (!o->version_id.p || archive_current(r, db, bucket, key) != GR_OK) return GR_ERR;
    } else if (v == S3_VERS_SUSPENDED) {
        /* AWS: in a suspended bucket a write replaces the null version and
         * keeps every versioned one. */
        o->version_id = STR_NULL;
        s3_obj_t cur;
        int found = s3__obj_get(r, db, bucket, key, &cur);
        if (found < 0) return GR_ERR;
        if (found && cur.version_id.p && archive_current(r, db, bucket, key) != GR_OK) return GR_ERR;
        if (drop_null_versions(r, db, bucket, key, drop) != GR_OK) return GR_ERR;
    } else {
        o->version_id = STR_NULL;
    }
    if (s3__obj_put(r, db, bucket, key, o, &old) != GR_OK) return GR_ERR;
    drop_add(r, drop, old);
    return GR_OK;
}

/* Inserts a delete marker as the newest version of key. */
static int insert_marker(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO s3_version (bucket, key, seq, delete_marker, modified_us, version_id) "
                      "VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM s3_version WHERE bucket = ?1 AND "
                      "key = ?2), 1, ?3, ?4)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    sqlite3_bind_int64(st, 3, time_now_us());
    store_bind_str(st, 4, vid);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* Replication (replication.c): o, a replica keeping its source's version id,
 * or a delete marker with the source's marker's id (o NULL, vid), becomes
 * the newest version of key in a versioning-enabled bucket. */
int s3__version_put_replica(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o, str_t vid, str_t *drop)
{
    *drop = STR("");
    if (archive_current(r, db, bucket, key) != GR_OK) return GR_ERR;
    if (!o) return insert_marker(r, db, bucket, key, vid);
    str_t old = STR("");
    if (s3__obj_put(r, db, bucket, key, o, &old) != GR_OK) return GR_ERR;
    drop_add(r, drop, old);
    return GR_OK;
}

/* After the current version went away: the newest noncurrent version, unless
 * it is a delete marker, becomes current again. */
static int promote(req_t *r, sqlite3 *db, str_t bucket, str_t key)
{
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT seq, delete_marker FROM s3_version WHERE bucket = ?1 AND key = ?2 "
                      "ORDER BY seq DESC LIMIT 1",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc = sqlite3_step(st);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    bool marker = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
    store_release(st);
    if (rc == SQLITE_DONE || marker) return GR_OK;
    if (rc != SQLITE_ROW) return GR_ERR;
    char *sql = arena_printf(r->arena,
                             "INSERT INTO s3_object (bucket, key, %s) SELECT bucket, key, %s FROM s3_version "
                             "WHERE bucket = ?1 AND key = ?2 AND seq = %lld",
                             S3_OBJ_COLS, S3_OBJ_COLS, (long long)seq);
    if (!sql || exec3(db, sql, bucket, key, STR_NULL) != GR_OK) return GR_ERR;
    sql =
        arena_printf(r->arena, "DELETE FROM s3_version WHERE bucket = ?1 AND key = ?2 AND seq = %lld", (long long)seq);
    return sql ? exec3(db, sql, bucket, key, STR_NULL) : GR_ERR;
}

int s3__current_delete_marker(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *vid)
{
    /* With no current object, the newest noncurrent row is the key's latest
     * version (promote keeps a live version current). */
    *vid = STR_NULL;
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT delete_marker, version_id FROM s3_version WHERE bucket = ?1 AND key = ?2 "
                      "ORDER BY seq DESC LIMIT 1",
                      -1, &st, NULL) != SQLITE_OK)
        return -1;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    int rc = sqlite3_step(st);
    bool marker = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    if (marker) *vid = s3__col_str(r, st, 1);
    store_release(st);
    return rc == SQLITE_ROW ? marker : rc == SQLITE_DONE ? 0 : -1;
}

static bool vid_matches(str_t want, str_t have)
{
    if (str_eq_c(want, "null")) return !have.p;
    return have.p && str_eq(want, have);
}

int s3__version_get(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid, s3_obj_t *o)
{
    *o = (s3_obj_t){0};
    int found = s3__obj_get(r, db, bucket, key, o);
    if (found < 0) return -1;
    if (!vid.p) return found;
    if (found && vid_matches(vid, o->version_id)) return 1;
    *o = (s3_obj_t){0};
    char *sql =
        arena_printf(r->arena,
                     "SELECT delete_marker, %s FROM s3_version WHERE bucket = ?1 AND key = ?2 AND "
                     "%s ORDER BY seq DESC LIMIT 1",
                     S3_OBJ_COLS, str_eq_c(vid, "null") ? "version_id IS NULL AND ?3 IS NOT NULL" : "version_id = ?3");
    sqlite3_stmt *st;
    if (!sql || store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    store_bind_str(st, 3, vid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        o->delete_marker = sqlite3_column_int(st, 0) != 0;
        s3__obj_read(r, st, 1, o);
        if (!o->etag.p) o->etag = STR("");
    }
    store_release(st);
    if (rc == SQLITE_DONE) {
        int possible = vid_possible(r, db, bucket, vid);
        if (possible < 0) return -1;
        if (!possible) {
            s3__bad_arg(r, &S3_E_InvalidArgument, "versionId", vid, "Invalid version id specified");
            return -1;
        }
    }
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int s3__version_update(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o)
{
    s3_obj_t cur;
    int found = s3__obj_get(r, db, bucket, key, &cur);
    if (found < 0) return GR_ERR;
    bool current = found && (o->version_id.p ? str_eq(cur.version_id, o->version_id) : !cur.version_id.p);
#define SET_COLS "SET tags = ?3, lock_mode = ?4, lock_until_us = ?5, legal_hold = ?6, sse = ?8 "
    const char *sql = current           ? "UPDATE s3_object " SET_COLS "WHERE bucket = ?1 AND key = ?2"
                      : o->version_id.p ? "UPDATE s3_version " SET_COLS
                                          "WHERE bucket = ?1 AND key = ?2 AND version_id = ?7"
                                        : "UPDATE s3_version " SET_COLS
                                          "WHERE bucket = ?1 AND key = ?2 AND version_id IS NULL AND ?7 IS NULL";
#undef SET_COLS
    sqlite3_stmt *st;
    if (store_prepare(db, sql, -1, &st, NULL) != SQLITE_OK) return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_blob(st, 2, key);
    store_bind_str(st, 3, o->tags);
    store_bind_str(st, 4, o->lock_mode);
    if (o->lock_mode.p)
        sqlite3_bind_int64(st, 5, o->lock_until_us);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int(st, 6, o->legal_hold);
    if (!current) store_bind_str(st, 7, o->version_id);
    store_bind_str(st, 8, o->at.sse);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int s3__bucket_has_versions(sqlite3 *db, str_t bucket)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "SELECT 1 FROM s3_version WHERE bucket = ?1 LIMIT 1", -1, &st, NULL) != SQLITE_OK) return -1;
    store_bind_str(st, 1, bucket);
    int rc = sqlite3_step(st);
    store_release(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ==== DELETE in a versioned bucket ==== */

int s3__version_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid, str_t *drop, val_t *out)
{
    arena_t *a = r->arena;
    *drop = STR("");
    int v = s3__versioning(r, db, bucket, NULL);
    if (v < 0) return GR_ERR;
    if (vid.p) {
        /* AWS: DELETE ?versionId= removes that version for good; deleting a
         * delete marker answers x-amz-delete-marker: true. */
        s3_obj_t o;
        int found = s3__version_get(r, db, bucket, key, vid, &o);
        if (found < 0) return GR_ERR;
        val_set_c(a, out, "VersionId", val_str(a, vid));
        if (!found) return GR_OK;
        if (o.delete_marker) val_set_c(a, out, "DeleteMarker", val_bool(a, true));
        s3_obj_t cur;
        int has_cur = s3__obj_get(r, db, bucket, key, &cur);
        if (has_cur < 0) return GR_ERR;
        if (has_cur && vid_matches(vid, cur.version_id)) {
            str_t old;
            if (s3__obj_delete(r, db, bucket, key, &old) != GR_OK) return GR_ERR;
            drop_add(r, drop, old);
            return promote(r, db, bucket, key);
        }
        drop_add(r, drop, o.part_blobs.p ? o.part_blobs : o.blob);
        if (exec3(
                db,
                str_eq_c(vid, "null")
                    ? "DELETE FROM s3_version WHERE bucket = ?1 AND key = ?2 AND version_id IS NULL AND ?3 IS NOT NULL"
                    : "DELETE FROM s3_version WHERE bucket = ?1 AND key = ?2 AND version_id = ?3",
                bucket, key, vid) != GR_OK)
            return GR_ERR;
        /* Removing the latest delete marker brings the version under it back. */
        return has_cur ? GR_OK : promote(r, db, bucket, key);
    }
    if (v == S3_VERS_NONE) {
        str_t old;
        if (s3__obj_delete(r, db, bucket, key, &old) != GR_OK) return GR_ERR;
        drop_add(r, drop, old);
        return GR_OK;
    }
    str_t mvid = STR_NULL;
    if (v == S3_VERS_ENABLED) {
        mvid = new_vid(r);
        if (!mvid.p || archive_current(r, db, bucket, key) != GR_OK) return GR_ERR;
    } else {
        /* AWS: suspended — the null version (if current) goes, a null delete marker takes its place */
        s3_obj_t cur;
        int found = s3__obj_get(r, db, bucket, key, &cur);
        if (found < 0) return GR_ERR;
        if (found && cur.version_id.p) {
            if (archive_current(r, db, bucket, key) != GR_OK) return GR_ERR;
        } else if (found) {
            str_t old;
            if (s3__obj_delete(r, db, bucket, key, &old) != GR_OK) return GR_ERR;
            drop_add(r, drop, old);
        }
        if (drop_null_versions(r, db, bucket, key, drop) != GR_OK) return GR_ERR;
    }
    if (insert_marker(r, db, bucket, key, mvid) != GR_OK) return GR_ERR;
    val_set_c(a, out, "DeleteMarker", val_bool(a, true));
    val_set_c(a, out, "VersionId", val_str(a, mvid.p ? mvid : STR("null")));
    return GR_OK;
}

/* ==== bucket versioning ==== */

int s3_put_bucket_versioning(req_t *r, const val_t *in, val_t *out)
{
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    const val_t *vc = val_get(in, "VersioningConfiguration");
    str_t status = vc ? val_get_str(vc, "Status") : STR_NULL;
    str_t mfa = vc ? val_get_str(vc, "MFADelete") : STR_NULL;
    if (!str_eq_c(status, "Enabled") && !str_eq_c(status, "Suspended"))
        return req_fail(r, &E_IllegalVersioningConfiguration, "The Versioning element must be specified");
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    bool lock = false;
    if (s3__versioning(r, db, bucket, &lock) < 0) return GR_ERR;
    /* AWS: versioning cannot be suspended on a bucket with object lock */
    if (lock && str_eq_c(status, "Suspended"))
        return req_fail(r, &E_InvalidBucketState,
                        "An Object Lock configuration is present on this bucket, so the versioning state cannot be "
                        "changed.");
    /* AWS: nor on one that replicates (replication.c) */
    val_t *repl;
    if (str_eq_c(status, "Suspended") && s3_cfg_get(r, db, bucket, "replication", &repl) == 1)
        return req_fail(r, &E_InvalidBucketState,
                        "A replication configuration is present on this bucket, so you cannot change the versioning "
                        "state. To change the versioning state, first delete the replication configuration.");
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "INSERT INTO s3_bucket_versioning (bucket, status, mfa_delete) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT(bucket) DO UPDATE SET status = ?2, mfa_delete = coalesce(?3, mfa_delete)",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    store_bind_str(st, 2, status);
    store_bind_str(st, 3, mfa);
    int rc = sqlite3_step(st);
    store_release(st);
    s3__bcache_changed(db);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

int s3_get_bucket_versioning(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    sqlite3_stmt *st;
    if (!db || store_prepare(db, "SELECT status, mfa_delete FROM s3_bucket_versioning WHERE bucket = ?1", -1, &st,
                             NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        /* AWS: a never-versioned bucket answers an empty VersioningConfiguration */
        str_t s = s3__col_str(r, st, 0), m = s3__col_str(r, st, 1);
        if (s.p) val_set_c(a, out, "Status", val_str(a, s));
        if (m.p) val_set_c(a, out, "MFADelete", val_str(a, m));
    }
    store_release(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GR_OK : GR_ERR;
}

/* ==== ListObjectVersions ==== */

int s3_list_object_versions(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket");
    str_t bucket_owner;
    if (s3__bucket_owned(r, bucket, NULL, &bucket_owner) != GR_OK) return GR_ERR;
    str_t prefix = val_get_str(in, "Prefix"), delim = val_get_str(in, "Delimiter");
    str_t kmark = val_get_str(in, "KeyMarker"), vmark = val_get_str(in, "VersionIdMarker");
    if (vmark.p && !kmark.len)
        return s3__bad_arg(r, &S3_E_InvalidArgument, "version-id-marker", vmark,
                           "A version-id marker cannot be specified without a key marker.");
    if (!prefix.p) prefix = STR("");
    if (!kmark.p) kmark = STR("");
    int64_t max = val_get_int(in, "MaxKeys", 1000);
    if (max < 0 || max > 1000) max = 1000;
    bool url = str_eq_c(val_get_str(in, "EncodingType"), "url"), restore = s3__wants_restore_status(in);
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    /* The current rows (seq sorts above every noncurrent one), then the
     * noncurrent ones newest first, key by key in byte order. The owner is the
     * writer's account in the key's ACL (access.c keeps one per key) when
     * someone other than the bucket owner wrote it, else the bucket owner —
     * as ListObjects shows it (list.c). */
    sqlite3_stmt *st;
    if (store_prepare(db,
                      "SELECT v.key, seq, delete_marker, version_id, size, etag, modified_us, storage_class, "
                      "json_extract(acl.doc, '$.OwnerAccount'), checksum_algo, checksum, restore_until_us FROM ("
                      "SELECT key, 9223372036854775807 AS seq, 0 AS delete_marker, version_id, size, etag, "
                      "modified_us, storage_class, checksum_algo, checksum, restore_until_us FROM s3_object WHERE "
                      "bucket = ?1 AND key >= ?2 UNION ALL SELECT key, seq, delete_marker, version_id, size, etag, "
                      "modified_us, storage_class, checksum_algo, checksum, restore_until_us FROM s3_version WHERE "
                      "bucket = ?1 AND key >= ?2) v "
                      "LEFT JOIN s3_object_acl acl ON acl.bucket = ?1 AND acl.key = v.key ORDER BY v.key, seq DESC",
                      -1, &st, NULL) != SQLITE_OK)
        return GR_ERR;
    store_bind_str(st, 1, bucket);
    str_t start = str_cmp(prefix, kmark) > 0 ? prefix : kmark;
    store_bind_blob(st, 2, start);
    val_t *versions = val_new(a, VAL_LIST), *markers = val_new(a, VAL_LIST), *prefixes = val_new(a, VAL_LIST);
    s3_owners_t owners = {.bucket_acct = bucket_owner};
    str_t prev_key = STR_NULL, last_cp = STR_NULL, next_k = STR_NULL, next_v = STR_NULL;
    bool in_marker_key = vmark.p && vmark.len && kmark.len; /* versions of key-marker after version-id-marker */
    bool skipping = in_marker_key;
    int64_t n = 0;
    bool truncated = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        str_t key = str_n(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        if (!key.p) key = STR("");
        if (!str_starts_with(key, prefix)) {
            if (str_cmp(key, prefix) > 0) break;
            continue;
        }
        bool first = !prev_key.p || !str_eq(prev_key, key);
        if (first) prev_key = arena_str(a, key);
        str_t vid = s3__col_str(r, st, 3);
        str_t vid_out = vid.p ? vid : STR("null");
        /* AWS: key-marker alone starts after every version of that key;
         * with version-id-marker, after that version of it. */
        if (kmark.len && str_eq(key, kmark)) {
            if (!in_marker_key) continue;
            if (skipping) {
                if (str_eq(vid_out, vmark)) skipping = false;
                continue;
            }
        }
        str_t cp = STR_NULL;
        if (delim.len) {
            str_t rest = str_sub(key, prefix.len, key.len - prefix.len);
            for (size_t i = 0; i + delim.len <= rest.len; i++)
                if (!memcmp(rest.p + i, delim.p, delim.len)) {
                    cp = str_n(key.p, prefix.len + i + delim.len);
                    break;
                }
        }
        if (cp.p && ((last_cp.p && str_eq(cp, last_cp)) || (kmark.len && str_cmp(cp, kmark) <= 0))) continue;
        if (n >= max) {
            truncated = max > 0;
            break;
        }
        n++;
        if (cp.p) {
            last_cp = arena_str(a, cp);
            val_t *p = val_new(a, VAL_STRUCT);
            val_set_c(a, p, "Prefix", val_str(a, url ? wire_url_encode(a, last_cp, true) : last_cp));
            val_push(a, prefixes, p);
            next_k = last_cp, next_v = STR_NULL;
            continue;
        }
        val_t *e = val_new(a, VAL_STRUCT);
        str_t k = arena_str(a, key);
        val_set_c(a, e, "Key", val_str(a, url ? wire_url_encode(a, k, true) : k));
        val_set_c(a, e, "VersionId", val_str(a, vid_out));
        val_set_c(a, e, "IsLatest", val_bool(a, first));
        val_set_c(a, e, "LastModified", s3__time(r, sqlite3_column_int64(st, 6)));
        val_set_c(a, e, "Owner", s3__listed_owner(r, &owners, s3__col_str(r, st, 8)));
        if (sqlite3_column_int(st, 2)) {
            val_push(a, markers, e);
        } else {
            val_set_c(a, e, "ETag", val_str(a, s3__col_str(r, st, 5)));
            val_set_c(a, e, "Size", val_int(a, sqlite3_column_int64(st, 4)));
            str_t sc = s3__col_str(r, st, 7);
            val_set_c(a, e, "StorageClass", val_str(a, sc.p ? sc : STR("STANDARD")));
            s3__listed_checksum(r, e, s3__col_str(r, st, 9), s3__col_str(r, st, 10));
            if (restore) s3__listed_restore(r, e, sc, sqlite3_column_int64(st, 11));
            val_push(a, versions, e);
        }
        next_k = k, next_v = vid_out;
    }
    store_release(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return GR_ERR;
    val_set_c(a, out, "Name", val_str(a, bucket));
    /* AWS (ListObjectVersions): with encoding-type=url, "KeyMarker, NextKeyMarker,
     * Prefix, Key, and Delimiter" come back encoded (botocore decodes all five) */
    val_set_c(a, out, "Prefix", val_str(a, url ? wire_url_encode(a, prefix, true) : prefix));
    val_set_c(a, out, "KeyMarker", val_str(a, url ? wire_url_encode(a, kmark, true) : kmark));
    if (vmark.p) val_set_c(a, out, "VersionIdMarker", val_str(a, vmark));
    val_set_c(a, out, "MaxKeys", val_int(a, max));
    if (delim.p) val_set_c(a, out, "Delimiter", val_str(a, url ? wire_url_encode(a, delim, true) : delim));
    if (url) val_set_c(a, out, "EncodingType", val_cstr(a, "url"));
    val_set_c(a, out, "IsTruncated", val_bool(a, truncated));
    if (truncated && next_k.p) {
        val_set_c(a, out, "NextKeyMarker", val_str(a, url ? wire_url_encode(a, next_k, true) : next_k));
        if (next_v.p) val_set_c(a, out, "NextVersionIdMarker", val_str(a, next_v));
    }
    if (val_len(versions)) val_set_c(a, out, "Versions", versions);
    if (val_len(markers)) val_set_c(a, out, "DeleteMarkers", markers);
    if (val_len(prefixes)) val_set_c(a, out, "CommonPrefixes", prefixes);
    return GR_OK;
}

/* ==== object tagging ==== */

/* AWS: "Tag keys can be up to 128 characters, values up to 256; at most 10 tags per object." */
static int tags_check(req_t *r, const val_t *set, str_t *enc)
{
    arena_t *a = r->arena;
    size_t n = set && set->kind == VAL_LIST ? set->u.list.n : 0;
    /* AWS: InvalidTag (ceph/s3-tests test_put_excess_tags) */
    if (n > 10) return req_fail(r, &S3_E_InvalidTag, "Object tags cannot be greater than 10");
    /* Kept sorted by key, as AWS lists them. */
    const val_t **sorted = ARENA_NEWN(a, const val_t *, n ? n : 1);
    if (!sorted) return GR_ERR;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        str_t k = val_get_str(set->u.list.v[i], "Key");
        while (j > 0 && str_cmp(val_get_str(sorted[j - 1], "Key"), k) > 0) sorted[j] = sorted[j - 1], j--;
        sorted[j] = set->u.list.v[i];
    }
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        str_t k = val_get_str(sorted[i], "Key"), v = val_get_str(sorted[i], "Value");
        for (size_t j = 0; j < i; j++)
            if (str_eq(k, val_get_str(sorted[j], "Key"))) return s3__tag_duplicate(r, k);
        if (s3__tag_check(r, k, v, false) != GR_OK) return GR_ERR;
        buf_printf(&b, "%s%.*s=%.*s", i ? "&" : "", STR_FMT(wire_url_encode(a, k, true)),
                   STR_FMT(wire_url_encode(a, v.p ? v : STR(""), true)));
    }
    if (b.failed) return GR_ERR;
    *enc = n ? buf_str(&b) : STR_NULL;
    return GR_OK;
}

int s3__tags_parse(req_t *r, str_t header, str_t *enc)
{
    arena_t *a = r->arena;
    val_t *set = val_new(a, VAL_LIST);
    str_t rest = header;
    while (rest.p && rest.len) {
        str_t item;
        rest = str_cut(rest, '&', &item);
        if (!item.len) continue;
        str_t k;
        str_t v = str_cut(item, '=', &k);
        val_t *t = val_new(a, VAL_STRUCT);
        str_t dk = wire_url_decode(a, k, true), dv = v.p ? wire_url_decode(a, v, true) : STR("");
        if (!dk.p || !dv.p)
            return req_fail(r, &ERR_InvalidArgument,
                            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "
                            "without tag name duplicates.");
        val_set_c(a, t, "Key", val_str(a, dk));
        val_set_c(a, t, "Value", val_str(a, dv));
        val_push(a, set, t);
    }
    return tags_check(r, set, enc);
}

val_t *s3__tags_set(req_t *r, str_t enc)
{
    arena_t *a = r->arena;
    val_t *set = val_new(a, VAL_LIST);
    str_t rest = enc;
    while (rest.p && rest.len) {
        str_t item, k;
        rest = str_cut(rest, '&', &item);
        str_t v = str_cut(item, '=', &k);
        val_t *t = val_new(a, VAL_STRUCT);
        val_set_c(a, t, "Key", val_str(a, wire_url_decode(a, k, true)));
        val_set_c(a, t, "Value", val_str(a, v.p ? wire_url_decode(a, v, true) : STR("")));
        val_push(a, set, t);
    }
    return set;
}

int64_t s3__tags_count(str_t enc)
{
    if (!enc.p || !enc.len) return 0;
    int64_t n = 1;
    for (size_t i = 0; i < enc.len; i++) n += enc.p[i] == '&';
    return n;
}

int s3__object_target(req_t *r, const val_t *in, sqlite3 **db, s3_obj_t *o)
{
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), vid = val_get_str(in, "VersionId");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    *db = s3__db(r);
    if (!*db) return GR_ERR;
    int found = s3__version_get(r, *db, bucket, key, vid, o);
    if (found < 0) return GR_ERR;
    if (!found && vid.p) return s3__no_such_version(r, key, vid);
    if (!found) return s3__no_such_key(r, key);
    if (o->delete_marker) {
        /* AWS (LocalStack's recorded put-acl-delete-marker; moto's aws_verified
         * test_put_object_tagging_on_deleted_version): the error names the method and resource */
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "Method", val_str(r->arena, r->w.method));
        val_set_c(r->arena, r->err_extra, "ResourceType", val_cstr(r->arena, "DeleteMarker"));
        return req_fail(r, &ERR_MethodNotAllowed, "The specified method is not allowed against this resource.");
    }
    return GR_OK;
}

int s3_put_object_tagging(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db;
    s3_obj_t o;
    if (s3__object_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    const val_t *tg = val_get(in, "Tagging");
    if (tags_check(r, tg ? val_get(tg, "TagSet") : NULL, &o.tags) != GR_OK) return GR_ERR;
    if (s3__version_update(r, db, val_get_str(in, "Bucket"), val_get_str(in, "Key"), &o) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "VersionId", val_str(r->arena, s3__vid_out(&o)));
    s3_notify(r, val_get_str(in, "Bucket"), val_get_str(in, "Key"), "ObjectTagging:Put", -1, o.etag,
              o.version_id); /* notify.c */
    return GR_OK;
}

int s3_get_object_tagging(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db;
    s3_obj_t o;
    if (s3__object_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "TagSet", s3__tags_set(r, o.tags));
    val_set_c(r->arena, out, "VersionId", val_str(r->arena, s3__vid_out(&o)));
    return GR_OK;
}

int s3_delete_object_tagging(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db;
    s3_obj_t o;
    if (s3__object_target(r, in, &db, &o) != GR_OK) return GR_ERR;
    o.tags = STR_NULL;
    if (s3__version_update(r, db, val_get_str(in, "Bucket"), val_get_str(in, "Key"), &o) != GR_OK) return GR_ERR;
    val_set_c(r->arena, out, "VersionId", val_str(r->arena, s3__vid_out(&o)));
    s3_notify(r, val_get_str(in, "Bucket"), val_get_str(in, "Key"), "ObjectTagging:Delete", -1, o.etag,
              o.version_id); /* notify.c */
    return GR_OK;
}
