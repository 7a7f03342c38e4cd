/* log.c — stderr logging with a UTC timestamp. Lines are whole in each
 * write(2), so lines from several event-loop threads never interleave. An
 * event loop batches its lines (log_batch): they gather in a buffer of the
 * thread's and go out in one write when the buffer fills or the oldest line
 * has waited a few milliseconds (the loop asks log_pending_us after each
 * round of events and calls log_flush), instead of a write(2) per request:
 * eight loops writing to one file contend for its position lock. A warning
 * or an error is written at once, after what was gathered. */
#include "core/log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/gtime.h"

static log_level_t min_level = LOG_INFO;

#define BATCH 16384
static _Thread_local struct {
    bool on;
    size_t len;
    int64_t first_us; /* monotonic time of the oldest line in buf */
    char buf[BATCH];
} batch;

static void out(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0) return; /* nowhere to log to: nothing to be done */
        p += w, n -= (size_t)w;
    }
}

void log_flush(void)
{
    if (batch.len) out(batch.buf, batch.len);
    batch.len = 0;
}

int64_t log_pending_us(void)
{
    return batch.len ? time_mono_us() - batch.first_us : -1;
}

void log_batch(bool on)
{
    log_flush();
    batch.on = on;
}

void log_set_level(log_level_t lvl)
{
    min_level = lvl;
}

/* "2026-11-27T17:16:03.123Z info " at the start of line; its length. The
 * date and time of day are kept per thread for the current second:
 * splitting the time is most of the cost of a stamp. */
static size_t stamp(char *line, log_level_t lvl)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    static _Thread_local struct {
        time_t sec;
        char text[20]; /* 2026-11-27T17:16:03 */
    } last = {.sec = -1};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != last.sec) {
        struct tm tm;
        time_split(ts.tv_sec, &tm); /* no time-zone lock: every event loop logs */
        char t[64];
        snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        memcpy(last.text, t, sizeof last.text - 1);
        last.sec = ts.tv_sec;
    }
    memcpy(line, last.text, 19);
    unsigned ms = (unsigned)(ts.tv_nsec / 1000000);
    line[19] = '.';
    line[20] = (char)('0' + ms / 100);
    line[21] = (char)('0' + ms / 10 % 10);
    line[22] = (char)('0' + ms % 10);
    line[23] = 'Z';
    line[24] = ' ';
    size_t k = strlen(names[lvl]);
    memcpy(line + 25, names[lvl], k);
    line[25 + k] = ' ';
    return 26 + k;
}

/* line holds len bytes and room for a newline: out now, or into the
 * thread's batch. */
static void emit(char *line, size_t len, log_level_t lvl)
{
    line[len++] = '\n';
    if (!batch.on || lvl >= LOG_WARN) {
        log_flush();
        out(line, len);
        return;
    }
    if (batch.len + len > sizeof batch.buf) log_flush();
    if (!batch.len) batch.first_us = time_mono_us();
    memcpy(batch.buf + batch.len, line, len);
    batch.len += len;
}

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (lvl < min_level) return;
    char line[2048];
    size_t n = stamp(line, lvl);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    size_t len = n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    emit(line, len, lvl);
}

/* Appends up to max bytes of p at line + *n. */
static void put(char *line, size_t *n, const char *p, size_t len, size_t max)
{
    if (len > max) len = max;
    memcpy(line + *n, p, len);
    *n += len;
}

/* Appends v in decimal, at least width digits. */
static void put_uint(char *line, size_t *n, uint64_t v, int width)
{
    char d[24];
    int k = 0;
    do d[k++] = (char)('0' + v % 10), v /= 10;
    while (v || k < width);
    while (k) line[(*n)++] = d[--k];
}

/* The access line, put together by hand: one is written for every request,
 * and log_msg's two printf calls were about 4 % of a GetItem's CPU. The
 * text is log_msg(LOG_INFO, "%s %.*s %d %.2fms %s", ...)'s. */
void log_access(const char *svc, const char *op, size_t oplen, int status, int64_t us, const char *id)
{
    if (LOG_INFO < min_level) return;
    char line[512];
    size_t n = stamp(line, LOG_INFO);
    put(line, &n, svc, strlen(svc), 64);
    line[n++] = ' ';
    put(line, &n, op, oplen, 128);
    line[n++] = ' ';
    put_uint(line, &n, status < 0 ? 0 : (uint64_t)status, 1);
    line[n++] = ' ';
    uint64_t hundredths = us < 0 ? 0 : ((uint64_t)us + 5) / 10; /* of a millisecond, rounded */
    put_uint(line, &n, hundredths / 100, 1);
    line[n++] = '.';
    put_uint(line, &n, hundredths % 100, 2);
    put(line, &n, "ms ", 3, 3);
    put(line, &n, id, strlen(id), 128);
    emit(line, n, LOG_INFO);
}
