/* gzip.h — in as a gzip member in a (zlib); STR_NULL when zlib fails. */
#ifndef GR_CORE_GZIP_H
#define GR_CORE_GZIP_H

#include "core/arena.h"
#include "core/str.h"

str_t gzip_of(arena_t *a, str_t in);

#endif
