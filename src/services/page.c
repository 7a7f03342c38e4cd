/* page.c — one page of a listing from SQL rows (see page.h). Called by the
 * services' List and Describe handlers once their query is prepared and
 * bound; knows no table and no wire format, only the limit + 1 convention. */
#include "services/page.h"

#include "store/store.h"

int64_t page_rows(req_t *r, sqlite3_stmt *st, int64_t limit, val_t *out, const char *member, page_item_fn item,
                  void *ctx)
{
    arena_t *a = r->arena;
    val_t *list = val_new(a, VAL_LIST);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) break;
        val_push(a, list, item(r, st, ctx));
    }
    store_release(st);
    val_set_c(a, out, member, list);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

void page_offset_token(req_t *r, val_t *out, const char *member, int64_t n, int64_t limit, long long off)
{
    if (n > limit) val_set_c(r->arena, out, member, val_cstr(r->arena, arena_printf(r->arena, "%lld", off + limit)));
}
