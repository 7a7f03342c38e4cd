/* gzip.h — bytes deflated and inflated with zlib: gzip members (RFC 1952)
 * for the files gureum writes for others to read, and HTTP's gzip and
 * deflate content codings (RFC 9110 §8.4.1: deflate is the zlib format of
 * RFC 1950) for request and response bodies. */
#ifndef GR_CORE_GZIP_H
#define GR_CORE_GZIP_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/str.h"

/* in as one gzip member; STR_NULL when zlib fails. */
str_t gzip_of(arena_t *a, str_t in);

/* in as a gzip member (gzip) or a zlib stream (!gzip); STR_NULL on failure. */
str_t deflate_of(arena_t *a, str_t in, bool gzip);

typedef enum {
    INFLATE_OK,
    INFLATE_BAD,     /* not a complete stream of the coding (empty, truncated, corrupt) */
    INFLATE_TOO_BIG, /* more than the limit once inflated */
} inflate_rc_t;

/* Inflates in, sent with the gzip coding (members one after another, read
 * as gzip(1) reads them; bytes after a member that begin no other member
 * are ignored) or deflate (one zlib stream), into *out in a. */
inflate_rc_t inflate_body(arena_t *a, str_t in, bool gzip, size_t limit, str_t *out);

#endif
