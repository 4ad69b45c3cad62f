/* test_wake_timer.c — the schedule's timer (src/exec/wake_timer.c): fires once, never early, a
 * past time on the loop's next turn and not inside the call, re-arming replaces, arming at the
 * armed time costs no system call, cancel holds, and an expiry made stale by a re-arm to a later
 * time does not run the callback early; on its own timerfd and as the libevent timer it is for
 * scenarios without a precision budget. */
#include "base/clock.h"
#include "exec/wake_timer.h"
#include "t.h"

#include <math.h>

static int fired;
static double fired_at;

static void on_fire(evutil_socket_t fd, short what, void *arg) {
    fired++;
    fired_at = lt_now();
}

/* runs the loop until `n` firings or `secs` pass */
static void run_until(struct event_base *base, int n, double secs) {
    double end = lt_now() + secs;
    while (fired < n && lt_now() < end) event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void check_timer(bool own_fd) {
    fired = 0;
    printf("-- %s\n", own_fd ? "own timerfd" : "libevent timer");
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    wake_timer *t = wake_timer_new(base, on_fire, NULL, own_fd);
    T_CHECK(t != NULL, "made");

    double at = lt_now() + 0.002;
    wake_timer_at(t, at);
    T_CHECK(wake_timer_armed(t), "armed");
    long sets = wake_timer_syscalls(t);
    wake_timer_at(t, at);
    T_CHECK(wake_timer_syscalls(t) == sets, "arming at the armed time sets nothing (%ld -> %ld)",
            sets, wake_timer_syscalls(t));
    run_until(base, 1, 1.0);
    T_CHECK(fired == 1 && fired_at >= at, "fired once, not early: %d, %.6f s after", fired,
            fired_at - at);
    T_CHECK(!wake_timer_armed(t), "not armed after firing");
    run_until(base, 2, 0.01);
    T_CHECK(fired == 1, "fired only once: %d", fired);

    /* a time already past: on the loop's next turn, not inside the call */
    wake_timer_at(t, 0);
    T_CHECK(fired == 1, "not from inside wake_timer_at");
    run_until(base, 2, 1.0);
    T_CHECK(fired == 2, "a past time fires on the next turn: %d", fired);

    /* re-arming replaces: the later time holds */
    wake_timer_at(t, lt_now() + 0.001);
    at = lt_now() + 0.02;
    wake_timer_at(t, at);
    run_until(base, 3, 1.0);
    T_CHECK(fired == 3 && fired_at >= at, "re-armed later: fired at the later time (%.6f s after)",
            fired_at - at);

    /* an expiry that has happened but not been handled, then a re-arm to a later time */
    wake_timer_at(t, lt_now() + 0.0005);
    double spin = lt_now() + 0.003;
    while (lt_now() < spin) {
    } /* the timerfd expires now, unseen */
    at = lt_now() + 0.01;
    wake_timer_at(t, at);
    run_until(base, 4, 1.0);
    T_CHECK(fired == 4 && fired_at >= at, "a stale expiry does not fire early (%.6f s after)",
            fired_at - at);
    run_until(base, 5, 0.02);
    T_CHECK(fired == 4, "and the later time fires once: %d", fired);

    /* cancel */
    wake_timer_at(t, lt_now() + 0.001);
    wake_timer_cancel(t);
    T_CHECK(!wake_timer_armed(t), "cancelled");
    run_until(base, 5, 0.01);
    T_CHECK(fired == 4, "a cancelled timer does not fire: %d", fired);

    wake_timer_free(t);
    event_base_free(base);
}

int main(void) {
    check_timer(true);
    check_timer(false);
    return T_DONE();
}
