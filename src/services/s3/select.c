/* select.c — SelectObjectContent (POST /{Bucket}/{Key}?select&select-type=2):
 * S3 Select. The request's serializations are checked in AWS's words, the
 * statement parsed (select_sql.c), then the object read as GetObject reads
 * it (bucket, key, SSE-C key, archived state; bytes through s3__obj_bytes),
 * a chunk at a time, decompressed (GZIP), split into records (CSV, JSON
 * DOCUMENT or LINES, within ScanRange) and fed to the query; of the input no
 * more than about one record is held. The answer is a list of events —
 * Records (the output in chunks), Progress when asked, Stats, End — that the
 * protocol layer writes as an event stream (protocol/eventstream.c). The
 * output is built whole before it is sent, so an error found while scanning
 * is an ordinary S3 error document (AWS sends those mid-stream as error
 * events) and the output is bounded by the request arena's budget. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/json.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "select_sql.h"
#include "store/store.h"

#define MAX_EXPR (256u << 10) /* AWS: ExpressionTooLong past 256 KB */
#define MAX_RECORD (1u << 20) /* AWS: OverMaxRecordSize, 1 MB a record */
/* Ours, not AWS's: the output is kept in the request arena (64 MiB) and then
 * encoded as events beside it, so it may take somewhat under half of that. */
#define MAX_OUTPUT (28u << 20)
#define RECORDS_CHUNK (64u << 10) /* bytes of output in one Records event */
#define BATCH 1024                /* records parsed in one scratch arena */

/* AWS: every SelectObjectContent error is a client error, 400, unless said */
static int sel_fail(req_t *r, const char *code, const char *msg)
{
    aws_errdef_t *e = ARENA_NEW(r->arena, aws_errdef_t);
    if (!e) return GR_ERR;
    *e = (aws_errdef_t){code, 400, true};
    return req_fail(r, e, "%s", msg);
}

/* ==== the request ==== */

typedef struct {
    bool csv, json_lines, gzip;
    /* CSV input */
    int header; /* 0 NONE, 1 USE, 2 IGNORE */
    str_t rec_delim, field_delim;
    char quote, escape, comment;
    bool quoted_rec_delim;
    /* ScanRange */
    bool range;
    int64_t start, end; /* -1: absent */
    sel_fmt_t out;
    bool progress;
    const char *unbuilt; /* "Parquet", "BZIP2": an input gureum cannot read; nothing else was read */
} opts_t;

/* A one-character member ("\n", ",", "\""), or def when absent. */
static int one_char(req_t *r, const val_t *v, const char *name, char def, char *out)
{
    str_t s = val_get_str(v, name);
    if (!s.p) return *out = def, GR_OK;
    if (s.len != 1)
        return sel_fail(r, "InvalidRequestParameter",
                        "The value of a parameter in SelectRequest element is invalid. Check the service API "
                        "documentation and try again.");
    *out = s.p[0];
    return GR_OK;
}

/* A delimiter of one or two characters (AWS: a record delimiter may be \r\n). */
static int delim(req_t *r, const val_t *v, const char *name, const char *def, size_t max, str_t *out)
{
    str_t s = val_get_str(v, name);
    if (!s.p) s = str_c(def);
    if (!s.len || s.len > max)
        return sel_fail(r, "InvalidRequestParameter",
                        "The value of a parameter in SelectRequest element is invalid. Check the service API "
                        "documentation and try again.");
    *out = s;
    return GR_OK;
}

static int read_opts(req_t *r, const val_t *in, opts_t *o)
{
    const val_t *is = val_get(in, "InputSerialization"), *os = val_get(in, "OutputSerialization");
    const val_t *csv = val_get(is, "CSV"), *json = val_get(is, "JSON"), *pq = val_get(is, "Parquet");
    if ((csv != NULL) + (json != NULL) + (pq != NULL) > 1)
        return sel_fail(r, "ObjectSerializationConflict",
                        "InputSerialization specifies more than one format (CSV, JSON, or Parquet), or "
                        "OutputSerialization specifies more than one format (CSV or JSON). InputSerialization and "
                        "OutputSerialization can only specify one format each.");
    if (!csv && !json && !pq)
        return sel_fail(
            r, "MissingRequiredParameter",
            "The SelectRequest entity is missing a required parameter. Check the service documentation and try again.");
    str_t comp = val_get_str(is, "CompressionType");
    /* not built: refused rather than answered wrongly, once the object is found
     * (AWS answers a missing key with NoSuchKey whatever the input format) */
    o->unbuilt = pq ? "Parquet" : comp.p && str_eq_c(comp, "BZIP2") ? "BZIP2" : NULL;
    if (o->unbuilt) return GR_OK;
    if (comp.p && !str_eq_c(comp, "GZIP") && !str_eq_c(comp, "NONE"))
        return sel_fail(r, "InvalidCompressionFormat",
                        "The file is not in a supported compression format. GZIP and BZIP2 are supported.");
    o->gzip = comp.p && str_eq_c(comp, "GZIP");
    o->csv = csv != NULL;
    if (csv) {
        str_t h = val_get_str(csv, "FileHeaderInfo");
        if (!h.p || str_eq_c(h, "NONE"))
            o->header = 0;
        else if (str_eq_c(h, "USE"))
            o->header = 1;
        else if (str_eq_c(h, "IGNORE"))
            o->header = 2;
        else
            return sel_fail(r, "InvalidFileHeaderInfo",
                            "The FileHeaderInfo is invalid. Only NONE, USE, and IGNORE are supported.");
        /* AWS: CSVInput defaults — "\n", ",", '"', '"', and "#" for comments */
        if (delim(r, csv, "RecordDelimiter", "\n", 2, &o->rec_delim) ||
            delim(r, csv, "FieldDelimiter", ",", 1, &o->field_delim) ||
            one_char(r, csv, "QuoteCharacter", '"', &o->quote) ||
            one_char(r, csv, "QuoteEscapeCharacter", '"', &o->escape) || one_char(r, csv, "Comments", '#', &o->comment))
            return GR_ERR;
        o->quoted_rec_delim = val_get_bool(csv, "AllowQuotedRecordDelimiter", false);
    } else {
        str_t t = val_get_str(json, "Type");
        if (t.p && !str_eq_c(t, "DOCUMENT") && !str_eq_c(t, "LINES"))
            return sel_fail(r, "InvalidJsonType", "The JsonType is invalid. Only DOCUMENT and LINES are supported.");
        o->json_lines = t.p && str_eq_c(t, "LINES");
    }
    const val_t *ocsv = val_get(os, "CSV"), *ojson = val_get(os, "JSON");
    if (ocsv && ojson)
        return sel_fail(r, "ObjectSerializationConflict",
                        "InputSerialization specifies more than one format (CSV, JSON, or Parquet), or "
                        "OutputSerialization specifies more than one format (CSV or JSON). InputSerialization and "
                        "OutputSerialization can only specify one format each.");
    if (!ocsv && !ojson)
        return sel_fail(
            r, "MissingRequiredParameter",
            "The SelectRequest entity is missing a required parameter. Check the service documentation and try again.");
    o->out.json = ojson != NULL;
    if (ojson) {
        if (delim(r, ojson, "RecordDelimiter", "\n", 2, &o->out.rec_delim)) return GR_ERR;
    } else {
        str_t qf = val_get_str(ocsv, "QuoteFields");
        if (qf.p && !str_eq_c(qf, "ALWAYS") && !str_eq_c(qf, "ASNEEDED"))
            return sel_fail(r, "InvalidQuoteFields",
                            "The QuoteFields is invalid. Only ALWAYS and ASNEEDED are supported.");
        o->out.quote_always = qf.p && str_eq_c(qf, "ALWAYS");
        if (delim(r, ocsv, "RecordDelimiter", "\n", 2, &o->out.rec_delim) ||
            delim(r, ocsv, "FieldDelimiter", ",", 1, &o->out.field_delim) ||
            one_char(r, ocsv, "QuoteCharacter", '"', &o->out.quote) ||
            one_char(r, ocsv, "QuoteEscapeCharacter", '"', &o->out.escape))
            return GR_ERR;
    }
    o->progress = val_get_bool(val_get(in, "RequestProgress"), "Enabled", false);
    const val_t *sr = val_get(in, "ScanRange");
    o->start = val_get_int(sr, "Start", -1), o->end = val_get_int(sr, "End", -1);
    o->range = sr && (o->start >= 0 || o->end >= 0);
    if (o->range) {
        /* AWS: ScanRange is for uncompressed CSV and JSON LINES objects */
        if (o->gzip || (!o->csv && !o->json_lines))
            return sel_fail(r, "UnsupportedScanRangeInput",
                            "Scan range queries are not supported on this type of object.");
        if (o->start >= 0 && o->end >= 0 && o->start > o->end)
            return sel_fail(r, "InvalidRequestParameter",
                            "The value of a parameter in SelectRequest element is invalid. Check the service API "
                            "documentation and try again.");
    }
    return GR_OK;
}

/* ==== records ==== */

static bool utf8_ok(str_t s)
{
    const unsigned char *p = (const unsigned char *)s.p, *e = p + s.len;
    while (p < e) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || *p == 0xC0 || *p == 0xC1 || e - p <= n) return false;
        for (int i = 1; i <= n; i++)
            if ((p[i] & 0xC0) != 0x80) return false;
        p += n + 1;
    }
    return true;
}

/* One query's pass over the object. Bytes arrive in chunks (s3__obj_bytes,
 * then inflate for GZIP); carry holds what has come of a record not yet
 * whole, so at most about one record (MAX_RECORD) is held of the input. */
typedef struct {
    req_t *r;
    opts_t *o;
    sel_query_t *q;
    arena_t *scratch;
    size_t in_batch;
    buf_t out;        /* output not yet in an event, in the scratch arena */
    val_t *events;    /* Records so far (request arena) */
    int64_t returned; /* bytes of output in them */
    str_t *names;     /* CSV header (USE) */
    size_t nnames;
    bool done; /* LIMIT reached */
    /* the stream */
    char *carry; /* malloc'd */
    size_t clen, ccap;
    int64_t base;        /* offset in the (uncompressed) data of carry[0] */
    int64_t to;          /* ScanRange: a record starting after this ends the pass */
    bool skip_first;     /* ScanRange from inside the data: the first piece ends a record begun before it */
    bool header_pending; /* the next record is the CSV header line */
    bool header_only;    /* this pass reads the header line and stops */
    bool stop;           /* read no more: LIMIT, past the range, header read */
    bool bad_gzip;
    z_stream z;
    bool z_on, z_end;
    int64_t scanned, processed; /* bytes read from the object; bytes handed to the parser */
} run_t;

/* Each BATCH records start a fresh scratch arena, before one is parsed:
 * nothing of an earlier record is used after its batch. */
static val_t *event(arena_t *a, const char *type, const char *member, val_t *payload)
{
    val_t *ev = val_new(a, VAL_STRUCT), *body = val_new(a, VAL_STRUCT);
    if (!ev || !body) return NULL;
    if (member && val_set_c(a, body, member, payload)) return NULL;
    return val_set_c(a, ev, type, body) ? NULL : ev;
}

/* The output so far (in the scratch arena) becomes a Records event, copied
 * to the request arena at its exact size. */
static int flush(run_t *u)
{
    arena_t *a = u->r->arena;
    if (!u->out.len) return u->out.failed ? GR_ERR : GR_OK;
    str_t chunk = arena_str(a, buf_str(&u->out));
    if (u->out.failed || !chunk.p || val_push(a, u->events, event(a, "Records", "Payload", val_blob(a, chunk))))
        return GR_ERR;
    u->returned += (int64_t)chunk.len;
    buf_init(&u->out, u->scratch);
    return GR_OK;
}

static int next_record(run_t *u)
{
    if (u->in_batch++ < BATCH) return GR_OK;
    if (flush(u) != GR_OK) return GR_ERR;
    arena_free(u->scratch);
    u->in_batch = 1;
    if (!(u->scratch = arena_new(0))) return GR_ERR;
    buf_init(&u->out, u->scratch);
    return GR_OK;
}

static int feed(run_t *u, const json_t *rec)
{
    sel_err_t err = {0};
    int rc = sel_feed(u->q, u->scratch, rec, &u->o->out, &u->out, &err);
    if (rc < 0) return err.code ? sel_fail(u->r, err.code, err.msg) : GR_ERR;
    if (rc > 0) u->done = true;
    if (u->out.len >= RECORDS_CHUNK && flush(u) != GR_OK) return GR_ERR;
    if (u->returned + (int64_t)u->out.len > (int64_t)MAX_OUTPUT)
        return req_fail(u->r, &ERR_InternalError,
                        "gureum builds a SelectObjectContent answer in memory, and this one is over its %u MiB: "
                        "select fewer records or columns, or use ScanRange",
                        MAX_OUTPUT >> 20);
    return GR_OK;
}

/* One CSV record's fields (quotes removed) as an object keyed by the header
 * or _1.._n. */
static json_t *csv_record(run_t *u, str_t line)
{
    const opts_t *o = u->o;
    arena_t *a = u->scratch;
    size_t cap = 16, n = 0;
    str_t *f = ARENA_NEWN(a, str_t, cap);
    size_t i = 0;
    for (;;) {
        if (!f) return NULL;
        if (n == cap) {
            str_t *nf = ARENA_NEWN(a, str_t, cap * 2);
            if (!nf) return NULL;
            memcpy(nf, f, n * sizeof *f);
            f = nf, cap *= 2;
        }
        if (i < line.len && line.p[i] == o->quote) {
            buf_t b;
            buf_init(&b, a);
            for (i++; i < line.len; i++) {
                char c = line.p[i];
                if (c == o->escape && i + 1 < line.len && line.p[i + 1] == o->quote) {
                    buf_putc(&b, o->quote);
                    i++;
                } else if (c == o->quote) {
                    i++;
                    break;
                } else {
                    buf_putc(&b, c);
                }
            }
            /* text after the closing quote, up to the delimiter, is kept */
            while (i < line.len && line.p[i] != o->field_delim.p[0]) buf_putc(&b, line.p[i++]);
            f[n++] = b.p ? buf_str(&b) : STR("");
        } else {
            size_t s = i;
            while (i < line.len && line.p[i] != o->field_delim.p[0]) i++;
            f[n++] = str_sub(line, s, i - s);
        }
        if (i >= line.len) break;
        i++; /* the delimiter */
    }
    json_t *j = ARENA_NEW(a, json_t);
    json_t *vals = ARENA_NEWN(a, json_t, n);
    json_t **pv = ARENA_NEWN(a, json_t *, n);
    str_t *keys = ARENA_NEWN(a, str_t, n);
    if (!j || !vals || !pv || !keys) return NULL;
    j->type = JSON_OBJECT;
    for (size_t k = 0; k < n; k++) {
        vals[k] = (json_t){.type = JSON_STRING, .u.s = f[k]};
        pv[k] = &vals[k];
        keys[k] = k < u->nnames ? u->names[k] : str_c(arena_printf(a, "_%zu", k + 1));
    }
    j->u.obj.k = keys, j->u.obj.v = pv, j->u.obj.n = n;
    return j;
}

static int one_record(run_t *u, str_t line, bool header)
{
    const opts_t *o = u->o;
    if (next_record(u)) return GR_ERR;
    /* AWS: InvalidTextEncoding for input that is not UTF-8 (delimiters are
     * ASCII, so no character straddles two records) */
    if (!utf8_ok(line))
        return sel_fail(u->r, "InvalidTextEncoding", "Invalid encoding type. Only UTF-8 encoding is supported.");
    if (line.len > MAX_RECORD)
        return sel_fail(
            u->r, "OverMaxRecordSize",
            "The character number in one record is more than our max threshold, maxCharsPerRecord: 1,048,576");
    if (o->csv) {
        if (o->comment && line.len && line.p[0] == o->comment) return GR_OK;
        json_t *rec = csv_record(u, line);
        if (!rec) return GR_ERR;
        if (header) {
            if (o->header == 1) {
                u->nnames = rec->u.obj.n;
                u->names = ARENA_NEWN(u->r->arena, str_t, u->nnames + 1);
                if (!u->names) return GR_ERR;
                for (size_t k = 0; k < u->nnames; k++) u->names[k] = arena_str(u->r->arena, rec->u.obj.v[k]->u.s);
            }
            return GR_OK;
        }
        if (!line.len) return GR_OK; /* AWS skips empty lines */
        return feed(u, rec);
    }
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t' || line.p[k] == '\r')) k++;
    if (k == line.len) return GR_OK;
    const char *jerr = NULL;
    json_t *j = json_parse(u->scratch, line, &jerr);
    if (!j)
        return sel_fail(u->r, "JSONParsingError",
                        "Encountered an error parsing the JSON file. Check the file and try again.");
    return feed(u, j);
}

/* ==== splitting the stream into records ==== */

typedef struct {
    size_t used;    /* bytes taken from the front of the data; 0: no whole record yet */
    size_t at, len; /* the record within them (delimiters and blanks left out) */
    bool none;      /* only blanks: no record */
} piece_t;

/* CSV and JSON LINES: up to the record delimiter (a quoted one only with
 * AllowQuotedRecordDelimiter; AWS: a "\n" delimiter also ends "\r\n" lines). */
static piece_t split_delimited(const opts_t *o, str_t d, bool eof)
{
    str_t rd = o->csv ? o->rec_delim : STR("\n");
    bool in_q = false;
    for (size_t i = 0; i < d.len; i++) {
        if (o->csv && o->quoted_rec_delim && d.p[i] == o->quote) in_q = !in_q;
        if (in_q || d.p[i] != rd.p[0]) continue;
        if (rd.len == 2 && (i + 1 >= d.len || d.p[i + 1] != rd.p[1])) {
            if (i + 1 >= d.len) break;
            continue;
        }
        size_t len = rd.len == 1 && rd.p[0] == '\n' && i > 0 && d.p[i - 1] == '\r' ? i - 1 : i;
        return (piece_t){i + rd.len, 0, len, false};
    }
    if (!eof || !d.len) return (piece_t){0};
    return (piece_t){d.len, 0, d.len, false};
}

/* JSON DOCUMENT: one or more JSON values one after another. A value's end
 * is found by its brackets and strings; json_parse then judges it. */
static piece_t split_document(str_t d, bool eof)
{
    size_t s = 0;
    while (s < d.len && strchr(" \t\r\n", d.p[s])) s++;
    if (s == d.len) return (piece_t){d.len, 0, 0, true};
    int depth = 0;
    bool in_str = false;
    for (size_t i = s; i < d.len; i++) {
        char c = d.p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            if (!depth && !in_str) return (piece_t){i + 1, s, i + 1 - s, false};
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return (piece_t){i + 1, s, i + 1 - s, false};
        } else if (!depth && strchr(" \t\r\n", c)) {
            return (piece_t){i, s, i - s, false};
        }
    }
    if (!eof) return (piece_t){0};
    return (piece_t){d.len, s, d.len - s, false}; /* unterminated: the parser says so */
}

/* Reads the whole records in carry (all of it at eof) and keeps the rest. */
static int drain(run_t *u, bool eof)
{
    const opts_t *o = u->o;
    size_t off = 0;
    while (!u->stop) {
        str_t d = str_n(u->carry + off, u->clen - off);
        piece_t pc = o->csv || o->json_lines ? split_delimited(o, d, eof) : split_document(d, eof);
        if (!pc.used) break;
        int64_t start = u->base + (int64_t)(off + pc.at);
        off += pc.used;
        if (pc.none) continue;
        if (u->skip_first) {
            u->skip_first = false;
            continue;
        }
        /* AWS: "ScanRange": a record that starts within the range is read
         * whole; the first that starts after it ends the scan */
        if (start > u->to) {
            u->stop = true;
            break;
        }
        bool header = u->header_pending;
        u->header_pending = false;
        if (one_record(u, str_n(d.p + pc.at, pc.len), header) != GR_OK) return GR_ERR;
        if ((header && u->header_only) || u->done) u->stop = true;
    }
    memmove(u->carry, u->carry + off, u->clen - off);
    u->clen -= off;
    u->base += (int64_t)off;
    if (!u->stop && u->clen > MAX_RECORD + 2)
        return sel_fail(
            u->r, "OverMaxRecordSize",
            "The character number in one record is more than our max threshold, maxCharsPerRecord: 1,048,576");
    return GR_OK;
}

/* Uncompressed bytes: appended to carry a slice at a time, records read. */
static int take(run_t *u, const char *p, size_t n)
{
    while (n && !u->stop) {
        size_t k = n < (1u << 20) ? n : (1u << 20);
        if (u->clen + k > u->ccap) {
            size_t cap = u->ccap ? u->ccap : 1u << 16;
            while (cap < u->clen + k) cap *= 2;
            char *c = realloc(u->carry, cap);
            if (!c) return GR_ERR;
            u->carry = c, u->ccap = cap;
        }
        memcpy(u->carry + u->clen, p, k);
        u->clen += k, u->processed += (int64_t)k, p += k, n -= k;
        if (drain(u, false) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

/* s3__obj_bytes' callback. GR_ERR also ends the read early once the pass
 * has what it needs (u->stop), which the caller tells from a failure. */
static int on_bytes(void *ctx, const char *p, size_t n)
{
    run_t *u = ctx;
    u->scanned += (int64_t)n;
    if (!u->o->gzip) return take(u, p, n) == GR_OK && !u->stop ? GR_OK : GR_ERR;
    u->z.next_in = (Bytef *)p;
    u->z.avail_in = (uInt)n;
    unsigned char tmp[1 << 16];
    while (u->z.avail_in && !u->stop) {
        if (u->z_end) { /* AWS reads concatenated gzip members as one stream */
            if (inflateReset(&u->z) != Z_OK) return GR_ERR;
            u->z_end = false;
        }
        u->z.next_out = tmp;
        u->z.avail_out = sizeof tmp;
        int rc = inflate(&u->z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            u->bad_gzip = true;
            return GR_ERR;
        }
        u->z_end = rc == Z_STREAM_END;
        if (take(u, (const char *)tmp, sizeof tmp - u->z.avail_out) != GR_OK) return GR_ERR;
    }
    return u->stop ? GR_ERR : GR_OK;
}

/* One pass over the object's bytes [from, size). GR_OK with the records read
 * (up to u->stop), else the request failed. */
static int pass(run_t *u, const s3_obj_t *obj, int64_t from)
{
    req_t *r = u->r;
    u->base = from, u->clen = 0, u->stop = false, u->z_end = false;
    if (u->o->gzip) {
        if (u->z_on) inflateEnd(&u->z);
        u->z = (z_stream){0};
        if (inflateInit2(&u->z, 16 + MAX_WBITS) != Z_OK) return GR_ERR;
        u->z_on = true;
    }
    int rc = s3__obj_bytes(r, obj, from, obj->size - from, on_bytes, u);
    if (r->err) return GR_ERR; /* a record's error, already the request's */
    if (u->bad_gzip || (u->o->gzip && rc == GR_OK && obj->size && !u->z_end))
        return sel_fail(r, "InvalidCompressionFormat",
                        "The file is not in a supported compression format. GZIP and BZIP2 are supported.");
    if (rc != GR_OK && !u->stop) return GR_ERR;
    return u->stop ? GR_OK : drain(u, true);
}

static void run_free(void *p)
{
    run_t *u = p;
    if (u->scratch) arena_free(u->scratch);
    free(u->carry);
    if (u->z_on) inflateEnd(&u->z);
}

/* The passes a query takes: the CSV header (when ScanRange starts past it),
 * then the records from the range's start, or all of them. */
static int run_query(run_t *u, const s3_obj_t *obj)
{
    const opts_t *o = u->o;
    int64_t size = obj->size, from = 0, to = size - 1;
    u->to = INT64_MAX;
    bool header = o->csv && o->header != 0;
    if (o->range) {
        if (o->start >= 0) from = o->start;
        if (o->end >= 0 && o->start >= 0 && o->end < to) to = o->end;
        if (o->end >= 0 && o->start < 0) from = o->end >= size ? 0 : size - o->end; /* the last End bytes */
        u->to = to;
        if (from >= size) return GR_OK;
        if (header && from > 0) {
            u->header_pending = u->header_only = true;
            if (pass(u, obj, 0) != GR_OK) return GR_ERR;
            u->header_pending = u->header_only = false;
            header = false;
        }
    }
    u->header_pending = header;
    u->skip_first = from > 0;
    int rc = pass(u, obj, from > 0 ? from - 1 : 0);
    if (o->range) u->scanned = u->processed = to - from + 1;
    return rc;
}

/* ==== the operation ==== */

static val_t *stats(arena_t *a, int64_t scanned, int64_t processed, int64_t returned)
{
    val_t *s = val_new(a, VAL_STRUCT);
    if (!s || val_set_c(a, s, "BytesScanned", val_int(a, scanned)) ||
        val_set_c(a, s, "BytesProcessed", val_int(a, processed)) ||
        val_set_c(a, s, "BytesReturned", val_int(a, returned)))
        return NULL;
    return s;
}

/* An input read_opts could not take: NoSuchKey for a missing object, as AWS
 * answers, else NotImplemented. */
static int refuse_unbuilt(req_t *r, str_t bucket, str_t key, const char *what)
{
    sqlite3 *db = s3__db(r);
    if (!db || s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    s3_obj_t obj;
    int found = s3__obj_get(r, db, bucket, key, &obj);
    if (found < 0) return GR_ERR;
    if (!found) return s3__no_such_key(r, key);
    return req_fail(r, &ERR_NotImplemented, "%s input to SelectObjectContent is not implemented by gureum.", what);
}

int s3_select_object_content(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key");
    str_t sql = val_get_str(in, "Expression"), type = val_get_str(in, "ExpressionType");
    /* AWS: "Amazon S3 Select does not support anonymous access", even to an object anyone may GET */
    if (r->who.anonymous) return req_fail(r, &ERR_AccessDenied, "Access Denied");
    if (!str_eq_c(type, "SQL"))
        return sel_fail(r, "InvalidExpressionType",
                        "The ExpressionType is invalid. Only SQL expressions are supported.");
    if (sql.len > MAX_EXPR)
        return sel_fail(r, "ExpressionTooLong",
                        "The SQL expression is too long: The maximum byte-length for the SQL expression is 256 KB.");
    opts_t o = {0};
    if (read_opts(r, in, &o) != GR_OK) return GR_ERR;
    if (o.unbuilt) return refuse_unbuilt(r, bucket, key, o.unbuilt);
    sel_err_t err = {0};
    sel_query_t *q = sel_parse(a, sql, o.csv, &err);
    if (!q) return err.code ? sel_fail(r, err.code, err.msg) : GR_ERR;

    /* the run lives in the arena: its cleanup runs when the request ends */
    run_t *u = ARENA_NEW(a, run_t);
    if (!u) return GR_ERR;
    *u = (run_t){.r = r, .o = &o, .q = q, .scratch = arena_new(0)};
    if (!u->scratch || arena_defer(a, run_free, u) < 0) {
        if (u->scratch) arena_free(u->scratch);
        return GR_ERR;
    }
    buf_init(&u->out, u->scratch);
    if (!(u->events = val_new(a, VAL_LIST))) return GR_ERR;

    sqlite3 *db = s3__db(r);
    if (!db || s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    /* the row and its blobs read in one transaction, as GetObject reads them */
    if (s3__begin_read(db) != GR_OK) return GR_ERR;
    s3_obj_t obj;
    int found = s3__obj_get(r, db, bucket, key, &obj), rc = GR_ERR;
    if (found == 0)
        rc = s3__no_such_key(r, key);
    else if (found > 0 && s3__sse_for_read(r, in, obj.at.sse, false) == GR_OK &&
             s3__archive_check(r, &obj, NULL, S3_ARCHIVE_READ) == GR_OK)
        rc = run_query(u, &obj);
    if (s3__commit(db) != GR_OK) s3__rollback(db);
    if (rc != GR_OK) return GR_ERR;
    if (sel_finish(q, u->scratch, &o.out, &u->out, &err) < 0) return err.code ? sel_fail(r, err.code, err.msg) : GR_ERR;
    if (flush(u) != GR_OK) return GR_ERR;
    int64_t scanned = u->scanned, processed = u->processed, returned = u->returned;
    val_t *events = u->events;
    if (o.progress && val_push(a, events, event(a, "Progress", "Details", stats(a, scanned, processed, returned))))
        return GR_ERR;
    if (val_push(a, events, event(a, "Stats", "Details", stats(a, scanned, processed, returned))) ||
        val_push(a, events, event(a, "End", NULL, NULL)))
        return GR_ERR;
    return val_set_c(a, out, "Payload", events);
}
