/* page.h — one page of a List or Describe answer read from SQL rows, for the
 * services whose listings page through their tables (EventBridge, CloudWatch
 * Logs). The service's query asks for limit + 1 rows: the extra row is never
 * listed, it only says that a next page exists. The service builds each item
 * and names the members, so the token stays its own (a row offset, the last
 * name or id returned); page_offset_token writes the usual offset one. */
#ifndef GR_SERVICES_PAGE_H
#define GR_SERVICES_PAGE_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/req.h"

/* The answer's item for the row st is on (in r's arena); ctx is the caller's. */
typedef val_t *(*page_item_fn)(req_t *r, sqlite3_stmt *st, void *ctx);

/* Steps st and sets member of out to the list of item(r, st, ctx) for its
 * first limit rows, then releases st. Returns the rows read, limit + 1 when
 * there is a next page, or -1 when a step failed (the list then holds the
 * rows before it). */
int64_t page_rows(req_t *r, sqlite3_stmt *st, int64_t limit, val_t *out, const char *member, page_item_fn item,
                  void *ctx);

/* When page_rows read n > limit rows from offset off: member of out is the
 * next page's offset, off + limit, in decimal. */
void page_offset_token(req_t *r, val_t *out, const char *member, int64_t n, int64_t limit, long long off);

#endif
