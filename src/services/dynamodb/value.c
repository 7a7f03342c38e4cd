/* value.c — DynamoDB AttributeValues: type access, input validation, equality,
 * key ordering, item sizes, the compact storage encoding and the
 * order-preserving key encoding.
 *
 * Operation files validate every AttributeValue of a request here before
 * using it, then store items with ddb_item_encode and keys with
 * ddb_key_encode. Invariants: a validated value has canonical number text, so
 * byte-equal numbers are equal numbers; memcmp of two key encodings orders as
 * ddb_av_cmp; decode(encode(item)) == item exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/dynamodb/ddb.h"

static const char *const type_names[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL", "?"};

const char *ddb_type_name(ddb_type_t t)
{
    return type_names[t <= DDB_BAD ? t : DDB_BAD];
}

static ddb_type_t type_of_name(str_t k)
{
    for (int t = 0; t < DDB_BAD; t++)
        if (str_eq_c(k, type_names[t])) return (ddb_type_t)t;
    return DDB_BAD;
}

/* The inner value must have the kind the type implies, so that callers may
 * read u.s / u.list / u.obj without checking again. */
static bool kind_ok(ddb_type_t t, const val_t *v)
{
    if (!v) return false;
    switch (t) {
    case DDB_S:
    case DDB_N: return v->kind == VAL_STR;
    case DDB_B: return v->kind == VAL_BLOB || v->kind == VAL_STR;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
    case DDB_L: return v->kind == VAL_LIST;
    case DDB_M: return v->kind == VAL_MAP || v->kind == VAL_STRUCT;
    case DDB_NULL:
    case DDB_BOOL: return v->kind == VAL_BOOL;
    default: return false;
    }
}

ddb_type_t ddb_type(const val_t *av)
{
    if (!av || (av->kind != VAL_STRUCT && av->kind != VAL_MAP)) return DDB_BAD;
    ddb_type_t found = DDB_BAD;
    for (size_t i = 0; i < av->u.obj.n; i++) {
        const val_entry_t *e = &av->u.obj.e[i];
        if (!e->v || e->v->kind == VAL_NULL) continue; /* JSON null members count as absent */
        if (found != DDB_BAD) return DDB_BAD;
        found = type_of_name(e->key);
        if (found == DDB_BAD || !kind_ok(found, e->v)) return DDB_BAD;
    }
    return found;
}

const val_t *ddb_inner(const val_t *av)
{
    if (!av || (av->kind != VAL_STRUCT && av->kind != VAL_MAP)) return NULL;
    for (size_t i = 0; i < av->u.obj.n; i++)
        if (av->u.obj.e[i].v && av->u.obj.e[i].v->kind != VAL_NULL) return av->u.obj.e[i].v;
    return NULL;
}

val_t *ddb_av(arena_t *a, ddb_type_t t, val_t *inner)
{
    val_t *av = val_new(a, VAL_STRUCT);
    if (!av || val_set_c(a, av, ddb_type_name(t), inner) != 0) return NULL;
    return av;
}

/* ---- validation ---- */

#define PFX "One or more parameter values were invalid: "

static str_t b64(arena_t *a, str_t in)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = (in.len + 2) / 3 * 4;
    char *o = arena_alloc(a, n + 1);
    if (!o) return STR("");
    const unsigned char *p = (const unsigned char *)in.p;
    size_t k = 0;
    for (size_t i = 0; i < in.len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < in.len) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < in.len) v |= p[i + 2];
        o[k++] = tab[(v >> 18) & 63];
        o[k++] = tab[(v >> 12) & 63];
        o[k++] = i + 1 < in.len ? tab[(v >> 6) & 63] : '=';
        o[k++] = i + 2 < in.len ? tab[v & 63] : '=';
    }
    o[k] = 0;
    return (str_t){o, k};
}

/* "[a, b, c]" as AWS lists a set's members in its duplicates message. */
static const char *collection(arena_t *a, const val_t *list, bool binary)
{
    buf_t b;
    buf_init(&b, a);
    buf_putc(&b, '[');
    for (size_t i = 0; i < list->u.list.n; i++) {
        if (i) buf_puts(&b, ", ");
        str_t s = list->u.list.v[i]->u.s;
        buf_put_str(&b, binary ? b64(a, s) : s);
    }
    buf_putc(&b, ']');
    return buf_str(&b).p;
}

static int cmp_str_ptr(const void *x, const void *y)
{
    return str_cmp(*(const str_t *)x, *(const str_t *)y);
}

static bool has_dup_bytes(arena_t *a, const val_t *list)
{
    size_t n = list->u.list.n;
    str_t *s = ARENA_NEWN(a, str_t, n ? n : 1);
    if (!s) return false;
    for (size_t i = 0; i < n; i++) s[i] = list->u.list.v[i]->u.s;
    qsort(s, n, sizeof *s, cmp_str_ptr);
    for (size_t i = 1; i < n; i++)
        if (str_eq(s[i - 1], s[i])) return true;
    return false;
}

#define MAX_DEPTH 32

static const char *validate(arena_t *a, val_t *av, int depth);

/* One member's content: numbers parse, sets are non-empty and distinct,
 * NULL is true, nested values are valid. */
static const char *validate_member(arena_t *a, ddb_type_t t, val_t *inner, int depth)
{
    if (t == DDB_BAD || !kind_ok(t, inner))
        return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    const char *err = NULL;
    switch (t) {
    case DDB_S:
    case DDB_B:
    case DDB_BOOL: return NULL;
    case DDB_NULL: return inner->u.b ? NULL : PFX "Null attribute value types must have the value of true";
    case DDB_N: {
        ddb_num_t n;
        if (!ddb_num_parse(a, inner->u.s, &n, &err)) return err;
        inner->u.s = ddb_num_format(a, &n);
        return NULL;
    }
    case DDB_SS:
    case DDB_BS: {
        bool bin = t == DDB_BS;
        if (inner->u.list.n == 0)
            return bin ? PFX "Binary sets should not be empty" : PFX "An string set  may not be empty";
        for (size_t i = 0; i < inner->u.list.n; i++) {
            val_t *m = inner->u.list.v[i];
            if (!m || (m->kind != VAL_STR && m->kind != VAL_BLOB))
                return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
        }
        if (has_dup_bytes(a, inner))
            return bin ? arena_printf(a, PFX "Input collection %sof type BS contains duplicates.",
                                      collection(a, inner, true))
                       : arena_printf(a, PFX "Input collection %s contains duplicates.", collection(a, inner, false));
        return NULL;
    }
    case DDB_NS: {
        if (inner->u.list.n == 0) return PFX "An number set  may not be empty";
        for (size_t i = 0; i < inner->u.list.n; i++) {
            val_t *m = inner->u.list.v[i];
            if (!m || m->kind != VAL_STR)
                return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
            ddb_num_t n;
            if (!ddb_num_parse(a, m->u.s, &n, &err)) return err;
            m->u.s = ddb_num_format(a, &n);
        }
        /* AWS: duplicates by value, and this message has no prefix and no
         * member list (dynalite test/putItem.js). */
        if (has_dup_bytes(a, inner)) return "Input collection contains duplicates";
        return NULL;
    }
    case DDB_M:
        for (size_t i = 0; i < inner->u.obj.n; i++)
            if ((err = validate(a, inner->u.obj.e[i].v, depth + 1))) return err;
        return NULL;
    case DDB_L:
        for (size_t i = 0; i < inner->u.list.n; i++)
            if ((err = validate(a, inner->u.list.v[i], depth + 1))) return err;
        return NULL;
    default: return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    }
}

static const char *validate(arena_t *a, val_t *av, int depth)
{
    /* AWS: a leaf at nesting level 33 is refused; the top-level value is
     * level 1 (DynamoDB docs "Attributes": 32 levels of nesting). */
    if (depth > MAX_DEPTH)
        return "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
               "supported limit";
    if (!av || (av->kind != VAL_STRUCT && av->kind != VAL_MAP))
        return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    /* AWS: every member's content is checked before the member count, so
     * {"S": "a", "N": "b"} is about the number (dynalite test/getItem.js). */
    size_t members = 0;
    for (size_t i = 0; i < av->u.obj.n; i++) {
        val_t *v = av->u.obj.e[i].v;
        if (!v || v->kind == VAL_NULL) continue;
        members++;
        const char *err = validate_member(a, type_of_name(av->u.obj.e[i].key), v, depth);
        if (err) return err;
    }
    if (members == 0) return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    if (members > 1)
        return "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
               "datatypes";
    return NULL;
}

const char *ddb_validate_av(arena_t *a, val_t *av)
{
    return validate(a, av, 1);
}

const char *ddb_validate_item(arena_t *a, val_t *item)
{
    if (!item || (item->kind != VAL_MAP && item->kind != VAL_STRUCT)) return NULL;
    for (size_t i = 0; i < item->u.obj.n; i++) {
        /* AWS refuses an attribute named "" (the Alternator suite, run
         * against DynamoDB, matches "Empty attribute name"); no source says
         * the same of a map's keys, which are left alone. */
        if (!item->u.obj.e[i].key.len) return PFX "Empty attribute name";
        const char *err = validate(a, item->u.obj.e[i].v, 1);
        if (err) return err;
    }
    return NULL;
}

/* ---- equality and ordering ---- */

static bool num_text_equal(str_t x, str_t y)
{
    if (str_eq(x, y)) return true;
    ddb_num_t nx, ny;
    const char *err;
    /* Values built by the service are canonical; parse only on a mismatch,
     * which also covers unvalidated text such as "1.0" vs "1". */
    return ddb_num_parse(NULL, x, &nx, &err) && ddb_num_parse(NULL, y, &ny, &err) && ddb_num_cmp(&nx, &ny) == 0;
}

static bool set_has(const val_t *list, const val_t *m, bool num)
{
    for (size_t i = 0; i < list->u.list.n; i++) {
        str_t s = list->u.list.v[i]->u.s;
        if (num ? num_text_equal(s, m->u.s) : str_eq(s, m->u.s)) return true;
    }
    return false;
}

bool ddb_av_equal(const val_t *x, const val_t *y)
{
    ddb_type_t tx = ddb_type(x), ty = ddb_type(y);
    if (tx != ty || tx == DDB_BAD) return false;
    const val_t *ix = ddb_inner(x), *iy = ddb_inner(y);
    switch (tx) {
    case DDB_S:
    case DDB_B: return str_eq(ix->u.s, iy->u.s);
    case DDB_N: return num_text_equal(ix->u.s, iy->u.s);
    case DDB_NULL: return true;
    case DDB_BOOL: return ix->u.b == iy->u.b;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
        /* Validated sets have no duplicates, so equal size + inclusion is
         * set equality. */
        if (ix->u.list.n != iy->u.list.n) return false;
        for (size_t i = 0; i < ix->u.list.n; i++)
            if (!set_has(iy, ix->u.list.v[i], tx == DDB_NS)) return false;
        return true;
    case DDB_L:
        if (ix->u.list.n != iy->u.list.n) return false;
        for (size_t i = 0; i < ix->u.list.n; i++)
            if (!ddb_av_equal(ix->u.list.v[i], iy->u.list.v[i])) return false;
        return true;
    case DDB_M: return ddb_item_equal(ix, iy);
    default: return false;
    }
}

bool ddb_item_equal(const val_t *x, const val_t *y)
{
    if (!x || !y || (x->kind != VAL_MAP && x->kind != VAL_STRUCT) || val_len(x) != val_len(y)) return false;
    for (size_t i = 0; i < x->u.obj.n; i++) {
        const val_t *o = val_get_s(y, x->u.obj.e[i].key);
        if (!o || !ddb_av_equal(x->u.obj.e[i].v, o)) return false;
    }
    return true;
}

static bool num_of(const val_t *inner, ddb_num_t *n)
{
    const char *err;
    bool ok = ddb_num_parse(NULL, inner->u.s, n, &err);
    if (!ok) memset(n, 0, sizeof *n);
    return ok;
}

int ddb_av_cmp(const val_t *x, const val_t *y)
{
    ddb_type_t tx = ddb_type(x), ty = ddb_type(y);
    if (tx != ty) return tx < ty ? -1 : 1;
    const val_t *ix = ddb_inner(x), *iy = ddb_inner(y);
    switch (tx) {
    case DDB_S:
    case DDB_B: {
        int c = str_cmp(ix->u.s, iy->u.s);
        return (c > 0) - (c < 0);
    }
    case DDB_N: {
        ddb_num_t nx, ny;
        num_of(ix, &nx);
        num_of(iy, &ny);
        return ddb_num_cmp(&nx, &ny);
    }
    default: return ddb_av_equal(x, y) ? 0 : 1;
    }
}

/* ---- sizes ---- */

static size_t num_size(str_t text)
{
    ddb_num_t n;
    if (!num_of(&(val_t){.kind = VAL_STR, .u.s = text}, &n)) return 1;
    if (n.ndigits == 0) return 2; /* AWS: zero is stored as one centesimal digit + exponent */
    /* AWS: "1 byte per two significant digits + 1 byte" (Item sizes and
     * formats); the digits pair up around the decimal point as base-100
     * digits do, and a negative number carries one more byte. */
    int lead = n.exp - 1;         /* power of the first digit */
    int last = n.exp - n.ndigits; /* power of the last digit */
    int hi = lead >= 0 ? lead / 2 : -((-lead + 1) / 2);
    int lo = last >= 0 ? last / 2 : -((-last + 1) / 2);
    size_t sz = (size_t)(hi - lo + 1) + 1;
    return sz + (n.neg ? 1 : 0);
}

size_t ddb_av_size(const val_t *av)
{
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    size_t sz = 0;
    switch (t) {
    case DDB_S:
    case DDB_B: return in->u.s.len;
    case DDB_N: return num_size(in->u.s);
    case DDB_NULL:
    case DDB_BOOL: return 1;
    case DDB_SS:
    case DDB_BS:
        for (size_t i = 0; i < in->u.list.n; i++) sz += in->u.list.v[i]->u.s.len;
        return sz;
    case DDB_NS:
        for (size_t i = 0; i < in->u.list.n; i++) sz += num_size(in->u.list.v[i]->u.s);
        return sz;
    case DDB_L:
        /* AWS: 3 bytes per List or Map plus 1 byte per element. */
        sz = 3;
        for (size_t i = 0; i < in->u.list.n; i++) sz += 1 + ddb_av_size(in->u.list.v[i]);
        return sz;
    case DDB_M:
        sz = 3;
        for (size_t i = 0; i < in->u.obj.n; i++) sz += 1 + in->u.obj.e[i].key.len + ddb_av_size(in->u.obj.e[i].v);
        return sz;
    default: return 0;
    }
}

size_t ddb_item_size(const val_t *item)
{
    size_t sz = 0;
    if (!item || (item->kind != VAL_MAP && item->kind != VAL_STRUCT)) return 0;
    for (size_t i = 0; i < item->u.obj.n; i++) sz += item->u.obj.e[i].key.len + ddb_av_size(item->u.obj.e[i].v);
    return sz;
}

/* ---- compact encoding ----
 * item  := varint(count) { varint(len) name value }
 * value := tag payload; S/N/B: varint(len) bytes; SS/NS/BS: varint(count)
 *          {varint(len) bytes}; M: like an item; L: varint(count) {value};
 *          NULL: nothing; BOOL: tag 'T' or 'F'. N holds canonical text. */

static void put_varint(buf_t *b, uint64_t v)
{
    while (v >= 0x80) {
        buf_putc(b, (char)(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    buf_putc(b, (char)v);
}

static void put_bytes(buf_t *b, str_t s)
{
    put_varint(b, s.len);
    buf_put_str(b, s);
}

static void enc_value(const val_t *av, buf_t *b);

static void enc_map(const val_t *m, buf_t *b)
{
    put_varint(b, m->u.obj.n);
    for (size_t i = 0; i < m->u.obj.n; i++) {
        put_bytes(b, m->u.obj.e[i].key);
        enc_value(m->u.obj.e[i].v, b);
    }
}

static void enc_value(const val_t *av, buf_t *b)
{
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    switch (t) {
    case DDB_S:
        buf_putc(b, 's');
        put_bytes(b, in->u.s);
        break;
    case DDB_N:
        buf_putc(b, 'n');
        put_bytes(b, in->u.s);
        break;
    case DDB_B:
        buf_putc(b, 'b');
        put_bytes(b, in->u.s);
        break;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
        buf_putc(b, t == DDB_SS ? 'S' : t == DDB_NS ? 'N' : 'B');
        put_varint(b, in->u.list.n);
        for (size_t i = 0; i < in->u.list.n; i++) put_bytes(b, in->u.list.v[i]->u.s);
        break;
    case DDB_M:
        buf_putc(b, 'M');
        enc_map(in, b);
        break;
    case DDB_L:
        buf_putc(b, 'L');
        put_varint(b, in->u.list.n);
        for (size_t i = 0; i < in->u.list.n; i++) enc_value(in->u.list.v[i], b);
        break;
    case DDB_NULL: buf_putc(b, '0'); break;
    case DDB_BOOL: buf_putc(b, in->u.b ? 'T' : 'F'); break;
    default: buf_putc(b, '0'); break; /* unvalidated garbage stores as NULL */
    }
}

void ddb_item_encode(arena_t *a, const val_t *item, buf_t *out)
{
    (void)a;
    if (!item || (item->kind != VAL_MAP && item->kind != VAL_STRUCT)) {
        put_varint(out, 0);
        return;
    }
    enc_map(item, out);
}

typedef struct {
    arena_t *a;
    const unsigned char *p, *end;
} rd_t;

static bool get_varint(rd_t *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return false;
        unsigned c = *r->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return true;
    }
    return false;
}

static bool get_bytes(rd_t *r, str_t *s)
{
    uint64_t n;
    if (!get_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return false;
    char *p = arena_alloc(r->a, n + 1);
    if (!p) return false;
    memcpy(p, r->p, n);
    p[n] = 0;
    r->p += n;
    *s = (str_t){p, n};
    return true;
}

static val_t *dec_value(rd_t *r, int depth);

static val_t *dec_map(rd_t *r, int depth)
{
    uint64_t n;
    if (!get_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return NULL;
    val_t *m = val_new(r->a, VAL_MAP);
    if (!m) return NULL;
    for (uint64_t i = 0; i < n; i++) {
        str_t k;
        val_t *v;
        if (!get_bytes(r, &k) || !(v = dec_value(r, depth + 1))) return NULL;
        if (val_set(r->a, m, k, v) != 0) return NULL; /* a map appends */
    }
    return m;
}

static val_t *dec_set(rd_t *r, val_kind_t kind)
{
    uint64_t n;
    if (!get_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return NULL;
    val_t *l = val_new(r->a, VAL_LIST);
    for (uint64_t i = 0; l && i < n; i++) {
        str_t s;
        if (!get_bytes(r, &s)) return NULL;
        val_t *m = kind == VAL_BLOB ? val_blob(r->a, s) : val_str(r->a, s);
        if (!m || val_push(r->a, l, m) != 0) return NULL;
    }
    return l;
}

static val_t *dec_value(rd_t *r, int depth)
{
    if (depth > 64 || r->p >= r->end) return NULL;
    char tag = (char)*r->p++;
    val_t *in = NULL;
    str_t s;
    ddb_type_t t;
    switch (tag) {
    case 's':
    case 'n':
    case 'b':
        if (!get_bytes(r, &s)) return NULL;
        t = tag == 's' ? DDB_S : tag == 'n' ? DDB_N : DDB_B;
        in = t == DDB_B ? val_blob(r->a, s) : val_str(r->a, s);
        break;
    case 'S':
    case 'N':
        t = tag == 'S' ? DDB_SS : DDB_NS;
        in = dec_set(r, VAL_STR);
        break;
    case 'B':
        t = DDB_BS;
        in = dec_set(r, VAL_BLOB);
        break;
    case 'M':
        t = DDB_M;
        in = dec_map(r, depth);
        break;
    case 'L': {
        uint64_t n;
        t = DDB_L;
        if (!get_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return NULL;
        in = val_new(r->a, VAL_LIST);
        for (uint64_t i = 0; in && i < n; i++) {
            val_t *e = dec_value(r, depth + 1);
            if (!e || val_push(r->a, in, e) != 0) return NULL;
        }
        break;
    }
    case '0':
        t = DDB_NULL;
        in = val_bool(r->a, true);
        break;
    case 'T':
    case 'F':
        t = DDB_BOOL;
        in = val_bool(r->a, tag == 'T');
        break;
    default: return NULL;
    }
    return in ? ddb_av(r->a, t, in) : NULL;
}

val_t *ddb_item_decode(arena_t *a, str_t bytes)
{
    rd_t r = {a, (const unsigned char *)bytes.p, (const unsigned char *)bytes.p + bytes.len};
    if (!bytes.p) return NULL;
    val_t *item = dec_map(&r, 0);
    if (!item || r.p != r.end) return NULL;
    return item;
}

/* ---- order-preserving key encoding ----
 * S and B: the bytes with 0x00 escaped as 00 FF, closed by 00 01, so a
 * shorter string sorts first and encodings can be concatenated; the encoding
 * of a prefix without its closing pair is a byte prefix (begins_with ranges).
 * N: a class byte (01 negative, 02 zero, 03 positive), then for positives
 * the exponent + 129 and each digit + 1, closed by 00; negatives invert
 * exponent and digits and close with FF, so a longer magnitude sorts first. */

static void key_bytes(str_t s, buf_t *out, bool close)
{
    for (size_t i = 0; i < s.len; i++) {
        buf_putc(out, s.p[i]);
        if (s.p[i] == 0) buf_putc(out, (char)0xff);
    }
    if (close) {
        buf_putc(out, 0);
        buf_putc(out, 1);
    }
}

static void key_num(const ddb_num_t *n, buf_t *out)
{
    if (n->ndigits == 0) {
        buf_putc(out, 2);
        return;
    }
    int e = n->exp + 129; /* 0 .. 255 for the valid range */
    if (!n->neg) {
        buf_putc(out, 3);
        buf_putc(out, (char)(unsigned char)e);
        for (int i = 0; i < n->ndigits; i++) buf_putc(out, (char)(n->digit[i] + 1));
        buf_putc(out, 0);
    } else {
        buf_putc(out, 1);
        buf_putc(out, (char)(unsigned char)(255 - e));
        for (int i = 0; i < n->ndigits; i++) buf_putc(out, (char)(10 - n->digit[i]));
        buf_putc(out, (char)0xff);
    }
}

void ddb_key_encode(arena_t *a, const val_t *av, buf_t *out)
{
    (void)a;
    ddb_type_t t = ddb_type(av);
    const val_t *in = ddb_inner(av);
    if (t == DDB_S || t == DDB_B) {
        key_bytes(in->u.s, out, true);
    } else if (t == DDB_N) {
        ddb_num_t n;
        num_of(in, &n);
        key_num(&n, out);
    }
}

void ddb_key_encode_prefix(arena_t *a, const val_t *av, buf_t *out)
{
    (void)a;
    ddb_type_t t = ddb_type(av);
    if (t == DDB_S || t == DDB_B)
        key_bytes(ddb_inner(av)->u.s, out, false);
    else
        ddb_key_encode(a, av, out);
}
