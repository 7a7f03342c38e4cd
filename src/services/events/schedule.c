/* schedule.c — EventBridge schedule expressions and the scheduler thread.
 *
 * rate(N minute|minutes|hour|hours|day|days) fires every N units counted
 * from the rule's creation (or re-enabling); cron(min hour dom month dow
 * year) in UTC with AWS's six fields and its ? L W # rules. Each schedule
 * rule keeps its next firing time in rule.next_fire_ms; one thread (started
 * by the registry's start hook, joined by its stop hook) wakes at the
 * earliest due time, advances each due rule past now (missed firings while
 * the server was down are not replayed, as AWS does not replay them) and
 * delivers one "Scheduled Event" per firing. Each wake-up also runs the
 * replays waiting to start (archive.c), and StartReplay wakes it at once. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/gtime.h"
#include "core/id.h"
#include "core/log.h"
#include "events_int.h"
#include "services/app.h"

/* ==== rate(...) ==== */

static int64_t minute_ms = 60000; /* GUREUM_TESTING builds may shorten it (GUREUM_EVENTS_MINUTE_MS) */

/* AWS (Schedule expressions for rules): "If the value is equal to 1, then the
 * unit must be singular. If the value is greater than 1, the unit must be
 * plural." Rate in ms, or 0 if expr is not a valid rate. */
static int64_t rate_ms(str_t expr)
{
    if (!str_starts_with(expr, STR("rate(")) || !str_ends_with(expr, STR(")"))) return 0;
    str_t body = str_sub(expr, 5, expr.len - 6), num;
    str_t unit = str_cut(body, ' ', &num);
    long long n;
    if (!unit.p || !num.len || num.p[0] == '0' || !str_to_i64(num, &n) || n <= 0 || n > 1000000) return 0;
    static const struct {
        const char *one, *many;
        int64_t mins;
    } units[] = {{"minute", "minutes", 1}, {"hour", "hours", 60}, {"day", "days", 1440}};
    for (size_t i = 0; i < 3; i++)
        if (str_eq_c(unit, n == 1 ? units[i].one : units[i].many)) return n * units[i].mins * minute_ms;
    return 0;
}

/* ==== cron(...) ==== */

#define YEAR_LO 1970
#define YEAR_HI 2199

typedef struct {
    bool min[60], hour[24], dom[32], mon[13], dow[8], year[YEAR_HI - YEAR_LO + 1];
    bool dom_q, dow_q; /* '?' */
    bool dom_last;     /* L */
    bool dom_lastwd;   /* LW */
    int dom_w;         /* NW: the weekday nearest day N */
    int dow_last;      /* nL: the last weekday n of the month */
    int nth_day, nth;  /* n#k: the k-th weekday n */
} cron_t;

static const char *const MONTHS[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const DAYS[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static bool num_or_name(str_t s, const char *const *names, int nnames, int base, int *out)
{
    long long v;
    if (str_to_i64(s, &v) && s.len && isdigit((unsigned char)s.p[0])) {
        *out = (int)v;
        return true;
    }
    for (int i = 0; names && i < nnames; i++)
        if (s.len == 3 && strncasecmp(s.p, names[i], 3) == 0) {
            *out = base + i;
            return true;
        }
    return false;
}

/* One comma-separated field into set[lo..hi] (indexes relative to `off`). */
static bool parse_field(str_t f, int lo, int hi, bool *set, int off, const char *const *names, int nnames)
{
    while (f.len) {
        str_t item;
        str_t rest = str_cut(f, ',', &item);
        if (!item.len) return false;
        str_t range;
        str_t step_s = str_cut(item, '/', &range);
        int a = lo, b = hi, step = 1;
        if (step_s.p) {
            long long st;
            if (!str_to_i64(step_s, &st) || st < 1 || st > hi - lo + 1) return false;
            step = (int)st;
        }
        if (!str_eq_c(range, "*")) {
            str_t first;
            str_t second = str_cut(range, '-', &first);
            if (!num_or_name(first, names, nnames, lo, &a)) return false;
            if (second.p) {
                if (!num_or_name(second, names, nnames, lo, &b)) return false;
            } else
                b = step_s.p ? hi : a;
        }
        if (a < lo || b > hi || a > b) return false;
        for (int v = a; v <= b; v += step) set[v - off] = true;
        if (!rest.p) break;
        f = rest;
        if (!f.len) return false;
    }
    return true;
}

static bool parse_cron(str_t expr, cron_t *c)
{
    memset(c, 0, sizeof *c);
    if (!str_starts_with(expr, STR("cron(")) || !str_ends_with(expr, STR(")"))) return false;
    str_t body = str_trim(str_sub(expr, 5, expr.len - 6));
    str_t f[6];
    int n = 0;
    while (body.len && n < 7) {
        size_t i = 0;
        while (i < body.len && body.p[i] != ' ') i++;
        if (n == 6) return false;
        f[n++] = str_sub(body, 0, i);
        while (i < body.len && body.p[i] == ' ') i++;
        body = str_sub(body, i, body.len - i);
    }
    if (n != 6) return false;
    if (!parse_field(f[0], 0, 59, c->min, 0, NULL, 0) || !parse_field(f[1], 0, 23, c->hour, 0, NULL, 0) ||
        !parse_field(f[3], 1, 12, c->mon, 0, MONTHS, 12) ||
        !parse_field(f[5], YEAR_LO, YEAR_HI, c->year, YEAR_LO, NULL, 0))
        return false;
    /* AWS: "You can't specify the Day-of-month and Day-of-week fields in the
     * same cron expression. If you specify a value or a * in one of the
     * fields, you must use a ? in the other." */
    c->dom_q = str_eq_c(f[2], "?");
    c->dow_q = str_eq_c(f[4], "?");
    if (c->dom_q == c->dow_q) return false;
    if (!c->dom_q) {
        str_t d = f[2];
        if (str_eq_c(d, "L"))
            c->dom_last = true;
        else if (str_eq_c(d, "LW"))
            c->dom_lastwd = true;
        else if (d.len >= 2 && d.p[d.len - 1] == 'W') {
            long long v;
            if (!str_to_i64(str_sub(d, 0, d.len - 1), &v) || v < 1 || v > 31) return false;
            c->dom_w = (int)v;
        } else if (!parse_field(d, 1, 31, c->dom, 0, NULL, 0))
            return false;
    }
    if (!c->dow_q) {
        str_t d = f[4];
        long h = str_index(d, '#');
        if (h >= 0) {
            int wd;
            long long k;
            if (!num_or_name(str_sub(d, 0, (size_t)h), DAYS, 7, 1, &wd) || wd < 1 || wd > 7 ||
                !str_to_i64(str_sub(d, (size_t)h + 1, d.len - (size_t)h - 1), &k) || k < 1 || k > 5)
                return false;
            c->nth_day = wd;
            c->nth = (int)k;
        } else if (d.len >= 2 && d.p[d.len - 1] == 'L') {
            int wd;
            if (!num_or_name(str_sub(d, 0, d.len - 1), DAYS, 7, 1, &wd) || wd < 1 || wd > 7) return false;
            c->dow_last = wd;
        } else if (str_eq_c(d, "L"))
            c->dow[7] = true; /* L alone in day-of-week: the last day of the week, Saturday */
        else if (!parse_field(d, 1, 7, c->dow, 0, DAYS, 7))
            return false;
    }
    return true;
}

static int days_in(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static int weekday(int y, int m, int d) /* 1 = Sunday … 7 = Saturday */
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    return tm.tm_wday + 1;
}

static int nearest_weekday(int y, int m, int d)
{
    int last = days_in(y, m);
    if (d > last) d = last;
    int wd = weekday(y, m, d);
    if (wd == 7) return d == 1 ? 3 : d - 1;        /* Saturday: Friday, or Monday the 3rd */
    if (wd == 1) return d == last ? d - 2 : d + 1; /* Sunday: Monday, or Friday before */
    return d;
}

static bool day_ok(const cron_t *c, int y, int m, int d)
{
    int last = days_in(y, m);
    if (!c->dom_q) {
        if (c->dom_last) return d == last;
        if (c->dom_lastwd) return d == nearest_weekday(y, m, last);
        if (c->dom_w) return c->dom_w <= last ? d == nearest_weekday(y, m, c->dom_w) : false;
        return c->dom[d];
    }
    int wd = weekday(y, m, d);
    if (c->dow_last) return wd == c->dow_last && d + 7 > last;
    if (c->nth) return wd == c->nth_day && (d - 1) / 7 + 1 == c->nth;
    return c->dow[wd];
}

static int64_t cron_next(const cron_t *c, int64_t after_ms)
{
    time_t t = (time_t)(after_ms / 60000 + 1) * 60; /* the next whole minute */
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday, h0 = tm.tm_hour, mi0 = tm.tm_min;
    for (int guard = 0; guard < 366 * 240 && y <= YEAR_HI; guard++) {
        if (y >= YEAR_LO && c->year[y - YEAR_LO] && c->mon[m] && day_ok(c, y, m, d)) {
            for (int h = h0; h < 24; h++) {
                if (!c->hour[h]) continue;
                for (int mi = h == h0 ? mi0 : 0; mi < 60; mi++)
                    if (c->min[mi]) {
                        struct tm o = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
                        return (int64_t)timegm(&o) * 1000;
                    }
            }
        }
        h0 = mi0 = 0;
        if (++d > days_in(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    return -1;
}

bool events_schedule_valid(str_t expr)
{
    cron_t c;
    return rate_ms(expr) > 0 || (parse_cron(expr, &c) && cron_next(&c, events__now_ms()) >= 0);
}

int64_t events_schedule_next(str_t expr, int64_t base_ms, int64_t after_ms)
{
    int64_t r = rate_ms(expr);
    if (r > 0) {
        if (base_ms > after_ms) return base_ms;
        return base_ms + ((after_ms - base_ms) / r + 1) * r;
    }
    cron_t c;
    return parse_cron(expr, &c) ? cron_next(&c, after_ms) : -1;
}

/* ==== The scheduler thread ==== */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping;

typedef struct {
    int64_t id, due;
    str_t account, region, bus, name, schedule;
} due_t;

/* AWS (EventBridge user guide, scheduled events): detail-type "Scheduled
 * Event", source "aws.events", the rule's ARN in resources, detail {}, and
 * the scheduled time in "time". */
static void fire(app_t *app, arena_t *a, const due_t *d)
{
    char id[37];
    str_t arn = events__rule_arn(a, d->account, d->region, d->bus, d->name);
    const json_t *detail = json_parse(a, STR("{}"), NULL);
    if (!detail) return;
    str_t text = events__envelope(a, d->account, d->region, STR("aws.events"), STR("Scheduled Event"), &arn, 1, detail,
                                  d->due * 1000, id);
    const json_t *ev = json_parse(a, text, NULL);
    if (!ev) return;
    events__deliver_rule(app, a, d->id, d->account, d->region, d->bus, d->name, text, ev);
}

/* Fires every due rule once; returns the next due time (or now + 1 s). */
static int64_t tick(app_t *app)
{
    int64_t now = events__now_ms(), next = now + 1000;
    sqlite3 *db = events__db(app);
    arena_t *a = arena_new(0);
    if (!db || !a) {
        arena_free(a);
        return next;
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT id, account, region, bus, name, schedule, next_fire_ms FROM rule "
                                      "WHERE schedule IS NOT NULL AND state = 'ENABLED' AND next_fire_ms <= ?1 "
                                      "ORDER BY next_fire_ms LIMIT 1000");
    due_t *due = ARENA_NEWN(a, due_t, 1000);
    size_t n = 0;
    if (st && due) {
        sqlite3_bind_int64(st, 1, now);
        while (n < 1000 && sqlite3_step(st) == SQLITE_ROW) {
            due_t *d = &due[n++];
            d->id = sqlite3_column_int64(st, 0);
            d->account = store_col_str(a, st, 1);
            d->region = store_col_str(a, st, 2);
            d->bus = store_col_str(a, st, 3);
            d->name = store_col_str(a, st, 4);
            d->schedule = store_col_str(a, st, 5);
            d->due = sqlite3_column_int64(st, 6);
        }
    }
    store_release(st);
    for (size_t i = 0; i < n; i++) {
        /* Advance first, so a slow delivery never fires the same time twice. */
        int64_t nx = events_schedule_next(due[i].schedule, due[i].due, now);
        sqlite3_stmt *u = store_stmt(db, "UPDATE rule SET next_fire_ms = ?2 WHERE id = ?1 AND next_fire_ms = ?3");
        if (!u) continue;
        sqlite3_bind_int64(u, 1, due[i].id);
        if (nx > 0)
            sqlite3_bind_int64(u, 2, nx);
        else
            sqlite3_bind_null(u, 2);
        sqlite3_bind_int64(u, 3, due[i].due);
        bool mine = sqlite3_step(u) == SQLITE_DONE && sqlite3_changes(db) == 1;
        store_release(u);
        if (mine) fire(app, a, &due[i]);
    }
    st = store_stmt(db, "SELECT min(next_fire_ms) FROM rule WHERE schedule IS NOT NULL AND state = 'ENABLED'");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int64_t m = sqlite3_column_int64(st, 0);
        if (m < next) next = m;
    }
    store_release(st);
    arena_free(a);
    events__replay_tick(app);
    return next;
}

static void *scheduler_main(void *arg)
{
    app_t *app = arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        pthread_mutex_unlock(&mu);
        int64_t next = tick(app);
        pthread_mutex_lock(&mu);
        if (stopping) break;
        int64_t wait_ms = next - events__now_ms();
        if (wait_ms < 5) wait_ms = 5;
        if (wait_ms > 1000) wait_ms = 1000; /* rules created meanwhile are seen within a second */
        struct timespec ts = time_deadline(CLOCK_REALTIME, wait_ms * 1000);
        pthread_cond_timedwait(&cv, &mu, &ts);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void events__scheduler_wake(void)
{
    pthread_mutex_lock(&mu);
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

int events_start(struct app *app)
{
#ifdef GUREUM_TESTING
    /* Tests only: GUREUM_EVENTS_MINUTE_MS=N makes a rate() minute last N ms,
     * so a schedule test need not wait whole minutes. cron() is unaffected. */
    const char *m = getenv("GUREUM_EVENTS_MINUTE_MS");
    if (m && atoll(m) > 0) minute_ms = atoll(m);
#endif
    if (events__invoke_start(app) != GR_OK) {
        log_error("events: cannot start the API destination invokers");
        return GR_ERR;
    }
    pthread_mutex_lock(&mu);
    stopping = false;
    running = pthread_create(&thread, NULL, scheduler_main, app) == 0;
    pthread_mutex_unlock(&mu);
    if (!running) log_error("events: cannot start the scheduler thread");
    return running ? GR_OK : GR_ERR;
}

void events_stop(struct app *app)
{
    (void)app;
    pthread_mutex_lock(&mu);
    if (!running) {
        pthread_mutex_unlock(&mu);
        events__invoke_stop();
        return;
    }
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = false;
    events__invoke_stop(); /* after the scheduler, which may still queue invocations */
}
