/* xml.c — the XML reader and writer of the XML protocols; see xml.h.
 *
 * Request bodies of S3 (and of any rest-xml service) come here before the
 * model walk in restxml.c; every response document of query, ec2 and rest-xml
 * is written with the helpers at the bottom. The reader is a recursive-descent
 * parser over one in-memory document: text without entities points straight
 * into the document, everything else is copied into the arena. Invariant: it
 * never reads past doc.p + doc.len and never recurses deeper than
 * XML_MAX_DEPTH, whatever the input. */
#include "protocol/xml.h"

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/gtime.h"

typedef struct {
    const char *p, *end;
    arena_t *a;
    const char *err;
} px_t;

static int fail(px_t *x, const char *msg)
{
    if (!x->err) x->err = msg;
    return GR_ERR;
}

static bool at(const px_t *x, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(x->end - x->p) >= n && memcmp(x->p, lit, n) == 0;
}

/* Length of the well-formed UTF-8 sequence at p (of an XML Char: no
 * surrogates, no U+FFFE/U+FFFF, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0; /* overlong */
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
    return len;
}

static bool utf8_valid(str_t s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.len;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_seq(p + i, s.len - i);
        if (!n) return false;
        i += n;
    }
    return true;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(px_t *x)
{
    while (x->p < x->end && is_ws(*x->p)) x->p++;
}

static bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int read_name(px_t *x, str_t *out)
{
    const char *s = x->p;
    if (x->p >= x->end || !name_start((unsigned char)*x->p)) return fail(x, "invalid name");
    while (x->p < x->end && name_char((unsigned char)*x->p)) x->p++;
    *out = (str_t){s, (size_t)(x->p - s)};
    return GR_OK;
}

/* Skips past the next occurrence of `term`; error if there is none. */
static int skip_past(px_t *x, const char *term, const char *msg)
{
    size_t n = strlen(term);
    while ((size_t)(x->end - x->p) >= n) {
        if (memcmp(x->p, term, n) == 0) {
            x->p += n;
            return GR_OK;
        }
        x->p++;
    }
    return fail(x, msg);
}

/* Comments, processing instructions (the XML declaration among them) and
 * whitespace may surround the root element. A DOCTYPE is refused outright:
 * AWS bodies never carry one and refusing it closes the door on entity
 * expansion attacks. */
static int skip_misc(px_t *x)
{
    for (;;) {
        skip_ws(x);
        if (at(x, "<?")) {
            if (skip_past(x, "?>", "unterminated processing instruction")) return GR_ERR;
        } else if (at(x, "<!--")) {
            x->p += 4;
            if (skip_past(x, "-->", "unterminated comment")) return GR_ERR;
        } else if (at(x, "<!")) {
            return fail(x, "DOCTYPE and declarations are not allowed");
        } else {
            return GR_OK;
        }
    }
}

/* XML 1.0 Char production: what a character reference may name. */
static bool xml_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* At '&': decodes one reference into b. */
static int read_ref(px_t *x, buf_t *b)
{
    x->p++;
    const char *s = x->p;
    while (x->p < x->end && *x->p != ';' && x->p - s < 12) x->p++;
    if (x->p >= x->end || *x->p != ';') return fail(x, "unterminated entity reference");
    str_t ent = {s, (size_t)(x->p - s)};
    x->p++;
    if (str_eq_c(ent, "lt"))
        buf_putc(b, '<');
    else if (str_eq_c(ent, "gt"))
        buf_putc(b, '>');
    else if (str_eq_c(ent, "amp"))
        buf_putc(b, '&');
    else if (str_eq_c(ent, "quot"))
        buf_putc(b, '"');
    else if (str_eq_c(ent, "apos"))
        buf_putc(b, '\'');
    else if (ent.len >= 2 && ent.p[0] == '#') {
        bool hex = ent.p[1] == 'x';
        size_t i = hex ? 2 : 1;
        if (i >= ent.len) return fail(x, "invalid character reference");
        uint32_t cp = 0;
        for (; i < ent.len; i++) {
            char c = ent.p[i];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                return fail(x, "invalid character reference");
            cp = cp * (hex ? 16 : 10) + (uint32_t)d;
            if (cp > 0x10FFFF) return fail(x, "invalid character reference");
        }
        if (!xml_char_ok(cp)) return fail(x, "character reference to an invalid character");
        buf_put_utf8(b, cp);
    } else {
        return fail(x, "undefined entity");
    }
    return GR_OK;
}

/* Character data of one element. The common case — one run of text without
 * references, CDATA or CR — stays a slice of the document; anything else is
 * assembled in a buffer. */
typedef struct {
    str_t slice;
    buf_t b;
    bool copying;
} text_t;

static void text_to_buf(text_t *t)
{
    if (t->copying) return;
    t->copying = true;
    buf_put_str(&t->b, t->slice);
}

static void text_add(text_t *t, const char *s, size_t n)
{
    if (!n) return;
    if (!t->copying && !t->slice.p) {
        t->slice = (str_t){s, n};
        return;
    }
    text_to_buf(t);
    buf_append(&t->b, s, n);
}

static str_t text_done(text_t *t)
{
    if (t->copying) return t->b.failed ? STR_NULL : (str_t){t->b.p ? t->b.p : "", t->b.len};
    return t->slice.p ? t->slice : STR("");
}

static bool bad_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Character data up to '<'; '&' references and CR line ends handled. */
static int read_chardata(px_t *x, text_t *t)
{
    while (x->p < x->end && *x->p != '<') {
        const char *s = x->p;
        while (x->p < x->end && *x->p != '<' && *x->p != '&' && *x->p != '\r') {
            if (bad_control((unsigned char)*x->p)) return fail(x, "invalid character");
            x->p++;
        }
        text_add(t, s, (size_t)(x->p - s));
        if (x->p >= x->end) break;
        if (*x->p == '&') {
            text_to_buf(t);
            if (read_ref(x, &t->b)) return GR_ERR;
        } else if (*x->p == '\r') {
            /* XML 1.0 §2.11: CR LF and lone CR both become LF. */
            text_to_buf(t);
            buf_putc(&t->b, '\n');
            x->p++;
            if (x->p < x->end && *x->p == '\n') x->p++;
        }
    }
    return GR_OK;
}

static int read_attr_value(px_t *x, str_t *out)
{
    if (x->p >= x->end || (*x->p != '"' && *x->p != '\'')) return fail(x, "attribute value must be quoted");
    char q = *x->p++;
    const char *s = x->p;
    bool simple = true;
    while (x->p < x->end && *x->p != q) {
        char c = *x->p;
        if (c == '<') return fail(x, "'<' in attribute value");
        if (c == '&' || c == '\t' || c == '\n' || c == '\r') simple = false;
        if (bad_control((unsigned char)c)) return fail(x, "invalid character");
        x->p++;
    }
    if (x->p >= x->end) return fail(x, "unterminated attribute value");
    const char *e = x->p++;
    if (simple) {
        *out = (str_t){s, (size_t)(e - s)};
        return GR_OK;
    }
    /* XML 1.0 §3.3.3: literal whitespace becomes a space; references keep theirs. */
    buf_t b;
    buf_init(&b, x->a);
    px_t sub = {s, e, x->a, NULL};
    while (sub.p < sub.end) {
        char c = *sub.p;
        if (c == '&') {
            if (read_ref(&sub, &b)) return fail(x, sub.err);
        } else if (c == '\r' && sub.p + 1 < sub.end && sub.p[1] == '\n') {
            buf_putc(&b, ' ');
            sub.p += 2;
        } else {
            buf_putc(&b, is_ws(c) ? ' ' : c);
            sub.p++;
        }
    }
    if (b.failed) return fail(x, "out of memory");
    *out = buf_str(&b);
    return GR_OK;
}

static int read_attrs(px_t *x, xml_node_t *n)
{
    size_t cap = 0;
    for (;;) {
        const char *before = x->p;
        skip_ws(x);
        if (x->p >= x->end) return fail(x, "unterminated start tag");
        if (*x->p == '>' || *x->p == '/') return GR_OK;
        if (x->p == before) return fail(x, "whitespace required between attributes");
        xml_attr_t at;
        if (read_name(x, &at.name)) return GR_ERR;
        skip_ws(x);
        if (x->p >= x->end || *x->p != '=') return fail(x, "expected '=' after attribute name");
        x->p++;
        skip_ws(x);
        if (read_attr_value(x, &at.value)) return GR_ERR;
        /* the cap keeps the duplicate check below linear in the document */
        if (n->nattrs >= XML_MAX_ATTRS) return fail(x, "too many attributes");
        for (size_t i = 0; i < n->nattrs; i++)
            if (str_eq(n->attrs[i].name, at.name)) return fail(x, "duplicate attribute");
        if (n->nattrs == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            xml_attr_t *na = arena_realloc(x->a, n->attrs, cap * sizeof *na, ncap * sizeof *na);
            if (!na) return fail(x, "out of memory");
            n->attrs = na;
            cap = ncap;
        }
        n->attrs[n->nattrs++] = at;
    }
}

/* At '<' of a start tag. */
static int read_element(px_t *x, int depth, xml_node_t **out)
{
    if (depth > XML_MAX_DEPTH) return fail(x, "document nested too deeply");
    xml_node_t *n = ARENA_NEW(x->a, xml_node_t);
    if (!n) return fail(x, "out of memory");
    x->p++;
    if (read_name(x, &n->name) || read_attrs(x, n)) return GR_ERR;
    *out = n;
    if (*x->p == '/') {
        x->p++;
        if (x->p >= x->end || *x->p != '>') return fail(x, "expected '>'");
        x->p++;
        n->text = STR("");
        return GR_OK;
    }
    x->p++; /* '>' */
    text_t t = {0};
    buf_init(&t.b, x->a);
    xml_node_t **tail = &n->child;
    for (;;) {
        if (read_chardata(x, &t)) return GR_ERR;
        if (x->p >= x->end) return fail(x, "unterminated element");
        if (at(x, "</")) {
            x->p += 2;
            str_t name;
            if (read_name(x, &name)) return GR_ERR;
            if (!str_eq(name, n->name)) return fail(x, "mismatched end tag");
            skip_ws(x);
            if (x->p >= x->end || *x->p != '>') return fail(x, "expected '>'");
            x->p++;
            break;
        } else if (at(x, "<!--")) {
            x->p += 4;
            if (skip_past(x, "-->", "unterminated comment")) return GR_ERR;
        } else if (at(x, "<![CDATA[")) {
            x->p += 9;
            const char *s = x->p;
            if (skip_past(x, "]]>", "unterminated CDATA section")) return GR_ERR;
            text_to_buf(&t); /* CDATA is never slice-only: keeps the rule simple */
            for (const char *c = s; c < x->p - 3; c++) {
                if (bad_control((unsigned char)*c)) return fail(x, "invalid character");
                if (*c != '\r') {
                    buf_putc(&t.b, *c);
                } else { /* line ends are normalised inside CDATA too (XML 1.0 §2.11) */
                    buf_putc(&t.b, '\n');
                    if (c + 1 < x->p - 3 && c[1] == '\n') c++;
                }
            }
        } else if (at(x, "<?")) {
            if (skip_past(x, "?>", "unterminated processing instruction")) return GR_ERR;
        } else if (at(x, "<!")) {
            return fail(x, "declarations are not allowed in content");
        } else {
            xml_node_t *c;
            if (read_element(x, depth + 1, &c)) return GR_ERR;
            *tail = c;
            tail = &c->next;
            n->nchildren++;
        }
    }
    n->text = text_done(&t);
    if (!n->text.p) return fail(x, "out of memory");
    return GR_OK;
}

int xml_parse(arena_t *a, str_t doc, xml_node_t **root, const char **err)
{
    px_t x = {doc.p, doc.p + doc.len, a, NULL};
    *root = NULL;
    if (doc.len > XML_MAX_DOC) {
        *err = "document too large";
        return GR_ERR;
    }
    if (!doc.p) x.p = x.end = "";
    if (at(&x, "\xEF\xBB\xBF")) x.p += 3;
    /* AWS documents are UTF-8; checking it once here means every slice of
     * the tree is valid UTF-8 (references are encoded by put_utf8). */
    int rc = utf8_valid((str_t){x.p, (size_t)(x.end - x.p)}) ? GR_OK : fail(&x, "invalid UTF-8");
    if (rc == GR_OK) rc = skip_misc(&x);
    if (rc == GR_OK) {
        if (x.p >= x.end || *x.p != '<')
            rc = fail(&x, x.p >= x.end ? "empty document" : "expected an element");
        else
            rc = read_element(&x, 1, root);
    }
    if (rc == GR_OK) rc = skip_misc(&x);
    if (rc == GR_OK && x.p < x.end) rc = fail(&x, "content after the root element");
    if (rc == GR_OK && arena_failed(a)) rc = fail(&x, "out of memory");
    if (rc != GR_OK) {
        *root = NULL;
        *err = x.err ? x.err : "malformed XML";
    }
    return rc;
}

str_t xml_local(str_t name)
{
    for (size_t i = name.len; i > 0; i--)
        if (name.p[i - 1] == ':') return str_sub(name, i, name.len - i);
    return name;
}

xml_node_t *xml_child(const xml_node_t *n, str_t local)
{
    if (!n) return NULL;
    for (xml_node_t *c = n->child; c; c = c->next)
        if (str_eq(xml_local(c->name), local)) return c;
    return NULL;
}

str_t xml_attr(const xml_node_t *n, str_t name)
{
    if (!n) return STR_NULL;
    for (size_t i = 0; i < n->nattrs; i++)
        if (str_eq(n->attrs[i].name, name)) return n->attrs[i].value;
    str_t local = xml_local(name);
    for (size_t i = 0; i < n->nattrs; i++)
        if (str_eq(xml_local(n->attrs[i].name), local) && !str_starts_with(n->attrs[i].name, STR("xmlns")))
            return n->attrs[i].value;
    return STR_NULL;
}

/* ==== writer ==== */

void xml_escape(buf_t *b, str_t s, bool attr)
{
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        const char *rep = NULL;
        char num[8];
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '\r': rep = "&#13;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        default:
            /* Other C0 controls cannot appear in XML 1.0 at all; a numeric
             * reference is what S3 writes for them in listings. */
            if (c < 0x20) {
                snprintf(num, sizeof num, "&#x%X;", c);
                rep = num;
            } else if (c >= 0x80) {
                size_t n = utf8_seq((const unsigned char *)s.p + i, s.len - i);
                if (n) { /* a whole valid sequence: copied as it is */
                    run += n;
                    i += n - 1;
                    continue;
                }
                rep = "\xEF\xBF\xBD"; /* U+FFFD: a stray byte must not make the document unreadable */
            }
        }
        if (rep) {
            buf_append(b, s.p + i - run, run);
            run = 0;
            buf_puts(b, rep);
        } else {
            run++;
        }
    }
    buf_append(b, s.p + s.len - run, run);
}

void xml_decl(buf_t *b)
{
    buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

void xml_open_start(buf_t *b, str_t name)
{
    buf_putc(b, '<');
    buf_put_str(b, name);
}

void xml_attr_put(buf_t *b, str_t name, str_t value)
{
    buf_putc(b, ' ');
    buf_put_str(b, name);
    buf_puts(b, "=\"");
    xml_escape(b, value, true);
    buf_putc(b, '"');
}

void xml_open_end(buf_t *b)
{
    buf_putc(b, '>');
}

void xml_open(buf_t *b, str_t name)
{
    xml_open_start(b, name);
    xml_open_end(b);
}

void xml_close(buf_t *b, str_t name)
{
    buf_puts(b, "</");
    buf_put_str(b, name);
    buf_putc(b, '>');
}

void xml_text_elem(buf_t *b, str_t name, str_t text)
{
    xml_open(b, name);
    xml_escape(b, text, false);
    xml_close(b, name);
}

/* ==== writing values by the model (query, ec2, rest-xml responses) ==== */

/* botocore resolves a member's serialization as the target shape's traits
 * overridden by the member reference's; these helpers do the same. */
static bool m_flattened(const member_t *m)
{
    return (m->flags & MF_FLATTENED) || (m->shape && (m->shape->flags & SF_FLATTENED));
}

static const char *m_loc_name(const member_t *m)
{
    if (m->loc_name) return m->loc_name;
    return m->shape ? m->shape->loc_name : NULL;
}

/* AWS: rest-xml and EC2 documents write every ISO 8601 time with
 * milliseconds (S3's <LastModified>2009-10-12T17:50:30.000Z</LastModified>,
 * EC2's launchTime), query documents as the value has them (IAM's
 * <CreateDate>2012-05-08T23:34:01Z</CreateDate>). The protocol's serializer
 * says which while it writes a document (proto__xml_ts_millis). */
static _Thread_local bool ts_millis;

void proto__xml_ts_millis(bool on)
{
    ts_millis = on;
}

static ts_format_t m_ts(const member_t *m)
{
    if (m->ts_format != TS_DEFAULT) return (ts_format_t)m->ts_format;
    if (m->shape && m->shape->ts_format != TS_DEFAULT) return (ts_format_t)m->shape->ts_format;
    return TS_ISO8601; /* AWS: query, ec2 and rest-xml bodies use ISO 8601 (botocore TIMESTAMP_FORMAT) */
}

str_t proto__xml_member_name(const member_t *m)
{
    /* AWS: botocore _member_key_name — a flattened list whose member has a
     * locationName repeats elements under that name. */
    if (m->shape && m->shape->type == SH_LIST && m_flattened(m) && m->shape->nmembers) {
        const char *el = m_loc_name(&m->shape->members[0]);
        if (el) return str_c(el);
    }
    const char *ln = m_loc_name(m);
    return str_c(ln ? ln : m->name);
}

/* The text of a scalar in an XML document. A float is written with as many
 * digits as a double needs: XML clients read every number as a double
 * (botocore: float(text)), so the shortest float32 text ("823885.4" for
 * 823885.375f) would come back as another value. */
static str_t xml_scalar_text(const member_t *m, const val_t *v, arena_t *a)
{
    static const shape_t as_double = {.name = "Double", .type = SH_DOUBLE};
    const shape_t *s = m->shape && m->shape->type == SH_FLOAT ? &as_double : m->shape;
    ts_format_t f = m_ts(m);
    /* a time finer than milliseconds (never one of AWS's) keeps its microseconds */
    if (ts_millis && f == TS_ISO8601 && v && v->kind == VAL_TIME && v->u.t % 1000 == 0) {
        char t[32];
        time_fmt_iso8601(t, v->u.t, true);
        return str_c(arena_strdup(a, t));
    }
    return proto__scalar_text(s, v, f, a);
}

static void write_scalar(buf_t *b, arena_t *a, const member_t *m, str_t name, const val_t *v)
{
    str_t t = xml_scalar_text(m, v, a);
    if (!t.p) return;
    xml_text_elem(b, name, t);
}

/* The xmlns declaration of a structure element, when its member or shape names one. */
static void write_xmlns(buf_t *b, const member_t *m)
{
    const shape_t *s = m->shape;
    const char *uri = m->xmlns_uri ? m->xmlns_uri : s->xmlns_uri;
    if (!uri) return;
    const char *prefix = m->xmlns_uri ? m->xmlns_prefix : NULL;
    str_t pfx = prefix ? str_c(prefix) : STR_NULL;
    if (!pfx.p) {
        /* shape-level namespaces (S3 Grantee's xsi) lose their prefix in the
         * tables; the prefixed attribute member names it. */
        for (uint16_t i = 0; i < s->nmembers; i++) {
            const member_t *am = &s->members[i];
            if (!(am->flags & MF_XMLATTRIBUTE) || !am->loc_name) continue;
            long c = str_index(str_c(am->loc_name), ':');
            if (c > 0) pfx = str_n(am->loc_name, (size_t)c);
        }
    }
    if (pfx.p && pfx.len) {
        buf_puts(b, " xmlns:");
        buf_put_str(b, pfx);
        buf_puts(b, "=\"");
    } else {
        buf_puts(b, " xmlns=\"");
    }
    xml_escape(b, str_c(uri), true);
    buf_putc(b, '"');
}

void proto__xml_write_attrs(buf_t *b, arena_t *a, const shape_t *s, const val_t *v)
{
    if (!v || v->kind != VAL_STRUCT) return;
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *m = &s->members[i];
        if (!(m->flags & MF_XMLATTRIBUTE)) continue;
        val_t *mv = val_get(v, m->name);
        if (!mv || mv->kind == VAL_NULL) continue;
        str_t t = xml_scalar_text(m, mv, a);
        if (t.p) xml_attr_put(b, str_c(m->loc_name ? m->loc_name : m->name), t);
    }
}

void proto__xml_write_members(buf_t *b, arena_t *a, const shape_t *s, const val_t *v)
{
    if (!v || v->kind != VAL_STRUCT) return;
    for (uint16_t i = 0; i < s->nmembers; i++) {
        const member_t *m = &s->members[i];
        if (m->location != LOC_BODY || (m->flags & MF_XMLATTRIBUTE)) continue;
        val_t *mv = val_get(v, m->name);
        if (!mv || mv->kind == VAL_NULL) continue;
        proto__xml_write_member(b, a, m, proto__xml_member_name(m), mv);
    }
}

static void write_list(buf_t *b, arena_t *a, const member_t *m, str_t name, const val_t *v)
{
    if (v->kind != VAL_LIST || !m->shape->nmembers) return;
    const member_t *el = &m->shape->members[0];
    if (m_flattened(m)) {
        /* name is already the list member's locationName when it has one */
        for (size_t i = 0; i < v->u.list.n; i++) proto__xml_write_member(b, a, el, name, v->u.list.v[i]);
        return;
    }
    const char *eln = m_loc_name(el);
    str_t en = str_c(eln ? eln : "member");
    if (!v->u.list.n) {
        /* AWS: an empty wrapped list is an empty element; botocore reads it as []. */
        xml_open_start(b, name);
        buf_puts(b, "/>");
        return;
    }
    xml_open(b, name);
    for (size_t i = 0; i < v->u.list.n; i++) proto__xml_write_member(b, a, el, en, v->u.list.v[i]);
    xml_close(b, name);
}

static void write_map(buf_t *b, arena_t *a, const member_t *m, str_t name, const val_t *v)
{
    if ((v->kind != VAL_MAP && v->kind != VAL_STRUCT) || m->shape->nmembers < 2) return;
    const member_t *km = &m->shape->members[0], *vm = &m->shape->members[1];
    str_t kn = str_c(m_loc_name(km) ? m_loc_name(km) : "key");
    str_t vn = str_c(m_loc_name(vm) ? m_loc_name(vm) : "value");
    bool flat = m_flattened(m);
    if (!flat) xml_open(b, name);
    for (size_t i = 0; i < v->u.obj.n; i++) {
        xml_open(b, flat ? name : STR("entry"));
        xml_text_elem(b, kn, v->u.obj.e[i].key);
        if (v->u.obj.e[i].v && v->u.obj.e[i].v->kind != VAL_NULL)
            proto__xml_write_member(b, a, vm, vn, v->u.obj.e[i].v);
        xml_close(b, flat ? name : STR("entry"));
    }
    if (!flat) xml_close(b, name);
}

void proto__xml_write_member(buf_t *b, arena_t *a, const member_t *m, str_t name, const val_t *v)
{
    const shape_t *s = m->shape;
    if (!s || !v || v->kind == VAL_NULL) return;
    switch (s->type) {
    case SH_STRUCTURE:
        if (v->kind != VAL_STRUCT) return;
        xml_open_start(b, name);
        write_xmlns(b, m);
        proto__xml_write_attrs(b, a, s, v);
        xml_open_end(b);
        proto__xml_write_members(b, a, s, v);
        xml_close(b, name);
        break;
    case SH_LIST: write_list(b, a, m, name, v); break;
    case SH_MAP: write_map(b, a, m, name, v); break;
    default: write_scalar(b, a, m, name, v); break;
    }
}

void proto__xml_write_untyped(buf_t *b, arena_t *a, str_t name, const val_t *v)
{
    if (!v) return;
    char tmp[40];
    switch (v->kind) {
    case VAL_NULL: return;
    case VAL_STRUCT:
    case VAL_MAP:
        xml_open(b, name);
        for (size_t i = 0; i < v->u.obj.n; i++) proto__xml_write_untyped(b, a, v->u.obj.e[i].key, v->u.obj.e[i].v);
        xml_close(b, name);
        return;
    case VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) proto__xml_write_untyped(b, a, name, v->u.list.v[i]);
        return;
    case VAL_STR: xml_text_elem(b, name, v->u.s); return;
    case VAL_BLOB: xml_text_elem(b, name, arena_base64(a, v->u.s.p, v->u.s.len)); return;
    case VAL_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); break;
    case VAL_FLOAT: snprintf(tmp, sizeof tmp, "%.17g", v->u.f); break;
    case VAL_BOOL: snprintf(tmp, sizeof tmp, "%s", v->u.b ? "true" : "false"); break;
    case VAL_TIME: time_fmt_iso8601(tmp, v->u.t, false); break;
    }
    xml_text_elem(b, name, str_c(tmp));
}

const char *proto__xml_namespace(const svc_model_t *m, arena_t *a)
{
    if (m->xml_namespace && *m->xml_namespace) {
        size_t n = strlen(m->xml_namespace);
        /* AWS: EC2 answers xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"; the model omits the slash. */
        if (m->xml_namespace[n - 1] != '/') return arena_printf(a, "%s/", m->xml_namespace);
        return m->xml_namespace;
    }
    /* AWS: S3 documents use http://s3.amazonaws.com/doc/2006-03-01/; its model has no xmlNamespace. */
    return arena_printf(a, "http://%s.amazonaws.com/doc/%s/", m->endpoint_prefix ? m->endpoint_prefix : m->id,
                        m->api_version ? m->api_version : "");
}
