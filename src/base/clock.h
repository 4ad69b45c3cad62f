/* clock.h — lt's one clock: every module reads time through these two functions.
 *
 * Promises:
 * - lt_now(): seconds on CLOCK_MONOTONIC, for schedules, timeouts and durations; never jumps.
 * - lt_wall_now(): seconds since the Unix epoch (CLOCK_REALTIME), only for timestamps that leave
 *   the process (outputs, the summary's start time); never used to measure an interval.
 * Both are cheap (vDSO) and thread-safe.
 */
#ifndef LT_BASE_CLOCK_H
#define LT_BASE_CLOCK_H
#include <time.h>

static inline double lt_clock_read(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static inline double lt_now(void) {
    return lt_clock_read(CLOCK_MONOTONIC);
}
static inline double lt_wall_now(void) {
    return lt_clock_read(CLOCK_REALTIME);
}
#endif
