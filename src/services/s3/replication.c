/* replication.c — S3 replication: after a write commits in a bucket whose
 * replication configuration (PutBucketReplication, bucket_config.c) has an
 * enabled rule covering the new version, the version is copied into the
 * rule's destination bucket as a replica: the same key, version id, bytes,
 * ETag, metadata, tags and last-modified time, the rule's storage class if
 * it names one, and x-amz-replication-status REPLICA; the source version
 * then reads COMPLETED (FAILED when the destination is gone or no longer
 * versioned). Delete markers follow when the rule says so (a rule with only
 * a Prefix, the configuration's first version, always replicates them), as
 * on AWS; deleting a version by id is never replicated, nor are replicas
 * themselves or lifecycle actions. AWS replicates asynchronously, within
 * seconds to minutes; gureum does it before the write's answer is sent, so a
 * replica is there as soon as its source is. Called from the object paths
 * after commit; never fails the request (errors are logged). */
#include "core/log.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "store/store.h"

/* The enabled rule of highest Priority (then first) covering key's version o. */
static const val_t *rule_for(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o)
{
    val_t *doc;
    if (s3_cfg_get(r, db, bucket, "replication", &doc) != 1 || !doc) return NULL;
    const val_t *rules = val_get(doc, "Rules"), *best = NULL, *have = NULL;
    for (size_t i = 0; rules && rules->kind == VAL_LIST && i < rules->u.list.n; i++) {
        const val_t *ru = rules->u.list.v[i];
        if (!str_eq_c(val_get_str(ru, "Status"), "Enabled") || !s3__rule_matches(r, ru, key, o, &have)) continue;
        if (!best || val_get_int(ru, "Priority", 0) > val_get_int(best, "Priority", 0)) best = ru;
    }
    return best;
}

/* The destination bucket of rule, if it still exists with versioning on. */
static str_t destination(req_t *r, sqlite3 *db, const val_t *rule)
{
    str_t dest = s3__replication_dest(val_get_str(val_get(rule, "Destination"), "Bucket")), acct;
    if (!dest.p || s3_bucket_owner(r, db, dest, &acct, NULL) != 1 ||
        s3__versioning(r, db, dest, NULL) != S3_VERS_ENABLED)
        return STR_NULL;
    return dest;
}

static void set_status(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid, const char *status)
{
    sqlite3_stmt *st;
    if (store_prepare(db, "UPDATE s3_object SET replication = ?1 WHERE bucket = ?2 AND key = ?3 AND version_id IS ?4",
                      -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, bucket.p, (int)bucket.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, key.p ? key.p : "", (int)key.len, SQLITE_STATIC);
    if (vid.p)
        sqlite3_bind_text(st, 4, vid.p, (int)vid.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    if (sqlite3_step(st) != SQLITE_DONE)
        log_warn("s3: replication status of %.*s/%.*s not kept", STR_FMT(bucket), STR_FMT(key));
    store_release(st);
}

/* Writes the replica (o: a replica or NULL for a marker of version vid) in
 * its own transaction. */
static int put_replica(req_t *r, sqlite3 *db, str_t dest, str_t key, s3_obj_t *o, str_t vid)
{
    str_t drop;
    if (s3__begin(db) != GR_OK) return GR_ERR;
    if (s3__version_put_replica(r, db, dest, key, o, vid, &drop) != GR_OK || s3__commit(db) != GR_OK) {
        s3__rollback(db);
        return GR_ERR;
    }
    s3__blobs_drop(r, drop);
    return GR_OK;
}

void s3__replicate(req_t *r, str_t bucket, str_t key)
{
    sqlite3 *db = s3__db(r);
    s3_obj_t o;
    if (!db || r->internal || s3__obj_get(r, db, bucket, key, &o) != 1 || !o.version_id.p ||
        str_eq_c(o.replication, "REPLICA"))
        return;
    const val_t *rule = rule_for(r, db, bucket, key, &o);
    if (!rule) return;
    str_t dest = destination(r, db, rule);
    const char *status = "FAILED";
    if (dest.p) {
        s3_obj_t rep = o;
        bool lock = false;
        if (s3__versioning(r, db, dest, &lock) < 0) return;
        if (!lock) rep.lock_mode = STR_NULL, rep.lock_until_us = 0, rep.legal_hold = false;
        str_t sc = val_get_str(val_get(rule, "Destination"), "StorageClass");
        if (sc.len) rep.at.storage_class = sc;
        rep.restore_until_us = 0;
        rep.replication = STR("REPLICA");
        char id[33];
        unsigned char md5[16];
        bool own = !o.data.p; /* the replica gets its own copy of blobs: either object may go first */
        if (own && s3__blob_copy_range(r, &o, 0, o.size, id, md5, NULL) != GR_OK) {
            own = false;
            dest = STR_NULL;
        } else if (own) {
            rep.blob = str_c(id), rep.part_blobs = STR_NULL;
        }
        if (dest.p && put_replica(r, db, dest, key, &rep, o.version_id) == GR_OK)
            status = "COMPLETED";
        else if (own)
            s3__blob_drop(r, id);
    }
    if (*status == 'F') log_warn("s3: replication of %.*s/%.*s failed", STR_FMT(bucket), STR_FMT(key));
    r->err = NULL;
    set_status(r, db, bucket, key, o.version_id, status);
}

void s3__replicate_marker(req_t *r, str_t bucket, str_t key, str_t vid)
{
    sqlite3 *db = s3__db(r);
    if (!db || r->internal || !vid.p) return;
    s3_obj_t o = {.size = 0}; /* a marker has no size or tags: prefix rules decide */
    const val_t *rule = rule_for(r, db, bucket, key, &o);
    if (!rule) return;
    /* AWS: a rule with a Filter replicates delete markers only with
     * DeleteMarkerReplication Enabled; a Prefix-only rule always does. */
    if (val_get(rule, "Filter") &&
        !str_eq_c(val_get_str(val_get(rule, "DeleteMarkerReplication"), "Status"), "Enabled"))
        return;
    str_t dest = destination(r, db, rule);
    if (!dest.p || put_replica(r, db, dest, key, NULL, vid) != GR_OK)
        log_warn("s3: replication of the delete marker of %.*s/%.*s failed", STR_FMT(bucket), STR_FMT(key));
    r->err = NULL;
}
