/* gzip.h — in into a gzip file of stored (uncompressed) blocks, in a. */
#ifndef GR_CORE_GZIP_H
#define GR_CORE_GZIP_H

#include "core/arena.h"
#include "core/str.h"

str_t gzip_stored(arena_t *a, str_t in);

#endif
