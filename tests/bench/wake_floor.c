/* wake_floor.c — the machine's own timer wake-up latency, the floor under lt's schedule_lag.
 *
 * Sleeps to absolute deadlines INTERVAL_US apart for SECONDS (clock_nanosleep, TIMER_ABSTIME,
 * timer slack 1 ns) and prints, as one JSON object, how late each wake-up was: p50, p99, p99.9
 * and max in milliseconds, and how many were later than 2.5 ms. Nothing else runs in it, so this
 * is what any event loop on this machine pays between "due" and "running" (bench.py, case P5).
 * It also prints its own CPU time (getrusage: user, sys, and CPU-seconds per 100k wake-ups): the
 * cost of one wake-up per deadline, the floor under an open model that wakes once per arrival
 * (bench.py, case P3).
 *
 * Usage: wake_floor INTERVAL_US SECONDS
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ns_of(const struct timespec *t) {
    return t->tv_sec * 1e9 + t->tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3 || atof(argv[1]) <= 0 || atof(argv[2]) <= 0) {
        fprintf(stderr, "usage: wake_floor INTERVAL_US SECONDS\n");
        return 2;
    }
    double interval_ns = atof(argv[1]) * 1e3, seconds = atof(argv[2]);
    size_t n = (size_t)(seconds * 1e9 / interval_ns);
    double *late_ms = malloc((n ? n : 1) * sizeof *late_ms);
    if (!late_ms) return 1;
    prctl(PR_SET_TIMERSLACK, 1UL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t over = 0, i;
    for (i = 0; i < n; i++) {
        double due = ns_of(&start) + (double)(i + 1) * interval_ns;
        struct timespec at = {(time_t)(due / 1e9), (long)(due - (double)(time_t)(due / 1e9) * 1e9)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        late_ms[i] = (ns_of(&now) - due) / 1e6;
        if (late_ms[i] > 2.5) over++;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    double sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    qsort(late_ms, n, sizeof *late_ms, cmp_double);
    printf("{\"wakeups\":%zu,\"interval_us\":%g,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,"
           "\"max_ms\":%.4f,\"over_2.5ms\":%zu,\"user_s\":%.3f,\"sys_s\":%.3f,"
           "\"cpu_per_100k\":%.4f}\n",
           n, interval_ns / 1e3, n ? late_ms[n / 2] : 0, n ? late_ms[n * 99 / 100] : 0,
           n ? late_ms[n * 999 / 1000] : 0, n ? late_ms[n - 1] : 0, over, user_s, sys_s,
           n ? (user_s + sys_s) * 1e5 / (double)n : 0);
    free(late_ms);
    return 0;
}
