/* wake_timer.c — a one-shot absolute timer on a timerfd of its own (see wake_timer.h). */
#include "exec/wake_timer.h"
#include "base/clock.h"
#include <math.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct wake_timer {
    int fd;           /* -1: the libevent fallback */
    struct event *ev; /* the timerfd's readability, or the fallback's evtimer */
    bool armed;       /* fn will run at `at` unless re-armed or cancelled */
    double at;        /* lt_now() seconds */
    event_callback_fn fn;
    void *arg;
    long syscalls;
};

/* The fallback's evtimer for what is left until `at`, rounded up to the microsecond (libevent's
 * unit). libevent adds it to its cached time of the loop's last wake-up, which can be behind
 * lt_now(), so it may still fire early: fired() then arms it again for the rest. */
static void arm_fallback(wake_timer *t) {
    double d = t->at - lt_now();
    if (d < 0) d = 0;
    long us = (long)ceil(d * 1e6);
    struct timeval tv = {us / 1000000, us % 1000000};
    evtimer_add(t->ev, &tv);
}

static void fired(evutil_socket_t fd, short what, void *arg) {
    wake_timer *t = arg;
    /* Edge-triggered: every expiry wakes epoll once, so the expiration count is never read (a
     * read per wake-up would be one more system call). Arming again resets it. */
    if (!t->armed) return; /* cancelled or re-armed after this expiry was queued */
    /* an older expiry (re-armed to a later time meanwhile): the current one is still pending.
     * The timerfd is set to `at` rounded up to the ns, so its own expiry always passes this. */
    if (t->fd >= 0 && lt_now() < t->at - 1e-6) return;
    if (t->fd < 0 && lt_now() < t->at) { /* the fallback woke before `at`: the rest of it */
        arm_fallback(t);
        return;
    }
    t->armed = false;
    t->fn(fd, EV_TIMEOUT, t->arg);
}

wake_timer *wake_timer_new(struct event_base *base, event_callback_fn fn, void *arg, bool own_fd) {
    wake_timer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->fn = fn;
    t->arg = arg;
    t->fd = own_fd ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) : -1;
    if (t->fd >= 0) {
        t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST | EV_ET, fired, t);
        if (t->ev && event_add(t->ev, NULL) == 0) return t;
        if (t->ev) event_free(t->ev);
        close(t->fd);
        t->fd = -1;
    }
    t->ev = evtimer_new(base, fired, t);
    if (!t->ev) {
        free(t);
        return NULL;
    }
    return t;
}

void wake_timer_free(wake_timer *t) {
    if (!t) return;
    event_free(t->ev);
    if (t->fd >= 0) close(t->fd);
    free(t);
}

void wake_timer_at(wake_timer *t, double at) {
    if (t->armed && at == t->at) return;
    t->armed = true;
    t->at = at;
    if (t->fd < 0) {
        arm_fallback(t);
        return;
    }
    /* it_value 0 would disarm: a time at or before the clock's start means "now", 1 ns */
    struct itimerspec its = {{0, 0}, {0, 1}};
    if (at > 1e-9) {
        double whole = floor(at);
        its.it_value.tv_sec = (time_t)whole;
        its.it_value.tv_nsec = (long)ceil((at - whole) * 1e9); /* never before `at` */
        if (its.it_value.tv_nsec >= 1000000000L) {
            its.it_value.tv_sec++;
            its.it_value.tv_nsec -= 1000000000L;
        }
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
    }
    t->syscalls++;
    timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void wake_timer_cancel(wake_timer *t) {
    if (!t->armed) return;
    t->armed = false;
    if (t->fd < 0) {
        evtimer_del(t->ev);
        return;
    }
    struct itimerspec off = {{0, 0}, {0, 0}};
    t->syscalls++;
    timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &off, NULL);
}

bool wake_timer_armed(const wake_timer *t) {
    return t->armed;
}

long wake_timer_syscalls(const wake_timer *t) {
    return t->syscalls;
}
