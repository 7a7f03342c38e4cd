/* stream.c — DynamoDB Streams records: written by ddb__item_write in the
 * item write's transaction (so a record exists exactly when the write
 * committed), read by the dynamodbstreams service through stream.h.
 * One shard per stream label; sequence numbers are ddb_stream.seq, so the
 * records of an item are in write order. Records older than 24 h are trimmed. */
#include <sqlite3.h>
#include <string.h>

#include "core/gtime.h"
#include "services/dynamodb/tbl.h"

int ddb__stream_record(req_t *r, sqlite3 *db, const ddb_table_t *t, const val_t *keys, const val_t *old,
                       const val_t *neu)
{
    arena_t *a = r->arena;
    const char *event = !old ? "INSERT" : !neu ? "REMOVE" : "MODIFY";
    bool want_old = str_eq_c(t->stream_view, "OLD_IMAGE") || str_eq_c(t->stream_view, "NEW_AND_OLD_IMAGES");
    bool want_new = str_eq_c(t->stream_view, "NEW_IMAGE") || str_eq_c(t->stream_view, "NEW_AND_OLD_IMAGES");
    buf_t kb, ob, nb;
    buf_init(&kb, a);
    buf_init(&ob, a);
    buf_init(&nb, a);
    ddb_item_encode(a, keys, &kb);
    size_t size = ddb_item_size(keys);
    if (want_old && old) {
        ddb_item_encode(a, old, &ob);
        size += ddb_item_size(old);
    }
    if (want_new && neu) {
        ddb_item_encode(a, neu, &nb);
        size += ddb_item_size(neu);
    }
    sqlite3_stmt *st = ddb__stmt(db, "INSERT INTO ddb_stream (tid, label, created_us, event, keys, old, new, size) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, t->tid);
    sqlite3_bind_text(st, 2, t->stream_label.p, (int)t->stream_label.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, time_now_us());
    sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, kb.p ? kb.p : "", (int)kb.len, SQLITE_STATIC);
    if (ob.len)
        sqlite3_bind_blob(st, 6, ob.p, (int)ob.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    if (nb.len)
        sqlite3_bind_blob(st, 7, nb.p, (int)nb.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, (int64_t)size);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GR_OK : GR_ERR;
}
