/* transform.c — log transformers (Put/Get/DeleteTransformer, TestTransformer,
 * and PutAccountPolicy's TRANSFORMER_POLICY): processors that turn each
 * event into a JSON object as it is ingested (event.c calls
 * logs__ingest_prepare, which runs the transformer and then masks).
 *
 * AWS (CloudWatch Logs user guide, "Transform logs during ingestion"): the
 * first processor is a parser; the others work on the parsed object's keys,
 * a dotted key reaching into nested objects. The transformed event is what
 * the group stores. An event the first parser cannot read is stored as it
 * came. gureum runs the parsers parseJSON, parseKeyValue, csv and grok (its
 * common patterns) and the string, key, type, list and date-time
 * processors (datetime.c); a
 * transformer with another processor (parseVPC, parseWAF, …) is
 * refused rather than stored and silently not run. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>

#include "core/json.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/dataident.h"

#define TR_TYPE "TRANSFORMER_POLICY"

#define GROK_MAX_FIELDS 32

/* A grok processor's match as one POSIX expression, and which of its
 * groups holds each named field. */
typedef struct {
    regex_t re;
    size_t ngroups;
    str_t names[GROK_MAX_FIELDS];
    size_t group[GROK_MAX_FIELDS];
    size_t n;
} grok_t;

struct logs_transformer {
    const val_t *procs; /* the transformerConfig list, as given */
    void **prep;        /* per processor: its grok_t (grok) or regex_t array (substituteString), else NULL */
};

static const char *const parsers[] = {"parseJSON", "parseKeyValue", "csv", "grok"};
static const char *const others[] = {"addKeys",          "deleteKeys",      "renameKeys",      "copyValue",
                                     "moveKeys",         "lowerCaseString", "upperCaseString", "trimString",
                                     "substituteString", "splitString",     "typeConverter",   "listToMap",
                                     "dateTimeConverter"};

static bool in_list(str_t k, const char *const *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(k, str_c(l[i]))) return true;
    return false;
}

/* ==== Keys of the event object (dotted paths) ==== */

static val_t *path_get(val_t *obj, str_t path)
{
    while (obj && obj->kind == VAL_STRUCT) {
        const char *dot = memchr(path.p, '.', path.len);
        if (!dot) return val_get_s(obj, path);
        obj = val_get_s(obj, str_n(path.p, (size_t)(dot - path.p)));
        path = str_n(dot + 1, path.len - (size_t)(dot + 1 - path.p));
    }
    return NULL;
}

/* Sets path (creating the objects on the way) unless it exists and !overwrite. */
static void path_set(arena_t *a, val_t *obj, str_t path, val_t *v, bool overwrite)
{
    const char *dot;
    while ((dot = memchr(path.p, '.', path.len))) {
        str_t head = str_n(path.p, (size_t)(dot - path.p));
        val_t *next = val_get_s(obj, head);
        if (!next || next->kind != VAL_STRUCT) {
            if (next && !overwrite) return;
            next = val_new(a, VAL_STRUCT);
            val_set(a, obj, head, next);
        }
        obj = next;
        path = str_n(dot + 1, path.len - (size_t)(dot + 1 - path.p));
    }
    if (!overwrite && val_get_s(obj, path)) return;
    val_set(a, obj, path, v);
}

static val_t *path_delete(val_t *obj, str_t path)
{
    const char *dot = memrchr(path.p, '.', path.len);
    if (dot) {
        obj = path_get(obj, str_n(path.p, (size_t)(dot - path.p)));
        path = str_n(dot + 1, path.len - (size_t)(dot + 1 - path.p));
    }
    if (!obj || obj->kind != VAL_STRUCT) return NULL;
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (str_eq(obj->u.obj.e[i].key, path)) {
            val_t *v = obj->u.obj.e[i].v;
            memmove(&obj->u.obj.e[i], &obj->u.obj.e[i + 1], (obj->u.obj.n - i - 1) * sizeof obj->u.obj.e[0]);
            obj->u.obj.n--;
            return v;
        }
    return NULL;
}

/* ==== Parsers ==== */

static str_t cfg_str(const val_t *cfg, const char *key, const char *def)
{
    str_t s = val_get_str(cfg, key);
    return s.p ? s : str_c(def);
}

/* Splits s at the first occurrence of sep: *head before it, s after (or
 * the whole of s into *head and STR_NULL left). */
static str_t split_once(str_t *s, str_t sep)
{
    const char *at = sep.len ? memmem(s->p, s->len, sep.p, sep.len) : NULL;
    str_t head = at ? str_n(s->p, (size_t)(at - s->p)) : *s;
    *s = at ? str_n(at + sep.len, s->len - (size_t)(at + sep.len - s->p)) : STR_NULL;
    return head;
}

static val_t *parse_key_value(arena_t *a, const val_t *cfg, str_t text)
{
    str_t fd = cfg_str(cfg, "fieldDelimiter", "&"), kd = cfg_str(cfg, "keyValueDelimiter", "=");
    str_t prefix = cfg_str(cfg, "keyPrefix", ""), nonmatch = val_get_str(cfg, "nonMatchValue");
    val_t *obj = val_new(a, VAL_STRUCT);
    while (text.p) {
        str_t field = split_once(&text, fd);
        if (!field.len) continue;
        str_t rest = field;
        str_t key = split_once(&rest, kd);
        if (!rest.p && !nonmatch.p) continue;
        str_t k = str_c(arena_printf(a, "%.*s%.*s", STR_FMT(prefix), STR_FMT(key)));
        val_set(a, obj, k, val_str(a, rest.p ? rest : nonmatch));
    }
    return obj;
}

static val_t *parse_csv(arena_t *a, const val_t *cfg, str_t text)
{
    str_t delim = cfg_str(cfg, "delimiter", ","), quote = cfg_str(cfg, "quoteCharacter", "\"");
    const val_t *cols = val_get(cfg, "columns");
    val_t *obj = val_new(a, VAL_STRUCT);
    size_t col = 0, i = 0;
    while (i <= text.len) {
        buf_t b;
        buf_init(&b, a);
        bool quoted = quote.len && i < text.len && text.p[i] == quote.p[0];
        if (quoted) i++;
        for (; i < text.len; i++) {
            if (quoted && text.p[i] == quote.p[0]) {
                if (i + 1 < text.len && text.p[i + 1] == quote.p[0]) {
                    buf_putc(&b, text.p[++i]);
                    continue;
                }
                quoted = false;
                continue;
            }
            if (!quoted && delim.len && text.p[i] == delim.p[0]) break;
            buf_putc(&b, text.p[i]);
        }
        str_t name = col < val_len(cols) ? cols->u.list.v[col]->u.s : str_c(arena_printf(a, "column_%zu", col + 1));
        str_t v = buf_str(&b);
        val_set(a, obj, name, val_str(a, v.p ? v : STR("")));
        col++;
        i++;
    }
    return obj;
}

/* Runs one parser over its source (the message, or a key of ev) into ev
 * (merged at the root, or under destination). false when it cannot read it. */
static bool run_parser(arena_t *a, str_t kind, const val_t *cfg, str_t msg, val_t *ev)
{
    str_t src = cfg_str(cfg, "source", "@message");
    str_t text = msg;
    if (!str_eq(src, STR("@message"))) {
        const val_t *v = path_get(ev, src);
        if (!v || v->kind != VAL_STR) return false;
        text = v->u.s;
    }
    val_t *parsed;
    if (str_eq(kind, STR("parseJSON"))) {
        const json_t *j = json_parse(a, text, NULL);
        if (!j || j->type != JSON_OBJECT) return false;
        parsed = val_from_json(a, j);
    } else if (str_eq(kind, STR("parseKeyValue"))) {
        parsed = parse_key_value(a, cfg, text);
    } else {
        parsed = parse_csv(a, cfg, text);
    }
    if (!parsed) return false;
    str_t dest = val_get_str(cfg, "destination");
    bool overwrite = val_get_bool(cfg, "overwriteIfExists", true);
    if (dest.len) {
        path_set(a, ev, dest, parsed, overwrite);
    } else {
        for (size_t i = 0; i < parsed->u.obj.n; i++)
            path_set(a, ev, parsed->u.obj.e[i].key, parsed->u.obj.e[i].v, overwrite);
    }
    return true;
}

/* ==== The other processors ==== */

static val_t *value_of(arena_t *a, str_t s)
{
    return val_str(a, s);
}

static void run_entries(arena_t *a, str_t kind, const val_t *cfg, val_t *ev)
{
    const val_t *es = val_get(cfg, "entries");
    for (size_t i = 0; i < val_len(es); i++) {
        const val_t *e = es->u.list.v[i];
        bool over = val_get_bool(e, "overwriteIfExists", false);
        if (str_eq(kind, STR("addKeys"))) {
            path_set(a, ev, val_get_str(e, "key"), value_of(a, val_get_str(e, "value")), over);
        } else if (str_eq(kind, STR("renameKeys"))) {
            str_t to = val_get_str(e, "renameTo");
            if (!over && path_get(ev, to)) continue;
            val_t *v = path_delete(ev, val_get_str(e, "key"));
            if (v) path_set(a, ev, to, v, true);
        } else if (str_eq(kind, STR("moveKeys"))) {
            str_t to = val_get_str(e, "target");
            if (!over && path_get(ev, to)) continue;
            val_t *v = path_delete(ev, val_get_str(e, "source"));
            if (v) path_set(a, ev, to, v, true);
        } else { /* copyValue */
            val_t *v = path_get(ev, val_get_str(e, "source"));
            if (v) path_set(a, ev, val_get_str(e, "target"), val_copy(a, v), over);
        }
    }
}

static void run_with_keys(arena_t *a, str_t kind, const val_t *cfg, val_t *ev)
{
    const val_t *keys = val_get(cfg, "withKeys");
    for (size_t i = 0; i < val_len(keys); i++) {
        str_t k = keys->u.list.v[i]->u.s;
        if (str_eq(kind, STR("deleteKeys"))) {
            path_delete(ev, k);
            continue;
        }
        val_t *v = path_get(ev, k);
        if (!v || v->kind != VAL_STR) continue;
        str_t s = v->u.s;
        if (str_eq(kind, STR("trimString"))) {
            while (s.len && isspace((unsigned char)s.p[0])) s.p++, s.len--;
            while (s.len && isspace((unsigned char)s.p[s.len - 1])) s.len--;
            v->u.s = s;
            continue;
        }
        char *c = arena_strndup(a, s.p, s.len);
        if (!c) return;
        bool lower = str_eq(kind, STR("lowerCaseString"));
        for (size_t j = 0; j < s.len; j++)
            c[j] = (char)(lower ? tolower((unsigned char)c[j]) : toupper((unsigned char)c[j]));
        v->u.s = str_n(c, s.len);
    }
}

static str_t proc_kind(const val_t *p, const val_t **cfg);

/* ==== grok ==== */

/* The grok patterns gureum knows, as POSIX extended expressions (AWS:
 * "CloudWatch Logs supports ... the default grok patterns"; this is the
 * part of them in common use). DATA is lazy in grok; POSIX has no lazy
 * repetition, so it is the same as GREEDYDATA here. */
static const struct {
    const char *name, *re;
} grok_patterns[] = {
    {"WORD", "[A-Za-z0-9_]+"},
    {"NOTSPACE", "[^[:space:]]+"},
    {"SPACE", "[[:space:]]*"},
    {"DATA", ".*"},
    {"GREEDYDATA", ".*"},
    {"INT", "[+-]?[0-9]+"},
    {"POSINT", "[0-9]+"},
    {"NONNEGINT", "[0-9]+"},
    {"NUMBER", "[+-]?[0-9]+(\\.[0-9]+)?"},
    {"BASE10NUM", "[+-]?[0-9]+(\\.[0-9]+)?"},
    {"IP", "[0-9]{1,3}(\\.[0-9]{1,3}){3}"},
    {"IPV4", "[0-9]{1,3}(\\.[0-9]{1,3}){3}"},
    {"HOSTNAME", "[A-Za-z0-9][A-Za-z0-9.-]*"},
    {"IPORHOST", "[A-Za-z0-9][A-Za-z0-9.-]*"},
    {"USERNAME", "[A-Za-z0-9._-]+"},
    {"USER", "[A-Za-z0-9._-]+"},
    {"UUID", "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"},
    {"URIPATH", "/[^[:space:]?#]*"},
    {"URIPATHPARAM", "/[^[:space:]#]*"},
    {"QUOTEDSTRING", "\"([^\"\\\\]|\\\\.)*\""},
    {"LOGLEVEL", "(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|SEVERE|EMERG|ALERT|"
                 "[Tt]race|[Dd]ebug|[Ii]nfo|[Nn]otice|[Ww]arn|[Ww]arning|[Ee]rror|[Ee]rr|[Cc]ritical|[Ff]atal)"},
    {"TIMESTAMP_ISO8601", "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:?[0-9]{2}(:?[0-9]{2}([.,][0-9]+)?)?"
                          "(Z|[+-][0-9]{2}:?[0-9]{2})?"},
    {"HTTPDATE", "[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}"},
    {"MONTH", "[A-Z][a-z]{2,8}"},
    {"YEAR", "[0-9]{2,4}"},
    {"TIME", "[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"},
};

/* The capturing groups an expression opens ('(' outside brackets, unescaped). */
static size_t groups_in(const char *re, size_t len)
{
    size_t n = 0;
    bool br = false;
    for (size_t i = 0; i < len; i++) {
        if (re[i] == '\\') {
            i++;
        } else if (br) {
            br = re[i] != ']';
        } else if (re[i] == '[') {
            br = true;
            if (i + 1 < len && re[i + 1] == ']') i++;
        } else if (re[i] == '(') {
            n++;
        }
    }
    return n;
}

/* Compiles a grok match ("%{PATTERN:field} literal …") into g; false with
 * *why when a pattern is unknown or the result does not compile. */
static bool grok_compile(arena_t *a, str_t match, grok_t *g, const char **why)
{
    buf_t b;
    buf_init(&b, a);
    size_t i = 0;
    g->n = g->ngroups = 0;
    while (i < match.len) {
        const char *open = memmem(match.p + i, match.len - i, "%{", 2);
        size_t lit_end = open ? (size_t)(open - match.p) : match.len;
        if (lit_end > i) {
            const char *lit = dataident_posix_regex(a, str_n(match.p + i, lit_end - i));
            if (!lit) return false;
            buf_puts(&b, lit);
            g->ngroups += groups_in(lit, strlen(lit));
        }
        if (!open) break;
        const char *close = memchr(open, '}', (size_t)(match.p + match.len - open));
        if (!close) {
            *why = "A grok pattern is missing its closing }.";
            return false;
        }
        str_t spec = str_n(open + 2, (size_t)(close - open - 2));
        const char *colon = memchr(spec.p, ':', spec.len);
        str_t name = colon ? str_n(spec.p, (size_t)(colon - spec.p)) : spec, field = STR_NULL;
        if (colon) {
            field = str_n(colon + 1, spec.len - (size_t)(colon + 1 - spec.p));
            const char *c2 = memchr(field.p, ':', field.len);
            if (c2) field.len = (size_t)(c2 - field.p);
        }
        const char *re = NULL;
        for (size_t k = 0; k < sizeof grok_patterns / sizeof grok_patterns[0]; k++)
            if (str_eq(name, str_c(grok_patterns[k].name))) re = grok_patterns[k].re;
        if (!re) {
            *why = arena_printf(a, "Grok pattern %%{%.*s} is not one gureum knows.", STR_FMT(name));
            return false;
        }
        if (field.len && g->n < GROK_MAX_FIELDS) {
            g->names[g->n] = field;
            g->group[g->n++] = g->ngroups + 1;
        }
        buf_printf(&b, "(%s)", re);
        g->ngroups += 1 + groups_in(re, strlen(re));
        i = (size_t)(close + 1 - match.p);
    }
    str_t text = buf_str(&b);
    char *pat = arena_strndup(a, text.p ? text.p : "", text.len);
    if (!pat || regcomp(&g->re, pat, REG_EXTENDED) != 0) {
        *why = "The grok match does not compile.";
        return false;
    }
    return true;
}

static void regex_free(void *re)
{
    regfree(re);
}

/* The fields a grok match captures from text into ev; false when it does not match. */
static bool run_grok(arena_t *a, const grok_t *g, str_t text, val_t *ev)
{
    regmatch_t m[GROK_MAX_FIELDS * 4 + 1];
    size_t nm = g->ngroups + 1 < sizeof m / sizeof m[0] ? g->ngroups + 1 : sizeof m / sizeof m[0];
    const char *c = arena_strndup(a, text.p, text.len);
    if (!c || regexec(&g->re, c, nm, m, 0) != 0) return false;
    for (size_t k = 0; k < g->n; k++)
        if (g->group[k] < nm && m[g->group[k]].rm_so >= 0)
            path_set(a, ev, g->names[k],
                     val_str(a, str_n(c + m[g->group[k]].rm_so, (size_t)(m[g->group[k]].rm_eo - m[g->group[k]].rm_so))),
                     true);
    return true;
}

/* ==== String and list processors ==== */

/* substituteString: every match of an entry's `from` (a regex) in the
 * string at `source` becomes `to`. res[i] is entry i's compiled `from`. */
static void run_substitute(arena_t *a, const val_t *cfg, regex_t *res, val_t *ev)
{
    const val_t *es = val_get(cfg, "entries");
    for (size_t i = 0; i < val_len(es); i++) {
        val_t *v = path_get(ev, val_get_str(es->u.list.v[i], "source"));
        if (!v || v->kind != VAL_STR) continue;
        str_t to = val_get_str(es->u.list.v[i], "to");
        const char *c = arena_strndup(a, v->u.s.p, v->u.s.len);
        if (!c) return;
        buf_t b;
        buf_init(&b, a);
        size_t off = 0, len = v->u.s.len;
        regmatch_t m;
        while (off <= len && regexec(&res[i], c + off, 1, &m, off ? REG_NOTBOL : 0) == 0) {
            buf_append(&b, c + off, (size_t)m.rm_so);
            buf_append(&b, to.p ? to.p : "", to.len);
            if (m.rm_eo == m.rm_so) { /* an empty match: keep one character and go on */
                if (off + (size_t)m.rm_so < len) buf_putc(&b, c[off + (size_t)m.rm_so]);
                off += (size_t)m.rm_so + 1;
            } else {
                off += (size_t)m.rm_eo;
            }
        }
        if (off < len) buf_append(&b, c + off, len - off);
        str_t r = buf_str(&b);
        v->u.s = r.p ? r : STR("");
    }
}

/* splitString: the string at `source` becomes the list of its parts. */
static void run_split(arena_t *a, const val_t *cfg, val_t *ev)
{
    const val_t *es = val_get(cfg, "entries");
    for (size_t i = 0; i < val_len(es); i++) {
        val_t *v = path_get(ev, val_get_str(es->u.list.v[i], "source"));
        str_t d = val_get_str(es->u.list.v[i], "delimiter");
        if (!v || v->kind != VAL_STR || !d.len) continue;
        val_t *list = val_new(a, VAL_LIST);
        str_t rest = v->u.s;
        while (rest.p) val_push(a, list, val_str(a, split_once(&rest, d)));
        *v = *list;
    }
}

/* typeConverter: the value at `key` as boolean, integer, double or string;
 * a value that does not convert stays as it was. */
static void run_convert(arena_t *a, const val_t *cfg, val_t *ev)
{
    const val_t *es = val_get(cfg, "entries");
    for (size_t i = 0; i < val_len(es); i++) {
        val_t *v = path_get(ev, val_get_str(es->u.list.v[i], "key"));
        str_t type = val_get_str(es->u.list.v[i], "type");
        if (!v) continue;
        str_t text = v->kind == VAL_STR ? v->u.s : val_json_text(a, v);
        long long n;
        char *end = NULL;
        if (str_eq(type, STR("string"))) {
            *v = *val_str(a, text);
        } else if (str_eq(type, STR("integer")) && str_to_i64(text, &n)) {
            *v = *val_int(a, n);
        } else if (str_eq(type, STR("double"))) {
            const char *c = arena_strndup(a, text.p, text.len);
            double d = c && text.len ? strtod(c, &end) : 0;
            if (end && !*end) *v = *val_float(a, d);
        } else if (str_eq(type, STR("boolean")) && (str_eq(text, STR("true")) || str_eq(text, STR("false")))) {
            *v = *val_bool(a, str_eq(text, STR("true")));
        }
    }
}

/* listToMap: the objects of the list at `source` keyed by their `key`
 * member: the value is the object's valueKey member (else the object), in a
 * list of every value for the key, or (flatten) the first or last of them;
 * under `target`, else at the top of the event. */
static void run_list_to_map(arena_t *a, const val_t *cfg, val_t *ev)
{
    const val_t *src = path_get(ev, val_get_str(cfg, "source"));
    if (!src || src->kind != VAL_LIST) return;
    str_t key = val_get_str(cfg, "key"), vkey = val_get_str(cfg, "valueKey"), target = val_get_str(cfg, "target");
    bool flatten = val_get_bool(cfg, "flatten", false);
    bool last = str_eq(val_get_str(cfg, "flattenedElement"), STR("last"));
    val_t *map = val_new(a, VAL_STRUCT);
    for (size_t i = 0; i < src->u.list.n; i++) {
        const val_t *o = src->u.list.v[i], *k = o->kind == VAL_STRUCT ? val_get_s(o, key) : NULL;
        if (!k || k->kind != VAL_STR) continue;
        val_t *v = vkey.len ? val_get_s(o, vkey) : (val_t *)o;
        if (!v) continue;
        val_t *have = val_get_s(map, k->u.s);
        if (flatten) {
            if (!have || last) val_set(a, map, k->u.s, v);
        } else {
            if (!have) val_set(a, map, k->u.s, have = val_new(a, VAL_LIST));
            val_push(a, have, v);
        }
    }
    if (target.len) {
        path_set(a, ev, target, map, true);
    } else {
        for (size_t i = 0; i < map->u.obj.n; i++) path_set(a, ev, map->u.obj.e[i].key, map->u.obj.e[i].v, true);
    }
}

/* Compiles what processor i needs ahead of the events (grok's and
 * substituteString's expressions) into t->prep[i]; false + *why when it
 * cannot. */
static bool prepare(arena_t *a, logs_transformer_t *t, size_t i, const char **why)
{
    const val_t *cfg = NULL;
    str_t kind = proc_kind(t->procs->u.list.v[i], &cfg);
    if (str_eq(kind, STR("grok"))) {
        grok_t *g = ARENA_NEW(a, grok_t);
        if (!g || !grok_compile(a, val_get_str(cfg, "match"), g, why)) return false;
        arena_defer(a, regex_free, &g->re);
        t->prep[i] = g;
    } else if (str_eq(kind, STR("dateTimeConverter"))) {
        const val_t *pats = val_get(cfg, "matchPatterns");
        str_t target = val_get_str(cfg, "targetFormat");
        bool ok = !target.p || logs__datetime_pattern_ok(target);
        for (size_t k = 0; ok && k < val_len(pats); k++) ok = logs__datetime_pattern_ok(pats->u.list.v[k]->u.s);
        int off;
        if (!ok) {
            *why =
                "A dateTimeConverter pattern uses a letter gureum does not read (it reads y u M d H h a m s S E X x Z "
                "and 'text').";
            return false;
        }
        if (!logs__timezone_offset(val_get_str(cfg, "sourceTimezone"), &off) ||
            !logs__timezone_offset(val_get_str(cfg, "targetTimezone"), &off)) {
            *why = "gureum converts between UTC and fixed-offset time zones (+hh:mm) only.";
            return false;
        }
    } else if (str_eq(kind, STR("substituteString"))) {
        const val_t *es = val_get(cfg, "entries");
        regex_t *res = ARENA_NEWN(a, regex_t, val_len(es) ? val_len(es) : 1);
        for (size_t k = 0; res && k < val_len(es); k++) {
            const char *re = dataident_posix_regex(a, val_get_str(es->u.list.v[k], "from"));
            if (!re || regcomp(&res[k], re, REG_EXTENDED) != 0) {
                *why = "A substituteString entry's from is not a valid regular expression.";
                return false;
            }
            arena_defer(a, regex_free, &res[k]);
        }
        t->prep[i] = res;
    }
    return true;
}

/* The single processor kind a Processor structure sets, and its config. */
static str_t proc_kind(const val_t *p, const val_t **cfg)
{
    if (!p || p->kind != VAL_STRUCT || p->u.obj.n != 1) return STR_NULL;
    *cfg = p->u.obj.e[0].v;
    return p->u.obj.e[0].key;
}

str_t logs__transform(const logs_transformer_t *t, arena_t *a, str_t msg)
{
    val_t *ev = val_new(a, VAL_STRUCT);
    for (size_t i = 0; t && ev && i < val_len(t->procs); i++) {
        const val_t *cfg = NULL;
        str_t kind = proc_kind(t->procs->u.list.v[i], &cfg);
        if (str_eq(kind, STR("grok"))) {
            str_t src = cfg_str(cfg, "source", "@message");
            const val_t *v = str_eq(src, STR("@message")) ? NULL : path_get(ev, src);
            str_t text = v ? (v->kind == VAL_STR ? v->u.s : STR_NULL) : msg;
            if ((!text.p || !t->prep[i] || !run_grok(a, t->prep[i], text, ev)) && i == 0) return msg;
        } else if (in_list(kind, parsers, sizeof parsers / sizeof parsers[0])) {
            if (!run_parser(a, kind, cfg, msg, ev) && i == 0) return msg;
        } else if (str_eq(kind, STR("substituteString"))) {
            if (t->prep[i]) run_substitute(a, cfg, t->prep[i], ev);
        } else if (str_eq(kind, STR("splitString"))) {
            run_split(a, cfg, ev);
        } else if (str_eq(kind, STR("typeConverter"))) {
            run_convert(a, cfg, ev);
        } else if (str_eq(kind, STR("listToMap"))) {
            run_list_to_map(a, cfg, ev);
        } else if (str_eq(kind, STR("dateTimeConverter"))) {
            const val_t *v = path_get(ev, val_get_str(cfg, "source"));
            str_t out = v && v->kind == VAL_STR ? logs__datetime_convert(a, cfg, v->u.s) : STR_NULL;
            if (out.p) path_set(a, ev, val_get_str(cfg, "target"), val_str(a, out), true);
        } else if (str_eq(kind, STR("deleteKeys")) || str_ends_with(kind, STR("CaseString")) ||
                   str_eq(kind, STR("trimString"))) {
            run_with_keys(a, kind, cfg, ev);
        } else {
            run_entries(a, kind, cfg, ev);
        }
    }
    return ev ? val_json_text(a, ev) : msg;
}

/* ==== Checks and the operations ==== */

/* A transformer over procs with its expressions compiled; NULL + *why
 * when one does not compile (or out of memory). */
static logs_transformer_t *transformer_new(arena_t *a, const val_t *procs, const char **why)
{
    logs_transformer_t *t = ARENA_NEW(a, logs_transformer_t);
    if (!t) return NULL;
    t->procs = procs;
    t->prep = ARENA_NEWN(a, void *, val_len(procs) ? val_len(procs) : 1);
    for (size_t i = 0; t->prep && i < val_len(procs); i++)
        if (!prepare(a, t, i, why)) return NULL;
    return t->prep ? t : NULL;
}

/* AWS: 1..20 processors, each setting one kind, the first a parser. */
static int processors_ok(req_t *r, const val_t *procs)
{
    size_t n = val_len(procs);
    if (n == 0 || n > 20)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "A transformer has between 1 and 20 processors.");
    for (size_t i = 0; i < n; i++) {
        const val_t *cfg = NULL;
        str_t kind = proc_kind(procs->u.list.v[i], &cfg);
        if (!kind.p)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "Each processor must set exactly one processor type.");
        bool parser = in_list(kind, parsers, sizeof parsers / sizeof parsers[0]);
        bool other = in_list(kind, others, sizeof others / sizeof others[0]);
        if (i == 0 && other)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "The first processor of a transformer must be a parser.");
        if (!parser && !other)
            return req_fail(
                r, &LOGS_ERR_InvalidParameterException,
                "Processor %.*s is not one gureum runs (it runs parseJSON, parseKeyValue, csv, grok, "
                "addKeys, deleteKeys, renameKeys, copyValue, moveKeys, lowerCaseString, upperCaseString, "
                "trimString, substituteString, splitString, typeConverter, listToMap and dateTimeConverter).",
                STR_FMT(kind));
    }
    const char *why = NULL;
    if (!transformer_new(r->arena, procs, &why))
        return why ? req_fail(r, &LOGS_ERR_InvalidParameterException, "%s", why) : GR_ERR;
    return GR_OK;
}

/* An account TRANSFORMER_POLICY document: {"transformerConfig": [...]}. */
int logs__transformer_document_ok(req_t *r, const json_t *doc)
{
    const json_t *cfg = json_get(doc, "transformerConfig");
    if (!cfg || cfg->type != JSON_ARRAY)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "A transformer policy document must have a transformerConfig array.");
    return processors_ok(r, val_from_json(r->arena, cfg));
}

logs_transformer_t *logs__transformer_for(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g)
{
    logs_policy_t p;
    if (logs__policy_effective(db, a, account, region, g, TR_TYPE, &p) != 1) return NULL;
    const json_t *doc = json_parse(a, p.document, NULL);
    const json_t *cfg = doc ? json_get(doc, "transformerConfig") : NULL;
    const char *why;
    return cfg ? transformer_new(a, val_from_json(a, cfg), &why) : NULL;
}

static str_t config_doc(req_t *r, const val_t *procs)
{
    val_t *doc = val_new(r->arena, VAL_STRUCT);
    val_set_c(r->arena, doc, "transformerConfig", (val_t *)procs);
    return val_json_text(r->arena, doc);
}

int logs_put_transformer(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    logs_group_t g;
    int64_t now;
    return logs__group_policy_put_or_fail(r, in, TR_TYPE, config_doc(r, val_get(in, "transformerConfig")), &g, &now);
}

int logs_get_transformer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    logs_group_t g;
    if (logs__group_or_fail(r, db, in, &g) != GR_OK) return GR_ERR;
    logs_policy_t p;
    int found = logs__group_policy_get(db, a, g.id, TR_TYPE, &p);
    if (found < 0) return GR_ERR;
    if (!found) return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Transformer not found for the log group.");
    const json_t *doc = json_parse(a, p.document, NULL);
    val_set_c(a, out, "logGroupIdentifier", val_str(a, logs__group_arn(r, g.name, false)));
    val_set_c(a, out, "creationTime", val_int(a, p.created_ms));
    val_set_c(a, out, "lastModifiedTime", val_int(a, p.updated_ms));
    return val_set_c(a, out, "transformerConfig", val_from_json(a, doc ? json_get(doc, "transformerConfig") : NULL));
}

int logs_delete_transformer(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    return logs__group_policy_delete_or_fail(r, in, TR_TYPE, "Transformer not found for the log group.");
}

/* AWS: each message with its number (from 1) and the transformed text. */
int logs_test_transformer(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    const val_t *procs = val_get(in, "transformerConfig"), *msgs = val_get(in, "logEventMessages");
    if (processors_ok(r, procs) != GR_OK) return GR_ERR;
    const char *why;
    logs_transformer_t *t = transformer_new(a, procs, &why);
    if (!t) return GR_ERR;
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < val_len(msgs); i++) {
        str_t m = msgs->u.list.v[i]->u.s;
        val_t *rec = val_new(a, VAL_STRUCT);
        val_set_c(a, rec, "eventNumber", val_int(a, (int64_t)i + 1));
        val_set_c(a, rec, "eventMessage", val_str(a, m));
        val_set_c(a, rec, "transformedEventMessage", val_str(a, logs__transform(t, a, m)));
        val_push(a, list, rec);
    }
    return val_set_c(a, out, "transformedLogs", list);
}

/* ==== Ingestion ==== */

void logs__ingest_prepare(sqlite3 *db, arena_t *a, str_t account, str_t region, const logs_group_t *g, logs_event_t *ev,
                          size_t n, logs_ingest_t *out)
{
    *out = (logs_ingest_t){0};
    logs_transformer_t *t = logs__transformer_for(db, a, account, region, g);
    if (t && n && (out->original = ARENA_NEWN(a, logs_event_t, n))) memcpy(out->original, ev, n * sizeof *ev);
    for (size_t i = 0; t && i < n; i++) ev[i].message = logs__transform(t, a, ev[i].message);
    logs_mask_t *m = logs__mask_for(db, a, account, region, g);
    if (!m || !n) return;
    for (size_t i = 0; out->original && i < n; i++) { /* what a subscription reads unmasked is masked too */
        str_t mo = logs__mask(m, a, out->original[i].message, STR_NULL, NULL);
        if (mo.p) out->original[i].message = mo;
    }
    out->masked = ARENA_NEWN(a, str_t, n);
    out->findings = ARENA_NEWN(a, logs_event_t, n);
    if (!out->masked || !out->findings) {
        out->masked = NULL;
        return;
    }
    str_t arn = str_c(arena_printf(a, "arn:aws:logs:%.*s:%.*s:log-group:%.*s:*", STR_FMT(region), STR_FMT(account),
                                   STR_FMT(g->name)));
    bool audit = logs__mask_audit_group(m, 0).p || logs__mask_audit_group(m, 1).p;
    for (size_t i = 0; i < n; i++) {
        str_t f;
        out->masked[i] = logs__mask(m, a, ev[i].message, arn, audit ? &f : NULL);
        if (audit && f.p) out->findings[out->nfindings++] = (logs_event_t){ev[i].ts_ms, f};
    }
    out->audit[0] = logs__mask_audit_group(m, 0);
    out->audit[1] = logs__mask_audit_group(m, 1);
}

/* AWS documents the report, not the stream it is written to; gureum writes
 * them to one stream of this name in the destination group. */
#define AUDIT_STREAM "data-protection-audit-findings"

void logs__ingest_audit(struct app *app, str_t account, str_t region, const logs_ingest_t *in)
{
    /* Findings written into a group whose own policy audits them again (a
     * custom identifier that matches a report) would never end. */
    static _Thread_local bool writing;
    if (writing) return;
    writing = true;
    for (size_t i = 0; in->nfindings && i < 2; i++)
        if (in->audit[i].p && !(i == 1 && in->audit[0].p && str_eq(in->audit[0], in->audit[1])))
            logs_append(app, account, region, in->audit[i], STR(AUDIT_STREAM), in->findings, in->nfindings);
    writing = false;
}
