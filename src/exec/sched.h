/* sched.h — k6's executors on one worker thread.
 *
 * Promises:
 * - One scheduler per scenario per worker, driven by one timer (not one per iteration).
 * - Arrival-rate executors, as k6: constant-arrival-rate's iteration i (global, from 0) is due
 *   at i / rate (the first at t = 0, none at the duration); ramping-arrival-rate's where the
 *   integral of the rate curve reaches i + 1 (none at t = 0 with startRate 0; one that falls
 *   exactly on the last stage's end counts). Due times are computed from the scenario's start,
 *   never from the previous start, so lateness never accumulates. Worker w of n (at most
 *   preAllocatedVUs workers) takes the iterations with i % n == w: none is lost or doubled.
 *   A due iteration with no idle VU is dropped (dropped_iterations) and, as in k6, a VU is added
 *   to this worker's pool (up to its share of maxVUs) for later ones; with the pool full, the
 *   starts missed are dropped in one step per wake-up, from the rate's integral, however many —
 *   or, with queueWhenBusy, a start grows the pool at once or waits (at most 100,000 per
 *   scenario, oldest dropped past that; all dropped at the schedule's end) for the next free VU
 *   and starts with its original due time. constant-arrival-rate ends at its duration,
 *   ramping-arrival-rate at its last start (k6's ends).
 * - A freed VU wakes the schedule through its timer, never by a direct call, so the worker's loop
 *   always gets back to its command fd (stop requests) however high the rate.
 * - Closed-model executors (constant-vus, ramping-vus, per-vu-iterations, shared-iterations):
 *   VU j of the scenario runs on worker j % n; shared-iterations claims iterations from one
 *   counter shared by all workers. Iterations per-vu/shared-iterations have not started when
 *   maxDuration ends them are dropped_iterations (none on a stop).
 * - ramping-vus follows k6's execution steps (exec/ramp_steps.h) at their exact times, no tick:
 *   a VU ramped down finishes its iteration, or is interrupted at its ramp-down time +
 *   gracefulRampDown, also when that falls after the stages' end.
 * - At the end of the schedule no iteration starts; running ones get gracefulStop (and, for
 *   ramping-vus ramp-downs, gracefulRampDown) before they are interrupted.
 */
#ifndef LT_EXEC_SCHED_H
#define LT_EXEC_SCHED_H
#include "vu/runtime.h"

typedef struct sched sched;
typedef void (*sched_finished_fn)(sched *s, void *arg);

/* Number of workers that take part in scenario sp when the run has nthreads workers. */
int sched_participants(const scenario_plan *sp, int nthreads);
/* Seconds from the scenario's start at which global iteration i is due, or a negative number
 * when the schedule has no iteration i. `cursor` (zeroed before the first call) speeds up
 * monotonic calls. */
typedef struct {
    int stage;
    double stage_t0, stage_c0;
} arrival_cursor;
double arrival_due(const scenario_plan *sp, long i, arrival_cursor *cursor);
/* Iterations the rate curve holds from the scenario's start to t seconds: the rate's integral.
 * A ramping rate's iteration i is due where it reaches i + 1, a constant rate's where it reaches
 * i (arrival_due inverts it), so the starts due by t are counted without visiting them. */
double arrival_integral(const scenario_plan *sp, double t);

sched *sched_new(runtime *rt, const scenario_plan *sp, int worker_index, int nworkers,
                 sched_finished_fn finished, void *arg);
void sched_free(sched *s);
/* Starts the schedule at monotonic time t0. */
void sched_start(sched *s, double t0);
/* Stops starting iterations; running ones get gracefulStop, or are interrupted now when hard. */
void sched_stop(sched *s, bool hard);
bool sched_finished(const sched *s);
#endif
