/* codec.c — the DNS wire format (RFC 1035 §4): a query decoded into
 * dns_query_t, and an answer encoded from the resolver's records, whose rdata
 * comes in presentation form (Route 53's ResourceRecords[].Value) and is turned
 * into wire rdata here. Used by server.c for every UDP datagram and TCP message;
 * knows no zone and no AWS service. */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

#define DNS_OPT 41
#define HDR 12

/* ---- decoding ---------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A name at *pos into text (no final dot, labels escaped the way dig prints
 * them: '.' and '\\' as \. and \\, other bytes outside printable ASCII as
 * Route 53's octal \ooo). Compression pointers must point backwards, so a loop ends; the wire
 * name is bounded by 255 bytes (RFC 1035 §3.1). *pos is left after the name
 * as it appears at its place. */
static int read_name(const uint8_t *msg, size_t len, size_t *pos, char *out, size_t outcap)
{
    size_t p = *pos, o = 0, wire = 0, limit = p; /* a pointer must go below limit */
    bool jumped = false;
    for (;;) {
        if (p >= len) return -1;
        uint8_t l = msg[p];
        if ((l & 0xC0) == 0xC0) {
            if (p + 1 >= len) return -1;
            size_t to = (size_t)(l & 0x3F) << 8 | msg[p + 1];
            if (to >= limit) return -1;
            if (!jumped) *pos = p + 2;
            jumped = true;
            limit = to;
            p = to;
            continue;
        }
        if (l & 0xC0) return -1; /* 01 and 10: extended label types, not supported (RFC 6891 §5) */
        p++;
        wire += 1u + l;
        if (wire > 255) return -1;
        if (l == 0) break;
        if (p + l > len) return -1;
        if (o && o + 1 < outcap) out[o++] = '.';
        for (uint8_t i = 0; i < l; i++) {
            uint8_t c = msg[p + i];
            char esc[5];
            size_t n;
            if (c == '.' || c == '\\')
                esc[0] = '\\', esc[1] = (char)c, n = 2;
            else if (c <= 0x20 || c >= 0x7F)
                n = (size_t)snprintf(esc, sizeof esc, "\\%03o", c);
            else
                esc[0] = (char)c, n = 1;
            if (o + n >= outcap) return -1;
            memcpy(out + o, esc, n);
            o += n;
        }
        p += l;
    }
    if (!jumped) *pos = p;
    out[o] = 0;
    return 0;
}

/* Skips one resource record, telling its type and class/ttl for OPT. */
static int skip_rr(const uint8_t *msg, size_t len, size_t *pos, uint16_t *type, uint16_t *klass, uint32_t *ttl,
                   bool *root)
{
    char name[1024];
    size_t start = *pos;
    if (read_name(msg, len, pos, name, sizeof name) < 0) return -1;
    *root = *pos == start + 1 && msg[start] == 0;
    if (*pos + 10 > len) return -1;
    const uint8_t *p = msg + *pos;
    *type = rd16(p);
    *klass = rd16(p + 2);
    *ttl = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    size_t rdlen = rd16(p + 8);
    if (*pos + 10 + rdlen > len) return -1;
    *pos += 10 + rdlen;
    return 0;
}

int dns_decode_query(const uint8_t *msg, size_t len, dns_query_t *q)
{
    memset(q, 0, sizeof *q);
    q->udp_size = 512;
    if (len < HDR) return -1;
    q->id = rd16(msg);
    q->flags = rd16(msg + 2);
    uint16_t qd = rd16(msg + 4), an = rd16(msg + 6), ns = rd16(msg + 8), ar = rd16(msg + 10);
    /* Other opcodes are answered NOTIMP (RFC 1035 §4.1.1) from the header
     * alone; their sections are not ours to judge. */
    if (((q->flags >> 11) & 0xF) != 0) return 0;
    if (qd != 1) return -1;
    size_t pos = HDR;
    if (read_name(msg, len, &pos, q->qname, sizeof q->qname) < 0) return -1;
    if (pos + 4 > len) return -1;
    q->qtype = rd16(msg + pos);
    q->qclass = rd16(msg + pos + 2);
    pos += 4;
    q->question = true;
    for (unsigned i = 0; i < (unsigned)an + ns + ar; i++) {
        uint16_t type, klass;
        uint32_t ttl;
        bool root;
        if (skip_rr(msg, len, &pos, &type, &klass, &ttl, &root) < 0) return -1;
        if (type != DNS_OPT) continue;
        /* RFC 6891 §6.1.1: one OPT, in the additional section, owned by the
         * root; anything else is FORMERR. The DO bit (in ttl) is ignored: no
         * zone here is signed. Sizes below 512 are treated as 512 (§6.2.5). */
        if (i < (unsigned)an + ns || q->edns || !root) return -1;
        q->edns = true;
        q->edns_version = (uint8_t)(ttl >> 16);
        q->udp_size = klass < 512 ? 512 : klass > 4096 ? 4096 : klass;
    }
    if (pos != len) return -1; /* trailing garbage */
    return 0;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct {
    uint8_t *out;
    size_t cap, len;
    bool full; /* ran out of room */
    /* compression: where each name suffix already written begins, with its
     * wire form (lowercased) kept to compare against */
    struct {
        uint16_t off;
        uint8_t n;
        const uint8_t *wire;
    } tab[256];
    size_t ntab;
    uint8_t wires[8192];
    size_t nwires;
} enc_t;

static bool put(enc_t *e, const void *p, size_t n)
{
    if (e->full || e->len + n > e->cap) return e->full = true, false;
    memcpy(e->out + e->len, p, n);
    e->len += n;
    return true;
}
static bool put8(enc_t *e, uint8_t v)
{
    return put(e, &v, 1);
}
static bool put16(enc_t *e, uint16_t v)
{
    return put(e, (uint8_t[]){(uint8_t)(v >> 8), (uint8_t)v}, 2);
}
static bool put32(enc_t *e, uint32_t v)
{
    return put(e, (uint8_t[]){(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}, 4);
}

/* A \DDD escape's three digits. RFC 1035 §5.1 reads them as decimal, but
 * Route 53 writes and reads them as octal: AWS: "Route 53 API actions return
 * the characters as escape codes in the format \three-digit octal code"
 * (DomainNameFormat; "\052" is '*'), and TXT values likewise take "\three-digit
 * octal code" (ResourceRecordTypes, TXT). The values here are Route 53's, so
 * octal. -1 when not three octal digits. */
static int octal3(const char *s, size_t n)
{
    if (n < 3) return -1;
    for (int i = 0; i < 3; i++)
        if (s[i] < '0' || s[i] > '7') return -1;
    return s[0] > '3' ? -1 : (s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'); /* at most \377 */
}

/* A name in presentation form ("www.example.com", with or without the final
 * dot, "\052.example.com" for the '*' Route 53 keeps escaped, "\." for a dot
 * inside a label) into wire form. -1 when it is not a name. */
static int parse_name(const char *s, size_t n, uint8_t wire[256], size_t *wlen)
{
    size_t w = 0, i = 0;
    if (n == 1 && s[0] == '.') n = 0;
    while (i < n) {
        size_t lpos = w++, l = 0;
        if (w >= 255) return -1;
        while (i < n && s[i] != '.') {
            uint8_t c = (uint8_t)s[i++];
            if (c == '\\') {
                if (i >= n) return -1;
                if (isdigit((unsigned char)s[i])) {
                    int v = octal3(s + i, n - i);
                    if (v < 0) return -1;
                    c = (uint8_t)v;
                    i += 3;
                } else
                    c = (uint8_t)s[i++];
            }
            if (++l > 63 || w >= 255) return -1;
            wire[w++] = c;
        }
        if (l == 0) return -1; /* empty label: ".." or a leading dot */
        wire[lpos] = (uint8_t)l;
        if (i < n) i++; /* the dot; a final one ends the name */
    }
    wire[w++] = 0;
    *wlen = w;
    return 0;
}

static bool label_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tolower(a[i]) != tolower(b[i])) return false;
    return true;
}

/* Writes a wire name, pointing at an earlier copy of its longest known suffix
 * when compress is set (RFC 1035 §4.1.4; only for the types of RFC 1035
 * itself, RFC 3597 §4), and remembering its own suffixes for later names. */
static bool put_name(enc_t *e, const uint8_t *wire, size_t wlen, bool compress)
{
    size_t p = 0;
    while (wire[p]) {
        size_t rest = wlen - p;
        if (compress)
            for (size_t t = 0; t < e->ntab; t++)
                if (e->tab[t].n == rest && label_eq(e->tab[t].wire, wire + p, rest))
                    return put16(e, (uint16_t)(0xC000 | e->tab[t].off));
        if (e->len < 0x3FFF && e->ntab < sizeof e->tab / sizeof e->tab[0] && e->nwires + rest <= sizeof e->wires &&
            e->len + wire[p] + 1 <= e->cap) {
            memcpy(e->wires + e->nwires, wire + p, rest);
            e->tab[e->ntab].off = (uint16_t)e->len;
            e->tab[e->ntab].n = (uint8_t)rest;
            e->tab[e->ntab].wire = e->wires + e->nwires;
            e->ntab++;
            e->nwires += rest;
        }
        if (!put(e, wire + p, (size_t)wire[p] + 1)) return false;
        p += (size_t)wire[p] + 1;
    }
    return put8(e, 0);
}

/* ---- presentation rdata ------------------------------------------------ */

typedef struct {
    const char *s;
    size_t n, i;
} lex_t;

static void skip_ws(lex_t *x)
{
    while (x->i < x->n && isspace((unsigned char)x->s[x->i])) x->i++;
}

/* The next blank-separated token (unquoted). */
static bool token(lex_t *x, const char **t, size_t *tn)
{
    skip_ws(x);
    size_t b = x->i;
    while (x->i < x->n && !isspace((unsigned char)x->s[x->i])) x->i++;
    *t = x->s + b;
    *tn = x->i - b;
    return *tn > 0;
}

static bool number(lex_t *x, uint32_t max, uint32_t *v)
{
    const char *t;
    size_t n;
    if (!token(x, &t, &n) || n > 10) return false;
    uint64_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)t[i])) return false;
        r = r * 10 + (uint64_t)(t[i] - '0');
    }
    if (r > max) return false;
    *v = (uint32_t)r;
    return true;
}

static bool name_tok(enc_t *e, lex_t *x, bool compress)
{
    const char *t;
    size_t n, wl;
    uint8_t wire[256];
    return token(x, &t, &n) && parse_name(t, n, wire, &wl) == 0 && put_name(e, wire, wl, compress);
}

/* A character string's bytes: "quoted" (\" \\ \DDD and \X escapes) or a bare
 * token; into buf, up to cap bytes. */
static bool text_tok(lex_t *x, uint8_t *buf, size_t cap, size_t *bn)
{
    skip_ws(x);
    if (x->i >= x->n) return false;
    bool quoted = x->s[x->i] == '"';
    if (quoted) x->i++;
    size_t o = 0;
    for (;;) {
        if (x->i >= x->n) {
            if (quoted) return false; /* unterminated */
            break;
        }
        uint8_t c = (uint8_t)x->s[x->i];
        if (quoted ? c == '"' : isspace(c)) {
            if (quoted) x->i++;
            break;
        }
        x->i++;
        if (c == '\\') {
            if (x->i >= x->n) return false;
            if (isdigit((unsigned char)x->s[x->i])) {
                int v = octal3(x->s + x->i, x->n - x->i);
                if (v < 0) return false;
                c = (uint8_t)v;
                c = (uint8_t)v;
                x->i += 3;
            } else
                c = (uint8_t)x->s[x->i++];
        }
        if (o >= cap) return false;
        buf[o++] = c;
    }
    *bn = o;
    return true;
}

static bool at_end(lex_t *x)
{
    skip_ws(x);
    return x->i == x->n;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* rdata of one type from its presentation form (RFC 1035 §5.1 and each
 * type's RFC); false when the value does not parse for the type or there is
 * no room (e->full tells which). */
static bool put_rdata(enc_t *e, uint16_t type, const char *v)
{
    lex_t x = {v, strlen(v), 0};
    uint32_t a, b, c, d, f;
    const char *t;
    size_t tn;
    static _Thread_local uint8_t buf[65536]; /* off the stack */
    size_t bn;
    switch (type) {
    case DNS_A:
    case DNS_AAAA: {
        char ip[64];
        uint8_t bin[16];
        if (!token(&x, &t, &tn) || tn >= sizeof ip || !at_end(&x)) return false;
        memcpy(ip, t, tn);
        ip[tn] = 0;
        if (inet_pton(type == DNS_A ? AF_INET : AF_INET6, ip, bin) != 1) return false;
        return put(e, bin, type == DNS_A ? 4 : 16);
    }
    case DNS_CNAME:
    case DNS_NS:
    case DNS_PTR: return name_tok(e, &x, true) && at_end(&x);
    case DNS_MX: return number(&x, 65535, &a) && put16(e, (uint16_t)a) && name_tok(e, &x, true) && at_end(&x);
    case DNS_TXT:
    case DNS_SPF: {
        /* one or more character strings, each at most 255 bytes on the wire:
         * a longer one is cut into 255-byte pieces */
        size_t count = 0;
        while (!at_end(&x)) {
            if (!text_tok(&x, buf, sizeof buf, &bn)) return false;
            size_t off = 0;
            do {
                size_t piece = bn - off > 255 ? 255 : bn - off;
                if (!put8(e, (uint8_t)piece) || !put(e, buf + off, piece)) return false;
                off += piece;
            } while (off < bn);
            count++;
        }
        return count > 0;
    }
    case DNS_SOA:
        return name_tok(e, &x, true) && name_tok(e, &x, true) && number(&x, UINT32_MAX, &a) &&
               number(&x, UINT32_MAX, &b) && number(&x, UINT32_MAX, &c) && number(&x, UINT32_MAX, &d) &&
               number(&x, UINT32_MAX, &f) && at_end(&x) && put32(e, a) && put32(e, b) && put32(e, c) && put32(e, d) &&
               put32(e, f);
    case DNS_SRV: /* RFC 2782: the target is not compressed */
        return number(&x, 65535, &a) && number(&x, 65535, &b) && number(&x, 65535, &c) && put16(e, (uint16_t)a) &&
               put16(e, (uint16_t)b) && put16(e, (uint16_t)c) && name_tok(e, &x, false) && at_end(&x);
    case DNS_NAPTR: /* RFC 3403 §4.1: order pref "flags" "service" "regexp" replacement */
        if (!number(&x, 65535, &a) || !number(&x, 65535, &b) || !put16(e, (uint16_t)a) || !put16(e, (uint16_t)b))
            return false;
        for (int i = 0; i < 3; i++)
            if (!text_tok(&x, buf, 255, &bn) || !put8(e, (uint8_t)bn) || !put(e, buf, bn)) return false;
        return name_tok(e, &x, false) && at_end(&x);
    case DNS_CAA: { /* RFC 8659 §4.1.1: flags tag "value"; the value has no length byte */
        if (!number(&x, 255, &a) || !token(&x, &t, &tn) || tn > 255) return false;
        for (size_t i = 0; i < tn; i++)
            if (!isalnum((unsigned char)t[i])) return false;
        if (!text_tok(&x, buf, sizeof buf, &bn) || !at_end(&x)) return false;
        return put8(e, (uint8_t)a) && put8(e, (uint8_t)tn) && put(e, t, tn) && put(e, buf, bn);
    }
    case DNS_DS: { /* RFC 4034 §5.3: key-tag algorithm digest-type digest (hex, blanks allowed) */
        if (!number(&x, 65535, &a) || !number(&x, 255, &b) || !number(&x, 255, &c)) return false;
        bn = 0;
        int hi = -1;
        for (skip_ws(&x); x.i < x.n; x.i++) {
            if (isspace((unsigned char)x.s[x.i])) continue;
            int h = hexval(x.s[x.i]);
            if (h < 0 || bn >= sizeof buf) return false;
            if (hi < 0)
                hi = h;
            else
                buf[bn++] = (uint8_t)(hi << 4 | h), hi = -1;
        }
        if (hi >= 0 || bn == 0) return false;
        return put16(e, (uint16_t)a) && put8(e, (uint8_t)b) && put8(e, (uint8_t)c) && put(e, buf, bn);
    }
    default: return false;
    }
}

/* One record; 1 written, 0 left out (its value does not parse: logged), -1
 * no room (the message is rolled back to before it). */
static int put_rr(enc_t *e, const dns_rr_t *rr)
{
    size_t mark = e->len, tmark = e->ntab, wmark = e->nwires;
    uint8_t wire[256];
    size_t wl;
    if (!rr->name || !rr->value || parse_name(rr->name, strlen(rr->name), wire, &wl) < 0) {
        log_warn("dns: record name \"%s\" is not a domain name; left out", rr->name ? rr->name : "");
        return 0;
    }
    bool ok = put_name(e, wire, wl, true) && put16(e, rr->type) && put16(e, 1) && put32(e, rr->ttl) && put16(e, 0);
    size_t rdstart = e->len;
    ok = ok && put_rdata(e, rr->type, rr->value);
    if (ok && e->len - rdstart > 65535) ok = false, e->full = false;
    if (ok) {
        size_t rdlen = e->len - rdstart;
        e->out[rdstart - 2] = (uint8_t)(rdlen >> 8);
        e->out[rdstart - 1] = (uint8_t)rdlen;
        return 1;
    }
    bool full = e->full;
    e->len = mark, e->ntab = tmark, e->nwires = wmark, e->full = false;
    if (full) return -1;
    log_warn("dns: %s type %u value \"%.200s\" does not parse; left out", rr->name, rr->type, rr->value);
    return 0;
}

int dns_encode_answer(const dns_query_t *q, const dns_answer_t *ans, uint8_t *out, size_t cap, size_t *outlen)
{
    static _Thread_local enc_t e; /* 12 KiB of compression state: off the stack */
    e.out = out, e.cap = cap, e.len = 0, e.full = false, e.ntab = 0, e.nwires = 0;
    *outlen = 0;
    /* room kept for the OPT record that must follow when the query had one */
    size_t opt = q->edns ? 11 : 0;
    if (cap < HDR + opt) return -1;
    e.cap = cap - opt;
    int rcode = ans ? ans->rcode : DNS_SERVFAIL;
    uint16_t flags = 0x8000 | (q->flags & 0x7800) | (q->flags & 0x0100); /* QR, opcode, RD copied; RA 0 */
    if (ans && ans->authoritative) flags |= 0x0400;
    /* extended rcodes (BADVERS, 16) live in the OPT record's ttl (RFC 6891 §6.1.3) */
    flags |= (uint16_t)(rcode & 0xF);
    uint16_t counts[4] = {0};
    put16(&e, q->id), put16(&e, flags), put32(&e, 0), put32(&e, 0); /* the four counts, set at the end */
    if (q->question) {
        uint8_t wire[256];
        size_t wl;
        if (parse_name(q->qname, strlen(q->qname), wire, &wl) < 0 || !put_name(&e, wire, wl, true) ||
            !put16(&e, q->qtype) || !put16(&e, q->qclass))
            return -1;
        counts[0] = 1;
    }
    bool tc = false;
    if (ans) {
        const dns_rr_t *sec[3] = {ans->answer, ans->authority, ans->additional};
        size_t nsec[3] = {ans->nanswer, ans->nauthority, ans->nadditional};
        for (int s = 0; s < 3 && !tc; s++)
            for (size_t i = 0; i < nsec[s] && counts[s + 1] < 65535; i++) {
                int r = put_rr(&e, &sec[s][i]);
                if (r > 0)
                    counts[s + 1]++;
                else if (r < 0) {
                    /* RFC 2181 §9: TC only when the answer or authority
                     * section lost records; a short additional section is
                     * just shorter */
                    if (s < 2) tc = true;
                    break;
                }
            }
    }
    if (tc) flags |= 0x0200;
    out[2] = (uint8_t)(flags >> 8), out[3] = (uint8_t)flags;
    for (int s = 0; s < 4; s++) out[4 + 2 * s] = (uint8_t)(counts[s] >> 8), out[5 + 2 * s] = (uint8_t)counts[s];
    if (q->edns) {
        /* OPT: root owner, our payload size, extended rcode bits, version 0 */
        e.cap = cap;
        uint32_t ttl = (uint32_t)(rcode >> 4) << 24;
        put8(&e, 0), put16(&e, DNS_OPT), put16(&e, 4096), put32(&e, ttl), put16(&e, 0);
        uint16_t ar = (uint16_t)(counts[3] + 1);
        out[10] = (uint8_t)(ar >> 8), out[11] = (uint8_t)ar;
    }
    *outlen = e.len;
    return 0;
}
