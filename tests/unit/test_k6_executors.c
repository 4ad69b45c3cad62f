/* test_k6_executors.c — k6's own executor test cases (grafana/k6 lib/executor, the _test.go files),
 * ported with k6's expected values: the start offsets of ramping-arrival-rate, the execution steps
 * of ramping-vus (VU counts over time, with and without gracefulRampDown and gracefulStop). k6's
 * cases on execution segments are left out: lt splits a scenario across its worker threads, not
 * across machines (instead, a split over workers is checked to lose nothing). */
#include "exec/sched.h"
#include "t.h"
#include <math.h>
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

int main(void) {
    test_ramping_arrival_rate_cal();
    test_ramping_arrival_rate_global_iters();
    test_ramping_arrival_rate_correct_rate();
    test_ramping_arrival_rate_counts();
    test_constant_arrival_rate_counts();
    test_integral_matches_due();
    return T_DONE();
}
