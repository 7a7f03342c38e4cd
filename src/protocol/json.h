/* json.h (protocol) — the glue between JSON text (core/json.h) and val_t
 * trees shaped by the model, shared by the json and rest-json protocols. */
#ifndef GR_PROTOCOL_JSON_H
#define GR_PROTOCOL_JSON_H

#include "core/json.h"
#include "protocol/proto.h"

/* ==== protocol glue shared by jsonproto.c and restjson.c ==== */
/* Converts a parsed JSON value to a val_t by shape; GR_ERR fills fail with a
 * SerializationException-style message. path names the member for messages. */
int proto__json_to_val(const shape_t *s, const member_t *mb, const json_t *j, arena_t *a, val_t **out,
                       proto_fail_t *fail, const char *path);
/* Reads the members of structure s present in JSON object j into `in` (only
 * body members when body_only). */
int proto__json_read_struct(const shape_t *s, const json_t *j, arena_t *a, val_t *in, bool body_only,
                            proto_fail_t *fail, const char *path);
/* Writes v by shape s (NULL s: by v's own kinds). body_only: skip members
 * bound to headers, URI or status code (rest-json). */
void proto__json_write_val(json_w_t *w, const shape_t *s, const member_t *mb, const val_t *v, bool body_only);
/* The error body and headers shared by json and rest-json. */
str_t proto__crc32_text(arena_t *a, str_t body);

#endif
