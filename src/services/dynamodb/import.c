/* import.c — DynamoDB imports from S3 (ImportTable, DescribeImport, ListImports).
 * ImportTable creates a table from TableCreationParameters (CreateTable's own
 * checks and code, table.c) and loads every object under the source prefix,
 * read through S3's interface as the caller (s3_list_keys, s3_read_object):
 * DYNAMODB_JSON ({"Item":{...}} objects, one a line as export.c writes them),
 * ION (the same records in Amazon Ion text, ion.c) or CSV, each GZIP, ZSTD
 * or NONE. Items DynamoDB refuses
 * count in ErrorCount, go to CloudWatch Logs (/aws-dynamodb/imports) and
 * make the import FAILED with the rest kept; S3 refusing the source fails
 * the import and leaves no table. Table and items commit in
 * one transaction (no reader sees half a table), each object in a scratch
 * arena of its own. AWS answers IN_PROGRESS and finishes later; gureum has
 * finished when it answers, so DescribeImport shows COMPLETED or FAILED. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "core/buf.h"
#include "core/gtime.h"
#include "core/json.h"
#include "dynamodb_model.h"
#include "services/dynamodb/ion.h"
#include "services/dynamodb/tbl.h"
#include "services/logs/logs.h"
#include "services/s3/s3.h"

#define MAX_OBJECTS 50000          /* AWS: "Each import job can take up to 50,000 Amazon S3 objects" */
#define MAX_OBJECT (256u << 20)    /* gureum reads an object whole: larger ones count as errors */
#define MAX_TEXT ((size_t)1 << 30) /* nor inflates one past this */
#define MAX_ITEM_SIZE (400 * 1024) /* AWS: an item's size limit, PutItem's */
#define MAX_LOGGED 10000           /* error events logged per import; ErrorCount counts them all */
#define LOG_GROUP "/aws-dynamodb/imports"

/* ==== decompressing ==== */

/* gzip (members end to end, as gzip writes appended files) or zlib. */
static bool gunzip(buf_t *b, str_t in, const char **err)
{
    z_stream z = {.next_in = (Bytef *)in.p, .avail_in = (uInt)in.len};
    if (inflateInit2(&z, 15 + 32) != Z_OK) return false;
    unsigned char chunk[65536];
    bool ok = true;
    for (;;) {
        z.next_out = chunk, z.avail_out = sizeof chunk;
        int rc = inflate(&z, Z_NO_FLUSH);
        buf_append(b, chunk, sizeof chunk - z.avail_out);
        if (rc == Z_STREAM_END) {
            if (!z.avail_in) break;
            inflateReset(&z);
        } else if (rc != Z_OK || b->len > MAX_TEXT) {
            *err = rc == Z_OK ? "The object inflates past 1 GiB" : "The object is not valid GZIP data";
            ok = false;
            break;
        }
    }
    inflateEnd(&z);
    return ok;
}

static bool unzstd(buf_t *b, str_t in, const char **err)
{
    ZSTD_DStream *z = ZSTD_createDStream();
    if (!z) return false;
    ZSTD_inBuffer ib = {in.p, in.len, 0};
    unsigned char chunk[65536];
    size_t rc = 0;
    *err = NULL;
    for (;;) {
        ZSTD_outBuffer ob = {chunk, sizeof chunk, 0};
        rc = ZSTD_decompressStream(z, &ob, &ib);
        if (ZSTD_isError(rc)) break;
        buf_append(b, chunk, ob.pos);
        if (b->len > MAX_TEXT) *err = "The object inflates past 1 GiB";
        if (*err || (ib.pos == ib.size && ob.pos < ob.size)) break;
    }
    ZSTD_freeDStream(z);
    /* rc: 0 once a frame ended with nothing left over; else truncated */
    if (!*err && rc) *err = "The object is not valid ZSTD data";
    return !*err;
}

/* The object's text as comp ("GZIP", "ZSTD", else as it is) says, in b's
 * arena; false + *err (AWS-style, logged) when it is not that. */
static bool decompress(arena_t *a, str_t in, str_t comp, str_t *out, const char **err)
{
    if (!str_eq_c(comp, "GZIP") && !str_eq_c(comp, "ZSTD")) {
        *out = in;
        return true;
    }
    buf_t b;
    buf_init(&b, a);
    *err = NULL;
    if (!(str_eq_c(comp, "GZIP") ? gunzip(&b, in, err) : unzstd(&b, in, err)) || b.failed) {
        if (!*err) *err = "The object could not be decompressed";
        return false;
    }
    *out = buf_str(&b);
    return true;
}

/* ==== parsing items ==== */

/* An AttributeValue from DynamoDB JSON (B and BS in base64, as the json
 * protocol has them), or NULL + *err. Its contents are checked after, by
 * ddb_validate_item, as a PutItem's are. */
static val_t *av_of(arena_t *a, const json_t *j, const char **err)
{
    if (j->type != JSON_OBJECT || j->u.obj.n != 1) {
        *err = "An attribute value must be an object with exactly one type member";
        return NULL;
    }
    str_t type = j->u.obj.k[0];
    const json_t *v = j->u.obj.v[0];
    ddb_type_t t = DDB_BAD;
    for (int i = DDB_S; i < DDB_BAD; i++)
        if (str_eq_c(type, ddb_type_name((ddb_type_t)i))) t = (ddb_type_t)i;
    val_t *inner = NULL;
    *err = NULL;
    switch (t) {
    case DDB_S:
    case DDB_N:
        if (v->type == JSON_STRING) inner = val_str(a, v->u.s);
        break;
    case DDB_B: {
        str_t bytes;
        if (v->type == JSON_STRING && arena_unbase64(a, v->u.s, &bytes)) inner = val_blob(a, bytes);
        break;
    }
    case DDB_BOOL:
    case DDB_NULL:
        if (v->type == JSON_BOOL) inner = val_bool(a, v->u.b);
        break;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
    case DDB_L:
        if (v->type != JSON_ARRAY) break;
        inner = val_new(a, VAL_LIST);
        for (size_t i = 0; inner && i < v->u.arr.n; i++) {
            const json_t *e = v->u.arr.v[i];
            val_t *x = NULL;
            str_t bytes;
            if (t == DDB_L)
                x = av_of(a, e, err);
            else if (e->type == JSON_STRING && t != DDB_BS)
                x = val_str(a, e->u.s);
            else if (e->type == JSON_STRING && arena_unbase64(a, e->u.s, &bytes))
                x = val_blob(a, bytes);
            inner = x ? (val_push(a, inner, x), inner) : NULL;
        }
        break;
    case DDB_M:
        if (v->type != JSON_OBJECT) break;
        inner = val_new(a, VAL_MAP);
        for (size_t i = 0; inner && i < v->u.obj.n; i++) {
            val_t *x = av_of(a, v->u.obj.v[i], err);
            inner = x ? (val_set(a, inner, v->u.obj.k[i], x), inner) : NULL;
        }
        break;
    default: *err = arena_printf(a, "Unknown attribute value type: %.*s", STR_FMT(type)); return NULL;
    }
    if (!inner && !*err) *err = arena_printf(a, "Invalid value for attribute value type %.*s", STR_FMT(type));
    return inner ? ddb_av(a, t, inner) : NULL;
}

/* One DYNAMODB_JSON line, {"Item": {...}}, as an item, or NULL + *err. */
static val_t *json_item(arena_t *a, str_t line, const char **err)
{
    const json_t *j = json_parse(a, line, err);
    const json_t *m = j && j->type == JSON_OBJECT && j->u.obj.n == 1 ? json_get(j, "Item") : NULL;
    if (!m || m->type != JSON_OBJECT) {
        if (j) *err = "A record must be an object with one member, Item, whose value is the item";
        return NULL;
    }
    val_t *item = val_new(a, VAL_MAP);
    for (size_t i = 0; i < m->u.obj.n; i++) {
        val_t *av = av_of(a, m->u.obj.v[i], err);
        if (!av) return NULL;
        val_set(a, item, m->u.obj.k[i], av);
    }
    return item;
}

/* The next CSV record of s from *at (RFC 4180: a "quoted" field may hold the
 * delimiter, line breaks and "" for a quote), its fields a VAL_LIST of
 * VAL_STR; NULL at the end. Blank lines are skipped. *err on a malformed
 * record, whose line is then skipped. */
static val_t *csv_record(arena_t *a, str_t s, size_t *at, char delim, const char **err)
{
    size_t i = *at;
    while (i < s.len && (s.p[i] == '\n' || s.p[i] == '\r')) i++;
    if (i >= s.len) return NULL;
    val_t *rec = val_new(a, VAL_LIST);
    *err = NULL;
    for (;;) {
        buf_t f;
        buf_init(&f, a);
        if (s.p[i] == '"') {
            for (i++;; i++) {
                if (i >= s.len) {
                    *err = "A quoted field is not closed";
                    break;
                }
                if (s.p[i] == '"' && (i + 1 >= s.len || s.p[i + 1] != '"')) break;
                if (s.p[i] == '"') i++; /* "" */
                buf_putc(&f, s.p[i]);
            }
            if (!*err && ++i < s.len && s.p[i] != delim && s.p[i] != '\n' && s.p[i] != '\r')
                *err = "A quoted field is followed by more than a delimiter";
        } else {
            size_t from = i;
            while (i < s.len && s.p[i] != delim && s.p[i] != '\n' && s.p[i] != '\r') i++;
            buf_append(&f, s.p + from, i - from);
        }
        val_push(a, rec, val_strdup(a, buf_str(&f)));
        if (*err) {
            while (i < s.len && s.p[i] != '\n') i++;
            break;
        }
        if (i < s.len && s.p[i] == delim) {
            i++;
            if (i >= s.len) { /* a trailing delimiter: one more, empty, field */
                val_push(a, rec, val_cstr(a, ""));
                break;
            }
            continue;
        }
        break;
    }
    *at = i;
    return rec;
}

/* A CSV record as an item named by header: every value an S but for the
 * attributes defs types (N as it is, B from base64); empty values are left
 * out. NULL + *err when it cannot be one. */
static val_t *csv_item(arena_t *a, const val_t *header, const val_t *rec, const val_t *defs, const char **err)
{
    if (rec->u.list.n > header->u.list.n) {
        *err =
            arena_printf(a, "The row has %zu values but the header names %zu columns", rec->u.list.n, header->u.list.n);
        return NULL;
    }
    val_t *item = val_new(a, VAL_MAP);
    for (size_t i = 0; i < rec->u.list.n; i++) {
        str_t name = header->u.list.v[i]->u.s, text = rec->u.list.v[i]->u.s;
        if (!text.len) continue;
        str_t type = STR("S");
        for (size_t d = 0; d < defs->u.list.n; d++)
            if (str_eq(val_get_str(defs->u.list.v[d], "AttributeName"), name))
                type = val_get_str(defs->u.list.v[d], "AttributeType");
        val_t *inner = val_str(a, text);
        str_t bytes;
        if (str_eq_c(type, "B")) {
            if (!arena_unbase64(a, text, &bytes)) {
                *err = arena_printf(a, "The value of %.*s is not base64, as its type B needs", STR_FMT(name));
                return NULL;
            }
            inner = val_blob(a, bytes);
        }
        val_set(a, item, name, ddb_av(a, str_eq_c(type, "N") ? DDB_N : str_eq_c(type, "B") ? DDB_B : DDB_S, inner));
    }
    return item;
}

/* ==== loading ==== */

typedef struct {
    req_t *r;
    sqlite3 *db;
    const ddb_table_t *t;
    const val_t *in;
    str_t arn, bucket, key;                     /* key: the object being read, for the error log */
    int64_t processed, imported, errors, bytes; /* imported: items written (a repeated key counts again) */
    logs_event_t *ev;                           /* in r's arena */
    size_t nev, cap;
} load_t;

/* Counts an item's error and logs it, as AWS does, with where it was. */
static void item_error(load_t *L, int64_t index, const char *msg)
{
    L->errors++;
    arena_t *a = L->r->arena;
    if (L->nev == MAX_LOGGED) return;
    if (L->nev == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 16;
        logs_event_t *ev = arena_realloc(a, L->ev, L->cap * sizeof *ev, cap * sizeof *ev);
        if (!ev) return;
        L->ev = ev, L->cap = cap;
    }
    buf_t b;
    buf_init(&b, a);
    json_w_t w;
    json_w_init(&w, &b);
    json_w_obj_begin(&w);
    json_w_key(&w, STR("itemS3Pointer"));
    json_w_obj_begin(&w);
    json_w_key(&w, STR("bucket"));
    json_w_str(&w, L->bucket);
    json_w_key(&w, STR("key"));
    json_w_str(&w, L->key);
    json_w_key(&w, STR("itemIndex"));
    json_w_int(&w, index);
    json_w_obj_end(&w);
    json_w_key(&w, STR("importArn"));
    json_w_str(&w, L->arn);
    json_w_key(&w, STR("errorMessages"));
    json_w_arr_begin(&w);
    json_w_str(&w, str_c(msg));
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    L->ev[L->nev++] = (logs_event_t){.ts_ms = time_now_us() / 1000, .message = buf_str(&b)};
}

/* Writes item (or counts its error) as a PutItem would store it; sub is the
 * request on the object's scratch arena, so a check's failure stays there.
 * GR_ERR only for an internal failure. */
static int load_item(load_t *L, req_t *sub, val_t *item, int64_t index)
{
    const char *e = ddb_validate_item(sub->arena, item);
    if (!e && ddb_item_size(item) > MAX_ITEM_SIZE) e = "Item size has exceeded the maximum allowed size";
    ddb_keyenc_t k;
    sub->err = NULL;
    if (!e &&
        (ddb__item_key_or_fail(sub, L->t, item, &k) != GR_OK || ddb__index_keys_or_fail(sub, L->t, item) != GR_OK))
        e = sub->err ? sub->err_msg : "";
    if (e) {
        if (!*e) return GR_ERR; /* internal, not the item's fault */
        item_error(L, index, e);
        return GR_OK;
    }
    /* AWS: items with one key overwrite each other, not counted as errors;
     * the one replaced leaves its index rows with it */
    val_t *old = NULL;
    if (L->t->nidx && ddb__item_get(sub, L->db, L->t, &k, &old) != GR_OK) return GR_ERR;
    L->imported++;
    return ddb__item_write(sub, L->db, L->t, &k, old, item);
}

/* An object's text, record by record. */
typedef struct {
    str_t text;
    size_t at;
    bool csv, ion;
    char delim;
    const val_t *header, *defs; /* CSV's column names and AttributeDefinitions */
    bool malformed;             /* the last record could not be read as one */
} reader_t;

/* Where the JSON value that starts at `at` ends: a container's closing
 * bracket (strings and escapes skipped), else the next whitespace or
 * bracket; the text's end when it never closes. */
static size_t json_value_end(str_t s, size_t at)
{
    if (s.p[at] != '{' && s.p[at] != '[') {
        while (at < s.len && !strchr(" \t\r\n{[", s.p[at])) at++;
        return at;
    }
    int depth = 0;
    bool in_str = false;
    for (; at < s.len; at++) {
        char c = s.p[at];
        if (in_str) {
            if (c == '\\')
                at++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return at + 1;
        }
    }
    return s.len;
}

/* The next record's item in a (NULL + *err when it cannot be one,
 * rd->malformed when not even its record could be read); false at the end
 * of the text. A DYNAMODB_JSON object is a sequence of JSON objects, one a
 * line as exports write them, though AWS reads them without line breaks
 * between them too (moto's AWS-verified
 * test_import_table_single_file_with_multiple_items). */
static bool next_item(reader_t *rd, arena_t *a, val_t **item, const char **err)
{
    rd->malformed = false;
    if (rd->csv) {
        val_t *rec = csv_record(a, rd->text, &rd->at, rd->delim, err);
        if (!rec) return false;
        rd->malformed = *err != NULL;
        *item = *err ? NULL : csv_item(a, rd->header, rec, rd->defs, err);
        return true;
    }
    if (rd->ion) {
        /* as for JSON: a record that is not Ion, or no item (not
         * {Item:{...}}, a value of no DynamoDB type), leaves the rest of its
         * object unread */
        ion_t *v;
        int rc = ddb_ion_read(a, rd->text, &rd->at, &v, err);
        if (rc == 0) return false;
        *item = rc > 0 ? ddb_ion_item(a, v, err) : NULL;
        rd->malformed = rc < 0 || !*item;
        return true;
    }
    /* blank lines and whitespace are no records */
    while (rd->at < rd->text.len && strchr(" \t\r\n", rd->text.p[rd->at])) rd->at++;
    if (rd->at >= rd->text.len) return false;
    size_t end = json_value_end(rd->text, rd->at);
    str_t rec = str_sub(rd->text, rd->at, end - rd->at);
    rd->at = end;
    *item = json_item(a, rec, err);
    rd->malformed = *item == NULL;
    return true;
}

/* The items of one object's text. Each 1024 records' items are parsed in an
 * arena of their own, freed after they are written, so an object's parsed
 * items never pile up. */
static int load_text(load_t *L, req_t *sub, str_t text)
{
    arena_t *obj = sub->arena, *chunk = NULL;
    str_t fmt = val_get_str(L->in, "InputFormat");
    reader_t rd = {.text = text, .csv = str_eq_c(fmt, "CSV"), .ion = str_eq_c(fmt, "ION")};
    const char *err;
    if (rd.csv) {
        const val_t *csv = val_get(val_get(L->in, "InputFormatOptions"), "Csv");
        str_t d = val_get_str(csv, "Delimiter");
        rd.delim = d.len ? d.p[0] : ',';
        rd.defs = val_get(val_get(L->in, "TableCreationParameters"), "AttributeDefinitions");
        /* AWS: without HeaderList, each file's first line is its header */
        if (!(rd.header = val_get(csv, "HeaderList")) && (rd.header = csv_record(obj, text, &rd.at, rd.delim, &err)) &&
            err) {
            item_error(L, 0, arena_printf(obj, "The header line cannot be read: %s", err));
            return GR_OK;
        }
        if (!rd.header) return GR_OK; /* an empty file */
    }
    int rc = GR_OK;
    val_t *item;
    for (int64_t index = 0;; index++) {
        if (index % 1024 == 0) {
            arena_free(chunk);
            if (!(sub->arena = chunk = arena_new(0))) {
                rc = GR_ERR;
                break;
            }
        }
        if (!next_item(&rd, chunk, &item, &err)) break;
        L->processed++;
        if (!item)
            item_error(L, index + 1, err);
        else if ((rc = load_item(L, sub, item, index + 1)) != GR_OK)
            break;
        /* AWS (Developer Guide, "Import format quotas and validation";
         * measured, ACK's notes DDB-IMPORT-013 and ScyllaDB's import
         * conformance test): a record that cannot be read as an item —
         * not JSON, no Item member — skips the rest of its object; an item
         * DynamoDB refuses is skipped alone. */
        if (rd.malformed) break;
    }
    arena_free(chunk);
    sub->arena = obj;
    return rc;
}

/* Reads, decompresses and loads the object L->key in a scratch arena of its
 * own. GR_ERR with *code / *msg when S3 refuses it (the import fails), or
 * with *code NULL for an internal failure. */
static int load_object(load_t *L, const char **code, const char **msg)
{
    arena_t *scratch = arena_new(0);
    if (!scratch) return GR_ERR;
    req_t sub = *L->r; /* the caller, with the scratch arena for what one object needs */
    sub.arena = scratch;
    sub.err = NULL;
    str_t bytes, text;
    const char *err = NULL;
    int rc = s3_read_object(&sub, L->bucket, L->key, MAX_OBJECT, &bytes, code, msg);
    if (rc != GR_OK && *code && !strcmp(*code, "EntityTooLarge")) {
        item_error(L, 0, "The object is larger than gureum imports (256 MiB)");
        rc = GR_OK;
    } else if (rc == GR_OK && !decompress(scratch, bytes, val_get_str(L->in, "InputCompressionType"), &text, &err)) {
        item_error(L, 0, err); /* AWS: a malformed object's remaining portion is skipped */
    } else if (rc == GR_OK) {
        L->bytes += (int64_t)text.len;
        rc = load_text(L, &sub, text);
    }
    arena_free(scratch);
    return rc;
}

/* Loads every object under the source's prefix into L->t; as load_object. */
static int load_all(load_t *L, const char **code, const char **msg)
{
    str_t prefix = val_get_str(val_get(L->in, "S3BucketSource"), "S3KeyPrefix");
    str_t *keys;
    int64_t *sizes;
    size_t n;
    if (s3_list_keys(L->r, L->bucket, prefix.p ? prefix : STR(""), MAX_OBJECTS + 1, &keys, &sizes, &n, code, msg) !=
        GR_OK)
        return GR_ERR;
    if (n > MAX_OBJECTS) {
        *code = "TooManyObjects", *msg = "An import can read at most 50,000 S3 objects";
        return GR_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        L->key = keys[i];
        if (load_object(L, code, msg) != GR_OK) return GR_ERR;
    }
    return GR_OK;
}

/* ==== the operations ==== */

/* Whether a retried request with d's ClientToken asks for the same import. */
static bool same_import(const val_t *d, const val_t *in)
{
    static const char *const members[] = {"S3BucketSource", "InputFormat", "InputFormatOptions"};
    for (size_t i = 0; i < sizeof members / sizeof *members; i++)
        if (!val_equal(val_get(d, members[i]), val_get(in, members[i]))) return false;
    str_t comp = val_get_str(in, "InputCompressionType");
    return str_eq(val_get_str(d, "InputCompressionType"), comp.p ? comp : STR("NONE")) &&
           str_eq(val_get_str(val_get(d, "TableCreationParameters"), "TableName"),
                  val_get_str(val_get(in, "TableCreationParameters"), "TableName"));
}

/* The description's members known before the import runs. */
static val_t *first_description(req_t *r, const val_t *in, str_t arn, str_t table_arn, int64_t now)
{
    arena_t *a = r->arena;
    val_t *d = val_new(a, VAL_STRUCT);
    val_set_c(a, d, "ImportArn", val_str(a, arn));
    val_set_c(a, d, "ImportStatus", val_cstr(a, "IN_PROGRESS"));
    val_set_c(a, d, "TableArn", val_str(a, table_arn));
    static const char *const copied[] = {"ClientToken",        "S3BucketSource",       "InputFormat",
                                         "InputFormatOptions", "InputCompressionType", "TableCreationParameters"};
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++)
        if (val_get(in, copied[i])) val_set_c(a, d, copied[i], val_get(in, copied[i]));
    if (!val_get(d, "InputCompressionType")) val_set_c(a, d, "InputCompressionType", val_cstr(a, "NONE"));
    str_t group = str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:" LOG_GROUP ":*", STR_FMT(r->region),
                                     STR_FMT(r->who.account)));
    val_set_c(a, d, "CloudWatchLogGroupArn", val_str(a, group));
    val_set_c(a, d, "StartTime", val_time(a, now));
    return d;
}

int dynamodb_import_table(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    /* AWS (recorded, ACK's notes): format options are CSV's alone */
    str_t fmt = val_get_str(in, "InputFormat");
    if (val_get(in, "InputFormatOptions") && !str_eq_c(fmt, "CSV"))
        return ddb__fail_validation(r, arena_printf(a,
                                                    "Invalid Request: Unsupported InputFormatOptions for the given "
                                                    "input format: %.*s.",
                                                    STR_FMT(fmt)));
    const val_t *params = val_get(in, "TableCreationParameters");
    int64_t now = time_now_us();
    val_t *def = ddb__create_def_or_fail(r, params, now);
    if (!def) return GR_ERR;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t token = val_get_str(in, "ClientToken");
    /* AWS: the same ClientToken within 8 hours is the same import, or a conflict */
    if (token.len) {
        val_t *d;
        if (ddb__job_by_token(r, db, &ddb__imports, token, &d) != GR_OK) return GR_ERR;
        if (d && !same_import(d, in))
            return req_fail(r, &DYNAMODB_ERR_ImportConflictException,
                            "There was a conflict when importing from the specified S3 source. This can occur when "
                            "the current import conflicts with a previous import request that had the same client "
                            "token.");
        if (d) return val_set_c(a, out, "ImportTableDescription", d);
    }
    str_t name = val_get_str(params, "TableName");
    ddb_table_t t;
    if (ddb__begin(db) != GR_OK) return GR_ERR;
    if (ddb__create_or_fail(r, db, name, def, NULL, now, &t) != GR_OK) {
        ddb__rollback(db);
        return GR_ERR;
    }
    str_t arn = ddb__stamped_arn(r, t.arn, "import", now);
    val_t *d = first_description(r, in, arn, t.arn, now);
    val_set_c(a, d, "TableId", val_str(a, t.table_id));
    /* AWS's first answer is IN_PROGRESS, whatever happens next */
    val_t *first = ddb__job_first(a, d);
    load_t L = {.r = r, .db = db, .t = &t, .in = in, .arn = arn};
    L.bucket = val_get_str(val_get(in, "S3BucketSource"), "S3Bucket");
    const char *code = NULL, *msg = NULL;
    int64_t imported = 0;
    if (load_all(&L, &code, &msg) != GR_OK || ddb__commit(db) != GR_OK) {
        ddb__rollback(db); /* AWS: a failed import leaves no table */
        if (!code) return GR_ERR;
        /* AWS: an import S3 refuses fails with S3's error, as an export does */
        val_set_c(a, d, "ImportStatus", val_cstr(a, "FAILED"));
        val_set_c(a, d, "FailureCode", val_str(a, str_c(arena_printf(a, "S3%s", code))));
        val_set_c(a, d, "FailureMessage", val_cstr(a, msg));
    } else {
        imported = L.imported;
        /* AWS (Developer Guide, "Import format quotas and validation"): an
         * import that skipped an item ends FAILED, its table kept with the
         * items that were imported. */
        val_set_c(a, d, "ImportStatus", val_cstr(a, L.errors ? "FAILED" : "COMPLETED"));
        if (L.errors) {
            val_set_c(a, d, "FailureCode", val_cstr(a, "ItemValidationError"));
            val_set_c(a, d, "FailureMessage",
                      val_cstr(a, "Some of the items failed validation checks and were not imported. Please check "
                                  "CloudWatch error logs for more details."));
        }
    }
    val_set_c(a, d, "EndTime", val_time(a, time_now_us()));
    val_set_c(a, d, "ProcessedSizeBytes", val_int(a, L.bytes));
    val_set_c(a, d, "ProcessedItemCount", val_int(a, L.processed));
    val_set_c(a, d, "ImportedItemCount", val_int(a, imported));
    val_set_c(a, d, "ErrorCount", val_int(a, L.errors));
    if (L.nev) {
        str_t id = str_sub(arn, t.arn.len + 8, arn.len - t.arn.len - 8); /* after "/import/" */
        logs_append(r->app, r->who.account, r->region, STR(LOG_GROUP), id, L.ev, L.nev);
    }
    if (ddb__job_save(r, db, &ddb__imports, d, token) != GR_OK) return GR_ERR;
    return val_set_c(a, out, "ImportTableDescription", first);
}

int dynamodb_describe_import(req_t *r, const val_t *in, val_t *out)
{
    return ddb__job_describe(r, &ddb__imports, in, out);
}

/* ListImports' NextToken: the model wants 112 or more hex digits in groups
 * of 16, so the last ARN listed goes as hex, padded with zero bytes. */
static str_t next_token(arena_t *a, str_t arn)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < arn.len; i++) buf_printf(&b, "%02x", (unsigned char)arn.p[i]);
    while (b.len < 112 || b.len % 16) buf_puts(&b, "00");
    return buf_str(&b);
}

static int nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* And back: the ARN to list after (the model's pattern has checked the digits). */
static str_t token_arn(arena_t *a, str_t token)
{
    char *p = arena_alloc(a, token.len / 2 + 1);
    size_t n = 0;
    for (size_t i = 0; p && i + 1 < token.len; i += 2) {
        int hi = nibble(token.p[i]), lo = nibble(token.p[i + 1]);
        if (hi < 0 || lo < 0 || !(hi | lo)) break;
        p[n++] = (char)(hi << 4 | lo);
    }
    return p ? str_n(p, n) : STR("");
}

int dynamodb_list_imports(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = ddb__db(r);
    if (!db) return GR_ERR;
    str_t after = val_get_str(in, "NextToken");
    val_t *page, *list = val_new(a, VAL_LIST);
    bool more;
    if (ddb__job_page(r, db, &ddb__imports, val_get_str(in, "TableArn"), after.p ? token_arn(a, after) : STR_NULL,
                      val_get_int(in, "PageSize", 25), &page, &more) != GR_OK)
        return GR_ERR;
    static const char *const summary[] = {
        "ImportArn",   "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn",
        "InputFormat", "StartTime",    "EndTime"};
    for (size_t i = 0; i < page->u.list.n; i++) {
        val_t *s = val_new(a, VAL_STRUCT);
        for (size_t m = 0; m < sizeof summary / sizeof *summary; m++)
            if (val_get(page->u.list.v[i], summary[m]))
                val_set_c(a, s, summary[m], val_get(page->u.list.v[i], summary[m]));
        val_push(a, list, s);
    }
    val_set_c(a, out, "ImportSummaryList", list);
    if (more)
        val_set_c(a, out, "NextToken",
                  val_str(a, next_token(a, val_get_str(list->u.list.v[list->u.list.n - 1], "ImportArn"))));
    return GR_OK;
}
