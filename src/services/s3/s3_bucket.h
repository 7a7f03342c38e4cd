/* s3_bucket.h — what the bucket-configuration files share (bucket_config.c,
 * access.c, notify.c, website.c, lifecycle.c) and the hooks the object path
 * calls: access checks for other accounts and anonymous callers, event
 * notifications after a write. A configuration is the parsed input document
 * of its Put operation, stored as JSON per bucket and kind; Get answers it. */
#ifndef GR_SERVICES_S3_BUCKET_H
#define GR_SERVICES_S3_BUCKET_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"

/* ==== stored configurations (bucket_config.c) ==== */
/* The stored document of kind ("cors", "policy", …) into *doc: 1 found, 0
 * absent, -1 error. */
int s3_cfg_get(req_t *r, sqlite3 *db, str_t bucket, const char *kind, val_t **doc);
/* Stores (doc != NULL) or deletes (doc == NULL) one configuration. */
int s3_cfg_put(req_t *r, sqlite3 *db, str_t bucket, const char *kind, const val_t *doc);
/* The same for an object's ACL. */
int s3_obj_acl_get(req_t *r, sqlite3 *db, str_t bucket, str_t key, val_t **doc);
int s3_obj_acl_put(req_t *r, sqlite3 *db, str_t bucket, str_t key, const val_t *doc);
str_t s3_val_to_json(arena_t *a, const val_t *v);
val_t *s3_val_from_json(arena_t *a, str_t text);
/* Owner account and region of a bucket: 1 found, 0 absent, -1 error. */
int s3_bucket_owner(req_t *r, sqlite3 *db, str_t bucket, str_t *account, str_t *region);
/* Fails r with NoSuchBucket / AccessDenied unless the caller owns the bucket
 * (configuration operations are the owner's). */
int s3_bucket_owned(req_t *r, str_t bucket);

/* ==== access (access.c) ==== */
/* Called by s3__bucket when the caller is not in the owner's account (or is
 * anonymous), and for same-account callers to apply explicit denies: GR_OK
 * when the bucket policy or an ACL grants r->op, else AccessDenied. */
int s3_access_check(req_t *r, str_t bucket, str_t owner_account);
/* The same for reading a copy's source object key (version vid, or STR_NULL). */
int s3_access_check_source(req_t *r, str_t bucket, str_t owner_account, str_t key, str_t vid);
/* Whether an anonymous caller (r->who) may GetObject key (website endpoint). */
bool s3_anonymous_may_get(req_t *r, str_t bucket, str_t owner_account, str_t key);
/* Whether an anonymous caller may ListBucket (a missing key is then 404
 * NoSuchKey rather than 403 AccessDenied). */
bool s3_anonymous_may_list(req_t *r, str_t bucket, str_t owner_account);
/* The ACL a canned name or x-amz-grant-* headers of in describe (NULL: none
 * given), owned by owner_account. Fails r on a bad grant. */
int s3_acl_from_input(req_t *r, const val_t *in, str_t owner_account, val_t **acl);
/* Fails r with InvalidBucketAclWithObjectOwnership when the bucket's
 * ownership is BucketOwnerEnforced and acl (a new bucket's) grants anyone but
 * the owner. */
int s3__acl_refused(req_t *r, sqlite3 *db, str_t bucket, const val_t *acl);
/* The same when the bucket's stored ACL grants anyone but the owner (before
 * its ownership becomes BucketOwnerEnforced). */
int s3__enforce_refused(req_t *r, sqlite3 *db, str_t bucket);
/* Whether the bucket's ObjectOwnership is BucketOwnerEnforced: its ACLs
 * are disabled and grant nothing. */
bool s3__acls_disabled(req_t *r, sqlite3 *db, str_t bucket);
/* AccessDenied when the bucket's BlockPublicAcls is on and acl is public. */
int s3__acl_blocked(req_t *r, sqlite3 *db, str_t bucket, const val_t *acl);
/* Whether the bucket's policy (or a policy text) is public: an unconditioned
 * Allow for Principal "*" (bucket_config.c). */
bool s3_policy_public(req_t *r, sqlite3 *db, str_t bucket);
bool s3_policy_text_public(arena_t *a, str_t text);
/* Whether the bucket's ACL grants AllUsers or AuthenticatedUsers anything. */
bool s3_bucket_acl_public(req_t *r, sqlite3 *db, str_t bucket);
/* An object write's ACL from its headers, stored (inside the write's
 * transaction for PutObject, after it for the other writes). */
int s3_object_acl_from_put(req_t *r, str_t bucket, str_t key, const val_t *in);
/* For CreateMultipartUpload: the account that will own the object and its
 * ACL as JSON (STR_NULL: the bucket owner's default), fixed now by the
 * bucket's ownership controls and in's ACL headers. */
int s3_upload_acl(req_t *r, str_t bucket, const val_t *in, str_t *owner_account, str_t *acl_json);

/* ==== notifications (notify.c) ==== */
/* Sends the bucket's configured event notifications for event
 * ("ObjectCreated:Put", "ObjectRemoved:Delete", …) on key. Never fails the
 * request: delivery errors are logged. */
void s3_notify(req_t *r, str_t bucket, str_t key, const char *event, int64_t size, str_t etag, str_t version_id);
/* The object path's hooks, called after a committed write or delete: keep
 * the object's ACL (x-amz-acl, x-amz-grant-*) and send the notifications. */
void s3_object_written(req_t *r, str_t bucket, str_t key, const val_t *in, const char *event, int64_t size, str_t etag);
/* version_id: the version removed or the marker made (STR_NULL if none);
 * marker: the delete made a delete marker. */
void s3_object_removed(req_t *r, str_t bucket, str_t key, const char *event, str_t version_id, bool marker);

/* ==== lifecycle (lifecycle.c) ==== */
struct app;
/* Runs the lifecycle rules of every bucket if the period has passed (called
 * on each bucket access); s3_lifecycle_run does it now. */
void s3_lifecycle_tick(struct app *app);
void s3_lifecycle_run(struct app *app, int64_t now_us);

/* ==== CORS (cors.c) ==== */
/* Adds the Access-Control-* headers of the rule that matches the request's
 * Origin to r->resp (after serialization). */
void s3_cors_headers(req_t *r, str_t bucket);

#endif
