/* gtime.h — wall-clock and monotonic time, and AWS's timestamp formats.
 * (Named gtime.h so it never shadows the C library's <time.h>.) */
#ifndef GR_CORE_GTIME_H
#define GR_CORE_GTIME_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/str.h"

int64_t time_now_us(void);  /* wall clock, microseconds since the epoch */
int64_t time_mono_us(void); /* monotonic, for durations */
/* The moment after_us (>= 0) from now on clock (CLOCK_REALTIME for a default
 * condition variable, CLOCK_MONOTONIC for one set to it), as
 * pthread_cond_timedwait wants its deadline. */
struct timespec time_deadline(clockid_t clock, int64_t after_us);
/* A condition variable whose timed waits run on CLOCK_MONOTONIC, so a step
 * of the wall clock neither shortens nor stretches them. 0, or an errno. */
int time_cond_init_mono(pthread_cond_t *cv);
/* Waits on cv (from time_cond_init_mono; mu held) until it is signalled or
 * time_mono_us() reaches until_us; until_us 0: no deadline. */
void time_cond_wait_mono(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_us);
/* Test hook: when non-zero, time_now_us() returns this (SigV4 vectors). */
void time_set_fake_now_us(int64_t us);
/* The length in ms of a unit of an AWS period (a second, an hour): dflt,
 * except in GUREUM_TESTING builds with the environment variable env set to
 * a positive number of ms, so a test can watch a long minimum period pass.
 * *cache (a static of the caller, 0 at first) keeps the value read. */
int64_t time_test_unit_ms(_Atomic int64_t *cache, const char *env, int64_t dflt);

/* "2015-08-30T12:36:00Z" (frac=false) or "2015-08-30T12:36:00.123Z" (millis). out >= 32 bytes. */
void time_fmt_iso8601(char *out, int64_t us, bool frac);
/* "Sun, 30 Aug 2015 12:36:00 GMT". out >= 32 bytes. */
void time_fmt_rfc822(char *out, int64_t us);
/* "20150830T123600Z". out >= 17 bytes. */
void time_fmt_amz(char *out, int64_t us);
/* Parse ISO 8601 (with or without fraction, 'Z' or ±hh:mm), "20150830T123600Z",
 * or RFC 822 dates; false if none matches. */
bool time_parse(str_t s, int64_t *us);
/* gmtime_r and timegm without the C library's time-zone lock: seconds since
 * the epoch to UTC fields (tm_wday and tm_yday too), and days since the
 * epoch of year y, month m (1-12), day d. */
void time_split(int64_t sec, struct tm *tm);
int64_t time_days_from_civil(int64_t y, int m, int d);

#endif
