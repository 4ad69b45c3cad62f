/* ramp_steps.h — ramping-vus as k6 schedules it: lists of (time, VUs) steps computed once from
 * the stages, not a target sampled on a tick.
 *
 * Promises:
 * - ramp_raw_steps is k6's getRawExecutionSteps (lib/executor/ramping_vus.go) for one whole
 *   scenario: the VUs that should be running, changing at the exact times k6 computes (integer
 *   nanoseconds, k6's truncating division). On a ramp up VU n starts when the line reaches n; on
 *   a ramp down the count stays at n until the line reaches n - 1. A count only ever touched for
 *   an instant (a peak) is a step too.
 * - ramp_graceful_steps is k6's GetExecutionRequirements: the most VUs allowed to exist. A VU
 *   ramped down may finish its iteration until gracefulRampDown later (also after the stages
 *   end); the last step is 0 at the stages' end + gracefulStop (or earlier, when every VU is
 *   already gone by then). A VU past the allowed count is interrupted.
 * - Steps are in time order; consecutive steps never repeat a count. Times are seconds from the
 *   scenario's start.
 */
#ifndef LT_EXEC_RAMP_STEPS_H
#define LT_EXEC_RAMP_STEPS_H
#include "plan/plan.h"
#include <stdbool.h>

typedef struct {
    double t; /* seconds from the scenario's start */
    long vus;
} ramp_step;

typedef struct {
    ramp_step *v;
    long n, cap;
} ramp_steps;

/* zero_end: add a step to 0 VUs at the stages' end when the last count is not 0 already. */
void ramp_raw_steps(const scenario_plan *sp, bool zero_end, ramp_steps *out);
void ramp_graceful_steps(const scenario_plan *sp, ramp_steps *out);
/* The share of worker w of n: global VU j runs on worker j % n, so a global count becomes the
 * number of j < count with j % n == w; steps that leave that number unchanged are left out. */
void ramp_steps_local(const ramp_steps *global, int w, int n, ramp_steps *out);
/* An execution segment's share (plan/segment.h), in place: each whole-test count becomes the
 * number of its VUs the segment owns (k6's SegmentedIndex); repeated counts are left out. */
void ramp_steps_segment(ramp_steps *s, const seg_tuple *t);
void ramp_steps_free(ramp_steps *s);
#endif
