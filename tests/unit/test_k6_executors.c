/* test_k6_executors.c — k6's own executor test cases (grafana/k6 lib/executor, the _test.go files),
 * ported with k6's expected values: the start offsets of ramping-arrival-rate, the execution steps
 * of ramping-vus (VU counts over time, with and without gracefulRampDown and gracefulStop). k6's
 * cases on execution segments are left out: lt splits a scenario across its worker threads, not
 * across machines (instead, a split over workers is checked to lose nothing). */
#include "exec/ramp_steps.h"
#include "exec/sched.h"
#include "t.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every start of the schedule, in seconds, into out (at most max); returns how many. */
static int all_starts(const scenario_plan *sp, double *out, int max) {
    arrival_cursor c = {0};
    int n = 0;
    for (double d; n < max && (d = arrival_due(sp, n, &c)) >= 0; n++) out[n] = d;
    return n;
}

/* k6 compares with assert.InEpsilon(expected, got, 0.001): a relative error of 0.1%. */
static void expect_starts(const char *k6_case, const scenario_plan *sp, const double *want,
                          int nwant) {
    double got[256];
    int n = all_starts(sp, got, 256);
    T_CHECK(n == nwant, "%s: %d starts, k6 has %d", k6_case, n, nwant);
    for (int i = 0; i < n && i < nwant; i++)
        T_CHECK(fabs(got[i] - want[i]) <= 0.001 * want[i], "%s: start %d at %.4f s, k6 %.4f s",
                k6_case, i, got[i], want[i]);
}

/* k6: TestRampingArrivalRateCal — startRate 0; 5 s to 1/timeUnit, 1 s at it, 5 s to 0. */
static void test_ramping_arrival_rate_cal(void) {
    stage st[3] = {{5, 1}, {1, 1}, {5, 0}};
    scenario_plan sp = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 0, .stages = st, .nstages = 3};
    static const double per_second[] = {3.162, 4.472, 5.500, 6.527, 7.837, 11.0};
    expect_starts("TestRampingArrivalRateCal timeUnit 1s", &sp, per_second, 6);

    /* timeUnit 1s/3: three times as fast */
    stage fast[3] = {{5, 3}, {1, 3}, {5, 0}};
    sp.stages = fast;
    static const double thirds[] = {1.825, 2.581, 3.162, 3.651, 4.082, 4.472, 4.830, 5.166, 5.499,
                                    5.833, 6.169, 6.527, 6.917, 7.348, 7.837, 8.418, 9.174, 10.999};
    expect_starts("TestRampingArrivalRateCal timeUnit 1s/3", &sp, thirds, 18);
}

/* k6: TestRampingArrivalRateGlobalIters — timeUnit 950ms, 0 -> 20 over 1 s, -> 0 over 1 s. The
 * three segments' iterations together are 0..20: 21 starts (lt had 22, one at t = 0). */
static void test_ramping_arrival_rate_global_iters(void) {
    stage st[2] = {{1, 20 / 0.95}, {1, 0}};
    scenario_plan sp = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 0, .stages = st, .nstages = 2};
    double got[64];
    int n = all_starts(&sp, got, 64);
    T_CHECK(n == 21, "TestRampingArrivalRateGlobalIters: %d starts, k6 has 21 (0..20)", n);
    T_CHECK(n > 0 && got[0] > 0, "no start at t = 0 with startRate 0 (first at %.4f s)", got[0]);
}

/* k6: TestRampingArrivalRateRunCorrectRate — startRate 10; 1 s at 10, 1 s to 50, 1 s at 50:
 * about 10, 30 and 50 starts in the three seconds (k6 allows 1, 2 and 3 off). */
static void test_ramping_arrival_rate_correct_rate(void) {
    stage st[3] = {{1, 10}, {1, 50}, {1, 50}};
    scenario_plan sp = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 10, .stages = st, .nstages = 3};
    double got[256];
    int n = all_starts(&sp, got, 256), per[3] = {0};
    for (int i = 0; i < n; i++) per[got[i] <= 1 ? 0 : got[i] <= 2 ? 1 : 2]++;
    T_CHECK(abs(per[0] - 10) <= 1 && abs(per[1] - 30) <= 2 && abs(per[2] - 50) <= 3,
            "TestRampingArrivalRateRunCorrectRate: %d, %d, %d per second (k6: 10, 30, 50)", per[0],
            per[1], per[2]);
    T_CHECK(n == 90, "all three stages: %d starts (10 + 30 + 50)", n);
    T_CHECK(got[0] > 0.09 && got[0] < 0.11, "first start at 1/10 s, not 0: %.4f", got[0]);
    T_CHECK(fabs(got[n - 1] - 3) < 1e-9, "the last start is on the last stage's end: %.6f",
            got[n - 1]);
}

/* k6: TestRampingArrivalRateRunUnplannedVUs — 0 -> 10 over 2s - 1ns: 9 starts (the 10th would
 * fall just after the end); and TestRampingArrivalRateRunGracefulStop — 10/s for 2 s: 20 starts
 * in the schedule (k6 counts 10 iterations there only because its 10 VUs sleep 5 s). */
static void test_ramping_arrival_rate_counts(void) {
    stage st[1] = {{2 - 1e-9, 10}};
    scenario_plan sp = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 0, .stages = st, .nstages = 1};
    double got[64];
    T_CHECK(all_starts(&sp, got, 64) == 9, "TestRampingArrivalRateRunUnplannedVUs: %d starts, 9",
            all_starts(&sp, got, 64));
    stage full[1] = {{2, 10}};
    sp.stages = full;
    T_CHECK(all_starts(&sp, got, 64) == 10, "exactly 2 s: the 10th start is on the end and counts");
    T_CHECK(fabs(got[9] - 2) < 1e-9, "10th start at %.6f s", got[9]);
    stage flat[1] = {{2, 10}};
    scenario_plan g = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 10, .stages = flat, .nstages = 1};
    T_CHECK(all_starts(&g, got, 64) == 20, "10/s for 2 s: %d starts", all_starts(&g, got, 64));
}

/* k6: TestConstantArrivalRateGlobalIters — 20 per 950ms for 1 s: iterations 0..21 over the three
 * segments (22 starts, the first at t = 0); TestConstantArrivalRateDroppedIterations — 10/s for
 * 950 ms: 10 starts (5 run on the 5 VUs, 5 dropped). */
static void test_constant_arrival_rate_counts(void) {
    scenario_plan c = {.kind = EX_CONSTANT_ARRIVAL_RATE, .rate = 20 / 0.95, .duration = 1};
    double got[64];
    int n = all_starts(&c, got, 64);
    T_CHECK(n == 22, "TestConstantArrivalRateGlobalIters: %d starts, k6 has 22 (0..21)", n);
    T_CHECK(got[0] == 0, "the first constant-rate start is at t = 0");
    scenario_plan d = {.kind = EX_CONSTANT_ARRIVAL_RATE, .rate = 10, .duration = 0.95};
    T_CHECK(all_starts(&d, got, 64) == 10, "TestConstantArrivalRateDroppedIterations: %d starts",
            all_starts(&d, got, 64));
}

/* The starts counted from the integral (arrival_integral, for drops in one step) agree with the
 * due times: a ramp's i-th start is where the integral reaches i + 1. */
static void test_integral_matches_due(void) {
    stage st[3] = {{5, 3}, {1, 3}, {5, 0}};
    scenario_plan sp = {
        .kind = EX_RAMPING_ARRIVAL_RATE, .start_rate = 0, .stages = st, .nstages = 3};
    arrival_cursor c = {0};
    double worst = 0;
    for (long i = 0; i < 18; i++) {
        double e = fabs(arrival_integral(&sp, arrival_due(&sp, i, &c)) - (double)(i + 1));
        if (e > worst) worst = e;
    }
    T_CHECK(worst < 1e-6, "integral at due(i) is i + 1, worst error %g", worst);
}

/* ---------------- ramping-vus ---------------- */

/* Compares steps with k6's expected list (times in seconds; k6 compares time.Durations with ==,
 * so lt's must be exact to the nanosecond). */
static void expect_steps(const char *k6_case, const ramp_steps *got, const ramp_step *want,
                         int nwant) {
    bool same = got->n == nwant;
    for (long i = 0; same && i < nwant; i++)
        same = fabs(got->v[i].t - want[i].t) < 1e-9 && got->v[i].vus == want[i].vus;
    char buf[2048];
    int used = 0;
    for (long i = 0; i < got->n && used < (int)sizeof buf - 40; i++)
        used += snprintf(buf + used, sizeof buf - used, " %g:%ld", got->v[i].t, got->v[i].vus);
    T_CHECK(same, "%s: got%s (%ld steps, k6 has %d)", k6_case, buf, got->n, nwant);
}

static scenario_plan ramping(long start, stage *st, int n, double grd, double stop) {
    return (scenario_plan){.kind = EX_RAMPING_VUS,
                           .start_vus = (int)start,
                           .stages = st,
                           .nstages = n,
                           .graceful_ramp_down = grd,
                           .graceful_stop = stop};
}

/* k6: TestRampingVUsConfigExecutionPlanExample — raw steps with and without the zero end, and
 * the graceful steps for gracefulStop 30 s (default), 80 s, 3 s, 0 s and gracefulRampDown 0. */
static void test_ramping_vus_plan_example(void) {
    stage st[8] = {{2, 6}, {5, 1}, {4, 5}, {4, 1}, {3, 4}, {2, 4}, {0, 1}, {3, 1}};
    scenario_plan sp = ramping(4, st, 8, 30, 30);
    static const ramp_step raw[] = {{0, 4},  {1, 5},  {2, 6},  {3, 5},  {4, 4},  {5, 3},  {6, 2},
                                    {7, 1},  {8, 2},  {9, 3},  {10, 4}, {11, 5}, {12, 4}, {13, 3},
                                    {14, 2}, {15, 1}, {16, 2}, {17, 3}, {18, 4}, {20, 1}, {23, 0}};
    ramp_steps got;
    ramp_raw_steps(&sp, false, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample raw", &got, raw, 20);
    ramp_steps_free(&got);
    ramp_raw_steps(&sp, true, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample raw, zero end", &got, raw, 21);
    ramp_steps_free(&got);

    static const ramp_step g30[] = {{0, 4}, {1, 5}, {2, 6}, {33, 5}, {42, 4}, {50, 1}, {53, 0}};
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample graceful 30s/30s", &got, g30, 7);
    ramp_steps_free(&got);
    static const ramp_step g80[] = {{0, 4}, {1, 5}, {2, 6}, {33, 5}, {42, 4}, {50, 1}, {103, 0}};
    sp.graceful_stop = 80;
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample gracefulStop 80s", &got, g80, 7);
    ramp_steps_free(&got);
    static const ramp_step g3[] = {{0, 4}, {1, 5}, {2, 6}, {26, 0}};
    sp.graceful_stop = 3;
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample gracefulStop 3s", &got, g3, 4);
    ramp_steps_free(&got);
    static const ramp_step g0[] = {{0, 4}, {1, 5}, {2, 6}, {23, 0}};
    sp.graceful_stop = 0;
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample gracefulStop 0s", &got, g0, 4);
    ramp_steps_free(&got);
    sp.graceful_ramp_down = 0;
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsConfigExecutionPlanExample gracefulRampDown 0s: raw, zero end",
                 &got, raw, 21);
    ramp_steps_free(&got);
}

/* k6: TestRampingVUsExecutionTupleTests, the whole-test tuple (nil, nil). */
static void test_ramping_vus_tuple_whole(void) {
    stage st[14] = {{2, 6}, {5, 1}, {4, 5}, {4, 1}, {3, 4}, {2, 4}, {0, 1},
                    {3, 1}, {0, 5}, {3, 5}, {0, 0}, {2, 2}, {2, 0}, {4, 4}};
    scenario_plan sp = ramping(4, st, 14, 30, 30);
    static const ramp_step want[] = {
        {0, 4},  {1, 5},  {2, 6},  {3, 5},  {4, 4},  {5, 3},  {6, 2},  {7, 1},  {8, 2},  {9, 3},
        {10, 4}, {11, 5}, {12, 4}, {13, 3}, {14, 2}, {15, 1}, {16, 2}, {17, 3}, {18, 4}, {20, 1},
        {23, 5}, {26, 0}, {27, 1}, {28, 2}, {29, 1}, {30, 0}, {31, 1}, {32, 2}, {33, 3}, {34, 4}};
    ramp_steps got;
    ramp_raw_steps(&sp, false, &got);
    expect_steps("TestRampingVUsExecutionTupleTests (nil, nil)", &got, want, 30);
    ramp_steps_free(&got);
}

/* k6: TestRampingVUsGetRawExecutionStepsCornerCases, the cases without a segment. */
static void test_ramping_vus_corner_cases(void) {
    ramp_steps got;
    stage a[2] = {{0, 5}, {2, 3}};
    scenario_plan sp = ramping(2, a, 2, 30, 30);
    static const ramp_step wa[] = {{0, 2}, {0, 5}, {1, 4}, {2, 3}};
    ramp_raw_steps(&sp, false, &got);
    expect_steps("CornerCases going up then down straight away", &got, wa, 4);
    ramp_steps_free(&got);

    stage b[1] = {{2, 5}};
    sp = ramping(3, b, 1, 30, 30);
    static const ramp_step wb[] = {{0, 3}, {1, 4}, {2, 5}};
    ramp_raw_steps(&sp, false, &got);
    expect_steps("CornerCases jump up then go up again", &got, wb, 3);
    ramp_steps_free(&got);

    stage c[4] = {{2, 2}, {2, 0}, {2, 2}, {2, 0}};
    sp = ramping(0, c, 4, 30, 30);
    static const ramp_step wc[] = {{0, 0}, {1, 1}, {2, 2}, {3, 1}, {4, 0},
                                   {5, 1}, {6, 2}, {7, 1}, {8, 0}};
    ramp_raw_steps(&sp, false, &got);
    expect_steps("CornerCases up down up down", &got, wc, 9);
    ramp_steps_free(&got);
    /* the same over 2 workers: what k6's halves "0:1/2" and "1/2:1" get (VU j on worker j % 2) */
    ramp_steps all, mine;
    ramp_raw_steps(&sp, false, &all);
    static const ramp_step half0[] = {{0, 0}, {1, 1}, {4, 0}, {5, 1}, {8, 0}};
    static const ramp_step half1[] = {{0, 0}, {2, 1}, {3, 0}, {6, 1}, {7, 0}};
    ramp_steps_local(&all, 0, 2, &mine);
    expect_steps("CornerCases up down up down in half (worker 0 of 2)", &mine, half0, 5);
    ramp_steps_free(&mine);
    ramp_steps_local(&all, 1, 2, &mine);
    expect_steps("CornerCases up down up down in the other half (worker 1 of 2)", &mine, half1, 5);
    ramp_steps_free(&mine);
    ramp_steps_free(&all);

    stage d[2] = {{5, 5}, {5, 0}};
    sp = ramping(0, d, 2, 30, 30);
    static const ramp_step wd[] = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5},
                                   {6, 4}, {7, 3}, {8, 2}, {9, 1}, {10, 0}};
    ramp_raw_steps(&sp, false, &got);
    expect_steps("CornerCases more up and down", &got, wd, 11);
    ramp_steps_free(&got);
}

/* k6: TestRampingVUsRampDownNoWobble — 0 -> 10 over 3 s, -> 0 over 2 s: one VU fewer every
 * 0.2 s, 10, 9, ..., 0, the count never below the line (lt rounded down: 9 from 3 s on). */
static void test_ramping_vus_no_wobble(void) {
    stage st[2] = {{3, 10}, {2, 0}};
    scenario_plan sp = ramping(0, st, 2, 1, 0);
    ramp_steps got;
    ramp_raw_steps(&sp, true, &got);
    bool ok = got.n == 21;
    for (long i = 10; ok && i < 21; i++)
        ok = got.v[i].vus == 20 - i && fabs(got.v[i].t - (3 + 0.2 * (double)(i - 10))) < 1e-9;
    T_CHECK(ok,
            "TestRampingVUsRampDownNoWobble: 10 at 3 s, then one fewer every 0.2 s to 0 at 5 s");
    ramp_steps_free(&got);
}

/* k6: TestRampingVUsHandleRemainingVUs — 0 -> 2 over 10 ms, -> 0 over 40 ms, gracefulRampDown
 * 30 ms, gracefulStop 50 ms: VU 2 is ramped down at 30 ms and interrupted at 60 ms, VU 1 at
 * 50 ms and may run to 80 ms, so its 65 ms iteration finishes and VU 2's does not. */
static void test_ramping_vus_remaining(void) {
    stage st[2] = {{0.010, 2}, {0.040, 0}};
    scenario_plan sp = ramping(0, st, 2, 0.030, 0.050);
    ramp_steps got;
    static const ramp_step raw[] = {{0, 0}, {0.005, 1}, {0.010, 2}, {0.030, 1}, {0.050, 0}};
    ramp_raw_steps(&sp, true, &got);
    expect_steps("TestRampingVUsHandleRemainingVUs raw", &got, raw, 5);
    ramp_steps_free(&got);
    static const ramp_step allowed[] = {{0, 0}, {0.005, 1}, {0.010, 2}, {0.060, 1}, {0.080, 0}};
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsHandleRemainingVUs graceful", &got, allowed, 5);
    ramp_steps_free(&got);
}

/* k6: TestRampingVUsRun — 5 VUs for 1 s, at once 3 for 1 s; gracefulStop and gracefulRampDown
 * 0: 5 VUs, then 3 (the two ramped down interrupted at 1 s), then 0 at 2 s. */
static void test_ramping_vus_run_steps(void) {
    stage st[3] = {{1, 5}, {0, 3}, {1, 3}};
    scenario_plan sp = ramping(5, st, 3, 0, 0);
    ramp_steps got;
    static const ramp_step raw[] = {{0, 5}, {1, 3}, {2, 0}};
    ramp_raw_steps(&sp, true, &got);
    expect_steps("TestRampingVUsRun raw", &got, raw, 3);
    ramp_steps_free(&got);
    ramp_graceful_steps(&sp, &got);
    expect_steps("TestRampingVUsRun allowed", &got, raw, 3);
    ramp_steps_free(&got);
}

/* The count a step list holds at time t (the last step at or before t). */
static long count_at(const ramp_steps *st, double t) {
    long c = 0;
    for (long i = 0; i < st->n && st->v[i].t <= t + 1e-12; i++) c = st->v[i].vus;
    return c;
}

static uint64_t xorshift(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* k6: TestSumRandomSegmentSequenceMatchesNoSegment, for lt's split: random stages (k6's bounds:
 * up to 10 stages of 1 s - 10 min, up to 300 VUs), split over 2..7 workers; at every step time
 * the workers' counts add up to the whole scenario's, for the raw and the allowed steps. */
static void test_ramping_vus_split_sums(void) {
    uint64_t x = 88172645463325252ULL; /* xorshift64, fixed: the same cases every run */
    int bad = 0, cases = 0;
    for (int round = 0; round < 40; round++) {
        stage st[10];
        int n = 1 + (int)(xorshift(&x) % 10);
        for (int i = 0; i < n; i++)
            st[i] = (stage){(double)(1 + xorshift(&x) % 600), (double)(xorshift(&x) % 300)};
        scenario_plan sp =
            ramping((long)(xorshift(&x) % 300), st, n, (double)(xorshift(&x) % 60), 30);
        if (sp.start_vus == 0) sp.start_vus = 1;
        int nw = 2 + round % 6;
        for (int kind = 0; kind < 2; kind++) {
            ramp_steps all, local[7];
            if (kind == 0)
                ramp_raw_steps(&sp, true, &all);
            else
                ramp_graceful_steps(&sp, &all);
            for (int w = 0; w < nw; w++) ramp_steps_local(&all, w, nw, &local[w]);
            for (long i = 0; i < all.n; i++) {
                long sum = 0;
                for (int w = 0; w < nw; w++) sum += count_at(&local[w], all.v[i].t);
                /* several steps can share a time (a 0 s stage): compare with the last of them */
                if (i + 1 < all.n && all.v[i + 1].t == all.v[i].t) continue;
                if (sum != all.v[i].vus) bad++;
            }
            for (int w = 0; w < nw; w++) ramp_steps_free(&local[w]);
            ramp_steps_free(&all);
            cases++;
        }
    }
    T_CHECK(bad == 0,
            "random ramps over 2..7 workers: %d step times where the shares do not add "
            "up (%d step lists)",
            bad, cases);
}

int main(void) {
    test_ramping_arrival_rate_cal();
    test_ramping_arrival_rate_global_iters();
    test_ramping_arrival_rate_correct_rate();
    test_ramping_arrival_rate_counts();
    test_constant_arrival_rate_counts();
    test_integral_matches_due();
    test_ramping_vus_plan_example();
    test_ramping_vus_tuple_whole();
    test_ramping_vus_corner_cases();
    test_ramping_vus_no_wobble();
    test_ramping_vus_remaining();
    test_ramping_vus_run_steps();
    test_ramping_vus_split_sums();
    return T_DONE();
}
