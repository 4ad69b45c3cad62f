/* timer_rearm.c — what re-arming a timerfd costs on this machine, for P3 (tests/bench/README.md,
 * "P3, fifth round"): re-arming the CPU's earliest timer reprograms its clock-event device (in a
 * VM, an exit to the hypervisor); re-arming one behind an earlier timer only moves it in the
 * kernel's queue. libevent's precise timers re-arm one timerfd before every epoll_wait, which
 * is why lt's schedule has a timerfd of its own (src/exec/wake_timer.h).
 *
 * Usage: timer_rearm [N]   (N re-arms of each kind, default 200000; prints microseconds each)
 * Build: cc -O2 -o timer_rearm tests/bench/timer_rearm.c
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    if (n <= 0) return 2;
    int a = timerfd_create(CLOCK_MONOTONIC, 0), b = timerfd_create(CLOCK_MONOTONIC, 0);
    if (a < 0 || b < 0) return 1;
    /* 200 us ahead: sooner than any other timer on the CPU, so each re-arm reprograms it */
    struct itimerspec soon = {{0, 0}, {0, 200000}}, far = {{0, 0}, {0, 500000000}};
    double t0 = now();
    for (int i = 0; i < n; i++) timerfd_settime(a, 0, &soon, NULL);
    double earliest = (now() - t0) / n * 1e6;
    /* 500 ms ahead while `a` stays armed sooner: a queue move only */
    t0 = now();
    for (int i = 0; i < n; i++) {
        if (i % 100 == 0) timerfd_settime(a, 0, &soon, NULL);
        timerfd_settime(b, 0, &far, NULL);
    }
    double behind = (now() - t0) / n * 1e6;
    printf("{\"rearm_earliest_us\":%.3f,\"rearm_behind_us\":%.3f}\n", earliest, behind);
    return 0;
}
