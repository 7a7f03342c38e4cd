/* ion.c — Amazon Ion text for DynamoDB's exports and imports; see ion.h.
 * The writer produces what AWS's exports hold (decimals as ion-java prints
 * them: "103.", "6d2", "1.5"; field names bare when they are identifiers,
 * else quoted symbols). The reader takes any Ion text of the types DynamoDB
 * maps (with comments, long strings, annotations, typed nulls, ints with
 * underscores), parsing a value first and mapping it after, so a caller
 * can tell text that is not Ion (nothing after it can be trusted) from a
 * record of a type DynamoDB has none for (a timestamp). */
#include "services/dynamodb/ion.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/dynamodb/ddb.h"

/* ==== writing ==== */

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* s's bytes between quote characters q, escaped as Ion's short strings and
 * quoted symbols need (control bytes as \xHH; UTF-8 passes as it is). */
static void put_quoted(buf_t *b, str_t s, char q)
{
    buf_putc(b, q);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == (unsigned char)q || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_puts(b, "\\n");
        } else if (c == '\t') {
            buf_puts(b, "\\t");
        } else if (c == '\r') {
            buf_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\x%02x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, q);
}

/* A field name: bare when an identifier that is no keyword and names no
 * symbol ID or system symbol ($...), else a quoted symbol. */
static void put_name(buf_t *b, str_t name)
{
    bool bare = name.len && is_ident_start(name.p[0]) && name.p[0] != '$';
    for (size_t i = 1; bare && i < name.len; i++) bare = is_ident_char(name.p[i]);
    static const char *const kw[] = {"null", "true", "false", "nan"};
    for (size_t i = 0; bare && i < sizeof kw / sizeof *kw; i++) bare = !str_eq_c(name, kw[i]);
    if (bare)
        buf_put_str(b, name);
    else
        put_quoted(b, name, '\'');
}

void ddb_ion_write_number(buf_t *b, str_t text)
{
    ddb_num_t n;
    const char *err;
    if (!ddb_num_parse(NULL, text, &n, &err)) { /* stored numbers parse; keep the text if not */
        buf_put_str(b, text);
        return;
    }
    if (!n.ndigits) {
        buf_puts(b, "0.");
        return;
    }
    char digits[39];
    for (int i = 0; i < n.ndigits; i++) digits[i] = (char)('0' + n.digit[i]);
    int nd = n.ndigits, e = n.exp - nd; /* value = digits * 10^e */
    if (n.neg) buf_putc(b, '-');
    if (e == 0) {
        buf_append(b, digits, (size_t)nd);
        buf_putc(b, '.');
    } else if (e > 0) {
        buf_append(b, digits, (size_t)nd);
        buf_printf(b, "d%d", e);
    } else {
        /* ion-java's rule: plain decimal notation unless the value is
         * below 1e-6, then digits with a negative exponent */
        int scale = -e, adjusted = nd - 1 - scale;
        if (adjusted >= 0) {
            buf_append(b, digits, (size_t)(nd - scale));
            buf_putc(b, '.');
            buf_append(b, digits + nd - scale, (size_t)scale);
        } else if (adjusted >= -6) {
            buf_puts(b, "0.");
            for (int i = 0; i < scale - nd; i++) buf_putc(b, '0');
            buf_append(b, digits, (size_t)nd);
        } else {
            buf_append(b, digits, (size_t)nd);
            buf_printf(b, "d-%d", scale);
        }
    }
}

static void put_blob(buf_t *b, str_t bytes)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    buf_puts(b, "{{");
    const unsigned char *p = (const unsigned char *)bytes.p;
    for (size_t i = 0; i < bytes.len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < bytes.len) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < bytes.len) v |= p[i + 2];
        char q[4] = {tbl[v >> 18 & 63], tbl[v >> 12 & 63], i + 1 < bytes.len ? tbl[v >> 6 & 63] : '=',
                     i + 2 < bytes.len ? tbl[v & 63] : '='};
        buf_append(b, q, 4);
    }
    buf_puts(b, "}}");
}

void ddb_ion_write_av(buf_t *b, const val_t *av)
{
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    switch (t) {
    case DDB_S: put_quoted(b, in->u.s, '"'); break;
    case DDB_N: ddb_ion_write_number(b, in->u.s); break;
    case DDB_B: put_blob(b, in->u.s); break;
    case DDB_BOOL: buf_puts(b, in->u.b ? "true" : "false"); break;
    case DDB_NULL: buf_puts(b, "null"); break;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
    case DDB_L:
        if (t != DDB_L) buf_printf(b, "$dynamodb_%s::", ddb_type_name(t));
        buf_putc(b, '[');
        for (size_t i = 0; i < in->u.list.n; i++) {
            const val_t *e = in->u.list.v[i];
            if (i) buf_putc(b, ',');
            if (t == DDB_SS)
                put_quoted(b, e->u.s, '"');
            else if (t == DDB_NS)
                ddb_ion_write_number(b, e->u.s);
            else if (t == DDB_BS)
                put_blob(b, e->u.s);
            else
                ddb_ion_write_av(b, e);
        }
        buf_putc(b, ']');
        break;
    case DDB_M: ddb_ion_write_item(b, in); break;
    default: buf_puts(b, "null"); break; /* never stored */
    }
}

void ddb_ion_write_item(buf_t *b, const val_t *item)
{
    buf_putc(b, '{');
    for (size_t i = 0; i < item->u.obj.n; i++) {
        if (i) buf_putc(b, ',');
        put_name(b, item->u.obj.e[i].key);
        buf_putc(b, ':');
        ddb_ion_write_av(b, item->u.obj.e[i].v);
    }
    buf_putc(b, '}');
}

/* ==== reading ==== */

typedef struct {
    arena_t *a;
    str_t s;
    size_t i;
    const char *err;
    int depth;
} rd_t;

#define MAX_DEPTH 64 /* deeper than DynamoDB's 32 levels, and a bound on recursion */

static bool fail(rd_t *r, const char *msg)
{
    if (!r->err) r->err = arena_printf(r->a, "%s at offset %zu", msg, r->i);
    return false;
}

/* Skips whitespace and comments; false on an unclosed block comment. */
static bool skip_ws(rd_t *r)
{
    while (r->i < r->s.len) {
        char c = r->s.p[r->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            r->i++;
        } else if (c == '/' && r->i + 1 < r->s.len && r->s.p[r->i + 1] == '/') {
            while (r->i < r->s.len && r->s.p[r->i] != '\n') r->i++;
        } else if (c == '/' && r->i + 1 < r->s.len && r->s.p[r->i + 1] == '*') {
            const char *end = NULL;
            for (size_t j = r->i + 2; j + 1 < r->s.len; j++)
                if (r->s.p[j] == '*' && r->s.p[j + 1] == '/') {
                    end = r->s.p + j;
                    break;
                }
            if (!end) return fail(r, "Unclosed comment");
            r->i = (size_t)(end - r->s.p) + 2;
        } else {
            break;
        }
    }
    return true;
}

static bool at_c(rd_t *r, char c)
{
    return r->i < r->s.len && r->s.p[r->i] == c;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* One escape after the backslash at r->i, appended to b. */
static bool escape(rd_t *r, buf_t *b)
{
    if (++r->i >= r->s.len) return fail(r, "Unterminated escape");
    char c = r->s.p[r->i++];
    int digits = 0;
    switch (c) {
    case 'n': buf_putc(b, '\n'); return true;
    case 't': buf_putc(b, '\t'); return true;
    case 'r': buf_putc(b, '\r'); return true;
    case '0': buf_putc(b, '\0'); return true;
    case 'a': buf_putc(b, '\a'); return true;
    case 'b': buf_putc(b, '\b'); return true;
    case 'f': buf_putc(b, '\f'); return true;
    case 'v': buf_putc(b, '\v'); return true;
    case '"':
    case '\'':
    case '\\':
    case '/':
    case '?': buf_putc(b, c); return true;
    case '\n': return true; /* a line continuation */
    case '\r':
        if (at_c(r, '\n')) r->i++;
        return true;
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default: return fail(r, "Invalid escape sequence");
    }
    uint32_t cp = 0;
    for (int k = 0; k < digits; k++) {
        int h = r->i < r->s.len ? hexval(r->s.p[r->i]) : -1;
        if (h < 0) return fail(r, "Invalid escape sequence");
        cp = cp << 4 | (uint32_t)h;
        r->i++;
    }
    if (cp > 0x10ffff) return fail(r, "Invalid escape sequence");
    buf_put_utf8(b, cp);
    return true;
}

/* A quoted string or symbol body from after its opening quote q to past the
 * closing one, appended to b. */
static bool quoted(rd_t *r, char q, buf_t *b)
{
    for (;;) {
        if (r->i >= r->s.len) return fail(r, "Unterminated string");
        char c = r->s.p[r->i];
        if (c == q) {
            r->i++;
            return true;
        }
        if (c == '\\') {
            if (!escape(r, b)) return false;
            continue;
        }
        if ((c == '\n' || c == '\r') && q == '"') return fail(r, "Newline in a short string");
        buf_putc(b, c);
        r->i++;
    }
}

static bool starts(rd_t *r, const char *lit)
{
    size_t n = strlen(lit);
    return r->i + n <= r->s.len && !memcmp(r->s.p + r->i, lit, n);
}

/* Long strings ('''...''' with only whitespace and comments between them
 * are one string), from the first '''. */
static bool long_string(rd_t *r, buf_t *b)
{
    while (starts(r, "'''")) {
        r->i += 3;
        for (;;) {
            if (r->i >= r->s.len) return fail(r, "Unterminated long string");
            if (starts(r, "'''")) {
                r->i += 3;
                break;
            }
            if (r->s.p[r->i] == '\\') {
                if (!escape(r, b)) return false;
                continue;
            }
            buf_putc(b, r->s.p[r->i++]);
        }
        size_t save = r->i;
        if (!skip_ws(r)) return false;
        if (!starts(r, "'''")) r->i = save;
    }
    return true;
}

/* Whether c ends a bare token (number, keyword, identifier). */
static bool delim(char c)
{
    return strchr(" \t\n\r\v\f,]}[{()\"'/", c) != NULL;
}

/* A number token's kind by Ion's grammar, or -1 when it is none. */
static int number_kind(str_t t)
{
    size_t i = 0;
    if (i < t.len && t.p[i] == '-') i++;
    if (i >= t.len) return -1;
    if (t.len - i > 2 && t.p[i] == '0' &&
        (t.p[i + 1] == 'x' || t.p[i + 1] == 'X' || t.p[i + 1] == 'b' || t.p[i + 1] == 'B')) {
        bool hex = t.p[i + 1] == 'x' || t.p[i + 1] == 'X';
        for (i += 2; i < t.len; i++)
            if (!(hex ? hexval(t.p[i]) >= 0 : t.p[i] == '0' || t.p[i] == '1') && t.p[i] != '_') return -1;
        return ION_INT;
    }
    size_t from = i;
    while (i < t.len && ((t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '_')) i++;
    if (i == from || t.p[from] == '_' || t.p[i - 1] == '_') return -1;
    if (i - from > 1 && t.p[from] == '0') return -1; /* Ion: no leading zeros */
    int kind = ION_INT;
    if (i < t.len && t.p[i] == '.') {
        kind = ION_DECIMAL;
        for (i++; i < t.len && ((t.p[i] >= '0' && t.p[i] <= '9') || t.p[i] == '_'); i++) {
        }
    }
    if (i < t.len && strchr("dDeE", t.p[i])) {
        kind = t.p[i] == 'e' || t.p[i] == 'E' ? ION_FLOAT : ION_DECIMAL;
        i++;
        if (i < t.len && (t.p[i] == '+' || t.p[i] == '-')) i++;
        size_t e = i;
        while (i < t.len && t.p[i] >= '0' && t.p[i] <= '9') i++;
        if (i == e) return -1;
    }
    return i == t.len ? kind : -1;
}

static bool value(rd_t *r, ion_t *v);

/* The members of a list or struct after its opening bracket. */
static bool container(rd_t *r, ion_t *v, char close)
{
    if (++r->depth > MAX_DEPTH) return fail(r, "Values nest too deeply");
    size_t cap = 0;
    for (;;) {
        if (!skip_ws(r)) return false;
        if (at_c(r, close)) {
            r->i++;
            break;
        }
        if (v->n) { /* a comma between members, and one may follow the last */
            if (!at_c(r, ','))
                return fail(r, close == ']' ? "Expected ',' or ']' in a list" : "Expected ',' or '}' in a struct");
            r->i++;
            if (!skip_ws(r)) return false;
            if (at_c(r, close)) {
                r->i++;
                break;
            }
        }
        str_t name = STR_NULL;
        if (close == '}') {
            buf_t nb;
            buf_init(&nb, r->a);
            if (at_c(r, '"')) {
                r->i++;
                if (!quoted(r, '"', &nb)) return false;
            } else if (starts(r, "'''")) {
                if (!long_string(r, &nb)) return false;
            } else if (at_c(r, '\'')) {
                r->i++;
                if (!quoted(r, '\'', &nb)) return false;
            } else if (r->i < r->s.len && is_ident_start(r->s.p[r->i])) {
                size_t from = r->i;
                while (r->i < r->s.len && is_ident_char(r->s.p[r->i])) r->i++;
                buf_append(&nb, r->s.p + from, r->i - from);
            } else {
                return fail(r, "Expected a field name");
            }
            name = buf_str(&nb);
            if (!name.p) name = STR("");
            if (!skip_ws(r)) return false;
            if (!at_c(r, ':') || starts(r, "::")) return fail(r, "Expected ':' after a field name");
            r->i++;
            if (!skip_ws(r)) return false;
        }
        if (v->n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            ion_t **nv = arena_realloc(r->a, v->v, cap * sizeof *nv, ncap * sizeof *nv);
            str_t *nk = close == '}' ? arena_realloc(r->a, v->k, cap * sizeof *nk, ncap * sizeof *nk) : NULL;
            if (!nv || (close == '}' && !nk)) return fail(r, "Out of memory");
            v->v = nv, v->k = nk, cap = ncap;
        }
        ion_t *e = arena_alloc(r->a, sizeof *e);
        if (!e) return fail(r, "Out of memory");
        memset(e, 0, sizeof *e);
        if (!value(r, e)) return false;
        if (close == '}') v->k[v->n] = name;
        v->v[v->n++] = e;
    }
    r->depth--;
    return true;
}

/* A bare token from r->i: keyword, identifier symbol, number or timestamp. */
static bool bare(rd_t *r, ion_t *v)
{
    size_t from = r->i;
    if (r->i < r->s.len && (r->s.p[r->i] == '+' || r->s.p[r->i] == '-')) r->i++;
    while (r->i < r->s.len && !delim(r->s.p[r->i])) r->i++;
    /* null.TYPE: the dot belongs to the keyword */
    str_t t = str_n(r->s.p + from, r->i - from);
    if (!t.len) return fail(r, "Expected a value");
    if (str_eq_c(t, "null") || str_starts_with(t, STR("null."))) {
        v->type = ION_NULL;
        v->text = t.len > 5 ? str_sub(t, 5, t.len - 5) : STR("");
        static const char *const types[] = {"",       "null",   "bool", "int",  "float", "decimal", "timestamp",
                                            "symbol", "string", "clob", "blob", "list",  "sexp",    "struct"};
        for (size_t k = 0; k < sizeof types / sizeof *types; k++)
            if (str_eq_c(v->text, types[k])) return true;
        return fail(r, "Invalid typed null");
    }
    if (str_eq_c(t, "true") || str_eq_c(t, "false")) {
        v->type = ION_BOOL;
        v->b = t.p[0] == 't';
        return true;
    }
    if (str_eq_c(t, "nan") || str_eq_c(t, "+inf") || str_eq_c(t, "-inf")) {
        v->type = ION_FLOAT;
        v->text = t;
        return true;
    }
    if (is_ident_start(t.p[0])) {
        for (size_t k = 1; k < t.len; k++)
            if (!is_ident_char(t.p[k])) return fail(r, "Invalid symbol");
        v->type = ION_SYMBOL;
        v->text = t;
        return true;
    }
    int kind = number_kind(t);
    if (kind >= 0) {
        v->type = (ion_type_t)kind;
        v->text = t;
        return true;
    }
    /* a timestamp (2007-02-23T12:14Z, 2007T): four digits, then '-' or
     * 'T', then only the characters a timestamp is made of */
    bool ts = t.len >= 5 && t.p[4] && strchr("-T", t.p[4]);
    for (size_t k = 0; ts && k < t.len; k++)
        ts = k < 4 ? t.p[k] >= '0' && t.p[k] <= '9' : t.p[k] && strchr("0123456789-:.TZ+", t.p[k]) != NULL;
    if (ts) {
        v->type = ION_OTHER;
        v->text = STR("timestamp");
        return true;
    }
    return fail(r, "Invalid value");
}

/* One value (with its annotations) from r->i, which skip_ws has passed. */
static bool value(rd_t *r, ion_t *v)
{
    /* annotations: symbols followed by '::' */
    for (;;) {
        size_t save = r->i;
        buf_t nb;
        buf_init(&nb, r->a);
        bool sym = false;
        if (at_c(r, '\'') && !starts(r, "'''")) {
            r->i++;
            if (!quoted(r, '\'', &nb)) return false;
            sym = true;
        } else if (r->i < r->s.len && is_ident_start(r->s.p[r->i])) {
            while (r->i < r->s.len && is_ident_char(r->s.p[r->i])) r->i++;
            buf_append(&nb, r->s.p + save, r->i - save);
            sym = true;
        }
        if (!sym) break;
        str_t name = buf_str(&nb);
        if (!name.p) name = STR("");
        size_t after = r->i;
        if (!skip_ws(r)) return false;
        if (!starts(r, "::")) {
            r->i = after;
            if (r->s.p[save] == '\'') { /* a quoted symbol value */
                v->type = ION_SYMBOL;
                v->text = name;
                return true;
            }
            r->i = save;
            break;
        }
        r->i += 2;
        if (!v->nannot++) v->annot = name;
        if (!skip_ws(r)) return false;
    }
    if (r->i >= r->s.len) return fail(r, "Expected a value");
    char c = r->s.p[r->i];
    buf_t b;
    buf_init(&b, r->a);
    if (c == '"') {
        r->i++;
        if (!quoted(r, '"', &b)) return false;
        v->type = ION_STRING;
        v->text = buf_str(&b);
    } else if (starts(r, "'''")) {
        if (!long_string(r, &b)) return false;
        v->type = ION_STRING;
        v->text = buf_str(&b);
    } else if (starts(r, "{{")) {
        r->i += 2;
        if (!skip_ws(r)) return false;
        if (at_c(r, '"') || starts(r, "'''")) { /* a clob: valid, no DynamoDB type */
            bool ok = at_c(r, '"') ? (r->i++, quoted(r, '"', &b)) : long_string(r, &b);
            if (!ok || !skip_ws(r)) return false;
            v->type = ION_OTHER;
            v->text = STR("clob");
        } else {
            while (r->i < r->s.len && r->s.p[r->i] != '}') {
                char d = r->s.p[r->i];
                if (d != ' ' && d != '\t' && d != '\n' && d != '\r' && d != '\v' && d != '\f') buf_putc(&b, d);
                r->i++;
            }
            str_t bytes, text = buf_str(&b);
            if (!arena_unbase64(r->a, text.p ? text : STR(""), &bytes)) return fail(r, "Invalid base64 in a blob");
            v->type = ION_BLOB;
            v->text = bytes;
        }
        if (!starts(r, "}}")) return fail(r, "Expected '}}' closing a blob");
        r->i += 2;
    } else if (c == '{') {
        r->i++;
        v->type = ION_STRUCT;
        if (!container(r, v, '}')) return false;
    } else if (c == '[') {
        r->i++;
        v->type = ION_LIST;
        if (!container(r, v, ']')) return false;
    } else if (c == '(') {
        return fail(r, "S-expressions are not supported");
    } else {
        if (!bare(r, v)) return false;
    }
    if (!v->text.p && (v->type == ION_STRING || v->type == ION_BLOB)) v->text = STR("");
    return true;
}

int ddb_ion_read(arena_t *a, str_t s, size_t *at, ion_t **out, const char **err)
{
    rd_t r = {.a = a, .s = s, .i = *at};
    for (;;) {
        if (!skip_ws(&r)) break;
        if (r.i >= s.len) {
            *at = r.i;
            return 0;
        }
        ion_t *v = arena_alloc(a, sizeof *v);
        if (!v) {
            r.err = "Out of memory";
            break;
        }
        memset(v, 0, sizeof *v);
        if (!value(&r, v)) break;
        /* the version marker, and a local symbol table (Ion's own, no data) */
        if ((v->type == ION_SYMBOL && !v->nannot && str_starts_with(v->text, STR("$ion_"))) ||
            (v->nannot && str_eq_c(v->annot, "$ion_symbol_table")))
            continue;
        *at = r.i;
        *out = v;
        return 1;
    }
    *err = r.err;
    *at = s.len;
    return -1;
}

/* ==== mapping to AttributeValues ==== */

/* An Ion number's text as DynamoDB number text (ddb_validate_av checks it
 * after): underscores dropped, the trailing '.' of "103." and Ion's 'd'
 * exponent made plain; hex and binary ints converted. NULL for nan/inf. */
static const char *number_text(arena_t *a, const ion_t *v)
{
    str_t t = v->text;
    if (v->type == ION_FLOAT && (str_eq_c(t, "nan") || str_eq_c(t, "+inf") || str_eq_c(t, "-inf"))) return NULL;
    buf_t b;
    buf_init(&b, a);
    bool neg = t.len && t.p[0] == '-';
    size_t i = neg ? 1 : 0;
    if (v->type == ION_INT && t.len > i + 1 && t.p[i] == '0' && strchr("xXbB", t.p[i + 1])) {
        int base = t.p[i + 1] == 'x' || t.p[i + 1] == 'X' ? 16 : 2;
        uint64_t n = 0;
        for (i += 2; i < t.len; i++) {
            if (t.p[i] == '_') continue;
            if (n > (UINT64_MAX - 15) / 16) return "1e200"; /* past 64 bits: refused as an overflow */
            n = n * (unsigned)base + (unsigned)hexval(t.p[i]);
        }
        return arena_printf(a, "%s%llu", neg ? "-" : "", (unsigned long long)n);
    }
    for (size_t k = 0; k < t.len; k++) {
        char c = t.p[k];
        if (c == '_') continue;
        if (c == 'd' || c == 'D' || c == 'e' || c == 'E') {
            if (b.len && b.p[b.len - 1] == '.') b.len--;
            buf_putc(&b, 'E');
            continue;
        }
        buf_putc(&b, c);
    }
    if (b.len && b.p[b.len - 1] == '.') b.len--;
    buf_putc(&b, 0);
    return b.failed ? NULL : b.p;
}

static val_t *av_of(arena_t *a, const ion_t *v, const char **err);

static const char *type_name(const ion_t *v)
{
    static const char *const names[] = {"null",   "bool", "int",  "decimal", "float", "string",
                                        "symbol", "blob", "list", "struct",  "other"};
    return v->type == ION_OTHER ? v->text.p : names[v->type];
}

/* A set's element: strings for SS, numbers for NS, blobs for BS. */
static val_t *set_elem(arena_t *a, ddb_type_t t, const ion_t *e, const char **err)
{
    if (t == DDB_SS && e->type == ION_STRING && !e->nannot) return val_str(a, e->text);
    if (t == DDB_BS && e->type == ION_BLOB && !e->nannot) return val_blob(a, e->text);
    if (t == DDB_NS && (e->type == ION_INT || e->type == ION_DECIMAL || e->type == ION_FLOAT) && !e->nannot) {
        const char *n = number_text(a, e);
        if (n) return val_cstr(a, n);
    }
    *err = arena_printf(a, "A $dynamodb_%s set cannot hold a value of Ion type %s", ddb_type_name(t), type_name(e));
    return NULL;
}

static val_t *av_of(arena_t *a, const ion_t *v, const char **err)
{
    ddb_type_t set = DDB_BAD;
    if (v->nannot) {
        if (v->type == ION_LIST && v->nannot == 1) {
            if (str_eq_c(v->annot, "$dynamodb_SS")) set = DDB_SS;
            if (str_eq_c(v->annot, "$dynamodb_NS")) set = DDB_NS;
            if (str_eq_c(v->annot, "$dynamodb_BS")) set = DDB_BS;
        }
        if (set == DDB_BAD) {
            *err = arena_printf(a, "Unsupported Ion annotation: %.*s", STR_FMT(v->annot));
            return NULL;
        }
    }
    val_t *inner;
    switch (v->type) {
    case ION_STRING: return ddb_av(a, DDB_S, val_str(a, v->text));
    case ION_BLOB: return ddb_av(a, DDB_B, val_blob(a, v->text));
    case ION_BOOL: return ddb_av(a, DDB_BOOL, val_bool(a, v->b));
    case ION_INT:
    case ION_DECIMAL:
    case ION_FLOAT: {
        const char *n = number_text(a, v);
        if (!n) break;
        return ddb_av(a, DDB_N, val_cstr(a, n));
    }
    case ION_NULL:
        /* null and null.null are DynamoDB's NULL; a typed null names a
         * type DynamoDB would need a value for */
        if (v->text.len && !str_eq_c(v->text, "null")) break;
        return ddb_av(a, DDB_NULL, val_bool(a, true));
    case ION_LIST:
        inner = val_new(a, VAL_LIST);
        for (size_t i = 0; i < v->n; i++) {
            val_t *x = set != DDB_BAD ? set_elem(a, set, v->v[i], err) : av_of(a, v->v[i], err);
            if (!x) return NULL;
            val_push(a, inner, x);
        }
        return ddb_av(a, set != DDB_BAD ? set : DDB_L, inner);
    case ION_STRUCT:
        inner = val_new(a, VAL_MAP);
        for (size_t i = 0; i < v->n; i++) {
            val_t *x = av_of(a, v->v[i], err);
            if (!x) return NULL;
            val_set(a, inner, v->k[i], x);
        }
        return ddb_av(a, DDB_M, inner);
    default: break;
    }
    if (v->type == ION_NULL)
        *err = arena_printf(a, "Unsupported Ion value: null.%.*s", STR_FMT(v->text));
    else if (v->type == ION_FLOAT)
        *err = arena_printf(a, "Unsupported Ion value: %.*s is no DynamoDB number", STR_FMT(v->text));
    else
        *err = arena_printf(a, "Unsupported Ion type: %s", type_name(v));
    return NULL;
}

val_t *ddb_ion_item(arena_t *a, const ion_t *rec, const char **err)
{
    const ion_t *m = NULL;
    if (rec->type == ION_STRUCT && !rec->nannot && rec->n == 1 && str_eq_c(rec->k[0], "Item")) m = rec->v[0];
    if (!m || m->type != ION_STRUCT || m->nannot) {
        *err = "A record must be a struct with one field, Item, whose value is the item as a struct";
        return NULL;
    }
    val_t *item = val_new(a, VAL_MAP);
    for (size_t i = 0; i < m->n; i++) {
        val_t *av = av_of(a, m->v[i], err);
        if (!av) return NULL;
        val_set(a, item, m->k[i], av);
    }
    return item;
}
