/* xml.h — a small XML reader and writer for the XML protocols (query, ec2, rest-xml).
 *
 * xml_parse turns a request body into an element tree in the request arena:
 * elements, attributes, character data (entities and CDATA resolved). Names
 * keep their prefixes as written ("xsi:type"); xml_local() strips them, which
 * is how the protocol walkers match names, because AWS documents use one
 * default namespace and clients pick prefixes freely. It refuses DOCTYPE (so
 * no entity expansion or external fetches can happen), nests at most
 * XML_MAX_DEPTH deep, takes XML_MAX_ATTRS attributes per element and reads at
 * most XML_MAX_DOC bytes, so hostile bodies cost bounded memory and time. The writer half appends escaped XML to a
 * buf_t. */
#ifndef GR_PROTOCOL_XML_H
#define GR_PROTOCOL_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

#define XML_MAX_DEPTH 64
#define XML_MAX_DOC (32u << 20)
#define XML_MAX_ATTRS 64 /* per element; AWS documents use one or two */

typedef struct {
    str_t name;  /* as written, prefix included */
    str_t value; /* entities resolved */
} xml_attr_t;

typedef struct xml_node xml_node_t;
struct xml_node {
    str_t name;        /* as written, prefix included: "xsi:type", "Key" */
    str_t text;        /* this element's own character data, concatenated; "" when none */
    xml_attr_t *attrs; /* xmlns declarations included */
    size_t nattrs;
    xml_node_t *child; /* first child element */
    xml_node_t *next;  /* next sibling element */
    size_t nchildren;
};

/* Parses a whole document. Returns GR_OK with *root set, or GR_ERR with *err
 * pointing at a static message (malformed, DOCTYPE, too deep, too big, or the
 * arena's budget ran out). */
int xml_parse(arena_t *a, str_t doc, xml_node_t **root, const char **err);

/* The name without its prefix: "xsi:type" -> "type". */
str_t xml_local(str_t name);
/* First child whose local name is `local`, or NULL. */
xml_node_t *xml_child(const xml_node_t *n, str_t local);
/* The attribute's value by exact (prefixed) name, else by local name; STR_NULL when absent. */
str_t xml_attr(const xml_node_t *n, str_t name);

/* ==== writer ==== */
/* Escapes for element content (& < > and CR, which a parser would otherwise
 * normalise away) or, with attr, for a double-quoted attribute value. */
void xml_escape(buf_t *b, str_t s, bool attr);
/* "<?xml version="1.0" encoding="UTF-8"?>\n" */
void xml_decl(buf_t *b);
/* "<name" — attributes may follow with xml_attr_put, then xml_open_end. */
void xml_open_start(buf_t *b, str_t name);
void xml_attr_put(buf_t *b, str_t name, str_t value);
void xml_open_end(buf_t *b);
/* "<name>" and "</name>" */
void xml_open(buf_t *b, str_t name);
void xml_close(buf_t *b, str_t name);
/* "<name>escaped text</name>" */
void xml_text_elem(buf_t *b, str_t name, str_t text);

/* ==== shared by the XML protocols (query.c, ec2.c, restxml.c) ====
 * These walk the model; declared here because only the three XML protocol
 * files use them. */
#include "protocol/internal.h"

/* Naming of form keys in query-protocol requests. */
typedef enum { FORM_QUERY, FORM_EC2 } form_naming_t;

/* Reads a form-encoded request (query string, then body) into `in` by the
 * operation's input shape: Member.N, Member.member.N, maps as
 * Name.entry.N.key/value or flattened. */
int proto__form_parse(const svc_model_t *m, const op_t *op, const wire_req_t *w, arena_t *a, val_t *in,
                      proto_fail_t *fail, form_naming_t naming);

/* The element name of a member in an XML document: its locationName (for a
 * flattened list, the list member's), else the member name. */
str_t proto__xml_member_name(const member_t *m);
/* Times in the XML this thread writes from now on carry milliseconds
 * always (rest-xml, EC2) or only when they have some (query). */
void proto__xml_ts_millis(bool on);
/* Writes the members of structure shape s found in v as child elements;
 * only LOC_BODY members, skipping xmlAttribute ones (written by the caller's
 * start tag through proto__xml_write_attrs). */
void proto__xml_write_members(buf_t *b, arena_t *a, const shape_t *s, const val_t *v);
/* Writes the xmlAttribute members of s found in v as attributes of an open start tag. */
void proto__xml_write_attrs(buf_t *b, arena_t *a, const shape_t *s, const val_t *v);
/* Writes v as element `name` by member m (its shape, flattening, namespace). */
void proto__xml_write_member(buf_t *b, arena_t *a, const member_t *m, str_t name, const val_t *v);
/* Writes a value with no shape (error extras): structs as child elements, lists repeated. */
void proto__xml_write_untyped(buf_t *b, arena_t *a, str_t name, const val_t *v);
/* Extra members of an error document (after Code and Message), typed by the
 * error's shape when the model has one, so timestamps and lists come out as
 * the client expects. */
void proto__xml_write_error_extra(buf_t *b, arena_t *a, const svc_model_t *m, const aws_errdef_t *e,
                                  const val_t *extra);
/* The document namespace: the model's, else http(s)://<prefix>.amazonaws.com/doc/<version>/. */
const char *proto__xml_namespace(const svc_model_t *m, arena_t *a);

#endif
