/* loopaddr.c — picking a free host loopback address of a block (see
 * loopaddr.h), for the service that owns the block, in its own store. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "services/loopaddr.h"
#include "store/store.h"

const char *loopaddr_pick(arena_t *a, sqlite3 *db, const char *block, const char *taken_sql)
{
    sqlite3_stmt *st = store_stmt(db, taken_sql);
    if (!st) return NULL;
    const char *found = NULL;
    for (unsigned k = 1; k < 65535 && !found; k++) {
        if ((k & 255) == 0 || (k & 255) == 255) continue;
        const char *ip = arena_printf(a, "%s.%u.%u", block, k >> 8, k & 255);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            found = ip;
        else if (rc != SQLITE_ROW)
            break;
    }
    store_release(st);
    return found;
}

const char *loopaddr_by_name(arena_t *a, sqlite3 *db, const char *sql, const char *name)
{
    sqlite3_stmt *st = store_stmt(db, sql);
    if (!st) return NULL;
    size_t len = strlen(name);
    sqlite3_bind_text(st, 1, name, len && name[len - 1] == '.' ? (int)len - 1 : (int)len, SQLITE_STATIC);
    const char *ip = sqlite3_step(st) == SQLITE_ROW ? arena_strdup(a, (const char *)sqlite3_column_text(st, 0)) : NULL;
    store_release(st);
    return ip;
}
