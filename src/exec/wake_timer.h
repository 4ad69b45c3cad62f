/* wake_timer.h — a one-shot timer at an absolute CLOCK_MONOTONIC time, on its own timerfd.
 *
 * Why not a libevent timer: a base with EVENT_BASE_FLAG_PRECISE_TIMER (which lt needs for
 * sub-millisecond timers) re-arms its one timerfd before every epoll_wait, also when the loop
 * woke for I/O and the earliest timeout did not change. When that timeout is the schedule's next
 * start, 50 us away at 20,000/s, each re-arm cancels and restarts the CPU's earliest hrtimer: the
 * clock-event device is programmed twice, which in a VM is two exits. An arrival schedule woken
 * by responses between its starts paid that on every wake-up (tests/bench/README.md, "P3, fifth
 * round"). This timer is armed only when its time changes, so an I/O wake-up costs it nothing,
 * and libevent's own timerfd is left with far-away timeouts (flush, request timeouts), whose
 * re-arms touch no clock-event device.
 *
 * Promises:
 * - wake_timer_at(t, at): `fn` runs once from the loop at or after `at` (lt_now() seconds); a time
 *   already past runs it on the loop's next turn, never from inside the call. Arming again
 *   replaces the time; arming at the time already armed is free (no system call).
 * - wake_timer_cancel: `fn` does not run until armed again.
 * - own_fd false, or with no timerfd (timerfd_create failed), it is a libevent timer. The own
 *   timerfd pays off when the timer is re-armed rarely against many I/O wake-ups (a precision
 *   budget: one start per ~1 ms, responses in between); when it is re-armed at every start (the
 *   default precision, a start every 50 us at 20,000/s) its extra timerfd_settime per start costs
 *   more than libevent's re-arms it saves (make bench P3, 2026-12-04: 3.61 against 3.07 CPU-s per
 *   100k requests on an Intel Xeon VM), so sched.c gives it only to scenarios with a budget.
 * - syscalls: how many times the timerfd was set, for LT_SCHED_STATS.
 */
#ifndef LT_EXEC_WAKE_TIMER_H
#define LT_EXEC_WAKE_TIMER_H
#include <event2/event.h>
#include <stdbool.h>

typedef struct wake_timer wake_timer;

wake_timer *wake_timer_new(struct event_base *base, event_callback_fn fn, void *arg, bool own_fd);
void wake_timer_free(wake_timer *t);
void wake_timer_at(wake_timer *t, double at);
void wake_timer_cancel(wake_timer *t);
bool wake_timer_armed(const wake_timer *t);
long wake_timer_syscalls(const wake_timer *t);
#endif
