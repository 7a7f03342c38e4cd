/* log.h — the server's log: one line per event on stderr.
 *
 * The access log (one line per request: service, operation, status,
 * milliseconds, request id) is written by the dispatcher through log_access.
 * Services never log; they return errors. */
#ifndef GR_CORE_LOG_H
#define GR_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t lvl);
/* An event loop's thread gathers its lines while batching is on, until
 * log_flush writes them (turning it off flushes too; a full buffer is
 * written by itself). log_pending_us: how long the thread's oldest gathered
 * line has waited, -1 when none waits. */
void log_batch(bool on);
void log_flush(void);
int64_t log_pending_us(void);
void log_msg(log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One request's access line at info level: "svc Op status 1.23ms request-id". */
void log_access(const char *svc, const char *op, size_t oplen, int status, int64_t us, const char *id);
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
