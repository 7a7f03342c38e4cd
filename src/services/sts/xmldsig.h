/* xmldsig.h — enough of XML Signature for SAML (STS's AssumeRoleWithSAML):
 * a document tree that keeps what canonicalization needs, Exclusive XML
 * Canonicalization 1.0 (without comments) and the check of an enveloped
 * signature against X.509 certificates.
 *
 * The generic XML reader (protocol/xml.h) keeps an element's text as one
 * string, which is enough for AWS's request documents but not to
 * canonicalize: a signature covers the exact sequence of text and elements,
 * every namespace in scope and attribute values as written. This reader keeps
 * them; it refuses DOCTYPE (no entities to expand) and bounds depth and size.
 * Everything lives in the request arena. */
#ifndef GR_SERVICES_STS_XMLDSIG_H
#define GR_SERVICES_STS_XMLDSIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"

typedef struct dsig_node dsig_node_t;
typedef struct {
    str_t name; /* as written: "xmlns:saml", "ID" */
    str_t value;
} dsig_attr_t;
struct dsig_node {
    enum { DSIG_ELEM, DSIG_TEXT, DSIG_PI } kind;
    str_t name;         /* element qname, or PI target */
    str_t text;         /* character data (references resolved), or PI data */
    dsig_attr_t *attrs; /* namespace declarations included */
    size_t nattrs;
    dsig_node_t *parent, *first, *next;
};

/* The document's root element, or NULL with *err set (a static message). */
dsig_node_t *dsig_parse(arena_t *a, str_t doc, const char **err);

/* The namespace URI an element's prefix (STR("") for the default) is bound
 * to where it stands; "" when unbound. */
str_t dsig_ns_of(const dsig_node_t *e, str_t prefix);
/* The element's local name and namespace URI. */
str_t dsig_local(const dsig_node_t *e);
str_t dsig_ns(const dsig_node_t *e);
/* The value of attribute name (as written, unprefixed for SAML's); STR_NULL if none. */
str_t dsig_attr(const dsig_node_t *e, const char *name);
/* The first child element with this namespace and local name, or NULL. */
dsig_node_t *dsig_child(const dsig_node_t *e, const char *ns, const char *local);
/* The concatenated text of the element's text children. */
str_t dsig_text(arena_t *a, const dsig_node_t *e);

/* Exclusive C14N 1.0 of the subtree at e into b, leaving out the subtree at
 * skip (the enveloped Signature; NULL for none); inclusive is the
 * InclusiveNamespaces PrefixList ("#default" for the default namespace). */
void dsig_exc_c14n(buf_t *b, const dsig_node_t *e, const dsig_node_t *skip, str_t inclusive);

/* Checks the ds:Signature child of element e: it must be enveloped, its one
 * Reference must point at e by e's ID, its digest must match e's
 * canonical form and its SignatureValue must verify with one of the PEM or
 * DER-base64 certificates certs[0..n). true when all hold; otherwise false
 * with *why (a static message). */
bool dsig_verify(arena_t *a, const dsig_node_t *e, const str_t *certs_b64, size_t n, const char **why);

#endif
