/* log.c — stderr logging with a UTC timestamp. Lines are whole in each
 * write(2), so lines from several event-loop threads never interleave. An
 * event loop batches its lines (log_batch): they gather in a buffer of the
 * thread's and go out in one write when the loop has run the events that
 * were ready (log_flush), instead of a write(2) per request; a warning or
 * an error is written at once, after what was gathered. */
#include "core/log.h"

#include <stdarg.h>
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

void log_batch(bool on)
{
    log_flush();
    batch.on = on;
}

void log_set_level(log_level_t lvl)
{
    min_level = lvl;
}

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (lvl < min_level) return;
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    time_split(ts.tv_sec, &tm); /* no time-zone lock: every event loop logs */
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    if (!batch.on || lvl >= LOG_WARN) {
        log_flush();
        out(line, len);
        return;
    }
    if (batch.len + len > sizeof batch.buf) log_flush();
    memcpy(batch.buf + batch.len, line, len);
    batch.len += len;
}
