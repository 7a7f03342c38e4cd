/* s3_internal.h — what the S3 operation files (bucket.c, object.c, list.c,
 * multipart.c) share: S3's own error definitions, bucket and object rows
 * (s3_db.c over the schema/ migrations), checksums and the object attributes that a
 * PUT stores and a GET/HEAD returns. Handlers see only val_t input/output;
 * object bytes go to the blob store before any row that points at them. */
#ifndef GR_SERVICES_S3_INTERNAL_H
#define GR_SERVICES_S3_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/req.h"
#include "services/body.h"

/* AWS: S3 API reference, "Error responses" → "List of error codes". */
extern const aws_errdef_t S3_E_InvalidBucketName, S3_E_BucketNotEmpty, S3_E_IllegalLocationConstraint,
    S3_E_InvalidLocationConstraint, S3_E_BadDigest, S3_E_InvalidDigest, S3_E_InvalidRange, S3_E_PreconditionFailed,
    S3_E_NotModified, S3_E_InvalidPart, S3_E_InvalidPartOrder, S3_E_EntityTooSmall, S3_E_KeyTooLong, S3_E_MalformedXML,
    S3_E_InvalidArgument, S3_E_InvalidPartNumber, S3_E_InvalidObjectState, S3_E_InvalidTag;

#define S3_MIN_PART (5u << 20) /* AWS: every part but the last is at least 5 MiB */
/* A PUT body up to this size is kept in the object's row (s3_obj_t.data)
 * instead of a blob file: a commit is far cheaper than creating, renaming
 * and later unlinking a file, and SQLite reads such rows as fast as files. */
#define S3_INLINE_MAX (64u << 10)

/* Object attributes kept with an object (and with an upload until it
 * completes): content headers, storage class, user metadata, checksum. */
typedef struct {
    str_t content_type, content_encoding, content_disposition, content_language, cache_control, storage_class;
    int64_t expires_us; /* 0: none */
    str_t meta;         /* "name:value\n" lines, names lower-case */
    str_t checksum_algo, checksum;
    str_t sse;      /* server-side encryption, sse.c's stored form (its own column, not in s3__attrs_bind) */
    str_t redirect; /* x-amz-website-redirect-location (its own column too); STR_NULL: none (website.c) */
} s3_attrs_t;

typedef struct {
    str_t blob; /* blob id (NUL-terminated); "" when the bytes are data */
    str_t data; /* a small object's bytes, kept in its row; STR_NULL: in blob files */
    int64_t size;
    str_t etag; /* quoted */
    int64_t modified_us;
    int64_t parts;        /* > 0: completed from this many parts */
    str_t part_sizes;     /* their sizes, "n1,n2,…" */
    str_t part_blobs;     /* their blobs, "id1,id2,…" (the object is its parts); STR_NULL: one blob */
    str_t part_checksums; /* their checksums (at.checksum_algo), "c1,c2,…"; STR_NULL: none kept */
    s3_attrs_t at;
    str_t version_id; /* STR_NULL: the null version */
    str_t tags;       /* "k=v&…" URL-encoded (x-amz-tagging form); STR_NULL: none */
    str_t lock_mode;  /* GOVERNANCE | COMPLIANCE | STR_NULL */
    int64_t lock_until_us;
    bool legal_hold;
    bool delete_marker;       /* a version row that is a delete marker */
    int64_t restore_until_us; /* archived: its restored copy is readable until then; 0: none (restore.c) */
    str_t replication;        /* x-amz-replication-status: COMPLETED, FAILED, REPLICA; STR_NULL: none (replication.c) */
} s3_obj_t;

sqlite3 *s3__db(req_t *r);
/* abac.c: whether the bucket's ABAC is Enabled (GR_ERR: the store failed);
 * and its tags (TagSet, a list of {Key, Value}, in r's arena) when it is
 * Enabled and the bucket has any, else NULL — what aws:ResourceTag/KEY sees. */
int s3__abac_enabled(req_t *r, sqlite3 *db, str_t bucket, bool *on);
const val_t *s3__abac_tags(req_t *r, sqlite3 *db, str_t bucket);
/* Bucket of this name owned by the caller: GR_OK (region copied to *region
 * when non-NULL), else the request fails with NoSuchBucket / AccessDenied. */
int s3__bucket(req_t *r, str_t name, str_t *region);
/* s3__bucket, also giving the bucket owner's account. */
/* bcache.c: each loop's cache of bucket rows and configuration documents.
 * Every writer of s3_bucket, s3_bucket_config or s3_bucket_versioning must
 * call s3__bcache_changed after the write (one that does not leaves other
 * loops serving the old facts until the next change); s3__commit and
 * s3__rollback end the transaction's part. */
uint64_t s3__bcache_gen(sqlite3 *db); /* read before the SELECT whose result is put */
void s3__bcache_changed(sqlite3 *db);
void s3__bcache_txn_begin(void);
void s3__bcache_txn_end(void);
bool s3__bcache_owner(req_t *r, str_t bucket, str_t *account, str_t *region);
void s3__bcache_put_owner(uint64_t gen, str_t bucket, str_t account, str_t region);
int s3__bcache_cfg(req_t *r, str_t bucket, int max, str_t *kind, str_t *doc); /* -1: not held */
int s3__bcache_vers(str_t bucket, bool *lock);                                /* -2: not held */
void s3__bcache_put_vers(uint64_t gen, str_t bucket, int vers, bool lock);
void s3__bcache_put_cfg(uint64_t gen, str_t bucket, int n, const str_t *kind, const str_t *doc);
int s3__bucket_owned(req_t *r, str_t name, str_t *region, str_t *owner);
/* The same for a copy's source: its bucket exists and the caller may read key
 * (version vid, or STR_NULL) there. */
int s3__bucket_source(req_t *r, str_t name, str_t key, str_t vid);
int s3__no_such_key(req_t *r, str_t key);
/* AWS: a version id of the right form that names no version: 404 NoSuchVersion naming Key and VersionId */
int s3__no_such_version(req_t *r, str_t key, str_t vid);
/* A copy's source is a delete marker: InvalidRequest when the request named
 * its version id, else NoSuchKey (AWS). */
int s3__copy_from_marker(req_t *r, str_t key, str_t vid);
/* A copy's source as s3__version_get found it (found 0 or 1): GR_OK when it
 * can be copied, else fails r as AWS does (NoSuchKey, NoSuchVersion for a
 * version id, a delete marker). */
int s3__copy_source_found(req_t *r, int found, const s3_obj_t *src, str_t key, str_t vid);
/* Fails r with e and msg, naming the argument at fault as S3 does
 * (ArgumentName, ArgumentValue in the error). */
int s3__bad_arg(req_t *r, const aws_errdef_t *e, const char *name, str_t value, const char *msg);
/* Fails r with S3's "did not validate against our published schema": e, or
 * MalformedXML when e is NULL (MalformedACLError shares the text). */
int s3__malformed(req_t *r, const aws_errdef_t *e);
/* One tag of a bucket's or an object's set, checked as AWS does (InvalidTag
 * naming TagKey, and TagValue when that is at fault); a key given twice. */
int s3__tag_check(req_t *r, str_t k, str_t v, bool bucket);
int s3__tag_duplicate(req_t *r, str_t k);
/* Requester Pays (payment.c): AccessDenied for a caller outside
 * owner_account unless the bucket is BucketOwner-pays or the caller confirmed
 * with x-amz-request-payer: requester. */
int s3__requester_pays_check(req_t *r, str_t bucket, str_t owner_account);
int s3__begin(sqlite3 *db);
int s3__begin_read(sqlite3 *db); /* BEGIN (deferred): a read of one snapshot */
int s3__commit(sqlite3 *db);
void s3__rollback(sqlite3 *db);

/* Columns of an object row in s3_object and s3_version, in s3__obj_read's order. */
extern const char S3_OBJ_COLS[];
void s3__obj_read(req_t *r, sqlite3_stmt *st, int first, s3_obj_t *o);

/* ==== archived storage classes (restore.c) ==== */
/* Listings: whether x-amz-optional-object-attributes asks for
 * RestoreStatus, and an item's RestoreStatus (an archived object's restored
 * copy, until it lapses). */
bool s3__wants_restore_status(const val_t *in);
void s3__listed_restore(req_t *r, val_t *item, str_t storage_class, int64_t until_us);
/* An object of GLACIER or DEEP_ARCHIVE is read only through a restored copy
 * (RestoreObject): when reading its bytes, GR_OK if o can be read now, else
 * InvalidObjectState (ObjectNotInActiveTierError for a copy's source, as
 * CopyObject's model names it). out: a GET's or HEAD's answer, given Restore
 * (x-amz-restore) when o has a restored copy, or NULL. */
typedef enum { S3_ARCHIVE_HEAD, S3_ARCHIVE_READ, S3_ARCHIVE_COPY } s3_archive_use_t;
int s3__archive_check(req_t *r, const s3_obj_t *o, val_t *out, s3_archive_use_t use);
/* AWS: the midnight UTC after `days` days from t (lifecycle expirations and
 * transitions, restored copies); GUREUM_TESTING builds may shorten a day,
 * and then it is t + days days (lifecycle.c). */
int64_t s3__days_after(int64_t t_us, int64_t days);
/* How long a day lasts (scaled in test builds, lifecycle.c); a request of
 * a bucket owner's root for S3's background work, in an arena of its own
 * (arena_free(r->arena) ends it); the inventory reports that are due
 * (inventory.c, from the lifecycle runner). */
struct app;
int64_t s3__day_us(void);
/* Publishes the day's storage metrics of every bucket to CloudWatch when
 * they are not yet (metrics.c); s3_tick, on the ticker thread. */
void s3__storage_metrics_tick(struct app *app);
req_t *s3__owner_req(struct app *app, str_t account, str_t region);
void s3__inventory_run(struct app *app, int64_t now);
extern const char *const s3__inventory_fields[]; /* an inventory's optional fields, NULL-ended */
/* Server access logs (serverlog.c): a logging configuration changed (put,
 * or its bucket deleted), so the sources are read again; the delivery
 * round, when one is due (from s3_tick). Whether the log-delivery service
 * may write key into target for source (logging.c). */
void s3__serverlog_changed(void);
/* S3's request metrics (reqmetrics.c): counts r, answered for bucket, for
 * each of the bucket's metrics configurations it matches; and, when a
 * metrics configuration or a bucket changes, makes the next count read them
 * again. */
void s3__reqmetrics_count(req_t *r, str_t bucket);
void s3__reqmetrics_changed(void);
void s3__serverlog_tick(struct app *app);
bool s3__log_delivery_allowed(req_t *r, sqlite3 *db, str_t target, str_t key, str_t source, str_t source_account);
/* key URL-encoded as an HTML form does (spaces as '+'), as S3's event
 * records and inventory reports carry keys (notify.c). */
str_t s3__form_encode(arena_t *a, str_t key);
/* Sets the restored copy's end on the row of (bucket, key, version vid), the
 * current version's or an older one's; inside the caller's transaction. */
int s3__obj_set_restore(sqlite3 *db, str_t bucket, str_t key, str_t vid, int64_t until_us);
/* Moves an object version to storage class sc in place (a lifecycle
 * transition): vid NULL, the current version if it is still the one
 * modified at modified_us; else the noncurrent version *vid (STR_NULL: the
 * null version). */
int s3__set_class(sqlite3 *db, str_t bucket, str_t key, const str_t *vid, int64_t modified_us, str_t sc);

/* ==== versions (version.c) ==== */
typedef enum { S3_VERS_NONE, S3_VERS_ENABLED, S3_VERS_SUSPENDED } s3_vers_t;
/* The bucket's versioning state; -1 on error. lock: object lock enabled. */
int s3__versioning(req_t *r, sqlite3 *db, str_t bucket, bool *lock);
/* Inside the caller's transaction: o becomes the current version of key (its
 * version_id set by the bucket's state); blobs no row names any more are
 * appended to *drop ("id,…"), for s3__blobs_drop after commit. */
int s3__version_put(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o, str_t *drop);
/* Replication: a replica o keeping its version id, or (o NULL) a delete
 * marker of version id vid, becomes the newest version of key. */
int s3__version_put_replica(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o, str_t vid, str_t *drop);
/* The version vid of key ("null" = the null version; STR_NULL = current).
 * 1 found (o->delete_marker tells a marker), 0 absent, -1 error. */
int s3__version_get(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid, s3_obj_t *o);
/* Whether key has no current object because its latest version is a delete
 * marker: 1 yes (*vid = its version id, STR_NULL for the null version), 0 no,
 * -1 error. */
int s3__current_delete_marker(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *vid);
/* Rewrites the tags, lock fields and encryption of version vid (STR_NULL:
 * current) of key. */
int s3__version_update(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o);
/* The version an object-subresource call (tagging, encryption) names by its
 * Bucket, Key and VersionId, with the database; fails the request as AWS
 * does for a missing key or version or a delete marker. */
int s3__object_target(req_t *r, const val_t *in, sqlite3 **db, s3_obj_t *o);
/* Whether a bucket holds any version or delete marker. 1 yes, 0 no, -1 error. */
int s3__bucket_has_versions(sqlite3 *db, str_t bucket);
/* DELETE of key (vid: that version for good; STR_NULL: by the bucket's
 * state, which may leave a delete marker); fills DeleteMarker/VersionId. */
int s3__version_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid, str_t *drop, val_t *out);
/* Object tags: x-amz-tagging ("k=v&…") checked and normalised into *enc;
 * the TagSet value of an encoded set; how many tags it holds. */
int s3__tags_parse(req_t *r, str_t header, str_t *enc);
val_t *s3__tags_set(req_t *r, str_t enc);
/* x-amz-expiration for an object (a current version) under its bucket's
 * lifecycle rules; STR_NULL when no enabled expiration rule applies (lifecycle.c). */
str_t s3__lifecycle_expiration(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o);
int64_t s3__tags_count(str_t enc);
/* Whether a lifecycle or replication rule's filter (its Prefix, or Filter's
 * Prefix, Tag, sizes or And) covers key's version o; *have caches o's tag set
 * (start with NULL). lifecycle.c */
bool s3__rule_matches(req_t *r, const val_t *rule, str_t key, const s3_obj_t *o, const val_t **have);
/* x-amz-copy-source ("bucket/key[?versionId=v]", URL-encoded). */
bool s3__parse_copy_source(arena_t *a, str_t cs, str_t *bucket, str_t *key, str_t *vid);
/* If-Match & co. (copy: the x-amz-copy-source-if-* variants, all 412). */
int s3__check_conditions(req_t *r, const val_t *in, const s3_obj_t *o, bool copy);
/* Copies bytes [from, from+len) of an object (blobs or data) into a new
 * committed blob; md5 of the copied bytes, and ck's checksum of them when
 * ck is not NULL (UploadPartCopy into an upload with a ChecksumAlgorithm). */
int s3__blob_copy_range(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, char id[33], unsigned char md5[16],
                        body_cksum_t *ck);
/* Hands o's bytes [from, from + len) to fn in order, in pieces of at most
 * 1 MiB (its inline data in one): GR_ERR if a blob is short or fn fails. */
typedef int (*s3_bytes_fn)(void *ctx, const char *p, size_t n);
int s3__obj_bytes(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, s3_bytes_fn fn, void *ctx);

/* ==== replication (replication.c) ==== */
/* After a write committed: replicates the current version of key under the
 * bucket's replication rules (a replica in the destination, its status on
 * the source). */
void s3__replicate(req_t *r, str_t bucket, str_t key);
/* After a DELETE without a version id left delete marker vid: replicates it
 * where the bucket's rules say so. */
void s3__replicate_marker(req_t *r, str_t bucket, str_t key, str_t vid);
/* A replication rule's Destination Bucket "arn:aws:s3:::NAME" → NAME;
 * STR_NULL when it is no bucket ARN (bucket_config.c). */
str_t s3__replication_dest(str_t arn);

/* ==== object lock (lock.c) ==== */
/* CreateBucket: ObjectLockEnabledForBucket turns versioning on with lock. */
int s3__lock_bucket_created(req_t *r, sqlite3 *db, const val_t *in, str_t bucket);
/* A permanent delete of version vid (STR_NULL: none, only a marker is
 * added) refused while a legal hold or an unexpired retention protects it. */
int s3__lock_check_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t vid);
/* A new object's retention and legal hold: from the request's
 * x-amz-object-lock-* headers, else the bucket's default retention. */
int s3__lock_apply(req_t *r, sqlite3 *db, str_t bucket, const val_t *in, s3_obj_t *o);
/* "null" for the null version in versioned buckets */
str_t s3__vid_out(const s3_obj_t *o);
/* A stored ETag ("hex" or "hex-N") without its quotes, as S3 writes it in
 * event messages, inventory reports and GetObjectAttributes. */
str_t s3__etag_bare(str_t etag);

/* Makes bytes [from, from+len) of an object the response body: its data
 * (as out's Body member for an operation's output, else the raw body), its
 * blob by sendfile, or its parts' blobs one after another. */
int s3__obj_body(req_t *r, const s3_obj_t *o, int64_t from, int64_t len, val_t *out);

/* 1 found, 0 absent, -1 error. */
int s3__obj_get(req_t *r, sqlite3 *db, str_t bucket, str_t key, s3_obj_t *o);
/* Inserts or replaces the row (inside the caller's transaction); the blobs of
 * a replaced row come back in *old ("id,id,…", "" if none), for
 * s3__blobs_drop once the transaction committed. */
int s3__obj_put(req_t *r, sqlite3 *db, str_t bucket, str_t key, const s3_obj_t *o, str_t *old);
/* Deletes the row; its blobs in *old ("" when there was none). */
int s3__obj_delete(req_t *r, sqlite3 *db, str_t bucket, str_t key, str_t *old);

/* Content headers, storage class and metadata of a PUT/CreateMultipartUpload/
 * CopyObject input; output members of GET/HEAD from stored attributes. */
void s3__attrs_from_input(req_t *r, const val_t *in, s3_attrs_t *at);
void s3__attrs_to_output(req_t *r, const s3_attrs_t *at, val_t *out);
/* meta.c: a user metadata value as stored from a request header (RFC 2047
 * encoded words decoded), and as answered (RFC 2047 encoded when it holds
 * anything but printable ASCII). */
str_t s3__meta_decode(arena_t *a, str_t v);
str_t s3__meta_encode(arena_t *a, str_t v);
/* Binds at to ?first … ?first+9 in column order content_type, content_encoding,
 * content_disposition, content_language, cache_control, expires_us,
 * storage_class, meta, checksum_algo, checksum. */
void s3__attrs_bind(sqlite3_stmt *st, int first, const s3_attrs_t *at);
void s3__attrs_read(req_t *r, sqlite3_stmt *st, int first, s3_attrs_t *at);

/* If-Match / If-None-Match of a write against key's current object
 * (object.c), inside the write's transaction: 412 or 404 when they fail. */
int s3__put_conditions(req_t *r, sqlite3 *db, str_t bucket, str_t key);

/* ==== server-side encryption (sse.c) ==== */
/* The encryption a write asks for (headers, SSE-C key, else the bucket's
 * default) into *sse; fails the request on a bad or conflicting header. */
int s3__sse_for_write(req_t *r, sqlite3 *db, str_t bucket, const val_t *in, str_t *sse);
/* A read of an object stored with sse (copy_source: the CopySource* SSE-C
 * members): an SSE-C object needs its key; SSE headers on a read are refused. */
int s3__sse_for_read(req_t *r, const val_t *in, str_t sse, bool copy_source);
/* An upload's part or completion: an SSE-C upload's key again. */
int s3__sse_same_key(req_t *r, const val_t *in, str_t sse);
/* x-amz-server-side-encryption* (or SSE-C's algorithm and key MD5) of sse. */
void s3__sse_out(req_t *r, str_t sse, val_t *out);

/* ==== bytes ==== */
str_t s3__col_str(req_t *r, sqlite3_stmt *st, int col); /* copied, NUL-terminated; STR_NULL for NULL */
void s3__cfg_forget(req_t *r); /* drops the request's memo of its bucket's configurations (bucket_config.c) */
/* A modification or creation time as S3 reports it: to the whole second
 * ("2009-10-12T17:50:30.000Z"), as its Last-Modified header does; exact for
 * gureum's own runners (r->internal). */
val_t *s3__time(req_t *r, int64_t us);
bool s3__unb64(arena_t *a, str_t s, str_t *out);
str_t s3__hex(arena_t *a, const unsigned char *p, size_t n);
/* The base64 checksum of a body in hand for algo ("CRC32", "CRC32C",
 * "CRC64NVME", "SHA1", "SHA256"); its MD5 is core/md5.h's md5_of. */
str_t s3__checksum(arena_t *a, const char *algo, const void *p, size_t n);
/* Verifies Content-MD5 and the x-amz-checksum headers of a body against the input and
 * fills algo and value with the checksum to store (given or asked for). Fails
 * the request on a mismatch. md5 receives the body's MD5. */
int s3__verify_body(req_t *r, const val_t *in, str_t body, unsigned char md5[16], str_t *algo, str_t *value);
/* The request's body (streamed to a blob by the dispatcher, or buffered) as
 * a committed blob, after Content-MD5 and x-amz-checksum-* were verified;
 * size, MD5 and the checksum to store come back. The caller owns the blob.
 * With data non-NULL (an object's PUT), a body up to S3_INLINE_MAX comes back
 * in *data instead (id "", no blob) to be kept in the row; else *data is
 * STR_NULL. */
int s3__body_to_blob(req_t *r, const val_t *in, char id[33], str_t *data, int64_t *size, unsigned char md5[16],
                     str_t *algo, str_t *value);
/* ==== multipart checksums (checksum.c) ==== */
/* A checksum algorithm's name in lower case, as AWS's messages give it. */
const char *s3__lower(arena_t *a, str_t algo);
/* "COMPOSITE" for an object checksum "base64-N", else "FULL_OBJECT". */
const char *s3__checksum_type(str_t whole);
/* A listed object's or version's ChecksumAlgorithm (a list of one) and
 * ChecksumType, when it has a checksum (AWS recorded: ListObjects(V2) and
 * ListObjectVersions show both). */
void s3__listed_checksum(req_t *r, val_t *item, str_t algo, str_t whole);
/* CreateMultipartUpload's checksum type from its ChecksumAlgorithm and
 * ChecksumType (STR_NULL when absent): the default for the algorithm, or
 * InvalidRequest for a combination AWS refuses. *out: STR_NULL without an
 * algorithm. */
int s3__checksum_upload_type(req_t *r, str_t algo, str_t type, str_t *out);
/* UploadPart: the part's checksum algorithm (STR_NULL: none) is the
 * upload's, if it has one; else InvalidRequest. */
int s3__checksum_part_matches(req_t *r, str_t upload_algo, str_t part_algo);
/* The whole object's CRC (base64) from its n parts' CRCs (base64) and sizes;
 * STR_NULL when algo is no CRC or a part's value is missing or malformed. */
str_t s3__checksum_full_object(arena_t *a, str_t algo, const str_t *cks, const int64_t *sizes, size_t n);

/* Writes bytes to a new committed blob; id gets its 32 hex chars. */
int s3__blob_put(req_t *r, const void *p, size_t n, char id[33]);
/* Copies blobs src[0..n) end to end into a new blob (CopyObject, completion). */
int s3__blob_concat(req_t *r, const str_t *src, size_t n, char id[33]);
void s3__blob_drop(req_t *r, const char *id);
void s3__blobs_drop(req_t *r, str_t ids); /* "id,id,…" */
/* The blobs an object's bytes are in, in order (1 for a simple object);
 * never called for an object whose bytes are its data. */
size_t s3__obj_blobs(req_t *r, const s3_obj_t *o, str_t **ids, int64_t **sizes);

str_t s3__owner_id(arena_t *a, str_t account); /* canonical user id */
val_t *s3__owner(req_t *r);                    /* {ID, DisplayName} of the caller's account */
val_t *s3__owner_of(req_t *r, str_t account);  /* ... of another account */
/* The Owner a listing shows for an object whose ACL names account acct
 * (empty: none) in a bucket that bucket_acct owns: the writer when that is
 * another account, else the bucket owner (list.c, version.c). Owners are
 * built once per run of equal accounts. */
typedef struct {
    str_t bucket_acct, last_acct;
    val_t *bucket_owner, *last_owner;
} s3_owners_t;
val_t *s3__listed_owner(req_t *r, s3_owners_t *c, str_t acct);

#endif
