/* anomaly.c — log anomaly detection: Create/Get/List/Update/Delete
 * LogAnomalyDetector, ListAnomalies and UpdateAnomaly, and the detection
 * itself, which PutLogEvents and logs_append run on every batch they store
 * in a watched group (logs__anomaly_observe, inside their transaction).
 *
 * Detection is simple and exact rather than learned. Each event a detector
 * examines (its masked text where data protection masked it, since AWS does
 * not scan masked parts; only events its filterPattern matches) is reduced
 * to a pattern: words that look variable become <*>, as AWS shows dynamic
 * tokens, and the separators and other words stay. Words split at
 * whitespace and , ; = ( ) [ ] { } " '; a word varies when it has a digit
 * and only hex digits and . : / + - x T Z (numbers, hex ids, IPv4 and IPv6
 * addresses, UUIDs, times) or is a masked run of asterisks. A pattern first
 * seen after the detector's training is an anomaly.
 * Training (AWS documents no length) is the group's stored events at
 * creation plus 15 minutes of ingestion (GUREUM_LOGS_ANOMALY_TRAIN_MS in
 * test builds). An anomaly's histogram counts its events per evaluation
 * period (evaluationFrequency) of ingestion, and it stops being updated
 * once suppressed or baselined (UpdateAnomaly, or anomalyVisibilityTime
 * days after it was first seen). It is active while seen in the current or
 * the previous period. Priority is HIGH for a pattern naming an error
 * (ERROR, FATAL, CRITICAL, EXCEPTION, PANIC), MEDIUM for a warning, else
 * LOW (AWS also weighs how far it strays from the baseline). */
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/json.h"
#include "core/md5.h"
#include "logs_int.h"
#include "logs_model.h"
#include "services/app.h"
#include "services/page.h"

#define TRAIN_MS (15 * 60000LL)
#define DEFAULT_VISIBILITY_DAYS 21   /* gureum's: AWS documents the range (7 to 90), not a default */
#define DEFAULT_FREQUENCY "FIVE_MIN" /* AWS (get-log-anomaly-detector example of a detector created without one) */
#define MAX_SAMPLES 10
#define MAX_ENUM_VALUES 50 /* distinct values counted per dynamic token */
#define SEED_EVENTS 10000  /* the newest stored events a new detector trains on */
#define MAX_WATCHERS 64    /* detectors of one group examined per batch */
#define DEFAULT_LIMIT 50
#define DAY_MS 86400000LL

static int64_t train_ms(void)
{
    static _Atomic int64_t unit;
    return time_test_unit_ms(&unit, "GUREUM_LOGS_ANOMALY_TRAIN_MS", TRAIN_MS);
}

static int64_t frequency_ms(str_t f)
{
    static const struct {
        const char *name;
        int64_t ms;
    } freqs[] = {{"ONE_MIN", 60000},      {"FIVE_MIN", 300000},    {"TEN_MIN", 600000},
                 {"FIFTEEN_MIN", 900000}, {"THIRTY_MIN", 1800000}, {"ONE_HOUR", 3600000}};
    for (size_t i = 0; i < sizeof freqs / sizeof freqs[0]; i++)
        if (str_eq_c(f, freqs[i].name)) return freqs[i].ms;
    return 300000;
}

/* ==== Patterns ==== */

typedef struct {
    str_t text;       /* the word or separator run as it was */
    const char *kind; /* a dynamic token's inferredTokenName word; NULL: static */
} ptoken_t;

typedef struct {
    ptoken_t *t;
    size_t n, ndyn;
    str_t pattern; /* the static text with "<*>" for each dynamic token */
} pattern_t;

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == '=' || c == '(' ||
           c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == '\'' || c == '\0';
}

/* What a word that varies is ("UUID", "IPAddress", "Number", "Time",
 * "HexId", "Masked"), or NULL for a word that stays in the pattern. */
static const char *dynamic_kind(str_t w)
{
    /* what data protection masked (asterisks, as long as the text they hide)
     * varies as the hidden text does */
    size_t stars = 0;
    while (stars < w.len && w.p[stars] == '*') stars++;
    if (stars == w.len && stars >= 3) return "Masked";
    size_t digits = 0, dots = 0, colons = 0, dashes = 0, letters = 0;
    for (size_t i = 0; i < w.len; i++) {
        unsigned char c = (unsigned char)w.p[i];
        if (isdigit(c))
            digits++;
        else if (isxdigit(c))
            letters++;
        else if (c == '.')
            dots++;
        else if (c == ':')
            colons++;
        else if (c == '-')
            dashes++;
        else if (!strchr("/+xXTZ", c))
            return NULL;
    }
    if (!digits) return NULL;
    if (w.len == 36 && dashes == 4 && w.p[8] == '-' && w.p[13] == '-' && w.p[18] == '-' && w.p[23] == '-')
        return "UUID";
    if (dots == 3 && digits + dots == w.len) return "IPAddress";
    if (colons >= 2 && letters && digits + letters + colons == w.len) return "IPAddress";
    size_t sign = w.p[0] == '-' || w.p[0] == '+';
    if (dots <= 1 && digits + dots + sign == w.len) return "Number";
    if (colons || dashes >= 2 || memchr(w.p, 'T', w.len)) return "Time";
    return "HexId";
}

/* The tokens and pattern of msg, in a; false when out of memory. */
static bool shape_of(arena_t *a, str_t msg, pattern_t *s)
{
    size_t n = 0;
    for (size_t i = 0; i < msg.len; n++) {
        bool sep = is_sep(msg.p[i]);
        while (i < msg.len && is_sep(msg.p[i]) == sep) i++;
    }
    s->t = ARENA_NEWN(a, ptoken_t, n ? n : 1);
    char *p = arena_alloc(a, msg.len * 3 + 1);
    if (!s->t || !p) return false;
    s->n = s->ndyn = 0;
    size_t len = 0;
    for (size_t i = 0; i < msg.len;) {
        bool sep = is_sep(msg.p[i]);
        size_t b = i;
        while (i < msg.len && is_sep(msg.p[i]) == sep) i++;
        ptoken_t *t = &s->t[s->n++];
        t->text = str_n(msg.p + b, i - b);
        t->kind = sep ? NULL : dynamic_kind(t->text);
        if (t->kind) s->ndyn++;
        str_t out = t->kind ? STR("<*>") : t->text;
        memcpy(p + len, out.p, out.len);
        len += out.len;
    }
    p[len] = '\0';
    s->pattern = str_n(p, len);
    return true;
}

static str_t pattern_id(arena_t *a, str_t pattern)
{
    unsigned char d[16];
    md5_of(pattern.p, pattern.len, d);
    char *hex = arena_alloc(a, 33);
    if (!hex) return STR_NULL;
    str_hex(d, 16, hex);
    hex[32] = '\0';
    return str_n(hex, 32);
}

static bool names_word(str_t s, const char *const *words)
{
    for (; *words; words++) {
        size_t n = strlen(*words);
        for (size_t i = 0; i + n <= s.len; i++)
            if (strncasecmp(s.p + i, *words, n) == 0) return true;
    }
    return false;
}

static const char *priority_of(str_t pattern)
{
    static const char *const high[] = {"ERROR", "FATAL", "CRITICAL", "EXCEPTION", "PANIC", NULL};
    static const char *const medium[] = {"WARN", NULL};
    return names_word(pattern, high) ? "HIGH" : names_word(pattern, medium) ? "MEDIUM" : "LOW";
}

/* ==== Detection ==== */

typedef struct {
    int64_t id, freq_ms, trained_ms, visibility_ms;
    logs_filter_t *filter; /* NULL: every event */
} watch_t;

/* A value tree read back from a JSON column (objects as maps: a histogram,
 * a token's enumerations). */
static val_t *json_col(arena_t *a, sqlite3_stmt *st, int col, bool maps)
{
    val_t *v = val_from_json(a, json_parse(a, store_col_str(a, st, col), NULL));
    if (v && maps && v->kind == VAL_STRUCT) v->kind = VAL_MAP;
    for (size_t i = 0; v && maps && v->kind == VAL_LIST && i < v->u.list.n; i++)
        if (v->u.list.v[i]->kind == VAL_STRUCT) v->u.list.v[i]->kind = VAL_MAP;
    return v;
}

static void count_in(arena_t *a, val_t *map, str_t key, bool room)
{
    val_t *c = val_get_s(map, key);
    if (c && c->kind == VAL_INT)
        c->u.i++;
    else if (room)
        val_set(a, map, arena_str(a, key), val_int(a, 1));
}

/* Adds one event (at ts, text, of shape s) to an anomaly's histogram,
 * samples and token enumerations (columns 0..2 of st), as JSON into out[3]. */
static void add_sighting(arena_t *a, sqlite3_stmt *st, int64_t period, int64_t ts, str_t text, const pattern_t *s,
                         str_t out[3])
{
    val_t *hist = st ? json_col(a, st, 0, true) : NULL, *samples = st ? json_col(a, st, 1, false) : NULL;
    val_t *enums = st ? json_col(a, st, 2, true) : NULL;
    if (!hist || hist->kind != VAL_MAP) hist = val_new(a, VAL_MAP);
    if (!samples || samples->kind != VAL_LIST) samples = val_new(a, VAL_LIST);
    if (!enums || enums->kind != VAL_LIST) enums = val_new(a, VAL_LIST);
    count_in(a, hist, str_c(arena_printf(a, "%lld", (long long)period)), true);
    if (val_len(samples) < MAX_SAMPLES) {
        val_t *e = val_new(a, VAL_STRUCT);
        val_set_c(a, e, "timestamp", val_int(a, ts));
        val_set_c(a, e, "message", val_str(a, text));
        val_push(a, samples, e);
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->t[i].kind) continue;
        while (val_len(enums) <= k) val_push(a, enums, val_new(a, VAL_MAP));
        val_t *m = enums->u.list.v[k++];
        count_in(a, m, s->t[i].text, val_len(m) < MAX_ENUM_VALUES);
    }
    out[0] = val_json_text(a, hist);
    out[1] = val_json_text(a, samples);
    out[2] = val_json_text(a, enums);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? GR_OK : GR_ERR;
    store_release(st);
    return rc;
}

/* Detector d sees one event (at ts, its text) ingested at now; while
 * training (or before d->trained_ms) a new pattern joins the baseline. */
static int observe(sqlite3 *db, arena_t *a, const watch_t *d, int64_t now, int64_t ts, str_t text, bool training)
{
    pattern_t s;
    if (!shape_of(a, text, &s)) return GR_ERR;
    int64_t period = now - now % d->freq_ms;
    sqlite3_stmt *st =
        store_stmt(db, "SELECT histogram, samples, enums, id, anomaly_id IS NULL OR baseline = 1 OR first_ms <= ?3 "
                       "OR (sup_ms IS NOT NULL AND (sup_until = 0 OR sup_until > ?4)) "
                       "OR (psup_ms IS NOT NULL AND (psup_until = 0 OR psup_until > ?4)) "
                       "FROM anomaly_pattern WHERE did = ?1 AND pattern = ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, d->id);
    store_bind_str(st, 2, s.pattern);
    sqlite3_bind_int64(st, 3, now - d->visibility_ms);
    sqlite3_bind_int64(st, 4, now);
    int step = sqlite3_step(st);
    str_t json[3];
    if (step == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 3);
        bool quiet = sqlite3_column_int(st, 4); /* baseline, suppressed: counted, not reported */
        if (!quiet) add_sighting(a, st, period, ts, text, &s, json);
        store_release(st);
        st = store_stmt(db, quiet ? "UPDATE anomaly_pattern SET count = count + 1 WHERE id = ?1"
                                  : "UPDATE anomaly_pattern SET count = count + 1, last_ms = ?2, histogram = ?3, "
                                    "samples = ?4, enums = ?5 WHERE id = ?1");
        if (!st) return GR_ERR;
        sqlite3_bind_int64(st, 1, id);
        if (!quiet) {
            sqlite3_bind_int64(st, 2, period);
            for (int i = 0; i < 3; i++) store_bind_str(st, 3 + i, json[i]);
        }
        return step_done(st);
    }
    store_release(st);
    if (step != SQLITE_DONE) return GR_ERR;
    bool anomaly = !training && now >= d->trained_ms;
    char uuid[37];
    id_uuid(uuid);
    if (anomaly)
        add_sighting(a, NULL, period, ts, text, &s, json);
    else
        json[0] = STR("{}"), json[1] = json[2] = STR("[]");
    st = store_stmt(db, "INSERT INTO anomaly_pattern (did, pattern, pattern_id, count, anomaly_id, first_ms, last_ms, "
                        "histogram, samples, enums) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5, ?6, ?7, ?8)");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, d->id);
    store_bind_str(st, 2, s.pattern);
    store_bind_str(st, 3, pattern_id(a, s.pattern));
    store_bind_str(st, 4, anomaly ? str_c(uuid) : STR_NULL);
    sqlite3_bind_int64(st, 5, period);
    for (int i = 0; i < 3; i++) store_bind_str(st, 6 + i, json[i]);
    return step_done(st);
}

/* The enabled detectors watching group (at most MAX_WATCHERS), into w; their
 * number, or -1 on error. */
static int watchers(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t group, int64_t only, watch_t *w)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT id, frequency, filter, trained_ms, visibility_days FROM anomaly_detector "
                                      "WHERE account = ?1 AND region = ?2 AND grp = ?3 AND enabled = 1 "
                                      "AND (?4 = 0 OR id = ?4) ORDER BY id");
    if (!st) return -1;
    store_bind_str(st, 1, account);
    store_bind_str(st, 2, region);
    store_bind_str(st, 3, group);
    sqlite3_bind_int64(st, 4, only);
    int n = 0;
    while (n < MAX_WATCHERS && sqlite3_step(st) == SQLITE_ROW) {
        watch_t *d = &w[n++];
        d->id = sqlite3_column_int64(st, 0);
        d->freq_ms = frequency_ms(store_col_str(a, st, 1));
        str_t f = store_col_str(a, st, 2);
        const char *err = NULL;
        d->filter = f.len ? logs__filter_compile(a, f, &err) : NULL;
        d->trained_ms = sqlite3_column_int64(st, 3);
        d->visibility_ms = sqlite3_column_int64(st, 4) * DAY_MS;
    }
    store_release(st);
    return n;
}

static str_t scanned_text(const logs_event_t *ev, const str_t *masked, size_t i)
{
    return masked && masked[i].p ? masked[i] : ev[i].message.p ? ev[i].message : STR("");
}

int logs__anomaly_observe(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t group, const logs_event_t *ev,
                          const str_t *masked, size_t n)
{
    watch_t w[MAX_WATCHERS];
    int nw = watchers(db, a, account, region, group, 0, w);
    if (nw < 0) return GR_ERR;
    int64_t now = logs__now_ms();
    for (int k = 0; k < nw; k++)
        for (size_t i = 0; i < n; i++) {
            str_t text = scanned_text(ev, masked, i);
            if (w[k].filter && !logs__filter_match(w[k].filter, a, text)) continue;
            if (observe(db, a, &w[k], now, ev[i].ts_ms, text, false) != GR_OK) return GR_ERR;
        }
    return GR_OK;
}

/* A new detector (row did) learns the patterns of the group's newest stored
 * events (masked text where masked) as its baseline. */
static int seed(sqlite3 *db, arena_t *a, str_t account, str_t region, str_t group, int64_t gid, int64_t did)
{
    watch_t w[MAX_WATCHERS];
    if (watchers(db, a, account, region, group, did, w) != 1) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "SELECT ts, coalesce(masked, message) FROM log_event WHERE gid = ?1 "
                                      "ORDER BY id DESC LIMIT ?2");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, SEED_EVENTS);
    size_t n = 0, cap = 256;
    logs_event_t *ev = ARENA_NEWN(a, logs_event_t, cap);
    while (ev && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            logs_event_t *more = ARENA_NEWN(a, logs_event_t, cap * 2);
            if (more) memcpy(more, ev, n * sizeof *ev);
            ev = more;
            cap *= 2;
            if (!ev) break;
        }
        ev[n].ts_ms = sqlite3_column_int64(st, 0);
        ev[n++].message = store_col_str(a, st, 1);
    }
    store_release(st);
    if (!ev) return GR_ERR;
    int64_t now = logs__now_ms();
    for (size_t i = 0; i < n; i++)
        if ((!w[0].filter || logs__filter_match(w[0].filter, a, ev[i].message)) &&
            observe(db, a, &w[0], now, ev[i].ts_ms, ev[i].message, true) != GR_OK)
            return GR_ERR;
    return GR_OK;
}

/* ==== Detectors ==== */

typedef struct {
    int64_t id, visibility_days, created_ms, updated_ms, trained_ms;
    str_t name, detector_name, group_arn, frequency, filter, kms_key;
    bool enabled;
} detector_t;

#define DET_COLUMNS                                                                                                    \
    "id, name, detector_name, group_arn, frequency, filter, kms_key, visibility_days, enabled, created_ms, "           \
    "updated_ms, trained_ms"

static void det_read(arena_t *a, sqlite3_stmt *st, detector_t *d)
{
    d->id = sqlite3_column_int64(st, 0);
    d->name = store_col_str(a, st, 1);
    d->detector_name = store_col_str(a, st, 2);
    d->group_arn = store_col_str(a, st, 3);
    d->frequency = store_col_str(a, st, 4);
    d->filter = store_col_str(a, st, 5);
    d->kms_key = store_col_str(a, st, 6);
    d->visibility_days = sqlite3_column_int64(st, 7);
    d->enabled = sqlite3_column_int(st, 8);
    d->created_ms = sqlite3_column_int64(st, 9);
    d->updated_ms = sqlite3_column_int64(st, 10);
    d->trained_ms = sqlite3_column_int64(st, 11);
}

static str_t det_arn(req_t *r, str_t name)
{
    return str_c(arena_printf(r->arena, "arn:aws:logs:%.*s:%.*s:anomaly-detector:%.*s", STR_FMT(r->region),
                              STR_FMT(r->who.account), STR_FMT(name)));
}

/* The caller's detector an ARN names, into *d; ResourceNotFoundException
 * when there is none. */
static int det_or_fail(req_t *r, sqlite3 *db, str_t arn, detector_t *d)
{
    str_t own = det_arn(r, STR(""));
    str_t name = str_starts_with(arn, own) ? str_n(arn.p + own.len, arn.len - own.len) : STR_NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT " DET_COLUMNS " FROM anomaly_detector "
                                      "WHERE account = ?1 AND region = ?2 AND name = ?3");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    store_bind_str(st, 3, name.len ? name : STR(""));
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) det_read(r->arena, st, d);
    store_release(st);
    if (step == SQLITE_ROW) return GR_OK;
    if (step != SQLITE_DONE) return GR_ERR;
    return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "Anomaly detector %.*s does not exist.", STR_FMT(arn));
}

static const char *det_status(const detector_t *d)
{
    if (!d->enabled) return "PAUSED";
    return logs__now_ms() < d->trained_ms ? "TRAINING" : "ANALYZING";
}

static void det_put(req_t *r, const detector_t *d, val_t *v, bool with_arn)
{
    arena_t *a = r->arena;
    if (with_arn) val_set_c(a, v, "anomalyDetectorArn", val_str(a, det_arn(r, d->name)));
    if (d->detector_name.p) val_set_c(a, v, "detectorName", val_str(a, d->detector_name));
    val_t *groups = val_new(a, VAL_LIST);
    val_push(a, groups, val_str(a, d->group_arn));
    val_set_c(a, v, "logGroupArnList", groups);
    val_set_c(a, v, "evaluationFrequency", val_str(a, d->frequency));
    if (d->filter.p) val_set_c(a, v, "filterPattern", val_str(a, d->filter));
    val_set_c(a, v, "anomalyDetectorStatus", val_cstr(a, det_status(d)));
    if (d->kms_key.p) val_set_c(a, v, "kmsKeyId", val_str(a, d->kms_key));
    val_set_c(a, v, "creationTimeStamp", val_int(a, d->created_ms));
    val_set_c(a, v, "lastModifiedTimeStamp", val_int(a, d->updated_ms));
    val_set_c(a, v, "anomalyVisibilityTime", val_int(a, d->visibility_days));
}

/* Create's and Update's checks of filterPattern and anomalyVisibilityTime. */
static int settings_ok_or_fail(req_t *r, const val_t *in)
{
    str_t f = val_get_str(in, "filterPattern");
    const char *err = NULL;
    if (f.len && !logs__filter_compile(r->arena, f, &err))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid filter pattern: %s", err ? err : "");
    int64_t days = val_get_int(in, "anomalyVisibilityTime", DEFAULT_VISIBILITY_DAYS);
    if (days < 7 || days > 90)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "1 validation error detected: Value '%lld' at 'anomalyVisibilityTime' failed to satisfy "
                        "constraint: Member must have value between 7 and 90",
                        (long long)days);
    return GR_OK;
}

/* AWS (CreateLogAnomalyDetector): "You can specify only one log group ARN";
 * the group must exist. */
int logs_create_log_anomaly_detector(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    const val_t *list = val_get(in, "logGroupArnList");
    if (val_len(list) != 1)
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "You can specify only one log group ARN.");
    str_t arn = list->u.list.v[0]->u.s;
    if (!str_starts_with(arn, STR("arn:")))
        return req_fail(r, &LOGS_ERR_InvalidParameterException, "Invalid log group ARN: %.*s", STR_FMT(arn));
    val_t *ident = val_new(a, VAL_STRUCT);
    val_set_c(a, ident, "logGroupIdentifier", val_str(a, arn));
    logs_group_t g;
    if (logs__group_or_fail(r, db, ident, &g) != GR_OK || settings_ok_or_fail(r, in) != GR_OK) return GR_ERR;
    str_t kms = val_get_str(in, "kmsKeyId");
    const val_t *tags = val_get(in, "tags");
    char uuid[37];
    id_uuid(uuid);
    int64_t now = logs__now_ms();
    str_t freq = val_get_str(in, "evaluationFrequency");
    if (store_exec(db, "BEGIN IMMEDIATE") != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(
        db, "INSERT INTO anomaly_detector (account, region, name, detector_name, grp, group_arn, frequency, filter, "
            "kms_key, visibility_days, enabled, tags, created_ms, updated_ms, trained_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?12, ?13)");
    int rc = st ? GR_OK : GR_ERR;
    if (st) {
        store_bind_str(st, 1, r->who.account);
        store_bind_str(st, 2, r->region);
        store_bind_str(st, 3, str_c(uuid));
        store_bind_str(st, 4, val_get_str(in, "detectorName"));
        store_bind_str(st, 5, g.name);
        store_bind_str(st, 6, arn);
        store_bind_str(st, 7, freq.p ? freq : STR(DEFAULT_FREQUENCY));
        store_bind_str(st, 8, val_get_str(in, "filterPattern"));
        store_bind_str(st, 9, kms);
        sqlite3_bind_int64(st, 10, val_get_int(in, "anomalyVisibilityTime", DEFAULT_VISIBILITY_DAYS));
        store_bind_str(st, 11, tags ? val_json_text(a, tags) : STR("{}"));
        sqlite3_bind_int64(st, 12, now);
        sqlite3_bind_int64(st, 13, now + train_ms());
        rc = step_done(st);
    }
    if (rc == GR_OK) rc = seed(db, a, r->who.account, r->region, g.name, g.id, sqlite3_last_insert_rowid(db));
    if (rc != GR_OK || store_exec(db, "COMMIT") != GR_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return GR_ERR;
    }
    return val_set_c(a, out, "anomalyDetectorArn", val_str(a, det_arn(r, str_c(uuid))));
}

int logs_get_log_anomaly_detector(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    detector_t d;
    if (det_or_fail(r, db, val_get_str(in, "anomalyDetectorArn"), &d) != GR_OK) return GR_ERR;
    det_put(r, &d, out, false);
    return GR_OK;
}

static val_t *det_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    detector_t d;
    det_read(r->arena, st, &d);
    val_t *v = val_new(r->arena, VAL_STRUCT);
    det_put(r, &d, v, true);
    return v;
}

/* The name of the group an ARN of the caller's account and region names,
 * or STR_NULL. */
static str_t group_of_arn(req_t *r, str_t arn)
{
    str_t own = logs__group_arn(r, STR(""), false);
    if (!str_starts_with(arn, own)) return STR_NULL;
    str_t name = str_n(arn.p + own.len, arn.len - own.len);
    if (str_ends_with(name, STR(":*"))) name.len -= 2;
    return name;
}

/* In creation order; nextToken is the offset of the next page. */
int logs_list_log_anomaly_detectors(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "limit", DEFAULT_LIMIT);
    str_t filter = val_get_str(in, "filterLogGroupArn");
    str_t grp = filter.p ? group_of_arn(r, filter) : STR_NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT " DET_COLUMNS " FROM anomaly_detector WHERE account = ?1 "
                                      "AND region = ?2 AND (?3 = 0 OR grp = ?4) ORDER BY created_ms, id "
                                      "LIMIT ?5 OFFSET ?6");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int(st, 3, filter.p != NULL);
    store_bind_str(st, 4, grp.p ? grp : STR("")); /* another account's group: none of ours */
    sqlite3_bind_int64(st, 5, limit + 1);
    sqlite3_bind_int64(st, 6, off);
    int64_t n = page_rows(r, st, limit, out, "anomalyDetectors", det_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* AWS: enabled (required) pauses or restarts the detector; the other
 * members change only when given. A restart does not train again. */
int logs_update_log_anomaly_detector(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    detector_t d;
    if (det_or_fail(r, db, val_get_str(in, "anomalyDetectorArn"), &d) != GR_OK || settings_ok_or_fail(r, in) != GR_OK)
        return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "UPDATE anomaly_detector SET frequency = coalesce(?2, frequency), "
                                      "filter = CASE WHEN ?3 THEN ?4 ELSE filter END, "
                                      "visibility_days = coalesce(?5, visibility_days), enabled = ?6, "
                                      "updated_ms = ?7 WHERE id = ?1");
    if (!st) return GR_ERR;
    str_t filter = val_get_str(in, "filterPattern");
    sqlite3_bind_int64(st, 1, d.id);
    store_bind_str(st, 2, val_get_str(in, "evaluationFrequency"));
    sqlite3_bind_int(st, 3, filter.p != NULL);
    store_bind_str(st, 4, filter);
    if (val_get(in, "anomalyVisibilityTime"))
        sqlite3_bind_int64(st, 5, val_get_int(in, "anomalyVisibilityTime", DEFAULT_VISIBILITY_DAYS));
    sqlite3_bind_int(st, 6, val_get_bool(in, "enabled", true));
    sqlite3_bind_int64(st, 7, logs__now_ms());
    return step_done(st);
}

int logs_delete_log_anomaly_detector(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    detector_t d;
    if (det_or_fail(r, db, val_get_str(in, "anomalyDetectorArn"), &d) != GR_OK) return GR_ERR;
    sqlite3_stmt *st = store_stmt(db, "DELETE FROM anomaly_detector WHERE id = ?1");
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, d.id);
    return step_done(st);
}

/* ==== Anomalies ==== */

/* Whether a suppression (at, until: 0 INFINITE) holds at now; SQL's form
 * of the same test is in SUPPRESSED_SQL. */
#define SUPPRESSED_SQL                                                                                                 \
    "((p.sup_ms IS NOT NULL AND (p.sup_until = 0 OR p.sup_until > ?3)) OR "                                            \
    "(p.psup_ms IS NOT NULL AND (p.psup_until = 0 OR p.psup_until > ?3)))"

static bool holds(sqlite3_stmt *st, int col, int64_t now, int64_t *at, int64_t *until)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return false;
    *at = sqlite3_column_int64(st, col);
    *until = sqlite3_column_int64(st, col + 1);
    return *until == 0 || *until > now;
}

/* \Q…\E around the static text, .* for each dynamic token (AWS's form). */
static str_t pattern_regex(arena_t *a, const pattern_t *s)
{
    size_t cap = 8, len = 0;
    for (size_t i = 0; i < s->n; i++) cap += s->t[i].text.len + 8;
    char *p = arena_alloc(a, cap);
    if (!p) return STR_NULL;
    bool quoted = false;
    for (size_t i = 0; i < s->n; i++) {
        if (s->t[i].kind) {
            if (quoted) memcpy(p + len, "\\E", 2), len += 2;
            memcpy(p + len, ".*", 2), len += 2;
            quoted = false;
            continue;
        }
        if (!quoted) memcpy(p + len, "\\Q", 2), len += 2;
        memcpy(p + len, s->t[i].text.p, s->t[i].text.len);
        len += s->t[i].text.len;
        quoted = true;
    }
    if (quoted) memcpy(p + len, "\\E", 2), len += 2;
    return str_n(p, len);
}

static val_t *tokens_val(arena_t *a, const pattern_t *s, const val_t *enums)
{
    val_t *list = val_new(a, VAL_LIST);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        val_t *t = val_new(a, VAL_STRUCT);
        bool dyn = s->t[i].kind != NULL;
        val_set_c(a, t, "dynamicTokenPosition", val_int(a, dyn ? (int64_t)k + 1 : 0));
        val_set_c(a, t, "isDynamic", val_bool(a, dyn));
        val_set_c(a, t, "tokenString", val_str(a, dyn ? STR("<*>") : s->t[i].text));
        val_t *e = dyn && enums && k < val_len(enums) ? enums->u.list.v[k] : NULL;
        val_set_c(a, t, "enumerations", e ? e : val_new(a, VAL_MAP));
        if (dyn) val_set_c(a, t, "inferredTokenName", val_cstr(a, arena_printf(a, "%s-%zu", s->t[i].kind, k + 1)));
        k += dyn;
        val_push(a, list, t);
    }
    return list;
}

#define ANOMALY_COLUMNS                                                                                                \
    "p.histogram, p.samples, p.enums, p.anomaly_id, p.pattern_id, d.name, p.pattern, p.first_ms, p.last_ms, "          \
    "p.baseline, d.group_arn, d.frequency, d.visibility_days, p.sup_ms, p.sup_until, p.psup_ms, p.psup_until"

static val_t *anomaly_item(req_t *r, sqlite3_stmt *st, void *ctx)
{
    (void)ctx;
    arena_t *a = r->arena;
    int64_t now = logs__now_ms();
    val_t *hist = json_col(a, st, 0, true), *samples = json_col(a, st, 1, false), *enums = json_col(a, st, 2, true);
    str_t pattern = store_col_str(a, st, 6);
    int64_t first = sqlite3_column_int64(st, 7), last = sqlite3_column_int64(st, 8);
    int64_t freq = frequency_ms(store_col_str(a, st, 11)), vis_ms = sqlite3_column_int64(st, 12) * DAY_MS;
    int64_t at = 0, until = 0, pat = 0, puntil = 0;
    bool own = holds(st, 13, now, &at, &until), by_pattern = holds(st, 15, now, &pat, &puntil);
    bool baseline = sqlite3_column_int(st, 9) || first <= now - vis_ms;
    /* The tokens are those of the first sample: every sample has the pattern's. */
    const val_t *first_sample = samples && val_len(samples) ? samples->u.list.v[0] : NULL;
    pattern_t s = {0};
    if (!shape_of(a, first_sample ? val_get_str(first_sample, "message") : pattern, &s)) return NULL;

    val_t *v = val_new(a, VAL_STRUCT);
    val_set_c(a, v, "anomalyId", val_str(a, store_col_str(a, st, 3)));
    val_set_c(a, v, "patternId", val_str(a, store_col_str(a, st, 4)));
    val_set_c(a, v, "anomalyDetectorArn", val_str(a, det_arn(r, store_col_str(a, st, 5))));
    val_set_c(a, v, "patternString", val_str(a, pattern));
    val_set_c(a, v, "patternRegex", val_str(a, pattern_regex(a, &s)));
    val_set_c(a, v, "priority", val_cstr(a, priority_of(pattern)));
    val_set_c(a, v, "firstSeen", val_int(a, first));
    val_set_c(a, v, "lastSeen", val_int(a, last));
    val_set_c(a, v, "description", val_cstr(a, "New log pattern: not seen while the detector was training."));
    val_set_c(a, v, "active", val_bool(a, last >= now - now % freq - freq));
    val_set_c(a, v, "state", val_cstr(a, own || by_pattern ? "Suppressed" : baseline ? "Baseline" : "Active"));
    val_set_c(a, v, "histogram", hist && hist->kind == VAL_MAP ? hist : val_new(a, VAL_MAP));
    val_set_c(a, v, "logSamples", samples && samples->kind == VAL_LIST ? samples : val_new(a, VAL_LIST));
    val_set_c(a, v, "patternTokens", tokens_val(a, &s, enums && enums->kind == VAL_LIST ? enums : NULL));
    val_t *groups = val_new(a, VAL_LIST);
    val_push(a, groups, val_str(a, store_col_str(a, st, 10)));
    val_set_c(a, v, "logGroupArnList", groups);
    val_set_c(a, v, "suppressed", val_bool(a, own || by_pattern));
    val_set_c(a, v, "suppressedDate", val_int(a, own ? at : by_pattern ? pat : 0));
    val_set_c(a, v, "suppressedUntil", val_int(a, own ? until : by_pattern ? puntil : 0));
    val_set_c(a, v, "isPatternLevelSuppression", val_bool(a, !own && by_pattern));
    return v;
}

/* The anomalies of the caller's detectors (of one, given its ARN), in the
 * order they were first seen; nextToken is the offset of the next page. */
int logs_list_anomalies(req_t *r, const val_t *in, val_t *out)
{
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    long long off;
    if (logs__offset_token(r, in, &off) != GR_OK) return GR_ERR;
    detector_t d = {0};
    str_t arn = val_get_str(in, "anomalyDetectorArn");
    if (arn.p && det_or_fail(r, db, arn, &d) != GR_OK) return GR_ERR;
    int64_t limit = val_get_int(in, "limit", DEFAULT_LIMIT);
    str_t state = val_get_str(in, "suppressionState");
    sqlite3_stmt *st =
        store_stmt(db, "SELECT " ANOMALY_COLUMNS " FROM anomaly_pattern p JOIN anomaly_detector d ON d.id = p.did "
                       "WHERE d.account = ?1 AND d.region = ?2 AND p.anomaly_id IS NOT NULL AND (?4 = 0 OR d.id = ?4) "
                       "AND (?5 IS NULL OR (?5 = 'SUPPRESSED') = " SUPPRESSED_SQL ") "
                       "ORDER BY p.first_ms, p.id LIMIT ?6 OFFSET ?7");
    if (!st) return GR_ERR;
    store_bind_str(st, 1, r->who.account);
    store_bind_str(st, 2, r->region);
    sqlite3_bind_int64(st, 3, logs__now_ms());
    sqlite3_bind_int64(st, 4, d.id);
    store_bind_str(st, 5, state);
    sqlite3_bind_int64(st, 6, limit + 1);
    sqlite3_bind_int64(st, 7, off);
    int64_t n = page_rows(r, st, limit, out, "anomalies", anomaly_item, NULL);
    if (n < 0) return GR_ERR;
    page_offset_token(r, out, "nextToken", n, limit, off);
    return GR_OK;
}

/* AWS (UpdateAnomaly): either anomalyId or patternId, not both; LIMITED
 * needs a suppressionPeriod, INFINITE ignores it; without a
 * suppressionType the suppression ends. baseline=true makes the anomaly
 * normal from now on (state Baseline). */
int logs_update_anomaly(req_t *r, const val_t *in, val_t *out)
{
    (void)out;
    arena_t *a = r->arena;
    sqlite3 *db = logs__db(r->app);
    if (!db) return GR_ERR;
    detector_t d;
    if (det_or_fail(r, db, val_get_str(in, "anomalyDetectorArn"), &d) != GR_OK) return GR_ERR;
    str_t anomaly = val_get_str(in, "anomalyId"), pattern = val_get_str(in, "patternId");
    if (!anomaly.p == !pattern.p)
        return req_fail(r, &LOGS_ERR_InvalidParameterException,
                        "You must specify either anomalyId or patternId, but not both.");
    str_t type = val_get_str(in, "suppressionType");
    int64_t now = logs__now_ms(), until = 0;
    if (str_eq_c(type, "LIMITED")) {
        const val_t *p = val_get(in, "suppressionPeriod");
        int64_t value = val_get_int(p, "value", 0);
        str_t unit = val_get_str(p, "suppressionUnit");
        int64_t unit_ms = str_eq_c(unit, "SECONDS")   ? 1000
                          : str_eq_c(unit, "MINUTES") ? 60000
                          : str_eq_c(unit, "HOURS")   ? 3600000
                                                      : 0;
        if (value <= 0 || !unit_ms)
            return req_fail(r, &LOGS_ERR_InvalidParameterException,
                            "A LIMITED suppression needs a suppressionPeriod with a positive value and a unit.");
        until = now + value * unit_ms;
    }
    const char *cols = anomaly.p ? "sup_ms = ?3, sup_until = ?4" : "psup_ms = ?3, psup_until = ?4";
    const val_t *baseline = val_get(in, "baseline");
    sqlite3_stmt *st = store_stmt(db, arena_printf(a,
                                                   "UPDATE anomaly_pattern SET %s, baseline = coalesce(?5, baseline) "
                                                   "WHERE did = ?1 AND %s = ?2",
                                                   cols, anomaly.p ? "anomaly_id" : "pattern_id"));
    if (!st) return GR_ERR;
    sqlite3_bind_int64(st, 1, d.id);
    store_bind_str(st, 2, anomaly.p ? anomaly : pattern);
    if (type.p) {
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, until);
    }
    if (baseline) sqlite3_bind_int(st, 5, val_get_bool(in, "baseline", false));
    if (step_done(st) != GR_OK) return GR_ERR;
    if (sqlite3_changes(db) == 0)
        return req_fail(r, &LOGS_ERR_ResourceNotFoundException, "The specified %s does not exist.",
                        anomaly.p ? "anomaly" : "pattern");
    return GR_OK;
}
