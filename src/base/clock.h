/* clock.h — lt's one clock: every module reads time through these two functions.
 *
 * Promises:
 * - lt_now(): seconds on CLOCK_MONOTONIC, for schedules, timeouts and durations; never jumps.
 * - lt_wall_now(): seconds since the Unix epoch (CLOCK_REALTIME), only for timestamps that leave
 *   the process (outputs, the summary's start time); never used to measure an interval.
 * - lt_wall_deadline(s): the CLOCK_REALTIME instant s seconds from now as a timespec, the absolute
 *   deadline pthread_cond_timedwait and pthread_timedjoin_np take (they know no other clock).
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
static inline struct timespec lt_wall_deadline(double seconds) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long whole = (long)seconds;
    t.tv_sec += whole;
    t.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}
#endif
