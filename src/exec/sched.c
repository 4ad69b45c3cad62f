/* sched.c — the executors' scheduling on one worker thread. */
#include "exec/sched.h"
#include "exec/ramp_steps.h"
#include "exec/wake_timer.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_IDLE, S_RUNNING, S_ENDING, S_DONE };
/* queueWhenBusy: at most this many starts of one scenario wait for a VU (split across workers). */
#define QUEUE_WHEN_BUSY_MAX 100000

typedef struct {
    sched *s;
    int local; /* index among this worker's VUs of the scenario */
} vu_slot;

struct sched {
    runtime *rt;
    const scenario_plan *sp;
    scenario_shared *ss;
    int w, nw;
    int state;
    double t0, end, deadline; /* schedule end; hard deadline (end + gracefulStop) */
    wake_timer *timer;        /* the schedule: next due iteration, or next ramping-vus step */
    struct event *deadline_ev;
    struct event *finish_ev;
    vu **vus;
    int nvus, cap, max_local;
    vu **idle;
    int nidle;
    int busy;
    long next_i;
    arrival_cursor cursor;
    bool waiting_for_vu; /* arrival rate: all VUs busy, the timer sleeps until one is free */
    double busy_until;   /* starts due before this (s from t0) found no VU: drop them */
    long local_target;   /* closed model: VUs that should be running */
    /* ramping-vus, this worker's share of k6's steps: VUs that should run (raw) and VUs allowed
     * to exist (allowed: a ramped-down VU past it is interrupted), each with its next index */
    ramp_steps raw, allowed;
    long raw_next, allowed_next;
    double ramp_end, ramp_deadline; /* s from t0: the last global raw and allowed steps */
    long per_vu_iterations;
    uint32_t scenario_tags;
    long wakeups,
        starts; /* arrival rate: timer callbacks and iterations started (LT_SCHED_STATS) */
    sched_finished_fn finished;
    void *finished_arg;
};

static int share(long total, int w, int n) {
    return (int)(total / n + (w < total % n ? 1 : 0));
}

int sched_participants(const scenario_plan *sp, int nthreads) {
    /* Arrival rates: no more workers than preAllocatedVUs, so every worker starts with a VU of
     * its own — a worker without one would drop its first start (as k6 drops a start that finds
     * no idle VU) while another worker's VU sits idle. */
    long vus = sp->pre_allocated_vus > 0 ? sp->pre_allocated_vus : sp->max_vus;
    if (sp->kind == EX_PER_VU_ITERATIONS || sp->kind == EX_SHARED_ITERATIONS ||
        sp->kind == EX_CONSTANT_VUS)
        vus = sp->vus;
    if (vus < 1) vus = 1;
    return vus < nthreads ? (int)vus : nthreads;
}

/* The whole test's index of this worker's arrival-rate start `local` (an index among the
 * segment's starts; the same number when the run is not segmented). */
static long global_i(const scenario_plan *sp, long local) {
    return sp->iter_stripe ? (long)seg_tuple_global(sp->iter_stripe, local) : local;
}

/* ---------------- rate curves ---------------- */

/* Where the rate's integral, from a stage's start, reaches k: the positive root of
 * r0 t + (r1 - r0) t^2 / (2 d) = k, clamped so float noise at a stage's end (a discriminant a
 * hair below 0) gives the end rather than NaN. */
static double stage_time_of(double r0, double r1, double d, double k) {
    double a = (r1 - r0) / (2 * d);
    if (fabs(a) < 1e-12) return k / r0;
    double t = (-r0 + sqrt(fmax(0, r0 * r0 + 4 * a * k))) / (2 * a);
    return fmin(fmax(t, 0), d);
}

double arrival_due(const scenario_plan *sp, long i, arrival_cursor *c) {
    if (sp->kind == EX_CONSTANT_ARRIVAL_RATE) {
        double t = (double)i / sp->rate;
        return t < sp->duration - 1e-9 ? t : -1;
    }
    /* As k6 (ramping_arrival_rate.go, cal): iteration i starts where the integral reaches i + 1,
     * so none starts at t = 0, and one whose count falls exactly on a stage's end belongs to
     * that stage (the last stage's end included). */
    double x = (double)i + 1;
    while (c->stage < sp->nstages) {
        const stage *st = &sp->stages[c->stage];
        double r0 = c->stage == 0 ? sp->start_rate : sp->stages[c->stage - 1].target;
        double r1 = st->target, d = st->duration;
        double count = (r0 + r1) / 2 * d;
        double k = x - c->stage_c0; /* iterations into this stage */
        if (count > 0 && k <= count * (1 + 1e-12) + 1e-9)
            return c->stage_t0 + stage_time_of(r0, r1, d, fmin(k, count));
        c->stage_c0 += count;
        c->stage_t0 += d;
        c->stage++;
    }
    return -1;
}

/* ---------------- VUs ---------------- */

static void iteration_done(vu *v, bool ok, void *arg);

static vu *add_vu(sched *s) {
    if (s->nvus == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->vus = realloc(s->vus, s->cap * sizeof *s->vus);
        s->idle = realloc(s->idle, s->cap * sizeof *s->idle);
    }
    vu *v = vu_new(s->rt, s->sp);
    vu_slot *slot = calloc(1, sizeof *slot);
    slot->s = s;
    slot->local = s->nvus;
    v->owner = slot;
    s->vus[s->nvus++] = v;
    atomic_fetch_add(&s->ss->alloc_vus, 1);
    return v;
}

static void start_on(sched *s, vu *v, double due, bool corrected) {
    s->busy++;
    v->scenario_iteration = atomic_fetch_add(&s->ss->iterations_started, 1);
    v->iteration_in_test = global_i(s->sp, corrected ? s->next_i : v->scenario_iteration);
    atomic_fetch_add(&s->ss->active_vus, 1);
    vu_start_iteration(v, s->sp->exec, due, corrected, iteration_done, s);
}

/* Runs from the event loop, never inside a VU's call chain (which may still touch the VU). */
static void finish_cb(evutil_socket_t fd, short what, void *arg) {
    sched *s = arg;
    /* Free the VUs now: their connections close and their memory returns before later scenarios. */
    for (int i = 0; i < s->nvus; i++) {
        free(s->vus[i]->owner);
        vu_free(s->vus[i]);
    }
    s->nvus = s->nidle = 0;
    if (s->finished) s->finished(s, s->finished_arg);
}

static void check_finished(sched *s) {
    if (s->state != S_ENDING || s->busy > 0) return;
    s->state = S_DONE;
    wake_timer_cancel(s->timer);
    evtimer_del(s->deadline_ev);
    event_active(s->finish_ev, EV_TIMEOUT, 0);
}

static void arm(struct event *ev, double delay) {
    if (delay < 0) delay = 0;
    struct timeval tv = {(long)delay, (long)((delay - (long)delay) * 1e6)};
    evtimer_add(ev, &tv);
}

static void arm_ramp(sched *s);

static void enter_ending(sched *s) {
    if (s->state >= S_ENDING) return;
    s->state = S_ENDING;
    wake_timer_cancel(s->timer);
    /* ramping-vus: VUs ramped down before the end still get gracefulRampDown, no more */
    if (s->sp->kind == EX_RAMPING_VUS) arm_ramp(s);
    double now = lt_now();
    if (s->deadline > now)
        arm(s->deadline_ev, s->deadline - now);
    else
        arm(s->deadline_ev, 0);
    check_finished(s);
}

/* ---------------- arrival rate ---------------- */

static void record_dropped(sched *s, long n) {
    atomic_fetch_add(&s->ss->dropped, n);
    tag_builder b = {0};
    runtime_run_tags(s->rt->shared, lt_now() - s->rt->shared->run_t0, &b);
    tags_put(&b, "scenario", s->sp->name);
    for (int i = 0; i < s->sp->tags.n; i++) tags_put(&b, s->sp->tags.keys[i], s->sp->tags.vals[i]);
    rt_sample(s->rt, M_DROPPED_ITERATIONS, tagset_intern(s->rt->tags, &b), (double)n);
}

double arrival_integral(const scenario_plan *sp, double t) {
    if (sp->kind == EX_CONSTANT_ARRIVAL_RATE) return sp->rate * fmin(t, sp->duration);
    double sum = 0, t0 = 0;
    for (int k = 0; k < sp->nstages; k++) {
        const stage *st = &sp->stages[k];
        double r0 = k == 0 ? sp->start_rate : sp->stages[k - 1].target;
        double r1 = st->target, d = st->duration;
        if (t < t0 + d) {
            double x = t - t0;
            return sum + r0 * x + (r1 - r0) * x * x / (2 * d);
        }
        sum += (r0 + r1) / 2 * d;
        t0 += d;
    }
    return sum;
}

/* Whether this worker's start i is due before `limit` (or at it, when inclusive). A copy of the
 * cursor is used, so probes may go back and forth past the scheduler's position. */
static bool due_by(const sched *s, long i, double limit, bool inclusive) {
    arrival_cursor c = s->cursor;
    double due = arrival_due(s->sp, global_i(s->sp, i), &c);
    return due >= 0 && (inclusive ? due <= limit : due < limit);
}

/* How many of this worker's starts from next_i on are due by `limit`: from the rate's integral,
 * in O(stages) however many there are (a 1 s run at 1e8/s misses ~1e8 starts), then confirmed
 * against arrival_due at the edge so the count is exactly the schedule's. */
static long due_count(const sched *s, double limit, bool inclusive) {
    /* iterations 0 .. global-1: constant rates start one at t = 0, ramping ones at 1 */
    double global =
        floor(arrival_integral(s->sp, limit)) + (s->sp->kind == EX_CONSTANT_ARRIVAL_RATE ? 1 : 0);
    /* a segment's starts among them: the ones its stripe owns */
    if (s->sp->iter_stripe && global > 0)
        global = (double)seg_tuple_scale(s->sp->iter_stripe,
                                         global < 9e18 ? (int64_t)global : INT64_MAX / 2);
    long k = global > (double)s->next_i ? (long)((global - 1 - (double)s->next_i) / s->nw) + 1 : 0;
    while (k > 0 && !due_by(s, s->next_i + (k - 1) * s->nw, limit, inclusive)) k--;
    while (due_by(s, s->next_i + k * s->nw, limit, inclusive)) k++;
    return k;
}

static void drop_starts(sched *s, long n) {
    if (n <= 0) return;
    s->next_i += n * s->nw;
    record_dropped(s, n);
}

/* queueWhenBusy: the starts due while every VU is busy wait, oldest first, and keep their due
 * time. They need no memory (they are this worker's next starts of the schedule, from next_i
 * on); the bound keeps what they measure meaningful: past it the oldest are dropped, and at the
 * schedule's end every start still waiting is dropped, as no iteration starts after the end. */
static void queue_backlog(sched *s, double rel) {
    if (rel >= scenario_duration(s->sp)) {
        drop_starts(s, due_count(s, INFINITY, true));
        return;
    }
    long waiting = due_count(s, rel, true);
    long bound = share(QUEUE_WHEN_BUSY_MAX, s->w, s->nw);
    if (waiting > bound) drop_starts(s, waiting - bound);
}

/* An idle VU for a due start. With no idle one, k6 drops the start and adds a VU (up to maxVUs)
 * for later ones; queueWhenBusy (lt's own) adds it and starts on it at once. */
static bool take_vu(sched *s, vu **v) {
    if (s->nidle > 0)
        *v = s->idle[--s->nidle];
    else if (s->sp->queue_when_busy && s->nvus < s->max_local)
        *v = add_vu(s);
    else
        return false;
    return true;
}

/* The schedule has no more starts: constant-arrival-rate runs to its duration (k6 waits for
 * it), ramping-arrival-rate ends at its last start (k6's schedule channel closes there). */
static void arrival_exhausted(sched *s, double rel) {
    double left = scenario_duration(s->sp) - rel;
    if (s->sp->kind == EX_CONSTANT_ARRIVAL_RATE && left > 0)
        wake_timer_at(s->timer, s->t0 + scenario_duration(s->sp));
    else
        enter_ending(s);
}

/* The next wake-up (lt_now() seconds) for a start due at `due` (s from t0): its due time plus the
 * scenario's precision budget, so every start due within the budget of it shares that one
 * wake-up (each keeps its own due time: corrected latency and schedule_lag count from it). Never
 * past the schedule's end on account of the budget. With no budget, the due time itself. */
static double arrival_wake_at(const sched *s, double due) {
    double wake = due + s->sp->schedule_precision;
    double end = scenario_duration(s->sp);
    if (wake > end) wake = due > end ? due : end;
    return s->t0 + wake;
}

static void arrival_tick(evutil_socket_t fd, short what, void *arg) {
    sched *s = arg;
    if (s->state != S_RUNNING) return;
    s->wakeups++;
    double rel = lt_now() - s->t0;
    bool all_busy = false;
    for (;;) {
        double due = arrival_due(s->sp, global_i(s->sp, s->next_i), &s->cursor);
        if (due < 0) {
            arrival_exhausted(s, rel);
            return;
        }
        if (due > rel) break;
        vu *v = NULL;
        /* As k6: a start that found every VU busy at its due time is dropped, even if a VU came
         * back since (catching up after waiting_for_vu): every start due before busy_until. */
        if (due < s->busy_until) {
            drop_starts(s, due_count(s, s->busy_until, false));
            continue;
        }
        if (take_vu(s, &v)) {
            start_on(s, v, s->t0 + due, true); /* before next_i moves: iteration_in_test */
            s->next_i += s->nw;
            s->starts++;
            continue;
        }
        if (s->nvus < s->max_local) {
            drop_starts(s, 1);
            vu *grown = add_vu(s); /* before indexing s->idle: add_vu may move it */
            s->idle[s->nidle++] = grown;
            continue;
        }
        all_busy = true;
        if (s->sp->queue_when_busy) {
            queue_backlog(s, rel);
            if (arrival_due(s->sp, global_i(s->sp, s->next_i), &s->cursor) < 0) {
                enter_ending(s);
                return;
            }
            break;
        }
        drop_starts(s, due_count(s, rel, true)); /* this start and every other one due by now */
    }
    s->busy_until = -1;
    if (all_busy && s->nidle == 0 && s->nvus >= s->max_local) {
        /* Every VU is busy: rather than waking for each due start only to drop it, sleep until
         * a VU comes back (iteration_done calls in) or the schedule ends; the starts that fall
         * due meanwhile are dropped then, in one go, or (queueWhenBusy) start then. */
        s->waiting_for_vu = true;
        wake_timer_at(s->timer, s->t0 + scenario_duration(s->sp));
        return;
    }
    wake_timer_at(s->timer,
                  arrival_wake_at(s, arrival_due(s->sp, global_i(s->sp, s->next_i), &s->cursor)));
}

/* ---------------- closed model ---------------- */

static bool wants_another(sched *s, vu *v) {
    vu_slot *slot = v->owner;
    if (s->state != S_RUNNING || atomic_load(&s->rt->shared->stopping)) return false;
    if (runtime_now(s->rt) >= s->end) return false;
    switch (s->sp->kind) {
    case EX_CONSTANT_VUS:
        return true;
    case EX_RAMPING_VUS:
        return slot->local < s->local_target;
    case EX_PER_VU_ITERATIONS:
        return v->iteration < s->sp->iterations;
    case EX_SHARED_ITERATIONS:
        return atomic_fetch_add(&s->ss->iterations_claimed, 1) < s->sp->iterations;
    default:
        return false;
    }
}

static void closed_all_idle_check(sched *s) {
    /* per-vu and shared iterations end when every VU is out of work */
    if (s->state == S_RUNNING && s->busy == 0 &&
        (s->sp->kind == EX_PER_VU_ITERATIONS || s->sp->kind == EX_SHARED_ITERATIONS))
        enter_ending(s);
}

static void ramp_tick(evutil_socket_t fd, short what, void *arg);

static void iteration_done(vu *v, bool ok, void *arg) {
    sched *s = arg;
    s->busy--;
    atomic_fetch_sub(&s->ss->active_vus, 1);
    atomic_fetch_add(&s->ss->iterations_done, 1);
    bool closed = s->sp->kind != EX_CONSTANT_ARRIVAL_RATE && s->sp->kind != EX_RAMPING_ARRIVAL_RATE;
    if (closed && wants_another(s, v)) {
        start_on(s, v, 0, false);
        return;
    }
    s->idle[s->nidle++] = v;
    if (s->waiting_for_vu && s->state == S_RUNNING) {
        s->waiting_for_vu = false;
        s->busy_until = s->sp->queue_when_busy ? -1 : lt_now() - s->t0;
        /* Through the timer, not a direct call: libevent runs the events activated by a callback
         * in the same pass, so at a high rate start -> done -> start would chain forever and the
         * loop would never read its command fd again (SIGTERM's stop would not arrive). */
        wake_timer_at(s->timer, 0); /* at once, on the loop's next turn */
    }
    closed_all_idle_check(s);
    check_finished(s);
}

static void start_closed_vus(sched *s, long want) {
    /* activate VUs with local index < want that are idle */
    for (long k = 0; k < want; k++) {
        /* a stop (Ctrl-C, abort) must not wait for millions of VUs to be allocated */
        if (k >= s->nvus && atomic_load(&s->rt->shared->stopping)) break;
        vu *v = k < s->nvus ? s->vus[k] : add_vu(s);
        if (v->busy) continue;
        for (int i = 0; i < s->nidle; i++)
            if (s->idle[i] == v) {
                s->idle[i] = s->idle[--s->nidle];
                break;
            }
        if (!wants_another(s, v)) {
            s->idle[s->nidle++] = v;
            continue;
        }
        start_on(s, v, 0, false);
    }
}

/* Raw step: this worker should run `want` VUs. VUs below it that are idle start; the ones above
 * finish their iteration and start no other (wants_another); nothing is interrupted here. */
static void apply_planned(sched *s, long want) {
    s->local_target = want;
    start_closed_vus(s, want);
}

/* Allowed step: VUs from index `allowed` on may not exist any more; one still in an iteration
 * (ramped down more than gracefulRampDown ago) is interrupted. */
static void apply_allowed(sched *s, long allowed) {
    for (long k = allowed; k < s->nvus; k++)
        if (s->vus[k]->busy) vu_interrupt(s->vus[k]);
}

/* The next step's time (s from t0): raw steps only while running, allowed ones until the end. */
static double next_ramp_step(const sched *s) {
    double t = INFINITY;
    if (s->state == S_RUNNING) t = s->raw_next < s->raw.n ? s->raw.v[s->raw_next].t : s->ramp_end;
    if (s->allowed_next < s->allowed.n && s->allowed.v[s->allowed_next].t < t)
        t = s->allowed.v[s->allowed_next].t;
    return t;
}

static void arm_ramp(sched *s) {
    double t = next_ramp_step(s);
    if (isfinite(t)) wake_timer_at(s->timer, s->t0 + t);
}

/* As k6's iterateSteps: steps in time order, a raw step first when both fall at once; the last
 * raw step of the scenario (0 VUs; a worker's own share may reach 0 earlier) is the end of the
 * schedule, after which only allowed steps apply. */
static void ramp_tick(evutil_socket_t fd, short what, void *arg) {
    sched *s = arg;
    if (s->state != S_RUNNING && s->state != S_ENDING) return;
    double rel = lt_now() - s->t0;
    for (;;) {
        bool raw = s->state == S_RUNNING && s->raw_next < s->raw.n;
        bool allowed = s->allowed_next < s->allowed.n;
        if (raw && (!allowed || s->raw.v[s->raw_next].t <= s->allowed.v[s->allowed_next].t)) {
            if (s->raw.v[s->raw_next].t > rel) break;
            apply_planned(s, s->raw.v[s->raw_next++].vus);
        } else if (s->state == S_RUNNING && !raw && rel >= s->ramp_end) {
            enter_ending(s);
        } else if (allowed) {
            if (s->allowed.v[s->allowed_next].t > rel) break;
            apply_allowed(s, s->allowed.v[s->allowed_next++].vus);
        } else {
            break;
        }
        if (s->state == S_DONE) return;
    }
    arm_ramp(s);
}

/* ---------------- lifecycle ---------------- */

static void deadline_cb(evutil_socket_t fd, short what, void *arg) {
    sched *s = arg;
    for (int i = 0; i < s->nvus; i++)
        if (s->vus[i]->busy) vu_interrupt(s->vus[i]);
    check_finished(s);
}

/* As k6: iterations a per-vu-iterations or shared-iterations scenario has not started when
 * maxDuration ends it are dropped_iterations (a stop or an abort drops nothing: k6 pushes no
 * sample once the run is cancelled). shared-iterations counts them once, in whichever worker
 * gets here first: taking the claim counter far past `iterations` also ends every later claim. */
static void record_unstarted(sched *s) {
    long n = 0;
    if (s->sp->kind == EX_PER_VU_ITERATIONS) {
        long never_allocated = share(s->sp->vus, s->w, s->nw) - s->nvus;
        n = never_allocated * s->sp->iterations;
        for (int k = 0; k < s->nvus; k++) /* v->iteration counts the finished ones */
            n += s->sp->iterations - s->vus[k]->iteration - (s->vus[k]->busy ? 1 : 0);
    } else if (s->sp->kind == EX_SHARED_ITERATIONS) {
        long claimed = atomic_exchange(&s->ss->iterations_claimed, LONG_MAX / 2);
        if (claimed < s->sp->iterations) n = s->sp->iterations - claimed;
    }
    if (n > 0) record_dropped(s, n);
}

/* The end of a closed-model schedule: duration or maxDuration reached. */
static void end_cb(evutil_socket_t fd, short what, void *arg) {
    sched *s = arg;
    if (s->state == S_RUNNING && !atomic_load(&s->rt->shared->stopping)) record_unstarted(s);
    enter_ending(s);
}

sched *sched_new(runtime *rt, const scenario_plan *sp, int worker_index, int nworkers,
                 sched_finished_fn finished, void *arg) {
    sched *s = calloc(1, sizeof *s);
    s->rt = rt;
    s->sp = sp;
    s->ss = &rt->shared->scenarios[sp->index];
    s->w = worker_index;
    s->nw = nworkers;
    s->finished = finished;
    s->finished_arg = arg;
    bool arrival = sp->kind == EX_CONSTANT_ARRIVAL_RATE || sp->kind == EX_RAMPING_ARRIVAL_RATE;
    s->timer = wake_timer_new(rt->base,
                              arrival                      ? arrival_tick
                              : sp->kind == EX_RAMPING_VUS ? ramp_tick
                                                           : end_cb,
                              s, arrival && sp->schedule_precision > 0);
    s->deadline_ev = evtimer_new(rt->base, deadline_cb, s);
    s->finish_ev = event_new(rt->base, -1, 0, finish_cb, s);
    s->max_local = share(sp->max_vus, worker_index, nworkers);
    if (sp->kind == EX_RAMPING_VUS) {
        ramp_steps raw, allowed;
        ramp_raw_steps(sp, true, &raw);
        ramp_graceful_steps(sp, &allowed);
        if (sp->vu_stripe) { /* a segment: its VUs of the whole test's counts */
            ramp_steps_segment(&raw, sp->vu_stripe);
            ramp_steps_segment(&allowed, sp->vu_stripe);
        }
        ramp_steps_local(&raw, worker_index, nworkers, &s->raw);
        ramp_steps_local(&allowed, worker_index, nworkers, &s->allowed);
        s->ramp_end = raw.v[raw.n - 1].t;
        s->ramp_deadline = allowed.v[allowed.n - 1].t;
        ramp_steps_free(&raw);
        ramp_steps_free(&allowed);
    }
    return s;
}

void sched_free(sched *s) {
    if (!s) return;
    /* A debug aid for the precision budget's tests and benches: how many wake-ups the arrival
     * schedule took for how many starts (stderr, one line per scenario and worker). */
    if (s->wakeups > 0 && getenv("LT_SCHED_STATS"))
        fprintf(stderr, "lt: sched %s worker %d: %ld wake-ups, %ld starts, %ld timer sets\n",
                s->sp->name, s->w, s->wakeups, s->starts, wake_timer_syscalls(s->timer));
    for (int i = 0; i < s->nvus; i++) {
        free(s->vus[i]->owner);
        s->vus[i]->done = NULL;
        vu_free(s->vus[i]);
    }
    free(s->vus);
    free(s->idle);
    wake_timer_free(s->timer);
    event_free(s->deadline_ev);
    event_free(s->finish_ev);
    ramp_steps_free(&s->raw);
    ramp_steps_free(&s->allowed);
    free(s);
}

void sched_start(sched *s, double t0) {
    const scenario_plan *sp = s->sp;
    s->t0 = t0;
    s->end = t0 + scenario_duration(sp);
    s->deadline = s->end + sp->graceful_stop;
    s->state = S_RUNNING;
    if (sp->no_share) { /* this execution segment gets nothing of the scenario */
        enter_ending(s);
        return;
    }
    switch (sp->kind) {
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_RAMPING_ARRIVAL_RATE: {
        int pre = share(sp->pre_allocated_vus, s->w, s->nw);
        for (int i = 0; i < pre && !atomic_load(&s->rt->shared->stopping); i++) {
            vu *v = add_vu(s);
            s->idle[s->nidle++] = v;
        }
        s->next_i = s->w;
        s->busy_until = -1;
        wake_timer_at(s->timer, t0);
        break;
    }
    case EX_CONSTANT_VUS:
    case EX_PER_VU_ITERATIONS:
    case EX_SHARED_ITERATIONS: {
        int n = share(sp->vus, s->w, s->nw);
        s->local_target = n;
        start_closed_vus(s, n);
        wake_timer_at(s->timer, s->end); /* end_cb */
        closed_all_idle_check(s);
        break;
    }
    case EX_RAMPING_VUS:
        /* k6: the schedule ends at the last raw step (a trailing stage at 0 VUs ends it early),
         * running iterations at the last allowed step (stages' end + gracefulStop at most) */
        s->end = t0 + s->ramp_end;
        s->deadline = t0 + s->ramp_deadline;
        ramp_tick(-1, 0, s);
        break;
    }
}

void sched_stop(sched *s, bool hard) {
    if (s->state == S_DONE) return;
    if (s->state == S_IDLE) {
        s->state = S_ENDING;
        check_finished(s);
        return;
    }
    double now = lt_now();
    if (s->end > now) {
        s->end = now;
        if (s->deadline > now + s->sp->graceful_stop) s->deadline = now + s->sp->graceful_stop;
    }
    if (hard) s->deadline = now;
    if (s->state == S_ENDING) {
        arm(s->deadline_ev, s->deadline - now);
        if (hard) deadline_cb(-1, 0, s);
        return;
    }
    enter_ending(s);
    if (hard && s->state != S_DONE) deadline_cb(-1, 0, s);
}

bool sched_finished(const sched *s) {
    return s->state == S_DONE;
}
