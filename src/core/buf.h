/* buf.h — a growable byte buffer in an arena, for building responses.
 *
 * Appends after an allocation failure are no-ops and leave `failed` set, so a
 * serializer can write a whole document and check once at the end. */
#ifndef GR_CORE_BUF_H
#define GR_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

typedef struct {
    arena_t *a;
    char *p;
    size_t len, cap;
    bool failed;
} buf_t;

void buf_init(buf_t *b, arena_t *a);
void buf_append(buf_t *b, const void *p, size_t n);
static inline void buf_puts(buf_t *b, const char *s)
{
    buf_append(b, s, strlen(s));
}
static inline void buf_put_str(buf_t *b, str_t s)
{
    buf_append(b, s.p, s.len);
}
void buf_putc(buf_t *b, char c);
/* A Unicode code point (at most 0x10FFFF) in UTF-8. */
void buf_put_utf8(buf_t *b, uint32_t cp);
/* Room for n more bytes in one allocation: a writer that knows about how much
 * it will write spares the doublings, each of which leaves a block behind in
 * the arena. */
void buf_reserve(buf_t *b, size_t n);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents, NUL-terminated (the NUL is not counted). */
str_t buf_str(buf_t *b);

#endif
