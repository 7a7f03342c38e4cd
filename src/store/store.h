/* store.h — durable state: SQLite metadata databases and the blob store.
 *
 * Metadata: one SQLite database per service under DATA/meta/<svc>.db, WAL
 * mode, opened lazily on first use (so start-up never waits for schemas) and
 * migrated with that service's ordered migration scripts. Each event-loop
 * thread gets its own connection (store_db), so no connection is shared
 * between threads.
 *
 * Blobs: bytes written to DATA/tmp/ (fsync'd with --durability strict), then renamed into
 * DATA/blobs/xx/<id>; the metadata row that points at a blob is committed
 * only after the rename, so a crash leaves old-or-new, never half. Blob ids
 * are generated here, never taken from a request, so no client-sent name can
 * become a path. Files in tmp/ and blobs nobody references are collected by
 * store_gc_blobs at start-up.
 *
 * Nothing above src/store/ may assume SQLite beyond the SQL a service writes
 * in its own <svc>_db.c. */
#ifndef GR_STORE_STORE_H
#define GR_STORE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/str.h"

typedef struct store store_t;

typedef enum { DURABILITY_NORMAL, DURABILITY_STRICT } durability_t;

/* One service's schema: migrations[i] brings user_version i to i+1. */
typedef struct {
    const char *service; /* "sts" → DATA/meta/sts.db */
    const char *const *migrations;
    size_t nmigrations;
} store_schema_t;

/* Creates DATA and its subfolders if missing. NULL on failure (logged). */
store_t *store_open(const char *datadir, durability_t d);
void store_close(store_t *s);
const char *store_datadir(const store_t *s);
durability_t store_durability(const store_t *s);

/* This thread's connection to the service's database, opened and migrated on
 * first use; NULL on failure (logged). Closed by store_close / thread exit. */
sqlite3 *store_db(store_t *s, const store_schema_t *schema);
/* sqlite3_prepare_v2 for a connection from store_db, served from the
 * connection's cache of prepared statements when the same SQL text was
 * prepared before and is not in use. Every statement from here goes back
 * through store_release (never sqlite3_finalize), which returns what
 * sqlite3_finalize would: the error of the statement's last step, if any. */
int store_prepare(sqlite3 *db, const char *sql, int nbyte, sqlite3_stmt **st, const char **tail);
int store_release(sqlite3_stmt *st);

/* A number that differs whenever the connection's database has changed
 * since the last call: a commit of another connection (SQLite's
 * data_version) or a row written through this one. For work derived from
 * the tables that is redone only when they change. */
uint64_t store_version(sqlite3 *db);

/* Convenience: run SQL with no result rows; GR_OK / GR_ERR (logged). */
int store_exec(sqlite3 *db, const char *sql);
/* Binds s as TEXT, or NULL when s is STR_NULL; as BLOB ("" for STR_NULL),
 * for keys that must compare byte by byte. Neither copies: s must outlive
 * the statement's step. */
void store_bind_str(sqlite3_stmt *st, int i, str_t s);
void store_bind_blob(sqlite3_stmt *st, int i, str_t s);
/* Column i's text copied into a; STR_NULL for SQL NULL. */
str_t store_col_str(arena_t *a, sqlite3_stmt *st, int i);
/* store_prepare of sql (NUL-terminated), or NULL with the error logged
 * (naming the database file). */
sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql);

/* One statement with text parameters ?1.. from args (NULL binds NULL) and
 * no result rows: whether it ran (a failure is logged by store_stmt or
 * left to the caller's transaction). STORE_RUN passes its arguments as
 * the array. */
bool store_run(sqlite3 *db, const char *sql, const char *const *args, size_t n);
#define STORE_RUN(db, sql, ...)                                                                                        \
    store_run(db, sql, (const char *const[]){__VA_ARGS__},                                                             \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* ==== Blobs ==== */
typedef struct blob_writer blob_writer_t;

/* Starts a blob: a temp file in DATA/tmp. NULL on failure. */
blob_writer_t *blob_begin(store_t *s);
int blob_write(blob_writer_t *w, const void *p, size_t n);
/* Strict durability: fsync (and the directory after the rename, so the blob
 * survives power loss); the default relies on the page cache, which survives
 * kill -9 of the process. Then rename into
 * place, copy its id (32 hex chars + NUL) to id. Frees w. */
int blob_commit(blob_writer_t *w, char id[33]);
void blob_abort(blob_writer_t *w); /* unlinks the temp file, frees w */
/* Opens a committed blob for reading; -1 if missing. The fd may share its
 * file position with other fds of the same blob (blob.c keeps small blobs
 * open), so read it with pread or sendfile at explicit offsets, never read(2). */
int blob_open(store_t *s, const char *id, off_t *size);
int blob_delete(store_t *s, const char *id);
/* Removes temp files and every blob for which live(id, ud) is false. Returns
 * the number removed. */
int store_gc_blobs(store_t *s, bool (*live)(const char *id, void *ud), void *ud);

/* The SQLite VFS store connections use (shm.c): the unix VFS with WAL-index
 * locks kept in process memory. NULL if it could not be set up. */
const char *store__vfs(void);

#endif
