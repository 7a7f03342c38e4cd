/* restore.c — S3's archived storage classes: an object stored as GLACIER or
 * DEEP_ARCHIVE keeps its bytes but is not readable (GetObject, and copies
 * from it, are InvalidObjectState) until RestoreObject makes a restored
 * copy, which stays readable for the request's Days and then lapses, as on
 * AWS. Locally the restore is done when it is asked for (AWS takes minutes to
 * hours by tier); HEAD and GET report it in x-amz-restore. Its end is kept
 * in the object's row (restore_until_us), per version. */
#include "core/gtime.h"
#include "s3.h"
#include "s3_internal.h"
#include "s3_model.h"

static bool archived(const s3_obj_t *o)
{
    return str_eq_c(o->at.storage_class, "GLACIER") || str_eq_c(o->at.storage_class, "DEEP_ARCHIVE");
}

/* x-amz-restore: ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT" */
static str_t restore_header(arena_t *a, int64_t until_us)
{
    char d[32];
    time_fmt_rfc822(d, until_us);
    return str_c(arena_printf(a, "ongoing-request=\"false\", expiry-date=\"%s\"", d));
}

bool s3__wants_restore_status(const val_t *in)
{
    const val_t *l = val_get(in, "OptionalObjectAttributes");
    for (size_t i = 0; l && l->kind == VAL_LIST && i < l->u.list.n; i++)
        if (l->u.list.v[i]->kind == VAL_STR && str_eq_c(l->u.list.v[i]->u.s, "RestoreStatus")) return true;
    return false;
}

void s3__listed_restore(req_t *r, val_t *item, str_t storage_class, int64_t until_us)
{
    /* AWS: present for an archived object that has been restored (a
     * restore is never in progress here: it is done when asked for) */
    if (!str_eq_c(storage_class, "GLACIER") && !str_eq_c(storage_class, "DEEP_ARCHIVE")) return;
    if (until_us <= time_now_us()) return;
    val_t *st = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, st, "IsRestoreInProgress", val_bool(r->arena, false));
    val_set_c(r->arena, st, "RestoreExpiryDate", val_time(r->arena, until_us));
    val_set_c(r->arena, item, "RestoreStatus", st);
}

int s3__archive_check(req_t *r, const s3_obj_t *o, val_t *out, s3_archive_use_t use)
{
    if (!archived(o)) return GR_OK;
    if (o->restore_until_us > time_now_us()) {
        if (out) val_set_c(r->arena, out, "Restore", val_str(r->arena, restore_header(r->arena, o->restore_until_us)));
        return GR_OK;
    }
    if (use == S3_ARCHIVE_HEAD) return GR_OK;
    r->err_extra = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, r->err_extra, "StorageClass", val_str(r->arena, o->at.storage_class));
    if (use == S3_ARCHIVE_COPY)
        return req_fail(r, &S3_ERR_ObjectNotInActiveTierError,
                        "The source object of the COPY action is not in the active tier and is only stored in Amazon "
                        "S3 Glacier.");
    return req_fail(r, &S3_E_InvalidObjectState, "The operation is not valid for the object's storage class");
}

/* AWS: RestoreObject — 202 Accepted for a new restore, 200 OK when a
 * restored copy exists (its expiry moves to the new Days); the copy lapses
 * at the midnight UTC after Days have passed. */
int s3_restore_object(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key"), vid = val_get_str(in, "VersionId");
    if (s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    sqlite3 *db = s3__db(r);
    if (!db) return GR_ERR;
    const val_t *req = val_get(in, "RestoreRequest");
    if (req && str_eq_c(val_get_str(req, "Type"), "SELECT"))
        return req_fail(r, &ERR_NotImplemented, "Restore requests of type SELECT are not implemented by gureum.");
    int64_t days = req ? val_get_int(req, "Days", 0) : 0;
    if (!req || !val_get(req, "Days")) return s3__malformed(r, NULL);
    if (days < 1) return req_fail(r, &S3_E_InvalidArgument, "The restoration period must be at least one day.");
    if (s3__begin(db) != GR_OK) return GR_ERR;
    s3_obj_t o;
    int found = s3__version_get(r, db, bucket, key, vid, &o);
    if (found <= 0 || o.delete_marker) {
        s3__rollback(db);
        return found < 0 ? GR_ERR : s3__no_such_key(r, key);
    }
    if (!archived(&o)) {
        s3__rollback(db);
        r->err_extra = val_new(r->arena, VAL_STRUCT);
        val_set_c(r->arena, r->err_extra, "StorageClass",
                  val_str(r->arena, o.at.storage_class.len ? o.at.storage_class : STR("STANDARD")));
        return req_fail(r, &S3_E_InvalidObjectState, "Restore is not allowed for the object's current storage class");
    }
    int64_t now = time_now_us();
    bool restored = o.restore_until_us > now;
    int64_t until = s3__days_after(now, days);
    int ok = s3__obj_set_restore(db, bucket, key, o.version_id, until) == GR_OK;
    if (!ok || s3__commit(db) != GR_OK) {
        s3__rollback(db);
        return GR_ERR;
    }
    r->resp.status = restored ? 200 : 202;
    return GR_OK;
}
