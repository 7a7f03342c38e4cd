/* parser.c — incremental HTTP/1.1 request parser (parser.h), fed by server.c.
 *
 * Head, chunk-size and trailer lines are parsed only once whole (CRLF seen), so
 * line rules are plain string checks rather than a byte-level state machine;
 * a line cut across feeds is gathered in p->line, never past the line limit.
 * Body and chunk data go to the caller as slices of the input. Framing follows
 * RFC 9112 strictly: whatever could be read two ways (CL with TE, differing
 * Content-Lengths, obs-fold, bare LF) is refused, which closes the door to
 * request smuggling through a proxy that reads it the other way. */
#include "http/parser.h"

#include <stdlib.h>
#include <string.h>

enum {
    S_START,      /* before the request line; empty lines are skipped */
    S_HEADER,     /* header lines up to the empty line */
    S_BODY,       /* Content-Length body */
    S_CHUNK_LINE, /* chunk-size [; extensions] CRLF */
    S_CHUNK_DATA,
    S_CHUNK_CR, /* the CRLF after chunk data */
    S_CHUNK_LF,
    S_TRAILER, /* trailer lines after the last chunk (on_trailer, or dropped) */
    S_MSG_END, /* message complete, on_message_done not yet called */
    S_DONE,    /* until http_parser_reset */
    S_ERROR,
};

#define DEF_HEAD (64u << 10)
#define DEF_LINE (8u << 10)
#define DEF_HEADERS 128u

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* field-vchar / SP / HTAB, obs-text allowed (RFC 9110 §5.5). */
static bool is_field_char(unsigned char ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static bool eq_nocase(str_t s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.len != n) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s.p[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
        if (a != (unsigned char)lit[i]) return false;
    }
    return true;
}

static str_t trim_ows(str_t s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) s.len--;
    return s;
}

/* Next element of a comma-separated list, OWS-trimmed; false when the list is used up. */
static bool next_elem(str_t *list, str_t *elem)
{
    if (!list->p) return false;
    const char *comma = memchr(list->p, ',', list->len);
    size_t n = comma ? (size_t)(comma - list->p) : list->len;
    *elem = trim_ows(str_n(list->p, n));
    if (comma)
        *list = str_n(comma + 1, list->len - n - 1);
    else
        *list = STR_NULL;
    return true;
}

void http_parser_init(http_parser_t *p, const http_parser_limits_t *lim)
{
    memset(p, 0, sizeof *p);
    if (lim) p->lim = *lim;
    if (!p->lim.max_head) p->lim.max_head = DEF_HEAD;
    if (!p->lim.max_line) p->lim.max_line = DEF_LINE;
    if (!p->lim.max_headers) p->lim.max_headers = DEF_HEADERS;
    http_parser_reset(p);
}

void http_parser_reset(http_parser_t *p)
{
    p->minor = 1;
    p->keepalive = p->chunked = p->expect_continue = p->has_content_length = false;
    p->content_length = 0;
    p->error = HTTP_PARSER_OK;
    p->state = S_START;
    p->head_bytes = p->nheaders = p->line_len = 0;
    p->remaining = 0;
    p->conn_close = p->conn_keepalive = p->te_seen = p->cr_seen = false;
}

void http_parser_free(http_parser_t *p)
{
    free(p->line);
    p->line = NULL;
    p->line_cap = p->line_len = 0;
}

bool http_parser_done(const http_parser_t *p)
{
    return p->state == S_DONE;
}

bool http_parser_started(const http_parser_t *p)
{
    return p->state != S_START || p->line_len > 0 || p->head_bytes > 0;
}

int http_parser_error_status(const http_parser_t *p)
{
    switch (p->error) {
    case HTTP_PARSER_OK: return 0;
    case HTTP_PARSER_TOO_LARGE: return 431;
    case HTTP_PARSER_VERSION: return 505;
    case HTTP_PARSER_UNSUPPORTED: return 501;
    case HTTP_PARSER_BAD: break;
    }
    return 400;
}

static size_t fail(http_parser_t *p, http_parser_error_t e, size_t at)
{
    p->error = e;
    p->state = S_ERROR;
    return at;
}

/* Takes one CRLF-terminated line starting at data[*pos]. limit counts the CRLF.
 * Returns 1 with *out (CRLF stripped) when the line is complete, 0 when all the
 * input went into the line buffer, -1 over limit, -2 malformed end or no memory.
 * *pos advances past what was taken. */
static int take_line(http_parser_t *p, const char *data, size_t len, size_t *pos, size_t limit, str_t *out)
{
    size_t i = *pos;
    const char *nl = memchr(data + i, '\n', len - i);
    size_t take = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
    if (p->line_len + take > limit) return -1;
    if (nl && p->line_len == 0) {
        *out = str_n(data + i, take - 1);
    } else {
        if (p->line_len + take > p->line_cap) {
            size_t cap = p->line_cap ? p->line_cap : 256;
            while (cap < p->line_len + take) cap *= 2;
            char *nb = realloc(p->line, cap);
            if (!nb) return -2;
            p->line = nb, p->line_cap = cap;
        }
        memcpy(p->line + p->line_len, data + i, take);
        p->line_len += take;
        if (!nl) {
            *pos = i + take;
            return 0;
        }
        *out = str_n(p->line, p->line_len - 1);
        p->line_len = 0;
    }
    *pos = i + take;
    /* CRLF only: a bare LF is read as a line end by some peers and not by others. */
    if (out->len == 0 || out->p[out->len - 1] != '\r') return -2;
    out->len--;
    return 1;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3). */
static http_parser_error_t parse_request_line(http_parser_t *p, str_t l, str_t *method, str_t *path, str_t *query)
{
    size_t i = 0;
    while (i < l.len && is_tchar((unsigned char)l.p[i])) i++;
    if (i == 0 || i >= l.len || l.p[i] != ' ') return HTTP_PARSER_BAD;
    *method = str_n(l.p, i);
    size_t t0 = ++i;
    while (i < l.len && (unsigned char)l.p[i] > 0x20 && (unsigned char)l.p[i] < 0x7f) i++;
    if (i == t0 || i >= l.len || l.p[i] != ' ') return HTTP_PARSER_BAD;
    str_t target = str_n(l.p + t0, i - t0);
    str_t ver = str_n(l.p + i + 1, l.len - i - 1);

    if (ver.len != 8 || memcmp(ver.p, "HTTP/", 5) != 0 || ver.p[6] != '.' || ver.p[5] < '0' || ver.p[5] > '9' ||
        ver.p[7] < '0' || ver.p[7] > '9')
        return HTTP_PARSER_BAD;
    if (ver.p[5] != '1') return HTTP_PARSER_VERSION;
    p->minor = ver.p[7] == '0' ? 0 : 1; /* 1.x for x > 1 is answered as 1.1 (RFC 9110 §2.5) */

    if (memchr(target.p, '#', target.len)) return HTTP_PARSER_BAD; /* fragments are never sent */
    if (target.p[0] != '/') {
        if (target.len == 1 && target.p[0] == '*') {
            if (!str_eq_c(*method, "OPTIONS")) return HTTP_PARSER_BAD;
            *path = target, *query = STR("");
            return HTTP_PARSER_OK;
        }
        /* absolute-form (RFC 9112 §3.2.2): servers must accept it; the authority is dropped. */
        size_t skip;
        if (target.len > 7 && eq_nocase(str_n(target.p, 7), "http://"))
            skip = 7;
        else if (target.len > 8 && eq_nocase(str_n(target.p, 8), "https://"))
            skip = 8;
        else
            return HTTP_PARSER_BAD;
        size_t a = skip;
        while (a < target.len && target.p[a] != '/' && target.p[a] != '?') a++;
        if (a == skip) return HTTP_PARSER_BAD; /* empty authority */
        target = str_n(target.p + a, target.len - a);
        if (target.len == 0 || target.p[0] == '?') {
            *path = STR("/");
            *query = target.len ? str_n(target.p + 1, target.len - 1) : STR("");
            return HTTP_PARSER_OK;
        }
    }
    const char *q = memchr(target.p, '?', target.len);
    if (q) {
        *path = str_n(target.p, (size_t)(q - target.p));
        *query = str_n(q + 1, target.len - (size_t)(q - target.p) - 1);
    } else {
        *path = target, *query = STR("");
    }
    return HTTP_PARSER_OK;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). */
static http_parser_error_t split_field(str_t l, str_t *name, str_t *value)
{
    /* A leading SP/HTAB is obs-fold (or whitespace before the first field): refused, §5.2. */
    size_t i = 0;
    while (i < l.len && is_tchar((unsigned char)l.p[i])) i++;
    if (i == 0 || i >= l.len || l.p[i] != ':') return HTTP_PARSER_BAD; /* no space before ':', §5.1 */
    *name = str_n(l.p, i);
    for (size_t j = i + 1; j < l.len; j++)
        if (!is_field_char((unsigned char)l.p[j])) return HTTP_PARSER_BAD;
    *value = trim_ows(str_n(l.p + i + 1, l.len - i - 1));
    return HTTP_PARSER_OK;
}

static http_parser_error_t content_length(http_parser_t *p, str_t v)
{
    /* A list of equal values is one length (RFC 9110 §8.6); anything else is ambiguous. */
    str_t e;
    while (next_elem(&v, &e)) {
        if (e.len == 0) return HTTP_PARSER_BAD;
        uint64_t n = 0;
        for (size_t i = 0; i < e.len; i++) {
            if (e.p[i] < '0' || e.p[i] > '9') return HTTP_PARSER_BAD;
            unsigned d = (unsigned)(e.p[i] - '0');
            if (n > (UINT64_MAX - d) / 10) return HTTP_PARSER_BAD;
            n = n * 10 + d;
        }
        if (p->has_content_length && n != p->content_length) return HTTP_PARSER_BAD;
        p->has_content_length = true;
        p->content_length = n;
    }
    return HTTP_PARSER_OK;
}

static http_parser_error_t transfer_encoding(http_parser_t *p, str_t v)
{
    /* RFC 9112 §6.1: HTTP/1.0 has no chunked framing, so the framing would be faulty. */
    if (p->minor == 0) return HTTP_PARSER_BAD;
    p->te_seen = true;
    str_t e;
    while (next_elem(&v, &e)) {
        if (e.len == 0) continue;               /* empty list elements are allowed (RFC 9110 §5.6.1) */
        if (p->chunked) return HTTP_PARSER_BAD; /* chunked must be last, and only once */
        if (eq_nocase(e, "chunked")) {
            p->chunked = true;
            continue;
        }
        for (size_t i = 0; i < e.len; i++)
            if (!is_tchar((unsigned char)e.p[i])) return HTTP_PARSER_BAD;
        return HTTP_PARSER_UNSUPPORTED; /* gzip, deflate, ...: we decode none */
    }
    return HTTP_PARSER_OK;
}

static http_parser_error_t known_field(http_parser_t *p, str_t name, str_t value)
{
    str_t e;
    switch (name.len) {
    case 6:
        if (eq_nocase(name, "expect") && eq_nocase(value, "100-continue")) p->expect_continue = p->minor >= 1;
        break;
    case 10:
        if (eq_nocase(name, "connection")) {
            while (next_elem(&value, &e)) {
                if (eq_nocase(e, "close")) p->conn_close = true;
                if (eq_nocase(e, "keep-alive")) p->conn_keepalive = true;
            }
        }
        break;
    case 14:
        if (eq_nocase(name, "content-length")) return content_length(p, value);
        break;
    case 17:
        if (eq_nocase(name, "transfer-encoding")) return transfer_encoding(p, value);
        break;
    }
    return HTTP_PARSER_OK;
}

/* chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); extensions are ignored. */
static http_parser_error_t chunk_size(str_t l, uint64_t *out)
{
    uint64_t n = 0;
    size_t i = 0;
    for (; i < l.len; i++) {
        char ch = l.p[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
            d = (unsigned)((ch | 0x20) - 'a' + 10);
        else
            break;
        if (n > (UINT64_MAX >> 4)) return HTTP_PARSER_BAD;
        n = n << 4 | d;
    }
    if (i == 0) return HTTP_PARSER_BAD;
    size_t j = i;
    while (j < l.len && (l.p[j] == ' ' || l.p[j] == '\t')) j++; /* BWS */
    if (j < l.len) {
        if (l.p[j] != ';') return HTTP_PARSER_BAD;
        for (; j < l.len; j++)
            if (!is_field_char((unsigned char)l.p[j])) return HTTP_PARSER_BAD;
    } else if (j != i) {
        return HTTP_PARSER_BAD; /* whitespace with no extension after it */
    }
    *out = n;
    return HTTP_PARSER_OK;
}

static size_t head_limit(const http_parser_t *p)
{
    size_t at_line = p->head_bytes - p->line_len; /* head_bytes already counts the partial line */
    size_t left = p->lim.max_head > at_line ? p->lim.max_head - at_line : 0;
    size_t line = p->lim.max_line + 2;
    return left < line ? left : line;
}

size_t http_parser_feed(http_parser_t *p, const http_parser_callbacks_t *cb, void *ud, const char *data, size_t len)
{
    size_t i = 0;
    str_t l;
    http_parser_error_t e;
    for (;;) {
        switch (p->state) {
        case S_START:
        case S_HEADER:
        case S_TRAILER: {
            if (i == len) return i;
            /* Not the start of a request (TLS, binary): no point waiting for a line. */
            if (p->state == S_START && p->line_len == 0 && !is_tchar((unsigned char)data[i]) && data[i] != '\r')
                return fail(p, HTTP_PARSER_BAD, i);
            size_t before = i;
            size_t limit = head_limit(p);
            int rc = take_line(p, data, len, &i, limit, &l);
            p->head_bytes += i - before;
            if (rc == -1) return fail(p, HTTP_PARSER_TOO_LARGE, i);
            if (rc == -2) return fail(p, HTTP_PARSER_BAD, i);
            if (rc == 0) return i;
            if (p->state == S_START) {
                if (l.len == 0) continue; /* RFC 9112 §2.2: ignore an empty line before the request */
                str_t m, path, q;
                if ((e = parse_request_line(p, l, &m, &path, &q)) != HTTP_PARSER_OK) return fail(p, e, i);
                p->state = S_HEADER;
                if (cb->on_request_line && cb->on_request_line(ud, m, path, q)) return i;
                continue;
            }
            if (p->state == S_TRAILER) {
                if (l.len == 0) {
                    p->state = S_MSG_END;
                    continue;
                }
                str_t n, v;
                if ((e = split_field(l, &n, &v)) != HTTP_PARSER_OK) return fail(p, e, i);
                /* dropped unless asked for: only the Lambda Runtime API reads
                 * them (a streamed response's error, after its last byte) */
                if (cb->on_trailer && cb->on_trailer(ud, n, v)) return i;
                continue;
            }
            if (l.len == 0) {
                if (p->te_seen && p->has_content_length) return fail(p, HTTP_PARSER_BAD, i); /* RFC 9112 §6.1 */
                if (p->te_seen && !p->chunked) return fail(p, HTTP_PARSER_UNSUPPORTED, i);
                p->keepalive = p->minor == 0 ? p->conn_keepalive && !p->conn_close : !p->conn_close;
                if (p->chunked) {
                    p->state = S_CHUNK_LINE;
                    p->head_bytes = 0; /* the trailer budget starts afresh */
                } else if (p->content_length > 0) {
                    p->state = S_BODY;
                    p->remaining = p->content_length;
                } else {
                    p->state = S_MSG_END;
                }
                if (cb->on_headers_done && cb->on_headers_done(ud)) return i;
                continue;
            }
            if (++p->nheaders > p->lim.max_headers) return fail(p, HTTP_PARSER_TOO_LARGE, i);
            str_t n, v;
            if ((e = split_field(l, &n, &v)) != HTTP_PARSER_OK) return fail(p, e, i);
            bool cl_again = p->has_content_length && eq_nocase(n, "content-length");
            if ((e = known_field(p, n, v)) != HTTP_PARSER_OK) return fail(p, e, i);
            /* A repeated Content-Length (known_field refused any other value)
             * is the same field once (RFC 9110 §8.6), so the layers above see
             * "6", not "6,6": SigV4 canonical headers hold it as the client
             * signed it (rclone's presigned PUTs send Content-Length twice). */
            if (cl_again) continue;
            if (cb->on_header && cb->on_header(ud, n, v)) return i;
            continue;
        }
        case S_CHUNK_LINE: {
            if (i == len) return i;
            int rc = take_line(p, data, len, &i, p->lim.max_line + 2, &l);
            if (rc < 0) return fail(p, HTTP_PARSER_BAD, i);
            if (rc == 0) return i;
            uint64_t n;
            if ((e = chunk_size(l, &n)) != HTTP_PARSER_OK) return fail(p, e, i);
            if (n == 0) {
                p->state = S_TRAILER;
            } else {
                p->state = S_CHUNK_DATA;
                p->remaining = n;
            }
            continue;
        }
        case S_BODY:
        case S_CHUNK_DATA: {
            if (i == len) return i;
            size_t n = len - i;
            if (n > p->remaining) n = (size_t)p->remaining;
            const char *piece = data + i;
            i += n;
            p->remaining -= n;
            if (p->remaining == 0) p->state = p->state == S_BODY ? S_MSG_END : S_CHUNK_CR;
            if (cb->on_body && cb->on_body(ud, piece, n)) return i;
            continue;
        }
        case S_CHUNK_CR:
        case S_CHUNK_LF:
            if (i == len) return i;
            if (data[i] != (p->state == S_CHUNK_CR ? '\r' : '\n')) return fail(p, HTTP_PARSER_BAD, i);
            i++;
            p->state = p->state == S_CHUNK_CR ? S_CHUNK_LF : S_CHUNK_LINE;
            continue;
        case S_MSG_END:
            p->state = S_DONE;
            if (cb->on_message_done && cb->on_message_done(ud)) return i;
            continue;
        case S_DONE:
        case S_ERROR:
        default: return i;
        }
    }
}
