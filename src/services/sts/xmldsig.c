/* xmldsig.c — the XML tree, Exclusive XML Canonicalization 1.0 and the
 * enveloped-signature check that AssumeRoleWithSAML (saml.c) relies on; see
 * xmldsig.h. References: W3C "Exclusive XML Canonicalization Version 1.0",
 * "Canonical XML Version 1.0" §2.3 (the serialization), "XML Signature
 * Syntax and Processing" (enveloped signatures, the algorithm URIs). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "services/sts/xmldsig.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_DOC (4u << 20)
#define MAX_ATTRS 64
#define EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ENVELOPED DSIG_NS "enveloped-signature"
#define XML_NS "http://www.w3.org/XML/1998/namespace"

/* ==== Reading ==== */

typedef struct {
    arena_t *a;
    const char *p, *end;
    const char *err;
} ps_t;

static bool fail(ps_t *ps, const char *why)
{
    if (!ps->err) ps->err = why;
    return false;
}

static bool at(const ps_t *ps, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

static void skip_ws(ps_t *ps)
{
    while (ps->p < ps->end && strchr(" \t\n", *ps->p) && *ps->p) ps->p++;
}

static bool name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 || strchr("_-.:", c);
}

static str_t read_name(ps_t *ps)
{
    const char *b = ps->p;
    while (ps->p < ps->end && name_char((unsigned char)*ps->p) && *ps->p) ps->p++;
    return str_n(b, (size_t)(ps->p - b));
}

/* Character data up to (not including) stop, references resolved into b; in
 * an attribute value, literal white space becomes a space (XML 1.0 §3.3.3). */
static bool read_chars(ps_t *ps, buf_t *b, char stop, bool attr)
{
    while (ps->p < ps->end && *ps->p != stop) {
        char c = *ps->p;
        if (attr && c == '<') return fail(ps, "'<' in an attribute value");
        if (c != '&') {
            buf_putc(b, attr && (c == '\t' || c == '\n') ? ' ' : c);
            ps->p++;
            continue;
        }
        const char *semi = memchr(ps->p, ';', (size_t)(ps->end - ps->p));
        if (!semi || semi - ps->p > 12) return fail(ps, "a malformed reference");
        str_t ref = str_n(ps->p + 1, (size_t)(semi - ps->p - 1));
        static const struct {
            const char *name, *ch;
        } ents[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"apos", "'"}, {"quot", "\""}};
        bool done = false;
        for (size_t i = 0; i < 5 && !done; i++)
            if (str_eq_c(ref, ents[i].name)) {
                buf_puts(b, ents[i].ch);
                done = true;
            }
        if (!done && ref.len > 1 && ref.p[0] == '#') {
            char num[16] = {0};
            bool hex = ref.p[1] == 'x';
            memcpy(num, ref.p + 1 + hex, ref.len - 1 - hex);
            char *e;
            unsigned long v = strtoul(num, &e, hex ? 16 : 10);
            /* XML 1.0's Char production: what a reference may name */
            bool is_char = v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
                           (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
            if (*e || !num[0] || !is_char) return fail(ps, "a malformed character reference");
            buf_put_utf8(b, (uint32_t)v);
            done = true;
        }
        if (!done) return fail(ps, "an undeclared entity");
        ps->p = semi + 1;
    }
    return ps->p < ps->end || fail(ps, "unexpected end of document");
}

static dsig_node_t *new_node(ps_t *ps, dsig_node_t *parent, dsig_node_t **last, int kind)
{
    dsig_node_t *n = ARENA_NEW(ps->a, dsig_node_t);
    if (!n) return NULL;
    n->kind = kind;
    n->parent = parent;
    if (*last)
        (*last)->next = n;
    else if (parent)
        parent->first = n;
    *last = n;
    return n;
}

/* Skips "<!-- … -->" or "<? … ?>" (the caller is at it); false at the end. */
static bool skip_past(ps_t *ps, const char *close)
{
    const char *e = memmem(ps->p, (size_t)(ps->end - ps->p), close, strlen(close));
    if (!e) return fail(ps, "unexpected end of document");
    ps->p = e + strlen(close);
    return true;
}

static dsig_node_t *element(ps_t *ps, dsig_node_t *parent, dsig_node_t **last, int depth);

/* The content of e up to its end tag. */
static bool content(ps_t *ps, dsig_node_t *e, int depth)
{
    dsig_node_t *last = NULL;
    buf_t text;
    buf_init(&text, ps->a);
    for (;;) {
        if (ps->p >= ps->end) return fail(ps, "unexpected end of document");
        bool markup = *ps->p == '<' && !at(ps, "<![CDATA[");
        if (markup && text.len) { /* adjacent text and CDATA make one text node */
            dsig_node_t *t = new_node(ps, e, &last, DSIG_TEXT);
            if (!t) return fail(ps, "out of memory");
            t->text = buf_str(&text);
            buf_init(&text, ps->a);
        }
        if (at(ps, "</")) {
            ps->p += 2;
            str_t n = read_name(ps);
            skip_ws(ps);
            if (!str_eq(n, e->name) || !at(ps, ">")) return fail(ps, "mismatched end tag");
            ps->p++;
            return true;
        }
        if (at(ps, "<!--")) {
            if (!skip_past(ps, "-->")) return false;
        } else if (at(ps, "<![CDATA[")) {
            ps->p += 9;
            const char *ce = memmem(ps->p, (size_t)(ps->end - ps->p), "]]>", 3);
            if (!ce) return fail(ps, "unterminated CDATA section");
            buf_append(&text, ps->p, (size_t)(ce - ps->p));
            ps->p = ce + 3;
        } else if (at(ps, "<?")) {
            ps->p += 2;
            dsig_node_t *pi = new_node(ps, e, &last, DSIG_PI);
            if (!pi) return fail(ps, "out of memory");
            pi->name = read_name(ps);
            skip_ws(ps);
            const char *pe = memmem(ps->p, (size_t)(ps->end - ps->p), "?>", 2);
            if (!pe || !pi->name.len) return fail(ps, "a malformed processing instruction");
            pi->text = str_n(ps->p, (size_t)(pe - ps->p));
            ps->p = pe + 2;
        } else if (at(ps, "<!")) {
            return fail(ps, "a DOCTYPE or other declaration inside the document");
        } else if (*ps->p == '<') {
            if (!element(ps, e, &last, depth + 1)) return false;
        } else if (!read_chars(ps, &text, '<', false)) {
            return false;
        }
    }
}

static dsig_node_t *element(ps_t *ps, dsig_node_t *parent, dsig_node_t **last, int depth)
{
    if (depth > MAX_DEPTH) return fail(ps, "nested too deep"), NULL;
    ps->p++; /* '<' */
    dsig_node_t *e = new_node(ps, parent, last, DSIG_ELEM);
    if (!e) return fail(ps, "out of memory"), NULL;
    e->name = read_name(ps);
    if (!e->name.len) return fail(ps, "an element without a name"), NULL;
    e->attrs = ARENA_NEWN(ps->a, dsig_attr_t, MAX_ATTRS);
    if (!e->attrs) return fail(ps, "out of memory"), NULL;
    for (;;) {
        const char *before = ps->p;
        skip_ws(ps);
        if (at(ps, "/>")) {
            ps->p += 2;
            return e;
        }
        if (at(ps, ">")) {
            ps->p++;
            return content(ps, e, depth) ? e : NULL;
        }
        if (ps->p == before || e->nattrs == MAX_ATTRS) return fail(ps, "a malformed start tag"), NULL;
        dsig_attr_t *at_ = &e->attrs[e->nattrs];
        at_->name = read_name(ps);
        skip_ws(ps);
        if (!at_->name.len || !at(ps, "=")) return fail(ps, "a malformed attribute"), NULL;
        ps->p++;
        skip_ws(ps);
        if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) return fail(ps, "an unquoted attribute"), NULL;
        char q = *ps->p++;
        buf_t v;
        buf_init(&v, ps->a);
        if (!read_chars(ps, &v, q, true)) return NULL;
        ps->p++;
        at_->value = buf_str(&v);
        for (size_t i = 0; i < e->nattrs; i++)
            if (str_eq(e->attrs[i].name, at_->name)) return fail(ps, "an attribute given twice"), NULL;
        e->nattrs++;
    }
}

/* Prolog and epilog: white space, comments and processing instructions. */
static bool misc(ps_t *ps)
{
    for (;;) {
        skip_ws(ps);
        if (at(ps, "<!--")) {
            if (!skip_past(ps, "-->")) return false;
        } else if (at(ps, "<!")) {
            return fail(ps, "DOCTYPE is not allowed");
        } else if (at(ps, "<?")) {
            if (!skip_past(ps, "?>")) return false;
        } else {
            return true;
        }
    }
}

dsig_node_t *dsig_parse(arena_t *a, str_t doc, const char **err)
{
    *err = NULL;
    if (doc.len > MAX_DOC) {
        *err = "document too large";
        return NULL;
    }
    /* XML 1.0 §2.11: CR LF and lone CR become LF before anything else */
    char *norm = arena_alloc(a, doc.len + 1);
    if (!norm) {
        *err = "out of memory";
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < doc.len; i++) {
        if (doc.p[i] == '\r') {
            norm[n++] = '\n';
            if (i + 1 < doc.len && doc.p[i + 1] == '\n') i++;
        } else {
            norm[n++] = doc.p[i];
        }
    }
    ps_t ps = {a, norm, norm + n, NULL};
    if (n >= 3 && !memcmp(norm, "\xEF\xBB\xBF", 3)) ps.p += 3; /* a UTF-8 byte order mark */
    dsig_node_t *root = NULL, *last = NULL;
    if (misc(&ps) && at(&ps, "<")) root = element(&ps, NULL, &last, 0);
    if (root && (!misc(&ps) || ps.p != ps.end)) {
        fail(&ps, "content after the root element");
        root = NULL;
    }
    if (!root) *err = ps.err ? ps.err : "not an XML document";
    return root;
}

/* ==== Names ==== */

static str_t prefix_of(str_t qname)
{
    const char *c = memchr(qname.p, ':', qname.len);
    return c ? str_n(qname.p, (size_t)(c - qname.p)) : STR("");
}

static str_t local_of(str_t qname)
{
    const char *c = memchr(qname.p, ':', qname.len);
    return c ? str_n(c + 1, qname.len - (size_t)(c + 1 - qname.p)) : qname;
}

static bool is_xmlns(str_t name)
{
    return str_eq_c(name, "xmlns") || str_starts_with(name, STR("xmlns:"));
}

str_t dsig_ns_of(const dsig_node_t *e, str_t prefix)
{
    if (str_eq_c(prefix, "xml")) return STR(XML_NS);
    for (; e; e = e->parent)
        for (size_t i = 0; i < e->nattrs; i++) {
            str_t n = e->attrs[i].name;
            if (prefix.len ? (n.len == prefix.len + 6 && str_starts_with(n, STR("xmlns:")) &&
                              !memcmp(n.p + 6, prefix.p, prefix.len))
                           : str_eq_c(n, "xmlns"))
                return e->attrs[i].value;
        }
    return STR("");
}

str_t dsig_local(const dsig_node_t *e)
{
    return local_of(e->name);
}

str_t dsig_ns(const dsig_node_t *e)
{
    return dsig_ns_of(e, prefix_of(e->name));
}

str_t dsig_attr(const dsig_node_t *e, const char *name)
{
    for (size_t i = 0; i < e->nattrs; i++)
        if (str_eq_c(e->attrs[i].name, name)) return e->attrs[i].value;
    return STR_NULL;
}

dsig_node_t *dsig_child(const dsig_node_t *e, const char *ns, const char *local)
{
    for (dsig_node_t *c = e->first; c; c = c->next)
        if (c->kind == DSIG_ELEM && str_eq_c(dsig_local(c), local) && str_eq_c(dsig_ns(c), ns)) return c;
    return NULL;
}

str_t dsig_text(arena_t *a, const dsig_node_t *e)
{
    buf_t b;
    buf_init(&b, a);
    for (const dsig_node_t *c = e->first; c; c = c->next)
        if (c->kind == DSIG_TEXT) buf_put_str(&b, c->text);
    return buf_str(&b);
}

/* ==== Exclusive canonicalization ==== */

/* A namespace declaration rendered on an output ancestor. */
typedef struct frame {
    str_t prefix, uri;
    const struct frame *up;
} frame_t;

static bool rendered(const frame_t *f, str_t prefix, str_t *uri)
{
    for (; f; f = f->up)
        if (str_eq(f->prefix, prefix)) {
            *uri = f->uri;
            return true;
        }
    return false;
}

/* Canonical XML §2.3: the escapes of text and of attribute values. */
static void escape(buf_t *b, str_t s, bool attr)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '&')
            buf_puts(b, "&amp;");
        else if (c == '<')
            buf_puts(b, "&lt;");
        else if (c == '>' && !attr)
            buf_puts(b, "&gt;");
        else if (c == '"' && attr)
            buf_puts(b, "&quot;");
        else if (c == '\t' && attr)
            buf_puts(b, "&#x9;");
        else if (c == '\n' && attr)
            buf_puts(b, "&#xA;");
        else if (c == '\r')
            buf_puts(b, "&#xD;");
        else
            buf_putc(b, c);
    }
}

typedef struct {
    str_t ns, local, qname, value;
} cattr_t;

static int by_prefix(const void *x, const void *y)
{
    return str_cmp(((const frame_t *)x)->prefix, ((const frame_t *)y)->prefix);
}

static int by_ns_local(const void *x, const void *y)
{
    const cattr_t *a = x, *b = y;
    int c = str_cmp(a->ns, b->ns);
    return c ? c : str_cmp(a->local, b->local);
}

/* Is prefix p ("#default" for "") in the InclusiveNamespaces PrefixList? */
static bool inclusive_has(str_t list, str_t p)
{
    str_t want = p.len ? p : STR("#default");
    size_t i = 0;
    while (i < list.len) {
        while (i < list.len && strchr(" \t\n", list.p[i]) && list.p[i]) i++;
        size_t b = i;
        while (i < list.len && !strchr(" \t\n", list.p[i])) i++;
        if (i > b && str_eq(str_n(list.p + b, i - b), want)) return true;
    }
    return false;
}

static void add_prefix(str_t *set, size_t *n, size_t cap, str_t p)
{
    for (size_t i = 0; i < *n; i++)
        if (str_eq(set[i], p)) return;
    if (*n < cap) set[(*n)++] = p;
}

static void c14n_elem(buf_t *b, arena_t *a, const dsig_node_t *e, const dsig_node_t *skip, str_t inclusive,
                      const frame_t *up)
{
    /* the prefixes this element visibly uses, and the inclusive ones in scope */
    str_t cand[MAX_ATTRS + 2 + 16];
    size_t nc = 0, cap = sizeof cand / sizeof cand[0];
    add_prefix(cand, &nc, cap, prefix_of(e->name));
    for (size_t i = 0; i < e->nattrs; i++) {
        str_t p = prefix_of(e->attrs[i].name);
        if (!is_xmlns(e->attrs[i].name) && p.len && !str_eq_c(p, "xml")) add_prefix(cand, &nc, cap, p);
    }
    for (const dsig_node_t *s = e; inclusive.len && s; s = s->parent)
        for (size_t i = 0; i < s->nattrs; i++) {
            str_t n = s->attrs[i].name;
            str_t p = str_eq_c(n, "xmlns") ? STR("") : str_starts_with(n, STR("xmlns:")) ? local_of(n) : STR_NULL;
            if (p.p && inclusive_has(inclusive, p)) add_prefix(cand, &nc, cap, p);
        }
    frame_t *decl = ARENA_NEWN(a, frame_t, nc ? nc : 1);
    size_t nd = 0;
    for (size_t i = 0; decl && i < nc; i++) {
        str_t uri = dsig_ns_of(e, cand[i]), have;
        bool found = rendered(up, cand[i], &have);
        if (!uri.len) { /* unbound: only the default can be undeclared, and only if an ancestor declared one */
            if (!cand[i].len && found && have.len) decl[nd++] = (frame_t){cand[i], uri, NULL};
        } else if (!found || !str_eq(have, uri)) {
            decl[nd++] = (frame_t){cand[i], uri, NULL};
        }
    }
    if (nd) qsort(decl, nd, sizeof *decl, by_prefix);
    cattr_t *attrs = ARENA_NEWN(a, cattr_t, e->nattrs ? e->nattrs : 1);
    size_t na = 0;
    for (size_t i = 0; attrs && i < e->nattrs; i++) {
        str_t n = e->attrs[i].name, p = prefix_of(n);
        if (is_xmlns(n)) continue;
        attrs[na++] = (cattr_t){p.len ? dsig_ns_of(e, p) : STR(""), local_of(n), n, e->attrs[i].value};
    }
    if (na) qsort(attrs, na, sizeof *attrs, by_ns_local);
    buf_putc(b, '<');
    buf_put_str(b, e->name);
    for (size_t i = 0; i < nd; i++) {
        buf_puts(b, decl[i].prefix.len ? " xmlns:" : " xmlns");
        buf_put_str(b, decl[i].prefix);
        buf_puts(b, "=\"");
        escape(b, decl[i].uri, true);
        buf_putc(b, '"');
        decl[i].up = i ? &decl[i - 1] : up;
    }
    const frame_t *scope = nd ? &decl[nd - 1] : up;
    for (size_t i = 0; i < na; i++) {
        buf_putc(b, ' ');
        buf_put_str(b, attrs[i].qname);
        buf_puts(b, "=\"");
        escape(b, attrs[i].value, true);
        buf_putc(b, '"');
    }
    buf_putc(b, '>');
    for (const dsig_node_t *c = e->first; c; c = c->next) {
        if (c == skip) continue;
        if (c->kind == DSIG_TEXT) {
            escape(b, c->text, false);
        } else if (c->kind == DSIG_PI) {
            buf_puts(b, "<?");
            buf_put_str(b, c->name);
            if (c->text.len) {
                buf_putc(b, ' ');
                buf_put_str(b, c->text);
            }
            buf_puts(b, "?>");
        } else {
            c14n_elem(b, a, c, skip, inclusive, scope);
        }
    }
    buf_puts(b, "</");
    buf_put_str(b, e->name);
    buf_putc(b, '>');
}

void dsig_exc_c14n(buf_t *b, const dsig_node_t *e, const dsig_node_t *skip, str_t inclusive)
{
    c14n_elem(b, b->a, e, skip, inclusive, NULL);
}

/* ==== Signatures ==== */

static const EVP_MD *digest_of(str_t uri)
{
    if (str_eq_c(uri, DSIG_NS "sha1") || str_eq_c(uri, DSIG_NS "rsa-sha1")) return EVP_sha1();
    if (str_eq_c(uri, "http://www.w3.org/2001/04/xmlenc#sha256") ||
        str_eq_c(uri, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"))
        return EVP_sha256();
    if (str_eq_c(uri, "http://www.w3.org/2001/04/xmlenc#sha512") ||
        str_eq_c(uri, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"))
        return EVP_sha512();
    return NULL;
}

/* base64 text with the white space that XML documents wrap it in removed. */
static bool unbase64_ws(arena_t *a, str_t text, str_t *out)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < text.len; i++)
        if (!strchr(" \t\r\n", text.p[i]) || !text.p[i]) buf_putc(&b, text.p[i]);
    return arena_unbase64(a, buf_str(&b), out);
}

/* An exc-c14n CanonicalizationMethod or Transform: its PrefixList in *list. */
static bool exc_method(const dsig_node_t *m, str_t *list)
{
    if (!m || !str_eq_c(dsig_attr(m, "Algorithm"), EXC_C14N)) return false;
    const dsig_node_t *inc = dsig_child(m, EXC_C14N, "InclusiveNamespaces");
    str_t l = inc ? dsig_attr(inc, "PrefixList") : STR_NULL;
    *list = l.p ? l : STR("");
    return true;
}

static str_t element_id(const dsig_node_t *e)
{
    static const char *const names[] = {"ID", "Id", "id"};
    for (size_t i = 0; i < 3; i++) {
        str_t v = dsig_attr(e, names[i]);
        if (v.p) return v;
    }
    return STR_NULL;
}

static bool no(const char **why, const char *msg)
{
    *why = msg;
    return false;
}

bool dsig_verify(arena_t *a, const dsig_node_t *e, const str_t *certs_b64, size_t n, const char **why)
{
    const dsig_node_t *sig = dsig_child(e, DSIG_NS, "Signature");
    if (!sig) return no(why, "not signed");
    const dsig_node_t *si = dsig_child(sig, DSIG_NS, "SignedInfo");
    const dsig_node_t *ref = si ? dsig_child(si, DSIG_NS, "Reference") : NULL;
    const dsig_node_t *sm = si ? dsig_child(si, DSIG_NS, "SignatureMethod") : NULL;
    const dsig_node_t *sv = dsig_child(sig, DSIG_NS, "SignatureValue");
    str_t si_list, ref_list = STR("");
    if (!si || !ref || !sm || !sv || !exc_method(dsig_child(si, DSIG_NS, "CanonicalizationMethod"), &si_list))
        return no(why, "an unsupported signature form");
    for (const dsig_node_t *c = ref->next; c; c = c->next)
        if (c->kind == DSIG_ELEM && str_eq_c(dsig_local(c), "Reference")) return no(why, "more than one reference");
    /* the reference must be this element, enveloped, canonicalized exclusively */
    str_t id = element_id(e), uri = dsig_attr(ref, "URI");
    if (!id.len || !uri.p || uri.len != id.len + 1 || uri.p[0] != '#' || memcmp(uri.p + 1, id.p, id.len))
        return no(why, "the signature does not reference the signed element");
    const dsig_node_t *ts = dsig_child(ref, DSIG_NS, "Transforms");
    bool exc = false;
    for (const dsig_node_t *t = ts ? ts->first : NULL; t; t = t->next) {
        if (t->kind != DSIG_ELEM) continue;
        if (exc_method(t, &ref_list))
            exc = true;
        else if (!str_eq_c(dsig_attr(t, "Algorithm"), ENVELOPED))
            return no(why, "an unsupported transform");
    }
    if (!exc) return no(why, "the reference is not exclusively canonicalized");
    const dsig_node_t *dm = dsig_child(ref, DSIG_NS, "DigestMethod"), *dv = dsig_child(ref, DSIG_NS, "DigestValue");
    const EVP_MD *md = dm ? digest_of(dsig_attr(dm, "Algorithm")) : NULL;
    const EVP_MD *smd = digest_of(dsig_attr(sm, "Algorithm"));
    str_t want, sigval;
    if (!md || !smd || !dv || !unbase64_ws(a, dsig_text(a, dv), &want) || !unbase64_ws(a, dsig_text(a, sv), &sigval))
        return no(why, "an unsupported digest or signature algorithm");
    buf_t body;
    buf_init(&body, a);
    dsig_exc_c14n(&body, e, sig, ref_list);
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned int glen = 0;
    if (body.failed || EVP_Digest(body.p, body.len, got, &glen, md, NULL) != 1 || glen != want.len ||
        memcmp(got, want.p, glen))
        return no(why, "the digest does not match");
    buf_t signed_info;
    buf_init(&signed_info, a);
    dsig_exc_c14n(&signed_info, si, NULL, si_list);
    if (signed_info.failed) return no(why, "out of memory");
    for (size_t i = 0; i < n; i++) {
        str_t der;
        if (!unbase64_ws(a, certs_b64[i], &der)) continue;
        const unsigned char *p = (const unsigned char *)der.p;
        X509 *x = d2i_X509(NULL, &p, (long)der.len);
        EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
        EVP_MD_CTX *ctx = k ? EVP_MD_CTX_new() : NULL;
        bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, smd, NULL, k) == 1 &&
                  EVP_DigestVerify(ctx, (const unsigned char *)sigval.p, sigval.len,
                                   (const unsigned char *)signed_info.p, signed_info.len) == 1;
        EVP_MD_CTX_free(ctx);
        X509_free(x);
        if (ok) return true;
    }
    return no(why, "the signature does not verify with the provider's certificates");
}
